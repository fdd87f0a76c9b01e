// The Lexis extension: a thin client for the Python language server `lexis-ls`.
//
// Everything language-aware (diagnostics, fixes, formatting, hover, completion, code lenses,
// inlay hints, running programs, hashes) happens in the server. This file starts it, restarts
// it, shows its state and the current program hash in the status bar, and turns the server's
// commands (`lexis.run`, `lexis.hash`, `lexis.explain`) into editor UI. Debugging goes to the
// server's Debug Adapter Protocol side (`lexis-ls dap` / `python -m lexis_ls.dap`).

import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

const INSTALL_HINT = "pip install lexis-ls";
const EXPLAIN_SCHEME = "lexis-explain";
const HASHES_SCHEME = "lexis-hashes";
const MAX_RESTARTS = 5;
const DEBUG_TYPE = "lexis";

/** What `lexis.run` answers. */
interface RunResult {
  stdout: string;
  values: Record<string, string>;
  errors: { node: string; message: string; chain?: { node: string; message: string }[] }[];
  durationMs: number;
  programHash: string | null;
  status?: string;
  reason?: string | null;
}

/** What `lexis.hash` answers. */
interface HashReport {
  program: string | null;
  nodes: Record<string, string | null>;
  subgraphs: Record<string, string | null>;
}

interface ServerCommand {
  command: string;
  args: string[];
  description: string;
  /** `command` is a Python interpreter (run with `-m lexis_ls`), not the `lexis-ls` executable. */
  python: boolean;
}

let client: LanguageClient | undefined;
let startFailure: string | undefined;
let statusItem: vscode.StatusBarItem;
let runChannel: vscode.OutputChannel;
let serverChannel: vscode.OutputChannel;
let hashTimer: NodeJS.Timeout | undefined;
let extensionUri: vscode.Uri | undefined;
const lastParams = new Map<string, Record<string, string>>();
const explainPages = new Map<string, string>();
const hashPages = new Map<string, string>();
let hashState: { uri: string; hash: string | null; note?: string } | undefined;

// ---------------------------------------------------------------------------------------------
// activation

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionUri = context.extensionUri;
  serverChannel = vscode.window.createOutputChannel("Lexis Language Server");
  runChannel = vscode.window.createOutputChannel("Lexis Run");
  statusItem = vscode.window.createStatusBarItem("lexis.status", vscode.StatusBarAlignment.Left, 50);
  statusItem.name = "Lexis";
  context.subscriptions.push(serverChannel, runChannel, statusItem);

  const explainEmitter = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    explainEmitter,
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
      onDidChange: explainEmitter.event,
      provideTextDocumentContent: (uri) => explainPages.get(uri.path) ?? "",
    }),
    vscode.workspace.registerTextDocumentContentProvider(HASHES_SCHEME, {
      provideTextDocumentContent: (uri) => hashPages.get(uri.path) ?? "",
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand("lexis.restartServer", restartServer),
    vscode.commands.registerCommand("lexis.runProgram", (uri?: vscode.Uri | string) =>
      runProgram(uri),
    ),
    vscode.commands.registerCommand("lexis.debugProgram", (uri?: vscode.Uri | string) =>
      debugProgram(uri),
    ),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new LexisDebugAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new LexisDebugConfigurationProvider()),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      { provideDebugConfigurations: dynamicDebugConfigurations },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.commands.registerCommand("lexis.showHashes", (uri?: vscode.Uri | string) =>
      showHashes(uri),
    ),
    vscode.commands.registerCommand("lexis.explainDiagnostic", (code?: unknown) =>
      explainDiagnostic(code),
    ),
    vscode.commands.registerCommand("lexis.fixAll", fixAll),
    vscode.commands.registerCommand("lexis.showServerOutput", () => serverChannel.show(true)),
    vscode.workspace.onDidOpenTextDocument(adoptJsonProgram),
    vscode.window.onDidChangeActiveTextEditor(() => scheduleHashUpdate(0)),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (isLexisDocument(doc)) scheduleHashUpdate(0);
    }),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === vscode.window.activeTextEditor?.document && isLexisDocument(event.document)) {
        scheduleHashUpdate(750);
      }
    }),
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

  vscode.workspace.textDocuments.forEach(adoptJsonProgram);
  await startServer();
}

