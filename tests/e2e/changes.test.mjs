// End-to-end: a guide that changed since a run in progress shows its
// step-level differences, and adopting it reopens only the changed steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRunPage, startRun, status, step } from './harness.mjs';

const V1 = `# Release 9

## Prepare

- [ ] Announce the release in #deployments
- [ ] Take a database backup
- [ ] Freeze merges to main

## Deploy

- [ ] Roll out to the canary
- [ ] Roll out everywhere
`;

const V2 = V1.replace('Take a database backup', 'Take a database backup and verify it')
  .replace('- [ ] Freeze merges to main\n', '')
  .replace('- [ ] Roll out everywhere\n', '- [ ] Roll out everywhere\n- [ ] Watch error rates for 10 minutes\n');

async function paste(page, text) {
  await page.getByRole('button', { name: 'Paste…' }).click();
  await page.getByLabel('Paste a Markdown guide').fill(text);
  await page.getByRole('button', { name: 'Open pasted guide' }).click();
}

test('adopting a changed guide reopens only the changed steps', async () => {
  const { page, context, errors } = await openRunPage();
  await paste(page, V1);
  await page.getByRole('heading', { name: 'Release 9' }).first().waitFor();
  await startRun(page);
  for (const s of ['Announce the release', 'Take a database backup', 'Freeze merges', 'Roll out to the canary']) {
    await step(page, s).getByRole('checkbox').click();
  }
  await page.getByRole('button', { name: 'All runs' }).click();
  await paste(page, V2);
  const panel = page.getByRole('region', { name: 'Changes since the last run' });
  await panel.waitFor();
  assert.match(await panel.locator('p').first().textContent(), /This guide changed since the run started .* by Ana: 1 changed, 1 added, 1 removed, 3 unchanged\./);
  assert.match(await panel.locator('.diff-changed').textContent(), /“Take a database backup” → “Take a database backup and verify it” — Prepare/);
  assert.match(await panel.locator('.diff-added').textContent(), /Watch error rates for 10 minutes — Deploy/);
  assert.match(await panel.locator('.diff-removed').textContent(), /Freeze merges to main — Prepare/);
  await panel.getByRole('button', { name: 'Adopt this version in the run in progress' }).click();
  await page.waitForSelector('.run-header');
  assert.equal(await status(page, 'Announce the release'), 'done');
  assert.equal(await status(page, 'Roll out to the canary'), 'done');
  assert.equal(await status(page, 'Take a database backup and verify it'), 'pending');
  assert.equal(await status(page, 'Watch error rates'), 'pending');
  assert.equal(await page.locator('.step', { hasText: 'Freeze merges' }).count(), 0);
  assert.equal(await page.locator('.run-progress').textContent(), '2 done · 0 skipped · 3 open');
  await page.locator('details.timeline summary').first().click();
  assert.match(
    await page.locator('details.timeline').first().textContent(),
    /adopted a new version of the guide: 1 changed step\(s\) reopened; removed: Freeze merges to main/,
  );
  // After a reload the run still follows the new version.
  await page.reload();
  await page.waitForSelector('.run-header');
  assert.equal(await status(page, 'Take a database backup and verify it'), 'pending');
  assert.equal(await page.locator('.run-progress').textContent(), '2 done · 0 skipped · 3 open');
  assert.deepEqual(errors, []);
  await context.close();
});
