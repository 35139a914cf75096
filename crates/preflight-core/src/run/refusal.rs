//! Why an action was not recorded: [`Refusal`], its message and the rule
//! it names.

use super::format_ms;
use std::fmt;

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
