"""Completion and signature help in the core: the context read from (possibly broken) text,
the candidates, the exact ranges they replace and the text that results from accepting them."""

from __future__ import annotations

import json

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.complete import (
    Candidate,
    Completions,
    arity_fit,
    completion_context,
    completions,
    signature_help,
)
from lexis_ls.lang.diagnostics import TextEdit
from lexis_ls.lang.fixes import apply_edits
from lexis_ls.lang.opcodes import OPCODES
from lexis_ls.lang.outline import describe


def split(marked: str) -> tuple[str, int]:
    offset = marked.index("|")
    return marked[:offset] + marked[offset + 1 :], offset


def complete(marked: str, snippets: bool = True) -> tuple[str, Completions]:
    text, offset = split(marked)
    return text, completions(analyze(text), offset, snippets)


def labels(marked: str, snippets: bool = True) -> list[str]:
    return [c.label for c in complete(marked, snippets)[1].items]


def accept(text: str, c: Candidate) -> str:
    return apply_edits(text, [TextEdit(c.start, c.end, c.new_text), *c.extra])


def item(found: Completions, label: str) -> Candidate:
    return next(c for c in found.items if c.label == label)


def item_of(items: list[Candidate], label: str) -> Candidate:
    return next(c for c in items if c.label == label)


def program(*nodes: str, caps: str = '"PURE_COMPUTE", "IO_STDOUT"', extra: str = "") -> str:
    body = ",\n".join(f"    {n}" for n in nodes)
    return (
        '{\n  "spec": "lexis-0.1.0",\n'
        f'  "capabilities": [{caps}],\n'
        f'  "nodes": [\n{body}\n  ]{extra}\n}}\n'
    )


A = '{"id": "a", "op": "const", "value": 5}'
B = '{"id": "b", "op": "const", "value": 3, "doc": "the second"}'

SUBGRAPHS = """,
  "subgraphs": {
    "twice": {"doc": "2x", "nodes": [
      {"id": "x", "op": "input_port", "value": 0},
      {"id": "k", "op": "const", "value": 2},
      {"id": "r", "op": "mul", "inputs": ["x", "k"]},
      {"id": "o", "op": "output_port", "inputs": ["r"], "value": 0}
    ]},
    "plus": {"nodes": [
      {"id": "p", "op": "input_port", "value": 0},
      {"id": "q", "op": "input_port", "value": 1},
      {"id": "s", "op": "add", "inputs": ["p", "q"]},
      {"id": "o", "op": "output_port", "inputs": ["s"], "value": 0}
    ]}
  }"""


# --- ops ------------------------------------------------------------------------------------


def test_op_prefix_gives_add_first_replacing_the_whole_string() -> None:
    text, found = complete(program(A, B, '{"id": "sum", "op": "ad|", "inputs": ["a", "b"]}'))
    first = found.items[0]
    assert first.label == "add" and first.kind == "op"
    start = text.index('"ad"')
    assert (first.start, first.end) == (start, start + 4)
    assert first.new_text == '"add"' and first.filter_text == '"add"'
    assert first.documentation == OPCODES["add"].documentation()
    assert first.detail == "tier 1 · arithmetic · 2 inputs · PURE_COMPUTE"
    assert json.loads(accept(text, first))["nodes"][2]["op"] == "add"
    # every op is offered, each once as plain text (the inputs key exists: no snippet variant)
    assert sorted(c.label for c in found.items) == sorted(OPCODES)
    assert [c.sort_text for c in found.items] == sorted(c.sort_text for c in found.items)


