use super::*;
use crate::guide::StepKind;
use crate::run::apply::tests::{check_run, run_script, session, step};
use crate::run::apply::Input;
use crate::test_fixtures;
use expect_test::expect;
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../../../../public/example-guide.md");
const T0: i64 = 1_764_000_000_000;
const MIN: i64 = 60_000;

fn example() -> Guide {
    Guide::parse(EXAMPLE)
}

fn start(guide: &Guide, choices: &[(&str, &str)]) -> Run {
    let choices = choices
        .iter()
        .map(|(g, p)| (g.to_string(), p.to_string()))
        .collect();
    Run::new(
        [7; 16],
        guide,
        "hash",
        "  Ana  ",
        choices,
        T0,
        Run::default_window(guide, T0),
    )
}

fn step_id(plan: &Plan, text: &str) -> String {
    plan.phases
        .iter()
        .flat_map(|p| &p.steps)
        .find(|s| s.text.contains(text))
        .unwrap_or_else(|| panic!("no step {text:?}"))
        .id
        .clone()
}

fn check(step: &str) -> Action {
    Action::Check {
        step: step.to_owned(),
        overridden: None,
    }
}

#[test]
fn a_new_run_records_who_what_and_the_window() {
    let g = example();
    let run = start(&g, &[]);
    assert_eq!(run.id, "07070707-0707-4707-8707-070707070707");
    assert_eq!(run.operator, "Ana");
    assert_eq!(run.guide_title, "Orders API v2.4 Production Deployment");
    // 45-60 minutes: the window is the maximum.
    assert_eq!(run.window.end_ms - run.window.start_ms, 60 * MIN);
    // The first option of each group is chosen by default.
    assert_eq!(run.choices.len(), 1);
    assert!(run.choices.values().next().unwrap().contains("option-1"));
}

#[test]
fn unchosen_alternatives_are_hidden_and_rollback_is_not_in_the_checklist() {
    let g = example();
    let group = g
        .all_phases()
        .into_iter()
        .find_map(|p| p.alternative_group.clone())
        .unwrap();
    let run = start(&g, &[(&group, "p-option-2-blue-green-switch")]);
    let plan = run.plan(&g);
    let hidden: Vec<&str> = plan
        .phases
        .iter()
        .filter(|p| p.hidden)
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(hidden, ["p-option-1-rolling-update-default"]);
    let steps: Vec<&str> = plan.run_steps().map(|(_, s)| s.text.as_str()).collect();
    assert!(steps.iter().any(|s| s.contains("orders-api-green.yaml")));
    assert!(!steps.iter().any(|s| s.contains("set image")));
    assert!(!steps.iter().any(|s| s.contains("rollout undo")));
    assert!(!steps.iter().any(|s| s.contains("Previous version serving")));
    // Sub-steps replace their command.
    assert!(steps.contains(&"Step 2: Snapshot the database"));
    // An unknown choice falls back to the first option.
    let run = start(&g, &[(&group, "p-nope")]);
    assert!(run.choices[&group].contains("option-1"));
}

/// A pre-deployment checklist with a box already ticked in the guide.
const CHECKLIST: &str = "# Release

**Estimated Time:** 45-60 minutes

## Pre-deployment checklist

- [x] Change request CHG-2417 approved
- [ ] Release notes reviewed by product owner
- [ ] On-call engineer briefed and reachable
";

