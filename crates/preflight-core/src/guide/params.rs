//! Run parameters: the values a guide leaves to be filled in each run —
//! `<PID>`, `<new-version>`, `{{ release }}`, `${VERSION}` or `$VERSION`
//! where the guide never sets it, `[POD]` in code, `your-domain.example` —
//! each listed once with the lines that use it, and those a guide declares
//! with a default and a description: in front matter
//!
//! ```text
//! ---
//! params:
//!   VERSION: 2.4.0  # the release to deploy
//! ---
//! ```
//!
//! or in a fenced `params` block (`NAME = default  # description`, or
//! `NAME: default`).
//!
//! Read from the guide's text with its secrets masked, by lines, knowing
//! which lines are code: in code every form counts; in prose only
//! `{{ name }}` and what inline code spans hold. [`find`] also warns about
//! a placeholder used once whose name is a slip of another's.

use crate::doc::{Diagnostic, Severity};
use std::collections::{BTreeMap, BTreeSet};

/// One parameter of a guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The name as first written, without its brackets (`PID`,
    /// `new-version`, `release`).
    pub name: String,
    /// Every spelling the guide uses for it, as written (`<PID>`,
    /// `${PID}`), in order of first use.
    pub written: Vec<String>,
    /// 1-based lines that use it, in order, each once.
    pub lines: Vec<usize>,
    pub default: Option<String>,
    pub description: Option<String>,
    /// The line that declares it, if the guide does.
    pub declared: Option<usize>,
    /// Its name says it holds a secret (password, token, key…): its value
    /// is masked wherever it is shown.
    pub secret: bool,
}

/// What [`find`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub params: Vec<Param>,
    pub diagnostics: Vec<Diagnostic>,
    /// Shell names the guide sets itself: not parameters where they are
    /// used ([`slots`]).
    pub set: BTreeSet<String>,
}

/// A key that joins spellings of one name: `<new-version>`,
/// `$NEW_VERSION`, `{{ new_version }}` and `<newVersion>` are one
/// parameter. Its words stay apart (`dbPass` is `db_pass`), so a key says
/// as much as its name about a secret: `is_secret(&key(n)) ==
/// is_secret(n)`, which the log's rules rely on.
pub fn key(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(match c {
            '-' | ' ' | '.' => '_',
            c => c.to_ascii_lowercase(),
        });
    }
    out
}

/// Whether a parameter's name says it holds a secret: one of its words
/// (`DB_PASSWORD`, `apiKeys`, `GITHUB_PAT`) is or ends in a secret's word,
/// plural or not.
pub fn is_secret(name: &str) -> bool {
    // camelCase words apart: `apiKey` is `api_key`.
    let k = key(name);
    // Words that end a longer word too (`sshkey`, `dbpassword`)…
    const ENDING: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "key",
        "credential",
    ];
    // …and short ones that count only as a word of their own.
    const WORDS: &[&str] = &[
        "pass", "pwd", "pat", "creds", "auth", "cookie", "session", "pin", "otp",
    ];
    k.split('_').filter(|p| !p.is_empty()).any(|part| {
        let single = part.strip_suffix('s').filter(|s| !s.is_empty());
        [Some(part), single]
            .into_iter()
            .flatten()
            .any(|w| ENDING.iter().any(|e| w.ends_with(e)) || WORDS.contains(&w))
    })
}

/// Shell variables that are the environment's, not the guide's.
const ENVIRONMENT: &[&str] = &[
    "BASH_SOURCE",
    "EDITOR",
    "EUID",
    "GROUPS",
    "HOME",
    "HOSTNAME",
    "IFS",
    "LANG",
    "LINENO",
    "LOGNAME",
    "OLDPWD",
    "OPTARG",
    "OPTIND",
    "PATH",
    "PPID",
    "PS1",
    "PWD",
    "RANDOM",
    "REPLY",
    "SECONDS",
    "SHELL",
    "SHLVL",
    "TERM",
    "TMPDIR",
    "UID",
    "USER",
];

/// Languages whose `$NAME` is a shell variable.
fn shell_like(lang: &str) -> bool {
    matches!(
        lang,
        "" | "bash"
            | "sh"
            | "shell"
            | "zsh"
            | "console"
            | "shell-session"
            | "shellsession"
            | "terminal"
            | "text"
            | "plaintext"
            | "dockerfile"
            | "env"
            | "ksh"
            | "fish"
    )
}

