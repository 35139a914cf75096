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
fn inspect_prints_title_and_task_counts() {
    let out = preflight(
        &["inspect", &fixture("sqlite-dedup-deployment-checklist.md")],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "Production Deployment Checklist\ntasks: 151 (12 checked in the guide)\ndiagnostics: 0\n"
    );
}

#[test]
fn inspect_reads_standard_input() {
    let out = preflight(&["inspect", "-"], Some(b"# Hi\n\n- [ ] a\n- [x] b\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Hi\ntasks: 2 (1 checked in the guide)\ndiagnostics: 0\n"
    );
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
    let out = preflight(&["check", "-"], Some(b"# T\n\n[x](javascript:alert(1))\n"));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("-:3: warning: link to `javascript:alert(1)` removed"),
        "{stdout}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = preflight(&["frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().starts_with("usage:"));
}
