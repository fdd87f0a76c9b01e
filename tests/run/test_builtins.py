"""The pure builtins (lexis_ls.run.builtins): results, error values, and never raising."""

from __future__ import annotations

import copy
import json
import math
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexis_ls.lang.model import Graph
from lexis_ls.lang.opcodes import DRAW_SHAPES, NON_PROPAGATING_OPS, OPCODES, WIDGET_TYPES
from lexis_ls.lang.values import ErrorValue, lexis_equal
from lexis_ls.run.builtins import BUILTINS, NON_PROPAGATING, PURE_BUILTIN_OPS, RANGE_LIMIT
from lexis_ls.run.core import Func, SimpleCall

EVALUATOR_OPS = frozenset(
    {
        *("print", "param", "delay", "input_port", "output_port", "gui_render"),
        *("subgraph_def", "subgraph_call", "map", "filter", "reduce", "iterate", "retry"),
        *("compose", "apply", "match", "build_subgraph", "quote", "reflect", "eval"),
        *("read_file", "read_stdin", "write_file", "http_get", "http_post", "http_request"),
    }
)

FUNC = Func(Graph(name="f", nodes=[], array=None), "ab" * 32, "f")
ERR = ErrorValue("boom", "src")


class FakeFunc:
    """Any object with a ``hash`` is FUNC-like for to_str and type_of."""

    def __init__(self, h: str) -> None:
        self.hash = h

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FakeFunc) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)


def run(op: str, *args: Any, value: Any = None) -> Any:
    return BUILTINS[op](SimpleCall("n", value), list(args))


