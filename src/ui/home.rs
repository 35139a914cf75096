//! The start page of a guide: start a run of it (who, which alternative,
//! the deploy window), reopen a recent run, or reopen a recent guide.

use crate::effects::{clock, storage};
use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use preflight_core::run::{format_ms, Plan};
use preflight_core::{LastGuide, Run};
use std::collections::BTreeMap;

/// What Preflight does, and the ways to open a guide.
#[component]
pub fn Intro() -> impl IntoView {
    view! {
        <section class="intro" aria-labelledby="intro-title">
            <h2 id="intro-title">"Run a deployment guide as a live checklist"</h2>
            <p>
                "Preflight turns a deployment guide written in Markdown into a checklist for the deploy window: steps to check, commands to copy, timers, gates and a rollback plan, kept in this browser."
            </p>
            <crate::ui::open::OpenControls />
        </section>
    }
}

/// The start page under the intro: start a run of the open guide (shown
/// below as a preview), reopen a recent run or guide.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        {crate::ui::lazy::guide_changes()}
        <StartRun />
        <RecentRuns />
        <RecentGuidesList />
    }
}

/// The settings page: storage and import, the webhook, saved relay
/// credentials.
#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <h1 class="page-title">"Settings"</h1>
        <StoragePanel />
        <crate::ui::webhook::WebhookPanel />
        <crate::ui::share::RelayCredentialsPanel />
    }
}

