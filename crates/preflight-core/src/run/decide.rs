//! The rollback decision tree: yes/no questions that end in **roll back
//! now**, **pause and investigate** or **continue**.
//!
//! A guide can write its own tree in a fenced block whose language is
//! `decision`:
//!
//! ```text
//! Is the error rate above 2% for 5 minutes?
//!   yes: Roll back
//!   no: Is p95 latency above 800 ms?
//!     yes: Pause: check the slow query log and the connection pool
//!     no: Continue
//! ```
//!
//! Each question is a line; its `yes:` and `no:` answers are indented below
//! it, and each answer is an outcome (`Roll back`, `Pause`, `Continue`,
//! optionally followed by `: advice`) or another question with its own
//! answers indented further. Without such a block, the tree is derived from
//! the guide: its rollback triggers, the run's failed gates, its pause
//! criteria and its troubleshooting symptoms, asked in that order.

use crate::doc::{Block, Diagnostic, Severity};
use crate::guide::{Guide, TriggerAction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    RollBack,
    Pause,
    Continue,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Decision::RollBack => "Roll back now",
            Decision::Pause => "Pause and investigate",
            Decision::Continue => "Continue",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Ask {
        question: String,
        /// Where the question comes from, for people to check.
        source: String,
        line: usize,
        yes: Box<Node>,
        no: Box<Node>,
    },
    End {
        decision: Decision,
        /// What to do: troubleshooting solutions, or the author's advice.
        advice: Vec<String>,
    },
}

/// One answer given while walking the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: String,
    pub yes: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    pub root: Node,
    /// Written by the guide's author (a `decision` block), not derived.
    pub explicit: bool,
    pub diagnostics: Vec<Diagnostic>,
}

impl Node {
    fn end(decision: Decision, advice: Vec<String>) -> Node {
        Node::End { decision, advice }
    }

    /// The node reached by following `answers` from here.
    pub fn follow(&self, answers: &[bool]) -> &Node {
        let mut node = self;
        for &yes in answers {
            node = match node {
                Node::Ask { yes: y, no: n, .. } => {
                    if yes {
                        y
                    } else {
                        n
                    }
                }
                Node::End { .. } => return node,
            };
        }
        node
    }

    /// Every outcome reachable from here.
    pub fn outcomes(&self) -> Vec<Decision> {
        match self {
            Node::End { decision, .. } => vec![*decision],
            Node::Ask { yes, no, .. } => {
                let mut out = yes.outcomes();
                out.extend(no.outcomes());
                out
            }
        }
    }

    /// The questions along the "no" branch from here: for a derived tree,
    /// every question in order.
    pub fn questions(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut node = self;
        while let Node::Ask { question, no, .. } = node {
            out.push(question.as_str());
            node = no;
        }
        out
    }
}

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

/// What is wrong with the guide's `decision` block, if it has one.
pub fn diagnostics(guide: &Guide) -> Vec<Diagnostic> {
    decision_block(guide).map_or_else(Vec::new, |(text, line)| parse_explicit(&text, line).1)
}

fn decision_block(guide: &Guide) -> Option<(String, usize)> {
    fn find(blocks: &[Block]) -> Option<(String, usize)> {
        blocks.iter().find_map(|b| match b {
            Block::Code { lang, text, line }
                if lang
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case("decision")) =>
            {
                Some((text.clone(), *line))
            }
            Block::Quote(inner) => find(inner),
            Block::List { items, .. } => items.iter().find_map(|i| find(&i.blocks)),
            _ => None,
        })
    }
    find(&guide.preamble).or_else(|| guide.all_phases().into_iter().find_map(|p| find(&p.blocks)))
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
        diagnostics: Vec::new(),
    }
}

