//! Page state: a handful of signals provided as context ([`AppState`]),
//! the types they hold, and the messages shown to the person. What changes
//! them lives in [`crate::guides`] (opening guides) and [`crate::runs`]
//! (runs); every change to a run goes through the core's
//! `Session::apply`, and [`crate::driver`] carries out its effects.

use crate::effects::{clock, storage};
use crate::persist;
use leptos::prelude::*;
use preflight_core::guide::StepOverrides;
use preflight_core::run::apply::{Applied, Input};
use preflight_core::run::{Refusal, RunState};
use preflight_core::{Guide, RecentGuides, RunIndex};
use std::sync::Arc;

/// The built-in example, shown on first open.
pub const EXAMPLE_GUIDE: &str = include_str!("../public/example-guide.md");

/// Where the open guide came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Example,
    Url(String),
    File(String),
    Pasted,
}

impl Origin {
    pub fn label(&self) -> String {
        match self {
            Origin::Example => "Built-in example".to_owned(),
            Origin::Url(url) => url.clone(),
            Origin::File(name) => name.clone(),
            Origin::Pasted => "Pasted guide".to_owned(),
        }
    }

    /// How the origin is stored with the guide's text.
    pub(crate) fn stored(&self) -> (&'static str, Option<String>) {
        match self {
            Origin::Example => ("example", None),
            Origin::Url(url) => ("url", Some(url.clone())),
            Origin::File(name) => ("file", Some(name.clone())),
            Origin::Pasted => ("pasted", None),
        }
    }

    pub(crate) fn from_stored(origin: &str, name: Option<String>) -> Origin {
        match (origin, name) {
            ("example", _) => Origin::Example,
            ("url", Some(url)) => Origin::Url(url),
            ("file", Some(name)) => Origin::File(name),
            _ => Origin::Pasted,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Origin::Example => "the built-in example".to_owned(),
            Origin::Url(url) => url.clone(),
            Origin::File(name) => name.clone(),
            Origin::Pasted => "the pasted text".to_owned(),
        }
    }
}

#[derive(Clone)]
pub struct OpenGuide {
    pub origin: Origin,
    pub guide: Arc<Guide>,
    pub hash: String,
    /// The text, kept so a run can store exactly what it follows.
    pub text: Arc<str>,
}

/// The run being worked on: the core's [`Session`] (the run, its guide
/// and plan), which every change goes through.
pub use preflight_core::run::apply::Session as ActiveRun;

/// The small forms a step can open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    Skip,
    Note,
    /// Checking a wait before it elapsed: why.
    Override(String),
    /// Checking a step that destroys data or affects production: what it
    /// will do, to confirm.
    Confirm(Vec<String>),
    /// Giving the step to someone.
    Assign,
}

/// Key under which the person's name is remembered.
pub(crate) const OPERATOR_KEY: &str = "preflight.operator";

pub use crate::notice::{Notice, NoticeKind};

/// All page state. Cheap to copy: every field is a signal handle.
#[derive(Clone, Copy)]
pub struct AppState {
    pub guide: RwSignal<Option<OpenGuide>>,
    /// The open run of the open guide, if one is open.
    pub run: RwSignal<Option<ActiveRun>>,
    /// The run's log folded into state; recomputed when the run changes.
    pub run_state: Memo<RunState>,
    /// The app's clock, set by the one tick (ms since the epoch).
    pub now: RwSignal<i64>,
    /// The name of the person at this browser.
    pub operator: RwSignal<String>,
    pub runs: RwSignal<RunIndex>,
    pub recent: RwSignal<RecentGuides>,
    /// The step the keyboard acts on.
    pub cursor: RwSignal<Option<String>>,
    /// The step whose skip, note or override form is open.
    pub editing: RwSignal<Option<(String, Edit)>>,
    /// The keyboard shortcuts list is shown.
    pub help: RwSignal<bool>,
    /// The rollback decision tree is open.
    pub deciding: RwSignal<bool>,
    /// The open run has ended.
    pub finished: Memo<bool>,
    /// The step the open run is at (one memo, not one per row).
    pub current: Memo<Option<String>>,
    /// Events of the open run not written to storage yet (ids), retried
    /// each second until they are.
    pub pending: RwSignal<Vec<String>>,
    /// The list of runs changed and is written at the next tick.
    pub(crate) index_dirty: StoredValue<bool>,
    /// The open run's next deadline ([`ActiveRun::poll_timeout`]): `None`
    /// until it is asked again after a change.
    pub(crate) deadline: StoredValue<Option<Option<i64>>>,
    /// This tab's writer id for new events.
    pub(crate) writer: StoredValue<String>,
    /// Webhook settings and outbox.
    pub hooks: crate::webhooks::Hooks,
    /// The open run's live sharing through a relay.
    pub sharing: crate::share::Sharing,
    /// The open run is a shared copy from a link: shown, not changed.
    pub read_only: RwSignal<bool>,
    /// The run view shows only the steps assigned to this person.
    pub only_mine: RwSignal<bool>,
    /// The managers' review is shown instead of the guide.
    pub reviewing: RwSignal<bool>,
    /// The settings page (webhook, storage and import) is shown.
    pub settings: RwSignal<bool>,
    pub notices: RwSignal<Vec<Notice>>,
    /// Messages from start-up (a run that could not be opened by its
    /// address, storage that could not be read) that the guide opened
    /// next keeps, downloads and all, though its opening clears the rest.
    pub(crate) held: StoredValue<Vec<Notice>>,
    /// What is loading, while something is.
    pub loading: RwSignal<Option<String>>,
    /// False when browser storage cannot be used at all.
    pub storage_ok: RwSignal<bool>,
    /// Corrections of the open guide's steps made before a run, kept per
    /// guide and applied to the next run of it.
    pub preview: RwSignal<StepOverrides>,
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

impl AppState {
    pub fn new() -> Self {
        let run: RwSignal<Option<ActiveRun>> = RwSignal::new(None);
        let run_state: Memo<RunState> =
            Memo::new(move |_| run.with(|r| r.as_ref().map(|r| r.run.state()).unwrap_or_default()));
        AppState {
            guide: RwSignal::new(None),
            run,
            run_state,
            finished: Memo::new(move |_| run_state.with(|st| st.outcome.is_some())),
            current: Memo::new(move |_| {
                run.with(|r| {
                    let r = r.as_ref()?;
                    run_state.with(|st| r.run.current_step(&r.plan, st).map(|s| s.id.clone()))
                })
            }),
            now: RwSignal::new(clock::now_ms()),
            operator: RwSignal::new(String::new()),
            runs: RwSignal::new(RunIndex::default()),
            recent: RwSignal::new(RecentGuides::default()),
            cursor: RwSignal::new(None),
            editing: RwSignal::new(None),
            help: RwSignal::new(false),
            deciding: RwSignal::new(false),
            pending: RwSignal::new(Vec::new()),
            index_dirty: StoredValue::new(false),
            deadline: StoredValue::new(None),
            writer: StoredValue::new(String::new()),
            hooks: crate::webhooks::Hooks::load(),
            sharing: crate::share::Sharing::new(),
            read_only: RwSignal::new(false),
            reviewing: RwSignal::new(false),
            settings: RwSignal::new(false),
            only_mine: RwSignal::new(false),
            notices: RwSignal::new(Vec::new()),
            held: StoredValue::new(Vec::new()),
            loading: RwSignal::new(None),
            storage_ok: RwSignal::new(true),
            preview: RwSignal::new(StepOverrides::default()),
        }
    }