/// Languages whose `<name>` and `{{ name }}` are the language's own
/// (markup, templates; YAML, where Helm, Ansible and Flagger template).
fn templated(lang: &str) -> bool {
    matches!(
        lang,
        "xml"
            | "html"
            | "svg"
            | "xhtml"
            | "jinja"
            | "jinja2"
            | "j2"
            | "helm"
            | "gotemplate"
            | "yaml"
            | "yml"
            | "go-template"
            | "handlebars"
            | "hbs"
            | "mustache"
            | "liquid"
            | "twig"
            | "vue"
            | "jsx"
            | "tsx"
    )
}

fn ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A placeholder found on a line: its name, as written, and a default
/// (`${NAME:-default}`).
#[derive(Debug)]
struct Found {
    name: String,
    /// Where it starts in the string read, in bytes.
    at: usize,
    written: String,
    default: Option<String>,
}

/// Where a line is read from.
#[derive(Clone, Copy)]
struct Code<'a> {
    lang: &'a str,
    /// The names the guide sets itself (`NAME=…`, `read NAME`, `for NAME
    /// in`): not parameters.
    set: &'a BTreeSet<String>,
    /// Names closed as markup in this block (`</name>`).
    closed: &'a BTreeSet<String>,
}

/// What tools print in angle brackets (`kubectl`'s `<none>`): output,
/// not a placeholder.
const SHOWN_BY_TOOLS: &[&str] = &[
    "empty", "invalid", "missing", "nil", "none", "nothing", "null", "omitted", "pending",
    "redacted", "unknown", "unset",
];

/// HTML elements written alone in a command (`echo "<html>" > page`,
/// `printf '<br>'`): markup even when the block never closes them.
/// Names a command could mean as a value (`<body>` of a request, `<table>`
/// in SQL) are left out.
const HTML_ELEMENTS: &[&str] = &[
    "br", "div", "hr", "html", "li", "script", "span", "tbody", "td", "thead", "tr", "ul",
];

/// A key to press (`<Enter>`, `<Ctrl-C>`), not a value to give.
fn key_name(lower: &str) -> bool {
    matches!(
        lower,
        "enter" | "return" | "tab" | "esc" | "escape" | "space"
    ) || ["ctrl-", "alt-", "shift-", "cmd-", "meta-"]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn angle(line: &str, code: Code, out: &mut Vec<Found>) {
    let b = line.as_bytes();
    // `<a href…>` followed by a closer on the line is markup.
    let last_closer = line.rfind("</");
    let mut i = 0;
    while i < b.len() {
        // `Vec<String>` is a type in most languages; in a shell,
        // `v<new-version>` is a tag with a placeholder in it.
        let glued = i > 0 && ident_byte(b[i - 1]) && !shell_like(code.lang);
        if b[i] != b'<' || glued || (i > 0 && b[i - 1] == b'<') {
            i += 1;
            continue;
        }
        let Some(&first) = b.get(i + 1) else { break };
        if !first.is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let end = b[i + 1..]
            .iter()
            .take(64)
            .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b' ')))
            .map(|p| i + 1 + p);
        match end {
            Some(e) if b[e] == b'>' => {
                let name = line[i + 1..e].trim_end();
                // `<a href…>`-like markup has a space then an attribute;
                // `<div>` closed later in the block is markup too.
                let lower = name.to_ascii_lowercase();
                let markup = code.closed.contains(&lower)
                    || HTML_ELEMENTS.contains(&lower.as_str())
                    || (name.contains(' ') && last_closer.is_some_and(|c| c > e));
                let skip = name.is_empty()
                    || name.ends_with(['-', '.'])
                    || key_name(&lower)
                    || SHOWN_BY_TOOLS.contains(&lower.as_str())
                    || markup;
                if !skip {
                    out.push(Found {
                        name: name.to_owned(),
                        at: i,
                        written: line[i..=e].to_owned(),
                        default: None,
                    });
                }
                i = e + 1;
            }
            _ => i += 1,
        }
    }
}

