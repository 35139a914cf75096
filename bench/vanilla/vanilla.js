// The baseline Preflight's run view is measured against: plain DOM calls,
// no framework. It builds the same element tree the app rendered (tags,
// attributes, classes, text, checkboxes and buttons, with a listener on
// each control), read from a description captured from the app
// (`?tree=<url>`), and handles a check-off the way the app shows it: the
// row's status, its "done … by …" line and the progress counters.
// It sets the same User Timing marks as the app, around building only.

const params = new URLSearchParams(location.search);
const tree = await (await fetch(params.get('tree'))).json();
const who = 'Bench';

function build(node) {
  if (typeof node === 'string') return document.createTextNode(node);
  const el = document.createElement(node.t);
  for (const [name, value] of node.a) el.setAttribute(name, value);
  for (const child of node.c) el.appendChild(build(child));
  if (node.t === 'input' && el.type === 'checkbox') el.addEventListener('change', onCheck);
  else if (node.t === 'button') el.addEventListener('click', onButton);
  return el;
}

// The app's buttons open forms; the baseline only needs their listeners.
function onButton() {}

function hm(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

// The run's "3 done · 0 skipped · 97 open" → "4 done · 0 skipped · 96 open".
function bumpRun(el, delta) {
  if (!el) return;
  const m = el.textContent.match(/^(\d+) done · (\d+) skipped · (\d+) open$/);
  if (!m) return;
  el.textContent = `${Number(m[1]) + delta} done · ${m[2]} skipped · ${Number(m[3]) - delta} open`;
}

// "3/100" → "4/100" (or back), on the phase.
function bump(el, delta) {
  if (!el) return;
  const m = el.textContent.match(/(\d+)\s*\/\s*(\d+)/);
  if (!m) return;
  const done = Number(m[1]) + delta;
  el.textContent = el.textContent.replace(m[0], `${done}/${m[2]}`);
  el.classList.toggle('complete', done === Number(m[2]));
}

function onCheck(event) {
  const box = event.target;
  const row = box.closest('.step');
  const done = box.checked;
  row.dataset.status = done ? 'done' : 'pending';
  const meta = row.querySelector('.step-meta');
  if (meta) meta.textContent = done ? `done ${hm(Date.now())} by ${who}` : '';
  const phase = row.closest('section');
  bump(phase?.querySelector('.phase-progress'), done ? 1 : -1);
  bumpRun(document.querySelector('.run-progress'), done ? 1 : -1);
  document.querySelector('.step.current')?.classList.remove('current');
  const next = document.querySelector('.step[data-status="pending"]');
  next?.classList.add('current');
}

const app = document.getElementById('app');
performance.mark('preflight:mount-start');
const root = document.createDocumentFragment();
for (const child of tree) root.appendChild(build(child));
app.appendChild(root);
performance.mark('preflight:mount-end');
