use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::guide_hash;
use crate::run::{Action, Plan};

const EXAMPLE: &str = include_str!("../../../../public/example-guide.md");
const T0: i64 = 1_764_000_000_000;

fn new_run(writer: &str) -> (Plan, Run) {
    let (_, plan, run) = crate::test_fixtures::example_run(7, T0, writer);
    (plan, run)
}

fn check(run: &mut Run, plan: &Plan, at: i64, by: &str, step: &str) -> String {
    run.record(
        plan,
        at,
        by,
        Action::Check {
            step: step.into(),
            overridden: None,
        },
    )
    .unwrap()
}

fn steps(plan: &Plan) -> Vec<String> {
    plan.run_steps().map(|(_, s)| s.id.clone()).collect()
}

#[test]
fn a_guide_hash_from_another_device_never_panics_the_first_message_id() {
    let (_, mut run) = new_run("w1");
    run.events.push(crate::run::Event {
        id: "ffff-w2-0".into(),
        at_ms: T0 + 1,
        by: "Mallory".into(),
        action: Action::AdoptGuide {
            from_hash: run.guide_hash.clone(),
            to_hash: "aéééééééé".into(),
            removed: Vec::new(),
            changed: Vec::new(),
        },
    });
    // No version of the guide: the run follows the text it had.
    assert_eq!(run.current_guide_hash(), run.guide_hash);
    let hash: String = run.guide_hash.chars().take(16).collect();
    assert!(meta_msg_id(&run).ends_with(&format!(":meta-{hash}")));
}

