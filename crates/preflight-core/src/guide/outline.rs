//! The guide model as text a person reads: `preflight inspect` prints it,
//! and the recognition tests compare it, so a change in what counts as a
//! step shows as a readable diff.

use super::{Guide, Phase, Step};
use crate::text::duration::format_range;
use crate::text::truncate;
use std::fmt::Write;

/// The title, the counts, then every phase with its steps (line, kind,
/// text) and criteria, indented by depth.
pub fn outline(guide: &Guide) -> String {
    let mut out = String::new();
    let c = guide.counts;
    out.push_str(&guide.title);
    out.push('\n');
    let checked = guide.tasks.iter().filter(|t| t.checked).count();
    let _ = writeln!(
        out,
        "{} phases, {} steps ({} tasks, {} checked in the guide), {} gates, {} rollback triggers, {} troubleshooting entries",
        c.phases,
        c.steps,
        c.tasks,
        checked,
        c.gates,
        c.triggers,
        guide.troubleshooting.len()
    );
    if let Some(r) = guide.encoding_repair {
        let _ = writeln!(out, "encoding repaired: {}", r.name());
    }
    if let Some(e) = guide.estimate_s {
        let _ = writeln!(out, "estimated time: {}", format_range(e));
    }
    if let Some(d) = guide.downtime_s {
        let _ = writeln!(out, "estimated downtime: {}", format_range(d));
    }
    for p in &guide.phases {
        phase(&mut out, p, 1);
    }
    if !guide.rollback.steps.is_empty() || !guide.rollback.triggers.is_empty() {
        let _ = writeln!(
            out,
            "rollback: {} steps, {} triggers{}",
            guide.rollback.steps.len(),
            guide.rollback.triggers.len(),
            guide
                .rollback
                .estimate_s
                .map(|e| format!(", {}", format_range(e)))
                .unwrap_or_default()
        );
        for t in &guide.rollback.triggers {
            let _ = writeln!(
                out,
                "  ! {:>4} {}: {}",
                t.line,
                match t.action {
                    super::TriggerAction::Rollback => "roll back if",
                    super::TriggerAction::Pause => "pause if",
                },
                truncate(&t.text, 60)
            );
        }
    }
    let _ = writeln!(out, "diagnostics: {}", guide.diagnostics.len());
    out
}

fn phase(out: &mut String, p: &Phase, depth: usize) {
    let indent = "  ".repeat(depth);
    let mut tags = vec![p.kind.as_str().to_owned()];
    if let Some(e) = p.estimate_s {
        tags.push(format_range(e));
    }
    if let Some(s) = p.follow_up_s {
        tags.push(format!("follow-up after {}", format_range([s, s])));
    }
    if p.optional {
        tags.push("optional".into());
    }
    if p.alternative_group.is_some() {
        tags.push("alternative".into());
    }
    let _ = writeln!(
        out,
        "{indent}{} [{}] line {}: {} steps, {} gates",
        p.title,
        tags.join(", "),
        p.line,
        count_steps(&p.steps),
        p.gates.len()
    );
    steps(out, &p.steps, depth + 1);
    for g in &p.gates {
        let threshold = match (g.op, g.value) {
            (Some(op), Some(v)) => format!(
                " [{} {v}{}]",
                op.as_str(),
                g.unit.as_deref().unwrap_or_default()
            ),
            _ => String::new(),
        };
        let due = g
            .after_s
            .map(|s| format!(" (due after {})", format_range([s, s])))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}  ? {:>4} gate: {}{threshold}{due}",
            g.line,
            truncate(&g.text, 60)
        );
    }
    for s in &p.sections {
        phase(out, s, depth + 1);
    }
}

fn steps(out: &mut String, steps_: &[Step], depth: usize) {
    let indent = "  ".repeat(depth);
    for s in steps_ {
        let _ = writeln!(
            out,
            "{indent}- {:>4} {}: {}",
            s.line,
            s.kind.as_str(),
            truncate(&s.text, 60)
        );
        steps(out, &s.substeps, depth + 1);
    }
}

fn count_steps(steps: &[Step]) -> usize {
    steps.iter().map(|s| 1 + count_steps(&s.substeps)).sum()
}
