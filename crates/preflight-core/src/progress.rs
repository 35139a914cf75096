//! Which tasks of a guide are checked: the record kept in browser storage.
//!
//! The record is a versioned DTO, separate from any live state, so the
//! stored format is a deliberate compatibility boundary. It stores only the
//! tasks a person touched; every other task shows the state written in the
//! guide (`- [x]` stays checked).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The schema version written by this build.
pub const PROGRESS_SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub schema: u32,
    /// [`crate::guide_hash`] of the guide this progress belongs to.
    pub guide: String,
    /// Task id → checked, for tasks whose state was changed in the app.
    pub tasks: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressError {
    /// Not JSON, or not the shape of a progress record.
    Corrupt(String),
    /// Written by a newer Preflight; left untouched.
    FromNewerVersion(u32),
    /// A valid record, but for another guide.
    OtherGuide,
}

impl fmt::Display for ProgressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgressError::Corrupt(why) => write!(f, "saved progress is damaged ({why})"),
            ProgressError::FromNewerVersion(v) => write!(
                f,
                "saved progress was written by a newer Preflight (format {v}); update Preflight to use it"
            ),
            ProgressError::OtherGuide => write!(f, "saved progress belongs to another guide"),
        }
    }
}

impl std::error::Error for ProgressError {}

/// Reads a stored record's JSON and schema version, refusing a version
/// newer than `newest` (it is left for a newer Preflight to read).
pub fn versioned(stored: &str, newest: u32) -> Result<(serde_json::Value, u32), ProgressError> {
    let value: serde_json::Value =
        serde_json::from_str(stored).map_err(|e| ProgressError::Corrupt(e.to_string()))?;
    let schema = value
        .get("schema")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| ProgressError::Corrupt("no schema version".into()))?;
    let schema = u32::try_from(schema).unwrap_or(u32::MAX);
    if schema > newest {
        return Err(ProgressError::FromNewerVersion(schema));
    }
    Ok((value, schema))
}

impl Progress {
    pub fn new(guide_hash: &str) -> Self {
        Progress {
            schema: PROGRESS_SCHEMA,
            guide: guide_hash.to_owned(),
            tasks: BTreeMap::new(),
        }
    }

    /// The storage key for a guide's progress.
    pub fn storage_key(guide_hash: &str) -> String {
        let short = guide_hash.get(..16).unwrap_or(guide_hash);
        format!("preflight.progress.{short}")
    }

    /// Whether task `id` is checked, given its state in the guide.
    pub fn is_checked(&self, id: &str, in_guide: bool) -> bool {
        self.tasks.get(id).copied().unwrap_or(in_guide)
    }

