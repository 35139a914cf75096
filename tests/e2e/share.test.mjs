// End-to-end: live shared runs through a real NATS JetStream relay started
// on 127.0.0.1 from deploy/nats/. Two browser contexts (separate storage,
// like two devices) share one run. Real clocks: the relay client's own
// timers (pings, reconnects) must run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appReady, assertNoViolations, env, startRun, status, step, runId, act } from './harness.mjs';
import { PASSWORDS, startCluster, startRelay } from './nats.mjs';

async function device(name) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: env.server.url,
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    // The relay client logs nothing on its own; a refused connection is
    // reported by the page, and Chromium logs failed WebSocket handshakes
    // to a node that was killed on purpose.
    if (msg.type() === 'error' && !/WebSocket connection to .* failed/.test(msg.text())) {
      errors.push(msg.text());
    }
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  return { name, context, page, errors };
}

/** Starts a run on `a` and shares it (the password remembered on the
 * device unless `remember` is false); returns the live link. */
async function shareRun(a, servers, { fourEyes = false, remember = true } = {}) {
  await a.page.goto(env.server.url + '/');
  await appReady(a.page);
  if (fourEyes) await a.page.getByLabel("Require a second person's").check();
  await startRun(a.page, { name: a.name });
  await act(a.page, 'Share live…');
  const form = a.page.getByRole('form', { name: 'Share this run live' });
  await form.getByLabel('Relay address(es)').fill(servers.join(', '));
  await form.getByLabel('Team').fill('ops');
  await form.getByLabel('User').fill('ops');
  await form.getByLabel('Password').fill(PASSWORDS.ops);
  await form.getByLabel('Remember on this device').setChecked(remember);
  await form.getByRole('button', { name: 'Share' }).click();
  await a.page.waitForSelector('.live.connected', { timeout: 30_000 });
  await act(a.page, 'Copy live link');
  const link = await a.page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /#join=[0-9a-f-]+&team=ops&relay=ws/);
  assert.ok(!link.includes(PASSWORDS.ops), 'the link carries no password');
  return link;
}

async function join(b, link, password = PASSWORDS.ops, { remember = true } = {}) {
  await b.page.goto(link);
  const panel = b.page.getByRole('region', { name: 'Join a shared run' });
  await panel.waitFor();
  await panel.getByLabel('Your name').fill(b.name);
  await panel.getByLabel('User').fill('ops');
  await panel.getByLabel('Password').fill(password);
  await panel.getByLabel('Remember on this device').setChecked(remember);
  await panel.getByRole('button', { name: 'Join run' }).click();
}

/** Keys of relay credentials saved in this browser. */
const relayKeys = (page) =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('preflight.relay.')));

/** Resolves when `text`'s step shows `want` on `page`; returns ms taken. */
async function until(page, text, want, timeout = 5_000) {
  const t0 = Date.now();
  await page.locator(`.step[data-status="${want}"]`, { hasText: text }).first().waitFor({ timeout });
  return Date.now() - t0;
}

const progress = (page) => page.locator('.run-progress').textContent();
/** Distinct events of the run saved in this browser (snapshot and event keys). */
const eventCount = (page) =>
  page.evaluate(() => {
    const ids = new Set();
    for (const k of Object.keys(localStorage)) {
      if (k.startsWith('preflight.ev.')) ids.add(JSON.parse(localStorage.getItem(k)).id);
      if (k.startsWith('preflight.run.')) JSON.parse(localStorage.getItem(k)).events.forEach((e) => ids.add(e.id));
    }
    return ids.size;
  });

/** Every event of the run as the relay stores it, read with the app's own client. */
async function relayEvents(page, servers, runId, expect, replicas = 1) {
  return page.evaluate(
    async ({ servers, runId, pass, expect, replicas }) => {
      const { open } = await import('/relay.js');
      const seen = [];
      // Right after a node is lost the relay may be slow to answer.
      const tryOpen = async (tries) => {
        try {
          return await open(...arguments_);
        } catch (why) {
          if (tries <= 1) throw why;
          await new Promise((r) => setTimeout(r, 1000));
          return tryOpen(tries - 1);
        }
      };
      const arguments_ = [
        {
          servers, user: 'ops', pass, name: 'check', stream: 'PREFLIGHT_OPS',
          subjects: ['preflight.ops.run.>'], replicas,
          filter: `preflight.ops.run.${runId}.events`, bucket: 'preflight_ops',
          ttlMs: 30000, presenceKeys: `${runId}.>`,
        },
        { event: (_s, d) => seen.push(JSON.parse(d).id), status() {}, presence() {} },
      ];
      // Right after a node is lost, a new reader may be placed where the
      // stream has no leader yet and be given nothing: read again from a
      // fresh connection (up to three times) before counting.
      for (let round = 0; round < 3; round += 1) {
        seen.length = 0;
        const s = await tryOpen(10);
        // Until the expected count is there (or 15 s), then a little
        // longer to catch any copy.
        for (let waited = 0; seen.length < expect && waited < 15_000; waited += 100) {
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 500));
        await s.close();
        if (seen.length > 0) break;
      }
      return seen;
    },
    { servers, runId, pass: PASSWORDS.ops, expect, replicas },
  );
}

