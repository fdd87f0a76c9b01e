// The Lexis extension: a thin client for the Python language server `lexis-ls`.
//
// Everything language-aware (diagnostics, fixes, formatting, hover, completion, code lenses,
// inlay hints, running programs, hashes) happens in the server. The modules here start it
// (client.ts, interpreter.ts), show its state and the program hash (status.ts), turn the
// server's commands into editor UI (run.ts, hashes.ts, explain.ts, commands.ts) and connect the
// debugger (debug.ts); graph.ts hosts the graph page in a webview. This file only wires them.

import * as vscode from "vscode";
import { initClient, onDidChangeServerState, startServer, stopServer } from "./client";
import { registerCommands } from "./commands";
import { initDebug } from "./debug";
import { explainLinks, initExplain } from "./explain";
import { initGraph, refreshGraph } from "./graph";
import { initHashes, showHashes } from "./hashes";
import { initOutput } from "./output";
import { initRun, runProgram } from "./run";
import { initStatus } from "./status";
import { adoptJsonProgram, refusedInRestrictedMode } from "./util";

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  initOutput(context);
  initClient(context, {
    // The code lenses "▶ Run" and "Program hash" name the server's commands: give them UI.
    executeCommand: async (command, args, next) => {
      if (command === "lexis.run") {
        if (args.length === 1) return runProgram(args[0]);
        // Any other call (another extension's) would run the program too: not in Restricted Mode.
        if (refusedInRestrictedMode("running")) return undefined;
      }
      if (command === "lexis.hash" && args.length === 1) return showHashes(args[0]);
      return next(command, args);
    },
    // A click on a diagnostic's code shows its rendered explain page.
    ...explainLinks,
  });
  initStatus(context);
  initExplain(context);
  initHashes(context);
  initRun(context);
  initDebug(context);
  initGraph(context);
  registerCommands(context);
  context.subscriptions.push(
    onDidChangeServerState((state) => {
      if (state === "ready") refreshGraph();
    }),
  );
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(adoptJsonProgram));
  vscode.workspace.textDocuments.forEach(adoptJsonProgram);
  await startServer();
}

export async function deactivate(): Promise<void> {
  await stopServer();
}
