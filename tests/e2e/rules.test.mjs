// End-to-end: changes that arrive from elsewhere keep the same rules as
// changes made here. Another tab's storage key that breaks one is set
// aside with a message naming the rule, the run is unchanged, and the
// run opens again after a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appReady, env, openRunPage, startRun, status, step, runId } from './harness.mjs';


/** Writes `event` into the run's storage from a second tab of the same browser. */
async function writeFromOtherTab(context, id, event) {
  const other = await context.newPage();
  await other.goto(`${env.server.url}/robots-not-here.txt`);
  await other.evaluate(
    ([key, value]) => localStorage.setItem(key, value),
    [`preflight.ev.${id}.${event.id}`, JSON.stringify(event)],
  );
  await other.close();
}

test('a self-approval and an unapproved completion from another tab are set aside, named by their rule', async () => {
  const { page, context, errors } = await openRunPage();
  await page.getByLabel("Require a second person's").check();
  await startRun(page);
  const id = await runId(page);
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  const at = (await page.evaluate(() => Date.now())) + 1000;
  const base = { by: 'Ana', at_ms: at };
  await writeFromOtherTab(context, id, {
    ...base,
    id: `${at.toString(16)}-evil-00000001`,
    type: 'sign_off',
    role: 'release engineer',
    meaning: 'approved',
    tz_offset_min: 0,
  });
  const approval = page.locator('.notice-warning', { hasText: 'sign off the run as approved' });
  await approval.waitFor();
  assert.match(
    await approval.textContent(),
    /A change by Ana from another tab \(sign off the run as approved\) was set aside: it breaks the rule “no self-approval” \(Ana performed this work\)\. It was kept under “preflight\.quarantine\.preflight\.ev\..*”/,
  );
  await writeFromOtherTab(context, id, {
    ...base,
    at_ms: at + 1000,
    id: `${(at + 1000).toString(16)}-evil-00000002`,
    type: 'finish',
    outcome: 'completed',
    note: '',
  });
  await page.locator('.notice-warning', { hasText: 'four-eyes' }).waitFor();
  // The run is unchanged: not finished, not approved, the check-off kept.
  assert.equal(await page.getByRole('region', { name: 'Run summary' }).count(), 0);
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  assert.equal(await page.getByRole('button', { name: 'Finish run…' }).count(), 1);
  // The keys were moved aside, so the run opens again without them.
  const keys = await page.evaluate(() => Object.keys(localStorage));
  assert.equal(keys.filter((k) => k.startsWith('preflight.ev.') && k.includes('-evil-')).length, 0);
  assert.equal(keys.filter((k) => k.startsWith('preflight.quarantine.') && k.includes('-evil-')).length, 2);
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.run-header');
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  assert.equal(await page.locator('.notice-warning', { hasText: 'set aside' }).count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an adoption naming a guide version that is no hash is set aside, and the run opens on every load', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  const id = await runId(page);
  const at = (await page.evaluate(() => Date.now())) + 1000;
  // A hash whose 16th byte falls inside a character.
  const event = {
    id: `${at.toString(16)}-evil-00000003`,
    at_ms: at,
    by: 'Mallory',
    type: 'adopt_guide',
    from_hash: 'x',
    to_hash: 'aéééééééé',
    removed: [],
    changed: [],
  };
  // Written while the run is closed: it is read when the run opens.
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [`preflight.ev.${id}.${event.id}`, JSON.stringify(event)]);
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.run-header');
  const notice = page.locator('.notice-warning', { hasText: 'follow another version of the guide' });
  assert.match(await notice.textContent(), /A change by Mallory from this browser's storage .* was set aside: it breaks the rule “well-formed events only” \(the new guide version is not a guide hash\)/);
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.run-header');
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  assert.deepEqual(errors, []);
  await context.close();
});
