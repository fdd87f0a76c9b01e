"""Quick fixes and fix-all: exact edits, convergence, and no byte touched that was not asked for."""

from __future__ import annotations

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.diagnostics import TextEdit
from lexis_ls.lang.fixes import apply_edits, fix_all


def program(nodes: str, caps: str = '"PURE_COMPUTE", "IO_STDOUT"', extra: str = "") -> str:
    return (
        '{\n  "spec": "lexis-0.1.0",\n'
        f'  "capabilities": [{caps}],\n{extra}'
        f'  "nodes": [\n{nodes}\n  ]\n}}\n'
    )


def quick_fix(text: str, code: str, index: int = 0) -> str:
    diags = [d for d in analyze(text).diagnostics if d.code == code]
    assert diags, f"no {code} in {[d.code for d in analyze(text).diagnostics]}"
    return apply_edits(text, diags[0].fixes[index].edits)


def codes(text: str) -> list[str]:
    return [d.code for d in analyze(text).diagnostics]


A = '    {"id": "a", "op": "const", "value": 5},\n'
OUT = '    {"id": "out", "op": "print", "inputs": ["a"]}'


def test_add_missing_capability() -> None:
    text = program(A + OUT, caps='"PURE_COMPUTE"')
    fixed = quick_fix(text, "LX2001")
    assert fixed == program(A + OUT, caps='"PURE_COMPUTE", "IO_STDOUT"')
    assert codes(fixed) == []


def test_remove_unused_and_duplicate_capabilities() -> None:
    text = program(A + OUT, caps='"PURE_COMPUTE", "FS_READ", "IO_STDOUT", "IO_STDOUT"')
    assert quick_fix(text, "LX2002") == program(
        A + OUT, caps='"PURE_COMPUTE", "IO_STDOUT", "IO_STDOUT"'
    )
    assert quick_fix(text, "LX2009") == program(
        A + OUT, caps='"PURE_COMPUTE", "FS_READ", "IO_STDOUT"'
    )


def test_case_only_opcode_fix_is_safe_and_typo_fix_is_not() -> None:
    text = program(A + OUT.replace('"print"', '"PRINT"'))
    d = next(d for d in analyze(text).diagnostics if d.code == "LX1001")
    assert d.fixes[0].safe
    assert quick_fix(text, "LX1001") == program(A + OUT)
    typo = program(A + OUT.replace('"print"', '"prnt"'))
    d = next(d for d in analyze(typo).diagnostics if d.code == "LX1001")
    assert not d.fixes[0].safe
    assert quick_fix(typo, "LX1001") == program(A + OUT)


def test_spec_version_fix() -> None:
    text = program(A + OUT).replace("lexis-0.1.0", "lexis-0.2")
    assert quick_fix(text, "LX0006") == program(A + OUT)


def test_flatten_inline_node() -> None:
    text = program(
        A + '    {"id": "s", "op": "add", "inputs": ["a", {"op": "const", "value": 2}]},\n'
        '    {"id": "out", "op": "print", "inputs": ["s"]}'
    )
    fixed = quick_fix(text, "LX1012")
    assert fixed == program(
        A + '    {"id": "s_in1", "op": "const", "value": 2},\n'
        '    {"id": "s", "op": "add", "inputs": ["a", "s_in1"]},\n'
        '    {"id": "out", "op": "print", "inputs": ["s"]}'
    )
    assert codes(fixed) == []


def test_remove_surplus_inputs() -> None:
    text = program(A + '    {"id": "out", "op": "print", "inputs": ["a", "a", "a"]}')
    diags = [d for d in analyze(text).diagnostics if d.code == "LX1002"]
    titles = [f.title for f in diags[0].fixes]
    # Dropping references is never offered first: Python's print(a, b, c) comes first.
    assert titles[0].startswith("Print the 3 values") and titles[-1].startswith("Remove")
    assert not diags[0].fixes[-1].safe
    assert quick_fix(text, "LX1002", len(titles) - 1) == program(A + OUT)
    printed = quick_fix(text, "LX1002", 0)
    assert '{"id": "out_text", "op": "format", "inputs": ["a", "a", "a"], "value": "{} {} {}"}' in (
        printed
    )


def test_associative_op_with_too_many_inputs_is_chained_safely() -> None:
    text = program(A + '    {"id": "s", "op": "add", "inputs": ["a", "a", "a", "a"]},\n' + OUT)
    result = fix_all(text)
    assert '{"id": "s_1", "op": "add", "inputs": ["a", "a"]},\n' in result.text
    assert '{"id": "s_2", "op": "add", "inputs": ["s_1", "a"]},\n' in result.text
    assert '{"id": "s", "op": "add", "inputs": ["s_2", "a"]},' in result.text
    assert not [d for d in result.analysis.diagnostics if d.severity.value == "error"]


def test_reassignment_is_rebound_not_renamed() -> None:
    text = program(
        A + '    {"id": "one", "op": "const", "value": 1},\n'
        '    {"id": "a", "op": "add", "inputs": ["a", "one"]},\n'
        '    {"id": "out", "op": "print", "inputs": ["a"]}'
    )
    result = fix_all(text)
    assert '{"id": "a_2", "op": "add", "inputs": ["a", "one"]}' in result.text
    assert '{"id": "out", "op": "print", "inputs": ["a_2"]}' in result.text


