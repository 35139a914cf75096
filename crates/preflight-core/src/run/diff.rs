//! Step-level differences between two versions of a guide, and what
//! adopting the new version in a run in progress means.
//!
//! Steps are matched by id first: ids come from a step's text (and a
//! command's code), so a step that only moved keeps its id and is
//! unchanged. Of the rest, a step of the old version and one of the new in
//! the same phase (by title) and of the same kind are the same step
//! *changed* when their words overlap by half or more, or, failing that,
//! when they stand at the same place in that phase; whatever is left was
//! removed or added.
//!
//! Adopting keeps the log: unchanged steps keep their state because their
//! ids are the same, changed steps have new ids and so are open again,
//! and an `AdoptGuide` event records the versions and the steps removed.

use std::collections::{BTreeSet, HashSet};

use super::plan::Plan;
use crate::guide::StepKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffStep {
    pub id: String,
    pub phase: String,
    pub text: String,
    pub kind: StepKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepDiff {
    pub added: Vec<DiffStep>,
    pub removed: Vec<DiffStep>,
    /// (old, new).
    pub changed: Vec<(DiffStep, DiffStep)>,
    pub unchanged: usize,
}

impl StepDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

fn steps(plan: &Plan) -> Vec<(DiffStep, usize)> {
    let mut out = Vec::new();
    for phase in plan.run_phases() {
        for (i, s) in phase.steps.iter().enumerate() {
            out.push((
                DiffStep {
                    id: s.id.clone(),
                    phase: phase.title.clone(),
                    text: s.text.clone(),
                    kind: s.kind,
                },
                i,
            ));
        }
    }
    out
}

fn words(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Shared words over all words (0 to 1).
fn overlap(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    let all = a.union(&b).count();
    if all == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / all as f64
}

/// The differences from `old` to `new` (both plans of the run's choices).
pub fn diff(old: &Plan, new: &Plan) -> StepDiff {
    let (old, new) = (steps(old), steps(new));
    let new_ids: HashSet<&str> = new.iter().map(|(s, _)| s.id.as_str()).collect();
    let old_ids: HashSet<&str> = old.iter().map(|(s, _)| s.id.as_str()).collect();
    let mut out = StepDiff {
        unchanged: old
            .iter()
            .filter(|(s, _)| new_ids.contains(s.id.as_str()))
            .count(),
        ..StepDiff::default()
    };
    let gone: Vec<&(DiffStep, usize)> = old
        .iter()
        .filter(|(s, _)| !new_ids.contains(s.id.as_str()))
        .collect();
    let mut fresh: Vec<Option<&(DiffStep, usize)>> = new
        .iter()
        .filter(|(s, _)| !old_ids.contains(s.id.as_str()))
        .map(Some)
        .collect();
    let mut unmatched = Vec::new();
    // Best word overlap first, then the same place.
    for g in &gone {
        let best = fresh
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.map(|f| (i, f)))
            .filter(|(_, f)| f.0.phase == g.0.phase && f.0.kind == g.0.kind)
            .map(|(i, f)| (i, overlap(&g.0.text, &f.0.text)))
            .filter(|(_, o)| *o >= 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => out
                .changed
                .push((g.0.clone(), fresh[i].take().expect("present").0.clone())),
            None => unmatched.push(*g),
        }
    }
    for g in unmatched {
        let same_place = fresh.iter().position(|f| {
            f.is_some_and(|f| f.0.phase == g.0.phase && f.0.kind == g.0.kind && f.1 == g.1)
        });
        match same_place {
            Some(i) => out
                .changed
                .push((g.0.clone(), fresh[i].take().expect("present").0.clone())),
            None => out.removed.push(g.0.clone()),
        }
    }
    out.added = fresh.into_iter().flatten().map(|f| f.0.clone()).collect();
    out
}

#[cfg(test)]
mod tests;
