// Layout and rendering: the program graph in Cytoscape.js, laid out top to bottom by dagre.
// Subgraphs are compound nodes; a collapsed one is drawn as a single node (its children are not
// added to the canvas). The canvas may show a subset of the graph (the large-graph view).
import cytoscape from "cytoscape";
import dagre from "lexis-dagre";
import { type GraphNode, Model, worstSeverity } from "./data";

// Cytoscape.js adds a <style> element (".__________cytoscape_container { position: relative }")
// to the page unless an element with this id exists. A strict content security policy (no
// 'unsafe-inline' styles, as in `lexis viz` and the VS Code panel) refuses that element and
// reports a violation, so an inert marker takes its place; graph.css positions the container.
function markCytoscapeStylesheet(): void {
  const id = "__________cytoscape_stylesheet";
  if (document.getElementById(id) === null) {
    const marker = document.createElement("meta");
    marker.id = id;
    document.head.append(marker);
  }
}

export interface Theme {
  bg: string;
  fg: string;
  muted: string;
  border: string;
  accent: string;
  edge: string;
  call: string;
  compound: string;
  error: string;
  warning: string;
  info: string;
  hint: string;
  current: string;
  cursor: string;
  match: string;
  nodeText: string;
}

const THEME_VARS: Record<keyof Theme, string> = {
  bg: "--lx-bg",
  fg: "--lx-fg",
  muted: "--lx-muted",
  border: "--lx-border",
  accent: "--lx-accent",
  edge: "--lx-edge",
  call: "--lx-call",
  compound: "--lx-compound",
  error: "--lx-error",
  warning: "--lx-warning",
  info: "--lx-info",
  hint: "--lx-hint",
  current: "--lx-current",
  cursor: "--lx-cursor",
  match: "--lx-match",
  nodeText: "--lx-node-text",
};

const FALLBACK: Theme = {
  bg: "#ffffff",
  fg: "#1e1e1e",
  muted: "#6b6b6b",
  border: "#8c8c8c",
  accent: "#0060c0",
  edge: "#8a8a8a",
  call: "#8e44ad",
  compound: "#f3f3f3",
  error: "#d32f2f",
  warning: "#e08a00",
  info: "#1976d2",
  hint: "#7a7a7a",
  current: "#e0007a",
  cursor: "#00a0a0",
  match: "#f0c000",
  nodeText: "#111111",
};

/** The theme's colours, read from the page's CSS variables (which follow VS Code or the OS). */
export function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const theme = { ...FALLBACK };
  for (const [name, cssVar] of Object.entries(THEME_VARS) as [keyof Theme, string][]) {
    const v = style.getPropertyValue(cssVar).trim();
    if (v) theme[name] = v;
  }
  return theme;
}

/** The canvas's style. Every property set costs Cytoscape.js work per element when it first
 * styles it (a big graph's first paint), so properties left at Cytoscape's default (text-halign
 * center, background-opacity 1) are not set, and the node shape is set once for all. */
