//! Builds a [`Guide`] from guide text: repair, parse, split into sections
//! by heading, then read each section's blocks in order, with a small
//! amount of context (the section's kind, the label of the list at hand).

use super::*;
use crate::doc::{self, Document, LineIndex, ListItem, Severity};
use crate::text::{
    contains_any, duration, fnv1a, id_key, mojibake, normalised_hash, push_slug, secrets,
    threshold, truncate, Words,
};
use recognise::{Aside, CodeKind};
use std::collections::HashMap;

mod recognise;

/// What the items of a list are, from its label or its section's title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    Gates(GateSource),
    Triggers(TriggerAction),
    Actions,
    Solutions,
}

/// A section before analysis: its heading and its own blocks.
struct Raw {
    level: u8,
    heading: Vec<Inline>,
    line: usize,
    blocks: Vec<Block>,
    children: Vec<Raw>,
}

/// Per-section state while its blocks are read.
struct Ctx {
    kind: PhaseKind,
    /// The role every list in the section has unless a label says otherwise.
    section_role: Role,
    /// The role set by the last label paragraph.
    label: Option<Role>,
    rollback: bool,
    troubleshooting: bool,
    /// Metadata here describes the whole guide (preamble, overview).
    top: bool,
    estimate: Option<duration::Range>,
    steps: Vec<Step>,
    gates: Vec<Gate>,
    /// Index into `Builder::troubles` of the pair being read.
    trouble: Option<usize>,
    /// A bold line alone (`**Day 1-2: 25% Traffic**`): names the code
    /// block that follows it.
    caption: Option<String>,
    /// The text of the paragraph just before the block at hand, which
    /// says what a code block after it is ("Example output:").
    intro: Option<String>,
    /// Inside a note (`{{% notice %}}`, `:::tip`, `> **Warning**`): only
    /// task items are steps there.
    aside: bool,
    /// A `!!! note` line was just read: its indented body follows.
    aside_body: bool,
    /// A summary of steps given in detail elsewhere (overview, summary,
    /// appendix, next steps): nothing but task items is a step there.
    summary: bool,
    /// The list at hand completes a statement ("You can change the image
    /// used to:"): its items are possibilities, not steps.
    options: bool,
    /// The time given by the lead-in of the criteria at hand, in seconds.
    lead_s: Option<u64>,
}

impl Ctx {
    fn role(&self) -> Role {
        self.label.unwrap_or(self.section_role)
    }
}

struct Builder<'a> {
    tasks: &'a [Task],
    placed: Vec<bool>,
    /// Occurrences of each id base, by [`id_key`].
    ids: HashMap<u64, usize>,
    phase_ids: HashMap<String, usize>,
    metadata: Vec<Meta>,
    estimate: Option<duration::Range>,
    downtime: Option<duration::Range>,
    triggers: Vec<Trigger>,
    troubles: Vec<Trouble>,
    rollback: Rollback,
    diagnostics: Vec<Diagnostic>,
}

pub(super) fn build(input: &str) -> Guide {
    let repair = mojibake::repair(input);
    let text = repair.as_ref().map_or(input, |r| r.text.as_str());
    let (document, lines) = doc::parse_indexed(text, LineIndex::new(text));
    let Document {
        title,
        blocks,
        tasks,
        diagnostics,
    } = document;

    let mut b = Builder {
        tasks: &tasks,
        placed: vec![false; tasks.len()],
        ids: HashMap::new(),
        phase_ids: HashMap::new(),
        metadata: Vec::new(),
        estimate: None,
        downtime: None,
        triggers: Vec::new(),
        troubles: Vec::new(),
        rollback: Rollback::default(),
        diagnostics,
    };
    if let Some(r) = &repair {
        b.diagnostics.push(Diagnostic {
            line: 1,
            severity: Severity::Info,
            message: format!(
                "text repaired: it had been saved after being read as {} ({} characters restored{})",
                r.encoding.name(),
                r.restored,
                if r.lost > 0 {
                    format!(", {} lost and shown as \u{FFFD}", r.lost)
                } else {
                    String::new()
                }
            ),
        });
    }

    let (title_heading, preamble, raws) = partition(blocks);
    let title = title
        .or(title_heading)
        .unwrap_or_else(|| "Untitled guide".to_owned());

    // The preamble is read like a section; if it holds steps or gates it
    // becomes a phase of its own, so nothing actionable sits outside phases.
    let mut pre = Ctx {
        kind: PhaseKind::Section,
        section_role: Role::Plain,
        label: None,
        rollback: false,
        troubleshooting: false,
        top: true,
        estimate: None,
        steps: Vec::new(),
        gates: Vec::new(),
        trouble: None,
        caption: None,
        intro: None,
        aside: false,
        aside_body: false,
        summary: false,
        options: false,
        lead_s: None,
    };
    b.blocks(&preamble, &mut pre);
    let mut phases = Vec::new();
    let mut preamble_blocks = preamble;
    if !pre.steps.is_empty() || !pre.gates.is_empty() {
        let id = b.phase_id(&title);
        phases.push(Phase {
            id,
            title: title.clone(),
            kind: PhaseKind::Section,
            level: 1,
            optional: false,
            alternative_group: None,
            estimate_s: pre.estimate,
            line: 1,
            sections: Vec::new(),
            steps: pre.steps,
            gates: pre.gates,
            blocks: std::mem::take(&mut preamble_blocks),
            heading: vec![Inline::Text(title.clone())],
        });
    }
    let inherit = Inherit {
        rollback: false,
        troubleshooting: false,
        role: Role::Plain,
        summary: false,
    };
    let mut built: Vec<Phase> = raws.into_iter().map(|r| b.phase(r, inherit)).collect();
    mark_alternatives(&mut built, "guide");
    phases.extend(built);

    b.place_missing_tasks(&mut phases);
    let secrets = b.diagnose_text(text, &lines, input, &phases);

    let mut guide = Guide {
        schema: GUIDE_SCHEMA,
        title,
        encoding_repair: repair.as_ref().map(|r| r.encoding),
        metadata: b.metadata,
        estimate_s: b.estimate,
        downtime_s: b.downtime,
        phases,
        rollback: Rollback {
            triggers: b.triggers,
            ..b.rollback
        },
        troubleshooting: b.troubles,
        counts: Counts::default(),
        diagnostics: b.diagnostics,
        preamble: preamble_blocks,
        tasks,
        secret_lines: Vec::new(),
    };
    guide.secret_lines = secrets.iter().map(|&(line, _)| line).collect();
    guide.counts = Counts {
        phases: guide.all_phases().len(),
        steps: guide.all_steps().len(),
        tasks: guide.tasks.len(),
        gates: guide.all_gates().len(),
        triggers: guide.rollback.triggers.len(),
    };
    guide
        .diagnostics
        .sort_by(|a, b| a.line.cmp(&b.line).then(b.severity.cmp(&a.severity)));
    guide
}

#[derive(Clone, Copy)]
struct Inherit {
    rollback: bool,
    troubleshooting: bool,
    role: Role,
    summary: bool,
}

