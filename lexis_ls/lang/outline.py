"""Structure queries behind hover, navigation and outlines, as plain data over code points.

- :func:`describe`: the markdown hover text of whatever is at an offset (a node, an op, a
  capability, a subgraph or a reference to one) with the explain summary of every diagnostic
  there.
- :func:`definition`, :func:`occurrences`, :func:`rename_target` and :func:`rename_edits`: go to
  definition, references, highlights and rename of node ids and subgraph names.
- :func:`document_symbols`, :func:`symbol_match`: the outline of a program and the workspace
  symbol query.
- :func:`folds` and :func:`selection_spans`: folding and selection ranges.

Names (ids, subgraph keys) are addressed by the *content* of their JSON string, without the
quotes: that is what an editor highlights and what a rename replaces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from . import stdlib
from .analysis import Analysis
from .diagnostics import CODES, Diagnostic, TextEdit, explain_summary
from .hashing import std_graph
from .locate import Occurrence, Site, id_occurrences, locate, subgraph_occurrences
from .model import HASH_PATTERN, ID_PATTERN, MISSING, Graph, Node, Program
from .opcodes import CAPABILITIES, OPCODES, ValueRule, ops_needing
from .syntax import JArray, JNode, JObject, JString
from .text import LineIndex, Span

__all__ = [
    "Description",
    "Fold",
    "RenameError",
    "RenameTarget",
    "Symbol",
    "Target",
    "compact_nodes",
    "definition",
    "describe",
    "document_symbols",
    "folds",
    "inner_span",
    "occurrences",
    "rename_edits",
    "rename_target",
    "selection_spans",
    "subgraph_signature",
    "symbol_match",
]

MAX_LISTED = 40  # ids listed in one hover line before "and N more"
MAX_COMPACT_NODES = 30
MAX_VALUE_TEXT = 40


# --- names ------------------------------------------------------------------------------------


def inner_span(text: str, start: int, end: int) -> Span:
    """The content of the JSON string token ``text[start:end]`` without its quotes (an
    unterminated string, while typing, has no closing quote)."""
    if start < len(text) and text[start] == '"':
        start += 1
    if end - 1 >= start and end - 1 < len(text) and text[end - 1] == '"':
        end -= 1
    return Span(start, max(start, end))


def _inner(text: str, s: JString | Span) -> Span:
    return inner_span(text, s.start, s.end)


def _ref_ops(node: Node) -> bool:
    info = OPCODES.get(node.op or "")
    return info is not None and info.value is ValueRule.SUBGRAPH_REF


def _std_name(graph: Graph) -> str | None:
    """``std:NAME`` when ``graph`` is a standard library subgraph."""
    if graph.name is not None and graph.name.startswith(stdlib.STD_PREFIX):
        entry = stdlib.lookup(graph.name)
        if entry is not None and std_graph(entry.name) is graph:
            return graph.name
    return None


def _user_graph(analysis: Analysis, graph: Graph | None) -> Graph | None:
    """``graph`` when it is one of the program's own subgraphs."""
    if graph is None or graph.name is None:
        return None
    return graph if analysis.program.subgraphs.get(graph.name) is graph else None


def _site_graph(analysis: Analysis, site: Site) -> Graph | None:
    """The subgraph a ``subgraph`` or ``reference`` site names (None if it names none)."""
    if site.kind == "subgraph":
        return analysis.program.subgraphs.get(site.text)
    if site.kind == "reference":
        return analysis.hasher.resolve(site.text)
    return None


# --- descriptions (hover) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Description:
    """Markdown about ``text[start:end]`` (the token under the cursor)."""

    start: int
    end: int
    markdown: str


