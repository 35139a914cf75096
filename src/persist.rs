//! Where runs meet browser storage: the core's storage codec
//! ([`preflight_core::run::store`]) applied to `localStorage`.
//!
//! A check-off writes one small key (its event). Opening a run merges its
//! snapshot with its event keys; compaction, under a Web Lock so that two
//! tabs never compact at once, folds event keys into the snapshot. Keys
//! that cannot be read are copied aside, never deleted unseen.

use crate::effects::{clock, locks, storage};
use preflight_core::guide::StepOverrides;
use preflight_core::run::store::{self, Loaded};
use preflight_core::{ProgressError, Run};
use std::collections::BTreeMap;

pub use storage::StorageError;

/// What opening a stored run found.
pub enum Opened {
    Run(Loaded),
    Missing,
    Newer(ProgressError),
    /// The snapshot could not be read: (its key, the key it was set aside
    /// under, its text, why).
    Corrupt {
        key: String,
        aside: Option<String>,
        raw: String,
        why: String,
    },
}

fn event_keys(run_id: &str) -> Result<Vec<(String, String)>, StorageError> {
    let prefix = store::event_prefix(run_id);
    let mut out = Vec::new();
    for key in storage::keys()? {
        if key.starts_with(&prefix) {
            if let Some(raw) = storage::get(&key)? {
                out.push((key, raw));
            }
        }
    }
    Ok(out)
}

/// Copies `raw` to a quarantine key; returns that key if it could.
pub fn quarantine(key: &str, raw: &str) -> Option<String> {
    let aside = format!("preflight.quarantine.{key}.{}", clock::now_ms());
    storage::set(&aside, raw).ok().map(|()| aside)
}

/// Event keys set aside while opening: (quarantine key, raw text, why).
pub type SetAside = Vec<(String, String, String)>;

/// Reads a run: its snapshot merged with its event keys. Unreadable event
/// keys are set aside (and removed only once copied).
pub fn open(id: &str) -> Result<(Opened, SetAside), StorageError> {
    let key = Run::storage_key(id);
    let Some(raw) = storage::get(&key)? else {
        return Ok((Opened::Missing, Vec::new()));
    };
    let events = event_keys(id)?;
    match store::load(&raw, events) {
        Ok(loaded) => {
            let mut set_aside = Vec::new();
            for (k, bad, why) in &loaded.corrupt {
                if let Some(aside) = quarantine(k, bad) {
                    let why = match storage::remove(k) {
                        Ok(()) => why.clone(),
                        Err(err) => format!("{why}; its own key could not be removed ({err}), so it is set aside again next time"),
                    };
                    set_aside.push((aside, bad.clone(), why));
                }
            }
            Ok((Opened::Run(loaded), set_aside))
        }
        Err(err @ ProgressError::FromNewerVersion(_)) => Ok((Opened::Newer(err), Vec::new())),
        Err(err) => {
            let aside = quarantine(&key, &raw);
            Ok((
                Opened::Corrupt {
                    key,
                    aside,
                    raw,
                    why: err.to_string(),
                },
                Vec::new(),
            ))
        }
    }
}

/// Writes the whole run as its snapshot.
pub fn save_snapshot(run: &Run) -> Result<(), StorageError> {
    storage::set(&Run::storage_key(&run.id), &run.encode())
}

/// Writes one event of a run: the small write of a check-off.
pub fn save_event(run: &Run, event_id: &str) -> Result<(), StorageError> {
    let Some(event) = run.events.iter().find(|e| e.id == event_id) else {
        return Ok(());
    };
    storage::set(
        &store::event_key(&run.id, event_id),
        &store::encode_event(event),
    )
}

