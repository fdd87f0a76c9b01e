"""Tests of the Lexis formatter (lexis_ls.lang.format), LEXIS.md section 7."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexis_ls.lang.format import (
    MAX_DEPTH,
    FormatError,
    FormatResult,
    RawNumber,
    _load_slow,
    format_node,
    format_text,
    load_preserving,
)

# --------------------------------------------------------------------------------------------
# Helpers


def fmt(text: str) -> str:
    """Format and insist that it worked."""
    result = format_text(text)
    assert result.reason is None, result.reason
    assert result.text is not None
    return result.text


def refusal(text: str) -> str:
    """Format and insist that it was refused; return the reason."""
    result = format_text(text)
    assert result.text is None
    assert result.reason is not None
    return result.reason


class Obj(list[tuple[str, Any]]):
    """A JSON object as its ordered (key, value) pairs (json.loads object_pairs_hook)."""


def load_ordered(text: str) -> Any:
    """Independent parse (the stdlib) that keeps key order and duplicate keys."""
    return json.loads(text, object_pairs_hook=Obj)


def canon(value: Any, *, ordered: bool = True) -> Any:
    """A structure that is equal only for equal JSON values, with int/float/bool distinct.

    Works on json.loads(object_pairs_hook=Obj) output and on load_preserving output (RawNumber
    is compared by its token text).  With ordered=False, object key order is ignored.
    """
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, RawNumber):
        return ("raw", value.text)
    if isinstance(value, Obj):
        pairs = [(key, canon(item, ordered=ordered)) for key, item in value]
        return ("obj", tuple(pairs if ordered else sorted(pairs)))
    if isinstance(value, dict):
        pairs = [(key, canon(item, ordered=ordered)) for key, item in value.items()]
        return ("obj", tuple(pairs if ordered else sorted(pairs)))
    if isinstance(value, list):
        return ("arr", tuple(canon(item, ordered=ordered) for item in value))
    raise TypeError(type(value))


PROGRAM_ORDER = ["spec", "name", "description", "capabilities", "allowed_domains", "nodes"]
PROGRAM_ORDER.append("subgraphs")
NODE_ORDER = ["id", "op", "inputs", "value", "doc"]
SUBGRAPH_ORDER = ["nodes", "doc"]


def reorder(obj: Obj, order: list[str]) -> Obj:
    known = [pair for key in order for pair in obj if pair[0] == key]
    return Obj(known + [pair for pair in obj if pair[0] not in order])


def is_array(value: Any) -> bool:
    return isinstance(value, list) and not isinstance(value, Obj)


def expected_nodes(nodes: list[Any]) -> list[Any]:
    return [reorder(n, NODE_ORDER) if isinstance(n, Obj) else n for n in nodes]


def expected_subgraph(sub: Obj) -> Obj:
    return Obj(
        (key, expected_nodes(value) if key == "nodes" and is_array(value) else value)
        for key, value in reorder(sub, SUBGRAPH_ORDER)
    )


def expected_document(doc: Any) -> Any:
    """The documented key reorderings (LEXIS.md section 7), implemented independently."""
    if not isinstance(doc, Obj) or not is_array(dict(doc).get("nodes")):
        return doc
    result = Obj()
    for key, value in reorder(doc, PROGRAM_ORDER):
        if key == "nodes":
            value = expected_nodes(value)
        elif key == "subgraphs" and isinstance(value, Obj):
            value = Obj(
                (name, expected_subgraph(sub) if isinstance(sub, Obj) else sub)
                for name, sub in value
            )
        result.append((key, value))
    return result


def check_properties(text: str) -> str:
    """Format ``text`` (valid JSON) and check every documented property; return the output."""
    out = fmt(text)
    before, after = load_ordered(text), load_ordered(out)
    # Value-preserving (independent parser, key order aside) ...
    assert canon(after, ordered=False) == canon(before, ordered=False)
    # ... key order changes only by the documented reorderings ...
    assert canon(after) == canon(expected_document(before))
    # ... numbers byte-identical ...
    assert canon(load_preserving(out), ordered=False) == canon(load_preserving(text), ordered=False)
    # ... idempotent, final newline, two-space indentation, no trailing spaces.
    assert fmt(out) == out
    assert out.endswith("\n") and not out.endswith("\n\n")
    for line in out[:-1].split("\n"):  # (not splitlines: strings may hold U+0085, U+2028)
        assert line == line.rstrip(" ")
        assert (len(line) - len(line.lstrip(" "))) % 2 == 0
    return out


def make_program(count: int, seed: int = 0) -> dict[str, Any]:
    """A program with ``count`` nodes of assorted shapes, keys in a jumbled order."""
    rng = random.Random(seed)
    nodes: list[dict[str, Any]] = []
    for i in range(count):
        op = rng.choice(["const", "add", "mul", "print", "concat", "format"])
        node: dict[str, Any] = {"op": op, "id": f"n{i}"}
        if op == "const":
            node["value"] = rng.choice(
                [i, i + 0.5, f"text {i}", {"k": [1, 2, 3], "s": "é"}, "x" * 120, [True, None]]
            )
        elif op == "format":
            node["value"] = "{} and {}"
            node["inputs"] = [f"n{rng.randrange(max(i, 1))}" for _ in range(2)]
        else:
            node["inputs"] = [f"n{rng.randrange(max(i, 1))}" for _ in range(2)]
        if i % 7 == 0:
            node["doc"] = "documentation " * (i % 5)
        nodes.append(node)
    return {"nodes": nodes, "spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"]}


# --------------------------------------------------------------------------------------------
# Canonical layout


EXAMPLE_ONE_LINE = (
    '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"], "nodes": ['
    '{"id": "a", "op": "const", "value": 5}, {"id": "b", "op": "const", "value": 3}, '
    '{"id": "sum", "op": "add", "inputs": ["a", "b"]}, {"id": "out", "op": "print", '
    '"inputs": ["sum"]}]}'
)

EXAMPLE_CANONICAL = """\
{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "a", "op": "const", "value": 5},
    {"id": "b", "op": "const", "value": 3},
    {"id": "sum", "op": "add", "inputs": ["a", "b"]},
    {"id": "out", "op": "print", "inputs": ["sum"]}
  ]
}
"""


def test_example_program_on_one_line_formats_to_the_canonical_text() -> None:
    assert fmt(EXAMPLE_ONE_LINE) == EXAMPLE_CANONICAL
    assert fmt(EXAMPLE_CANONICAL) == EXAMPLE_CANONICAL
    check_properties(EXAMPLE_ONE_LINE)


def test_example_program_from_other_layouts() -> None:
    value = json.loads(EXAMPLE_ONE_LINE)
    for indent in (None, 0, 1, 4, "\t"):
        assert fmt(json.dumps(value, indent=indent)) == EXAMPLE_CANONICAL
    compact = json.dumps(value, separators=(",", ":"))
    assert fmt(compact) == EXAMPLE_CANONICAL
    assert fmt(compact.replace("\n", "\r\n")) == EXAMPLE_CANONICAL


def test_node_keys_are_reordered() -> None:
    text = (
        '{"nodes": [{"doc": "d", "extra": 1, "value": 2, "inputs": [], "op": "const", "id": "x",'
        ' "another": null}], "spec": "lexis-0.1.0"}'
    )
    assert fmt(text) == (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        '  "nodes": [\n'
        '    {"id": "x", "op": "const", "inputs": [], "value": 2, "doc": "d", "extra": 1, '
        '"another": null}\n'
        "  ]\n"
        "}\n"
    )


def test_top_level_keys_ordered_and_unknown_keys_kept_after_the_known_ones() -> None:
    text = (
        '{"zeta": 1, "subgraphs": {}, "nodes": [], "alpha": {"b": 1, "a": 2}, "name": "n",'
        ' "allowed_domains": ["example.com"], "spec": "lexis-0.1.0", "mid": [3, 2, 1],'
        ' "capabilities": [], "description": "d"}'
    )
    assert fmt(text) == (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        '  "name": "n",\n'
        '  "description": "d",\n'
        '  "capabilities": [],\n'
        '  "allowed_domains": ["example.com"],\n'
        '  "nodes": [],\n'
        '  "subgraphs": {},\n'
        '  "zeta": 1,\n'
        '  "alpha": {"b": 1, "a": 2},\n'
        '  "mid": [3, 2, 1]\n'
        "}\n"
    )
    check_properties(text)


def node_with_value_of_length(length: int) -> str:
    """A node whose one-line text is exactly ``length`` columns long."""
    base = '{"id": "a", "op": "const", "value": ""}'
    assert length >= len(base)
    return base[:-2] + "x" * (length - len(base)) + '"}'


def program_with_nodes(*nodes: str) -> str:
    return '{"spec": "lexis-0.1.0", "nodes": [' + ", ".join(nodes) + "]}"


def test_node_line_of_exactly_100_columns_stays_on_one_line() -> None:
    node = node_with_value_of_length(95)  # 4 (indent) + 95 + 1 (comma) = 100
    out = fmt(program_with_nodes(node, node_with_value_of_length(40)))
    line = out.splitlines()[3]
    assert line == "    " + node + ","
    assert len(line) == 100


def test_node_line_of_101_columns_is_expanded() -> None:
    node = node_with_value_of_length(96)  # 4 + 96 + 1 = 101 columns
    value = json.loads(node)["value"]
    out = fmt(program_with_nodes(node, node_with_value_of_length(40)))
    assert out == (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        '  "nodes": [\n'
        "    {\n"
        '      "id": "a",\n'
        '      "op": "const",\n'
        f'      "value": "{value}"\n'
        "    },\n"
        f"    {node_with_value_of_length(40)}\n"
        "  ]\n"
        "}\n"
    )


def test_the_comma_column_is_reserved_even_for_the_last_node() -> None:
    """A node's layout never depends on its position (range formatting relies on it)."""
    fits, too_long = node_with_value_of_length(95), node_with_value_of_length(96)
    assert fmt(program_with_nodes(fits)).splitlines()[3] == "    " + fits
    assert fmt(program_with_nodes(too_long)).splitlines()[3] == "    {"


