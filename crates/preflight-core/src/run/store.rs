//! How runs are kept in a key-value store (the browser's `localStorage`),
//! and how one travels as a file.
//!
//! A run is a **snapshot** under `preflight.run.<id>` (the run with the
//! events compacted into it) plus one small key per newer event,
//! `preflight.ev.<id>.<event id>`. A check-off writes only its event's key;
//! loading merges the snapshot with every event key, by event id, so two
//! tabs writing at once both keep their check-offs. Compaction folds event
//! keys into the snapshot and removes only the keys it folded.
//!
//! Nothing here touches storage: the shell reads keys and hands them in,
//! and writes what comes out.

use super::{Event, Run};
use crate::{guide_hash, Guide, ProgressError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Event keys a snapshot may gather before it is worth compacting.
pub const COMPACT_AFTER: usize = 64;

pub fn event_prefix(run_id: &str) -> String {
    format!("preflight.ev.{run_id}.")
}

pub fn event_key(run_id: &str, event_id: &str) -> String {
    format!("{}{event_id}", event_prefix(run_id))
}

/// The run a key belongs to: its snapshot or one of its events.
pub fn run_of_key(key: &str) -> Option<&str> {
    if let Some(rest) = key.strip_prefix("preflight.ev.") {
        return rest.split_once('.').map(|(run, _)| run);
    }
    key.strip_prefix("preflight.run.")
}

/// A run read back from its snapshot and event keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub run: Run,
    /// Event keys now in the run, removable once a snapshot holding them
    /// has been written.
    pub folded: Vec<String>,
    /// Event keys that could not be read: (key, raw text, why). The shell
    /// sets them aside; they are never merged or deleted unseen.
    pub corrupt: Vec<(String, String, String)>,
}

/// Merges a snapshot with the event keys found for its run.
pub fn load(snapshot: &str, events: Vec<(String, String)>) -> Result<Loaded, ProgressError> {
    let mut run = Run::decode(snapshot)?;
    let mut folded = Vec::new();
    let mut corrupt = Vec::new();
    let mut fresh = Vec::new();
    for (key, raw) in events {
        match serde_json::from_str::<Event>(&raw) {
            Ok(e) if !e.id.is_empty() && key.ends_with(&e.id) => {
                folded.push(key);
                fresh.push(e);
            }
            Ok(_) => corrupt.push((key, raw, "the event does not match its key".into())),
            // Written by a newer Preflight in another tab: not damage. It
            // stays where it is, neither merged nor set aside.
            Err(err) if err.to_string().contains("unknown variant") => {}
            Err(err) => corrupt.push((key, raw, err.to_string())),
        }
    }
    run.merge(fresh);
    folded.sort();
    Ok(Loaded {
        run,
        folded,
        corrupt,
    })
}

/// The stored form of one event.
pub fn encode_event(event: &Event) -> String {
    serde_json::to_string(event).unwrap_or_default()
}

/// The format name of an exported run.
pub const EXPORT_FORMAT: &str = "preflight-run";
pub const EXPORT_VERSION: u32 = 1;

