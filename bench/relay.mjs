// Live shared runs through a real relay (deploy/nats/relay.conf on
// 127.0.0.1), with the app's own relay client (share/relay.js):
//   propagation: one client publishes an event, another receives it;
//                p50 / p95 over BENCH_RELAY_EVENTS events (default 500),
//                one at a time so queueing does not count. Baseline, same
//                run: plain NATS publish / subscribe of the same messages
//                (no JetStream: nothing stored, no acknowledgement).
//   fan-in:      BENCH_RELAY_CLIENTS clients (default 50) each publish
//                BENCH_RELAY_PER_CLIENT events (default 1,000) to one run at
//                once while each follows the run; every client must end
//                with the same log (the same ids in the same order, hashed),
//                each event once.
// Run with Node's WebSocket (node --experimental-websocket on Node 20).
import { createHash } from 'node:crypto';
import { wsconnect } from '@nats-io/nats-core';
import { open } from '../share/relay.js';
import { PASSWORDS, startRelay } from '../tests/e2e/nats.mjs';

const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 500);
const CLIENTS = Number(process.env.BENCH_RELAY_CLIENTS ?? 50);
const PER_CLIENT = Number(process.env.BENCH_RELAY_PER_CLIENT ?? 1000);

const names = (run) => ({
  stream: 'PREFLIGHT_OPS',
  subjects: ['preflight.ops.run.>'],
  filter: `preflight.ops.run.${run}.>`,
  events: `preflight.ops.run.${run}.events`,
  bucket: 'preflight_ops',
  presenceKeys: `${run}.>`,
});

async function client(ws, run, name, onEvent) {
  const n = names(run);
  return open(
    {
      servers: [ws], user: 'ops', pass: PASSWORDS.ops, name, replicas: 1, ttlMs: 30000,
      stream: n.stream, subjects: n.subjects, filter: n.filter, bucket: n.bucket,
      presenceKeys: n.presenceKeys,
    },
    { event: onEvent, status() {}, presence() {} },
  );
}

// An event as the app writes it (run::Event, JSON).
const event = (id, at, by, step) => JSON.stringify({ id, at_ms: at, by, type: 'check', step });

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function propagation(ws) {
  const run = 'bench-propagation';
  const waiting = new Map();
  const b = await client(ws, run, 'b', (_s, data) => {
    const id = JSON.parse(data).id;
    waiting.get(id)?.(performance.now());
  });
  const a = await client(ws, run, 'a', () => {});
  const times = [];
  for (let i = 0; i < EVENTS; i++) {
    const id = `p-${i}`;
    const seen = new Promise((r) => waiting.set(id, r));
    const t0 = performance.now();
    await a.publish(names(run).events, `${run}:${id}`, event(id, 1_764_000_000_000 + i, 'a', `s${i % 40}`));
    times.push((await seen) - t0);
    waiting.delete(id);
  }
  await a.close();
  await b.close();
  times.sort((x, y) => x - y);
  return { p50: pct(times, 50), p95: pct(times, 95), max: times[times.length - 1] };
}

async function corePropagation(ws) {
  const opts = { servers: [ws], user: 'ops', pass: PASSWORDS.ops };
  const [a, b] = [await wsconnect(opts), await wsconnect(opts)];
  const waiting = new Map();
  const sub = b.subscribe('preflight.ops.bench.core');
  (async () => {
    for await (const m of sub) waiting.get(JSON.parse(m.string()).id)?.(performance.now());
  })();
  await b.flush();
  const times = [];
  for (let i = 0; i < EVENTS; i++) {
    const id = `c-${i}`;
    const seen = new Promise((r) => waiting.set(id, r));
    const t0 = performance.now();
    a.publish('preflight.ops.bench.core', event(id, 1_764_000_000_000 + i, 'a', `s${i % 40}`));
    times.push((await seen) - t0);
  }
  await a.close();
  await b.close();
  times.sort((x, y) => x - y);
  return { p50: pct(times, 50), p95: pct(times, 95) };
}

async function fanIn(ws) {
  const run = 'bench-fan-in';
  const total = CLIENTS * PER_CLIENT;
  const logs = [];
  const done = [];
  const clients = [];
  for (let c = 0; c < CLIENTS; c++) {
    const log = new Map();
    let finish;
    done.push(new Promise((r) => (finish = r)));
    logs.push(log);
    clients.push(
      await client(ws, run, `c${c}`, (_s, data) => {
        const e = JSON.parse(data);
        if (!log.has(e.id)) log.set(e.id, e.at_ms);
        if (log.size === total) finish(performance.now());
      }),
    );
  }
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (s, c) => {
      for (let i = 0; i < PER_CLIENT; i++) {
        const id = `${(1_764_000_000_000 + i).toString(16)}-c${c}-${i}`;
        // Retried until stored: the relay drops a second copy by its id.
        for (;;) {
          try {
            await s.publish(names(run).events, `${run}:${id}`, event(id, 1_764_000_000_000 + i, `c${c}`, `s${i % 40}`));
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
    }),
  );
  const published = performance.now() - t0;
  const ends = await Promise.race([
    Promise.all(done),
    new Promise((_, reject) => setTimeout(() => reject(new Error('no convergence within 5 minutes')), 300_000)),
  ]);
  const converged = Math.max(...ends) - t0;
  // The merged log: ordered by time, then id (as Run::merge keeps it).
  const hashes = new Set(
    logs.map((log) => {
      const ordered = [...log.entries()].sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      return createHash('sha256').update(ordered.map((e) => e.join(' ')).join('\n')).digest('hex');
    }),
  );
  await Promise.all(clients.map((s) => s.close()));
  return { total, published, converged, states: hashes.size, sizes: new Set(logs.map((l) => l.size)) };
}

const relay = await startRelay();
try {
  const p = await propagation(relay.ws);
  const c = await corePropagation(relay.ws);
  console.log(
    `relay propagation (${EVENTS} events, one at a time): p50 ${p.p50.toFixed(2)} ms  p95 ${p.p95.toFixed(2)} ms  max ${p.max.toFixed(2)} ms; ` +
      `plain NATS publish/subscribe p50 ${c.p50.toFixed(2)} ms  p95 ${c.p95.toFixed(2)} ms; ratio p50 ${(p.p50 / c.p50).toFixed(2)}x  p95 ${(p.p95 / c.p95).toFixed(2)}x`,
  );
  const f = await fanIn(relay.ws);
  console.log(
    `relay fan-in: ${CLIENTS} clients x ${PER_CLIENT} events = ${f.total}: all published in ${(f.published / 1000).toFixed(1)} s, ` +
      `every client converged in ${(f.converged / 1000).toFixed(1)} s; distinct final states: ${f.states}; log sizes: ${[...f.sizes].join(',')}`,
  );
  if (f.states !== 1 || f.sizes.size !== 1 || !f.sizes.has(f.total)) {
    console.error('relay fan-in: clients did not converge to one state');
    process.exitCode = 1;
  }
} finally {
  await relay.close();
}
// The clients' timers are gone with their connections; do not wait for
// stragglers.
process.exit(process.exitCode ?? 0);
