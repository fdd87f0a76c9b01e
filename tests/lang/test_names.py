"""The name resolver (lexis_ls/lang/repair/names.py) and its synonym table: opcodes, subgraph
references and capabilities named in other languages' vocabulary, styles and spellings."""

from __future__ import annotations

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.diagnostics import Evidence
from lexis_ls.lang.fixes import fix_all
from lexis_ls.lang.opcodes import CAPABILITIES, OPCODES
from lexis_ls.lang.repair import synonyms
from lexis_ls.lang.repair.names import (
    AMBIGUOUS,
    REFUSED_HOW,
    normalise,
    resolve_capability,
    resolve_op,
    resolve_subgraph_ref,
    squash,
)
from lexis_ls.lang.stdlib import entries

C, L, N = Evidence.CERTAIN, Evidence.LIKELY, None

# (name, input count, expected op or None, evidence) by vocabulary class.
OPS: list[tuple[str, int | None, str | None, Evidence | None]] = [
    # case and style
    ("ADD", 2, "add", C),
    ("PRINT", 1, "print", C),
    ("Print", 1, "print", C),
    ("print_", 1, "print", C),
    ("startsWith", 2, "starts_with", C),
    ("StartsWith", 2, "starts_with", C),
    ("starts-with", 2, "starts_with", C),
    ("Starts With", 2, "starts_with", C),
    ("STARTS_WITH", 2, "starts_with", C),
    ("startswith", 2, "starts_with", C),
    ("typeOf", 1, "type_of", C),
    ("HTTPGet", 1, "http_get", C),
    ("isError", 1, "is_error", C),
    ("ADD", 3, "add", C),  # the same name: the count is then reported on its own (LX1002)
    # the `std:` prefix on an opcode
    ("std:add", 2, "add", C),
    ("std:len", 1, "length", C),
    ("std:double", 1, "subgraph_call", C),  # a subgraph, not an op: a call of it
    # arithmetic
    ("sum", 2, "add", C),
    ("sum", 3, "add", C),  # a chain of adds (LX1002 then rewrites it)
    ("sum", 1, None, N),  # a sum over a list is reduce: no rename
    ("plus", 2, "add", C),
    ("+", 2, "add", C),
    ("subtract", 2, "sub", C),
    ("minus", 2, "sub", C),
    ("multiply", 2, "mul", C),
    ("times", 2, "mul", C),
    ("mult", 2, "mul", C),
    ("product", 1, None, N),
    ("divide", 2, "div", C),
    ("modulo", 2, "mod", C),
    ("%", 2, "mod", C),
    ("pow", 2, "power", C),
    ("**", 2, "power", C),
    ("math.sqrt", 1, "sqrt", C),
    ("Math.random", 0, "random", C),
    ("ceiling", 1, "ceil", C),
    # comparison and logic
    ("equals", 2, "eq", C),
    ("==", 2, "eq", C),
    ("eq?", 2, "eq", C),
    ("ne", 2, None, N),  # no `ne` op: never `eq`
    ("neq", 2, None, N),
    ("!=", 2, None, N),
    ("greater_than", 2, "gt", C),
    ("<=", 2, "lte", C),
    ("ge", 2, "gte", C),
    ("&&", 2, "and", C),
    ("||", 2, "or", C),
    ("!", 1, "not", C),
    # strings and conversions
    ("len", 1, "length", C),
    ("len", 2, None, N),
    ("size", 1, "length", C),
    ("str_len", 1, "length", C),
    ("str", 1, "to_str", C),
    ("toString", 1, "to_str", C),
    ("parseInt", 1, "to_num", C),
    ("parseFloat", 1, "to_num", C),
    ("float", 1, "to_num", C),
    ("int", 1, None, N),  # truncates a number, parses a string: ambiguous
    ("toUpperCase", 1, "upper", C),
    ("toLowerCase", 1, "lower", C),
    ("strip", 1, "trim", C),
    ("startsWith", 2, "starts_with", C),
    ("endsWith", 2, "ends_with", C),
    ("includes", 2, "contains", C),
    ("in", 2, None, N),  # `x in s`: the inputs are the other way round
    ("concatenate", 2, "concat", C),
    ("concat_str", 2, "concat", C),
    ("join", 2, None, N),  # concat is not join
    ("sprintf", 2, "format", C),
    ("replaceAll", 3, "replace", C),
    # sequences and dicts
    ("list", 3, "sequence", C),
    ("array", 2, "sequence", C),
    ("list", 0, "const", C),  # a list literal in `value`
    ("at", 2, "index", C),
    ("nth", 2, "index", C),
    ("getitem", 2, None, N),  # index or get
    ("lookup", 2, "get", C),
    ("object", 2, "dict", C),
    ("object", 0, "const", C),
    ("Object.keys", 1, "keys", C),
    ("entries", 1, "items", C),
    ("sorted", 1, "sort", C),
    ("reversed", 1, "reverse", C),
    ("distinct", 1, "unique", C),
    ("limit", 2, "take", C),
    ("skip", 2, "drop", C),
    ("update", 2, "merge", C),
    ("update", 3, "set", C),
    ("has", 2, None, N),  # contains or has_key
    ("hasOwnProperty", 2, "has_key", C),
    ("typeof", 1, "type_of", C),
    # control and errors
    ("if", 3, "select", C),
    ("ternary", 3, "select", C),
    ("cond", 3, "select", C),
    ("iif", 3, "select", C),
    ("IF", 3, "select", C),
    ("if", 2, None, N),  # no else branch: not select
    ("iferror", 2, "try_or", C),
    ("try", 2, "try_or", C),
    ("try", 1, "try_catch", C),
    ("sleep", 1, "delay", C),
    ("wait", 1, "delay", C),
    # literals and output
    ("literal", 0, "const", C),
    ("constant", 0, "const", C),
    ("number", 0, "const", C),
    ("string", 0, "const", C),
    ("value", 0, "const", C),
    ("string", 1, "to_str", C),
    ("number", 1, "to_num", C),
    ("console.log", 1, "print", C),
    ("echo", 1, "print", C),
    ("display", 1, "print", C),
    ("write", 1, "print", C),
    ("write", 2, "write_file", C),
    # functions
    ("call", 1, None, N),  # subgraph_call or apply
    ("invoke", 2, None, N),
    ("fold", 2, "reduce", C),
    ("foldl", 2, "reduce", C),
    ("accumulate", 2, "reduce", C),
    ("foldr", 2, None, N),
    ("lambda", 0, "subgraph_def", C),
    ("pipe", 2, "compose", C),
    # I/O
    ("fetch", 1, "http_get", C),
    ("GET", 1, "http_get", C),
    ("POST", 2, "http_post", C),
    ("open", 1, "read_file", C),
    ("read", 1, "read_file", C),
    ("read", 0, "read_stdin", C),
    ("readline", 0, "read_stdin", C),
    ("text_input", 0, None, N),  # a gui_widget with a config, not a rename
    ("exec", 1, "eval", C),
    # spelling: at most likely, and only with a clear margin
    ("lenght", 1, "length", L),
    ("pirnt", 1, "print", L),
    ("prnt", 1, "print", L),
    ("conts", 0, "const", L),
    ("substract", 2, "sub", L),
    ("multipy", 2, "mul", L),
    ("frobnicate", 3, None, N),
    # abbreviations: at most likely
    ("rvrs", 1, None, N),
    ("enumer", 1, "enumerate", L),
    ("array_slice", 3, "slice", L),
    ("list_reverse", 1, "reverse", L),
]