def test_expanded_node_keeps_fitting_values_inline_and_expands_the_others() -> None:
    big = {f"key{i}": list(range(10)) for i in range(4)}
    node = {"value": big, "op": "const", "id": "big", "doc": "short", "inputs": []}
    out = fmt(json.dumps({"spec": "lexis-0.1.0", "nodes": [node]}))
    assert out == (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        '  "nodes": [\n'
        "    {\n"
        '      "id": "big",\n'
        '      "op": "const",\n'
        '      "inputs": [],\n'
        '      "value": {\n'
        '        "key0": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],\n'
        '        "key1": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],\n'
        '        "key2": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],\n'
        '        "key3": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n'
        "      },\n"
        '      "doc": "short"\n'
        "    }\n"
        "  ]\n"
        "}\n"
    )


def test_long_arrays_expand_one_element_per_line() -> None:
    caps = [f"CAPABILITY_NUMBER_{i}" for i in range(6)]
    out = fmt(json.dumps({"capabilities": caps, "nodes": [], "spec": "lexis-0.1.0"}))
    assert out == (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        '  "capabilities": [\n'
        + "".join(f'    "{cap}",\n' for cap in caps[:-1])
        + f'    "{caps[-1]}"\n'
        "  ],\n"
        '  "nodes": []\n'
        "}\n"
    )


