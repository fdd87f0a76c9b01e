"""Issue 14 item 2: resource bombs end as error values or limit stops, in time, in bounded memory.

A bomb is a small program whose values are huge when expanded: lists that hold the previous
list ten times (shared structure: a few KB of program, 10^12 elements when printed or compared),
strings doubled by `concat`, lists nested thousands deep by `iterate`, lists flattened out of
shared parts. The interpreter measures every value's expanded size and depth as it is made
(``MAX_VALUE_SIZE`` elements and characters, ``MAX_VALUE_DEPTH`` levels: over them the node's
value is an error value), builtins that walk or build values work within those limits and check
the run's deadline as they go, and so every bomb here ends within its time limit + 1 s with an
error value or a limit stop, never an exception.

Each bomb runs in a child process under ``RLIMIT_AS`` (1.5 GiB), so a regression fails with a
``MemoryError`` in the child instead of swapping the machine running the tests.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from typing import Any

import pytest

MEMORY_CAP = 3 * 1024**3 // 2  # 1.5 GiB of address space for each bomb's child process
TIMEOUT = 1.5  # the run's time limit

# The child: runs the program given on stdin through the Evaluator API and reports, as JSON,
# how the run ended, how long it took and, for every node, its error message or its type.
CHILD = r"""
import json, sys, time
from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.values import ErrorValue, type_name
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.host import HostOptions

job = json.load(sys.stdin)
analysis = analyze(job["text"])
options = RunOptions(host=HostOptions(timeout=job["timeout"], params=job["params"]))
started = time.monotonic()
result = Evaluator(analysis, options).run()
elapsed = time.monotonic() - started
values = {
    k: ("error: " + v.message) if isinstance(v, ErrorValue) else type_name(v)
    for k, v in result.values.items()
}
json.dump(
    {
        "status": result.status,
        "reason": result.reason,
        "elapsed": elapsed,
        "values": values,
        "output": len(result.output),
    },
    sys.stdout,
)
"""


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_bomb(
    nodes: list[dict[str, Any]],
    subgraphs: dict[str, list[dict[str, Any]]] | None = None,
    timeout: float = TIMEOUT,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
        "nodes": nodes,
    }
    if subgraphs:
        doc["subgraphs"] = {k: {"nodes": v} for k, v in subgraphs.items()}
    text = json.dumps(doc)
    assert len(text) < 10_000  # a small program
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps({"text": text, "timeout": timeout, "params": params or {}}),
        capture_output=True,
        text=True,
        timeout=timeout + 60,
        preexec_fn=_cap_memory,
    )
    assert "MemoryError" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    report: dict[str, Any] = json.loads(proc.stdout)
    assert report["elapsed"] < timeout + 1.0, report
    if report["status"] == "stopped":
        assert "limit" in (report["reason"] or ""), report
    else:
        assert report["status"] == "ok", report
    return report


def ended_by_a_limit(report: dict[str, Any], node: str) -> bool:
    """The run stopped at a limit, or ``node``'s value is an error value."""
    if report["status"] == "stopped":
        return True
    return str(report["values"].get(node, "")).startswith("error: ")


def repeated(levels: int, width: int = 10, prefix: str = "s", leaf: str = "xy") -> list[Any]:
    """``s0`` = the parameter ``leaf`` (a parameter, so that the static checks cannot fold the
    bomb: they are not what is tested here); ``s{k}`` = a list of ``width`` times ``s{k-1}``."""
    nodes: list[dict[str, Any]] = [{"id": f"{prefix}0", "op": "param", "value": leaf}]
    for k in range(1, levels + 1):
        nodes.append(
            {"id": f"{prefix}{k}", "op": "sequence", "inputs": [f"{prefix}{k - 1}"] * width}
        )
    return nodes


IDENTITY = {
    "ident": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "out", "op": "output_port", "inputs": ["x"], "value": 0},
    ]
}


