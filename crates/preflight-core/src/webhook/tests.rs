use super::*;
use crate::run::{Action, Run};
use crate::Guide;
use std::collections::BTreeMap;

fn status(kind: Kind) -> Status {
    Status {
        key: "7f1c2a9e-0000-4000-8000-000000000001".into(),
        kind,
        guide_title: "Orders API v2.4".into(),
        run_id: "r1".into(),
        phase: Some("Step 5: Verify".into()),
        detail: Some("Error rate < 0.5% (fail, observed 0.8)".into()),
        done: 12,
        skipped: 0,
        total: 24,
        who: "Ana".into(),
        elapsed_ms: 25 * 60_000,
        window_ms: 60 * 60_000,
        outcome: None,
        link: "https://preflight.example/#run=r1".into(),
        at_ms: 1_764_000_000_000,
        log_head: "ab".repeat(32),
    }
}

fn config(format: Format) -> Config {
    Config {
        schema: 1,
        url: "https://hooks.example.com/services/T0/B0/secret1234".into(),
        format,
        kinds: Kind::CHOOSABLE.to_vec(),
        headers: vec![("X-Team".into(), "release".into())],
    }
}

#[test]
fn slack_and_mattermost_send_a_form_encoded_payload_without_a_preflight() {
    for format in [Format::Slack, Format::Mattermost] {
        let r = render(&config(format), &status(Kind::GateFailed));
        assert!(r.simple);
        assert_eq!(r.content_type, "application/x-www-form-urlencoded");
        assert!(r.headers.is_empty());
        let encoded = r.body.strip_prefix("payload=").unwrap();
        assert!(!encoded.contains(' ') && !encoded.contains('&'));
        let json: serde_json::Value = serde_json::from_str(&form_decode(encoded)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "text": "⛔ Gate failed in Step 5: Verify — Orders API v2.4\nDetail: Error rate < 0.5% (fail, observed 0.8) · Progress: 12 done · 0 skipped · 12 open · By: Ana · Elapsed: 25:00 of a 1:00:00 window\nhttps://preflight.example/#run=r1",
                "idempotency_key": "7f1c2a9e-0000-4000-8000-000000000001"
            })
        );
    }
}

fn form_decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn teams_gets_an_adaptive_card() {
    let r = render(&config(Format::Teams), &status(Kind::PhaseCompleted));
    assert!(r.simple);
    assert_eq!(r.content_type, "text/plain");
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "type": "message",
            "idempotency_key": "7f1c2a9e-0000-4000-8000-000000000001",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": "✅ Phase done: Step 5: Verify — Orders API v2.4", "weight": "Bolder", "wrap": true},
                        {"type": "FactSet", "facts": [
                            {"title": "Detail", "value": "Error rate < 0.5% (fail, observed 0.8)"},
                            {"title": "Progress", "value": "12 done · 0 skipped · 12 open"},
                            {"title": "By", "value": "Ana"},
                            {"title": "Elapsed", "value": "25:00 of a 1:00:00 window"}
                        ]}
                    ],
                    "actions": [{"type": "Action.OpenUrl", "title": "Open the run", "url": "https://preflight.example/#run=r1"}]
                }
            }]
        })
    );
}

#[test]
fn generic_json_carries_the_status_and_an_idempotency_header() {
    let mut s = status(Kind::RunFinished);
    s.outcome = Some("rolled back".into());
    s.phase = None;
    s.detail = None;
    let r = render(&config(Format::Json), &s);
    assert!(!r.simple);
    assert_eq!(r.content_type, "application/json");
    assert_eq!(
        r.headers,
        [
            ("Idempotency-Key".to_owned(), s.key.clone()),
            ("X-Team".to_owned(), "release".to_owned())
        ]
    );
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["idempotency_key"], s.key.as_str());
    assert_eq!(json["event"], "run_finished");
    assert_eq!(json["status"]["outcome"], "rolled back");
    assert_eq!(json["status"]["done"], 12);
    assert_eq!(json["status"]["log_head"], "ab".repeat(32));
    assert_eq!(
        json["text"],
        "🏁 Run rolled back — Orders API v2.4\nProgress: 12 done · 0 skipped · 12 open · By: Ana · Elapsed: 25:00 of a 1:00:00 window\nhttps://preflight.example/#run=r1"
    );
}

#[test]
fn urls_are_checked_and_masked() {
    assert!(validate_url("https://hooks.slack.com/services/T/B/x").is_ok());
    assert!(validate_url("http://127.0.0.1:9000/hook").is_ok());
    assert!(validate_url("http://localhost/hook").is_ok());
    assert!(validate_url("http://[::1]:80/x").is_ok());
    assert!(validate_url("http://hooks.example.com/x")
        .unwrap_err()
        .contains("https"));
    assert!(validate_url("http://127.0.0.1.evil.com/x").is_err());
    assert!(validate_url("javascript:alert(1)").is_err());
    assert!(validate_url("ftp://x/y").is_err());
    assert!(validate_url("http://evil.example\\@localhost/").is_err());
    assert!(validate_url("https://hooks.example.com/a b").is_err());
    assert_eq!(
        mask_url("https://hooks.slack.com/services/T0/B0/abcdWXYZ"),
        "https://hooks.slack.com/…WXYZ"
    );
    assert!(!mask_url("https://user:pw@example.com/x/secret").contains("pw"));
}

