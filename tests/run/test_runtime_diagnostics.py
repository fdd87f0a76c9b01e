"""LX4001 and LX4002: run-time findings with exact codes and ranges."""

from __future__ import annotations

import json
from typing import Any

from lexis_ls.lang.analysis import analyze
from lexis_ls.run.diagnostics import runtime_diagnostics
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.host import HostOptions

PROGRAM = """{
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


def found(text: str, **host: Any) -> list[tuple[str, str, str]]:
    analysis = analyze(text)
    result = Evaluator(analysis, RunOptions(host=HostOptions(**host))).run()
    return [
        (d.code, text[d.start : d.end], d.message) for d in runtime_diagnostics(analysis, result)
    ]


def test_error_value_is_reported_at_its_origin_and_where_it_surfaces() -> None:
    diags = found(PROGRAM, params={"divisor": "0"})
    assert [(c, t) for c, t, _ in diags] == [("LX4001", '"q"'), ("LX4001", '"out"')]
    assert "division by zero" in diags[0][2].lower() or "zero" in diags[0][2]
    assert "received from `q`" in diags[1][2]
    analysis = analyze(PROGRAM)
    result = Evaluator(analysis, RunOptions(host=HostOptions(params={"divisor": "0"}))).run()
    sink = runtime_diagnostics(analysis, result)[1]
    assert [PROGRAM[r.start : r.end] for r in sink.related] == ['"q"']


def test_no_runtime_findings_for_a_clean_run() -> None:
    assert found(PROGRAM, params={"divisor": "5"}) == []


def test_stopped_run_is_reported_at_the_running_node() -> None:
    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
            "nodes": [
                {"id": "a", "op": "const", "value": 1},
                {"id": "wait", "op": "delay", "inputs": ["a"], "value": 5},
                {"id": "out", "op": "print", "inputs": ["wait"]},
            ],
        }
    )
    diags = found(text, timeout=0.2)
    assert [(c, t) for c, t, _ in diags] == [("LX4002", '"wait"')]
    assert "time limit of 0.2 s" in diags[0][2]


def test_stop_inside_a_subgraph_points_at_the_calling_main_node() -> None:
    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
            "nodes": [
                {"id": "a", "op": "const", "value": 1},
                {"id": "call", "op": "subgraph_call", "inputs": ["a"], "value": "slow"},
                {"id": "out", "op": "print", "inputs": ["call"]},
            ],
            "subgraphs": {
                "slow": {
                    "nodes": [
                        {"id": "x", "op": "input_port", "value": 0},
                        {"id": "w", "op": "delay", "inputs": ["x"], "value": 5},
                        {"id": "o", "op": "output_port", "inputs": ["w"], "value": 0},
                    ]
                }
            },
        }
    )
    diags = found(text, timeout=0.2)
    assert [(c, t) for c, t, _ in diags] == [("LX4002", '"call"')]