/// A run as a file: the guide text it follows, the run, and a checksum of
/// both, so that a damaged or edited file is refused whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub format: String,
    pub version: u32,
    pub guide: ExportedGuide,
    pub run: Run,
    /// The log's hash chain ([`super::chain`]): one hash per event.
    #[serde(default)]
    pub chain: Vec<String>,
    /// SHA-256 (hex) of the canonical JSON of `guide` and `run`.
    pub checksum: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedGuide {
    /// Where it came from: `url`, `file`, `pasted`, `example`.
    pub origin: String,
    pub name: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    NotJson(String),
    NotARun,
    FromNewerVersion(u32),
    ChecksumMismatch,
    /// The log was edited: entry `index` (0-based) is the first that does
    /// not match its hash.
    Tampered {
        index: usize,
        entry: String,
    },
    GuideMismatch,
    Run(String),
    UnknownSteps(Vec<String>),
    /// The guide in the file is larger than a guide may be (bytes).
    GuideTooLarge(usize),
    /// A share link longer than any [`share_encode`] makes (characters).
    LinkTooLong(usize),
    /// A share link that unpacks to more than [`SHARE_UNPACKED_MAX`].
    LinkTooLarge,
    /// A sign-off's signature is forged, or the entries it signed were
    /// changed ([`super::sign::import`]): which one, and why.
    Signature(String),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::NotJson(why) => write!(f, "the file is not JSON ({why})"),
            ImportError::NotARun => write!(f, "the file is not a Preflight run export"),
            ImportError::FromNewerVersion(v) => write!(
                f,
                "the file was exported by a newer Preflight (format {v}); update Preflight to import it"
            ),
            ImportError::ChecksumMismatch => write!(
                f,
                "the file was changed or damaged after it was exported (its checksum does not match)"
            ),
            ImportError::Tampered { index, entry } => write!(
                f,
                "the run's log was tampered with: entry {} ({entry}) does not match its hash",
                index.saturating_add(1)
            ),
            ImportError::GuideMismatch => {
                write!(f, "the run does not belong to the guide text in the file")
            }
            ImportError::Run(why) => write!(f, "the run in the file cannot be read ({why})"),
            ImportError::UnknownSteps(ids) => write!(
                f,
                "the run refers to {} step(s) the guide does not have ({})",
                ids.len(),
                ids.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ),
            ImportError::GuideTooLarge(bytes) => write!(
                f,
                "the guide in the file is {} MB, larger than the {} MB a guide may be",
                bytes.div_ceil(1024 * 1024),
                crate::MAX_GUIDE_BYTES / (1024 * 1024)
            ),
            ImportError::LinkTooLong(chars) => write!(
                f,
                "the link is {chars} characters long, more than a share link can be ({SHARE_MAX})"
            ),
            ImportError::LinkTooLarge => write!(
                f,
                "the link unpacks to more than {} MB, more than a shared run can be",
                SHARE_UNPACKED_MAX / (1024 * 1024)
            ),
            ImportError::Signature(why) => write!(f, "the record is not genuine: {why}"),
        }
    }
}

fn checksum(guide: &ExportedGuide, run: &Run) -> String {
    let canonical = serde_json::to_string(&(guide, run)).unwrap_or_default();
    crate::source::hex(&Sha256::digest(canonical.as_bytes()))
}

/// The latest time a file may hold: the end of the year 9999 (and its
/// negative, the earliest), in ms since the epoch.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;
/// The longest wait a file may hold: a year.
pub const MAX_WAIT_S: u64 = 366 * 24 * 3600;
/// The furthest time zone from UTC a signature may name, in minutes.
pub const MAX_TZ_OFFSET_MIN: i32 = 24 * 60;

