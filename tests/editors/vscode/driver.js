#!/usr/bin/env node
// Drives real VS Code (code-server) in headless Chromium with playwright-core, for
// tests/editors/test_vscode.py. Usage: node driver.js CONFIG.json
// CONFIG: {url, workspace, artifacts, chromium, mode: "smoke"|"full"|"bundled"|"bundle-unusable"|"restricted", files: {...},
//          expect: {...}, steps?: [names]}  (with `steps`, only those steps run; the others are
//          left out of the report)
// Prints one JSON object on stdout: {ok, steps: [{name, ok, detail, error, screenshot, ms}]}.
// Each step polls for its condition (never a fixed long sleep) and takes a screenshot.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const STEP_TIMEOUT = cfg.stepTimeoutMs || 15000;
const steps = [];
let page;
let shotCounter = 0;

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function poll(what, fn, timeout = STEP_TIMEOUT, interval = 100) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const tail = last instanceof Error ? `: ${last.message}` : (last === undefined ? '' : `: last value ${JSON.stringify(last)}`);
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${tail}`);
    }
    await sleep(interval);
  }
}

async function screenshot(name) {
  shotCounter += 1;
  const file = path.join(cfg.artifacts, `${String(shotCounter).padStart(2, '0')}-${name}.png`);
  try { await page.screenshot({ path: file }); } catch (e) { return null; }
  return file;
}

async function step(name, fn) {
  if (cfg.steps && !cfg.steps.includes(name)) return true;
  const t0 = Date.now();
  const rec = { name, ok: false };
  steps.push(rec);
  try {
    rec.detail = await fn();
    rec.ok = true;
  } catch (e) {
    rec.error = String(e && e.stack || e);
    try { rec.page = (await page.evaluate(() => document.body.innerText)).slice(0, 6000); } catch (_) { /* closed */ }
  }
  rec.screenshot = await screenshot(name + (rec.ok ? '' : '-FAILED'));
  rec.ms = Date.now() - t0;
  return rec.ok;
}

// ---- VS Code helpers --------------------------------------------------------------------

async function quickInputVisible() {
  return page.locator('.quick-input-widget').isVisible();
}

async function closeWidgets() {
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
}

// Runs a command from the palette (F1) by its exact label.
async function runCommand(label) {
  await closeWidgets();
  await page.keyboard.press('F1');
  await poll('the command palette', quickInputVisible, 5000);
  const input = page.locator('.quick-input-widget input');
  await input.fill('>' + label);
  const row = page.locator('.quick-input-widget .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp('^' + label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$') }),
  }).first();
  await poll(`palette entry "${label}"`, () => row.isVisible(), 8000);
  const focused = page.locator('.quick-input-widget .monaco-list-row.focused .label-name').first();
  if ((await focused.count()) && (await focused.innerText()).trim() === label) {
    await page.keyboard.press('Enter');
  } else {
    await row.click();
    await parkMouse();
  }
  await poll('the palette to close', async () => !(await quickInputVisible()), 5000);
}

// Moves the pointer where it shows no hover or tooltip (empty part of the activity bar).
async function parkMouse() {
  await page.mouse.move(22, 520);
}

async function openFile(name) {
  await closeWidgets();
  await page.keyboard.press('Control+P');
  await poll('quick open', quickInputVisible, 5000);
  await page.locator('.quick-input-widget input').fill(name);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
  await poll(`quick-open entry ${name}`, () => row.isVisible(), 8000);
  await page.keyboard.press('Enter');
  await poll(`the editor tab of ${name}`, () =>
    page.locator('.tabs-container .tab.active', { hasText: name }).isVisible(), 8000);
  await poll('the editor text', async () => (await editorText()).length > 0, 8000);
  await focusEditor();
}

// Keyboard focus into the (only) editor group; a click could land on a code lens.
async function focusEditor() {
  await page.keyboard.press('Control+1');
  await poll('the editor to have focus', () => page.evaluate(() => {
    const ed = document.querySelector('.editor-group-container.active .monaco-editor');
    return !!ed && ed.contains(document.activeElement);
  }), 5000);
}

async function statusLanguage() {
  const el = page.locator('[id="status.editor.mode"]');
  if (!(await el.isVisible())) return '';
  return (await el.innerText()).trim();
}

// The active editor's visible text, lines in order (enough for the small fixtures).
async function editorText() {
  return page.evaluate(() => {
    const ed = document.querySelector('.editor-group-container.active .monaco-editor .view-lines')
      || document.querySelector('.monaco-editor .view-lines');
    if (!ed) return '';
    const lines = Array.from(ed.querySelectorAll('.view-line'));
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n');
  });
}

async function squiggles() {
  return page.locator('.editor-group-container.active .squiggly-error').count();
}

async function waitSaved(name) {
  await poll(`the tab of ${name} to be saved (not dirty)`, async () =>
    (await page.locator('.tabs-container .tab.active.dirty').count()) === 0, 8000);
}

// The Problems panel's text, once it no longer lists `gone` (it refreshes after the editor).
async function problemsWithout(gone, timeout = 8000) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) return '';
  return poll(`the Problems panel to drop ${gone}`, async () => {
    const t = await panel.innerText();
    return t.includes(gone) ? false : (t || ' ');
  }, timeout);
}

function readDisk(name) { return fs.readFileSync(path.join(cfg.workspace, name), 'utf8'); }

async function goTo(line, col) {
  await closeWidgets();
  await page.keyboard.press('Control+G');
  await poll('go to line', quickInputVisible, 5000);
  await page.locator('.quick-input-widget input').fill(`:${line}:${col}`);
  await page.keyboard.press('Enter');
  await poll('the go-to-line box to close', async () => !(await quickInputVisible()), 5000);
}

async function save() {
  await page.keyboard.press('Control+S');
}

// ---- debugging helpers ------------------------------------------------------------------

// Sets a breakpoint on `line` by clicking the glyph margin there (as a person would); falls back
// to F9 with the cursor on the line. Returns how, once the breakpoint glyph shows on that line.
async function setBreakpoint(line) {
  const glyphLine = () => page.evaluate(() => {
    const ed = document.querySelector('.editor-group-container.active .monaco-editor');
    const g = ed && ed.querySelector('.codicon-debug-breakpoint, .codicon-debug-breakpoint-unverified');
    if (!g) return null;
    const top = g.getBoundingClientRect().top;
    const nums = Array.from(ed.querySelectorAll('.margin-view-overlays .line-numbers'));
    const hit = nums.find((n) => Math.abs(n.getBoundingClientRect().top - top) < 4);
    return hit ? parseInt(hit.textContent, 10) : -1;
  });
  await goTo(line, 1);
  const number = page.locator('.editor-group-container.active .margin-view-overlays .line-numbers', {
    hasText: new RegExp(`^\\s*${line}\\s*$`),
  }).first();
  const glyph = page.locator('.editor-group-container.active .monaco-editor .margin .glyph-margin').first();
  let via = 'glyph-margin click';
  const nb = await number.boundingBox();
  const gb = await glyph.boundingBox();
  if (nb && gb && gb.width > 0) {
    await page.mouse.move(gb.x + gb.width / 2, nb.y + nb.height / 2, { steps: 2 });
    await page.mouse.click(gb.x + gb.width / 2, nb.y + nb.height / 2);
    await parkMouse();
  }
  let at = await poll(`a breakpoint glyph on line ${line}`, async () => (await glyphLine()) === line, 3000)
    .catch(() => false);
  if (!at) {
    via = 'F9';
    const wrong = await glyphLine();
    if (wrong !== null && wrong > 0 && wrong !== line) {
      // The click landed on another line (the layout moved under the pointer): take it back.
      await focusEditor();
      await goTo(wrong, 1);
      await page.keyboard.press('F9');
      await poll('the misplaced breakpoint to go', async () => (await glyphLine()) === null, 3000).catch(() => {});
    }
    if ((await glyphLine()) === null) {
      await focusEditor();
      await goTo(line, 1);
      await page.keyboard.press('F9');
    }
    at = await poll(`a breakpoint glyph on line ${line}`, async () => {
      const l = await glyphLine();
      return l === line ? l : false;
    }, 5000);
  }
  return { line, via };
}

// What the workbench shows of the debugger: toolbar, stopped line, Call Stack text.
async function debugState() {
  return page.evaluate(() => {
    const visible = (el) => !!el && el.offsetParent !== null && getComputedStyle(el).display !== 'none';
    const toolbar = document.querySelector('.debug-toolbar');
    const ed = document.querySelector('.editor-group-container.active .monaco-editor');
    let stoppedLine = null;
    if (ed) {
      const hl = ed.querySelector('.debug-top-stack-frame-line, .codicon-debug-stackframe');
      if (hl) {
        const top = hl.getBoundingClientRect().top;
        const nums = Array.from(ed.querySelectorAll('.margin-view-overlays .line-numbers'));
        const hit = nums.find((n) => Math.abs(n.getBoundingClientRect().top - top) < 4);
        stoppedLine = hit ? parseInt(hit.textContent, 10) : -1;
      }
    }
    // The Call Stack section, header ("Paused on breakpoint") included.
    const stack = Array.from(document.querySelectorAll('.pane')).find((p) => p.querySelector('.debug-call-stack'));
    return {
      toolbar: visible(toolbar),
      // The Run and Debug view shows its sections (Call Stack, ...) only while a session runs.
      callStackShown: visible(stack),
      stoppedLine,
      callStack: stack ? stack.innerText.slice(0, 600) : '',
    };
  });
}

// The Variables section's rows as shown: "name = value", or a scope's name.
async function variableRows() {
  return page.evaluate(() => Array.from(document.querySelectorAll('.debug-variables .monaco-list-row'))
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .map((r) => r.innerText.replace(/\u00a0/g, ' ').replace(/\s*\n\s*/g, ' ').replace(/\s*=\s*/, ' = ').trim()));
}

// The Debug Console's lines.
async function replLines() {
  return page.evaluate(() => Array.from(document.querySelectorAll('.repl .monaco-list-row'))
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .flatMap((r) => r.innerText.replace(/\u00a0/g, ' ').split('\n'))
    .map((l) => l.trim()).filter(Boolean));
}


// ---- notifications, Problems, status bar ------------------------------------------------

async function toastsText() {
  return page.evaluate(() => {
    const t = document.querySelector('.notifications-toasts');
    return t ? t.innerText.replace(/\u00a0/g, ' ') : '';
  });
}

async function clearNotifications() {
  await runCommand('Notifications: Clear All Notifications').catch(() => {});
  await poll('the notifications to clear', async () => !(await toastsText()).trim(), 5000).catch(() => {});
}

// Clicks the button `label` of the notification whose text includes `text`.
async function clickToastButton(text, label) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  const button = toast.locator('.monaco-button', { hasText: label }).first();
  await poll(`the "${label}" button of the notification "${text}"`, () => button.isVisible(), 8000);
  await button.click();
  await parkMouse();
}

async function dialogShown() {
  return page.evaluate(() => {
    const d = document.querySelector('.monaco-dialog-box');
    return d && d.offsetParent !== null ? d.innerText : null;
  });
}

// The status bar entry's text and every accessible label in it.
async function statusEntry(pattern) {
  return page.evaluate((source) => {
    const re = new RegExp(source);
    const items = Array.from(document.querySelectorAll('.statusbar-item'))
      .filter((e) => re.test(e.innerText.replace(/\u00a0/g, ' ')));
    return items.map((e) => ({
      id: e.id,
      text: e.innerText.replace(/\u00a0/g, ' ').trim(),
      labels: [e, ...e.querySelectorAll('[aria-label]')].map((a) => a.getAttribute('aria-label')).filter(Boolean),
    }));
  }, pattern.source);
}

// The active editor's cursor as the status bar shows it: {line, col, selected}.
async function cursorStatus() {
  const el = page.locator('[id="status.editor.selection"]');
  if (!(await el.isVisible())) return null;
  const t = (await el.innerText()).replace(/\u00a0/g, ' ');
  const m = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(t);
  return m ? { line: +m[1], col: +m[2], selected: m[3] ? +m[3] : 0, text: t } : null;
}

// The suggest widget's rows in order: [{label, text}], once it shows.
async function suggestRows() {
  return page.evaluate(() => {
    const w = Array.from(document.querySelectorAll('.suggest-widget'))
      .find((e) => e.getBoundingClientRect().height > 0 && getComputedStyle(e).display !== 'none');
    if (!w) return null;
    return Array.from(w.querySelectorAll('.monaco-list-row'))
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((r) => ({
        label: (r.querySelector('.label-name') || r).innerText.trim(),
        text: r.innerText.replace(/\u00a0/g, ' ').replace(/\s*\n\s*/g, ' ').trim(),
        focused: r.classList.contains('focused'),
      }));
  });
}

async function triggerSuggest() {
  // Rendered rows (a row is drawn a moment after the widget shows).
  const rendered = async () => {
    const r = await suggestRows();
    return r && r.length && r.every((x) => x.label) ? r : false;
  };
  await page.keyboard.press('Control+Space');
  const rows = await poll('the suggestions', rendered, 4000).catch(() => null);
  if (rows) return rows;
  await runCommand('Trigger Suggest');
  return poll('the suggestions', rendered, 8000);
}

// The frame of the graph page (inside the webview's iframes), once it is laid out.
async function graphFrame() {
  for (const f of page.frames()) {
    try {
      const ok = await f.evaluate(() => !!document.getElementById('lexis-graph-root')
        && document.body.dataset.ready === '1' && !!document.querySelector('[data-key]'));
      if (ok) return f;
    } catch (_) { /* detached or not ready */ }
  }
  return null;
}

// Lexis: Show Graph on F.graph, then a click on X.graphNode in the page's list: the page's frame,
// its node keys, and the editor's cursor once it is on that node's line.
async function showGraphAndClickNode(F, X) {
  await openFile(F.graph);
  await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
  await runCommand('Lexis: Show Graph');
  const tab = page.locator('.tabs-container .tab', { hasText: `Graph: ${F.graph}` }).first();
  await poll('the graph tab', () => tab.isVisible(), 10000);
  const frame = await poll('the graph page, laid out', graphFrame, 20000);
  const keys = await frame.evaluate(() => Array.from(document.querySelectorAll('[data-key]')).map((e) => e.dataset.key));
  // A click on a node of the page's list reveals that node's id in the editor.
  const item = frame.locator(`[data-key="${X.graphNode}"]`).first();
  await item.scrollIntoViewIfNeeded().catch(() => {});
  await item.click();
  await parkMouse();
  const cursor = await poll(`the editor's cursor on line ${X.graphLine}`, async () => {
    const c = await cursorStatus();
    return c && c.line === X.graphLine ? c : false;
  }, 10000).catch(async (e) => {
    throw new Error(`${e.message}\n--- status: ${JSON.stringify(await cursorStatus())}`);
  });
  const activeTab = (await page.locator('.editor-group-container.active .tabs-container .tab.active').innerText()).trim();
  const graphStillShown = await tab.isVisible();
  return { frame, keys, cursor, activeTab, graphStillShown };
}

