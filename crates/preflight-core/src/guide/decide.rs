//! The rollback decision tree a guide writes itself: yes/no questions that
//! end in **roll back now**, **pause and investigate** or **continue**.
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
//! answers indented further. A block that does not read is reported with
//! the guide's diagnostics. Without such a block, a run derives the tree
//! from the guide and its failed checks.

use super::Guide;
use crate::doc::{Block, Diagnostic, Severity};
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
    pub(crate) fn end(decision: Decision, advice: Vec<String>) -> Node {
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

/// What is wrong with the guide's `decision` block, if it has one.
pub fn diagnostics(guide: &Guide) -> Vec<Diagnostic> {
    decision_block(guide).map_or_else(Vec::new, |(text, line)| parse_explicit(&text, line).1)
}

/// The text of the guide's first `decision` block and the line of its
/// opening fence.
pub(crate) fn decision_block(guide: &Guide) -> Option<(String, usize)> {
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

/// How deeply questions may nest in a `decision` block.
const MAX_DEPTH: usize = 32;

/// Reads a `decision` block. `fence_line` is the line of its opening fence.
/// Returns the tree (if the block reads as one) and what was wrong in it.
/// Questions nested deeper than `MAX_DEPTH` (32) are reported, not read.
pub fn parse_explicit(text: &str, fence_line: usize) -> (Option<Node>, Vec<Diagnostic>) {
    // Each line's indent is read once: a hostile block can indent by
    // thousands of spaces.
    let lines: Vec<(usize, usize, &str)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let body = l.trim_start();
            let t = body.trim_end();
            (!t.is_empty() && !t.starts_with('#'))
                .then(|| (fence_line + 1 + i, l.len() - body.len(), t))
        })
        .collect();
    let mut reader = Reader {
        lines: &lines,
        at: 0,
        diags: Vec::new(),
        cuts: 0,
    };
    let root = match lines.first() {
        Some(&(line, indent, text)) => {
            reader.at = 1;
            reader.node(text, line, indent, 1)
        }
        None => {
            reader
                .diags
                .push(diag(fence_line, "the decision block is empty".into()));
            None
        }
    };
    let Reader { at, mut diags, .. } = reader;
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

/// The lines of a `decision` block (line, indent, text) as they are read.
struct Reader<'a> {
    lines: &'a [(usize, usize, &'a str)],
    /// The next line to read.
    at: usize,
    diags: Vec<Diagnostic>,
    /// Questions left unread for being nested too deeply.
    cuts: usize,
}

impl Reader<'_> {
    /// An outcome (`Roll back`, `Pause: advice`, `Continue`) or a question
    /// whose answers follow, indented deeper than `indent`. `depth` counts
    /// the questions down to this one, this one included.
    fn node(&mut self, text: &str, line: usize, indent: usize, depth: usize) -> Option<Node> {
        if let Some(end) = outcome(text) {
            return Some(end);
        }
        if depth > MAX_DEPTH {
            self.diags.push(diag(
                line,
                format!(
                    "nested deeper than {MAX_DEPTH} levels; \
                     this question and the ones under it are not read"
                ),
            ));
            self.cuts += 1;
            while self
                .lines
                .get(self.at)
                .is_some_and(|&(_, ind, _)| ind > indent)
            {
                self.at += 1;
            }
            return None;
        }
        let cuts = self.cuts;
        let mut yes = None;
        let mut no = None;
        while let Some(&(l, ind, t)) = self.lines.get(self.at) {
            if ind <= indent {
                break;
            }
            self.at += 1;
            let lower = t.to_ascii_lowercase();
            let (slot, rest) = if let Some(rest) = lower.strip_prefix("yes:") {
                (&mut yes, &t[t.len() - rest.len()..])
            } else if let Some(rest) = lower.strip_prefix("no:") {
                (&mut no, &t[t.len() - rest.len()..])
            } else {
                self.diags
                    .push(diag(l, format!("expected “yes:” or “no:”, found “{t}”")));
                continue;
            };
            if slot.is_some() {
                self.diags
                    .push(diag(l, "this answer is given twice".into()));
            }
            *slot = self.node(rest.trim(), l, ind, depth + 1);
        }
        match (yes, no) {
            (Some(yes), Some(no)) => Some(Node::Ask {
                question: text.to_owned(),
                source: "the guide's decision tree".to_owned(),
                line,
                yes: Box::new(yes),
                no: Box::new(no),
            }),
            // Questions under this one were left unread: that is reported.
            _ if self.cuts > cuts => None,
            _ => {
                self.diags.push(diag(
                    line,
                    format!("“{text}” needs both a yes: and a no: answer"),
                ));
                None
            }
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
pub(crate) mod tests {
    use super::*;

    pub(crate) const EXPLICIT: &str = "Is the error rate above 2% for 5 minutes?\n  yes: Roll back\n  no: Is p95 latency above 800 ms?\n    yes: Pause: check the slow query log\n    no: Continue\n";

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

    /// `levels` questions, each the yes: answer of the one before it, each
    /// with no: Continue; the last one's yes: is Roll back.
    fn nested(levels: usize) -> String {
        let mut text = String::new();
        for level in 0..levels {
            let pad = "  ".repeat(level);
            let lead = if level == 0 { "" } else { "yes: " };
            text.push_str(&format!("{pad}{lead}Is level {level} failing?\n"));
            text.push_str(&format!("{pad}  no: Continue\n"));
        }
        text.push_str(&format!("{}yes: Roll back\n", "  ".repeat(levels)));
        text
    }

    #[test]
    fn a_tree_nested_to_the_limit_reads() {
        let (root, diags) = parse_explicit(&nested(MAX_DEPTH), 1);
        assert!(diags.is_empty(), "{diags:?}");
        let root = root.unwrap();
        assert!(matches!(
            root.follow(&[true; MAX_DEPTH]),
            Node::End {
                decision: Decision::RollBack,
                ..
            }
        ));
        assert_eq!(root.outcomes().len(), MAX_DEPTH + 1);
    }

    #[test]
    fn a_tree_nested_one_level_past_the_limit_is_reported_once() {
        let (root, diags) = parse_explicit(&nested(MAX_DEPTH + 1), 1);
        assert!(root.is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        // The question at level 33: two lines per level, after the fence.
        assert_eq!(diags[0].line, 2 + 2 * MAX_DEPTH);
        assert!(diags[0]
            .message
            .starts_with("decision tree: nested deeper than 32 levels; "));
    }

    /// `levels` lines, each one space deeper than the one before.
    fn staircase(levels: usize) -> String {
        let mut text = String::from("Is it down?\n");
        for level in 1..levels {
            text.push_str(&" ".repeat(level));
            text.push_str("yes: Is it down?\n");
        }
        text
    }

    #[test]
    fn ten_thousand_levels_of_nesting_are_cut_not_followed() {
        let (root, diags) = parse_explicit(&staircase(10_000), 0);
        assert!(root.is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].line, 1 + MAX_DEPTH);
        assert!(diags[0].message.contains("nested deeper than 32 levels"));
        // The same in a guide is one of its diagnostics.
        let text = staircase(1_000);
        let guide = Guide::parse(&format!("# G\n\n- [ ] go\n\n```decision\n{text}```\n"));
        assert!(guide
            .diagnostics
            .iter()
            .any(|d| d.line == 6 + MAX_DEPTH && d.message.contains("nested deeper")));
    }
}
