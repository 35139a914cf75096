// End-to-end: defects found by using every feature as a new user would,
// each reproduced on a small guide (tests/fixtures/e2e/defects.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ARTIFACTS, downloadText, openRunPage, startRun, step } from './harness.mjs';

const download = (page, name) => downloadText(page, name, 'defects');

const GUIDE = '/?guide=fixtures/e2e/defects.md';
const squash = (s) => s.replace(/\s+/g, ' ').trim();
const gate = (page, text) => page.locator('.gate-check', { hasText: text }).first();

async function measure(page, text, value) {
  const check = gate(page, text);
  await check.locator('input[inputmode="decimal"]').fill(value);
  await check.locator('.gate-measure button[type="submit"]').click();
}

async function printed(page, name) {
  await page.emulateMedia({ media: 'print' });
  const pdf = join(ARTIFACTS, `${name}.pdf`);
  await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  await page.emulateMedia({ media: 'screen' });
  return squash(execFileSync('pdftotext', ['-layout', pdf, '-']).toString());
}

async function finish(page, outcome, note) {
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('radio', { name: outcome }).check();
  if (note) await page.getByLabel('Closing note').fill(note);
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  await page.getByRole('region', { name: 'Run summary' }).waitFor();
}

test('skipped steps are counted apart from done ones, in the header, the summary and print', async () => {
  const { page, context, errors } = await openRunPage(GUIDE);
  await startRun(page);
  await step(page, 'Freeze merges to main').getByRole('checkbox').click();
  await step(page, 'Take a database snapshot').getByRole('button', { name: 'Skip' }).click();
  await page.getByPlaceholder('Why skip this step?').fill('snapshot taken by the nightly job');
  await page.getByRole('button', { name: 'Skip step' }).click();
  assert.equal(await page.locator('.run-progress').textContent(), '1 done · 1 skipped · 5 open');
  await finish(page, 'Abandoned');
  assert.match(
    squash(await page.getByRole('region', { name: 'Run summary' }).textContent()),
    /1 done · 1 skipped · 5 open\./,
  );
  const pdf = await printed(page, 'defects-progress');
  assert.match(pdf, /1 done · 1 skipped · 5 open/);
  assert.doesNotMatch(pdf, /\d+ of \d+ steps done/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the closing note is in the summary, the review, print and the audit pack', async () => {
  const { page, context, errors } = await openRunPage(GUIDE);
  await startRun(page);
  await finish(page, 'Abandoned', 'load balancer change window missed');
  const summary = squash(await page.getByRole('region', { name: 'Run summary' }).textContent());
  assert.match(summary, /Closing note \(Ana\): load balancer change window missed/);
  assert.match(await printed(page, 'defects-note'), /load balancer change window missed/);
  assert.match(await download(page, 'Audit pack (Markdown)'), /load balancer change window missed/);
  await page.getByRole('button', { name: 'All runs' }).click();
  await page.getByRole('button', { name: 'Review' }).click();
  assert.match(
    squash(await page.locator('.review-card').first().textContent()),
    /Closing note \(Ana\): load balancer change window missed/,
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('a converted value is shown as a person wrote it, and 0.3 s equals 300 ms', async () => {
  const { page, context, errors } = await openRunPage(GUIDE);
  await startRun(page);
  await measure(page, 'P95 latency', '0,35 s');
  assert.match(await gate(page, 'P95 latency').locator('.gate-verdict').textContent(), /✗ not met: observed 350 ms — 09:00 by Ana/);
  await measure(page, 'P95 latency', '0.29 s');
  assert.match(await gate(page, 'P95 latency').locator('.gate-verdict').textContent(), /✓ met: observed 290 ms/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a criteria-only section is timed from the phase it sits in', async () => {
  const { page, context, errors } = await openRunPage(GUIDE);
  await startRun(page);
  await page.clock.runFor(20 * 60_000);
  await step(page, 'Dashboards open').getByRole('checkbox').click();
  assert.match(await gate(page, 'no new alerts').textContent(), /due at 10:20/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an announcement in chat does not ask for a confirmation', async () => {
  const { page, context, errors } = await openRunPage(GUIDE);
  await startRun(page);
  const row = step(page, 'Announce the cutover in #finance-ops');
  assert.equal(await row.locator('.badge.guard').count(), 0);
  await row.getByRole('checkbox').click();
  assert.equal(await row.getAttribute('data-status'), 'done');
  assert.deepEqual(errors, []);
  await context.close();
});

test('observed values keep their unit in the review and the record, and an override keeps its failing value', async () => {
  const { page, context, errors } = await openRunPage(GUIDE);
  await startRun(page);
  await measure(page, 'P95 latency', '450');
  await measure(page, 'Error rate', '0.9');
  await gate(page, 'Error rate').getByRole('button', { name: 'Override…' }).click();
  await gate(page, 'Error rate').getByPlaceholder('Reason to let this criterion through').fill('retries from the load test');
  await gate(page, 'Error rate').getByRole('button', { name: 'Override', exact: true }).click();
  assert.match(await gate(page, 'Error rate').locator('.gate-verdict').textContent(), /retries from the load test \(observed 0.9%\)/);
  await finish(page, 'Abandoned');
  const summary = squash(await page.getByRole('region', { name: 'Run summary' }).textContent());
  assert.match(summary, /P95 latency < 300ms — fail \(observed 450 ms\)/);
  assert.match(summary, /retries from the load test \(observed 0.9%\)/);
  const pdf = await printed(page, 'defects-units');
  assert.match(pdf, /observed 450 ms/);
  assert.match(pdf, /observed 0.9%/);
  assert.match(await download(page, 'Audit pack (Markdown)'), /not met 450 ms/);
  await page.getByRole('button', { name: 'All runs' }).click();
  await page.getByRole('button', { name: 'Review' }).click();
  const card = squash(await page.locator('.review-card').first().textContent());
  assert.match(card, /observed 450 ms/);
  assert.match(card, /retries from the load test \(observed 0.9%\)/);
  assert.deepEqual(errors, []);
  await context.close();
});
