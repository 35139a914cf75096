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

/// A copy that waits for values: the command, its language and the keys
/// still missing.
#[derive(Clone, PartialEq)]
pub struct Ask {
    pub command: String,
    pub lang: String,
    pub missing: Vec<String>,
}

/// The parameters of the open guide and their values, provided as a
/// context beside [`AppState`].
#[derive(Clone, Copy)]
pub struct RunParams {
    /// What the open guide leaves to be filled in.
    pub found: Memo<Arc<Params>>,
    /// Secrets' values given on this device, by key: in memory, and in
    /// storage only when the person asked to keep them.
    pub local: RwSignal<BTreeMap<String, String>>,
    /// Every value known here, by key, to put into commands.
    pub values: Memo<BTreeMap<String, String>>,
    /// A copy waiting for the values it misses.
    pub asking: RwSignal<Option<Ask>>,
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
    storage::get(&storage_key(run_id))
        .ok()
        .flatten()
        .and_then(|raw| serde_json::from_str::<BTreeMap<String, String>>(&raw).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| {
            params::key(k) == *k
                && params::is_secret(k)
                && !v.is_empty()
                && v.len() <= preflight_core::run::params::MAX_VALUE
                && !v.chars().any(char::is_control)
        })
        .collect()
}

impl RunParams {
    pub fn new(state: AppState) -> RunParams {
        let found = Memo::new(move |_| {
            state.guide.with(|g| {
                Arc::new(
                    g.as_ref()
                        .map(|g| params::find(&g.text))
                        .unwrap_or_default(),
                )
            })
        });
        let local = RwSignal::new(BTreeMap::new());
        // A run opened again finds the secrets kept for it; another run
        // starts with none.
        let run_id = Memo::new(move |_| state.run.with(|r| r.as_ref().map(|r| r.run.id.clone())));
        Effect::new(move |_| {
            let kept = run_id.with(|id| id.as_deref().map(load).unwrap_or_default());
            local.set(kept);
        });
        let values = Memo::new(move |_| {
            state
                .run_state
                .with(|st| local.with(|l| preflight_core::run::params::values(st, l)))
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
                    for (step, key) in params::captures(f, steps) {
                        out.entry(step).or_default().push(key);
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
            captures,
        }
    }

    /// The parameter `key` names, if the guide has it.
    pub fn param(&self, key: &str) -> Option<params::Param> {
        self.found.with_untracked(|f| {
            f.params
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
        let Some(run_id) = state
            .run
            .with_untracked(|r| r.as_ref().map(|r| r.run.id.clone()))
        else {
            return true;
        };
        let secret = params::is_secret(key);
        let changed = self
            .values
            .with_untracked(|v| v.get(key).map(String::as_str) != Some(value));
        if !changed {
            return true;
        }
        let action = Action::SetParam {
            param: key.to_owned(),
            value: (!secret).then(|| value.to_owned()),
            step,
        };
        if !state.report(state.record(action)) {
            return false;
        }
        if secret {
            self.local.update(|l| {
                l.insert(key.to_owned(), value.to_owned());
            });
            let stored_key = storage_key(&run_id);
            let kept: BTreeMap<String, String> = self.local.with_untracked(|l| {
                let mut kept = load(&run_id);
                if keep {
                    kept.insert(key.to_owned(), l[key].clone());
                } else {
                    kept.remove(key);
                }
                kept
            });
            let written = if kept.is_empty() {
                storage::remove(&stored_key)
            } else {
                storage::set(
                    &stored_key,
                    &serde_json::to_string(&kept).unwrap_or_default(),
                )
            };
            state.keep("the secret's value", written);
        }
        true
    }

    /// The command with the values known here put in.
    pub fn fill(&self, command: &str, lang: &str) -> params::Filled {
        let slots = self
            .found
            .with_untracked(|f| params::slots(command, lang, &f.set));
        self.values
            .with_untracked(|v| params::fill(command, &slots, v))
    }

    /// Copies `command` with its values put in; when one is missing, asks
    /// for it first ([`RunParams::asking`]) instead of copying it raw.
    pub fn copy(&self, state: AppState, command: &str, lang: &str, copied: Option<RwSignal<bool>>) {
        let filled = self.fill(command, lang);
        let missing: Vec<String> = filled.missing().into_iter().map(str::to_owned).collect();
        if !missing.is_empty() {
            self.asking.set(Some(Ask {
                command: command.to_owned(),
                lang: lang.to_owned(),
                missing,
            }));
            crate::ui::reveal("#param-ask");
            return;
        }
        let text = filled.text();
        let specials: Vec<String> = filled
            .pieces
            .iter()
            .filter_map(|p| match p {
                params::Piece::Value { key, value } => {
                    let found = preflight_core::run::params::shell_specials(value);
                    (!found.is_empty() && shell_lang(lang)).then(|| {
                        let shown: String = found
                            .iter()
                            .map(|c| {
                                if c.is_whitespace() {
                                    "space".to_owned()
                                } else {
                                    c.to_string()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(" ");
                        format!("{key} holds {shown}")
                    })
                }
                _ => None,
            })
            .collect();
        spawn_local(async move {
            match clipboard::copy(&text).await {
                Ok(()) => {
                    if let Some(copied) = copied {
                        copied.set(true);
                        set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
                    }
                    if !specials.is_empty() {
                        state.notify(
                            NoticeKind::Warning,
                            format!(
                                "Copied; check it before you run it: the shell reads more than text in these values ({}).",
                                specials.join("; ")
                            ),
                        );
                    } else if copied.is_none() {
                        state.notify(NoticeKind::Info, "Command copied.".into());
                    }
                }
                Err(why) => state.notify(NoticeKind::Warning, format!("Not copied: {why}.")),
            }
        });
    }
}

/// Whether a command in `lang` is read by a shell.
fn shell_lang(lang: &str) -> bool {
    matches!(
        lang.to_ascii_lowercase().as_str(),
        "" | "bash" | "sh" | "shell" | "zsh" | "console" | "shell-session" | "ksh" | "fish"
    )
}