function stylesheet(t: Theme, large: boolean): cytoscape.StylesheetJson {
  return [
    {
      selector: "node",
      style: {
        "background-color": "data(color)",
        shape: "round-rectangle",
        width: "data(w)",
        height: "data(h)",
        "border-width": 1,
        "border-color": t.border,
      },
    },
    {
      // On a big graph the labels are styled only where the view is zoomed in enough to draw
      // them (see Canvas.syncLabels): fitted to the window they would be too small to be drawn,
      // and styling and measuring a thousand labels is a sixth of the first paint.
      selector: large ? `node.${LABELLED}` : "node",
      style: {
        label: "data(label)",
        "text-wrap": "wrap",
        "text-valign": "center",
        "font-size": FONT_SIZE,
        "font-family": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
        color: t.nodeText,
        // Labels too small to read are not drawn.
        ...(large ? { "min-zoomed-font-size": MIN_FONT } : {}),
      },
    },
    {
      selector: "node.cap",
      style: { "border-width": 5, "border-style": "double", "border-color": t.fg },
    },
    {
      selector: "node.diag-hint",
      style: { "border-width": 3, "border-style": "dashed", "border-color": t.hint },
    },
    {
      selector: "node.diag-information",
      style: { "border-width": 3, "border-style": "solid", "border-color": t.info },
    },
    {
      selector: "node.diag-warning",
      style: { "border-width": 4, "border-style": "solid", "border-color": t.warning },
    },
    {
      selector: "node.diag-error",
      style: { "border-width": 5, "border-style": "solid", "border-color": t.error },
    },
    {
      selector: "node.subgraph",
      style: {
        "background-color": t.compound,
        "border-style": "dashed",
        "border-width": 2,
        "border-color": t.muted,
        color: t.fg,
        "font-weight": "bold",
        "text-valign": "top",
        "text-margin-y": -4,
        padding: "14px",
      },
    },
    {
      selector: "node.subgraph.collapsed",
      style: { "text-valign": "center", "border-style": "double", "border-width": 5 },
    },
    {
      selector: "edge",
      style: {
        width: 1.5,
        "line-color": t.edge,
        "target-arrow-color": t.edge,
        "target-arrow-shape": "triangle",
        "curve-style": large ? "straight" : "bezier",
        "arrow-scale": 0.9,
      },
    },
    {
      selector: "edge.call",
      style: { "line-style": "dashed", "line-color": t.call, "target-arrow-color": t.call, width: 1.5 },
    },
    { selector: "node.pending", style: { opacity: 0.45 } },
    {
      selector: "node.match",
      style: { "underlay-color": t.match, "underlay-opacity": 0.6, "underlay-padding": 6 },
    },
    {
      selector: "node.cursor",
      style: { "outline-color": t.cursor, "outline-width": 3, "outline-offset": 3, "outline-opacity": 1 },
    },
    {
      selector: "node.selected",
      style: { "underlay-color": t.accent, "underlay-opacity": 0.45, "underlay-padding": 7 },
    },
    {
      selector: "node.current",
      style: { "underlay-color": t.current, "underlay-opacity": 0.6, "underlay-padding": 10, opacity: 1 },
    },
    {
      selector: "node.debug",
      style: { "underlay-color": t.current, "underlay-opacity": 0.6, "underlay-padding": 10 },
    },
    { selector: "node:active", style: { "overlay-opacity": 0.1 } },
  ] as cytoscape.StylesheetJson;
}

const CHAR_W = 7;
const FONT_SIZE = 11;
/** The smallest font size (on screen) at which a big graph's labels are drawn. */
const MIN_FONT = 6;
/** The class that gives a big graph's nodes their labels (when zoomed in enough). */
const LABELLED = "lx-labelled";
/** Above this many nodes dagre ranks by longest path instead of network simplex (see layout()). */
const SIMPLEX_LIMIT = 250;
const LINE_H = 14;

export function nodeLabel(n: GraphNode): string {
  const lines = [n.id, n.op];
  if (n.capability) lines.push(`⚑ ${n.capability}`);
  return lines.join("\n");
}

function size(label: string): { w: number; h: number } {
  const lines = label.split("\n");
  const longest = Math.max(...lines.map((l) => l.length));
  return { w: Math.max(64, Math.min(360, longest * CHAR_W + 22)), h: lines.length * LINE_H + 16 };
}

/** Inputs and consumers of each of `keys` along `edges` (self-loops left out). */
function adjacency(
  keys: readonly string[],
  edges: readonly (readonly [string, string])[],
): { ins: Map<string, string[]>; outs: Map<string, string[]> } {
  const ins = new Map<string, string[]>();
  const outs = new Map<string, string[]>();
  for (const k of keys) {
    ins.set(k, []);
    outs.set(k, []);
  }
  for (const [s, t] of edges) {
    if (s === t || !ins.has(s) || !ins.has(t)) continue;
    ins.get(t)?.push(s);
    outs.get(s)?.push(t);
  }
  return { ins, outs };
}

