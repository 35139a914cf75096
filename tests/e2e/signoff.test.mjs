// End-to-end: sign-offs, the managers' review, sharing, tamper evidence,
// and printing a blank runbook and a completed record to PDF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, appReady, env, openRunPage, startRun, status, step, act } from './harness.mjs';

const squash = (s) => s.replace(/\s+/g, ' ').trim();

/** Prints the page to PDF (print media) and returns its text. */
async function printToText(page, name) {
  await page.emulateMedia({ media: 'print' });
  const pdf = join(ARTIFACTS, `${name}.pdf`);
  await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  await page.emulateMedia({ media: 'screen' });
  if (process.env.UPDATE_SCREENSHOTS) {
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdf, join(ROOT, 'docs', name)]);
  }
  return squash(execFileSync('pdftotext', ['-layout', pdf, '-']).toString());
}

async function sign(page, { name, role, meaning, scope }) {
  const form = page.getByRole('form', { name: 'Sign off' });
  // A refused signature leaves the form open with what was typed.
  if ((await form.count()) === 0) await act(page, 'Sign off…');
  await form.getByLabel("Signer's name").fill(name);
  await form.getByLabel('Role').fill(role);
  if (scope) await form.getByLabel('Signs for').selectOption({ label: scope });
  await form.getByRole('radio', { name: meaning }).check();
  await form.getByRole('button', { name: 'Sign' }).click();
  // Signing is asynchronous (WebCrypto): done when the form closed, or
  // its button is back after a refusal.
  await page.waitForFunction(() => {
    const button = document.querySelector('form[aria-label="Sign off"] button[type="submit"]');
    return !button || !button.disabled;
  });
}

async function completeSignedRun(page) {
  await page.getByLabel("Require a second person's").check();
  await startRun(page);
  for (const text of ['Release notes reviewed', 'On-call engineer', 'Database backup', 'Dashboards open', 'Status page message']) {
    await step(page, text).getByRole('checkbox').click();
  }
  await sign(page, { name: 'Ana', role: 'release engineer', meaning: 'performed', scope: 'Pre-Deployment Checklist' });
  // Four eyes: Ana cannot approve her own run, nor complete it unapproved.
  await sign(page, { name: 'Ana', role: 'release engineer', meaning: 'approved' });
  await page.waitForSelector('.notice >> text=Not signed: a second person must approve');
  await page.getByRole('button', { name: 'Finish run…' }).click();
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  await page.waitForSelector('.notice >> text=needs an “approved” sign-off by someone other than its operator');
  await sign(page, { name: 'Cleo', role: 'change manager', meaning: 'approved' });
  await page.clock.runFor(20 * 60_000);
  await page.getByRole('button', { name: 'Finish run', exact: true }).click();
  await page.getByRole('region', { name: 'Run summary' }).waitFor();
}

test('a signed run: sign-offs with time zone, review, timeline, and the record in print', async () => {
  const { page, context, errors } = await openRunPage();
  await completeSignedRun(page);
  const sigs = squash(await page.getByRole('region', { name: 'Sign-offs' }).textContent());
  assert.match(sigs, /performed — Ana \(release engineer\), for “Pre-Deployment Checklist”, 2026-11-25 09:00 \+00:00/);
  assert.match(sigs, /approved — Cleo \(change manager\), for the run, 2026-11-25 09:00 \+00:00/);
  const head = sigs.match(/head ([0-9a-f]{64})/)[1];
  // The review lists it with who signed and the same head.
  await page.getByRole('button', { name: 'Review' }).click();
  const card = page.locator('.review-card').first();
  const text = squash(await card.textContent());
  assert.match(text, /completed · run by Ana · 2026-11-25 09:00 – 2026-11-25 09:20/);
  assert.match(text, /Signed: Ana performed \(release engineer\) 2026-11-25 09:00 \+00:00 — signature valid, key [0-9a-f ]{39} \(first time this device sees this key for this name\); Cleo approved \(change manager\) 2026-11-25 09:00 \+00:00 — signature valid, key /);
  assert.match(text, new RegExp(`Log head ${head}`));
  await page.getByLabel('Outcome').selectOption({ label: 'Rolled back' });
  assert.equal(await page.locator('.review-card').count(), 0);
  await page.getByLabel('Outcome').selectOption({ label: 'Completed' });
  await page.getByRole('button', { name: 'Open timeline' }).click();
  await page.locator('.timeline summary').click();
  const timeline = squash(await page.locator('.timeline').textContent());
  assert.match(timeline, /Ana checked “Release notes reviewed by product owner”/);
  assert.match(timeline, /Cleo signed: approved as change manager/);
  assert.match(timeline, /finished: completed/);
  // The completed record in print: every step with who and when, the
  // signers, the head; no buttons.
  const steps = await page.locator('.step .task-text').allTextContents();
  const pdf = await printToText(page, 'print-record');
  for (const s of steps) assert.ok(pdf.includes(squash(s)), `missing step in print: ${s}`);
  assert.match(pdf, /done 09:00 by Ana/);
  assert.match(pdf, /approved — Cleo \(change manager\)/);
  assert.ok(pdf.includes(head), 'head hash printed');
  assert.match(pdf, /Page 1 of \d+/);
  assert.match(pdf, /Orders API v2\.4 Production Deployment · version 2\.4\.0 · record of a run \(completed\)/);
  assert.doesNotMatch(pdf, /Finish run|Export run|Sign off…/);
  assert.deepEqual(errors, []);
  await context.close();
});

