// Browser benchmarks W2 (first render), W3 (toggle), W6 (memory) and W7
// (startup under a 4× CPU throttle), each against a baseline measured in
// the same run. Needs the release build in dist/ and the guides written by
// `./scripts/bench` into bench/out/. Prints a table (and, with BENCH_JSON
// set, one JSON object per figure) and writes every figure to
// bench/out/browser.json. Stops at the first error either page reports.
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../tests/e2e/chromium.mjs';
import { startServer } from '../tests/e2e/server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out');
const REPS = Number(process.env.BENCH_REPS ?? 9);
const SIZES = (process.env.BENCH_SIZES ?? '1000,5000').split(',').map(Number);

const css = readdirSync(join(ROOT, 'dist')).find((f) => f.endsWith('.css'));
copyFileSync(join(ROOT, 'dist', css), join(OUT, 'style.css'));

// Cross-origin isolation lets `performance.measureUserAgentSpecificMemory`
// run; the app loads under it unchanged (everything is same-origin).
const server = await startServer({
  dist: join(ROOT, 'dist'),
  fixtures: join(ROOT, 'tests', 'fixtures'),
  more: [
    ['/bench/', OUT],
    ['/vanilla/', join(ROOT, 'bench', 'vanilla')],
  ],
  headers: {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  },
});
const browser = await launchChromium([
  '--enable-blink-features=ForceEagerMeasureMemory',
  '--js-flags=--expose-gc',
]);

const results = [];
function report(row) {
  results.push(row);
  if (process.env.BENCH_JSON) console.log(JSON.stringify(row));
}

