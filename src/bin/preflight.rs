//! `preflight`: the command-line face of the same core the app uses.
//!
//! ```text
//! preflight inspect [--json] FILE|-   the guide model: an outline (with the
//!                                     run parameters), or JSON
//! preflight check FILE...             diagnostics as FILE:LINE: severity: message
//!                                     (with placeholders that look like slips)
//! preflight verify [--require-signed] RUN.json
//!                                     an exported run: its log, checksum and
//!                                     every sign-off's signature
//! ```
//! Exit codes: 0 fine, 1 a guide has errors or an export is not genuine,
//! 2 a file could not be read or the command line is wrong.

use preflight_core::guide::params;
use preflight_core::{decode, Guide, Severity};
use std::io::{Read, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: preflight inspect [--json] FILE|-\n       preflight check FILE...\n       preflight verify [--require-signed] RUN.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["inspect", "--json", path] | ["inspect", path, "--json"] => inspect(path, true),
        ["inspect", path] => inspect(path, false),
        ["check", paths @ ..] if !paths.is_empty() => check(paths),
        ["verify", path] => verify(path, false),
        ["verify", "--require-signed", path] | ["verify", path, "--require-signed"] => {
            verify(path, true)
        }
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Reads and decodes a guide, or says in one line why not.
fn read_guide(path: &str) -> Result<String, String> {
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("{path}: cannot read standard input: {e}"))?;
        buf
    } else {
        let meta = std::fs::metadata(path).map_err(|e| format!("{path}: {e}"))?;
        if meta.is_dir() {
            return Err(format!("{path}: is a directory, not a guide"));
        }
        std::fs::read(path).map_err(|e| format!("{path}: {e}"))?
    };
    decode(&bytes).map_err(|e| format!("{path}: {e}"))
}

fn inspect(path: &str, json: bool) -> ExitCode {
    let text = match read_guide(path) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("preflight: {message}");
            return ExitCode::from(2);
        }
    };
    let guide = Guide::parse(&text);
    let out = if json {
        guide.to_json() + "\n"
    } else {
        guide.outline() + &preflight_core::guide::params::outline(&params::find(&text))
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

fn check(paths: &[&str]) -> ExitCode {
    let mut errors = false;
    let mut unreadable = false;
    let mut out = String::new();
    for path in paths {
        let text = match read_guide(path) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("preflight: {message}");
                unreadable = true;
                continue;
            }
        };
        let mut diagnostics = Guide::parse(&text).diagnostics;
        diagnostics.extend(params::find(&text).diagnostics);
        diagnostics.sort_by_key(|d| d.line);
        for d in diagnostics {
            out.push_str(&format!(
                "{path}:{}: {}: {}\n",
                d.line,
                d.severity.as_str(),
                d.message
            ));
            errors |= d.severity == Severity::Error;
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    if unreadable {
        ExitCode::from(2)
    } else if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Checks an exported run as the app's import does — the log against its
/// hash chain, the checksum, the guide — and says for every sign-off
/// whether its signature is valid, which key signed it and whether that
/// name signed with another key elsewhere in the file.
fn verify(path: &str, require_signed: bool) -> ExitCode {
    use preflight_core::run::{chain, sign, signed_at, store};
    let text = if path == "-" {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .map(|_| buf)
            .map_err(|e| format!("{path}: cannot read standard input: {e}"))
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
    };
    let text = match text {
        Ok(text) => text,
        Err(message) => {
            eprintln!("preflight: {message}");
            return ExitCode::from(2);
        }
    };
    let export = match store::import(&text) {
        Ok(export) => export,
        Err(why) => {
            println!("{path}: NOT GENUINE: {why}");
            return ExitCode::from(1);
        }
    };
    let run = &export.run;
    let mut out = format!(
        "{path}: run {} of “{}”\n  log: {} entries, each matching its hash; head {}\n",
        run.id.replace('\n', "\\n"),
        run.guide_title.replace('\n', "\\n"),
        run.events.len(),
        chain::head(&run.events)
    );
    let checks = sign::verify(run);
    let notes = sign::key_notes(&checks);
    let (mut valid, mut unsigned, mut bad) = (0, 0, 0);
    for (c, note) in checks.iter().zip(notes) {
        match &c.verdict {
            sign::Verdict::Valid { .. } => valid += 1,
            sign::Verdict::Unsigned => unsigned += 1,
            _ => bad += 1,
        }
        let tz = match &run.events[c.index].action {
            preflight_core::run::Action::SignOff { tz_offset_min, .. } => *tz_offset_min,
            _ => 0,
        };
        let scope = c
            .phase
            .as_deref()
            .map_or_else(|| "the run".to_owned(), |p| format!("phase {p}"));
        out.push_str(&format!(
            "  entry {}: {} {} as {} for {scope}, {}: {}\n",
            c.index + 1,
            c.by.replace('\n', "\\n"),
            c.meaning.label(),
            c.role.replace('\n', "\\n"),
            signed_at(c.at_ms, tz),
            c.label().replace('\n', "\\n")
        ));
        if let Some(fp) = &c.fingerprint {
            let note = note.map(|n| format!(" ({n})")).unwrap_or_default();
            out.push_str(&format!("    key {fp}{note}\n"));
        }
    }
    let verdict = if bad > 0 {
        format!("NOT GENUINE: {bad} sign-off(s) forged or over a changed log")
    } else if require_signed && unsigned > 0 {
        format!("NOT ACCEPTED: {unsigned} sign-off(s) not signed (--require-signed)")
    } else {
        format!(
            "genuine as far as its signatures go: {valid} signed sign-off(s) valid, {unsigned} not signed; \
             compare each key with its signer's"
        )
    };
    out.push_str(&format!("{path}: {verdict}\n"));
    let _ = std::io::stdout().write_all(printable(&out).as_bytes());
    if bad > 0 || (require_signed && unsigned > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Text from a file made safe for a terminal: control characters other
/// than line breaks shown as `\u{…}`, so no escape sequence in a name or a
/// role can move the cursor, hide a line or fake one.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
