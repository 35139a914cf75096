//! `preflight`: the command-line face of the same core the app uses.
//!
//! ```text
//! preflight inspect FILE|-     title and task counts of a guide
//! preflight check FILE…        diagnostics as FILE:LINE: severity: message
//! ```
//! Exit codes: 0 fine, 1 a guide has errors, 2 a file could not be read.

use preflight_core::{decode, parse, Severity};
use std::io::Read;
use std::process::ExitCode;

const USAGE: &str = "usage: preflight inspect FILE|-\n       preflight check FILE...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("inspect") if args.len() == 2 => inspect(&args[1]),
        Some("check") if args.len() >= 2 => check(&args[1..]),
        Some("-h" | "--help" | "help") => {
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

fn inspect(path: &str) -> ExitCode {
    let text = match read_guide(path) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("preflight: {message}");
            return ExitCode::from(2);
        }
    };
    let doc = parse(&text);
    let checked = doc.tasks.iter().filter(|t| t.checked).count();
    println!("{}", doc.display_title());
    println!(
        "tasks: {} ({} checked in the guide)",
        doc.tasks.len(),
        checked
    );
    println!("diagnostics: {}", doc.diagnostics.len());
    ExitCode::SUCCESS
}

fn check(paths: &[String]) -> ExitCode {
    let mut worst = ExitCode::SUCCESS;
    let mut unreadable = false;
    for path in paths {
        let text = match read_guide(path) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("preflight: {message}");
                unreadable = true;
                continue;
            }
        };
        for d in parse(&text).diagnostics {
            println!("{path}:{}: {}: {}", d.line, d.severity.as_str(), d.message);
            if d.severity == Severity::Error {
                worst = ExitCode::from(1);
            }
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else {
        worst
    }
}
