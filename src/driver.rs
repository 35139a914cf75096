//! Carries out what a change to the open run calls for. The core decides
//! ([`preflight_core::run::apply::Session::apply`] returns effects as
//! values); this module only does them: storage writes, webhook
//! statuses, publishing to the relay, messages to the person.

use crate::effects::{notify, storage};
use crate::persist;
use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use preflight_core::run::apply::{Applied, Effect, SetAside};
use preflight_core::run::store;
use preflight_core::run::Event;

/// Carries out `applied`'s effects, in order.
pub fn carry_out(state: AppState, applied: &Applied) {
    let mut follow = false;
    for effect in &applied.effects {
        match effect {
            Effect::Save(ids) => {
                // Without storage there is nothing to retry: the banner
                // says so.
                if state.storage_ok.get_untracked() {
                    state.pending.update(|p| p.extend(ids.iter().cloned()));
                }
            }
            Effect::SaveRun => {
                let run = state
                    .run
                    .with_untracked(|r| r.as_ref().map(|r| r.run.clone()));
                if let Some(Err(err)) = run.map(|run| persist::save_snapshot(&run)) {
                    state.notify(
                        NoticeKind::Error,
                        format!("The run could not be saved: {err}."),
                    );
                }
            }
            Effect::Publish(_) => crate::share::pump(state),
            Effect::Status {
                kind,
                phase,
                detail,
                ..
            } => {
                if let Some(status) = state.status(*kind, phase.clone(), detail.clone()) {
                    state.hooks.queue(&status);
                }
            }
            Effect::SetAside(all) => set_aside(state, all, true),
            Effect::Replanned => {}
            Effect::FollowGuide(_) => follow = true,
            Effect::AskToNotify => notify::request_permission(),
            Effect::FollowUpDue { title, open, .. } => {
                let text = format!(
                    "Follow-up due: “{title}” ({open} step{} open).",
                    if *open == 1 { "" } else { "s" }
                );
                notify::show("Preflight", &text);
                state.notify(NoticeKind::Warning, text);
            }
            Effect::Announce { text, status } => {
                notify::show("Preflight", text);
                state.notify(NoticeKind::Info, text.clone());
                if let Some((kind, detail, key)) = status {
                    if let Some(mut s) = state.status(*kind, None, Some(detail.clone())) {
                        s.key = key.clone();
                        state.hooks.queue(&s);
                    }
                }
            }
        }
    }
    state.flush_pending();
    if !applied.accepted.is_empty() {
        state.mark_index_dirty();
    }
    if follow {
        // The run follows another text now: open it again with that text.
        if let Some(id) = state
            .run
            .with_untracked(|r| r.as_ref().map(|r| r.run.id.clone()))
        {
            state.open_run(&id);
        }
    }
}

/// Changes from elsewhere that break a rule: each is copied aside (its
/// own key removed when `stored`, so the run opens without it) and said,
/// with the change to download.
pub fn set_aside(state: AppState, all: &[SetAside], stored: bool) {
    let Some((run_id, plan)) = state
        .run
        .with_untracked(|r| r.as_ref().map(|r| (r.run.id.clone(), r.plan.clone())))
    else {
        return;
    };
    for x in all {
        let key = store::event_key(&run_id, &x.event.id);
        let raw = store::encode_event(&x.event);
        let mut text = x.message(&plan);
        if stored {
            match persist::quarantine(&key, &raw) {
                Some(aside) => {
                    text.push_str(&format!(" It was kept under “{aside}”; download it below."));
                    // Only a key that holds this very change goes, and
                    // never one of a change the run had kept.
                    let holds_it = storage::get(&key)
                        .ok()
                        .flatten()
                        .and_then(|v| serde_json::from_str::<Event>(&v).ok())
                        .is_some_and(|stored| stored == x.event);
                    if holds_it && !x.kept_before {
                        if let Err(err) = storage::remove(&key) {
                            text.push_str(&format!(" Its own key could not be removed ({err}), so it will be set aside again when the run opens."));
                        }
                    }
                }
                None => text.push_str(" It could not be kept in this browser; download it below."),
            }
        }
        state.notify_download(NoticeKind::Warning, text, (format!("{key}.json"), raw));
    }
}
