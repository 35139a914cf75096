// End-to-end: a calm cockpit for the deploy window. No alarm at the start
// of a run whose guide ends with follow-ups; a run header with few
// controls and menus that work with the keyboard; on a phone, a sticky
// bar that is the run's status; the first visit; a whole run without a
// mouse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, appReady, openPage, openRunPage, startRun } from './harness.mjs';

const PHONE = { width: 390, height: 844 };
const CALM = '/?guide=fixtures/e2e/calm.md';

/** The text of the focused element. */
const focused = (page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

const MIN = 60_000;

test('a guide that ends with follow-ups starts calm; they are listed apart, due after the window', async () => {
  const { page, context, errors } = await openRunPage(CALM);
  // The guide's own 5 minutes make the window, and its work fits.
  assert.equal(await page.getByLabel('Window ends').inputValue(), '2026-11-25T09:05');
  assert.equal(await page.locator('.window-fit').count(), 0);
  // A window shorter than the work is said on the start form.
  await page.getByLabel('Window ends').fill('2026-11-25T09:02');
  assert.equal(await page.locator('.window-fit').textContent(), 'The steps take about 5 min; the window is 2 min — widen it?');
  await page.getByLabel('Window ends').fill('2026-11-25T09:05');
  assert.equal(await page.locator('.window-fit').count(), 0);
  await startRun(page);
  await page.clock.runFor(1000);
  // No alarm: one quiet forecast line; the current step is an action.
  assert.equal(await page.locator('[role=alert]').count(), 0);
  assert.equal(await page.locator('.no-return, .running-long').count(), 0);
  assert.equal(await page.locator('.forecast').getAttribute('data-alarm'), 'quiet');
  assert.match(await page.locator('.run-progress').textContent(), /^0 done · 0 skipped · 3 open/);
  assert.equal(await page.locator('.now-text').textContent(), 'Announce the deployment in #releases');
  // The follow-ups, apart, due a day and a week after the window.
  assert.deepEqual(await page.locator('.follow-ups li').allTextContents(), [
    'Day 1 — due 2026-11-26 09:05 · 0 of 2 done',
    'Day 2 — due 2026-11-27 09:05 · 0 of 2 done',
    'Week 1 — due 2026-12-02 09:05 · 0 of 2 done',
  ]);
  // A step running long is worth a look, not an alarm.
  await page.clock.fastForward(4 * MIN);
  await page.clock.runFor(1000);
  assert.match(await page.locator('.running-long').textContent(), /^“Announce the deployment in #releases” is running long: /);
  assert.equal(await page.locator('[role=alert]').count(), 0);
  // The finish slipping well past the plan is.
  await page.clock.fastForward(3 * MIN);
  await page.clock.runFor(1000);
  assert.match(await page.locator('[role=alert]').textContent(), /^Past the point of no return/);
  // The window's steps done, the run finishes without the follow-ups.
  for (let i = 0; i < 3; i++) await page.locator('.now-check').click();
  assert.equal(await page.locator('.now-step.all-done').isVisible(), true);
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  assert.match(await page.getByRole('region', { name: 'Run summary' }).textContent(), /Run completed/);
  // A follow-up due with steps open is said once it is due.
  await page.clock.fastForward(24 * 60 * MIN);
  await page.clock.runFor(2000);
  await page.waitForSelector('.notice >> text=Follow-up due: “Day 1” (2 steps open).');
  // Its steps can still be checked after the run.
  await page.locator('.step', { hasText: 'Review the eviction latency dashboard' }).getByRole('checkbox').click();
  assert.equal(await page.locator('.step', { hasText: 'Review the eviction latency dashboard' }).getAttribute('data-status'), 'done');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the run header shows at most five controls, and menus that work with the keyboard', async () => {
  const { page, context, errors } = await openRunPage(CALM);
  await startRun(page);
  const bar = page.locator('.run-status');
  const controls = await bar.locator('button:visible, a:visible, input:visible').allTextContents();
  assert.deepEqual(controls.map((t) => t.trim()), [
    'Announce the deployment in #releases',
    'Check',
    'Something wrong?',
    'Finish run…',
  ]);
  assert.deepEqual(await page.locator('.run-tools .menu-button').allTextContents(), [
    'Share and export ▾',
    'Sign-offs and record ▾',
    'Team ▾',
  ]);
  // Nothing empty at the top: no sign-off block, no log line.
  assert.equal(await page.locator('.signatures').isVisible(), false);
  assert.equal(await page.getByText(/^Log: /).filter({ visible: true }).count(), 0);

  // The menu button pattern: arrows, Home/End, wrapping, Escape.
  const share = page.getByRole('button', { name: 'Share and export' });
  await share.focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await share.getAttribute('aria-expanded'), 'true');
  assert.equal(await focused(page), 'Export run');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Audit pack (Markdown)');
  await page.keyboard.press('End');
  assert.equal(await focused(page), 'Share live…');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Export run');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(page), 'Share live…');
  await page.keyboard.press('Home');
  assert.equal(await focused(page), 'Export run');
  await page.keyboard.press('Escape');
  assert.equal(await share.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#run-share-menu').isVisible(), false);
  assert.equal(await focused(page), 'Share and export ▾');
  // A checkbox item keeps its state; choosing it gives focus back.
  const team = page.getByRole('button', { name: 'Team' });
  await team.focus();
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), 'Assign…');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'My steps');
  await page.keyboard.press('Enter');
  assert.equal(
    await page.getByRole('menuitemcheckbox', { name: 'My steps', includeHidden: true }).getAttribute('aria-checked'),
    'true',
  );
  assert.equal(await focused(page), 'Team ▾');
  assert.equal(await page.locator('.run-view.only-mine').count(), 1);
  // An item that opens a form puts focus in it.
  await page.getByRole('button', { name: 'Sign-offs and record' }).focus();
  await page.keyboard.press(' ');
  assert.equal(await focused(page), 'Sign off…');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.closest('form'));
  assert.equal(await page.evaluate(() => document.activeElement.closest('form').getAttribute('aria-label')), 'Sign off');
  assert.match(await page.locator('.signoff-form .log-head').textContent(), /^Signs the log as it stands: \d+ entries, head [0-9a-f]{12}/);
  // A click outside closes an open menu.
  await share.click();
  assert.equal(await page.locator('#run-share-menu').isVisible(), true);
  await page.locator('.guide h1').click();
  assert.equal(await page.locator('#run-share-menu').isVisible(), false);
  assert.deepEqual(errors, []);
  await context.close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`on a phone (${colorScheme}), the sticky bar is the run's status and every control is a touch target`, async () => {
    const { page, context, errors } = await openRunPage(CALM, { viewport: PHONE, colorScheme });
    assert.equal(await page.locator('.open-controls').first().isVisible(), true, 'the start page offers the ways to open a guide');
    await startRun(page);
    await page.clock.runFor(1000);
    // The ways to open a guide fold into one button during a run.
    assert.equal(await page.locator('.open-controls').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Open a guide…' }).isVisible(), true);
    // Scrolled to the end of the guide, the bar is still at the top.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForTimeout(100);
    const bar = page.locator('.run-status');
    const box = await bar.boundingBox();
    assert.ok(box.y >= -1 && box.y <= 1, `the bar sticks to the top (y = ${box.y})`);
    assert.ok(box.height <= 220, `the bar leaves the screen to the guide (${box.height} px)`);
    assert.match(await bar.locator('.run-progress').innerText(), /0 done · 0 skipped · \d+ open/);
    assert.match(await bar.locator('.window .left').innerText(), /left$/);
    assert.equal(await bar.locator('.now-text').innerText(), 'Announce the deployment in #releases');
    assert.equal(await bar.getByRole('button', { name: 'Check' }).isVisible(), true);
    assert.equal(await bar.getByRole('button', { name: 'Something wrong?' }).isVisible(), true);
    await page.screenshot({ path: join(ARTIFACTS, `phone-run-${colorScheme}.png`) });
    // Every control on the page is at least 44 px high.
    await page.evaluate(() => window.scrollTo(0, 0));
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('button, .button, input:not([type=checkbox]):not([type=radio]), select, summary, .task-label, label.radio')]
        .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
        .map((el) => [el.getBoundingClientRect().height, el.textContent.trim().slice(0, 40) || el.outerHTML.slice(0, 60)])
        .filter(([h]) => h < 43.5),
    );
    assert.deepEqual(small, []);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('at 360 px wide, nothing scrolls sideways but code blocks', async () => {
  const { page, context, errors } = await openRunPage(CALM, { viewport: { width: 360, height: 740 } });
  // How far the page scrolls sideways, and the widest element that is not
  // inside a block that scrolls on its own.
  const wide = async () => {
    const [over, culprit] = await page.evaluate(() => {
      const over = document.documentElement.scrollWidth - document.documentElement.clientWidth;
      const inScroller = (el) => el.closest('pre, .table-wrap');
      const culprit = [...document.querySelectorAll('body *')]
        .filter((el) => !inScroller(el) && el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((el) => el.outerHTML.slice(0, 80))
        .at(-1);
      return [over, culprit];
    });
    return over === 0 ? 0 : `${over} px: ${culprit}`;
  };
  assert.equal(await wide(), 0, 'start page');
  await startRun(page);
  assert.equal(await wide(), 0, 'run');
  await page.getByRole('button', { name: 'Share and export' }).click();
  assert.equal(await wide(), 0, 'open menu');
  await page.getByRole('button', { name: 'Something wrong?' }).click();
  assert.equal(await wide(), 0, 'decision panel');
  await page.getByRole('button', { name: 'Settings' }).click();
  assert.equal(await wide(), 0, 'settings');
  await page.getByRole('button', { name: 'Review' }).click();
  assert.equal(await wide(), 0, 'review');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the first visit says what Preflight does, offers the ways to open a guide and previews the example', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  const intro = page.getByRole('region', { name: 'Run a deployment guide as a live checklist' });
  assert.match(await intro.textContent(), /Preflight turns a deployment guide written in Markdown into a checklist for the deploy window/);
  for (const name of ['Example', 'Paste…', 'Open URL']) {
    assert.equal(await intro.getByRole('button', { name }).isVisible(), true, name);
  }
  assert.equal(await intro.getByText('Open file…').isVisible(), true);
  // The built-in example is the preview, under the start form.
  assert.match(await page.locator('.guide h1').first().textContent(), /\S/);
  assert.equal(await page.locator('.start-run').isVisible(), true);
  // Settings are on their own page, not between the start form and the guide.
  assert.equal(await page.locator('.webhook-panel, .storage-panel').count(), 0);
  await page.getByRole('button', { name: 'Settings' }).click();
  // Its module is fetched on first use, if the idle browser has not yet.
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  assert.equal(await page.locator('.webhook-panel').count(), 1);
  assert.equal(await page.locator('.storage-panel').count(), 1);
  assert.equal(await page.locator('.start-run').count(), 0);
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.waitForSelector('.start-run');
  assert.deepEqual(errors, []);
  await context.close();
});

/** Presses Tab until `test(el)` holds for the focused element. */
async function tabTo(page, test, what) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(test)) return;
  }
  assert.fail(`Tab never reached ${what}`);
}

