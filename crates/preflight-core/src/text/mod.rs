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
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut out = crate::source::hex(&hash.to_be_bytes());
    out.truncate(n);
    out
}

/// Whether any of `needles` occurs in `haystack` starting at the start of
/// a word (`verif` finds "Verification" and "pre-verify", not "unverified";
/// `slos` does not find "slowest"). Needles are lowercase ASCII; so must
/// the haystack be for a match. Written for short strings such as titles
/// and labels, where checking word starts only is cheaper than any search.
pub fn contains_any(haystack: &str, needles: &[&str]) -> bool {
    let h = haystack.as_bytes();
    let word_start =
        |i: usize| i == 0 || !h[i - 1].is_ascii_alphanumeric() || !h[i].is_ascii_alphanumeric();
    (0..h.len()).filter(|&i| word_start(i)).any(|i| {
        let rest = &h[i..];
        needles.iter().any(|n| {
            let n = n.as_bytes();
            // First byte before the full comparison: almost every pair
            // differs there, and a byte compare is far cheaper than memcmp.
            n.first() == rest.first() && rest.starts_with(n)
        })
    })
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
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "section".to_owned()
    } else {
        out
    }
}
