// store_browser_check.mjs - loads the page of `bbx report --db` in headless
// Chromium with the network off, fails on a console error, a page error or
// a request for anything but the page, opens each group's representative
// crash (closed at first) with a click, saves a full-page screenshot, and
// prints what the page shows as one line "FACTS {json}" for
// report_store_browser.py to compare with the store:
//   totals {snapshots, groups, rejected}; rows [{id, count, days, versions}]
//   of the table of top groups; sections [{id, count, days, versions,
//   repClosed, repOpened, functions}] (the functions of the representative's
//   trigger-thread frames, read after the click); ids: every element id.
//   A chart is [[label, count, drawn height]...], one entry per bar.
//
// Usage: node store_browser_check.mjs BROWSER_DIR CHROMIUM PAGE.html SHOT.png
// Exit 0, 1 a browser-side check failed (said on stdout).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [browserDir, chromiumPath, pageFile, shotFile] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(browserDir), 'package.json'));
const { chromium } = require('playwright-core');

const failures = [];
const fail = (msg) => { failures.push(msg); console.log('FAIL: ' + msg); };

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const url = pathToFileURL(path.resolve(pageFile)).href;
  const context = await browser.newContext({ offline: true, viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') fail(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  page.on('request', (r) => { if (r.url() !== url) fail(`requested ${r.url()}`); });
  const resp = await page.goto(url, { waitUntil: 'load' });
  if (!resp || !resp.ok()) fail('the page did not load');

  const facts = await page.evaluate(() => {
    const bars = (svg) => (svg ? [...svg.querySelectorAll('rect.bar')].map(
      (r) => [r.dataset.key, Number(r.dataset.count), r.getBBox().height]) : null);
    const num = (id) => Number(document.getElementById(id)?.dataset.count);
    return {
      totals: { snapshots: num('store-snapshots'), groups: num('store-groups'),
                rejected: num('store-rejected') },
      rows: [...document.querySelectorAll('tr.group-row')].map((tr) => ({
        id: tr.dataset.id,
        count: Number(tr.querySelector('td.count')?.textContent),
        days: bars(tr.querySelector('svg.days')),
        versions: bars(tr.querySelector('svg.versions')),
      })),
      sections: [...document.querySelectorAll('section.group')].map((s) => ({
        id: s.dataset.id,
        count: Number(s.dataset.count),
        days: bars(s.querySelector('.charts svg.days')),
        versions: bars(s.querySelector('.charts svg.versions')),
        repClosed: s.querySelector('details.rep') ? !s.querySelector('details.rep').open : null,
      })),
      ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
    };
  });
  // Each representative crash: closed, opens on a click, shows its frames.
  const reps = page.locator('section.group');
  for (let i = 0; i < facts.sections.length; i++) {
    const sec = facts.sections[i];
    const d = reps.nth(i).locator('details.rep');
    if (await d.count() !== 1) {
      sec.repOpened = false;
      sec.functions = [];
      continue;
    }
    await d.locator('summary').first().click();
    sec.repOpened = await d.evaluate((e) => e.open);
    const fns = d.locator('section[id$="trigger-thread"] td.fn');
    sec.functions = await fns.allTextContents();
    if (sec.functions.length && !(await fns.first().isVisible()))
      fail(`group ${sec.id}: the opened representative crash shows no frames`);
  }
  await page.waitForTimeout(200); // late errors
  await page.screenshot({ path: shotFile, fullPage: true });
  console.log(`screenshot: ${shotFile}`);
  console.log('FACTS ' + JSON.stringify(facts));
  await context.close();
} finally {
  await browser.close();
}
process.exit(failures.length ? 1 : 0);
