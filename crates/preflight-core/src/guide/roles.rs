//! Roles a guide names. A phase's role comes from an `Owner:` / `Role:` /
//! `Assignee:` / `Responsible:` line in it (bold or not), or a role named
//! in its heading (`## Migrate the database (DBA)`, `## [SRE] Switch
//! traffic`); sections inherit their parent's. A step's role comes from
//! its own text the same way (`(Owner: Ana)`, `DBA: run the migration`),
//! else its phase's.

use crate::doc::{Block, Inline};

/// Role names recognised in headings and step prefixes (lower case).
const ROLES: &[&str] = &[
    "sre",
    "dba",
    "devops",
    "ops",
    "qa",
    "on-call",
    "oncall",
    "release manager",
    "developer",
    "dev",
    "security",
    "support",
    "network",
    "platform",
    "backend",
    "frontend",
    "product owner",
    "incident commander",
    "ic",
    "manager",
    "db team",
    "infra",
];

const LABELS: &[&str] = &["owner", "role", "assignee", "responsible"];

fn known_role(s: &str) -> Option<String> {
    let t = s.trim();
    ROLES
        .iter()
        .any(|r| t.eq_ignore_ascii_case(r))
        .then(|| t.to_owned())
}

/// `Owner: X` (or another label) anywhere in `text`, X up to `)`, `]`,
/// `;`, `,` or the end.
fn labelled(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for label in LABELS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(label).map(|i| i + from) {
            let before_ok = i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphanumeric();
            let rest = &text[i + label.len()..];
            let rest = rest.trim_start_matches(['*', '_']);
            if before_ok {
                if let Some(value) = rest.strip_prefix(':') {
                    let value = value.trim_start_matches(['*', '_', ' ']);
                    let end = value
                        .find([')', ']', ';', ',', '\n'])
                        .unwrap_or(value.len());
                    let v = value[..end].trim().trim_end_matches(['*', '_', '.']).trim();
                    if !v.is_empty() && v.chars().count() <= 60 {
                        return Some(v.to_owned());
                    }
                }
            }
            from = i + label.len();
        }
    }
    None
}

/// A role named in a heading or a step's text.
pub fn role_in_text(text: &str) -> Option<String> {
    if let Some(v) = labelled(text) {
        return Some(v);
    }
    let t = text.trim();
    // Trailing "(DBA)" or leading "[SRE]".
    if let Some(inner) = t
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once('('))
        .map(|(_, r)| r)
    {
        if let Some(r) = known_role(inner) {
            return Some(r);
        }
    }
    if let Some(inner) = t
        .strip_prefix('[')
        .and_then(|s| s.split_once(']'))
        .map(|(r, _)| r)
    {
        if let Some(r) = known_role(inner) {
            return Some(r);
        }
    }
    // "DBA: run the migration".
    t.split_once(':').and_then(|(head, _)| known_role(head))
}

/// A phase's own role: its heading, else an `Owner:` line in its content.
pub fn phase_role(title: &str, blocks: &[Block]) -> Option<String> {
    role_in_text(title).or_else(|| {
        blocks.iter().find_map(|b| match b {
            Block::Paragraph { content, .. } => {
                let text = Inline::plain_text(content);
                let first = text.lines().find(|l| {
                    let l = l.trim_start().to_ascii_lowercase();
                    LABELS.iter().any(|label| l.starts_with(label))
                })?;
                labelled(first)
            }
            _ => None,
        })
    })
}