fn braces(line: &str, out: &mut Vec<Found>) {
    let mut rest = line;
    let mut offset = 0;
    while let Some(at) = rest.find("{{") {
        let start = offset + at;
        let after = &line[start + 2..];
        let Some(close) = after.find("}}") else { break };
        let inner = after[..close].trim();
        let prefixed = start > 0 && matches!(line.as_bytes()[start - 1], b'$' | b'{');
        let plain = !inner.is_empty()
            && inner.as_bytes()[0].is_ascii_alphabetic()
            && inner.bytes().all(|c| ident_byte(c) || c == b'-');
        if plain && !prefixed {
            out.push(Found {
                name: inner.to_owned(),
                at: start,
                written: line[start..start + 2 + close + 2].to_owned(),
                default: None,
            });
        }
        offset = start + 2 + close + 2;
        rest = &line[offset..];
    }
}

fn dollar(line: &str, code: Code, out: &mut Vec<Found>) {
    let b = line.as_bytes();
    let mut in_single = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' => in_single = !in_single,
            b'\\' => i += 1,
            b'$' if !in_single && (i == 0 || b[i - 1] != b'$') => {
                let (name, written_end, default) = match b.get(i + 1) {
                    Some(b'{') => {
                        let Some(close) = line[i + 2..].find('}') else {
                            break;
                        };
                        let inner = &line[i + 2..i + 2 + close];
                        let name_len = inner.bytes().take_while(|&c| ident_byte(c)).count();
                        let name = &inner[..name_len];
                        let rest = &inner[name_len..];
                        let default = rest
                            .strip_prefix(":-")
                            .or_else(|| rest.strip_prefix('-'))
                            .filter(|d| !d.is_empty() && !d.contains(['$', '•']))
                            .map(str::to_owned);
                        // `${#NAME}`, `${NAME[@]}`, `${NAME/x/y}` are the
                        // shell's own work on a variable: not read here. A
                        // default that was a secret is masked (`••`).
                        let masked = rest.contains('•');
                        if !(rest.is_empty() || default.is_some() || masked) {
                            i += 2 + close + 1;
                            continue;
                        }
                        (name, i + 2 + close + 1, default)
                    }
                    Some(&c) if c.is_ascii_alphabetic() || c == b'_' => {
                        let len = b[i + 1..].iter().take_while(|&&c| ident_byte(c)).count();
                        (&line[i + 1..i + 1 + len], i + 1 + len, None)
                    }
                    _ => {
                        i += 1;
                        continue;
                    }
                };
                let valid = name
                    .as_bytes()
                    .first()
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
                if valid
                    && !ENVIRONMENT.contains(&name)
                    && !code.set.contains(name)
                    && name.len() > 1
                {
                    out.push(Found {
                        name: name.to_owned(),
                        at: i,
                        written: line[i..written_end].to_owned(),
                        default,
                    });
                }
                i = written_end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// What logs and tools print in square brackets (`[OK]`, `[ERROR]`): a
/// status, not a placeholder.
const STATUS_WORDS: &[&str] = &[
    "CRITICAL", "DEBUG", "DONE", "ERROR", "FAIL", "FAILED", "FATAL", "INFO", "NOTICE", "OK",
    "PASS", "PASSED", "SKIP", "SKIPPED", "SUCCESS", "TRACE", "WARN", "WARNING",
];

fn bracket(line: &str, out: &mut Vec<Found>) {
    let t = line.trim();
    // `[Unit]`, `[DEFAULT]`: an INI section, not a placeholder.
    if t.starts_with('[') && t.ends_with(']') && !t[1..].contains('[') {
        return;
    }
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'[' && (i == 0 || !(ident_byte(b[i - 1]) || matches!(b[i - 1], b'[' | b'$'))) {
            let len = b[i + 1..]
                .iter()
                .take_while(|&&c| {
                    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_' || c == b'-'
                })
                .count();
            let name = &line[i + 1..i + 1 + len];
            if len >= 2
                && b.get(i + 1 + len) == Some(&b']')
                && name.as_bytes()[0].is_ascii_uppercase()
                && name.bytes().any(|c| c.is_ascii_uppercase())
                && b.get(i + 2 + len) != Some(&b']')
                && !STATUS_WORDS.contains(&name)
            {
                out.push(Found {
                    name: name.to_owned(),
                    at: i,
                    written: line[i..i + 2 + len].to_owned(),
                    default: None,
                });
                i += 2 + len;
                continue;
            }
        }
        i += 1;
    }
}

/// `your-domain.example`, `YOUR_API_HOST`: a value the reader is to
/// replace with theirs.
fn yours(line: &str, out: &mut Vec<Found>) {
    let b = line.as_bytes();
    let mut i = 0;
    while i + 5 < b.len() {
        let starts = (i == 0 || !(ident_byte(b[i - 1]) || matches!(b[i - 1], b'-' | b'.')))
            && b[i..i + 4].eq_ignore_ascii_case(b"your")
            && matches!(b[i + 4], b'-' | b'_');
        if !starts {
            i += 1;
            continue;
        }
        let len = b[i..]
            .iter()
            .take_while(|&&c| ident_byte(c) || matches!(c, b'-' | b'.'))
            .count();
        let token = line[i..i + len].trim_end_matches(['.', '-']);
        if token.len() > 5 {
            out.push(Found {
                name: token.to_owned(),
                at: i,
                written: token.to_owned(),
                default: None,
            });
        }
        i += len.max(1);
    }
}

/// Placeholders on one line of code.
fn in_code(line: &str, code: Code, out: &mut Vec<Found>) {
    if !templated(code.lang) {
        angle(line, code, out);
        braces(line, out);
    }
    if shell_like(code.lang) {
        dollar(line, code, out);
    }
    if shell_like(code.lang) && !matches!(code.lang, "text" | "plaintext") {
        bracket(line, out);
    }
    yours(line, out);
}

/// A declaration line: `NAME = default  # description`, `NAME: default —
/// description`, or the name alone.
fn declaration(line: &str) -> Option<(String, Option<String>, Option<String>)> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
        return None;
    }
    let (body, description) = match t.find(" #").or_else(|| t.find(" — ")) {
        Some(at) => {
            let d = t[at..].trim_start_matches([' ', '#', '—']).trim();
            (&t[..at], (!d.is_empty()).then(|| d.to_owned()))
        }
        None => (t, None),
    };
    let (name, default) = match body.find(['=', ':']) {
        Some(at) => (&body[..at], Some(body[at + 1..].trim())),
        None => (body, None),
    };
    let name = name
        .trim()
        .trim_start_matches(['<', '$', '{', '['])
        .trim_end_matches(['>', '}', ']'])
        .trim();
    let ok = name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && name.bytes().all(|c| ident_byte(c) || c == b'-')
        && name.len() <= 64;
    let default = default
        .map(|d| d.trim_matches(['"', '\'']).to_owned())
        .filter(|d| !d.is_empty());
    ok.then(|| (name.to_owned(), default, description))
}