def test_subgraphs_layout() -> None:
    program = {
        "subgraphs": {
            "double_it": {
                "other": True,
                "doc": "Doubles its input.",
                "nodes": [
                    {"value": 0, "op": "input_port", "id": "x"},
                    {"id": "k", "op": "const", "value": 2},
                    {"id": "r", "op": "mul", "inputs": ["x", "k"]},
                    {"op": "output_port", "id": "out", "inputs": ["r"], "value": 0},
                ],
            },
            "empty": {},
            "odd": [1, 2],
            "no_nodes": {"doc": "nothing yet"},
        },
        "nodes": [
            {"id": "xs", "op": "const", "value": [1, 2, 3]},
            {"id": "ys", "op": "map", "inputs": ["xs"], "value": "double_it"},
        ],
        "capabilities": ["PURE_COMPUTE"],
        "spec": "lexis-0.1.0",
    }
    expected = """\
{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE"],
  "nodes": [
    {"id": "xs", "op": "const", "value": [1, 2, 3]},
    {"id": "ys", "op": "map", "inputs": ["xs"], "value": "double_it"}
  ],
  "subgraphs": {
    "double_it": {
      "nodes": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "k", "op": "const", "value": 2},
        {"id": "r", "op": "mul", "inputs": ["x", "k"]},
        {"id": "out", "op": "output_port", "inputs": ["r"], "value": 0}
      ],
      "doc": "Doubles its input.",
      "other": true
    },
    "empty": {},
    "odd": [1, 2],
    "no_nodes": {
      "doc": "nothing yet"
    }
  }
}
"""
    assert fmt(json.dumps(program)) == expected
    check_properties(json.dumps(program))