def error_message(op: str, *args: Any, value: Any = None) -> str:
    result = run(op, *args, value=value)
    assert isinstance(result, ErrorValue), f"{op}{args!r} gave {result!r}, not an error value"
    assert result.node == "n"
    return result.message


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (2 != 2.0, true != 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


# ---------------------------------------------------------------------------------------------
# the table itself


def test_builtins_and_evaluator_ops_cover_every_opcode_exactly_once() -> None:
    assert frozenset(BUILTINS) == PURE_BUILTIN_OPS
    assert not PURE_BUILTIN_OPS & EVALUATOR_OPS
    assert frozenset(OPCODES) == PURE_BUILTIN_OPS | EVALUATOR_OPS
    assert len(BUILTINS) == 67


def test_non_propagating_matches_the_registry_plus_select() -> None:
    assert NON_PROPAGATING_OPS | {"select"} == NON_PROPAGATING
    assert NON_PROPAGATING <= PURE_BUILTIN_OPS


def _bad_count(op: str) -> int:
    arity = OPCODES[op].arity
    if arity.max is not None:
        return arity.max + 1
    return arity.min + 1 if arity.parity != "any" else arity.min - 1


@pytest.mark.parametrize("op", sorted(op for op in BUILTINS if _bad_count(op) >= 0))
def test_a_wrong_input_count_is_an_error_value(op: str) -> None:
    n = _bad_count(op)
    message = error_message(op, *([1] * n), value={"type": "label", "shape": "rect"})
    assert message == f"{op} takes {OPCODES[op].arity.phrase()}, got {n}"


@pytest.mark.parametrize("op", sorted(PURE_BUILTIN_OPS - NON_PROPAGATING - {"const", "random"}))
def test_propagating_ops_return_the_input_error_unchanged(op: str) -> None:
    arity = OPCODES[op].arity
    n = max(arity.min, 1)
    if arity.parity == "even" and n % 2:
        n += 1
    args: list[Any] = [1] * n
    args[-1] = ERR
    assert run(op, *args, value={"type": "label", "shape": "rect"}) is ERR


# ---------------------------------------------------------------------------------------------
# normal results: (op, args, value, expected), compared with exact types

OK_CASES: list[tuple[str, list[Any], Any, Any]] = [
    ("const", [], 5, 5),
    ("const", [], {"a": [1, 2.5]}, {"a": [1, 2.5]}),
    ("add", [5, 3], None, 8),
    ("add", [1, 0.5], None, 1.5),
    ("add", [0.1, 0.2], None, 0.30000000000000004),
    ("sub", [5, 2], None, 3),
    ("sub", [1.5, 2], None, -0.5),
    ("mul", [10, 9], None, 90),
    ("mul", [2, 1.5], None, 3.0),
    ("div", [7, 2], None, 3.5),
    ("div", [6, 3], None, 2),
    ("div", [-6, 3], None, -2),
    ("div", [6.0, 3], None, 2.0),
    ("div", [1, 4], None, 0.25),
    ("mod", [-7, 3], None, 2),
    ("mod", [7, -3], None, -2),
    ("mod", [7, 3], None, 1),
    ("mod", [7.5, 2], None, 1.5),
    ("floor", [2.7], None, 2),
    ("floor", [-2.1], None, -3),
    ("floor", [4], None, 4),
    ("ceil", [2.1], None, 3),
    ("ceil", [-2.7], None, -2),
    ("ceil", [4], None, 4),
    ("round", [2.5], None, 3),
    ("round", [-2.5], None, -3),
    ("round", [0.5], None, 1),
    ("round", [1.5], None, 2),
    ("round", [2.4], None, 2),
    ("round", [7], None, 7),
    ("round", [1e20], None, 100000000000000000000),
    ("round", [3.456, 2], None, 3.46),
    ("round", [2.675, 2], None, 2.68),
    ("round", [1.005, 2], None, 1.01),
    ("round", [-2.675, 2], None, -2.68),
    ("round", [2.5, 0], None, 3.0),
    ("round", [0.1, 400], None, 0.1),
    ("round", [1234.5678, -2], None, 1200.0),
    ("round", [7, 1], None, 7),
    ("round", [1250, -2], None, 1300),
    ("round", [-1250, -2], None, -1300),
    ("round", [1249, -2], None, 1200),
    ("round", [5, -3], None, 0),
    ("round", [123.0, -10000], None, 0.0),
    ("power", [2, 10], None, 1024),
    ("power", [2, -2], None, 0.25),
    ("power", [4, 0.5], None, 2.0),
    ("power", [-8, 3], None, -512),
    ("power", [1, 10**20], None, 1),
    ("power", [-1, 10**20 + 1], None, -1),
    ("power", [0, 0], None, 1),
    ("sqrt", [16], None, 4.0),
    ("sqrt", [2.25], None, 1.5),
    ("sqrt", [0], None, 0.0),
    ("gt", [2, 1], None, True),
    ("gt", [1, 1.0], None, False),
    ("gt", ["b", "a"], None, True),
    ("lt", [1, 2.5], None, True),
    ("lt", ["b", "a"], None, False),
    ("gte", [1, 1.0], None, True),
    ("gte", ["a", "b"], None, False),
    ("lte", [3, 2], None, False),
    ("lte", ["", ""], None, True),
    ("eq", [1, 1.0], None, True),
    ("eq", [True, 1], None, False),
    ("eq", [[1, {"a": "x"}], [1.0, {"a": "x"}]], None, True),
    ("eq", [None, None], None, True),
    ("eq", ["1", 1], None, False),
    ("not", [0], None, True),
    ("not", [[0]], None, False),
    ("not", [""], None, True),
    ("and", [1, "x"], None, True),
    ("and", [1, {}], None, False),
    ("or", [0, None], None, False),
    ("or", [0, [1]], None, True),
    ("concat", ["a", "b"], None, "ab"),
    ("concat", ["n=", 1, " ", 2.5, " ", True, " ", None], None, "n=1 2.5 true null"),
    ("concat", [[1, "é"], {"k": "ü"}], None, '[1,"é"]{"k":"ü"}'),
    ("length", ["héllo"], None, 5),
    ("length", [[1, [2, 3]]], None, 2),
    ("length", [{"a": 1, "b": 2}], None, 2),
    ("length", [""], None, 0),
    ("to_str", [42], None, "42"),
    ("to_str", [2.5], None, "2.5"),
    ("to_str", [0.30000000000000004], None, "0.30000000000000004"),
    ("to_str", [1e16], None, "1e+16"),
    ("to_str", [True], None, "true"),
    ("to_str", [None], None, "null"),
    ("to_str", ["as is"], None, "as is"),
    ("to_str", [[1, "é", [2.0, None]]], None, '[1,"é",[2.0,null]]'),
    ("to_str", [{"b": 1, "ä": {"ñ": [True]}}], None, '{"b":1,"ä":{"ñ":[true]}}'),
    ("to_str", [FUNC], None, "<func abababababab>"),
    ("to_num", ["42"], None, 42),
    ("to_num", [" 2.5 "], None, 2.5),
    ("to_num", ["-1e3"], None, -1000.0),
    ("to_num", [True], None, 1),
    ("to_num", [False], None, 0),
    ("to_num", [7.5], None, 7.5),
    ("format", ["Ann", 3], "Hello {}, count: {}", "Hello Ann, count: 3"),
    ("format", [1], "{{literal}} {} }}{{", "{literal} 1 }{"),
    ("format", [], "{{}}", "{}"),
    ("format", [[1, 2], None], "{}/{}", "[1,2]/null"),
    ("upper", ["abc é"], None, "ABC É"),
    ("upper", [1.5], None, "1.5"),
    ("lower", ["ABC"], None, "abc"),
    ("lower", [True], None, "true"),
    ("trim", ["  a b \n"], None, "a b"),
    ("trim", [5], None, "5"),
    ("replace", ["a-b-c", "-", "+"], None, "a+b+c"),
    ("replace", ["x1x1", 1, 2], None, "x2x2"),
    ("starts_with", ["hello", "he"], None, True),
    ("starts_with", ["hello", "lo"], None, False),
    ("starts_with", [123, 12], None, True),
    ("ends_with", ["hello", "lo"], None, True),
    ("ends_with", ["hello", "he"], None, False),
    ("contains", ["hello", "ell"], None, True),
    ("contains", ["a1", 1], None, True),
    ("contains", [[1, [2], {"a": 1}], 1.0], None, True),
    ("contains", [[1, [2]], [2.0]], None, True),
    ("contains", [[1, 2], True], None, False),
    ("contains", [{"a": 1}, "a"], None, True),
    ("contains", [{"a": 1}, "b"], None, False),
    ("contains", [{"1": 1}, 1], None, False),
    ("sequence", [], None, []),
    ("sequence", [1, "a", None], None, [1, "a", None]),
    ("index", [[10, 20, 30], 0], None, 10),
    ("index", [[10, 20, 30], -1], None, 30),
    ("index", ["abc", 1], None, "b"),
    ("index", ["abc", -3], None, "a"),
    ("range", [0, 4], None, [0, 1, 2, 3]),
    ("range", [5, 1], None, [5, 4, 3, 2]),
    ("range", [3, 3], None, []),
    ("range", [0, 10, 3], None, [0, 3, 6, 9]),
    ("range", [10, 0, -4], None, [10, 6, 2]),
    ("range", [0, 5, -1], None, []),
    ("range", [0, RANGE_LIMIT], None, list(range(RANGE_LIMIT))),
    ("select", [True, "then", "else"], None, "then"),
    ("select", [0, "then", "else"], None, "else"),
    ("select", [[1], 1, 2], None, 1),
    ("try_or", [5, 0], None, 5),
    ("try_or", [None, 0], None, None),
    ("is_error", [5], None, False),
    ("is_error", [None], None, False),
    ("try_catch", [5], None, {"ok": True, "value": 5, "error": None}),
    ("try_catch", [None], None, {"ok": True, "value": None, "error": None}),
    ("comment", [[1, 2]], "label", [1, 2]),
    ("assert", [True, "x"], None, "x"),
    ("assert", [[0], 7], "must hold", 7),
    ("split", ["a,b,,c", ","], None, ["a", "b", "", "c"]),
    ("split", ["héllo", ""], None, ["h", "é", "l", "l", "o"]),
    ("split", [1.25, "."], None, ["1", "25"]),
    ("split", ["", ","], None, [""]),
    ("slice", [[1, 2, 3, 4], 1], None, [2, 3, 4]),
    ("slice", [[1, 2, 3, 4], 1, 3], None, [2, 3]),
    ("slice", [[1, 2, 3, 4], -2], None, [3, 4]),
    ("slice", [[1, 2, 3], 1, 100], None, [2, 3]),
    ("slice", [[1, 2, 3], 5, 1], None, []),
    ("slice", ["hello", 1, -1], None, "ell"),
    ("slice", ["hello", -100, 2], None, "he"),
    ("dict", [], None, {}),
    ("dict", ["a", 1, "b", [2]], None, {"a": 1, "b": [2]}),
    ("dict", ["a", 1, "b", 2, "a", 3], None, {"a": 3, "b": 2}),
    ("get", [{"a": 1, "b": None}, "b"], None, None),
    ("get", [{"a": [1]}, "a"], None, [1]),
    ("keys", [{"b": 1, "a": 2}], None, ["b", "a"]),
    ("keys", [{}], None, []),
    ("values", [{"b": 1, "a": 2}], None, [1, 2]),
    ("set", [{"a": 1, "b": 2}, "a", 9], None, {"a": 9, "b": 2}),
    ("set", [{"a": 1}, "c", [3]], None, {"a": 1, "c": [3]}),
    ("delete_key", [{"a": 1, "b": 2}, "a"], None, {"b": 2}),
    ("delete_key", [{"a": 1}, "zz"], None, {"a": 1}),
    ("items", [{"b": 1, "a": [2]}], None, [["b", 1], ["a", [2]]]),
    ("has_key", [{"a": None}, "a"], None, True),
    ("has_key", [{"a": 1}, "b"], None, False),
    ("has_key", [[1, 2], 0], None, False),
    ("has_key", [{"a": 1}, ["a"]], None, False),
    ("sort", [[3, 1.5, 2, -1]], None, [-1, 1.5, 2, 3]),
    ("sort", [["b", "a", "B"]], None, ["B", "a", "b"]),
    ("sort", [[]], None, []),
    ("reverse", [[1, [2], 3]], None, [3, [2], 1]),
    ("reverse", ["abc"], None, "cba"),
    ("merge", [{"a": 1, "b": 2}, {"b": 3, "c": 4}], None, {"a": 1, "b": 3, "c": 4}),
    ("zip", [[1, 2, 3], ["a", "b"]], None, [[1, "a"], [2, "b"]]),
    ("zip", [[], [1]], None, []),
    ("flatten", [[[1, 2], 3, [[4]], []]], None, [1, 2, 3, [4]]),
    ("unique", [[1, 2, 1, 3, 2]], None, [1, 2, 3]),
    ("unique", [[1, 1.0, True, "1", None, None]], None, [1, True, "1", None]),
    (
        "unique",
        [[[1, 2], {"a": 1}, [1, 2], {"a": 1.0}, [1.0, 2], {"a": True}, [[1]], [[1]]]],
        None,
        [[1, 2], {"a": 1}, {"a": True}, [[1]]],
    ),
    ("unique", [[{"a": 1, "b": 2}, {"b": 2, "a": 1}]], None, [{"a": 1, "b": 2}]),
    ("take", [[1, 2, 3], 2], None, [1, 2]),
    ("take", [[1, 2, 3], 10], None, [1, 2, 3]),
    ("take", [[1, 2, 3], -1], None, []),
    ("drop", [[1, 2, 3], 2], None, [3]),
    ("drop", [[1, 2, 3], 10], None, []),
    ("drop", [[1, 2, 3], -5], None, [1, 2, 3]),
    ("enumerate", [["a", "b"]], None, [[0, "a"], [1, "b"]]),
    ("enumerate", [[]], None, []),
    ("type_of", [1], None, "NUM"),
    ("type_of", [1.5], None, "NUM"),
    ("type_of", ["s"], None, "STR"),
    ("type_of", [False], None, "BOOL"),
    ("type_of", [None], None, "NULL"),
    ("type_of", [[]], None, "SEQ"),
    ("type_of", [{}], None, "DICT"),
    ("type_of", [FUNC], None, "FUNC"),
    ("type_of", [ERR], None, "ERROR"),
    (
        "gui_window",
        [],
        None,
        {"kind": "window", "title": "Lexis", "width": 400, "height": 300, "children": []},
    ),
    (
        "gui_window",
        [{"kind": "widget", "type": "label", "children": []}],
        {"title": "Hi", "width": 640},
        {
            "kind": "window",
            "title": "Hi",
            "width": 640,
            "height": 300,
            "children": [{"kind": "widget", "type": "label", "children": []}],
        },
    ),
    (
        "gui_window",
        [[{"kind": "state", "name": "n", "initial": 0}], {"kind": "canvas", "commands": []}],
        {"resizable": False},
        {
            "kind": "window",
            "title": "Lexis",
            "width": 400,
            "height": 300,
            "resizable": False,
            "children": [
                {"kind": "state", "name": "n", "initial": 0},
                {"kind": "canvas", "commands": []},
            ],
        },
    ),
    (
        "gui_widget",
        [],
        {"type": "button", "text": "+1", "on_click": "std:increment"},
        {
            "kind": "widget",
            "type": "button",
            "text": "+1",
            "on_click": "std:increment",
            "children": [],
        },
    ),
    (
        "gui_widget",
        ["child"],
        {"text": "x", "type": "vbox"},
        {"kind": "widget", "type": "vbox", "text": "x", "children": ["child"]},
    ),
    (
        "gui_canvas",
        [[{"kind": "draw", "shape": "rect", "points": []}]],
        {"width": 50},
        {
            "kind": "canvas",
            "width": 50,
            "height": 300,
            "commands": [{"kind": "draw", "shape": "rect", "points": []}],
        },
    ),
    (
        "gui_canvas",
        [{"kind": "draw", "shape": "oval", "points": []}],
        None,
        {
            "kind": "canvas",
            "width": 400,
            "height": 300,
            "commands": [{"kind": "draw", "shape": "oval", "points": []}],
        },
    ),
    (
        "gui_draw",
        [[0, 0], [10, 20]],
        {"shape": "line", "color": "red"},
        {"kind": "draw", "shape": "line", "color": "red", "points": [[0, 0], [10, 20]]},
    ),
    ("gui_draw", [], {"shape": "text"}, {"kind": "draw", "shape": "text", "points": []}),
    ("gui_state", [0], "count", {"kind": "state", "name": "count", "initial": 0}),
    ("gui_state", [], "name", {"kind": "state", "name": "name", "initial": None}),
    (
        "emit_node",
        ["s", "add", ["a", "b"]],
        None,
        {"id": "s", "op": "add", "inputs": ["a", "b"]},
    ),
    ("emit_node", ["k", "const", []], None, {"id": "k", "op": "const", "inputs": []}),
]


@pytest.mark.parametrize(
    ("op", "args", "value", "expected"),
    OK_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(OK_CASES)],
)
def test_result(op: str, args: list[Any], value: Any, expected: Any) -> None:
    before = copy.deepcopy(args)
    result = run(op, *args, value=value)
    assert same(result, expected), f"{op}{args!r} = {result!r}, expected {expected!r}"
    assert args == before, "inputs must not be mutated"