/// A code block of the text: its language and lines (1-based numbers).
struct Block<'a> {
    lang: String,
    lines: Vec<(usize, &'a str)>,
}

/// Numbered lines of the text (1-based).
type Lines<'a> = Vec<(usize, &'a str)>;

/// Splits the text into prose lines and code blocks; front matter apart.
fn split(text: &str) -> (Lines<'_>, Vec<Block<'_>>, Lines<'_>) {
    let mut prose = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut front = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).peekable();
    if lines.peek().is_some_and(|(_, l)| l.trim_end() == "---") {
        let mut held = Vec::new();
        lines.next();
        let mut closed = false;
        for (n, l) in lines.by_ref() {
            if matches!(l.trim_end(), "---" | "...") {
                closed = true;
                break;
            }
            held.push((n, l));
        }
        if closed {
            front = held;
        } else {
            prose.extend(held);
        }
    }
    // Code blocks as the guide model reads them (pulldown-cmark): fenced
    // at any depth of a list or quote, and indented ones, whose language
    // is none (read as shell, as their Copy reads them).
    let Some(&(first, _)) = lines.peek() else {
        return (prose, blocks, front);
    };
    let all: Vec<&str> = text.lines().collect();
    let mut starts = Vec::with_capacity(all.len());
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        starts.push(at);
        at += l.len();
    }
    // 1-based line of a byte offset.
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).max(1);
    // Per line from `first` on: 0 prose, 1 a block's own line (its
    // fences), 2 a block's content.
    let mut role = vec![0u8; all.len() + 2];
    let mut current: Option<Block> = None;
    for (event, range) in crate::markdown::parser(text).into_offset_iter() {
        use pulldown_cmark::{Event, Tag, TagEnd};
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = crate::markdown::code_lang(&kind)
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let end = line_of(range.end.saturating_sub(1).max(range.start));
                for r in &mut role[line_of(range.start)..=end.min(all.len())] {
                    *r = 1;
                }
                current = Some(Block {
                    lang,
                    lines: Vec::new(),
                });
            }
            Event::Text(_) if current.is_some() && !range.is_empty() => {
                let (from, to) = (line_of(range.start), line_of(range.end - 1));
                if let Some(block) = current.as_mut() {
                    for n in from.max(first)..=to.min(all.len()) {
                        if role[n] != 2 {
                            role[n] = 2;
                            block.lines.push((n, all[n - 1]));
                        }
                    }
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    prose.extend(lines.filter(|&(n, _)| role[n] == 0));
    (prose, blocks, front)
}

/// Names a guide sets itself in its code: `NAME=…` (after `export`,
/// `local`, …), `read [-p …] NAME`, `for NAME in`.
fn set_names(blocks: &[Block]) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for block in blocks.iter().filter(|b| shell_like(&b.lang)) {
        for (_, line) in &block.lines {
            for part in line.split([';', '&', '|', '(']) {
                let words: Vec<&str> = part.split_whitespace().collect();
                for (w, word) in words.iter().enumerate() {
                    if let Some((name, _)) = word.split_once('=') {
                        if !name.is_empty()
                            && name.as_bytes()[0].is_ascii_alphabetic() | name.starts_with('_')
                            && name.bytes().all(ident_byte)
                        {
                            set.insert(name.to_owned());
                        }
                    }
                    let after_keyword = w > 0 && matches!(words[w - 1], "for" | "read" | "select");
                    if after_keyword && word.bytes().all(ident_byte) {
                        set.insert((*word).to_owned());
                    }
                    if *word == "read" {
                        // The last word of `read -r -p "…" NAME`.
                        if let Some(last) = words.last().filter(|l| l.bytes().all(ident_byte)) {
                            set.insert((*last).to_owned());
                        }
                    }
                }
            }
        }
    }
    set
}

