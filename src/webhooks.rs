//! Run status to a webhook: statuses are queued in a persistent outbox
//! when the run changes, and a background sender delivers them in order,
//! one at a time, retrying with backoff; the page never waits for it.

use crate::effects::{clock, location, post, random, storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::run::{Plan, Run, RunState};
pub use preflight_core::webhook::Kind;
use preflight_core::webhook::{self, Config, Outbox, Status};

/// How long a tab's claim on a message it sends holds (a request that
/// takes longer is retried by whichever tab comes next).
const CLAIM_MS: i64 = 60_000;

/// Webhook settings and the outbox, as signals.
#[derive(Clone, Copy)]
pub struct Hooks {
    pub config: RwSignal<Option<Config>>,
    pub outbox: RwSignal<Outbox>,
    /// A delivery is on its way (one at a time keeps the order).
    sending: StoredValue<bool>,
    /// Why the outbox could not be saved, while it cannot.
    pub unsaved: RwSignal<Option<String>>,
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
            unsaved: RwSignal::new(None),
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
                storage::remove(Config::STORAGE_KEY).map_err(|e| e.to_string())?;
            }
        }
        self.config.set(config);
        Ok(())
    }

    /// Changes the outbox as it is stored now (another tab may have
    /// changed it), writes it back, and shows it. Storage calls are
    /// synchronous, so no other tab writes in between.
    fn change(&self, f: impl FnOnce(&mut Outbox)) {
        let mut outbox = storage::get(Outbox::STORAGE_KEY)
            .ok()
            .flatten()
            .and_then(|raw| Outbox::decode(&raw))
            .unwrap_or_else(|| self.outbox.get_untracked());
        f(&mut outbox);
        // Unsaved, the outbox still lives in this page and is written
        // again with the next change; the webhook panel says so meanwhile.
        let unsaved = storage::set(Outbox::STORAGE_KEY, &outbox.encode())
            .err()
            .map(|err| format!("The webhook outbox could not be saved in this browser ({err}); its messages are kept in this page until it can be."));
        if unsaved != self.unsaved.get_untracked() {
            self.unsaved.set(unsaved);
        }
        if outbox != self.outbox.get_untracked() {
            self.outbox.set(outbox);
        }
    }

    /// Another tab changed the settings or the outbox.
    pub fn on_storage_change(&self, key: &str, value: Option<&str>) {
        if key == Config::STORAGE_KEY {
            self.config
                .set(value.and_then(|v| serde_json::from_str::<Config>(v).ok()));
        } else if key == Outbox::STORAGE_KEY {
            if let Some(outbox) = value.and_then(Outbox::decode) {
                self.outbox.set(outbox);
            }
        }
    }

    /// Queues a status, if a webhook is set and wants its kind.
    pub fn queue(&self, status: &Status) {
        let Some(config) = self.config.get_untracked() else {
            return;
        };
        self.change(|o| o.push(&config, status));
    }

    pub fn retry(&self, key: &str) {
        self.change(|o| o.retry(key, clock::now_ms()));
    }

    pub fn discard(&self, key: &str) {
        self.change(|o| o.discard(key));
    }

    /// Network back: everything pending is due.
    pub fn wake(&self) {
        self.change(|o| o.wake(clock::now_ms()));
    }

    /// Sends the next due message, if any and none is on its way. Called
    /// every tick; returns at once. The message is claimed in storage
    /// first, so another tab does not send it too.
    /// `refused` is told, in one sentence, of a message the webhook
    /// refused for good.
    pub fn pump(&self, tab: &str, refused: impl Fn(String) + 'static) {
        if self.sending.get_value()
            || !post::online()
            || self.outbox.with_untracked(|o| o.items.is_empty())
        {
            return;
        }
        let now = clock::now_ms();
        let mut claimed = None;
        self.change(|o| {
            if let Some(item) = o.due(now).cloned() {
                o.claim(&item.key, tab, now, CLAIM_MS);
                claimed = Some(item);
            }
        });
        let Some(item) = claimed else {
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
                refused(format!("The webhook refused “{}”: {why}. It is kept under Webhook to retry or discard.", item.summary));
            }
            let jitter = js_sys::Math::random();
            hooks.change(|o| o.settle(&item.key, outcome, now, jitter));
            hooks.sending.set_value(false);
        });
    }
}

/// What a status is about: the run, its plan and state, who reports it
/// and when.
pub struct About<'a> {
    pub run: &'a Run,
    pub plan: &'a Plan,
    pub state: &'a RunState,
    pub who: String,
    pub now_ms: i64,
}

/// A status of the run `about` is about, for `kind`.
pub fn status(
    about: About<'_>,
    kind: Kind,
    phase: Option<String>,
    detail: Option<String>,
) -> Status {
    let About {
        run,
        plan,
        state,
        who,
        now_ms,
    } = about;
    let progress = run.progress(plan, state, None);
    Status {
        key: uuid_string(),
        kind,
        guide_title: run.guide_title.clone(),
        run_id: run.id.clone(),
        phase,
        detail,
        done: progress.done,
        skipped: progress.skipped,
        total: progress.total,
        who,
        elapsed_ms: now_ms.saturating_sub(run.started_ms),
        window_ms: run.window.end_ms.saturating_sub(run.window.start_ms),
        outcome: run.outcome().map(|o| o.label().to_owned()),
        link: location::run_link(&run.id),
        at_ms: now_ms,
        log_head: preflight_core::run::chain::head(&run.events),
    }
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
