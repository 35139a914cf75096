// End-to-end: the deploy-window forecast and its point of no return, under
// Playwright's controlled clock (the run starts at 09:00 UTC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRunPage, startRun, step } from './harness.mjs';

const MIN = 60_000;

test('the point-of-no-return warning appears at the right time and going on is recorded', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/e2e/forecast.md');
  await startRun(page);
  // A 2-hour window; 30 minutes of steps, a 30-minute wait, a 15-minute
  // rollback: the point of no return is 09:45.
  const forecast = page.locator('.forecast');
  assert.equal(
    await forecast.textContent(),
    'Forecast finish 10:00 (window ends 11:00) · point of no return 09:45',
  );
  await page.clock.fastForward(34 * MIN);
  await page.clock.runFor(1000);
  assert.equal(await page.locator('.no-return').count(), 0);
  await page.clock.fastForward(2 * MIN);
  await page.clock.runFor(1000);
  const soon = page.locator('.no-return.soon');
  await soon.waitFor();
  assert.match(await soon.textContent(), /^Point of no return in 8:5\d \(at 09:45\): after it, finishing the remaining steps and rolling back \(15:00\) no longer fit/);
  // Nothing was done: the forecast finish moves with the clock.
  assert.match(await forecast.textContent(), /^Forecast finish 10:36 /);
  await page.clock.fastForward(10 * MIN);
  await page.clock.runFor(1000);
  const passed = page.locator('.no-return.passed');
  await passed.waitFor();
  assert.match(await passed.textContent(), /^Past the point of no return since 09:45/);
  await passed.getByRole('button', { name: 'Go on past it (recorded)' }).click();
  assert.equal(
    await page.locator('.no-return.known').textContent(),
    'Past the point of no return (09:45); Ana recorded going on at 09:46.',
  );
  await page.locator('details.timeline summary').first().click();
  assert.match(await page.locator('details.timeline').first().textContent(), /went on past the point of no return \(09:45\)/);
  // Progress faster than planned moves the point of no return later.
  for (const s of ['Announce', 'Freeze merges', 'Roll out']) {
    await step(page, s).getByRole('checkbox').click();
  }
  assert.match(await forecast.textContent(), /pace/);
  assert.deepEqual(errors, []);
  await context.close();
});
