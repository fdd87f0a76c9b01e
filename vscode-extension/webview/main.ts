// The graph page (`lexis viz`, `lexis run --viz`, and the VS Code "Lexis: Show Graph" panel):
// builds its UI inside #lexis-graph-root and wires the modules together. See the graph contract:
// GraphData comes from the embedded JSON (standalone) or from the VS Code host's messages.
import "./graph.css";
import type cytoscape from "cytoscape";
import { type GraphData, Model, normalize, normalizeTrace, type Trace, worstSeverity } from "./data";
import { clear, h } from "./dom";
import { connectHost, embeddedData, type HostMessage, type ViewState } from "./host";
import { NodeList } from "./list";
import { renderPanel } from "./panel";
import { Playback } from "./playback";
import { Canvas, shapeOf } from "./render";
import { searchBox } from "./search";

/** Above this many nodes the canvas shows a neighbourhood of the selected node, not everything. */
export const LARGE_GRAPH = 1500;
const HOPS = 2;
const NEIGHBOURHOOD_WANT = 120;
const NEIGHBOURHOOD_CAP = 300;
/** Above this many nodes (and up to LARGE_GRAPH) a subgraph the page has not shown before starts
 * collapsed, drawn as one node: a compound node on the canvas doubles Cytoscape.js's style work
 * for every element (about a quarter of a second at 1,000 nodes). Double-click it, or "Expand
 * subgraphs", to show its nodes; the notice above the graph says so. */
export const COLLAPSE_FROM = 600;


interface LexisGraphApi {
  cy: cytoscape.Core;
  select(key: string): void;
  nodeKeys(): string[];
  selectedKey(): string | null;
  renderedKeys(): string[];
  mode(): "full" | "neighbourhood";
}

declare global {
  interface Window {
    lexisGraph?: LexisGraphApi;
  }
}

performance.mark("lexis:start");
const host = connectHost();
const root = document.getElementById("lexis-graph-root") ?? document.body.appendChild(h("div", { id: "lexis-graph-root" }));

let model = new Model(normalize(null));
let trace: Trace | null = null;
let selected: string | null = null;
let cursorKey: string | null = null;
let debugKey: string | null = null;
let playKey: string | null = null;

// --- the page's frame ----------------------------------------------------------------------
const title = h("h1", { class: "lx-title" });
const summary = h("span", { id: "lexis-summary", class: "lx-status" });
const btn = (id: string, text: string, label: string): HTMLButtonElement =>
  h("button", { type: "button", id, text, title: label, "aria-label": label });
const fitButton = btn("lexis-fit", "Fit", "Fit the graph to the window");
const zoomIn = btn("lexis-zoom-in", "+", "Zoom in");
const zoomOut = btn("lexis-zoom-out", "−", "Zoom out");
const collapseAll = btn("lexis-collapse-all", "Collapse subgraphs", "Collapse every subgraph");
const expandAll = btn("lexis-expand-all", "Expand subgraphs", "Expand every subgraph");
const notice = h("div", { id: "lexis-notice", class: "lx-notice", role: "status" });
notice.hidden = true;
const listRoot = h("nav", { id: "lexis-node-list", class: "lx-side lx-nodes", "aria-label": "Nodes" });
const canvasEl = h("div", { id: "lexis-graph-canvas", class: "lx-canvas", role: "img" });
const panel = h("aside", { id: "lexis-node-panel", class: "lx-side lx-panel", "aria-label": "Selected node", "aria-live": "polite" });
const legend = h("div", { id: "lexis-legend", class: "lx-legend", "aria-label": "Legend" });
const programFindings = h("div", { id: "lexis-program-diagnostics", class: "lx-findings-bar" });
const output = h("details", { id: "lexis-output", class: "lx-output" });
const tooltip = h("div", { id: "lexis-tooltip", class: "lx-tooltip", role: "tooltip" });
tooltip.hidden = true;

const list = new NodeList(listRoot, (key) => choose(key, true));
const playback = new Playback((key) => showPlayback(key));

const toolbar = h(
  "header",
  { class: "lx-toolbar" },
  title,
  searchBox({
    filter: (q) => list.filter(q),
    mark: (keys) => {
      canvas.clearClass("match");
      if (keys.length <= 500) for (const k of keys) canvas.setClass(k, "match", true);
    },
    choose: (key) => choose(key, true),
  }),
  h("span", { class: "lx-buttons" }, fitButton, zoomOut, zoomIn, collapseAll, expandAll),
  summary,
);
root.append(
  toolbar,
  notice,
  programFindings,
  h("div", { class: "lx-main" }, listRoot, canvasEl, panel),
  h("footer", { class: "lx-footer" }, playback.root, legend, output),
  tooltip,
);