/** Layer of each node (0 at the top) along the input edges; null when they have a cycle
 * (reported as LX1005; dagre breaks it) or when dagre's longest-path layering is shorter. */
function layers(ins: Map<string, string[]>, outs: Map<string, string[]>): Map<string, number> | null {
  const pending = new Map<string, number>();
  for (const [k, from] of ins) pending.set(k, from.length);
  const order: string[] = [];
  for (const [k, c] of pending) if (c === 0) order.push(k);
  for (let i = 0; i < order.length; i++) {
    for (const t of outs.get(order[i] ?? "") ?? []) {
      const c = (pending.get(t) ?? 0) - 1;
      pending.set(t, c);
      if (c === 0) order.push(t);
    }
  }
  if (order.length !== pending.size) return null;
  // Dagre's own longest-path layering (every node as low as it can go, sinks at the bottom):
  // when its edges cross fewer layers in all than ours (plus our anchors), it is kept (null).
  const height = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const k = order[i] ?? "";
    let hgt = 0;
    for (const t of outs.get(k) ?? []) hgt = Math.max(hgt, (height.get(t) ?? 0) + 1);
    height.set(k, hgt);
  }
  const rank = new Map<string, number>();
  for (const k of order) {
    let r = 0;
    for (const s of ins.get(k) ?? []) r = Math.max(r, (rank.get(s) ?? 0) + 1);
    rank.set(k, r);
  }
  // Sources (constants, params) sit just above their first consumer, not on the top layer.
  for (const k of order) {
    if ((ins.get(k) ?? []).length > 0) continue;
    const consumers = outs.get(k) ?? [];
    if (consumers.length === 0) continue;
    let first = Infinity;
    for (const t of consumers) first = Math.min(first, rank.get(t) ?? 0);
    rank.set(k, Math.max(0, first - 1));
  }
  let spanOurs = 0;
  let spanDagre = 0;
  let deepest = 0;
  let sinks = 0;
  for (const [k, r] of rank) {
    deepest = Math.max(deepest, r);
    const targets = outs.get(k) ?? [];
    if (targets.length === 0) sinks += 1;
    for (const t of targets) {
      spanOurs += (rank.get(t) ?? 0) - r;
      spanDagre += (height.get(k) ?? 0) - (height.get(t) ?? 0);
    }
  }
  return spanOurs + sinks < spanDagre ? rank : null;
}

/** The classes that draw a node's category, capability and worst diagnostic. */
function nodeClasses(n: GraphNode): string[] {
  const classes = [`cat-${n.category}`];
  if (n.capability) classes.push("cap");
  const sev = worstSeverity(n.diagnostics);
  if (sev !== null) classes.push(`diag-${sev}`);
  return classes;
}

const DRAWN = /^(cat-|cap$|diag-)/;

/** What the layout depends on: keys, parents, labels and edges (not diagnostics, hashes,
 * ranges or values). Two graphs with the same shape keep the positions of the first. */
export function shapeOf(m: Model): string {
  const nodes = m.data.nodes.map((n) => `${n.key}\u0000${n.parent ?? ""}\u0000${nodeLabel(n)}`);
  const subgraphs = m.data.subgraphs.map((s) => s.key);
  const edges = m.data.edges.map((e) => `${e.source}\u0000${e.target}\u0000${e.kind}`);
  return [nodes.join("\u0001"), subgraphs.join("\u0001"), edges.join("\u0001")].join("\u0002");
}

