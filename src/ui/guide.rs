//! The open guide: its progress bar, its content and its diagnostics.

use crate::app::{AppState, OpenGuide};
use crate::ui::document::{self, RenderCtx};
use leptos::prelude::*;

#[component]
pub fn GuideView(guide: OpenGuide) -> impl IntoView {
    let state = expect_context::<AppState>();
    let doc = guide.doc.clone();
    let total = doc.tasks.len();
    let done = {
        let doc = doc.clone();
        Memo::new(move |_| {
            state.progress.with(|p| {
                doc.tasks
                    .iter()
                    .filter(|t| p.is_checked(&t.id, t.checked))
                    .count()
            })
        })
    };
    let ctx = RenderCtx {
        doc: StoredValue::new(doc.clone()),
        progress: state.progress,
        on_toggle: Callback::new(move |(index, checked)| state.toggle(index, checked)),
    };
    let diagnostics = doc
        .diagnostics
        .iter()
        .map(|d| {
            view! {
                <li class=format!("diag diag-{}", d.severity.as_str())>
                    <span class="diag-line">{format!("line {}", d.line)}</span>
                    " "
                    <span class="diag-severity">{d.severity.as_str()}</span>
                    ": "
                    {d.message.clone()}
                </li>
            }
        })
        .collect_view();
    let diagnostic_count = doc.diagnostics.len();

    view! {
        <section class="guide-status" aria-label="Progress">
            <span class="origin" title=guide.origin.label()>{guide.origin.label()}</span>
            <span class="count" aria-live="polite">
                {move || format!("{} of {} tasks done", done.get(), total)}
            </span>
            <progress max=total.max(1) value=move || done.get()></progress>
        </section>
        <article class="guide" data-guide-hash=guide.hash.clone()>
            {document::blocks(&doc.blocks, ctx)}
        </article>
        {(diagnostic_count > 0)
            .then(|| {
                view! {
                    <details class="diagnostics">
                        <summary>{format!("{diagnostic_count} notes about this guide")}</summary>
                        <ul>{diagnostics}</ul>
                    </details>
                }
            })}
    }
}
