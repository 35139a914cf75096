use super::*;
use pulldown_cmark::Event;

/// Counts task list items the way pulldown-cmark itself reports them.
fn reference_task_count(text: &str) -> usize {
    markdown::parser(text)
        .filter(|e| matches!(e, Event::TaskListMarker(_)))
        .count()
}

fn tasks(text: &str) -> Vec<(String, bool, usize)> {
    parse(text)
        .tasks
        .into_iter()
        .map(|t| (t.text, t.checked, t.line))
        .collect()
}

fn check_tasks(text: &str, expected: &[(&str, bool, usize)]) {
    let expected: Vec<(String, bool, usize)> = expected
        .iter()
        .map(|(t, c, l)| (t.to_string(), *c, *l))
        .collect();
    assert_eq!(tasks(text), expected, "input:\n{text}");
}

#[test]
fn task_items_keep_text_state_and_line() {
    check_tasks(
        "# Deploy\n\n- [ ] Back up the database\n- [x] Notify stakeholders\n* [X] Star bullet\n",
        &[
            ("Back up the database", false, 3),
            ("Notify stakeholders", true, 4),
            ("Star bullet", true, 5),
        ],
    );
}

#[test]
fn nested_and_ordered_task_items() {
    check_tasks(
        "- [ ] Performance benchmarks meet targets:\n  - [ ] Query time <100ms\n  - [x] API calls reduced\n1. [ ] numbered task\n",
        &[
            ("Performance benchmarks meet targets:", false, 1),
            ("Query time <100ms", false, 2),
            ("API calls reduced", true, 3),
            ("numbered task", false, 4),
        ],
    );
}

#[test]
fn loose_task_items_are_tasks_too() {
    check_tasks(
        "- [ ] first\n\n- [x] second\n\n  more text\n",
        &[("first", false, 1), ("second", true, 3)],
    );
}

#[test]
fn no_tasks_in_code_blocks_comments_or_plain_lists() {
    check_tasks(
        "```\n- [ ] not a task\n```\n\n<!--\n- [ ] hidden\n-->\n\n- plain item\n- [ ]\n",
        // pulldown-cmark counts an empty `- [ ]` as a task, and so do we.
        &[("", false, 10)],
    );
}

#[test]
fn task_count_matches_pulldown_on_shared_guides() {
    for (name, text) in crate::test_fixtures::guides() {
        let doc = parse(&text);
        assert_eq!(doc.tasks.len(), reference_task_count(&text), "{name}");
        assert!(!doc.tasks.is_empty(), "{name} has task items");
    }
}

#[test]
fn ids_are_stable_across_inserts_and_distinct_for_repeats() {
    let before = parse("- [ ] Stop services\n- [ ] Restart services\n- [ ] Stop services\n");
    let after = parse(
        "- [ ] New first step\n- [ ] Stop services\n- [ ] Restart services\n- [ ] Stop services\n",
    );
    let ids = |d: &Document| d.tasks.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
    let (b, a) = (ids(&before), ids(&after));
    assert_eq!(&a[1..], &b[..]);
    assert_ne!(b[0], b[2]);
    assert!(b[0].ends_with("-0") && b[2].ends_with("-1"));
    assert!(b.iter().all(|id| id.len() == "t".len() + 12 + 2));
}

#[test]
fn ids_ignore_case_and_spacing() {
    let a = parse("- [ ] Stop   the Service\n");
    let b = parse("- [x] stop the service\n");
    assert_eq!(a.tasks[0].id, b.tasks[0].id);
}

#[test]
fn title_prefers_first_h1() {
    assert_eq!(
        parse("## Intro\n\n# Real title\n\n# Later")
            .title
            .as_deref(),
        Some("Real title")
    );
    assert_eq!(parse("## Only h2\n").title.as_deref(), Some("Only h2"));
    assert_eq!(parse("no headings").display_title(), "Untitled guide");
}

#[test]
fn front_matter_is_not_content() {
    let doc = parse("---\ntitle: x\nlayout: post\n---\n# Guide\n");
    assert_eq!(doc.title.as_deref(), Some("Guide"));
    assert_eq!(doc.blocks.len(), 1);
}

