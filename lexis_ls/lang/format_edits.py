"""Formatting as text edits: the whole document (one edit, from :func:`format.format_text`) or
the nodes a range touches (one minimal edit per node, from :func:`format.format_node`).

Both refuse, with the formatter's reason and no edit, when the text is not valid JSON or has a
duplicate key: either would lose data.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from .analysis import Analysis
from .diagnostics import TextEdit
from .format import FormatError, format_node, format_text, load_preserving
from .model import Graph, Node

__all__ = ["FormatEdits", "document_edits", "indentation", "node_edits", "nodes_touching"]


@dataclass(frozen=True)
class FormatEdits:
    edits: list[TextEdit] = field(default_factory=list)
    reason: str | None = None  # why formatting was refused (then there are no edits)


def document_edits(text: str) -> FormatEdits:
    """One edit replacing the whole text with its canonical layout; none when it is already
    canonical or when formatting is refused."""
    result = format_text(text)
    if result.text is None:
        return FormatEdits([], result.reason)
    if result.text == text:
        return FormatEdits()
    return FormatEdits([TextEdit(0, len(text), result.text)])


def nodes_touching(graph: Graph, start: int, end: int) -> list[Node]:
    """The nodes of ``graph`` whose object overlaps ``[start, end]``, in document order."""
    nodes = graph.nodes
    k = bisect_left(nodes, start, key=lambda n: n.syntax.end)
    out: list[Node] = []
    for node in nodes[k:]:
        if node.syntax.start > end:
            break
        out.append(node)
    return out


def indentation(text: str, offset: int) -> int:
    """The indentation (leading blanks) of the line holding ``offset``."""
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    i = line_start
    while i < offset and text[i] in " \t":
        i += 1
    return i - line_start


def _minimal(start: int, old: str, new: str) -> TextEdit:
    """The edit turning ``old`` (at ``start``) into ``new``, without their common ends."""
    n = min(len(old), len(new))
    p = 0
    while p < n and old[p] == new[p]:
        p += 1
    q = 0
    while q < n - p and old[len(old) - 1 - q] == new[len(new) - 1 - q]:
        q += 1
    return TextEdit(start + p, start + len(old) - q, new[p : len(new) - q])


def node_edits(analysis: Analysis, start: int, end: int) -> FormatEdits:
    """Each node object touching ``[start, end]`` in its canonical layout at its line's
    indentation: one minimal edit per node that changes, sorted by position."""
    text = analysis.text
    try:
        load_preserving(text)
    except FormatError as error:
        return FormatEdits([], error.reason)
    edits: list[TextEdit] = []
    for graph in analysis.program.graphs:
        for node in nodes_touching(graph, start, end):
            s, e = node.syntax.start, node.syntax.end
            old = text[s:e]
            new = format_node(load_preserving(old), indentation(text, s))
            if new != old:
                edits.append(_minimal(s, old, new))
    edits.sort(key=lambda edit: edit.start)
    return FormatEdits(edits)
