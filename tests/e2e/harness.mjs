// Shared set-up for end-to-end tests: one server over the release build,
// one headless Chromium, a fresh browser context (empty storage) per test,
// and a record of console errors so tests can assert there were none.
import { after, before } from 'node:test';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { startServer } from './server.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'e2e', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export const env = { server: null, browser: null };

before(async () => {
  env.server = await startServer({
    dist: join(ROOT, 'dist'),
    fixtures: join(ROOT, 'tests', 'fixtures'),
  });
  env.browser = await launchChromium();
});

after(async () => {
  await env.browser?.close();
  await env.server?.close();
});

/**
 * Opens a page in a fresh context. Returns { page, context, errors }, where
 * errors collects console errors and uncaught exceptions.
 */
export async function openPage(path = '/', { viewport, colorScheme } = {}) {
  const context = await env.browser.newContext({
    viewport: viewport ?? { width: 1280, height: 900 },
    colorScheme: colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(env.server.url + path);
  return { page, context, errors };
}

/** Waits until the app has rendered a guide or shown a message. */
export async function appReady(page) {
  await page.waitForSelector('.guide, .notice', { timeout: 30_000 });
}

/**
 * Counts task list items the way GitHub does, straight from the Markdown:
 * list items starting with [ ], [x] or [X], outside fenced code blocks.
 * Independent of the app's parser, so the two can be compared.
 */
export function countTasks(markdown) {
  let fence = null;
  let total = 0;
  let checked = 0;
  for (const line of markdown.split('\n')) {
    const f = line.match(/^\s*(`{3,}|~{3,})/);
    if (f) {
      if (!fence) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      continue;
    }
    if (fence) continue;
    const m = line.match(/^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\](?:\s|$)/);
    if (m) {
      total += 1;
      if (m[1] !== ' ') checked += 1;
    }
  }
  return { total, checked };
}

export function fixture(name) {
  return readFileSync(join(ROOT, 'tests', 'fixtures', name), 'utf8');
}

// 2026-11-25 09:00:00 UTC: a fixed start so timers read the same every run.
export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

/**
 * A fresh context whose clock starts at T0 and only moves when a test
 * moves it. Clipboard permissions are granted for the server's origin.
 */
export async function openRunPage(path = '/', { viewport, colorScheme, route } = {}) {
  const context = await env.browser.newContext({
    viewport: viewport ?? { width: 1280, height: 900 },
    colorScheme: colorScheme ?? 'light',
    timezoneId: 'UTC',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: env.server.url,
  });
  if (route) await context.route(...route);
  await context.clock.install({ time: T0 });
  await context.clock.pauseAt(T0);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(env.server.url + path);
  await appReady(page);
  return { page, context, errors };
}

/**
 * Clicks the button named `name`, saves the file it downloads under
 * tests/e2e/artifacts as `<prefix>-<suggested name>` and returns its text.
 */
export async function downloadText(page, name, prefix) {
  const [file] = await Promise.all([page.waitForEvent('download'), act(page, name)]);
  const path = join(ARTIFACTS, `${prefix}-${file.suggestedFilename()}`);
  await file.saveAs(path);
  return readFileSync(path, 'utf8');
}

/**
 * Clicks the control named `name`: a visible button, else the item of
 * one of the page's menus, opening the menu first as a person would.
 */
export async function act(page, name) {
  const button = page.getByRole('button', { name, exact: true });
  if ((await button.count()) > 0 && (await button.first().isVisible())) {
    return button.first().click();
  }
  // Menu items are found closed too: by their text, a check mark aside.
  const items = page.locator('[role=menu] > [role^=menuitem]');
  const texts = await items.evaluateAll((all) => all.map((el) => el.textContent.replace('✓', '').trim()));
  const index = texts.indexOf(name);
  if (index < 0) throw new Error(`no button or menu item named “${name}”`);
  const item = items.nth(index);
  const menu = await item.evaluate((el) => el.closest('[role=menu]').getAttribute('aria-labelledby'));
  const opener = page.locator(`#${menu}`);
  if ((await opener.getAttribute('aria-expanded')) !== 'true') await opener.click();
  await item.click();
}

/** Starts a run from the start form, as `name`, with an optional option. */
export async function startRun(page, { name = 'Ana', option } = {}) {
  await page.getByLabel('Your name').fill(name);
  if (option) await page.getByRole('radio', { name: option }).check();
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header');
}

export const step = (page, text) => page.locator('.step', { hasText: text }).first();
export const status = (page, text) => step(page, text).getAttribute('data-status');

/** The id of the run the page shows (its address is `#run=<id>`). */
export const runId = async (page) => (await page.evaluate(() => location.hash)).replace('#run=', '');

// axe-core's source, read once. The page's Content-Security-Policy blocks
// inline and injected <script> tags, so the source is evaluated through the
// DevTools protocol (page.evaluate), which the policy does not govern. axe
// waits on timers between its checks: on a page whose clock a test controls
// (openRunPage) it gets the browser's own timers, so that it finishes while
// the page's time stands still.
let axeSource = null;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/**
 * Runs axe-core on the page as it is now (WCAG 2.1 A and AA plus best
 * practices) and returns its violations; `label` names the view in errors.
 */
export async function axe(page, label = page.url()) {
  axeSource ??= readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(
      `(function (setTimeout, clearTimeout) {\n${axeSource}\n}).call(window,` +
        ' (globalThis.__pwClock?.builtins ?? window).setTimeout.bind(window),' +
        ' (globalThis.__pwClock?.builtins ?? window).clearTimeout.bind(window))',
    );
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
      throw new Error(`axe-core did not load into ${label}`);
    }
  }
  try {
    return await page.evaluate(
      (values) => window.axe.run(document, { runOnly: { type: 'tag', values } }).then((r) => r.violations),
      AXE_TAGS,
    );
  } catch (err) {
    throw new Error(`axe could not check ${label}: ${err.message}`);
  }
}

/** Formats axe violations: rule, impact, help, and the first few nodes. */
export function formatViolations(violations, label, nodes = 4) {
  const lines = [`${label}: ${violations.length} accessibility violation(s)`];
  for (const v of violations) {
    lines.push(`- ${v.id} [${v.impact}] ${v.help} (${v.nodes.length} node(s)) ${v.helpUrl}`);
    for (const n of v.nodes.slice(0, nodes)) {
      const html = n.html.replace(/\s+/g, ' ').slice(0, 160);
      lines.push(`    ${n.target.join(' ')}  ${html}`);
      const why = (n.failureSummary ?? '').split('\n').filter((l) => l && !/^Fix (any|all)/.test(l))[0];
      if (why) lines.push(`      ${why.trim()}`);
    }
    if (v.nodes.length > nodes) lines.push(`    … and ${v.nodes.length - nodes} more`);
  }
  return lines.join('\n');
}

/** Fails with a readable list when axe finds any violation on the page. */
export async function assertNoViolations(page, label = page.url()) {
  const violations = await axe(page, label);
  if (violations.length > 0) throw new Error(formatViolations(violations, label));
}
