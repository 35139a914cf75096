//! From bytes to guide text.
//!
//! A guide arrives as bytes from a file picker, a fetch, a paste or the
//! command line. [`decode`] accepts UTF-8 text up to [`MAX_GUIDE_BYTES`] and
//! turns everything else into a [`SourceError`] whose message can be shown to
//! a person as it is.

use sha2::{Digest, Sha256};
use std::fmt;

/// The largest guide Preflight opens: 10 MiB.
pub const MAX_GUIDE_BYTES: usize = 10 * 1024 * 1024;

/// Why a byte string is not a guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// No bytes, or only white space.
    Empty,
    /// Larger than [`MAX_GUIDE_BYTES`].
    TooLarge { bytes: usize },
    /// Contains NUL bytes: an image, an archive or another binary file.
    Binary,
    /// Not valid UTF-8; `line` is where the first invalid byte sits (1-based).
    NotUtf8 { line: usize },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Empty => write!(f, "the guide is empty"),
            SourceError::TooLarge { bytes } => write!(
                f,
                "the guide is {:.1} MB; Preflight opens guides up to {} MB",
                *bytes as f64 / (1024.0 * 1024.0),
                MAX_GUIDE_BYTES / (1024 * 1024)
            ),
            SourceError::Binary => {
                write!(f, "this is a binary file, not a Markdown guide")
            }
            SourceError::NotUtf8 { line } => write!(
                f,
                "the guide is not UTF-8 text (first invalid byte on line {line}); save it as UTF-8 and open it again"
            ),
        }
    }
}

impl std::error::Error for SourceError {}

/// Decodes guide bytes as UTF-8 text, dropping a leading byte-order mark.
pub fn decode(bytes: &[u8]) -> Result<String, SourceError> {
    if bytes.len() > MAX_GUIDE_BYTES {
        return Err(SourceError::TooLarge { bytes: bytes.len() });
    }
    if bytes.contains(&0) {
        return Err(SourceError::Binary);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &bytes[..err.valid_up_to()];
            let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
            return Err(SourceError::NotUtf8 { line });
        }
    };
    if text.trim().is_empty() {
        return Err(SourceError::Empty);
    }
    Ok(text.to_owned())
}

/// The SHA-256 of a guide's text with its secrets masked
/// ([`crate::text::secrets::mask_text`]), as lowercase hex. Progress and
/// runs are tied to this fingerprint, so a copy with its secrets masked is
/// the same version as the original: same hash, same steps.
pub fn guide_hash(text: &str) -> String {
    raw_hash(&crate::text::secrets::mask_text(text).text)
}

/// The SHA-256 of the text exactly as it is.
fn raw_hash(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Whether `text` is the guide version `hash` names: its [`guide_hash`],
/// or, for runs recorded when the hash was taken over the text as it was
/// (secrets included), the SHA-256 of the text itself.
pub fn matches_hash(text: &str, hash: &str) -> bool {
    let masked = crate::text::secrets::mask_text(text);
    raw_hash(&masked.text) == hash || (!masked.findings.is_empty() && raw_hash(text) == hash)
}

/// Whether `s` has the form of a [`guide_hash`]: 64 lowercase hex digits.
/// Hashes that arrive from elsewhere (other devices, files) are checked
/// with it before anything uses them.
pub fn is_guide_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &[u8], expected: Result<&str, SourceError>) {
        assert_eq!(decode(input), expected.map(str::to_owned));
    }

    #[test]
    fn accepts_utf8_and_drops_bom() {
        check(b"# Guide\n", Ok("# Guide\n"));
        check(b"\xEF\xBB\xBF# Guide\n", Ok("# Guide\n"));
        check(
            "# D\u{e9}ploiement \u{1f680}\n".as_bytes(),
            Ok("# D\u{e9}ploiement \u{1f680}\n"),
        );
    }

    #[test]
    fn rejects_empty_and_blank() {
        check(b"", Err(SourceError::Empty));
        check(b" \n\t\n", Err(SourceError::Empty));
        check(b"\xEF\xBB\xBF", Err(SourceError::Empty));
    }

    #[test]
    fn rejects_binary() {
        check(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Err(SourceError::Binary));
    }

    #[test]
    fn reports_line_of_first_invalid_byte() {
        check(
            b"# Title\nline two\nbad \xE9 here\n",
            Err(SourceError::NotUtf8 { line: 3 }),
        );
        check(b"\xFF", Err(SourceError::NotUtf8 { line: 1 }));
    }

    #[test]
    fn rejects_oversized_input_but_accepts_the_limit() {
        let big = vec![b'a'; MAX_GUIDE_BYTES + 1];
        assert_eq!(
            decode(&big),
            Err(SourceError::TooLarge {
                bytes: MAX_GUIDE_BYTES + 1
            })
        );
        let max = vec![b'a'; MAX_GUIDE_BYTES];
        assert_eq!(decode(&max).map(|t| t.len()), Ok(MAX_GUIDE_BYTES));
    }

    #[test]
    fn messages_are_readable() {
        assert_eq!(
            SourceError::NotUtf8 { line: 7 }.to_string(),
            "the guide is not UTF-8 text (first invalid byte on line 7); save it as UTF-8 and open it again"
        );
        assert_eq!(
            SourceError::TooLarge {
                bytes: 11 * 1024 * 1024
            }
            .to_string(),
            "the guide is 11.0 MB; Preflight opens guides up to 10 MB"
        );
    }

    #[test]
    fn the_hash_is_over_the_masked_text() {
        let raw = "# Deploy\n\n- [ ] export DB_PASSWORD=s3cr3t-Pa55word\n";
        let masked = "# Deploy\n\n- [ ] export DB_PASSWORD=••••••\n";
        assert_eq!(crate::text::secrets::mask_text(raw).text, masked);
        assert_eq!(guide_hash(raw), guide_hash(masked));
        assert_eq!(guide_hash(masked), raw_hash(masked));
        assert_ne!(guide_hash(raw), raw_hash(raw));
        // A run recorded under the raw text's hash still knows its text,
        // and so does one recorded under the masked text's.
        assert!(matches_hash(raw, &raw_hash(raw)));
        assert!(matches_hash(raw, &guide_hash(raw)));
        assert!(matches_hash(masked, &guide_hash(raw)));
        // The masked copy is not the raw text, and other text is neither.
        assert!(!matches_hash(masked, &raw_hash(raw)));
        assert!(!matches_hash("# Other\n", &guide_hash(raw)));
        assert!(!matches_hash("# Other\n", &raw_hash(raw)));
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            guide_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
