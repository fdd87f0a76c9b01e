"""A normal result and an error path for every op the evaluator implements itself (the other
67 are in test_builtins.py); together they cover all 93 opcodes."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.opcodes import OPCODES
from lexis_ls.lang.values import ErrorValue
from lexis_ls.run.builtins import BUILTINS
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.host import HostOptions
from lexis_ls.run.network import HttpResponse, NetworkClient

ALL_CAPS = [
    "PURE_COMPUTE",
    "IO_STDOUT",
    "IO_STDIN",
    "FS_READ",
    "FS_WRITE",
    "NETWORK_OUT",
    "GUI_RENDER",
    "META_EVAL",
]
EVALUATOR_OPS = sorted(set(OPCODES) - set(BUILTINS))


class Resolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    def resolve(self, host: str, port: int) -> list[str]:
        return self.table.get(host, [])


class Transport:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(
        self,
        method: str,
        url: str,
        *,
        connect_ip: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
        max_bytes: int,
    ) -> HttpResponse:
        self.sent.append((method, url, connect_ip))
        payload = json.dumps({"method": method, "echo": (body or b"").decode()}).encode()
        return HttpResponse(200, {"Content-Type": "application/json"}, payload, url)


def c(nid: str, value: Any) -> dict[str, Any]:
    return {"id": nid, "op": "const", "value": value}


def n(nid: str, op: str, *inputs: str, value: Any = None) -> dict[str, Any]:
    d: dict[str, Any] = {"id": nid, "op": op, "inputs": list(inputs)}
    if value is not None:
        d["value"] = value
    return d


PORT0 = {"id": "x", "op": "input_port", "value": 0}
SUBGRAPHS = {
    "inc": {
        "nodes": [
            PORT0,
            c("one", 1),
            n("r", "add", "x", "one"),
            n("o", "output_port", "r", value=0),
        ]
    },
    "pair_step": {
        "nodes": [
            PORT0,
            c("one", 1),
            n("y", "add", "x", "one"),
            c("three", 3),
            n("s", "gte", "y", "three"),
            n("p", "sequence", "y", "s"),
            n("o", "output_port", "p", value=0),
        ]
    },
    "bad_step": {"nodes": [PORT0, n("o", "output_port", "x", value=0)]},
    "fail": {
        "nodes": [PORT0, c("z", "x"), n("r", "to_num", "z"), n("o", "output_port", "r", value=0)]
    },
    "sum2": {
        "nodes": [
            PORT0,
            {"id": "y", "op": "input_port", "value": 1},
            n("r", "add", "x", "y"),
            n("o", "output_port", "r", value=0),
        ]
    },
}

# op -> (normal nodes, expected value of node "r", error nodes, substring of the error message)
CASES: dict[str, tuple[list[dict[str, Any]], Any, list[dict[str, Any]], str]] = {
    "print": (
        [c("a", [1, "é"]), n("r", "print", "a")],
        [1, "é"],
        [c("a", [1]), c("i", 9), n("e", "index", "a", "i"), n("r", "print", "e")],
        "out of range",
    ),
    "param": (
        [{"id": "r", "op": "param", "value": "who"}],
        "Ada",
        [{"id": "r", "op": "param", "value": "nope"}],
        "missing parameter `nope`",
    ),
    "delay": (
        [c("a", 1), n("r", "delay", "a", value=0)],
        1,
        [c("a", [1]), c("i", 9), n("e", "index", "a", "i"), n("r", "delay", "e", value=0)],
        "out of range",
    ),
    "subgraph_def": (
        [{"id": "f", "op": "subgraph_def", "value": "inc"}, c("a", 1), n("r", "apply", "f", "a")],
        2,
        [{"id": "f", "op": "subgraph_def", "value": "inc"}, c("a", "x"), n("r", "apply", "f", "a")],
        "numbers",
    ),
    "subgraph_call": (
        [c("a", 1), c("b", 2), n("r", "subgraph_call", "a", "b", value="sum2")],
        3,
        [c("a", 1), n("r", "subgraph_call", "a", value="fail")],
        "cannot parse",
    ),
    "input_port": (
        [c("a", 41), n("r", "subgraph_call", "a", value="inc")],
        42,
        [c("a", None), n("r", "subgraph_call", "a", value="inc")],
        "numbers",
    ),
    "output_port": (
        [c("a", 1), c("b", 2), n("r", "subgraph_call", "a", "b", value="sum2")],
        3,
        [c("a", True), c("b", 2), n("r", "subgraph_call", "a", "b", value="sum2")],
        "numbers",
    ),
    "map": (
        [c("a", [1, 2]), n("r", "map", "a", value="inc")],
        [2, 3],
        [c("a", 5), n("r", "map", "a", value="inc")],
        "needs a list",
    ),
    "filter": (
        [c("a", [-1, 2]), n("r", "filter", "a", value="std:is_positive")],
        [2],
        [c("a", [1, "x"]), n("r", "filter", "a", value="std:is_positive")],
        "element 1",
    ),
    "reduce": (
        [c("a", [1, 2, 3]), c("z", 10), n("r", "reduce", "a", "z", value="std:add")],
        16,
        [c("a", [1, "x"]), c("z", 0), n("r", "reduce", "a", "z", value="std:add")],
        "element 1",
    ),
    "iterate": (
        [c("a", 0), c("m", 10), n("r", "iterate", "a", "m", value="pair_step")],
        3,
        [c("a", 0), c("m", 2), n("r", "iterate", "a", "m", value="bad_step")],
        "must return [new_value",
    ),
    "retry": (
        [c("a", 1), c("m", 2), n("r", "retry", "a", "m", value="inc")],
        2,
        [c("a", 1), c("m", 2), n("r", "retry", "a", "m", value="fail")],
        "cannot parse",
    ),
    "compose": (
        [
            {"id": "f", "op": "subgraph_def", "value": "inc"},
            {"id": "g", "op": "subgraph_def", "value": "std:double"},
            n("h", "compose", "f", "g"),
            c("a", 4),
            n("r", "apply", "h", "a"),
        ],
        10,
        [
            {"id": "f", "op": "subgraph_def", "value": "sum2"},
            {"id": "g", "op": "subgraph_def", "value": "inc"},
            n("r", "compose", "f", "g"),
        ],
        "1-input functions",
    ),
    "apply": (
        [
            {"id": "f", "op": "subgraph_def", "value": "sum2"},
            c("a", 1),
            c("b", 2),
            n("r", "apply", "f", "a", "b"),
        ],
        3,
        [{"id": "f", "op": "subgraph_def", "value": "sum2"}, c("a", 1), n("r", "apply", "f", "a")],
        "takes 2 arguments, got 1",
    ),
    "match": (
        [
            c("a", "s"),
            {"id": "g1", "op": "subgraph_def", "value": "std:is_num"},
            {"id": "h1", "op": "subgraph_def", "value": "inc"},
            {"id": "g2", "op": "subgraph_def", "value": "std:is_str"},
            {"id": "h2", "op": "subgraph_def", "value": "std:get_length"},
            n("r", "match", "a", "g1", "h1", "g2", "h2"),
        ],
        1,
        [
            c("a", None),
            {"id": "g1", "op": "subgraph_def", "value": "std:is_num"},
            {"id": "h1", "op": "subgraph_def", "value": "inc"},
            n("r", "match", "a", "g1", "h1"),
        ],
        "no guard accepted",
    ),
    "build_subgraph": (
        [
            c("ns", SUBGRAPHS["inc"]["nodes"]),
            c("one", 1),
            n("f", "build_subgraph", "ns", "one", "one"),
            c("a", 1),
            n("r", "apply", "f", "a"),
        ],
        2,
        [
            c("ns", SUBGRAPHS["inc"]["nodes"]),
            c("two", 2),
            c("one", 1),
            n("r", "build_subgraph", "ns", "two", "one"),
        ],
        "1 input ports, not 2",
    ),
    "quote": (
        [{"id": "f", "op": "subgraph_def", "value": "std:identity"}, n("r", "quote", "f")],
        {
            "nodes": [
                {"id": "x", "op": "input_port", "value": 0},
                {"id": "out", "op": "output_port", "inputs": ["x"], "value": 0},
            ]
        },
        [c("a", 1), n("r", "quote", "a")],
        "needs a FUNC",
    ),
    "reflect": (
        [n("r", "reflect")],
        {"nodes": [{"id": "r", "op": "reflect", "inputs": []}], "capabilities": ALL_CAPS},
        [c("a", [1]), c("i", 9), n("e", "index", "a", "i"), n("r", "reflect", value=None)],
        "",
    ),
    "eval": (
        [
            c("p", {"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [c("k", 7)]}),
            n("r", "eval", "p"),
        ],
        {"output": [], "values": {"k": 7}},
        [
            c("p", {"spec": "lexis-0.1.0", "capabilities": [], "nodes": [c("k", 7)]}),
            n("r", "eval", "p"),
        ],
        "invalid program: LX2001",
    ),
    "read_file": (
        [c("f", "data.txt"), n("r", "read_file", "f")],
        "hello\n",
        [c("f", "missing.txt"), n("r", "read_file", "f")],
        "does not exist",
    ),
    "write_file": (
        [c("f", "out.txt"), c("t", {"a": 1}), n("r", "write_file", "f", "t")],
        "out.txt",
        [c("f", "../escape.txt"), c("t", 1), n("r", "write_file", "f", "t")],
        "outside the allowed folder",
    ),
    "read_stdin": (
        [n("r", "read_stdin")],
        "first",
        [n("a", "read_stdin"), n("b", "read_stdin"), n("r", "read_stdin")],
        "end of input",
    ),
    "http_get": (
        [c("u", "https://api.example.com/x"), n("r", "http_get", "u")],
        {"method": "GET", "echo": ""},
        [c("u", "https://evil.example.org/x"), n("r", "http_get", "u")],
        "not in allowed_domains",
    ),
    "http_post": (
        [c("u", "https://api.example.com/x"), c("b", {"k": 1}), n("r", "http_post", "u", "b")],
        {"method": "POST", "echo": '{"k":1}'},
        [c("u", "https://internal.example.com/x"), c("b", 1), n("r", "http_post", "u", "b")],
        "SSRF",
    ),
    "http_request": (
        [
            c("u", "https://api.example.com/x"),
            c("m", "PUT"),
            c("b", "t"),
            n("r", "http_request", "u", "m", "b"),
        ],
        {
            "status": 200,
            "headers": {"content-type": "application/json"},
            "body": {"method": "PUT", "echo": "t"},
        },
        [
            c("u", "https://api.example.com/x"),
            c("m", "BREW"),
            c("b", None),
            n("r", "http_request", "u", "m", "b"),
        ],
        "BREW",
    ),
    "gui_render": (
        [{"id": "w", "op": "gui_window", "value": {"title": "t"}}, n("r", "gui_render", "w")],
        {},
        [c("w", 1), n("r", "gui_render", "w")],
        "window descriptor",
    ),
}


def evaluate(
    nodes: list[dict[str, Any]],
    tmp_path: Path,
    transport: Transport | None = None,
    *,
    display: bool = False,
) -> Any:
    program = {
        "spec": "lexis-0.1.0",
        "capabilities": ALL_CAPS,
        "allowed_domains": ["example.com"],
        "nodes": nodes,
        "subgraphs": SUBGRAPHS,
    }
    (tmp_path / "data.txt").write_text("hello\n")
    resolver = Resolver(
        {"api.example.com": ["93.184.216.34"], "internal.example.com": ["10.0.0.7"]}
    )
    sent = transport or Transport()
    options = RunOptions(
        host=HostOptions(
            params={"who": "Ada"}, stdin=io.StringIO("first\nsecond\n"), program_dir=tmp_path
        ),
        verify=False,  # the cases mix ops freely; unused-subgraph and similar findings are irrelevant here
        network=lambda domains: NetworkClient(domains, resolver=resolver, transport=sent),
        display=display,
        gui_close_after_ms=50,
    )
    result = Evaluator(analyze(json.dumps(program)), options).run()
    assert result.status == "ok", result.reason
    return result.values["r"]


def test_every_op_is_implemented_once_and_covered() -> None:
    assert set(EVALUATOR_OPS) == set(CASES)
    assert set(BUILTINS) | set(CASES) == set(OPCODES) and not set(BUILTINS) & set(CASES)


# gui_render's normal result needs a display: test_gui_render_under_xvfb covers it.
@pytest.mark.parametrize("op", [op for op in EVALUATOR_OPS if op != "gui_render"])
def test_normal_result(op: str, tmp_path: Path) -> None:
    nodes, expected, _, _ = CASES[op]
    assert evaluate(nodes, tmp_path) == expected


@pytest.mark.parametrize("op", EVALUATOR_OPS)
def test_error_path(op: str, tmp_path: Path) -> None:
    _, _, nodes, fragment = CASES[op]
    transport = Transport()
    value = evaluate(nodes, tmp_path, transport)
    if op == "reflect":  # it cannot fail: it describes the program even when nodes hold errors
        assert not isinstance(value, ErrorValue) and [x["id"] for x in value["nodes"]] == [
            "a",
            "i",
            "e",
            "r",
        ]
        return
    assert isinstance(value, ErrorValue), value
    assert fragment in value.message, value.message
    if op.startswith("http_"):
        assert transport.sent == []  # refused before any connection attempt


def test_gui_render_without_display_is_the_no_display_error(tmp_path: Path) -> None:
    nodes, _, _, _ = CASES["gui_render"]
    value = evaluate(nodes, tmp_path, display=False)
    assert isinstance(value, ErrorValue) and value.message.startswith("no display")


@pytest.fixture
def xvfb_display() -> Any:
    if shutil.which("Xvfb") is None:
        pytest.skip(
            "Xvfb is not installed (apt-get install xvfb): gui_render is tested without a display only"
        )
    proc = subprocess.Popen(
        ["Xvfb", ":97", "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = ":97"
    import time

    time.sleep(0.5)
    yield ":97"
    proc.terminate()
    proc.wait(5)
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old


def test_gui_render_under_xvfb(tmp_path: Path, xvfb_display: str) -> None:
    nodes = [
        {"id": "s", "op": "gui_state", "inputs": ["init"], "value": "name"},
        c("init", "Ada"),
        {"id": "l", "op": "gui_widget", "value": {"type": "label", "text": "Name"}},
        {"id": "t", "op": "gui_widget", "value": {"type": "text_input", "state": "name"}},
        {
            "id": "d",
            "op": "gui_draw",
            "value": {"shape": "rect", "x": 1, "y": 1, "width": 5, "height": 5},
        },
        c("cmds", []),
        n("cv", "gui_canvas", "cmds", value={"width": 50, "height": 50}),
        n(
            "w",
            "gui_window",
            "s",
            "l",
            "t",
            "cv",
            value={"title": "Hello", "width": 200, "height": 100},
        ),
        n("r", "gui_render", "w"),
    ]
    value = evaluate(nodes, tmp_path, display=None)
    assert value == {"name": "Ada"}
