//! One entry point for every change to a run.
//!
//! A [`Session`] is a run with the guide it follows and its plan. Every
//! change reaches it through [`Session::apply`]: an action by the person
//! here, events another tab wrote, events from the relay, the stored log
//! when the run is opened, or an imported copy ([`Session::import`]). Each
//! is checked against the same rules ([`Run::check`]) at the time it
//! happened, whatever its source. What breaks a rule is refused: a local
//! action with its [`Refusal`], an event from elsewhere kept aside
//! ([`SetAside`]) and reported, never applied. `apply` returns the effects
//! to carry out as values ([`Effect`]): what to save, what to publish,
//! which webhook statuses to send, what to tell the person. Nothing here
//! reads a clock or touches storage or the network; time is passed in,
//! and [`Session::poll_timeout`] says when to call back.
//!
//! Events from elsewhere are decided in log order (time, then id): the
//! log a device keeps is every event it received, sorted, each kept when
//! it keeps the rules given the ones kept before it. An event older than
//! events already here makes the later ones be decided again, together
//! with those set aside so far, so two devices that received the same
//! events, in any order and with duplicates, keep the same log.

use super::{Action, Decision, Event, Meaning, Outcome, Plan, Refusal, Run, RunState};
use crate::guide::Guide;
use crate::webhook::{self, Kind};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Where a change comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The person at this screen.
    Here,
    /// Another tab of this browser (its storage keys).
    Tab,
    /// Another device, through the relay.
    Relay,
    /// A file being imported.
    Import,
    /// The run's own stored log, as it is opened.
    Storage,
    /// A change the run had kept, decided again when an older one arrived.
    Log,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Here => "this screen",
            Source::Tab => "another tab",
            Source::Relay => "another device",
            Source::Import => "the imported file",
            Source::Storage => "this browser's storage",
            Source::Log => "this run's log",
        }
    }
}

/// A change to a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// An action by `by`, here and now.
    Local { by: String, action: Action },
    /// Events written elsewhere.
    Events { from: Source, events: Vec<Event> },
}

/// An event from elsewhere that breaks a rule: kept aside, not applied.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAside {
    pub event: Event,
    pub from: Source,
    pub why: Refusal,
    /// It was in the run's log until an older change arrived: its stored
    /// key stays (copied aside, never removed).
    pub kept_before: bool,
}

impl SetAside {
    /// One sentence for the person: who, from where, what, and the rule.
    pub fn message(&self, plan: &Plan) -> String {
        let by = if self.event.by.trim().is_empty() {
            "someone"
        } else {
            self.event.by.trim()
        };
        let detail = match &self.why {
            Refusal::OwnWork => format!(" ({by} performed this work)"),
            Refusal::ApprovalRequired | Refusal::Finished => String::new(),
            why => format!(" ({why})"),
        };
        format!(
            "A change by {by} from {} ({}) was set aside: it breaks the rule “{}”{detail}.",
            self.from.label(),
            describe(&self.event.action, plan),
            self.why.rule(),
        )
    }
}

