"""JSON text recovery (lang/repair/jsontext.py): the minimal edit for every mistake class that
language models make, the combined "Repair JSON syntax" fix and its safety."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.fixes import apply_edits, fix_all
from lexis_ls.lang.repair.jsontext import REPAIR_ALL_TITLE, repair_text, strict_object
from lexis_ls.lang.syntax import parse

PROGRAM = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "a", "op": "const", "value": 5},
    {"id": "out", "op": "print", "inputs": ["a"]}
  ]
}
"""

CASES: list[tuple[str, str, str]] = [
    # (mistake class, broken text, repaired text)
    ("fence", "```json\n" + PROGRAM + "```\n", PROGRAM),
    ("unclosed fence", "```json\n" + PROGRAM, PROGRAM),
    ("fence without language", "```\n" + PROGRAM + "```", PROGRAM),
    ("leading prose", "Here is the program:\n\n" + PROGRAM, PROGRAM),
    (
        "prose and fence on both sides",
        "Sure! Here it is:\n```json\n" + PROGRAM + "```\nIt prints 5.\n",
        PROGRAM,
    ),
    ("trailing explanation", PROGRAM + "\nThis program prints 5.\n", PROGRAM),
    ("explanation on the last line", PROGRAM[:-1] + " That's all.", PROGRAM[:-1]),
    ("second JSON value", PROGRAM + '{"note": "prints 5"}\n', PROGRAM),
    ("stray closer after the root", PROGRAM + "}\n", PROGRAM),
    (
        "line comment on its own line",
        PROGRAM.replace('    {"id": "a"', '    // the constant\n    {"id": "a"'),
        PROGRAM,
    ),
    (
        "line comment after a value",
        PROGRAM.replace('"value": 5},', '"value": 5}, // five'),
        PROGRAM,
    ),
    (
        "block comment before a value",
        PROGRAM.replace('{"id": "a"', '/* five */ {"id": "a"'),
        PROGRAM,
    ),
    (
        "block comment inside a line",
        PROGRAM.replace('"value": 5', '"value": /* five */ 5'),
        PROGRAM,
    ),
    ("comment before the root", "// prints 5\n" + PROGRAM, PROGRAM),
    (
        "multi-line block comment",
        PROGRAM.replace('  "nodes"', '  /* nodes\n     follow */\n  "nodes"'),
        PROGRAM,
    ),
    (
        "trailing comma in an array",
        PROGRAM.replace('["a"]}\n', '["a"]},\n'),
        PROGRAM,
    ),
    ("trailing comma in an object", PROGRAM.replace('"value": 5}', '"value": 5,}'), PROGRAM),
    ("trailing comma before a closer with spaces", '{"a": [1, 2, ]}', '{"a": [1, 2]}'),
    (
        "single-quoted keys and strings",
        PROGRAM.replace('"id": "a", "op": "const"', "'id': 'a', 'op': 'const'"),
        PROGRAM,
    ),
    ("single quotes with quotes inside", """{'a': 'it\\'s "x"'}""", '{"a": "it\'s \\"x\\""}'),
    ("Python True", '{"a": True}', '{"a": true}'),
    ("Python False and None", '{"a": [False, None]}', '{"a": [false, null]}'),
    ("JavaScript undefined", '{"a": undefined}', '{"a": null}'),
    ("stray brace in an array", '{"a": [{"b": 1}}, {"c": 2}]}', '{"a": [{"b": 1}, {"c": 2}]}'),
    ("stray bracket in an object", '{"a": [1, 2]], "b": 3}', '{"a": [1, 2], "b": 3}'),
    (
        "stray brace on its own line",
        PROGRAM.replace('"value": 5},\n', '"value": 5}\n    },\n'),
        PROGRAM.replace('"value": 5},\n', '"value": 5}\n    ,\n'),
    ),
    (
        "missing comma between nodes on separate lines",
        PROGRAM.replace('"value": 5},', '"value": 5}'),
        PROGRAM,
    ),
    (
        "missing comma between members on separate lines",
        '{\n"a": 1\n"b": 2\n}',
        '{\n"a": 1,\n"b": 2\n}',
    ),
    ("unquoted key", '{id: "a", "op": "const"}', '{"id": "a", "op": "const"}'),
    (
        "cut off after a complete node",
        PROGRAM[: PROGRAM.index('\n    {"id": "out"')] + "\n",
        PROGRAM[: PROGRAM.index(',\n    {"id": "out"')] + "\n  ]\n}\n",
    ),
    (
        "cut off inside a node after a complete value",
        PROGRAM[: PROGRAM.index('["a"]}') + 5],
        PROGRAM[: PROGRAM.index('["a"]}') + 5] + "}\n  ]\n}",
    ),
    ("cut off on one line", '{"a": [1, 2, {"b": "c"', '{"a": [1, 2, {"b": "c"}]}'),
    ("cut off after an opening bracket", '{"a": [', '{"a": []}'),
    ("CRLF cut off", '{\r\n  "a": [\r\n    1,\r\n', '{\r\n  "a": [\r\n    1\r\n  ]\r\n}\r\n'),
]


