"""Incremental re-analysis: the analysis of an edited text from the analysis before the edit.

``reanalyze(old, start, end, fragment)`` returns an analysis equal, in everything observable, to
``analyze(new_text)`` where ``new_text = old.text[:start] + fragment + old.text[end:]`` (offsets
are code points, as everywhere in the core): the same diagnostics (in the same order, with the
same related ranges and fixes), hashes, program model with the same syntax offsets, and line
index. When it cannot prove that for the edit at hand it runs ``analyze`` itself; the result
then says why in ``Analysis.fallback``. ``Analysis.incremental`` names the fast path taken:

``"no-op"``
    the fragment equals the text it replaces.
``"whitespace"``
    whitespace replaced by whitespace between two elements of a ``nodes`` array.
``"cosmetic"``
    an edit inside one node object after which the node decodes to the same content (spaces
    inside it, an escape spelt differently): only offsets move.
``"value"``
    an edit inside one node object that changes only its ``value`` (or ``doc``): the typical
    "fix a constant" edit.
``"rename"``
    an edit inside one node object of the main graph that changes only its ``id``, to one no
    other node has: the references to the old id dangle (LX1003), those naming the new one
    (left dangling by an earlier rename) are resolved.
``"nodes"``
    whole node objects inserted into, deleted from or replaced in the main graph's ``nodes``
    array (a node appended, a block pasted or cut), when no node that stays refers to a
    deleted one and the new ones refer only to earlier nodes.

``"replaced"``
    an edit of one node of the main graph that changes its op, inputs or keys (its id stays):
    the nodes array around the edit is parsed again with the parser's own array loop
    (``syntax.parse_window``) until it decodes a node at its old place, and the one node that
    changed replaces the old one. Also the edit that mends the last syntax error.
``"syntax"``
    the same, when the text parsed again has syntax errors (a closing brace or a comma
    deleted) and the old text had none: the node they cut short is broken (the checks skip it,
    the graph is uncertain: no LX3001 and no flow fixes), and no finding keeps a fix of the
    whole program. A text that stays broken is analysed in full.

How the fast paths work. The syntax tree, the model and the findings of the old analysis are
reused and updated *in place* (the old analysis is consumed: do not use it afterwards):

1. The edited node is re-scanned alone with the same C scanner the parser uses for every array
   element; it must still be one valid object ending at the same closing brace, with the same
   keys in the same order, the same id, op and inputs, and a clean shape.
2. Every offset after the edit moves (lazy node objects hold only their span; materialised ones
   are moved deeply; the containers of the edited node get a new end), the parser that lazy
   objects re-parse with is re-pointed at the new text, and the model's node gets the new
   value. The line index is spliced, not rebuilt.
3. Only the findings that can depend on the node's value are computed again, and the old ones
   they replace are removed (every other finding is kept, its offsets moved):

   - the node's own value checks (LX1007 value rules and configs, LX1013 templates);
   - constant flow for the node and, in schedule order, every node downstream of it whose
     abstract value changed (the flow state of each graph is kept with the analysis); then
     the first sink each certain error value reaches (its severity), upstream of those nodes
     and of the nodes feeding them, as far as it changes; then LX1015 for every node evaluated
     again, every origin whose first sink changed, and every origin whose numeric-string fix
     reads a consumer evaluated again;
   - the constant URL checks (LX2005-LX2007) of the network nodes that read the node (a URL
     ``const``) or whose config it is (a network node);
   - duplicate computations (LX3002): the structural keys of the node and of the nodes
     downstream whose key changed, and the findings of every key class that gained or lost a
     member (the key tables of each graph are kept with the analysis);
   - hashes are computed on demand: a new :class:`Hasher` starts empty, keeping the subgraph
     hashes when the edit is in the main graph.

The ``"rename"`` and ``"nodes"`` paths update the model (the array's items, the nodes and
their indexes, ``by_id`` in document order, ``consumers``) and compute again, with the same
functions as the full checks: the graph checks of the new nodes and of the nodes whose
references dangle or resolve (LX1003 with its suggestions and the node a reference "means");
constant flow downstream of those nodes, error sinks upstream and LX1015 as for value edits;
the structural keys downstream (they may appear or vanish) and every duplicate class that
changed or names a renamed node; LX3001 of the nodes whose consumers changed and of the nodes
a reference meant before or means now. They run only in a program whose findings are all
LX3001, LX3002 and LX1015 (and, for a rename, LX1003 of references to the new id), without
subgraphs, whose schedule is document order before and after, for plain ops (pure or printing,
no FUNC values, ports or references but ``std:`` calls), when the capabilities used stay the
same and no fix text made up a name (``fresh_id``) that the edit takes or frees. An edit that
starts inside a node object (a covering edit pushed right by a common prefix) is first moved
to the start of that node when the same text results.

Fall-back conditions of the value paths (a full analysis runs):

- the old analysis is ``pinned`` (kept in use by someone else, so it may not be consumed);
- other options than the old analysis had, an internal error in the old analysis, or syntax
  errors or duplicate keys in the old text;
- the edit is not inside one node object of a ``nodes`` array (nor whitespace between two);
- after the edit the node is not one valid object ending where it did, or its keys, id, op or
  inputs changed, or its shape is not clean (unknown keys, wrong types: the shape checks read
  the whole node);
- the edited node's text, before or after, has a surrogate escape (LX0008 reads the text);
- the node's op takes a subgraph reference (the value is resolved by other checks, the lint of
  unused subgraphs, recursion checks and effects) or is a port (its number is the subgraph's
  signature);
- in a subgraph: the edit changes the hash of another subgraph, the node's subgraph shares its
  hash (before or after) with another subgraph or the standard library, or some reference
  names one of its two hashes (a hash reference would resolve differently);
- a finding that is kept has an offset inside (or at the ends of) the replaced range, or a
  finding computed again ties in sort position with a different one (their order would be a
  guess); for whitespace edits, a kept fix is anchored on the edited line (fix texts copy
  indentation);
- any unexpected error in the fast path (the full analysis then says what is wrong).
"""

from __future__ import annotations

import gc
import heapq
import re
import traceback
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from .analysis import Analysis, Options, analyze, diagnostic_order
from .checks.base import Context
from .checks.flow import (
    FlowState,
    carries_error,
    first_sink,
    flow_node,
    position_key,
    positions,
    report_origin,
    same_abs,
    same_value,
)
from .checks.graph import _check_inputs, _check_value, check_value, value_checked
from .checks.lint import (
    DuplicateState,
    keyed,
    node_key,
    report_duplicate,
    report_unused,
    reportable,
)
from .checks.security import NETWORK_OPS, check_url_source, url_source
from .checks.structure import check_syntax
from .diagnostics import CODES, Diagnostic, Related, Scope, TextEdit
from .hashing import SUBGRAPH_REF_OPS, Hasher, std_hashes
from .model import ID_PATTERN, NODE_KEYS, Graph, Node, Program, dependents, node_fields
from .opcodes import FUNC_PRODUCERS, OPCODES, ValueRule
from .repair.policy import apply_policy
from .stdlib import STD_PREFIX
from .surrogates import SURROGATE
from .syntax import JNode, JObject, parse_window, replace_item, scan_element, shift_after
from .text import Span

__all__ = ["reanalyze"]

_V = TypeVar("_V")

_WHITESPACE = frozenset(" \t\r\n")
_URL_CODES = frozenset({"LX2005", "LX2006", "LX2007"})
_VALUE_CODES = frozenset({"LX1007", "LX1013"})
_ALL_CODES = frozenset(CODES)
# The findings a program may have for nodes to be inserted or deleted incrementally: unused
# nodes, duplicate computations and certain error values, all of which the path updates.
_STRUCTURAL_CODES = frozenset({"LX3001", "LX3002", "LX1015"})
# The ops of nodes inserted or deleted incrementally: pure or printing, no FUNC values, no
# ports, no subgraph reference but a `subgraph_call` of the standard library.
_PLAIN_OPS = frozenset(
    name
    for name, spec in OPCODES.items()
    if spec.capability in ("PURE_COMPUTE", "IO_STDOUT")
    and name not in FUNC_PRODUCERS
    and name not in ("apply", "compose", "match", "quote")
    and spec.value is not ValueRule.PORT
    and (spec.value is not ValueRule.SUBGRAPH_REF or name == "subgraph_call")
)
_NODE_KEY_SET = frozenset(NODE_KEYS)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_GAP_SPACE = re.compile(r"[ \t\r\n]*")


class _Fallback(Exception):
    """The fast path cannot prove its result equal to a full analysis (the message says why)."""


