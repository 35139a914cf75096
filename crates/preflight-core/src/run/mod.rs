//! A run: one team's pass through a guide during a deploy window.
//!
//! A [`Run`] is an append-only event log (who did what, when) plus what was
//! decided when it started. Everything shown during a run — step states,
//! the current step, progress, timers, the summary — is derived from that
//! log and a clock reading passed in, so it is right after a reload or
//! after a laptop wakes from sleep. Nothing here reads a clock itself.
//!
//! Time is milliseconds since the Unix epoch (`i64`), as browsers give it.

pub mod apply;
pub mod assign;
pub mod audit;
pub mod chain;
pub mod decide;
pub mod diff;
pub mod forecast;
mod gate;
mod plan;
pub mod store;
#[cfg(test)]
mod tests;

pub use decide::{Answer, Decision};
pub use gate::{
    parse_observed, phase_gates, trim_number, with_unit, PlanGate, ValueError, Verdict,
};
pub use plan::{AltGroup, Plan, PlanPhase, PlanStep};

use crate::guide::{Guide, StepOverrides};
use crate::text::duration::Range;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// The schema version of a stored [`Run`].
///
/// 1: events without ids, the whole run in one record.
/// 2: every event has an id; events are stored one per key and merged.
pub const RUN_SCHEMA: u32 = 2;

/// Share of the deploy window after which the window timer warns.
pub const WINDOW_WARN_AT: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub schema: u32,
    /// A UUID (version 4).
    pub id: String,
    pub guide_title: String,
    /// [`crate::guide_hash`] of the guide text the run follows.
    pub guide_hash: String,
    /// Who started the run.
    pub operator: String,
    /// Alternative group → chosen phase id.
    pub choices: BTreeMap<String, String>,
    pub started_ms: i64,
    /// The planned deploy window.
    pub window: Window,
    /// An "approved" sign-off by a second person is needed to complete.
    #[serde(default)]
    pub four_eyes: bool,
    /// In order of time, then id ([`Run::merge`] keeps it so).
    pub events: Vec<Event>,
    /// Who writes new events here (one per browser tab), so that ids made
    /// in two tabs at once never collide. Not stored.
    #[serde(skip)]
    pub writer: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique within the run: `<time in hex>-<writer>-<n>`.
    #[serde(default)]
    pub id: String,
    pub at_ms: i64,
    pub by: String,
    #[serde(flatten)]
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// A step done. `overridden` holds the reason when a wait was cut short.
    Check {
        step: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overridden: Option<String>,
    },
    /// The person confirmed what checking a guarded step will do
    /// ([`crate::guard`]): the sentences they were shown.
    Acknowledge {
        step: String,
        hazards: Vec<String>,
    },
    /// The team goes on past the point of no return, knowingly: the
    /// forecast at that moment.
    PassNoReturn {
        no_return_ms: i64,
        finish_ms: i64,
    },
    /// The run follows a new version of its guide from now on: the
    /// versions (hashes) and the steps that were removed or changed (their
    /// old texts). Steps that did not change keep their state.
    AdoptGuide {
        from_hash: String,
        to_hash: String,
        removed: Vec<String>,
        changed: Vec<String>,
    },
    /// A step, a phase (its steps) or a role (`role:<name>`, every step of
    /// it) given to a person, with an optional due time; an empty `who`
    /// takes the assignment back.
    Assign {
        target: String,
        who: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_ms: Option<i64>,
    },
    /// A done or skipped step back to pending.
    Uncheck {
        step: String,
    },
    Skip {
        step: String,
        reason: String,
    },
    /// An optional phase skipped as a whole.
    SkipPhase {
        phase: String,
    },
    UnskipPhase {
        phase: String,
    },
    /// A note on a step, or on the run when `step` is `None`.
    Note {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        text: String,
    },
    /// A wait timer started on a step or a phase.
    StartWait {
        target: String,
        seconds: u64,
    },
    /// An observed value for a numeric gate check, in its unit.
    Measure {
        gate: String,
        value: f64,
    },
    /// A yes/no gate check answered.
    Confirm {
        gate: String,
        ok: bool,
    },
    /// A gate check let through although not met, and why.
    OverrideGate {
        gate: String,
        reason: String,
    },
    /// A walk through the rollback decision tree and where it ended.
    /// Ending in [`Decision::RollBack`] puts the run in rollback mode.
    Decide {
        path: Vec<Answer>,
        decision: Decision,
    },
    /// A signature: `by` (the event's author) signs a phase, or the whole
    /// run when `phase` is `None`, with a role and a meaning.
    SignOff {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phase: Option<String>,
        role: String,
        meaning: Meaning,
        /// The signer's time zone, minutes east of UTC, for the record.
        tz_offset_min: i32,
    },
    Finish {
        outcome: Outcome,
        note: String,
    },
    /// "Make this a step": the list item, paragraph or code block at
    /// `line` (1-based, in the guide the run follows) is a step of this
    /// run; `text` is the block's plain text as the plan had it, so the
    /// log reads well and the block is found again by its text when the
    /// guide changed (the nearest block with that text; none: ignored).
    /// On a line whose step a `NotAStep` dropped, it undoes that drop:
    /// the step comes back with its own id. See
    /// [`crate::guide::StepOverrides::make_step`].
    MakeStep {
        line: usize,
        text: String,
    },
    /// "Not a step": the step `step` (an id of the plan) is not part of
    /// this run. On a step a `MakeStep` made, it undoes that: the block
    /// is plain text again. Events apply in log order. See
    /// [`crate::guide::StepOverrides::not_a_step`].
    NotAStep {
        step: String,
    },
}

impl Action {
    /// Whether the action corrects the checklist ("Make this a step",
    /// "Not a step"), after which the run's plan is made again.
    pub fn corrects_checklist(&self) -> bool {
        matches!(self, Action::MakeStep { .. } | Action::NotAStep { .. })
    }
}

/// What a signature means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meaning {
    Performed,
    Verified,
    Approved,
}

impl Meaning {
    pub const ALL: [Meaning; 3] = [Meaning::Performed, Meaning::Verified, Meaning::Approved];

    pub fn label(self) -> &'static str {
        match self {
            Meaning::Performed => "performed",
            Meaning::Verified => "verified",
            Meaning::Approved => "approved",
        }
    }
}

/// A time as a signature states it: local date and time with the
/// signer's UTC offset, `2026-11-25 10:00 +01:00`.
pub fn signed_at(at_ms: i64, tz_offset_min: i32) -> String {
    // The offset may come from another device: no overflow, and one
    // that is not a time zone reads as UTC.
    let offset = tz_offset_min
        .checked_mul(60)
        .and_then(chrono::FixedOffset::east_opt)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC is a valid offset"));
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| {
            t.with_timezone(&offset)
                .format("%Y-%m-%d %H:%M %:z")
                .to_string()
        })
        .unwrap_or_default()
}