const canvas = new Canvas(canvasEl, model, {
  tap: (key) => {
    if (model.has(key)) choose(key, true);
  },
  doubleTap: (key) => {
    if (model.subgraphByKey.has(key)) toggleCollapse(key);
  },
  hover: (key, x, y) => showTooltip(key, x, y),
  viewChanged: () => scheduleSave(),
});

fitButton.addEventListener("click", () => canvas.fit());
zoomIn.addEventListener("click", () => canvas.zoomBy(1.25));
zoomOut.addEventListener("click", () => canvas.zoomBy(0.8));
collapseAll.addEventListener("click", () => {
  for (const s of model.data.subgraphs) canvas.collapsed.add(s.key);
  rerender();
});
expandAll.addEventListener("click", () => {
  canvas.collapsed.clear();
  autoCollapsed.clear();
  rerender();
});

// --- state ---------------------------------------------------------------------------------
/** Subgraph keys the page has shown (collapsed by default or not), and those it collapsed itself. */
const knownSubgraphs = new Set<string>();
const autoCollapsed = new Set<string>();

/** Collapses the subgraphs new to the page when the program is big (see COLLAPSE_FROM). A restored
 * view state already says which subgraphs the user left collapsed. */
function collapseNewSubgraphs(restored: boolean): void {
  const collapse = !restored && model.size > COLLAPSE_FROM && !large();
  for (const s of model.data.subgraphs) {
    if (knownSubgraphs.has(s.key)) continue;
    knownSubgraphs.add(s.key);
    if (collapse && !canvas.collapsed.has(s.key)) {
      canvas.collapsed.add(s.key);
      autoCollapsed.add(s.key);
    }
  }
}

let saveTimer: number | null = null;
function scheduleSave(): void {
  if (!host.inVsCode || saveTimer !== null) return;
  saveTimer = window.setTimeout(() => {
    saveTimer = null;
    host.saveState(viewState());
  }, 300);
}

function viewState(): ViewState {
  return { selected, zoom: canvas.cy.zoom(), pan: { ...canvas.cy.pan() }, collapsed: [...canvas.collapsed] };
}

// --- what the canvas shows ---------------------------------------------------------------
function large(): boolean {
  return model.size > LARGE_GRAPH;
}

function defaultFocus(): string | null {
  const withError = model.data.nodes.find((n) => worstSeverity(n.diagnostics) === "error");
  if (withError !== undefined) return withError.key;
  // Else the most connected node: its neighbourhood shows the most of the program.
  let best: string | null = null;
  let degree = -1;
  for (const n of model.data.nodes) {
    const d = (model.producers.get(n.key)?.length ?? 0) + (model.consumers.get(n.key)?.length ?? 0);
    if (d > degree) {
      best = n.key;
      degree = d;
    }
  }
  return best;
}

function focusKey(): string | null {
  return playKey ?? selected ?? defaultFocus();
}

function rerender(): void {
  if (large()) {
    const center = focusKey();
    const near =
      center === null
        ? { keys: new Set<string>(), steps: 0 }
        : model.neighbourhood(center, HOPS, NEIGHBOURHOOD_WANT, NEIGHBOURHOOD_CAP);
    const keys = near.keys;
    canvas.render(keys);
    const n = model.byKey.get(center ?? "");
    notice.hidden = false;
    notice.textContent =
      `This program has ${model.size.toLocaleString("en")} nodes: too many to lay out at once, so the graph shows ` +
      `the ${keys.size} nodes nearest to ${n ? `“${n.id}”` : "the selected node"} (up to ${near.steps} steps away). ` +
      `Select any node in the list or search for an id to move the view; the list names every node.`;
  } else {
    canvas.render(null);
    const folded = [...autoCollapsed].filter((k) => canvas.collapsed.has(k)).length;
    notice.hidden = folded === 0;
    if (folded > 0) {
      notice.textContent =
        `This program has ${model.size.toLocaleString("en")} nodes, so its subgraphs start collapsed, each drawn as one node ` +
        `(${folded} still collapsed). Double-click a subgraph, or use “Expand subgraphs”, to show its nodes; the list names every node.`;
    }
  }
  restoreClasses();
  scheduleSave();
}

function restoreClasses(): void {
  canvas.setClass(selected, "selected", true);
  canvas.setClass(cursorKey, "cursor", true);
  canvas.setClass(debugKey, "debug", true);
  applyPlaybackClasses();
}

function ensureShown(key: string): void {
  const node = model.byKey.get(key);
  let changed = false;
  if (node?.parent && canvas.collapsed.has(node.parent)) {
    canvas.collapsed.delete(node.parent);
    autoCollapsed.delete(node.parent);
    changed = true;
  }
  if (large() && canvas.subset !== null && !canvas.subset.has(key)) changed = true;
  if (changed) rerender();
}

