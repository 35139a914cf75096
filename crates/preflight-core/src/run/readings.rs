//! Readings of a run at a clock reading passed in: the window and phase
//! timers, progress, the current step, follow-ups, rollback, wait timers
//! and the end-of-run summary; spans as text.

use super::{
    gate, Answer, Decision, GateStatus, Note, Outcome, Plan, PlanPhase, PlanStep, Run, RunState,
    StepStatus, Verdict, Window,
};
use crate::guide::Guide;
use crate::text::duration::Range;

/// Share of the deploy window after which the window timer warns.
pub const WINDOW_WARN_AT: f64 = 0.8;

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

    pub(super) fn count(&mut self, status: &StepStatus) {
        self.total += 1;
        match status {
            StepStatus::Done { .. } => self.done += 1,
            StepStatus::Skipped { .. } => self.skipped += 1,
            StepStatus::Pending => {}
        }
        self.resolved = self.done + self.skipped;
    }
}

/// A follow-up of the run ([`PlanPhase::follow_up_s`]): a section due a
/// while after the deployment ends, with its sub-sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub phase_id: String,
    pub title: String,
    /// When it is due: the run's end (the window's, until it has
    /// finished) plus its horizon.
    pub due_ms: i64,
    /// Its steps resolved (done or skipped).
    pub done: usize,
    pub total: usize,
}

impl FollowUp {
    pub fn open(&self) -> usize {
        self.total - self.done
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
    /// Steps of the window left pending (follow-ups are due later).
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
        let running_ms = end.saturating_sub(started_ms).max(0);
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
    /// one phase or (with `None`) the whole run's window: follow-ups
    /// count in their own phase only ([`Run::follow_ups`]).
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
            None => plan.window_steps().for_each(|(ph, s)| count(ph, s)),
        }
        p
    }

    /// The first step of the checklist still pending: of the rollback
    /// checklist once rolling back. A follow-up is the current step only
    /// once every step of the window is resolved.
    pub fn current_step<'a>(&self, plan: &'a Plan, state: &RunState) -> Option<&'a PlanStep> {
        if state.rollback.is_some() {
            return plan
                .rollback_steps()
                .find(|(ph, s)| !state.status_in(ph, s).is_resolved())
                .map(|(_, s)| s);
        }
        let open = |(ph, s): &(&PlanPhase, &PlanStep)| !state.status_in(ph, s).is_resolved();
        plan.window_steps()
            .find(open)
            .or_else(|| plan.run_steps().find(open))
            .map(|(_, s)| s)
    }

    /// The run's follow-ups in guide order: each section that names its
    /// own horizon, with the steps of its sub-sections that do not.
    pub fn follow_ups(&self, plan: &Plan, state: &RunState) -> Vec<FollowUp> {
        let anchor = state
            .outcome
            .as_ref()
            .map_or(self.window.end_ms, |(_, at, ..)| *at);
        let mut out: Vec<FollowUp> = Vec::new();
        // (depth, horizon, index in `out`) of the follow-ups around.
        let mut open: Vec<(usize, u64, usize)> = Vec::new();
        for phase in plan.run_phases() {
            while open.last().is_some_and(|(d, ..)| *d >= phase.depth) {
                open.pop();
            }
            let Some(after) = phase.follow_up_s else {
                continue;
            };
            let at = match open.last() {
                Some(&(_, h, i)) if h == after => i,
                _ => {
                    out.push(FollowUp {
                        phase_id: phase.id.clone(),
                        title: phase.title.clone(),
                        due_ms: anchor.saturating_add(secs_ms(after)),
                        done: 0,
                        total: 0,
                    });
                    out.len() - 1
                }
            };
            open.push((phase.depth, after, at));
            for s in &phase.steps {
                out[at].total += 1;
                if state.status_in(phase, s).is_resolved() {
                    out[at].done += 1;
                }
            }
        }
        out
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
        let running = end.saturating_sub(*started).max(0);
        Some((
            running,
            estimate_s.is_some_and(|[_, hi]| running > secs_ms(hi)),
        ))
    }

    pub fn summary(&self, plan: &Plan, guide: &Guide, now_ms: i64) -> Summary {
        let state = self.state();
        let ended_ms = state.outcome.as_ref().map(|o| o.1);
        let mut summary = Summary {
            outcome: state.outcome.as_ref().map(|o| o.0),
            ended_ms,
            duration_ms: ended_ms.unwrap_or(now_ms).saturating_sub(self.started_ms),
            estimate_s: guide.estimate_s,
            window_ms: self.window.end_ms.saturating_sub(self.window.start_ms),
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
        // Follow-ups are due after the run: not left open by it.
        for (ph, s) in plan.window_steps() {
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
