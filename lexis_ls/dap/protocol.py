"""DAP base protocol: ``Content-Length``-framed JSON messages over a pair of byte streams."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024 * 1024


class Malformed:
    """A frame whose content is not a JSON object (logged and skipped by the server)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def read_message(stream: BinaryIO) -> dict[str, Any] | Malformed | None:
    """The next message; None at the end of the stream."""
    length: int | None = None
    saw_header = False
    while True:
        line = stream.readline()
        if not line:
            return None
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
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(remaining, 1 << 20))
            if not chunk:
                return None
            remaining -= len(chunk)
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
            data = json.dumps(message, ensure_ascii=False, allow_nan=False, default=str).encode()
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
        short = message.splitlines()[0] if message else "error"
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
