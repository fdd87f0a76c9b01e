"""The JSON Schema of Lexis programs, generated from the opcode registry.

``program_schema()`` is the published schema (``schema/lexis.schema.json``, ``lexis schema``):
editors that only speak JSON Schema (VS Code's JSON support, yaml/json language servers) get
completion of opcodes and capabilities with their documentation, and per-op arity and value
rules. The shape checks LX0002-LX0005 validate with the structural part of the same schema
(``top_level_shape()`` and ``node_shape()``), leaving opcodes, ids and values to the language
checks, which give better messages and suggestions.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from .model import ID_PATTERN, SPEC_VERSION
from .opcodes import (
    CAPABILITIES,
    DELAY_MAX_SECONDS,
    DRAW_SHAPES,
    OPCODES,
    WIDGET_TYPES,
    ValueRule,
)

SCHEMA_ID = "urn:lexis:schema:lexis-0.1.0"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _node_properties(full: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "id": {"type": "string", "description": "Node id, unique within its graph."},
        "op": {"type": "string", "description": "The opcode."},
        "inputs": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Ids of the nodes whose values are this node's inputs, in order.",
        },
        "value": {
            "description": "Op-specific value (literal, template, subgraph reference, config)."
        },
        "doc": {"type": "string", "description": "Documentation shown on hover."},
    }
    if full:
        props["id"]["pattern"] = f"^{ID_PATTERN.pattern}$"
        ops = sorted(OPCODES)
        props["op"] = {
            "enum": ops,
            "description": "The opcode (one of the 93 of Lexis 0.1.0).",
            "markdownEnumDescriptions": [OPCODES[o].documentation() for o in ops],
        }
    return props


def _value_schema(rule: ValueRule) -> dict[str, Any] | None:
    if rule is ValueRule.STRING or rule is ValueRule.TEMPLATE:
        return {"type": "string"}
    if rule is ValueRule.OPTIONAL_STRING:
        return {"type": "string"}
    if rule is ValueRule.PORT:
        return {"type": "integer", "minimum": 0}
    if rule is ValueRule.DELAY_SECONDS:
        return {"type": "number", "minimum": 0, "maximum": DELAY_MAX_SECONDS}
    if rule is ValueRule.SUBGRAPH_REF:
        return {"type": "string", "minLength": 1}
    if rule is ValueRule.CONFIG:
        return {"type": "object"}
    if rule is ValueRule.WIDGET:
        return {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": list(WIDGET_TYPES)}},
        }
    if rule is ValueRule.SHAPE:
        return {
            "type": "object",
            "required": ["shape"],
            "properties": {"shape": {"enum": list(DRAW_SHAPES)}},
        }
    return None


def _per_op_rules() -> list[dict[str, Any]]:
    rules = []
    for name in sorted(OPCODES):
        op = OPCODES[name]
        then: dict[str, Any] = {}
        inputs: dict[str, Any] = {"minItems": op.arity.min}
        if op.arity.max is not None:
            inputs["maxItems"] = op.arity.max
        props: dict[str, Any] = {}
        if op.arity.min > 0:
            then["required"] = ["inputs"]
        if op.arity.max == 0:
            props["inputs"] = {"maxItems": 0}
        else:
            props["inputs"] = inputs
        vs = _value_schema(op.value)
        if vs is not None:
            props["value"] = vs
        if op.value.required:
            then["required"] = [*then.get("required", []), "value"]
        then["properties"] = props
        rules.append(
            {"if": {"properties": {"op": {"const": name}}, "required": ["op"]}, "then": then}
        )
    return rules


@cache
def program_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12)."""
    node = {
        "type": "object",
        "required": ["id", "op"],
        "properties": _node_properties(full=True),
        "additionalProperties": False,
        "allOf": _per_op_rules(),
    }
    caps = sorted(CAPABILITIES, key=lambda c: (CAPABILITIES[c].trust, c))
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "Lexis program",
        "description": "A Lexis 0.1.0 program: a DAG of operations (see LEXIS.md).",
        "type": "object",
        "required": ["spec", "capabilities", "nodes"],
        "properties": {
            "spec": {"const": SPEC_VERSION, "description": "Language version."},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "capabilities": {
                "type": "array",
                "items": {
                    "enum": caps,
                    "markdownEnumDescriptions": [
                        f"{CAPABILITIES[c].summary} (trust level {CAPABILITIES[c].trust})"
                        for c in caps
                    ],
                },
                "uniqueItems": True,
                "description": "Capabilities the program needs; undeclared ones are refused.",
            },
            "allowed_domains": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Hosts network ops may reach (sub-domains included).",
            },
            "nodes": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/node"}},
            "subgraphs": {"type": "object", "additionalProperties": {"$ref": "#/$defs/subgraph"}},
        },
        "additionalProperties": False,
        "$defs": {
            "node": node,
            "subgraph": {
                "type": "object",
                "required": ["nodes"],
                "properties": {
                    "nodes": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/node"}},
                    "doc": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
    }


def schema_text() -> str:
    return json.dumps(program_schema(), indent=2, ensure_ascii=False) + "\n"


@cache
def top_level_shape() -> dict[str, Any]:
    """Structure of the top level, subgraph objects included, nodes excluded."""
    return {
        "$schema": DRAFT,
        "type": "object",
        "required": ["spec", "capabilities", "nodes"],
        "properties": {
            "spec": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "capabilities": {"type": "array", "items": {"type": "string"}},
            "allowed_domains": {"type": "array", "items": {"type": "string"}},
            "nodes": {"type": "array", "minItems": 1},
            "subgraphs": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["nodes"],
                    "properties": {
                        "nodes": {"type": "array", "minItems": 1},
                        "doc": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }


@cache
def node_shape() -> dict[str, Any]:
    """Structure of one node."""
    return {
        "$schema": DRAFT,
        "type": "object",
        "required": ["id", "op"],
        "properties": _node_properties(full=False),
        "additionalProperties": False,
    }
