use super::*;
use crate::run::{Run, Window};
use crate::Guide;
use std::collections::BTreeMap;

const T0: i64 = 1_764_000_000_000;
const MIN: i64 = 60_000;

/// Three phases of 10 minutes with two steps each, a 30-minute wait, and a
/// rollback of 15 minutes; a window of two hours.
const GUIDE: &str = "# Release

## Prepare (10 minutes)

- [ ] Announce
- [ ] Freeze merges

## Deploy (10 minutes)

- [ ] Roll out
- [ ] Smoke test

## Verify (10 minutes)

- [ ] Check dashboards
- [ ] Keep the old version for 30 minutes

## Rollback

**Estimated Time:** 15 minutes

1. Switch back
2. Announce the rollback
";

fn setup() -> (Guide, Plan, Run) {
    let g = Guide::parse(GUIDE);
    let run = Run::new(
        [3; 16],
        &g,
        "hash",
        "Ana",
        BTreeMap::new(),
        T0,
        Window {
            start_ms: T0,
            end_ms: T0 + 120 * MIN,
        },
    );
    let plan = run.plan(&g);
    (g, plan, run)
}

fn check(run: &mut Run, plan: &Plan, at: i64, text: &str) {
    let id = plan
        .run_steps()
        .find(|(_, s)| s.text.contains(text))
        .map(|(_, s)| s.id.clone())
        .unwrap_or_else(|| panic!("no step {text}"));
    run.record(
        plan,
        at,
        "Ana",
        Action::Check {
            step: id,
            overridden: None,
        },
    )
    .unwrap();
}

#[test]
fn at_the_start_the_estimates_and_the_rollback_set_the_point_of_no_return() {
    let (g, plan, run) = setup();
    assert_eq!(g.rollback.estimate_s.map(|r| r[1]), Some(15 * 60));
    let f = run
        .forecast(&plan, &run.state(), g.rollback.estimate_s, T0)
        .unwrap();
    // Work: three 10-minute phases, each shared by its steps (the wait
    // step is the wait itself) = 30 min; the wait: 30 min.
    assert_eq!(f.remaining_ms, 60 * MIN);
    assert_eq!(f.finish_ms, T0 + 60 * MIN);
    assert_eq!(f.rollback_ms, 15 * MIN);
    assert_eq!(f.no_return_ms, T0 + 120 * MIN - 60 * MIN - 15 * MIN);
    assert_eq!(f.pace, 1.0);
    assert!(!f.late);
    assert_eq!(f.no_return, NoReturn::Ahead { in_ms: 45 * MIN });
}

#[test]
fn the_warning_comes_ten_minutes_before_and_passing_is_recorded() {
    let (g, plan, mut run) = setup();
    let at = |now| {
        run.forecast(&plan, &run.state(), g.rollback.estimate_s, now)
            .unwrap()
    };
    assert!(matches!(
        at(T0 + 34 * MIN).no_return,
        NoReturn::Ahead { .. }
    ));
    assert_eq!(
        at(T0 + 36 * MIN).no_return,
        NoReturn::Soon { in_ms: 9 * MIN }
    );
    assert_eq!(
        at(T0 + 47 * MIN).no_return,
        NoReturn::Passed {
            since_ms: 2 * MIN,
            knowingly: None
        }
    );
    let f = at(T0 + 47 * MIN);
    run.record(
        &plan,
        T0 + 47 * MIN,
        "Ben",
        Action::PassNoReturn {
            no_return_ms: f.no_return_ms,
            finish_ms: f.finish_ms,
        },
    )
    .unwrap();
    let f = run
        .forecast(&plan, &run.state(), g.rollback.estimate_s, T0 + 48 * MIN)
        .unwrap();
    assert_eq!(
        f.no_return,
        NoReturn::Passed {
            since_ms: 3 * MIN,
            knowingly: Some((T0 + 47 * MIN, "Ben".into()))
        }
    );
    // Doing nothing, the forecast finish moves with the clock and turns late.
    assert!(f.late == (f.finish_ms > T0 + 120 * MIN));
    let late = run
        .forecast(&plan, &run.state(), g.rollback.estimate_s, T0 + 100 * MIN)
        .unwrap();
    assert!(late.late);
}

