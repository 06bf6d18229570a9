// svg_open_time.mjs - how long headless Chromium takes to open an SVG file:
// for each of RUNS fresh pages, the time from navigation start to the load
// event (Navigation Timing) and to the first paint (Paint Timing), and the
// wall time of page.goto() as seen from here.  Prints one JSON object.
//
// usage: node bench/svg_open_time.mjs NODE_MODULES_DIR CHROMIUM SVG [RUNS]
// NODE_MODULES_DIR holds playwright-core (tests/browser/node_modules after
// `npm ci` there).  Chromium runs with a fresh profile (Playwright makes a
// temporary one per launch), no sandbox (root), and no network services.
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [modulesDir, chromiumPath, svgPath, runsArg] = process.argv.slice(2);
if (!modulesDir || !chromiumPath || !svgPath) {
  console.error("usage: svg_open_time.mjs NODE_MODULES_DIR CHROMIUM SVG [RUNS]");
  process.exit(2);
}
const runs = Number(runsArg || 5);
const require = createRequire(join(resolve(modulesDir), "noop.js"));
const { chromium } = require("playwright-core");

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync"],
});
const url = pathToFileURL(resolve(svgPath)).href;
const result = { url, runs: [] };
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const t0 = process.hrtime.bigint();
    await page.goto(url, { waitUntil: "load", timeout: 60000 });
    const gotoMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // The first paint can come after the load event: wait for it (3 s at most).
    const timing = await page.evaluate(() => new Promise((done) => {
      const finish = () => {
        const nav = performance.getEntriesByType("navigation")[0];
        const paint = {};
        for (const e of performance.getEntriesByType("paint")) paint[e.name] = e.startTime;
        done({
          load: nav ? nav.loadEventEnd : null,
          domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
          firstPaint: paint["first-paint"] ?? null,
          firstContentfulPaint: paint["first-contentful-paint"] ?? null,
          elements: document.getElementsByTagName("*").length,
        });
      };
      const deadline = performance.now() + 3000;
      const poll = () => {
        if (performance.getEntriesByType("paint").length || performance.now() > deadline)
          finish();
        else
          requestAnimationFrame(poll);
      };
      poll();
    }));
    result.runs.push({ gotoMs, ...timing });
    await context.close();
  }
  result.version = browser.version();
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
