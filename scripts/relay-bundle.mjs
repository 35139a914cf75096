// Trunk pre-build hook: bundles share/relay.js and the NATS clients it
// imports into one minified ES module, target/relay/relay.js, which
// index.html copies into the build. The app imports it only when a run is
// shared, so it is not on the critical path.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = await build({
  entryPoints: [join(root, 'share/relay.js')],
  outfile: join(root, 'target/relay/relay.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.log(`relay-bundle.mjs: target/relay/relay.js, ${(bytes / 1024).toFixed(1)} KB`);