@pytest.mark.parametrize(("name", "count", "op", "evidence"), OPS)
def test_resolve_op(
    name: str, count: int | None, op: str | None, evidence: Evidence | None
) -> None:
    found = resolve_op(name, count, has_value=False)
    assert (found.best, found.evidence) == (op, evidence), found.reason
    assert found.safe == (evidence is C)
    if op is not None:
        assert found.alternatives[0] == (found.call or op)


@pytest.mark.parametrize(
    ("name", "count", "ref", "evidence"),
    [
        ("max", 2, "std:max", C),
        ("abs", 1, "std:abs", C),
        ("square", 1, "std:square", C),
        ("isEmpty", 1, "std:is_empty", C),
        ("maximum", 2, "std:max", C),
        ("inc", 1, "std:increment", C),
        ("max", 1, None, N),  # the max of a list: std:max has 2 ports
        ("max", None, "std:max", L),
    ],
)
def test_stdlib_name_as_op_is_a_call(
    name: str, count: int | None, ref: str | None, evidence: Evidence | None
) -> None:
    found = resolve_op(name, count, has_value=False)
    assert (found.call, found.evidence) == (ref, evidence), found.reason
    if ref is not None:
        assert found.best == "subgraph_call"
    assert resolve_op("max", 2, has_value=True).evidence is L  # its own value would be lost
    assert resolve_op("max", 1).best != "map"


