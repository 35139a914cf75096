// End-to-end: the release build served over HTTP, driven in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ARTIFACTS, ROOT, appReady, countTasks, env, fixture, openPage } from './harness.mjs';

const EXAMPLE = readFileSync(join(ROOT, 'public', 'example-guide.md'), 'utf8');
const SHARED_GUIDES = [
  'phase3-canary-rollout.md',
  'sqlite-dedup-deployment-checklist.md',
  'threading-update-production.md',
];

const boxes = (page) => page.locator('.guide input[type="checkbox"]');

/** Opens `lines` as a pasted guide and waits for `heading` to show. */
async function pasteGuide(page, lines, heading) {
  await page.getByRole('button', { name: 'Paste…' }).click();
  await page.getByLabel('Paste a Markdown guide').fill(lines.join('\n'));
  await page.getByRole('button', { name: 'Open pasted guide' }).click();
  await page.waitForSelector(`text=${heading}`);
}

test('the built-in example opens first, with every task a checkbox as the guide wrote it', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  const expected = countTasks(EXAMPLE);
  assert.ok(expected.total >= 15);
  assert.equal(await boxes(page).count(), expected.total);
  assert.equal(await page.locator('.guide input[type="checkbox"]:checked').count(), expected.checked);
  assert.equal(await page.locator('h1').first().textContent(), 'Orders API v2.4 Production Deployment');
  // Each checkbox is named by its task text (label wraps input and text).
  const first = page.getByRole('checkbox', { name: 'Release notes reviewed by product owner' });
  assert.equal(await first.count(), 1);
  await page.screenshot({ path: join(ARTIFACTS, 'example.png'), fullPage: false });
  assert.deepEqual(errors, []);
  await context.close();
});

for (const name of SHARED_GUIDES) {
  test(`?guide= opens ${name} with one checkbox per task list item`, async () => {
    const { page, context, errors } = await openPage(`/?guide=fixtures/guides/${name}`);
    await appReady(page);
    const expected = countTasks(fixture(`guides/${name}`));
    assert.ok(expected.total > 0);
    assert.equal(await boxes(page).count(), expected.total);
    assert.equal(
      await page.locator('.guide input[type="checkbox"]:checked').count(),
      expected.checked,
    );
    const origin = await page.locator('.guide-status .origin').textContent();
    assert.equal(origin, `${env.server.url}/fixtures/guides/${name}`);
    await page.screenshot({ path: join(ARTIFACTS, `guide-${name}.png`) });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('a guide URL that fails shows a clear message, not a blank page', async () => {
  const { page, context, errors } = await openPage('/?guide=fixtures/guides/missing.md');
  await page.waitForSelector('.notice-error');
  const text = await page.locator('.notice-error').textContent();
  assert.match(text, /Could not open the guide: could not load .*missing\.md: HTTP 404/);
  // The controls to open something else are still there.
  assert.equal(await page.getByRole('button', { name: 'Example' }).count(), 1);
  // The only console error is the browser's own report of the 404.
  assert.ok(errors.every((e) => /404/.test(e)), JSON.stringify(errors));
  await page.getByRole('button', { name: 'Example' }).click();
  await page.waitForSelector('.guide');
  await context.close();
});

test('a non-http guide address is refused with a message', async () => {
  const { page, context } = await openPage('/?guide=javascript:alert(1)');
  await page.waitForSelector('.notice-error');
  assert.match(
    await page.locator('.notice-error').textContent(),
    /guides can only be opened from http or https addresses/,
  );
  await context.close();
});

test('the file picker opens Markdown and rejects non-UTF-8, binary and empty files', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  const input = page.locator('.open-controls input[type="file"]');
  await input.setInputFiles({
    name: 'release.md',
    mimeType: 'text/markdown',
    buffer: Buffer.from('# Release 9\n\n- [ ] one\n- [x] two\n- [ ] three\n'),
  });
  await page.waitForSelector('text=Release 9');
  assert.equal(await boxes(page).count(), 3);
  assert.equal(await page.locator('.guide-status .origin').textContent(), 'release.md');

  for (const [name, buffer, message] of [
    ['latin1.md', Buffer.from([0x23, 0x20, 0x44, 0xe9, 0x70, 0x6c, 0x6f, 0x79, 0x0a]), /not UTF-8 text \(first invalid byte on line 1\)/],
    ['image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]), /binary file/],
    ['empty.md', Buffer.alloc(0), /the guide is empty/],
  ]) {
    await input.setInputFiles({ name, mimeType: 'text/markdown', buffer });
    const notice = page.locator('.notice-error').filter({ hasText: name });
    await notice.waitFor();
    assert.match(await notice.textContent(), message);
    // The guide that was open stays open.
    assert.equal(await boxes(page).count(), 3);
  }
  // A file-opened guide comes back after a reload.
  await page.reload();
  await page.waitForSelector('text=Release 9');
  assert.equal(await boxes(page).count(), 3);
  assert.deepEqual(errors, []);
  await context.close();
});

test('pasted Markdown opens, and raw HTML in it stays inert', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  await pasteGuide(
    page,
    [
      '# Pasted runbook',
      '',
      '<img src=x onerror="window.__pwned=1">',
      '',
      '<script>window.__pwned=2</script>',
      '',
      '- [ ] kill <PID> on the old host',
      '- [ ] read [the docs](javascript:window.__pwned=3)',
      '',
    ],
    'Pasted runbook',
  );
  assert.equal(await boxes(page).count(), 2);
  assert.equal(await page.locator('.guide img, .guide script').count(), 0);
  assert.equal(await page.locator('.guide a').count(), 0);
  assert.equal(await page.getByRole('checkbox', { name: 'kill <PID> on the old host' }).count(), 1);
  await page.getByText('the docs').click({ force: true });
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.match(await page.locator('.diagnostics summary').textContent(), /notes about this guide/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('dropping a Markdown file on the page opens it', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(['# Dropped guide\n\n- [ ] a\n- [ ] b\n'], 'dropped.md', { type: 'text/markdown' }));
    document.querySelector('.app').dispatchEvent(
      new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
    );
  });
  await page.waitForSelector('text=Dropped guide');
  assert.equal(await boxes(page).count(), 2);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the URL form opens a guide by address', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  await page.getByLabel('Guide URL').fill('fixtures/guides/threading-update-production.md');
  await page.getByRole('button', { name: 'Open URL' }).click();
  await page.waitForURL(/\?guide=/);
  await page.waitForSelector('text=Production Deployment Guide');
  assert.equal(
    await boxes(page).count(),
    countTasks(fixture('guides/threading-update-production.md')).total,
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('a panic shows an in-page notice instead of a dead page', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  await page.evaluate(() => {
    try {
      window.wasmBindings.preflight_selftest_panic();
    } catch {
      // the wasm instance traps after the hook has run
    }
  });
  const notice = page.locator('#panic-notice');
  await notice.waitFor();
  assert.match(await notice.textContent(), /internal error/);
  assert.equal(await notice.getAttribute('role'), 'alert');
  assert.ok(errors.some((e) => /self-test panic requested/.test(e)));
  await context.close();
});

test('the page carries a strict Content-Security-Policy', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  const csp = await page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
  // The policy is in force: an inline script injected later does not run.
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
    return window.__inline;
  });
  assert.equal(ran, undefined);
  assert.ok(errors.every((e) => /Content Security Policy/.test(e)), JSON.stringify(errors));
  await context.close();
});

