//! Fetching a guide over HTTP.

use gloo_net::http::Request;

/// Fetches `url` (already resolved) and returns its bytes, or a message
/// that says what went wrong in words a person can act on.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = Request::get(url).send().await.map_err(|_| {
        format!(
            "could not load {url}: the server did not answer, or does not allow this page to read it (CORS)"
        )
    })?;
    if !response.ok() {
        let status = response.status();
        let text = response.status_text();
        return Err(format!("could not load {url}: HTTP {status} {text}")
            .trim_end()
            .to_owned());
    }
    response
        .binary()
        .await
        .map_err(|e| format!("could not read {url}: {e}"))
}