#[component]
fn StartRun() -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = state.guide.get_untracked();
    let Some(open) = open else {
        return ().into_any();
    };
    let plan = Plan::new(&open.guide, &BTreeMap::new());
    let now = clock::now_ms();
    let window = Run::default_window(&open.guide, now);
    let name = RwSignal::new(state.operator.get_untracked());
    let start = RwSignal::new(clock::to_input(window.start_ms));
    let end = RwSignal::new(clock::to_input(window.end_ms));
    let choices = RwSignal::new(plan.choices());
    let four_eyes = RwSignal::new(false);
    // The parameters a step does not note during the run are asked for
    // here (their fields come with the parameters' module); any left
    // empty are asked for when a command needs them.
    let rp = expect_context::<crate::params::RunParams>();
    let param_values = RwSignal::new(BTreeMap::<String, String>::new());
    let start_plan = std::sync::Arc::new(plan.clone());
    let param_fields = move || {
        rp.found
            .with(|f| f.as_ref().is_some_and(|f| !f.params.is_empty()))
            .then(|| {
                crate::ui::lazy::params_view(crate::ui::lazy::ParamView::Start(
                    start_plan.clone(),
                    param_values,
                ))
            })
    };
    let groups = plan
        .groups
        .iter()
        .map(|g| {
            let group = g.id.clone();
            let options = g
                .options
                .iter()
                .map(|(id, title)| {
                    let (group, id, id2) = (group.clone(), id.clone(), id.clone());
                    let group2 = group.clone();
                    view! {
                        <label class="radio">
                            <input
                                type="radio"
                                name=format!("alt-{group}")
                                value=id.clone()
                                prop:checked=move || choices.with(|c| c.get(&group) == Some(&id))
                                on:change=move |_| choices.update(|c| {
                                    c.insert(group2.clone(), id2.clone());
                                })
                            />
                            {title.clone()}
                        </label>
                    }
                })
                .collect_view();
            let parent = open
                .guide
                .all_phases()
                .into_iter()
                .find(|p| {
                    p.sections
                        .iter()
                        .any(|s| s.alternative_group.as_deref() == Some(&g.id))
                })
                .map(|p| p.title.clone())
                .unwrap_or_else(|| "Choose one".to_owned());
            view! {
                <fieldset class="alternatives">
                    <legend>{parent}</legend>
                    {options}
                </fieldset>
            }
        })
        .collect_view();
    let estimate = open
        .guide
        .estimate_s
        .map(|e| {
            format!(
                "The guide estimates {}.",
                preflight_core::text::duration::format_range(e)
            )
        })
        .unwrap_or_else(|| "The guide gives no estimate; the window defaults to one hour.".into());
    // The window's work for the chosen alternatives, against the window:
    // said here, while it can still be changed, not as an alarm later.
    let guide = open.guide.clone();
    let work = Memo::new(move |_| choices.with(|c| Plan::new(&guide, c).planned_work_s()));
    let fit = move || {
        let (from, to) = (
            clock::from_input(&start.get())?,
            clock::from_input(&end.get())?,
        );
        (to > from)
            .then(|| preflight_core::run::forecast::window_fit(work.get(), to - from))
            .flatten()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(start_ms), Some(end_ms)) = (
            clock::from_input(&start.get_untracked()),
            clock::from_input(&end.get_untracked()),
        ) else {
            state.notify(
                NoticeKind::Error,
                "Enter the start and end of the deploy window.".into(),
            );
            return;
        };
        if end_ms <= start_ms {
            state.notify(
                NoticeKind::Error,
                "The deploy window must end after it starts.".into(),
            );
            return;
        }
        state.start_run(
            &name.get_untracked(),
            choices.get_untracked(),
            preflight_core::Window { start_ms, end_ms },
            four_eyes.get_untracked(),
        );
        if state.run.with_untracked(Option::is_some) {
            crate::ui::lazy::set_param_values(rp, state, param_values.get_untracked());
        }
    };
    view! {
        <form class="start-run" on:submit=submit aria-label="Start a run">
            <h2>"Start a run of this guide"</h2>
            <div class="start-fields">
                <label>
                    "Your name"
                    <input
                        type="text"
                        name="operator"
                        autocomplete="name"
                        required
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Window starts"
                    <input
                        type="datetime-local"
                        name="window-start"
                        required
                        prop:value=move || start.get()
                        on:input=move |ev| start.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Window ends"
                    <input
                        type="datetime-local"
                        name="window-end"
                        required
                        prop:value=move || end.get()
                        on:input=move |ev| end.set(event_target_value(&ev))
                    />
                </label>
            </div>
            <p class="hint">{estimate}</p>
            {move || fit().map(|text| view! { <p class="window-fit" role="status">{text}</p> })}
            {move || {
                let n = state.preview.with(|o| o.len());
                (n > 0)
                    .then(|| {
                        view! {
                            <p class="hint corrections-note" role="status">
                                {if n == 1 {
                                    "1 correction from the preview will be applied (Make this a step / Not a step); it is logged as the run's first event.".to_owned()
                                } else {
                                    format!("{n} corrections from the preview will be applied (Make this a step / Not a step); they are logged as the run's first events.")
                                }}
                                " "
                                <button
                                    type="button"
                                    class="small"
                                    on:click=move |_| state.clear_preview()
                                >
                                    "Undo them"
                                </button>
                            </p>
                        }
                    })
            }}
            {param_fields}
            {groups}
            <label class="radio">
                <input
                    type="checkbox"
                    name="four-eyes"
                    prop:checked=move || four_eyes.get()
                    on:change=move |ev| four_eyes.set(event_target_checked(&ev))
                />
                "Require a second person's “approved” sign-off to complete the run"
            </label>
            <div class="run-actions">
                <button type="submit" class="primary">"Start run"</button>
                <button type="button" on:click=move |_| crate::effects::print::print()>
                    "Print blank runbook"
                </button>
            </div>
        </form>
    }
    .into_any()
}

#[component]
fn RecentRuns() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let runs = state.runs.get();
        if runs.runs.is_empty() {
            return None;
        }
        let rows = runs
            .sorted()
            .into_iter()
            .take(20)
            .map(|e| {
                let status = match e.outcome {
                    None => "in progress".to_owned(),
                    Some(o) => o.label().to_owned(),
                };
                let id = e.id.clone();
                let took = e
                    .outcome
                    .map(|_| format!(" · took {}", format_ms(e.updated_ms - e.started_ms)))
                    .unwrap_or_default();
                view! {
                    <li class=format!("run-entry {}", if e.outcome.is_none() { "active" } else { "ended" })>
                        <button type="button" class="link" on:click=move |_| { state.open_run(&id); }>
                            {e.guide_title.clone()}
                        </button>
                        <span class="run-entry-meta">
                            {format!(
                                "{status} · {} · {} by {}{took}",
                                e.progress_label(),
                                clock::local_datetime(e.started_ms),
                                e.operator
                            )}
                        </span>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="recent recent-runs" aria-label="Recent runs">
                <h2>"Recent runs"</h2>
                <ul>{rows}</ul>
            </section>
        })
    }
}