/// Whether every time, wait and time zone in a run lies where real ones
/// do: a file from elsewhere may hold any number.
fn in_range(run: &Run) -> Result<(), String> {
    let time = |ms: i64| (-MAX_TIME_MS..=MAX_TIME_MS).contains(&ms);
    let out = "outside the years 0 to 9999";
    if !time(run.started_ms) {
        return Err(format!("its start time is {out}"));
    }
    if !time(run.window.start_ms) || !time(run.window.end_ms) {
        return Err(format!("its deploy window is {out}"));
    }
    for (i, e) in run.events.iter().enumerate() {
        let n = i + 1;
        let ok = time(e.at_ms)
            && match &e.action {
                super::Action::PassNoReturn {
                    no_return_ms,
                    finish_ms,
                } => time(*no_return_ms) && time(*finish_ms),
                super::Action::Assign { due_ms, .. } => due_ms.is_none_or(time),
                _ => true,
            };
        if !ok {
            return Err(format!("entry {n} has a time {out}"));
        }
        match &e.action {
            super::Action::StartWait { seconds, .. } if *seconds > MAX_WAIT_S => {
                return Err(format!("entry {n} starts a wait longer than a year"));
            }
            super::Action::SignOff { tz_offset_min, .. }
                if tz_offset_min.unsigned_abs() > MAX_TZ_OFFSET_MIN.unsigned_abs() =>
            {
                return Err(format!(
                    "entry {n} names a time zone more than a day from UTC"
                ));
            }
            super::Action::SignOff {
                proof: Some(proof), ..
            } if proof
                .get("signed_ms")
                .is_some_and(|t| !t.as_i64().is_some_and(time)) =>
            {
                return Err(format!("entry {n} is signed at a time {out}"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A run and its guide as one JSON file. The guide's secrets are masked
/// ([`crate::text::secrets::mask_text`]): the file never holds one, and
/// is the same version of the guide as the original (its hash is over the
/// masked text).
pub fn export(run: &Run, origin: &str, name: Option<String>, text: &str) -> String {
    let masked = crate::text::secrets::mask_text(text);
    let guide = ExportedGuide {
        origin: origin.to_owned(),
        name,
        text: masked.text.into_owned(),
    };
    let run = &named_by_masked_hash(run, text, &guide.text);
    let checksum = checksum(&guide, run);
    let file = Export {
        format: EXPORT_FORMAT.to_owned(),
        version: EXPORT_VERSION,
        guide,
        run: run.clone(),
        chain: super::chain::hashes(&run.events),
        checksum,
    };
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// A run recorded before guide hashes were taken over masked text names
/// its version by the hash of the text with its secrets: the exported copy
/// names it by the hash of the masked text it carries instead.
fn named_by_masked_hash(run: &Run, text: &str, masked: &str) -> Run {
    let legacy = run.current_guide_hash().to_owned();
    let hash = guide_hash(masked);
    let mut run = run.clone();
    if legacy == hash || !crate::source::matches_hash(text, &legacy) {
        return run;
    }
    let rename = |h: &mut String| {
        if *h == legacy {
            h.clone_from(&hash);
        }
    };
    rename(&mut run.guide_hash);
    for e in &mut run.events {
        if let super::Action::AdoptGuide {
            from_hash, to_hash, ..
        } = &mut e.action
        {
            rename(from_hash);
            rename(to_hash);
        }
    }
    run
}

/// Reads an exported run, refusing anything not exactly as exported.
pub fn import(file: &str) -> Result<Export, ImportError> {
    let value: serde_json::Value =
        serde_json::from_str(file).map_err(|e| ImportError::NotJson(e.to_string()))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(EXPORT_FORMAT) {
        return Err(ImportError::NotARun);
    }
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or(ImportError::NotARun)?;
    if version > u64::from(EXPORT_VERSION) {
        return Err(ImportError::FromNewerVersion(
            u32::try_from(version).unwrap_or(u32::MAX),
        ));
    }
    let run_json = value.get("run").ok_or(ImportError::NotARun)?.to_string();
    let run = Run::decode(&run_json).map_err(|e| ImportError::Run(e.to_string()))?;
    in_range(&run).map_err(ImportError::Run)?;
    let guide: ExportedGuide = value
        .get("guide")
        .cloned()
        .and_then(|g| serde_json::from_value(g).ok())
        .ok_or(ImportError::NotARun)?;
    let stated = value
        .get("checksum")
        .and_then(|c| c.as_str())
        .ok_or(ImportError::NotARun)?;
    let chain: Vec<String> = value
        .get("chain")
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default();
    // The chain says which entry was changed; the checksum catches the rest
    // (and is all that files exported before the chain existed carry).
    let verified = if chain.is_empty() {
        Ok(())
    } else {
        super::chain::verify(&run.events, &chain)
    };
    if let Err(index) = verified {
        let entry = run.events.get(index).map_or_else(
            || "missing".to_owned(),
            |e| {
                let at = super::format_ms(e.at_ms.saturating_sub(run.started_ms));
                format!("{at} by {}", e.by)
            },
        );
        return Err(ImportError::Tampered { index, entry });
    }
    if checksum(&guide, &run) != stated {
        return Err(ImportError::ChecksumMismatch);
    }
    if guide.text.len() > crate::MAX_GUIDE_BYTES {
        return Err(ImportError::GuideTooLarge(guide.text.len()));
    }
    if !crate::source::matches_hash(&guide.text, run.current_guide_hash()) {
        return Err(ImportError::GuideMismatch);
    }
    let model = Guide::parse(&guide.text);
    let plan = run.plan(&model);
    // Steps of an earlier version of the guide, before it was adopted,
    // need not be in this one.
    let since = run
        .events
        .iter()
        .rposition(|e| matches!(e.action, super::Action::AdoptGuide { .. }))
        .map_or(0, |i| i + 1);
    let unknown: Vec<String> = run.events[since..]
        .iter()
        .filter_map(|e| match &e.action {
            super::Action::Check { step, .. }
            | super::Action::Uncheck { step }
            | super::Action::Skip { step, .. } => Some(step),
            _ => None,
        })
        .filter(|id| plan.step(id).is_none())
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(ImportError::UnknownSteps(unknown));
    }
    Ok(Export {
        format: EXPORT_FORMAT.to_owned(),
        version: EXPORT_VERSION,
        guide,
        run,
        chain,
        checksum: stated.to_owned(),
    })
}

/// The largest share link, in characters of its fragment. A longer
/// fragment is refused before it is unpacked.
pub const SHARE_MAX: usize = 48_000;

/// The most a share link may unpack to, in bytes: a guide of the largest
/// size with its text escaped in JSON, and its run. Unpacking stops there,
/// however well the link's content compresses.
pub const SHARE_UNPACKED_MAX: usize = crate::MAX_GUIDE_BYTES * 2;

/// An exported run as a URL fragment (`#view=…`): deflated, then
/// base64url. `None` when it would be too long; share the file then.
pub fn share_encode(file: &str) -> Option<String> {
    use base64::Engine;
    let packed = miniz_oxide::deflate::compress_to_vec(file.as_bytes(), 9);
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed);
    (text.len() <= SHARE_MAX).then_some(text)
}

/// The exported run a share link carries, checked like an import.
pub fn share_decode(fragment: &str) -> Result<Export, ImportError> {
    use base64::Engine;
    use miniz_oxide::inflate::TINFLStatus;
    let fragment = fragment.trim();
    if fragment.len() > SHARE_MAX {
        return Err(ImportError::LinkTooLong(fragment.chars().count()));
    }
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(fragment)
        .map_err(|_| ImportError::NotARun)?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, SHARE_UNPACKED_MAX)
        .map_err(|e| match e.status {
            TINFLStatus::HasMoreOutput => ImportError::LinkTooLarge,
            _ => ImportError::NotARun,
        })?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::NotARun)?;
    import(&text)
}

/// Bytes a set of keys and values takes in `localStorage` (UTF-16).
pub fn stored_bytes<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
    entries
        .into_iter()
        .map(|(k, v)| (k.encode_utf16().count() + v.encode_utf16().count()) * 2)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Action, Plan};
    use proptest::prelude::*;

    const EXAMPLE: &str = include_str!("../../../../public/example-guide.md");
    const V1: &str = include_str!("../../../../tests/fixtures/storage/run-v1.json");
    const T0: i64 = 1_764_000_000_000;

    fn new_run(writer: &str) -> (Guide, Plan, Run) {
        crate::test_fixtures::example_run(1, T0, writer)
    }

    fn ids(plan: &Plan) -> Vec<String> {
        plan.run_steps().map(|(_, s)| s.id.clone()).collect()
    }

    #[test]
    fn a_version_1_record_migrates_with_its_events_in_order() {
        let run = Run::decode(V1).unwrap();
        assert_eq!(run.schema, 2);
        assert_eq!(run.events.len(), 4);
        assert!(run.events.iter().all(|e| e.id.contains("-v1-")));
        let kinds: Vec<&str> = run
            .events
            .iter()
            .map(|e| match e.action {
                Action::Check { .. } => "check",
                Action::Skip { .. } => "skip",
                Action::Uncheck { .. } => "uncheck",
                Action::Note { .. } => "note",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["check", "skip", "uncheck", "note"]);
        // The same state as the run had before.
        let g = Guide::parse(EXAMPLE);
        let plan = run.plan(&g);
        let st = run.state();
        assert_eq!(run.progress(&plan, &st, None).resolved, 2);
        // Stored again, it is version 2 and reads back the same.
        assert_eq!(Run::decode(&run.encode()), Ok(run.clone()));
        assert!(run.encode().contains(r#""schema":2"#));
    }

    #[test]
    fn a_snapshot_and_its_event_keys_load_as_one_run_and_bad_keys_are_set_aside() {
        let (_, plan, mut run) = new_run("a");
        let snapshot = run.encode();
        let steps = ids(&plan);
        let mut keys = Vec::new();
        for (i, step) in steps.iter().take(3).enumerate() {
            run.record(
                &plan,
                T0 + i as i64,
                "Ana",
                Action::Check {
                    step: step.clone(),
                    overridden: None,
                },
            )
            .unwrap();
            let e = run.last_event().unwrap();
            keys.push((event_key(&run.id, &e.id), encode_event(e)));
        }
        keys.push((event_key(&run.id, "zz"), "{\"at_ms\":".into()));
        // An action this build does not know (a newer tab wrote it): left
        // alone, neither merged nor set aside.
        keys.push((
            event_key(&run.id, "new"),
            r#"{"id":"new","at_ms":9,"by":"Ana","type":"future_action"}"#.into(),
        ));
        keys.push((event_key(&run.id, "other"), keys[0].1.clone()));
        let loaded = load(&snapshot, keys.clone()).unwrap();
        assert_eq!(loaded.run.events, run.events);
        assert_eq!(loaded.folded.len(), 3);
        assert!(!loaded.folded.iter().any(|k| k.ends_with(".new")));
        let corrupt: Vec<&str> = loaded.corrupt.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(corrupt.len(), 2);
        assert!(corrupt.iter().any(|k| k.ends_with(".zz")));
        assert_eq!(run_of_key(&keys[0].0), Some(run.id.as_str()));
        assert_eq!(
            run_of_key(&Run::storage_key(&run.id)),
            Some(run.id.as_str())
        );
        assert_eq!(run_of_key("preflight.runs"), None);
    }

    #[test]
    fn an_export_imports_back_identically_and_tampering_is_refused() {
        let (_, plan, mut run) = new_run("a");
        for step in ids(&plan).iter().take(2) {
            run.record(
                &plan,
                T0 + 5,
                "Ana",
                Action::Check {
                    step: step.clone(),
                    overridden: None,
                },
            )
            .unwrap();
        }
        let file = export(&run, "example", None, EXAMPLE);
        let back = import(&file).unwrap();
        // Identical, but for the writer of this tab, which is not stored.
        run.writer.clear();
        assert_eq!(back.run, run);
        assert_eq!(back.guide.text, EXAMPLE);
        assert_eq!(export(&back.run, "example", None, &back.guide.text), file);
        // One entry of the log changed: refused, naming the entry.
        let tampered = file.replacen("\"by\": \"Ana\"", "\"by\": \"Eve\"", 2);
        assert_ne!(tampered, file);
        assert_eq!(
            import(&tampered),
            Err(ImportError::Tampered {
                index: 0,
                entry: "0:00 by Eve".into()
            })
        );
        // Anything else changed: refused by the checksum.
        let renamed = file.replacen("\"operator\": \"Ana\"", "\"operator\": \"Eve\"", 1);
        assert_eq!(import(&renamed), Err(ImportError::ChecksumMismatch));
        let edited_guide = file.replacen("Orders API v2.4", "Orders API v9.9", 1);
        assert_eq!(import(&edited_guide), Err(ImportError::ChecksumMismatch));
        // Files exported before the chain existed rely on the checksum.
        let mut old_file: serde_json::Value = serde_json::from_str(&file).unwrap();
        old_file.as_object_mut().unwrap().remove("chain");
        assert!(import(&old_file.to_string()).is_ok());
        assert!(matches!(import("{"), Err(ImportError::NotJson(_))));
        assert_eq!(import("{\"format\":\"x\"}"), Err(ImportError::NotARun));
        let newer = file.replacen("\"version\": 1", "\"version\": 7", 1);
        assert_eq!(import(&newer), Err(ImportError::FromNewerVersion(7)));
        assert!(ImportError::ChecksumMismatch
            .to_string()
            .contains("changed or damaged"));
    }

    #[test]
    fn a_share_link_carries_the_run_and_is_checked_like_a_file() {
        let (_, plan, mut run) = new_run("a");
        run.record(
            &plan,
            T0 + 5,
            "Ana",
            Action::Check {
                step: ids(&plan)[1].clone(),
                overridden: None,
            },
        )
        .unwrap();
        let file = export(&run, "example", None, EXAMPLE);
        let link = share_encode(&file).unwrap();
        assert!(
            link.len() < file.len(),
            "compressed: {} of {}",
            link.len(),
            file.len()
        );
        assert!(link
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        run.writer.clear();
        assert_eq!(share_decode(&link).unwrap().run, run);
        assert_eq!(share_decode("not-a-link"), Err(ImportError::NotARun));
        // Text that does not compress, too long for a link: share the file.
        let mut x: u64 = 1;
        let noise: String = (0..200_000)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                char::from(b'a' + (x >> 59) as u8 % 26)
            })
            .collect();
        assert_eq!(share_encode(&format!("{file}{noise}")), None);
    }

    #[test]
    fn a_share_link_too_long_or_unpacking_too_far_is_refused() {
        // Longer than any link made: refused before it is unpacked.
        let long = "A".repeat(SHARE_MAX + 1);
        assert_eq!(
            share_decode(&long),
            Err(ImportError::LinkTooLong(SHARE_MAX + 1))
        );
        assert!(share_decode(&long)
            .unwrap_err()
            .to_string()
            .contains("more than a share link can be"));
        // Short, but unpacking to more than a shared run can be.
        use base64::Engine;
        let zeros = vec![b' '; SHARE_UNPACKED_MAX + 1];
        let packed = miniz_oxide::deflate::compress_to_vec(&zeros, 10);
        let bomb = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed);
        assert!(bomb.len() <= SHARE_MAX, "{}", bomb.len());
        assert_eq!(share_decode(&bomb), Err(ImportError::LinkTooLarge));
    }

    #[test]
    fn an_export_with_an_oversized_guide_or_extreme_times_is_refused_without_panicking() {
        let (_, _, mut run) = new_run("a");
        let big = "x".repeat(crate::MAX_GUIDE_BYTES + 1);
        run.guide_hash = guide_hash(&big);
        let file = export(&run, "pasted", None, &big);
        assert_eq!(
            import(&file),
            Err(ImportError::GuideTooLarge(crate::MAX_GUIDE_BYTES + 1))
        );
        // Times beyond the years 0 to 9999, however well-formed the file.
        let (_, plan, mut run) = new_run("a");
        run.started_ms = i64::MAX;
        let file = export(&run, "example", None, EXAMPLE);
        let refused = import(&file).unwrap_err();
        assert!(matches!(refused, ImportError::Run(_)));
        assert!(refused.to_string().contains("outside the years 0 to 9999"));
        let (_, _, mut run) = new_run("a");
        let step = ids(&plan)[0].clone();
        for (action, why) in [
            (
                Action::StartWait {
                    target: step.clone(),
                    seconds: u64::MAX,
                },
                "longer than a year",
            ),
            (
                Action::Assign {
                    target: step.clone(),
                    who: "Bo".into(),
                    due_ms: Some(i64::MIN),
                },
                "outside the years",
            ),
        ] {
            run.events = vec![Event {
                id: "1-a-1".into(),
                at_ms: T0,
                by: "Ana".into(),
                action,
            }];
            let refused = import(&export(&run, "example", None, EXAMPLE)).unwrap_err();
            assert!(refused.to_string().contains(why), "{refused}");
        }
    }

    #[test]
    fn stored_bytes_count_utf16() {
        assert_eq!(stored_bytes([("ab", "c")]), 6);
        assert_eq!(stored_bytes([("k", "🚀")]), 6);
    }

    fn arb_actions(n: usize) -> impl Strategy<Value = Vec<(i64, usize, bool)>> {
        proptest::collection::vec((0i64..50, 0usize..30, any::<bool>()), 0..n)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Two tabs record at the same time; whatever order each sees the
        /// other's events in, both end with the same log and state.
        #[test]
        fn any_interleaving_of_two_tabs_merges_to_the_same_state(
            a in arb_actions(12),
            b in arb_actions(12),
            order in proptest::collection::vec(any::<bool>(), 0..24),
        ) {
            let (_, plan, base) = new_run("base");
            let steps = ids(&plan);
            let act = |run: &mut Run, (t, i, check): (i64, usize, bool)| {
                let step = steps[i % steps.len()].clone();
                let action = if check {
                    Action::Check { step, overridden: None }
                } else {
                    Action::Uncheck { step }
                };
                let _ = run.record(&plan, T0 + t, "x", action);
            };
            let mut tab_a = base.clone();
            tab_a.writer = "a".into();
            let mut tab_b = base.clone();
            tab_b.writer = "b".into();
            for x in a { act(&mut tab_a, x); }
            for x in b { act(&mut tab_b, x); }
            // Tab A receives B's events one by one in a shuffled order;
            // tab B receives A's all at once.
            let mut incoming: Vec<Event> = tab_b.events.clone();
            let mut merged_a = tab_a.clone();
            let mut k = 0;
            while !incoming.is_empty() {
                let pick = if order.get(k).copied().unwrap_or(false) { incoming.len() - 1 } else { 0 };
                merged_a.merge([incoming.remove(pick)]);
                k += 1;
            }
            let mut merged_b = tab_b.clone();
            merged_b.merge(tab_a.events.clone());
            prop_assert_eq!(&merged_a.events, &merged_b.events);
            prop_assert_eq!(merged_a.state(), merged_b.state());
            prop_assert_eq!(merged_a.events.len(), tab_a.events.len() + tab_b.events.len());
            // Merging again changes nothing.
            prop_assert_eq!(merged_a.merge(tab_b.events.clone()), 0);
        }
    }
}
