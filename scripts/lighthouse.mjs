// Lighthouse (mobile preset, system Chromium) on the release build in
// dist/, served with brotli from 127.0.0.1: the start page, a guide's
// preview and the review. Prints each page's scores and the audits that
// failed. Run by ./scripts/lighthouse, which installs npm lighthouse 12.8.2
// (outside package.json: it is a measurement, not a test) and sets
// LIGHTHOUSE to it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../tests/e2e/server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PAGES = [
  ['start page', '/'],
  ["a guide's preview", '/?guide=fixtures/guides/phase3-canary-rollout.md'],
  ['review', '/#review'],
];
// LH_DIST measures another build (a baseline) the same way.
const server = await startServer({ dist: process.env.LH_DIST ?? join(ROOT, 'dist'), fixtures: join(ROOT, 'tests', 'fixtures'), compress: true });
const out = mkdtempSync(join(tmpdir(), 'preflight-lighthouse-'));
let failed = false;
try {
  for (const [name, path] of PAGES) {
    const file = join(out, `${name.replace(/\W+/g, '-')}.json`);
    // Asynchronously: the server answers from this same process.
    await promisify(execFile)(process.env.LIGHTHOUSE ?? 'lighthouse', [
      server.url + path,
      '--only-categories=accessibility,performance', '--form-factor=mobile',
      '--chrome-flags=--headless=new --no-sandbox', '--output=json', `--output-path=${file}`, '--quiet',
    ], { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' } });
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const score = (c) => Math.round(report.categories[c].score * 100);
    const shown = (id) => report.audits[id].displayValue.replace(/\s+/g, ' ');
    console.log(`${name}: accessibility ${score('accessibility')}, performance ${score('performance')} ` +
      `(FCP ${shown('first-contentful-paint')}, LCP ${shown('largest-contentful-paint')}, ` +
      `TBT ${shown('total-blocking-time')}, TTI ${shown('interactive')})`);
    for (const ref of report.categories.accessibility.auditRefs) {
      const audit = report.audits[ref.id];
      if (audit.score !== null && audit.score < 1 && ref.weight > 0) {
        console.log(`  accessibility audit failed: ${ref.id} — ${audit.title}`);
        failed = true;
      }
    }
  }
} finally {
  await server.close();
}
process.exit(failed ? 1 : 0);
