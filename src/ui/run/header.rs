//! The run's sticky header: who, the deploy window, overall progress, the
//! run's actions, rollback and forecast lines, and the finish form.

use super::AssignForm;
use crate::effects::{clipboard, clock};
use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use preflight_core::run::{format_ms, WindowLevel};
use preflight_core::text::duration::format_range;
use preflight_core::{Action, Outcome};

/// The forecast finish against the window, and the point of no return:
/// a line, then a warning as it nears and once it has passed.
fn forecast_view(
    state: AppState,
    f: preflight_core::run::forecast::Forecast,
    window_end: i64,
) -> impl IntoView {
    use preflight_core::run::forecast::NoReturn;
    let pace = (f.pace != 1.0).then(|| format!(" · pace {:.1}× the estimates", f.pace));
    let line = format!(
        "Forecast finish {} (window ends {}){} · point of no return {}",
        clock::local_hm(f.finish_ms),
        clock::local_hm(window_end),
        pace.unwrap_or_default(),
        clock::local_hm(f.no_return_ms),
    );
    let rollback = format_ms(f.rollback_ms);
    let record = move |_| {
        let result = state.record(Action::PassNoReturn {
            no_return_ms: f.no_return_ms,
            finish_ms: f.finish_ms,
        });
        state.report(result);
    };
    let warning = match f.no_return {
        NoReturn::Ahead { .. } => None,
        NoReturn::Soon { in_ms } => Some(view! {
            <p class="no-return soon" role="alert">
                {format!(
                    "Point of no return in {} (at {}): after it, finishing the remaining steps and rolling back ({rollback}) no longer fit in the window.",
                    format_ms(in_ms),
                    clock::local_hm(f.no_return_ms)
                )}
            </p>
        }.into_any()),
        NoReturn::Passed { knowingly: None, .. } => Some(view! {
            <p class="no-return passed" role="alert">
                {format!(
                    "Past the point of no return since {}: finishing the remaining steps and rolling back ({rollback}) no longer fit in the window. ",
                    clock::local_hm(f.no_return_ms)
                )}
                <Show when=move || !state.read_only.get()>
                    <button type="button" class="small danger" on:click=record>
                        "Go on past it (recorded)"
                    </button>
                </Show>
            </p>
        }.into_any()),
        NoReturn::Passed { knowingly: Some((at, by)), .. } => Some(view! {
            <p class="no-return passed known" role="status">
                {format!(
                    "Past the point of no return ({}); {by} recorded going on at {}.",
                    clock::local_hm(f.no_return_ms),
                    clock::local_hm(at)
                )}
            </p>
        }.into_any()),
    };
    view! {
        <p class="forecast" class:late=f.late data-no-return=f.no_return_ms.to_string()>{line}</p>
        {warning}
    }
}

