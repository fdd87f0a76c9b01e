// How to start the server and the debug adapter, in this order:
// 1. `lexis.server.path` (the `lexis-ls` executable);
// 2. a Python interpreter that already has lexis-ls: `lexis.server.python` when set, else the
//    Python extension's interpreter, else `python3` (`python` on Windows), run with `-m lexis_ls`;
// 3. the server bundled in the VSIX (`bundled/libs/cp3XX`, see scripts/bundle-libs.py) run by
//    the first of those interpreters that is Python 3.11+ and has a matching folder, with
//    PYTHONPATH pointing at that folder.

import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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
  /** Variables added to the extension host's environment (PYTHONPATH of the bundled server). */
  env?: Record<string, string>;
  /** Why no command could be found (the message to show); `command` is then unusable. */
  problem?: string;
}

let extensionPath: string | undefined;
let startDirectory: string | undefined;

/** Where the extension is installed (its `bundled/libs` holds the bundled server). */
export function setExtensionPath(p: string): void {
  extensionPath = p;
}

/** The folder the server and the interpreter probes start in: one of the extension's own (its
 * global storage), never the extension host's current directory, which is the opened folder
 * after `code .`. Python puts the current directory first on `sys.path` for `python -c` and
 * `python -m`: a `lexis_ls` package in an untrusted folder would otherwise be imported instead
 * of the server, and its code run, in Restricted Mode too. */
export function setStartDirectory(dir: string): void {
  startDirectory = dir;
}

export function serverStartDirectory(): string {
  return startDirectory ?? os.homedir();
}

/** Added to the environment of every Python the extension starts: no current directory (or
 * script folder) on `sys.path` (Python 3.11+, `PYTHONSAFEPATH`); inherited by the server's and
 * the debug adapter's run workers, which start in the program's folder. */
export const SAFE_PATH_ENV: Record<string, string> = { PYTHONSAFEPATH: "1" };

interface BundleManifest {
  target: string;
  lexisLs: string;
  python: Record<string, string>;
}

/** The bundled server's manifest, if this VSIX carries one. */
function bundleManifest(): { libs: string; manifest: BundleManifest } | undefined {
  if (!extensionPath) return undefined;
  const libs = path.join(extensionPath, "bundled", "libs");
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(libs, "manifest.json"), "utf8")) as BundleManifest;
    if (!manifest || typeof manifest.python !== "object" || manifest.python === null) return undefined;
    return { libs, manifest };
  } catch {
    return undefined;
  }
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

/** The interpreter's `major.minor` version, or why it cannot run. */
export function pythonVersion(python: string): Promise<{ version?: string; problem?: string }> {
  return new Promise((resolve) => {
    cp.execFile(
      python,
      ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
      { timeout: 20000, windowsHide: true, cwd: serverStartDirectory(), env: { ...process.env, ...SAFE_PATH_ENV } },
      (error, stdout, stderr) => {
        if (!error) return resolve({ version: stdout.trim() });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return resolve({ problem: `\`${python}\` was not found` });
        const last = stderr.trim().split(/\r?\n/).pop();
        resolve({ problem: `\`${python}\` cannot run: ${last || error.message}` });
      },
    );
  });
}

