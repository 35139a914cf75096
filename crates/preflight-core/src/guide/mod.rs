//! The guide model: what a deployment guide means, not just how it looks.
//!
//! [`Guide::parse`] turns guide text into phases (from headings), steps
//! (task items, numbered actions, commands, waits), gates (success
//! criteria with thresholds), rollback triggers and steps, troubleshooting
//! pairs and metadata, with diagnostics for whatever looks wrong. It never
//! fails. The JSON form (`preflight inspect --json`) is documented in
//! `docs/guide-schema.md`.
//!
//! # Grammar, informally
//! * The single level-1 heading is the title; with several, each is a
//!   phase. Below the title, every heading opens a phase or a nested
//!   section; content before the first one is the preamble.
//! * `**Key:** value` lines are metadata. `**Label:**` alone on a line
//!   (or a sentence ending in `:`) labels the lists that follow it:
//!   success criteria, verification, performance criteria and metrics
//!   make gates; "when to rollback", "rollback immediately if" and pause
//!   criteria make triggers; actions, steps and solutions make steps.
//! * Task items are steps of kind `task`; items of ordered lists are
//!   `action` steps (or `wait` when they say "monitor for 1 hour");
//!   shell and SQL code blocks are `command` steps, split into sub-steps
//!   at `# Step N:` / `# N.` comments. A code block inside a list item is
//!   that item's command.
//! * Sibling sections named "Option 1 …", "Option 2 …" are alternatives
//!   (one `alternative_group`); "(Optional)" sections are optional.
//! * Sections about rollback, troubleshooting, verification, monitoring,
//!   preparation and post-deployment get that `kind`. Sub-sections of a
//!   post-deployment section are post-deployment too, unless their own
//!   title says rollback, troubleshooting or reference.
//! * A follow-up is a section in a post-deployment context (or whose
//!   title says "after") whose title names a horizon of at least 12 hours:
//!   "Day 1", "Week 2-4", "Month 1", "First 24 Hours", "Next day", "48h
//!   after". It is due that long after the deployment ends
//!   ([`Phase::follow_up_s`]); the span in its title is no estimate.
//! * The guide's estimate ([`Guide::estimate_s`]) is read from metadata
//!   before the steps: `**Duration:** 45 minutes`, a line such as
//!   "Deployment time: 5 minutes." or "Expected duration: ~1 hour", or
//!   front matter `duration: 30m`.
//!
//! # Stable ids
//! Phases: `p-` + slug of the title (`-2`, `-3` for repeats). Task steps:
//! the document's task id (see [`crate::Task::id`]). Other steps, gates
//! and triggers: a letter (`a` action, `c` command, `w` wait, `g` gate,
//! `r` trigger) + 10 hex digits of the FNV-1a hash of the normalised text +
//! `-` + occurrence. Sub-steps of a command: the command's id + `.N`.
//! Ids depend on text, not position, so progress survives small edits.

mod build;
pub mod decide;
mod outline;
mod overrides;
pub mod params;
pub mod roles;
#[cfg(test)]
mod tests;

use crate::doc::{Block, Diagnostic, Inline, Task};
use crate::text::duration::Range;
use crate::text::mojibake::Misdecoding;
use crate::text::threshold::Op;
use serde::Serialize;

pub use overrides::{candidates, Candidate, StepOverrides};

