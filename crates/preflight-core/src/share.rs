//! Live shared runs: Preflight's protocol over a NATS JetStream relay.
//!
//! The browser's relay client (a bundle of the official NATS clients) only
//! connects, publishes and delivers messages; everything Preflight-specific
//! is here, as plain functions: which subjects, stream and presence bucket a
//! team's run uses ([`Names`]), what the first message of a shared run
//! carries ([`meta_payload`]), how a message from the relay is read
//! ([`read_message`]), which local events still have to be published
//! ([`unsent`]), the share link ([`Link`]) and presence ([`Presence`],
//! [`peers`]), the relay addresses allowed ([`servers`]: `wss://`, or
//! `ws://` on this machine only), where a team's password may be kept
//! ([`Credentials`], keyed on the whole relay list and the team), and what
//! a publish refused for one of the relay's limits means
//! ([`limit_refusal`]).
//!
//! A run's log is the same log two tabs merge: each event is published once
//! under the run's `events` subject with `<run id>:<event id>` as its
//! `Nats-Msg-Id`, so the relay drops a retried publish, and a device merges
//! what it receives with [`crate::Run::merge`], which ignores events it has.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::run::store::{self, Export, ImportError};
use crate::run::{Event, Run};

/// How long a presence entry lives without being renewed.
pub const PRESENCE_TTL_MS: i64 = 30_000;
/// How often a device renews its presence.
pub const PRESENCE_EVERY_MS: i64 = 10_000;

/// Why a relay setting or link was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    Team(String),
    Server(String),
    /// A `ws://` address of another machine: the password would cross the
    /// network unencrypted.
    Insecure(String),
    Link(String),
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::Team(t) => write!(
                f,
                "“{t}” is not a team name: use 1 to 32 lower-case letters, digits, - or _"
            ),
            ShareError::Server(s) => write!(
                f,
                "“{s}” is not a relay address: use wss://host[:port] (or ws://localhost:port on this machine)"
            ),
            ShareError::Insecure(s) => write!(
                f,
                "“{s}”: use wss:// — ws:// sends the password unencrypted; it is allowed only for this machine (localhost, 127.0.0.1, [::1])"
            ),
            ShareError::Link(why) => write!(f, "the share link is not valid ({why})"),
        }
    }
}

/// A team name: the NATS account's subject prefix.
pub fn team(raw: &str) -> Result<String, ShareError> {
    let t = raw.trim();
    let ok = !t.is_empty()
        && t.len() <= 32
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(t.to_owned())
    } else {
        Err(ShareError::Team(raw.trim().to_owned()))
    }
}

/// Relay addresses, separated by commas, spaces or new lines: each a
/// WebSocket URL with a host and no credentials, `wss://` — or `ws://` for
/// this machine only (`localhost`, `127.0.0.0/8`, `[::1]`), since `ws://`
/// sends the team's password unencrypted.
pub fn servers(raw: &str) -> Result<Vec<String>, ShareError> {
    let list: Vec<String> = raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if list.is_empty() {
        return Err(ShareError::Server(String::new()));
    }
    for s in &list {
        let (secure, rest) = split_scheme(s).ok_or_else(|| ShareError::Server(s.clone()))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let bad = authority.is_empty()
            || authority.starts_with(':')
            || authority.contains('@')
            || authority
                .chars()
                .any(|c| c.is_whitespace() || c.is_control());
        if bad {
            return Err(ShareError::Server(s.clone()));
        }
        if !secure && !is_loopback(host_of(authority)) {
            return Err(ShareError::Insecure(s.clone()));
        }
    }
    Ok(list)
}

/// `(secure, rest)` of a `wss://` or `ws://` address, the scheme in any
/// case.
fn split_scheme(s: &str) -> Option<(bool, &str)> {
    let (scheme, rest) = s.split_once("://")?;
    if scheme.eq_ignore_ascii_case("wss") {
        Some((true, rest))
    } else if scheme.eq_ignore_ascii_case("ws") {
        Some((false, rest))
    } else {
        None
    }
}

