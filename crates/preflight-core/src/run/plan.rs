//! What a run of a guide goes through: its phases in order and the steps
//! a person checks off, given the alternatives chosen.
//!
//! A [`Plan`] is derived from a [`Guide`] and the run's choices; it is never
//! stored. Rollback, troubleshooting and reference sections are shown but
//! are not part of the run's checklist: rollback steps run as their own
//! checklist when a run is rolled back.
//!
//! Follow-ups ([`PlanPhase::follow_up_s`]: "Day 1", "Week 2-4" after the
//! deployment) are part of the checklist but not of the deploy window:
//! they are due after the run, count in no forecast or main progress, and
//! may still be checked once the run has finished.

use super::gate::{phase_gates, PlanGate};
use crate::guide::roles::{phase_role, role_in_text};
use crate::guide::{Guide, Phase, PhaseKind, Step, StepKind};
use crate::text::duration::{self, Range};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Every phase and section, depth first, hidden ones included. Read
    /// only: `index` points into it.
    pub phases: Vec<PlanPhase>,
    /// The alternative groups of the guide, each with its options.
    pub groups: Vec<AltGroup>,
    /// The leaf steps to run when rolling back, in order.
    pub rollback: Vec<String>,
    /// Line → plain text of each block that is not a step and could be
    /// made one ([`crate::guide::candidates`]).
    pub candidates: BTreeMap<usize, String>,
    /// Step id → (phase index, step index), so that finding a step does
    /// not walk the plan: views look up every row's step.
    index: HashMap<String, (usize, usize)>,
    /// The guide's estimate of the whole deployment: shared by the steps
    /// that have no estimate of their own or their phase's.
    pub estimate_s: Option<Range>,
    /// How many steps share the guide's estimate ([`Plan::planned_ms`]).
    sharers: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanPhase {
    pub id: String,
    pub title: String,
    pub kind: PhaseKind,
    /// 0 for top-level phases.
    pub depth: usize,
    pub optional: bool,
    /// An alternative that was not chosen, or inside one.
    pub hidden: bool,
    /// Its steps are part of the run's checklist.
    pub runnable: bool,
    pub estimate_s: Option<Range>,
    /// A follow-up, due this long after the deployment ends: its own
    /// ([`crate::guide::Phase::follow_up_s`]) or the section's it is in.
    pub follow_up_s: Option<u64>,
    /// A phase whose title is a wait ("Verify (monitor for 30 minutes)").
    pub wait_s: Option<u64>,
    /// The leaf steps directly in this phase (sub-steps replace their
    /// command), in guide order.
    pub steps: Vec<PlanStep>,
    /// Its success criteria: they must be met before later phases.
    pub gates: Vec<PlanGate>,
    /// The role the guide gives it (or its parent): [`crate::guide::roles`].
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    pub id: String,
    pub text: String,
    pub kind: StepKind,
    /// Checked in the guide itself (`- [x]`).
    pub checked_in_guide: bool,
    /// How long the step makes the team wait before it may be checked.
    pub wait_s: Option<u64>,
    pub estimate_s: Option<Range>,
    /// Commands to copy, when the step has any.
    pub code: Option<String>,
    /// The language of `code` when it is a code block's (`bash`, `sql`):
    /// its placeholders are read as the block shows them.
    pub lang: Option<String>,
    /// The command step this is a sub-step of.
    pub parent: Option<String>,
    pub line: usize,
    /// What checking it will do, when it needs an explicit confirmation
    /// first ([`crate::guard::reasons`]); empty for most steps.
    pub guard: Vec<String>,
    /// The role the guide gives it, else its phase's.
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AltGroup {
    pub id: String,
    /// (phase id, title), in guide order; the first is the default.
    pub options: Vec<(String, String)>,
}

impl PlanStep {
    /// Its command to copy and the language to read it in (`""`: shell).
    pub fn command(&self) -> Option<(&str, &str)> {
        Some((self.code.as_deref()?, self.lang.as_deref().unwrap_or("")))
    }
}

impl Plan {
    /// The plan of `guide` with `choices` (alternative group → chosen
    /// phase id). Groups without a valid choice take their first option.
    pub fn new(guide: &Guide, choices: &BTreeMap<String, String>) -> Plan {
        let mut plan = Plan {
            phases: Vec::new(),
            groups: Vec::new(),
            rollback: Vec::new(),
            candidates: crate::guide::candidates(guide)
                .into_iter()
                .map(|c| (c.line, c.text))
                .collect(),
            index: HashMap::new(),
            estimate_s: guide.estimate_s,
            sharers: 0,
        };
        collect_groups(&guide.phases, &mut plan.groups);
        let chosen: BTreeMap<&str, &str> = plan
            .groups
            .iter()
            .map(|g| {
                let pick = choices
                    .get(&g.id)
                    .filter(|c| g.options.iter().any(|(id, _)| id == *c))
                    .map(String::as_str)
                    .unwrap_or(g.options[0].0.as_str());
                (g.id.as_str(), pick)
            })
            .collect();
        let mut walk = Walk {
            chosen: &chosen,
            out: &mut plan.phases,
        };
        walk.phases(&guide.phases, 0, false, true, None, None);
        for (p, phase) in plan.phases.iter().enumerate() {
            for (s, step) in phase.steps.iter().enumerate() {
                // The first occurrence wins, as a walk would find it.
                plan.index.entry(step.id.clone()).or_insert((p, s));
            }
        }
        plan.sharers = plan.guide_sharers();
        // Rollback steps as leaves: a command split into parts is its parts.
        for id in &guide.rollback.steps {
            let leaves: Vec<String> = plan
                .phases
                .iter()
                .filter(|p| !p.hidden)
                .flat_map(|p| &p.steps)
                .filter(|s| s.id == *id || s.parent.as_deref() == Some(id))
                .map(|s| s.id.clone())
                .collect();
            plan.rollback.extend(leaves);
        }
        plan
    }

    /// The rollback checklist, in order.
    pub fn rollback_steps(&self) -> impl Iterator<Item = (&PlanPhase, &PlanStep)> {
        self.rollback.iter().filter_map(|id| self.step(id))
    }

    pub fn gate(&self, id: &str) -> Option<&PlanGate> {
        self.phases
            .iter()
            .flat_map(|p| &p.gates)
            .find(|g| g.id == id)
    }

    /// Whether `ancestor` contains `phase` (both ids of this plan).
    pub fn contains(&self, ancestor: &str, phase: &str) -> bool {
        let Some(a) = self.phases.iter().position(|p| p.id == ancestor) else {
            return false;
        };
        let depth = self.phases[a].depth;
        self.phases[a + 1..]
            .iter()
            .take_while(|p| p.depth > depth)
            .any(|p| p.id == phase)
    }

    /// Visible, runnable phases: the run's checklist.
    pub fn run_phases(&self) -> impl Iterator<Item = &PlanPhase> {
        self.phases.iter().filter(|p| p.runnable && !p.hidden)
    }

    /// Every leaf step of the run's checklist, in order.
    pub fn run_steps(&self) -> impl Iterator<Item = (&PlanPhase, &PlanStep)> {
        self.run_phases()
            .flat_map(|p| p.steps.iter().map(move |s| (p, s)))
    }

    /// Every leaf step of the deploy window: the checklist without its
    /// follow-ups.
    pub fn window_steps(&self) -> impl Iterator<Item = (&PlanPhase, &PlanStep)> {
        self.run_steps().filter(|(p, _)| p.follow_up_s.is_none())
    }

    /// Planned time of a step of `phase` in milliseconds, `[lo, hi]`,
    /// waits excluded: its own estimate, else an equal share of its
    /// phase's, else an equal share of the guide's among the steps of the
    /// window with neither, else [`super::forecast::DEFAULT_STEP_MS`].
    pub fn planned_ms(&self, phase: &PlanPhase, step: &PlanStep) -> [i64; 2] {
        let ms = |s: u64| super::secs_ms(s);
        if step.wait_s.is_some() {
            return [0, 0];
        }
        if let Some([lo, hi]) = step.estimate_s {
            return [ms(lo), ms(hi)];
        }
        if let Some([lo, hi]) = phase.estimate_s {
            let work = phase.steps.iter().filter(|s| s.wait_s.is_none()).count();
            let work = work.max(1) as i64;
            return [ms(lo) / work, ms(hi) / work];
        }
        match (self.estimate_s, phase.follow_up_s) {
            (Some([lo, hi]), None) => {
                let n = self.sharers.max(1) as i64;
                [ms(lo) / n, ms(hi) / n]
            }
            _ => [super::forecast::DEFAULT_STEP_MS; 2],
        }
    }

    /// Steps of the window that share the guide's estimate: no wait, no
    /// estimate of their own or their phase's.
    fn guide_sharers(&self) -> usize {
        self.window_steps()
            .filter(|(p, s)| s.wait_s.is_none() && s.estimate_s.is_none() && p.estimate_s.is_none())
            .count()
    }

    /// The work of the deploy window, `[lo, hi]` seconds: every step's
    /// planned time ([`Plan::planned_ms`]) and every wait, follow-ups,
    /// rollback and reference sections excluded.
    pub fn planned_work_s(&self) -> Range {
        let mut total = [0i64; 2];
        let mut phase_waits = 0i64;
        let mut last_phase: Option<&str> = None;
        for (phase, step) in self.window_steps() {
            let [lo, hi] = self.planned_ms(phase, step);
            let wait = step.wait_s.map_or(0, super::secs_ms);
            total[0] = total[0].saturating_add(lo).saturating_add(wait);
            total[1] = total[1].saturating_add(hi).saturating_add(wait);
            if last_phase != Some(phase.id.as_str()) {
                last_phase = Some(phase.id.as_str());
                phase_waits = phase_waits.saturating_add(phase.wait_s.map_or(0, super::secs_ms));
            }
        }
        let s = |ms: i64| (ms.saturating_add(phase_waits).max(0) / 1000) as u64;
        [s(total[0]), s(total[1])]
    }

    /// Whether `id` is a command split into parts (its parts are the
    /// plan's steps).
    pub fn is_parent(&self, id: &str) -> bool {
        self.phases
            .iter()
            .flat_map(|p| &p.steps)
            .any(|s| s.parent.as_deref() == Some(id))
    }

    pub fn phase(&self, id: &str) -> Option<&PlanPhase> {
        self.phases.iter().find(|p| p.id == id)
    }

    /// A leaf step anywhere in the guide (hidden and rollback ones too).
    pub fn step(&self, id: &str) -> Option<(&PlanPhase, &PlanStep)> {
        let &(p, s) = self.index.get(id)?;
        let phase = &self.phases[p];
        Some((phase, &phase.steps[s]))
    }

    /// The alternative chosen in each group.
    pub fn choices(&self) -> BTreeMap<String, String> {
        self.groups
            .iter()
            .filter_map(|g| {
                g.options
                    .iter()
                    .find(|(id, _)| self.phase(id).is_some_and(|p| !p.hidden))
                    .map(|(id, _)| (g.id.clone(), id.clone()))
            })
            .collect()
    }
}

fn collect_groups(phases: &[Phase], out: &mut Vec<AltGroup>) {
    for p in phases {
        if let Some(group) = &p.alternative_group {
            match out.iter_mut().find(|g| &g.id == group) {
                Some(g) => g.options.push((p.id.clone(), p.title.clone())),
                None => out.push(AltGroup {
                    id: group.clone(),
                    options: vec![(p.id.clone(), p.title.clone())],
                }),
            }
        }
        collect_groups(&p.sections, out);
    }
}

struct Walk<'a> {
    chosen: &'a BTreeMap<&'a str, &'a str>,
    out: &'a mut Vec<PlanPhase>,
}

