//! Text helpers shared by the guide model: repairing mis-decoded text,
//! reading durations and thresholds, spotting secrets, making ids.

#[cfg(test)]
mod tests {
    #[test]
    fn contains_any_matches_at_word_starts() {
        use super::contains_any;
        assert!(contains_any("post-deployment verification", &["verif"]));
        assert!(contains_any("pre-deploy", &["deploy"]));
        assert!(contains_any("roll back if", &[" if"]));
        assert!(!contains_any("unverified", &["verif"]));
        assert!(!contains_any("slowest query", &["slos"]));
        assert!(!contains_any("holiday schedule", &["day "]));
        assert!(!contains_any("", &["x"]));
    }

    #[test]
    fn words_agree_with_contains_any() {
        use super::{contains_any, Words};
        let long = format!("{} roll back if needed", "x".repeat(70));
        let needles: &[&[&str]] = &[
            &["verif"],
            &["deploy"],
            &[" if"],
            &["slos"],
            &["day "],
            &["roll back"],
            &[""],
        ];
        for text in [
            "post-deployment verification",
            "unverified",
            "slowest query",
            "holiday schedule",
            "",
            &long,
        ] {
            for n in needles {
                assert_eq!(
                    Words::new(text).contains_any(n),
                    contains_any(text, n),
                    "{text:?} {n:?}"
                );
            }
        }
    }

    #[test]
    fn normalised_hash_hashes_the_normalised_text() {
        for text in [
            "  Run the   Migration\t\x0bnow ",
            "",
            "Ünïcode  Text",
            "a\r\nb",
        ] {
            assert_eq!(
                super::normalised_hash(text),
                super::fnv1a(&super::normalise(text))
            );
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(
            super::slug("Phase 1: Déploiement — Canary!"),
            "phase-1-d-ploiement-canary"
        );
        assert_eq!(super::slug("✅ --- "), "section");
        assert_eq!(super::slug(&"ab ".repeat(40)).len(), 47);
    }

    #[test]
    fn short_hash_is_fnv1a() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(super::short_hash("", 16), "cbf29ce484222325");
        assert_eq!(super::short_hash("a", 16), "af63dc4c8601ec8c");
        assert_eq!(super::short_hash("foobar", 12), "85944171f739");
    }
}

pub mod duration;
pub mod highlight;
pub mod mojibake;
pub mod secrets;
mod tables;
pub mod threshold;

/// Collapses white space and lowercases: the form ids are computed from.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            let start = out.len();
            out.push_str(word);
            out[start..].make_ascii_lowercase();
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
    out
}

/// The first `n` (at most 16) hex digits of the 64-bit FNV-1a hash of
/// `text`. Ids need a fixed, portable, fast hash, not a cryptographic one:
/// SHA-256 made hashing a tenth of the model's build time.
pub fn short_hash(text: &str, n: usize) -> String {
    let mut out = String::with_capacity(n);
    push_hex(&mut out, fnv1a(text), n);
    out
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The 64-bit FNV-1a hash of `text`.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(FNV_OFFSET, fnv_step)
}

fn fnv_step(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
}

/// `fnv1a(&normalise(text))`, without building the normalised copy when
/// the text is ASCII (almost always): ids are made for every step, gate
/// and task, and the copy was most of their cost.
pub fn normalised_hash(text: &str) -> u64 {
    if !text.is_ascii() {
        return fnv1a(&normalise(text));
    }
    // `split_whitespace` on ASCII text: these are its white-space bytes
    // (U+000B included, unlike `u8::is_ascii_whitespace`).
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut hash = FNV_OFFSET;
    let mut pending_space = false;
    let mut started = false;
    for &b in text.as_bytes() {
        if blank(b) {
            pending_space = started;
            continue;
        }
        if pending_space {
            hash = fnv_step(hash, b' ');
            pending_space = false;
        }
        started = true;
        hash = fnv_step(hash, b.to_ascii_lowercase());
    }
    hash
}