@pytest.mark.parametrize("count", [None, 1, 2, 3])
def test_sum_is_never_sub(count: int | None) -> None:
    found = resolve_op("sum", count)
    assert found.best != "sub" and "sub" not in found.alternatives
    assert resolve_op("sub", 2).best == "sub"


def test_sum_with_one_input_says_reduce() -> None:
    found = resolve_op("sum", 1)
    assert found.best is None
    assert "reduce" in found.alternatives
    assert any("std:add" in h for h in found.hints())


def test_unknown_count_makes_a_synonym_only_likely() -> None:
    assert resolve_op("multiply", None).evidence is L
    assert resolve_op("MUL", None).evidence is C  # a style match needs no count


def test_short_names_need_more_than_one_substitution() -> None:
    for name, count in [("mop", 1), ("sut", 2), ("ad", 2), ("mal", 2)]:
        assert resolve_op(name, count).best is None, name


def test_arity_excludes_candidates() -> None:
    # `filtr` is one edit from `filter`; with 2 inputs filter is not a candidate at all.
    assert resolve_op("filtr", 1).best == "filter"
    assert resolve_op("filtr", 2).best is None


def test_which_graph_decides_output_and_input() -> None:
    assert resolve_op("output", 1, in_subgraph=False).best == "print"
    assert resolve_op("output", 1, in_subgraph=True).best == "output_port"
    assert resolve_op("output", 1).best is None
    assert resolve_op("input", 0, in_subgraph=True).best == "input_port"
    assert resolve_op("return", 1, in_subgraph=True).best == "output_port"


def test_a_value_the_target_would_ignore_makes_it_likely() -> None:
    assert resolve_op("rand", 0).evidence is C
    assert resolve_op("rand", 0, has_value=True).evidence is L


def test_synonym_hint_names_the_lexis_op() -> None:
    assert resolve_op("sum", 2).hints()[0] == "`sum` is called `add` in Lexis"
    assert resolve_op("ne", 2).how == REFUSED_HOW
    assert "`not` of `eq`" in resolve_op("ne", 2).hints()[0]


@pytest.mark.parametrize(
    ("name", "style"),
    [
        ("toUpperCase", "to_upper_case"),
        ("TO-UPPER-CASE", "to_upper_case"),
        ("To Upper Case", "to_upper_case"),
        ("HTTPGet", "http_get"),
        ("console.log", "console_log"),
        ("eq?", "eq?"),
        ("==", "=="),
        ("print_", "print"),
    ],
)
def test_normalise(name: str, style: str) -> None:
    assert normalise(name) == style


# (reference, local subgraphs with their port counts, ports needed, expected, evidence)
REFS: list[tuple[str, dict[str, int], int | None, str | None, Evidence | None]] = [
    ("double", {}, 1, "std:double", C),  # missing prefix
    ("Double", {}, 1, "std:double", C),
    ("std:Double", {}, 1, "std:double", C),
    ("getFirst", {}, 1, "std:get_first", C),
    ("std:triple", {"triple": 1}, 1, "triple", C),  # extra prefix on a local name
    ("triple", {"Triple": 1}, 1, "Triple", C),
    ("addOne", {"add_one": 1}, 1, "add_one", C),
    ("sum", {}, 2, "std:add", C),  # reduce with `sum`
    ("sum", {}, 1, None, N),  # map needs 1 port: std:add has 2
    ("std:sum", {}, 2, "std:add", C),
    ("len", {}, 1, "std:get_length", C),
    ("isNumber", {}, 1, "std:is_num", C),
    ("maximum", {}, 2, "std:max", C),
    ("std:dobule", {}, 1, "std:double", L),
    ("std:doubel", {}, 1, "std:double", L),
    ("tripel", {"triple": 1}, 1, "triple", L),
    ("triple", {}, 1, None, N),
    ("0" * 64, {}, 1, None, N),
    # `square` may be the program's `square_plus_one`: ambiguous, not std:square
    ("square", {"square_plus_one": 1}, 1, None, N),
    ("square", {"other": 1}, 1, "std:square", C),
]


