"""The published JSON Schema accepts the examples and rejects what the checks reject."""

from __future__ import annotations

import json

import pytest
from helpers import EXAMPLES
from jsonschema import Draft202012Validator

from lexis_ls.lang.schema import program_schema

VALIDATOR = Draft202012Validator(program_schema())


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(program_schema())


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.lexis.json")), ids=lambda p: p.name)
def test_examples_validate(path) -> None:  # type: ignore[no-untyped-def]
    errors = list(VALIDATOR.iter_errors(json.loads(path.read_text(encoding="utf-8"))))
    assert errors == []


@pytest.mark.parametrize(
    "node",
    [
        {"id": "a", "op": "ADD", "inputs": ["x", "y"]},
        {"id": "a", "op": "add", "inputs": ["x"]},
        {"id": "a", "op": "const"},
        {"id": "1a", "op": "const", "value": 1},
        {"id": "a", "op": "delay", "inputs": ["x"], "value": 99},
        {"id": "a", "op": "const", "value": 1, "input": []},
    ],
)
def test_schema_rejects_bad_nodes(node: dict[str, object]) -> None:
    program = {"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [node]}
    assert list(VALIDATOR.iter_errors(program))