@pytest.mark.parametrize(("name", "broken", "fixed"), CASES, ids=[c[0] for c in CASES])
def test_repair_gives_exactly_the_intended_text(name: str, broken: str, fixed: str) -> None:
    assert parse(broken).errors, "the broken text must have a syntax error"
    assert strict_object(fixed)
    repaired = repair_text(broken)
    assert repaired == fixed
    assert repair_text(repaired) == repaired  # idempotent


@pytest.mark.parametrize(("name", "broken", "fixed"), CASES, ids=[c[0] for c in CASES])
def test_every_lx0001_carries_its_repair_and_repair_all_comes_first(
    name: str, broken: str, fixed: str
) -> None:
    analysis = analyze(broken)
    assert analysis.internal_errors == []
    syntax = [d for d in analysis.diagnostics if d.code == "LX0001"]
    assert syntax
    for d in syntax:
        titles = [f.title for f in d.fixes]
        assert titles[0] == REPAIR_ALL_TITLE and len(titles) == 2, titles
        assert all(f.safe for f in d.fixes)
        own = d.fixes[1]
        # The diagnostic's own fix touches only the place of its mistake and its blank space.
        single = apply_edits(broken, own.edits)
        assert len(single) != len(broken) or single != broken
        assert apply_edits(broken, d.fixes[0].edits) == fixed


def test_fix_titles_name_the_mistake() -> None:
    text = (
        "Here you go:\n```json\n"
        "{'spec': 'lexis-0.1.0', \"capabilities\": [\"PURE_COMPUTE\",],\n"
        ' "nodes": [{"id": "a", "op": "const", "value": None}]} // done\n'
        "```\n"
    )
    titles = {f.title for d in analyze(text).diagnostics for f in d.fixes}
    assert titles >= {
        REPAIR_ALL_TITLE,
        "Delete the Markdown fence and the text before the program",
        "Requote with double quotes",
        "Delete the trailing comma",
        "Replace `None` with `null`",
        "Delete the comment",
        "Delete the Markdown fence",
    }


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "abc',  # cut off inside a string: the rest of it is unknown
        '{"a": ',  # a value is missing
        '{"a"',  # a colon and a value are missing
        '{"a": 12',  # the number may be cut in the middle
        '{"a": NaN}',  # no JSON value stands for NaN without guessing
        '{"a": 1 "b": 2}',  # a missing comma on one line: no evidence of layout
        '{"a": {"b": 1}}, "c": 2}',  # a brace closed too early: members follow the root
        "/* never closed\n{}",
    ],
)
def test_no_repair_that_would_need_guessing(text: str) -> None:
    assert repair_text(text) is None
    analysis = analyze(text)
    for d in analysis.diagnostics:
        assert not any(f.safe for f in d.fixes if d.code == "LX0001"), d


def test_partial_repairs_are_offered_but_not_safe() -> None:
    text = PROGRAM.replace('"value": 5}', '"value": 5,}').replace('["a"]', '["a]')
    analysis = analyze(text)
    comma = next(d for d in analysis.diagnostics if "trailing comma" in d.message)
    assert [f.title for f in comma.fixes] == ["Delete the trailing comma", REPAIR_ALL_TITLE]
    assert not any(f.safe for f in comma.fixes)
    assert fix_all(text).text == text


def test_leading_prose_is_one_diagnostic_and_the_program_is_analysed() -> None:
    text = "I wrote this program for you.\nIt adds numbers.\n\n```json\n" + PROGRAM.replace(
        '["a"]', '["b"]'
    )
    analysis = analyze(text)
    syntax = [d for d in analysis.diagnostics if d.code == "LX0001"]
    assert len(syntax) == 1
    assert text[syntax[0].start : syntax[0].end] == text[: text.index("```json") + 7]
    assert {d.code for d in analysis.diagnostics if d.code != "LX0001"} == {"LX1003", "LX3001"}


def test_members_before_a_brace_are_not_taken_for_prose() -> None:
    text = 'spec: "lexis-0.1.0"\n{"nodes": []}'
    assert all(e.kind != "prose" for e in parse(text).errors)
    assert repair_text(text) is None


def test_single_quoted_program_is_one_problem_and_no_cascade() -> None:
    text = PROGRAM.replace('"', "'")
    analysis = analyze(text)
    # One mistake made throughout: one diagnostic at the first string, the others related.
    [d] = analysis.diagnostics
    assert d.code == "LX0001" and text[d.start : d.end] == "'spec'"
    assert len(d.related) == text.count("'") // 2 - 1
    assert d.fixes[0].title == REPAIR_ALL_TITLE and d.fixes[0].safe
    assert fix_all(text).text == PROGRAM
    # A few single-quoted strings stay one diagnostic each.
    few = PROGRAM.replace('"spec"', "'spec'").replace('"nodes"', "'nodes'")
    assert [x.code for x in analyze(few).diagnostics] == ["LX0001", "LX0001"]


def test_fix_all_applies_repair_json_syntax_once_and_reaches_a_fixed_point() -> None:
    text = "```json\n" + PROGRAM.replace('"value": 5}', "'value': True,}") + "```\n"
    result = fix_all(text)
    assert result.text == PROGRAM.replace('"value": 5', '"value": true')
    assert result.applied.count(("LX0001", REPAIR_ALL_TITLE)) == 1
    assert fix_all(result.text).applied == []


