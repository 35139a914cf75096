//! Signed sign-offs. Each browser holds its own signing key (ECDSA P-256,
//! made by the browser and never exported); a sign-off carries a [`Proof`]:
//! the public key, its fingerprint, the log it covers (the chain head over
//! the entries the signer held, and how many of each writer's entries
//! those were) and the signature over a [`statement`] of all that.
//!
//! [`verify`] checks every sign-off of a run: the signature against the
//! entry as it is now (forged or edited: [`Verdict::Forged`]), and the
//! entries it covers against the head it signed ([`Verdict::Edited`]).
//! Entries that reached the log after signing — a device that was
//! offline, dated before the sign-off — are not covered and are counted
//! ([`Verdict::Valid`]`{ later }`), not held against it.
//!
//! A key per browser is not an identity: a signature proves that whoever
//! held that browser's key signed exactly this, and nothing edited it
//! since; [`KeyBook`] says whether this device saw that key for that name
//! before (trust on first use).
//!
//! Everything here is plain computation; making keys and signing are the
//! browser's, verifying is here so the CLI (`preflight verify`) and the app
//! give the same answer.

use super::{chain, Action, Event, Meaning, Run};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The one algorithm: ECDSA over P-256 with SHA-256 (WebCrypto's
/// `{ name: "ECDSA", namedCurve: "P-256" }`, signature as r‖s).
pub const ALG: &str = "ES256";

/// What a signed sign-off carries besides the entry itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub alg: String,
    /// The public key: the uncompressed SEC1 point (65 bytes), base64url.
    pub key: String,
    /// [`fingerprint`] of the key.
    pub fingerprint: String,
    /// When the signer's browser signed, in ms.
    pub signed_ms: i64,
    /// The chain head ([`chain::head`]) over the entries covered.
    pub head: String,
    /// The entries covered: for each writer (the middle of an entry's id),
    /// how many of its entries, first ones first.
    pub covers: BTreeMap<String, u32>,
    /// The signature over [`statement`], r‖s (64 bytes), base64url.
    pub sig: String,
}

impl Proof {
    /// A proof as an entry carries it; `None` when it is not one.
    pub fn read(value: &serde_json::Value) -> Option<Proof> {
        Proof::deserialize(value).ok()
    }

    /// The proof as an entry carries it.
    pub fn into_value(self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// A key's fingerprint: the first 16 bytes of the SHA-256 of its bytes,
/// in groups of four hex digits.
pub fn fingerprint(key: &[u8]) -> String {
    let digest = Sha256::digest(key);
    let hex = crate::source::hex(&digest[..16]);
    hex.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The signed part of a sign-off, as canonical JSON (fields in this order,
/// no spaces). Shown in the audit pack so anyone can check a signature
/// with other tools.
#[derive(Serialize)]
struct Statement<'a> {
    statement: &'static str,
    run: &'a str,
    /// [`header_hash`]: who started the run, when, its window, four-eyes,
    /// the alternatives chosen and the guide's title.
    header: String,
    guide: &'a str,
    by: &'a str,
    phase: Option<&'a str>,
    role: &'a str,
    meaning: Meaning,
    tz_offset_min: i32,
    signed_ms: i64,
    head: &'a str,
    covers: &'a BTreeMap<String, u32>,
    key: &'a str,
}

/// The SHA-256 of the run's header as canonical JSON: what was decided at
/// its start (operator, start, window, four-eyes, alternatives chosen,
/// the guide's title), so a signature also covers those.
pub fn header_hash(run: &Run) -> String {
    let header = serde_json::json!([
        run.operator,
        run.started_ms,
        run.window.start_ms,
        run.window.end_ms,
        run.four_eyes,
        run.choices,
        run.guide_title,
    ]);
    crate::source::hex(&Sha256::digest(header.to_string().as_bytes()))
}

/// A sign-off's own fields, as the log holds them (`by` and `role`
/// trimmed).
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    pub by: &'a str,
    pub phase: Option<&'a str>,
    pub role: &'a str,
    pub meaning: Meaning,
    pub tz_offset_min: i32,
}

/// The bytes a sign-off's signature is over.
fn statement_bytes(run: &Run, signing: Signing, proof: &Proof) -> String {
    let Signing {
        by,
        phase,
        role,
        meaning,
        tz_offset_min,
    } = signing;
    serde_json::to_string(&Statement {
        statement: "preflight sign-off 1",
        run: &run.id,
        header: header_hash(run),
        guide: &run.guide_hash,
        by,
        phase,
        role,
        meaning,
        tz_offset_min,
        signed_ms: proof.signed_ms,
        head: &proof.head,
        covers: &proof.covers,
        key: &proof.key,
    })
    .unwrap_or_default()
}

/// The statement a sign-off entry's signature is over (for the audit pack
/// and for signing). `None` for an entry that is not a signed sign-off.
pub fn statement(run: &Run, event: &Event) -> Option<String> {
    let Action::SignOff {
        phase,
        role,
        meaning,
        tz_offset_min,
        proof: Some(proof),
    } = &event.action
    else {
        return None;
    };
    let proof = &Proof::read(proof)?;
    let signing = Signing {
        by: &event.by,
        phase: phase.as_deref(),
        role,
        meaning: *meaning,
        tz_offset_min: *tz_offset_min,
    };
    Some(statement_bytes(run, signing, proof))
}

/// The writer of an entry: the middle of `<time>-<writer>-<n>`.
fn writer(id: &str) -> &str {
    match (id.find('-'), id.rfind('-')) {
        (Some(a), Some(b)) if a < b => &id[a + 1..b],
        _ => id,
    }
}

/// A sign-off about to be signed: what to sign, and the proof that the
/// signature completes.
#[derive(Debug, Clone)]
pub struct Pending {
    proof: Proof,
    statement: String,
}

impl Pending {
    /// The bytes to sign.
    pub fn bytes(&self) -> &[u8] {
        self.statement.as_bytes()
    }

    /// The proof with its signature (r‖s, as WebCrypto gives it).
    pub fn finish(mut self, signature: &[u8]) -> Proof {
        self.proof.sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature);
        self.proof
    }
}

/// Prepares the signature of a sign-off over the log as it is (`by` and
/// `role` are trimmed, as the log will hold them). `key` is the public
/// key's SEC1 bytes; `Err` when it is not a P-256 point.
pub fn prepare(run: &Run, signing: Signing, now_ms: i64, key: &[u8]) -> Result<Pending, String> {
    p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
        .map_err(|_| "this browser's key is not a P-256 public key".to_owned())?;
    let mut covers = BTreeMap::new();
    for e in &run.events {
        *covers.entry(writer(&e.id).to_owned()).or_insert(0u32) += 1;
    }
    let proof = Proof {
        alg: ALG.to_owned(),
        key: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key),
        fingerprint: fingerprint(key),
        signed_ms: now_ms,
        head: chain::head(&run.events),
        covers,
        sig: String::new(),
    };
    let signing = Signing {
        by: signing.by.trim(),
        role: signing.role.trim(),
        ..signing
    };
    let statement = statement_bytes(run, signing, &proof);
    Ok(Pending { proof, statement })
}

