"""Regressions from the interpreter fuzzer (tests/fuzz/interp_fuzz.py) and lone surrogates."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from lexis_ls.dap.protocol import encode
from lexis_ls.dap.render import short
from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.surrogates import has_lone_surrogate, text_has_lone_surrogate
from lexis_ls.run.builtins import BUILTINS
from lexis_ls.run.core import SimpleCall, head
from lexis_ls.run.evaluator import RunOptions, run_text
from lexis_ls.run.host import HostOptions
from lexis_ls.run.worker import VALUE_LIMIT, encode_result, value_text


def program(
    nodes: list[dict[str, Any]], subgraphs: dict[str, Any] | None = None, **top: Any
) -> str:
    doc: dict[str, Any] = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_READ", "FS_WRITE"],
        "nodes": nodes,
        **top,
    }
    if subgraphs:
        doc["subgraphs"] = {k: {"nodes": v} for k, v in subgraphs.items()}
    return json.dumps(doc)  # ASCII: lone surrogates stay escapes


def chain(depth: int) -> str:
    subgraphs = {
        "s0": [
            {"id": "x", "op": "input_port", "value": 0},
            {"id": "out", "op": "output_port", "inputs": ["x"], "value": 0},
        ]
    }
    for k in range(1, depth):
        subgraphs[f"s{k}"] = [
            {"id": "x", "op": "input_port", "value": 0},
            {"id": "c", "op": "subgraph_call", "inputs": ["x"], "value": f"s{k - 1}"},
            {"id": "out", "op": "output_port", "inputs": ["c"], "value": 0},
        ]
    nodes = [
        {"id": "one", "op": "const", "value": 1},
        {"id": "r", "op": "subgraph_call", "inputs": ["one"], "value": f"s{depth - 1}"},
    ]
    return program(nodes, subgraphs)


# --- lone surrogates: no hash, refused, never an exception ------------------------------------

SURROGATE_PLACES = {
    "value": program([{"id": "a", "op": "const", "value": "a\ud800"}]),
    "nested": program([{"id": "a", "op": "const", "value": {"k": [1, "\udfff"]}}]),
    "key": program([{"id": "a", "op": "const", "value": {"\udc00": 1}}]),
    "doc": program([{"id": "a", "op": "const", "value": 1, "doc": "\ud83d"}]),
    "spec": program([{"id": "a", "op": "const", "value": 1}], spec="lexis-0.1.0\ud800"),
    "capability": program(
        [{"id": "a", "op": "const", "value": 1}], capabilities=["PURE_COMPUTE", "\ud800"]
    ),
    "domain": program([{"id": "a", "op": "const", "value": 1}], allowed_domains=["\ude00.com"]),
    "description": program([{"id": "a", "op": "const", "value": 1}], description="\ud800"),
    "op": program([{"id": "a", "op": "const\ud800", "value": 1}]),
    "subgraph": program(
        [
            {"id": "a", "op": "const", "value": 1},
            {"id": "c", "op": "subgraph_call", "inputs": ["a"], "value": "g"},
        ],
        {
            "g": [
                {"id": "x", "op": "input_port", "value": 0},
                {"id": "k", "op": "const", "value": "\ud800"},
                {"id": "out", "op": "output_port", "inputs": ["k"], "value": 0},
            ]
        },
    ),
}


@pytest.mark.parametrize("where", sorted(SURROGATE_PLACES))
def test_a_lone_surrogate_anywhere_means_no_hash_and_no_run(where: str) -> None:
    text = SURROGATE_PLACES[where]
    assert text_has_lone_surrogate(text)
    analysis = analyze(text)
    assert any(d.code == "LX0008" for d in analysis.diagnostics)
    assert analysis.hasher.program_hash() is None
    for graph in analysis.program.graphs:
        analysis.hasher.subgraph_hash(graph)  # never raises
        for node in graph.nodes:
            analysis.hasher.node_hash(node)
    result = run_text(text)
    assert result.status == "refused" and result.program_hash is None


def test_the_node_holding_a_lone_surrogate_has_no_hash_the_others_keep_theirs() -> None:
    text = program(
        [
            {"id": "a", "op": "const", "value": 1, "doc": "\ud800"},
            {"id": "b", "op": "const", "value": 1},
        ]
    )
    analysis = analyze(text)
    a, b = analysis.program.main.nodes
    assert analysis.hasher.node_hash(a) is None
    assert analysis.hasher.node_hash(b) == (
        "dd625f0b29cdd887341b1e126569d49deea81b8290bfed6fc2d7f3581fb8fe41"
    )


def test_paired_surrogate_escapes_are_not_lone() -> None:
    text = program([{"id": "a", "op": "const", "value": "\U0001f600"}])
    assert "\\ud83d\\ude00" in text
    assert not text_has_lone_surrogate(text)
    assert analyze(text).hasher.program_hash() is not None
    assert has_lone_surrogate({"k": ["\ud800"]}) and not has_lone_surrogate({"k": ["\U0001f600"]})


def test_run_time_lone_surrogates_print_and_encode() -> None:
    text = program(
        [
            {"id": "p", "op": "param", "value": "p"},
            {"id": "u", "op": "upper", "inputs": ["p"]},
            {"id": "e", "op": "const", "value": ""},
            {"id": "cs", "op": "split", "inputs": ["p", "e"]},
            {"id": "r", "op": "reverse", "inputs": ["p"]},
            {"id": "out", "op": "print", "inputs": ["cs"]},
            {"id": "out2", "op": "print", "inputs": ["u"]},
        ]
    )
    echoed: list[str] = []
    result = run_text(
        text, RunOptions(host=HostOptions(params={"p": "a\ud800b"}, echo=echoed.append))
    )
    assert result.status == "ok"
    assert result.output == '["a","\ud800","b"]\nA\ud800B\n'
    for chunk in echoed:  # the debug adapter's output event
        frame = encode({"type": "event", "event": "output", "body": {"output": chunk}})
        assert json.loads(frame)["body"]["output"] == chunk
    assert json.loads(json.dumps(encode_result(result)))["values"]["r"] == "b\ud800a"
    assert short(result.values["u"]) == '"A\ud800B"'


def test_a_file_path_with_a_lone_surrogate_is_an_error_value(tmp_path: Path) -> None:
    text = program(
        [
            {"id": "p", "op": "param", "value": "p"},
            {"id": "c", "op": "const", "value": "x"},
            {"id": "w", "op": "write_file", "inputs": ["p", "c"]},
            {"id": "r", "op": "read_file", "inputs": ["p"]},
        ]
    )
    result = run_text(
        text,
        RunOptions(host=HostOptions(params={"p": "f\ud800.txt"}, program_dir=tmp_path)),
    )
    assert result.status == "ok"
    for nid in ("w", "r"):
        assert "lone surrogate" in result.values[nid].message
        assert "\\ud800" in result.values[nid].message  # escaped: the message itself encodes
    assert list(tmp_path.iterdir()) == []


# --- deep calls, deep values, big values ------------------------------------------------------


@pytest.mark.parametrize("depth", [200, 201, 600, 3000])
def test_long_call_chains_stop_at_the_call_depth_limit(depth: int) -> None:
    text = chain(depth)
    analysis = analyze(text)
    assert analysis.hasher.program_hash() is not None  # hashing does not recurse per call
    result = run_text(text)
    if depth <= 200:
        assert result.status == "ok" and result.values["r"] == 1
    else:
        assert result.status == "stopped" and "call depth 200" in (result.reason or "")


def test_printing_a_deeply_nested_value_is_an_error_value_not_a_crash() -> None:
    # `iterate` wraps a value in a list 5000 times: printing it would recurse 5000 deep.
    step = [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "y", "op": "sequence", "inputs": ["x"]},
        {"id": "f", "op": "const", "value": False},
        {"id": "l", "op": "sequence", "inputs": ["y", "f"]},
        {"id": "out", "op": "output_port", "inputs": ["l"], "value": 0},
    ]
    text = program(
        [
            {"id": "one", "op": "const", "value": 1},
            {"id": "n", "op": "const", "value": 5000},
            {"id": "d", "op": "iterate", "inputs": ["one", "n"], "value": "wrap"},
            {"id": "p", "op": "print", "inputs": ["d"]},
        ],
        {"wrap": step},
    )
    result = run_text(text)
    assert result.status == "ok"
    for nid in ("d", "p"):  # too deep to cache a call with it, or to print it
        assert "nested too deeply" in result.values[nid].message
    json.dumps(encode_result(result))
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    # A preview looks at the start only: 300 characters are not too deep, 2000 are.
    assert short(deep) == "[" * 299 + "…"
    assert value_text(deep) == "<a value nested too deeply to show>"


def test_previews_of_huge_values_cost_what_they_show() -> None:
    big = list(range(5_000_000))
    started = time.perf_counter()
    text = value_text([big, "x" * 10_000_000, {"k": big}])
    assert time.perf_counter() - started < 0.5
    assert len(text) == VALUE_LIMIT and text.startswith("[[0,1,2,") and text.endswith("…")
    assert short(big).startswith("[0, 1, 2, ") and len(short(big)) == 300
    values = [[1, "abc", {"k": [2.5, None]}], "s" * 50, {"a": list(range(100))}]
    for value in values:
        for limit in (1, 3, 10, 2000):
            assert value_text(head(value, limit), limit) == value_text(value, limit)


def test_assert_with_an_empty_label_says_assertion_failed() -> None:
    result = BUILTINS["assert"](SimpleCall(value=""), [False, 1])
    assert result.message == "assertion failed"


def test_previews_of_wide_nested_values_are_bounded_too() -> None:
    wide: Any = "x"
    for _ in range(5):
        wide = [wide] * 40  # 40 ** 5 leaves
    started = time.perf_counter()
    assert short(wide).startswith('[[[[["x", "x"') and value_text(wide).startswith('[[[[["x","x"')
    assert time.perf_counter() - started < 0.5
    nested = [[1, 22, [333, "abcd", {"kk": [4444] * 50}]] * 20, "tail" * 100]
    for limit in (1, 2, 5, 17, 60, 300, 2000):
        assert value_text(head(nested, limit), limit) == value_text(nested, limit)
        assert short(nested, limit) == short(head(nested, limit), limit)


def test_composing_a_function_with_itself_keeps_its_name_short() -> None:
    nodes: list[dict[str, Any]] = [{"id": "f0", "op": "subgraph_def", "value": "std:increment"}]
    for k in range(1, 40):
        nodes.append({"id": f"f{k}", "op": "compose", "inputs": [f"f{k - 1}", f"f{k - 1}"]})
    result = run_text(program(nodes))
    assert result.status == "ok"
    assert result.values["f1"].name == "std:increment∘std:increment"
    assert all(len(result.values[f"f{k}"].name or "") <= 200 for k in range(40))
    assert short(result.values["f39"]).startswith("<func ")


def test_unique_over_a_huge_list_stops_at_the_time_limit() -> None:
    nodes: list[dict[str, Any]] = [{"id": "d0", "op": "const", "value": [{"k": "v"}, {"k": 1}]}]
    for k in range(1, 23):
        nodes.append({"id": f"s{k}", "op": "sequence", "inputs": [f"d{k - 1}", f"d{k - 1}"]})
        nodes.append({"id": f"d{k}", "op": "flatten", "inputs": [f"s{k}"]})
    nodes.append({"id": "u", "op": "unique", "inputs": ["d22"]})
    started = time.monotonic()
    result = run_text(program(nodes), RunOptions(host=HostOptions(timeout=0.5)))
    assert time.monotonic() - started < 3.0
    assert result.status == "stopped" and "time limit" in (result.reason or "")
