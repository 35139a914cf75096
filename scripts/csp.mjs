// Trunk post-build hook: writes a strict Content-Security-Policy into the
// built index.html. Trunk loads the app with an inline module script, so the
// policy allows exactly that script by its SHA-256 hash instead of allowing
// inline scripts in general. Guide text never reaches HTML, and the policy
// makes sure nothing injected could run anyway.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2] ?? 'dist';
const file = join(dir, 'index.html');
let html = readFileSync(file, 'utf8');

const hashes = [];
for (const match of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
  const tag = match[0];
  if (/\bsrc=/.test(tag.slice(0, tag.indexOf('>')))) continue;
  hashes.push(`'sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}'`);
}
if (/<style\b/.test(html)) {
  throw new Error('csp.mjs: inline <style> found; move it to style/ so the policy can stay strict');
}

export const policy = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  // Guides may be opened from any https address (?guide=), and from the
  // machine itself during development.
  // Shared runs talk to a NATS relay over WebSockets, wherever a team runs it.
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:* wss: ws:",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

html = html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
html = html.replace(
  /<meta charset="utf-8"\s*\/?>/,
  (m) => `${m}\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`,
);
if (!html.includes('Content-Security-Policy')) {
  throw new Error('csp.mjs: could not place the policy (no <meta charset="utf-8" />)');
}
writeFileSync(file, html);
console.log(`csp.mjs: policy written with ${hashes.length} inline script hash(es)`);
