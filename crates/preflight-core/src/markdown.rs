//! The single place where Preflight configures pulldown-cmark.
//!
//! Every parse of guide text goes through [`options`], so the document tree,
//! task counts and any later analysis agree on what Markdown means.

use pulldown_cmark::Options;

/// Markdown extensions Preflight understands: GitHub-style tables, task
/// lists and strikethrough, plus YAML front matter (recognised so that it
/// can be dropped rather than shown as a heading).
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
}

/// The language a code block names (`bash` of "```bash {.copy}"), as
/// written; none for an indented block or a fence without one.
pub fn code_lang<'a>(kind: &'a pulldown_cmark::CodeBlockKind<'_>) -> Option<&'a str> {
    match kind {
        pulldown_cmark::CodeBlockKind::Fenced(info) => info
            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
            .next()
            .filter(|l| !l.is_empty()),
        pulldown_cmark::CodeBlockKind::Indented => None,
    }
}

/// A pulldown-cmark parser over `text` with [`options`].
pub fn parser(text: &str) -> pulldown_cmark::Parser<'_> {
    pulldown_cmark::Parser::new_ext(text, options())
}
