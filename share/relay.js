// The relay client of a live shared run: a thin layer over the official
// NATS clients (@nats-io/nats-core, @nats-io/jetstream, @nats-io/kv),
// bundled by scripts/relay-bundle.mjs into one ES module that the app loads
// only when a run is shared. The app (Rust) owns Preflight's protocol:
// subject names, the event format, merging and the outbox. This file only
// connects, replays, publishes and reports.
import { wsconnect, headers } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, DeliverPolicy, DiscardPolicy } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';

// Bounds of what a team keeps on the relay (deploy/nats/README.md says what
// happens when each is reached). The team's stream holds every shared run's
// log, so it refuses new messages when full (discard: new) rather than
// dropping the oldest events: a refused change stays unsent on the device
// that made it and is sent again later, where a dropped one would be gone
// for every device that joins afterwards. Runs older than maxAgeMs leave
// the relay; the devices keep their copies.
export const LIMITS = {
  maxAgeMs: 90 * 24 * 3600 * 1000,
  maxBytes: 256 * 1024 * 1024,
  // One message: a guide of up to 10 MB travels with a run's first one.
  maxMsgSize: 12 * 1024 * 1024,
  // Presence: a few hundred bytes per device, expiring after ttlMs.
  bucketBytes: 1024 * 1024,
  valueBytes: 4096,
};

// Turns a client error into a sentence meant for people.
export function describe(err) {
  const text = String((err && (err.message || err.code)) || err);
  if (/authoriz|authentic|credentials/i.test(text)) {
    return 'the relay refused these credentials (wrong user or password)';
  }
  if (/permission/i.test(text)) return 'the relay does not allow this team for these credentials';
  if (/timeout/i.test(text)) return 'the relay did not answer in time';
  if (/connection refused|ECONNREFUSED|websocket|failed to connect|CONNECTION_REFUSED/i.test(text)) {
    return 'the relay could not be reached';
  }
  return text;
}

// Opens a session.
//   opts: { servers: [url], user, pass, name, stream, subjects: [pattern],
//           replicas, filter, bucket, ttlMs, limits? (LIMITS by default) }
//   on:   { event(subject, data), status(kind, detail), presence(key, value|null) }
// Resolves to a session object, or rejects with a sentence (describe()).
export async function open(opts, on) {
  let nc;
  try {
    nc = await wsconnect({
      servers: opts.servers,
      user: opts.user,
      pass: opts.pass,
      name: opts.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 5000,
      maxPingOut: 2,
      timeout: 5000,
    });
  } catch (err) {
    throw describe(err);
  }
  let closed = false;
  const session = {
    async publish(subject, id, data) {
      const h = headers();
      h.set('Nats-Msg-Id', id);
      const ack = await js.publish(subject, data, { headers: h, timeout: 4000 });
      return ack.seq;
    },
    async presence(key, value) {
      if (!kv) return;
      if (value === null) await kv.delete(key);
      else await kv.put(key, value);
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await nc.close();
      } catch (_) {
        // already closed
      }
    },
    get connected() {
      return !nc.isClosed();
    },
    // Forces a reconnect (after the browser comes back online).
    async reconnect() {
      try {
        await nc.reconnect();
      } catch (_) {
        // reported through status
      }
    },
  };
  let js;
  let kv = null;
  const limits = { ...LIMITS, ...(opts.limits || {}) };
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    try {
      await jsm.streams.info(opts.stream);
    } catch (_) {
      await jsm.streams.add({
        name: opts.stream,
        subjects: opts.subjects,
        num_replicas: opts.replicas,
        duplicate_window: 10 * 60 * 1e9,
        discard: DiscardPolicy.New,
        max_age: limits.maxAgeMs * 1e6,
        max_bytes: limits.maxBytes,
        max_msg_size: limits.maxMsgSize,
        ...(limits.maxMsgs ? { max_msgs: limits.maxMsgs } : {}),
      });
    }
    js = jetstream(nc, { timeout: 5000 });
    const kvm = new Kvm(nc);
    kv = await kvm.create(opts.bucket, {
      ttl: opts.ttlMs,
      history: 1,
      replicas: opts.replicas,
      max_bytes: limits.bucketBytes,
      maxValueSize: limits.valueBytes,
    });
  } catch (err) {
    await session.close();
    throw describe(err);
  }
  // Status of the connection, for the badge.
  (async () => {
    for await (const s of nc.status()) {
      if (closed) break;
      if (s.type === 'disconnect') on.status('reconnecting', '');
      else if (s.type === 'reconnecting') on.status('reconnecting', '');
      else if (s.type === 'reconnect') {
        on.status('connected', '');
        // On another node now: follow the run from there.
        current?.stop();
      }
      else if (s.type === 'error') on.status('error', describe(s.error));
    }
  })().catch(() => {});
  nc.closed().then((err) => {
    if (!closed) on.status('closed', err ? describe(err) : '');
  });
  // Every event of the run, from the first, then live. The consumer lives
  // on one node; when its heartbeats stop (that node was lost), it is
  // made again from the next stream sequence on another node. Events
  // seen twice are harmless: the app merges by event id.
  let current = null;
  (async () => {
    let next = 0;
    while (!closed) {
      let messages;
      try {
        const consumer = await js.consumers.get(opts.stream, {
          filter_subjects: opts.filter,
          deliver_policy: next ? DeliverPolicy.StartSequence : DeliverPolicy.All,
          ...(next ? { opt_start_seq: next } : {}),
        });
        // Short pulls: a heartbeat every 2.5 s, so a lost consumer is
        // noticed within seconds.
        messages = await consumer.consume({ expires: 5000 });
      } catch (_) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      current = messages;
      let sign = Date.now();
      (async () => {
        for await (const s of messages.status()) {
          if (s.type === 'heartbeats_missed' && s.count >= 2) messages.stop();
          else sign = Date.now();
        }
      })().catch(() => {});
      // A consumer that says nothing for 8 s (no heartbeat, no message,
      // no new pull) is stuck: make it again.
      const watchdog = setInterval(() => {
        if (Date.now() - sign > 8000) messages.stop();
      }, 1000);
      try {
        for await (const m of messages) {
          if (closed) break;
          sign = Date.now();
          next = m.seq + 1;
          on.event(m.subject, m.string());
        }
      } catch (_) {
        // made again below
      }
      clearInterval(watchdog);
      current = null;
    }
  })();
  // Who else is here: presence entries of this run, expiring by TTL.
  (async () => {
    const watch = await kv.watch({ key: opts.presenceKeys });
    for await (const e of watch) {
      if (closed) break;
      on.presence(e.key, e.operation === 'PUT' ? e.string() : null);
    }
  })().catch((err) => {
    if (!closed) on.status('error', describe(err));
  });
  on.status('connected', '');
  return session;
}
