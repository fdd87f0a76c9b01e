"""Refactors as plain text edits over an :class:`~lexis_ls.lang.analysis.Analysis`.

* :func:`extract_subgraph` -- move the selected nodes of the main graph into a new subgraph and
  call it where they were.
* :func:`inline_call` -- replace a ``subgraph_call`` node by a copy of the subgraph's nodes.
* :func:`diff_edits` -- the few edits that turn one text into another (fix-all in the editor
  uses it so that untouched text, and the cursor in it, stay put).

Each refactor either gives the new text and the edits that make it, or refuses with a reason
(``Refactor.disabled``). The result is checked before it is offered: it must not add an error
to the program, and the nodes with effects (``print``, files, network...) must run in the same
order as before (both schedules are compared, subgraph calls expanded).

What a refactor keeps, and what it cannot keep:

* Node ids stay. Extracting keeps the ids of the moved nodes inside the new subgraph; an input
  port takes the id of the outside node it stands for, so the moved nodes need no edit; the call
  takes the id of the single output node (several outputs: the call gets a fresh id and an
  ``index`` node with the old id picks each value out of the call's list), so no consumer needs
  an edit either. Inlining prefixes the copied ids with the call's id (``call__x``).
* A subgraph call returns an error value among its arguments without running (LEXIS.md §3).
  So when an argument is an error value, moving nodes into a call (or out of one) changes which
  of them run. Nodes that exist to look at error values (``try_or``, ``is_error``, ``select``...)
  would see a different thing, so a refactor that would put one on either side of that boundary
  is refused; for the others only the error path differs (and an error value coming out of a
  call names the call node as its origin).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from .analysis import Analysis, Options, analyze
from .checks.base import Context, json_text, line_indent, node_text
from .checks.lint import DuplicateState
from .diagnostics import Severity, TextEdit
from .fixes import apply_edits
from .locate import locate
from .model import Graph, Node, schedule
from .opcodes import NON_PROPAGATING_OPS, OPCODES, ValueRule
from .syntax import JArray, JMember, JNode, JObject

__all__ = ["Refactor", "diff_edits", "extract_subgraph", "inline_call"]

# Ops that look at an error value on an input instead of returning it (select: the unchosen
# branch). A subgraph call boundary would change what they see.
ERROR_AWARE_OPS = NON_PROPAGATING_OPS | {"select"}
PORT_OPS = frozenset({"input_port", "output_port"})
EXTRACT_BASE = "extracted"
EFFECT_ORDER = "the effects of the program (output, files...) would run in another order"


@dataclass(frozen=True)
class Refactor:
    title: str
    kind: Literal["extract", "inline"]
    edits: tuple[TextEdit, ...] = ()
    disabled: str | None = None  # why it cannot be done (then there are no edits)
    text: str | None = None  # the document after the edits


# --- minimal edits ----------------------------------------------------------------------


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|\s+|[{}\[\],:]|[^\s"{}\[\],:]+')


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _narrow(start: int, old: str, new: str) -> TextEdit:
    """The edit replacing ``old`` (at ``start``) by ``new``, without their common ends."""
    p = 0
    limit = min(len(old), len(new))
    while p < limit and old[p] == new[p]:
        p += 1
    q = 0
    limit -= p
    while q < limit and old[-1 - q] == new[-1 - q]:
        q += 1
    return TextEdit(start + p, start + len(old) - q, new[p : len(new) - q])


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Difference opcodes of two sequences, the common head and tail taken out first (cheap on
    long documents with a few changes)."""
    lo = 0
    while lo < len(a) and lo < len(b) and a[lo] == b[lo]:
        lo += 1
    hi_a, hi_b = len(a), len(b)
    while hi_a > lo and hi_b > lo and a[hi_a - 1] == b[hi_b - 1]:
        hi_a -= 1
        hi_b -= 1
    matcher = SequenceMatcher(None, a[lo:hi_a], b[lo:hi_b], autojunk=False)
    return [
        (tag, lo + i1, lo + i2, lo + j1, lo + j2)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def diff_edits(old: str, new: str) -> list[TextEdit]:
    """Edits turning ``old`` into ``new``, each as narrow as possible: lines are compared first,
    then the JSON tokens of each changed block, then the characters of each changed run of
    tokens. Unchanged text is never inside an edit, unless it is surrounded by changes."""
    if old == new:
        return []
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    edits: list[TextEdit] = []
    for _, i1, i2, j1, j2 in _opcodes(a, b):
        s = starts[i1]
        old_block, new_block = old[s : starts[i2]], "".join(b[j1:j2])
        if not old_block or not new_block:
            edits.append(_narrow(s, old_block, new_block))
            continue
        ta, tb = _tokens(old_block), _tokens(new_block)
        token_starts = [s]
        for t in ta:
            token_starts.append(token_starts[-1] + len(t))
        for _, k1, k2, m1, m2 in _opcodes(ta, tb):
            at = token_starts[k1]
            edits.append(_narrow(at, old[at : token_starts[k2]], "".join(tb[m1:m2])))
    out: list[TextEdit] = []
    for k, e in enumerate(edits):
        low = out[-1].end if out else 0
        high = edits[k + 1].start if k + 1 < len(edits) else len(old)
        out.append(_slide(old, e, low, high))
    return out


def _at_line_start(text: str, offset: int) -> bool:
    return offset == 0 or text[offset - 1] == "\n"


def _slide(old: str, e: TextEdit, low: int, high: int) -> TextEdit:
    """An insertion (or deletion) next to text equal to its own ends can happen a little earlier
    or later with the same result; moves it, within ``[low, high]``, to a line start if it can
    (whole lines inserted or deleted read best, and keep a cursor on its line)."""
    if e.start == e.end and e.new_text:
        x, length = e.new_text, len(e.new_text)
    elif e.start < e.end and not e.new_text:
        x, length = old[e.start : e.end], e.end - e.start
    else:
        return e
    insertion = e.start == e.end
    if _at_line_start(old, e.start):
        return e
    for step in (1, -1):
        p, y = e.start, x
        for _ in range(length):
            if step == 1:
                end = p + (0 if insertion else length)
                if end + 1 >= high or old[end] != y[0]:
                    break
                y, p = y[1:] + y[0], p + 1
            else:
                if p - 1 <= low or old[p - 1] != y[-1]:
                    break
                y, p = y[-1] + y[:-1], p - 1
            if _at_line_start(old, p):
                if insertion:
                    return TextEdit(p, p, y)
                return TextEdit(p, p + length, "")
    return e


# --- text building blocks ---------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """One element of a rewritten array: an original item (``origin``) or a new text."""

    text: str
    origin: int | None = None


def _item_text(text: str, item: JNode, edits: Iterable[TextEdit] = ()) -> str:
    shifted = [TextEdit(e.start - item.start, e.end - item.start, e.new_text) for e in edits]
    return apply_edits(text[item.start : item.end], shifted)


def _rewrite_array(text: str, array: JArray, pieces: list[_Piece]) -> TextEdit:
    """One edit giving ``array`` the elements ``pieces``. Two originally adjacent items keep the
    separator between them; other neighbours are separated as the array's first item is."""
    items = array.items
    indent = line_indent(text, items[0].start) if items else None
    sep = ",\n" + indent if indent is not None else ", "
    out: list[str] = []
    prev: int | None = None
    for piece in pieces:
        if out:
            if prev is not None and piece.origin == prev + 1:
                out.append(text[items[prev].end : items[piece.origin].start])
            else:
                out.append(sep)
        out.append(piece.text)
        prev = piece.origin
    if items:
        return TextEdit(items[0].start, items[-1].end, "".join(out))
    return TextEdit(array.start + 1, array.end - 1, "".join(out))


def _reindent(node_text: str, old: str | None, new: str | None) -> str:
    """Moves a node's continuation lines from indentation ``old`` to ``new``."""
    if old is None or new is None or old == new or "\n" not in node_text:
        return node_text
    first, *rest = node_text.split("\n")
    return "\n".join(
        [first, *(new + line[len(old) :] if line.startswith(old) else line for line in rest)]
    )


def _remove_member(obj: JObject, member: JMember) -> TextEdit:
    """Remove ``member`` from ``obj`` together with one separating comma."""
    members = obj.members
    k = next(i for i, m in enumerate(members) if m is member)
    end = member.value.end if member.value is not None else member.key.end
    if k + 1 < len(members):
        return TextEdit(member.key.start, members[k + 1].key.start, "")
    if k > 0:
        prev = members[k - 1]
        prev_end = prev.value.end if prev.value is not None else prev.key.end
        return TextEdit(prev_end, end, "")
    return TextEdit(member.key.start, end, "")


def _fresh(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}_{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _graph_named(analysis: Analysis, name: str | None) -> Graph | None:
    return analysis.program.main if name is None else analysis.program.subgraphs.get(name)


# --- checks shared by both refactors ----------------------------------------------------


def _errors_in(analysis: Analysis, start: int, end: int) -> str | None:
    for d in analysis.diagnostics:
        if d.severity is Severity.ERROR and start <= d.start <= end:
            return f"{d.code} {d.message}"
    return None


def _new_error(before: Analysis, after: Analysis) -> str | None:
    old = Counter((d.code, d.message) for d in before.diagnostics if d.severity is Severity.ERROR)
    for d in after.diagnostics:
        key = (d.code, d.message)
        if d.severity is Severity.ERROR:
            if old[key] > 0:
                old[key] -= 1
            else:
                return f"{d.code} {d.message}"
    return None


def _context(analysis: Analysis) -> Context:
    return Context(analysis.program, analysis.text, analysis.hasher, analysis.options)


def _effect_trace(
    ctx: Context, graph: Graph, expand: Callable[[Node], list[str] | None] | None = None
) -> list[str]:
    """The ids of the nodes with an effect, in the order ``graph`` runs them (``expand`` may
    replace a node by the trace of the call it stands for)."""
    order, _ = schedule(graph)
    out: list[str] = []
    for node in order:
        sub = expand(node) if expand is not None else None
        if sub is not None:
            out.extend(sub)
        elif ctx.node_impurity(node)[0]:
            out.append(node.id or f"#{node.index}")
    return out


def _uses_reflect(analysis: Analysis) -> bool:
    return any(n.op == "reflect" for n in analysis.program.all_nodes())


def _merge_new_duplicates(
    text: str, graph_name: str | None, new_ids: set[str], options: Options
) -> str:
    """Merges each new node that computes what another node of its graph computes (the
    duplicate check's key classes, LX3002, constants included: an inlined copy of a constant
    the graph already holds is merged too) into that node, preferring one already there."""
    for _ in range(3):
        analysis = analyze(text, options)
        graph = _graph_named(analysis, graph_name)
        if graph is None or graph.array is None:
            return text
        state: DuplicateState | None = analysis._duplicates.get(graph)
        groups: dict[int, list[Node]] = {}
        if state is not None:
            for key, later in state.more.items():
                same = [n for n in later if n.op != "output_port"]
                if same:
                    earlier = state.first_with[key]
                    groups[earlier.index] = [earlier, *same]
        merges: dict[str, str] = {}
        dropped: set[int] = set()
        for members in groups.values():
            if not any(m.id in new_ids for m in members):
                continue
            members.sort(key=lambda m: m.index)
            keep = next((m for m in members if m.id not in new_ids), members[0])
            for m in members:
                if m is not keep and m.id in new_ids and m.id is not None and keep.id:
                    merges[m.id] = keep.id
                    dropped.add(m.index)
        if not merges:
            return text
        by_index = {n.index: n for n in graph.nodes}
        pieces: list[_Piece] = []
        for k, item in enumerate(graph.array.items):
            if k in dropped:
                continue
            node = by_index.get(k)
            edits: list[TextEdit] = []
            if node is not None:
                for idx, i in enumerate(node.inputs):
                    if type(i) is str and i in merges:
                        s = node.input_span(idx)
                        edits.append(TextEdit(s.start, s.end, json_text(merges[i])))
            pieces.append(_Piece(_item_text(text, item, edits), k))
        text = apply_edits(text, [_rewrite_array(text, graph.array, pieces)])
    return text


def _finish(
    analysis: Analysis,
    text: str,
    graph_name: str | None,
    new_ids: set[str],
    check: Callable[[Analysis], str | None],
) -> tuple[str | None, str | None]:
    """The refactored text, with the new nodes that duplicate others merged into them when that
    keeps the result valid (merging into a later node can change the schedule), else as is; or
    ``None`` and why neither is acceptable."""
    candidates = [_merge_new_duplicates(text, graph_name, new_ids, analysis.options)]
    if candidates[0] != text:
        candidates.append(text)
    reason: str | None = None
    for candidate in candidates:
        after = analyze(candidate, analysis.options)
        problem = _new_error(analysis, after)
        if problem is not None:
            reason = f"the result would not be valid: {problem}"
            continue
        problem = check(after)
        if problem is not None:
            reason = (
                problem if problem == EFFECT_ORDER else f"the result would not be valid: {problem}"
            )
            continue
        return candidate, None
    return None, reason


def _may_fail(graph: Graph, nid: str) -> bool:
    """Whether node ``nid`` of ``graph`` can be an error value (a `const` never is)."""
    node = graph.by_id.get(nid)
    return node is None or node.op != "const"


def _tainted(graph: Graph, members: list[Node], sources: set[str]) -> list[Node]:
    """The ``members`` that depend, through other members, on an id in ``sources``."""
    ids = {n.id for n in members}
    order, _ = schedule(graph)
    tainted: set[str] = set()
    out: list[Node] = []
    for node in order:
        if node.id is None or node.id not in ids:
            continue
        if any(i in sources or i in tainted for i in node.valid_inputs):
            tainted.add(node.id)
            out.append(node)
    return out


# --- extract ----------------------------------------------------------------------------


def _count(nodes: list[Node]) -> str:
    return f"`{nodes[0].id}`" if len(nodes) == 1 else f"{len(nodes)} nodes"


def extract_subgraph(analysis: Analysis, start: int, end: int) -> Refactor | None:
    """Extract the main-graph nodes that the selection ``[start, end)`` touches into a new
    subgraph. ``None`` when the selection is empty or touches no node of the main graph."""
    program = analysis.program
    main = program.main
    array = main.array
    text = analysis.text
    if end <= start or program.root is None or array is None:
        return None
    picked = [k for k, item in enumerate(array.items) if item.start < end and start < item.end]
    if not picked:
        return None
    by_index = {n.index: n for n in main.nodes}
    found = [by_index.get(k) for k in picked]
    taken_names = set(program.subgraphs)
    sg_member = program.member("subgraphs")
    if sg_member is not None and isinstance(sg_member.value, JObject):
        taken_names.update(m.key.value for m in sg_member.value.members)
    name = _fresh(EXTRACT_BASE, taken_names)
    selected = [n for n in found if n is not None]
    what = _count(selected) if selected else "the selection"
    title = f"Extract {what} into subgraph `{name}`"

    def refuse(reason: str) -> Refactor:
        return Refactor(title, "extract", disabled=reason)

    if len(selected) != len(found):
        return refuse("the selection holds something that is not a node")
    first, last = array.items[picked[0]], array.items[picked[-1]]
    if any(n.broken for n in selected) or any(
        first.start <= e.start <= last.end for e in analysis.parsed.errors
    ):
        return refuse("the selected nodes have syntax errors")
    problem = _errors_in(analysis, first.start, last.end)
    if problem is not None:
        return refuse(f"fix the errors in the selection first ({problem})")
    ids = Counter(n.id for n in main.nodes)
    sel_ids: set[str] = set()
    for n in selected:
        if n.id is None or ids[n.id] > 1:
            return refuse(f"{n.label} does not have a unique id")
        if n.op in PORT_OPS:
            return refuse(f"{n.label} is a port node (`{n.op}`)")
        sel_ids.add(n.id)
    if _uses_reflect(analysis):
        return refuse("the program uses `reflect`, whose result depends on the main graph")
    outside: list[str] = []
    for n in selected:
        for i in n.valid_inputs:
            if i not in sel_ids and i not in outside:
                outside.append(i)
    downstream: set[str] = set()
    frontier = list(sel_ids)
    while frontier:
        for c in main.consumers.get(frontier.pop(), ()):
            if c.id is not None and c.id not in sel_ids and c.id not in downstream:
                downstream.add(c.id)
                frontier.append(c.id)
    for i in outside:
        if i in downstream:
            return refuse(f"`{i}` both uses a selected node and feeds one")
    for n in _tainted(main, selected, {i for i in outside if _may_fail(main, i)}):
        if n.op in ERROR_AWARE_OPS:
            return refuse(
                f"{n.label} (`{n.op}`) looks at error values from outside the selection, which "
                "a subgraph call would return without running it"
            )
    outputs = [
        n for n in selected if any(c.id not in sel_ids for c in main.consumers.get(n.id or "", ()))
    ] or [selected[-1]]

    # The subgraph: input ports named after the outside nodes, the selected nodes, output ports.
    sub_taken = sel_ids | set(outside)
    if len(outputs) == 1:
        port_ids = [_fresh("out", sub_taken)]
    else:
        port_ids = [_fresh(f"out_{o.id}", sub_taken) for o in outputs]
    old_indent = line_indent(text, first.start)
    if sg_member is not None and isinstance(sg_member.value, JObject):
        obj = sg_member.value
        key_indent = line_indent(text, sg_member.key.start) or ""
        member_indent = (
            line_indent(text, obj.members[0].key.start) if obj.members else None
        ) or key_indent + "  "
    else:
        nodes_member = program.member("nodes")
        key_indent = (line_indent(text, nodes_member.key.start) if nodes_member else None) or "  "
        member_indent = key_indent + "  "
    node_indent = member_indent + "    "
    body = [node_text({"id": x, "op": "input_port", "value": k}) for k, x in enumerate(outside)]
    body += [
        _reindent(text[n.syntax.start : n.syntax.end], old_indent, node_indent) for n in selected
    ]
    body += [
        node_text({"id": p, "op": "output_port", "inputs": [o.id], "value": k})
        for k, (p, o) in enumerate(zip(port_ids, outputs))
    ]
    block = (
        f'{json_text(name)}: {{\n{member_indent}  "nodes": [\n{node_indent}'
        + f",\n{node_indent}".join(body)
        + f"\n{member_indent}  ]\n{member_indent}}}"
    )

    # The main graph: the call (and an `index` node per output when there are several).
    def call(nid: str) -> dict[str, object]:
        node: dict[str, object] = {"id": nid, "op": "subgraph_call"}
        if outside:
            node["inputs"] = list(outside)
        node["value"] = name
        return node

    main_taken = set(main.by_id)
    new_ids: set[str] = set()
    if len(outputs) == 1:
        assert outputs[0].id is not None
        call_id = outputs[0].id
        replacement = [node_text(call(call_id))]
    else:
        call_id = _fresh(name, main_taken)
        new_ids.add(call_id)
        replacement = [node_text(call(call_id))]
        for k, o in enumerate(outputs):
            const_id = _fresh(f"{call_id}_{k}", main_taken)
            new_ids.add(const_id)
            replacement.append(node_text({"id": const_id, "op": "const", "value": k}))
            replacement.append(
                node_text({"id": o.id, "op": "index", "inputs": [call_id, const_id]})
            )
    pieces: list[_Piece] = []
    for k, item in enumerate(array.items):
        if k == picked[-1]:
            pieces.extend(_Piece(t) for t in replacement)
        elif k not in picked:
            pieces.append(_Piece(text[item.start : item.end], k))
    edits = [_rewrite_array(text, array, pieces)]
    if sg_member is not None and isinstance(sg_member.value, JObject):
        obj = sg_member.value
        if obj.members:
            tail = obj.members[-1]
            at = tail.value.end if tail.value is not None else tail.key.end
            edits.append(TextEdit(at, at, f",\n{member_indent}{block}"))
        else:
            edits.append(
                TextEdit(obj.start, obj.end, f"{{\n{member_indent}{block}\n{key_indent}}}")
            )
    elif sg_member is not None:
        return refuse("`subgraphs` is not an object")
    else:
        nodes_member = program.member("nodes")
        assert nodes_member is not None and nodes_member.value is not None
        at = nodes_member.value.end
        edits.append(
            TextEdit(
                at,
                at,
                f',\n{key_indent}"subgraphs": {{\n{member_indent}{block}\n{key_indent}}}',
            )
        )

    def check(after: Analysis) -> str | None:
        sub = after.program.subgraphs.get(name)
        if sub is None:
            return "the new subgraph cannot be read"
        new_ctx = _context(after)
        after_trace = _effect_trace(
            new_ctx,
            after.program.main,
            lambda n: _effect_trace(new_ctx, sub) if n.id == call_id else None,
        )
        if _effect_trace(_context(analysis), main) != after_trace:
            return EFFECT_ORDER
        return None

    new_text, reason = _finish(analysis, apply_edits(text, edits), None, new_ids, check)
    if new_text is None:
        return refuse(reason or "")
    return Refactor(title, "extract", tuple(diff_edits(text, new_text)), None, new_text)


# --- inline -----------------------------------------------------------------------------


def _references(analysis: Analysis, target: Graph) -> list[Node]:
    out = []
    for node in analysis.program.all_nodes():
        info = OPCODES.get(node.op or "")
        if (
            info is not None
            and info.value is ValueRule.SUBGRAPH_REF
            and analysis.hasher.resolve(node.value) is target
        ):
            out.append(node)
    return out


def inline_call(analysis: Analysis, offset: int) -> Refactor | None:
    """Inline the ``subgraph_call`` node at ``offset`` (a call of a subgraph of this program).
    ``None`` when there is no such call there."""
    program = analysis.program
    text = analysis.text
    site = locate(analysis, offset)
    call, graph = site.node, site.graph
    if call is None or graph is None or graph.array is None or call.op != "subgraph_call":
        return None
    target = analysis.hasher.resolve(call.value)
    if target is None or not any(g is target for g in program.subgraphs.values()):
        return None  # unknown, or from the standard library
    title = f"Inline `{target.name}` at {call.label}"

    def refuse(reason: str) -> Refactor:
        return Refactor(title, "inline", disabled=reason)

    if call.broken or target.syntax is None or target.array is None:
        return refuse("the call or the subgraph has syntax errors")
    problem = _errors_in(analysis, call.syntax.start, call.syntax.end) or _errors_in(
        analysis, target.syntax.start, target.syntax.end
    )
    if problem is not None:
        return refuse(f"fix the errors first ({problem})")
    if target is graph:
        return refuse("the subgraph calls itself")
    if call.id is None or sum(1 for n in graph.nodes if n.id == call.id) > 1:
        return refuse(f"{call.label} does not have a unique id")
    outputs = target.output_ports()
    if len(outputs) != 1:
        return refuse(f"`{target.name}` has {len(outputs)} output ports; only one can be inlined")
    if _uses_reflect(analysis):
        return refuse("the program uses `reflect`, whose result depends on the graphs' nodes")
    ports = {n.id: n for n in target.input_ports() if n.id is not None}
    args = call.valid_inputs
    failing = {
        pid
        for pid, port in ports.items()
        if type(port.value) is not int
        or not 0 <= port.value < len(args)
        or _may_fail(graph, args[port.value])
    }
    for n in _tainted(target, target.nodes, failing):
        if n.op in ERROR_AWARE_OPS:
            return refuse(
                f"{n.label} (`{n.op}`) looks at error values from the arguments, which the "
                "call returns without running it"
            )
    mapping: dict[str, str] = {}
    for pid, port in ports.items():
        if type(port.value) is not int or not 0 <= port.value < len(args):
            return refuse(f"input port {port.label} has no argument")
        mapping[pid] = args[port.value]
    body = [n for n in target.nodes if n.op not in PORT_OPS]
    taken = set(graph.by_id)
    new_ids: set[str] = set()
    for n in body:
        assert n.id is not None
        mapping[n.id] = _fresh(f"{call.id}__{n.id}", taken)
        new_ids.add(mapping[n.id])
    sources = outputs[0].valid_inputs
    if len(sources) != 1 or sources[0] not in mapping:
        return refuse("the output port has no source")
    result = mapping[sources[0]]
    if outputs[0].id is not None:
        mapping[outputs[0].id] = result

    new_indent = line_indent(text, call.syntax.start)
    copies: list[str] = []
    for n in body:
        edits: list[TextEdit] = []
        span = n.value_span("id")
        assert span is not None and n.id is not None
        edits.append(TextEdit(span.start, span.end, json_text(mapping[n.id])))
        for idx, i in enumerate(n.inputs):
            if type(i) is str:
                s = n.input_span(idx)
                edits.append(TextEdit(s.start, s.end, json_text(mapping.get(i, i))))
        copied = _item_text(text, n.syntax, edits)
        copies.append(_reindent(copied, line_indent(text, n.syntax.start), new_indent))
    by_index = {n.index: n for n in graph.nodes}
    pieces: list[_Piece] = []
    for k, item in enumerate(graph.array.items):
        if k == call.index:
            pieces.extend(_Piece(c) for c in copies)
            continue
        node = by_index.get(k)
        renames: list[TextEdit] = []
        if node is not None:
            for idx, i in enumerate(node.inputs):
                if i == call.id:
                    s = node.input_span(idx)
                    renames.append(TextEdit(s.start, s.end, json_text(result)))
        pieces.append(_Piece(_item_text(text, item, renames), k))
    all_edits = [_rewrite_array(text, graph.array, pieces)]
    removed = len(_references(analysis, target)) == 1
    if removed:
        sg_member = program.member("subgraphs")
        assert sg_member is not None and isinstance(sg_member.value, JObject)
        member = next(m for m in sg_member.value.members if m.key is target.key)
        if len(sg_member.value.members) == 1 and program.root is not None:
            all_edits.append(_remove_member(program.root, sg_member))
        else:
            all_edits.append(_remove_member(sg_member.value, member))

    def check(after: Analysis) -> str | None:
        new_graph = _graph_named(after, graph.name)
        if new_graph is None:
            return "the graph cannot be read"
        old_ctx = _context(analysis)
        inner = [mapping.get(i, i) for i in _effect_trace(old_ctx, target)]
        before_trace = _effect_trace(old_ctx, graph, lambda n: inner if n is call else None)
        if before_trace != _effect_trace(_context(after), new_graph):
            return EFFECT_ORDER
        return None

    new_text, reason = _finish(analysis, apply_edits(text, all_edits), graph.name, new_ids, check)
    if new_text is None:
        return refuse(reason or "")
    if removed:
        title += f" and remove `{target.name}`"
    return Refactor(title, "inline", tuple(diff_edits(text, new_text)), None, new_text)