/// The sticky bar: who, the deploy window, overall progress, finishing.
#[component]
pub(super) fn RunHeader() -> impl IntoView {
    let state = expect_context::<AppState>();
    let run = move || state.run.get();
    let title = move || run().map(|r| r.run.guide_title).unwrap_or_default();
    let who = move || {
        run()
            .map(|r| {
                format!(
                    "Started {} by {}",
                    clock::local_datetime(r.run.started_ms),
                    r.run.operator
                )
            })
            .unwrap_or_default()
    };
    let progress = Memo::new(move |_| {
        state.run.with(|r| {
            r.as_ref().map(|r| {
                let p = state.run_state.with(|st| r.run.progress(&r.plan, st, None));
                (p.resolved, p.total, p.label())
            })
        })
    });
    let window = move || {
        let now = state.now.get();
        state.run.with(|r| {
            let r = r.as_ref()?;
            let t = r.run.window_timer(now);
            let w = r.run.window;
            let span = format!(
                "Window {}–{}",
                clock::local_hm(w.start_ms),
                clock::local_hm(w.end_ms)
            );
            let (class, left) = match t.level {
                WindowLevel::Upcoming => (
                    "window upcoming",
                    format!("opens in {}", format_ms(w.start_ms - now)),
                ),
                WindowLevel::Ok => ("window ok", format!("{} left", format_ms(t.remaining_ms))),
                WindowLevel::Warning => (
                    "window warning",
                    format!("{} left: past 80% of the window", format_ms(t.remaining_ms)),
                ),
                WindowLevel::Exceeded => (
                    "window exceeded",
                    format!("window exceeded by {}", format_ms(-t.remaining_ms)),
                ),
            };
            let finished = r.run.outcome().is_some();
            Some(view! {
                <span class=class data-level=format!("{:?}", t.level).to_lowercase() role="timer">
                    <span class="window-span">{span}</span>
                    " · "
                    <span class="elapsed">{format!("elapsed {}", format_ms(t.elapsed_ms))}</span>
                    {(!finished).then(|| view! { " · " <strong class="left">{left}</strong> })}
                </span>
            })
        })
    };
    let finishing = RwSignal::new(false);
    let signing = RwSignal::new(false);
    let assigning = RwSignal::new(false);
    let share = move |_| {
        let Some(link) = state.share_link() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match clipboard::copy(&link).await {
                Ok(()) => state.notify(
                    NoticeKind::Info,
                    "A read-only link to this run was copied. It carries the run and its guide."
                        .into(),
                ),
                Err(why) => state.notify(NoticeKind::Warning, format!("Not copied: {why}.")),
            }
        });
    };
    // Rolling back: the rollback checklist's progress and its own timer.
    let rollback_bar = move || {
        let now = state.now.get();
        let estimate = state
            .guide
            .with(|g| g.as_ref().and_then(|g| g.guide.rollback.estimate_s));
        state.run.with(|r| {
            let r = r.as_ref()?;
            state.run_state.with(|st| {
                let (running, over) = r.run.rollback_timer(st, estimate, now)?;
                let p = r.run.rollback_progress(&r.plan, st);
                let estimate = estimate
                    .map(|e| format!(" of {}", format_range(e)))
                    .unwrap_or_default();
                Some(view! {
                    <p class="rollback-bar" class:overrun=over role="status">
                        <strong>"Rolling back"</strong>
                        {format!(
                            " · rollback steps: {} · {}{estimate}{}",
                            p.label(),
                            format_ms(running),
                            if over { " — over the estimate" } else { "" }
                        )}
                    </p>
                })
            })
        })
    };
    let finished = move || state.finished.get();
    let forecast = move || {
        let now = state.now.get();
        let estimate = state
            .guide
            .with(|g| g.as_ref().and_then(|g| g.guide.rollback.estimate_s));
        let (f, end) = state.run.with(|r| {
            let r = r.as_ref()?;
            state.run_state.with(|st| {
                r.run
                    .forecast(&r.plan, st, estimate, now)
                    .map(|f| (f, r.run.window.end_ms))
            })
        })?;
        Some(forecast_view(state, f, end))
    };

    view! {
        <section class="run-header" aria-label="Run">
            <div class="run-title">
                <strong>{title}</strong>
                <span class="run-who">{who}</span>
            </div>
            <div class="run-facts">
                {window}
                <span class="run-progress" aria-live="polite">
                    {move || progress.get().map(|(_, _, label)| label)}
                </span>
                <progress
                    max=move || progress.get().map_or(1, |(_, t, _)| t.max(1))
                    value=move || progress.get().map_or(0, |(d, _, _)| d)
                ></progress>
            </div>
            <div class="run-actions">
                <button type="button" on:click=move |_| state.close_run()>"All runs"</button>
                <button type="button" on:click=move |_| crate::ui::keys::toggle_help(state)>
                    "Shortcuts (?)"
                </button>
                <button type="button" on:click=move |_| state.export_run()>"Export run"</button>
                <button type="button" on:click=move |_| state.audit_pack(false)>"Audit pack (Markdown)"</button>
                <button type="button" on:click=move |_| state.audit_pack(true)>"Audit pack (HTML)"</button>
                <button type="button" on:click=share>"Share link"</button>
                <crate::ui::share::ShareControls />
                <button type="button" on:click=move |_| crate::effects::print::print()>"Print record"</button>
                <Show when=move || !state.read_only.get() && !finished()>
                    <button
                        type="button"
                        aria-expanded=move || assigning.get().to_string()
                        on:click=move |_| assigning.update(|a| *a = !*a)
                    >
                        "Assign…"
                    </button>
                </Show>
                <button
                    type="button"
                    aria-pressed=move || state.only_mine.get().to_string()
                    on:click=move |_| state.only_mine.update(|m| *m = !*m)
                >
                    "My steps"
                </button>
                <Show when=move || !state.read_only.get()>
                    <button
                        type="button"
                        aria-expanded=move || signing.get().to_string()
                        on:click=move |_| signing.update(|s| *s = !*s)
                    >
                        "Sign off…"
                    </button>
                </Show>
                {move || {
                    let n = state
                        .hooks
                        .outbox
                        .with(|o| o.items.len());
                    (n > 0)
                        .then(|| {
                            view! {
                                <span class="outbox-count" role="status">
                                    {format!("{n} webhook message(s) waiting")}
                                </span>
                            }
                        })
                }}
                {move || {
                    let n = state.pending.with(Vec::len);
                    (n > 0)
                        .then(|| {
                            view! {
                                <span class="unsaved" role="status">
                                    {format!("{n} change(s) not saved yet")}
                                </span>
                            }
                        })
                }}
                <Show when=move || !finished() && !state.read_only.get()>
                    <button
                        type="button"
                        class="danger"
                        aria-expanded=move || state.deciding.get().to_string()
                        on:click=move |_| state.deciding.update(|d| *d = !*d)
                    >
                        "Something wrong?"
                    </button>
                    <button
                        type="button"
                        class="primary"
                        aria-expanded=move || finishing.get().to_string()
                        on:click=move |_| finishing.update(|f| *f = !*f)
                    >
                        "Finish run…"
                    </button>
                </Show>
            </div>
            <crate::ui::share::ShareForm />
            <Show when=move || assigning.get()>
                <AssignForm on_done=Callback::new(move |_| assigning.set(false)) />
            </Show>
            <Show when=move || finishing.get() && !finished()>
                <FinishForm on_done=Callback::new(move |_| finishing.set(false)) />
            </Show>
            <Show when=move || signing.get()>
                <crate::ui::signoff::SignOffForm on_done=Callback::new(move |_| signing.set(false)) />
            </Show>
            <Show when=move || state.read_only.get()>
                <p class="shared-banner" role="status">
                    "A shared copy of this run, read-only. "
                    <button type="button" class="small" on:click=move |_| state.save_shared()>
                        "Save to this browser"
                    </button>
                </p>
            </Show>
            {rollback_bar}
            {forecast}
            <crate::ui::keys::Help />
            <crate::ui::decide::DecisionPanel />
        </section>
    }
}

#[component]
fn FinishForm(on_done: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let outcome = RwSignal::new(Outcome::Completed);
    let note = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let action = Action::Finish {
            outcome: outcome.get_untracked(),
            note: note.get_untracked(),
        };
        match state.record(action) {
            Ok(()) => on_done.run(()),
            Err(why) => state.notify(NoticeKind::Error, format!("Could not finish: {why}.")),
        }
    };
    let choice = move |value: Outcome, label: &'static str| {
        view! {
            <label class="radio">
                <input
                    type="radio"
                    name="outcome"
                    prop:checked=move || outcome.get() == value
                    on:change=move |_| outcome.set(value)
                />
                {label}
            </label>
        }
    };
    view! {
        <form class="finish-form" on:submit=submit aria-label="Finish the run">
            <fieldset>
                <legend>"How did the run end?"</legend>
                {choice(Outcome::Completed, "Completed")}
                {choice(Outcome::RolledBack, "Rolled back")}
                {choice(Outcome::Abandoned, "Abandoned")}
            </fieldset>
            <label>
                "Closing note"
                <textarea
                    rows="2"
                    prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))
                ></textarea>
            </label>
            <button type="submit" class="primary">"Finish run"</button>
        </form>
    }
}