/// What checking one sign-off found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No signature: recorded before signing existed, or by a browser
    /// that could not keep a key.
    Unsigned,
    /// The signature is good and the entries it covers are as signed;
    /// `later` are the entries (0-based places in the log) dated before it
    /// that it does not cover: they reached the log after it signed — or
    /// were put there later by someone else; either way it did not sign
    /// them.
    Valid { later: Vec<usize> },
    /// The signature does not match the entry (forged, or the entry was
    /// edited), or the proof does not read.
    Forged(String),
    /// The signature is good, but entries it covers were changed, removed
    /// or moved since.
    Edited(String),
}

/// One sign-off checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The entry's id and place in the log.
    pub id: String,
    pub index: usize,
    pub at_ms: i64,
    pub by: String,
    pub role: String,
    pub meaning: Meaning,
    pub phase: Option<String>,
    pub fingerprint: Option<String>,
    pub verdict: Verdict,
}

impl Check {
    /// Whether this sign-off shows the record was changed or forged.
    pub fn is_bad(&self) -> bool {
        matches!(self.verdict, Verdict::Forged(_) | Verdict::Edited(_))
    }

    /// The verdict in a few words: "valid", "not signed", "forged: …".
    pub fn label(&self) -> String {
        match &self.verdict {
            Verdict::Unsigned => "not signed".to_owned(),
            Verdict::Valid { later } if later.is_empty() => "signature valid".to_owned(),
            Verdict::Valid { later } => {
                let shown: Vec<String> =
                    later.iter().take(5).map(|i| (i + 1).to_string()).collect();
                format!(
                    "signature valid; {} {}{} dated before it {} not covered (added to the log after it signed)",
                    if later.len() == 1 { "entry" } else { "entries" },
                    shown.join(", "),
                    if later.len() > 5 { format!(" and {} more", later.len() - 5) } else { String::new() },
                    if later.len() == 1 { "is" } else { "are" },
                )
            }
            Verdict::Forged(why) => format!("signature NOT valid: {why}"),
            Verdict::Edited(why) => format!("log changed after signing: {why}"),
        }
    }

    /// Who signed what, for a message: "Bob's approved sign-off (entry 12)".
    pub fn who(&self) -> String {
        format!(
            "{}'s {} sign-off (entry {})",
            self.by,
            self.meaning.label(),
            self.index + 1
        )
    }
}

