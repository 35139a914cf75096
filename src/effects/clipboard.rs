//! Copying commands: the asynchronous Clipboard API where the page may use
//! it, else a hidden text area and the older copy command.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub async fn copy(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let clipboard = window.navigator().clipboard();
    if window.is_secure_context() && JsFuture::from(clipboard.write_text(text)).await.is_ok() {
        return Ok(());
    }
    fallback(&window, text)
}

fn fallback(window: &web_sys::Window, text: &str) -> Result<(), String> {
    let document = window.document().ok_or("no document")?;
    let area: web_sys::HtmlTextAreaElement = document
        .create_element("textarea")
        .map_err(|_| "cannot copy")?
        .unchecked_into();
    area.set_value(text);
    area.set_attribute("readonly", "").ok();
    area.set_attribute("style", "position:fixed;top:-1000px;opacity:0")
        .ok();
    let body = document.body().ok_or("no page body")?;
    body.append_child(&area).map_err(|_| "cannot copy")?;
    area.select();
    let copied = document
        .unchecked_ref::<web_sys::HtmlDocument>()
        .exec_command("copy")
        .unwrap_or(false);
    area.remove();
    if copied {
        Ok(())
    } else {
        Err("the browser refused to copy; select the text and copy it by hand".into())
    }
}
