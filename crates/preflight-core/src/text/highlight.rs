//! Light syntax styling for the commands in a guide: comments, strings,
//! variables and placeholders such as `<PID>` that must be filled in before
//! a command is run. It splits text into spans; it never produces markup.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Plain,
    Comment,
    Str,
    /// `$VAR`, `${VAR}`, `$(…)` openers.
    Var,
    /// `<PID>`, `<your-token>`, `{{ name }}`: to be replaced by hand.
    Placeholder,
}

impl Tok {
    pub fn class(self) -> &'static str {
        match self {
            Tok::Plain => "",
            Tok::Comment => "tok-comment",
            Tok::Str => "tok-string",
            Tok::Var => "tok-var",
            Tok::Placeholder => "tok-placeholder",
        }
    }
}

/// Spans covering all of `code`, in order, for a shell, SQL or unknown
/// language. Adjacent plain text is merged.
pub fn spans(code: &str, lang: Option<&str>) -> Vec<(Tok, Range<usize>)> {
    let sql = lang.is_some_and(|l| l.eq_ignore_ascii_case("sql"));
    let b = code.as_bytes();
    let mut out: Vec<(Tok, Range<usize>)> = Vec::new();
    let mut push = |tok: Tok, r: Range<usize>| {
        if r.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((Tok::Plain, last)) if tok == Tok::Plain && last.end == r.start => {
                last.end = r.end
            }
            _ => out.push((tok, r)),
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let at_word_start = i == 0 || b[i - 1].is_ascii_whitespace() || b[i - 1] == b';';
        let end = if (c == b'#' && !sql && at_word_start)
            || (c == b'-' && sql && b.get(i + 1) == Some(&b'-'))
        {
            Some((Tok::Comment, line_end(b, i)))
        } else if c == b'\'' || c == b'"' {
            closing(b, i, c).map(|e| (Tok::Str, e))
        } else if c == b'<' {
            placeholder_end(b, i).map(|e| (Tok::Placeholder, e))
        } else if c == b'{' && b.get(i + 1) == Some(&b'{') {
            code[i..]
                .find("}}")
                .filter(|e| !code[i..i + e].contains('\n'))
                .map(|e| (Tok::Placeholder, i + e + 2))
        } else if c == b'$' && !sql {
            var_end(b, i).map(|e| (Tok::Var, e))
        } else {
            None
        };
        match end {
            Some((tok, e)) => {
                push(tok, i..e);
                i = e;
            }
            None => {
                let next = i + utf8_len(c);
                push(Tok::Plain, i..next.min(b.len()));
                i = next;
            }
        }
    }
    out
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| from + p)
}

/// The end of a quoted string on the same line, past its closing quote.
fn closing(b: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut i = from + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\n' => return None,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// `<NAME>`: letters, digits, `_`, `-`, `.` and spaces between angle
/// brackets, starting with a letter; `< file` and `<<EOF` are not.
fn placeholder_end(b: &[u8], from: usize) -> Option<usize> {
    let first = *b.get(from + 1)?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    for (k, &c) in b[from + 1..].iter().enumerate().take(64) {
        match c {
            b'>' => return Some(from + 1 + k + 1),
            c if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b' ' | b':') => {}
            _ => return None,
        }
    }
    None
}

fn var_end(b: &[u8], from: usize) -> Option<usize> {
    match *b.get(from + 1)? {
        b'{' => b[from..]
            .iter()
            .position(|&c| c == b'}' || c == b'\n')
            .filter(|&p| b[from + p] == b'}')
            .map(|p| from + p + 1),
        b'(' => Some(from + 2),
        c if c.is_ascii_alphabetic() || c == b'_' => Some(
            from + 1
                + b[from + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count(),
        ),
        c if c.is_ascii_digit() || matches!(c, b'?' | b'@' | b'#' | b'!' | b'$') => Some(from + 2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn toks<'a>(code: &'a str, lang: Option<&str>) -> Vec<(Tok, &'a str)> {
        spans(code, lang)
            .into_iter()
            .map(|(t, r)| (t, &code[r]))
            .filter(|(t, _)| *t != Tok::Plain)
            .collect()
    }

    #[test]
    fn shell_comments_strings_variables_and_placeholders() {
        let code = "# Step 1: stop\nkill -TERM <PID> # old worker\necho \"v=$VERSION\" '${NOT}' ${HOME}/x $(date)\ncat < file <<EOF\nissue#12";
        assert_eq!(
            toks(code, Some("bash")),
            [
                (Tok::Comment, "# Step 1: stop"),
                (Tok::Placeholder, "<PID>"),
                (Tok::Comment, "# old worker"),
                (Tok::Str, "\"v=$VERSION\""),
                (Tok::Str, "'${NOT}'"),
                (Tok::Var, "${HOME}"),
                (Tok::Var, "$("),
            ]
        );
    }

    #[test]
    fn sql_comments_and_template_placeholders() {
        let code = "-- Error rate\nSELECT * FROM t WHERE id = '{{ run_id }}' AND x = {{ n }};";
        assert_eq!(
            toks(code, Some("sql")),
            [
                (Tok::Comment, "-- Error rate"),
                (Tok::Str, "'{{ run_id }}'"),
                (Tok::Placeholder, "{{ n }}"),
            ]
        );
    }

    proptest! {
        /// Spans cover the text exactly, in order, on char boundaries.
        #[test]
        fn spans_tile_any_text(code in "\\PC{0,200}", sql in any::<bool>()) {
            let lang = if sql { Some("sql") } else { Some("sh") };
            let mut at = 0;
            for (_, r) in spans(&code, lang) {
                prop_assert_eq!(r.start, at);
                prop_assert!(code.is_char_boundary(r.end));
                at = r.end;
            }
            prop_assert_eq!(at, code.len());
        }
    }
}
