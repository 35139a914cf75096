//! The section tree: blocks partitioned by heading into sections, each
//! classified by its title (rollback, verification, reference…) and read
//! into a phase with its sub-sections.

use super::place::mark_alternatives;
use super::read::role_of;
use super::*;

/// A section before analysis: its heading and its own blocks.
pub(super) struct Raw {
    level: u8,
    heading: Vec<Inline>,
    line: usize,
    blocks: Vec<Block>,
    children: Vec<Raw>,
}

/// What a section passes down to its sub-sections.
#[derive(Clone, Copy)]
pub(super) struct Inherit {
    pub(super) rollback: bool,
    pub(super) troubleshooting: bool,
    pub(super) role: Role,
    pub(super) summary: bool,
    /// Inside a post-deployment section: what follows the deployment.
    pub(super) post_deployment: bool,
}

impl Builder<'_> {
    /// Reads one section, then its sub-sections, into a phase.
    pub(super) fn phase(&mut self, raw: Raw, inherit: Inherit) -> Phase {
        let title = Inline::plain_text(&raw.heading).trim().to_owned();
        let summary_title = is_summary_title(&title);
        let kind = classify(&title, summary_title, inherit);
        let id = self.phase_id(&title);
        let lower = title.to_lowercase();
        let optional = contains_any(
            &lower,
            &[
                "(optional)",
                "optional:",
                "(if applicable)",
                "(if needed)",
                "(if available)",
            ],
        );
        // A title sets the role of its lists only when it names criteria or
        // triggers outright; "Post-Deployment Verification" holds tasks.
        let title_role = match role_of(&title, kind == PhaseKind::Troubleshooting) {
            role @ (Role::Triggers(_)
            | Role::Gates(GateSource::SuccessCriteria | GateSource::PerformanceCriteria)) => role,
            // A section called just "Verification" lists criteria.
            role @ Role::Gates(GateSource::Verification)
                if ["verif", "validat", "health check", "smoke"]
                    .iter()
                    .any(|w| lower.starts_with(w)) =>
            {
                role
            }
            _ => Role::Plain,
        };
        let section_role = match title_role {
            Role::Plain => inherit.role,
            role => role,
        };
        let mut ctx = Ctx {
            kind,
            section_role,
            label: None,
            rollback: kind == PhaseKind::Rollback,
            troubleshooting: kind == PhaseKind::Troubleshooting,
            top: kind == PhaseKind::Reference && raw.level <= 2,
            estimate: None,
            steps: Vec::new(),
            gates: Vec::new(),
            trouble: None,
            caption: None,
            intro: None,
            aside: false,
            aside_body: false,
            summary: inherit.summary || (kind == PhaseKind::Reference && summary_title),
            options: false,
            lead_s: None,
        };
        if ctx.troubleshooting {
            let issue = ["issue:", "problem:", "symptom:", "error:"]
                .iter()
                .find_map(|p| {
                    // Compared on the title itself: lowercasing can change
                    // byte lengths, so `lower`'s offsets do not fit `title`.
                    let head = title.get(..p.len())?;
                    head.eq_ignore_ascii_case(p)
                        .then(|| title[p.len()..].trim())
                });
            if let Some(issue) = issue {
                ctx.trouble = Some(self.troubles.len());
                self.troubles.push(Trouble {
                    symptom: issue.to_owned(),
                    solutions: Vec::new(),
                    immediate_rollback: false,
                    line: raw.line,
                });
            }
        }
        let (triggers_before, troubles_before) = (self.triggers.len(), self.troubles.len());
        self.blocks(&raw.blocks, &mut ctx);
        let holds_criteria =
            self.triggers.len() > triggers_before || self.troubles.len() > troubles_before;
        let follow_up_s = follow_up(&title, kind);
        // "Day 1" says when a follow-up is due, not how long it takes.
        let estimate = ctx
            .estimate
            .or_else(|| duration::parse(&title).filter(|_| follow_up_s.is_none()));
        if ctx.rollback {
            self.rollback.phases.push(id.clone());
            if !matches!(ctx.section_role, Role::Triggers(_)) {
                for step in &ctx.steps {
                    self.rollback.steps.push(step.id.clone());
                }
            }
            if self.rollback.estimate_s.is_none() {
                self.rollback.estimate_s = ctx.estimate;
            }
        }
        let child_inherit = Inherit {
            rollback: ctx.rollback,
            troubleshooting: ctx.troubleshooting,
            role: match section_role {
                Role::Gates(GateSource::SuccessCriteria | GateSource::PerformanceCriteria)
                | Role::Triggers(_) => section_role,
                _ => Role::Plain,
            },
            summary: ctx.summary,
            post_deployment: kind == PhaseKind::PostDeployment,
        };
        let mut sections: Vec<Phase> = raw
            .children
            .into_iter()
            .map(|c| self.phase(c, child_inherit))
            .collect();
        mark_alternatives(&mut sections, &id);
        // A heading that names one action, over a section with nothing to
        // tick of its own, is itself the step ("## Step 1: Take a backup").
        let holds_steps = !ctx.steps.is_empty()
            || !ctx.gates.is_empty()
            || holds_criteria
            || any_content(&sections);
        if !holds_steps
            && !ctx.summary
            && raw.level >= 2
            && !matches!(ctx.section_role, Role::Triggers(_) | Role::Gates(_))
            && kind != PhaseKind::Reference
            && recognise::heading_is_step(&title)
        {
            let step = self.text_step(title.clone(), raw.line, duration::wait(&title));
            if ctx.rollback {
                self.rollback.steps.push(step.id.clone());
            }
            ctx.steps.push(step);
        }
        Phase {
            id,
            title,
            kind,
            level: raw.level,
            optional,
            alternative_group: None,
            estimate_s: estimate,
            follow_up_s,
            line: raw.line,
            sections,
            steps: ctx.steps,
            gates: ctx.gates,
            blocks: raw.blocks,
            heading: raw.heading,
        }
    }
}

