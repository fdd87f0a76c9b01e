"""Refactors as plain text edits: extract nodes into a subgraph, inline a subgraph call, and the
minimal diff that fix-all uses. Every result is compared with the exact expected text, analysed,
and run against the original."""

from __future__ import annotations

import pytest
from helpers import EXAMPLES

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.diagnostics import TextEdit
from lexis_ls.lang.fixes import apply_edits, fix_all
from lexis_ls.lang.refactor import Refactor, diff_edits, extract_subgraph, inline_call
from lexis_ls.run.evaluator import run_text


def program(nodes: list[str], subgraphs: str = "") -> str:
    body = ",\n".join(f"    {n}" for n in nodes)
    return (
        '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
        f'  "nodes": [\n{body}\n  ]{subgraphs}\n}}\n'
    )


def codes(text: str) -> list[str]:
    return [d.code for d in analyze(text).diagnostics]


def select(text: str, first: str, last: str | None = None) -> tuple[int, int]:
    """From the start of node `first` to a little into node `last` (a partial selection)."""
    start = text.index(f'{{"id": "{first}"')
    return start, text.index(f'{{"id": "{last or first}"') + 3


def done(r: Refactor | None) -> str:
    assert r is not None and r.disabled is None and r.text is not None, r
    return r.text


def check_edits(before: str, r: Refactor) -> None:
    """The edits make the text, each changes something, and none reaches into the unchanged
    text before the first difference or after the last."""
    after = r.text
    assert after is not None and apply_edits(before, r.edits) == after
    assert all(before[e.start : e.end] != e.new_text for e in r.edits)
    p = 0
    while p < min(len(before), len(after)) and before[p] == after[p]:
        p += 1
    q = 0
    while q < min(len(before), len(after)) - p and before[-1 - q] == after[-1 - q]:
        q += 1
    assert sum(e.end - e.start for e in r.edits) <= len(before) - p - q


def same_run(before: str, after: str) -> None:
    a, b = run_text(before), run_text(after)
    assert a.status == b.status == "ok"
    assert a.output == b.output and a.output


# --- diff_edits -------------------------------------------------------------------------


def test_diff_edits_are_narrow_and_exact() -> None:
    old = 'a\n  "capabilities": ["PURE_COMPUTE"],\nb\nc\n'
    new = 'a\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\nb\nc\nd\n'
    edits = diff_edits(old, new)
    assert edits == [
        TextEdit(old.index('"]') + 1, old.index('"]') + 1, ', "IO_STDOUT"'),
        TextEdit(len(old), len(old), "d\n"),
    ]
    assert apply_edits(old, edits) == new
    assert diff_edits(old, old) == []
    assert apply_edits("x😀y\n", diff_edits("x😀y\n", "x😀z\n")) == "x😀z\n"
    assert diff_edits("x😀y\n", "x😀z\n") == [TextEdit(2, 3, "z")]


def test_diff_edits_of_fix_all_keep_untouched_lines() -> None:
    text = program(
        [
            '{"id": "a", "op": "CONST", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            '{"id": "s", "op": "add", "inputs": ["a", "b"]}',
            '{"id": "out", "op": "print", "inputs": ["s"]}',
        ]
    ).replace('"IO_STDOUT"', '"IO_STDOUT", "FS_READ"')
    fixed = fix_all(text).text
    edits = diff_edits(text, fixed)
    assert edits == [
        TextEdit(text.index(', "FS_READ"'), text.index(', "FS_READ"') + 11, ""),
        TextEdit(text.index('"CONST"') + 1, text.index('"CONST"') + 6, "const"),
    ]
    assert apply_edits(text, edits) == fixed


# --- extract ----------------------------------------------------------------------------

SUM_TWICE = program(
    [
        '{"id": "a", "op": "const", "value": 5}',
        '{"id": "b", "op": "const", "value": 3}',
        '{"id": "two", "op": "const", "value": 2}',
        '{"id": "sum", "op": "add", "inputs": ["a", "b"]}',
        '{"id": "twice", "op": "mul", "inputs": ["sum", "two"], "doc": "2 (a + b)"}',
        '{"id": "out", "op": "print", "inputs": ["twice"]}',
    ]
)