# ---------------------------------------------------------------------------------------------
# error values: (op, args, value, fragments the message must contain)

ERROR_CASES: list[tuple[str, list[Any], Any, list[str]]] = [
    ("add", ["a", 1], None, ["add needs numbers", '"a" (STR)', "1 (NUM)"]),
    ("add", [True, 1], None, ["booleans are not numbers", "true (BOOL)"]),
    ("add", [1e308, 1e308], None, ["1e+308 + 1e+308", "not a finite number"]),
    ("add", [10**4299 * 9, 10**4299 * 9], None, ["too large", "4300 digits"]),
    ("sub", [None, 1], None, ["sub needs numbers", "null (NULL)"]),
    ("sub", [-1e308, 1e308], None, ["not a finite number"]),
    ("mul", [[1], 2], None, ["mul needs numbers", "[1] (SEQ)"]),
    ("mul", [1e200, 1e200], None, ["1e+200 * 1e+200", "not a finite number"]),
    ("mul", [10**3000, 10**3000], None, ["too large"]),
    ("div", [7, 0], None, ["division by zero: 7 / 0"]),
    ("div", [7.5, 0.0], None, ["division by zero: 7.5 / 0.0"]),
    ("div", ["7", 2], None, ["div needs numbers", '"7" (STR)']),
    ("div", [1e308, 1e-10], None, ["not a finite number"]),
    ("div", [10**400, 3], None, ["out of the float range"]),
    ("mod", [7, 0], None, ["modulo by zero: 7 mod 0"]),
    ("mod", [False, 2], None, ["mod needs numbers", "false (BOOL)"]),
    ("floor", ["2.5"], None, ["floor needs numbers", '"2.5" (STR)']),
    ("ceil", [None], None, ["ceil needs numbers", "null (NULL)"]),
    ("round", ["x"], None, ["round needs a number", '"x" (STR)']),
    ("round", [2.5, 1.0], None, ["ndigits must be an integer", "1.0 (NUM)"]),
    ("round", [2.5, True], None, ["ndigits must be an integer", "true (BOOL)"]),
    ("round", [1.5e308, -308], None, ["round(1.5e+308, -308)", "not a finite number"]),
    ("power", [10, 10**9], None, ["10 ** 1000000000", "too large", "1000000001 digits"]),
    ("power", [-8, 0.5], None, ["-8 ** 0.5", "complex"]),
    ("power", [0, -1], None, ["0 ** -1", "zero cannot be raised to a negative power"]),
    ("power", [2.0, 5000], None, ["2.0 ** 5000", "too large"]),
    ("power", ["2", 2], None, ["power needs numbers", '"2" (STR)']),
    ("sqrt", [-4], None, ["sqrt of a negative number: -4"]),
    ("sqrt", ["4"], None, ["sqrt needs numbers", '"4" (STR)']),
    ("sqrt", [10**400], None, ["out of the float range"]),
    ("gt", [1, "a"], None, ['gt: cannot compare 1 (NUM) > "a" (STR)']),
    ("gt", [True, False], None, ["true (BOOL) > false (BOOL)"]),
    ("lt", [None, 1], None, ["lt: cannot compare null (NULL) < 1 (NUM)"]),
    ("gte", [[1], [2]], None, ["gte: cannot compare [1] (SEQ) >= [2] (SEQ)"]),
    ("lte", [{}, "a"], None, ['lte: cannot compare {} (DICT) <= "a" (STR)']),
    ("length", [5], None, ["length needs a string, list or dict", "5 (NUM)"]),
    ("length", [None], None, ["null (NULL)"]),
    ("to_str", [10**5000], None, ["to_str: cannot convert", "(NUM)"]),
    ("concat", ["a", 10**5000], None, ["concat: cannot convert"]),
    ("to_num", ["abc"], None, ['to_num: cannot parse "abc" as a number']),
    ("to_num", ["1e999"], None, ['cannot parse "1e999"']),
    ("to_num", [None], None, ["to_num needs a string, number or boolean", "null (NULL)"]),
    ("to_num", [[1]], None, ["[1] (SEQ)"]),
    ("format", [1], "{} and {}", ['the template "{} and {}" has 2 placeholders but got 1 input']),
    ("format", [1, 2], "{}", ["has 1 placeholder but got 2 inputs"]),
    ("format", [], "a { b", ["lone '{' at position 2"]),
    ("format", [1], "{} }", ["lone '}' at position 3"]),
    ("format", [], None, ["the template (value) must be a string", "null (NULL)"]),
    ("upper", [10**5000], None, ["upper: cannot convert"]),
    ("lower", [10**5000], None, ["lower: cannot convert"]),
    ("trim", [10**5000], None, ["trim: cannot convert"]),
    ("replace", ["a" * 1000, "a", "b" * 20_000], None, ["20000000 characters", "limit"]),
    ("starts_with", ["a", 10**5000], None, ["starts_with: cannot convert"]),
    ("ends_with", [10**5000, "a"], None, ["ends_with: cannot convert"]),
    ("split", [10**5000, ","], None, ["split: cannot convert"]),
    ("contains", [5, 5], None, ["contains needs a string, list or dict", "5 (NUM)"]),
    ("contains", [None, "a"], None, ["null (NULL)"]),
    ("index", [[1, 2], 2], None, ["index 2 out of range for a list of length 2"]),
    ("index", ["ab", -3], None, ["index -3 out of range for a string of length 2"]),
    ("index", [[1], True], None, ["position must be an integer", "true (BOOL)"]),
    ("index", [[1], 0.0], None, ["position must be an integer", "0.0 (NUM)"]),
    ("index", [{"a": 1}, "a"], None, ["index needs a list or string", "use get for dicts"]),
    ("range", [0, 10, 0], None, ["step must not be 0", "range(0, 10, 0)"]),
    ("range", [0, 10_001], None, ["10001 elements", "limit is 10000"]),
    ("range", [0, 10**30], None, ["1000000000000000000000000000000 elements"]),
    ("range", [1.0, 5], None, ["range needs integers", "1.0 (NUM)"]),
    ("range", [True, 5], None, ["range needs integers", "true (BOOL)"]),
    ("select", [ERR, 1, 2], None, ["boom"]),
    ("select", [True, ERR, 2], None, ["boom"]),
    ("select", [False, 1, ERR], None, ["boom"]),
    ("try_or", [ERR, ERR], None, ["boom"]),
    ("comment", [ERR], "label", ["boom"]),
    ("assert", [False, 1], None, ["assertion failed"]),
    ("assert", [0, 1], "x must be positive", ["x must be positive"]),
    ("assert", [[], 1], 42, ["assertion failed"]),
    ("slice", [5, 1], None, ["slice needs a list or string", "5 (NUM)"]),
    ("slice", [[1, 2], 0.5], None, ["start and end must be integers", "0.5 (NUM)"]),
    ("slice", ["ab", 0, None], None, ["start and end must be integers", "null (NULL)"]),
    ("dict", [1, 2], None, ["dict: dict keys are strings", "1 (NUM)"]),
    ("dict", ["a", 1, "b"], None, ["dict takes an even number of inputs, got 3"]),
    ("get", [{"a": 1}, "b"], None, ['get: no key "b" in the dict (keys: "a")']),
    ("get", [{}, "b"], None, ["keys: none"]),
    ("get", [[1], 0], None, ["get needs a dict", "[1] (SEQ)"]),
    ("get", [{"a": 1}, 1], None, ["dict keys are strings", "1 (NUM)"]),
    ("keys", [[1]], None, ["keys needs a dict", "[1] (SEQ)"]),
    ("values", ["ab"], None, ["values needs a dict", '"ab" (STR)']),
    ("items", [None], None, ["items needs a dict", "null (NULL)"]),
    ("set", [[], "a", 1], None, ["set needs a dict", "[] (SEQ)"]),
    ("set", [{}, 1, 1], None, ["set: dict keys are strings", "1 (NUM)"]),
    ("delete_key", [5, "a"], None, ["delete_key needs a dict", "5 (NUM)"]),
    ("delete_key", [{}, None], None, ["dict keys are strings", "null (NULL)"]),
    ("sort", [[1, "a"]], None, ["sort needs all numbers or all strings", '"a" (STR) at 1']),
    ("sort", [[True, False]], None, ["sort needs all numbers or all strings", "true (BOOL) at 0"]),
    ("sort", [[1, 2, True]], None, ["true (BOOL) at 2"]),
    ("sort", [[[1], [0]]], None, ["[1] (SEQ) at 0"]),
    ("sort", ["cba"], None, ["sort needs a list", '"cba" (STR)']),
    ("reverse", [{"a": 1}], None, ["reverse needs a list or string", '{"a":1} (DICT)']),
    ("merge", [{"a": 1}, [1]], None, ["merge needs a dict", "[1] (SEQ)"]),
    ("zip", [[1], "ab"], None, ["zip needs two lists", '"ab" (STR)']),
    ("flatten", [{"a": [1]}], None, ["flatten needs a list", "(DICT)"]),
    ("unique", ["aab"], None, ["unique needs a list", '"aab" (STR)']),
    ("take", ["abc", 1], None, ["take needs a list", '"abc" (STR)']),
    ("take", [[1], 1.5], None, ["take: the count must be an integer", "1.5 (NUM)"]),
    ("drop", [[1], None], None, ["drop: the count must be an integer", "null (NULL)"]),
    ("drop", [None, 1], None, ["drop needs a list"]),
    ("enumerate", [{"a": 1}], None, ["enumerate needs a list", "(DICT)"]),
    ("gui_window", [], "big", ["gui_window: the config (value) must be an object", '"big"']),
    ("gui_window", [], {"width": -5}, ["width must be a positive integer", "-5 (NUM)"]),
    ("gui_window", [], {"height": True}, ["height must be a positive integer", "true (BOOL)"]),
    ("gui_window", [], {"title": 7}, ["the title must be a string", "7 (NUM)"]),
    ("gui_window", [], {"children": []}, ['"children" is reserved']),
    ("gui_window", [5], None, ["child 0 must be a widget, canvas or state descriptor", "5 (NUM)"]),
    ("gui_window", [[{"kind": "nope"}]], None, ["child 0", '{"kind":"nope"} (DICT)']),
    ("gui_widget", [], {"type": "buton"}, ['unknown type "buton"', "label, button"]),
    ("gui_widget", [], {"text": "x"}, ["missing 'type'"]),
    ("gui_widget", [], "label", ["the value must be an object with a 'type'"]),
    ("gui_widget", [], {"type": "label", "kind": "x"}, ['"kind" is reserved']),
    ("gui_canvas", [[1]], None, ["command 0 is not a draw command", "1 (NUM)"]),
    ("gui_canvas", ["x"], None, ["gui_canvas needs a list of draw commands", '"x" (STR)']),
    ("gui_canvas", [[]], {"width": 0}, ["width must be a positive integer", "0 (NUM)"]),
    ("gui_draw", [], {"shape": "circle"}, ['unknown shape "circle"', "rect, oval"]),
    ("gui_draw", [], None, ["the value must be an object with a 'shape'"]),
    ("gui_draw", [], {"shape": "rect", "points": []}, ['"points" is reserved']),
    ("gui_state", [], None, ["the value must be the state's name", "null (NULL)"]),
    ("gui_state", [1], "", ["the value must be the state's name", '""']),
    ("emit_node", [1, "add", []], None, ["emit_node: the id must be a string", "1 (NUM)"]),
    ("emit_node", ["a", None, []], None, ["emit_node: the op must be a string", "null (NULL)"]),
    ("emit_node", ["a", "add", "b"], None, ["inputs must be a list of node ids", '"b" (STR)']),
    ("emit_node", ["a", "add", ["b", 1]], None, ['["b",1] (SEQ)']),
]


