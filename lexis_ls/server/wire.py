"""The wire in front of pygls: framing, the JSON-RPC envelope and the LSP lifecycle.

pygls's own stdio loop trusts its client: a frame with a non-numeric or short
`Content-Length` makes it lose the framing for good; params of the wrong type fail inside
`json.loads` and the request is never answered; requests before `initialize` and after
`shutdown` get no error (or no answer at all); and `exit` always ends the process with status 0.
This module replaces that loop (not pygls: the protocol object still dispatches every message):

* :class:`FrameReader` reads one frame at a time, finds the next `Content-Length` header again
  after garbage, and says what was wrong with a malformed frame instead of stalling;
* :class:`Gate` checks each message before it reaches pygls and answers with the JSON-RPC
  error LSP specifies: -32700 (not JSON), -32600 (not a request; a second `initialize`; a
  request after `shutdown`), -32601 (unknown method), -32602 (params of the wrong shape),
  -32002 (a request before `initialize`); it ends the process on `exit` with 0 after
  `shutdown` and 1 otherwise, and drops cancellations of requests already answered;
* :class:`LexisProtocol` keeps document text out of pygls's workspace: the server's own store
  applies changes with LSP's line breaks (`\\n`, `\\r\\n`, `\\r`), where pygls splits lines as
  Python's `str.splitlines` does (which also breaks at U+000B, U+000C, U+001C-U+001E, U+0085,
  U+2028 and U+2029); and it sends results and notifications given as :class:`Encoded` JSON
  (the diagnostics, encoded finding by finding with orjson and reused across versions) as they
  are, without cattrs and `json.dumps`.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import select
import threading
import time
from collections.abc import Callable, Generator
from typing import Any, BinaryIO

import orjson
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.protocol.json_rpc import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
)
from pygls.protocol.language_server import LanguageServerProtocol, lsp_method

log = logging.getLogger("lexis_ls.server.wire")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002

MAX_BODY = 1 << 30  # a larger Content-Length is a broken header, not a document
MAX_LINE = 1 << 16  # header lines are short: longer ones are garbage, read in pieces
_CHUNK = 1 << 16  # what the reader asks the stream for at least
_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:", re.IGNORECASE)


class FrameReader:
    """Reads `Content-Length` framed messages from a byte stream (blocking; run in a thread).

    :meth:`read` returns ``(body, problem)``: the body of the next well-formed frame, or None
    with a description of the malformed frame that was skipped; ``(None, None)`` at the end of
    the stream. After garbage (a body longer than its `Content-Length` said, a frame without a
    usable length) reading resumes at the next `Content-Length` header, wherever it starts.

    The reader keeps what it read ahead of the current frame itself (the stream's ``read1``
    gives whatever has arrived), so that :meth:`more_ready` can tell whether the client has
    already sent more: bytes read ahead, or bytes waiting on the stream's file descriptor."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.eof = False
        self._buf = bytearray()
        self._read1: Callable[[int], bytes] | None = getattr(stream, "read1", None)

    def _fill(self, wanted: int = _CHUNK) -> bool:
        """Append what the stream has (at least one byte, or False at its end)."""
        if self._read1 is not None:
            chunk = self._read1(max(wanted, _CHUNK))
        else:
            chunk = self.stream.readline(MAX_LINE)
        if not chunk:
            return False
        self._buf += chunk
        return True

    def _readline(self, limit: int) -> bytes:
        """As ``stream.readline(limit)``: up to and including a line feed, at most ``limit``
        bytes, fewer at the end of the stream."""
        buf = self._buf
        searched = 0
        while True:
            found = buf.find(b"\n", searched, limit)
            if found >= 0:
                end = found + 1
                break
            if len(buf) >= limit:
                end = limit
                break
            searched = len(buf)
            if not self._fill():
                end = len(buf)
                break
        line = bytes(buf[:end])
        del buf[:end]
        return line

    def _read(self, n: int) -> bytes:
        """As ``stream.read(n)``: ``n`` bytes, fewer at the end of the stream."""
        while len(self._buf) < n and self._fill(n - len(self._buf)):
            pass
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    def more_ready(self) -> bool:
        """Bytes of a next message have arrived already (read ahead, or waiting to be read)."""
        if self._buf:
            return True
        try:
            ready, _, _ = select.select([self.stream], [], [], 0)
        except (OSError, ValueError, TypeError, AttributeError, io.UnsupportedOperation):
            return False  # no file descriptor (an in-memory stream): nothing is known
        return bool(ready)

    def read(self) -> tuple[bytes | None, str | None]:
        length: int | None = None
        problem: str | None = None
        headers = 0
        while True:
            line = self._readline(MAX_LINE)
            if not line:
                self.eof = True
                return None, None
            found = _CONTENT_LENGTH.search(line)
            if found is not None and found.start() > 0:
                # garbage before a header: the rest of a body longer than its length said
                problem = problem or f"skipped {found.start()} bytes that were not a header"
                line = line[found.start() :]
                length, headers = None, 0
            if not line.strip():
                if headers:
                    break
                continue  # blank lines between frames
            if not line.endswith(b"\n") or b":" not in line:
                problem = problem or "skipped a line that is not a header"
                length, headers = None, 0
                continue
            headers += 1
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                text = value.strip()
                if text.isdigit() and int(text) <= MAX_BODY:
                    length = int(text)
                else:
                    length = None
                    problem = f"a frame with Content-Length {text[:40]!r}, not a byte count"
        if length is None:
            return None, problem or "a frame without a Content-Length header"
        body = self._read(length)
        if len(body) < length:
            self.eof = True
            return None, None
        return body, problem


