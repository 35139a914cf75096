//! A run's parameters as its log holds them ([`Action::SetParam`]): the
//! values to put into commands, and who set what when, for the review,
//! print and the audit pack.

use super::{Action, Plan, Run, RunState};
use std::collections::BTreeMap;

/// The longest parameter name and value a run takes.
pub const MAX_NAME: usize = 64;
pub const MAX_VALUE: usize = 2000;

/// How a secret's value is shown: never its text.
pub const MASK: &str = "••••••";

/// One value set, as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamEntry {
    pub at_ms: i64,
    pub by: String,
    /// The parameter's key.
    pub param: String,
    /// The value as shown: a secret's is [`MASK`] with where it is kept.
    pub shown: String,
    /// The text of the step it was noted at.
    pub step: Option<String>,
    /// Whether it replaced an earlier value.
    pub changed: bool,
}

/// Every value set in the run, in log order.
pub fn history(run: &Run, plan: &Plan) -> Vec<ParamEntry> {
    let mut seen = std::collections::BTreeSet::new();
    run.events
        .iter()
        .filter_map(|e| match &e.action {
            Action::SetParam { param, value, step } => Some(ParamEntry {
                at_ms: e.at_ms,
                by: e.by.clone(),
                param: param.clone(),
                shown: shown(value.as_deref()),
                step: step
                    .as_ref()
                    .map(|id| plan.step(id).map_or(id.clone(), |(_, s)| s.text.clone())),
                changed: !seen.insert(param.clone()),
            }),
            _ => None,
        })
        .collect()
}

/// A value as the record shows it.
pub fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) => v.to_owned(),
        None => format!("{MASK} (secret, kept on the device that set it)"),
    }
}

/// The values the log holds, by key, to put into commands; `local`
/// (secrets this device was given, by key) fills what the log keeps
/// out.
pub fn values(state: &RunState, local: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = state
        .params
        .iter()
        .filter_map(|(k, p)| p.value.clone().map(|v| (k.clone(), v)))
        .collect();
    for (k, v) in local {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    out
}

/// The characters of `value` a shell reads as more than text: a value
/// holding them changes what a pasted command does.
pub fn shell_specials(value: &str) -> Vec<char> {
    let mut out: Vec<char> = value
        .chars()
        .filter(|c| {
            matches!(
                c,
                ';' | '&'
                    | '|'
                    | '$'
                    | '`'
                    | '('
                    | ')'
                    | '<'
                    | '>'
                    | '\\'
                    | '"'
                    | '\''
                    | '*'
                    | '?'
                    | '!'
                    | '#'
                    | '~'
                    | '{'
                    | '}'
                    | '['
                    | ']'
            ) || c.is_whitespace()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
