"""Occurrences of a node id (references, highlights, rename): each input that names it once,
however many of a node's inputs name it."""

from __future__ import annotations

import json

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.locate import id_occurrences


def program(inputs: list[str]) -> str:
    return json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE"],
            "nodes": [
                {"id": "a", "op": "const", "value": 1},
                {"id": "s", "op": "add", "inputs": inputs},
            ],
        }
    )


def test_a_node_reading_an_id_twice_gives_two_references() -> None:
    text = program(["a", "a"])
    found = id_occurrences(analyze(text).program.graphs[0], "a")
    assert [(text[o.start : o.end], o.definition) for o in found] == [
        ('"a"', True),
        ('"a"', False),
        ('"a"', False),
    ]
    assert len({o.start for o in found}) == 3


def test_many_inputs_naming_one_id_are_each_listed_once() -> None:
    # (the fuzzer's case: 40,000 inputs of one node naming one id; read once per input each,
    # that was 1.6 billion steps)
    text = program(["a"] * 20_000)
    found = id_occurrences(analyze(text).program.graphs[0], "a")
    assert len(found) == 20_001
    assert len({o.start for o in found}) == 20_001