def test_extract_with_one_output_keeps_every_id() -> None:
    r = extract_subgraph(analyze(SUM_TWICE), *select(SUM_TWICE, "sum", "twice"))
    assert r is not None and r.title == "Extract 2 nodes into subgraph `extracted`"
    assert done(r) == program(
        [
            '{"id": "a", "op": "const", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            '{"id": "two", "op": "const", "value": 2}',
            '{"id": "twice", "op": "subgraph_call", "inputs": ["a", "b", "two"], "value": "extracted"}',
            '{"id": "out", "op": "print", "inputs": ["twice"]}',
        ],
        subgraphs=""",
  "subgraphs": {
    "extracted": {
      "nodes": [
        {"id": "a", "op": "input_port", "value": 0},
        {"id": "b", "op": "input_port", "value": 1},
        {"id": "two", "op": "input_port", "value": 2},
        {"id": "sum", "op": "add", "inputs": ["a", "b"]},
        {"id": "twice", "op": "mul", "inputs": ["sum", "two"], "doc": "2 (a + b)"},
        {"id": "out", "op": "output_port", "inputs": ["twice"], "value": 0}
      ]
    }
  }""",
    )
    check_edits(SUM_TWICE, r)
    assert codes(done(r)) == []
    same_run(SUM_TWICE, done(r))


def test_extract_with_several_outputs_indexes_the_call_list() -> None:
    text = program(
        [
            '{"id": "zero", "op": "const", "value": 0}',
            '{"id": "a", "op": "const", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            '{"id": "sum", "op": "add", "inputs": ["a", "b"]}',
            '{"id": "diff", "op": "sub", "inputs": ["a", "b"]}',
            '{"id": "both", "op": "mul", "inputs": ["sum", "diff"]}',
            '{"id": "out", "op": "print", "inputs": ["both"]}',
            '{"id": "out2", "op": "format", "inputs": ["sum", "zero"], "value": "{} {}"}',
            '{"id": "show", "op": "print", "inputs": ["out2"]}',
        ]
    )
    r = extract_subgraph(analyze(text), *select(text, "sum", "diff"))
    # index 0 reuses the existing `zero`; index 1 gets a new const
    assert done(r) == program(
        [
            '{"id": "zero", "op": "const", "value": 0}',
            '{"id": "a", "op": "const", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            '{"id": "extracted", "op": "subgraph_call", "inputs": ["a", "b"], "value": "extracted"}',
            '{"id": "sum", "op": "index", "inputs": ["extracted", "zero"]}',
            '{"id": "extracted_1", "op": "const", "value": 1}',
            '{"id": "diff", "op": "index", "inputs": ["extracted", "extracted_1"]}',
            '{"id": "both", "op": "mul", "inputs": ["sum", "diff"]}',
            '{"id": "out", "op": "print", "inputs": ["both"]}',
            '{"id": "out2", "op": "format", "inputs": ["sum", "zero"], "value": "{} {}"}',
            '{"id": "show", "op": "print", "inputs": ["out2"]}',
        ],
        subgraphs=""",
  "subgraphs": {
    "extracted": {
      "nodes": [
        {"id": "a", "op": "input_port", "value": 0},
        {"id": "b", "op": "input_port", "value": 1},
        {"id": "sum", "op": "add", "inputs": ["a", "b"]},
        {"id": "diff", "op": "sub", "inputs": ["a", "b"]},
        {"id": "out_sum", "op": "output_port", "inputs": ["sum"], "value": 0},
        {"id": "out_diff", "op": "output_port", "inputs": ["diff"], "value": 1}
      ]
    }
  }""",
    )
    assert codes(done(r)) == []
    same_run(text, done(r))


def test_extract_into_existing_subgraphs_with_effects_and_a_fresh_name() -> None:
    text = (EXAMPLES / "subgraphs.lexis.json").read_text(encoding="utf-8")
    text = text.replace('"divmod": {', '"extracted": {').replace('"divmod"', '"extracted"')
    r = extract_subgraph(analyze(text), *select(text, "msg1", "show1"))
    assert r is not None and r.title == "Extract 2 nodes into subgraph `extracted_2`"
    new = done(r)
    assert (
        '    {"id": "twice", "op": "subgraph_call", "inputs": ["once"], "value": "double"},\n'
        '    {"id": "show1", "op": "subgraph_call", "inputs": ["twice"], "value": "extracted_2"},\n'
        '    {"id": "quad", "op": "subgraph_call"' in new
    )
    assert new.endswith(
        """      "doc": "(width, height) -> area (port 0), perimeter (port 1), diagonal (port 2)"
    },
    "extracted_2": {
      "nodes": [
        {"id": "twice", "op": "input_port", "value": 0},
        {"id": "msg1", "op": "format", "inputs": ["twice"], "value": "double(double(5)) = {}"},
        {"id": "show1", "op": "print", "inputs": ["msg1"]},
        {"id": "out", "op": "output_port", "inputs": ["show1"], "value": 0}
      ]
    }
  }
}
"""
    )
    check_edits(text, r)
    assert codes(text) == codes(new) == []
    same_run(text, new)