/// Folds a run's event keys into its snapshot, if they are many and this
/// browser has Web Locks (without them, keys simply stay; nothing is lost).
pub fn compact_soon(run_id: &str) {
    let Ok(count) = event_keys(run_id).map(|k| k.len()) else {
        return;
    };
    if count < store::COMPACT_AFTER {
        return;
    }
    let id = run_id.to_owned();
    locks::with_lock(&format!("preflight.run.{id}"), move || {
        // A failure loses nothing: the event keys stay, are merged when
        // the run opens, and the next compaction tries again.
        if compact(&id).is_err() {}
    });
}

/// Under the run's lock: read everything, write one snapshot, then
/// remove the event keys that snapshot holds.
fn compact(id: &str) -> Result<(), StorageError> {
    let (Opened::Run(loaded), _) = open(id)? else {
        return Ok(());
    };
    save_snapshot(&loaded.run)?;
    for key in loaded.folded {
        storage::remove(&key)?;
    }
    Ok(())
}

/// Bytes Preflight uses in this browser: in total and per run (snapshot
/// and event keys).
pub fn usage() -> (usize, BTreeMap<String, usize>) {
    let mut total = 0;
    let mut per_run = BTreeMap::new();
    for key in storage::keys().unwrap_or_default() {
        if !key.starts_with("preflight.") {
            continue;
        }
        let value = storage::get(&key).ok().flatten().unwrap_or_default();
        let bytes = store::stored_bytes([(key.as_str(), value.as_str())]);
        total += bytes;
        if let Some(run) = store::run_of_key(&key) {
            *per_run.entry(run.to_owned()).or_default() += bytes;
        }
    }
    (total, per_run)
}

/// Removes a run: its snapshot and event keys, its live-sharing settings
/// and the relay credentials saved for them.
pub fn delete(id: &str) -> Result<(), StorageError> {
    for (key, _) in event_keys(id)? {
        storage::remove(&key)?;
    }
    // Secrets' values kept for it go too.
    storage::remove(&crate::params::storage_key(id))?;
    // Its live-sharing settings go with it (the relay keeps its copy),
    // and the team's password saved for that relay list.
    let shared_key = preflight_core::share::Shared::storage_key(id);
    if let Some(shared) = storage::get(&shared_key)
        .ok()
        .flatten()
        .and_then(|raw| preflight_core::share::Shared::decode(&raw))
    {
        storage::remove(&preflight_core::share::Credentials::storage_key(
            &shared.servers,
            &shared.team,
        ))?;
    }
    storage::remove(&shared_key)?;
    storage::remove(&Run::storage_key(id))
}

/// `12.3 KB`, `1.2 MB`.
pub fn format_bytes(bytes: usize) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} KB", bytes as f64 / 1e3)
    }
}

/// The key of the corrections kept for a guide before a run.
pub fn overrides_key(guide_hash: &str) -> String {
    format!("preflight.overrides.{guide_hash}")
}

/// The corrections kept for the guide `guide_hash` (none when nothing is
/// kept). Unreadable ones are set aside and a sentence says so.
pub fn load_overrides(guide_hash: &str) -> Result<StepOverrides, String> {
    let key = overrides_key(guide_hash);
    let raw = match storage::get(&key) {
        Ok(Some(raw)) => raw,
        Ok(None) => return Ok(StepOverrides::default()),
        Err(err) => {
            return Err(format!(
                "The corrections kept for this guide could not be read: {err}."
            ))
        }
    };
    serde_json::from_str(&raw).map_err(|why| {
        let aside = quarantine(&key, &raw);
        format!(
            "The corrections kept for this guide could not be read ({why}){}; the guide opened without them.",
            aside
                .map(|a| format!(" and were set aside under “{a}”"))
                .unwrap_or_default()
        )
    })
}

/// Keeps the corrections of a guide before a run; none removes the key.
pub fn save_overrides(guide_hash: &str, o: &StepOverrides) -> Result<(), StorageError> {
    let key = overrides_key(guide_hash);
    if o.is_empty() {
        storage::remove(&key)
    } else {
        storage::set(&key, &serde_json::to_string(o).unwrap_or_default())
    }
}