/// What an action does, in a few words; steps, sections and criteria by
/// their text in `plan` when it has them.
pub fn describe(action: &Action, plan: &Plan) -> String {
    let name = |id: &str| {
        let text = plan
            .step(id)
            .map(|(_, s)| s.text.as_str())
            .or_else(|| plan.phase(id).map(|p| p.title.as_str()))
            .or_else(|| plan.gate(id).map(|g| g.text.as_str()));
        match text {
            Some(t) => format!("“{}”", crate::text::truncate(t, 60)),
            None => crate::text::truncate(id, 60),
        }
    };
    match action {
        Action::Check { step, .. } => format!("check {}", name(step)),
        Action::Uncheck { step } => format!("reopen {}", name(step)),
        Action::Acknowledge { step, .. } => format!("confirm {}", name(step)),
        Action::Skip { step, .. } => format!("skip {}", name(step)),
        Action::SkipPhase { phase } => format!("skip {}", name(phase)),
        Action::UnskipPhase { phase } => format!("bring back {}", name(phase)),
        Action::Note { .. } => "a note".into(),
        Action::StartWait { target, .. } => format!("start the wait of {}", name(target)),
        Action::Measure { gate, .. } => format!("measure {}", name(gate)),
        Action::Confirm { gate, .. } => format!("answer {}", name(gate)),
        Action::OverrideGate { gate, .. } => format!("override {}", name(gate)),
        Action::Decide { decision, .. } => format!("decide: {}", decision.label()),
        Action::SignOff { phase, meaning, .. } => format!(
            "sign off {} as {}",
            phase.as_deref().map_or("the run".into(), name),
            meaning.label()
        ),
        Action::Finish { outcome, .. } => format!("finish as {}", outcome.label()),
        Action::PassNoReturn { .. } => "go on past the point of no return".into(),
        Action::AdoptGuide { .. } => "follow another version of the guide".into(),
        Action::Assign { target, .. } => format!("assign {}", name(target)),
        Action::MakeStep { line, .. } => format!("make line {line} a step"),
        Action::NotAStep { step } => format!("make {} not a step", name(step)),
        Action::SetParam { param, .. } => format!("set {}", crate::text::truncate(param, 60)),
    }
}

/// Something the shell carries out after a change.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Write these events of the run (their own keys), in this order.
    Save(Vec<String>),
    /// Write the whole run (an import).
    SaveRun,
    /// Send these events to the relay, if the run is shared.
    Publish(Vec<String>),
    /// Send a webhook status about event `event` (when one is set).
    Status {
        event: String,
        kind: Kind,
        phase: Option<String>,
        detail: Option<String>,
    },
    /// Keep these events aside (out of the run's keys) and say so.
    SetAside(Vec<SetAside>),
    /// The checklist was corrected: the plan and guide were made again.
    Replanned,
    /// The run now follows the guide text with this hash (adopted
    /// elsewhere): open it again with that text.
    FollowGuide(String),
    /// A wait was started: notifications will be wanted.
    AskToNotify,
    /// Tell the person (in the page and on the desktop); `status` also
    /// sends a webhook status of that kind and detail, under a key every
    /// tab derives alike, so that it is sent once.
    Announce {
        text: String,
        status: Option<(Kind, String, String)>,
    },
    /// A follow-up of the run fell due with `open` steps still open; said
    /// once per follow-up while the session lasts.
    FollowUpDue {
        phase_id: String,
        title: String,
        open: usize,
    },
}

/// What a change did: the events accepted (new in the log, in order) and
/// the effects to carry out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub accepted: Vec<String>,
    pub effects: Vec<Effect>,
}

impl Applied {
    /// The events set aside by this change.
    pub fn set_aside(&self) -> impl Iterator<Item = &SetAside> {
        self.effects.iter().flat_map(|e| match e {
            Effect::SetAside(all) => all.as_slice(),
            _ => &[],
        })
    }
}

/// A run with the guide it follows and its plan, made again only when
/// the run's corrections of the checklist change.
#[derive(Debug, Clone)]
pub struct Session {
    pub run: Run,
    /// The guide the run follows, without the run's corrections.
    base: Arc<Guide>,
    /// The [`crate::guide_hash`] of that guide's text.
    base_hash: String,
    /// The guide as the run uses it: its corrections applied.
    pub guide: Arc<Guide>,
    pub plan: Arc<Plan>,
    /// How many correction events `guide` and `plan` were made with.
    corrections: usize,
    /// Events from elsewhere that broke a rule, in log order; decided
    /// again when an older event arrives.
    set_aside: Vec<SetAside>,
    /// Whether webhook statuses are wanted (a webhook is set).
    pub statuses: bool,
    /// Waits already announced.
    announced: BTreeSet<String>,
    /// Follow-ups already announced (phase ids): in memory only, so a
    /// follow-up still open is said again when the run is next opened.
    follow_ups_announced: BTreeSet<String>,
    /// Changes from elsewhere dated later than now, held until then.
    held: Vec<(Event, Source)>,
    /// Other versions of the guide whose text is here, by hash.
    versions: BTreeMap<String, Arc<Guide>>,
}

