//! The browser's print dialog, and the running header the stylesheet
//! prints at the top of every page (`--print-title`).

use wasm_bindgen::JsCast;

pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// Sets the text of the printed page header. Set through the CSS object
/// model, which the page's Content-Security-Policy allows.
pub fn set_header(text: &str) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(root) = root {
        let quoted = format!(
            "\"{}\"",
            text.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', " ")
        );
        let _ = root.style().set_property("--print-title", &quoted);
    }
}
