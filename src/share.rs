//! Live shared runs: the open run's log mirrored through a NATS JetStream
//! relay, so every device with the team's credentials sees and changes one
//! run. Local first: every change is saved in this browser before it is
//! published, and what the relay has not acknowledged is published again
//! when the connection returns (the relay drops duplicates by event id).
//! The protocol is `preflight_core::share`; the client is `effects::relay`.
//!
//! The team's password is kept in memory for this tab's connection
//! (reconnects work; a reload asks again) and saved in this browser only
//! when the person ticks "Remember on this device", under a key naming the
//! whole relay list and the team. Stopping sharing, deleting the run and
//! "Forget relay credentials" remove it; keys of the old form (one server)
//! are removed when the app starts.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::run::apply::{Input, Source};
use preflight_core::share::{
    self, Connection, Credentials, Inbound, Link, Names, Presence, Shared, PRESENCE_EVERY_MS,
};
use preflight_core::{Guide, LastGuide, Run};

use crate::effects::relay::{self, Handlers, Session};
use crate::effects::{clock, location, storage};
use crate::notice::NoticeKind;
use crate::persist;
use preflight_core::run::apply::Applied;
use preflight_core::run::Refusal;
use preflight_core::RunIndex;
use std::sync::Arc;

thread_local! {
    /// The open connection and the run it serves.
    static SESSION: RefCell<Option<(String, Rc<Session>)>> = const { RefCell::new(None) };
    /// Credentials typed in this tab, by their storage key: they live as
    /// long as the tab, saved or not.
    static TYPED: RefCell<BTreeMap<String, Credentials>> = const { RefCell::new(BTreeMap::new()) };
    /// Credentials to save ("Remember on this device") once the relay
    /// accepts them, by storage key: a mistyped password is never saved.
    static TO_SAVE: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
}

fn session_for(run_id: &str) -> Option<Rc<Session>> {
    SESSION.with(|s| {
        s.borrow()
            .as_ref()
            .filter(|(id, _)| id == run_id)
            .map(|(_, session)| session.clone())
    })
}

/// What live sharing needs of the page, and nothing more: its own
/// signals, the open run and the text of its guide, who is here, and the
/// ways a change reaches the run (the page state implements it).
pub trait Host: Copy + 'static {
    fn sharing(self) -> Sharing;
    fn run(self) -> RwSignal<Option<preflight_core::run::apply::Session>>;
    /// The open guide's origin, name and text, as a run's export holds them.
    fn guide_source(self) -> Option<(&'static str, Option<String>, Arc<str>)>;
    /// The open run's current step.
    fn current_step(self) -> Option<String>;
    /// The person's name.
    fn operator(self) -> String;
    /// This tab's id, its device id in a shared run.
    fn device(self) -> String;
    fn runs(self) -> RwSignal<RunIndex>;
    fn notify(self, kind: NoticeKind, text: String);
    /// A storage write's result: a failure is said.
    fn keep(self, what: &str, written: Result<(), persist::StorageError>);
    /// A change to the open run, decided by the core's rules.
    fn apply(self, input: preflight_core::run::apply::Input) -> Result<Applied, Refusal>;
    fn open_run(self, id: &str) -> bool;
}

/// Sharing state of the open run, as signals.
#[derive(Clone, Copy)]
pub struct Sharing {
    /// The open run's relay settings; `None` when it is not shared.
    pub settings: RwSignal<Option<Shared>>,
    /// The connection, while the open run is shared (or being joined).
    pub status: RwSignal<Option<Connection>>,
    /// Others in the run, by presence key.
    pub peers: RwSignal<BTreeMap<String, Presence>>,
    /// A join link waiting for the team's credentials.
    pub joining: RwSignal<Option<Link>>,
    /// The share form is open.
    pub form_open: RwSignal<bool>,
    /// The open run is shared but no password for it is here (not saved,
    /// and not typed in this tab): the share form asks for it.
    pub needs_password: RwSignal<bool>,
    /// The relay refuses this run's changes for one of its limits: the
    /// sentence to show (changes stay here and are sent again later).
    pub refused: RwSignal<Option<String>>,
    /// Publishing waits until then (ms) after a refusal or failure.
    retry_at: StoredValue<i64>,
    /// Refusals or failures in a row, for the backoff.
    failures: StoredValue<u32>,
    /// Bumped on each connect, so a closed session's late reports are
    /// ignored.
    generation: StoredValue<u64>,
    /// A publish round is under way (one at a time keeps the order).
    busy: StoredValue<bool>,
    /// When this device last renewed its presence.
    presence_at: StoredValue<i64>,
}

