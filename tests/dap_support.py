"""A small DAP client over real pipes: `python -m lexis_ls.dap` in a subprocess (importable as
`dap_support`: the debug adapter tests and the configuration tests use it)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import ROOT

FIXTURES = Path(__file__).resolve().parent / "dap" / "fixtures"
TIMEOUT = 15.0


class DapClient:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lexis_ls.dap"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.seq = 0
        self.cond = threading.Condition()
        self.messages: list[dict[str, Any]] = []
        self.consumed: set[int] = set()  # indexes into messages
        self.stderr: list[str] = []
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()
        self.stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self.stderr_thread.start()

    # --- transport ---

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.closed = True
                        self.cond.notify_all()
                    return
                text = line.decode().strip()
                if not text:
                    break
                name, _, value = text.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None, "a frame without Content-Length"
            body = out.read(length)
            message = json.loads(body)
            with self.cond:
                self.messages.append(message)
                self.cond.notify_all()

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        for line in err:
            self.stderr.append(line.decode(errors="replace"))

    def write_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode()
        self.write_raw(b"Content-Length: %d\r\n\r\n" % len(data) + data)

    # --- requests and events ---

    def _take(self, match: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for k, m in enumerate(self.messages):
                    if k not in self.consumed and match(m):
                        self.consumed.add(k)
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise AssertionError(
                        f"no {what} (closed={self.closed}); got {self.unconsumed()}\n"
                        f"stderr: {''.join(self.stderr)}"
                    )
                self.cond.wait(left)

    def unconsumed(self) -> list[dict[str, Any]]:
        return [m for k, m in enumerate(self.messages) if k not in self.consumed]

    def request_raw(
        self, command: str, arguments: Any = None, timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        self.seq += 1
        seq = self.seq
        message: dict[str, Any] = {"seq": seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        self.send(message)
        return self._take(
            lambda m: m.get("type") == "response" and m.get("request_seq") == seq,
            timeout,
            f"response to {command}",
        )

    def request(self, command: str, arguments: Any = None, **kw: Any) -> dict[str, Any]:
        """The body of a successful response."""
        response = self.request_raw(command, arguments, **kw)
        assert response["success"] is True, response
        assert response["command"] == command
        return response.get("body") or {}

    def error(self, command: str, arguments: Any = None) -> dict[str, Any]:
        """An error response (checked to have a message and body.error)."""
        response = self.request_raw(command, arguments)
        assert response["success"] is False, response
        assert response["message"]
        assert response["body"]["error"]["format"]
        return response

    def event(
        self,
        name: str,
        timeout: float = TIMEOUT,
        where: Callable[[dict[str, Any]], bool] = lambda body: True,
    ) -> dict[str, Any]:
        message = self._take(
            lambda m: (
                m.get("type") == "event" and m.get("event") == name and where(m.get("body") or {})
            ),
            timeout,
            f"{name} event",
        )
        return message.get("body") or {}

    def output(self) -> str:
        """The stdout text of the output events received so far (consumed)."""
        with self.cond:
            parts = []
            for k, m in enumerate(self.messages):
                if k in self.consumed or m.get("event") != "output":
                    continue
                if (m.get("body") or {}).get("category") == "stdout":
                    self.consumed.add(k)
                    parts.append(m["body"]["output"])
            return "".join(parts)

    # --- session helpers ---

    def start(
        self,
        program: str,
        breakpoints: dict[int, str | None] | None = None,
        exceptions: bool = False,
        **launch: Any,
    ) -> dict[str, Any]:
        """initialize, launch, breakpoints, configurationDone; returns the setBreakpoints body."""
        caps = self.request("initialize", {"adapterID": "lexis", "clientID": "test"})
        assert caps["supportsConfigurationDoneRequest"] is True
        self.event("initialized")
        path = str(FIXTURES / program)
        self.request("launch", {"program": path, **launch})
        result: dict[str, Any] = {}
        if breakpoints is not None:
            result = self.set_breakpoints(program, breakpoints)
        self.request("setExceptionBreakpoints", {"filters": ["errorValues"] if exceptions else []})
        self.request("configurationDone")
        return result

    def set_breakpoints(self, program: str, lines: dict[int, str | None]) -> dict[str, Any]:
        bps = []
        for line, condition in lines.items():
            bp: dict[str, Any] = {"line": line}
            if condition is not None:
                bp["condition"] = condition
            bps.append(bp)
        return self.request(
            "setBreakpoints", {"source": {"path": str(FIXTURES / program)}, "breakpoints": bps}
        )

    def stopped(self, reason: str | None = None) -> dict[str, Any]:
        body = self.event("stopped")
        if reason is not None:
            assert body["reason"] == reason, body
        return body

    def stack(self) -> list[dict[str, Any]]:
        return self.request("stackTrace", {"threadId": 1})["stackFrames"]

    def where(self) -> tuple[str, int]:
        """(name, line) of the innermost frame."""
        top = self.stack()[0]
        return top["name"], top["line"]

    def variables(self, frame_id: int, scope: str) -> dict[str, str]:
        scopes = self.request("scopes", {"frameId": frame_id})["scopes"]
        ref = next(s["variablesReference"] for s in scopes if s["name"].startswith(scope))
        variables = self.request("variables", {"variablesReference": ref})["variables"]
        return {v["name"]: v["value"] for v in variables}

    def finish(self, exit_code: int = 0) -> None:
        """Expects exited + terminated, disconnects, and checks the adapter exits 0."""
        assert self.event("exited")["exitCode"] == exit_code
        self.event("terminated")
        self.disconnect()

    def disconnect(self) -> None:
        self.request("disconnect", {})
        assert self.proc.wait(TIMEOUT) == 0

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
