//! Work put off to tasks of its own, and work done just before the page
//! is printed.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Runs `f` in a task of its own, queued behind what the browser has to
/// do now (input, a frame due): a message to a `MessageChannel` of its
/// own, as schedulers do. Not a timer, so it runs under a paused clock
/// too. Where channels are missing, runs after a zero timer.
pub fn next_task(f: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let callback = Closure::once_into_js(f);
    let get = |target: &JsValue, name: &str| js_sys::Reflect::get(target, &JsValue::from_str(name));
    let channel = get(&window, "MessageChannel")
        .ok()
        .and_then(|c| c.dyn_into::<js_sys::Function>().ok())
        .and_then(|c| js_sys::Reflect::construct(&c, &js_sys::Array::new()).ok());
    let posted = channel.and_then(|channel| {
        let receiver = get(&channel, "port1").ok()?;
        let sender = get(&channel, "port2").ok()?;
        js_sys::Reflect::set(&receiver, &JsValue::from_str("onmessage"), &callback).ok()?;
        let post = get(&sender, "postMessage")
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        post.call1(&sender, &JsValue::NULL).ok()
    });
    if posted.is_none() {
        let _ = window.set_timeout_with_callback(callback.unchecked_ref());
    }
}

/// Completes in a task of its own ([`next_task`]): awaited, lets input
/// and frames in.
pub async fn yield_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        next_task(move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The page's monotonic clock in milliseconds (`performance.now`), to
/// measure how long work takes; 0 where it is missing.
pub fn monotonic_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Calls `f` each time the page is about to be printed (`beforeprint`)
/// and each time print media starts or stops applying (a print preview,
/// a PDF made from the page), for the page's lifetime.
pub fn before_print(f: impl FnMut() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let callback = Closure::<dyn FnMut()>::new(f);
    let function: &js_sys::Function = callback.as_ref().unchecked_ref();
    let _ = window.add_event_listener_with_callback("beforeprint", function);
    let media = js_sys::Reflect::get(&window, &JsValue::from_str("matchMedia"))
        .ok()
        .and_then(|m| m.dyn_into::<js_sys::Function>().ok())
        .and_then(|m| m.call1(&window, &JsValue::from_str("print")).ok());
    if let Some(media) = media {
        let add = js_sys::Reflect::get(&media, &JsValue::from_str("addEventListener"))
            .ok()
            .and_then(|a| a.dyn_into::<js_sys::Function>().ok());
        if let Some(add) = add {
            let _ = add.call2(&media, &JsValue::from_str("change"), function);
        }
    }
    callback.forget();
}
