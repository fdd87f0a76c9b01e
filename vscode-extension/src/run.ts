// Lexis: Run Program (also the server's "▶ Run" code lens): asks for the program's inputs, runs
// it in the server, and shows the output in the "Lexis Run" channel.

import * as vscode from "vscode";
import { runningClient, serverCommandRequest } from "./client";
import { countErrors, describeFindings, Finding, programErrors, showProblems } from "./findings";
import { runChannel } from "./output";
import { errorText, fileName, refusedInRestrictedMode, targetDocument } from "./util";

/** What `lexis.run` answers. */
export interface RunResult {
  stdout: string;
  values: Record<string, string>;
  errors: { node: string; message: string; chain?: { node: string; message: string }[] }[];
  durationMs: number;
  programHash: string | null;
  status?: string;
  reason?: string | null;
}

const lastParams = new Map<string, Record<string, string>>();
const STDIN_KEY = "\u0000stdin";
const runEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; result: RunResult }>();

/** Fires after each run of `Lexis: Run Program` that answered. */
export const onDidRun = runEmitter.event;

export function initRun(context: vscode.ExtensionContext): void {
  context.subscriptions.push(runEmitter);
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

/** Asks for the value of each parameter in `names` (and for standard input if `askStdin`),
 * offering the values last given for the program `key`; undefined if cancelled. */
export async function askProgramInputs(
  key: string,
  names: string[],
  askStdin: boolean,
  title: string,
): Promise<{ params: Record<string, string>; stdin?: string } | undefined> {
  const previous = lastParams.get(key) ?? {};
  const params: Record<string, string> = {};
  const totalSteps = names.length + (askStdin ? 1 : 0);
  let step = 0;
  for (const name of names) {
    step += 1;
    const value = await prompt({
      title,
      step,
      totalSteps,
      prompt: `Value of the parameter "${name}"`,
      placeholder: name,
      value: previous[name] ?? "",
    });
    if (value === undefined) return undefined; // cancelled
    params[name] = value;
  }
  let stdin: string | undefined;
  const remembered: Record<string, string> = { ...previous, ...params };
  if (askStdin) {
    step += 1;
    const value = await prompt({
      title,
      step,
      totalSteps,
      prompt: "Standard input for read_stdin (write \\n between lines)",
      value: previous[STDIN_KEY] ?? "",
    });
    if (value === undefined) return undefined;
    stdin = value.replace(/\\n/g, "\n");
    if (stdin && !stdin.endsWith("\n")) stdin += "\n";
    remembered[STDIN_KEY] = value;
  }
  lastParams.set(key, remembered);
  return { params, stdin };
}

/** One input of a series: an input box showing "title (step/totalSteps)" when there are several.
 * Resolves to the text accepted, or undefined when dismissed. */
function prompt(options: {
  title: string;
  step: number;
  totalSteps: number;
  prompt: string;
  placeholder?: string;
  value: string;
}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = options.title;
    if (options.totalSteps > 1) {
      box.step = options.step;
      box.totalSteps = options.totalSteps;
    }
    box.prompt = options.prompt;
    box.placeholder = options.placeholder;
    box.value = options.value;
    box.ignoreFocusOut = true;
    let answer: string | undefined;
    box.onDidAccept(() => {
      answer = box.value;
      box.hide();
    });
    box.onDidHide(() => {
      box.dispose();
      resolve(answer);
    });
    box.show();
  });
}

export async function runProgram(arg?: unknown): Promise<RunResult | undefined> {
  if (refusedInRestrictedMode("running")) return undefined;
  const doc = await targetDocument(arg);
  if (!doc) return undefined;
  if (!runningClient()) return undefined;

  const key = doc.uri.toString();
  const name = fileName(doc.uri);
  // A program with errors is not run (the server would refuse it): say which, before asking
  // for its inputs.
  const errors = await programErrors(doc.uri);
  if (errors.length > 0) {
    reportRefusal(name, errors);
    return undefined;
  }
  const { params: names, readsStdin } = programInputs(doc.getText());
  const inputs = await askProgramInputs(key, names, readsStdin, "Lexis: Run Program");
  if (!inputs) return undefined;
  const { params, stdin } = inputs;

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
    const message = errorText(err);
    runChannel().appendLine(`▶ ${name}: the run failed: ${message}`);
    void vscode.window.showErrorMessage(`Lexis: the run of ${name} failed: ${message}`);
    return undefined;
  }
  const refusal = result?.status === "refused" ? await programErrors(doc.uri) : [];
  reportRun(name, params, result, refusal);
  runEmitter.fire({ uri: doc.uri, result });
  return result;
}

/** The run of `name` refused for `findings`: named (not only counted), with the Problems panel
 * a click away. */
function reportRefusal(name: string, findings: Finding[]): void {
  const channel = runChannel();
  const message = `${name} was not run: it has ${countErrors(findings.length)} — ${describeFindings(findings)}.`;
  channel.appendLine(`▶ ${message}`);
  channel.appendLine("");
  void vscode.window.showErrorMessage(`Lexis: ${message}`, "Show Problems").then((choice) => {
    if (choice === "Show Problems") void showProblems();
  });
}

function reportRun(name: string, params: Record<string, string>, result: RunResult, findings: Finding[]): void {
  const channel = runChannel();
  const stamp = new Date().toLocaleTimeString();
  const shownParams = Object.entries(params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");
  channel.appendLine(`▶ ${name} (${stamp})${shownParams ? ` with ${shownParams}` : ""}`);
  const stdout = result?.stdout ?? "";
  if (stdout) {
    channel.append(stdout.endsWith("\n") ? stdout : `${stdout}\n`);
  }
  for (const error of result?.errors ?? []) {
    channel.appendLine(`  error value at ${error.node}: ${error.message}`);
  }
  const status = result?.status ?? "ok";
  const summary =
    status === "ok"
      ? `finished in ${Math.round(result.durationMs ?? 0)} ms`
      : `${status}${result.reason ? `: ${result.reason}` : ""}`;
  channel.appendLine(`■ ${summary}${result?.programHash ? ` — program hash ${result.programHash}` : ""}`);
  channel.appendLine("");
  channel.show(true);

  const firstLine = stdout.split(/\r?\n/)[0];
  if (status === "refused" && findings.length > 0) {
    reportRefusal(name, findings);
    return;
  }
  if (status !== "ok") {
    void vscode.window
      .showErrorMessage(`Lexis: ${name} ${summary}`, "Show Output")
      .then((choice) => choice && channel.show(true));
  } else {
    const errors = result.errors?.length ?? 0;
    const tail = errors ? ` (${errors} error value${errors === 1 ? "" : "s"})` : "";
    void vscode.window
      .showInformationMessage(
        stdout ? `Lexis: ${firstLine}${tail}` : `Lexis: ${name} ran with no output${tail}`,
        "Show Output",
      )
      .then((choice) => choice && channel.show(true));
  }
}