def test_extract_reindents_expanded_nodes() -> None:
    text = SUM_TWICE.replace(
        '{"id": "sum", "op": "add", "inputs": ["a", "b"]}',
        '{\n      "id": "sum",\n      "op": "add",\n      "inputs": ["a", "b"]\n    }',
    )
    start = text.index('{\n      "id": "sum"')
    new = done(extract_subgraph(analyze(text), start, start + 1))
    assert (
        '        {\n          "id": "sum",\n          "op": "add",\n'
        '          "inputs": ["a", "b"]\n        },\n'
        '        {"id": "out", "op": "output_port", "inputs": ["sum"], "value": 0}\n'
    ) in new
    assert (
        '    {"id": "sum", "op": "subgraph_call", "inputs": ["a", "b"], "value": "extracted"},\n'
        in new
    )
    assert codes(new) == []
    same_run(text, new)


def test_extract_of_an_unused_selection_outputs_its_last_node() -> None:
    text = program(
        [
            '{"id": "a", "op": "const", "value": "hi"}',
            '{"id": "up", "op": "upper", "inputs": ["a"]}',
            '{"id": "show", "op": "print", "inputs": ["up"]}',
        ]
    )
    new = done(extract_subgraph(analyze(text), *select(text, "up", "show")))
    assert '{"id": "show", "op": "subgraph_call", "inputs": ["a"], "value": "extracted"}' in new
    assert '{"id": "out", "op": "output_port", "inputs": ["show"], "value": 0}' in new
    assert codes(new) == []
    same_run(text, new)


def test_extract_offers_nothing_without_a_selection_of_main_nodes() -> None:
    a = analyze(SUM_TWICE)
    start = SUM_TWICE.index('{"id": "sum"')
    assert extract_subgraph(a, start, start) is None
    assert extract_subgraph(a, 0, 5) is None  # `{` and `"spec"` only
    text = (EXAMPLES / "subgraphs.lexis.json").read_text(encoding="utf-8")
    assert extract_subgraph(analyze(text), *select(text, "ratio")) is None  # inside a subgraph


@pytest.mark.parametrize(
    ("nodes", "first", "last", "reason"),
    [
        (
            [
                '{"id": "a", "op": "const", "value": 1}',
                '{"id": "s", "op": "add", "inputs": ["a", "nope"]}',
                '{"id": "out", "op": "print", "inputs": ["s"]}',
            ],
            "s",
            None,
            "fix the errors in the selection first (LX1003 input",
        ),
        (
            [
                '{"id": "a", "op": "const", "value": 1}',
                '{"id": "zero", "op": "const", "value": 0}',
                '{"id": "q", "op": "div", "inputs": ["a", "zero"]}',
                '{"id": "safe", "op": "try_or", "inputs": ["q", "a"]}',
                '{"id": "out", "op": "print", "inputs": ["safe"]}',
            ],
            "safe",
            None,
            "`safe` (`try_or`) looks at error values from outside the selection",
        ),
        (
            [
                '{"id": "a", "op": "const", "value": 1}',
                '{"id": "x", "op": "add", "inputs": ["a", "a"]}',
                '{"id": "y", "op": "add", "inputs": ["x", "m"]}',
                '{"id": "m", "op": "mul", "inputs": ["x", "a"]}',
                '{"id": "out", "op": "print", "inputs": ["y"]}',
            ],
            "x",
            "y",
            "`m` both uses a selected node and feeds one",
        ),
        (
            [
                '{"id": "a", "op": "const", "value": "first"}',
                '{"id": "b", "op": "const", "value": "second"}',
                '{"id": "p1", "op": "print", "inputs": ["a"]}',
                '{"id": "y", "op": "concat", "inputs": ["z", "a"]}',
                '{"id": "z", "op": "print", "inputs": ["b"]}',
                '{"id": "out", "op": "print", "inputs": ["y"]}',
            ],
            "p1",
            "y",
            "the effects of the program (output, files...) would run in another order",
        ),
        (
            [
                '{"id": "a", "op": "const", "value": 1}',
                '{"id": "r", "op": "reflect"}',
                '{"id": "out", "op": "print", "inputs": ["r"]}',
            ],
            "a",
            None,
            "the program uses `reflect`",
        ),
    ],
)
def test_extract_refusals(nodes: list[str], first: str, last: str | None, reason: str) -> None:
    text = program(nodes)
    r = extract_subgraph(analyze(text), *select(text, first, last))
    assert r is not None and r.edits == () and r.text is None
    assert r.disabled is not None and r.disabled.startswith(reason), r.disabled