/// The host of `host[:port]` or `[v6][:port]`, brackets kept.
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority,
        }
    } else {
        authority.split(':').next().unwrap_or(authority)
    }
}

/// `localhost`, `127.0.0.0/8` or `[::1]`: this machine.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|a| a.is_loopback());
    }
    host.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|a| a.is_loopback())
}

/// One relay address as credentials are keyed on it: scheme and host
/// lower-cased, the rest (port, path) as written.
fn canonical_server(s: &str) -> String {
    let Some((scheme, rest)) = s.split_once("://") else {
        return s.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = host_of(authority);
    let port = &authority[host.len()..];
    let path = if path == "/" { "" } else { path };
    format!(
        "{}://{}{port}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// A relay list as credentials are keyed on it: every address
/// normalised, sorted, without repeats.
pub fn canonical_servers(servers: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = servers.iter().map(|s| canonical_server(s)).collect();
    set.into_iter().collect()
}

/// Subjects, stream and bucket names of one team's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The run, as a subject token.
    pub run: String,
    /// The team's stream: every run of the team.
    pub stream: String,
    /// Subjects the stream holds: `preflight.<team>.run.>`.
    pub stream_subjects: Vec<String>,
    /// The run's first message: its guide and settings.
    pub meta: String,
    /// The run's events.
    pub events: String,
    /// What a device replays: both of the above.
    pub filter: String,
    /// The team's presence bucket (NATS key-value, entries expire).
    pub bucket: String,
    /// Presence keys of this run: `<run>.>` inside the bucket.
    pub presence_keys: String,
}

impl Names {
    /// `team` must have passed [`team`]; `run` is a run id (a UUID).
    pub fn new(team: &str, run: &str) -> Names {
        let run = subject_token(run);
        Names {
            run: run.clone(),
            stream: format!("PREFLIGHT_{}", team.to_ascii_uppercase()),
            stream_subjects: vec![format!("preflight.{team}.run.>")],
            meta: format!("preflight.{team}.run.{run}.meta"),
            events: format!("preflight.{team}.run.{run}.events"),
            filter: format!("preflight.{team}.run.{run}.>"),
            bucket: format!("preflight_{team}"),
            presence_keys: format!("{run}.>"),
        }
    }

    /// The presence key of one device in this run.
    pub fn presence_key(&self, device: &str) -> String {
        format!("{}.{}", self.run, subject_token(device))
    }
}

/// Keeps only characters that are safe in one NATS subject token.
fn subject_token(raw: &str) -> String {
    let t: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if t.is_empty() {
        "_".to_owned()
    } else {
        t
    }
}

/// The relay's de-duplication id of an event.
pub fn msg_id(run_id: &str, event_id: &str) -> String {
    format!("{run_id}:{event_id}")
}

/// The first message of a shared run: the run as exported, with no events
/// but its adoptions of new guide versions (the rest follow one message
/// each), and the guide text it follows now, its secrets masked as in
/// every export. Sent again, under another id, whenever the run adopts a
/// new version.
pub fn meta_payload(run: &Run, origin: &str, name: Option<String>, text: &str) -> String {
    let mut bare = run.clone();
    bare.events
        .retain(|e| matches!(e.action, crate::run::Action::AdoptGuide { .. }));
    store::export(&bare, origin, name, text)
}

/// The relay's de-duplication id of the first message for the guide
/// version the run follows now.
pub fn meta_msg_id(run: &Run) -> String {
    // The hash may come from another device's event: take characters, not
    // bytes, so no text can split a character and panic.
    let hash: String = run.current_guide_hash().chars().take(16).collect();
    msg_id(&run.id, &format!("meta-{hash}"))
}

/// What one message from the relay holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// The run's settings and guide (checked like an import).
    Meta(Box<Export>),
    Event(Event),
}

/// Why a message from the relay was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageError {
    /// Another run's subject (cannot happen with the run's filter).
    OtherRun,
    Meta(ImportError),
    Event(String),
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::OtherRun => write!(f, "a message of another run"),
            MessageError::Meta(e) => write!(f, "the run's settings could not be read: {e}"),
            MessageError::Event(e) => write!(f, "an event could not be read: {e}"),
        }
    }
}

