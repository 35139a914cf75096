// End-to-end: the audit pack of a finished run. The HTML file, opened from
// disk with no server and scripts off, shows every step and the log's
// hash; the Markdown file has the run written into the guide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ARTIFACTS, env, openRunPage, startRun, step, act } from './harness.mjs';

test('the audit pack of a finished run opens from disk and shows every step and the hash', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  await step(page, 'On-call engineer').getByRole('checkbox').click();
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('radio', { name: 'Abandoned' }).check();
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  await page.getByRole('region', { name: 'Run summary' }).waitFor();
  const head = await page.evaluate(() => document.querySelector('.log-head')?.textContent ?? '');

  const save = async (name) => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      act(page, name),
    ]);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    return path;
  };
  const htmlPath = await save('Audit pack (HTML)');
  const mdPath = await save('Audit pack (Markdown)');
  assert.match(htmlPath, /\.audit\.html$/);
  assert.match(mdPath, /\.audit\.md$/);

  const md = readFileSync(mdPath, 'utf8');
  assert.match(md, /^- \[x\] Release notes reviewed by product owner$/m);
  assert.match(md, /^- \[x\] On-call engineer briefed and reachable$/m);
  assert.match(md, /^- \[ \] Database backup completed within the last hour$/m);
  assert.match(md, /^  > 🗒 done 2026-11-25 09:00 \+00:00 by Ana$/m);
  assert.match(md, /\*\*Outcome:\*\* abandoned 2026-11-25 09:00 \+00:00 by Ana/);

  // From disk, in a context with JavaScript off: nothing needs to run.
  const offline = await env.browser.newContext({ javaScriptEnabled: false });
  const view = await offline.newPage();
  await view.goto(pathToFileURL(htmlPath).href);
  const text = await view.locator('body').textContent();
  // Every step of the run view is a row of the pack (rollback steps too).
  const labels = await page
    .locator('.step[data-step] .step-check')
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  assert.ok(labels.length >= 24, `${labels.length} steps`);
  assert.ok((await view.locator('tr.step').count()) >= labels.length);
  const cells = await view.locator('tr.step td:first-child').allTextContents();
  for (const label of labels) {
    assert.ok(cells.some((c) => c.startsWith(label)), `missing ${label}`);
  }
  assert.equal(await view.locator('tr.step', { hasText: 'Release notes reviewed' }).locator('td.done').textContent(), 'done');
  const logHead = (await view.locator('dd.hash').textContent()).trim();
  assert.match(logHead, /^[0-9a-f]{64}$/);
  if (head) assert.ok(head.includes(logHead), `${head} vs ${logHead}`);
  assert.match(text, /verified, \d+ entries/);
  await view.pdf({ path: join(ARTIFACTS, 'audit-pack.pdf') });
  await offline.close();
  assert.deepEqual(errors, []);
  await context.close();
});