def _ids(names: Sequence[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(f"`{n}`" for n in names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        shown += f" and {len(names) - MAX_LISTED} more"
    return shown


def _unique(items: Iterator[str] | Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _value_text(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = "?"
    if len(text) > MAX_VALUE_TEXT:
        text = text[: MAX_VALUE_TEXT - 1] + "…"
    return text


def compact_node(node: Node) -> str:
    """``id=op(inputs)[value]``, the notation of LEXIS.md §8."""
    out = f"{node.id if node.id is not None else '?'}={node.op if node.op is not None else '?'}"
    if node.inputs:
        out += "(" + ",".join(str(i) for i in node.inputs) + ")"
    if node.value is not MISSING:
        out += f"[{_value_text(node.value)}]"
    return out


def compact_nodes(graph: Graph) -> str:
    """Every node of ``graph`` in LEXIS.md §8 notation: ``x=input_port[0]; k=const[2]; ...``."""
    parts = [compact_node(n) for n in graph.nodes[:MAX_COMPACT_NODES]]
    if len(graph.nodes) > MAX_COMPACT_NODES:
        parts.append(f"… ({len(graph.nodes) - MAX_COMPACT_NODES} more)")
    return "; ".join(parts)


def _ports(graph: Graph, op: str) -> list[Node]:
    ports = [n for n in graph.nodes if n.op == op]
    return sorted(ports, key=lambda n: n.value if type(n.value) is int else 1 << 30)


def subgraph_signature(name: str, graph: Graph) -> str:
    """``name(x, y) -> out``: the input ports' ids in port order, then the output ports'."""
    ins = ", ".join(n.id or "?" for n in _ports(graph, "input_port"))
    outs = [n.id or "?" for n in _ports(graph, "output_port")]
    result = outs[0] if len(outs) == 1 else "[" + ", ".join(outs) + "]"
    return f"{name}({ins}) -> {result}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _describe_subgraph(analysis: Analysis, graph: Graph, via: str | None = None) -> str:
    std = _std_name(graph)
    name = std or graph.name or "?"
    lines = [f"**`{subgraph_signature(name, graph)}`**"]
    arity = len(_ports(graph, "input_port"))
    outputs = len(_ports(graph, "output_port"))
    ports = f"{_plural(arity, 'input port')}, {_plural(outputs, 'output port')}"
    if std is not None:
        entry = stdlib.lookup(std)
        kind = entry.kind if entry is not None else "subgraph"
        lines[0] += f" — standard library {kind} ({ports})"
    else:
        lines[0] += f" — subgraph ({ports})"
    doc = None
    if graph.syntax is not None and isinstance(graph.syntax.value.get("doc"), str):
        doc = graph.syntax.value["doc"]
    if doc:
        lines += ["", doc]
    lines.append("")
    if via is not None:
        lines.append(f"- `{via[:12]}…` is the content hash of `{name}`")
    lines.append(f"- nodes: `{compact_nodes(graph)}`")
    h = analysis.hasher.subgraph_hash(graph)
    lines.append(f"- hash: `{h}`" if h else "- hash: undefined until the subgraph is valid")
    if std is None:
        users = [
            n.label
            for n in analysis.program.all_nodes()
            if _ref_ops(n) and analysis.hasher.resolve(n.value) is graph
        ]
        lines.append(f"- referenced by: {', '.join(users) if users else 'no node'}")
    return "\n".join(lines)


def _describe_node(analysis: Analysis, node: Node, values: Mapping[str, str] | None) -> str:
    graph = node.graph
    where = "the main graph" if graph.name is None else f"subgraph `{graph.name}`"
    lines = [f"**`{node.id}`** — node of {where}", ""]
    lines.append(f"- op: `{node.op}`" if node.op is not None else "- op: missing")
    lines.append(f"- inputs: {_ids([str(i) for i in node.inputs])}")
    consumers = _unique(c.id or c.label for c in graph.consumers.get(node.id or "", ()))
    lines.append(f"- consumers: {_ids(consumers)}")
    info = OPCODES.get(node.op or "")
    if info is not None:
        cap = CAPABILITIES[info.capability]
        lines.append(f"- capability: `{cap.name}` (trust level {cap.trust})")
    h = analysis.hasher.node_hash(node)
    lines.append(
        f"- hash: `{h}`"
        if h
        else "- hash: undefined until the node and everything it depends on are valid"
    )
    ph = analysis.program_hash()
    lines.append(
        f"- program hash: `{ph}`"
        if ph
        else "- program hash: undefined until every node of the main graph is valid"
    )
    doc = node.raw.get("doc")
    if isinstance(doc, str) and doc:
        lines += ["", doc]
    value = values.get(node.id) if values is not None and node.id and graph.name is None else None
    if value is not None:
        fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", value)), default=0))
        lines += ["", "**value** (last run):", "", fence, value, fence]
    return "\n".join(lines)


def _describe_capability(analysis: Analysis, name: str) -> str | None:
    cap = CAPABILITIES.get(name)
    if cap is None:
        return None
    ops = ops_needing(name)
    if name == "PURE_COMPUTE":
        needing = f"every op without another capability ({len(ops)} ops): " + ", ".join(
            f"`{o}`" for o in ops
        )
    else:
        needing = _ids(ops)
    users = _unique(
        n.label
        for n in analysis.program.all_nodes()
        if (info := OPCODES.get(n.op or "")) is not None and info.capability == name
    )
    used = ", ".join(users[:MAX_LISTED]) if users else "no node"
    if len(users) > MAX_LISTED:
        used += f" and {len(users) - MAX_LISTED} more"
    return "\n".join(
        [
            f"**`{cap.name}`** — capability, trust level {cap.trust}",
            "",
            cap.summary[0].upper() + cap.summary[1:] + ".",
            "",
            f"- ops that need it: {needing}",
            f"- used in this program by: {used}",
        ]
    )


def _site_text(analysis: Analysis, site: Site, values: Mapping[str, str] | None) -> str | None:
    if site.kind == "id" and site.node is not None:
        return _describe_node(analysis, site.node, values)
    if site.kind == "input" and site.graph is not None:
        target = site.graph.by_id.get(site.text)
        if target is None:
            return f"`{site.text}` names no node in {site.graph.label}"
        return _describe_node(analysis, target, values)
    if site.kind == "op":
        info = OPCODES.get(site.text)
        return info.documentation() if info is not None else None
    if site.kind == "capability":
        return _describe_capability(analysis, site.text)
    if site.kind in ("subgraph", "reference"):
        graph = _site_graph(analysis, site)
        if graph is None:
            return None
        via = site.text if HASH_PATTERN.fullmatch(site.text) else None
        return _describe_subgraph(analysis, graph, via)
    if site.kind == "domain":
        return (
            f"**`{site.text}`** — allowed domain: network ops may reach this host and its "
            "sub-domains (HTTPS only unless a node allows http)"
        )
    return None


def describe(
    analysis: Analysis,
    offset: int,
    values: Mapping[str, str] | None = None,
    diagnostics: Sequence[Diagnostic] | None = None,
) -> Description | None:
    """What a hover shows at ``offset``: the description of the token there, then the explain
    summary of each diagnostic whose range covers the offset (``diagnostics`` defaults to the
    analysis's own; pass the run's too). ``values`` are the last run's values by node id."""
    site = locate(analysis, offset)
    text = _site_text(analysis, site, values)
    found = [
        d
        for d in (analysis.diagnostics if diagnostics is None else diagnostics)
        if d.start <= offset <= d.end
    ]
    codes = _unique(d.code for d in found)
    notes = [
        f"**{code}** — {CODES[code].title}: {explain_summary(code)}"
        for code in codes
        if code in CODES
    ]
    if text is None and not notes:
        return None
    parts = [text] if text is not None else []
    if notes:
        parts.append("\n\n".join(notes))
    if text is not None:
        start, end = site.start, site.end
    else:
        narrowest = min(found, key=lambda d: d.end - d.start)
        start, end = narrowest.start, narrowest.end
    return Description(start, end, "\n\n---\n\n".join(parts))


# --- navigation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a name is defined: ``selection`` is the name, ``whole`` the node or subgraph."""

    selection: Span
    whole: Span
    origin: Span  # the name under the cursor


def _node_target(text: str, node: Node, origin: Span) -> Target:
    return Target(_inner(text, node.id_span()), Span(node.syntax.start, node.syntax.end), origin)


def _subgraph_target(text: str, graph: Graph, origin: Span) -> Target | None:
    if graph.key is None:
        return None
    end = graph.syntax.end if graph.syntax is not None else graph.key.end
    return Target(_inner(text, graph.key), Span(graph.key.start, end), origin)


def definition(analysis: Analysis, offset: int) -> Target | None:
    """The definition of the node id or subgraph named at ``offset``; None for standard
    library references (they have no place in the document) and for anything else."""
    text = analysis.text
    site = locate(analysis, offset)
    origin = inner_span(text, site.start, site.end)
    if site.kind == "id" and site.node is not None:
        return _node_target(text, site.node, origin)
    if site.kind == "input" and site.graph is not None:
        node = site.graph.by_id.get(site.text)
        return _node_target(text, node, origin) if node is not None else None
    if site.kind in ("subgraph", "reference"):
        graph = _user_graph(analysis, _site_graph(analysis, site))
        return _subgraph_target(text, graph, origin) if graph is not None else None
    return None


def _graph_uses(analysis: Analysis, site: Site) -> list[Occurrence] | None:
    """Every reference that names the same subgraph as ``site`` (by name, ``std:`` name or
    hash), with the user subgraph's key as the definition."""
    program = analysis.program
    graph = _site_graph(analysis, site)
    out: list[Occurrence] = []
    user = _user_graph(analysis, graph)
    if user is not None and user.key is not None:
        out.append(Occurrence(user.key.start, user.key.end, True))
    for node in program.all_nodes():
        if not _ref_ops(node) or type(node.value) is not str:
            continue
        same = (
            analysis.hasher.resolve(node.value) is graph
            if graph is not None
            else node.value == site.text
        )
        if same:
            s = node.value_span("value")
            if s is not None:
                out.append(Occurrence(s.start, s.end, False))
    out.sort(key=lambda o: o.start)
    return out


def occurrences(analysis: Analysis, offset: int) -> list[Occurrence] | None:
    """Every occurrence of the node id or subgraph named at ``offset`` (content spans), with
    definitions marked; None when the offset is on no name."""
    site = locate(analysis, offset)
    if site.kind in ("id", "input") and site.graph is not None:
        found = id_occurrences(site.graph, site.text)
    elif site.kind in ("subgraph", "reference"):
        found = _graph_uses(analysis, site) or []
    else:
        return None
    text = analysis.text
    out: dict[int, Occurrence] = {}  # (a node naming an id twice is listed twice as consumer)
    for o in found:
        s = inner_span(text, o.start, o.end)
        out.setdefault(s.start, Occurrence(s.start, s.end, o.definition))
    return sorted(out.values(), key=lambda o: o.start)


# --- rename -----------------------------------------------------------------------------------


class RenameError(Exception):
    """Why a rename is refused (a message for the user)."""


@dataclass(frozen=True)
class RenameTarget:
    kind: Literal["id", "subgraph"]
    name: str
    span: Span  # the name under the cursor, without quotes
    graph: Graph
    node: Node | None = None  # the renamed definition, for ids


_REFUSALS = {
    "op": "opcodes are fixed by the language and cannot be renamed",
    "capability": "capability names are fixed by the language and cannot be renamed",
    "domain": "a domain is a host name, not a name defined in this program",
    "value": "only node ids and subgraph names can be renamed",
    "node_key": "keys of a node are fixed by the language and cannot be renamed",
    "program_key": "top-level keys are fixed by the language and cannot be renamed",
}


def rename_target(analysis: Analysis, offset: int) -> RenameTarget:
    """The node id or subgraph name at ``offset`` that a rename would change; raises
    :class:`RenameError` with the reason when there is none."""
    site = locate(analysis, offset)
    span = inner_span(analysis.text, site.start, site.end)
    if site.kind == "id" and site.graph is not None and site.node is not None:
        return RenameTarget("id", site.text, span, site.graph, site.node)
    if site.kind == "input" and site.graph is not None:
        node = site.graph.by_id.get(site.text)
        if node is None:
            raise RenameError(f"`{site.text}` names no node in {site.graph.label}")
        return RenameTarget("id", site.text, span, site.graph, node)
    if site.kind == "subgraph":
        graph = analysis.program.subgraphs.get(site.text)
        if graph is not None and graph.key is not None and graph.key.start == site.start:
            return RenameTarget("subgraph", site.text, span, graph)
        raise RenameError(f"`{site.text}` is a duplicate subgraph key: rename the first one")
    if site.kind == "reference":
        graph = analysis.program.subgraphs.get(site.text)
        if graph is not None:
            return RenameTarget("subgraph", site.text, span, graph)
        if site.text.startswith(stdlib.STD_PREFIX):
            raise RenameError(f"`{site.text}` is in the standard library and cannot be renamed")
        if HASH_PATTERN.fullmatch(site.text):
            raise RenameError(
                "a content hash names a subgraph by its content: rename the subgraph's key"
            )
        raise RenameError(f"`{site.text}` names no subgraph of this program")
    raise RenameError(_REFUSALS.get(site.kind, "only node ids and subgraph names can be renamed"))


def rename_edits(analysis: Analysis, offset: int, new_name: str) -> list[TextEdit]:
    """The edits renaming the node id or subgraph name at ``offset`` to ``new_name``, every
    reference included; raises :class:`RenameError` when the rename is refused."""
    target = rename_target(analysis, offset)
    text = analysis.text
    if new_name == target.name:
        return []
    if target.kind == "id":
        graph, node = target.graph, target.node
        assert node is not None
        if not ID_PATTERN.fullmatch(new_name):
            raise RenameError(
                f"`{new_name}` is not a valid node id: ids match ^[A-Za-z_][A-Za-z0-9_.-]*$"
            )
        if new_name in graph.by_id:
            raise RenameError(f"`{new_name}` is already the id of a node in {graph.label}")
        spans = [node.id_span()]
        if graph.by_id.get(target.name) is node:  # inputs name the first definition only
            spans += [
                consumer.input_span(k)
                for consumer in _unique_nodes(graph.consumers.get(target.name, ()))
                for k, i in enumerate(consumer.inputs)
                if i == target.name
            ]
        new_text = new_name
    else:
        if not new_name:
            raise RenameError("a subgraph name cannot be empty")
        if new_name in analysis.program.subgraphs:
            raise RenameError(f"there is already a subgraph named `{new_name}`")
        if new_name.startswith(stdlib.STD_PREFIX):
            raise RenameError(f"`{new_name}` would be read as a standard library reference")
        if HASH_PATTERN.fullmatch(new_name):
            raise RenameError(f"`{new_name[:12]}…` would be read as a content hash")
        spans = [Span(o.start, o.end) for o in subgraph_occurrences(analysis, target.name)]
        new_text = json.dumps(new_name, ensure_ascii=False)[1:-1]
    edits: dict[int, TextEdit] = {}
    for span in spans:
        inner = _inner(text, span)
        edits[inner.start] = TextEdit(inner.start, inner.end, new_text)
    return sorted(edits.values(), key=lambda e: e.start)


def _unique_nodes(nodes: Sequence[Node]) -> list[Node]:
    seen: set[int] = set()
    out = []
    for n in nodes:
        if id(n) not in seen:
            seen.add(id(n))
            out.append(n)
    return out


# --- symbols ----------------------------------------------------------------------------------


@dataclass
class Symbol:
    """One entry of a program's outline: a node (``op`` set) or a subgraph (``children``)."""

    name: str
    detail: str
    kind: Literal["node", "subgraph"]
    span: Span  # the node object, or the subgraph's member
    selection: Span  # the id or the key, without quotes
    op: str | None = None
    graph: str | None = None  # the subgraph a node belongs to
    children: list[Symbol] = field(default_factory=list)


def _node_symbol(text: str, node: Node) -> Symbol:
    if node.id is not None and node.id != "":
        name = node.id
        sel = _inner(text, node.id_span())
    else:
        name = f"node #{node.index + 1}"
        sel = node.open_span()
    return Symbol(
        name,
        node.op if node.op is not None else "?",
        "node",
        Span(node.syntax.start, node.syntax.end),
        sel,
        node.op,
        node.graph.name,
    )


def document_symbols(program: Program) -> list[Symbol]:
    """The main graph's nodes, then each subgraph with its nodes, in document order."""
    text = program.parse.text
    out = [_node_symbol(text, n) for n in program.main.nodes]
    for name, graph in program.subgraphs.items():
        if graph.key is None:
            continue
        end = graph.syntax.end if graph.syntax is not None else graph.key.end
        out.append(
            Symbol(
                name or '""',
                subgraph_signature("", graph) if graph.nodes else "",
                "subgraph",
                Span(graph.key.start, end),
                _inner(text, graph.key),
                children=[_node_symbol(text, n) for n in graph.nodes],
            )
        )
    return out


def symbol_match(query: str, name: str) -> int | None:
    """How well ``name`` matches a workspace-symbol query, case-insensitively: 0 exact, 1
    prefix, 2 substring, 3 subsequence; None when it does not match."""
    q, n = query.lower(), name.lower()
    if not q:
        return 3
    if n == q:
        return 0
    if n.startswith(q):
        return 1
    if q in n:
        return 2
    it = iter(n)
    return 3 if all(c in it for c in q) else None


# --- folding and selection --------------------------------------------------------------------


@dataclass(frozen=True)
class Fold:
    start_line: int
    end_line: int
    collapsed: str | None = None


def _children(node: JNode) -> Iterator[JNode]:
    if isinstance(node, JObject):
        for m in node.members:
            if m.value is not None:
                yield m.value
    elif isinstance(node, JArray):
        yield from node.items


def _collapsed(node: JNode, labels: dict[int, str]) -> str | None:
    if id(node) in labels:
        return labels[id(node)]
    if isinstance(node, JArray):
        return f"[{_plural(len(node.items), 'item')}]"
    if isinstance(node, JObject):
        value = node.value
        if isinstance(value.get("id"), str) and isinstance(value.get("op"), str):
            inputs = value.get("inputs")
            args = ""
            if isinstance(inputs, list):
                args = "(" + ", ".join(str(i) for i in inputs) + ")"
            return f"{{{value['id']} = {value['op']}{args}}}"
        return f"{{{_plural(len(value), 'key')}}}"
    return None


def _fold_labels(program: Program) -> dict[int, str]:
    """Collapsed texts of the program's structures: nodes arrays, subgraphs."""
    labels: dict[int, str] = {}
    for graph in program.graphs:
        if graph.array is not None:
            labels[id(graph.array)] = f"[{_plural(len(graph.array.items), 'node')}]"
        if graph.syntax is not None and graph.name is not None:
            labels[id(graph.syntax)] = "{" + subgraph_signature(graph.name, graph) + "}"
    member = program.member("subgraphs")
    if member is not None and isinstance(member.value, JObject):
        labels[id(member.value)] = f"{{{_plural(len(member.value.members), 'subgraph')}}}"
    return labels


def folds(analysis: Analysis) -> list[Fold]:
    """Every object and array spanning several lines (the root, the nodes arrays, the
    subgraphs, expanded nodes and long values), one per start line (the outermost), each ending
    on the line before its closing bracket when that bracket starts its line."""
    root = analysis.program.root
    if root is None:
        return []
    lines: LineIndex = analysis.lines
    text = analysis.text
    labels = _fold_labels(analysis.program)
    by_line: dict[int, Fold] = {}
    stack: list[JNode] = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, (JObject, JArray)):
            continue
        first = lines.line_of(node.start)
        last = lines.line_of(max(node.start, node.end - 1))
        if last <= first:
            continue  # on one line: so is everything inside it
        close = node.end - 1
        if text[close : close + 1] in ("}", "]"):
            before = text[lines.line_starts[last] : close]
            if not before.strip():
                last -= 1
        if last > first and first not in by_line:
            by_line[first] = Fold(first, last, _collapsed(node, labels))
        stack.extend(reversed(list(_children(node))))
    return sorted(by_line.values(), key=lambda f: (f.start_line, -f.end_line))


def selection_spans(analysis: Analysis, offset: int) -> list[Span]:
    """Ever larger spans around ``offset``, innermost first: the string's content, the token,
    the member (``"key": value``), the value it is in, ... the node object, the nodes array,
    the subgraph, the program object, and the whole document."""
    chain: list[Span] = [Span(0, len(analysis.text))]
    node: JNode | None = analysis.program.root
    text = analysis.text
    while node is not None and node.start <= offset <= node.end:
        chain.append(Span(node.start, node.end))
        nxt: JNode | None = None
        if isinstance(node, JObject):
            for m in node.members:
                end = m.value.end if m.value is not None else m.key.end
                if not m.key.start <= offset <= end:
                    continue
                chain.append(Span(m.key.start, end))
                if offset <= m.key.end:
                    chain.append(Span(m.key.start, m.key.end))
                    chain.append(_inner(text, m.key))
                else:
                    nxt = m.value
                break
        elif isinstance(node, JArray):
            for item in node.items:
                if item.start <= offset <= item.end:
                    nxt = item
                    break
        elif isinstance(node, JString):
            chain.append(_inner(text, node))
        node = nxt
    out: list[Span] = []
    for span in reversed(chain):
        if span.start <= offset <= span.end and (
            not out or (span.start <= out[-1].start and out[-1].end <= span.end and span != out[-1])
        ):
            out.append(span)
    return out
