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

/// Guides written to make the run parameters' reader slow, about 1 MB
/// each: its time per byte on each, against the baseline's on the 1 MB
/// guide. A reader that is linear stays within a small multiple of it.
fn hostile_params() -> Vec<(&'static str, String)> {
    const MB: usize = 1 << 20;
    let fill = |unit: &str| unit.repeat(MB / unit.len());
    let names: String = (0..MB / 48)
        .map(|i| format!("echo <p{i:07}x> <p{i:07}x>\necho <q{i:07}y>\n"))
        .collect();
    vec![
        (
            "closers on one line",
            format!("```bash\n{}\n```\n", fill("</")),
        ),
        (
            "markup-like tags",
            format!("```bash\n{}\n```\n", fill("<a b>")),
        ),
        ("code spans in prose", fill("` <ab>` ")),
        (
            "angles, braces, dollars",
            format!("```bash\n{}\n```\n", fill("<<{{$$[[")),
        ),
        ("names one edit apart", format!("```bash\n{names}```\n")),
    ]
}

fn params_ratios() {
    let text = one_megabyte_guide();
    let per_byte = |t: &str, f: &dyn Fn(&str)| {
        let mut samples: Vec<f64> = (0..5)
            .map(|_| {
                let start = std::time::Instant::now();
                f(t);
                start.elapsed().as_secs_f64() / t.len() as f64
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2]
    };
    let base = per_byte(&text, &|t| {
        black_box(baseline(black_box(t)));
    });
    let find = |t: &str| {
        black_box(preflight_core::guide::params::find(black_box(t)));
    };
    let mut line = format!(
        "W1 run parameters (time per byte against the baseline's, medians of 5): the 1 MB guide {:.2}x",
        per_byte(&text, &find) / base
    );
    for (name, t) in hostile_params() {
        line.push_str(&format!("; {name} {:.2}x", per_byte(&t, &find) / base));
    }
    println!("{line}");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = bench
}

fn main() {
    benches();
    ratios();
    params_ratios();
    Criterion::default().configure_from_args().final_summary();
}
