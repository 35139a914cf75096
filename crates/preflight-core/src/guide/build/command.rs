//! Command steps: a code block read as a command, split into sub-steps at
//! `# Step N:` comments and waits.

use super::*;

impl Builder<'_> {
    pub(super) fn command(&mut self, lang: Option<String>, code: &str, line: usize) -> Step {
        // Code is case-sensitive and long: its id hashes it as written.
        let id = self.occurrence_id('c', fnv1a(code.trim()));
        let mut substeps: Vec<Step> = Vec::new();
        let mut first_comment: Option<String> = None;
        let mut first_command: Option<String> = None;
        for (offset, l) in code.lines().enumerate() {
            let here = line + 1 + offset;
            if let Some(comment) = comment_text(l) {
                // Blank comments, and directives to Preflight itself
                // (`# preflight: no-confirm`), say nothing of the step.
                if comment.is_empty()
                    || comment
                        .get(..10)
                        .is_some_and(|p| p.eq_ignore_ascii_case("preflight:"))
                {
                    continue;
                }
                if first_comment.is_none() {
                    first_comment = Some(comment.to_owned());
                }
                if let Some(title) = step_marker(comment) {
                    substeps.push(Step {
                        id: format!("{id}.{}", substeps.len() + 1),
                        text: title,
                        kind: StepKind::Command,
                        checked: false,
                        code: Some(String::new()),
                        lang: lang.clone(),
                        estimate_s: None,
                        line: here,
                        substeps: Vec::new(),
                        task: None,
                    });
                    continue;
                }
                if let Some(range) = duration::wait(comment) {
                    substeps.push(Step {
                        id: format!("{id}.{}", substeps.len() + 1),
                        text: comment.to_owned(),
                        kind: StepKind::Wait,
                        checked: false,
                        code: None,
                        lang: None,
                        estimate_s: Some(range),
                        line: here,
                        substeps: Vec::new(),
                        task: None,
                    });
                    continue;
                }
            } else if !l.trim().is_empty() && first_command.is_none() {
                first_command = Some(l.trim().to_owned());
            }
            // Code lines (and plain comments) belong to the open sub-step.
            if let Some(open) = substeps.last_mut().filter(|s| s.kind == StepKind::Command) {
                if let Some(c) = open.code.as_mut() {
                    c.push_str(l);
                    c.push('\n');
                }
            }
        }
        for s in &mut substeps {
            if let Some(c) = &s.code {
                let trimmed = c.trim_matches('\n');
                s.code = Some(if trimmed.is_empty() {
                    String::new()
                } else {
                    format!("{trimmed}\n")
                });
            }
        }
        let text = substeps
            .iter()
            .find(|s| s.kind == StepKind::Command)
            .map(|s| s.text.clone())
            .or(first_comment)
            .or(first_command)
            .unwrap_or_else(|| "Run the commands".to_owned());
        Step {
            id,
            text: truncate(&text, 120),
            kind: StepKind::Command,
            checked: false,
            code: Some(code.to_owned()),
            lang,
            estimate_s: None,
            line,
            substeps,
            task: None,
        }
    }
}

/// `# Step 2: Snapshot the database` or `# 2. Apply migration` → title.
fn step_marker(comment: &str) -> Option<String> {
    let c = comment.trim();
    let lower = c.to_ascii_lowercase();
    let after_step = lower.strip_prefix("step").map(str::trim_start);
    let rest = after_step.unwrap_or(&lower);
    let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let after = &rest[digits..];
    let sep_ok = if after_step.is_some() {
        after.is_empty() || after.starts_with([':', '.', ')', ' ', '-'])
    } else {
        after.starts_with(". ") || after.starts_with(") ")
    };
    sep_ok.then(|| c.to_owned())
}

fn comment_text(line: &str) -> Option<&str> {
    let t = line.trim_start();
    t.strip_prefix('#')
        .filter(|r| !r.starts_with('!'))
        .or_else(|| t.strip_prefix("--"))
        .or_else(|| t.strip_prefix("REM "))
        .map(str::trim)
}
