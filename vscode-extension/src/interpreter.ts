// How to start the server and the debug adapter: `lexis.server.path`, else a Python interpreter
// (`lexis.server.python`, else the Python extension's, else `python3`) running `-m lexis_ls`.

import * as cp from "child_process";
import * as fs from "fs";
import * as vscode from "vscode";
import { expandPath } from "./config";
import { log } from "./output";
import { withTimeout } from "./util";

export interface ServerCommand {
  command: string;
  args: string[];
  description: string;
  /** `command` is a Python interpreter (run with `-m lexis_ls`), not the `lexis-ls` executable. */
  python: boolean;
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
    log(`the Python extension gave no interpreter: ${String(err)}`);
    return undefined;
  }
}

/** How to start the server: `lexis.server.path`, else `<python> -m lexis_ls` (the interpreter is
 * `lexis.server.python`, else the Python extension's, else `python3`). The debug adapter is
 * started the same way, with `dap` / `-m lexis_ls.dap` (see debug.ts). */
export async function serverCommand(resource?: vscode.Uri): Promise<ServerCommand> {
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

export function sameCommand(a: ServerCommand, b: ServerCommand | undefined): boolean {
  return b !== undefined && a.command === b.command && a.args.join("\0") === b.args.join("\0");
}

/** Why the `lexis-ls` executable at `command` cannot start, if it visibly cannot. */
export function checkExecutable(command: string): string | undefined {
  return fs.existsSync(command) || !/[\\/]/.test(command) ? undefined : `${command} does not exist`;
}

/** Checks that `python` can import `module`, so that a missing install gets a clear message. */
export function checkPython(python: string, module = "lexis_ls"): Promise<string | undefined> {
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
