// The commands of the palette, the editor title and the context menu, and Lexis: Fix All.

import * as vscode from "vscode";
import { restartServer } from "./client";
import { debugProgram } from "./debug";
import { explainDiagnostic } from "./explain";
import { showHashes } from "./hashes";
import { serverChannel } from "./output";
import { runProgram } from "./run";
import { isLexisDocument } from "./util";

export function registerCommands(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("lexis.restartServer", restartServer),
    vscode.commands.registerCommand("lexis.runProgram", (uri?: vscode.Uri | string) => runProgram(uri)),
    vscode.commands.registerCommand("lexis.debugProgram", (uri?: vscode.Uri | string) => debugProgram(uri)),
    vscode.commands.registerCommand("lexis.showHashes", (uri?: vscode.Uri | string) => showHashes(uri)),
    vscode.commands.registerCommand("lexis.explainDiagnostic", (code?: unknown) => explainDiagnostic(code)),
    vscode.commands.registerCommand("lexis.fixAll", fixAll),
    vscode.commands.registerCommand("lexis.showServerOutput", () => serverChannel().show(true)),
  );
}

async function fixAll(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !isLexisDocument(editor.document)) {
    void vscode.window.showWarningMessage("Lexis: open a Lexis program (*.lexis.json) first.");
    return;
  }
  const doc = editor.document;
  const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
  const actions =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      "vscode.executeCodeActionProvider",
      doc.uri,
      whole,
      "source.fixAll.lexis",
    )) ?? [];
  const fixes = actions.filter(
    (a): a is vscode.CodeAction =>
      "kind" in a && a.kind !== undefined && vscode.CodeActionKind.SourceFixAll.contains(a.kind),
  );
  if (fixes.length === 0) {
    void vscode.window.showInformationMessage("Lexis: nothing to fix.");
    return;
  }
  for (const fix of fixes.slice(0, 1)) {
    if (fix.edit) await vscode.workspace.applyEdit(fix.edit);
    if (fix.command) {
      await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
    }
  }
}
