"""Incremental re-analysis of whole nodes inserted, deleted and replaced (a node appended, a
block pasted or cut, a line replaced), and the document's reuse of the analysis an undo brings
back: after each edit, the analysis equals a fresh one of the new text in everything
observable (tests/lang/incremental_support.py), whichever path was taken."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from incremental_support import assert_same_analysis
from test_incremental import _OPS, _SMALL_VALUES, FILE_TEXTS, generated_programs

from lexis_ls.lang.analysis import Analysis, analyze
from lexis_ls.lang.incremental import reanalyze
from lexis_ls.server.documents import Document, covering_edit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_lsp import generate as bench_program  # noqa: E402

Edit = tuple[int, int, str]


def _check(old: Analysis, edit: Edit) -> Analysis:
    """reanalyze() of the edit as the document store computes it (the covering edit of the
    two texts, which may start inside a node), compared with a fresh analysis."""
    start, end, fragment = edit
    new_text = old.text[:start] + fragment + old.text[end:]
    start, end, fragment = covering_edit(old.text, new_text)
    got = reanalyze(old, start, end, fragment)
    if currently_in_test_context():
        event(f"path: {got.incremental or 'full'}")
    assert got.fallback is None or "internal error" not in got.fallback, got.fallback
    assert_same_analysis(got, analyze(new_text))
    return got


def node_texts(draw: st.DrawFn, analysis: Analysis, before: int, count: int) -> list[str]:
    """``count`` node objects that may read the ids of nodes ``[0, before)`` of the main graph
    and the earlier new ones; now and then an id that is taken, a reference to a later node
    or to no node at all, or an op that the fast path leaves to a full analysis."""
    nodes = analysis.program.main.nodes
    ids = [n.id for n in nodes[:before] if n.id is not None]
    later = [n.id for n in nodes[before:] if n.id is not None]
    out: list[str] = []
    for k in range(count):
        nid = f"new{k}"
        if later and draw(st.integers(0, 9)) == 0:
            nid = draw(st.sampled_from(later + ids))  # taken
        op = draw(st.sampled_from(sorted(_OPS)))
        arity = _OPS[op]
        pool = ids + (
            [draw(st.sampled_from(later))] if later and draw(st.integers(0, 7)) == 0 else []
        )
        if draw(st.integers(0, 9)) == 0:
            pool = [*pool, "nowhere"]
        if arity > len(pool):
            op, arity = "const", 0
        node: dict[str, Any] = {"id": nid, "op": op}
        if arity:
            node["inputs"] = [draw(st.sampled_from(pool)) for _ in range(arity)]
        if op in ("const", "format", "assert", "param", "http_get"):
            node["value"] = draw(st.sampled_from(_SMALL_VALUES))
        if op == "subgraph_call":
            node["value"] = draw(st.sampled_from(["std:double", "std:nope", "f"]))
        if op == "param":
            node["value"] = "name"
        out.append(json.dumps(node))
        ids.append(nid)
    return out


@st.composite
def node_edit(draw: st.DrawFn, analysis: Analysis) -> Edit:
    """Nodes inserted at a gap of the main `nodes` array, a run of nodes deleted, or a run
    replaced by new nodes, laid out as the array is (one per line or inline)."""
    array = analysis.program.main.array
    text = analysis.text
    if array is None or not array.items:
        return 0, 0, ""
    items = array.items
    n = len(items)
    kind = draw(st.sampled_from(["insert", "insert", "delete", "replace"]))
    line_start = text.rfind("\n", 0, items[0].start) + 1
    indent = text[line_start : items[0].start]
    sep = (
        ",\n" + indent
        if indent.strip() == "" and "\n" in text[array.start : items[0].start]
        else ", "
    )
    if kind == "insert":
        gap = draw(st.integers(0, n))
        new = node_texts(draw, analysis, gap, draw(st.integers(1, 4)))
        if gap < n and draw(st.booleans()):
            at = items[gap].start  # before a node (a paste at the start of its line)
            return at, at, sep.join(new) + sep
        at = items[gap - 1].end if gap > 0 else array.start + 1
        if gap == 0:
            return at, at, sep.join(new) + (sep if n else "")
        return at, at, sep + sep.join(new)
    i = draw(st.integers(0, n - 1))
    j = draw(st.integers(i + 1, min(n, i + 4)))
    new = node_texts(draw, analysis, i, draw(st.integers(1, 3))) if kind == "replace" else []
    if new:
        return items[i].start, items[j - 1].end, sep.join(new)
    if j < n:
        return items[i].start, items[j].start, ""
    if i > 0:
        return items[i - 1].end, items[j - 1].end, ""
    return items[0].start, items[-1].end, ""


def programs() -> st.SearchStrategy[str]:
    return st.one_of(
        generated_programs(),
        st.sampled_from(FILE_TEXTS),
        st.integers(20, 80).map(bench_program),
        st.integers(3, 40).map(bench_program),
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_node_edits_equal_a_fresh_analysis(data: st.DataObject) -> None:
    analysis = analyze(data.draw(programs(), label="text"))
    if data.draw(st.booleans(), label="line index first"):
        analysis.lines  # noqa: B018 - a computed line index must be spliced, not dropped
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        analysis = _check(analysis, data.draw(node_edit(analysis), label="edit"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_paste_then_cut(data: st.DataObject) -> None:
    """A block pasted at the start of a line and cut again: the covering edits start inside
    the node after it (the texts share its `{"id": "`)."""
    analysis = analyze(data.draw(st.integers(30, 90).map(bench_program), label="text"))
    items = analysis.program.main.nodes
    k = data.draw(st.integers(1, len(items) - 1), label="before")
    at = analysis.text.rfind("\n", 0, items[k].syntax.start) + 1
    block = "".join(f"    {t},\n" for t in node_texts(data.draw, analysis, k, 5))
    pasted = _check(analysis, (at, at, block))
    cut = _check(pasted, (at, at + len(block), ""))
    assert cut.text == analysis.text


# --- the paths are taken ---------------------------------------------------------------------


def test_a_node_appended_and_removed_is_incremental() -> None:
    text = bench_program(300)
    analysis = analyze(text)
    at = text.rindex("}\n  ]") + 1
    node = ',\n    {"id": "extra", "op": "add", "inputs": ["n297", "n296"]}'
    appended = _check(analysis, (at, at, node))
    assert appended.incremental == "nodes", appended.fallback
    # the node read `n296` (unused until then): its LX3001 is gone, the new node has one
    unused = {d.start for d in appended.diagnostics if d.code == "LX3001"}
    extra = appended.program.main.by_id["extra"]
    assert extra.id_span().start in unused
    removed = _check(appended, (at, at + len(node), ""))
    assert removed.incremental == "nodes", removed.fallback
    assert removed.text == text


def test_a_pasted_block_is_incremental() -> None:
    text = bench_program(400)
    analysis = analyze(text)
    line = text.index('{"id": "n200", ')
    at = text.index("\n", line) + 1
    block = "".join(
        f'    {{"id": "p{k}", "op": "mul", "inputs": ["n19{k}", "n200"]}},\n' for k in range(5)
    )
    pasted = _check(analysis, (at, at, block))
    assert pasted.incremental == "nodes", pasted.fallback
    cut = _check(pasted, (at, at + len(block), ""))
    assert cut.incremental == "nodes", cut.fallback


def test_deleting_a_node_that_is_read_falls_back() -> None:
    text = bench_program(100)
    analysis = analyze(text)
    node = analysis.program.main.by_id["n3"]
    assert analysis.program.main.consumers.get("n3")
    start = node.syntax.start
    end = analysis.program.main.nodes[node.index + 1].syntax.start
    after = _check(analysis, (start, end, ""))
    assert after.incremental is None
    assert after.fallback is not None and "referred to" in after.fallback


# --- undo: the document takes the earlier analysis again --------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_undo_takes_the_analysis_before_again(data: st.DataObject) -> None:
    text = data.draw(st.one_of(generated_programs(), st.integers(20, 60).map(bench_program)))
    doc = Document("file:///p.lexis.json", "lexis", 1, text)
    first = doc.analysis()
    at = data.draw(st.integers(0, len(text) - 1), label="at")
    doc.update(text[:at] + text[at + 1 :], 2)  # a character deleted (an id, a brace, ...)
    broken = doc.analysis()
    assert_same_analysis(broken, analyze(doc.text))
    doc.update(text, 3)  # and typed again
    back = doc.analysis()
    assert back.text == text
    assert_same_analysis(back, analyze(text))
    if broken.incremental is None and not first.consumed:
        assert back is first  # taken again, not analysed anew


def test_a_closing_brace_deleted_and_restored_is_incremental() -> None:
    text = bench_program(200)
    doc = Document("file:///p.lexis.json", "lexis", 1, text)
    doc.analysis()
    line = text.index('{"id": "n100", ')
    brace = text.index("\n", line) - 2  # the node's closing brace
    assert text[brace] == "}"
    doc.update(text[:brace] + text[brace + 1 :], 2)
    broken = doc.analysis()
    assert broken.incremental == "syntax", broken.fallback
    assert "LX0001" in {d.code for d in broken.diagnostics}
    assert_same_analysis(broken, analyze(broken.text))
    doc.update(text, 3)
    restored = doc.analysis()
    assert restored.incremental == "replaced", restored.fallback
    assert_same_analysis(restored, analyze(text))
    assert doc.result_id == 3  # a new result for the client


def test_a_closing_brace_mended_into_another_text_reports_every_finding_again() -> None:
    """Mended, but not back to the text before the break (a space before the brace): the
    findings of the whole program get their fixes back, every one reported again."""
    text = bench_program(200)
    line = text.index('{"id": "n100", ')
    brace = text.index("\n", line) - 2
    broken = _check(analyze(text), (brace, brace + 1, ""))
    assert broken.incremental == "syntax", broken.fallback
    mended = _check(broken, (brace, brace, " }"))
    assert mended.incremental == "replaced", mended.fallback
    merges = [d for d in mended.diagnostics if d.code == "LX3002" and d.fixes]
    assert merges  # "Merge into ..." is a fix of the whole program: none while broken
    assert not [d for d in broken.diagnostics if d.code == "LX3002" and d.fixes]


def test_undo_after_a_full_analysis_reuses_the_analysis() -> None:
    text = bench_program(200)
    doc = Document("file:///p.lexis.json", "lexis", 1, text)
    first = doc.analysis()
    at = text.index('"spec"')  # outside the nodes: a full analysis
    doc.update(text[:at] + "  " + text[at:], 2)
    assert doc.analysis().incremental is None
    doc.update(text, 3)
    assert doc.analysis() is first
    assert doc.result_id == 3  # a new result for the client all the same


# --- ids renamed ---------------------------------------------------------------------------


@st.composite
def id_edit(draw: st.DrawFn, analysis: Analysis) -> Edit:
    """A node's id changed: a character typed or deleted at its end, a new name, the name a
    dangling reference uses (a rename undone), or a taken one."""
    nodes = [n for n in analysis.program.all_nodes() if n.id is not None]
    if not nodes:
        return 0, 0, ""
    node = draw(st.sampled_from(nodes))
    span = node.id_span()
    dangling = sorted(
        i
        for n in analysis.program.main.nodes
        for i in n.inputs
        if type(i) is str and i not in analysis.program.main.by_id
    )
    choices = [node.id + "x", node.id[:-1] or "y", "fresh", nodes[0].id or "z"]
    if dangling:
        choices += dangling
    new = draw(st.sampled_from(choices))
    if draw(st.booleans()):  # one character typed or deleted, as an editor sends it
        if new == node.id + "x":
            return span.end - 1, span.end - 1, "x"
        if new == node.id[:-1] and new:
            return span.end - 2, span.end - 1, ""
    return span.start, span.end, json.dumps(new)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_id_edits_equal_a_fresh_analysis(data: st.DataObject) -> None:
    analysis = analyze(data.draw(programs(), label="text"))
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        if data.draw(st.integers(0, 3), label="kind") == 0:
            edit = data.draw(node_edit(analysis), label="nodes edit")
        else:
            edit = data.draw(id_edit(analysis), label="id edit")
        analysis = _check(analysis, edit)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_rename_and_back(data: st.DataObject) -> None:
    """A read node renamed by one character and back: both on the rename path."""
    analysis = analyze(data.draw(st.integers(30, 90).map(bench_program), label="text"))
    main = analysis.program.main
    read = [n for n in main.nodes if n.id in main.consumers]
    node = data.draw(st.sampled_from(read), label="node")
    end = node.id_span().end - 1
    renamed = _check(analysis, (end, end, "x"))
    assert {d.code for d in renamed.diagnostics} >= {"LX1003"}
    back = _check(renamed, (end, end + 1, ""))
    assert renamed.incremental == back.incremental == "rename", (renamed.fallback, back.fallback)


def test_a_rename_reports_the_references_and_back() -> None:
    text = bench_program(200)
    analysis = analyze(text)
    at = text.index('{"id": "n100", ') + len('{"id": "n100')
    readers = analysis.program.main.consumers["n100"]
    renamed = _check(analysis, (at, at, "x"))
    assert renamed.incremental == "rename", renamed.fallback
    broken = [d for d in renamed.diagnostics if d.code == "LX1003"]
    assert len(broken) == sum(n.inputs.count("n100") for n in readers)
    assert all("did you mean `n100x`" in d.message for d in broken)
    back = _check(renamed, (at, at + 1, ""))
    assert back.incremental == "rename", back.fallback
    assert [d.code for d in back.diagnostics] == [d.code for d in analyze(text).diagnostics]


# --- one node's op, inputs or text edited (the "replaced" and "syntax" paths) ----------------

_BREAKERS = ["", "}", "{", ",", '"', "]", "[", ":", " x", "}}"]


@st.composite
def node_part_edit(draw: st.DrawFn, analysis: Analysis) -> Edit:
    """An edit inside one node of the main graph: its op or an input replaced (by a plain op,
    an earlier, later or unknown id), or a character of its text deleted or a breaking one
    typed (a closing brace deleted, a quote typed, ...)."""
    nodes = analysis.program.main.nodes
    if not nodes:
        return (0, 0, "")
    k = draw(st.integers(0, len(nodes) - 1))
    node = nodes[k]
    text = analysis.text
    kind = draw(st.sampled_from(["op", "input", "char", "char", "brace"]))
    if kind == "op" and node.op_span() is not None:
        span = node.op_span()
        return (span.start, span.end, json.dumps(draw(st.sampled_from(sorted(_OPS)))))
    if kind == "input" and node.inputs and type(node.inputs[0]) is str:
        i = draw(st.integers(0, len(node.inputs) - 1))
        span = node.input_span(i)
        ids = [n.id for n in nodes if n.id is not None] or ["x"]
        other = draw(st.sampled_from([*ids[: k + 1], *ids[k:][:3], "nope"]))
        return (span.start, span.end, json.dumps(other))
    start, end = node.syntax.start, node.syntax.end
    if kind == "brace" and text[end - 1] == "}":
        return (end - 1, end, draw(st.sampled_from(["", " ", "]"])))
    at = draw(st.integers(start, end - 1))
    if draw(st.booleans()):
        return (at, at + 1, "")
    return (at, at, draw(st.sampled_from(_BREAKERS)))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_node_part_edits_and_their_undo_equal_a_fresh_analysis(data: st.DataObject) -> None:
    """Each edit, then a second one (often mending the first), and the undo back to the
    original text: every analysis equals a fresh one."""
    original = data.draw(programs(), label="text")
    analysis = analyze(original)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        analysis = _check(analysis, data.draw(node_part_edit(analysis), label="edit"))
    back = _check(analysis, covering_edit(analysis.text, original))
    assert back.text == original


def test_op_and_inputs_edits_are_incremental() -> None:
    text = bench_program(300)
    analysis = analyze(text)
    node = next(n for n in analysis.program.main.nodes[150:] if n.op == "add")
    span = node.op_span()
    analysis = _check(analysis, (span.start, span.end, '"mul"'))
    assert analysis.incremental == "replaced", analysis.fallback
    node = next(n for n in analysis.program.main.nodes[150:] if len(n.inputs) == 2)
    first_id = analysis.program.main.nodes[0].id
    span = node.input_span(1)
    analysis = _check(analysis, (span.start, span.end, json.dumps(first_id)))
    assert analysis.incremental == "replaced", analysis.fallback


def test_a_comma_or_colon_deleted_and_typed_again_is_incremental() -> None:
    text = bench_program(300)
    node = analyze(text).program.main.nodes[120]
    comma = node.syntax.end
    colon = text.index(":", node.syntax.start)
    for at in (comma, colon):
        broken = _check(analyze(text), (at, at + 1, ""))
        assert broken.incremental == "syntax", broken.fallback
        assert "LX0001" in {d.code for d in broken.diagnostics}
        mended = _check(broken, (at, at, text[at]))
        assert mended.incremental == "replaced", mended.fallback
        assert mended.text == text


def test_an_input_moved_off_a_duplicate_updates_its_merge_fix() -> None:
    """`all` stops reading `tb` (a duplicate of `ta`), then reads it again: the merge fix of
    `tb` must stop, then start again, retargeting that input (found by hypothesis: the kept
    fix wrote `"ta"` over the `"a"` just typed, and the undo lost the retargeting edit)."""
    nodes = [
        '{"id": "a", "op": "const", "value": "hi"}',
        '{"id": "b", "op": "const", "value": "hi"}',
        '{"id": "ta", "op": "to_str", "inputs": ["a"]}',
        '{"id": "tb", "op": "to_str", "inputs": ["b"]}',
        '{"id": "all", "op": "sequence", "inputs": ["ta", "tb"]}',
        '{"id": "out", "op": "print", "inputs": ["all"]}',
    ]
    original = (
        '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
        '  "nodes": [\n    ' + ",\n    ".join(nodes) + "\n  ]\n}\n"
    )
    at = original.index('"tb"]}')
    edited = _check(analyze(original), (at, at + 4, '"a"'))
    assert edited.incremental == "replaced"
    back = _check(edited, covering_edit(edited.text, original))
    merge = next(d for d in back.diagnostics if d.code == "LX3002")
    assert any(e.new_text == '"ta"' for e in merge.fixes[0].edits)