def test_subgraph_node_boundary_at_indent_8() -> None:
    fits, too_long = node_with_value_of_length(91), node_with_value_of_length(92)
    text = (
        '{"spec": "lexis-0.1.0", "nodes": [], "subgraphs": {"f": {"nodes": ['
        + fits
        + ", "
        + too_long
        + "]}}}"
    )
    lines = fmt(text).splitlines()
    assert lines[5] == '      "nodes": ['
    assert lines[6] == " " * 8 + fits + ","
    assert len(lines[6]) == 100
    assert lines[7] == " " * 8 + "{"


def test_nested_objects_elsewhere_are_not_reordered() -> None:
    """Only program, subgraph and node objects are reordered; a "nodes" inside a value isn't."""
    inner = {"nodes": [{"op": "const", "id": "q", "value": 1}], "spec": "lexis-0.1.0"}
    text = json.dumps({"spec": "lexis-0.1.0", "nodes": [{"op": "eval", "id": "e", "value": inner}]})
    out = fmt(text)
    assert '"value": {"nodes": [{"op": "const", "id": "q", "value": 1}], "spec"' in out
    check_properties(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1,2,3]", "[1, 2, 3]\n"),
        ('"x"', '"x"\n'),
        ("  42  ", "42\n"),
        ("null", "null\n"),
        ("{}", "{}\n"),
        ("[]", "[]\n"),
        ('[{}, [], {"a": []}]', '[{}, [], {"a": []}]\n'),
        # Not program-shaped: generic layout, no reordering.
        ('{"nodes": {"a": 1}, "spec": "x"}', '{"nodes": {"a": 1}, "spec": "x"}\n'),
        (
            '{"spec": "lexis-0.1.0", "capabilities": []}',
            '{"spec": "lexis-0.1.0", "capabilities": []}\n',
        ),
        (
            json.dumps([f"element number {i}" for i in range(6)]),
            "[\n" + ",\n".join(f'  "element number {i}"' for i in range(6)) + "\n]\n",
        ),
    ],
)
def test_generic_documents(text: str, expected: str) -> None:
    assert fmt(text) == expected
    check_properties(text)


def test_generic_expansion_is_recursive() -> None:
    value = {"a": [list(range(30)), {"b": "y" * 90}], "c": {"d": 1}}
    assert fmt(json.dumps(value)) == (
        "{\n"
        '  "a": [\n'
        "    [\n" + ",\n".join(f"      {i}" for i in range(30)) + "\n    ],\n"
        "    {\n"
        f'      "b": "{"y" * 90}"\n'
        "    }\n"
        "  ],\n"
        '  "c": {"d": 1}\n'
        "}\n"
    )


# --------------------------------------------------------------------------------------------
# Values written back exactly


NUMBER_TOKENS = [
    "1.0",
    "1e5",
    "-0.0",
    "1E400",
    "12345678901234567890.0",
    "12345678901234567890",
    "0",
    "-0",
    "1E-7",
    "2.50",
    "1e+05",
    "-1.5E-0",
    "0.10000000000000000555",
]


def test_numbers_are_kept_byte_identical() -> None:
    groups = [NUMBER_TOKENS[:5], NUMBER_TOKENS[5:9], NUMBER_TOKENS[9:]]
    nodes = [
        f'{{"value": [{",".join(group)}], "op": "const", "id": "n{i}"}}'
        for i, group in enumerate(groups)
    ]
    out = fmt('{"nodes": [' + ", ".join(nodes) + '], "spec": "lexis-0.1.0"}')
    for i, group in enumerate(groups):
        assert f'    {{"id": "n{i}", "op": "const", "value": [{", ".join(group)}]}}' in out
    check_properties(out)
    loaded = load_preserving("[" + ", ".join(NUMBER_TOKENS) + "]")
    assert loaded == [RawNumber(token) for token in NUMBER_TOKENS]


def test_raw_number_helpers() -> None:
    assert RawNumber("12").is_integer and RawNumber("12").to_python() == 12
    assert not RawNumber("1e5").is_integer
    assert isinstance(RawNumber("1.0").to_python(), float)
    assert repr(RawNumber("-0.0").to_python()) == "-0.0"


