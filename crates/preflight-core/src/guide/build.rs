//! Builds a [`Guide`] from guide text: repair, parse, split into sections
//! by heading, then read each section's blocks in order, with a small
//! amount of context (the section's kind, the label of the list at hand).
//!
//! The parts: [`sections`] (the section tree and each section's phase),
//! [`read`] (a section's blocks in order), [`items`] (list items and the
//! steps in them), [`criteria`] (gates, triggers, threshold tables),
//! [`command`] (code blocks as command steps), [`place`] (alternatives,
//! task items the walk did not reach), [`diagnose`] (text-level
//! diagnostics) and [`recognise`] (the small readers the rules use).

use super::*;
use crate::doc::{self, Document, LineIndex, ListItem, Severity};
use crate::text::{
    contains_any, duration, fnv1a, id_key, mojibake, normalised_hash, push_slug, secrets,
    threshold, truncate, Words,
};
use std::collections::HashMap;

mod command;
mod criteria;
mod diagnose;
mod items;
mod place;
mod read;
mod recognise;
mod sections;

use place::mark_alternatives;
use sections::{partition, Inherit};

/// What the items of a list are, from its label or its section's title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    Gates(GateSource),
    Triggers(TriggerAction),
    Actions,
    Solutions,
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
    // The model never holds a secret: it is built from the masked text
    // (same lines), and the secrets found are reported from this pass.
    let secrets::Masked {
        text: masked,
        findings: secrets,
    } = secrets::mask_text(input);
    let input: &str = &masked;
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
    for (key, value, line) in read::front_matter(text) {
        b.meta(key, value, line, &mut pre);
    }
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
            follow_up_s: None,
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
        post_deployment: false,
    };
    let mut built: Vec<Phase> = raws.into_iter().map(|r| b.phase(r, inherit)).collect();
    mark_alternatives(&mut built, "guide");
    phases.extend(built);

    b.place_missing_tasks(&mut phases);
    b.diagnose_text(text, &lines, input, &phases, &secrets);

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
    guide.secret_lines = secrets.iter().map(|f| f.line).collect();
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

impl Builder<'_> {
    pub(super) fn hashed_id(&mut self, prefix: char, text: &str) -> String {
        self.occurrence_id(prefix, normalised_hash(text))
    }

    /// `prefix` + 10 hex digits of `hash` + `-N`, N counting earlier ids
    /// with the same beginning.
    pub(super) fn occurrence_id(&mut self, prefix: char, hash: u64) -> String {
        let key = id_key(prefix as u8, hash, 10);
        let seen = self.ids.entry(key).or_insert(0);
        let id = doc::occurrence_id(prefix, hash, 10, *seen);
        *seen += 1;
        id
    }

    /// `p-` + slug of the title, then `-2`, `-3`… for repeats.
    pub(super) fn phase_id(&mut self, title: &str) -> String {
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
}
