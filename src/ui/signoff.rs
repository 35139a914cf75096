//! Sign-offs: the form (who, role, meaning, for the run or a phase) and
//! the list of signatures with their time and time zone, and the run's
//! timeline with its log head.

use crate::effects::{clock, keys};
use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use preflight_core::run::{chain, sign, signed_at, Action, Meaning};

pub use crate::effects::clock::tz_offset_min;

#[component]
pub fn SignOffForm(on_done: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let name = RwSignal::new(state.operator.get_untracked());
    let role = RwSignal::new(String::new());
    let meaning = RwSignal::new(Meaning::Performed);
    let scope = RwSignal::new(String::new());
    let phases: Vec<(String, String)> = state.run.with_untracked(|r| {
        r.as_ref()
            .map(|r| {
                r.plan
                    .run_phases()
                    .filter(|p| !p.steps.is_empty() || !p.gates.is_empty())
                    .map(|p| (p.id.clone(), p.title.clone()))
                    .collect()
            })
            .unwrap_or_default()
    });
    // What a signature covers: the log as it stands.
    let log_head = move || {
        state.run.with(|r| {
            r.as_ref()
                .map(|r| {
                    format!(
                        "Signs the log as it stands: {} entries, head {}",
                        r.run.events.len(),
                        chain::head(&r.run.events)
                    )
                })
                .unwrap_or_default()
        })
    };
    // This browser's key, read (or made) when the form opens, so the
    // form can say which key will sign.
    let key_note = RwSignal::new(String::from("Reading this browser's signing key…"));
    leptos::task::spawn_local(async move {
        let note = match keys::signing_key().await {
            Ok(key) => format!(
                "Signed with this browser's key {}.",
                sign::fingerprint(&key.public)
            ),
            Err(why) => format!(
                "This browser cannot keep a signing key here: {why}. The sign-off will be \
                 recorded unsigned."
            ),
        };
        key_note.set(note);
    });
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let phase = Some(scope.get_untracked()).filter(|s| !s.is_empty());
        let by = name.get_untracked();
        let role = role.get_untracked();
        let meaning = meaning.get_untracked();
        let tz = tz_offset_min();
        leptos::task::spawn_local(async move {
            let proof = signed(state, &by, phase.as_deref(), &role, meaning, tz).await;
            let unsigned = proof.as_ref().err().cloned();
            let action = Action::SignOff {
                phase,
                role,
                meaning,
                tz_offset_min: tz,
                proof: proof.ok().map(|p| Box::new(p.into_value())),
            };
            busy.set(false);
            match state.record_as(&by, action) {
                Ok(()) => {
                    if let Some(why) = unsigned {
                        state.notify(
                            NoticeKind::Warning,
                            format!("Recorded without a signature: {why}."),
                        );
                    }
                    on_done.run(())
                }
                Err(why) => state.notify(NoticeKind::Warning, format!("Not signed: {why}.")),
            }
        });
    };
    let options = phases
        .into_iter()
        .map(|(id, title)| view! { <option value=id>{title}</option> })
        .collect_view();
    let meanings = Meaning::ALL
        .iter()
        .map(|&m| {
            view! {
                <label class="radio">
                    <input
                        type="radio"
                        name="meaning"
                        prop:checked=move || meaning.get() == m
                        on:change=move |_| meaning.set(m)
                    />
                    {m.label()}
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="finish-form signoff-form" on:submit=submit aria-label="Sign off">
            <div class="start-fields">
                <label>
                    "Signer's name"
                    <input
                        type="text"
                        required
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Role"
                    <input
                        type="text"
                        required
                        placeholder="e.g. release manager"
                        prop:value=move || role.get()
                        on:input=move |ev| role.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Signs for"
                    <select on:change=move |ev| scope.set(event_target_value(&ev))>
                        <option value="">"The whole run"</option>
                        {options}
                    </select>
                </label>
            </div>
            <fieldset>
                <legend>"Meaning"</legend>
                {meanings}
            </fieldset>
            <p class="log-head">{log_head}</p>
            <p class="key-note">{move || key_note.get()}</p>
            <button type="submit" class="primary" prop:disabled=move || busy.get()>"Sign"</button>
        </form>
    }
}

/// The signature of a sign-off over the open run's log as it is now, made
/// with this browser's key; `Err` says why there is none.
async fn signed(
    state: AppState,
    by: &str,
    phase: Option<&str>,
    role: &str,
    meaning: Meaning,
    tz: i32,
) -> Result<sign::Proof, String> {
    let key = keys::signing_key().await?;
    let pending = state
        .run
        .with_untracked(|r| {
            r.as_ref().map(|r| {
                // The entry is recorded no earlier than the log's last one:
                // signed at that time too, whatever this clock says.
                let now = r
                    .run
                    .events
                    .last()
                    .map_or(clock::now_ms(), |e| clock::now_ms().max(e.at_ms));
                let signing = sign::Signing {
                    by,
                    phase,
                    role,
                    meaning,
                    tz_offset_min: tz,
                };
                sign::prepare(&r.run, signing, now, &key.public)
            })
        })
        .ok_or("no run is open")??;
    let signature = keys::sign(&key, pending.bytes()).await?;
    Ok(pending.finish(&signature))
}

/// One sign-off checked, as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The entry's id.
    pub id: String,
    /// The verdict in a few words ([`sign::Check::label`]).
    pub label: String,
    /// Forged, or over a log changed since.
    pub bad: bool,
    /// The key's fingerprint and what this device knows of it.
    pub key: Option<String>,
}

