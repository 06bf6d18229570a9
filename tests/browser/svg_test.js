#!/usr/bin/env node
// svg_test.js - drives bbx's SVG flame graphs in headless Chromium with no
// network: no console or page errors, click zooms a frame to the full
// width (ancestors dimmed, others hidden), reset restores, search
// highlights and shows the matched share, hover puts the frame's count in
// the status line; the same in two graphs inlined in one HTML page; times
// the load of a million-stack graph.  Saves screenshots into OUTDIR.
//
// Usage: node svg_test.js FLAME_SVG_GEN OUTDIR [SVG...]
//   FLAME_SVG_GEN: tests/flame's generator, or - to open only SVG...:
//   more documents to load and zoom (e.g. written by `bbx flame`).
// Exit 0 fine, 1 failed (said why), 77 skipped (no chromium or no
// tests/browser/node_modules: run scripts/install-deps.sh); under CI=true a
// missing one fails instead (tests/testlib/skip.js).
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const { skip } = require('../testlib/skip.js');
const chromiumPath = process.env.BBX_CHROMIUM || '/usr/bin/chromium';
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  skip('playwright-core under tests/browser/node_modules',
       'npm ci --prefix tests/browser, which scripts/install-deps.sh runs');
}
if (!fs.existsSync(chromiumPath)) {
  skip('chromium at ' + chromiumPath, 'Debian package chromium');
}
if (process.argv.length < 4) {
  console.log('usage: node svg_test.js FLAME_SVG_GEN OUTDIR [SVG...]');
  process.exit(2);
}
const gen = process.argv[2];
const outdir = path.resolve(process.argv[3]);
const extra = process.argv.slice(4);
fs.mkdirSync(outdir, { recursive: true });

function fail(msg) { throw new Error(msg); }
function generate(kind, n) {
  const file = path.join(outdir, kind + (n ? '-' + n : '') + '.svg');
  execFileSync(gen, n ? [kind, file, String(n)] : [kind, file], { stdio: ['ignore', 'ignore', 'inherit'] });
  return file;
}

// A page that records console errors, page errors and any request that is
// not to a local file (all of which are aborted: no network).
async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file:')) return route.continue();
    problems.push('network request: ' + u);
    return route.abort();
  });
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  const loadMs = Date.now() - t0;
  return { context, page, problems, loadMs };
}

// Facts about one graph (the svg element with id `id`, or the first).
function facts(page, id) {
  return page.evaluate((id) => {
    const svg = id ? document.getElementById(id) : document.querySelector('svg.bbx-flame');
    const out = { id: svg.id, gw: +svg.getAttribute('data-gw'), frames: [] };
    for (const g of svg.querySelectorAll('g.f')) {
      const r = g.querySelector('rect');
      out.frames.push({ name: g.querySelector('title').textContent.split('\n')[0],
        n: +g.getAttribute('data-n'), w: +r.getAttribute('width'),
        hidden: g.style.display === 'none', dim: g.classList.contains('dim'),
        match: g.classList.contains('m') });
    }
    out.matched = document.getElementById(svg.id + '-matched').textContent;
    out.status = document.getElementById(svg.id + '-status').textContent;
    return out;
  }, id);
}

function frameIndex(f, name, n) {
  const i = f.frames.findIndex((x) => x.name === name && (!n || x.n === n));
  if (i < 0) fail(f.id + ': no frame ' + name + ' ' + (n || ''));
  return i;
}
const near = (a, b) => Math.abs(a - b) < 0.05;

// Zoom, reset, search and hover on the known graph `id` in `page`.
async function exercise(page, id, shot) {
  const frames = page.locator('#' + id + ' g.f');
  let f = await facts(page, id);
  const iSome = frameIndex(f, 'somefunction', 40), iRun = frameIndex(f, 'run');
  const iMain = frameIndex(f, 'main'), iIdle = frameIndex(f, 'idle');
  const before = f.frames[iSome].w;

  await frames.nth(iSome).click();
  f = await facts(page, id);
  if (!near(f.frames[iSome].w, f.gw)) fail(id + ': zoom: width ' + f.frames[iSome].w + ', want ' + f.gw);
  if (!f.frames[iMain].dim || !f.frames[iRun].dim) fail(id + ': zoom: ancestors not dimmed');
  if (!f.frames[iIdle].hidden) fail(id + ': zoom: a frame outside the zoomed one is still shown');
  if (shot) await page.screenshot({ path: path.join(outdir, shot + '-zoomed.png') });

  await page.locator('#' + id + '-reset').click();
  f = await facts(page, id);
  if (!near(f.frames[iSome].w, before) || f.frames[iIdle].hidden || f.frames[iMain].dim)
    fail(id + ': reset did not restore the graph');

  page.once('dialog', (d) => d.accept('somefunction'));
  await page.locator('#' + id + '-search').click();
  f = await facts(page, id);
  const hits = f.frames.filter((x) => x.match).map((x) => x.name);
  if (hits.length !== 2 || hits.some((h) => h !== 'somefunction')) fail(id + ': search matched ' + hits);
  if (!/Matched: 50\.00%/.test(f.matched)) fail(id + ': matched share "' + f.matched + '"');
  if (shot) await page.screenshot({ path: path.join(outdir, shot + '-search.png') });

  await frames.nth(iRun).hover();
  f = await facts(page, id);
  if (!/\b70 threads\b/.test(f.status) || !/run/.test(f.status)) fail(id + ': hover status "' + f.status + '"');
  await page.locator('#' + id + '-search').click(); // "Clear"
  f = await facts(page, id);
  if (f.frames.some((x) => x.match) || f.matched !== '') fail(id + ': search not cleared');
}

