// The language client: starts the server (see interpreter.ts for the command), restarts it after
// a crash or a settings change, reports its state, and sends it requests.

import * as fs from "fs";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  Middleware,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { INSTALL_HINT, MAX_RESTARTS } from "./config";
import {
  checkExecutable,
  checkPython,
  SAFE_PATH_ENV,
  sameCommand,
  serverCommand,
  ServerCommand,
  serverStartDirectory,
  setExtensionPath,
  setStartDirectory,
} from "./interpreter";
import { log, serverChannel } from "./output";

export type ServerState = "starting" | "ready" | "stopped";

let client: LanguageClient | undefined;
let runningCommand: ServerCommand | undefined;
let startFailure: string | undefined;
let state: ServerState = "starting";
let middleware: Middleware = {};
let extensionUri: vscode.Uri | undefined;
const stateEmitter = new vscode.EventEmitter<ServerState>();

/** Fires when the server starts, is ready, or stops. */
export const onDidChangeServerState = stateEmitter.event;

export function serverState(): ServerState {
  return state;
}

/** Why the server could not start, if it could not. */
export function lastStartFailure(): string | undefined {
  return startFailure;
}

function setState(next: ServerState): void {
  state = next;
  stateEmitter.fire(next);
}

/** `hooks`: the client middleware (the UI the server's own commands get, the explain links). */
export function initClient(context: vscode.ExtensionContext, hooks: Middleware): void {
  extensionUri = context.extensionUri;
  setExtensionPath(context.extensionPath);
  const storage = context.globalStorageUri.fsPath;
  try {
    fs.mkdirSync(storage, { recursive: true });
    setStartDirectory(storage);
  } catch (err) {
    log(`cannot create ${storage} (${err instanceof Error ? err.message : String(err)}): the server starts in the home folder`);
  }
  middleware = hooks;
  context.subscriptions.push(
    stateEmitter,
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration("lexis.server")) return;
      // Restart only when the command that starts the server is another one now (a settings
      // reload that changes nothing must not restart a working server).
      const next = await serverCommand();
      if (client && client.state === State.Running && sameCommand(next, runningCommand)) return;
      void restartServer();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restartServer()),
  );
}

