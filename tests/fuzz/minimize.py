"""Shrinking the document of a finding: delta debugging over lines, then over characters, against
a server of its own, keeping a candidate when the same finding (class and signature) comes back.
Used for internal errors and out-of-range edits found by one request on one document."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .findings import Findings
from .judge import Judge
from .lsp_client import Hang, ServerDied, Session

ATTEMPT_TIMEOUT = 5.0


class Reproducer:
    def __init__(self, workspace: Path, encoding: str) -> None:
        self.workspace = workspace
        self.encoding = encoding
        self.session: Session | None = None
        self.n = 0

    def _session(self) -> Session:
        if self.session is None or not self.session.alive():
            self.session = Session(cwd=self.workspace)
            self.session.initialize(encoding=self.encoding, pull=True, root=self.workspace)
        return self.session

    def close(self) -> None:
        if self.session is not None:
            self.session.proc.kill()
            self.session.kill()
            self.session = None

    def found(self, method: str, params: Any, old_uri: str, text: str) -> set[tuple[str, str]]:
        """The (class, signature) pairs one request on this text gives."""
        session = self._session()
        self.n += 1
        uri = (self.workspace / f"min{self.n}.lexis.json").as_uri()
        wire = json.loads(json.dumps(params).replace(json.dumps(old_uri)[1:-1], uri))
        scratch = Findings("min", out_dir=None)
        judge = Judge(scratch, session)
        judge.docs[uri] = text
        try:
            session.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "lexis", "version": 1, "text": text}},
            )
            answer = session.request(method, wire, timeout=ATTEMPT_TIMEOUT)
            judge.response(method, wire, answer, uri)
            session.request("workspace/symbol", {"query": "zzz"}, timeout=ATTEMPT_TIMEOUT)
            judge.logs(method, wire, uri)
            session.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        except (Hang, ServerDied):
            self.close()
            return set()
        return set(scratch.seen)


def ddmin(items: list[str], test: Any, deadline: float) -> list[str]:
    n = 2
    while len(items) >= 2 and time.monotonic() < deadline:
        chunk = max(1, len(items) // n)
        reduced = False
        for start in range(0, len(items), chunk):
            if time.monotonic() >= deadline:
                break
            candidate = items[:start] + items[start + chunk :]
            if candidate and test(candidate):
                items = candidate
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    return items


def minimize(findings: Findings, workspace: Path, budget: float, per_finding: float = 20.0) -> int:
    """Shrink the recorded documents of `findings`; the number shrunk."""
    deadline = time.monotonic() + budget
    done = 0
    reproducers: dict[str, Reproducer] = {}
    try:
        for (cls, sig), path in list(findings.seen.items()):
            if cls not in ("internal_errors", "out_of_range_edits") or time.monotonic() > deadline:
                continue
            record = json.loads(path.read_text(encoding="utf-8"))
            text, method, params = record.get("text"), record.get("method"), record.get("params")
            uri = record.get("uri")
            if not isinstance(text, str) or not method or uri is None or record.get("minimized"):
                continue
            enc = record.get("encoding", "utf-16")
            rep = reproducers.setdefault(enc, Reproducer(workspace, enc))
            if (cls, sig) not in rep.found(method, params, uri, text):
                record["minimized"] = "does not reproduce alone (depends on earlier messages)"
                path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
                continue
            stop = min(deadline, time.monotonic() + per_finding)

            def test(
                parts: list[str],
                key: tuple[str, str] = (cls, sig),
                rep: Reproducer = rep,
                call: tuple[Any, Any, Any] = (method, params, uri),
            ) -> bool:
                return key in rep.found(call[0], call[1], call[2], "".join(parts))

            lines = ddmin(text.splitlines(keepends=True), test, stop)
            chars = ddmin(list("".join(lines)), test, stop)
            small = "".join(chars)
            record["original_text"] = text
            record["text"] = small
            record["minimized"] = True
            record.pop("recent_messages", None)
            path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
            done += 1
    finally:
        for rep in reproducers.values():
            rep.close()
    return done
