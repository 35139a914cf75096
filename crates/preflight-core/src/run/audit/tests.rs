use super::*;
use crate::run::{Action, Run};
use crate::Guide;
use std::collections::BTreeMap;

const EXAMPLE: &str = include_str!("../../../../../public/example-guide.md");
const T0: i64 = 1_764_061_200_000; // 2025-11-25 09:00 UTC

/// A run of the example with check-offs, a skip, a note, a measured
/// criterion and an unchecked pre-checked task.
fn worked() -> (Guide, Plan, Run) {
    let (g, plan, mut run) = crate::test_fixtures::example_run(5, T0, "w");
    let id = |text: &str| {
        plan.run_steps()
            .find(|(_, s)| s.text.contains(text))
            .map(|(_, s)| s.id.clone())
            .unwrap_or_else(|| panic!("{text}"))
    };
    let mut rec =
        |at: i64, by: &str, a: Action| run.record(&plan, T0 + at * 60_000, by, a).unwrap();
    rec(
        1,
        "Ana",
        Action::Check {
            step: id("Release notes"),
            overridden: None,
        },
    );
    rec(
        2,
        "Ben",
        Action::Skip {
            step: id("On-call engineer"),
            reason: "on the bridge already".into(),
        },
    );
    rec(
        3,
        "Ana",
        Action::Note {
            step: Some(id("Release notes")),
            text: "PO: Maria | ok <b>".into(),
        },
    );
    rec(
        4,
        "Ana",
        Action::Uncheck {
            step: id("Change request"),
        },
    );
    (g, plan, run)
}

#[test]
fn the_markdown_pack_parses_back_to_the_same_steps_with_their_checked_states() {
    let (g, plan, run) = worked();
    let md = markdown(&run, &plan, EXAMPLE, 60);
    assert!(
        md.contains("- [x] Release notes reviewed by product owner"),
        "{md}"
    );
    assert!(md.contains("- [ ] Change request CHG-2417 approved"));
    assert!(md.contains("> 🗒 done 2025-11-25 10:01 +01:00 by Ana · note 2025-11-25 10:03 +01:00 by Ana: PO: Maria \\| ok &lt;b>"));
    assert!(md.contains("> 🗒 skipped 2025-11-25 10:02 +01:00 by Ben: on the bridge already"));
    assert!(md.contains("## Run record"));
    assert!(md.contains(&format!("**Log head:** {}", chain::head(&run.events))));
    assert!(md.contains(&format!("**Log:** verified, {} entries", run.events.len())));

    let again = Guide::parse(&md);
    let steps = |g: &Guide| {
        let r = Run::new(
            [5; 16],
            g,
            "h",
            "a",
            BTreeMap::new(),
            T0,
            Run::default_window(g, T0),
        );
        r.plan(g)
            .run_steps()
            .map(|(_, s)| (s.id.clone(), s.text.clone(), s.kind, s.checked_in_guide))
            .collect::<Vec<_>>()
    };
    let before = steps(&g);
    let after = steps(&again);
    assert_eq!(before.len(), after.len());
    let state = run.state();
    for ((b, a), (phase, step)) in before.iter().zip(&after).zip(plan.run_steps()) {
        // Same step, same id and text; its box says what the run did.
        assert_eq!((&b.0, &b.1, b.2), (&a.0, &a.1, a.2));
        if step.kind == StepKind::Task {
            let done = matches!(state.status_in(phase, step), StepStatus::Done { .. });
            assert_eq!(a.3, done, "{}", step.text);
        }
    }
    // Criteria and triggers survive too.
    assert_eq!(again.rollback.triggers.len(), g.rollback.triggers.len());
    assert_eq!(
        again.phases.iter().map(|p| p.gates.len()).sum::<usize>(),
        g.phases.iter().map(|p| p.gates.len()).sum::<usize>()
    );
}

#[test]
fn the_html_pack_is_self_contained_escaped_and_shows_every_step_and_the_head() {
    let (_, plan, run) = worked();
    let page = html(&run, &plan, 0);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("<script"));
    assert!(!page.contains("src="));
    assert!(!page.contains("href="));
    assert!(page.contains(&chain::head(&run.events)));
    assert!(page.contains("verified, 4 entries"));
    for (_, s) in plan.run_steps() {
        assert!(page.contains(&esc(&s.text)), "missing {}", s.text);
    }
    assert!(page.contains("PO: Maria | ok &lt;b&gt;"));
    assert_eq!(
        page.matches("<tr class=\"step\">").count(),
        plan.phases
            .iter()
            .filter(|p| !p.hidden)
            .map(|p| p.steps.len())
            .sum::<usize>()
    );
}