test('the guide model is visible: phases, gates, triggers, alternatives, estimates', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  const rollback = page.locator('section.phase.kind-rollback').first();
  assert.match(await rollback.locator('h2').textContent(), /Rollback Procedure/);
  assert.equal(await page.locator('.badge-trigger').count(), 3);
  assert.equal(await page.locator('li.trigger').count(), 3);
  const gate = page.locator('li.gate', { hasText: 'Error rate < 0.5%' });
  assert.equal(await gate.locator('.badge-gate').textContent(), 'gate: < 0.5%');
  assert.equal(await page.locator('section.phase.alternative').count(), 2);
  assert.match(
    await page.locator('#p-step-2-run-database-migration-10-15-minutes .badge-time').textContent(),
    /10–15 min/,
  );
  assert.match(await page.locator('.guide-status .facts').textContent(), /Estimated 45 min–1 h/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('damaged text is repaired and secrets are masked', async () => {
  const { page, context, errors } = await openPage('/');
  await appReady(page);
  await pasteGuide(
    page,
    [
      '# Deploy ðŸš€',
      '',
      '- [x] Tests pass âœ…',
      '- [ ] Switch traffic â†’ green',
      '',
      '```bash',
      'curl -u admin -d \'{"password": "hunter2-Zebra-77"}\' https://example.test/login',
      '```',
      '',
    ],
    'Deploy 🚀',
  );
  assert.match(await page.locator('.repaired').textContent(), /Windows-1252/);
  assert.equal(await page.getByRole('checkbox', { name: 'Tests pass ✅' }).isChecked(), true);
  const code = await page.locator('pre.code').textContent();
  assert.ok(code.includes('"password": "••••••"'), code);
  assert.ok(!code.includes('hunter2'), code);
  await page.locator('.diagnostics summary').click();
  const notes = await page.locator('.diagnostics').textContent();
  assert.match(notes, /text repaired/);
  assert.match(notes, /line 7 warning: this line seems to contain a credential/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('runbooks in other shapes open from ?guide=', async () => {
  const { page, context, errors } = await openPage('/?guide=fixtures/runbooks/postgres-major-upgrade.md');
  await appReady(page);
  assert.equal(await page.locator('h1').first().textContent(), 'PostgreSQL 15 → 16 Major Upgrade');
  // Front matter is not content.
  assert.equal(await page.getByText('tags: [database, runbook]').count(), 0);
  assert.equal(await page.locator('section.phase.alternative').count(), 2);
  assert.equal(await page.locator('section.phase.optional').count(), 1);
  assert.match(await page.locator('.guide-status .facts').textContent(), /Downtime 5–15 min/);
  assert.equal(await boxes(page).count(), 5);

  await page.goto(`${env.server.url}/?guide=fixtures/runbooks/static-site-runbook.md`);
  await appReady(page);
  const code = await page.locator('pre.code').first().textContent();
  assert.ok(code.includes('CDN_API_TOKEN="••••••"'), code);
  assert.equal(await page.locator('.guide a[href^="javascript"]').count(), 0);
  assert.equal(await page.locator('.guide a[href="https://cdn.example.com/docs/certs"]').count(), 1);
  assert.equal(await page.locator('.guide details').count(), 0);
  assert.match(await page.locator('.diagnostics summary').textContent(), /5 notes about this guide/);
  assert.deepEqual(errors, []);
  await context.close();
});
