//! The run view: the run's header with its timers, each step's controls,
//! each phase's progress and timer, and the end-of-run summary.
//!
//! Rows read signals of their own ([`Rows`]), which a few effects set from
//! the run's folded state ([`AppState::run_state`]), the current step, the
//! cursor and the open form, only where a row's value changed. Only the
//! timers read the clock, so a tick updates a few text nodes and never
//! rebuilds the list.

use crate::app::{AppState, Edit, NoticeKind, OpenGuide};
use crate::effects::{clipboard, clock};
use crate::ui::guide::GuideView;
use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::run::assign::{parse_due, role_target, roles, Assignee};
use preflight_core::run::{
    format_ms, wait_status, Note, PlanPhase, PlanStep, Refusal, StepStatus, WaitStatus, WindowLevel,
};
use preflight_core::text::duration::{format, format_range};
use preflight_core::{Action, Outcome};
use std::collections::HashMap;

/// How a step sits in the text: a list item, or a block (code).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Item,
    Block,
}

#[component]
pub fn RunView(guide: OpenGuide) -> impl IntoView {
    let state = expect_context::<AppState>();
    provide_context(Rows::track(state));
    view! {
        <div
            class="run-view"
            class:only-mine=move || state.only_mine.get()
            class:finished=move || state.finished.get()
        >
            <RunHeader />
            <Summary />
            <crate::ui::signoff::Signatures />
            <GuideView guide />
            <crate::ui::review::TreeOutline />
            <crate::ui::signoff::Timeline />
        </div>
    }
}

/// What each row of the run shows that changes as the run goes: one
/// signal per row and property.
///
/// Leptos removes a reader from a source's list of readers in time linear
/// in that list, and a reader leaves and rejoins its sources each time it
/// runs. Thousands of rows reading the run's state, the current step or
/// the cursor directly therefore made each change quadratic in the length
/// of the guide (1.8 s per check-off at 5,000 steps). Instead, one effect
/// per shared source sets only the rows whose value changed.
#[derive(Clone, Copy)]
pub struct Rows {
    rows: StoredValue<HashMap<String, Row>>,
    /// The run view's owner: row signals live as long as the view, even
    /// when a part of the document re-renders its rows.
    owner: StoredValue<Owner>,
}

#[derive(Clone, Copy)]
struct Row {
    status: RwSignal<StepStatus>,
    notes: RwSignal<Vec<Note>>,
    locked: RwSignal<bool>,
    finished: RwSignal<bool>,
    current: RwSignal<bool>,
    cursor: RwSignal<bool>,
    editing: RwSignal<Option<Edit>>,
    assignee: RwSignal<Option<Assignee>>,
}

/// The notes, per-phase locks, end of the run and assignments the rows
/// were last set from.
type Seen = (
    Vec<Note>,
    Vec<bool>,
    bool,
    HashMap<String, (String, Option<i64>)>,
);

/// Sets `signal` to `value` only if it differs, so readers of an
/// unchanged row do not run.
fn set_if<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.try_with_untracked(|v| *v != value) == Some(true) {
        signal.try_set(value);
    }
}

