//! Text-level diagnostics: what the document tree does not show (unclosed
//! fences, shortcodes, very long lines, replacement characters), read in
//! one pass over the lines; the secrets masked before parsing; and "no
//! steps".

use super::*;

impl Builder<'_> {
    /// Reads the text line by line once for what the document tree does
    /// not show: unclosed fences, shortcodes and very long lines; and says
    /// where the secrets masked before parsing (`secrets`) were.
    pub(super) fn diagnose_text(
        &mut self,
        text: &str,
        lines: &LineIndex,
        original: &str,
        phases: &[Phase],
        secrets: &[secrets::Finding],
    ) {
        let mut fence: Option<(char, usize, usize)> = None;
        for (i, line) in lines.lines(text).enumerate() {
            let n = i + 1;
            let t = line.trim_start();
            let marker = t.chars().next().filter(|c| *c == '`' || *c == '~');
            if let Some(c) = marker {
                let len = t.chars().take_while(|x| *x == c).count();
                if len >= 3 {
                    match fence {
                        None => fence = Some((c, len, n)),
                        Some((fc, flen, _))
                            if fc == c && len >= flen && t[len..].trim().is_empty() =>
                        {
                            fence = None
                        }
                        _ => {}
                    }
                }
            }
            if fence.is_none()
                && t.contains('{')
                && (t.contains("{{<") || t.contains("{{%") || t.contains("{% "))
            {
                self.diagnostics.push(Diagnostic {
                    line: n,
                    severity: Severity::Info,
                    message: "static-site shortcode shown as plain text".to_owned(),
                });
            }
            if line.len() > 10_000 {
                self.diagnostics.push(Diagnostic {
                    line: n,
                    severity: Severity::Info,
                    message: format!("very long line ({} characters)", line.len()),
                });
            }
        }
        if let Some((_, _, open)) = fence {
            self.diagnostics.push(Diagnostic {
                line: open,
                severity: Severity::Warning,
                message:
                    "code block opened here is never closed: everything after it is shown as code"
                        .to_owned(),
            });
        }
        for &secrets::Finding { line, kind } in secrets {
            let kind = if kind == "credential" {
                String::new()
            } else {
                format!(" ({kind})")
            };
            self.diagnostics.push(Diagnostic {
                line,
                severity: Severity::Warning,
                message: format!(
                    "this line seems to contain a credential{kind}; guides are shared, so use a placeholder such as $TOKEN"
                ),
            });
        }
        if !any_steps(phases) {
            self.diagnostics.push(Diagnostic {
                line: 1,
                severity: Severity::Error,
                message:
                    "no steps found: the guide has no task lists, numbered steps or shell commands"
                        .to_owned(),
            });
        }
        if text.contains('\u{FFFD}') && !original.contains('\u{FFFD}') {
            // Already reported with the repair.
        } else if original.contains('\u{FFFD}') {
            let line = original
                .lines()
                .position(|l| l.contains('\u{FFFD}'))
                .map_or(1, |i| i + 1);
            self.diagnostics.push(Diagnostic {
                line,
                severity: Severity::Info,
                message: "the text contains replacement characters (\u{FFFD}): some characters were lost before Preflight read it".to_owned(),
            });
        }
    }
}

fn any_steps(phases: &[Phase]) -> bool {
    phases
        .iter()
        .any(|p| !p.steps.is_empty() || any_steps(&p.sections))
}
