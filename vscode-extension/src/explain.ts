// Lexis: Explain Diagnostic: the page of a diagnostic code, rendered read-only.

import * as vscode from "vscode";
import { Middleware, vsdiag } from "vscode-languageclient/node";
import { serverCommandRequest } from "./client";
import { EXPLAIN_SCHEME } from "./config";
import { errorText } from "./util";

const pages = new Map<string, string>();

export function initExplain(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
      provideTextDocumentContent: (uri) => pages.get(uri.path) ?? "",
    }),
  );
}

/** The link of a diagnostic code: this command, with the code (a `command:` URI, which the
 * Problems panel and the hovers open). */
export function explainLink(code: string): vscode.Uri {
  return vscode.Uri.parse(`command:lexis.explainDiagnostic?${encodeURIComponent(JSON.stringify([code]))}`);
}

/** Points the code of each Lexis diagnostic at `Lexis: Explain Diagnostic` instead of the
 * server's `codeDescription.href` (the installed package's explain/LXnnnn.md, which VS Code
 * would open as an editable file): the click shows the same read-only rendered page. */
function relink(items: vscode.Diagnostic[]): void {
  for (const d of items) {
    const code = d.code;
    if (typeof code === "object" && code !== null && /^LX\d{4}$/.test(String(code.value))) {
      d.code = { value: code.value, target: explainLink(String(code.value)) };
    }
  }
}

function relinkReport(report: vsdiag.DocumentDiagnosticReport | vsdiag.WorkspaceDocumentDiagnosticReport): void {
  if (report.kind !== vsdiag.DocumentDiagnosticReportKind.full) return;
  relink(report.items);
  const related = (report as vsdiag.RelatedFullDocumentDiagnosticReport).relatedDocuments;
  for (const other of Object.values(related ?? {})) relinkReport(other);
}

/** Client middleware for pushed and pulled (document and workspace) diagnostics. */
export const explainLinks: Middleware = {
  handleDiagnostics(uri, diagnostics, next) {
    relink(diagnostics);
    next(uri, diagnostics);
  },
  async provideDiagnostics(document, previousResultId, token, next) {
    const report = await next(document, previousResultId, token);
    if (report) relinkReport(report);
    return report;
  },
  async provideWorkspaceDiagnostics(resultIds, token, reporter, next) {
    const report = await next(resultIds, token, (chunk) => {
      chunk?.items.forEach(relinkReport);
      reporter(chunk);
    });
    report?.items.forEach(relinkReport);
    return report;
  },
};

export function diagnosticCode(d: vscode.Diagnostic): string | undefined {
  const raw = typeof d.code === "object" && d.code !== null ? d.code.value : d.code;
  const code = raw === undefined ? undefined : String(raw);
  return code && /^LX\d{4}$/.test(code) ? code : undefined;
}

export async function explainDiagnostic(arg?: unknown): Promise<void> {
  let code = typeof arg === "string" && /^LX\d{4}$/i.test(arg.trim()) ? arg.trim().toUpperCase() : undefined;
  if (!code) {
    code = await pickCode();
    if (!code) return;
  }
  let page: string;
  try {
    page = await serverCommandRequest<string>("lexis.explain", [code]);
  } catch (err) {
    void vscode.window.showErrorMessage(`Lexis: ${errorText(err)}`);
    return;
  }
  const path = `/${code}.md`;
  pages.set(path, page);
  const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path });
  const doc = await vscode.workspace.openTextDocument(uri);
  try {
    await vscode.commands.executeCommand("markdown.showPreview", uri);
  } catch {
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}

/** The code under the cursor, else one picked from the document's diagnostics or typed. */
async function pickCode(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const diagnostics = editor ? vscode.languages.getDiagnostics(editor.document.uri) : [];
  const here = editor
    ? diagnostics.filter((d) => diagnosticCode(d) && d.range.contains(editor.selection.active))
    : [];
  if (here.length === 1) return diagnosticCode(here[0]);
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
  if (!pick) return undefined;
  if (pick.code) return pick.code;
  const typed = await vscode.window.showInputBox({
    title: "Lexis: Explain Diagnostic",
    prompt: "A diagnostic code",
    placeHolder: "LX1001",
    validateInput: (v) => (/^\s*LX\d{4}\s*$/i.test(v) ? undefined : "a code like LX1001"),
  });
  return typed ? typed.trim().toUpperCase() : undefined;
}
