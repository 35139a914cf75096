//! Runs written as scripts, through one helper: each line is a change at a
//! minute of the run, by a person, from a source; the rendering is what
//! each change did, then the run's steps, criteria, progress and next
//! step, and, when there are any, its decisions, rollback steps,
//! signatures, confirmations, notes, outcome and what was set aside.
//!
//! ```text
//! 3 Ana check #1              an action here (steps and criteria by
//! 5 Bob@relay check #2        their place: #2 is the second run step,
//! 4 Cy@tab skip #3 no time    r1 the first rollback step, g1 the first
//! 6 Bob@import ...            criterion; anything else is an id as
//!                             written); @relay, @tab, @import and
//!                             @storage deliver the change as an event
//! ```
//! from elsewhere. Verbs: check, check! (a wait cut short: `check! #2
//! reason`), uncheck, ack (a guarded step confirmed: `ack #2`, or `ack
//! #2 what the client says it showed`), skip, skip-phase and
//! unskip-phase (a phase id), note (`note text` or `note #2 text`), wait
//! (a step or phase, seconds), measure, confirm (yes|no), override,
//! perform, verify, approve (`approve` the run, `approve p-deploy` a
//! phase; the role is Lead, or the words after `as`: `perform p-deploy
//! as release lead`, `as` alone for none), decide
//! (rollback|pause|continue), finish (completed|rolled_back|abandoned,
//! then a note), adopt (a hash), make (a line, then the text the client
//! sends), drop (a step). Words in quotes keep the spaces at their ends
//! (`skip #2 " "` gives a blank reason). `four-eyes` on its own line
//! makes the run need an approval; `show` renders the run as it stands
//! at that line.
//!
//! Times in the rendering are minutes of the run, like the script's.

use super::*;
use crate::run::{Answer, Window};
use expect_test::{expect, Expect};
use proptest::prelude::*;
use std::collections::BTreeMap;

const T0: i64 = 1_764_000_000_000;
const MIN: i64 = 60_000;

pub(crate) const GUIDE: &str = "# Deploy web

## Prepare

- [ ] Back up the database
- [ ] Tell the support team

### Success criteria

- [ ] Error rate below 1%

## Deploy

- [ ] Run `deploy.sh`
- [ ] Wait 10 minutes for the caches to warm

## Rollback

- [ ] Run `rollback.sh`
";

pub(crate) fn session(guide: &str) -> Session {
    let base = Arc::new(Guide::parse(guide));
    let run = Run::new(
        [7; 16],
        &base,
        &crate::guide_hash(guide),
        "Ana",
        BTreeMap::new(),
        T0,
        Window {
            start_ms: T0,
            end_ms: T0 + 60 * MIN,
        },
    );
    Session::open(run, base, &crate::guide_hash(guide)).0
}

/// A place in `s`'s plan: the `n`th (1-based) run step (`#n`) or
/// rollback step (`rn`); anything else is taken as an id, as written.
pub(crate) fn step(s: &Session, r: &str) -> String {
    let nth = |n: &str| n.parse::<usize>().ok().filter(|n| *n > 0);
    let found = if let Some(n) = r.strip_prefix('r').and_then(nth) {
        s.plan.rollback_steps().nth(n - 1)
    } else if let Some(n) = r.strip_prefix('#').and_then(nth) {
        s.plan.run_steps().nth(n - 1)
    } else {
        None
    };
    found.map_or_else(|| r.to_owned(), |(_, st)| st.id.clone())
}

/// The `n`th (1-based) criterion of the run's phases (`gn`); anything
/// else is taken as an id.
pub(crate) fn gate(s: &Session, r: &str) -> String {
    r.strip_prefix('g')
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .and_then(|n| s.plan.run_phases().flat_map(|p| &p.gates).nth(n - 1))
        .map_or_else(|| r.to_owned(), |g| g.id.clone())
}

/// Whether a script word names a step by its place (`#n`, `rn`).
fn is_place(word: &str) -> bool {
    let digits = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    word.strip_prefix('#').is_some_and(digits) || word.strip_prefix('r').is_some_and(digits)
}

/// The place of step `id` in `s`'s plan (`#n`, `rn`), or the id.
fn place(s: &Session, id: &str) -> String {
    if let Some(n) = s.plan.run_steps().position(|(_, st)| st.id == id) {
        return format!("#{}", n + 1);
    }
    if let Some(n) = s.plan.rollback_steps().position(|(_, st)| st.id == id) {
        return format!("r{}", n + 1);
    }
    id.to_owned()
}

/// The minute of the run a time is (`3`), with seconds when it has them.
fn minute(at_ms: i64) -> String {
    let ms = at_ms - T0;
    if ms % MIN == 0 {
        format!("{}", ms / MIN)
    } else {
        format!(
            "{}:{:06.3}",
            ms.div_euclid(MIN),
            ms.rem_euclid(MIN) as f64 / 1000.0
        )
    }
}

pub(crate) fn action(s: &Session, verb: &str, args: &[&str]) -> Action {
    // The words from `from` on; in quotes, with the spaces at their ends
    // (`" "` is a blank reason).
    let rest = |from: usize| {
        let words = args.get(from..).unwrap_or_default().join(" ");
        match words.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
            Some(quoted) => quoted.to_owned(),
            None => words,
        }
    };
    // `approve`, `approve p-deploy`, `perform p-deploy as release lead`;
    // the role is Lead unless said (`as` alone: no role).
    let sign = |meaning| {
        let (phase, role) = match args.iter().position(|a| *a == "as") {
            Some(at) => (args[..at].first(), rest(at + 1)),
            None => (args.first(), "Lead".to_owned()),
        };
        Action::SignOff {
            phase: phase.map(|p| p.to_string()),
            role,
            meaning,
            tz_offset_min: 60,
            proof: None,
        }
    };
    match verb {
        "check" => Action::Check {
            step: step(s, args[0]),
            overridden: None,
        },
        "check!" => Action::Check {
            step: step(s, args[0]),
            overridden: Some(rest(1)),
        },
        "uncheck" => Action::Uncheck {
            step: step(s, args[0]),
        },
        "ack" => Action::Acknowledge {
            step: step(s, args[0]),
            hazards: Some(rest(1))
                .filter(|h| !h.is_empty())
                .into_iter()
                .collect(),
        },
        "skip" => Action::Skip {
            step: step(s, args[0]),
            reason: rest(1),
        },
        "skip-phase" => Action::SkipPhase {
            phase: args[0].to_owned(),
        },
        "unskip-phase" => Action::UnskipPhase {
            phase: args[0].to_owned(),
        },
        "note" => {
            let on = args.first().filter(|a| is_place(a));
            Action::Note {
                step: on.map(|a| step(s, a)),
                text: rest(usize::from(on.is_some())),
            }
        }
        "wait" => Action::StartWait {
            target: step(s, args[0]),
            seconds: args[1].parse().expect("seconds"),
        },
        "measure" => Action::Measure {
            gate: gate(s, args[0]),
            value: args[1].parse().expect("value"),
        },
        "confirm" => Action::Confirm {
            gate: gate(s, args[0]),
            ok: args[1] == "yes",
        },
        "override" => Action::OverrideGate {
            gate: gate(s, args[0]),
            reason: rest(1),
        },
        "perform" => sign(Meaning::Performed),
        "verify" => sign(Meaning::Verified),
        "approve" => sign(Meaning::Approved),
        "decide" => Action::Decide {
            path: vec![Answer {
                question: "Is it broken?".into(),
                yes: true,
            }],
            decision: match args[0] {
                "rollback" => Decision::RollBack,
                "pause" => Decision::Pause,
                _ => Decision::Continue,
            },
        },
        "finish" => Action::Finish {
            outcome: match args[0] {
                "completed" => Outcome::Completed,
                "rolled_back" => Outcome::RolledBack,
                _ => Outcome::Abandoned,
            },
            note: rest(1),
        },
        "adopt" => Action::AdoptGuide {
            from_hash: s.run.current_guide_hash().to_owned(),
            to_hash: rest(0),
            removed: Vec::new(),
            changed: Vec::new(),
        },
        "make" => Action::MakeStep {
            line: args[0].parse().expect("line"),
            text: rest(1),
        },
        "drop" => Action::NotAStep {
            step: step(s, args[0]),
        },
        // `set <param> [#step] <value…>`; `set-secret <param>`.
        "set" => {
            let on = args.get(1).filter(|a| is_place(a));
            Action::SetParam {
                param: args[0].to_owned(),
                step: on.map(|a| step(s, a)),
                value: Some(rest(1 + usize::from(on.is_some()))),
            }
        }
        "set-secret" => Action::SetParam {
            param: args[0].to_owned(),
            value: None,
            step: None,
        },
        other => panic!("unknown verb {other}"),
    }
}

