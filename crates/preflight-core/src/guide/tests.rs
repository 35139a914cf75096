use super::*;
use crate::test_fixtures;
use crate::text::threshold::Op;

const MIN: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

fn fixture(name: &str) -> Guide {
    let (_, text) = test_fixtures::all()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("fixture {name}"));
    Guide::parse(&text)
}

fn phase<'a>(g: &'a Guide, title: &str) -> &'a Phase {
    g.all_phases()
        .into_iter()
        .find(|p| p.title == title)
        .unwrap_or_else(|| panic!("no phase {title:?}"))
}

fn gate<'a>(g: &'a Guide, text: &str) -> &'a Gate {
    g.all_gates()
        .into_iter()
        .find(|x| x.text == text)
        .unwrap_or_else(|| panic!("no gate {text:?}"))
}

fn trigger<'a>(g: &'a Guide, text: &str) -> &'a Trigger {
    g.rollback
        .triggers
        .iter()
        .find(|t| t.text == text)
        .unwrap_or_else(|| panic!("no trigger {text:?}"))
}

/// The invariant of the task model: every task list item of the document
/// is exactly one step of kind `task`, and no other step is.
fn assert_tasks_are_task_steps(g: &Guide) {
    let steps = g.all_steps();
    let mut seen = vec![0usize; g.tasks.len()];
    for s in &steps {
        match (s.kind, s.task) {
            (StepKind::Task, Some(i)) => seen[i] += 1,
            (kind, task) => assert!(
                kind != StepKind::Task && task.is_none(),
                "step {} is {kind:?} with task {task:?}",
                s.id
            ),
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "task occurrences: {seen:?}");
}

fn assert_unique_ids(g: &Guide) {
    let mut ids: Vec<&str> = g.all_steps().iter().map(|s| s.id.as_str()).collect();
    ids.extend(g.all_phases().iter().map(|p| p.id.as_str()));
    ids.extend(g.all_gates().iter().map(|x| x.id.as_str()));
    ids.extend(g.rollback.triggers.iter().map(|t| t.id.as_str()));
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids are unique");
}

#[test]
fn every_fixture_keeps_the_invariants() {
    for (name, text) in test_fixtures::all() {
        let g = Guide::parse(&text);
        assert_tasks_are_task_steps(&g);
        assert_unique_ids(&g);
        assert_eq!(g.counts.tasks, crate::parse(&text).tasks.len(), "{name}");
        assert!(g.counts.steps >= g.counts.tasks, "{name}");
        let json: serde_json::Value = serde_json::from_str(&g.to_json()).unwrap();
        assert_eq!(json["schema"], 1);
    }
}

#[test]
fn canary_rollout_guide() {
    let g = fixture("phase3-canary-rollout.md");
    assert_eq!(g.title, "Phase 3 Deployment Guide");
    assert_eq!(
        (g.counts.tasks, g.counts.triggers, g.troubleshooting.len()),
        (18, 5, 3)
    );
    assert_eq!(phase(&g, "Rollback Procedures").kind, PhaseKind::Rollback);
    assert_eq!(
        phase(&g, "Troubleshooting").kind,
        PhaseKind::Troubleshooting
    );
    assert_eq!(
        phase(&g, "Pre-Deployment Checklist").kind,
        PhaseKind::Preparation
    );
    let week1 = phase(&g, "Week 1: Staging Deployment (Flags OFF)");
    assert_eq!(week1.estimate_s, Some([7 * DAY, 7 * DAY]));
    assert_eq!(week1.gates.len(), 3);
    assert_eq!(week1.steps[0].substeps[0].kind, StepKind::Wait);
    assert_eq!(
        week1.steps[0].substeps[0].estimate_s,
        Some([48 * HOUR, 48 * HOUR])
    );

    // Quick start: `# 1. Verify integration` comments are sub-steps.
    let quick = &phase(&g, "Quick Start").steps[0];
    assert_eq!(quick.kind, StepKind::Command);
    let subs: Vec<&str> = quick.substeps.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        subs,
        [
            "1. Verify integration",
            "2. Apply database migration",
            "3. Deploy to staging (flags OFF)",
            "4. Monitor"
        ]
    );
    assert_eq!(
        quick.substeps[1].code.as_deref(),
        Some("supabase db push\n")
    );

    // Day 1-2 captions name their commands and give their span.
    let week3 = phase(&g, "Week 3: Gradual Rollout (25% → 50% → 75%)");
    assert_eq!(week3.steps[0].text, "Day 1-2: 25% Traffic");
    assert_eq!(week3.steps[0].estimate_s, Some([2 * DAY, 2 * DAY]));

    let p95 = gate(&g, "P95 latency < 3 seconds");
    assert_eq!(
        (
            p95.metric.as_deref(),
            p95.op,
            p95.value,
            p95.unit.as_deref()
        ),
        (Some("P95 latency"), Some(Op::Lt), Some(3.0), Some("s"))
    );
    let critical = gate(&g, "Error Rate — Critical: > 5%");
    assert_eq!(
        (
            critical.metric.as_deref(),
            critical.level,
            critical.op,
            critical.value
        ),
        (
            Some("Error Rate"),
            Some(Level::Critical),
            Some(Op::Gt),
            Some(5.0)
        )
    );
    assert_eq!(
        gate(&g, "Session Isolation — Target: 0 cross-contamination").op,
        Some(Op::Eq)
    );
    assert_eq!(
        gate(&g, "Concurrent Sessions — Target: 100+").op,
        Some(Op::Ge)
    );
    assert_eq!(gate(&g, "Zero cross-contamination").value, Some(0.0));

    let pause = trigger(&g, "Error rate > 2%");
    assert_eq!(
        (pause.action, pause.value),
        (TriggerAction::Pause, Some(2.0))
    );
    let immediate = trigger(&g, "cross_contamination_count > 0");
    assert_eq!(immediate.action, TriggerAction::Rollback);
    let isolation = &g.troubleshooting[2];
    assert!(isolation.immediate_rollback);
    assert_eq!(isolation.solutions.len(), 5);

    let wait = phase(&g, "Week 4: Full Production (100%)")
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Wait)
        .unwrap();
    assert_eq!(
        (wait.text.as_str(), wait.estimate_s),
        ("Monitor for 48 hours", Some([48 * HOUR, 48 * HOUR]))
    );
    assert_eq!(g.rollback.steps.len(), 2);
    assert!(g.diagnostics.is_empty(), "{:?}", g.diagnostics);
}