/// One signature, as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub at_ms: i64,
    pub by: String,
    pub phase: Option<String>,
    pub role: String,
    pub meaning: Meaning,
    pub tz_offset_min: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    RolledBack,
    Abandoned,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::RolledBack => "rolled back",
            Outcome::Abandoned => "abandoned",
        }
    }
}

/// Why an action was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Finished,
    UnknownStep(String),
    UnknownPhase(String),
    /// The step is a wait that has not elapsed; check it with a reason.
    WaitRunning {
        remaining_ms: i64,
    },
    WaitNotStarted,
    /// Skips, overrides and notes need words.
    ReasonRequired,
    NotOptional,
    UnknownGate(String),
    /// An earlier phase's success criteria are not met yet.
    Locked {
        by: String,
    },
    /// A time-based criterion checked before its time.
    NotDue {
        remaining_ms: i64,
    },
    /// A number gate needs a value, a yes/no gate an answer.
    WrongCheck,
    /// A wait that was started already: it is not restarted.
    WaitStarted,
    /// Approving what one performed oneself.
    OwnWork,
    /// The run needs an approval by a second person before it completes.
    ApprovalRequired,
    /// The step destroys data or affects production: confirm what it will
    /// do first (these sentences).
    NeedsConfirmation(Vec<String>),
    /// "Make this a step" on a line that holds no block that could be one.
    NotABlock(usize),
    /// An event that is not one this app writes: what is wrong with it.
    Malformed(&'static str),
}

impl Refusal {
    /// The rule the refused change breaks, in a few words, for messages
    /// about changes that came from elsewhere.
    pub fn rule(&self) -> &'static str {
        match self {
            Refusal::Finished => "nothing changes after the run has ended",
            Refusal::UnknownStep(_)
            | Refusal::UnknownPhase(_)
            | Refusal::UnknownGate(_)
            | Refusal::NotABlock(_) => "changes name what the guide holds",
            Refusal::WaitRunning { .. } | Refusal::WaitNotStarted | Refusal::WaitStarted => {
                "waits run their time unless a reason is given"
            }
            Refusal::ReasonRequired => "skips, overrides and notes give a reason",
            Refusal::NotOptional => "only optional sections are skipped",
            Refusal::Locked { .. } => "a phase waits for the success criteria before it",
            Refusal::NotDue { .. } => "a timed criterion is not met before its time",
            Refusal::WrongCheck => "a criterion is answered the way it is measured",
            Refusal::OwnWork => "no self-approval",
            Refusal::ApprovalRequired => "four-eyes: a second person approves before completion",
            Refusal::NeedsConfirmation(_) => "a dangerous step is confirmed before it is checked",
            Refusal::Malformed(_) => "well-formed events only",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Finished => write!(f, "this run has ended; start a new run to change it"),
            Refusal::NeedsConfirmation(what) => write!(
                f,
                "this step needs an explicit confirmation first: {}",
                what.join(" ")
            ),
            Refusal::UnknownStep(id) => write!(f, "no step {id} in this guide"),
            Refusal::Malformed(why) => write!(f, "{why}"),
            Refusal::NotABlock(line) => write!(
                f,
                "line {line} holds nothing that can be made a step (it may be one already)"
            ),
            Refusal::UnknownPhase(id) => write!(f, "no section {id} in this guide"),
            Refusal::WaitRunning { remaining_ms } => write!(
                f,
                "the wait is still running ({} left); give a reason to check it now",
                format_ms(*remaining_ms)
            ),
            Refusal::WaitNotStarted => {
                write!(f, "start the wait first, or give a reason to check it now")
            }
            Refusal::ReasonRequired => write!(f, "a reason is required"),
            Refusal::NotOptional => write!(f, "only optional sections can be skipped"),
            Refusal::UnknownGate(id) => write!(f, "no criterion {id} in this guide"),
            Refusal::Locked { by } => write!(
                f,
                "locked until the success criteria of “{by}” are met or overridden"
            ),
            Refusal::NotDue { remaining_ms } => write!(
                f,
                "this check is due in {}; override it with a reason to decide now",
                format_ms(*remaining_ms)
            ),
            Refusal::WrongCheck => write!(f, "this criterion is not checked that way"),
            Refusal::WaitStarted => write!(f, "this wait has already been started"),
            Refusal::OwnWork => write!(
                f,
                "a second person must approve: you performed this yourself"
            ),
            Refusal::ApprovalRequired => write!(
                f,
                "this run needs an “approved” sign-off by someone other than its operator before it can complete"
            ),
        }
    }
}

/// What the log says about one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    Pending,
    Done {
        at_ms: Option<i64>,
        by: Option<String>,
        overridden: Option<String>,
    },
    Skipped {
        at_ms: i64,
        by: String,
        reason: String,
    },
}

impl StepStatus {
    pub fn is_resolved(&self) -> bool {
        !matches!(self, StepStatus::Pending)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub at_ms: i64,
    pub by: String,
    pub step: Option<String>,
    pub text: String,
}

/// The run's log folded into current state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunState {
    /// Steps whose state was changed in the run (the rest follow the guide).
    changed: HashMap<String, StepStatus>,
    skipped_phases: HashMap<String, (i64, String)>,
    /// Target → (started, seconds).
    waits: HashMap<String, (i64, u64)>,
    /// Step or phase → (first, last) time something happened to it.
    touched: HashMap<String, (i64, i64)>,
    pub notes: Vec<Note>,
    pub outcome: Option<(Outcome, i64, String, String)>,
    /// Gate check → its latest record.
    gates: HashMap<String, GateRecord>,
    /// Every walk through the decision tree: (at, by, path, decision).
    pub decisions: Vec<(i64, String, Vec<Answer>, Decision)>,
    /// When and by whom rollback mode began.
    pub rollback: Option<(i64, String)>,
    pub signatures: Vec<Signature>,
    /// Assignment target (step id, phase id, `role:<name>`) → (who, due).
    pub assigned: HashMap<String, (String, Option<i64>)>,
    /// Guarded step → (at, by, what was confirmed), until it is unchecked.
    pub acknowledged: HashMap<String, (i64, String, Vec<String>)>,
    /// How many `MakeStep` / `NotAStep` events the log holds: when it
    /// changes, so does the plan.
    pub corrections: usize,
}

fn gate_record(e: &Event, kind: GateAnswer) -> GateRecord {
    GateRecord {
        at_ms: e.at_ms,
        by: e.by.clone(),
        kind,
        observed: None,
    }
}

