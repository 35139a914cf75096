//! `localStorage`, with failures as values.
//!
//! `gloo-storage` is not used here: it panics when storage is unavailable
//! (private windows, disabled cookies, sandboxed frames), and an
//! unavailable storage must leave a working app with a clear banner.

use wasm_bindgen::JsValue;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// No `localStorage` at all, or access denied (`SecurityError`).
    Unavailable,
    /// The browser refused the write because the origin's quota is full.
    QuotaExceeded,
    Other(String),
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageError::Unavailable => write!(f, "browser storage is unavailable"),
            StorageError::QuotaExceeded => write!(f, "browser storage is full"),
            StorageError::Other(why) => write!(f, "browser storage failed: {why}"),
        }
    }
}

fn storage() -> Result<web_sys::Storage, StorageError> {
    web_sys::window()
        .ok_or(StorageError::Unavailable)?
        .local_storage()
        .map_err(|_| StorageError::Unavailable)?
        .ok_or(StorageError::Unavailable)
}

fn classify(err: JsValue) -> StorageError {
    let name = js_sys::Reflect::get(&err, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        // Chrome and Safari say QuotaExceededError, old Firefox
        // NS_ERROR_DOM_QUOTA_REACHED.
        "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED" => StorageError::QuotaExceeded,
        "SecurityError" => StorageError::Unavailable,
        _ => StorageError::Other(if name.is_empty() {
            format!("{err:?}")
        } else {
            name
        }),
    }
}

/// Whether storage can be read and written right now.
pub fn probe() -> Result<(), StorageError> {
    let s = storage()?;
    let key = "preflight.probe";
    s.set_item(key, "1").map_err(classify)?;
    s.remove_item(key).map_err(classify)
}

pub fn get(key: &str) -> Result<Option<String>, StorageError> {
    storage()?.get_item(key).map_err(classify)
}

pub fn set(key: &str, value: &str) -> Result<(), StorageError> {
    storage()?.set_item(key, value).map_err(classify)
}

pub fn remove(key: &str) -> Result<(), StorageError> {
    storage()?.remove_item(key).map_err(classify)
}

/// Every key in storage, in no particular order.
pub fn keys() -> Result<Vec<String>, StorageError> {
    let s = storage()?;
    let n = s.length().map_err(classify)?;
    Ok((0..n).filter_map(|i| s.key(i).ok().flatten()).collect())
}
