//! "Something wrong?": the rollback decision tree, one question at a time,
//! ending in roll back now, pause and investigate, or continue. The path
//! taken and the decision go into the run's log; rolling back switches the
//! run to its rollback checklist.

use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use preflight_core::run::decide::{self, Node};
use preflight_core::run::{Answer, Decision};
use preflight_core::Action;

#[component]
pub fn DecisionPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let answers = RwSignal::new(Vec::<bool>::new());
    // The tree is built when the panel opens, with the run's failed gates.
    let tree = Memo::new(move |_| {
        if !state.deciding.get() {
            return None;
        }
        let guide = state
            .guide
            .with_untracked(|g| g.as_ref().map(|g| g.guide.clone()))?;
        let failed = state.run.with_untracked(|r| {
            r.as_ref().map(|r| {
                state
                    .run_state
                    .with_untracked(|st| r.run.failed_gates(&r.plan, st))
            })
        })?;
        Some(decide::tree(&guide, &failed))
    });
    let close = move || {
        answers.set(Vec::new());
        state.deciding.set(false);
    };
    let record = move |decision: Decision| {
        let Some(tree) = tree.get_untracked() else {
            return;
        };
        let mut path = Vec::new();
        let mut node = &tree.root;
        for &yes in &answers.get_untracked() {
            if let Node::Ask {
                question,
                yes: y,
                no: n,
                ..
            } = node
            {
                path.push(Answer {
                    question: question.clone(),
                    yes,
                });
                node = if yes { y } else { n };
            }
        }
        match state.record(Action::Decide { path, decision }) {
            Ok(()) => {
                close();
                if decision == Decision::RollBack {
                    state.notify(
                        NoticeKind::Warning,
                        "Rolling back: the rollback steps are now the checklist.".into(),
                    );
                }
            }
            Err(why) => state.notify(NoticeKind::Warning, format!("Not recorded: {why}.")),
        }
    };
    move || {
        let tree = tree.get()?;
        let path = answers.get();
        let node = tree.root.follow(&path).clone();
        let steps = path.len();
        // The answers so far, so the path can be checked before acting.
        let mut at = &tree.root;
        let mut answered = Vec::new();
        for &yes in &path {
            if let Node::Ask {
                question,
                yes: y,
                no: n,
                ..
            } = at
            {
                answered.push(format!("{question} {}", if yes { "Yes" } else { "No" }));
                at = if yes { y } else { n };
            }
        }
        let answered = (!answered.is_empty()).then(|| {
            view! {
                <ol class="decide-path" aria-label="Your answers">
                    {answered.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}
                </ol>
            }
        });
        let back = (steps > 0).then(|| {
            view! {
                <button type="button" class="small" on:click=move |_| answers.update(|a| { a.pop(); })>
                    "← Back"
                </button>
            }
        });
        let body = match node {
            Node::Ask {
                question,
                source,
                line,
                ..
            } => {
                let from = if line > 0 {
                    format!("From the guide ({source}, line {line})")
                } else {
                    format!("From this run ({source})")
                };
                view! {
                    <p class="decide-question">{question}</p>
                    <p class="hint">{from}</p>
                    <div class="decide-answers">
                        <button type="button" class="danger" on:click=move |_| answers.update(|a| a.push(true))>
                            "Yes"
                        </button>
                        <button type="button" on:click=move |_| answers.update(|a| a.push(false))>
                            "No"
                        </button>
                        {back}
                    </div>
                }
                .into_any()
            }
            Node::End { decision, advice } => {
                let action = match decision {
                    Decision::RollBack => "Start rollback",
                    Decision::Pause => "Record: paused to investigate",
                    Decision::Continue => "Record: continue",
                };
                let advice = (!advice.is_empty()).then(|| {
                    view! {
                        <ul class="decide-advice">
                            {advice.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}
                        </ul>
                    }
                });
                let class = match decision {
                    Decision::RollBack => "decide-outcome rollback",
                    Decision::Pause => "decide-outcome pause",
                    Decision::Continue => "decide-outcome continue",
                };
                view! {
                    <p class=class role="status">{decision.label()}</p>
                    {advice}
                    <div class="decide-answers">
                        <button
                            type="button"
                            class=if decision == Decision::RollBack { "primary danger" } else { "primary" }
                            on:click=move |_| record(decision)
                        >
                            {action}
                        </button>
                        {back}
                    </div>
                }
                .into_any()
            }
        };
        let diagnostics = tree
            .diagnostics
            .iter()
            .map(|d| view! { <li>{format!("line {}: {}", d.line, d.message)}</li> })
            .collect_view();
        let origin = if tree.explicit {
            "The guide's own decision tree."
        } else {
            "Built from the guide's rollback triggers, pause criteria, troubleshooting and this run's failed checks."
        };
        Some(view! {
            <section class="decide" role="dialog" aria-label="Rollback decision">
                <header class="decide-header">
                    <h2>"Something wrong?"</h2>
                    <button type="button" class="small" on:click=move |_| close()>"Close"</button>
                </header>
                <p class="hint">{origin}</p>
                <ul class="diagnostics-inline">{diagnostics}</ul>
                {answered}
                {body}
            </section>
        })
    }
}
