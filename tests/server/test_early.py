"""The early `initialize` answer: framing, the stored capabilities, the hand-over to pygls."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

from lexis_ls.server import early


def framed(message: dict[str, Any]) -> bytes:
    return early.frame(message)


def initialize(params: dict[str, Any], request_id: Any = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "initialize", "params": params}


def read_all(data: bytes) -> list[dict[str, Any]]:
    stream = io.BytesIO(data)
    out = []
    while True:
        _, message = early.read_message(stream)
        if message is None:
            return out
        out.append(message)


def test_the_stored_answers_are_the_servers_own() -> None:
    # Stale after any change to the registered features: run
    # `python -m lexis_ls.server.early --write`.
    assert early.SNAPSHOT.read_text(encoding="utf-8") == early.snapshot_text()


def test_the_variant_follows_the_encoding_offered_first_and_prepare_rename() -> None:
    def caps(**c: Any) -> dict[str, Any]:
        return {"capabilities": c}

    assert early.variant(caps()) == "utf-16"
    assert early.variant(caps(general={"positionEncodings": ["utf-8", "utf-16"]})) == "utf-8"
    assert early.variant(caps(general={"positionEncodings": ["ebcdic", "utf-32"]})) == "utf-32"
    assert early.variant(caps(general={"positionEncodings": ["ebcdic"]})) == "utf-16"
    prepare = {"rename": {"prepareSupport": True}}
    assert early.variant(caps(textDocument=prepare)) == "utf-16+prepareRename"
    assert early.variant(caps(textDocument={"rename": {}})) == "utf-16"
    sync = {"synchronization": {"willSave": False, "willSaveWaitUntil": True}}
    assert early.variant(caps(textDocument=sync)) == "utf-16+willSave+willSaveWaitUntil"
    assert early.variant({"processId": 1}) is None  # no capabilities: the server answers
    assert early.variant(caps(general=[1], textDocument="x")) == "utf-16"


def test_read_message_accepts_any_header_order_and_case() -> None:
    body = b'{"jsonrpc":"2.0","method":"exit"}'
    raw = b"Content-Type: application/vscode-jsonrpc\r\ncontent-length: %d\r\n\r\n" % len(body)
    stream = io.BytesIO(raw + body + b"rest")
    got, message = early.read_message(stream)
    assert got == raw + body
    assert message == {"jsonrpc": "2.0", "method": "exit"}
    assert stream.read() == b"rest"


def test_read_message_gives_back_what_it_read_when_it_is_not_a_message() -> None:
    for raw in (
        b"",
        b"garbage\r\n\r\n",
        b"Content-Length: 3\r\n\r\n[1]",
        b"Content-Length: 2\r\n\r\n{x",
    ):
        got, message = early.read_message(io.BytesIO(raw))
        assert (got, message) == (raw, None)


def test_initialize_is_answered_from_the_snapshot_and_the_server_answer_is_dropped() -> None:
    params = {"processId": None, "capabilities": {"general": {"positionEncodings": ["utf-8"]}}}
    later = framed({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    stdin = io.BytesIO(framed(initialize(params, "abc")) + later)
    stdout = io.BytesIO()
    replay, out = early.answer_early(stdin, stdout)
    [answer] = read_all(stdout.getvalue())
    stored = json.loads(early.SNAPSHOT.read_text(encoding="utf-8"))["variants"]["utf-8"]
    assert answer == {"jsonrpc": "2.0", "id": "abc", "result": stored}
    assert answer["result"]["capabilities"]["positionEncoding"] == "utf-8"
    # the server reads the same bytes again, then the rest of the stream
    assert read_all(replay.read(10**6)) == [
        initialize(params, "abc"),
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    ]
    assert isinstance(out, early.DropAnswer)
    out.write(framed({"jsonrpc": "2.0", "id": "abc", "result": stored}))  # the server's own
    out.write(framed({"jsonrpc": "2.0", "method": "window/logMessage", "params": {}}))
    assert [m.get("id") for m in read_all(stdout.getvalue())] == ["abc", None]
    assert out.mismatch is None


def test_a_stale_snapshot_is_reported() -> None:
    out = early.DropAnswer(io.BytesIO(), 7, {"capabilities": {}})
    out.write(
        framed({"jsonrpc": "2.0", "id": 7, "result": {"capabilities": {"hoverProvider": True}}})
    )
    assert out.mismatch is not None and "hoverProvider" in out.mismatch


def test_other_first_messages_go_to_the_server_untouched() -> None:
    for first in (
        framed({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}),
        framed({"jsonrpc": "2.0", "method": "initialize", "params": {"capabilities": {}}}),
        framed(initialize({"processId": None})),  # no capabilities: pygls reports the error
        b"Content-Length: 5\r\n\r\nnope!",
    ):
        stdout = io.BytesIO()
        replay, out = early.answer_early(io.BytesIO(first + b"tail"), stdout)
        assert stdout.getvalue() == b""
        assert out is stdout
        assert replay.read(-1) == first + b"tail"


def test_replay_reads_lines_across_the_boundary() -> None:
    replay = early.Replay(b"one\ntw", io.BytesIO(b"o\nthree"))
    assert [replay.readline(), replay.readline(), replay.read(3), replay.read(5)] == [
        b"one\n",
        b"two\n",
        b"thr",
        b"ee",
    ]


def test_the_server_process_answers_once_and_keeps_serving() -> None:
    params = {
        "processId": None,
        "rootUri": None,
        "capabilities": {"textDocument": {"rename": {"prepareSupport": True}}},
    }
    messages = [
        initialize(params),
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    done = subprocess.run(
        [sys.executable, "-m", "lexis_ls"],
        input=b"".join(framed(m) for m in messages),
        capture_output=True,
        timeout=60,
    )
    replies = [m for m in read_all(done.stdout) if "id" in m and "method" not in m]
    assert [r["id"] for r in replies] == [1, 2]
    assert replies[0]["result"]["capabilities"]["renameProvider"] == {"prepareProvider": True}
    assert replies[1] == {"jsonrpc": "2.0", "id": 2, "result": None}
    logs = [
        m["params"]["message"]
        for m in read_all(done.stdout)
        if m.get("method") == "window/logMessage"
    ]
    assert not [m for m in logs if early.MISMATCH in m]
