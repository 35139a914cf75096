//! The rules: whether an action may be recorded ([`Run::check`]), recording
//! it ([`Run::record`]), merging events from elsewhere ([`Run::merge`]), and
//! what the rules read — gate checks, locks, due times, approvals.

use super::state::GateAnswer;
use super::{
    decide, secs_ms, store, wait_status, Action, Event, GateStatus, Meaning, Outcome, Plan,
    PlanGate, PlanPhase, Refusal, Run, RunState, StepStatus, Verdict, WaitStatus,
};

impl Run {
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
        // An approver who also performed the run's work, before or after
        // approving, is no second person.
        let performed = |by: &str| {
            by.trim().eq_ignore_ascii_case(self.operator.trim())
                || state.signatures.iter().any(|p| {
                    p.phase.is_none()
                        && p.meaning == Meaning::Performed
                        && p.by.trim().eq_ignore_ascii_case(by.trim())
                })
        };
        state
            .signatures
            .iter()
            .any(|s| s.phase.is_none() && s.meaning == Meaning::Approved && !performed(&s.by))
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
        Some(anchor.saturating_add(after))
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
        let mut now_ms = self.events.last().map_or(now_ms, |e| now_ms.max(e.at_ms));
        let action = self.check(plan, &std::cell::OnceCell::new(), None, now_ms, by, action)?;
        let writer = if self.writer.is_empty() {
            "w"
        } else {
            &self.writer
        };
        // The count is zero-padded so ids of one millisecond sort by it.
        let make = |at: i64| format!("{at:x}-{writer}-{:08}", self.events.len());
        let mut id = make(now_ms);
        // The log may have lost events since (set aside when an older one
        // arrived), so the count alone need not sort after the last id
        // of this millisecond: then the event is a millisecond later, which
        // no event holds, and its id is new and last.
        if let Some(last) = self.events.last() {
            if last.at_ms == now_ms && id <= last.id {
                now_ms = now_ms.saturating_add(1);
                id = make(now_ms);
            }
        }
        if now_ms > super::store::MAX_TIME_MS {
            return Err(Refusal::Malformed(
                "the log holds a change dated later than any clock reads",
            ));
        }
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
    /// `finished`, when the caller knows it, saves reading the log for it.
    pub(crate) fn check(
        &self,
        plan: &Plan,
        folded: &std::cell::OnceCell<RunState>,
        finished: Option<bool>,
        now_ms: i64,
        by: &str,
        action: Action,
    ) -> Result<Action, Refusal> {
        let finished = finished.unwrap_or_else(|| match folded.get() {
            Some(st) => st.outcome.is_some(),
            None => self.outcome().is_some(),
        });
        // Follow-ups fall due after the run: their steps can still be
        // checked, reopened and noted once it has finished.
        if finished && !follow_up_work(plan, &action) {
            return Err(Refusal::Finished);
        }
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
            Action::SetParam { param, value, step } => {
                if let Some(step) = &step {
                    step_of(step)?;
                }
                set_param(param, value, step)?
            }
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
                proof,
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
                    proof,
                }
            }
            Action::MakeStep { .. } | Action::NotAStep { .. }
                if state().corrections >= MAX_CORRECTIONS =>
            {
                return Err(Refusal::Malformed(
                    "a run holds at most 200 corrections of its checklist",
                ))
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
}

/// Whether `action` checks, reopens or notes a step of a follow-up: what
/// a finished run still takes.
fn follow_up_work(plan: &Plan, action: &Action) -> bool {
    let step = match action {
        Action::Check { step, .. } | Action::Uncheck { step } => step,
        Action::Note {
            step: Some(step), ..
        } => step,
        _ => return false,
    };
    plan.step(step)
        .is_some_and(|(p, _)| p.follow_up_s.is_some() && p.runnable && !p.hidden)
}

/// The most "Make this a step" / "Not a step" corrections one run holds:
/// each makes the plan again.
pub const MAX_CORRECTIONS: usize = 200;

/// A parameter's value as the log keeps it: a name that is a key (letters,
/// digits, `_`), one line of text ([`super::params::check_value`]), and
/// no secret's value: a secret's entry says only that it was set.
pub(super) fn set_param(
    param: String,
    value: Option<String>,
    step: Option<String>,
) -> Result<Action, Refusal> {
    use crate::guide::params;
    let clean = param.chars().all(|c| c.is_alphanumeric() || c == '_');
    if param.is_empty()
        || param.len() > super::params::MAX_NAME
        || !clean
        || params::key(&param) != param
    {
        return Err(Refusal::Malformed("a parameter is named by its key"));
    }
    let secret = params::is_secret(&param);
    match &value {
        Some(_) if secret => {
            return Err(Refusal::Malformed(
                "a secret's value is kept on the device that set it, never in the log",
            ))
        }
        Some(v) => {
            if v.trim().is_empty() {
                return Err(Refusal::ReasonRequired);
            }
            super::params::check_value(v).map_err(Refusal::Malformed)?;
            if crate::text::secrets::mask_text(v).text != v.as_str() {
                return Err(Refusal::Malformed(
                    "this value looks like a credential; a parameter that holds one needs a secret's name (PASSWORD, TOKEN, KEY…)",
                ));
            }
        }
        None if !secret => {
            return Err(Refusal::Malformed(
                "only a secret's entry leaves its value out",
            ))
        }
        None => {}
    }
    Ok(Action::SetParam { param, value, step })
}

/// Skips, overrides, notes, roles and names need words.
pub(super) fn need_words(s: &str) -> Result<(), Refusal> {
    if s.trim().is_empty() {
        Err(Refusal::ReasonRequired)
    } else {
        Ok(())
    }
}
