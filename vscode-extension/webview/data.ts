// The data model of the graph page: GraphData as `lexis_ls.lang.graph` builds it (see the
// contract in the notes), and the indexes the page needs (by key, consumers, neighbours).

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = "error" | "warning" | "information" | "hint";

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
}

export interface GraphNode {
  id: string;
  key: string;
  op: string;
  category: string;
  parent: string | null;
  inputs: string[];
  range: Range;
  idRange: Range | null;
  hash: string | null;
  capability: string | null;
  calls: string | null;
  diagnostics: Finding[];
}

export interface Subgraph {
  key: string;
  name: string;
  range: Range;
  hash?: string | null;
  diagnostics?: Finding[];
}

export interface Edge {
  source: string;
  target: string;
  kind: "input" | "call";
}

export interface Category {
  name: string;
  label: string;
  color: string;
}

export interface TraceError {
  message: string;
  node?: string | null;
  causes: string[];
}

export interface TraceValue {
  value: string;
  error: TraceError | null;
  durationMs: number | null;
  hash: string | null;
}

export interface Trace {
  order: string[];
  values: Record<string, TraceValue>;
  status: "ok" | "error" | "stopped";
  reason?: string | null;
  durationMs?: number | null;
  output: string;
}

export interface GraphData {
  version: number;
  file: string;
  programHash: string | null;
  nodes: GraphNode[];
  subgraphs: Subgraph[];
  edges: Edge[];
  diagnostics: Finding[];
  categories: Category[];
  trace: Trace | null;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

export function worstSeverity(findings: readonly Finding[]): Severity | null {
  let best: Severity | null = null;
  for (const f of findings) {
    if (best === null || SEVERITY_RANK[f.severity] < SEVERITY_RANK[best]) best = f.severity;
  }
  return best;
}

export function emptyGraph(): GraphData {
  return {
    version: 1,
    file: "",
    programHash: null,
    nodes: [],
    subgraphs: [],
    edges: [],
    diagnostics: [],
    categories: [],
    trace: null,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** GraphData from untrusted JSON: missing arrays become empty, so a partial document still draws. */
export function normalize(raw: unknown): GraphData {
  const g = emptyGraph();
  if (!isObject(raw)) return g;
  const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  g.version = typeof raw.version === "number" ? raw.version : 1;
  g.file = typeof raw.file === "string" ? raw.file : "";
  g.programHash = typeof raw.programHash === "string" ? raw.programHash : null;
  g.nodes = arr<GraphNode>(raw.nodes).filter((n) => isObject(n) && typeof n.key === "string");
  for (const n of g.nodes) {
    n.inputs = arr<string>(n.inputs);
    n.diagnostics = arr<Finding>(n.diagnostics);
    n.parent = typeof n.parent === "string" ? n.parent : null;
  }
  g.subgraphs = arr<Subgraph>(raw.subgraphs).filter((s) => isObject(s) && typeof s.key === "string");
  g.edges = arr<Edge>(raw.edges).filter((e) => isObject(e) && typeof e.source === "string");
  g.diagnostics = arr<Finding>(raw.diagnostics);
  g.categories = arr<Category>(raw.categories);
  g.trace = isObject(raw.trace) ? normalizeTrace(raw.trace) : null;
  return g;
}

export function normalizeTrace(raw: unknown): Trace | null {
  if (!isObject(raw)) return null;
  const order = Array.isArray(raw.order) ? raw.order.filter((k): k is string => typeof k === "string") : [];
  const values = isObject(raw.values) ? (raw.values as Record<string, TraceValue>) : {};
  const status = raw.status === "error" || raw.status === "stopped" ? raw.status : "ok";
  return {
    order,
    values,
    status,
    reason: typeof raw.reason === "string" ? raw.reason : null,
    durationMs: typeof raw.durationMs === "number" ? raw.durationMs : null,
    output: typeof raw.output === "string" ? raw.output : "",
  };
}

/** Indexes over one GraphData, built once per graph. */
export class Model {
  readonly byKey = new Map<string, GraphNode>();
  readonly subgraphByKey = new Map<string, Subgraph>();
  readonly consumers = new Map<string, string[]>(); // key -> keys of nodes that take it as input
  readonly producers = new Map<string, string[]>(); // key -> keys of its input nodes
  readonly callers = new Map<string, string[]>(); // subgraph key -> keys of the nodes calling it
  readonly calls = new Map<string, string>(); // node key -> subgraph key it calls
  readonly categories = new Map<string, { label: string; color: string }>();
  readonly children = new Map<string, string[]>(); // subgraph key -> node keys

  constructor(readonly data: GraphData) {
    for (const c of data.categories) this.categories.set(c.name, { label: c.label, color: c.color });
    for (const s of data.subgraphs) {
      this.subgraphByKey.set(s.key, s);
      this.children.set(s.key, []);
    }
    for (const n of data.nodes) {
      this.byKey.set(n.key, n);
      if (n.parent !== null) this.children.get(n.parent)?.push(n.key);
    }
    for (const e of data.edges) {
      if (e.kind === "call") {
        push(this.callers, e.target, e.source);
        this.calls.set(e.source, e.target);
      } else {
        push(this.consumers, e.source, e.target);
        push(this.producers, e.target, e.source);
      }
    }
  }

  get size(): number {
    return this.data.nodes.length;
  }

  has(key: string): boolean {
    return this.byKey.has(key) || this.subgraphByKey.has(key);
  }

  color(category: string): string {
    return this.categories.get(category)?.color ?? "#eeeeee";
  }

  /** The keys nearest to `center` (through inputs, consumers, calls and callers): all those
   * within `hops` steps, and further steps while fewer than `want`; at most `cap` keys. */
  neighbourhood(center: string, hops: number, want: number, cap: number): { keys: Set<string>; steps: number } {
    const seen = new Set<string>([center]);
    let frontier = [center];
    let h = 0;
    for (; frontier.length > 0 && seen.size < cap && (h < hops || seen.size < want); h++) {
      const next: string[] = [];
      for (const k of frontier) {
        const around = [
          ...(this.producers.get(k) ?? []),
          ...(this.consumers.get(k) ?? []),
          ...(this.callers.get(k) ?? []),
          ...(this.children.get(k) ?? []),
        ];
        const call = this.calls.get(k);
        if (call !== undefined) around.push(call);
        for (const a of around) {
          if (seen.size >= cap) break;
          if (!seen.has(a)) {
            seen.add(a);
            next.push(a);
          }
        }
      }
      frontier = next;
    }
    return { keys: seen, steps: h };
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
