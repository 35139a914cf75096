use super::*;
use crate::guide::StepKind;
use crate::test_fixtures;
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

#[test]
fn pre_checked_tasks_count_as_done_until_unchecked() {
    let g = example();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let approved = step_id(&plan, "CHG-2417");
    let st = run.state();
    assert_eq!(run.progress(&plan, &st, None).resolved, 1);
    let first = run.current_step(&plan, &st).unwrap();
    assert_eq!(first.text, "Release notes reviewed by product owner");
    run.record(&plan, T0 + 1, "Ana", Action::Uncheck { step: approved })
        .unwrap();
    let st = run.state();
    assert_eq!(run.progress(&plan, &st, None).resolved, 0);
    assert_eq!(
        run.current_step(&plan, &st).unwrap().text,
        "Change request CHG-2417 approved"
    );
}

#[test]
fn check_undo_skip_and_note_are_logged_with_time_and_person() {
    let g = example();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let notes = step_id(&plan, "Release notes reviewed");
    let oncall = step_id(&plan, "On-call engineer");
    run.record(&plan, T0 + MIN, "Ana", check(&notes)).unwrap();
    run.record(
        &plan,
        T0 + 2 * MIN,
        "Ben",
        Action::Uncheck {
            step: notes.clone(),
        },
    )
    .unwrap();
    assert_eq!(
        run.record(
            &plan,
            T0 + 3 * MIN,
            "Ben",
            Action::Skip {
                step: oncall.clone(),
                reason: "   ".into()
            }
        ),
        Err(Refusal::ReasonRequired)
    );
    run.record(
        &plan,
        T0 + 3 * MIN,
        "Ben",
        Action::Skip {
            step: oncall.clone(),
            reason: " on-call is on the bridge ".into(),
        },
    )
    .unwrap();
    run.record(
        &plan,
        T0 + 4 * MIN,
        "Ana",
        Action::Note {
            step: Some(oncall.clone()),
            text: "paged via PagerDuty".into(),
        },
    )
    .unwrap();
    assert_eq!(run.events.len(), 4);
    let st = run.state();
    let (ph, s) = plan.step(&notes).unwrap();
    assert_eq!(st.status_in(ph, s), StepStatus::Pending);
    let (ph, s) = plan.step(&oncall).unwrap();
    assert_eq!(
        st.status_in(ph, s),
        StepStatus::Skipped {
            at_ms: T0 + 3 * MIN,
            by: "Ben".into(),
            reason: "on-call is on the bridge".into()
        }
    );
    assert_eq!(st.notes_for(&oncall).count(), 1);
    assert_eq!(
        run.record(&plan, T0, "Ana", check("t-nope")),
        Err(Refusal::UnknownStep("t-nope".into()))
    );
}

