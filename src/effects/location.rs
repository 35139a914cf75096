//! The page address: which guide to open (`?guide=`).

/// The `guide` query parameter of the current page, if any.
pub fn guide_param() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get("guide").filter(|g| !g.trim().is_empty())
}

/// Resolves `url` against the page address (so `guides/a.md` works) and
/// accepts only http and https.
pub fn resolve(url: &str) -> Result<String, String> {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let resolved = web_sys::Url::new_with_base(url.trim(), &base)
        .map_err(|_| format!("“{url}” is not a valid address"))?;
    match resolved.protocol().as_str() {
        "http:" | "https:" => Ok(resolved.href()),
        other => Err(format!(
            "“{url}” uses {other}; guides can only be opened from http or https addresses"
        )),
    }
}

/// Drops `?guide=` from the address bar without reloading, so a reload
/// after opening another guide does not bring the URL guide back.
pub fn clear_guide_param() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(href) = window.location().href() else {
        return;
    };
    let Ok(url) = web_sys::Url::new(&href) else {
        return;
    };
    url.search_params().delete("guide");
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()));
    }
}

/// The run named in the address (`#run=<id>`), if any.
pub fn run_in_hash() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.strip_prefix("#run=")
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .map(str::to_owned)
}

/// Puts the open run in the address, so a reload or a bookmark reopens it;
/// `None` takes it out.
pub fn set_run_hash(id: Option<&str>) {
    set_fragment(id.map(|id| format!("run={id}")).as_deref());
}

/// The address of a run, for messages that link back to it.
pub fn run_link(id: &str) -> String {
    link_with_fragment(&format!("run={id}"))
}

/// The fragment after `#<name>=`, if the address has one.
pub fn fragment_value(name: &str) -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.strip_prefix('#')?
        .strip_prefix(name)?
        .strip_prefix('=')
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Whether the address is exactly `#<name>`.
pub fn fragment_is(name: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .is_some_and(|h| h.strip_prefix('#') == Some(name))
}

/// Sets the fragment without a new history entry (`None` clears it).
pub fn set_fragment(value: Option<&str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(href) = window.location().href() else {
        return;
    };
    let Ok(url) = web_sys::Url::new(&href) else {
        return;
    };
    url.set_hash(value.unwrap_or_default());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()));
    }
}

/// This page's address with `#<fragment>`, for links to share.
pub fn link_with_fragment(fragment: &str) -> String {
    let Some(href) = web_sys::window().and_then(|w| w.location().href().ok()) else {
        return format!("#{fragment}");
    };
    let Ok(url) = web_sys::Url::new(&href) else {
        return format!("#{fragment}");
    };
    url.set_search("");
    url.set_hash(fragment);
    url.href()
}