// --- selection -----------------------------------------------------------------------------
function choose(key: string, fromUser: boolean): void {
  if (!model.has(key)) return;
  canvas.setClass(selected, "selected", false);
  selected = key;
  ensureShown(key);
  canvas.setClass(key, "selected", true);
  canvas.reveal(key);
  list.mark(model.byKey.has(key) ? key : null);
  updatePanel();
  scheduleSave();
  if (fromUser && host.inVsCode) {
    const n = model.byKey.get(key);
    const s = model.subgraphByKey.get(key);
    const range = n ? (n.idRange ?? n.range) : s?.range;
    if (range) host.post({ type: "reveal", key, range });
  }
}

function updatePanel(): void {
  renderPanel(panel, model, selected, trace, {
    navigate: (key) => choose(key, true),
    toggleCollapse,
    isCollapsed: (key) => canvas.collapsed.has(key),
  });
}

function toggleCollapse(key: string): void {
  autoCollapsed.delete(key);
  if (canvas.collapsed.has(key)) canvas.collapsed.delete(key);
  else canvas.collapsed.add(key);
  rerender();
  if (selected === key) updatePanel();
}

// --- tooltip -------------------------------------------------------------------------------
function showTooltip(key: string | null, x: number, y: number): void {
  if (key === null) {
    tooltip.hidden = true;
    return;
  }
  const n = model.byKey.get(key);
  const s = model.subgraphByKey.get(key);
  const findings = n?.diagnostics ?? s?.diagnostics ?? [];
  clear(tooltip);
  tooltip.append(h("strong", { text: n ? `${n.id} (${n.op})` : `subgraph ${s?.name ?? key}` }));
  for (const f of findings) tooltip.append(h("div", { class: `lx-sev-${f.severity}`, text: `${f.severity} ${f.code}: ${f.message}` }));
  const v = trace?.values[key];
  if (v !== undefined) tooltip.append(h("div", { class: "lx-tip-value", text: `= ${v.value.length > 200 ? `${v.value.slice(0, 199)}…` : v.value}` }));
  const box = canvasEl.getBoundingClientRect();
  tooltip.style.left = `${Math.round(box.left + x + 14)}px`;
  tooltip.style.top = `${Math.round(box.top + y + 14)}px`;
  tooltip.hidden = false;
}

// --- playback ------------------------------------------------------------------------------
function applyPlaybackClasses(): void {
  canvas.clearClass("current");
  canvas.clearClass("pending");
  if (trace === null || playback.position < 0) return;
  const done = new Set(trace.order.slice(0, playback.position + 1));
  canvas.cy.nodes().forEach((n) => {
    const key = n.id();
    if (!done.has(key) && trace?.values[key] !== undefined) n.addClass("pending");
  });
  canvas.setClass(playKey, "current", true);
}

function showPlayback(key: string | null): void {
  playKey = key;
  if (key !== null) {
    choose(key, false);
  }
  applyPlaybackClasses();
}

// --- data ----------------------------------------------------------------------------------
function describe(data: GraphData): void {
  const file = data.file || "program";
  title.textContent = file.split(/[\\/]/).pop() ?? file;
  title.title = file;
  canvasEl.setAttribute(
    "aria-label",
    `Graph of ${data.nodes.length} nodes and ${data.edges.length} edges; the list of nodes beside it names every node.`,
  );
  const all = [...data.diagnostics, ...data.nodes.flatMap((n) => n.diagnostics), ...data.subgraphs.flatMap((s) => s.diagnostics ?? [])];
  const errors = all.filter((d) => d.severity === "error").length;
  const warnings = all.filter((d) => d.severity === "warning").length;
  summary.textContent =
    `${data.nodes.length} nodes · ${errors} error${errors === 1 ? "" : "s"} · ${warnings} warning${warnings === 1 ? "" : "s"}` +
    (data.programHash ? ` · program ${data.programHash.slice(0, 12)}` : "");
  clear(programFindings);
  programFindings.hidden = data.diagnostics.length === 0;
  for (const f of data.diagnostics) {
    programFindings.append(h("div", { class: `lx-sev-${f.severity}` }, h("span", { class: "lx-sev", text: f.severity }), " ", h("code", { text: f.code }), " ", f.message));
  }
  clear(legend);
  const used = new Set(data.nodes.map((n) => n.category));
  for (const c of data.categories) {
    if (!used.has(c.name)) continue;
    const swatch = h("span", { class: "lx-swatch" });
    swatch.style.backgroundColor = c.color;
    legend.append(h("span", { class: "lx-legend-item", "data-category": c.name }, swatch, c.label));
  }
  legend.append(
    h("span", { class: "lx-legend-item" }, h("span", { class: "lx-swatch lx-swatch-cap" }), "I/O capability (⚑)"),
    h("span", { class: "lx-legend-item" }, h("span", { class: "lx-swatch lx-swatch-error" }), "error"),
    h("span", { class: "lx-legend-item" }, h("span", { class: "lx-swatch lx-swatch-warning" }), "warning"),
    h("span", { class: "lx-legend-item" }, h("span", { class: "lx-swatch lx-swatch-call" }), "call → subgraph"),
  );
}

