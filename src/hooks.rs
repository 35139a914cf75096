//! Run status to a webhook: statuses are queued in a persistent outbox
//! when the run changes, and a background sender delivers them in order,
//! one at a time, retrying with backoff; the page never waits for it.

use crate::app::{AppState, NoticeKind};
use crate::effects::{clock, location, post, random, storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::run::{Event, RunState};
pub use preflight_core::webhook::Kind;
use preflight_core::webhook::{self, Config, Outbox, Status};

/// Webhook settings and the outbox, as signals.
#[derive(Clone, Copy)]
pub struct Hooks {
    pub config: RwSignal<Option<Config>>,
    pub outbox: RwSignal<Outbox>,
    /// A delivery is on its way (one at a time keeps the order).
    sending: StoredValue<bool>,
}

impl Hooks {
    pub fn load() -> Hooks {
        let config = storage::get(Config::STORAGE_KEY)
            .ok()
            .flatten()
            .and_then(|raw| serde_json::from_str::<Config>(&raw).ok());
        let outbox = storage::get(Outbox::STORAGE_KEY)
            .ok()
            .flatten()
            .and_then(|raw| Outbox::decode(&raw))
            .unwrap_or_default();
        Hooks {
            config: RwSignal::new(config),
            outbox: RwSignal::new(outbox),
            sending: StoredValue::new(false),
        }
    }

    pub fn save_config(&self, config: Option<Config>) -> Result<(), String> {
        match &config {
            Some(c) => {
                webhook::validate_url(&c.url)?;
                storage::set(
                    Config::STORAGE_KEY,
                    &serde_json::to_string(c).unwrap_or_default(),
                )
                .map_err(|e| e.to_string())?;
            }
            None => {
                let _ = storage::remove(Config::STORAGE_KEY);
            }
        }
        self.config.set(config);
        Ok(())
    }

    fn save_outbox(&self) {
        let _ = storage::set(Outbox::STORAGE_KEY, &self.outbox.get_untracked().encode());
    }

    /// Queues a status, if a webhook is set and wants its kind.
    pub fn queue(&self, status: &Status) {
        let Some(config) = self.config.get_untracked() else {
            return;
        };
        self.outbox.update(|o| o.push(&config, status));
        self.save_outbox();
    }

    pub fn retry(&self, key: &str) {
        self.outbox.update(|o| o.retry(key, clock::now_ms()));
        self.save_outbox();
    }

    pub fn discard(&self, key: &str) {
        self.outbox.update(|o| o.discard(key));
        self.save_outbox();
    }

    /// Network back: everything pending is due.
    pub fn wake(&self) {
        self.outbox.update(|o| o.wake(clock::now_ms()));
        self.save_outbox();
    }

    /// Sends the next due message, if any and none is on its way. Called
    /// every tick; returns at once.
    pub fn pump(&self, state: AppState) {
        if self.sending.get_value() || !post::online() {
            return;
        }
        let now = clock::now_ms();
        // Another tab may have delivered or queued: the stored outbox wins.
        if let Some(stored) = storage::get(Outbox::STORAGE_KEY)
            .ok()
            .flatten()
            .and_then(|raw| Outbox::decode(&raw))
        {
            if stored != self.outbox.get_untracked() {
                self.outbox.set(stored);
            }
        }
        let Some(item) = self.outbox.with_untracked(|o| o.due(now).cloned()) else {
            return;
        };
        self.sending.set_value(true);
        let hooks = *self;
        spawn_local(async move {
            let response = post::send(&item.url, &item.request).await;
            let now = clock::now_ms();
            let (status, retry_after) = match response {
                Some((status, retry_after)) => (Some(status), retry_after),
                None => (None, None),
            };
            let outcome = webhook::classify(status, retry_after.as_deref(), now);
            if let webhook::Outcome::Failed(why) = &outcome {
                state.notify(
                    NoticeKind::Error,
                    format!("The webhook refused “{}”: {why}. It is kept under Webhook to retry or discard.", item.summary),
                );
            }
            let jitter = js_sys::Math::random();
            hooks
                .outbox
                .update(|o| o.settle(&item.key, outcome, now, jitter));
            hooks.save_outbox();
            hooks.sending.set_value(false);
        });
    }
}

/// A status of the open run, for `kind`.
pub fn status(
    state: AppState,
    kind: Kind,
    phase: Option<String>,
    detail: Option<String>,
) -> Option<Status> {
    let now = clock::now_ms();
    state.run.with_untracked(|r| {
        let r = r.as_ref()?;
        let st = state.run_state.get_untracked();
        let progress = r.run.progress(&r.plan, &st, None);
        let key = uuid_string();
        Some(Status {
            key,
            kind,
            guide_title: r.run.guide_title.clone(),
            run_id: r.run.id.clone(),
            phase,
            detail,
            done: progress.resolved,
            total: progress.total,
            who: state.operator.get_untracked(),
            elapsed_ms: now - r.run.started_ms,
            window_ms: r.run.window.end_ms - r.run.window.start_ms,
            outcome: r.run.outcome().map(|o| o.label().to_owned()),
            link: location::run_link(&r.run.id),
            at_ms: now,
            log_head: preflight_core::run::chain::head(&r.run.events),
        })
    })
}

fn uuid_string() -> String {
    let b = random::bytes16();
    let mut b = b;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Queues the statuses a new event of the open run produces.
pub fn after_event(state: AppState, event: &Event, before: &RunState) {
    let Some(kinds) = state.run.with_untracked(|r| {
        let r = r.as_ref()?;
        let after = r.run.state();
        Some(webhook::kinds_for(&r.run, &r.plan, event, before, &after))
    }) else {
        return;
    };
    for (kind, phase, detail) in kinds {
        if let Some(s) = status(state, kind, phase, detail) {
            state.hooks.queue(&s);
        }
    }
}
