//! The document tree: guide Markdown as safe, owned data.
//!
//! [`parse`] walks pulldown-cmark's events once and builds a [`Document`]:
//! blocks and inlines that a renderer can turn into DOM nodes one by one.
//! It never fails; whatever looks wrong becomes a [`Diagnostic`] with a line
//! number.
//!
//! Safety rules applied here, so no renderer has to remember them:
//! * raw HTML never survives as markup: HTML blocks are dropped, inline HTML
//!   becomes literal text (`kill <PID>` shows `<PID>`), comments vanish;
//! * links keep only `http:`, `https:`, `mailto:` and relative targets;
//! * nesting deeper than [`MAX_DEPTH`] is flattened, so renderers and `Drop`
//!   may recurse without fear of exhausting the stack.
//!
//! Task ids (see [`Task::id`]) come from the task's text, not its position,
//! so progress stays attached to the right task when other tasks are
//! inserted, removed or moved.

use crate::markdown;
use crate::text::truncate;
use pulldown_cmark::{Event, Tag, TagEnd};
use std::collections::HashMap;

/// Containers nested deeper than this are flattened into their parent.
pub const MAX_DEPTH: usize = 32;

/// A parsed guide.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// Text of the first level-1 heading, or of the first heading at all.
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    /// Every task list item, in document order. [`ListItem::task`] and
    /// [`Inline::FlatTask`] index into this.
    pub tasks: Vec<Task>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Document {
    /// The title to show: the guide's own, or a neutral fallback.
    pub fn display_title(&self) -> &str {
        self.title.as_deref().unwrap_or("Untitled guide")
    }
}

