//! The open guide: its status bar, its phases and its diagnostics. During
//! a run the same view carries the run's controls; before one, it is a
//! read-only preview.

use crate::state::{AppState, OpenGuide};
use crate::ui::document::{self, Marks, RenderCtx, StepMap};
use crate::ui::slices::Budget;
use crate::ui::{gates, run};
use leptos::prelude::*;
use preflight_core::guide::{Guide, Phase, PhaseKind};
use preflight_core::run::Plan;
use preflight_core::text::duration::format_range;
use std::collections::BTreeSet;
use std::sync::Arc;

/// How the document was rendered: for a run, or before one, and then
/// whether it becomes the run's document in place.
#[derive(Clone, Copy)]
struct Doc {
    /// The run's plan, when rendered for a run.
    plan: StoredValue<Option<Arc<Plan>>>,
    /// The plan before a run (the default choices).
    preview: StoredValue<Arc<Plan>>,
    /// Before a run: turns true when a run of this very checklist starts,
    /// and the document then shows the run's controls in place.
    live: Option<Signal<bool>>,
}

/// The guide's document. Before a run, `live` (when given) turns it into
/// the run's document once a run with the same checklist starts, and
/// `previewed` receives the plan the preview was rendered with.
#[component]
pub fn GuideView(
    guide: OpenGuide,
    #[prop(optional)] live: Option<Signal<bool>>,
    #[prop(optional)] previewed: Option<StoredValue<Option<Arc<Plan>>>>,
) -> impl IntoView {
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
    // (In a run, the run's plan serves instead.)
    let preview_plan = match &plan {
        Some(plan) => plan.clone(),
        None => Arc::new(Plan::new(&model, &Default::default())),
    };
    if plan.is_none() {
        provide_context(run::PreviewPlan(preview_plan.clone()));
        if let Some(previewed) = previewed {
            previewed.set_value(Some(preview_plan.clone()));
        }
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
    let live = if plan.is_none() { live } else { None };
    let plan = StoredValue::new(plan);
    let doc = Doc {
        plan,
        preview: StoredValue::new(preview_plan.clone()),
        live,
    };

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
    // Long guides render their first screenful now and the rest in idle
    // slices (`ui::slices`).
    let budget = Budget::new();
    budget.spend(&model.preamble);
    let preamble = document::blocks(&model.preamble, ctx);
    let phases = model
        .phases
        .iter()
        .map(|p| phase(p, ctx, doc, Some(&budget)))
        .collect_view();
    let long = budget.deferred();
    budget.finish();
    let in_run = move || in_run || live.is_some_and(|live| live.get());
    view! {
        <section class="guide-status" aria-label="Guide">
            <span class="origin" title=guide.origin.label()>{guide.origin.label()}</span>
            <span class="count">{format!("{} tasks", model.tasks.len())}</span>
            <div class="facts">{facts}</div>
        </section>
        {repaired}
        <article
            class="guide"
            class:in-run=in_run
            class:long=long
            data-guide-hash=guide.hash.clone()
        >
            {title_heading}
            {preamble}
            {phases}
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
/// its own content, then its sub-sections. With a `budget`, a section past
/// the first screenful renders in a later slice.
fn phase(p: &Phase, ctx: RenderCtx, doc: Doc, budget: Option<&Budget>) -> AnyView {
    if let Some(ready) = budget.and_then(|b| b.defer(p)) {
        let id = p.id.clone();
        return (move || ready.get().then(|| later(&id, ctx, doc))).into_any();
    }
    let in_run = doc.plan.with_value(Option::is_some);
    let planned = doc
        .plan
        .with_value(|plan| plan.as_ref().and_then(|plan| plan.phase(&p.id).cloned()));
    if let Some(planned) = planned.as_ref().filter(|pp| pp.hidden) {
        return not_chosen(p.id.clone(), p.line, planned.title.clone());
    }
    if let Some(live) = doc.live {
        let previewed = doc.preview.with_value(|plan| plan.phase(&p.id).cloned());
        if let Some(previewed) = previewed.filter(|pp| pp.hidden) {
            // An alternative the run leaves out: the whole section until
            // the run starts, then its name.
            let id = p.id.clone();
            let line = p.line;
            let fixed = Doc { live: None, ..doc };
            return (move || {
                if live.get() {
                    Some(not_chosen(id.clone(), line, previewed.title.clone()))
                } else {
                    let guide = ctx.guide.get_value();
                    let p = guide.all_phases().into_iter().find(|q| q.id == id)?;
                    Some(phase(p, ctx, fixed, None))
                }
            })
            .into_any();
        }
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
    // The run's bar, lock and gate for the phase, or the blank gate to
    // fill in by hand; before a run that may start in place, both, one
    // at a time.
    let (bar, banner, gate) = match doc.live {
        None => (
            runnable.clone().map(|pp| run::phase_bar(pp).into_any()),
            runnable
                .as_ref()
                .map(|pp| gates::lock_banner(pp.id.clone()).into_any()),
            if in_run {
                runnable.as_ref().and_then(gates::gate_panel)
            } else {
                gates::blank_gates(p)
            },
        ),
        Some(live) => {
            let runnable = doc
                .preview
                .with_value(|plan| plan.phase(&p.id).cloned())
                .filter(|pp| pp.runnable);
            let bar = runnable
                .clone()
                .map(|pp| (move || live.get().then(|| run::phase_bar(pp.clone()))).into_any());
            let banner = runnable.as_ref().map(|pp| {
                let id = pp.id.clone();
                (move || live.get().then(|| gates::lock_banner(id.clone()))).into_any()
            });
            let has_blank = !preflight_core::run::phase_gates(p).is_empty();
            let has_gate = runnable.as_ref().is_some_and(|pp| !pp.gates.is_empty());
            let gate = (has_blank || has_gate).then(|| {
                let id = p.id.clone();
                (move || {
                    if live.get() {
                        runnable.as_ref().and_then(gates::gate_panel)
                    } else {
                        let guide = ctx.guide.get_value();
                        let p = guide.all_phases().into_iter().find(|q| q.id == id)?;
                        gates::blank_gates(p)
                    }
                })
                .into_any()
            });
            (bar, banner, gate)
        }
    };
    view! {
        <section class=class id=p.id.clone() data-line=p.line>
            <header class="phase-header">
                {heading}
                <div class="badges">{badges}</div>
                {bar}
            </header>
            {banner}
            {document::blocks(&p.blocks, ctx)}
            {gate}
            {p.sections.iter().map(|s| phase(s, ctx, doc, budget)).collect_view()}
        </section>
    }
    .into_any()
}

/// An alternative not chosen for this run: named, not shown.
fn not_chosen(id: String, line: usize, title: String) -> AnyView {
    view! {
        <section class="phase hidden-alternative" id=id data-line=line>
            <p class="not-chosen">{format!("{title} — not chosen for this run")}</p>
        </section>
    }
    .into_any()
}

/// A section put off by the budget, rendered now: for the run when the
/// preview has become the run's document meanwhile.
fn later(id: &str, ctx: RenderCtx, doc: Doc) -> Option<AnyView> {
    let doc = match doc.live {
        Some(live) if live.get_untracked() => {
            let state = expect_context::<AppState>();
            let plan = state
                .run
                .with_untracked(|r| r.as_ref().map(|r| r.plan.clone()));
            Doc {
                plan: StoredValue::new(plan),
                live: None,
                ..doc
            }
        }
        _ => doc,
    };
    let guide = ctx.guide.get_value();
    let p = guide.all_phases().into_iter().find(|q| q.id == id)?;
    Some(phase(p, ctx, doc, None))
}
