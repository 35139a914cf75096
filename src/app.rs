//! Page state and the actions that change it.
//!
//! [`AppState`] is a handful of signals provided as context. Actions (open a
//! guide, toggle a task) call the core for every decision and the effects
//! for every browser call; views only read the signals.

use crate::effects::{clock, download, files, http, location, marks, random, storage};
use crate::persist::{self, Opened};
use crate::ui;
use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::guide::StepOverrides;
use preflight_core::run::apply::{Applied, Input, Source};
use preflight_core::run::{Refusal, RunState};
use preflight_core::{
    Action, Guide, LastGuide, Plan, RecentGuide, RecentGuides, Run, RunIndex, Window,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasm_bindgen::JsCast;

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

    fn from_stored(origin: &str, name: Option<String>) -> Origin {
        match (origin, name) {
            ("example", _) => Origin::Example,
            ("url", Some(url)) => Origin::Url(url),
            ("file", Some(name)) => Origin::File(name),
            _ => Origin::Pasted,
        }
    }

    fn describe(&self) -> String {
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
const OPERATOR_KEY: &str = "preflight.operator";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
    /// A file the person can download from the message: (name, content).
    pub download: Option<(String, String)>,
}

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
    index_dirty: StoredValue<bool>,
    /// The open run's next deadline ([`ActiveRun::poll_timeout`]): `None`
    /// until it is asked again after a change.
    deadline: StoredValue<Option<Option<i64>>>,
    /// This tab's writer id for new events.
    writer: StoredValue<String>,
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
    pub notices: RwSignal<Vec<Notice>>,
    /// Messages from start-up (a run that could not be opened by its
    /// address, storage that could not be read) that the guide opened
    /// next keeps, downloads and all, though its opening clears the rest.
    held: StoredValue<Vec<Notice>>,
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
            only_mine: RwSignal::new(false),
            notices: RwSignal::new(Vec::new()),
            held: StoredValue::new(Vec::new()),
            loading: RwSignal::new(None),
            storage_ok: RwSignal::new(true),
            preview: RwSignal::new(StepOverrides::default()),
        }
    }

    /// Decides what to show on a fresh page load: `?guide=`, else the guide
    /// opened last from a file or paste, else the built-in example.
    pub fn boot(&self) {
        if storage::probe().is_err() {
            self.storage_ok.set(false);
        }
        clock::start_ticking(self.now);
        let tab: String = random::bytes16()[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.writer.set_value(tab);
        self.operator.set(
            storage::get(OPERATOR_KEY)
                .ok()
                .flatten()
                .unwrap_or_default(),
        );
        self.load_indexes();
        if crate::share::boot(*self) {
            return;
        }
        if let Some(shared) = location::fragment_value("view") {
            if self.open_shared(&shared) {
                return;
            }
        }
        if location::fragment_is("review") {
            self.reviewing.set(true);
        }
        if let Some(id) = location::run_in_hash() {
            if self.open_run(&id) {
                return;
            }
        }
        // What went wrong so far must outlive the opening of the guide
        // shown instead, which clears the messages about the previous one
        // (and may finish later, when it comes from `?guide=`).
        self.held.set_value(self.notices.get_untracked());
        self.open_default();
    }

    /// `?guide=`, else the guide opened last from a file or paste, else
    /// the built-in example.
    fn open_default(&self) {
        if let Some(url) = location::guide_param() {
            self.open_url(&url);
            return;
        }
        let remembered = storage::get(LastGuide::STORAGE_KEY)
            .ok()
            .flatten()
            .and_then(|raw| LastGuide::decode(&raw));
        match remembered {
            Some(last) => {
                let origin = match (last.origin.as_str(), last.name) {
                    ("file", Some(name)) => Origin::File(name),
                    _ => Origin::Pasted,
                };
                self.open_bytes(origin, last.text.as_bytes());
            }
            None => self.open_example(),
        }
    }

    pub fn open_example(&self) {
        self.open_bytes(Origin::Example, EXAMPLE_GUIDE.as_bytes());
    }

    pub fn open_url(&self, url: &str) {
        let resolved = match location::resolve(url) {
            Ok(resolved) => resolved,
            Err(message) => {
                self.release_held();
                self.notify(
                    NoticeKind::Error,
                    format!("Could not open the guide: {message}."),
                );
                return;
            }
        };
        self.loading.set(Some(format!("Loading {resolved}…")));
        let state = *self;
        spawn_local(async move {
            match http::fetch_bytes(&resolved).await {
                Ok(bytes) => {
                    state.open_bytes(Origin::Url(resolved), &bytes);
                }
                Err(message) => {
                    state.release_held();
                    state.notify(
                        NoticeKind::Error,
                        format!("Could not open the guide: {message}."),
                    );
                }
            }
            state.loading.set(None);
        });
    }

    pub fn open_file(&self, file: web_sys::File) {
        let state = *self;
        let name = file.name();
        self.loading.set(Some(format!("Reading {name}…")));
        spawn_local(async move {
            match files::read(&file).await {
                Ok(bytes) => {
                    state.open_bytes(Origin::File(name), &bytes);
                }
                Err(message) => state.notify(
                    NoticeKind::Error,
                    format!("Could not open the guide: {message}."),
                ),
            }
            state.loading.set(None);
        });
    }

    /// Opens guide bytes. On failure the current guide stays open and a
    /// message says why; returns whether the guide was opened.
    pub fn open_bytes(&self, origin: Origin, bytes: &[u8]) -> bool {
        if self.unsaved_block() {
            return false;
        }
        let text = match preflight_core::decode(bytes) {
            Ok(text) => text,
            Err(err) => {
                self.release_held();
                self.notify(
                    NoticeKind::Error,
                    format!("Could not open {}: {err}.", origin.describe()),
                );
                return false;
            }
        };
        marks::mark("preflight:parse-start");
        let guide = Guide::parse(&text);
        marks::mark("preflight:parse-end");
        let hash = preflight_core::guide_hash(&text);
        // Messages about the previous guide go; messages about this one
        // (remembering it, reading its progress) come after.
        self.clear_notices();
        self.close_run();
        let text: Arc<str> = Arc::from(text);
        self.remember(&origin, &text);
        if !matches!(origin, Origin::Url(_)) {
            location::clear_guide_param();
        }
        self.touch_recent(&origin, &guide, &hash);
        let preview = self.load_preview(&hash);
        if self.preview.with_untracked(|p| *p != preview) {
            self.preview.set(preview);
        }
        self.guide.set(Some(OpenGuide {
            origin,
            guide: Arc::new(guide),
            hash,
            text,
        }));
        true
    }

    fn load_indexes(&self) {
        if let Ok(Some(raw)) = storage::get(RunIndex::STORAGE_KEY) {
            match RunIndex::decode(&raw) {
                Ok(index) => self.runs.set(index),
                Err(err) => self.notify(
                    NoticeKind::Warning,
                    format!("The list of recent runs could not be read ({err}); the runs themselves are untouched."),
                ),
            }
        }
        if let Some(recent) = storage::get(RecentGuides::STORAGE_KEY)
            .ok()
            .flatten()
            .and_then(|raw| RecentGuides::decode(&raw))
        {
            self.recent.set(recent);
        }
    }

    fn touch_recent(&self, origin: &Origin, guide: &Guide, hash: &str) {
        self.recent.update(|r| {
            r.touch(RecentGuide {
                hash: hash.to_owned(),
                title: guide.title.clone(),
                origin: origin.label(),
                opened_ms: clock::now_ms(),
            })
        });
        self.keep(
            "the list of recent guides",
            storage::set(
                RecentGuides::STORAGE_KEY,
                &self.recent.get_untracked().encode(),
            ),
        );
    }

    /// Starts a run of the open guide and opens it.
    pub fn start_run(
        &self,
        operator: &str,
        choices: BTreeMap<String, String>,
        window: Window,
        four_eyes: bool,
    ) {
        let Some(open) = self.guide.get_untracked() else {
            return;
        };
        let operator = operator.trim();
        if operator.is_empty() {
            self.notify(NoticeKind::Error, "Enter your name to start a run.".into());
            return;
        }
        self.operator.set(operator.to_owned());
        self.keep("your name", storage::set(OPERATOR_KEY, operator));
        // The run keeps the exact text it follows, whatever happens to
        // the file or URL it came from.
        let (kind, name) = open.origin.stored();
        let kept = LastGuide::new(kind, name, open.text.to_string());
        if let Err(err) = storage::set(&LastGuide::storage_key_for(&open.hash), &kept.encode()) {
            self.notify(
                NoticeKind::Warning,
                format!("The guide's text could not be kept with the run ({err}); the run is saved, but reopening it later needs the same guide."),
            );
        }
        let now = clock::now_ms();
        let mut run = Run::new(
            random::bytes16(),
            &open.guide,
            &open.hash,
            operator,
            choices,
            now,
            window,
        );
        // The run starts where an earlier check-off left the guide.
        let plan = Arc::new(run.plan(&open.guide));
        self.import_progress(&mut run, &plan, &open.hash, now);
        run.writer = self.writer.get_value();
        run.four_eyes = four_eyes;
        // Corrections made in the preview are the run's first events.
        let preview = self.preview.get_untracked();
        let refused = apply_preview(&mut run, &open.guide, &preview, operator, now);
        if refused > 0 {
            self.notify(
                NoticeKind::Warning,
                format!("{refused} correction(s) from the preview no longer fit this guide and were not applied."),
            );
        }
        location::set_run_hash(Some(&run.id));
        self.cursor.set(None);
        self.pending.set(Vec::new());
        if let Err(err) = persist::save_snapshot(&run) {
            if self.storage_ok.get_untracked() {
                self.notify(
                    NoticeKind::Error,
                    format!("The run could not be saved: {err}."),
                );
            }
        }
        self.activate(run, &open, true);
        self.mark_index();
        self.flush_index();
        if let Some(status) =
            crate::webhooks::status(*self, crate::webhooks::Kind::RunStarted, None, None)
        {
            self.hooks.queue(&status);
        }
    }

    /// Checks carried over from progress saved before runs existed.
    fn import_progress(&self, run: &mut Run, plan: &Plan, hash: &str, now: i64) {
        let Ok(Some(raw)) = storage::get(&preflight_core::Progress::storage_key(hash)) else {
            return;
        };
        let Ok(progress) = preflight_core::Progress::decode(&raw, hash) else {
            return;
        };
        for (id, checked) in progress.tasks {
            let action = if checked {
                Action::Check {
                    step: id,
                    overridden: None,
                }
            } else {
                Action::Uncheck { step: id }
            };
            let _ = run.record(plan, now, &run.operator.clone(), action);
            // Saved with the run's first snapshot, right after.
        }
    }

    /// Opens a stored run and the guide text it follows; false when it
    /// cannot be (a message says why).
    pub fn open_run(&self, id: &str) -> bool {
        if self.unsaved_block() {
            return false;
        }
        let (opened, set_aside) = match persist::open(id) {
            Ok(found) => found,
            Err(err) => {
                self.notify(
                    NoticeKind::Error,
                    format!("Run {id} could not be read: {err}."),
                );
                return false;
            }
        };
        let mut run = match opened {
            Opened::Run(loaded) => loaded.run,
            Opened::Missing => {
                self.notify(
                    NoticeKind::Warning,
                    format!("No run {id} is saved in this browser."),
                );
                location::set_run_hash(None);
                return false;
            }
            Opened::Newer(err) => {
                self.notify(NoticeKind::Warning, format!("Run {id}: the {err}."));
                return false;
            }
            Opened::Corrupt {
                key,
                aside,
                raw,
                why,
            } => {
                let text = match &aside {
                    Some(aside) => format!("Run {id} could not be read ({why}). It was kept under “{aside}”; download it below."),
                    None => format!("Run {id} could not be read ({why}); it is left untouched under “{key}”."),
                };
                self.notify_download(NoticeKind::Error, text, (format!("{key}.json"), raw));
                return false;
            }
        };
        run.writer = self.writer.get_value();
        let stored = storage::get(&LastGuide::storage_key_for(run.current_guide_hash()))
            .ok()
            .flatten()
            .and_then(|raw| LastGuide::decode(&raw));
        let Some(stored) = stored else {
            self.notify(
                NoticeKind::Error,
                format!("The guide of run {id} (“{}”) is no longer saved in this browser; open the same guide to see it.", run.guide_title),
            );
            return false;
        };
        let origin = Origin::from_stored(&stored.origin, stored.name.clone());
        if !self.open_bytes(origin, stored.text.as_bytes()) {
            return false;
        }
        let Some(open) = self.guide.get_untracked() else {
            return false;
        };
        // Said after the guide opened, which clears older messages.
        for (aside, raw, why) in set_aside {
            self.notify_download(
                NoticeKind::Warning,
                format!("A change saved for run {id} could not be read ({why}); it was set aside under “{aside}” and the run opened without it."),
                (format!("{aside}.json"), raw),
            );
        }
        location::set_run_hash(Some(&run.id));
        self.reviewing.set(false);
        self.cursor.set(None);
        self.pending.set(Vec::new());
        persist::compact_soon(&run.id);
        self.check_guide_changed(&open.origin, run.current_guide_hash());
        let id = run.id.clone();
        self.activate(run, &open, true);
        crate::share::resume(*self, &id);
        true
    }

    /// A run follows the text it started with; if its guide's URL now
    /// serves other text, say so.
    fn check_guide_changed(&self, origin: &Origin, hash: &str) {
        let Origin::Url(url) = origin.clone() else {
            return;
        };
        let (state, hash) = (*self, hash.to_owned());
        spawn_local(async move {
            let Ok(bytes) = http::fetch_bytes(&url).await else {
                return;
            };
            let Ok(text) = preflight_core::decode(&bytes) else {
                return;
            };
            if preflight_core::guide_hash(&text) != hash {
                state.notify(
                    NoticeKind::Info,
                    format!("The guide at {url} has changed since this run started. The run follows the text it started with; open the URL again to start a run of the new text."),
                );
            }
        });
    }

    /// Events another tab wrote to the open run, and its webhook changes.
    pub fn on_storage_change(&self, key: &str, value: Option<String>) {
        self.hooks.on_storage_change(key, value.as_deref());
        if key == RunIndex::STORAGE_KEY {
            if let Some(index) = value.and_then(|v| RunIndex::decode(&v).ok()) {
                self.runs.set(index);
            }
            return;
        }
        let Some(open_id) = self
            .run
            .with_untracked(|r| r.as_ref().map(|r| r.run.id.clone()))
        else {
            return;
        };
        if preflight_core::run::store::run_of_key(key) != Some(open_id.as_str()) {
            return;
        }
        let Some(value) = value else {
            return;
        };
        let events = if key == Run::storage_key(&open_id) {
            // Another tab compacted: its snapshot holds every event it saw.
            Run::decode(&value).map(|r| r.events).unwrap_or_default()
        } else {
            serde_json::from_str::<preflight_core::run::Event>(&value)
                .map(|e| vec![e])
                .unwrap_or_default()
        };
        if events.is_empty() {
            return;
        }
        // Decided by the same rules as changes made here (an error only
        // says no run is open, and then there is nothing to change).
        let _ = self.apply(Input::Events {
            from: Source::Tab,
            events,
        });
    }

    /// Downloads one file of the open run's audit pack: the guide's
    /// Markdown with the run written in (`html` false), or one
    /// self-contained HTML page.
    pub fn audit_pack(&self, html: bool) {
        let (Some(active), Some(open)) = (self.run.get_untracked(), self.guide.get_untracked())
        else {
            return;
        };
        let tz = crate::ui::signoff::tz_offset_min();
        let base = file_base(&active.run);
        let (name, content, mime) = if html {
            let page = preflight_core::run::audit::html(&active.run, &active.plan, tz);
            (format!("{base}.audit.html"), page, "text/html")
        } else {
            let md =
                preflight_core::run::audit::markdown(&active.run, &active.plan, &open.text, tz);
            (format!("{base}.audit.md"), md, "text/markdown")
        };
        if let Err(why) = download::text(&name, &content, mime) {
            self.notify(
                NoticeKind::Error,
                format!("Could not save the audit pack: {why}."),
            );
        }
    }

    /// The run this guide changed since, if any: the most recent run of a
    /// guide with the same title and other text (in-progress runs first),
    /// with that text's plan and the open guide's plan for that run.
    pub fn changed_since(&self) -> Option<(Run, String, Plan, Plan)> {
        let open = self.guide.get_untracked()?;
        // The latest run of this guide; nothing when it follows this text.
        let entry = self.runs.with_untracked(|index| {
            index
                .sorted()
                .into_iter()
                .find(|e| e.guide_title == open.guide.title)
                .filter(|e| e.guide_hash != open.hash)
                .map(|e| e.id.clone())
        })?;
        let Ok((Opened::Run(loaded), _)) = persist::open(&entry) else {
            return None;
        };
        let run = loaded.run;
        let old_text = storage::get(&LastGuide::storage_key_for(run.current_guide_hash()))
            .ok()
            .flatten()
            .and_then(|raw| LastGuide::decode(&raw))?
            .text;
        let old = run.plan(&Guide::parse(&old_text));
        let new = run.plan(&open.guide);
        Some((run, old_text, old, new))
    }

    /// The run `id` follows the open guide's text from now on: unchanged
    /// steps keep their state, changed ones are open again, and the log
    /// records what was removed.
    pub fn adopt_guide(&self, id: &str) {
        let Some(open) = self.guide.get_untracked() else {
            return;
        };
        let Some((mut run, _, old, new)) = self.changed_since().filter(|c| c.0.id == id) else {
            return;
        };
        let d = preflight_core::run::diff::diff(&old, &new);
        let (kind, name) = open.origin.stored();
        let kept = LastGuide::new(kind, name, open.text.to_string());
        if let Err(err) = storage::set(&LastGuide::storage_key_for(&open.hash), &kept.encode()) {
            self.notify(NoticeKind::Error, format!("Not adopted: {err}."));
            return;
        }
        run.writer = self.writer.get_value();
        let action = Action::AdoptGuide {
            from_hash: run.current_guide_hash().to_owned(),
            to_hash: open.hash.clone(),
            removed: d.removed.iter().map(|s| s.text.clone()).collect(),
            changed: d.changed.iter().map(|c| c.0.text.clone()).collect(),
        };
        let now = clock::now_ms();
        let by = self.operator.get_untracked();
        let event = match run.record(&new, now, &by, action) {
            Ok(event) => event,
            Err(why) => {
                self.notify(NoticeKind::Error, format!("Not adopted: {why}."));
                return;
            }
        };
        if let Err(err) = persist::save_event(&run, &event) {
            self.notify(NoticeKind::Error, format!("Not adopted: {err}."));
            return;
        }
        // A shared run sends the new text to the other devices first.
        let key = preflight_core::share::Shared::storage_key(id);
        if let Some(mut shared) = storage::get(&key)
            .ok()
            .flatten()
            .and_then(|raw| preflight_core::share::Shared::decode(&raw))
        {
            shared.meta_sent = false;
            self.keep(
                "the new version for the other devices",
                storage::set(&key, &shared.encode()),
            );
        }
        if self.open_run(id) {
            self.mark_index();
            self.notify(
                NoticeKind::Info,
                format!(
                    "The run now follows this version: {} changed step(s) reopened, {} added, {} removed.",
                    d.changed.len(),
                    d.added.len(),
                    d.removed.len()
                ),
            );
        }
    }

    /// The corrections kept for the guide `hash` before a run; none when
    /// there are none or they cannot be read (then it says so).
    fn load_preview(&self, hash: &str) -> StepOverrides {
        match persist::load_overrides(hash) {
            Ok(o) => o,
            Err(why) => {
                self.notify(NoticeKind::Warning, why);
                StepOverrides::default()
            }
        }
    }

    /// "Make this a step" (`Ok(line)`) or "Not a step" (`Err(step id)`)
    /// before a run: kept for this guide and applied to its next run.
    pub fn correct_preview(&self, what: Result<usize, String>) {
        let Some(open) = self.guide.get_untracked() else {
            return;
        };
        let mut o = self.preview.get_untracked();
        let changed = match &what {
            Ok(line) => o.make_step(&open.guide, *line, "").is_some(),
            Err(id) => o.not_a_step(&open.guide, id),
        };
        if !changed {
            self.notify(
                NoticeKind::Error,
                "That block can no longer be changed; reopen the guide.".into(),
            );
            return;
        }
        if let Err(err) = persist::save_overrides(&open.hash, &o) {
            self.notify(
                NoticeKind::Error,
                format!("The correction is shown but could not be kept for the next run: {err}."),
            );
        }
        self.preview.set(o);
    }

    /// Forgets the corrections made in the preview of the open guide.
    pub fn clear_preview(&self) {
        let Some(hash) = self
            .guide
            .with_untracked(|g| g.as_ref().map(|g| g.hash.clone()))
        else {
            return;
        };
        if let Err(err) = persist::save_overrides(&hash, &StepOverrides::default()) {
            self.notify(
                NoticeKind::Error,
                format!("The corrections could not be removed from this browser: {err}."),
            );
        }
        self.preview.set(StepOverrides::default());
    }

    /// "Make this a step" or "Not a step": in a run, an event of its log;
    /// before one, a correction kept for the guide.
    pub fn correct(&self, what: Result<usize, String>) {
        if self.run.with_untracked(Option::is_none) {
            self.correct_preview(what);
            return;
        }
        let action = match what {
            Ok(line) => Action::MakeStep {
                line,
                text: String::new(),
            },
            Err(step) => Action::NotAStep { step },
        };
        let result = self.record(action);
        self.report(result);
    }

    /// Exports the open run and its guide as a file.
    pub fn export_run(&self) {
        let (Some(active), Some(open)) = (self.run.get_untracked(), self.guide.get_untracked())
        else {
            return;
        };
        let (origin, name) = open.origin.stored();
        let file = preflight_core::run::store::export(&active.run, origin, name, &open.text);
        let name = format!("{}.json", file_base(&active.run));
        if let Err(why) = download::text(&name, &file, "application/json") {
            self.notify(
                NoticeKind::Error,
                format!("Could not export the run: {why}."),
            );
        }
    }

    /// Imports an exported run: stores it with its guide, then opens it.
    pub fn import_run(&self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let export = match preflight_core::run::store::import(&text) {
            Ok(export) => export,
            Err(why) => {
                self.notify(
                    NoticeKind::Error,
                    format!("Not imported: {why}. Nothing was changed."),
                );
                return;
            }
        };
        // The run kept here keeps its header (operator, window, four-eyes);
        // the file's events join its log only if every one keeps the rules.
        let existing = match persist::open(&export.run.id) {
            Ok((Opened::Run(loaded), _)) => Some(loaded.run),
            _ => None,
        };
        let model = Arc::new(Guide::parse(&export.guide.text));
        let hash = preflight_core::guide_hash(&export.guide.text);
        let choices = export.run.choices.clone();
        let run = match ActiveRun::import(existing, export.run, model.clone(), &hash) {
            Ok(session) => session.run,
            Err(refused) => {
                let plan = Plan::new(&model, &choices);
                self.notify(
                    NoticeKind::Error,
                    format!(
                        "Not imported: {} Nothing was changed.",
                        refused.message(&plan)
                    ),
                );
                return;
            }
        };
        let guide = LastGuide::new(
            &export.guide.origin,
            export.guide.name.clone(),
            export.guide.text.clone(),
        );
        let saved = storage::set(&LastGuide::storage_key_for(&hash), &guide.encode())
            .and_then(|()| persist::save_snapshot(&run));
        if let Err(err) = saved {
            self.notify(
                NoticeKind::Error,
                format!("Not imported: {err}. Nothing was changed."),
            );
            return;
        }
        self.runs.update(|index| index.upsert(&run, &model));
        self.mark_index();
        self.flush_index();
        let id = run.id.clone();
        if self.open_run(&id) {
            self.notify(
                NoticeKind::Info,
                format!("Imported the run of “{}”.", run.guide_title),
            );
        }
    }

    /// A link that opens the open run read-only, or `None` (with a message)
    /// when it is too large for a link.
    pub fn share_link(&self) -> Option<String> {
        let (active, open) = (self.run.get_untracked()?, self.guide.get_untracked()?);
        let (origin, name) = open.origin.stored();
        let file = preflight_core::run::store::export(&active.run, origin, name, &open.text);
        match preflight_core::run::store::share_encode(&file) {
            Some(fragment) => Some(location::link_with_fragment(&format!("view={fragment}"))),
            None => {
                self.notify(
                    NoticeKind::Info,
                    "This run is too large for a link; use Export run and share the file.".into(),
                );
                None
            }
        }
    }

    /// Opens a run from a share link, read-only and in memory only.
    fn open_shared(&self, fragment: &str) -> bool {
        let export = match preflight_core::run::store::share_decode(fragment) {
            Ok(export) => export,
            Err(why) => {
                self.notify(
                    NoticeKind::Error,
                    format!("The shared run could not be opened: {why}."),
                );
                return false;
            }
        };
        if !self.open_bytes(Origin::Pasted, export.guide.text.as_bytes()) {
            return false;
        }
        let Some(open) = self.guide.get_untracked() else {
            return false;
        };
        self.read_only.set(true);
        self.activate(export.run, &open, false);
        true
    }

    /// Keeps a shared run in this browser, where it can then be worked on.
    pub fn save_shared(&self) {
        let (Some(active), Some(open)) = (self.run.get_untracked(), self.guide.get_untracked())
        else {
            return;
        };
        let (origin, name) = open.origin.stored();
        let file = preflight_core::run::store::export(&active.run, origin, name, &open.text);
        self.read_only.set(false);
        location::set_fragment(None);
        self.import_run(file.as_bytes());
    }

    /// Deletes a stored run (from the storage panel).
    pub fn delete_run(&self, id: &str) {
        match persist::delete(id) {
            Ok(()) => {
                self.runs.update(|index| index.runs.retain(|e| e.id != id));
                self.mark_index();
                self.flush_index();
            }
            Err(err) => self.notify(
                NoticeKind::Error,
                format!("Could not delete the run: {err}."),
            ),
        }
    }

    /// True (with a message) while changes of the open run wait to be
    /// saved: leaving the run now would lose them.
    pub fn unsaved_block(&self) -> bool {
        let n = self.pending.with_untracked(Vec::len);
        if n > 0 {
            self.notify(
                NoticeKind::Error,
                format!("{n} change(s) of this run are not saved yet; free some storage (or export the run) before leaving it."),
            );
        }
        n > 0
    }

    /// Back to the guide's start page; the run stays saved.
    pub fn close_run(&self) {
        if self.unsaved_block() {
            return;
        }
        if self.read_only.get_untracked() {
            self.read_only.set(false);
            location::set_fragment(None);
        }
        if self.run.get_untracked().is_some() {
            crate::share::disconnect(*self);
            self.sharing.settings.set(None);
            self.sharing.status.set(None);
            self.run.set(None);
            self.editing.set(None);
            location::set_run_hash(None);
        }
    }

    /// Records an action in the open run by the person at this browser,
    /// then saves the run.
    pub fn record(&self, action: Action) -> Result<(), Refusal> {
        self.record_as(&self.operator.get_untracked(), action)
    }

    /// Records an action by `by` (a second person signing on this screen).
    pub fn record_as(&self, by: &str, action: Action) -> Result<(), Refusal> {
        if self.read_only.get_untracked() {
            self.notify(
                NoticeKind::Info,
                "This is a shared copy, read-only. Save it to this browser to work on it.".into(),
            );
            return Err(Refusal::Finished);
        }
        self.now.set(clock::now_ms());
        self.apply(Input::Local {
            by: by.to_owned(),
            action,
        })
        .map(drop)
    }

    /// Applies a change to the open run ([`ActiveRun::apply`], where every
    /// rule is checked) and carries out what it calls for. Views wake only
    /// when the log changed.
    pub fn apply(&self, input: Input) -> Result<Applied, Refusal> {
        let now = clock::now_ms();
        let statuses = self.hooks.config.with_untracked(Option::is_some);
        let result = self
            .run
            .try_update_untracked(|r| {
                r.as_mut().map(|active| {
                    active.statuses = statuses;
                    active.apply(now, input)
                })
            })
            .flatten()
            .unwrap_or(Err(Refusal::Finished));
        let applied = result?;
        if !applied.accepted.is_empty() || !applied.effects.is_empty() {
            self.deadline.set_value(None);
            self.run.notify();
            crate::driver::carry_out(*self, &applied);
        }
        Ok(applied)
    }

    /// Makes `run` of the open guide `open` the active run. Its log is
    /// decided again by the rules; what breaks one is set aside and said,
    /// and, when the run is `stored` here, the stored log is written
    /// without it.
    fn activate(&self, run: Run, open: &OpenGuide, stored: bool) {
        let (session, refused) = ActiveRun::open(run, open.guide.clone(), &open.hash);
        let kept = (stored && !refused.is_empty()).then(|| session.run.clone());
        self.deadline.set_value(None);
        self.run.set(Some(session));
        if refused.is_empty() {
            return;
        }
        crate::driver::set_aside(*self, &refused, stored);
        if let Some(run) = kept {
            if let Err(err) = persist::save_snapshot(&run) {
                self.notify(
                    NoticeKind::Error,
                    format!("The run without the changes set aside could not be saved: {err}; they will be set aside again next time it opens."),
                );
            }
        }
    }

    /// Writes the events not saved yet, oldest first; stops at the first
    /// failure, which stays pending and is retried at the next tick.
    pub fn flush_pending(&self) {
        if !self.storage_ok.get_untracked() || self.pending.with_untracked(Vec::is_empty) {
            return;
        }
        let Some(active) = self.run.get_untracked() else {
            return;
        };
        let pending = self.pending.get_untracked();
        let mut saved = 0;
        let mut failure = None;
        for id in &pending {
            match persist::save_event(&active.run, id) {
                Ok(()) => saved += 1,
                Err(err) => {
                    failure = Some(err);
                    break;
                }
            }
        }
        if saved > 0 {
            self.pending.update(|p| {
                p.drain(..saved.min(p.len()));
            });
        }
        match failure {
            Some(err) => {
                let (used, _) = persist::usage();
                let n = self.pending.with_untracked(Vec::len);
                self.notify(
                    NoticeKind::Error,
                    format!("{n} change(s) shown but not saved yet: {err} (Preflight uses {} here). Export and delete old runs under Storage to free space; saving is retried every second.", persist::format_bytes(used)),
                );
            }
            None if saved > 0 => {
                // Saved at last: messages about unsaved changes are stale.
                self.notices
                    .update(|all| all.retain(|n| !n.text.contains("not saved yet")));
                persist::compact_soon(&active.run.id);
            }
            None => {}
        }
    }

    fn mark_index(&self) {
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

    /// This tab's writer id (also its device id in a shared run).
    pub fn writer_id(&self) -> String {
        self.writer.get_value()
    }

    /// Writes the list of runs if it changed: each tick, and when the page
    /// is hidden or closed.
    pub fn flush_index(&self) {
        if !self.index_dirty.get_value() || !self.storage_ok.get_untracked() {
            return;
        }
        self.run.with_untracked(|active| {
            if let Some(active) = active {
                self.runs
                    .update(|index| index.upsert_planned(&active.run, &active.plan));
            }
        });
        if storage::set(RunIndex::STORAGE_KEY, &self.runs.get_untracked().encode()).is_ok() {
            self.index_dirty.set_value(false);
        }
    }

    /// At each tick: when the open run's next deadline has come
    /// ([`ActiveRun::poll_timeout`]), what fell due is carried out (a wait
    /// that ended is said once, in the page and on the desktop).
    pub fn on_tick(&self) {
        let now = self.now.get();
        let due = self
            .deadline
            .get_value()
            .is_none_or(|next| next.is_some_and(|at| now >= at));
        if !due || self.run.with_untracked(Option::is_none) {
            return;
        }
        let state = self.run_state.get_untracked();
        let effects = self
            .run
            .try_update_untracked(|r| {
                r.as_mut().map(|active| {
                    let effects = active.handle_timeout(&state, now);
                    self.deadline
                        .set_value(Some(active.poll_timeout(&state, now)));
                    effects
                })
            })
            .flatten()
            .unwrap_or_default();
        if !effects.is_empty() {
            crate::driver::carry_out(
                *self,
                &Applied {
                    accepted: Vec::new(),
                    effects,
                },
            );
        }
    }

    /// Keeps a file or pasted guide for the next page load.
    fn remember(&self, origin: &Origin, text: &str) {
        let last = match origin {
            Origin::File(name) => LastGuide::new("file", Some(name.clone()), text.to_owned()),
            Origin::Pasted => LastGuide::new("pasted", None, text.to_owned()),
            Origin::Example | Origin::Url(_) => {
                self.keep(
                    "that the last guide is not to be reopened",
                    storage::remove(LastGuide::STORAGE_KEY),
                );
                return;
            }
        };
        if let Err(err) = storage::set(LastGuide::STORAGE_KEY, &last.encode()) {
            if self.storage_ok.get_untracked() {
                self.notify(
                    NoticeKind::Warning,
                    format!("This guide will not reopen by itself after a reload ({err}); progress on it is still saved."),
                );
            }
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
    fn clear_notices(&self) {
        let held = self.release_held();
        self.notices.set(held);
    }

    /// Start-up is over: its messages are no longer kept through the
    /// opening of a guide. Returns them.
    fn release_held(&self) -> Vec<Notice> {
        self.held
            .try_update_value(std::mem::take)
            .unwrap_or_default()
    }
}

/// Mounts the app into `#app`, replacing its loading text.
/// `preflight-run-<title>-<start>`, for files saved from a run.
/// Records the preview's corrections as the first events of a new run
/// (drops first, then made steps, each against the plan as it is then).
/// Returns how many no longer fit the guide.
fn apply_preview(run: &mut Run, base: &Guide, o: &StepOverrides, by: &str, now: i64) -> usize {
    let mut refused = 0;
    let actions = o
        .drop
        .iter()
        .map(|id| Action::NotAStep { step: id.clone() })
        .chain(o.make.iter().map(|&line| Action::MakeStep {
            line,
            text: String::new(),
        }));
    for action in actions {
        let plan = run.plan(base);
        if run.record(&plan, now, by, action).is_err() {
            refused += 1;
        }
    }
    refused
}

fn file_base(run: &Run) -> String {
    let date = clock::local_datetime(run.started_ms).replace([' ', ':'], "-");
    let title: String = run
        .guide_title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("preflight-run-{}-{date}", title.trim_matches('-'))
}

pub fn mount() {
    let target = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    marks::mark("preflight:mount-start");
    match target {
        Some(target) => {
            target.set_text_content(None);
            leptos::mount::mount_to(target, App).forget();
        }
        None => leptos::mount::mount_to_body(App),
    }
    marks::mark("preflight:mount-end");
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    state.boot();
    Effect::new(move |_| state.on_tick());
    // Each tick retries unsaved changes and writes the list of runs.
    Effect::new(move |_| {
        state.now.track();
        state.flush_pending();
        state.flush_index();
        state.hooks.pump(state, &state.writer.get_value());
        crate::share::pump(state);
    });
    let online_listener = window_event_listener(leptos::ev::online, move |_| {
        state.hooks.wake();
        state.hooks.pump(state, &state.writer.get_value());
        crate::share::on_online(state);
    });
    let offline_listener = window_event_listener(leptos::ev::offline, move |_| {
        crate::share::on_offline(state);
    });
    std::mem::forget((online_listener, offline_listener));
    let storage_listener = window_event_listener(leptos::ev::storage, move |ev| {
        if let Some(key) = ev.key() {
            state.on_storage_change(&key, ev.new_value());
        }
    });
    let hide_listener = window_event_listener(leptos::ev::pagehide, move |_| {
        state.flush_pending();
        state.flush_index();
        crate::share::on_offline(state);
    });
    // Back from the browser's page cache: connect the shared run again.
    let show_listener = window_event_listener(leptos::ev::pageshow, move |ev| {
        if ev.persisted() {
            crate::share::on_online(state);
        }
    });
    std::mem::forget(show_listener);
    let visibility_listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
        state.flush_pending();
        state.flush_index();
    });
    // Listeners for the page's lifetime.
    std::mem::forget((storage_listener, hide_listener, visibility_listener));
    ui::keys::install(state);
    // The run view is rebuilt when another run opens, a run starts
    // rolling back or its checklist is corrected (its rows change), not
    // on every change.
    let open_run = Memo::new(move |_| {
        state.run.with(|r| {
            r.as_ref().map(|r| {
                (
                    r.run.id.clone(),
                    state.run_state.with(|st| st.rollback.is_some()),
                    // Corrections of the checklist change its rows.
                    state.run_state.with(|st| st.corrections),
                )
            })
        })
    });

    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        let file = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            state.open_file(file);
        }
    };

    view! {
        <div class="app" on:dragover=|ev: web_sys::DragEvent| ev.prevent_default() on:drop=on_drop>
            <header class="topbar">
                <a class="brand" href="./">"Preflight"</a>
                <button
                    type="button"
                    class="review-toggle"
                    aria-pressed=move || state.reviewing.get().to_string()
                    on:click=move |_| {
                        let on = !state.reviewing.get_untracked();
                        if on {
                            state.close_run();
                        }
                        state.reviewing.set(on);
                        location::set_fragment(on.then_some("review"));
                    }
                >
                    "Review"
                </button>
                <ui::open::OpenControls />
            </header>
            <ui::notices::Notices />
            <main id="main">
                {move || {
                    state
                        .loading
                        .get()
                        .map(|what| view! { <p class="loading" role="status">{what}</p> })
                }}
                {move || {
                    if state.reviewing.get() {
                        return Some(view! { <ui::review::Review /> }.into_any());
                    }
                    if state.sharing.joining.with(Option::is_some) {
                        return Some(view! { <ui::share::JoinPanel /> }.into_any());
                    }
                    let guide = state.guide.get()?;
                    // Rebuilt when another run opens, not on every change.
                    Some(if open_run.get().is_some() {
                        view! { <ui::run::RunView guide /> }.into_any()
                    } else {
                        // Rebuilt when the preview's corrections change.
                        state.preview.track();
                        view! {
                            <ui::home::Home />
                            <ui::guide::GuideView guide />
                            <ui::review::TreeOutline />
                        }
                            .into_any()
                    })
                }}
            </main>
        </div>
    }
}
