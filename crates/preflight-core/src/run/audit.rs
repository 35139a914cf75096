//! The audit pack of a run, two files that need nothing to be read:
//!
//! * [`markdown`]: the guide's own text with its task boxes ticked as the
//!   run left them, and beside each step and criterion (a quoted line
//!   under its list item) who did what and when, observed values,
//!   overrides, confirmations and notes; then a "Run record" section with
//!   every step in a table, the sign-offs and the log's hash chain head.
//!   Parsing it again gives the same steps, with the checked states.
//! * [`html`]: one self-contained page (styles inline, no scripts, no
//!   external resources) with the same record, which prints well.
//!
//! Times are written with the exporter's UTC offset (`tz_offset_min`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::chain;
use super::params::MASK;
use super::plan::{Plan, PlanPhase, PlanStep};
use super::{signed_at, GateStatus, Run, RunState, StepStatus};
use crate::guide::StepKind;

/// What happened to a step in the run, as one line; `None` when nothing
/// did (or it was only checked in the guide itself).
fn step_line(state: &RunState, phase: &PlanPhase, step: &PlanStep, tz: i32) -> Option<String> {
    let mut parts = Vec::new();
    match state.status_in(phase, step) {
        StepStatus::Done {
            at_ms: Some(at),
            by,
            overridden,
        } => {
            let mut s = format!("done {} by {}", signed_at(at, tz), by.unwrap_or_default());
            if let Some(why) = overridden {
                let _ = write!(s, " (wait cut short: {why})");
            }
            parts.push(s);
        }
        StepStatus::Skipped { at_ms, by, reason } => {
            parts.push(format!(
                "skipped {} by {by}: {reason}",
                signed_at(at_ms, tz)
            ));
        }
        _ => {}
    }
    if let Some((at, by, what)) = state.acknowledged.get(&step.id) {
        parts.push(format!(
            "confirmed {} by {by}: {}",
            signed_at(*at, tz),
            what.join(" ")
        ));
    }
    for n in state.notes_for(&step.id) {
        parts.push(format!(
            "note {} by {}: {}",
            signed_at(n.at_ms, tz),
            n.by,
            n.text
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

fn status_word(state: &RunState, phase: &PlanPhase, step: &PlanStep) -> &'static str {
    match state.status_in(phase, step) {
        StepStatus::Pending => "not done",
        StepStatus::Done { at_ms: None, .. } => "checked in the guide",
        StepStatus::Done { .. } => "done",
        StepStatus::Skipped { .. } => "skipped",
    }
}

/// A criterion's record, as one line; `None` while open.
fn gate_line(run: &Run, state: &RunState, gate: &super::PlanGate, tz: i32) -> Option<String> {
    let value = |v: Option<f64>| {
        v.map(|v| format!(" {}", super::with_unit(v, gate.unit.as_deref())))
            .unwrap_or_default()
    };
    match run.gate_status(state, gate) {
        GateStatus::Open => None,
        GateStatus::Met {
            value: v,
            at_ms,
            by,
            ..
        } => Some(format!(
            "met{}{}",
            value(v),
            match (at_ms, by) {
                (Some(at), Some(by)) => format!(", {} by {by}", signed_at(at, tz)),
                _ => String::new(),
            }
        )),
        GateStatus::Failed {
            value: v,
            at_ms,
            by,
            ..
        } => Some(format!(
            "not met{}, {} by {by}",
            value(v),
            signed_at(at_ms, tz)
        )),
        GateStatus::Overridden {
            reason,
            at_ms,
            by,
            value: v,
        } => Some(format!(
            "overridden{} {} by {by}: {reason}",
            v.map(|v| format!(" at{}", value(Some(v))))
                .unwrap_or_default(),
            signed_at(at_ms, tz)
        )),
    }
}

/// One line of free text, safe inside a Markdown paragraph or table cell.
fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
}

/// The indent of the item's content when `line` starts a list item.
fn list_item(line: &str) -> Option<usize> {
    let trimmed = line.trim_start_matches([' ', '>']);
    let lead = line.len() - trimmed.len();
    let marker = if trimmed.starts_with(['-', '*', '+']) {
        1
    } else {
        let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || !trimmed[digits..].starts_with(['.', ')']) {
            return None;
        }
        digits + 1
    };
    let rest = &trimmed[marker..];
    let gap = rest.len() - rest.trim_start_matches(' ').len();
    (gap >= 1 && !rest.trim().is_empty()).then_some(lead + marker + gap.min(4))
}

/// Ticks or clears the box of a task item line.
fn set_box(line: &str, done: bool) -> String {
    for open in ["[ ]", "[x]", "[X]"] {
        if let Some(i) = line.find(open) {
            let mark = if done { "[x]" } else { "[ ]" };
            return format!("{}{mark}{}", &line[..i], &line[i + 3..]);
        }
    }
    line.to_owned()
}

/// The guide's text with the run written into it (see the module docs).
/// Its secrets are masked, as in the model the plan comes from.
pub fn markdown(run: &Run, plan: &Plan, text: &str, tz: i32) -> String {
    let masked = crate::text::secrets::mask_text(text);
    let text: &str = &masked.text;
    let state = run.state();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Line (1-based) → the notes to quote under it.
    let mut notes: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for phase in &plan.phases {
        for step in &phase.steps {
            let Some(line) = lines.get_mut(step.line.wrapping_sub(1)) else {
                continue;
            };
            if list_item(line).is_none() {
                continue;
            }
            if step.kind == StepKind::Task {
                let done = matches!(state.status_in(phase, step), StepStatus::Done { .. });
                *line = set_box(line, done);
            }
            if let Some(n) = step_line(&state, phase, step, tz) {
                notes.entry(step.line).or_default().push(n);
            }
        }
        for gate in &phase.gates {
            let Some(at) = gate.criteria.first().map(|c| c.line) else {
                continue;
            };
            if lines
                .get(at.wrapping_sub(1))
                .is_some_and(|l| list_item(l).is_some())
            {
                if let Some(n) = gate_line(run, &state, gate, tz) {
                    notes.entry(at).or_default().push(n);
                }
            }
        }
    }
    // Lines added above an original line move it down: (at, count).
    let mut added: Vec<(usize, usize)> = Vec::new();
    // From the bottom up, so earlier line numbers stay right.
    for (line, said) in notes.into_iter().rev() {
        let Some(indent) = lines.get(line - 1).and_then(|l| list_item(l)) else {
            continue;
        };
        // After the item's first paragraph: the next blank line, list
        // item, heading or fence.
        let mut at = line;
        while at < lines.len() {
            let l = &lines[at];
            let t = l.trim_start();
            if t.is_empty()
                || list_item(l).is_some()
                || t.starts_with('#')
                || t.starts_with("```")
                || t.starts_with("~~~")
            {
                break;
            }
            at += 1;
        }
        let pad = " ".repeat(indent);
        let quoted: Vec<String> = said
            .iter()
            .map(|s| format!("{pad}> 🗒 {}", one_line(s)))
            .collect();
        added.push((at, quoted.len()));
        lines.splice(at..at, quoted);
    }
    let moved = |line: usize| -> usize {
        line + added
            .iter()
            .filter(|(at, _)| *at < line)
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    let mut out = lines.join("\n");
    // A guide that ends inside a code block would swallow the record.
    if let Some(fence) = open_fence(&out) {
        out.push('\n');
        out.push_str(&fence);
    }
    out.push_str("\n\n---\n\n## Run record\n\n");
    out.push_str(
        &record_facts(run, &state, tz)
            .iter()
            .map(|(k, v)| format!("**{k}:** {}  \n", one_line(v)))
            .collect::<String>(),
    );
    out.push_str("\n| Step | Status | Record |\n|---|---|---|\n");
    for phase in plan.phases.iter().filter(|p| !p.hidden) {
        for step in &phase.steps {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                one_line(&step.text),
                status_word(&state, phase, step),
                one_line(&step_line(&state, phase, step, tz).unwrap_or_default())
            );
        }
    }
    let params = super::params::history(run, plan);
    if !params.is_empty() {
        out.push_str("\n### Parameters\n\n| When | Who | Parameter | Value | Noted at |\n|---|---|---|---|---|\n");
        for p in &params {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}{} | {} |",
                signed_at(p.at_ms, tz),
                one_line(&p.by),
                one_line(&p.param),
                code_cell(p.value.as_deref().unwrap_or(MASK)),
                note(p),
                one_line(p.step.as_deref().unwrap_or(""))
            );
        }
    }
    if state.corrections > 0 {
        push_corrections(&mut out, run, plan, text, tz, moved);
    }
    let signed = signed_entries(run);
    if !signed.is_empty() {
        out.push_str("\n### Signatures\n\n");
        out.push_str(VERIFY_HOW);
        out.push('\n');
        for s in signed {
            // Everything here may come from a file or a relay: one line
            // each, and the statement in a fence longer than any run of
            // backticks it holds.
            let fence = "`".repeat(longest_run(&s.statement, '`') + 1);
            let _ = write!(
                out,
                "\n- Entry {}, {}: {}  \n  Key {} ({})  \n  Signature {}  \n  Statement: {fence} {} {fence}\n",
                s.index + 1,
                one_line(&s.who),
                one_line(&s.verdict),
                one_line(&s.fingerprint),
                one_line(&s.key),
                one_line(&s.sig),
                s.statement.replace(['\n', '\r'], " ")
            );
        }
    }
    out.push('\n');
    out
}

