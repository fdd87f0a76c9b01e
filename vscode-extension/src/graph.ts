// Lexis: Show Graph: the program's DAG in a webview beside the editor.
//
// The page (webview/, bundled to dist/graph.js + dist/graph.css) draws what it is sent; this
// module is its host (the contract is in the notes' graph-protocol.md): it asks the server for
// the graph (`lexis/graph`) of the document shown, again after edits (debounced) and after a run
// (the server adds the run's values), tells the page which node is under the cursor and which
// one the debugger is stopped at (with the values so far), and reveals a clicked node's id in the
// editor. Showing the graph runs nothing, so it works in Restricted Mode too.

import * as crypto from "crypto";
import * as vscode from "vscode";
import { lastStartFailure, readyClient, serverState } from "./client";
import { DEBUG_TYPE } from "./config";
import { log } from "./output";
import { onDidRun } from "./run";
import { activeLexisDocument, errorText, fileName, isLexisDocument, targetDocument } from "./util";

export const VIEW_TYPE = "lexis.graph";
const GRAPH_REQUEST = "lexis/graph";
const EDIT_DELAY_MS = 300;
const STATE_KEY = "lexis.graph.document";

// --- GraphData (the part the host reads; the page reads the rest) ------------------------------

interface Position {
  line: number;
  character: number;
}

interface Range {
  start: Position;
  end: Position;
}

interface GraphNode {
  id: string;
  key: string;
  parent: string | null;
  range: Range;
  idRange?: Range | null;
}

interface TraceValue {
  value: string;
  error: { message: string; causes: string[] } | null;
  durationMs: number | null;
  hash: string | null;
}

interface Trace {
  order: string[];
  values: Record<string, TraceValue>;
  status: "ok" | "error" | "stopped";
  output: string;
}

interface GraphData {
  version: number;
  nodes: GraphNode[];
  trace?: Trace | null;
  [more: string]: unknown;
}

type PageMessage =
  | { type: "ready" }
  | { type: "reveal"; key: string; range?: Range };

function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function contains(r: Range, line: number, character: number): boolean {
  return toRange(r).contains(new vscode.Position(line, character));
}

/** The node whose text holds the position (the innermost, should ranges nest). */
function nodeAt(graph: GraphData | undefined, line: number, character: number): GraphNode | undefined {
  let best: GraphNode | undefined;
  for (const node of graph?.nodes ?? []) {
    if (!node.range || !contains(node.range, line, character)) continue;
    if (!best || toRange(best.range).contains(toRange(node.range))) best = node;
  }
  return best;
}

function nonce(): string {
  return crypto.randomBytes(18).toString("base64").replace(/[^A-Za-z0-9]/g, "");
}

// --- the panel ---------------------------------------------------------------------------------

