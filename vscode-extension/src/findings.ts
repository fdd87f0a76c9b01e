// The errors that keep a program from running or being debugged, named in the messages that
// refuse it: the server's diagnostics of the document (asked for, so they are those of the text
// as it is now), else what the Problems panel holds.

import * as vscode from "vscode";
import { DocumentDiagnosticRequest, DocumentDiagnosticReportKind } from "vscode-languageclient/node";
import { readyClient } from "./client";

export interface Finding {
  code: string;
  message: string;
  line: number; // 1-based
}

const SHOWN = 3;

function codeOf(code: unknown): string {
  if (code && typeof code === "object" && "value" in code) return String((code as { value: unknown }).value);
  return code === undefined || code === null ? "" : String(code);
}

/** The static errors of the program at `uri` (run results, LX4xxx, left out). */
export async function programErrors(uri: vscode.Uri): Promise<Finding[]> {
  const client = readyClient();
  if (client) {
    try {
      const report = await client.sendRequest(DocumentDiagnosticRequest.type, {
        textDocument: { uri: client.code2ProtocolConverter.asUri(uri) },
      });
      if (report.kind === DocumentDiagnosticReportKind.Full) {
        return report.items
          .filter((d) => d.severity === 1 && !codeOf(d.code).startsWith("LX4"))
          .map((d) => ({ code: codeOf(d.code), message: d.message, line: d.range.start.line + 1 }));
      }
    } catch {
      // the server cannot say: use what the editor shows
    }
  }
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.severity === vscode.DiagnosticSeverity.Error && !codeOf(d.code).startsWith("LX4"))
    .map((d) => ({ code: codeOf(d.code), message: d.message, line: d.range.start.line + 1 }));
}

/** `LX2001 at line 8: print needs IO_STDOUT; LX1001 at line 9: …, and 2 more`. */
export function describeFindings(findings: Finding[]): string {
  const shown = findings
    .slice(0, SHOWN)
    .map((f) => `${f.code ? `${f.code} ` : ""}at line ${f.line}: ${oneLine(f.message)}`);
  const more = findings.length > SHOWN ? `, and ${findings.length - SHOWN} more` : "";
  return shown.join("; ") + more;
}

export function countErrors(n: number): string {
  return `${n} error${n === 1 ? "" : "s"}`;
}

function oneLine(text: string): string {
  const line = text.split(/\r?\n/)[0].trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** Opens the Problems panel. */
export async function showProblems(): Promise<void> {
  await vscode.commands.executeCommand("workbench.actions.view.problems");
}
