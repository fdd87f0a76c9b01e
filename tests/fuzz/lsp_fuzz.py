"""Part a: mutated and random documents against every request the server implements, with
random positions and ranges (valid, past the end, inside characters) in the negotiated
encoding."""

from __future__ import annotations

import contextlib
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from . import documents as D
from .findings import Findings, traceback_signature
from .judge import Judge, short
from .lsp_client import Hang, ServerDied, Session
from .minimize import minimize

CODES = ["LX0001", "LX1001", "LX2001", "lx1001", "nope", "", "LX9999"]
NAMES = ["b", "renamed", "a b", "", "$x", "😀", "id", "x" * 300, "\u2028", "nodes", "1"]
PER_SESSION = 60  # documents per server process
REQUEST_TIMEOUT = 10.0
RUN_TIMEOUT = 40.0


def make_workspace() -> Path:
    """A scratch workspace folder with some Lexis files (lexis.formatAll rewrites them)."""
    root = Path(tempfile.mkdtemp(prefix="lexis-fuzz-"))
    for i, text in enumerate(D.seeds()[:8]):
        (root / f"seed{i}.lexis.json").write_text(text, encoding="utf-8")
    (root / "broken.lexis.json").write_bytes(b'{"spec": "lexis-\xff\xfe"}')
    return root


class State:
    """What earlier answers for the current document gave, to chain requests."""

    def __init__(self) -> None:
        self.diagnostics: list[Any] = []
        self.diag_result_id: str | None = None
        self.tokens_result_id: str | None = None
        self.actions: list[Any] = []
        self.items: list[Any] = []


def td(uri: str) -> dict[str, str]:
    return {"textDocument": {"uri": uri}}


def requests_for(
    caps: dict[str, Any], rng: random.Random, uri: str, text: str, enc: str, st: State
) -> dict[str, Any]:
    """Method -> params for every request (built lazily with fresh random positions)."""
    pos = D.random_position(rng, text, enc)
    rng_ = D.random_range(rng, text, enc)
    whole = {"start": {"line": 0, "character": 0}, "end": D.to_position(text, len(text), enc)}
    fmt = {
        "tabSize": rng.choice([0, 1, 2, 4, 8]),
        "insertSpaces": rng.random() < 0.8,
        "trimTrailingWhitespace": rng.random() < 0.5,
    }
    out: dict[str, Any] = {
        "textDocument/hover": {**td(uri), "position": pos},
        "textDocument/completion": {
            **td(uri),
            "position": pos,
            "context": rng.choice(
                [
                    {"triggerKind": 1},
                    {"triggerKind": 2, "triggerCharacter": rng.choice(['"', ":", ",", "[", " "])},
                ]
            ),
        },
        "textDocument/signatureHelp": {**td(uri), "position": pos},
        "textDocument/definition": {**td(uri), "position": pos},
        "textDocument/references": {
            **td(uri),
            "position": pos,
            "context": {"includeDeclaration": rng.random() < 0.5},
        },
        "textDocument/documentHighlight": {**td(uri), "position": pos},
        "textDocument/prepareRename": {**td(uri), "position": pos},
        "textDocument/rename": {**td(uri), "position": pos, "newName": rng.choice(NAMES)},
        "textDocument/formatting": {**td(uri), "options": fmt},
        "textDocument/rangeFormatting": {**td(uri), "range": rng_, "options": fmt},
        "textDocument/onTypeFormatting": {
            **td(uri),
            "position": pos,
            "ch": rng.choice(["}", "\n", ","]),
            "options": fmt,
        },
        "textDocument/documentSymbol": td(uri),
        "textDocument/foldingRange": td(uri),
        "textDocument/selectionRange": {
            **td(uri),
            "positions": [D.random_position(rng, text, enc) for _ in range(rng.randrange(1, 4))],
        },
        "textDocument/semanticTokens/full": td(uri),
        "textDocument/semanticTokens/full/delta": {
            **td(uri),
            "previousResultId": st.tokens_result_id or rng.choice(["", "1", "nope"]),
        },
        "textDocument/semanticTokens/range": {**td(uri), "range": rng_},
        "textDocument/inlayHint": {**td(uri), "range": rng.choice([rng_, whole])},
        "textDocument/codeLens": td(uri),
        "textDocument/documentLink": td(uri),
        "textDocument/diagnostic": {
            **td(uri),
            "identifier": "lexis",
            **({"previousResultId": st.diag_result_id} if st.diag_result_id else {}),
        },
        "workspace/diagnostic": {
            "identifier": "lexis",
            "previousResultIds": [],
            **({"workDoneToken": f"wd{rng.randrange(1000)}"} if rng.random() < 0.3 else {}),
        },
        "workspace/symbol": {"query": rng.choice(["", "a", "n", "😀", "zz", "."])},
        "textDocument/codeAction": {
            **td(uri),
            "range": rng.choice([rng_, whole]),
            "context": {
                "diagnostics": rng.sample(st.diagnostics, min(len(st.diagnostics), 3))
                if rng.random() < 0.8
                else [],
                **(
                    {"only": [rng.choice(["quickfix", "refactor", "source.fixAll.lexis", "x"])]}
                    if rng.random() < 0.3
                    else {}
                ),
                **({"triggerKind": rng.choice([1, 2])} if rng.random() < 0.5 else {}),
            },
        },
    }
    if st.actions:
        out["codeAction/resolve"] = rng.choice(st.actions)
    if st.items:
        out["completionItem/resolve"] = rng.choice(st.items)
    commands = (caps.get("executeCommandProvider") or {}).get("commands") or []
    for command in commands:
        out[f"workspace/executeCommand {command}"] = {
            "command": command,
            "arguments": command_arguments(command, rng, uri),
        }
    return out