def test_ops_that_fit_the_node_inputs_come_first() -> None:
    """With two inputs written, the two-input ops (add, sub, ...) come first, then ops that
    accept two among other counts, then the rest (which say how many inputs the node has)."""
    two = [
        c for c in complete(program(A, B, '{"id": "r", "op": "|", "inputs": ["a", "b"]}'))[1].items
    ]
    fits = [arity_fit(OPCODES[c.label], 2) for c in two]
    assert fits == sorted(fits)  # exact fits, then accepting ones, then the rest
    assert two[0].label == "add" and OPCODES[two[0].label].arity.fixed
    assert fits.count(0) >= 10 and 1 in fits and 2 in fits
    assert all(OPCODES[c.label].arity.accepts(2) for c, f in zip(two, fits) if f < 2)
    const = item_of(two, "const")
    assert const.detail.endswith("· this node has 2 inputs")
    assert [c.label for c in two].index("const") > [c.label for c in two].index("concat")
    # the inputs may come before the op, written in a broken node too
    one = complete(program(A, '{"id": "r", "inputs": ["a"], "op": "|'))[1].items
    assert OPCODES[one[0].label].arity == OPCODES["not"].arity  # exactly one input
    assert all(arity_fit(OPCODES[c.label], 1) == 0 for c in one[:5])
    # what is typed still comes first: a prefix match that does not fit before the others
    typed = complete(program(A, B, '{"id": "r", "op": "co|", "inputs": ["a", "b"]}'))[1].items
    assert typed[0].label.startswith("co")
    # no inputs yet: the registry's order (no preference)
    none = complete(program(A, '{"id": "r", "op": "|", "inputs": []}'))[1].items
    assert [c.label for c in none][:3] == list(OPCODES)[:3]


def test_op_with_the_closing_quote_missing_at_the_end_of_the_file() -> None:
    marked = '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [{"id": "x", "op": "ad|'
    text, found = complete(marked)
    add = found.items[0]
    assert add.label == "add"
    assert (add.start, add.end) == (len(text) - 3, len(text))
    assert accept(text, add).endswith('{"id": "x", "op": "add"')


def test_unterminated_op_keeps_what_follows_the_name() -> None:
    text, found = complete(program(A, '{"id": "x", "op": "ad|}'))
    assert '{"id": "x", "op": "add"}' in accept(text, found.items[0])
    # a new node typed above another one, its string and braces left open
    text, found = complete(program(A, '{"id": "n", "op": "mu|', B))
    mul = item(found, "mul")
    assert (mul.start, mul.end) == (text.index('"mu'), text.index('"mu') + 3)
    assert '{"id": "n", "op": "mul",\n    {"id": "b"' in accept(text, mul)
    ctx = completion_context(analyze(text), split(program(A, '{"id": "n", "op": "mu|', B))[1])
    assert ctx.kind == "op" and ctx.node_id == "n" and ctx.prefix == "mu"


def test_op_value_not_yet_started() -> None:
    text, found = complete(program(A, '{"id": "n", "op":|}'))
    const = item(found, "const")
    assert const.new_text == ' "const"' and const.start == const.end
    assert '{"id": "n", "op": "const"}' in accept(text, const)


def test_snippet_variant_writes_one_placeholder_per_input() -> None:
    found = complete(program(A, '{"id": "r", "op": "repl|"}'))[1]
    snippet = next(c for c in found.items if c.kind == "op_snippet")
    assert snippet.label == "replace(s, old, new)" and snippet.snippet
    assert snippet.new_text == '"replace", "inputs": ["${1}", "${2}", "${3}"]'
    assert snippet.filter_text == '"replace"'
    assert [c.label for c in found.items[:2]] == ["replace", "replace(s, old, new)"]
    add = next(
        c for c in complete(program(A, '{"id": "r", "op": "|"}'))[1].items if c.label == "add(a, b)"
    )
    assert add.new_text == '"add", "inputs": ["${1}", "${2}"]'
    # variadic ops get their minimum (at least one), parity respected
    snippets = {c.label.split("(")[0]: c.new_text for c in found.items if c.kind == "op_snippet"}
    assert snippets["concat"].count("${") == 2
    assert snippets["dict"].count("${") == 2
    assert snippets["match"].count("${") == 3
    assert snippets["sequence"].count("${") == 1
    assert "const" not in snippets and "reflect" not in snippets  # no inputs at all


def test_no_snippet_variant_without_snippet_support_or_with_inputs_present() -> None:
    assert not [
        c for c in complete(program(A, '{"id": "r", "op": "a|"}'), False)[1].items if c.snippet
    ]
    # the inputs key may come after the op
    found = complete(program(A, '{"id": "r", "op": "a|", "inputs": ["a"]}'))[1]
    assert not [c for c in found.items if c.snippet]


