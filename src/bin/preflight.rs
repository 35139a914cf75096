//! `preflight`: the command-line face of the same core the app uses.
//!
//! ```text
//! preflight inspect [--json] FILE|-   the guide model: an outline, or JSON
//! preflight check FILE...             diagnostics as FILE:LINE: severity: message
//! ```
//! Exit codes: 0 fine, 1 a guide has errors, 2 a file could not be read or
//! the command line is wrong.

use preflight_core::{decode, Guide, Severity};
use std::io::{Read, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: preflight inspect [--json] FILE|-\n       preflight check FILE...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["inspect", "--json", path] | ["inspect", path, "--json"] => inspect(path, true),
        ["inspect", path] => inspect(path, false),
        ["check", paths @ ..] if !paths.is_empty() => check(paths),
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
        guide.outline()
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
        for d in Guide::parse(&text).diagnostics {
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
