//! Random bytes from the platform (`crypto.getRandomValues`).

pub fn bytes16() -> [u8; 16] {
    let mut out = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut out).is_ok());
    if !filled {
        // No Web Crypto (very old browsers): fall back to Math.random.
        for b in out.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    out
}
