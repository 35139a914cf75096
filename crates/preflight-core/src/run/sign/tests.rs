use super::*;
use crate::run::{Action, Meaning, Plan};
use crate::test_fixtures::example_run;
use expect_test::{expect, Expect};
use p256::ecdsa::{signature::Signer, Signature, SigningKey};

const T0: i64 = 1_764_000_000_000;
const MIN: i64 = 60_000;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).expect("a valid scalar")
}

fn public(key: &SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

/// Signs off the run as `by` with `key`, as the browser does: prepare,
/// sign the bytes, record.
fn sign_off(run: &mut Run, plan: &Plan, at: i64, by: &str, meaning: Meaning, key: &SigningKey) {
    let signing = Signing {
        by,
        phase: None,
        role: "lead",
        meaning,
        tz_offset_min: 60,
    };
    let pending = prepare(run, signing, at, &public(key)).expect("a key");
    let sig: Signature = key.sign(pending.bytes());
    let proof = pending.finish(&sig.to_bytes());
    run.record(
        plan,
        at,
        by,
        Action::SignOff {
            phase: None,
            role: " lead ".into(),
            meaning,
            tz_offset_min: 60,
            proof: Some(Box::new(proof.into_value())),
        },
    )
    .expect("signed");
}

/// Changes the proof of the sign-off at `index`.
fn edit_proof(run: &mut Run, index: usize, f: impl FnOnce(&mut Proof)) {
    let Action::SignOff {
        proof: Some(value), ..
    } = &mut run.events[index].action
    else {
        panic!("a signed sign-off");
    };
    let mut proof = Proof::read(value).expect("a proof");
    f(&mut proof);
    **value = proof.into_value();
}

/// A run with two check-offs by this tab, one from another device, and a
/// signed sign-off by Bob; `change` edits it, then every sign-off is
/// checked.
fn check(change: impl FnOnce(&mut Run, &Plan), expect: Expect) {
    let (_, plan, mut run) = example_run(1, T0, "tab1");
    let steps: Vec<String> = plan.run_steps().map(|(_, s)| s.id.clone()).collect();
    for (i, step) in steps.iter().take(2).enumerate() {
        let at = T0 + (i as i64 + 1) * MIN;
        run.record(
            &plan,
            at,
            "Ana",
            Action::Check {
                step: step.clone(),
                overridden: None,
            },
        )
        .expect("checked");
    }
    let mut other = run.clone();
    other.writer = "tab2".into();
    other
        .record(
            &plan,
            T0 + 3 * MIN,
            "Cy",
            Action::Note {
                step: None,
                text: "all quiet".into(),
            },
        )
        .expect("noted");
    run.merge(other.events.clone());
    sign_off(
        &mut run,
        &plan,
        T0 + 5 * MIN,
        "Bob",
        Meaning::Verified,
        &key(7),
    );
    change(&mut run, &plan);
    let shown: Vec<String> = verify(&run)
        .iter()
        .map(|c| {
            format!(
                "{} {} {}: {}{}",
                c.index + 1,
                c.by,
                c.meaning.label(),
                c.label(),
                c.fingerprint
                    .as_deref()
                    .map(|f| format!(" [{f}]"))
                    .unwrap_or_default()
            )
        })
        .collect();
    expect.assert_eq(&shown.join("\n"));
}

#[test]
fn a_signed_sign_off_verifies() {
    check(
        |_, _| {},
        expect!["4 Bob verified: signature valid [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
}

#[test]
fn an_unsigned_sign_off_says_so() {
    check(
        |run, plan| {
            run.record(
                plan,
                T0 + 9 * MIN,
                "Dee",
                Action::SignOff {
                    phase: None,
                    role: "qa".into(),
                    meaning: Meaning::Approved,
                    tz_offset_min: 0,
                    proof: None,
                },
            )
            .expect("recorded");
        },
        expect![[r#"
            4 Bob verified: signature valid [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]
            5 Dee approved: not signed"#]],
    );
}

#[test]
fn an_edited_entry_before_it_is_named() {
    check(
        |run, _| {
            let Action::Check { step, .. } = &mut run.events[0].action else {
                panic!("a check-off first");
            };
            step.push('x');
        },
        expect!["4 Bob verified: log changed after signing: an entry it signed was changed [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
}

#[test]
fn a_removed_entry_is_named() {
    check(
        |run, _| {
            run.events.remove(1);
        },
        expect!["3 Bob verified: log changed after signing: 1 entry it signed is missing [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
}

#[test]
fn an_edited_sign_off_is_forged() {
    check(
        |run, _| {
            let Action::SignOff { meaning, .. } = &mut run.events[3].action else {
                panic!("the sign-off");
            };
            *meaning = Meaning::Approved;
        },
        expect!["4 Bob approved: signature NOT valid: it does not match this sign-off (the signature, the entry or the run's header was changed) [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
    check(
        |run, _| run.events[3].by = "Eve".into(),
        expect!["4 Eve verified: signature NOT valid: it does not match this sign-off (the signature, the entry or the run's header was changed) [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
}

#[test]
fn another_key_claiming_the_fingerprint_is_forged() {
    check(
        |run, _| {
            // Eve's key, Bob's fingerprint.
            edit_proof(run, 3, |proof| {
                proof.key =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public(&key(9)));
            });
        },
        expect!["4 Bob verified: signature NOT valid: the fingerprint is not its key's [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
}

#[test]
fn a_log_signed_again_with_another_key_reads_valid_with_that_key() {
    // Eve edits the log and signs again with her own key under Bob's name:
    // the signature is valid — only the key tells: its fingerprint is not
    // Bob's (the key book and `key_notes` say so where they can).
    check(
        |run, plan| {
            run.events.truncate(3);
            let Action::Check { step, .. } = &mut run.events[0].action else {
                panic!("a check-off first");
            };
            *step = plan.run_steps().nth(3).expect("a fourth step").1.id.clone();
            sign_off(run, plan, T0 + 5 * MIN, "Bob", Meaning::Verified, &key(9));
        },
        expect!["4 Bob verified: signature valid [d8c6 b0c7 044f abbb fe6c 3052 9fde a262]"],
    );
}

#[test]
fn entries_that_arrived_after_signing_are_counted_not_held_against_it() {
    check(
        |run, plan| {
            // A device that was offline: its entry is dated before the
            // sign-off and arrives after it.
            let mut late = run.clone();
            late.events.truncate(2);
            late.writer = "tab3".into();
            late.record(plan, T0 + 4 * MIN, "Fay", Action::Note { step: None, text: "late".into() })
                .expect("noted");
            run.merge(late.events);
        },
        expect!["5 Bob verified: signature valid; entry 4 dated before it is not covered (added to the log after it signed) [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
}

#[test]
fn hostile_proofs_are_named_not_panics() {
    let garble = |f: fn(&mut Proof)| {
        move |run: &mut Run, _: &Plan| {
            edit_proof(run, 3, f);
        }
    };
    check(
        garble(|p| p.sig = "!!".into()),
        expect!["4 Bob verified: signature NOT valid: the signature does not read [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
    check(
        garble(|p| p.key = "AAAA".into()),
        expect!["4 Bob verified: signature NOT valid: its key is not a P-256 key [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
    check(
        garble(|p| p.alg = "none".into()),
        expect!["4 Bob verified: signature NOT valid: unknown algorithm “none” [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
    check(
        garble(|p| {
            p.covers.insert("nobody".into(), u32::MAX);
        }),
        expect!["4 Bob verified: signature NOT valid: it does not match this sign-off (the signature, the entry or the run's header was changed) [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
}

#[test]
fn the_key_book_says_whether_a_key_was_seen_for_a_name() {
    let (_, plan, mut run) = example_run(1, T0, "tab1");
    sign_off(&mut run, &plan, T0 + MIN, "Bob", Meaning::Verified, &key(7));
    let mut book = KeyBook::default();
    let checks = verify(&run);
    assert_eq!(book.seen(&run.id, &checks[0]), Seen::First);
    assert!(book.learn(&run.id, &checks));
    assert!(!book.learn(&run.id, &checks), "learnt once");
    // The same run shown again: still first seen here.
    assert_eq!(book.seen(&run.id, &checks[0]), Seen::First);
    // Another run, same key, same name (any case): seen before.
    let (_, plan2, mut run2) = example_run(2, T0, "tab1");
    sign_off(
        &mut run2,
        &plan2,
        T0 + MIN,
        " bob",
        Meaning::Verified,
        &key(7),
    );
    let checks2 = verify(&run2);
    assert_eq!(book.seen(&run2.id, &checks2[0]), Seen::Before);
    // Another key under that name: said.
    let (_, plan3, mut run3) = example_run(3, T0, "tab1");
    sign_off(
        &mut run3,
        &plan3,
        T0 + MIN,
        "Bob",
        Meaning::Verified,
        &key(9),
    );
    let checks3 = verify(&run3);
    assert_eq!(
        book.seen(&run3.id, &checks3[0]),
        Seen::OtherKey {
            known: false,
            others: 1
        }
    );
    // Once learnt, Bob's first key is still said to have a rival.
    assert!(book.learn(&run3.id, &checks3));
    assert_eq!(
        book.seen(&run2.id, &checks2[0]),
        Seen::OtherKey {
            known: true,
            others: 1
        }
    );
    // A book read from anywhere: garbage is an empty book.
    assert_eq!(KeyBook::decode("{\"signers\": 7}"), KeyBook::default());
    assert_eq!(KeyBook::decode(&book.encode()), book);
}

#[test]
fn a_forged_import_is_refused_with_the_sign_off_named() {
    let (_, plan, mut run) = example_run(1, T0, "tab1");
    sign_off(&mut run, &plan, T0 + MIN, "Bob", Meaning::Approved, &key(7));
    assert_eq!(refusal(&verify(&run)), None);
    run.events[0].by = "Mallory".into();
    expect![[r#"Mallory's approved sign-off (entry 1): signature NOT valid: it does not match this sign-off (the signature, the entry or the run's header was changed)"#]]
        .assert_eq(&refusal(&verify(&run)).unwrap_or_default());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// A proof from a file or a relay may hold anything: it is named,
    /// never a panic, and never valid unless it was signed.
    #[test]
    fn any_proof_is_checked_without_panicking(
        key_bytes in proptest::option::of(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..70)),
        sig in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..70),
        covers in proptest::collection::btree_map(".{0,12}", proptest::prelude::any::<u32>(), 0..4),
        head in ".{0,70}",
        signed_ms in proptest::prelude::any::<i64>(),
    ) {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (_, plan, mut run) = example_run(1, T0, "tab1");
        let step = plan.run_steps().next().expect("a step").1.id.clone();
        run.record(&plan, T0 + MIN, "Ana", Action::Check { step, overridden: None }).expect("checked");
        let key_text = key_bytes.as_deref().map_or_else(|| b64.encode(public(&key(7))), |k| b64.encode(k));
        let proof = Proof {
            alg: ALG.into(),
            fingerprint: b64.decode(&key_text).map(|k| fingerprint(&k)).unwrap_or_default(),
            key: key_text,
            signed_ms,
            head,
            covers,
            sig: b64.encode(&sig),
        };
        run.record(&plan, T0 + 2 * MIN, "Bob", Action::SignOff {
            phase: None,
            role: "lead".into(),
            meaning: Meaning::Verified,
            tz_offset_min: 0,
            proof: Some(Box::new(proof.into_value())),
        }).expect("recorded");
        let checks = verify(&run);
        proptest::prop_assert_eq!(checks.len(), 1);
        proptest::prop_assert!(checks[0].is_bad(), "{:?}", checks[0].verdict);
    }
}

#[test]
fn the_record_says_when_a_name_signed_with_two_keys() {
    let (_, plan, mut run) = example_run(1, T0, "tab1");
    sign_off(
        &mut run,
        &plan,
        T0 + MIN,
        "Bob",
        Meaning::Performed,
        &key(7),
    );
    sign_off(
        &mut run,
        &plan,
        T0 + 2 * MIN,
        "Cy",
        Meaning::Verified,
        &key(8),
    );
    sign_off(
        &mut run,
        &plan,
        T0 + 3 * MIN,
        "bob ",
        Meaning::Verified,
        &key(7),
    );
    sign_off(
        &mut run,
        &plan,
        T0 + 4 * MIN,
        "Bob",
        Meaning::Verified,
        &key(9),
    );
    let notes: Vec<String> = key_notes(&verify(&run))
        .into_iter()
        .map(|n| n.unwrap_or_else(|| "-".into()))
        .collect();
    expect![[r#"
        -
        -
        the same key as Bob's sign-off at entry 1
        NOT the key Bob's sign-off at entry 1 was made with"#]]
    .assert_eq(&notes.join("\n"));
}

#[test]
fn the_header_is_signed_too() {
    check(
        |run, _| run.operator = "Mallory".into(),
        expect!["4 Bob verified: signature NOT valid: it does not match this sign-off (the signature, the entry or the run's header was changed) [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
    check(
        |run, _| run.window.end_ms += 3_600_000,
        expect!["4 Bob verified: signature NOT valid: it does not match this sign-off (the signature, the entry or the run's header was changed) [c8f1 93e6 78e7 62f9 c4b2 8fc9 e11a 6e43]"],
    );
}

#[test]
fn hostile_numbers_in_a_validly_signed_proof_are_named() {
    // Someone signs a proof with extreme values with their own key: the
    // signature is good, the numbers are not, and nothing overflows.
    let signed_with = |f: fn(&mut Proof)| {
        let (_, plan, mut run) = example_run(1, T0, "tab1");
        let step = plan.run_steps().next().expect("a step").1.id.clone();
        run.record(
            &plan,
            T0 + MIN,
            "Ana",
            Action::Check {
                step,
                overridden: None,
            },
        )
        .expect("checked");
        let signing = Signing {
            by: "Bob",
            phase: None,
            role: "lead",
            meaning: Meaning::Verified,
            tz_offset_min: 0,
        };
        let mut pending = prepare(&run, signing, T0 + 2 * MIN, &public(&key(7))).expect("a key");
        f(&mut pending.proof);
        pending.statement = statement_bytes(&run, signing, &pending.proof);
        let sig: Signature = key(7).sign(pending.bytes());
        let proof = pending.finish(&sig.to_bytes());
        run.record(
            &plan,
            T0 + 2 * MIN,
            "Bob",
            Action::SignOff {
                phase: None,
                role: "lead".into(),
                meaning: Meaning::Verified,
                tz_offset_min: 0,
                proof: Some(Box::new(proof.into_value())),
            },
        )
        .expect("recorded");
        verify(&run)[0].label()
    };
    expect!["log changed after signing: the entry's time is not when it was signed"]
        .assert_eq(&signed_with(|p| p.signed_ms = i64::MIN));
    expect!["log changed after signing: 4294967297 entries it signed are missing"].assert_eq(
        &signed_with(|p| {
            p.covers.insert("a".into(), u32::MAX);
            p.covers.insert("b".into(), 2);
        }),
    );
}

#[test]
fn a_proof_that_is_not_one_is_named() {
    check(
        |run, _| {
            let Action::SignOff { proof, .. } = &mut run.events[3].action else {
                panic!("the sign-off");
            };
            *proof = Some(Box::new(serde_json::json!({ "alg": ["ES256"] })));
        },
        expect!["4 Bob verified: signature NOT valid: its proof does not read"],
    );
}
