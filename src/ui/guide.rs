//! The open guide: its status bar, its phases and its diagnostics. During
//! a run the same view carries the run's controls; before one, it is a
//! read-only preview.

use crate::state::{AppState, OpenGuide};
use crate::ui::document::{self, Marks, RenderCtx, StepMap};
use crate::ui::{gates, run};
use leptos::prelude::*;
use preflight_core::guide::{Guide, Phase, PhaseKind};
use preflight_core::run::Plan;
use preflight_core::text::duration::format_range;
use std::collections::BTreeSet;
use std::sync::Arc;

#[component]
pub fn GuideView(guide: OpenGuide) -> impl IntoView {
    let state = expect_context::<AppState>();
    // The guide as the run uses it (its corrections applied), or before
    // a run with the corrections made in the preview.
    let active = state
        .run
        .with_untracked(|r| r.as_ref().map(|r| (r.plan.clone(), r.guide.clone())));
    let (plan, model): (Option<Arc<Plan>>, Arc<Guide>) = match active {
        Some((plan, model)) => (Some(plan), model),
        None => {
            let o = state.preview.get_untracked();
            let model = if o.is_empty() {
                guide.guide.clone()
            } else {
                Arc::new(guide.guide.with_overrides(&o))
            };
            (None, model)
        }
    };
    // Before a run, the steps of the default path still get rows, blank,
    // so that the guide prints as a runbook to fill in by hand.
    let preview_plan = Arc::new(Plan::new(&model, &Default::default()));
    if plan.is_none() {
        provide_context(run::PreviewPlan(preview_plan.clone()));
    }
    // Blocks that could be made steps get "Make this a step"; not in a
    // shared copy, which is read-only.
    let candidates: BTreeSet<usize> = plan
        .as_ref()
        .unwrap_or(&preview_plan)
        .candidates
        .keys()
        .copied()
        .collect();
    let ctx = RenderCtx {
        guide: StoredValue::new(model.clone()),
        candidates: (!state.read_only.get_untracked())
            .then(|| StoredValue::new(Arc::new(candidates))),
        marks: StoredValue::new(Arc::new(Marks::from_guide(&model))),
        steps: Some(match plan.as_ref() {
            Some(plan) => {
                let rolling_back = state.run_state.with_untracked(|st| st.rollback.is_some());
                StoredValue::new(Arc::new(StepMap::new(&model, plan, rolling_back)))
            }
            None => StoredValue::new(Arc::new(StepMap::new(&model, &preview_plan, false))),
        }),
    };
    // The printed header: title, version, and what the printout is.
    let version = model
        .metadata
        .iter()
        .find(|m| m.key.eq_ignore_ascii_case("version"))
        .map(|m| format!(" · version {}", m.value))
        .unwrap_or_default();
    let title = model.title.clone();
    Effect::new(move |_| {
        let what = match state.run.with(|r| r.as_ref().map(|r| r.run.outcome())) {
            None => " · blank runbook".to_owned(),
            Some(None) => " · run in progress".to_owned(),
            Some(Some(outcome)) => format!(" · record of a run ({})", outcome.label()),
        };
        crate::effects::print::set_header(&format!("{title}{version}{what}"));
    });
    let plan = StoredValue::new(plan);

    let facts = [
        model
            .estimate_s
            .map(|e| format!("Estimated {}", format_range(e))),
        model
            .downtime_s
            .map(|d| format!("Downtime {}", format_range(d))),
        model
            .rollback
            .estimate_s
            .map(|r| format!("Rollback {}", format_range(r))),
        Some(format!(
            "{} phases · {} steps · {} gates · {} rollback triggers",
            model.phases.len(),
            model.counts.steps,
            model.counts.gates,
            model.counts.triggers
        )),
    ]
    .into_iter()
    .flatten()
    .map(|f| view! { <span class="fact">{f}</span> })
    .collect_view();

    let repaired = model.encoding_repair.map(|enc| {
        view! {
            <p class="notice notice-info repaired" role="status">
                {format!(
                    "This guide had been saved after being read as {}; Preflight repaired its text. Details under the notes below.",
                    enc.name()
                )}
            </p>
        }
    });
    let title_heading = (!model.phases.iter().any(|p| p.level == 1))
        .then(|| view! { <h1 class="guide-title">{model.title.clone()}</h1> });

    let diagnostics = model
        .diagnostics
        .iter()
        .map(|d| {
            view! {
                <li class=format!("diag diag-{}", d.severity.as_str())>
                    <span class="diag-line">{format!("line {}", d.line)}</span>
                    " "
                    <span class="diag-severity">{d.severity.as_str()}</span>
                    ": "
                    {d.message.clone()}
                </li>
            }
        })
        .collect_view();
    let diagnostic_count = model.diagnostics.len();

    let in_run = plan.with_value(Option::is_some);
    view! {
        <section class="guide-status" aria-label="Guide">
            <span class="origin" title=guide.origin.label()>{guide.origin.label()}</span>
            <span class="count">{format!("{} tasks", model.tasks.len())}</span>
            <div class="facts">{facts}</div>
        </section>
        {repaired}
        <article class="guide" class:in-run=in_run data-guide-hash=guide.hash.clone()>
            {title_heading}
            {document::blocks(&model.preamble, ctx)}
            {model.phases.iter().map(|p| phase(p, ctx, plan)).collect_view()}
        </article>
        {(diagnostic_count > 0)
            .then(|| {
                view! {
                    <details class="diagnostics">
                        <summary>{format!("{diagnostic_count} notes about this guide")}</summary>
                        <ul>{diagnostics}</ul>
                    </details>
                }
            })}
    }
}