#[test]
fn retries_back_off_with_full_jitter_up_to_a_cap() {
    assert_eq!(backoff_ms(0, 0.0), 0);
    assert_eq!(backoff_ms(0, 0.999_999), 999);
    assert_eq!(backoff_ms(3, 0.5), 4_000);
    assert_eq!(backoff_ms(30, 0.999_999), BACKOFF_CAP_MS - 1);
    for attempt in 0..40 {
        let b = backoff_ms(attempt, 1.0);
        assert!(b <= BACKOFF_CAP_MS);
    }
    let now = 1_764_000_000_000;
    assert_eq!(classify(Some(204), None, now), Outcome::Delivered);
    assert_eq!(classify(Some(0), None, now), Outcome::Delivered);
    assert_eq!(
        classify(Some(429), Some("2"), now),
        Outcome::Retry {
            after_ms: Some(2000),
            why: "HTTP 429".into()
        }
    );
    assert_eq!(
        classify(
            Some(503),
            Some("Wed, 25 Nov 2026 09:00:05 GMT"),
            1_795_597_200_000
        ),
        Outcome::Retry {
            after_ms: Some(5000),
            why: "HTTP 503".into()
        }
    );
    assert_eq!(
        classify(Some(408), None, now),
        Outcome::Retry {
            after_ms: None,
            why: "HTTP 408".into()
        }
    );
    assert!(matches!(
        classify(None, None, now),
        Outcome::Retry { after_ms: None, .. }
    ));
    assert!(matches!(classify(Some(404), None, now), Outcome::Failed(_)));
    assert!(matches!(
        classify(Some(400), Some("1"), now),
        Outcome::Failed(_)
    ));
    assert_eq!(parse_retry_after("99999", now), Some(BACKOFF_CAP_MS));
    assert_eq!(parse_retry_after("soon", now), None);
}

#[test]
fn retry_after_of_any_size_is_clamped_without_overflowing() {
    let cap = Some(BACKOFF_CAP_MS);
    for now in [i64::MIN, -1, 0, 1_764_000_000_000, i64::MAX] {
        for (header, want) in [
            ("9223372036854775807", cap),
            ("9223372036854775808", cap),
            ("99999999999999999999999999999999", cap),
            ("+99999999999999999999999999999999", cap),
            ("-1", Some(0)),
            ("-9223372036854775808", Some(0)),
            ("-99999999999999999999999999999999", Some(0)),
            ("0", Some(0)),
            ("-", None),
            ("", None),
            ("Wed, 32 Nov 2026 09:00:05 GMT", None),
            ("Wed, 25 Nov 2026 24:00:05 GMT", None),
            ("Wed, 25 Nov 10000 09:00:05 GMT", None),
            ("Wed, 25 Nov -1 09:00:05 GMT", None),
            ("Wed, 9223372036854775807 Nov 9223372036854775807 9223372036854775807:9223372036854775807:9223372036854775807 GMT", None),
            ("Wed, -9223372036854775808 Nov -9223372036854775808 0:0:-9223372036854775808 GMT", None),
        ] {
            assert_eq!(parse_retry_after(header, now), want, "{header:?} at {now}");
        }
        // Dates far in the past or future: none, or the cap.
        let past = parse_retry_after("Mon, 01 Jan 0000 00:00:00 GMT", now).unwrap();
        let future = parse_retry_after("Fri, 31 Dec 9999 23:59:60 GMT", now).unwrap();
        assert!((0..=BACKOFF_CAP_MS).contains(&past));
        assert!((0..=BACKOFF_CAP_MS).contains(&future));
        if now == 0 {
            assert_eq!((past, future), (0, BACKOFF_CAP_MS));
        }
        assert!(matches!(
            classify(Some(503), Some("99999999999999999999"), now),
            Outcome::Retry {
                after_ms: Some(BACKOFF_CAP_MS),
                ..
            }
        ));
    }
    // Settling at the end of time, after ever so many attempts.
    let c = config(Format::Json);
    let mut o = Outbox::default();
    o.push(&c, &status(Kind::RunStarted));
    let key = o.items[0].key.clone();
    o.items[0].attempts = u32::MAX;
    o.claim(&key, "tab", i64::MAX, i64::MAX);
    assert_eq!(o.items[0].claimed_until, i64::MAX);
    o.settle(&key, classify(Some(503), Some("120"), 0), i64::MAX, 0.5);
    assert_eq!(o.items[0].next_at_ms, i64::MAX);
    assert_eq!(o.items[0].attempts, u32::MAX);
    o.settle(&key, classify(Some(404), None, 0), i64::MAX, 0.5);
    assert_eq!(o.items[0].attempts, u32::MAX);
    assert_eq!(o.items[0].state, ItemState::Failed);
}

