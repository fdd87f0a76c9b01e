#!/usr/bin/env node
// The browser half of benchmarks/bench_viz.py: opens each `lexis viz` page in headless Chromium
// (playwright-core, /usr/bin/chromium), and measures time to ready (navigation start to the page
// laid out, mark lexis:ready, and to the next frame painted), then,
// on each page, how long selecting a far-away node takes (a new neighbourhood in the big view)
// and the longest main-thread gap seen while the page settles (how "frozen" it felt).
// Usage: node bench_viz_driver.js CONFIG.json  -> one JSON object on stdout.
'use strict';

const fs = require('fs');
const { pathToFileURL } = require('url');
const { chromium } = require('playwright-core');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function main() {
  const browser = await chromium.launch({
    executablePath: cfg.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const results = [];
  try {
    for (const p of cfg.pages) {
      const runs = [];
      for (let r = 0; r < cfg.repeat; r++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
        const page = await context.newPage();
        await page.goto(pathToFileURL(p.file).href, { waitUntil: 'load' });
        await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 120000, polling: 10 });
        // Times from the page's own clock (navigation start = 0): the layout done, and the next
        // frame painted after it (measured as soon as the driver sees the page ready: an upper
        // bound that includes the driver's polling delay).
        // The page's phase marks (first of each): script started, model + node list built,
        // Cytoscape elements prepared, added, laid out (dagre + fit).
        const { laidOut, ready, marks } = await page.evaluate(async () => {
          const at = (name) => {
            const e = performance.getEntriesByName(name)[0];
            return e ? e.startTime : NaN;
          };
          const marks = {};
          for (const n of ['start', 'listed', 'elements', 'positioned', 'added', 'laid-out']) marks[n] = at(`lexis:${n}`);
          await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
          return { laidOut: at('lexis:ready'), ready: performance.now(), marks };
        });
        const info = await page.evaluate(() => ({
          mode: window.lexisGraph.mode(),
          rendered: window.lexisGraph.cy.nodes().length,
          listed: document.querySelectorAll('#lexis-node-list li[data-key]').length,
        }));
        // Select the last node (far from the first): the time until the next frame is painted.
        const select = await page.evaluate(async () => {
          const keys = window.lexisGraph.nodeKeys();
          const s = performance.now();
          window.lexisGraph.select(keys[keys.length - 1]);
          await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
          return performance.now() - s;
        });
        // Responsiveness: the longest gap between timer ticks over 500 ms of zoom and pan.
        const gap = await page.evaluate(async () => {
          const cy = window.lexisGraph.cy;
          let last = performance.now();
          let worst = 0;
          const id = setInterval(() => {
            const now = performance.now();
            worst = Math.max(worst, now - last);
            last = now;
          }, 10);
          for (let i = 0; i < 10; i++) {
            cy.zoom(cy.zoom() * (i % 2 ? 1.2 : 0.85));
            cy.panBy({ x: 15, y: 10 });
            await new Promise((res) => setTimeout(res, 50));
          }
          clearInterval(id);
          return worst;
        });
        runs.push({ ready, laidOut, select, gap, marks, ...info });
        await context.close();
      }
      results.push({ name: p.name, nodes: p.nodes, runs });
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify({ results }));
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: String(e && e.stack || e) }));
  process.exitCode = 1;
});
