"""The wire in front of pygls (lexis_ls/server/wire.py), driven over real stdio as a buggy or
hostile client would: malformed frames, wrong params, the lifecycle, and text changes whose
lines are LSP's. Every request gets exactly one answer, with the code LSP specifies, and the
server goes on serving."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lexis_ls.lang.diagnostics import CODES, Diagnostic, Severity, make
from lexis_ls.lang.text import LineIndex
from lexis_ls.server.documents import apply_changes
from lexis_ls.server.server import MAX_DIAGNOSTICS, shown_diagnostics
from lexis_ls.server.wire import FrameReader, loads

ROOT = Path(__file__).resolve().parents[2]
URI = "file:///tmp/wire.lexis.json"
PROGRAM = (
    '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [{"id": "a", "op": "const", "value": 1}]}'
)


def frame(message: Any) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Raw:
    """A client that writes bytes and reads framed messages."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lexis_ls"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        self.buf = b""
        self.seen: list[dict[str, Any]] = []

    def send(self, message: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(message if isinstance(message, bytes) else frame(message))
        self.proc.stdin.flush()

    def request(self, msg_id: Any, method: str, params: Any = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def _pump(self, timeout: float) -> None:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if ready:
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise EOFError("the server closed its output")
            self.buf += chunk
        while b"\r\n\r\n" in self.buf:
            head, _, rest = self.buf.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            if len(rest) < length:
                break
            self.seen.append(json.loads(rest[:length]))
            self.buf = rest[length:]

    def answers(self, msg_id: Any, wait: float = 15.0) -> list[dict[str, Any]]:
        """Every answer to `msg_id` (waits for the first, then a little for a second)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not self._answers(msg_id):
            self._pump(0.05)
        settle = time.monotonic() + 0.3
        while time.monotonic() < settle:
            self._pump(0.05)
        return self._answers(msg_id)

    def _answers(self, msg_id: Any) -> list[dict[str, Any]]:
        return [m for m in self.seen if "method" not in m and m.get("id") == msg_id]

    def answer(self, msg_id: Any) -> dict[str, Any]:
        found = self.answers(msg_id)
        assert len(found) == 1, f"{len(found)} answers to {msg_id!r}: {found}"
        return found[0]

    def logs(self, kind: int | None = None) -> list[str]:
        return [
            m["params"]["message"]
            for m in self.seen
            if m.get("method") == "window/logMessage"
            and (kind is None or m["params"]["type"] == kind)
        ]

    def start(self) -> None:
        self.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        assert "result" in self.answer(1)
        self.notify("initialized", {})

    def open(self, text: str = PROGRAM, uri: str = URI) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "lexis", "version": 1, "text": text}},
        )

    def hover(self, msg_id: Any) -> dict[str, Any]:
        self.request(
            msg_id,
            "textDocument/hover",
            {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 70}},
        )
        return self.answer(msg_id)

    def close(self) -> tuple[int, str]:
        assert self.proc.stdin is not None and self.proc.stderr is not None
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        code = self.proc.wait(timeout=15)
        return code, self.proc.stderr.read().decode("utf-8", "replace")


def error_code(answer: dict[str, Any]) -> int | None:
    return answer.get("error", {}).get("code")


# --- lifecycle ---


def test_requests_before_initialize_get_32002_and_notifications_are_dropped(raw: Raw) -> None:
    raw.request(0, "textDocument/hover", {"textDocument": {"uri": URI}, "position": {}})
    assert error_code(raw.answer(0)) == -32002
    raw.open()  # dropped: the document is not known after initialize either
    raw.start()
    raw.request(2, "textDocument/documentSymbol", {"textDocument": {"uri": URI}})
    assert raw.answer(2)["result"] in (None, [])


def test_a_second_initialize_is_refused(raw: Raw) -> None:
    raw.start()
    raw.request(2, "initialize", {"processId": None, "capabilities": {}})
    assert error_code(raw.answer(2)) == -32600


def test_requests_after_shutdown_are_invalid_and_exit_then_ends_with_0(raw: Raw) -> None:
    raw.start()
    raw.open()
    raw.request(2, "shutdown")
    assert raw.answer(2)["result"] is None
    assert error_code(raw.hover(3)) == -32600
    raw.notify("exit")
    # the client keeps its end open: the server ends anyway
    assert raw.proc.wait(timeout=15) == 0


def test_exit_without_shutdown_ends_with_1(raw: Raw) -> None:
    raw.start()
    raw.notify("exit")
    assert raw.proc.wait(timeout=15) == 1


# --- framing and the envelope ---


@pytest.mark.parametrize(
    "garbage",
    [
        b"Content-Length: abc\r\n\r\n{}",
        b"Content-Length: 5\r\n\r\n" + json.dumps({"jsonrpc": "2.0", "id": 9}).encode(),
        b"Content-Length: -1\r\n\r\n",
        b"no header at all\r\n",
        b"\r\n\r\n",
        b"Content-Length: 99999999999999999999\r\n\r\n",
    ],
)
def test_a_malformed_frame_is_skipped_and_the_next_one_served(raw: Raw, garbage: bytes) -> None:
    raw.start()
    raw.open()
    raw.send(garbage)
    assert "result" in raw.hover(2)
    assert not [m for m in raw.logs() if "internal error" in m]


def test_a_body_that_is_not_json_gets_a_parse_error(raw: Raw) -> None:
    raw.start()
    raw.send(frame(b'{"jsonrpc": "2.0", "id": 2, "method": '))
    raw.send(frame(b"\xff\xfe not utf-8"))
    raw.answers(None)
    errors = [m for m in raw.seen if m.get("id") is None and "error" in m]
    assert [e["error"]["code"] for e in errors] == [-32700, -32700]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ([{"jsonrpc": "2.0", "id": 7, "method": "shutdown"}], -32600),
        (42, -32600),
        ({"jsonrpc": "1.0", "id": 7, "method": "shutdown"}, -32600),
        ({"jsonrpc": "2.0", "id": 7, "method": 5}, -32600),
        ({"jsonrpc": "2.0", "id": 7, "method": "lexis/noSuchThing"}, -32601),
        ({"jsonrpc": "2.0", "id": 7, "method": "$/noSuchThing"}, -32601),
        ({"jsonrpc": "2.0", "id": 7}, -32600),
        ({"jsonrpc": "2.0", "id": 7, "method": None}, -32600),
    ],
)
def test_invalid_requests_get_the_json_rpc_error(raw: Raw, message: Any, code: int) -> None:
    raw.start()
    raw.send(message)
    found = raw.answers(7) or raw.answers(None)
    assert [error_code(a) for a in found] == [code]
    assert "result" in raw.hover(2)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": "a"}}),
        ("textDocument/hover", {"textDocument": URI, "position": {"line": 0, "character": 0}}),
        ("textDocument/completion", {"textDocument": {"uri": 5}, "position": [0, 0]}),
        ("textDocument/formatting", {"textDocument": {"uri": URI}, "options": "tabs"}),
        ("textDocument/codeAction", {"textDocument": {"uri": URI}, "range": None}),
        ("workspace/diagnostic", {"previousResultIds": "none"}),
        ("textDocument/hover", "params"),
        ("codeAction/resolve", {"title": "x", "data": {"uri": None}}),
        # scalars of the wrong type are refused, not coerced ("40" -> 40, true -> 1, 5 -> "5")
        (
            "textDocument/hover",
            {"textDocument": {"uri": URI}, "position": {"line": 0, "character": "40"}},
        ),
        (
            "textDocument/hover",
            {"textDocument": {"uri": URI}, "position": {"line": True, "character": 0}},
        ),
        (
            "textDocument/hover",
            {"textDocument": {"uri": URI}, "position": {"line": 0.5, "character": 0}},
        ),
        ("textDocument/documentSymbol", {"textDocument": {"uri": 5}}),
    ],
)
def test_params_of_the_wrong_shape_get_32602(raw: Raw, method: str, params: Any) -> None:
    raw.start()
    raw.open()
    raw.request(2, method, params)
    answer = raw.answer(2)
    assert error_code(answer) == -32602, answer
    assert method in answer["error"]["message"]
    assert "result" in raw.hover(3)


def test_notifications_for_unknown_documents_and_late_cancels_are_quiet(raw: Raw) -> None:
    raw.start()
    other = "file:///tmp/never-opened.lexis.json"
    change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}}
    raw.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": other, "version": 2}, "contentChanges": [{**change, "text": "x"}]},
    )
    raw.notify("textDocument/didClose", {"textDocument": {"uri": other}})
    raw.notify("textDocument/didSave", {"textDocument": {"uri": other}})
    raw.open()
    raw.hover(2)
    raw.notify("$/cancelRequest", {"id": 2})  # answered already
    raw.notify("$/cancelRequest", {"id": "never-sent"})
    assert "result" in raw.hover(3)
    raw.request(4, "shutdown")
    raw.answer(4)
    raw.notify("exit")
    assert raw.proc.wait(timeout=15) == 0
    assert raw.logs(1) == []  # nothing at Error level
    stderr = raw.proc.stderr.read().decode() if raw.proc.stderr else ""
    assert "Traceback" not in stderr
    assert "Cancel notification" not in stderr


def test_refusals_are_answers_not_errors(raw: Raw) -> None:
    raw.start()
    raw.open()
    raw.request(
        2,
        "textDocument/rename",
        {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 1}, "newName": "b"},
    )
    assert "error" in raw.answer(2)
    raw.request(3, "workspace/executeCommand", {"command": "lexis.explain", "arguments": ["X"]})
    assert error_code(raw.answer(3)) == -32602
    _code, stderr = raw.close()
    assert "Traceback" not in stderr
    assert raw.logs(1) == []


# --- text changes follow LSP's lines ---

SEPARATORS = ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("sep", SEPARATORS)
def test_changes_count_only_lsp_line_breaks(sep: str) -> None:
    text = f'{{"spec": "lexis-0.1.0",\n "a": "x{sep}y",\n "b": 1}}'
    lines = LineIndex(text)
    # line 2 is ` "b": 1}` for LSP (the separator is inside line 1)
    new, index = apply_changes(text, lines, [((2, 6, 2, 7), "2")], "utf-16")
    assert new == text.replace('"b": 1', '"b": 2')
    assert index is not None
    assert index.line_starts == LineIndex(new).line_starts


def test_changes_clamp_and_order_their_ranges() -> None:
    text = "ab\ncd"
    lines = LineIndex(text)
    assert apply_changes(text, lines, [((0, 99, 0, 99), "!")], "utf-16")[0] == "ab!\ncd"
    assert apply_changes(text, lines, [((9, 0, 9, 0), "!")], "utf-16")[0] == "ab\ncd!"
    assert apply_changes(text, lines, [((1, 1, 0, 1), "-")], "utf-16")[0] == "a-d"
    both = [((0, 0, 0, 1), "x"), (None, "new"), ((0, 3, 0, 3), "!")]
    assert apply_changes(text, lines, both, "utf-16")[0] == "new!"


def test_edits_after_a_line_separator_land_on_the_lsp_line(raw: Raw) -> None:
    raw.start()
    text = PROGRAM.replace('"nodes"', '"note": "a\u2028b\u0085c", "nodes"').replace(
        ', "nodes"', ',\n "nodes"'
    )
    raw.open(text)
    # on LSP's line 1: ` "nodes": [...]`; replace the value 1 with "x"
    line1 = text.split("\n")[1]
    col = line1.index('"value": 1') + len('"value": ')
    rng = {"start": {"line": 1, "character": col}, "end": {"line": 1, "character": col + 1}}
    raw.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": URI, "version": 2},
            "contentChanges": [{"range": rng, "text": "2"}],
        },
    )
    raw.request(
        2,
        "textDocument/formatting",
        {"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": True}},
    )
    result = raw.answer(2)["result"] or []
    formatted = "".join(e["newText"] for e in result)
    assert '"value": 2' in formatted
    assert "a\u2028b\u0085c" in formatted


# --- the reader on its own ---


def test_frame_reader_resynchronises() -> None:
    good = frame({"jsonrpc": "2.0", "method": "x"})
    stream = io.BytesIO(b"Content-Length: 3\r\n\r\n{}}}}" + good + b"garbage" + good)
    reader = FrameReader(stream)
    got = []
    while True:
        body, problem = reader.read()
        if body is None and problem is None:
            break
        got.append((body, problem is not None))
    assert got == [
        (b"{}}", False),
        (json.dumps({"jsonrpc": "2.0", "method": "x"}).encode(), True),
        (json.dumps({"jsonrpc": "2.0", "method": "x"}).encode(), True),
    ]


def test_tcp_is_served_through_the_same_wire() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "lexis_ls", "--tcp", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.1)
        with sock:
            sock.sendall(b"Content-Length: nope\r\n\r\n{}")
            sock.sendall(frame({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}))
            data = b""
            while b'"id": 1' not in data and b'"id":1' not in data:
                chunk = sock.recv(1 << 16)
                assert chunk, data
                data += chunk
            assert b"-32002" in data  # shutdown before initialize
            sock.sendall(frame({"jsonrpc": "2.0", "method": "exit"}))
            assert proc.wait(timeout=15) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_code_actions_take_the_diagnostics_as_clients_send_them(raw: Raw) -> None:
    """Enums (severity, tags) arrive as numbers and are structured as enums, as before the
    strict scalar hooks."""
    raw.start()
    text = '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [{"id": "a", "opp": "const", "value": 1}]}'
    raw.open(text)
    raw.request(2, "textDocument/diagnostic", {"textDocument": {"uri": URI}})
    items = raw.answer(2)["result"]["items"]
    assert items and all("severity" in d for d in items)
    raw.request(
        3,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": URI},
            "range": items[0]["range"],
            "context": {"diagnostics": items, "only": ["quickfix", "source.custom"]},
        },
    )
    actions = raw.answer(3)["result"]
    assert actions and all(a["kind"].startswith("quickfix") for a in actions)


def test_a_document_with_thousands_of_problems_is_answered_with_the_first_thousand(
    raw: Raw,
) -> None:
    """A nodes array of 20,000 objects that never close (found by the fuzzer: 80,000 findings
    took over 10 s to convert and send): errors first, then a note on how many there are."""
    text = PROGRAM.replace('{"id": "a"', "é" + "{" * 20000 + '{"id": "a"')
    raw.start()
    raw.open(text)
    raw.request(2, "textDocument/diagnostic", {"textDocument": {"uri": URI}})
    items = raw.answer(2)["result"]["items"]
    assert len(items) == 1001
    assert "lexis-ls shows 1000 of the" in items[-1]["message"]
    assert all(d["severity"] == 1 for d in items[:-1])
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": len(text)}}
    raw.request(
        3,
        "textDocument/codeAction",
        {"textDocument": {"uri": URI}, "range": whole, "context": {"diagnostics": items[:5]}},
    )
    assert "result" in raw.answer(3)


def _shown_by_sorting(found: list[Diagnostic]) -> list[Diagnostic]:
    """What the first thousand are, by definition: sorted by severity then position."""
    rank = {s: k for k, s in enumerate(Severity)}
    first = sorted(found, key=lambda d: (rank[d.severity], d.start, d.end))[:MAX_DIAGNOSTICS]
    return sorted(first, key=lambda d: (d.start, d.end))


@pytest.mark.parametrize("seed", range(6))
def test_the_first_thousand_are_the_most_severe_in_document_order(seed: int) -> None:
    """Mixed severities, positions that tie, and a list not in document order (findings of a
    run merged in): the same diagnostics, in the same order, as sorting would choose."""
    rnd = random.Random(seed)
    codes = {s: next(c for c, info in CODES.items() if info.severity is s) for s in Severity}
    found = []
    for k in range(rnd.choice([1001, 1500, 3000])):
        severity = rnd.choice(list(Severity))
        start = rnd.randrange(200)
        found.append(make(codes[severity], start, start + rnd.randrange(3), f"finding {k}"))
    if seed % 2:
        found.sort(key=lambda d: (d.start, d.end, d.code))
    shown = list(shown_diagnostics(found))
    assert [d.message for d in shown] == [d.message for d in _shown_by_sorting(found)]
    assert len(shown) == MAX_DIAGNOSTICS


# --- decoding messages ---

BODIES = [
    b'{"jsonrpc": "2.0", "method": "x", "params": {"text": "\\u00e9\\ud83d\\ude00"}}',
    b'{"a": "\\udc80\\ud800"}',  # lone surrogates (LX0008 quotes them)
    b'{"id": 18446744073709551616}',  # beyond 64 bits: an int, not a float
    b'{"id": -99999999999999999999999}',
    b'{"id": 9223372036854775807, "b": -0, "c": -0.0, "d": 1e19, "e": 1.5e-320}',
    b'{"a": NaN, "b": Infinity}',
    b"[1e400]",
    b'{"a": 1, "a": 2}',
    b'\xef\xbb\xbf{"a": 1}',  # a UTF-8 byte order mark
    '{"a": "é"}'.encode("utf-16"),
    b'{"a": "\xff"}',  # not UTF-8
    b'{"a": 1} x',
    b"[" * 5000 + b"]" * 5000,
]


@pytest.mark.parametrize("body", BODIES)
def test_messages_decode_as_json_loads_decodes_them(body: bytes) -> None:
    def decoded(decode: Any) -> Any:
        try:
            return ("value", repr(decode(body)))
        except (ValueError, RecursionError) as exc:
            return ("error", type(exc).__name__, str(exc))

    assert decoded(loads) == decoded(json.loads)


def _answers(result: object) -> list[dict[str, object]]:
    """What the protocol writes when answering request 7 with ``result``, frame by frame."""
    from lexis_ls.server.server import create_server

    protocol = create_server().protocol
    sink = io.BytesIO()
    protocol.set_writer(sink)  # as start_io does (with headers)
    protocol._send_response(7, result=result)
    reader = FrameReader(io.BytesIO(sink.getvalue()))
    frames = []
    while True:
        body, problem = reader.read()
        assert problem is None
        if body is None:
            return frames
        frames.append(json.loads(body))


def test_an_answer_that_cannot_be_encoded_is_an_internal_error_not_silence() -> None:
    """pygls logs a result it cannot encode and sends nothing: the request would never be
    answered. A selection range 5,000 parents deep is too deep for the encoder."""
    from lsprotocol import types as lsp

    deep = None
    for _ in range(5000):
        deep = lsp.SelectionRange(
            range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 1)), parent=deep
        )
    frames = _answers([deep])
    assert len(frames) == 1
    assert frames[0]["id"] == 7 and "result" not in frames[0]
    error = frames[0]["error"]
    assert isinstance(error, dict) and error["code"] == -32603
    assert "could not encode its answer (RecursionError)" in str(error["message"])
    # and an answer that can be encoded is sent as before
    shallow = lsp.SelectionRange(range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 1)))
    assert _answers([shallow]) == [
        {
            "jsonrpc": "2.0",
            "id": 7,
            "result": [
                {
                    "range": {
                        "start": {"line": 0, "character": 0},
                        "end": {"line": 0, "character": 1},
                    }
                }
            ],
        }
    ]
