//! Every decoder of the core's public API, fed hostile input: arbitrary
//! bytes and strings, and valid encodings with bytes flipped, inserted or
//! deleted. None may panic, and a decoder that returns an error says what
//! is wrong.
//!
//! Each property runs `CASES` = 256 cases (`ProptestConfig { cases: 256, .. }`),
//! which keeps the whole file at about five seconds in a debug build.

use preflight_core::run::{assign, decide, store, Event, Meaning};
use preflight_core::share::{self, Link, Names, Presence, Shared};
use preflight_core::text::{duration, threshold};
use preflight_core::webhook::{self, Config, Format, Kind, Outbox, Status};
use preflight_core::{
    guide_hash, Action, Guide, LastGuide, Progress, RecentGuide, RecentGuides, Run, RunIndex,
};
use proptest::prelude::*;
use std::fmt::Display;
use std::sync::OnceLock;

const CASES: u32 = 256;
const EXAMPLE: &str = include_str!("../../../public/example-guide.md");
const T0: i64 = 1_764_000_000_000;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// An error must say something.
fn said<T, E: Display>(result: &Result<T, E>) -> bool {
    result
        .as_ref()
        .err()
        .is_none_or(|e| !e.to_string().is_empty())
}

/// Valid encodings of everything the core reads back, made once.
struct Samples {
    run: String,
    index: String,
    export: String,
    link: String,
    progress: String,
    outbox: String,
    event: String,
    meta: String,
    join: String,
    presence: String,
    shared: String,
    last_guide: String,
    recent: String,
    names: Names,
}

fn example_run() -> (Guide, Run) {
    let guide = Guide::parse(EXAMPLE);
    let mut run = Run::new(
        [7; 16],
        &guide,
        &guide_hash(EXAMPLE),
        "Ana",
        Default::default(),
        T0,
        Run::default_window(&guide, T0),
    );
    run.writer = "a".into();
    let plan = run.plan(&guide);
    let steps: Vec<String> = plan.run_steps().map(|(_, s)| s.id.clone()).collect();
    for (i, step) in steps.iter().take(3).enumerate() {
        let action = Action::Check {
            step: step.clone(),
            overridden: None,
        };
        run.record(&plan, T0 + 1_000 * i as i64, "Ana", action)
            .expect("a step of the plan can be checked");
    }
    (guide, run)
}

fn samples() -> &'static Samples {
    static SAMPLES: OnceLock<Samples> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let (guide, run) = example_run();
        let mut index = RunIndex::default();
        index.upsert(&run, &guide);
        let export = store::export(&run, "example", None, EXAMPLE);
        let link = store::share_encode(&export).expect("the example fits a link");
        let mut progress = Progress::new(&guide_hash(EXAMPLE));
        progress.set("t1-0", true, false);
        let mut outbox = Outbox::default();
        outbox.push(&webhook_config(), &status());
        let mut recent = RecentGuides::default();
        recent.touch(RecentGuide {
            hash: guide_hash(EXAMPLE),
            title: "Orders API".into(),
            origin: "example".into(),
            opened_ms: T0,
        });
        let names = Names::new("release", &run.id);
        let samples = Samples {
            run: run.encode(),
            index: index.encode(),
            link,
            progress: progress.encode(),
            outbox: outbox.encode(),
            event: serde_json::to_string(run.last_event().expect("an event")).unwrap(),
            meta: share::meta_payload(&run, "example", None, EXAMPLE),
            join: Link {
                run: run.id.clone(),
                team: "release".into(),
                servers: vec!["wss://relay.example.com".into()],
            }
            .encode(),
            presence: Presence {
                device: "d1".into(),
                name: "Ana".into(),
                at: Some("Deploy".into()),
                seen_ms: T0,
            }
            .encode(),
            shared: Shared::new(
                vec!["wss://relay.example.com".into()],
                "release".into(),
                "ana".into(),
            )
            .encode(),
            last_guide: LastGuide::new("pasted", None, EXAMPLE.into()).encode(),
            recent: recent.encode(),
            names,
            export,
        };
        // The samples are valid: mutating them tests what they should.
        assert!(Run::decode(&samples.run).is_ok());
        assert!(RunIndex::decode(&samples.index).is_ok());
        assert!(store::import(&samples.export).is_ok());
        assert!(store::share_decode(&samples.link).is_ok());
        assert!(Progress::decode(&samples.progress, &guide_hash(EXAMPLE)).is_ok());
        assert!(Outbox::decode(&samples.outbox).is_some_and(|o| o.items.len() == 1));
        assert!(share::read_message(&samples.names, &samples.names.events, &samples.event).is_ok());
        assert!(share::read_message(&samples.names, &samples.names.meta, &samples.meta).is_ok());
        assert!(matches!(Link::decode(&samples.join), Some(Ok(_))));
        assert!(Presence::decode(&samples.presence).is_some());
        assert!(Shared::decode(&samples.shared).is_some());
        assert!(LastGuide::decode(&samples.last_guide).is_some());
        assert!(RecentGuides::decode(&samples.recent).is_some());
        samples
    })
}

