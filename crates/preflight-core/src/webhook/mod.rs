//! Run status for a chat webhook: which events a run produces, how each
//! format renders them, the outbox that keeps them until delivered, and
//! when to retry.
//!
//! Nothing here sends anything: the shell takes the next due item from the
//! [`Outbox`], sends its [`Request`], and reports the response back with
//! [`Outbox::settle`].

use crate::run::{format_ms, Action, Decision, Event, GateStatus, Plan, Run, RunState};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Slack,
    Mattermost,
    Teams,
    Json,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Slack,
        Format::Mattermost,
        Format::Teams,
        Format::Json,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Format::Slack => "Slack (incoming webhook)",
            Format::Mattermost => "Mattermost (incoming webhook)",
            Format::Teams => "Microsoft Teams (Workflows, Adaptive Card)",
            Format::Json => "Generic JSON",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    RunStarted,
    PhaseCompleted,
    GateFailed,
    Override,
    WaitFinished,
    RollbackStarted,
    RunFinished,
    /// From the "send test message" button.
    Test,
}

impl Kind {
    /// The kinds a person can choose to send.
    pub const CHOOSABLE: [Kind; 7] = [
        Kind::RunStarted,
        Kind::PhaseCompleted,
        Kind::GateFailed,
        Kind::Override,
        Kind::WaitFinished,
        Kind::RollbackStarted,
        Kind::RunFinished,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::RunStarted => "run started",
            Kind::PhaseCompleted => "phase completed",
            Kind::GateFailed => "gate failed",
            Kind::Override => "override",
            Kind::WaitFinished => "wait finished",
            Kind::RollbackStarted => "rollback started",
            Kind::RunFinished => "run finished",
            Kind::Test => "test message",
        }
    }

    fn icon(self) -> &'static str {
        match self {
            Kind::RunStarted => "🚀",
            Kind::PhaseCompleted => "✅",
            Kind::GateFailed => "⛔",
            Kind::Override => "⚠️",
            Kind::WaitFinished => "⏱️",
            Kind::RollbackStarted => "↩️",
            Kind::RunFinished => "🏁",
            Kind::Test => "🔔",
        }
    }
}

/// Where and what to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub schema: u32,
    pub url: String,
    pub format: Format,
    pub kinds: Vec<Kind>,
    /// Extra headers, generic JSON only (they need CORS anyway).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

impl Config {
    pub const STORAGE_KEY: &'static str = "preflight.webhook";

    pub fn wants(&self, kind: Kind) -> bool {
        kind == Kind::Test || self.kinds.contains(&kind)
    }
}

/// Refuses anything but `https:` (or `http:` to this machine).
pub fn validate_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    // Browsers read `\` as `/` and drop some characters: refuse what they
    // would read differently from this check.
    if url
        .chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    {
        return Err("the webhook address contains characters it cannot have".into());
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| "the webhook address must start with https://".to_owned())?;
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("");
    let hostname = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_owned()
    };
    if hostname.is_empty() {
        return Err("the webhook address has no host".into());
    }
    let local = matches!(hostname.as_str(), "localhost" | "127.0.0.1" | "[::1]");
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        "http" => {
            Err("webhook addresses must use https (http is allowed only for localhost)".into())
        }
        other => Err(format!("“{other}:” addresses cannot receive webhooks")),
    }
}

/// The address with its secret part hidden: scheme, host and the last
/// four characters.
pub fn mask_url(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "…".into();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let tail: String = url
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if rest.len() > host.len() {
        format!("{scheme}://{host}/…{tail}")
    } else {
        format!("{scheme}://{host}")
    }
}