#[test]
fn raw_html_never_survives_as_markup() {
    let doc = parse("<div onclick=\"evil()\">\n<script>alert(1)</script>\n</div>\n\nKill <PID> now<br>then <!-- note --> go\n");
    assert_eq!(
        doc.blocks,
        vec![Block::Paragraph {
            content: vec![
                Inline::Text("Kill <PID> now".into()),
                Inline::HardBreak,
                Inline::Text("then  go".into()),
            ],
            line: 5
        }]
    );
    assert_eq!(doc.diagnostics.len(), 1);
    assert_eq!(doc.diagnostics[0].line, 1);
}

#[test]
fn only_safe_links_are_kept() {
    for (url, kept) in [
        ("https://example.com/a?b#c", true),
        ("http://example.com", true),
        ("mailto:ops@example.com", true),
        ("docs/runbook.md", true),
        ("/abs/path", true),
        ("#anchor", true),
        ("?guide=x.md", true),
        ("javascript:alert(1)", false),
        ("JavaScript:alert(1)", false),
        ("java\tscript:alert(1)", false),
        (" javascript:alert(1)", false),
        ("data:text/html;base64,PHNjcmlwdD4=", false),
        ("vbscript:msgbox", false),
        ("file:///etc/passwd", false),
        ("", false),
    ] {
        assert_eq!(safe_href(url).is_some(), kept, "{url:?}");
    }
    let doc = parse("[ok](https://x.test) and [bad](javascript:alert(1))");
    assert_eq!(
        doc.blocks,
        vec![Block::Paragraph {
            content: vec![
                Inline::Link {
                    href: "https://x.test".into(),
                    content: vec![Inline::Text("ok".into())]
                },
                Inline::Text(" and bad".into()),
            ],
            line: 1
        }]
    );
    assert_eq!(doc.diagnostics[0].severity, Severity::Warning);
}

#[test]
fn code_blocks_keep_language_text_and_line() {
    let doc = parse(
        "# T\n\n```bash title=\"x\"\n# Step 1: stop\nsystemctl stop app\n```\n\n    indented\n",
    );
    assert_eq!(
        doc.blocks[1..],
        [
            Block::Code {
                lang: Some("bash".into()),
                text: "# Step 1: stop\nsystemctl stop app\n".into(),
                line: 3
            },
            Block::Code {
                lang: None,
                text: "indented\n".into(),
                line: 8
            }
        ]
    );
}

#[test]
fn tables_keep_head_and_rows() {
    let doc = parse("| Date | Version |\n|---|---|\n| 2025-11-02 | 1.0 |\n");
    let Block::Table { head, rows } = &doc.blocks[0] else {
        panic!("expected a table, got {:?}", doc.blocks);
    };
    assert_eq!(head.len(), 2);
    assert_eq!(rows.len(), 1);
    assert_eq!(Inline::plain_text(&rows[0][1]), "1.0");
}

#[test]
fn emoji_and_unicode_pass_through() {
    let doc = parse("### 1. Development Testing ✅\n\nGradual rollout (25% → 50%) 🚀\n");
    assert_eq!(doc.title.as_deref(), Some("1. Development Testing ✅"));
    assert_eq!(
        doc.blocks[1],
        Block::Paragraph {
            content: vec![Inline::Text("Gradual rollout (25% → 50%) 🚀".into())],
            line: 3
        }
    );
}

