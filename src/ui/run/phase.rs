//! A phase's bar under its heading, and the wait control phases and
//! steps share.

use crate::effects::clock;
use crate::state::AppState;
use leptos::prelude::*;
use preflight_core::run::{format_ms, wait_status, PlanPhase, WaitStatus};
use preflight_core::text::duration::{format, format_range};
use preflight_core::Action;

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
pub(super) fn wait_control(target: String, seconds: u64, label: String) -> impl IntoView {
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
                    aria-label=format!("Start {} wait: {label}", format(seconds))
                    on:click=start.clone()
                >
                    <span aria-hidden="true">"⏳ "</span>
                    {format!("Start {} wait", format(seconds))}
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