/** Runs `body(relay, ...devices)` with a relay and a fresh device per
 * name, and closes them all afterwards, whatever happened. */
async function withDevices(start, names, body) {
  const relay = await start();
  const devices = [];
  try {
    for (const n of names) devices.push(await device(n));
    await body(relay, ...devices);
  } finally {
    for (const d of devices) await d.context.close();
    await relay.close();
  }
}


test('two devices check different items at the same time and each sees both within 1 s', () =>
  withDevices(startRelay, ['Ana', 'Ben'], async (relay, a, b) => {
    const link = await shareRun(a, [relay.ws]);
    await join(b, link);
    await b.page.waitForSelector('.run-header');
    await b.page.waitForSelector('.live.connected');
    assert.equal(await runId(b.page), await runId(a.page));
    // Presence: each sees the other by name.
    await a.page.locator('.peers', { hasText: 'Ben' }).waitFor({ timeout: 15_000 });
    await b.page.locator('.peers', { hasText: 'Ana' }).waitFor({ timeout: 15_000 });
    await Promise.all([
      step(a.page, 'Release notes reviewed').getByRole('checkbox').click(),
      step(b.page, 'On-call engineer').getByRole('checkbox').click(),
    ]);
    const [ta, tb] = await Promise.all([
      until(a.page, 'On-call engineer', 'done', 1000),
      until(b.page, 'Release notes reviewed', 'done', 1000),
    ]);
    assert.ok(ta < 1000 && tb < 1000, `seen after ${ta} ms and ${tb} ms`);
    console.log(`# each device saw the other's check after ${ta} ms and ${tb} ms`);
    assert.equal(await progress(a.page), await progress(b.page));
    assert.match(await step(b.page, 'Release notes reviewed').textContent(), /Ana/);
    // A reload keeps the shared run and reconnects by itself.
    await b.page.reload();
    await b.page.waitForSelector('.live.connected');
    assert.equal(await status(b.page, 'Release notes reviewed'), 'done');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  }));

test('a device offline keeps its changes, then both converge with nothing lost or doubled', () =>
  withDevices(startRelay, ['Ana', 'Ben'], async (relay, a, b) => {
    const link = await shareRun(a, [relay.ws]);
    await join(b, link);
    await b.page.waitForSelector('.live.connected');
    await b.context.setOffline(true);
    await b.page.locator('.live.offline').waitFor();
    await step(b.page, 'Release notes reviewed').getByRole('checkbox').click();
    await step(b.page, 'On-call engineer').getByRole('checkbox').click();
    assert.equal(await b.page.locator('.live').textContent(), 'Offline · 2 unsent changes');
    await step(a.page, 'Database backup completed').getByRole('checkbox').click();
    // Nothing of B's reached A while B was away.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await status(a.page, 'Release notes reviewed'), 'pending');
    await b.context.setOffline(false);
    await b.page.locator('.live.connected').waitFor({ timeout: 15_000 });
    await until(a.page, 'Release notes reviewed', 'done');
    await until(a.page, 'On-call engineer', 'done');
    await until(b.page, 'Database backup completed', 'done');
    await b.page.locator('.live', { hasText: /^Live$/ }).waitFor();
    assert.equal(await progress(a.page), await progress(b.page));
    // Each change exactly once, on both devices and on the relay.
    const id = await runId(a.page);
    const onRelay = await relayEvents(a.page, [relay.ws], id, 3);
    assert.equal(onRelay.length, 3, `relay holds ${onRelay}`);
    assert.equal(new Set(onRelay).size, 3);
    await a.page.reload();
    await b.page.reload();
    await a.page.waitForSelector('.run-header');
    await b.page.waitForSelector('.run-header');
    assert.equal(await eventCount(a.page), 3);
    assert.equal(await eventCount(b.page), 3);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  }));