@pytest.mark.parametrize(
    ("op", "args", "value", "fragments"),
    ERROR_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(ERROR_CASES)],
)
def test_error_value(op: str, args: list[Any], value: Any, fragments: list[str]) -> None:
    result = run(op, *args, value=value)
    assert isinstance(result, ErrorValue), f"{op}{args!r} gave {result!r}"
    if any(a is ERR for a in args):  # a passed-through error keeps its origin node
        assert result is ERR
    else:
        assert result.node == "n"
    for fragment in fragments:
        assert fragment in result.message, f"{fragment!r} not in {result.message!r}"


# Ops that cannot yield an error value for any (right-sized) input; each is shown not to fail on
# odd input below, and test_a_wrong_input_count_is_an_error_value covers their error path.
CANNOT_FAIL = frozenset(
    {
        "const",
        "random",
        "eq",
        "not",
        "and",
        "or",
        "sequence",
        "is_error",
        "try_catch",
        "type_of",
        "has_key",
    }
)
ODD_INPUTS: list[Any] = [ERR, FUNC, FakeFunc("cd" * 32), None, [], {}, [[ERR]], 10**5000, ""]


@pytest.mark.parametrize("op", sorted(CANNOT_FAIL))
def test_ops_that_cannot_fail_do_not_fail_on_odd_input(op: str) -> None:
    arity = OPCODES[op].arity
    n = arity.min if arity.min > 0 else (1 if arity.accepts(1) else 0)
    for x in ODD_INPUTS:
        args = [x] * n
        result = run(op, *args, value=x)
        propagated = x is ERR and op not in NON_PROPAGATING
        assert not isinstance(result, ErrorValue) or propagated, (op, x, result)


