//! Spots credentials written into a guide, so they can be flagged and
//! masked. Placeholders (`$TOKEN`, `<password>`, `YOUR_TOKEN_HERE`,
//! `xxxx`) are not secrets.
//!
//! [`scan_line`] reads one line: `key: value` pairs whose key names a
//! secret, well-known token shapes (AWS, Google, GitHub, GitLab, Slack,
//! Stripe, npm, JWTs) and passwords in URLs. [`mask_text`] reads a whole
//! text once: every line through [`scan_line`], and PEM private key blocks
//! whole, from their `BEGIN` line to their `END` line. The masked text has
//! the same lines and line breaks, and masking it again changes nothing.

use std::borrow::Cow;

/// What a masked value is replaced with.
pub const MASK: &str = "••••••";

/// A secret found on one line: byte range of the secret value in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub kind: &'static str,
    pub start: usize,
    pub end: usize,
}

/// A line of a text that held a secret (1-based), with what it seems to
/// be. A private key block is one finding, on its `BEGIN` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub kind: &'static str,
}

/// A text with its secrets masked, and where they were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked<'a> {
    /// Borrowed when nothing was found.
    pub text: Cow<'a, str>,
    /// In line order, at most one per line.
    pub findings: Vec<Finding>,
}

/// Key words naming a secret value after them (matched at the end of the
/// key, in any case), with the kind of secret.
const KEY_WORDS: &[(&str, &str)] = &[
    ("password", "password"),
    ("passwd", "password"),
    ("pwd", "password"),
    ("secret_access_key", "AWS secret key"),
    ("secret", "credential"),
    ("token", "token"),
    ("api_key", "API key"),
    ("apikey", "API key"),
    ("api-key", "API key"),
    ("access_key", "credential"),
    ("secret_key", "credential"),
    ("client_secret", "credential"),
    ("private_key", "private key"),
];

fn is_placeholder(value: &str) -> bool {
    let v = value.trim_matches(|c: char| c == '"' || c == '\'' || c == '`');
    let lower = v.to_ascii_lowercase();
    v.len() < 6
        || v.starts_with(['$', '<', '{', '[', '%', '*'])
        || v.contains(MASK)
        || lower.contains("your")
        || lower.contains("xxx")
        || lower.contains("example")
        || lower.contains("changeme")
        || lower.contains("placeholder")
        || lower.contains("redacted")
        || lower.contains("here")
        || lower.starts_with("env")
        || lower == "password"
        || lower == "secret"
        || lower == "token"
        || v.chars().all(|c| c == v.chars().next().unwrap_or('x'))
}

/// Values are read at most this far: a secret is shorter, and a line of
/// megabytes without a blank must not be read again for each separator.
const MAX_VALUE: usize = 512;

fn token_end(line: &str, start: usize) -> usize {
    line[start..]
        .char_indices()
        .take_while(|&(i, _)| i < MAX_VALUE)
        .find(|&(_, c)| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ',' | ';' | ')' | '}'))
        .map_or_else(
            || {
                let mut end = (start + MAX_VALUE).min(line.len());
                while !line.is_char_boundary(end) {
                    end -= 1;
                }
                end
            },
            |(i, _)| start + i,
        )
}

/// Where `needle` occurs in `hay`. Every line of a guide is searched,
/// and a plain loop over the needle's first byte costs less per short line
/// than setting up a substring searcher.
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    hay.iter()
        .enumerate()
        .position(|(i, &b)| b == first && hay[i + 1..].starts_with(rest))
}

/// How a token of a well-known shape is told from a word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// At least this many bytes.
    Min(usize),
    /// Exactly 20 upper-case letters and digits (AWS key ids).
    AwsId,
    /// Three dot-separated base64url parts, the first two JSON (`eyJ`).
    Jwt,
}