#[derive(Debug, Clone, PartialEq)]
struct GateRecord {
    at_ms: i64,
    by: String,
    kind: GateAnswer,
    /// The last value measured, kept when the criterion is overridden so
    /// the record shows what was let through.
    observed: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
enum GateAnswer {
    Value(f64),
    YesNo(bool),
    Override(String),
}

/// Where a gate check stands.
#[derive(Debug, Clone, PartialEq)]
pub enum GateStatus {
    Open,
    /// Met, with the value observed for numeric checks.
    Met {
        value: Option<f64>,
        verdict: Verdict,
        at_ms: Option<i64>,
        by: Option<String>,
    },
    Failed {
        value: Option<f64>,
        verdict: Verdict,
        at_ms: i64,
        by: String,
    },
    Overridden {
        reason: String,
        at_ms: i64,
        by: String,
        /// The value measured before the override, if any.
        value: Option<f64>,
    },
}

impl GateStatus {
    /// Met or overridden: the run may move past it.
    pub fn is_resolved(&self) -> bool {
        matches!(self, GateStatus::Met { .. } | GateStatus::Overridden { .. })
    }
}

impl RunState {
    /// Adds one event of the log, in log order, to the state.
    pub fn fold(&mut self, e: &Event) {
        let mut touch = |key: &str| {
            let t = self
                .touched
                .entry(key.to_owned())
                .or_insert((e.at_ms, e.at_ms));
            t.0 = t.0.min(e.at_ms);
            t.1 = t.1.max(e.at_ms);
        };
        match &e.action {
            Action::Check { step, overridden } => {
                touch(step);
                self.changed.insert(
                    step.clone(),
                    StepStatus::Done {
                        at_ms: Some(e.at_ms),
                        by: Some(e.by.clone()),
                        overridden: overridden.clone(),
                    },
                );
            }
            Action::Uncheck { step } => {
                touch(step);
                self.changed.insert(step.clone(), StepStatus::Pending);
                // Checking it again asks again.
                self.acknowledged.remove(step);
            }
            Action::PassNoReturn { .. } | Action::AdoptGuide { .. } => {}
            Action::MakeStep { .. } | Action::NotAStep { .. } => self.corrections += 1,
            Action::Assign {
                target,
                who,
                due_ms,
            } => {
                if who.is_empty() && due_ms.is_none() {
                    self.assigned.remove(target);
                } else {
                    self.assigned.insert(target.clone(), (who.clone(), *due_ms));
                }
            }
            Action::Acknowledge { step, hazards } => {
                touch(step);
                self.acknowledged
                    .insert(step.clone(), (e.at_ms, e.by.clone(), hazards.clone()));
            }
            Action::Skip { step, reason } => {
                touch(step);
                self.changed.insert(
                    step.clone(),
                    StepStatus::Skipped {
                        at_ms: e.at_ms,
                        by: e.by.clone(),
                        reason: reason.clone(),
                    },
                );
            }
            Action::SkipPhase { phase } => {
                touch(phase);
                self.skipped_phases
                    .insert(phase.clone(), (e.at_ms, e.by.clone()));
            }
            Action::UnskipPhase { phase } => {
                touch(phase);
                self.skipped_phases.remove(phase);
            }
            Action::Note { step, text } => {
                if let Some(step) = step {
                    touch(step);
                }
                self.notes.push(Note {
                    at_ms: e.at_ms,
                    by: e.by.clone(),
                    step: step.clone(),
                    text: text.clone(),
                });
            }
            Action::StartWait { target, seconds } => {
                touch(target);
                self.waits.insert(target.clone(), (e.at_ms, *seconds));
            }
            Action::Measure { gate, value } => {
                touch(gate);
                let mut rec = gate_record(e, GateAnswer::Value(*value));
                rec.observed = Some(*value);
                self.gates.insert(gate.clone(), rec);
            }
            Action::Confirm { gate, ok } => {
                touch(gate);
                self.gates
                    .insert(gate.clone(), gate_record(e, GateAnswer::YesNo(*ok)));
            }
            Action::OverrideGate { gate, reason } => {
                touch(gate);
                let observed = self.gates.get(gate).and_then(|r| r.observed);
                let mut rec = gate_record(e, GateAnswer::Override(reason.clone()));
                rec.observed = observed;
                self.gates.insert(gate.clone(), rec);
            }
            Action::Decide { path, decision } => {
                self.decisions
                    .push((e.at_ms, e.by.clone(), path.clone(), *decision));
                if *decision == Decision::RollBack && self.rollback.is_none() {
                    self.rollback = Some((e.at_ms, e.by.clone()));
                }
            }
            Action::SignOff {
                phase,
                role,
                meaning,
                tz_offset_min,
            } => self.signatures.push(Signature {
                at_ms: e.at_ms,
                by: e.by.clone(),
                phase: phase.clone(),
                role: role.clone(),
                meaning: *meaning,
                tz_offset_min: *tz_offset_min,
            }),
            Action::Finish { outcome, note } => {
                self.outcome = Some((*outcome, e.at_ms, e.by.clone(), note.clone()));
            }
        }
    }

    pub fn status(&self, step: &PlanStep) -> StepStatus {
        match self.changed.get(&step.id) {
            Some(status) => status.clone(),
            None if step.checked_in_guide => StepStatus::Done {
                at_ms: None,
                by: None,
                overridden: None,
            },
            None => StepStatus::Pending,
        }
    }

    /// A step's status, counting the skip of a whole phase.
    pub fn status_in(&self, phase: &PlanPhase, step: &PlanStep) -> StepStatus {
        match (self.status(step), self.skipped_phases.get(&phase.id)) {
            (StepStatus::Pending, Some((at, by))) => StepStatus::Skipped {
                at_ms: *at,
                by: by.clone(),
                reason: "optional section skipped".to_owned(),
            },
            (status, _) => status,
        }
    }

    /// Whether any wait has been started in the run.
    pub fn has_waits(&self) -> bool {
        !self.waits.is_empty()
    }

    pub fn phase_skipped(&self, phase: &str) -> bool {
        self.skipped_phases.contains_key(phase)
    }

    /// When a wait on `target` started, and for how long.
    /// Every wait started: target → (started, seconds).
    pub fn waits(&self) -> impl Iterator<Item = (&String, &(i64, u64))> {
        self.waits.iter()
    }

    pub fn wait(&self, target: &str) -> Option<(i64, u64)> {
        self.waits.get(target).copied()
    }

    pub fn notes_for<'a>(&'a self, step: &'a str) -> impl Iterator<Item = &'a Note> + 'a {
        self.notes
            .iter()
            .filter(move |n| n.step.as_deref() == Some(step))
    }
}