impl Default for Sharing {
    fn default() -> Self {
        Self::new()
    }
}

impl Sharing {
    pub fn new() -> Sharing {
        Sharing {
            settings: RwSignal::new(None),
            status: RwSignal::new(None),
            peers: RwSignal::new(BTreeMap::new()),
            joining: RwSignal::new(None),
            form_open: RwSignal::new(false),
            needs_password: RwSignal::new(false),
            refused: RwSignal::new(None),
            retry_at: StoredValue::new(0),
            failures: StoredValue::new(0),
            generation: StoredValue::new(0),
            busy: StoredValue::new(false),
            presence_at: StoredValue::new(0),
        }
    }
}

/// Events of the open run the relay has not acknowledged.
pub fn unsent_count(state: impl Host) -> usize {
    state.sharing().settings.with(|s| {
        let Some(s) = s else { return 0 };
        state.run().with(|r| {
            r.as_ref()
                .map_or(0, |r| share::unsent(&r.run, &s.acked).len())
        })
    })
}

fn save_settings(state: impl Host, run_id: &str, settings: &Shared) {
    state.keep(
        "the live-sharing settings of this run",
        storage::set(&Shared::storage_key(run_id), &settings.encode()),
    );
}

/// The user and password for a relay list and team: typed in this tab,
/// else saved on this device for exactly that list and team.
pub fn stored_credentials(servers: &[String], team: &str) -> Option<Credentials> {
    let key = Credentials::storage_key(servers, team);
    TYPED
        .with(|t| t.borrow().get(&key).cloned())
        .or_else(|| saved_credentials(servers, team))
}

/// The credentials saved on this device ("Remember on this device") for
/// exactly this relay list and team.
pub fn saved_credentials(servers: &[String], team: &str) -> Option<Credentials> {
    storage::get(&Credentials::storage_key(servers, team))
        .ok()
        .flatten()
        .and_then(|raw| Credentials::decode(&raw, servers, team))
}

/// Keeps typed credentials for this tab, and saves them on this device
/// only when asked, once the relay accepts them; not asked removes any
/// saved before.
fn remember_credentials(
    state: impl Host,
    servers: &[String],
    team: &str,
    creds: &Credentials,
    remember: bool,
) {
    let key = Credentials::storage_key(servers, team);
    TYPED.with(|t| t.borrow_mut().insert(key.clone(), creds.clone()));
    if remember {
        TO_SAVE.with(|t| {
            t.borrow_mut()
                .insert(key.clone(), creds.encode(servers, team))
        });
    } else {
        TO_SAVE.with(|t| t.borrow_mut().remove(&key));
        state.keep(
            "that the relay's password is not kept here",
            storage::remove(&key),
        );
    }
}

/// Removes the saved credentials of a relay list and team.
pub fn forget_credentials(servers: &[String], team: &str) -> Result<(), storage::StorageError> {
    storage::remove(&Credentials::storage_key(servers, team))
}

/// Removes every relay credential saved on this device (any relay list,
/// any team, old forms too); returns how many.
pub fn forget_all_credentials() -> Result<usize, storage::StorageError> {
    TO_SAVE.with(|t| t.borrow_mut().clear());
    let keys: Vec<String> = storage::keys()?
        .into_iter()
        .filter(|k| Credentials::is_storage_key(k) || Credentials::is_old_storage_key(k))
        .collect();
    for key in &keys {
        storage::remove(key)?;
    }
    Ok(keys.len())
}

/// Removes credentials saved in the old form (keyed on one server only,
/// so a link naming that server among others got the password): they are
/// never read again.
pub fn remove_old_credentials() {
    for key in storage::keys().unwrap_or_default() {
        if Credentials::is_old_storage_key(&key) {
            let _ = storage::remove(&key);
        }
    }
}

