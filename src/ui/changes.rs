//! "This guide changed since the last run": the step-level differences
//! between the open guide and the text of the latest run of a guide with
//! the same title, and, for a run in progress, adopting the new text.

use leptos::prelude::*;
use preflight_core::run::diff::{diff, DiffStep};
use preflight_core::run::Plan;
use preflight_core::Run;

use crate::effects::clock;
use crate::state::AppState;

fn list(title: &'static str, class: &'static str, items: Vec<String>) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <div class=class>
                <h3>{format!("{title} ({})", items.len())}</h3>
                <ul>{items.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
            </div>
        }
    })
}

fn named(s: &DiffStep) -> String {
    format!("{} — {}", s.text, s.phase)
}

/// The latest run of the open guide's title and the two plans to compare,
/// as `AppState::changed_since` finds them.
pub type Since = (Run, String, Plan, Plan);

#[component]
pub fn GuideChanges(since: Since) -> impl IntoView {
    let state = expect_context::<AppState>();
    let (run, _, old, new) = since;
    let d = diff(&old, &new);
    if d.is_empty() {
        return None;
    }
    let in_progress = run.outcome().is_none();
    let id = run.id.clone();
    let when = format!(
        "{} run started {} by {}",
        if in_progress { "the" } else { "the last" },
        clock::local_datetime(run.started_ms),
        run.operator
    );
    let summary = format!(
        "This guide changed since {when}: {} changed, {} added, {} removed, {} unchanged.",
        d.changed.len(),
        d.added.len(),
        d.removed.len(),
        d.unchanged
    );
    let changed = d
        .changed
        .iter()
        .map(|(a, b)| format!("“{}” → “{}” — {}", a.text, b.text, b.phase))
        .collect();
    let added = d.added.iter().map(named).collect();
    let removed = d.removed.iter().map(named).collect();
    Some(view! {
        <section class="guide-changes" aria-label="Changes since the last run">
            <p><strong>{summary}</strong></p>
            {list("Changed", "diff-changed", changed)}
            {list("Added", "diff-added", added)}
            {list("Removed", "diff-removed", removed)}
            {in_progress.then(|| view! {
                <p class="hint">
                    "Adopting keeps the state of unchanged steps, reopens changed ones and records removed ones in the run's log. "
                    <button type="button" class="primary" on:click=move |_| state.adopt_guide(&id)>
                        "Adopt this version in the run in progress"
                    </button>
                </p>
            })}
        </section>
    })
}
