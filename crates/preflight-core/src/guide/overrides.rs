//! The person's corrections of the model: "Make this a step" and "Not a
//! step".
//!
//! The model decides which list items, paragraphs and code blocks of a
//! guide are steps; [`StepOverrides`] holds what a person decided instead:
//! lines whose block becomes a step (`make`) and step ids that are not
//! steps (`drop`). [`Guide::with_overrides`] applies them; [`candidates`]
//! lists the blocks that could be made steps.
//!
//! Corrections toggle: [`StepOverrides::make_step`] on a line whose step
//! was dropped restores that step, and [`StepOverrides::not_a_step`] on a
//! step that was made takes it back, so the same two operations undo
//! each other. A run keeps them as its `MakeStep` / `NotAStep` events;
//! before a run, the app keeps a `StepOverrides` per guide.

use super::{Guide, Phase, Step, StepKind};
use crate::doc::{Block, Inline};
use crate::text::{fnv1a, normalise, normalised_hash};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// A person's corrections of which blocks of a guide are steps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOverrides {
    /// 1-based lines whose list item, paragraph or code block is a step.
    #[serde(default)]
    pub make: BTreeSet<usize>,
    /// Ids of steps that are not steps (their sub-steps go with them).
    #[serde(default)]
    pub drop: BTreeSet<String>,
}

/// A block that is not a step and could be made one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// 1-based line of the list item, paragraph or code block.
    pub line: usize,
    /// Its plain text (a list item: its first paragraph; code: the code).
    pub text: String,
    /// `Action` for a list item or paragraph, `Command` for code.
    pub kind: StepKind,
    /// The phase or section holding it.
    pub phase: String,
    /// The code of a command, or of a list item holding a code block.
    code: Option<String>,
    lang: Option<String>,
}

impl StepOverrides {
    pub fn is_empty(&self) -> bool {
        self.make.is_empty() && self.drop.is_empty()
    }

    /// How many corrections there are.
    pub fn len(&self) -> usize {
        self.make.len() + self.drop.len()
    }

    /// "Make this a step" on the block at `line` of `guide` (the guide
    /// without corrections). `text` is the block's text as the person saw
    /// it; when the block at `line` says something else (the guide
    /// changed), the block with that text nearest to `line` is meant. An
    /// empty `text` accepts whatever is at `line`. When the steps at that
    /// line were dropped, they come back; otherwise the block becomes a
    /// step. Returns the line acted on, `None` when nothing there can be
    /// made a step.
    pub fn make_step(&mut self, guide: &Guide, line: usize, text: &str) -> Option<usize> {
        let current = guide.with_overrides(self);
        let open = candidates(&current);
        let wanted = normalise(text);
        let at = if wanted.is_empty() {
            open.iter().find(|c| c.line == line).map(|c| c.line)
        } else {
            open.iter()
                .filter(|c| normalise(&c.text) == wanted)
                .min_by_key(|c| c.line.abs_diff(line))
                .map(|c| c.line)
        }?;
        // Steps of the guide at that line (or parts of a command there)
        // that were dropped come back.
        let mut restored = false;
        for s in guide.all_steps() {
            if s.line == at {
                restored |= self.drop.remove(&s.id);
                for sub in &s.substeps {
                    restored |= self.drop.remove(&sub.id);
                }
            }
        }
        if !restored {
            self.make.insert(at);
        }
        Some(at)
    }

    /// "Not a step" on the step `id` of `guide` with these corrections
    /// applied. A step made by [`Self::make_step`] is taken back; any
    /// other step is dropped. Returns false for an id that is not a step.
    pub fn not_a_step(&mut self, guide: &Guide, id: &str) -> bool {
        let current = guide.with_overrides(self);
        let Some(step) = current
            .all_steps()
            .into_iter()
            .find(|s| s.id == id)
            .cloned()
        else {
            return false;
        };
        let made = self.make.contains(&step.line) && !guide.all_steps().iter().any(|s| s.id == id);
        if made {
            self.make.remove(&step.line);
        } else {
            self.drop.insert(id.to_owned());
        }
        true
    }
}

impl Guide {
    /// This guide with a person's corrections: steps in `drop` removed
    /// (with their sub-steps; a command whose parts are all dropped goes
    /// too), the blocks at `make` lines turned into steps (an `action`
    /// for a list item or paragraph, a `command` for a code block) in
    /// their phase in line order, and `counts` recomputed. Lines that hold
    /// no block that could be a step, and unknown ids, are ignored.
    pub fn with_overrides(&self, o: &StepOverrides) -> Guide {
        let mut g = self.clone();
        if o.is_empty() {
            return g;
        }
        if !o.drop.is_empty() {
            fn prune(steps: &mut Vec<Step>, drop: &BTreeSet<String>) {
                steps.retain_mut(|s| {
                    if drop.contains(&s.id) {
                        return false;
                    }
                    if s.substeps.is_empty() {
                        return true;
                    }
                    prune(&mut s.substeps, drop);
                    !s.substeps.is_empty()
                });
            }
            fn walk(phases: &mut [Phase], drop: &BTreeSet<String>) {
                for p in phases {
                    prune(&mut p.steps, drop);
                    walk(&mut p.sections, drop);
                }
            }
            walk(&mut g.phases, &o.drop);
        }
        let mut rollback_added = false;
        if !o.make.is_empty() {
            let open = candidates(&g);
            let mut used: HashSet<String> = g.all_steps().iter().map(|s| s.id.clone()).collect();
            for c in open.into_iter().filter(|c| o.make.contains(&c.line)) {
                let step = made_step(&c, &mut used);
                if let Some(phase) = phase_mut(&mut g.phases, &c.phase) {
                    let at = phase
                        .steps
                        .iter()
                        .position(|s| s.line > c.line)
                        .unwrap_or(phase.steps.len());
                    phase.steps.insert(at, step.clone());
                }
                if g.rollback.phases.contains(&c.phase) {
                    g.rollback.steps.push(step.id);
                    rollback_added = true;
                }
            }
        }
        // Only steps that still exist, in the guide's order.
        let order: HashMap<String, usize> = g
            .all_steps()
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let known = |id: &str| order.contains_key(id);
        g.rollback.steps.retain(|id| known(id));
        if rollback_added {
            g.rollback.steps.sort_by_key(|id| order.get(id).copied());
        }
        for_each_phase_mut(&mut g.phases, &mut |p| {
            for gate in &mut p.gates {
                if gate.step.as_deref().is_some_and(|s| !known(s)) {
                    gate.step = None;
                }
            }
        });
        for t in &mut g.rollback.triggers {
            if t.step.as_deref().is_some_and(|s| !known(s)) {
                t.step = None;
            }
        }
        g.counts.steps = g.all_steps().len();
        g
    }
}