/// The settings for sharing `run_id` through `servers` as `team`: those
/// kept here when the run was shared through the same relay list and
/// team before (what the relay acknowledged stays acknowledged), else new.
fn settings_for(run_id: &str, servers: Vec<String>, team: String, user: String) -> Shared {
    let kept = storage::get(&Shared::storage_key(run_id))
        .ok()
        .flatten()
        .and_then(|raw| Shared::decode(&raw))
        .filter(|k| {
            k.team == team
                && share::canonical_servers(&k.servers) == share::canonical_servers(&servers)
        });
    match kept {
        Some(mut k) => {
            k.servers = servers;
            k.user = user;
            k
        }
        None => Shared::new(servers, team, user),
    }
}

/// Shares the open run through a relay: checks the settings, remembers
/// them and connects. `Err` is a sentence for the form.
pub fn start(
    state: impl Host,
    servers_raw: &str,
    team_raw: &str,
    user: &str,
    password: &str,
    remember: bool,
) -> Result<(), String> {
    let servers = share::servers(servers_raw).map_err(|e| e.to_string())?;
    let team = share::team(team_raw).map_err(|e| e.to_string())?;
    if user.trim().is_empty() || password.is_empty() {
        return Err("enter the team's user and password".into());
    }
    let Some(run_id) = state
        .run()
        .with_untracked(|r| r.as_ref().map(|r| r.run.id.clone()))
    else {
        return Err("no run is open".into());
    };
    let creds = Credentials {
        user: user.trim().to_owned(),
        password: password.to_owned(),
    };
    // Kept for this tab; saved only when asked.
    remember_credentials(state, &servers, &team, &creds, remember);
    let settings = settings_for(&run_id, servers, team, creds.user.clone());
    state.sharing().needs_password.set(false);
    save_settings(state, &run_id, &settings);
    state.sharing().settings.set(Some(settings.clone()));
    connect(state, run_id, settings, creds, 0);
    Ok(())
}

/// The link that opens the open run on another device.
pub fn link(state: impl Host) -> Option<String> {
    let settings = state.sharing().settings.get_untracked()?;
    let run = state
        .run()
        .with_untracked(|r| r.as_ref().map(|r| r.run.id.clone()))?;
    let link = Link {
        run,
        team: settings.team,
        servers: settings.servers,
    };
    Some(location::link_with_fragment(&link.encode()))
}

/// Called when a run opens: reconnects if it is shared here.
pub fn resume(state: impl Host, run_id: &str) {
    let settings = storage::get(&Shared::storage_key(run_id))
        .ok()
        .flatten()
        .and_then(|raw| Shared::decode(&raw));
    let Some(settings) = settings else {
        state.sharing().peers.set(BTreeMap::new());
        disconnect(state);
        state.sharing().settings.set(None);
        state.sharing().status.set(None);
        state.sharing().needs_password.set(false);
        clear_refusal(state);
        return;
    };
    state.sharing().settings.set(Some(settings.clone()));
    if session_for(run_id).is_some() {
        // Joined just now: the connection is already this run's.
        return;
    }
    // Another run's refusal is not this one's: publish at once, and the
    // relay says again if it still refuses.
    clear_refusal(state);
    state.sharing().peers.set(BTreeMap::new());
    disconnect(state);
    match stored_credentials(&settings.servers, &settings.team) {
        Some(creds) => {
            state.sharing().needs_password.set(false);
            connect(state, run_id.to_owned(), settings, creds, 0)
        }
        None => {
            state.sharing().needs_password.set(true);
            state.sharing().status.set(Some(Connection::Failed(
                "the team's password is not saved on this device; choose “Share live…” and enter it to reconnect".into(),
            )))
        }
    }
}

/// Stops sharing the open run on this device; the run stays here.
pub fn stop(state: impl Host) {
    if let Some(id) = state
        .run()
        .with_untracked(|r| r.as_ref().map(|r| r.run.id.clone()))
    {
        state.keep(
            "that this run is no longer shared",
            storage::remove(&Shared::storage_key(&id)),
        );
    }
    // The password of this relay list and team goes too, saved or typed.
    if let Some(s) = state.sharing().settings.get_untracked() {
        TYPED.with(|t| {
            t.borrow_mut()
                .remove(&Credentials::storage_key(&s.servers, &s.team))
        });
        state.keep(
            "that the relay's password is no longer kept here",
            forget_credentials(&s.servers, &s.team),
        );
    }
    state.sharing().needs_password.set(false);
    clear_refusal(state);
    disconnect(state);
    state.sharing().settings.set(None);
    state.sharing().status.set(None);
    state.sharing().peers.set(BTreeMap::new());
}

