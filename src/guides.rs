//! Opening guides: at start-up, from the example, a URL, a file or a
//! paste; the recent guides; corrections made in the preview before a run.

use crate::effects::{clock, files, http, location, marks, random, storage};
use crate::persist;
use crate::state::{AppState, NoticeKind, OpenGuide, Origin, EXAMPLE_GUIDE, OPERATOR_KEY};
use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::guide::StepOverrides;
use preflight_core::{Guide, LastGuide, RecentGuide, RecentGuides, RunIndex};
use std::sync::Arc;

impl AppState {
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
    pub(crate) fn open_default(&self) {
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
        self.settings.set(false);
        true
    }

    /// Shows or leaves the review (`review`) or the settings page.
    /// Showing one closes the open run and leaves the other; the review
    /// keeps its address (`#review`).
    pub fn toggle_page(&self, review: bool) {
        let (this, other) = if review {
            (self.reviewing, self.settings)
        } else {
            (self.settings, self.reviewing)
        };
        let on = !this.get_untracked();
        if on {
            self.close_run();
            other.set(false);
        }
        this.set(on);
        location::set_fragment((on && review).then_some("review"));
    }

    pub(crate) fn load_indexes(&self) {
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

    pub(crate) fn touch_recent(&self, origin: &Origin, guide: &Guide, hash: &str) {
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

    /// Keeps a file or pasted guide for the next page load.
    pub(crate) fn remember(&self, origin: &Origin, text: &str) {
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

    /// The corrections kept for the guide `hash` before a run; none when
    /// there are none or they cannot be read (then it says so).
    pub(crate) fn load_preview(&self, hash: &str) -> StepOverrides {
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

    /// A run follows the text it started with; if its guide's URL now
    /// serves other text, say so.
    pub(crate) fn check_guide_changed(&self, origin: &Origin, hash: &str) {
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
            if !preflight_core::source::matches_hash(&text, &hash) {
                state.notify(
                    NoticeKind::Info,
                    format!("The guide at {url} has changed since this run started. The run follows the text it started with; open the URL again to start a run of the new text."),
                );
            }
        });
    }
}