#[component]
fn RecentGuidesList() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let recent = state.recent.get();
        let current = state.guide.with(|g| g.as_ref().map(|g| g.hash.clone()));
        let rows: Vec<_> = recent
            .guides
            .into_iter()
            .filter(|g| Some(&g.hash) != current.as_ref())
            .map(|g| {
                let (title, meta) = (
                    g.title.clone(),
                    format!("{} · {}", g.origin, clock::local_datetime(g.opened_ms)),
                );
                let open = move |_| {
                    let stored = storage::get(&LastGuide::storage_key_for(&g.hash))
                        .ok()
                        .flatten()
                        .and_then(|raw| LastGuide::decode(&raw));
                    match stored {
                        Some(s) => {
                            let origin = match (s.origin.as_str(), s.name) {
                                ("url", Some(url)) => crate::state::Origin::Url(url),
                                ("file", Some(name)) => crate::state::Origin::File(name),
                                ("example", _) => crate::state::Origin::Example,
                                _ => crate::state::Origin::Pasted,
                            };
                            state.open_bytes(origin, s.text.as_bytes());
                        }
                        None if g.origin.starts_with("http") => state.open_url(&g.origin),
                        None if g.origin == "Built-in example" => state.open_example(),
                        None => state.notify(
                            NoticeKind::Warning,
                            format!(
                                "The text of “{}” was not kept; open the file again.",
                                g.title
                            ),
                        ),
                    }
                };
                view! {
                    <li>
                        <button type="button" class="link" on:click=open>{title}</button>
                        <span class="run-entry-meta">{meta}</span>
                    </li>
                }
            })
            .collect();
        (!rows.is_empty()).then(|| {
            view! {
                <section class="recent recent-guides" aria-label="Recent guides">
                    <h2>"Recent guides"</h2>
                    <ul>{rows}</ul>
                </section>
            }
        })
    }
}

/// Storage use (total and per run), importing a run, deleting old runs.
#[component]
fn StoragePanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let confirm = RwSignal::new(None::<String>);
    let on_import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        leptos::task::spawn_local(async move {
            match crate::effects::files::read(&file).await {
                Ok(bytes) => crate::ui::lazy::import(state, bytes),
                Err(why) => state.notify(NoticeKind::Error, format!("Not imported: {why}.")),
            }
        });
    };
    let rows = move || {
        // Re-read when the list of runs changes.
        let runs = state.runs.get();
        let (total, per_run) = crate::persist::usage();
        let rows = runs
            .sorted()
            .into_iter()
            .map(|e| {
                let bytes = per_run.get(&e.id).copied().unwrap_or(0);
                let id = e.id.clone();
                let id2 = e.id.clone();
                let ended = e.outcome.is_some();
                let asking = move || confirm.with(|c| c.as_deref() == Some(id.as_str()));
                let delete = move |_| {
                    if confirm.with_untracked(|c| c.as_deref() == Some(id2.as_str())) {
                        state.delete_run(&id2);
                        confirm.set(None);
                    } else {
                        confirm.set(Some(id2.clone()));
                    }
                };
                view! {
                    <li>
                        <span>{e.guide_title.clone()}</span>
                        <span class="run-entry-meta">
                            {format!(
                                "{} · {} · {}",
                                crate::effects::clock::local_datetime(e.started_ms),
                                e.outcome.map_or("in progress", |o| o.label()),
                                crate::persist::format_bytes(bytes)
                            )}
                        </span>
                        <Show when=move || ended>
                            <button type="button" class="small danger" on:click=delete.clone()>
                                {let asking = asking.clone(); move || if asking() { "Really delete?" } else { "Delete" }}
                            </button>
                        </Show>
                    </li>
                }
            })
            .collect_view();
        view! {
            <p class="storage-total">
                {format!("Preflight uses {} of this browser's storage.", crate::persist::format_bytes(total))}
            </p>
            <ul>{rows}</ul>
        }
    };
    view! {
        <details class="recent storage-panel">
            <summary>"Storage and import"</summary>
            <label class="button file-button">
                "Import run…"
                <input type="file" class="visually-hidden" accept=".json,application/json" on:change=on_import />
            </label>
            <p class="hint">
                "Runs in progress cannot be deleted here; finish or export them first. Export a run from its header."
            </p>
            {rows}
        </details>
    }
}