def test_non_ascii_and_emoji_are_kept_as_is() -> None:
    text = (
        '{"spec": "lexis-0.1.0", "nodes": [{"doc": "na\\u00efve \\ud83d\\ude00", "value": '
        '"日本語 😀 Ωmega", "op": "const", "id": "grüße"}]}'
    )
    out = fmt(text)
    assert (
        '    {"id": "grüße", "op": "const", "value": "日本語 😀 Ωmega", "doc": "naïve 😀"}\n' in out
    )
    check_properties(text)


def test_escapes() -> None:
    raw = r'"a\nb\"c\u0000d\\e\/f\tg\u001f\u007fh\b\f\r"'
    text = '{"spec": "lexis-0.1.0", "nodes": [{"id": "s", "op": "const", "value": ' + raw + "}]}"
    out = fmt(text)
    expected = json.dumps(json.loads(raw), ensure_ascii=False)
    assert expected == '"a\\nb\\"c\\u0000d\\\\e/f\\tg\\u001f\x7fh\\b\\f\\r"'
    assert f'"value": {expected}}}' in out
    check_properties(text)


def test_unpaired_surrogate_escapes_stay_escaped() -> None:
    text = r'["\ud800", "x\udfffy", "\ud83d\ude00", "\ud83d\ud83d\ude00"]'
    out = fmt(text)
    assert out == '["\\ud800", "x\\udfffy", "😀", "\\ud83d😀"]\n'
    out.encode("utf-8")  # the text is always encodable
    check_properties(text)


def test_keys_are_escaped_like_strings() -> None:
    text = r'{"a\"b": 1, "é\n": 2, "\u0000": 3}'
    assert fmt(text) == '{"a\\"b": 1, "é\\n": 2, "\\u0000": 3}\n'


# --------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            '{\n  "nodes": [\n    {"id": "a"}\n    {"id": "b"}\n  ]\n}',
            "not valid JSON: Expecting ',' delimiter at line 4 column 5",
        ),
        (
            '{\n  "nodes": [\n    {"id": "a", "op": "const", "value": 1, "op": "add"}\n  ]\n}',
            'duplicate key "op" at line 3 column 44: formatting would drop one of the values',
        ),
        (
            '{"spec": "lexis-0.1.0", "nodes": [',
            "not valid JSON: Expecting value, found end of text",
        ),
        ('{"a": 1', "not valid JSON: Unexpected end of text (expecting ',' or '}')"),
        ("[1, 2", "not valid JSON: Unexpected end of text (expecting ',' or ']')"),
        ('{"a"', "not valid JSON: Unexpected end of text (expecting ':')"),
        ("", "not valid JSON: Expecting value, found end of text at line 1 column 1"),
        ("   \n  ", "not valid JSON: Expecting value, found end of text at line 2 column 3"),
        (
            "[1, 2,]",
            "not valid JSON: trailing comma before the end of the array at line 1 column 6",
        ),
        (
            '{"a": 1,\n}',
            "not valid JSON: trailing comma before the end of the object at line 1 column 8",
        ),
        ("// comment\n{}", "not valid JSON: comments are not allowed in JSON at line 1 column 1"),
        ('{"a": 1 /* c */}', "not valid JSON: comments are not allowed in JSON at line 1 column 9"),
        ('{"a": /* c */ 1}', "not valid JSON: comments are not allowed in JSON at line 1 column 7"),
        ("{} // trailing", "not valid JSON: comments are not allowed in JSON at line 1 column 4"),
        ("[NaN]", "not valid JSON: NaN is not allowed in JSON at line 1 column 2"),
        ('{"v": Infinity}', "not valid JSON: Infinity is not allowed in JSON at line 1 column 7"),
        ('{"v": -Infinity}', "not valid JSON: -Infinity is not allowed in JSON at line 1 column 7"),
        (
            "['a']",
            "not valid JSON: Expecting value (strings must use double quotes, not ') at line 1 column 2",
        ),
        (
            "{'a': 1}",
            (
                "not valid JSON: Expecting property name enclosed in double quotes "
                "(single quotes are not JSON) at line 1 column 2"
            ),
        ),
        ('["abc', "not valid JSON: Unterminated string starting at line 1 column 2"),
        ('"a\nb"', "not valid JSON: Invalid control character at line 1 column 3"),
        (r'"\x"', "not valid JSON: Invalid \\escape at line 1 column 2"),
        (r'"\u12"', "not valid JSON: Invalid \\uXXXX escape at line 1 column 3"),
        ("[True]", "not valid JSON: Expecting value, found bare word 'True' at line 1 column 2"),
        (
            '{"op": add}',
            "not valid JSON: Expecting value, found bare word 'add' at line 1 column 8",
        ),
        (
            "{a: 1}",
            "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        ("[1] [2]", "not valid JSON: Extra data after the JSON value at line 1 column 5"),
        ("[01]", "not valid JSON: numbers cannot have leading zeros at line 1 column 2"),
        ("[-]", "not valid JSON: Expecting value at line 1 column 2"),
        ("[.5]", "not valid JSON: Expecting value at line 1 column 2"),
        ("[1.]", "not valid JSON: Expecting ',' delimiter at line 1 column 3"),
        (
            "\ufeff{}",
            "not valid JSON: Expecting value, found a byte order mark (U+FEFF) at line 1 column 1",
        ),
        ('["\ud800"]', "not valid JSON: unpaired surrogate code point U+D800 at line 1 column 3"),
        (
            '{"a": 1, "a": 1}',
            'duplicate key "a" at line 1 column 10: formatting would drop one of the values',
        ),
        (
            '{"x": [{"deep": {"k": 1, "\\u006b": 2}}]}',
            'duplicate key "k" at line 1 column 26: formatting would drop one of the values',
        ),
        (
            '{\r\n  "a": 1,\r\n  "a": 2\r\n}',
            'duplicate key "a" at line 3 column 3: formatting would drop one of the values',
        ),
        (
            '{\r"a": 1,\r"a": 2}',
            'duplicate key "a" at line 3 column 1: formatting would drop one of the values',
        ),
    ],
)
def test_refusal_reasons(text: str, reason: str) -> None:
    assert refusal(text).startswith(reason)
    assert re.search(r"at line \d+ column \d+", refusal(text))


