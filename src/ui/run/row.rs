//! A step's row: in a run, its checkbox, who did it and when, its
//! controls, open form and notes; before a run, a blank row. Also checking
//! a step, moving the focus to one, and the copy button.

use super::forms::edit_form;
use super::phase::wait_control;
use super::rows::Row;
use super::{Rows, Shape};
use crate::effects::{clipboard, clock};
use crate::state::{AppState, Edit, NoticeKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::run::{PlanStep, Refusal, StepStatus};
use preflight_core::Action;

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
/// open form and notes, then `rest`. Before a run, a blank row, which
/// becomes the run's row in place when a run of the same checklist starts.
pub fn step(
    id: String,
    shape: Shape,
    label: Option<AnyView>,
    rest: AnyView,
    code: Option<String>,
) -> AnyView {
    let state = expect_context::<AppState>();
    // Rows of a run exist only inside its view, which provides `Rows`.
    let rows = use_context::<Rows>();
    let found = state.run.with_untracked(|r| {
        r.as_ref()
            .and_then(|r| r.plan.step(&id).map(|(p, s)| (p.clone(), s.clone())))
    });
    let Some((rows, (phase, plan_step))) = rows.zip(found) else {
        let previewed =
            use_context::<PreviewPlan>().and_then(|p| p.0.step(&id).map(|(_, s)| s.clone()));
        return match (rows, previewed) {
            (Some(rows), Some(previewed)) if state.run.with_untracked(Option::is_none) => {
                live_step(state, rows, id, shape, label, rest, code, previewed)
            }
            (_, previewed) => blank_step(id, shape, label, rest, code, previewed),
        };
    };
    let label = label.unwrap_or_else(|| command_label(&plan_step.text, code.as_deref()));
    let row = rows.row(state, &phase, &plan_step);
    let checkbox = run_checkbox(state, row, id.clone(), plan_step.text.clone());
    let controls = run_controls(state, row, id.clone(), &plan_step, shape, code);
    let form = run_form(row, id.clone());
    let capture = crate::ui::params::capture(&id, shape);
    let notes = run_notes(row);
    let dom_id = format!("step-{id}");
    let kind = format!("step kind-{}", kind_name(plan_step.kind));
    let status_class = move || status_class(row.status.get());
    let mine = move || mine(state, row);
    let body = view! {
        <div class="step-main">
            <label class="task-label">{checkbox} <span class="task-text">{label}</span></label>
            {controls}
        </div>
        {form}
        {capture}
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

fn status_class(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pending => "pending",
        StepStatus::Done { .. } => "done",
        StepStatus::Skipped { .. } => "skipped",
    }
}

/// Whether the step is given to the person at this browser.
fn mine(state: AppState, row: Row) -> String {
    let me = state.operator.get();
    row.assignee
        .with(|a| a.as_ref().and_then(|a| a.who.as_deref()) == Some(me.as_str()))
        .to_string()
}

/// The run's checkbox of a step.
fn run_checkbox(state: AppState, row: Row, id: String, text: String) -> impl IntoView {
    let status = row.status;
    let locked = row.locked;
    let finished = row.finished;
    view! {
        <input
            type="checkbox"
            class="task-check step-check"
            aria-label=text
            prop:checked=move || matches!(status.get(), StepStatus::Done { .. })
            prop:indeterminate=move || matches!(status.get(), StepStatus::Skipped { .. })
            disabled=move || finished.get() || locked.get()
            on:change=move |ev| {
                // The state decides, not the box: put it back until it has.
                let input: web_sys::HtmlInputElement = event_target(&ev);
                input.set_checked(matches!(status.get_untracked(), StepStatus::Done { .. }));
                toggle(state, &id);
            }
        />
    }
}

/// Who did the step and when, its badges and controls in a run.
fn run_controls(
    state: AppState,
    row: Row,
    id: String,
    plan_step: &preflight_core::run::PlanStep,
    shape: Shape,
    code: Option<String>,
) -> impl IntoView {
    let status = row.status;
    let finished = move || row.finished.get();
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
    let lang = plan_step.command().map_or("", |(_, l)| l).to_owned();
    let copy = (shape == Shape::Item)
        .then_some(code)
        .flatten()
        .map(|code| copy_command_button(code, lang));
    // A plain closure, not `<Show>`: one reactive binding less per row.
    let actions = move || {
        (!finished()).then(|| {
            view! {
                <span class="step-actions">
                    <button type="button" class="small" on:click=open_form(Edit::Skip)>"Skip"</button>
                    <button type="button" class="small" on:click=open_form(Edit::Note)>"Note"</button>
                    <button type="button" class="small" on:click=open_form(Edit::Assign)>"Assign"</button>
                    {not_a_step(state, id.clone())}
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
    view! {
        {guard}
        {assigned}
        <span class="step-meta">{meta}</span>
        {actions}
        {wait}
        {copy}
    }
}

/// The step's open form (skip, note, override, confirm, assign).
fn run_form(row: Row, id: String) -> impl IntoView {
    move || Some(edit_form(id.clone(), row.editing.get()?))
}

/// The step's notes.
fn run_notes(row: Row) -> impl IntoView {
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
}

/// The plan of the guide before a run starts, for blank rows.
#[derive(Clone)]
pub struct PreviewPlan(pub std::sync::Arc<preflight_core::run::Plan>);

/// The box of a step before any run: task items keep their checkbox (as
/// the guide wrote it); other steps get an empty box in print only.
fn blank_box(step: &PlanStep) -> AnyView {
    if step.kind == preflight_core::guide::StepKind::Task {
        let checked = step.checked_in_guide;
        view! {
            <input type="checkbox" class="task-check" disabled prop:checked=checked />
        }
        .into_any()
    } else {
        view! { <span class="blank-box print-only" aria-hidden="true">"☐"</span> }.into_any()
    }
}

/// What a blank row shows after its text: copy, "Not a step" (before a
/// run, not in a shared copy), and in print room for initials and time.
fn blank_controls(state: AppState, id: String, shape: Shape, code: Option<String>) -> AnyView {
    let copy = (shape == Shape::Item)
        .then_some(code)
        .flatten()
        .map(|code| copy_command_button(code, String::new()));
    let correct = (state.run.with_untracked(Option::is_none) && !state.read_only.get_untracked())
        .then(|| {
            view! { <span class="step-actions">{not_a_step(state, id)}</span> }
        });
    view! {
        {copy}
        {correct}
        <span class="blanks print-only">"Initials ______  Time ______"</span>
    }
    .into_any()
}

/// A step before any run: what the guide says, an empty box, and (in
/// print) room for initials and time.
fn blank_step(
    id: String,
    shape: Shape,
    label: Option<AnyView>,
    rest: AnyView,
    code: Option<String>,
    step: Option<PlanStep>,
) -> AnyView {
    let Some(step) = step else {
        return view! { {label} {rest} }.into_any();
    };
    let state = expect_context::<AppState>();
    let label = label.unwrap_or_else(|| command_label(&step.text, code.as_deref()));
    let body = view! {
        <div class="step-main">
            <label class="task-label">{blank_box(&step)} <span class="task-text">{label}</span></label>
            {blank_controls(state, id.clone(), shape, code)}
        </div>
        {rest}
    };
    match shape {
        Shape::Item => view! { <li class="step blank task" data-step=id>{body}</li> }.into_any(),
        Shape::Block => view! { <div class="step blank" data-step=id>{body}</div> }.into_any(),
    }
}

/// A blank row that becomes the run's row in place: the element, its
/// text and what follows it stay; its box, controls and attributes
/// follow the row's signals once [`Rows::go_live`] gives it them.
#[allow(clippy::too_many_arguments)]
fn live_step(
    state: AppState,
    rows: Rows,
    id: String,
    shape: Shape,
    label: Option<AnyView>,
    rest: AnyView,
    code: Option<String>,
    step: PlanStep,
) -> AnyView {
    let slot = rows.waiting(&id);
    let label = label.unwrap_or_else(|| command_label(&step.text, code.as_deref()));
    let blank_class = match shape {
        Shape::Item => "step blank task",
        Shape::Block => "step blank",
    };
    let kind = format!("step kind-{}", kind_name(step.kind));
    let class = move || match slot.get() {
        None => blank_class.to_owned(),
        Some(row) => {
            let mut class = kind.clone();
            if row.current.get() {
                class.push_str(" current");
            }
            if row.cursor.get() {
                class.push_str(" cursor");
            }
            class
        }
    };
    let dom_id = {
        let id = format!("step-{id}");
        move || slot.with(Option::is_some).then(|| id.clone())
    };
    let data_status = move || slot.get().map(|row| status_class(row.status.get()));
    let data_mine = move || slot.get().map(|row| mine(state, row));
    let tabindex = move || slot.with(Option::is_some).then_some("-1");
    let boxed = {
        let id = id.clone();
        let step = step.clone();
        move || match slot.get() {
            None => blank_box(&step),
            Some(row) => run_checkbox(state, row, id.clone(), step.text.clone()).into_any(),
        }
    };
    let controls = {
        let id = id.clone();
        move || match slot.get() {
            None => blank_controls(state, id.clone(), shape, code.clone()),
            Some(row) => {
                run_controls(state, row, id.clone(), &step, shape, code.clone()).into_any()
            }
        }
    };
    let form = {
        let id = id.clone();
        move || slot.get().map(|row| run_form(row, id.clone()))
    };
    let notes = move || slot.get().map(run_notes);
    // Empty until a run is open and the step notes a value.
    let capture = crate::ui::params::capture(&id, shape);
    let body = view! {
        <div class="step-main">
            <label class="task-label">{boxed} <span class="task-text">{label}</span></label>
            {controls}
        </div>
        {form}
        {capture}
        {notes}
        {rest}
    };
    let focus_id = id.clone();
    let on_focus = move |_| {
        if slot.with_untracked(Option::is_some) {
            state.cursor.set(Some(focus_id.clone()));
        }
    };
    match shape {
        Shape::Item => view! {
            <li
                id=dom_id
                class=class
                data-status=data_status
                data-mine=data_mine
                data-step=id
                tabindex=tabindex
                on:focusin=on_focus
            >
                {body}
            </li>
        }
        .into_any(),
        Shape::Block => view! {
            <div
                id=dom_id
                class=class
                data-status=data_status
                data-mine=data_mine
                data-step=id
                tabindex=tabindex
                on:focusin=on_focus
            >
                {body}
            </div>
        }
        .into_any(),
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

/// Moves keyboard focus to a step's row, rendering it first when its
/// part of a long guide is not in the page yet.
pub fn focus_step(id: &str) {
    crate::ui::slices::when_rendered(id, focus_now);
}

fn focus_now(id: &str) {
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

/// A button that copies `text`, a command in `lang`, with the run's
/// parameters put in (asking first for any still missing), and says so.
pub fn copy_command_button(text: String, lang: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let params = use_context::<crate::params::RunParams>();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        if let Some(params) = params {
            params.copy(state, &text, &lang, Some(copied));
            return;
        }
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