#[test]
fn the_actual_pace_replaces_the_estimates_after_three_check_offs() {
    let (g, plan, mut run) = setup();
    // Two steps at twice their planned 5 minutes: not enough to judge.
    check(&mut run, &plan, T0 + 10 * MIN, "Announce");
    check(&mut run, &plan, T0 + 20 * MIN, "Freeze");
    let f = run
        .forecast(&plan, &run.state(), g.rollback.estimate_s, T0 + 20 * MIN)
        .unwrap();
    assert_eq!(f.pace, 1.0);
    assert_eq!(f.remaining_ms, 20 * MIN + 30 * MIN);
    // A third: 30 minutes for 15 planned, so the rest takes twice as long.
    check(&mut run, &plan, T0 + 30 * MIN, "Roll out");
    let f = run
        .forecast(&plan, &run.state(), g.rollback.estimate_s, T0 + 30 * MIN)
        .unwrap();
    assert_eq!(f.pace, 2.0);
    // Left: the smoke test (5) and the dashboards (10), twice as long.
    assert_eq!(f.remaining_ms, 2 * 15 * MIN + 30 * MIN);
    assert_eq!(f.finish_ms, T0 + 90 * MIN);
    assert_eq!(f.no_return_ms, T0 + 120 * MIN - 60 * MIN - 15 * MIN);
    // Faster than planned moves the point of no return later.
    let (g, plan, mut fast) = setup();
    for (i, s) in ["Announce", "Freeze", "Roll out"].iter().enumerate() {
        check(&mut fast, &plan, T0 + (i as i64 + 1) * MIN, s);
    }
    let f = fast
        .forecast(&plan, &fast.state(), g.rollback.estimate_s, T0 + 3 * MIN)
        .unwrap();
    assert_eq!(f.pace, 0.25);
    assert_eq!(f.remaining_ms, 15 * MIN / 4 + 30 * MIN);
}

#[test]
fn a_running_wait_counts_only_its_time_left_and_is_not_scaled() {
    let (g, plan, mut run) = setup();
    let wait = plan
        .run_steps()
        .find(|(_, s)| s.wait_s.is_some())
        .map(|(_, s)| s.id.clone())
        .unwrap();
    run.record(
        &plan,
        T0 + 5 * MIN,
        "Ana",
        Action::StartWait {
            target: wait,
            seconds: 30 * 60,
        },
    )
    .unwrap();
    let f = run
        .forecast(&plan, &run.state(), g.rollback.estimate_s, T0 + 15 * MIN)
        .unwrap();
    assert_eq!(f.remaining_ms, 30 * MIN + 20 * MIN);
}

#[test]
fn without_a_rollback_estimate_its_steps_count_and_ended_runs_have_none() {
    let (_, plan, mut run) = setup();
    let f = run.forecast(&plan, &run.state(), None, T0).unwrap();
    assert_eq!(f.rollback_ms, 2 * DEFAULT_STEP_MS);
    run.record(
        &plan,
        T0 + MIN,
        "Ana",
        Action::Finish {
            outcome: crate::Outcome::Abandoned,
            note: "called off".into(),
        },
    )
    .unwrap();
    assert_eq!(run.forecast(&plan, &run.state(), None, T0 + MIN), None);
}

#[test]
fn time_before_the_window_opens_does_not_count_as_slow() {
    let g = Guide::parse(GUIDE);
    // Started an hour early, for a window that opens at T0.
    let mut run = Run::new(
        [3; 16],
        &g,
        "hash",
        "Ana",
        BTreeMap::new(),
        T0 - 60 * MIN,
        Window {
            start_ms: T0,
            end_ms: T0 + 120 * MIN,
        },
    );
    let plan = run.plan(&g);
    for (i, s) in ["Announce", "Freeze", "Roll out"].iter().enumerate() {
        check(&mut run, &plan, T0 + (i as i64 + 1) * 5 * MIN, s);
    }
    let f = run
        .forecast(&plan, &run.state(), g.rollback.estimate_s, T0 + 15 * MIN)
        .unwrap();
    assert_eq!(f.pace, 1.0);
}