/// Well-known token shapes: prefix, kind, shape. The value starts at the
/// prefix, except after `Bearer ` and a Slack webhook's `services/`.
const PREFIXES: &[(&str, &str, Shape)] = &[
    ("Bearer ", "bearer token", Shape::Min(20)),
    ("AKIA", "AWS access key", Shape::AwsId),
    ("ASIA", "AWS access key", Shape::AwsId),
    ("AIza", "Google API key", Shape::Min(39)),
    ("ghp_", "GitHub token", Shape::Min(30)),
    ("gho_", "GitHub token", Shape::Min(30)),
    ("ghu_", "GitHub token", Shape::Min(30)),
    ("ghs_", "GitHub token", Shape::Min(30)),
    ("ghr_", "GitHub token", Shape::Min(30)),
    ("github_pat_", "GitHub token", Shape::Min(30)),
    ("glpat-", "GitLab token", Shape::Min(26)),
    ("xoxa-", "Slack token", Shape::Min(20)),
    ("xoxb-", "Slack token", Shape::Min(20)),
    ("xoxp-", "Slack token", Shape::Min(20)),
    ("xoxr-", "Slack token", Shape::Min(20)),
    ("xoxs-", "Slack token", Shape::Min(20)),
    ("sk_live_", "Stripe key", Shape::Min(20)),
    ("rk_live_", "Stripe key", Shape::Min(20)),
    ("npm_", "npm token", Shape::Min(40)),
    ("eyJ", "JWT", Shape::Jwt),
    ("hooks.slack.com/services/", "Slack webhook", Shape::Min(20)),
];

fn fits(value: &str, shape: Shape) -> bool {
    match shape {
        Shape::Min(n) => value.len() >= n,
        Shape::AwsId => {
            value.len() == 20
                && value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        Shape::Jwt => {
            let b64 = |p: &str| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            };
            let mut parts = value.split('.');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(head), Some(body), Some(sig), None) => {
                    body.starts_with("eyJ")
                        && b64(head)
                        && b64(body)
                        && b64(sig)
                        && head.len() >= 10
                        && body.len() >= 10
                        && sig.len() >= 8
                }
                _ => false,
            }
        }
    }
}

/// Secrets on one line of a guide (a private key's body is found by
/// [`mask_text`], which reads the lines around it).
pub fn scan_line(line: &str) -> Vec<Secret> {
    scan_surveyed(line, survey(line))
}

/// What a few quick looks at a line tell, so that most lines need no
/// other: whether it has a separator (`:` or `=`: every `key: value` and
/// address needs one), an upper-case `Y` (every key's armour says `KEY`),
/// and a word of 20 bytes or more (every token shape is one). Each look is
/// a `memchr` search, far cheaper per byte than a loop that tracks all
/// three at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Survey {
    sep: bool,
    dashes: bool,
    long: bool,
}

fn survey(line: &str) -> Survey {
    let bytes = line.as_bytes();
    Survey {
        sep: bytes.contains(&b':') || bytes.contains(&b'='),
        dashes: bytes.contains(&b'Y'),
        long: bytes.len() >= 20 && line.split(' ').any(|w| w.len() >= 20),
    }
}

