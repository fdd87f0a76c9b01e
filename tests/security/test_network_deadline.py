"""Issue 14 item 4: a request's timeout is one total deadline (connect + headers + body, every
redirect hop), capped by the run's remaining time.

The servers here are on loopback, reached only through the library's test hook
(``NetworkClient(..., _test_allow_loopback=True)``); without it they are refused as SSRF.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.values import ErrorValue
from lexis_ls.run.core import SimpleCall
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.host import HostOptions
from lexis_ls.run.network import NetworkClient, http_get

SLACK = 0.5  # what a request may take beyond its timeout


class DripServer:
    """A loopback server that answers every connection with ``script(conn)`` in a thread."""

    def __init__(self, script: Callable[[socket.socket], None]) -> None:
        self.script = script
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(40)
            conn.recv(65536)  # the request
            self.script(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise OSError("server stopped")

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


def drip_headers(server: DripServer) -> Callable[[socket.socket], None]:
    def script(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(100):  # 30 s of headers, one line every 0.3 s
            server.sleep(0.3)
            conn.sendall(f"X-Drip-{i}: {i}\r\n".encode())
        conn.sendall(b"Content-Length: 2\r\n\r\nok")

    return script


def drip_body(server: DripServer) -> Callable[[socket.socket], None]:
    def script(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            server.sleep(0.1)
            conn.sendall(b"x")

    return script


def drip_status(server: DripServer) -> Callable[[socket.socket], None]:
    def script(conn: socket.socket) -> None:
        for ch in b"HTTP/1.1 200 OK\r\n":
            server.sleep(0.3)
            conn.sendall(bytes([ch]))

    return script


def never_answer(server: DripServer) -> Callable[[socket.socket], None]:
    def script(conn: socket.socket) -> None:
        server.sleep(30)

    return script


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    servers: list[DripServer] = []

    def start(kind: Any) -> str:
        server = DripServer(lambda conn: None)
        server.script = kind(server)
        servers.append(server)
        return f"127.0.0.1:{server.port}"

    yield start
    for server in servers:
        server.close()


def message(value: Any) -> str:
    assert isinstance(value, ErrorValue), value
    return value.message


@pytest.mark.parametrize("kind", [drip_headers, drip_body, drip_status, never_answer])
def test_a_slow_drip_server_cannot_stretch_the_timeout(
    serve: Callable[[Any], str], kind: Any
) -> None:
    address = serve(kind)
    client = NetworkClient(["127.0.0.1"], _test_allow_loopback=True)
    call = SimpleCall("n", {"allow_http": True, "timeout": 1.5})
    started = time.monotonic()
    text = message(http_get(client, call, [f"http://{address}/"]))
    took = time.monotonic() - started
    assert "timed out after 1.5 s" in text, text
    assert took < 1.5 + SLACK, took


def test_the_test_hook_is_the_only_way_to_loopback(serve: Callable[[Any], str]) -> None:
    address = serve(drip_headers)
    strict = NetworkClient(["127.0.0.1"])
    text = message(http_get(strict, SimpleCall("n", {"allow_http": True}), [f"http://{address}/"]))
    assert "SSRF" in text


def test_redirect_hops_share_the_deadline(serve: Callable[[Any], str]) -> None:
    slow = serve(drip_headers)

    def redirect(server: DripServer) -> Callable[[socket.socket], None]:
        def script(conn: socket.socket) -> None:
            server.sleep(0.6)
            conn.sendall(
                f"HTTP/1.1 302 Found\r\nLocation: http://{slow}/\r\nContent-Length: 0\r\n\r\n".encode()
            )

        return script

    first = serve(redirect)
    client = NetworkClient(["127.0.0.1"], _test_allow_loopback=True)
    call = SimpleCall("n", {"allow_http": True, "follow_redirects": True, "timeout": 1.5})
    started = time.monotonic()
    text = message(http_get(client, call, [f"http://{first}/"]))
    assert "timed out" in text
    assert time.monotonic() - started < 1.5 + SLACK


class DeadlineCall(SimpleCall):
    """A call that carries the run's deadline, as the evaluator's calls do."""

    def __init__(self, value: Any, deadline: float) -> None:
        super().__init__("n", value)
        self.deadline = deadline


def test_the_run_deadline_caps_the_request(serve: Callable[[Any], str]) -> None:
    address = serve(drip_headers)
    client = NetworkClient(["127.0.0.1"], _test_allow_loopback=True)
    started = time.monotonic()
    call = DeadlineCall({"allow_http": True, "timeout": 20}, started + 1.0)
    text = message(http_get(client, call, [f"http://{address}/"]))
    assert "timed out" in text and "run's time limit" in text
    assert time.monotonic() - started < 1.0 + SLACK


def test_a_whole_run_ends_within_its_time_limit(serve: Callable[[Any], str]) -> None:
    address = serve(drip_headers)
    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "NETWORK_OUT"],
            "allowed_domains": ["127.0.0.1"],
            "nodes": [
                {"id": "url", "op": "const", "value": f"http://{address}/"},
                {
                    "id": "body",
                    "op": "http_get",
                    "inputs": ["url"],
                    "value": {"allow_http": True, "timeout": 20},
                },
                {"id": "out", "op": "print", "inputs": ["body"]},
            ],
        }
    )
    options = RunOptions(
        host=HostOptions(timeout=1.0),
        verify=False,  # LX2007 refuses the loopback URL statically
        network=lambda domains: NetworkClient(domains, _test_allow_loopback=True),
    )
    started = time.monotonic()
    result = Evaluator(analyze(text), options).run()
    assert time.monotonic() - started < 1.0 + SLACK
    assert result.status in ("ok", "stopped")
    body = result.values.get("body")
    if result.status == "ok":
        assert isinstance(body, ErrorValue) and "timed out" in body.message