/// Reads a message delivered for `names`' run.
pub fn read_message(names: &Names, subject: &str, data: &str) -> Result<Inbound, MessageError> {
    if subject == names.events {
        let event: Event =
            serde_json::from_str(data).map_err(|e| MessageError::Event(e.to_string()))?;
        if event.id.is_empty() {
            return Err(MessageError::Event("it has no id".into()));
        }
        Ok(Inbound::Event(event))
    } else if subject == names.meta {
        store::import(data)
            .map(|e| Inbound::Meta(Box::new(e)))
            .map_err(MessageError::Meta)
    } else {
        Err(MessageError::OtherRun)
    }
}

/// The events of `run` the relay has not acknowledged, oldest first.
pub fn unsent<'a>(run: &'a Run, acked: &BTreeSet<String>) -> Vec<&'a Event> {
    run.events
        .iter()
        .filter(|e| !acked.contains(&e.id))
        .collect()
}

/// What this browser keeps about a shared run (no password: see
/// [`Credentials`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shared {
    pub schema: u32,
    pub servers: Vec<String>,
    pub team: String,
    pub user: String,
    /// Event ids the relay acknowledged or delivered.
    #[serde(default)]
    pub acked: BTreeSet<String>,
    /// The run's first message was published (or received).
    #[serde(default)]
    pub meta_sent: bool,
}

impl Shared {
    pub const SCHEMA: u32 = 1;

    pub fn new(servers: Vec<String>, team: String, user: String) -> Shared {
        Shared {
            schema: Self::SCHEMA,
            servers,
            team,
            user,
            acked: BTreeSet::new(),
            meta_sent: false,
        }
    }

    pub fn storage_key(run_id: &str) -> String {
        format!("preflight.shared.{run_id}")
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(stored: &str) -> Option<Shared> {
        serde_json::from_str::<Shared>(stored)
            .ok()
            .filter(|s| s.schema == Self::SCHEMA)
    }
}

/// A team's user and password for a relay list. Kept in memory for the
/// tab's connection; saved in this browser only when the person asks
/// ("Remember on this device"), under a key naming the whole relay list
/// and the team, so a link that names another server, or one more, never
/// gets the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

/// What is saved: the credentials with the relay list and team they are
/// for, checked again when read.
#[derive(Serialize, Deserialize)]
struct SavedCredentials {
    schema: u32,
    relay: Vec<String>,
    team: String,
    user: String,
    password: String,
}

/// Saved credentials' keys: `preflight.relay.<team>.<16 hex digits>`.
const CREDENTIALS_PREFIX: &str = "preflight.relay.";

impl Credentials {
    pub const SCHEMA: u32 = 2;

    /// `preflight.relay.<team>.<hash>`: the hash is the first 16 hex
    /// digits of the SHA-256 of the team and the canonical relay list
    /// ([`canonical_servers`]), so any other list is another key.
    pub fn storage_key(servers: &[String], team: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut canonical = team.to_owned();
        for s in canonical_servers(servers) {
            canonical.push('\n');
            canonical.push_str(&s);
        }
        let digest = Sha256::digest(canonical.as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("{CREDENTIALS_PREFIX}{team}.{hex}")
    }

    /// Whether `key` holds saved credentials in the current form.
    pub fn is_storage_key(key: &str) -> bool {
        let Some(rest) = key.strip_prefix(CREDENTIALS_PREFIX) else {
            return false;
        };
        let Some((team_part, hex)) = rest.rsplit_once('.') else {
            return false;
        };
        team(team_part).as_deref() == Ok(team_part)
            && hex.len() == 16
            && hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    }

    /// Whether `key` is a credential key of the old form
    /// (`preflight.relay.<team>@<first server>`), keyed on one server
    /// only: removed at start, never read.
    pub fn is_old_storage_key(key: &str) -> bool {
        key.starts_with(CREDENTIALS_PREFIX) && !Self::is_storage_key(key)
    }

    /// The value saved under [`Credentials::storage_key`].
    pub fn encode(&self, servers: &[String], team: &str) -> String {
        serde_json::to_string(&SavedCredentials {
            schema: Self::SCHEMA,
            relay: canonical_servers(servers),
            team: team.to_owned(),
            user: self.user.clone(),
            password: self.password.clone(),
        })
        .unwrap_or_default()
    }

    /// Saved credentials, only if they were saved for exactly this relay
    /// list and team.
    pub fn decode(stored: &str, servers: &[String], team: &str) -> Option<Credentials> {
        let saved: SavedCredentials = serde_json::from_str(stored).ok()?;
        (saved.schema == Self::SCHEMA
            && saved.team == team
            && saved.relay == canonical_servers(servers))
        .then_some(Credentials {
            user: saved.user,
            password: saved.password,
        })
    }
}

/// A link that opens a shared run on another device: the run, the team and
/// the relay, in the URL fragment (never sent to a server). It carries no
/// credentials: the device asks for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub run: String,
    pub team: String,
    pub servers: Vec<String>,
}

impl Link {
    /// The fragment, without `#`.
    pub fn encode(&self) -> String {
        format!(
            "join={}&team={}&relay={}",
            encode_component(&self.run),
            encode_component(&self.team),
            encode_component(&self.servers.join(","))
        )
    }