#[test]
fn sqlite_checklist_guide() {
    let g = fixture("sqlite-dedup-deployment-checklist.md");
    assert_eq!(g.title, "Production Deployment Checklist");
    assert_eq!((g.counts.tasks, g.counts.triggers), (151, 6));
    assert_eq!(g.tasks.iter().filter(|t| t.checked).count(), 12);
    assert_eq!(g.downtime_s, Some([15 * MIN, 30 * MIN]));
    assert!(g
        .metadata
        .iter()
        .any(|m| m.key == "Epic" && m.value == "Epic 2 - SQLite Deduplication & Integration"));
    assert_eq!(
        phase(&g, "Step 1: Pre-Deployment Backup").estimate_s,
        Some([2 * MIN, 5 * MIN])
    );
    assert_eq!(
        phase(&g, "Step 6: Run Data Migration").estimate_s,
        Some([5 * MIN, 15 * MIN])
    );
    assert_eq!(
        phase(&g, "Immediate (First Hour)").estimate_s,
        Some([HOUR, HOUR])
    );
    assert_eq!(g.rollback.estimate_s, Some([5 * MIN, 10 * MIN]));
    assert!(phase(&g, "4. Reinstall Dependencies (if needed)").optional);

    // Verification lists under each step are gates tied to their tasks.
    let backup = phase(&g, "Step 1: Pre-Deployment Backup");
    assert_eq!(backup.gates.len(), 3);
    assert!(backup
        .gates
        .iter()
        .all(|x| x.step.is_some() && x.source == GateSource::Verification));

    let query = gate(&g, "Query response time <100ms (P95)");
    assert_eq!(
        (query.op, query.value, query.unit.as_deref()),
        (Some(Op::Lt), Some(100.0), Some("ms"))
    );
    assert_eq!(query.source, GateSource::SuccessCriteria);
    let error_rate = trigger(&g, "Error rate >5%");
    assert_eq!(
        (error_rate.action, error_rate.op, error_rate.value),
        (TriggerAction::Rollback, Some(Op::Gt), Some(5.0))
    );
    assert!(error_rate.step.is_some(), "the trigger is a task item");

    assert_eq!(g.troubleshooting.len(), 5);
    assert_eq!(
        g.troubleshooting[0].symptom,
        "Migration fails with \"database locked\""
    );
    assert_eq!(
        g.troubleshooting[0].solutions,
        [
            "Ensure all database connections closed, retry migration",
            "Run: python scripts/migrate_json_to_sqlite.py"
        ]
    );
    // The guide really ends inside a code block.
    assert_eq!(g.diagnostics.len(), 1);
    assert_eq!(g.diagnostics[0].line, 579);
}

