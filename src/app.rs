//! Page state and the actions that change it.
//!
//! [`AppState`] is a handful of signals provided as context. Actions (open a
//! guide, toggle a task) call the core for every decision and the effects
//! for every browser call; views only read the signals.

use crate::effects::{files, http, location, storage};
use crate::ui;
use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::{Guide, LastGuide, Progress, ProgressError};
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
}

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
}

/// All page state. Cheap to copy: every field is a signal handle.
#[derive(Clone, Copy)]
pub struct AppState {
    pub guide: RwSignal<Option<OpenGuide>>,
    pub progress: RwSignal<Progress>,
    pub notices: RwSignal<Vec<Notice>>,
    /// What is loading, while something is.
    pub loading: RwSignal<Option<String>>,
    /// False when browser storage cannot be used at all.
    pub storage_ok: RwSignal<bool>,
    /// Set when the stored progress must not be overwritten (it comes from a
    /// newer version, or could not be set aside); saving is then skipped.
    pub save_blocked: RwSignal<bool>,
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

impl AppState {
    pub fn new() -> Self {
        AppState {
            guide: RwSignal::new(None),
            progress: RwSignal::new(Progress::new("")),
            notices: RwSignal::new(Vec::new()),
            loading: RwSignal::new(None),
            storage_ok: RwSignal::new(true),
            save_blocked: RwSignal::new(false),
        }
    }

    /// Decides what to show on a fresh page load: `?guide=`, else the guide
    /// opened last from a file or paste, else the built-in example.
    pub fn boot(&self) {
        if storage::probe().is_err() {
            self.storage_ok.set(false);
        }
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
                Err(message) => state.notify(
                    NoticeKind::Error,
                    format!("Could not open the guide: {message}."),
                ),
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
        let text = match preflight_core::decode(bytes) {
            Ok(text) => text,
            Err(err) => {
                self.notify(
                    NoticeKind::Error,
                    format!("Could not open {}: {err}.", origin.describe()),
                );
                return false;
            }
        };
        let guide = Guide::parse(&text);
        let hash = preflight_core::guide_hash(&text);
        // Messages about the previous guide go; messages about this one
        // (remembering it, reading its progress) come after.
        self.clear_notices();
        self.remember(&origin, text);
        if !matches!(origin, Origin::Url(_)) {
            location::clear_guide_param();
        }
        let progress = self.load_progress(&hash);
        self.progress.set(progress);
        self.guide.set(Some(OpenGuide {
            origin,
            guide: Arc::new(guide),
            hash,
        }));
        true
    }

    /// Keeps a file or pasted guide for the next page load.
    fn remember(&self, origin: &Origin, text: String) {
        let last = match origin {
            Origin::File(name) => LastGuide::new("file", Some(name.clone()), text),
            Origin::Pasted => LastGuide::new("pasted", None, text),
            Origin::Example | Origin::Url(_) => {
                let _ = storage::remove(LastGuide::STORAGE_KEY);
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

    fn load_progress(&self, hash: &str) -> Progress {
        self.save_blocked.set(false);
        let key = Progress::storage_key(hash);
        let raw = match storage::get(&key) {
            Ok(Some(raw)) => raw,
            Ok(None) | Err(_) => return Progress::new(hash),
        };
        match Progress::decode(&raw, hash) {
            Ok(progress) => progress,
            Err(err @ ProgressError::FromNewerVersion(_)) => {
                self.save_blocked.set(true);
                self.notify(
                    NoticeKind::Warning,
                    format!("The {err}. Changes made now are not saved."),
                );
                Progress::new(hash)
            }
            Err(err) => {
                // Never delete what cannot be read: set it aside first.
                let aside = format!("preflight.quarantine.{key}.{}", js_sys::Date::now() as u64);
                match storage::set(&aside, &raw) {
                    Ok(()) => self.notify(
                        NoticeKind::Warning,
                        format!("The saved progress for this guide could not be read ({err}). It was kept under “{aside}”, and the guide starts from the state written in it."),
                    ),
                    Err(store_err) => {
                        self.save_blocked.set(true);
                        self.notify(
                            NoticeKind::Error,
                            format!("The saved progress for this guide could not be read ({err}) nor set aside ({store_err}). It is left untouched and changes made now are not saved."),
                        );
                    }
                }
                Progress::new(hash)
            }
        }
    }

    /// Checks or unchecks task `index` of the open guide and saves.
    pub fn toggle(&self, index: usize, checked: bool) {
        let Some(task) = self
            .guide
            .with_untracked(|g| g.as_ref().and_then(|g| g.guide.tasks.get(index).cloned()))
        else {
            return;
        };
        self.progress
            .update(|p| p.set(&task.id, checked, task.checked));
        self.save();
    }

    fn save(&self) {
        if self.save_blocked.get_untracked() || !self.storage_ok.get_untracked() {
            return;
        }
        let progress = self.progress.get_untracked();
        let key = Progress::storage_key(&progress.guide);
        let result = if progress.tasks.is_empty() {
            storage::remove(&key)
        } else {
            storage::set(&key, &progress.encode())
        };
        if let Err(err) = result {
            self.notify(
                NoticeKind::Error,
                format!("Your last change is shown but not saved: {err}."),
            );
        }
    }

    pub fn notify(&self, kind: NoticeKind, text: String) {
        self.notices.update(|all| {
            if !all.iter().any(|n| n.text == text) {
                all.push(Notice { kind, text });
            }
        });
    }

    pub fn dismiss(&self, index: usize) {
        self.notices.update(|all| {
            if index < all.len() {
                all.remove(index);
            }
        });
    }

    fn clear_notices(&self) {
        self.notices.update(|all| all.clear());
    }
}

/// Mounts the app into `#app`, replacing its loading text.
pub fn mount() {
    let target = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    match target {
        Some(target) => {
            target.set_text_content(None);
            leptos::mount::mount_to(target, App).forget();
        }
        None => leptos::mount::mount_to_body(App),
    }
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    state.boot();

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
                {move || state.guide.get().map(|guide| view! { <ui::guide::GuideView guide /> })}
            </main>
        </div>
    }
}
