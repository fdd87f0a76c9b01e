"""Answering `initialize` before the protocol libraries are loaded.

Importing lsprotocol and pygls takes most of a second (lsprotocol alone builds about a
thousand attrs classes), while an editor waits for the `initialize` answer before it sends
anything else. The server's capabilities depend only on the features it registers and on two
facts of the client (its position encodings and whether it supports `prepareRename`), so they
are stored, for every combination of those facts, in `initialize.json`, generated from the real
server by :func:`build_snapshot` (`python -m lexis_ls.server.early --write`; a test fails when
it is stale).

:func:`serve_stdio` reads the first message itself. If it is `initialize`, the stored answer is
written at once; then the server is loaded, the same message is replayed to it, and its own
answer is compared with the one sent and dropped (a difference is reported to the client as an
error log: it means the snapshot is stale). Every later message goes to the server unchanged.
This module imports nothing but the standard library's json, so the answer costs the start of
the interpreter and little more.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any, BinaryIO

SNAPSHOT = Path(__file__).with_name("initialize.json")
ENCODINGS = ("utf-8", "utf-16", "utf-32")
MISMATCH = "lexis-ls: the early initialize answer differs from the server's"


def read_message(stream: BinaryIO) -> tuple[bytes, dict[str, Any] | None]:
    """Read one framed message: the raw bytes read, and the message when it is a JSON object."""
    raw = bytearray()
    length: int | None = None
    while True:
        line = stream.readline()
        if not line:
            return bytes(raw), None
        raw += line
        if not line.strip():
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    if length is None:
        return bytes(raw), None
    body = stream.read(length)
    raw += body
    try:
        message = json.loads(body)
    except ValueError:
        return bytes(raw), None
    return bytes(raw), message if isinstance(message, dict) else None


def _get(node: Any, *path: str) -> Any:
    for name in path:
        node = node.get(name) if isinstance(node, dict) else None
    return node


def variant(params: dict[str, Any]) -> str | None:
    """The key of the stored answer for these initialize params (None: let the server answer).

    The facts are the client capabilities pygls's capability builder reads for the features
    this server registers: the position encodings, `rename.prepareSupport` (truthy) and whether
    `synchronization.willSave`/`willSaveWaitUntil` are given at all (then the answer says
    false; otherwise it leaves them out)."""
    caps = params.get("capabilities")
    if not isinstance(caps, dict):
        return None
    encoding = "utf-16"
    offered = _get(caps, "general", "positionEncodings")
    if isinstance(offered, list):
        encoding = next((e for e in offered if e in ENCODINGS), encoding)
    facts = [encoding]
    if _get(caps, "textDocument", "rename", "prepareSupport"):
        facts.append("prepareRename")
    for name in ("willSave", "willSaveWaitUntil"):
        if _get(caps, "textDocument", "synchronization", name) is not None:
            facts.append(name)
    return "+".join(facts)


def variant_params() -> dict[str, dict[str, Any]]:
    """One initialize params object per stored variant."""
    out = {}
    for encoding in ENCODINGS:
        for prepare in (False, True):
            for will_save in (None, True):
                for until in (None, True):
                    sync = {"willSave": will_save, "willSaveWaitUntil": until}
                    caps: dict[str, Any] = {
                        "general": {"positionEncodings": [encoding]},
                        "textDocument": {
                            "rename": {"prepareSupport": prepare},
                            "synchronization": {k: v for k, v in sync.items() if v is not None},
                        },
                    }
                    params = {"processId": None, "rootUri": None, "capabilities": caps}
                    key = variant(params)
                    assert key is not None
                    out[key] = params
    return out


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Replay:
    """A stdin that first gives back the bytes already read, then the real stream."""

    def __init__(self, first: bytes, rest: BinaryIO) -> None:
        self._first = io.BytesIO(first)
        self._rest = rest

    def readline(self, limit: int = -1) -> bytes:
        line = self._first.readline(limit)
        if line.endswith(b"\n") or 0 <= limit <= len(line):
            return line
        return line + self._rest.readline(limit - len(line) if limit >= 0 else -1)

    def read1(self, n: int = -1) -> bytes:
        """What is at hand: the bytes already read, else one read of the real stream."""
        data = self._first.read1(n)
        if data or n == 0:
            return data
        read1 = getattr(self._rest, "read1", None)
        return read1(n) if read1 is not None else self._rest.readline(n)

    def fileno(self) -> int:
        return self._rest.fileno()

    def read(self, n: int = -1) -> bytes:
        data = self._first.read(n)
        if n < 0:
            return data + self._rest.read()
        if len(data) < n:
            data += self._rest.read(n - len(data))
        return data


class DropAnswer:
    """A stdout that swallows the server's own answer to the request answered early, after
    checking it equals the early one."""

    def __init__(self, out: BinaryIO, request_id: Any, sent: dict[str, Any]) -> None:
        self._out = out
        self._id = request_id
        self._sent = sent
        self.mismatch: str | None = None

    def close(self) -> None:
        self._out.close()

    def flush(self) -> None:
        self._out.flush()

    def write(self, data: bytes) -> None:
        if self._id is not None:
            _, _, body = data.partition(b"\r\n\r\n")
            try:
                message = json.loads(body)
            except ValueError:
                message = None
            if isinstance(message, dict) and message.get("id") == self._id:
                self._id = None
                if message.get("result") != self._sent:
                    self.mismatch = json.dumps(message, sort_keys=True)
                return
        self._out.write(data)
        self._out.flush()


def answer_early(
    stdin: BinaryIO, stdout: BinaryIO, snapshot: Path = SNAPSHOT
) -> tuple[Replay, BinaryIO | DropAnswer]:
    """Read the first message; answer it when it is `initialize` with stored capabilities.
    Returns the streams the server must use."""
    raw, message = read_message(stdin)
    replay = Replay(raw, stdin)
    if message is None or message.get("method") != "initialize" or "id" not in message:
        return replay, stdout
    params = message.get("params")
    key = variant(params) if isinstance(params, dict) else None
    try:
        stored = json.loads(snapshot.read_text(encoding="utf-8"))
        result = stored["variants"][key]
    except (OSError, ValueError, KeyError, TypeError):
        return replay, stdout
    stdout.write(frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))
    stdout.flush()
    return replay, DropAnswer(stdout, message["id"], result)


def serve_stdio() -> int:
    """Serve on stdin/stdout; the process's exit status (after `exit`: 0 when `shutdown` came
    first, 1 otherwise)."""
    stdin, stdout = answer_early(sys.stdin.buffer, sys.stdout.buffer)
    from .server import create_server

    server = create_server()
    if isinstance(stdout, DropAnswer):
        server.early_answer = stdout
    server.start_io(stdin, stdout)  # type: ignore[arg-type]
    return server.finish()


class _Capture:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.sent.append(data)

    def close(self) -> None:
        pass


async def _ask_server(params: dict[str, Any]) -> dict[str, Any]:
    import asyncio

    from .server import create_server

    server = create_server()
    capture = _Capture()
    server.protocol.set_writer(capture)
    request = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    message = json.loads(json.dumps(request), object_hook=server.protocol.structure_message)
    server.protocol.handle_message(message)
    while not capture.sent:
        await asyncio.sleep(0)
    _, _, body = capture.sent[0].partition(b"\r\n\r\n")
    result: dict[str, Any] = json.loads(body)["result"]
    return result


def build_snapshot() -> dict[str, Any]:
    """Ask the real server for its initialize answer for every variant."""
    import asyncio

    return {
        "variants": {
            key: asyncio.run(_ask_server(params)) for key, params in variant_params().items()
        }
    }


def snapshot_text() -> str:
    return json.dumps(build_snapshot(), sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = snapshot_text()
    if args == ["--write"]:
        SNAPSHOT.write_text(text, encoding="utf-8")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