def test_every_op_has_a_result_case_and_an_error_case() -> None:
    with_result = {c[0] for c in OK_CASES} | {"random"}
    with_error = {c[0] for c in ERROR_CASES}
    assert with_result == set(BUILTINS)
    assert set(BUILTINS) - with_error == CANNOT_FAIL


# ---------------------------------------------------------------------------------------------
# documented examples and specific behaviour


def test_documented_arithmetic_examples() -> None:
    assert same(run("add", 5, 3), 8)
    total = run("mul", run("add", 10, 20), run("sub", 5, 2))
    assert same(total, 90)
    assert same(run("round", 2.5), 3)
    assert same(run("round", 3.456, 2), 3.46)
    assert same(run("div", 7, 2), 3.5)
    assert same(run("div", 6, 3), 2)
    assert same(run("mod", -7, 3), 2)
    assert same(run("range", 5, 1), [5, 4, 3, 2])


def test_huge_power_fails_quickly() -> None:
    start = time.monotonic()
    message = error_message("power", 10, run("power", 10, 9))
    assert time.monotonic() - start < 0.5
    assert "10 ** 1000000000" in message
    assert "too large" in message
    for a, b in ((2, 10**400), (10**4000, 10**400), (-3, 10**12)):
        start = time.monotonic()
        assert "too large" in error_message("power", a, b)
        assert time.monotonic() - start < 0.5