@pytest.mark.parametrize(("name", "local", "ports", "ref", "evidence"), REFS)
def test_resolve_subgraph_ref(
    name: str, local: dict[str, int], ports: int | None, ref: str | None, evidence: Evidence | None
) -> None:
    found = resolve_subgraph_ref(name, local, ports)
    assert (found.best, found.evidence) == (ref, evidence), found.reason


def test_ambiguous_local_and_std_lists_both() -> None:
    found = resolve_subgraph_ref("square", {"square_plus_one": 1}, 1)
    assert found.how == AMBIGUOUS
    assert set(found.alternatives) == {"std:square", "square_plus_one"}


CAPS: list[tuple[str, tuple[str, ...], str | None, Evidence | None]] = [
    ("io_stdout", (), "IO_STDOUT", C),
    ("ioStdout", (), "IO_STDOUT", C),
    ("Io-Stdout", (), "IO_STDOUT", C),
    ("STDOUT", (), "IO_STDOUT", C),
    ("IO_PRINT", (), "IO_STDOUT", C),
    ("PRINT", (), "IO_STDOUT", C),
    ("STDIN", (), "IO_STDIN", C),
    ("NETWORK", (), "NETWORK_OUT", C),
    ("HTTP", (), "NETWORK_OUT", C),
    ("FILE_READ", (), "FS_READ", C),
    ("FS_WRITE_FILE", (), "FS_WRITE", C),
    ("COMPUTE", (), "PURE_COMPUTE", C),
    ("PURE", (), "PURE_COMPUTE", C),
    ("GUI", (), "GUI_RENDER", C),
    ("EVAL", (), "META_EVAL", C),
    ("IO", (), None, N),  # stdout or stdin
    ("IO", ("IO_STDIN",), "IO_STDIN", C),  # the program needs only one of them
    ("FILESYSTEM", ("FS_WRITE",), "FS_WRITE", C),
    ("IO_STDUOT", (), "IO_STDOUT", L),
    ("NETWROK_OUT", (), "NETWORK_OUT", L),
    ("BANANA", (), None, N),
]


@pytest.mark.parametrize(("name", "used", "cap", "evidence"), CAPS)
def test_resolve_capability(
    name: str, used: tuple[str, ...], cap: str | None, evidence: Evidence | None
) -> None:
    found = resolve_capability(name, used)
    assert (found.best, found.evidence) == (cap, evidence), found.reason


# --- the table -------------------------------------------------------------------------------


def test_every_opcode_stdlib_subgraph_and_capability_has_an_entry() -> None:
    assert set(synonyms.OPS) == set(OPCODES)
    assert set(synonyms.STD) == set(entries())
    assert set(synonyms.CAPS) == set(CAPABILITIES)


def test_table_entries_are_well_formed() -> None:
    from lexis_ls.lang.opcodes import Arity

    squashed = {squash(op) for op in OPCODES}
    for target, words in synonyms.OPS.items():
        for w in words:
            if isinstance(w, synonyms.Syn) and w.inputs is not None:
                Arity.parse(w.inputs)
            word = w.word if isinstance(w, synonyms.Syn) else w
            # A name equal to an op after normalising its style needs no entry; `get` stands
            # for `GET` (HTTP), with a count the dict op does not take.
            assert squash(normalise(word)) not in squashed or word == "get", (target, w)
    for word in synonyms.REFUSED:
        assert resolve_op(word, 2).best is None, word