    /// Reads a fragment (with or without `#`); `None` when it is not a join
    /// link at all.
    pub fn decode(fragment: &str) -> Option<Result<Link, ShareError>> {
        let fragment = fragment.trim_start_matches('#');
        let mut fields = BTreeMap::new();
        for pair in fragment.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            fields.insert(k, decode_component(v));
        }
        let run = fields.get("join")?.clone()?;
        Some(Self::checked(
            run,
            fields.get("team").cloned().flatten(),
            fields.get("relay").cloned().flatten(),
        ))
    }

    fn checked(
        run: String,
        team_raw: Option<String>,
        relay: Option<String>,
    ) -> Result<Link, ShareError> {
        let ok_run = !run.is_empty()
            && run.len() <= 64
            && run
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok_run {
            return Err(ShareError::Link("no run id".into()));
        }
        let team = team(&team_raw.ok_or_else(|| ShareError::Link("no team".into()))?)?;
        let servers = servers(&relay.ok_or_else(|| ShareError::Link("no relay".into()))?)?;
        Ok(Link { run, team, servers })
    }
}

fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// One device's presence in a run: who, and where in the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    pub device: String,
    pub name: String,
    /// The step the device is at, as a title.
    #[serde(default)]
    pub at: Option<String>,
    pub seen_ms: i64,
}

impl Presence {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(raw: &str) -> Option<Presence> {
        serde_json::from_str(raw).ok()
    }
}

/// The other devices in a run, by name, leaving out this device and
/// entries not renewed within the TTL (by the local clock, with a margin
/// for clocks that differ).
pub fn peers<'a>(
    entries: impl IntoIterator<Item = &'a Presence>,
    me: &str,
    now_ms: i64,
) -> Vec<&'a Presence> {
    let mut out: Vec<&Presence> = entries
        .into_iter()
        .filter(|p| p.device != me && now_ms - p.seen_ms <= 2 * PRESENCE_TTL_MS)
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.device.cmp(&b.device)));
    out
}

/// Whether a failed connection should not be tried again by itself: the
/// relay refused the credentials or the team (the sentences come from the
/// relay client). Anything else (unreachable, no answer) is retried.
pub fn refusal_is_final(why: &str) -> bool {
    why.contains("credentials") || why.contains("does not allow")
}

/// How long to wait before connection attempt `attempt + 1`: 1 s, doubling,
/// at most 30 s.
pub fn retry_delay_ms(attempt: u32) -> u64 {
    (1000u64 << attempt.min(5)).min(30_000)
}