fn for_each_phase_mut(phases: &mut [Phase], f: &mut impl FnMut(&mut Phase)) {
    for p in phases {
        f(p);
        for_each_phase_mut(&mut p.sections, f);
    }
}

fn phase_mut<'a>(phases: &'a mut [Phase], id: &str) -> Option<&'a mut Phase> {
    for p in phases {
        if p.id == id {
            return Some(p);
        }
        if let Some(found) = phase_mut(&mut p.sections, id) {
            return Some(found);
        }
    }
    None
}

/// The step a candidate becomes. Its id is made like the model's (see
/// "Stable ids" in [`super`]): a letter, the hash of the text, and the
/// first occurrence number not taken.
fn made_step(c: &Candidate, used: &mut HashSet<String>) -> Step {
    let (prefix, hash) = match c.kind {
        StepKind::Command => ('c', fnv1a(c.code.as_deref().unwrap_or(&c.text).trim())),
        _ => ('a', normalised_hash(&c.text)),
    };
    let mut n = 0;
    let id = loop {
        let id = crate::doc::occurrence_id(prefix, hash, 10, n);
        if !used.contains(&id) {
            break id;
        }
        n += 1;
    };
    used.insert(id.clone());
    let text = match c.kind {
        StepKind::Command => c
            .text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .to_owned(),
        _ => c.text.clone(),
    };
    Step {
        id,
        text,
        kind: c.kind,
        checked: false,
        code: c.code.clone(),
        lang: c.lang.clone(),
        estimate_s: None,
        line: c.line,
        substeps: Vec::new(),
        task: None,
    }
}

/// The blocks of `guide` (as it is, corrections included) that are not
/// steps and could be made one, in line order: list items, paragraphs
/// and code blocks inside phases (not the preamble, not quotes or
/// tables). A code block inside a list item that is a step is that
/// step's command, not a candidate.
pub fn candidates(guide: &Guide) -> Vec<Candidate> {
    let step_lines: HashSet<usize> = guide.all_steps().iter().map(|s| s.line).collect();
    let mut out = Vec::new();
    for p in guide.all_phases() {
        walk_blocks(&p.blocks, &p.id, &step_lines, false, &mut out);
    }
    out.sort_by_key(|c| c.line);
    out.dedup_by_key(|c| c.line);
    out
}

fn walk_blocks(
    blocks: &[Block],
    phase: &str,
    step_lines: &HashSet<usize>,
    in_step: bool,
    out: &mut Vec<Candidate>,
) {
    for b in blocks {
        match b {
            Block::Paragraph { content, line } if !step_lines.contains(line) => {
                let text = plain(content);
                if !text.is_empty() {
                    out.push(Candidate {
                        line: *line,
                        text,
                        kind: StepKind::Action,
                        phase: phase.to_owned(),
                        code: None,
                        lang: None,
                    });
                }
            }
            Block::Code { lang, text, line } => {
                if !in_step && !step_lines.contains(line) && !text.trim().is_empty() {
                    out.push(Candidate {
                        line: *line,
                        text: text.trim().to_owned(),
                        kind: StepKind::Command,
                        phase: phase.to_owned(),
                        code: Some(text.clone()),
                        lang: lang.clone(),
                    });
                }
            }
            Block::List { items, .. } => {
                for item in items {
                    let is_step = step_lines.contains(&item.line);
                    let (label, rest) = match item.blocks.split_first() {
                        Some((Block::Paragraph { content, .. }, rest)) => (Some(content), rest),
                        _ => (None, &item.blocks[..]),
                    };
                    // Only blocks that are not steps need their text.
                    let label = label
                        .filter(|_| !is_step)
                        .map_or(String::new(), |c| plain(c));
                    if !label.is_empty() {
                        let code = item.blocks.iter().find_map(|b| match b {
                            Block::Code { text, lang, .. } => Some((text.clone(), lang.clone())),
                            _ => None,
                        });
                        out.push(Candidate {
                            line: item.line,
                            text: label,
                            kind: StepKind::Action,
                            phase: phase.to_owned(),
                            lang: code.as_ref().and_then(|c| c.1.clone()),
                            code: code.map(|c| c.0),
                        });
                        // Its own code is its command once it is a step;
                        // until then the code can be made one alone.
                    }
                    walk_blocks(rest, phase, step_lines, is_step, out);
                }
            }
            Block::Paragraph { .. }
            | Block::Heading { .. }
            | Block::Quote(_)
            | Block::Table { .. }
            | Block::Rule => {}
        }
    }
}

fn plain(content: &[Inline]) -> String {
    Inline::plain_text(content).trim().to_owned()
}

#[cfg(test)]
mod tests;
