//! Reading a section's blocks in order: paragraphs (labels, metadata,
//! waits, notes), lists, code blocks, tables and quotes, with the role the
//! last label gives to the list after it.

use super::recognise::{Aside, CodeKind};
use super::*;

impl Builder<'_> {
    /// Reads a section's blocks in order; a code block may look at what
    /// follows it (a configuration file whose action a later command
    /// carries is not a step of its own).
    pub(super) fn blocks(&mut self, blocks: &[Block], ctx: &mut Ctx) {
        for (i, block) in blocks.iter().enumerate() {
            let intro = self.block(block, &blocks[i + 1..], ctx);
            // Only a code block or a list reads its introduction.
            let read_next = matches!(
                blocks.get(i + 1),
                Some(Block::Code { .. } | Block::List { .. })
            );
            ctx.intro = intro.filter(|_| read_next);
        }
    }

    /// Reads one block; a paragraph that is not a note's marker comes back
    /// as its text, the introduction of the block after it.
    fn block(&mut self, block: &Block, after: &[Block], ctx: &mut Ctx) -> Option<String> {
        if !matches!(block, Block::Paragraph { .. } | Block::Code { .. }) {
            ctx.caption = None;
        }
        let aside_body = std::mem::take(&mut ctx.aside_body);
        match block {
            Block::Paragraph { content, line } => return self.paragraph(content, *line, ctx),
            Block::List { start, items } => {
                let role = ctx.role();
                // "You can change the image used to:" then what it can do.
                let options = ctx
                    .intro
                    .as_deref()
                    .is_some_and(|t| t.trim_end().ends_with(':') && recognise::is_statement(t));
                let was = ctx.options;
                ctx.options = options && start.is_none() && role == Role::Plain;
                let steps = self.items(items, start.is_some(), role, ctx);
                ctx.options = was;
                ctx.steps.extend(steps);
                // A label names the list right after it, not the rest.
                ctx.label = None;
            }
            Block::Code { lang, text, line } => {
                if ctx.aside || ctx.summary || (aside_body && lang.is_none()) {
                    return None;
                }
                let intro = ctx.intro.as_deref().unwrap_or("");
                let example = recognise::introduces_example(intro, text);
                match recognise::code_kind(lang.as_deref(), text) {
                    CodeKind::Command if !example || ctx.caption.is_some() => {
                        let mut step = self.command(lang.clone(), text, *line);
                        if let Some(caption) = ctx.caption.take() {
                            step.estimate_s = duration::parse(&caption);
                            step.text = caption;
                        }
                        ctx.steps.push(step);
                    }
                    // "Create a metric template and apply it:" then the
                    // manifest, and no later command that applies it.
                    CodeKind::Config
                        if intro.trim_end().ends_with(':')
                            && recognise::is_imperative(intro)
                            && !applied_later(after) =>
                    {
                        let text_line = intro.trim().trim_end_matches(':').trim();
                        // The id hashes the whole introduction; the text
                        // shown is cut.
                        let mut step = self.text_step(text_line.to_owned(), *line, None);
                        step.text = truncate(text_line, 120);
                        step.code = Some(text.clone());
                        step.lang = lang.clone();
                        ctx.steps.push(step);
                    }
                    _ => {}
                }
            }
            Block::Table { head, rows } => self.table(head, rows, ctx),
            Block::Quote(inner) => {
                let note = matches!(inner.first(), Some(Block::Paragraph { content, .. })
                    if recognise::quote_is_note(&Inline::plain_text(content)));
                let was = ctx.aside;
                ctx.aside |= note;
                self.blocks(inner, ctx);
                ctx.aside = was;
            }
            Block::Heading { .. } | Block::Rule => {}
        }
        None
    }

    fn paragraph(
        &mut self,
        content: &[Inline],
        first_line: usize,
        ctx: &mut Ctx,
    ) -> Option<String> {
        ctx.caption = None;
        let whole = Inline::plain_text(content);
        let aside = recognise::aside(&whole);
        match aside {
            Aside::Opens => ctx.aside = true,
            Aside::Closes => ctx.aside = false,
            Aside::Marker => {
                let t = whole.trim_start();
                ctx.aside_body = t.starts_with("!!!") || t.starts_with("???");
            }
            Aside::None => {}
        }
        for (offset, line_inlines) in lines(content).into_iter().enumerate() {
            let line = first_line + offset;
            if let Some((key, value)) = key_value(line_inlines) {
                if value.is_empty() {
                    let bare = matches!(line_inlines, [Inline::Strong(k)]
                        if !Inline::plain_text(k).trim_end().ends_with(':'));
                    if bare {
                        ctx.caption = Some(key.clone());
                    }
                    self.label(&key, ctx);
                    if ctx.troubleshooting && key.to_lowercase().contains("immediate rollback") {
                        self.immediate_rollback(ctx, line);
                    }
                } else {
                    self.meta(key, value, line, ctx);
                }
                continue;
            }
            let text = Inline::plain_text(line_inlines);
            let text = text.trim();
            if text.ends_with(':') {
                self.label(text, ctx);
                continue;
            }
            // "Deployment time: 5 minutes." before the steps: the guide's
            // estimate, as if it were written `**Deployment time:** …`.
            if ctx.top {
                if let Some((key, value)) = time_line(text) {
                    self.meta(key.to_owned(), value.to_owned(), line, ctx);
                    continue;
                }
            }
            ctx.label = None;
            if ctx.rollback && self.rollback.estimate_s.is_none() && text.contains(" in ") {
                self.rollback.estimate_s = duration::parse(text);
            }
            let wait = duration::wait(text).filter(|_| {
                ctx.kind != PhaseKind::Reference
                    && !ctx.aside
                    && !ctx.summary
                    && !recognise::is_statement(text)
            });
            if let Some(range) = wait {
                let step = self.text_step(text.to_owned(), line, Some(range));
                ctx.steps.push(step);
            }
        }
        (aside == Aside::None).then_some(whole)
    }

    /// A label line (`**Success Criteria:**`, "Halt the rollout if:")
    /// names the role of the list after it. A lead-in that names no role
    /// inside a criteria section ("✅ **Right after the deploy (10
    /// minutes):**") keeps the section's role and gives its criteria that
    /// time.
    fn label(&mut self, text: &str, ctx: &mut Ctx) {
        let role = role_of(text, ctx.troubleshooting);
        if role == Role::Plain && matches!(ctx.section_role, Role::Gates(_) | Role::Triggers(_)) {
            ctx.label = None;
            ctx.lead_s = duration::parse(text).map(|[lo, _]| lo);
        } else {
            ctx.label = Some(role);
            ctx.lead_s = None;
        }
    }

    pub(super) fn meta(&mut self, key: String, value: String, line: usize, ctx: &mut Ctx) {
        let k = key.to_lowercase();
        if ctx.troubleshooting || ctx.trouble.is_some() {
            if matches!(k.as_str(), "issue" | "problem" | "error") {
                ctx.trouble = Some(self.troubles.len());
                self.troubles.push(Trouble {
                    symptom: value.clone(),
                    solutions: Vec::new(),
                    immediate_rollback: false,
                    line,
                });
            } else if k.starts_with("symptom") {
                // `**Symptoms**:` refines the issue it follows, unless that
                // issue is complete: then it starts the next one.
                let open = ctx
                    .trouble
                    .filter(|&i| self.troubles[i].solutions.is_empty());
                match open {
                    Some(i) => self.troubles[i].symptom = value.clone(),
                    None => {
                        ctx.trouble = Some(self.troubles.len());
                        self.troubles.push(Trouble {
                            symptom: value.clone(),
                            solutions: Vec::new(),
                            immediate_rollback: false,
                            line,
                        });
                    }
                }
            } else if let Some(solution) = solution_text(&k, &value) {
                if let Some(i) = ctx.trouble {
                    self.troubles[i].solutions.push(solution);
                }
            }
        }
        if k.contains("downtime") {
            if self.downtime.is_none() {
                self.downtime = duration::parse(&value);
            }
        } else if contains_any(&k, &["time", "duration", "estimate"]) {
            if let Some(range) = duration::parse(&value) {
                if ctx.top && self.estimate.is_none() {
                    self.estimate = Some(range);
                } else if ctx.estimate.is_none() {
                    ctx.estimate = Some(range);
                }
            }
        }
        self.metadata.push(Meta { key, value, line });
    }

    pub(super) fn immediate_rollback(&mut self, ctx: &mut Ctx, line: usize) {
        let Some(i) = ctx.trouble else {
            return;
        };
        if self.troubles[i].immediate_rollback {
            return;
        }
        self.troubles[i].immediate_rollback = true;
        let text = self.troubles[i].symptom.clone();
        self.trigger(&text, line, TriggerAction::Rollback, None);
    }
}

