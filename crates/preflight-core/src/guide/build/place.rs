//! After the walk: sibling "Option 1 …" sections marked as alternatives,
//! and task items the walk did not reach placed in the phase holding them.

use super::*;

/// Gives sibling "Option 1 …", "Option 2 …" sections one alternative group.
pub(super) fn mark_alternatives(sections: &mut [Phase], parent_id: &str) {
    let is_option = |title: &str| {
        let t = title.trim().to_lowercase();
        ["option ", "alternative ", "approach ", "method "]
            .iter()
            .any(|p| {
                t.strip_prefix(p).is_some_and(|rest| {
                    rest.chars().next().is_some_and(|c| {
                        c.is_ascii_digit() || c.is_ascii_uppercase() || c.is_ascii_alphabetic()
                    }) && rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .count()
                        <= 2
                })
            })
    };
    let options: Vec<usize> = sections
        .iter()
        .enumerate()
        .filter(|(_, s)| is_option(&s.title))
        .map(|(i, _)| i)
        .collect();
    if options.len() >= 2 {
        let group = format!("{parent_id}/options");
        for i in options {
            sections[i].alternative_group = Some(group.clone());
        }
    }
}

impl Builder<'_> {
    /// Task items the section walk did not reach (deeply nested, or in
    /// unusual containers) still become steps, in the phase holding them.
    pub(super) fn place_missing_tasks(&mut self, phases: &mut Vec<Phase>) {
        let missing: Vec<usize> = (0..self.tasks.len()).filter(|&i| !self.placed[i]).collect();
        if missing.is_empty() {
            return;
        }
        if phases.is_empty() {
            let id = self.phase_id("Tasks");
            phases.push(Phase {
                id,
                title: "Tasks".to_owned(),
                kind: PhaseKind::Section,
                level: 1,
                optional: false,
                alternative_group: None,
                estimate_s: None,
                follow_up_s: None,
                line: 1,
                sections: Vec::new(),
                steps: Vec::new(),
                gates: Vec::new(),
                blocks: Vec::new(),
                heading: Vec::new(),
            });
        }
        for index in missing {
            let task = &self.tasks[index];
            let step = Step {
                id: task.id.clone(),
                text: task.text.clone(),
                kind: StepKind::Task,
                checked: task.checked,
                code: None,
                lang: None,
                estimate_s: None,
                line: task.line,
                substeps: Vec::new(),
                task: Some(index),
            };
            self.placed[index] = true;
            deepest_phase_at(phases, task.line).steps.push(step);
        }
    }
}

/// The innermost phase holding `line`. Phases are in document order, so a
/// binary search finds each level: placing many tasks stays n log n.
fn deepest_phase_at(phases: &mut [Phase], line: usize) -> &mut Phase {
    let index = phases.partition_point(|p| p.line <= line).saturating_sub(1);
    let phase = &mut phases[index];
    if phase.sections.first().is_some_and(|s| s.line <= line) {
        deepest_phase_at(&mut phase.sections, line)
    } else {
        phase
    }
}
