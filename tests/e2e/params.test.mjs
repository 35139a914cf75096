// End-to-end: a guide's run parameters. Values are given when the run
// starts, noted at a step during the run, or asked for when a command
// that needs one is copied; commands show them in place, Copy and `c`
// copy the filled command, a reload finds them, print shows them, and a
// secret's value stays in this tab's memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ARTIFACTS, act, assertNoViolations, downloadText, openRunPage, step } from './harness.mjs';

const TOKEN = 'tok-5f1e-9a7c';

const GUIDE = [
  '---',
  'params:',
  '  VERSION: 2.4.0  # the release to deploy',
  '---',
  '# Release the billing service',
  '',
  '## Prepare',
  '',
  '- [ ] Tell the on-call engineer that change `{{ change_id }}` starts',
  '- [ ] Pull the image',
  '',
  '  ```bash',
  '  docker pull registry.example/billing:$VERSION',
  '  ```',
  '',
  '## Restart',
  '',
  '- [ ] Find the PID of the old worker: `pgrep -f billing-worker`',
  '- [ ] Stop the old worker',
  '',
  '  ```bash',
  '  kill -TERM <PID>',
  '  ```',
  '',
  '- [ ] Publish the release',
  '',
  '  ```bash',
  '  curl -H "Authorization: Bearer $API_TOKEN" https://deploy.example/releases/$VERSION',
  '  ```',
  '',
  '- [ ] Roll the chart',
  '',
  '  ```bash',
  '  helm upgrade billing ./charts/billing --namespace billing-production --set image.tag=$VERSION --set replicaCount=12 --wait --timeout 10m0s --atomic',
  '  ```',
  '',
];

async function openGuide(page) {
  await page.getByRole('button', { name: 'Paste…' }).click();
  await page.getByLabel('Paste a Markdown guide').fill(GUIDE.join('\n'));
  await page.getByRole('button', { name: 'Open pasted guide' }).click();
  await page.waitForSelector('h1:has-text("Release the billing service")');
}

const clipboard = (page) => page.evaluate(() => navigator.clipboard.readText());
const code = (page, text) => page.locator('.code-wrap', { hasText: text }).first();
const marked = (page, text) => code(page, text).locator('mark.param-value').allTextContents();
const panel = (page) => page.getByRole('region', { name: 'Parameters' });