class GraphPanel {
  private graph: GraphData | undefined;
  private ready = false;
  private editTimer: NodeJS.Timeout | undefined;
  private requestId = 0;
  private cursorKey: string | null | undefined;
  private debugKey: string | null = null;
  private debugTrace: Trace | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private warned = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private uri: vscode.Uri,
    private readonly extensionUri: vscode.Uri,
    private readonly state: vscode.Memento,
  ) {
    const dist = vscode.Uri.joinPath(extensionUri, "dist");
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    panel.webview.html = this.html();
    this.retitle();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: PageMessage) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    void this.state.update(STATE_KEY, uri.toString());
  }

  get documentUri(): vscode.Uri {
    return this.uri;
  }

  /** Shows another document's graph. */
  show(uri: vscode.Uri): void {
    if (uri.toString() !== this.uri.toString()) {
      this.uri = uri;
      this.graph = undefined;
      this.cursorKey = undefined;
      this.debugKey = null;
      this.debugTrace = undefined;
      this.retitle();
      void this.state.update(STATE_KEY, uri.toString());
      void this.refresh();
    }
  }

  private retitle(): void {
    this.panel.title = `Graph: ${fileName(this.uri)}`;
  }

  private html(): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, "graph.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, "graph.css"));
    const n = nonce();
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${n}'`,
      `style-src ${webview.cspSource} 'nonce-${n}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}" nonce="${n}">
<title>Lexis graph</title>
</head>
<body>
<div id="lexis-graph-root"></div>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
  }

  private post(message: unknown): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private onMessage(m: PageMessage): void {
    if (m?.type === "ready") {
      this.ready = true;
      this.cursorKey = undefined;
      void this.refresh();
    } else if (m?.type === "reveal" && typeof m.key === "string") {
      void this.reveal(m.key, m.range);
    }
  }

  /** Asks the server for the graph of the document as it is now and sends it to the page. */
  async refresh(): Promise<void> {
    const id = ++this.requestId;
    const data = await this.request();
    if (id !== this.requestId || !data) return; // a newer request is on its way, or no answer
    this.graph = data;
    this.post({ type: "graph", data });
    if (this.debugTrace) this.post({ type: "trace", trace: this.debugTrace });
    if (this.debugKey) this.post({ type: "debugNode", key: this.debugKey });
    this.cursorKey = undefined;
    this.updateCursor();
  }

  private async request(): Promise<GraphData | undefined> {
    const client = readyClient();
    const name = fileName(this.uri);
    if (!client) {
      // Starting: the panel asks again once the server is ready. Stopped: say so.
      if (serverState() === "stopped") {
        const why = lastStartFailure();
        this.problem(`no graph of ${name}: the language server is not running${why ? ` (${why})` : ""}`);
      }
      return undefined;
    }
    // The server knows the documents the editor has open (after a reload the panel can come
    // back before its document).
    if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === this.uri.toString())) {
      try {
        await vscode.workspace.openTextDocument(this.uri);
      } catch (err) {
        this.problem(`cannot open ${name}: ${errorText(err)}`);
        return undefined;
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const data = await client.sendRequest<GraphData | null>(GRAPH_REQUEST, {
          textDocument: { uri: client.code2ProtocolConverter.asUri(this.uri) },
        });
        if (data && Array.isArray(data.nodes)) {
          this.warned = false;
          return data;
        }
      } catch (err) {
        this.problem(`the server gave no graph of ${name}: ${errorText(err)}`);
        return undefined;
      }
      // A document just opened reaches the server a moment later: ask once more.
      if (attempt === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    this.problem(`the server has no graph of ${name}`);
    return undefined;
  }

  private problem(message: string): void {
    log(message);
    if (this.warned) return;
    this.warned = true;
    void vscode.window.showWarningMessage(`Lexis: ${message}.`, "Show Output").then((choice) => {
      if (choice) void vscode.commands.executeCommand("lexis.showServerOutput");
    });
  }

  /** A run of the document answered: the server's graph now carries its values. */
  runFinished(): void {
    this.debugTrace = undefined;
    void this.refresh();
  }

  onEdit(doc: vscode.TextDocument): void {
    if (doc.uri.toString() !== this.uri.toString()) return;
    this.debugTrace = undefined; // the values were those of the text before the edit
    if (this.editTimer) clearTimeout(this.editTimer);
    this.editTimer = setTimeout(() => void this.refresh(), EDIT_DELAY_MS);
  }

  /** The node under the cursor of the editor showing the document, to the page. */
  updateCursor(editor = this.editor()): void {
    if (!editor || !this.graph) return;
    const at = editor.selection.active;
    const key = nodeAt(this.graph, at.line, at.character)?.key ?? null;
    if (key === this.cursorKey) return;
    this.cursorKey = key;
    this.post({ type: "cursor", key });
  }

  private editor(): vscode.TextEditor | undefined {
    const uri = this.uri.toString();
    const active = vscode.window.activeTextEditor;
    if (active?.document.uri.toString() === uri) return active;
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
  }

  /** Selects the id of the node `key` in the editor column the document is shown in (not the
   * webview's), opening it there when it is not visible. */
  private async reveal(key: string, range?: Range): Promise<void> {
    const node = this.graph?.nodes.find((n) => n.key === key);
    const target = node?.idRange ?? node?.range ?? range;
    if (!target) return;
    const selection = toRange(node?.idRange ?? target);
    let editor = this.editor();
    const column =
      editor?.viewColumn ??
      (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
    try {
      const doc = editor?.document ?? (await vscode.workspace.openTextDocument(this.uri));
      editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false });
    } catch (err) {
      log(`cannot reveal ${key}: ${errorText(err)}`);
      return;
    }
    // The selection is the id, inside its quotes (ready to be renamed or copied): the cursor
    // lands on the node, which the page marks too.
    let id = selection;
    const text = editor.document.getText(selection);
    if (node?.idRange && text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
      id = new vscode.Range(selection.start.translate(0, 1), selection.end.translate(0, -1));
    }
    editor.selection = new vscode.Selection(id.start, id.end);
    editor.revealRange(id, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    // The click that asked for this focused the webview too, and that focus can reach the
    // workbench after the editor's: give the focus back to the editor then.
    const shown = editor;
    setTimeout(() => {
      if (this.panel.active) {
        void vscode.window.showTextDocument(shown.document, { viewColumn: shown.viewColumn, preserveFocus: false });
      }
    }, 200);
    this.cursorKey = key;
    this.post({ type: "cursor", key });
  }

  /** The debugger stopped at `position` of `file` (or left, when undefined). */
  debugStopped(file: string | undefined, line?: number, character?: number): void {
    if (file === undefined || line === undefined || character === undefined) {
      this.setDebugNode(null);
      return;
    }
    if (!this.isDocument(file)) return;
    const node = nodeAt(this.graph, line, character);
    this.setDebugNode(node?.key ?? null);
  }

  /** Whether a debug adapter's source path is this document. In a remote window (code-server,
   * Remote - SSH) VS Code hands the adapter's paths to extensions as `vscode-remote://` URIs. */
  private isDocument(file: string): boolean {
    const uri = /^[a-z][a-z0-9+.-]+:\/\//i.test(file) ? vscode.Uri.parse(file) : vscode.Uri.file(file);
    return uri.path === this.uri.path;
  }

  private setDebugNode(key: string | null): void {
    if (key === this.debugKey) return;
    this.debugKey = key;
    this.post({ type: "debugNode", key });
  }

  /** The values of the debug session so far, keyed as the graph keys the nodes of the graph
   * the debugger stopped in. */
  debugValues(file: string, values: { name: string; value: string; type?: string }[], status: Trace["status"]): void {
    if (!this.isDocument(file) || !this.graph) return;
    const at = this.graph.nodes.find((n) => n.key === this.debugKey);
    const prefix = at && at.parent ? at.key.slice(0, at.key.length - at.id.length) : "";
    const trace: Trace = { order: [], values: {}, status, output: "" };
    for (const v of values) {
      const key = prefix + v.name;
      trace.order.push(key);
      trace.values[key] = {
        value: v.value,
        error: v.type === "ERROR" ? { message: v.value, causes: [] } : null,
        durationMs: null,
        hash: null,
      };
    }
    this.debugTrace = trace;
    this.post({ type: "trace", trace });
  }

  dispose(): void {
    if (this.editTimer) clearTimeout(this.editTimer);
    while (this.disposables.length) this.disposables.pop()?.dispose();
    if (current === this) current = undefined;
  }
}