fn webhook_config() -> Config {
    Config {
        schema: 1,
        url: "https://hooks.example.com/services/T0/B0/secret1234".into(),
        format: Format::Json,
        kinds: Kind::CHOOSABLE.to_vec(),
        headers: vec![("X-Team".into(), "release".into())],
    }
}

fn status() -> Status {
    Status {
        key: "7f1c2a9e-0000-4000-8000-000000000001".into(),
        kind: Kind::RunStarted,
        guide_title: "Orders API v2.4".into(),
        run_id: "r1".into(),
        phase: None,
        detail: None,
        done: 0,
        skipped: 0,
        total: 24,
        who: "Ana".into(),
        elapsed_ms: 0,
        window_ms: 60 * 60_000,
        outcome: None,
        link: "https://preflight.example/#run=r1".into(),
        at_ms: T0,
        log_head: "ab".repeat(32),
    }
}

/// One change to a byte string: flip bits of a byte, insert a byte, or
/// delete one. Positions wrap around the length.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| Edit::Flip(at, mask)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Delete),
    ];
    proptest::collection::vec(edit, 1..8)
}

fn mutate(valid: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = valid.to_vec();
    for edit in edits {
        match *edit {
            Edit::Flip(at, mask) if !out.is_empty() => {
                let at = at % out.len();
                out[at] ^= mask;
            }
            Edit::Insert(at, b) => {
                let at = at % (out.len() + 1);
                out.insert(at, b);
            }
            Edit::Delete(at) if !out.is_empty() => {
                out.remove(at % out.len());
            }
            _ => {}
        }
    }
    out
}

/// A mutated sample as text (invalid UTF-8 replaced, as a browser does).
fn mutated(valid: &str, edits: &[Edit]) -> String {
    String::from_utf8_lossy(&mutate(valid.as_bytes(), edits)).into_owned()
}

/// Bytes that look a little like JSON, so decoders get past the first
/// character more often than with uniform noise.
fn jsonish() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[\[\]{}":,0-9eE.+\- a-z\\u]{0,200}"#).unwrap()
}

