"""Regressions from the debug adapter fuzzer (tests/fuzz/dap_fuzz.py), over real pipes."""

from __future__ import annotations

import json
from pathlib import Path

from dap_support import FIXTURES, DapClient


def _initialize(dap: DapClient) -> None:
    dap.request("initialize", {"adapterID": "lexis"})
    dap.event("initialized")


def _no_traceback(dap: DapClient) -> None:
    assert "Traceback" not in "".join(dap.stderr)


def test_a_content_length_beyond_the_limit_does_not_stop_the_adapter(dap: DapClient) -> None:
    dap.write_raw(b"Content-Length: 99999999999999999999999\r\n\r\n")
    dap.write_raw(b"Content-Length: 5\r\n\r\n" + b'{"seq": 1, "type": "request"}')
    dap.write_raw(b"x" * 200_000 + b"\r\n\r\n")  # a long junk line
    dap.seq = 10
    assert dap.request("threads", {})["threads"][0]["id"] == 1
    dap.disconnect()
    _no_traceback(dap)


def test_paths_the_file_system_cannot_take_are_refused_clearly(dap: DapClient) -> None:
    _initialize(dap)
    for program, words in (
        ("a\x00b.lexis.json", "NUL"),
        ("\ud800.lexis.json", "cannot be encoded"),
        ("/dev/zero", "not a regular file"),
    ):
        message = dap.error("launch", {"program": program})["message"]
        assert words in message and "internal error" not in message, message
    message = dap.error(
        "launch", {"program": str(FIXTURES / "calls.lexis.json"), "fsRoot": "a\x00"}
    )["message"]
    assert "NUL" in message
    body = dap.request(
        "setBreakpoints", {"source": {"path": "/dev/zero"}, "breakpoints": [{"line": 1}]}
    )
    assert "not a regular file" in body["breakpoints"][0]["message"]
    assert (
        "NUL" in dap.error("setBreakpoints", {"source": {"path": "x\x00"}, "lines": [1]})["message"]
    )
    dap.disconnect()
    _no_traceback(dap)


def test_stack_trace_arguments_of_the_wrong_type_are_errors(dap: DapClient) -> None:
    dap.start("calls.lexis.json", stopOnEntry=True)
    dap.stopped("entry")
    for args in ({"startFrame": "a"}, {"levels": "x"}, {"startFrame": 2.5}, {"levels": -3}):
        message = dap.error("stackTrace", {"threadId": 1, **args})["message"]
        assert "must be a non-negative integer" in message
    assert dap.stack()[0]["name"] == "main"
    dap.request("continue", {"threadId": 1})
    dap.finish(0)
    _no_traceback(dap)


def test_disconnect_with_arguments_that_are_not_an_object_still_disconnects(dap: DapClient) -> None:
    _initialize(dap)
    assert dap.request_raw("disconnect", "x")["success"] is True
    assert dap.proc.wait(15) == 0


def test_a_program_with_a_lone_surrogate_is_refused_with_lx0008(
    dap: DapClient, tmp_path: Path
) -> None:
    program = tmp_path / "lone.lexis.json"
    program.write_text(
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"], "nodes": [\n'
        '  {"id": "s", "op": "const", "value": "a\\ud800b"},\n'
        '  {"id": "p", "op": "print", "inputs": ["s"]}\n]}\n',
        encoding="utf-8",
    )
    _initialize(dap)
    response = dap.error("launch", {"program": str(program)})
    assert "LX0008 at line 2" in response["message"]
    assert "lone surrogate" in response["body"]["error"]["format"]
    dap.disconnect()
    _no_traceback(dap)


def test_values_with_lone_surrogates_made_at_run_time_reach_the_client(dap: DapClient) -> None:
    # `param` passes a lone surrogate in; printing it and showing it must not break the frames.
    dap.start("errors.lexis.json", breakpoints={8: None}, params={"divisor": "\ud800x"})
    dap.stopped("breakpoint")
    assert dap.request("evaluate", {"expression": "raw"})["result"] == '"\ud800x"'
    assert dap.variables(dap.stack()[0]["id"], "Node values")["raw"] == '"\ud800x"'
    message = dap.error("evaluate", {"expression": "\ud800"})["message"]
    assert "\ud800" in message
    dap.request("continue", {"threadId": 1})
    dap.finish(0)
    _no_traceback(dap)


def test_printed_lone_surrogates_arrive_as_escapes(dap: DapClient, tmp_path: Path) -> None:
    program = tmp_path / "echo.lexis.json"
    program.write_text(
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"], "nodes": [\n'
        '  {"id": "a", "op": "param", "value": "a"},\n'
        '  {"id": "p", "op": "print", "inputs": ["a"]}\n]}\n',
        encoding="utf-8",
    )
    _initialize(dap)
    dap.request("launch", {"program": str(program), "params": {"a": "x\udc80y"}})
    dap.request("configurationDone")
    dap.finish(0)
    assert dap.output() == "x\udc80y\n"
    _no_traceback(dap)


def test_a_long_chain_of_calls_stops_at_the_call_depth_limit(
    dap: DapClient, tmp_path: Path
) -> None:
    subgraphs = {
        "s0": {
            "nodes": [
                {"id": "x", "op": "input_port", "value": 0},
                {"id": "out", "op": "output_port", "inputs": ["x"], "value": 0},
            ]
        }
    }
    for k in range(1, 400):
        subgraphs[f"s{k}"] = {
            "nodes": [
                {"id": "x", "op": "input_port", "value": 0},
                {"id": "c", "op": "subgraph_call", "inputs": ["x"], "value": f"s{k - 1}"},
                {"id": "out", "op": "output_port", "inputs": ["c"], "value": 0},
            ]
        }
    doc = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE"],
        "nodes": [
            {"id": "one", "op": "const", "value": 1},
            {"id": "r", "op": "subgraph_call", "inputs": ["one"], "value": "s399"},
        ],
        "subgraphs": subgraphs,
    }
    program = tmp_path / "deep.lexis.json"
    program.write_text(json.dumps(doc), encoding="utf-8")
    _initialize(dap)
    dap.request("launch", {"program": str(program)})
    dap.request("configurationDone")
    dap.finish(3)
    _no_traceback(dap)


def test_stack_frame_lines_follow_lsp_line_breaks(dap: DapClient, tmp_path: Path) -> None:
    # U+2028, U+2029, U+0085 (and the control characters str.splitlines also breaks at) do not
    # end a line for LSP; the frame line of `p` is the fourth line, as an editor counts it.
    text = (
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"], "nodes": [\n'
        '  {"id": "s", "op": "const", "value": "a\u2028b\u0085c\u2029d\\u000be"},\n'
        '  {"id": "n", "op": "length", "inputs": ["s"]},\n'
        '  {"id": "p", "op": "print", "inputs": ["n"]}\n]}\n'
    )
    program = tmp_path / "breaks.lexis.json"
    program.write_text(text, encoding="utf-8")
    _initialize(dap)
    dap.request("launch", {"program": str(program)})
    body = dap.request(
        "setBreakpoints", {"source": {"path": str(program)}, "breakpoints": [{"line": 4}]}
    )
    assert body["breakpoints"][0]["verified"] is True
    assert body["breakpoints"][0]["line"] == 4
    dap.request("configurationDone")
    dap.stopped("breakpoint")
    top = dap.stack()[0]
    assert (top["line"], top["column"]) == (4, 10)  # the quote of "p"
    dap.request("continue", {"threadId": 1})
    dap.finish(0)
    _no_traceback(dap)
