//! Renders a core [`Document`] into DOM nodes, block by block.
//!
//! Every piece of guide text becomes a text node; no guide content is ever
//! given to `inner_html`. The tree is built once; during a run, the steps
//! in it become [`crate::ui::run::step`] rows, which alone are reactive.

use crate::ui::run;
use leptos::prelude::*;
use preflight_core::guide::{Guide, Level, Step, TriggerAction};
use preflight_core::run::{Plan, PlanStep};
use preflight_core::text::highlight;
use preflight_core::{Block, Inline, ListItem};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// What the guide model says about particular lines, for the renderer to
/// mark: gates and rollback triggers. (Secrets need no mark: the model is
/// built from the guide's masked text, so what is shown and copied is
/// masked already.)
#[derive(Debug, Default)]
pub struct Marks {
    /// Item line → (badge text, CSS level class).
    gates: HashMap<usize, (String, &'static str)>,
    /// Item line → badge text.
    triggers: HashMap<usize, &'static str>,
}

impl Marks {
    pub fn from_guide(guide: &Guide) -> Marks {
        let mut marks = Marks::default();
        for gate in guide.all_gates() {
            if gate.line == 0 {
                continue;
            }
            let threshold = match (gate.op, gate.value, &gate.reference) {
                (Some(op), Some(v), _) => format!(
                    "{} {}{}",
                    op.as_str().replace("<=", "≤").replace(">=", "≥"),
                    v,
                    gate.unit
                        .as_deref()
                        .map(|u| if u == "%" {
                            u.to_owned()
                        } else {
                            format!(" {u}")
                        })
                        .unwrap_or_default()
                ),
                (Some(op), None, Some(r)) => format!("{} {r}", op.as_str()),
                _ => "confirm".to_owned(),
            };
            let level = match gate.level {
                Some(Level::Target) => "level-target",
                Some(Level::Warning) => "level-warning",
                Some(Level::Critical) => "level-critical",
                None => "",
            };
            let label = match gate.level {
                Some(Level::Target) => format!("target {threshold}"),
                Some(Level::Warning) => format!("warning {threshold}"),
                Some(Level::Critical) => format!("critical {threshold}"),
                None => format!("gate: {threshold}"),
            };
            marks.gates.entry(gate.line).or_insert((label, level));
        }
        for t in &guide.rollback.triggers {
            let label = match t.action {
                TriggerAction::Rollback => "rollback trigger",
                TriggerAction::Pause => "pause trigger",
            };
            marks.triggers.insert(t.line, label);
        }
        marks
    }
}

/// Where the run's steps sit in the guide's text.
#[derive(Debug, Default)]
pub struct StepMap {
    /// List item line or code block line → the step there.
    by_line: HashMap<usize, String>,
    /// Task index → its step.
    by_task: HashMap<usize, String>,
    /// Code block line → its sub-steps, for commands split by `# Step N:`.
    subs: HashMap<usize, Vec<PlanStep>>,
}

impl StepMap {
    /// The run's checklist steps (visible, runnable) placed in the text.
    /// With `rolling_back`, the rollback steps are the checklist.
    pub fn new(guide: &Guide, plan: &Plan, rolling_back: bool) -> StepMap {
        let run: HashMap<&str, &PlanStep> = if rolling_back {
            plan.rollback_steps()
                .map(|(_, s)| (s.id.as_str(), s))
                .collect()
        } else {
            plan.run_steps().map(|(_, s)| (s.id.as_str(), s)).collect()
        };
        let mut map = StepMap::default();
        for (index, task) in guide.tasks.iter().enumerate() {
            if run.contains_key(task.id.as_str()) {
                map.by_task.insert(index, task.id.clone());
            }
        }
        fn walk(steps: &[Step], run: &HashMap<&str, &PlanStep>, map: &mut StepMap) {
            for s in steps {
                if !s.substeps.is_empty() {
                    let subs: Vec<PlanStep> = s
                        .substeps
                        .iter()
                        .filter_map(|sub| run.get(sub.id.as_str()).map(|p| (*p).clone()))
                        .collect();
                    if !subs.is_empty() {
                        map.subs.insert(s.line, subs);
                    }
                } else if s.task.is_none() && run.contains_key(s.id.as_str()) {
                    map.by_line.insert(s.line, s.id.clone());
                }
            }
        }
        for phase in guide.all_phases() {
            walk(&phase.steps, &run, &mut map);
        }
        map
    }
}

/// What rendering needs besides the blocks themselves.
#[derive(Clone, Copy)]
pub struct RenderCtx {
    pub guide: StoredValue<Arc<Guide>>,
    /// Lines of blocks that could be made steps ("Make this a step"),
    /// when the person may correct the checklist here.
    pub candidates: Option<StoredValue<Arc<BTreeSet<usize>>>>,
    pub marks: StoredValue<Arc<Marks>>,
    /// Set during a run.
    pub steps: Option<StoredValue<Arc<StepMap>>>,
}

impl RenderCtx {
    fn task_checked_in_guide(&self, index: usize) -> bool {
        self.guide
            .with_value(|g| g.tasks.get(index).is_some_and(|t| t.checked))
    }

