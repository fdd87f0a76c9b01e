"""GraphData (lexis_ls/lang/graph.py): nodes, edges, compound subgraphs, call links,
diagnostics on their nodes, capability marks, legend, and traces from `--trace-json` data."""

from __future__ import annotations

import json
from typing import Any

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.graph import (
    CATEGORY_COLORS,
    display_value,
    graph_data,
    trace_data,
    values_trace,
)
from lexis_ls.lang.opcodes import CATEGORIES, OPCODES


def program(nodes: list[dict[str, Any]], **extra: Any) -> str:
    doc = {"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": nodes, **extra}
    return json.dumps(doc, indent=2)


def graph(text: str) -> dict[str, Any]:
    return graph_data(analyze(text), "p.lexis.json")


def by_key(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["key"]: n for n in data["nodes"]}


def edges(data: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["source"], e["target"], e["kind"]) for e in data["edges"]}


DOUBLE = {
    "double": {
        "nodes": [
            {"id": "x", "op": "input_port", "value": 0},
            {"id": "y", "op": "add", "inputs": ["x", "x"]},
            {"id": "out", "op": "output_port", "inputs": ["y"], "value": 0},
        ]
    }
}


def test_nodes_and_input_edges() -> None:
    text = program(
        [
            {"id": "a", "op": "const", "value": 1},
            {"id": "b", "op": "const", "value": 2},
            {"id": "s", "op": "add", "inputs": ["a", "b"]},
            {"id": "t", "op": "to_str", "inputs": ["s"]},
        ]
    )
    data = graph(text)
    nodes = by_key(data)
    assert list(nodes) == ["a", "b", "s", "t"]
    s = nodes["s"]
    assert (s["id"], s["op"], s["category"], s["parent"]) == ("s", "add", "arithmetic", None)
    assert s["inputs"] == ["a", "b"]
    assert s["capability"] is None and s["calls"] is None and s["diagnostics"] == []
    assert len(s["hash"]) == 64
    # the node object's range, and its id string's, in LSP positions (0-based lines)
    lines = text.splitlines()
    start, end = s["range"]["start"], s["range"]["end"]
    assert lines[start["line"]][start["character"]] == "{"
    assert lines[end["line"]][end["character"] - 1] == "}"
    assert lines[start["line"] + 1].strip() == '"id": "s",'
    rid = s["idRange"]
    assert lines[rid["start"]["line"]][rid["start"]["character"] : rid["end"]["character"]] == '"s"'
    assert edges(data) == {("a", "s", "input"), ("b", "s", "input"), ("s", "t", "input")}
    assert data["programHash"] is not None and data["diagnostics"] == []
    assert data["trace"] is None and data["version"] == 1 and data["file"] == "p.lexis.json"


def test_subgraphs_are_compound_nodes_and_calls_link_to_them() -> None:
    data = graph(
        program(
            [
                {"id": "a", "op": "const", "value": [1, 2]},
                {"id": "m", "op": "map", "inputs": ["a"], "value": "double"},
                {"id": "one", "op": "const", "value": 3},
                {"id": "c", "op": "subgraph_call", "inputs": ["one"], "value": "double"},
                {"id": "std", "op": "subgraph_call", "inputs": ["one"], "value": "std:abs"},
            ],
            subgraphs=DOUBLE,
        )
    )
    assert [(s["key"], s["name"]) for s in data["subgraphs"]] == [("sg:double", "double")]
    assert len(data["subgraphs"][0]["hash"]) == 64
    nodes = by_key(data)
    assert [k for k, n in nodes.items() if n["parent"] == "sg:double"] == [
        "double/x",
        "double/y",
        "double/out",
    ]
    assert nodes["double/y"]["id"] == "y"  # ids inside a subgraph are local to it
    assert nodes["m"]["calls"] == "double" and nodes["c"]["calls"] == "double"
    assert nodes["std"]["calls"] == "std:abs"  # no compound node for the standard library
    found = edges(data)
    assert ("m", "sg:double", "call") in found and ("c", "sg:double", "call") in found
    assert not [e for e in found if e[0] == "std" and e[2] == "call"]
    assert ("double/x", "double/y", "input") in found
    assert ("double/y", "double/out", "input") in found