def reanalyze(
    old: Analysis, start: int, end: int, fragment: str, options: Options | None = None
) -> Analysis:
    """The analysis of ``old.text`` with ``[start, end)`` replaced by ``fragment``.

    Equal to ``analyze(new_text, options)`` in everything observable; ``old`` is consumed (its
    syntax tree and model are updated in place and shared with the result).
    """
    if not 0 <= start <= end <= len(old.text):
        raise ValueError(f"edit [{start}, {end}) outside a text of length {len(old.text)}")
    options = options or Options()
    new_text = old.text[:start] + fragment + old.text[end:]
    enabled = gc.isenabled()
    gc.disable()  # as in analyze(): many small objects, all alive until the end
    try:
        try:
            try:
                return _Reanalysis(old, start, end, fragment, new_text, options).run()
            except _Fallback as why:
                aligned = None if old.consumed else _aligned(old, start, end, fragment)
                if aligned is not None:
                    try:
                        return _Reanalysis(old, *aligned, new_text, options).run()
                    except _Fallback as again:
                        why = _Fallback(f"{why}; aligned on whole nodes: {again}")
                if old.consumed:
                    raise why from None
                try:
                    return _Reanalysis(old, start, end, fragment, new_text, options).reparsed()
                except _Fallback as again:
                    raise _Fallback(f"{why}; parsed again around the edit: {again}") from None
        except _Fallback as why:
            reason = str(why)
        except Exception:
            reason = "internal error in the fast path:\n" + traceback.format_exc()
        result = analyze(new_text, options)
        result.fallback = reason
        return result
    finally:
        if enabled:
            gc.enable()


