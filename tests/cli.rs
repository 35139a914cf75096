//! The `preflight` command line, run as a real process.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn preflight(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("preflight runs");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).expect("write stdin");
        }
    }
    child.wait_with_output().expect("preflight exits")
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/guides/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn inspect_prints_an_outline_with_counts() {
    let out = preflight(
        &["inspect", &fixture("sqlite-dedup-deployment-checklist.md")],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "Production Deployment Checklist");
    assert!(
        lines[1].contains("(151 tasks, 12 checked in the guide)")
            && lines[1].contains("6 rollback triggers"),
        "{}",
        lines[1]
    );
    assert!(
        stdout.contains(
            "  Step 1: Pre-Deployment Backup [deployment, 2–5 min] line 59: 4 steps, 3 gates\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("rollback: 13 steps, 6 triggers, 5–10 min\n"),
        "{stdout}"
    );
}

#[test]
fn inspect_reads_standard_input() {
    let out = preflight(&["inspect", "-"], Some(b"# Hi\n\n- [ ] a\n- [x] b\n"));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("Hi\n1 phases, 2 steps (2 tasks, 1 checked in the guide)"),
        "{stdout}"
    );
}

#[test]
fn inspect_json_follows_the_documented_shape() {
    for name in [
        "phase3-canary-rollout.md",
        "sqlite-dedup-deployment-checklist.md",
        "threading-update-production.md",
    ] {
        let out = preflight(&["inspect", "--json", &fixture(name)], None);
        assert_eq!(out.status.code(), Some(0), "{name}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
        assert_eq!(v["schema"], 1);
        assert!(v["title"].is_string());
        assert!(v["encoding_repair"].is_null());
        for key in ["metadata", "phases", "troubleshooting", "diagnostics"] {
            assert!(v[key].is_array(), "{name}: {key}");
        }
        for key in ["triggers", "steps"] {
            assert!(v["rollback"][key].is_array(), "{name}: rollback.{key}");
        }
        let phase = &v["phases"][0];
        for key in [
            "id",
            "title",
            "kind",
            "optional",
            "alternative_group",
            "estimate_s",
            "line",
            "sections",
            "steps",
            "gates",
        ] {
            assert!(phase.get(key).is_some(), "{name}: phase.{key}");
        }
        // Count task steps through the JSON tree: one per task list item.
        fn tasks(steps: &serde_json::Value) -> usize {
            steps
                .as_array()
                .unwrap()
                .iter()
                .map(|s| usize::from(s["kind"] == "task") + tasks(&s["substeps"]))
                .sum()
        }
        fn walk(phases: &serde_json::Value) -> usize {
            phases
                .as_array()
                .unwrap()
                .iter()
                .map(|p| tasks(&p["steps"]) + walk(&p["sections"]))
                .sum()
        }
        assert_eq!(
            walk(&v["phases"]) as u64,
            v["counts"]["tasks"].as_u64().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = env!("CARGO_MANIFEST_DIR");
    for (args, stdin, expected) in [
        (vec!["inspect", dir], None, "is a directory"),
        (
            vec!["inspect", "/nonexistent/guide.md"],
            None,
            "No such file",
        ),
        (
            vec!["inspect", "-"],
            Some(&b"\x89PNG\0\0"[..]),
            "binary file",
        ),
        (vec!["inspect", "-"], Some(&b""[..]), "the guide is empty"),
        (vec!["inspect", "-"], Some(&b"ok\n\xff\n"[..]), "line 2"),
    ] {
        let out = preflight(&args, stdin);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn check_lists_diagnostics_with_file_and_line() {
    let out = preflight(
        &["check", "-"],
        Some(b"# T\n\n- [ ] a\n\n[x](javascript:alert(1))\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("-:5: warning: link to `javascript:alert(1)` removed"),
        "{stdout}"
    );

    let out = preflight(&["check", &fixture("threading-update-production.md")], None);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(
            "threading-update-production.md:127: warning: this line seems to contain a credential"
        ),
        "{stdout}"
    );
}

#[test]
fn check_exits_1_when_a_guide_has_errors() {
    let out = preflight(&["check", "-"], Some(b"# Notes\n\nOnly prose here.\n"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "-:1: error: no steps found: the guide has no task lists, numbered steps or shell commands\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = preflight(&["frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().starts_with("usage:"));
}

/// A run of the example guide with one check-off and a sign-off signed as
/// the browser signs it, exported; `edit` changes the run before export,
/// as someone re-exporting an edited run (every hash recomputed) would.
fn signed_export(edit: impl FnOnce(&mut preflight_core::Run)) -> String {
    use p256::ecdsa::{signature::Signer, Signature, SigningKey};
    use preflight_core::run::{sign, store, Action, Meaning};
    let text = std::fs::read_to_string(format!(
        "{}/public/example-guide.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the example guide");
    let guide = preflight_core::Guide::parse(&text);
    let t0 = 1_764_000_000_000;
    let mut run = preflight_core::Run::new(
        [3; 16],
        &guide,
        &preflight_core::guide_hash(&text),
        "Ana",
        Default::default(),
        t0,
        preflight_core::Run::default_window(&guide, t0),
    );
    let plan = run.plan(&guide);
    let step = plan.run_steps().next().expect("a step").1.id.clone();
    run.record(
        &plan,
        t0 + 60_000,
        "Ana",
        Action::Check {
            step,
            overridden: None,
        },
    )
    .expect("checked");
    let key = SigningKey::from_slice(&[7; 32]).expect("a key");
    let public = key.verifying_key().to_encoded_point(false);
    let signing = sign::Signing {
        by: "Bob",
        phase: None,
        role: "lead",
        meaning: Meaning::Verified,
        tz_offset_min: 60,
    };
    let pending = sign::prepare(&run, signing, t0 + 120_000, public.as_bytes()).expect("prepared");
    let sig: Signature = key.sign(pending.bytes());
    let proof = pending.finish(&sig.to_bytes());
    run.record(
        &plan,
        t0 + 120_000,
        "Bob",
        Action::SignOff {
            phase: None,
            role: "lead".into(),
            meaning: Meaning::Verified,
            tz_offset_min: 60,
            proof: Some(Box::new(proof.into_value())),
        },
    )
    .expect("signed");
    edit(&mut run);
    store::export(&run, "file", None, &text)
}

/// `preflight ARGS… FILE` on a temporary file holding `content`.
fn on_file(args: &[&str], name: &str, content: &[u8]) -> Output {
    let path = std::env::temp_dir().join(format!("preflight-{}-{name}", std::process::id()));
    std::fs::write(&path, content).expect("written");
    let mut args = args.to_vec();
    args.push(path.to_str().expect("a path"));
    let out = preflight(&args, None);
    let _ = std::fs::remove_file(&path);
    out
}

fn verify_file(name: &str, content: &str) -> Output {
    on_file(&["verify"], &format!("{name}.json"), content.as_bytes())
}

#[test]
fn verify_accepts_a_signed_export_and_names_its_key() {
    let out = verify_file("good", &signed_export(|_| {}));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("entry 2: Bob verified as lead for the run, "),
        "{stdout}"
    );
    assert!(stdout.contains(": signature valid\n    key "), "{stdout}");
    assert!(
        stdout.contains(
            "genuine as far as its signatures go: 1 signed sign-off(s) valid, 0 not signed"
        ),
        "{stdout}"
    );
}

#[test]
fn verify_refuses_an_edited_run_exported_again_with_fresh_hashes() {
    // The check-off now claims Mallory did it; chain and checksum are
    // recomputed, so only the signature can tell.
    let out = verify_file(
        "edited",
        &signed_export(|run| run.events[0].by = "Mallory".into()),
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("log changed after signing: an entry it signed was changed"),
        "{stdout}"
    );
    assert!(stdout.contains("NOT GENUINE"), "{stdout}");
    // A sign-off edited after signing.
    let out = verify_file(
        "forged",
        &signed_export(|run| {
            if let preflight_core::run::Action::SignOff { role, .. } = &mut run.events[1].action {
                *role = "CTO".into();
            }
        }),
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("signature NOT valid: it does not match this sign-off"),
        "{stdout}"
    );
    // A file edited by hand: the chain names the entry.
    let file = signed_export(|_| {}).replacen("\"by\": \"Ana\"", "\"by\": \"Eve\"", 1);
    let out = verify_file("hand", &file);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("NOT GENUINE: the run's log was tampered with: entry 1"),
        "{stdout}"
    );
}

#[test]
fn verify_require_signed_refuses_a_sign_off_whose_signature_was_removed() {
    // Removing a signature and recomputing the hashes leaves an unsigned
    // sign-off: said, and refused when signatures are required.
    let file = signed_export(|run| {
        if let preflight_core::run::Action::SignOff { proof, role, .. } = &mut run.events[1].action
        {
            *proof = None;
            *role = "CTO\u{1b}[2K".into();
        }
    });
    let out = verify_file("stripped", &file);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("as CTO\\u{1b}[2K for the run"),
        "control characters shown, not obeyed: {stdout}"
    );
    assert!(stdout.contains(": not signed\n"), "{stdout}");
    assert!(
        stdout.contains("0 signed sign-off(s) valid, 1 not signed"),
        "{stdout}"
    );
    let out = on_file(&["verify", "--require-signed"], "req.json", file.as_bytes());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("NOT ACCEPTED: 1 sign-off(s) not signed (--require-signed)"),
        "{stdout}"
    );
}

#[test]
fn inspect_lists_parameters_and_check_names_a_slip() {
    let guide = b"# Deploy\n\n```params\nVERSION = 2.4.0  # the release\n```\n\n```bash\ndeploy --version ${VERSION} --host <host-name>\ncheck --host <host-name>\nnotify --host <host-nmae>\n```\n";
    let out = preflight(&["inspect", "-"], Some(guide));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("parameters:\n  VERSION (${VERSION}): line 8; default 2.4.0; the release; declared on line 4\n  host-name (<host-name>): lines 8, 9\n"),
        "{stdout}"
    );
    let out = on_file(&["check"], "params.md", guide);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(":10: warning: the placeholder <host-nmae> is used only here; did you mean <host-name> (used on 2 lines)?"),
        "{stdout}"
    );
}