def test_refused_words_are_not_synonyms() -> None:
    words = {
        normalise(w.word if isinstance(w, synonyms.Syn) else w)
        for table in (synonyms.OPS,)
        for ws in table.values()
        for w in ws
    }
    assert not words & {normalise(w) for w in synonyms.REFUSED}


# --- end to end --------------------------------------------------------------------------------


def _program(node: str) -> str:
    return (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        '  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
        '  "nodes": [\n'
        '    {"id": "a", "op": "const", "value": 5},\n'
        '    {"id": "b", "op": "const", "value": 3},\n'
        '    {"id": "xs", "op": "sequence", "inputs": ["a", "b"]},\n'
        f"    {node},\n"
        '    {"id": "out", "op": "print", "inputs": ["s"]}\n'
        "  ]\n"
        "}\n"
    )


def test_fix_all_turns_sum_of_two_into_add() -> None:
    text = _program('{"id": "s", "op": "sum", "inputs": ["a", "b"]}')
    d = next(d for d in analyze(text).diagnostics if d.code == "LX1001")
    assert "did you mean `add`" in d.message
    assert "`sum` is called `add` in Lexis" in d.hints
    assert d.fixes[0].safe
    result = fix_all(text)
    assert '"op": "add"' in result.text
    assert [x for x in result.analysis.diagnostics if x.severity.value == "error"] == []


def test_fix_all_leaves_sum_of_a_list_unfixed() -> None:
    text = _program('{"id": "s", "op": "sum", "inputs": ["xs"]}')
    d = next(d for d in analyze(text).diagnostics if d.code == "LX1001")
    assert not any(f.safe for f in d.fixes)
    result = fix_all(text)
    assert '"op": "sum"' in result.text
    assert any(x.code == "LX1001" for x in result.analysis.diagnostics)


def test_misspelt_reference_is_a_quick_fix_and_keeps_the_subgraph_used() -> None:
    text = (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        '  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
        '  "nodes": [\n'
        '    {"id": "a", "op": "const", "value": 2},\n'
        '    {"id": "r", "op": "subgraph_call", "inputs": ["a"], "value": "tripel"},\n'
        '    {"id": "out", "op": "print", "inputs": ["r"]}\n'
        "  ],\n"
        '  "subgraphs": {\n'
        '    "triple": {"nodes": [\n'
        '      {"id": "x", "op": "input_port", "value": 0},\n'
        '      {"id": "k", "op": "const", "value": 3},\n'
        '      {"id": "m", "op": "mul", "inputs": ["x", "k"]},\n'
        '      {"id": "o", "op": "output_port", "inputs": ["m"], "value": 0}\n'
        "    ]}\n"
        "  }\n"
        "}\n"
    )
    codes = {d.code: d for d in analyze(text).diagnostics}
    assert "LX3003" not in codes  # the misspelt reference stands for it
    fix = codes["LX1008"].fixes[0]
    assert fix.title == "Replace with `triple`" and not fix.safe
    assert fix.evidence is Evidence.LIKELY


def test_fix_all_calls_a_stdlib_subgraph_named_as_an_op() -> None:
    text = _program('{"id": "s", "op": "max", "inputs": ["a", "b"]}')
    result = fix_all(text)
    assert '{"id": "s", "op": "subgraph_call", "inputs": ["a", "b"], "value": "std:max"}' in (
        result.text
    )
    assert [x for x in result.analysis.diagnostics if x.severity.value == "error"] == []


def test_capability_synonym_is_fixed_by_fix_all() -> None:
    text = _program('{"id": "s", "op": "add", "inputs": ["a", "b"]}').replace(
        '"IO_STDOUT"]', '"STDOUT"]'
    )
    d = next(d for d in analyze(text).diagnostics if d.code == "LX2003")
    assert d.fixes[0].safe and "`STDOUT` is called `IO_STDOUT` in Lexis" in d.hints
    assert "LX2001" not in {x.code for x in analyze(text).diagnostics}
    result = fix_all(text)
    assert '"IO_STDOUT"]' in result.text
    assert [x for x in result.analysis.diagnostics if x.severity.value == "error"] == []
