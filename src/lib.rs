//! Preflight in the browser: a thin Leptos shell over `preflight-core`.
//!
//! * [`app`] owns the state of the page (which guide and run are open,
//!   messages) and wires user actions to the core and to effects.
//! * [`persist`] keeps runs in browser storage with the core's codec.
//! * [`hooks`] queues run status for a webhook and delivers it.
//! * [`ui`] turns core data into DOM nodes; it holds no logic of its own.
//! * [`effects`] is the only code that talks to browser APIs: storage,
//!   fetch, files, the panic notice.

pub mod app;
pub mod guides;
pub mod notice;
pub mod runs;
pub mod state;
pub mod driver;
pub mod effects;
pub mod persist;
pub mod share;
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
