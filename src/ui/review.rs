//! The managers' review: finished runs from this browser (and imported
//! ones), with who ran and who signed, timings, overrides, failed gates and
//! notes; filter by outcome and date; open one as its timeline. Also the
//! rollback decision tree as an outline, for print.

use crate::effects::{clock, storage};
use crate::persist::{self, Opened};
use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use preflight_core::run::decide::{self, Node};
use preflight_core::run::{chain, format_ms, signed_at, Outcome};
use preflight_core::text::duration::format_range;
use preflight_core::{Guide, LastGuide};
use std::collections::BTreeMap;

/// One run as the review shows it.
#[derive(Clone, PartialEq)]
struct Reviewed {
    id: String,
    title: String,
    outcome: Option<Outcome>,
    operator: String,
    started_ms: i64,
    ended_ms: Option<i64>,
    lines: Vec<String>,
}

fn load(id: &str) -> Option<Reviewed> {
    let Ok((Opened::Run(loaded), _)) = persist::open(id) else {
        return None;
    };
    let run = loaded.run;
    let guide = storage::get(&LastGuide::storage_key_for(run.current_guide_hash()))
        .ok()
        .flatten()
        .and_then(|raw| LastGuide::decode(&raw))
        .map(|g| Guide::parse(&g.text))?;
    let plan = run.plan(&guide);
    let state = run.state();
    let s = run.summary(&plan, &guide, clock::now_ms());
    let mut lines = vec![format!(
        "Took {}{}; {}; window {}.",
        format_ms(s.duration_ms),
        s.estimate_s
            .map(|e| format!(" against an estimate of {}", format_range(e)))
            .unwrap_or_default(),
        s.progress_label(),
        format_ms(s.window_ms)
    )];
    if let Some((note, by)) = &s.closing_note {
        lines.push(format!("Closing note ({by}): {note}"));
    }
    let checks = preflight_core::run::sign::verify(&run);
    let book = crate::ui::signoff::key_book();
    let signers: Vec<String> = state
        .signatures
        .iter()
        .map(|g| {
            let verdict = checks
                .iter()
                .find(|c| c.id == g.id)
                .map(|c| match &c.fingerprint {
                    Some(fp) => format!(
                        " — {}, key {fp} ({})",
                        c.label(),
                        book.seen(&run.id, c).label()
                    ),
                    None => format!(" — {}", c.label()),
                })
                .unwrap_or_default();
            format!(
                "{} {} ({}) {}{verdict}",
                g.by,
                g.meaning.label(),
                g.role,
                signed_at(g.at_ms, g.tz_offset_min)
            )
        })
        .collect();
    lines.push(if signers.is_empty() {
        "Signed by nobody.".to_owned()
    } else {
        format!("Signed: {}.", signers.join("; "))
    });
    // The values the run used, last first set; a secret's stays masked.
    let values: Vec<String> = state
        .params
        .iter()
        .map(|(k, p)| {
            format!(
                "{k} = {} ({}{})",
                preflight_core::run::params::shown(p.value.as_deref()),
                p.by,
                if p.times > 1 {
                    format!(", set {} times", p.times)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    if !values.is_empty() {
        lines.push(format!("Parameters: {}.", values.join("; ")));
    }
    for (text, by, why) in &s.overridden {
        lines.push(format!("Override — {text}, by {by}: {why}"));
    }
    for (text, by, why, observed) in &s.gate_overrides {
        lines.push(format!(
            "Override — {text}, by {by}: {why}{}",
            observed
                .as_ref()
                .map(|v| format!(" (observed {v})"))
                .unwrap_or_default()
        ));
    }
    for (text, verdict, value) in &s.gates_failed {
        lines.push(format!(
            "Failed gate — {text}: {}{}",
            verdict.label(),
            value
                .as_ref()
                .map(|v| format!(", observed {v}"))
                .unwrap_or_default()
        ));
    }
    for (text, by, why) in &s.skipped {
        lines.push(format!("Skipped — {text}, by {by}: {why}"));
    }
    for n in &s.notes {
        lines.push(format!(
            "Note — {} {}: {}",
            clock::local_hm(n.at_ms),
            n.by,
            n.text
        ));
    }
    // Who the steps were given to: name → (steps, done).
    let mut assigned: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (p, st) in plan.run_steps() {
        if let Some(who) = run.assignee(&state, p, st).who {
            let e = assigned.entry(who).or_default();
            e.0 += 1;
            if state.status_in(p, st).is_resolved() {
                e.1 += 1;
            }
        }
    }
    if !assigned.is_empty() {
        lines.push(format!(
            "Assigned: {}.",
            assigned
                .iter()
                .map(|(who, (n, done))| format!("{who} {done} of {n} steps"))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    lines.push(format!("Log head {}", chain::head(&run.events)));
    Some(Reviewed {
        id: run.id.clone(),
        title: run.guide_title.clone(),
        outcome: s.outcome,
        operator: run.operator.clone(),
        started_ms: run.started_ms,
        ended_ms: s.ended_ms,
        lines,
    })
}

#[component]
pub fn Review() -> impl IntoView {
    let state = expect_context::<AppState>();
    let outcome = RwSignal::new(String::from("ended"));
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let runs = Memo::new(move |_| {
        state
            .runs
            .get()
            .sorted()
            .into_iter()
            .filter_map(|e| load(&e.id))
            .collect::<Vec<_>>()
    });
    let shown = move || {
        let (outcome, from, to) = (outcome.get(), from.get(), to.get());
        let from_ms = clock::from_input(&format!("{from}T00:00"));
        let to_ms = clock::from_input(&format!("{to}T23:59"));
        runs.get()
            .into_iter()
            .filter(|r| match outcome.as_str() {
                "ended" => r.outcome.is_some(),
                "all" => true,
                "in_progress" => r.outcome.is_none(),
                "completed" => r.outcome == Some(Outcome::Completed),
                "rolled_back" => r.outcome == Some(Outcome::RolledBack),
                "abandoned" => r.outcome == Some(Outcome::Abandoned),
                _ => true,
            })
            .filter(|r| from_ms.is_none_or(|f| r.started_ms >= f))
            .filter(|r| to_ms.is_none_or(|t| r.started_ms <= t))
            .collect::<Vec<_>>()
    };
    let cards = move || {
        let list = shown();
        if list.is_empty() {
            return view! { <p class="hint">"No runs match."</p> }.into_any();
        }
        list.into_iter()
            .map(|r| {
                let id = r.id.clone();
                let status = r.outcome.map_or("in progress", Outcome::label);
                view! {
                    <article class="review-card" data-run=r.id.clone()>
                        <h3>{r.title.clone()}</h3>
                        <p class="run-entry-meta">
                            {format!(
                                "{status} · run by {} · {} – {}",
                                r.operator,
                                clock::local_datetime(r.started_ms),
                                r.ended_ms.map(clock::local_datetime).unwrap_or_else(|| "…".into())
                            )}
                        </p>
                        <ul>{r.lines.iter().map(|l| view! { <li>{l.clone()}</li> }).collect_view()}</ul>
                        <button
                            type="button"
                            class="small"
                            on:click=move |_| {
                                state.reviewing.set(false);
                                if !state.open_run(&id) {
                                    state.notify(NoticeKind::Warning, "That run could not be opened.".into());
                                }
                            }
                        >
                            "Open timeline"
                        </button>
                    </article>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="review" aria-label="Review">
            <h1 class="page-title">"Review of runs"</h1>
            <div class="start-fields review-filters">
                <label>
                    "Outcome"
                    <select on:change=move |ev| outcome.set(event_target_value(&ev))>
                        <option value="ended" selected>"Ended (any outcome)"</option>
                        <option value="completed">"Completed"</option>
                        <option value="rolled_back">"Rolled back"</option>
                        <option value="abandoned">"Abandoned"</option>
                        <option value="in_progress">"In progress"</option>
                        <option value="all">"All"</option>
                    </select>
                </label>
                <label>
                    "From"
                    <input type="date" on:input=move |ev| from.set(event_target_value(&ev)) />
                </label>
                <label>
                    "To"
                    <input type="date" on:input=move |ev| to.set(event_target_value(&ev)) />
                </label>
            </div>
            {cards}
        </section>
    }
}

/// The rollback decision tree as a nested outline: shown in print (blank
/// runbooks and completed records), where there are no buttons to click.
#[component]
pub fn TreeOutline() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let guide = state.guide.with(|g| g.as_ref().map(|g| g.guide.clone()))?;
        let tree = decide::tree(&guide, &[]);
        Some(view! {
            <section class="tree-outline print-only" aria-label="Rollback decision tree">
                <h2>"Rollback decision"</h2>
                <ol>{outline(&tree.root)}</ol>
            </section>
        })
    }
}

/// A chain of questions reads as a numbered list ("if no, the next
/// one"); a yes that leads to more questions nests them.
fn outline(node: &Node) -> AnyView {
    let mut items = Vec::new();
    let mut at = node;
    loop {
        match at {
            Node::End { decision, advice } => {
                items.push(
                    view! {
                        <li class="tree-end">
                            "Otherwise: "
                            <strong>{decision.label()}</strong>
                            {(!advice.is_empty()).then(|| format!(" — {}", advice.join("; ")))}
                        </li>
                    }
                    .into_any(),
                );
                break;
            }
            Node::Ask {
                question, yes, no, ..
            } => {
                let answer = match yes.as_ref() {
                    Node::End { decision, advice } => view! {
                        " If yes: "
                        <strong>{decision.label()}</strong>
                        {(!advice.is_empty()).then(|| format!(" — {}", advice.join("; ")))}
                    }
                    .into_any(),
                    deeper => view! { " If yes:" <ol>{outline(deeper)}</ol> }.into_any(),
                };
                items.push(view! { <li>{question.clone()} {answer}</li> }.into_any());
                at = no;
            }
        }
    }
    items.into_iter().collect_view().into_any()
}