    /// Says why an action was not recorded; true when it was.
    pub fn report(&self, result: Result<(), Refusal>) -> bool {
        match result {
            Ok(()) => true,
            Err(why) => {
                self.notify(NoticeKind::Warning, format!("Not recorded: {why}."));
                false
            }
        }
    }

    pub fn notify(&self, kind: NoticeKind, text: String) {
        self.notices.update(|all| {
            if !all.iter().any(|n| n.text == text) {
                all.push(Notice {
                    kind,
                    text,
                    download: None,
                });
            }
        });
    }

    /// The result of a storage write that is not part of a run's log: a
    /// failure is said (once storage works at all; the banner covers the
    /// rest), naming `what` was not kept.
    pub fn keep(&self, what: &str, written: Result<(), persist::StorageError>) {
        if let Err(err) = written {
            if self.storage_ok.get_untracked() {
                self.notify(
                    NoticeKind::Warning,
                    format!("This browser could not keep {what}: {err}."),
                );
            }
        }
    }

    /// A message with a file to download (data that was set aside).
    pub fn notify_download(&self, kind: NoticeKind, text: String, file: (String, String)) {
        self.notices.update(|all| {
            all.push(Notice {
                kind,
                text,
                download: Some(file),
            })
        });
    }

    pub fn dismiss(&self, index: usize) {
        let mut gone = None;
        self.notices.update(|all| {
            if index < all.len() {
                gone = Some(all.remove(index));
            }
        });
        // Dismissed while the start page's guide loads: not shown again.
        if let Some(gone) = gone {
            self.held.update_value(|held| held.retain(|n| *n != gone));
        }
    }

    /// Clears the messages, but for those held from start-up (once).
    pub(crate) fn clear_notices(&self) {
        let held = self.release_held();
        self.notices.set(held);
    }

    /// Start-up is over: its messages are no longer kept through the
    /// opening of a guide. Returns them.
    pub(crate) fn release_held(&self) -> Vec<Notice> {
        self.held
            .try_update_value(std::mem::take)
            .unwrap_or_default()
    }

    /// This tab's writer id (also its device id in a shared run).
    pub fn writer_id(&self) -> String {
        self.writer.get_value()
    }

    pub(crate) fn mark_index(&self) {
        self.index_dirty.set_value(true);
    }

    /// The list of runs changed (a shared run's event arrived).
    pub fn mark_index_dirty(&self) {
        self.mark_index();
    }

    /// Sets and remembers the name of the person at this browser.
    pub fn set_operator(&self, name: &str) {
        self.keep("your name", storage::set(OPERATOR_KEY, name));
        self.operator.set(name.to_owned());
    }
}

impl crate::share::Host for AppState {
    fn sharing(self) -> crate::share::Sharing {
        self.sharing
    }

    fn run(self) -> RwSignal<Option<ActiveRun>> {
        self.run
    }

    fn guide_source(self) -> Option<(&'static str, Option<String>, Arc<str>)> {
        self.guide.with_untracked(|g| {
            g.as_ref().map(|g| {
                let (origin, name) = g.origin.stored();
                (origin, name, g.text.clone())
            })
        })
    }

    fn current_step(self) -> Option<String> {
        self.current.get_untracked()
    }

    fn operator(self) -> String {
        self.operator.get_untracked()
    }

    fn device(self) -> String {
        self.writer_id()
    }

    fn runs(self) -> RwSignal<RunIndex> {
        self.runs
    }

    fn notify(self, kind: NoticeKind, text: String) {
        AppState::notify(&self, kind, text);
    }

    fn keep(self, what: &str, written: Result<(), persist::StorageError>) {
        AppState::keep(&self, what, written);
    }

    fn apply(self, input: Input) -> Result<Applied, Refusal> {
        AppState::apply(&self, input)
    }

    fn open_run(self, id: &str) -> bool {
        AppState::open_run(&self, id)
    }
}