/// How far a change from another tab or device may be dated ahead of this
/// device's clock and still be decided at once (clocks differ a little).
pub const FUTURE_MS: i64 = 120_000;

/// An outside event's time must be a plausible one (year 1970 to 9999).
const MAX_TIME_MS: i64 = 253_402_300_799_999;
/// Ids and names longer than this are not ones this app writes.
const MAX_ID_LEN: usize = 200;

impl Session {
    /// Opens `run` of `base` (the guide text with hash `base_hash`, which
    /// the run follows now). Its stored log is decided again as events
    /// from storage: what breaks a rule is set aside and returned.
    pub fn open(run: Run, base: Arc<Guide>, base_hash: &str) -> (Session, Vec<SetAside>) {
        Session::open_with(run, base, base_hash, BTreeMap::new())
    }

    /// [`Session::open`] with the texts of other versions of the guide
    /// the run followed (by hash), so that changes made under them are
    /// checked against their plans.
    pub fn open_with(
        mut run: Run,
        base: Arc<Guide>,
        base_hash: &str,
        versions: BTreeMap<String, Arc<Guide>>,
    ) -> (Session, Vec<SetAside>) {
        let events = std::mem::take(&mut run.events);
        let plan = Arc::new(Plan::new(&base, &run.choices));
        let mut session = Session {
            run,
            guide: base.clone(),
            base,
            base_hash: base_hash.to_owned(),
            plan,
            corrections: 0,
            set_aside: Vec::new(),
            statuses: false,
            announced: BTreeSet::new(),
            follow_ups_announced: BTreeSet::new(),
            held: Vec::new(),
            versions,
        };
        let applied = session.receive(None, Source::Storage, events);
        let refused = applied.set_aside().cloned().collect();
        (session, refused)
    }

    /// An imported copy of a run: its events decided from the start under
    /// the header of the run kept here (`existing`, never overwritten by
    /// the file's), or the file's own when there is none. All or nothing:
    /// the first event that breaks a rule refuses the whole import.
    pub fn import(
        existing: Option<Run>,
        imported: Run,
        base: Arc<Guide>,
        base_hash: &str,
    ) -> Result<Session, Box<SetAside>> {
        let (mut header, mut events) = match existing {
            Some(mut here) => {
                let kept = std::mem::take(&mut here.events);
                (here, kept)
            }
            None => (imported.clone(), Vec::new()),
        };
        let known: BTreeSet<(i64, String)> =
            events.iter().map(|e| (e.at_ms, e.id.clone())).collect();
        events.extend(
            imported
                .events
                .into_iter()
                .filter(|e| !known.contains(&(e.at_ms, e.id.clone()))),
        );
        events.sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
        header.events = events;
        let (session, refused) = Session::open(header, base, base_hash);
        match refused.into_iter().next() {
            Some(mut first) => {
                first.from = Source::Import;
                Err(Box::new(first))
            }
            None => Ok(session),
        }
    }

    /// Makes `apply` return webhook statuses for local actions.
    pub fn with_statuses(mut self, on: bool) -> Session {
        self.statuses = on;
        self
    }

    /// The guide the run follows, without its corrections.
    pub fn base(&self) -> &Arc<Guide> {
        &self.base
    }

    /// Events from elsewhere kept aside so far, in log order.
    pub fn set_aside(&self) -> &[SetAside] {
        &self.set_aside
    }

    /// Applies one change at `now_ms`. A local action that breaks a rule
    /// is refused (nothing changes); events from elsewhere are decided one
    /// by one, and those that break a rule are set aside (an
    /// [`Effect::SetAside`]), never an error.
    pub fn apply(&mut self, now_ms: i64, input: Input) -> Result<Applied, Refusal> {
        match input {
            Input::Local { by, action } => self.local(now_ms, &by, action),
            Input::Events { from, events } => Ok(self.receive(Some(now_ms), from, events)),
        }
    }

