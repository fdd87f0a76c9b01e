"""OS-enforced limits of the debug adapter (it puts itself under RLIMIT_AS and RLIMIT_CPU for
its one session; a watchdog ends a run that is past its deadline and not paused): a memory or
time stop ends the session with the reason as an output event, `exited` 3 and `terminated`;
time spent paused does not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT
from test_limits_cli import HOG_PARAM, SMALL_TEXT, delay_program, memory_hog, sequence_bomb

from lexis_ls.run import limits

pytestmark = pytest.mark.skipif(not limits.supported(), reason="no fork/setrlimit here")


class Adapter:
    """`python -m lexis_ls.dap` over pipes, every message it sends kept in order."""

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
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.closed = True
                        self.cond.notify_all()
                    return
                if not line.strip():
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(out.read(length))
            with self.cond:
                self.messages.append(message)
                self.cond.notify_all()

    def wait(self, match: Callable[[dict[str, Any]], bool], timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if match(m):
                        return m
                left = deadline - time.monotonic()
                assert left > 0 and not self.closed, f"not found in {self.messages}"
                self.cond.wait(left)

    def request(self, command: str, arguments: Any = None) -> dict[str, Any]:
        self.seq += 1
        seq = self.seq
        message = {"seq": seq, "type": "request", "command": command, "arguments": arguments}
        data = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()
        return self.wait(lambda m: m.get("type") == "response" and m.get("request_seq") == seq)

    def event(self, name: str, timeout: float = 15) -> dict[str, Any]:
        return self.wait(lambda m: m.get("event") == name, timeout)

    def output(self, category: str) -> str:
        with self.cond:
            return "".join(
                m["body"]["output"]
                for m in self.messages
                if m.get("event") == "output" and m["body"].get("category") == category
            )

    def launch(self, path: Path, **launch: Any) -> dict[str, Any]:
        assert self.request("initialize", {"adapterID": "lexis"})["success"]
        response = self.request("launch", {"program": str(path), **launch})
        if response["success"]:
            assert self.request("configurationDone")["success"]
        return response

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@pytest.fixture
def adapter() -> Iterator[Adapter]:
    a = Adapter()
    yield a
    a.close()
    assert a.proc.stderr is not None
    assert b"Traceback" not in a.proc.stderr.read()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_memory_hog_ends_the_session_at_the_memory_limit(
    adapter: Adapter, tmp_path: Path
) -> None:
    path = write(tmp_path, "hog.lexis.json", memory_hog())
    started = time.monotonic()
    adapter.launch(path, params={"x": HOG_PARAM}, memory="300M", timeout=10)
    exited = adapter.event("exited")
    adapter.event("terminated")
    assert time.monotonic() - started < 11
    assert exited["body"]["exitCode"] == 3
    assert adapter.output("stdout") == "before\n"
    stderr = adapter.output("stderr")
    assert stderr.startswith("run stopped at node `") and stderr.endswith(f": {SMALL_TEXT}\n")
    # the adapter still answers, and ends when told
    assert adapter.request("threads")["success"]
    adapter.request("disconnect")
    assert adapter.proc.wait(10) == 0


def test_time_paused_does_not_count(adapter: Adapter, tmp_path: Path) -> None:
    path = write(tmp_path, "slow.lexis.json", delay_program(0.5))
    adapter.launch(path, timeout=1, stopOnEntry=True)
    adapter.event("stopped")
    time.sleep(2.5)  # the user looks around: past the time limit, and past the watchdog's
    assert adapter.proc.poll() is None
    assert adapter.request("continue", {"threadId": 1})["success"]
    exited = adapter.event("exited")
    assert exited["body"]["exitCode"] == 0, adapter.output("stderr")
    assert adapter.output("stdout") == "before\nbefore\n"


def test_a_slow_run_is_stopped_at_the_time_limit(adapter: Adapter, tmp_path: Path) -> None:
    path = write(tmp_path, "slow.lexis.json", delay_program(30))
    started = time.monotonic()
    adapter.launch(path, timeout=1)
    exited = adapter.event("exited")
    assert time.monotonic() - started < 1 + 1 + 0.5
    assert exited["body"]["exitCode"] == 3
    assert "time limit of 1 s reached" in adapter.output("stderr")


@pytest.mark.parametrize("tail", ["to_str", "eq"])
def test_the_issue_bombs_end_within_the_time_limit(
    adapter: Adapter, tmp_path: Path, tail: str
) -> None:
    text = sequence_bomb(tail, "param")
    if tail == "eq":
        data = json.loads(text)
        data["nodes"][-2]["inputs"] = ["s12", "s11"]
        text = json.dumps(data)
    path = write(tmp_path, "bomb.lexis.json", text)
    started = time.monotonic()
    adapter.launch(path, params={"x": "xxxxxxxxxx"}, timeout=2, memory="300M")
    exited = adapter.event("exited", timeout=10)
    assert time.monotonic() - started < 3.0 + 0.5
    assert exited["body"]["exitCode"] in (0, 3)
    assert "internal error" not in adapter.output("stderr")


def test_a_bad_memory_argument_is_refused(adapter: Adapter, tmp_path: Path) -> None:
    path = write(tmp_path, "slow.lexis.json", delay_program(0))
    response = adapter.launch(path, memory="lots")
    assert not response["success"] and "`memory`" in response["message"]


WATCHDOG = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from lexis_ls.lang.analysis import analyze
    from lexis_ls.dap.session import LaunchConfig, Session

    text = sys.stdin.read()
    config = LaunchConfig(Path("p.lexis.json"), analyze(text), {}, "", 1.0, None, None,
                          False, False)
    session = Session(config, lambda name, body: print(json.dumps([name, body]), flush=True))

    def stuck():  # a builtin that never comes back to the evaluator
        while True:
            sum(range(1000))

    session.evaluator.run = stuck
    session.start()
    time.sleep(30)
    """
)


def test_the_watchdog_ends_a_run_that_cannot_stop_itself() -> None:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", WATCHDOG],
        input=delay_program(0),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert time.monotonic() - started < 1 + 1 + 0.5
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 3, proc.stderr
    assert events[0] == [
        "output",
        {"category": "stderr", "output": "run stopped: time limit of 1 s reached\n"},
    ]
    assert events[1:] == [["exited", {"exitCode": 3}], ["terminated", None]]