/// A wait timer's reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitStatus {
    NotStarted { seconds: u64 },
    Running { ends_ms: i64, remaining_ms: i64 },
    Elapsed { ended_ms: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowLevel {
    /// Before the window opens.
    Upcoming,
    Ok,
    /// Past [`WINDOW_WARN_AT`] of the window.
    Warning,
    Exceeded,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowTimer {
    pub elapsed_ms: i64,
    /// Negative once the window is exceeded.
    pub remaining_ms: i64,
    /// Share of the window used, 0 before it opens.
    pub fraction: f64,
    pub level: WindowLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseTimer {
    pub started_ms: i64,
    /// Until the last step was resolved, or until now.
    pub running_ms: i64,
    pub finished: bool,
    pub estimate_s: Option<Range>,
    /// Running past the estimate's maximum.
    pub overrun: bool,
}

/// How far a checklist is: done, skipped and open are counted apart, so
/// a skipped step never reads as a done one.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Done or skipped: nothing left to do about it.
    pub resolved: usize,
    pub done: usize,
    pub skipped: usize,
    pub total: usize,
}

impl Progress {
    pub fn complete(&self) -> bool {
        self.resolved == self.total
    }

    pub fn open(&self) -> usize {
        self.total - self.resolved
    }

    /// "1 done · 1 skipped · 5 open": the one wording of progress.
    pub fn label(&self) -> String {
        progress_label(self.done, self.skipped, self.open())
    }

    fn count(&mut self, status: &StepStatus) {
        self.total += 1;
        match status {
            StepStatus::Done { .. } => self.done += 1,
            StepStatus::Skipped { .. } => self.skipped += 1,
            StepStatus::Pending => {}
        }
        self.resolved = self.done + self.skipped;
    }
}

/// "1 done · 1 skipped · 5 open".
pub fn progress_label(done: usize, skipped: usize, open: usize) -> String {
    format!("{done} done · {skipped} skipped · {open} open")
}

/// The end-of-run summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub outcome: Option<Outcome>,
    pub ended_ms: Option<i64>,
    pub duration_ms: i64,
    pub estimate_s: Option<Range>,
    pub window_ms: i64,
    pub done: usize,
    pub total: usize,
    /// (step text, who, reason).
    pub skipped: Vec<(String, String, String)>,
    /// (step text, who, reason) for waits checked before they elapsed.
    pub overridden: Vec<(String, String, String)>,
    /// Steps left pending.
    pub open: Vec<String>,
    pub notes: Vec<Note>,
    /// (criterion, who, reason, observed value with its unit) for gate
    /// checks let through unmet.
    pub gate_overrides: Vec<(String, String, String, Option<String>)>,
    /// (criterion, verdict, observed value with its unit) for checks that
    /// failed.
    pub gates_failed: Vec<(String, Verdict, Option<String>)>,
    /// Walks through the decision tree: (at, by, path, decision).
    pub decisions: Vec<(i64, String, Vec<Answer>, Decision)>,
    /// The note given when the run was finished, and who gave it.
    pub closing_note: Option<(String, String)>,
}

impl Summary {
    /// "1 done · 1 skipped · 5 open", as the run's header says it.
    pub fn progress_label(&self) -> String {
        progress_label(self.done, self.skipped.len(), self.open.len())
    }
}

impl Run {
    /// A new run of `guide`. `random` gives the run id (16 random bytes,
    /// from the platform's random source).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        random: [u8; 16],
        guide: &Guide,
        guide_hash: &str,
        operator: &str,
        choices: BTreeMap<String, String>,
        now_ms: i64,
        window: Window,
    ) -> Run {
        let plan = Plan::new(guide, &choices);
        Run {
            schema: RUN_SCHEMA,
            id: uuid::Builder::from_random_bytes(random)
                .into_uuid()
                .to_string(),
            guide_title: guide.title.clone(),
            guide_hash: guide_hash.to_owned(),
            operator: operator.trim().to_owned(),
            choices: plan.choices(),
            started_ms: now_ms,
            window,
            four_eyes: false,
            events: Vec::new(),
            writer: String::new(),
        }
    }

    /// The default deploy window: from now for the guide's estimated time
    /// (its maximum), or one hour when the guide gives none.
    pub fn default_window(guide: &Guide, now_ms: i64) -> Window {
        let seconds = guide
            .estimate_s
            .map(|[_, hi]| hi)
            .filter(|s| *s > 0)
            .unwrap_or(3600);
        Window {
            start_ms: now_ms,
            end_ms: now_ms.saturating_add(secs_ms(seconds)),
        }
    }

    /// The plan of the run: `guide` with the run's corrections
    /// ([`Run::overrides`]) and its choices.
    pub fn plan(&self, guide: &Guide) -> Plan {
        let o = self.overrides(guide);
        if o.is_empty() {
            Plan::new(guide, &self.choices)
        } else {
            Plan::new(&guide.with_overrides(&o), &self.choices)
        }
    }

    /// The run's `MakeStep` / `NotAStep` events folded, in log order,
    /// into corrections of `guide` (the guide without them). Events that
    /// no longer fit the guide are ignored.
    pub fn overrides(&self, guide: &Guide) -> StepOverrides {
        let mut o = StepOverrides::default();
        for e in &self.events {
            match &e.action {
                Action::MakeStep { line, text } => {
                    o.make_step(guide, *line, text);
                }
                Action::NotAStep { step } => {
                    o.not_a_step(guide, step);
                }
                _ => {}
            }
        }
        o
    }

    /// The guide as this run uses it: `guide` with the run's corrections.
    pub fn corrected(&self, guide: &Guide) -> Guide {
        guide.with_overrides(&self.overrides(guide))
    }

    /// The log folded into current state.
    pub fn state(&self) -> RunState {
        let mut st = RunState::default();
        for e in &self.events {
            st.fold(e);
        }
        st
    }

    /// Who performed the work a signature on `phase` (or the run) covers:
    /// its "performed" signers and whoever checked its steps (for the run:
    /// its operator).
    fn performers(&self, plan: &Plan, state: &RunState, phase: Option<&str>) -> Vec<String> {
        let mut out: Vec<String> = state
            .signatures
            .iter()
            .filter(|s| s.meaning == Meaning::Performed && s.phase.as_deref() == phase)
            .map(|s| s.by.clone())
            .collect();
        let steps: Vec<&str> = match phase {
            Some(p) => plan
                .phase(p)
                .map(|p| p.steps.iter().map(|s| s.id.as_str()).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        for e in &self.events {
            if let Action::Check { step, .. } = &e.action {
                if steps.contains(&step.as_str()) {
                    out.push(e.by.clone());
                }
            }
        }
        if phase.is_none() {
            out.push(self.operator.clone());
        }
        out
    }

    /// Whether the run has the approval a four-eyes run needs.
    pub fn approved(&self, state: &RunState) -> bool {
        state.signatures.iter().any(|s| {
            s.phase.is_none()
                && s.meaning == Meaning::Approved
                && !s.by.eq_ignore_ascii_case(&self.operator)
        })
    }

    /// Where gate check `gate` stands.
    pub fn gate_status(&self, state: &RunState, gate: &PlanGate) -> GateStatus {
        let Some(rec) = state.gates.get(&gate.id) else {
            // A yes/no criterion written as a task is met by checking it.
            let step_done = gate
                .step
                .as_ref()
                .is_some_and(|id| match state.changed.get(id) {
                    Some(status) => matches!(status, StepStatus::Done { .. }),
                    None => gate.step_checked_in_guide,
                });
            return if step_done && !gate.numeric {
                GateStatus::Met {
                    value: None,
                    verdict: Verdict::Pass,
                    at_ms: None,
                    by: None,
                }
            } else {
                GateStatus::Open
            };
        };
        let (value, verdict) = match &rec.kind {
            GateAnswer::Override(reason) => {
                return GateStatus::Overridden {
                    reason: reason.clone(),
                    at_ms: rec.at_ms,
                    by: rec.by.clone(),
                    value: rec.observed,
                }
            }
            GateAnswer::Value(v) => (Some(*v), gate.evaluate(*v)),
            GateAnswer::YesNo(ok) => (None, if *ok { Verdict::Pass } else { Verdict::Fail }),
        };
        if verdict.passes() {
            GateStatus::Met {
                value,
                verdict,
                at_ms: Some(rec.at_ms),
                by: Some(rec.by.clone()),
            }
        } else {
            GateStatus::Failed {
                value,
                verdict,
                at_ms: rec.at_ms,
                by: rec.by.clone(),
            }
        }
    }

    /// The earlier phase whose unmet criteria lock `phase`, if any. Nothing
    /// is locked while rolling back: rollback never waits for a gate.
    pub fn locked_by<'a>(
        &self,
        plan: &'a Plan,
        state: &RunState,
        phase: &str,
    ) -> Option<&'a PlanPhase> {
        if state.rollback.is_some() {
            return None;
        }
        for q in plan.run_phases() {
            if q.id == phase {
                return None;
            }
            if q.gates.is_empty() || state.phase_skipped(&q.id) || plan.contains(&q.id, phase) {
                continue;
            }
            if q.gates
                .iter()
                .any(|g| !self.gate_status(state, g).is_resolved())
            {
                return Some(q);
            }
        }
        None
    }

    /// Gate checks that failed and were not overridden, for the decision
    /// tree.
    pub fn failed_gates(&self, plan: &Plan, state: &RunState) -> Vec<decide::FailedGate> {
        plan.run_phases()
            .flat_map(|p| &p.gates)
            .filter_map(|g| match self.gate_status(state, g) {
                GateStatus::Failed { verdict, .. } => Some(decide::FailedGate {
                    text: g.text.clone(),
                    critical: verdict == Verdict::Critical,
                }),
                _ => None,
            })
            .collect()
    }

    /// When a time-based check is due: its phase's start (or its wait's,
    /// or the run's) plus the criterion's time.
    pub fn gate_due_ms(&self, plan: &Plan, state: &RunState, gate: &PlanGate) -> Option<i64> {
        let after = secs_ms(gate.due_after_s?);
        let mut phase = plan.phase(&gate.phase)?;
        // Criteria in a section of their own ("### Success Criteria" under
        // "## Verify") are timed from the phase they sit in.
        if phase.steps.is_empty() {
            let at = plan.phases.iter().position(|p| p.id == phase.id)?;
            if let Some(parent) = plan.phases[..at]
                .iter()
                .rev()
                .find(|p| p.depth < phase.depth)
            {
                phase = parent;
            }
        }
        let anchor = state
            .wait(&phase.id)
            .map(|(started, _)| started)
            .or_else(|| {
                self.phase_timer(phase, state, i64::MAX)
                    .map(|t| t.started_ms)
            })
            .unwrap_or(self.started_ms);
        Some(anchor + after)
    }

    /// Rollback steps resolved out of all of them.
    pub fn rollback_progress(&self, plan: &Plan, state: &RunState) -> Progress {
        let mut p = Progress {
            resolved: 0,
            done: 0,
            skipped: 0,
            total: 0,
        };
        for (ph, s) in plan.rollback_steps() {
            p.count(&state.status_in(ph, s));
        }
        p
    }

    /// Time since rollback began, and whether it is past the guide's
    /// rollback estimate.
    pub fn rollback_timer(
        &self,
        state: &RunState,
        estimate_s: Option<Range>,
        now_ms: i64,
    ) -> Option<(i64, bool)> {
        let (started, _) = state.rollback.as_ref()?;
        let end = state.outcome.as_ref().map_or(now_ms, |o| o.1);
        let running = (end - started).max(0);
        Some((
            running,
            estimate_s.is_some_and(|[_, hi]| running > secs_ms(hi)),
        ))
    }

    pub fn outcome(&self) -> Option<Outcome> {
        self.events.iter().rev().find_map(|e| match e.action {
            Action::Finish { outcome, .. } => Some(outcome),
            _ => None,
        })
    }

    /// The last time anything happened in the run.
    pub fn updated_ms(&self) -> i64 {
        self.events.last().map_or(self.started_ms, |e| e.at_ms)
    }

    /// Records `action` by `by` at `now_ms`, if the plan allows it, and
    /// returns the new event's id.
    pub fn record(
        &mut self,
        plan: &Plan,
        now_ms: i64,
        by: &str,
        action: Action,
    ) -> Result<String, Refusal> {
        // Never before the last event, even if the clock stepped back, so
        // the log's order is the order things were recorded in.
        let now_ms = self.events.last().map_or(now_ms, |e| now_ms.max(e.at_ms));
        let action = self.check(plan, &std::cell::OnceCell::new(), now_ms, by, action)?;
        let writer = if self.writer.is_empty() {
            "w"
        } else {
            &self.writer
        };
        // The count is zero-padded so ids of one millisecond sort by it.
        let id = format!("{now_ms:x}-{writer}-{:08}", self.events.len());
        let event = Event {
            id: id.clone(),
            at_ms: now_ms,
            by: by.trim().to_owned(),
            action,
        };
        self.merge([event]);
        Ok(id)
    }

    /// Whether `action` by `by` at `now_ms` keeps the rules, given the log
    /// as it is (`folded` holds its state, or is filled when a rule needs
    /// it): the action as it is to be recorded, or why not.
    pub(crate) fn check(
        &self,
        plan: &Plan,
        folded: &std::cell::OnceCell<RunState>,
        now_ms: i64,
        by: &str,
        action: Action,
    ) -> Result<Action, Refusal> {
        let finished = match folded.get() {
            Some(st) => st.outcome.is_some(),
            None => self.outcome().is_some(),
        };
        if finished {
            return Err(Refusal::Finished);
        }
        let need_words = |s: &str| {
            if s.trim().is_empty() {
                Err(Refusal::ReasonRequired)
            } else {
                Ok(())
            }
        };
        // The log is folded only when a rule needs it (gates, waits, due
        // times), so a check-off in a long run without them stays cheap.
        let state = || folded.get_or_init(|| self.state());
        let gated = plan.run_phases().any(|p| !p.gates.is_empty());
        let step_of = |id: &str| plan.step(id).ok_or(Refusal::UnknownStep(id.to_owned()));
        // Steps of a phase behind unmet criteria wait; rollback never does.
        let unlocked = |phase: &PlanPhase| {
            if !gated {
                return Ok(());
            }
            match self.locked_by(plan, state(), &phase.id) {
                Some(by) => Err(Refusal::Locked {
                    by: by.title.clone(),
                }),
                None => Ok(()),
            }
        };
        // Criteria can be measured at any time: observing is not moving on.
        let gate_of = |id: &str| plan.gate(id).ok_or(Refusal::UnknownGate(id.to_owned()));
        let due = |gate: &PlanGate| match self.gate_due_ms(plan, state(), gate) {
            Some(due) if due > now_ms => Err(Refusal::NotDue {
                remaining_ms: due - now_ms,
            }),
            _ => Ok(()),
        };
        let action = match action {
            Action::Check { step, overridden } => {
                let (phase, s) = step_of(&step)?;
                unlocked(phase)?;
                if !s.guard.is_empty() && !state().acknowledged.contains_key(&step) {
                    return Err(Refusal::NeedsConfirmation(s.guard.clone()));
                }
                let overridden = overridden.map(|r| r.trim().to_owned());
                match (&overridden, s.wait_s) {
                    (Some(reason), _) => need_words(reason)?,
                    (None, Some(_)) => match wait_status(state(), &s.id, s.wait_s, now_ms) {
                        Some(WaitStatus::Running { remaining_ms, .. }) => {
                            return Err(Refusal::WaitRunning { remaining_ms })
                        }
                        Some(WaitStatus::NotStarted { .. }) => return Err(Refusal::WaitNotStarted),
                        _ => {}
                    },
                    (None, None) => {}
                }
                Action::Check { step, overridden }
            }
            Action::Uncheck { step } => {
                step_of(&step)?;
                Action::Uncheck { step }
            }
            Action::AdoptGuide {
                from_hash,
                to_hash,
                removed,
                changed,
            } => {
                if !crate::source::is_guide_hash(&to_hash) {
                    return Err(Refusal::Malformed(
                        "the new guide version is not a guide hash",
                    ));
                }
                if from_hash != self.current_guide_hash() {
                    return Err(Refusal::Malformed(
                        "the guide version it replaces is not the one the run follows",
                    ));
                }
                Action::AdoptGuide {
                    from_hash,
                    to_hash,
                    removed,
                    changed,
                }
            }
            Action::Assign {
                target,
                who,
                due_ms,
            } => {
                let known = plan.step(&target).is_some()
                    || plan.phase(&target).is_some()
                    || target.strip_prefix("role:").is_some_and(|r| !r.is_empty());
                if !known {
                    return Err(Refusal::UnknownStep(target));
                }
                Action::Assign {
                    target,
                    who: who.trim().to_owned(),
                    due_ms,
                }
            }
            Action::PassNoReturn {
                no_return_ms,
                finish_ms,
            } => Action::PassNoReturn {
                no_return_ms,
                finish_ms,
            },
            Action::Acknowledge { step, .. } => {
                let (phase, s) = step_of(&step)?;
                unlocked(phase)?;
                // What was shown is what the plan says, whatever was sent.
                Action::Acknowledge {
                    hazards: s.guard.clone(),
                    step,
                }
            }
            Action::Skip { step, reason } => {
                unlocked(step_of(&step)?.0)?;
                need_words(&reason)?;
                Action::Skip {
                    step,
                    reason: reason.trim().to_owned(),
                }
            }
            Action::SkipPhase { phase } => {
                let p = plan
                    .phase(&phase)
                    .ok_or(Refusal::UnknownPhase(phase.clone()))?;
                if !p.optional {
                    return Err(Refusal::NotOptional);
                }
                Action::SkipPhase { phase }
            }
            Action::UnskipPhase { phase } => Action::UnskipPhase { phase },
            Action::Note { step, text } => {
                if let Some(step) = &step {
                    step_of(step)?;
                }
                need_words(&text)?;
                Action::Note {
                    step,
                    text: text.trim().to_owned(),
                }
            }
            Action::StartWait { target, seconds } => {
                if seconds > store::MAX_WAIT_S {
                    return Err(Refusal::Malformed("a wait is at most a year"));
                }
                if state().wait(&target).is_some() {
                    return Err(Refusal::WaitStarted);
                }
                if plan.step(&target).is_none() && plan.phase(&target).is_none() {
                    return Err(Refusal::UnknownStep(target));
                }
                Action::StartWait { target, seconds }
            }
            Action::Measure { gate, value } => {
                let g = gate_of(&gate)?;
                if !g.numeric || !value.is_finite() {
                    return Err(Refusal::WrongCheck);
                }
                // Early is fine for bad news: a failing value goes in at
                // once; only a passing one waits for the criterion's time.
                if g.evaluate(value).passes() {
                    due(g)?;
                }
                Action::Measure { gate, value }
            }
            Action::Confirm { gate, ok } => {
                let g = gate_of(&gate)?;
                if g.numeric {
                    return Err(Refusal::WrongCheck);
                }
                if ok {
                    due(g)?;
                }
                Action::Confirm { gate, ok }
            }
            Action::OverrideGate { gate, reason } => {
                gate_of(&gate)?;
                need_words(&reason)?;
                Action::OverrideGate {
                    gate,
                    reason: reason.trim().to_owned(),
                }
            }
            Action::Decide { path, decision } => Action::Decide { path, decision },
            Action::SignOff {
                phase,
                role,
                meaning,
                tz_offset_min,
            } => {
                if let Some(p) = &phase {
                    plan.phase(p).ok_or(Refusal::UnknownPhase(p.clone()))?;
                }
                need_words(&role)?;
                need_words(by)?;
                if meaning == Meaning::Approved
                    && self
                        .performers(plan, state(), phase.as_deref())
                        .iter()
                        .any(|p| p.trim().eq_ignore_ascii_case(by.trim()))
                {
                    return Err(Refusal::OwnWork);
                }
                Action::SignOff {
                    phase,
                    role: role.trim().to_owned(),
                    meaning,
                    tz_offset_min,
                }
            }
            Action::MakeStep { line, .. } => {
                // What the plan shows at that line, whatever was sent.
                let text = plan
                    .candidates
                    .get(&line)
                    .ok_or(Refusal::NotABlock(line))?
                    .clone();
                Action::MakeStep { line, text }
            }
            Action::NotAStep { step } => {
                if plan.step(&step).is_none() && !plan.is_parent(&step) {
                    return Err(Refusal::UnknownStep(step));
                }
                Action::NotAStep { step }
            }
            Action::Finish { outcome, note } => {
                if self.four_eyes && outcome == Outcome::Completed && !self.approved(state()) {
                    return Err(Refusal::ApprovalRequired);
                }
                Action::Finish {
                    outcome,
                    note: note.trim().to_owned(),
                }
            }
        };
        Ok(action)
    }

    /// Adds events written elsewhere (another tab, an older copy) that the
    /// run does not have yet. Events are kept in order of time, then id, so
    /// any two tabs that saw the same events fold them to the same state,
    /// whatever order they arrived in. Returns how many were new.
    pub fn merge(&mut self, events: impl IntoIterator<Item = Event>) -> usize {
        let mut added = 0;
        for e in events {
            // The log is sorted, so one binary search finds the place and
            // any copy already there; a new check-off lands at the end.
            let at = self
                .events
                .binary_search_by(|x| (x.at_ms, x.id.as_str()).cmp(&(e.at_ms, e.id.as_str())));
            if let Err(at) = at {
                self.events.insert(at, e);
                added += 1;
            }
        }
        added
    }

    /// The hash of the guide text the run follows now: the last adopted
    /// version, else the one it started with.
    pub fn current_guide_hash(&self) -> &str {
        // Only adoptions that continue the chain count: an event from
        // elsewhere naming something else is no version of the guide.
        let mut current = self.guide_hash.as_str();
        for e in &self.events {
            if let Action::AdoptGuide {
                from_hash, to_hash, ..
            } = &e.action
            {
                if from_hash == current && crate::source::is_guide_hash(to_hash) {
                    current = to_hash;
                }
            }
        }
        current
    }

    /// The newest event, which is what a check-off writes.
    pub fn last_event(&self) -> Option<&Event> {
        self.events
            .iter()
            .max_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)))
    }

    pub fn window_timer(&self, now_ms: i64) -> WindowTimer {
        let Window { start_ms, end_ms } = self.window;
        let span = end_ms.saturating_sub(start_ms).max(1);
        let elapsed = now_ms.saturating_sub(start_ms.min(self.started_ms));
        let fraction = (now_ms.saturating_sub(start_ms) as f64 / span as f64).max(0.0);
        let level = if now_ms < start_ms {
            WindowLevel::Upcoming
        } else if now_ms >= end_ms {
            WindowLevel::Exceeded
        } else if fraction >= WINDOW_WARN_AT {
            WindowLevel::Warning
        } else {
            WindowLevel::Ok
        };
        WindowTimer {
            elapsed_ms: elapsed.max(0),
            remaining_ms: end_ms.saturating_sub(now_ms),
            fraction,
            level,
        }
    }

    /// How long a phase has been worked on: from the first thing done in
    /// it until its last step was resolved, or until now.
    pub fn phase_timer(
        &self,
        phase: &PlanPhase,
        state: &RunState,
        now_ms: i64,
    ) -> Option<PhaseTimer> {
        let mut first: Option<i64> = state.touched.get(&phase.id).map(|t| t.0);
        let mut last: Option<i64> = state.touched.get(&phase.id).map(|t| t.1);
        for s in &phase.steps {
            if let Some((a, b)) = state.touched.get(&s.id) {
                first = Some(first.map_or(*a, |f| f.min(*a)));
                last = Some(last.map_or(*b, |l| l.max(*b)));
            }
        }
        let started_ms = first?;
        let finished = !phase.steps.is_empty()
            && phase
                .steps
                .iter()
                .all(|s| state.status_in(phase, s).is_resolved());
        let end = if finished {
            last.unwrap_or(now_ms)
        } else {
            now_ms
        };
        let running_ms = (end - started_ms).max(0);
        Some(PhaseTimer {
            started_ms,
            running_ms,
            finished,
            estimate_s: phase.estimate_s,
            overrun: phase
                .estimate_s
                .is_some_and(|[_, hi]| running_ms > secs_ms(hi)),
        })
    }

    /// Steps resolved (done or skipped) out of all in the checklist, for
    /// one phase or (with `None`) the whole run.
    pub fn progress(&self, plan: &Plan, state: &RunState, phase: Option<&str>) -> Progress {
        let mut p = Progress {
            resolved: 0,
            done: 0,
            skipped: 0,
            total: 0,
        };
        let mut count = |ph: &PlanPhase, s: &PlanStep| p.count(&state.status_in(ph, s));
        match phase {
            // Only the steps of phases with that id (ids of phases with
            // the same title can repeat) are looked at.
            Some(id) => plan
                .run_phases()
                .filter(|ph| ph.id == id)
                .for_each(|ph| ph.steps.iter().for_each(|s| count(ph, s))),
            None => plan.run_steps().for_each(|(ph, s)| count(ph, s)),
        }
        p
    }

    /// The first step of the checklist still pending: of the rollback
    /// checklist once rolling back.
    pub fn current_step<'a>(&self, plan: &'a Plan, state: &RunState) -> Option<&'a PlanStep> {
        if state.rollback.is_some() {
            return plan
                .rollback_steps()
                .find(|(ph, s)| !state.status_in(ph, s).is_resolved())
                .map(|(_, s)| s);
        }
        plan.run_steps()
            .find(|(ph, s)| !state.status_in(ph, s).is_resolved())
            .map(|(_, s)| s)
    }

    pub fn summary(&self, plan: &Plan, guide: &Guide, now_ms: i64) -> Summary {
        let state = self.state();
        let ended_ms = state.outcome.as_ref().map(|o| o.1);
        let mut summary = Summary {
            outcome: state.outcome.as_ref().map(|o| o.0),
            ended_ms,
            duration_ms: ended_ms.unwrap_or(now_ms).saturating_sub(self.started_ms),
            estimate_s: guide.estimate_s,
            window_ms: self.window.end_ms - self.window.start_ms,
            done: 0,
            total: 0,
            skipped: Vec::new(),
            overridden: Vec::new(),
            open: Vec::new(),
            notes: state.notes.clone(),
            gate_overrides: Vec::new(),
            gates_failed: Vec::new(),
            decisions: state.decisions.clone(),
            closing_note: state
                .outcome
                .as_ref()
                .filter(|o| !o.3.trim().is_empty())
                .map(|o| (o.3.clone(), o.2.clone())),
        };
        for g in plan.run_phases().flat_map(|p| &p.gates) {
            match self.gate_status(&state, g) {
                GateStatus::Overridden {
                    reason, by, value, ..
                } => summary.gate_overrides.push((
                    g.text.clone(),
                    by,
                    reason,
                    value.map(|v| gate::with_unit(v, g.unit.as_deref())),
                )),
                GateStatus::Failed { verdict, value, .. } => summary.gates_failed.push((
                    g.text.clone(),
                    verdict,
                    value.map(|v| gate::with_unit(v, g.unit.as_deref())),
                )),
                _ => {}
            }
        }
        for (ph, s) in plan.run_steps() {
            summary.total += 1;
            match state.status_in(ph, s) {
                StepStatus::Pending => summary.open.push(s.text.clone()),
                StepStatus::Done { overridden, by, .. } => {
                    summary.done += 1;
                    if let Some(reason) = overridden {
                        summary
                            .overridden
                            .push((s.text.clone(), by.unwrap_or_default(), reason));
                    }
                }
                StepStatus::Skipped { by, reason, .. } => {
                    summary.skipped.push((s.text.clone(), by, reason));
                }
            }
        }
        summary
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes a stored run; a newer schema is refused, not guessed at.
    pub fn decode(stored: &str) -> Result<Run, crate::ProgressError> {
        use crate::ProgressError;
        let (value, schema) = crate::progress::versioned(stored, RUN_SCHEMA)?;
        let mut run: Run =
            serde_json::from_value(value).map_err(|e| ProgressError::Corrupt(e.to_string()))?;
        if schema < 2 {
            migrate_v1(&mut run);
        }
        if run.events.iter().any(|e| e.id.is_empty()) {
            return Err(ProgressError::Corrupt("an event has no id".into()));
        }
        // Kept sorted by time, then id, whoever wrote it.
        run.events
            .sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
        Ok(run)
    }

    pub fn storage_key(id: &str) -> String {
        format!("preflight.run.{id}")
    }
}