/// Sections that sum up or point elsewhere: their lists repeat steps given
/// in detail elsewhere, or are not steps at all.
fn is_summary_title(title: &str) -> bool {
    let t = title.trim().to_lowercase();
    let t = recognise::strip_numbering(&t);
    [
        "summary",
        "overview",
        "table of contents",
        "contents",
        "toc",
        "appendix",
        "next steps",
        "what's next",
        "what is next",
        "see also",
        "related",
        "further reading",
        "references",
        "resources",
        "links",
        "useful links",
        "changelog",
        "change log",
        "what changed",
        "what's new",
        "what's changed",
        "release highlights",
        "key features",
        "key achievements",
        "lessons learned",
        "conclusion",
        "background",
        "context",
        "motivation",
        "glossary",
        "revision history",
        "history",
        "dependencies order",
        "known limitations",
        "contacts",
        "contact",
        "faq",
        "quick command reference",
        "command reference",
        "version history",
        "run record",
        "risk assessment",
        "risks",
        "files changed",
        "changed files",
        "files modified",
        "modified files",
        "file changes",
    ]
    .iter()
    .any(|w| t.starts_with(w))
        || t.contains("command reference")
        || t.contains("summary of")
}

/// Splits blocks into the title, the preamble and the section tree.
fn partition(blocks: Vec<Block>) -> (Option<String>, Vec<Block>, Vec<Raw>) {
    let h1s = blocks
        .iter()
        .filter(|b| matches!(b, Block::Heading { level: 1, .. }))
        .count();
    let first_heading_is_h1 = blocks
        .iter()
        .find(|b| matches!(b, Block::Heading { .. }))
        .is_some_and(|b| matches!(b, Block::Heading { level: 1, .. }));
    let single_title = h1s == 1 && first_heading_is_h1;

    let mut title = None;
    let mut preamble = Vec::new();
    let mut roots: Vec<Raw> = Vec::new();
    let mut stack: Vec<Raw> = Vec::new();

    fn close(stack: &mut Vec<Raw>, roots: &mut Vec<Raw>) {
        if let Some(done) = stack.pop() {
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => roots.push(done),
            }
        }
    }

    for block in blocks {
        match block {
            Block::Heading {
                level: 1, content, ..
            } if single_title && title.is_none() => {
                title = Some(Inline::plain_text(&content).trim().to_owned());
            }
            Block::Heading {
                level,
                content,
                line,
            } => {
                while stack.last().is_some_and(|top| top.level >= level) {
                    close(&mut stack, &mut roots);
                }
                stack.push(Raw {
                    level,
                    heading: content,
                    line,
                    blocks: Vec::new(),
                    children: Vec::new(),
                });
            }
            other => match stack.last_mut() {
                Some(top) => top.blocks.push(other),
                None => preamble.push(other),
            },
        }
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    (title, preamble, roots)
}

/// `summary`: [`is_summary_title`] of the title, read once by the caller.
fn classify(title: &str, summary: bool, inherit: Inherit) -> PhaseKind {
    let t = title.to_lowercase();
    let w = Words::new(&t);
    if !inherit.rollback && !inherit.troubleshooting && summary {
        PhaseKind::Reference
    } else if inherit.rollback
        || w.contains_any(&[
            "rollback",
            "roll back",
            "roll-back",
            "revert",
            "backout",
            "back out",
        ])
    {
        PhaseKind::Rollback
    } else if inherit.troubleshooting
        || w.contains_any(&[
            "troubleshoot",
            "common issues",
            "known issues",
            "faq",
            "issue:",
            "problem:",
        ])
    {
        PhaseKind::Troubleshooting
    } else if t.starts_with("post")
        || w.contains_any(&[
            "post-deploy",
            "post deploy",
            "after full",
            "after deploy",
            "after release",
            "cleanup",
            "clean up",
            "clean-up",
            "follow-up",
            "follow up",
            "retrospective",
            "lessons learned",
            "wrap up",
        ])
    {
        PhaseKind::PostDeployment
    } else if t.starts_with("pre")
        || w.contains_any(&[
            "prerequisite",
            "preparation",
            "prepare",
            "before you",
            "readiness",
            "checklist",
        ])
    {
        PhaseKind::Preparation
    } else if w.contains_any(&[
        "success criteria",
        "success metrics",
        "verif",
        "validat",
        "smoke",
        "health check",
        "acceptance",
        "complete when",
        "ready when",
    ]) {
        PhaseKind::Verification
    } else if w.contains_any(&["monitor", "alert", "dashboard", "metrics", "observab"]) {
        PhaseKind::Monitoring
    } else if w.contains_any(&[
        "deploy",
        "rollout",
        "roll out",
        "release",
        "step",
        "migrat",
        "install",
        "upgrade",
        "canary",
        "staging",
        "production",
        "cutover",
        "switch",
        "phase",
        "week",
        "day ",
        "option",
        "restart",
        "backup",
    ]) {
        PhaseKind::Deployment
    } else if w.contains_any(&[
        "overview",
        "resource",
        "support",
        "contact",
        "appendix",
        "reference",
        "revision",
        "history",
        "glossary",
        "introduction",
        "about",
        "summary",
        "quick start",
        "links",
        "notes",
    ]) {
        PhaseKind::Reference
    } else {
        PhaseKind::Section
    }
}

/// The role a label or section title gives to the lists under it.
fn role_of(label: &str, troubleshooting: bool) -> Role {
    let l = label.to_lowercase();
    let w = Words::new(&l);
    let rollback = w.contains_any(&[
        "rollback",
        "roll back",
        "roll-back",
        "abort",
        "halt",
        "stop the rollout",
    ]);
    if rollback && w.contains_any(&["when", " if", "trigger", "criteria", "conditions"]) {
        return Role::Triggers(TriggerAction::Rollback);
    }
    if l.contains("pause") && w.contains_any(&["criteria", "when", " if", "trigger", "conditions"])
    {
        return Role::Triggers(TriggerAction::Pause);
    }
    if w.contains_any(&[
        "success criteria",
        "success metrics",
        "complete when",
        "ready when",
        "successful when",
        "considered successful",
        "acceptance criteria",
        "exit criteria",
        "definition of done",
        "go/no-go",
        "go / no-go",
    ]) {
        return Role::Gates(GateSource::SuccessCriteria);
    }
    if w.contains_any(&["performance criteria", "performance targets", "slos"]) {
        return Role::Gates(GateSource::PerformanceCriteria);
    }
    if w.contains_any(&[
        "verification",
        "verify",
        "validation",
        "health check",
        "note if",
        "should show",
        "expected output",
        "expected result",
        "confirm that",
        "check that",
    ]) {
        return Role::Gates(GateSource::Verification);
    }
    // "This script performs the following actions:" describes; only a
    // short label ("Actions:", "Immediate actions", "Steps to take") names
    // a list of things to do.
    let short = l.split_whitespace().count() <= 5;
    if short
        && w.contains_any(&[
            "action",
            "solution",
            "fix",
            "resolution",
            "what to do",
            "remediation",
        ])
    {
        return if troubleshooting {
            Role::Solutions
        } else {
            Role::Actions
        };
    }
    if short
        && !l.contains("next steps")
        && w.contains_any(&["steps", "monitor at each", "procedure", "instructions"])
    {
        return Role::Actions;
    }
    Role::Plain
}

