//! The deploy-window forecast: when the run will finish at its actual
//! pace, and its point of no return — the last moment at which finishing
//! the remaining steps *and* rolling back still fit in the window.
//!
//! Planned time per step ([`Plan::planned_ms`]): the step's own estimate,
//! else an equal share of its phase's estimate, else an equal share of the
//! guide's among the steps with neither, else [`DEFAULT_STEP_MS`]; waits
//! count their time left, never scaled. Follow-ups are due after the
//! window and count for nothing here. The pace is the time the resolved
//! steps actually took against their plan (after [`PACE_AFTER`]
//! check-offs, bounded to ¼×–4×), and scales the work left. Everything is
//! read from the log and a clock reading passed in, like the other timers.
//!
//! How loud the forecast is ([`Alarm`]) depends on what is news: a plan
//! that did not fit its window from the start has passed its point of no
//! return before anyone began, so passing it says nothing; only the finish
//! slipping well past the plan's ([`Forecast::planned_finish_ms`]) does.
//! A step running long (twice its planned time, and two minutes over) is
//! worth a look whatever the window.

use super::plan::{Plan, PlanPhase, PlanStep};
use super::{wait_status, Action, Run, RunState, StepStatus, WaitStatus};
use crate::text::duration::{self, Range};

/// Planned time of a step that has no estimate of its own or its phase's.
pub const DEFAULT_STEP_MS: i64 = 2 * 60_000;
/// Warn this long before the point of no return.
pub const NO_RETURN_WARN_MS: i64 = 10 * 60_000;
/// Check-offs needed before the actual pace replaces the estimates.
pub const PACE_AFTER: usize = 3;
/// A finish this much later than the plan's is news even when the plan
/// never fit the window (or [`SLIP_SHARE`] of the window, if more).
pub const SLIP_MS: i64 = 5 * 60_000;
/// Share of the window a finish may slip past the plan's before it is news.
pub const SLIP_SHARE: f64 = 0.1;
/// A step runs long past twice its planned time and this much over it.
pub const LONG_OVER_MS: i64 = 2 * 60_000;

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
    /// The finish planned at the run's origin (the later of its start and
    /// the window's): all the window's work and waits at pace 1, with
    /// nothing done.
    pub planned_finish_ms: i64,
    /// The current step, when the time since the last check-off (or the
    /// origin) is more than twice its planned time and [`LONG_OVER_MS`]
    /// over it: (step id, how far over its planned time).
    pub running_long: Option<(String, i64)>,
    /// How loud to be about all this.
    pub alarm: Alarm,
}

/// How loud the forecast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// Nothing new: one quiet line.
    Quiet,
    /// The point of no return is within [`NO_RETURN_WARN_MS`], or a step
    /// is running long.
    Watch,
    /// The point of no return has passed, unknowingly.
    Alarm,
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

/// Planned time of one step of `phase`, waits excluded: the middle of
/// [`Plan::planned_ms`].
fn planned_ms(plan: &Plan, phase: &PlanPhase, step: &PlanStep) -> i64 {
    let [lo, hi] = plan.planned_ms(phase, step);
    lo.saturating_add(hi) / 2
}

/// A sentence for the start form when the window's work (`work`,
/// [`Plan::planned_work_s`]) does not fit a window of `window_ms`: its
/// middle is longer than the window. `None` when it fits.
pub fn window_fit(work: Range, window_ms: i64) -> Option<String> {
    let mid_ms = super::secs_ms(work[0]).saturating_add(super::secs_ms(work[1])) / 2;
    if mid_ms <= window_ms.max(0) {
        return None;
    }
    let window_s = (window_ms.max(0) / 1000) as u64;
    Some(format!(
        "The steps take about {}; the window is {} — widen it?",
        duration::format_range(work),
        duration::format(window_s)
    ))
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
        // The plan as it stood at the origin: every step and wait.
        let mut planned_all = 0i64;
        // The first step still pending, with its planned time and wait.
        let mut current: Option<(&PlanStep, i64)> = None;
        let mut last_resolved = None::<i64>;
        for phase in plan.run_phases().filter(|p| p.follow_up_s.is_none()) {
            if !phase.steps.is_empty() {
                planned_all = planned_all.saturating_add(phase.wait_s.map_or(0, super::secs_ms));
            }
            for step in &phase.steps {
                planned_all = planned_all
                    .saturating_add(planned_ms(plan, phase, step))
                    .saturating_add(step.wait_s.map_or(0, super::secs_ms));
            }
            if state.phase_skipped(&phase.id) {
                continue;
            }
            let mut open = false;
            for step in &phase.steps {
                let status = state.status_in(phase, step);
                if let StepStatus::Done {
                    at_ms: Some(at), ..
                }
                | StepStatus::Skipped { at_ms: at, .. } = &status
                {
                    last_resolved = Some(last_resolved.map_or(*at, |l: i64| l.max(*at)));
                }
                match status {
                    StepStatus::Pending => {
                        open = true;
                        let planned = planned_ms(plan, phase, step);
                        if current.is_none() {
                            let wait = step.wait_s.map_or(0, super::secs_ms);
                            current = Some((step, planned.saturating_add(wait)));
                        }
                        planned_left = planned_left.saturating_add(planned);
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
                        planned_done = planned_done.saturating_add(planned_ms(plan, phase, step));
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
        let planned_finish_ms = origin.saturating_add(planned_all);
        // The plan never fit: its point of no return was before the origin.
        let fit = self
            .window
            .end_ms
            .saturating_sub(planned_all)
            .saturating_sub(rollback_ms)
            > origin;
        let span = self.window.end_ms.saturating_sub(self.window.start_ms);
        let slip_allowed = SLIP_MS.max((span as f64 * SLIP_SHARE) as i64);
        let slipped = finish_ms.saturating_sub(planned_finish_ms) > slip_allowed;
        let since = now_ms.saturating_sub(last_resolved.map_or(origin, |l| l.max(origin)));
        let running_long = current.and_then(|(step, planned)| {
            let over = since.saturating_sub(planned);
            (over > planned && over >= LONG_OVER_MS).then(|| (step.id.clone(), over))
        });
        let by_no_return = match &no_return {
            _ if !fit && !slipped => Alarm::Quiet,
            NoReturn::Passed {
                knowingly: None, ..
            } => Alarm::Alarm,
            NoReturn::Soon { .. } => Alarm::Watch,
            NoReturn::Passed { .. } | NoReturn::Ahead { .. } => Alarm::Quiet,
        };
        let alarm = match (by_no_return, &running_long) {
            (Alarm::Quiet, Some(_)) => Alarm::Watch,
            (alarm, _) => alarm,
        };
        Some(Forecast {
            remaining_ms,
            finish_ms,
            rollback_ms,
            no_return_ms,
            pace,
            late: finish_ms > self.window.end_ms,
            no_return,
            planned_finish_ms,
            running_long,
            alarm,
        })
    }
}

#[cfg(test)]
mod tests;