test('a three-node cluster loses one node mid-run and no event is lost', () =>
  withDevices(startCluster, ['Ana', 'Ben'], async (cluster, a, b) => {
    const link = await shareRun(a, cluster.ws);
    await join(b, link);
    await b.page.waitForSelector('.live.connected', { timeout: 30_000 });
    await step(a.page, 'Release notes reviewed').getByRole('checkbox').click();
    await step(b.page, 'On-call engineer').getByRole('checkbox').click();
    await until(a.page, 'On-call engineer', 'done');
    await until(b.page, 'Release notes reviewed', 'done');
    await cluster.kill(0);
    const killedAt = Date.now();
    // Both keep working; whichever was on the lost node reconnects.
    await step(a.page, 'Database backup completed').getByRole('checkbox').click();
    await step(b.page, 'Dashboards open').getByRole('checkbox').click();
    // The cluster elects new stream leaders and the clients reconnect:
    // on this 2-core machine that takes 5–20 s, so the wait is generous;
    // what is asserted is that nothing is lost or doubled.
    try {
      await until(a.page, 'Dashboards open', 'done', 60_000);
      await until(b.page, 'Database backup completed', 'done', 60_000);
    } catch (err) {
      const live = async (d) => `${d.name}: ${await d.page.locator('.live').textContent()}`;
      throw new Error(`${err.message}\n${await live(a)}\n${await live(b)}\n${a.errors}\n${b.errors}`);
    }
    console.log(`# converged ${Date.now() - killedAt} ms after a node was killed`);
    for (const d of [a, b]) {
      await d.page.locator('.live', { hasText: /^Live$/ }).waitFor({ timeout: 60_000 });
    }
    const onRelay = await relayEvents(a.page, cluster.ws.slice(1), await runId(a.page), 4, 3);
    assert.equal(new Set(onRelay).size, 4, `relay holds ${onRelay}`);
    assert.equal(onRelay.length, 4);
    assert.equal(await progress(a.page), await progress(b.page));
  }));

test('wrong credentials are refused with a clear message and nothing is read', () =>
  withDevices(startRelay, ['Ana', 'Eve'], async (relay, a, c) => {
    const link = await shareRun(a, [relay.ws]);
    await step(a.page, 'Release notes reviewed').getByRole('checkbox').click();
    await join(c, link, 'not-the-password');
    const alert = c.page.getByRole('alert').filter({ hasText: 'refused these credentials' }).first();
    await alert.waitFor({ timeout: 15_000 });
    assert.equal(await c.page.locator('.run-header').count(), 0);
    const stored = await c.page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.startsWith('preflight.run.') || k.startsWith('preflight.ev.')),
    );
    assert.deepEqual(stored, []);
    // "Remember" was ticked, but a refused password is not saved.
    assert.deepEqual(await relayKeys(c.page), []);
    // Another team's user can neither read nor publish this team's runs.
    const other = await c.page.evaluate(
      async ({ ws, pass }) => {
        const { open } = await import('/relay.js');
        try {
          await open(
            {
              servers: [ws], user: 'qa', pass, name: 'qa', stream: 'PREFLIGHT_OPS',
              subjects: ['preflight.ops.run.>'], replicas: 1, filter: 'preflight.ops.run.>',
              bucket: 'preflight_ops', ttlMs: 30000, presenceKeys: '>',
            },
            { event() {}, status() {}, presence() {} },
          );
          return 'opened';
        } catch (why) {
          return String(why);
        }
      },
      { ws: relay.ws, pass: PASSWORDS.qa },
    );
    assert.equal(other, 'the relay does not allow this team for these credentials');
    assert.deepEqual(a.errors, []);
  }));