    /// "Make this a step" for the block at `line`, when it could be one.
    fn make_step(&self, line: usize) -> Option<AnyView> {
        if !self.candidates?.with_value(|c| c.contains(&line)) {
            return None;
        }
        let state = expect_context::<crate::state::AppState>();
        Some(
            view! {
                <button
                    type="button"
                    class="small correct make-step"
                    title="Make this a step of the checklist"
                    on:click=move |_| state.correct(Ok(line))
                >
                    "Make this a step"
                </button>
            }
            .into_any(),
        )
    }

    fn step_at_line(&self, line: usize) -> Option<String> {
        self.steps?.with_value(|m| m.by_line.get(&line).cloned())
    }

    fn step_of_task(&self, index: usize) -> Option<String> {
        self.steps?.with_value(|m| m.by_task.get(&index).cloned())
    }

    fn subs_at(&self, line: usize) -> Option<Vec<PlanStep>> {
        self.steps?.with_value(|m| m.subs.get(&line).cloned())
    }

    fn badges(&self, line: usize) -> impl IntoView {
        let marks = self.marks.get_value();
        let gate = marks.gates.get(&line).map(|(label, level)| {
            let class = format!("badge badge-gate {level}");
            view! { <span class=class>{label.clone()}</span> }
        });
        let trigger = marks
            .triggers
            .get(&line)
            .map(|label| view! { <span class="badge badge-trigger">{*label}</span> });
        (gate, trigger)
    }