/// Feeds `text` to every string decoder.
fn every_string_decoder(text: &str) {
    let s = samples();
    let hash = guide_hash(EXAMPLE);
    assert!(said(&preflight_core::decode(text.as_bytes())));
    assert!(said(&Run::decode(text)));
    assert!(said(&RunIndex::decode(text)));
    assert!(said(&store::import(text)));
    assert!(said(&store::share_decode(text)));
    assert!(said(&store::load(text, vec![("k".into(), text.into())])));
    if let Ok(run) = Run::decode(&s.run) {
        let key = store::event_key(&run.id, "x");
        assert!(said(&store::load(&s.run, vec![(key, text.into())])));
    }
    assert!(said(&Progress::decode(text, &hash)));
    assert!(said(&share::read_message(&s.names, &s.names.events, text)));
    assert!(said(&share::read_message(&s.names, &s.names.meta, text)));
    assert!(said(&share::read_message(&s.names, text, text)));
    let _ = Outbox::decode(text);
    let _ = LastGuide::decode(text);
    let _ = RecentGuides::decode(text);
    let _ = Shared::decode(text);
    let _ = Presence::decode(text);
    if let Some(link) = Link::decode(text) {
        assert!(said(&link));
    }
    assert!(said(&share::team(text)));
    assert!(said(&share::servers(text)));
    assert!(said(&webhook::validate_url(text)));
    let _ = webhook::mask_url(text);
    for now in [i64::MIN, 0, T0, i64::MAX] {
        let _ = webhook::classify(Some(503), Some(text), now);
        let _ = webhook::parse_retry_after(text, now);
    }
    let _ = store::run_of_key(text);
    let _ = preflight_core::safe_href(text);
    let _ = duration::parse(text);
    let _ = duration::wait(text);
    let _ = threshold::parse(text);
    for (started, tz) in [(T0, 0), (i64::MIN, i32::MIN), (i64::MAX, i32::MAX)] {
        let _ = assign::parse_due(text, started, tz);
    }
    assert!(said(&preflight_core::run::parse_observed(text, None)));
    assert!(said(&preflight_core::run::parse_observed(text, Some("ms"))));
    let _ = decide::parse_explicit(text, 0);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_strings_are_refused_or_read_without_panicking(text in any::<String>()) {
        every_string_decoder(&text);
    }

    #[test]
    fn json_like_noise_is_refused_or_read_without_panicking(text in jsonish()) {
        every_string_decoder(&text);
    }

    #[test]
    fn arbitrary_bytes_as_a_source_are_refused_with_a_reason(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let decoded = preflight_core::decode(&bytes);
        prop_assert!(said(&decoded));
        if let Ok(text) = decoded {
            let _ = Guide::parse(&text);
        }
    }

    #[test]
    fn arbitrary_guide_text_parses_without_panicking(
        text in "(?s).{0,1024}",
        markdown in proptest::string::string_regex(
            "([#>*+`~|:\\- \n\t0-9.()\\[\\]!_a-zA-Z]|yes: |no: |```decision\n){0,600}"
        ).unwrap(),
    ) {
        prop_assume!(text.len() <= 4096 && markdown.len() <= 4096);
        let _ = Guide::parse(&text);
        let _ = Guide::parse(&markdown);
        let _ = preflight_core::parse(&markdown);
        let _ = decide::parse_explicit(&markdown, 0);
    }

    #[test]
    fn a_mutated_guide_parses_without_panicking(edits in edits()) {
        let _ = Guide::parse(&mutated(EXAMPLE, &edits));
    }

    #[test]
    fn mutated_stored_records_are_refused_or_read_without_panicking(edits in edits()) {
        let s = samples();
        let hash = guide_hash(EXAMPLE);
        prop_assert!(said(&Run::decode(&mutated(&s.run, &edits))));
        prop_assert!(said(&RunIndex::decode(&mutated(&s.index, &edits))));
        prop_assert!(said(&Progress::decode(&mutated(&s.progress, &edits), &hash)));
        prop_assert!(said(&store::load(
            &mutated(&s.run, &edits),
            vec![("preflight.ev.x.y".into(), mutated(&s.event, &edits))],
        )));
        let _ = Outbox::decode(&mutated(&s.outbox, &edits));
        let _ = LastGuide::decode(&mutated(&s.last_guide, &edits));
        let _ = RecentGuides::decode(&mutated(&s.recent, &edits));
        let _ = Shared::decode(&mutated(&s.shared, &edits));
        let _ = Presence::decode(&mutated(&s.presence, &edits));
        if let Some(link) = Link::decode(&mutated(&s.join, &edits)) {
            prop_assert!(said(&link));
        }
    }

    #[test]
    fn mutated_exports_and_messages_are_refused_or_read_without_panicking(edits in edits()) {
        let s = samples();
        prop_assert!(said(&store::import(&mutated(&s.export, &edits))));
        let (events, meta) = (&s.names.events, &s.names.meta);
        prop_assert!(said(&share::read_message(&s.names, events, &mutated(&s.event, &edits))));
        prop_assert!(said(&share::read_message(&s.names, meta, &mutated(&s.meta, &edits))));
    }

    #[test]
    fn mutated_share_links_are_refused_or_read_without_panicking(edits in edits()) {
        use base64::Engine;
        let s = samples();
        // The link's characters.
        prop_assert!(said(&store::share_decode(&mutated(&s.link, &edits))));
        // The packed bytes inside it: a damaged deflate stream.
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let packed = b64.decode(&s.link).unwrap();
        let relinked = b64.encode(mutate(&packed, &edits));
        prop_assert!(said(&store::share_decode(&relinked)));
        // The file inside it, packed again.
        if let Some(link) = store::share_encode(&mutated(&s.export, &edits)) {
            prop_assert!(said(&store::share_decode(&link)));
        }
    }

    #[test]
    fn mutated_outboxes_settle_without_panicking(
        edits in edits(),
        now in any::<i64>(),
        status in proptest::option::of(any::<u16>()),
        retry_after in proptest::option::of(any::<String>()),
    ) {
        let s = samples();
        if let Some(mut outbox) = Outbox::decode(&mutated(&s.outbox, &edits)) {
            let keys: Vec<String> = outbox.items.iter().map(|i| i.key.clone()).collect();
            outbox.wake(now);
            let _ = outbox.due(now);
            for key in &keys {
                outbox.claim(key, "tab", now, 30_000);
                let outcome = webhook::classify(status, retry_after.as_deref(), now);
                outbox.settle(key, outcome, now, 0.5);
                outbox.retry(key, now);
            }
            prop_assert!(Outbox::decode(&outbox.encode()).is_some());
        }
    }

    #[test]
    fn any_retry_after_is_clamped(
        header in prop_oneof![
            any::<String>(),
            any::<i128>().prop_map(|n| n.to_string()),
            "[0-9]{15,40}",
            "-[0-9]{15,40}",
            (0..7usize, any::<i64>(), 0..12usize, any::<i64>(), any::<i64>(), any::<i64>(), any::<i64>())
                .prop_map(|(wd, d, m, y, h, mi, s)| {
                    let wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][wd];
                    let m = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                             "Oct", "Nov", "Dec"][m];
                    format!("{wd}, {d} {m} {y} {h}:{mi}:{s} GMT")
                }),
            (1..=31i64, 0..12usize, 0..=9999i64, 0..24i64, 0..60i64, 0..=60i64)
                .prop_map(|(d, m, y, h, mi, s)| {
                    let m = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                             "Oct", "Nov", "Dec"][m];
                    format!("Sun, {d:02} {m} {y} {h:02}:{mi:02}:{s:02} GMT")
                }),
        ],
        now in any::<i64>(),
        code in prop_oneof![Just(408u16), Just(429), 500..600u16],
    ) {
        let after = webhook::parse_retry_after(&header, now);
        if let Some(ms) = after {
            prop_assert!((0..=webhook::BACKOFF_CAP_MS).contains(&ms), "{} → {}", header, ms);
        }
        let retry = webhook::classify(Some(code), Some(&header), now);
        prop_assert_eq!(
            retry,
            webhook::Outcome::Retry { after_ms: after, why: format!("HTTP {code}") }
        );
    }

    /// A file whose checksum and chain are right, so that the import gets
    /// past them, with times, ids and texts anyone could write into it. A
    /// run it lets in works.
    #[test]
    fn a_well_formed_export_with_hostile_contents_imports_without_panicking(
        started in time(),
        window in (time(), time()),
        events in proptest::collection::vec(
            (time(), "(?s).{0,12}", 0..9usize, time(), any::<u64>(), any::<i32>()),
            0..6,
        ),
        now in -store::MAX_TIME_MS..=store::MAX_TIME_MS,
    ) {
        let (guide, mut run) = example_run();
        let plan = run.plan(&guide);
        let steps: Vec<String> = plan.run_steps().map(|(_, s)| s.id.clone()).collect();
        run.started_ms = started;
        run.window.start_ms = window.0;
        run.window.end_ms = window.1;
        for (i, (at, text, kind, n, secs, tz)) in events.into_iter().enumerate() {
            let step = steps.get(i % steps.len()).cloned().unwrap_or_default();
            let action = match kind {
                0 => Action::Check { step, overridden: Some(text) },
                1 => Action::StartWait { target: step, seconds: secs % (2 * store::MAX_WAIT_S) },
                2 => Action::Assign { target: step, who: text, due_ms: Some(n) },
                3 => Action::PassNoReturn { no_return_ms: n, finish_ms: at },
                4 => Action::Note { step: Some(text.clone()), text },
                5 => Action::SignOff {
                    phase: None,
                    role: text,
                    meaning: Meaning::Approved,
                    tz_offset_min: tz % (3 * store::MAX_TZ_OFFSET_MIN),
                    proof: None,
                },
                6 => Action::StartWait { target: step, seconds: secs },
                7 => Action::SetParam { param: text.clone(), value: Some(text), step: Some(step) },
                _ => Action::Skip { step, reason: text },
            };
            run.events.push(Event { id: format!("{i}-h"), at_ms: at, by: "Eve".into(), action });
        }
        run.events.sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
        let file = store::export(&run, "example", None, EXAMPLE);
        let imported = store::import(&file);
        prop_assert!(said(&imported));
        if let Ok(export) = imported {
            let run = export.run;
            let plan = run.plan(&guide);
            let state = run.state();
            let _ = run.progress(&plan, &state, None);
            let _ = run.outcome();
            let _ = run.updated_ms();
            let _ = run.window_timer(now);
            let _ = run.summary(&plan, &guide, now);
            let _ = preflight_core::run::audit::markdown(&run, &plan, EXAMPLE, 0);
        }
    }
}

/// Any time, or one in the years 0 to 9999.
fn time() -> impl Strategy<Value = i64> {
    prop_oneof![1 => any::<i64>(), 4 => -store::MAX_TIME_MS..=store::MAX_TIME_MS]
}

/// A `decision` block nested 10,000 questions deep, each one indented a
/// space more than the last, is read without overflowing the stack.
#[test]
fn a_decision_tree_nested_ten_thousand_deep_does_not_overflow_the_stack() {
    let mut guide = String::from("# Deploy\n\n```decision\nIs it?\n");
    for depth in 1..=10_000 {
        guide.push_str(&" ".repeat(depth));
        guide.push_str("yes: Is it?\n");
    }
    guide.push_str("```\n");
    let parsed = Guide::parse(&guide);
    assert!(!parsed.diagnostics.is_empty());
}
