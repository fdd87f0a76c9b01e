"""Part b: edit storms. A document gets hundreds of random incremental didChange edits (valid
ranges, past-the-end positions, the line breaks LSP does not count, surrogate pairs); then its
diagnostics, semantic tokens and folding ranges must equal those of a fresh document opened with
the text the edits give by the LSP rules (lines end at \\n, \\r\\n, \\r; positions in the negotiated
encoding; a character past the end of its line means the end of the line, a line past the end
of the text the end of the text)."""

from __future__ import annotations

import random
import shutil
import time
from typing import Any

from . import documents as D
from .findings import Findings, traceback_signature
from .judge import Judge, short
from .lsp_client import Hang, ServerDied, Session
from .lsp_fuzz import make_workspace

FRAGMENTS = [
    '"',
    ",",
    "{",
    "}",
    "[",
    "]",
    ":",
    " ",
    "\n",
    "\r\n",
    "\r",
    '"add"',
    '"a"',
    "5",
    '"id": "z"',
    "é",
    "😀",
    "a😀b",
    '"op"',
    "nul",
    '{"id": "q", "op": "const", "value": 2},',
    "\\ud800",
    "\\",
    "\t",
    *D.ODD_BREAKS,
]
EDITS = (100, 400)


def compare_key(d: Any) -> tuple[Any, ...]:
    r = d.get("range", {})
    s, e = r.get("start", {}), r.get("end", {})
    return (
        d.get("code"),
        s.get("line"),
        s.get("character"),
        e.get("line"),
        e.get("character"),
        d.get("message"),
        d.get("severity"),
    )