#[test]
fn threading_update_guide() {
    let g = fixture("threading-update-production.md");
    assert_eq!(g.title, "Production Deployment Guide");
    assert_eq!(g.counts.tasks, 29);
    let perf = phase(&g, "3. Performance Validation ✅");
    assert_eq!(perf.gates.len(), 4);
    let rt = gate(&g, "Response times < 30 seconds for all requests");
    assert_eq!(
        (rt.op, rt.value, rt.unit.as_deref()),
        (Some(Op::Lt), Some(30.0), Some("s"))
    );
    assert_eq!(rt.source, GateSource::PerformanceCriteria);
    assert_eq!(
        gate(&g, "Success rate > 95% for concurrent requests").value,
        Some(95.0)
    );
    assert_eq!(phase(&g, "Technical Success").gates.len(), 4);
    assert_eq!(g.troubleshooting.len(), 3);
    assert_eq!(
        g.troubleshooting[0].symptom,
        "Build failures, deployment timeouts"
    );
    assert_eq!(g.troubleshooting[0].solutions.len(), 4);
    assert_eq!(phase(&g, "Rollback Plan").kind, PhaseKind::Rollback);
    assert_eq!(g.rollback.steps.len(), 2);
    // A real password in a curl example is flagged with its line.
    let secret = g
        .diagnostics
        .iter()
        .find(|d| d.message.contains("credential"))
        .expect("password flagged");
    assert_eq!(secret.line, 127);
    assert_eq!(g.secret_lines, [127, 152]);
}

#[test]
fn example_guide_has_every_kind_of_thing() {
    let text = include_str!("../../../../public/example-guide.md");
    let g = Guide::parse(text);
    assert_tasks_are_task_steps(&g);
    assert_eq!(g.estimate_s, Some([45 * MIN, 60 * MIN]));
    let options: Vec<&Phase> = g
        .all_phases()
        .into_iter()
        .filter(|p| p.alternative_group.is_some())
        .collect();
    assert_eq!(options.len(), 2);
    assert_eq!(options[0].alternative_group, options[1].alternative_group);
    let freeze = phase(&g, "Step 1: Freeze and back up (5 minutes)");
    assert_eq!(freeze.estimate_s, Some([5 * MIN, 5 * MIN]));
    assert_eq!(freeze.steps[0].substeps.len(), 2);
    assert_eq!(g.rollback.triggers.len(), 3);
    assert_eq!(g.rollback.estimate_s, Some([5 * MIN, 5 * MIN]));
    assert_eq!(g.troubleshooting.len(), 2);
    let verify = phase(&g, "Step 5: Verify (monitor for 30 minutes)");
    assert_eq!(verify.gates.len(), 4);
    assert_eq!(
        gate(&g, "Error rate < 0.5% (was 0.3%)").baseline.as_deref(),
        Some("0.3%")
    );
    assert!(g.diagnostics.is_empty(), "{:?}", g.diagnostics);
}

