#!/usr/bin/env node
// speedscope_load.js - the real consumer of `bbx flame --format speedscope`:
// speedscope's own app (the npm package's built release, opened from
// file:// with the network off) imports the file through its file input,
// and the test checks that it shows the profile (the page title becomes the
// file's "name", the profile's name is in the toolbar, the flame chart is
// drawn) with no console error, page error or alert.  Saves a screenshot.
//
// Usage: node speedscope_load.js BBX CRASHER OUTDIR
//   BBX, CRASHER: the built bbx command and samples/crasher; the crasher's
//   threads-fds mode gives the snapshot that bbx flame turns into a profile.
// Exit 0 fine, 1 failed (said why), 77 skipped (no chromium or no
// tests/browser/node_modules: run scripts/install-deps.sh); under CI=true a
// missing one fails instead (tests/testlib/skip.js).
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');

const { skip } = require('../testlib/skip.js');
const chromiumPath = process.env.BBX_CHROMIUM || '/usr/bin/chromium';
const app = path.join(__dirname, 'node_modules', 'speedscope', 'dist', 'release', 'index.html');
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
if (!fs.existsSync(app)) {
  skip('the speedscope app at ' + app,
       'npm ci --prefix tests/browser, which scripts/install-deps.sh runs');
}
if (process.argv.length !== 5) {
  console.log('usage: node speedscope_load.js BBX CRASHER OUTDIR');
  process.exit(2);
}
const [bbx, crasher, outArg] = process.argv.slice(2);
const outdir = path.resolve(outArg);
fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(path.join(outdir, 'snaps'), { recursive: true });

function fail(msg) {
  console.log('FAIL: ' + msg);
  process.exit(1);
}

// A crash with 20 threads parked in known functions, then its profile.
const env = Object.assign({}, process.env, {
  BBX_DIR: path.join(outdir, 'snaps'),
  CRASHER_SCRATCH: outdir,
});
spawnSync(crasher, ['threads-fds'], { env, stdio: 'ignore' });
const snaps = fs.readdirSync(path.join(outdir, 'snaps')).filter((f) => f.endsWith('.bbx'));
if (snaps.length !== 1)
  fail('the crasher wrote ' + snaps.length + ' snapshots');
const profile = path.join(outdir, 'profile.speedscope.json');
execFileSync(bbx, ['flame', path.join(outdir, 'snaps', snaps[0]), '--format', 'speedscope',
                   '-o', profile]);
const doc = JSON.parse(fs.readFileSync(profile, 'utf8'));

(async () => {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  try {
    const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
    page.on('pageerror', (e) => problems.push('page error: ' + e));
    page.on('dialog', async (d) => { problems.push('dialog: ' + d.message()); await d.dismiss(); });
    await page.goto('file://' + app);
    const input = await page.waitForSelector('input[type=file]', { state: 'attached', timeout: 30000 });
    await input.setInputFiles(profile);
    await page.waitForFunction((name) => document.title.startsWith(name), doc.name,
                               { timeout: 30000 });
    const text = await page.evaluate(() => document.body.innerText);
    const first = doc.profiles[doc.activeProfileIndex || 0].name;
    if (!text.includes(first))
      problems.push('the toolbar does not name the profile "' + first + '"');
    const canvases = await page.evaluate(() => document.querySelectorAll('canvas').length);
    if (canvases < 1)
      problems.push('no flame chart canvas');
    await page.screenshot({ path: path.join(outdir, 'speedscope.png') });
    console.log('speedscope showed "' + doc.name + '" (' + doc.profiles.length + ' profile(s), ' +
                doc.shared.frames.length + ' frames); screenshot ' +
                path.join(outdir, 'speedscope.png'));
  } catch (e) {
    problems.push(String(e));
  } finally {
    await browser.close();
  }
  if (problems.length)
    fail(problems.join('; '));
  console.log('PASS');
})();