impl Rows {
    /// Creates the rows' store and the effects that keep it up to date.
    fn track(state: AppState) -> Rows {
        let rows = Rows {
            rows: StoredValue::new(HashMap::new()),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        };
        // What the rows were last set from: notes, locks and the end of
        // the run change rarely, so rows are only compared for them when
        // they changed.
        let last: StoredValue<Option<Seen>> = StoredValue::new(None);
        Effect::new(move |_| {
            state.run.with(|r| {
                let Some(r) = r else { return };
                state.run_state.with(|st| {
                    let finished = st.outcome.is_some();
                    let locked: Vec<bool> = r
                        .plan
                        .phases
                        .iter()
                        .map(|p| r.run.locked_by(&r.plan, st, &p.id).is_some())
                        .collect();
                    let same = last.with_value(|l| {
                        l.as_ref().is_some_and(|(n, l, f, a)| {
                            *n == st.notes && *l == locked && *f == finished && *a == st.assigned
                        })
                    });
                    let mut assignees = if same {
                        HashMap::new()
                    } else {
                        r.run.assignees(&r.plan, st)
                    };
                    let mut notes: HashMap<&str, Vec<Note>> = HashMap::new();
                    let mut locked_by_id: HashMap<&str, bool> = HashMap::new();
                    if !same {
                        for (p, l) in r.plan.phases.iter().zip(&locked) {
                            locked_by_id.insert(p.id.as_str(), *l);
                        }
                        for n in &st.notes {
                            if let Some(step) = n.step.as_deref() {
                                notes.entry(step).or_default().push(n.clone());
                            }
                        }
                    }
                    rows.rows.with_value(|all| {
                        for (id, row) in all {
                            let Some((phase, step)) = r.plan.step(id) else {
                                continue;
                            };
                            set_if(row.status, st.status_in(phase, step));
                            if same {
                                continue;
                            }
                            set_if(row.notes, notes.remove(id.as_str()).unwrap_or_default());
                            set_if(
                                row.locked,
                                locked_by_id.get(phase.id.as_str()) == Some(&true),
                            );
                            set_if(row.finished, finished);
                            set_if(row.assignee, assignees.remove(id.as_str()));
                        }
                    });
                    if !same {
                        last.set_value(Some((
                            st.notes.clone(),
                            locked,
                            finished,
                            st.assigned.clone(),
                        )));
                    }
                });
            });
        });
        rows.follow(state.current, |row| row.current);
        rows.follow(state.cursor, |row| row.cursor);
        // Rows made from now on start with the values of now.
        let last = StoredValue::new(
            state
                .editing
                .with_untracked(|e| e.as_ref().map(|(id, _)| id.clone())),
        );
        Effect::new(move |_| {
            let now = state.editing.get();
            let id = now.as_ref().map(|(id, _)| id.clone());
            if let Some(old) = last.get_value().filter(|old| Some(old) != id.as_ref()) {
                rows.with_row(&old, |row| set_if(row.editing, None));
            }
            if let Some((id, edit)) = now {
                // Set even when equal: opening the open form again builds
                // it again, which focuses its field.
                rows.with_row(&id, |row| {
                    row.editing.try_set(Some(edit));
                });
            }
            last.set_value(id);
        });
        rows
    }

    /// Keeps one flag per row equal to "this row is `source`'s step".
    fn follow<S>(&self, source: S, flag: fn(&Row) -> RwSignal<bool>)
    where
        S: Get<Value = Option<String>>
            + GetUntracked<Value = Option<String>>
            + Send
            + Sync
            + 'static,
    {
        let rows = *self;
        // Rows made from now on start with the values of now.
        let last = StoredValue::new(source.get_untracked());
        Effect::new(move |_| {
            let now = source.get();
            let before = last.get_value();
            if before == now {
                return;
            }
            if let Some(old) = &before {
                rows.with_row(old, |row| set_if(flag(row), false));
            }
            if let Some(new) = &now {
                rows.with_row(new, |row| set_if(flag(row), true));
            }
            last.set_value(now);
        });
    }

    fn with_row(&self, id: &str, f: impl FnOnce(&Row)) {
        self.rows.with_value(|all| {
            if let Some(row) = all.get(id) {
                f(row)
            }
        });
    }

