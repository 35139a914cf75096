//! A run: one team's pass through a guide during a deploy window.
//!
//! A [`Run`] is an append-only event log (who did what, when) plus what was
//! decided when it started. Everything shown during a run — step states,
//! the current step, progress, timers, the summary — is derived from that
//! log and a clock reading passed in, so it is right after a reload or
//! after a laptop wakes from sleep. Nothing here reads a clock itself.
//!
//! Time is milliseconds since the Unix epoch (`i64`), as browsers give it.
//!
//! This file holds the [`Run`] itself: making it, its plan, its log and
//! how it is stored. The rest is in parts: `event` (the log's entries),
//! `refusal` (why an action is not recorded), `state` (the log folded),
//! `rules` (checking, recording and merging events), `readings` (timers,
//! progress, the summary) and `index` (the list of recent runs).

pub mod apply;
pub mod assign;
pub mod audit;
pub mod chain;
pub mod decide;
pub mod diff;
mod event;
pub mod forecast;
mod gate;
mod index;
pub mod params;
mod plan;
mod readings;
mod refusal;
mod rules;
pub mod sign;
mod state;
pub mod store;
#[cfg(test)]
mod tests;

pub use decide::{Answer, Decision};
pub use event::{signed_at, Action, Event, Meaning, Outcome, Signature};
pub use gate::{
    parse_observed, phase_gates, trim_number, with_unit, PlanGate, ValueError, Verdict,
};
pub use index::{RunEntry, RunIndex};
pub use plan::{AltGroup, Plan, PlanPhase, PlanStep};
pub use readings::{
    format_ms, progress_label, secs_ms, wait_status, FollowUp, PhaseTimer, Progress, Summary,
    WaitStatus, WindowLevel, WindowTimer, WINDOW_WARN_AT,
};
pub use refusal::Refusal;
pub use state::{GateStatus, Note, ParamValue, RunState, StepStatus};

use crate::guide::{Guide, StepOverrides};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema version of a stored [`Run`].
///
/// 1: events without ids, the whole run in one record.
/// 2: every event has an id; events are stored one per key and merged.
pub const RUN_SCHEMA: u32 = 2;

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

    /// The guide versions the log names: the one the run started with,
    /// then every adoption's, in log order (the stored log may name
    /// versions no rule has accepted yet).
    pub fn versions(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.guide_hash.as_str()).chain(self.events.iter().filter_map(|e| {
            match &e.action {
                Action::AdoptGuide { to_hash, .. } => Some(to_hash.as_str()),
                _ => None,
            }
        }))
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