def command_arguments(command: str, rng: random.Random, uri: str) -> list[Any]:
    r = rng.random()
    if r < 0.15:  # wrong arguments
        return rng.choice([[], [1], [None], [uri, uri, uri], [{"uri": 5}], ["file:///nope"]])
    if command == "lexis.run":
        args: list[Any] = [rng.choice([uri, {"uri": uri}])]
        if rng.random() < 0.5:
            args.append(
                rng.choice(
                    [
                        {"params": {"x": 1, "y": "s"}},
                        {"stdin": "hello\n"},
                        {"params": {"x": [1]}},
                        {"bogus": 1},
                        "x",
                    ]
                )
            )
        return args
    if command == "lexis.hash":
        return [rng.choice([uri, {"uri": uri}])]
    if command == "lexis.explain":
        return [rng.choice(CODES)]
    if command == "lexis.formatAll":
        return []
    return [uri]


OFFERED = {
    "textDocument/hover": "hoverProvider",
    "textDocument/completion": "completionProvider",
    "textDocument/signatureHelp": "signatureHelpProvider",
    "textDocument/definition": "definitionProvider",
    "textDocument/references": "referencesProvider",
    "textDocument/documentHighlight": "documentHighlightProvider",
    "textDocument/prepareRename": "renameProvider",
    "textDocument/rename": "renameProvider",
    "textDocument/formatting": "documentFormattingProvider",
    "textDocument/rangeFormatting": "documentRangeFormattingProvider",
    "textDocument/onTypeFormatting": "documentOnTypeFormattingProvider",
    "textDocument/documentSymbol": "documentSymbolProvider",
    "textDocument/foldingRange": "foldingRangeProvider",
    "textDocument/selectionRange": "selectionRangeProvider",
    "textDocument/semanticTokens/full": "semanticTokensProvider",
    "textDocument/semanticTokens/full/delta": "semanticTokensProvider",
    "textDocument/semanticTokens/range": "semanticTokensProvider",
    "textDocument/inlayHint": "inlayHintProvider",
    "textDocument/codeLens": "codeLensProvider",
    "textDocument/documentLink": "documentLinkProvider",
    "textDocument/diagnostic": "diagnosticProvider",
    "workspace/diagnostic": "diagnosticProvider",
    "workspace/symbol": "workspaceSymbolProvider",
    "textDocument/codeAction": "codeActionProvider",
    "codeAction/resolve": "codeActionProvider",
    "completionItem/resolve": "completionProvider",
}