/// Leading check marks and bullets people type into list text.
fn clean(text: &str) -> String {
    text.trim()
        .trim_start_matches(['✅', '✓', '✔', '☑', '☐', '⬜', '❌', '✗', '•', '\u{FE0F}'])
        .trim()
        .to_owned()
}

/// Splits paragraph inlines into lines at line breaks.
fn lines(content: &[Inline]) -> Vec<&[Inline]> {
    content
        .split(|i| matches!(i, Inline::SoftBreak | Inline::HardBreak))
        .filter(|l| !l.is_empty())
        .collect()
}

/// `**Key:** value` or `**Key**: value` → (key, value); value may be empty.
fn key_value(line: &[Inline]) -> Option<(String, String)> {
    let (first, rest) = line.split_first()?;
    let Inline::Strong(key) = first else {
        return None;
    };
    let key = Inline::plain_text(key);
    let rest = Inline::plain_text(rest);
    let key_trim = key.trim();
    let (key, value) = if let Some(k) = key_trim.strip_suffix(':') {
        (k.trim().to_owned(), rest.trim().to_owned())
    } else if let Some(v) = rest.trim_start().strip_prefix(':') {
        (key_trim.to_owned(), v.trim().to_owned())
    } else if rest.trim().is_empty() {
        // A bold line alone: a label without a colon.
        (key_trim.to_owned(), String::new())
    } else {
        return None;
    };
    (!key.is_empty()).then_some((key, value))
}

fn strip_level(text: &str) -> (Option<Level>, &str) {
    let lower = text.to_ascii_lowercase();
    for (word, level) in [
        ("target", Level::Target),
        ("warning", Level::Warning),
        ("critical", Level::Critical),
    ] {
        if lower.starts_with(word) {
            let rest = text[word.len()..].trim_start();
            if let Some(rest) = rest.strip_prefix(':') {
                return (Some(level), rest.trim());
            }
        }
    }
    (None, text)
}

fn not_applicable(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    t.is_empty() || t == "n/a" || t == "na" || t == "none" || t == "-"
}

/// `# Step 2: Snapshot the database` or `# 2. Apply migration` → title.
fn step_marker(comment: &str) -> Option<String> {
    let c = comment.trim();
    let lower = c.to_ascii_lowercase();
    let after_step = lower.strip_prefix("step").map(str::trim_start);
    let rest = after_step.unwrap_or(&lower);
    let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let after = &rest[digits..];
    let sep_ok = if after_step.is_some() {
        after.is_empty() || after.starts_with([':', '.', ')', ' ', '-'])
    } else {
        after.starts_with(". ") || after.starts_with(") ")
    };
    sep_ok.then(|| c.to_owned())
}

fn comment_text(line: &str) -> Option<&str> {
    let t = line.trim_start();
    t.strip_prefix('#')
        .filter(|r| !r.starts_with('!'))
        .or_else(|| t.strip_prefix("--"))
        .or_else(|| t.strip_prefix("REM "))
        .map(str::trim)
}