/// The keys this device has seen, per signer name; an unreadable store
/// is an empty book.
pub fn key_book() -> sign::KeyBook {
    crate::effects::storage::get(sign::KeyBook::STORAGE_KEY)
        .ok()
        .flatten()
        .map(|raw| sign::KeyBook::decode(&raw))
        .unwrap_or_default()
}

/// Every sign-off of `run` checked; with `learn`, the keys of valid
/// signatures are learnt into this device's key book
/// (`preflight.signers`) — never from a read-only copy someone shared.
pub fn verified(run: &preflight_core::Run, learn: bool) -> Vec<Verified> {
    use crate::effects::storage;
    let checks = sign::verify(run);
    let mut book = key_book();
    let out = checks
        .iter()
        .map(|c| Verified {
            id: c.id.clone(),
            label: c.label(),
            bad: c.is_bad(),
            key: c.fingerprint.as_ref().map(|fp| {
                let seen = book.seen(&run.id, c).label();
                format!("key {fp} — {seen}")
            }),
        })
        .collect();
    if learn && book.learn(&run.id, &checks) {
        // The book is a convenience: a full storage only means the next
        // look says "first time" again.
        let _ = storage::set(sign::KeyBook::STORAGE_KEY, &book.encode());
    }
    out
}

/// Every signature of the open run, and its log head.
#[component]
pub fn Signatures() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The signatures checked, in their own module; again whenever the log
    // changes (a late entry, an edit from another tab).
    let verdicts = RwSignal::new(None::<Vec<Verified>>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let run = state.run.with(|r| {
            r.as_ref()
                .filter(|r| {
                    r.run
                        .events
                        .iter()
                        .any(|e| matches!(e.action, Action::SignOff { .. }))
                })
                .map(|r| r.run.clone())
        });
        let Some(run) = run else {
            verdicts.set(None);
            return;
        };
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            let found = crate::ui::lazy::verify(run, !state.read_only.get_untracked()).await;
            if generation.get_value() == mine {
                verdicts.set(Some(found.unwrap_or_default()));
            }
        });
    });
    move || {
        let (sigs, head, count, phases) = state.run.with(|r| {
            let r = r.as_ref()?;
            let sigs = state.run_state.with(|st| st.signatures.clone());
            let phases: Vec<(String, String)> = r
                .plan
                .phases
                .iter()
                .map(|p| (p.id.clone(), p.title.clone()))
                .collect();
            Some((sigs, chain::head(&r.run.events), r.run.events.len(), phases))
        })?;
        let sigs_empty = sigs.is_empty();
        let rows = sigs
            .into_iter()
            .map(|s| {
                let scope = s
                    .phase
                    .as_ref()
                    .and_then(|id| phases.iter().find(|(p, _)| p == id).map(|(_, t)| t.clone()))
                    .map_or_else(|| "the run".to_owned(), |t| format!("“{t}”"));
                let id = s.id.clone();
                let verdict = move || {
                    verdicts.with(|v| {
                        let found = v.as_ref().map(|v| v.iter().find(|c| c.id == id).cloned());
                        match found {
                            None => view! { <span class="sig-verdict">"checking the signature…"</span> }.into_any(),
                            Some(None) => view! { <span class="sig-verdict">"the signature could not be checked"</span> }.into_any(),
                            Some(Some(c)) => view! {
                                <span class="sig-verdict" class:bad=c.bad class:unsigned=c.key.is_none() && !c.bad>{c.label}</span>
                                {c.key.map(|k| view! { " " <span class="sig-key">{k}</span> })}
                            }.into_any(),
                        }
                    })
                };
                view! {
                    <li class="signature">
                        <strong>{s.meaning.label()}</strong>
                        {format!(
                            " — {} ({}), for {scope}, {}",
                            s.by,
                            s.role,
                            signed_at(s.at_ms, s.tz_offset_min)
                        )}
                        " "
                        {verdict}
                    </li>
                }
            })
            .collect_view();
        let none = sigs_empty;
        Some(view! {
            // Without signatures, the section is printed (its log head)
            // but not shown on screen, where the sign-off form has it.
            <section class="signatures" class:empty=none aria-label="Sign-offs">
                <h3>"Sign-offs"</h3>
                <ul>{rows}</ul>
                <p class="log-head">
                    {format!("Log: {count} entries, head {head}")}
                </p>
            </section>
        })
    }
}

