//! The run's log as a hash chain: each entry's hash covers the previous
//! entry's hash and the entry itself, so editing, removing or reordering
//! any entry changes every hash from there on, and the last one — the
//! **head** — stands for the whole log. Printed records, reviews and
//! webhook messages carry the head; an exported run carries every hash.
//!
//! The chain runs over the log in its merged order (time, then id), so two
//! tabs that hold the same events hold the same chain.

use super::Event;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical bytes of an entry: its JSON, as stored.
fn entry_bytes(event: &Event) -> String {
    serde_json::to_string(event).unwrap_or_default()
}

/// One entry's hash given the previous one.
pub fn link(prev: &str, event: &Event) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(entry_bytes(event).as_bytes());
    crate::source::hex(&h.finalize())
}

/// Every entry's hash, in order.
pub fn hashes(events: &[Event]) -> Vec<String> {
    let mut prev = GENESIS.to_owned();
    events
        .iter()
        .map(|e| {
            prev = link(&prev, e);
            prev.clone()
        })
        .collect()
}

/// The hash of the last entry, or [`GENESIS`] for an empty log.
pub fn head(events: &[Event]) -> String {
    hashes(events).pop().unwrap_or_else(|| GENESIS.to_owned())
}

/// Checks a log against the hashes recorded for it. `Err(i)` is the first
/// entry that does not match (an entry edited, removed, added or moved);
/// a log shorter or longer than its hashes breaks where they part.
pub fn verify(events: &[Event], recorded: &[String]) -> Result<(), usize> {
    let fresh = hashes(events);
    for (i, (a, b)) in fresh.iter().zip(recorded).enumerate() {
        if a != b {
            return Err(i);
        }
    }
    if fresh.len() != recorded.len() {
        return Err(fresh.len().min(recorded.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Action;

    fn log(n: usize) -> Vec<Event> {
        (0..n)
            .map(|i| Event {
                id: format!("{i:x}-t-{i}"),
                at_ms: 1_000 + i as i64,
                by: "Ana".into(),
                action: Action::Note {
                    step: None,
                    text: format!("entry {i}"),
                },
            })
            .collect()
    }

    #[test]
    fn an_intact_log_verifies_and_its_head_is_its_last_hash() {
        let events = log(5);
        let h = hashes(&events);
        assert_eq!(verify(&events, &h), Ok(()));
        assert_eq!(head(&events), h[4]);
        assert_eq!(head(&[]), GENESIS);
        assert_eq!(h[0].len(), 64);
        // Deterministic: the same log, the same chain.
        assert_eq!(hashes(&log(5)), h);
    }

    #[test]
    fn edits_deletions_and_reorders_are_found_where_they_happen() {
        let events = log(6);
        let h = hashes(&events);
        let mut edited = events.clone();
        edited[3].by = "Eve".into();
        assert_eq!(verify(&edited, &h), Err(3));
        let mut deleted = events.clone();
        deleted.remove(2);
        assert_eq!(verify(&deleted, &h), Err(2));
        let mut reordered = events.clone();
        reordered.swap(1, 4);
        assert_eq!(verify(&reordered, &h), Err(1));
        let mut added = events.clone();
        added.push(log(7).pop().unwrap());
        assert_eq!(verify(&added, &h), Err(6));
        let mut truncated = events.clone();
        truncated.pop();
        assert_eq!(verify(&truncated, &h), Err(5));
        // Editing a recorded hash is found too.
        let mut forged = h.clone();
        forged[2] = GENESIS.into();
        assert_eq!(verify(&events, &forged), Err(2));
    }
}
