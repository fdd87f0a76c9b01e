"""The tolerant parser: ranges, recovery, duplicate keys, positions in every encoding."""

from __future__ import annotations

import json

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.syntax import INVALID, MAX_DEPTH, JArray, JObject, JString, parse, scan_element
from lexis_ls.lang.text import LineIndex


def messages(text: str) -> list[tuple[int, str]]:
    return [(e.start, e.message) for e in parse(text).errors]


def test_valid_document_has_ranges_for_every_key_and_value() -> None:
    text = '{"nodes": [{"id": "a", "op": "const", "value": [1, {"k": true}]}]}'
    result = parse(text)
    assert result.errors == [] and result.duplicates == []
    root = result.root
    assert isinstance(root, JObject)
    nodes = root.get("nodes")
    assert nodes is not None and isinstance(nodes.value, JArray)
    node = nodes.value.items[0]
    assert isinstance(node, JObject)
    assert node.lazy  # decoded by the fast path; members come on demand
    op = node.get("op")
    assert op is not None and isinstance(op.value, JString)
    assert text[op.key.start : op.key.end] == '"op"'
    assert text[op.value.start : op.value.end] == '"const"'
    value = node.get("value")
    assert value is not None and value.value is not None
    assert text[value.value.start : value.value.end] == '[1, {"k": true}]'
    assert root.value == json.loads(text)


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ('{"a": 1 "b": 2}', 8, "expected ',' or '}'"),
        ('{"a": [1, 2,]}', 11, "trailing comma"),
        ('{"a": "abc\n}', 6, "unterminated string"),
        ('{"a": tru}', 6, "unexpected 'tru'"),
        ("{a: 1}", 1, "double quotes"),
        ('{"a": 1} x', 9, "after the end of the document"),
        ('{"a": 1, // note\n"b": 2}', 9, "comments are not allowed"),
        ('{"a": NaN}', 6, "NaN is not valid JSON"),
        ('{"a": True}', 6, "use `true`"),
        ("", 0, "empty document"),
    ],
)
def test_syntax_errors_are_reported_at_the_offending_token(
    text: str, where: int, fragment: str
) -> None:
    found = messages(text)
    assert found, text
    assert found[0][0] == where
    assert fragment in found[0][1]


def test_recovery_keeps_nodes_before_and_after_an_error() -> None:
    text = (
        '{"nodes": [\n'
        '  {"id": "a", "op": "const", "value": 1},\n'
        '  {"id": "b" "op": "add", "inputs": ["a", "a"]},\n'
        '  {"id": "c", "op": "print", "inputs": ["b"]}\n'
        "]}"
    )
    result = parse(text)
    assert len(result.errors) == 1
    assert result.root is not None
    ids = [n["id"] for n in result.root.value["nodes"]]
    assert ids == ["a", "b", "c"]
    assert result.root.value["nodes"][1]["op"] == "add"


def test_truncated_document_recovers_what_it_can() -> None:
    text = (
        '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "op": "const", "value": 1}, {"id": "b", "op"'
    )
    result = parse(text)
    assert result.errors
    assert result.root is not None
    nodes = result.root.value["nodes"]
    assert nodes[0] == {"id": "a", "op": "const", "value": 1}
    assert nodes[1]["id"] == "b" and nodes[1]["op"] is INVALID


def test_duplicate_keys_are_found_at_any_depth() -> None:
    text = '{"nodes": [{"id": "a", "op": "const", "value": {"x": 1, "x": 2}}], "nodes": []}'
    result = parse(text)
    pairs = [(text[d.first.start : d.first.end], d.second.start) for d in result.duplicates]
    assert ('"x"', text.index('"x": 2')) in pairs
    assert ('"nodes"', text.rindex('"nodes"')) in pairs
    assert len(pairs) == 2