/** LEXIS.md §1: a `.json` file whose first key is `"spec"` with a value starting `"lexis-"` is
 * Lexis too (`firstLine` only sees `{"spec": "lexis-…` written on one line). */
function adoptJsonProgram(doc: vscode.TextDocument): void {
  if (doc.languageId !== "json" || /\.lexis\.json$/i.test(doc.uri.path)) return;
  const head = doc.getText(new vscode.Range(0, 0, Math.min(doc.lineCount, 20), 0));
  if (/^\uFEFF?\s*\{\s*"spec"\s*:\s*"lexis-/.test(head)) {
    void vscode.languages.setTextDocumentLanguage(doc, "lexis");
  }
}

export async function deactivate(): Promise<void> {
  if (hashTimer) clearTimeout(hashTimer);
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(2000);
    } catch {
      // already stopped
    }
  }
}

// ---------------------------------------------------------------------------------------------
// the server process

function isLexisDocument(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  if (!doc) return false;
  if (doc.languageId === "lexis") return true;
  return doc.languageId === "json" && /\.lexis\.json$/i.test(doc.uri.path);
}

function activeLexisDocument(): vscode.TextDocument | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return isLexisDocument(doc) ? doc : undefined;
}

/** The Python extension's interpreter for `resource`, if that extension is installed. */
async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension("ms-python.python");
  if (!ext) return undefined;
  try {
    const api: any = ext.isActive ? ext.exports : await withTimeout(ext.activate(), 10000);
    const envs = api?.environments;
    if (!envs || typeof envs.getActiveEnvironmentPath !== "function") return undefined;
    const envPath = envs.getActiveEnvironmentPath(resource);
    if (typeof envs.resolveEnvironment === "function") {
      const resolved: any = await withTimeout(envs.resolveEnvironment(envPath), 10000);
      const exe: string | undefined = resolved?.executable?.uri?.fsPath;
      if (exe) return exe;
    }
    return typeof envPath?.path === "string" && envPath.path ? envPath.path : undefined;
  } catch (err) {
    serverChannel.appendLine(`[client] the Python extension gave no interpreter: ${String(err)}`);
    return undefined;
  }
}

function withTimeout<T>(promise: Thenable<T>, ms: number): Promise<T | undefined> {
  return Promise.race([
    Promise.resolve(promise),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms)),
  ]);
}

function expandPath(value: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  const home = process.env.HOME ?? process.env.USERPROFILE ?? "";
  return value
    .replace(/\$\{workspaceFolder\}/g, folder)
    .replace(/\$\{userHome\}/g, home)
    .replace(/^~(?=$|[\\/])/, home);
}

/** How to start the server: `lexis.server.path`, else `<python> -m lexis_ls` (the interpreter is
 * `lexis.server.python`, else the Python extension's, else `python3`). The debug adapter is
 * started the same way, with `dap` / `-m lexis_ls.dap` (see LexisDebugAdapterFactory). */
async function serverCommand(resource?: vscode.Uri): Promise<ServerCommand> {
  const config = vscode.workspace.getConfiguration("lexis.server");
  const path = (config.get<string>("path") ?? "").trim();
  if (path) {
    return { command: expandPath(path), args: [], description: `lexis.server.path (${path})`, python: false };
  }
  const configured = (config.get<string>("python") ?? "").trim();
  if (configured) {
    const python = expandPath(configured);
    return {
      command: python,
      args: ["-m", "lexis_ls"],
      description: `lexis.server.python (${python})`,
      python: true,
    };
  }
  const fromExtension = await pythonExtensionInterpreter(resource ?? vscode.workspace.workspaceFolders?.[0]?.uri);
  if (fromExtension) {
    return {
      command: fromExtension,
      args: ["-m", "lexis_ls"],
      description: `the Python extension's interpreter (${fromExtension})`,
      python: true,
    };
  }
  const fallback = process.platform === "win32" ? "python" : "python3";
  return { command: fallback, args: ["-m", "lexis_ls"], description: fallback, python: true };
}