/// The inline code spans of a prose line.
fn code_spans(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

/// The parameters of a guide (its text with secrets masked, as the model
/// reads it: see [`crate::text::secrets::mask_text`]).
pub fn find(text: &str) -> Params {
    let masked = crate::text::secrets::mask_text(text);
    let text: &str = &masked.text;
    let (prose, blocks, front) = split(text);
    let set = set_names(&blocks);
    let mut found: Vec<(usize, Found)> = Vec::new();
    let mut declared: Vec<(usize, String, Option<String>, Option<String>)> = Vec::new();

    // Front matter: `params:` and the lines indented under it.
    let mut in_params = false;
    for (n, line) in &front {
        if !line.starts_with(char::is_whitespace) {
            in_params = line.trim_end() == "params:";
            continue;
        }
        if in_params {
            if let Some((name, default, description)) =
                declaration(line.trim_start_matches([' ', '-']))
            {
                declared.push((*n, name, default, description));
            }
        }
    }
    let none = BTreeSet::new();
    for block in &blocks {
        if block.lang == "params" {
            for (n, line) in &block.lines {
                if let Some((name, default, description)) = declaration(line) {
                    declared.push((*n, name, default, description));
                }
            }
            continue;
        }
        for (i, here) in read_block(&block.lines, &block.lang, &set) {
            let n = block.lines[i].0;
            found.extend(here.into_iter().map(|f| (n, f)));
        }
    }
    for (n, line) in &prose {
        let mut here = Vec::new();
        braces(line, &mut here);
        let code = Code {
            lang: "",
            set: &set,
            closed: &none,
        };
        let mut here = winners(here);
        // Each span on its own: its finds are placed within the span.
        for span in code_spans(line) {
            let mut spanned = Vec::new();
            angle(span, code, &mut spanned);
            dollar(span, code, &mut spanned);
            bracket(span, &mut spanned);
            yours(span, &mut spanned);
            here.extend(winners(spanned));
        }
        found.extend(here.into_iter().map(|f| (*n, f)));
    }
    found.sort_by_key(|(n, _)| *n);

    let mut params: Vec<Param> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut slot = |name: &str, params: &mut Vec<Param>| -> usize {
        *index.entry(key(name)).or_insert_with(|| {
            params.push(Param {
                name: name.to_owned(),
                written: Vec::new(),
                lines: Vec::new(),
                default: None,
                description: None,
                declared: None,
                secret: is_secret(name),
            });
            params.len() - 1
        })
    };
    for (n, name, default, description) in declared {
        let at = slot(&name, &mut params);
        let p = &mut params[at];
        if p.declared.is_none() {
            p.declared = Some(n);
            p.default = default;
            p.description = description;
        }
    }
    for (n, f) in found {
        let at = slot(&f.name, &mut params);
        let p = &mut params[at];
        if !p.written.contains(&f.written) {
            p.written.push(f.written);
        }
        if p.lines.last() != Some(&n) {
            p.lines.push(n);
        }
        if p.default.is_none() {
            p.default = f.default;
        }
    }
    let diagnostics = slips(&params);
    Params {
        params,
        diagnostics,
        set,
    }
}

/// The placeholders of a code block in language `lang`, by the index of
/// the line that holds them (the `usize` beside each line is the caller's).
/// [`find`] and [`slots`] both read code through here, so a command is
/// filled at exactly the placeholders its guide lists.
fn read_block(
    lines: &[(usize, &str)],
    lang: &str,
    set: &BTreeSet<String>,
) -> Vec<(usize, Vec<Found>)> {
    // Names closed as markup anywhere in the block (`</name>`).
    let closed: BTreeSet<String> = lines
        .iter()
        .flat_map(|(_, l)| {
            // `<\/name>` is a closing tag escaped for `sed`.
            l.match_indices("</")
                .map(move |(at, _)| &l[at + 2..])
                .chain(l.match_indices("<\\/").map(move |(at, _)| &l[at + 3..]))
        })
        .map(|rest| {
            // A name's characters only, as `angle` reads one: each
            // closer costs at most 64 bytes however long the line.
            let len = rest
                .bytes()
                .take(64)
                .take_while(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
                .count();
            rest[..len].to_ascii_lowercase()
        })
        .collect();
    let code = Code {
        lang,
        set,
        closed: &closed,
    };
    // A session with prompts: only the commands after them (and their
    // continuation lines) are read, not what they printed.
    let prompted = lines.iter().any(|(_, l)| l.trim_start().starts_with("$ "));
    let mut continued = false;
    let mut out = Vec::new();
    for (i, (_, line)) in lines.iter().enumerate() {
        let command = !prompted || continued || line.trim_start().starts_with("$ ");
        continued = command && line.trim_end().ends_with('\\');
        if !command {
            continue;
        }
        let mut here = Vec::new();
        in_code(line, code, &mut here);
        if !here.is_empty() {
            out.push((i, winners(here)));
        }
    }
    out
}

/// What the readers found on one line, in order; where two forms overlap
/// (`<your-host>`), the first one wins.
fn winners(here: Vec<Found>) -> Vec<Found> {
    let mut end = 0;
    let mut out = Vec::with_capacity(here.len());
    for f in in_order(here) {
        if f.at < end {
            continue;
        }
        end = f.at + f.written.len();
        out.push(f);
    }
    out
}

/// `found` in order of where each starts. Each form's reader adds what it
/// finds from left to right, so `found` is a few runs already in order:
/// merged, not sorted (a sort would be the largest part of this code in
/// the page's first module).
fn in_order(found: Vec<Found>) -> Vec<Found> {
    // Each run as (next, end) indices into `found`.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for i in 0..found.len() {
        match runs.last_mut() {
            Some(r) if found[i - 1].at <= found[i].at => r.1 = i + 1,
            _ => runs.push((i, i + 1)),
        }
    }
    let mut slots: Vec<Option<Found>> = found.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    loop {
        let mut best: Option<(usize, usize)> = None;
        for (r, &(next, end)) in runs.iter().enumerate() {
            let Some(at) = (next < end)
                .then(|| slots[next].as_ref().map(|f| f.at))
                .flatten()
            else {
                continue;
            };
            if best.is_none_or(|(_, b)| at < b) {
                best = Some((r, at));
            }
        }
        let Some((r, _)) = best else { break };
        let i = runs[r].0;
        runs[r].0 += 1;
        if let Some(f) = slots[i].take() {
            out.push(f);
        }
    }
    out
}

/// A placeholder in one command: where it is, the parameter it names
/// ([`key`]) and how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub range: std::ops::Range<usize>,
    pub key: String,
    pub written: String,
}