/// The JSON schema version of [`Guide`].
pub const GUIDE_SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guide {
    pub schema: u32,
    pub title: String,
    /// The mis-decoding that was repaired, if the text showed mojibake.
    pub encoding_repair: Option<Misdecoding>,
    pub metadata: Vec<Meta>,
    /// The whole deployment's estimate, from metadata before the steps.
    pub estimate_s: Option<Range>,
    pub downtime_s: Option<Range>,
    pub phases: Vec<Phase>,
    pub rollback: Rollback,
    pub troubleshooting: Vec<Trouble>,
    pub counts: Counts,
    pub diagnostics: Vec<Diagnostic>,
    /// Blocks before the first phase heading (after the title).
    #[serde(skip)]
    pub preamble: Vec<Block>,
    /// The document's task list items, indexed by [`Step::task`].
    #[serde(skip)]
    pub tasks: Vec<Task>,
    /// Lines holding something that looks like a credential.
    #[serde(skip)]
    pub secret_lines: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meta {
    pub key: String,
    pub value: String,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    Preparation,
    Deployment,
    Verification,
    Monitoring,
    Rollback,
    Troubleshooting,
    PostDeployment,
    Reference,
    Section,
}

impl PhaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseKind::Preparation => "preparation",
            PhaseKind::Deployment => "deployment",
            PhaseKind::Verification => "verification",
            PhaseKind::Monitoring => "monitoring",
            PhaseKind::Rollback => "rollback",
            PhaseKind::Troubleshooting => "troubleshooting",
            PhaseKind::PostDeployment => "post_deployment",
            PhaseKind::Reference => "reference",
            PhaseKind::Section => "section",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    pub id: String,
    pub title: String,
    pub kind: PhaseKind,
    /// Heading level (1–6).
    pub level: u8,
    pub optional: bool,
    /// Shared by sibling sections that are alternatives ("Option 1/2").
    pub alternative_group: Option<String>,
    pub estimate_s: Option<Range>,
    /// A follow-up: work due this long after the deployment ends ("Day
    /// 1", "Week 2-4 After Full Rollout", "First 24 Hours" in a
    /// post-deployment context), not part of the deploy window. Sections
    /// inside it belong to it too ([`crate::run::PlanPhase::follow_up_s`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_s: Option<u64>,
    pub line: usize,
    pub sections: Vec<Phase>,
    pub steps: Vec<Step>,
    pub gates: Vec<Gate>,
    /// The section's own content, in order (sub-sections excluded).
    #[serde(skip)]
    pub blocks: Vec<Block>,
    #[serde(skip)]
    pub heading: Vec<Inline>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Task,
    Action,
    Command,
    Wait,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Task => "task",
            StepKind::Action => "action",
            StepKind::Command => "command",
            StepKind::Wait => "wait",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub id: String,
    pub text: String,
    pub kind: StepKind,
    /// Checked in the guide itself (`- [x]`).
    pub checked: bool,
    pub code: Option<String>,
    /// Language of `code` (`bash`, `sql`…).
    pub lang: Option<String>,
    pub estimate_s: Option<Range>,
    pub line: usize,
    pub substeps: Vec<Step>,
    /// Index into [`Guide::tasks`] for task steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Target,
    Warning,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateSource {
    SuccessCriteria,
    Verification,
    PerformanceCriteria,
    Metrics,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    pub id: String,
    pub text: String,
    pub metric: Option<String>,
    pub op: Option<Op>,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub level: Option<Level>,
    /// What the metric is compared with when that is not a number.
    pub reference: Option<String>,
    /// A previous value the guide mentions: `(was 5-10%)`.
    pub baseline: Option<String>,
    pub source: GateSource,
    /// The task step that states this criterion, when it is a task item.
    pub step: Option<String>,
    /// Due this long after its phase began, from the lead-in it sits under
    /// (`✅ **After 24 hours:**`); a criterion's own "1 hour: …" is read
    /// from its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_s: Option<u64>,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerAction {
    Rollback,
    Pause,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trigger {
    pub id: String,
    pub text: String,
    pub action: TriggerAction,
    pub metric: Option<String>,
    pub op: Option<Op>,
    pub value: Option<f64>,
    pub unit: Option<String>,
    /// The task step that states this trigger, when it is a task item.
    pub step: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Rollback {
    pub triggers: Vec<Trigger>,
    /// Ids of the rollback phases and sections.
    pub phases: Vec<String>,
    /// Ids of the steps to run when rolling back, in order.
    pub steps: Vec<String>,
    pub estimate_s: Option<Range>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trouble {
    pub symptom: String,
    pub solutions: Vec<String>,
    /// The guide says to roll back at once for this symptom.
    pub immediate_rollback: bool,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Counts {
    pub phases: usize,
    pub steps: usize,
    pub tasks: usize,
    pub gates: usize,
    pub triggers: usize,
}

impl Guide {
    /// Builds the model of a guide. Never panics, never fails.
    pub fn parse(text: &str) -> Guide {
        let mut guide = build::build(text);
        // A `decision` block that does not read is reported with the rest.
        let tree = decide::diagnostics(&guide);
        if !tree.is_empty() {
            guide.diagnostics.extend(tree);
            guide.diagnostics.sort_by_key(|d| d.line);
        }
        guide
    }

    /// Every phase and nested section, depth first.
    pub fn all_phases(&self) -> Vec<&Phase> {
        fn walk<'a>(phases: &'a [Phase], out: &mut Vec<&'a Phase>) {
            for p in phases {
                out.push(p);
                walk(&p.sections, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.phases, &mut out);
        out
    }

    /// Every step, sub-steps included, depth first.
    pub fn all_steps(&self) -> Vec<&Step> {
        fn walk<'a>(steps: &'a [Step], out: &mut Vec<&'a Step>) {
            for s in steps {
                out.push(s);
                walk(&s.substeps, out);
            }
        }
        let mut out = Vec::new();
        for p in self.all_phases() {
            walk(&p.steps, &mut out);
        }
        out
    }

    pub fn all_gates(&self) -> Vec<&Gate> {
        self.all_phases()
            .into_iter()
            .flat_map(|p| p.gates.iter())
            .collect()
    }

    /// The outline printed by `preflight inspect`: phases with their steps
    /// and criteria, one a line.
    pub fn outline(&self) -> String {
        outline::outline(self)
    }

    /// The JSON form printed by `preflight inspect --json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