    fn local(&mut self, now_ms: i64, by: &str, action: Action) -> Result<Applied, Refusal> {
        // What is recorded here must read back everywhere as well-formed.
        if !(0..=MAX_TIME_MS).contains(&now_ms) {
            return Err(Refusal::Malformed(
                "this device's clock reads an impossible time",
            ));
        }
        let starts_wait = matches!(action, Action::StartWait { .. });
        let mut before = self.statuses.then(|| self.run.state());
        let id = self.run.record(&self.plan, now_ms, by, action)?;
        let mut out = Applied {
            accepted: vec![id],
            effects: Vec::new(),
        };
        if self.replan() {
            out.effects.push(Effect::Replanned);
        }
        if let Some(finish) = self.finish_rollback_when_done(now_ms, by) {
            out.accepted.push(finish);
        }
        if let Some(before) = &mut before {
            self.statuses_for(&out.accepted, before, &mut out.effects);
        }
        out.effects.insert(0, Effect::Save(out.accepted.clone()));
        out.effects.insert(1, Effect::Publish(out.accepted.clone()));
        if starts_wait {
            out.effects.push(Effect::AskToNotify);
        }
        Ok(out)
    }

    /// A rollback whose steps are all resolved ends the run as rolled
    /// back: the finishing event's id.
    fn finish_rollback_when_done(&mut self, now_ms: i64, by: &str) -> Option<String> {
        let decided = self.run.events.iter().any(|e| {
            matches!(
                e.action,
                Action::Decide {
                    decision: Decision::RollBack,
                    ..
                }
            )
        });
        if !decided {
            return None;
        }
        let state = self.run.state();
        if state.rollback.is_none() || state.outcome.is_some() {
            return None;
        }
        let progress = self.run.rollback_progress(&self.plan, &state);
        if progress.total == 0 || !progress.complete() {
            return None;
        }
        let finish = Action::Finish {
            outcome: Outcome::RolledBack,
            note: "All rollback steps done.".into(),
        };
        self.run.record(&self.plan, now_ms, by, finish).ok()
    }

    /// Webhook statuses for the events `ids`, each against the state
    /// before it (`before`, moved on as it goes).
    fn statuses_for(&self, ids: &[String], before: &mut RunState, out: &mut Vec<Effect>) {
        for id in ids {
            let Some(event) = self.run.events.iter().rev().find(|e| &e.id == id) else {
                continue;
            };
            let mut after = before.clone();
            after.fold(event);
            for (kind, phase, detail) in
                webhook::kinds_for(&self.run, &self.plan, event, before, &after)
            {
                out.push(Effect::Status {
                    event: id.clone(),
                    kind,
                    phase,
                    detail,
                });
            }
            *before = after;
        }
    }

    /// Makes the guide and plan again when the corrections changed;
    /// whether they did.
    fn replan(&mut self) -> bool {
        let corrections = self
            .run
            .events
            .iter()
            .filter(|e| e.action.corrects_checklist())
            .count();
        if corrections == self.corrections {
            return false;
        }
        self.corrections = corrections;
        self.guide = if corrections == 0 {
            self.base.clone()
        } else {
            Arc::new(self.run.corrected(&self.base))
        };
        self.plan = Arc::new(Plan::new(&self.guide, &self.run.choices));
        true
    }