/// Checks every sign-off of a run, in log order. One pass keeps the chain
/// and each writer's count over the entries so far: a sign-off that covers
/// exactly those (the usual case) is checked against them at no further
/// cost; one that does not walks the entries before it again.
pub fn verify(run: &Run) -> Vec<Check> {
    let mut running = Running {
        head: chain::GENESIS.to_owned(),
        counts: BTreeMap::new(),
    };
    run.events
        .iter()
        .enumerate()
        .filter_map(|(index, e)| {
            let before = running.clone();
            running.head = chain::link(&running.head, e);
            *running.counts.entry(writer(&e.id)).or_insert(0) += 1;
            let Action::SignOff {
                phase,
                role,
                meaning,
                proof,
                ..
            } = &e.action
            else {
                return None;
            };
            let read = proof.as_deref().map(Proof::read);
            let verdict = match &read {
                None => Verdict::Unsigned,
                Some(None) => Verdict::Forged("its proof does not read".to_owned()),
                Some(Some(proof)) => check_one(run, index, e, proof, &before),
            };
            Some(Check {
                id: e.id.clone(),
                index,
                at_ms: e.at_ms,
                by: e.by.clone(),
                role: role.clone(),
                meaning: *meaning,
                phase: phase.clone(),
                fingerprint: read.flatten().map(|p| p.fingerprint),
                verdict,
            })
        })
        .collect()
}

/// The first sign-off that shows the run was changed or forged, as a
/// sentence: why an import is refused.
pub fn refusal(checks: &[Check]) -> Option<String> {
    checks
        .iter()
        .find(|c| c.is_bad())
        .map(|c| format!("{}: {}", c.who(), c.label()))
}

/// Reads an exported run as [`super::store::import`] does, and also
/// refuses it whole when a sign-off's signature is forged or the entries
/// it signed were changed.
pub fn import(file: &str) -> Result<super::store::Export, super::store::ImportError> {
    let export = super::store::import(file)?;
    match refusal(&verify(&export.run)) {
        Some(why) => Err(super::store::ImportError::Signature(why)),
        None => Ok(export),
    }
}

/// How far a signature's own time may be from its entry's: the entry is
/// recorded right after signing, never before the log's last entry.
const SIGNED_SKEW_MS: u64 = 2 * 60 * 1000;

/// The chain head and each writer's count over the entries before one.
#[derive(Clone)]
struct Running<'a> {
    head: String,
    counts: BTreeMap<&'a str, u64>,
}

fn check_one(run: &Run, index: usize, event: &Event, proof: &Proof, before: &Running) -> Verdict {
    use p256::ecdsa::signature::Verifier;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if proof.alg != ALG {
        return Verdict::Forged(format!("unknown algorithm “{}”", proof.alg));
    }
    let Ok(key_bytes) = b64.decode(&proof.key) else {
        return Verdict::Forged("its key does not read".to_owned());
    };
    let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(&key_bytes) else {
        return Verdict::Forged("its key is not a P-256 key".to_owned());
    };
    if fingerprint(&key_bytes) != proof.fingerprint {
        return Verdict::Forged("the fingerprint is not its key's".to_owned());
    }
    let Some(signature) = b64
        .decode(&proof.sig)
        .ok()
        .and_then(|s| p256::ecdsa::Signature::from_slice(&s).ok())
    else {
        return Verdict::Forged("the signature does not read".to_owned());
    };
    let Some(statement) = statement(run, event) else {
        return Verdict::Forged("not a sign-off".to_owned());
    };
    if key.verify(statement.as_bytes(), &signature).is_err() {
        return Verdict::Forged(
            "it does not match this sign-off (the signature, the entry or the run's header was changed)"
                .to_owned(),
        );
    }
    if event.at_ms.abs_diff(proof.signed_ms) > SIGNED_SKEW_MS {
        return Verdict::Edited("the entry's time is not when it was signed".to_owned());
    }
    // Covers exactly the entries before it: the running chain says it.
    let all = before.counts.len() == proof.covers.len()
        && before
            .counts
            .iter()
            .zip(&proof.covers)
            .all(|((w, n), (cw, cn))| w == cw && *n == u64::from(*cn));
    if all {
        return if before.head == proof.head {
            Verdict::Valid { later: Vec::new() }
        } else {
            Verdict::Edited("an entry it signed was changed".to_owned())
        };
    }
    // The entries covered: each writer's first `n` before the sign-off.
    let mut left: BTreeMap<&str, u64> = proof
        .covers
        .iter()
        .map(|(w, n)| (w.as_str(), u64::from(*n)))
        .collect();
    let mut head = chain::GENESIS.to_owned();
    let mut later = Vec::new();
    for (i, e) in run.events[..index].iter().enumerate() {
        match left.get_mut(writer(&e.id)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                head = chain::link(&head, e);
            }
            _ => later.push(i),
        }
    }
    let missing: u64 = left.values().sum();
    if missing > 0 {
        return Verdict::Edited(format!(
            "{missing} {} it signed {} missing",
            if missing == 1 { "entry" } else { "entries" },
            if missing == 1 { "is" } else { "are" },
        ));
    }
    if head != proof.head {
        // Which entry: the first whose hash differs can't be known without
        // the signer's hashes; the head says that one did.
        return Verdict::Edited("an entry it signed was changed".to_owned());
    }
    Verdict::Valid { later }
}