let current: GraphPanel | undefined;

/** Lexis: Show Graph. */
async function showGraph(context: vscode.ExtensionContext, arg?: unknown): Promise<void> {
  const doc = await targetDocument(arg);
  if (!doc) return;
  if (current) {
    current.show(doc.uri);
    current.panel.reveal(undefined, true);
    return;
  }
  const panel = vscode.window.createWebviewPanel(
    VIEW_TYPE,
    `Graph: ${fileName(doc.uri)}`,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
    { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, "dist")] },
  );
  current = new GraphPanel(panel, doc.uri, context.extensionUri, context.workspaceState);
}

// --- the debugger: where it stopped, the values so far ----------------------------------------

interface StackFrame {
  id: number;
  line: number;
  column: number;
  source?: { path?: string };
}

/** On each stop of a Lexis session: the top frame's place and its "Node values" scope. */
async function onStopped(session: vscode.DebugSession, threadId: number): Promise<void> {
  const panel = current;
  if (!panel) return;
  try {
    const trace = await session.customRequest("stackTrace", { threadId, startFrame: 0, levels: 1 });
    const frame: StackFrame | undefined = trace?.stackFrames?.[0];
    const file = frame?.source?.path;
    if (!frame || !file) return;
    // VS Code asks adapters for 1-based lines and columns.
    panel.debugStopped(file, frame.line - 1, Math.max(0, frame.column - 1));
    const scopes = await session.customRequest("scopes", { frameId: frame.id });
    const values = (scopes?.scopes ?? []).find((s: { name?: string }) => s.name === "Node values");
    if (!values) return;
    const vars = await session.customRequest("variables", { variablesReference: values.variablesReference });
    panel.debugValues(file, vars?.variables ?? [], "stopped");
  } catch (err) {
    log(`the graph cannot follow the debugger: ${errorText(err)}`);
  }
}

class GraphDebugTracker implements vscode.DebugAdapterTracker {
  constructor(private readonly session: vscode.DebugSession) {}

  onDidSendMessage(message: any): void {
    if (message?.type !== "event") return;
    if (message.event === "stopped") {
      void onStopped(this.session, typeof message.body?.threadId === "number" ? message.body.threadId : 1);
    } else if (message.event === "continued") {
      current?.debugStopped(undefined);
    }
  }

  onWillStopSession(): void {
    current?.debugStopped(undefined);
  }
}

// --- wiring -------------------------------------------------------------------------------------

export function initGraph(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("lexis.showGraph", (uri?: vscode.Uri | string) => showGraph(context, uri)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      // After a reload: the same document's graph (the page restores its own view state).
      async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
        const saved = context.workspaceState.get<string>(STATE_KEY);
        const uri = saved ? vscode.Uri.parse(saved) : activeLexisDocument()?.uri;
        if (!uri || current) {
          panel.dispose();
          return;
        }
        current = new GraphPanel(panel, uri, context.extensionUri, context.workspaceState);
      },
    }),
    vscode.workspace.onDidChangeTextDocument((event) => current?.onEdit(event.document)),
    vscode.window.onDidChangeTextEditorSelection((event) => {
      if (current && event.textEditor.document.uri.toString() === current.documentUri.toString()) {
        current.updateCursor(event.textEditor);
      }
    }),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      // The panel follows the Lexis program being edited.
      if (current && editor && isLexisDocument(editor.document) && editor.document.uri.scheme === "file") {
        current.show(editor.document.uri);
      }
    }),
    onDidRun(({ uri }) => {
      if (current && uri.toString() === current.documentUri.toString()) current.runFinished();
    }),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: (session) => new GraphDebugTracker(session),
    }),
    { dispose: () => current?.panel.dispose() },
  );
}

/** The server (re)started: the panel asks again. */
export function refreshGraph(): void {
  void current?.refresh();
}