# --- inputs ---------------------------------------------------------------------------------


CHAIN = [
    '{"id": "a", "op": "const", "value": 1}',
    '{"id": "b", "op": "not", "inputs": ["a"]}',
    '{"id": "c", "op": "not", "inputs": ["b"]}',
    '{"id": "d", "op": "const", "value": 2}',
]


def test_ids_exclude_self_and_every_dependent() -> None:
    marked = program(
        '{"id": "a", "op": "add", "inputs": ["|"]}',
        '{"id": "b", "op": "not", "inputs": ["a"]}',
        '{"id": "c", "op": "not", "inputs": ["b"]}',
        '{"id": "e", "op": "print", "inputs": ["d"]}',
        '{"id": "d", "op": "const", "value": 2}',
    )
    assert labels(marked) == ["e", "d"]
    # a diamond: both paths are dependents
    marked = program(
        '{"id": "z", "op": "const", "value": 0}',
        '{"id": "x", "op": "add", "inputs": ["z", |]}',
        '{"id": "l", "op": "not", "inputs": ["x"]}',
        '{"id": "m", "op": "not", "inputs": ["x"]}',
        '{"id": "j", "op": "add", "inputs": ["l", "m"]}',
        '{"id": "free", "op": "const", "value": 0}',
    )
    assert labels(marked) == ["z", "free"]


def test_ids_nearest_first_with_op_and_value() -> None:
    text, found = complete(program(A, B, '{"id": "s", "op": "add", "inputs": ["a", "|"]}'))
    assert [c.label for c in found.items] == ["b", "a"]
    b = found.items[0]
    assert b.detail == "const" and b.kind == "id"
    assert b.documentation == "`b` = `const`\n\nvalue: `3`\n\nthe second"
    start = text.index('["a", "') + 6
    assert (b.start, b.end) == (start, start + 2) and b.new_text == '"b"'
    assert json.loads(accept(text, b))["nodes"][2]["inputs"] == ["a", "b"]


def test_ids_with_last_run_values() -> None:
    text, offset = split(program(A, '{"id": "s", "op": "not", "inputs": [|]}'))
    found = completions(analyze(text), offset, values={"a": "5"})
    assert found.items[0].documentation == "`a` = `const`\n\nvalue: `5`\n\nlast run: `5`"


def test_new_input_after_a_comma_is_inserted_with_quotes() -> None:
    text, found = complete(program(A, B, '{"id": "s", "op": "add", "inputs": ["a",|]}'))
    b = item(found, "b")
    assert b.start == b.end and b.new_text == ' "b"' and b.filter_text == "b"
    assert json.loads(accept(text, b))["nodes"][2]["inputs"] == ["a", "b"]
    # partially typed, unterminated, at the end of the file
    text, found = complete('{"nodes": [' + A + ', {"id": "s", "op": "add", "inputs": ["a", |')
    assert [c.label for c in found.items] == ["a"]
    assert accept(text, found.items[0]).endswith('"inputs": ["a", "a"')


def test_missing_comma_before_a_new_input_is_added() -> None:
    text, found = complete(program(A, B, '{"id": "s", "op": "add", "inputs": ["a" |]}'))
    b = item(found, "b")
    assert b.extra == (TextEdit(text.index('"a" ]') + 3, text.index('"a" ]') + 3, ","),)
    assert json.loads(accept(text, b))["nodes"][2]["inputs"] == ["a", "b"]
    # right after a closing quote nothing is offered (it was just typed)
    assert labels(program(A, B, '{"id": "s", "op": "add", "inputs": ["a"|]}')) == []


def test_ids_in_a_subgraph_are_its_own() -> None:
    marked = program(A, extra=SUBGRAPHS).replace('"inputs": ["x", "k"]', '"inputs": ["x", "|"]')
    assert labels(marked) == ["k", "x"]  # r is itself, o depends on it
    text, offset = split(marked)
    ctx = completion_context(analyze(text), offset)
    assert ctx.graph == "twice" and ctx.node_id == "r"