/// The placeholders of one command (a code block's or step's text in
/// language `lang`), in order, as [`find`] reads code; `set` is
/// [`Params::set`] of its guide.
pub fn slots(command: &str, lang: &str, set: &BTreeSet<String>) -> Vec<Slot> {
    let lang = lang.to_ascii_lowercase();
    let mut lines = Vec::new();
    let mut offset = 0;
    for line in command.split_inclusive('\n') {
        lines.push((offset, line));
        offset += line.len();
    }
    let mut out = Vec::new();
    for (i, here) in read_block(&lines, &lang, set) {
        let offset = lines[i].0;
        for f in here {
            out.push(Slot {
                range: offset + f.at..offset + f.at + f.written.len(),
                key: key(&f.name),
                written: f.written,
            });
        }
    }
    out
}

/// One piece of a command with its values put in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// A parameter's value, put in (shown marked).
    Value {
        key: String,
        value: String,
    },
    /// A placeholder whose parameter has no value yet, as written.
    Missing {
        key: String,
        written: String,
    },
}

/// A command with the values of its parameters put in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub pieces: Vec<Piece>,
}

impl Filled {
    /// The command as it would be copied.
    pub fn text(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Value { value: t, .. } => t.as_str(),
                Piece::Missing { written, .. } => written.as_str(),
            })
            .collect()
    }

    /// The parameters still to be given, each once, in order.
    pub fn missing(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.pieces {
            if let Piece::Missing { key, .. } = p {
                if !out.contains(&key.as_str()) {
                    out.push(key);
                }
            }
        }
        out
    }
}

