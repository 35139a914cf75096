//! The rows' signals: one per row and property, set by one effect per
//! shared source (run state, current step, cursor, open form).

use crate::state::{AppState, Edit};
use leptos::prelude::*;
use preflight_core::run::assign::Assignee;
use preflight_core::run::{Note, PlanPhase, PlanStep, StepStatus};
use preflight_core::Action;
use std::collections::HashMap;

/// What each row of the run shows that changes as the run goes: one
/// signal per row and property.
///
/// Leptos removes a reader from a source's list of readers in time linear
/// in that list, and a reader leaves and rejoins its sources each time it
/// runs. Thousands of rows reading the run's state, the current step or
/// the cursor directly therefore made each change quadratic in the length
/// of the guide (1.8 s per check-off at 5,000 steps). Instead, one effect
/// per shared source sets only the rows whose value changed.
#[derive(Clone, Copy)]
pub struct Rows {
    rows: StoredValue<HashMap<String, Row>>,
    /// The run view's owner: row signals live as long as the view, even
    /// when a part of the document re-renders its rows.
    owner: StoredValue<Owner>,
    /// Blank rows of the preview, each waiting for the run that makes it
    /// a row of its own ([`Rows::go_live`]).
    waiting: StoredValue<Vec<(String, RwSignal<Option<Row>>)>>,
}

#[derive(Clone, Copy)]
pub(super) struct Row {
    pub(super) status: RwSignal<StepStatus>,
    pub(super) notes: RwSignal<Vec<Note>>,
    pub(super) locked: RwSignal<bool>,
    /// The run has ended and the step is not a follow-up: no more changes.
    pub(super) finished: RwSignal<bool>,
    pub(super) current: RwSignal<bool>,
    pub(super) cursor: RwSignal<bool>,
    pub(super) editing: RwSignal<Option<Edit>>,
    pub(super) assignee: RwSignal<Option<Assignee>>,
}

/// The notes, per-phase locks, end of the run and assignments the rows
/// were last set from.
type Seen = (
    Vec<Note>,
    Vec<bool>,
    bool,
    HashMap<String, (String, Option<i64>)>,
);

/// The step an action names, for the actions that change only that
/// step's row.
fn step_named(action: &Action) -> Option<&str> {
    match action {
        Action::Check { step, .. }
        | Action::Uncheck { step }
        | Action::Skip { step, .. }
        | Action::Acknowledge { step, .. } => Some(step),
        _ => None,
    }
}

/// Sets `signal` to `value` only if it differs, so readers of an
/// unchanged row do not run.
fn set_if<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.try_with_untracked(|v| *v != value) == Some(true) {
        signal.try_set(value);
    }
}

impl Rows {
    /// Creates the rows' store and the effects that keep it up to date.
    pub(super) fn track(state: AppState) -> Rows {
        let rows = Rows {
            rows: StoredValue::new(HashMap::new()),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            waiting: StoredValue::new(Vec::new()),
        };
        // What the rows were last set from: notes, locks and the end of
        // the run change rarely, so rows are only compared for them when
        // they changed.
        let last: StoredValue<Option<Seen>> = StoredValue::new(None);
        // The log the rows were last set from: its length and last event.
        let seen_log: StoredValue<Option<(usize, String)>> = StoredValue::new(None);
        Effect::new(move |_| {
            state.run.with(|r| {
                let Some(r) = r else { return };
                // The common change: events added at the end of the log,
                // each naming its step (a check-off). Only their rows can
                // have changed status.
                let events = &r.run.events;
                let appended = seen_log.with_value(|seen| {
                    let (len, last_id) = seen.as_ref()?;
                    let new = events
                        .get(*len..)
                        .filter(|new| (1..=8).contains(&new.len()))?;
                    if last_id.is_empty() || events.get(len.checked_sub(1)?)?.id != *last_id {
                        return None;
                    }
                    new.iter()
                        .map(|e| step_named(&e.action).map(str::to_owned))
                        .collect::<Option<Vec<String>>>()
                });
                seen_log.set_value(events.last().map(|e| (events.len(), e.id.clone())));
                state.run_state.with(|st| {
                    let finished = st.outcome.is_some();
                    let locked: Vec<bool> = r
                        .plan
                        .phases
                        .iter()
                        .map(|p| r.run.locked_by(&r.plan, st, &p.id).is_some())
                        .collect();
                    let same = last.with_value(|l| {
                        l.as_ref().is_some_and(|(n, l, f, a)| {
                            *n == st.notes && *l == locked && *f == finished && *a == st.assigned
                        })
                    });
                    let mut assignees = if same {
                        HashMap::new()
                    } else {
                        r.run.assignees(&r.plan, st)
                    };
                    let mut notes: HashMap<&str, Vec<Note>> = HashMap::new();
                    let mut locked_by_id: HashMap<&str, bool> = HashMap::new();
                    if !same {
                        for (p, l) in r.plan.phases.iter().zip(&locked) {
                            locked_by_id.insert(p.id.as_str(), *l);
                        }
                        for n in &st.notes {
                            if let Some(step) = n.step.as_deref() {
                                notes.entry(step).or_default().push(n.clone());
                            }
                        }
                    }
                    if let Some(steps) = appended.filter(|_| same) {
                        for id in steps {
                            let Some((phase, step)) = r.plan.step(&id) else {
                                continue;
                            };
                            rows.with_row(&id, |row| set_if(row.status, st.status_in(phase, step)));
                        }
                        return;
                    }
                    rows.rows.with_value(|all| {
                        for (id, row) in all {
                            let Some((phase, step)) = r.plan.step(id) else {
                                continue;
                            };
                            set_if(row.status, st.status_in(phase, step));
                            if same {
                                continue;
                            }
                            set_if(row.notes, notes.remove(id.as_str()).unwrap_or_default());
                            set_if(
                                row.locked,
                                locked_by_id.get(phase.id.as_str()) == Some(&true),
                            );
                            // Follow-ups stay open after the run.
                            set_if(row.finished, finished && phase.follow_up_s.is_none());
                            set_if(row.assignee, assignees.remove(id.as_str()));
                        }
                    });
                    if !same {
                        last.set_value(Some((
                            st.notes.clone(),
                            locked,
                            finished,
                            st.assigned.clone(),
                        )));
                    }
                });
            });
        });
        rows.follow(state.current, |row| row.current);
        rows.follow(state.cursor, |row| row.cursor);
        // Rows made from now on start with the values of now.
        let last = StoredValue::new(
            state
                .editing
                .with_untracked(|e| e.as_ref().map(|(id, _)| id.clone())),
        );
        Effect::new(move |_| {
            let now = state.editing.get();
            let id = now.as_ref().map(|(id, _)| id.clone());
            if let Some(old) = last.get_value().filter(|old| Some(old) != id.as_ref()) {
                rows.with_row(&old, |row| set_if(row.editing, None));
            }
            if let Some((id, edit)) = now {
                // Set even when equal: opening the open form again builds
                // it again, which focuses its field.
                rows.with_row(&id, |row| {
                    row.editing.try_set(Some(edit));
                });
            }
            last.set_value(id);
        });
        rows
    }