/// (file, tasks, steps, gates, triggers, troubleshooting entries, repair)
type Expect = (&'static str, usize, usize, usize, usize, usize, bool);

#[test]
fn runbook_fixtures() {
    let table: &[Expect] = &[
        // The two troubleshooting fixes are recovery steps too.
        ("k8s-node-upgrade.md", 0, 12, 3, 2, 2, false),
        // The fixes for a failing extension are recovery steps too.
        ("postgres-major-upgrade.md", 5, 20, 12, 2, 1, false),
        ("mojibake-release-checklist.md", 7, 10, 4, 2, 0, true),
        ("static-site-runbook.md", 3, 5, 0, 0, 0, false),
    ];
    for &(name, tasks, steps, gates, triggers, troubles, repaired) in table {
        let g = fixture(name);
        assert_eq!(
            (
                g.counts.tasks,
                g.counts.steps,
                g.counts.gates,
                g.counts.triggers,
                g.troubleshooting.len(),
                g.encoding_repair.is_some()
            ),
            (tasks, steps, gates, triggers, troubles, repaired),
            "{name}"
        );
    }

    let k8s = fixture("k8s-node-upgrade.md");
    let drain = phase(&k8s, "Step 1: Cordon and drain the node (5-10 minutes)");
    assert_eq!(drain.estimate_s, Some([5 * MIN, 10 * MIN]));
    assert_eq!(drain.steps[0].substeps.len(), 2);
    assert_eq!(
        drain.steps[0].substeps[1].code.as_deref(),
        Some("kubectl drain <NODE> --ignore-daemonsets --delete-emptydir-data --timeout=10m\n")
    );
    let back = phase(&k8s, "Step 3: Bring the node back");
    assert_eq!(back.steps[1].kind, StepKind::Wait);
    assert_eq!(back.steps[1].estimate_s, Some([10 * MIN, 10 * MIN]));
    assert_eq!(
        gate(&k8s, "API error rate < 1% on the cluster dashboard").value,
        Some(1.0)
    );
    assert_eq!(
        k8s.troubleshooting[1].symptom,
        "Node NotReady after restart"
    );

    let pg = fixture("postgres-major-upgrade.md");
    assert_eq!(pg.title, "PostgreSQL 15 → 16 Major Upgrade");
    assert_eq!(pg.downtime_s, Some([5 * MIN, 15 * MIN]));
    let options: Vec<&str> = pg
        .all_phases()
        .into_iter()
        .filter(|p| p.alternative_group.is_some())
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(options.len(), 2);
    assert!(phase(&pg, "Post-upgrade (Optional)").optional);
    let lag = gate(&pg, "Replication lag — Critical: > 30 s");
    assert_eq!(
        (lag.level, lag.value, lag.unit.as_deref()),
        (Some(Level::Critical), Some(30.0), Some("s"))
    );
    let p95 = gate(&pg, "Checkout p95 latency <= 200ms (was 180ms)");
    assert_eq!(
        (p95.op, p95.baseline.as_deref()),
        (Some(Op::Le), Some("180ms"))
    );
    assert_eq!(pg.rollback.estimate_s, Some([10 * MIN, 10 * MIN]));
    let replication = phase(&pg, "Option 2: Logical replication (Near-zero downtime)");
    assert!(replication
        .steps
        .iter()
        .any(|s| s.kind == StepKind::Wait && s.estimate_s == Some([HOUR, HOUR])));

    let mobile = fixture("mojibake-release-checklist.md");
    assert_eq!(mobile.title, "Mobile App Release 4.2 ✅");
    assert_eq!(
        mobile.tasks[1].text,
        "Release notes translated → FR, DE, ES"
    );
    assert_eq!(
        mobile.tasks[5].text,
        "No spike in “login failed\u{FFFD} reports"
    );
    assert_eq!(
        trigger(&mobile, "Crash rate > 1%").action,
        TriggerAction::Rollback
    );

    let cdn = fixture("static-site-runbook.md");
    let messages: Vec<(usize, &str)> = cdn
        .diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert!(messages
        .iter()
        .any(|(l, m)| *l == 6 && m.contains("shortcode")));
    assert!(messages
        .iter()
        .any(|(l, m)| *l == 14 && m.contains("raw HTML")));
    assert!(messages
        .iter()
        .any(|(l, m)| *l == 26 && m.contains("credential")));
    assert!(messages
        .iter()
        .any(|(l, m)| *l == 34 && m.contains("never closed")));
}

#[test]
fn shapes_from_the_wild() {
    // No headings and no task lists: numbered actions are the steps.
    let g = Guide::parse("1. Drain node\n2. Upgrade kubelet\n3. Uncordon node\n");
    assert_eq!(g.counts.steps, 3);
    assert_eq!(g.phases.len(), 1);
    assert_tasks_are_task_steps(&g);

    // Several H1s: each is a phase.
    let g = Guide::parse("# Prepare\n- [ ] a\n# Deploy\n- [ ] b\n");
    assert_eq!(g.phases.len(), 2);
    assert_eq!(g.phases[1].kind, PhaseKind::Deployment);

    // Front matter, HTML comments, shortcodes.
    let g = Guide::parse(
        "---\ntitle: x\n---\n# T\n\n<!-- - [ ] hidden -->\n\n{{< note >}}\n- [ ] real\n",
    );
    assert_eq!(g.counts.tasks, 1);
    assert!(g
        .diagnostics
        .iter()
        .any(|d| d.message.contains("shortcode") && d.line == 8));

    // "slow" is not "SLOs": a label about slowness lists no criteria.
    let g = Guide::parse("## Notes\n\n**Query performance slow**\n- Check indexes\n");
    assert_eq!(g.counts.gates, 0);

    // Bold metric lines: criteria and triggers whatever their heading.
    let g = Guide::parse(
        "## Dashboards\n\n- **Uptime**: > 99.95%\n- **p99 latency**: < 800ms\n- **Owner**: SRE\n\n         ## If things go wrong\n\n- **Error rate > 2%**: Immediate rollback\n- **Memory > 85%**: Scale out or rollback\n",
    );
    let gates = g.all_gates();
    assert_eq!(gates.len(), 2);
    assert_eq!(
        (
            gates[0].metric.as_deref(),
            gates[0].value,
            gates[0].unit.as_deref()
        ),
        (Some("Uptime"), Some(99.95), Some("%"))
    );
    let actions: Vec<_> = g
        .rollback
        .triggers
        .iter()
        .map(|t| (t.text.as_str(), t.action))
        .collect();
    assert_eq!(
        actions,
        [
            (
                "Error rate > 2%: Immediate rollback",
                TriggerAction::Rollback
            ),
            ("Memory > 85%: Scale out or rollback", TriggerAction::Pause)
        ]
    );

    // A guide with nothing to do says so.
    let g = Guide::parse("# Notes\n\nJust prose.\n");
    assert!(g
        .diagnostics
        .iter()
        .any(|d| d.message.starts_with("no steps found")));

    // "When to rollback" written as a sentence.
    let g = Guide::parse("## Rollback\n\nInitiate rollback immediately if:\n- Error rate > 5%\n- Data loss\n\nBack to v3.1 in 30 seconds.\n");
    assert_eq!(g.rollback.triggers.len(), 2);
    assert_eq!(g.rollback.estimate_s, Some([30, 30]));

    // Target / Warning / Critical as a table.
    let g = Guide::parse("## Metrics\n\n| Metric | Target | Warning | Critical |\n|---|---|---|---|\n| Error rate | < 1% | > 2% | > 5% |\n");
    let gates = g.all_gates();
    assert_eq!(gates.len(), 3);
    assert_eq!(gates[2].level, Some(Level::Critical));
    assert_eq!(gates[2].metric.as_deref(), Some("Error rate"));
}

#[test]
fn mojibake_is_repaired_and_reported() {
    let g = Guide::parse("# Deploy ðŸš€\n\n- [x] Tests pass âœ…\n- [ ] Switch traffic â†’ green\n");
    assert_eq!(g.title, "Deploy 🚀");
    assert_eq!(g.tasks[0].text, "Tests pass ✅");
    assert_eq!(
        g.encoding_repair,
        Some(crate::text::mojibake::Misdecoding::Windows1252)
    );
    assert!(g.diagnostics[0].message.starts_with("text repaired"));
    let json = g.to_json();
    assert!(json.contains("\"encoding_repair\": \"windows_1252\""));
}

#[test]
fn ids_survive_small_edits() {
    let a = Guide::parse(
        "# G\n## Deploy\n- [ ] Stop app\n\n1. Run migration\n\n```bash\n./deploy.sh\n```\n",
    );
    let b = Guide::parse("# G\n## Deploy\nNew intro line.\n\n- [ ] Check disk\n- [ ] Stop app\n\n1. Run migration\n\n```bash\n./deploy.sh\n```\n");
    let ids = |g: &Guide| -> Vec<String> {
        g.all_steps()
            .iter()
            .filter(|s| s.text != "Check disk")
            .map(|s| s.id.clone())
            .collect()
    };
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a.phases[0].id, "p-deploy");
}

