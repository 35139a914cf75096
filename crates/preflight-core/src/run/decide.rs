//! The rollback decision tree of a run: the guide's own (a `decision`
//! block, read in [`crate::guide::decide`]) when it has one that reads,
//! else one derived from the guide: its rollback triggers, the run's
//! failed gates, its pause criteria and its troubleshooting symptoms,
//! asked in that order.

use crate::doc::{Diagnostic, Severity};
use crate::guide::decide::decision_block;
pub use crate::guide::decide::{diagnostics, parse_explicit, Answer, Decision, Node, Tree};
use crate::guide::{Guide, TriggerAction};

/// A failed gate, as the tree asks about it.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedGate {
    pub text: String,
    /// Critical (roll back) rather than failed or warning (pause).
    pub critical: bool,
}

/// The guide's tree: its `decision` block if it has one that reads, else
/// the tree derived from its text and the run's failed gates.
pub fn tree(guide: &Guide, failed: &[FailedGate]) -> Tree {
    if let Some((text, line)) = decision_block(guide) {
        let (root, diagnostics) = parse_explicit(&text, line);
        if let Some(root) = root {
            return Tree {
                root,
                explicit: true,
                diagnostics,
            };
        }
        let mut derived = derive(guide, failed);
        derived.diagnostics = diagnostics;
        return derived;
    }
    derive(guide, failed)
}

/// A chain of questions, each "yes" ending the walk: rollback triggers,
/// failed gates, pause criteria, then troubleshooting symptoms.
fn derive(guide: &Guide, failed: &[FailedGate]) -> Tree {
    let mut asks: Vec<(String, String, usize, Node)> = Vec::new();
    let rollback_advice: Vec<String> = guide
        .rollback
        .estimate_s
        .map(|e| {
            vec![format!(
                "The guide's rollback takes about {}.",
                crate::text::duration::format_range(e)
            )]
        })
        .unwrap_or_default();
    for t in &guide.rollback.triggers {
        let (source, decision) = match t.action {
            TriggerAction::Rollback => ("rollback trigger", Decision::RollBack),
            TriggerAction::Pause => continue,
        };
        asks.push((
            format!(
                "Is this happening: {}?",
                t.text.trim_end_matches(['.', ':'])
            ),
            source.to_owned(),
            t.line,
            Node::end(decision, rollback_advice.clone()),
        ));
    }
    for t in guide
        .troubleshooting
        .iter()
        .filter(|t| t.immediate_rollback)
    {
        asks.push((
            format!(
                "Are you seeing: {}?",
                t.symptom.trim_end_matches(['.', ':'])
            ),
            "troubleshooting: immediate rollback".to_owned(),
            t.line,
            Node::end(Decision::RollBack, t.solutions.clone()),
        ));
    }
    for g in failed {
        let decision = if g.critical {
            Decision::RollBack
        } else {
            Decision::Pause
        };
        asks.push((
            format!(
                "The check “{}” failed. Is it still failing after a re-measure?",
                g.text
            ),
            "failed gate".to_owned(),
            0,
            Node::end(decision, Vec::new()),
        ));
    }
    for t in guide
        .rollback
        .triggers
        .iter()
        .filter(|t| t.action == TriggerAction::Pause)
    {
        asks.push((
            format!(
                "Is this happening: {}?",
                t.text.trim_end_matches(['.', ':'])
            ),
            "pause criterion".to_owned(),
            t.line,
            Node::end(Decision::Pause, Vec::new()),
        ));
    }
    for t in guide
        .troubleshooting
        .iter()
        .filter(|t| !t.immediate_rollback)
    {
        asks.push((
            format!(
                "Are you seeing: {}?",
                t.symptom.trim_end_matches(['.', ':'])
            ),
            "troubleshooting".to_owned(),
            t.line,
            Node::end(Decision::Pause, t.solutions.clone()),
        ));
    }
    // Each question is a level of the tree: a guide with thousands of
    // triggers and symptoms asks the first ones, and says so.
    let mut diagnostics = Vec::new();
    if asks.len() > MAX_DERIVED {
        diagnostics.push(Diagnostic {
            line: asks[MAX_DERIVED].2,
            severity: Severity::Warning,
            message: format!(
                "decision tree: the guide gives {} triggers, failed checks and symptoms; the first {MAX_DERIVED} are asked",
                asks.len()
            ),
        });
        asks.truncate(MAX_DERIVED);
    }
    let mut root = Node::end(Decision::Continue, Vec::new());
    for (question, source, line, yes) in asks.into_iter().rev() {
        root = Node::Ask {
            question,
            source,
            line,
            yes: Box::new(yes),
            no: Box::new(root),
        };
    }
    Tree {
        root,
        explicit: false,
        diagnostics,
    }
}