/** Mean brightness (0-255) of a PDF's first page, rendered in grey. */
function brightness(pdf) {
  const pgm = execFileSync('pdftoppm', ['-gray', '-r', '20', '-f', '1', '-l', '1', pdf]);
  // Binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
  const header = pgm.subarray(0, 40).toString('latin1').split(/\s+/);
  const [w, h] = [Number(header[1]), Number(header[2])];
  const pixels = pgm.subarray(pgm.length - w * h);
  return pixels.reduce((a, b) => a + b, 0) / pixels.length;
}

test('the blank runbook prints every step with room for initials, gates to fill in, and the rollback tree', async () => {
  // A dark system theme must still print light.
  const { page, context, errors } = await openRunPage('/', { colorScheme: 'dark' });
  const steps = await page.locator('.step .task-text').allTextContents();
  assert.equal(steps.length, 24, 'every step of the default path has a row');
  const pdf = await printToText(page, 'print-blank');
  assert.ok(brightness(join(ARTIFACTS, 'print-blank.pdf')) > 200, 'printed light');
  for (const s of steps) assert.ok(pdf.includes(squash(s)), `missing step in print: ${s}`);
  assert.ok((pdf.match(/Initials ______ Time ______/g) || []).length >= 24);
  assert.match(pdf, /Criterion.*Observed Verdict Initials/);
  assert.ok((pdf.match(/☐ met ☐ not/g) || []).length >= 4, 'a verdict box per criterion');
  assert.match(pdf, /Error rate < 0\.5% \(was 0\.3%\) < 0\.5%/);
  assert.match(pdf, /Rollback decision/);
  assert.match(pdf, /Is this happening: Error rate > 2% for 5 minutes\? If yes: Roll back now/);
  assert.match(pdf, /blank runbook/);
  assert.doesNotMatch(pdf, /Start run|Print blank runbook|Open URL|Your name/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an exported signed run re-imports on a fresh profile; one changed value shows as tampered', async () => {
  const { page, context } = await openRunPage();
  await completeSignedRun(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    act(page, 'Export run'),
  ]);
  const file = join(ARTIFACTS, 'signed-run.json');
  await download.saveAs(file);
  const head = squash(await page.getByRole('region', { name: 'Sign-offs' }).textContent()).match(/head ([0-9a-f]{64})/)[1];
  await context.close();

  const fresh = await openRunPage();
  const exported = readFileSync(file, 'utf8');
  const edited = join(ARTIFACTS, 'signed-run-edited.json');
  writeFileSync(edited, exported.replace('"role": "change manager"', '"role": "CEO"'));
  await fresh.page.getByRole('button', { name: 'Settings' }).click();
  await fresh.page.locator('.storage-panel summary').click();
  await fresh.page.locator('.storage-panel input[type="file"]').setInputFiles(edited);
  await fresh.page.waitForSelector('.notice-error');
  assert.match(await fresh.page.locator('.notice-error').textContent(), /tampered with: entry \d+ \(\d+:\d\d by Cleo\) does not match its hash/);
  await fresh.page.locator('.storage-panel input[type="file"]').setInputFiles(file);
  await fresh.page.waitForSelector('.run-header');
  const sigs = squash(await fresh.page.getByRole('region', { name: 'Sign-offs' }).textContent());
  assert.ok(sigs.includes(head), 'the same log head after import');
  assert.equal(await status(fresh.page, 'Release notes reviewed'), 'done');
  await fresh.context.close();
});

