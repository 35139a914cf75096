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
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name }).click(),
  ]);
  const path = join(ARTIFACTS, `${prefix}-${file.suggestedFilename()}`);
  await file.saveAs(path);
  return readFileSync(path, 'utf8');
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
