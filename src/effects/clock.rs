//! The one clock of the app: reading it, ticking it, and showing times in
//! the browser's local time zone.

use leptos::prelude::*;

/// Milliseconds since the Unix epoch, as the browser (or a test's
/// controlled clock) says.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Starts the app's single tick: `now` is set once a second. Everything
/// that shows a timer reads `now`; nothing else keeps a timer of its own.
pub fn start_ticking(now: RwSignal<i64>) {
    // The tick lives as long as the page: its handle is never cleared.
    let _ = set_interval_with_handle(move || now.set(now_ms()), std::time::Duration::from_secs(1));
}

/// `14:05` in local time.
pub fn local_hm(ms: i64) -> String {
    let d = js_sys::Date::new(&(ms as f64).into());
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// `2026-11-25 14:05` in local time.
pub fn local_datetime(ms: i64) -> String {
    let d = js_sys::Date::new(&(ms as f64).into());
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// The value of an `<input type="datetime-local">` for `ms`.
pub fn to_input(ms: i64) -> String {
    local_datetime(ms).replace(' ', "T")
}

/// Reads an `<input type="datetime-local">` value (local time).
pub fn from_input(value: &str) -> Option<i64> {
    let ms = js_sys::Date::new(&value.into()).get_time();
    (!ms.is_nan()).then_some(ms as i64)
}

/// Minutes east of UTC in this browser, for the record of a signature.
pub fn tz_offset_min() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}
