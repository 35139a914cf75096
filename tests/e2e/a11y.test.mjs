// End-to-end: automated accessibility checks (axe-core: WCAG 2.1 A and AA
// plus best practices) of every main view of the release build, in light
// and dark, on a desktop and a phone: the start page, a guide's preview, a
// run, the rollback decision panel, the review and the sign-off form.
import { test } from 'node:test';
import { appReady, assertNoViolations, openPage, openRunPage, startRun, step } from './harness.mjs';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SCHEMES = ['light', 'dark'];
const GUIDE = '/?guide=fixtures/guides/phase3-canary-rollout.md';

/**
 * Chooses the action `item` of the run: from the menu button `menu` when
 * the run has one, else from a button of that name.
 */
async function runAction(page, menu, item) {
  const button = page.getByRole('button', { name: menu });
  if ((await button.count()) > 0) {
    await button.first().click();
    const entry = page.getByRole('menuitem', { name: item });
    await entry.first().waitFor();
    await entry.first().click();
  } else {
    await page.getByRole('button', { name: item }).first().click();
  }
}

/** Opens the sign-off form of the open run. */
async function openSignOff(page) {
  await runAction(page, /^Sign-offs and record/, 'Sign off…');
  await page.getByRole('form', { name: 'Sign off' }).waitFor();
}

/** Opens the rollback decision panel of the open run. */
async function openDecision(page) {
  const direct = page.getByRole('button', { name: 'Something wrong?' });
  if ((await direct.count()) > 0) await direct.first().click();
  else await runAction(page, /^(Rollback|Something wrong)/, 'Something wrong?');
  await page.getByRole('dialog', { name: 'Rollback decision' }).waitFor();
}

/** Opens the review of every run (the Review toggle in the top bar). */
async function openReview(page) {
  await page.getByRole('button', { name: 'Review', exact: true }).click();
  await page.getByRole('region', { name: 'Review' }).waitFor();
}

/** A run of the built-in example, started, with its first step checked. */
async function openRun(options) {
  const opened = await openRunPage('/', options);
  await startRun(opened.page);
  await step(opened.page, 'Release notes reviewed').getByRole('checkbox').click();
  return opened;
}

for (const colorScheme of SCHEMES) {
  test(`the start page on a first visit (${colorScheme})`, async () => {
    const { page, context } = await openPage('/', { viewport: DESKTOP, colorScheme });
    await page.waitForSelector('#main h1, .notice', { timeout: 30_000 });
    try {
      await assertNoViolations(page, `start page, ${colorScheme}`);
    } finally {
      await context.close();
    }
  });

  test(`a guide's preview (${colorScheme})`, async () => {
    const { page, context } = await openPage(GUIDE, { viewport: DESKTOP, colorScheme });
    await appReady(page);
    try {
      await assertNoViolations(page, `guide preview, ${colorScheme}`);
    } finally {
      await context.close();
    }
  });

  for (const [device, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`a run (${colorScheme}, ${device})`, async () => {
      const { page, context } = await openRun({ viewport, colorScheme });
      try {
        await assertNoViolations(page, `run, ${colorScheme}, ${device}`);
      } finally {
        await context.close();
      }
    });
  }

  test(`a run's menu, open (${colorScheme})`, async () => {
    const { page, context } = await openRun({ viewport: DESKTOP, colorScheme });
    try {
      const menu = page.getByRole('button', { name: /^Share and export/ });
      // Before the run's actions moved into menus there is nothing to open.
      if ((await menu.count()) > 0) {
        await menu.click();
        await page.getByRole('menu').first().waitFor();
      }
      await assertNoViolations(page, `run with a menu open, ${colorScheme}`);
    } finally {
      await context.close();
    }
  });

  test(`the rollback decision panel (${colorScheme})`, async () => {
    const { page, context } = await openRun({ viewport: DESKTOP, colorScheme });
    try {
      await openDecision(page);
      await assertNoViolations(page, `decision panel, ${colorScheme}`);
    } finally {
      await context.close();
    }
  });

  test(`the rollback decision panel's advice to roll back (${colorScheme})`, async () => {
    const { page, context } = await openRun({ viewport: DESKTOP, colorScheme });
    try {
      await openDecision(page);
      // Yes to the first question: the panel advises rolling back, with
      // its button to start the rollback.
      const panel = page.getByRole('dialog', { name: 'Rollback decision' });
      await panel.getByRole('button', { name: 'Yes', exact: true }).click();
      await panel.getByRole('status').first().waitFor();
      await assertNoViolations(page, `decision panel advising a rollback, ${colorScheme}`);
    } finally {
      await context.close();
    }
  });

  test(`the review (${colorScheme})`, async () => {
    const { page, context } = await openRun({ viewport: DESKTOP, colorScheme });
    try {
      await openReview(page);
      await assertNoViolations(page, `review, ${colorScheme}`);
    } finally {
      await context.close();
    }
  });

  test(`the sign-off form (${colorScheme})`, async () => {
    const { page, context } = await openRun({ viewport: DESKTOP, colorScheme });
    try {
      await openSignOff(page);
      await assertNoViolations(page, `sign-off form, ${colorScheme}`);
    } finally {
      await context.close();
    }
  });
}