    /// The signals of step `id`'s row, made on first use with the values
    /// the row shows now.
    fn row(&self, state: AppState, phase: &PlanPhase, step: &PlanStep) -> Row {
        if let Some(row) = self.rows.with_value(|all| all.get(&step.id).copied()) {
            return row;
        }
        let id = step.id.as_str();
        let row = self.owner.get_value().with(|| {
            state.run.with_untracked(|r| {
                state.run_state.with_untracked(|st| {
                    let locked = r
                        .as_ref()
                        .is_some_and(|r| r.run.locked_by(&r.plan, st, &phase.id).is_some());
                    let assignee = r
                        .as_ref()
                        .map(|r| r.run.assignee(st, phase, step))
                        .filter(|a| !a.is_empty());
                    Row {
                        assignee: RwSignal::new(assignee),
                        status: RwSignal::new(st.status_in(phase, step)),
                        notes: RwSignal::new(st.notes_for(id).cloned().collect()),
                        locked: RwSignal::new(locked),
                        finished: RwSignal::new(st.outcome.is_some()),
                        current: RwSignal::new(
                            state.current.with_untracked(|c| c.as_deref() == Some(id)),
                        ),
                        cursor: RwSignal::new(
                            state.cursor.with_untracked(|c| c.as_deref() == Some(id)),
                        ),
                        editing: RwSignal::new(state.editing.with_untracked(|e| {
                            e.as_ref().filter(|(s, _)| s == id).map(|(_, e)| e.clone())
                        })),
                    }
                })
            })
        });
        self.rows.update_value(|all| {
            all.insert(step.id.clone(), row);
        });
        row
    }
}

/// The sticky bar: who, the deploy window, overall progress, finishing.
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

