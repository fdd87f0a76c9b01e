// Lexis: Show Content Hashes (also the "Program hash" code lens).

import * as vscode from "vscode";
import { serverCommandRequest } from "./client";
import { HASHES_SCHEME } from "./config";
import { errorText, fileName, targetDocument } from "./util";

/** What `lexis.hash` answers. */
export interface HashReport {
  program: string | null;
  nodes: Record<string, string | null>;
  subgraphs: Record<string, string | null>;
}

const pages = new Map<string, string>();

export function initHashes(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(HASHES_SCHEME, {
      provideTextDocumentContent: (uri) => pages.get(uri.path) ?? "",
    }),
  );
}

export async function showHashes(arg?: unknown): Promise<HashReport | undefined> {
  const doc = await targetDocument(arg);
  if (!doc) return undefined;
  let report: HashReport;
  try {
    report = await serverCommandRequest<HashReport>("lexis.hash", [doc.uri.toString()]);
  } catch (err) {
    void vscode.window.showErrorMessage(`Lexis: no hashes: ${errorText(err)}`);
    return undefined;
  }
  type Item = vscode.QuickPickItem & { hash?: string; nodeId?: string };
  const items: Item[] = [];
  items.push({
    label: "$(symbol-namespace) program",
    description: report.program ?? "none while the program has errors",
    hash: report.program ?? undefined,
  });
  const nodes = Object.entries(report.nodes ?? {});
  if (nodes.length) items.push({ label: "nodes", kind: vscode.QuickPickItemKind.Separator });
  for (const [id, hash] of nodes) {
    items.push({
      label: `$(symbol-variable) ${id}`,
      description: hash ?? "undefined",
      hash: hash ?? undefined,
      nodeId: id,
    });
  }
  const subgraphs = Object.entries(report.subgraphs ?? {});
  if (subgraphs.length) items.push({ label: "subgraphs", kind: vscode.QuickPickItemKind.Separator });
  for (const [name, hash] of subgraphs) {
    items.push({ label: `$(symbol-function) ${name}`, description: hash ?? "undefined", hash: hash ?? undefined });
  }
  items.push({ label: "", kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: "$(file-text) Open as a document…", detail: "every hash, as text" });

  const name = fileName(doc.uri);
  const pick = await vscode.window.showQuickPick(items, {
    title: `Lexis content hashes — ${name}`,
    placeHolder: "Pick a hash to copy it to the clipboard",
    matchOnDescription: true,
  });
  if (!pick) return report;
  if (pick.hash) {
    await vscode.env.clipboard.writeText(pick.hash);
    void vscode.window.showInformationMessage(`Lexis: copied the hash of ${pick.label.replace(/^\$\([^)]*\) /, "")}.`);
  } else if (pick.label.includes("Open as a document")) {
    const lines = [`# Content hashes of ${name}`, "", `program  ${report.program ?? "undefined"}`, ""];
    for (const [id, hash] of nodes) lines.push(`node     ${id}  ${hash ?? "undefined"}`);
    for (const [sub, hash] of subgraphs) lines.push(`subgraph ${sub}  ${hash ?? "undefined"}`);
    const path = `/${name}.hashes.txt`;
    pages.set(path, lines.join("\n") + "\n");
    const view = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: HASHES_SCHEME, path }));
    await vscode.window.showTextDocument(view, { preview: true });
  }
  return report;
}