/// A UUID derived from what a message is about, so that every tab
/// announcing the same thing (a wait that ended) uses the same key and the
/// outbox keeps one.
pub fn key_for(about: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(about.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// One status message, before it is formatted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// The idempotency key: a UUID, the same for every attempt.
    pub key: String,
    pub kind: Kind,
    pub guide_title: String,
    pub run_id: String,
    pub phase: Option<String>,
    /// What happened, in a few words ("Error rate: observed 0.8").
    pub detail: Option<String>,
    pub done: usize,
    /// Skipped steps, counted apart from done ones.
    #[serde(default)]
    pub skipped: usize,
    pub total: usize,
    pub who: String,
    pub elapsed_ms: i64,
    pub window_ms: i64,
    pub outcome: Option<String>,
    /// Link back to the run.
    pub link: String,
    pub at_ms: i64,
    /// The head of the run's hash-chained log ([`crate::run::chain`]).
    #[serde(default)]
    pub log_head: String,
}

impl Status {
    fn headline(&self) -> String {
        let what = match (self.kind, &self.phase, &self.outcome) {
            (Kind::PhaseCompleted, Some(p), _) => format!("Phase done: {p}"),
            (Kind::GateFailed, Some(p), _) => format!("Gate failed in {p}"),
            (Kind::RunFinished, _, Some(o)) => format!("Run {o}"),
            (kind, _, _) => capitalise(kind.label()),
        };
        format!("{} {what} — {}", self.kind.icon(), self.guide_title)
    }

    fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            (
                "Progress",
                crate::run::progress_label(
                    self.done,
                    self.skipped,
                    self.total.saturating_sub(self.done + self.skipped),
                ),
            ),
            ("By", self.who.clone()),
            (
                "Elapsed",
                format!(
                    "{} of a {} window",
                    format_ms(self.elapsed_ms),
                    format_ms(self.window_ms)
                ),
            ),
        ];
        if let Some(d) = &self.detail {
            facts.insert(0, ("Detail", d.clone()));
        }
        facts
    }

    fn text(&self) -> String {
        let facts = self
            .facts()
            .into_iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(" · ");
        format!("{}\n{facts}\n{}", self.headline(), self.link)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// What to send: a body, its content type, extra headers, and whether the
/// request must avoid a CORS preflight (then its response is unreadable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub content_type: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
    /// Sent as a "simple" request (`no-cors`): the endpoint does not answer
    /// CORS preflights (Slack, Mattermost, Teams Workflows).
    pub simple: bool,
}

/// Formats a status for `config.format`.
pub fn render(config: &Config, status: &Status) -> Request {
    match config.format {
        Format::Slack | Format::Mattermost => {
            let payload = serde_json::json!({
                "text": status.text(),
                "idempotency_key": status.key,
            });
            Request {
                content_type: "application/x-www-form-urlencoded".into(),
                body: format!("payload={}", form_encode(&payload.to_string())),
                headers: Vec::new(),
                simple: true,
            }
        }
        Format::Teams => {
            let facts: Vec<serde_json::Value> = status
                .facts()
                .into_iter()
                .map(|(k, v)| serde_json::json!({"title": k, "value": v}))
                .collect();
            let card = serde_json::json!({
                "type": "message",
                "idempotency_key": status.key,
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {"type": "TextBlock", "text": status.headline(), "weight": "Bolder", "wrap": true},
                            {"type": "FactSet", "facts": facts}
                        ],
                        "actions": [{"type": "Action.OpenUrl", "title": "Open the run", "url": status.link}]
                    }
                }]
            });
            Request {
                content_type: "text/plain".into(),
                body: card.to_string(),
                headers: Vec::new(),
                simple: true,
            }
        }
        Format::Json => {
            let body = serde_json::json!({
                "idempotency_key": status.key,
                "event": status.kind,
                "text": status.text(),
                "status": status,
            });
            let mut headers = vec![("Idempotency-Key".to_owned(), status.key.clone())];
            headers.extend(config.headers.iter().cloned());
            Request {
                content_type: "application/json".into(),
                body: body.to_string(),
                headers,
                simple: false,
            }
        }
    }
}

