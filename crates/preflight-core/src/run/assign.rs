//! Who does what: roles a guide names ([`crate::guide::roles`], stored on
//! the plan's phases and steps), and assignments made in a run.
//!
//! In a run, `Assign` events give a step, a phase (every step in it) or a
//! role (every step of that role) to a person, with an optional due time;
//! the most specific wins: step, then phase, then role.

use std::collections::HashMap;

use super::plan::{Plan, PlanPhase, PlanStep};
use super::{Run, RunState};
pub use crate::guide::roles::{phase_role, role_in_text};

/// Who a step is assigned to, its role, and when it is due.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assignee {
    pub who: Option<String>,
    pub role: Option<String>,
    pub due_ms: Option<i64>,
}

impl Assignee {
    /// Nobody, no role, no due time.
    pub fn is_empty(&self) -> bool {
        self.who.is_none() && self.role.is_none() && self.due_ms.is_none()
    }
}

/// The target of an assignment to every step of a role.
pub fn role_target(role: &str) -> String {
    format!("role:{}", role.to_lowercase())
}

impl Run {
    /// The assignee of one step: the step's own assignment, else its
    /// phase's, else its role's; the role is the guide's.
    pub fn assignee(&self, state: &RunState, phase: &PlanPhase, step: &PlanStep) -> Assignee {
        let role = step.role.clone();
        let found = state
            .assigned
            .get(&step.id)
            .or_else(|| state.assigned.get(&phase.id))
            .or_else(|| {
                role.as_ref()
                    .and_then(|r| state.assigned.get(&role_target(r)))
            });
        match found {
            Some((who, due)) => Assignee {
                who: (!who.is_empty()).then(|| who.clone()),
                role,
                due_ms: *due,
            },
            None => Assignee {
                who: None,
                role,
                due_ms: None,
            },
        }
    }

    /// Every runnable step's assignee, by step id (steps with none left out).
    pub fn assignees(&self, plan: &Plan, state: &RunState) -> HashMap<String, Assignee> {
        plan.run_steps()
            .chain(plan.rollback_steps())
            .map(|(p, s)| (s.id.clone(), self.assignee(state, p, s)))
            .filter(|(_, a)| !a.is_empty())
            .collect()
    }
}

/// The roles named in a plan, in order of first appearance.
pub fn roles(plan: &Plan) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, s) in plan.run_steps() {
        if let Some(r) = &s.role {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(r)) {
                out.push(r.clone());
            }
        }
    }
    out
}

/// A due time typed in a run: `+4 h`, `+90 min`, `+1h30m` after the run
/// started, or a clock time `13:00` (the first such time at or after the
/// start, in the person's UTC offset). `None` when it is neither.
pub fn parse_due(input: &str, started_ms: i64, tz_offset_min: i32) -> Option<i64> {
    let t = input.trim();
    if let Some(rel) = t.strip_prefix('+') {
        let secs = relative_seconds(rel)?;
        return started_ms.checked_add(secs.checked_mul(1000)?);
    }
    let (h, m) = t.split_once(':')?;
    let (h, m): (i64, i64) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    let offset = tz_offset_min as i64 * 60_000;
    let local_start = started_ms + offset;
    let day = local_start.div_euclid(86_400_000) * 86_400_000;
    let mut at = day + (h * 60 + m) * 60_000;
    if at < local_start {
        at += 86_400_000;
    }
    Some(at - offset)
}

/// `4 h`, `90 min`, `1h30m`, `45m`, `2 hours` → seconds.
fn relative_seconds(s: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut num = String::new();
    let mut unit = String::new();
    let mut any = false;
    let flush = |num: &mut String, unit: &mut String, total: &mut i64| -> Option<()> {
        if num.is_empty() {
            return if unit.is_empty() { Some(()) } else { None };
        }
        let n: i64 = num.parse().ok()?;
        let mult = match unit.as_str() {
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "m" | "min" | "mins" | "minute" | "minutes" | "" => 60,
            _ => return None,
        };
        *total = total.checked_add(n.checked_mul(mult)?)?;
        num.clear();
        unit.clear();
        Some(())
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !unit.is_empty() {
                flush(&mut num, &mut unit, &mut total)?;
            }
            num.push(c);
            any = true;
        } else if c.is_alphabetic() {
            unit.push(c.to_ascii_lowercase());
        } else if !c.is_whitespace() {
            return None;
        }
    }
    flush(&mut num, &mut unit, &mut total)?;
    (any && total > 0).then_some(total)
}

#[cfg(test)]
mod tests;