def test_many_ids_are_capped_and_filtered_by_what_is_typed() -> None:
    nodes = [f'{{"id": "n{i}", "op": "const", "value": {i}}}' for i in range(400)]
    found = complete(program(*nodes, '{"id": "s", "op": "not", "inputs": ["n39|"]}'))[1]
    assert found.incomplete  # only the matching ones, nearest first: ask again on typing
    assert [c.label for c in found.items] == [f"n39{k}" for k in range(9, -1, -1)] + ["n39"]


# --- capabilities, references, keys ---------------------------------------------------------


def test_capabilities_exclude_listed_ones_before_and_after_the_cursor() -> None:
    text, found = complete(program(A, caps='"PURE_COMPUTE", "|", "FS_READ"'))
    assert [c.label for c in found.items] == [
        "IO_STDOUT",
        "IO_STDIN",
        "FS_WRITE",
        "NETWORK_OUT",
        "GUI_RENDER",
        "META_EVAL",
    ]
    out = found.items[0]
    assert out.detail == "trust level 1"
    assert "Needed by `print`" in out.documentation
    assert json.loads(accept(text, out))["capabilities"] == ["PURE_COMPUTE", "IO_STDOUT", "FS_READ"]
    # an unterminated array before the nodes is still the capabilities array
    marked = '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["IO_STDOUT", "|\n  "nodes": []\n}'
    text, found = complete(marked)
    assert (
        "IO_STDOUT" not in [c.label for c in found.items] and found.items[0].label == "PURE_COMPUTE"
    )


def test_references_prefer_the_arity_the_op_needs() -> None:
    marked = program(A, '{"id": "m", "op": "map", "inputs": ["a"], "value": "|"}', extra=SUBGRAPHS)
    text, found = complete(marked)
    names = [c.label for c in found.items]
    assert names[0] == "twice"  # the program's own 1-port subgraph first
    assert names.index("std:double") < names.index("plus") < names.index("std:add")
    assert all(n.startswith("std:") for n in names[1:] if n != "plus")
    assert len(names) == 2 + 32
    twice = found.items[0]
    assert twice.detail == "twice(x) -> o · 1 input port" and "2x" in twice.documentation
    assert item(found, "plus").detail == "plus(p, q) -> o · 2 input ports (`map` needs 1)"
    assert item(found, "std:add").detail == "std:add(a, b) -> out · 2 input ports (`map` needs 1)"
    assert json.loads(accept(text, twice))["nodes"][1]["value"] == "twice"

    reduce = labels(program(A, '{"id": "m", "op": "reduce", "value": "|"}', extra=SUBGRAPHS))
    two_port = [
        "plus",
        "std:add",
        "std:mul",
        "std:sub",
        "std:min",
        "std:max",
        "std:concat",
        "std:and_op",
    ]
    assert reduce[:8] == two_port


def test_references_name_the_ports_as_hover_does() -> None:
    """Completion's signature of a subgraph is hover's: the input ports' ids (`std:mul(a, b)`),
    not numbered placeholders."""
    marked = program(A, '{"id": "m", "op": "reduce", "inputs": ["a", "a"], "value": "|"}')
    text, found = complete(marked)
    mul = item(found, "std:mul")
    assert mul.detail.startswith("std:mul(a, b) -> out")
    # hover over the reference, once accepted, shows the same signature
    accepted = accept(text, mul)
    hovered = describe(analyze(accepted), accepted.index('"std:mul"') + 3)
    assert hovered is not None and "`std:mul(a, b) -> out`" in hovered.markdown


def test_reference_inside_a_subgraph_never_offers_itself() -> None:
    marked = program(A, extra=SUBGRAPHS).replace(
        '{"id": "k", "op": "const", "value": 2}',
        '{"id": "k", "op": "subgraph_call", "value": "|"}',
    )
    names = labels(marked)
    assert "twice" not in names and "plus" in names and "std:double" in names


def test_reference_is_only_for_ops_that_take_one() -> None:
    assert labels(program('{"id": "a", "op": "const", "value": "|"}')) == []