class _Reanalysis:
    """One fast-path attempt; raises :class:`_Fallback` as soon as a condition fails."""

    def __init__(
        self, old: Analysis, start: int, end: int, fragment: str, new_text: str, options: Options
    ) -> None:
        self.old = old
        self.start = start
        self.end = end
        self.fragment = fragment
        self.new_text = new_text
        self.delta = len(fragment) - (end - start)
        self.options = options
        # Old findings to drop, in old offsets: exact (code, start, end), and codes in a range.
        self.drop_exact: set[tuple[str, int, int]] = set()
        self.drop_ranges: list[tuple[frozenset[str], int, int]] = []
        self.drop_codes: set[str] = set()  # every old finding of these codes
        # What the dangling references meant (LX1003; not unused): kept unless recomputed.
        self.meant: set[int] = old._meant
        # Main-graph nodes by the capability their op needs (kept while ops do not change).
        self.capability_users: Counter[str] | None = old._capability_users
        self.edited: Node | None = None  # the node the edit is in
        # The new text has a syntax error: kept findings lose their fixes of the whole program.
        self.strip_program_fixes = False
        self.unbroken: tuple[str, list[Diagnostic]] | None = None  # (see Analysis._unbroken)
        self.edited_extent = (0, 0)  # its old span

    # --- the paths ---------------------------------------------------------------------

    def run(self) -> Analysis:
        old = self.old
        if self.options != old.options:
            raise _Fallback("the options differ from the old analysis's")
        if self.fragment == old.text[self.start : self.end]:
            old.consumed = True  # the result shares its tree and model
            return replace(old, incremental="no-op", fallback=None, pinned=False, consumed=False)
        if old.pinned:
            raise _Fallback("the old analysis is pinned (still in use elsewhere)")
        if old.internal_errors:
            raise _Fallback("the old analysis had an internal error")
        parsed = old.parsed
        if parsed.errors or parsed.duplicates:
            raise _Fallback("the old text has syntax errors or duplicate keys")
        if parsed.parser is None or old.program.root is None:
            raise _Fallback("the old text is not a parsed program object")
        graph, index = self._locate()
        item = graph.array.items[index] if graph.array is not None and index >= 0 else None
        if item is not None and item.start < self.start and self.end < item.end:
            if type(item) is not JObject:
                raise _Fallback("the edit is inside an element that is not a node object")
            return self._in_node(graph, index, item)
        return self._between_nodes(graph, index)

    def _locate(self) -> tuple[Graph, int]:
        """The graph whose ``nodes`` array holds the edit, and the index of the last element
        starting before it (-1 when none does)."""
        for graph in self.old.program.graphs:
            array = graph.array
            if array is not None and array.start < self.start and self.end < array.end:
                return graph, bisect_right(array.items, self.start, key=_start_of) - 1
        raise _Fallback("the edit is not inside a `nodes` array")

    def _between_nodes(self, graph: Graph, index: int) -> Analysis:
        old = self.old
        array = graph.array
        assert array is not None
        items = array.items
        if not _WHITESPACE.issuperset(old.text[self.start : self.end] + self.fragment):
            return self._nodes_changed(graph)
        if (index >= 0 and items[index].end > self.start) or (
            index + 1 < len(items) and items[index + 1].start < self.end
        ):
            raise _Fallback("the edit overlaps a node")
        # Fixes copy the indentation of the line they insert on: none may be anchored on the
        # lines whose leading whitespace the edit may change.
        line_end = old.text.find("\n", self.end)
        limit = len(old.text) if line_end < 0 else line_end
        for d in old.diagnostics:
            for fix in d.fixes:
                for e in fix.edits:
                    if self.start <= e.start <= limit or self.start <= e.end <= limit:
                        raise _Fallback("a fix is anchored on the edited line")
        self._retarget()
        diagnostics = self._merge([])
        return self._result(diagnostics, old.hasher, "whitespace")

    def _in_node(self, graph: Graph, index: int, item: JObject) -> Analysis:
        old = self.old
        node = self._node_at(graph, index, item)
        if node.broken or not node.shape_ok:
            raise _Fallback("the edited node has shape findings (its whole object is checked)")
        if graph.by_id.get(node.id or "") is not node or (
            len(graph.by_id) != len(graph.nodes)  # else every node has an id of its own
            and any(n.id == node.id and n is not node for n in graph.nodes)
        ):
            # LX1004 offers to delete a repeated node only when it is the same as the first
            raise _Fallback("the edited node shares its id with another (LX1004 compares them)")
        parser = old.parsed.parser
        assert parser is not None
        new_obj = scan_element(parser, item.start, self.new_text)
        if new_obj is None or new_obj.end != item.end + self.delta:
            raise _Fallback("the edited node is no longer one valid JSON object")
        if SURROGATE.search(old.text, item.start, item.end) or SURROGATE.search(
            self.new_text, new_obj.start, new_obj.end
        ):
            raise _Fallback("the edited node has a surrogate escape (LX0008 reads the text)")
        raw = new_obj.value
        if list(raw) != list(node.raw):
            raise _Fallback("the keys of the edited node changed")
        nid, op, inputs, value, shape_ok = node_fields(raw)
        if (
            nid != node.id
            and nid is not None
            and op == node.op
            and shape_ok
            and same_value(inputs, node.inputs)
            and same_value(value, node.value)
        ):
            return self._renamed(graph, index, item, node, new_obj, nid)
        spec = OPCODES.get(node.op or "")
        if node.op in SUBGRAPH_REF_OPS or (
            spec is not None and spec.value in (ValueRule.SUBGRAPH_REF, ValueRule.PORT)
        ):
            raise _Fallback(f"the value of a `{node.op}` node is read by checks of other nodes")
        if nid != node.id or op != node.op or not same_value(inputs, node.inputs):
            raise _Fallback("the id, op or inputs of the edited node changed")
        if not shape_ok:
            raise _Fallback("the edited node's shape is no longer clean")
        changed = not same_value(value, node.value)
        if changed and node.op == "const" and node.id is not None:
            # Fixes elsewhere that quote this constant: a subgraph's copy of it (LX1003), and
            # the template of a `print` of several values (LX1002) that reads its text.
            nid = node.id
            if graph is old.program.main and any(
                nid in g.consumers and nid not in g.by_id for g in old.program.subgraphs.values()
            ):
                raise _Fallback("a subgraph's fix copies the edited constant")
            for consumer in graph.consumers.get(nid, ()):
                spec = OPCODES.get(consumer.op or "")
                if spec is not None and not spec.arity.accepts(len(consumer.inputs)):
                    raise _Fallback("an arity fix of a consumer reads the edited constant")
        # Everything that needs the old state is read now, before anything moves.
        self.edited = node
        self.edited_extent = (item.start, item.end)
        old_spans = {"op": node.op_span(), "id": node.id_span()}
        in_subgraph = graph is not old.program.main
        old_subgraph_hashes = (
            {g.name: old.hasher.subgraph_hash(g) for g in old.program.subgraphs.values()}
            if changed and in_subgraph
            else {}
        )
        # The edit.
        self._retarget()
        assert graph.array is not None
        replace_item(graph.array, index, new_obj)
        node.syntax = new_obj
        node.raw = raw
        node.value = value
        node.inputs = inputs
        if not changed:
            return self._result(self._merge([]), old.hasher, "cosmetic")
        hasher = _hasher(old.program, old.hasher)
        if in_subgraph:
            self._check_subgraph_hashes(graph, hasher, old_subgraph_hashes)
        else:  # the subgraphs did not change: their hashes stand
            hasher._graph = dict(old.hasher._graph)
            hasher._user_by_hash = old.hasher._user_by_hash
            hasher._node = _hashes_kept(old.hasher, graph, node)
        ctx = Context(old.program, self.new_text, hasher, self.options)
        self._value_checks(ctx, graph, node)
        self._flow(ctx, graph, node, old_spans["op"])
        self._network(ctx, graph, node)
        self._duplicates(ctx, graph, node, old_spans["id"])
        return self._result(self._merge(ctx.out), hasher, "value")

    # --- one node replaced, parsed again around the edit ---------------------------------

    def reparsed(self) -> Analysis:
        """The ``"replaced"`` and ``"syntax"`` paths: the elements of the main graph's ``nodes``
        array around the edit are parsed again with the full parser's own array loop
        (:func:`parse_window`), from the end of the last node before the edit to the first
        node after it that the C scanner decodes at its old place (or the array's ``]``): from
        there on the parse is the old one. When that gives the same nodes, in the same order
        with the same ids, all but one equal to the old ones, the one that differs (its op,
        inputs or value edited, or its text broken by a syntax error) replaces the old node."""
        old = self.old
        if old.pinned or old.internal_errors or self.options != old.options:
            raise _Fallback("the old analysis cannot be used")
        parsed = old.parsed
        program = old.program
        root = program.root
        if parsed.duplicates or parsed.parser is None or root is None:
            raise _Fallback("the old text has duplicate keys or no program object")
        graph = program.main
        array = graph.array
        start, end, delta = self.start, self.end, self.delta
        if array is None or not (array.start < start and end < array.end):
            raise _Fallback("the edit is not inside the main graph's nodes array")
        self._structural_preconditions(graph, bool(parsed.errors))
        items = array.items

        def pos_end(k: int) -> int:
            return items[k - 1].end - 1

        first = bisect_right(items, start, key=_end_of)  # items[:first] end at or before it
        while first > 0 and (graph.nodes[first - 1].broken or old.text[pos_end(first)] != "}"):
            first -= 1  # an object cut short by an error may go on with the new text
        pos = items[first - 1].end if first > 0 else array.start + 1
        edited_end = start + len(self.fragment)  # the end of the new text, in new offsets

        def old_index(offset: int) -> int | None:
            """The old element starting at ``offset`` (an old offset), if one does."""
            k = bisect_left(items, offset, first, key=_start_of)
            return k if k < len(items) and items[k].start == offset else None

        limit = edited_end + 65_536  # a window that runs far: a full parse is as quick

        def resync(offset: int, closing: bool) -> bool:
            if offset < edited_end:
                return False
            if offset > limit:
                raise _Fallback("the text after the edit parses differently for long")
            was = offset - delta
            return was == array.end - 1 if closing else old_index(was) is not None

        window = parse_window(self.new_text, pos, first == 0, [root.start, array.start], 2, resync)
        if window is None:
            raise _Fallback("the nodes array does not parse as before after the edit")
        stop = len(items) if window.closing else old_index(window.offset - delta)
        assert stop is not None
        if window.duplicates:
            raise _Fallback("a key repeats in the edited node")
        new_items = window.items
        old_nodes = graph.nodes[first:stop]
        if len(new_items) != len(old_nodes):
            raise _Fallback("nodes were added or removed")
        old_stop = items[stop].start if stop < len(items) else array.end - 1
        # (an error at the place it stopped is about what came before, when the old node there
        # was not broken by it, or it is the array's `]`)
        if stop < len(items) and graph.nodes[stop].broken:
            old_stop -= 1
        if any(not pos <= e.start <= old_stop for e in parsed.errors):
            raise _Fallback("the old text has a syntax error away from the edit")
        errors = window.errors
        error_starts = sorted(e.start for e in errors)
        changed: list[tuple[Node, JObject, bool]] = []
        for node, item in zip(old_nodes, new_items, strict=True):
            if type(item) is not JObject:
                raise _Fallback("an element of the nodes array is not an object")
            broken = False
            if not item.lazy:  # as in build_program: only a refused object can hold an error
                k = bisect_left(error_starts, item.start)
                broken = k < len(error_starts) and error_starts[k] <= item.end
            if broken == node.broken and not broken and same_value(item.value, node.raw):
                continue
            changed.append((node, item, broken))
        if len(changed) > 1:
            raise _Fallback("more than one node changed")
        if SURROGATE.search(old.text, pos, end) or SURROGATE.search(
            self.new_text, pos, window.offset
        ):
            raise _Fallback("the text parsed again has a surrogate escape")
        if not changed and not errors and not parsed.errors:
            raise _Fallback("nothing changed that the other paths do not handle")
        return self._replace(graph, first, stop, new_items, changed, errors)

    def _kept_states(self, graph: Graph) -> tuple[FlowState, DuplicateState]:
        """The flow and duplicate-check states of ``graph`` the old analysis kept."""
        flow: FlowState | None = self.old._flow.get(graph)
        dup: DuplicateState | None = self.old._duplicates.get(graph)
        if flow is None or dup is None:
            raise _Fallback("no flow or duplicate state was kept for the graph")
        if len(dup.interned) > 4 * len(graph.nodes) + 10_000:
            raise _Fallback("the duplicate-check tables grew too large: rebuild them")
        return flow, dup

    def _structural_preconditions(self, graph: Graph, syntax_errors: bool = False) -> None:
        """What the paths that change a node's inputs need of the program: only findings they
        update (and its syntax errors), no subgraphs, nodes with ids of their own, scheduled
        in document order."""
        program = self.old.program
        if graph is not program.main or program.subgraphs:
            raise _Fallback("nodes changed in a program with subgraphs")
        codes = _STRUCTURAL_CODES | {"LX0001"} if syntax_errors else _STRUCTURAL_CODES
        if any(d.code not in codes for d in self.old.diagnostics):
            raise _Fallback("nodes changed in a program with findings other than lint and flow")
        array = graph.array
        assert array is not None
        if len(graph.nodes) != len(array.items) or len(graph.by_id) != len(graph.nodes):
            raise _Fallback("an element of the nodes array is not a node with an id of its own")
        if positions(graph) is not None:
            raise _Fallback("the schedule is not document order")

    def _replace(
        self,
        graph: Graph,
        first: int,
        stop: int,
        new_items: list[JNode],
        changed: list[tuple[Node, JObject, bool]],
        errors: list[Any],
    ) -> Analysis:
        old = self.old
        program = old.program
        by_id = graph.by_id
        nodes = graph.nodes
        target: Node | None = None
        fields: tuple[Any, ...] = ()
        broken = False
        if changed:
            target, obj, broken = changed[0]
            # A node broken before and after (being typed): the checks skip it both times.
            still_broken = broken and target.broken
            if target.id is None or (target.op not in _PLAIN_OPS and not still_broken):
                raise _Fallback(f"the edited node was a `{target.op}` node")
            for c in graph.consumers.get(target.id, ()):
                if c.op not in _PLAIN_OPS:
                    raise _Fallback(f"the edited node is read by a `{c.op}` node")
            raw = obj.value
            nid, op, inputs, value, shape_ok = node_fields(raw)
            fields = (raw, nid, op, inputs, value, shape_ok)
            if nid != target.id:
                raise _Fallback("the id of the edited node changed")
            if not broken:
                if not _NODE_KEY_SET.issuperset(raw) or not shape_ok:
                    raise _Fallback("the edited node is not clean")
                if op not in _PLAIN_OPS or (
                    op in SUBGRAPH_REF_OPS
                    and not (type(value) is str and value.startswith(STD_PREFIX))
                ):
                    raise _Fallback(f"the edited node is now a `{op}` node")
            for i in inputs:
                src = by_id.get(i) if type(i) is str else None
                if (src is None and not broken) or (src is not None and src.index >= target.index):
                    # (a broken node's inputs only order the schedule, which ignores unknown ones)
                    raise _Fallback("the edited node refers to a later or unknown node")
            if op != target.op:  # the capabilities used must stay the same
                users = old._capability_users
                if users is None:
                    users = Counter(OPCODES[n.op].capability for n in nodes if n.op in OPCODES)
                users = Counter(users)
                before = {c for c, k in users.items() if k > 0}
                if target.op in OPCODES:
                    users[OPCODES[target.op].capability] -= 1
                if op in OPCODES:
                    users[OPCODES[op].capability] += 1
                if {c for c, k in users.items() if k > 0} != before:
                    raise _Fallback("the capabilities the program uses change")
                self.capability_users = users
        flow, dup = self._kept_states(graph)
        had_errors = bool(old.parsed.errors)
        if had_errors and errors:
            # The parser's recovery from the older error need not be local: the window parsed
            # again may read as array elements what the full parse reads inside an object
            # (found by test_reanalyze_equals_a_fresh_analysis).
            raise _Fallback("a text with a syntax error is edited and still has one")
        # The findings before the syntax error, kept while it is not mended: the edit that
        # restores that text (an undo, the brace typed again) takes them again.
        if errors:
            self.unbroken = (old.text, old.diagnostics)
        restored: list[Diagnostic] | None = None
        kept = old._unbroken
        if had_errors and not errors and kept is not None and kept[0] == self.new_text:
            restored = kept[1]
        # (the nodes array is all nodes: the graph is uncertain when a node is broken, which
        # takes a syntax error)
        was_uncertain = had_errors and any(n.broken for n in nodes)
        if errors:
            # With a syntax error, no fix of the whole program is offered (repair policy):
            # the kept findings lose theirs before their offsets are compared with the edit.
            self.strip_program_fixes = True
        if had_errors:
            self.drop_codes.add("LX0001")  # the syntax errors are all in the text parsed again
            if not errors:
                # The fixes of the whole program come back: every finding is reported again.
                self.drop_codes.update(_STRUCTURAL_CODES)
        # Everything read from the old state is read now: the edit.
        old_inputs: list[Node] = []
        old_spans: dict[str, Span] = {}
        if target is not None:
            old_spans = {"op": target.op_span(), "id": target.id_span()}
            self.edited = target
            self.edited_extent = (target.syntax.start, target.syntax.end)
            self.drop_ranges.append((_ALL_CODES, *self.edited_extent))
            seen: set[int] = set()
            for i in target.inputs:
                src = by_id.get(i) if type(i) is str else None
                if src is not None and id(src) not in seen:
                    seen.add(id(src))
                    old_inputs.append(src)
        self._retarget()
        parsed = old.parsed
        array = graph.array
        assert array is not None
        array.items[first:stop] = new_items
        if array._value is not None:
            array._value[first:stop] = [o.value for o in new_items]
        for node, item in zip(nodes[first:stop], new_items, strict=True):
            assert type(item) is JObject
            node.syntax = item
            if node is not target:
                node.raw = item.value
        parsed.errors = list(errors)
        hasher = _hasher(program, old.hasher)
        ctx = Context(program, self.new_text, hasher, self.options)
        if errors:
            check_syntax(ctx)
        if target is None:
            if restored is not None:
                return self._result(list(restored), hasher, "replaced")
            if had_errors and not errors:
                self._report_all(ctx, graph, flow, dup, uncertain=ctx.graph_uncertain(graph))
            return self._result(self._merge(ctx.out), hasher, "syntax" if errors else "replaced")
        raw, nid, op, inputs, value, shape_ok = fields
        consumers = graph.consumers
        for i in target.inputs:
            group = consumers.get(i) if type(i) is str else None
            if group is not None:
                group[:] = [c for c in group if c is not target]
                if not group:
                    del consumers[i]
        target.raw = raw
        target.op = op
        target.inputs = inputs
        target.value = value
        target.shape_ok = shape_ok
        target.broken = target.skip = broken
        new_inputs: list[Node] = []
        for i in inputs:
            if type(i) is not str:
                continue
            # (listed once per input naming it, as build_program lists consumers)
            insort(consumers.setdefault(i, []), target, key=_index_of)
            src = by_id.get(i)
            if src is not None and all(src is not n for n in new_inputs):
                new_inputs.append(src)
        graph.restructured(list(nodes))
        found_before = len(ctx.out)
        if not broken:
            if value_checked(target, graph):
                _check_inputs(ctx, graph, target)
                _check_value(ctx, graph, target)
            if len(ctx.out) > found_before or target.skip:
                raise _Fallback("the edited node has findings of its own")
        uncertain = bool(errors) and ctx.graph_uncertain(graph)
        if was_uncertain and not uncertain:
            # "declared but never used" (LX2002) could not be said before and can now
            used = Counter(OPCODES[n.op].capability for n in nodes if n.op in OPCODES)
            if any(type(v) is str and not used[v] for v, _ in program.capabilities):
                raise _Fallback("a declared capability may be unused")
        again_all = had_errors and not errors
        touched = {id(n): n for n in [*old_inputs, *new_inputs]}
        self._flow(
            ctx,
            graph,
            target,
            old_spans["op"],
            old_inputs,
            every_origin=uncertain or was_uncertain or again_all,
            report=not again_all,
        )
        self._replaced_duplicates(
            ctx, graph, dup, target, old_spans["id"], [*old_inputs, *new_inputs], not again_all
        )
        if restored is not None:
            return self._result(list(restored), hasher, "replaced")
        if again_all:
            self._report_all(ctx, graph, flow, dup, uncertain)
        elif uncertain or was_uncertain:
            self.drop_codes.add("LX3001")  # an unreadable node may be the consumer
            if not uncertain:
                for n in graph.nodes:
                    report_unused(ctx, graph, n)
        else:
            report_unused(ctx, graph, target)
            for n in touched.values():
                self.drop_exact.add(("LX3001", *self._old_span(n, n.id_span())))
                report_unused(ctx, graph, n)
        return self._result(self._merge(ctx.out), hasher, "syntax" if errors else "replaced")

    def _report_all(
        self, ctx: Context, graph: Graph, flow: FlowState, dup: DuplicateState, uncertain: bool
    ) -> None:
        """Every lint and flow finding of ``graph`` reported again from the kept states (their
        old copies are dropped by code): after the last syntax error is mended, the fixes of
        the whole program come back."""
        origins = flow.origins
        by_id = graph.by_id
        for n in graph.nodes:
            if n.id in origins and by_id.get(n.id) is n:
                report_origin(ctx, graph, flow, n)
        if not uncertain:
            for n in graph.nodes:
                report_unused(ctx, graph, n)
        for key, more in dup.more.items():
            first = dup.first_with[key]
            for n in more:
                if reportable(n):
                    report_duplicate(ctx, graph, n, first)

    def _replaced_duplicates(
        self,
        ctx: Context,
        graph: Graph,
        state: DuplicateState,
        node: Node,
        old_id: Span,
        inputs: list[Node],
        report: bool = True,
    ) -> None:
        """Structural keys of ``node`` and, in document order, of the nodes downstream whose
        key changed (a key may appear or vanish); every class that gained or lost a member is
        reported again, and so is the class of each of ``inputs`` (the node's inputs before
        and after the edit): its merge fixes point the consumers, which changed, at the
        earlier node."""
        by_id = graph.by_id
        key_of = state.key_of
        touched: set[int] = set()
        for n in inputs:
            k = key_of.get(n.id) if n.id is not None else None
            if k is not None:
                touched.add(k)
        moves: list[tuple[Node, int | None, int | None]] = []

        def visit(n: Node) -> bool:
            assert n.id is not None
            before = key_of.get(n.id)
            after = node_key(ctx, n, key_of, state.interned) if keyed(n, by_id) else None
            if n is not node and before == after:
                return False
            if after is None:
                key_of.pop(n.id, None)
            else:
                key_of[n.id] = after
            if before != after:
                moves.append((n, before, after))
            return True

        _downstream(graph, node, None, visit)
        self._regroup(ctx, graph, state, moves, node, old_id, touched, report)

    def _regroup(
        self,
        ctx: Context,
        graph: Graph,
        state: DuplicateState,
        moves: list[tuple[Node, int | None, int | None]],
        node: Node,
        old_id: Span,
        touched: set[int],
        report: bool = True,
    ) -> None:
        """Duplicate classes after nodes changed key (``moves``: node, key before, key after):
        the old LX3002 findings of every class that gained or lost a member (or is in
        ``touched``) are dropped, and each such class is stored and reported again (unless not
        ``report``). ``old_id`` is the old id span of ``node``, the edited one."""
        touched.update(k for _, b, a in moves for k in (b, a) if k is not None)
        members = {k: _members(state, k) for k in touched}
        for group in members.values():
            for n in group[1:]:
                if reportable(n):
                    span = (old_id.start, old_id.end) if n is node else None
                    self.drop_exact.add(("LX3002", *(span or self._old_span(n, n.id_span()))))
        for n, before, after in moves:
            if before is not None:
                members[before].remove(n)
            if after is not None:
                insort(members[after], n, key=_index_of)
        for k, group in members.items():
            _set_members(state, k, group, ctx, graph, reportable if report else _never)

    # --- a node renamed --------------------------------------------------------------

    def _renamed(
        self, graph: Graph, index: int, item: JObject, node: Node, new_obj: JObject, new_id: str
    ) -> Analysis:
        """Only the id of one node changed: what referred to the old id now refers to no node
        (LX1003 on each reference, and what follows downstream of the nodes holding them:
        constant flow, error sinks, duplicate keys), the node itself may be unused (LX3001)
        and every finding naming it is reported again. Nothing else is checked again."""
        old = self.old
        program = old.program
        if graph is not program.main or program.subgraphs:
            raise _Fallback("a node renamed in a program with subgraphs")
        dangling = 0
        for d in old.diagnostics:
            if d.code == "LX1003":
                dangling += 1
            elif d.code not in _STRUCTURAL_CODES:
                raise _Fallback(
                    "a node renamed in a program with findings other than lint and flow"
                )
        nodes = graph.nodes
        if len(nodes) != len(graph.array.items if graph.array is not None else ()):
            raise _Fallback("an element of the nodes array is not a node")
        if positions(graph) is not None:
            raise _Fallback("the schedule is not document order")
        old_id = node.id
        assert old_id is not None
        if not ID_PATTERN.fullmatch(new_id) or new_id in graph.by_id:
            raise _Fallback("the new id is invalid or taken")
        # The nodes reading the old id (their references now dangle) and those whose dangling
        # references name the new one (now resolved): every LX1003 must be one of the latter,
        # as the others' suggestions and fixes read the set of ids.
        found = {id(c): c for ref in (old_id, new_id) for c in graph.consumers.get(ref, ())}
        if id(node) in found:
            raise _Fallback("the node reads itself")
        readers = sorted(found.values(), key=_index_of)
        resolving = {id(c): c for c in graph.consumers.get(new_id, ())}  # listed once per input
        resolved = sum(c.inputs.count(new_id) for c in resolving.values())
        if dangling != resolved:
            raise _Fallback("other references dangle (their suggestions read the ids)")
        for n in (node, *readers):
            if n.op not in _PLAIN_OPS:
                raise _Fallback(f"a renamed or reading node is a `{n.op}` node")
        self._check_fix_names({new_id}, {old_id}, skip="LX1003")
        flow, dup = self._kept_states(graph)
        self.edited = node
        self.edited_extent = (item.start, item.end)
        old_id_span = node.id_span()
        old_op_span = node.op_span()
        # The edit.
        self._retarget()
        assert graph.array is not None
        replace_item(graph.array, index, new_obj)
        node.syntax = new_obj
        node.raw = new_obj.value
        node.id = new_id
        by_id = graph.by_id
        by_id.clear()  # in document order, as a fresh model has it (suggestions list them)
        for n in nodes:
            if n.id is not None and n.id not in by_id:
                by_id[n.id] = n
        if any(r.index <= node.index for r in resolving.values()):
            raise _Fallback("a resolved reference names a later node")
        graph.restructured(list(nodes))  # (dangling references are not edges)
        _move_key(flow.values, old_id, new_id)  # the tables are by id
        _move_key(flow.origins, old_id, new_id)
        _move_key(flow.sinks, old_id, new_id)
        _move_key(dup.key_of, old_id, new_id)
        hasher = _hasher(program, old.hasher)
        ctx = Context(program, self.new_text, hasher, self.options)
        # The references to the old id (LX1003, with what they may have meant), and those to
        # the new one (resolved: their LX1003 go).
        self.drop_codes.add("LX1003")
        for n in readers:
            if value_checked(n, graph):
                _check_inputs(ctx, graph, n)
                _check_value(ctx, graph, n)
            if n.skip:
                raise _Fallback("a reading node is left out of the later checks")
        # Constant flow downstream of the readers, error sinks, LX1015 again.
        values = flow.values
        visited: list[Node] = []

        def visit(n: Node) -> bool:
            before = values.get(n.id) if n.id is not None else None
            flow_node(n, flow, by_id)
            if n.id is None or by_id.get(n.id) is not n:
                return False
            visited.append(n)
            after = values.get(n.id)
            return before is None or after is None or not same_abs(before, after)

        _downstream_of(graph, readers, None, visit)
        again: dict[int, Node] = {id(n): n for n in visited}
        self._sinks(graph, flow, [*visited, node], None, again)
        origins = flow.origins
        for g in visited:
            for i in g.inputs:
                src = by_id.get(i) if type(i) is str else None
                if src is not None and src.op == "const":
                    for o in graph.consumers.get(i, ()):
                        if o.id in origins and by_id.get(o.id or "") is o:
                            again[id(o)] = o
        again[id(node)] = node  # its label is in its own LX1015 ...
        for oid, sink in flow.sinks.items():  # ... and in those of the errors reaching it
            if sink is node and oid in origins:
                again[id(by_id[oid])] = by_id[oid]
        for n in sorted(again.values(), key=_index_of):
            if n is node:
                self.drop_exact.add(("LX1015", old_op_span.start, old_op_span.end))
            else:
                self.drop_exact.add(("LX1015", *self._old_span(n, n.op_span())))
            if n.id in origins:
                report_origin(ctx, graph, flow, n)
        # Duplicate keys downstream of the readers (they have none now), and the node's class.
        self._rename_duplicates(ctx, graph, dup, node, readers, old_id_span)
        # Unused: the node (read by other ids now), and the nodes a reference meant before or
        # means now (not reported as unused).
        self.drop_exact.add(("LX3001", old_id_span.start, old_id_span.end))
        report_unused(ctx, graph, node)
        meant = old._meant | ctx.meant
        if meant:
            for n in nodes:
                if id(n) in meant and n is not node:
                    self.drop_exact.add(("LX3001", *self._old_span(n, n.id_span())))
                    report_unused(ctx, graph, n)
        self.meant = ctx.meant
        return self._result(self._merge(ctx.out), hasher, "rename")

    def _rename_duplicates(
        self,
        ctx: Context,
        graph: Graph,
        state: DuplicateState,
        node: Node,
        readers: list[Node],
        old_id_span: Span,
    ) -> None:
        by_id = graph.by_id
        key_of = state.key_of
        moves: list[tuple[Node, int | None, int | None]] = []

        def visit(n: Node) -> bool:
            if not keyed(n, by_id):
                return False
            assert n.id is not None
            before = key_of.get(n.id)
            after = node_key(ctx, n, key_of, state.interned)
            if before == after:
                return False
            if after is None:
                del key_of[n.id]
            else:
                key_of[n.id] = after
            moves.append((n, before, after))
            return True

        _downstream_of(graph, readers, None, visit)
        own = key_of.get(node.id or "")
        # (its label is in the findings of its class)
        self._regroup(ctx, graph, state, moves, node, old_id_span, set() if own is None else {own})

    # --- nodes inserted, deleted or replaced whole ------------------------------------

    def _nodes_changed(self, graph: Graph) -> Analysis:
        """Whole node objects inserted into, deleted from or replaced in the main graph's
        `nodes` array (a node appended, a block pasted or cut, a line replaced), when nothing
        outside them refers to them. See :func:`_structural_preconditions` for the cases."""
        old = self.old
        program = old.program
        if graph is not program.main or program.subgraphs:
            raise _Fallback("nodes changed in a program with subgraphs")
        if any(d.code not in _STRUCTURAL_CODES for d in old.diagnostics):
            raise _Fallback("nodes changed in a program with findings other than lint and flow")
        array = graph.array
        assert array is not None
        items = array.items
        nodes = graph.nodes
        if len(nodes) != len(items) or len(graph.by_id) != len(nodes):
            raise _Fallback("an element of the nodes array is not a node with an id of its own")
        if positions(graph) is not None:
            raise _Fallback("the schedule is not document order")
        start, end, delta = self.start, self.end, self.delta
        first = bisect_right(items, start, key=_end_of)  # items[:first] end before the edit
        stop = bisect_left(items, end, key=_start_of)  # items[stop:] start after it
        for item in items[first:stop]:
            if item.start < start or item.end > end:
                raise _Fallback("the edit changes part of a node")
        if SURROGATE.search(old.text, start, end) or SURROGATE.search(self.fragment):
            raise _Fallback("the changed text has a surrogate escape")
        # The new elements between the two nodes that stay (or the array's brackets).
        gap_start = items[first - 1].end if first > 0 else array.start + 1
        gap_end = (items[stop].start if stop < len(items) else array.end - 1) + delta
        parser = old.parsed.parser
        assert parser is not None
        new_objs = _scan_gap(
            parser, self.new_text, gap_start, gap_end, first > 0, stop < len(items)
        )
        removed = nodes[first:stop]
        removed_ids = {n.id for n in removed}
        for n in removed:
            if graph.by_id.get(n.id or "") is not n:
                raise _Fallback("a deleted node shares its id")
            if any(c.id not in removed_ids for c in graph.consumers.get(n.id or "", ())):
                raise _Fallback("a deleted node is referred to by a node that stays")
            if n.op not in _PLAIN_OPS:
                raise _Fallback(f"a deleted node is a `{n.op}` node")
        new_ids: set[str] = set()
        known = set(graph.by_id).difference(removed_ids)
        for obj in new_objs:
            raw = obj.value
            if not _NODE_KEY_SET.issuperset(raw):  # (a repeated key: no object from the scan)
                raise _Fallback("a new node has unknown keys")
            nid, op, inputs, value, shape_ok = node_fields(raw)
            if not shape_ok or nid is None or not ID_PATTERN.fullmatch(nid):
                raise _Fallback("a new node is not clean")
            if nid in known or nid in new_ids or nid in graph.consumers:
                raise _Fallback("a new node's id is taken or referred to")
            if op not in _PLAIN_OPS or (
                op in SUBGRAPH_REF_OPS and not (type(value) is str and value.startswith(STD_PREFIX))
            ):
                raise _Fallback(f"a new node is a `{op}` node")
            for i in inputs:
                if i not in new_ids and (i not in known or graph.by_id[i].index >= first):
                    raise _Fallback("a new node refers to a later or unknown node")
            new_ids.add(nid)
        # Capabilities: the set used must not change (LX2001/LX2002 stay as they are).
        users = old._capability_users
        if users is None:
            users = Counter(OPCODES[n.op].capability for n in nodes if n.op in OPCODES)
        users = Counter(users)
        before = {c for c, k in users.items() if k > 0}
        users.subtract(OPCODES[n.op or ""].capability for n in removed)
        users.update(OPCODES[obj.value["op"]].capability for obj in new_objs)
        if {c for c, k in users.items() if k > 0} != before:
            raise _Fallback("the capabilities the program uses change")
        self.capability_users = users
        # Ids the fixes of kept findings made up (`fresh_id`) must not change.
        self._check_fix_names(new_ids, removed_ids)
        # Everything read from the old state is read: the edit.
        flow, dup = self._kept_states(graph)
        touched_inputs: dict[int, Node] = {}
        for n in removed:
            for i in n.inputs:
                src = graph.by_id.get(i)
                if src is not None and src.id not in removed_ids:
                    touched_inputs[id(src)] = src
        # the nodes on each side: their LX3002 fix deletes them up to (or from) the next one
        neighbours = nodes[max(first - 1, 0) : first] + nodes[stop : stop + 1]
        if removed:
            a, b = removed[0].syntax.start, removed[-1].syntax.end
            self.drop_ranges.append((_ALL_CODES, a, b))
        self._retarget()
        array.items[first:stop] = new_objs
        if array._value is not None:
            array._value[first:stop] = [o.value for o in new_objs]
        added: list[Node] = []
        for k, obj in enumerate(new_objs):
            nid, op, inputs, value, shape_ok = node_fields(obj.value)
            added.append(Node(graph, first + k, obj, obj.value, nid, op, inputs, value, shape_ok))
        nodes[first:stop] = added
        for k in range(first, len(nodes)):
            nodes[k].index = k
        by_id = graph.by_id
        consumers = graph.consumers
        for n in removed:
            if by_id.get(n.id or "") is n:
                del by_id[n.id or ""]
            for i in n.inputs:
                group = consumers.get(i)
                if group is not None:
                    group[:] = [c for c in group if c is not n]
                    if not group:
                        del consumers[i]
        for n in added:
            by_id[n.id or ""] = n
        for n in added:
            for i in n.inputs:
                src = by_id[i]
                if src not in added:
                    touched_inputs[id(src)] = src
                insort(consumers.setdefault(i, []), n, key=_index_of)
        # Document order stays the schedule: it was, the nodes that stay read what they read,
        # and the new ones read earlier nodes only (checked above).
        graph.restructured(list(nodes))
        hasher = _hasher(program, old.hasher)
        ctx = Context(program, self.new_text, hasher, self.options)
        for n in added:
            if value_checked(n, graph):
                _check_inputs(ctx, graph, n)
                _check_value(ctx, graph, n)
            if ctx.out or n.skip:
                raise _Fallback("a new node has findings of its own")
        self._structural_flow(ctx, graph, flow, removed, added, list(touched_inputs.values()))
        self._structural_unused(ctx, graph, added, touched_inputs)
        self._structural_duplicates(
            ctx, graph, dup, removed, added, [*touched_inputs.values(), *neighbours]
        )
        return self._result(self._merge(ctx.out), hasher, "nodes")

    def _check_fix_names(
        self, new_ids: set[str], removed_ids: set[str | None], skip: str = ""
    ) -> None:
        """Fixes name new nodes with ``fresh_id`` (the first of ``base``, ``base_2``, ... not
        taken): a new id may take the one a kept fix chose, a deleted one free an earlier."""
        names: set[str] = set()
        for d in self.old.diagnostics:
            if d.code == skip:
                continue  # computed again
            for fix in d.fixes:
                for e in fix.edits:
                    if '"' in e.new_text:
                        names.update(_QUOTED.findall(e.new_text))
        names.difference_update(self.old.program.main.by_id)  # the names no node has
        if not names:
            return
        if names & new_ids:
            raise _Fallback("a new node takes a name a fix made up")
        bases = set()
        for r in removed_ids:
            if r is not None:
                bases.add(r)
                head, _, tail = r.rpartition("_")
                if head and tail.isdigit():
                    bases.add(head)
        for name in names:
            if name in bases or any(name.startswith(b + "_") for b in bases):
                raise _Fallback("a deleted node frees a name a fix made up")

    def _structural_flow(
        self,
        ctx: Context,
        graph: Graph,
        state: FlowState,
        removed: list[Node],
        added: list[Node],
        touched: list[Node],
    ) -> None:
        values, origins, sinks = state.values, state.origins, state.sinks
        by_id = graph.by_id
        for n in removed:
            values.pop(n.id or "", None)
            origins.pop(n.id or "", None)
            sinks.pop(n.id or "", None)
        for n in added:
            flow_node(n, state, by_id)
        again: dict[int, Node] = {id(n): n for n in added}
        self._sinks(graph, state, [*added, *touched], None, again)
        for g in [*added, *removed]:
            for i in g.inputs:
                src = by_id.get(i) if type(i) is str else None
                if src is not None and src.op == "const":
                    for o in graph.consumers.get(i, ()):
                        if o.id in origins and by_id.get(o.id or "") is o:
                            again[id(o)] = o
        new = {id(n) for n in added}
        for n in sorted(again.values(), key=_index_of):
            if id(n) not in new:
                self.drop_exact.add(("LX1015", *self._old_span(n, n.op_span())))
            if n.id in origins:
                report_origin(ctx, graph, state, n)

    def _structural_unused(
        self, ctx: Context, graph: Graph, added: list[Node], touched: dict[int, Node]
    ) -> None:
        for n in added:
            report_unused(ctx, graph, n)
        for n in touched.values():
            self.drop_exact.add(("LX3001", *self._old_span(n, n.id_span())))
            report_unused(ctx, graph, n)

    def _structural_duplicates(
        self,
        ctx: Context,
        graph: Graph,
        state: DuplicateState,
        removed: list[Node],
        added: list[Node],
        touched: list[Node],
    ) -> None:
        if len(state.interned) > 4 * len(graph.nodes) + 10_000:
            raise _Fallback("the duplicate-check tables grew too large: rebuild them")
        key_of = state.key_of
        keys: set[int] = set()
        for n in touched:
            k = key_of.get(n.id or "")
            if k is not None:
                keys.add(k)
        removed_ids = {id(n) for n in removed}
        for n in removed:
            k = key_of.pop(n.id or "", None)
            if k is not None:
                keys.add(k)
        new_keys: list[tuple[Node, int]] = []
        for n in added:
            if keyed(n, graph.by_id):
                k = node_key(ctx, n, key_of, state.interned)
                if k is not None:
                    key_of[n.id or ""] = k
                    new_keys.append((n, k))
                    keys.add(k)
        members = {k: _members(state, k) for k in keys}
        for group in members.values():
            for n in group[1:]:
                if reportable(n) and id(n) not in removed_ids:
                    self.drop_exact.add(("LX3002", *self._old_span(n, n.id_span())))
        for k in keys:
            group = [n for n in members[k] if id(n) not in removed_ids]
            for n, nk in new_keys:
                if nk == k:
                    insort(group, n, key=_index_of)
            _set_members(state, k, group, ctx, graph, reportable)

    # --- the edit itself ---------------------------------------------------------------

    def _node_at(self, graph: Graph, index: int, item: JObject) -> Node:
        nodes = graph.nodes
        k = index if index < len(nodes) and nodes[index].index == index else None
        if k is None:
            k = bisect_right(nodes, index, key=_index_of) - 1
        if k < 0 or nodes[k].syntax is not item:
            raise _Fallback("the edited object is not a node of the model")
        return nodes[k]

    def _retarget(self) -> None:
        """Points the parse at the new text and moves every offset after the edit."""
        self.old.consumed = True
        parsed = self.old.parsed
        parser = parsed.parser
        assert parser is not None and parsed.root is not None
        parser.text = self.new_text
        parsed.text = self.new_text
        if self.delta:
            shift_after(parsed.root, self.end, self.delta, parser)

    def _old_span(self, node: Node, span: Span) -> tuple[int, int]:
        """``span`` of a node other than the edited (or a new) one, in offsets before the
        edit: a node after the edit starts at or after the end of the new fragment, one before
        it ends at or before its start."""
        assert node is not self.edited
        if span.start >= self.start + len(self.fragment):
            return span.start - self.delta, span.end - self.delta
        return span.start, span.end

    # --- findings computed again -------------------------------------------------------

    def _value_checks(self, ctx: Context, graph: Graph, node: Node) -> None:
        # A clean node is never skipped before the graph checks, which check its value
        # unless their fast path lets it through (value_checked mirrors that test).
        a, b = self.edited_extent
        self.drop_ranges.append((_VALUE_CODES, a, b))
        if value_checked(node, graph):
            check_value(ctx, graph, node)

    def _flow(
        self,
        ctx: Context,
        graph: Graph,
        node: Node,
        old_op: Span,
        old_inputs: Iterable[Node] = (),
        every_origin: bool = False,
        report: bool = True,
    ) -> None:
        """Constant flow for ``node`` and downstream, in schedule order, as far as values
        change; the error sinks of those nodes, of their inputs and of ``node``'s old inputs
        (when its inputs changed); LX1015 of every origin that may read differently. With
        ``every_origin`` every origin is reported again (an unreadable node in the graph takes
        their fixes away, or gives them back); without ``report`` none is (the caller does)."""
        state: FlowState | None = self.old._flow.get(graph)
        if state is None:
            raise _Fallback("no flow state was kept for the graph")
        if graph.name is not None and any(
            graph.name in other.reads for other in self.old._flow.values()
        ):
            # `map`/`filter`/`reduce` over constant lists were followed through this subgraph.
            raise _Fallback("the values of another graph were computed through this subgraph")
        position = positions(graph)
        by_id = graph.by_id
        values = state.values
        visited: list[Node] = []

        def visit(n: Node) -> bool:
            before = values.get(n.id) if n.id is not None else None
            flow_node(n, state, by_id)
            if n.id is None or by_id.get(n.id) is not n:
                return False  # not evaluated: nobody reads it
            visited.append(n)
            after = values.get(n.id)
            return before is None or after is None or not same_abs(before, after)

        _downstream(graph, node, position, visit)
        left = list(old_inputs)  # nodes the edited one no longer reads
        again: dict[int, Node] = {id(n): n for n in visited}  # LX1015 to compute again
        self._sinks(graph, state, [*visited, *left], position, again)
        # The numeric-string fix of an origin reads the other consumers of the constants it
        # edits (and, for comparisons, their other input): one evaluated again may change it.
        origins = state.origins
        consts = [n for n in left if n.op == "const"]
        for g in [*visited, *left]:
            for i in g.inputs:
                src = by_id.get(i) if type(i) is str else None
                if src is not None and src.op == "const":
                    consts.append(src)
        for src in consts:
            for o in graph.consumers.get(src.id or "", ()):
                if o.id in origins and by_id.get(o.id) is o:
                    again[id(o)] = o
        if not report:
            return
        if every_origin:
            self.drop_codes.add("LX1015")
            again = {}
            for nid in origins:
                n = by_id.get(nid)
                if n is not None:
                    again[id(n)] = n
        for n in sorted(again.values(), key=position_key(position)):
            if not every_origin:  # (else every old LX1015 is dropped)
                old_span = (old_op.start, old_op.end) if n is node else None
                self.drop_exact.add(("LX1015", *(old_span or self._old_span(n, n.op_span()))))
            if n.id in origins and by_id.get(n.id) is n:
                report_origin(ctx, graph, state, n)

    def _sinks(
        self,
        graph: Graph,
        state: FlowState,
        visited: list[Node],
        position: dict[int, int] | None,
        again: dict[int, Node],
    ) -> None:
        """Updates where error values go (``state.sinks``): for the nodes evaluated again and
        those feeding them (whether an error passes a node depends on its value), then, in
        reverse schedule order, upstream of every node whose first sink changed. Those nodes
        go into ``again`` (an origin among them is reported again)."""
        by_id = graph.by_id
        sinks = state.sinks

        def pos(n: Node) -> int | None:
            return n.index if position is None else position.get(id(n))

        heap: list[int] = []
        waiting: dict[int, Node] = {}

        def push(n: Node) -> None:
            p = pos(n)
            if p is not None and p not in waiting:
                waiting[p] = n
                heapq.heappush(heap, -p)

        def push_inputs(n: Node) -> None:
            for i in n.inputs:
                src = by_id.get(i) if type(i) is str else None
                if src is not None:
                    push(src)

        for n in visited:
            push(n)
            push_inputs(n)
        while heap:
            n = waiting.pop(-heapq.heappop(heap))
            nid = n.id
            if nid is None or by_id.get(nid) is not n:
                continue
            before = sinks.get(nid)
            if carries_error(n, state, by_id):
                after = first_sink(graph, state, n, position)
                sinks[nid] = after
            else:
                after = None
                sinks.pop(nid, None)
            if after is not before:
                again[id(n)] = n
                push_inputs(n)

    def _network(self, ctx: Context, graph: Graph, node: Node) -> None:
        sources: list[Node] = []
        if node.op == "const" and node.id is not None and graph.by_id.get(node.id) is node:
            a, b = self.edited_extent
            self.drop_ranges.append((_URL_CODES, a, b))
            sources.append(node)
        if node.op in NETWORK_OPS:
            source = url_source(graph, node)
            if source is not None:
                span = source.value_span("value")
                if span is not None:
                    start, end = self._old_span(source, span)
                    self.drop_exact.update((code, start, end) for code in _URL_CODES)
                sources.append(source)
        for source in sources:
            reported: set[tuple[int, str]] = set()
            seen: set[int] = set()
            for consumer in graph.consumers.get(source.id or "", ()):
                if id(consumer) in seen:
                    continue
                seen.add(id(consumer))
                if (
                    consumer.op in NETWORK_OPS
                    and not consumer.skip
                    and url_source(graph, consumer) is source
                ):
                    check_url_source(ctx, graph, consumer, reported)

    def _duplicates(self, ctx: Context, graph: Graph, node: Node, old_id: Span) -> None:
        state: DuplicateState | None = self.old._duplicates.get(graph)
        if state is None:
            raise _Fallback("no duplicate-check state was kept for the graph")
        by_id = graph.by_id
        if not keyed(node, by_id):
            return  # no key before or after: nothing downstream changes either
        if len(state.interned) > 4 * len(graph.nodes) + 10_000:
            raise _Fallback("the duplicate-check tables grew too large: rebuild them")
        position = positions(graph)
        key_of = state.key_of
        moves: list[tuple[Node, int, int]] = []

        def visit(n: Node) -> bool:
            if not keyed(n, by_id):
                return False
            assert n.id is not None
            before = key_of.get(n.id)
            after = node_key(ctx, n, key_of, state.interned)
            if (before is None) != (after is None):
                raise _Fallback("a structural key appeared or vanished")
            if before == after or before is None or after is None:
                return False
            key_of[n.id] = after
            moves.append((n, before, after))
            return True

        _downstream(graph, node, position, visit)
        if not moves:
            return
        touched = {k for _, before, after in moves for k in (before, after)}
        members = {k: _members(state, k) for k in touched}

        def old_id_span(n: Node) -> tuple[int, int]:
            return (old_id.start, old_id.end) if n is node else self._old_span(n, n.id_span())

        for group in members.values():
            for n in group[1:]:
                if reportable(n):
                    self.drop_exact.add(("LX3002", *old_id_span(n)))
        key = position_key(position)
        for n, before, after in moves:
            members[before].remove(n)
            insort(members[after], n, key=key)
        for k, group in members.items():
            _set_members(state, k, group, ctx, graph, reportable)

    def _check_subgraph_hashes(
        self, graph: Graph, hasher: Hasher, before: dict[str | None, str | None]
    ) -> None:
        """The edit may change its subgraph's hash; nothing else may depend on that hash."""
        program = self.old.program
        after = {g.name: hasher.subgraph_hash(g) for g in program.subgraphs.values()}
        for name, h in after.items():
            if name != graph.name and h != before.get(name):
                raise _Fallback("the edit changes the hash of another subgraph")
        own = {before.get(graph.name), after.get(graph.name)} - {None}
        if own & set(std_hashes()):
            raise _Fallback("the subgraph has the hash of a standard-library subgraph")
        for name, h in after.items():
            if name != graph.name and h in own:
                raise _Fallback("the subgraph shares its hash with another subgraph")
        for n in program.all_nodes():
            if n.op in SUBGRAPH_REF_OPS and type(n.value) is str and n.value in own:
                raise _Fallback("a reference names the subgraph by its hash")

    # --- the result --------------------------------------------------------------------

    def _merge(self, added: list[Diagnostic]) -> list[Diagnostic]:
        """The old findings less the dropped ones, moved, and the new ones, in order."""
        start, end, delta = self.start, self.end, self.delta
        drop_exact, drop_ranges = self.drop_exact, self.drop_ranges
        kept: list[Diagnostic] = []
        drop_codes = self.drop_codes
        strip = self.strip_program_fixes
        low = min((a for _, a, _ in drop_ranges), default=0)
        high = max((b for _, _, b in drop_ranges), default=0)
        for d in self.old.diagnostics:
            if (d.code, d.start, d.end) in drop_exact or d.code in drop_codes:
                continue
            if strip and d.fixes:
                fixes = tuple(f for f in d.fixes if f.scope is not Scope.PROGRAM)
                if len(fixes) != len(d.fixes):
                    d = replace(d, fixes=fixes)
            if (
                drop_ranges
                and low <= d.start
                and d.end <= high
                and any(
                    d.code in codes and a <= d.start and d.end <= b for codes, a, b in drop_ranges
                )
            ):
                continue
            if d.end < start and not d.related and not d.fixes:
                kept.append(d)  # before the edit (the common case, without reading offsets)
                continue
            offsets = list(_offsets(d))
            if max(offsets) < start:
                kept.append(d)
                continue
            if any(start <= o <= end for o in offsets):
                raise _Fallback(f"a kept {d.code} finding touches the edited range")
            kept.append(_moved(d, end, delta) if delta else d)
        if not added:
            return kept
        added = apply_policy(added, self.old.parsed, self.old.program)
        merged = kept + added
        merged.sort(key=diagnostic_order)
        # Equal sort keys keep the order the checks found them in, which a partial run
        # does not reproduce: a tie between different findings is a guess.
        added_keys = {diagnostic_order(d) for d in added}
        for i in range(1, len(merged)):
            a, b = merged[i - 1], merged[i]
            key = diagnostic_order(b)
            if key in added_keys and diagnostic_order(a) == key and a != b:
                raise _Fallback("a finding computed again ties with another")
        return merged

    def _result(self, diagnostics: list[Diagnostic], hasher: Hasher, kind: str) -> Analysis:
        old = self.old
        lines = (
            old._lines.edited(self.start, self.end, self.new_text)
            if old._lines is not None
            else None
        )
        return Analysis(
            self.new_text,
            old.parsed,
            old.program,
            hasher,
            diagnostics,
            self.options,
            [],
            _lines=lines,
            incremental=kind,
            _flow=old._flow,
            _duplicates=old._duplicates,
            _meant=self.meant,
            _capability_users=self.capability_users,
            _unbroken=self.unbroken,
        )