def test_a_call_by_content_hash_links_to_the_subgraph() -> None:
    text = program([{"id": "one", "op": "const", "value": 3}], subgraphs=DOUBLE)
    digest = graph(text)["subgraphs"][0]["hash"]
    data = graph(
        program(
            [
                {"id": "one", "op": "const", "value": 3},
                {"id": "c", "op": "subgraph_call", "inputs": ["one"], "value": digest},
            ],
            subgraphs=DOUBLE,
        )
    )
    assert by_key(data)["c"]["calls"] == "double"
    assert ("c", "sg:double", "call") in edges(data)


def test_diagnostics_sit_on_the_node_whose_range_holds_them() -> None:
    data = graph(
        program(
            [
                {"id": "a", "op": "const", "value": 1},
                {"id": "s", "op": "add", "inputs": ["a", "nope"]},
                {"id": "p", "op": "print", "inputs": ["s"]},
                {"id": "w", "op": "frobnicate", "inputs": []},
            ]
        )
    )
    nodes = by_key(data)
    assert [d["code"] for d in nodes["s"]["diagnostics"]] == ["LX1003"]
    assert nodes["s"]["diagnostics"][0]["severity"] == "error"
    assert '"nope"' in nodes["s"]["diagnostics"][0]["message"]
    assert "LX2001" in [d["code"] for d in nodes["p"]["diagnostics"]]
    assert [d["code"] for d in nodes["w"]["diagnostics"]] == ["LX1001"]
    assert nodes["w"]["category"] == "unknown"
    assert nodes["a"]["diagnostics"] == []
    assert data["programHash"] is None
    # the unknown input names no node: no edge for it
    assert edges(data) == {("a", "s", "input"), ("s", "p", "input")}


def test_program_level_and_subgraph_level_findings() -> None:
    text = program([{"id": "a", "op": "const", "value": 1}], subgraphs=DOUBLE)
    text = text.replace('"PURE_COMPUTE"', '"PURE_COMPUTE", "IO_STDOUT"')
    data = graph(text)
    # the unused capability is a finding on the program; the unused subgraph on the subgraph
    assert "LX2002" in [d["code"] for d in data["diagnostics"]]
    assert "LX3003" in [d["code"] for d in data["subgraphs"][0]["diagnostics"]]
    assert all(d["code"] != "LX3003" for d in data["diagnostics"])


def test_capability_marks_come_from_the_registry() -> None:
    data = graph(
        program(
            [
                {"id": "f", "op": "read_file", "inputs": ["name"]},
                {"id": "name", "op": "const", "value": "x.txt"},
                {"id": "p", "op": "print", "inputs": ["f"]},
            ]
        )
    )
    nodes = by_key(data)
    assert nodes["f"]["capability"] == OPCODES["read_file"].capability == "FS_READ"
    assert nodes["p"]["capability"] == "IO_STDOUT"
    assert nodes["name"]["capability"] is None


def test_repeated_ids_get_distinct_keys() -> None:
    data = graph(
        program(
            [
                {"id": "a", "op": "const", "value": 1},
                {"id": "a", "op": "const", "value": 2},
                {"op": "const", "value": 3},
            ]
        )
    )
    keys = [n["key"] for n in data["nodes"]]
    assert keys == ["a", "a#2", "#3"]
    assert [n["id"] for n in data["nodes"]] == ["a", "a", "#3"]
    assert "LX1004" in [d["code"] for d in by_key(data)["a#2"]["diagnostics"]]


def test_the_legend_has_every_category_of_the_registry() -> None:
    data = graph(program([]))
    names = [c["name"] for c in data["categories"]]
    assert names == [*CATEGORIES, "unknown"]
    assert set(CATEGORY_COLORS) == set(names)
    for c in data["categories"]:
        assert c["color"].startswith("#") and len(c["color"]) == 7
    assert {c["name"]: c["label"] for c in data["categories"]}["higher_order"] == "Higher order"
    assert len({c["color"] for c in data["categories"]}) == len(names)  # told apart