def test_power_just_below_the_digit_limit_works() -> None:
    result = run("power", 10, 4299)
    assert type(result) is int
    assert len(str(result)) == 4300
    assert isinstance(run("power", 10, 4300), ErrorValue)


def test_random_is_a_float_in_the_unit_interval() -> None:
    for _ in range(200):
        r = run("random")
        assert type(r) is float
        assert 0.0 <= r < 1.0


def test_round_with_one_input_returns_an_int_and_with_ndigits_keeps_the_type() -> None:
    assert type(run("round", 2.0)) is int
    assert type(run("round", -0.4)) is int
    assert type(run("round", 2.0, 1)) is float
    assert type(run("round", 2, 1)) is int
    assert math.copysign(1.0, run("round", -0.4, 0)) == -1.0  # -0.0, as Python


def test_select_error_only_in_the_unchosen_branch_is_ignored() -> None:
    assert run("select", True, 1, ERR) == 1
    assert run("select", False, ERR, 2) == 2
    assert run("select", ERR, 1, 2) is ERR
    assert run("select", True, ERR, 2) is ERR


def test_non_propagating_ops_handle_error_values() -> None:
    assert run("try_or", ERR, 0) == 0
    assert run("is_error", ERR) is True
    assert run("is_error", [ERR]) is False
    assert run("try_catch", ERR) == {"ok": False, "value": None, "error": "boom"}
    assert run("comment", ERR) is ERR
    assert run("type_of", ERR) == "ERROR"
    assert run("has_key", ERR, "a") is False
    assert run("has_key", {"a": 1}, ERR) is False