# --- helpers -------------------------------------------------------------------------------


def _aligned(old: Analysis, start: int, end: int, fragment: str) -> tuple[int, int, str] | None:
    """The same edit moved left to start where the node it starts in starts, when it can be:
    a covering edit is as far right as the texts allow, so a pasted block of nodes starts in
    the middle of the node after it (its `{"id": "` was taken for the pasted text's). Moving
    an edit ``[start, end) -> fragment`` left by k gives the same text when the k characters
    before ``end`` end the k before ``start`` followed by the fragment."""
    for graph in old.program.graphs:
        array = graph.array
        if array is None or not (array.start < start < array.end):
            continue
        items = array.items
        k = bisect_right(items, start, key=_start_of) - 1
        if k < 0 or not (items[k].start < start < items[k].end):
            return None
        shift = start - items[k].start
        if shift > end:
            return None
        text = old.text
        joined = text[start - shift : start] + fragment
        if not joined.endswith(text[end - shift : end]):
            return None
        return start - shift, end - shift, joined[: len(joined) - shift]
    return None


def _scan_gap(
    parser: Any, text: str, start: int, stop: int, after_element: bool, before_element: bool
) -> list[JObject]:
    """The node objects in ``text[start:stop]``, the new text between two elements of an
    array that stay (``after_element``/``before_element``: there is one on that side; else
    the array's bracket): JSON whitespace, objects and exactly the commas between elements."""
    found: list[JObject] = []
    pos = start
    want_comma = after_element  # the last thing seen was an element
    while True:
        pos = _GAP_SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= stop:
            break
        ch = text[pos]
        if ch == ",":
            if not want_comma:
                raise _Fallback("a comma out of place between nodes")
            want_comma = False
            pos += 1
            continue
        if want_comma or ch != "{":
            raise _Fallback("the text between nodes is not node objects and commas")
        obj = scan_element(parser, pos, text)
        if obj is None or obj.end > stop:
            raise _Fallback("a new node is not one valid JSON object")
        found.append(obj)
        pos = obj.end
        want_comma = True
    if pos != stop:
        raise _Fallback("the new nodes run past the next one")
    # between two elements a comma must come last; before the closing bracket none may
    if before_element and (found or after_element) and want_comma:
        raise _Fallback("a comma is missing between nodes")
    if not before_element and not want_comma and (found or after_element):
        raise _Fallback("a trailing comma in the nodes array")
    return found


