//! Runs written as scripts, through one helper: each line is a change at a
//! minute of the run, by a person, from a source; the rendering is what
//! each change did, then the run's steps, criteria, outcome and what was
//! set aside.
//!
//! ```text
//! 3 Ana check #1              an action here (steps and criteria by
//! 5 Bob@relay check #2        their place: #2 is the second step, g1
//! 4 Cy@tab skip #3 no time    the first criterion); @relay, @tab and
//! 6 Bob@import ...            @storage deliver the change as an event
//! ```
//! from elsewhere. Verbs: check, check! (a wait cut short: `check! #2
//! reason`), uncheck, skip, note, wait, measure, confirm, override,
//! perform, verify, approve (`approve` the run, `approve p-deploy` a
//! phase), decide (rollback|pause|continue), finish
//! (completed|rolled_back|abandoned), adopt (a hash), make (a line),
//! drop (a step). `four-eyes` on its own line makes the run need an
//! approval.

use super::*;
use crate::run::{Answer, Window};
use expect_test::{expect, Expect};
use proptest::prelude::*;
use std::collections::BTreeMap;

const T0: i64 = 1_764_000_000_000;
const MIN: i64 = 60_000;

const GUIDE: &str = "# Deploy web

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

fn session(guide: &str) -> Session {
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

/// The `n`th (1-based) run step (`#n`) or rollback step (`rn`).
fn step(s: &Session, r: &str) -> String {
    let found = if let Some(n) = r.strip_prefix('r') {
        let n: usize = n.parse().expect("rn");
        s.plan.rollback_steps().nth(n - 1)
    } else {
        let n: usize = r.trim_start_matches('#').parse().expect("#n");
        s.plan.run_steps().nth(n - 1)
    };
    found.map_or_else(|| r.to_owned(), |(_, st)| st.id.clone())
}

fn gate(s: &Session, r: &str) -> String {
    let n: usize = r.trim_start_matches('g').parse().expect("gn");
    s.plan
        .run_phases()
        .flat_map(|p| &p.gates)
        .nth(n - 1)
        .map(|g| g.id.clone())
        .unwrap_or_else(|| r.to_owned())
}

fn target(s: &Session, r: &str) -> String {
    if r.starts_with('#') || r.starts_with('r') {
        step(s, r)
    } else {
        r.to_owned()
    }
}

fn action(s: &Session, verb: &str, args: &[&str]) -> Action {
    let rest = |from: usize| args.get(from..).unwrap_or_default().join(" ");
    let sign = |meaning| Action::SignOff {
        phase: args.first().map(|p| p.to_string()),
        role: "Lead".into(),
        meaning,
        tz_offset_min: 60,
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
        "skip" => Action::Skip {
            step: step(s, args[0]),
            reason: rest(1),
        },
        "note" => Action::Note {
            step: None,
            text: rest(0),
        },
        "wait" => Action::StartWait {
            target: target(s, args[0]),
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
            text: String::new(),
        },
        "drop" => Action::NotAStep {
            step: step(s, args[0]),
        },
        other => panic!("unknown verb {other}"),
    }
}

/// Plays `script` on a new run of `guide` and renders what happened.
fn run_script(guide: &str, script: &str) -> (Session, String) {
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
        out.push_str(&match s.apply(at, input) {
            Ok(applied) => render_applied(&s, &applied),
            Err(why) => format!("refused: {why}"),
        });
        out.push('\n');
    }
    out.push_str(&render(&s));
    (s, out)
}

