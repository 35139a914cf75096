//! The log folded into current state: [`RunState`] and what it says about
//! steps ([`StepStatus`]), notes and gate checks ([`GateStatus`]).

use super::{Action, Answer, Decision, Event, Outcome, PlanPhase, PlanStep, Signature, Verdict};
use std::collections::HashMap;

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

/// A run parameter's latest value, and who set it when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamValue {
    /// `None`: a secret, kept on the device that set it.
    pub value: Option<String>,
    pub at_ms: i64,
    pub by: String,
    /// The step it was noted at, if any.
    pub step: Option<String>,
    /// How many times it was set in all.
    pub times: usize,
}

/// The run's log folded into current state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunState {
    /// Steps whose state was changed in the run (the rest follow the guide).
    pub(super) changed: HashMap<String, StepStatus>,
    pub(super) skipped_phases: HashMap<String, (i64, String)>,
    /// Target → (started, seconds).
    pub(super) waits: HashMap<String, (i64, u64)>,
    /// Step or phase → (first, last) time something happened to it.
    pub(super) touched: HashMap<String, (i64, i64)>,
    pub notes: Vec<Note>,
    pub outcome: Option<(Outcome, i64, String, String)>,
    /// Gate check → its latest record.
    pub(super) gates: HashMap<String, GateRecord>,
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
    /// Run parameter (key) → its latest value.
    pub params: std::collections::BTreeMap<String, ParamValue>,
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
pub(super) struct GateRecord {
    pub(super) at_ms: i64,
    pub(super) by: String,
    pub(super) kind: GateAnswer,
    /// The last value measured, kept when the criterion is overridden so
    /// the record shows what was let through.
    pub(super) observed: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum GateAnswer {
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
            Action::SetParam { param, value, step } => {
                let times = self.params.get(param).map_or(0, |p| p.times);
                self.params.insert(
                    param.clone(),
                    ParamValue {
                        value: value.clone(),
                        at_ms: e.at_ms,
                        by: e.by.clone(),
                        step: step.clone(),
                        times: times + 1,
                    },
                );
            }
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
                ..
            } => self.signatures.push(Signature {
                id: e.id.clone(),
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