#[test]
fn pre_checked_tasks_count_as_done_until_unchecked() {
    check_run(
        CHECKLIST,
        "
        show
        1 Ana uncheck #1
        ",
        expect![[r#"
            show:
              #1 Change request CHG-2417 approved: done in the guide
              #2 Release notes reviewed by product owner: open
              #3 On-call engineer briefed and reachable: open
              progress: 1 done · 0 skipped · 2 open; next: #2 Release notes reviewed by product owner
            1 Ana uncheck #1: accepted [reopen “Change request CHG-2417 approved”]; save 1; publish 1
            #1 Change request CHG-2417 approved: open
            #2 Release notes reviewed by product owner: open
            #3 On-call engineer briefed and reachable: open
            progress: 0 done · 0 skipped · 3 open; next: #1 Change request CHG-2417 approved
        "#]],
    );
}

#[test]
fn check_undo_skip_and_note_are_logged_with_time_and_person() {
    check_run(
        CHECKLIST,
        "
        1 Ana check #2
        2 Ben uncheck #2
        3 Ben skip #3 \"   \"
        3 Ben skip #3 \" on-call is on the bridge \"
        4 Ana note #3 paged via PagerDuty
        0 Ana check t-nope
        ",
        expect![[r#"
            1 Ana check #2: accepted [check “Release notes reviewed by product owner”]; save 1; publish 1
            2 Ben uncheck #2: accepted [reopen “Release notes reviewed by product owner”]; save 1; publish 1
            3 Ben skip #3 "   ": refused: a reason is required
            3 Ben skip #3 " on-call is on the bridge ": accepted [skip “On-call engineer briefed and reachable”]; save 1; publish 1
            4 Ana note #3 paged via PagerDuty: accepted [a note]; save 1; publish 1
            0 Ana check t-nope: refused: no step t-nope in this guide
            #1 Change request CHG-2417 approved: done in the guide
            #2 Release notes reviewed by product owner: open
            #3 On-call engineer briefed and reachable: skipped by Ben at 3: on-call is on the bridge
            progress: 1 done · 1 skipped · 1 open; next: #2 Release notes reviewed by product owner
            note by Ana at 4 on #3: paged via PagerDuty
        "#]],
    );
}

/// A step that is a wait of 15 minutes.
const WAIT: &str = "# Rollout

## Scale down

- [ ] Keep the old ReplicaSet for 15 minutes
";

#[test]
fn a_wait_cannot_be_checked_before_it_elapses_unless_overridden() {
    let s = check_run(
        WAIT,
        "
        0 Ana check #1
        0 Ana wait #1 900
        10 Ana check #1
        15 Ana check #1
        ",
        expect![[r#"
            0 Ana check #1: refused: start the wait first, or give a reason to check it now
            0 Ana wait #1 900: accepted [start the wait of “Keep the old ReplicaSet for 15 minutes”]; save 1; publish 1; AskToNotify
            10 Ana check #1: refused: the wait is still running (5:00 left); give a reason to check it now
            15 Ana check #1: accepted [check “Keep the old ReplicaSet for 15 minutes”]; save 1; publish 1; status PhaseCompleted
            #1 Keep the old ReplicaSet for 15 minutes: done by Ana at 15
            progress: 1 done · 0 skipped · 0 open; next: nothing
        "#]],
    );
    let keep = step(&s, "#1");
    assert_eq!(s.plan.step(&keep).unwrap().1.wait_s, Some(15 * 60));
    let st = s.run.state();
    assert_eq!(
        wait_status(&st, &keep, Some(900), T0 + 10 * MIN),
        Some(WaitStatus::Running {
            ends_ms: T0 + 15 * MIN,
            remaining_ms: 5 * MIN
        })
    );
    // A reload is a fresh fold of the same log: the wait still ran then.
    let reloaded = Run::decode(&s.run.encode()).unwrap();
    assert_eq!(
        wait_status(&reloaded.state(), &keep, Some(900), T0 + 14 * MIN),
        Some(WaitStatus::Running {
            ends_ms: T0 + 15 * MIN,
            remaining_ms: MIN
        })
    );
    // After a laptop sleeps through the end, the wait reads as elapsed.
    assert_eq!(
        wait_status(&st, &keep, Some(900), T0 + 90 * MIN),
        Some(WaitStatus::Elapsed {
            ended_ms: T0 + 15 * MIN
        })
    );

    // Another run cuts the wait short with a reason; the summary says so.
    let s = check_run(
        WAIT,
        "0 Ben check! #1 old pods already gone",
        expect![[r#"
            0 Ben check! #1 old pods already gone: accepted [check “Keep the old ReplicaSet for 15 minutes”]; save 1; publish 1; status Override; status PhaseCompleted
            #1 Keep the old ReplicaSet for 15 minutes: done by Ben at 0 (wait cut short: old pods already gone)
            progress: 1 done · 0 skipped · 0 open; next: nothing
        "#]],
    );
    assert_eq!(
        s.run.summary(&s.plan, &s.guide, T0 + MIN).overridden,
        [(
            "Keep the old ReplicaSet for 15 minutes".to_owned(),
            "Ben".to_owned(),
            "old pods already gone".to_owned()
        )]
    );
}

#[test]
fn window_timer_warns_at_80_percent_and_when_exceeded() {
    let g = example();
    let run = start(&g, &[]);
    let at = |m: i64| run.window_timer(T0 + m * MIN);
    assert_eq!(at(10).level, WindowLevel::Ok);
    assert_eq!(at(10).remaining_ms, 50 * MIN);
    assert_eq!(at(10).elapsed_ms, 10 * MIN);
    assert_eq!(at(47).level, WindowLevel::Ok);
    assert_eq!(at(48).level, WindowLevel::Warning);
    assert_eq!(at(60).level, WindowLevel::Exceeded);
    assert_eq!(at(75).remaining_ms, -15 * MIN);
    assert_eq!(run.window_timer(T0 - MIN).level, WindowLevel::Upcoming);
    assert_eq!(format_ms(at(75).remaining_ms), "-15:00");
    assert_eq!(format_ms(3_909_000), "1:05:09");
}

#[test]
fn phase_timer_runs_from_the_first_check_and_flags_overrun() {
    let g = example();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let phase = plan
        .phases
        .iter()
        .find(|p| p.title.starts_with("Step 1"))
        .unwrap()
        .clone();
    assert_eq!(phase.estimate_s, Some([300, 300]));
    let st = run.state();
    assert_eq!(run.phase_timer(&phase, &st, T0 + MIN), None);
    let ids: Vec<String> = phase.steps.iter().map(|s| s.id.clone()).collect();
    run.record(&plan, T0 + MIN, "Ana", check(&ids[0])).unwrap();
    let st = run.state();
    let t = run.phase_timer(&phase, &st, T0 + 4 * MIN).unwrap();
    assert_eq!(
        (t.running_ms, t.overrun, t.finished),
        (3 * MIN, false, false)
    );
    let t = run.phase_timer(&phase, &st, T0 + 7 * MIN).unwrap();
    assert!(t.overrun);
    for id in &ids[1..] {
        run.record(&plan, T0 + 5 * MIN, "Ana", check(id)).unwrap();
    }
    let st = run.state();
    // Finished phases stop their clock at the last check.
    let t = run.phase_timer(&phase, &st, T0 + 90 * MIN).unwrap();
    assert_eq!(
        (t.running_ms, t.overrun, t.finished),
        (4 * MIN, false, true)
    );
    assert_eq!(
        run.progress(&plan, &st, Some(&phase.id)).resolved,
        ids.len()
    );
}

#[test]
fn optional_sections_are_skipped_in_one_click() {
    let s = check_run(
        "# G

## Deploy

- [ ] one

## Warm caches (Optional)

- [ ] warm a
- [ ] warm b
",
        "
        0 Ana skip-phase p-deploy
        0 Ana skip-phase p-warm-caches-optional
        ",
        expect![[r#"
            0 Ana skip-phase p-deploy: refused: only optional sections can be skipped
            0 Ana skip-phase p-warm-caches-optional: accepted [skip “Warm caches (Optional)”]; save 1; publish 1; status PhaseCompleted
            #1 one: open
            #2 warm a: skipped by Ana at 0: optional section skipped
            #3 warm b: skipped by Ana at 0: optional section skipped
            progress: 0 done · 2 skipped · 1 open; next: #1 one
        "#]],
    );
    let summary = s.run.summary(&s.plan, &s.guide, T0);
    assert_eq!(summary.skipped.len(), 2);
    assert_eq!(summary.open, ["one"]);
}

#[test]
fn finishing_ends_the_run_and_summarises_it() {
    let s = check_run(
        CHECKLIST,
        "
        1 Ana check #2
        70 Ana finish rolled_back latency over 800ms
        71 Ana uncheck #2
        ",
        expect![[r#"
            1 Ana check #2: accepted [check “Release notes reviewed by product owner”]; save 1; publish 1
            70 Ana finish rolled_back latency over 800ms: accepted [finish as rolled back]; save 1; publish 1; status RunFinished
            71 Ana uncheck #2: refused: this run has ended; start a new run to change it
            #1 Change request CHG-2417 approved: done in the guide
            #2 Release notes reviewed by product owner: done by Ana at 1
            #3 On-call engineer briefed and reachable: open
            progress: 2 done · 0 skipped · 1 open; next: #3 On-call engineer briefed and reachable
            outcome: rolled back by Ana at 70: latency over 800ms
        "#]],
    );
    let summary = s.run.summary(&s.plan, &s.guide, T0 + 500 * MIN);
    assert_eq!(summary.duration_ms, 70 * MIN);
    assert_eq!(summary.estimate_s, Some([45 * 60, 60 * 60]));
    assert_eq!((summary.done, summary.total), (2, 3));
    assert_eq!(summary.open.len(), 1);
}

#[test]
fn run_codec_round_trips_and_refuses_newer_or_damaged_records() {
    let g = example();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let id = step_id(&plan, "Release notes");
    run.record(&plan, T0 + 1, "Ana", check(&id)).unwrap();
    let encoded = run.encode();
    assert!(encoded.contains(r#""type":"check""#), "{encoded}");
    assert_eq!(Run::decode(&encoded), Ok(run.clone()));
    let newer = encoded.replace(r#""schema":2"#, r#""schema":9"#);
    assert_eq!(
        Run::decode(&newer),
        Err(crate::ProgressError::FromNewerVersion(9))
    );
    assert!(matches!(
        Run::decode("{\"schema\":2}"),
        Err(crate::ProgressError::Corrupt(_))
    ));
    assert!(Run::decode("not json").is_err());
}

#[test]
fn run_index_lists_runs_in_progress_first() {
    let g = example();
    let mut index = RunIndex::default();
    let mut a = start(&g, &[]);
    a.id = "a".into();
    let mut b = start(&g, &[]);
    b.id = "b".into();
    let plan = a.plan(&g);
    a.record(
        &plan,
        T0 + 5 * MIN,
        "Ana",
        Action::Finish {
            outcome: Outcome::Completed,
            note: String::new(),
        },
    )
    .unwrap();
    index.upsert(&a, &g);
    index.upsert(&b, &g);
    index.upsert(&a, &g);
    let ids: Vec<&str> = index.sorted().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["b", "a"]);
    assert_eq!(RunIndex::decode(&index.encode()), Ok(index.clone()));
    assert_eq!(index.runs[0].total, plan.run_steps().count());
}

#[test]
fn staged_steps_and_wait_steps_of_real_guides_become_timers() {
    let g = test_fixtures::guides()
        .into_iter()
        .find(|(n, _)| n.starts_with("phase3"))
        .map(|(_, t)| Guide::parse(&t))
        .unwrap();
    let plan = Plan::new(&g, &BTreeMap::new());
    let waits: Vec<(&str, u64)> = plan
        .run_steps()
        .filter_map(|(_, s)| s.wait_s.map(|w| (s.text.as_str(), w)))
        .collect();
    assert!(
        waits.contains(&("Day 1-2: 25% Traffic", 2 * 86_400)),
        "{waits:?}"
    );
    assert!(
        waits.contains(&("Monitor for 48 hours", 2 * 86_400)),
        "{waits:?}"
    );
    assert!(plan
        .run_steps()
        .all(|(_, s)| s.wait_s.is_none() || s.kind != StepKind::Task || s.text.contains("for")));
}

#[test]
fn every_fixture_plans_without_losing_a_step() {
    for (name, text) in test_fixtures::all() {
        let g = Guide::parse(&text);
        let plan = Plan::new(&g, &BTreeMap::new());
        let in_plan: usize = plan.phases.iter().map(|p| p.steps.len()).sum();
        let leaves = g
            .all_steps()
            .iter()
            .filter(|s| s.substeps.is_empty())
            .count();
        assert_eq!(in_plan, leaves, "{name}");
        let ids: std::collections::HashSet<&str> =
            plan.run_steps().map(|(_, s)| s.id.as_str()).collect();
        assert_eq!(ids.len(), plan.run_steps().count(), "{name}: duplicate ids");
    }
}

fn arb_action(ids: Vec<String>) -> impl Strategy<Value = (i64, Action)> {
    let ids2 = ids.clone();
    let pick = move |i: usize| ids[i % ids.len()].clone();
    let pick2 = move |i: usize| ids2[i % ids2.len()].clone();
    (
        0i64..200 * MIN,
        0usize..1000,
        0u8..7,
        proptest::option::of("[a-z ]{0,8}"),
    )
        .prop_map(move |(t, i, k, words)| {
            let step = if k == 6 { pick2(i) } else { pick(i) };
            let action = match k {
                0 | 1 => Action::Check {
                    step,
                    overridden: words,
                },
                2 => Action::Uncheck { step },
                3 => Action::Skip {
                    step,
                    reason: words.unwrap_or_default(),
                },
                4 => Action::Note {
                    step: Some(step),
                    text: words.unwrap_or_default(),
                },
                5 => Action::StartWait {
                    target: step,
                    seconds: 60,
                },
                _ => Action::Finish {
                    outcome: Outcome::Abandoned,
                    note: String::new(),
                },
            };
            (T0 + t, action)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever is recorded, progress stays within bounds, the current
    /// step is pending, and the log survives a round trip.
    #[test]
    fn any_sequence_of_actions_keeps_the_run_consistent(
        actions in {
            let g = example();
            let plan = Plan::new(&g, &BTreeMap::new());
            let ids: Vec<String> = plan.run_steps().map(|(_, s)| s.id.clone()).collect();
            proptest::collection::vec(arb_action(ids), 0..40)
        }
    ) {
        let g = example();
        let mut run = start(&g, &[]);
        let plan = run.plan(&g);
        for (t, action) in actions {
            let _ = run.record(&plan, t, "Ana", action);
        }
        let st = run.state();
        let p = run.progress(&plan, &st, None);
        prop_assert!(p.resolved <= p.total);
        if let Some(cur) = run.current_step(&plan, &st) {
            let (ph, s) = plan.step(&cur.id).unwrap();
            prop_assert_eq!(st.status_in(ph, s), StepStatus::Pending);
        } else {
            prop_assert!(p.complete());
        }
        let finishes = run.events.iter().filter(|e| matches!(e.action, Action::Finish { .. })).count();
        prop_assert!(finishes <= 1);
        prop_assert_eq!(Run::decode(&run.encode()), Ok(run.clone()));
    }
}

/// Two phases with success criteria (a number, a yes/no, a timed one in
/// a section of its own) and a rollback with a guarded command.
const GATED: &str = "# Gated

**Estimated Time:** 30 minutes

## Deploy

- [ ] ship it

**Success Criteria:**
- Database lock errors < 0.1%
- Dashboards reviewed by on-call

## Release

- [ ] smoke tests pass
- [ ] canary looks healthy

### Soak

**Success Criteria:**
- 1 hour: no new alerts

## Rollback

**Estimated Time:** 30 seconds

```bash
# Step 1: Switch traffic back
kubectl rollout undo deploy/api
# Step 2: Confirm
kubectl rollout status deploy/api
```

- [ ] Incident channel informed
";

#[test]
fn a_failed_gate_locks_the_next_phase_until_met_or_overridden() {
    check_run(
        GATED,
        "
        0 Ana check #2
        1 Ana measure g1 0.3
        1 Ana confirm g2 yes
        show
        2 Ana measure g1 0.05
        show
        3 Ana check #2
        4 Ben measure g1 1.0
        show
        4 Ben override g1 \" \"
        5 Ben override g1 known noisy metric, DBA agrees
        5 Ana confirm g1 yes
        5 Ana measure g2 1.0
        ",
        expect![[r#"
            0 Ana check #2: refused: locked until the success criteria of “Deploy” are met or overridden
            1 Ana measure g1 0.3: accepted [measure “Database lock errors < 0.1%”]; save 1; publish 1; status GateFailed
            1 Ana confirm g2 yes: accepted [answer “Dashboards reviewed by on-call”]; save 1; publish 1
            show:
              #1 ship it: open
              #2 smoke tests pass: open, locked by “Deploy”
              #3 canary looks healthy: open, locked by “Deploy”
              g1 Database lock errors < 0.1%: failed: 0.3 (fail) by Ana at 1
              g2 Dashboards reviewed by on-call: met by Ana at 1
              g3 1 hour: no new alerts: open, due at 60
              progress: 0 done · 0 skipped · 3 open; next: #1 ship it
            2 Ana measure g1 0.05: accepted [measure “Database lock errors < 0.1%”]; save 1; publish 1
            show:
              #1 ship it: open
              #2 smoke tests pass: open
              #3 canary looks healthy: open
              g1 Database lock errors < 0.1%: met: 0.05 by Ana at 2
              g2 Dashboards reviewed by on-call: met by Ana at 1
              g3 1 hour: no new alerts: open, due at 60
              progress: 0 done · 0 skipped · 3 open; next: #1 ship it
            3 Ana check #2: accepted [check “smoke tests pass”]; save 1; publish 1
            4 Ben measure g1 1.0: accepted [measure “Database lock errors < 0.1%”]; save 1; publish 1; status GateFailed
            show:
              #1 ship it: open
              #2 smoke tests pass: done by Ana at 3
              #3 canary looks healthy: open, locked by “Deploy”
              g1 Database lock errors < 0.1%: failed: 1 (fail) by Ben at 4
              g2 Dashboards reviewed by on-call: met by Ana at 1
              g3 1 hour: no new alerts: open, due at 63
              progress: 1 done · 0 skipped · 2 open; next: #1 ship it
            4 Ben override g1 " ": refused: a reason is required
            5 Ben override g1 known noisy metric, DBA agrees: accepted [override “Database lock errors < 0.1%”]; save 1; publish 1; status Override
            5 Ana confirm g1 yes: refused: this criterion is not checked that way
            5 Ana measure g2 1.0: refused: this criterion is not checked that way
            #1 ship it: open
            #2 smoke tests pass: done by Ana at 3
            #3 canary looks healthy: open
            g1 Database lock errors < 0.1%: overridden by Ben at 5: known noisy metric, DBA agrees (measured 1)
            g2 Dashboards reviewed by on-call: met by Ana at 1
            g3 1 hour: no new alerts: open, due at 63
            progress: 1 done · 0 skipped · 2 open; next: #1 ship it
        "#]],
    );
}

#[test]
fn a_time_based_criterion_is_due_after_its_time() {
    check_run(
        GATED,
        "
        0 Ana measure g1 0
        0 Ana confirm g2 yes
        show
        20 Ana confirm g3 yes
        61 Ana confirm g3 yes
        ",
        expect![[r#"
            0 Ana measure g1 0: accepted [measure “Database lock errors < 0.1%”]; save 1; publish 1
            0 Ana confirm g2 yes: accepted [answer “Dashboards reviewed by on-call”]; save 1; publish 1
            show:
              #1 ship it: open
              #2 smoke tests pass: open
              #3 canary looks healthy: open
              g1 Database lock errors < 0.1%: met: 0 by Ana at 0
              g2 Dashboards reviewed by on-call: met by Ana at 0
              g3 1 hour: no new alerts: open, due at 60
              progress: 0 done · 0 skipped · 3 open; next: #1 ship it
            20 Ana confirm g3 yes: refused: this check is due in 40:00; override it with a reason to decide now
            61 Ana confirm g3 yes: accepted [answer “1 hour: no new alerts”]; save 1; publish 1
            #1 ship it: open
            #2 smoke tests pass: open
            #3 canary looks healthy: open
            g1 Database lock errors < 0.1%: met: 0 by Ana at 0
            g2 Dashboards reviewed by on-call: met by Ana at 0
            g3 1 hour: no new alerts: met by Ana at 61
            progress: 0 done · 0 skipped · 3 open; next: #1 ship it
        "#]],
    );
}

#[test]
fn rolling_back_makes_the_rollback_steps_the_checklist() {
    check_run(
        GATED,
        "
        1 Ana decide rollback
        show
        2 Ana check r1
        2 Ana ack r1
        2 Ana check r1
        2 Ana check r2
        2 Ana check r3
        ",
        expect![[r#"
            1 Ana decide rollback: accepted [decide: Roll back now]; save 1; publish 1; status RollbackStarted
            show:
              #1 ship it: open
              #2 smoke tests pass: open
              #3 canary looks healthy: open
              g1 Database lock errors < 0.1%: open
              g2 Dashboards reviewed by on-call: open
              g3 1 hour: no new alerts: open, due at 60
              progress: 0 done · 0 skipped · 3 open; next: r1 Step 1: Switch traffic back
              decided by Ana at 1: Roll back now (“Is it broken?” yes)
              rolling back since 1 (by Ana): 0 done · 0 skipped · 3 open
              r1 Step 1: Switch traffic back: open
              r2 Step 2: Confirm: open
              r3 Incident channel informed: open
            2 Ana check r1: refused: this step needs an explicit confirmation first: This switches production traffic.
            2 Ana ack r1: accepted [confirm “Step 1: Switch traffic back”]; save 1; publish 1
            2 Ana check r1: accepted [check “Step 1: Switch traffic back”]; save 1; publish 1
            2 Ana check r2: accepted [check “Step 2: Confirm”]; save 1; publish 1
            2 Ana check r3: accepted [check “Incident channel informed”, finish as rolled back]; save 2; publish 2; status RunFinished
            #1 ship it: open
            #2 smoke tests pass: open
            #3 canary looks healthy: open
            g1 Database lock errors < 0.1%: open
            g2 Dashboards reviewed by on-call: open
            g3 1 hour: no new alerts: open, due at 60
            progress: 0 done · 0 skipped · 3 open; next: nothing
            decided by Ana at 1: Roll back now (“Is it broken?” yes)
            rolling back since 1 (by Ana): 3 done · 0 skipped · 0 open
            r1 Step 1: Switch traffic back: done by Ana at 2
            r2 Step 2: Confirm: done by Ana at 2
            r3 Incident channel informed: done by Ana at 2
            confirmed r1 by Ana at 2: This switches production traffic.
            outcome: rolled back by Ana at 2: All rollback steps done.
        "#]],
    );
    // The rollback clock, from the decision, against the guide's 30
    // seconds (before the run ended).
    let (s, _) = run_script(GATED, "1 Ana decide rollback");
    let st = s.run.state();
    let estimate = s.guide.rollback.estimate_s;
    assert_eq!(
        s.run.rollback_timer(&st, estimate, T0 + MIN + 20_000),
        Some((20_000, false))
    );
    assert_eq!(
        s.run.rollback_timer(&st, estimate, T0 + 2 * MIN),
        Some((MIN, true))
    );
}

#[test]
fn yes_no_criteria_written_as_tasks_follow_their_task() {
    check_run(
        "# G

## Validate

**Success Criteria:**
- [x] Memory usage stable under load
- [ ] Logs are clean

## Ship

- [ ] ship
",
        "
        show
        1 Ana check #2
        show
        2 Ana uncheck #1
        ",
        expect![[r#"
            show:
              #1 Memory usage stable under load: done in the guide
              #2 Logs are clean: open
              #3 ship: open, locked by “Validate”
              g1 Memory usage stable under load: met with its step #1
              g2 Logs are clean: open
              progress: 1 done · 0 skipped · 2 open; next: #2 Logs are clean
            1 Ana check #2: accepted [check “Logs are clean”]; save 1; publish 1; status PhaseCompleted
            show:
              #1 Memory usage stable under load: done in the guide
              #2 Logs are clean: done by Ana at 1
              #3 ship: open
              g1 Memory usage stable under load: met with its step #1
              g2 Logs are clean: met with its step #2
              progress: 2 done · 0 skipped · 1 open; next: #3 ship
            2 Ana uncheck #1: accepted [reopen “Memory usage stable under load”]; save 1; publish 1
            #1 Memory usage stable under load: open
            #2 Logs are clean: done by Ana at 1
            #3 ship: open, locked by “Validate”
            g1 Memory usage stable under load: open
            g2 Logs are clean: met with its step #2
            progress: 1 done · 0 skipped · 2 open; next: #1 Memory usage stable under load
        "#]],
    );
}

#[test]
fn sign_offs_need_a_role_and_a_second_person_to_approve() {
    check_run(
        CHECKLIST,
        "
        four-eyes
        0 Ana check #2
        0 Ana perform p-pre-deployment-checklist as \" \"
        0 Ana perform p-pre-deployment-checklist as release engineer
        0 ana approve p-pre-deployment-checklist as lead
        0 Ben check #3
        0 Ben approve p-pre-deployment-checklist as lead
        1 Cleo approve p-pre-deployment-checklist as change manager
        1 Ana finish completed
        1 Ana approve as operator
        2 Cleo approve as change manager
        3 Ana finish completed
        ",
        expect![[r#"
            0 Ana check #2: accepted [check “Release notes reviewed by product owner”]; save 1; publish 1
            0 Ana perform p-pre-deployment-checklist as " ": refused: a reason is required
            0 Ana perform p-pre-deployment-checklist as release engineer: accepted [sign off “Pre-deployment checklist” as performed]; save 1; publish 1
            0 ana approve p-pre-deployment-checklist as lead: refused: a second person must approve: you performed this yourself
            0 Ben check #3: accepted [check “On-call engineer briefed and reachable”]; save 1; publish 1; status PhaseCompleted
            0 Ben approve p-pre-deployment-checklist as lead: refused: a second person must approve: you performed this yourself
            1 Cleo approve p-pre-deployment-checklist as change manager: accepted [sign off “Pre-deployment checklist” as approved]; save 1; publish 1
            1 Ana finish completed: refused: this run needs an “approved” sign-off by someone other than its operator before it can complete
            1 Ana approve as operator: refused: a second person must approve: you performed this yourself
            2 Cleo approve as change manager: accepted [sign off the run as approved]; save 1; publish 1
            3 Ana finish completed: accepted [finish as completed]; save 1; publish 1; status RunFinished
            #1 Change request CHG-2417 approved: done in the guide
            #2 Release notes reviewed by product owner: done by Ana at 0
            #3 On-call engineer briefed and reachable: done by Ben at 0
            progress: 3 done · 0 skipped · 0 open; next: nothing
            signed: Ana performed “Pre-deployment checklist” as release engineer, 2025-11-24 17:00 +01:00
            signed: Cleo approved “Pre-deployment checklist” as change manager, 2025-11-24 17:01 +01:00
            signed: Cleo approved the run as change manager, 2025-11-24 17:02 +01:00
            outcome: completed by Ana at 3
        "#]],
    );
    // Rolling back or abandoning needs no approval.
    check_run(
        CHECKLIST,
        "
        four-eyes
        0 Ana finish abandoned
        ",
        expect![[r#"
            0 Ana finish abandoned: accepted [finish as abandoned]; save 1; publish 1; status RunFinished
            #1 Change request CHG-2417 approved: done in the guide
            #2 Release notes reviewed by product owner: open
            #3 On-call engineer briefed and reachable: open
            progress: 1 done · 0 skipped · 2 open; next: #2 Release notes reviewed by product owner
            outcome: abandoned by Ana at 0
        "#]],
    );
}

#[test]
fn signature_times_state_their_offset() {
    // 2026-11-25 09:00 UTC.
    let t = 1_795_597_200_000;
    assert_eq!(signed_at(t, 60), "2026-11-25 10:00 +01:00");
    assert_eq!(signed_at(t, -300), "2026-11-25 04:00 -05:00");
    assert_eq!(signed_at(t, 0), "2026-11-25 09:00 +00:00");
}

#[test]
fn bad_news_is_recorded_before_a_criterion_is_due_and_waits_start_once() {
    // "1 hour: no new alerts" fails at 20 minutes: that is recorded now;
    // good news still waits for the hour.
    check_run(
        GATED,
        "
        20 Ana confirm g3 no
        30 Ana confirm g3 yes
        ",
        expect![[r#"
            20 Ana confirm g3 no: accepted [answer “1 hour: no new alerts”]; save 1; publish 1; status GateFailed
            30 Ana confirm g3 yes: refused: this check is due in 30:00; override it with a reason to decide now
            #1 ship it: open
            #2 smoke tests pass: open, locked by “Deploy”
            #3 canary looks healthy: open, locked by “Deploy”
            g1 Database lock errors < 0.1%: open
            g2 Dashboards reviewed by on-call: open
            g3 1 hour: no new alerts: failed: no by Ana at 20
            progress: 0 done · 0 skipped · 3 open; next: #1 ship it
        "#]],
    );
    check_run(
        WAIT,
        "
        0 Ana wait #1 900
        1 Ana wait #1 900
        ",
        expect![[r#"
            0 Ana wait #1 900: accepted [start the wait of “Keep the old ReplicaSet for 15 minutes”]; save 1; publish 1; AskToNotify
            1 Ana wait #1 900: refused: this wait has already been started
            #1 Keep the old ReplicaSet for 15 minutes: open
            progress: 0 done · 0 skipped · 1 open; next: #1 Keep the old ReplicaSet for 15 minutes
        "#]],
    );
}

#[test]
fn the_log_keeps_recording_order_when_the_clock_steps_back() {
    let mut s = check_run(
        CHECKLIST,
        "
        10 Ana check #2
        5 Ana uncheck #2
        ",
        expect![[r#"
            10 Ana check #2: accepted [check “Release notes reviewed by product owner”]; save 1; publish 1
            5 Ana uncheck #2: accepted [reopen “Release notes reviewed by product owner”]; save 1; publish 1
            #1 Change request CHG-2417 approved: done in the guide
            #2 Release notes reviewed by product owner: open
            #3 On-call engineer briefed and reachable: open
            progress: 1 done · 0 skipped · 2 open; next: #2 Release notes reviewed by product owner
        "#]],
    );
    assert!(matches!(s.run.events[1].action, Action::Uncheck { .. }));
    // Many events in one millisecond stay in the order they were made.
    for _ in 0..12 {
        let note = Action::Note {
            step: None,
            text: "x".into(),
        };
        s.apply(
            T0 + 10 * MIN,
            Input::Local {
                by: "Ana".into(),
                action: note,
            },
        )
        .unwrap();
    }
    let ids: Vec<&str> = s.run.events.iter().map(|e| e.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert!(ids.last().unwrap().ends_with("-00000013"));
}

#[test]
fn every_step_of_the_plan_is_found_by_its_id() {
    for (_, text) in test_fixtures::all() {
        let guide = Guide::parse(&text);
        let plan = Plan::new(&guide, &BTreeMap::new());
        let mut seen = 0;
        for (p, phase) in plan.phases.iter().enumerate() {
            for step in &phase.steps {
                let (found_phase, found) = plan.step(&step.id).expect("indexed");
                assert_eq!(found.id, step.id);
                // Ids are unique, so the step is found in its own phase.
                assert!(std::ptr::eq(found_phase, &plan.phases[p]));
                seen += 1;
            }
        }
        assert!(seen > 0);
        assert!(plan.step("no-such-step").is_none());
    }
}

/// A cleanup with a destructive command, and two the author marked as
/// needing no confirmation.
const CLEANUP: &str = "# Cleanup

## Remove v1

- [ ] Announce the cleanup
- [ ] Delete the old deployment

```bash
kubectl delete deployment orders-v1 -n orders
```

- [ ] Remove the scratch dir

```bash
# preflight: no-confirm
rm -rf ./scratch
```

- [ ] Wipe the local cache (no confirm): `rm -rf ~/.cache/orders`
";

#[test]
fn a_destructive_step_is_checked_only_after_its_confirmation_which_is_logged() {
    // Only the kubectl step asks: the author unmarked the other two.
    // Whatever the client says it showed, the log holds what the plan
    // showed; unchecked, the step asks again.
    let s = check_run(
        CLEANUP,
        "
        1 Ana check #1
        1 Ana check #2
        2 Ana check #3
        3 Ben ack #3 something else
        3 Ben check #3
        3 Ben check #4
        3 Ben check #5
        3 Ben check #6
        show
        4 Ben uncheck #3
        5 Ben check #3
        ",
        expect![[r#"
            1 Ana check #1: accepted [check “Announce the cleanup”]; save 1; publish 1
            1 Ana check #2: accepted [check “Delete the old deployment”]; save 1; publish 1
            2 Ana check #3: refused: this step needs an explicit confirmation first: This deletes Kubernetes resources: `kubectl delete deployment orders-v1 -n orders`.
            3 Ben ack #3 something else: accepted [confirm “kubectl delete deployment orders-v1 -n orders”]; save 1; publish 1
            3 Ben check #3: accepted [check “kubectl delete deployment orders-v1 -n orders”]; save 1; publish 1
            3 Ben check #4: accepted [check “Remove the scratch dir”]; save 1; publish 1
            3 Ben check #5: accepted [check “rm -rf ./scratch”]; save 1; publish 1
            3 Ben check #6: accepted [check “Wipe the local cache (no confirm): rm -rf ~/.cache/orders”]; save 1; publish 1; status PhaseCompleted
            show:
              #1 Announce the cleanup: done by Ana at 1
              #2 Delete the old deployment: done by Ana at 1
              #3 kubectl delete deployment orders-v1 -n orders: done by Ben at 3
              #4 Remove the scratch dir: done by Ben at 3
              #5 rm -rf ./scratch: done by Ben at 3
              #6 Wipe the local cache (no confirm): rm -rf ~/.cache/orders: done by Ben at 3
              progress: 6 done · 0 skipped · 0 open; next: nothing
              confirmed #3 by Ben at 3: This deletes Kubernetes resources: `kubectl delete deployment orders-v1 -n orders`.
            4 Ben uncheck #3: accepted [reopen “kubectl delete deployment orders-v1 -n orders”]; save 1; publish 1
            5 Ben check #3: refused: this step needs an explicit confirmation first: This deletes Kubernetes resources: `kubectl delete deployment orders-v1 -n orders`.
            #1 Announce the cleanup: done by Ana at 1
            #2 Delete the old deployment: done by Ana at 1
            #3 kubectl delete deployment orders-v1 -n orders: open
            #4 Remove the scratch dir: done by Ben at 3
            #5 rm -rf ./scratch: done by Ben at 3
            #6 Wipe the local cache (no confirm): rm -rf ~/.cache/orders: done by Ben at 3
            progress: 5 done · 0 skipped · 1 open; next: #3 kubectl delete deployment orders-v1 -n orders
        "#]],
    );
    // The log round-trips through storage with the confirmation.
    let back = Run::decode(&s.run.encode()).unwrap();
    assert_eq!(back.events, s.run.events);
}

const CORRECTIONS: &str = include_str!("../../../../tests/fixtures/e2e/corrections.md");

fn run_texts(plan: &Plan) -> Vec<String> {
    plan.run_steps().map(|(_, s)| s.text.clone()).collect()
}

#[test]
fn corrections_are_events_and_the_plan_follows_them() {
    // Refused: a line with nothing that can be made a step (a step, a
    // heading, past the end), a step that is not in the plan any more.
    let freeze = step(&session(CORRECTIONS), "#2");
    let s = check_run(
        CORRECTIONS,
        &format!(
            "
        1 Ana make 13 <b>anything</b>
        2 Ben drop #2
        show
        3 Ana check #2
        show
        4 Ana make 0
        4 Ana make 7
        4 Ana make 5
        4 Ana make 13
        4 Ana make 999
        4 Ana drop {freeze}
        4 Ana drop zz
        5 Ana make 8
        6 Ana drop #3
        7 Ana finish abandoned
        8 Ana make 10
        "
        ),
        expect![[r#"
            1 Ana make 13 <b>anything</b>: accepted [make line 13 a step]; save 1; publish 1; Replanned
            2 Ben drop #2: accepted [make “Freeze merges to main” not a step]; save 1; publish 1; Replanned
            show:
              #1 Announce the deploy in the team channel: open
              #2 Pager is on: open
              #3 kubectl apply -f widget.yaml: open
              #4 Merges unfrozen: open
              #5 Deploy announced as done: open
              progress: 0 done · 0 skipped · 5 open; next: #1 Announce the deploy in the team channel
              corrections of the checklist: 2
            3 Ana check #2: accepted [check “Pager is on”]; save 1; publish 1
            show:
              #1 Announce the deploy in the team channel: open
              #2 Pager is on: done by Ana at 3
              #3 kubectl apply -f widget.yaml: open
              #4 Merges unfrozen: open
              #5 Deploy announced as done: open
              progress: 1 done · 0 skipped · 4 open; next: #1 Announce the deploy in the team channel
              corrections of the checklist: 2
            4 Ana make 0: refused: line 0 holds nothing that can be made a step (it may be one already)
            4 Ana make 7: refused: line 7 holds nothing that can be made a step (it may be one already)
            4 Ana make 5: refused: line 5 holds nothing that can be made a step (it may be one already)
            4 Ana make 13: refused: line 13 holds nothing that can be made a step (it may be one already)
            4 Ana make 999: refused: line 999 holds nothing that can be made a step (it may be one already)
            4 Ana drop a3fc52984b8-0: refused: no step a3fc52984b8-0 in this guide
            4 Ana drop zz: refused: no step zz in this guide
            5 Ana make 8: accepted [make line 8 a step]; save 1; publish 1; Replanned
            6 Ana drop #3: accepted [make “Pager is on” not a step]; save 1; publish 1; Replanned
            7 Ana finish abandoned: accepted [finish as abandoned]; save 1; publish 1; status RunFinished
            8 Ana make 10: refused: this run has ended; start a new run to change it
            #1 Announce the deploy in the team channel: open
            #2 Freeze merges to main: open
            #3 kubectl apply -f widget.yaml: open
            #4 Merges unfrozen: open
            #5 Deploy announced as done: open
            progress: 0 done · 0 skipped · 5 open; next: #1 Announce the deploy in the team channel
            corrections of the checklist: 4
            outcome: abandoned by Ana at 7
        "#]],
    );
    // The text recorded is the plan's, whatever was sent.
    assert!(matches!(
        &s.run.events[0].action,
        Action::MakeStep { line: 13, text } if text == "Pager is on"
    ));
    // A second click undid each: the checklist is the guide's again.
    assert_eq!(
        run_texts(&s.plan),
        run_texts(&Plan::new(&Guide::parse(CORRECTIONS), &BTreeMap::new()))
    );
}

#[test]
fn corrections_from_elsewhere_that_fit_nothing_are_ignored() {
    let g = Guide::parse(CORRECTIONS);
    let mut run = start(&g, &[]);
    let event = |n: usize, action: Action| Event {
        id: format!("{n:x}-other-{n:08}"),
        at_ms: T0 + n as i64,
        by: "Zoe".into(),
        action,
    };
    run.merge([
        event(
            1,
            Action::MakeStep {
                line: 7,
                text: "Announce".into(),
            },
        ),
        event(
            2,
            Action::MakeStep {
                line: usize::MAX,
                text: String::new(),
            },
        ),
        event(
            3,
            Action::NotAStep {
                step: "nope".into(),
            },
        ),
        event(
            4,
            Action::MakeStep {
                line: 3,
                text: "**Estimated Time:** 30 minutes".into(),
            },
        ),
    ]);
    assert_eq!(
        run_texts(&run.plan(&g)),
        run_texts(&Plan::new(&g, &BTreeMap::new()))
    );
    assert!(run.overrides(&g).is_empty());
    // The events survive storage as they are.
    let back = Run::decode(&run.encode()).unwrap();
    assert_eq!(back.events, run.events);
}

#[test]
fn a_corrected_run_s_audit_pack_lists_its_corrections_and_parses_back_to_its_steps() {
    let s = check_run(
        CORRECTIONS,
        "
        1 Ana check #1
        2 Ana note #1 posted
        3 Ben drop #2
        4 Ana make 13
        5 Ana make 21
        6 Ana check #2
        ",
        expect![[r#"
            1 Ana check #1: accepted [check “Announce the deploy in the team channel”]; save 1; publish 1
            2 Ana note #1 posted: accepted [a note]; save 1; publish 1
            3 Ben drop #2: accepted [make “Freeze merges to main” not a step]; save 1; publish 1; Replanned
            4 Ana make 13: accepted [make line 13 a step]; save 1; publish 1; Replanned
            5 Ana make 21: accepted [make line 21 a step]; save 1; publish 1; Replanned
            6 Ana check #2: accepted [check “Pager is on”]; save 1; publish 1; status PhaseCompleted
            #1 Announce the deploy in the team channel: done by Ana at 1
            #2 Pager is on: done by Ana at 6
            #3 kubectl apply -f widget.yaml: open
            #4 Tell the support desk the deploy has begun.: open
            #5 Merges unfrozen: open
            #6 Deploy announced as done: open
            progress: 2 done · 0 skipped · 4 open; next: #3 kubectl apply -f widget.yaml
            note by Ana at 2 on #1: posted
            corrections of the checklist: 3
        "#]],
    );
    let (run, plan) = (&s.run, &*s.plan);
    let freeze = step(&session(CORRECTIONS), "#2");
    let md = audit::markdown(run, plan, CORRECTIONS, 0);
    assert!(
        md.contains("| Correction | Line | Step | Id | By |"),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "| not a step | | Freeze merges to main | {freeze} | Ben 2025-11-24 "
        )),
        "{md}"
    );
    assert!(md.contains("> 🗒 done 2025-11-24 "), "{md}");
    // Parsing the pack again and applying the corrections it lists gives
    // the run's steps.
    let again = Guide::parse(&md);
    let mut listed = crate::guide::StepOverrides::default();
    for row in md
        .lines()
        .filter(|l| l.starts_with("| made a step |") || l.starts_with("| not a step |"))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        match cells[1] {
            "made a step" => {
                listed.make.insert(cells[2].parse().unwrap());
            }
            _ => {
                listed.drop.insert(cells[4].to_owned());
            }
        }
    }
    assert_eq!(listed.len(), 3);
    let steps = |p: &Plan| {
        p.run_steps()
            .map(|(_, s)| (s.id.clone(), s.text.clone(), s.kind))
            .collect::<Vec<_>>()
    };
    let back = Plan::new(&again.with_overrides(&listed), &BTreeMap::new());
    assert_eq!(steps(&back), steps(plan));

    let html = audit::html(run, plan, 0);
    assert!(html.contains("<h2>Corrections of the checklist</h2>"));
    assert!(html.contains("<td>Ben</td><td>Not a step: "), "{html}");
    assert!(html.contains("Make this a step (line 13): Pager is on"));
    assert!(
        html.contains("<td>Pager is on</td><td class=\"done\">done</td>"),
        "{html}"
    );
    assert!(!html.contains("Freeze merges to main</td><td class"));
}

#[test]
fn a_time_zone_that_is_not_one_reads_as_utc_without_overflow() {
    for tz in [i32::MAX, i32::MIN, 24 * 60, -24 * 60] {
        assert_eq!(signed_at(T0, tz), "2025-11-24 16:00 +00:00", "{tz}");
    }
    assert_eq!(signed_at(T0, 60), "2025-11-24 17:00 +01:00");
}
