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