#[component]
fn RunHeader() -> impl IntoView {
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

/// Shown once the run has ended: how long it took against the estimate,
/// what was skipped or overridden, what is still open, and the notes.
#[component]
fn Summary() -> impl IntoView {
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

/// The run's line under a phase heading: progress, timer, estimate,
/// overrun, the phase's wait, and skipping an optional section.
pub fn phase_bar(phase: PlanPhase) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = phase.id.clone();
    let counts = {
        let id = id.clone();
        Memo::new(move |_| {
            state.run.with(|r| {
                r.as_ref().map(|r| {
                    let p = state
                        .run_state
                        .with(|st| r.run.progress(&r.plan, st, Some(&id)));
                    (p.resolved, p.total, p.done, p.skipped)
                })
            })
        })
    };
    let timer = {
        let phase = phase.clone();
        move || {
            let now = state.now.get();
            let t = state.run.with(|r| {
                let r = r.as_ref()?;
                state
                    .run_state
                    .with(|st| r.run.phase_timer(&phase, st, now))
            })?;
            let estimate = t
                .estimate_s
                .map(|e| format!(" of {}", format_range(e)))
                .unwrap_or_default();
            let text = if t.overrun {
                format!(
                    "⚠ {} — over the estimate{estimate}",
                    format_ms(t.running_ms)
                )
            } else {
                format!("{}{estimate}", format_ms(t.running_ms))
            };
            Some(view! {
                <span class="phase-timer" class:overrun=t.overrun class:finished=t.finished role="timer">
                    {text}
                </span>
            })
        }
    };
    let skip = phase.optional.then(|| {
        let id = id.clone();
        let skipped = {
            let id = id.clone();
            move || state.run_state.with(|st| st.phase_skipped(&id))
        };
        let id2 = id.clone();
        view! {
            <button
                type="button"
                class="small"
                on:click=move |_| {
                    let action = if skipped() {
                        Action::UnskipPhase { phase: id2.clone() }
                    } else {
                        Action::SkipPhase { phase: id2.clone() }
                    };
                    state.report(state.record(action));
                }
            >
                {let skipped = skipped.clone(); move || if skipped() { "Unskip section" } else { "Skip section" }}
            </button>
        }
    });
    let wait = phase
        .wait_s
        .map(|secs| wait_control(id.clone(), secs, phase.title.clone()));
    view! {
        <div class="phase-bar">
            {move || {
                counts
                    .get()
                    .filter(|(_, t, _, _)| *t > 0)
                    .map(|(r, t, done, skipped)| {
                        let text = if skipped > 0 {
                            format!("{done}/{t} done · {skipped} skipped")
                        } else {
                            format!("{done}/{t}")
                        };
                        view! {
                            <span class="phase-progress" class:complete=r == t>
                                {text}
                            </span>
                        }
                    })
            }}
            {timer}
            {wait}
            {skip}
        </div>
    }
}

/// A wait timer for a step or phase: a button to start it, then a
/// countdown, then "wait over".
fn wait_control(target: String, seconds: u64, label: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let start = {
        let target = target.clone();
        move |_| {
            state.report(state.record(Action::StartWait {
                target: target.clone(),
                seconds,
            }));
        }
    };
    move || {
        let now = state.now.get();
        let status = state
            .run_state
            .with(|st| wait_status(st, &target, Some(seconds), now))?;
        Some(match status {
            WaitStatus::NotStarted { seconds } => view! {
                <button
                    type="button"
                    class="small wait-start"
                    aria-label=format!("Start the {} wait: {label}", format(seconds))
                    on:click=start.clone()
                >
                    {format!("⏳ Start {} wait", format(seconds))}
                </button>
            }
            .into_any(),
            WaitStatus::Running { remaining_ms, ends_ms } => view! {
                <span class="wait running" role="timer">
                    {format!("⏳ {} left (until {})", format_ms(remaining_ms), clock::local_hm(ends_ms))}
                </span>
            }
            .into_any(),
            WaitStatus::Elapsed { ended_ms } => view! {
                <span class="wait elapsed">{format!("✓ wait over at {}", clock::local_hm(ended_ms))}</span>
            }
            .into_any(),
        })
    }
}

/// Checks or unchecks a step; a wait that has not elapsed opens the
/// override form instead.
pub fn toggle(state: AppState, id: &str) {
    let Some((status, wait)) = state.run.with_untracked(|r| {
        let r = r.as_ref()?;
        let (phase, step) = r.plan.step(id)?;
        Some((
            state
                .run_state
                .with_untracked(|st| st.status_in(phase, step)),
            step.wait_s,
        ))
    }) else {
        return;
    };
    let action = if status.is_resolved() {
        Action::Uncheck {
            step: id.to_owned(),
        }
    } else {
        Action::Check {
            step: id.to_owned(),
            overridden: None,
        }
    };
    match state.record(action) {
        Ok(()) => {
            if matches!(state.editing.get_untracked(), Some((ref e, _)) if e == id) {
                state.editing.set(None);
            }
        }
        Err(why @ (Refusal::WaitRunning { .. } | Refusal::WaitNotStarted)) if wait.is_some() => {
            state
                .editing
                .set(Some((id.to_owned(), Edit::Override(why.to_string()))));
        }
        Err(Refusal::NeedsConfirmation(what)) => {
            state.cursor.set(Some(id.to_owned()));
            state
                .editing
                .set(Some((id.to_owned(), Edit::Confirm(what))));
        }
        Err(why) => {
            state.report(Err(why));
        }
    }
}

/// One step of the run: its checkbox, text (`label`, or for a command
/// its name), who did it and when, its controls (skip, note, wait, copy),
/// open form and notes, then `rest`.
pub fn step(
    id: String,
    shape: Shape,
    label: Option<AnyView>,
    rest: AnyView,
    code: Option<String>,
) -> AnyView {
    let state = expect_context::<AppState>();
    // Rows of a run exist only inside its view, which provides `Rows`.
    let found = use_context::<Rows>().zip(state.run.with_untracked(|r| {
        r.as_ref()
            .and_then(|r| r.plan.step(&id).map(|(p, s)| (p.clone(), s.clone())))
    }));
    let Some((rows, (phase, plan_step))) = found else {
        return blank_step(id, shape, label, rest, code);
    };
    let label = label.unwrap_or_else(|| command_label(&plan_step.text, code.as_deref()));
    let row = rows.row(state, &phase, &plan_step);
    let status = row.status;
    let finished = move || row.finished.get();
    let locked = row.locked;
    let meta = move || match status.get() {
        StepStatus::Pending => None,
        StepStatus::Done { at_ms: None, .. } => Some("checked in the guide".to_owned()),
        StepStatus::Done {
            at_ms: Some(at),
            by,
            overridden,
        } => Some(match overridden {
            Some(why) => format!(
                "done {} by {} — wait overridden: {why}",
                clock::local_hm(at),
                by.unwrap_or_default()
            ),
            None => format!("done {} by {}", clock::local_hm(at), by.unwrap_or_default()),
        }),
        StepStatus::Skipped { at_ms, by, reason } => Some(format!(
            "skipped {} by {by}: {reason}",
            clock::local_hm(at_ms)
        )),
    };
    let toggle_id = id.clone();
    let checkbox = view! {
        <input
            type="checkbox"
            class="task-check step-check"
            aria-label=plan_step.text.clone()
            prop:checked=move || matches!(status.get(), StepStatus::Done { .. })
            prop:indeterminate=move || matches!(status.get(), StepStatus::Skipped { .. })
            disabled=move || finished() || locked.get()
            on:change=move |ev| {
                // The state decides, not the box: put it back until it has.
                let input: web_sys::HtmlInputElement = event_target(&ev);
                input.set_checked(matches!(status.get_untracked(), StepStatus::Done { .. }));
                toggle(state, &toggle_id);
            }
        />
    };
    let open_form = {
        let id = id.clone();
        move |edit: Edit| {
            let id = id.clone();
            move |_| {
                state.cursor.set(Some(id.clone()));
                state.editing.set(Some((id.clone(), edit.clone())));
            }
        }
    };
    let wait = plan_step
        .wait_s
        .map(|secs| wait_control(id.clone(), secs, plan_step.text.clone()));
    let copy = (shape == Shape::Item)
        .then_some(code)
        .flatten()
        .map(copy_button);
    let id_for_correct = id.clone();
    // A plain closure, not `<Show>`: one reactive binding less per row.
    let actions = move || {
        (!finished()).then(|| {
            view! {
                <span class="step-actions">
                    <button type="button" class="small" on:click=open_form(Edit::Skip)>"Skip"</button>
                    <button type="button" class="small" on:click=open_form(Edit::Note)>"Note"</button>
                    <button type="button" class="small" on:click=open_form(Edit::Assign)>"Assign"</button>
                    {not_a_step(state, id_for_correct.clone())}
                </span>
            }
        })
    };
    let guard = (!plan_step.guard.is_empty()).then(|| {
        let title = plan_step.guard.join(" ");
        view! {
            <span class="badge guard" title=title>"confirm first"</span>
        }
    });
    let assigned = move || {
        row.assignee.get().map(|a| {
            let who = match (&a.who, &a.role) {
                (Some(w), _) => format!("→ {w}"),
                (None, Some(r)) => r.clone(),
                (None, None) => String::new(),
            };
            let due = a
                .due_ms
                .map(|d| format!(" · due {}", clock::local_hm(d)))
                .unwrap_or_default();
            view! { <span class="badge assignee">{format!("{who}{due}")}</span> }
        })
    };
    let mine = move || {
        let me = state.operator.get();
        row.assignee
            .with(|a| a.as_ref().and_then(|a| a.who.as_deref()) == Some(me.as_str()))
            .to_string()
    };
    let controls = view! {
        {guard}
        {assigned}
        <span class="step-meta">{meta}</span>
        {actions}
        {wait}
        {copy}
    };
    let notes = {
        move || {
            let notes = row.notes.get();
            (!notes.is_empty()).then(|| {
                view! {
                    <ul class="step-notes" aria-label="Notes">
                        {notes
                            .into_iter()
                            .map(|n| {
                                view! {
                                    <li>
                                        <span class="note-meta">
                                            {format!("{} {}", clock::local_hm(n.at_ms), n.by)}
                                        </span>
                                        " "
                                        {n.text}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            })
        }
    };
    let form = {
        let id = id.clone();
        move || Some(edit_form(id.clone(), row.editing.get()?))
    };
    let dom_id = format!("step-{id}");
    let kind = format!("step kind-{}", kind_name(plan_step.kind));
    let status_class = move || match status.get() {
        StepStatus::Pending => "pending",
        StepStatus::Done { .. } => "done",
        StepStatus::Skipped { .. } => "skipped",
    };
    let body = view! {
        <div class="step-main">
            <label class="task-label">{checkbox} <span class="task-text">{label}</span></label>
            {controls}
        </div>
        {form}
        {notes}
        {rest}
    };
    let focus_id = id.clone();
    let on_focus = move |_| state.cursor.set(Some(focus_id.clone()));
    match shape {
        Shape::Item => view! {
            <li
                id=dom_id
                class=kind
                data-status=status_class
                data-mine=mine
                data-step=id
                class:current=move || row.current.get()
                class:cursor=move || row.cursor.get()
                tabindex="-1"
                on:focusin=on_focus
            >
                {body}
            </li>
        }
        .into_any(),
        Shape::Block => view! {
            <div
                id=dom_id
                class=kind
                data-status=status_class
                data-mine=mine
                data-step=id
                class:current=move || row.current.get()
                class:cursor=move || row.cursor.get()
                tabindex="-1"
                on:focusin=on_focus
            >
                {body}
            </div>
        }
        .into_any(),
    }
}

/// The plan of the guide before a run starts, for blank rows.
#[derive(Clone)]
pub struct PreviewPlan(pub std::sync::Arc<preflight_core::run::Plan>);

/// A step before any run: what the guide says, an empty box, and (in
/// print) room for initials and time.
fn blank_step(
    id: String,
    shape: Shape,
    label: Option<AnyView>,
    rest: AnyView,
    code: Option<String>,
) -> AnyView {
    let step = use_context::<PreviewPlan>().and_then(|p| p.0.step(&id).map(|(_, s)| s.clone()));
    let Some(step) = step else {
        return view! { {label} {rest} }.into_any();
    };
    let label = label.unwrap_or_else(|| command_label(&step.text, code.as_deref()));
    // Task items keep their checkbox (as the guide wrote it); other steps
    // get an empty box in print only.
    let boxed = if step.kind == preflight_core::guide::StepKind::Task {
        view! {
            <input type="checkbox" class="task-check" disabled prop:checked=step.checked_in_guide />
        }
        .into_any()
    } else {
        view! { <span class="blank-box print-only" aria-hidden="true">"☐"</span> }.into_any()
    };
    let copy = (shape == Shape::Item)
        .then_some(code)
        .flatten()
        .map(copy_button);
    // Before a run, the checklist can be corrected (not in a shared copy).
    let state = expect_context::<AppState>();
    let correct = (state.run.with_untracked(Option::is_none) && !state.read_only.get_untracked())
        .then(|| {
            view! { <span class="step-actions">{not_a_step(state, id.clone())}</span> }
        });
    let body = view! {
        <div class="step-main">
            <label class="task-label">{boxed} <span class="task-text">{label}</span></label>
            {copy}
            {correct}
            <span class="blanks print-only">"Initials ______  Time ______"</span>
        </div>
        {rest}
    };
    match shape {
        Shape::Item => view! { <li class="step blank task" data-step=id>{body}</li> }.into_any(),
        Shape::Block => view! { <div class="step blank" data-step=id>{body}</div> }.into_any(),
    }
}

/// "Not a step": takes the step out of the checklist (in a run, as an
/// event of its log).
fn not_a_step(state: AppState, id: String) -> impl IntoView {
    view! {
        <button
            type="button"
            class="small correct not-step"
            title="This is not a step: take it out of the checklist"
            on:click=move |_| state.correct(Err(id.clone()))
        >
            "Not a step"
        </button>
    }
}

/// A command's name: "Run" when the step is named by its first line
/// (already shown in the code), else "Run: <name>".
fn command_label(text: &str, code: Option<&str>) -> AnyView {
    let named_by_code = code.is_some_and(|c| c.trim_start().starts_with(text.trim()));
    let name = (!named_by_code).then(|| text.to_owned());
    view! {
        <span class="step-kind">{if name.is_some() { "Run: " } else { "Run" }}</span>
        {name}
    }
    .into_any()
}

fn kind_name(kind: preflight_core::guide::StepKind) -> &'static str {
    use preflight_core::guide::StepKind;
    match kind {
        StepKind::Task => "task",
        StepKind::Action => "action",
        StepKind::Command => "command",
        StepKind::Wait => "wait",
    }
}

/// After a step form's action: closed with the focus back on the step, or
/// left open with the refusal said.
fn close_form(state: AppState, id: &str, result: Result<(), Refusal>) {
    match result {
        Ok(()) => {
            state.editing.set(None);
            focus_step(id);
        }
        Err(why) => {
            state.report(Err(why));
        }
    }
}

/// The confirmation a guarded step asks for before it is checked: what
/// it will do, and a button that records the confirmation and the check.
fn confirm_form(id: String, what: Vec<String>) -> AnyView {
    let state = expect_context::<AppState>();
    let confirm = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let acknowledged = state.record(Action::Acknowledge {
                step: id.clone(),
                hazards: Vec::new(),
            });
            let done = acknowledged.and_then(|()| {
                state.record(Action::Check {
                    step: id.clone(),
                    overridden: None,
                })
            });
            close_form(state, &id, done);
        }
    };
    let cancel = move |_| {
        state.editing.set(None);
        focus_step(&id);
    };
    view! {
        <form class="step-form confirm-form" on:submit=confirm aria-label="Confirm this step">
            <p class="form-hint" role="alert">
                <strong>"Before you mark this done — it will:"</strong>
            </p>
            <ul class="hazards">
                {what.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
            </ul>
            <button type="submit" class="danger">"I understand — mark done"</button>
            " "
            <button type="button" class="small" on:click=cancel>"Cancel"</button>
        </form>
    }
    .into_any()
}

/// The skip, note or override form of a step.
fn edit_form(id: String, edit: Edit) -> AnyView {
    let state = expect_context::<AppState>();
    if let Edit::Confirm(what) = edit {
        return confirm_form(id, what);
    }
    if edit == Edit::Assign {
        return view! { <AssignForm target=id /> }.into_any();
    }
    let text = RwSignal::new(String::new());
    let (prompt, button, hint) = match &edit {
        Edit::Skip => ("Why skip this step?", "Skip step", None),
        Edit::Note => ("Note", "Add note", None),
        Edit::Override(why) => (
            "Reason to check it now",
            "Check anyway",
            Some(format!("Not checked: {why}.")),
        ),
        Edit::Confirm(_) | Edit::Assign => ("Confirm", "Mark done", None),
    };
    let submit = {
        let id = id.clone();
        let edit = edit.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let words = text.get_untracked();
            let action = match edit {
                Edit::Skip => Action::Skip {
                    step: id.clone(),
                    reason: words,
                },
                Edit::Note => Action::Note {
                    step: Some(id.clone()),
                    text: words,
                },
                Edit::Override(_) | Edit::Confirm(_) | Edit::Assign => Action::Check {
                    step: id.clone(),
                    overridden: Some(words),
                },
            };
            close_form(state, &id, state.record(action));
        }
    };
    let cancel = move |_| {
        state.editing.set(None);
        focus_step(&id);
    };
    let input = NodeRef::<leptos::html::Input>::new();
    // Focus the field as soon as it is in the page.
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    view! {
        <form class="step-form" on:submit=submit>
            {hint.map(|h| view! { <p class="form-hint" role="alert">{h}</p> })}
            <label>
                <span class="visually-hidden">{prompt}</span>
                <input
                    type="text"
                    node_ref=input
                    placeholder=prompt
                    required
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev: web_sys::KeyboardEvent| {
                        if ev.key() == "Escape" {
                            state.editing.set(None);
                        }
                    }
                />
            </label>
            <button type="submit" class="small primary">{button}</button>
            <button type="button" class="small" on:click=cancel>"Cancel"</button>
        </form>
    }
    .into_any()
}

/// Moves keyboard focus to a step's row.
pub fn focus_step(id: &str) {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&format!("step-{id}")));
    if let Some(el) = el {
        use wasm_bindgen::JsCast;
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    }
}

/// A button that copies `text` and says so.
pub fn copy_button(text: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            match clipboard::copy(&text).await {
                Ok(()) => {
                    copied.set(true);
                    set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
                }
                Err(why) => state.notify(NoticeKind::Warning, format!("Not copied: {why}.")),
            }
        });
    };
    view! {
        <button type="button" class="small copy" class:copied=move || copied.get() on:click=copy>
            {move || if copied.get() { "Copied ✓" } else { "Copy" }}
        </button>
        <span class="visually-hidden" role="status">
            {move || if copied.get() { "Copied to the clipboard" } else { "" }}
        </span>
    }
}