/// Reads a `decision` block. `fence_line` is the line of its opening fence.
/// Returns the tree (if the block reads as one) and what was wrong in it.
pub fn parse_explicit(text: &str, fence_line: usize) -> (Option<Node>, Vec<Diagnostic>) {
    let lines: Vec<(usize, usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| {
            let indent = l.len() - l.trim_start().len();
            (fence_line + 1 + i, indent, l.trim())
        })
        .collect();
    let mut diags = Vec::new();
    let mut at = 0;
    let root = match lines.first() {
        Some(&(line, indent, text)) => {
            at = 1;
            node_from(text, line, indent, &lines, &mut at, &mut diags)
        }
        None => {
            diags.push(diag(fence_line, "the decision block is empty".into()));
            None
        }
    };
    if at < lines.len() {
        diags.push(diag(
            lines[at].0,
            format!("“{}” is not under a yes: or no: answer", lines[at].2),
        ));
    }
    (root.filter(|_| diags.is_empty()), diags)
}

fn diag(line: usize, message: String) -> Diagnostic {
    Diagnostic {
        line,
        severity: Severity::Warning,
        message: format!("decision tree: {message}"),
    }
}

/// An outcome (`Roll back`, `Pause: advice`, `Continue`) or a question
/// whose answers follow, indented deeper than `indent`.
fn node_from(
    text: &str,
    line: usize,
    indent: usize,
    lines: &[(usize, usize, &str)],
    at: &mut usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node> {
    if let Some(end) = outcome(text) {
        return Some(end);
    }
    let mut yes = None;
    let mut no = None;
    while let Some(&(l, ind, t)) = lines.get(*at) {
        if ind <= indent {
            break;
        }
        *at += 1;
        let lower = t.to_ascii_lowercase();
        let (slot, rest) = if let Some(rest) = lower.strip_prefix("yes:") {
            (&mut yes, &t[t.len() - rest.len()..])
        } else if let Some(rest) = lower.strip_prefix("no:") {
            (&mut no, &t[t.len() - rest.len()..])
        } else {
            diags.push(diag(l, format!("expected “yes:” or “no:”, found “{t}”")));
            continue;
        };
        if slot.is_some() {
            diags.push(diag(l, "this answer is given twice".into()));
        }
        *slot = node_from(rest.trim(), l, ind, lines, at, diags);
    }
    match (yes, no) {
        (Some(yes), Some(no)) => Some(Node::Ask {
            question: text.to_owned(),
            source: "the guide's decision tree".to_owned(),
            line,
            yes: Box::new(yes),
            no: Box::new(no),
        }),
        _ => {
            diags.push(diag(
                line,
                format!("“{text}” needs both a yes: and a no: answer"),
            ));
            None
        }
    }
}

fn outcome(text: &str) -> Option<Node> {
    let (head, advice) = match text.split_once(':') {
        Some((h, a)) => (h.trim(), a.trim()),
        None => (text.trim(), ""),
    };
    let decision = match head.to_ascii_lowercase().trim_end_matches(['.', '!']) {
        "roll back" | "rollback" | "roll back now" | "rollback now" => Decision::RollBack,
        "pause" | "pause and investigate" => Decision::Pause,
        "continue" | "go on" | "proceed" => Decision::Continue,
        _ => return None,
    };
    let advice = if advice.is_empty() {
        Vec::new()
    } else {
        vec![advice.to_owned()]
    };
    Some(Node::end(decision, advice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures;

    const EXPLICIT: &str = "Is the error rate above 2% for 5 minutes?\n  yes: Roll back\n  no: Is p95 latency above 800 ms?\n    yes: Pause: check the slow query log\n    no: Continue\n";

    #[test]
    fn an_explicit_tree_reads_and_walks() {
        let (root, diags) = parse_explicit(EXPLICIT, 10);
        assert!(diags.is_empty(), "{diags:?}");
        let root = root.unwrap();
        assert!(matches!(root, Node::Ask { line: 11, .. }));
        assert!(matches!(
            root.follow(&[true]),
            Node::End {
                decision: Decision::RollBack,
                ..
            }
        ));
        match root.follow(&[false, true]) {
            Node::End { decision, advice } => {
                assert_eq!(*decision, Decision::Pause);
                assert_eq!(advice, &["check the slow query log"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            root.outcomes(),
            [Decision::RollBack, Decision::Pause, Decision::Continue]
        );
    }

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