/// `application/x-www-form-urlencoded` encoding of a value.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The statuses a new event produces: (kind, phase title, detail).
pub fn kinds_for(
    run: &Run,
    plan: &Plan,
    event: &Event,
    before: &RunState,
    after: &RunState,
) -> Vec<(Kind, Option<String>, Option<String>)> {
    let mut out = Vec::new();
    match &event.action {
        Action::Check {
            step,
            overridden: Some(why),
        } => out.push((
            Kind::Override,
            None,
            Some(format!("{step}: wait cut short: {why}")),
        )),
        Action::OverrideGate { gate, reason } => {
            let text = plan.gate(gate).map_or(gate.clone(), |g| g.text.clone());
            out.push((Kind::Override, None, Some(format!("{text}: {reason}"))));
        }
        Action::Measure { gate, .. } | Action::Confirm { gate, .. } => {
            if let Some(g) = plan.gate(gate) {
                if let GateStatus::Failed { value, verdict, .. } = run.gate_status(after, g) {
                    let observed = value
                        .map(|v| {
                            format!(", observed {}", crate::run::with_unit(v, g.unit.as_deref()))
                        })
                        .unwrap_or_default();
                    let phase = plan.phase(&g.phase).map(|p| p.title.clone());
                    out.push((
                        Kind::GateFailed,
                        phase,
                        Some(format!("{} ({}{observed})", g.text, verdict.label())),
                    ));
                }
            }
        }
        Action::Decide {
            decision: Decision::RollBack,
            ..
        } if before.rollback.is_none() => out.push((Kind::RollbackStarted, None, None)),
        Action::Finish { note, .. } => out.push((
            Kind::RunFinished,
            None,
            (!note.is_empty()).then(|| note.clone()),
        )),
        _ => {}
    }
    // A phase whose last step was just resolved is completed.
    for p in plan.run_phases() {
        let total = p.steps.len();
        if total == 0 {
            continue;
        }
        let resolved = |st: &RunState| {
            p.steps
                .iter()
                .filter(|s| st.status_in(p, s).is_resolved())
                .count()
        };
        if resolved(after) == total && resolved(before) < total {
            // Who the phase's steps were assigned to, if anyone.
            let mut who: Vec<String> = p
                .steps
                .iter()
                .filter_map(|s| run.assignee(after, p, s).who)
                .collect();
            who.sort();
            who.dedup();
            let detail = (!who.is_empty()).then(|| format!("assigned to {}", who.join(", ")));
            out.push((Kind::PhaseCompleted, Some(p.title.clone()), detail));
        }
    }
    out
}

/// First retry after about this long, doubling each time…
pub const BACKOFF_BASE_MS: i64 = 1_000;
/// …up to this.
pub const BACKOFF_CAP_MS: i64 = 5 * 60_000;

/// Exponential backoff with full jitter: a random time between zero and
/// `min(cap, base × 2^attempt)`. `random` is in [0, 1).
pub fn backoff_ms(attempt: u32, random: f64) -> i64 {
    let ceiling = BACKOFF_BASE_MS
        .saturating_mul(1_i64 << attempt.min(20))
        .min(BACKOFF_CAP_MS);
    ((ceiling as f64) * random.clamp(0.0, 1.0)) as i64
}

/// What a response means for a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again, after the server's `Retry-After` if it gave one.
    Retry {
        after_ms: Option<i64>,
        why: String,
    },
    /// A mistake retrying cannot fix (a 4xx): stop and show it.
    Failed(String),
}

/// Reads a response: `status` is `None` for a network error or when
/// offline, `Some(0)` for an opaque (no-cors) response, which counts as
/// delivered because nothing more can be known.
pub fn classify(status: Option<u16>, retry_after: Option<&str>, now_ms: i64) -> Outcome {
    match status {
        None => Outcome::Retry {
            after_ms: None,
            why: "network error or offline".into(),
        },
        Some(0) | Some(200..=299) => Outcome::Delivered,
        Some(code @ (408 | 429 | 500..=599)) => Outcome::Retry {
            after_ms: retry_after.and_then(|h| parse_retry_after(h, now_ms)),
            why: format!("HTTP {code}"),
        },
        Some(code) => Outcome::Failed(format!("HTTP {code}: the endpoint refused the message")),
    }
}

/// `Retry-After`: seconds, or an HTTP date. Clamped to between zero and
/// the backoff cap, whatever the header says: a huge or negative number
/// of seconds, or a date far in the past or future.
pub fn parse_retry_after(value: &str, now_ms: i64) -> Option<i64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<i64>() {
        return Some(secs.saturating_mul(1000).clamp(0, BACKOFF_CAP_MS));
    }
    // Seconds beyond what an i64 holds: none if negative, else the cap.
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(if value.starts_with('-') {
            0
        } else {
            BACKOFF_CAP_MS
        });
    }
    http_date_ms(value).map(|at| at.saturating_sub(now_ms).clamp(0, BACKOFF_CAP_MS))
}