/** "3.11, 3.12 or 3.13". */
function orList(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function atLeast311(version: string): boolean {
  const [major, minor] = version.split(".").map((n) => Number(n));
  return major > 3 || (major === 3 && minor >= 11);
}

/** `PYTHONPATH` with `folder` first (before the extension host's own PYTHONPATH, if any). */
function bundledEnv(folder: string): Record<string, string> {
  const existing = process.env.PYTHONPATH;
  return { PYTHONPATH: existing ? `${folder}${path.delimiter}${existing}` : folder };
}

/** How to start the server (see the top of this file for the order). The debug adapter is
 * started the same way, with `dap` / `-m lexis_ls.dap` (see debug.ts). Says in the output
 * channel which interpreter was chosen and why. */
export async function serverCommand(resource?: vscode.Uri): Promise<ServerCommand> {
  const config = vscode.workspace.getConfiguration("lexis.server");
  const serverPath = (config.get<string>("path") ?? "").trim();
  if (serverPath) {
    return { command: expandPath(serverPath), args: [], description: `lexis.server.path (${serverPath})`, python: false };
  }
  // The interpreters to try, each with where it came from. An explicit `lexis.server.python`
  // is the only one tried.
  const candidates: { python: string; from: string }[] = [];
  const configured = (config.get<string>("python") ?? "").trim();
  if (configured) {
    candidates.push({ python: expandPath(configured), from: "lexis.server.python" });
  } else {
    // In Restricted Mode not the Python extension's interpreter: it can be the untrusted
    // folder's own virtual environment.
    const fromExtension = vscode.workspace.isTrusted
      ? await pythonExtensionInterpreter(resource ?? vscode.workspace.workspaceFolders?.[0]?.uri)
      : undefined;
    if (fromExtension) candidates.push({ python: fromExtension, from: "the Python extension's interpreter" });
    const fallback = process.platform === "win32" ? "python" : "python3";
    if (fromExtension !== fallback) candidates.push({ python: fallback, from: `${fallback} on PATH` });
  }
  const notes: string[] = [];
  for (const c of candidates) {
    const problem = await checkPython(c.python);
    if (!problem) {
      log(`${c.from} (${c.python}) has lexis-ls: using it`);
      return { command: c.python, args: ["-m", "lexis_ls"], description: `${c.from} (${c.python})`, python: true };
    }
    notes.push(`${c.from}: ${problem}`);
  }
  const bundle = bundleManifest();
  if (!bundle) {
    // A VSIX without the bundled server: the first interpreter, whose failure is reported.
    const first = candidates[0];
    const problem = notes.length ? notes.join("; ") : "no Python interpreter was found";
    return { command: first.python, args: ["-m", "lexis_ls"], description: `${first.from} (${first.python})`, python: true, problem };
  }
  const carried = Object.keys(bundle.manifest.python).sort(
    (a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]),
  );
  const here = `${process.platform}-${process.arch}`;
  // alpine-x64 / alpine-arm64 bundles run on linux-x64 / linux-arm64 (musl) machines.
  if (bundle.manifest.target.replace(/^alpine-/, "linux-") !== here) {
    const first = candidates[0];
    const problem =
      `no interpreter has lexis-ls installed (${notes.join("; ")}), and the server bundled with ` +
      `this VSIX is for ${bundle.manifest.target}, not ${here}: install the VSIX for ${here}`;
    return { command: first.python, args: ["-m", "lexis_ls"], description: `${first.from} (${first.python})`, python: true, problem };
  }
  for (const c of candidates) {
    const { version, problem } = await pythonVersion(c.python);
    if (!version) {
      notes.push(`${c.from}: ${problem}`);
      continue;
    }
    const folder = bundle.manifest.python[version];
    if (!atLeast311(version) || !folder) {
      notes.push(`${c.from} (${c.python}) is Python ${version}`);
      continue;
    }
    const libs = path.join(bundle.libs, folder);
    const env = bundledEnv(libs);
    const broken = await checkPython(c.python, "lexis_ls", env);
    if (broken) {
      notes.push(`the bundled server with ${c.from}: ${broken}`);
      continue;
    }
    log(
      `no interpreter has lexis-ls installed (${notes.join("; ")}); using the bundled server ` +
        `(lexis-ls ${bundle.manifest.lexisLs}, ${folder}) with ${c.from} (${c.python}, Python ${version})`,
    );
    return {
      command: c.python,
      args: ["-m", "lexis_ls"],
      description: `the bundled lexis-ls ${bundle.manifest.lexisLs} with ${c.from} (${c.python}, Python ${version})`,
      python: true,
      env,
    };
  }
  const first = candidates[0];
  const problem =
    `this VSIX carries the server for Python ${orList(carried)} only, and none was found ` +
    `(${notes.join("; ")}); install one of those versions, or set \`lexis.server.python\` to its interpreter`;
  return { command: first.python, args: ["-m", "lexis_ls"], description: `${first.from} (${first.python})`, python: true, problem };
}

export function sameCommand(a: ServerCommand, b: ServerCommand | undefined): boolean {
  return (
    b !== undefined &&
    a.command === b.command &&
    a.args.join("\0") === b.args.join("\0") &&
    JSON.stringify(a.env ?? {}) === JSON.stringify(b.env ?? {})
  );
}

/** Why the `lexis-ls` executable at `command` cannot start, if it visibly cannot. */
export function checkExecutable(command: string): string | undefined {
  return fs.existsSync(command) || !/[\\/]/.test(command) ? undefined : `${command} does not exist`;
}

/** Checks that `python` can import `module` (with `env` added to the environment), so that a
 * missing install gets a clear message. */
export function checkPython(
  python: string,
  module = "lexis_ls",
  env?: Record<string, string>,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    cp.execFile(
      python,
      ["-c", `import ${module}`],
      { timeout: 20000, windowsHide: true, cwd: serverStartDirectory(), env: { ...process.env, ...env, ...SAFE_PATH_ENV } },
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
