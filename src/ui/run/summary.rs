//! The end-of-run summary.

use crate::effects::clock;
use crate::state::AppState;
use leptos::prelude::*;
use preflight_core::run::format_ms;
use preflight_core::text::duration::format_range;
use preflight_core::Outcome;

/// Shown once the run has ended: how long it took against the estimate,
/// what was skipped or overridden, what is still open, and the notes.
#[component]
pub(super) fn Summary() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let r = state.run.get()?;
        r.run.outcome()?;
        let guide = state.guide.get_untracked()?.guide;
        let s = r.run.summary(&r.plan, &guide, state.now.get_untracked());
        let outcome = s.outcome.map(Outcome::label).unwrap_or_default();
        let estimate = s
            .estimate_s
            .map(|e| format!(" against an estimate of {}", format_range(e)))
            .unwrap_or_default();
        let list = |title: &'static str, items: Vec<String>| {
            (!items.is_empty()).then(|| {
                view! {
                    <h3>{format!("{title} ({})", items.len())}</h3>
                    <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                }
            })
        };
        let skipped = s
            .skipped
            .iter()
            .map(|(text, by, why)| format!("{text} — skipped by {by}: {why}"))
            .collect();
        let overridden = s
            .overridden
            .iter()
            .map(|(text, by, why)| format!("{text} — checked early by {by}: {why}"))
            .collect();
        let gate_overrides = s
            .gate_overrides
            .iter()
            .map(|(text, by, why, observed)| {
                format!(
                    "{text} — let through by {by}: {why}{}",
                    observed
                        .as_ref()
                        .map(|v| format!(" (observed {v})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let gates_failed = s
            .gates_failed
            .iter()
            .map(|(text, verdict, value)| {
                format!(
                    "{text} — {}{}",
                    verdict.label(),
                    value
                        .as_ref()
                        .map(|v| format!(" (observed {v})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let decisions = s
            .decisions
            .iter()
            .map(|(at, by, path, decision)| {
                let path: Vec<String> = path
                    .iter()
                    .map(|a| format!("{} {}", a.question, if a.yes { "yes" } else { "no" }))
                    .collect();
                format!(
                    "{} {by}: {} — {}",
                    clock::local_hm(*at),
                    decision.label(),
                    if path.is_empty() {
                        "no questions".to_owned()
                    } else {
                        path.join("; ")
                    }
                )
            })
            .collect();
        let notes = s
            .notes
            .iter()
            .map(|n| format!("{} {}: {}", clock::local_hm(n.at_ms), n.by, n.text))
            .collect();
        Some(view! {
            <section class=format!("summary outcome-{outcome}").replace(' ', "-") aria-label="Run summary">
                <h2>{format!("Run {outcome}")}</h2>
                <p class="summary-duration">
                    {format!(
                        "Took {}{estimate}; {}.",
                        format_ms(s.duration_ms),
                        s.progress_label()
                    )}
                </p>
                {s.closing_note.clone().map(|(note, by)| view! {
                    <p class="summary-note">
                        <strong>"Closing note"</strong>
                        {format!(" ({by}): {note}")}
                    </p>
                })}
                {list("Skipped", skipped)}
                {list("Overridden", overridden)}
                {list("Criteria let through", gate_overrides)}
                {list("Criteria not met", gates_failed)}
                {list("Decisions", decisions)}
                {list("Not done", s.open.clone())}
                {list("Notes", notes)}
            </section>
        })
    }
}
