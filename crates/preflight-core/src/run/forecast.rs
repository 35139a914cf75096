//! The deploy-window forecast: when the run will finish at its actual
//! pace, and its point of no return — the last moment at which finishing
//! the remaining steps *and* rolling back still fit in the window.
//!
//! Planned time per step: the step's own estimate, else an equal share of
//! its phase's estimate, else [`DEFAULT_STEP_MS`]; waits count their time
//! left, never scaled. The pace is the time the resolved steps actually
//! took against their plan (after [`PACE_AFTER`] check-offs, bounded to
//! ¼×–4×), and scales the work left. Everything is read from the log and a
//! clock reading passed in, like the other timers.

use super::plan::{Plan, PlanPhase, PlanStep};
use super::{wait_status, Action, Run, RunState, StepStatus, WaitStatus};
use crate::text::duration::Range;

/// Planned time of a step that has no estimate of its own or its phase's.
pub const DEFAULT_STEP_MS: i64 = 2 * 60_000;
/// Warn this long before the point of no return.
pub const NO_RETURN_WARN_MS: i64 = 10 * 60_000;
/// Check-offs needed before the actual pace replaces the estimates.
pub const PACE_AFTER: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Work and waits left, at the actual pace.
    pub remaining_ms: i64,
    /// When the run is forecast to finish.
    pub finish_ms: i64,
    /// The rollback's time (its estimate's upper bound, else its steps).
    pub rollback_ms: i64,
    /// The latest moment to start the remaining work and still be able to
    /// roll back inside the window.
    pub no_return_ms: i64,
    /// Actual time of the resolved work against its plan (1.0 until
    /// enough check-offs).
    pub pace: f64,
    /// The forecast finish is after the window's end.
    pub late: bool,
    pub no_return: NoReturn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoReturn {
    /// More than [`NO_RETURN_WARN_MS`] away.
    Ahead { in_ms: i64 },
    /// Within [`NO_RETURN_WARN_MS`].
    Soon { in_ms: i64 },
    /// Passed; `knowingly` when the team recorded that it goes on.
    Passed {
        since_ms: i64,
        knowingly: Option<(i64, String)>,
    },
}

fn mid(r: Range) -> i64 {
    ((r[0] + r[1]) as i64) * 500
}

/// Planned time of one step of `phase`, waits excluded.
fn planned_ms(phase: &PlanPhase, step: &PlanStep) -> i64 {
    if step.wait_s.is_some() {
        return 0;
    }
    if let Some(e) = step.estimate_s {
        return mid(e);
    }
    if let Some(e) = phase.estimate_s {
        let work = phase
            .steps
            .iter()
            .filter(|s| s.wait_s.is_none())
            .count()
            .max(1) as i64;
        return mid(e) / work;
    }
    DEFAULT_STEP_MS
}

fn wait_left_ms(state: &RunState, target: &str, seconds: Option<u64>, now_ms: i64) -> i64 {
    match wait_status(state, target, seconds, now_ms) {
        Some(WaitStatus::NotStarted { seconds }) => super::secs_ms(seconds),
        Some(WaitStatus::Running { remaining_ms, .. }) => remaining_ms,
        _ => 0,
    }
}

impl Run {
    /// The forecast of an open run; `None` once it has ended or while it
    /// is rolling back (the rollback has its own timer).
    pub fn forecast(
        &self,
        plan: &Plan,
        state: &RunState,
        rollback_estimate: Option<Range>,
        now_ms: i64,
    ) -> Option<Forecast> {
        if state.outcome.is_some() || state.rollback.is_some() {
            return None;
        }
        let (mut planned_left, mut waits_left) = (0i64, 0i64);
        let (mut planned_done, mut done, mut last_done) = (0i64, 0usize, None::<i64>);
        let mut waited_done = 0i64;
        for phase in plan.run_phases() {
            if state.phase_skipped(&phase.id) {
                continue;
            }
            let mut open = false;
            for step in &phase.steps {
                match state.status_in(phase, step) {
                    StepStatus::Pending => {
                        open = true;
                        planned_left = planned_left.saturating_add(planned_ms(phase, step));
                        waits_left = waits_left.saturating_add(wait_left_ms(
                            state,
                            &step.id,
                            step.wait_s,
                            now_ms,
                        ));
                    }
                    StepStatus::Done {
                        at_ms: Some(at), ..
                    } => {
                        done += 1;
                        planned_done = planned_done.saturating_add(planned_ms(phase, step));
                        waited_done =
                            waited_done.saturating_add(step.wait_s.map_or(0, super::secs_ms));
                        last_done = Some(last_done.map_or(at, |l: i64| l.max(at)));
                    }
                    _ => {}
                }
            }
            if open {
                waits_left =
                    waits_left.saturating_add(wait_left_ms(state, &phase.id, phase.wait_s, now_ms));
            }
        }
        // Time before the window opened is not the team being slow.
        let origin = self.started_ms.max(self.window.start_ms);
        let pace = match last_done {
            Some(last) if done >= PACE_AFTER && planned_done > 0 => {
                let from = if last >= origin {
                    origin
                } else {
                    self.started_ms
                };
                let actual = last.saturating_sub(from).saturating_sub(waited_done).max(0) as f64;
                (actual / planned_done as f64).clamp(0.25, 4.0)
            }
            _ => 1.0,
        };
        let remaining_ms = ((planned_left as f64 * pace).round() as i64).saturating_add(waits_left);
        let rollback_ms = match rollback_estimate {
            Some([_, hi]) => super::secs_ms(hi),
            None => plan.rollback_steps().count() as i64 * DEFAULT_STEP_MS,
        };
        let finish_ms = now_ms
            .max(self.window.start_ms)
            .saturating_add(remaining_ms);
        let no_return_ms = self
            .window
            .end_ms
            .saturating_sub(remaining_ms)
            .saturating_sub(rollback_ms);
        // Going on counts for this point of no return only: if it has
        // moved later since, the team is asked again when it passes.
        let knowingly = self.events.iter().rev().find_map(|e| match &e.action {
            Action::PassNoReturn { .. } if e.at_ms >= no_return_ms => Some((e.at_ms, e.by.clone())),
            _ => None,
        });
        let no_return = if now_ms >= no_return_ms {
            NoReturn::Passed {
                since_ms: now_ms.saturating_sub(no_return_ms),
                knowingly,
            }
        } else if no_return_ms.saturating_sub(now_ms) <= NO_RETURN_WARN_MS {
            NoReturn::Soon {
                in_ms: no_return_ms.saturating_sub(now_ms),
            }
        } else {
            NoReturn::Ahead {
                in_ms: no_return_ms.saturating_sub(now_ms),
            }
        };
        Some(Forecast {
            remaining_ms,
            finish_ms,
            rollback_ms,
            no_return_ms,
            pace,
            late: finish_ms > self.window.end_ms,
            no_return,
        })
    }
}

#[cfg(test)]
mod tests;