/// Sections that sum up or point elsewhere: their lists repeat steps given
/// in detail elsewhere, or are not steps at all.
fn is_summary_title(title: &str) -> bool {
    let t = title.trim().to_lowercase();
    let t = recognise::strip_numbering(&t);
    [
        "summary",
        "overview",
        "table of contents",
        "contents",
        "toc",
        "appendix",
        "next steps",
        "what's next",
        "what is next",
        "see also",
        "related",
        "further reading",
        "references",
        "resources",
        "links",
        "useful links",
        "changelog",
        "change log",
        "what changed",
        "what's new",
        "what's changed",
        "release highlights",
        "key features",
        "key achievements",
        "lessons learned",
        "conclusion",
        "background",
        "context",
        "motivation",
        "glossary",
        "revision history",
        "history",
        "dependencies order",
        "known limitations",
        "contacts",
        "contact",
        "faq",
        "quick command reference",
        "command reference",
        "version history",
        "run record",
        "risk assessment",
        "risks",
        "files changed",
        "changed files",
        "files modified",
        "modified files",
        "file changes",
    ]
    .iter()
    .any(|w| t.starts_with(w))
        || t.contains("command reference")
        || t.contains("summary of")
}

/// Splits blocks into the title, the preamble and the section tree.
pub(super) fn partition(blocks: Vec<Block>) -> (Option<String>, Vec<Block>, Vec<Raw>) {
    let h1s = blocks
        .iter()
        .filter(|b| matches!(b, Block::Heading { level: 1, .. }))
        .count();
    let first_heading_is_h1 = blocks
        .iter()
        .find(|b| matches!(b, Block::Heading { .. }))
        .is_some_and(|b| matches!(b, Block::Heading { level: 1, .. }));
    let single_title = h1s == 1 && first_heading_is_h1;

    let mut title = None;
    let mut preamble = Vec::new();
    let mut roots: Vec<Raw> = Vec::new();
    let mut stack: Vec<Raw> = Vec::new();

    fn close(stack: &mut Vec<Raw>, roots: &mut Vec<Raw>) {
        if let Some(done) = stack.pop() {
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => roots.push(done),
            }
        }
    }

    for block in blocks {
        match block {
            Block::Heading {
                level: 1, content, ..
            } if single_title && title.is_none() => {
                title = Some(Inline::plain_text(&content).trim().to_owned());
            }
            Block::Heading {
                level,
                content,
                line,
            } => {
                while stack.last().is_some_and(|top| top.level >= level) {
                    close(&mut stack, &mut roots);
                }
                stack.push(Raw {
                    level,
                    heading: content,
                    line,
                    blocks: Vec::new(),
                    children: Vec::new(),
                });
            }
            other => match stack.last_mut() {
                Some(top) => top.blocks.push(other),
                None => preamble.push(other),
            },
        }
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    (title, preamble, roots)
}

