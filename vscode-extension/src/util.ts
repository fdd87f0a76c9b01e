// Small helpers shared by the modules: which documents are Lexis programs, which one a command
// is about, timeouts, Restricted Mode.

import * as path from "path";
import * as vscode from "vscode";

export function isLexisDocument(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  if (!doc) return false;
  if (doc.languageId === "lexis") return true;
  return doc.languageId === "json" && /\.lexis\.json$/i.test(doc.uri.path);
}

export function activeLexisDocument(): vscode.TextDocument | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return isLexisDocument(doc) ? doc : undefined;
}

/** LEXIS.md §1: a `.json` file whose first key is `"spec"` with a value starting `"lexis-"` is
 * Lexis too (`firstLine` only sees `{"spec": "lexis-…` written on one line). */
export function adoptJsonProgram(doc: vscode.TextDocument): void {
  if (doc.languageId !== "json" || /\.lexis\.json$/i.test(doc.uri.path)) return;
  const head = doc.getText(new vscode.Range(0, 0, Math.min(doc.lineCount, 20), 0));
  if (/^\uFEFF?\s*\{\s*"spec"\s*:\s*"lexis-/.test(head)) {
    void vscode.languages.setTextDocumentLanguage(doc, "lexis");
  }
}

export function toUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === "string" && value) return vscode.Uri.parse(value);
  if (value && typeof value === "object" && typeof (value as { uri?: unknown }).uri === "string") {
    return vscode.Uri.parse((value as { uri: string }).uri);
  }
  return undefined;
}

/** The document a command is about: the URI it was given (a code lens, an editor title button),
 * else the active Lexis editor's. */
export async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
  const uri = toUri(arg);
  if (uri) {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    return open ?? (await vscode.workspace.openTextDocument(uri));
  }
  const doc = activeLexisDocument();
  if (!doc) {
    void vscode.window.showWarningMessage("Lexis: open a Lexis program (*.lexis.json) first.");
  }
  return doc;
}

export function baseName(fsPath: string): string {
  return path.basename(fsPath);
}

export function fileName(uri: vscode.Uri): string {
  return uri.path.split("/").pop() ?? uri.toString();
}

export function withTimeout<T>(promise: Thenable<T>, ms: number): Promise<T | undefined> {
  return Promise.race([
    Promise.resolve(promise),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms)),
  ]);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Refuses `action` ("running" / "debugging") in Restricted Mode: it would execute the program. */
export function refusedInRestrictedMode(action: string): boolean {
  if (vscode.workspace.isTrusted) return false;
  void vscode.window
    .showErrorMessage(
      `Lexis: ${action} programs is disabled in Restricted Mode. Trust this workspace to run Lexis programs.`,
      "Manage Workspace Trust",
    )
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand("workbench.trust.manage");
    });
  return true;
}