/// A run of `guide` started at `T0` with the guide's own window.
fn own_window(guide: &str) -> (Guide, Plan, Run) {
    let g = Guide::parse(guide);
    let run = Run::new(
        [5; 16],
        &g,
        "hash",
        "Ana",
        BTreeMap::new(),
        T0,
        Run::default_window(&g, T0),
    );
    let plan = run.plan(&g);
    (g, plan, run)
}

#[test]
fn a_calm_guide_in_its_own_window_stays_quiet_and_its_follow_ups_are_not_work() {
    let (g, plan, run) = own_window(crate::test_fixtures::CALM);
    assert_eq!(run.window.end_ms - run.window.start_ms, 5 * MIN);
    let f = run
        .forecast(&plan, &run.state(), g.rollback.estimate_s, T0 + 1000)
        .unwrap();
    // Three steps share the guide's five minutes; day 1, day 2 and week 1
    // are not in the window.
    assert_eq!(f.remaining_ms, 5 * MIN);
    assert_eq!(f.planned_finish_ms, T0 + 5 * MIN);
    // Five minutes of work and two of rollback never fit five minutes:
    // the point of no return passed before the start, which is no news.
    assert!(matches!(f.no_return, NoReturn::Passed { .. }));
    assert_eq!(f.alarm, Alarm::Quiet);
    assert_eq!(f.running_long, None);
    assert_eq!(plan.planned_work_s(), [5 * 60, 5 * 60]);
}

#[test]
fn a_plan_that_fits_but_goes_slowly_is_watched_then_alarms() {
    let (g, plan, run) = setup();
    let at = |now| {
        run.forecast(&plan, &run.state(), g.rollback.estimate_s, now)
            .unwrap()
    };
    assert_eq!(at(T0).alarm, Alarm::Quiet);
    assert_eq!(at(T0).planned_finish_ms, T0 + 60 * MIN);
    // Nothing checked for 36 minutes: the first step (5 minutes planned)
    // runs long, and the point of no return is 9 minutes away.
    let f = at(T0 + 36 * MIN);
    assert_eq!(f.alarm, Alarm::Watch);
    assert_eq!(f.running_long.map(|(_, over)| over), Some(31 * MIN));
    assert_eq!(at(T0 + 47 * MIN).alarm, Alarm::Alarm);
}

#[test]
fn a_step_runs_long_past_twice_its_plan_and_two_minutes() {
    let (g, plan, mut run) = setup();
    check(&mut run, &plan, T0 + 5 * MIN, "Announce");
    let at = |run: &Run, now| {
        run.forecast(&plan, &run.state(), g.rollback.estimate_s, now)
            .unwrap()
    };
    // "Freeze merges": 5 minutes planned, counted from the last check-off.
    assert_eq!(at(&run, T0 + 15 * MIN).running_long, None);
    let f = at(&run, T0 + 17 * MIN);
    let (id, over) = f.running_long.clone().unwrap();
    assert_eq!(plan.step(&id).unwrap().1.text, "Freeze merges");
    assert_eq!(over, 7 * MIN);
    assert_eq!(f.alarm, Alarm::Watch);
    // A short step needs two minutes over, not only twice its time.
    let (g, plan, run) = own_window("# R\n\n## Deploy (1 minute)\n\n- [ ] Flip\n- [ ] Check\n");
    let f = |now| {
        run.forecast(&plan, &run.state(), g.rollback.estimate_s, now)
            .unwrap()
    };
    assert_eq!(f(T0 + 2 * MIN).running_long, None);
    assert!(f(T0 + 3 * MIN).running_long.is_some());
}

