// End-to-end: steps that destroy data or affect production ask for an
// explicit confirmation that names what will happen, and the confirmation
// is recorded in the run's log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRunPage, startRun, status, step } from './harness.mjs';

test('a destructive step cannot be checked without confirming what it will do', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/e2e/destructive.md');
  await startRun(page);
  const del = step(page, 'Delete the old deployment');
  // Marked before anyone touches it; safe and unmarked steps are not.
  assert.equal(await del.locator('.badge.guard').textContent(), 'confirm first');
  assert.equal(await step(page, 'Check nothing still calls v1').locator('.badge.guard').count(), 0);
  assert.equal(await step(page, 'Remove the scratch directory').locator('.badge.guard').count(), 0);

  await del.getByRole('checkbox').click();
  const form = del.getByRole('form', { name: 'Confirm this step' });
  await form.waitFor();
  assert.match(
    await form.textContent(),
    /This deletes Kubernetes resources: `kubectl delete deployment orders-v1 -n orders`\./,
  );
  assert.equal(await status(page, 'Delete the old deployment'), 'pending');
  assert.equal(await del.getByRole('checkbox').isChecked(), false);
  // Cancelled: nothing recorded.
  await form.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await form.count(), 0);
  assert.equal(await status(page, 'Delete the old deployment'), 'pending');
  await del.getByRole('checkbox').click();
  await form.getByRole('button', { name: 'I understand — mark done' }).click();
  assert.equal(await status(page, 'Delete the old deployment'), 'done');
  // An unmarked step with rm -rf is checked at once.
  await step(page, 'Remove the scratch directory').getByRole('checkbox').click();
  assert.equal(await status(page, 'Remove the scratch directory'), 'done');
  // The confirmation is in the log, by whom and what.
  const log = await page.evaluate(() => {
    const id = location.hash.replace('#run=', '');
    const events = Object.keys(localStorage)
      .filter((k) => k.startsWith(`preflight.ev.${id}.`))
      .map((k) => JSON.parse(localStorage.getItem(k)));
    const snap = JSON.parse(localStorage.getItem(`preflight.run.${id}`) ?? '{"events":[]}');
    return [...snap.events, ...events];
  });
  const ack = log.filter((e) => e.type === 'acknowledge');
  assert.equal(ack.length, 1);
  assert.equal(ack[0].by, 'Ana');
  assert.deepEqual(ack[0].hazards, [
    'This deletes Kubernetes resources: `kubectl delete deployment orders-v1 -n orders`.',
  ]);
  // Unchecked and checked again: it asks again.
  await del.getByRole('checkbox').click();
  assert.equal(await status(page, 'Delete the old deployment'), 'pending');
  await del.getByRole('checkbox').click();
  await form.waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});
