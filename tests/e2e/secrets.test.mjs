// End-to-end: secrets written into a guide never leave the browser. The
// page, the copy buttons, the exported run, a share link, the audit pack
// and the printed record all carry the masked text; exporting says so
// first and offers to strip the secrets from this browser's copies too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { ARTIFACTS, act, downloadText, openRunPage, runId, startRun, status, step } from './harness.mjs';

const PASSWORD = 'Tr0ub4dor-and-3';
const KEY_LINES = [
  'MIIEowIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HECdnH',
  'lWu2/a1gB9JW5TBQ+AVpum9Okx7KfqkfBKL9mcHgSVhz9tq+GqmjXJQjBMiXhkrH',
];
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXBsb3kiLCJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLXNpZ25lZA';
const DB_PASSWORD = 'hunter2-pg-99';
const SECRETS = [PASSWORD, ...KEY_LINES, JWT, DB_PASSWORD];

const GUIDE = [
  '# Rotate the API credentials',
  '',
  '## Prepare',
  '',
  `- [ ] Log in to the admin console with password: ${PASSWORD}`,
  '- [ ] Install the deploy key',
  '',
  '```',
  '-----BEGIN RSA PRIVATE KEY-----',
  ...KEY_LINES,
  '-----END RSA PRIVATE KEY-----',
  '```',
  '',
  '## Release',
  '',
  '- [ ] Call the release endpoint',
  '',
  '```bash',
  `export SESSION=${JWT}`,
  `psql postgres://app:${DB_PASSWORD}@db.internal:5432/app -c 'select 1'`,
  '```',
  '',
  '- [ ] Check the dashboard',
  '',
];

/** Fails naming `what` and the secret when `text` holds one. */
function assertClean(what, text) {
  for (const secret of SECRETS) {
    assert.ok(!text.includes(secret), `${what} holds ${secret}`);
  }
  // Parts of the key body too, however the text was cut.
  assert.ok(!text.includes('lWu2/a1gB9JW5TBQ'), `${what} holds the key's body`);
}

