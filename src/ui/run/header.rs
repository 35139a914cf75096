//! The run's sticky header: who, the deploy window, overall progress, the
//! run's actions, rollback and forecast lines, and the finish form.

use super::AssignForm;
use crate::effects::{clipboard, clock};
use crate::state::{AppState, NoticeKind};
use crate::ui::lazy::{self, Record};
use crate::ui::menu::{item, Menu};
use leptos::prelude::*;
use preflight_core::run::{format_ms, WindowLevel};
use preflight_core::text::duration::format_range;
use preflight_core::{Action, Outcome};

/// The forecast finish against the window, and the point of no return:
/// one quiet line until it matters ([`Alarm`]); a warning as the point of
/// no return nears or a step runs long; an alert once it has passed. A
/// plan that never fit its window was said on the start form, so it stays
/// quiet unless the finish slips.
fn forecast_view(
    state: AppState,
    f: preflight_core::run::forecast::Forecast,
    window_end: i64,
    step_text: impl Fn(&str) -> String,
) -> impl IntoView {
    use preflight_core::run::forecast::{Alarm, NoReturn};
    let pace = (f.pace != 1.0).then(|| format!(" · pace {:.1}× the estimates", f.pace));
    let rollback = format_ms(f.rollback_ms);
    let line = match (&f.no_return, f.alarm) {
        // Passed before anything happened: the plan was longer than the
        // window from the start.
        (NoReturn::Passed { knowingly: None, .. }, Alarm::Quiet) => format!(
            "Forecast finish {} (window ends {}){} · no room left to roll back ({rollback}) inside the window",
            clock::local_hm(f.finish_ms),
            clock::local_hm(window_end),
            pace.clone().unwrap_or_default(),
        ),
        _ => format!(
            "Forecast finish {} (window ends {}){} · point of no return {}",
            clock::local_hm(f.finish_ms),
            clock::local_hm(window_end),
            pace.clone().unwrap_or_default(),
            clock::local_hm(f.no_return_ms),
        ),
    };
    let record = move |_| {
        let result = state.record(Action::PassNoReturn {
            no_return_ms: f.no_return_ms,
            finish_ms: f.finish_ms,
        });
        state.report(result);
    };
    let long = f.running_long.as_ref().map(|(id, over)| {
        format!(
            "“{}” is running long: {} over its plan.",
            step_text(id),
            format_ms(*over)
        )
    });
    let warning = match (f.no_return.clone(), f.alarm) {
        (_, Alarm::Quiet) => None,
        (NoReturn::Soon { in_ms }, _) => Some(view! {
            <p class="no-return soon" role="status">
                {format!(
                    "Point of no return in {} (at {}): after it, finishing the remaining steps and rolling back ({rollback}) no longer fit in the window.",
                    format_ms(in_ms),
                    clock::local_hm(f.no_return_ms)
                )}
            </p>
        }.into_any()),
        (NoReturn::Passed { knowingly: None, .. }, Alarm::Alarm) => Some(view! {
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
        (NoReturn::Passed { knowingly: Some((at, by)), .. }, _) => Some(view! {
            <p class="no-return passed known" role="status">
                {format!(
                    "Past the point of no return ({}); {by} recorded going on at {}.",
                    clock::local_hm(f.no_return_ms),
                    clock::local_hm(at)
                )}
            </p>
        }.into_any()),
        _ => None,
    };
    let long = (f.alarm != Alarm::Quiet)
        .then_some(long)
        .flatten()
        .map(|text| view! { <p class="running-long" role="status">{text}</p> });
    view! {
        <p
            class="forecast"
            class:late=f.late && f.alarm != Alarm::Quiet
            data-alarm=format!("{:?}", f.alarm).to_lowercase()
            data-no-return=f.no_return_ms.to_string()
        >
            {line}
        </p>
        {warning}
        {long}
    }
}

/// The follow-ups of the run, apart from the window's work: each with
/// when it is due and how much of it is done.
#[component]
fn FollowUps() -> impl IntoView {
    let state = expect_context::<AppState>();
    let list = Memo::new(move |_| {
        state.run.with(|r| {
            r.as_ref()
                .map(|r| state.run_state.with(|st| r.run.follow_ups(&r.plan, st)))
                .unwrap_or_default()
        })
    });
    // Which are overdue: the clock is read here, so a tick rebuilds the
    // list only when one falls due.
    let overdue = Memo::new(move |_| {
        let now = state.now.get();
        list.with(|l| {
            l.iter()
                .map(|f| f.open() > 0 && f.due_ms <= now)
                .collect::<Vec<_>>()
        })
    });
    move || {
        let list = list.get();
        if list.is_empty() {
            return None;
        }
        let overdue = overdue.get();
        let rows = list
            .into_iter()
            .zip(overdue)
            .map(|(f, overdue)| {
                let id = f.phase_id.clone();
                let due = if f.open() == 0 {
                    "done".to_owned()
                } else if overdue {
                    format!("due since {}", clock::local_datetime(f.due_ms))
                } else {
                    format!("due {}", clock::local_datetime(f.due_ms))
                };
                view! {
                    <li class:overdue=overdue>
                        <button
                            type="button"
                            class="link"
                            on:click=move |_| crate::ui::run::scroll_to(&id)
                        >
                            {f.title.clone()}
                        </button>
                        {format!(" — {due} · {} of {} done", f.done, f.total)}
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="follow-ups" aria-labelledby="follow-ups-title">
                <h2 id="follow-ups-title">"Follow-ups after the window"</h2>
                <ul>{rows}</ul>
            </section>
        })
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
                    <span class="elapsed">{format!(" · elapsed {}", format_ms(t.elapsed_ms))}</span>
                    {(!finished).then(|| view! { <span class="sep">" · "</span> <strong class="left">{left}</strong> })}
                </span>
            })
        })
    };
    let finishing = RwSignal::new(false);
    let signing = RwSignal::new(false);
    let assigning = RwSignal::new(false);
    let share = move |_| {
        leptos::task::spawn_local(async move {
            let Some(link) = lazy::share_link(state).await else {
                return;
            };
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
        let step_text = move |id: &str| {
            state.run.with_untracked(|r| {
                r.as_ref()
                    .and_then(|r| r.plan.step(id).map(|(_, s)| s.text.clone()))
                    .unwrap_or_default()
            })
        };
        Some(forecast_view(state, f, end, step_text))
    };

    let writable = move || !state.read_only.get() && !finished();

    view! {
        // The run's status stays in view (sticky); its tools and forms
        // follow and scroll with the page.
        <section class="run-header run-status" aria-label="Run status">
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
                    aria-label="Steps resolved"
                ></progress>
            </div>
            <NowStep />
            <div class="run-actions">
                <Show when=writable>
                    <button
                        type="button"
                        class="danger"
                        aria-expanded=move || state.deciding.get().to_string()
                        on:click=move |_| {
                            state.deciding.update(|d| *d = !*d);
                            if state.deciding.get_untracked() {
                                crate::ui::reveal(".decide");
                            }
                        }
                    >
                        "Something wrong?"
                    </button>
                    <button
                        type="button"
                        class="primary"
                        aria-expanded=move || finishing.get().to_string()
                        on:click=move |_| {
                            finishing.update(|f| *f = !*f);
                            if finishing.get_untracked() {
                                crate::ui::reveal(".finish-form:not(.signoff-form)");
                            }
                        }
                    >
                        "Finish run…"
                    </button>
                </Show>
                <crate::ui::share::ShareBadge />
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
            </div>
        </section>
        <section class="run-tools" aria-label="Run tools">
            <div class="run-menus">
                <Menu label="Share and export" id="run-share">
                    {item("Export run", || false, move || lazy::record(state, Record::Export))}
                    {item("Audit pack (Markdown)", || false, move || lazy::record(state, Record::AuditMarkdown))}
                    {item("Audit pack (HTML)", || false, move || lazy::record(state, Record::AuditHtml))}
                    {item("Share link", || false, move || share(()))}
                    <crate::ui::share::ShareMenuItems />
                </Menu>
                <Menu label="Sign-offs and record" id="run-record">
                    {item(
                        "Sign off…",
                        move || state.read_only.get(),
                        move || {
                            signing.set(true);
                            crate::ui::reveal(".signoff-form");
                        },
                    )}
                    {item("Print record", || false, crate::effects::print::print)}
                    {item("Go to the log", || false, || crate::ui::run::scroll_to("run-log"))}
                </Menu>
                <Menu label="Team" id="run-team">
                    {item(
                        "Assign…",
                        move || !writable(),
                        move || {
                            assigning.set(true);
                            crate::ui::reveal(".assign-form");
                        },
                    )}
                    <button
                        type="button"
                        role="menuitemcheckbox"
                        tabindex="-1"
                        aria-checked=move || state.only_mine.get().to_string()
                        on:click=move |_| state.only_mine.update(|m| *m = !*m)
                    >
                        <span class="check-mark" aria-hidden="true">
                            {move || if state.only_mine.get() { "✓" } else { "" }}
                        </span>
                        "My steps"
                    </button>
                    {item(
                        "Keyboard shortcuts",
                        || false,
                        move || {
                            crate::ui::keys::toggle_help(state);
                            crate::ui::reveal(".shortcuts");
                        },
                    )}
                </Menu>
            </div>
            {lazy::secrets_notice()}
            {lazy::share_form()}
            <Show when=move || assigning.get()>
                <AssignForm on_done=Callback::new(move |_| assigning.set(false)) />
            </Show>
            <Show when=move || finishing.get() && !finished()>
                <FinishForm on_done=Callback::new(move |_| finishing.set(false)) />
            </Show>
            <Show when=move || signing.get()>
                {lazy::sign_off(Callback::new(move |_| signing.set(false)))}
            </Show>
            <Show when=move || state.read_only.get()>
                <p class="shared-banner" role="status">
                    "A shared copy of this run, read-only. "
                    <button type="button" class="small" on:click=move |_| lazy::record(state, Record::SaveShared)>
                        "Save to this browser"
                    </button>
                </p>
            </Show>
            {rollback_bar}
            {forecast}
            <FollowUps />
            <crate::ui::keys::Help />
            {lazy::decide()}
        </section>
    }
}

/// The step to do now, with its Copy and Check; the next action once
/// every step is resolved.
#[component]
fn NowStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let step = Memo::new(move |_| {
        let id = state.current.get()?;
        state.run.with(|r| {
            let r = r.as_ref()?;
            let (phase, step) = r.plan.step(&id)?;
            // Follow-ups are for after the window: the next action is
            // finishing the run.
            if phase.follow_up_s.is_some() {
                return None;
            }
            let text = if step.text.trim().is_empty() {
                step.code
                    .as_deref()
                    .and_then(|c| c.lines().find(|l| !l.trim().is_empty()))
                    .unwrap_or("Run the command")
                    .trim()
                    .to_owned()
            } else {
                step.text.clone()
            };
            let code = step.command().map(|(c, l)| (c.to_owned(), l.to_owned()));
            Some((id, phase.title.clone(), text, code))
        })
    });
    let active = move || !state.read_only.get() && !state.finished.get();
    // One set of elements whose text follows the current step, so that
    // the Check button keeps the keyboard's focus from step to step.
    let go = move |_| {
        if let Some((id, ..)) = step.get_untracked() {
            crate::ui::run::focus_step(&id);
        }
    };
    let check = move |_| {
        if let Some((id, ..)) = step.get_untracked() {
            crate::ui::run::toggle(state, &id);
        }
    };
    view! {
        <Show when=active>
            <p class="now-step all-done" role="status" hidden=move || step.with(Option::is_some)>
                <strong>"The window's steps are resolved."</strong>
                " Next: sign off if needed, then Finish run…"
            </p>
            <div
                class="now-step"
                role="group"
                aria-label="Current step"
                hidden=move || step.with(Option::is_none)
            >
                <span class="now-label">"Now"</span>
                <button
                    type="button"
                    class="link now-text"
                    title=move || {
                        step.with(|s| {
                            s.as_ref()
                                .map(|(_, phase, ..)| format!("Go to the step in “{phase}”"))
                                .unwrap_or_default()
                        })
                    }
                    on:click=go
                >
                    {move || step.with(|s| s.as_ref().map(|(_, _, text, _)| text.clone()))}
                </button>
                <span class="now-actions">
                    {move || step.get().and_then(|(_, _, _, code)| code).map(|(code, lang)| crate::ui::run::copy_command_button(code, lang))}
                    <button type="button" class="small primary now-check" on:click=check>
                        "Check"
                    </button>
                </span>
            </div>
        </Show>
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