function setTrace(t: Trace | null): void {
  trace = t;
  playKey = null;
  playback.setTrace(t);
  clear(output);
  output.hidden = t === null || t.output === "";
  if (t !== null && t.output !== "") output.append(h("summary", { text: "Program output" }), h("pre", { text: t.output }));
  applyPlaybackClasses();
  updatePanel();
}

function load(data: GraphData, keepView: boolean): void {
  const before = keepView ? shapeOf(model) : null;
  const sameKeys =
    keepView &&
    data.nodes.length === model.size &&
    data.nodes.every((n) => model.byKey.has(n.key));
  const zoom = canvas.cy.zoom();
  const pan = { ...canvas.cy.pan() };
  model = new Model(data);
  canvas.model = model;
  if (before !== null && renders > 0 && before === shapeOf(model)) {
    // The same graph with other values or diagnostics (an edit as you type): nothing moves.
    describe(data);
    list.build(model);
    canvas.restyle();
    restoreClasses();
    setTrace(data.trace);
    list.mark(selected !== null && model.byKey.has(selected) ? selected : null);
    markReady();
    return;
  }
  for (const k of [...canvas.collapsed]) if (!model.subgraphByKey.has(k)) canvas.collapsed.delete(k);
  collapseNewSubgraphs(renders === 0 && restoredState);
  if (selected !== null && !model.has(selected)) selected = null;
  describe(data);
  list.build(model);
  performance.mark("lexis:listed");
  rerender();
  if (sameKeys) canvas.cy.viewport({ zoom, pan });
  setTrace(data.trace);
  list.mark(selected !== null && model.byKey.has(selected) ? selected : null);
  markReady();
}

let renders = 0;
function markReady(): void {
  renders += 1;
  document.body.dataset.renders = String(renders);
  document.body.dataset.ready = "1";
  performance.mark("lexis:ready");
}

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case "graph":
      load(normalize(m.data), true);
      break;
    case "cursor":
      canvas.setClass(cursorKey, "cursor", false);
      cursorKey = m.key !== null && model.has(m.key) ? m.key : null;
      if (cursorKey !== null) {
        ensureShown(cursorKey);
        canvas.setClass(cursorKey, "cursor", true);
        canvas.reveal(cursorKey);
      }
      break;
    case "trace":
      setTrace(normalizeTrace(m.trace));
      break;
    case "debugNode":
      canvas.setClass(debugKey, "debug", false);
      debugKey = m.key !== null && model.has(m.key) ? m.key : null;
      if (debugKey !== null) {
        choose(debugKey, false);
        canvas.setClass(debugKey, "debug", true);
      }
      break;
  }
}

// --- theme ---------------------------------------------------------------------------------
const dark = window.matchMedia("(prefers-color-scheme: dark)");
dark.addEventListener("change", () => canvas.applyTheme());
new MutationObserver(() => canvas.applyTheme()).observe(document.body, { attributes: true, attributeFilter: ["class"] });

// --- start ---------------------------------------------------------------------------------
window.lexisGraph = {
  cy: canvas.cy,
  select: (key) => choose(key, false),
  nodeKeys: () => model.data.nodes.map((n) => n.key),
  selectedKey: () => selected,
  renderedKeys: () => canvas.cy.nodes().map((n) => n.id() as string),
  mode: () => (large() ? "neighbourhood" : "full"),
};

const saved = host.state();
const restoredState = saved !== null;
if (saved !== null) {
  selected = saved.selected;
  for (const k of saved.collapsed) canvas.collapsed.add(k);
}
const embedded = embeddedData();
if (embedded !== null) {
  load(normalize(embedded), false);
  if (saved !== null && saved.zoom !== null && saved.pan !== null) canvas.cy.viewport({ zoom: saved.zoom, pan: saved.pan });
} else {
  describe(model.data);
  updatePanel();
  if (host.inVsCode) panel.append(h("p", { class: "lx-hint", text: "Waiting for the graph…" }));
}
host.listen((m) => {
  onMessage(m);
  if (m.type === "graph" && saved !== null && renders === 1 && saved.zoom !== null && saved.pan !== null) {
    canvas.cy.viewport({ zoom: saved.zoom, pan: saved.pan });
  }
});
if (selected !== null && model.has(selected)) choose(selected, false);
host.post({ type: "ready" });
