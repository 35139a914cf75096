// Prints the size of the app's critical path (wasm + JS glue + CSS) in a
// built dist/ folder: raw, gzip -9 and brotli -11. Exits 1 when a budget
// given as SIZE_BUDGET_BROTLI_KB is exceeded.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const files = readdirSync(dir).filter((f) => /\.(wasm|js|css)$/.test(f)).sort();
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
let total = { raw: 0, gzip: 0, brotli: 0 };
console.log(`${'file'.padEnd(44)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
for (const f of files) {
  const bytes = readFileSync(join(dir, f));
  const gz = gzipSync(bytes, { level: 9 }).length;
  const br = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
  total.raw += bytes.length; total.gzip += gz; total.brotli += br;
  console.log(`${f.padEnd(44)}${kb(bytes.length)}${kb(gz)}${kb(br)}`);
}
console.log(`${'critical path total'.padEnd(44)}${kb(total.raw)}${kb(total.gzip)}${kb(total.brotli)}`);
const budget = Number(process.env.SIZE_BUDGET_BROTLI_KB ?? 0);
if (budget && total.brotli / 1024 > budget) {
  console.error(`size budget exceeded: ${(total.brotli / 1024).toFixed(1)} KB brotli > ${budget} KB`);
  process.exit(1);
}
