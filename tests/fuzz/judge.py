"""What the fuzzer judges in the server's answers and output: internal errors (error answers,
error logs, tracebacks on stderr), text edits outside their document, duplicate answers."""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any

from .documents import lsp_lines, units
from .findings import Findings, traceback_signature
from .lsp_client import Session

INTERNAL_ERROR = -32603


def short(value: Any, most: int = 300) -> str:
    text = str(value)
    return text if len(text) <= most else text[:most] + "..."


class Judge:
    """Checks a session's answers; `docs` maps uri -> the text the server should have."""

    def __init__(self, findings: Findings, session: Session) -> None:
        self.findings = findings
        self.session = session
        self.docs: dict[str, str] = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=6)  # the last messages sent
        self._dups_seen = 0

    def sent(self, message: dict[str, Any]) -> None:
        self.recent.append(message)

    def repro(self, method: str, params: Any, uri: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": method,
            "params": params,
            "encoding": self.session.encoding,
        }
        if uri is not None and uri in self.docs:
            out["uri"] = uri
            out["text"] = self.docs[uri]
        out["recent_messages"] = list(self.recent)
        return out

    # --- answers ---

    def response(
        self, method: str, params: Any, answer: dict[str, Any], uri: str | None = None
    ) -> None:
        error = answer.get("error")
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
            if (
                code == INTERNAL_ERROR
                or "traceback" in message.lower()
                or "internal error" in message.lower()
            ):
                data = error.get("data") if isinstance(error, dict) else None
                trace = data.get("traceback") if isinstance(data, dict) else None
                text = ("".join(trace) if isinstance(trace, list) else "") + "\n" + message
                sig = traceback_signature(text) or short(message.splitlines()[0], 80)
                self.internal(sig, "error answer", method, params, uri, text)
            return
        result = answer.get("result")
        self.edits_in(method, params, result, uri)
        self.ranges_in(method, params, result, uri)

    def ranges_in(self, method: str, params: Any, result: Any, uri: str | None) -> None:
        """Ranges and positions of a result (diagnostics, symbols, highlights, locations,
        folding and selection ranges, inlay hints) must lie in their document."""
        for where, rng_uri, node in ranges(result, uri):
            text = self.docs.get(rng_uri) if rng_uri else None
            if text is None:
                continue
            lines = lsp_lines(text)
            if where == "position":
                p = _pos(node)
                problem = check_position(lines, p, self.session.encoding) if p else "malformed"
            elif where == "folding":
                problem = None
                start, end = node.get("startLine"), node.get("endLine")
                if not isinstance(start, int) or not isinstance(end, int):
                    problem = "malformed folding range"
                elif not 0 <= start <= end < len(lines):
                    problem = f"folding lines {start}-{end} outside 0-{len(lines) - 1}"
            else:
                problem = check_edits(text, [{"range": node, "newText": ""}], self.session.encoding)
            if problem:
                self.findings.add(
                    "invalid_ranges",
                    f"{method}: {where} {problem.split(':')[0].split(' ')[0]}",
                    {
                        **self.repro(method, params, rng_uri),
                        "problem": f"{where}: {problem}",
                        "result": short(result, 4000),
                    },
                )
                return

    def edits_in(self, method: str, params: Any, result: Any, uri: str | None) -> None:
        for edit_uri, edits in text_edits(result, uri):
            text = self.docs.get(edit_uri)
            if text is None:
                continue
            problem = check_edits(text, edits, self.session.encoding)
            if problem:
                self.findings.add(
                    "out_of_range_edits",
                    f"{method}: {problem.split(':')[0]}",
                    {
                        **self.repro(method, params, edit_uri),
                        "problem": problem,
                        "result": short(result, 4000),
                    },
                )

    def internal(
        self, sig: str, channel: str, method: str, params: Any, uri: str | None, detail: str
    ) -> None:
        """An internal error; the signature is where it was raised (one finding per place, however
        it was reported); `method` is the last request (logs may come from an earlier one)."""
        self.findings.add(
            "internal_errors",
            sig,
            {**self.repro(method, params, uri), "channel": channel, "detail": short(detail, 4000)},
        )

    # --- output besides answers ---

    def logs(self, method: str, params: Any, uri: str | None = None) -> list[dict[str, Any]]:
        """Judge the notifications and stderr since the last call; the notifications."""
        out = []
        for message in self.session.drain():
            out.append(message)
            kind = message.get("method")
            params_in = message.get("params") or {}
            if kind in ("window/logMessage", "window/showMessage") and params_in.get("type") == 1:
                text = str(params_in.get("message", ""))
                sig = traceback_signature(text) or short(text.splitlines()[0] if text else "", 80)
                self.internal(sig, f"{kind} type 1 (Error)", method, params, uri, text)
            elif kind == "workspace/applyEdit":
                self.edits_in("workspace/applyEdit", params, params_in.get("edit"), uri)
        err = self.session.new_stderr()
        if "Traceback" in err:
            for block in err.split("Traceback (most recent call last):")[1:]:
                sig = traceback_signature(block) or short(block.strip().splitlines()[-1], 80)
                self.internal(sig, "stderr traceback", method, params, uri, block)
        dups = self.session.duplicates[self._dups_seen :]
        self._dups_seen += len(dups)
        for dup in dups:
            self.findings.add(
                "hangs",
                f"two answers for one request ({method})",
                {**self.repro(method, params, uri), "second_answer": short(dup, 2000)},
            )
        return out


