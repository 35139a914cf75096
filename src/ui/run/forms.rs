//! A step's forms (skip, note, override, confirm) and the assign form.

use super::focus_step;
use crate::state::{AppState, Edit};
use leptos::prelude::*;
use preflight_core::run::assign::{parse_due, role_target, roles};
use preflight_core::run::Refusal;
use preflight_core::Action;

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
pub(super) fn edit_form(id: String, edit: Edit) -> AnyView {
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
