// Prints the size of the app's critical path (wasm + JS glue + CSS) in a
// built dist/ folder: raw, gzip -9 and brotli -11. Exits 1 when a budget
// given as SIZE_BUDGET_BROTLI_KB is exceeded.
//
// `size.mjs --compare APP BASELINE` prints W5 instead: the app's compressed
// critical path against a baseline build (the Leptos hello world), with
// the goals (≤ 3× and ≤ 170 KB).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

// Fetched only when used, so not on the critical path: the relay client
// (when a run is shared) and the wasm modules of the views the first
// screen does not need (scripts/split.mjs), fetched when first opened or
// when the browser is idle.
const LAZY = /^(relay\.js|split_.*\.wasm|chunk_.*\.wasm)$/;
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';

function sizes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function measure(dir, print) {
  const all = readdirSync(dir).filter((f) => /\.(wasm|js|css)$/.test(f)).sort();
  const row = (label, s) => console.log(`${label.padEnd(44)}${kb(s.raw)}${kb(s.gzip)}${kb(s.brotli)}`);
  const total = { raw: 0, gzip: 0, brotli: 0 };
  const lazy = { raw: 0, gzip: 0, brotli: 0 };
  if (print) console.log(`${'file'.padEnd(44)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
  for (const f of all.filter((f) => !LAZY.test(f))) {
    const s = sizes(readFileSync(join(dir, f)));
    for (const k in total) total[k] += s[k];
    if (print) row(f, s);
  }
  if (print) row('critical path total', total);
  for (const f of all.filter((f) => LAZY.test(f))) {
    const s = sizes(readFileSync(join(dir, f)));
    for (const k in lazy) lazy[k] += s[k];
    if (print) row(`${f} (when used)`, s);
  }
  if (print && lazy.raw) row('loaded when used, total', lazy);
  return total;
}

if (process.argv[2] === '--compare') {
  const app = measure(process.argv[3], false);
  const base = measure(process.argv[4], false);
  for (const k of ['raw', 'gzip', 'brotli']) {
    const ratio = app[k] / base[k];
    console.log(`W5 size ${k.padEnd(6)} app ${kb(app[k])}  hello world ${kb(base[k])}  ${ratio.toFixed(2)}x`);
  }
  const br = app.brotli / 1024;
  console.log(`W5 goals: brotli ratio ${(app.brotli / base.brotli).toFixed(2)}x (goal <= 3x), ` +
    `critical path ${br.toFixed(1)} KB brotli (goal <= 170 KB)`);
} else {
  const total = measure(process.argv[2] ?? 'dist', true);
  const budget = Number(process.env.SIZE_BUDGET_BROTLI_KB ?? 0);
  if (budget && total.brotli / 1024 > budget) {
    console.error(`size budget exceeded: ${(total.brotli / 1024).toFixed(1)} KB brotli > ${budget} KB`);
    process.exit(1);
  }
}
