//! Runs of the open guide: start, open, close, import and export, share
//! links, adoption of a new guide version, and [`AppState::apply`], the one
//! way a change reaches the open run.

use crate::effects::{clock, download, location, random, storage};
use crate::persist::{self, Opened};
use crate::state::{ActiveRun, AppState, NoticeKind, OpenGuide, Origin, OPERATOR_KEY};
use leptos::prelude::*;
use preflight_core::guide::StepOverrides;
use preflight_core::run::apply::{Applied, Input, Source};
use preflight_core::run::Refusal;
use preflight_core::text::secrets::mask_text;
use preflight_core::{Action, Guide, LastGuide, Plan, Run, RunIndex, Window};
use std::collections::BTreeMap;
use std::sync::Arc;

impl AppState {
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
        if let Some(status) = self.status(crate::webhooks::Kind::RunStarted, None, None) {
            self.hooks.queue(&status);
        }
    }

    /// Checks carried over from progress saved before runs existed.
    pub(crate) fn import_progress(&self, run: &mut Run, plan: &Plan, hash: &str, now: i64) {
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
        let Some(mut open) = self.guide.get_untracked() else {
            return false;
        };
        // A run recorded when guide hashes were taken over the text with
        // its secrets names its version by that hash: the open guide is
        // that version.
        let version = run.current_guide_hash();
        if open.hash != version && preflight_core::source::matches_hash(&open.text, version) {
            open.hash = version.to_owned();
            self.guide.update_untracked(|g| {
                if let Some(g) = g {
                    g.hash.clone_from(&open.hash);
                }
            });
        }
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
        self.settings.set(false);
        self.cursor.set(None);
        self.pending.set(Vec::new());
        persist::compact_soon(&run.id);
        self.check_guide_changed(&open.origin, run.current_guide_hash());
        let id = run.id.clone();
        self.activate(run, &open, true);
        crate::share::resume(*self, &id);
        true
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
        // Another tab keeps a version's text before it adopts it: read it,
        // so the adoption can be accepted here too.
        for e in &events {
            if let Action::AdoptGuide { to_hash, .. } = &e.action {
                let kept = storage::get(&LastGuide::storage_key_for(to_hash))
                    .ok()
                    .flatten()
                    .and_then(|raw| LastGuide::decode(&raw))
                    .filter(|g| preflight_core::source::matches_hash(&g.text, to_hash));
                if let Some(kept) = kept {
                    let model = Arc::new(Guide::parse(&kept.text));
                    self.run.update_untracked(|r| {
                        if let Some(r) = r {
                            r.know_version(to_hash, model);
                        }
                    });
                }
            }
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
        let tz = clock::tz_offset_min();
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
                .filter(|e| {
                    e.guide_hash != open.hash
                        && !preflight_core::source::matches_hash(&open.text, &e.guide_hash)
                })
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

    /// What the notice before the open guide leaves this browser says of
    /// its secrets, or `None` when its text holds none.
    pub fn secrets_notice(&self) -> Option<String> {
        let open = self.guide.get_untracked()?;
        let found = mask_text(&open.text).findings;
        let n = found.len();
        if n == 0 {
            return None;
        }
        let mut lines: Vec<String> = found.iter().take(10).map(|f| f.line.to_string()).collect();
        if n > 10 {
            lines.push("…".into());
        }
        let mut kinds: Vec<&str> = Vec::new();
        for f in &found {
            if !kinds.contains(&f.kind) {
                kinds.push(f.kind);
            }
        }
        let s = if n == 1 { "" } else { "s" };
        Some(format!(
            "This guide holds {n} secret{s} (line{s} {}: {}). The copy that leaves this browser has them masked.",
            lines.join(", "),
            kinds.join(", ")
        ))
    }

    /// Replaces this browser's copies of the open guide's text (the text
    /// kept for each version its run follows, the last guide opened) with
    /// the masked text, which has the same hash. Returns what to say.
    pub fn strip_secrets(&self) -> String {
        let Some(open) = self.guide.get_untracked() else {
            return "No guide is open.".into();
        };
        let mut hashes = vec![open.hash.clone()];
        self.run.with_untracked(|r| {
            if let Some(r) = r {
                hashes.extend(r.run.versions().map(str::to_owned));
            }
        });
        let mut keys: Vec<String> = hashes
            .iter()
            .map(|h| LastGuide::storage_key_for(h))
            .collect();
        keys.sort();
        keys.dedup();
        keys.push(LastGuide::STORAGE_KEY.to_owned());
        let (mut stripped, mut kept, mut failed) = (0, 0, None);
        for key in &keys {
            let Some(mut stored) = storage::get(key)
                .ok()
                .flatten()
                .and_then(|raw| LastGuide::decode(&raw))
            else {
                continue;
            };
            let masked = mask_text(&stored.text);
            if masked.findings.is_empty() {
                continue;
            }
            let hash = preflight_core::guide_hash(&stored.text);
            if key == LastGuide::STORAGE_KEY {
                if hash != open.hash {
                    continue; // Another guide's.
                }
            } else if LastGuide::storage_key_for(&hash) != *key {
                // Kept under the hash of the text with its secrets, for a
                // run recorded before: that run needs it to open.
                kept += 1;
                continue;
            }
            stored.text = masked.text.into_owned();
            match storage::set(key, &stored.encode()) {
                Ok(()) => stripped += 1,
                Err(err) => failed = Some(err),
            }
        }
        let masked = mask_text(&open.text);
        if !masked.findings.is_empty() && preflight_core::guide_hash(&masked.text) == open.hash {
            let text: Arc<str> = Arc::from(masked.text.as_ref());
            self.guide.update_untracked(|g| {
                if let Some(g) = g {
                    g.text = text;
                }
            });
        }
        let mut said = match stripped {
            0 => "No copy of this guide in this browser held its secrets.".to_owned(),
            1 => "Stripped: the copy of this guide kept in this browser now holds the masked text.".to_owned(),
            n => format!("Stripped: the {n} copies of this guide kept in this browser now hold the masked text."),
        };
        if kept > 0 {
            said.push_str(&format!(" {kept} copy kept for a run recorded before secrets were masked still holds them, so that the run opens."));
        }
        if let Some(err) = failed {
            said.push_str(&format!(" Not every copy could be changed: {err}."));
        }
        said
    }

    /// Imports an exported run: stores it with its guide, then opens it;
    /// whether it was imported (if not, a message says why).
    pub fn import_run(&self, bytes: &[u8]) -> bool {
        let text = String::from_utf8_lossy(bytes);
        match preflight_core::run::store::import(&text) {
            Ok(export) => self.import_export(export),
            Err(why) => {
                self.notify(
                    NoticeKind::Error,
                    format!("Not imported: {why}. Nothing was changed."),
                );
                false
            }
        }
    }

    /// Imports an export already read and checked (`store::import`):
    /// stores it with its guide, then opens it; whether it was imported.
    pub fn import_export(&self, export: preflight_core::run::store::Export) -> bool {
        // The run kept here keeps its header (operator, window, four-eyes);
        // the file's events join its log only if every one keeps the rules.
        let existing = match persist::open(&export.run.id) {
            Ok((Opened::Run(loaded), _)) => Some(loaded.run),
            _ => None,
        };
        let model = Arc::new(Guide::parse(&export.guide.text));
        // The version the file names, which its text matches (checked by
        // the import): a run recorded before guide hashes were taken over
        // masked text names it by the hash of the text as it was.
        let hash = export.run.current_guide_hash().to_owned();
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
                return false;
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
            return false;
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
        true
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
    pub(crate) fn open_shared(&self, fragment: &str) -> bool {
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
    pub(crate) fn activate(&self, run: Run, open: &OpenGuide, stored: bool) {
        // Other versions of the guide the run followed, whose text is kept
        // here: changes made under them are checked against their plans.
        let mut versions = BTreeMap::new();
        let chain: Vec<String> = run.versions().map(str::to_owned).collect();
        for hash in chain.into_iter().filter(|h| *h != open.hash) {
            let text = storage::get(&LastGuide::storage_key_for(&hash))
                .ok()
                .flatten()
                .and_then(|raw| LastGuide::decode(&raw));
            if let Some(kept) = text {
                if preflight_core::source::matches_hash(&kept.text, &hash) {
                    versions.insert(hash, Arc::new(Guide::parse(&kept.text)));
                }
            }
        }
        let (session, refused) =
            ActiveRun::open_with(run, open.guide.clone(), &open.hash, versions);
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
        let applied = self
            .run
            .try_update_untracked(|r| {
                r.as_mut().map(|active| {
                    let applied = active.handle_timeout(&state, now);
                    self.deadline
                        .set_value(Some(active.poll_timeout(&state, now)));
                    applied
                })
            })
            .flatten()
            .unwrap_or_default();
        if !applied.accepted.is_empty() {
            // Held changes were decided: the log changed.
            self.deadline.set_value(None);
            self.run.notify();
        }
        if !applied.effects.is_empty() {
            crate::driver::carry_out(*self, &applied);
        }
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

impl AppState {
    /// A webhook status of the open run, for `kind`, as the person here
    /// reports it now.
    pub fn status(
        &self,
        kind: crate::webhooks::Kind,
        phase: Option<String>,
        detail: Option<String>,
    ) -> Option<preflight_core::webhook::Status> {
        let state = self.run_state.get_untracked();
        let who = self.operator.get_untracked();
        self.run.with_untracked(|r| {
            let r = r.as_ref()?;
            let about = crate::webhooks::About {
                run: &r.run,
                plan: &r.plan,
                state: &state,
                who,
                now_ms: clock::now_ms(),
            };
            Some(crate::webhooks::status(about, kind, phase, detail))
        })
    }
}