/// Puts `values` (by [`key`]) into `command` at its `slots`.
pub fn fill(command: &str, slots: &[Slot], values: &BTreeMap<String, String>) -> Filled {
    let mut pieces = Vec::new();
    let mut at = 0;
    for slot in slots {
        if slot.range.start < at || slot.range.end > command.len() {
            continue;
        }
        if slot.range.start > at {
            pieces.push(Piece::Text(command[at..slot.range.start].to_owned()));
        }
        pieces.push(match values.get(&slot.key) {
            Some(value) => Piece::Value {
                key: slot.key.clone(),
                value: value.clone(),
            },
            None => Piece::Missing {
                key: slot.key.clone(),
                written: slot.written.clone(),
            },
        });
        at = slot.range.end;
    }
    if at < command.len() {
        pieces.push(Piece::Text(command[at..].to_owned()));
    }
    Filled { pieces }
}

/// Words that say a step notes a value for later steps ("Note the PID",
/// "Record the new pod's name", "Copy the token from the output").
const CAPTURE_VERBS: &[&str] = &[
    "capture",
    "copy",
    "determine",
    "find",
    "get",
    "grab",
    "identify",
    "look",
    "note",
    "obtain",
    "read",
    "record",
    "remember",
    "retrieve",
    "save",
    "take",
    "write",
];

/// How many steps that note something, and how many parameters,
/// [`captures`] reads at most.
const CAPTURE_STEPS: usize = 256;
const CAPTURE_PARAMS: usize = 256;

/// The steps that note a parameter's value during the run, as
/// (step id, parameter key): a step whose text says to note, record,
/// find or copy something, names the parameter (its words, `pod name`
/// for `<pod_name>`, or a spelling the guide uses), and comes before a
/// later line that uses it. A parameter with a default is asked for at
/// the start instead; each is noted at one step, the first.
/// `steps` are (id, line, plain text) in guide order.
pub fn captures<'a>(
    params: &Params,
    steps: impl IntoIterator<Item = (&'a str, usize, &'a str)>,
) -> Vec<(String, String)> {
    let norm = |t: &str| -> String {
        let words: Vec<String> = t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        format!(" {} ", words.join(" "))
    };
    let steps: Vec<(&str, usize, String, String)> = steps
        .into_iter()
        .map(|(id, line, text)| (id, line, norm(text), text.to_owned()))
        .filter(|(_, _, words, _)| {
            CAPTURE_VERBS
                .iter()
                .any(|v| words.contains(&format!(" {v} ")))
        })
        .collect();
    let mut out = Vec::new();
    // Bounded for a guide written to be slow: a few hundred of each is
    // far more than a runbook has.
    let steps = &steps[..steps.len().min(CAPTURE_STEPS)];
    for p in params
        .params
        .iter()
        .filter(|p| p.default.is_none())
        .take(CAPTURE_PARAMS)
    {
        let k = key(&p.name);
        let words = norm(&k.replace('_', " "));
        let at = steps.iter().find(|(_, line, text, raw)| {
            let named = text.contains(&words) || p.written.iter().any(|w| raw.contains(w.as_str()));
            named && p.lines.iter().any(|l| l > line)
        });
        if let Some((id, ..)) = at {
            out.push((id.to_string(), k));
        }
    }
    out
}

