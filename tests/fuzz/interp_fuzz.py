"""Hostile programs against the interpreter (``lexis_ls.run.evaluator``), as ``lexis run`` runs them.

Programs are random graphs over every opcode (inputs of every type, wrong input counts, values of
every type) and hostile shapes: long chains of subgraph calls, nested ``map`` (exponential work),
huge values (doubling strings, ``replace`` blow-ups, big ranges, big powers), huge loops
(``iterate`` with a billion steps), ``eval`` nested programs, self-describing meta ops, and lone
surrogates, both as escapes in the program text (the run must be refused, LX0008, with no hash)
and in run-time values (from ``param`` and ``read_stdin``, which pass them in).

They run in a child process (``--child``) with a memory cap, one after another, each with a
wall-clock limit of :data:`TIMEOUT` seconds. What is checked:

- no Python exception escapes ``Evaluator.run`` (``internal_errors``): every failure is an error
  value, or a refused or stopped run;
- a run ends within its limit plus :data:`GRACE` (``hangs``);
- the child does not die (``crashes``: a segfault, the memory cap, a builtin that never returns)
  and prints no traceback (``tracebacks``);
- the results can be shown: ``to_str`` of every value, the worker's JSON response and the debug
  adapter's output frame all encode (lone surrogates included), and a program text holding a lone
  surrogate is refused with LX0008 and has no program hash.

``run(budget, seed)`` returns the counts; each distinct finding is written once (its smallest
program) to ``tests/fuzz/findings/{class}-interp-{n}.json``, with the program text, params and
stdin. Replay one with ``python -m tests.fuzz.interp_fuzz --replay FILE``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FINDINGS_DIR = Path(__file__).resolve().parent / "findings"
PART = "interp"
TIMEOUT = 2.0  # the run's own limit
GRACE = 3.0  # how far past it a run may end (analysis, the last node)
MEMORY_CAP = 4 * 1024**3
CLASSES = ("hangs", "crashes", "internal_errors", "tracebacks")
CAPABILITIES = ["PURE_COMPUTE", "IO_STDOUT", "IO_STDIN", "FS_READ", "FS_WRITE", "META_EVAL"]


# --- random programs --------------------------------------------------------------------------

SURROGATES = ["\ud800", "\udfff", "a\udc80b", "\ud83d", "x\ude00"]
STRINGS = [
    "",
    "a",
    "abc",
    "A b C",
    " pad ",
    "1",
    "2.5",
    "-3",
    "1e400",
    "nan",
    "😀",
    "\u2028",
    "{}",
    "{} {}",
    "[1]",
    "x" * 200,
    "std:double",
    "double",
    "out",
]


def rvalue(rng: random.Random, depth: int = 0) -> Any:
    k = rng.randrange(11 if depth < 3 else 7)
    if k == 0:
        return None
    if k == 1:
        return rng.random() < 0.5
    if k == 2:
        return rng.choice(
            [0, 1, -1, 2, 3, 10, 100, 10000, -10000, 2**62, 10**300, rng.randrange(-50, 50)]
        )
    if k == 3:
        return rng.choice([0.0, -0.0, 0.5, 2.5, 1e308, -1e308, 1e-320, 3.14159])
    if k in (4, 5, 6):
        return rng.choice(STRINGS)
    if k in (7, 8):
        return [rvalue(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {rng.choice(STRINGS): rvalue(rng, depth + 1) for _ in range(rng.randrange(4))}


def _ops() -> dict[str, Any]:
    from lexis_ls.lang.opcodes import OPCODES

    return OPCODES


AVOID = {"http_get", "http_post", "http_request", "gui_render", "input_port", "output_port"}


def random_graph(
    rng: random.Random, n: int, refs: list[str], ports: int = 0
) -> list[dict[str, Any]]:
    """``n`` random nodes; inside a subgraph (``ports`` > 0) with input ports and one output."""
    ops = [o for o in _ops() if o not in AVOID]
    nodes: list[dict[str, Any]] = []
    ids: list[str] = []
    for p in range(ports):
        nodes.append({"id": f"in{p}", "op": "input_port", "value": p})
        ids.append(f"in{p}")
    for k in range(n):
        op = rng.choice(ops)
        info = _ops()[op]
        node: dict[str, Any] = {"id": f"n{k}", "op": op}
        lo = info.arity.min if hasattr(info.arity, "min") else 0
        count = lo if rng.random() < 0.7 else rng.randrange(0, 5)
        if op in ("concat", "sequence", "format", "dict", "match"):
            count = rng.randrange(0, 6)
        if ids and count:
            node["inputs"] = [rng.choice(ids) for _ in range(count)]
        elif count and rng.random() < 0.3:
            node["inputs"] = ["missing"] * count
        rule = info.value.name if info.value is not None else ""
        if op == "const" or rng.random() < 0.1:
            node["value"] = rvalue(rng)
        if "SUBGRAPH" in rule:
            node["value"] = rng.choice(
                [*refs, "std:double", "std:add", "std:is_num", "std:identity", "std:to_str", "nope"]
            )
        elif op == "param":
            node["value"] = rng.choice(["p", "q", "missing"])
        elif op == "delay":
            node["value"] = rng.choice([0, 0.01, 0.2, 61, -1, "1"])
        elif op == "format":
            node["value"] = (
                "{}" * len(node.get("inputs", [])) if rng.random() < 0.8 else rng.choice(STRINGS)
            )
        elif op == "gui_widget":
            node["value"] = {"type": rng.choice(["label", "button", "nope"]), "text": rvalue(rng)}
        elif op == "gui_draw":
            node["value"] = {"shape": rng.choice(["rect", "line", "nope"])}
        elif op == "gui_state":
            node["value"] = rng.choice(["s", 3])
        nodes.append(node)
        ids.append(node["id"])
    if ports:
        nodes.append({"id": "out", "op": "output_port", "inputs": [rng.choice(ids)], "value": 0})
    return nodes


def program_text(
    nodes: list[dict[str, Any]],
    subgraphs: dict[str, Any] | None = None,
    caps: list[str] | None = None,
) -> str:
    doc: dict[str, Any] = {
        "spec": "lexis-0.1.0",
        "capabilities": CAPABILITIES if caps is None else caps,
        "nodes": nodes,
    }
    if subgraphs:
        doc["subgraphs"] = {k: {"nodes": v} for k, v in subgraphs.items()}
    return json.dumps(doc, indent=1)  # ASCII: a lone surrogate stays an escape


def _port(x: str = "x") -> dict[str, Any]:
    return {"id": x, "op": "input_port", "value": 0}


def _out(src: str) -> dict[str, Any]:
    return {"id": "out", "op": "output_port", "inputs": [src], "value": 0}


def hostile(rng: random.Random) -> tuple[str, str]:
    """A (kind, program text) of one of the hostile shapes."""
    kind = rng.choice(
        [
            "chain",
            "nested_map",
            "doubling",
            "replace_blowup",
            "iterate",
            "retry",
            "big_numbers",
            "eval_nest",
            "meta",
            "wrong_types",
            "surrogate_text",
            "deep_value",
            "sort_unique",
            "compose_chain",
        ]
    )
    if kind == "chain":
        depth = rng.choice([150, 199, 200, 201, 400, 1500])
        sgs: dict[str, Any] = {
            "s0": [
                _port(),
                {"id": "k", "op": "const", "value": 1},
                {"id": "r", "op": "add", "inputs": ["x", "k"]},
                _out("r"),
            ]
        }
        for k in range(1, depth):
            op = (
                rng.choice(["subgraph_call", "subgraph_call", "map"])
                if k % 50 == 0
                else "subgraph_call"
            )
            if op == "map":
                sgs[f"s{k}"] = [
                    _port(),
                    {"id": "l", "op": "sequence", "inputs": ["x"]},
                    {"id": "m", "op": "map", "inputs": ["l"], "value": f"s{k - 1}"},
                    {"id": "z", "op": "const", "value": 0},
                    {"id": "i", "op": "index", "inputs": ["m", "z"]},
                    _out("i"),
                ]
            else:
                sgs[f"s{k}"] = [
                    _port(),
                    {"id": "c", "op": "subgraph_call", "inputs": ["x"], "value": f"s{k - 1}"},
                    _out("c"),
                ]
        nodes = [
            {"id": "one", "op": "const", "value": 1},
            {"id": "r", "op": "subgraph_call", "inputs": ["one"], "value": f"s{depth - 1}"},
            {"id": "p", "op": "print", "inputs": ["r"]},
        ]
        return kind, program_text(nodes, sgs)
    if kind == "nested_map":
        depth = rng.randrange(2, 8)
        width = rng.choice([5, 10, 30])
        sgs = {"m0": [_port(), {"id": "r", "op": "to_str", "inputs": ["x"]}, _out("r")]}
        for k in range(1, depth):
            sgs[f"m{k}"] = [
                _port(),
                {"id": "a", "op": "const", "value": 0},
                {"id": "b", "op": "const", "value": width},
                {"id": "xs", "op": "range", "inputs": ["a", "b"]},
                {"id": "m", "op": "map", "inputs": ["xs"], "value": f"m{k - 1}"},
                _out("m"),
            ]
        nodes = [
            {"id": "z", "op": "const", "value": 0},
            {"id": "r", "op": "subgraph_call", "inputs": ["z"], "value": f"m{depth - 1}"},
            {"id": "n", "op": "length", "inputs": ["r"]},
            {"id": "p", "op": "print", "inputs": ["n"]},
        ]
        return kind, program_text(nodes, sgs)
    if kind == "doubling":
        seed = rng.choice(["ab", [1, 2], {"k": "v"}, "\U0001f600"])
        nodes = [{"id": "d0", "op": "const", "value": seed}]
        op = "concat" if isinstance(seed, str) else rng.choice(["flatten", "sequence", "zip"])
        for k in range(1, rng.randrange(10, 40)):
            if isinstance(seed, str):
                nodes.append({"id": f"d{k}", "op": "concat", "inputs": [f"d{k - 1}", f"d{k - 1}"]})
            elif op == "sequence":
                nodes.append(
                    {"id": f"d{k}", "op": "sequence", "inputs": [f"d{k - 1}", f"d{k - 1}"]}
                )
            else:
                nodes.append(
                    {"id": f"s{k}", "op": "sequence", "inputs": [f"d{k - 1}", f"d{k - 1}"]}
                )
                nodes.append({"id": f"d{k}", "op": "flatten", "inputs": [f"s{k}"]})
        last = nodes[-1]["id"]
        nodes += [
            {
                "id": "t",
                "op": rng.choice(
                    ["to_str", "length", "reverse", "upper", "unique", "sort", "keys"]
                ),
                "inputs": [last],
            },
            {"id": "p", "op": "print", "inputs": ["t"]},
        ]
        return kind, program_text(nodes)
    if kind == "replace_blowup":
        nodes = [
            {"id": "s0", "op": "const", "value": "a" * rng.choice([100, 1000, 10000])},
            {"id": "a", "op": "const", "value": rng.choice(["a", ""])},
        ]
        for k in range(1, 6):
            nodes.append(
                {"id": f"s{k}", "op": "replace", "inputs": [f"s{k - 1}", "a", f"s{k - 1}"]}
            )
        nodes.append({"id": "n", "op": "length", "inputs": ["s5"]})
        nodes.append({"id": "p", "op": "print", "inputs": ["n"]})
        return kind, program_text(nodes)
    if kind == "iterate":
        nodes = [
            {"id": "i", "op": "const", "value": 0},
            {"id": "n", "op": "const", "value": rng.choice([10**9, 10**6, 2**63])},
            {"id": "r", "op": "iterate", "inputs": ["i", "n"], "value": "step"},
            {"id": "p", "op": "print", "inputs": ["r"]},
        ]
        step = [
            _port(),
            {"id": "one", "op": "const", "value": 1},
            {"id": "y", "op": "add", "inputs": ["x", "one"]},
            {"id": "f", "op": "const", "value": False},
            {"id": "l", "op": "sequence", "inputs": ["y", "f"]},
            _out("l"),
        ]
        return kind, program_text(nodes, {"step": step})
    if kind == "retry":
        nodes = [
            {"id": "i", "op": "const", "value": 0},
            {"id": "n", "op": "const", "value": 10**9},
            {"id": "r", "op": "retry", "inputs": ["i", "n"], "value": "fail"},
            {"id": "p", "op": "print", "inputs": ["r"]},
        ]
        fail = [
            _port(),
            {"id": "z", "op": "const", "value": 0},
            {"id": "y", "op": "div", "inputs": ["x", "z"]},
            _out("y"),
        ]
        return kind, program_text(nodes, {"fail": fail})
    if kind == "big_numbers":
        nodes = [
            {"id": "a", "op": "const", "value": rng.choice([10, 2, 9999999, 1.5, -7, 10**300])},
            {"id": "b", "op": "const", "value": rng.choice([10**6, 4300, 1e300, 0.5, -1, 10**18])},
        ]
        for k, op in enumerate(
            rng.sample(
                [
                    "power",
                    "mul",
                    "add",
                    "div",
                    "mod",
                    "round",
                    "floor",
                    "sqrt",
                    "to_str",
                    "to_num",
                    "range",
                    "take",
                    "drop",
                    "index",
                    "slice",
                ],
                8,
            )
        ):
            inputs = ["a", "b"] if op not in ("floor", "sqrt", "to_str", "to_num") else ["a"]
            nodes.append({"id": f"r{k}", "op": op, "inputs": inputs})
            nodes.append({"id": f"p{k}", "op": "print", "inputs": [f"r{k}"]})
            if rng.random() < 0.5:
                nodes.append({"id": f"a{k}", "op": "power", "inputs": [f"r{k}", "b"]})
        return kind, program_text(nodes)
    if kind == "eval_nest":
        inner: dict[str, Any] = {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "META_EVAL"],
            "nodes": [
                {"id": "x", "op": "const", "value": rvalue(rng)},
                {"id": "p", "op": "print", "inputs": ["x"]},
            ],
        }
        for _ in range(rng.randrange(1, 6)):
            inner = {
                "spec": "lexis-0.1.0",
                "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "META_EVAL"],
                "nodes": [
                    {"id": "q", "op": "const", "value": inner},
                    {"id": "e", "op": "eval", "inputs": ["q"]},
                    {"id": "p", "op": "print", "inputs": ["e"]},
                ],
            }
        return kind, program_text(inner["nodes"])
    if kind == "meta":
        nodes = [
            {"id": "r", "op": "reflect"},
            {"id": "ns", "op": "get", "inputs": ["r", "k"]},
            {"id": "k", "op": "const", "value": "nodes"},
            {"id": "ic", "op": "const", "value": rng.choice([0, 1, -1, 10**20])},
            {"id": "oc", "op": "const", "value": rng.choice([0, 1, 2])},
            {"id": "b", "op": "build_subgraph", "inputs": ["ns", "ic", "oc"]},
            {"id": "q", "op": "quote", "inputs": ["b"]},
            {"id": "f", "op": "subgraph_def", "value": "std:double"},
            {"id": "g", "op": "compose", "inputs": ["f", "f"]},
            {"id": "gq", "op": "quote", "inputs": ["g"]},
            {"id": "h", "op": "compose", "inputs": ["g", "g"]},
            {"id": "two", "op": "const", "value": 2},
            {"id": "ap", "op": "apply", "inputs": ["h", "two"]},
            {"id": "e", "op": "emit_node", "inputs": ["k", "k", "ns"]},
            {"id": "p", "op": "print", "inputs": [rng.choice(["q", "gq", "ap", "e", "b"])]},
        ]
        return kind, program_text(nodes)
    if kind == "wrong_types":
        ops = [o for o in _ops() if o not in AVOID and o not in ("subgraph_call", "delay")]
        op = rng.choice(ops)
        nodes = [{"id": f"v{k}", "op": "const", "value": rvalue(rng)} for k in range(4)]
        nodes += [{"id": "p0", "op": "param", "value": "p"}, {"id": "s0", "op": "read_stdin"}]
        srcs = [n["id"] for n in nodes]
        for k in range(6):
            info = _ops()[op]
            count = getattr(info.arity, "min", 1) if rng.random() < 0.8 else rng.randrange(5)
            node: dict[str, Any] = {
                "id": f"w{k}",
                "op": op,
                "inputs": [rng.choice(srcs) for _ in range(count)],
            }
            if info.value is not None and "SUBGRAPH" in info.value.name:
                node["value"] = rng.choice(["std:double", "std:add", "std:identity"])
            elif op == "format":
                node["value"] = "{}" * count
            elif op in ("gui_widget",):
                node["value"] = {"type": "label"}
            elif op == "gui_draw":
                node["value"] = {"shape": "rect"}
            elif op in ("gui_state", "param"):
                node["value"] = "p"
            elif op == "const":
                node["value"] = rvalue(rng)
                node.pop("inputs")
            nodes.append(node)
            nodes.append({"id": f"t{k}", "op": "to_str", "inputs": [f"w{k}"]})
            nodes.append({"id": f"pr{k}", "op": "print", "inputs": [f"w{k}"]})
            srcs.append(f"w{k}")
        return f"wrong_types:{op}", program_text(nodes)
    if kind == "surrogate_text":
        where = rng.choice(
            ["value", "doc", "id_key", "spec", "caps", "domains", "subgraph", "description", "op"]
        )
        s = rng.choice(SURROGATES)
        nodes = [
            {"id": "a", "op": "const", "value": 1},
            {"id": "p", "op": "print", "inputs": ["a"]},
        ]
        doc: dict[str, Any] = {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
            "nodes": nodes,
        }
        if where == "value":
            nodes[0]["value"] = rng.choice([s, [1, s], {"k": s}, {s: 1}])
        elif where == "doc":
            nodes[0]["doc"] = s
        elif where == "id_key":
            nodes[0][s] = 1
        elif where == "spec":
            doc["spec"] = "lexis-0.1.0" + s
        elif where == "caps":
            doc["capabilities"].append(s)
        elif where == "domains":
            doc["allowed_domains"] = [s]
        elif where == "description":
            doc["description"] = s
        elif where == "op":
            nodes[0]["op"] = "const" + s
        else:
            doc["subgraphs"] = {
                "g": {
                    "nodes": [
                        _port(),
                        {"id": "k", "op": "const", "value": s},
                        {"id": "c", "op": "concat", "inputs": ["x", "k"]},
                        _out("c"),
                    ]
                }
            }
            nodes.append({"id": "m", "op": "subgraph_call", "inputs": ["a"], "value": "g"})
        return f"surrogate_text:{where}", json.dumps(doc)
    if kind == "deep_value":
        depth = rng.choice([500, 5000, 50000])
        value: Any = 1
        text = "[" * depth + "1" + "]" * depth
        op = rng.choice(
            [
                "to_str",
                "eq",
                "flatten",
                "unique",
                "sort",
                "length",
                "type_of",
                "print",
                "try_catch",
                "contains",
                "eval",
            ]
        )
        nodes_text = (
            '[{"id": "d", "op": "const", "value": '
            + text
            + '}, {"id": "e", "op": "const", "value": 1}, {"id": "r", "op": "'
            + op
            + '", "inputs": ["d"'
            + (', "d"' if op in ("eq", "contains") else "")
            + ']}, {"id": "p", "op": "print", "inputs": ["r"]}]'
        )
        del value
        return (
            f"deep_value:{op}",
            '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "META_EVAL"], "nodes": '
            + nodes_text
            + "}",
        )
    if kind == "sort_unique":
        nodes = [
            {"id": "a", "op": "const", "value": 0},
            {"id": "b", "op": "const", "value": 10000},
            {"id": "xs", "op": "range", "inputs": ["a", "b"]},
            {"id": "e", "op": "enumerate", "inputs": ["xs"]},
            {"id": "ts", "op": "map", "inputs": ["xs"], "value": "std:to_str"},
        ]
        for k, op in enumerate(["unique", "sort", "reverse", "flatten", "to_str", "zip"]):
            nodes.append(
                {
                    "id": f"o{k}",
                    "op": op,
                    "inputs": ["e", "ts"] if op == "zip" else [rng.choice(["e", "ts", "xs"])],
                }
            )
        nodes.append({"id": "p", "op": "print", "inputs": ["o4"]})
        return kind, program_text(nodes)
    # compose_chain: compose doubling its depth
    nodes = [{"id": "f0", "op": "subgraph_def", "value": "std:increment"}]
    for k in range(1, rng.randrange(5, 30)):
        nodes.append({"id": f"f{k}", "op": "compose", "inputs": [f"f{k - 1}", f"f{k - 1}"]})
    nodes += [
        {"id": "z", "op": "const", "value": 0},
        {"id": "r", "op": "apply", "inputs": [nodes[-1]["id"], "z"]},
        {"id": "p", "op": "print", "inputs": ["r"]},
    ]
    return "compose_chain", program_text(nodes)


def random_case(rng: random.Random) -> dict[str, Any]:
    params = {
        "p": rng.choice(["1", "abc", "", *SURROGATES, "1e999", "😀" * 3]),
        "q": rng.choice(SURROGATES),
    }
    stdin = rng.choice(["line\n", "\ud800\nb\n", "", "x" * 1000 + "\n", "a\udcffb\n"])
    if rng.random() < 0.7:
        kind, text = hostile(rng)
    else:
        refs = []
        sgs: dict[str, Any] = {}
        for k in range(rng.randrange(0, 3)):
            name = f"g{k}"
            sgs[name] = random_graph(rng, rng.randrange(1, 6), refs[:], ports=rng.choice([1, 1, 2]))
            refs.append(name)
        kind = "random"
        text = program_text(
            random_graph(rng, rng.randrange(1, 25), refs),
            sgs,
            caps=rng.choice([None, None, ["PURE_COMPUTE"]]),
        )
    return {"kind": kind, "text": text, "params": params, "stdin": stdin}


# --- the child: runs cases, reports one JSON line each ---------------------------------------


def _check_case(case: dict[str, Any], folder: Path) -> dict[str, Any]:
    from lexis_ls.dap.protocol import encode
    from lexis_ls.dap.render import short
    from lexis_ls.lang.analysis import analyze
    from lexis_ls.lang.hashing import text_has_lone_surrogate
    from lexis_ls.run.evaluator import Evaluator, RunOptions
    from lexis_ls.run.host import HostOptions
    from lexis_ls.run.worker import encode_result

    echoed: list[str] = []
    text = case["text"]
    analysis = analyze(text)
    options = RunOptions(
        host=HostOptions(
            params=case["params"],
            stdin=io.StringIO(case["stdin"]),
            program_dir=folder,
            fs_root=folder,
            timeout=TIMEOUT,
            echo=echoed.append,
        ),
        display=False,
    )
    started = time.monotonic()
    result = Evaluator(analysis, options).run()
    elapsed = time.monotonic() - started
    problems: list[str] = []
    if result.status not in ("ok", "refused", "stopped"):
        problems.append(f"status {result.status!r}")
    if elapsed > TIMEOUT + GRACE:
        problems.append(f"hang: the run took {elapsed:.1f} s (limit {TIMEOUT} s)")
    if text_has_lone_surrogate(text):
        if result.status != "refused":
            problems.append(f"a program with a lone surrogate was not refused ({result.status})")
        if not any(d.code == "LX0008" for d in analysis.diagnostics):
            problems.append("a program with a lone surrogate has no LX0008")
        if analysis.hasher.program_hash() is not None:
            problems.append("a program with a lone surrogate has a program hash")
    for v in list(result.values.values())[:200]:
        short(v)  # what the debugger shows
    json.dumps(encode_result(result))  # what the language server's worker sends
    for chunk in echoed[:1000]:
        encode(
            {"type": "event", "event": "output", "body": {"category": "stdout", "output": chunk}}
        )
    return {
        "status": result.status,
        "reason": result.reason,
        "elapsed": elapsed,
        "problems": problems,
    }


def child() -> int:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    except (ImportError, ValueError, OSError):
        pass
    sys.setrecursionlimit(1000)  # what `lexis run` has
    folder = Path(tempfile.mkdtemp(prefix="lexis-interp-fuzz-"))
    out = sys.stdout
    sys.stdout = sys.stderr  # what programs print must not mix with the reports
    for line in sys.stdin:
        case = json.loads(line)
        try:
            report = _check_case(case, folder)
        except BaseException as exc:  # what the fuzzer is looking for
            if isinstance(exc, KeyboardInterrupt):
                raise
            report = {"exception": traceback.format_exc()[-6000:], "type": type(exc).__name__}
        out.write(json.dumps(report) + "\n")
        out.flush()
    return 0


# --- the parent ------------------------------------------------------------------------------


class Child:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env.pop("DISPLAY", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.interp_fuzz", "--child"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.stderr: list[str] = []
        self.lines: list[str] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.decode("utf-8", "replace"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append("")
            self.cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))
            del self.stderr[:-200]

    def ask(self, case: dict[str, Any], timeout: float) -> dict[str, Any] | str | None:
        """The report; "" when the child died; None when it did not answer in time."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(case) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            return ""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.lines:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            line = self.lines.pop(0)
        if not line:
            return ""
        report: dict[str, Any] = json.loads(line)
        return report

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)


