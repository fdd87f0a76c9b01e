"""DAP base protocol: ``Content-Length``-framed JSON messages over a pair of byte streams."""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # LSP's line breaks (not str.splitlines' extra ones)
MAX_MESSAGE = 64 * 1024 * 1024
MAX_HEADER_LINE = 64 * 1024  # a longer header line is junk: read past it in pieces


class Malformed:
    """A frame whose content is not a JSON object (logged and skipped by the server)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def read_message(stream: BinaryIO) -> dict[str, Any] | Malformed | None:
    """The next message; None at the end of the stream."""
    length: int | None = None
    saw_header = False
    while True:
        line = stream.readline(MAX_HEADER_LINE)
        if not line:
            return None
        if len(line) == MAX_HEADER_LINE and not line.endswith(b"\n"):
            while True:  # junk (say, a body whose header was lost): read past it in pieces
                rest = stream.readline(MAX_HEADER_LINE)
                if not rest:
                    return None
                if rest.endswith(b"\n"):
                    break
            line = b"junk\n"
        text = line.decode("ascii", "replace").strip()
        if not text:
            if saw_header:
                break
            continue  # stray blank lines between messages
        saw_header = True
        name, sep, value = text.partition(":")
        if sep and name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                length = None
    if length is None or length < 0:
        return Malformed("a header without a valid Content-Length")
    if length > MAX_MESSAGE:
        # Not skipped: a length this large cannot be trusted (skipping it could wait forever).
        # What follows is read as header lines, junk up to the next real header.
        return Malformed(f"a message of {length} bytes (the limit is {MAX_MESSAGE})")
    body = b""
    while len(body) < length:
        chunk = stream.read(length - len(body))
        if not chunk:
            return None
        body += chunk
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return Malformed(f"invalid JSON: {exc}")
    if not isinstance(message, dict):
        return Malformed("the message is not a JSON object")
    return message


def encode(message: dict[str, Any]) -> bytes:
    """The UTF-8 JSON of a message. A string holding a lone surrogate (a program's value, an echo
    of the client's own escape) has no UTF-8 encoding: then the JSON escapes non-ASCII, which
    keeps it as the ``\\udXXX`` escape the client can read. NaN and infinities become null."""
    try:
        return json.dumps(message, ensure_ascii=False, allow_nan=False, default=str).encode()
    except UnicodeEncodeError:
        return json.dumps(message, ensure_ascii=True, allow_nan=False, default=str).encode()
    except ValueError:  # NaN or Infinity somewhere: not JSON
        text = json.dumps(_finite(message), ensure_ascii=True, allow_nan=False, default=str)
        return text.encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class Writer:
    """Writes messages with increasing ``seq`` numbers; safe to use from several threads."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.seq = 0
        self.closed = False

    def send(self, message: dict[str, Any]) -> None:
        with self.lock:
            if self.closed:
                return
            self.seq += 1
            message = {"seq": self.seq, **message}
            data = encode(message)
            try:
                self.stream.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
                self.stream.flush()
            except (OSError, ValueError):  # the client went away
                self.closed = True
                log.info("cannot write to the client; output closed")

    def event(self, name: str, body: dict[str, Any] | None = None) -> None:
        msg: dict[str, Any] = {"type": "event", "event": name}
        if body is not None:
            msg["body"] = body
        self.send(msg)

    def response(self, request: dict[str, Any], body: dict[str, Any] | None = None) -> None:
        msg: dict[str, Any] = {
            "type": "response",
            "request_seq": request.get("seq", 0),
            "success": True,
            "command": request.get("command", ""),
        }
        if body is not None:
            msg["body"] = body
        self.send(msg)

    def error(self, request: dict[str, Any], message: str, error_id: int = 1) -> None:
        """An error response: ``message`` in short form, and as ``body.error`` for the UI."""
        short = _LINE_BREAK.split(message, 1)[0] if message else "error"
        self.send(
            {
                "type": "response",
                "request_seq": request.get("seq", 0),
                "success": False,
                "command": request.get("command", ""),
                "message": short,
                "body": {"error": {"id": error_id, "format": message, "showUser": True}},
            }
        )
