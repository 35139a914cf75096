//! A run's parameters as its log holds them ([`Action::SetParam`]): the
//! values to put into commands, and who set what when, for the review,
//! print and the audit pack.

use super::{Action, Plan, Run, RunState};
use std::collections::BTreeMap;

/// The longest parameter name and value a run takes.
pub const MAX_NAME: usize = 64;
pub const MAX_VALUE: usize = 2000;

/// Whether `value` is one a run takes: at most [`MAX_VALUE`] bytes, no
/// space around it, and nothing that is not seen as it is — no control
/// characters (a line break pasted into a shell runs what follows it),
/// no characters that reorder or hide text (bidirectional controls,
/// zero-width characters, soft hyphens, line and paragraph separators),
/// so the command copied is the command shown.
pub fn check_value(value: &str) -> Result<(), &'static str> {
    if value.len() > MAX_VALUE {
        return Err("a parameter's value is at most 2000 bytes");
    }
    if value.trim() != value {
        return Err("a parameter's value has no space before or after it");
    }
    if value.chars().any(|c| c.is_control() || hidden(c)) {
        return Err("a parameter's value is one line of visible text, without control or invisible characters");
    }
    Ok(())
}

/// Characters that change how text around them is shown, or are not
/// shown at all (Unicode's format characters and separators).
fn hidden(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            // Blank letters and joiners shown as nothing: the combining
            // grapheme joiner, Hangul and Khmer fillers, the blank Braille
            // cell, variation selectors, tag characters.
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// How a secret's value is shown: never its text.
pub const MASK: &str = "••••••";

/// One value set, as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamEntry {
    pub at_ms: i64,
    pub by: String,
    /// The parameter's key.
    pub param: String,
    /// The value, or `None` for a secret's (kept on the device that set
    /// it, never in the log).
    pub value: Option<String>,
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
                value: value.clone(),
                step: step
                    .as_ref()
                    .map(|id| plan.step(id).map_or(id.clone(), |(_, s)| s.text.clone())),
                changed: !seen.insert(param.clone()),
            }),
            _ => None,
        })
        .collect()
}

/// What a secret's entry says in place of its value.
pub const KEPT_AWAY: &str = "secret, kept on the device that set it";

/// A value as the record shows it.
pub fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) => v.to_owned(),
        None => format!("{MASK} ({KEPT_AWAY})"),
    }
}

/// The values the log holds, by key, to put into commands; `local`
/// (secrets this device was given, by key) fills what the log keeps
/// out.
pub fn values(state: &RunState, local: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    // Inserted one by one: collecting would sort, which the page's first
    // module would carry for this alone.
    let mut out = BTreeMap::new();
    for (k, p) in &state.params {
        if let Some(v) = &p.value {
            out.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in local {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    out
}

/// The characters of `value` a shell reads as more than text: a value
/// holding them changes what a pasted command does.
pub fn shell_specials(value: &str) -> Vec<char> {
    // In this order, each once; whitespace as a space. Read off a list
    // rather than sorted, which the page's first module would carry.
    const READ: &str = ";&|$`()<>\\\"'*?!#~{}[]";
    let mut out: Vec<char> = READ.chars().filter(|c| value.contains(*c)).collect();
    if value.chars().any(char::is_whitespace) {
        out.push(' ');
    }
    out
}