def test_try_catch_keeps_the_value() -> None:
    value = {"x": [1, 2]}
    result = run("try_catch", value)
    assert result == {"ok": True, "value": value, "error": None}
    assert list(result) == ["ok", "value", "error"]


def test_assert_error_belongs_to_the_assert_node() -> None:
    result = BUILTINS["assert"](SimpleCall("check", "too small"), [False, 1])
    assert result == ErrorValue("too small", "check")


def test_set_keeps_key_positions_and_never_mutates() -> None:
    d = {"a": 1, "b": 2, "c": 3}
    out = run("set", d, "b", 9)
    assert list(out) == ["a", "b", "c"]
    assert d == {"a": 1, "b": 2, "c": 3}
    assert out is not d
    assert run("delete_key", d, "zz") is not d
    assert run("merge", d, {}) is not d
    assert d == {"a": 1, "b": 2, "c": 3}


def test_collection_results_are_new_objects() -> None:
    seq = [3, 1, 2]
    for op, args in (
        ("sort", [seq]),
        ("take", [seq, 10]),
        ("drop", [seq, 0]),
        ("unique", [seq]),
        ("flatten", [seq]),
        ("slice", [seq, 0]),
        ("reverse", [seq]),
    ):
        out = run(op, *args)
        assert out is not seq, op
    assert seq == [3, 1, 2]


def test_merge_second_wins_and_keeps_first_order() -> None:
    assert list(run("merge", {"a": 1, "b": 2}, {"c": 3, "a": 4})) == ["a", "b", "c"]
    assert run("merge", {"a": 1}, {"a": 4}) == {"a": 4}


def test_unique_uses_eq_semantics() -> None:
    items = [1, 1.0, True, 1, "1", [1], [1.0], [True], {"k": 1}, {"k": 1.0}, FUNC, FUNC, ERR, ERR]
    expected = [1, True, "1", [1], [True], {"k": 1}, FUNC, ERR]
    assert run("unique", items) == expected
    assert type(run("unique", items)[0]) is int


def test_to_str_of_nested_values_keeps_non_ascii_and_insertion_order() -> None:
    value = {"z": [1, 2.0, "ü"], "a": {"日本": None, "t": True}}
    assert run("to_str", value) == '{"z":[1,2.0,"ü"],"a":{"日本":null,"t":true}}'
    assert run("to_str", [ERR]) == '["Error: boom (at node src)"]'
    assert run("to_str", ERR) is ERR  # to_str propagates; print shows the text form


def test_string_ops_coerce_non_strings_with_to_str() -> None:
    assert run("upper", [1, "a"]) == '[1,"A"]'
    assert run("replace", 1.5, ".", ",") == "1,5"
    assert run("split", [1, 2], ",") == ["[1", "2]"]
    assert run("ends_with", None, "ll") is True
    assert run("trim", FUNC) == "<func abababababab>"


def test_format_with_escapes_and_non_string_inputs() -> None:
    assert run("format", 3, [1], value="{{{}}} = {}") == "{3} = [1]"
    assert run("format", value="no placeholders") == "no placeholders"
    assert run("format", 0.1, value="{}") == "0.1"


def test_range_at_the_limit_and_counting_without_building() -> None:
    assert len(run("range", 0, RANGE_LIMIT)) == RANGE_LIMIT
    assert len(run("range", RANGE_LIMIT, 0)) == RANGE_LIMIT
    start = time.monotonic()
    assert isinstance(run("range", -(10**18), 10**18), ErrorValue)
    assert isinstance(run("range", 10**18, -(10**18), -1), ErrorValue)
    assert time.monotonic() - start < 0.1