fn scan_surveyed(line: &str, survey: Survey) -> Vec<Secret> {
    let mut found = Vec::new();
    if survey.sep {
        key_values(line, &mut found);
        if let Some(at) = find_bytes(line.as_bytes(), b"://") {
            url_passwords(line, at, &mut found);
        }
    }
    if survey.long {
        token_shapes(line, &mut found);
    }
    if found.is_empty() {
        return found;
    }
    found.sort_by_key(|s| s.start);
    // Overlapping findings are one: the earlier one grows to cover both.
    let mut merged: Vec<Secret> = Vec::with_capacity(found.len());
    for s in found {
        match merged.last_mut() {
            Some(last) if s.start < last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
}

/// `key: value`, `key=value`, `"key": "value"`: the word right before
/// each separator, past quotes and spaces, names the value after it.
fn key_values(line: &str, found: &mut Vec<Secret>) {
    let bytes = line.as_bytes();
    // Byte scans: every character searched for is ASCII, so each match is
    // a char boundary, and bytes are far cheaper to walk than chars.
    let separators = (0..bytes.len()).filter(|&i| bytes[i] == b':' || bytes[i] == b'=');
    // Each value is examined once: a separator inside a value already read
    // (`password=password=…`) starts nothing new.
    let mut read_up_to = 0;
    for sep_at in separators {
        if sep_at < read_up_to {
            continue;
        }
        let before = line[..sep_at].trim_end().trim_end_matches(['"', '\'']);
        // Every key word ends in one of these: most keys are let go here.
        if !matches!(
            before.as_bytes().last().map(u8::to_ascii_lowercase),
            Some(b'd' | b't' | b'n' | b'y')
        ) {
            continue;
        }
        let word_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        // The word is ASCII (see above), so any suffix is a char boundary.
        let word = &before[word_start..];
        let Some(&(_, kind)) = KEY_WORDS.iter().find(|(k, _)| {
            word.len() >= k.len() && word[word.len() - k.len()..].eq_ignore_ascii_case(k)
        }) else {
            continue;
        };
        let rest = &line[word_start + word.len()..];
        let rest_trim = rest.trim_start_matches(['"', '\'']).trim_start();
        let Some(sep) = rest_trim.chars().next().filter(|c| *c == ':' || *c == '=') else {
            continue;
        };
        let value_part = rest_trim[sep.len_utf8()..].trim_start();
        let quoted = value_part.starts_with(['"', '\'']);
        let value_part = value_part.trim_start_matches(['"', '\'']);
        let start = line.len() - value_part.len();
        let end = token_end(line, start);
        read_up_to = end;
        let value = &line[start..end];
        // Unquoted, `token = data["access_token"]` is code, and
        // `password: required` is prose; a secret looks like a token.
        let looks_like_code = value.contains(['[', ']', '(', ')', '.', '{'])
            || value.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if (quoted || !looks_like_code)
            && !is_placeholder(value)
            && value.chars().any(|c| c.is_ascii_alphanumeric())
        {
            found.push(Secret { kind, start, end });
        }
    }
}

/// Bearer tokens and well-known token shapes, found in one pass over the
/// starts of words.
fn token_shapes(line: &str, found: &mut Vec<Secret>) {
    let bytes = line.as_bytes();
    let mut read_up_to = 0;
    for at in 0..bytes.len() {
        if at < read_up_to
            || !matches!(
                bytes[at],
                b'B' | b'A' | b'g' | b'x' | b's' | b'r' | b'n' | b'e' | b'h'
            )
            || at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_')
        {
            continue;
        }
        let rest = &bytes[at..];
        let Some(&(prefix, kind, shape)) = PREFIXES
            .iter()
            .find(|(p, _, _)| rest.starts_with(p.as_bytes()))
        else {
            continue;
        };
        let start = if prefix == "Bearer " || prefix.ends_with('/') {
            at + prefix.len()
        } else {
            at
        };
        let end = token_end(line, start);
        // A token in an address ends at its `@`; at the end of a sentence
        // or in brackets, the last mark is not its own.
        let end = line[start..end].find('@').map_or(end, |i| start + i);
        let end = start
            + line[start..end]
                .trim_end_matches(['.', ':', ']', '>'])
                .len();
        let value = &line[start..end];
        if fits(value, shape) && !is_placeholder(value) {
            read_up_to = end;
            found.push(Secret { kind, start, end });
        }
    }
}

/// `scheme://user:password@host`, for every address on the line.
fn url_passwords(line: &str, first: usize, found: &mut Vec<Secret>) {
    let mut from = first;
    while let Some(scheme) = line[from..].find("://").map(|i| from + i) {
        let authority = scheme + 3;
        let rest = &line[authority..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | '`' | '?' | '#'))
            .unwrap_or(rest.len());
        from = authority + end;
        // The last `@` ends the user's part: a password may hold one.
        if let Some(at) = rest[..end].rfind('@') {
            if let Some(colon) = rest[..at].find(':') {
                let start = authority + colon + 1;
                let value = &line[start..authority + at];
                if !is_placeholder(value) {
                    found.push(Secret {
                        kind: "password in URL",
                        start,
                        end: authority + at,
                    });
                }
            }
        }
        if from >= line.len() {
            break;
        }
    }
}

/// `line` with every secret replaced by [`MASK`].
pub fn mask_line(line: &str) -> String {
    mask_line_cow(line, &mut None).into_owned()
}

/// Where a private key's armour starts on a line: the `-----BEGIN` of a
/// `-----BEGIN … PRIVATE KEY-----` (or `… PRIVATE KEY BLOCK-----`), and
/// the byte after its closing dashes.
fn pem_begin(line: &str) -> Option<(usize, usize)> {
    let begin = find_bytes(line.as_bytes(), b"-----BEGIN ")?;
    let label_at = begin + "-----BEGIN ".len();
    let close = find_bytes(&line.as_bytes()[label_at..], b"-----")? + label_at;
    let label = &line[label_at..close];
    (label.len() <= 40 && (label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK")))
        .then_some((begin, close + "-----".len()))
}

/// A key written on one line (`"private_key": "-----BEGIN …\nMIIE…"`):
/// the byte range to mask, from the armour to the closing quote, when
/// key material follows the armour.
fn inline_key(line: &str, begin: usize, after: usize) -> Option<(usize, usize)> {
    let quote = line[..begin]
        .bytes()
        .next_back()
        .filter(|b| matches!(b, b'"' | b'\'' | b'`'));
    let bytes = line.as_bytes();
    let end = match quote {
        Some(q) => (after..bytes.len())
            .find(|&i| bytes[i] == q && bytes[i - 1] != b'\\')
            .unwrap_or(line.trim_end().len()),
        None => line.trim_end().len(),
    };
    let end = end.max(after);
    // Key material: a run of base64 (after a `\n` escape, perhaps).
    let material = line[after..end]
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/')))
        .any(|run| run.len() >= 16);
    material.then_some((begin, end))
}

/// A fence line (three or more backticks or tildes): its character and
/// length, and whether anything follows it.
fn fence(line: &str) -> Option<(u8, usize, bool)> {
    let t = line.trim_start();
    let c = *t.as_bytes().first().filter(|c| matches!(c, b'`' | b'~'))?;
    let len = t.bytes().take_while(|&b| b == c).count();
    (len >= 3).then(|| (c, len, !t[len..].trim().is_empty()))
}

/// A line of a private key's body masked: its indentation and quote
/// marks kept, the rest [`MASK`]; blank lines stay blank.
fn mask_body(line: &str) -> Cow<'_, str> {
    let body = line.trim_start_matches([' ', '\t', '>']);
    if body.trim().is_empty() || body == MASK {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() - body.len() + MASK.len());
    out.push_str(&line[..line.len() - body.len()]);
    out.push_str(MASK);
    Cow::Owned(out)
}

/// The text with every secret masked, in one pass over its lines: each
/// line through [`scan_line`], and private keys whole — every line from
/// `-----BEGIN … PRIVATE KEY-----` to its `END` line (the armour lines
/// kept, so the reader sees what was there), or, when the `END` is
/// missing, to the end of the code block or of the text. Line breaks are
/// kept, so every line keeps its number; masking the result again changes
/// nothing. Nothing is copied when nothing is found.
pub fn mask_text(text: &str) -> Masked<'_> {
    let mut m = Masker {
        text,
        out: None,
        copied: 0,
        findings: Vec::new(),
        open_fence: None,
        key: None,
        n: 0,
    };
    // One pass over the bytes finds the line ends and surveys each line
    // (see [`Survey`]) on the way: most lines need nothing more.
    let bytes = text.as_bytes();
    let (mut start, mut run) = (0, 0usize);
    let mut survey = Survey::default();
    for (i, &b) in bytes.iter().enumerate() {
        match CLASS[usize::from(b)] {
            ORDINARY => run += 1,
            BLANK => {
                survey.long |= run >= 20;
                run = 0;
            }
            NEWLINE => {
                survey.long |= run >= 20;
                m.line(start, i, i + 1, survey);
                start = i + 1;
                run = 0;
                survey = Survey::default();
            }
            SEP => {
                survey.sep = true;
                run += 1;
            }
            _ => {
                survey.dashes = true;
                run += 1;
            }
        }
    }
    if start < bytes.len() {
        survey.long |= run >= 20;
        m.line(start, bytes.len(), bytes.len(), survey);
    }
    Masked {
        text: match m.out {
            Some(mut out) => {
                out.push_str(&text[m.copied..]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(text),
        },
        findings: m.findings,
    }
}

const ORDINARY: u8 = 0;
const BLANK: u8 = 1;
const NEWLINE: u8 = 2;
const SEP: u8 = 3;
const KEY_Y: u8 = 4;

/// Each byte's part in a [`Survey`].
static CLASS: [u8; 256] = {
    let mut class = [ORDINARY; 256];
    class[b' ' as usize] = BLANK;
    class[b'\t' as usize] = BLANK;
    class[b'\n' as usize] = NEWLINE;
    class[b':' as usize] = SEP;
    class[b'=' as usize] = SEP;
    class[b'Y' as usize] = KEY_Y;
    class
};

/// [`mask_text`]'s state, line after line.
struct Masker<'a> {
    text: &'a str,
    /// The masked text up to byte `copied` of the text, once a line was
    /// masked.
    out: Option<String>,
    copied: usize,
    findings: Vec<Finding>,
    /// The fence the line at hand is inside, if any: character and length.
    open_fence: Option<(u8, usize)>,
    /// Inside a private key: the line of its `BEGIN`, and whether the key
    /// is already reported.
    key: Option<(usize, bool)>,
    /// The number of the line at hand.
    n: usize,
}

impl Masker<'_> {
    /// The line from byte `start` to `end`, its line break up to `next`.
    fn line(&mut self, start: usize, end: usize, next: usize, survey: Survey) {
        self.n += 1;
        let n = self.n;
        let text = self.text;
        let line = text[start..end].trim_end_matches('\r');
        let ending = &text[start + line.len()..next];
        // Only a line whose first mark is a backtick or tilde can be a
        // fence: most lines are not looked at further.
        let first = line
            .bytes()
            .find(|b| *b != b' ' && *b != b'\t')
            .unwrap_or(b' ');
        let fenced = if first == b'`' || first == b'~' {
            fence(line)
        } else {
            None
        };
        if self.key.is_none() && fenced.is_none() && !(survey.sep || survey.dashes || survey.long) {
            return;
        }
        let closes_fence = match (self.open_fence, fenced) {
            (Some((c, len)), Some((fc, flen, false))) => c == fc && flen >= len,
            _ => false,
        };
        let mut kind = None;
        let masked: Cow<'_, str> = if let Some((begun, reported)) = self.key {
            if find_bytes(line.as_bytes(), b"-----END ").is_some() || closes_fence {
                self.key = None;
                Cow::Borrowed(line)
            } else if fenced.is_some() {
                // A fence inside a key that began outside one: kept, so
                // the document keeps its blocks.
                Cow::Borrowed(line)
            } else {
                let m = mask_body(line);
                if matches!(m, Cow::Owned(_)) && !reported {
                    self.key = Some((begun, true));
                    if self.findings.last().is_none_or(|f| f.line != begun) {
                        self.findings.push(Finding {
                            line: begun,
                            kind: "private key",
                        });
                    }
                }
                m
            }
        } else {
            let (masked, starts_key) = mask_plain_line(line, survey, &mut kind);
            if starts_key {
                self.key = Some((n, false));
            }
            masked
        };
        if closes_fence {
            self.open_fence = None;
        } else if self.open_fence.is_none() {
            if let Some((c, len, _)) = fenced {
                self.open_fence = Some((c, len));
            }
        }
        if let Some(kind) = kind {
            if self.findings.last().is_none_or(|f| f.line != n) {
                self.findings.push(Finding { line: n, kind });
            }
        }
        if let Cow::Owned(m) = masked {
            // The lines since the last one masked are copied at once.
            let out = self
                .out
                .get_or_insert_with(|| String::with_capacity(text.len() + 64));
            out.push_str(&text[self.copied..start]);
            out.push_str(&m);
            out.push_str(ending);
            self.copied = next;
        }
    }
}