/// A `- [ ]` or `- [x]` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Stable id: `t` + the first 12 hex digits of the 64-bit FNV-1a hash of the task's
    /// normalised text (lowercase, white space collapsed), then `-` and the
    /// occurrence number of that text in the guide (0 for the first).
    pub id: String,
    /// Plain text of the task's first paragraph.
    pub text: String,
    /// Checked in the guide itself (`- [x]`).
    pub checked: bool,
    /// 1-based line of the list item.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        content: Vec<Inline>,
        line: usize,
    },
    Paragraph {
        content: Vec<Inline>,
        line: usize,
    },
    Code {
        /// First word of a fenced block's info string (`bash`, `sql`…).
        lang: Option<String>,
        text: String,
        line: usize,
    },
    List {
        /// `Some(first number)` for an ordered list.
        start: Option<u64>,
        items: Vec<ListItem>,
    },
    Quote(Vec<Block>),
    Table {
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Rule,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListItem {
    /// Index into [`Document::tasks`] when this item is a task.
    pub task: Option<usize>,
    pub blocks: Vec<Block>,
    /// 1-based line of the item's marker.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Emphasis(Vec<Inline>),
    Strong(Vec<Inline>),
    Strikethrough(Vec<Inline>),
    /// `href` is already checked by [`safe_href`].
    Link {
        href: String,
        content: Vec<Inline>,
    },
    /// Images are shown by their description only; nothing is loaded.
    Image {
        alt: String,
    },
    SoftBreak,
    HardBreak,
    /// A task whose list item sat deeper than [`MAX_DEPTH`]: its checkbox is
    /// shown in line with the surrounding text.
    FlatTask(usize),
}

impl Inline {
    /// The text a reader sees, without markup.
    pub fn plain_text(inlines: &[Inline]) -> String {
        let mut out = String::new();
        push_plain(&mut out, inlines);
        out
    }
}

fn push_plain(out: &mut String, inlines: &[Inline]) {
    for inline in inlines {
        match inline {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Emphasis(c) | Inline::Strong(c) | Inline::Strikethrough(c) => {
                push_plain(out, c)
            }
            Inline::Link { content, .. } => push_plain(out, content),
            Inline::Image { alt } => out.push_str(alt),
            Inline::SoftBreak | Inline::HardBreak => out.push(' '),
            Inline::FlatTask(_) => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

/// Returns `url` if it is safe to put in an `href`: `http:`, `https:`,
/// `mailto:` or relative (no scheme). Browsers ignore tabs and newlines in
/// URLs, so those are removed before the scheme is read.
pub fn safe_href(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim()
        .chars()
        .filter(|c| !c.is_ascii_control())
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let scheme_end = cleaned.find([':', '/', '?', '#']);
    match scheme_end {
        Some(i) if cleaned[i..].starts_with(':') => {
            let scheme = cleaned[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto").then_some(cleaned)
        }
        _ => Some(cleaned),
    }
}

/// Parses guide text into a [`Document`]. Never panics and never fails.
pub fn parse(text: &str) -> Document {
    parse_indexed(text, LineIndex::new(text)).0
}

/// [`parse`] with the line index of `text` already built, handed back
/// with the document so that later passes over the lines can reuse it.
pub(crate) fn parse_indexed(text: &str, lines: LineIndex) -> (Document, LineIndex) {
    let Some(first_capped) = lines
        .lines(text)
        .position(|l| container_markers(l).0 > MAX_DEPTH)
    else {
        let (doc, lines) = Builder::new(text, lines).run();
        return (doc, lines);
    };
    let capped = cap_nesting(text);
    let (mut doc, _) = Builder::new(&capped, LineIndex::new(&capped)).run();
    doc.diagnostics.push(Diagnostic {
        line: first_capped + 1,
        severity: Severity::Warning,
        message: format!(
            "quotes or lists nested more than {MAX_DEPTH} deep on one line were cut to {MAX_DEPTH} levels"
        ),
    });
    (doc, lines)
}

/// Counts the block-quote and list markers that open a line:
/// (count, byte length of the first `MAX_DEPTH` markers, byte length of all).
fn container_markers(line: &str) -> (usize, usize, usize) {
    let b = line.as_bytes();
    let (mut i, mut count, mut cut) = (0, 0, 0);
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        let marker_len = match b.get(i) {
            Some(b'>') => 1,
            Some(b'-' | b'*' | b'+') if matches!(b.get(i + 1), Some(b' ' | b'\t')) => 2,
            Some(c) if c.is_ascii_digit() => {
                let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                match (b.get(i + digits), b.get(i + digits + 1)) {
                    (Some(b'.' | b')'), Some(b' ' | b'\t')) if digits <= 9 => digits + 2,
                    _ => 0,
                }
            }
            _ => 0,
        };
        if marker_len == 0 {
            return (count, if count > MAX_DEPTH { cut } else { i }, i);
        }
        i += marker_len;
        count += 1;
        if count == MAX_DEPTH {
            cut = i;
        }
    }
}

/// pulldown-cmark checks every open container on every line, so a line
/// opening thousands of quotes or lists followed by many lines takes
/// quadratic time. Lines with more than [`MAX_DEPTH`] opening markers keep
/// the first `MAX_DEPTH` of them; line breaks are untouched, so line
/// numbers stay true. Called only when such a line exists.
fn cap_nesting(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive('\n') {
        let (count, cut, all) = container_markers(piece);
        if count > MAX_DEPTH {
            out.push_str(&piece[..cut]);
            out.push(' ');
            out.push_str(piece[all..].trim_start());
            if piece.ends_with('\n') && !out.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(piece);
        }
    }
    out
}

/// Maps byte offsets to 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The lines of `text` (which this index was built from), exactly as
    /// `str::lines` gives them, without searching for line breaks again.
    pub(crate) fn lines<'t>(&'t self, text: &'t str) -> impl Iterator<Item = &'t str> + 't {
        self.starts
            .iter()
            .enumerate()
            .map_while(move |(i, &start)| {
                match self.starts.get(i + 1) {
                    Some(&next) => {
                        let line = &text[start..next - 1];
                        Some(line.strip_suffix('\r').unwrap_or(line))
                    }
                    // The last line has no break; `lines` gives no empty one.
                    None => (start < text.len()).then(|| &text[start..]),
                }
            })
    }

    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// The text of 1-based line `line`, without its line break.
    pub(crate) fn text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = self
            .starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(text.len());
        let end = self
            .starts
            .get(line)
            .map_or(text.len(), |&e| e.saturating_sub(1));
        text.get(start..end.max(start))
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

enum Frame {
    /// Collects blocks: the document root, a block quote or a list item.
    /// Inline content that arrives directly (tight list items) gathers in
    /// `pending` and becomes a paragraph.
    Blocks {
        kind: BlocksKind,
        blocks: Vec<Block>,
        pending: Vec<Inline>,
        pending_line: usize,
    },
    Inlines {
        kind: InlinesKind,
        inlines: Vec<Inline>,
        line: usize,
    },
    List {
        start: Option<u64>,
        items: Vec<ListItem>,
    },
    Table {
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        row: Vec<Vec<Inline>>,
    },
    Code {
        lang: Option<String>,
        text: String,
        line: usize,
    },
    /// Content that is not shown (HTML blocks, front matter).
    Skip,
    /// A container past [`MAX_DEPTH`]: its content goes to the frame below.
    /// `item` marks a flattened list item, whose task marker becomes
    /// [`Inline::FlatTask`].
    Transparent { item: bool },
}

enum BlocksKind {
    Root,
    Quote,
    Item { task: Option<usize>, line: usize },
}

enum InlinesKind {
    Paragraph,
    Heading { level: u8, line: usize },
    Emphasis,
    Strong,
    Strikethrough,
    Link { href: Option<String> },
    Image,
    Cell,
}

struct Builder<'a> {
    text: &'a str,
    lines: LineIndex,
    stack: Vec<Frame>,
    depth: usize,
    tasks: Vec<Task>,
    /// Occurrences of each task id base, by [`crate::text::id_key`].
    task_ids: HashMap<u64, usize>,
    title: Option<(u8, String)>,
    diagnostics: Vec<Diagnostic>,
    /// Line of the event being handled.
    line: usize,
    /// Indices into `stack` of the frames that are not transparent, so
    /// content finds its container in constant time however deep the
    /// flattened nesting goes.
    solid: Vec<usize>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, lines: LineIndex) -> Self {
        Builder {
            text,
            lines,
            stack: vec![Frame::Blocks {
                kind: BlocksKind::Root,
                blocks: Vec::new(),
                pending: Vec::new(),
                pending_line: 0,
            }],
            depth: 0,
            tasks: Vec::new(),
            task_ids: HashMap::new(),
            title: None,
            diagnostics: Vec::new(),
            line: 1,
            solid: vec![0],
        }
    }

    fn run(mut self) -> (Document, LineIndex) {
        for (event, range) in markdown::parser(self.text).into_offset_iter() {
            let line = self.lines.line(range.start);
            self.line = line;
            match event {
                Event::Start(tag) => self.start(tag, line),
                Event::End(tag) => self.end(tag),
                Event::Text(t) => self.text_event(&t),
                Event::Code(t) => self.push_inline(Inline::Code(t.into_string())),
                Event::InlineMath(t) | Event::DisplayMath(t) => {
                    self.push_inline(Inline::Code(t.into_string()))
                }
                Event::Html(_) => {}
                Event::InlineHtml(html) => self.inline_html(&html),
                Event::FootnoteReference(name) => {
                    self.push_inline(Inline::Text(format!("[^{name}]")))
                }
                Event::SoftBreak => self.push_inline(Inline::SoftBreak),
                Event::HardBreak => self.push_inline(Inline::HardBreak),
                Event::Rule => self.push_block(Block::Rule),
                Event::TaskListMarker(checked) => self.task_marker(checked, line),
            }
        }
        // pulldown-cmark closes every container itself; this only guards
        // against a frame left open by a future event kind.
        while self.stack.len() > 1 {
            self.pop_and_attach();
        }
        let blocks = match self.stack.pop() {
            Some(Frame::Blocks {
                mut blocks,
                pending,
                pending_line,
                ..
            }) => {
                if !pending.is_empty() {
                    blocks.push(Block::Paragraph {
                        content: pending,
                        line: pending_line,
                    });
                }
                blocks
            }
            _ => Vec::new(),
        };
        let doc = Document {
            title: self.title.map(|(_, t)| t),
            blocks,
            tasks: self.tasks,
            diagnostics: self.diagnostics,
        };
        (doc, self.lines)
    }

    fn start(&mut self, tag: Tag<'_>, line: usize) {
        let nests = matches!(
            tag,
            Tag::BlockQuote(_)
                | Tag::List(_)
                | Tag::Item
                | Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::FootnoteDefinition(_)
        );
        if nests && self.depth >= MAX_DEPTH {
            self.push_frame(Frame::Transparent {
                item: matches!(tag, Tag::Item),
            });
            return;
        }
        let frame = match tag {
            Tag::Paragraph => inlines(InlinesKind::Paragraph, line),
            Tag::Heading { level, .. } => inlines(
                InlinesKind::Heading {
                    level: level as u8,
                    line,
                },
                line,
            ),
            Tag::BlockQuote(_) | Tag::FootnoteDefinition(_) => Frame::Blocks {
                kind: BlocksKind::Quote,
                blocks: Vec::new(),
                pending: Vec::new(),
                pending_line: 0,
            },
            Tag::CodeBlock(kind) => Frame::Code {
                lang: crate::markdown::code_lang(&kind).map(str::to_owned),
                text: String::new(),
                line,
            },
            Tag::HtmlBlock => {
                self.html_block(line);
                Frame::Skip
            }
            Tag::MetadataBlock(_) => Frame::Skip,
            Tag::List(start) => Frame::List {
                start,
                items: Vec::new(),
            },
            Tag::Item => Frame::Blocks {
                kind: BlocksKind::Item { task: None, line },
                blocks: Vec::new(),
                pending: Vec::new(),
                pending_line: 0,
            },
            Tag::Table(_) => Frame::Table {
                head: Vec::new(),
                rows: Vec::new(),
                row: Vec::new(),
            },
            Tag::TableHead | Tag::TableRow => return,
            Tag::TableCell => inlines(InlinesKind::Cell, line),
            Tag::Emphasis => inlines(InlinesKind::Emphasis, line),
            Tag::Strong => inlines(InlinesKind::Strong, line),
            Tag::Strikethrough | Tag::Superscript | Tag::Subscript => {
                inlines(InlinesKind::Strikethrough, line)
            }
            Tag::Link { dest_url, .. } => {
                let href = safe_href(&dest_url);
                if href.is_none() {
                    self.diagnostics.push(Diagnostic {
                        line,
                        severity: Severity::Warning,
                        message: format!(
                            "link to `{}` removed: only http, https, mailto and relative links are kept",
                            truncate(&dest_url, 60)
                        ),
                    });
                }
                inlines(InlinesKind::Link { href }, line)
            }
            Tag::Image { .. } => inlines(InlinesKind::Image, line),
            Tag::DefinitionList | Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {
                Frame::Transparent { item: false }
            }
        };
        if nests {
            self.depth += 1;
        }
        self.push_frame(frame);
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::TableHead => {
                if let Some(Frame::Table { head, row, .. }) = self.stack.last_mut() {
                    *head = std::mem::take(row);
                }
            }
            TagEnd::TableRow => {
                if let Some(Frame::Table { rows, row, .. }) = self.stack.last_mut() {
                    rows.push(std::mem::take(row));
                }
            }
            _ => {
                let nests = matches!(
                    tag,
                    TagEnd::BlockQuote(_)
                        | TagEnd::List(_)
                        | TagEnd::Item
                        | TagEnd::Emphasis
                        | TagEnd::Strong
                        | TagEnd::Strikethrough
                        | TagEnd::FootnoteDefinition
                );
                let transparent = matches!(self.stack.last(), Some(Frame::Transparent { .. }));
                if nests && !transparent {
                    self.depth = self.depth.saturating_sub(1);
                }
                self.pop_and_attach();
            }
        }
    }

    /// Closes the top frame and attaches what it built to the frame below.
    fn push_frame(&mut self, frame: Frame) {
        if !matches!(frame, Frame::Transparent { .. }) {
            self.solid.push(self.stack.len());
        }
        self.stack.push(frame);
    }

    /// The innermost frame that is not transparent.
    fn solid_top(&mut self) -> Option<&mut Frame> {
        let index = *self.solid.last()?;
        self.stack.get_mut(index)
    }

    fn pop_and_attach(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if self.solid.last() == Some(&self.stack.len()) {
            self.solid.pop();
        }
        match frame {
            Frame::Blocks {
                kind,
                mut blocks,
                pending,
                pending_line,
            } => {
                if !pending.is_empty() {
                    blocks.push(Block::Paragraph {
                        content: pending,
                        line: pending_line,
                    });
                }
                match kind {
                    BlocksKind::Root => {}
                    BlocksKind::Quote => self.push_block(Block::Quote(blocks)),
                    BlocksKind::Item { task, line } => {
                        if let Some(index) = task {
                            self.finish_task(index, &blocks);
                        }
                        let item = ListItem { task, blocks, line };
                        match self.stack.last_mut() {
                            Some(Frame::List { items, .. }) => items.push(item),
                            _ => self.push_block(Block::List {
                                start: None,
                                items: vec![item],
                            }),
                        }
                    }
                }
            }
            Frame::Inlines {
                kind,
                inlines,
                line,
            } => match kind {
                InlinesKind::Paragraph => self.push_block(Block::Paragraph {
                    content: inlines,
                    line,
                }),
                InlinesKind::Heading { level, line } => {
                    let better = match &self.title {
                        None => true,
                        Some((l, _)) => *l > 1 && level == 1,
                    };
                    if better {
                        let text = Inline::plain_text(&inlines).trim().to_owned();
                        if !text.is_empty() {
                            self.title = Some((level, text));
                        }
                    }
                    self.push_block(Block::Heading {
                        level,
                        content: inlines,
                        line,
                    })
                }
                InlinesKind::Emphasis => self.push_inline(Inline::Emphasis(inlines)),
                InlinesKind::Strong => self.push_inline(Inline::Strong(inlines)),
                InlinesKind::Strikethrough => self.push_inline(Inline::Strikethrough(inlines)),
                InlinesKind::Link { href } => match href {
                    Some(href) => self.push_inline(Inline::Link {
                        href,
                        content: inlines,
                    }),
                    None => {
                        for inline in inlines {
                            self.push_inline(inline);
                        }
                    }
                },
                InlinesKind::Image => self.push_inline(Inline::Image {
                    alt: Inline::plain_text(&inlines),
                }),
                InlinesKind::Cell => {
                    if let Some(Frame::Table { row, .. }) = self.stack.last_mut() {
                        row.push(inlines);
                    }
                }
            },
            Frame::List { start, items } => self.push_block(Block::List { start, items }),
            Frame::Table { head, rows, .. } => self.push_block(Block::Table { head, rows }),
            Frame::Code { lang, text, line } => self.push_block(Block::Code { lang, text, line }),
            Frame::Skip | Frame::Transparent { .. } => {}
        }
    }

    fn text_event(&mut self, text: &str) {
        match self.stack.last_mut() {
            Some(Frame::Code { text: code, .. }) => code.push_str(text),
            Some(Frame::Skip) => {}
            _ => self.push_inline(Inline::Text(text.to_owned())),
        }
    }

    fn inline_html(&mut self, html: &str) {
        let trimmed = html.trim();
        if trimmed.starts_with("<!--") {
            return;
        }
        let lower = trimmed.to_ascii_lowercase();
        if matches!(lower.as_str(), "<br>" | "<br/>" | "<br />") {
            self.push_inline(Inline::HardBreak);
        } else {
            self.push_inline(Inline::Text(html.to_owned()));
        }
    }

    fn html_block(&mut self, line: usize) {
        let rest = self.lines.text(self.text, line).trim_start();
        if !rest.starts_with("<!--") {
            self.diagnostics.push(Diagnostic {
                line,
                severity: Severity::Info,
                message: "raw HTML block not shown".to_owned(),
            });
        }
    }

    fn task_marker(&mut self, checked: bool, line: usize) {
        let index = self.tasks.len();
        // The marker belongs to the innermost list item, which may sit below
        // the paragraph frame of a loose item.
        for frame in self.stack.iter_mut().rev() {
            match frame {
                Frame::Blocks {
                    kind:
                        BlocksKind::Item {
                            task,
                            line: item_line,
                        },
                    ..
                } => {
                    if task.is_some() {
                        return;
                    }
                    *task = Some(index);
                    self.tasks.push(Task {
                        id: String::new(),
                        text: String::new(),
                        checked,
                        line: *item_line,
                    });
                    return;
                }
                Frame::Transparent { item: true } => {
                    self.tasks.push(Task {
                        id: String::new(),
                        text: String::new(),
                        checked,
                        line,
                    });
                    self.push_inline(Inline::FlatTask(index));
                    // A flattened task has no item frame to close it, so its
                    // text is what follows on the same line.
                    let text = self
                        .lines
                        .text(self.text, line)
                        .trim_start_matches(|c: char| !c.is_alphanumeric())
                        .to_owned();
                    self.assign_id(index, text);
                    return;
                }
                Frame::Blocks { .. } | Frame::List { .. } => return,
                _ => {}
            }
        }
    }

    fn finish_task(&mut self, index: usize, blocks: &[Block]) {
        let text = match blocks.first() {
            Some(Block::Paragraph { content, .. }) => Inline::plain_text(content),
            _ => String::new(),
        };
        self.assign_id(index, text);
    }

    fn assign_id(&mut self, index: usize, text: String) {
        let hash = crate::text::normalised_hash(&text);
        let seen = self
            .task_ids
            .entry(crate::text::id_key(b't', hash, 12))
            .or_insert(0);
        let id = occurrence_id('t', hash, 12, *seen);
        *seen += 1;
        if let Some(task) = self.tasks.get_mut(index) {
            task.id = id;
            let trimmed = text.trim();
            task.text = if trimmed.len() == text.len() {
                text
            } else {
                trimmed.to_owned()
            };
        }
    }

    fn push_inline(&mut self, inline: Inline) {
        let line = self.line;
        let Some(frame) = self.solid_top() else {
            return;
        };
        let target = match frame {
            Frame::Inlines { inlines, .. } => inlines,
            Frame::Blocks {
                pending,
                pending_line,
                ..
            } => {
                if pending.is_empty() {
                    *pending_line = line;
                }
                pending
            }
            Frame::Code { text, .. } => {
                text.push_str(&Inline::plain_text(std::slice::from_ref(&inline)));
                return;
            }
            _ => return,
        };
        match (target.last_mut(), inline) {
            (Some(Inline::Text(prev)), Inline::Text(next)) => prev.push_str(&next),
            (_, inline) => target.push(inline),
        }
    }

    fn push_block(&mut self, block: Block) {
        let Some(frame) = self.solid_top() else {
            return;
        };
        match frame {
            Frame::Blocks {
                blocks,
                pending,
                pending_line,
                ..
            } => {
                if !pending.is_empty() {
                    blocks.push(Block::Paragraph {
                        content: std::mem::take(pending),
                        line: *pending_line,
                    });
                }
                blocks.push(block);
            }
            // A block inside an inline container cannot happen in
            // CommonMark; keep its text rather than lose it.
            Frame::Inlines { inlines, .. } => {
                if let Block::Paragraph { content, .. } = block {
                    inlines.extend(content);
                }
            }
            _ => {}
        }
    }
}

/// `prefix` + the first `digits` hex digits of `hash` + `-` + `seen`.
pub(crate) fn occurrence_id(prefix: char, hash: u64, digits: usize, seen: usize) -> String {
    use std::fmt::Write;
    let mut id = String::with_capacity(digits + 4);
    id.push(prefix);
    crate::text::push_hex(&mut id, hash, digits);
    let _ = write!(id, "-{seen}");
    id
}

fn inlines(kind: InlinesKind, line: usize) -> Frame {
    Frame::Inlines {
        kind,
        inlines: Vec::new(),
        line,
    }
}

#[cfg(test)]
mod tests;
