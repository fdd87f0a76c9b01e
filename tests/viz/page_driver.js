#!/usr/bin/env node
// Drives the `lexis viz` page in headless Chromium with playwright-core, for tests/viz/test_page.py
// and benchmarks/bench_viz.py. Usage: node page_driver.js CONFIG.json
// CONFIG: {chromium, pages: [{name, file, width?, height?, colorScheme?, vscode?, state?, steps}]}
// (vscode: the page runs with a stub acquireVsCodeApi, starting from `state`)
// STEP: {do: "report"} | {do: "select", key} | {do: "click", selector} | {do: "panel"}
//     | {do: "hover", key} | {do: "playback"} | {do: "screenshot", path} | {do: "type", selector, text}
//     | {do: "press", selector, key} | {do: "nodeStyle", key} | {do: "eval", js} (an expression)
//     | {do: "waitFor", js, timeout?} | {do: "selectOption", selector, value} | {do: "tap", key}
//     | {do: "post", message} (a host message) | {do: "posted"} (what the page posted, its state)
// Every request the page makes is intercepted: only the page's own file and data: URLs are let
// through (and everything is recorded). Prints one JSON object: {pages: [{name, readyMs,
// requests, blocked, errors, results: [...]}]}, or {fatal} when the browser cannot start.
'use strict';

const fs = require('fs');
const { pathToFileURL } = require('url');
const { chromium } = require('playwright-core');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function report(page) {
  return page.evaluate(() => {
    const g = window.lexisGraph;
    const cy = g.cy;
    return {
      mode: g.mode(),
      nodeKeys: g.nodeKeys(),
      rendered: cy.nodes().map((n) => ({ key: n.id(), classes: n.classes(), parent: n.data('parent') || null, label: n.data('label') })),
      edges: cy.edges().map((e) => ({ source: e.data('source'), target: e.data('target'), kind: e.data('kind') })),
      listKeys: [...document.querySelectorAll('#lexis-node-list li[data-key]')].map((li) => li.dataset.key),
      listText: document.getElementById('lexis-node-list').innerText,
      notice: document.getElementById('lexis-notice').hidden ? null : document.getElementById('lexis-notice').textContent,
      legend: [...document.querySelectorAll('#lexis-legend [data-category]')].map((e) => e.dataset.category),
      summary: document.getElementById('lexis-summary').textContent,
      programDiagnostics: document.getElementById('lexis-program-diagnostics').innerText,
      playbackHidden: document.getElementById('lexis-playback').hidden,
    };
  });
}

async function panel(page) {
  return page.evaluate(() => {
    const p = document.getElementById('lexis-node-panel');
    const fields = {};
    for (const dd of p.querySelectorAll('[data-field]')) fields[dd.dataset.field] = dd.innerText;
    return { key: p.dataset.key || null, selected: window.lexisGraph.selectedKey(), fields, text: p.innerText };
  });
}

async function playbackState(page) {
  return page.evaluate(() => {
    const cy = window.lexisGraph.cy;
    return {
      status: document.getElementById('lexis-playback-status').innerText,
      current: cy.nodes('.current').map((n) => n.id()),
      pending: cy.nodes('.pending').length,
      selected: window.lexisGraph.selectedKey(),
      value: (document.querySelector('#lexis-node-panel [data-field="value"]') || {}).innerText || null,
      stepDisabled: document.getElementById('lexis-step').disabled,
    };
  });
}