class Storm:
    def __init__(self, findings: Findings, rng: random.Random, workspace: Any) -> None:
        self.f = findings
        self.rng = rng
        self.workspace = workspace

    def random_change(self, text: str, enc: str) -> tuple[dict[str, Any], str | None]:
        """One content change and the text after it (None: the change has no defined result,
        the caller resynchronises)."""
        rng = self.rng
        r = rng.random()
        new = rng.choice(FRAGMENTS) if rng.random() < 0.8 else ""
        if rng.random() < 0.05:
            new = rng.choice(FRAGMENTS) * rng.randrange(2, 50)
        if r < 0.8 or not text:
            start = rng.randrange(len(text) + 1)
            end = min(len(text), start + rng.choice([0, 0, 1, 2, 5, 20]))
            rng_ = {"start": D.to_position(text, start, enc), "end": D.to_position(text, end, enc)}
        elif r < 0.93:  # past the end of a line or of the text: clamped
            rng_ = D.random_range(self.rng, text, enc)
        elif r < 0.97:  # start after end: undefined
            a = D.to_position(text, rng.randrange(len(text) + 1), enc)
            b = D.to_position(text, rng.randrange(len(text) + 1), enc)
            if (a["line"], a["character"]) == (b["line"], b["character"]):
                return self.random_change(text, enc)
            lo, hi = sorted([a, b], key=lambda p: (p["line"], p["character"]))
            return {"range": {"start": hi, "end": lo}, "text": new}, None
        else:  # full text
            whole = D.mutate(rng, text, 1)
            return {"text": whole}, whole
        start, ok1 = D.to_offset(text, rng_["start"], enc)
        end, ok2 = D.to_offset(text, rng_["end"], enc)
        if start > end:
            return {"range": rng_, "text": new}, None
        inside = not ok1 and D.to_offset(text, rng_["start"], "utf-32")[0] != start
        if not (ok1 and ok2) and (inside or self._inside(text, rng_, enc)):
            return {"range": rng_, "text": new}, None
        return {"range": rng_, "text": new}, text[:start] + new + text[end:]

    def _inside(self, text: str, rng_: dict[str, Any], enc: str) -> bool:
        """A position of the range falls inside a character (not merely past an end)."""
        lines = D.lsp_lines(text)
        for p in (rng_["start"], rng_["end"]):
            if 0 <= p["line"] < len(lines):
                line = lines[p["line"]]
                if p["character"] < D.units(line, enc):
                    count = 0
                    for ch in line:
                        if count == p["character"]:
                            break
                        count += D.units(ch, enc)
                        if count > p["character"]:
                            return True
        return False

    def storm(self, session: Session, judge: Judge, n: int) -> None:
        rng = self.rng
        enc = session.encoding
        pull = bool(session.capabilities.get("diagnosticProvider")) and session.pull
        text = rng.choice(D.seeds())
        if rng.random() < 0.3:
            text = D.mutate(rng, text)
        initial = text
        uri = (self.workspace / f"storm{n}.lexis.json").as_uri()
        fresh_uri = (self.workspace / f"fresh{n}.lexis.json").as_uri()
        judge.docs[uri] = text
        version = 1
        opened = {"textDocument": {"uri": uri, "languageId": "lexis", "version": 1, "text": text}}
        session.notify("textDocument/didOpen", opened)
        self.f.count("storms")
        log: list[dict[str, Any]] = []
        steps = rng.randrange(*EDITS)
        method = "textDocument/didChange"
        for step in range(steps):
            changes = []
            resync = False
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                change, after = self.random_change(text, enc)
                changes.append(change)
                if after is None:
                    resync = True
                    break
                text = after
            version += 1
            params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}
            if resync:  # an undefined change: afterwards the whole text, to know it again
                changes.append({"text": text})
            session.notify(method, params)
            judge.sent({"method": method, "params": params})
            log.append({"version": version, "contentChanges": changes})
            judge.docs[uri] = text
            self.f.count("edits")
            if step % 20 == 0:
                self.probe(session, judge, uri, text, enc)
        # the fresh document, then compare
        session.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": fresh_uri, "languageId": "lexis", "version": 1, "text": text}},
        )
        judge.docs[fresh_uri] = text
        got = self.observe(session, judge, uri, version, pull)
        want = self.observe(session, judge, fresh_uri, 1, pull)
        judge.logs("storm", None, uri)
        for what in want:
            if got.get(what) != want.get(what):
                self.f.add(
                    "mismatches",
                    f"storm {what} ({'pull' if pull else 'push'}, {enc})",
                    {
                        "method": "textDocument/didChange (storm)",
                        "encoding": enc,
                        "initial_text": initial,
                        "changes": log,
                        "final_text_by_lsp_rules": text,
                        "storm_document": short(got.get(what), 3000),
                        "fresh_document": short(want.get(what), 3000),
                    },
                )
                break
        for u in (uri, fresh_uri):
            session.notify("textDocument/didClose", {"textDocument": {"uri": u}})
            judge.docs.pop(u, None)

    def probe(self, session: Session, judge: Judge, uri: str, text: str, enc: str) -> None:
        method = self.rng.choice(
            [
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/codeAction",
                "textDocument/semanticTokens/full",
            ]
        )
        params: dict[str, Any] = {"textDocument": {"uri": uri}}
        if method == "textDocument/codeAction":
            params["range"] = D.random_range(self.rng, text, enc)
            params["context"] = {"diagnostics": []}
        elif method != "textDocument/semanticTokens/full":
            params["position"] = D.random_position(self.rng, text, enc)
        self.f.count("requests")
        judge.sent({"method": method, "params": params})
        answer = session.request(method, params)
        judge.response(method, params, answer, uri)
        judge.logs(method, params, uri)

    def observe(
        self, session: Session, judge: Judge, uri: str, version: int, pull: bool
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if pull:
            params = {"textDocument": {"uri": uri}}
            self.f.count("requests")
            answer = session.request("textDocument/diagnostic", params)
            judge.response("textDocument/diagnostic", params, answer, uri)
            items = (answer.get("result") or {}).get("items") or []
        else:
            items = self.pushed(session, judge, uri, version)
        out["diagnostics"] = sorted(compare_key(d) for d in items)
        for method in ("textDocument/semanticTokens/full", "textDocument/foldingRange"):
            params = {"textDocument": {"uri": uri}}
            self.f.count("requests")
            answer = session.request(method, params)
            judge.response(method, params, answer, uri)
            result = answer.get("result")
            if isinstance(result, dict):
                result = result.get("data")
            out[method.rsplit("/", 1)[-1]] = result
        return out

    def pushed(self, session: Session, judge: Judge, uri: str, version: int) -> list[Any]:
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            judge.logs("publishDiagnostics wait", None, uri)
            latest = session.published.get(uri)
            if latest is not None and latest.get("version") == version:
                return list(latest.get("diagnostics") or [])
            time.sleep(0.05)
        raise Hang(f"no publishDiagnostics for {uri} version {version} within 10 s")


def run(budget: float, seed: int) -> dict[str, int]:
    findings = Findings("storms")
    rng = random.Random(seed)
    deadline = time.monotonic() + budget
    workspace = make_workspace()
    storm = Storm(findings, rng, workspace)
    n = 0
    try:
        while time.monotonic() < deadline:
            session = Session(cwd=workspace)
            findings.count("sessions")
            judge = Judge(findings, session)
            pull = rng.random() < 0.75
            session.config = {"debounceMs": rng.choice([0, 50])}
            try:
                session.initialize(
                    encoding=rng.choice(["utf-16", "utf-16", "utf-8", "utf-32"]),
                    pull=pull,
                    root=workspace,
                    extra_caps={"workspace": {"configuration": True}},
                )
                for _ in range(5):
                    if time.monotonic() >= deadline:
                        break
                    n += 1
                    storm.storm(session, judge, n)
                session.close()
                judge.logs("shutdown", None)
            except (Hang, ServerDied) as exc:
                cls = "hangs" if isinstance(exc, Hang) else "crashes"
                stderr = "".join(session.stderr_lines)[-4000:]
                sig = (
                    f"storm: {traceback_signature(stderr) or exc}" if cls == "crashes" else "storm"
                )
                last = judge.recent[-1] if judge.recent else {}
                findings.add(
                    cls,
                    sig,
                    {
                        "why": str(exc),
                        **judge.repro(str(last.get("method")), last.get("params")),
                        "stderr": stderr,
                    },
                )
                session.proc.kill()
                session.kill()
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    return findings.result()
