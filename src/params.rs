//! Run parameters in the browser: the open guide's parameters (the core's
//! [`params::find`]), their values (the log's, and secrets this device
//! was given, which stay out of the log), setting one, and copying a
//! command with the values put in — or asking for the missing ones first.

use crate::effects::{clipboard, storage};
use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use preflight_core::guide::params::{self, Params};
use preflight_core::run::Action;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A copy that waits: for the values still missing (by key), or, when
/// none is, for a yes to `warning` (values the shell reads as more than
/// text).
#[derive(Clone, PartialEq)]
pub struct Ask {
    pub command: String,
    pub lang: String,
    pub missing: Vec<String>,
    pub warning: Option<String>,
    /// The filled command the warning is about: what **Copy anyway**
    /// copies, as long as the values still give it.
    pub text: String,
}

/// The parameters of the open guide and their values, provided as a
/// context beside [`AppState`].
#[derive(Clone, Copy)]
pub struct RunParams {
    /// What the open guide leaves to be filled in, once read.
    pub found: RwSignal<Option<Arc<Params>>>,
    /// Secrets' values given on this device, by key: in memory, and in
    /// storage only when the person asked to keep them.
    pub local: RwSignal<BTreeMap<String, String>>,
    /// Every value known here, by key, to put into commands.
    pub values: Memo<BTreeMap<String, String>>,
    /// A copy waiting for the values it misses.
    pub asking: RwSignal<Option<Ask>>,
    /// Values given for one copy where nothing can be logged (before a
    /// run, in a finished run or a read-only copy), until another run
    /// opens.
    pub given: RwSignal<BTreeMap<String, String>>,
    /// The run `local` and `given` belong to.
    owner: StoredValue<Option<String>>,
    /// Where the focus was when a question opened, to go back to.
    return_to: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>,
    /// Steps that note a value, with the keys they note.
    pub captures: Memo<BTreeMap<String, Vec<String>>>,
}

/// Where a run's kept secrets are stored.
pub fn storage_key(run_id: &str) -> String {
    format!("preflight.params.{run_id}")
}

/// Reads a run's kept secrets: only names that are secrets, only values
/// a run would take; anything else in the key is ignored.
fn load(run_id: &str) -> BTreeMap<String, String> {
    // Read as a JSON value, whose reader the log's codec already has.
    let Some(serde_json::Value::Object(map)) = storage::get(&storage_key(run_id))
        .ok()
        .flatten()
        .and_then(|raw| serde_json::from_str::<serde_json::Value>(&raw).ok())
    else {
        return BTreeMap::new();
    };
    // Inserted one by one: collecting would sort, which this module
    // would carry for this alone.
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let serde_json::Value::String(v) = v else {
            continue;
        };
        if params::key(&k) == k
            && params::is_secret(&k)
            && !v.is_empty()
            && preflight_core::run::params::check_value(&v).is_ok()
        {
            out.insert(k, v);
        }
    }
    out
}

impl RunParams {
    pub fn new(state: AppState) -> RunParams {
        // Read in the module that holds the code (`ui::lazy`), once per
        // guide; until then commands show as written and copy as written.
        let found: RwSignal<Option<Arc<Params>>> = RwSignal::new(None);
        let hash = Memo::new(move |_| state.guide.with(|g| g.as_ref().map(|g| g.hash.clone())));
        Effect::new(move |_| {
            let Some(for_hash) = hash.get() else {
                found.set(None);
                return;
            };
            found.set(None);
            let Some(text) = state
                .guide
                .with_untracked(|g| g.as_ref().map(|g| g.text.clone()))
            else {
                return;
            };
            spawn_local(async move {
                match crate::ui::lazy::read_params(text).await {
                    Ok(read) => {
                        if hash.with_untracked(|h| h.as_deref() == Some(for_hash.as_str())) {
                            found.set(Some(Arc::new(read)));
                        }
                    }
                    Err(_) => state.notify(
                        NoticeKind::Warning,
                        "The guide's parameters could not be read: commands are shown and copied as written. Check the connection and reload.".into(),
                    ),
                }
            });
        });
        let local = RwSignal::new(BTreeMap::new());
        let given = RwSignal::new(BTreeMap::new());
        let owner = StoredValue::new(None);
        // A run opened again finds the secrets kept for it; another run
        // starts with none (a value set since it opened stays).
        let run_id = Memo::new(move |_| state.run.with(|r| r.as_ref().map(|r| r.run.id.clone())));
        Effect::new(move |_| {
            let id = run_id.get();
            adopt(owner, local, given, id.as_deref());
        });
        let values = Memo::new(move |_| {
            state.run_state.with(|st| {
                local.with(|l| {
                    let mut v = preflight_core::run::params::values(st, l);
                    given.with(|g| {
                        for (k, x) in g {
                            v.entry(k.clone()).or_insert_with(|| x.clone());
                        }
                    });
                    v
                })
            })
        });
        let captures = Memo::new(move |_| {
            let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
            state.run.with(|r| {
                let Some(r) = r else { return };
                let steps = r
                    .plan
                    .run_phases()
                    .flat_map(|p| &p.steps)
                    .map(|s| (s.id.as_str(), s.line, s.text.as_str()));
                found.with(|f| {
                    if let Some(f) = f {
                        for (step, key) in params::captures(f, steps) {
                            out.entry(step).or_default().push(key);
                        }
                    }
                });
            });
            out
        });
        RunParams {
            found,
            local,
            values,
            asking: RwSignal::new(None),
            given,
            owner,
            return_to: StoredValue::new_local(None),
            captures,
        }
    }