#[test]
fn list_items_and_boxes_are_found_where_guides_put_them() {
    assert_eq!(list_item("- [ ] a"), Some(2));
    assert_eq!(list_item("  * b"), Some(4));
    assert_eq!(list_item("12. c"), Some(4));
    assert_eq!(list_item("1) d"), Some(3));
    assert_eq!(list_item("plain"), None);
    assert_eq!(list_item("-nope"), None);
    assert_eq!(list_item("# heading"), None);
    assert_eq!(set_box("- [ ] a [ ] b", true), "- [x] a [ ] b");
    assert_eq!(set_box("  - [X] a", false), "  - [ ] a");
}

#[test]
fn every_fixture_guide_round_trips_with_half_its_steps_done() {
    for (name, text) in crate::test_fixtures::all() {
        let g = Guide::parse(&text);
        let mut run = Run::new(
            [5; 16],
            &g,
            "h",
            "Ana",
            BTreeMap::new(),
            T0,
            Run::default_window(&g, T0),
        );
        let plan = run.plan(&g);
        // Every other step, acknowledged first where it asks.
        let ids: Vec<(String, bool)> = plan
            .run_steps()
            .map(|(_, s)| (s.id.clone(), !s.guard.is_empty()))
            .collect();
        for (i, (id, guarded)) in ids.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
            let at = T0 + i as i64 * 1000;
            if *guarded {
                let _ = run.record(
                    &plan,
                    at,
                    "Ana",
                    Action::Acknowledge {
                        step: id.clone(),
                        hazards: vec![],
                    },
                );
            }
            let _ = run.record(
                &plan,
                at,
                "Ana",
                Action::Check {
                    step: id.clone(),
                    overridden: None,
                },
            );
        }
        let md = markdown(&run, &plan, &text, 0);
        let again = Guide::parse(&md);
        let replan = Run::new(
            [5; 16],
            &again,
            "h",
            "a",
            BTreeMap::new(),
            T0,
            Run::default_window(&again, T0),
        )
        .plan(&again);
        let before: Vec<_> = plan
            .run_steps()
            .map(|(_, s)| (s.id.clone(), s.kind))
            .collect();
        let after: Vec<_> = replan
            .run_steps()
            .map(|(_, s)| (s.id.clone(), s.kind))
            .collect();
        assert_eq!(before, after, "{name}");
        let state = run.state();
        for ((phase, s), (_, t)) in plan.run_steps().zip(replan.run_steps()) {
            if s.kind == StepKind::Task {
                let done = matches!(state.status_in(phase, s), StepStatus::Done { .. });
                assert_eq!(t.checked_in_guide, done, "{name}: {}", s.text);
            }
        }
    }
}

#[test]
fn parameters_are_in_both_packs_with_who_set_them_and_secrets_masked() {
    let (_, plan, mut run) = worked();
    let step = plan.run_steps().next().map(|(_, s)| s.clone()).unwrap();
    let mut set = |at: i64, param: &str, value: Option<&str>, step: Option<String>| {
        let action = Action::SetParam {
            param: param.into(),
            value: value.map(str::to_owned),
            step,
        };
        run.record(&plan, T0 + at * 60_000, "Ana", action).unwrap();
    };
    set(5, "version", Some("2.4.0"), None);
    set(6, "pid", Some("4242 | <b> `x`"), Some(step.id.clone()));
    set(7, "version", Some("2.4.1"), None);
    set(8, "api_token", None, None);
    let md = markdown(&run, &plan, EXAMPLE, 0);
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| *l != "### Parameters")
        .skip(4)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(
        table,
        [
            "| 2025-11-25 09:05 +00:00 | Ana | version | ` 2.4.0 ` |  |",
            &format!(
                "| 2025-11-25 09:06 +00:00 | Ana | pid | `` 4242 \\| <b> `x` `` | {} |",
                step.text
            ),
            "| 2025-11-25 09:07 +00:00 | Ana | version | ` 2.4.1 ` (changed) |  |",
            "| 2025-11-25 09:08 +00:00 | Ana | api_token | ` •••••• ` (secret, kept on the device that set it) |  |",
        ]
    );
    let page = html(&run, &plan, 0);
    assert_eq!(page.matches("<tr class=\"param\">").count(), 4);
    assert!(page.contains("<code>4242 | &lt;b&gt; `x`</code>"));
    assert!(page.contains("<code>2.4.1</code> (changed)"));
}