test('a share link opens the run read-only elsewhere, and can be saved', async () => {
  const { page, context } = await openRunPage();
  await startRun(page);
  await step(page, 'Release notes reviewed').getByRole('checkbox').click();
  await act(page, 'Share link');
  await page.waitForSelector('.notice >> text=A read-only link to this run was copied');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#view=[A-Za-z0-9_-]+$/);
  await context.close();

  const other = await openRunPage();
  await other.page.goto('about:blank');
  await other.page.goto(link);
  await other.page.waitForSelector('.shared-banner');
  assert.equal(await status(other.page, 'Release notes reviewed'), 'done');
  // Read-only: a change is refused, and nothing is stored.
  await step(other.page, 'On-call engineer').getByRole('checkbox').click({ force: true });
  assert.equal(await status(other.page, 'On-call engineer'), 'pending');
  assert.equal(await other.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('preflight.run.')).length), 0);
  await other.page.getByRole('button', { name: 'Save to this browser' }).click();
  await other.page.waitForSelector('.notice >> text=Imported the run');
  await step(other.page, 'On-call engineer').getByRole('checkbox').click();
  assert.equal(await status(other.page, 'On-call engineer'), 'done');
  await other.context.close();
});

/** The hash chain and checksum an export carries, recomputed as anyone
 *  editing a file could (the same canonical JSON the app hashes). */
function rehash(file) {
  const sha = (s) => createHash('sha256').update(s).digest('hex');
  let prev = '0'.repeat(64);
  file.chain = file.run.events.map((e) => (prev = sha(`${prev}\n${JSON.stringify(e)}`)));
  file.checksum = sha(JSON.stringify([file.guide, file.run]));
  return JSON.stringify(file, null, 2);
}

async function importFile(page, path) {
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.locator('.storage-panel summary').click();
  await page.locator('.storage-panel input[type="file"]').setInputFiles(path);
}