test('nothing of sharing is loaded until a run is shared', async () => {
  const relay = await startRelay();
  const a = await device('Ana');
  const requested = [];
  a.page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  try {
    await a.page.goto(env.server.url + '/');
    await appReady(a.page);
    await startRun(a.page, { name: 'Ana' });
    await act(a.page, 'Share live…');
    assert.ok(!requested.includes('/relay.js'), `loaded: ${requested}`);
    assert.equal(await a.page.locator('.live').count(), 0);
    const form = a.page.getByRole('form', { name: 'Share this run live' });
    // A bad address is refused before anything is loaded.
    await form.getByLabel('Relay address(es)').fill('http://127.0.0.1:1');
    await form.getByLabel('Team').fill('ops');
    await form.getByLabel('User').fill('ops');
    await form.getByLabel('Password').fill(PASSWORDS.ops);
    await form.getByRole('button', { name: 'Share' }).click();
    await form.getByRole('alert').filter({ hasText: 'is not a relay address' }).waitFor();
    assert.ok(!requested.includes('/relay.js'));
    // ws:// to another machine would send the password unencrypted.
    await form.getByLabel('Relay address(es)').fill(`${relay.ws}, ws://relay.example.com:4223`);
    await form.getByRole('button', { name: 'Share' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: '“ws://relay.example.com:4223”: use wss:// — ws:// sends the password unencrypted; it is allowed only for this machine' })
      .waitFor();
    assert.ok(!requested.includes('/relay.js'));
    assert.equal(await a.page.locator('.live').count(), 0);
    await form.getByLabel('Relay address(es)').fill(relay.ws);
    await form.getByRole('button', { name: 'Share' }).click();
    await a.page.waitForSelector('.live.connected');
    assert.ok(requested.includes('/relay.js'));
    // Stopping here keeps the run and its progress.
    await step(a.page, 'Release notes reviewed').getByRole('checkbox').click();
    await act(a.page, 'Stop sharing here');
    assert.equal(await a.page.locator('.live').count(), 0);
    await a.page.reload();
    await a.page.waitForSelector('.run-header');
    assert.equal(await status(a.page, 'Release notes reviewed'), 'done');
    assert.equal(await a.page.locator('.live').count(), 0);
    assert.deepEqual(a.errors, []);
  } finally {
    await a.context.close();
    await relay.close();
  }
});

test('a new guide version adopted on one device reaches the others', () =>
  withDevices(startRelay, ['Ana', 'Ben'], async (relay, a, b) => {
    const V1 = '# Release 9\n\n## Prepare\n\n- [ ] Announce the release\n- [ ] Take a database backup\n- [ ] Freeze merges to main\n';
    const V2 = V1.replace('Take a database backup', 'Take a database backup and verify it');
    const paste = async (page, text) => {
      await page.getByRole('button', { name: 'Paste…' }).click();
      await page.getByLabel('Paste a Markdown guide').fill(text);
      await page.getByRole('button', { name: 'Open pasted guide' }).click();
    };
    await a.page.goto(env.server.url + '/');
    await appReady(a.page);
    await paste(a.page, V1);
    await startRun(a.page, { name: 'Ana' });
    await act(a.page, 'Share live…');
    const form = a.page.getByRole('form', { name: 'Share this run live' });
    await form.getByLabel('Relay address(es)').fill(relay.ws);
    await form.getByLabel('Team').fill('ops');
    await form.getByLabel('User').fill('ops');
    await form.getByLabel('Password').fill(PASSWORDS.ops);
    await form.getByRole('button', { name: 'Share' }).click();
    await a.page.waitForSelector('.live.connected');
    await step(a.page, 'Announce the release').getByRole('checkbox').click();
    await step(a.page, 'Take a database backup').getByRole('checkbox').click();
    await act(a.page, 'Copy live link');
    const link = await a.page.evaluate(() => navigator.clipboard.readText());
    await join(b, link);
    await b.page.waitForSelector('.live.connected');
    await until(b.page, 'Take a database backup', 'done');
    // Ana adopts v2; Ben's run follows it: the changed step is open again.
    await a.page.getByRole('button', { name: 'All runs' }).click();
    await paste(a.page, V2);
    await a.page.getByRole('button', { name: 'Adopt this version in the run in progress' }).click();
    await a.page.waitForSelector('.live.connected');
    await until(b.page, 'Take a database backup and verify it', 'pending', 10_000);
    await until(b.page, 'Announce the release', 'done');
    assert.equal(await progress(b.page), await progress(a.page));
    // And it survives a reload there.
    await b.page.reload();
    await b.page.waitForSelector('.run-header');
    await until(b.page, 'Take a database backup and verify it', 'pending');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  }));

/** Publishes `events` on the run's subject as another client of the team
 * would (the relay accepts anything a team member sends). */
async function publishAsTeamMember(page, servers, runId, events) {
  await page.evaluate(
    async ({ servers, runId, pass, events }) => {
      const { open } = await import('/relay.js');
      const s = await open(
        {
          servers, user: 'ops', pass, name: 'another client', stream: 'PREFLIGHT_OPS',
          subjects: ['preflight.ops.run.>'], replicas: 1,
          filter: `preflight.ops.run.${runId}.events`, bucket: 'preflight_ops',
          ttlMs: 30000, presenceKeys: `${runId}.>`,
        },
        { event() {}, status() {}, presence() {} },
      );
      for (const e of events) await s.publish(`preflight.ops.run.${runId}.events`, e.id, JSON.stringify(e));
      await s.close();
    },
    { servers, runId, pass: PASSWORDS.ops, events },
  );
}