def test_node_keys_exclude_present_ones_before_and_after() -> None:
    text, found = complete(program(A, '{"id": "s", "|", "op": "not"}'))
    assert [c.label for c in found.items] == ["inputs", "value", "doc"]
    inputs = found.items[0]
    assert inputs.snippet and inputs.new_text == '"inputs": [$1]'
    assert inputs.detail == "node key"
    # already followed by a colon: only the key
    text, found = complete(program(A, '{"id": "s", "op": "not", "in|": ["a"]}'))
    assert [c.label for c in found.items] == ["inputs", "value", "doc"]
    assert found.items[0].new_text == '"inputs"'
    assert json.loads(accept(text, found.items[0]))["nodes"][1]["inputs"] == ["a"]
    # outside a string, without snippets, a comma for the key that follows
    text, found = complete(program(A, '{"id": "s", |"op": "not"}'), False)
    assert found.items == []
    marked = program(A, '{"id": "s",\n      |\n      "op": "not"}')
    assert [c.new_text for c in complete(marked)[1].items] == [
        '"inputs": [$1],',
        '"value": $1,',
        '"doc": "$1",',
    ]
    # without snippets the cursor stays where the value goes (the comma is left to the user)
    assert [c.new_text for c in complete(marked, False)[1].items] == [
        '"inputs": ',
        '"value": ',
        '"doc": ',
    ]


def test_program_and_subgraph_keys() -> None:
    marked = program(A).replace('"spec": "lexis-0.1.0",', '"spec": "lexis-0.1.0",\n  "|')
    assert labels(marked) == ["name", "description", "allowed_domains", "subgraphs"]
    marked = program(A).replace('"spec"', '"sp|"')
    found = complete(marked, False)[1]
    assert found.items[0].label == "spec" and found.items[0].new_text == '"spec"'
    marked = program(A, extra=SUBGRAPHS).replace('"doc": "2x", ', '"|", ')
    assert labels(marked) == ["doc"]
    marked = program(A).replace('"lexis-0.1.0"', '"|"')
    assert labels(marked) == ["lexis-0.1.0"]


def test_whole_node_snippet_between_nodes() -> None:
    text, found = complete(program(A, B).replace(A + ",", A + ",\n    |"))
    assert [c.label for c in found.items] == ["node"]
    node = found.items[0]
    assert node.snippet and node.new_text == '{"id": "${1:id}", "op": "${2:op}", "inputs": [$3]},'
    assert node.start == node.end == text.index(A) + len(A) + 6
    # after the last node, without a comma: the comma goes after that node
    text, found = complete(program(A, B).replace(B, B + "\n    |"), False)
    node = found.items[0]
    assert node.new_text == '{"id": "", "op": "", "inputs": []}'
    assert node.extra == (TextEdit(text.index(B) + len(B), text.index(B) + len(B), ","),)
    assert len(json.loads(accept(text, node))["nodes"]) == 3
    # not inside a node, and not inside a string in the array
    assert labels(program(A, B).replace(A + ",", A + ', "|",')) == []


@pytest.mark.parametrize(
    "marked",
    [
        program(A, '{"id": "s", "op": "add", "doc": "a, b|"}'),
        program(A, '{"id": "s|", "op": "add"}'),
        program(A).replace('"capabilities"', '"capabilities": 1, "allowed_domains": ["|"], "x"'),
        program(A, '{"id": "s", "op": "add", "value": {"k": "|"}}'),
        "|",
        "[|",
        '{"nodes": [{"id": "a", "op": "add", "inputs": [["|"]]}]}',
    ],
)
def test_nothing_where_nothing_fits(marked: str) -> None:
    assert labels(marked) == []


# --- robustness -----------------------------------------------------------------------------


def test_every_offset_of_every_prefix_is_safe() -> None:
    full = program(
        A, B, '{"id": "m", "op": "map", "inputs": ["a"], "value": "twice"}', extra=SUBGRAPHS
    )
    samples = [full[:n] for n in range(0, len(full), 7)] + [full.replace('"', "", 3), full[::-1]]
    for text in samples:
        analysis = analyze(text)
        for offset in range(0, len(text) + 1, 3):
            found = completions(analysis, offset)
            for c in found.items:
                assert 0 <= c.start <= offset <= c.end <= len(text)
            signature_help(analysis, offset)