/// Whether a metadata key names a span of time: "Duration", "Estimated
/// time", "Deployment time", "estimated_time", "Downtime" ("Timeout" and
/// "Rollback time" do not describe the deployment).
pub(super) fn is_time_key(key: &str) -> bool {
    let k = key.trim().to_lowercase().replace(['_', '-'], " ");
    !k.contains("rollback")
        && k.split_whitespace().count() <= 4
        && (contains_any(&k, &["duration", "estimate", "downtime"]) || k.ends_with("time"))
}

/// `Deployment time: 5 minutes.`, `Expected duration: ~1 hour`: a plain
/// line whose key names a span of time and whose value is one.
fn time_line(text: &str) -> Option<(&str, &str)> {
    let (key, value) = text.split_once(':')?;
    (is_time_key(key) && duration::parse(value).is_some()).then(|| (key.trim(), value.trim()))
}

/// Spans of time in YAML front matter (`duration: 30m`,
/// `estimated_time: 45 minutes`), as `(key, value, line)`.
pub(super) fn front_matter(text: &str) -> Vec<(String, String, usize)> {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            return out;
        }
        if line.starts_with(char::is_whitespace) {
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            let value = value.trim().trim_matches(['"', '\'']);
            if is_time_key(key) && duration::parse(value).is_some() {
                out.push((key.trim().to_owned(), value.to_owned(), i + 2));
            }
        }
    }
    // No closing line: not front matter.
    Vec::new()
}