def test_format_error_carries_the_position() -> None:
    with pytest.raises(FormatError) as caught:
        load_preserving('{\n  "a": 1,\n  "b": [1, 2,, 3]\n}')
    error = caught.value
    assert (error.line, error.column, error.kind) == (3, 14, "syntax")
    assert error.offset == 25
    assert error.message == "Expecting value"
    assert str(error) == error.reason == "not valid JSON: Expecting value at line 3 column 14"
    with pytest.raises(FormatError) as caught:
        load_preserving('{"a": {"b": 1, "b": 2}}')
    assert caught.value.kind == "duplicate"
    assert (caught.value.line, caught.value.column) == (1, 16)


def test_long_duplicate_keys_are_shortened_in_the_reason() -> None:
    key = "k" * 500
    reason = refusal(json.dumps({key: 1})[:-1] + ", " + json.dumps(key) + ": 2}")
    assert reason.startswith('duplicate key "' + "k" * 60 + '…" at line 1 column 509')


def test_deep_invalid_nesting_is_refused_without_recursion_error() -> None:
    for text in ("[" * 100_000, '{"a":' * 100_000, "[" * 100_000 + "]" * 99_999):
        reason = refusal(text)
        assert reason == f"nesting deeper than {MAX_DEPTH} levels at line 1 column " + str(
            (MAX_DEPTH * 5 if text.startswith("{") else MAX_DEPTH) + 1
        )