interface NodeDef {
  group: "nodes";
  data: { id: string; label: string; w: number; h: number; color: string; parent?: string };
  classes: string[];
  position?: { x: number; y: number };
}

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function emptyBox(): Box {
  return { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
}

function grow(box: Box, by: Box): void {
  box.x1 = Math.min(box.x1, by.x1);
  box.y1 = Math.min(box.y1, by.y1);
  box.x2 = Math.max(box.x2, by.x2);
  box.y2 = Math.max(box.y2, by.y2);
}

/** The box around the nodes at their positions (with their widest border). */
function boxOf(nodes: readonly NodeDef[]): Box {
  const box = emptyBox();
  for (const n of nodes) {
    const p = n.position ?? { x: 0, y: 0 };
    const w = n.data.w / 2 + BORDER;
    const h = n.data.h / 2 + BORDER;
    grow(box, { x1: p.x - w, y1: p.y - h, x2: p.x + w, y2: p.y + h });
  }
  return box;
}

/** The widest border a node is drawn with (a diagnostic's or a capability's). */
const BORDER = 5;

/** Lays `nodes` out with dagre along `edges` (input edges among them) and sets their positions.
 * Dagre's default ranker (network simplex) gives the shortest edges but its time grows fast:
 * seconds for 1,000 nodes. Its linear "longest-path" ranker puts every sink on the bottom layer
 * (a print of an early value gets an edge across the whole graph, and dagre a dummy node per
 * layer crossed). So above SIMPLEX_LIMIT nodes the layers are computed here (each node one
 * below its lowest input, sources pulled down to just above their first consumer) and handed
 * to dagre's longest-path ranker as edge lengths, with temporary edges below the sinks; dagre
 * then orders (one pass), positions and routes as usual. */
function runDagre(nodes: NodeDef[], edges: readonly [string, string][]): void {
  if (nodes.length === 0) return;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const big = nodes.length > SIMPLEX_LIMIT;
  g.setGraph({ rankdir: "TB", nodesep: 18, ranksep: 42, edgesep: 8, ...(big ? { ranker: "longest-path" } : {}) });
  g.setDefaultEdgeLabel(() => ({}));
  // Cytoscape.js's layout size of a node: its width and height and its border.
  for (const n of nodes) g.setNode(n.data.id, { width: n.data.w + 1, height: n.data.h + 1 });
  const keys = nodes.map((n) => n.data.id);
  const ranks = big ? adjacencyLayers(keys, edges) : null;
  edges.forEach(([s, t], i) => {
    const minlen = ranks === null ? 1 : Math.max(1, (ranks.rank.get(t) ?? 0) - (ranks.rank.get(s) ?? 0));
    g.setEdge(s, t, { minlen, weight: 1 }, `e${i}`);
  });
  if (ranks !== null) {
    // Every sink above the bottom layer gets a temporary edge to a node one layer below it
    // (one that shares an input with it when there is one): the longest-path ranker then
    // keeps it there instead of dropping it to the bottom. Such an edge cannot close a
    // cycle: everything above a node is on a smaller layer.
    const { rank, ins, outs } = ranks;
    const byLayer = new Map<number, string>();
    let deepest = 0;
    for (const [k, r] of rank) {
      deepest = Math.max(deepest, r);
      if (!byLayer.has(r)) byLayer.set(r, k);
    }
    for (const k of keys) {
      const r = rank.get(k) ?? 0;
      if (r >= deepest || (outs.get(k) ?? []).length > 0) continue;
      let below: string | undefined;
      for (const s of ins.get(k) ?? []) {
        below = (outs.get(s) ?? []).find((t) => rank.get(t) === r + 1);
        if (below !== undefined) break;
      }
      below ??= byLayer.get(r + 1);
      if (below !== undefined) g.setEdge(k, below, { minlen: 1, weight: 1 }, `__lexis_sink_${k}`);
    }
  }
  // One ordering pass instead of sweeps until no crossing is removed (most of dagre's time on
  // a graph with many layers); and no room made for edge labels (there are none, and the page
  // draws its own edges, not dagre's routes), which would double the ranks and so the dummy
  // nodes dagre orders and positions (about 40% of its time; see esbuild.js).
  dagre.layout(g, big ? { disableOptimalOrderHeuristic: true, noEdgeLabels: true } : {});
  for (const n of nodes) {
    const p = g.node(n.data.id);
    n.position = { x: p.x ?? 0, y: p.y ?? 0 };
  }
}

function adjacencyLayers(
  keys: readonly string[],
  edges: readonly [string, string][],
): { rank: Map<string, number>; ins: Map<string, string[]>; outs: Map<string, string[]> } | null {
  const { ins, outs } = adjacency(keys, edges);
  const rank = layers(ins, outs);
  return rank === null ? null : { rank, ins, outs };
}

export interface CanvasEvents {
  tap(key: string): void;
  doubleTap(key: string): void;
  hover(key: string | null, x: number, y: number): void;
  viewChanged(): void;
}

export class Canvas {
  readonly cy: cytoscape.Core;
  model: Model;
  readonly collapsed = new Set<string>();
  /** The keys on the canvas, or null when it shows the whole graph. */
  subset: Set<string> | null = null;
  private theme: Theme;
  private large = false;
  /** Whether every node has its label (always, except on a big graph not yet zoomed in). */
  private labelled = true;

  constructor(
    readonly container: HTMLElement,
    model: Model,
    private readonly events: CanvasEvents,
  ) {
    this.model = model;
    this.theme = readTheme();
    markCytoscapeStylesheet();
    this.cy = cytoscape({
      container,
      elements: [],
      style: stylesheet(this.theme, false),
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autounselectify: true,
    });
    this.cy.on("tap", "node", (e) => this.events.tap(e.target.id() as string));
    this.cy.on("dbltap", "node", (e) => this.events.doubleTap(e.target.id() as string));
    this.cy.on("mouseover", "node", (e) => {
      const p = e.renderedPosition ?? e.target.renderedPosition();
      this.events.hover(e.target.id() as string, p.x, p.y);
    });
    this.cy.on("mouseout", "node", () => this.events.hover(null, 0, 0));
    this.cy.on("viewport", () => {
      this.syncLabels();
      this.events.viewChanged();
    });
  }

  applyTheme(): void {
    this.theme = readTheme();
    this.cy.style(stylesheet(this.theme, this.large));
  }

  private visible(key: string): boolean {
    return this.subset === null || this.subset.has(key);
  }

  /** Rebuilds the canvas from the model (for the keys in `subset`, or all): lays it out first
   * (dagre on the nodes' known sizes), then adds the elements at their positions and fits the
   * view to the boxes it placed, so Cytoscape.js resolves styles and measures labels only once,
   * when it paints. */
  render(subset: Set<string> | null): void {
    this.subset = subset;
    const m = this.model;
    const shownCount = subset === null ? m.size : subset.size;
    this.large = shownCount > 600;
    const nodes: NodeDef[] = [];
    const present = new Set<string>();
    for (const s of m.data.subgraphs) {
      const children = m.children.get(s.key) ?? [];
      const anyChild = children.some((k) => this.visible(k));
      if (!this.visible(s.key) && !anyChild) continue;
      const collapsed = this.collapsed.has(s.key);
      const label = collapsed ? `subgraph ${s.name}\n(${children.length} nodes, collapsed)` : `subgraph ${s.name}`;
      const { w, h } = size(label);
      const classes = ["subgraph"];
      if (collapsed) classes.push("collapsed");
      const sev = worstSeverity(s.diagnostics ?? []);
      if (sev !== null && (collapsed || children.length === 0)) classes.push(`diag-${sev}`);
      nodes.push({ group: "nodes", data: { id: s.key, label, w, h, color: this.theme.compound }, classes });
      present.add(s.key);
    }
    for (const n of m.data.nodes) {
      if (!this.visible(n.key)) continue;
      if (n.parent !== null && (this.collapsed.has(n.parent) || !present.has(n.parent))) continue;
      const label = nodeLabel(n);
      const { w, h } = size(label);
      const data: NodeDef["data"] = { id: n.key, label, w, h, color: m.color(n.category) };
      if (n.parent !== null) data.parent = n.parent;
      nodes.push({ group: "nodes", data, classes: nodeClasses(n) });
      present.add(n.key);
    }
    const edges: cytoscape.ElementDefinition[] = [];
    let i = 0;
    for (const e of m.data.edges) {
      if (!present.has(e.source) || !present.has(e.target)) continue;
      edges.push({ group: "edges", data: { id: `e${i++}`, source: e.source, target: e.target, kind: e.kind }, classes: e.kind });
    }
    performance.mark("lexis:elements");
    const box = this.layout(nodes, edges);
    performance.mark("lexis:positioned");
    const cy = this.cy;
    cy.startBatch();
    cy.elements().remove();
    cy.style(stylesheet(this.theme, this.large));
    cy.add(nodes);
    cy.add(edges);
    cy.endBatch();
    performance.mark("lexis:added");
    this.labelled = !this.large;
    this.fitBox(box);
    this.syncLabels();
    performance.mark("lexis:laid-out");
  }

  /** Sets the position of every leaf node in `nodes` and returns the box around them all: the
   * main graph laid out by dagre, then each expanded subgraph by dagre on its own, the subgraphs
   * in a row to the right of the main graph. Input edges never cross a subgraph's border (ids
   * are local to their graph), and call edges (to a subgraph's compound node) are drawn but not
   * laid out: in one dagre run, compound nodes triple the layers of the whole graph and callers
   * would stretch a compound across their ranks (seconds at 1,000). */
  private layout(nodes: NodeDef[], edges: cytoscape.ElementDefinition[]): Box {
    const parents = new Set<string>();
    for (const n of nodes) if (n.data.parent !== undefined) parents.add(n.data.parent);
    const groups = new Map<string, NodeDef[]>([["", []]]);
    for (const p of parents) groups.set(p, []);
    for (const n of nodes) if (!parents.has(n.data.id)) groups.get(n.data.parent ?? "")?.push(n);
    const groupOf = new Map<string, string>();
    for (const n of nodes) groupOf.set(n.data.id, n.data.parent ?? "");
    const links = new Map<string, [string, string][]>();
    for (const e of edges) {
      const d = e.data as { source: string; target: string; kind: string };
      const g = groupOf.get(d.source);
      if (d.kind === "call" || g === undefined || groupOf.get(d.target) !== g || parents.has(d.source) || parents.has(d.target)) continue;
      const list = links.get(g);
      if (list === undefined) links.set(g, [[d.source, d.target]]);
      else list.push([d.source, d.target]);
    }
    const gap = 70;
    const all = emptyBox();
    let x = 0;
    let top = 0;
    const main = groups.get("") ?? [];
    if (main.length > 0) {
      runDagre(main, links.get("") ?? []);
      const bb = boxOf(main);
      x = bb.x2 + gap;
      top = bb.y1;
      grow(all, bb);
    }
    for (const p of parents) {
      const kids = groups.get(p) ?? [];
      runDagre(kids, links.get(p) ?? []);
      const bb = boxOf(kids);
      const dx = x - bb.x1;
      const dy = top + 30 - bb.y1;
      for (const k of kids) {
        if (k.position !== undefined) {
          k.position.x += dx;
          k.position.y += dy;
        }
      }
      // The compound's own box: its padding and border, and its label above it.
      grow(all, { x1: x - 16, y1: top + 30 - 16 - LINE_H - 6, x2: x + bb.x2 - bb.x1 + 16, y2: top + 30 + bb.y2 - bb.y1 + 16 });
      x += bb.x2 - bb.x1 + gap;
    }
    return all;
  }

  /** Fits the view to `box` (model coordinates), as cy.fit() would to the elements' bounding
   * box, without asking Cytoscape.js for it (which resolves every style and measures every
   * label before the first paint). */
  private fitBox(box: Box): void {
    const cy = this.cy;
    const pad = 24;
    const w = cy.width();
    const h = cy.height();
    if (!(box.x2 > box.x1) || !(box.y2 > box.y1) || w <= 2 * pad || h <= 2 * pad) {
      cy.fit(undefined, pad);
      return;
    }
    let zoom = Math.min((w - 2 * pad) / (box.x2 - box.x1), (h - 2 * pad) / (box.y2 - box.y1));
    zoom = Math.max(cy.minZoom(), Math.min(cy.maxZoom(), zoom));
    cy.viewport({ zoom, pan: { x: (w - zoom * (box.x1 + box.x2)) / 2, y: (h - zoom * (box.y1 + box.y2)) / 2 } });
  }

  /** Redraws the nodes' diagnostics (and categories) from the model without moving anything:
   * for a new graph of the same shape (an edit of a value, a new diagnostic). */
  restyle(): void {
    const cy = this.cy;
    cy.startBatch();
    cy.nodes().forEach((el) => {
      const n = this.model.byKey.get(el.id());
      const keep = el.classes().filter((c) => !DRAWN.test(c));
      if (n !== undefined) {
        el.classes([...keep, ...nodeClasses(n)]);
        el.data("color", this.model.color(n.category));
      } else {
        const s = this.model.subgraphByKey.get(el.id());
        const sev = worstSeverity(s?.diagnostics ?? []);
        const collapsedOrEmpty = this.collapsed.has(el.id()) || (this.model.children.get(el.id()) ?? []).length === 0;
        el.classes([...keep.filter((c) => !c.startsWith("diag-")), ...(sev !== null && collapsedOrEmpty ? [`diag-${sev}`] : [])]);
      }
    });
    cy.endBatch();
  }

  /** Gives a big graph's nodes their labels where the view is zoomed in enough to draw them:
   * the nodes in the view and around it (half a view on each side), more as the view moves;
   * they keep them until the next render. Styling and measuring labels costs about a quarter
   * of a millisecond per node, so a zoomed-in view only pays for what it shows. */
  private syncLabels(): void {
    if (this.labelled) return;
    const cy = this.cy;
    if (cy.zoom() * FONT_SIZE < MIN_FONT) return;
    const e = cy.extent();
    const x1 = e.x1 - e.w / 2;
    const x2 = e.x2 + e.w / 2;
    const y1 = e.y1 - e.h / 2;
    const y2 = e.y2 + e.h / 2;
    let missing = 0;
    const near = cy.nodes().filter((n) => {
      if (n.hasClass(LABELLED)) return false;
      const p = n.position();
      const inside = p.x >= x1 && p.x <= x2 && p.y >= y1 && p.y <= y2;
      if (!inside) missing += 1;
      return inside;
    });
    if (near.nonempty()) cy.batch(() => near.addClass(LABELLED));
    if (missing === 0) this.labelled = true;
  }

  hasNode(key: string): boolean {
    return this.cy.getElementById(key).nonempty();
  }

  setClass(key: string | null, cls: string, on: boolean): void {
    if (key === null) return;
    const el = this.cy.getElementById(key);
    if (el.nonempty()) {
      if (on) el.addClass(cls);
      else el.removeClass(cls);
    }
  }

  clearClass(cls: string): void {
    this.cy.elements(`.${cls}`).removeClass(cls);
  }

  /** Pans so that `key` is in view (without changing the zoom unless it is far out). */
  reveal(key: string): void {
    const el = this.cy.getElementById(key);
    if (el.empty()) return;
    const cy = this.cy;
    if (cy.zoom() < 0.5) cy.zoom({ level: 0.8, renderedPosition: el.renderedPosition() });
    const bb = el.renderedBoundingBox({});
    const w = cy.width();
    const h = cy.height();
    if (bb.x1 < 0 || bb.y1 < 0 || bb.x2 > w || bb.y2 > h) cy.center(el);
  }

  fit(): void {
    this.cy.fit(undefined, 24);
  }

  zoomBy(factor: number): void {
    const cy = this.cy;
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }
}
