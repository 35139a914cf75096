//! W1 parse: building the guide model from a 1 MB guide, against a bare
//! pulldown-cmark event iteration of the same text (the baseline every
//! Markdown tool pays). Run: `cargo bench -p preflight-core --bench parse`.
//!
//! The 1 MB guide comes from `input.rs` (shared with
//! `examples/parse_once.rs`).
//! At the end the bench prints the ratios of the medians.

use criterion::{criterion_group, Criterion};
use std::hint::black_box;
use std::time::Duration;

#[path = "input.rs"]
mod input;
use input::one_megabyte_guide;

fn baseline(text: &str) -> usize {
    preflight_core::markdown::parser(text)
        .into_offset_iter()
        .count()
}

fn bench(c: &mut Criterion) {
    let text = one_megabyte_guide();
    let mut group = c.benchmark_group("W1 parse 1 MB");
    group.throughput(criterion::Throughput::Bytes(text.len() as u64));
    group.bench_function("pulldown-cmark events (baseline)", |b| {
        b.iter(|| baseline(black_box(&text)))
    });
    group.bench_function("document tree", |b| {
        b.iter(|| preflight_core::parse(black_box(&text)))
    });
    group.bench_function("guide model", |b| {
        b.iter(|| preflight_core::Guide::parse(black_box(&text)))
    });
    group.finish();
}

/// Medians measured again in one loop, so the printed ratio compares runs
/// made under the same conditions.
fn ratios() {
    let text = one_megabyte_guide();
    let median = |f: &dyn Fn()| {
        let mut samples: Vec<Duration> = (0..25)
            .map(|_| {
                let start = std::time::Instant::now();
                f();
                start.elapsed()
            })
            .collect();
        samples.sort();
        samples[samples.len() / 2]
    };
    let base = median(&|| {
        black_box(baseline(black_box(&text)));
    });
    let tree = median(&|| {
        black_box(preflight_core::parse(black_box(&text)));
    });
    let model = median(&|| {
        black_box(preflight_core::Guide::parse(black_box(&text)));
    });
    println!(
        "W1 ratios ({} bytes, medians of 25): baseline {:.2} ms, document tree {:.2} ms ({:.2}x), guide model {:.2} ms ({:.2}x)",
        text.len(),
        base.as_secs_f64() * 1e3,
        tree.as_secs_f64() * 1e3,
        tree.as_secs_f64() / base.as_secs_f64(),
        model.as_secs_f64() * 1e3,
        model.as_secs_f64() / base.as_secs_f64()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = bench
}

fn main() {
    benches();
    ratios();
    Criterion::default().configure_from_args().final_summary();
}