/// Schema 1 → 2: events get ids from their place in the log, which was
/// the order they happened in.
fn migrate_v1(run: &mut Run) {
    for (i, e) in run.events.iter_mut().enumerate() {
        e.id = format!("{:x}-v1-{i}", e.at_ms);
    }
    run.schema = RUN_SCHEMA;
    let events = std::mem::take(&mut run.events);
    run.merge(events);
}

/// A wait's reading for a step or phase with a wait of `seconds`.
pub fn wait_status(
    state: &RunState,
    target: &str,
    seconds: Option<u64>,
    now_ms: i64,
) -> Option<WaitStatus> {
    let Some((started, secs)) = state.wait(target) else {
        return seconds.map(|seconds| WaitStatus::NotStarted { seconds });
    };
    let ends_ms = started.saturating_add(secs_ms(secs));
    Some(if now_ms >= ends_ms {
        WaitStatus::Elapsed { ended_ms: ends_ms }
    } else {
        WaitStatus::Running {
            ends_ms,
            remaining_ms: ends_ms.saturating_sub(now_ms),
        }
    })
}

/// Seconds as milliseconds, without overflow for any number of seconds
/// a stored run or a message may hold.
pub fn secs_ms(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX).saturating_mul(1000)
}

/// `1:05:09`, `4:07`, `-0:30` for a span in milliseconds.
pub fn format_ms(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let total = ms.unsigned_abs() / 1000;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{sign}{h}:{m:02}:{s:02}")
    } else {
        format!("{sign}{m}:{s:02}")
    }
}

