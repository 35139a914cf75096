//! The list of recent runs kept beside the runs themselves.

use super::{progress_label, Outcome, Plan, Run, RUN_SCHEMA};
use crate::guide::Guide;
use serde::{Deserialize, Serialize};

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