/// A limit of the relay that refused a publish: the relay keeps the
/// team's stream within bounds (deploy/nats/README.md) and, once one is
/// reached, refuses new messages instead of dropping old events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayLimit {
    /// The stream's `max_bytes`.
    StreamBytes,
    /// The stream's `max_msgs`.
    StreamMessages,
    /// The stream's `max_msg_size`.
    MessageSize,
    /// The server's `max_payload`.
    Payload,
    /// The account's or the server's JetStream storage.
    Resources,
    /// The account's `max_streams` or `max_consumers`.
    Streams,
}

impl RelayLimit {
    /// Whether the limit is one message's size: the other changes may
    /// still go.
    pub fn per_message(self) -> bool {
        matches!(self, RelayLimit::MessageSize | RelayLimit::Payload)
    }
}

/// The relay's words for each limit, as nats-server and the NATS client
/// say them, lower-cased.
const LIMIT_WORDS: &[(&str, RelayLimit)] = &[
    ("maximum bytes exceeded", RelayLimit::StreamBytes),
    ("maximum messages exceeded", RelayLimit::StreamMessages),
    ("message size exceeds maximum", RelayLimit::MessageSize),
    ("max_payload", RelayLimit::Payload),
    ("maximum payload exceeded", RelayLimit::Payload),
    ("maximum payload violation", RelayLimit::Payload),
    ("insufficient resources", RelayLimit::Resources),
    ("insufficient storage resources", RelayLimit::Resources),
    ("maximum number of streams reached", RelayLimit::Streams),
    ("maximum consumers limit reached", RelayLimit::Streams),
];

/// A publish the relay refused for a limit (not a connection that failed
/// or timed out): the relay's error text, with the limit it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRefusal {
    pub limit: RelayLimit,
    /// The relay's own words, as the message quotes them.
    pub said: String,
}

/// Reads a refused publish's error: `Some` when the relay refused it for
/// one of its limits. The changes stay unsent here ([`unsent`]) and are
/// published again later ([`limit_retry_ms`]).
pub fn limit_refusal(error: &str) -> Option<LimitRefusal> {
    let lower = error.to_ascii_lowercase();
    LIMIT_WORDS
        .iter()
        .find(|(words, _)| lower.contains(words))
        .map(|(_, limit)| LimitRefusal {
            limit: *limit,
            said: error.trim().trim_end_matches('.').to_owned(),
        })
}

impl fmt::Display for LimitRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.limit {
            RelayLimit::StreamBytes => "the team's storage on the relay is full",
            RelayLimit::StreamMessages => {
                "the team's stream on the relay holds as many messages as it may"
            }
            RelayLimit::MessageSize | RelayLimit::Payload => {
                "a change is larger than the relay accepts in one message"
            }
            RelayLimit::Resources => "the relay has no storage left for the team",
            RelayLimit::Streams => "the team has as many streams or readers on the relay as it may",
        };
        write!(
            f,
            "The relay refused this run's changes: {what} ({}). They are kept on this device; \
             ask the relay's operator to raise the limit or remove old runs.",
            self.said
        )
    }
}

/// How long to wait before publishing again after refusal `attempt + 1`
/// for a limit: 5 s, doubling, at most 5 minutes — a full relay stays full
/// until its operator acts, so it is asked seldom.
pub fn limit_retry_ms(attempt: u32) -> u64 {
    (5_000u64 << attempt.min(6)).min(300_000)
}

/// The connection as the run header shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected,
    /// Lost; the client retries by itself.
    Reconnecting,
    /// The browser is offline, or the person stopped sharing here.
    Offline,
    /// Refused or failed for good, with the sentence to show.
    Failed(String),
}

impl Connection {
    /// The badge text, with the count of events not yet on the relay.
    pub fn label(&self, unsent: usize) -> String {
        let base = match self {
            Connection::Connecting => "Connecting to the relay…".to_owned(),
            Connection::Connected => "Live".to_owned(),
            Connection::Reconnecting => "Reconnecting…".to_owned(),
            Connection::Offline => "Offline".to_owned(),
            Connection::Failed(why) => format!("Not shared: {why}"),
        };
        match unsent {
            0 => base,
            1 => format!("{base} · 1 unsent change"),
            n => format!("{base} · {n} unsent changes"),
        }
    }
}

#[cfg(test)]
mod tests;