/** Why the `lexis-ls` executable at `command` cannot start, if it visibly cannot. */
function checkExecutable(command: string): string | undefined {
  return fs.existsSync(command) || !/[\\/]/.test(command) ? undefined : `${command} does not exist`;
}

/** Checks that `python` can import `module`, so that a missing install gets a clear message. */
function checkPython(python: string, module = "lexis_ls"): Promise<string | undefined> {
  return new Promise((resolve) => {
    cp.execFile(
      python,
      ["-c", `import ${module}`],
      { timeout: 20000, windowsHide: true },
      (error, _stdout, stderr) => {
        if (!error) return resolve(undefined);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return resolve(`\`${python}\` was not found`);
        const last = stderr.trim().split(/\r?\n/).pop();
        resolve(`\`${python} -m ${module}\` cannot run: ${last || error.message}`);
      },
    );
  });
}

let runningCommand: ServerCommand | undefined;

function sameCommand(a: ServerCommand, b: ServerCommand | undefined): boolean {
  return b !== undefined && a.command === b.command && a.args.join("\0") === b.args.join("\0");
}

async function startServer(): Promise<void> {
  setStatus("starting");
  startFailure = undefined;
  const server = await serverCommand();
  runningCommand = server;
  serverChannel.appendLine(`[client] starting the server with ${server.description}`);

  const problem = server.python ? await checkPython(server.command) : checkExecutable(server.command);
  if (problem) {
    failed(problem);
    return;
  }

  const serverOptions: ServerOptions = {
    run: { command: server.command, args: server.args, transport: TransportKind.stdio },
    debug: { command: server.command, args: server.args, transport: TransportKind.stdio },
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
    outputChannel: serverChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    connectionOptions: { maxRestartCount: MAX_RESTARTS },
    initializationFailedHandler: (error) => {
      serverChannel.appendLine(`[client] initialization failed: ${String(error)}`);
      return false;
    },
    errorHandler: restartingErrorHandler(),
    middleware: {
      // The code lens "▶ Run" and "Program hash" name the server's commands: give them UI.
      executeCommand: async (command, args, next) => {
        if (command === "lexis.run" && args.length === 1) {
          return runProgram(args[0]);
        }
        if (command === "lexis.hash" && args.length === 1) {
          return showHashes(args[0]);
        }
        return next(command, args);
      },
    },
  };
  const c = new LanguageClient("lexis", "Lexis Language Server", serverOptions, clientOptions);
  client = c;
  c.onDidChangeState((event) => {
    if (client !== c) return;
    if (event.newState === State.Running) {
      setStatus("ready");
      scheduleHashUpdate(0);
    } else if (event.newState === State.Starting) {
      setStatus("starting");
    } else {
      setStatus("stopped");
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
        serverChannel.appendLine(
          `[client] the server stopped unexpectedly; restarting (${crashes.length}/${MAX_RESTARTS})`,
        );
        return { action: CloseAction.Restart };
      }
      const message = `The Lexis server crashed ${crashes.length} times in the last 3 minutes and will not be restarted.`;
      serverChannel.appendLine(`[client] ${message}`);
      void vscode.window
        .showErrorMessage(message, "Restart Server", "Show Output")
        .then((choice) => {
          if (choice === "Restart Server") void restartServer();
          if (choice === "Show Output") serverChannel.show(true);
        });
      setStatus("stopped");
      return { action: CloseAction.DoNotRestart, handled: true };
    },
  };
}

