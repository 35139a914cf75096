//! The run view: the run's header with its timers, each step's controls,
//! each phase's progress and timer, and the end-of-run summary.
//!
//! Rows read signals of their own ([`Rows`]), which a few effects set from
//! the run's folded state ([`AppState::run_state`]), the current step, the
//! cursor and the open form, only where a row's value changed. Only the
//! timers read the clock, so a tick updates a few text nodes and never
//! rebuilds the list.
//!
//! In parts: `header` (the sticky bar, forecast, finish form),
//! `summary` (the end of the run), `phase` (each phase's bar and the
//! wait control), `row` (each step's row), `forms` (a step's forms and
//! the assign form) and `rows` (the rows' signals).

mod forms;
mod header;
mod phase;
mod row;
mod rows;
mod summary;

pub use forms::AssignForm;
pub use phase::phase_bar;
pub use row::{copy_button, focus_step, step, toggle, PreviewPlan};
pub use rows::Rows;

use crate::state::{AppState, OpenGuide};
use crate::ui::guide::GuideView;
use header::RunHeader;
use leptos::prelude::*;
use summary::Summary;

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

/// Brings the element `id` into view and gives it focus; a closed
/// `<details>` opens first.
pub fn scroll_to(id: &str) {
    use wasm_bindgen::JsCast;
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    if el.tag_name().eq_ignore_ascii_case("details") {
        let _ = el.set_attribute("open", "");
    }
    el.scroll_into_view();
    let target = el.query_selector("summary").ok().flatten().unwrap_or(el);
    if let Ok(target) = target.dyn_into::<web_sys::HtmlElement>() {
        let _ = target.focus();
    }
}
