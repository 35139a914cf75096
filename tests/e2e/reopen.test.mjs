// End-to-end: a stored run that cannot be opened says why when it is
// opened by its address, whichever guide the start page then shows (the
// built-in example, or one loaded from `?guide=` after the page started).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, appReady, openRunPage, startRun, runId } from './harness.mjs';


const STARTS = [
  ['the built-in example', '/'],
  ['a guide from ?guide=', '/?guide=fixtures/guides/phase3-canary-rollout.md'],
];

/** Reloads the run's address and waits until the start page has settled. */
async function reloadRun(page, id) {
  assert.match(page.url(), new RegExp(`#run=${id}$`));
  await page.reload();
  await appReady(page);
  // The start page's guide, loaded after the run failed to open.
  await page.waitForSelector('.guide');
  await page.clock.runFor(2000);
  assert.equal(await page.locator('.run-header').count(), 0);
}

for (const [what, path] of STARTS) {
  test(`a damaged run opened by its address over ${what} is set aside, reported and downloadable`, async () => {
    const { page, context, errors } = await openRunPage(path);
    await startRun(page);
    const id = await runId(page);
    const damaged = '{"schema":2,"id":"';
    await page.evaluate(([id, damaged]) => localStorage.setItem(`preflight.run.${id}`, damaged), [id, damaged]);
    await reloadRun(page, id);
    const keys = await page.evaluate(() => Object.keys(localStorage));
    const aside = keys.filter((k) => k.startsWith(`preflight.quarantine.preflight.run.${id}.`));
    assert.equal(aside.length, 1, 'the damaged run is copied aside once');
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), aside[0]), damaged);
    const notice = page.locator('.notice-error', { hasText: `Run ${id} could not be read` });
    assert.equal(await notice.count(), 1, 'a message says the run could not be read');
    assert.ok((await notice.textContent()).includes(`kept under “${aside[0]}”`));
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 5_000 }),
      notice.getByRole('button', { name: 'Download' }).click({ timeout: 5_000 }),
    ]);
    const file = join(ARTIFACTS, 'damaged-run.json');
    await download.saveAs(file);
    assert.equal(readFileSync(file, 'utf8'), damaged);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`a run from a newer Preflight opened by its address over ${what} says so and is left untouched`, async () => {
    const { page, context, errors } = await openRunPage(path);
    await startRun(page);
    const id = await runId(page);
    const newer = await page.evaluate((id) => {
      const key = `preflight.run.${id}`;
      const run = JSON.parse(localStorage.getItem(key));
      run.schema = 99;
      const text = JSON.stringify(run);
      localStorage.setItem(key, text);
      return text;
    }, id);
    await reloadRun(page, id);
    const notice = page.locator('.notice', { hasText: 'written by a newer Preflight (format 99)' });
    assert.equal(await notice.count(), 1, 'a message says the run is from a newer Preflight');
    assert.ok((await notice.textContent()).includes(`Run ${id}`));
    assert.equal(await page.evaluate((id) => localStorage.getItem(`preflight.run.${id}`), id), newer);
    const keys = await page.evaluate(() => Object.keys(localStorage));
    assert.deepEqual(keys.filter((k) => k.startsWith('preflight.quarantine.')), []);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