/// The role a label or section title gives to the lists under it.
pub(super) fn role_of(label: &str, troubleshooting: bool) -> Role {
    let l = label.to_lowercase();
    let w = Words::new(&l);
    let rollback = w.contains_any(&[
        "rollback",
        "roll back",
        "roll-back",
        "abort",
        "halt",
        "stop the rollout",
    ]);
    if rollback && w.contains_any(&["when", " if", "trigger", "criteria", "conditions"]) {
        return Role::Triggers(TriggerAction::Rollback);
    }
    if l.contains("pause") && w.contains_any(&["criteria", "when", " if", "trigger", "conditions"])
    {
        return Role::Triggers(TriggerAction::Pause);
    }
    if w.contains_any(&[
        "success criteria",
        "success metrics",
        "complete when",
        "ready when",
        "successful when",
        "considered successful",
        "acceptance criteria",
        "exit criteria",
        "definition of done",
        "go/no-go",
        "go / no-go",
    ]) {
        return Role::Gates(GateSource::SuccessCriteria);
    }
    if w.contains_any(&["performance criteria", "performance targets", "slos"]) {
        return Role::Gates(GateSource::PerformanceCriteria);
    }
    if w.contains_any(&[
        "verification",
        "verify",
        "validation",
        "health check",
        "note if",
        "should show",
        "expected output",
        "expected result",
        "confirm that",
        "check that",
    ]) {
        return Role::Gates(GateSource::Verification);
    }
    // "This script performs the following actions:" describes; only a
    // short label ("Actions:", "Immediate actions", "Steps to take") names
    // a list of things to do.
    let short = l.split_whitespace().count() <= 5;
    if short
        && w.contains_any(&[
            "action",
            "solution",
            "fix",
            "resolution",
            "what to do",
            "remediation",
        ])
    {
        return if troubleshooting {
            Role::Solutions
        } else {
            Role::Actions
        };
    }
    if short
        && !l.contains("next steps")
        && w.contains_any(&["steps", "monitor at each", "procedure", "instructions"])
    {
        return Role::Actions;
    }
    Role::Plain
}

/// Splits paragraph inlines into lines at line breaks.
pub(super) fn lines(content: &[Inline]) -> Vec<&[Inline]> {
    content
        .split(|i| matches!(i, Inline::SoftBreak | Inline::HardBreak))
        .filter(|l| !l.is_empty())
        .collect()
}

/// `**Key:** value` or `**Key**: value` → (key, value); value may be empty.
pub(super) fn key_value(line: &[Inline]) -> Option<(String, String)> {
    let (first, rest) = line.split_first()?;
    let Inline::Strong(key) = first else {
        return None;
    };
    let key = Inline::plain_text(key);
    let rest = Inline::plain_text(rest);
    let key_trim = key.trim();
    let (key, value) = if let Some(k) = key_trim.strip_suffix(':') {
        (k.trim().to_owned(), rest.trim().to_owned())
    } else if let Some(v) = rest.trim_start().strip_prefix(':') {
        (key_trim.to_owned(), v.trim().to_owned())
    } else if rest.trim().is_empty() {
        // A bold line alone: a label without a colon.
        (key_trim.to_owned(), String::new())
    } else {
        return None;
    };
    (!key.is_empty()).then_some((key, value))
}

pub(super) fn solution_text(key: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match key {
        "solution" | "solutions" | "fix" | "workaround" | "resolution" | "action" | "actions" => {
            Some(v.to_owned())
        }
        "command" | "commands" => Some(format!("Run: {v}")),
        "location" | "see" => Some(format!("See: {v}")),
        _ => None,
    }
}

/// Whether a later paragraph refers back to the file just shown ("Save
/// the above resource as podinfo.yaml and then apply it:").
fn applied_later(after: &[Block]) -> bool {
    for block in after {
        match block {
            Block::Paragraph { content, .. } => {
                let t = Inline::plain_text(content);
                let l = t.to_lowercase();
                if recognise::is_imperative(&t)
                    && contains_any(&l, &["above", "this file", "the file", "this manifest"])
                {
                    return true;
                }
            }
            Block::Code { .. } | Block::Heading { .. } => return false,
            _ => {}
        }
    }
    false
}
