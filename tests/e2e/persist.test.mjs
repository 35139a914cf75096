// End-to-end: runs kept in browser storage: two tabs, damaged data, a full
// quota, no storage at all, export and import, a guide that changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, appReady, env, openRunPage, startRun, status, step, runId, act } from './harness.mjs';


test('two tabs check different steps at the same time and both survive a reload', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  const id = await runId(page);
  const other = await context.newPage();
  await other.goto(`${env.server.url}/#run=${id}`);
  await other.waitForSelector('.run-header');
  // Both at once, neither waiting for the other.
  await Promise.all([
    step(page, 'Release notes reviewed').getByRole('checkbox').click(),
    step(other, 'On-call engineer').getByRole('checkbox').click(),
  ]);
  // Each tab shows the other's check within a second.
  await page.clock.runFor(1000);
  await other.clock.runFor(1000);
  assert.equal(await status(page, 'On-call engineer'), 'done');
  assert.equal(await status(other, 'Release notes reviewed'), 'done');
  for (const p of [page, other]) {
    await p.reload();
    await appReady(p);
    await p.waitForSelector('.run-header');
    assert.equal(await status(p, 'Release notes reviewed'), 'done');
    assert.equal(await status(p, 'On-call engineer'), 'done');
    assert.equal(await p.locator('.run-progress').textContent(), '3 done · 0 skipped · 21 open');
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('damaged data injected before load is set aside, reported and downloadable', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  const id = await runId(page);
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  await page.evaluate((id) => localStorage.setItem(`preflight.ev.${id}.zzz`, '{"at_ms": 12, "by'), id);
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.run-header');
  // The good check-off is still there; the damaged one is set aside.
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  const notice = page.locator('.notice-warning', { hasText: 'could not be read' });
  assert.match(await notice.textContent(), /set aside under “preflight\.quarantine\.preflight\.ev\..*\.zzz\.\d+”/);
  const keys = await page.evaluate(() => Object.keys(localStorage));
  const damaged = keys.filter((k) => k.includes('.zzz'));
  assert.equal(damaged.length, 1, 'only the quarantined copy remains');
  const quarantined = damaged[0];
  assert.ok(quarantined.startsWith('preflight.quarantine.'));
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), quarantined), '{"at_ms": 12, "by');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    notice.getByRole('button', { name: 'Download' }).click(),
  ]);
  const path = join(ARTIFACTS, 'quarantined.json');
  await download.saveAs(path);
  assert.equal(readFileSync(path, 'utf8'), '{"at_ms": 12, "by');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a full quota keeps the check-off visible as unsaved and saves it once there is room', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  // Fill this origin's storage to the brim.
  const filled = await page.evaluate(() => {
    const chunk = 'x'.repeat(256 * 1024);
    let n = 0;
    for (;;) {
      try {
        localStorage.setItem(`filler.${n}`, chunk);
        n += 1;
      } catch {
        break;
      }
    }
    for (let size = 128 * 1024; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          localStorage.setItem(`filler.${n}`, 'y'.repeat(size));
          n += 1;
        } catch {
          break;
        }
      }
    }
    return n;
  });
  assert.ok(filled > 0);
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  const notice = page.locator('.notice-error', { hasText: 'not saved yet' });
  assert.match(await notice.textContent(), /1 change\(s\) shown but not saved yet: browser storage is full \(Preflight uses \d+\.\d KB here\)/);
  assert.equal(await page.locator('.unsaved').textContent(), '1 change(s) not saved yet');
  // Free space; the next tick saves it.
  await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('filler.')).forEach((k) => localStorage.removeItem(k)));
  await page.clock.runFor(1500);
  assert.equal(await page.locator('.unsaved').count(), 0);
  assert.equal(await notice.count(), 0);
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.run-header');
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  assert.deepEqual(errors, []);
  await context.close();
});

test('without storage the app runs in memory and says so', async () => {
  const context = await env.browser.newContext({ timezoneId: 'UTC' });
  await context.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(env.server.url + '/');
  await appReady(page);
  assert.match(await page.locator('.storage-banner').textContent(), /progress will not survive a reload/);
  await startRun(page);
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  assert.equal(await status(page, 'Release notes reviewed'), 'done');
  assert.equal(await page.locator('.unsaved').count(), 0, 'nothing to retry without storage');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an exported run imports identically elsewhere; a tampered file changes nothing', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page, { option: 'Option 2: Blue-green switch' });
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  await step(page, 'On-call engineer').getByRole('button', { name: 'Skip' }).click();
  await page.getByPlaceholder('Why skip this step?').fill('on the bridge');
  await page.getByRole('button', { name: 'Skip step' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    act(page, 'Export run'),
  ]);
  assert.match(download.suggestedFilename(), /^preflight-run-orders-api-v2-4-production-deployment-2026-11-25-09-00\.json$/);
  const file = join(ARTIFACTS, 'exported-run.json');
  await download.saveAs(file);
  const exported = readFileSync(file, 'utf8');
  assert.equal(JSON.parse(exported).format, 'preflight-run');
  const progress = await page.locator('.run-progress').textContent();
  await context.close();

  // Another browser: a tampered copy is refused, the real one opens.
  const second = await openRunPage();
  const tampered = join(ARTIFACTS, 'tampered-run.json');
  writeFileSync(tampered, exported.replace('on the bridge', 'no reason'));
  await second.page.getByRole('button', { name: 'Settings' }).click();
  await second.page.locator('.storage-panel summary').click();
  await second.page.locator('.storage-panel input[type="file"]').setInputFiles(tampered);
  await second.page.waitForSelector('.notice-error');
  assert.match(await second.page.locator('.notice-error').textContent(), /Not imported: the run's log was tampered with: entry 2 \(0:00 by Ana\) does not match its hash\. Nothing was changed\./);
  assert.equal(await second.page.locator('.run-header').count(), 0);
  assert.equal(await second.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('preflight.run.')).length), 0);
  await second.page.locator('.storage-panel input[type="file"]').setInputFiles(file);
  await second.page.waitForSelector('.run-header');
  assert.equal(await second.page.locator('.run-progress').textContent(), progress);
  assert.equal(await status(second.page, 'On-call engineer'), 'skipped');
  assert.match(await second.page.locator('#p-option-1-rolling-update-default').textContent(), /not chosen for this run/);
  assert.deepEqual(errors, []);
  assert.deepEqual(second.errors, []);
  await second.context.close();
});

test('a guide that changed under a run: the run keeps its text and says so', async () => {
  const original = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'runbooks', 'static-site-runbook.md'), 'utf8');
  let served = original;
  const { page, context, errors } = await openRunPage('/?guide=live/guide.md', {
    route: ['**/live/guide.md', (route) => route.fulfill({ status: 200, contentType: 'text/markdown', body: served })],
  });
  await startRun(page);
  const before = await page.locator('.run-progress').textContent();
  served = original.replace(/^# .*$/m, '# A different title') + '\n- [ ] a step added later\n';
  await page.reload();
  await appReady(page);
  await page.waitForSelector('.notice-info >> text=has changed since this run started');
  assert.equal(await page.locator('.run-progress').textContent(), before);
  assert.equal(await page.locator('text=a step added later').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
