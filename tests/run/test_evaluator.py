"""The evaluator: the seeds' documented results, errors as values, subgraphs, meta-programming,
limits and the sandbox."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.values import ErrorValue
from lexis_ls.run.cache import CallCache
from lexis_ls.run.evaluator import Evaluator, RunOptions, run_text
from lexis_ls.run.host import HostOptions


def program(nodes: list[dict[str, Any]], caps: list[str] | None = None, **extra: Any) -> str:
    doc: dict[str, Any] = {
        "spec": "lexis-0.1.0",
        "capabilities": caps if caps is not None else ["PURE_COMPUTE", "IO_STDOUT"],
        "nodes": nodes,
    }
    doc.update(extra)
    return json.dumps(doc)


def run(
    nodes: list[dict[str, Any]],
    caps: list[str] | None = None,
    *,
    params: dict[str, str] | None = None,
    stdin: str = "",
    timeout: float = 10,
    verify: bool = True,
    program_dir: Path | None = None,
    fs_root: Path | None = None,
    **extra: Any,
):  # type: ignore[no-untyped-def]
    options = RunOptions(
        host=HostOptions(
            params=params or {},
            stdin=io.StringIO(stdin),
            timeout=timeout,
            program_dir=program_dir or Path.cwd(),
            fs_root=fs_root,
        ),
        verify=verify,
    )
    return Evaluator(analyze(program(nodes, caps, **extra)), options).run()


def c(nid: str, value: Any) -> dict[str, Any]:
    return {"id": nid, "op": "const", "value": value}


def n(nid: str, op: str, *inputs: str, value: Any = None) -> dict[str, Any]:
    d: dict[str, Any] = {"id": nid, "op": op, "inputs": list(inputs)}
    if value is not None:
        d["value"] = value
    return d


# --- the seeds' examples -----------------------------------------------------------------


def test_five_plus_three() -> None:
    r = run([c("a", 5), c("b", 3), n("sum", "add", "a", "b"), n("out", "print", "sum")])
    assert r.status == "ok" and r.output == "8\n" and r.values["sum"] == 8


def test_chained_arithmetic() -> None:
    r = run(
        [
            c("a", 10),
            c("b", 20),
            c("c", 5),
            c("d", 2),
            n("s", "add", "a", "b"),
            n("t", "sub", "c", "d"),
            n("p", "mul", "s", "t"),
            n("out", "print", "p"),
        ]
    )
    assert r.output == "90\n"


SUBGRAPHS = {
    "double": {
        "nodes": [
            {"id": "x", "op": "input_port", "value": 0},
            c("k", 2),
            n("r", "mul", "x", "k"),
            n("o", "output_port", "r", value=0),
        ]
    },
}


def test_double_double_five() -> None:
    r = run(
        [
            c("a", 5),
            n("d1", "subgraph_call", "a", value="double"),
            n("d2", "subgraph_call", "d1", value="double"),
            n("out", "print", "d2"),
        ],
        subgraphs=SUBGRAPHS,
    )
    assert r.output == "20\n"


def test_reduce_sum() -> None:
    r = run(
        [
            c("xs", [1, 2, 3, 4, 5]),
            c("zero", 0),
            n("s", "reduce", "xs", "zero", value="std:add"),
            n("out", "print", "s"),
        ]
    )
    assert r.output == "15\n"


def test_match_type_dispatch() -> None:
    subgraphs = {
        "num_handler": {
            "nodes": [
                {"id": "x", "op": "input_port", "value": 0},
                c("k", 10),
                n("r", "mul", "x", "k"),
                n("o", "output_port", "r", value=0),
            ]
        },
        "str_handler": {
            "nodes": [
                {"id": "x", "op": "input_port", "value": 0},
                n("r", "to_num", "x"),
                n("o", "output_port", "r", value=0),
            ]
        },
        "dispatch": {
            "nodes": [
                {"id": "x", "op": "input_port", "value": 0},
                {"id": "g1", "op": "subgraph_def", "value": "std:is_num"},
                {"id": "h1", "op": "subgraph_def", "value": "num_handler"},
                {"id": "g2", "op": "subgraph_def", "value": "std:is_str"},
                {"id": "h2", "op": "subgraph_def", "value": "str_handler"},
                n("m", "match", "x", "g1", "h1", "g2", "h2"),
                n("o", "output_port", "m", value=0),
            ]
        },
    }
    r = run(
        [
            c("xs", [10, "20", 30, "40"]),
            n("m", "map", "xs", value="dispatch"),
            n("out", "print", "m"),
        ],
        subgraphs=subgraphs,
    )
    assert r.status == "ok", r.reason
    assert r.output == "[100,20,300,40]\n"


# --- errors as values --------------------------------------------------------------------


def test_errors_propagate_with_their_origin_and_print_shows_them() -> None:
    r = run(
        [
            c("a", 1),
            {"id": "z", "op": "param", "value": "zero"},
            n("zz", "to_num", "z"),
            n("q", "div", "a", "zz"),
            n("p", "add", "q", "a"),
            n("out", "print", "p"),
        ],
        params={"zero": "0"},
    )
    assert isinstance(r.values["q"], ErrorValue) and r.values["q"].node == "q"
    assert r.values["p"] is r.values["q"]  # unchanged, origin kept
    assert r.output.startswith("Error: ") and r.output.endswith("(at node q)\n")


def test_select_ignores_an_error_in_the_unchosen_branch() -> None:
    r = run(
        [
            c("t", True),
            c("a", 1),
            c("zero", 0),
            {"id": "pz", "op": "param", "value": "d"},
            n("n", "to_num", "pz"),
            n("bad", "div", "a", "n"),
            n("s", "select", "t", "a", "bad"),
            n("out", "print", "s"),
        ],
        params={"d": "0"},
    )
    assert r.output == "1\n"


def test_errors_inside_subgraphs_point_at_the_call_and_chain_inward() -> None:
    r = run(
        # (not printed: a certain error reaching `print` would be refused before the run, LX1015)
        [c("xs", [1, "two", 3]), n("m", "map", "xs", value="std:double"), n("out", "is_error", "m")]
    )
    err = r.values["m"]
    assert isinstance(err, ErrorValue) and err.node == "m"
    assert "element 1" in err.message
    assert err.chain()[-1].node == "r"  # the `mul` node inside std:double


def test_try_or_and_try_catch() -> None:
    r = run(
        [
            c("a", [1]),
            c("i", 5),
            n("x", "index", "a", "i"),
            c("fb", "fallback"),
            n("t", "try_or", "x", "fb"),
            n("tc", "try_catch", "x"),
            n("o1", "print", "t"),
            n("o2", "print", "tc"),
        ]
    )
    assert r.output.splitlines()[0] == "fallback"
    assert json.loads(r.output.splitlines()[1])["ok"] is False


# --- subgraphs and higher-order ----------------------------------------------------------


def test_multiple_outputs_give_a_list() -> None:
    sub = {
        "divmod": {
            "nodes": [
                {"id": "a", "op": "input_port", "value": 0},
                {"id": "b", "op": "input_port", "value": 1},
                n("q", "div", "a", "b"),
                n("r", "mod", "a", "b"),
                n("o0", "output_port", "q", value=0),
                n("o1", "output_port", "r", value=1),
            ]
        }
    }
    r = run(
        [
            c("x", 17),
            c("y", 5),
            n("d", "subgraph_call", "x", "y", value="divmod"),
            n("out", "print", "d"),
        ],
        subgraphs=sub,
    )
    assert r.output == "[3.4,2]\n"


def test_filter_iterate_retry() -> None:
    step = {
        "nodes": [
            {"id": "x", "op": "input_port", "value": 0},
            c("two", 2),
            n("d", "mul", "x", "two"),
            c("lim", 100),
            n("stop", "gt", "d", "lim"),
            n("pair", "sequence", "d", "stop"),
            n("o", "output_port", "pair", value=0),
        ]
    }
    r = run(
        [
            c("xs", [-1, 2, 0, 5]),
            n("f", "filter", "xs", value="std:is_positive"),
            c("one", 1),
            c("max", 50),
            n("it", "iterate", "one", "max", value="step"),
            c("three", 3),
            n("rt", "retry", "one", "three", value="std:increment"),
            n("o1", "print", "f"),
            n("o2", "print", "it"),
            n("o3", "print", "rt"),
        ],
        subgraphs={"step": step},
    )
    assert r.output == "[2,5]\n128\n2\n"


def test_compose_and_apply_produce_real_subgraphs_with_hashes() -> None:
    r = run(
        [
            {"id": "f", "op": "subgraph_def", "value": "std:double"},
            {"id": "g", "op": "subgraph_def", "value": "std:increment"},
            n("h", "compose", "f", "g"),
            c("x", 5),
            n("y", "apply", "h", "x"),
            n("out", "print", "y"),
            n("hs", "to_str", "h"),
            n("o2", "print", "hs"),
        ]
    )
    assert r.output.splitlines()[0] == "11"
    assert r.output.splitlines()[1].startswith("<func ") and len(r.output.splitlines()[1]) == len(
        "<func 0123456789ab>"
    )


# --- meta-programming --------------------------------------------------------------------


def test_build_subgraph_quote_and_apply() -> None:
    nodes = [
        {"id": "x", "op": "input_port", "value": 0},
        c("k", 3),
        n("r", "add", "x", "k"),
        n("o", "output_port", "r", value=0),
    ]
    r = run(
        [
            c("nodes", nodes),
            c("one", 1),
            n("f", "build_subgraph", "nodes", "one", "one"),
            c("x", 4),
            n("y", "apply", "f", "x"),
            n("q", "quote", "f"),
            n("o1", "print", "y"),
            n("o2", "print", "q"),
        ]
    )
    assert r.output.splitlines()[0] == "7"
    assert json.loads(r.output.splitlines()[1])["nodes"][2]["op"] == "add"


def test_build_subgraph_rejects_invalid_nodes() -> None:
    nodes = [
        {"id": "x", "op": "input_port", "value": 0},
        n("r", "nope", "x"),
        n("o", "output_port", "r", value=0),
    ]
    r = run(
        [
            c("nodes", nodes),
            c("one", 1),
            n("f", "build_subgraph", "nodes", "one", "one"),
            n("e", "is_error", "f"),
            n("out", "print", "e"),
        ]
    )
    assert r.output == "true\n"
    assert "LX1001" in r.values["f"].message


def test_eval_captures_output_and_cannot_gain_a_capability(tmp_path: Path) -> None:
    inner_ok = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
        "nodes": [c("a", 2), n("p", "print", "a")],
    }
    inner_greedy = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "FS_READ"],
        "nodes": [c("f", "secret.txt"), n("r", "read_file", "f")],
    }
    (tmp_path / "secret.txt").write_text("top secret")
    r = run(
        [
            c("p1", inner_ok),
            n("e1", "eval", "p1"),
            c("p2", inner_greedy),
            n("e2", "eval", "p2"),
            n("o1", "print", "e1"),
            n("o2", "print", "e2"),
        ],
        caps=["PURE_COMPUTE", "IO_STDOUT", "META_EVAL"],
        program_dir=tmp_path,
    )
    assert r.output.splitlines()[0] == '{"output":["2"],"values":{"a":2,"p":2}}'
    assert r.output.splitlines()[1].startswith("Error: eval: the inner program needs FS_READ")
    assert "top secret" not in r.output


def test_eval_cannot_nest_eval() -> None:
    """META_EVAL is never granted to an inner program, so eval chains stop at the first level."""
    inner = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "META_EVAL"],
        "nodes": [
            c("p", {"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [c("a", 1)]}),
            n("e", "eval", "p"),
        ],
    }
    r = run(
        [c("p", inner), n("e", "eval", "p"), n("out", "print", "e")],
        caps=["PURE_COMPUTE", "IO_STDOUT", "META_EVAL"],
    )
    assert "the inner program needs META_EVAL" in r.output


def test_eval_depth_is_limited_even_if_granted() -> None:
    """The depth limit holds on its own, behind the capability rule."""
    inner = {"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [c("a", 1)]}
    text = program(
        [c("p", inner), n("e", "eval", "p"), n("out", "print", "e")],
        ["PURE_COMPUTE", "IO_STDOUT", "META_EVAL"],
    )
    r = Evaluator(analyze(text), RunOptions(eval_depth=3)).run()
    assert "nesting deeper than 3" in r.output
    assert (
        Evaluator(analyze(text), RunOptions(eval_depth=2)).run().output.startswith('{"output":[]')
    )


def test_reflect() -> None:
    r = run([c("a", 1), n("r", "reflect"), n("out", "print", "r")])
    data = json.loads(r.output)
    assert data["capabilities"] == ["PURE_COMPUTE", "IO_STDOUT"]
    assert [x["id"] for x in data["nodes"]] == ["a", "r", "out"]


# --- I/O, limits and the sandbox ---------------------------------------------------------


def test_params_and_stdin() -> None:
    r = run(
        [
            {"id": "p", "op": "param", "value": "who"},
            n("l1", "read_stdin"),
            n("l2", "read_stdin"),
            n("l3", "read_stdin"),
            n("o1", "print", "p"),
            n("o2", "print", "l1"),
            n("o3", "print", "l2"),
            n("e", "is_error", "l3"),
            n("o4", "print", "e"),
        ],
        caps=["PURE_COMPUTE", "IO_STDOUT", "IO_STDIN"],
        params={"who": "Ada"},
        stdin="x\ny\n",
    )
    assert r.output == "Ada\nx\ny\ntrue\n"


def test_missing_param_is_an_error_value() -> None:
    r = run([{"id": "p", "op": "param", "value": "who"}, n("out", "print", "p")])
    assert "missing parameter `who`" in r.output


def test_undeclared_capability_is_blocked_at_run_time_with_the_static_check_bypassed(
    tmp_path: Path,
) -> None:
    (tmp_path / "f.txt").write_text("data")
    r = run(
        [c("f", "f.txt"), n("r", "read_file", "f"), n("out", "print", "r")],
        program_dir=tmp_path,
        verify=False,
    )
    assert r.status == "stopped"
    assert r.stopped_at == "r" and "FS_READ" in (r.reason or "")
    assert r.output == ""


def test_the_static_check_refuses_first() -> None:
    r = run([c("f", "f.txt"), n("r", "read_file", "f"), n("out", "print", "r")])
    assert r.status == "refused" and {d.code for d in r.findings} == {"LX2001"}


@pytest.mark.parametrize(
    "path",
    ["../outside.txt", "/etc/passwd", "sub/../../outside.txt", "link/outside.txt", "escape.txt"],
)
def test_path_traversal_is_refused(tmp_path: Path, path: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("outside")
    os.symlink(tmp_path, root / "link")
    os.symlink(tmp_path / "outside.txt", root / "escape.txt")
    r = run(
        [
            c("f", path),
            n("r", "read_file", "f"),
            n("w", "write_file", "f", "f"),
            n("o1", "print", "r"),
            n("o2", "print", "w"),
        ],
        caps=["PURE_COMPUTE", "IO_STDOUT", "FS_READ", "FS_WRITE"],
        program_dir=root,
    )
    assert r.status == "ok"
    assert "outside the allowed folder" in r.values["r"].message
    assert "outside the allowed folder" in r.values["w"].message
    assert (tmp_path / "outside.txt").read_text() == "outside"


def test_files_inside_the_root(tmp_path: Path) -> None:
    r = run(
        [
            c("f", "out/data.txt"),
            c("content", {"k": [1, 2]}),
            n("w", "write_file", "f", "content"),
            n("r", "read_file", "w"),
            n("out", "print", "r"),
        ],
        caps=["PURE_COMPUTE", "IO_STDOUT", "FS_READ", "FS_WRITE"],
        program_dir=tmp_path,
        fs_root=tmp_path,
    )
    (tmp_path / "out").mkdir(exist_ok=True)
    r = run(
        [
            c("f", "out/data.txt"),
            c("content", {"k": [1, 2]}),
            n("w", "write_file", "f", "content"),
            n("r", "read_file", "w"),
            n("out", "print", "r"),
        ],
        caps=["PURE_COMPUTE", "IO_STDOUT", "FS_READ", "FS_WRITE"],
        program_dir=tmp_path,
    )
    assert r.output == '{"k":[1,2]}\n'


def test_a_runaway_iterate_is_stopped_by_the_time_limit() -> None:
    step = {
        "nodes": [
            {"id": "x", "op": "input_port", "value": 0},
            c("one", 1),
            n("y", "add", "x", "one"),
            c("f", False),
            n("pair", "sequence", "y", "f"),
            n("o", "output_port", "pair", value=0),
        ]
    }
    started = time.monotonic()
    r = run(
        [
            c("zero", 0),
            c("big", 10**12),
            n("it", "iterate", "zero", "big", value="step"),
            n("out", "print", "it"),
        ],
        subgraphs={"step": step},
        timeout=0.5,
    )
    assert r.status == "stopped" and "time limit" in (r.reason or "")
    assert time.monotonic() - started < 5


def test_a_long_delay_is_stopped_by_the_time_limit() -> None:
    started = time.monotonic()
    r = run([c("a", 1), n("d", "delay", "a", value=30), n("out", "print", "d")], timeout=0.3)
    assert r.status == "stopped" and r.stopped_at == "d"
    assert time.monotonic() - started < 3


def test_output_is_capped() -> None:
    options = RunOptions(host=HostOptions(max_output=100))
    text = program([c("s", "x" * 60), n("o1", "print", "s"), n("o2", "print", "s")])
    r = Evaluator(analyze(text), options).run()
    assert r.status == "stopped" and "output limit" in (r.reason or "") and r.stopped_at == "o2"


def test_trust_ceiling_refuses_programs_above_it() -> None:
    text = program(
        [c("f", "x"), n("r", "read_file", "f"), n("out", "print", "r")],
        ["PURE_COMPUTE", "IO_STDOUT", "FS_READ"],
    )
    r = run_text(text, RunOptions(trust_ceiling=1))
    assert r.status == "refused" and "trust level 2" in (r.reason or "")


def test_random_is_never_cached() -> None:
    sub = {
        "rnd": {
            "nodes": [
                {"id": "x", "op": "input_port", "value": 0},
                n("r", "random"),
                n("o", "output_port", "r", value=0),
            ]
        }
    }
    cache = CallCache()
    text = program(
        [
            c("a", 1),
            n("r1", "subgraph_call", "a", value="rnd"),
            n("r2", "subgraph_call", "a", value="rnd"),
            n("e", "eq", "r1", "r2"),
            n("out", "print", "e"),
        ],
        subgraphs=sub,
    )
    r = Evaluator(analyze(text), RunOptions(cache=cache)).run()
    assert r.output == "false\n"
    assert cache.hits == 0


def test_pure_calls_are_memoised_and_cached_on_disk(tmp_path: Path) -> None:
    text = program(
        [
            c("a", 21),
            n("d1", "subgraph_call", "a", value="std:double"),
            n("d2", "subgraph_call", "a", value="std:double"),
            n("out", "print", "d2"),
        ]
    )
    cache = CallCache()
    assert Evaluator(analyze(text), RunOptions(cache=cache)).run().output == "42\n"
    assert cache.hits == 1 and cache.misses == 1
    disk = CallCache(tmp_path / "cache")
    Evaluator(analyze(text), RunOptions(cache=disk)).run()
    again = CallCache(tmp_path / "cache")
    assert Evaluator(analyze(text), RunOptions(cache=again)).run().output == "42\n"
    assert again.hits == 2 and again.misses == 0
    assert list((tmp_path / "cache").rglob("*.json"))


def test_gui_render_without_a_display_is_an_error_value() -> None:
    window = {"id": "w", "op": "gui_window", "value": {"title": "Hi"}}
    text = program(
        [window, n("r", "gui_render", "w"), n("e", "is_error", "r"), n("out", "print", "e")],
        ["PURE_COMPUTE", "IO_STDOUT", "GUI_RENDER"],
    )
    r = Evaluator(analyze(text), RunOptions(display=False)).run()
    assert r.output == "true\n"
    assert "no display" in r.values["r"].message


class Recorder:
    """A tracer that records what a debugger would see."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def enter_frame(self, frame) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("enter", frame.name, ""))

    def exit_frame(self, frame) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("exit", frame.name, ""))

    def before_node(self, frame, node) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("before", frame.name, node.id))

    def after_node(self, frame, node, value) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("after", frame.name, f"{node.id}={value}"))


def test_the_run_is_steppable_node_by_node_with_frames() -> None:
    text = program(
        [c("xs", [1, 2]), n("m", "map", "xs", value="std:double"), n("out", "print", "m")]
    )
    rec = Recorder()
    result = Evaluator(analyze(text), RunOptions(tracer=rec)).run()
    assert result.output == "[2,4]\n"
    main = [e for e in rec.events if e[1] == "main"]
    assert main == [
        ("enter", "main", ""),
        ("before", "main", "xs"),
        ("after", "main", "xs=[1, 2]"),
        ("before", "main", "m"),
        ("after", "main", "m=[2, 4]"),
        ("before", "main", "out"),
        ("after", "main", "out=[2, 4]"),
        ("exit", "main", ""),
    ]
    first_call = [e for e in rec.events if e[1] == "map #0 std:double"]
    assert first_call[0] == ("enter", "map #0 std:double", "")
    assert ("after", "map #0 std:double", "r=2") in first_call
    # Calls happen between the map node's before and after events.
    assert (
        rec.events.index(("before", "main", "m"))
        < rec.events.index(first_call[0])
        < rec.events.index(("after", "main", "m=[2, 4]"))
    )