/// How many pairs of names [`slips`] compares at most.
const SLIP_PAIRS: usize = 20_000;
/// The longest name [`slips`] compares, in bytes.
const SLIP_NAME: usize = 64;

/// Edits between two short names (at most `limit + 1` is returned).
fn distance(a: &str, b: &str, limit: usize) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            row[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()].min(limit + 1)
}

/// A placeholder used on one line whose name is one or two edits from a
/// parameter used more: likely a slip.
///
/// A guide names tens of parameters; one written to name thousands is
/// compared only up to [`SLIP_PAIRS`] pairs, and names longer than
/// [`SLIP_NAME`] bytes are not compared (nobody slips on those).
fn slips(params: &[Param]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut budget = SLIP_PAIRS;
    let used: Vec<(String, &Param)> = params
        .iter()
        .filter(|p| p.lines.len() > 1 || p.declared.is_some())
        .filter(|p| p.name.len() <= SLIP_NAME)
        .map(|p| (key(&p.name), p))
        .collect();
    for once in params
        .iter()
        .filter(|p| p.lines.len() == 1 && p.declared.is_none())
    {
        let k = key(&once.name);
        if k.len() < 4 || k.len() > SLIP_NAME {
            continue;
        }
        if budget < used.len() {
            break;
        }
        budget -= used.len();
        let limit = if k.len() >= 8 { 2 } else { 1 };
        let other = used
            .iter()
            .filter(|(other, _)| distance(&k, other, limit) <= limit)
            .map(|(_, p)| *p)
            .max_by_key(|p| p.lines.len());
        if let Some(other) = other {
            out.push(Diagnostic {
                line: once.lines[0],
                severity: Severity::Warning,
                message: format!(
                    "the placeholder {} is used only here; did you mean {} (used on {} line{})?",
                    once.written
                        .first()
                        .map_or(once.name.as_str(), String::as_str),
                    other
                        .written
                        .first()
                        .map_or(other.name.as_str(), String::as_str),
                    other.lines.len(),
                    if other.lines.len() == 1 { "" } else { "s" },
                ),
            });
        }
    }
    out
}

/// The parameters as `preflight inspect` lists them.
pub fn outline(params: &Params) -> String {
    let mut out = String::new();
    if params.params.is_empty() {
        return out;
    }
    out.push_str("parameters:\n");
    for p in &params.params {
        let lines = if p.lines.is_empty() {
            "not used".to_owned()
        } else {
            let shown: Vec<String> = p.lines.iter().take(8).map(usize::to_string).collect();
            format!(
                "line{} {}{}",
                if p.lines.len() == 1 { "" } else { "s" },
                shown.join(", "),
                if p.lines.len() > 8 {
                    format!(" and {} more", p.lines.len() - 8)
                } else {
                    String::new()
                }
            )
        };
        if p.written.is_empty() {
            out.push_str(&format!("  {}: {lines}", p.name));
        } else {
            out.push_str(&format!("  {} ({}): {lines}", p.name, p.written.join(" ")));
        }
        if let Some(d) = &p.default {
            out.push_str(&format!(
                "; default {}",
                if p.secret { "••••••" } else { d }
            ));
        }
        if let Some(d) = &p.description {
            out.push_str(&format!("; {d}"));
        }
        if p.secret {
            out.push_str("; secret");
        }
        if let Some(l) = p.declared {
            out.push_str(&format!("; declared on line {l}"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
