//! This browser's signing key: an ECDSA P-256 key pair made by WebCrypto
//! with its private half not extractable, kept in IndexedDB (which holds
//! `CryptoKey` objects as they are, so the private key never exists as
//! bytes a script could read or send). Made on first use; two tabs making
//! one at once keep whichever was stored first.
//!
//! Used only by the sign-off form's module; what is signed and how a
//! signature is checked is the core's (`preflight_core::run::sign`).

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, IdbDatabase, IdbRequest, IdbTransactionMode};

const DB: &str = "preflight";
const STORE: &str = "keys";
const KEY: &str = "signing";

/// The key pair: the private key to sign with, and the public key's bytes
/// (the uncompressed SEC1 point) that go into each signature.
pub struct Key {
    private: CryptoKey,
    pub public: Vec<u8>,
}

fn why(what: &str, err: JsValue) -> String {
    let detail = err
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_default();
    if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what} ({detail})")
    }
}

/// A request's result, once it succeeds.
async fn done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await?;
    request.result()
}

fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    let window = web_sys::window().ok_or("no window")?;
    let crypto = window
        .crypto()
        .map_err(|e| why("this browser has no WebCrypto", e))?;
    Ok(crypto.subtle())
}

async fn open() -> Result<IdbDatabase, String> {
    let window = web_sys::window().ok_or("no window")?;
    let factory = window
        .indexed_db()
        .map_err(|e| why("this browser does not allow IndexedDB here", e))?
        .ok_or("this browser does not allow IndexedDB here")?;
    let request = factory
        .open_with_u32(DB, 1)
        .map_err(|e| why("the key store could not be opened", e))?;
    let upgrade = Closure::once_into_js(move |ev: web_sys::Event| {
        let db = ev
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|db| db.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db = done(&request)
        .await
        .map_err(|e| why("the key store could not be opened", e))?;
    db.dyn_into::<IdbDatabase>()
        .map_err(|_| "the key store could not be opened".to_owned())
}

/// The stored key pair, if any.
async fn stored(db: &IdbDatabase) -> Result<Option<(CryptoKey, CryptoKey)>, String> {
    let tx = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readonly)
        .map_err(|e| why("the key store could not be read", e))?;
    let store = tx
        .object_store(STORE)
        .map_err(|e| why("the key store could not be read", e))?;
    let request = store
        .get(&JsValue::from_str(KEY))
        .map_err(|e| why("the key store could not be read", e))?;
    let pair = done(&request)
        .await
        .map_err(|e| why("the key store could not be read", e))?;
    if pair.is_undefined() || pair.is_null() {
        return Ok(None);
    }
    let get = |name: &str| {
        Reflect::get(&pair, &JsValue::from_str(name))
            .ok()
            .and_then(|k| k.dyn_into::<CryptoKey>().ok())
    };
    Ok(get("privateKey").zip(get("publicKey")))
}

/// This browser's key, made and stored on first use.
pub async fn signing_key() -> Result<Key, String> {
    let subtle = subtle()?;
    let db = open().await?;
    let (private, public) = match stored(&db).await? {
        Some(pair) => pair,
        None => {
            let algorithm = Object::new();
            let _ = Reflect::set(&algorithm, &"name".into(), &"ECDSA".into());
            let _ = Reflect::set(&algorithm, &"namedCurve".into(), &"P-256".into());
            let usages = Array::of2(&"sign".into(), &"verify".into());
            let promise = subtle
                .generate_key_with_object(&algorithm, false, &usages)
                .map_err(|e| why("a signing key could not be made", e))?;
            let pair = JsFuture::from(promise)
                .await
                .map_err(|e| why("a signing key could not be made", e))?;
            // `add`, not `put`: a key another tab stored meanwhile wins,
            // and this one is dropped unused.
            let tx = db
                .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
                .map_err(|e| why("the signing key could not be kept", e))?;
            let added = tx
                .object_store(STORE)
                .and_then(|s| s.add_with_key(&pair, &JsValue::from_str(KEY)))
                .map_err(|e| why("the signing key could not be kept", e))?;
            let _ = done(&added).await;
            match stored(&db).await? {
                Some(pair) => pair,
                None => {
                    // Something that is not a key pair sits under the key
                    // (a damaged store): replace it, or no sign-off here
                    // could ever be signed again.
                    let tx = db
                        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
                        .map_err(|e| why("the signing key could not be kept", e))?;
                    let put = tx
                        .object_store(STORE)
                        .and_then(|s| s.put_with_key(&pair, &JsValue::from_str(KEY)))
                        .map_err(|e| why("the signing key could not be kept", e))?;
                    done(&put)
                        .await
                        .map_err(|e| why("the signing key could not be kept", e))?;
                    stored(&db)
                        .await?
                        .ok_or("the signing key could not be kept")?
                }
            }
        }
    };
    let promise = subtle
        .export_key("raw", &public)
        .map_err(|e| why("the public key could not be read", e))?;
    let raw = JsFuture::from(promise)
        .await
        .map_err(|e| why("the public key could not be read", e))?;
    db.close();
    Ok(Key {
        private,
        public: Uint8Array::new(&raw).to_vec(),
    })
}

/// Signs `bytes` (ECDSA with SHA-256): the signature as r‖s.
pub async fn sign(key: &Key, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let subtle = subtle()?;
    let algorithm = Object::new();
    let _ = Reflect::set(&algorithm, &"name".into(), &"ECDSA".into());
    let _ = Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into());
    let promise = subtle
        .sign_with_object_and_u8_array(&algorithm, &key.private, bytes)
        .map_err(|e| why("the sign-off could not be signed", e))?;
    let sig = JsFuture::from(promise)
        .await
        .map_err(|e| why("the sign-off could not be signed", e))?;
    Ok(Uint8Array::new(&sig).to_vec())
}
