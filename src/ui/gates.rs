//! A phase's gate during a run: each success criterion with its threshold,
//! a field for the observed value (or yes/no), the verdict, and, when it
//! fails, re-measuring, overriding with a reason, or the decision tree.

use crate::effects::clock;
use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use preflight_core::run::{format_ms, parse_observed, GateStatus, PlanGate, PlanPhase, Verdict};
use preflight_core::Action;

/// The gate at the end of a phase's own content, if it has criteria.
pub fn gate_panel(phase: &PlanPhase) -> Option<AnyView> {
    if phase.gates.is_empty() {
        return None;
    }
    let checks = phase.gates.iter().cloned().map(check).collect_view();
    let title = format!("Gate: success criteria of “{}”", phase.title);
    Some(
        view! {
            <section class="gate" aria-label=title.clone()>
                <h4 class="gate-title">{title.clone()}</h4>
                <ul class="gate-checks">{checks}</ul>
            </section>
        }
        .into_any(),
    )
}

/// The banner of a phase locked by an earlier phase's unmet criteria.
pub fn lock_banner(phase_id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let locked_by = Memo::new(move |_| {
        state.run.with(|r| {
            let r = r.as_ref()?;
            state.run_state.with(|st| {
                r.run
                    .locked_by(&r.plan, st, &phase_id)
                    .map(|p| p.title.clone())
            })
        })
    });
    move || {
        locked_by.get().map(|by| {
            view! {
                <p class="locked-banner" role="note">
                    {format!("🔒 Locked until the success criteria of “{by}” are met or overridden.")}
                </p>
            }
        })
    }
}

