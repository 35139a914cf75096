//! Reading a guide from a file the user picked or dropped.

use preflight_core::MAX_GUIDE_BYTES;
use wasm_bindgen_futures::JsFuture;

/// Reads a picked or dropped file, refusing oversized files before reading.
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let name = file.name();
    if file.size() > MAX_GUIDE_BYTES as f64 {
        return Err(format!(
            "{name} is {:.1} MB; Preflight opens guides up to {} MB",
            file.size() / (1024.0 * 1024.0),
            MAX_GUIDE_BYTES / (1024 * 1024)
        ));
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("could not read {name}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