test('a relayed self-approval and unapproved completion are set aside on every device, named by their rule', () =>
  withDevices(startRelay, ['Ana', 'Ben'], async (relay, a, b) => {
    const link = await shareRun(a, [relay.ws], { fourEyes: true });
    const id = await runId(a.page);
    await step(a.page, 'Release notes reviewed').getByRole('checkbox').click();
    const at = Date.now() + 1000;
    const event = (n, body) => ({ id: `${at.toString(16)}-forged-0000000${n}`, at_ms: at + n, by: 'Ana', ...body });
    await publishAsTeamMember(a.page, [relay.ws], id, [
      event(1, { type: 'sign_off', role: 'lead', meaning: 'approved', tz_offset_min: 0 }),
      event(2, { type: 'finish', outcome: 'completed', note: '' }),
    ]);
    for (const d of [a]) {
      const approval = d.page.locator('.notice-warning', { hasText: 'no self-approval' });
      await approval.waitFor();
      assert.match(
        await approval.textContent(),
        /A change by Ana from another device \(sign off the run as approved\) was set aside: it breaks the rule “no self-approval” \(Ana performed this work\)/,
      );
      await d.page.locator('.notice-warning', { hasText: 'four-eyes' }).waitFor();
    }
    // A device that joins later replays the same events and sets them aside too.
    await join(b, link);
    await b.page.waitForSelector('.run-header');
    await b.page.locator('.notice-warning', { hasText: 'no self-approval' }).waitFor();
    await b.page.locator('.notice-warning', { hasText: 'four-eyes' }).waitFor();
    for (const d of [a, b]) {
      assert.equal(await status(d.page, 'Release notes reviewed'), 'done');
      assert.equal(await d.page.getByRole('region', { name: 'Run summary' }).count(), 0, `${d.name}: not finished`);
      assert.equal(await d.page.getByRole('button', { name: 'Finish run…' }).count(), 1);
      assert.deepEqual(d.errors, []);
    }
  }));

