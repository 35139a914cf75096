//! List items: which are steps (tasks, instructions, solutions), which
//! are criteria or triggers, and the sub-steps nested inside them.

use super::criteria::{level_children, not_applicable, strip_level};
use super::read::{key_value, lines, role_of, solution_text};
use super::recognise::CodeKind;
use super::*;

impl Builder<'_> {
    pub(super) fn items(
        &mut self,
        items: &[ListItem],
        ordered: bool,
        role: Role,
        ctx: &mut Ctx,
    ) -> Vec<Step> {
        self.items_under(items, ordered, role, ctx, false)
    }

    /// `under_step`: the list sits inside an item that is a step, so an
    /// item that only qualifies it ("If you are not an SME, …") is advice.
    fn items_under(
        &mut self,
        items: &[ListItem],
        ordered: bool,
        role: Role,
        ctx: &mut Ctx,
        under_step: bool,
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        // A list of things ("Data nodes", crate names in order) rather
        // than of actions.
        // Task lists (the usual case) need neither reading.
        let plain = role == Role::Plain && items.iter().any(|i| i.task.is_none());
        let labels: Vec<String> = if plain {
            items
                .iter()
                .map(|i| match i.blocks.first() {
                    Some(Block::Paragraph { content, .. }) => Inline::plain_text(content),
                    _ => String::new(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let imperatives: Vec<bool> = items
            .iter()
            .zip(&labels)
            .map(|(i, label)| i.task.is_none() && recognise::is_imperative(label))
            .collect();
        let things = plain
            && items
                .iter()
                .zip(&labels)
                .zip(&imperatives)
                .all(|((i, label), &imp)| {
                    i.task.is_none() && !imp && label.split_whitespace().count() <= 6
                });
        // In a bulleted list, the items are instructions when at least
        // half of them read as such; otherwise the list describes
        // (a changelog where "Empty partitions support" is a noun).
        let instructions =
            ordered || !plain || imperatives.iter().filter(|&&i| i).count() * 2 >= items.len();
        for (index, item) in items.iter().enumerate() {
            let (label, rest): (&[Inline], &[Block]) = match item.blocks.split_first() {
                Some((Block::Paragraph { content, .. }, rest)) => (content, rest),
                _ => (&[], &item.blocks),
            };
            let text = clean(&Inline::plain_text(label));
            let line = item.line;

            // `- **Solution:** …` under an issue: a way out, and a step to
            // take when it happens.
            if ctx.trouble.is_some() && item.task.is_none() {
                if let Some((key, value)) = key_value(label) {
                    let key = key.to_lowercase();
                    if let Some(solution) = solution_text(&key, &value) {
                        if let Some(i) = ctx.trouble {
                            self.troubles[i].solutions.push(solution);
                        }
                        let doable = !matches!(key.as_str(), "location" | "see");
                        if doable && !ctx.aside && !ctx.summary {
                            steps.push(self.action_step(text, line, rest, ctx));
                        } else {
                            steps.extend(self.nested(rest, role, ctx));
                        }
                        continue;
                    }
                    if matches!(key.as_str(), "commands" | "command") && value.is_empty() {
                        // `- **Commands:**` over a block: the step reads as
                        // its first command.
                        let first = rest.iter().find_map(|b| match b {
                            Block::Code { text, .. } => text
                                .lines()
                                .map(str::trim)
                                .find(|l| !l.is_empty() && !l.starts_with('#')),
                            _ => None,
                        });
                        let text = first.map_or(text, |c| format!("Run: {}", truncate(c, 100)));
                        steps.push(self.action_step(text, line, rest, ctx));
                        continue;
                    }
                }
            }
            if ctx.troubleshooting && text.to_lowercase().contains("immediate rollback") {
                self.immediate_rollback(ctx, line);
            }

            if let Some(index) = item.task {
                self.placed[index] = true;
                let task = &self.tasks[index];
                let mut step = Step {
                    id: task.id.clone(),
                    text: task.text.clone(),
                    kind: StepKind::Task,
                    checked: task.checked,
                    code: None,
                    lang: None,
                    estimate_s: duration::wait(&task.text),
                    line,
                    substeps: Vec::new(),
                    task: Some(index),
                };
                match role {
                    Role::Gates(source) => {
                        self.gate(&text, line, source, Some(step.id.clone()), None, ctx)
                    }
                    Role::Triggers(action) => {
                        self.trigger(&text, line, action, Some(step.id.clone()))
                    }
                    _ => {}
                }
                for block in rest {
                    match block {
                        Block::Code { lang, text, line } if step.code.is_none() => {
                            step.code = Some(text.clone());
                            step.lang = lang.clone();
                            if step.line == 0 {
                                step.line = *line;
                            }
                        }
                        other => {
                            let sub = self.nested(std::slice::from_ref(other), role, ctx);
                            step.substeps.extend(sub);
                        }
                    }
                }
                steps.push(step);
                continue;
            }

            // `- **Error rate > 1%**: Immediate rollback` is a trigger and
            // `- **Availability**: > 99.9%` a criterion, whatever the label.
            if item.task.is_none() && matches!(role, Role::Plain | Role::Actions) {
                if let Some((key, value)) = key_value(label) {
                    let v = value.to_lowercase();
                    let key_threshold = threshold::parse(&key).is_some_and(|t| t.value.is_some());
                    if key_threshold && contains_any(&v, &["rollback", "roll back"]) {
                        let action = if contains_any(&v, &["immediate", "rollback", "roll back"])
                            && !contains_any(&v, &["or ", "if needed", "consider"])
                        {
                            TriggerAction::Rollback
                        } else {
                            TriggerAction::Pause
                        };
                        self.trigger(&text, line, action, None);
                        steps.extend(self.nested(rest, role, ctx));
                        continue;
                    }
                    if value.trim_start().starts_with(['<', '>', '≤', '≥', '=']) {
                        self.gate(&text, line, GateSource::Metrics, None, None, ctx);
                        steps.extend(self.nested(rest, role, ctx));
                        continue;
                    }
                }
            }

            // 1. **Error Rate** / - Target: < 1% / - Warning: > 2% …
            if let Some(children) = level_children(rest) {
                for (child, child_line) in children {
                    let (_, value) = strip_level(&child);
                    if !not_applicable(value) {
                        self.gate(
                            &child,
                            child_line,
                            GateSource::Metrics,
                            None,
                            Some(&text),
                            ctx,
                        );
                    }
                }
                continue;
            }

            match role {
                Role::Gates(source) => {
                    if !text.is_empty() {
                        self.gate(&text, line, source, None, None, ctx);
                    }
                    steps.extend(self.nested(rest, role, ctx));
                }
                Role::Triggers(action) => {
                    if !text.is_empty() {
                        self.trigger(&text, line, action, None);
                    }
                    steps.extend(self.nested(rest, role, ctx));
                }
                Role::Solutions => {
                    if let Some(i) = ctx.trouble {
                        if !text.is_empty() {
                            self.troubles[i].solutions.push(text.clone());
                        }
                    }
                    if !text.is_empty() && !has_tasks(rest) && !ctx.aside && !ctx.summary {
                        steps.push(self.action_step(text, line, rest, ctx));
                    } else {
                        steps.extend(self.nested(rest, role, ctx));
                    }
                }
                Role::Actions | Role::Plain => {
                    let wait = duration::wait(&text);
                    let imperative = match imperatives.get(index) {
                        Some(&known) => known,
                        None => recognise::is_imperative(&text),
                    };
                    let definition = is_definition(label);
                    // "If you are not an SME, try to…" under a step
                    // qualifies that step.
                    let advice = under_step && {
                        let l = text.to_lowercase();
                        l.starts_with("if you") || l.starts_with("when you")
                    };
                    let listed = if role == Role::Actions {
                        true
                    } else if definition || advice || ctx.options || !instructions {
                        false
                    } else if ordered && ctx.kind != PhaseKind::Reference {
                        // Numbered items are steps unless they state a
                        // fact or list things.
                        imperative || !(things || recognise::is_statement(&text))
                    } else {
                        imperative
                    };
                    let is_step = (listed
                        || (wait.is_some()
                            && !definition
                            && !advice
                            && !recognise::is_statement(&text)))
                        && !text.is_empty()
                        && !has_tasks(rest)
                        && !ctx.aside
                        && !ctx.summary;
                    if !is_step {
                        // A group label ("1. **Database Connectivity**"):
                        // what it holds counts at this level.
                        steps.extend(self.nested(rest, Role::Plain, ctx));
                        continue;
                    }
                    steps.push(self.action_step_with(text, wait, line, rest, ctx));
                }
            }
        }
        steps
    }

    /// A step read from text (an item, a heading, a paragraph): a wait when
    /// the text gives one, an action otherwise, its id from the text.
    pub(super) fn text_step(
        &mut self,
        text: String,
        line: usize,
        wait: Option<duration::Range>,
    ) -> Step {
        let (prefix, kind) = match wait {
            Some(_) => ('w', StepKind::Wait),
            None => ('a', StepKind::Action),
        };
        Step {
            id: self.hashed_id(prefix, &text),
            text,
            kind,
            checked: false,
            code: None,
            lang: None,
            estimate_s: wait,
            line,
            substeps: Vec::new(),
            task: None,
        }
    }

    /// A list item that is a step: its code blocks belong to it (the
    /// first command is the one to copy; the others are its output or
    /// alternatives), and its own lists are read as its sub-steps.
    pub(super) fn action_step(
        &mut self,
        text: String,
        line: usize,
        rest: &[Block],
        ctx: &mut Ctx,
    ) -> Step {
        let wait = duration::wait(&text);
        self.action_step_with(text, wait, line, rest, ctx)
    }

    fn action_step_with(
        &mut self,
        text: String,
        wait: Option<duration::Range>,
        line: usize,
        rest: &[Block],
        ctx: &mut Ctx,
    ) -> Step {
        let mut step = self.text_step(text, line, wait);
        let command = rest.iter().find_map(|b| match b {
            Block::Code { lang, text, .. }
                if recognise::code_kind(lang.as_deref(), text) == CodeKind::Command =>
            {
                Some((lang, text))
            }
            _ => None,
        });
        let first = rest.iter().find_map(|b| match b {
            Block::Code { lang, text, .. } => Some((lang, text)),
            _ => None,
        });
        if let Some((lang, code)) = command.or(first) {
            step.code = Some(code.clone());
            step.lang = lang.clone();
        }
        for block in rest {
            match block {
                Block::Code { .. } => {}
                Block::List { items, start } => {
                    let sub = self.items_under(items, start.is_some(), Role::Plain, ctx, true);
                    step.substeps.extend(sub);
                }
                other => {
                    let sub = self.nested(std::slice::from_ref(other), Role::Plain, ctx);
                    step.substeps.extend(sub);
                }
            }
        }
        step
    }

    /// Steps found in blocks nested inside a list item.
    pub(super) fn nested(&mut self, blocks: &[Block], role: Role, ctx: &mut Ctx) -> Vec<Step> {
        let mut steps = Vec::new();
        for block in blocks {
            match block {
                Block::List { start, items } => {
                    steps.extend(self.items(items, start.is_some(), role, ctx));
                }
                Block::Code { lang, text, line }
                    if !ctx.aside
                        && !ctx.summary
                        && recognise::code_kind(lang.as_deref(), text) == CodeKind::Command =>
                {
                    steps.push(self.command(lang.clone(), text, *line));
                }
                Block::Quote(inner) => steps.extend(self.nested(inner, role, ctx)),
                Block::Paragraph { content, line } => {
                    // A paragraph inside an item may label the list after it.
                    for l in lines(content) {
                        if let Some((key, value)) = key_value(l) {
                            if value.is_empty() {
                                ctx.label = Some(role_of(&key, ctx.troubleshooting));
                            } else {
                                self.meta(key, value, *line, ctx);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        steps
    }
}

/// `**Term**: what it is`, `` `option: true` - what it does ``: an item
/// that defines or describes, one of a list of options or examples.
fn is_definition(label: &[Inline]) -> bool {
    match label.first() {
        Some(Inline::Strong(term)) => {
            let term = Inline::plain_text(term);
            let rest = Inline::plain_text(&label[1..]);
            let rest = rest.trim_start();
            term.trim_end().ends_with(':')
                || rest.starts_with(':')
                || rest.starts_with("- ")
                || rest.starts_with("– ")
                || rest.starts_with("— ")
        }
        Some(Inline::Code(_)) => {
            let rest = Inline::plain_text(&label[1..]);
            let rest = rest.trim_start();
            rest.starts_with("- ")
                || rest.starts_with("– ")
                || rest.starts_with("— ")
                || rest.starts_with(':')
        }
        _ => false,
    }
}

/// Whether blocks (of a list item) hold task items anywhere.
fn has_tasks(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| match b {
        Block::List { items, .. } => items
            .iter()
            .any(|i| i.task.is_some() || has_tasks(&i.blocks)),
        Block::Quote(inner) => has_tasks(inner),
        Block::Paragraph { content, .. } => {
            content.iter().any(|i| matches!(i, Inline::FlatTask(_)))
        }
        _ => false,
    })
}

/// Leading check marks and bullets people type into list text.
pub(super) fn clean(text: &str) -> String {
    text.trim()
        .trim_start_matches(['✅', '✓', '✔', '☑', '☐', '⬜', '❌', '✗', '•', '\u{FE0F}'])
        .trim()
        .to_owned()
}
