// Names shared across the extension and the settings it reads.

import * as vscode from "vscode";

/** Installing the server into an interpreter of one's own (the VSIX carries one already). */
export const INSTALL_HINT = "python3 -m pip install /path/to/lexis-ls-checkout";
export const DEBUG_TYPE = "lexis";
export const EXPLAIN_SCHEME = "lexis-explain";
export const HASHES_SCHEME = "lexis-hashes";
export const MAX_RESTARTS = 5;

/** `${workspaceFolder}`, `${userHome}` and a leading `~` in a path setting. */
export function expandPath(value: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  const home = process.env.HOME ?? process.env.USERPROFILE ?? "";
  return value
    .replace(/\$\{workspaceFolder\}/g, folder)
    .replace(/\$\{userHome\}/g, home)
    .replace(/^~(?=$|[\\/])/, home);
}

/** The run limits the user set (`lexis.trustCeiling`, `lexis.run.timeout`, `lexis.run.memory`),
 * for a debug session of the program at `uri`. Unset settings (null, their default) are left
 * out, so that the debug adapter takes them from the project configuration (`lexis.toml` /
 * `[tool.lexis]`) or its own defaults. */
export function runSettings(uri: vscode.Uri): {
  trustCeiling?: number;
  timeout?: number;
  memory?: string;
} {
  const settings = vscode.workspace.getConfiguration("lexis", uri);
  const out: { trustCeiling?: number; timeout?: number; memory?: string } = {};
  const ceiling = settings.get<number | null>("trustCeiling");
  if (typeof ceiling === "number" && Number.isInteger(ceiling)) out.trustCeiling = ceiling;
  const timeout = settings.get<number | null>("run.timeout");
  if (typeof timeout === "number" && timeout > 0) out.timeout = timeout;
  const memory = settings.get<string | null>("run.memory");
  if (typeof memory === "string" && memory.trim()) out.memory = memory;
  return out;
}
