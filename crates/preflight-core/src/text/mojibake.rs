//! Repairs UTF-8 text that was decoded with a single-byte encoding and
//! saved again ("mojibake"): `âœ…` for ✅ (Windows-1252), `‚úÖ` (Mac
//! Roman), `ğŸš€` for 🚀 (Windows-1254).
//!
//! Each candidate encoding maps runs of non-ASCII characters back to bytes;
//! the encoding under which most runs decode as UTF-8 wins. A sequence cut
//! short (a byte was lost on the way) becomes one U+FFFD. Characters that
//! do not form UTF-8 (a lone `é` in a name) are left exactly as they were,
//! and text with nothing to repair is returned unchanged.

use super::tables;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Misdecoding {
    #[serde(rename = "mac_roman")]
    MacRoman,
    #[serde(rename = "windows_1252")]
    Windows1252,
    #[serde(rename = "windows_1254")]
    Windows1254,
}

impl Misdecoding {
    const ALL: [Misdecoding; 3] = [
        Misdecoding::Windows1252,
        Misdecoding::MacRoman,
        Misdecoding::Windows1254,
    ];

    fn table(self) -> &'static [char; 128] {
        match self {
            Misdecoding::MacRoman => &tables::MAC_ROMAN,
            Misdecoding::Windows1252 => &tables::WINDOWS_1252,
            Misdecoding::Windows1254 => &tables::WINDOWS_1254,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Misdecoding::MacRoman => "Mac Roman",
            Misdecoding::Windows1252 => "Windows-1252",
            Misdecoding::Windows1254 => "Windows-1254",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    pub text: String,
    pub encoding: Misdecoding,
    /// Characters restored.
    pub restored: usize,
    /// Sequences cut short, each now one U+FFFD.
    pub lost: usize,
}

/// Repairs `text` if it shows mojibake; `None` when there is nothing to do.
pub fn repair(text: &str) -> Option<Repaired> {
    if text.is_ascii() || !text.chars().any(is_lead_image) {
        return None;
    }
    let mut best: Option<(Misdecoding, (usize, usize))> = None;
    for enc in Misdecoding::ALL {
        let reverse = Reverse::new(enc);
        let (restored, lost) = scan(text, &reverse, None);
        let score = (restored, lost);
        if restored + lost > 0 && best.is_none_or(|(_, n)| score > n) {
            best = Some((enc, score));
        }
    }
    let (encoding, _) = best?;
    let mut out = String::with_capacity(text.len());
    let (restored, lost) = scan(text, &Reverse::new(encoding), Some(&mut out));
    Some(Repaired {
        text: out,
        encoding,
        restored,
        lost,
    })
}

/// Whether `c` is how some candidate encoding shows a UTF-8 lead byte
/// (0xC2–0xF4). Mojibake always has one; most clean text has none, and is
/// then returned untouched after this single cheap pass.
fn is_lead_image(c: char) -> bool {
    !c.is_ascii()
        && Misdecoding::ALL
            .iter()
            .any(|enc| enc.table()[0x42..=0x74].contains(&c))
}

/// Character → byte for one encoding's upper half, sorted for lookup.
struct Reverse(Vec<(char, u8)>);

impl Reverse {
    fn new(enc: Misdecoding) -> Self {
        let mut pairs: Vec<(char, u8)> = enc
            .table()
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, 0x80 + i as u8))
            .collect();
        pairs.sort_unstable();
        Reverse(pairs)
    }

    fn byte(&self, c: char) -> Option<u8> {
        if c.is_ascii() {
            return None;
        }
        self.0
            .binary_search_by_key(&c, |&(k, _)| k)
            .ok()
            .map(|i| self.0[i].1)
    }
}

/// Walks `text` run by run. Counts restored characters and lost sequences;
/// writes the repaired text to `out` when given.
fn scan(text: &str, reverse: &Reverse, mut out: Option<&mut String>) -> (usize, usize) {
    let mut restored = 0;
    let mut lost = 0;
    let mut run_chars: Vec<char> = Vec::new();
    let mut run_bytes: Vec<u8> = Vec::new();
    let mut swallow_question_mark = false;
    for c in text.chars() {
        match reverse.byte(c) {
            Some(b) => {
                run_chars.push(c);
                run_bytes.push(b);
            }
            None => {
                if !run_bytes.is_empty() {
                    let (r, l, cut) = decode_run(&run_bytes, &run_chars, out.as_deref_mut());
                    restored += r;
                    lost += l;
                    swallow_question_mark = cut;
                    run_bytes.clear();
                    run_chars.clear();
                }
                // A byte an encoding could not show is often written as `?`
                // right after the cut sequence: it belongs to the U+FFFD.
                if swallow_question_mark && c == '?' {
                    swallow_question_mark = false;
                    continue;
                }
                swallow_question_mark = false;
                if let Some(out) = out.as_deref_mut() {
                    out.push(c);
                }
            }
        }
    }
    if !run_bytes.is_empty() {
        let (r, l, _) = decode_run(&run_bytes, &run_chars, out);
        restored += r;
        lost += l;
    }
    (restored, lost)
}

fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

fn is_continuation(b: u8) -> bool {
    (0x80..=0xBF).contains(&b)
}

/// How the bytes at `i` read as UTF-8.
enum Seq {
    /// A whole sequence of this many bytes.
    Whole(usize),
    /// A sequence cut short: a lead byte and this many bytes in all.
    Cut(usize),
    /// A byte that starts no sequence.
    Lone,
}

fn sequence_at(bytes: &[u8], i: usize) -> Seq {
    let need = sequence_len(bytes[i]);
    let cont = bytes[i + 1..]
        .iter()
        .take(need.saturating_sub(1))
        .take_while(|&&b| is_continuation(b))
        .count();
    if need >= 2 && cont == need - 1 {
        Seq::Whole(need)
    } else if need >= 2 && cont >= 1 {
        Seq::Cut(1 + cont)
    } else {
        Seq::Lone
    }
}

/// Decodes one run; returns (restored, lost, whether the run ends cut short).
fn decode_run(bytes: &[u8], chars: &[char], mut out: Option<&mut String>) -> (usize, usize, bool) {
    let mut restored = 0;
    let mut lost = 0;
    let mut last_cut = false;
    let mut i = 0;
    while i < bytes.len() {
        let seq = sequence_at(bytes, i);
        last_cut = matches!(seq, Seq::Cut(_));
        match seq {
            Seq::Whole(n) => {
                match std::str::from_utf8(&bytes[i..i + n]) {
                    Ok(s) => {
                        restored += 1;
                        if let Some(out) = out.as_deref_mut() {
                            out.push_str(s);
                        }
                    }
                    // Well-formed in shape but not valid (overlong,
                    // surrogate): not mojibake, keep the characters.
                    Err(_) => {
                        if let Some(out) = out.as_deref_mut() {
                            out.extend(&chars[i..i + n]);
                        }
                    }
                }
                i += n;
            }
            Seq::Cut(n) => {
                lost += 1;
                if let Some(out) = out.as_deref_mut() {
                    out.push('\u{FFFD}');
                }
                i += n;
            }
            Seq::Lone => {
                if let Some(out) = out.as_deref_mut() {
                    out.push(chars[i]);
                }
                i += 1;
            }
        }
    }
    (restored, lost, last_cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<(&str, Misdecoding)>) {
        let got = repair(input).map(|r| (r.text, r.encoding));
        assert_eq!(
            got,
            expected.map(|(t, e)| (t.to_owned(), e)),
            "input: {input:?}"
        );
    }

    /// Produces mojibake the way it happens: UTF-8 bytes read as `enc`.
    fn damage(text: &str, enc: Misdecoding) -> String {
        text.bytes()
            .map(|b| {
                if b < 0x80 {
                    b as char
                } else {
                    enc.table()[(b - 0x80) as usize]
                }
            })
            .collect()
    }

    #[test]
    fn repairs_the_three_common_misdecodings() {
        check(
            "- [x] Done âœ…",
            Some(("- [x] Done ✅", Misdecoding::Windows1252)),
        );
        check(
            "Deploy ðŸš€ now",
            Some(("Deploy 🚀 now", Misdecoding::Windows1252)),
        );
        check("25% â†’ 50%", Some(("25% → 50%", Misdecoding::Windows1252)));
        check(
            "- [x] Done ‚úÖ",
            Some(("- [x] Done ✅", Misdecoding::MacRoman)),
        );
        check(
            "Deploy ğŸš€ now",
            Some(("Deploy 🚀 now", Misdecoding::Windows1254)),
        );
    }

    #[test]
    fn round_trips_whole_guides() {
        let original =
            "# Déploiement ✅\n\n- [ ] Vérifier → 🚀 “quoted” — ok\n- [x] Größe ≤ 5 MB\n";
        for enc in Misdecoding::ALL {
            let damaged = damage(original, enc);
            assert_ne!(damaged, original);
            let repaired = repair(&damaged).expect("repairable");
            assert_eq!(repaired.text, original, "{enc:?}");
            assert_eq!(repaired.lost, 0);
            assert!(repaired.restored >= 8);
        }
    }

    #[test]
    fn lost_bytes_become_one_replacement_character() {
        // ” is E2 80 9D; Windows-1252 has no character for 9D, so tools
        // often drop it or write `?`.
        check(
            "say â€hello",
            Some(("say \u{FFFD}hello", Misdecoding::Windows1252)),
        );
        check(
            "say â€?hello âœ…",
            Some(("say \u{FFFD}hello ✅", Misdecoding::Windows1252)),
        );
        let r = repair("a â€ b ðŸš€").unwrap();
        assert_eq!((r.restored, r.lost), (1, 1));
    }

    #[test]
    fn leaves_clean_text_alone() {
        check("plain ascii", None);
        check("Café, naïve, São Paulo, für, ✅ → 🚀", None);
        check("Größe ≤ 5 MB — “quoted”", None);
    }

    #[test]
    fn keeps_genuine_accents_next_to_repaired_text() {
        check("naïve âœ…", Some(("naïve ✅", Misdecoding::Windows1252)));
    }
}