#[test]
fn team_names_and_relay_addresses_are_checked() {
    assert_eq!(team(" ops "), Ok("ops".into()));
    assert_eq!(team("db-team_2"), Ok("db-team_2".into()));
    for bad in ["", "Ops", "a.b", "a b", "*", ">", &"x".repeat(33)] {
        assert!(team(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        servers("ws://127.0.0.1:4223, wss://relay.example.com\nws://[::1]:4223"),
        Ok(vec![
            "ws://127.0.0.1:4223".to_owned(),
            "wss://relay.example.com".to_owned(),
            "ws://[::1]:4223".to_owned()
        ])
    );
    for bad in [
        "",
        "http://relay:4223",
        "relay:4223",
        "ws://",
        "ws://:4223",
        "ws://ops:secret@relay:4223",
        "javascript:alert(1)",
    ] {
        assert!(servers(bad).is_err(), "{bad:?}");
    }
    assert!(ShareError::Team("A".into()).to_string().contains("“A”"));
}

#[test]
fn names_keep_one_team_and_one_run_apart() {
    let n = Names::new("ops", "0b9f-44");
    assert_eq!(n.stream, "PREFLIGHT_OPS");
    assert_eq!(n.stream_subjects, vec!["preflight.ops.run.>".to_owned()]);
    assert_eq!(n.meta, "preflight.ops.run.0b9f-44.meta");
    assert_eq!(n.events, "preflight.ops.run.0b9f-44.events");
    assert_eq!(n.filter, "preflight.ops.run.0b9f-44.>");
    assert_eq!(n.bucket, "preflight_ops");
    assert_eq!(n.presence_keys, "0b9f-44.>");
    assert_eq!(n.presence_key("tab.1 *"), "0b9f-44.tab1");
    // Wildcards and separators cannot reach a subject.
    let odd = Names::new("ops", "a.b*>c");
    assert_eq!(odd.events, "preflight.ops.run.abc.events");
    assert_eq!(Names::new("ops", "..").events, "preflight.ops.run._.events");
    assert_eq!(msg_id("r", "e"), "r:e");
}

#[test]
fn the_first_message_carries_the_guide_and_settings_without_events() {
    let (plan, mut run) = new_run("a");
    let first = steps(&plan)[0].clone();
    check(&mut run, &plan, T0 + 10, "Ana", &first);
    let meta = meta_payload(&run, "example", None, EXAMPLE);
    let names = Names::new("ops", &run.id);
    let Ok(Inbound::Meta(export)) = read_message(&names, &names.meta, &meta) else {
        panic!("meta not read");
    };
    assert!(export.run.events.is_empty());
    assert_eq!(export.run.id, run.id);
    assert_eq!(export.run.window, run.window);
    assert_eq!(export.guide.text, EXAMPLE);
    // A damaged first message is refused, not half read.
    let damaged = meta.replacen("Ana", "Eve", 1);
    assert!(matches!(
        read_message(&names, &names.meta, &damaged),
        Err(MessageError::Meta(_))
    ));
}

#[test]
fn events_are_read_from_their_subject_only() {
    let (plan, mut run) = new_run("a");
    let first = steps(&plan)[0].clone();
    let id = check(&mut run, &plan, T0 + 10, "Ana", &first);
    let names = Names::new("ops", &run.id);
    let raw = crate::run::store::encode_event(&run.events[0]);
    assert_eq!(
        read_message(&names, &names.events, &raw),
        Ok(Inbound::Event(run.events[0].clone()))
    );
    assert_eq!(run.events[0].id, id);
    assert_eq!(
        read_message(&names, "preflight.ops.run.other.events", &raw),
        Err(MessageError::OtherRun)
    );
    assert!(matches!(
        read_message(&names, &names.events, "{"),
        Err(MessageError::Event(_))
    ));
    let no_id = raw.replacen(&format!("\"id\":\"{id}\""), "\"id\":\"\"", 1);
    assert!(matches!(
        read_message(&names, &names.events, &no_id),
        Err(MessageError::Event(_))
    ));
}

#[test]
fn unsent_lists_what_the_relay_has_not_acknowledged_in_order() {
    let (plan, mut run) = new_run("a");
    let s = steps(&plan);
    let a = check(&mut run, &plan, T0 + 10, "Ana", &s[0]);
    let b = check(&mut run, &plan, T0 + 20, "Ana", &s[1]);
    let c = check(&mut run, &plan, T0 + 30, "Ana", &s[2]);
    let mut acked = BTreeSet::new();
    let ids = |v: Vec<&Event>| v.into_iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(unsent(&run, &acked)),
        vec![a.clone(), b.clone(), c.clone()]
    );
    acked.insert(b);
    assert_eq!(ids(unsent(&run, &acked)), vec![a.clone(), c.clone()]);
    acked.extend([a, c]);
    assert!(unsent(&run, &acked).is_empty());
}

#[test]
fn a_link_names_run_team_and_relay_and_never_credentials() {
    let link = Link {
        run: "6f1c-aa".into(),
        team: "ops".into(),
        servers: vec![
            "ws://127.0.0.1:4223".into(),
            "wss://relay.example.com/nats".into(),
        ],
    };
    let fragment = link.encode();
    assert_eq!(
        fragment,
        "join=6f1c-aa&team=ops&relay=ws%3A%2F%2F127.0.0.1%3A4223%2Cwss%3A%2F%2Frelay.example.com%2Fnats"
    );
    assert_eq!(Link::decode(&format!("#{fragment}")), Some(Ok(link)));
    assert_eq!(Link::decode("run=abc"), None);
    assert!(matches!(
        Link::decode("join=abc&team=Ops&relay=ws%3A%2F%2Fh%3A1"),
        Some(Err(ShareError::Team(_)))
    ));
    assert!(matches!(
        Link::decode("join=abc&team=ops&relay=http%3A%2F%2Fh"),
        Some(Err(ShareError::Server(_)))
    ));
    assert!(matches!(
        Link::decode("join=a.b&team=ops&relay=ws%3A%2F%2Fh%3A1"),
        Some(Err(ShareError::Link(_)))
    ));
    assert!(matches!(
        Link::decode("join=abc&team=ops"),
        Some(Err(ShareError::Link(_)))
    ));
    assert!(matches!(
        Link::decode("join=abc&team=ops&relay=%zz"),
        Some(Err(ShareError::Link(_)))
    ));
}

#[test]
fn shared_settings_round_trip_and_refuse_other_schemas() {
    let mut s = Shared::new(vec!["ws://h:1".into()], "ops".into(), "ops".into());
    s.acked.insert("e1".into());
    let raw = s.encode();
    assert!(!raw.contains("password"));
    assert_eq!(Shared::decode(&raw), Some(s));
    assert_eq!(Shared::decode("{"), None);
    assert_eq!(
        Shared::decode(r#"{"schema":2,"servers":[],"team":"ops","user":"ops"}"#),
        None
    );
    assert_eq!(Shared::storage_key("r"), "preflight.shared.r");
}

/// The key a relay list and team are saved under, and what reads back.
fn key_of(list: &str, team: &str) -> String {
    let servers: Vec<String> = list.split(',').map(str::to_owned).collect();
    Credentials::storage_key(&servers, team)
}

#[test]
fn credentials_are_keyed_on_the_whole_relay_list_and_the_team() {
    let key = key_of("wss://a.example:443,wss://b.example", "ops");
    expect_test::expect!["preflight.relay.ops.61e1523f83cc8ba5"].assert_eq(&key);
    // The same list in another order, case or with a repeat: the same key.
    for same in [
        "wss://b.example,wss://a.example:443",
        "WSS://A.Example:443,wss://b.example/,wss://b.example",
    ] {
        assert_eq!(key_of(same, "ops"), key, "{same}");
    }
    // Another team, a foreign server added, one left out, another port or
    // path: another key.
    for other in [
        ("wss://a.example:443,wss://b.example", "qa"),
        (
            "wss://a.example:443,wss://b.example,wss://evil.example",
            "ops",
        ),
        ("wss://a.example:443", "ops"),
        ("wss://a.example:444,wss://b.example", "ops"),
        ("wss://a.example:443,wss://b.example/other", "ops"),
    ] {
        assert_ne!(key_of(other.0, other.1), key, "{other:?}");
    }
    assert!(Credentials::is_storage_key(&key));
    for old in [
        "preflight.relay.ops@ws://h:1",
        "preflight.relay.ops@wss://relay.example.com",
        "preflight.relay.",
        "preflight.relay.ops.XYZ",
    ] {
        assert!(!Credentials::is_storage_key(old), "{old}");
        assert!(Credentials::is_old_storage_key(old), "{old}");
    }
    for other in [
        "preflight.run.x",
        "preflight.shared.x",
        "preflight.relayish",
    ] {
        assert!(!Credentials::is_old_storage_key(other), "{other}");
    }
}

#[test]
fn saved_credentials_read_back_only_for_their_relay_list_and_team() {
    let servers = vec!["wss://a.example".to_owned(), "wss://b.example".to_owned()];
    let creds = Credentials {
        user: "ops".into(),
        password: "s3cret".into(),
    };
    let raw = creds.encode(&servers, "ops");
    let reordered = vec!["wss://B.example".to_owned(), "wss://a.example".to_owned()];
    assert_eq!(
        Credentials::decode(&raw, &reordered, "ops"),
        Some(creds.clone())
    );
    let wider = vec![
        "wss://a.example".to_owned(),
        "wss://b.example".to_owned(),
        "wss://evil.example".to_owned(),
    ];
    assert_eq!(Credentials::decode(&raw, &wider, "ops"), None);
    assert_eq!(Credentials::decode(&raw, &servers, "qa"), None);
    // The old form ({user, password}) is never read.
    assert_eq!(
        Credentials::decode(r#"{"user":"ops","password":"x"}"#, &servers, "ops"),
        None
    );
    assert_eq!(Credentials::decode("{", &servers, "ops"), None);
}

/// `servers(input)` as a line: the addresses kept, or the sentence.
fn check_servers(input: &str, expect: expect_test::Expect) {
    let got = match servers(input) {
        Ok(list) => format!("ok: {}", list.join(" | ")),
        Err(e) => format!("refused: {e}"),
    };
    expect.assert_eq(&got);
}

#[test]
fn ws_is_accepted_for_this_machine_only() {
    use expect_test::expect;
    check_servers(
        "wss://relay.example.com, wss://relay2.example.com:8443/nats",
        expect!["ok: wss://relay.example.com | wss://relay2.example.com:8443/nats"],
    );
    check_servers(
        "ws://localhost:4223 ws://127.0.0.1:4223\nws://127.8.9.10 ws://[::1]:4223 WS://LOCALHOST",
        expect!["ok: ws://localhost:4223 | ws://127.0.0.1:4223 | ws://127.8.9.10 | ws://[::1]:4223 | WS://LOCALHOST"],
    );
    check_servers(
        "ws://relay.example.com:4223",
        expect!["refused: “ws://relay.example.com:4223”: use wss:// — ws:// sends the password unencrypted; it is allowed only for this machine (localhost, 127.0.0.1, [::1])"],
    );
    check_servers(
        "ws://127.0.0.1:4223,ws://10.0.0.7:4223",
        expect!["refused: “ws://10.0.0.7:4223”: use wss:// — ws:// sends the password unencrypted; it is allowed only for this machine (localhost, 127.0.0.1, [::1])"],
    );
    // Hosts that only look like this machine.
    for fake in [
        "ws://localhost.evil.example",
        "ws://127.0.0.1.evil.example",
        "ws://[::2]:4223",
        "ws://128.0.0.1",
        "ws://localhost@evil.example",
    ] {
        assert!(servers(fake).is_err(), "{fake}");
    }
    check_servers(
        "http://relay:4223",
        expect!["refused: “http://relay:4223” is not a relay address: use wss://host[:port] (or ws://localhost:port on this machine)"],
    );
    check_servers(
        "wss://ops:secret@relay.example.com",
        expect!["refused: “wss://ops:secret@relay.example.com” is not a relay address: use wss://host[:port] (or ws://localhost:port on this machine)"],
    );
}

/// `limit_refusal(error)` as a line: the limit and the app's sentence, or
/// "not a limit".
fn check_limit(error: &str, expect: expect_test::Expect) {
    let got = match limit_refusal(error) {
        Some(r) => format!("{:?}: {r}", r.limit),
        None => "not a limit".to_owned(),
    };
    expect.assert_eq(&got);
}

#[test]
fn a_publish_refused_for_a_limit_is_named_and_anything_else_is_not() {
    use expect_test::expect;
    check_limit(
        "maximum bytes exceeded",
        expect!["StreamBytes: The relay refused this run's changes: the team's storage on the relay is full (maximum bytes exceeded). They are kept on this device; ask the relay's operator to raise the limit or remove old runs."],
    );
    check_limit(
        "maximum messages exceeded",
        expect!["StreamMessages: The relay refused this run's changes: the team's stream on the relay holds as many messages as it may (maximum messages exceeded). They are kept on this device; ask the relay's operator to raise the limit or remove old runs."],
    );
    check_limit(
        "message size exceeds maximum allowed",
        expect!["MessageSize: The relay refused this run's changes: a change is larger than the relay accepts in one message (message size exceeds maximum allowed). They are kept on this device; ask the relay's operator to raise the limit or remove old runs."],
    );
    check_limit(
        "'payload' max_payload size exceeded",
        expect!["Payload: The relay refused this run's changes: a change is larger than the relay accepts in one message ('payload' max_payload size exceeded). They are kept on this device; ask the relay's operator to raise the limit or remove old runs."],
    );
    check_limit(
        "Maximum Payload Exceeded.",
        expect!["Payload: The relay refused this run's changes: a change is larger than the relay accepts in one message (Maximum Payload Exceeded). They are kept on this device; ask the relay's operator to raise the limit or remove old runs."],
    );
    check_limit(
        "insufficient resources",
        expect!["Resources: The relay refused this run's changes: the relay has no storage left for the team (insufficient resources). They are kept on this device; ask the relay's operator to raise the limit or remove old runs."],
    );
    check_limit(
        "insufficient storage resources available",
        expect!["Resources: The relay refused this run's changes: the relay has no storage left for the team (insufficient storage resources available). They are kept on this device; ask the relay's operator to raise the limit or remove old runs."],
    );
    check_limit(
        "maximum number of streams reached",
        expect!["Streams: The relay refused this run's changes: the team has as many streams or readers on the relay as it may (maximum number of streams reached). They are kept on this device; ask the relay's operator to raise the limit or remove old runs."],
    );
    for transient in [
        "TIMEOUT",
        "the relay did not answer in time",
        "the relay could not be reached",
        "connection closed",
        "",
    ] {
        check_limit(transient, expect!["not a limit"]);
    }
    assert!(RelayLimit::MessageSize.per_message() && RelayLimit::Payload.per_message());
    assert!(!RelayLimit::StreamBytes.per_message() && !RelayLimit::Resources.per_message());
    let delays: Vec<u64> = (0..9).map(limit_retry_ms).collect();
    assert_eq!(
        delays,
        [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]
    );
}

#[test]
fn peers_leave_out_this_device_and_stale_entries() {
    let p = |device: &str, name: &str, seen_ms: i64| Presence {
        device: device.into(),
        name: name.into(),
        at: None,
        seen_ms,
    };
    let all = [
        p("me", "Ana", T0),
        p("d2", "Ben", T0 - 1_000),
        p("d3", "Cy", T0 - 3 * PRESENCE_TTL_MS),
        p("d4", "Al", T0),
    ];
    let names: Vec<&str> = peers(all.iter(), "me", T0)
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, vec!["Al", "Ben"]);
    let raw = all[1].encode();
    assert_eq!(Presence::decode(&raw), Some(all[1].clone()));
    assert_eq!(Presence::decode("nope"), None);
}

#[test]
fn refused_credentials_are_final_and_other_failures_are_retried_with_backoff() {
    assert!(refusal_is_final(
        "the relay refused these credentials (wrong user or password)"
    ));
    assert!(refusal_is_final(
        "the relay does not allow this team for these credentials"
    ));
    assert!(!refusal_is_final("the relay could not be reached"));
    assert!(!refusal_is_final("the relay did not answer in time"));
    let delays: Vec<u64> = (0..8).map(retry_delay_ms).collect();
    assert_eq!(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
}

#[test]
fn the_badge_counts_unsent_changes() {
    assert_eq!(Connection::Connected.label(0), "Live");
    assert_eq!(Connection::Offline.label(3), "Offline · 3 unsent changes");
    assert_eq!(
        Connection::Reconnecting.label(1),
        "Reconnecting… · 1 unsent change"
    );
    assert_eq!(
        Connection::Failed("the relay refused these credentials".into()).label(0),
        "Not shared: the relay refused these credentials"
    );
}

proptest! {
    /// Two devices check steps while apart, then each receives the other's
    /// events through the relay in any order, some twice: both end with the
    /// same log, with every event once.
    #[test]
    fn devices_converge_whatever_the_delivery_order(
        a_steps in proptest::collection::vec(0usize..40, 0..12),
        b_steps in proptest::collection::vec(0usize..40, 0..12),
        order in proptest::collection::vec(any::<u32>(), 0..48),
        dupes in proptest::collection::vec(any::<bool>(), 0..24),
    ) {
        let (plan, base) = new_run("");
        let s = steps(&plan);
        let mut a = base.clone();
        a.writer = "aaaa".into();
        let mut b = base.clone();
        b.writer = "bbbb".into();
        for (i, k) in a_steps.iter().enumerate() {
            let _ = a.record(&plan, T0 + 100 * i as i64, "Ana", Action::Check { step: s[k % s.len()].clone(), overridden: None });
        }
        for (i, k) in b_steps.iter().enumerate() {
            let _ = b.record(&plan, T0 + 100 * i as i64 + 50, "Ben", Action::Uncheck { step: s[k % s.len()].clone() })
                .or_else(|_| b.record(&plan, T0 + 100 * i as i64 + 50, "Ben", Action::Check { step: s[k % s.len()].clone(), overridden: None }));
        }
        let names = Names::new("ops", &base.id);
        let wire = |run: &Run| -> Vec<String> {
            run.events.iter().map(crate::run::store::encode_event).collect()
        };
        let mut to_a = wire(&b);
        let mut to_b = wire(&a);
        // Any order, some delivered twice (a retried publish the relay
        // had already stored is de-duplicated by id, but a device may
        // still see an event twice across a reconnect).
        for (i, d) in dupes.iter().enumerate() {
            if *d && i < to_a.len() { let x = to_a[i].clone(); to_a.push(x); }
            if *d && i < to_b.len() { let x = to_b[i].clone(); to_b.push(x); }
        }
        for (i, o) in order.iter().enumerate() {
            if !to_a.is_empty() { let n = to_a.len(); to_a.swap(i % n, *o as usize % n); }
            if !to_b.is_empty() { let n = to_b.len(); to_b.swap(i % n, *o as usize % n); }
        }
        let events_of = |msgs: Vec<String>| -> Vec<Event> {
            msgs.iter().map(|m| match read_message(&names, &names.events, m) {
                Ok(Inbound::Event(e)) => e,
                other => panic!("{other:?}"),
            }).collect()
        };
        let (na, nb) = (a.events.len(), b.events.len());
        a.merge(events_of(to_a));
        b.merge(events_of(to_b));
        prop_assert_eq!(&a.events, &b.events);
        prop_assert_eq!(a.events.len(), na + nb);
        prop_assert_eq!(a.state(), b.state());
        let ids: BTreeSet<&str> = a.events.iter().map(|e| e.id.as_str()).collect();
        prop_assert_eq!(ids.len(), a.events.len());
    }
}

#[test]
fn after_an_adopted_guide_version_the_first_message_carries_the_new_text() {
    let (plan, mut run) = new_run("a");
    let first = steps(&plan)[0].clone();
    check(&mut run, &plan, T0 + 10, "Ana", &first);
    let v2 = EXAMPLE.replace("Orders API v2.4", "Orders API v2.5");
    let before = meta_msg_id(&run);
    run.record(
        &plan,
        T0 + 20,
        "Ana",
        crate::run::Action::AdoptGuide {
            from_hash: guide_hash(EXAMPLE),
            to_hash: guide_hash(&v2),
            removed: vec![],
            changed: vec![],
        },
    )
    .unwrap();
    // Another id, so the relay does not drop it as a copy of the first.
    assert_ne!(meta_msg_id(&run), before);
    let meta = meta_payload(&run, "pasted", None, &v2);
    let names = Names::new("ops", &run.id);
    let Ok(Inbound::Meta(export)) = read_message(&names, &names.meta, &meta) else {
        panic!("meta of an adopted run not read");
    };
    assert_eq!(export.guide.text, v2);
    assert_eq!(export.run.current_guide_hash(), guide_hash(&v2));
    assert_eq!(
        export.run.events.len(),
        1,
        "only the adoption travels with it"
    );
}