def text_edits(result: Any, uri: str | None) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every list of TextEdits in a result, with the uri they apply to (edits outside a
    WorkspaceEdit apply to the request's document)."""
    found: list[tuple[str, list[dict[str, Any]]]] = []

    def walk(node: Any, current: str | None) -> None:
        if isinstance(node, list):
            direct = [e for e in node if isinstance(e, dict) and "newText" in e and "range" in e]
            if direct and current is not None:
                found.append((current, direct))
            for item in node:
                if not (isinstance(item, dict) and "newText" in item):
                    walk(item, current)
        elif isinstance(node, dict):
            if "newText" in node and "range" in node and current is not None:
                found.append((current, [node]))  # a completion item's textEdit
                return
            if isinstance(node.get("changes"), dict):
                for u, edits in node["changes"].items():
                    walk(edits, u)
            if isinstance(node.get("documentChanges"), list):
                for change in node["documentChanges"]:
                    if isinstance(change, dict) and isinstance(change.get("textDocument"), dict):
                        walk(change.get("edits"), change["textDocument"].get("uri"))
            for key, value in node.items():
                if key not in ("changes", "documentChanges", "data"):
                    walk(value, current)

    walk(result, uri)
    return found


RANGE_KEYS = ("range", "selectionRange", "targetRange", "targetSelectionRange", "fullRange")


def ranges(result: Any, uri: str | None) -> list[tuple[str, str | None, Any]]:
    """(kind, uri, node) for every range, position and folding range in a result (text edits
    are checked by `text_edits`)."""
    found: list[tuple[str, str | None, Any]] = []

    def walk(node: Any, current: str | None) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, current)
        elif isinstance(node, dict):
            if "newText" in node or "changes" in node or "documentChanges" in node:
                return  # edits: checked on their own
            here = node.get("uri") if isinstance(node.get("uri"), str) else current
            if isinstance(node.get("start"), dict) and isinstance(node.get("end"), dict):
                found.append(("range", here, node))  # a bare Range (prepareRename)
                return
            if isinstance(node.get("targetUri"), str):
                here = node["targetUri"]
            for key in RANGE_KEYS:
                if isinstance(node.get(key), dict) and "start" in node[key]:
                    found.append((key, here, node[key]))
            if "startLine" in node and "endLine" in node:
                found.append(("folding", here, node))
            if isinstance(node.get("position"), dict) and "label" in node:
                found.append(("position", here, node["position"]))
            for key, value in node.items():
                if key not in RANGE_KEYS and key not in ("data", "edit", "command", "location"):
                    walk(value, here)
            if isinstance(node.get("location"), dict):
                loc = node["location"]
                walk(loc, loc.get("uri") if isinstance(loc.get("uri"), str) else here)

    walk(result, uri)
    return found


def _pos(p: Any) -> tuple[int, int] | None:
    if not isinstance(p, dict):
        return None
    line, char = p.get("line"), p.get("character")
    if not isinstance(line, int) or not isinstance(char, int):
        return None
    return line, char


def check_position(lines: list[str], pos: tuple[int, int], encoding: str) -> str | None:
    line, char = pos
    if line < 0 or char < 0:
        return f"negative position {pos}"
    if line >= len(lines):
        return f"line {line} past the last line {len(lines) - 1}"
    content = lines[line]
    if char > units(content, encoding):
        return f"character {char} past the end of line {line} ({units(content, encoding)})"
    count = 0
    for ch in content:
        if count == char:
            return None
        count += units(ch, encoding)
        if count > char:
            return f"position {pos} inside a character ({ch!r})"
    return None


def check_edits(text: str, edits: list[dict[str, Any]], encoding: str) -> str | None:
    lines = lsp_lines(text)
    spans = []
    for edit in edits:
        rng = edit.get("range")
        start = _pos(rng.get("start")) if isinstance(rng, dict) else None
        end = _pos(rng.get("end")) if isinstance(rng, dict) else None
        if start is None or end is None:
            return f"malformed range: {short(rng)}"
        for p in (start, end):
            problem = check_position(lines, p, encoding)
            if problem:
                return f"outside the document: {problem} in {short(edit)}"
        if start > end:
            return f"start after end: {short(edit)}"
        spans.append((start, end))
    spans.sort()
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        if s2 < e1:
            return f"overlapping edits: {spans}"
    return None
