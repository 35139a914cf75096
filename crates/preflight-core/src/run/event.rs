//! The log's entries: an [`Event`] is who did what ([`Action`]) and when;
//! signatures ([`Signature`], [`Meaning`], [`signed_at`]) and how a run
//! ended ([`Outcome`]).

use super::{Answer, Decision};
use serde::{Deserialize, Serialize};

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
        /// The signature of the signer's browser key over the entry and the
        /// log it covers: a [`super::sign::Proof`] as JSON, read only where
        /// signatures are checked ([`super::sign::Proof::read`]), so the
        /// log's codec carries it as it came; none in runs recorded before
        /// signing existed or by a browser that cannot keep a key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<Box<serde_json::Value>>,
    },
    Finish {
        outcome: Outcome,
        note: String,
    },
    /// A run parameter given a value ([`crate::guide::params`]), or a
    /// new one: `param` is its key ([`crate::guide::params::key`]);
    /// `step`, when the value was noted at a step during the run. A
    /// secret's value never enters the log: `value` is then `None`, and the
    /// value stays with the device that set it.
    SetParam {
        param: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
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
    /// The entry's id.
    pub id: String,
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