// Any graph: loads cleanly, and clicking its widest non-root frame zooms it.
async function smoke(browser, file, label) {
  const { context, page, problems, loadMs } = await openPage(browser, 'file://' + file);
  const f = await facts(page);
  let best = -1;
  f.frames.forEach((x, i) => { if (x.name !== 'all' && x.w < f.gw - 1 && (best < 0 || x.w > f.frames[best].w)) best = i; });
  if (best >= 0) {
    await page.locator('svg.bbx-flame g.f').nth(best).click();
    const z = await facts(page);
    if (!near(z.frames[best].w, f.gw)) fail(label + ': zoom did not fill the width');
  }
  await page.screenshot({ path: path.join(outdir, label + '.png') });
  if (problems.length) fail(label + ': ' + problems.join('; '));
  console.log(label + ': ' + f.frames.length + ' frames, loaded in ' + loadMs + ' ms, zoom ok');
  await context.close();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  }); // a fresh profile in a temporary directory: playwright's own
  try {
    if (gen === '-') {
      for (const [i, file] of extra.entries()) await smoke(browser, path.resolve(file), 'given' + i);
      return;
    }
    // 1. The known graph as a file of its own.
    const known = generate('known');
    let p = await openPage(browser, 'file://' + known);
    const id = (await facts(p.page)).id;
    await exercise(p.page, id, 'known');
    await p.page.keyboard.press('Escape');
    if (p.problems.length) fail('known: ' + p.problems.join('; '));
    await p.context.close();
    console.log('known: zoom, reset, search, hover ok');

    // 2. Two graphs inlined in one HTML page (as bbx report embeds them).
    const diff = generate('diff');
    const html = path.join(outdir, 'inline.html');
    fs.writeFileSync(html, '<!DOCTYPE html><html><head><meta charset="utf-8"><title>two graphs</title></head><body>' +
      '<h1>known</h1>' + fs.readFileSync(known, 'utf8') + '<h1>again</h1>' +
      fs.readFileSync(generate('known'), 'utf8') + '<h1>diff</h1>' + fs.readFileSync(diff, 'utf8') + '</body></html>');
    p = await openPage(browser, 'file://' + html);
    const ids = await p.page.evaluate(() => Array.from(document.querySelectorAll('svg.bbx-flame')).map((s) => s.id));
    if (ids.length !== 3 || new Set(ids).size !== 3) fail('inline: ids ' + ids);
    await exercise(p.page, ids[1], 'inline');
    const first = await facts(p.page, ids[0]);
    if (first.frames.some((x) => x.hidden || x.match)) fail('inline: the other graph changed too');
    if (p.problems.length) fail('inline: ' + p.problems.join('; '));
    await p.context.close();
    console.log('inline: three graphs in one page, independent');

    // 3. Differential, awkward names, very deep, and any given documents.
    await smoke(browser, diff, 'diff');
    await smoke(browser, generate('awkward'), 'awkward');
    await smoke(browser, generate('deep', 2000), 'deep');
    for (const [i, file] of extra.entries()) await smoke(browser, path.resolve(file), 'given' + i);

    // 4. The load time of a million stacks.
    const big = generate('random', 1000000);
    const times = [];
    for (let i = 0; i < 3; i++) {
      p = await openPage(browser, 'file://' + big);
      times.push(p.loadMs);
      if (p.problems.length) fail('random: ' + p.problems.join('; '));
      await p.context.close();
    }
    console.log('1000000 stacks: ' + fs.statSync(big).size + ' bytes, load ' + times.join(', ') + ' ms');
  } finally {
    await browser.close();
  }
}

main().then(() => { console.log('svg_test: all fine'); process.exit(0); },
  (e) => { console.log('FAIL: ' + e.message); process.exit(1); });
