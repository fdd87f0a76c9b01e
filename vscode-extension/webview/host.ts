// The host bridge: in a VS Code webview (when `acquireVsCodeApi` exists) messages and view state
// go through the VS Code API; standalone, the graph comes from the page's embedded JSON and the
// view state is kept nowhere (a page reload starts afresh).
import type { GraphData, Range, Trace } from "./data";

export interface ViewState {
  selected: string | null;
  zoom: number | null;
  pan: { x: number; y: number } | null;
  collapsed: string[];
}

export type HostMessage =
  | { type: "graph"; data: GraphData }
  | { type: "cursor"; key: string | null }
  | { type: "trace"; trace: Trace | null }
  | { type: "debugNode"; key: string | null };

export type PageMessage = { type: "ready" } | { type: "reveal"; key: string; range: Range };

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  interface Window {
    acquireVsCodeApi?: () => VsCodeApi;
  }
}

export interface Host {
  readonly inVsCode: boolean;
  post(message: PageMessage): void;
  state(): ViewState | null;
  saveState(state: ViewState): void;
  /** Calls `handler` for each message from the host (VS Code only). */
  listen(handler: (message: HostMessage) => void): void;
}

function isViewState(v: unknown): v is ViewState {
  return typeof v === "object" && v !== null && "collapsed" in v && Array.isArray((v as ViewState).collapsed);
}

class VsCodeHost implements Host {
  readonly inVsCode = true;
  constructor(private readonly api: VsCodeApi) {}
  post(message: PageMessage): void {
    this.api.postMessage(message);
  }
  state(): ViewState | null {
    const s = this.api.getState();
    return isViewState(s) ? s : null;
  }
  saveState(state: ViewState): void {
    this.api.setState(state);
  }
  listen(handler: (message: HostMessage) => void): void {
    window.addEventListener("message", (event: MessageEvent) => {
      const m: unknown = event.data;
      if (typeof m === "object" && m !== null && typeof (m as { type?: unknown }).type === "string") {
        handler(m as HostMessage);
      }
    });
  }
}

class StandaloneHost implements Host {
  readonly inVsCode = false;
  post(_message: PageMessage): void {
    // Nobody to tell: a standalone page has no editor behind it.
  }
  state(): ViewState | null {
    return null;
  }
  saveState(_state: ViewState): void {
    // A standalone page keeps no state.
  }
  listen(_handler: (message: HostMessage) => void): void {
    // The embedded JSON is the only graph a standalone page shows.
  }
}

export function connectHost(): Host {
  if (typeof window.acquireVsCodeApi === "function") return new VsCodeHost(window.acquireVsCodeApi());
  return new StandaloneHost();
}

/** The GraphData embedded in the page, or null when there is none. */
export function embeddedData(): unknown {
  const el = document.getElementById("lexis-graph-data");
  if (el === null || !el.textContent) return null;
  try {
    return JSON.parse(el.textContent) as unknown;
  } catch {
    return null;
  }
}
