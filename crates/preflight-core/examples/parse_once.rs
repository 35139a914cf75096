//! Parses the 1 MB benchmark guide once, in the mode given as the first
//! argument: `setup` (only build the input), `baseline` (iterate
//! pulldown-cmark's events), `document` (`preflight_core::parse`) or
//! `guide` (`Guide::parse`). `scripts/bench-parse` runs each mode under
//! callgrind and compares instruction counts, which unlike wall-clock time
//! repeat exactly from run to run.

#[path = "../benches/input.rs"]
mod input;
use input::one_megabyte_guide;

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let text = one_megabyte_guide();
    match mode.as_str() {
        "setup" => {}
        "baseline" => {
            std::hint::black_box(
                preflight_core::markdown::parser(&text)
                    .into_offset_iter()
                    .count(),
            );
        }
        "document" => {
            std::hint::black_box(preflight_core::parse(&text));
        }
        "guide" => {
            std::hint::black_box(preflight_core::Guide::parse(&text));
        }
        other => {
            eprintln!("usage: parse_once setup|baseline|document|guide (got {other:?})");
            std::process::exit(2);
        }
    }
}