function failed(reason: string): void {
  startFailure = reason;
  serverChannel.appendLine(`[client] ${reason}`);
  setStatus("stopped");
  const message =
    `Lexis: the language server could not start (${reason}). ` +
    `Install it with \`${INSTALL_HINT}\`, or set \`lexis.server.python\` / \`lexis.server.path\`.`;
  void vscode.window
    .showErrorMessage(message, "How to install", "Open Settings", "Show Output")
    .then(async (choice) => {
      if (choice === "How to install") {
        const pick = await vscode.window.showInformationMessage(
          `Install the Lexis language server into the Python you use: \`${INSTALL_HINT}\`. ` +
            "Then run “Lexis: Restart Server”.",
          "Copy Command",
          "Open README",
        );
        if (pick === "Copy Command") await vscode.env.clipboard.writeText(INSTALL_HINT);
        if (pick === "Open README") await openReadme();
      } else if (choice === "Open Settings") {
        await vscode.commands.executeCommand("workbench.action.openSettings", "lexis.server");
      } else if (choice === "Show Output") {
        serverChannel.show(true);
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

async function restartServer(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    setStatus("starting");
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
  await startServer();
}

function runningClient(): LanguageClient | undefined {
  if (client && client.state === State.Running) return client;
  const why = startFailure ? ` (${startFailure})` : "";
  void vscode.window
    .showErrorMessage(`Lexis: the language server is not running${why}.`, "Restart Server")
    .then((choice) => {
      if (choice === "Restart Server") void restartServer();
    });
  return undefined;
}

async function serverCommandRequest<T>(
  command: string,
  args: unknown[],
  token?: vscode.CancellationToken,
): Promise<T> {
  const c = runningClient();
  if (!c) throw new Error("the Lexis language server is not running");
  return (await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token)) as T;
}

// ---------------------------------------------------------------------------------------------
// status bar: server state and the program hash

type ServerState = "starting" | "ready" | "stopped";
let serverState: ServerState = "starting";

function setStatus(state: ServerState): void {
  serverState = state;
  renderStatus();
}

function renderStatus(): void {
  const doc = activeLexisDocument();
  if (serverState === "starting") {
    statusItem.text = "$(sync~spin) Lexis";
    statusItem.tooltip = "Lexis: the language server is starting";
    statusItem.command = "lexis.showServerOutput";
  } else if (serverState === "stopped") {
    statusItem.text = "$(error) Lexis: stopped";
    statusItem.tooltip = `Lexis: the language server is stopped${startFailure ? ` (${startFailure})` : ""}. Click to restart.`;
    statusItem.command = "lexis.restartServer";
  } else {
    const current = doc && hashState && hashState.uri === doc.uri.toString() ? hashState : undefined;
    if (current?.hash) {
      statusItem.text = `$(check) Lexis #${current.hash.slice(0, 8)}`;
      const tip = new vscode.MarkdownString(
        `**Lexis**: server ready\n\nProgram hash (BLAKE3):\n\n\`${current.hash}\`\n\nClick to list the content hashes.`,
      );
      statusItem.tooltip = tip;
    } else {
      statusItem.text = "$(check) Lexis";
      statusItem.tooltip = current?.note
        ? `Lexis: server ready; ${current.note}`
        : "Lexis: server ready";
    }
    statusItem.command = "lexis.showHashes";
  }
  if (doc || serverState !== "ready") {
    statusItem.show();
  } else {
    statusItem.hide();
  }
}

function scheduleHashUpdate(delay: number): void {
  if (hashTimer) clearTimeout(hashTimer);
  hashTimer = setTimeout(() => void updateHash(), delay);
  renderStatus();
}

async function updateHash(): Promise<void> {
  const doc = activeLexisDocument();
  if (!doc || !client || client.state !== State.Running) {
    renderStatus();
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
  renderStatus();
}

// ---------------------------------------------------------------------------------------------
// Lexis: Run Program

function toUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === "string" && value) return vscode.Uri.parse(value);
  if (value && typeof value === "object" && typeof (value as { uri?: unknown }).uri === "string") {
    return vscode.Uri.parse((value as { uri: string }).uri);
  }
  return undefined;
}

async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
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

/** The `param` names and whether the program reads stdin, from the document's JSON. */
export function programInputs(text: string): { params: string[]; readsStdin: boolean } {
  const params: string[] = [];
  let readsStdin = false;
  let program: any;
  try {
    program = JSON.parse(text);
  } catch {
    return { params, readsStdin };
  }
  const graphs: unknown[] = [program?.nodes];
  if (program?.subgraphs && typeof program.subgraphs === "object") {
    for (const sub of Object.values(program.subgraphs)) graphs.push((sub as any)?.nodes);
  }
  for (const nodes of graphs) {
    if (!Array.isArray(nodes)) continue;
    for (const node of nodes) {
      if (node?.op === "param" && typeof node.value === "string" && !params.includes(node.value)) {
        params.push(node.value);
      }
      if (node?.op === "read_stdin") readsStdin = true;
    }
  }
  return { params, readsStdin };
}

/** Refuses `action` ("running" / "debugging") in Restricted Mode: it would execute the program. */
function refusedInRestrictedMode(action: string): boolean {
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

const STDIN_KEY = "\u0000stdin";

/** Asks for the value of each parameter in `names` (and for standard input if `askStdin`),
 * offering the values last given for the program `key`; undefined if cancelled. */
async function askProgramInputs(
  key: string,
  names: string[],
  askStdin: boolean,
  title: string,
): Promise<{ params: Record<string, string>; stdin?: string } | undefined> {
  const previous = lastParams.get(key) ?? {};
  const params: Record<string, string> = {};
  for (const name of names) {
    const value = await vscode.window.showInputBox({
      title,
      prompt: `Value of the parameter "${name}"`,
      placeHolder: name,
      value: previous[name] ?? "",
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined; // cancelled
    params[name] = value;
  }
  let stdin: string | undefined;
  const remembered: Record<string, string> = { ...previous, ...params };
  if (askStdin) {
    const value = await vscode.window.showInputBox({
      title,
      prompt: "Standard input for read_stdin (write \\n between lines)",
      value: previous[STDIN_KEY] ?? "",
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    stdin = value.replace(/\\n/g, "\n");
    if (stdin && !stdin.endsWith("\n")) stdin += "\n";
    remembered[STDIN_KEY] = value;
  }
  lastParams.set(key, remembered);
  return { params, stdin };
}

async function runProgram(arg?: unknown): Promise<RunResult | undefined> {
  if (refusedInRestrictedMode("running")) return undefined;
  const doc = await targetDocument(arg);
  if (!doc) return undefined;
  if (!runningClient()) return undefined;

  const key = doc.uri.toString();
  const { params: names, readsStdin } = programInputs(doc.getText());
  const inputs = await askProgramInputs(key, names, readsStdin, "Lexis: Run Program");
  if (!inputs) return undefined;
  const { params, stdin } = inputs;

  const name = doc.uri.path.split("/").pop() ?? key;
  const options: Record<string, unknown> = {};
  if (names.length > 0) options.params = params;
  if (stdin !== undefined) options.stdin = stdin;
  const args: unknown[] = Object.keys(options).length > 0 ? [key, options] : [key];

  let result: RunResult;
  try {
    result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Lexis: running ${name}`,
        cancellable: true,
      },
      (_progress, token) => serverCommandRequest<RunResult>("lexis.run", args, token),
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    runChannel.appendLine(`▶ ${name}: the run failed: ${message}`);
    void vscode.window.showErrorMessage(`Lexis: the run of ${name} failed: ${message}`);
    return undefined;
  }
  reportRun(name, params, result);
  return result;
}

function reportRun(name: string, params: Record<string, string>, result: RunResult): void {
  const stamp = new Date().toLocaleTimeString();
  const shownParams = Object.entries(params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");
  runChannel.appendLine(`▶ ${name} (${stamp})${shownParams ? ` with ${shownParams}` : ""}`);
  const stdout = result?.stdout ?? "";
  if (stdout) {
    runChannel.append(stdout.endsWith("\n") ? stdout : `${stdout}\n`);
  }
  for (const error of result?.errors ?? []) {
    runChannel.appendLine(`  error value at ${error.node}: ${error.message}`);
  }
  const status = result?.status ?? "ok";
  const summary =
    status === "ok"
      ? `finished in ${Math.round(result.durationMs ?? 0)} ms`
      : `${status}${result.reason ? `: ${result.reason}` : ""}`;
  runChannel.appendLine(
    `■ ${summary}${result?.programHash ? ` — program hash ${result.programHash}` : ""}`,
  );
  runChannel.appendLine("");
  runChannel.show(true);

  const firstLine = stdout.split(/\r?\n/)[0];
  if (status !== "ok") {
    void vscode.window
      .showErrorMessage(`Lexis: ${name} ${summary}`, "Show Output")
      .then((choice) => choice && runChannel.show(true));
  } else {
    const errors = result.errors?.length ?? 0;
    const tail = errors ? ` (${errors} error value${errors === 1 ? "" : "s"})` : "";
    void vscode.window
      .showInformationMessage(
        stdout ? `Lexis: ${firstLine}${tail}` : `Lexis: ${name} ran with no output${tail}`,
        "Show Output",
      )
      .then((choice) => choice && runChannel.show(true));
  }
}

// ---------------------------------------------------------------------------------------------
// debugging: Lexis: Debug Program, the debug adapter and launch configurations

function baseName(fsPath: string): string {
  return path.basename(fsPath);
}

/** Lexis: Debug Program (also the server's "Debug" code lens, which passes the document URI). */
async function debugProgram(arg?: unknown): Promise<boolean> {
  if (refusedInRestrictedMode("debugging")) return false;
  const doc = await targetDocument(arg);
  if (!doc) return false;
  if (doc.uri.scheme !== "file") {
    void vscode.window.showWarningMessage("Lexis: save the program to a file before debugging it.");
    return false;
  }
  // The debug adapter reads the program from disk.
  if (doc.isDirty && !(await doc.save())) return false;
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const config: vscode.DebugConfiguration = {
    type: DEBUG_TYPE,
    request: "launch",
    name: `Debug ${baseName(doc.uri.fsPath)}`,
    program: doc.uri.fsPath,
  };
  return vscode.debug.startDebugging(folder, config);
}

/** Starts `lexis-ls dap` (when `lexis.server.path` is set) or `<python> -m lexis_ls.dap`, with the
 * interpreter the language server uses. */
class LexisDebugAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  async createDebugAdapterDescriptor(
    session: vscode.DebugSession,
  ): Promise<vscode.DebugAdapterDescriptor> {
    const program = typeof session.configuration.program === "string" ? session.configuration.program : "";
    const folder = session.workspaceFolder ?? vscode.workspace.workspaceFolders?.[0];
    const cwd = folder?.uri.fsPath ?? (program ? path.dirname(program) : undefined);
    const server = await serverCommand(folder?.uri);
    const command = server.command;
    const args = server.python ? ["-m", "lexis_ls.dap"] : ["dap"];
    serverChannel.appendLine(
      `[client] starting the debug adapter with ${server.description}: ${[command, ...args].join(" ")}`,
    );
    const problem = server.python ? await checkPython(command, "lexis_ls.dap") : checkExecutable(command);
    if (problem) {
      serverChannel.appendLine(`[client] ${problem}`);
      throw new Error(
        `Lexis: the debug adapter could not start (${problem}). Install it with \`${INSTALL_HINT}\`, ` +
          "or set `lexis.server.python` / `lexis.server.path`.",
      );
    }
    return new vscode.DebugAdapterExecutable(command, args, cwd ? { cwd } : undefined);
  }
}

/** Fills in a configuration when there is no launch.json (F5 on a Lexis program), resolves the
 * program path, takes the trust ceiling, timeout and file root from the settings and the
 * workspace like `Lexis: Run Program`, and asks for `param` values (and stdin) when none are
 * given. */
class LexisDebugConfigurationProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (refusedInRestrictedMode("debugging")) return undefined;
    if (!config.type && !config.request && !config.name) {
      // No launch.json: debug the active Lexis program.
      const doc = activeLexisDocument();
      if (!doc) {
        void vscode.window.showWarningMessage("Lexis: open a Lexis program (*.lexis.json) to debug it.");
        return undefined;
      }
      if (doc.uri.scheme !== "file") {
        void vscode.window.showWarningMessage("Lexis: save the program to a file before debugging it.");
        return undefined;
      }
      return {
        type: DEBUG_TYPE,
        request: "launch",
        name: `Debug ${baseName(doc.uri.fsPath)}`,
        program: doc.uri.fsPath,
      };
    }
    if (config.request !== "launch") {
      void vscode.window.showErrorMessage(`Lexis: only "launch" debug configurations are supported.`);
      return undefined;
    }
    if (typeof config.program !== "string" || !config.program.trim()) {
      const doc = activeLexisDocument();
      if (!doc || doc.uri.scheme !== "file") {
        void vscode.window.showErrorMessage(
          `Lexis: the debug configuration "${config.name ?? ""}" has no "program" (the *.lexis.json file to debug).`,
        );
        return undefined;
      }
      config.program = doc.uri.fsPath;
    }
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    let program = expandPath(String(config.program ?? ""));
    if (!path.isAbsolute(program)) {
      const base = folder ?? vscode.workspace.workspaceFolders?.[0];
      if (base) program = path.join(base.uri.fsPath, program);
    }
    program = path.normalize(program);
    if (!fs.existsSync(program)) {
      void vscode.window.showErrorMessage(`Lexis: cannot debug ${program}: no such file.`);
      return undefined;
    }
    config.program = program;
    const uri = vscode.Uri.file(program);
    const programFolder = vscode.workspace.getWorkspaceFolder(uri);

    // Like `Lexis: Run Program`: the trust ceiling and time limit from the settings, file
    // access confined to the workspace folder holding the program.
    const settings = vscode.workspace.getConfiguration("lexis", uri);
    if (config.trustCeiling === undefined) {
      const ceiling = settings.get<number | null>("trustCeiling");
      if (typeof ceiling === "number" && Number.isInteger(ceiling)) config.trustCeiling = ceiling;
    }
    if (config.timeout === undefined) {
      const timeout = settings.get<number>("run.timeout");
      if (typeof timeout === "number" && timeout > 0) config.timeout = timeout;
    }
    if (config.memory === undefined) {
      const memory = settings.get<string>("run.memory");
      if (typeof memory === "string" && memory.trim()) config.memory = memory;
    }
    if (config.fsRoot === undefined && programFolder) {
      config.fsRoot = programFolder.uri.fsPath;
    }

    const needsParams = config.params === undefined;
    const needsStdin = config.stdin === undefined;
    if (needsParams || needsStdin) {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      let text: string | undefined = open?.getText();
      if (text === undefined) {
        try {
          text = await fs.promises.readFile(program, "utf8");
        } catch {
          text = undefined; // the adapter reports unreadable programs
        }
      }
      const { params: names, readsStdin } = programInputs(text ?? "");
      const askParams = needsParams && names.length > 0;
      const askStdin = needsStdin && readsStdin;
      if (askParams || askStdin) {
        const inputs = await askProgramInputs(
          uri.toString(),
          askParams ? names : [],
          askStdin,
          `Lexis: Debug ${baseName(program)}`,
        );
        if (!inputs) return undefined; // cancelled
        if (askParams) config.params = inputs.params;
        if (askStdin) config.stdin = inputs.stdin ?? "";
      }
    }
    return config;
  }
}

/** "Lexis" entries of the Run and Debug view's dynamic configurations: the open programs. */
function dynamicDebugConfigurations(): vscode.DebugConfiguration[] {
  const seen = new Set<string>();
  const configs: vscode.DebugConfiguration[] = [];
  const docs = [
    ...(activeLexisDocument() ? [activeLexisDocument()!] : []),
    ...vscode.window.visibleTextEditors.map((e) => e.document),
    ...vscode.workspace.textDocuments,
  ];
  for (const doc of docs) {
    if (!isLexisDocument(doc) || doc.uri.scheme !== "file" || seen.has(doc.uri.fsPath)) continue;
    seen.add(doc.uri.fsPath);
    configs.push({
      type: DEBUG_TYPE,
      request: "launch",
      name: `Debug ${vscode.workspace.asRelativePath(doc.uri)}`,
      program: doc.uri.fsPath,
    });
  }
  return configs;
}

// ---------------------------------------------------------------------------------------------
// Lexis: Show Content Hashes

async function showHashes(arg?: unknown): Promise<HashReport | undefined> {
  const doc = await targetDocument(arg);
  if (!doc) return undefined;
  let report: HashReport;
  try {
    report = await serverCommandRequest<HashReport>("lexis.hash", [doc.uri.toString()]);
  } catch (err) {
    void vscode.window.showErrorMessage(
      `Lexis: no hashes: ${err instanceof Error ? err.message : String(err)}`,
    );
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

  const pick = await vscode.window.showQuickPick(items, {
    title: `Lexis content hashes — ${doc.uri.path.split("/").pop()}`,
    placeHolder: "Pick a hash to copy it to the clipboard",
    matchOnDescription: true,
  });
  if (!pick) return report;
  if (pick.hash) {
    await vscode.env.clipboard.writeText(pick.hash);
    void vscode.window.showInformationMessage(`Lexis: copied the hash of ${pick.label.replace(/^\$\([^)]*\) /, "")}.`);
  } else if (pick.label.includes("Open as a document")) {
    const lines = [`# Content hashes of ${doc.uri.path.split("/").pop()}`, "", `program  ${report.program ?? "undefined"}`, ""];
    for (const [id, hash] of nodes) lines.push(`node     ${id}  ${hash ?? "undefined"}`);
    for (const [name, hash] of subgraphs) lines.push(`subgraph ${name}  ${hash ?? "undefined"}`);
    const path = `/${doc.uri.path.split("/").pop()}.hashes.txt`;
    hashPages.set(path, lines.join("\n") + "\n");
    const view = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: HASHES_SCHEME, path }));
    await vscode.window.showTextDocument(view, { preview: true });
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// Lexis: Explain Diagnostic

function diagnosticCode(d: vscode.Diagnostic): string | undefined {
  const raw = typeof d.code === "object" && d.code !== null ? d.code.value : d.code;
  const code = raw === undefined ? undefined : String(raw);
  return code && /^LX\d{4}$/.test(code) ? code : undefined;
}

async function explainDiagnostic(arg?: unknown): Promise<void> {
  let code = typeof arg === "string" && /^LX\d{4}$/i.test(arg.trim()) ? arg.trim().toUpperCase() : undefined;
  if (!code) {
    const editor = vscode.window.activeTextEditor;
    const diagnostics = editor ? vscode.languages.getDiagnostics(editor.document.uri) : [];
    const here = editor
      ? diagnostics.filter((d) => diagnosticCode(d) && d.range.contains(editor.selection.active))
      : [];
    if (here.length === 1) {
      code = diagnosticCode(here[0]);
    } else {
      const seen = new Set<string>();
      type Item = vscode.QuickPickItem & { code?: string };
      const items: Item[] = [];
      for (const d of [...here, ...diagnostics]) {
        const c = diagnosticCode(d);
        if (!c || seen.has(c)) continue;
        seen.add(c);
        items.push({ label: c, description: d.message, detail: `line ${d.range.start.line + 1}`, code: c });
      }
      items.push({ label: "$(edit) Enter a code…", description: "LX0001 … LX4002" });
      const pick = await vscode.window.showQuickPick(items, {
        title: "Lexis: Explain Diagnostic",
        placeHolder: "Which diagnostic?",
        matchOnDescription: true,
      });
      if (!pick) return;
      code = pick.code;
      if (!code) {
        const typed = await vscode.window.showInputBox({
          title: "Lexis: Explain Diagnostic",
          prompt: "A diagnostic code",
          placeHolder: "LX1001",
          validateInput: (v) => (/^\s*LX\d{4}\s*$/i.test(v) ? undefined : "a code like LX1001"),
        });
        if (!typed) return;
        code = typed.trim().toUpperCase();
      }
    }
  }
  let page: string;
  try {
    page = await serverCommandRequest<string>("lexis.explain", [code]);
  } catch (err) {
    void vscode.window.showErrorMessage(`Lexis: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const path = `/${code}.md`;
  explainPages.set(path, page);
  const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path });
  const doc = await vscode.workspace.openTextDocument(uri);
  try {
    await vscode.commands.executeCommand("markdown.showPreview", uri);
  } catch {
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Lexis: Fix All

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