/// Gives a step, a phase or a role's steps to a person, with an optional
/// due time (`+4 h` after the start, or a clock time such as `13:00`).
#[component]
pub fn AssignForm(
    /// A step id, a phase id or `role:<name>`; `None` lets the person
    /// pick a phase or a role.
    #[prop(optional, into)]
    target: Option<String>,
    #[prop(optional)] on_done: Option<Callback<()>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let fixed = target.is_some();
    let choice = RwSignal::new(target.clone().unwrap_or_default());
    let who = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Phases and roles to choose from, when the form is not for one step.
    let options: Vec<(String, String)> =
        if fixed {
            Vec::new()
        } else {
            state.run.with_untracked(|r| {
                r.as_ref()
                    .map(|r| {
                        let mut out: Vec<(String, String)> = r
                            .plan
                            .run_phases()
                            .filter(|p| !p.steps.is_empty())
                            .map(|p| (p.id.clone(), format!("Phase: {}", p.title)))
                            .collect();
                        out.extend(roles(&r.plan).into_iter().map(|role| {
                            (role_target(&role), format!("Every step of role: {role}"))
                        }));
                        out
                    })
                    .unwrap_or_default()
            })
        };
    if choice.get_untracked().is_empty() {
        if let Some((first, _)) = options.first() {
            choice.set(first.clone());
        }
    }
    let close = move || match on_done {
        Some(cb) => cb.run(()),
        None => state.editing.set(None),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed_due = due.get_untracked();
        let due_ms = if typed_due.trim().is_empty() {
            None
        } else {
            let started = state
                .run
                .with_untracked(|r| r.as_ref().map(|r| r.run.started_ms))
                .unwrap_or_default();
            match parse_due(&typed_due, started, crate::ui::signoff::tz_offset_min()) {
                Some(d) => Some(d),
                None => {
                    error.set(Some(format!(
                        "“{typed_due}” is not a due time: use +4 h, +30 min or a clock time such as 13:00."
                    )));
                    return;
                }
            }
        };
        let action = Action::Assign {
            target: choice.get_untracked(),
            who: who.get_untracked(),
            due_ms,
        };
        match state.record(action) {
            Ok(()) => close(),
            Err(why) => error.set(Some(format!("Not assigned: {why}."))),
        }
    };
    view! {
        <form class="step-form assign-form" on:submit=submit aria-label="Assign">
            {(!fixed).then(|| view! {
                <label>
                    "What"
                    <select on:change=move |ev| choice.set(event_target_value(&ev))>
                        {options
                            .into_iter()
                            .map(|(value, label)| view! { <option value=value>{label}</option> })
                            .collect_view()}
                    </select>
                </label>
            })}
            <label>
                "Who"
                <input type="text" name="who" placeholder="name (empty: nobody)"
                    on:input=move |ev| who.set(event_target_value(&ev)) />
            </label>
            <label>
                "Due (optional)"
                <input type="text" name="due" placeholder="+4 h or 13:00"
                    on:input=move |ev| due.set(event_target_value(&ev)) />
            </label>
            <button type="submit" class="primary">"Assign"</button>
            " "
            <button type="button" class="small" on:click=move |_| close()>"Cancel"</button>
            {move || error.get().map(|e| view! { <p class="form-hint" role="alert">{e}</p> })}
        </form>
    }
}