    /// Keeps one flag per row equal to "this row is `source`'s step".
    fn follow<S>(&self, source: S, flag: fn(&Row) -> RwSignal<bool>)
    where
        S: Get<Value = Option<String>>
            + GetUntracked<Value = Option<String>>
            + Send
            + Sync
            + 'static,
    {
        let rows = *self;
        // Rows made from now on start with the values of now.
        let last = StoredValue::new(source.get_untracked());
        Effect::new(move |_| {
            let now = source.get();
            let before = last.get_value();
            if before == now {
                return;
            }
            if let Some(old) = &before {
                rows.with_row(old, |row| set_if(flag(row), false));
            }
            if let Some(new) = &now {
                rows.with_row(new, |row| set_if(flag(row), true));
            }
            last.set_value(now);
        });
    }

    /// A signal that receives the row's signals when a run of the
    /// preview's checklist starts.
    pub(super) fn waiting(&self, id: &str) -> RwSignal<Option<Row>> {
        let slot = RwSignal::new(None);
        self.waiting.update_value(|w| w.push((id.to_owned(), slot)));
        slot
    }

    /// The run started on the previewed checklist: each blank row gets
    /// its signals, with the values of now, and shows the run's controls.
    pub(super) fn go_live(&self, state: AppState) {
        let waiting = self
            .waiting
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        state.run.with_untracked(|r| {
            let Some(r) = r else { return };
            for (id, slot) in waiting {
                if let Some((phase, step)) = r.plan.step(&id) {
                    slot.try_set(Some(self.row(state, phase, step)));
                }
            }
        });
    }

    fn with_row(&self, id: &str, f: impl FnOnce(&Row)) {
        self.rows.with_value(|all| {
            if let Some(row) = all.get(id) {
                f(row)
            }
        });
    }

    /// The signals of step `id`'s row, made on first use with the values
    /// the row shows now.
    pub(super) fn row(&self, state: AppState, phase: &PlanPhase, step: &PlanStep) -> Row {
        if let Some(row) = self.rows.with_value(|all| all.get(&step.id).copied()) {
            return row;
        }
        let id = step.id.as_str();
        let row = self.owner.get_value().with(|| {
            state.run.with_untracked(|r| {
                state.run_state.with_untracked(|st| {
                    let locked = r
                        .as_ref()
                        .is_some_and(|r| r.run.locked_by(&r.plan, st, &phase.id).is_some());
                    let assignee = r
                        .as_ref()
                        .map(|r| r.run.assignee(st, phase, step))
                        .filter(|a| !a.is_empty());
                    Row {
                        assignee: RwSignal::new(assignee),
                        status: RwSignal::new(st.status_in(phase, step)),
                        notes: RwSignal::new(st.notes_for(id).cloned().collect()),
                        locked: RwSignal::new(locked),
                        finished: RwSignal::new(
                            st.outcome.is_some() && phase.follow_up_s.is_none(),
                        ),
                        current: RwSignal::new(
                            state.current.with_untracked(|c| c.as_deref() == Some(id)),
                        ),
                        cursor: RwSignal::new(
                            state.cursor.with_untracked(|c| c.as_deref() == Some(id)),
                        ),
                        editing: RwSignal::new(state.editing.with_untracked(|e| {
                            e.as_ref().filter(|(s, _)| s == id).map(|(_, e)| e.clone())
                        })),
                    }
                })
            })
        });
        self.rows.update_value(|all| {
            all.insert(step.id.clone(), row);
        });
        row
    }
}
