//! Leptos components. They read [`crate::state::AppState`] and call its
//! actions; they hold no state of their own beyond what a form needs.

pub mod changes;
pub mod decide;
pub mod document;
pub mod gates;
pub mod guide;
pub mod home;
pub mod keys;
pub mod lazy;
pub mod menu;
pub mod notices;
pub mod open;
pub mod params;
pub mod review;
pub mod run;
pub mod share;
pub mod signoff;
pub mod slices;
pub mod webhook;

/// Once the page has been rendered again, brings the first element matching `selector`
/// into view and puts focus on its first control, so that a panel opened
/// from the sticky bar (or a menu) is where the keyboard and the eyes go.
pub fn reveal(selector: &'static str) {
    use wasm_bindgen::JsCast;
    // Effects run as tasks of the executor: after the next tick, the
    // panel is in the page (no timer, so it holds under a paused clock).
    leptos::task::spawn_local(async move {
        leptos::task::tick().await;
        let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
        else {
            return;
        };
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        el.scroll_into_view_with_scroll_into_view_options(&options);
        let first = el
            .query_selector("input:not([type=hidden]), select, textarea, button")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(first) = first {
            let _ = first.focus();
        }
    });
}
