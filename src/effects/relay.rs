//! The relay client of live shared runs: `relay.js` (the official NATS
//! clients, bundled apart from the app) loaded with a dynamic `import()`
//! the first time a run is shared, so nothing of it is on the critical path.
//! This file only passes strings across; the protocol is in
//! `preflight_core::share`.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = "export function import_module(path) {
  return import(new URL(path, document.baseURI).href);
}")]
extern "C" {
    fn import_module(path: &str) -> Promise;
}

/// Where the bundle is served, next to `index.html`.
const MODULE: &str = "relay.js";

thread_local! {
    static MODULE_CACHE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

async fn module() -> Result<JsValue, String> {
    if let Some(m) = MODULE_CACHE.with(|m| m.borrow().clone()) {
        return Ok(m);
    }
    let m = JsFuture::from(import_module(MODULE))
        .await
        .map_err(|_| "the relay client could not be loaded".to_owned())?;
    MODULE_CACHE.with(|c| *c.borrow_mut() = Some(m.clone()));
    Ok(m)
}

fn method(target: &JsValue, name: &str) -> Result<Function, String> {
    Reflect::get(target, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| format!("the relay client has no {name}"))
}

fn sentence(err: JsValue) -> String {
    err.as_string()
        .or_else(|| {
            Reflect::get(&err, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "the relay did not answer".to_owned())
}

/// What the relay reports, passed to the shell's handlers.
pub struct Handlers {
    pub event: Box<dyn Fn(String, String)>,
    pub status: Box<dyn Fn(String, String)>,
    pub presence: Box<dyn Fn(String, Option<String>)>,
}

/// An open connection to the relay for one run.
pub struct Session {
    inner: JsValue,
    // Kept alive as long as the session: the client calls them.
    _event: Closure<dyn Fn(String, String)>,
    _status: Closure<dyn Fn(String, String)>,
    _presence: Closure<dyn Fn(String, JsValue)>,
}

/// Connection settings, as `relay.js` reads them (JSON).
pub fn options(
    servers: &[String],
    user: &str,
    password: &str,
    name: &str,
    names: &preflight_core::share::Names,
) -> String {
    serde_json::json!({
        "servers": servers,
        "user": user,
        "pass": password,
        "name": name,
        "stream": names.stream,
        "subjects": names.stream_subjects,
        // One replica on a single relay; a cluster's operators raise it
        // (see deploy/nats/cluster).
        "replicas": replicas(servers),
        "filter": names.filter,
        "bucket": names.bucket,
        "presenceKeys": names.presence_keys,
        "ttlMs": preflight_core::share::PRESENCE_TTL_MS,
    })
    .to_string()
}

/// Three replicas when the link names three or more relay nodes.
fn replicas(servers: &[String]) -> u32 {
    if servers.len() >= 3 {
        3
    } else {
        1
    }
}

/// Connects; `Err` holds a sentence for people.
pub async fn open(options_json: &str, on: Handlers) -> Result<Session, String> {
    let m = module().await?;
    let opts = js_sys::JSON::parse(options_json).map_err(|_| "bad relay settings".to_owned())?;
    let Handlers {
        event,
        status,
        presence,
    } = on;
    let event = Closure::<dyn Fn(String, String)>::new(event);
    let status = Closure::<dyn Fn(String, String)>::new(status);
    let presence = Closure::<dyn Fn(String, JsValue)>::new(move |key: String, value: JsValue| {
        presence(key, value.as_string())
    });
    let on = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&on, &k.into(), v);
    };
    set("event", event.as_ref());
    set("status", status.as_ref());
    set("presence", presence.as_ref());
    let promise: Promise = method(&m, "open")?
        .call2(&m, &opts, &on)
        .map_err(sentence)?
        .dyn_into()
        .map_err(|_| "the relay client did not start".to_owned())?;
    let inner = JsFuture::from(promise).await.map_err(sentence)?;
    Ok(Session {
        inner,
        _event: event,
        _status: status,
        _presence: presence,
    })
}

impl Session {
    async fn call(&self, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
        let f = method(&self.inner, name)?;
        let array: js_sys::Array = args.iter().collect();
        let result = f.apply(&self.inner, &array).map_err(sentence)?;
        match result.dyn_into::<Promise>() {
            Ok(p) => JsFuture::from(p).await.map_err(sentence),
            Err(v) => Ok(v),
        }
    }

    /// Publishes one message, de-duplicated by the relay under `msg_id`;
    /// resolves when the relay has stored it.
    pub async fn publish(&self, subject: &str, msg_id: &str, data: &str) -> Result<(), String> {
        self.call("publish", &[subject.into(), msg_id.into(), data.into()])
            .await
            .map(|_| ())
    }

    /// Sets (or with `None` removes) this device's presence entry.
    pub async fn presence(&self, key: &str, value: Option<&str>) -> Result<(), String> {
        let value = value.map_or(JsValue::NULL, JsValue::from);
        self.call("presence", &[key.into(), value])
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        let _ = self.call("close", &[]).await;
    }
}