def test_text_that_is_not_a_program_gives_an_empty_graph() -> None:
    data = graph("[1, 2")
    assert data["nodes"] == [] and data["edges"] == []
    assert "LX0001" in [d["code"] for d in data["diagnostics"]]


# --- traces ---------------------------------------------------------------------------------


TRACE = {
    "program": "p.lexis.json",
    "program_hash": "ab" * 32,
    "status": "ok",
    "reason": None,
    "duration_ms": 1.5,
    "nodes": [
        {"id": "b", "op": "const", "value": 0, "duration_ms": 0.01, "hash": "h-b"},
        {"id": "a", "op": "const", "value": "hi", "duration_ms": 0.02, "hash": "h-a"},
        {
            "id": "q",
            "op": "div",
            "value": {
                "error": "wrapped",
                "node": "q",
                "cause": {
                    "error": "division by zero",
                    "node": "d",
                    "cause": {"error": "root cause", "node": None, "cause": None},
                },
            },
            "duration_ms": 0.03,
            "hash": "h-q",
        },
        {
            "id": "f",
            "op": "subgraph_def",
            "value": {"func": "cd" * 32},
            "duration_ms": 0,
            "hash": None,
        },
    ],
}


def test_trace_keeps_schedule_order_and_values() -> None:
    t = trace_data(TRACE, output="hello\n")
    assert t["order"] == ["b", "a", "q", "f"]
    assert t["values"]["b"] == {"value": "0", "error": None, "durationMs": 0.01, "hash": "h-b"}
    assert t["values"]["a"]["value"] == '"hi"'
    assert t["values"]["f"]["value"] == f"<func {'cd' * 6}>"
    assert t["output"] == "hello\n"
    assert t["status"] == "error"  # finished, but a node holds an error value
    assert t["durationMs"] == 1.5


def test_error_values_carry_their_cause_chain() -> None:
    q = trace_data(TRACE)["values"]["q"]
    assert q["error"] == {
        "message": "wrapped",
        "node": "q",
        "causes": ["`d`: division by zero", "root cause"],
    }
    assert q["value"] == "error: wrapped (at node `q`)"


def test_trace_ids_map_to_main_graph_keys() -> None:
    data = graph(
        program(
            [
                {"id": "b", "op": "const", "value": 0},
                {"id": "a", "op": "const", "value": "hi"},
            ],
            subgraphs=DOUBLE,
        )
    )
    trace = {**TRACE, "nodes": [*TRACE["nodes"], {"id": "y", "value": 1}]}
    t = trace_data(trace, data)
    # only ids of main-graph nodes: q, f and the subgraph's y have no node in this program
    assert t["order"] == ["b", "a"]


def test_stopped_runs_and_long_values() -> None:
    t = trace_data({"status": "stopped", "reason": "time limit", "nodes": []})
    assert (t["status"], t["reason"], t["order"]) == ("stopped", "time limit", [])
    long = display_value("x" * 10_000)
    assert len(long) == 4000 and long.endswith("…")


def test_values_trace_from_the_servers_short_texts() -> None:
    analysis = analyze(
        program(
            [
                {"id": "b", "op": "const", "value": 0},
                {"id": "a", "op": "const", "value": 6},
                {"id": "q", "op": "div", "inputs": ["a", "b"]},
            ]
        )
    )
    data = graph_data(analysis, "p.lexis.json")
    texts = {"q": "Error: division by zero (at node q)", "a": "6", "b": "0"}
    t = values_trace(analysis, data, texts, "error")
    assert t["order"] == ["b", "a", "q"]  # the schedule's order, not the dict's
    assert t["values"]["a"] == {
        "value": "6",
        "error": None,
        "durationMs": None,
        "hash": by_key(data)["a"]["hash"],
    }
    assert t["values"]["q"]["error"]["message"] == "division by zero (at node q)"
    assert t["status"] == "error" and t["output"] == ""