    /// Decides events from elsewhere (see the module's documentation).
    /// Events from another tab or device dated later than `now_ms` (with
    /// [`FUTURE_MS`] of leeway for clocks that differ) are held until
    /// their time: a change is not decided before it can have happened.
    fn receive(&mut self, now_ms: Option<i64>, from: Source, events: Vec<Event>) -> Applied {
        let key = |e: &Event| (e.at_ms, e.id.clone());
        // Every id this run knows, with its time: an id is one change.
        let mut ids: HashMap<String, i64> = self
            .run
            .events
            .iter()
            .chain(self.set_aside.iter().map(|s| &s.event))
            .chain(self.held.iter().map(|h| &h.0))
            .map(|e| (e.id.clone(), e.at_ms))
            .collect();
        let mut fresh: Vec<(Event, Option<Refusal>)> = Vec::new();
        for e in events {
            match ids.get(&e.id) {
                // Known already (a duplicate): nothing to do.
                Some(at) if *at == e.at_ms => continue,
                // Another change's id at another time: never the same key
                // in storage, never the change it would replace.
                Some(_) => {
                    let why = Refusal::Malformed("another change already has this id");
                    fresh.push((e, Some(why)));
                }
                None => {
                    let later = matches!(from, Source::Tab | Source::Relay)
                        && now_ms.is_some_and(|now| e.at_ms > now.saturating_add(FUTURE_MS));
                    ids.insert(e.id.clone(), e.at_ms);
                    if later {
                        self.held.push((e, from));
                    } else {
                        fresh.push((e, None));
                    }
                }
            }
        }
        let mut refused = Vec::new();
        fresh.retain_mut(|(e, why)| match why.take() {
            Some(why) => {
                refused.push(SetAside {
                    event: e.clone(),
                    from,
                    why,
                    kept_before: false,
                });
                false
            }
            None => true,
        });
        let mut fresh: Vec<Event> = fresh.into_iter().map(|(e, _)| e).collect();
        fresh.sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
        let mut out = Applied::default();
        let Some(first) = fresh.first().map(key) else {
            if !refused.is_empty() {
                out.effects.push(Effect::SetAside(refused));
            }
            return out;
        };
        // Everything from the first new event on is decided again, in
        // order: events kept so far, events set aside so far, new ones.
        let cut = self.run.events.partition_point(|e| key(e) < first);
        let kept_after = self.run.events.split_off(cut);
        let corrected_after = kept_after.iter().any(|e| e.action.corrects_checklist());
        let mut queue: Vec<(Event, Source, Was)> = kept_after
            .into_iter()
            .map(|e| (e, Source::Log, Was::Kept))
            .collect();
        let (aside_after, aside_before): (Vec<SetAside>, Vec<SetAside>) =
            std::mem::take(&mut self.set_aside)
                .into_iter()
                .partition(|s| key(&s.event) >= first);
        self.set_aside = aside_before;
        queue.extend(
            aside_after
                .into_iter()
                .map(|s| (s.event, s.from, Was::Aside)),
        );
        queue.extend(fresh.into_iter().map(|e| (e, from, Was::New)));
        queue.sort_by(|a, b| (a.0.at_ms, &a.0.id).cmp(&(b.0.at_ms, &b.0.id)));
        if corrected_after {
            self.replan();
        }
        // Events made while the run followed another version of the guide
        // name that version's steps: they are checked against that
        // version's plan when its text is here, else by the rules that
        // need no plan. The version is read from the events kept before
        // each one, never from later ones, so every device decides alike.
        let mut version = self.run.current_guide_hash().to_owned();
        let mut chain: BTreeSet<String> = self.version_chain();
        let mut save = Vec::new();
        // The log is folded when a rule first needs it, then kept folded
        // as events are added; whether the run has ended is kept apart, so
        // that a log no rule needs folded is never read for it.
        let folded = &mut OnceCell::new();
        let mut finished = self.run.outcome().is_some();
        let mut replanned = false;
        for (event, source, was) in queue {
            let verdict = well_formed(&event, source)
                .and_then(|()| self.adoption_allowed(&event, source, &chain))
                .and_then(|()| {
                    let plan = if version == self.base_hash {
                        Some(self.plan.clone())
                    } else {
                        self.version_plan(&version)
                    };
                    match plan {
                        Some(plan) => self
                            .run
                            .check(
                                &plan,
                                folded,
                                Some(finished),
                                event.at_ms,
                                &event.by,
                                event.action.clone(),
                            )
                            .map(drop),
                        None => self.run.check_loose(folded, &event.by, &event.action),
                    }
                });
            match verdict {
                Ok(()) => {
                    if let Some(st) = folded.get_mut() {
                        st.fold(&event);
                    }
                    finished |= matches!(event.action, Action::Finish { .. });
                    let corrects = event.action.corrects_checklist();
                    if let Action::AdoptGuide { to_hash, .. } = &event.action {
                        // Accepted, so it continues the chain of versions.
                        version.clone_from(to_hash);
                        chain.insert(to_hash.clone());
                        if was != Was::Kept && *to_hash != self.base_hash {
                            out.effects.push(Effect::FollowGuide(to_hash.clone()));
                        }
                    }
                    if was != Was::Kept {
                        out.accepted.push(event.id.clone());
                    }
                    // Another tab wrote its events already, and the stored
                    // log is where its own came from; the rest are written
                    // here (a change set aside had its key removed).
                    let stored = was == Was::New && matches!(source, Source::Tab | Source::Storage);
                    if was != Was::Kept && !stored {
                        save.push(event.id.clone());
                    }
                    self.run.events.push(event);
                    if corrects && self.replan() {
                        replanned = true;
                    }
                }
                Err(why) => {
                    let aside = SetAside {
                        event,
                        from: source,
                        why,
                        kept_before: was == Was::Kept,
                    };
                    // Set aside again: said once, when it first was.
                    if was != Was::Aside {
                        refused.push(aside.clone());
                    }
                    self.set_aside.push(aside);
                }
            }
        }
        if replanned || corrected_after {
            out.effects.push(Effect::Replanned);
        }
        if !save.is_empty() {
            out.effects.insert(0, Effect::Save(save));
        }
        if !refused.is_empty() {
            out.effects.push(Effect::SetAside(refused));
        }
        out
    }