def test_extract_through_a_try_or_is_fine_when_the_outside_values_are_constants() -> None:
    text = program(
        [
            '{"id": "a", "op": "const", "value": 1}',
            '{"id": "zero", "op": "const", "value": 0}',
            '{"id": "q", "op": "div", "inputs": ["a", "zero"]}',
            '{"id": "safe", "op": "try_or", "inputs": ["q", "a"]}',
            '{"id": "out", "op": "print", "inputs": ["safe"]}',
        ]
    )
    new = done(extract_subgraph(analyze(text), *select(text, "q", "safe")))
    same_run(text, new)


# --- inline -----------------------------------------------------------------------------

CALLED_ONCE = program(
    [
        '{"id": "n", "op": "const", "value": 4}',
        '{"id": "sq", "op": "subgraph_call", "inputs": ["n"], "value": "square_plus"}',
        '{"id": "out", "op": "print", "inputs": ["sq"]}',
    ],
    subgraphs=""",
  "subgraphs": {
    "square_plus": {
      "nodes": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "one", "op": "const", "value": 1},
        {"id": "s", "op": "mul", "inputs": ["x", "x"]},
        {"id": "r", "op": "add", "inputs": ["s", "one"]},
        {"id": "o", "op": "output_port", "inputs": ["r"], "value": 0}
      ],
      "doc": "x * x + 1"
    }
  }""",
)


def test_inline_a_subgraph_used_once_removes_it() -> None:
    a = analyze(CALLED_ONCE)
    r = inline_call(a, CALLED_ONCE.index('"subgraph_call"'))
    assert r is not None and r.title == "Inline `square_plus` at `sq` and remove `square_plus`"
    assert done(r) == program(
        [
            '{"id": "n", "op": "const", "value": 4}',
            '{"id": "sq__one", "op": "const", "value": 1}',
            '{"id": "sq__s", "op": "mul", "inputs": ["n", "n"]}',
            '{"id": "sq__r", "op": "add", "inputs": ["sq__s", "sq__one"]}',
            '{"id": "out", "op": "print", "inputs": ["sq__r"]}',
        ]
    )
    check_edits(CALLED_ONCE, r)
    assert codes(done(r)) == []
    same_run(CALLED_ONCE, done(r))


def test_inline_keeps_a_subgraph_used_elsewhere() -> None:
    text = CALLED_ONCE.replace(
        '    {"id": "out", "op": "print", "inputs": ["sq"]}',
        '    {"id": "out", "op": "print", "inputs": ["sq"]},\n'
        '    {"id": "again", "op": "subgraph_call", "inputs": ["sq"], "value": "square_plus"},\n'
        '    {"id": "out2", "op": "print", "inputs": ["again"]}',
    )
    r = inline_call(analyze(text), text.index('{"id": "again"') + 2)
    assert r is not None and r.title == "Inline `square_plus` at `again`"
    new = done(r)
    assert new == text.replace(
        '    {"id": "again", "op": "subgraph_call", "inputs": ["sq"], "value": "square_plus"},\n'
        '    {"id": "out2", "op": "print", "inputs": ["again"]}',
        '    {"id": "again__one", "op": "const", "value": 1},\n'
        '    {"id": "again__s", "op": "mul", "inputs": ["sq", "sq"]},\n'
        '    {"id": "again__r", "op": "add", "inputs": ["again__s", "again__one"]},\n'
        '    {"id": "out2", "op": "print", "inputs": ["again__r"]}',
    )
    assert codes(new) == []
    same_run(text, new)


