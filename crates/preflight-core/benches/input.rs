//! The W1 benchmark input, shared by `benches/parse.rs` (wall clock) and
//! `examples/parse_once.rs` (instruction counts) so both measure the same
//! text: the real guides under `tests/fixtures/guides/` in file-name order,
//! repeated up to 1 MiB, each copy closed with a fence so that an unclosed
//! block in one copy cannot swallow the next.

pub fn one_megabyte_guide() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/guides");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    paths.sort();
    let guides: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("UTF-8 fixture"))
        .collect();
    let mut text = String::with_capacity(1 << 20);
    'fill: loop {
        for g in &guides {
            if text.len() + g.len() > 1 << 20 {
                break 'fill;
            }
            text.push_str(g);
            text.push_str("\n```\n\n");
        }
    }
    text
}
