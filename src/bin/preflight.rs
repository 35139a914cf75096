//! `preflight`: the command-line face of the same core the app uses.
//!
//! ```text
//! preflight inspect [--json] FILE|-   the guide model: an outline, or JSON
//! preflight check FILE...             diagnostics as FILE:LINE: severity: message
//! ```
//! Exit codes: 0 fine, 1 a guide has errors, 2 a file could not be read or
//! the command line is wrong.

use preflight_core::guide::{Phase, Step};
use preflight_core::text::duration::format_range;
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
        outline(&guide)
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

fn outline(guide: &Guide) -> String {
    let mut out = String::new();
    let c = guide.counts;
    out.push_str(&guide.title);
    out.push('\n');
    let checked = guide.tasks.iter().filter(|t| t.checked).count();
    out.push_str(&format!(
        "{} phases, {} steps ({} tasks, {} checked in the guide), {} gates, {} rollback triggers, {} troubleshooting entries\n",
        c.phases, c.steps, c.tasks, checked, c.gates, c.triggers, guide.troubleshooting.len()
    ));
    if let Some(r) = guide.encoding_repair {
        out.push_str(&format!("encoding repaired: {}\n", r.name()));
    }
    if let Some(e) = guide.estimate_s {
        out.push_str(&format!("estimated time: {}\n", format_range(e)));
    }
    if let Some(d) = guide.downtime_s {
        out.push_str(&format!("estimated downtime: {}\n", format_range(d)));
    }
    fn phase(out: &mut String, p: &Phase, depth: usize) {
        let indent = "  ".repeat(depth);
        let mut tags = vec![p.kind.as_str().to_owned()];
        if let Some(e) = p.estimate_s {
            tags.push(format_range(e));
        }
        if p.optional {
            tags.push("optional".into());
        }
        if p.alternative_group.is_some() {
            tags.push("alternative".into());
        }
        out.push_str(&format!(
            "{indent}{} [{}] line {}: {} steps, {} gates\n",
            p.title,
            tags.join(", "),
            p.line,
            count_steps(&p.steps),
            p.gates.len()
        ));
        for s in &p.sections {
            phase(out, s, depth + 1);
        }
    }
    fn count_steps(steps: &[Step]) -> usize {
        steps.iter().map(|s| 1 + count_steps(&s.substeps)).sum()
    }
    for p in &guide.phases {
        phase(&mut out, p, 1);
    }
    if !guide.rollback.steps.is_empty() || !guide.rollback.triggers.is_empty() {
        out.push_str(&format!(
            "rollback: {} steps, {} triggers{}\n",
            guide.rollback.steps.len(),
            guide.rollback.triggers.len(),
            guide
                .rollback
                .estimate_s
                .map(|e| format!(", {}", format_range(e)))
                .unwrap_or_default()
        ));
    }
    out.push_str(&format!("diagnostics: {}\n", guide.diagnostics.len()));
    out
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
