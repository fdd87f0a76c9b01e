"""The opcode registry agrees with LEXIS.md, and the published schema with the registry."""

from __future__ import annotations

import json
import re

from helpers import ROOT

from lexis_ls.lang.opcodes import CAPABILITIES, OPCODES, Arity
from lexis_ls.lang.schema import program_schema, schema_text


def test_registry_matches_the_opcode_table(lexis_md: str) -> None:
    rows = re.findall(
        r"^\| (\d) \| `(\w+)` \| ([^|]+) \| ([^|]+) \| (\w+) \| (.*) \|$", lexis_md, re.M
    )
    assert len(rows) == 93
    spec = {op: (int(t), a.strip(), v.strip(), c, s.strip()) for t, op, a, v, c, s in rows}
    ours = {
        name: (
            op.tier,
            op.arity.describe(),
            op.value.value.replace("none", "—"),
            op.capability,
            op.semantics,
        )
        for name, op in OPCODES.items()
    }
    assert ours == spec


def test_capabilities_match_the_security_table(lexis_md: str) -> None:
    rows = dict(re.findall(r"^\| (\w+) \| (\d) \| [^|]+ \|$", lexis_md, re.M))
    assert {k: int(v) for k, v in rows.items()} == {c.name: c.trust for c in CAPABILITIES.values()}


def test_arity_rules() -> None:
    assert Arity.parse("0+ even").accepts(4) and not Arity.parse("0+ even").accepts(3)
    assert Arity.parse("3+ odd").accepts(5) and not Arity.parse("3+ odd").accepts(4)
    assert not Arity.parse("3+ odd").accepts(1)
    assert Arity.parse("1-2").accepts(2) and not Arity.parse("1-2").accepts(3)
    assert OPCODES["add"].arity.phrase() == "2 inputs"
    assert OPCODES["round"].arity.phrase() == "1 or 2 inputs"


def test_committed_schema_is_generated_from_the_registry() -> None:
    committed = (ROOT / "schema" / "lexis.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "schema/lexis.schema.json is stale: run `lexis schema > schema/lexis.schema.json`"
    )


def test_schema_lists_every_opcode_with_documentation() -> None:
    schema = program_schema()
    op = schema["$defs"]["node"]["properties"]["op"]
    assert op["enum"] == sorted(OPCODES)
    assert len(op["markdownEnumDescriptions"]) == 93
    assert json.loads(schema_text()) == schema