/// `Wed, 25 Nov 2026 09:00:05 GMT` → ms since the epoch. Years 0 to 9999,
/// and only fields in their ranges (a leap second is allowed).
fn http_date_ms(value: &str) -> Option<i64> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| x == month)? as i64 + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    let &[h, mi, se] = hms.as_slice() else {
        return None;
    };
    let in_range = (0..=9999).contains(&y)
        && (1..=31).contains(&d)
        && (0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0..=60).contains(&se);
    if !in_range {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm); with the
    // fields in range, nothing here comes near overflowing.
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + se * 1000)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Pending,
    /// Stopped: a 4xx, or discarded retries. Shown until retried or
    /// discarded by a person.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub key: String,
    pub kind: Kind,
    pub summary: String,
    /// The webhook it goes to (kept with it, so a changed setting does not
    /// redirect messages already queued).
    pub url: String,
    pub request: Request,
    pub attempts: u32,
    pub next_at_ms: i64,
    pub last_error: Option<String>,
    pub state: ItemState,
    /// A tab sending this message now, and until when its claim holds (a
    /// tab that closes mid-send lets it lapse).
    #[serde(default)]
    pub claimed_by: String,
    #[serde(default)]
    pub claimed_until: i64,
}

/// Messages waiting for delivery, in the order they happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Outbox {
    pub schema: u32,
    pub items: Vec<Item>,
}

impl Outbox {
    pub const STORAGE_KEY: &'static str = "preflight.outbox";

    /// Queues a status for `config`, if it wants that kind and it is not
    /// queued already (two tabs announcing the same thing share a key).
    pub fn push(&mut self, config: &Config, status: &Status) {
        if !config.wants(status.kind) || self.items.iter().any(|i| i.key == status.key) {
            return;
        }
        self.schema = 1;
        self.items.push(Item {
            key: status.key.clone(),
            kind: status.kind,
            summary: status.headline(),
            url: config.url.clone(),
            request: render(config, status),
            attempts: 0,
            next_at_ms: status.at_ms,
            last_error: None,
            state: ItemState::Pending,
            claimed_by: String::new(),
            claimed_until: 0,
        });
    }

    /// The next message to send now: the oldest pending one, and only when
    /// it is due and no tab is sending it (order is kept: later ones wait
    /// behind it).
    pub fn due(&self, now_ms: i64) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.state == ItemState::Pending)
            .filter(|i| i.next_at_ms <= now_ms && i.claimed_until <= now_ms)
    }

    /// Marks `key` as being sent by `tab` for up to `for_ms`.
    pub fn claim(&mut self, key: &str, tab: &str, now_ms: i64, for_ms: i64) {
        if let Some(item) = self.items.iter_mut().find(|i| i.key == key) {
            item.claimed_by = tab.to_owned();
            item.claimed_until = now_ms.saturating_add(for_ms);
        }
    }

    /// Records how sending `key` went. `random` in [0, 1) jitters retries.
    pub fn settle(&mut self, key: &str, outcome: Outcome, now_ms: i64, random: f64) {
        let Some(at) = self.items.iter().position(|i| i.key == key) else {
            return;
        };
        match outcome {
            Outcome::Delivered => {
                self.items.remove(at);
            }
            Outcome::Retry { after_ms, why } => {
                let item = &mut self.items[at];
                item.claimed_until = 0;
                let wait = after_ms.unwrap_or_else(|| backoff_ms(item.attempts, random));
                item.attempts = item.attempts.saturating_add(1);
                item.next_at_ms = now_ms.saturating_add(wait);
                item.last_error = Some(why);
            }
            Outcome::Failed(why) => {
                let item = &mut self.items[at];
                item.claimed_until = 0;
                item.attempts = item.attempts.saturating_add(1);
                item.state = ItemState::Failed;
                item.last_error = Some(why);
            }
        }
    }

    /// A person asks to try again now.
    pub fn retry(&mut self, key: &str, now_ms: i64) {
        if let Some(item) = self.items.iter_mut().find(|i| i.key == key) {
            item.state = ItemState::Pending;
            item.next_at_ms = now_ms;
        }
    }

    pub fn discard(&mut self, key: &str) {
        self.items.retain(|i| i.key != key);
    }

    /// Network back: everything pending is due now.
    pub fn wake(&mut self, now_ms: i64) {
        for item in self
            .items
            .iter_mut()
            .filter(|i| i.state == ItemState::Pending)
        {
            item.next_at_ms = item.next_at_ms.min(now_ms);
        }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(stored: &str) -> Option<Outbox> {
        serde_json::from_str::<Outbox>(stored)
            .ok()
            .filter(|o| o.schema <= 1)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests;