def test_deep_valid_nesting_is_refused_with_a_reason() -> None:
    reason = refusal("[" * 100_000 + "]" * 100_000)
    assert reason == f"nesting deeper than {MAX_DEPTH} levels at line 1 column {MAX_DEPTH + 1}"
    assert refusal("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).startswith("nesting deeper")


def test_nesting_up_to_the_limit_is_formatted() -> None:
    text = "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    out = fmt(text)  # (check_properties' recursive helpers would be too deep here)
    assert fmt(out) == out
    assert json.loads(out) == json.loads(text)
    lines = out.splitlines()
    # Indent plus the inner value's length is the same at every level: nothing fits.
    assert len(lines) == 2 * MAX_DEPTH + 1
    assert lines[MAX_DEPTH] == " " * (2 * MAX_DEPTH) + "1"
    assert lines[-1] == "]"
    deep_object = '{"a": ' * MAX_DEPTH + "[]" + "}" * MAX_DEPTH
    assert refusal(deep_object).startswith("nesting deeper")
    deep_object = '{"a": ' * (MAX_DEPTH - 1) + "[]" + "}" * (MAX_DEPTH - 1)
    out = fmt(deep_object)
    assert fmt(out) == out
    assert json.loads(out) == json.loads(deep_object)


# --------------------------------------------------------------------------------------------
# format_node


def test_format_node_matches_the_document() -> None:
    program = make_program(300, seed=3)
    out = fmt(json.dumps(program))
    loaded = load_preserving(out)
    assert isinstance(loaded, dict)
    nodes = loaded["nodes"]
    block = ",\n".join("    " + format_node(node, 4) for node in nodes)
    assert '  "nodes": [\n' + block + "\n  ]" in out
    assert any("\n" in format_node(node, 4) for node in nodes)


def test_format_node_at_other_indents_and_widths() -> None:
    node = load_preserving('{"inputs": ["a", "b"], "op": "add", "id": "sum"}')
    assert format_node(node, 4) == '{"id": "sum", "op": "add", "inputs": ["a", "b"]}'
    assert format_node(node, 0, width=49) == '{"id": "sum", "op": "add", "inputs": ["a", "b"]}'
    assert format_node(node, 0, width=48) == (
        '{\n  "id": "sum",\n  "op": "add",\n  "inputs": ["a", "b"]\n}'
    )
    assert format_node(node, 6, width=30) == (
        '{\n        "id": "sum",\n        "op": "add",\n        "inputs": ["a", "b"]\n      }'
    )
    assert format_node(load_preserving("[1, 2]"), 4) == "[1, 2]"
    assert format_node({"id": "n", "value": 1.5, "inputs": [1]}, 4) == (
        '{"id": "n", "inputs": [1], "value": 1.5}'
    )


# --------------------------------------------------------------------------------------------
# Properties


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=40,
)
json_styles = st.sampled_from([None, 0, 1, 2, 4, "\t", "compact"])


def dump(value: Any, style: Any, ensure_ascii: bool) -> str:
    if style == "compact":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=ensure_ascii)
    return json.dumps(value, indent=style, ensure_ascii=ensure_ascii)


@settings(max_examples=300, deadline=None)
@given(json_values, json_styles, st.booleans())
def test_property_arbitrary_json(value: Any, style: Any, ensure_ascii: bool) -> None:
    check_properties(dump(value, style, ensure_ascii))


OPS = ["const", "add", "print", "map", "subgraph_call", "format", "input_port", "output_port"]
ids = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.-]{0,10}\Z")
long_texts = st.text(min_size=0, max_size=150)
node_values = json_values | long_texts | st.lists(st.integers(), max_size=40)
extra_keys = st.text(max_size=6).filter(
    lambda key: key not in PROGRAM_ORDER + NODE_ORDER + SUBGRAPH_ORDER
)