def _end_of(node: JNode) -> int:
    return node.end


def _start_of(node: JNode) -> int:
    return node.start


def _index_of(node: Node) -> int:
    return node.index


def _never(node: Node) -> bool:
    return False


def _move_key(table: dict[str, _V], old: str, new: str) -> None:
    if old in table:
        table[new] = table.pop(old)


def _downstream_of(
    graph: Graph,
    starts: list[Node],
    position: dict[int, int] | None,
    visit: Callable[[Node], bool],
) -> None:
    """:func:`_downstream` from several nodes at once (each visited once, in schedule order)."""

    def pos(n: Node) -> int | None:
        return n.index if position is None else position.get(id(n))

    heap: list[int] = []
    waiting: dict[int, Node] = {}
    for n in starts:
        p = pos(n)
        if p is not None and p not in waiting:
            waiting[p] = n
            heap.append(p)
    heapq.heapify(heap)
    done: set[int] = set()
    while heap:
        p = heapq.heappop(heap)
        done.add(p)
        n = waiting.pop(p)
        if not visit(n) or n.id is None:
            continue
        for consumer in graph.consumers.get(n.id, ()):
            q = pos(consumer)
            if q is not None and q not in done and q not in waiting:
                waiting[q] = consumer
                heapq.heappush(heap, q)


