// End-to-end: a relay that reaches one of its limits. The team's stream is
// made first with tiny limits (as an operator could make it; the app uses
// a stream that exists as it is), then the app shares a run on it: the
// relay refuses a change, the app says so plainly, keeps the change in
// its log (after a reload too) and tries again later, not in a loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appReady, assertNoViolations, env, startRun, status, step, act } from './harness.mjs';
import { PASSWORDS, startRelay } from './nats.mjs';

/** Makes the team's stream with `limits` (relay.js LIMITS' names). */
async function makeStream(page, ws, limits) {
  await page.evaluate(
    async ({ ws, pass, limits }) => {
      const { open } = await import('/relay.js');
      const s = await open(
        {
          servers: [ws], user: 'ops', pass, name: 'operator', stream: 'PREFLIGHT_OPS',
          subjects: ['preflight.ops.run.>'], replicas: 1, filter: 'preflight.ops.run.none.>',
          bucket: 'preflight_ops', ttlMs: 30000, presenceKeys: 'none.>', limits,
        },
        { event() {}, status() {}, presence() {} },
      );
      await s.close();
    },
    { ws, pass: PASSWORDS.ops, limits },
  );
}

async function withRelay(limits, body) {
  const relay = await startRelay();
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    // Chromium logs a WebSocket closed by the relay's end (as share.test.mjs).
    if (msg.type() === 'error' && !/WebSocket connection to .* failed/.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  try {
    await page.goto(env.server.url + '/');
    await appReady(page);
    await makeStream(page, relay.ws, limits);
    await startRun(page, { name: 'Ana' });
    await act(page, 'Share live…');
    const form = page.getByRole('form', { name: 'Share this run live' });
    await form.getByLabel('Relay address(es)').fill(relay.ws);
    await form.getByLabel('Team').fill('ops');
    await form.getByLabel('User').fill('ops');
    await form.getByLabel('Password').fill(PASSWORDS.ops);
    await form.getByLabel('Remember on this device').check();
    await form.getByRole('button', { name: 'Share' }).click();
    await page.locator('.live', { hasText: /^Live$/ }).waitFor({ timeout: 15_000 });
    await body(page);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await relay.close();
  }
}

const refusal = (page) => page.locator('.relay-refused');

test('a full team stream refuses a check-off: said plainly, kept here after a reload, tried again later', () =>
  // The run's first message and two events fit; the third event does not.
  withRelay({ maxMsgs: 3 }, async (page) => {
    await step(page, 'Release notes reviewed').getByRole('checkbox').click();
    await step(page, 'On-call engineer').getByRole('checkbox').click();
    await page.locator('.live', { hasText: /^Live$/ }).waitFor();
    await step(page, 'Database backup completed').getByRole('checkbox').click();
    await refusal(page).waitFor({ timeout: 10_000 });
    assert.equal(
      await refusal(page).textContent(),
      "The relay refused this run's changes: the team's stream on the relay holds as many messages as it may (maximum messages exceeded). They are kept on this device; ask the relay's operator to raise the limit or remove old runs.",
    );
    assert.match(await page.locator('.live').textContent(), /1 unsent change$/);
    assert.equal(await status(page, 'Database backup completed'), 'done');
    await assertNoViolations(page, 'a run the relay refuses');
    // Said once as a notice, not again at each retry.
    await page.waitForTimeout(6_000);
    assert.equal(await page.locator('.notice-error', { hasText: 'maximum messages exceeded' }).count(), 1);
    // Nothing lost here: after a reload the check-off is in the log and
    // still unsent; the relay refuses it again and the app says so again.
    await page.reload();
    await page.waitForSelector('.run-header');
    assert.equal(await status(page, 'Database backup completed'), 'done');
    await refusal(page).waitFor({ timeout: 15_000 });
    assert.match(await page.locator('.live').textContent(), /1 unsent change$/);
  }));

test('a change larger than the relay takes is kept here and the others still go', () =>
  withRelay({ maxMsgSize: 16 * 1024 }, async (page) => {
    const row = step(page, 'Release notes reviewed');
    await row.getByRole('button', { name: 'Note' }).click();
    await page.getByLabel('Note', { exact: true }).fill('x'.repeat(20_000));
    await page.getByRole('button', { name: 'Add note' }).click();
    await refusal(page).waitFor({ timeout: 10_000 });
    assert.match(
      await refusal(page).textContent(),
      /^The relay refused this run's changes: a change is larger than the relay accepts in one message \(message size exceeds maximum allowed\)\. They are kept on this device/,
    );
    await step(page, 'On-call engineer').getByRole('checkbox').click();
    await page.locator('.live', { hasText: /· 2 unsent changes$/ }).waitFor();
    // The check-off goes at the next try (within the 5 s backoff); the
    // note stays unsent.
    await page.locator('.live', { hasText: /· 1 unsent change$/ }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.live').getAttribute('data-unsent'), '1');
    await page.reload();
    await page.waitForSelector('.run-header');
    assert.equal(await status(page, 'On-call engineer'), 'done');
    assert.equal(await page.locator('.step-notes', { hasText: 'xxxx' }).count(), 1);
  }));