test('a password is saved only when asked, for exactly its relay list and team, and removed when sharing stops', () =>
  withDevices(startRelay, ['Ana', 'Ben'], async (relay, a, b) => {
    // Not remembered: nothing of the password in storage; the tab
    // reconnects by itself, a reload asks again.
    const link = await shareRun(a, [relay.ws], { remember: false });
    assert.deepEqual(await relayKeys(a.page), []);
    await step(a.page, 'Release notes reviewed').getByRole('checkbox').click();
    await a.context.setOffline(true);
    await a.page.locator('.live.offline').waitFor();
    await a.context.setOffline(false);
    await a.page.locator('.live', { hasText: /^Live$/ }).waitFor({ timeout: 15_000 });
    assert.deepEqual(await relayKeys(a.page), []);
    await a.page.reload();
    await a.page.waitForSelector('.run-header');
    await a.page.locator('.live.failed', { hasText: 'password is not saved on this device' }).waitFor();
    await act(a.page, 'Share live…');
    const form = a.page.getByRole('form', { name: 'Share this run live' });
    assert.equal(await form.getByLabel('Relay address(es)').inputValue(), relay.ws);
    assert.equal(await form.getByLabel('Team').inputValue(), 'ops');
    assert.equal(await form.getByLabel('Remember on this device').isChecked(), false);
    assert.equal(await form.getByLabel('Password').getAttribute('autocomplete'), 'current-password');
    assert.equal(await form.getByLabel('User').getAttribute('autocomplete'), 'username');
    await assertNoViolations(a.page, 'the share form asking for the password again');
    await form.getByLabel('Password').fill(PASSWORDS.ops);
    await form.getByRole('button', { name: 'Share' }).click();
    await a.page.locator('.live', { hasText: /^Live$/ }).waitFor({ timeout: 15_000 });
    assert.deepEqual(await relayKeys(a.page), []);

    // Ben joins and ticks "Remember": saved, and a link naming exactly
    // that relay and team (another run) gets it; one naming a foreign
    // server too gets nothing.
    await join(b, link);
    await b.page.waitForSelector('.live.connected');
    assert.equal((await relayKeys(b.page)).length, 1);
    const stored = await b.page.evaluate((k) => localStorage.getItem(k), (await relayKeys(b.page))[0]);
    assert.ok(stored.includes(relay.ws), 'saved with its relay list');
    const panelFor = async (relayList) => {
      await b.page.goto('about:blank');
      await b.page.goto(`${env.server.url}/#join=0a1b-other&team=ops&relay=${encodeURIComponent(relayList)}`);
      const panel = b.page.getByRole('region', { name: 'Join a shared run' });
      await panel.waitFor();
      return panel;
    };
    let panel = await panelFor(`${relay.ws},wss://relay.example.com`);
    assert.equal(await panel.getByLabel('Password').inputValue(), '');
    assert.equal(await panel.getByLabel('Remember on this device').isChecked(), false);
    panel = await panelFor(`wss://relay.example.com`);
    assert.equal(await panel.getByLabel('Password').inputValue(), '');
    // The same list written otherwise (scheme case, a slash, a repeat).
    panel = await panelFor(`${relay.ws.replace('ws://', 'WS://')}/,${relay.ws}`);
    assert.equal(await panel.getByLabel('Password').inputValue(), PASSWORDS.ops);
    assert.equal(await panel.getByLabel('Remember on this device').isChecked(), true);
    assert.equal(await panel.getByLabel('User').inputValue(), 'ops');
    await assertNoViolations(b.page, 'the join panel');

    // "Stop sharing here" removes it.
    await b.page.goto('about:blank');
    await b.page.goto(link);
    await b.page.waitForSelector('.live.connected');
    await act(b.page, 'Stop sharing here');
    assert.deepEqual(await relayKeys(b.page), []);

    // "Forget relay credentials" removes every one, old forms too, and
    // says how many; an old-form key is removed at start anyway.
    await b.page.evaluate(() => localStorage.setItem('preflight.relay.ops@ws://127.0.0.1:4223', '{"user":"ops","password":"old"}'));
    await b.page.reload();
    await b.page.waitForSelector('.run-header');
    assert.deepEqual(await relayKeys(b.page), []);
    await act(b.page, 'Share live…');
    const again = b.page.getByRole('form', { name: 'Share this run live' });
    await again.getByLabel('Relay address(es)').fill(relay.ws);
    await again.getByLabel('Team').fill('ops');
    await again.getByLabel('User').fill('ops');
    await again.getByLabel('Password').fill(PASSWORDS.ops);
    await again.getByLabel('Remember on this device').check();
    await again.getByRole('button', { name: 'Share' }).click();
    await b.page.waitForSelector('.live.connected');
    assert.equal((await relayKeys(b.page)).length, 1);
    await b.page.getByRole('button', { name: 'Settings' }).click();
    await b.page.getByText('Live sharing', { exact: true }).click();
    await b.page.getByRole('button', { name: 'Forget relay credentials' }).click();
    await b.page.getByRole('status').filter({ hasText: 'Removed 1 saved relay credential.' }).waitFor();
    assert.deepEqual(await relayKeys(b.page), []);
    await assertNoViolations(b.page, 'settings: live sharing');

    // Deleting a shared run removes the password saved for its relay list
    // and team.
    await b.page.goto('about:blank');
    await b.page.goto(link);
    await b.page.locator('.live.failed', { hasText: 'password is not saved on this device' }).waitFor();
    await act(b.page, 'Share live…');
    const third = b.page.getByRole('form', { name: 'Share this run live' });
    await third.getByLabel('Password').fill(PASSWORDS.ops);
    await third.getByLabel('Remember on this device').check();
    await third.getByRole('button', { name: 'Share' }).click();
    await b.page.locator('.live', { hasText: /^Live$/ }).waitFor({ timeout: 15_000 });
    assert.equal((await relayKeys(b.page)).length, 1);
    await b.page.getByRole('button', { name: 'Finish run…' }).click();
    await b.page.getByRole('radio', { name: 'Abandoned' }).check();
    await b.page.getByRole('button', { name: 'Finish run', exact: true }).click();
    await b.page.getByRole('region', { name: 'Run summary' }).waitFor();
    await b.page.getByRole('button', { name: 'Settings' }).click();
    await b.page.getByText('Storage and import', { exact: true }).click();
    await b.page.getByRole('button', { name: 'Delete', exact: true }).click();
    await b.page.getByRole('button', { name: 'Really delete?' }).click();
    await b.page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith('preflight.shared.')));
    assert.deepEqual(await relayKeys(b.page), []);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  }));