    /// The guide versions the run has followed: the one it started with
    /// and every adoption kept.
    fn version_chain(&self) -> BTreeSet<String> {
        self.run.versions().map(str::to_owned).collect()
    }

    /// An adoption from another tab or device names a version whose text
    /// is here, and never one the run followed before.
    fn adoption_allowed(
        &self,
        e: &Event,
        from: Source,
        chain: &BTreeSet<String>,
    ) -> Result<(), Refusal> {
        let Action::AdoptGuide { to_hash, .. } = &e.action else {
            return Ok(());
        };
        if !crate::source::is_guide_hash(to_hash) {
            return Err(Refusal::Malformed(
                "the new guide version is not a guide hash",
            ));
        }
        if chain.contains(to_hash) {
            return Err(Refusal::Malformed(
                "the run followed that version of the guide before",
            ));
        }
        let here = *to_hash == self.base_hash || self.versions.contains_key(to_hash);
        if matches!(from, Source::Tab | Source::Relay) && !here {
            return Err(Refusal::Malformed(
                "the text of that version of the guide has not reached this device",
            ));
        }
        Ok(())
    }

    /// The plan of an earlier version of the guide, when its text is here.
    fn version_plan(&mut self, version: &str) -> Option<Arc<Plan>> {
        let guide = self.versions.get(version)?.clone();
        Some(Arc::new(self.run.plan(&guide)))
    }

    /// The text of another version of the guide is here (the one the run
    /// follows before or after an adoption): changes made under it are
    /// checked against its plan, and an adoption of it can be accepted.
    pub fn know_version(&mut self, hash: &str, guide: Arc<Guide>) {
        if hash != self.base_hash {
            self.versions.insert(hash.to_owned(), guide);
        }
    }

    /// Changes from elsewhere held until their time comes: the earliest
    /// time one falls due, if any.
    fn held_due(&self) -> Option<i64> {
        self.held
            .iter()
            .map(|(e, _)| e.at_ms.saturating_sub(FUTURE_MS))
            .min()
    }

    /// Follow-ups with open steps not announced yet, when follow-ups are
    /// still wanted (the run is not being or was not rolled back or
    /// abandoned).
    fn follow_ups_to_announce(&self, state: &RunState) -> Vec<super::FollowUp> {
        let wanted = state.rollback.is_none()
            && state
                .outcome
                .as_ref()
                .is_none_or(|(o, ..)| *o == Outcome::Completed);
        if !wanted {
            return Vec::new();
        }
        self.run
            .follow_ups(&self.plan, state)
            .into_iter()
            .filter(|f| f.open() > 0 && !self.follow_ups_announced.contains(&f.phase_id))
            .collect()
    }