#[test]
fn the_outbox_delivers_in_order_and_keeps_what_failed() {
    let c = config(Format::Json);
    let mut o = Outbox::default();
    for (i, kind) in [Kind::RunStarted, Kind::PhaseCompleted, Kind::RunFinished]
        .into_iter()
        .enumerate()
    {
        let mut s = status(kind);
        s.key = format!("k{i}");
        s.at_ms = 100 + i as i64;
        o.push(&c, &s);
    }
    let mut quiet = c.clone();
    quiet.kinds = vec![Kind::RunFinished];
    o.push(&quiet, &status(Kind::GateFailed));
    assert_eq!(o.items.len(), 3, "kinds not chosen are not queued");
    let mut again = status(Kind::RunStarted);
    again.key = "k0".into();
    o.push(&c, &again);
    assert_eq!(o.items.len(), 3, "a key already queued is not queued twice");
    assert_eq!(
        key_for("run r1 wait w1 at 5"),
        key_for("run r1 wait w1 at 5")
    );
    assert_ne!(
        key_for("run r1 wait w1 at 5"),
        key_for("run r1 wait w1 at 6")
    );
    assert_eq!(o.due(99), None);
    assert_eq!(o.due(200).unwrap().key, "k0");
    // A 500: k0 waits, and k1 waits behind it.
    o.settle("k0", classify(Some(500), None, 200), 200, 0.5);
    assert_eq!(o.items[0].attempts, 1);
    assert_eq!(o.items[0].next_at_ms, 700);
    assert_eq!(o.due(600), None);
    assert_eq!(o.due(700).unwrap().key, "k0");
    o.settle("k0", Outcome::Delivered, 700, 0.0);
    // A 404 stops k1; k2 goes on.
    o.settle("k1", classify(Some(404), None, 800), 800, 0.0);
    assert_eq!(o.items[0].state, ItemState::Failed);
    assert_eq!(o.due(800).unwrap().key, "k2");
    assert_eq!(Outbox::decode(&o.encode()), Some(o.clone()));
    o.retry("k1", 900);
    assert_eq!(o.due(900).unwrap().key, "k1");
    o.discard("k1");
    o.settle(
        "k2",
        Outcome::Retry {
            after_ms: Some(60_000),
            why: "HTTP 429".into(),
        },
        900,
        0.0,
    );
    o.wake(1000);
    assert_eq!(o.due(1000).unwrap().key, "k2");
}

#[test]
fn a_run_produces_the_statuses_it_should() {
    let g = Guide::parse(include_str!("../../../../public/example-guide.md"));
    let mut run = Run::new(
        [1; 16],
        &g,
        "h",
        "Ana",
        BTreeMap::new(),
        0,
        Run::default_window(&g, 0),
    );
    let plan = run.plan(&g);
    let mut seen = Vec::new();
    let mut act = |run: &mut Run, action: Action| {
        let before = run.state();
        run.record(&plan, 1, "Ana", action).unwrap();
        let after = run.state();
        let event = run.last_event().unwrap().clone();
        seen.extend(kinds_for(run, &plan, &event, &before, &after));
    };
    let pre = plan.phase("p-pre-deployment-checklist").unwrap().clone();
    // The phase is given to Ben: its "completed" message says so.
    act(
        &mut run,
        Action::Assign {
            target: pre.id.clone(),
            who: "Ben".into(),
            due_ms: None,
        },
    );
    for s in &pre.steps[1..] {
        act(
            &mut run,
            Action::Check {
                step: s.id.clone(),
                overridden: None,
            },
        );
    }
    let verify = plan
        .phases
        .iter()
        .find(|p| p.title.starts_with("Step 5"))
        .unwrap()
        .clone();
    act(
        &mut run,
        Action::Measure {
            gate: verify.gates[0].id.clone(),
            value: 0.9,
        },
    );
    act(
        &mut run,
        Action::OverrideGate {
            gate: verify.gates[0].id.clone(),
            reason: "load test".into(),
        },
    );
    act(
        &mut run,
        Action::Decide {
            path: vec![],
            decision: Decision::RollBack,
        },
    );
    act(
        &mut run,
        Action::Finish {
            outcome: crate::Outcome::RolledBack,
            note: String::new(),
        },
    );
    let kinds: Vec<Kind> = seen.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(
        kinds,
        [
            Kind::PhaseCompleted,
            Kind::GateFailed,
            Kind::Override,
            Kind::RollbackStarted,
            Kind::RunFinished
        ]
    );
    assert_eq!(seen[0].1.as_deref(), Some("Pre-Deployment Checklist"));
    assert_eq!(seen[0].2.as_deref(), Some("assigned to Ben"));
    assert_eq!(
        seen[1].1.as_deref(),
        Some("Step 5: Verify (monitor for 30 minutes)")
    );
}
