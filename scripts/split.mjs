// Trunk post-build hook: splits the app's wasm into the module the first
// screen needs and modules loaded when a view is first used (the split
// points in src/ui/lazy.rs, marked with `wasm_split`).
//
// Trunk cannot split a module itself, so this hook takes the linker's
// output (kept with its relocations, see .cargo/config.toml), splits it
// with `wasm-split-cli` (crate wasm_split_cli_support), runs wasm-bindgen
// on the main part under the name Trunk gave the app, optimises every part
// with wasm-opt (release builds) and puts them in Trunk's staging folder
// in place of Trunk's unsplit output. The index's integrity hashes are
// written again for the files that changed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR ?? 'dist';
const profile = process.env.TRUNK_PROFILE ?? 'release';
const targetDir = process.env.CARGO_TARGET_DIR ?? 'target';
const input = join(targetDir, 'wasm32-unknown-unknown', profile, 'preflight-web.wasm');

const glue = readdirSync(staging).find((f) => /^preflight-web-[0-9a-f]+\.js$/.test(f));
if (!glue) throw new Error(`split.mjs: no preflight-web-<hash>.js in ${staging}`);
const name = glue.slice(0, -'.js'.length);

const work = join(targetDir, 'wasm-split', profile);
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'split'), { recursive: true });
mkdirSync(join(work, 'bindgen'), { recursive: true });

const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });

// 1. Split: <name>.wasm (still to go through wasm-bindgen), split_*.wasm,
//    chunk_*.wasm (code shared by several split modules) and
//    __wasm_split.js, which loads them into the running app.
run('wasm-split-cli', [input, join(work, 'split'), '--out-name', name]);
// 2. The bindings, as Trunk makes them, keeping the exports the split
//    modules link against.
run('wasm-bindgen', [
  '--target=web', `--out-dir=${join(work, 'bindgen')}`, `--out-name=${name}`, '--no-typescript',
  '--keep-lld-exports', '--no-demangle', join(work, 'split', `${name}.wasm`),
]);

// The modules carry the build's hash in their names, as the main module
// does: a page loaded before a new version is served never links a module
// of the new build into its own (it fails to fetch one instead, which the
// app says).
const hash = name.slice('preflight-web-'.length);
let loader = readFileSync(join(work, 'split', '__wasm_split.js'), 'utf8');
const parts = [];
for (const f of readdirSync(join(work, 'split'))) {
  if (f === `${name}.wasm` || !f.endsWith('.wasm')) continue;
  const hashed = f.replace(/\.wasm$/, `-${hash}.wasm`);
  if (!loader.includes(`"./${f}"`)) throw new Error(`split.mjs: the loader does not name ${f}`);
  loader = loader.replaceAll(`"./${f}"`, `"./${hashed}"`);
  copyFileSync(join(work, 'split', f), join(staging, hashed));
  parts.push(hashed);
}
// The loader too, named in the glue that imports it.
const loaderName = `__wasm_split-${hash}.js`;
writeFileSync(join(staging, loaderName), loader);
parts.push(loaderName);
const glueText = readFileSync(join(work, 'bindgen', `${name}.js`), 'utf8');
// Only its `import … from`: the module's own imports keep the name the
// wasm was linked with.
const loaderImport = /(\bfrom\s*)(["'])\.\/__wasm_split\.js\2/g;
if (!loaderImport.test(glueText)) throw new Error('split.mjs: the glue does not import ./__wasm_split.js');
writeFileSync(join(staging, `${name}.js`), glueText.replace(loaderImport, `$1"./${loaderName}"`));
copyFileSync(join(work, 'bindgen', `${name}_bg.wasm`), join(staging, `${name}_bg.wasm`));

// 3. Optimise every module the browser fetches.
if (profile === 'release') {
  for (const f of [`${name}_bg.wasm`, ...parts.filter((p) => p.endsWith('.wasm'))]) {
    const file = join(staging, f);
    run('wasm-opt', ['-Oz', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', file, '-o', file]);
  }
}

// 4. The index preloads the glue and the main module with their hashes.
const index = join(staging, 'index.html');
let html = readFileSync(index, 'utf8');
for (const f of [`${name}.js`, `${name}_bg.wasm`]) {
  const digest = createHash('sha384').update(readFileSync(join(staging, f))).digest('base64');
  const re = new RegExp(`(href="[^"]*/${f.replace(/[.]/g, '\\.')}"[^>]*integrity=")[^"]*(")`, 'g');
  if (!re.test(html)) throw new Error(`split.mjs: no integrity attribute for ${f} in index.html`);
  html = html.replace(re, `$1sha384-${digest}$2`);
}
// The glue imports the loader of the split modules: preloaded with it,
// so that it is not fetched only once the glue has been read.
{
  const digest = createHash('sha384').update(readFileSync(join(staging, loaderName))).digest('base64');
  const glueLink = new RegExp(`<link rel="modulepreload" href="([^"]*/)${name}\\.js"[^>]*>`);
  const match = html.match(glueLink);
  if (!match) throw new Error(`split.mjs: no modulepreload of ${name}.js in index.html`);
  html = html.replace(match[0], `${match[0]}<link rel="modulepreload" href="${match[1]}${loaderName}" ` +
    `crossorigin="anonymous" integrity="sha384-${digest}">`);
}
writeFileSync(index, html);
const modules = parts.filter((p) => p.endsWith('.wasm'));
console.log(`split.mjs: ${name}_bg.wasm and ${modules.length} module(s) loaded when used: ${modules.join(', ')}`);

// 5. The Content-Security-Policy, last: it hashes the index's inline scripts.
await import('./csp.mjs');
