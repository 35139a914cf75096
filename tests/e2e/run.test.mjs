// End-to-end: running a deploy with the release build in headless Chromium:
// starting a run, alternatives, keyboard, copying, waits and timers under a
// controlled clock, finishing, and screenshots of the run view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, appReady, openRunPage, startRun, status, step } from './harness.mjs';

test('starting a run records who and the window, and picks an alternative', async () => {
  const { page, context, errors } = await openRunPage();
  // The window defaults to the guide's estimate (45-60 minutes): 09:00-10:00.
  assert.equal(await page.getByLabel('Window starts').inputValue(), '2026-11-25T09:00');
  assert.equal(await page.getByLabel('Window ends').inputValue(), '2026-11-25T10:00');
  await startRun(page, { option: 'Option 2: Blue-green switch' });
  assert.match(await page.locator('.run-who').textContent(), /Started 2026-11-25 09:00 by Ana/);
  assert.match(await page.locator('.window').textContent(), /Window 09:00–10:00 · elapsed 0:00 · 1:00:00 left/);
  // The unchosen option is named, not shown; the chosen one's command is a step.
  assert.match(
    await page.locator('#p-option-1-rolling-update-default').textContent(),
    /Option 1: Rolling update \(default\) — not chosen for this run/,
  );
  assert.equal(await page.locator('text=set image deploy/orders-api').count(), 0);
  assert.equal(await page.locator('.step', { hasText: 'orders-api-green.yaml' }).count(), 1);
  // Rollback steps are not part of the checklist.
  assert.equal(await page.locator('#p-rollback-steps .step').count(), 0);
  // The name is remembered for the next run.
  await page.getByRole('button', { name: 'All runs' }).click();
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Ana');
  assert.match(await page.locator('.recent-runs').textContent(), /in progress · 1 done · 0 skipped · \d+ open · 2026-11-25 09:00 by Ana/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the keyboard moves, checks, notes and skips; ? lists the shortcuts', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  // The first pending step is current: the pre-checked task is already done.
  const current = page.locator('.step.current');
  assert.match(await current.textContent(), /Release notes reviewed by product owner/);
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  assert.match(await step(page, 'Release notes reviewed').locator('.step-meta').textContent(), /done 09:00 by Ana/);
  await page.keyboard.press('j');
  await page.keyboard.press(' ');
  assert.equal(await status(page, 'On-call engineer briefed'), 'done');
  await page.keyboard.press('k');
  await page.keyboard.press('x');
  assert.equal(await status(page, 'On-call engineer briefed'), 'done');
  assert.equal(await status(page, 'Release notes reviewed'), 'pending');
  // n: a note on the step under the cursor.
  await page.keyboard.press('n');
  await page.keyboard.type('PO on leave, deputy reviewed');
  await page.keyboard.press('Enter');
  assert.match(await step(page, 'Release notes reviewed').locator('.step-notes').textContent(), /09:00 Ana PO on leave, deputy reviewed/);
  // s: a skip needs a reason.
  await page.keyboard.press('s');
  await page.keyboard.type('not needed for a patch release');
  await page.keyboard.press('Enter');
  assert.equal(await status(page, 'Release notes reviewed'), 'skipped');
  assert.equal(await page.locator('.run-progress').textContent(), '2 done · 1 skipped · 21 open');
  await page.keyboard.press('?');
  assert.equal(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible(), true);
  await page.keyboard.press('Escape');
  assert.equal(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count(), 0);
  // A reload keeps it all.
  await page.reload();
  await appReady(page);
  assert.equal(await status(page, 'Release notes reviewed'), 'skipped');
  assert.equal(await status(page, 'On-call engineer briefed'), 'done');
  assert.deepEqual(errors, []);
  await context.close();
});

test('commands copy to the clipboard, per sub-step, by button and by key', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  const sub = step(page, 'Step 2: Snapshot the database');
  await sub.getByRole('button', { name: 'Copy' }).click();
  await page.waitForSelector('.copy.copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(
    copied,
    'pg_dump --format=custom --file=backups/orders_$(date +%Y%m%d_%H%M).dump orders\nls -lh backups/ | tail -1\n',
  );
  assert.match(await sub.locator('.copy').textContent(), /Copied/);
  // Styled tokens: variables and comments are spans, placeholders stand out.
  assert.ok(await sub.locator('.tok-var').count() >= 1);
  // c copies the command of the step under the cursor.
  await step(page, 'Step 1: Announce the freeze').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('c');
  await page.waitForSelector('text=Command copied.');
  assert.equal(
    await page.evaluate(() => navigator.clipboard.readText()),
    './scripts/announce.sh "orders-api v2.4 deploy starting"\n',
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('a wait blocks its step until it elapses, survives a reload, and can be overridden', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  const keep = 'Keep the old ReplicaSet for 15 minutes';
  // Checking before the wait started asks for a reason instead.
  await step(page, keep).getByRole('checkbox').click();
  assert.match(await step(page, keep).locator('.form-hint').textContent(), /start the wait first/);
  assert.equal(await status(page, keep), 'pending');
  await step(page, keep).getByRole('button', { name: 'Cancel' }).click();
  await step(page, keep).getByRole('button', { name: /Start 15 min wait/ }).click();
  await page.clock.runFor(60_000);
  assert.match(await step(page, keep).locator('.wait').textContent(), /14:00 left \(until 09:15\)/);
  // The countdown comes from the recorded start: a reload does not reset it.
  await page.reload();
  await appReady(page);
  await page.clock.runFor(9 * 60_000);
  assert.match(await step(page, keep).locator('.wait').textContent(), /5:00 left/);
  await step(page, keep).getByRole('checkbox').click();
  assert.match(await step(page, keep).locator('.form-hint').textContent(), /wait is still running \(5:00 left\)/);
  // Checked early only with a reason, and recorded as an override.
  await page.getByPlaceholder('Reason to check it now').fill('old ReplicaSet already scaled to zero');
  await page.getByRole('button', { name: 'Check anyway' }).click();
  assert.equal(await status(page, keep), 'done');
  assert.match(
    await step(page, keep).locator('.step-meta').textContent(),
    /done 09:10 by Ana — wait overridden: old ReplicaSet already scaled to zero/,
  );
  await step(page, keep).getByRole('checkbox').click();
  assert.equal(await status(page, keep), 'pending');
  // A laptop asleep past the end: the wait reads as over, and an alert says so.
  await page.clock.runFor(20 * 60_000);
  assert.match(await step(page, keep).locator('.wait').textContent(), /wait over at 09:15/);
  await page.waitForSelector('.notice >> text=Wait over: Keep the old ReplicaSet');
  await step(page, keep).getByRole('checkbox').click();
  assert.equal(await status(page, keep), 'done');
  assert.doesNotMatch(await step(page, keep).locator('.step-meta').textContent(), /overridden/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('overrunning a phase estimate and the deploy window is flagged', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  const phase = page.locator('#p-step-1-freeze-and-back-up-5-minutes');
  await step(page, 'Step 1: Announce the freeze').getByRole('checkbox').click();
  await page.clock.runFor(4 * 60_000);
  assert.match(await phase.locator('.phase-timer').textContent(), /^4:0\d of 5 min$/);
  assert.equal(await phase.locator('.phase-timer.overrun').count(), 0);
  await page.clock.runFor(2 * 60_000);
  assert.match(await phase.locator('.phase-timer.overrun').textContent(), /6:0\d — over the estimate of 5 min/);
  // 48 of 60 minutes: past 80% of the window.
  await page.clock.runFor(42 * 60_000);
  assert.equal(await page.locator('.window').getAttribute('data-level'), 'warning');
  assert.match(await page.locator('.window').textContent(), /past 80% of the window/);
  await page.clock.runFor(13 * 60_000);
  assert.equal(await page.locator('.window').getAttribute('data-level'), 'exceeded');
  assert.match(await page.locator('.window').textContent(), /window exceeded by 1:0\d/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('finishing a run shows its summary and lists it as ended', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page, { name: 'Ben' });
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  await step(page, 'On-call engineer').getByRole('button', { name: 'Skip' }).click();
  await page.getByPlaceholder('Why skip this step?').fill('on the bridge already');
  await page.getByRole('button', { name: 'Skip step' }).click();
  await page.clock.runFor(70 * 60_000);
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('radio', { name: 'Rolled back' }).check();
  await page.getByLabel('Closing note').fill('p95 over 800 ms after the switch');
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  const summary = page.getByRole('region', { name: 'Run summary' });
  await summary.waitFor();
  const text = await summary.textContent();
  assert.match(text, /Run rolled back/);
  assert.match(text, /Took 1:10:0\d against an estimate of 45 min–1 h; 2 done · 1 skipped · 21 open\./);
  assert.match(text, /Skipped \(1\)On-call engineer briefed and reachable — skipped by Ben: on the bridge already/);
  assert.match(text, /Not done \(21\)/);
  // An ended run cannot be changed.
  assert.equal(await step(page, 'Database backup completed').getByRole('checkbox').isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Finish run…' }).count(), 0);
  await page.getByRole('button', { name: 'All runs' }).click();
  assert.match(await page.locator('.recent-runs').textContent(), /rolled back · 2 done · 1 skipped · 21 open · 2026-11-25 09:00 by Ben · took 1:10:0\d/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a run of a guide from ?guide= reopens after a reload', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/guides/phase3-canary-rollout.md');
  await startRun(page);
  await step(page, 'All Phase 3 integration complete').getByRole('checkbox').click();
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.run-header');
  assert.equal(await status(page, 'All Phase 3 integration complete'), 'done');
  // Staged steps ("Day 1-2: 25% Traffic") carry their own wait.
  assert.match(await step(page, 'Day 1-2: 25% Traffic').textContent(), /Start 2 d wait/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('screenshots of the run view: light, dark and phone', async () => {
  const shots = [
    ['run-light.png', { colorScheme: 'light' }],
    ['run-dark.png', { colorScheme: 'dark' }],
    ['run-phone.png', { colorScheme: 'light', viewport: { width: 390, height: 844 } }],
  ];
  for (const [file, options] of shots) {
    const { page, context, errors } = await openRunPage('/', options);
    await startRun(page);
    for (const text of ['Release notes reviewed', 'On-call engineer', 'Step 1: Announce the freeze']) {
      await step(page, text).getByRole('checkbox').click();
    }
    await page.clock.runFor(3 * 60_000);
    await step(page, 'Step 2: Snapshot the database').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, file) });
    if (process.env.UPDATE_SCREENSHOTS) {
      await page.screenshot({ path: join(ROOT, 'docs', file) });
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
});
