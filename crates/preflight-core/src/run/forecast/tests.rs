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
