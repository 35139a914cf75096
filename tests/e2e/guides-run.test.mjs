// End-to-end: every real guide and runbook can be run: each step of the
// run's checklist has its row in the page, and checking the current step
// moves the run on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, appReady, openPage } from './harness.mjs';

const GUIDES = [
  ...readdirSync(join(ROOT, 'tests', 'fixtures', 'guides')).map((f) => `guides/${f}`),
  ...readdirSync(join(ROOT, 'tests', 'fixtures', 'runbooks')).map((f) => `runbooks/${f}`),
].filter((f) => f.endsWith('.md'));

for (const guide of GUIDES) {
  test(`a run of ${guide} shows one row per checklist step, its gates and its tree`, async () => {
    const { page, context, errors } = await openPage(`/?guide=fixtures/${guide}`);
    await appReady(page);
    await page.getByLabel('Your name').fill('Ana');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForSelector('.run-header');
    const [, done, skipped, open] = (await page.locator('.run-progress').textContent()).match(/^(\d+) done · (\d+) skipped · (\d+) open$/);
    const total = Number(done) + Number(skipped) + Number(open);
    assert.ok(Number(total) > 0, 'the run has steps');
    // Follow-ups after the window are rows too, counted apart.
    const followUps = (await page.locator('.follow-ups li').allTextContents())
      .map((t) => Number(t.match(/ of (\d+) done$/)[1]))
      .reduce((a, b) => a + b, 0);
    assert.equal(await page.locator('.step').count(), Number(total) + followUps);
    assert.equal(await page.locator('.step[data-status="done"]').count(), Number(done));
    // Its gates: one check per criterion (levels of one metric share one).
    const facts = await page.locator('.guide-status .facts').textContent();
    const criteria = Number(facts.match(/(\d+) gates/)[1]);
    const checks = await page.locator('.gate-check').count();
    assert.ok(checks <= criteria, `${checks} checks for ${criteria} criteria`);
    if (criteria > 0) assert.ok(checks > 0, 'criteria become gate checks');
    // Its decision tree: answering no to every question reaches "continue".
    await page.getByRole('button', { name: 'Something wrong?' }).click();
    const panel = page.getByRole('dialog', { name: 'Rollback decision' });
    for (let i = 0; i < 200 && (await panel.locator('.decide-question').count()) > 0; i++) {
      await panel.getByRole('button', { name: 'No' }).click();
    }
    assert.equal(await panel.locator('.decide-outcome').textContent(), 'Continue');
    await panel.getByRole('button', { name: 'Close' }).click();
    const current = page.locator('.step.current');
    assert.equal(await current.count(), 1);
    const id = await current.getAttribute('data-step');
    const box = current.locator('input[type="checkbox"]').first();
    if (await box.isDisabled()) {
      // Behind an earlier phase's unmet success criteria: the lock says so.
      const section = page.locator('section.phase', { has: current }).last();
      assert.match(await section.locator('.locked-banner').first().textContent(), /Locked until the success criteria of/);
      assert.deepEqual(errors, []);
      await context.close();
      return;
    }
    await box.click();
    const after = await page.locator(`[data-step="${id}"]`).getAttribute('data-status');
    // A wait step asks for its wait (or a reason) instead of being checked.
    if (after !== 'done') {
      assert.ok(await page.locator(`[data-step="${id}"] .form-hint`).count() === 1);
    } else {
      assert.equal(await page.locator('.run-progress').textContent(), `${Number(done) + 1} done · ${skipped} skipped · ${Number(open) - 1} open`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}