def _signature(kind: str, text: str) -> str:
    frames = re.findall(r'File "([^"]+)", line \d+, in (\S+)', text)
    ours = [f for f in frames if "lexis_ls" in f[0]]
    where = f"{Path(ours[-1][0]).name}:{ours[-1][1]}" if ours else ""
    last = text.strip().splitlines()[-1] if text.strip() else ""
    return re.sub(r"\d+", "N", f"{kind.split(':')[0]} {where} {last.split(':')[0]}")[:160]


class Recorder:
    def __init__(self) -> None:
        self.paths: dict[tuple[str, str], Path] = {}
        self.sizes: dict[tuple[str, str], int] = {}

    def add(self, cls: str, signature: str, case: dict[str, Any], detail: str, seed: int) -> None:
        key = (cls, signature)
        size = len(case["text"])
        if key in self.paths and size >= self.sizes[key]:
            return
        FINDINGS_DIR.mkdir(parents=True, exist_ok=True)
        if key not in self.paths:
            n = 1 + sum(1 for k in self.paths if k[0] == cls)
            self.paths[key] = FINDINGS_DIR / f"{cls}-{PART}-{n}.json"
            print(f"  [{PART}] new {cls}: {signature}", file=sys.stderr, flush=True)
        self.sizes[key] = size
        record = {
            "class": cls,
            "part": PART,
            "signature": signature,
            "seed": seed,
            "detail": detail[-6000:],
            **case,
        }
        self.paths[key].write_text(
            json.dumps(record, indent=1, ensure_ascii=True) + "\n", encoding="utf-8"
        )