/// A follow-up's horizon, in seconds after the deployment ends: a title in
/// a post-deployment context, or one that says "after", naming a horizon
/// of at least [`FOLLOW_UP_MIN_S`] ("Day 1", "Week 2-4 After Full
/// Rollout", "Short-term (First 24 Hours)"). "Immediate (First Hour)" is
/// still part of the deployment.
fn follow_up(title: &str, kind: PhaseKind) -> Option<u64> {
    let lower = title.to_lowercase();
    let after = Words::new(&lower).contains_any(&["after "]) || lower.ends_with(" after");
    if kind != PhaseKind::PostDeployment && !(after && kind_may_follow(kind)) {
        return None;
    }
    duration::horizon(title).filter(|s| *s >= FOLLOW_UP_MIN_S)
}

/// The shortest horizon that makes a section a follow-up.
const FOLLOW_UP_MIN_S: u64 = 12 * 3600;

/// Kinds a section keeps whatever its context: rollback, troubleshooting
/// and reference are never follow-ups.
fn kind_may_follow(kind: PhaseKind) -> bool {
    !matches!(
        kind,
        PhaseKind::Rollback | PhaseKind::Troubleshooting | PhaseKind::Reference
    )
}

/// `summary`: [`is_summary_title`] of the title, read once by the caller.
/// Inside a post-deployment section, every section is post-deployment
/// unless its own title says rollback, troubleshooting or reference.
fn classify(title: &str, summary: bool, inherit: Inherit) -> PhaseKind {
    match classify_title(title, summary, inherit) {
        kind if inherit.post_deployment && kind_may_follow(kind) => PhaseKind::PostDeployment,
        kind => kind,
    }
}

fn classify_title(title: &str, summary: bool, inherit: Inherit) -> PhaseKind {
    let t = title.to_lowercase();
    let w = Words::new(&t);
    if !inherit.rollback && !inherit.troubleshooting && summary {
        PhaseKind::Reference
    } else if inherit.rollback
        || w.contains_any(&[
            "rollback",
            "roll back",
            "roll-back",
            "revert",
            "backout",
            "back out",
        ])
    {
        PhaseKind::Rollback
    } else if inherit.troubleshooting
        || w.contains_any(&[
            "troubleshoot",
            "common issues",
            "known issues",
            "faq",
            "issue:",
            "problem:",
        ])
    {
        PhaseKind::Troubleshooting
    } else if t.starts_with("post")
        || w.contains_any(&[
            "post-deploy",
            "post deploy",
            "after full",
            "after deploy",
            "after release",
            "cleanup",
            "clean up",
            "clean-up",
            "follow-up",
            "follow up",
            "retrospective",
            "lessons learned",
            "wrap up",
        ])
    {
        PhaseKind::PostDeployment
    } else if t.starts_with("pre")
        || w.contains_any(&[
            "prerequisite",
            "preparation",
            "prepare",
            "before you",
            "readiness",
            "checklist",
        ])
    {
        PhaseKind::Preparation
    } else if w.contains_any(&[
        "success criteria",
        "success metrics",
        "verif",
        "validat",
        "smoke",
        "health check",
        "acceptance",
        "complete when",
        "ready when",
    ]) {
        PhaseKind::Verification
    } else if w.contains_any(&["monitor", "alert", "dashboard", "metrics", "observab"]) {
        PhaseKind::Monitoring
    } else if w.contains_any(&[
        "deploy",
        "rollout",
        "roll out",
        "release",
        "step",
        "migrat",
        "install",
        "upgrade",
        "canary",
        "staging",
        "production",
        "cutover",
        "switch",
        "phase",
        "week",
        "day ",
        "option",
        "restart",
        "backup",
    ]) {
        PhaseKind::Deployment
    } else if w.contains_any(&[
        "overview",
        "resource",
        "support",
        "contact",
        "appendix",
        "reference",
        "revision",
        "history",
        "glossary",
        "introduction",
        "about",
        "summary",
        "quick start",
        "links",
        "notes",
    ]) {
        PhaseKind::Reference
    } else {
        PhaseKind::Section
    }
}

/// Steps or criteria anywhere in these phases.
fn any_content(phases: &[Phase]) -> bool {
    phases
        .iter()
        .any(|p| !p.steps.is_empty() || !p.gates.is_empty() || any_content(&p.sections))
}