const stored = (page) =>
  page.evaluate(() => Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`).join('\n'));

async function openGuide(page) {
  await page.getByRole('button', { name: 'Paste…' }).click();
  await page.getByLabel('Paste a Markdown guide').fill(GUIDE.join('\n'));
  await page.getByRole('button', { name: 'Open pasted guide' }).click();
  await page.waitForSelector('h1:has-text("Rotate the API credentials")');
}

test('secrets in a guide are masked on the page, in every copy that leaves, and can be stripped here', async () => {
  const { page, context, errors } = await openRunPage();
  await openGuide(page);

  // The page, before a run: the text shown and the diagnostics.
  assertClean('the page', await page.content());
  const code = await page.locator('pre.code').allTextContents();
  assert.ok(code.some((c) => c.includes('-----BEGIN RSA PRIVATE KEY-----\n••••••\n••••••\n-----END')), code.join('\n'));
  assert.ok(code.some((c) => c.includes('postgres://app:••••••@db.internal')), code.join('\n'));
  await page.locator('.diagnostics summary').click();
  const notes = await page.locator('.diagnostics').textContent();
  assert.match(notes, /line 5 warning: this line seems to contain a credential \(password\)/);
  assert.match(notes, /line 9 warning: this line seems to contain a credential \(private key\)/);

  await startRun(page);
  await step(page, 'Log in to the admin console').getByRole('checkbox').click();
  assertClean('the run page', await page.content());

  // The copy button copies what is shown.
  await page.locator('.code-wrap', { hasText: 'psql' }).first().getByRole('button', { name: 'Copy' }).click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /postgres:\/\/app:••••••@db/);
  assertClean('the copied command', copied);

  // This browser kept the text as it was opened, until stripped.
  assert.ok((await stored(page)).includes(PASSWORD), 'the guide is kept as opened');

  // Exporting says what is masked first, then saves the masked copy.
  const exported = await downloadText(page, 'Export run', 'secrets');
  const notice = page.locator('.secrets-notice[role=status]');
  await notice.waitFor();
  assert.match(
    await notice.textContent(),
    /This guide holds 4 secrets \(lines 5, 9, 20, 21: password, private key, JWT, password in URL\)\. The copy that leaves this browser has them masked\./,
  );
  assertClean('the exported run', exported);
  const file = JSON.parse(exported);
  assert.match(file.guide.text, /password: ••••••/);

  // The share link carries the same masked export.
  await act(page, 'Share link');
  await page.waitForSelector('.notice >> text=A read-only link to this run was copied');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  const fragment = link.split('#view=')[1];
  const shared = inflateRawSync(Buffer.from(fragment, 'base64url')).toString('utf8');
  assertClean('the share link', shared);
  assert.equal(JSON.parse(shared).guide.text, file.guide.text);

  // The audit pack, both files.
  const md = await downloadText(page, 'Audit pack (Markdown)', 'secrets');
  assertClean('the audit pack (Markdown)', md);
  assert.match(md, /-----BEGIN RSA PRIVATE KEY-----\n••••••\n••••••\n-----END RSA PRIVATE KEY-----/);
  const html = await downloadText(page, 'Audit pack (HTML)', 'secrets');
  assertClean('the audit pack (HTML)', html);

  // The printed record.
  await page.emulateMedia({ media: 'print' });
  const pdf = join(ARTIFACTS, 'secrets-record.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  await page.emulateMedia({ media: 'screen' });
  const printed = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
  assert.match(printed, /Rotate the API credentials/);
  assertClean('the printed record', printed);

  // Strip them from this browser: every copy kept here is the masked text.
  await notice.getByRole('button', { name: 'Strip them from this browser too' }).click();
  await notice.locator('text=Stripped').waitFor();
  assertClean("this browser's storage", await stored(page));
  assert.ok((await stored(page)).includes('password: ••••••'), 'the masked guide is kept');

  // The run still opens with its guide, as it was.
  const id = await runId(page);
  await page.reload();
  await page.waitForSelector('.run-header');
  assert.equal(await runId(page), id);
  assert.equal(await status(page, 'Log in to the admin console'), 'done');
  assertClean('the reopened run', await page.content());
  // A copy exported now names the same version of the guide.
  assert.equal(JSON.parse(await downloadText(page, 'Export run', 'secrets-after')).run.guide_hash, file.run.guide_hash);
  // Nothing left to strip: no notice.
  assert.equal(await page.locator('.secrets-notice').count(), 0);

  // Another run of the guide, opened as it was: said again.
  await page.getByRole('button', { name: 'All runs' }).click();
  await openGuide(page);
  await startRun(page, { name: 'Ben' });
  await act(page, 'Share link');
  await page.locator('.secrets-notice[role=status]').waitFor();

  assert.deepEqual(errors, []);
  await context.close();
});

test('starting live sharing says the guide holds secrets', async () => {
  const { page, context } = await openRunPage();
  await openGuide(page);
  await startRun(page);
  await act(page, 'Share live…');
  const form = page.getByRole('form', { name: 'Share this run live' });
  await form.waitFor();
  // No relay answers here: the notice is said as sharing starts.
  await form.getByLabel('Relay address(es)').fill('ws://127.0.0.1:9');
  await form.getByLabel('Team').fill('ops');
  await form.getByLabel('User').fill('ana');
  await form.getByLabel('Password').fill('not-a-real-one');
  await form.getByRole('button', { name: 'Share' }).click();
  const notice = page.locator('.secrets-notice[role=status]');
  await notice.waitFor();
  assert.match(await notice.textContent(), /This guide holds 4 secrets .* The copy that leaves this browser has them masked\./);
  await context.close();
});

test('a run recorded when the hash was taken over the raw text still opens with its guide', async () => {
  const { page, context, errors } = await openRunPage();
  await openGuide(page);
  await startRun(page);
  await step(page, 'Check the dashboard').getByRole('checkbox').click();
  const id = await runId(page);
  // Make the stored run as one recorded before: its guide's hash is the
  // SHA-256 of the text with its secrets, and the text is kept under it.
  const { key, text, hash } = await page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('preflight.guide.'));
    const hash = JSON.parse(localStorage.getItem(`preflight.run.${location.hash.replace('#run=', '')}`)).guide_hash;
    return { key, text: JSON.parse(localStorage.getItem(key)).text, hash };
  });
  assert.ok(text.includes(PASSWORD), 'kept as opened');
  const raw = createHash('sha256').update(text).digest('hex');
  assert.notEqual(raw, hash);
  await page.evaluate(({ id, key, raw, hash }) => {
    const runKey = `preflight.run.${id}`;
    const run = JSON.parse(localStorage.getItem(runKey));
    run.guide_hash = raw;
    localStorage.setItem(runKey, JSON.stringify(run));
    localStorage.setItem(`preflight.guide.${raw.slice(0, 16)}`, localStorage.getItem(key));
    localStorage.removeItem(key);
    localStorage.setItem('preflight.runs', localStorage.getItem('preflight.runs').replaceAll(hash, raw));
  }, { id, key, raw, hash });

  await page.reload();
  await page.waitForSelector('.run-header');
  assert.equal(await status(page, 'Check the dashboard'), 'done');
  assertClean('the reopened run', await page.content());
  assert.equal(await page.locator('.notice-error, .notice-warning').count(), 0);
  // Its export carries the masked text under the masked text's hash.
  const file = JSON.parse(await downloadText(page, 'Export run', 'secrets-older'));
  assertClean('the export of an older run', file.guide.text);
  assert.equal(file.run.guide_hash, hash);
  assert.deepEqual(errors, []);
  await context.close();
});