/// Plays `script` on a new run of `guide` and renders what happened.
pub(crate) fn run_script(guide: &str, script: &str) -> (Session, String) {
    let mut s = session(guide);
    s.statuses = true;
    let mut out = String::new();
    for (n, line) in script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if line == "four-eyes" {
            s.run.four_eyes = true;
            continue;
        }
        if line == "show" {
            out.push_str("show:\n");
            for l in render(&s).lines() {
                out.push_str(&format!("  {l}\n"));
            }
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = T0 + words[0].parse::<i64>().expect("minute") * MIN;
        let (who, from) = match words[1].split_once('@') {
            Some((who, "relay")) => (who, Source::Relay),
            Some((who, "tab")) => (who, Source::Tab),
            Some((who, "import")) => (who, Source::Import),
            Some((who, "storage")) => (who, Source::Storage),
            Some((_, other)) => panic!("unknown source {other}"),
            None => (words[1], Source::Here),
        };
        let action = action(&s, words[2], &words[3..]);
        let input = if from == Source::Here {
            Input::Local {
                by: who.into(),
                action,
            }
        } else {
            Input::Events {
                from,
                events: vec![Event {
                    id: format!("{at:x}-{}-{n:08}", who.to_lowercase()),
                    at_ms: at,
                    by: who.into(),
                    action,
                }],
            }
        };
        out.push_str(&format!("{line}: "));
        // What was accepted is said as the checklist stood before it
        // (a step made not a step is named by its text).
        let plan = s.plan.clone();
        out.push_str(&match s.apply(at, input) {
            Ok(applied) => render_applied(&s, &plan, &applied),
            Err(why) => format!("refused: {why}"),
        });
        out.push('\n');
    }
    out.push_str(&render(&s));
    (s, out)
}

fn render_applied(s: &Session, plan: &Plan, a: &Applied) -> String {
    let mut parts = Vec::new();
    if !a.accepted.is_empty() {
        let what: Vec<String> = a
            .accepted
            .iter()
            .filter_map(|id| s.run.events.iter().find(|e| &e.id == id))
            .map(|e| describe(&e.action, plan))
            .collect();
        parts.push(format!("accepted [{}]", what.join(", ")));
    }
    for e in &a.effects {
        match e {
            Effect::Save(ids) => parts.push(format!("save {}", ids.len())),
            Effect::Publish(ids) => parts.push(format!("publish {}", ids.len())),
            Effect::Status { kind, .. } => parts.push(format!("status {kind:?}")),
            Effect::SetAside(all) => {
                for x in all {
                    parts.push(format!("set aside ({})", x.why.rule()));
                }
            }
            other => parts.push(format!("{other:?}")),
        }
    }
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join("; ")
    }
}

pub(crate) fn render(s: &Session) -> String {
    let st = s.run.state();
    let mut out = String::new();
    let done = |at: Option<i64>, by: Option<String>| match at {
        Some(at) => format!("done by {} at {}", by.unwrap_or_default(), minute(at)),
        None => "done in the guide".to_owned(),
    };
    let status = |phase: &PlanPhase, step: &PlanStep| match st.status_in(phase, step) {
        StepStatus::Pending => match s.run.locked_by(&s.plan, &st, &phase.id) {
            Some(by) => format!("open, locked by “{}”", by.title),
            None => "open".to_owned(),
        },
        StepStatus::Done {
            at_ms,
            by,
            overridden: None,
        } => done(at_ms, by),
        StepStatus::Done {
            at_ms,
            by,
            overridden: Some(why),
        } => format!("{} (wait cut short: {why})", done(at_ms, by)),
        StepStatus::Skipped { at_ms, by, reason } => {
            format!("skipped by {by} at {}: {reason}", minute(at_ms))
        }
    };
    for (n, (phase, step)) in s.plan.run_steps().enumerate() {
        out.push_str(&format!(
            "#{} {}: {}\n",
            n + 1,
            step.text,
            status(phase, step)
        ));
    }
    let value = |v: Option<f64>, verdict: Verdict| {
        let verdict = match verdict {
            Verdict::Pass => String::new(),
            other => format!(" ({})", format!("{other:?}").to_lowercase()),
        };
        v.map_or(String::new(), |v| format!(": {v}{verdict}"))
    };
    // A criterion met without a time of its own follows its step.
    let by_at = |by: Option<String>, at: Option<i64>, g: &PlanGate| match (at, &g.step) {
        (Some(at), _) => format!(" by {} at {}", by.unwrap_or_default(), minute(at)),
        (None, Some(step)) => format!(" with its step {}", place(s, step)),
        (None, None) => " in the guide".to_owned(),
    };
    for (n, g) in s.plan.run_phases().flat_map(|p| &p.gates).enumerate() {
        let status = match s.run.gate_status(&st, g) {
            GateStatus::Open => match s.run.gate_due_ms(&s.plan, &st, g) {
                Some(due) => format!("open, due at {}", minute(due)),
                None => "open".to_owned(),
            },
            GateStatus::Met {
                value: v,
                verdict,
                at_ms,
                by,
            } => format!("met{}{}", value(v, verdict), by_at(by, at_ms, g)),
            GateStatus::Failed {
                value: None,
                at_ms,
                by,
                ..
            } => format!("failed: no{}", by_at(Some(by), Some(at_ms), g)),
            GateStatus::Failed {
                value: v,
                verdict,
                at_ms,
                by,
            } => format!(
                "failed{}{}",
                value(v, verdict),
                by_at(Some(by), Some(at_ms), g)
            ),
            GateStatus::Overridden {
                reason,
                at_ms,
                by,
                value: v,
            } => format!(
                "overridden{}: {reason}{}",
                by_at(Some(by), Some(at_ms), g),
                v.map_or(String::new(), |v| format!(" (measured {v})"))
            ),
        };
        out.push_str(&format!("g{} {}: {status}\n", n + 1, g.text));
    }
    let next = s
        .run
        .current_step(&s.plan, &st)
        .map_or("nothing".to_owned(), |n| {
            format!("{} {}", place(s, &n.id), n.text)
        });
    out.push_str(&format!(
        "progress: {}; next: {next}\n",
        s.run.progress(&s.plan, &st, None).label()
    ));
    for (name, p) in &st.params {
        out.push_str(&format!(
            "param {name} = {} by {} at {}{}{}\n",
            p.value.as_deref().unwrap_or("(secret, kept on its device)"),
            p.by,
            minute(p.at_ms),
            p.step
                .as_deref()
                .map_or(String::new(), |id| format!(" at {}", place(s, id))),
            if p.times > 1 {
                format!(", set {} times", p.times)
            } else {
                String::new()
            }
        ));
    }
    for (at, by, path, decision) in &st.decisions {
        let path: Vec<String> = path
            .iter()
            .map(|a| format!("“{}” {}", a.question, if a.yes { "yes" } else { "no" }))
            .collect();
        out.push_str(&format!(
            "decided by {by} at {}: {} ({})\n",
            minute(*at),
            decision.label(),
            path.join(", ")
        ));
    }
    if let Some((at, by)) = &st.rollback {
        out.push_str(&format!(
            "rolling back since {} (by {by}): {}\n",
            minute(*at),
            s.run.rollback_progress(&s.plan, &st).label()
        ));
        for (n, (phase, step)) in s.plan.rollback_steps().enumerate() {
            out.push_str(&format!(
                "r{} {}: {}\n",
                n + 1,
                step.text,
                status(phase, step)
            ));
        }
    }
    for sig in &st.signatures {
        let what = sig.phase.as_deref().map_or("the run".to_owned(), |p| {
            s.plan
                .phase(p)
                .map_or(p.to_owned(), |p| format!("“{}”", p.title))
        });
        out.push_str(&format!(
            "signed: {} {} {what} as {}, {}\n",
            sig.by,
            sig.meaning.label(),
            sig.role,
            signed_at(sig.at_ms, sig.tz_offset_min)
        ));
    }
    let mut confirmed: Vec<_> = st.acknowledged.iter().collect();
    confirmed.sort();
    for (id, (at, by, hazards)) in confirmed {
        out.push_str(&format!(
            "confirmed {} by {by} at {}: {}\n",
            place(s, id),
            minute(*at),
            hazards.join(" ")
        ));
    }
    for note in &st.notes {
        let on = note
            .step
            .as_deref()
            .map_or(String::new(), |id| format!(" on {}", place(s, id)));
        out.push_str(&format!(
            "note by {} at {}{on}: {}\n",
            note.by,
            minute(note.at_ms),
            note.text
        ));
    }
    if st.corrections > 0 {
        out.push_str(&format!(
            "corrections of the checklist: {}\n",
            st.corrections
        ));
    }
    if let Some((outcome, at, by, note)) = &st.outcome {
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        };
        out.push_str(&format!(
            "outcome: {} by {by} at {}{note}\n",
            outcome.label(),
            minute(*at)
        ));
    }
    for x in s.set_aside() {
        out.push_str(&format!("aside: {}\n", x.message(&s.plan)));
    }
    out
}

/// Plays `script` on a new run of `guide`, compares the rendering with
/// `expect`, checks that the log it left keeps every rule, and gives the
/// session for what a rendering does not show.
pub(crate) fn check_run(guide: &str, script: &str, expect: Expect) -> Session {
    let (s, out) = run_script(guide, script);
    expect.assert_eq(&out);
    // Whatever the script did, the log it left keeps every rule: opened
    // again, nothing is set aside.
    let (_, refused) = Session::open(s.run.clone(), s.base.clone(), &s.base_hash);
    assert_eq!(refused, Vec::new(), "the kept log breaks a rule");
    s
}

use crate::run::{signed_at, GateStatus, PlanGate, PlanPhase, PlanStep, StepStatus, Verdict};