/// The run's log, in order: when, who, what.
#[component]
pub fn Timeline() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let rows = state.run.with(|r| {
            let r = r.as_ref()?;
            let text_of = |id: &str| {
                r.plan
                    .step(id)
                    .map(|(_, s)| s.text.clone())
                    .or_else(|| r.plan.gate(id).map(|g| g.text.clone()))
                    .or_else(|| r.plan.phase(id).map(|p| p.title.clone()))
                    .or_else(|| {
                        // A step taken out of the checklist: the guide's text.
                        state.guide.with_untracked(|g| {
                            g.as_ref().and_then(|g| {
                                g.guide
                                    .all_steps()
                                    .into_iter()
                                    .find(|s| s.id == id)
                                    .map(|s| s.text.clone())
                            })
                        })
                    })
                    .unwrap_or_else(|| id.to_owned())
            };
            Some(
                r.run
                    .events
                    .iter()
                    .map(|e| {
                        let what = match &e.action {
                            Action::Check {
                                step,
                                overridden: None,
                            } => format!("checked “{}”", text_of(step)),
                            Action::Check {
                                step,
                                overridden: Some(why),
                            } => {
                                format!("checked “{}” before its wait ended: {why}", text_of(step))
                            }
                            Action::Uncheck { step } => format!("unchecked “{}”", text_of(step)),
                            // A secret's value is never in the log.
                            Action::SetParam { param, value, step } => format!(
                                "set {param} = {}{}",
                                preflight_core::run::params::shown(value.as_deref()),
                                step.as_deref()
                                    .map(|s| format!(" at “{}”", text_of(s)))
                                    .unwrap_or_default()
                            ),
                            Action::Skip { step, reason } => {
                                format!("skipped “{}”: {reason}", text_of(step))
                            }
                            Action::SkipPhase { phase } => {
                                format!("skipped section “{}”", text_of(phase))
                            }
                            Action::UnskipPhase { phase } => {
                                format!("unskipped section “{}”", text_of(phase))
                            }
                            Action::Note { step, text } => match step {
                                Some(s) => format!("note on “{}”: {text}", text_of(s)),
                                None => format!("note: {text}"),
                            },
                            Action::StartWait { target, seconds } => format!(
                                "started a {} wait on “{}”",
                                preflight_core::text::duration::format(*seconds),
                                text_of(target)
                            ),
                            Action::Measure { gate, value } => format!(
                                "measured “{}”: {}",
                                text_of(gate),
                                preflight_core::run::trim_number(*value)
                            ),
                            Action::Confirm { gate, ok } => format!(
                                "“{}”: {}",
                                text_of(gate),
                                if *ok { "met" } else { "not met" }
                            ),
                            Action::OverrideGate { gate, reason } => {
                                format!("let “{}” through: {reason}", text_of(gate))
                            }
                            Action::Decide { decision, path } => {
                                format!("decided: {} ({} answers)", decision.label(), path.len())
                            }
                            Action::SignOff { meaning, role, .. } => {
                                format!("signed: {} as {role}", meaning.label())
                            }
                            Action::Finish { outcome, note } => {
                                format!("finished: {} {note}", outcome.label())
                            }
                            Action::Assign {
                                target,
                                who,
                                due_ms,
                            } => {
                                let what = match target.strip_prefix("role:") {
                                    Some(role) => format!("every “{role}” step"),
                                    None => format!("“{}”", text_of(target)),
                                };
                                let due = due_ms
                                    .map(|d| format!(", due {}", clock::local_hm(d)))
                                    .unwrap_or_default();
                                if who.is_empty() {
                                    format!("took back the assignment of {what}")
                                } else {
                                    format!("assigned {what} to {who}{due}")
                                }
                            }
                            Action::AdoptGuide {
                                removed, changed, ..
                            } => format!(
                                "adopted a new version of the guide: {} changed step(s) reopened{}",
                                changed.len(),
                                if removed.is_empty() {
                                    String::new()
                                } else {
                                    format!("; removed: {}", removed.join("; "))
                                }
                            ),
                            Action::PassNoReturn {
                                no_return_ms,
                                finish_ms,
                            } => format!(
                                "went on past the point of no return ({}); forecast finish {}",
                                clock::local_hm(*no_return_ms),
                                clock::local_hm(*finish_ms)
                            ),
                            Action::MakeStep { line, text } => {
                                format!("made a step of line {line}: “{text}”")
                            }
                            Action::NotAStep { step } => {
                                format!("marked “{}” as not a step", text_of(step))
                            }
                            Action::Acknowledge { step, hazards } => format!(
                                "confirmed before “{}”: {}",
                                text_of(step),
                                hazards.join(" ")
                            ),
                        };
                        view! {
                            <li>
                                <span class="note-meta">
                                    {format!("{} {}", clock::local_datetime(e.at_ms), e.by)}
                                </span>
                                " "
                                {what}
                            </li>
                        }
                    })
                    .collect_view(),
            )
        })?;
        Some(view! {
            <details class="timeline recent" id="run-log">
                <summary>"Timeline"</summary>
                <ol>{rows}</ol>
            </details>
        })
    }
}
