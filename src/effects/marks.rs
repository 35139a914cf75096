//! User Timing marks (`performance.mark`) around the work a page load does:
//! parsing the guide and mounting the app. Browser developer tools show
//! them on the timeline, and `./scripts/bench` reads them to tell parse
//! time from render time. A mark costs microseconds; failures are ignored.

/// Sets the mark `name` at the current time.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}