/// Closes the connection, if any, and takes this device out of presence.
pub fn disconnect(state: impl Host) {
    state.sharing().generation.update_value(|g| *g += 1);
    state.sharing().busy.set_value(false);
    let old = SESSION.with(|s| s.borrow_mut().take());
    if let Some((run_id, session)) = old {
        let key = state
            .sharing()
            .settings
            .with_untracked(|s| s.as_ref().map(|s| Names::new(&s.team, &run_id)))
            .map(|n| n.presence_key(&device(state)));
        spawn_local(async move {
            if let Some(key) = key {
                let _ = session.presence(&key, None).await;
            }
            session.close().await;
        });
    }
}

fn device(state: impl Host) -> String {
    state.device()
}

/// Connects to the relay for `run_id` (an open run, or one being joined).
fn connect(state: impl Host, run_id: String, settings: Shared, creds: Credentials, attempt: u32) {
    disconnect(state);
    if !online() {
        state.sharing().status.set(Some(Connection::Offline));
        return;
    }
    let generation = state.sharing().generation.get_value();
    let current = move || state.sharing().generation.get_value() == generation;
    state.sharing().status.set(Some(Connection::Connecting));
    let names = Names::new(&settings.team, &run_id);
    let options = relay::options(
        &settings.servers,
        &creds.user,
        &creds.password,
        &format!("preflight {}", state.operator()),
        &names,
    );
    let names_ev = names.clone();
    let again = (run_id.clone(), settings.clone(), creds.clone());
    let creds_key = Credentials::storage_key(&settings.servers, &settings.team);
    let handlers = Handlers {
        event: Box::new(move |subject, data| {
            if current() {
                on_message(state, &names_ev, &subject, &data);
            }
        }),
        status: Box::new(move |kind, detail| {
            if !current() {
                return;
            }
            let status = match kind.as_str() {
                "connected" => Connection::Connected,
                "reconnecting" => Connection::Reconnecting,
                "closed" => Connection::Failed(if detail.is_empty() {
                    "the connection to the relay was closed".into()
                } else {
                    detail
                }),
                _ => {
                    state.notify(NoticeKind::Warning, format!("Relay: {detail}."));
                    return;
                }
            };
            let connected = status == Connection::Connected;
            state.sharing().status.set(Some(status));
            if connected {
                pump(state);
            }
        }),
        presence: Box::new(move |key, value| {
            if !current() {
                return;
            }
            state
                .sharing()
                .peers
                .update(|peers| match value.as_deref() {
                    Some(raw) => {
                        if let Some(p) = Presence::decode(raw) {
                            peers.insert(key, p);
                        }
                    }
                    None => {
                        peers.remove(&key);
                    }
                });
        }),
    };
    spawn_local(async move {
        match relay::open(&options, handlers).await {
            Ok(session) => {
                if !current() {
                    session.close().await;
                    return;
                }
                // Accepted: saved now if the person asked.
                if let Some(value) = TO_SAVE.with(|t| t.borrow_mut().remove(&creds_key)) {
                    state.keep(
                        "the relay's user name and password",
                        storage::set(&creds_key, &value),
                    );
                }
                SESSION.with(|s| *s.borrow_mut() = Some((run_id, Rc::new(session))));
                state.sharing().presence_at.set_value(0);
                state.sharing().status.set(Some(Connection::Connected));
                pump(state);
            }
            Err(why) if !current() => drop(why),
            Err(why) if share::refusal_is_final(&why) => {
                // Refused: neither kept for this tab nor saved.
                TYPED.with(|t| t.borrow_mut().remove(&creds_key));
                TO_SAVE.with(|t| t.borrow_mut().remove(&creds_key));
                state
                    .sharing()
                    .status
                    .set(Some(Connection::Failed(why.clone())));
                state.notify(
                    NoticeKind::Error,
                    format!("The run is not shared: {why}. Nothing from the relay was read."),
                );
            }
            Err(why) => {
                // Unreachable or slow (a node restarting), or a limit of
                // the relay (said): try again, less and less often;
                // changes wait here meanwhile.
                if let Some(refusal) = share::limit_refusal(&why) {
                    state.sharing().refused.set(Some(refusal.to_string()));
                }
                state.sharing().status.set(Some(Connection::Reconnecting));
                let (run_id, settings, creds) = again;
                set_timeout(
                    move || {
                        if current() {
                            connect(state, run_id, settings, creds, attempt + 1);
                        }
                    },
                    std::time::Duration::from_millis(share::retry_delay_ms(attempt)),
                );
            }
        }
    });
}

fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// A message from the relay for the run being shared or joined.
fn on_message(state: impl Host, names: &Names, subject: &str, data: &str) {
    let message = match share::read_message(names, subject, data) {
        Ok(m) => m,
        Err(why) => {
            state.notify(
                NoticeKind::Warning,
                format!("Relay: {why}; it was ignored."),
            );
            return;
        }
    };
    match message {
        Inbound::Meta(export) => {
            if state.sharing().joining.get_untracked().is_some() {
                finish_join(state, *export);
            } else {
                // A new version of the guide the run adopted elsewhere:
                // keep its text here, for the adoption event that follows.
                keep_guide_text(state, &export);
            }
        }
        Inbound::Event(event) => {
            let open = state
                .run()
                .with_untracked(|r| r.as_ref().map(|r| r.run.id == names.run));
            if open != Some(true) {
                return;
            }
            // The relay holds it, so a change here with the same id and
            // time is not sent again; an event reusing another change's id
            // is set aside and marks nothing.
            let adopts = matches!(event.action, preflight_core::Action::AdoptGuide { .. });
            let (id, at) = (event.id.clone(), event.at_ms);
            // Decided by the same rules as changes made here; what breaks
            // one is set aside and said (an error only means no run is open).
            let _ = state.apply(Input::Events {
                from: Source::Relay,
                events: vec![event],
            });
            let same = state.run().with_untracked(|r| {
                r.as_ref().is_some_and(|r| {
                    r.run
                        .events
                        .binary_search_by(|e| (e.at_ms, e.id.as_str()).cmp(&(at, id.as_str())))
                        .is_ok()
                })
            });
            if !same {
                return;
            }
            let run_id = names.run.clone();
            state.sharing().settings.update(|s| {
                if let Some(s) = s {
                    s.acked.insert(id);
                    if adopts {
                        save_settings(state, &run_id, s);
                    }
                }
            });
        }
    }
}

/// Saves a shared guide text under its own hash, if it is not here yet.
fn keep_guide_text(state: impl Host, export: &preflight_core::run::store::Export) {
    let key = LastGuide::storage_key_for(&preflight_core::guide_hash(&export.guide.text));
    if storage::get(&key).ok().flatten().is_none() {
        let guide = LastGuide::new(
            &export.guide.origin,
            export.guide.name.clone(),
            export.guide.text.clone(),
        );
        state.keep(
            "the guide's new version for this run",
            storage::set(&key, &guide.encode()),
        );
    }
    // Its text is here now: an adoption of it can be accepted.
    let hash = preflight_core::guide_hash(&export.guide.text);
    let model = std::sync::Arc::new(Guide::parse(&export.guide.text));
    state.run().update_untracked(|r| {
        if let Some(r) = r {
            r.know_version(&hash, model);
        }
    });
}

/// The first message of a run being joined: the run and its guide are
/// saved here, then opened; its events follow.
fn finish_join(state: impl Host, export: preflight_core::run::store::Export) {
    let Some(link) = state.sharing().joining.get_untracked() else {
        return;
    };
    let run: Run = export.run;
    if run.id != link.run {
        return;
    }
    let guide = LastGuide::new(
        &export.guide.origin,
        export.guide.name.clone(),
        export.guide.text.clone(),
    );
    // A run kept here keeps its own header (operator, window, four-eyes);
    // the relay's copy adds its events, decided by the rules on opening.
    let mut stored = run.clone();
    if let Ok((persist::Opened::Run(existing), _)) = persist::open(&run.id) {
        stored = existing.run;
        stored.merge(run.events.iter().cloned());
    }
    let saved = storage::set(
        &LastGuide::storage_key_for(&preflight_core::guide_hash(&export.guide.text)),
        &guide.encode(),
    )
    .and_then(|()| persist::save_snapshot(&stored));
    if let Err(err) = saved {
        state.notify(
            NoticeKind::Error,
            format!("The shared run could not be saved here: {err}."),
        );
        return;
    }
    let model = Guide::parse(&export.guide.text);
    state.runs().update(|index| index.upsert(&stored, &model));
    let mut settings = Shared::new(link.servers.clone(), link.team.clone(), String::new());
    if let Some(c) = stored_credentials(&link.servers, &link.team) {
        settings.user = c.user;
    }
    settings.meta_sent = true;
    save_settings(state, &run.id, &settings);
    state.sharing().settings.set(Some(settings));
    // The connection stays open for the run; opening it does not reconnect.
    state.sharing().joining.set(None);
    if state.open_run(&run.id) {
        state.notify(
            NoticeKind::Info,
            format!("Joined the shared run of “{}”.", run.guide_title),
        );
    }
}

