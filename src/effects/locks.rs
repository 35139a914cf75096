//! The Web Locks API, where the browser has it: runs a function while no
//! other tab of this origin holds the same lock.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Runs `f` under the exclusive lock `name`, now or when the lock is
/// free. Returns false (and does not run `f`) without Web Locks.
pub fn with_lock(name: &str, f: impl FnOnce() + 'static) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let locks =
        js_sys::Reflect::get(&window.navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    if locks.is_undefined() || locks.is_null() {
        return false;
    }
    let Ok(request) = js_sys::Reflect::get(&locks, &"request".into()) else {
        return false;
    };
    let Ok(request) = request.dyn_into::<js_sys::Function>() else {
        return false;
    };
    let callback = Closure::once_into_js(move |_lock: JsValue| {
        f();
    });
    request.call2(&locks, &name.into(), &callback).is_ok()
}