def test_dangling_reference_fixes() -> None:
    # Case only: safe.
    text = program(A + OUT.replace('["a"]', '["A"]'))
    assert fix_all(text).text == program(A + OUT)
    # Singular/plural of a node whose value is otherwise lost: offered first, not applied.
    nums = '    {"id": "numbers", "op": "const", "value": [1, 2]},\n'
    text = program(nums + OUT.replace('["a"]', '["number"]'))
    assert fix_all(text).text == text
    assert quick_fix(text, "LX1003") == program(nums + OUT.replace('["a"]', '["numbers"]'))
    assert "LX3001" not in codes(text)  # `numbers` is not "never used": the reference meant it
    # `sum` is one letter from `sub`: no evidence, so no replacement is offered.
    sub_node = '    {"id": "sub", "op": "const", "value": 1},\n'
    text = program(sub_node + OUT.replace('["a"]', '["sum"]'))
    d = next(d for d in analyze(text).diagnostics if d.code == "LX1003")
    assert [f.title for f in d.fixes] == ["Insert a `const` node `sum` (then give it a value)"]


def test_unknown_input_fixes() -> None:
    text = program(A + OUT.replace('["a"]', '["aa"]'))
    assert quick_fix(text, "LX1003", 0) == program(A + OUT)
    inserted = quick_fix(text, "LX1003", 1)
    # A placeholder never makes a program clean: without a value, LX1007 remains.
    assert '{"id": "aa", "op": "const"},\n    {"id": "out"' in inserted
    assert "LX1007" in codes(inserted)


def test_rename_unknown_key_and_duplicate_id() -> None:
    text = program(A + OUT.replace('"inputs"', '"input"'))
    assert quick_fix(text, "LX0005") == program(A + OUT)
    # Two constants named `a`, both read later: which one each reference meant is a guess.
    dup = program(A + A.replace("5", "6") + OUT)
    assert [d.fixes for d in analyze(dup).diagnostics if d.code == "LX1004"] == [()]
    # Nobody reads the second: renaming it changes no value, so it is safe.
    unread = program(A + OUT + ',\n    {"id": "a", "op": "print", "inputs": ["out"]}')
    assert '{"id": "a_2", "op": "print", "inputs": ["out"]}' in fix_all(unread).text


def test_merge_duplicate_computation() -> None:
    text = program(
        A + '    {"id": "x", "op": "mul", "inputs": ["a", "a"]},\n'
        '    {"id": "y", "op": "mul", "inputs": ["a", "a"]},\n'
        '    {"id": "s", "op": "add", "inputs": ["x", "y"]},\n'
        '    {"id": "out", "op": "print", "inputs": ["s"]}'
    )
    fixed = quick_fix(text, "LX3002")
    assert fixed == program(
        A + '    {"id": "x", "op": "mul", "inputs": ["a", "a"]},\n'
        '    {"id": "s", "op": "add", "inputs": ["x", "x"]},\n'
        '    {"id": "out", "op": "print", "inputs": ["s"]}'
    )


def test_insert_missing_spec() -> None:
    text = program(A + OUT).replace('  "spec": "lexis-0.1.0",\n', "")
    assert quick_fix(text, "LX0003") == program(A + OUT)


def test_add_host_to_allowed_domains() -> None:
    nodes = (
        '    {"id": "u", "op": "const", "value": "https://api.other.org/x"},\n'
        '    {"id": "g", "op": "http_get", "inputs": ["u"]},\n'
        '    {"id": "out", "op": "print", "inputs": ["g"]}'
    )
    text = program(
        nodes,
        caps='"PURE_COMPUTE", "IO_STDOUT", "NETWORK_OUT"',
        extra='  "allowed_domains": ["example.com"],\n',
    )
    fixed = quick_fix(text, "LX2005")
    assert '"allowed_domains": ["example.com", "api.other.org"]' in fixed
    assert "LX2005" not in codes(fixed)


MESSY = """{"spec": "lexis-0.0.9", "capabilities": ["FS_READ", "FS_READ", "GUI_RENDER"],
  "nodes": [
    {"id": "a", "op": "CONST", "value": 5},
    {"id": "s", "op": "add", "inputs": ["a", {"op": "mul", "inputs": ["a", {"op": "const", "value": 2}]}]},
    {"id": "t", "op": "add", "inputs": ["a", {"op": "const", "value": 3}, ]},
    {"id": "out", "op": "print", "inputs": ["s"]}
  ],
  "name": "kept as is — ünïcode 😀"
}
"""


def test_fix_all_converges_and_is_idempotent() -> None:
    once = fix_all(MESSY)
    twice = fix_all(once.text)
    assert twice.text == once.text and twice.applied == []
    remaining = {d.code for d in once.analysis.diagnostics}
    assert not remaining & {"LX0006", "LX2001", "LX2002", "LX2009"}
    assert "LX1001" not in remaining  # CONST -> const is case only: safe
    assert '"name": "kept as is — ünïcode 😀"' in once.text
    # The inline node of `s` is moved out; the one inside `t`, whose text has a syntax error
    # (a trailing comma), waits until "Repair JSON syntax" has deleted the comma (no fix inside
    # an object with syntax errors), then moves out in a later round.
    assert '{"id": "s", "op": "add", "inputs": ["a", {' not in once.text
    assert "LX0001" not in remaining
    assert '    {"id": "t_in1", "op": "const", "value": 3},\n' in once.text
    assert '{"id": "t", "op": "add", "inputs": ["a", "t_in1"]}' in once.text


def test_fix_all_touches_only_what_it_fixes() -> None:
    text = program(A + OUT, caps='"PURE_COMPUTE"').replace("5}", '5, "doc": "  odd   spacing  "}')
    result = fix_all(text)
    assert result.text == text.replace('["PURE_COMPUTE"]', '["PURE_COMPUTE", "IO_STDOUT"]')


def test_apply_edits_rejects_overlaps_and_keeps_insert_order() -> None:
    assert apply_edits("abc", [TextEdit(1, 1, "X"), TextEdit(1, 1, "Y")]) == "aXYbc"
    with pytest.raises(ValueError):
        apply_edits("abcdef", [TextEdit(0, 3, ""), TextEdit(2, 4, "")])
