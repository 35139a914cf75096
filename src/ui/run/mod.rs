//! The open guide's page ([`GuidePage`]) and the run view: the run's
//! header with its timers, each step's controls, each phase's progress and
//! timer, and the end-of-run summary.
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
pub use row::{copy_command_button, focus_step, step, toggle, PreviewPlan};
pub use rows::Rows;

use crate::state::{AppState, OpenGuide};
use crate::ui::guide::GuideView;
use header::RunHeader;
use leptos::prelude::*;
use preflight_core::guide::StepOverrides;
use preflight_core::run::Plan;
use preflight_core::Guide;
use std::sync::Arc;
use summary::Summary;

/// How a step sits in the text: a list item, or a block (code).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Item,
    Block,
}

/// What the page shows of the open guide: its preview (with the
/// corrections made there), or a run.
#[derive(Clone, PartialEq)]
enum Shown {
    Preview(StepOverrides),
    Run {
        id: String,
        rollback: bool,
        corrections: usize,
    },
}

/// The open guide: before a run, what Preflight does, the start form and
/// the guide as a blank runbook; in a run, its header, summary and
/// signatures, the guide with the run's controls, and the log.
///
/// The document is rendered again when another run opens, a run starts
/// rolling back or its checklist is corrected (its rows change), not on
/// every change. Starting a run of the checklist just previewed keeps the
/// document: its blank rows become the run's rows in place.
#[component]
pub fn GuidePage(guide: OpenGuide) -> impl IntoView {
    let state = expect_context::<AppState>();
    let shown = move || {
        state.run.with(|r| match r {
            None => Shown::Preview(state.preview.get()),
            Some(r) => Shown::Run {
                id: r.run.id.clone(),
                rollback: state.run_state.with(|st| st.rollback.is_some()),
                corrections: state.run_state.with(|st| st.corrections),
            },
        })
    };
    let last: StoredValue<Option<Shown>> = StoredValue::new(None);
    let previewed: StoredValue<Option<Arc<Plan>>> = StoredValue::new(None);
    let (hash, base) = (guide.hash.clone(), guide.guide.clone());
    // Counts the renderings of the document: the same while the page
    // keeps it.
    let generation = Memo::new(move |before: Option<&u64>| {
        let now = shown();
        let kept = last.with_value(|last| match (last, &now) {
            (Some(a), b) if a == b => true,
            (
                Some(Shown::Preview(o)),
                Shown::Run {
                    rollback: false, ..
                },
            ) => continues_preview(state, &hash, &base, o, previewed),
            _ => false,
        });
        last.set_value(Some(now));
        match before {
            Some(g) if kept => *g,
            Some(g) => g + 1,
            None => 0,
        }
    });
    move || {
        let this = generation.get();
        let guide = guide.clone();
        untrack(move || view! { <Page guide generation this previewed /> })
    }
}

/// Whether the open run follows exactly the checklist the preview shows:
/// the same guide, corrections, phases, steps and candidates.
fn continues_preview(
    state: AppState,
    hash: &str,
    base: &Guide,
    preview: &StepOverrides,
    previewed: StoredValue<Option<Arc<Plan>>>,
) -> bool {
    if state.read_only.get_untracked() {
        return false;
    }
    let Some(plan) = previewed.get_value() else {
        return false;
    };
    state.run.with_untracked(|r| {
        r.as_ref().is_some_and(|r| {
            r.run.current_guide_hash() == hash
                && r.plan.phases == plan.phases
                && r.plan.candidates == plan.candidates
                && r.run.overrides(base) == *preview
        })
    })
}

/// One rendering of the open guide's page: `this` of `generation`.
#[component]
fn Page(
    guide: OpenGuide,
    generation: Memo<u64>,
    this: u64,
    previewed: StoredValue<Option<Arc<Plan>>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = Rows::track(state);
    provide_context(rows);
    // A run of this document is open: rendered for it, or started on
    // its preview since.
    let live = Memo::new(move |_| generation.get() == this && state.run.with(Option::is_some));
    if !live.get_untracked() {
        Effect::new(move |_| {
            if live.get() {
                rows.go_live(state);
            }
        });
    }
    view! {
        <div
            class:run-view=move || live.get()
            class:only-mine=move || live.get() && state.only_mine.get()
            class:finished=move || live.get() && state.finished.get()
        >
            {move || {
                (!live.get())
                    .then(|| {
                        view! {
                            <crate::ui::home::Intro />
                            <crate::ui::home::Home />
                        }
                    })
            }}
            {move || {
                live.get()
                    .then(|| {
                        view! {
                            <RunHeader />
                            <Summary />
                            {crate::ui::params::panel()}
                            <crate::ui::signoff::Signatures />
                        }
                    })
            }}
            <GuideView guide live=Signal::from(live) previewed />
            <crate::ui::review::TreeOutline />
            {move || live.get().then(|| view! { <crate::ui::signoff::Timeline /> })}
        </div>
    }
}

/// Brings the element `id` into view and gives it focus; a closed
/// `<details>` opens first, and a section of a long guide not rendered
/// yet renders first.
pub fn scroll_to(id: &str) {
    crate::ui::slices::when_rendered(id, scroll_now);
}

fn scroll_now(id: &str) {
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
