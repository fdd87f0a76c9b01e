// Debugging: Lexis: Debug Program, the debug adapter (`lexis-ls dap` / `python -m lexis_ls.dap`)
// and launch configurations (F5 without a launch.json, the Run and Debug view's entries).

import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { DEBUG_TYPE, expandPath, INSTALL_HINT, runSettings } from "./config";
import { countErrors, describeFindings, programErrors, showProblems } from "./findings";
import { checkExecutable, checkPython, SAFE_PATH_ENV, serverCommand } from "./interpreter";
import { log } from "./output";
import { askProgramInputs, programInputs } from "./run";
import { activeLexisDocument, baseName, isLexisDocument, refusedInRestrictedMode, targetDocument } from "./util";

export function initDebug(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new LexisDebugAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new LexisDebugConfigurationProvider()),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      { provideDebugConfigurations: dynamicDebugConfigurations },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
  );
}

/** Lexis: Debug Program (also the server's "Debug" code lens, which passes the document URI). */
export async function debugProgram(arg?: unknown): Promise<boolean> {
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
    log(`starting the debug adapter with ${server.description}: ${[command, ...args].join(" ")}`);
    const problem =
      server.problem ??
      (server.python ? await checkPython(command, "lexis_ls.dap", server.env) : checkExecutable(command));
    if (problem) {
      log(problem);
      throw new Error(
        `Lexis: the debug adapter could not start (${problem}). Set \`lexis.server.python\` to a ` +
          `Python 3.11+ interpreter, install the server into it with \`${INSTALL_HINT}\`, or set ` +
          "`lexis.server.path`.",
      );
    }
    const options: vscode.DebugAdapterExecutableOptions = {};
    if (cwd) options.cwd = cwd;
    // The bundled server's PYTHONPATH (the adapter's run worker inherits it); no current
    // directory on the adapter's `sys.path` (it starts in the workspace folder).
    options.env = { ...(process.env as Record<string, string>), ...server.env, ...SAFE_PATH_ENV };
    return new vscode.DebugAdapterExecutable(command, args, options);
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
      // Keep what VS Code put in: `noDebug` for Run Without Debugging (Ctrl+F5).
      return {
        ...config,
        type: DEBUG_TYPE,
        request: "launch",
        name: `${config.noDebug ? "Run" : "Debug"} ${baseName(doc.uri.fsPath)}`,
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

    // A program with errors does not start (the adapter would refuse it, and VS Code would show
    // its refusal in a modal offering to open launch.json): say which errors, here.
    if (await refusedForErrors(uri, config.noDebug === true)) return undefined;

    // Like `Lexis: Run Program`: the trust ceiling and limits from the settings, file access
    // confined to the workspace folder holding the program.
    const settings = runSettings(uri);
    if (config.trustCeiling === undefined && settings.trustCeiling !== undefined) {
      config.trustCeiling = settings.trustCeiling;
    }
    if (config.timeout === undefined && settings.timeout !== undefined) config.timeout = settings.timeout;
    if (config.memory === undefined && settings.memory !== undefined) config.memory = settings.memory;
    if (config.fsRoot === undefined && programFolder) {
      // The workspace folder, unless the project configuration (lexis.toml) sets `fs-root`:
      // the adapter decides, as it reads that file.
      config.defaultFsRoot = programFolder.uri.fsPath;
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

/** Refuses to start a session of the program at `uri` when it has errors, naming them (returning
 * undefined from a resolver stops the launch without any dialog; null would open launch.json). */
async function refusedForErrors(uri: vscode.Uri, noDebug: boolean): Promise<boolean> {
  // The server knows the program only once it is open.
  if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) {
    try {
      await vscode.workspace.openTextDocument(uri);
    } catch {
      return false; // the adapter reports unreadable programs
    }
  }
  const errors = await programErrors(uri);
  if (errors.length === 0) return false;
  const what = noDebug ? "run" : "debug";
  log(`not starting a debug session of ${uri.fsPath}: ${countErrors(errors.length)}`);
  void vscode.window
    .showErrorMessage(
      `Lexis: cannot ${what} ${baseName(uri.fsPath)}: it has ${countErrors(errors.length)} — ` +
        `${describeFindings(errors)}. Fix ${errors.length === 1 ? "it" : "them"} first.`,
      "Show Problems",
    )
    .then((choice) => {
      if (choice === "Show Problems") void showProblems();
    });
  return true;
}

/** "Lexis" entries of the Run and Debug view's dynamic configurations: the open programs. */
function dynamicDebugConfigurations(): vscode.DebugConfiguration[] {
  const seen = new Set<string>();
  const configs: vscode.DebugConfiguration[] = [];
  const active = activeLexisDocument();
  const docs = [
    ...(active ? [active] : []),
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
