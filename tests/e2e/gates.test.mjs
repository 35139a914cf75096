// End-to-end: success-criteria gates and the rollback decision tree, on
// the built-in example and the real guides, with the release build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, appReady, openRunPage, startRun, status, step } from './harness.mjs';

const gate = (page, text) => page.locator('.gate-check', { hasText: text }).first();

async function measure(page, text, value) {
  const check = gate(page, text);
  await check.locator('input[inputmode="decimal"]').fill(value);
  await check.locator('.gate-measure button[type="submit"]').click();
}

test('a failing observed value locks the next phase; an override with a reason unlocks it', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  const verify = page.locator('#p-step-5-verify-monitor-for-30-minutes');
  const post = page.locator('#p-post-deployment');
  // Before anything is measured, the next phase is locked.
  assert.match(await post.locator('.locked-banner').textContent(), /Locked until the success criteria of “Step 5: Verify \(monitor for 30 minutes\)” are met or overridden/);
  assert.equal(await step(page, 'Freeze lifted in #deployments').getByRole('checkbox').isDisabled(), true);
  // "Error rate < 0.5% (was 0.3%)": 0.8 fails, with the threshold and baseline shown.
  assert.match(await gate(page, 'Error rate').textContent(), /< 0.5%.*was 0.3%/);
  await measure(page, 'Error rate', '0.8');
  assert.equal(await gate(page, 'Error rate').getAttribute('data-status'), 'failed');
  assert.match(await gate(page, 'Error rate').locator('.gate-verdict').textContent(), /✗ not met: observed 0.8% — 09:00 by Ana/);
  // A value that is not a number gets a clear message and changes nothing.
  await measure(page, 'P95 latency', 'fast');
  await page.waitForSelector('.notice >> text=Not recorded: “fast” is not a number.');
  assert.equal(await gate(page, 'P95 latency').getAttribute('data-status'), 'open');
  // Units convert: 0.2 s against "< 250ms" passes.
  await measure(page, 'P95 latency', '0.2 s');
  assert.match(await gate(page, 'P95 latency').locator('.gate-verdict').textContent(), /✓ met: observed 200 ms/);
  await measure(page, 'Checkout success rate', '99.4');
  await measure(page, 'Queue depth', '1,200');
  assert.equal(await gate(page, 'Queue depth').getAttribute('data-status'), 'failed');
  await measure(page, 'Queue depth', '800');
  assert.equal(await gate(page, 'Queue depth').getAttribute('data-status'), 'met');
  // Still locked by the failed error rate.
  assert.equal(await post.locator('.locked-banner').count(), 1);
  await gate(page, 'Error rate').getByRole('button', { name: 'Override…' }).click();
  await gate(page, 'Error rate').getByPlaceholder('Reason to let this criterion through').fill('spike from the load test, not users');
  await gate(page, 'Error rate').getByRole('button', { name: 'Override', exact: true }).click();
  assert.equal(await gate(page, 'Error rate').getAttribute('data-status'), 'overridden');
  assert.match(await gate(page, 'Error rate').locator('.gate-verdict').textContent(), /overridden 09:00 by Ana: spike from the load test, not users/);
  assert.equal(await post.locator('.locked-banner').count(), 0);
  await step(page, 'Freeze lifted in #deployments').getByRole('checkbox').click();
  assert.equal(await status(page, 'Freeze lifted in #deployments'), 'done');
  await gate(page, 'Error rate').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, 'gates.png') });
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.screenshot({ path: join(ROOT, 'docs', 'run-gates.png') });
  }
  // The override is in the summary.
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  assert.match(
    await page.getByRole('region', { name: 'Run summary' }).textContent(),
    /Criteria let through \(1\)Error rate < 0.5% \(was 0.3%\) — let through by Ana: spike from the load test, not users/,
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('Target / Warning / Critical levels grade one observed value', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/guides/phase3-canary-rollout.md');
  await startRun(page);
  const metrics = page.locator('#p-key-metrics');
  const error = metrics.locator('.gate-check', { hasText: 'Error Rate' });
  assert.match(await error.textContent(), /target < 1%, warning > 2%, critical > 5%/);
  await error.locator('input').fill('3');
  await error.locator('button[type="submit"]').click();
  assert.equal(await error.getAttribute('data-status'), 'warning');
  await error.locator('input').fill('7');
  await error.locator('button[type="submit"]').click();
  assert.equal(await error.getAttribute('data-status'), 'critical');
  // A critical value offers the decision tree, where it is a rollback question.
  await error.getByRole('button', { name: /Something wrong/ }).click();
  const panel = page.getByRole('dialog', { name: 'Rollback decision' });
  await panel.waitFor();
  const questions = [];
  for (;;) {
    const q = panel.locator('.decide-question');
    if ((await q.count()) === 0) break;
    const text = await q.textContent();
    questions.push(text);
    if (text.includes('Error Rate')) {
      await panel.getByRole('button', { name: 'Yes' }).click();
      break;
    }
    await panel.getByRole('button', { name: 'No' }).click();
  }
  assert.ok(questions.some((q) => q.startsWith('The check “Error Rate” failed')), questions.join('\n'));
  assert.equal(await panel.locator('.decide-outcome').textContent(), 'Roll back now');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the decision tree leads to rollback mode, and rollback steps end the run as rolled back', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  await page.getByRole('button', { name: 'Something wrong?' }).click();
  const panel = page.getByRole('dialog', { name: 'Rollback decision' });
  assert.match(await panel.locator('.decide-question').textContent(), /Is this happening: Error rate > 2% for 5 minutes\?/);
  assert.match(await panel.locator('.hint').last().textContent(), /From the guide \(rollback trigger, line \d+\)/);
  // No, no, then yes to "Any data inconsistency…".
  await panel.getByRole('button', { name: 'No' }).click();
  await panel.getByRole('button', { name: 'No' }).click();
  assert.match(await panel.locator('.decide-question').textContent(), /Any data inconsistency in orders or payments/);
  await panel.getByRole('button', { name: 'Back' }).click();
  assert.match(await panel.locator('.decide-question').textContent(), /P95 latency > 800ms/);
  await panel.getByRole('button', { name: 'No' }).click();
  await panel.getByRole('button', { name: 'Yes' }).click();
  assert.equal(await panel.locator('.decide-outcome').textContent(), 'Roll back now');
  assert.match(await panel.textContent(), /The guide's rollback takes about 5 min\./);
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.screenshot({ path: join(ROOT, 'docs', 'run-decision.png') });
  }
  await panel.getByRole('button', { name: 'Start rollback' }).click();
  // Rollback mode: its steps are the checklist, with their own timer.
  const bar = page.locator('.rollback-bar');
  assert.match(await bar.textContent(), /Rolling back · rollback steps: 0 done · 0 skipped · 3 open · 0:00 of 5 min/);
  assert.match(await page.locator('.step.current').textContent(), /rollout undo/);
  // Locks do not hold a rollback up; deployment steps are no longer checklist rows.
  assert.equal(await page.locator('#p-post-deployment .step').count(), 0);
  await page.clock.runFor(2 * 60_000);
  for (const text of ['rollout undo', 'Previous version serving traffic', 'Incident channel informed']) {
    await step(page, text).getByRole('checkbox').click();
  }
  const summary = page.getByRole('region', { name: 'Run summary' });
  await summary.waitFor();
  const text = await summary.textContent();
  assert.match(text, /Run rolled back/);
  assert.match(text, /Decisions \(1\)09:00 Ana: Roll back now — Is this happening: Error rate > 2% for 5 minutes\? no; Is this happening: P95 latency > 800ms\? no; Is this happening: Any data inconsistency in orders or payments\? yes/);
  await page.getByRole('button', { name: 'All runs' }).click();
  assert.match(await page.locator('.recent-runs').textContent(), /rolled back/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('pause ends with the matching troubleshooting solutions, and is recorded', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/guides/threading-update-production.md');
  await startRun(page);
  await page.getByRole('button', { name: 'Something wrong?' }).click();
  const panel = page.getByRole('dialog', { name: 'Rollback decision' });
  // This guide has no rollback triggers: its symptoms are the questions.
  assert.match(await panel.locator('.decide-question').textContent(), /^Are you seeing: /);
  await panel.getByRole('button', { name: 'Yes' }).click();
  assert.equal(await panel.locator('.decide-outcome').textContent(), 'Pause and investigate');
  assert.ok((await panel.locator('.decide-advice li').count()) >= 1);
  await panel.getByRole('button', { name: 'Record: paused to investigate' }).click();
  assert.equal(await panel.count(), 0);
  // Recorded in the run's log: it is still there after a reload.
  await page.reload();
  await appReady(page);
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('radio', { name: 'Abandoned' }).check();
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  assert.match(await page.getByRole('region', { name: 'Run summary' }).textContent(), /Decisions \(1\)09:00 Ana: Pause and investigate — Are you seeing: .* yes/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a guide with a decision block gets its own tree', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/runbooks/k8s-node-upgrade.md');
  await startRun(page);
  await page.getByRole('button', { name: 'Something wrong?' }).click();
  const panel = page.getByRole('dialog', { name: 'Rollback decision' });
  assert.match(await panel.textContent(), /The guide's own decision tree\./);
  assert.equal(await panel.locator('.decide-question').textContent(), 'Is the node NotReady for more than 10 minutes?');
  await panel.getByRole('button', { name: 'No' }).click();
  await panel.getByRole('button', { name: 'No' }).click();
  await panel.getByRole('button', { name: 'Yes' }).click();
  assert.equal(await panel.locator('.decide-outcome').textContent(), 'Pause and investigate');
  assert.equal(await panel.locator('.decide-advice').textContent(), 'check taints with kubectl describe node and the kubelet log');
  assert.deepEqual(errors, []);
  await context.close();
});