impl Walk<'_> {
    fn phases(
        &mut self,
        phases: &[Phase],
        depth: usize,
        hidden: bool,
        runnable: bool,
        parent_role: Option<&str>,
        follow_up: Option<u64>,
    ) {
        for p in phases {
            let follow_up_s = p.follow_up_s.or(follow_up);
            let role = phase_role(&p.title, &p.blocks).or_else(|| parent_role.map(str::to_owned));
            let hidden = hidden
                || p.alternative_group
                    .as_deref()
                    .is_some_and(|g| self.chosen.get(g).is_some_and(|c| *c != p.id));
            let runnable = runnable
                && !matches!(
                    p.kind,
                    PhaseKind::Rollback | PhaseKind::Troubleshooting | PhaseKind::Reference
                );
            let mut steps = Vec::new();
            for s in &p.steps {
                leaves(s, None, &mut steps);
            }
            for s in &mut steps {
                s.role = role_in_text(&s.text).or_else(|| role.clone());
            }
            self.out.push(PlanPhase {
                id: p.id.clone(),
                title: p.title.clone(),
                kind: p.kind,
                depth,
                optional: p.optional,
                hidden,
                runnable,
                estimate_s: p.estimate_s,
                follow_up_s,
                wait_s: duration::wait(&p.title).map(|[lo, _]| lo),
                steps,
                gates: phase_gates(p),
                role: role.clone(),
            });
            self.phases(
                &p.sections,
                depth + 1,
                hidden,
                runnable,
                role.as_deref(),
                follow_up_s,
            );
        }
    }
}