#[test]
fn a_plan_that_never_fit_alarms_only_when_the_finish_slips() {
    // Ten steps of two minutes in a 15-minute window.
    let guide = "# R\n\n**Duration:** 15 minutes\n\n## Deploy (20 minutes)\n\n- [ ] One\n- [ ] Two\n- [ ] Three\n- [ ] Four\n- [ ] Five\n- [ ] Six\n- [ ] Seven\n- [ ] Eight\n- [ ] Nine\n- [ ] Ten\n";
    let (g, plan, mut run) = own_window(guide);
    let f = |run: &Run, now| {
        run.forecast(&plan, &run.state(), g.rollback.estimate_s, now)
            .unwrap()
    };
    assert_eq!(f(&run, T0).alarm, Alarm::Quiet);
    assert_eq!(f(&run, T0).planned_finish_ms, T0 + 20 * MIN);
    for (n, step) in ["One", "Two", "Three"].iter().enumerate() {
        check(&mut run, &plan, T0 + (n as i64 + 1) * 3 * MIN, step);
        if n == 0 {
            // A minute behind, past the point of no return: not news.
            let behind = f(&run, T0 + 3 * MIN);
            assert!(matches!(behind.no_return, NoReturn::Passed { .. }));
            assert_eq!(behind.finish_ms - behind.planned_finish_ms, MIN);
            assert_eq!(behind.alarm, Alarm::Quiet);
        }
    }
    // At pace 1.5 the finish is 10 minutes later than planned: news.
    let late = f(&run, T0 + 9 * MIN);
    assert_eq!(late.finish_ms - late.planned_finish_ms, 10 * MIN);
    assert_eq!(late.alarm, Alarm::Alarm);
}

#[test]
fn follow_ups_are_due_after_the_window_or_the_finish() {
    let (_, plan, mut run) = own_window(crate::test_fixtures::CALM);
    let show = |run: &Run| {
        run.follow_ups(&plan, &run.state())
            .iter()
            .map(|f| {
                format!(
                    "{} due +{} min, {}/{}",
                    f.title,
                    (f.due_ms - T0) / MIN,
                    f.done,
                    f.total
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    expect_test::expect![[r#"
        Day 1 due +1445 min, 0/2
        Day 2 due +2885 min, 0/2
        Week 1 due +10085 min, 0/2"#]]
    .assert_eq(&show(&run));
    run.record(
        &plan,
        T0 + 3 * MIN,
        "Ana",
        Action::Finish {
            outcome: super::super::Outcome::Completed,
            note: String::new(),
        },
    )
    .unwrap();
    check(&mut run, &plan, T0 + 4 * MIN, "Review the eviction");
    expect_test::expect![[r#"
        Day 1 due +1443 min, 1/2
        Day 2 due +2883 min, 0/2
        Week 1 due +10083 min, 0/2"#]]
    .assert_eq(&show(&run));
}

#[test]
fn the_start_form_says_when_the_work_does_not_fit() {
    let check = |work: Range, window_min: i64, expect: expect_test::Expect| {
        expect.assert_eq(&format!("{:?}", window_fit(work, window_min * MIN)));
    };
    check(
        [90 * 60, 90 * 60],
        5,
        expect_test::expect![[
            r#"Some("The steps take about 1 h 30 min; the window is 5 min — widen it?")"#
        ]],
    );
    check(
        [20 * 60, 40 * 60],
        20,
        expect_test::expect![[
            r#"Some("The steps take about 20–40 min; the window is 20 min — widen it?")"#
        ]],
    );
    check([20 * 60, 40 * 60], 30, expect_test::expect!["None"]);
    check([5 * 60, 5 * 60], 5, expect_test::expect!["None"]);
    check([0, 0], 0, expect_test::expect!["None"]);
    // The work of a plan: steps, waits, shares; never its follow-ups.
    let work = |guide: &str| Plan::new(&Guide::parse(guide), &BTreeMap::new()).planned_work_s();
    assert_eq!(work(GUIDE), [60 * 60, 60 * 60]);
    assert_eq!(work(crate::test_fixtures::CALM), [5 * 60, 5 * 60]);
    assert_eq!(
        work("# R\n\nEstimated time: 20-40 min\n\n## Prepare (5 min)\n\n- [ ] b\n\n## Deploy\n\n- [ ] a\n- [ ] c\n"),
        [5 * 60 + 2 * 10 * 60, 5 * 60 + 2 * 20 * 60]
    );
    assert_eq!(
        work("# R\n\n## Deploy\n\n- [ ] a\n- [ ] b\n"),
        [4 * 60, 4 * 60]
    );
}
