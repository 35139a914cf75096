// End-to-end: loading light. Until the app's module is in, the page shows
// the start page's intro. The views the first screen does not need are wasm
// modules of their own (src/ui/lazy.rs, scripts/split.mjs): the first
// screen and a whole run work without them; they are fetched when the
// browser is idle; one that cannot be fetched leaves a message, not a dead
// page, and opens once it can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { act, appReady, env, openPage, openRunPage, startRun } from './harness.mjs';

const LAZY = /\/(split|chunk)_[^/]*\.wasm$/;

test('until the app has loaded, the page shows the start page’s intro, the same as the app’s', async () => {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.route(/_bg\.wasm$/, async (route) => { await held; await route.continue(); });
  await page.goto(env.server.url + '/');
  const shell = await page.evaluate(() => ({
    title: document.querySelector('.intro h2')?.textContent,
    text: document.querySelector('.intro p')?.textContent,
    status: document.querySelector('[role=status]')?.textContent,
  }));
  assert.equal(shell.status, 'Loading Preflight…');
  release();
  await appReady(page);
  await page.waitForSelector('.intro .open-controls');
  const app = await page.evaluate(() => ({
    title: document.querySelector('.intro h2')?.textContent,
    text: document.querySelector('.intro p')?.textContent,
  }));
  assert.deepEqual({ title: shell.title, text: shell.text }, app);
  assert.equal(await page.getByText('Loading Preflight…').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the first screen and a run work without the modules loaded when used; one that cannot be fetched says so, then opens', async () => {
  const blocked = [];
  let block = true;
  const { page, context, errors } = await openRunPage('/', {
    route: [LAZY, (route) => {
      if (!block) return route.continue();
      blocked.push(new URL(route.request().url()).pathname);
      return route.abort();
    }],
  });
  // The preview, a run, a check-off and a reload, with no module but the first.
  await startRun(page);
  const first = page.locator('.step').first();
  const id = await first.getAttribute('data-step');
  const row = page.locator(`.step[data-step="${id}"]`);
  await row.locator('input[type=checkbox]').first().check();
  assert.equal(await row.getAttribute('data-status'), 'done');
  await page.reload();
  await appReady(page);
  assert.equal(await row.getAttribute('data-status'), 'done');

  // "Something wrong?" cannot open its panel: a message, the run goes on.
  await page.getByRole('button', { name: 'Something wrong?' }).click();
  await page.clock.runFor(100);
  const alert = page.getByRole('alert').filter({ hasText: 'decision panel could not be loaded' });
  await alert.waitFor();
  assert.equal(await page.locator('#panic-notice').count(), 0);
  assert.ok(blocked.some((p) => /\/split_decide-[0-9a-f]+\.wasm$/.test(p)), blocked.join(', '));

  // Once the module can be fetched, the same button opens the panel.
  block = false;
  await page.getByRole('button', { name: 'Something wrong?' }).click();
  await page.getByRole('button', { name: 'Something wrong?' }).click();
  await page.locator('.decide').waitFor();
  assert.equal(await alert.count(), 0);

  // The review, fetched on first use.
  await page.getByRole('button', { name: 'Review', exact: true }).click();
  await page.getByRole('heading', { name: 'Review of runs' }).waitFor();
  // Only failed fetches of blocked modules were logged.
  const other = errors.filter((e) => !/Failed to fetch|ERR_FAILED|failed to load split module/i.test(e));
  assert.deepEqual(other, []);
  await context.close();
});

test('the modules of the views not on the first screen are fetched when the browser is idle', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  const fetched = () => page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname).filter((p) => /\/(split|chunk)_/.test(p)));
  // Every module, once the page is idle.
  await page.waitForFunction(() => ['split_decide', 'split_review', 'split_settings', 'split_changes']
    .every((m) => performance.getEntriesByType('resource').some((e) => e.name.includes(`/${m}-`))),
  null, { timeout: 15_000 });
  // Opened afterwards, the review needs nothing more from the network.
  const before = (await fetched()).length;
  await act(page, 'Review');
  await page.getByRole('heading', { name: 'Review of runs' }).waitFor();
  assert.equal((await fetched()).length, before);
  assert.deepEqual(errors, []);
  await context.close();
});