def test_gui_types_match_the_registry() -> None:
    for t in WIDGET_TYPES:
        assert run("gui_widget", value={"type": t})["type"] == t
    for s in DRAW_SHAPES:
        assert run("gui_draw", value={"shape": s})["shape"] == s


def test_gui_descriptors_compose() -> None:
    state = run("gui_state", 0, value="count")
    label = run("gui_widget", value={"type": "label", "text": "hi"})
    button = run("gui_widget", value={"type": "button", "text": "+"})
    box = run("gui_widget", label, button, value={"type": "hbox"})
    rect = run("gui_draw", [0, 0], [5, 5], value={"shape": "rect", "fill": "blue"})
    canvas = run("gui_canvas", [rect], value={"width": 100, "height": 50})
    window = run("gui_window", state, box, canvas, value={"title": "Counter"})
    assert window["kind"] == "window"
    assert [c["kind"] for c in window["children"]] == ["state", "widget", "canvas"]
    assert window["children"][1]["children"] == [label, button]
    assert canvas["commands"] == [rect]
    json.dumps(window, allow_nan=False)


# ---------------------------------------------------------------------------------------------
# properties: no builtin ever raises


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.integers()
    | st.sampled_from([0, 1, -1, 2, 10**9, 10**400, 0.0, -0.0, 0.5, 1e308, 5e-324])
    | st.integers(4290, 5000).map(lambda n: 10**n)  # near and past the printable limit
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["", ",", "{}", "{{", "}", "label", "rect", "a", "1", "2.5"])
)
odd_values = st.sampled_from([ERR, ErrorValue("inner", None, ERR), FUNC, FakeFunc("ef" * 32)])
values = st.recursive(
    json_scalars | odd_values,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=3), c, max_size=3),
    max_leaves=8,
)
call_values = (
    values
    | st.fixed_dictionaries({"type": st.sampled_from([*WIDGET_TYPES, "x"])}, optional={"w": values})
    | st.fixed_dictionaries({"shape": st.sampled_from([*DRAW_SHAPES, "x"])})
    | st.fixed_dictionaries(
        {}, optional={"title": values, "width": values, "height": values, "kind": values}
    )
    | st.sampled_from(["{} {}", "{}", "{{}}", "{", "count"])
)


def _plain(v: Any) -> bool:
    """True when ``v`` holds no FUNC or error value (so it must serialise as JSON)."""
    if isinstance(v, list):
        return all(_plain(x) for x in v)
    if isinstance(v, dict):
        return all(_plain(x) for x in v.values())
    return v is None or isinstance(v, (bool, int, float, str))


def _printable(v: Any) -> bool:
    """Plain, and serialisable as the content hash needs (finite floats, printable ints)."""
    if not _plain(v):
        return False
    try:
        json.dumps(v, allow_nan=False)
    except ValueError:
        return False
    return True


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    op=st.sampled_from(sorted(BUILTINS)),
    args=st.lists(values, max_size=5),
    value=call_values,
)
def test_no_builtin_ever_raises(op: str, args: list[Any], value: Any) -> None:
    before = copy.deepcopy(args)
    result = BUILTINS[op](SimpleCall("n", value), args)
    assert args == before, "inputs must not be mutated"
    if isinstance(result, ErrorValue):
        assert isinstance(result.message, str) and result.message
        return
    if _plain(result) and _printable(args) and _printable(value):
        # Printable inputs give a printable result: JSON that the content hash accepts.
        assert _printable(result), result


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(sorted(BUILTINS)), args=st.lists(values, min_size=1, max_size=3))
def test_argument_shape_does_not_matter_for_non_raising(op: str, args: list[Any]) -> None:
    for n in range(len(args) + 1):
        BUILTINS[op](SimpleCall(), args[:n])


def test_a_huge_integer_in_a_message_is_named_not_printed() -> None:
    """Python refuses to print an int of more than 4,300 digits: an out-of-range index or a
    range with step 0 is an error value that names the number by its size."""
    huge = 10**4300
    result = BUILTINS["index"](SimpleCall("n"), [[1, 2], huge])
    assert isinstance(result, ErrorValue)
    assert "out of range for a list of length 2" in result.message
    assert "<int of 14285 bits>" in result.message
    result = BUILTINS["range"](SimpleCall("n"), [-huge, 3, 0])
    assert isinstance(result, ErrorValue)
    assert result.message == "range: step must not be 0 (range(<int of 14285 bits>, 3, 0))"


@given(st.lists(values, max_size=12))
def test_unique_agrees_with_pairwise_eq(items: list[Any]) -> None:
    expected: list[Any] = []
    for x in items:
        if not any(lexis_equal(x, y) for y in expected):
            expected.append(x)
    result = run("unique", items)
    assert len(result) == len(expected)
    assert all(a is b for a, b in zip(result, expected))


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-7, 7))
def test_range_matches_python(start: int, stop: int, step: int) -> None:
    if step == 0:
        assert isinstance(run("range", start, stop, step), ErrorValue)
    else:
        assert run("range", start, stop, step) == list(range(start, stop, step))
    direction = 1 if stop >= start else -1
    assert run("range", start, stop) == list(range(start, stop, direction))


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.integers(0, 6),
)
def test_round_is_within_half_a_unit(x: float, nd: int) -> None:
    r = run("round", x, nd)
    assert type(r) is float
    assert abs(r - x) <= 0.5 * 10**-nd + 1e-9 * max(1.0, abs(x))
    whole = run("round", x)
    assert type(whole) is int
    assert abs(whole - x) <= 0.5