def consumer(kind: str, a: str, b: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The node ``c`` that walks ``a`` (and ``b``) in the way named by ``kind``."""
    if kind == "eq":
        return [{"id": "c", "op": "eq", "inputs": [a, b]}], None
    if kind == "to_str":
        return [{"id": "c", "op": "to_str", "inputs": [a]}], None
    if kind == "print":
        return [{"id": "c", "op": "print", "inputs": [a]}], None
    if kind == "unique":
        return [
            {"id": "l", "op": "sequence", "inputs": [a, b, a]},
            {"id": "c", "op": "unique", "inputs": ["l"]},
        ], None
    if kind == "call":  # a pure subgraph call: the call cache would hash the argument
        return [{"id": "c", "op": "subgraph_call", "inputs": [a], "value": "ident"}], IDENTITY
    if kind == "contains":
        return [
            {"id": "l", "op": "sequence", "inputs": [a, a]},
            {"id": "c", "op": "contains", "inputs": ["l", b]},
        ], None
    if kind == "concat":
        return [{"id": "c", "op": "concat", "inputs": [a, b]}], None
    if kind == "format":
        return [{"id": "c", "op": "format", "inputs": [a], "value": "<{}>"}], None
    if kind == "flatten":
        return [{"id": "c", "op": "flatten", "inputs": [a]}], None
    raise AssertionError(kind)


CONSUMERS = ["eq", "to_str", "print", "unique", "call", "contains", "concat", "format", "flatten"]


@pytest.mark.parametrize("kind", CONSUMERS)
def test_a_dozen_levels_of_repeated_lists_become_an_error_value(kind: str) -> None:
    # 10^12 elements once expanded: the first level over the size limit is an error value,
    # and every node after it gets that error value instead of walking anything.
    extra, subgraphs = consumer(kind, "s12", "t12")
    report = run_bomb(
        repeated(12) + repeated(12, prefix="t") + extra, subgraphs, params={"xy": "xy"}
    )
    assert report["status"] == "ok"
    assert report["values"]["s6"] == "SEQ"  # 10^6 * 2 characters and 10^6 lists: fine
    message = report["values"]["s8"]
    assert message.startswith("error: sequence: the value is too large"), message
    assert "(the limit is 20,000,000)" in message
    assert report["values"]["c"] == message  # propagated, not recomputed
    assert report["elapsed"] < 1.0


@pytest.mark.parametrize("kind", CONSUMERS)
def test_repeated_lists_just_under_the_size_limit_are_walked_within_the_limits(kind: str) -> None:
    # Seven levels of ten: 10^7 leaves of two characters, about 21 million units when expanded
    # from a few KB in memory; with "x" leaves, 11.1 million: under the limit, so the consumers
    # themselves must stay within the time, output and text limits (or finish fast, sharing).
    # (`unique` and `contains` put their inputs in a list first: one level less there.)
    a, b = ("s6", "t6") if kind in ("unique", "contains") else ("s7", "t7")
    extra, subgraphs = consumer(kind, a, b)
    report = run_bomb(
        repeated(7, leaf="x") + repeated(7, prefix="t", leaf="x") + extra,
        subgraphs,
        params={"x": "x"},
    )
    assert report["values"].get("s7") == "SEQ" or report["status"] == "stopped"
    if kind in ("eq", "unique", "call", "contains", "flatten"):  # shared parts: walked once
        assert report["status"] == "ok" and report["elapsed"] < 1.0, report
        assert not report["values"]["c"].startswith("error"), report
    elif kind == "print":  # the output limit (1,000,000 characters) stops the run at once
        assert report["status"] == "stopped" and "output limit" in report["reason"], report
        assert report["output"] == 0 and report["elapsed"] < 1.0
    else:
        assert ended_by_a_limit(report, "c"), report


def test_concat_of_copies_of_a_long_string_stops_before_building_it() -> None:
    nodes: list[dict[str, Any]] = [{"id": "c0", "op": "param", "value": "s"}]
    for k in range(1, 25):  # doubling: 16 million characters at c14, 16 billion at c24
        nodes.append({"id": f"c{k}", "op": "concat", "inputs": [f"c{k - 1}", f"c{k - 1}"]})
    nodes.append({"id": "wide", "op": "concat", "inputs": ["c13"] * 100})  # 819 million
    nodes.append({"id": "up", "op": "upper", "inputs": ["c14"]})
    nodes.append({"id": "rep", "op": "replace", "inputs": ["c14", "c0", "c1"]})
    report = run_bomb(nodes, params={"s": "x" * 1000})
    assert report["status"] == "ok"
    assert report["values"]["c14"] == "STR"
    for nid in ("c15", "c24", "wide"):
        assert report["values"][nid].startswith("error: concat: the text would be longer than")
    assert report["values"]["up"] == "STR"
    assert report["values"]["rep"].startswith("error: replace:")
    assert report["elapsed"] < 1.0


def test_format_and_to_str_of_a_long_text_are_error_values() -> None:
    # Quotes: each is two characters in the JSON text of a list (8 million characters, 16
    # million in a list of two: under the size limit, but its text is 32 million).
    nodes: list[dict[str, Any]] = [{"id": "c0", "op": "param", "value": "q"}]
    for k in range(1, 15):
        nodes.append({"id": f"c{k}", "op": "concat", "inputs": [f"c{k - 1}", f"c{k - 1}"]})
    nodes += [
        {"id": "f", "op": "format", "inputs": ["c14", "c14"], "value": "{}{}"},
        {"id": "l", "op": "sequence", "inputs": ["c13", "c13"]},
        {"id": "t", "op": "to_str", "inputs": ["l"]},
    ]
    report = run_bomb(nodes, params={"q": '"' * 1000})
    assert report["values"]["l"] == "SEQ"
    assert report["values"]["f"].startswith("error: format: the text would be longer")
    assert report["values"]["t"].startswith("error: to_str: the text would be longer")


DEEP_STEP = {
    "wrap": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "y", "op": "sequence", "inputs": ["x"]},
        {"id": "f", "op": "const", "value": False},
        {"id": "l", "op": "sequence", "inputs": ["y", "f"]},
        {"id": "out", "op": "output_port", "inputs": ["l"], "value": 0},
    ]
}


@pytest.mark.parametrize("then", ["print", "to_str", "eq", "unique", "call"])
def test_deep_nesting_through_iterate_hits_the_depth_limit(then: str) -> None:
    extra, subgraphs = consumer(then, "d", "d")
    nodes = [
        {"id": "one", "op": "const", "value": 1},
        {"id": "n", "op": "const", "value": 100_000},
        {"id": "d", "op": "iterate", "inputs": ["one", "n"], "value": "wrap"},
        *extra,
    ]
    report = run_bomb(nodes, {**DEEP_STEP, **(subgraphs or {})})
    assert report["status"] == "ok"
    message = report["values"]["d"]
    assert message.startswith("error: iterate: step 199: sequence: the value is nested too deeply")
    assert "the limit is 200" in message
    assert report["values"]["c"] == message
    assert report["elapsed"] < 1.0


def test_nesting_up_to_the_depth_limit_still_works() -> None:
    nodes = [
        {"id": "one", "op": "const", "value": 1},
        {"id": "n", "op": "const", "value": 199},
        {"id": "d", "op": "iterate", "inputs": ["one", "n"], "value": "wrap"},
        {"id": "p", "op": "print", "inputs": ["d"]},
        {"id": "e", "op": "eq", "inputs": ["d", "d"]},
        {"id": "c", "op": "subgraph_call", "inputs": ["d"], "value": "ident"},
    ]
    report = run_bomb(nodes, {**DEEP_STEP, **IDENTITY})
    assert report["status"] == "ok"
    assert report["values"] == {
        "one": "NUM",
        "n": "NUM",
        "d": "SEQ",
        "p": "SEQ",
        "e": "BOOL",
        "c": "SEQ",
    }
    assert report["output"] == 2 * 199 + 2  # "[[[...1...]]]" and a newline


def test_huge_ranges_and_repeats_are_error_values() -> None:
    big_range = {
        "big": [
            {"id": "x", "op": "input_port", "value": 0},
            {"id": "r", "op": "const", "value": list(range(0, 1000))},
            {"id": "out", "op": "output_port", "inputs": ["r"], "value": 0},
        ]
    }
    nodes: list[dict[str, Any]] = [
        {"id": "z", "op": "const", "value": 0},
        {"id": "huge", "op": "const", "value": 10**12},
        {"id": "r0", "op": "range", "inputs": ["z", "huge"]},  # over the range limit
        {"id": "ten", "op": "const", "value": 10_000},
        {"id": "r", "op": "range", "inputs": ["z", "ten"]},
        # 10,000 times the same 1,000 numbers: 10 million, then ten times that
        {"id": "m", "op": "map", "inputs": ["r"], "value": "big"},
        {"id": "m2", "op": "sequence", "inputs": ["m"] * 10},
        # flattening shared lists builds real lists: 10^5, 10^6, 10^7, then 10^8 refused
        {"id": "f1", "op": "sequence", "inputs": ["r"] * 10},
        {"id": "g1", "op": "flatten", "inputs": ["f1"]},
        {"id": "f2", "op": "sequence", "inputs": ["g1"] * 10},
        {"id": "g2", "op": "flatten", "inputs": ["f2"]},
        {"id": "f3", "op": "sequence", "inputs": ["g2"] * 10},
        {"id": "g3", "op": "flatten", "inputs": ["f3"]},
        {"id": "f4", "op": "sequence", "inputs": ["g3"] * 10},
        {"id": "g4", "op": "flatten", "inputs": ["f4"]},
    ]
    report = run_bomb(nodes, big_range, timeout=5.0)
    values = report["values"]
    assert report["status"] == "ok", report
    assert values["r0"].startswith("error: range(")
    assert values["m"] == "SEQ"
    assert values["m2"].startswith("error: sequence: the value is too large")
    assert values["g3"] == "SEQ"
    assert values["f4"].startswith("error: sequence: the value is too large")
    assert values["g4"] == values["f4"]


@pytest.mark.parametrize("op", ["sort", "unique", "enumerate", "to_str", "reverse"])
def test_builtins_over_ten_million_elements_stop_at_the_time_limit(op: str) -> None:
    # A real list of ten million numbers (80 MB): each op either finishes or the run stops at
    # its time limit while the op works, not seconds later.
    nodes: list[dict[str, Any]] = [
        {"id": "z", "op": "const", "value": 0},
        {"id": "ten", "op": "const", "value": 10_000},
        {"id": "r", "op": "range", "inputs": ["ten", "z"]},
        {"id": "f1", "op": "sequence", "inputs": ["r"] * 10},
        {"id": "g1", "op": "flatten", "inputs": ["f1"]},
        {"id": "f2", "op": "sequence", "inputs": ["g1"] * 10},
        {"id": "g2", "op": "flatten", "inputs": ["f2"]},
        {"id": "f3", "op": "sequence", "inputs": ["g2"] * 10},
        {"id": "g3", "op": "flatten", "inputs": ["f3"]},
        {"id": "c", "op": op, "inputs": ["g3"]},
    ]
    report = run_bomb(nodes, timeout=1.0)
    if report["status"] == "ok":
        assert report["values"]["c"] in ("SEQ", "STR") or report["values"]["c"].startswith(
            "error: to_str: the text would be longer"
        )
    else:
        assert "time limit" in report["reason"], report


def test_measures_kept_as_upper_bounds_never_refuse_a_small_value() -> None:
    # `take` is bounded by its input's measure without a walk: 5 million for one element of a
    # big list. Lists of such parts add up past the limit only on paper: the value is then
    # measured exactly, and kept.
    from lexis_ls.run.evaluator import run_text

    first_twice = [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "one", "op": "const", "value": 1},
        {"id": "t", "op": "take", "inputs": ["x", "one"]},
        {"id": "l", "op": "sequence", "inputs": ["t", "t"]},
        {"id": "out", "op": "output_port", "inputs": ["l"], "value": 0},
    ]
    nodes: list[dict[str, Any]] = [
        {"id": "z", "op": "const", "value": 0},
        {"id": "ten", "op": "const", "value": 10_000},
        {"id": "one", "op": "const", "value": 1},
        {"id": "r", "op": "range", "inputs": ["z", "ten"]},
        {"id": "big", "op": "sequence", "inputs": ["r"] * 500},  # 5,000,501
        {"id": "t", "op": "take", "inputs": ["big", "one"]},
        {"id": "s", "op": "sequence", "inputs": ["t"] * 10},  # 50 million on paper
        {"id": "three", "op": "sequence", "inputs": ["big"] * 3},
        {"id": "m", "op": "map", "inputs": ["three"], "value": "first_twice"},
        {"id": "n", "op": "length", "inputs": ["m"]},
    ]
    doc = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE"],
        "nodes": nodes,
        "subgraphs": {"first_twice": {"nodes": first_twice}},
    }
    result = run_text(json.dumps(doc))
    assert result.status == "ok"
    assert len(result.values["s"]) == 10 and result.values["s"][0][0] is result.values["r"]
    assert result.values["n"] == 3