def offered(caps: dict[str, Any], method: str) -> bool:
    if method.startswith("workspace/executeCommand"):
        return True
    key = OFFERED.get(method)
    return key is not None and bool(caps.get(key))


class LspFuzzer:
    def __init__(self, findings: Findings, rng: random.Random, workspace: Path) -> None:
        self.f = findings
        self.rng = rng
        self.workspace = workspace
        self.session: Session | None = None
        self.judge: Judge | None = None
        self.docs_in_session = 0
        self.coverage: dict[str, int] = {}

    def start(self) -> tuple[Session, Judge]:
        session = Session(cwd=self.workspace)
        self.f.count("sessions")
        enc = self.rng.choice(["utf-16", "utf-16", "utf-8", "utf-32"])
        pull = self.rng.random() < 0.7
        session.config = self.rng.choice(
            [None, {}, {"trustCeiling": "pure"}, {"debounceMs": 0}, {"run": {"timeout": 2}}]
        )
        extra = {"workspace": {"configuration": True, "applyEdit": True}}
        judge = Judge(self.f, session)
        try:
            session.initialize(encoding=enc, pull=pull, extra_caps=extra, root=self.workspace)
        except Hang:
            self.f.add("hangs", "initialize", judge.repro("initialize", None))
            raise
        except ServerDied:
            self.f.add(
                "crashes",
                "initialize",
                {
                    **judge.repro("initialize", None),
                    "stderr": "".join(session.stderr_lines)[-4000:],
                },
            )
            raise
        self.session, self.judge = session, judge
        self.docs_in_session = 0
        return session, judge

    def stop(self) -> None:
        if self.session is not None:
            self.session.close()
            if self.judge:
                self.judge.logs("shutdown", None)
        self.session = self.judge = None

    def lost(self, cls: str, method: str, params: Any, uri: str, why: str) -> None:
        assert self.session is not None and self.judge is not None
        repro = self.judge.repro(method, params, uri)
        repro["why"] = why
        repro["stderr"] = "".join(self.session.stderr_lines)[-4000:]
        sig = method.split(" ")[0]
        if cls == "crashes":
            sig = f"server exited: {traceback_signature(repro['stderr']) or why}"
        self.f.add(cls, sig, repro)
        self.session.proc.kill()
        self.session.kill()
        self.session = self.judge = None

    def one_document(self, deadline: float) -> None:
        if self.session is None or self.docs_in_session >= PER_SESSION:
            self.stop()
            self.start()
        session, judge = self.session, self.judge
        assert session is not None and judge is not None
        rng = self.rng
        self.docs_in_session += 1
        text = D.document(rng)
        n = self.f.counts["documents"]
        name = rng.choice([f"doc{n}.lexis.json", f"sub/doc{n}.lexis.json", f"d {n}%20é.lexis.json"])
        uri = (self.workspace / name).as_uri() if rng.random() < 0.9 else f"untitled:Untitled-{n}"
        lang = rng.choice(["lexis", "lexis", "json", ""])
        self.f.count("documents")
        judge.docs[uri] = text
        params = {"textDocument": {"uri": uri, "languageId": lang, "version": 1, "text": text}}
        st = State()
        try:
            judge.sent({"method": "textDocument/didOpen", "params": params})
            session.notify("textDocument/didOpen", params)
            caps = session.capabilities
            methods = list(requests_for(caps, rng, uri, text, session.encoding, st))
            # every offered method once per document (codeAction first: resolve needs it),
            # then random extra ones
            order = [m for m in methods if offered(caps, m)]
            rng.shuffle(order)
            order.sort(key=lambda m: m.endswith("/resolve"))
            order += [rng.choice(methods) for _ in range(rng.randrange(0, 10))]
            if rng.random() < 0.15:
                self.burst(uri, text, st)
                if self.session is None:
                    return
            for method in order:
                if time.monotonic() > deadline:
                    break
                if method == "workspace/executeCommand lexis.run" and rng.random() < 0.8:
                    continue  # a run costs a process: only some
                if method == "workspace/executeCommand lexis.formatAll" and rng.random() < 0.8:
                    continue
                reqs = requests_for(caps, rng, uri, text, session.encoding, st)
                if method not in reqs:
                    continue
                self.request(method, reqs[method], uri, st)
                if self.session is None:
                    return
            close = {"textDocument": {"uri": uri}}
            judge.sent({"method": "textDocument/didClose", "params": close})
            session.notify("textDocument/didClose", close)
            judge.logs("textDocument/didClose", close, uri)
        except ServerDied as exc:
            if self.session is not None:
                self.lost("crashes", "textDocument/didOpen", params, uri, str(exc))
        judge.docs.pop(uri, None)

    def request(self, method: str, params: Any, uri: str, st: State) -> None:
        session, judge = self.session, self.judge
        assert session is not None and judge is not None
        wire = method.split(" ")[0]
        self.f.count("requests")
        self.coverage[method] = self.coverage.get(method, 0) + 1
        judge.sent({"method": wire, "params": params})
        timeout = RUN_TIMEOUT if "lexis.run" in method else REQUEST_TIMEOUT
        seen = len(session.stderr_lines)
        try:
            rid = session.send_request(wire, params)
            answer = self.wait_watching(session, rid, timeout, seen)
        except Hang as exc:
            err = "".join(session.stderr_lines[seen:])
            if "Traceback" in err:  # unanswered because of an exception: the server lives on
                self.f.add(
                    "hangs",
                    f"{wire}: never answered after {traceback_signature(err)}",
                    {**judge.repro(wire, params, uri), "why": str(exc), "stderr": err[-4000:]},
                )
                session.new_stderr()
                return
            self.lost("hangs", method, params, uri, str(exc))
            return
        except ServerDied as exc:
            self.lost("crashes", method, params, uri, str(exc))
            return
        judge.response(wire, params, answer, uri)
        judge.logs(wire, params, uri)
        error = answer.get("error")
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            if code == -32601 and offered(session.capabilities, method):
                self.f.add(
                    "wrong_error_codes",
                    f"{method}: offered but -32601",
                    {**judge.repro(wire, params, uri), "error": short(error)},
                )
            return
        result = answer.get("result")
        if wire == "textDocument/diagnostic" and isinstance(result, dict):
            if result.get("kind") == "full":
                st.diagnostics = result.get("items") or []
            st.diag_result_id = result.get("resultId")
        elif wire == "textDocument/semanticTokens/full" and isinstance(result, dict):
            st.tokens_result_id = result.get("resultId")
            self.check_tokens(method, params, uri, result.get("data"))
        elif wire == "textDocument/semanticTokens/range" and isinstance(result, dict):
            self.check_tokens(method, params, uri, result.get("data"))
        elif wire == "textDocument/codeAction" and isinstance(result, list):
            st.actions = [a for a in result if isinstance(a, dict) and "title" in a] or st.actions
        elif wire == "textDocument/completion":
            items = result.get("items") if isinstance(result, dict) else result
            if isinstance(items, list) and items:
                st.items = items[:20]

    @staticmethod
    def wait_watching(session: Session, rid: int, timeout: float, seen: int) -> dict[str, Any]:
        """The answer; a Hang early when a traceback reached stderr and 2 s passed without it."""
        deadline = time.monotonic() + timeout
        traced: float | None = None
        while True:
            try:
                return session.wait(rid, 0.25)
            except Hang:
                now = time.monotonic()
                if traced is None and any("Traceback" in x for x in session.stderr_lines[seen:]):
                    traced = now
                if now >= deadline or (traced is not None and now - traced > 2.0):
                    raise Hang(f"no answer within {now - deadline + timeout:.1f} s") from None

    def burst(self, uri: str, text: str, st: State) -> None:
        """Requests sent without waiting, some cancelled at once: each gets exactly one answer
        (a result or -32800), and a cancelled one no internal error."""
        session, judge = self.session, self.judge
        assert session is not None and judge is not None
        rng = self.rng
        caps = session.capabilities
        sent = []
        for _ in range(rng.randrange(3, 15)):
            reqs = requests_for(caps, rng, uri, text, session.encoding, st)
            method = rng.choice([m for m in reqs if "lexis.run" not in m and "formatAll" not in m])
            wire = method.split(" ")[0]
            rid = session.send_request(wire, reqs[method])
            judge.sent({"method": wire, "params": reqs[method], "id": rid})
            self.f.count("requests")
            sent.append((rid, wire, reqs[method]))
            if rng.random() < 0.3:
                session.notify("$/cancelRequest", {"id": rng.choice(sent)[0]})
        deadline = time.monotonic() + REQUEST_TIMEOUT
        for rid, wire, params in sent:
            try:
                answer = session.wait(rid, max(0.1, deadline - time.monotonic()))
            except Hang as exc:
                self.lost("hangs", f"{wire} (in a burst of {len(sent)})", params, uri, str(exc))
                return
            except ServerDied as exc:
                self.lost("crashes", wire, params, uri, str(exc))
                return
            judge.response(wire, params, answer, uri)
        time.sleep(0.02)
        judge.logs("burst", None, uri)

    def check_tokens(self, method: str, params: Any, uri: str, data: Any) -> None:
        judge = self.judge
        assert judge is not None and self.session is not None
        text = judge.docs.get(uri)
        if text is None or not isinstance(data, list):
            return
        problem = None
        if len(data) % 5:
            problem = f"data length {len(data)} not a multiple of 5"
        lines = D.lsp_lines(text)
        line = char = 0
        for i in range(0, len(data) - len(data) % 5, 5):
            dl, dc, length = data[i], data[i + 1], data[i + 2]
            if dl < 0 or dc < 0 or length < 0:
                problem = f"negative token field at {i}"
                break
            line, char = line + dl, (char + dc if dl == 0 else dc)
            if line >= len(lines):
                problem = f"token at line {line} past the last line"
                break
            if char + length > D.units(lines[line], self.session.encoding):
                problem = f"token {line}:{char}+{length} past the end of its line"
                break
        if problem:
            self.f.add(
                "out_of_range_edits",
                f"{method}: {problem.split(' ')[0]} semantic token out of its line",
                {**judge.repro(method, params, uri), "problem": problem, "data": short(data)},
            )


def run(budget: float, seed: int) -> dict[str, int]:
    findings = Findings("lsp")
    rng = random.Random(seed)
    end = time.monotonic() + budget
    deadline = time.monotonic() + budget * 0.85  # the rest: shrinking the documents found
    workspace = make_workspace()
    fuzzer = LspFuzzer(findings, rng, workspace)
    try:
        while time.monotonic() < deadline:
            try:
                fuzzer.one_document(deadline)
            except (Hang, ServerDied):
                fuzzer.session = fuzzer.judge = None
    finally:
        with contextlib.suppress(Hang, ServerDied):
            fuzzer.stop()
    try:
        shrunk = minimize(findings, workspace, max(0.0, end - time.monotonic()))
        findings.count("minimized", shrunk)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    print(f"  [lsp] requests by method: {dict(sorted(fuzzer.coverage.items()))}", flush=True)
    return findings.result()