    /// Opens a question before a copy, remembering where the focus was.
    fn ask(&self, ask: Ask) {
        use wasm_bindgen::JsCast;
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        self.return_to.set_value(active);
        self.asking.set(Some(ask));
        crate::ui::reveal("#param-ask");
    }

    /// Closes the question and puts the focus back where it was.
    pub fn close(&self) {
        self.asking.set(None);
        if let Some(el) = self.return_to.try_update_value(Option::take).flatten() {
            let _ = el.focus();
        }
    }

    /// The parameter `key` names, if the guide has it.
    pub fn param(&self, key: &str) -> Option<params::Param> {
        self.found.with_untracked(|f| {
            f.as_ref()?
                .params
                .iter()
                .find(|p| params::key(&p.name) == key)
                .cloned()
        })
    }

    /// Gives `key` a value: an entry in the run's log (a secret's entry
    /// without its value, which stays in this device's memory, and in its
    /// storage when `keep`). Before a run, nothing is kept. False, with a
    /// message, when the run refused it.
    pub fn set(
        &self,
        state: AppState,
        key: &str,
        value: &str,
        step: Option<String>,
        keep: bool,
    ) -> bool {
        let value = value.trim();
        if value.is_empty() {
            return false;
        }
        if let Err(why) = preflight_core::run::params::check_value(value) {
            state.notify(NoticeKind::Error, format!("Not set: {why}."));
            return false;
        }
        let run_id = state
            .run
            .with_untracked(|r| r.as_ref().map(|r| r.run.id.clone()));
        adopt(self.owner, self.local, self.given, run_id.as_deref());
        let writable = !state.read_only.get_untracked() && !state.finished.get_untracked();
        let Some(run_id) = run_id.filter(|_| writable) else {
            // Nothing to log it in: kept for this page only.
            self.given.update(|g| {
                g.insert(key.to_owned(), value.to_owned());
            });
            return true;
        };
        let secret = params::is_secret(key);
        let same = self
            .values
            .with_untracked(|v| v.get(key).map(String::as_str) == Some(value));
        if !same {
            let action = Action::SetParam {
                param: key.to_owned(),
                value: (!secret).then(|| value.to_owned()),
                step,
            };
            if !state.report(state.record(action)) {
                return false;
            }
        }
        if secret {
            self.local.update(|l| {
                l.insert(key.to_owned(), value.to_owned());
            });
            let stored_key = storage_key(&run_id);
            let mut kept = load(&run_id);
            if keep {
                kept.insert(key.to_owned(), value.to_owned());
            } else {
                kept.remove(key);
            }
            let written = if kept.is_empty() {
                storage::remove(&stored_key)
            } else {
                let mut map = serde_json::Map::new();
                for (k, v) in kept {
                    map.insert(k, serde_json::Value::String(v));
                }
                storage::set(&stored_key, &serde_json::Value::Object(map).to_string())
            };
            state.keep("the secret's value", written);
        }
        true
    }

    /// The command with the values known here put in. Its placeholders
    /// are read with the guide's parameters, read here if they are still
    /// being read.
    pub fn fill(&self, state: AppState, command: &str, lang: &str) -> params::Filled {
        let set = self
            .found
            .with_untracked(|f| f.as_ref().map(|f| f.set.clone()));
        let set = set.unwrap_or_else(|| {
            state
                .guide
                .with_untracked(|g| g.as_ref().map(|g| params::find(&g.text).set))
                .unwrap_or_default()
        });
        let slots = params::slots(command, lang, &set);
        self.values
            .with_untracked(|v| params::fill(command, &slots, v))
    }