async function runStep(page, s) {
  switch (s.do) {
    case 'report': return report(page);
    case 'panel': return panel(page);
    case 'playback': return playbackState(page);
    case 'select':
      await page.evaluate((k) => window.lexisGraph.select(k), s.key);
      return panel(page);
    case 'click':
      await page.click(s.selector);
      return null;
    case 'type':
      await page.fill(s.selector, s.text);
      return null;
    case 'press':
      await page.press(s.selector, s.key);
      return null;
    case 'hover': {
      const pos = await page.evaluate((k) => {
        const cy = window.lexisGraph.cy;
        const n = cy.getElementById(k);
        cy.center(n);
        const p = n.renderedPosition();
        const box = document.getElementById('lexis-graph-canvas').getBoundingClientRect();
        return { x: box.left + p.x, y: box.top + p.y };
      }, s.key);
      await page.mouse.move(0, 0);
      await page.mouse.move(pos.x, pos.y, { steps: 4 });
      await page.waitForTimeout(100);
      return page.evaluate(() => {
        const t = document.getElementById('lexis-tooltip');
        return { hidden: t.hidden, text: t.innerText };
      });
    }
    case 'nodeStyle':
      return page.evaluate((k) => {
        const n = window.lexisGraph.cy.getElementById(k);
        return { borderColor: n.style('border-color'), borderWidth: n.style('border-width'), classes: n.classes() };
      }, s.key);
    case 'tap': {
      const pos = await page.evaluate((k) => {
        const cy = window.lexisGraph.cy;
        const n = cy.getElementById(k);
        cy.center(n);
        const p = n.renderedPosition();
        const box = document.getElementById('lexis-graph-canvas').getBoundingClientRect();
        return { x: box.left + p.x, y: box.top + p.y };
      }, s.key);
      await page.mouse.click(pos.x, pos.y);
      await page.waitForTimeout(50);
      return null;
    }
    case 'post':
      // A message from the VS Code host (the stub below delivers them as the webview does).
      await page.evaluate((m) => window.postMessage(m, '*'), s.message);
      await page.waitForTimeout(100);
      return null;
    case 'posted':
      return page.evaluate(() => ({ posted: window.__lexisPosted, state: window.__lexisState }));
    case 'eval':
      return page.evaluate(s.js);
    case 'waitFor': {
      // Polled with page.evaluate: waitForFunction would eval() the text, which the page's CSP
      // (rightly) refuses.
      const end = Date.now() + (s.timeout || 10000);
      while (!(await page.evaluate(s.js))) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${s.js}`);
        await page.waitForTimeout(20);
      }
      return true;
    }
    case 'selectOption':
      await page.selectOption(s.selector, s.value);
      return null;
    case 'screenshot':
      await page.screenshot({ path: s.path });
      return s.path;
    default:
      throw new Error(`unknown step ${s.do}`);
  }
}

async function main() {
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: cfg.chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  } catch (e) {
    process.stdout.write(JSON.stringify({ fatal: `cannot launch ${cfg.chromium}: ${e.message}` }));
    return;
  }
  const out = { pages: [] };
  try {
    for (const p of cfg.pages) {
      const url = pathToFileURL(p.file).href;
      const context = await browser.newContext({
        viewport: { width: p.width || 1280, height: p.height || 800 },
        colorScheme: p.colorScheme || 'light',
      });
      const rec = { name: p.name, requests: [], blocked: [], errors: [], results: [] };
      await context.route('**/*', (route) => {
        const u = route.request().url();
        if (u === url || u.startsWith('data:')) return route.continue();
        rec.blocked.push(u);
        return route.abort();
      });
      const page = await context.newPage();
      if (p.vscode) {
        // A stand-in for the VS Code webview API: records what the page posts and its state.
        await page.addInitScript((saved) => {
          window.__lexisPosted = [];
          window.__lexisState = saved;
          window.acquireVsCodeApi = () => ({
            postMessage: (m) => window.__lexisPosted.push(m),
            getState: () => window.__lexisState,
            setState: (st) => { window.__lexisState = st; },
          });
        }, p.state || null);
      }
      page.on('request', (r) => rec.requests.push(r.url()));
      page.on('pageerror', (e) => rec.errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') rec.errors.push(`console: ${m.text()}`); });
      const t0 = Date.now();
      try {
        await page.goto(url, { waitUntil: 'load' });
        if (!p.vscode) await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: p.timeout || 30000 });
        rec.readyMs = Date.now() - t0;
        // Time to the first frame painted after the layout.
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        rec.paintedMs = Date.now() - t0;
        for (const s of p.steps || []) rec.results.push(await runStep(page, s));
      } catch (e) {
        rec.errors.push(`driver: ${e.message}`);
      }
      out.pages.push(rec);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: String(e && e.stack || e) }));
});