    /// The next moment something changes by itself: a wait ends, a timed
    /// criterion falls due, the window reaches its warning share or its
    /// end, the point of no return is reached, a follow-up falls due (also
    /// after the run has finished; one already due, at once). `None` when
    /// nothing is pending.
    pub fn poll_timeout(&self, state: &RunState, now_ms: i64) -> Option<i64> {
        let soon = now_ms.saturating_add(1);
        let follow_up = self
            .follow_ups_to_announce(state)
            .iter()
            .map(|f| f.due_ms.max(soon))
            .min();
        if state.outcome.is_some() {
            return follow_up;
        }
        // A held change is decided as soon as its time has come.
        let mut next: Option<i64> = self.held_due().map(|due| due.max(soon));
        if let Some(due) = follow_up {
            next = Some(next.map_or(due, |n| n.min(due)));
        }
        let mut at = |t: i64| {
            if t > now_ms {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        for (target, (started, seconds)) in state.waits() {
            if !self
                .announced
                .contains(&wait_key(&self.run.id, target, *started))
            {
                at(started.saturating_add((*seconds as i64).saturating_mul(1000)));
            }
        }
        for phase in self.plan.run_phases() {
            for gate in &phase.gates {
                if !self.run.gate_status(state, gate).is_resolved() {
                    if let Some(due) = self.run.gate_due_ms(&self.plan, state, gate) {
                        at(due);
                    }
                }
            }
        }
        let w = self.run.window;
        let span = w.end_ms.saturating_sub(w.start_ms);
        at(w.start_ms
            .saturating_add((span as f64 * super::WINDOW_WARN_AT) as i64));
        at(w.end_ms);
        if let Some(f) = self
            .run
            .forecast(&self.plan, state, self.base.rollback.estimate_s, now_ms)
        {
            at(f.no_return_ms);
        }
        next
    }

    /// What fell due by `now_ms`: changes from elsewhere held until their
    /// time are decided, each follow-up due with open steps is announced
    /// once ([`Effect::FollowUpDue`]), and each wait that ended is announced once
    /// (with a webhook status when it ended less than five seconds ago,
    /// so a reload does not announce it to the team again).
    pub fn handle_timeout(&mut self, state: &RunState, now_ms: i64) -> Applied {
        // Changes from elsewhere held until their time: decided now.
        let mut applied = Applied::default();
        let limit = now_ms.saturating_add(FUTURE_MS);
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|(e, _)| e.at_ms <= limit);
        self.held = later;
        for from in [Source::Tab, Source::Relay] {
            let events: Vec<Event> = due
                .iter()
                .filter(|(_, f)| *f == from)
                .map(|(e, _)| e.clone())
                .collect();
            if !events.is_empty() {
                let a = self.receive(Some(now_ms), from, events);
                applied.accepted.extend(a.accepted);
                applied.effects.extend(a.effects);
            }
        }
        applied.effects.extend(self.announce_waits(state, now_ms));
        for f in self.follow_ups_to_announce(state) {
            if f.due_ms <= now_ms {
                self.follow_ups_announced.insert(f.phase_id.clone());
                applied.effects.push(Effect::FollowUpDue {
                    open: f.open(),
                    phase_id: f.phase_id,
                    title: f.title,
                });
            }
        }
        applied
    }

    /// Each wait that ended, once.
    fn announce_waits(&mut self, state: &RunState, now_ms: i64) -> Vec<Effect> {
        if state.outcome.is_some() || !state.has_waits() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for phase in self.plan.run_phases() {
            let targets = phase
                .steps
                .iter()
                .filter(|s| !state.status_in(phase, s).is_resolved())
                .map(|s| (s.id.as_str(), s.text.as_str()))
                .chain(std::iter::once((phase.id.as_str(), phase.title.as_str())));
            for (target, text) in targets {
                let Some((started, secs)) = state.wait(target) else {
                    continue;
                };
                let ends = started.saturating_add((secs as i64).saturating_mul(1000));
                let key = wait_key(&self.run.id, target, started);
                if now_ms >= ends && self.announced.insert(key.clone()) {
                    let status = (now_ms.saturating_sub(ends) < 5_000)
                        .then(|| (Kind::WaitFinished, text.to_owned(), webhook::key_for(&key)));
                    out.push(Effect::Announce {
                        text: format!("Wait over: {text}"),
                        status,
                    });
                }
            }
        }
        out
    }
}

fn wait_key(run: &str, target: &str, started: i64) -> String {
    format!("{run} wait {target} started {started}")
}

/// How an event stood before it was decided again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Was {
    New,
    Kept,
    Aside,
}

