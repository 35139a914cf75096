// End-to-end: run status delivered to a real HTTP server on 127.0.0.1,
// through failures, a reload mid-retry, and a slow endpoint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appReady, openRunPage, startRun, step } from './harness.mjs';
import { payload, startHookServer } from './hookserver.mjs';

let hook;
before(async () => {
  hook = await startHookServer();
});
after(async () => {
  await hook.close();
});

/** Saves the webhook on the settings page, which stays open. */
async function configure(page, { url = hook.url, format = 'Generic JSON' } = {}) {
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.locator('.webhook-panel summary').click();
  await page.getByLabel('Webhook URL').fill(url);
  await page.getByLabel('Format').selectOption({ label: format });
  await page.getByRole('button', { name: 'Save webhook' }).click();
}

/** Leaves the settings page for the guide's start page. */
async function back(page) {
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.waitForSelector('.start-run');
}

/** Lets the page's clock and the network run until `done()` or a limit. */
async function until(page, done, { step = 1000, rounds = 60 } = {}) {
  for (let i = 0; i < rounds; i++) {
    if (await done()) return;
    await page.clock.runFor(step);
    await page.waitForTimeout(50);
  }
  assert.fail('timed out waiting for deliveries');
}

function reset() {
  hook.state.requests.length = 0;
  hook.state.accepted.length = 0;
  hook.state.plan.length = 0;
  hook.state.delayMs = 0;
}

test('statuses arrive once each, in order, through 500, 429, a dropped connection and a reload', async () => {
  reset();
  const { page, context, errors } = await openRunPage();
  await configure(page);
  assert.match(await page.locator('.webhook-panel .hint').first().textContent(), /Sending to http:\/\/127\.0\.0\.1:\d+\/…hook as Generic JSON\./);
  hook.state.plan.push('500', '429:2', 'close');
  await back(page);
  await startRun(page);
  for (const text of ['Release notes reviewed', 'On-call engineer', 'Database backup', 'Dashboards open', 'Status page message']) {
    await step(page, text).getByRole('checkbox').click();
  }
  // The first attempt fails with 500; reload while it waits to retry.
  await until(page, async () => hook.state.requests.length >= 1);
  assert.equal(hook.state.accepted.length, 0);
  await page.reload();
  await appReady(page);
  await until(page, async () => hook.state.accepted.length >= 2);
  await page.clock.runFor(5000);
  await page.waitForTimeout(200);
  const accepted = hook.state.accepted.map(payload);
  assert.deepEqual(accepted.map((p) => p.event), ['run_started', 'phase_completed']);
  const keys = accepted.map((p) => p.idempotency_key);
  assert.equal(new Set(keys).size, keys.length, 'each key accepted once');
  // Retries carried the same key, in the body and the header.
  const firstKey = keys[0];
  const attempts = hook.state.requests.filter((r) => payload(r).idempotency_key === firstKey);
  assert.equal(attempts.length, 4, '500, 429, dropped, then delivered');
  assert.ok(attempts.every((r) => r.headers['idempotency-key'] === firstKey));
  assert.equal(accepted[1].status.phase, 'Pre-Deployment Checklist');
  assert.equal(accepted[1].status.done, 6);
  assert.match(accepted[0].status.link, /#run=[0-9a-f-]{36}$/);
  assert.match(accepted[0].text, /^🚀 Run started — Orders API v2\.4 Production Deployment/);
  assert.equal(await page.locator('.outbox-count').count(), 0);
  assert.deepEqual(errors.filter((e) => !e.includes('Failed to load resource') && !e.includes('net::')), []);
  await context.close();
});

test('Slack gets a form-encoded payload without a preflight', async () => {
  reset();
  const { page, context, errors } = await openRunPage();
  await configure(page, { format: 'Slack (incoming webhook)' });
  await page.getByRole('button', { name: 'Send test message' }).click();
  await until(page, async () => hook.state.accepted.length >= 1);
  const [record] = hook.state.accepted;
  assert.equal(record.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(hook.state.requests.length, 1, 'no preflight, one POST');
  const body = payload(record);
  assert.match(body.text, /^🔔 Test message — Preflight/);
  assert.ok(body.idempotency_key);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a refused message stops, is shown, and can be retried or discarded', async () => {
  reset();
  const { page, context } = await openRunPage();
  await configure(page);
  hook.state.plan.push('404');
  await page.getByRole('button', { name: 'Send test message' }).click();
  await until(page, async () => hook.state.requests.length >= 1);
  await page.waitForSelector('.notice-error >> text=The webhook refused');
  const item = page.locator('.outbox-item');
  assert.match(await item.textContent(), /failed: HTTP 404/);
  await item.getByRole('button', { name: 'Retry now' }).click();
  await until(page, async () => hook.state.accepted.length >= 1);
  await page.waitForTimeout(100);
  assert.equal(await page.locator('.outbox-item').count(), 0);
  // And a bad address is refused before anything is sent.
  await page.getByLabel('Webhook URL').fill('http://hooks.example.com/x');
  await page.getByRole('button', { name: 'Save webhook' }).click();
  await page.waitForSelector('.notice-error >> text=Webhook not saved: webhook addresses must use https');
  await context.close();
});

test('a slow endpoint never freezes the page', async () => {
  reset();
  hook.state.delayMs = 4000;
  const { page, context, errors } = await openRunPage();
  await configure(page);
  await back(page);
  await startRun(page);
  await page.clock.runFor(1000);
  // The run-started message is in flight for 4 s; the page keeps working.
  const started = Date.now();
  for (const text of ['Release notes reviewed', 'On-call engineer', 'Database backup']) {
    await step(page, text).getByRole('checkbox').click();
    assert.equal(await step(page, text).getAttribute('data-status'), 'done');
  }
  assert.ok(Date.now() - started < 3000, 'checks answered while the webhook waited');
  assert.equal(hook.state.accepted.length, 0);
  await until(page, async () => hook.state.accepted.length >= 1, { rounds: 150 });
  assert.deepEqual(errors, []);
  await context.close();
});