/// One line per run in the list of recent runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEntry {
    pub id: String,
    pub guide_title: String,
    pub guide_hash: String,
    pub operator: String,
    pub started_ms: i64,
    pub updated_ms: i64,
    pub outcome: Option<Outcome>,
    /// Done or skipped.
    pub resolved: usize,
    /// Done alone (absent in lists written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<usize>,
    pub total: usize,
}

impl RunEntry {
    /// "2 done · 1 skipped · 21 open", or "3 of 24 steps resolved" for an
    /// entry written before done and skipped were kept apart.
    pub fn progress_label(&self) -> String {
        match self.done {
            Some(done) => progress_label(
                done,
                self.resolved.saturating_sub(done),
                self.total.saturating_sub(self.resolved),
            ),
            None => format!("{} of {} steps resolved", self.resolved, self.total),
        }
    }
}

/// The list of recent runs kept beside the runs themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RunIndex {
    pub schema: u32,
    pub runs: Vec<RunEntry>,
}

impl RunIndex {
    pub const STORAGE_KEY: &'static str = "preflight.runs";

    /// Adds or replaces the entry for `run`.
    pub fn upsert(&mut self, run: &Run, guide: &Guide) {
        self.upsert_planned(run, &run.plan(guide));
    }

    /// [`RunIndex::upsert`] with the run's plan already made.
    pub fn upsert_planned(&mut self, run: &Run, plan: &Plan) {
        let state = run.state();
        let progress = run.progress(plan, &state, None);
        let entry = RunEntry {
            id: run.id.clone(),
            guide_title: run.guide_title.clone(),
            guide_hash: run.current_guide_hash().to_owned(),
            operator: run.operator.clone(),
            started_ms: run.started_ms,
            updated_ms: run.updated_ms(),
            outcome: run.outcome(),
            resolved: progress.resolved,
            done: Some(progress.done),
            total: progress.total,
        };
        self.schema = RUN_SCHEMA;
        match self.runs.iter_mut().find(|e| e.id == run.id) {
            Some(e) => *e = entry,
            None => self.runs.push(entry),
        }
    }

    /// In-progress runs first, then the rest, each most recent first.
    pub fn sorted(&self) -> Vec<&RunEntry> {
        let mut out: Vec<&RunEntry> = self.runs.iter().collect();
        out.sort_by_key(|e| (e.outcome.is_some(), std::cmp::Reverse(e.updated_ms)));
        out
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(stored: &str) -> Result<RunIndex, crate::ProgressError> {
        serde_json::from_str(stored).map_err(|e| crate::ProgressError::Corrupt(e.to_string()))
    }
}