def _downstream(
    graph: Graph, node: Node, position: dict[int, int] | None, visit: Callable[[Node], bool]
) -> None:
    """Calls ``visit`` on ``node`` and then, in schedule order, on every consumer of a node
    for which ``visit`` returned True (its result changed). Nodes off the schedule are
    skipped, like the checks skip them."""
    _downstream_of(graph, [node], position, visit)


def _members(state: DuplicateState, key: int) -> list[Node]:
    first = state.first_with.get(key)
    if first is None:
        return []
    return [first, *state.more.get(key, ())]


def _set_members(
    state: DuplicateState,
    key: int,
    group: list[Node],
    ctx: Context,
    graph: Graph,
    reportable: Callable[[Node], bool],
) -> None:
    """A duplicate class's members after an edit, in document order: stored, and each one after
    the first reported as a duplicate of it."""
    if group:
        state.first_with[key] = group[0]
    else:
        state.first_with.pop(key, None)
    if len(group) > 1:
        state.more[key] = group[1:]
    else:
        state.more.pop(key, None)
    for n in group[1:]:
        if reportable(n):
            report_duplicate(ctx, graph, n, group[0])


def _offsets(d: Diagnostic) -> Iterable[int]:
    yield d.start
    yield d.end
    for r in d.related:
        yield r.start
        yield r.end
    for fix in d.fixes:
        for e in fix.edits:
            yield e.start
            yield e.end