def test_many_single_quoted_strings_all_repaired() -> None:
    nodes = ",\n".join(f"    {{'id': 'n{i}', 'op': 'const', 'value': 'v{i}'}}" for i in range(150))
    text = PROGRAM.replace('    {"id": "a", "op": "const", "value": 5},', nodes + ",")
    repaired = repair_text(text)
    assert repaired is not None and "'" not in repaired
    assert len(json.loads(repaired)["nodes"]) == 151


# --- property: injected mistakes are undone exactly ------------------------------------------

_values = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(-1000, 1000),
    st.text(alphabet="abcdefgh XYZ019-_", max_size=12),
)

LINE_MISTAKES = (
    "single_quote",
    "unquoted_key",
    "literal",
    "comment_after",
    "comment_line",
    "block_comment",
    "stray_closer",
    "missing_comma",
)
DOC_MISTAKES = ("fence", "prose", "explanation", "second_value", "trailing_comma")


def _program(values: list[object]) -> tuple[str, list[str]]:
    lines = [
        "    " + json.dumps({"id": f"n{i}", "op": "const", "value": v})
        for i, v in enumerate(values)
    ]
    lines.append("    " + json.dumps({"id": "out", "op": "print", "inputs": ["n0"]}))
    return PROGRAM.split("    {")[0], lines


def _join(head: str, lines: list[str]) -> str:
    return head + ",\n".join(lines) + "\n  ]\n}\n"


def _inject(line: str, mistake: str, last: bool) -> tuple[str, str] | None:
    """(line with the mistake, separator after it) or None when the mistake does not fit."""
    sep = "" if last else ","
    if mistake == "single_quote":
        return line.replace('"id": "', "'id': '", 1).replace('", "op"', '\', "op"', 1), sep
    if mistake == "unquoted_key":
        return line.replace('"op":', "op:", 1), sep
    if mistake == "literal":
        for lit, py in (("true", "True"), ("false", "False"), ("null", "None")):
            if line.endswith(f'"value": {lit}}}'):
                return line[: -len(lit) - 1] + py + "}", sep
        return None
    if mistake == "comment_after":
        return line + sep + " // note", ""
    if mistake == "comment_line":
        return "    // a node\n" + line, sep
    if mistake == "block_comment":
        return "    /* c */ " + line[4:], sep
    if mistake == "stray_closer":
        return (line + "}", sep) if not last else None
    if mistake == "missing_comma":
        return (line, "") if not last else None
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(_values, min_size=1, max_size=6),
    data=st.data(),
)
def test_repair_json_syntax_undoes_injected_mistakes(
    values: list[object], data: st.DataObject
) -> None:
    head, lines = _program(values)
    original = _join(head, lines)
    assert strict_object(original)
    broken_lines: list[str] = []
    injected = 0
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        mistake = data.draw(st.sampled_from((None, *LINE_MISTAKES)))
        result = _inject(line, mistake, last) if mistake else None
        if result is None:
            broken_lines.append(line + ("" if last else ","))
            continue
        injected += 1
        broken_lines.append(result[0] + result[1])
    broken = head + "\n".join(broken_lines) + "\n  ]\n}\n"
    docs = data.draw(st.sets(st.sampled_from(DOC_MISTAKES)))
    if "trailing_comma" in docs:
        broken = (
            broken.replace("\n  ]\n}\n", ",\n  ]\n}\n")
            if not broken_lines[-1].endswith("// note")
            else broken
        )
    if "fence" in docs:
        broken = "```json\n" + broken + "```\n"
    if "prose" in docs:
        broken = "Here is the program you asked for:\n\n" + broken
    if "explanation" in docs:
        broken = broken + "\nThe program prints the first value.\n"
    if "second_value" in docs and "explanation" not in docs:
        broken = broken + '{"explanation": "prints n0"}\n'
    analysis = analyze(broken)
    assert analysis.internal_errors == []
    if broken == original:
        assert not parse(broken).errors
        return
    syntax = [d for d in analysis.diagnostics if d.code == "LX0001"]
    assert syntax
    for d in syntax:
        assert d.fixes and d.fixes[0].title == REPAIR_ALL_TITLE and d.fixes[0].safe, d
    assert apply_edits(broken, syntax[0].fixes[0].edits) == original
    assert repair_text(broken) == original


@settings(max_examples=100, deadline=None)
@given(values=st.lists(_values, min_size=1, max_size=5), cut=st.integers(0, 10_000))
def test_cut_off_programs_never_raise_and_repairs_are_strict(
    values: list[object], cut: int
) -> None:
    head, lines = _program(values)
    original = _join(head, lines)
    text = original[: cut % (len(original) + 1)]
    analysis = analyze(text)
    assert analysis.internal_errors == []
    repaired = repair_text(text)
    if repaired is not None:
        assert strict_object(repaired)
        assert repaired.startswith(text.rstrip().rstrip(",")[: max(0, len(text.rstrip()) - 1)])