@st.composite
def jumbled(draw: st.DrawFn, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` plus random extra keys, in a random order."""
    extras = draw(st.dictionaries(extra_keys, json_values, max_size=2))
    items = list(fields.items()) + list(extras.items())
    return dict(draw(st.permutations(items)))


@st.composite
def lexis_nodes(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 30)) == 0:
        return draw(json_values)  # not an object: laid out generically
    fields: dict[str, Any] = {}
    for key, strategy in (
        ("id", ids | json_values),
        ("op", st.sampled_from(OPS)),
        ("inputs", st.lists(ids, max_size=4) | json_values),
        ("value", node_values),
        ("doc", long_texts),
    ):
        if draw(st.booleans()):
            fields[key] = draw(strategy)
    return draw(jumbled(fields))


@st.composite
def lexis_programs(draw: st.DrawFn) -> Any:
    fields: dict[str, Any] = {"nodes": draw(st.lists(lexis_nodes(), max_size=8))}
    if draw(st.booleans()):
        fields["spec"] = "lexis-0.1.0"
    for key in ("name", "description"):
        if draw(st.booleans()):
            fields[key] = draw(long_texts)
    for key in ("capabilities", "allowed_domains"):
        if draw(st.booleans()):
            fields[key] = draw(st.lists(st.sampled_from(["PURE_COMPUTE", "IO_STDOUT", "x.org"])))
    if draw(st.sampled_from([True, True, False])):
        fields["subgraphs"] = draw(
            st.dictionaries(
                st.text(max_size=10),
                st.one_of(subgraph_objects(), subgraph_objects(), json_values),
                min_size=draw(st.integers(0, 1)),
                max_size=3,
            )
        )
    return draw(jumbled(fields))


@st.composite
def subgraph_objects(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    kind = draw(st.sampled_from(["nodes", "nodes", "nodes", "empty", "other", "absent"]))
    if kind == "nodes":
        fields["nodes"] = draw(st.lists(lexis_nodes(), min_size=1, max_size=5))
    elif kind != "absent":
        fields["nodes"] = [] if kind == "empty" else draw(json_values)
    if draw(st.booleans()):
        fields["doc"] = draw(long_texts)
    return draw(jumbled(fields))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lexis_programs(), json_styles, st.booleans())
def test_property_lexis_programs(program: Any, style: Any, ensure_ascii: bool) -> None:
    text = dump(program, style, ensure_ascii)
    out = check_properties(text)
    loaded = load_preserving(out)
    assert isinstance(loaded, dict)
    nodes = loaded["nodes"]
    if nodes:
        block = ",\n".join("    " + format_node(node, 4) for node in nodes)
        assert '  "nodes": [\n' + block + "\n  ]" in out


number_tokens = st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,12})?([eE][-+]?[0-9]{1,4})?\Z")


@settings(max_examples=200, deadline=None)
@given(st.lists(number_tokens, min_size=1, max_size=5))
def test_property_number_tokens_are_byte_identical(tokens: list[str]) -> None:
    array = "[" + ", ".join(tokens) + "]"
    text = '{"spec": "lexis-0.1.0", "nodes": [{"value": ' + array + ', "id": "n", "op": "const"}]}'
    out = check_properties(text)
    for token in tokens:
        assert re.search(rf"[\[ ]{re.escape(token)}[,\]\n]", out)


json_alphabet = st.sampled_from([*"{}[]\":,0123456789-+.eE \n\t\\/'tfnrul*aN", "true", "null"])


def reference_accepts(text: str) -> Any:
    """The stdlib, made strict: NaN/Infinity and duplicate keys refused.  Raises ValueError."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(items)
        if len(result) != len(items):
            raise ValueError("duplicate")
        return result

    def constant(name: str) -> Any:
        raise ValueError(name)

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def check_never_raises(text: str) -> None:
    result = format_text(text)
    assert isinstance(result, FormatResult)
    assert (result.text is None) != (result.reason is None)
    try:
        reference_accepts(text)
    except (ValueError, RecursionError):
        assert result.text is None and result.reason is not None
        match = re.search(r"at line (\d+) column (\d+)", result.reason)
        assert match is not None, result.reason
        line, column = int(match.group(1)), int(match.group(2))
        lines = re.split(r"\r\n|\r|\n", text)
        assert 1 <= line <= len(lines)
        assert 1 <= column <= len(lines[line - 1]) + 1
    else:
        assert result.text is not None, result.reason


@settings(max_examples=500, deadline=None)
@given(st.text() | st.lists(json_alphabet).map("".join))
def test_property_arbitrary_text_never_raises(text: str) -> None:
    check_never_raises(text)


@st.composite
def mutated_json(draw: st.DrawFn) -> str:
    text = dump(draw(json_values), draw(json_styles), draw(st.booleans()))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "replace"]))
        piece = "" if action == "delete" else draw(json_alphabet)
        end = position if action == "insert" else position + 1
        text = text[:position] + piece + text[end:]
    return text


@settings(max_examples=500, deadline=None)
@given(mutated_json())
def test_property_mutated_json(text: str) -> None:
    check_never_raises(text)


@settings(max_examples=300, deadline=None)
@given(mutated_json() | json_values.map(json.dumps))
def test_property_slow_parser_agrees_with_the_stdlib(text: str) -> None:
    """The fallback parser (used to locate errors) accepts exactly what json.loads does."""
    try:
        reference_accepts(text)
    except ValueError:
        with pytest.raises(FormatError):
            _load_slow(text)
        return
    assert canon(_load_slow(text), ordered=True) == canon(
        json.loads(text, object_pairs_hook=dict, parse_int=RawNumber, parse_float=RawNumber)
    )


# --------------------------------------------------------------------------------------------
# Size


def test_large_program() -> None:
    """10,000 nodes (timing is measured outside the test suite)."""
    program = make_program(10_000)
    text = json.dumps(program)
    out = check_properties(text)
    assert out.count("\n") > 10_000
    assert out.startswith('{\n  "spec": "lexis-0.1.0",\n  "capabilities": [')