#[test]
fn deep_nesting_is_flattened_and_keeps_every_task() {
    let mut text = String::new();
    for depth in 0..200 {
        text.push_str(&"  ".repeat(depth));
        text.push_str("- [ ] level\n");
    }
    let doc = parse(&text);
    assert_eq!(doc.tasks.len(), reference_task_count(&text));
    assert_eq!(doc.tasks.len(), 200);
    fn depth(blocks: &[Block]) -> usize {
        blocks
            .iter()
            .map(|b| match b {
                Block::List { items, .. } => {
                    1 + items.iter().map(|i| depth(&i.blocks)).max().unwrap_or(0)
                }
                Block::Quote(inner) => 1 + depth(inner),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }
    assert!(depth(&doc.blocks) <= MAX_DEPTH);

    let quotes = ">".repeat(100_000) + " deep";
    let doc = parse(&quotes);
    assert_eq!(Inline::plain_text(&[]), "");
    assert!(depth(&doc.blocks) <= MAX_DEPTH);
}

#[test]
fn every_task_marker_is_exactly_one_task_on_tricky_input() {
    for text in [
        "- [ ] a\n- [ ] a\n",
        "> - [ ] quoted task\n",
        "1. [x] one\n2. [ ] two\n",
        "- [ ] **bold** task with `code` and [link](https://x)\n",
        "- [ ]\n  - [ ] child of empty\n",
        "* [ ] a\n\n  ```\n  code\n  ```\n",
        "| a |\n|---|\n| - [ ] not a task |\n",
    ] {
        let doc = parse(text);
        assert_eq!(doc.tasks.len(), reference_task_count(text), "{text:?}");
        let mut in_tree = 0;
        fn count(blocks: &[Block], n: &mut usize) {
            for b in blocks {
                match b {
                    Block::List { items, .. } => {
                        for i in items {
                            *n += usize::from(i.task.is_some());
                            count(&i.blocks, n);
                        }
                    }
                    Block::Quote(inner) => count(inner, n),
                    _ => {}
                }
            }
        }
        count(&doc.blocks, &mut in_tree);
        assert_eq!(in_tree, doc.tasks.len(), "{text:?}");
    }
}

#[test]
fn line_index_maps_offsets() {
    let idx = LineIndex::new("a\nbb\n\nc");
    assert_eq!([0, 1, 2, 4, 5, 6].map(|o| idx.line(o)), [1, 1, 2, 2, 3, 4]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Markdown-ish text: lines built from the constructs guides use, so
    /// that nesting, fences and task markers meet each other often.
    fn markdownish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("- [ ] ".to_owned()),
            Just("- [x] ".to_owned()),
            Just("* ".to_owned()),
            Just("1. ".to_owned()),
            Just("  ".to_owned()),
            Just("> ".to_owned()),
            Just("```".to_owned()),
            Just("# ".to_owned()),
            Just("| a | b |\n|---|---|".to_owned()),
            Just("<!--".to_owned()),
            Just("-->".to_owned()),
            Just("<div>".to_owned()),
            Just("**".to_owned()),
            Just("[l](javascript:x)".to_owned()),
            Just("\n".to_owned()),
            Just("\n\n".to_owned()),
            "[a-zA-Z0-9 ✅→🚀<>]{0,12}",
        ];
        prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_text_parses_and_counts_tasks_like_pulldown(text in markdownish()) {
            let doc = parse(&text);
            prop_assert_eq!(doc.tasks.len(), reference_task_count(&text));
            prop_assert!(doc.tasks.iter().all(|t| t.line >= 1 && t.line <= text.lines().count().max(1)));
            let ids: std::collections::HashSet<_> = doc.tasks.iter().map(|t| &t.id).collect();
            prop_assert_eq!(ids.len(), doc.tasks.len());
        }

        #[test]
        fn arbitrary_unicode_never_panics(text in "\\PC{0,400}") {
            let _ = parse(&text);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(text) = crate::decode(&bytes) {
                let _ = parse(&text);
            }
        }
    }
}

#[test]
fn line_text_is_read_by_index() {
    let idx = LineIndex::new("one\r\ntwo\n\nfour");
    let text = "one\r\ntwo\n\nfour";
    assert_eq!(
        [1, 2, 3, 4, 5].map(|l| idx.text(text, l)),
        ["one", "two", "", "four", ""]
    );
}

#[test]
fn flattened_depth_and_many_html_blocks_stay_linear() {
    // Deep quotes followed by many lazy continuation lines, and many HTML
    // blocks: both once walked the whole stack or text per event.
    let mut text = ">".repeat(50_000);
    text.push_str(" start\n");
    for i in 0..20_000 {
        text.push_str(&format!("line {i}\n"));
    }
    let doc = parse(&text);
    assert!(!doc.blocks.is_empty());
    assert_eq!(doc.diagnostics.len(), 1);
    assert_eq!(doc.diagnostics[0].line, 1);
    assert!(doc.diagnostics[0].message.contains("cut to 32 levels"));

    // Deep list markers on one line keep their task.
    let doc = parse(&("- ".repeat(10_000) + "[ ] deep task\n"));
    assert_eq!(doc.tasks.len(), 1);
    assert_eq!(doc.tasks[0].text, "deep task");

    let html: String = (0..20_000)
        .map(|i| format!("<div>{i}</div>\n\n- [ ] t{i}\n\n"))
        .collect();
    let doc = parse(&html);
    assert_eq!(doc.tasks.len(), 20_000);
    assert_eq!(doc.diagnostics.len(), 20_000);
}
