// Starts real NATS relays for the tests: one server, or a three-node
// cluster, each from the committed configuration in deploy/nats/, on
// free loopback ports, with JetStream in a temporary directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Not imported from harness.mjs: the benchmarks use this file outside tests.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const PASSWORDS = { ops: 'ops-test-password', qa: 'qa-test-password' };

// Ports are taken below the kernel's ephemeral range: a port asked of the
// kernel with listen(0) and closed again can be handed to an outgoing
// connection (a cluster route dialling its peers) before the server binds it.
const EPHEMERAL_START = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
})();
const taken = new Set();

function bindable(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function freePort() {
  const low = 10_000;
  const high = Math.max(low + 1000, EPHEMERAL_START);
  for (let i = 0; i < 200; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (taken.has(port)) continue;
    if (await bindable(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port below the ephemeral range');
}

const inUse = (err) => /address already in use/.test(String(err?.message ?? err));

/** Runs `start` again (up to three times) when a port was taken meanwhile. */
async function retryOnPort(start) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !inUse(err)) throw err;
    }
  }
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
  // Awaited by the caller; a node stopped after another failed rejects
  // too, and that is not an unhandled rejection.
  ready.catch(() => {});
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
export function startRelay() {
  return retryOnPort(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preflight-nats-'));
    const [port, wsPort] = [await freePort(), await freePort()];
    const node = launch(join(ROOT, 'deploy/nats/relay.conf'), baseEnv('relay', dir, port, wsPort));
    try {
      await node.ready;
    } catch (err) {
      await stop(node.child);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      ws: `ws://127.0.0.1:${wsPort}`,
      log: node.log,
      async close() {
        await stop(node.child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

/**
 * Three nodes (deploy/nats/cluster.conf) routed to each other. Returns
 * { ws: [url, url, url], kill(i), close }.
 */
export function startCluster() {
  return retryOnPort(startClusterOnce);
}

async function startClusterOnce() {
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
  const close = async () => {
    await Promise.all(nodes.map((n) => stop(n.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((n) => n.ready));
    // JetStream answers once the nodes have elected a metadata leader.
    const deadline = Date.now() + 30_000;
    while (!nodes.some((n) => /new metadata leader|JetStream cluster new metadata leader/.test(n.log()))) {
      if (Date.now() > deadline) throw new Error(`no JetStream leader:\n${nodes[0].log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    // A node that failed leaves the others running: stop them all, or
    // the test process would never exit.
    await close();
    throw err;
  }
  return {
    ws: [0, 1, 2].map((i) => `ws://127.0.0.1:${ports[3 + i]}`),
    logs: () => nodes.map((n) => n.log()),
    async kill(i) {
      await stop(nodes[i].child);
    },
    close,
  };
}