/// Joins the run of a link with the team's credentials.
pub fn join(state: impl Host, user: &str, password: &str, remember: bool) -> Result<(), String> {
    let Some(link) = state.sharing().joining.get_untracked() else {
        return Err("no shared run to join".into());
    };
    if user.trim().is_empty() || password.is_empty() {
        return Err("enter the team's user and password".into());
    }
    let creds = Credentials {
        user: user.trim().to_owned(),
        password: password.to_owned(),
    };
    remember_credentials(state, &link.servers, &link.team, &creds, remember);
    let settings = Shared::new(link.servers.clone(), link.team.clone(), creds.user.clone());
    connect(state, link.run.clone(), settings, creds, 0);
    Ok(())
}

/// A join link in the address: opens the run if it is already here and
/// shared, else asks for credentials. Returns true when it took over.
pub fn boot(state: impl Host) -> bool {
    remove_old_credentials();
    let Some(hash) = web_sys::window().and_then(|w| w.location().hash().ok()) else {
        return false;
    };
    let Some(link) = Link::decode(&hash) else {
        return false;
    };
    let link = match link {
        Ok(link) => link,
        Err(why) => {
            state.notify(NoticeKind::Error, format!("{why}."));
            return false;
        }
    };
    let here = matches!(persist::open(&link.run), Ok((persist::Opened::Run(_), _)));
    let shared_here = storage::get(&Shared::storage_key(&link.run))
        .ok()
        .flatten()
        .is_some();
    if here && shared_here && state.open_run(&link.run) {
        return true;
    }
    state.sharing().joining.set(Some(link));
    true
}