fn check(gate: PlanGate) -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = {
        let gate = gate.clone();
        Memo::new(move |_| {
            state.run.with(|r| {
                r.as_ref().map_or(GateStatus::Open, |r| {
                    state.run_state.with(|st| r.run.gate_status(st, &gate))
                })
            })
        })
    };
    let due = {
        let gate = gate.clone();
        move || {
            gate.due_after_s?;
            let now = state.now.get();
            let due = state.run.with(|r| {
                let r = r.as_ref()?;
                state
                    .run_state
                    .with(|st| r.run.gate_due_ms(&r.plan, st, &gate))
            })?;
            Some(if due > now {
                view! {
                    <span class="gate-due" role="timer">
                        {format!("due at {} (in {})", clock::local_hm(due), format_ms(due - now))}
                    </span>
                }
                .into_any()
            } else {
                view! { <span class="gate-due due-now">"due now"</span> }.into_any()
            })
        }
    };
    let unit = gate.unit.clone();
    let value = RwSignal::new(String::new());
    let overriding = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let id = gate.id.clone();
    let measure = {
        let (id, unit) = (id.clone(), unit.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            match parse_observed(&value.get_untracked(), unit.as_deref()) {
                Ok(v) => {
                    if state.report(state.record(Action::Measure {
                        gate: id.clone(),
                        value: v,
                    })) {
                        value.set(String::new());
                    }
                }
                Err(why) => state.notify(NoticeKind::Warning, format!("Not recorded: {why}.")),
            }
        }
    };
    let confirm = {
        let id = id.clone();
        move |ok: bool| {
            let id = id.clone();
            move |_| {
                state.report(state.record(Action::Confirm {
                    gate: id.clone(),
                    ok,
                }));
            }
        }
    };
    let submit_override = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let action = Action::OverrideGate {
                gate: id.clone(),
                reason: reason.get_untracked(),
            };
            if state.report(state.record(action)) {
                overriding.set(false);
                reason.set(String::new());
            }
        }
    };
    let finished = move || state.finished.get();
    let thresholds = gate.numeric.then(|| gate.thresholds());
    let baseline = gate
        .criteria
        .iter()
        .find_map(|c| c.baseline.clone())
        .map(|b| format!("was {b}"));
    let unit_shown = gate.unit.clone();
    let verdict_text = Memo::new(move |_| match status.get() {
        GateStatus::Open => ("open", "not checked yet".to_owned()),
        GateStatus::Met {
            value,
            verdict,
            at_ms,
            by,
        } => (
            if verdict == Verdict::Warning {
                "warning"
            } else {
                "met"
            },
            format!(
                "{}{}{}",
                match verdict {
                    Verdict::Warning => "⚠ warning",
                    _ => "✓ met",
                },
                value
                    .map(|v| format!(": observed {}", with_unit(v, &unit_shown)))
                    .unwrap_or_default(),
                match (at_ms, by) {
                    (Some(at), Some(by)) => format!(" — {} by {by}", clock::local_hm(at)),
                    _ => " — checked as a step".to_owned(),
                }
            ),
        ),
        GateStatus::Failed {
            value,
            verdict,
            at_ms,
            by,
        } => (
            if verdict == Verdict::Critical {
                "critical"
            } else {
                "failed"
            },
            format!(
                "{}{} — {} by {by}",
                if verdict == Verdict::Critical {
                    "✗ critical"
                } else {
                    "✗ not met"
                },
                value
                    .map(|v| format!(": observed {}", with_unit(v, &unit_shown)))
                    .unwrap_or_default(),
                clock::local_hm(at_ms)
            ),
        ),
        GateStatus::Overridden {
            reason,
            at_ms,
            by,
            value,
        } => (
            "overridden",
            format!(
                "overridden {} by {by}: {reason}{}",
                clock::local_hm(at_ms),
                value
                    .map(|v| format!(" (observed {})", with_unit(v, &unit_shown)))
                    .unwrap_or_default()
            ),
        ),
    });
    let failed = move || matches!(status.get(), GateStatus::Failed { .. });
    let input = gate.numeric.then(|| {
        let label = format!("Observed value{}", unit.as_deref().map(|u| format!(" ({u})")).unwrap_or_default());
        view! {
            <form class="gate-measure" on:submit=measure>
                <label>
                    <span class="visually-hidden">{label.clone()}</span>
                    <input
                        type="text"
                        inputmode="decimal"
                        placeholder=label
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" class="small">
                    {move || if matches!(status.get(), GateStatus::Open) { "Record" } else { "Re-measure" }}
                </button>
            </form>
        }
    });
    let yes_no = (!gate.numeric).then(|| {
        view! {
            <span class="gate-confirm">
                <button type="button" class="small" on:click=confirm(true)>"Met"</button>
                <button type="button" class="small" on:click=confirm(false)>"Not met"</button>
            </span>
        }
    });
    view! {
        <li class="gate-check" data-gate=id.clone() data-status=move || verdict_text.get().0>
            <div class="gate-line">
                <span class="gate-text">{gate.text.clone()}</span>
                {thresholds.map(|t| view! { <span class="badge badge-gate">{t}</span> })}
                {baseline.map(|b| view! { <span class="gate-baseline">{b}</span> })}
                {due}
            </div>
            <div class="gate-line">
                <span class="gate-verdict" role="status">{move || verdict_text.get().1}</span>
                <Show when=move || !finished()>
                    {input.clone()}
                    {yes_no.clone()}
                    <Show when=move || !matches!(status.get(), GateStatus::Met { .. } | GateStatus::Overridden { .. })>
                        <button type="button" class="small" on:click=move |_| overriding.update(|o| *o = !*o)>
                            "Override…"
                        </button>
                    </Show>
                    <Show when=failed>
                        <button type="button" class="small danger" on:click=move |_| state.deciding.set(true)>
                            "Something wrong? Decide…"
                        </button>
                    </Show>
                </Show>
            </div>
            <Show when=move || overriding.get()>
                <form class="step-form" on:submit=submit_override.clone()>
                    <label>
                        <span class="visually-hidden">"Reason to let this criterion through"</span>
                        <input
                            type="text"
                            required
                            placeholder="Reason to let this criterion through"
                            on:input=move |ev| reason.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit" class="small primary">"Override"</button>
                </form>
            </Show>
        </li>
    }
}

fn with_unit(v: f64, unit: &Option<String>) -> String {
    preflight_core::run::with_unit(v, unit.as_deref())
}

/// A phase's criteria as blanks to fill in by hand (printed runbooks).
pub fn blank_gates(phase: &preflight_core::guide::Phase) -> Option<AnyView> {
    let checks = preflight_core::run::phase_gates(phase);
    if checks.is_empty() {
        return None;
    }
    let rows = checks
        .into_iter()
        .map(|g| {
            let threshold = if g.numeric {
                g.thresholds()
            } else {
                "yes / no".to_owned()
            };
            view! {
                <tr>
                    <td>{g.text}</td>
                    <td>{threshold}</td>
                    <td class="blank-cell"></td>
                    <td class="blank-cell">"☐ met  ☐ not met"</td>
                    <td class="blank-cell"></td>
                </tr>
            }
        })
        .collect_view();
    Some(
        view! {
            <div class="blank-gate print-only">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"Criterion"</th>
                            <th scope="col">"Threshold"</th>
                            <th scope="col">"Observed"</th>
                            <th scope="col">"Verdict"</th>
                            <th scope="col">"Initials"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any(),
    )
}