/// What follows a value in the record: whether it was a secret's or
/// replaced an earlier value.
fn note(p: &super::params::ParamEntry) -> String {
    let mut out = String::new();
    if p.value.is_none() {
        let _ = write!(out, " ({})", super::params::KEPT_AWAY);
    }
    if p.changed {
        out.push_str(" (changed)");
    }
    out
}

/// A value as code in a table cell: read as it is, not as Markdown (a
/// fence longer than any run of backticks in it; `|` escaped, which GFM
/// tables need inside code too).
fn code_cell(s: &str) -> String {
    let fence = "`".repeat(longest_run(s, '`') + 1);
    format!(
        "{fence} {} {fence}",
        s.replace(['\n', '\r'], " ").replace('|', "\\|")
    )
}

/// The longest run of `c` in `s`.
fn longest_run(s: &str, c: char) -> usize {
    s.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// How an auditor checks the signatures without Preflight's page.
const VERIFY_HOW: &str = "Each sign-off is signed by its signer's browser key (ECDSA P-256 with \
SHA-256). To check one: the statement's UTF-8 bytes are what was signed; the key is an \
uncompressed SEC1 point and the signature r‖s, both base64url. `preflight verify run.json` \
checks every signature of the exported run, and that the log entries each one covers are \
unchanged (the statement's head is the hash chain over them). A valid signature proves that \
whoever held that browser's key signed this entry over this log; it is not a proof of a \
person's identity: compare the key's fingerprint with the one the signer's browser shows.";

/// A signed sign-off as the audit pack shows it.
struct SignedEntry {
    index: usize,
    who: String,
    verdict: String,
    fingerprint: String,
    key: String,
    sig: String,
    statement: String,
}

fn signed_entries(run: &Run) -> Vec<SignedEntry> {
    let checks = super::sign::verify(run);
    let notes = super::sign::key_notes(&checks);
    checks
        .into_iter()
        .zip(notes)
        .filter_map(|(c, note)| {
            let e = run.events.get(c.index)?;
            let super::Action::SignOff {
                proof: Some(proof), ..
            } = &e.action
            else {
                return None;
            };
            // One that does not read is listed with its verdict alone.
            let proof = super::sign::Proof::read(proof).unwrap_or_default();
            Some(SignedEntry {
                index: c.index,
                who: format!("{} {} as {}", c.by, c.meaning.label(), c.role),
                verdict: c.label(),
                fingerprint: match note {
                    Some(note) => format!("{} ({note})", proof.fingerprint),
                    None => proof.fingerprint.clone(),
                },
                key: proof.key.clone(),
                sig: proof.sig.clone(),
                statement: super::sign::statement(run, e).unwrap_or_default(),
            })
        })
        .collect()
}

/// The checklist corrections in force, as a table a reader (or a tool)
/// applies to this file: "made a step" with its line in this file, "not a
/// step" with the step's id; parsing the file again and applying them
/// gives the run's steps. Who made each, and when, from the log.
fn push_corrections(
    out: &mut String,
    run: &Run,
    plan: &Plan,
    text: &str,
    tz: i32,
    moved: impl Fn(usize) -> usize,
) {
    let guide = crate::Guide::parse(text);
    let o = run.overrides(&guide);
    if o.is_empty() {
        return;
    }
    let last = |hit: &dyn Fn(&super::Action) -> bool| {
        run.events
            .iter()
            .rev()
            .find(|e| hit(&e.action))
            .map(|e| format!("{} {}", e.by, signed_at(e.at_ms, tz)))
            .unwrap_or_default()
    };
    out.push_str(
        "\nCorrections of the checklist (lines of this file):\n\n| Correction | Line | Step | Id | By |\n|---|---|---|---|---|\n",
    );
    for line in &o.make {
        let step = plan
            .phases
            .iter()
            .flat_map(|p| &p.steps)
            .find(|s| s.line == *line);
        let (id, what) = step.map_or((String::new(), String::new()), |s| {
            (s.id.clone(), s.text.clone())
        });
        let by = last(&|a| matches!(a, super::Action::MakeStep { line: l, .. } if l == line));
        let _ = writeln!(
            out,
            "| made a step | {} | {} | {} | {} |",
            moved(*line),
            one_line(&what),
            one_line(&id),
            one_line(&by)
        );
    }
    for id in &o.drop {
        let what = guide
            .all_steps()
            .into_iter()
            .find(|s| s.id == *id)
            .map(|s| s.text.clone())
            .unwrap_or_default();
        let by = last(&|a| matches!(a, super::Action::NotAStep { step } if step == id));
        let _ = writeln!(
            out,
            "| not a step | | {} | {} | {} |",
            one_line(&what),
            one_line(id),
            one_line(&by)
        );
    }
}

/// The fence that closes a code block still open at the end of `text`.
fn open_fence(text: &str) -> Option<String> {
    let mut open: Option<(char, usize)> = None;
    for line in text.lines() {
        let t = line.trim_start_matches(' ');
        if line.len() - t.len() > 3 {
            continue;
        }
        let Some(c) = t.chars().next().filter(|c| *c == '`' || *c == '~') else {
            continue;
        };
        let n = t.chars().take_while(|x| *x == c).count();
        if n < 3 {
            continue;
        }
        match open {
            None => open = Some((c, n)),
            Some((oc, on)) if oc == c && n >= on && t[n..].trim().is_empty() => open = None,
            _ => {}
        }
    }
    open.map(|(c, n)| c.to_string().repeat(n))
}

/// The run's facts for both files: what, who, when, outcome, chain head.
fn record_facts(run: &Run, state: &RunState, tz: i32) -> Vec<(&'static str, String)> {
    let hashes = chain::hashes(&run.events);
    let verified = match chain::verify(&run.events, &hashes) {
        Ok(()) => format!("verified, {} entries", run.events.len()),
        Err(i) => format!("does not verify at entry {}", i + 1),
    };
    let mut facts = vec![
        ("Run", run.id.clone()),
        (
            "Guide",
            format!("{} (SHA-256 {})", run.guide_title, run.current_guide_hash()),
        ),
        (
            "Started",
            format!("{} by {}", signed_at(run.started_ms, tz), run.operator),
        ),
        (
            "Window",
            format!(
                "{} – {}",
                signed_at(run.window.start_ms, tz),
                signed_at(run.window.end_ms, tz)
            ),
        ),
    ];
    facts.push((
        "Outcome",
        match &state.outcome {
            Some((o, at, by, note)) => {
                format!("{} {} by {by}. {note}", o.label(), signed_at(*at, tz))
            }
            None => "not finished".into(),
        },
    ));
    let checks = super::sign::verify(run);
    for s in &state.signatures {
        let verdict = checks
            .iter()
            .find(|c| c.id == s.id)
            .map(|c| match &c.fingerprint {
                Some(fp) => format!(" — {}, key {fp}", c.label()),
                None => format!(" — {}", c.label()),
            })
            .unwrap_or_default();
        facts.push((
            "Signed",
            format!(
                "{} as {} by {} at {}{verdict}",
                s.meaning.label(),
                s.role,
                s.by,
                signed_at(s.at_ms, s.tz_offset_min)
            ),
        ));
    }
    facts.push(("Log head", chain::head(&run.events)));
    facts.push(("Log", verified));
    facts
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;color:#111;max-width:60rem;margin:2rem auto;padding:0 1rem}\
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.3rem .45rem;text-align:left;vertical-align:top}\
th{background:#f2f2f2}.done{color:#1a7f37}.skipped{color:#8a5a00}.open{color:#b00020}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}\
dt{font-weight:600}table.steps{table-layout:fixed}table.steps th:first-child{width:48%}table.steps th:nth-child(2){width:8.5rem}code,.hash{font-family:ui-monospace,monospace;word-break:break-all}pre.statement{white-space:pre-wrap;word-break:break-all;font-size:12px;margin:.3rem 0 0}\
@media print{body{margin:0;max-width:none}tr{break-inside:avoid}h2{break-after:avoid}}";

/// The run as one self-contained HTML page (see the module docs).
pub fn html(run: &Run, plan: &Plan, tz: i32) -> String {
    let state = run.state();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>Audit pack: {}</title><style>{STYLE}</style></head><body>\
<h1>Audit pack: {}</h1><dl class=\"facts\">",
        esc(&run.guide_title),
        esc(&run.guide_title)
    );
    for (k, v) in record_facts(run, &state, tz) {
        let class = if k == "Log head" {
            " class=\"hash\""
        } else {
            ""
        };
        let _ = write!(out, "<dt>{k}</dt><dd{class}>{}</dd>", esc(&v));
    }
    out.push_str("</dl>");
    for phase in plan
        .phases
        .iter()
        .filter(|p| !p.hidden && (!p.steps.is_empty() || !p.gates.is_empty()))
    {
        let _ = write!(out, "<h2>{}</h2>", esc(&phase.title));
        if !phase.steps.is_empty() {
            out.push_str("<table class=\"steps\"><thead><tr><th>Step</th><th>Status</th><th>Record</th></tr></thead><tbody>");
            for step in &phase.steps {
                let word = status_word(&state, phase, step);
                let class = match word {
                    "done" | "checked in the guide" => "done",
                    "skipped" => "skipped",
                    _ => "open",
                };
                let code = step
                    .code
                    .as_deref()
                    .map(|c| format!("<br><code>{}</code>", esc(c.lines().next().unwrap_or(""))))
                    .unwrap_or_default();
                let _ = write!(
                    out,
                    "<tr class=\"step\"><td>{}{code}</td><td class=\"{class}\">{word}</td><td>{}</td></tr>",
                    esc(&step.text),
                    esc(&step_line(&state, phase, step, tz).unwrap_or_default())
                );
            }
            out.push_str("</tbody></table>");
        }
        if !phase.gates.is_empty() {
            out.push_str(
                "<table><thead><tr><th>Success criterion</th><th>Record</th></tr></thead><tbody>",
            );
            for gate in &phase.gates {
                let _ = write!(
                    out,
                    "<tr class=\"gate\"><td>{}</td><td>{}</td></tr>",
                    esc(&gate.text),
                    esc(&gate_line(run, &state, gate, tz).unwrap_or_else(|| "open".into()))
                );
            }
            out.push_str("</tbody></table>");
        }
    }
    let corrections: Vec<String> = run
        .events
        .iter()
        .filter_map(|e| {
            let what = match &e.action {
                super::Action::MakeStep { line, text } => {
                    format!("Make this a step (line {line}): {text}")
                }
                super::Action::NotAStep { step } => {
                    let text = plan.step(step).map(|(_, s)| s.text.as_str()).unwrap_or("");
                    format!("Not a step: {step} {text}")
                }
                _ => return None,
            };
            Some(format!(
                "<tr class=\"correction\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&signed_at(e.at_ms, tz)),
                esc(&e.by),
                esc(&what)
            ))
        })
        .collect();
    if !corrections.is_empty() {
        out.push_str("<h2>Corrections of the checklist</h2><table><thead><tr><th>When</th><th>Who</th><th>What</th></tr></thead><tbody>");
        out.push_str(&corrections.concat());
        out.push_str("</tbody></table>");
    }
    let params = super::params::history(run, plan);
    if !params.is_empty() {
        out.push_str("<h2>Parameters</h2><table><thead><tr><th>When</th><th>Who</th><th>Parameter</th><th>Value</th><th>Noted at</th></tr></thead><tbody>");
        for p in &params {
            let _ = write!(
                out,
                "<tr class=\"param\"><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code>{}</td><td>{}</td></tr>",
                esc(&signed_at(p.at_ms, tz)),
                esc(&p.by),
                esc(&p.param),
                esc(p.value.as_deref().unwrap_or(MASK)),
                esc(&note(p)),
                esc(p.step.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</tbody></table>");
    }
    let signed = signed_entries(run);
    if !signed.is_empty() {
        let _ = write!(
            out,
            "<h2 id=\"signatures\">Signatures</h2><p>{}</p><table><thead><tr><th>#</th><th>Sign-off</th><th>Verdict</th><th>Key</th><th>Signature and statement</th></tr></thead><tbody>",
            esc(VERIFY_HOW)
        );
        for s in signed {
            let _ = write!(
                out,
                "<tr class=\"signed\"><td>{}</td><td>{}</td><td>{}</td><td>{}<br><code class=\"hash\">{}</code></td><td><code class=\"hash\">{}</code><pre class=\"statement\">{}</pre></td></tr>",
                s.index + 1,
                esc(&s.who),
                esc(&s.verdict),
                esc(&s.fingerprint),
                esc(&s.key),
                esc(&s.sig),
                esc(&s.statement)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("<h2>Log</h2><table><thead><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Hash</th></tr></thead><tbody>");
    for (i, (e, h)) in run
        .events
        .iter()
        .zip(chain::hashes(&run.events))
        .enumerate()
    {
        let what = serde_json::to_value(&e.action)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"hash\">{}</td></tr>",
            i + 1,
            esc(&signed_at(e.at_ms, tz)),
            esc(&e.by),
            esc(&what),
            &h[..16.min(h.len())]
        );
    }
    out.push_str("</tbody></table></body></html>\n");
    out
}

#[cfg(test)]
mod tests;
