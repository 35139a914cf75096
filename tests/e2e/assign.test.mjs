// End-to-end: roles from the guide, assigning a role's steps and one step,
// due times, "My steps", and assignments in print and in the review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ARTIFACTS, openRunPage, startRun, step, act } from './harness.mjs';

const badge = (page, text) => step(page, text).locator('.badge.assignee');

test('steps are assigned by role, phase or one by one, filtered to mine, and shown in print and review', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/e2e/roles.md');
  await startRun(page);
  // Roles the guide names, before anyone is assigned.
  assert.equal(await badge(page, 'Announce the release').textContent(), 'Release manager');
  assert.equal(await badge(page, 'Take a backup').textContent(), 'DBA');
  assert.equal(await badge(page, 'Roll out').count(), 0);

  // Every DBA step in one action, due four hours after the start.
  await act(page, 'Assign…');
  const form = page.getByRole('form', { name: 'Assign' });
  await form.getByLabel('What').selectOption({ label: 'Every step of role: DBA' });
  await form.getByLabel('Who').fill('Dana');
  await form.getByLabel('Due (optional)').fill('soon');
  await form.getByRole('button', { name: 'Assign' }).click();
  assert.match(await form.getByRole('alert').textContent(), /“soon” is not a due time/);
  await form.getByLabel('Due (optional)').fill('+4 h');
  await form.getByRole('button', { name: 'Assign' }).click();
  assert.equal(await form.count(), 0);
  assert.equal(await badge(page, 'Take a backup').textContent(), '→ Dana · due 13:00');
  assert.equal(await badge(page, 'Run the migration').textContent(), '→ Dana · due 13:00');

  // A whole phase, then one step of it to someone else.
  await act(page, 'Assign…');
  await form.getByLabel('What').selectOption({ label: 'Phase: Deploy' });
  await form.getByLabel('Who').fill('Ben');
  await form.getByLabel('Due (optional)').fill('12:30');
  await form.getByRole('button', { name: 'Assign' }).click();
  assert.equal(await badge(page, 'Smoke test').textContent(), '→ Ben · due 12:30');
  await step(page, 'Roll out').getByRole('button', { name: 'Assign' }).click();
  const one = step(page, 'Roll out').getByRole('form', { name: 'Assign' });
  await one.getByLabel('Who').fill('Ana');
  await one.getByRole('button', { name: 'Assign' }).click();
  assert.equal(await badge(page, 'Roll out').textContent(), '→ Ana');
  assert.equal(await badge(page, 'Smoke test').textContent(), '→ Ben · due 12:30');

  // My steps: only Ana's stay visible.
  await act(page, 'My steps');
  assert.equal(await step(page, 'Roll out').isVisible(), true);
  for (const other of ['Take a backup', 'Smoke test', 'Announce the release']) {
    assert.equal(await step(page, other).isVisible(), false, other);
  }
  await act(page, 'My steps');
  assert.equal(await step(page, 'Smoke test').isVisible(), true);

  // In print.
  const pdf = join(ARTIFACTS, 'assigned-run.pdf');
  await page.pdf({ path: pdf });
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  assert.match(text, /→ Dana · due 13:00/);
  assert.match(text, /→ Ana/);

  // In the timeline and the managers' review.
  await page.locator('details.timeline summary').first().click();
  assert.match(await page.locator('details.timeline').first().textContent(), /assigned every “dba” step to Dana, due 13:00/);
  await step(page, 'Roll out').getByRole('checkbox').click();
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('radio', { name: 'Abandoned' }).check();
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  await page.getByRole('button', { name: 'Review' }).click();
  const card = page.locator('.review-card', { hasText: 'Payments 4.1 Release' });
  assert.match(await card.textContent(), /Assigned: Ana 1 of 1 steps; Ben 0 of 1 steps; Dana 0 of 2 steps\./);
  assert.deepEqual(errors, []);
  await context.close();
});
