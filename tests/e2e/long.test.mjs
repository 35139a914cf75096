// End-to-end: long runs. A guide of thousands of steps renders its first
// screenful at once and the rest in slices; print and the browser's find
// still reach every step, and starting a run from the preview keeps the
// guide's elements instead of building them again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { benchGuide } from '../../bench/guide.mjs';
import { ARTIFACTS, env, openPage } from './harness.mjs';

const squash = (s) => s.replace(/\s+/g, ' ').trim();

/** A page showing the generated guide of `tasks` tasks (or `body`), served at /generated/. */
async function openLong(tasks, body = benchGuide(tasks)) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(
    (url) => url.pathname.startsWith('/generated/'),
    (route) => route.fulfill({ contentType: 'text/markdown', body }),
  );
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${env.server.url}/?guide=/generated/guide-${tasks}.md`);
  await page.waitForSelector('.guide', { timeout: 60_000 });
  return { page, context, errors };
}

/** Starts a run from the start form (by the field's name: a label lookup walks every element). */
async function start(page) {
  await page.locator('input[name="operator"]').fill('Ana');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header', { timeout: 60_000 });
}

// The text of the benchmark guide's step `n` (1-based) of `tasks`.
function stepText(tasks, n) {
  const perPhase = tasks >= 2000 ? 100 : 50;
  const p = Math.floor((n - 1) / perPhase) + 1;
  const i = ((n - 1) % perPhase) + 1;
  return i % 5 === 0 ? `Restart svc-${p}-${i} with` : `Check that svc-${p}-${i} reports healthy`;
}

test('a 1,000-step run prints every step, even printed at once after it starts', async () => {
  const { page, context, errors } = await openLong(1000);
  await start(page);
  const before = await page.evaluate(() => document.querySelectorAll('.step').length);
  await page.emulateMedia({ media: 'print' });
  const pdf = join(ARTIFACTS, 'long-1000.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  await page.emulateMedia({ media: 'screen' });
  const text = squash(execFileSync('pdftotext', ['-layout', pdf, '-']).toString());
  for (const n of [1, 2, 500, 501, 999, 1000]) {
    assert.ok(text.includes(stepText(1000, n)), `step ${n} (“${stepText(1000, n)}”) is in the printout`);
  }
  const printedSteps = (text.match(/reports healthy|Restart svc-\d+-\d+ with/g) ?? []).length;
  assert.equal(printedSteps, 1000, `every step printed (${before} were in the page when printing began)`);
  assert.equal(await page.evaluate(() => document.querySelectorAll('.step').length), 1000);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the browser's find reaches the last step of a 5,000-step run soon after it starts", async () => {
  const { page, context, errors } = await openLong(5000);
  await start(page);
  const last = stepText(5000, 5000);
  const started = Date.now();
  await page.waitForFunction((text) => window.find(text), last, { timeout: 30_000, polling: 100 });
  const found = await page.evaluate(() => window.getSelection().anchorNode?.parentElement?.closest('.step')?.dataset.step);
  assert.ok(found, 'the text found is in a step row');
  assert.equal(await page.evaluate(() => document.querySelectorAll('.step').length), 5000);
  console.log(`find reached the last of 5,000 steps ${Date.now() - started} ms after the run view appeared`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a 5,000-step run loaded afresh renders the rest of its steps for print at once', async () => {
  const { page, context, errors } = await openLong(5000);
  await start(page);
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector('.run-header', { timeout: 60_000 });
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.evaluate(() => document.querySelectorAll('.step').length), 5000);
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('"Go to" the current step at the end of a 5,000-step run works before that part has rendered', async () => {
  // Every task but those of the last phase checked in the guide: the run
  // is at the last phase from its start.
  const body = benchGuide(5000)
    .split('\n')
    .map((line) => (line.startsWith('- [ ]') && !line.includes('svc-50-') ? line.replace('- [ ]', '- [x]') : line))
    .join('\n');
  const { page, context, errors } = await openLong(5000, body);
  await start(page);
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector('.run-header .now-text', { timeout: 60_000 });
  const rendered = await page.evaluate(() => document.querySelectorAll('.step').length);
  await page.locator('.run-header .now-text').click();
  await page.waitForFunction(() => document.activeElement?.matches('.step'), null, { timeout: 10_000 });
  const focused = await page.evaluate(() => document.activeElement.textContent);
  assert.match(focused, /Check that svc-50-1 reports healthy/);
  console.log(`"Go to" reached the current step with ${rendered} of 5,000 steps in the page at the click`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('starting a run from the preview keeps the step rows, and the run works', async () => {
  const { page, context, errors } = await openPage('/');
  await page.waitForSelector('.guide .step');
  const id = await page.evaluate(() => {
    // A step the guide leaves open, so that the run starts with it open.
    const row = [...document.querySelectorAll('.guide .step[data-step]')].find((r) => !r.querySelector('input:checked'));
    row.__kept = 'preview row';
    document.querySelector('.guide').__kept = 'preview document';
    return row.dataset.step;
  });
  await page.getByLabel('Your name').fill('Ana');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header');
  const kept = await page.evaluate((id) => {
    const row = document.querySelector(`.step[data-step="${id}"]`);
    return {
      row: row?.__kept,
      guide: document.querySelector('.guide').__kept,
      dom: row?.id,
      status: row?.dataset.status,
      box: !!row?.querySelector('input.step-check'),
    };
  }, id);
  assert.deepEqual(kept, {
    row: 'preview row',
    guide: 'preview document',
    dom: `step-${id}`,
    status: 'pending',
    box: true,
  });
  // The run works on the kept rows: check the step, reload, still checked.
  await page.locator(`#step-${id} input.step-check`).click();
  await page.waitForSelector(`#step-${id}[data-status="done"]`);
  assert.match(await page.locator(`#step-${id} .step-meta`).textContent(), /done .* by Ana/);
  await page.reload();
  await page.waitForSelector('.run-header');
  assert.equal(await page.locator(`#step-${id}`).getAttribute('data-status'), 'done');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a correction made in the preview is kept by the run it starts', async () => {
  const { page, context, errors } = await openPage('/');
  await page.waitForSelector('.guide .step');
  const steps = await page.locator('.guide .step').count();
  await page.locator('.guide .step .not-step').first().click();
  await page.waitForFunction((n) => document.querySelectorAll('.guide .step').length === n - 1, steps);
  await page.getByLabel('Your name').fill('Ana');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header');
  assert.equal(await page.locator('.guide .step').count(), steps - 1);
  assert.equal(await page.locator('.guide .step.blank').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