def _hasher(program: Program, old: Hasher) -> Hasher:
    """A new, empty hasher of ``program`` after an edit that neither added nor removed a lone
    surrogate (the fast paths make sure): it keeps the old one's finding on that instead of
    scanning the whole text again."""
    hasher = Hasher(None)
    hasher.program = program
    hasher._lone = old._lone
    return hasher


def _hashes_kept(old: Hasher, graph: Graph, edited: Node) -> dict[int, str | None]:
    """The node hashes of ``old`` that a new value of ``edited`` (same id, op and inputs)
    leaves as they were: all but those of ``edited`` and of the nodes computing from it. A
    hover after the edit then hashes only what changed. None are kept when ids repeat (an
    input would name more than one node)."""
    if len(graph.by_id) != len(graph.nodes) or edited.id is None:
        return {}
    kept = dict(old._node)
    for nid in (edited.id, *dependents(graph, edited.id)):
        kept.pop(id(graph.by_id[nid]), None)
    return kept


def _moved(d: Diagnostic, end: int, delta: int) -> Diagnostic:
    """``d`` with every offset after the edit moved by ``delta`` (none lies inside it)."""

    def at(o: int) -> int:
        return o + delta if o > end else o

    related = d.related
    if related:
        related = tuple(Related(at(r.start), at(r.end), r.message) for r in related)
    fixes = d.fixes
    if fixes:
        fixes = tuple(
            replace(f, edits=tuple(TextEdit(at(e.start), at(e.end), e.new_text) for e in f.edits))
            for f in fixes
        )
    return Diagnostic(
        d.code, at(d.start), at(d.end), d.message, d.hints, related, fixes, d.severity
    )
