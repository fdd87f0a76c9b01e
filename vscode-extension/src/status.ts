// The status bar item: the server's state and the active program's hash (click: the hashes).

import * as vscode from "vscode";
import { ExecuteCommandRequest } from "vscode-languageclient/node";
import { lastStartFailure, onDidChangeServerState, readyClient, serverState } from "./client";
import { HashReport } from "./hashes";
import { activeLexisDocument, isLexisDocument } from "./util";

let item: vscode.StatusBarItem;
let timer: NodeJS.Timeout | undefined;
let hashState: { uri: string; hash: string | null; note?: string } | undefined;

export function initStatus(context: vscode.ExtensionContext): void {
  item = vscode.window.createStatusBarItem("lexis.status", vscode.StatusBarAlignment.Left, 50);
  item.name = "Lexis";
  context.subscriptions.push(
    item,
    { dispose: () => timer && clearTimeout(timer) },
    onDidChangeServerState((state) => {
      if (state === "ready") scheduleHashUpdate(0);
      else render();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => scheduleHashUpdate(0)),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (isLexisDocument(doc)) scheduleHashUpdate(0);
    }),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === vscode.window.activeTextEditor?.document && isLexisDocument(event.document)) {
        scheduleHashUpdate(750);
      }
    }),
  );
  render();
}

function render(): void {
  const doc = activeLexisDocument();
  const state = serverState();
  if (state === "starting") {
    item.text = "$(sync~spin) Lexis";
    item.tooltip = "Lexis: the language server is starting";
    item.accessibilityInformation = { label: "Lexis: the language server is starting", role: "button" };
    item.command = "lexis.showServerOutput";
  } else if (state === "stopped") {
    const failure = lastStartFailure();
    item.text = "$(error) Lexis: stopped";
    item.tooltip = `Lexis: the language server is stopped${failure ? ` (${failure})` : ""}. Click to restart.`;
    item.accessibilityInformation = { label: item.tooltip, role: "button" };
    item.command = "lexis.restartServer";
  } else {
    const current = doc && hashState && hashState.uri === doc.uri.toString() ? hashState : undefined;
    if (current?.hash) {
      item.text = `$(check) Lexis #${current.hash.slice(0, 8)}`;
      item.tooltip = new vscode.MarkdownString(
        `**Lexis**: server ready\n\nProgram hash (BLAKE3):\n\n\`${current.hash}\`\n\nClick to list the content hashes.`,
      );
      // Screen readers get plain text, not the tooltip's Markdown.
      item.accessibilityInformation = {
        label: `Lexis: server ready. Program hash ${current.hash.slice(0, 8)}. Activate to list the content hashes.`,
        role: "button",
      };
    } else {
      item.text = "$(check) Lexis";
      item.tooltip = current?.note ? `Lexis: server ready; ${current.note}` : "Lexis: server ready";
      item.accessibilityInformation = { label: item.tooltip, role: "button" };
    }
    item.command = "lexis.showHashes";
  }
  if (doc || state !== "ready") {
    item.show();
  } else {
    item.hide();
  }
}

function scheduleHashUpdate(delay: number): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void updateHash(), delay);
  render();
}

async function updateHash(): Promise<void> {
  const doc = activeLexisDocument();
  const client = readyClient();
  if (!doc || !client) {
    render();
    return;
  }
  const uri = doc.uri.toString();
  try {
    const report = (await client.sendRequest(ExecuteCommandRequest.type, {
      command: "lexis.hash",
      arguments: [uri],
    })) as HashReport;
    hashState = {
      uri,
      hash: report?.program ?? null,
      note: report?.program ? undefined : "no program hash while the program has errors",
    };
  } catch (err) {
    hashState = { uri, hash: null, note: `program hash unavailable: ${err instanceof Error ? err.message : String(err)}` };
  }
  render();
}