#[test]
fn a_wait_cannot_be_checked_before_it_elapses_unless_overridden() {
    let g = example();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let (_, keep) = plan
        .step(&step_id(&plan, "Keep the old ReplicaSet"))
        .unwrap();
    assert_eq!(keep.wait_s, Some(15 * 60));
    let keep = keep.id.clone();
    assert_eq!(
        run.record(&plan, T0, "Ana", check(&keep)),
        Err(Refusal::WaitNotStarted)
    );
    run.record(
        &plan,
        T0,
        "Ana",
        Action::StartWait {
            target: keep.clone(),
            seconds: 15 * 60,
        },
    )
    .unwrap();
    assert_eq!(
        run.record(&plan, T0 + 10 * MIN, "Ana", check(&keep)),
        Err(Refusal::WaitRunning {
            remaining_ms: 5 * MIN
        })
    );
    let st = run.state();
    assert_eq!(
        wait_status(&st, &keep, Some(900), T0 + 10 * MIN),
        Some(WaitStatus::Running {
            ends_ms: T0 + 15 * MIN,
            remaining_ms: 5 * MIN
        })
    );
    // A reload is a fresh fold of the same log: the wait is still running.
    let reloaded = Run::decode(&run.encode()).unwrap();
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
    run.record(&plan, T0 + 15 * MIN, "Ana", check(&keep))
        .unwrap();

    // Another run overrides the wait with a reason.
    let mut other = start(&g, &[]);
    other
        .record(
            &plan,
            T0,
            "Ben",
            Action::Check {
                step: keep.clone(),
                overridden: Some("old pods already gone".into()),
            },
        )
        .unwrap();
    let summary = other.summary(&plan, &g, T0 + MIN);
    assert_eq!(
        summary.overridden,
        [(
            "Keep the old ReplicaSet for 15 minutes before scaling it down".to_owned(),
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
    let text = "# G\n\n## Deploy\n\n- [ ] one\n\n## Warm caches (Optional)\n\n- [ ] warm a\n- [ ] warm b\n";
    let g = Guide::parse(text);
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let optional = plan.phases.iter().find(|p| p.optional).unwrap().id.clone();
    assert_eq!(
        run.record(
            &plan,
            T0,
            "Ana",
            Action::SkipPhase {
                phase: "p-deploy".into()
            }
        ),
        Err(Refusal::NotOptional)
    );
    run.record(&plan, T0, "Ana", Action::SkipPhase { phase: optional })
        .unwrap();
    let st = run.state();
    assert_eq!(run.progress(&plan, &st, None).resolved, 2);
    let summary = run.summary(&plan, &g, T0);
    assert_eq!(summary.skipped.len(), 2);
    assert_eq!(summary.open, ["one"]);
}

#[test]
fn finishing_ends_the_run_and_summarises_it() {
    let g = example();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let first = run.current_step(&plan, &run.state()).unwrap().id.clone();
    run.record(&plan, T0 + MIN, "Ana", check(&first)).unwrap();
    run.record(
        &plan,
        T0 + 70 * MIN,
        "Ana",
        Action::Finish {
            outcome: Outcome::RolledBack,
            note: "latency over 800ms".into(),
        },
    )
    .unwrap();
    assert_eq!(run.outcome(), Some(Outcome::RolledBack));
    assert_eq!(
        run.record(&plan, T0 + 71 * MIN, "Ana", Action::Uncheck { step: first }),
        Err(Refusal::Finished)
    );
    let s = run.summary(&plan, &g, T0 + 500 * MIN);
    assert_eq!(s.duration_ms, 70 * MIN);
    assert_eq!(s.estimate_s, Some([45 * 60, 60 * 60]));
    assert_eq!(s.done, 2);
    assert_eq!(s.total, plan.run_steps().count());
    assert_eq!(s.open.len(), s.total - 2);
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

fn gated() -> Guide {
    Guide::parse(
        "# Gated\n\n**Estimated Time:** 30 minutes\n\n## Deploy\n\n- [ ] ship it\n\n**Success Criteria:**\n- Database lock errors < 0.1%\n- Dashboards reviewed by on-call\n\n## Verify\n\n- [ ] smoke tests pass\n\n### Soak\n\n**Success Criteria:**\n- 1 hour: no new alerts\n\n## Rollback\n\n**Estimated Time:** 30 seconds\n\n```bash\n# Step 1: Switch traffic back\nkubectl rollout undo deploy/api\n# Step 2: Confirm\nkubectl rollout status deploy/api\n```\n\n- [ ] Incident channel informed\n",
    )
}

#[test]
fn a_failed_gate_locks_the_next_phase_until_met_or_overridden() {
    let g = gated();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let deploy = plan.phase("p-deploy").unwrap();
    assert_eq!(deploy.gates.len(), 2);
    let (lock, seen) = (deploy.gates[0].id.clone(), deploy.gates[1].id.clone());
    let smoke = step_id(&plan, "smoke tests");
    assert_eq!(
        run.record(&plan, T0, "Ana", check(&smoke)),
        Err(Refusal::Locked {
            by: "Deploy".into()
        })
    );
    // 0.3 % against "< 0.1%": failed, still locked.
    run.record(
        &plan,
        T0 + MIN,
        "Ana",
        Action::Measure {
            gate: lock.clone(),
            value: 0.3,
        },
    )
    .unwrap();
    run.record(
        &plan,
        T0 + MIN,
        "Ana",
        Action::Confirm {
            gate: seen.clone(),
            ok: true,
        },
    )
    .unwrap();
    let st = run.state();
    assert!(matches!(
        run.gate_status(&st, plan.gate(&lock).unwrap()),
        GateStatus::Failed { value: Some(v), verdict: Verdict::Fail, .. } if v == 0.3
    ));
    assert_eq!(
        run.locked_by(&plan, &st, "p-verify").map(|p| p.id.as_str()),
        Some("p-deploy")
    );
    assert_eq!(run.failed_gates(&plan, &st).len(), 1);
    // Re-measured at 0.05 %: met, unlocked.
    run.record(
        &plan,
        T0 + 2 * MIN,
        "Ana",
        Action::Measure {
            gate: lock.clone(),
            value: 0.05,
        },
    )
    .unwrap();
    assert_eq!(run.locked_by(&plan, &run.state(), "p-verify"), None);
    run.record(&plan, T0 + 3 * MIN, "Ana", check(&smoke))
        .unwrap();
    // Failing again and then overridden with a reason also unlocks.
    run.record(
        &plan,
        T0 + 4 * MIN,
        "Ben",
        Action::Measure {
            gate: lock.clone(),
            value: 1.0,
        },
    )
    .unwrap();
    assert!(run.locked_by(&plan, &run.state(), "p-verify").is_some());
    assert_eq!(
        run.record(
            &plan,
            T0,
            "Ben",
            Action::OverrideGate {
                gate: lock.clone(),
                reason: " ".into()
            }
        ),
        Err(Refusal::ReasonRequired)
    );
    run.record(
        &plan,
        T0 + 5 * MIN,
        "Ben",
        Action::OverrideGate {
            gate: lock.clone(),
            reason: "known noisy metric, DBA agrees".into(),
        },
    )
    .unwrap();
    let st = run.state();
    assert_eq!(
        run.gate_status(&st, plan.gate(&lock).unwrap()),
        GateStatus::Overridden {
            reason: "known noisy metric, DBA agrees".into(),
            at_ms: T0 + 5 * MIN,
            by: "Ben".into(),
            // The failing value stays with the override.
            value: Some(1.0),
        }
    );
    assert_eq!(run.locked_by(&plan, &st, "p-verify"), None);
    // Wrong kinds of answers are refused.
    assert_eq!(
        run.record(
            &plan,
            T0,
            "Ana",
            Action::Confirm {
                gate: lock,
                ok: true
            }
        ),
        Err(Refusal::WrongCheck)
    );
    assert_eq!(
        run.record(
            &plan,
            T0,
            "Ana",
            Action::Measure {
                gate: seen,
                value: 1.0
            }
        ),
        Err(Refusal::WrongCheck)
    );
}

#[test]
fn a_time_based_criterion_is_due_after_its_time() {
    let g = gated();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    for gate in plan.phase("p-deploy").unwrap().gates.clone() {
        let action = if gate.numeric {
            Action::Measure {
                gate: gate.id,
                value: 0.0,
            }
        } else {
            Action::Confirm {
                gate: gate.id,
                ok: true,
            }
        };
        run.record(&plan, T0, "Ana", action).unwrap();
    }
    let soak = plan.phase("p-soak").unwrap().gates[0].clone();
    assert_eq!(soak.due_after_s, Some(3600));
    // The soak section has no steps: it is due an hour after the run began.
    assert_eq!(
        run.gate_due_ms(&plan, &run.state(), &soak),
        Some(T0 + 60 * MIN)
    );
    assert_eq!(
        run.record(
            &plan,
            T0 + 20 * MIN,
            "Ana",
            Action::Confirm {
                gate: soak.id.clone(),
                ok: true
            }
        ),
        Err(Refusal::NotDue {
            remaining_ms: 40 * MIN
        })
    );
    run.record(
        &plan,
        T0 + 61 * MIN,
        "Ana",
        Action::Confirm {
            gate: soak.id,
            ok: true,
        },
    )
    .unwrap();
}

#[test]
fn rolling_back_makes_the_rollback_steps_the_checklist() {
    let g = gated();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let rollback: Vec<&str> = plan
        .rollback_steps()
        .map(|(_, s)| s.text.as_str())
        .collect();
    assert_eq!(
        rollback,
        [
            "Step 1: Switch traffic back",
            "Step 2: Confirm",
            "Incident channel informed"
        ]
    );
    let path = vec![Answer {
        question: "Is this happening: lock errors above 1%?".into(),
        yes: true,
    }];
    run.record(
        &plan,
        T0 + MIN,
        "Ana",
        Action::Decide {
            path: path.clone(),
            decision: Decision::RollBack,
        },
    )
    .unwrap();
    let st = run.state();
    assert_eq!(st.rollback, Some((T0 + MIN, "Ana".into())));
    assert_eq!(st.decisions[0].2, path);
    // Locks do not hold up a rollback.
    assert!(plan
        .run_phases()
        .all(|p| run.locked_by(&plan, &st, &p.id).is_none()));
    assert_eq!(
        run.current_step(&plan, &st).unwrap().text,
        "Step 1: Switch traffic back"
    );
    assert_eq!(
        run.rollback_timer(&st, g.rollback.estimate_s, T0 + MIN + 20_000),
        Some((20_000, false))
    );
    assert_eq!(
        run.rollback_timer(&st, g.rollback.estimate_s, T0 + 2 * MIN),
        Some((MIN, true))
    );
    for (_, s) in plan.rollback_steps() {
        // Switching traffic back is guarded: confirmed first.
        if !s.guard.is_empty() {
            assert_eq!(
                run.record(&plan, T0 + 2 * MIN, "Ana", check(&s.id)),
                Err(Refusal::NeedsConfirmation(s.guard.clone()))
            );
            run.record(
                &plan,
                T0 + 2 * MIN,
                "Ana",
                Action::Acknowledge {
                    step: s.id.clone(),
                    hazards: Vec::new(),
                },
            )
            .unwrap();
        }
        run.record(&plan, T0 + 2 * MIN, "Ana", check(&s.id))
            .unwrap();
    }
    let st = run.state();
    let p = run.rollback_progress(&plan, &st);
    assert!(p.complete() && p.total == 3);
    assert_eq!(run.current_step(&plan, &st), None);
}

#[test]
fn yes_no_criteria_written_as_tasks_follow_their_task() {
    let g = Guide::parse(
        "# G\n\n## Validate\n\n**Success Criteria:**\n- [x] Memory usage stable under load\n- [ ] Logs are clean\n\n## Ship\n\n- [ ] ship\n",
    );
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let gates = &plan.phase("p-validate").unwrap().gates;
    assert_eq!(gates.len(), 2);
    let st = run.state();
    assert!(
        run.gate_status(&st, &gates[0]).is_resolved(),
        "pre-checked in the guide"
    );
    assert_eq!(run.gate_status(&st, &gates[1]), GateStatus::Open);
    assert!(run.locked_by(&plan, &st, "p-ship").is_some());
    let logs = gates[1].step.clone().unwrap();
    run.record(&plan, T0, "Ana", check(&logs)).unwrap();
    assert_eq!(run.locked_by(&plan, &run.state(), "p-ship"), None);
    run.record(
        &plan,
        T0,
        "Ana",
        Action::Uncheck {
            step: gates[0].step.clone().unwrap(),
        },
    )
    .unwrap();
    assert!(run.locked_by(&plan, &run.state(), "p-ship").is_some());
}

fn sign(phase: Option<&str>, role: &str, meaning: Meaning) -> Action {
    Action::SignOff {
        phase: phase.map(str::to_owned),
        role: role.into(),
        meaning,
        tz_offset_min: 60,
    }
}

#[test]
fn sign_offs_need_a_role_and_a_second_person_to_approve() {
    let g = example();
    let mut run = start(&g, &[]);
    run.four_eyes = true;
    let plan = run.plan(&g);
    let pre = "p-pre-deployment-checklist";
    let notes = step_id(&plan, "Release notes reviewed");
    run.record(&plan, T0, "Ana", check(&notes)).unwrap();
    assert_eq!(
        run.record(&plan, T0, "Ana", sign(Some(pre), " ", Meaning::Performed)),
        Err(Refusal::ReasonRequired)
    );
    run.record(
        &plan,
        T0,
        "Ana",
        sign(Some(pre), "release engineer", Meaning::Performed),
    )
    .unwrap();
    // Ana checked and performed the phase: she cannot approve it.
    assert_eq!(
        run.record(
            &plan,
            T0,
            "ana ",
            sign(Some(pre), "lead", Meaning::Approved)
        ),
        Err(Refusal::OwnWork)
    );
    // Ben checked a step of it: nor can he.
    let oncall = step_id(&plan, "On-call engineer");
    run.record(&plan, T0, "Ben", check(&oncall)).unwrap();
    assert_eq!(
        run.record(&plan, T0, "Ben", sign(Some(pre), "lead", Meaning::Approved)),
        Err(Refusal::OwnWork)
    );
    run.record(
        &plan,
        T0 + MIN,
        "Cleo",
        sign(Some(pre), "change manager", Meaning::Approved),
    )
    .unwrap();
    // Four eyes: the run cannot complete before someone else approves it.
    let finish = || Action::Finish {
        outcome: Outcome::Completed,
        note: String::new(),
    };
    assert_eq!(
        run.record(&plan, T0, "Ana", finish()),
        Err(Refusal::ApprovalRequired)
    );
    assert_eq!(
        run.record(&plan, T0, "Ana", sign(None, "operator", Meaning::Approved)),
        Err(Refusal::OwnWork)
    );
    run.record(
        &plan,
        T0 + 2 * MIN,
        "Cleo",
        sign(None, "change manager", Meaning::Approved),
    )
    .unwrap();
    run.record(&plan, T0 + 3 * MIN, "Ana", finish()).unwrap();
    let st = run.state();
    let sigs: Vec<(&str, Meaning, Option<&str>)> = st
        .signatures
        .iter()
        .map(|s| (s.by.as_str(), s.meaning, s.phase.as_deref()))
        .collect();
    assert_eq!(
        sigs,
        [
            ("Ana", Meaning::Performed, Some(pre)),
            ("Cleo", Meaning::Approved, Some(pre)),
            ("Cleo", Meaning::Approved, None)
        ]
    );
    assert_eq!(st.signatures[0].tz_offset_min, 60);
    // Rolling back or abandoning needs no approval.
    let mut other = start(&g, &[]);
    other.four_eyes = true;
    other
        .record(
            &plan,
            T0,
            "Ana",
            Action::Finish {
                outcome: Outcome::Abandoned,
                note: String::new(),
            },
        )
        .unwrap();
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
    let g = gated();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let soak = plan.phase("p-soak").unwrap().gates[0].id.clone();
    // "1 hour: no new alerts" fails at 20 minutes: that is recorded now.
    run.record(
        &plan,
        T0 + 20 * MIN,
        "Ana",
        Action::Confirm {
            gate: soak.clone(),
            ok: false,
        },
    )
    .unwrap();
    assert!(matches!(
        run.gate_status(&run.state(), plan.gate(&soak).unwrap()),
        GateStatus::Failed { .. }
    ));
    // Good news still waits for the hour.
    assert!(matches!(
        run.record(
            &plan,
            T0 + 30 * MIN,
            "Ana",
            Action::Confirm {
                gate: soak,
                ok: true
            }
        ),
        Err(Refusal::NotDue { .. })
    ));
    let ex = example();
    let mut run = start(&ex, &[]);
    let plan = run.plan(&ex);
    let keep = step_id(&plan, "Keep the old ReplicaSet");
    let wait = || Action::StartWait {
        target: keep.clone(),
        seconds: 900,
    };
    run.record(&plan, T0, "Ana", wait()).unwrap();
    assert_eq!(
        run.record(&plan, T0 + MIN, "Ana", wait()),
        Err(Refusal::WaitStarted)
    );
}

#[test]
fn the_log_keeps_recording_order_when_the_clock_steps_back() {
    let g = example();
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let id = step_id(&plan, "Release notes");
    run.record(&plan, T0 + 10 * MIN, "Ana", check(&id)).unwrap();
    run.record(
        &plan,
        T0 + 5 * MIN,
        "Ana",
        Action::Uncheck { step: id.clone() },
    )
    .unwrap();
    assert!(matches!(run.events[1].action, Action::Uncheck { .. }));
    let (ph, s) = plan.step(&id).unwrap();
    assert_eq!(run.state().status_in(ph, s), StepStatus::Pending);
    // Many events in one millisecond stay in the order they were made.
    for _ in 0..12 {
        run.record(
            &plan,
            T0 + 10 * MIN,
            "Ana",
            Action::Note {
                step: None,
                text: "x".into(),
            },
        )
        .unwrap();
    }
    let ids: Vec<&str> = run.events.iter().map(|e| e.id.as_str()).collect();
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

#[test]
fn a_destructive_step_is_checked_only_after_its_confirmation_which_is_logged() {
    let g = Guide::parse(
        "# Cleanup\n\n## Remove v1\n\n- [ ] Announce the cleanup\n- [ ] Delete the old deployment\n\n```bash\nkubectl delete deployment orders-v1 -n orders\n```\n\n- [ ] Remove the scratch dir\n\n```bash\n# preflight: no-confirm\nrm -rf ./scratch\n```\n\n- [ ] Wipe the local cache (no confirm): `rm -rf ~/.cache/orders`\n",
    );
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let announce = step_id(&plan, "Announce");
    let delete = plan
        .run_steps()
        .find(|(_, s)| !s.guard.is_empty())
        .map(|(_, s)| s.clone())
        .expect("a guarded step");
    assert!(
        delete.guard[0].contains("deletes Kubernetes resources"),
        "{:?}",
        delete.guard
    );
    assert!(delete.guard[0].contains("kubectl delete deployment orders-v1"));
    // Only the kubectl step asks: the author unmarked the other one.
    assert_eq!(
        plan.run_steps()
            .filter(|(_, s)| !s.guard.is_empty())
            .count(),
        1
    );
    run.record(&plan, T0 + MIN, "Ana", check(&announce))
        .unwrap();
    assert_eq!(
        run.record(&plan, T0 + 2 * MIN, "Ana", check(&delete.id)),
        Err(Refusal::NeedsConfirmation(delete.guard.clone()))
    );
    assert!(Refusal::NeedsConfirmation(delete.guard.clone())
        .to_string()
        .contains("explicit confirmation"));
    // Whatever the client sends, the log holds what the plan showed.
    run.record(
        &plan,
        T0 + 3 * MIN,
        "Ben",
        Action::Acknowledge {
            step: delete.id.clone(),
            hazards: vec!["something else".into()],
        },
    )
    .unwrap();
    run.record(&plan, T0 + 3 * MIN, "Ben", check(&delete.id))
        .unwrap();
    let st = run.state();
    assert_eq!(
        st.acknowledged.get(&delete.id),
        Some(&(T0 + 3 * MIN, "Ben".to_owned(), delete.guard.clone()))
    );
    let logged = run
        .events
        .iter()
        .find(|e| matches!(e.action, Action::Acknowledge { .. }))
        .unwrap();
    assert_eq!(
        logged.action,
        Action::Acknowledge {
            step: delete.id.clone(),
            hazards: delete.guard.clone()
        }
    );
    // Unchecked, it asks again.
    run.record(
        &plan,
        T0 + 4 * MIN,
        "Ben",
        Action::Uncheck {
            step: delete.id.clone(),
        },
    )
    .unwrap();
    assert!(matches!(
        run.record(&plan, T0 + 5 * MIN, "Ben", check(&delete.id)),
        Err(Refusal::NeedsConfirmation(_))
    ));
    // The log round-trips through storage with the confirmation.
    let back = Run::decode(&run.encode()).unwrap();
    assert_eq!(back.events, run.events);
}

const CORRECTIONS: &str = include_str!("../../../../tests/fixtures/e2e/corrections.md");

fn run_texts(plan: &Plan) -> Vec<String> {
    plan.run_steps().map(|(_, s)| s.text.clone()).collect()
}

#[test]
fn corrections_are_events_and_the_plan_follows_them() {
    let g = Guide::parse(CORRECTIONS);
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    assert_eq!(plan.run_steps().count(), 5);
    let freeze = step_id(&plan, "Freeze merges");
    // The text recorded is the plan's, whatever was sent.
    run.record(
        &plan,
        T0 + MIN,
        "Ana",
        Action::MakeStep {
            line: 13,
            text: "<b>anything</b>".into(),
        },
    )
    .unwrap();
    assert!(matches!(
        &run.events[0].action,
        Action::MakeStep { line: 13, text } if text == "Pager is on"
    ));
    let plan = run.plan(&g);
    run.record(
        &plan,
        T0 + 2 * MIN,
        "Ben",
        Action::NotAStep {
            step: freeze.clone(),
        },
    )
    .unwrap();
    let plan = run.plan(&g);
    assert_eq!(
        run_texts(&plan),
        [
            "Announce the deploy in the team channel",
            "Pager is on",
            "kubectl apply -f widget.yaml",
            "Merges unfrozen",
            "Deploy announced as done",
        ]
    );
    assert_eq!(run.state().corrections, 2);
    // The made step is a step like the others: checked, counted.
    let pager = step_id(&plan, "Pager is on");
    run.record(
        &plan,
        T0 + 3 * MIN,
        "Ana",
        Action::Check {
            step: pager.clone(),
            overridden: None,
        },
    )
    .unwrap();
    let st = run.state();
    assert_eq!(run.progress(&plan, &st, None).resolved, 1);
    assert_eq!(run.progress(&plan, &st, None).total, 5);
    assert_eq!(
        run.current_step(&plan, &st).map(|s| s.text.as_str()),
        Some("Announce the deploy in the team channel")
    );
    // Refused: a line with nothing that can be made a step (a step, a
    // heading, past the end), a step that is not in the plan any more.
    for line in [0, 7, 5, 13, 999] {
        assert_eq!(
            run.record(
                &plan,
                T0 + 4 * MIN,
                "Ana",
                Action::MakeStep {
                    line,
                    text: String::new()
                }
            ),
            Err(Refusal::NotABlock(line))
        );
    }
    assert_eq!(
        run.record(
            &plan,
            T0 + 4 * MIN,
            "Ana",
            Action::NotAStep {
                step: freeze.clone()
            }
        ),
        Err(Refusal::UnknownStep(freeze.clone()))
    );
    assert_eq!(
        run.record(
            &plan,
            T0 + 4 * MIN,
            "Ana",
            Action::NotAStep { step: "zz".into() }
        ),
        Err(Refusal::UnknownStep("zz".into()))
    );
    // A second click undoes each.
    run.record(
        &plan,
        T0 + 5 * MIN,
        "Ana",
        Action::MakeStep {
            line: 8,
            text: String::new(),
        },
    )
    .unwrap();
    let plan = run.plan(&g);
    run.record(&plan, T0 + 6 * MIN, "Ana", Action::NotAStep { step: pager })
        .unwrap();
    let plan = run.plan(&g);
    assert_eq!(
        run_texts(&plan),
        run_texts(&Plan::new(&g, &BTreeMap::new()))
    );
    // Nothing after the end.
    run.record(
        &plan,
        T0 + 7 * MIN,
        "Ana",
        Action::Finish {
            outcome: Outcome::Abandoned,
            note: String::new(),
        },
    )
    .unwrap();
    assert_eq!(
        run.record(
            &plan,
            T0 + 8 * MIN,
            "Ana",
            Action::MakeStep {
                line: 10,
                text: String::new()
            }
        ),
        Err(Refusal::Finished)
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
    let g = Guide::parse(CORRECTIONS);
    let mut run = start(&g, &[]);
    let plan = run.plan(&g);
    let announce = step_id(&plan, "Announce");
    let freeze = step_id(&plan, "Freeze merges");
    run.record(
        &plan,
        T0 + MIN,
        "Ana",
        Action::Check {
            step: announce.clone(),
            overridden: None,
        },
    )
    .unwrap();
    run.record(
        &plan,
        T0 + 2 * MIN,
        "Ana",
        Action::Note {
            step: Some(announce),
            text: "posted".into(),
        },
    )
    .unwrap();
    run.record(
        &plan,
        T0 + 3 * MIN,
        "Ben",
        Action::NotAStep {
            step: freeze.clone(),
        },
    )
    .unwrap();
    let plan = run.plan(&g);
    run.record(
        &plan,
        T0 + 4 * MIN,
        "Ana",
        Action::MakeStep {
            line: 13,
            text: String::new(),
        },
    )
    .unwrap();
    let plan = run.plan(&g);
    run.record(
        &plan,
        T0 + 5 * MIN,
        "Ana",
        Action::MakeStep {
            line: 21,
            text: String::new(),
        },
    )
    .unwrap();
    let plan = run.plan(&g);
    let pager = step_id(&plan, "Pager is on");
    run.record(
        &plan,
        T0 + 6 * MIN,
        "Ana",
        Action::Check {
            step: pager,
            overridden: None,
        },
    )
    .unwrap();

    let md = audit::markdown(&run, &plan, CORRECTIONS, 0);
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
    assert_eq!(steps(&back), steps(&plan));

    let html = audit::html(&run, &plan, 0);
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
