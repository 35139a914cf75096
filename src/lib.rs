//! Preflight in the browser: a thin Leptos shell over `preflight-core`.
//!
//! * [`state`] holds the state of the page (which guide and run are open,
//!   messages); [`guides`] and [`runs`] are the actions that change it,
//!   every change to a run through the core's `Session::apply`, whose
//!   effects [`driver`] carries out; [`app`] mounts the views.
//! * [`persist`] keeps runs in browser storage with the core's codec.
//! * [`webhooks`] queues run status for a webhook and delivers it;
//!   [`share`] shares a run live through a relay; [`params`] keeps the
//!   values of a run's parameters and copies commands with them.
//! * [`ui`] turns core data into DOM nodes; it holds no logic of its own.
//! * [`effects`] is the only code that talks to browser APIs: storage,
//!   fetch, files, the panic notice.

pub mod app;
pub mod driver;
pub mod effects;
pub mod guides;
pub mod notice;
pub mod params;
pub mod persist;
pub mod runs;
pub mod share;
pub mod state;
pub mod ui;
pub mod webhooks;

/// Installs the panic notice and mounts the app into `#app` (or the body).
pub fn start() {
    effects::panic::install();
    app::mount();
}

/// Triggers a Rust panic on purpose, so the in-page error notice can be
/// checked in a real browser: `window.wasmBindings.preflight_selftest_panic()`.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn preflight_selftest_panic() {
    panic!("self-test panic requested");
}