// openFile for a file created during the scenario: VS Code's file search may list it a moment
// after it appears.
async function openNewFile(name) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openFile(name);
    } catch (e) {
      if (attempt === 3) throw e;
      await closeWidgets();
      await sleep(1000);
    }
  }
}

function copyLater(name) {
  const to = path.join(cfg.workspace, name);
  if (!fs.existsSync(to)) fs.copyFileSync(path.join(cfg.later, name), to);
}

// What the workbench shows of Restricted Mode: the banner's and the status bar entry's text.
async function restrictedModeShown() {
  return page.evaluate(() => {
    const shown = (el) => !!el && el.offsetParent !== null && el.getBoundingClientRect().height > 0;
    const banner = document.querySelector('.monaco-workbench .part.banner');
    const status = Array.from(document.querySelectorAll('.statusbar-item'))
      .find((e) => /Restricted Mode/i.test(e.innerText));
    return {
      banner: shown(banner) ? banner.innerText.replace(/\u00a0/g, ' ').trim() : '',
      status: status ? status.innerText.replace(/\u00a0/g, ' ').trim() : '',
    };
  });
}

// The Output panel showing `channel`: its text (after the channel is picked in the panel's list).
async function outputChannelText(channel) {
  await runCommand('Output: Focus on Output View');
  const select = page.locator('.part.panel select.monaco-select-box').first();
  await poll('the Output panel\'s channel list', () => select.isVisible(), 5000);
  const names = await select.evaluate((e) => Array.from(e.options).map((o) => o.text));
  if (!names.includes(channel)) return { names, selected: null, text: null };
  await select.selectOption({ label: channel });
  const selected = await poll(`the Output panel to show "${channel}"`, async () => {
    const t = await select.evaluate((e) => e.options[e.selectedIndex].text);
    return t === channel ? t : false;
  }, 5000);
  const text = await page.evaluate(() => Array.from(document.querySelectorAll('.part.panel .view-lines'))
    .map((e) => e.innerText.replace(/\u00a0/g, ' ')).join('\n').trim());
  return { names, selected, text };
}