test('sign-offs are signed with a key the browser keeps; a re-hashed forgery is refused, naming the sign-off', async () => {
  const { page, context, errors } = await openRunPage();
  await completeSignedRun(page);
  const region = page.getByRole('region', { name: 'Sign-offs' });
  await page.waitForFunction(() => !document.querySelector('.signatures')?.textContent.includes('checking'));
  const sigs = squash(await region.textContent());
  const fp = sigs.match(/key ((?:[0-9a-f]{4} ){7}[0-9a-f]{4})/)[1];
  assert.match(sigs, /performed — Ana .* signature valid key [0-9a-f ]+ — first time this device sees this key for this name/);
  assert.match(sigs, /approved — Cleo .* signature valid key /);
  // The private key is kept as a key object that cannot be exported.
  const kept = await page.evaluate(async () => {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open('preflight');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const pair = await new Promise((ok) => {
      const r = db.transaction('keys').objectStore('keys').get('signing');
      r.onsuccess = () => ok(r.result);
    });
    let exported = true;
    await crypto.subtle.exportKey('pkcs8', pair.privateKey).catch(() => (exported = false));
    return { extractable: pair.privateKey.extractable, exported, alg: pair.privateKey.algorithm.namedCurve };
  });
  assert.deepEqual(kept, { extractable: false, exported: false, alg: 'P-256' });
  // The audit pack carries what an auditor needs to check it offline.
  const [audit] = await Promise.all([page.waitForEvent('download'), act(page, 'Audit pack (HTML)')]);
  const html = readFileSync(await audit.path(), 'utf8');
  assert.match(html, /<h2 id="signatures">Signatures<\/h2>/);
  assert.ok(html.includes(fp), 'the key fingerprint in the audit pack');
  assert.match(html, /preflight verify run\.json/);
  assert.match(html, /{&quot;statement&quot;:&quot;preflight sign-off 1&quot;/);
  // Print says the same.
  const pdf = await printToText(page, 'print-signed');
  assert.match(pdf, /signature valid/);
  const [download] = await Promise.all([page.waitForEvent('download'), act(page, 'Export run')]);
  const file = join(ARTIFACTS, 'signed-run-keys.json');
  await download.saveAs(file);
  assert.deepEqual(errors, []);
  await context.close();

  // Someone edits who checked a step and recomputes every hash: the chain
  // and the checksum match, the signatures do not.
  const original = JSON.parse(readFileSync(file, 'utf8'));
  const forged = structuredClone(original);
  forged.run.events.find((e) => e.type === 'check').by = 'Mallory';
  const forgedPath = join(ARTIFACTS, 'signed-run-forged.json');
  writeFileSync(forgedPath, rehash(forged));
  // And someone swaps a signature's bytes.
  const swapped = structuredClone(original);
  const signoff = swapped.run.events.find((e) => e.type === 'sign_off' && e.by === 'Cleo');
  signoff.proof.sig = signoff.proof.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
  const swappedPath = join(ARTIFACTS, 'signed-run-swapped.json');
  writeFileSync(swappedPath, rehash(swapped));

  const fresh = await openRunPage();
  await importFile(fresh.page, forgedPath);
  await fresh.page.waitForSelector('.notice-error');
  assert.match(
    await fresh.page.locator('.notice-error').textContent(),
    /Not imported: the record is not genuine: Ana's performed sign-off \(entry \d+\): log changed after signing: an entry it signed was changed\. Nothing was changed\./,
  );
  await fresh.page.locator('.notice-error button').first().click().catch(() => {});
  await fresh.page.locator('.storage-panel input[type="file"]').setInputFiles(swappedPath);
  await fresh.page.waitForSelector('.notice-error >> text=Cleo\'s approved sign-off');
  assert.match(
    squash(await fresh.page.locator('.notice-error').last().textContent()),
    /Cleo's approved sign-off \(entry \d+\): signature NOT valid: it does not match this sign-off/,
  );
  assert.equal(await fresh.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('preflight.run.')).length), 0);
  // The genuine file imports; this device had not seen these keys.
  await fresh.page.locator('.storage-panel input[type="file"]').setInputFiles(file);
  await fresh.page.waitForSelector('.run-header');
  await fresh.page.waitForFunction(() => document.querySelector('.signatures')?.textContent.includes('signature valid'));
  assert.match(squash(await fresh.page.getByRole('region', { name: 'Sign-offs' }).textContent()), new RegExp(`key ${fp} — first time this device sees this key for this name`));
  // A log edited in storage (another tab, a hand in the dev tools): the
  // list names the sign-off whose signature no longer matches.
  const edited = await fresh.page.evaluate(() => {
    let n = 0;
    for (const k of Object.keys(localStorage).filter((k) => k.startsWith('preflight.run.'))) {
      const v = localStorage.getItem(k);
      const w = v.replaceAll('"role":"change manager"', '"role":"CEO"');
      if (w !== v) (n += 1), localStorage.setItem(k, w);
    }
    return n;
  });
  assert.ok(edited > 0, 'the sign-off is in storage');
  await fresh.page.reload();
  await fresh.page.waitForSelector('.run-header');
  await fresh.page.waitForFunction(() => document.querySelector('.signatures')?.textContent.includes('NOT valid'));
  assert.match(
    squash(await fresh.page.getByRole('region', { name: 'Sign-offs' }).textContent()),
    /approved — Cleo \(CEO\), for the run, .* signature NOT valid: it does not match this sign-off/,
  );
  await fresh.context.close();

  // A signature removed, hashes recomputed: kept, with a warning that says so.
  const stripped = structuredClone(original);
  delete stripped.run.events.find((e) => e.type === 'sign_off' && e.by === 'Cleo').proof;
  const strippedPath = join(ARTIFACTS, 'signed-run-stripped.json');
  writeFileSync(strippedPath, rehash(stripped));
  const third = await openRunPage();
  await importFile(third.page, strippedPath);
  await third.page.waitForSelector('.notice >> text=Imported, but 1 of its 2 sign-off(s) is not signed');
  await third.page.waitForFunction(() => document.querySelector('.signatures')?.textContent.includes('not signed'));
  assert.match(squash(await third.page.getByRole('region', { name: 'Sign-offs' }).textContent()), /approved — Cleo .* not signed/);
  await third.context.close();
});

test('a damaged key store is repaired: the next sign-off is signed', async () => {
  const { page, context, errors } = await openRunPage();
  await startRun(page);
  // Something that is not a key pair sits where the key is kept.
  await page.evaluate(
    () =>
      new Promise((ok, no) => {
        const r = indexedDB.open('preflight', 1);
        r.onupgradeneeded = () => r.result.createObjectStore('keys');
        r.onsuccess = () => {
          const tx = r.result.transaction('keys', 'readwrite');
          tx.objectStore('keys').put('not a key', 'signing');
          tx.oncomplete = () => (r.result.close(), ok());
          tx.onerror = () => no(tx.error);
        };
        r.onerror = () => no(r.error);
      }),
  );
  await sign(page, { name: 'Ana', role: 'release engineer', meaning: 'performed' });
  await page.waitForFunction(() => document.querySelector('.signatures')?.textContent.includes('signature valid'));
  assert.match(squash(await page.getByRole('region', { name: 'Sign-offs' }).textContent()), /performed — Ana .* signature valid key [0-9a-f ]{39}/);
  assert.deepEqual(errors, []);
  await context.close();
});
