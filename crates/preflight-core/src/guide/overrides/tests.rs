use super::*;

const GUIDE: &str = include_str!("../../../../../tests/fixtures/e2e/corrections.md");

/// Each step as `line kind text`, in the guide's order.
fn steps(g: &Guide) -> Vec<String> {
    g.all_steps()
        .iter()
        .map(|s| format!("{} {:?} {}", s.line, s.kind, s.text))
        .collect()
}

fn id_at(g: &Guide, line: usize) -> String {
    g.all_steps()
        .iter()
        .find(|s| s.line == line)
        .map(|s| s.id.clone())
        .unwrap_or_else(|| panic!("no step at {line}"))
}

#[test]
fn candidates_are_the_blocks_that_are_not_steps() {
    let g = Guide::parse(GUIDE);
    let got: Vec<String> = candidates(&g)
        .iter()
        .map(|c| format!("{} {:?} {}", c.line, c.kind, c.text))
        .collect();
    assert_eq!(
        got,
        [
            "10 Action Check the dashboard before starting.",
            "12 Action Dashboard link is bookmarked",
            "13 Action Pager is on",
            "21 Action Tell the support desk the deploy has begun.",
            "23 Command Expected: deployment \"widget\" successfully rolled out",
        ]
    );
}

#[test]
fn made_steps_take_their_place_and_dropped_steps_go() {
    let g = Guide::parse(GUIDE);
    assert_eq!(
        steps(&g),
        [
            "7 Action Announce the deploy in the team channel",
            "8 Action Freeze merges to main",
            "17 Command kubectl apply -f widget.yaml",
            "29 Task Merges unfrozen",
            "30 Task Deploy announced as done",
        ]
    );
    let o = StepOverrides {
        make: [13, 10, 23, 21].into(),
        drop: [id_at(&g, 8), id_at(&g, 29)].into(),
    };
    let c = g.with_overrides(&o);
    assert_eq!(
        steps(&c),
        [
            "7 Action Announce the deploy in the team channel",
            "10 Action Check the dashboard before starting.",
            "13 Action Pager is on",
            "17 Command kubectl apply -f widget.yaml",
            "21 Action Tell the support desk the deploy has begun.",
            "23 Command Expected: deployment \"widget\" successfully rolled out",
            "30 Task Deploy announced as done",
        ]
    );
    assert_eq!(c.counts.steps, 7);
    assert_eq!(c.counts.tasks, g.counts.tasks);
    // Ids come from text, like the model's.
    let made = c
        .all_steps()
        .iter()
        .find(|s| s.line == 13)
        .unwrap()
        .id
        .clone();
    assert_eq!(
        made,
        crate::doc::occurrence_id('a', crate::text::normalised_hash("Pager is on"), 10, 0)
    );
    let cmd = c.all_steps().into_iter().find(|s| s.line == 23).unwrap();
    assert!(cmd.id.starts_with('c'));
    assert_eq!(cmd.lang.as_deref(), Some("text"));
    assert!(cmd
        .code
        .as_deref()
        .unwrap()
        .contains("successfully rolled out"));
    // The dropped blocks can be made steps again; made ones cannot.
    let open: Vec<usize> = candidates(&c).iter().map(|x| x.line).collect();
    assert_eq!(open, [8, 12, 29]);
}

#[test]
fn lines_and_ids_that_fit_nothing_are_ignored() {
    let g = Guide::parse(GUIDE);
    let o = StepOverrides {
        make: [0, 1, 7, 15, 10_000, usize::MAX].into(),
        drop: ["nope".to_owned(), String::new()].into(),
    };
    assert_eq!(steps(&g.with_overrides(&o)), steps(&g));
    let mut o = StepOverrides::default();
    assert_eq!(o.make_step(&g, 7, ""), None, "already a step");
    assert_eq!(o.make_step(&g, 99, ""), None);
    assert!(!o.not_a_step(&g, "a0000000000-0"));
    assert!(o.is_empty());
}

#[test]
fn each_correction_undoes_the_other() {
    let g = Guide::parse(GUIDE);
    let mut o = StepOverrides::default();
    assert_eq!(o.make_step(&g, 13, "Pager is on"), Some(13));
    let made = g.with_overrides(&o);
    let made_id = id_at(&made, 13);
    assert!(o.not_a_step(&g, &made_id));
    assert!(o.is_empty(), "taking back a made step leaves no correction");

    let freeze = id_at(&g, 8);
    assert!(o.not_a_step(&g, &freeze));
    assert_eq!(o.drop, [freeze.clone()].into());
    assert_eq!(o.make_step(&g, 8, "Freeze merges to main"), Some(8));
    assert!(o.is_empty(), "making a dropped step one again restores it");
    assert_eq!(steps(&g.with_overrides(&o)), steps(&g));
}

#[test]
fn a_block_is_found_by_its_text_when_the_guide_moved_it() {
    let g = Guide::parse(GUIDE);
    let moved = Guide::parse(&GUIDE.replace("## Prepare\n", "## Prepare\n\nA new line.\n"));
    let mut o = StepOverrides::default();
    // Line 13 of the old text is line 15 of the new one.
    assert_eq!(o.make_step(&moved, 13, "Pager is on"), Some(15));
    assert_eq!(o.make_step(&moved, 13, "Not in the guide"), None);
    let _ = g;
}

#[test]
fn a_command_split_into_parts_goes_when_all_its_parts_go() {
    let text =
        "# T\n\n## Deploy\n\n```bash\n# Step 1: Build\nmake\n# Step 2: Ship\nmake ship\n```\n";
    let g = Guide::parse(text);
    let all: Vec<String> = g.all_steps().iter().map(|s| s.id.clone()).collect();
    assert_eq!(all.len(), 3, "{all:?}");
    let one = StepOverrides {
        drop: [all[1].clone()].into(),
        ..Default::default()
    };
    assert_eq!(g.with_overrides(&one).all_steps().len(), 2);
    let both = StepOverrides {
        drop: [all[1].clone(), all[2].clone()].into(),
        ..Default::default()
    };
    let c = g.with_overrides(&both);
    assert!(c.all_steps().is_empty());
    // Its block is plain code again, and making it a step restores the parts.
    assert_eq!(
        candidates(&c).iter().map(|c| c.line).collect::<Vec<_>>(),
        [5]
    );
    let mut o = both.clone();
    assert_eq!(o.make_step(&g, 5, ""), Some(5));
    assert!(o.is_empty());
}

#[test]
fn overrides_are_stored_as_json() {
    let o = StepOverrides {
        make: [3, 12].into(),
        drop: ["a1-0".to_owned()].into(),
    };
    let json = serde_json::to_string(&o).unwrap();
    assert_eq!(json, r#"{"make":[3,12],"drop":["a1-0"]}"#);
    assert_eq!(serde_json::from_str::<StepOverrides>(&json).unwrap(), o);
    assert_eq!(
        serde_json::from_str::<StepOverrides>("{}").unwrap(),
        StepOverrides::default()
    );
}

#[test]
fn any_line_and_any_id_on_any_guide_never_panics() {
    for text in [
        GUIDE,
        "",
        "# x",
        "- a\n  - b\n    ```\n    c\n    ```\n",
        "> q\n\n|a|\n|-|\n|b|\n",
    ] {
        let g = Guide::parse(text);
        for line in 0..40 {
            let mut o = StepOverrides::default();
            o.make_step(&g, line, "");
            o.not_a_step(&g, "x");
            let c = g.with_overrides(&o);
            for s in c.all_steps() {
                let mut p = o.clone();
                assert!(p.not_a_step(&g, &s.id));
            }
        }
    }
}