test('values given at the start, noted at a step or asked for at a copy fill every command, and stay after a reload', async () => {
  const { page, context, errors } = await openRunPage();
  await openGuide(page);

  // The start form asks for what no step notes, defaults filled in;
  // the PID is noted during the run, so it is not asked for here.
  const form = page.getByRole('form', { name: 'Start a run' });
  const fields = form.locator('.start-params');
  assert.equal(await fields.getByLabel('$VERSION').inputValue(), '2.4.0');
  assert.equal(await fields.getByLabel('{{ change_id }}').inputValue(), '');
  assert.equal(await fields.getByLabel('$API_TOKEN').getAttribute('type'), 'password');
  assert.equal(await fields.getByLabel('<PID>').count(), 0);
  await fields.getByLabel('$VERSION').fill('2.5.1');
  await fields.getByLabel('{{ change_id }}').fill('CHG-7731');
  await page.getByLabel('Your name').fill('Ana');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header');

  // Commands show the values in place, marked; Copy copies them.
  await page.locator('mark.param-value', { hasText: '2.5.1' }).first().waitFor();
  assert.deepEqual(await marked(page, 'docker pull'), ['2.5.1']);
  assert.match(await panel(page).textContent(), /set by Ana/);
  await code(page, 'docker pull').getByRole('button', { name: 'Copy' }).click();
  await page.waitForSelector('.copy.copied');
  assert.equal((await clipboard(page)).trim(), 'docker pull registry.example/billing:2.5.1');

  // A step notes the PID; the next step's command uses it, and `c`
  // copies that command filled.
  const find = step(page, 'Find the PID');
  await find.getByRole('textbox', { name: '<PID>' }).fill('4242');
  await find.getByRole('button', { name: 'Set <PID>' }).click();
  await page.locator('.code-wrap mark.param-value', { hasText: '4242' }).waitFor();
  assert.deepEqual(await marked(page, 'kill -TERM'), ['4242']);
  await step(page, 'Stop the old worker').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('c');
  await page.waitForSelector('text=Command copied.');
  assert.equal((await clipboard(page)).trim(), 'kill -TERM 4242');

  // A command with a value still missing asks for it instead of copying
  // the placeholder; a secret is masked on the page.
  await page.evaluate(() => navigator.clipboard.writeText('nothing yet'));
  await code(page, 'curl -H').getByRole('button', { name: 'Copy' }).click();
  const ask = page.getByRole('dialog', { name: 'Values needed before copying' });
  await ask.waitFor();
  assert.equal(await clipboard(page), 'nothing yet');
  await assertNoViolations(page, 'the question before a copy');
  await ask.getByLabel('$API_TOKEN').fill(TOKEN);
  await ask.getByRole('button', { name: 'Set and copy' }).click();
  await page.waitForSelector('text=Command copied.');
  assert.equal(
    (await clipboard(page)).trim(),
    `curl -H "Authorization: Bearer ${TOKEN}" https://deploy.example/releases/2.5.1`,
  );
  assert.ok(!(await page.content()).includes(TOKEN), 'the page shows the secret');
  assert.deepEqual(await marked(page, 'curl -H'), ['••••••', '2.5.1']);

  // A changed value is logged and shown everywhere.
  await panel(page).getByRole('textbox', { name: '$VERSION' }).fill('2.5.2');
  await panel(page).getByRole('button', { name: 'Change $VERSION' }).click();
  await page.locator('.code-wrap mark.param-value', { hasText: '2.5.2' }).first().waitFor();
  assert.deepEqual(await marked(page, 'docker pull'), ['2.5.2']);
  await assertNoViolations(page, 'the run with its parameters');

  // Nothing of the secret is stored; the log says it was set.
  const stored = await page.evaluate(() => Object.values(localStorage).join('\n'));
  assert.ok(!stored.includes(TOKEN), 'the secret was stored');
  assert.ok(stored.includes('"api_token"'), 'the log does not say the secret was set');

  // Print shows the values, the secret masked.
  await page.emulateMedia({ media: 'print' });
  const pdf = join(ARTIFACTS, 'params-record.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  await page.emulateMedia({ media: 'screen' });
  const printed = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
  assert.match(printed, /Parameters/);
  assert.match(printed, /docker pull registry\.example\/billing:2\.5\.2/);
  assert.match(printed, /kill -TERM 4242/);
  assert.match(printed, /CHG-7731/);
  assert.ok(!printed.includes(TOKEN), 'print shows the secret');

  // The audit pack lists who set what, the change included.
  const audit = await downloadText(page, 'Audit pack (Markdown)', 'params');
  assert.match(audit, /\| Ana \| version \| ` 2\.5\.1 ` \|/);
  assert.match(audit, /\| Ana \| version \| ` 2\.5\.2 ` \(changed\) \|/);
  assert.match(audit, /\| Ana \| pid \| ` 4242 ` \| Find the PID of the old worker/);
  assert.match(audit, /\| Ana \| api_token \| ` •••••• ` \(secret, kept on the device that set it\) \|/);
  assert.ok(!audit.includes(TOKEN));

  // After a reload the logged values are back; the secret, kept only in
  // memory, is asked for again.
  await page.reload();
  await page.waitForSelector('.run-header');
  await page.locator('.code-wrap mark.param-value', { hasText: '4242' }).waitFor();
  assert.deepEqual(await marked(page, 'docker pull'), ['2.5.2']);
  assert.deepEqual(await marked(page, 'curl -H'), ['2.5.2']);
  await code(page, 'curl -H').getByRole('button', { name: 'Copy' }).click();
  await ask.waitFor();
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a value the shell reads as more than text is copied only after a yes', async () => {
  const { page, context, errors } = await openRunPage();
  await openGuide(page);
  await page.getByLabel('Your name').fill('Ana');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header');
  const find = step(page, 'Find the PID');
  await find.getByRole('textbox', { name: '<PID>' }).fill('4242; reboot');
  await find.getByRole('button', { name: 'Set <PID>' }).click();
  await page.locator('.code-wrap mark.param-value', { hasText: '4242; reboot' }).waitFor();
  await page.evaluate(() => navigator.clipboard.writeText('nothing yet'));
  const copy = code(page, 'kill -TERM').getByRole('button', { name: 'Copy' });
  await copy.click();
  const check = page.getByRole('dialog', { name: 'Check before copying' });
  await check.waitFor();
  assert.match(await check.textContent(), /pid holds ; a space/);
  assert.equal(await clipboard(page), 'nothing yet');
  await assertNoViolations(page, 'the check before a copy');
  // Cancel copies nothing and gives the focus back to the button.
  await page.keyboard.press('Escape');
  await check.waitFor({ state: 'detached' });
  assert.equal(await clipboard(page), 'nothing yet');
  assert.equal(await copy.evaluate((el) => el === document.activeElement), true);
  await copy.click();
  await check.getByRole('button', { name: 'Copy anyway' }).click();
  await page.waitForSelector('text=Command copied.');
  assert.equal((await clipboard(page)).trim(), 'kill -TERM 4242; reboot');
  // A value with a hidden character is refused, from any field.
  await find.getByRole('textbox', { name: '<PID>' }).fill('42\u200b42');
  await find.getByRole('button', { name: 'Change <PID>' }).click();
  await page.locator('.notice', { hasText: 'Not set:' }).waitFor();
  assert.deepEqual(await marked(page, 'kill -TERM'), ['4242; reboot']);
  // A value read as an option (`kill -TERM -1` signals every process) asks
  // first too.
  await find.getByRole('textbox', { name: '<PID>' }).fill('-1');
  await find.getByRole('button', { name: 'Change <PID>' }).click();
  await page.locator('.code-wrap mark.param-value', { hasText: /^-1$/ }).waitFor();
  await page.evaluate(() => navigator.clipboard.writeText('nothing yet'));
  await copy.click();
  await check.waitFor();
  assert.match(await check.textContent(), /pid starts with - \(read as an option\)/);
  await page.keyboard.press('Escape');
  await check.waitFor({ state: 'detached' });
  assert.equal(await clipboard(page), 'nothing yet');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a secret given at the start fills its commands and is never stored; before a run, a value asked for fills one copy', async () => {
  const { page, context, errors } = await openRunPage();
  await openGuide(page);

  // Before a run: a copy asks, and the value is used, logged nowhere.
  await page.evaluate(() => navigator.clipboard.writeText('nothing yet'));
  await code(page, 'kill -TERM').getByRole('button', { name: 'Copy' }).click();
  const ask = page.getByRole('dialog', { name: 'Values needed before copying' });
  await ask.waitFor();
  assert.equal(await clipboard(page), 'nothing yet');
  await ask.getByLabel('<PID>').fill('77');
  await ask.getByRole('button', { name: 'Set and copy' }).click();
  await page.waitForSelector('text=Command copied.');
  assert.equal((await clipboard(page)).trim(), 'kill -TERM 77');

  // The secret typed on the start form is there once the run starts.
  const fields = page.getByRole('form', { name: 'Start a run' }).locator('.start-params');
  await fields.getByLabel('$API_TOKEN').fill(TOKEN);
  await page.getByLabel('Your name').fill('Ana');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header');
  await page.locator('.code-wrap mark.param-value', { hasText: '••••••' }).first().waitFor();
  await code(page, 'curl -H').getByRole('button', { name: 'Copy' }).click();
  await page.waitForSelector('.copy.copied');
  assert.equal(
    (await clipboard(page)).trim(),
    `curl -H "Authorization: Bearer ${TOKEN}" https://deploy.example/releases/2.4.0`,
  );
  assert.ok(!(await page.content()).includes(TOKEN), 'the page shows the secret');
  const stored = await page.evaluate(() => Object.values(localStorage).join('\n'));
  assert.ok(!stored.includes(TOKEN), 'the secret was stored');
  assert.ok(!stored.includes('"77"'), 'a value given before the run was logged');
  assert.deepEqual(errors, []);
  await context.close();
});

test('on a phone a filled command wraps instead of scrolling sideways', async () => {
  const { page, context, errors } = await openRunPage('/', { viewport: { width: 390, height: 844 } });
  await openGuide(page);
  await page.getByLabel('Your name').fill('Ana');
  await page.locator('.start-params').getByLabel('$VERSION').fill('2.5.1-rc.1+build.20261203.abcdef0123456789');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header');
  const pre = code(page, 'helm upgrade').locator('pre');
  await pre.locator('mark.param-value').waitFor();
  const [scroll, client] = await pre.evaluate((el) => [el.scrollWidth, el.clientWidth]);
  assert.ok(scroll <= client, `the command scrolls: ${scroll} > ${client}`);
  assert.ok(
    await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    'the page scrolls sideways',
  );
  assert.deepEqual(errors, []);
  await context.close();
});
