//! Preflight's pure core.
//!
//! Everything here is plain Rust: no browser APIs, no clock, no IO. The
//! Leptos app and the `preflight` command-line tool are thin shells that feed
//! bytes and user actions in and show what comes out.
//!
//! * [`source`] turns raw bytes into guide text, or a clear error.
//! * [`markdown`] holds the one pulldown-cmark configuration everything uses.
//! * [`doc`] builds a safe, owned document tree (no raw HTML, only safe
//!   links) from guide text, with line numbers and stable task ids.
//! * [`progress`] is the versioned record of which tasks are checked.
//! * [`run`] is a run of a guide: its event log, and the state, timers and
//!   summary derived from it and a clock reading passed in.
//! * [`share`] is the protocol of live shared runs over a NATS relay:
//!   subjects, messages, the outbox of unsent events, links and presence.

pub mod doc;
pub mod guard;
pub mod guide;
pub mod markdown;
pub mod progress;
pub mod run;
pub mod share;
pub mod source;
pub mod text;
pub mod webhook;

pub use doc::{parse, safe_href, Block, Diagnostic, Document, Inline, ListItem, Severity, Task};
pub use guide::Guide;
pub use progress::{LastGuide, Progress, ProgressError, RecentGuide, RecentGuides};
pub use run::{Action, Outcome, Plan, Run, RunIndex, Window};
pub use source::{decode, guide_hash, SourceError, MAX_GUIDE_BYTES};

#[cfg(test)]
pub(crate) mod test_fixtures {
    use std::path::{Path, PathBuf};

    fn read_dir(dir: &Path) -> Vec<(String, String)> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<(String, String)> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("fixture is UTF-8");
                (p.file_name().unwrap().to_string_lossy().into_owned(), text)
            })
            .collect();
        out.sort();
        out
    }

    /// The built-in example guide.
    pub const EXAMPLE: &str = include_str!("../../../public/example-guide.md");

    /// A calm guide the end-to-end tests open: "Deployment time: 5
    /// minutes.", three steps, a rollback, follow-ups on day 1, day 2 and
    /// in week 1.
    pub const CALM: &str = include_str!("../../../tests/fixtures/e2e/calm.md");

    /// A run of the example started by Ana at `t0` (default window, id
    /// from `seed`), writing as `writer`, with its guide and plan.
    pub fn example_run(
        seed: u8,
        t0: i64,
        writer: &str,
    ) -> (crate::Guide, crate::run::Plan, crate::Run) {
        let g = crate::Guide::parse(EXAMPLE);
        let mut run = crate::Run::new(
            [seed; 16],
            &g,
            &crate::guide_hash(EXAMPLE),
            "Ana",
            Default::default(),
            t0,
            crate::Run::default_window(&g, t0),
        );
        run.writer = writer.into();
        let plan = run.plan(&g);
        (g, plan, run)
    }

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// The real guides under `tests/fixtures/guides/`, as (file name, text).
    pub fn guides() -> Vec<(String, String)> {
        let out = read_dir(&root().join("tests/fixtures/guides"));
        assert!(
            out.len() >= 3,
            "expected the shared guides in tests/fixtures/guides"
        );
        out
    }

    /// Every guide the invariants are checked on: the shared guides, the
    /// runbooks under `tests/fixtures/runbooks/`, and whatever guides sit
    /// in `../shared/guides/` beside the checkout when it is there.
    pub fn all() -> Vec<(String, String)> {
        let mut out = guides();
        out.extend(read_dir(&root().join("tests/fixtures/runbooks")));
        out.extend(read_dir(&root().join("../shared/guides")));
        out
    }

    /// [`all`], and the public runbooks in `../shared/guides/public/`.
    pub fn shared_guides() -> Vec<(String, String)> {
        let mut out = all();
        out.extend(read_dir(&root().join("../shared/guides/public")));
        out
    }
}