/// Publishes what the relay has not acknowledged, and renews presence.
/// Called after each change and each tick; does nothing while a round is
/// under way or when not connected.
pub fn pump(state: impl Host) {
    if state.sharing().busy.get_value()
        || state.sharing().status.get_untracked() != Some(Connection::Connected)
    {
        return;
    }
    let now = clock::now_ms();
    let presence_due = now - state.sharing().presence_at.get_value() >= PRESENCE_EVERY_MS;
    // After a refusal or failure, changes wait for the backoff's end.
    let sending = now >= state.sharing().retry_at.get_value();
    // Each tick comes here: with nothing to send, return before copying or
    // encoding anything.
    let Some((team, run_id, meta, events, at, meta_id)) =
        state.sharing().settings.with_untracked(|settings| {
            let settings = settings.as_ref()?;
            state.run().with_untracked(|r| {
                let r = r.as_ref()?;
                let unsent = if sending {
                    share::unsent(&r.run, &settings.acked)
                } else {
                    Vec::new()
                };
                if (settings.meta_sent || !sending) && unsent.is_empty() && !presence_due {
                    return None;
                }
                let meta = if settings.meta_sent || !sending {
                    None
                } else {
                    state.guide_source().map(|(origin, name, text)| {
                        share::meta_payload(&r.run, origin, name, &text)
                    })
                };
                let events: Vec<(String, String)> = unsent
                    .into_iter()
                    .map(|e| (e.id.clone(), preflight_core::run::store::encode_event(e)))
                    .collect();
                let at = state
                    .current_step()
                    .and_then(|id| r.plan.step(&id).map(|(_, s)| s.text.clone()));
                Some((
                    settings.team.clone(),
                    r.run.id.clone(),
                    meta,
                    events,
                    at,
                    share::meta_msg_id(&r.run),
                ))
            })
        })
    else {
        return;
    };
    let Some(session) = session_for(&run_id) else {
        return;
    };
    state.sharing().busy.set_value(true);
    let generation = state.sharing().generation.get_value();
    let names = Names::new(&team, &run_id);
    let me = device(state);
    let name = state.operator();
    spawn_local(async move {
        let current = move || state.sharing().generation.get_value() == generation;
        let mut ok = true;
        let mut failed: Option<String> = None;
        let sent_meta = meta.is_some();
        if let Some(meta) = meta {
            match session.publish(&names.meta, &meta_id, &meta).await {
                Ok(()) => {}
                Err(why) => {
                    ok = false;
                    failed = Some(why);
                }
            }
            if ok && current() {
                state.sharing().settings.update(|s| {
                    if let Some(s) = s {
                        s.meta_sent = true;
                    }
                });
            }
        }
        let mut acked = Vec::new();
        if ok {
            for (id, data) in events {
                if !current() {
                    break;
                }
                match session
                    .publish(&names.events, &share::msg_id(&run_id, &id), &data)
                    .await
                {
                    Ok(()) => acked.push(id),
                    Err(why) => {
                        // One change too large for the relay stays here;
                        // the others still go (receivers merge in any
                        // order). Anything else stops the round.
                        let one_too_large =
                            share::limit_refusal(&why).is_some_and(|r| r.limit.per_message());
                        failed = Some(why);
                        if !one_too_large {
                            break;
                        }
                    }
                }
            }
        }
        if presence_due && current() {
            let p = Presence {
                device: me.clone(),
                name,
                at,
                seen_ms: clock::now_ms(),
            };
            if session
                .presence(&names.presence_key(&me), Some(&p.encode()))
                .await
                .is_ok()
            {
                state.sharing().presence_at.set_value(now);
            }
        }
        if !current() {
            return;
        }
        let tried = sent_meta || !acked.is_empty() || failed.is_some();
        if tried {
            after_round(state, failed);
        }
        // A presence-only round changes nothing to keep.
        if !acked.is_empty() || sent_meta {
            state.sharing().settings.update(|s| {
                if let Some(s) = s {
                    s.acked.extend(acked);
                    save_settings(state, &run_id, s);
                }
            });
        }
        state.sharing().busy.set_value(false);
    });
}

/// Forgets a refusal and its backoff.
fn clear_refusal(state: impl Host) {
    let sharing = state.sharing();
    sharing.failures.set_value(0);
    sharing.retry_at.set_value(0);
    if sharing.refused.get_untracked().is_some() {
        sharing.refused.set(None);
    }
}

/// After a publish round: a refusal for a relay limit is said (once, then
/// on the badge) and publishing waits longer and longer; another failure
/// (a timeout) waits a little; success clears both. Nothing is dropped:
/// what was not acknowledged stays unsent in the log.
fn after_round(state: impl Host, failed: Option<String>) {
    let sharing = state.sharing();
    let Some(why) = failed else {
        clear_refusal(state);
        return;
    };
    let attempt = sharing.failures.get_value();
    sharing.failures.set_value(attempt.saturating_add(1));
    let wait = match share::limit_refusal(&why) {
        Some(refusal) => {
            let sentence = refusal.to_string();
            if sharing.refused.get_untracked().as_deref() != Some(sentence.as_str()) {
                state.notify(NoticeKind::Error, sentence.clone());
                sharing.refused.set(Some(sentence));
            }
            share::limit_retry_ms(attempt)
        }
        None => share::retry_delay_ms(attempt),
    };
    let wait = i64::try_from(wait).unwrap_or(i64::MAX);
    sharing
        .retry_at
        .set_value(clock::now_ms().saturating_add(wait));
}

/// The browser went offline: close the connection (changes wait here).
pub fn on_offline(state: impl Host) {
    if state.sharing().settings.with_untracked(Option::is_some) {
        disconnect(state);
        state.sharing().status.set(Some(Connection::Offline));
    }
}

/// The browser is online again: reconnect the open shared run.
pub fn on_online(state: impl Host) {
    if let Some(id) = state
        .run()
        .with_untracked(|r| r.as_ref().map(|r| r.run.id.clone()))
    {
        if state.sharing().settings.with_untracked(Option::is_some) {
            disconnect(state);
            resume(state, &id);
        }
    }
}