/// A step, or its sub-steps when it has them.
fn leaves(step: &Step, parent: Option<&str>, out: &mut Vec<PlanStep>) {
    if !step.substeps.is_empty() {
        for sub in &step.substeps {
            leaves(sub, Some(&step.id), out);
        }
        return;
    }
    out.push(PlanStep {
        id: step.id.clone(),
        text: step.text.clone(),
        kind: step.kind,
        checked_in_guide: step.checked,
        wait_s: wait_seconds(step),
        estimate_s: step.estimate_s,
        code: step.code.clone().filter(|c| !c.trim().is_empty()),
        lang: step.lang.clone(),
        parent: parent.map(str::to_owned),
        line: step.line,
        guard: crate::guard::reasons(&step.text, step.code.as_deref()),
        role: None,
    });
}

/// The time a step makes the team wait: a wait step's duration ("Monitor
/// for 48 hours", also as a task item), or a staged step's span ("Day 1-2:
/// 25% Traffic"). The
/// shortest end of a range is what the guide requires.
fn wait_seconds(step: &Step) -> Option<u64> {
    let range = match step.kind {
        StepKind::Wait => step
            .estimate_s
            .or_else(|| duration::wait(&step.text))
            .or_else(|| duration::parse(&step.text)),
        // A task item keeps its kind, but "Keep the old pods for 15
        // minutes" is still a wait.
        _ => duration::wait(&step.text).or(step.estimate_s.filter(|_| is_staged(&step.text))),
    };
    range.map(|[lo, _]| lo).filter(|s| *s > 0)
}

/// "Day 1-2: …", "Week 3 …", "Hour 1 …": a stage that lasts its span.
fn is_staged(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    ["day ", "days ", "week ", "weeks ", "hour ", "hours "]
        .iter()
        .any(|p| lower.starts_with(p))
}
