//! Keyboard shortcuts of the run view, and their help.
//!
//! j/k or the arrow keys move the cursor between the run's steps; space or
//! x checks the step under it; c copies its command; n adds a note; s
//! skips it; w starts its wait; ? shows the list. Keys typed into a field
//! are left alone.

use crate::state::{AppState, Edit, NoticeKind};
use crate::ui::run::{focus_step, toggle};
use leptos::prelude::*;
use preflight_core::Action;
use wasm_bindgen::JsCast;

const SHORTCUTS: &[(&str, &str)] = &[
    ("j / ↓", "next step"),
    ("k / ↑", "previous step"),
    ("space / x", "check or uncheck the step"),
    ("c", "copy the step's command"),
    ("n", "add a note to the step"),
    ("s", "skip the step (with a reason)"),
    ("w", "start the step's wait"),
    ("?", "show or hide these shortcuts"),
    ("Esc", "close a form or this list"),
];

pub fn toggle_help(state: AppState) {
    state.help.update(|h| *h = !*h);
}

#[component]
pub fn Help() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.help.get()>
            <div class="shortcuts" role="dialog" aria-label="Keyboard shortcuts">
                <h2>"Keyboard shortcuts"</h2>
                <dl>
                    {SHORTCUTS
                        .iter()
                        .map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt> <dd>{*what}</dd> })
                        .collect_view()}
                </dl>
                <button type="button" on:click=move |_| state.help.set(false)>"Close"</button>
            </div>
        </Show>
    }
}

/// Listens for shortcuts on the whole page for as long as it is open.
pub fn install(state: AppState) {
    // Contexts are read here: a listener runs outside the component tree.
    let params = expect_context::<crate::params::RunParams>();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| on_key(state, params, &ev));
    // One listener for the page's lifetime.
    std::mem::forget(handle);
}

fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            // A focused button, link or summary keeps its own keys (space
            // presses it), as do fields.
            matches!(
                tag.as_str(),
                "input" | "textarea" | "select" | "button" | "a" | "summary"
            ) || el.has_attribute("contenteditable")
        })
}

/// The run's visible steps, in order, and where the cursor is among them.
fn steps(state: AppState) -> (Vec<String>, Option<usize>) {
    let rolling_back = state.run_state.with_untracked(|st| st.rollback.is_some());
    let ids: Vec<String> = state.run.with_untracked(|r| {
        r.as_ref()
            .map(|r| {
                if rolling_back {
                    r.plan.rollback_steps().map(|(_, s)| s.id.clone()).collect()
                } else {
                    r.plan.run_steps().map(|(_, s)| s.id.clone()).collect()
                }
            })
            .unwrap_or_default()
    });
    let cursor = state
        .cursor
        .get_untracked()
        .and_then(|c| ids.iter().position(|id| *id == c));
    (ids, cursor)
}

fn current(state: AppState) -> Option<String> {
    state.run.with_untracked(|r| {
        let r = r.as_ref()?;
        state
            .run_state
            .with_untracked(|st| r.run.current_step(&r.plan, st).map(|s| s.id.clone()))
    })
}

fn on_key(state: AppState, params: crate::params::RunParams, ev: &web_sys::KeyboardEvent) {
    if ev.key() == "Escape" {
        state.help.set(false);
        state.editing.set(None);
        return;
    }
    if typing(ev) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
        return;
    }
    if state.run.with_untracked(Option::is_none) {
        return;
    }
    let key = ev.key();
    let (ids, at) = steps(state);
    if ids.is_empty() {
        return;
    }
    // Without a cursor, keys act on the current step.
    let here = at
        .map(|i| ids[i].clone())
        .or_else(|| current(state))
        .unwrap_or_else(|| ids[0].clone());
    let handled = match key.as_str() {
        "j" | "ArrowDown" | "k" | "ArrowUp" => {
            let start = at
                .or_else(|| ids.iter().position(|id| *id == here))
                .unwrap_or(0);
            let next = if matches!(key.as_str(), "j" | "ArrowDown") {
                if at.is_none() {
                    start
                } else {
                    (start + 1).min(ids.len() - 1)
                }
            } else {
                start.saturating_sub(usize::from(at.is_some()))
            };
            move_to(state, &ids[next]);
            true
        }
        " " | "x" => {
            move_to(state, &here);
            toggle(state, &here);
            true
        }
        "c" => {
            copy_command(state, params, &here);
            true
        }
        "n" | "s" => {
            move_to(state, &here);
            let edit = if key == "n" { Edit::Note } else { Edit::Skip };
            state.editing.set(Some((here, edit)));
            true
        }
        "w" => {
            let wait = state.run.with_untracked(|r| {
                r.as_ref()
                    .and_then(|r| r.plan.step(&here).and_then(|(_, s)| s.wait_s))
            });
            if let Some(seconds) = wait {
                state.report(state.record(Action::StartWait {
                    target: here,
                    seconds,
                }));
            }
            true
        }
        "?" => {
            toggle_help(state);
            true
        }
        _ => false,
    };
    if handled {
        ev.prevent_default();
    }
}

fn move_to(state: AppState, id: &str) {
    state.cursor.set(Some(id.to_owned()));
    focus_step(id);
}

fn copy_command(state: AppState, params: crate::params::RunParams, id: &str) {
    let code = state.run.with_untracked(|r| {
        r.as_ref().and_then(|r| {
            let (_, s) = r.plan.step(id)?;
            s.command().map(|(c, l)| (c.to_owned(), l.to_owned()))
        })
    });
    let Some((code, lang)) = code else {
        state.notify(NoticeKind::Info, "This step has no command to copy.".into());
        return;
    };
    // With the run's parameters put in, or a question for the missing.
    params.copy(state, &code, &lang, None);
}
