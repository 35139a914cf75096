//! Renders a core [`Document`] into DOM nodes, block by block.
//!
//! Every piece of guide text becomes a text node; no guide content is ever
//! given to `inner_html`. Only task checkboxes are reactive; the rest of the
//! tree is built once.

use leptos::prelude::*;
use preflight_core::guide::{Guide, Level, TriggerAction};
use preflight_core::text::secrets;
use preflight_core::{Block, Inline, ListItem, Progress};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What the guide model says about particular lines, for the renderer to
/// mark: gates, rollback triggers, lines holding secrets.
#[derive(Debug, Default)]
pub struct Marks {
    /// Item line → (badge text, CSS level class).
    gates: HashMap<usize, (String, &'static str)>,
    /// Item line → badge text.
    triggers: HashMap<usize, &'static str>,
    secret_lines: HashSet<usize>,
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
        marks.secret_lines = guide.secret_lines.iter().copied().collect();
        marks
    }
}

/// What rendering needs besides the blocks themselves.
#[derive(Clone, Copy)]
pub struct RenderCtx {
    pub guide: StoredValue<Arc<Guide>>,
    pub marks: StoredValue<Arc<Marks>>,
    pub progress: RwSignal<Progress>,
    /// Called with (task index, checked) when a checkbox changes.
    pub on_toggle: Callback<(usize, bool)>,
}

impl RenderCtx {
    fn is_checked(&self, index: usize) -> bool {
        let guide = self.guide.get_value();
        let Some(task) = guide.tasks.get(index) else {
            return false;
        };
        self.progress.with(|p| p.is_checked(&task.id, task.checked))
    }

    fn task_text(&self, index: usize) -> String {
        self.guide
            .with_value(|g| g.tasks.get(index).map(|t| t.text.clone()))
            .unwrap_or_default()
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

    /// Code text with secrets on flagged lines masked.
    fn code_text(&self, text: &str, first_line: usize) -> String {
        let marks = self.marks.get_value();
        if marks.secret_lines.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        for (offset, line) in text.split_inclusive('\n').enumerate() {
            if marks.secret_lines.contains(&(first_line + 1 + offset)) {
                out.push_str(&secrets::mask_line(line));
            } else {
                out.push_str(line);
            }
        }
        out
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
        Block::Paragraph { content, .. } => view! { <p>{inlines(content, ctx)}</p> }.into_any(),
        Block::Code { lang, text, line } => {
            let text = ctx.code_text(text, *line);
            let lang = lang.clone();
            let class = lang
                .as_deref()
                .map(|l| format!("code lang-{}", css_token(l)))
                .unwrap_or_else(|| "code".to_owned());
            view! {
                <pre class=class data-lang=lang><code>{text}</code></pre>
            }
            .into_any()
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
    let Some(index) = item.task else {
        let class = ctx.item_class(item.line, "");
        return view! {
            <li class=class>
                {inlines(label, ctx)}
                {ctx.badges(item.line)}
                {blocks(rest, ctx)}
            </li>
        }
        .into_any();
    };
    let class = ctx.item_class(item.line, "task");
    view! {
        <li class=class class:done=move || ctx.is_checked(index)>
            <label class="task-label">
                {checkbox(index, ctx, None)}
                <span class="task-text">{inlines(label, ctx)}</span>
            </label>
            {ctx.badges(item.line)}
            {blocks(rest, ctx)}
        </li>
    }
    .into_any()
}

fn checkbox(index: usize, ctx: RenderCtx, aria_label: Option<String>) -> impl IntoView {
    view! {
        <input
            type="checkbox"
            class="task-check"
            aria-label=aria_label
            prop:checked=move || ctx.is_checked(index)
            on:change=move |ev| ctx.on_toggle.run((index, event_target_checked(&ev)))
        />
    }
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
        Inline::FlatTask(index) => checkbox(*index, ctx, Some(ctx.task_text(*index))).into_any(),
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
