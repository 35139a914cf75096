//! Spots credentials written into a guide, so they can be flagged and
//! masked. Placeholders (`$TOKEN`, `<password>`, `YOUR_TOKEN_HERE`,
//! `xxxx`) are not secrets.

/// A secret found on one line: byte range of the secret value in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub kind: &'static str,
    pub start: usize,
    pub end: usize,
}

const KEY_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "secret_key",
    "client_secret",
    "private_key",
];

fn is_placeholder(value: &str) -> bool {
    let v = value.trim_matches(|c: char| c == '"' || c == '\'' || c == '`');
    let lower = v.to_ascii_lowercase();
    v.len() < 6
        || v.starts_with(['$', '<', '{', '[', '%', '*'])
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

/// Whether `needle` occurs in `hay`. Every line of a guide is searched,
/// and a plain loop over the needle's first byte costs less per short line
/// than setting up a substring searcher.
fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    hay.iter()
        .enumerate()
        .any(|(i, &b)| b == first && hay[i + 1..].starts_with(rest))
}

/// Secrets on one line of a guide.
pub fn scan_line(line: &str) -> Vec<Secret> {
    let mut found = Vec::new();
    if contains_bytes(line.as_bytes(), b"PRIVATE KEY-----") {
        found.push(Secret {
            kind: "private key",
            start: 0,
            end: line.len(),
        });
        return found;
    }
    // Every other finding needs a `:` or `=` on the line (`key: value`,
    // `Authorization: Bearer …`, `https://user:pass@`, `KEY=AKIA…`): most
    // lines end here without a search.
    let bytes = line.as_bytes();
    if !bytes.iter().any(|&b| b == b':' || b == b'=') {
        return found;
    }

    // key: value, key=value, "key": "value": the word right before each
    // separator, past quotes and spaces, names the value after it.
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
        let word_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        // The word is ASCII (see above), so any suffix is a char boundary.
        let word = &before[word_start..];
        let names_a_secret = KEY_WORDS
            .iter()
            .any(|k| word.len() >= k.len() && word[word.len() - k.len()..].eq_ignore_ascii_case(k));
        if !names_a_secret {
            continue;
        }
        {
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
                found.push(Secret {
                    kind: "credential",
                    start,
                    end,
                });
            }
        }
    }

    // Bearer tokens and well-known token shapes, found in one pass over
    // the letters they start with.
    const PREFIXES: &[(&str, &str, usize)] = &[
        ("Bearer ", "bearer token", 20),
        ("AKIA", "AWS access key", 16),
        ("ghp_", "GitHub token", 30),
        ("github_pat_", "GitHub token", 30),
        ("xoxb-", "Slack token", 20),
        ("xoxp-", "Slack token", 20),
    ];
    let starts = (0..bytes.len()).filter(|&i| matches!(bytes[i], b'B' | b'A' | b'g' | b'x'));
    let mut read_up_to = 0;
    for at in starts {
        if at < read_up_to {
            continue;
        }
        let rest = &line[at..];
        let Some(&(prefix, kind, min)) = PREFIXES.iter().find(|(p, _, _)| rest.starts_with(p))
        else {
            continue;
        };
        let start = at + if prefix == "Bearer " { prefix.len() } else { 0 };
        let end = token_end(line, start);
        read_up_to = end;
        let value = &line[start..end];
        if value.len() >= min && !is_placeholder(value) {
            found.push(Secret { kind, start, end });
        }
    }

    // https://user:password@host
    if let Some(scheme) = line.find("://") {
        let rest = &line[scheme + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(rest.len());
        if let Some(at) = rest[..end].find('@') {
            if let Some(colon) = rest[..at].find(':') {
                let start = scheme + 3 + colon + 1;
                let value = &line[start..scheme + 3 + at];
                if !is_placeholder(value) {
                    found.push(Secret {
                        kind: "password in URL",
                        start,
                        end: scheme + 3 + at,
                    });
                }
            }
        }
    }
    found.sort_by_key(|s| s.start);
    found.dedup_by(|a, b| a.start < b.end);
    found
}

/// `line` with every secret replaced by `••••••`.
pub fn mask_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    for s in scan_line(line) {
        if s.start < at {
            continue;
        }
        out.push_str(&line[at..s.start]);
        out.push_str("••••••");
        at = s.end;
    }
    out.push_str(&line[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<&'static str> {
        scan_line(line).into_iter().map(|s| s.kind).collect()
    }

    #[test]
    fn finds_credentials() {
        assert_eq!(
            kinds(r#"  -d '{"email": "ops@example.com", "password": "xasdez-katjuc-zyttI2"}'"#),
            ["credential"]
        );
        assert_eq!(kinds("export DB_PASSWORD=s3cr3t-Pa55"), ["credential"]);
        assert_eq!(
            kinds("-H \"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx\""),
            ["bearer token"]
        );
        assert_eq!(
            kinds("aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
            Vec::<&str>::new()
        );
        assert_eq!(
            kinds("export AWS_KEY=AKIAQWERTYUIOPASDFGH"),
            ["AWS access key"]
        );
        assert_eq!(kinds("-----BEGIN RSA PRIVATE KEY-----"), ["private key"]);
        assert_eq!(
            kinds("psql postgres://admin:hunter22x@db:5432/app"),
            ["password in URL"]
        );
    }

    #[test]
    fn ignores_placeholders() {
        for line in [
            "-H \"Authorization: Bearer $TOKEN\"",
            "-H \"Authorization: Bearer YOUR_TOKEN_HERE\"",
            "password: <your-password>",
            "export PASSWORD=${DB_PASSWORD}",
            "token: xxxxxxxx",
            "Rotate the API token in the vault",
            "postgres://user@db/app",
            "                token = token_data[\"access_token\"]",
            "password: required for the admin user",
            "â=nf%ahâ ## rollback",
        ] {
            assert_eq!(kinds(line), Vec::<&str>::new(), "{line}");
        }
    }

    #[test]
    fn long_lines_without_blanks_are_read_once() {
        // Each separator once re-read the rest of the line: quadratic.
        for line in [
            "password=".repeat(50_000),
            "token:".repeat(50_000),
            format!("={}", "AKIA".repeat(50_000)),
        ] {
            let found = scan_line(&line);
            assert!(found.iter().all(|s| s.end - s.start <= MAX_VALUE));
            assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
        }
    }

    #[test]
    fn masks() {
        assert_eq!(
            mask_line(r#"{"password": "xasdez-katjuc-zyttI2"}"#),
            r#"{"password": "••••••"}"#
        );
    }
}