fn render_applied(s: &Session, a: &Applied) -> String {
    let mut parts = Vec::new();
    if !a.accepted.is_empty() {
        let what: Vec<String> = a
            .accepted
            .iter()
            .filter_map(|id| s.run.events.iter().find(|e| &e.id == id))
            .map(|e| describe(&e.action, &s.plan))
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

fn render(s: &Session) -> String {
    let st = s.run.state();
    let mut out = String::new();
    for (n, (phase, step)) in s.plan.run_steps().enumerate() {
        let status = match st.status_in(phase, step) {
            StepStatus::Pending => "open".to_owned(),
            StepStatus::Done { by, .. } => format!("done by {}", by.unwrap_or_default()),
            StepStatus::Skipped { by, .. } => format!("skipped by {by}"),
        };
        out.push_str(&format!("#{} {}: {status}\n", n + 1, step.text));
    }
    for (n, g) in s.plan.run_phases().flat_map(|p| &p.gates).enumerate() {
        let status = match s.run.gate_status(&st, g) {
            GateStatus::Open => "open",
            GateStatus::Met { .. } => "met",
            GateStatus::Failed { .. } => "failed",
            GateStatus::Overridden { .. } => "overridden",
        };
        out.push_str(&format!("g{} {}: {status}\n", n + 1, g.text));
    }
    if let Some((outcome, _, by, _)) = &st.outcome {
        out.push_str(&format!("outcome: {} by {by}\n", outcome.label()));
    }
    for x in s.set_aside() {
        out.push_str(&format!("aside: {}\n", x.message(&s.plan)));
    }
    out
}

fn check_run(guide: &str, script: &str, expect: Expect) {
    let (s, out) = run_script(guide, script);
    expect.assert_eq(&out);
    // Whatever the script did, the log it left keeps every rule: opened
    // again, nothing is set aside.
    let (_, refused) = Session::open(s.run.clone(), s.base.clone(), &s.base_hash);
    assert_eq!(refused, Vec::new(), "the kept log breaks a rule");
}

use crate::run::{GateStatus, StepStatus};

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
            #1 Back up the database: done by Ana
            #2 Tell the support team: skipped by Ana
            #3 Error rate below 1%: done by Ana
            #4 Run deploy.sh: open
            #5 Wait 10 minutes for the caches to warm: open
            g1 Error rate below 1%: open
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
            #1 Back up the database: done by Ana
            #2 Tell the support team: done by Bob
            #3 Error rate below 1%: open
            #4 Run deploy.sh: open
            #5 Wait 10 minutes for the caches to warm: open
            g1 Error rate below 1%: open
            outcome: completed by Ana
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
            #2 Tell the support team: done by Cy
            #3 Error rate below 1%: open
            #4 Run deploy.sh: open
            #5 Wait 10 minutes for the caches to warm: open
            g1 Error rate below 1%: open
            outcome: abandoned by Ana
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
            #1 Back up the database: done by Ana
            #2 Tell the support team: open
            #3 Error rate below 1%: open
            #4 Run deploy.sh: done by Bob
            #5 Wait 10 minutes for the caches to warm: open
            g1 Error rate below 1%: overridden
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
            #4 Run deploy.sh: done by Ana
            #5 Wait 10 minutes for the caches to warm: done by Bob
            g1 Error rate below 1%: overridden
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
        #1 Back up the database: done by Ana
        #2 Tell the support team: open
        #3 Error rate below 1%: open
        #4 Run deploy.sh: open
        #5 Wait 10 minutes for the caches to warm: open
        g1 Error rate below 1%: open
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
            #1 Back up the database: done by Ana
            #2 Tell the support team: open
            #3 Error rate below 1%: open
            #4 Run deploy.sh: open
            #5 Wait 10 minutes for the caches to warm: open
            g1 Error rate below 1%: open
            outcome: rolled back by Ana
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
    assert_eq!(s.handle_timeout(&st, T0 + 12 * MIN), Vec::new());
    let due = s.handle_timeout(&st, T0 + 13 * MIN);
    expect![[r#"
        [
            Announce {
                text: "Wait over: Wait 10 minutes for the caches to warm",
                status: Some(
                    (
                        WaitFinished,
                        "fb2132ff-aff1-4dd4-b338-0ad50ade7aec",
                    ),
                ),
            },
        ]
    "#]]
    .assert_debug_eq(&due);
    assert_eq!(s.handle_timeout(&st, T0 + 14 * MIN), Vec::new());
    assert_eq!(s.poll_timeout(&st, T0 + 14 * MIN), Some(T0 + 48 * MIN));
}
