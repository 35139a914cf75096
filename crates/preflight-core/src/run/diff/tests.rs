use super::*;
use crate::run::{Action, Run, StepStatus};
use crate::{guide_hash, Guide};
use std::collections::BTreeMap;

const T0: i64 = 1_764_000_000_000;

const V1: &str = "# Release

## Prepare

- [ ] Announce the release in #deployments
- [ ] Take a database backup
- [ ] Freeze merges to main

## Deploy

- [ ] Roll out to the canary
- [ ] Roll out everywhere
- [ ] Post the release notes
";

fn plan_of(text: &str) -> (Guide, Plan) {
    let g = Guide::parse(text);
    let plan = Run::new(
        [1; 16],
        &g,
        "h",
        "a",
        BTreeMap::new(),
        T0,
        Run::default_window(&g, T0),
    )
    .plan(&g);
    (g, plan)
}

fn texts(v: &[DiffStep]) -> Vec<&str> {
    v.iter().map(|s| s.text.as_str()).collect()
}

#[test]
fn the_same_text_has_no_differences() {
    let (_, a) = plan_of(V1);
    let d = diff(&a, &a);
    assert!(d.is_empty());
    assert_eq!(d.unchanged, 6);
}

#[test]
fn an_edit_is_a_change_an_insert_is_an_addition_a_deletion_a_removal() {
    let v2 = V1
        .replace(
            "Take a database backup",
            "Take a database backup and verify it",
        )
        .replace("- [ ] Freeze merges to main\n", "")
        .replace(
            "- [ ] Roll out everywhere\n",
            "- [ ] Roll out everywhere\n- [ ] Watch error rates for 10 minutes\n",
        );
    let (_, a) = plan_of(V1);
    let (_, b) = plan_of(&v2);
    let d = diff(&a, &b);
    assert_eq!(d.unchanged, 4);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].0.text, "Take a database backup");
    assert_eq!(d.changed[0].1.text, "Take a database backup and verify it");
    assert_eq!(texts(&d.removed), ["Freeze merges to main"]);
    assert_eq!(texts(&d.added), ["Watch error rates for 10 minutes"]);
}

#[test]
fn a_reorder_changes_nothing_and_a_rewrite_in_place_is_a_change() {
    let reordered = V1.replace(
        "- [ ] Roll out to the canary\n- [ ] Roll out everywhere\n",
        "- [ ] Roll out everywhere\n- [ ] Roll out to the canary\n",
    );
    let (_, a) = plan_of(V1);
    let (_, b) = plan_of(&reordered);
    assert!(diff(&a, &b).is_empty());
    // Reworded beyond recognition, but in the same place: changed.
    let reworded = V1.replace("Post the release notes", "Tell customers what shipped");
    let (_, c) = plan_of(&reworded);
    let d = diff(&a, &c);
    assert_eq!(d.changed.len(), 1, "{d:?}");
    assert!(d.added.is_empty() && d.removed.is_empty());
    // Moved to another phase and reworded: removed and added.
    let moved = V1
        .replace("- [ ] Announce the release in #deployments\n", "")
        .replace(
            "- [ ] Post the release notes\n",
            "- [ ] Post the release notes\n- [ ] Tell #deployments it is out\n",
        );
    let (_, m) = plan_of(&moved);
    let d = diff(&a, &m);
    assert_eq!(texts(&d.removed), ["Announce the release in #deployments"]);
    assert_eq!(texts(&d.added), ["Tell #deployments it is out"]);
}

#[test]
fn adopting_keeps_unchanged_steps_reopens_changed_ones_and_logs_removed_ones() {
    let (g1, p1) = plan_of(V1);
    let mut run = Run::new(
        [2; 16],
        &g1,
        &guide_hash(V1),
        "Ana",
        BTreeMap::new(),
        T0,
        Run::default_window(&g1, T0),
    );
    let id = |p: &Plan, t: &str| {
        p.run_steps()
            .find(|(_, s)| s.text == t)
            .unwrap()
            .1
            .id
            .clone()
    };
    for t in [
        "Announce the release in #deployments",
        "Take a database backup",
        "Freeze merges to main",
    ] {
        run.record(
            &p1,
            T0 + 1000,
            "Ana",
            Action::Check {
                step: id(&p1, t),
                overridden: None,
            },
        )
        .unwrap();
    }
    let v2 = V1
        .replace(
            "Take a database backup",
            "Take a database backup and verify it",
        )
        .replace("- [ ] Freeze merges to main\n", "");
    let (g2, p2) = plan_of(&v2);
    let d = diff(&p1, &p2);
    // A stale adoption (from another version) is refused.
    assert!(run
        .record(
            &p2,
            T0 + 2000,
            "Ana",
            Action::AdoptGuide {
                from_hash: "other".into(),
                to_hash: guide_hash(&v2),
                removed: vec![],
                changed: vec![]
            }
        )
        .is_err());
    run.record(
        &p2,
        T0 + 2000,
        "Ana",
        Action::AdoptGuide {
            from_hash: guide_hash(V1),
            to_hash: guide_hash(&v2),
            removed: texts(&d.removed).iter().map(|s| s.to_string()).collect(),
            changed: d.changed.iter().map(|c| c.0.text.clone()).collect(),
        },
    )
    .unwrap();
    assert_eq!(run.current_guide_hash(), guide_hash(&v2));
    let plan = run.plan(&g2);
    let st = run.state();
    let status = |t: &str| {
        let (ph, s) = plan.step(&id(&plan, t)).unwrap();
        st.status_in(ph, s)
    };
    assert!(matches!(
        status("Announce the release in #deployments"),
        StepStatus::Done { .. }
    ));
    assert_eq!(
        status("Take a database backup and verify it"),
        StepStatus::Pending
    );
    assert_eq!(run.progress(&plan, &st, None).resolved, 1);
    // The export of the adopted run imports (old steps are not "unknown").
    let file = crate::run::store::export(&run, "pasted", None, &v2);
    let back = crate::run::store::import(&file).expect("imports");
    assert_eq!(back.run.events.len(), run.events.len());
}
