//! W1 parse in wasm, measured in the browser (headless Chromium), not a
//! test: `./scripts/bench` runs it in release mode and prints the figures.
//! The same 1 MiB input as the native benchmark (the guides under
//! `tests/fixtures/guides/` in file-name order, repeated, each copy closed
//! with a fence), parsed by the guide model and by a bare pulldown-cmark
//! event iteration, alternately, in the same page.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const GUIDES: [&str; 3] = [
    include_str!("fixtures/guides/phase3-canary-rollout.md"),
    include_str!("fixtures/guides/sqlite-dedup-deployment-checklist.md"),
    include_str!("fixtures/guides/threading-update-production.md"),
];

fn one_megabyte_guide() -> String {
    let mut text = String::with_capacity(1 << 20);
    'fill: loop {
        for g in GUIDES {
            if text.len() + g.len() > 1 << 20 {
                break 'fill;
            }
            text.push_str(g);
            text.push_str("\n```\n\n");
        }
    }
    text
}

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

#[wasm_bindgen_test]
fn parse_figures() {
    let text = one_megabyte_guide();
    let (mut base, mut guide) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        let t0 = now();
        let events = preflight_core::markdown::parser(&text)
            .into_offset_iter()
            .count();
        let t1 = now();
        let model = preflight_core::Guide::parse(&text);
        assert!(events > 10_000 && !model.phases.is_empty());
        drop(model);
        let t2 = now();
        base.push(t1 - t0);
        guide.push(t2 - t1);
    }
    let (b, g) = (median(base), median(guide));
    web_sys::console::log_1(
        &format!(
            "W1 parse (wasm, {} bytes, median of 15): pulldown-cmark {b:.1} ms, guide model {g:.1} ms, {:.2}x",
            text.len(),
            g / b
        )
        .into(),
    );
}
