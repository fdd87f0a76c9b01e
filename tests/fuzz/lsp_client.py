"""A raw JSON-RPC client of the stdio language server: our own framing (so malformed frames can
be sent), a reader thread, automatic answers to the server's own requests, and bookkeeping of
what the fuzzer judges (error logs, stderr tracebacks, duplicate answers, the exit)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SERVER_CMD = [sys.executable, "-m", "lexis_ls"]
TIMEOUT = 10.0  # seconds a request may take before it counts as a hang


def frame(message: Any) -> bytes:
    try:
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: sent as \ud800 escapes, as JSON allows
        body = json.dumps(message, separators=(",", ":")).encode("ascii")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class ServerDied(Exception):
    pass


class Hang(Exception):
    pass


class Session:
    """One server process."""

    def __init__(self, cwd: Path | None = None) -> None:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        source = os.environ.get("FUZZ_SERVER_SOURCE")  # another checkout of lexis_ls to fuzz
        if source:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            SERVER_CMD,
            cwd=str(cwd or ROOT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._next_id = 0
        self._lock = threading.Lock()
        self._responses: dict[Any, dict[str, Any]] = {}
        self._cond = threading.Condition(self._lock)
        self.answered: set[Any] = set()
        self.sent_ids: set[Any] = set()
        self.duplicates: list[dict[str, Any]] = []  # answers for ids already answered
        self.unexpected: list[dict[str, Any]] = []  # answers for ids never sent
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self.published: dict[Any, dict[str, Any]] = {}  # uri -> the last publishDiagnostics
        self.garbage: list[bytes] = []  # output that is not a framed JSON message
        self.stderr_lines: list[str] = []
        self._stderr_seen = 0
        self.eof = False
        self.config: Any = None  # the answer to workspace/configuration
        self.encoding = "utf-16"
        self.capabilities: dict[str, Any] = {}
        self.write_failed = False
        self.pull = True  # the client announced pull diagnostics
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # --- reading ---

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            header = b""
            while True:
                line = out.readline()
                if not line:
                    self._eof()
                    return
                if line in (b"\r\n", b"\n"):
                    break
                header += line
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        self.garbage.append(line)
            if length is None:
                self.garbage.append(header)
                continue
            body = out.read(length)
            if len(body) < length:
                self._eof()
                return
            try:
                message = json.loads(body)
            except ValueError:
                self.garbage.append(body)
                continue
            if isinstance(message, dict):
                self._dispatch(message)
            else:
                self.garbage.append(body)

    def _eof(self) -> None:
        with self._cond:
            self.eof = True
            self._cond.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" in message and "id" in message:
            self._answer_server_request(message)
            self.notifications.put(message)
            return
        if "method" in message:
            if message["method"] == "textDocument/publishDiagnostics":
                params = message.get("params") or {}
                self.published[params.get("uri")] = params
            self.notifications.put(message)
            return
        rid = message.get("id")
        with self._cond:
            if rid in self.answered:
                self.duplicates.append(message)
            elif rid not in self.sent_ids:
                self.unexpected.append(message)
            else:
                self.answered.add(rid)
                self._responses[rid] = message
            self._cond.notify_all()

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        method = message["method"]
        result: Any = None
        if method == "workspace/configuration":
            items = (message.get("params") or {}).get("items") or []
            result = [self.config for _ in items]
        elif method == "workspace/applyEdit":
            result = {"applied": False, "failureReason": "the fuzzer applies no edits"}
        self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        for line in iter(err.readline, b""):
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    def new_stderr(self) -> str:
        """The server's stderr written since the last call."""
        lines = self.stderr_lines[self._stderr_seen :]
        self._stderr_seen += len(lines)
        return "".join(lines)

    def drain(self) -> list[dict[str, Any]]:
        out = []
        while True:
            try:
                out.append(self.notifications.get_nowait())
            except queue.Empty:
                return out

    # --- writing ---

    def send_raw(self, data: bytes) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            with self._lock:
                stdin.write(data)
                stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self.write_failed = True
            raise ServerDied("broken pipe") from None

    def send(self, message: Any) -> None:
        self.send_raw(frame(message))

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def send_request(self, method: str, params: Any = None, rid: Any = None) -> Any:
        if rid is None:
            rid = self.new_id()
        with self._lock:
            self.sent_ids.add(rid)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return rid

    def wait(self, rid: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while rid not in self._responses:
                if self.eof:
                    raise ServerDied("the server closed its output")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Hang(f"no answer within {timeout} s")
                self._cond.wait(left)
            return self._responses.pop(rid)

    def expect_id(self, rid: Any) -> None:
        """Register an id sent by hand (send_raw) so its answer is not `unexpected`."""
        with self._lock:
            self.sent_ids.add(rid)

    def request(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        return self.wait(self.send_request(method, params), timeout)

    def notify(self, method: str, params: Any = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    # --- the lifecycle ---

    def initialize(
        self,
        encoding: str = "utf-16",
        pull: bool = True,
        extra_caps: dict[str, Any] | None = None,
        root: Path | None = None,
        initialized: bool = True,
    ) -> dict[str, Any]:
        caps: dict[str, Any] = {
            "general": {"positionEncodings": [encoding]},
            "textDocument": {
                "rename": {"prepareSupport": True},
                "synchronization": {"dynamicRegistration": False},
                "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
                "codeAction": {
                    "codeActionLiteralSupport": {
                        "codeActionKind": {
                            "valueSet": ["quickfix", "refactor", "source", "source.fixAll"]
                        }
                    },
                    "resolveSupport": {"properties": ["edit"]},
                    "dataSupport": True,
                },
                "completion": {"completionItem": {"snippetSupport": True}},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "semanticTokens": {
                    "requests": {"full": {"delta": True}, "range": True},
                    "tokenTypes": [],
                    "tokenModifiers": [],
                    "formats": ["relative"],
                },
            },
            "workspace": {
                "workspaceEdit": {"documentChanges": True},
                "diagnostics": {"refreshSupport": True},
                "executeCommand": {},
            },
            "window": {"workDoneProgress": True},
        }
        self.pull = pull
        if pull:
            caps["textDocument"]["diagnostic"] = {"relatedDocumentSupport": False}
        for key, value in (extra_caps or {}).items():
            caps.setdefault(key, {}).update(value)
        params = {
            "processId": os.getpid(),
            "rootUri": (root or ROOT / "examples").as_uri(),
            "workspaceFolders": [{"uri": (root or ROOT / "examples").as_uri(), "name": "examples"}],
            "capabilities": caps,
        }
        answer = self.request("initialize", params, timeout=30.0)
        result = answer.get("result") or {}
        self.capabilities = result.get("capabilities") or {}
        self.encoding = self.capabilities.get("positionEncoding", "utf-16")
        if initialized:
            self.notify("initialized", {})
        return answer

    def alive(self) -> bool:
        return self.proc.poll() is None and not self.eof

    def close(self, timeout: float = 5.0) -> int | None:
        """Shut down politely, then make sure the process is gone; the exit code."""
        if self.alive():
            try:
                rid = self.send_request("shutdown")
                self.wait(rid, timeout)
                self.notify("exit")
            except (ServerDied, Hang):
                pass
        return self.kill(timeout)

    def kill(self, timeout: float = 5.0) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return None
        finally:
            for stream in (self.proc.stdin,):
                try:
                    if stream:
                        stream.close()
                except OSError:
                    pass