// The squiggles, then the Problems panel listing the fixture's code: what a user sees of the
// server's diagnostics.
async function diagnosticsShown(X) {
  const n = await poll('error squiggles', async () => (await squiggles()) || false, 20000);
  await closeWidgets();
  await page.keyboard.press('Control+Shift+M');
  const panel = page.locator('.markers-panel');
  await poll('the Problems panel', () => panel.isVisible(), 5000);
  const text = await poll(`Problems to list ${X.diagCode}`, async () => {
    const t = await panel.innerText();
    return t.includes(X.diagCode) ? t : false;
  }, 10000);
  return { squiggles: n, problems: text.slice(0, 1000) };
}

async function restrictedScenario(F, X) {
  const REFUSED = 'disabled in Restricted Mode';

  await step('restricted-mode', async () => {
    return poll('the Restricted Mode banner or status bar entry', async () => {
      const r = await restrictedModeShown();
      return r.banner && r.status ? r : false;
    }, 10000).catch(async (e) => {
      throw new Error(`${e.message}\n--- shown: ${JSON.stringify(await restrictedModeShown())}`);
    });
  });

  // The server started (with the user-level interpreter): squiggles and the problem's code.
  await step('restricted-diagnostics', async () => {
    const shown = await diagnosticsShown(X);
    // No "could not start" notification (the workspace's bogus interpreter was not tried).
    const toasts = await toastsText();
    return { ...shown, toasts };
  });

  // Lexis: Show Graph: the page with every node; a click on a node selects its id.
  await step('restricted-graph', async () => {
    const { frame, keys, cursor, activeTab, graphStillShown } = await showGraphAndClickNode(F, X);
    const marked = await poll('the page to mark the node under the cursor', () => frame.evaluate((key) => {
      const g = window.lexisGraph;
      const n = g && g.cy && g.cy.getElementById(key);
      return !!(n && n.length && n.hasClass('cursor'));
    }, X.graphNode), 5000).catch(() => false);
    return { keys, cursor, activeTab, graphStillShown, marked };
  });

  // Lexis: Run Program (palette and ▶ Run code lens) and Lexis: Debug Program are refused with
  // the Restricted Mode message; nothing runs.
  await step('restricted-run-refused', async () => {
    await focusEditor();
    await clearNotifications();
    await runCommand(X.runCommand);
    const refusal = await poll('the Restricted Mode refusal of the run', async () => {
      const t = await toastsText();
      return t.includes(REFUSED) ? t : false;
    }, 10000);
    await screenshot('restricted-run-refused');
    // The graph page got no run values: the node's panel shows no value.
    const frame = await poll('the graph page', graphFrame, 10000);
    const item = frame.locator(`[data-key="${X.graphNode}"]`).first();
    await item.click();
    await parkMouse();
    const nodePanel = await poll(`the page's panel of ${X.graphNode}`, () => frame.evaluate((key) => {
      const el = document.getElementById('lexis-node-panel');
      if (!el || !el.innerText.includes(key)) return false;
      const v = el.querySelector('.lx-value');
      return { text: el.innerText.slice(0, 1000), value: v ? v.innerText.trim() : null };
    }, X.graphNode), 5000);
    // The click focused the webview; the extension gives the focus back to the editor.
    await poll('the editor to have the focus again', () => page.evaluate(() => {
      const ed = document.querySelector('.editor-group-container.active .monaco-editor');
      return !!ed && ed.contains(document.activeElement);
    }), 5000);

    // The ▶ Run code lens of a program that writes a file when it runs.
    await openFile(F.writes);
    await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
    const lens = page.locator('.editor-group-container.active .codelens-decoration a', { hasText: /Run/ }).first();
    await poll('the "▶ Run" code lens', () => lens.isVisible(), 15000);
    await clearNotifications();
    await lens.click();
    await parkMouse();
    const lensRefusal = await poll('the Restricted Mode refusal of the code lens run', async () => {
      const t = await toastsText();
      return t.includes(REFUSED) ? t : false;
    }, 10000);

    await clearNotifications();
    await runCommand('Lexis: Debug Program');
    const debugRefusal = await poll('the Restricted Mode refusal of the debug session', async () => {
      const t = await toastsText();
      return t.includes(REFUSED) ? t : false;
    }, 10000);
    const debug = await debugState();
    const output = await outputChannelText('Lexis Run');
    return {
      refusal,
      nodePanel,
      lensRefusal,
      debugRefusal,
      debugToolbar: debug.toolbar,
      output,
      wroteFile: fs.existsSync(path.join(cfg.workspace, X.writesFile)),
    };
  });

  // Trusting the folder from the refusal's "Manage Workspace Trust" button: Restricted Mode is
  // gone, and the workspace's lexis.server.* settings now count (the bogus server there: the
  // extension restarts the server with it, which cannot start).
  await step('restricted-trust-granted', async () => {
    await clearNotifications();
    await runCommand(X.runCommand);
    await clickToastButton(REFUSED, 'Manage Workspace Trust');
    const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
    await poll('the "Trust" button of the workspace trust editor', () => trust.isVisible(), 10000);
    await trust.click();
    await parkMouse();
    const gone = await poll('Restricted Mode to end', async () => {
      const r = await restrictedModeShown();
      return !r.banner && !r.status ? r : false;
    }, 10000);
    const toast = await poll('the notification that the server could not start', async () => {
      const t = await toastsText();
      return t.includes('could not start') ? t : false;
    }, 30000);
    return { gone, toast };
  });
}