// The figures as a table: medians, min–max in brackets, ratio, goal.
function printTable() {
  const f = (s) => `${s.median.toFixed(1)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
  const lines = [];
  for (const r of results) {
    if (r.w === 'W2 render') {
      lines.push([`W2 render, ${r.tasks} tasks`, f(r.app_ms), f(r.vanilla_ms), `${r.ratio}x`,
        r.tasks >= 5000 ? '<= 1.35x' : '<= 1.3x']);
      lines.push([`   to next paint`, f(r.app_paint_ms), f(r.vanilla_paint_ms), `${r.paint_ratio}x`, '']);
      lines.push([`   whole guide in the page`, f(r.app_complete_ms), f(r.vanilla_ms), `${r.complete_ratio}x`, '']);
    } else if (r.w === 'W3 toggle') {
      lines.push([`W3 toggle, work`, f(r.app_work_ms), f(r.vanilla_work_ms), `${r.work_ratio}x`, '']);
      lines.push([`   to next paint`, f(r.app_paint_ms), f(r.vanilla_paint_ms), `${r.paint_ratio}x`, '<= 1.5x, <= 16 ms']);
    } else if (r.w === 'W6 memory') {
      lines.push([`W6 memory, ${r.tasks} tasks`, mb(r.app.bytes), mb(r.vanilla.bytes), `${r.ratio}x`, '<= 3.5x']);
    } else if (r.w === 'W7 startup') {
      lines.push(['W7 first contentful paint', f(r.fcp_ms), '', '', '<= 1800 ms']);
      lines.push(['   app rendered', f(r.app_ready_ms), '', '', '']);
      lines.push(['   start run, to paint', f(r.start_run_to_paint_ms), '', '', '<= 200 ms']);
      lines.push(['   check a step, to paint', f(r.check_to_paint_ms), '', '', '<= 200 ms']);
    }
  }
  const w = [28, 24, 24, 8, 18];
  const row = (c) => c.map((x, i) => String(x).padEnd(w[i])).join(' ');
  console.log(row(['', 'Preflight', 'vanilla JS', 'ratio', 'goal']));
  for (const l of lines) console.log(row(l));
  console.log('W7: CPU throttled 4x; medians of', REPS, 'runs (min–max); raw figures in bench/out/browser.json');
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => +x.toFixed(2);
const stats = (xs) => ({ median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), n: xs.length });

// Set before any page script: when the app (or the baseline) puts its root
// into #app, wait for the next frame and the task after it, which runs
// once that frame is painted, and note the time.
const PAINT_PROBE = `
  window.__painted = null;
  document.addEventListener('DOMContentLoaded', () => {
    const app = document.getElementById('app');
    if (!app) return;
    const mo = new MutationObserver(() => {
      if (!app.querySelector('.step')) return;
      mo.disconnect();
      requestAnimationFrame(() => setTimeout(() => { window.__painted = performance.now(); }));
    });
    mo.observe(app, { childList: true });
  });
`;

// Serialises the app's rendered tree for the baseline to rebuild.
const CAPTURE = `(() => {
  const walk = (n) => n.nodeType === 3 ? n.data
    : n.nodeType !== 1 ? null
    : { t: n.localName, a: [...n.attributes].map((a) => [a.name, a.value]),
        c: [...n.childNodes].map(walk).filter((x) => x !== null) };
  return [...document.getElementById('app').childNodes].map(walk).filter((x) => x !== null);
})()`;

const COUNT = `(() => {
  const app = document.getElementById('app');
  return { elements: app.querySelectorAll('*').length,
           checkboxes: app.querySelectorAll('input[type=checkbox]').length,
           buttons: app.querySelectorAll('button').length,
           steps: app.querySelectorAll('.step').length };
})()`;

const TIMES = `(() => {
  const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
  const parse = at('preflight:parse-end') - at('preflight:parse-start');
  return { mountStart: at('preflight:mount-start'), mountEnd: at('preflight:mount-end'),
           complete: at('preflight:render-complete'),
           parse: Number.isFinite(parse) ? parse : 0, painted: window.__painted };
})()`;

function failOn(what, errors) {
  if (errors.length) throw new Error(`${what} errors: ${errors.join('; ')}`);
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { context, page, errors };
}

// Polls `expression` from here until it is true: polling inside the page
// would evaluate a string, which its Content-Security-Policy forbids.
async function until(page, expression, timeout = 120_000) {
  const end = Date.now() + timeout;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The app renders a long guide's first screenful while it mounts and the
// rest in slices after it ("complete": the whole guide in the page).
async function loadTimes(page, url, { app = false } = {}) {
  await page.goto(url);
  await until(page, 'window.__painted != null');
  if (app) await until(page, `performance.getEntriesByName('preflight:render-complete').length > 0`);
  const t = await page.evaluate(TIMES);
  return {
    render: t.mountEnd - t.mountStart - t.parse,
    paint: t.painted - t.mountStart - t.parse,
    complete: Math.max(t.complete ?? t.mountEnd, t.mountEnd) - t.mountStart - t.parse,
    parse: t.parse,
  };
}

// One click on `el`, timed two ways: until the page's work (handlers,
// reactive updates, style and layout) is done, and until the next frame is
// painted.
const TIME_CLICK = `async (el) => {
  const t0 = performance.now();
  el.click();
  await new Promise((r) => setTimeout(r, 0));
  void document.body.offsetHeight;
  const t1 = performance.now();
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
  return { work: t1 - t0, paint: performance.now() - t0 };
}`;

// A click on the checkbox of step `index` (negative: the first step still
// open), timed by TIME_CLICK, with the row's status after it.
const TOGGLE = `async (index) => {
  const boxes = [...document.querySelectorAll('.step input[type=checkbox]')];
  const box = index < 0
    ? boxes.find((b) => !b.disabled && b.closest('.step').dataset.status === 'pending')
    : boxes[index];
  const t = await (${TIME_CLICK})(box);
  return { ...t, status: box.closest('.step').dataset.status };
}`;

async function toggles(page) {
  // The pointer over the page, at the same place on both pages: a page
  // whose layout changes under the pointer is hit-tested again.
  await page.mouse.move(640, 450);
  const work = [];
  const paint = [];
  const total = await page.evaluate(`document.querySelectorAll('.step input[type=checkbox]').length`);
  for (let i = 0; i < REPS * 2; i++) {
    // Steps in the middle of the list, each checked once.
    const index = Math.floor(total / 2) + i;
    await page.waitForTimeout(50);
    const t = await page.evaluate(`(${TOGGLE})(${index})`);
    if (t.status !== 'done') throw new Error(`toggle ${index} did not check the step (${t.status})`);
    work.push(t.work);
    paint.push(t.paint);
  }
  return { work, paint };
}

async function memory(page) {
  await page.evaluate('gc()');
  const m = await page.evaluate('performance.measureUserAgentSpecificMemory().then((r) => r.bytes)');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (n) => metrics.find((x) => x.name === n)?.value;
  return { bytes: m, jsHeap: get('JSHeapUsedSize'), nodes: get('Nodes') };
}

// Starts a run of the guide with `tasks` tasks; returns its id.
async function startRun(tasks) {
  const { context, page, errors } = await newPage();
  await page.goto(`${server.url}/?guide=/bench/guide-${tasks}.md`);
  await page.waitForSelector('.guide', { timeout: 120_000 });
  // By name: a label lookup walks every element of a 5,000-step page.
  await page.locator('input[name="operator"]').fill('Bench');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('.run-header', { timeout: 120_000 });
  const id = new URL(page.url()).hash.replace(/^#run=/, '');
  return { context, page, errors, id };
}

try {
  for (const tasks of SIZES) {
    const { context, page, errors, id } = await startRun(tasks);
    await page.addInitScript(PAINT_PROBE);
    const runUrl = `${server.url}/#run=${id}`;
    // W2: the run view rendered on a page load, the parse subtracted.
    const app = { render: [], paint: [], complete: [], parse: [] };
    for (let i = 0; i < REPS; i++) {
      await page.goto('about:blank');
      const t = await loadTimes(page, runUrl, { app: true });
      for (const k of Object.keys(app)) app[k].push(t[k]);
    }
    const appCount = await page.evaluate(COUNT);
    if (appCount.steps !== tasks) throw new Error(`the app shows ${appCount.steps} steps, not ${tasks}`);
    writeFileSync(join(OUT, `tree-${tasks}.json`), JSON.stringify(await page.evaluate(CAPTURE)));

    const base = await newPage();
    await base.page.addInitScript(PAINT_PROBE);
    const vanilla = { render: [], paint: [] };
    const vanillaUrl = `${server.url}/vanilla/index.html?tree=/bench/tree-${tasks}.json`;
    for (let i = 0; i < REPS; i++) {
      await base.page.goto('about:blank');
      const t = await loadTimes(base.page, vanillaUrl);
      vanilla.render.push(t.render);
      vanilla.paint.push(t.paint);
    }
    const baseCount = await base.page.evaluate(COUNT);
    for (const k of Object.keys(appCount)) {
      if (appCount[k] !== baseCount[k]) throw new Error(`DOMs differ in ${k}: app ${appCount[k]}, vanilla ${baseCount[k]}`);
    }
    report({ w: 'W2 render', tasks, dom: appCount, parse_ms: stats(app.parse),
      app_ms: stats(app.render), vanilla_ms: stats(vanilla.render),
      ratio: +(median(app.render) / median(vanilla.render)).toFixed(2),
      app_paint_ms: stats(app.paint), vanilla_paint_ms: stats(vanilla.paint),
      paint_ratio: +(median(app.paint) / median(vanilla.paint)).toFixed(2),
      app_complete_ms: stats(app.complete),
      complete_ratio: +(median(app.complete) / median(vanilla.render)).toFixed(2) });

    if (tasks === 5000) {
      // W6: memory with the 5,000-task run on screen, then W3 toggles.
      const appMem = await memory(page);
      const baseMem = await memory(base.page);
      report({ w: 'W6 memory', tasks, app: appMem, vanilla: baseMem,
        ratio: +(appMem.bytes / baseMem.bytes).toFixed(2),
        heap_ratio: +(appMem.jsHeap / baseMem.jsHeap).toFixed(2) });
      const a = await toggles(page);
      const b = await toggles(base.page);
      report({ w: 'W3 toggle', tasks, app_work_ms: stats(a.work), vanilla_work_ms: stats(b.work),
        work_ratio: +(median(a.work) / median(b.work)).toFixed(2),
        app_paint_ms: stats(a.paint), vanilla_paint_ms: stats(b.paint),
        paint_ratio: +(median(a.paint) / median(b.paint)).toFixed(2) });
    }
    failOn('app', errors);
    failOn('baseline', base.errors);
    await base.context.close();
    await context.close();
  }

  // W7: cold loads of the built-in example, CPU throttled 4×.
  const fcp = [];
  const ready = [];
  const input = [];
  const check = [];
  for (let i = 0; i < REPS; i++) {
    const { context, page, errors } = await newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(server.url + '/');
    await page.waitForSelector('.guide');
    const t = await page.evaluate(`({ fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
      ready: performance.getEntriesByName('preflight:mount-end')[0]?.startTime })`);
    fcp.push(t.fcp);
    ready.push(t.ready);
    // First input: start a run of the example (a name typed first); time
    // from the click to the next painted frame.
    // By name: a label lookup walks every element of a 5,000-step page.
  await page.locator('input[name="operator"]').fill('Bench');
    const start = await page.evaluate(`(${TIME_CLICK})(
      [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Start run'))`);
    input.push(start.paint);
    // Then check the first step off: the input a run is made of.
    await page.waitForSelector('.run-header');
    const first = await page.evaluate(`(${TOGGLE})(-1)`);
    if (first.status !== 'done') throw new Error('W7: the first step was not checked');
    check.push(first.paint);
    failOn('app', errors);
    await context.close();
  }
  report({ w: 'W7 startup', throttle: 4, fcp_ms: stats(fcp), app_ready_ms: stats(ready),
    start_run_to_paint_ms: stats(input), check_to_paint_ms: stats(check) });
  printTable();
} finally {
  writeFileSync(join(OUT, 'browser.json'), JSON.stringify(results, null, 2));
  await browser.close();
  await server.close();
}
