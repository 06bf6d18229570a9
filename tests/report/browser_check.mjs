// browser_check.mjs - loads `bbx report` pages in headless Chromium with the
// network off and checks them: no console error and no page error, no
// request for anything but the page itself, a thread's <details> opens on a
// click on its summary, the flame graph is there.  Saves a full-page
// screenshot of each.
//
// Usage: node browser_check.mjs BROWSER_DIR CHROMIUM PAGE.html=SHOT.png...
//   BROWSER_DIR: tests/browser (its node_modules holds playwright-core).
// Exit 0 all good, 1 a check failed (said on stdout).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [browserDir, chromiumPath, ...pairs] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(browserDir), 'package.json'));
const { chromium } = require('playwright-core');

const failures = [];
const fail = (msg) => { failures.push(msg); console.log('FAIL: ' + msg); };

// launch() gives the browser a fresh temporary profile of its own.
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const pair of pairs) {
    const eq = pair.lastIndexOf('=');
    const file = path.resolve(pair.slice(0, eq)), shot = path.resolve(pair.slice(eq + 1));
    const url = pathToFileURL(file).href;
    const name = path.basename(file);
    const context = await browser.newContext({ offline: true, viewport: { width: 1300, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') fail(`${name}: console error: ${m.text()}`); });
    page.on('pageerror', (e) => fail(`${name}: page error: ${e.message}`));
    page.on('request', (r) => { if (r.url() !== url) fail(`${name}: requested ${r.url()}`); });
    const resp = await page.goto(url, { waitUntil: 'load' });
    if (!resp || !resp.ok()) fail(`${name}: did not load`);
    const threads = await page.locator('details.thread').count();
    if (threads < 1) {
      fail(`${name}: no thread <details>`);
    } else {
      const d = page.locator('details.thread').first();
      const before = await d.evaluate((e) => e.open);
      await d.locator('summary').click();
      const after = await d.evaluate((e) => e.open);
      if (before || !after) fail(`${name}: <details> open ${before} -> ${after} on a click`);
      const rows = await d.locator('table.frames tr').first().isVisible();
      if (!rows) fail(`${name}: the opened thread shows no frames`);
    }
    if (await page.locator('svg.bbx-flame').count() < 1) fail(`${name}: no flame graph`);
    await page.waitForTimeout(200); // late script errors
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot} (${threads} threads on ${name})`);
    await context.close();
  }
} finally {
  await browser.close();
}
process.exit(failures.length ? 1 : 0);