    /// Records a change. Setting a task back to its state in the guide
    /// forgets it, so the record stays as small as the changes made.
    pub fn set(&mut self, id: &str, checked: bool, in_guide: bool) {
        if checked == in_guide {
            self.tasks.remove(id);
        } else {
            self.tasks.insert(id.to_owned(), checked);
        }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes a stored record for the guide with hash `guide_hash`.
    pub fn decode(stored: &str, guide_hash: &str) -> Result<Progress, ProgressError> {
        let (value, _) = versioned(stored, PROGRESS_SCHEMA)?;
        let progress: Progress =
            serde_json::from_value(value).map_err(|e| ProgressError::Corrupt(e.to_string()))?;
        if progress.guide != guide_hash {
            return Err(ProgressError::OtherGuide);
        }
        Ok(progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut p = Progress::new("abc");
        p.set("t1-0", true, false);
        p.set("t2-0", false, true);
        assert_eq!(Progress::decode(&p.encode(), "abc"), Ok(p.clone()));
        assert_eq!(
            p.encode(),
            r#"{"schema":1,"guide":"abc","tasks":{"t1-0":true,"t2-0":false}}"#
        );
    }

    #[test]
    fn guide_state_is_the_default_and_reverting_forgets() {
        let mut p = Progress::new("h");
        assert!(p.is_checked("pre", true));
        assert!(!p.is_checked("open", false));
        p.set("open", true, false);
        assert!(p.is_checked("open", false));
        p.set("open", false, false);
        assert!(p.tasks.is_empty());
    }

    #[test]
    fn rejects_damage_newer_versions_and_other_guides() {
        assert!(matches!(
            Progress::decode("{\"schema\":1,\"guide\":\"h\",\"tas", "h"),
            Err(ProgressError::Corrupt(_))
        ));
        assert!(matches!(
            Progress::decode("[]", "h"),
            Err(ProgressError::Corrupt(_))
        ));
        assert!(matches!(
            Progress::decode(r#"{"schema":1,"guide":"h","tasks":{"a":"yes"}}"#, "h"),
            Err(ProgressError::Corrupt(_))
        ));
        assert_eq!(
            Progress::decode(r#"{"schema":7,"guide":"h","anything":1}"#, "h"),
            Err(ProgressError::FromNewerVersion(7))
        );
        assert_eq!(
            Progress::decode(&Progress::new("other").encode(), "h"),
            Err(ProgressError::OtherGuide)
        );
    }

    #[test]
    fn storage_key_uses_hash_prefix() {
        assert_eq!(
            Progress::storage_key("0123456789abcdef0123"),
            "preflight.progress.0123456789abcdef"
        );
        assert_eq!(Progress::storage_key("ab"), "preflight.progress.ab");
    }
}

/// The guide a person opened from a file or a paste, kept so that a reload
/// shows the same guide (guides from a URL are fetched again instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastGuide {
    pub schema: u32,
    /// `"file"` or `"pasted"`.
    pub origin: String,
    /// The file name, for guides opened from a file.
    pub name: Option<String>,
    pub text: String,
}

impl LastGuide {
    pub const STORAGE_KEY: &'static str = "preflight.lastGuide";

    pub fn new(origin: &str, name: Option<String>, text: String) -> Self {
        LastGuide {
            schema: PROGRESS_SCHEMA,
            origin: origin.to_owned(),
            name,
            text,
        }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `None` for anything damaged or from a newer version: the caller then
    /// opens the built-in example, and the stored value is left in place.
    pub fn decode(stored: &str) -> Option<LastGuide> {
        serde_json::from_str::<LastGuide>(stored)
            .ok()
            .filter(|g| g.schema <= PROGRESS_SCHEMA)
    }
}

#[cfg(test)]
mod last_guide_tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let g = LastGuide::new("file", Some("deploy.md".into()), "# Deploy\n".into());
        assert_eq!(LastGuide::decode(&g.encode()), Some(g));
        assert_eq!(LastGuide::decode("{\"schema\":1"), None);
        assert_eq!(
            LastGuide::decode(r#"{"schema":9,"origin":"file","name":null,"text":"x"}"#),
            None
        );
    }
}

impl LastGuide {
    /// Where the text of a guide that runs follow is kept, by its hash, so
    /// that a run reopens with exactly the text it was started on.
    pub fn storage_key_for(guide_hash: &str) -> String {
        let short = guide_hash.get(..16).unwrap_or(guide_hash);
        format!("preflight.guide.{short}")
    }
}

/// How many guides the start page remembers.
pub const RECENT_GUIDES: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentGuide {
    pub hash: String,
    pub title: String,
    /// Where it came from: a URL, a file name, "pasted", "example".
    pub origin: String,
    pub opened_ms: i64,
}

/// Guides opened recently, most recent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RecentGuides {
    pub schema: u32,
    pub guides: Vec<RecentGuide>,
}

impl RecentGuides {
    pub const STORAGE_KEY: &'static str = "preflight.guides";

    /// Moves `guide` to the front, keeping at most [`RECENT_GUIDES`].
    pub fn touch(&mut self, guide: RecentGuide) {
        self.schema = PROGRESS_SCHEMA;
        self.guides.retain(|g| g.hash != guide.hash);
        self.guides.insert(0, guide);
        self.guides.truncate(RECENT_GUIDES);
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(stored: &str) -> Option<RecentGuides> {
        serde_json::from_str::<RecentGuides>(stored)
            .ok()
            .filter(|g| g.schema <= PROGRESS_SCHEMA)
    }
}

#[cfg(test)]
mod recent_tests {
    use super::*;

    #[test]
    fn most_recent_first_without_repeats_and_bounded() {
        let mut r = RecentGuides::default();
        for i in 0..12 {
            r.touch(RecentGuide {
                hash: format!("h{}", i % 11),
                title: format!("G{i}"),
                origin: "pasted".into(),
                opened_ms: i,
            });
        }
        assert_eq!(r.guides.len(), RECENT_GUIDES);
        assert_eq!(r.guides[0].title, "G11");
        assert_eq!(r.guides[0].hash, "h0");
        assert_eq!(r.guides.iter().filter(|g| g.hash == "h0").count(), 1);
        assert_eq!(RecentGuides::decode(&r.encode()), Some(r));
        assert_eq!(
            LastGuide::storage_key_for("0123456789abcdef99"),
            "preflight.guide.0123456789abcdef"
        );
    }
}
