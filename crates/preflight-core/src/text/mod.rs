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
    // The first bytes of the needles, as a set: most word starts begin
    // with a byte no needle begins with and are passed over at once.
    let firsts = needles
        .iter()
        .filter_map(|n| n.as_bytes().first())
        .fold(0u128, |set, &b| set | bit(b));
    let mut prev_alnum = false;
    for (i, &b) in h.iter().enumerate() {
        let alnum = b.is_ascii_alphanumeric();
        let word_start = !prev_alnum || !alnum;
        prev_alnum = alnum;
        if word_start && firsts & bit(b) != 0 {
            let rest = &h[i..];
            if needles
                .iter()
                .any(|n| !n.is_empty() && rest.starts_with(n.as_bytes()))
            {
                return true;
            }
        }
    }
    false
}

/// `b` as a member of a set of ASCII bytes; other bytes are in no set.
fn bit(b: u8) -> u128 {
    1u128.checked_shl(u32::from(b)).unwrap_or(0)
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