impl Builder<'_> {
    fn hashed_id(&mut self, prefix: char, text: &str) -> String {
        self.occurrence_id(prefix, normalised_hash(text))
    }

    /// `prefix` + 10 hex digits of `hash` + `-N`, N counting earlier ids
    /// with the same beginning.
    fn occurrence_id(&mut self, prefix: char, hash: u64) -> String {
        let key = id_key(prefix as u8, hash, 10);
        let seen = self.ids.entry(key).or_insert(0);
        let id = doc::occurrence_id(prefix, hash, 10, *seen);
        *seen += 1;
        id
    }

    /// `p-` + slug of the title, then `-2`, `-3`… for repeats.
    fn phase_id(&mut self, title: &str) -> String {
        let mut id = String::with_capacity(24);
        id.push_str("p-");
        push_slug(&mut id, title);
        let seen = match self.phase_ids.get_mut(&id) {
            Some(seen) => {
                *seen += 1;
                *seen
            }
            None => {
                self.phase_ids.insert(id.clone(), 1);
                1
            }
        };
        if seen > 1 {
            use std::fmt::Write;
            let _ = write!(id, "-{seen}");
        }
        id
    }

    fn phase(&mut self, raw: Raw, inherit: Inherit) -> Phase {
        let title = Inline::plain_text(&raw.heading).trim().to_owned();
        let summary_title = is_summary_title(&title);
        let kind = classify(&title, summary_title, inherit);
        let id = self.phase_id(&title);
        let lower = title.to_lowercase();
        let optional = contains_any(
            &lower,
            &[
                "(optional)",
                "optional:",
                "(if applicable)",
                "(if needed)",
                "(if available)",
            ],
        );
        // A title sets the role of its lists only when it names criteria or
        // triggers outright; "Post-Deployment Verification" holds tasks.
        let title_role = match role_of(&title, kind == PhaseKind::Troubleshooting) {
            role @ (Role::Triggers(_)
            | Role::Gates(GateSource::SuccessCriteria | GateSource::PerformanceCriteria)) => role,
            // A section called just "Verification" lists criteria.
            role @ Role::Gates(GateSource::Verification)
                if ["verif", "validat", "health check", "smoke"]
                    .iter()
                    .any(|w| lower.starts_with(w)) =>
            {
                role
            }
            _ => Role::Plain,
        };
        let section_role = match title_role {
            Role::Plain => inherit.role,
            role => role,
        };
        let mut ctx = Ctx {
            kind,
            section_role,
            label: None,
            rollback: kind == PhaseKind::Rollback,
            troubleshooting: kind == PhaseKind::Troubleshooting,
            top: kind == PhaseKind::Reference && raw.level <= 2,
            estimate: None,
            steps: Vec::new(),
            gates: Vec::new(),
            trouble: None,
            caption: None,
            intro: None,
            aside: false,
            aside_body: false,
            summary: inherit.summary || (kind == PhaseKind::Reference && summary_title),
            options: false,
            lead_s: None,
        };
        if ctx.troubleshooting {
            let issue = ["issue:", "problem:", "symptom:", "error:"]
                .iter()
                .find_map(|p| {
                    // Compared on the title itself: lowercasing can change
                    // byte lengths, so `lower`'s offsets do not fit `title`.
                    let head = title.get(..p.len())?;
                    head.eq_ignore_ascii_case(p)
                        .then(|| title[p.len()..].trim())
                });
            if let Some(issue) = issue {
                ctx.trouble = Some(self.troubles.len());
                self.troubles.push(Trouble {
                    symptom: issue.to_owned(),
                    solutions: Vec::new(),
                    immediate_rollback: false,
                    line: raw.line,
                });
            }
        }
        let (triggers_before, troubles_before) = (self.triggers.len(), self.troubles.len());
        self.blocks(&raw.blocks, &mut ctx);
        let holds_criteria =
            self.triggers.len() > triggers_before || self.troubles.len() > troubles_before;
        let estimate = ctx.estimate.or_else(|| duration::parse(&title));
        if ctx.rollback {
            self.rollback.phases.push(id.clone());
            if !matches!(ctx.section_role, Role::Triggers(_)) {
                for step in &ctx.steps {
                    self.rollback.steps.push(step.id.clone());
                }
            }
            if self.rollback.estimate_s.is_none() {
                self.rollback.estimate_s = ctx.estimate;
            }
        }
        let child_inherit = Inherit {
            rollback: ctx.rollback,
            troubleshooting: ctx.troubleshooting,
            role: match section_role {
                Role::Gates(GateSource::SuccessCriteria | GateSource::PerformanceCriteria)
                | Role::Triggers(_) => section_role,
                _ => Role::Plain,
            },
            summary: ctx.summary,
        };
        let mut sections: Vec<Phase> = raw
            .children
            .into_iter()
            .map(|c| self.phase(c, child_inherit))
            .collect();
        mark_alternatives(&mut sections, &id);
        // A heading that names one action, over a section with nothing to
        // tick of its own, is itself the step ("## Step 1: Take a backup").
        let holds_steps = !ctx.steps.is_empty()
            || !ctx.gates.is_empty()
            || holds_criteria
            || any_content(&sections);
        if !holds_steps
            && !ctx.summary
            && raw.level >= 2
            && !matches!(ctx.section_role, Role::Triggers(_) | Role::Gates(_))
            && kind != PhaseKind::Reference
            && recognise::heading_is_step(&title)
        {
            let step = self.text_step(title.clone(), raw.line, duration::wait(&title));
            if ctx.rollback {
                self.rollback.steps.push(step.id.clone());
            }
            ctx.steps.push(step);
        }
        Phase {
            id,
            title,
            kind,
            level: raw.level,
            optional,
            alternative_group: None,
            estimate_s: estimate,
            line: raw.line,
            sections,
            steps: ctx.steps,
            gates: ctx.gates,
            blocks: raw.blocks,
            heading: raw.heading,
        }
    }

    /// Reads a section's blocks in order; a code block may look at what
    /// follows it (a configuration file whose action a later command
    /// carries is not a step of its own).
    fn blocks(&mut self, blocks: &[Block], ctx: &mut Ctx) {
        for (i, block) in blocks.iter().enumerate() {
            let intro = self.block(block, &blocks[i + 1..], ctx);
            // Only a code block or a list reads its introduction.
            let read_next = matches!(
                blocks.get(i + 1),
                Some(Block::Code { .. } | Block::List { .. })
            );
            ctx.intro = intro.filter(|_| read_next);
        }
    }

    /// Reads one block; a paragraph that is not a note's marker comes back
    /// as its text, the introduction of the block after it.
    fn block(&mut self, block: &Block, after: &[Block], ctx: &mut Ctx) -> Option<String> {
        if !matches!(block, Block::Paragraph { .. } | Block::Code { .. }) {
            ctx.caption = None;
        }
        let aside_body = std::mem::take(&mut ctx.aside_body);
        match block {
            Block::Paragraph { content, line } => return self.paragraph(content, *line, ctx),
            Block::List { start, items } => {
                let role = ctx.role();
                // "You can change the image used to:" then what it can do.
                let options = ctx
                    .intro
                    .as_deref()
                    .is_some_and(|t| t.trim_end().ends_with(':') && recognise::is_statement(t));
                let was = ctx.options;
                ctx.options = options && start.is_none() && role == Role::Plain;
                let steps = self.items(items, start.is_some(), role, ctx);
                ctx.options = was;
                ctx.steps.extend(steps);
                // A label names the list right after it, not the rest.
                ctx.label = None;
            }
            Block::Code { lang, text, line } => {
                if ctx.aside || ctx.summary || (aside_body && lang.is_none()) {
                    return None;
                }
                let intro = ctx.intro.as_deref().unwrap_or("");
                let example = recognise::introduces_example(intro, text);
                match recognise::code_kind(lang.as_deref(), text) {
                    CodeKind::Command if !example || ctx.caption.is_some() => {
                        let mut step = self.command(lang.clone(), text, *line);
                        if let Some(caption) = ctx.caption.take() {
                            step.estimate_s = duration::parse(&caption);
                            step.text = caption;
                        }
                        ctx.steps.push(step);
                    }
                    // "Create a metric template and apply it:" then the
                    // manifest, and no later command that applies it.
                    CodeKind::Config
                        if intro.trim_end().ends_with(':')
                            && recognise::is_imperative(intro)
                            && !applied_later(after) =>
                    {
                        let text_line = intro.trim().trim_end_matches(':').trim();
                        // The id hashes the whole introduction; the text
                        // shown is cut.
                        let mut step = self.text_step(text_line.to_owned(), *line, None);
                        step.text = truncate(text_line, 120);
                        step.code = Some(text.clone());
                        step.lang = lang.clone();
                        ctx.steps.push(step);
                    }
                    _ => {}
                }
            }
            Block::Table { head, rows } => self.table(head, rows, ctx),
            Block::Quote(inner) => {
                let note = matches!(inner.first(), Some(Block::Paragraph { content, .. })
                    if recognise::quote_is_note(&Inline::plain_text(content)));
                let was = ctx.aside;
                ctx.aside |= note;
                self.blocks(inner, ctx);
                ctx.aside = was;
            }
            Block::Heading { .. } | Block::Rule => {}
        }
        None
    }

    fn paragraph(
        &mut self,
        content: &[Inline],
        first_line: usize,
        ctx: &mut Ctx,
    ) -> Option<String> {
        ctx.caption = None;
        let whole = Inline::plain_text(content);
        let aside = recognise::aside(&whole);
        match aside {
            Aside::Opens => ctx.aside = true,
            Aside::Closes => ctx.aside = false,
            Aside::Marker => {
                let t = whole.trim_start();
                ctx.aside_body = t.starts_with("!!!") || t.starts_with("???");
            }
            Aside::None => {}
        }
        for (offset, line_inlines) in lines(content).into_iter().enumerate() {
            let line = first_line + offset;
            if let Some((key, value)) = key_value(line_inlines) {
                if value.is_empty() {
                    let bare = matches!(line_inlines, [Inline::Strong(k)]
                        if !Inline::plain_text(k).trim_end().ends_with(':'));
                    if bare {
                        ctx.caption = Some(key.clone());
                    }
                    self.label(&key, ctx);
                    if ctx.troubleshooting && key.to_lowercase().contains("immediate rollback") {
                        self.immediate_rollback(ctx, line);
                    }
                } else {
                    self.meta(key, value, line, ctx);
                }
                continue;
            }
            let text = Inline::plain_text(line_inlines);
            let text = text.trim();
            if text.ends_with(':') {
                self.label(text, ctx);
                continue;
            }
            ctx.label = None;
            if ctx.rollback && self.rollback.estimate_s.is_none() && text.contains(" in ") {
                self.rollback.estimate_s = duration::parse(text);
            }
            let wait = duration::wait(text).filter(|_| {
                ctx.kind != PhaseKind::Reference
                    && !ctx.aside
                    && !ctx.summary
                    && !recognise::is_statement(text)
            });
            if let Some(range) = wait {
                let step = self.text_step(text.to_owned(), line, Some(range));
                ctx.steps.push(step);
            }
        }
        (aside == Aside::None).then_some(whole)
    }

    /// A label line (`**Success Criteria:**`, "Halt the rollout if:")
    /// names the role of the list after it. A lead-in that names no role
    /// inside a criteria section ("✅ **Right after the deploy (10
    /// minutes):**") keeps the section's role and gives its criteria that
    /// time.
    fn label(&mut self, text: &str, ctx: &mut Ctx) {
        let role = role_of(text, ctx.troubleshooting);
        if role == Role::Plain && matches!(ctx.section_role, Role::Gates(_) | Role::Triggers(_)) {
            ctx.label = None;
            ctx.lead_s = duration::parse(text).map(|[lo, _]| lo);
        } else {
            ctx.label = Some(role);
            ctx.lead_s = None;
        }
    }

    fn meta(&mut self, key: String, value: String, line: usize, ctx: &mut Ctx) {
        let k = key.to_lowercase();
        if ctx.troubleshooting || ctx.trouble.is_some() {
            if matches!(k.as_str(), "issue" | "problem" | "error") {
                ctx.trouble = Some(self.troubles.len());
                self.troubles.push(Trouble {
                    symptom: value.clone(),
                    solutions: Vec::new(),
                    immediate_rollback: false,
                    line,
                });
            } else if k.starts_with("symptom") {
                // `**Symptoms**:` refines the issue it follows, unless that
                // issue is complete: then it starts the next one.
                let open = ctx
                    .trouble
                    .filter(|&i| self.troubles[i].solutions.is_empty());
                match open {
                    Some(i) => self.troubles[i].symptom = value.clone(),
                    None => {
                        ctx.trouble = Some(self.troubles.len());
                        self.troubles.push(Trouble {
                            symptom: value.clone(),
                            solutions: Vec::new(),
                            immediate_rollback: false,
                            line,
                        });
                    }
                }
            } else if let Some(solution) = solution_text(&k, &value) {
                if let Some(i) = ctx.trouble {
                    self.troubles[i].solutions.push(solution);
                }
            }
        }
        if k.contains("downtime") {
            if self.downtime.is_none() {
                self.downtime = duration::parse(&value);
            }
        } else if contains_any(&k, &["time", "duration", "estimate"]) {
            if let Some(range) = duration::parse(&value) {
                if ctx.top && self.estimate.is_none() {
                    self.estimate = Some(range);
                } else if ctx.estimate.is_none() {
                    ctx.estimate = Some(range);
                }
            }
        }
        self.metadata.push(Meta { key, value, line });
    }

    fn immediate_rollback(&mut self, ctx: &mut Ctx, line: usize) {
        let Some(i) = ctx.trouble else {
            return;
        };
        if self.troubles[i].immediate_rollback {
            return;
        }
        self.troubles[i].immediate_rollback = true;
        let text = self.troubles[i].symptom.clone();
        self.trigger(&text, line, TriggerAction::Rollback, None);
    }

    fn items(&mut self, items: &[ListItem], ordered: bool, role: Role, ctx: &mut Ctx) -> Vec<Step> {
        self.items_under(items, ordered, role, ctx, false)
    }

    /// `under_step`: the list sits inside an item that is a step, so an
    /// item that only qualifies it ("If you are not an SME, …") is advice.
    fn items_under(
        &mut self,
        items: &[ListItem],
        ordered: bool,
        role: Role,
        ctx: &mut Ctx,
        under_step: bool,
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        // A list of things ("Data nodes", crate names in order) rather
        // than of actions.
        // Task lists (the usual case) need neither reading.
        let plain = role == Role::Plain && items.iter().any(|i| i.task.is_none());
        let labels: Vec<String> = if plain {
            items
                .iter()
                .map(|i| match i.blocks.first() {
                    Some(Block::Paragraph { content, .. }) => Inline::plain_text(content),
                    _ => String::new(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let imperatives: Vec<bool> = items
            .iter()
            .zip(&labels)
            .map(|(i, label)| i.task.is_none() && recognise::is_imperative(label))
            .collect();
        let things = plain
            && items
                .iter()
                .zip(&labels)
                .zip(&imperatives)
                .all(|((i, label), &imp)| {
                    i.task.is_none() && !imp && label.split_whitespace().count() <= 6
                });
        // In a bulleted list, the items are instructions when at least
        // half of them read as such; otherwise the list describes
        // (a changelog where "Empty partitions support" is a noun).
        let instructions =
            ordered || !plain || imperatives.iter().filter(|&&i| i).count() * 2 >= items.len();
        for (index, item) in items.iter().enumerate() {
            let (label, rest): (&[Inline], &[Block]) = match item.blocks.split_first() {
                Some((Block::Paragraph { content, .. }, rest)) => (content, rest),
                _ => (&[], &item.blocks),
            };
            let text = clean(&Inline::plain_text(label));
            let line = item.line;

            // `- **Solution:** …` under an issue: a way out, and a step to
            // take when it happens.
            if ctx.trouble.is_some() && item.task.is_none() {
                if let Some((key, value)) = key_value(label) {
                    let key = key.to_lowercase();
                    if let Some(solution) = solution_text(&key, &value) {
                        if let Some(i) = ctx.trouble {
                            self.troubles[i].solutions.push(solution);
                        }
                        let doable = !matches!(key.as_str(), "location" | "see");
                        if doable && !ctx.aside && !ctx.summary {
                            steps.push(self.action_step(text, line, rest, ctx));
                        } else {
                            steps.extend(self.nested(rest, role, ctx));
                        }
                        continue;
                    }
                    if matches!(key.as_str(), "commands" | "command") && value.is_empty() {
                        // `- **Commands:**` over a block: the step reads as
                        // its first command.
                        let first = rest.iter().find_map(|b| match b {
                            Block::Code { text, .. } => text
                                .lines()
                                .map(str::trim)
                                .find(|l| !l.is_empty() && !l.starts_with('#')),
                            _ => None,
                        });
                        let text = first.map_or(text, |c| format!("Run: {}", truncate(c, 100)));
                        steps.push(self.action_step(text, line, rest, ctx));
                        continue;
                    }
                }
            }
            if ctx.troubleshooting && text.to_lowercase().contains("immediate rollback") {
                self.immediate_rollback(ctx, line);
            }

            if let Some(index) = item.task {
                self.placed[index] = true;
                let task = &self.tasks[index];
                let mut step = Step {
                    id: task.id.clone(),
                    text: task.text.clone(),
                    kind: StepKind::Task,
                    checked: task.checked,
                    code: None,
                    lang: None,
                    estimate_s: duration::wait(&task.text),
                    line,
                    substeps: Vec::new(),
                    task: Some(index),
                };
                match role {
                    Role::Gates(source) => {
                        self.gate(&text, line, source, Some(step.id.clone()), None, ctx)
                    }
                    Role::Triggers(action) => {
                        self.trigger(&text, line, action, Some(step.id.clone()))
                    }
                    _ => {}
                }
                for block in rest {
                    match block {
                        Block::Code { lang, text, line } if step.code.is_none() => {
                            step.code = Some(text.clone());
                            step.lang = lang.clone();
                            if step.line == 0 {
                                step.line = *line;
                            }
                        }
                        other => {
                            let sub = self.nested(std::slice::from_ref(other), role, ctx);
                            step.substeps.extend(sub);
                        }
                    }
                }
                steps.push(step);
                continue;
            }

            // `- **Error rate > 1%**: Immediate rollback` is a trigger and
            // `- **Availability**: > 99.9%` a criterion, whatever the label.
            if item.task.is_none() && matches!(role, Role::Plain | Role::Actions) {
                if let Some((key, value)) = key_value(label) {
                    let v = value.to_lowercase();
                    let key_threshold = threshold::parse(&key).is_some_and(|t| t.value.is_some());
                    if key_threshold && contains_any(&v, &["rollback", "roll back"]) {
                        let action = if contains_any(&v, &["immediate", "rollback", "roll back"])
                            && !contains_any(&v, &["or ", "if needed", "consider"])
                        {
                            TriggerAction::Rollback
                        } else {
                            TriggerAction::Pause
                        };
                        self.trigger(&text, line, action, None);
                        steps.extend(self.nested(rest, role, ctx));
                        continue;
                    }
                    if value.trim_start().starts_with(['<', '>', '≤', '≥', '=']) {
                        self.gate(&text, line, GateSource::Metrics, None, None, ctx);
                        steps.extend(self.nested(rest, role, ctx));
                        continue;
                    }
                }
            }

            // 1. **Error Rate** / - Target: < 1% / - Warning: > 2% …
            if let Some(children) = level_children(rest) {
                for (child, child_line) in children {
                    let (_, value) = strip_level(&child);
                    if !not_applicable(value) {
                        self.gate(
                            &child,
                            child_line,
                            GateSource::Metrics,
                            None,
                            Some(&text),
                            ctx,
                        );
                    }
                }
                continue;
            }

            match role {
                Role::Gates(source) => {
                    if !text.is_empty() {
                        self.gate(&text, line, source, None, None, ctx);
                    }
                    steps.extend(self.nested(rest, role, ctx));
                }
                Role::Triggers(action) => {
                    if !text.is_empty() {
                        self.trigger(&text, line, action, None);
                    }
                    steps.extend(self.nested(rest, role, ctx));
                }
                Role::Solutions => {
                    if let Some(i) = ctx.trouble {
                        if !text.is_empty() {
                            self.troubles[i].solutions.push(text.clone());
                        }
                    }
                    if !text.is_empty() && !has_tasks(rest) && !ctx.aside && !ctx.summary {
                        steps.push(self.action_step(text, line, rest, ctx));
                    } else {
                        steps.extend(self.nested(rest, role, ctx));
                    }
                }
                Role::Actions | Role::Plain => {
                    let wait = duration::wait(&text);
                    let imperative = match imperatives.get(index) {
                        Some(&known) => known,
                        None => recognise::is_imperative(&text),
                    };
                    let definition = is_definition(label);
                    // "If you are not an SME, try to…" under a step
                    // qualifies that step.
                    let advice = under_step && {
                        let l = text.to_lowercase();
                        l.starts_with("if you") || l.starts_with("when you")
                    };
                    let listed = if role == Role::Actions {
                        true
                    } else if definition || advice || ctx.options || !instructions {
                        false
                    } else if ordered && ctx.kind != PhaseKind::Reference {
                        // Numbered items are steps unless they state a
                        // fact or list things.
                        imperative || !(things || recognise::is_statement(&text))
                    } else {
                        imperative
                    };
                    let is_step = (listed
                        || (wait.is_some()
                            && !definition
                            && !advice
                            && !recognise::is_statement(&text)))
                        && !text.is_empty()
                        && !has_tasks(rest)
                        && !ctx.aside
                        && !ctx.summary;
                    if !is_step {
                        // A group label ("1. **Database Connectivity**"):
                        // what it holds counts at this level.
                        steps.extend(self.nested(rest, Role::Plain, ctx));
                        continue;
                    }
                    steps.push(self.action_step_with(text, wait, line, rest, ctx));
                }
            }
        }
        steps
    }

    /// A step read from text (an item, a heading, a paragraph): a wait when
    /// the text gives one, an action otherwise, its id from the text.
    fn text_step(&mut self, text: String, line: usize, wait: Option<duration::Range>) -> Step {
        let (prefix, kind) = match wait {
            Some(_) => ('w', StepKind::Wait),
            None => ('a', StepKind::Action),
        };
        Step {
            id: self.hashed_id(prefix, &text),
            text,
            kind,
            checked: false,
            code: None,
            lang: None,
            estimate_s: wait,
            line,
            substeps: Vec::new(),
            task: None,
        }
    }

    /// A list item that is a step: its code blocks belong to it (the
    /// first command is the one to copy; the others are its output or
    /// alternatives), and its own lists are read as its sub-steps.
    fn action_step(&mut self, text: String, line: usize, rest: &[Block], ctx: &mut Ctx) -> Step {
        let wait = duration::wait(&text);
        self.action_step_with(text, wait, line, rest, ctx)
    }

    fn action_step_with(
        &mut self,
        text: String,
        wait: Option<duration::Range>,
        line: usize,
        rest: &[Block],
        ctx: &mut Ctx,
    ) -> Step {
        let mut step = self.text_step(text, line, wait);
        let command = rest.iter().find_map(|b| match b {
            Block::Code { lang, text, .. }
                if recognise::code_kind(lang.as_deref(), text) == CodeKind::Command =>
            {
                Some((lang, text))
            }
            _ => None,
        });
        let first = rest.iter().find_map(|b| match b {
            Block::Code { lang, text, .. } => Some((lang, text)),
            _ => None,
        });
        if let Some((lang, code)) = command.or(first) {
            step.code = Some(code.clone());
            step.lang = lang.clone();
        }
        for block in rest {
            match block {
                Block::Code { .. } => {}
                Block::List { items, start } => {
                    let sub = self.items_under(items, start.is_some(), Role::Plain, ctx, true);
                    step.substeps.extend(sub);
                }
                other => {
                    let sub = self.nested(std::slice::from_ref(other), Role::Plain, ctx);
                    step.substeps.extend(sub);
                }
            }
        }
        step
    }

    /// Steps found in blocks nested inside a list item.
    fn nested(&mut self, blocks: &[Block], role: Role, ctx: &mut Ctx) -> Vec<Step> {
        let mut steps = Vec::new();
        for block in blocks {
            match block {
                Block::List { start, items } => {
                    steps.extend(self.items(items, start.is_some(), role, ctx));
                }
                Block::Code { lang, text, line }
                    if !ctx.aside
                        && !ctx.summary
                        && recognise::code_kind(lang.as_deref(), text) == CodeKind::Command =>
                {
                    steps.push(self.command(lang.clone(), text, *line));
                }
                Block::Quote(inner) => steps.extend(self.nested(inner, role, ctx)),
                Block::Paragraph { content, line } => {
                    // A paragraph inside an item may label the list after it.
                    for l in lines(content) {
                        if let Some((key, value)) = key_value(l) {
                            if value.is_empty() {
                                ctx.label = Some(role_of(&key, ctx.troubleshooting));
                            } else {
                                self.meta(key, value, *line, ctx);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        steps
    }

    fn command(&mut self, lang: Option<String>, code: &str, line: usize) -> Step {
        // Code is case-sensitive and long: its id hashes it as written.
        let id = self.occurrence_id('c', fnv1a(code.trim()));
        let mut substeps: Vec<Step> = Vec::new();
        let mut first_comment: Option<String> = None;
        let mut first_command: Option<String> = None;
        for (offset, l) in code.lines().enumerate() {
            let here = line + 1 + offset;
            if let Some(comment) = comment_text(l) {
                if comment.is_empty() {
                    continue;
                }
                if first_comment.is_none() {
                    first_comment = Some(comment.to_owned());
                }
                if let Some(title) = step_marker(comment) {
                    substeps.push(Step {
                        id: format!("{id}.{}", substeps.len() + 1),
                        text: title,
                        kind: StepKind::Command,
                        checked: false,
                        code: Some(String::new()),
                        lang: lang.clone(),
                        estimate_s: None,
                        line: here,
                        substeps: Vec::new(),
                        task: None,
                    });
                    continue;
                }
                if let Some(range) = duration::wait(comment) {
                    substeps.push(Step {
                        id: format!("{id}.{}", substeps.len() + 1),
                        text: comment.to_owned(),
                        kind: StepKind::Wait,
                        checked: false,
                        code: None,
                        lang: None,
                        estimate_s: Some(range),
                        line: here,
                        substeps: Vec::new(),
                        task: None,
                    });
                    continue;
                }
            } else if !l.trim().is_empty() && first_command.is_none() {
                first_command = Some(l.trim().to_owned());
            }
            // Code lines (and plain comments) belong to the open sub-step.
            if let Some(open) = substeps.last_mut().filter(|s| s.kind == StepKind::Command) {
                if let Some(c) = open.code.as_mut() {
                    c.push_str(l);
                    c.push('\n');
                }
            }
        }
        for s in &mut substeps {
            if let Some(c) = &s.code {
                let trimmed = c.trim_matches('\n');
                s.code = Some(if trimmed.is_empty() {
                    String::new()
                } else {
                    format!("{trimmed}\n")
                });
            }
        }
        let text = substeps
            .iter()
            .find(|s| s.kind == StepKind::Command)
            .map(|s| s.text.clone())
            .or(first_comment)
            .or(first_command)
            .unwrap_or_else(|| "Run the commands".to_owned());
        Step {
            id,
            text: truncate(&text, 120),
            kind: StepKind::Command,
            checked: false,
            code: Some(code.to_owned()),
            lang,
            estimate_s: None,
            line,
            substeps,
            task: None,
        }
    }

    fn gate(
        &mut self,
        text: &str,
        line: usize,
        source: GateSource,
        step: Option<String>,
        metric: Option<&str>,
        ctx: &mut Ctx,
    ) {
        let (level, body) = strip_level(text);
        // `Target: 0 cross-contamination`: a level with a bare number means
        // exactly that number.
        let parsed = threshold::parse(body).or_else(|| {
            level?;
            let end = body
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(body.len());
            let value: f64 = body[..end].parse().ok()?;
            Some(threshold::Threshold {
                metric: None,
                op: threshold::Op::Eq,
                value: Some(value),
                unit: None,
                reference: None,
                baseline: None,
            })
        });
        let full_text = match metric {
            Some(m) => format!("{m} — {text}"),
            None => text.to_owned(),
        };
        let id = self.hashed_id('g', &full_text);
        let (metric_parsed, op, value, unit, reference, baseline) = match parsed {
            Some(t) => (
                t.metric,
                Some(t.op),
                t.value,
                t.unit,
                t.reference,
                t.baseline,
            ),
            None => (None, None, None, None, None, None),
        };
        ctx.gates.push(Gate {
            id,
            text: full_text,
            metric: metric_parsed
                .or_else(|| metric.map(|m| clean(m).trim_end_matches(':').to_owned())),
            op,
            value,
            unit,
            level,
            reference,
            baseline,
            source,
            step,
            after_s: ctx.lead_s,
            line,
        });
    }

    fn trigger(&mut self, text: &str, line: usize, action: TriggerAction, step: Option<String>) {
        let parsed = threshold::parse(text);
        let id = self.hashed_id('r', text);
        self.triggers.push(Trigger {
            id,
            text: text.to_owned(),
            action,
            metric: parsed.as_ref().and_then(|t| t.metric.clone()),
            op: parsed.as_ref().map(|t| t.op),
            value: parsed.as_ref().and_then(|t| t.value),
            unit: parsed.and_then(|t| t.unit),
            step,
            line,
        });
    }

    fn table(&mut self, head: &[Vec<Inline>], rows: &[Vec<Vec<Inline>>], ctx: &mut Ctx) {
        let head: Vec<String> = head
            .iter()
            .map(|c| Inline::plain_text(c).trim().to_lowercase())
            .collect();
        let levels: Vec<(usize, Level)> = head
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let level = match h.as_str() {
                    h if h.starts_with("target") || h == "goal" || h == "ok" => Level::Target,
                    h if h.starts_with("warn") => Level::Warning,
                    h if h.starts_with("crit") || h == "rollback" => Level::Critical,
                    _ => return None,
                };
                Some((i, level))
            })
            .collect();
        if levels.is_empty() || head.len() < 2 {
            return;
        }
        for row in rows {
            let Some(metric) = row.first().map(|c| clean(&Inline::plain_text(c))) else {
                continue;
            };
            for &(col, level) in &levels {
                let Some(cell) = row
                    .get(col)
                    .map(|c| Inline::plain_text(c).trim().to_owned())
                else {
                    continue;
                };
                if not_applicable(&cell) {
                    continue;
                }
                let word = match level {
                    Level::Target => "Target",
                    Level::Warning => "Warning",
                    Level::Critical => "Critical",
                };
                let text = format!("{word}: {cell}");
                self.gate(&text, 0, GateSource::Metrics, None, Some(&metric), ctx);
            }
        }
    }

    /// Task items the section walk did not reach (deeply nested, or in
    /// unusual containers) still become steps, in the phase holding them.
    fn place_missing_tasks(&mut self, phases: &mut Vec<Phase>) {
        let missing: Vec<usize> = (0..self.tasks.len()).filter(|&i| !self.placed[i]).collect();
        if missing.is_empty() {
            return;
        }
        if phases.is_empty() {
            let id = self.phase_id("Tasks");
            phases.push(Phase {
                id,
                title: "Tasks".to_owned(),
                kind: PhaseKind::Section,
                level: 1,
                optional: false,
                alternative_group: None,
                estimate_s: None,
                line: 1,
                sections: Vec::new(),
                steps: Vec::new(),
                gates: Vec::new(),
                blocks: Vec::new(),
                heading: Vec::new(),
            });
        }
        for index in missing {
            let task = &self.tasks[index];
            let step = Step {
                id: task.id.clone(),
                text: task.text.clone(),
                kind: StepKind::Task,
                checked: task.checked,
                code: None,
                lang: None,
                estimate_s: None,
                line: task.line,
                substeps: Vec::new(),
                task: Some(index),
            };
            self.placed[index] = true;
            deepest_phase_at(phases, task.line).steps.push(step);
        }
    }

    /// Reads the text line by line once for what the document tree does
    /// not show: unclosed fences, shortcodes, very long lines and secrets.
    /// Returns the lines holding a secret, with what it seems to be.
    fn diagnose_text(
        &mut self,
        text: &str,
        lines: &LineIndex,
        original: &str,
        phases: &[Phase],
    ) -> Vec<(usize, &'static str)> {
        let mut fence: Option<(char, usize, usize)> = None;
        let mut secrets = Vec::new();
        for (i, line) in lines.lines(text).enumerate() {
            let n = i + 1;
            if let Some(secret) = secrets::scan_line(line).first() {
                secrets.push((n, secret.kind));
            }
            let t = line.trim_start();
            let marker = t.chars().next().filter(|c| *c == '`' || *c == '~');
            if let Some(c) = marker {
                let len = t.chars().take_while(|x| *x == c).count();
                if len >= 3 {
                    match fence {
                        None => fence = Some((c, len, n)),
                        Some((fc, flen, _))
                            if fc == c && len >= flen && t[len..].trim().is_empty() =>
                        {
                            fence = None
                        }
                        _ => {}
                    }
                }
            }
            if fence.is_none()
                && t.contains('{')
                && (t.contains("{{<") || t.contains("{{%") || t.contains("{% "))
            {
                self.diagnostics.push(Diagnostic {
                    line: n,
                    severity: Severity::Info,
                    message: "static-site shortcode shown as plain text".to_owned(),
                });
            }
            if line.len() > 10_000 {
                self.diagnostics.push(Diagnostic {
                    line: n,
                    severity: Severity::Info,
                    message: format!("very long line ({} characters)", line.len()),
                });
            }
        }
        if let Some((_, _, open)) = fence {
            self.diagnostics.push(Diagnostic {
                line: open,
                severity: Severity::Warning,
                message:
                    "code block opened here is never closed: everything after it is shown as code"
                        .to_owned(),
            });
        }
        for &(line, kind) in &secrets {
            self.diagnostics.push(Diagnostic {
                line,
                severity: Severity::Warning,
                message: format!(
                    "this line seems to contain a {kind}; guides are shared, so use a placeholder such as $TOKEN"
                ),
            });
        }
        if !any_steps(phases) {
            self.diagnostics.push(Diagnostic {
                line: 1,
                severity: Severity::Error,
                message:
                    "no steps found: the guide has no task lists, numbered steps or shell commands"
                        .to_owned(),
            });
        }
        if text.contains('\u{FFFD}') && !original.contains('\u{FFFD}') {
            // Already reported with the repair.
        } else if original.contains('\u{FFFD}') {
            let line = original
                .lines()
                .position(|l| l.contains('\u{FFFD}'))
                .map_or(1, |i| i + 1);
            self.diagnostics.push(Diagnostic {
                line,
                severity: Severity::Info,
                message: "the text contains replacement characters (\u{FFFD}): some characters were lost before Preflight read it".to_owned(),
            });
        }
        secrets
    }
}

/// Whether a later paragraph refers back to the file just shown ("Save
/// the above resource as podinfo.yaml and then apply it:").
fn applied_later(after: &[Block]) -> bool {
    for block in after {
        match block {
            Block::Paragraph { content, .. } => {
                let t = Inline::plain_text(content);
                let l = t.to_lowercase();
                if recognise::is_imperative(&t)
                    && contains_any(&l, &["above", "this file", "the file", "this manifest"])
                {
                    return true;
                }
            }
            Block::Code { .. } | Block::Heading { .. } => return false,
            _ => {}
        }
    }
    false
}

fn any_steps(phases: &[Phase]) -> bool {
    phases
        .iter()
        .any(|p| !p.steps.is_empty() || any_steps(&p.sections))
}

/// Steps or criteria anywhere in these phases.
fn any_content(phases: &[Phase]) -> bool {
    phases
        .iter()
        .any(|p| !p.steps.is_empty() || !p.gates.is_empty() || any_content(&p.sections))
}

fn solution_text(key: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match key {
        "solution" | "solutions" | "fix" | "workaround" | "resolution" | "action" | "actions" => {
            Some(v.to_owned())
        }
        "command" | "commands" => Some(format!("Run: {v}")),
        "location" | "see" => Some(format!("See: {v}")),
        _ => None,
    }
}

/// `**Term**: what it is`, `` `option: true` - what it does ``: an item
/// that defines or describes, one of a list of options or examples.
fn is_definition(label: &[Inline]) -> bool {
    match label.first() {
        Some(Inline::Strong(term)) => {
            let term = Inline::plain_text(term);
            let rest = Inline::plain_text(&label[1..]);
            let rest = rest.trim_start();
            term.trim_end().ends_with(':')
                || rest.starts_with(':')
                || rest.starts_with("- ")
                || rest.starts_with("– ")
                || rest.starts_with("— ")
        }
        Some(Inline::Code(_)) => {
            let rest = Inline::plain_text(&label[1..]);
            let rest = rest.trim_start();
            rest.starts_with("- ")
                || rest.starts_with("– ")
                || rest.starts_with("— ")
                || rest.starts_with(':')
        }
        _ => false,
    }
}

/// Whether blocks (of a list item) hold task items anywhere.
fn has_tasks(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| match b {
        Block::List { items, .. } => items
            .iter()
            .any(|i| i.task.is_some() || has_tasks(&i.blocks)),
        Block::Quote(inner) => has_tasks(inner),
        Block::Paragraph { content, .. } => {
            content.iter().any(|i| matches!(i, Inline::FlatTask(_)))
        }
        _ => false,
    })
}

/// `- Target: < 1%`, `- Warning: > 2%` children of a metric item.
fn level_children(blocks: &[Block]) -> Option<Vec<(String, usize)>> {
    let Some(Block::List { items, .. }) = blocks.first() else {
        return None;
    };
    let children: Vec<(String, usize)> = items
        .iter()
        .filter(|i| i.task.is_none())
        .map(|i| {
            let text = match i.blocks.first() {
                Some(Block::Paragraph { content, .. }) => Inline::plain_text(content),
                _ => String::new(),
            };
            (text.trim().to_owned(), i.line)
        })
        .collect();
    let any_level = children.iter().any(|(t, _)| strip_level(t).0.is_some());
    let all_level = children.iter().all(|(t, _)| strip_level(t).0.is_some());
    (any_level && all_level).then_some(children)
}

/// Gives sibling "Option 1 …", "Option 2 …" sections one alternative group.
fn mark_alternatives(sections: &mut [Phase], parent_id: &str) {
    let is_option = |title: &str| {
        let t = title.trim().to_lowercase();
        ["option ", "alternative ", "approach ", "method "]
            .iter()
            .any(|p| {
                t.strip_prefix(p).is_some_and(|rest| {
                    rest.chars().next().is_some_and(|c| {
                        c.is_ascii_digit() || c.is_ascii_uppercase() || c.is_ascii_alphabetic()
                    }) && rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .count()
                        <= 2
                })
            })
    };
    let options: Vec<usize> = sections
        .iter()
        .enumerate()
        .filter(|(_, s)| is_option(&s.title))
        .map(|(i, _)| i)
        .collect();
    if options.len() >= 2 {
        let group = format!("{parent_id}/options");
        for i in options {
            sections[i].alternative_group = Some(group.clone());
        }
    }
}

/// The innermost phase holding `line`. Phases are in document order, so a
/// binary search finds each level: placing many tasks stays n log n.
fn deepest_phase_at(phases: &mut [Phase], line: usize) -> &mut Phase {
    let index = phases.partition_point(|p| p.line <= line).saturating_sub(1);
    let phase = &mut phases[index];
    if phase.sections.first().is_some_and(|s| s.line <= line) {
        deepest_phase_at(&mut phase.sections, line)
    } else {
        phase
    }
}
