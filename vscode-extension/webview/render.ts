// Layout and rendering: the program graph in Cytoscape.js, laid out top to bottom by dagre.
// Subgraphs are compound nodes; a collapsed one is drawn as a single node (its children are not
// added to the canvas). The canvas may show a subset of the graph (the large-graph view).
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { type GraphNode, Model, worstSeverity } from "./data";

cytoscape.use(dagre);

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

function stylesheet(t: Theme, large: boolean): cytoscape.StylesheetJson {
  return [
    {
      selector: "node",
      style: {
        "background-color": "data(color)",
        label: "data(label)",
        "text-wrap": "wrap",
        "text-valign": "center",
        "text-halign": "center",
        "font-size": 11,
        "font-family": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
        color: t.nodeText,
        shape: "round-rectangle",
        width: "data(w)",
        height: "data(h)",
        "border-width": 1,
        "border-color": t.border,
        "min-zoomed-font-size": large ? 6 : 0,
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
        "background-opacity": 1,
        "border-style": "dashed",
        "border-width": 2,
        "border-color": t.muted,
        color: t.fg,
        "font-weight": "bold",
        "text-valign": "top",
        "text-halign": "center",
        "text-margin-y": -4,
        padding: "14px",
        shape: "round-rectangle",
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

/** Layer of each node (0 at the top) along the input edges; null when they have a cycle
 * (reported as LX1005; dagre breaks it) or when dagre's longest-path layering is shorter. */
function layers(nodes: cytoscape.NodeCollection, edges: cytoscape.EdgeCollection): Map<string, number> | null {
  const ins = new Map<string, string[]>();
  const outs = new Map<string, string[]>();
  const pending = new Map<string, number>();
  nodes.forEach((n) => {
    ins.set(n.id(), []);
    outs.set(n.id(), []);
    pending.set(n.id(), 0);
  });
  edges.forEach((e) => {
    const s = e.source().id();
    const t = e.target().id();
    if (s === t || !ins.has(s) || !ins.has(t)) return;
    ins.get(t)?.push(s);
    outs.get(s)?.push(t);
    pending.set(t, (pending.get(t) ?? 0) + 1);
  });
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
    this.cy.on("viewport", () => this.events.viewChanged());
  }

  applyTheme(): void {
    this.theme = readTheme();
    this.cy.style(stylesheet(this.theme, this.large));
  }

  private visible(key: string): boolean {
    return this.subset === null || this.subset.has(key);
  }

  /** Rebuilds the canvas from the model (for the keys in `subset`, or all) and lays it out. */
  render(subset: Set<string> | null): void {
    this.subset = subset;
    const m = this.model;
    const shownCount = subset === null ? m.size : subset.size;
    this.large = shownCount > 600;
    const elements: cytoscape.ElementDefinition[] = [];
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
      elements.push({ group: "nodes", data: { id: s.key, label, w, h, color: this.theme.compound }, classes });
      present.add(s.key);
    }
    for (const n of m.data.nodes) {
      if (!this.visible(n.key)) continue;
      if (n.parent !== null && (this.collapsed.has(n.parent) || !present.has(n.parent))) continue;
      const label = nodeLabel(n);
      const { w, h } = size(label);
      const classes = nodeClasses(n);
      const data: Record<string, unknown> = { id: n.key, label, w, h, color: m.color(n.category) };
      if (n.parent !== null) data.parent = n.parent;
      elements.push({ group: "nodes", data, classes });
      present.add(n.key);
    }
    let i = 0;
    for (const e of m.data.edges) {
      if (!present.has(e.source) || !present.has(e.target)) continue;
      elements.push({ group: "edges", data: { id: `e${i++}`, source: e.source, target: e.target, kind: e.kind }, classes: e.kind });
    }
    performance.mark("lexis:elements");
    const cy = this.cy;
    cy.startBatch();
    cy.elements().remove();
    cy.style(stylesheet(this.theme, this.large));
    cy.add(elements);
    cy.endBatch();
    performance.mark("lexis:added");
    this.layout();
    performance.mark("lexis:laid-out");
  }

  /** Lays the canvas out: the main graph with dagre, then each expanded subgraph with dagre on
   * its own, the subgraphs in a row to the right of the main graph. Input edges never cross a
   * subgraph's border (ids are local to their graph), and call edges (to a subgraph's compound
   * node) are drawn but not laid out: in one dagre run, compound nodes triple the layers of the
   * whole graph and callers would stretch a compound across their ranks (seconds at 1,000). */
  layout(): void {
    const cy = this.cy;
    const compounds = cy.nodes(":parent");
    const inside = compounds.descendants();
    const main = cy.nodes().not(compounds).not(inside);
    const pad = 24;
    const gap = 70;
    let x = 0;
    let top = 0;
    if (main.nonempty()) {
      this.dagre(main.union(main.edgesWith(main)).not("edge.call"));
      const bb = main.boundingBox({});
      x = bb.x2 + gap;
      top = bb.y1;
    }
    compounds.forEach((sg) => {
      const kids = sg.children();
      this.dagre(kids.union(kids.edgesWith(kids)).not("edge.call"));
      const bb = kids.boundingBox({});
      kids.shift({ x: x - bb.x1, y: top + 30 - bb.y1 });
      x += bb.w + gap;
    });
    cy.fit(undefined, pad);
  }

  /** One dagre run over `eles` (positions only; the caller fits the view). */
  private dagre(eles: cytoscape.CollectionReturnValue): void {
    const cy = this.cy;
    if (eles.nodes().empty()) return;
    const options: Record<string, unknown> = {
      name: "dagre",
      rankDir: "TB",
      nodeSep: 18,
      rankSep: 42,
      edgeSep: 8,
      fit: false,
      animate: false,
    };
    // Dagre's default ranker (network simplex) gives the shortest edges but its time grows fast:
    // seconds for 1,000 nodes. Its linear "longest-path" ranker puts every sink on the bottom
    // layer (a print of an early value gets an edge across the whole graph, and dagre a
    // dummy node per layer crossed). So above SIMPLEX_LIMIT nodes the layers are computed here
    // (each node one below its lowest input, sources pulled down to just above their first
    // consumer) and handed to dagre's longest-path ranker as edge lengths, with temporary
    // edges below the sinks; dagre then orders, positions and routes as usual.
    let anchor: cytoscape.CollectionReturnValue | null = null;
    const leaves = eles.nodes();
    if (leaves.length > SIMPLEX_LIMIT) {
      options.ranker = "longest-path";
      // One ordering pass instead of sweeps until no crossing is removed (most of dagre's time
      // on a graph with many layers); passed through by the esbuild.js patch.
      options.dagreLayout = { disableOptimalOrderHeuristic: true };
      const ranks = layers(leaves, eles.edges());
      if (ranks !== null) {
        // Every sink above the bottom layer gets a temporary edge to a node one layer below it
        // (one that shares an input with it when there is one): the longest-path ranker then
        // keeps it there instead of dropping it to the bottom. Such an edge cannot close a
        // cycle: everything above a node is on a smaller layer.
        const byLayer = new Map<number, string>();
        let deepest = 0;
        for (const [k, r] of ranks) {
          deepest = Math.max(deepest, r);
          if (!byLayer.has(r)) byLayer.set(r, k);
        }
        const added: cytoscape.ElementDefinition[] = [];
        leaves.forEach((n) => {
          const r = ranks.get(n.id()) ?? 0;
          if (r >= deepest || n.outgoers("edge.input").nonempty()) return;
          let below: string | undefined;
          n.incomers("edge.input")
            .sources()
            .outgoers("edge.input")
            .targets()
            .forEach((t) => {
              if (below === undefined && ranks.get(t.id()) === r + 1) below = t.id();
            });
          below ??= byLayer.get(r + 1);
          if (below !== undefined) {
            added.push({ group: "edges", data: { id: `__lexis_sink_${n.id()}`, source: n.id(), target: below, len: 1 } });
          }
        });
        cy.startBatch();
        anchor = cy.add(added);
        cy.endBatch();
        eles = eles.union(anchor);
        options.minLen = (edge: cytoscape.EdgeSingular): number => {
          const len = edge.data("len") as number | undefined;
          if (len !== undefined) return len;
          const d = (ranks.get(edge.target().id()) ?? 0) - (ranks.get(edge.source().id()) ?? 0);
          return Math.max(1, d);
        };
      }
    }
    eles.layout(options as unknown as cytoscape.LayoutOptions).run();
    if (anchor !== null) anchor.remove();
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