/// The shape every event this app writes has, whatever its rules.
fn well_formed(e: &Event, from: Source) -> Result<(), Refusal> {
    if e.id.len() > MAX_ID_LEN || (e.id.is_empty() && from != Source::Storage) {
        return Err(Refusal::Malformed("the change has no proper id"));
    }
    if e.by.len() > MAX_ID_LEN {
        return Err(Refusal::Malformed("the change's author is not a name"));
    }
    if !(0..=MAX_TIME_MS).contains(&e.at_ms) {
        return Err(Refusal::Malformed("the change has an impossible time"));
    }
    Ok(())
}

impl Run {
    /// The rules that hold without a plan, for events about an earlier
    /// version of the guide: nothing after the end, reasons given, no
    /// self-approval of the run, four-eyes, adoptions in sequence.
    pub(crate) fn check_loose(
        &self,
        folded: &OnceCell<RunState>,
        by: &str,
        action: &Action,
    ) -> Result<(), Refusal> {
        let state = || folded.get_or_init(|| self.state());
        if state().outcome.is_some() {
            return Err(Refusal::Finished);
        }
        match action {
            Action::Skip { reason, .. } | Action::OverrideGate { reason, .. } => {
                super::rules::need_words(reason)
            }
            Action::Note { text, .. } => super::rules::need_words(text),
            Action::SetParam { param, value, .. } => {
                super::rules::set_param(param.clone(), value.clone(), None).map(|_| ())
            }
            Action::SignOff {
                phase,
                role,
                meaning,
                ..
            } => {
                super::rules::need_words(role)?;
                super::rules::need_words(by)?;
                let own = phase.is_none()
                    && *meaning == Meaning::Approved
                    && (by.trim().eq_ignore_ascii_case(self.operator.trim())
                        || state().signatures.iter().any(|s| {
                            s.phase.is_none()
                                && s.meaning == Meaning::Performed
                                && s.by.trim().eq_ignore_ascii_case(by.trim())
                        }));
                if own {
                    Err(Refusal::OwnWork)
                } else {
                    Ok(())
                }
            }
            Action::Finish { outcome, .. } => {
                if self.four_eyes && *outcome == Outcome::Completed && !self.approved(state()) {
                    Err(Refusal::ApprovalRequired)
                } else {
                    Ok(())
                }
            }
            Action::AdoptGuide {
                from_hash, to_hash, ..
            } => {
                if !crate::source::is_guide_hash(to_hash) {
                    Err(Refusal::Malformed(
                        "the new guide version is not a guide hash",
                    ))
                } else if from_hash != self.current_guide_hash() {
                    Err(Refusal::Malformed(
                        "the guide version it replaces is not the one the run follows",
                    ))
                } else {
                    Ok(())
                }
            }
            // A wait cut short needs its reason even without a plan.
            Action::Check {
                overridden: Some(reason),
                ..
            } => super::rules::need_words(reason),
            _ => Ok(()),
        }
    }
}

/// Script tests (`check_run`), also used by the run's other tests.
#[cfg(test)]
pub(crate) mod tests;
