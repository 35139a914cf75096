// Starts real NATS relays for the tests: one server, or a three-node
// cluster, each from the committed configuration in deploy/nats/, on
// free loopback ports, with JetStream in a temporary directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Not imported from harness.mjs: the benchmarks use this file outside tests.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const PASSWORDS = { ops: 'ops-test-password', qa: 'qa-test-password' };

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}


function launch(config, env, readyMarker = 'Server is ready') {
  const child = spawn(process.env.NATS_SERVER ?? 'nats-server', ['-c', config], {
    env: { ...process.env, PATH: `/usr/sbin:/usr/bin:${process.env.PATH}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server not ready:\n${log}`)), 20_000);
    const onData = (d) => {
      log += d;
      if (log.includes(readyMarker)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}):\n${log}`));
    });
  });
  return { child, ready, log: () => log };
}

function baseEnv(name, dir, port, wsPort) {
  return {
    PREFLIGHT_NATS_NAME: name,
    PREFLIGHT_NATS_HOST: '127.0.0.1',
    PREFLIGHT_NATS_PORT: String(port),
    PREFLIGHT_NATS_WS_PORT: String(wsPort),
    PREFLIGHT_NATS_DIR: dir,
    PREFLIGHT_OPS_PASSWORD: PASSWORDS.ops,
    PREFLIGHT_QA_PASSWORD: PASSWORDS.qa,
  };
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** One relay (deploy/nats/relay.conf). Returns { ws, close }. */
export async function startRelay() {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-nats-'));
  const [port, wsPort] = [await freePort(), await freePort()];
  const node = launch(join(ROOT, 'deploy/nats/relay.conf'), baseEnv('relay', dir, port, wsPort));
  await node.ready;
  return {
    ws: `ws://127.0.0.1:${wsPort}`,
    log: node.log,
    async close() {
      await stop(node.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Three nodes (deploy/nats/cluster.conf) routed to each other. Returns
 * { ws: [url, url, url], kill(i), close }.
 */
export async function startCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-nats-cluster-'));
  const ports = [];
  for (let i = 0; i < 9; i++) ports.push(await freePort());
  const routes = [0, 1, 2].map((i) => `nats-route://127.0.0.1:${ports[6 + i]}`);
  const nodes = [0, 1, 2].map((i) =>
    launch(join(ROOT, 'deploy/nats/cluster.conf'), {
      ...baseEnv(`n${i + 1}`, join(dir, `n${i + 1}`), ports[i], ports[3 + i]),
      PREFLIGHT_NATS_CLUSTER: 'preflight-test',
      PREFLIGHT_NATS_CLUSTER_PORT: String(ports[6 + i]),
      PREFLIGHT_NATS_ROUTE_1: routes[0],
      PREFLIGHT_NATS_ROUTE_2: routes[1],
      PREFLIGHT_NATS_ROUTE_3: routes[2],
    }),
  );
  await Promise.all(nodes.map((n) => n.ready));
  // JetStream answers once the nodes have elected a metadata leader.
  const deadline = Date.now() + 30_000;
  while (!nodes.some((n) => /new metadata leader|JetStream cluster new metadata leader/.test(n.log()))) {
    if (Date.now() > deadline) throw new Error(`no JetStream leader:\n${nodes[0].log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    ws: [0, 1, 2].map((i) => `ws://127.0.0.1:${ports[3 + i]}`),
    logs: () => nodes.map((n) => n.log()),
    async kill(i) {
      await stop(nodes[i].child);
    },
    async close() {
      await Promise.all(nodes.map((n) => stop(n.child)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
