"""The run worker as a subprocess: one JSON request on stdin, one JSON response on stdout;
runaway programs stopped, refused programs answered, error values rebuilt on the other side."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from helpers import SECTION1

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.values import ErrorValue
from lexis_ls.run.diagnostics import runtime_diagnostics
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.host import HostOptions
from lexis_ls.run.worker import (
    VALUE_LIMIT,
    decode_error,
    decode_result,
    encode_error,
    truncate,
)

DIVIDE = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "a", "op": "const", "value": 10},
    {"id": "d", "op": "param", "value": "divisor"},
    {"id": "n", "op": "to_num", "inputs": ["d"]},
    {"id": "q", "op": "div", "inputs": ["a", "n"]},
    {"id": "s", "op": "add", "inputs": ["q", "a"]},
    {"id": "out", "op": "print", "inputs": ["s"]}
  ]
}
"""


def program(nodes: list[dict[str, Any]], caps: list[str] | None = None, **extra: Any) -> str:
    doc: dict[str, Any] = {
        "spec": "lexis-0.1.0",
        "capabilities": caps if caps is not None else ["PURE_COMPUTE", "IO_STDOUT"],
        "nodes": nodes,
    }
    doc.update(extra)
    return json.dumps(doc, indent=1)


def request(text: str, tmp: Path, **fields: Any) -> dict[str, Any]:
    req: dict[str, Any] = {
        "text": text,
        "program_dir": str(tmp),
        "fs_root": None,
        "params": {},
        "stdin": None,
        "timeout": 10,
        "trust_ceiling": None,
    }
    req.update(fields)
    return req


def call(payload: str) -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.run.worker"],
        input=payload.encode("utf-8"),
        capture_output=True,
        timeout=60,
    )
    return proc.returncode, json.loads(proc.stdout), proc.stderr.decode("utf-8", "replace")


def work(req: dict[str, Any]) -> dict[str, Any]:
    code, response, stderr = call(json.dumps(req))
    assert code == 0, stderr
    return response


def test_a_run_answers_with_output_values_and_hash(tmp_path: Path) -> None:
    response = work(request(SECTION1, tmp_path))
    assert response["duration_ms"] >= 0
    del response["duration_ms"]
    assert response == {
        "status": "ok",
        "output": "8\n",
        "values": {"a": "5", "b": "3", "sum": "8", "out": "8"},
        "errors": {},
        "reason": None,
        "stopped_at": None,
        "stopped_main": None,
        "program_hash": "3ccd3d1fe8b17b530eceaa3441dc09065e1dbc83d2abd7e5aee143cea0fefca6",
    }


def test_params_and_stdin_reach_the_program(tmp_path: Path) -> None:
    text = program(
        [
            {"id": "who", "op": "param", "value": "name"},
            {"id": "line", "op": "read_stdin"},
            {"id": "msg", "op": "format", "inputs": ["who", "line"], "value": "{} says {}"},
            {"id": "out", "op": "print", "inputs": ["msg"]},
        ],
        ["PURE_COMPUTE", "IO_STDOUT", "IO_STDIN"],
    )
    response = work(request(text, tmp_path, params={"name": "Ada"}, stdin="hello\nworld\n"))
    assert response["status"] == "ok"
    assert response["output"] == "Ada says hello\n"
    assert response["values"]["line"] == "hello"


def test_error_values_are_sent_with_their_cause_chain(tmp_path: Path) -> None:
    text = program(
        [
            {"id": "zero", "op": "const", "value": 0},
            {"id": "r", "op": "subgraph_call", "inputs": ["zero"], "value": "inv"},
            {"id": "out", "op": "print", "inputs": ["r"]},
        ],
        subgraphs={
            "inv": {
                "nodes": [
                    {"id": "x", "op": "input_port", "value": 0},
                    {"id": "one", "op": "const", "value": 1},
                    {"id": "q", "op": "div", "inputs": ["one", "x"]},
                    {"id": "o", "op": "output_port", "inputs": ["q"], "value": 0},
                ]
            }
        },
    )
    response = work(request(text, tmp_path))
    inner = {"message": "division by zero: 1 / 0", "node": "q", "cause": None}
    assert response["errors"] == {
        "r": {"message": "division by zero: 1 / 0", "node": "r", "cause": inner},
        "out": {"message": "division by zero: 1 / 0", "node": "r", "cause": inner},
    }
    assert response["values"]["r"] == "Error: division by zero: 1 / 0 (at node r)"
    assert response["output"] == "Error: division by zero: 1 / 0 (at node r)\n"


def test_decoded_result_gives_the_same_runtime_diagnostics(tmp_path: Path) -> None:
    req = request(DIVIDE, tmp_path, params={"divisor": "0"})
    analysis = analyze(DIVIDE)
    rebuilt = decode_result(work(req), analysis.program)
    direct = Evaluator(
        analysis, RunOptions(host=HostOptions(params={"divisor": "0"}, program_dir=tmp_path))
    ).run()
    assert runtime_diagnostics(analysis, rebuilt) == runtime_diagnostics(analysis, direct)
    assert [(d.code, DIVIDE[d.start : d.end]) for d in runtime_diagnostics(analysis, rebuilt)] == [
        ("LX4001", '"q"'),
        ("LX4001", '"out"'),
    ]
    assert rebuilt.values["q"] == ErrorValue("division by zero: 10 / 0", "q")
    assert rebuilt.values["a"] == "10"


