//! A Rust panic must never leave a dead page behind.
//!
//! The hook logs the panic's message and place to the console and puts a notice at the top of
//! the page. It writes with `set_text_content` only: the message is fixed
//! text and nothing from the panic or the guide reaches HTML.

use wasm_bindgen::JsCast;

pub const NOTICE_ID: &str = "panic-notice";

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
        show_notice();
    }));
}

fn show_notice() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.get_element_by_id(NOTICE_ID).is_some() {
        return;
    }
    let Ok(notice) = document.create_element("div") else {
        return;
    };
    notice.set_id(NOTICE_ID);
    notice.set_class_name("panic-notice");
    let _ = notice.set_attribute("role", "alert");
    notice.set_text_content(Some(
        "Preflight hit an internal error and stopped. Progress saved so far is safe in this \
         browser: reload the page to continue. Details are in the browser console.",
    ));
    if let Some(body) = document.body() {
        let _ = body.prepend_with_node_1(notice.unchecked_ref());
    }
}
