// End-to-end: the person corrects the checklist. "Not a step" and "Make
// this a step" in the preview are kept for the guide and applied to the
// next run as its first events; one more correction during the run is
// logged with who made it, survives a reload, and shows in print and in
// both audit pack files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ARTIFACTS, appReady, downloadText, openRunPage, startRun, step } from './harness.mjs';

const squash = (s) => s.replace(/\s+/g, ' ').trim();

/** The checklist's rows (steps with a checkbox), by their text. */
const rows = (page) =>
  page
    .locator('.step[data-step] .step-check')
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));

test('corrections in the preview and in a run shape the checklist, its log, print and audit pack', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/e2e/corrections.md');

  // The preview: five steps; a numbered item is not a step, a bullet is.
  await step(page, 'Freeze merges to main').getByRole('button', { name: 'Not a step' }).click();
  await page.locator('li', { hasText: 'Pager is on' }).getByRole('button', { name: 'Make this a step' }).click();
  await page.locator('.step[data-step]', { hasText: 'Pager is on' }).waitFor();
  assert.equal(await page.locator('.step[data-step]', { hasText: 'Freeze merges to main' }).count(), 0);
  // The freed item can be made a step again; plain text has no row.
  await page
    .locator('li', { hasText: 'Freeze merges to main' })
    .getByRole('button', { name: 'Make this a step' })
    .waitFor({ state: 'attached' });
  assert.match(
    squash(await page.locator('.corrections-note').textContent()),
    /2 corrections from the preview will be applied/,
  );

  // Kept for the guide: a reload of the preview shows them still.
  await page.reload();
  await appReady(page);
  await page.locator('.step[data-step]', { hasText: 'Pager is on' }).waitFor();
  assert.match(squash(await page.locator('.corrections-note').textContent()), /2 corrections/);

  await startRun(page, { name: 'Ana' });
  assert.deepEqual(await rows(page), [
    'Announce the deploy in the team channel',
    'Pager is on',
    'kubectl apply -f widget.yaml',
    'Merges unfrozen',
    'Deploy announced as done',
  ]);
  assert.equal(await page.locator('.run-progress').textContent(), '0 done · 0 skipped · 5 open');
  // The made step is checkable like any other.
  await step(page, 'Pager is on').getByRole('checkbox').click();
  assert.equal(await step(page, 'Pager is on').getAttribute('data-status'), 'done');

  // One more correction during the run: a paragraph becomes a step.
  await page
    .locator('p', { hasText: 'Tell the support desk the deploy has begun.' })
    .getByRole('button', { name: 'Make this a step' })
    .click();
  await step(page, 'Tell the support desk').waitFor();
  assert.equal((await rows(page)).length, 6);
  assert.equal(await page.locator('.run-progress').textContent(), '1 done · 0 skipped · 5 open');
  await step(page, 'Tell the support desk').getByRole('checkbox').click();
  assert.equal(await step(page, 'Tell the support desk').getAttribute('data-status'), 'done');

  // Kept: a reload reopens the run with the corrected checklist.
  await page.reload();
  await page.waitForSelector('.run-header');
  assert.deepEqual(await rows(page), [
    'Announce the deploy in the team channel',
    'Pager is on',
    'kubectl apply -f widget.yaml',
    'Tell the support desk the deploy has begun.',
    'Merges unfrozen',
    'Deploy announced as done',
  ]);
  assert.equal(await step(page, 'Pager is on').getAttribute('data-status'), 'done');
  assert.equal(await page.locator('.run-progress').textContent(), '2 done · 0 skipped · 4 open');

  // The log says who corrected what.
  await page.locator('.timeline summary').click();
  const timeline = squash(await page.locator('.timeline').textContent());
  assert.match(timeline, /Ana marked “Freeze merges to main” as not a step/);
  assert.match(timeline, /Ana made a step of line 13: “Pager is on”/);
  assert.match(timeline, /Ana made a step of line 21: “Tell the support desk the deploy has begun\.”/);

  // Print: the corrected rows with who did them; no correction buttons.
  await page.emulateMedia({ media: 'print' });
  const pdfPath = join(ARTIFACTS, 'overrides-print.pdf');
  await page.pdf({ path: pdfPath, format: 'A4', printBackground: false });
  await page.emulateMedia({ media: 'screen' });
  const pdf = squash(execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString());
  assert.match(pdf, /Pager is on done 09:00 by Ana/);
  assert.match(pdf, /Tell the support desk the deploy has begun\. done 09:00 by Ana/);
  assert.match(pdf, /2 done · 0 skipped · 4 open/);
  assert.ok(!pdf.includes('Make this a step') && !pdf.includes('Not a step'), 'no controls in print');

  // The audit pack: both files show the corrected steps.
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('radio', { name: 'Abandoned' }).check();
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  await page.getByRole('region', { name: 'Run summary' }).waitFor();
  assert.equal(await page.locator('.correct:visible').count(), 0, 'no corrections after the end');
  const save = (name) => downloadText(page, name, 'overrides');
  const md = await save('Audit pack (Markdown)');
  assert.match(md, /^- Pager is on$/m);
  assert.match(md, /^  > 🗒 done 2026-11-25 09:00 \+00:00 by Ana$/m);
  assert.match(md, /^\| Pager is on \| done \| done 2026-11-25 09:00 \+00:00 by Ana \|$/m);
  assert.match(md, /^\| Tell the support desk the deploy has begun\. \| done \|/m);
  assert.ok(!/^\| Freeze merges to main \|/m.test(md), 'dropped step not in the record');
  assert.match(md, /^\| made a step \| \d+ \| Pager is on \| a[0-9a-f]{10}-0 \| Ana 2026-11-25 09:00 \+00:00 \|$/m);
  assert.match(md, /^\| not a step \| \| Freeze merges to main \| a[0-9a-f]{10}-0 \| Ana 2026-11-25 09:00 \+00:00 \|$/m);
  const html = await save('Audit pack (HTML)');
  assert.match(html, /<h2>Corrections of the checklist<\/h2>/);
  assert.match(html, /<td>Ana<\/td><td>Make this a step \(line 21\): Tell the support desk the deploy has begun\.<\/td>/);
  assert.match(html, /<td>Pager is on<\/td><td class="done">done<\/td>/);
  assert.ok(!html.includes('<td>Freeze merges to main</td>'));

  assert.deepEqual(errors, []);
  await context.close();
});
