use super::*;
use crate::run::{Action, Run};
use crate::Guide;
use std::collections::BTreeMap;

const T0: i64 = 1_764_061_200_000; // 2025-11-25 09:00 UTC
const H: i64 = 3_600_000;

const GUIDE: &str = "# Release

## Prepare

**Owner:** Release manager

- [ ] Announce the release
- [ ] SRE: check the dashboards

## Migrate the database (DBA)

- [ ] Take a backup
- [ ] Run the migration (Owner: Dana)

### Verify

- [ ] Row counts match

## Deploy

- [ ] Roll out
";

fn setup() -> (Plan, Run) {
    let g = Guide::parse(GUIDE);
    let run = Run::new(
        [4; 16],
        &g,
        "h",
        "Ana",
        BTreeMap::new(),
        T0,
        Run::default_window(&g, T0),
    );
    (run.plan(&g), run)
}

fn find<'a>(plan: &'a Plan, text: &str) -> (&'a PlanPhase, &'a PlanStep) {
    plan.run_steps()
        .find(|(_, s)| s.text.contains(text))
        .unwrap()
}

#[test]
fn roles_come_from_owner_lines_headings_and_step_text() {
    let (plan, _) = setup();
    let role = |t: &str| find(&plan, t).1.role.clone();
    assert_eq!(role("Announce").as_deref(), Some("Release manager"));
    assert_eq!(role("check the dashboards").as_deref(), Some("SRE"));
    assert_eq!(role("Take a backup").as_deref(), Some("DBA"));
    assert_eq!(role("Run the migration").as_deref(), Some("Dana"));
    // A section inherits its parent's role.
    assert_eq!(role("Row counts").as_deref(), Some("DBA"));
    assert_eq!(role("Roll out"), None);
    assert_eq!(roles(&plan), ["Release manager", "SRE", "DBA", "Dana"]);
    // Durations in parentheses are not roles.
    assert_eq!(role_in_text("Verify (5 minutes)"), None);
    assert_eq!(
        role_in_text("[QA] Run the smoke tests").as_deref(),
        Some("QA")
    );
    assert_eq!(role_in_text("Deploy: roll out"), None);
    assert_eq!(
        role_in_text("**Role**: On-call").as_deref(),
        Some("On-call")
    );
}

#[test]
fn the_most_specific_assignment_wins_and_can_be_taken_back() {
    let (plan, mut run) = setup();
    let assign = |run: &mut Run, target: &str, who: &str, due: Option<i64>| {
        run.record(
            &plan,
            T0,
            "Ana",
            Action::Assign {
                target: target.into(),
                who: who.into(),
                due_ms: due,
            },
        )
        .unwrap();
    };
    let (db_phase, backup) = find(&plan, "Take a backup");
    let (_, rows) = find(&plan, "Row counts");
    // Every step of a role in one action.
    assign(&mut run, &role_target("DBA"), "Dana", Some(T0 + 2 * H));
    let st = run.state();
    let a = run.assignee(&st, db_phase, backup);
    assert_eq!(
        (a.who.as_deref(), a.role.as_deref(), a.due_ms),
        (Some("Dana"), Some("DBA"), Some(T0 + 2 * H))
    );
    let (vp, _) = find(&plan, "Row counts");
    assert_eq!(run.assignee(&st, vp, rows).who.as_deref(), Some("Dana"));
    // A whole phase, then one step: the step wins, then the phase.
    assign(&mut run, &db_phase.id, "Omar", None);
    assign(&mut run, &backup.id, "Li", None);
    let st = run.state();
    assert_eq!(
        run.assignee(&st, db_phase, backup).who.as_deref(),
        Some("Li")
    );
    let (mp, migrate) = find(&plan, "Run the migration");
    assert_eq!(run.assignee(&st, mp, migrate).who.as_deref(), Some("Omar"));
    // The section keeps the role's assignment (it is another phase).
    assert_eq!(run.assignee(&st, vp, rows).who.as_deref(), Some("Dana"));
    assign(&mut run, &backup.id, "", None);
    let st = run.state();
    assert_eq!(
        run.assignee(&st, db_phase, backup).who.as_deref(),
        Some("Omar")
    );
    let all = run.assignees(&plan, &st);
    assert_eq!(
        all.get(&migrate.id).and_then(|a| a.who.as_deref()),
        Some("Omar")
    );
    // Unknown targets are refused.
    assert!(run
        .record(
            &plan,
            T0,
            "Ana",
            Action::Assign {
                target: "nope".into(),
                who: "X".into(),
                due_ms: None
            }
        )
        .is_err());
}

#[test]
fn due_times_are_relative_to_the_start_or_a_clock_time() {
    assert_eq!(parse_due("+4 h", T0, 0), Some(T0 + 4 * H));
    assert_eq!(parse_due("+90 min", T0, 0), Some(T0 + 90 * 60_000));
    assert_eq!(parse_due("+1h30m", T0, 0), Some(T0 + 90 * 60_000));
    assert_eq!(parse_due("+2 hours", T0, 0), Some(T0 + 2 * H));
    // 13:00 local: the run started at 09:00 UTC.
    assert_eq!(parse_due("13:00", T0, 0), Some(T0 + 4 * H));
    assert_eq!(parse_due("13:00", T0, 60), Some(T0 + 3 * H));
    // Earlier than the start: the next day.
    assert_eq!(parse_due("08:00", T0, 0), Some(T0 + 23 * H));
    for bad in ["", "+", "+4 parsecs", "25:00", "13:61", "soon", "+-4h"] {
        assert_eq!(parse_due(bad, T0, 0), None, "{bad}");
    }
}
