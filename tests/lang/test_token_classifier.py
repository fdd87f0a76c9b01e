"""The token classifier behind semantic highlighting."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.opcodes import CATEGORIES
from lexis_ls.lang.tokens import KINDS, MODIFIERS, Token, classify

PROGRAM = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "BOGUS"],
  "nodes": [
    {"doc": "😀", "id": "n", "op": "const", "value": [1, 2]},
    {"id": "d", "op": "map", "inputs": ["n"], "value": "std:double"},
    {"id": "f", "op": "map", "inputs": ["d"], "value": "inc"},
    {"id": "p", "op": "print", "inputs": ["f"]},
    {"id": "q", "op": "nope", "value": 0}
  ],
  "subgraphs": {
    "inc": {"nodes": [
      {"id": "x", "op": "input_port", "value": 0},
      {"id": "o", "op": "output_port", "inputs": ["x"], "value": 0}
    ]}
  }
}
"""


def shown(text: str, tokens: list[Token]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(text[t.start : t.end], t.kind, t.modifiers) for t in tokens]


def key(name: str) -> tuple[str, str, tuple[str, ...]]:
    return (f'"{name}"', "key", ())


def test_every_structural_token_is_classified() -> None:
    assert shown(PROGRAM, classify(analyze(PROGRAM).program)) == [
        key("spec"),
        key("capabilities"),
        ('"PURE_COMPUTE"', "capability", ()),
        ('"IO_STDOUT"', "capability", ()),  # "BOGUS" is no capability: not classified
        key("nodes"),
        key("doc"),
        key("id"),
        ('"n"', "node_id", ("declaration",)),
        key("op"),
        ('"const"', "op", ("literal",)),
        key("value"),
        key("id"),
        ('"d"', "node_id", ("declaration",)),
        key("op"),
        ('"map"', "op", ("higher_order",)),
        key("inputs"),
        ('"n"', "input", ()),
        key("value"),
        ('"std:double"', "reference", ("std",)),
        key("id"),
        ('"f"', "node_id", ("declaration",)),
        key("op"),
        ('"map"', "op", ("higher_order",)),
        key("inputs"),
        ('"d"', "input", ()),
        key("value"),
        ('"inc"', "reference", ()),
        key("id"),
        ('"p"', "node_id", ("declaration",)),
        key("op"),
        ('"print"', "op", ("literal", "effect")),
        key("inputs"),
        ('"f"', "input", ()),
        key("id"),
        ('"q"', "node_id", ("declaration",)),
        key("op"),  # "nope" is no opcode: not classified, and neither is its value
        key("value"),
        key("subgraphs"),
        ('"inc"', "subgraph", ("declaration",)),
        key("nodes"),
        key("id"),
        ('"x"', "node_id", ("declaration",)),
        key("op"),
        ('"input_port"', "op", ("subgraph",)),
        key("value"),
        ("0", "port", ()),
        key("id"),
        ('"o"', "node_id", ("declaration",)),
        key("op"),
        ('"output_port"', "op", ("subgraph",)),
        key("inputs"),
        ('"x"', "input", ()),
        key("value"),
        ("0", "port", ()),
    ]


def test_categories_of_other_ops_and_hash_references() -> None:
    ref = "3d8c23929a98e626a7736b5a654e508c7d10638e7c899cf14bde93a190a42e7e"
    text = (
        '{"spec": "lexis-0.1.0", "capabilities": ["NETWORK_OUT"], "nodes": ['
        '{"id": "u", "op": "http_get", "inputs": ["s"]}, '
        '{"id": "s", "op": "upper", "inputs": ["u"]}, '
        f'{{"id": "m", "op": "subgraph_def", "value": "{ref}"}}, '
        '{"id": "k", "op": "input_port", "value": true}]}'
    )
    ops = [
        (s, mods) for s, kind, mods in shown(text, classify(analyze(text).program)) if kind != "key"
    ]
    assert ops == [
        ('"NETWORK_OUT"', ()),
        ('"u"', ("declaration",)),
        ('"http_get"', ("network", "effect")),
        ('"s"', ()),
        ('"s"', ("declaration",)),
        ('"upper"', ("string",)),
        ('"u"', ()),
        ('"m"', ("declaration",)),
        ('"subgraph_def"', ("subgraph",)),
        (f'"{ref}"', ()),
        ('"k"', ("declaration",)),
        ('"input_port"', ("subgraph",)),  # `true` is no port number
    ]


def test_partially_typed_document() -> None:
    text = (
        '{\n  "spec": "lexis-0.1.0",\n  "nodes": [\n    {"id": "a", "op": "add", "inputs": ["b", "c'
    )
    assert shown(text, classify(analyze(text).program)) == [
        key("spec"),
        key("nodes"),
        key("id"),
        ('"a"', "node_id", ("declaration",)),
        key("op"),
        ('"add"', "op", ("arithmetic",)),
        key("inputs"),
        ('"b"', "input", ()),
        ('"c', "input", ()),  # unterminated: up to the end of its line
    ]


def test_not_a_program() -> None:
    assert classify(analyze("").program) == []
    assert classify(analyze("[1, 2]").program) == []
    assert shown('{"nodes": 3}', classify(analyze('{"nodes": 3}').program)) == [key("nodes")]


def test_window_keeps_only_tokens_touching_it() -> None:
    program = analyze(PROGRAM).program
    line = PROGRAM.splitlines()[6]  # the node `f`
    start = PROGRAM.index(line)
    tokens = classify(program, start, start + len(line))
    assert [t.kind for t in tokens] == [
        *("key", "node_id", "key", "op", "key", "input", "key", "reference")
    ]
    middle = PROGRAM.index('"inputs": ["d"]')
    tokens = classify(program, middle + 2, middle + 14)  # inside "inputs" .. inside "d"
    assert shown(PROGRAM, tokens) == [key("inputs"), ('"d"', "input", ())]


def test_vocabulary() -> None:
    assert KINDS == (
        "key",
        "op",
        "node_id",
        "input",
        "capability",
        "subgraph",
        "reference",
        "port",
    )
    assert set(MODIFIERS).isdisjoint(CATEGORIES)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(alphabet='{}[]:, \n"abcdefgiklmnoprstuvx0123456789\\é😀', max_size=200))
def test_tokens_are_sorted_disjoint_and_on_one_line(tail: str) -> None:
    text = '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "op": "add", "inputs": [' + tail
    tokens = classify(analyze(text).program)
    previous_end = 0
    for t in tokens:
        assert previous_end <= t.start < t.end <= len(text)
        assert "\n" not in text[t.start : t.end]
        previous_end = t.end
