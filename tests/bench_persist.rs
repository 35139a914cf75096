//! W-persist, measured in the browser (headless Chromium), not a test:
//! `scripts/bench-persist` runs it in release mode and prints the figures.
//!
//! * Opening a 5,000-item run: its 2,500 stored events decided again by
//!   the rules (`Session::open`).
//! * One check-off in that run: `Session::apply` and writing the event it
//!   asks to save to `localStorage`, main-thread time, median of 200.
//! * A full save of that run (encode + `setItem`) against the same data
//!   saved by `JSON.stringify` + `setItem` in the same page.
#![cfg(target_arch = "wasm32")]

use preflight::persist;
use preflight_core::run::apply::{Effect, Input, Session};
use preflight_core::{Action, Guide, Run};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn say(line: String) {
    web_sys::console::log_1(&line.into());
}

#[wasm_bindgen_test]
fn persist_figures() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let mut text = String::from("# Big release\n\n## Checklist\n\n");
    for i in 0..5000 {
        text.push_str(&format!("- [ ] Item {i}: verify shard {i} is healthy\n"));
    }
    let guide = Guide::parse(&text);
    let t0 = 1_764_000_000_000;
    let mut run = Run::new(
        [9; 16],
        &guide,
        "bench",
        "Ana",
        BTreeMap::new(),
        t0,
        Run::default_window(&guide, t0),
    );
    run.writer = "bench".into();
    let plan = run.plan(&guide);
    let ids: Vec<String> = plan.run_steps().map(|(_, s)| s.id.clone()).collect();
    assert_eq!(ids.len(), 5000);
    // Half the run done already, as in the middle of a deploy.
    for (i, id) in ids.iter().take(2500).enumerate() {
        run.record(
            &plan,
            t0 + i as i64,
            "Ana",
            Action::Check {
                step: id.clone(),
                overridden: None,
            },
        )
        .unwrap();
    }
    persist::save_snapshot(&run).unwrap();

    // Opening the run decides its stored log again, every rule checked.
    let start = now();
    let (mut session, refused) = Session::open(run, Arc::new(guide), "bench");
    let open_ms = now() - start;
    assert!(refused.is_empty());
    say(format!(
        "open a 5,000-item run: its 2,500 stored events decided again in {open_ms:.3} ms"
    ));

    // One check-off: the core's apply, then the one small write it asks for.
    let mut times = Vec::new();
    for (i, id) in ids.iter().skip(2500).take(200).enumerate() {
        let start = now();
        let applied = session
            .apply(
                t0 + 10_000 + i as i64,
                Input::Local {
                    by: "Ana".into(),
                    action: Action::Check {
                        step: id.clone(),
                        overridden: None,
                    },
                },
            )
            .unwrap();
        for effect in &applied.effects {
            if let Effect::Save(ids) = effect {
                for id in ids {
                    persist::save_event(&session.run, id).unwrap();
                }
            }
        }
        times.push(now() - start);
    }
    say(format!(
        "persist one check-off (5,000-item run, 2,700 events): median {:.3} ms, max {:.3} ms",
        median(times.clone()),
        times.iter().cloned().fold(0.0, f64::max)
    ));
    let run = session.run;

    // A full save against JSON.stringify + setItem of the same data.
    let snapshot = run.encode();
    let value = js_sys::JSON::parse(&snapshot).unwrap();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..30 {
        let start = now();
        persist::save_snapshot(&run).unwrap();
        ours.push(now() - start);
        let start = now();
        let json: String = js_sys::JSON::stringify(&value).unwrap().into();
        storage.set_item("bench.baseline", &json).unwrap();
        theirs.push(now() - start);
    }
    let (ours, theirs) = (median(ours), median(theirs));
    say(format!(
        "full save ({} KB): {:.3} ms; JSON.stringify + setItem: {:.3} ms; ratio {:.2}x",
        snapshot.len() / 1000,
        ours,
        theirs,
        ours / theirs
    ));
    storage.clear().unwrap();
}
