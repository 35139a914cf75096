//! Step fidelity: the model of every labelled guide in `../shared/guides`
//! against the hand-labelled steps (`labels/steps.tsv`, rules in
//! `labels/LABELLING.md`), scored as `shared/tools/step-fidelity.py`
//! scores the CLI: a reported line matches a label on the same line or the
//! one before it. The floors are the level reached; a change that lowers
//! recognition fails here with the guide, its misses and its extras.
//!
//! Also: every guide in both folders keeps the model's invariants.

use preflight_core::guide::{Guide, Step, StepKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Macro-averaged F1 over the labelled guides, as reached.
const OVERALL_F1: f64 = 0.98;
/// No labelled guide scores below this.
const GUIDE_F1: f64 = 0.89;

fn shared() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/guides");
    assert!(
        dir.join("labels/steps.tsv").is_file(),
        "the labelled guides are missing: expected {}",
        dir.display()
    );
    dir
}

/// Every line a person would tick in the model: steps and sub-steps (a
/// command's own parts count as the command), criteria and triggers.
fn reported(guide: &Guide) -> BTreeSet<usize> {
    fn walk(steps: &[Step], out: &mut BTreeSet<usize>) {
        for s in steps {
            out.insert(s.line);
            if s.kind != StepKind::Command {
                walk(&s.substeps, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for p in guide.all_phases() {
        walk(&p.steps, &mut out);
        out.extend(p.gates.iter().map(|g| g.line));
    }
    out.extend(guide.rollback.triggers.iter().map(|t| t.line));
    out
}

struct Score {
    precision: f64,
    recall: f64,
    f1: f64,
    missed: Vec<usize>,
    extra: Vec<usize>,
}

fn score(labels: &BTreeSet<usize>, got: &BTreeSet<usize>) -> Score {
    let found: BTreeSet<_> = labels
        .iter()
        .filter(|&&l| got.contains(&l) || got.contains(&(l + 1)))
        .copied()
        .collect();
    let right: BTreeSet<_> = got
        .iter()
        .filter(|&&g| labels.contains(&g) || (g > 0 && labels.contains(&(g - 1))))
        .copied()
        .collect();
    let ratio = |a: usize, b: usize, empty: f64| if b == 0 { empty } else { a as f64 / b as f64 };
    let recall = ratio(
        found.len(),
        labels.len(),
        if got.is_empty() { 1.0 } else { 0.0 },
    );
    let precision = ratio(
        right.len(),
        got.len(),
        if labels.is_empty() { 1.0 } else { 0.0 },
    );
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Score {
        precision,
        recall,
        f1,
        missed: labels.difference(&found).copied().collect(),
        extra: got.difference(&right).copied().collect(),
    }
}

#[test]
fn labelled_guides_keep_their_step_fidelity() {
    let base = shared();
    let tsv = std::fs::read_to_string(base.join("labels/steps.tsv")).unwrap();
    let mut labels: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for row in tsv.lines().skip(1) {
        let mut cols = row.split('\t');
        let (Some(file), Some(line)) = (cols.next(), cols.next()) else {
            continue;
        };
        let line: usize = line.parse().expect("a line number");
        let set = labels.entry(file.to_owned()).or_default();
        if line > 0 {
            set.insert(line);
        }
    }
    assert!(labels.len() >= 18, "{} labelled guides", labels.len());
    let mut report = String::new();
    let mut sum = 0.0;
    let mut low = Vec::new();
    for (file, want) in &labels {
        let text = std::fs::read_to_string(base.join(file)).unwrap();
        let s = score(want, &reported(&Guide::parse(&text)));
        report.push_str(&format!(
            "{file}: P {:.3} R {:.3} F1 {:.3} missed {:?} extra {:?}\n",
            s.precision, s.recall, s.f1, s.missed, s.extra
        ));
        sum += s.f1;
        if s.f1 < GUIDE_F1 {
            low.push(file.clone());
        }
    }
    let overall = sum / labels.len() as f64;
    println!("{report}overall F1 {overall:.3}");
    assert!(
        overall >= OVERALL_F1 && low.is_empty(),
        "overall F1 {overall:.3} (floor {OVERALL_F1}); below {GUIDE_F1}: {low:?}\n{report}"
    );
}

/// Every guide in `../shared/guides` and `../shared/guides/public`:
/// every task item is exactly one task step, ids are unique, every step
/// points at a line of the text, and the outline renders.
#[test]
fn every_shared_guide_keeps_the_invariants() {
    let base = shared();
    let mut seen = 0;
    for dir in [base.clone(), base.join("public")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("md") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let g = Guide::parse(&text);
            let name = path.display();
            let lines = text.lines().count();
            let all = g.all_steps();
            let tasks = all.iter().filter(|s| s.kind == StepKind::Task).count();
            assert_eq!(tasks, g.tasks.len(), "{name}: one task step per task item");
            let mut ids = BTreeSet::new();
            for s in &all {
                assert!(ids.insert(s.id.as_str()), "{name}: id {} twice", s.id);
                assert!(
                    s.line >= 1 && s.line <= lines,
                    "{name}: step at line {}",
                    s.line
                );
                assert!(
                    !s.text.trim().is_empty(),
                    "{name}: empty step at {}",
                    s.line
                );
            }
            assert!(g.outline().lines().count() > 2, "{name}");
            seen += 1;
        }
    }
    assert!(seen >= 18, "{seen} guides read");
}