export async function startServer(): Promise<void> {
  setState("starting");
  startFailure = undefined;
  const server = await serverCommand();
  runningCommand = server;
  log(`starting the server with ${server.description}`);

  const problem =
    server.problem ??
    (server.python ? await checkPython(server.command, "lexis_ls", server.env) : checkExecutable(server.command));
  if (problem) {
    failed(problem);
    return;
  }

  // The bundled server's PYTHONPATH goes on top of the extension host's environment (the
  // server's run worker inherits it), and the server starts in a folder of the extension's own
  // (not the opened folder: see serverStartDirectory).
  const options = { cwd: serverStartDirectory(), env: { ...process.env, ...server.env, ...SAFE_PATH_ENV } };
  const serverOptions: ServerOptions = {
    run: { command: server.command, args: server.args, transport: TransportKind.stdio, options },
    debug: { command: server.command, args: server.args, transport: TransportKind.stdio, options },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: "lexis" },
      { language: "json", pattern: "**/*.lexis.json" },
    ],
    synchronize: { configurationSection: "lexis" },
    // The server adds a "Debug" code lens next to "▶ Run" that calls this command with the
    // document's URI.
    initializationOptions: { debugCommand: "lexis.debugProgram" },
    outputChannel: serverChannel(),
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    connectionOptions: { maxRestartCount: MAX_RESTARTS },
    initializationFailedHandler: (error) => {
      log(`initialization failed: ${String(error)}`);
      return false;
    },
    errorHandler: restartingErrorHandler(),
    middleware,
  };
  const c = new LanguageClient("lexis", "Lexis Language Server", serverOptions, clientOptions);
  client = c;
  c.onDidChangeState((event) => {
    if (client !== c) return;
    if (event.newState === State.Running) {
      setState("ready");
    } else if (event.newState === State.Starting) {
      setState("starting");
    } else {
      setState("stopped");
    }
  });
  try {
    await c.start();
  } catch (err) {
    if (client === c) {
      client = undefined;
      failed(`the server did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** The client's default policy (restart after a crash, up to MAX_RESTARTS in 3 minutes),
 * with the crash written to the output channel and the status bar. */
function restartingErrorHandler() {
  const crashes: number[] = [];
  return {
    error: () => ({ action: ErrorAction.Continue }),
    closed: () => {
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && now - crashes[0] > 3 * 60 * 1000) crashes.shift();
      if (crashes.length <= MAX_RESTARTS) {
        log(`the server stopped unexpectedly; restarting (${crashes.length}/${MAX_RESTARTS})`);
        return { action: CloseAction.Restart };
      }
      const message = `The Lexis server crashed ${crashes.length} times in the last 3 minutes and will not be restarted.`;
      log(message);
      void vscode.window
        .showErrorMessage(message, "Restart Server", "Show Output")
        .then((choice) => {
          if (choice === "Restart Server") void restartServer();
          if (choice === "Show Output") serverChannel().show(true);
        });
      setState("stopped");
      return { action: CloseAction.DoNotRestart, handled: true };
    },
  };
}

function failed(reason: string): void {
  startFailure = reason;
  log(reason);
  setState("stopped");
  const message =
    `Lexis: the language server could not start (${reason}). ` +
    "Set `lexis.server.python` to a Python 3.11+ interpreter (the server bundled with the extension " +
    `runs with it, or one installed with \`${INSTALL_HINT}\`), or \`lexis.server.path\`.`;
  void vscode.window
    .showErrorMessage(message, "How to install", "Open Settings", "Show Output")
    .then(async (choice) => {
      if (choice === "How to install") {
        const pick = await vscode.window.showInformationMessage(
          "The extension carries the Lexis server: it needs Python 3.11 or newer (python3 on " +
            "PATH, the Python extension's interpreter, or `lexis.server.python`). To use a server " +
            `installed in your own environment instead: \`${INSTALL_HINT}\`. ` +
            "Then run “Lexis: Restart Server”.",
          "Copy Command",
          "Open README",
        );
        if (pick === "Copy Command") await vscode.env.clipboard.writeText(INSTALL_HINT);
        if (pick === "Open README") await openReadme();
      } else if (choice === "Open Settings") {
        await vscode.commands.executeCommand("workbench.action.openSettings", "lexis.server");
      } else if (choice === "Show Output") {
        serverChannel().show(true);
      }
    });
}

/** The extension's README (its "Installation" section explains the server setup). */
async function openReadme(): Promise<void> {
  if (!extensionUri) return;
  const readme = vscode.Uri.joinPath(extensionUri, "README.md");
  try {
    await vscode.commands.executeCommand("markdown.showPreview", readme);
  } catch {
    await vscode.window.showTextDocument(readme, { preview: true });
  }
}

export async function restartServer(): Promise<void> {
  await stopServer();
  await startServer();
}

export async function stopServer(): Promise<void> {
  const c = client;
  client = undefined;
  if (!c) return;
  setState("starting");
  try {
    await c.stop(2000);
  } catch {
    // not running
  }
  try {
    await c.dispose(2000);
  } catch {
    // already disposed
  }
}

/** The client when the server is running (no message otherwise). */
export function readyClient(): LanguageClient | undefined {
  return client && client.state === State.Running ? client : undefined;
}

/** The client when the server is running; otherwise says so, offering a restart. */
export function runningClient(): LanguageClient | undefined {
  const c = readyClient();
  if (c) return c;
  const why = startFailure ? ` (${startFailure})` : "";
  void vscode.window
    .showErrorMessage(`Lexis: the language server is not running${why}.`, "Restart Server")
    .then((choice) => {
      if (choice === "Restart Server") void restartServer();
    });
  return undefined;
}

/** `workspace/executeCommand` of one of the server's commands (`lexis.run`, `lexis.hash`, …). */
export async function serverCommandRequest<T>(
  command: string,
  args: unknown[],
  token?: vscode.CancellationToken,
): Promise<T> {
  const c = runningClient();
  if (!c) throw new Error("the Lexis language server is not running");
  return (await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token)) as T;
}