fn kind_label(kind: PhaseKind) -> Option<&'static str> {
    Some(match kind {
        PhaseKind::Preparation => "Preparation",
        PhaseKind::Verification => "Verification",
        PhaseKind::Monitoring => "Monitoring",
        PhaseKind::Rollback => "Rollback",
        PhaseKind::Troubleshooting => "Troubleshooting",
        PhaseKind::PostDeployment => "Post-deployment",
        PhaseKind::Deployment | PhaseKind::Reference | PhaseKind::Section => return None,
    })
}

/// A phase or section: its heading with what the model knows about it,
/// its own content, then its sub-sections.
fn phase(p: &Phase, ctx: RenderCtx, plan: StoredValue<Option<Arc<Plan>>>) -> AnyView {
    let in_run = plan.with_value(Option::is_some);
    let planned = plan.with_value(|plan| plan.as_ref().and_then(|plan| plan.phase(&p.id).cloned()));
    if let Some(planned) = planned.as_ref().filter(|pp| pp.hidden) {
        // An alternative not chosen for this run: named, not shown.
        return view! {
            <section class="phase hidden-alternative" id=p.id.clone() data-line=p.line>
                <p class="not-chosen">{format!("{} — not chosen for this run", planned.title)}</p>
            </section>
        }
        .into_any();
    }
    let heading = document::heading(p.level, document::inlines(&p.heading, ctx));
    let runnable = planned.filter(|pp| pp.runnable);
    // Badges only say what the heading does not already say.
    let kind = kind_label(p.kind)
        .filter(|label| p.level <= 2 && !p.title.to_lowercase().contains(&label.to_lowercase()));
    let badges = [
        kind.map(|k| ("badge badge-kind", k.to_owned())),
        p.estimate_s
            .map(|e| ("badge badge-time", format!("⏱ {}", format_range(e)))),
        p.optional
            .then(|| ("badge badge-optional", "optional".to_owned())),
        p.alternative_group
            .as_ref()
            .map(|_| ("badge badge-option", "alternative: choose one".to_owned())),
        (!p.gates.is_empty()).then(|| ("badge badge-gate", format!("{} gates", p.gates.len()))),
    ]
    .into_iter()
    .flatten()
    .map(|(class, text)| view! { <span class=class>{text}</span> })
    .collect_view();
    let class = format!(
        "phase kind-{}{}{}",
        p.kind.as_str(),
        if p.optional { " optional" } else { "" },
        if p.alternative_group.is_some() {
            " alternative"
        } else {
            ""
        }
    );
    view! {
        <section class=class id=p.id.clone() data-line=p.line>
            <header class="phase-header">
                {heading}
                <div class="badges">{badges}</div>
                {runnable.clone().map(run::phase_bar)}
            </header>
            {runnable.as_ref().map(|pp| gates::lock_banner(pp.id.clone()))}
            {document::blocks(&p.blocks, ctx)}
            {runnable.as_ref().and_then(gates::gate_panel)}
            {(!in_run).then(|| gates::blank_gates(p))}
            {p.sections.iter().map(|s| phase(s, ctx, plan)).collect_view()}
        </section>
    }
    .into_any()
}