/// Appends the first `n` (at most 16) hex digits of `hash`.
pub fn push_hex(out: &mut String, hash: u64, n: usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for i in 0..n.min(16) {
        let nibble = (hash >> (60 - 4 * i)) & 0xf;
        out.push(char::from(DIGITS[nibble as usize]));
    }
}

/// The key of `prefix` + the first `n` hex digits of `hash`, for counting
/// occurrences of an id base without building it as a string.
pub fn id_key(prefix: u8, hash: u64, n: usize) -> u64 {
    let kept = 4 * n.min(14) as u32;
    (u64::from(prefix) << 56) | (hash >> (64 - kept))
}

/// Whether any of `needles` occurs in `haystack` starting at the start of
/// a word (`verif` finds "Verification" and "pre-verify", not "unverified";
/// `slos` does not find "slowest"). Needles are lowercase ASCII; so must
/// the haystack be for a match. Written for short strings such as titles
/// and labels, where checking word starts only is cheaper than any search.
pub fn contains_any(haystack: &str, needles: &[&str]) -> bool {
    let h = haystack.as_bytes();
    (0..h.len())
        .filter(|&i| is_word_start(h, i))
        .any(|i| starts_with_any(&h[i..], needles))
}

fn is_word_start(h: &[u8], i: usize) -> bool {
    i == 0 || !h[i - 1].is_ascii_alphanumeric() || !h[i].is_ascii_alphanumeric()
}

fn starts_with_any(rest: &[u8], needles: &[&str]) -> bool {
    needles.iter().any(|n| {
        let n = n.as_bytes();
        // First byte before the full comparison: almost every pair
        // differs there, and a byte compare is far cheaper than memcmp.
        n.first() == rest.first() && rest.starts_with(n)
    })
}

/// A lowercase string with its word starts found once, for testing many
/// keyword lists against the same title or label: classifying a section
/// asks a dozen such questions of a few dozen keywords each, and comparing
/// every keyword at every word start was most of their cost.
pub struct Words<'a> {
    bytes: &'a [u8],
    /// Word starts among the first 64 bytes (bit `i` for byte `i`), by
    /// the low five bits of their byte: a keyword is compared only where
    /// a word begins with a byte that could be its first.
    by_first: [u64; 32],
}

impl<'a> Words<'a> {
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut by_first = [0u64; 32];
        let mut prev_alnum = false;
        for (i, &b) in bytes.iter().take(64).enumerate() {
            let alnum = b.is_ascii_alphanumeric();
            if !prev_alnum || !alnum {
                by_first[usize::from(b & 31)] |= 1 << i;
            }
            prev_alnum = alnum;
        }
        Words { bytes, by_first }
    }

    /// Whether any of `needles` (lowercase ASCII) occurs at a word start.
    pub fn contains_any(&self, needles: &[&str]) -> bool {
        needles.iter().any(|n| self.contains(n.as_bytes()))
    }

    fn contains(&self, needle: &[u8]) -> bool {
        let Some(&first) = needle.first() else {
            return false;
        };
        let mut at = self.by_first[usize::from(first & 31)];
        while at != 0 {
            let i = at.trailing_zeros() as usize;
            at &= at - 1;
            if self.bytes[i..].starts_with(needle) {
                return true;
            }
        }
        // Past the first 64 bytes (long titles are rare): scan.
        let h = self.bytes;
        (64..h.len()).any(|i| is_word_start(h, i) && h[i..].starts_with(needle))
    }
}

/// `text` cut to `max` characters, with `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// Lowercase ASCII words joined by `-`, at most 48 characters.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    push_slug(&mut out, text);
    out
}

/// Appends [`slug`]`(text)` to `out`, so that an id's prefix and its slug
/// share one allocation. Bytes stand for characters here: every non-ASCII
/// byte, like every non-ASCII character, only separates words.
pub fn push_slug(out: &mut String, text: &str) {
    let start = out.len();
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b.to_ascii_lowercase()));
        } else if out.len() > start && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() - start >= 48 {
            break;
        }
    }
    while out.len() > start && out.ends_with('-') {
        out.pop();
    }
    if out.len() == start {
        out.push_str("section");
    }
}
