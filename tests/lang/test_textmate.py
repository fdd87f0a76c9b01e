"""The TextMate grammar is generated from the opcode registry and committed: keep them in step."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from lexis_ls.lang import textmate
from lexis_ls.lang.opcodes import CAPABILITIES, CATEGORIES, OPCODES


def test_committed_files_match_the_registry() -> None:
    root = textmate.repo_root()
    for relpath, text in textmate.generated_files().items():
        path = root / relpath
        assert path.exists(), f"{relpath} is missing: run python -m lexis_ls.lang.textmate --write"
        assert path.read_text(encoding="utf-8") == text, (
            f"{relpath} drifted from lexis_ls/lang/opcodes.py: "
            "run python -m lexis_ls.lang.textmate --write"
        )


def test_check_flag_agrees() -> None:
    assert textmate.main(["--check"]) == 0


def test_rendering_is_deterministic_json() -> None:
    text = textmate.render()
    assert text == textmate.render()
    grammar = json.loads(text)
    assert grammar["scopeName"] == "source.lexis"
    assert text.endswith("}\n")


def _op_rules() -> dict[str, re.Pattern[str]]:
    grammar = textmate.build_grammar()
    op_member = next(
        rule
        for rule in grammar["repository"]["lexis-member"]["patterns"]
        if rule["name"] == "meta.member.op.lexis"
    )
    rules: dict[str, re.Pattern[str]] = {}
    for rule in op_member["patterns"]:
        if "match" in rule:
            scope = rule["captures"]["2"]["name"]
            rules[scope] = re.compile(rule["match"])
    return rules


def test_every_opcode_is_scoped_by_exactly_its_category() -> None:
    rules = _op_rules()
    assert set(rules) == {f"support.function.lexis.{c}" for c in CATEGORIES}
    for op in OPCODES.values():
        matching = [scope for scope, rx in rules.items() if rx.fullmatch(f'"{op.name}"')]
        assert matching == [f"support.function.lexis.{op.category}"], op.name


@pytest.mark.parametrize("text", ['"ADD"', '"add "', '"adds"', '"gui"', '""', '"std:double"'])
def test_non_opcodes_get_no_opcode_scope(text: str) -> None:
    assert not any(rx.fullmatch(text) for rx in _op_rules().values())


def test_capabilities_come_from_the_registry() -> None:
    text = textmate.render()
    for name in CAPABILITIES:
        assert name in text
    grammar = textmate.build_grammar()
    members = grammar["repository"]["program-member"]["patterns"]
    caps = next(m for m in members if m["name"] == "meta.member.capabilities.lexis")
    element = caps["patterns"][0]["patterns"][0]
    rx = re.compile(element["match"])
    for name in CAPABILITIES:
        assert rx.fullmatch(f'"{name}"'), name
    assert not rx.fullmatch('"PURE_COMPUTE_X"')


def test_generated_unit_test_lists_every_opcode() -> None:
    test = textmate.render_opcode_test()
    for op in OPCODES.values():
        assert f'"op": "{op.name}"' in test
        assert f"support.function.lexis.{op.category}" in test
    # every assertion's carets sit exactly under the opcode on the line above
    lines = test.splitlines()
    for above, line in itertools.pairwise(lines):
        if line.startswith("//") and "^" in line:
            start = line.index("^")
            end = line.rindex("^") + 1
            name = above[start:end]
            assert name in OPCODES
            assert line.endswith(f"support.function.lexis.{OPCODES[name].category}")


@pytest.mark.parametrize(
    ("pattern_key", "good", "bad"),
    [
        ("NODE_ID", ["n_1", "my-node", "a.b", "_x"], ["1a", "-x", "a b", ""]),
        ("HASH", ["ab" * 32], ["ab" * 31, "g" * 64]),
        ("NUMBER", ["0", "-1.5e3", "42", "3.25E-2"], ["01", "1.", ".5", "+1", "1e"]),
    ],
)
def test_token_patterns(pattern_key: str, good: list[str], bad: list[str]) -> None:
    rx = re.compile(getattr(textmate, pattern_key))
    for text in good:
        assert rx.fullmatch(text), text
    for text in bad:
        assert not rx.fullmatch(text), text