    fn item_class(&self, line: usize, base: &str) -> String {
        let marks = self.marks.get_value();
        let mut class = base.to_owned();
        if marks.gates.contains_key(&line) {
            class.push_str(" gate");
        }
        if marks.triggers.contains_key(&line) {
            class.push_str(" trigger");
        }
        class
    }
}

pub fn blocks(blocks: &[Block], ctx: RenderCtx) -> AnyView {
    blocks
        .iter()
        .map(|b| block(b, ctx))
        .collect_view()
        .into_any()
}

/// `<h1>`…`<h6>` around `inner`; levels past 6 render as `<h6>`.
pub fn heading(level: u8, inner: AnyView) -> AnyView {
    match level {
        1 => view! { <h1>{inner}</h1> }.into_any(),
        2 => view! { <h2>{inner}</h2> }.into_any(),
        3 => view! { <h3>{inner}</h3> }.into_any(),
        4 => view! { <h4>{inner}</h4> }.into_any(),
        5 => view! { <h5>{inner}</h5> }.into_any(),
        _ => view! { <h6>{inner}</h6> }.into_any(),
    }
}

fn block(block: &Block, ctx: RenderCtx) -> AnyView {
    match block {
        Block::Heading { level, content, .. } => heading(*level, inlines(content, ctx)),
        Block::Paragraph { content, .. } if is_metadata(content) => {
            // `**Key:** value` lines, one per line, as the author meant them.
            let rows = content
                .split(|i| matches!(i, Inline::SoftBreak | Inline::HardBreak))
                .filter(|line| !line.is_empty())
                .map(|line| view! { <div class="meta-row">{inlines(line, ctx)}</div> })
                .collect_view();
            view! { <div class="meta">{rows}</div> }.into_any()
        }
        Block::Paragraph { content, line } => match ctx.step_at_line(*line) {
            // A sentence that is a step ("Watch the node for 10 minutes").
            Some(id) => {
                let label = Some(inlines(content, ctx));
                run::step(id, run::Shape::Block, label, ().into_any(), None)
            }
            None => match ctx.make_step(*line) {
                Some(button) => view! {
                    <p class="candidate">{inlines(content, ctx)} " " {button}</p>
                }
                .into_any(),
                None => view! { <p>{inlines(content, ctx)}</p> }.into_any(),
            },
        },
        Block::Code { lang, text, line } => {
            if let Some(subs) = ctx.subs_at(*line) {
                // One row per `# Step N:` part, each with its own commands.
                // Lines before the first part run first: shown on their own.
                let before = subs[0].line.saturating_sub(*line + 1);
                let prefix: String = text.split_inclusive('\n').take(before).collect();
                let prefix =
                    (!prefix.trim().is_empty()).then(|| code_block(&prefix, lang.as_deref()));
                let rows = subs
                    .into_iter()
                    .map(|sub| {
                        let label = Some(sub.text.clone().into_any());
                        let code = code_block(sub.code.as_deref().unwrap_or(""), lang.as_deref());
                        run::step(
                            sub.id.clone(),
                            run::Shape::Block,
                            label,
                            code,
                            sub.code.clone(),
                        )
                    })
                    .collect_view();
                // The whole block stays one click away, exactly as written.
                let whole = code_block(text, lang.as_deref());
                return view! {
                    {prefix}
                    <div class="substeps">{rows}</div>
                    <details class="whole-block">
                        <summary>"The whole block"</summary>
                        {whole}
                    </details>
                }
                .into_any();
            }
            let code = code_block(text, lang.as_deref());
            match ctx.step_at_line(*line) {
                Some(id) => run::step(id, run::Shape::Block, None, code, Some(text.clone())),
                None => match ctx.make_step(*line) {
                    Some(button) => view! {
                        <div class="candidate candidate-code">{code} {button}</div>
                    }
                    .into_any(),
                    None => code,
                },
            }
        }
        Block::List { start, items } => {
            let rendered = items.iter().map(|i| item(i, ctx)).collect_view();
            let has_tasks = items.iter().any(|i| i.task.is_some());
            let class = if has_tasks { "task-list" } else { "" };
            match start {
                Some(n) => view! { <ol class=class start=*n>{rendered}</ol> }.into_any(),
                None => view! { <ul class=class>{rendered}</ul> }.into_any(),
            }
        }
        Block::Quote(inner) => view! { <blockquote>{blocks(inner, ctx)}</blockquote> }.into_any(),
        Block::Table { head, rows } => {
            let head = head
                .iter()
                .map(|cell| view! { <th scope="col">{inlines(cell, ctx)}</th> })
                .collect_view();
            let rows = rows
                .iter()
                .map(|row| {
                    let cells = row
                        .iter()
                        .map(|cell| view! { <td>{inlines(cell, ctx)}</td> })
                        .collect_view();
                    view! { <tr>{cells}</tr> }
                })
                .collect_view();
            view! {
                <div class="table-wrap">
                    <table>
                        <thead><tr>{head}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
        Block::Rule => view! { <hr /> }.into_any(),
    }
}

fn item(item: &ListItem, ctx: RenderCtx) -> AnyView {
    // The first paragraph is the item's label; anything after it (nested
    // lists, code) follows below it.
    let (label, rest): (&[Inline], &[Block]) = match item.blocks.split_first() {
        Some((Block::Paragraph { content, .. }, rest)) => (content, rest),
        _ => (&[], &item.blocks),
    };
    let step = match item.task {
        Some(index) => ctx.step_of_task(index),
        None => ctx.step_at_line(item.line),
    };
    if let Some(id) = step {
        let label = view! { {inlines(label, ctx)} {ctx.badges(item.line)} }.into_any();
        let code = item.blocks.iter().find_map(|b| match b {
            Block::Code { text, .. } => Some(text.clone()),
            _ => None,
        });
        return run::step(id, run::Shape::Item, Some(label), blocks(rest, ctx), code);
    }
    let Some(index) = item.task else {
        let class = ctx.item_class(item.line, "");
        return view! {
            <li class=class>
                {inlines(label, ctx)}
                {ctx.badges(item.line)}
                {ctx.make_step(item.line).map(|b| view! { " " {b} })}
                {blocks(rest, ctx)}
            </li>
        }
        .into_any();
    };
    // Outside a run (or outside its checklist), a task shows how the
    // guide wrote it.
    let class = ctx.item_class(item.line, "task");
    let checked = ctx.task_checked_in_guide(index);
    view! {
        <li class=class class:done=checked>
            <label class="task-label">
                <input type="checkbox" class="task-check" disabled prop:checked=checked />
                <span class="task-text">{inlines(label, ctx)}</span>
            </label>
            {ctx.badges(item.line)}
            {ctx.make_step(item.line).map(|b| view! { " " {b} })}
            {blocks(rest, ctx)}
        </li>
    }
    .into_any()
}

/// A code block with styled tokens and a copy button, which copies what
/// is shown (secrets masked, as in the model) with the run's parameters
/// put in.
pub fn code_block(text: &str, lang: Option<&str>) -> AnyView {
    let class = lang
        .map(|l| format!("code lang-{}", css_token(l)))
        .unwrap_or_else(|| "code".to_owned());
    // With placeholders, their values (once given) are shown in place.
    let tokens = crate::ui::params::filled_tokens(text, lang).unwrap_or_else(|| {
        highlight::spans(text, lang)
            .into_iter()
            .map(|(tok, range)| {
                let part = text[range].to_owned();
                match tok {
                    highlight::Tok::Plain => part.into_any(),
                    tok => view! { <span class=tok.class()>{part}</span> }.into_any(),
                }
            })
            .collect_view()
            .into_any()
    });
    view! {
        <div class="code-wrap">
            // Focusable, so that a long line can be scrolled with the keys.
            <pre class=class data-lang=lang.map(str::to_owned) tabindex="0"><code>{tokens}</code></pre>
            {run::copy_command_button(text.to_owned(), lang.unwrap_or("").to_owned())}
        </div>
    }
    .into_any()
}

pub fn inlines(content: &[Inline], ctx: RenderCtx) -> AnyView {
    content
        .iter()
        .map(|i| inline(i, ctx))
        .collect_view()
        .into_any()
}

fn inline(inline: &Inline, ctx: RenderCtx) -> AnyView {
    match inline {
        Inline::Text(text) => text.clone().into_any(),
        Inline::Code(text) => view! { <code>{text.clone()}</code> }.into_any(),
        Inline::Emphasis(c) => view! { <em>{inlines(c, ctx)}</em> }.into_any(),
        Inline::Strong(c) => view! { <strong>{inlines(c, ctx)}</strong> }.into_any(),
        Inline::Strikethrough(c) => view! { <del>{inlines(c, ctx)}</del> }.into_any(),
        Inline::Link { href, content } => {
            // A guide's links open beside the run, never in place of it.
            let same_page = href.starts_with('#');
            view! {
                <a
                    href=href.clone()
                    target=(!same_page).then_some("_blank")
                    rel=(!same_page).then_some("noopener noreferrer")
                >
                    {inlines(content, ctx)}
                </a>
            }
            .into_any()
        }
        Inline::Image { alt } => {
            let text = if alt.is_empty() {
                "[image]".to_owned()
            } else {
                format!("[image: {alt}]")
            };
            view! { <span class="image-alt">{text}</span> }.into_any()
        }
        Inline::SoftBreak => " ".into_any(),
        Inline::HardBreak => view! { <br /> }.into_any(),
        Inline::FlatTask(index) => {
            let checked = ctx.task_checked_in_guide(*index);
            view! { <input type="checkbox" class="task-check" disabled prop:checked=checked /> }
                .into_any()
        }
    }
}

/// Whether a paragraph is several lines that each start with bold text.
fn is_metadata(content: &[Inline]) -> bool {
    let mut lines = content
        .split(|i| matches!(i, Inline::SoftBreak | Inline::HardBreak))
        .filter(|line| !line.is_empty())
        .peekable();
    lines.peek().is_some()
        && content
            .iter()
            .any(|i| matches!(i, Inline::SoftBreak | Inline::HardBreak))
        && lines.all(|line| matches!(line.first(), Some(Inline::Strong(_))))
}

/// A language name reduced to characters safe in a class name.
fn css_token(lang: &str) -> String {
    lang.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase()
}
