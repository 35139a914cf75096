//! Sending a webhook request: `fetch` with the body, content type and
//! headers the core rendered. Requests that must not trigger a CORS
//! preflight go out in `no-cors` mode (their response is opaque).

use preflight_core::webhook::Request;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The response's status (0 when opaque) and `Retry-After`, or `None` for
/// a network error.
pub async fn send(url: &str, request: &Request) -> Option<(u16, Option<String>)> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&request.body.as_str().into());
    init.set_mode(if request.simple {
        web_sys::RequestMode::NoCors
    } else {
        web_sys::RequestMode::Cors
    });
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_referrer_policy(web_sys::ReferrerPolicy::NoReferrer);
    let headers = web_sys::Headers::new().ok()?;
    headers.set("Content-Type", &request.content_type).ok()?;
    if !request.simple {
        for (k, v) in &request.headers {
            headers.set(k, v).ok()?;
        }
    }
    init.set_headers(&headers);
    let req = web_sys::Request::new_with_str_and_init(url, &init).ok()?;
    let window = web_sys::window()?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&req))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    Some((response.status(), retry_after))
}

pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}