/// The most questions a derived tree asks (each one a level of it).
pub const MAX_DERIVED: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::decide::tests::EXPLICIT;
    use crate::test_fixtures;

    #[test]
    fn a_broken_explicit_tree_says_where_and_the_derived_one_is_used() {
        let (root, diags) = parse_explicit("Is it down?\n  yes: Roll back\n  maybe: Pause\n", 4);
        assert!(root.is_none());
        let lines: Vec<usize> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [7, 5], "{diags:?}");
        assert!(diags[1]
            .message
            .contains("needs both a yes: and a no: answer"));
        let guide = Guide::parse(
            "# G\n\n## Deploy\n\n- [ ] go\n\n```decision\nIs it down?\n  yes: Roll back\n```\n\n## Rollback\n\n### When to Rollback\n\n- Error rate > 5%\n",
        );
        let t = tree(&guide, &[]);
        assert!(!t.explicit);
        assert_eq!(t.diagnostics.len(), 1);
        // The guide's own notes carry it too, for `preflight check`.
        assert!(guide
            .diagnostics
            .iter()
            .any(|d| d.line == 8 && d.message.starts_with("decision tree:")));
        assert_eq!(t.root.questions(), ["Is this happening: Error rate > 5%?"]);
    }

    #[test]
    fn a_guide_with_a_decision_block_uses_it() {
        let text = format!(
            "# G\n\n## Deploy\n\n- [ ] go\n\n## If things go wrong\n\n```decision\n{EXPLICIT}```\n"
        );
        let t = tree(&Guide::parse(&text), &[]);
        assert!(t.explicit);
        assert!(t.diagnostics.is_empty());
        assert_eq!(
            t.root.questions()[0],
            "Is the error rate above 2% for 5 minutes?"
        );
    }

    #[test]
    fn a_guide_with_thousands_of_symptoms_asks_the_first_ones_and_says_so() {
        let mut text = String::from("# Deploy\n\n## Troubleshooting\n\n");
        for n in 0..5_000 {
            text.push_str(&format!(
                "**Issue:** symptom {n} appears\n- **Solution:** restart service {n}\n\n"
            ));
        }
        let t = tree(&Guide::parse(&text), &[]);
        assert_eq!(t.root.questions().len(), MAX_DERIVED);
        assert_eq!(t.diagnostics.len(), 1);
        assert!(t.diagnostics[0].message.contains("the first 200 are asked"));
        // Dropped, cloned and compared without exhausting the stack.
        assert_eq!(t.clone(), t);
    }

    #[test]
    fn derived_trees_of_the_real_guides() {
        let guides = test_fixtures::guides();
        let tree_of = |name: &str| {
            let text = &guides.iter().find(|(n, _)| n.starts_with(name)).unwrap().1;
            tree(&Guide::parse(text), &[])
        };
        // Canary: four pause criteria, one rollback trigger from
        // troubleshooting, three symptoms.
        let canary = tree_of("phase3");
        let q = canary.root.questions();
        assert_eq!(q[0], "Is this happening: cross_contamination_count > 0?");
        assert!(q.contains(&"Is this happening: Error rate > 2%?"));
        assert_eq!(q.len(), 5 + 3);
        assert!(matches!(
            canary.root.follow(&[true]),
            Node::End {
                decision: Decision::RollBack,
                ..
            }
        ));
        let outcomes = canary.root.outcomes();
        assert!(outcomes.contains(&Decision::Pause));
        assert_eq!(outcomes.last(), Some(&Decision::Continue));
        // SQLite: six rollback triggers first, then its symptoms.
        let sqlite = tree_of("sqlite");
        assert_eq!(
            sqlite
                .root
                .outcomes()
                .iter()
                .filter(|d| **d == Decision::RollBack)
                .count(),
            6
        );
        // Threading: no triggers, only symptoms with their solutions.
        let threading = tree_of("threading");
        let q = threading.root.questions();
        assert_eq!(q.len(), 3);
        match threading.root.follow(&[true]) {
            Node::End { decision, advice } => {
                assert_eq!(*decision, Decision::Pause);
                assert!(!advice.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_k8s_runbook_carries_its_own_tree() {
        let text = include_str!("../../../../tests/fixtures/runbooks/k8s-node-upgrade.md");
        let t = tree(&Guide::parse(text), &[]);
        assert!(t.explicit, "{:?}", t.diagnostics);
        assert_eq!(
            t.root.questions(),
            [
                "Is the node NotReady for more than 10 minutes?",
                "Does kubelet restart more than 3 times in 5 minutes?",
                "Are pods failing to schedule on the node?"
            ]
        );
        assert_eq!(
            t.root.outcomes(),
            [
                Decision::RollBack,
                Decision::RollBack,
                Decision::Pause,
                Decision::Continue
            ]
        );
        match t.root.follow(&[false, false, true]) {
            Node::End { advice, .. } => assert_eq!(
                advice,
                &["check taints with kubectl describe node and the kubelet log"]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failed_gates_join_the_derived_tree() {
        let guide = Guide::parse("# G\n\n## Deploy\n\n- [ ] go\n");
        let failed = [
            FailedGate {
                text: "Error Rate".into(),
                critical: true,
            },
            FailedGate {
                text: "P95 latency < 3 seconds".into(),
                critical: false,
            },
        ];
        let t = tree(&guide, &failed);
        assert_eq!(
            t.root.outcomes(),
            [Decision::RollBack, Decision::Pause, Decision::Continue]
        );
    }
}
