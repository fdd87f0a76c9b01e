"""A superseded version is never analysed for the client: changes sent in one burst publish
the diagnostics of the last version only, and a diagnostics request followed by a change
(already sent when the request is handled) answers for the newer version, or with
RequestCancelled when the client cancelled it. Every request gets exactly one answer.

The client here writes each burst in one write, as an editor does when the user types faster
than the server answers, so that the messages have all arrived when the first is handled."""

from __future__ import annotations

import json
import time
from typing import Any

from lsprotocol.converters import get_converter
from test_wire import Raw, frame

from lexis_ls.lang.analysis import analyze
from lexis_ls.server.server import lsp_diagnostic_list

URI = "file:///tmp/superseded.lexis.json"
PUSH = {"processId": None, "rootUri": None, "capabilities": {}}
PULL = {"processId": None, "rootUri": None, "capabilities": {"textDocument": {"diagnostic": {}}}}


def program(version: int) -> str:
    """A program whose findings name the version: a dangling input and an unused node."""
    return (
        '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [\n'
        '  {"id": "a", "op": "const", "value": 1},\n'
        f'  {{"id": "v{version}", "op": "add", "inputs": ["a", "missing"]}}\n'
        "]}"
    )


def fresh(text: str) -> list[Any]:
    """The diagnostics a fresh analysis of ``text`` gives, as JSON."""
    analysis = analyze(text)
    found = lsp_diagnostic_list(URI, analysis.lines, analysis.diagnostics, "utf-16")
    return [get_converter().unstructure(d) for d in found]


def change(version: int) -> bytes:
    """A `didChange` to ``version`` (the node's id renamed), framed."""
    line = f'  {{"id": "v{version - 1}", '
    at = program(version - 1).splitlines()[2]
    assert at.startswith(line)
    start = {"line": 2, "character": len('  {"id": "')}
    end = {"line": 2, "character": len(line) - 3}
    return frame(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": URI, "version": version},
                "contentChanges": [{"range": {"start": start, "end": end}, "text": f"v{version}"}],
            },
        }
    )


def diagnostic_request(msg_id: int, previous: str | None = None) -> bytes:
    params: dict[str, Any] = {"textDocument": {"uri": URI}}
    if previous is not None:
        params["previousResultId"] = previous
    return frame(
        {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/diagnostic", "params": params}
    )


def publishes(raw: Raw) -> list[dict[str, Any]]:
    return [
        m["params"]
        for m in raw.seen
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == URI
    ]


def wait_for_publish(raw: Raw, version: int, wait: float = 15.0) -> None:
    deadline = time.monotonic() + wait
    while not any(p.get("version") == version for p in publishes(raw)):
        assert time.monotonic() < deadline, f"no diagnostics published for version {version}"
        raw._pump(0.05)
    settle = time.monotonic() + 0.5  # anything published after it would arrive by then
    while time.monotonic() < settle:
        raw._pump(0.05)


def start(raw: Raw, init: dict[str, Any]) -> None:
    raw.request(1, "initialize", init)
    assert "result" in raw.answer(1)
    raw.notify("initialized", {})
    raw.notify(
        "workspace/didChangeConfiguration",
        {"settings": {"lexis": {"diagnostics": {"debounceMs": 0}}}},
    )
    raw.open(program(1), URI)


def test_the_change_texts_are_the_programs() -> None:
    text = program(1)
    for version in range(2, 7):
        body = change(version).partition(b"\r\n\r\n")[2]
        edit = json.loads(body)["params"]["contentChanges"][0]
        lines = text.split("\n")
        line = lines[edit["range"]["start"]["line"]]
        s, e = edit["range"]["start"]["character"], edit["range"]["end"]["character"]
        lines[2] = line[:s] + edit["text"] + line[e:]
        text = "\n".join(lines)
        assert text == program(version)


def test_a_burst_of_changes_publishes_only_the_last_version(raw: Raw) -> None:
    start(raw, PUSH)
    wait_for_publish(raw, 1)
    assert [p["version"] for p in publishes(raw)] == [1]
    raw.send(b"".join(change(v) for v in range(2, 7)))  # versions 2 to 6 in one write
    wait_for_publish(raw, 6)
    assert [p["version"] for p in publishes(raw)] == [1, 6]
    assert publishes(raw)[-1]["diagnostics"] == fresh(program(6))
    assert "v6" in publishes(raw)[-1]["diagnostics"][-1]["message"]


def test_a_diagnostics_request_followed_by_a_change_answers_for_the_new_version(
    raw: Raw,
) -> None:
    start(raw, PULL)
    # the request is made for version 1 (never analysed: a pull client is not pushed to);
    # the change is already there when it is handled
    raw.send(diagnostic_request(2) + change(2))
    report = raw.answer(2)["result"]
    assert report["kind"] == "full"
    # version 2, and the document's first analysis: version 1 was never analysed
    assert report["resultId"] == "2:1"
    assert report["items"] == fresh(program(2))
    raw.send(diagnostic_request(3, previous="2:1"))
    assert raw.answer(3)["result"] == {"kind": "unchanged", "resultId": "2:1"}
    assert not publishes(raw)


def test_a_cancelled_diagnostics_request_is_answered_request_cancelled_unanalysed(
    raw: Raw,
) -> None:
    start(raw, PULL)
    cancel = frame({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 2}})
    raw.send(diagnostic_request(2) + change(2) + cancel)
    assert raw.answer(2)["error"]["code"] == -32800  # RequestCancelled, once
    raw.send(diagnostic_request(3))
    report = raw.answer(3)["result"]
    assert report["resultId"] == "2:1"  # version 1 was never analysed
    assert report["items"] == fresh(program(2))


def test_requests_in_a_burst_of_changes_get_one_answer_each(raw: Raw) -> None:
    start(raw, PULL)
    burst = b"".join(diagnostic_request(10 + v) + change(v) for v in range(2, 7))
    raw.send(burst + diagnostic_request(20))
    for msg_id in (12, 13, 14, 15, 16, 20):
        report = raw.answer(msg_id)["result"]
        # every request answers for the last version, the only one analysed
        assert report["resultId"] == "6:1", msg_id
        assert report["items"] == fresh(program(6))