// ---- the scenario -----------------------------------------------------------------------

async function main() {
  fs.mkdirSync(cfg.artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: cfg.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  const X = cfg.expect || {};
  const F = cfg.files || {};

  try {
    const workbenchOk = await step('workbench', async () => {
      await page.goto(`${cfg.url}/?folder=${encodeURIComponent(cfg.workspace)}`, { waitUntil: 'domcontentloaded' });
      await poll('the workbench', () => page.locator('.monaco-workbench').isVisible(), 30000);
      await poll('the Explorer to list the fixtures', () =>
        page.locator('.explorer-folders-view .monaco-list-row', { hasText: F.diag }).isVisible(), 20000);
      return 'workbench loaded';
    });
    if (!workbenchOk) return;

    // 1. Language mode + squiggles + Problems panel.
    await step('language-mode', async () => {
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: F.diag }).click();
      await parkMouse();
      await poll(`the tab of ${F.diag}`, () =>
        page.locator('.tabs-container .tab.active', { hasText: F.diag }).isVisible(), 8000);
      const lang = await poll(`status bar language "${X.language}"`, async () => {
        const l = await statusLanguage();
        return l === X.language ? l : false;
      }, 20000);
      return { language: lang };
    });
    if (cfg.mode === 'smoke') return;
    // A VSIX whose bundled libraries fit no Python here: the server does not start, and the
    // notification says why (which Python versions the VSIX carries, which setting to set).
    if (cfg.mode === 'bundle-unusable') {
      await step('server-start-refused', async () => {
        const toast = await poll('the notification that the server could not start', async () => {
          const t = await toastsText();
          return t.includes('could not start') ? t : false;
        }, 30000);
        return { toast };
      });
      return;
    }

    // Restricted Mode: a folder that is not trusted, the server's interpreter given in the user
    // settings only (the workspace's own, bogus, lexis.server.* must be ignored). What works:
    // diagnostics, the graph view and its clicks; what does not: running or debugging.
    if (cfg.mode === 'restricted') {
      await restrictedScenario(F, X);
      return;
    }

    await step('diagnostics', () => diagnosticsShown(X));

    await step('quick-fix', async () => {
      await focusEditor();
      await goTo(X.fixLine, X.fixCol);
      await page.keyboard.press('Control+.');
      const menu = page.locator('.action-widget');
      await poll('the quick-fix menu', () => menu.isVisible(), 8000);
      const item = menu.locator('.monaco-list-row', { hasText: X.fixTitle }).first();
      await poll(`the fix "${X.fixTitle}"`, () => item.isVisible(), 8000);
      const menuText = await menu.innerText();
      // Pick it with the keyboard (the menu blocks pointer events while it settles).
      for (let i = 0; i < 20; i++) {
        const f = menu.locator('.monaco-list-row.focused').first();
        if ((await f.count()) && (await f.innerText()).includes(X.fixTitle)) break;
        await page.keyboard.press('ArrowDown');
      }
      await screenshot('quick-fix-menu');
      await page.keyboard.press('Enter');
      const text = await poll('the fix to change the editor text', async () => {
        const t = await editorText();
        return t.includes(X.fixExpectText) ? t : false;
      }, 8000);
      await poll('the squiggles to go', async () => (await squiggles()) === 0, 10000);
      await save();
      const disk = await poll('the saved file', () => {
        const d = readDisk(F.diag);
        return d.includes(X.fixExpectText) ? d : false;
      }, 8000);
      await waitSaved(F.diag);
      const problems = await problemsWithout(`[Ln ${X.fixLine}, Col`);
      return { menu: menuText, editor: text, disk, problems };
    });

    // 2. Format Document on a squashed file.
    await step('format-document', async () => {
      await openFile(F.squashed);
      await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
      await runCommand('Format Document');
      await poll('the formatted text', async () => {
        const t = await editorText();
        return t.split('\n').length > 3 ? t : false;
      }, 10000);
      await save();
      await waitSaved(F.squashed);
      const disk = await poll('the formatted file on disk to equal `lexis fmt`', () => {
        const d = readDisk(F.squashed);
        return d === X.formatted ? d : false;
      }, 10000);
      return { disk };
    });

    // 3. Fix-all on save.
    await step('fix-all-on-save', async () => {
      await openFile(F.fixOnSave);
      await poll('error squiggles', async () => (await squiggles()) || false, 20000);
      // Make the file dirty without changing its text, then save: codeActionsOnSave runs.
      await page.keyboard.press('Control+End');
      await page.keyboard.type('x');
      await page.keyboard.press('Backspace');
      await save();
      let lastDisk = '';
      const disk = await poll('the saved file to equal `lexis fix`', () => {
        lastDisk = readDisk(F.fixOnSave);
        return lastDisk === X.fixed ? lastDisk : false;
      }, 10000).catch((e) => { throw new Error(`${e.message}\n--- disk:\n${lastDisk}`); });
      await poll('the squiggles to go', async () => (await squiggles()) === 0, 10000);
      await waitSaved(F.fixOnSave);
      await problemsWithout(F.fixOnSave);
      return { disk };
    });

    // 3b. Repair on save: a program as a model writes it (prose, a Markdown fence, comments,
    // single quotes, a Python literal, a trailing comma). Its LX0001 problems show (one per
    // mistake), then a save with fix-all on save leaves exactly what `lexis fix` writes.
    if (F.repair) {
      await step('repair-on-save', async () => {
        await openFile(F.repair);
        await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
        const shownBefore = await poll('error squiggles', async () => (await squiggles()) || false, 20000);
        const panel = page.locator('.markers-panel');
        if (!(await panel.isVisible())) {
          await closeWidgets();
          await page.keyboard.press('Control+Shift+M');
          await poll('the Problems panel', () => panel.isVisible(), 5000);
        }
        // The file's row in the Problems tree, its count badge and its problem rows.
        const readProblems = () => page.evaluate((file) => {
          const rows = Array.from(document.querySelectorAll('.markers-panel .monaco-list-row'))
            .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
          let inFile = false;
          let badge = null;
          const markers = [];
          for (const r of rows) {
            const level = r.getAttribute('aria-level');
            if (level === '1') {
              inFile = r.innerText.includes(file);
              if (inFile) {
                const b = r.querySelector('.monaco-count-badge');
                badge = b ? parseInt(b.textContent, 10) : null;
              }
            } else if (inFile) {
              markers.push(r.innerText.replace(/\u00a0/g, ' ').replace(/\s*\n\s*/g, ' ').trim());
            }
          }
          return { badge, markers };
        }, F.repair);
        const before = await poll(`Problems to list ${X.repairCount} problems of ${F.repair}`, async () => {
          const p = await readProblems();
          return p.badge === X.repairCount ? p : false;
        }, 15000).catch(async (e) => {
          throw new Error(`${e.message}\n--- Problems: ${JSON.stringify(await readProblems().catch(() => null))}`);
        });
        await focusEditor();
        const editorBefore = await editorText();
        await screenshot('repair-before-save');
        // Make the file dirty without changing its text, then save: codeActionsOnSave runs.
        await page.keyboard.press('Control+End');
        await page.keyboard.type('x');
        await page.keyboard.press('Backspace');
        await save();
        let lastDisk = '';
        const disk = await poll('the saved file to equal `lexis fix`', () => {
          lastDisk = readDisk(F.repair);
          return lastDisk === X.repaired ? lastDisk : false;
        }, 10000).catch((e) => { throw new Error(`${e.message}\n--- disk:\n${lastDisk}`); });
        await waitSaved(F.repair);
        await poll('the squiggles to go', async () => (await squiggles()) === 0, 10000);
        const after = await poll(`Problems to drop ${F.repair}`, async () => {
          const p = await readProblems();
          return p.badge === null && p.markers.length === 0 ? p : false;
        }, 10000);
        const editorAfter = await editorText();
        // The code lens over line 1 shows the repaired program's hash (not "has errors").
        const lensText = () => page.locator('.editor-group-container.active .codelens-decoration').first()
          .innerText().catch(() => '');
        let lastLens = '';
        const lens = await poll('the code lens to show the program hash', async () => {
          lastLens = await lensText();
          return /Program hash: [0-9a-f]{8}/.test(lastLens) ? lastLens : false;
        }, 10000).catch((e) => { throw new Error(`${e.message}\n--- code lens: ${lastLens}`); });
        return {
          lens,
          squigglesBefore: shownBefore,
          problemsBefore: before,
          editorBefore,
          disk,
          editorAfter,
          problemsAfter: after,
        };
      });
    }

    // 4. Hover over a node id shows its hash.
    await step('hover-hash', async () => {
      await openFile(F.run);
      await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
      await goTo(X.hoverLine, X.hoverCol);
      const hover = page.locator('.monaco-hover:not(.hidden)').first();
      const hashShown = async () => {
        if (!(await hover.isVisible())) return false;
        const t = await hover.innerText();
        return /\b[0-9a-f]{64}\b/.test(t) ? t : false;
      };
      // The mouse goes where the cursor is (inside the id), as a person would point at it.
      const caret = await page.locator('.editor-group-container.active .monaco-editor .cursors-layer .cursor').first().boundingBox();
      let via = 'mouse';
      let text = false;
      if (caret) {
        await page.mouse.move(caret.x + 4, caret.y + caret.height / 2, { steps: 3 });
        text = await poll('a 64-hex hash in the mouse hover', hashShown, 4000).catch(() => false);
        // The layout can move under the pointer (a code lens arriving): then the hover is
        // another node's, and the keyboard shows the one at the cursor.
        if (text && X.hoverHash && !text.includes(X.hoverHash)) {
          text = false;
          await parkMouse();
          await closeWidgets();
          await focusEditor();
          await goTo(X.hoverLine, X.hoverCol);
        }
      }
      if (!text) {
        via = 'keyboard';
        await runCommand('Show or Focus Hover');
        text = await poll('a 64-hex hash in the hover', hashShown, 10000);
      }
      const hashes = text.match(/\b[0-9a-f]{64}\b/g);
      if (X.hoverHash && !hashes.includes(X.hoverHash)) {
        throw new Error(`hover shows ${hashes.join(', ')}, expected ${X.hoverHash}:\n${text}`);
      }
      return { hover: text.slice(0, 1500), via };
    });

    // 5. Lexis: Run Program shows the output.
    await step('run-program', async () => {
      await parkMouse();
      await closeWidgets();
      // The full scenario has it open from the hover step.
      if (!(await page.locator('.tabs-container .tab.active', { hasText: F.run }).isVisible())) {
        await openFile(F.run);
        await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
      }
      await runCommand(X.runCommand);
      const read = () => page.evaluate(() => {
        const text = (sel) => Array.from(document.querySelectorAll(sel)).map((e) => e.innerText.replace(/\u00a0/g, ' ')).join('\n');
        const channel = document.querySelector('.part.panel select.monaco-select-box');
        return {
          panel: text('.part.panel .view-lines'),
          channel: channel ? channel.options[channel.selectedIndex].text : null,
          toasts: text('.notifications-toasts'),
        };
      });
      const shown = await poll(`"${X.runOutput}" in the Output panel or a notification`, async () => {
        const r = await read();
        return (r.panel + r.toasts).includes(X.runOutput) ? r : false;
      }, 15000);
      // Let the progress toast ("running ...") close so that the screenshot shows the end state.
      const toastGone = await poll('the progress notification to close', async () => {
        const r = await read();
        return !/running/i.test(r.toasts);
      }, 5000).then(() => true, () => false);
      // The channel's text can render a moment after the notification shows.
      await poll(`"${X.runOutput}" in the Output panel`, async () =>
        (await read()).panel.includes(X.runOutput), 5000).catch(() => false);
      const final = await read();
      return {
        shown: `${final.panel}\n${final.toasts}`.slice(0, 1500),
        inOutputChannel: final.panel.includes(X.runOutput),
        channel: final.channel,
        inNotification: final.toasts.includes(X.runOutput) || shown.toasts.includes(X.runOutput),
        progressClosed: toastGone,
      };
    });

    // 6. Debugging: a breakpoint, the "Debug" code lens, the stop, the variables, continue.
    const stopped = await step('debug-stopped', async () => {
      await parkMouse();
      await openFile(F.debug);
      await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
      const bp = await setBreakpoint(X.debugLine);
      await screenshot('debug-breakpoint-set');
      const lens = page.locator('.editor-group-container.active .codelens-decoration a', { hasText: /^\s*Debug\s*$/ }).first();
      await poll('the "Debug" code lens', () => lens.isVisible(), 15000);
      const lenses = await page.locator('.editor-group-container.active .codelens-decoration').first().innerText();
      await lens.click();
      await parkMouse();
      const state = await poll(`the debugger to stop at line ${X.debugLine}`, async () => {
        const s = await debugState();
        const ok = s.toolbar && s.stoppedLine === X.debugLine && /paused on breakpoint/i.test(s.callStack);
        return ok ? s : false;
      }, 20000).catch(async (e) => {
        throw new Error(`${e.message}\n--- debug state: ${JSON.stringify(await debugState().catch(() => null))}`);
      });
      return { breakpoint: bp, lenses, ...state };
    });

    if (stopped) {
      await step('debug-variables', async () => {
        const vars = page.locator('.debug-variables');
        await poll('the Variables section', () => vars.isVisible(), 8000);
        // VS Code expands the first scope ("Inputs of <node>") by itself.
        const inputs = await poll(`the scope "${X.debugInputsScope}" to show ${JSON.stringify(X.debugInputs)}`, async () => {
          const rows = await variableRows();
          const i = rows.findIndex((r) => r.startsWith(X.debugInputsScope));
          if (i < 0) return false;
          const shown = {};
          for (const r of rows.slice(i + 1)) {
            const m = /^(\S+) = (.*)$/.exec(r);
            if (!m) break;
            shown[m[1].trim()] = m[2].trim();
          }
          return Object.entries(X.debugInputs).every(([k, v]) => shown[k] === v) ? { rows, shown } : false;
        }, 10000);
        // Expand "Node values" (a click on its twistie row) and read `a` there.
        const scope = vars.locator('.monaco-list-row', { hasText: X.debugValuesScope }).first();
        await poll(`the scope "${X.debugValuesScope}"`, () => scope.isVisible(), 5000);
        if ((await scope.getAttribute('aria-expanded')) !== 'true') {
          await scope.click();
          await parkMouse();
        }
        const values = await poll(`"${X.debugValuesScope}" to show ${X.debugVar} = ${X.debugVarValue}`, async () => {
          const rows = await variableRows();
          const i = rows.findIndex((r) => r.startsWith(X.debugValuesScope));
          if (i < 0) return false;
          const want = `${X.debugVar} = ${X.debugVarValue}`;
          const after = rows.slice(i + 1);
          return after.includes(want) ? { rows, nodeValues: after } : false;
        }, 10000).catch(async (e) => {
          throw new Error(`${e.message}\n--- Variables rows: ${JSON.stringify(await variableRows().catch(() => null))}`);
        });
        return { inputs: inputs.shown, rows: values.rows };
      });

      await step('debug-finished', async () => {
        await focusEditor();
        await page.keyboard.press('F5');
        const end = await poll('the debug session to end (no debug toolbar)', async () => {
          const s = await debugState();
          return !s.toolbar && !s.callStackShown ? s : false;
        }, 15000).catch(async (e) => {
          throw new Error(`${e.message}\n--- debug state: ${JSON.stringify(await debugState().catch(() => null))}`);
        });
        const repl = page.locator('.repl');
        if (!(await repl.isVisible())) await runCommand('View: Toggle Debug Console');
        const output = await poll(`"${X.debugOutput}" in the Debug Console`, async () => {
          const lines = await replLines();
          return lines.includes(X.debugOutput) ? lines : false;
        }, 10000).catch(async (e) => {
          throw new Error(`${e.message}\n--- Debug Console: ${JSON.stringify(await replLines().catch(() => null))}`);
        });
        return { console: output, ended: end };
      });
    }

    // 7. Issue 15 item 8: what a new user met in real VS Code. The programs with errors come
    // into the workspace now (VS Code's file search finds them by the time they are opened).
    copyLater(F.broken);
    copyLater(F.complete);
    // Run Without Debugging (Ctrl+F5; from the palette here, as the browser owns Ctrl+F5) with
    // no launch.json runs to the end past the breakpoint still set on debug_me's `total`.
    if (stopped) {
      await step('run-without-debugging', async () => {
        await openFile(F.debug);
        await runCommand('Debug: Clear Console').catch(() => {});
        await runCommand('Debug: Start Without Debugging');
        let sawStop = null;
        const end = await poll('the session to run to its end', async () => {
          const s = await debugState();
          if (s.stoppedLine !== null || /paused/i.test(s.callStack)) sawStop = s;
          const lines = await replLines();
          return !s.toolbar && lines.includes(X.debugOutput) ? { state: s, lines } : false;
        }, 20000).catch(async (e) => {
          throw new Error(`${e.message}\n--- debug state: ${JSON.stringify(await debugState().catch(() => null))}\n--- console: ${JSON.stringify(await replLines().catch(() => null))}`);
        });
        return { stopped: sawStop, console: end.lines };
      });
    }

    // The status bar's accessible label is plain text (its tooltip is Markdown).
    await step('status-bar-label', async () => {
      await focusEditor(); // debug_me, a program with a hash
      const entries = await poll('the status bar to show the program hash', async () => {
        const e = await statusEntry(/Lexis #[0-9a-f]{8}/);
        return e.length ? e : false;
      }, 15000);
      return { entries };
    });

    // Parameters are asked in numbered steps; the value of a multi-line node shows beside its id.
    await step('run-params-in-steps', async () => {
      await openFile(F.params);
      await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
      await closeWidgets();
      await page.keyboard.press('F1');
      await poll('the command palette', quickInputVisible, 5000);
      await page.locator('.quick-input-widget input').fill('>' + X.runCommand);
      await page.keyboard.press('Enter');
      const titles = [];
      for (const value of X.paramValues) {
        const title = await poll('a parameter prompt', async () => {
          if (!(await quickInputVisible())) return false;
          const t = await page.locator('.quick-input-widget .quick-input-titlebar').innerText().catch(() => '');
          const prompt = await page.locator('.quick-input-widget .quick-input-message').innerText().catch(() => '');
          const text = `${t} | ${prompt}`.replace(/\u00a0/g, ' ');
          if (titles.length && text === titles[titles.length - 1]) return false;
          // the box is reused from one step to the next: read it once it has settled
          await sleep(250);
          const again = await page.locator('.quick-input-widget .quick-input-titlebar').innerText().catch(() => '');
          return again === t ? text : false;
        }, 8000);
        titles.push(title);
        await screenshot(`param-prompt-${titles.length}`);
        await page.locator('.quick-input-widget input').fill(value);
        await page.keyboard.press('Enter');
      }
      await poll(`"${X.paramsOutput}" in the Output panel`, async () => {
        const t = await page.evaluate(() => Array.from(document.querySelectorAll('.part.panel .view-lines'))
          .map((e) => e.innerText).join('\n'));
        return t.includes(X.paramsOutput);
      }, 15000);
      await focusEditor();
      const lines = await poll('the value hint of the multi-line node', async () => {
        const t = (await editorText()).split('\n');
        const i = t.findIndex((l) => l.includes(X.paramsNodeIdText));
        return i >= 0 && t[i].includes(`= ${X.paramsOutput}`) ? t : false;
      }, 10000).catch(async (e) => {
        throw new Error(`${e.message}\n--- editor:\n${await editorText()}`);
      });
      return { titles, lines };
    });

    // A program with errors: the refused run names them and offers the Problems panel.
    await step('refused-run-names-findings', async () => {
      await openNewFile(F.broken);
      await poll('error squiggles', async () => (await squiggles()) || false, 20000);
      await clearNotifications();
      await runCommand(X.runCommand);
      const toast = await poll('the refusal notification', async () => {
        const t = await toastsText();
        return t.includes('was not run') ? t : false;
      }, 10000);
      await screenshot('refused-run-toast');
      await clickToastButton('was not run', 'Show Problems');
      await poll('the Problems panel', () => page.locator('.markers-panel').isVisible(), 5000);
      return { toast };
    });

    // Clicking the code in the Problems panel shows the rendered, read-only explain page.
    await step('problems-code-link', async () => {
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: X.brokenCode }).first();
      await poll(`a Problems row with ${X.brokenCode}`, () => row.isVisible(), 10000);
      const link = row.locator('a.monaco-link', { hasText: X.brokenCode }).first();
      const href = await link.getAttribute('href');
      await link.click();
      await parkMouse();
      const tab = await poll('the explain page to open', async () => {
        const t = await page.locator('.tabs-container .tab.active').first().innerText().catch(() => '');
        return t.includes(X.brokenCode) ? t.trim() : false;
      }, 10000);
      const tabs = await page.evaluate(() => Array.from(document.querySelectorAll('.tabs-container .tab'))
        .map((t) => ({ label: t.innerText.trim(), title: t.getAttribute('title') || t.getAttribute('aria-label') || '' })));
      // The page is rendered (Markdown preview: headings), in a frame of its own.
      const rendered = await poll('the rendered explain page', async () => {
        for (const f of page.frames()) {
          if (f === page.mainFrame()) continue; // the workbench itself
          try {
            const r = await f.evaluate((code) => {
              const h = document.querySelector('h1, h2');
              return h && document.body.innerText.includes(code) ? h.innerText : null;
            }, X.brokenCode);
            if (r) return r;
          } catch (_) { /* not ready */ }
        }
        return false;
      }, 10000);
      await screenshot('explain-from-problems');
      await runCommand('View: Close Editor');
      return { href, tab, tabs, rendered };
    });

    // Debugging a program with errors: a notification naming them, no launch.json dialog.
    await step('debug-refused-without-dialog', async () => {
      await openFile(F.broken);
      await clearNotifications();
      await runCommand('Lexis: Debug Program');
      const toast = await poll('the debug refusal', async () => {
        const t = await toastsText();
        return t.includes('cannot debug') ? t : false;
      }, 10000);
      // A dialog would come with the refusal: give it time to show.
      let dialog = null;
      const until = Date.now() + 1500;
      while (Date.now() < until && !dialog) {
        dialog = await dialogShown();
        await sleep(100);
      }
      await screenshot('debug-refused-toast');
      const state = await debugState();
      await clickToastButton('cannot debug', 'Show Problems');
      await poll('the Problems panel', () => page.locator('.markers-panel').isVisible(), 5000);
      return { toast, dialog, session: state.toolbar };
    });

    // Completion: the ops taking the node's two inputs first; std: names as hover shows them.
    await step('completion-ranks-ops-by-inputs', async () => {
      await openNewFile(F.complete);
      await poll('the Lexis language mode', async () => (await statusLanguage()) === X.language, 10000);
      await goTo(X.opLine, X.opCol);
      const rows = await triggerSuggest();
      await screenshot('completion-ops');
      await page.keyboard.press('Escape');
      return { rows: rows.slice(0, 12) };
    });

    await step('completion-names-like-hover', async () => {
      await focusEditor();
      await goTo(X.refLine, X.refCol);
      const rows = await triggerSuggest();
      const focused = rows.find((r) => r.focused) || rows[0];
      const widget = await page.evaluate(() => Array.from(document.querySelectorAll('.suggest-widget'))
        .map((e) => e.innerText).join('\n'));
      await screenshot('completion-std-mul');
      await page.keyboard.press('Enter');
      await poll('the accepted reference', async () => (await editorText()).includes(`"${X.refName}"`), 5000);
      await goTo(X.refLine, X.refCol);
      await runCommand('Show or Focus Hover');
      const hover = await poll('the hover of the reference', async () => {
        const h = page.locator('.monaco-hover:not(.hidden)').first();
        if (!(await h.isVisible())) return false;
        const t = await h.innerText();
        // the reference's own hover (a stale diagnostic's hover also names std:mul)
        return t.includes(`${X.refName}(`) ? t : false;
      }, 10000).catch(async (e) => {
        // asked before the new diagnostics arrived: ask again
        await closeWidgets();
        await goTo(X.refLine, X.refCol);
        await runCommand('Show or Focus Hover');
        return poll('the hover of the reference', async () => {
          const h = page.locator('.monaco-hover:not(.hidden)').first();
          const t = (await h.isVisible()) ? await h.innerText() : '';
          return t.includes(`${X.refName}(`) ? t : false;
        }, 8000).catch(() => { throw e; });
      });
      await closeWidgets();
      return { focused, widget: widget.replace(/\u00a0/g, ' '), hover: hover.replace(/\u00a0/g, ' ') };
    });

    // 8. Issue 15 items 3 and 6: Lexis: Show Graph, and a click on a node reveals its id.
    await step('graph-view', async () => {
      const { frame, keys, cursor, activeTab, graphStillShown } = await showGraphAndClickNode(F, X);
      // The page marks the node under the editor's cursor.
      const marked = await poll('the page to mark the node under the cursor', () => frame.evaluate((key) => {
        const g = window.lexisGraph;
        const n = g && g.cy && g.cy.getElementById(key);
        return !!(n && n.length && n.hasClass('cursor'));
      }, X.graphNode), 5000).catch(() => false);
      // Moving the editor's cursor to another node marks that one.
      await focusEditor();
      await goTo(X.graphLine + 1, 10);
      const followed = await poll('the page to follow the cursor to the next node', () => frame.evaluate((key) => {
        const n = window.lexisGraph.cy.getElementById(key);
        return n.length && n.hasClass('cursor') ? key : false;
      }, X.graphNextNode), 5000).catch(() => null);
      // The webview alone, for the README.
      let shot = null;
      try {
        const parent = frame.parentFrame();
        const el = parent && parent !== page.mainFrame() ? await parent.frameElement() : await frame.frameElement();
        shot = path.join(cfg.artifacts, 'graph-webview.png');
        await el.screenshot({ path: shot });
      } catch (e) { shot = `no screenshot: ${e}`; }
      // The page's content security policy, and no style the policy blocked (a blocked <style>
      // or stylesheet has no sheet).
      const policy = await frame.evaluate(() => ({
        csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
        blocked: Array.from(document.querySelectorAll('style, link[rel="stylesheet"]'))
          .filter((e) => !e.sheet).map((e) => e.id || e.getAttribute('href') || e.outerHTML.slice(0, 100)),
        scripts: Array.from(document.scripts).map((e) => ({ src: e.getAttribute('src'), nonce: !!e.nonce })),
        styles: Array.from(document.querySelectorAll('style, link[rel="stylesheet"]'))
          .map((e) => ({ id: e.id || e.getAttribute('href') || e.tagName, sheet: !!e.sheet, nonce: !!e.nonce })),
      }));
      return { keys, cursor, activeTab, graphStillShown, marked, followed, shot, policy };
    });

    // After Lexis: Run Program the page shows the run's values.
    await step('graph-run-values', async () => {
      const frame = await poll('the graph page', graphFrame, 10000);
      await focusEditor();
      await runCommand(X.runCommand);
      const item = frame.locator(`[data-key="${X.graphNode}"]`).first();
      const value = await poll(`the value of ${X.graphNode} in the page`, async () => {
        await item.click();
        const v = await frame.evaluate(() => {
          const el = document.querySelector('#lexis-node-panel .lx-value');
          return el ? el.innerText.trim() : null;
        });
        return v === X.graphValue ? v : false;
      }, 15000);
      await parkMouse();
      const panel = await frame.evaluate(() => document.getElementById('lexis-node-panel').innerText);
      return { value, panel };
    });

    // The graph marks the node the debugger is stopped at, with the values so far.
    await step('graph-debug-node', async () => {
      const frame = await poll('the graph page', graphFrame, 10000);
      await focusEditor();
      const bp = await setBreakpoint(X.graphLine);
      await runCommand('Lexis: Debug Program');
      await poll(`the debugger to stop at line ${X.graphLine}`, async () => {
        const s = await debugState();
        return s.toolbar && /paused on breakpoint/i.test(s.callStack) ? s : false;
      }, 20000);
      const shown = await poll(`the page to mark ${X.graphNode} as the debugger's node`, () => frame.evaluate((key) => {
        const g = window.lexisGraph;
        const n = g && g.cy && g.cy.getElementById(key);
        return n && n.length && n.hasClass('debug') ? { debug: key, text: document.body.innerText.slice(0, 4000) } : false;
      }, X.graphNode), 10000);
      await screenshot('graph-debug-node');
      await runCommand('Debug: Stop');
      await poll('the session to end', async () => !(await debugState()).toolbar, 10000);
      const cleared = await poll('the page to clear the debugger\'s node', () => frame.evaluate((key) => {
        const n = window.lexisGraph.cy.getElementById(key);
        return n.length && !n.hasClass('debug');
      }, X.graphNode), 5000).catch(() => false);
      return { breakpoint: bp, debug: shown.debug, page: shown.text, cleared };
    });

    // After a reload of the window the graph panel comes back with the page's own state.
    await step('graph-restored-after-reload', async () => {
      // As a person would (an orderly shutdown that keeps the webviews' state).
      await runCommand('Developer: Reload Window');
      await poll('the workbench', () => page.locator('.monaco-workbench').isVisible(), 30000);
      const tab = page.locator('.tabs-container .tab', { hasText: `Graph: ${F.graph}` }).first();
      await poll('the graph tab', () => tab.isVisible(), 20000);
      const frame = await poll('the graph page, laid out again', graphFrame, 30000);
      const restored = await poll('the selection to come back', () => frame.evaluate(() => {
        const g = window.lexisGraph;
        return g && g.selectedKey() ? g.selectedKey() : false;
      }), 10000).catch(() => null);
      const keys = await frame.evaluate(() => Array.from(document.querySelectorAll('[data-key]')).map((e) => e.dataset.key));
      return { selected: restored, keys: keys.length };
    });

    // A picture for the README: the editor and the graph side by side, without the side bar
    // and the panel.
    await step('graph-screenshot', async () => {
      await runCommand('View: Close Primary Side Bar').catch(() => {});
      await runCommand('View: Hide Panel').catch(() => {});
      const frame = await poll('the graph page', graphFrame, 10000);
      await sleep(500); // the page lays out again in its new size
      // The graph's group alone in the window, then fit the graph to it.
      await frame.locator('button', { hasText: /^Fit$/ }).first().click().catch(() => {});
      await page.locator('.tabs-container .tab', { hasText: `Graph: ${F.graph}` }).first().click().catch(() => {});
      await runCommand('View: Toggle Maximize Editor Group').catch(() => {});
      await sleep(800);
      await frame.locator('button', { hasText: /^Fit$/ }).first().click().catch(() => {});
      await parkMouse();
      await sleep(500);
      const file = path.join(cfg.artifacts, 'graph-readme.png');
      await page.screenshot({ path: file });
      return { file };
    });
  } finally {
    const ok = steps.length > 0 && steps.every((s) => s.ok);
    process.stdout.write(JSON.stringify({ ok, steps, consoleErrors: consoleErrors.slice(0, 20) }, null, 1) + '\n');
    await browser.close();
  }
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ ok: false, steps, fatal: String(e && e.stack || e) }) + '\n');
  process.exit(2);
});