def test_deep_nesting_is_reported_not_raised() -> None:
    for text in ("[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000):
        result = parse(text)
        assert any("nesting deeper" in e.message for e in result.errors)


@pytest.mark.parametrize("levels", [MAX_DEPTH + 100, 900, 990])
def test_a_node_nested_deeper_than_the_limit_is_reported_even_as_valid_json(levels: int) -> None:
    """The C scanner decodes valid JSON as deep as the recursion limit allows; a node nested
    deeper than MAX_DEPTH is left to the tolerant parser, which reports it, so that no value
    is deeper than the recursive walks of the checks and hashes can take."""
    value = '{"k": ' * levels + "1" + "}" * levels
    text = (
        '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "op": "const", "value": '
        + value
        + '}, {"id": "p", "op": "print", "inputs": ["a"]}]}'
    )
    analysis = analyze(text)
    assert analysis.internal_errors == []
    errors = [d for d in analysis.diagnostics if d.code == "LX0001"]
    assert [d.message for d in errors] == [
        f"JSON syntax error: nesting deeper than {MAX_DEPTH} levels is not supported"
    ]
    start = errors[0].start  # at the first container past the limit
    assert text[start] == "{"
    assert text.count("{", 0, start) + text.count("[", 0, start) == MAX_DEPTH
    analysis.program_hash()  # no RecursionError
    parser = analysis.parsed.parser
    assert parser is not None
    assert scan_element(parser, text.index('{"id": "a"'), text) is None
    assert scan_element(parser, text.index('{"id": "p"'), text) is not None


def test_invalid_string_escape_and_control_characters() -> None:
    result = parse('{"a": "x\\q", "b": "tab\there"}')
    assert len(result.errors) == 2
    assert result.root is not None and set(result.root.value) == {"a", "b"}


def test_positions_in_utf16_utf8_and_code_points() -> None:
    text = '{"s": "héllo 😀", "k": 1}\n  "é😀x"'
    index = LineIndex(text)
    k = text.index('"k"')
    assert index.position(k, "utf-32").character == k
    assert index.position(k, "utf-16").character == k + 1  # the emoji is two UTF-16 units
    assert index.position(k, "utf-8").character == k + 1 + 3  # é: 2 bytes, emoji: 4 bytes
    for enc in ("utf-16", "utf-8", "utf-32"):
        p = index.position(k, enc)  # type: ignore[arg-type]
        assert index.offset(p.line, p.character, enc) == k  # type: ignore[arg-type]
    x = text.index("x", text.index("\n"))
    p = index.position(x, "utf-16")
    assert (p.line, p.character) == (1, 6)
    assert index.offset(1, 6, "utf-16") == x
    assert index.offset(1, 999, "utf-16") == len(text)  # clamps to the end of the line
    assert index.offset(99, 0) == len(text)


def test_crlf_and_cr_line_breaks() -> None:
    text = '{\r\n"a": 1,\r"b": 2\n}'
    index = LineIndex(text)
    assert index.line_count == 4
    b = text.index('"b"')
    assert index.position(b).line == 2 and index.position(b).character == 0
    assert index.line_text(1) == '"a": 1,'


# --- recovery of the mistakes language models make (lang/repair/jsontext.py repairs them) ---


def test_single_quoted_strings_are_read_as_the_strings_they_mean() -> None:
    text = """{'spec': 'it\\'s "x"', "n": ['a', 'b']}"""
    result = parse(text)
    assert [e.kind for e in result.errors] == ["single_quote"] * 4
    assert result.root is not None and result.root.value == {"spec": 'it\'s "x"', "n": ["a", "b"]}
    root = result.root
    assert isinstance(root, JObject)
    key = root.members[0].key
    assert text[key.start : key.end] == "'spec'"


def test_python_literals_are_read_as_json_literals() -> None:
    result = parse('{"a": None, "b": True, "c": False, "d": undefined}')
    assert [e.kind for e in result.errors] == ["literal"] * 4
    assert result.root is not None
    assert result.root.value == {"a": None, "b": True, "c": False, "d": None}


def test_root_is_found_after_prose_and_a_fence() -> None:
    text = 'Here is the program:\n\n```json\n{"a": 1}\n```\nIt prints 1.\n'
    result = parse(text)
    assert result.root is not None and result.root.value == {"a": 1}
    assert result.root.start == text.index("{")
    assert [(e.kind, text[e.start : e.end]) for e in result.errors] == [
        ("prose", "Here is the program:\n\n```json"),
        ("trailing", "```\nIt prints 1."),
    ]


def test_every_comment_is_reported_even_next_to_other_errors() -> None:
    text = '{"a": 1, // one\n// two\n"b": [1,], /* three */ "c": 2}'
    kinds = [e.kind for e in parse(text).errors]
    assert kinds == ["comment", "comment", "trailing_comma", "comment"]


def test_stray_closers_are_skipped() -> None:
    result = parse('{"a": [{"b": 1}}, {"c": 2}], "d": [1]], "e": 3}')
    assert [e.kind for e in result.errors] == ["stray_closer", "stray_closer"]
    assert result.root is not None
    assert result.root.value == {"a": [{"b": 1}, {"c": 2}], "d": [1], "e": 3}


def test_cut_off_output_records_the_open_containers() -> None:
    text = '{\n  "nodes": [\n    {"id": "a"},\n'
    (error,) = parse(text).errors
    assert error.kind == "truncated" and error.opened == (0, text.index("["))


def test_missing_comma_between_lines_records_where_it_goes() -> None:
    text = '[\n  "a"\n  "b"\n  "c"\n]'
    errors = parse(text).errors
    assert [(e.kind, e.anchor) for e in errors] == [
        ("missing_comma", text.index('"a"') + 3),
        ("missing_comma", text.index('"b"') + 3),
    ]


def test_an_integer_too_long_for_any_json_reader_is_an_error_not_a_crash() -> None:
    from lexis_ls.lang.analysis import analyze

    digits = "5" + "1" * 10000
    text = '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "op": "const", "value": ' + digits + "}]}"
    found = [d for d in analyze(text).diagnostics if d.code == "LX0001"]
    assert len(found) == 1
    assert (found[0].start, found[0].end) == (text.index(digits), text.index(digits) + len(digits))
    assert "10001 digits" in found[0].message