/// For each check, what the same record says of its key: a name that
/// signed before in this run with the same key, or with another one.
/// `None` for the first key seen for a name, and for unsigned ones.
pub fn key_notes(checks: &[Check]) -> Vec<Option<String>> {
    let mut first: BTreeMap<String, (usize, &str, &str)> = BTreeMap::new();
    checks
        .iter()
        .map(|c| {
            let fp = c.fingerprint.as_deref()?;
            let name = c.by.trim().to_lowercase();
            match first.get(&name) {
                None => {
                    first.insert(name, (c.index, fp, c.by.trim()));
                    None
                }
                Some(&(at, known, by)) if known == fp => Some(format!(
                    "the same key as {by}'s sign-off at entry {}",
                    at + 1
                )),
                Some(&(at, _, by)) => Some(format!(
                    "NOT the key {by}'s sign-off at entry {} was made with",
                    at + 1
                )),
            }
        })
        .collect()
}

/// Whether this device saw a signer's key before (trust on first use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Not signed.
    NoKey,
    /// First seen with this name in this run.
    First,
    /// Seen with this name in another run on this device.
    Before,
    /// This name signed with other keys on this device (how many);
    /// `known`: this key too, in another run.
    OtherKey { known: bool, others: usize },
}

impl Seen {
    pub fn label(&self) -> String {
        match self {
            Seen::NoKey => String::new(),
            Seen::First => "first time this device sees this key for this name".to_owned(),
            Seen::Before => "key seen before for this name".to_owned(),
            Seen::OtherKey { known, others } => format!(
                "{}this name also signed with {} on this device",
                if *known {
                    "key seen before for this name, but "
                } else {
                    "a new key for this name: "
                },
                if *others == 1 {
                    "another key".to_owned()
                } else {
                    format!("{others} other keys")
                }
            ),
        }
    }
}

/// A signer's key as a device first saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    pub fingerprint: String,
    /// The run it was first seen in.
    pub run: String,
}

/// The keys this device has seen, by signer name (lowercased, trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyBook {
    pub signers: BTreeMap<String, Vec<Known>>,
}

impl KeyBook {
    pub const STORAGE_KEY: &'static str = "preflight.signers";
    /// At most this many names, and keys per name: the book is kept, and
    /// what it holds comes from files and relays.
    pub const MAX_NAMES: usize = 2000;
    pub const MAX_KEYS: usize = 16;

    /// The stored book; an unreadable one is an empty book.
    pub fn decode(raw: &str) -> KeyBook {
        serde_json::from_str(raw).unwrap_or_default()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn name(by: &str) -> String {
        by.trim().to_lowercase()
    }

    /// What the book says about `check`'s key in run `run`.
    pub fn seen(&self, run: &str, check: &Check) -> Seen {
        let Some(fp) = &check.fingerprint else {
            return Seen::NoKey;
        };
        let known = self
            .signers
            .get(&Self::name(&check.by))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let before = known.iter().any(|k| &k.fingerprint == fp && k.run != run);
        match known.iter().filter(|k| &k.fingerprint != fp).count() {
            0 if before => Seen::Before,
            0 => Seen::First,
            others => Seen::OtherKey {
                known: before,
                others,
            },
        }
    }

    /// Learns the keys of valid signatures in run `run`; whether the book
    /// changed.
    pub fn learn(&mut self, run: &str, checks: &[Check]) -> bool {
        let mut changed = false;
        for c in checks {
            let (Some(fp), Verdict::Valid { .. }) = (&c.fingerprint, &c.verdict) else {
                continue;
            };
            let name = Self::name(&c.by);
            if !self.signers.contains_key(&name) && self.signers.len() >= Self::MAX_NAMES {
                continue;
            }
            let keys = self.signers.entry(name).or_default();
            if keys.len() < Self::MAX_KEYS && !keys.iter().any(|k| &k.fingerprint == fp) {
                keys.push(Known {
                    fingerprint: fp.clone(),
                    run: run.to_owned(),
                });
                changed = true;
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests;