def test_inline_merges_copies_of_what_the_graph_already_computes() -> None:
    text = CALLED_ONCE.replace(
        '{"id": "n", "op": "const", "value": 4}',
        '{"id": "n", "op": "const", "value": 4},\n    {"id": "uno", "op": "const", "value": 1}',
    ).replace(
        '"inputs": ["sq"]}', '"inputs": ["sq"]},\n    {"id": "u", "op": "print", "inputs": ["uno"]}'
    )
    new = done(inline_call(analyze(text), text.index('"subgraph_call"')))
    assert '"sq__one"' not in new
    assert '{"id": "sq__r", "op": "add", "inputs": ["sq__s", "uno"]}' in new
    assert codes(new) == []
    same_run(text, new)


def test_inline_a_call_inside_a_subgraph() -> None:
    text = (EXAMPLES / "subgraphs.lexis.json").read_text(encoding="utf-8")
    r = inline_call(analyze(text), text.index('{"id": "d1"') + 2)
    new = done(r)
    assert (
        '        {"id": "x", "op": "input_port", "value": 0},\n'
        '        {"id": "d1__two", "op": "const", "value": 2},\n'
        '        {"id": "d1__result", "op": "mul", "inputs": ["x", "d1__two"]},\n'
        '        {"id": "d2", "op": "subgraph_call", "inputs": ["d1__result"], "value": "double"},\n'
    ) in new
    assert codes(new) == []
    same_run(text, new)


def test_inline_offers_nothing_off_a_user_subgraph_call() -> None:
    text = CALLED_ONCE
    a = analyze(text)
    assert inline_call(a, text.index('{"id": "n"') + 2) is None
    assert inline_call(a, 0) is None
    std = text.replace('"value": "square_plus"', '"value": "std:double"')
    assert inline_call(analyze(std), std.index('"subgraph_call"')) is None


def test_inline_refusals() -> None:
    text = (EXAMPLES / "subgraphs.lexis.json").read_text(encoding="utf-8")
    r = inline_call(analyze(text), text.index('{"id": "qr"') + 2)
    assert r is not None and r.disabled == "`divmod` has 2 output ports; only one can be inlined"
    guarded = CALLED_ONCE.replace(
        '{"id": "r", "op": "add", "inputs": ["s", "one"]}',
        '{"id": "r", "op": "try_or", "inputs": ["s", "one"]}',
    ).replace('"value": 4}', '"value": 4},\n    {"id": "m", "op": "to_num", "inputs": ["n"]}')
    guarded = guarded.replace(
        '"inputs": ["n"], "value": "square_plus"', '"inputs": ["m"], "value": "square_plus"'
    )
    r = inline_call(analyze(guarded), guarded.index('"subgraph_call"'))
    assert r is not None and r.disabled is not None
    assert r.disabled.startswith("`r` (`try_or`) looks at error values from the arguments")
    broken = CALLED_ONCE.replace('["s", "one"]', '["s", "uno"]')
    r = inline_call(analyze(broken), broken.index('"subgraph_call"'))
    assert r is not None and r.disabled is not None
    assert r.disabled.startswith("fix the errors first (LX1003")


def test_extract_then_inline_runs_the_same() -> None:
    text = (EXAMPLES / "arithmetic.lexis.json").read_text(encoding="utf-8")
    extracted = done(extract_subgraph(analyze(text), *select(text, "sum", "show1")))
    assert (
        '    {"id": "three", "op": "const", "value": 3},\n'
        '    {"id": "show1", "op": "subgraph_call", "inputs": ["ten", "twenty", "five", "two"], '
        '"value": "extracted"},\n'
        '    {"id": "eight", "op": "add", "inputs": ["five", "three"]},\n'
    ) in extracted
    assert codes(extracted) == []
    same_run(text, extracted)
    back = done(inline_call(analyze(extracted), extracted.index('{"id": "show1"') + 2))
    assert '"extracted"' not in back
    assert (
        '    {"id": "show1__product", "op": "mul", "inputs": ["show1__sum", "show1__diff"]},\n'
    ) in back
    assert codes(back) == []
    same_run(text, back)
