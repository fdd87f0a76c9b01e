"""The `lexis/graph` request end to end: GraphData of an open document (nodes, input and call
edges, diagnostics on their nodes), the last run's values as its trace, null for unknown URIs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsp_support import open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

BROKEN = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE"],
  "nodes": [
    {"id": "a", "op": "const", "value": 2},
    {"id": "total", "op": "add", "inputs": ["a", "missing"]},
    {"id": "twice", "op": "subgraph_call", "inputs": ["a"], "value": "double"},
    {"id": "show", "op": "print", "inputs": ["total"]}
  ],
  "subgraphs": {
    "double": {"nodes": [
      {"id": "x", "op": "input_port", "value": 0},
      {"id": "y", "op": "add", "inputs": ["x", "x"]},
      {"id": "out", "op": "output_port", "inputs": ["y"], "value": 0}
    ]}
  }
}
"""

VALID = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE"],
  "nodes": [
    {"id": "a", "op": "const", "value": 2},
    {"id": "b", "op": "const", "value": 0},
    {"id": "q", "op": "div", "inputs": ["a", "b"]},
    {"id": "sum", "op": "add", "inputs": ["a", "a"]}
  ]
}
"""


async def graph(client: LanguageClient, uri: str) -> Any:
    result = await client.protocol.send_request_async("lexis/graph", {"textDocument": {"uri": uri}})
    return plain(result)


def plain(value: Any) -> Any:
    """pygls hands an untyped result back as named tuples (``pygls.protocol.Object``)."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


async def test_nodes_edges_and_diagnostics_of_a_broken_program(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "broken.lexis.json", BROKEN)
    data = await graph(client, uri)
    assert data["version"] == 1
    assert data["file"] == uri
    assert data["programHash"] is None  # the program has errors
    nodes = {n["key"]: n for n in data["nodes"]}
    assert list(nodes) == ["a", "total", "twice", "show", "double/x", "double/y", "double/out"]
    assert [s["key"] for s in data["subgraphs"]] == ["sg:double"]
    assert nodes["double/y"]["parent"] == "sg:double"
    assert nodes["a"]["parent"] is None
    assert nodes["total"]["inputs"] == ["a", "missing"]
    assert nodes["total"]["category"] == "arithmetic"
    assert nodes["show"]["capability"] == "IO_STDOUT"
    assert nodes["twice"]["calls"] == "double"
    edges = {(e["source"], e["target"], e["kind"]) for e in data["edges"]}
    assert edges == {
        ("a", "total", "input"),
        ("a", "twice", "input"),
        ("total", "show", "input"),
        ("twice", "sg:double", "call"),
        ("double/x", "double/y", "input"),
        ("double/y", "double/out", "input"),
    }
    # line 5 (0-based) holds `total`: its range, and the unknown input's diagnostic on it
    assert nodes["total"]["range"]["start"] == {"line": 5, "character": 4}
    assert [d["code"] for d in nodes["total"]["diagnostics"]] == ["LX1003"]
    assert nodes["total"]["diagnostics"][0]["severity"] == "error"
    assert "missing" in nodes["total"]["diagnostics"][0]["message"]
    assert "LX2001" in [d["code"] for d in nodes["show"]["diagnostics"]]
    assert nodes["a"]["diagnostics"] == []
    assert data["trace"] is None
    legend = {c["name"] for c in data["categories"]}
    assert {"arithmetic", "literal", "subgraph", "io"} <= legend


async def test_the_last_run_is_the_trace(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "valid.lexis.json", VALID)
    before = await graph(client, uri)
    assert before["trace"] is None
    # a client that supports it is asked to refresh its inlay hints after the run
    client.protocol.fm._features[lsp.WORKSPACE_INLAY_HINT_REFRESH] = lambda params: None
    assert before["programHash"] is not None
    await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="lexis.run", arguments=[uri])
    )
    data = await graph(client, uri)
    trace = data["trace"]
    assert trace["order"] == ["a", "b", "q", "sum"]
    assert trace["values"]["sum"]["value"] == "4"
    assert trace["values"]["sum"]["error"] is None
    assert trace["values"]["q"]["error"] is not None
    assert "division by zero" in trace["values"]["q"]["error"]["message"]
    assert trace["status"] == "error"
    # the run's LX4001 is on the node that produced the error value
    q = next(n for n in data["nodes"] if n["key"] == "q")
    assert "LX4001" in [d["code"] for d in q["diagnostics"]]


async def test_unknown_document_is_null(client: LanguageClient, tmp_path: Path) -> None:
    assert await graph(client, (tmp_path / "nothing.lexis.json").as_uri()) is None


async def test_a_lone_surrogate_in_an_id_does_not_break_the_answer(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = VALID.replace('"id": "sum"', '"id": "s\\ud800"')
    uri = open_doc(client, tmp_path / "odd.lexis.json", text)
    data = await graph(client, uri)
    ids = [n["id"] for n in data["nodes"]]
    assert ids[:3] == ["a", "b", "q"] and ids[3].startswith("s")
    assert "LX0008" in [d["code"] for n in data["nodes"] for d in n["diagnostics"]]