def test_a_runaway_program_is_stopped_at_the_running_node(tmp_path: Path) -> None:
    text = program(
        [
            {"id": "a", "op": "const", "value": 1},
            {"id": "wait", "op": "delay", "inputs": ["a"], "value": 60},
            {"id": "out", "op": "print", "inputs": ["wait"]},
        ]
    )
    started = time.monotonic()
    response = work(request(text, tmp_path, timeout=0.5))
    assert time.monotonic() - started < 20
    assert response["status"] == "stopped"
    assert response["reason"] == "time limit of 0.5 s reached during `delay`"
    assert response["stopped_at"] == "wait"
    assert response["stopped_main"] == {"index": 1, "id": "wait"}
    assert response["values"] == {"a": "1"}
    analysis = analyze(text)
    rebuilt = decode_result(response, analysis.program)
    assert rebuilt.stopped_main is analysis.program.main.nodes[1]
    found = runtime_diagnostics(analysis, rebuilt)
    assert [(d.code, text[d.start : d.end]) for d in found] == [("LX4002", '"wait"')]


def test_a_program_with_errors_is_refused(tmp_path: Path) -> None:
    text = SECTION1.replace('"op": "add"', '"op": "ADD"')
    response = work(request(text, tmp_path))
    assert response["status"] == "refused"
    assert response["reason"] == "the program has 1 error"
    assert response["values"] == {} and response["output"] == ""
    assert response["program_hash"] is None


def test_the_trust_ceiling_refuses_a_program(tmp_path: Path) -> None:
    text = program(
        [
            {"id": "p", "op": "const", "value": "x.txt"},
            {"id": "r", "op": "read_file", "inputs": ["p"]},
        ],
        ["PURE_COMPUTE", "FS_READ"],
    )
    response = work(request(text, tmp_path, trust_ceiling=1))
    assert response["status"] == "refused"
    assert response["reason"] == "the program needs trust level 2 (FS_READ) above the ceiling 1"


def test_files_are_confined_to_the_root(tmp_path: Path) -> None:
    (tmp_path / "inside.txt").write_text("in", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    text = program(
        [
            {"id": "p1", "op": "const", "value": "../inside.txt"},
            {"id": "r1", "op": "read_file", "inputs": ["p1"]},
            {"id": "p2", "op": "const", "value": "../../outside.txt"},
            {"id": "r2", "op": "read_file", "inputs": ["p2"]},
        ],
        ["PURE_COMPUTE", "FS_READ"],
    )
    response = work(request(text, sub, fs_root=str(tmp_path)))
    assert response["values"]["r1"] == "in"
    assert response["errors"]["r2"]["message"] == (
        f"`../../outside.txt` is outside the allowed folder {tmp_path.resolve()} "
        "(file access is confined to it)"
    )
    confined = work(request(text, sub))  # no fs_root: the program's folder
    assert "is outside the allowed folder" in confined["errors"]["r1"]["message"]


def test_lone_surrogates_survive_the_pipe(tmp_path: Path) -> None:
    text = program([{"id": "s", "op": "param", "value": "x"}])
    response = work(request(text, tmp_path, params={"x": "a\ud800b"}))
    assert response["values"] == {"s": "a\ud800b"}


def test_long_values_are_truncated(tmp_path: Path) -> None:
    text = program([{"id": "s", "op": "const", "value": "x" * (VALUE_LIMIT + 50)}])
    value = work(request(text, tmp_path))["values"]["s"]
    assert len(value) == VALUE_LIMIT and value.endswith("x…")


def test_bad_requests_are_answered_not_crashed(tmp_path: Path) -> None:
    assert call("not json")[:2] == (
        2,
        {"error": "bad request: Expecting value: line 1 column 1 (char 0)"},
    )
    assert call(json.dumps(request(SECTION1, tmp_path, timeout=0)))[:2] == (
        2,
        {"error": "bad request: `timeout` must be a positive number of seconds"},
    )
    assert call(json.dumps(request(SECTION1, tmp_path, params={"n": 1})))[:2] == (
        2,
        {"error": "bad request: `params` must map names to strings"},
    )
    assert call("[]")[:2] == (2, {"error": "bad request: the request must be a JSON object"})


def test_error_encoding_round_trips_and_tolerates_junk() -> None:
    error = ErrorValue("outer", "b", ErrorValue("inner", "a"))
    assert encode_error(error) == {
        "message": "outer",
        "node": "b",
        "cause": {"message": "inner", "node": "a", "cause": None},
    }
    assert decode_error(encode_error(error)) == error
    assert decode_error({"message": 3}) is None
    assert decode_error("x") is None
    assert decode_error({"message": "m", "node": None, "cause": {"node": 1}}) == ErrorValue("m")


def test_malformed_response_decodes_to_a_stopped_result() -> None:
    analysis = analyze(SECTION1)
    result = decode_result(
        {"status": "??", "values": [1], "stopped_main": {"index": 9}}, analysis.program
    )
    assert (result.status, result.values, result.stopped_main, result.output) == (
        "stopped",
        {},
        None,
        "",
    )


def test_truncate() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcd", 3) == "ab…"
