//! Gates and triggers: criteria and rollback or pause conditions read from
//! list items, `Target:` / `Warning:` / `Critical:` levels and tables of
//! thresholds.

use super::items::clean;
use super::*;

impl Builder<'_> {
    pub(super) fn gate(
        &mut self,
        text: &str,
        line: usize,
        source: GateSource,
        step: Option<String>,
        metric: Option<&str>,
        ctx: &mut Ctx,
    ) {
        let (level, body) = strip_level(text);
        // `Target: 0 cross-contamination`: a level with a bare number means
        // exactly that number.
        let parsed = threshold::parse(body).or_else(|| {
            level?;
            let end = body
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(body.len());
            let value: f64 = body[..end].parse().ok()?;
            Some(threshold::Threshold {
                metric: None,
                op: threshold::Op::Eq,
                value: Some(value),
                unit: None,
                reference: None,
                baseline: None,
            })
        });
        let full_text = match metric {
            Some(m) => format!("{m} — {text}"),
            None => text.to_owned(),
        };
        let id = self.hashed_id('g', &full_text);
        let (metric_parsed, op, value, unit, reference, baseline) = match parsed {
            Some(t) => (
                t.metric,
                Some(t.op),
                t.value,
                t.unit,
                t.reference,
                t.baseline,
            ),
            None => (None, None, None, None, None, None),
        };
        ctx.gates.push(Gate {
            id,
            text: full_text,
            metric: metric_parsed
                .or_else(|| metric.map(|m| clean(m).trim_end_matches(':').to_owned())),
            op,
            value,
            unit,
            level,
            reference,
            baseline,
            source,
            step,
            after_s: ctx.lead_s,
            line,
        });
    }

    pub(super) fn trigger(
        &mut self,
        text: &str,
        line: usize,
        action: TriggerAction,
        step: Option<String>,
    ) {
        let parsed = threshold::parse(text);
        let id = self.hashed_id('r', text);
        self.triggers.push(Trigger {
            id,
            text: text.to_owned(),
            action,
            metric: parsed.as_ref().and_then(|t| t.metric.clone()),
            op: parsed.as_ref().map(|t| t.op),
            value: parsed.as_ref().and_then(|t| t.value),
            unit: parsed.and_then(|t| t.unit),
            step,
            line,
        });
    }

    pub(super) fn table(&mut self, head: &[Vec<Inline>], rows: &[Vec<Vec<Inline>>], ctx: &mut Ctx) {
        let head: Vec<String> = head
            .iter()
            .map(|c| Inline::plain_text(c).trim().to_lowercase())
            .collect();
        let levels: Vec<(usize, Level)> = head
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let level = match h.as_str() {
                    h if h.starts_with("target") || h == "goal" || h == "ok" => Level::Target,
                    h if h.starts_with("warn") => Level::Warning,
                    h if h.starts_with("crit") || h == "rollback" => Level::Critical,
                    _ => return None,
                };
                Some((i, level))
            })
            .collect();
        if levels.is_empty() || head.len() < 2 {
            return;
        }
        for row in rows {
            let Some(metric) = row.first().map(|c| clean(&Inline::plain_text(c))) else {
                continue;
            };
            for &(col, level) in &levels {
                let Some(cell) = row
                    .get(col)
                    .map(|c| Inline::plain_text(c).trim().to_owned())
                else {
                    continue;
                };
                if not_applicable(&cell) {
                    continue;
                }
                let word = match level {
                    Level::Target => "Target",
                    Level::Warning => "Warning",
                    Level::Critical => "Critical",
                };
                let text = format!("{word}: {cell}");
                self.gate(&text, 0, GateSource::Metrics, None, Some(&metric), ctx);
            }
        }
    }
}

/// `- Target: < 1%`, `- Warning: > 2%` children of a metric item.
pub(super) fn level_children(blocks: &[Block]) -> Option<Vec<(String, usize)>> {
    let Some(Block::List { items, .. }) = blocks.first() else {
        return None;
    };
    let children: Vec<(String, usize)> = items
        .iter()
        .filter(|i| i.task.is_none())
        .map(|i| {
            let text = match i.blocks.first() {
                Some(Block::Paragraph { content, .. }) => Inline::plain_text(content),
                _ => String::new(),
            };
            (text.trim().to_owned(), i.line)
        })
        .collect();
    let any_level = children.iter().any(|(t, _)| strip_level(t).0.is_some());
    let all_level = children.iter().all(|(t, _)| strip_level(t).0.is_some());
    (any_level && all_level).then_some(children)
}

pub(super) fn strip_level(text: &str) -> (Option<Level>, &str) {
    let lower = text.to_ascii_lowercase();
    for (word, level) in [
        ("target", Level::Target),
        ("warning", Level::Warning),
        ("critical", Level::Critical),
    ] {
        if lower.starts_with(word) {
            let rest = text[word.len()..].trim_start();
            if let Some(rest) = rest.strip_prefix(':') {
                return (Some(level), rest.trim());
            }
        }
    }
    (None, text)
}

pub(super) fn not_applicable(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    t.is_empty() || t == "n/a" || t == "na" || t == "none" || t == "-"
}