def test_reading_starts_late_in_a_big_program_and_agrees_with_the_top() -> None:
    nodes = [A] + [f'{{"id": "n{i}", "op": "not", "inputs": ["a"]}}' for i in range(2000)]
    nodes.append('{"id": "z", "op": "add", "inputs": ["n1999", |]}')
    marked = program(*nodes)
    text, offset = split(marked)
    found = completions(analyze(text), offset)
    assert found.items[0].label == "n1999" and found.incomplete
    assert signature_help(analyze(text), offset) is not None


# --- signature help -------------------------------------------------------------------------


def sig(marked: str) -> tuple[str, int | None]:
    text, offset = split(marked)
    found = signature_help(analyze(text), offset)
    assert found is not None
    return found.label, found.active


def test_active_parameter_moves_with_the_commas() -> None:
    node = '{"id": "r", "op": "replace", "inputs": [%s]}'
    assert sig(program(A, node % "|")) == ("replace(s, old, new)", 0)
    assert sig(program(A, node % '"a|"')) == ("replace(s, old, new)", 0)
    assert sig(program(A, node % '"a", |')) == ("replace(s, old, new)", 1)
    assert sig(program(A, node % '"a", "a", "|"')) == ("replace(s, old, new)", 2)
    # commas inside strings and nested values do not count
    assert sig(program(A, node % '"x,y", ["a", "b"], |')) == ("replace(s, old, new)", 2)
    assert sig(program(A, node % '"x,y", ["a", |]')) == ("replace(s, old, new)", 1)
    fmt = '{"id": "f", "op": "format", "value": "{}, {}", "inputs": ["a", |]}'
    assert sig(program(A, fmt)) == ("format(args...)", 0)
    # unterminated at the end of the file
    assert sig('{"nodes": [{"id": "r", "op": "replace", "inputs": ["a", "b", |') == (
        "replace(s, old, new)",
        2,
    )


def test_signature_parameters_and_documentation() -> None:
    text, offset = split(program(A, '{"id": "s", "op": "split", "inputs": ["a", |]}'))
    found = signature_help(analyze(text), offset)
    assert found is not None
    assert found.label == "split(s, delim)"
    assert [found.label[s:e] for s, e in found.parameters] == ["s", "delim"]
    assert found.parameters[0] == (6, 7)  # not the s of "split"
    assert found.documentation.startswith("Split(s, delim); an empty delim splits into characters.")


def test_variadic_and_match() -> None:
    concat = '{"id": "c", "op": "concat", "inputs": ["a", "a", "a", |]}'
    assert sig(program(A, concat)) == ("concat(parts...)", 0)
    apply = '{"id": "c", "op": "apply", "inputs": ["a", "a", "a", |]}'
    assert sig(program(A, apply)) == ("apply(f, args...)", 1)
    match = '{"id": "c", "op": "match", "inputs": ["a", "a", "a", %s]}'
    assert sig(program(A, match % "|")) == ("match(x, guard, handler...)", 1)
    assert sig(program(A, match % '"a", |')) == ("match(x, guard, handler...)", 2)


def test_subgraph_call_shows_the_ports() -> None:
    call = '{"id": "c", "op": "subgraph_call", "inputs": ["a", |], "value": "%s"}'
    text, offset = split(program(A, call % "plus", extra=SUBGRAPHS))
    found = signature_help(analyze(text), offset)
    assert found is not None and (found.label, found.active) == ("plus(p, q)", 1)
    assert found.parameter_docs == ("input port 0", "input port 1")
    assert sig(program(A, call % "std:double", extra=SUBGRAPHS)) == ("std:double(x)", 1)
    assert sig(program(A, call % "nope", extra=SUBGRAPHS)) == ("subgraph_call(args...)", 0)


@pytest.mark.parametrize(
    "marked",
    [
        program(A, '{"id": "r", "op": "replace", "inputs": ["a"], "doc": "x, |"}'),
        program(A, '{"id": "r", "op": "nope", "inputs": [|]}'),
        program('{"id": "r", "op": "replace", "inputs": ["a"]}|'),
        program(A).replace('"PURE_COMPUTE", ', '"PURE_COMPUTE", |'),
    ],
)
def test_no_signature_outside_inputs(marked: str) -> None:
    text, offset = split(marked)
    assert signature_help(analyze(text), offset) is None