class Encoded:
    """A result or notification params already encoded as JSON (UTF-8 bytes)."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


class Gate:
    """Checks each message before pygls dispatches it; owns the lifecycle state."""

    def __init__(
        self,
        protocol: LanguageServerProtocol,
        send: Callable[[dict[str, Any]], None],
        warn: Callable[[str], None],
        stop: Callable[[int], None],
    ) -> None:
        self.protocol = protocol
        self.send = send
        self.warn = warn
        self.stop = stop
        self.initialized = False  # `initialize` received (answered or being answered)
        self.shut_down = False
        # how many messages wait to be handled: read, or arrived and being read (set by
        # `serve`); `queued`: those read
        self.backlog: Callable[[], int] = lambda: 0
        self.queued: Callable[[], int] = lambda: 0
        self.last_input = time.monotonic()  # when the last message was handed over

    def error(self, msg_id: Any, code: int, message: str) -> None:
        self.send({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    def receive(self, body: bytes) -> None:
        self.last_input = time.monotonic()
        try:
            data = loads(body)
        except ValueError as exc:  # also a UnicodeDecodeError
            self.error(None, PARSE_ERROR, f"Parse error: the message is not JSON ({exc})")
            return
        if isinstance(data, list):
            self.error(None, INVALID_REQUEST, "Invalid request: LSP does not take batches")
            return
        if not isinstance(data, dict):
            self.error(None, INVALID_REQUEST, "Invalid request: a message is a JSON object")
            return
        self.message(data)

    def message(self, data: dict[str, Any]) -> None:
        has_id = "id" in data
        msg_id = data.get("id")
        if has_id and (isinstance(msg_id, bool) or not isinstance(msg_id, int | str | None)):
            self.error(None, INVALID_REQUEST, "Invalid request: an id is a number or a string")
            return
        reply_id = msg_id if has_id else None
        if data.get("jsonrpc") != "2.0":
            if has_id:
                self.error(reply_id, INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0"')
            return
        if "method" not in data:
            if "result" in data or "error" in data:
                self.response(data)
            elif has_id:
                self.error(reply_id, INVALID_REQUEST, "Invalid request: no method, no result")
            return
        method = data["method"]
        if not isinstance(method, str):
            if has_id:
                self.error(reply_id, INVALID_REQUEST, "Invalid request: a method is a string")
            return
        request = has_id
        if method == lsp.EXIT:
            self.stop(0 if self.shut_down else 1)
            return
        if self.shut_down:
            if request:
                self.error(msg_id, INVALID_REQUEST, f"the server is shut down: {method} refused")
            return
        if method == lsp.INITIALIZE:
            if not request:
                return
            if self.initialized:
                self.error(msg_id, INVALID_REQUEST, "initialize was already received")
                return
        elif not self.initialized:
            if request:
                self.error(msg_id, SERVER_NOT_INITIALIZED, f"{method} before initialize")
            return
        if method == lsp.CANCEL_REQUEST:
            params = data.get("params")
            target = params.get("id") if isinstance(params, dict) else None
            if target not in self.protocol._request_futures:
                return  # answered already (or never asked): nothing to cancel
        fm = self.protocol.fm
        known = method in fm.builtin_features or method in fm.features
        if not known and method != lsp.CANCEL_REQUEST:
            if request:
                self.error(msg_id, METHOD_NOT_FOUND, f"Method not found: {method}")
            return  # unknown notifications, `$/` ones above all, are ignored
        kind = self.protocol.get_message_type(method)
        if kind is None:
            kind = JsonRPCRequestMessage if request else JsonRPCNotification
        try:
            message = self.protocol._converter.structure(data, kind)
        except Exception as exc:
            detail = _shape_error(exc)
            if request:
                self.error(msg_id, INVALID_PARAMS, f"Invalid params for {method}: {detail}")
            else:
                self.warn(f"lexis-ls: ignored {method}: invalid params ({detail})")
            return
        if method == lsp.INITIALIZE:
            self.initialized = True
        elif method == lsp.SHUTDOWN:
            self.shut_down = True
        self.protocol.handle_message(message)

    def response(self, data: dict[str, Any]) -> None:
        """A response to a request of the server (configuration, registrations, ...)."""
        try:
            message = self.protocol.structure_message(data)
        except Exception as exc:
            self.warn(f"lexis-ls: ignored a malformed response: {_shape_error(exc)}")
            return
        if not hasattr(message, "jsonrpc"):
            self.warn("lexis-ls: ignored a message that is neither a request nor a response")
            return
        self.protocol.handle_message(message)


_HUGE = float(1 << 63)


def loads(body: bytes) -> Any:
    """``json.loads(body)``, by orjson when it gives the same (six times faster: a message can
    hold a whole document's text): anything orjson refuses (a lone surrogate, NaN, a number
    beyond a double, another encoding than UTF-8) and any message with a float of 2^63 or more
    (orjson reads an integer beyond 64 bits as a float) are read by `json.loads` itself."""
    try:
        data = orjson.loads(body)
    except Exception:
        return json.loads(body)
    stack: list[Any] = [data]
    while stack:
        value = stack.pop()
        if type(value) is dict:
            stack.extend(value.values())
        elif type(value) is list:
            stack.extend(value)
        elif type(value) is float and not -_HUGE < value < _HUGE:
            return json.loads(body)
    return data


def _shape_error(exc: BaseException) -> str:
    """One line on what did not fit the expected shape (cattrs nests its causes)."""
    parts: list[str] = []
    stack: list[BaseException] = [exc]
    while stack and len(parts) < 3:
        current = stack.pop()
        inner = getattr(current, "exceptions", None)
        if inner:
            stack.extend(reversed(inner))
            continue
        notes = getattr(current, "__notes__", None) or []
        text = str(current).splitlines()[0] if str(current) else type(current).__name__
        parts.append(f"{notes[-1]}: {text}" if notes else text)
    return "; ".join(parts) or type(exc).__name__


async def serve(reader: FrameReader, gate: Gate, stopped: threading.Event) -> None:
    """Hand each frame to the gate until the stream ends or `exit` stops the server.

    Frames are read by a daemon thread, so that a client that keeps its end open after
    `exit` cannot keep the process alive. With each frame, the thread says whether more
    input had arrived when the frame was complete: the gate's backlog counts that next
    message from then on, before it is read (a newer version may be on its way)."""
    loop = asyncio.get_running_loop()
    frames: asyncio.Queue[tuple[bytes | None, str | None]] = asyncio.Queue()
    more = [False]  # the last frame handed over said more input had arrived

    def deliver(body: bytes | None, problem: str | None, ahead: bool) -> None:
        frames.put_nowait((body, problem))
        more[0] = ahead

    def pump() -> None:
        while True:
            try:
                body, problem = reader.read()
                ahead = not reader.eof and reader.more_ready()
            except (OSError, ValueError):  # the stream was closed under the reader
                body, problem, reader.eof, ahead = None, None, True, False
            loop.call_soon_threadsafe(deliver, body, problem, ahead)
            if reader.eof:
                return

    threading.Thread(target=pump, name="lexis-ls-reader", daemon=True).start()
    gate.backlog = lambda: frames.qsize() + more[0]
    gate.queued = frames.qsize
    while not stopped.is_set():
        body, problem = await frames.get()
        if problem is not None:
            gate.warn(f"lexis-ls: malformed input: {problem}")
        if body is not None:
            gate.receive(body)
        elif reader.eof:
            break
        await asyncio.sleep(0)  # let the handlers this message started run


def _strict(kind: type, accepted: tuple[type, ...]) -> Callable[[Any, type], Any]:
    """A structure hook for `kind` and its subclasses (int and str enums) that takes only
    values of the `accepted` JSON types, then builds the target as cattrs does (`t(value)`)."""

    def structure(value: Any, target: type) -> Any:
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, accepted):
            name = target.__name__
            raise TypeError(f"expected {name}, got {type(value).__name__} {value!r:.40}")
        return target(value)

    return structure


class LexisProtocol(LanguageServerProtocol):
    """pygls's protocol without its own copy of the documents' text (see the module text),
    and with params of the wrong scalar type refused (-32602) instead of coerced: cattrs would
    take `"40"` or `true` for the integer 40 or 1, and `5` for the URI `"5"`."""

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        for kind, accepted in (
            (int, (int,)),
            (float, (int, float)),
            (str, (str,)),
            (bool, (bool,)),
        ):
            converter.register_structure_hook(kind, _strict(kind, accepted))

    def _send_response(
        self, msg_id: Any, result: Any | None = None, error: Any | None = None
    ) -> None:
        if error is None and isinstance(result, Encoded):
            self._result_types.pop(msg_id, None)
            head = b'{"jsonrpc":"2.0","id":' + json.dumps(msg_id).encode() + b',"result":'
            self._write_body(head + result.raw + b"}")
            return
        if error is None:
            # Encoded here as pygls would, but a result that cannot be encoded (pygls logs it
            # and sends nothing: the request would never be answered) is answered with an
            # internal error.
            response_type = self._result_types.pop(msg_id, JsonRPCResponseMessage)
            response = response_type(id=msg_id, result=result, jsonrpc=self.VERSION)
            try:
                body = json.dumps(response, default=self._serialize_message)
            except Exception as exc:
                log.exception("cannot encode the answer to request %r", msg_id)
                error = JsonRpcInternalError(
                    f"lexis-ls could not encode its answer ({type(exc).__name__})"
                ).to_response_error()
            else:
                self._write_body(body.encode("utf-8"))
                return
        super()._send_response(msg_id, None, error)

    def notify(self, method: str, params: Any | None = None) -> None:
        if isinstance(params, Encoded):
            head = b'{"jsonrpc":"2.0","method":' + json.dumps(method).encode() + b',"params":'
            self._write_body(head + params.raw + b"}")
            return
        super().notify(method, params)

    def _write_body(self, body: bytes) -> None:
        if self.writer is None:
            log.error("cannot send: no transport")
            return
        try:
            # the server's writers are synchronous (`start_io`: stdio and TCP alike)
            self.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        except BrokenPipeError:
            log.info("the client closed the connection")
            raise

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: lsp.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: lsp.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: lsp.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class _Quiet(logging.Filter):
    """pygls logs deliberate error answers (a refused rename, an invalid command argument)
    with a traceback, and cancellations that come after the answer as warnings: neither is
    a fault. Real faults (internal errors) still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
                return False
        message = record.msg if isinstance(record.msg, str) else ""
        return not message.startswith("Cancel notification for unknown message id")


def quiet_pygls() -> None:
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_Quiet())