def run(budget: float, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    deadline = time.monotonic() + budget
    counts: dict[str, int] = {"programs": 0, "ok": 0, "refused": 0, "stopped": 0}
    for cls in CLASSES:
        counts[cls] = 0
    recorder = Recorder()
    worker: Child | None = None
    try:
        while time.monotonic() < deadline:
            if worker is None:
                worker = Child()
            case = random_case(rng)
            counts["programs"] += 1
            report = worker.ask(case, TIMEOUT + GRACE + 20.0)  # + analysis of big texts
            finding: tuple[str, str, str] | None = None
            if report is None:
                finding = (
                    "hangs",
                    f"{case['kind'].split(':')[0]} no answer",
                    "the child did not answer in time",
                )
                worker.kill()
                worker = None
            elif report == "":
                tail = "".join(worker.stderr)[-3000:]
                finding = (
                    "crashes",
                    f"{case['kind'].split(':')[0]} child died ({worker.proc.poll()})",
                    tail,
                )
                worker.kill()
                worker = None
            else:
                assert isinstance(report, dict)
                if "exception" in report:
                    finding = (
                        "internal_errors",
                        _signature(case["kind"], report["exception"]),
                        report["exception"],
                    )
                else:
                    counts[report["status"]] = counts.get(report["status"], 0) + 1
                    for problem in report["problems"]:
                        cls = "hangs" if problem.startswith("hang") else "internal_errors"
                        finding = (
                            cls,
                            f"{case['kind'].split(':')[0]} {re.sub(r'[0-9.]+', 'N', problem)[:100]}",
                            json.dumps(report),
                        )
                tb = "".join(worker.stderr)
                if finding is None and "Traceback (most recent call last)" in tb:
                    finding = ("tracebacks", _signature(case["kind"], tb), tb[-3000:])
                    worker.stderr.clear()
            if finding is not None:
                cls, signature, detail = finding
                counts[cls] += 1
                recorder.add(cls, signature, case, detail, seed)
    finally:
        if worker is not None:
            worker.kill()
    return counts


def replay(path: Path) -> int:
    record = json.loads(path.read_text(encoding="utf-8"))
    worker = Child()
    try:
        case = {k: record[k] for k in ("kind", "text", "params", "stdin")}
        report = worker.ask(case, TIMEOUT + GRACE + 20.0)
        print(json.dumps(report, indent=1) if isinstance(report, dict) else repr(report))
        return (
            0
            if isinstance(report, dict) and "exception" not in report and not report["problems"]
            else 1
        )
    finally:
        worker.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Hostile programs against the Lexis interpreter.")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds to run (default 60)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replay", type=Path, help="replay one finding file instead")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child()
    if args.replay is not None:
        return replay(args.replay)
    counts = run(args.budget, args.seed)
    print(json.dumps(counts, indent=1))
    return 1 if any(counts.get(c) for c in CLASSES) else 0


if __name__ == "__main__":
    raise SystemExit(main())