/// A line outside a private key's body: keys written on it whole masked
/// and its other secrets masked, the armour of a key whose body follows
/// kept; and whether such a body starts on the next line.
fn mask_plain_line<'a>(
    orig: &'a str,
    surveyed: Survey,
    kind: &mut Option<&'static str>,
) -> (Cow<'a, str>, bool) {
    if !(surveyed.sep || surveyed.dashes || surveyed.long) {
        return (Cow::Borrowed(orig), false);
    }
    let mut owned: Option<String> = None;
    let finish = |owned: Option<String>, out: Option<String>| {
        out.or(owned).map_or(Cow::Borrowed(orig), Cow::Owned)
    };
    loop {
        let line = owned.as_deref().unwrap_or(orig);
        let armour = if surveyed.dashes {
            pem_begin(line)
        } else {
            None
        };
        let Some((begin, after)) = armour else {
            let found = if owned.is_none() {
                scan_surveyed(line, surveyed)
            } else {
                scan_line(line)
            };
            let out = match mask_found(line, found, kind) {
                Cow::Borrowed(_) => None,
                Cow::Owned(m) => Some(m),
            };
            return (finish(owned, out), false);
        };
        if let Some((from, to)) = inline_key(line, begin, after) {
            // Each round masks one armour: the loop ends.
            kind.get_or_insert("private key");
            let next = format!("{}{MASK}{}", &line[..from], &line[to..]);
            owned = Some(next);
            continue;
        }
        let starts_key = line[after..].trim().is_empty();
        // The armour stays whole, so the key is found again.
        let before = mask_line_cow(&line[..begin], kind);
        let rest = mask_line_cow(&line[after..], kind);
        let out = match (&before, &rest) {
            (Cow::Borrowed(_), Cow::Borrowed(_)) => None,
            _ => Some(format!("{before}{}{rest}", &line[begin..after])),
        };
        return (finish(owned, out), starts_key);
    }
}