    /// Copies `command` with its values put in; when one is missing, asks
    /// for it first ([`RunParams::asking`]) instead of copying it raw, and
    /// when a value holds what a shell reads as more than text, asks
    /// before copying. The work is done in the parameters' module.
    pub fn copy(&self, state: AppState, command: &str, lang: &str, copied: Option<RwSignal<bool>>) {
        crate::ui::lazy::copy_command(*self, state, command.to_owned(), lang.to_owned(), copied);
    }

    /// [`RunParams::copy`], in the parameters' module.
    pub fn copy_filled(
        &self,
        state: AppState,
        command: &str,
        lang: &str,
        copied: Option<RwSignal<bool>>,
    ) {
        let filled = self.fill(state, command, lang);
        let missing: Vec<String> = filled.missing().into_iter().map(str::to_owned).collect();
        if !missing.is_empty() {
            self.ask(Ask {
                command: command.to_owned(),
                lang: lang.to_owned(),
                missing,
                warning: None,
                text: String::new(),
            });
            return;
        }
        if let Some(warning) = shell_warning(&filled) {
            self.ask(Ask {
                command: command.to_owned(),
                lang: lang.to_owned(),
                missing: Vec::new(),
                warning: Some(warning),
                text: filled.text(),
            });
            return;
        }
        copy_now(state, filled.text(), copied);
    }

    /// Copies the command a warning was about, once the person said yes.
    /// A value changed meanwhile (on another device, in another tab) gives
    /// another command: that one is checked and asked about afresh.
    pub fn copy_asked(&self, state: AppState, ask: &Ask) {
        let now = self.fill(state, &ask.command, &ask.lang).text();
        if now == ask.text {
            copy_now(state, now, None);
        } else {
            self.copy_filled(state, &ask.command, &ask.lang, None);
        }
    }
}

/// Writes `text` to the clipboard and says so.
fn copy_now(state: AppState, text: String, copied: Option<RwSignal<bool>>) {
    spawn_local(async move {
        match clipboard::copy(&text).await {
            Ok(()) => match copied {
                Some(copied) => {
                    copied.set(true);
                    set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
                }
                None => state.notify(NoticeKind::Info, "Command copied.".into()),
            },
            Err(why) => state.notify(NoticeKind::Warning, format!("Not copied: {why}.")),
        }
    });
}

/// What a shell would read as more than text in a filled command's
/// values (`pid holds ; a space`), and a value that starts with `-` (read
/// as an option: `kubectl delete pod --all`); a secret's characters are
/// not named. Whatever the block's language: a command is pasted into a
/// shell more often than its fence says.
fn shell_warning(filled: &params::Filled) -> Option<String> {
    let mut named: Vec<String> = Vec::new();
    for piece in &filled.pieces {
        let params::Piece::Value { key, value } = piece else {
            continue;
        };
        let found = preflight_core::run::params::shell_specials(value);
        let option = value.starts_with('-');
        if found.is_empty() && !option {
            continue;
        }
        let what = if params::is_secret(key) {
            format!("{key} (a secret) holds characters the shell reads")
        } else {
            let chars: Vec<String> = found
                .iter()
                .map(|c| {
                    if c.is_whitespace() {
                        "a space".to_owned()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            match (option, chars.is_empty()) {
                (true, true) => format!("{key} starts with - (read as an option)"),
                (true, false) => format!(
                    "{key} starts with - (read as an option) and holds {}",
                    chars.join(" ")
                ),
                (false, _) => format!("{key} holds {}", chars.join(" ")),
            }
        };
        if !named.contains(&what) {
            named.push(what);
        }
    }
    (!named.is_empty()).then(|| {
        format!(
            "The shell reads more than text in these values: {}. Check the command before you run it.",
            named.join("; ")
        )
    })
}

/// Takes `local` and `given` for the run `id`: when they belonged to
/// another run (or none), the secrets kept for this one replace them.
fn adopt(
    owner: StoredValue<Option<String>>,
    local: RwSignal<BTreeMap<String, String>>,
    given: RwSignal<BTreeMap<String, String>>,
    id: Option<&str>,
) {
    if owner.with_value(|o| o.as_deref() == id) {
        return;
    }
    owner.set_value(id.map(str::to_owned));
    local.set(id.map(load).unwrap_or_default());
    given.set(BTreeMap::new());
}