#[test]
fn many_unplaced_tasks_before_many_headings_stay_fast() {
    // Tasks nested past the flattening depth are placed after the walk;
    // that once scanned every phase for every task.
    let mut text = String::new();
    for i in 0..3_000 {
        text.push_str(&"- ".repeat(40));
        text.push_str(&format!("[ ] t{i}\n"));
    }
    text.push('\n');
    for i in 0..3_000 {
        text.push_str(&format!("# h{i}\n"));
    }
    let g = Guide::parse(&text);
    assert_eq!(g.counts.tasks, 3_000);
    assert_tasks_are_task_steps(&g);
}

#[test]
fn ten_megabytes_parse() {
    let mut text = String::with_capacity(10 * 1024 * 1024);
    let guides = test_fixtures::guides();
    'fill: loop {
        for (_, g) in &guides {
            if text.len() + g.len() > 10 * 1024 * 1024 {
                break 'fill;
            }
            text.push_str(g);
            text.push_str("\n```\n\n");
        }
    }
    let g = Guide::parse(&text);
    assert!(g.counts.tasks > 10_000);
    assert_tasks_are_task_steps(&g);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn guideish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("# ".to_owned()),
            Just("## Rollback\n".to_owned()),
            Just("### Option 1: A\n".to_owned()),
            Just("### Option 2: B\n".to_owned()),
            Just("## Troubleshooting\n**Issue:** x\n- **Solution:** y\n".to_owned()),
            Just("**Success Criteria**:\n".to_owned()),
            Just("When to rollback:\n".to_owned()),
            Just("- [ ] ".to_owned()),
            Just("- [x] ".to_owned()),
            Just("1. ".to_owned()),
            Just("  ".to_owned()),
            Just("- Target: < 1%\n".to_owned()),
            Just("```bash\n# Step 1: go\nls\n".to_owned()),
            Just("```\n".to_owned()),
            Just("**Estimated Time:** 5-10 minutes\n".to_owned()),
            Just("Monitor for 30 minutes\n".to_owned()),
            Just("| a | Target |\n|---|---|\n| x | > 5 |\n".to_owned()),
            Just("\n".to_owned()),
            Just("> ".to_owned()),
            "[a-z0-9 <>=%.✅â€œ]{0,10}",
        ];
        prop::collection::vec(piece, 0..50).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(384))]

        #[test]
        fn any_guide_builds_with_the_invariants(text in guideish()) {
            let g = Guide::parse(&text);
            assert_tasks_are_task_steps(&g);
            assert_unique_ids(&g);
            prop_assert!(serde_json::from_str::<serde_json::Value>(&g.to_json()).is_ok());
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = Guide::parse(&text);
        }
    }
}