/// [`mask_line`] without a copy when the line holds nothing; `kind` is
/// set to the first secret's, unless it is set already.
///
/// A value read as one can hide another (`password=.@password=…`) that
/// shows once the first is masked: the line is read again until nothing
/// is found, so masking it again changes nothing. Each round masks at
/// least one more character, and a few rounds are the most real lines
/// need; past that, the whole line is masked.
fn mask_line_cow<'a>(line: &'a str, kind: &mut Option<&'static str>) -> Cow<'a, str> {
    mask_found(line, scan_line(line), kind)
}

/// [`mask_line_cow`] with the line's secrets found already.
fn mask_found<'a>(
    line: &'a str,
    found: Vec<Secret>,
    kind: &mut Option<&'static str>,
) -> Cow<'a, str> {
    let Some(first) = found.first() else {
        return Cow::Borrowed(line);
    };
    kind.get_or_insert(first.kind);
    let mut masked = replace(line, &found);
    for _ in 0..8 {
        let again = scan_line(&masked);
        if again.is_empty() {
            return Cow::Owned(masked);
        }
        masked = replace(&masked, &again);
    }
    let body = line.trim_start();
    Cow::Owned(format!("{}{MASK}", &line[..line.len() - body.len()]))
}

/// `line` with each of `found` (in order, apart) replaced by [`MASK`].
fn replace(line: &str, found: &[Secret]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    for s in found {
        out.push_str(&line[at..s.start]);
        out.push_str(MASK);
        at = s.end;
    }
    out.push_str(&line[at..]);
    out
}

#[cfg(test)]
mod tests;
