// The extension's output channels: the server's (also the client's own log lines, prefixed
// `[client]`) and the runs'.

import * as vscode from "vscode";

let server: vscode.OutputChannel | undefined;
let run: vscode.OutputChannel | undefined;

export function initOutput(context: vscode.ExtensionContext): void {
  server = vscode.window.createOutputChannel("Lexis Language Server");
  run = vscode.window.createOutputChannel("Lexis Run");
  context.subscriptions.push(server, run);
}

export function serverChannel(): vscode.OutputChannel {
  if (!server) throw new Error("the Lexis output channels are not created yet");
  return server;
}

export function runChannel(): vscode.OutputChannel {
  if (!run) throw new Error("the Lexis output channels are not created yet");
  return run;
}

/** A line of the client's own log in the server's channel. */
export function log(line: string): void {
  serverChannel().appendLine(`[client] ${line}`);
}
