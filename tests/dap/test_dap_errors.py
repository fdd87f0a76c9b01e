"""Bad input gets DAP error responses; the adapter never crashes and keeps answering."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dap_support import FIXTURES, DapClient


def _initialize(dap: DapClient) -> None:
    dap.request("initialize", {"adapterID": "lexis"})
    dap.event("initialized")


def test_a_missing_program_is_refused(dap: DapClient, tmp_path: Path) -> None:
    _initialize(dap)
    response = dap.error("launch", {"program": str(tmp_path / "nope.lexis.json")})
    assert "no such file" in response["message"]
    assert dap.error("launch", {})["message"].startswith("launch: `program`")
    response = dap.error("launch", {"program": str(tmp_path)})
    assert "directory" in response["message"]
    # Still answering: a good launch works afterwards.
    dap.request("launch", {"program": str(FIXTURES / "calls.lexis.json")})
    dap.request("configurationDone")
    dap.finish(0)


def test_an_invalid_program_is_refused_with_its_diagnostic_codes(dap: DapClient) -> None:
    _initialize(dap)
    response = dap.error("launch", {"program": str(FIXTURES / "invalid.lexis.json")})
    message = response["message"]
    assert "2 errors" in message
    assert "LX1001 at line 6" in message and "LX1003 at line 7" in message
    details = response["body"]["error"]["format"]
    assert "invalid.lexis.json:6:23: LX1001" in details
    assert "unknown opcode" in details
    dap.disconnect()


def test_a_program_above_the_trust_ceiling_is_refused(dap: DapClient) -> None:
    _initialize(dap)
    program = str(FIXTURES / "printing.lexis.json")
    response = dap.error("launch", {"program": program, "trustCeiling": 0})
    assert "IO_STDOUT" in response["body"]["error"]["format"]
    for bad in (
        {"params": ["divisor"]},
        {"timeout": 0},
        {"timeout": "10"},
        {"stdin": 3},
        {"trustCeiling": 7},
    ):
        response = dap.error("launch", {"program": program, **bad})
        assert response["message"].startswith("launch: ")
    dap.disconnect()


def test_unknown_requests_and_requests_before_launch_are_errors(dap: DapClient) -> None:
    assert "unknown request `flyToTheMoon`" in dap.error("flyToTheMoon", {})["message"]
    assert "unknown request" in dap.error("stepBack", {"threadId": 1})["message"]
    _initialize(dap)
    for command, args in (
        ("stackTrace", {"threadId": 1}),
        ("scopes", {"frameId": 1}),
        ("variables", {"variablesReference": 1}),
        ("continue", {"threadId": 1}),
        ("next", {"threadId": 1}),
        ("stepIn", {"threadId": 1}),
        ("stepOut", {"threadId": 1}),
        ("pause", {"threadId": 1}),
        ("evaluate", {"expression": "x"}),
        ("exceptionInfo", {"threadId": 1}),
        ("terminate", {}),
    ):
        response = dap.error(command, args)
        assert "send `launch` first" in response["message"], (command, response)
    # Arguments of the wrong shape.
    assert "must be an object" in dap.error("launch", [1, 2])["message"]
    assert dap.error("setBreakpoints", {})["message"]
    assert dap.error("setBreakpoints", {"source": {"path": "x"}, "breakpoints": [{}]})["message"]
    dap.disconnect()


def test_malformed_frames_are_logged_and_ignored(dap: DapClient) -> None:
    dap.write_raw(b"Content-Length: 9\r\n\r\n{not json")
    dap.write_raw(b"Content-Length: 2\r\n\r\n[]")
    dap.write_raw(b"Content-Type: text/plain\r\n\r\n")
    dap.send({"seq": 50, "type": "event", "event": "odd"})
    dap.send({"seq": 51, "type": "request"})
    response = dap._take(lambda m: m.get("request_seq") == 51, 10, "response to seq 51")
    assert response["success"] is False
    caps = dap.request("initialize", {"adapterID": "lexis"})
    assert caps["supportsTerminateRequest"] is True
    assert dap.proc.poll() is None
    dap.disconnect()
    dap.stderr_thread.join(5)
    logged = "".join(dap.stderr)
    assert "ignored a malformed message: invalid JSON" in logged
    assert "the message is not a JSON object" in logged
    assert "without a valid Content-Length" in logged


def test_requests_while_running_and_bad_references_are_errors(dap: DapClient) -> None:
    dap.start("calls.lexis.json", stopOnEntry=True)
    dap.stopped("entry")
    assert "no frame 999" in dap.error("scopes", {"frameId": 999})["message"]
    assert (
        "no variables reference" in dap.error("variables", {"variablesReference": 999})["message"]
    )
    bad = dap.error("evaluate", {"expression": "five >", "context": "repl"})
    assert "cannot evaluate" in bad["message"]
    assert "no node `nope`" in dap.error("evaluate", {"expression": "nope"})["message"]
    assert (
        "already been launched"
        in dap.error("launch", {"program": str(FIXTURES / "calls.lexis.json")})["message"]
    )
    other = dap.request(
        "setBreakpoints",
        {"source": {"path": str(FIXTURES / "printing.lexis.json")}, "breakpoints": [{"line": 6}]},
    )
    assert other["breakpoints"][0]["verified"] is False
    assert "not the program being debugged" in other["breakpoints"][0]["message"]
    dap.request("continue", {"threadId": 1})
    dap.finish(0)


def _launch_with_timeout(dap: DapClient, tmp_path: Path, nodes: str, timeout: float) -> None:
    """Launches a program of ``nodes`` (printing, pure) with ``timeout``, and starts it."""
    program = tmp_path / "timed.lexis.json"
    program.write_text(
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"], "nodes": ['
        + nodes
        + "]}",
        encoding="utf-8",
    )
    _initialize(dap)
    dap.request("launch", {"program": str(program), "timeout": timeout})
    dap.request("configurationDone")


def test_a_runaway_program_is_stopped_by_its_timeout(dap: DapClient, tmp_path: Path) -> None:
    nodes = (
        '{"id": "a", "op": "const", "value": 1},'
        '{"id": "b", "op": "delay", "inputs": ["a"], "value": 5},'
        '{"id": "p", "op": "print", "inputs": ["b"]}'
    )
    _launch_with_timeout(dap, tmp_path, nodes, 0.5)
    stderr = dap.event("output", where=lambda body: body.get("category") == "stderr")
    assert "time limit" in stderr["output"]
    dap.finish(3)


def test_a_timeout_longer_than_the_system_can_count_runs_the_program(
    dap: DapClient, tmp_path: Path
) -> None:
    """1e300 seconds is a positive number: the CPU limit is set to the longest one the system
    takes, not refused with an OverflowError that failed the run."""
    nodes = '{"id": "a", "op": "const", "value": "hi"}, {"id": "p", "op": "print", "inputs": ["a"]}'
    _launch_with_timeout(dap, tmp_path, nodes, 1e300)
    dap.finish(0)
    assert dap.output() == "hi\n"


def test_no_debug_runs_without_stopping(dap: DapClient) -> None:
    dap.start("calls.lexis.json", {7: None}, noDebug=True, stopOnEntry=True)
    dap.finish(0)
    assert dap.output() == "once=10 total=12\n"
    assert not [m for m in dap.messages if m.get("event") == "stopped"]


def test_stdin_and_params_reach_the_program(dap: DapClient, tmp_path: Path) -> None:
    program = tmp_path / "echo.lexis.json"
    program.write_text(
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "IO_STDIN"],'
        ' "nodes": [{"id": "line", "op": "read_stdin"}, {"id": "who", "op": "param",'
        ' "value": "who"}, {"id": "msg", "op": "format", "inputs": ["who", "line"],'
        ' "value": "{}: {}"}, {"id": "p", "op": "print", "inputs": ["msg"]}]}',
        encoding="utf-8",
    )
    _initialize(dap)
    dap.request(
        "launch", {"program": str(program), "stdin": "first\nsecond\n", "params": {"who": "me"}}
    )
    dap.request("configurationDone")
    dap.finish(0)
    assert dap.output() == "me: first\n"


def test_closing_the_input_ends_the_adapter(dap: DapClient) -> None:
    dap.start("calls.lexis.json", stopOnEntry=True)
    dap.stopped("entry")
    assert dap.proc.stdin is not None
    dap.proc.stdin.close()
    assert dap.proc.wait(10) == 0


def test_lexis_ls_dap_starts_the_adapter() -> None:
    """`lexis-ls dap` (the entry point editors are configured with) is the same adapter."""
    body = json.dumps({"seq": 1, "type": "request", "command": "initialize", "arguments": {}})
    done = subprocess.run(
        [sys.executable, "-m", "lexis_ls", "dap"],
        input=f"Content-Length: {len(body)}\r\n\r\n{body}".encode(),
        capture_output=True,
        timeout=30,
    )
    head, _, rest = done.stdout.partition(b"\r\n\r\n")
    length = int(head.split(b":")[1])
    answer = json.loads(rest[:length])
    assert (answer["command"], answer["success"]) == ("initialize", True)
    assert answer["body"]["supportsConfigurationDoneRequest"] is True
    assert done.returncode == 0