test('a whole short run with the keyboard only: start, every step, a gate, finish', async () => {
  const { page, context, errors } = await openRunPage('/?guide=fixtures/e2e/keyboard.md');
  await tabTo(page, () => document.activeElement?.getAttribute('aria-label') === null && document.activeElement?.closest('label')?.textContent.startsWith('Your name'), 'the name field');
  await page.keyboard.type('Ana');
  await tabTo(page, () => document.activeElement?.textContent === 'Start run', 'Start run');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.run-header');
  // The current step's Check, from the sticky bar: focus stays on it.
  await tabTo(page, () => document.activeElement?.classList.contains('now-check'), 'Check');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.now-text').textContent(), 'Open the cache dashboard');
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('now-check')), true);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.now-text').textContent(), 'Confirm the cache answers');
  // The x shortcut checks the current step too.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('x');
  // The gate: an observed value, typed and submitted with Enter.
  await tabTo(page, () => document.activeElement?.closest('.gate-measure') && document.activeElement.tagName === 'INPUT', 'the gate');
  await page.keyboard.type('0.2');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.gate-check').first().getAttribute('data-status'), 'met');
  // The last step, then finish.
  await tabTo(page, () => document.activeElement?.classList.contains('now-check'), 'Check');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.now-step.all-done').isVisible(), true);
  await tabTo(page, () => document.activeElement?.textContent === 'Finish run…', 'Finish run…');
  await page.keyboard.press('Enter');
  await tabTo(page, () => document.activeElement?.textContent === 'Finish run', 'Finish run');
  await page.keyboard.press('Enter');
  assert.match(await page.getByRole('region', { name: 'Run summary' }).textContent(), /Run completed.*5 done/s);
  assert.deepEqual(errors, []);
  await context.close();
});