#[test]
fn changes_here_are_recorded_saved_and_published_and_rules_refuse_them() {
    check_run(
        GUIDE,
        "
        1 Ana check #1
        2 Ana skip #2
        3 Ana skip #2 support is asleep
        4 Ana check #3
        ",
        expect![[r#"
            1 Ana check #1: accepted [check “Back up the database”]; save 1; publish 1
            2 Ana skip #2: refused: a reason is required
            3 Ana skip #2 support is asleep: accepted [skip “Tell the support team”]; save 1; publish 1; status PhaseCompleted
            4 Ana check #3: accepted [check “Error rate below 1%”]; save 1; publish 1; status PhaseCompleted
            #1 Back up the database: done by Ana at 1
            #2 Tell the support team: skipped by Ana at 3: support is asleep
            #3 Error rate below 1%: done by Ana at 4
            #4 Run deploy.sh: open, locked by “Success criteria”
            #5 Wait 10 minutes for the caches to warm: open, locked by “Success criteria”
            g1 Error rate below 1%: open
            progress: 2 done · 1 skipped · 2 open; next: #4 Run deploy.sh
        "#]],
    );
}

#[test]
fn a_self_approval_from_another_device_is_set_aside_and_changes_nothing() {
    check_run(
        GUIDE,
        "
        four-eyes
        1 Ana check #1
        2 Bob@relay check #2
        3 Bob@relay approve p-prepare
        4 Ana@relay approve
        5 Ana@relay finish completed
        6 Cy@relay approve
        7 Ana@relay finish completed
        ",
        expect![[r#"
            1 Ana check #1: accepted [check “Back up the database”]; save 1; publish 1
            2 Bob@relay check #2: accepted [check “Tell the support team”]; save 1
            3 Bob@relay approve p-prepare: set aside (no self-approval)
            4 Ana@relay approve: set aside (no self-approval)
            5 Ana@relay finish completed: set aside (four-eyes: a second person approves before completion)
            6 Cy@relay approve: accepted [sign off the run as approved]; save 1
            7 Ana@relay finish completed: accepted [finish as completed]; save 1
            #1 Back up the database: done by Ana at 1
            #2 Tell the support team: done by Bob at 2
            #3 Error rate below 1%: open
            #4 Run deploy.sh: open, locked by “Success criteria”
            #5 Wait 10 minutes for the caches to warm: open, locked by “Success criteria”
            g1 Error rate below 1%: open
            progress: 2 done · 0 skipped · 3 open; next: #3 Error rate below 1%
            signed: Cy approved the run as Lead, 2025-11-24 17:06 +01:00
            outcome: completed by Ana at 7
            aside: A change by Bob from another device (sign off “Prepare” as approved) was set aside: it breaks the rule “no self-approval” (Bob performed this work).
            aside: A change by Ana from another device (sign off the run as approved) was set aside: it breaks the rule “no self-approval” (Ana performed this work).
            aside: A change by Ana from another device (finish as completed) was set aside: it breaks the rule “four-eyes: a second person approves before completion”.
        "#]],
    );
}

#[test]
fn nothing_after_the_end_but_a_late_change_from_before_it_is_kept() {
    check_run(
        GUIDE,
        "
        5 Ana finish abandoned called off
        6 Bob@relay check #1
        4 Cy@relay check #2
        ",
        expect![[r#"
            5 Ana finish abandoned called off: accepted [finish as abandoned]; save 1; publish 1; status RunFinished
            6 Bob@relay check #1: set aside (nothing changes after the run has ended)
            4 Cy@relay check #2: accepted [check “Tell the support team”]; save 1
            #1 Back up the database: open
            #2 Tell the support team: done by Cy at 4
            #3 Error rate below 1%: open
            #4 Run deploy.sh: open, locked by “Success criteria”
            #5 Wait 10 minutes for the caches to warm: open, locked by “Success criteria”
            g1 Error rate below 1%: open
            progress: 1 done · 0 skipped · 4 open; next: #1 Back up the database
            outcome: abandoned by Ana at 5: called off
            aside: A change by Bob from another device (check “Back up the database”) was set aside: it breaks the rule “nothing changes after the run has ended”.
        "#]],
    );
}

#[test]
fn a_change_set_aside_is_decided_again_when_an_older_one_arrives() {
    // Bob's device saw the criterion overridden before he went on; the
    // override reaches this device after his check-off.
    check_run(
        GUIDE,
        "
        1 Ana check #1
        6 Bob@relay check #4
        4 Cy@tab override g1 dashboards are down, error rate checked by hand
        ",
        expect![[r#"
            1 Ana check #1: accepted [check “Back up the database”]; save 1; publish 1
            6 Bob@relay check #4: set aside (a phase waits for the success criteria before it)
            4 Cy@tab override g1 dashboards are down, error rate checked by hand: accepted [override “Error rate below 1%”, check “Run deploy.sh”]; save 1
            #1 Back up the database: done by Ana at 1
            #2 Tell the support team: open
            #3 Error rate below 1%: open
            #4 Run deploy.sh: done by Bob at 6
            #5 Wait 10 minutes for the caches to warm: open
            g1 Error rate below 1%: overridden by Cy at 4: dashboards are down, error rate checked by hand
            progress: 2 done · 0 skipped · 3 open; next: #2 Tell the support team
        "#]],
    );
}

#[test]
fn waits_hold_for_changes_from_elsewhere_too() {
    check_run(
        GUIDE,
        "
        1 Ana override g1 checked by hand
        2 Ana check #4
        3 Ana wait #5 600
        5 Bob@relay check #5
        6 Bob@relay check! #5 caches are warm already
        ",
        expect![[r#"
            1 Ana override g1 checked by hand: accepted [override “Error rate below 1%”]; save 1; publish 1; status Override
            2 Ana check #4: accepted [check “Run deploy.sh”]; save 1; publish 1
            3 Ana wait #5 600: accepted [start the wait of “Wait 10 minutes for the caches to warm”]; save 1; publish 1; AskToNotify
            5 Bob@relay check #5: set aside (waits run their time unless a reason is given)
            6 Bob@relay check! #5 caches are warm already: accepted [check “Wait 10 minutes for the caches to warm”]; save 1
            #1 Back up the database: open
            #2 Tell the support team: open
            #3 Error rate below 1%: open
            #4 Run deploy.sh: done by Ana at 2
            #5 Wait 10 minutes for the caches to warm: done by Bob at 6 (wait cut short: caches are warm already)
            g1 Error rate below 1%: overridden by Ana at 1: checked by hand
            progress: 2 done · 0 skipped · 3 open; next: #1 Back up the database
            aside: A change by Bob from another device (check “Wait 10 minutes for the caches to warm”) was set aside: it breaks the rule “waits run their time unless a reason is given” (the wait is still running (8:00 left); give a reason to check it now).
        "#]],
    );
}

#[test]
fn an_adoption_with_a_hash_that_is_not_one_is_set_aside_and_the_run_still_opens() {
    // A hash that would split a character where the first 16 bytes end.
    let (s, out) = run_script(GUIDE, "1 Bob@relay adopt aéééééééé\n2 Ana check #1");
    expect![[r#"
        1 Bob@relay adopt aéééééééé: set aside (well-formed events only)
        2 Ana check #1: accepted [check “Back up the database”]; save 1; publish 1
        #1 Back up the database: done by Ana at 2
        #2 Tell the support team: open
        #3 Error rate below 1%: open
        #4 Run deploy.sh: open, locked by “Success criteria”
        #5 Wait 10 minutes for the caches to warm: open, locked by “Success criteria”
        g1 Error rate below 1%: open
        progress: 1 done · 0 skipped · 4 open; next: #2 Tell the support team
        aside: A change by Bob from another device (follow another version of the guide) was set aside: it breaks the rule “well-formed events only” (the new guide version is not a guide hash).
    "#]]
    .assert_eq(&out);
    // Stored with the bad event among its keys, the run opens everywhere.
    let mut stored = s.run.clone();
    stored
        .events
        .extend(s.set_aside().iter().map(|x| x.event.clone()));
    stored
        .events
        .sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
    let (opened, refused) = Session::open(stored, s.base.clone(), &s.base_hash);
    assert_eq!(opened.run.events, s.run.events);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].why.rule(), "well-formed events only");
    let _ = crate::share::meta_msg_id(&opened.run);
}

#[test]
fn a_rollback_whose_steps_are_done_finishes_the_run() {
    check_run(
        GUIDE,
        "
        1 Ana check #1
        2 Ana decide rollback
        3 Ana check r1
        ",
        expect![[r#"
            1 Ana check #1: accepted [check “Back up the database”]; save 1; publish 1
            2 Ana decide rollback: accepted [decide: Roll back now]; save 1; publish 1; status RollbackStarted
            3 Ana check r1: accepted [check “Run rollback.sh”, finish as rolled back]; save 2; publish 2; status RunFinished
            #1 Back up the database: done by Ana at 1
            #2 Tell the support team: open
            #3 Error rate below 1%: open
            #4 Run deploy.sh: open
            #5 Wait 10 minutes for the caches to warm: open
            g1 Error rate below 1%: open
            progress: 1 done · 0 skipped · 4 open; next: nothing
            decided by Ana at 2: Roll back now (“Is it broken?” yes)
            rolling back since 2 (by Ana): 1 done · 0 skipped · 0 open
            r1 Run rollback.sh: done by Ana at 3
            outcome: rolled back by Ana at 3: All rollback steps done.
        "#]],
    );
}

fn imported(script: &str) -> Run {
    run_script(GUIDE, script).0.run
}

#[test]
fn an_import_that_breaks_four_eyes_or_approves_its_own_work_is_refused_whole() {
    let base = Arc::new(Guide::parse(GUIDE));
    let hash = crate::guide_hash(GUIDE);
    // Kept here: a four-eyes run with one check-off.
    let (mut here, _) = run_script(GUIDE, "four-eyes\n1 Ana check #1");
    here.run.four_eyes = true;
    // The file says the run needs no approval and was completed.
    let mut file = imported("1 Ana check #1\n2 Ana check #2\n3 Ana finish completed");
    file.four_eyes = false;
    let refused = Session::import(Some(here.run.clone()), file, base.clone(), &hash).unwrap_err();
    expect!["A change by Ana from the imported file (finish as completed) was set aside: it breaks the rule “four-eyes: a second person approves before completion”."]
    .assert_eq(&refused.message(&here.plan));
    // A file whose operator approves the run themself.
    let mut file = imported("1 Ana check #1");
    file.events.push(Event {
        id: "zz".into(),
        at_ms: T0 + 2 * MIN,
        by: "Ana".into(),
        action: action(&here, "approve", &[]),
    });
    let refused = Session::import(None, file, base.clone(), &hash).unwrap_err();
    expect!["A change by Ana from the imported file (sign off the run as approved) was set aside: it breaks the rule “no self-approval” (Ana performed this work)."]
    .assert_eq(&refused.message(&here.plan));
    // A file that keeps the rules adds its events under the header here.
    let mut file = imported("1 Ana check #1\n2 Ana check #2\n3 Bob approve");
    file.four_eyes = false;
    file.operator = "Mallory".into();
    let s = Session::import(Some(here.run.clone()), file, base, &hash).unwrap();
    assert!(s.run.four_eyes);
    assert_eq!(s.run.operator, "Ana");
    assert_eq!(s.run.events.len(), 3);
}

#[test]
fn deadlines_come_from_one_poll_and_a_wait_is_announced_once() {
    let (mut s, _) = run_script(
        GUIDE,
        "1 Ana override g1 by hand\n2 Ana check #4\n3 Ana wait #5 600",
    );
    let st = s.run.state();
    // The wait ends at minute 13; the window warns at 48 and ends at 60.
    assert_eq!(s.poll_timeout(&st, T0 + 3 * MIN), Some(T0 + 13 * MIN));
    assert_eq!(s.handle_timeout(&st, T0 + 12 * MIN), Applied::default());
    let due = s.handle_timeout(&st, T0 + 13 * MIN).effects;
    expect![[r#"
        [
            Announce {
                text: "Wait over: Wait 10 minutes for the caches to warm",
                status: Some(
                    (
                        WaitFinished,
                        "Wait 10 minutes for the caches to warm",
                        "fb2132ff-aff1-4dd4-b338-0ad50ade7aec",
                    ),
                ),
            },
        ]
    "#]]
    .assert_debug_eq(&due);
    assert_eq!(s.handle_timeout(&st, T0 + 14 * MIN), Applied::default());
    assert_eq!(s.poll_timeout(&st, T0 + 14 * MIN), Some(T0 + 48 * MIN));
}

// Properties: whatever order events arrive in, and whatever they hold.

/// The ids of a plan that plausible events name: run and rollback steps,
/// criteria, phases, and lines that could be made steps.
struct Ids {
    steps: Vec<String>,
    gates: Vec<String>,
    phases: Vec<String>,
    lines: Vec<usize>,
}

fn ids(s: &Session) -> Ids {
    Ids {
        steps: s
            .plan
            .run_steps()
            .chain(s.plan.rollback_steps())
            .map(|(_, st)| st.id.clone())
            .collect(),
        gates: s
            .plan
            .phases
            .iter()
            .flat_map(|p| &p.gates)
            .map(|g| g.id.clone())
            .collect(),
        phases: s.plan.phases.iter().map(|p| p.id.clone()).collect(),
        lines: s.plan.candidates.keys().copied().collect(),
    }
}

/// The team of a plausible run: the operator, two others, and the
/// operator's name as another device may spell it.
const AUTHORS: [&str; 4] = ["Ana", "Bob", "Cy", "ana"];

fn some_words() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("support is asleep".to_owned()),
        1 => Just(String::new()),
        1 => Just("  ".to_owned()),
    ]
}

/// An action someone on the team could take on the GUIDE fixture.
fn plausible_action() -> impl Strategy<Value = Action> {
    let ids = ids(&session(GUIDE));
    let step = prop::sample::select(ids.steps.clone());
    let gate = prop::sample::select(ids.gates);
    let phase = prop::sample::select(ids.phases.clone());
    let target = prop::sample::select([ids.steps.clone(), ids.phases].concat());
    let mut lines = ids.lines;
    lines.extend([1, 5, 30]);
    prop_oneof![
        6 => (step.clone(), prop::option::of(Just("caches are warm".to_owned())))
            .prop_map(|(step, overridden)| Action::Check { step, overridden }),
        1 => step.clone().prop_map(|step| Action::Uncheck { step }),
        2 => (step.clone(), some_words()).prop_map(|(step, reason)| Action::Skip { step, reason }),
        1 => (prop::option::of(step.clone()), some_words())
            .prop_map(|(step, text)| Action::Note { step, text }),
        2 => (target, prop::sample::select(vec![0u64, 60, 600, 1200]))
            .prop_map(|(target, seconds)| Action::StartWait { target, seconds }),
        2 => (gate.clone(), prop::sample::select(vec![0.0, 0.5, 0.99, 1.0, 1.01, 2.5]))
            .prop_map(|(gate, value)| Action::Measure { gate, value }),
        1 => (gate.clone(), any::<bool>()).prop_map(|(gate, ok)| Action::Confirm { gate, ok }),
        1 => (gate, some_words()).prop_map(|(gate, reason)| Action::OverrideGate { gate, reason }),
        4 => (
            prop::option::of(phase),
            prop::sample::select(Meaning::ALL.to_vec()),
            prop_oneof![4 => Just("Lead".to_owned()), 1 => Just(String::new())],
        )
            .prop_map(|(phase, meaning, role)| Action::SignOff {
                phase,
                role,
                meaning,
                tz_offset_min: 60,
                proof: None,
            }),
        1 => prop::sample::select(vec![Decision::RollBack, Decision::Pause, Decision::Continue])
            .prop_map(|decision| Action::Decide {
                path: vec![Answer {
                    question: "Is it broken?".into(),
                    yes: true,
                }],
                decision,
            }),
        1 => (
            prop::sample::select(vec![Outcome::Completed, Outcome::RolledBack, Outcome::Abandoned]),
            some_words(),
        )
            .prop_map(|(outcome, note)| Action::Finish { outcome, note }),
        1 => prop::sample::select(lines).prop_map(|line| Action::MakeStep {
            line,
            text: String::new(),
        }),
        1 => step.prop_map(|step| Action::NotAStep { step }),
    ]
}

/// Plausible events of one run: times over its first hour (many on the
/// same minute, so some are equal), authors of the team, unique ids.
fn plausible_events(max: usize) -> impl Strategy<Value = Vec<Event>> {
    let at = prop_oneof![
        (0..60i64).prop_map(|m| T0 + m * MIN),
        (0..60 * MIN).prop_map(|ms| T0 + ms),
    ];
    let one = (
        plausible_action(),
        prop::sample::select(AUTHORS.to_vec()),
        at,
        prop::sample::select(vec!['a', 'b', 'c']),
    );
    prop::collection::vec(one, 1..max).prop_map(|all| {
        all.into_iter()
            .enumerate()
            .map(|(n, (action, by, at_ms, writer))| Event {
                id: format!("{at_ms:x}-{writer}-{n:08}"),
                at_ms,
                by: by.into(),
                action,
            })
            .collect()
    })
}

fn log_key(e: &Event) -> (i64, String) {
    (e.at_ms, e.id.clone())
}

fn in_log_order(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by_key(log_key);
    events
}

/// How device B receives the events: shuffled, with copies of some of
/// them put in among the rest, in chunks of these sizes (taken in turn).
#[derive(Debug, Clone)]
struct Delivery {
    shuffled: Vec<Event>,
    copies: Vec<(prop::sample::Index, prop::sample::Index)>,
    chunks: Vec<usize>,
}

impl Delivery {
    fn chunks(&self) -> Vec<Vec<Event>> {
        let mut all = self.shuffled.clone();
        for (which, at) in &self.copies {
            let copy = all[which.index(all.len())].clone();
            let at = at.index(all.len() + 1);
            all.insert(at, copy);
        }
        let mut out = Vec::new();
        let mut sizes = self.chunks.iter().cycle();
        while !all.is_empty() {
            let n = (*sizes.next().expect("chunk sizes")).min(all.len());
            out.push(all.drain(..n).collect());
        }
        out
    }
}

fn events_and_delivery(max: usize) -> impl Strategy<Value = (Vec<Event>, Delivery)> {
    plausible_events(max).prop_flat_map(|events| {
        let n = events.len();
        (
            Just(events.clone()),
            Just(events).prop_shuffle(),
            prop::collection::vec(any::<(prop::sample::Index, prop::sample::Index)>(), 0..=n),
            prop::collection::vec(1..6usize, 1..4),
        )
            .prop_map(|(events, shuffled, copies, chunks)| {
                (
                    events,
                    Delivery {
                        shuffled,
                        copies,
                        chunks,
                    },
                )
            })
    })
}

fn aside_keys(s: &Session) -> Vec<(i64, String)> {
    let mut keys: Vec<_> = s.set_aside().iter().map(|x| log_key(&x.event)).collect();
    keys.sort();
    keys
}

fn fresh(four_eyes: bool) -> Session {
    let mut s = session(GUIDE);
    s.run.four_eyes = four_eyes;
    s
}

/// Device A: the events one at a time, in log order, each from `from`.
fn one_at_a_time(four_eyes: bool, events: &[Event], from: impl Fn(&Event) -> Source) -> Session {
    let mut a = fresh(four_eyes);
    for e in in_log_order(events.to_vec()) {
        let now = e.at_ms;
        a.apply(
            now,
            Input::Events {
                from: from(&e),
                events: vec![e],
            },
        )
        .expect("events from elsewhere are never refused");
    }
    a
}

/// Device B: the events as `delivery` brings them; each chunk split by
/// where `from` says its events come from.
fn as_delivered(four_eyes: bool, delivery: &Delivery, from: impl Fn(&Event) -> Source) -> Session {
    let mut b = fresh(four_eyes);
    let mut now = T0;
    for chunk in delivery.chunks() {
        now = chunk.iter().map(|e| e.at_ms).fold(now, i64::max);
        for source in [Source::Tab, Source::Relay] {
            let events: Vec<Event> = chunk
                .iter()
                .filter(|e| from(e) == source)
                .cloned()
                .collect();
            if !events.is_empty() {
                b.apply(
                    now,
                    Input::Events {
                        from: source,
                        events,
                    },
                )
                .expect("events from elsewhere are never refused");
            }
        }
    }
    b
}

/// The rules every kept log keeps, checked apart from `Run::check`.
fn assert_rules_hold(s: &Session) -> Result<(), TestCaseError> {
    // Opened again, nothing is set aside.
    let (_, refused) = Session::open(s.run.clone(), s.base.clone(), &s.base_hash);
    prop_assert_eq!(refused, Vec::new(), "the kept log breaks a rule");
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let operator = s.run.operator.clone();
    for (n, e) in s.run.events.iter().enumerate() {
        let before = &s.run.events[..n];
        match &e.action {
            Action::Finish {
                outcome: Outcome::Completed,
                ..
            } if s.run.four_eyes => {
                let approved = before.iter().any(|x| {
                    matches!(
                        &x.action,
                        Action::SignOff {
                            phase: None,
                            meaning: Meaning::Approved,
                            ..
                        }
                    ) && !same(&x.by, &operator)
                });
                prop_assert!(approved, "completed without a second person's approval");
            }
            Action::SignOff {
                phase,
                meaning: Meaning::Approved,
                ..
            } => {
                // Who performed the work it covers, by the log before it.
                let mut then = s.run.clone();
                then.events = before.to_vec();
                let plan = then.plan(&s.base);
                let steps: Vec<&str> = phase
                    .as_deref()
                    .and_then(|p| plan.phase(p))
                    .map(|p| p.steps.iter().map(|st| st.id.as_str()).collect())
                    .unwrap_or_default();
                let performed = before.iter().any(|x| match &x.action {
                    Action::SignOff {
                        phase: p,
                        meaning: Meaning::Performed,
                        ..
                    } => p == phase && same(&x.by, &e.by),
                    Action::Check { step, .. } => {
                        steps.contains(&step.as_str()) && same(&x.by, &e.by)
                    }
                    _ => false,
                });
                prop_assert!(!performed, "{} approved their own work", e.by);
                prop_assert!(
                    phase.is_some() || !same(&e.by, &operator),
                    "the operator approved the run"
                );
            }
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    // 1536 cases per run of ./scripts/test.
    #![proptest_config(ProptestConfig { cases: 1536, ..ProptestConfig::default() })]

    #[test]
    fn two_devices_that_receive_the_same_events_in_any_order_keep_the_same_log(
        (events, delivery) in events_and_delivery(32),
        four_eyes in any::<bool>(),
    ) {
        let a = one_at_a_time(four_eyes, &events, |_| Source::Relay);
        let b = as_delivered(four_eyes, &delivery, |_| Source::Relay);
        prop_assert_eq!(&a.run.events, &b.run.events);
        prop_assert_eq!(aside_keys(&a), aside_keys(&b));
        // Every event is kept or set aside, once.
        let mut all: Vec<_> = a.run.events.iter().map(log_key).collect();
        all.extend(aside_keys(&a));
        all.sort();
        let mut sent: Vec<_> = events.iter().map(log_key).collect();
        sent.sort();
        prop_assert_eq!(all, sent);
        assert_rules_hold(&a)?;
        assert_rules_hold(&b)?;
    }
}

proptest! {
    // 1536 cases per run of ./scripts/test.
    #![proptest_config(ProptestConfig { cases: 1536, ..ProptestConfig::default() })]

    #[test]
    fn events_from_another_tab_on_one_device_and_the_relay_on_the_other_keep_the_same_log(
        (events, delivery) in events_and_delivery(32),
        by_tab in prop::collection::vec(any::<bool>(), 32),
        four_eyes in any::<bool>(),
    ) {
        // Event n comes from another tab on device A when `by_tab[n]`,
        // and then through the relay on device B; the other way round
        // otherwise.
        let tab: BTreeSet<(i64, String)> = events
            .iter()
            .zip(&by_tab)
            .filter(|(_, t)| **t)
            .map(|(e, _)| log_key(e))
            .collect();
        let on_a = |e: &Event| if tab.contains(&log_key(e)) { Source::Tab } else { Source::Relay };
        let on_b = |e: &Event| if tab.contains(&log_key(e)) { Source::Relay } else { Source::Tab };
        let a = one_at_a_time(four_eyes, &events, on_a);
        let b = as_delivered(four_eyes, &delivery, on_b);
        prop_assert_eq!(&a.run.events, &b.run.events);
        prop_assert_eq!(aside_keys(&a), aside_keys(&b));
    }
}

proptest! {
    // 1536 cases per run of ./scripts/test.
    #![proptest_config(ProptestConfig { cases: 1536, ..ProptestConfig::default() })]

    #[test]
    fn whatever_mix_of_local_actions_and_events_the_kept_log_keeps_the_rules(
        events in plausible_events(40),
        order in prop::collection::vec(any::<(bool, prop::sample::Index)>(), 40),
        four_eyes in any::<bool>(),
    ) {
        // Events in an order of their own; an event marked local is the
        // action of its author here, at its time (or after the last one).
        let mut s = fresh(four_eyes);
        let mut left = events;
        for (local, which) in &order {
            if left.is_empty() {
                break;
            }
            let e = left.remove(which.index(left.len()));
            let now = e.at_ms;
            let input = if *local {
                Input::Local { by: e.by, action: e.action }
            } else {
                Input::Events { from: Source::Relay, events: vec![e] }
            };
            let _ = s.apply(now, input);
        }
        assert_rules_hold(&s)?;
    }
}

/// A guide with more for hostile events to reach: a guarded step,
/// criteria of both kinds and a timed one, a phase that is a wait, an
/// optional section, a rollback estimate.
const RICH: &str = "# Deploy api

**Estimated Time:** 30 minutes

## Prepare

- [ ] Back up the database
- [ ] Delete the old deployment

```bash
kubectl delete deployment orders-v1 -n orders
```

### Success criteria

- [ ] Error rate below 1%
- Dashboards reviewed by on-call

## Deploy (monitor for 30 minutes)

- [ ] Run `deploy.sh`
- [ ] Wait 10 minutes for the caches to warm

### Soak

**Success Criteria:**
- 1 hour: no new alerts

## Warm caches (Optional)

- [ ] Warm the caches

## Rollback

**Estimated Time:** 30 seconds

- [ ] Run `rollback.sh`
";

fn rich() -> Session {
    let base = Arc::new(Guide::parse(RICH));
    let hash = crate::guide_hash(RICH);
    let run = Run::new(
        [9; 16],
        &base,
        &hash,
        "Ana",
        BTreeMap::new(),
        T0,
        Window {
            start_ms: T0,
            end_ms: T0 + 60 * MIN,
        },
    );
    Session::open(run, base, &hash).0
}

/// Any text: names this app writes (plan ids, the team, guide hashes),
/// any characters, nothing, blanks, a few KB of one thing.
fn hostile_text() -> impl Strategy<Value = String> {
    let s = rich();
    let ids = ids(&s);
    let mut known = [ids.steps, ids.gates, ids.phases].concat();
    known.extend(AUTHORS.map(str::to_owned));
    known.extend([
        s.base_hash.clone(),
        crate::guide_hash(GUIDE),
        crate::guide_hash("another version"),
        "role:lead".to_owned(),
        "role:".to_owned(),
    ]);
    prop_oneof![
        8 => prop::sample::select(known),
        2 => ".{0,8}",
        1 => Just(String::new()),
        1 => "[ \t\n\u{a0}\u{200b}]{1,3}",
        1 => "[0-9a-f]{64}",
        1 => (".{1,3}", 20..700usize).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn hostile_time() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => T0 - 10 * MIN..T0 + 120 * MIN,
        1 => any::<i64>(),
        1 => prop::sample::select(vec![
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            MAX_TIME_MS,
            MAX_TIME_MS + 1,
            i64::MAX - 1,
            i64::MAX,
        ]),
    ]
}

/// A clock reading as a browser gives it: a time from 1970 to 9999.
fn clock() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => T0 - 10 * MIN..T0 + 120 * MIN,
        1 => 0..=MAX_TIME_MS,
        1 => prop::sample::select(vec![0, MAX_TIME_MS]),
    ]
}

fn hostile_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => 0.0..3.0,
        1 => any::<f64>(),
        1 => prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
        ]),
    ]
}

/// Wait lengths: any `u64` when `wild`, else up to about 136 years.
fn hostile_seconds(wild: bool) -> BoxedStrategy<u64> {
    if wild {
        prop_oneof![
            2 => 0..2_000u64,
            1 => any::<u64>(),
            1 => prop::sample::select(vec![
                u64::MAX,
                1 << 63,
                i64::MAX as u64,
                i64::MAX as u64 / 1000 + 1,
            ]),
        ]
        .boxed()
    } else {
        prop_oneof![2 => 0..2_000u64, 1 => 0..=u64::from(u32::MAX)].boxed()
    }
}

fn hostile_action(wild: bool) -> impl Strategy<Value = Action> {
    let text = hostile_text;
    let texts = || prop::collection::vec(text(), 0..3);
    let time = hostile_time;
    prop_oneof![
        (text(), prop::option::of(text()))
            .prop_map(|(step, overridden)| Action::Check { step, overridden }),
        (text(), texts()).prop_map(|(step, hazards)| Action::Acknowledge { step, hazards }),
        (text(), prop::option::of(text()), prop::option::of(text()))
            .prop_map(|(param, value, step)| Action::SetParam { param, value, step }),
        (time(), time()).prop_map(|(no_return_ms, finish_ms)| Action::PassNoReturn {
            no_return_ms,
            finish_ms
        }),
        (text(), text(), texts(), texts()).prop_map(|(from_hash, to_hash, removed, changed)| {
            Action::AdoptGuide {
                from_hash,
                to_hash,
                removed,
                changed,
            }
        }),
        (text(), text(), prop::option::of(time())).prop_map(|(target, who, due_ms)| {
            Action::Assign {
                target,
                who,
                due_ms,
            }
        }),
        text().prop_map(|step| Action::Uncheck { step }),
        (text(), text()).prop_map(|(step, reason)| Action::Skip { step, reason }),
        text().prop_map(|phase| Action::SkipPhase { phase }),
        text().prop_map(|phase| Action::UnskipPhase { phase }),
        (prop::option::of(text()), text()).prop_map(|(step, text)| Action::Note { step, text }),
        (text(), hostile_seconds(wild))
            .prop_map(|(target, seconds)| Action::StartWait { target, seconds }),
        (text(), hostile_value()).prop_map(|(gate, value)| Action::Measure { gate, value }),
        (text(), any::<bool>()).prop_map(|(gate, ok)| Action::Confirm { gate, ok }),
        (text(), text()).prop_map(|(gate, reason)| Action::OverrideGate { gate, reason }),
        (
            prop::collection::vec((text(), any::<bool>()), 0..3),
            prop::sample::select(vec![
                Decision::RollBack,
                Decision::Pause,
                Decision::Continue
            ]),
        )
            .prop_map(|(path, decision)| Action::Decide {
                path: path
                    .into_iter()
                    .map(|(question, yes)| Answer { question, yes })
                    .collect(),
                decision,
            }),
        (
            prop::option::of(text()),
            text(),
            prop::sample::select(Meaning::ALL.to_vec()),
            prop_oneof![
                any::<i32>(),
                prop::sample::select(vec![i32::MIN, i32::MAX, -1, 0, 60, 840])
            ],
        )
            .prop_map(|(phase, role, meaning, tz_offset_min)| Action::SignOff {
                phase,
                role,
                meaning,
                tz_offset_min,
                proof: None,
            }),
        (
            prop::sample::select(vec![
                Outcome::Completed,
                Outcome::RolledBack,
                Outcome::Abandoned
            ]),
            text(),
        )
            .prop_map(|(outcome, note)| Action::Finish { outcome, note }),
        (prop_oneof![0..40usize, any::<usize>()], text())
            .prop_map(|(line, text)| Action::MakeStep { line, text }),
        text().prop_map(|step| Action::NotAStep { step }),
    ]
}

fn hostile_event(wild: bool) -> impl Strategy<Value = Event> {
    (
        hostile_text(),
        hostile_time(),
        hostile_text(),
        hostile_action(wild),
    )
        .prop_map(|(id, at_ms, by, action)| Event {
            id,
            at_ms,
            by,
            action,
        })
}

fn any_source() -> impl Strategy<Value = Source> {
    prop::sample::select(vec![
        Source::Here,
        Source::Tab,
        Source::Relay,
        Source::Import,
        Source::Storage,
    ])
}

/// A local action or events from any source; wait lengths of any size
/// when `wild`.
fn hostile_input(wild: bool) -> impl Strategy<Value = Input> {
    prop_oneof![
        (hostile_text(), hostile_action(wild)).prop_map(|(by, action)| Input::Local { by, action }),
        (
            any_source(),
            prop::collection::vec(hostile_event(wild), 0..4)
        )
            .prop_map(|(from, events)| Input::Events { from, events }),
    ]
}

/// Applies `inputs` at their times to a run of `guide`, four-eyes or
/// not, and reads every deadline, what fell due and the summary after
/// each: none of it may panic.
fn apply_all(mut s: Session, four_eyes: bool, inputs: Vec<(i64, Input)>) {
    s.run.four_eyes = four_eyes;
    s.statuses = true;
    for (now, input) in inputs {
        let _ = s.apply(now, input);
        let state = s.run.state();
        let _ = s.poll_timeout(&state, now);
        let _ = s.handle_timeout(&state, now);
        let _ = s.run.summary(&s.plan, &s.guide, now);
        for x in s.set_aside() {
            let _ = x.message(&s.plan);
        }
    }
}

proptest! {
    // 1536 cases per run of ./scripts/test.
    #![proptest_config(ProptestConfig { cases: 1536, ..ProptestConfig::default() })]

    // Any content, times and values, from every source, at any clock
    // reading a browser gives; waits up to about 136 years (any length,
    // and any clock reading: the two properties below).
    #[test]
    fn hostile_events_and_actions_from_every_source_never_panic(
        inputs in prop::collection::vec((clock(), hostile_input(false)), 1..12),
        four_eyes in any::<bool>(),
        guide in prop::sample::select(vec![GUIDE, RICH]),
    ) {
        let s = if guide == GUIDE { session(GUIDE) } else { rich() };
        apply_all(s, four_eyes, inputs);
    }
}

proptest! {
    // 512 cases per run of ./scripts/test.
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hostile_waits_of_any_length_never_panic(
        inputs in prop::collection::vec((clock(), hostile_input(true)), 1..12),
        four_eyes in any::<bool>(),
        guide in prop::sample::select(vec![GUIDE, RICH]),
    ) {
        let s = if guide == GUIDE { session(GUIDE) } else { rich() };
        apply_all(s, four_eyes, inputs);
    }

    #[test]
    fn hostile_changes_at_any_clock_reading_never_panic(
        inputs in prop::collection::vec((hostile_time(), hostile_input(false)), 1..12),
        four_eyes in any::<bool>(),
        guide in prop::sample::select(vec![GUIDE, RICH]),
    ) {
        let s = if guide == GUIDE { session(GUIDE) } else { rich() };
        apply_all(s, four_eyes, inputs);
    }
}

/// Any events (wait lengths within reason) at times over the run's first
/// two hours, with unique ids.
fn hostile_events_in_time() -> impl Strategy<Value = (Vec<Event>, Delivery)> {
    let one = (T0..T0 + 120 * MIN, hostile_text(), hostile_action(false));
    prop::collection::vec(one, 1..16).prop_flat_map(|all| {
        let events: Vec<Event> = all
            .into_iter()
            .enumerate()
            .map(|(n, (at_ms, by, action))| Event {
                id: format!("{at_ms:x}-h-{n:08}"),
                at_ms,
                by,
                action,
            })
            .collect();
        let n = events.len();
        (
            Just(events.clone()),
            Just(events).prop_shuffle(),
            prop::collection::vec(any::<(prop::sample::Index, prop::sample::Index)>(), 0..=n),
            prop::collection::vec(1..6usize, 1..4),
        )
            .prop_map(|(events, shuffled, copies, chunks)| {
                (
                    events,
                    Delivery {
                        shuffled,
                        copies,
                        chunks,
                    },
                )
            })
    })
}

proptest! {
    // 192 cases per run of ./scripts/test.
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn two_devices_that_receive_the_same_hostile_events_in_any_order_keep_the_same_log(
        (events, delivery) in hostile_events_in_time(),
    ) {
        let a = one_at_a_time(false, &events, |_| Source::Relay);
        let b = as_delivered(false, &delivery, |_| Source::Relay);
        prop_assert_eq!(&a.run.events, &b.run.events);
        prop_assert_eq!(aside_keys(&a), aside_keys(&b));
        let (_, refused) = Session::open(b.run.clone(), b.base.clone(), &b.base_hash);
        prop_assert_eq!(refused, Vec::new(), "the kept log breaks a rule");
    }
}

#[test]
fn an_adoption_set_aside_does_not_loosen_the_rules_for_events_before_it() {
    let mut s = session(GUIDE);
    let check = Event {
        id: "1".into(),
        at_ms: T0,
        by: "Bob".into(),
        action: Action::Check {
            step: "no-such-step".into(),
            overridden: None,
        },
    };
    let adopt = Event {
        id: "2".into(),
        at_ms: T0 + MIN,
        by: "x".repeat(300),
        action: Action::AdoptGuide {
            from_hash: s.base_hash.clone(),
            to_hash: crate::guide_hash("the next version"),
            removed: Vec::new(),
            changed: Vec::new(),
        },
    };
    let events = vec![check, adopt];
    s.apply(
        T0 + 2 * MIN,
        Input::Events {
            from: Source::Relay,
            events,
        },
    )
    .expect("events from elsewhere are never refused");
    assert_eq!(s.set_aside().len(), 2, "both break a rule");
    let (_, refused) = Session::open(s.run.clone(), s.base.clone(), &s.base_hash);
    assert_eq!(refused, Vec::new(), "the kept log breaks a rule");
}

#[test]
fn a_change_here_after_others_were_set_aside_keeps_an_id_of_its_own() {
    // Both approvals are set aside when the older check arrives, so the
    // log is shorter than when the first note was written.
    let (s, _) = run_script(
        GUIDE,
        "
        10 Cy@relay approve p-prepare
        10 Cy@relay approve p-prepare
        10 Ana note a
        5 Cy@relay check #1
        10 Ana note b
        ",
    );
    let notes: Vec<&str> = s
        .run
        .events
        .iter()
        .filter_map(|e| match &e.action {
            Action::Note { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(notes, ["a", "b"], "both notes kept, in the order written");
    let mut keys: Vec<(i64, &str)> = s
        .run
        .events
        .iter()
        .map(|e| (e.at_ms, e.id.as_str()))
        .collect();
    keys.dedup();
    assert_eq!(keys.len(), s.run.events.len());
}

fn relay(
    s: &mut Session,
    now_min: i64,
    at_min: i64,
    id: &str,
    by: &str,
    action: Action,
) -> Applied {
    let at = T0 + at_min * MIN;
    s.apply(
        T0 + now_min * MIN,
        Input::Events {
            from: Source::Relay,
            events: vec![Event {
                id: id.into(),
                at_ms: at,
                by: by.into(),
                action,
            }],
        },
    )
    .unwrap()
}

#[test]
fn a_detour_through_another_guide_version_never_loosens_the_rules() {
    let mut s = session(GUIDE);
    let base = s.base_hash.clone();
    let fake = "f".repeat(64);
    let adopt = |from: &str, to: &str| Action::AdoptGuide {
        from_hash: from.into(),
        to_hash: to.into(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    // A version whose text never reached this device is not adopted, so
    // the check of a locked step that follows is decided by the plan.
    let a = relay(&mut s, 1, 1, "1-eve-1", "Eve", adopt(&base, &fake));
    assert_eq!(a.set_aside().count(), 1);
    let check = action(&s, "check", &["#4"]);
    let a = relay(&mut s, 1, 1, "1-eve-2", "Eve", check);
    assert_eq!(
        a.set_aside().next().map(|x| x.why.rule()),
        Some("a phase waits for the success criteria before it")
    );
    // Known text: adopted; but never back to a version followed before.
    let other = Arc::new(Guide::parse("# Other\n\n- [ ] One thing\n"));
    s.know_version(&fake, other);
    let a = relay(&mut s, 2, 2, "2-eve-3", "Eve", adopt(&base, &fake));
    assert_eq!(a.accepted.len(), 1);
    let a = relay(&mut s, 2, 2, "2-eve-4", "Eve", adopt(&fake, &base));
    assert_eq!(
        a.set_aside().next().map(|x| x.why.to_string()).as_deref(),
        Some("the run followed that version of the guide before")
    );
}

#[test]
fn a_change_dated_ahead_of_this_clock_is_held_until_its_time() {
    let (mut s, _) = run_script(
        GUIDE,
        "1 Ana override g1 by hand\n2 Ana check #4\n3 Ana wait #5 600",
    );
    // Dated minute 14, delivered at minute 4: the wait has nine minutes
    // to run, so the check is not decided yet, and nothing moves.
    let check = action(&s, "check", &["#5"]);
    let a = relay(&mut s, 4, 14, "e-1", "Eve", check);
    assert_eq!(a, Applied::default());
    assert_eq!(s.run.events.len(), 3);
    // A change here at minute 5 keeps its own time.
    let note = action(&s, "note", &["still", "warming"]);
    s.apply(
        T0 + 5 * MIN,
        Input::Local {
            by: "Ana".into(),
            action: note,
        },
    )
    .unwrap();
    assert_eq!(s.run.events.last().map(|e| e.at_ms), Some(T0 + 5 * MIN));
    let st = s.run.state();
    assert_eq!(s.poll_timeout(&st, T0 + 5 * MIN), Some(T0 + 12 * MIN));
    // Its time come, it is decided: the wait ended at 13, so it is kept.
    let a = s.handle_timeout(&st, T0 + 14 * MIN);
    assert_eq!(a.accepted, ["e-1"]);
}

#[test]
fn a_change_from_elsewhere_that_reuses_an_id_is_set_aside_and_the_one_here_stays() {
    let (mut s, _) = run_script(GUIDE, "1 Ana check #1");
    let id = s.run.events[0].id.clone();
    let note = action(&s, "note", &["overwritten"]);
    let a = relay(&mut s, 2, 0, &id, "Eve", note);
    assert_eq!(
        a.set_aside().next().map(|x| x.why.to_string()).as_deref(),
        Some("another change already has this id")
    );
    assert_eq!(s.run.events.len(), 1);
    assert!(matches!(s.run.events[0].action, Action::Check { .. }));
}

#[test]
fn an_approver_who_also_performed_the_run_is_no_second_person() {
    check_run(
        GUIDE,
        "
        four-eyes
        1 Ana check #1
        2 Bob approve
        3 Bob perform
        4 Bob finish completed
        ",
        expect![[r#"
            1 Ana check #1: accepted [check “Back up the database”]; save 1; publish 1
            2 Bob approve: accepted [sign off the run as approved]; save 1; publish 1
            3 Bob perform: accepted [sign off the run as performed]; save 1; publish 1
            4 Bob finish completed: refused: this run needs an “approved” sign-off by someone other than its operator before it can complete
            #1 Back up the database: done by Ana at 1
            #2 Tell the support team: open
            #3 Error rate below 1%: open
            #4 Run deploy.sh: open, locked by “Success criteria”
            #5 Wait 10 minutes for the caches to warm: open, locked by “Success criteria”
            g1 Error rate below 1%: open
            progress: 1 done · 0 skipped · 4 open; next: #2 Tell the support team
            signed: Bob approved the run as Lead, 2025-11-24 17:02 +01:00
            signed: Bob performed the run as Lead, 2025-11-24 17:03 +01:00
        "#]],
    );
}

/// A deployment with follow-ups on day 1 and in week 1.
const FOLLOW_UPS: &str = "# Release

## Deploy

- [ ] Deploy the build
- [ ] Check the health endpoint

## Follow-up

### Day 1

- [ ] Review the dashboards

### Week 1

- [ ] Remove the old flag
";

#[test]
fn follow_ups_are_never_next_while_the_window_has_work_and_completion_does_not_wait_for_them() {
    check_run(
        FOLLOW_UPS,
        "
        1 Ana check #3
        show
        2 Ana check #1
        3 Ana check #2
        show
        4 Ana finish completed deployed
        ",
        expect![[r#"
            1 Ana check #3: accepted [check “Review the dashboards”]; save 1; publish 1; status PhaseCompleted
            show:
              #1 Deploy the build: open
              #2 Check the health endpoint: open
              #3 Review the dashboards: done by Ana at 1
              #4 Remove the old flag: open
              progress: 0 done · 0 skipped · 2 open; next: #1 Deploy the build
            2 Ana check #1: accepted [check “Deploy the build”]; save 1; publish 1
            3 Ana check #2: accepted [check “Check the health endpoint”]; save 1; publish 1; status PhaseCompleted
            show:
              #1 Deploy the build: done by Ana at 2
              #2 Check the health endpoint: done by Ana at 3
              #3 Review the dashboards: done by Ana at 1
              #4 Remove the old flag: open
              progress: 2 done · 0 skipped · 0 open; next: #4 Remove the old flag
            4 Ana finish completed deployed: accepted [finish as completed]; save 1; publish 1; status RunFinished
            #1 Deploy the build: done by Ana at 2
            #2 Check the health endpoint: done by Ana at 3
            #3 Review the dashboards: done by Ana at 1
            #4 Remove the old flag: open
            progress: 2 done · 0 skipped · 0 open; next: #4 Remove the old flag
            outcome: completed by Ana at 4: deployed
        "#]],
    );
}

#[test]
fn after_the_end_only_follow_up_steps_are_checked_reopened_or_noted() {
    check_run(
        FOLLOW_UPS,
        "
        1 Ana check #1
        2 Ana finish completed deployed
        3 Ana check #3
        4 Bob@relay note #4 the flag owners know
        5 Ana uncheck #3
        6 Ana check #2
        7 Ana note the run went fine
        8 Ana skip #4 no longer needed
        9 Bob@relay check #4
        ",
        expect![[r#"
            1 Ana check #1: accepted [check “Deploy the build”]; save 1; publish 1
            2 Ana finish completed deployed: accepted [finish as completed]; save 1; publish 1; status RunFinished
            3 Ana check #3: accepted [check “Review the dashboards”]; save 1; publish 1; status PhaseCompleted
            4 Bob@relay note #4 the flag owners know: accepted [a note]; save 1
            5 Ana uncheck #3: accepted [reopen “Review the dashboards”]; save 1; publish 1
            6 Ana check #2: refused: this run has ended; start a new run to change it
            7 Ana note the run went fine: refused: this run has ended; start a new run to change it
            8 Ana skip #4 no longer needed: refused: this run has ended; start a new run to change it
            9 Bob@relay check #4: accepted [check “Remove the old flag”]; save 1
            #1 Deploy the build: done by Ana at 1
            #2 Check the health endpoint: open
            #3 Review the dashboards: open
            #4 Remove the old flag: done by Bob at 9
            progress: 1 done · 0 skipped · 1 open; next: #2 Check the health endpoint
            note by Bob at 4 on #4: the flag owners know
            outcome: completed by Ana at 2: deployed
        "#]],
    );
}

#[test]
fn a_follow_up_due_with_open_steps_is_announced_once_per_session() {
    let (mut s, _) = run_script(
        FOLLOW_UPS,
        "1 Ana check #1\n2 Ana check #2\n3 Ana finish completed",
    );
    let st = s.run.state();
    let day = 24 * 60 * MIN;
    // Finished at minute 3: day 1 is due a day later, then week 1.
    assert_eq!(s.poll_timeout(&st, T0 + 3 * MIN), Some(T0 + 3 * MIN + day));
    assert_eq!(s.handle_timeout(&st, T0 + 4 * MIN), Applied::default());
    expect![[r#"
        [
            FollowUpDue {
                phase_id: "p-day-1",
                title: "Day 1",
                open: 1,
            },
        ]
    "#]]
    .assert_debug_eq(&s.handle_timeout(&st, T0 + 3 * MIN + day).effects);
    assert_eq!(
        s.handle_timeout(&st, T0 + 3 * MIN + day + 1),
        Applied::default()
    );
    assert_eq!(
        s.poll_timeout(&st, T0 + 3 * MIN + day),
        Some(T0 + 3 * MIN + 7 * day)
    );
    // A session a month later: week 1 is overdue, and said at once;
    // day 1's steps done, it is not.
    let (mut s, _) = run_script(
        FOLLOW_UPS,
        "1 Ana check #1\n2 Ana check #2\n3 Ana finish completed\n4 Ana check #3",
    );
    let st = s.run.state();
    let later = T0 + 30 * day;
    assert_eq!(s.poll_timeout(&st, later), Some(later + 1));
    expect![[r#"
        [
            FollowUpDue {
                phase_id: "p-week-1",
                title: "Week 1",
                open: 1,
            },
        ]
    "#]]
    .assert_debug_eq(&s.handle_timeout(&st, later).effects);
    assert_eq!(s.poll_timeout(&st, later), None);
    // Not for a run that was abandoned.
    let (s, _) = run_script(FOLLOW_UPS, "1 Ana finish abandoned called off");
    assert_eq!(s.poll_timeout(&s.run.state(), T0 + 30 * day), None);
}

#[test]
fn parameters_are_set_changed_and_kept_to_one_clean_line() {
    check_run(
        GUIDE,
        "
        1 Ana set pid #1 4242
        2 Ana set version 2.4.0
        3 Ben set version 2.4.1
        4 Ana set Version 2.5.0
        5 Ana set pid
        6 Ana set pid 1; rm -rf /
        7 Ana set-secret api_token
        8 Ana set api_token hunter2
        9 Ben@relay set db_password s3cret
        10 Ana set pid #9 12
        11 Ana set-secret version
        12 Ana set version ghp_0123456789abcdefghijABCDEFGHIJ012345
        13 Ana set pid<b> 1
        ",
        expect![[r#"
            1 Ana set pid #1 4242: accepted [set pid]; save 1; publish 1
            2 Ana set version 2.4.0: accepted [set version]; save 1; publish 1
            3 Ben set version 2.4.1: accepted [set version]; save 1; publish 1
            4 Ana set Version 2.5.0: refused: a parameter is named by its key
            5 Ana set pid: refused: a reason is required
            6 Ana set pid 1; rm -rf /: accepted [set pid]; save 1; publish 1
            7 Ana set-secret api_token: accepted [set api_token]; save 1; publish 1
            8 Ana set api_token hunter2: refused: a secret's value is kept on the device that set it, never in the log
            9 Ben@relay set db_password s3cret: set aside (well-formed events only)
            10 Ana set pid #9 12: refused: no step #9 in this guide
            11 Ana set-secret version: refused: only a secret's entry leaves its value out
            12 Ana set version ghp_0123456789abcdefghijABCDEFGHIJ012345: refused: this value looks like a credential; a parameter that holds one needs a secret's name (PASSWORD, TOKEN, KEY…)
            13 Ana set pid<b> 1: refused: a parameter is named by its key
            #1 Back up the database: open
            #2 Tell the support team: open
            #3 Error rate below 1%: open
            #4 Run deploy.sh: open, locked by “Success criteria”
            #5 Wait 10 minutes for the caches to warm: open, locked by “Success criteria”
            g1 Error rate below 1%: open
            progress: 0 done · 0 skipped · 5 open; next: #1 Back up the database
            param api_token = (secret, kept on its device) by Ana at 7
            param pid = 1; rm -rf / by Ana at 6, set 2 times
            param version = 2.4.1 by Ben at 3, set 2 times
            aside: A change by Ben from another device (set db_password) was set aside: it breaks the rule “well-formed events only” (a secret's value is kept on the device that set it, never in the log).
        "#]],
    );
}

#[test]
fn a_parameter_value_that_hides_or_breaks_the_command_is_refused_from_anywhere() {
    let hidden =
        "a parameter's value is one line of visible text, without control or invisible characters";
    for (value, why) in [
        ("4242\nrm -rf /", hidden),
        ("4\r2", hidden),
        ("a\u{1b}[2J", hidden),
        ("x\u{0}", hidden),
        // Reordered or hidden text: what is copied is not what is shown.
        ("app\u{202E}fdp.exe", hidden),
        ("ab\u{200B}c", hidden),
        ("v1\u{2028}reboot", hidden),
        ("\u{FEFF}2.4.0", hidden),
        // Blank letters and tags: invisible, copied all the same.
        ("2.4.0\u{E0020}\u{E0072}", hidden),
        ("a\u{3164}b", hidden),
        ("a\u{034F}b", hidden),
        ("v2\u{FE0F}", hidden),
        // Space around it, which a trim would hide.
        (
            "app\n",
            "a parameter's value has no space before or after it",
        ),
        (
            " 4242",
            "a parameter's value has no space before or after it",
        ),
        (
            &"9".repeat(2001),
            "a parameter's value is at most 2000 bytes",
        ),
    ] {
        let set = || Action::SetParam {
            param: "pid".into(),
            value: Some(value.into()),
            step: None,
        };
        let mut s = session(GUIDE);
        assert_eq!(
            s.run.record(&s.plan, T0, "Ana", set()).map(|_| ()),
            Err(Refusal::Malformed(why)),
            "{value:?}"
        );
        // From another device, the same rule sets it aside.
        let event = Event {
            id: "1-relay-0".into(),
            at_ms: T0,
            by: "Eve".into(),
            action: set(),
        };
        let applied = s.apply(
            T0,
            Input::Events {
                from: Source::Relay,
                events: vec![event],
            },
        );
        assert!(s.run.state().params.is_empty(), "{value:?}: {applied:?}");
    }
}

#[test]
fn secret_names_are_read_in_every_spelling() {
    let secret = [
        "DB_PASSWORD",
        "dbPassword",
        "PASSPHRASE",
        "DB_PASS",
        "PWD",
        "GITHUB_PAT",
        "API_KEYS",
        "apiKeys",
        "CREDENTIALS",
        "SSHKEY",
        "x-auth-token",
        "SESSION_COOKIE",
        "TOKENS",
        "OTP",
        "dbPass",
        "githubPat",
        "userPin",
        "basicAuth",
        "sessionCookie",
        "adminPwd",
        "vaultCreds",
    ];
    let plain = [
        "VERSION",
        "PID",
        "POD_NAME",
        "PATH_PREFIX",
        "AUTHOR",
        "PASSENGER",
        "KEYSPACE",
        "PATCH",
    ];
    // The log's rules see a key, not the name: it says the same.
    use crate::guide::params::{is_secret, key};
    for n in secret {
        assert!(is_secret(n), "{n}");
        assert!(is_secret(&key(n)), "{n} as {}", key(n));
    }
    for n in plain {
        assert!(!is_secret(n), "{n}");
        assert!(!is_secret(&key(n)), "{n} as {}", key(n));
    }
}

#[test]
fn a_camel_case_secret_set_under_its_key_is_kept_out_of_the_log() {
    let mut s = session(GUIDE);
    let set = Action::SetParam {
        param: crate::guide::params::key("dbPass"),
        value: Some("hunter2".into()),
        step: None,
    };
    assert_eq!(
        s.run.record(&s.plan, T0, "Ana", set).map(|_| ()),
        Err(Refusal::Malformed(
            "a secret's value is kept on the device that set it, never in the log"
        ))
    );
}

proptest::proptest! {
    /// Whatever a name, its key says as much about a secret, and a key is
    /// its own key.
    #[test]
    fn a_key_says_what_its_name_says(name in "[A-Za-z0-9_. -]{0,24}|\\PC{0,12}") {
        use crate::guide::params::{is_secret, key};
        let k = key(&name);
        proptest::prop_assert_eq!(is_secret(&k), is_secret(&name));
        proptest::prop_assert_eq!(key(&k), k);
    }
}
