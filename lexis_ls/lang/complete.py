"""Completion and signature help as plain data: where the cursor is, and what to offer there.

The place is read from the text around the cursor, not from the syntax tree, so that it works in
half-typed, currently invalid JSON (``{"id": "x", "op": "ad`` at the end of the file,
``"inputs": ["a", ``): a small tokenizer walks from the start of the last node the parser
found before the cursor (or from the top of the document) to the cursor, keeping the stack of
open objects and arrays with the key each one belongs to, then on past the cursor to the end of
the enclosing node to learn the keys and values written after it; whole valid objects on the
way are read in one go by the C JSON scanner. The analysis gives only the candidates: the ids of
the graph, its consumers (for the cycle exclusion), the subgraphs.

Offsets are code points, as everywhere in the core; candidates carry the range they replace.
"""

from __future__ import annotations

import itertools
import json
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .analysis import Analysis
from .diagnostics import TextEdit
from .hashing import std_graph
from .locate import per_analysis
from .model import (
    MISSING,
    NODE_KEYS,
    PROGRAM_KEYS,
    SPEC_VERSION,
    SUBGRAPH_KEYS,
    Graph,
    Node,
    dependents,
    reads_earlier_only,
)
from .opcodes import (
    CAPABILITIES,
    OPCODES,
    SUBGRAPH_ARITY,
    TIER_NAMES,
    Opcode,
    ValueRule,
    ops_needing,
)
from .outline import subgraph_signature
from .stdlib import STD_PREFIX, entries
from .syntax import JObject

__all__ = [
    "Candidate",
    "Completions",
    "Context",
    "Signature",
    "completion_context",
    "completions",
    "signature_help",
]

# --- the tokenizer --------------------------------------------------------------------------

# A string runs to its closing quote or, unterminated, to the end of its line (as the parser
# reads it); punctuation; any other run of characters is a word (numbers, true, bare names).
_TOKEN = re.compile(
    r'"(?:[^"\\\r\n]|\\[^\r\n])*(?:(?P<close>")|\\)?|(?P<punct>[{}\[\]:,])|[^\s{}\[\]:,"]+'
)
_NAME_RUN = re.compile(r'[^\s",:{}\[\]]*')
_SPACE = re.compile(r"[ \t\r\n]*")
# How many tokens past the cursor are read to learn the rest of the enclosing node.
_LOOKAHEAD = 5000


class _Tok:
    __slots__ = ("closed", "end", "kind", "start", "text")

    def __init__(self, kind: str, start: int, end: int, text: str, closed: bool = True) -> None:
        self.kind = kind  # "string", "word" or "punct"
        self.start = start
        self.end = end
        self.text = text  # the punctuation character, the word, or the string's raw content
        self.closed = closed

    def value(self) -> str:
        """The decoded value of a string (best effort for broken escapes), or the word."""
        if self.kind != "string" or "\\" not in self.text:
            return self.text
        try:
            decoded = json.loads('"' + self.text + '"', strict=False)
        except ValueError:
            return self.text
        return decoded if isinstance(decoded, str) else self.text


class _Lexer:
    """The tokens of ``text`` from ``pos`` on; ``pos`` may be moved forward to skip text."""

    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos

    def __iter__(self) -> Iterator[_Tok]:
        return self

    def __next__(self) -> _Tok:
        text = self.text
        m = _TOKEN.search(text, self.pos)
        if m is None:
            raise StopIteration
        s, e = m.span()
        self.pos = e
        punct = m.group("punct")
        if punct:
            return _Tok("punct", s, e, punct)
        if text[s] == '"':
            closed = m.group("close") is not None
            return _Tok("string", s, e, text[s + 1 : e - 1 if closed else e], closed)
        return _Tok("word", s, e, m.group())


_DECODER = json.JSONDecoder()


# --- the stack of open containers -----------------------------------------------------------

_CURSOR = "\x00cursor"  # stands for the token being typed: neither a present key nor an item

State = Literal["key", "colon", "value", "after", "item"]


@dataclass(eq=False)
class _Frame:
    kind: Literal["object", "array"]
    start: int
    owner: str | None  # the key whose value this container is (None for an array item or root)
    state: State  # object: key/colon/value/after; array: item/after
    key: str | None = None  # object: the key of the member being read
    index: int = 0  # array: the index of the item being read (the commas seen so far)
    last_end: int = 0  # the end of the last complete member or item
    # key -> its string value; the root and subgraph objects start with the analysis's keys
    members: dict[str, str | None] = field(default_factory=dict)
    items: list[str | None] = field(default_factory=list)  # string items (None for others)
    lengths: dict[str, int] = field(default_factory=dict)  # key -> item count of its array value


@dataclass(frozen=True)
class _View:
    """A frame as it was at the cursor (members and items also hold what follows it)."""

    frame: _Frame
    state: State
    key: str | None
    index: int
    last_end: int

    @property
    def kind(self) -> str:
        return self.frame.kind

    @property
    def owner(self) -> str | None:
        return self.frame.owner


class _Stack:
    def __init__(self, prefill: dict[int, list[str]]) -> None:
        self.frames: list[_Frame] = []
        self.prefill = prefill
        self.prev_end = 0
        self.prev: _Tok | None = None

    @property
    def top(self) -> _Frame | None:
        return self.frames[-1] if self.frames else None

    def _close(self, end: int) -> None:
        frame = self.frames.pop()
        parent = self.top
        if parent is not None:
            if frame.kind == "array" and parent.kind == "object" and frame.owner is not None:
                parent.lengths[frame.owner] = len(frame.items)
            parent.state = "after"
            parent.last_end = end

    def feed(self, tok: _Tok, value: str | None) -> bool:
        """Read one token; True when it did not fit (the text is broken there)."""
        try:
            return self._feed(tok, value)
        finally:
            self.prev_end = tok.end
            self.prev = tok

    def _feed(self, tok: _Tok, value: str | None) -> bool:
        top = self.top
        if tok.kind == "punct":
            ch = tok.text
            if ch in "{[":
                return self._open(tok)
            if ch in "}]":
                return self._close_bracket(ch, tok.end)
            if top is None:
                return True
            if ch == ":":
                if top.kind == "object" and top.state == "colon":
                    top.state = "value"
                    return False
                prev = self.prev
                if prev is None or prev.kind != "string":
                    return True
                if top.kind == "array":
                    return self._key_in_array(prev)
                if top.state == "after" and prev.end == top.last_end:
                    # `"key" "next":` (a key typed before another without its colon): the
                    # string just read as a value was the next key
                    top.key = prev.value()
                    top.members.setdefault(top.key, None)
                    top.state = "value"
                    return False
                return True
            # a comma
            if top.kind == "object":
                top.state, top.key = "key", None
            else:
                top.index += 1
                top.state = "item"
            return False
        if top is None:
            return True
        if top.kind == "array":
            broken = top.state == "after"
            if broken:
                top.index += 1  # a missing comma
            top.items.append(value if tok.kind == "string" and value != _CURSOR else None)
            top.state, top.last_end = "after", tok.end
            return broken
        if top.state in ("key", "after"):
            broken = top.state == "after"  # a missing comma: read it as the next key
            if value == _CURSOR or value is None:
                top.key = None
            else:
                top.key = value
                top.members.setdefault(value, None)
            top.state = "colon"
            return broken
        # a value (or, after a key without its colon, read as its value)
        if top.key is not None:
            top.members[top.key] = value if tok.kind == "string" and value != _CURSOR else None
        top.state, top.last_end = "after", tok.end
        return False

    def _key_in_array(self, key: _Tok) -> bool:
        """``"key":`` inside an array: the array was left unterminated, and the string is the
        next key of the object around it (``"capabilities": ["A",`` + ``"nodes": [``)."""
        if not any(f.kind == "object" for f in self.frames):
            return True
        top = self.frames[-1]
        if top.items:
            top.items.pop()
        while self.frames[-1].kind == "array":
            self._close(self.prev_end)
        obj = self.frames[-1]
        name = key.value()
        obj.key = name
        obj.members.setdefault(name, None)
        obj.state = "value"
        return True

    def _open(self, tok: _Tok) -> bool:
        broken = False
        top = self.top
        if top is not None and top.kind == "object" and top.state != "value":
            # A container where a key belongs: the objects before it were left unterminated
            # (a node typed above the next one without its closing brace).
            broken = True
            while (
                len(self.frames) > 1
                and self.frames[-1].kind == "object"
                and self.frames[-1].state != "value"
            ):
                self._close(self.prev_end)
            top = self.top
        owner = None
        if top is not None and top.kind == "object":
            owner = top.key
            if owner is not None:
                top.members[owner] = None
        elif top is not None:
            if top.state == "after":
                broken = True
                top.index += 1
            top.items.append(None)
            top.state = "item"
        kind: Literal["object", "array"] = "object" if tok.text == "{" else "array"
        frame = _Frame(kind, tok.start, owner, "key" if kind == "object" else "item")
        keys = self.prefill.get(tok.start)
        if keys is not None and kind == "object":
            frame.members = dict.fromkeys(keys)
        self.frames.append(frame)
        return broken

    def _close_bracket(self, ch: str, end: int) -> bool:
        want = "object" if ch == "}" else "array"
        if not self.frames:
            return True
        if self.frames[-1].kind == want:
            self._close(end)
            return False
        if not any(f.kind == want for f in self.frames):
            return True  # a stray bracket: ignore it
        while self.frames and self.frames[-1].kind != want:
            self._close(self.prev_end)
        if self.frames:
            self._close(end)
        return True


@dataclass(frozen=True)
class _Scan:
    path: tuple[_View, ...]  # root first
    token: _Tok | None  # the string or word the cursor is in
    next_tok: _Tok | None  # the first token after the cursor (when not in a token)


def _prefill(analysis: Analysis) -> dict[int, list[str]]:
    """The keys of the root and of each subgraph object, by their start offsets."""
    program = analysis.program
    out: dict[int, list[str]] = {}
    if program.root is not None:
        out[program.root.start] = [m.key.value for m in program.root.members]
    for graph in program.subgraphs.values():
        if graph.syntax is not None:
            out[graph.syntax.start] = [m.key.value for m in graph.syntax.members]
    return out


def _node_start(node: Node) -> int:
    return node.syntax.start


def _restart(analysis: Analysis, offset: int, stack: _Stack) -> int:
    """Where to start reading: the start of the last node that begins before the cursor, with
    the stack of its containers as the parser saw them (so the text before it, however long or
    broken, is not read again); 0 (the top) when there is none."""
    program = analysis.program
    root = program.root
    text = analysis.text
    if root is None:
        return 0
    limit = offset
    best = None
    for graph in program.graphs:
        if graph.array is None or graph.array.start >= limit or not graph.nodes:
            continue
        # nodes are in text order: a binary search, not a pass over a 50k-node array
        k = bisect_left(graph.nodes, limit, key=_node_start) - 1
        if k >= 0 and (best is None or graph.nodes[k].syntax.start > best.syntax.start):
            best = graph.nodes[k]
    if best is None or text[best.syntax.start : best.syntax.start + 1] != "{":
        return 0
    graph = best.graph
    assert graph.array is not None
    frames = stack.frames
    root_frame = _Frame("object", root.start, None, "value")
    root_frame.members = dict.fromkeys(m.key.value for m in root.members)
    frames.append(root_frame)
    if graph.name is None:
        root_frame.key = "nodes"
    else:
        sg = root.get("subgraphs")
        if sg is None or not isinstance(sg.value, JObject) or graph.syntax is None:
            frames.clear()
            return 0
        root_frame.key = "subgraphs"
        frames.append(_Frame("object", sg.value.start, "subgraphs", "value", key=graph.name))
        body = _Frame("object", graph.syntax.start, graph.name, "value", key="nodes")
        body.members = dict.fromkeys(m.key.value for m in graph.syntax.members)
        frames.append(body)
    frames.append(_Frame("array", graph.array.start, "nodes", "item", index=best.index))
    return best.syntax.start


def _scan(analysis: Analysis, offset: int) -> _Scan:
    text = analysis.text
    stack = _Stack(_prefill(analysis))
    lexer = _Lexer(text, _restart(analysis, offset, stack))
    token: _Tok | None = None
    next_tok: _Tok | None = None
    for tok in lexer:
        if tok.start >= offset:
            next_tok = tok
            break
        if tok.kind != "punct" and offset <= (tok.end - 1 if tok.closed else tok.end):
            token = tok
            break
        if tok.text == "{" and _skip(text, tok, stack, lexer, offset):
            continue  # a whole valid object before the cursor (a previous node), read in C
        stack.feed(tok, tok.value() if tok.kind == "string" else tok.text)
    path = tuple(_View(f, f.state, f.key, f.index, f.last_end) for f in stack.frames)
    # Read on to the end of the enclosing node (or container) to learn what follows the cursor;
    # containers that open after the cursor are read in C (only their presence matters).
    target = _target(path)
    if target is not None:
        pending = [t for t in (token, next_tok) if t is not None]
        budget = _LOOKAHEAD
        for tok in _chain(pending, lexer):
            budget -= 1
            if budget < 0 or target not in stack.frames:
                break
            if tok.text in ("{", "[") and _skip(text, tok, stack, lexer, len(text)):
                continue
            value = _CURSOR if tok is token else tok.value() if tok.kind == "string" else tok.text
            if stack.feed(tok, value):
                break
    return _Scan(path, token, next_tok)


def _skip(text: str, tok: _Tok, stack: _Stack, lexer: _Lexer, limit: int) -> bool:
    """Read the container opening at ``tok`` in one go when it is valid JSON ending by
    ``limit``, and is an item or a member's value (not a key left without its brace)."""
    top = stack.top
    if tok.kind != "punct" or top is None or (top.kind == "object" and top.state != "value"):
        return False
    try:
        value, end = _DECODER.raw_decode(text, tok.start)
    except (ValueError, RecursionError):
        return False
    if end > limit:
        return False
    stack.feed(tok, None)
    stack.feed(_Tok("punct", end - 1, end, "}" if tok.text == "{" else "]"), None)
    parent = stack.top
    if isinstance(value, list) and parent is not None and parent.kind == "object" and parent.key:
        parent.lengths[parent.key] = len(value)
    lexer.pos = end
    return True


def _chain(first: list[_Tok], rest: Iterator[_Tok]) -> Iterator[_Tok]:
    yield from first
    yield from rest


def _roles(path: tuple[_View, ...]) -> list[str]:
    roles: list[str] = []
    for k, view in enumerate(path):
        parent = roles[k - 1] if k else None
        role = "other"
        if k == 0:
            role = "root" if view.kind == "object" else "other"
        elif view.kind == "object":
            if parent == "root" and view.owner == "subgraphs":
                role = "subgraphs"
            elif parent == "subgraphs":
                role = "body"
            elif parent == "nodes":
                role = "node"
        elif parent in ("root", "body") and view.owner == "nodes":
            role = "nodes"
        elif parent == "node" and view.owner == "inputs":
            role = "inputs"
        elif parent == "root" and view.owner == "capabilities":
            role = "capabilities"
        roles.append(role)
    return roles


def _target(path: tuple[_View, ...]) -> _Frame | None:
    """The frame to read to its end after the cursor: the enclosing node, else the innermost
    container."""
    if not path:
        return None
    roles = _roles(path)
    for view, role in zip(reversed(path), reversed(roles)):
        if role == "node":
            return view.frame
    return path[-1].frame


# --- the context ----------------------------------------------------------------------------

ContextKind = Literal[
    "op",  # the op of a node
    "input",  # an item of a node's inputs
    "capability",  # an item of `capabilities`
    "reference",  # the value of a node whose op takes a subgraph reference
    "spec",  # the value of `spec`
    "node_key",  # a key of a node
    "program_key",  # a top-level key
    "subgraph_key",  # a key of a subgraph object
    "node_item",  # a new node in a nodes array
    "none",
]


@dataclass(frozen=True)
class Context:
    kind: ContextKind
    offset: int
    start: int = 0  # the range every candidate replaces
    end: int = 0
    prefix: str = ""  # what is typed of the name before the cursor
    quoted: bool = False  # the replaced range starts with a quote
    before: str = ""  # to insert before the candidate
    after: str = ""  # to insert after it (a comma when an item or member follows)
    comma_at: int | None = None  # where a missing comma goes before the candidate
    colon_follows: bool = False  # (keys) the replaced key is already followed by ':'
    present: frozenset[str] = frozenset()  # keys of the object / items of the array
    graph: str | None = None  # the subgraph holding the node (None: the main graph)
    node_start: int | None = None  # the start of the enclosing node object
    node_id: str | None = None
    node_op: str | None = None
    node_value: str | None = None  # the node's value when it is a string
    node_keys: frozenset[str] = frozenset()
    node_inputs: int | None = None  # how many inputs the node's `inputs` array holds


_KEY_CONTEXTS: dict[str, ContextKind] = {
    "root": "program_key",
    "body": "subgraph_key",
    "node": "node_key",
}


_ARRAY_CONTEXTS: dict[str, ContextKind] = {"inputs": "input", "capabilities": "capability"}


def _next_char(text: str, pos: int) -> str:
    m = _SPACE.match(text, pos)
    end = m.end() if m else pos
    return text[end : end + 1]


def _separator(text: str, pos: int, starts: str) -> str:
    """The comma to put after an insertion at ``pos`` when one of ``starts`` follows (with a
    space when it follows on the same line)."""
    m = _SPACE.match(text, pos)
    end = m.end() if m else pos
    if text[end : end + 1] not in tuple(starts):
        return ""
    return "," if "\n" in text[pos:end] or "\r" in text[pos:end] else ", "


def completion_context(analysis: Analysis, offset: int) -> Context:
    text = analysis.text
    offset = max(0, min(offset, len(text)))
    scan = _scan(analysis, offset)
    if not scan.path:
        return Context("none", offset)
    roles = _roles(scan.path)
    inner, role = scan.path[-1], roles[-1]
    tok = scan.token
    node_view = next((v for v, r in zip(reversed(scan.path), reversed(roles)) if r == "node"), None)
    members = node_view.frame.members if node_view is not None else {}

    # What the candidates replace, and what goes around them.
    before = after = ""
    if tok is not None:
        start = tok.start
        quoted = tok.kind == "string"
        prefix = text[start + 1 if quoted else start : offset]
        rest = text[offset : tok.end - 1] if quoted and tok.closed else ""
        if quoted and tok.closed and _NAME_RUN.fullmatch(rest):
            end = tok.end
        else:
            # unterminated (or holding text that is not a name): replace up to the end of the
            # name being typed, keep what follows
            m = _NAME_RUN.match(text, offset)
            end = m.end() if m else offset
    else:
        nxt = scan.next_tok
        if nxt is not None and nxt.start == offset and nxt.kind != "punct":
            return Context("none", offset)  # right before a token: nothing can go in between
        start = end = offset
        prefix = ""
        quoted = False
        before = " " if text[offset - 1 : offset] in (":", ",") else ""
        after = _separator(text, offset, '"{[')
    comma_at = inner.last_end if inner.state == "after" else None
    if comma_at is not None and tok is None and comma_at >= offset:
        return Context("none", offset)  # right after a value (a closing quote just typed)
    base = Context(
        "none",
        offset,
        start=start,
        end=end,
        prefix=prefix,
        quoted=quoted,
        before=before,
        after=after,
        graph=next((v.owner for v, r in zip(scan.path, roles) if r == "body"), None),
        node_start=node_view.frame.start if node_view is not None else None,
        node_id=members.get("id"),
        node_op=members.get("op"),
        node_value=members.get("value"),
        node_keys=frozenset(members),
        node_inputs=node_view.frame.lengths.get("inputs") if node_view is not None else None,
    )

    if inner.kind == "object" and inner.state in ("key", "after") and role in _KEY_CONTEXTS:
        present = frozenset(inner.frame.members)
        if tok is not None:
            present -= {tok.value()}  # the key being typed (known from the analysis)
        colon = tok is not None and _next_char(text, end) == ":"
        return replace(
            base,
            kind=_KEY_CONTEXTS[role],
            after="" if colon else _separator(text, end, '"'),
            comma_at=comma_at,
            colon_follows=colon,
            present=present,
        )
    if inner.kind == "object" and inner.state == "value":
        key = inner.key
        if role == "node" and key == "op":
            return replace(base, kind="op")
        info = OPCODES.get(base.node_op or "")
        if role == "node" and key == "value" and info and info.value is ValueRule.SUBGRAPH_REF:
            return replace(base, kind="reference")
        if role == "root" and key == "spec":
            return replace(base, kind="spec")
        return Context("none", offset)
    if inner.kind == "array" and inner.state in ("item", "after"):
        present = frozenset(i for i in inner.frame.items if i is not None)
        kind = _ARRAY_CONTEXTS.get(role)
        if kind is not None:
            return replace(base, kind=kind, comma_at=comma_at, present=present)
        if role == "nodes" and tok is None:
            return replace(base, kind="node_item", comma_at=comma_at)
    return Context("none", offset)


# --- candidates -----------------------------------------------------------------------------

CandidateKind = Literal["op", "op_snippet", "id", "capability", "reference", "key", "node", "value"]


@dataclass(frozen=True)
class Candidate:
    label: str
    kind: CandidateKind
    detail: str
    documentation: str  # markdown
    new_text: str  # replaces [start, end)
    start: int
    end: int
    filter_text: str
    snippet: bool = False  # new_text is a snippet ($1, ${2:x}; literal $ } \ escaped)
    extra: tuple[TextEdit, ...] = ()  # e.g. the missing comma before the candidate
    order: tuple[int, ...] = ()  # best first
    sort_text: str = ""  # the rank in the list, for clients that sort by it


@dataclass(frozen=True)
class Completions:
    context: Context
    items: list[Candidate]
    incomplete: bool = False  # capped: ask again as more is typed


def _group(name: str, prefix: str) -> int:
    """Names starting with what is typed first, then names containing it, then the rest."""
    if not prefix:
        return 0
    low, p = name.lower(), prefix.lower()
    return 0 if low.startswith(p) else 1 if p in low else 2


class _Maker:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        extra: tuple[TextEdit, ...] = ()
        if ctx.comma_at is not None:
            extra = (TextEdit(ctx.comma_at, ctx.comma_at, ","),)
        self.extra = extra

    def __call__(
        self,
        label: str,
        kind: CandidateKind,
        detail: str,
        documentation: str,
        body: str,
        sort: tuple[int, ...],
        snippet: bool = False,
        name: str | None = None,
        complete: bool = True,
    ) -> Candidate:
        ctx = self.ctx
        # a comma for what follows, unless the user still types a value here (without a
        # snippet the cursor would land after that comma)
        after = ctx.after if complete else ""
        after = _snippet_escape(after) if snippet else after
        before = _snippet_escape(ctx.before) if snippet else ctx.before
        return Candidate(
            label=label,
            kind=kind,
            detail=detail,
            documentation=documentation,
            new_text=before + body + after,
            start=ctx.start,
            end=ctx.end,
            filter_text=_quote(name or label) if ctx.quoted else (name or label),
            order=sort,
            snippet=snippet,
            extra=self.extra,
        )


def _snippet_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _quote(name: str) -> str:
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        return f'"{name}"'  # what json.dumps writes for it, without its call
    return json.dumps(name, ensure_ascii=False)


def completions(
    analysis: Analysis,
    offset: int,
    snippets: bool = True,
    values: dict[str, str] | None = None,
) -> Completions:
    """What to offer at ``offset``, best first. ``snippets``: the client takes snippets (else
    only plain text is offered); ``values``: the main graph's values from the last run."""
    ctx = completion_context(analysis, offset)
    make = _Maker(ctx)
    out: list[Candidate]
    incomplete = False
    if ctx.kind == "op":
        out = _ops(ctx, make, snippets)
    elif ctx.kind == "input":
        out, incomplete = _inputs(analysis, ctx, make, values)
    elif ctx.kind == "capability":
        out = _capabilities(ctx, make)
    elif ctx.kind == "reference":
        out = _references(analysis, ctx, make)
    elif ctx.kind in ("node_key", "program_key", "subgraph_key"):
        out = _keys(ctx, make, snippets)
    elif ctx.kind == "node_item":
        out = _node_item(make, snippets)
    elif ctx.kind == "spec":
        doc = "The language version this program is written in."
        out = [make(SPEC_VERSION, "value", "Lexis 0.1.0", doc, _quote(SPEC_VERSION), (0,))]
    else:
        out = []
    out.sort(key=lambda c: c.order)
    width = len(str(len(out)))
    for k, c in enumerate(out):
        # the rank is only known once sorted; set here, on candidates made above, then frozen
        object.__setattr__(c, "sort_text", f"{k:0{width}d}")
    return Completions(ctx, out, incomplete)


def op_detail(op: Opcode) -> str:
    return (
        f"tier {op.tier} · {op.category.replace('_', ' ')} · {op.arity.phrase()} · {op.capability}"
    )


_OP_TEXTS: dict[str, tuple[str, str]] = {}


def _op_texts(op: Opcode) -> tuple[str, str]:
    """The detail line and documentation of an op (the registry never changes: made once)."""
    texts = _OP_TEXTS.get(op.name)
    if texts is None:
        texts = _OP_TEXTS[op.name] = (op_detail(op), op.documentation())
    return texts


def _placeholders(op: Opcode) -> int:
    n = op.arity.min
    if n == 0 and op.arity.max != 0:
        n = 2 if op.arity.parity == "even" else 1
    return n


def arity_fit(op: Opcode, inputs: int | None) -> int:
    """How well ``op`` takes a node's ``inputs`` inputs: 0 exactly that many (or the node has
    none yet: no preference), 1 among others (a range, variadic), 2 not at all."""
    if not inputs:
        return 0
    if not op.arity.accepts(inputs):
        return 2
    return 0 if op.arity.fixed else 1


def _ops(ctx: Context, make: _Maker, snippets: bool) -> list[Candidate]:
    """Every op; among those matching what is typed, first the ops that take as many inputs as
    the node has (``add`` for two), then those that accept that many, then the rest."""
    out: list[Candidate] = []
    with_inputs = snippets and "inputs" not in ctx.node_keys
    n = ctx.node_inputs
    for rank, op in enumerate(OPCODES.values()):
        group = _group(op.name, ctx.prefix)
        detail, doc = _op_texts(op)
        fit = arity_fit(op, n)
        if fit == 2:
            detail += f" · this node has {n} input{'s' if n != 1 else ''}"
        out.append(make(op.name, "op", detail, doc, _quote(op.name), (group, fit, rank, 0)))
        if with_inputs and op.arity.max != 0:
            holes = ", ".join(f'"${{{k + 1}}}"' for k in range(_placeholders(op)))
            body = f'"{op.name}", "inputs": [{holes}]'
            out.append(
                make(
                    op.signature(),
                    "op_snippet",
                    f"{detail} · with its inputs",
                    doc,
                    body,
                    (group, fit, rank, 1),
                    snippet=True,
                    name=op.name,
                )
            )
    return out


def _graph(analysis: Analysis, name: str | None) -> Graph | None:
    program = analysis.program
    return program.main if name is None else program.subgraphs.get(name)


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Beyond this many ids, only those matching what is typed, the nearest first, this many at
# most, and the list says it is incomplete (the client asks again as more is typed): building
# and sending every id of a 50k-node program on each keystroke costs more than it shows.
MAX_IDS = 100


class _IdIndex:
    """The ids of one graph (first definitions, in text order) with their start offsets and
    lower-case forms, built once per analysis, and the positions matching each prefix asked
    about (the same request comes again and again)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.nodes = list(graph.by_id.values())
        self.starts = [n.syntax.start for n in self.nodes]
        self.lows = [nid.lower() for nid in graph.by_id]
        self.matches: dict[str, tuple[list[int], list[int]]] = {}

    def matching(self, prefix: str) -> tuple[list[int], list[int]]:
        """The positions (in text order) of the ids starting with ``prefix`` and of those that
        contain it elsewhere (case-insensitive)."""
        found = self.matches.get(prefix)
        if found is None:
            p = prefix.lower()
            start = [k for k, low in enumerate(self.lows) if low.startswith(p)]
            contain = [k for k, low in enumerate(self.lows) if p in low and not low.startswith(p)]
            found = self.matches[prefix] = (start, contain)
        return found


class _LeftOut:
    """Whether completion leaves a node out: the node at the cursor and its dependents
    (offering one would close a cycle). When each node has an id of its own and reads only
    earlier nodes, none before the one at the cursor depends on it: its dependents are walked
    only if a node after it is looked at (the first completion at a node of a large program
    usually offers nearer ids, before it)."""

    def __init__(self, graph: Graph, node_id: str | None) -> None:
        self.graph = graph
        self.node_id = node_id
        self.before = 0  # the nodes before this index are not dependents
        if node_id is not None and node_id in graph.by_id and reads_earlier_only(graph):
            self.before = graph.by_id[node_id].index
        self._dependents: set[str] | None = None

    def all_dependents(self) -> set[str]:
        """The dependents of the cursor's node, walked on the first call (model.dependents)."""
        if self._dependents is None:
            self._dependents = (
                set() if self.node_id is None else dependents(self.graph, self.node_id)
            )
        return self._dependents

    def __call__(self, node: Node) -> bool:
        nid = node.id
        if nid is None or self.node_id is None:
            return False
        return nid == self.node_id or (node.index >= self.before and nid in self.all_dependents())

    def offered_at_least(self) -> int:
        """How many ids of the graph are not left out; a lower bound (the nodes before the
        one at the cursor) when that is more than MAX_IDS + 1 already."""
        if self.before > MAX_IDS + 1:
            return self.before
        graph, node_id = self.graph, self.node_id
        excluded = self.all_dependents()
        count = len(graph.by_id) - len(excluded)  # (every dependent is a node of the graph)
        if node_id is not None and node_id not in excluded and node_id in graph.by_id:
            count -= 1
        return count


# How many nodes around the cursor are looked at for the nearest ids matching what is typed,
# before an index of every id is built (when they are that rare).
_WALK = 2000


def _walk(
    graph: Graph, prefix: str, here: int, skip: Callable[[Node], bool]
) -> list[tuple[tuple[int, ...], Node]] | None:
    """The MAX_IDS nearest ids starting with ``prefix`` (every id when it is empty), found by
    walking out from ``here`` over at most _WALK nodes; None when that does not find them."""
    nodes, by_id = graph.nodes, graph.by_id
    p = prefix.lower()
    split = bisect_left(nodes, here, key=_node_start)
    out: list[tuple[tuple[int, ...], Node]] = []
    steps = 0
    for j in itertools.chain(range(split - 1, -1, -1), range(split, len(nodes))):
        if len(out) >= MAX_IDS:
            return out
        steps += 1
        if steps > _WALK:
            return None
        node = nodes[j]
        nid = node.id
        if nid is None or by_id.get(nid) is not node or skip(node):
            continue
        if p and not nid.lower().startswith(p):
            continue
        pos = node.syntax.start
        out.append(((0, 0, here - pos) if pos < here else (0, 1, pos), node))
    return out if len(out) >= MAX_IDS else None


def _nearest(
    index: _IdIndex,
    positions: Sequence[int],
    group: int,
    here: int,
    skip: Callable[[Node], bool],
    most: int,
) -> list[tuple[tuple[int, ...], Node]]:
    """At most ``most`` of the ids at ``positions`` (ascending), ranked as :func:`_inputs`
    ranks them: those before ``here`` nearest first, then those after it in text order."""
    starts, nodes = index.starts, index.nodes
    out: list[tuple[tuple[int, ...], Node]] = []
    split = bisect_left(positions, here, key=starts.__getitem__)
    for j in range(split - 1, -1, -1):
        if len(out) >= most:
            return out
        node = nodes[positions[j]]
        if not skip(node):
            out.append(((group, 0, here - starts[positions[j]]), node))
    for j in range(split, len(positions)):
        if len(out) >= most:
            return out
        node = nodes[positions[j]]
        if not skip(node):
            out.append(((group, 1, starts[positions[j]]), node))
    return out


def _inputs(
    analysis: Analysis, ctx: Context, make: _Maker, values: dict[str, str] | None
) -> tuple[list[Candidate], bool]:
    graph = _graph(analysis, ctx.graph)
    if graph is None:
        return [], False
    run = values if values is not None and not graph.is_subgraph else {}
    left_out = _LeftOut(graph, ctx.node_id)
    count = left_out.offered_at_least()
    here = ctx.node_start if ctx.node_start is not None else ctx.offset

    def skip(node: Node) -> bool:
        return node.syntax.start == ctx.node_start or left_out(node)

    ranked: list[tuple[tuple[int, ...], Node]]
    incomplete = count > MAX_IDS  # (one more may be the node at the cursor: checked below)
    if not incomplete or count == MAX_IDS + 1:
        ranked = []
        for nid, node in graph.by_id.items():
            if skip(node):
                continue
            pos = node.syntax.start
            near = (0, here - pos) if pos < here else (1, pos)
            ranked.append(((_group(nid, ctx.prefix), *near), node))
        incomplete = len(ranked) > MAX_IDS
        if incomplete:
            ranked = sorted((r for r in ranked if r[0][0] < 2), key=lambda r: r[0])[:MAX_IDS]
    else:
        # the nearest ids starting with what is typed, when there are enough of them around;
        # else from the index of every id
        walked = _walk(graph, ctx.prefix, here, skip)
        if walked is not None:
            ranked = walked
        else:
            index = per_analysis(analysis, ("ids", id(graph)), lambda: _IdIndex(graph))
            start, contain = index.matching(ctx.prefix)
            ranked = _nearest(index, start, 0, here, skip, MAX_IDS)
            if len(ranked) < MAX_IDS:
                ranked += _nearest(index, contain, 1, here, skip, MAX_IDS - len(ranked))
    out: list[Candidate] = []
    for order, node in ranked:
        nid = node.id or ""
        op = node.op or "?"
        lines = [f"`{nid}` = `{op}`" + (f" in {graph.label}" if graph.is_subgraph else "")]
        if node.value is not MISSING:
            lines.append(f"value: `{_short(node.value)}`")
        if nid in run:
            lines.append(f"last run: `{run[nid]}`")
        doc = node.raw.get("doc")
        if isinstance(doc, str) and doc:
            lines.append(doc)
        out.append(make(nid, "id", op, "\n\n".join(lines), _quote(nid), order))
    return out, incomplete


def _capabilities(ctx: Context, make: _Maker) -> list[Candidate]:
    out: list[Candidate] = []
    for rank, cap in enumerate(CAPABILITIES.values()):
        if cap.name in ctx.present:
            continue
        ops = ops_needing(cap.name)
        doc = f"**{cap.name}** (trust level {cap.trust}): {cap.summary}."
        if cap.name != "PURE_COMPUTE" and ops:
            doc += "\n\nNeeded by " + ", ".join(f"`{o}`" for o in ops) + "."
        out.append(
            make(
                cap.name,
                "capability",
                f"trust level {cap.trust}",
                doc,
                _quote(cap.name),
                (_group(cap.name, ctx.prefix), rank),
            )
        )
    return out


def input_port_names(graph: Graph) -> list[str]:
    """The ids of ``graph``'s input ports in port order, as hover's signature names them
    (:func:`.outline.subgraph_signature`): the parameter names of completion and signature
    help."""
    ports = sorted(graph.input_ports(), key=lambda n: n.value if type(n.value) is int else 1 << 30)
    return [n.id or "?" for n in ports]


def _references(analysis: Analysis, ctx: Context, make: _Maker) -> list[Candidate]:
    want = SUBGRAPH_ARITY.get(ctx.node_op or "")
    out: list[Candidate] = []

    def add(name: str, graph: Graph, source: int, rank: int, doc: str) -> None:
        arity = graph.arity()
        fits = want is None or arity == want
        # the signature hover shows: the input ports' ids as parameter names
        detail = (
            f"{subgraph_signature(name, graph)} · {arity} input port{'s' if arity != 1 else ''}"
        )
        if not fits:
            detail += f" (`{ctx.node_op}` needs {want})"
        sort = (0 if fits else 1, _group(name, ctx.prefix), source, rank)
        out.append(make(name, "reference", detail, doc, _quote(name), sort))

    for rank, (name, graph) in enumerate(analysis.program.subgraphs.items()):
        if name == ctx.graph:
            continue  # a subgraph never calls itself
        doc = ""
        if graph.syntax is not None:
            m = graph.syntax.get("doc")
            if m is not None and m.value is not None and isinstance(m.value.value, str):
                doc = m.value.value
        outputs = len(graph.output_ports())
        text = f"Subgraph `{name}` of this program: {graph.arity()} input port(s), {outputs} output port(s)."
        add(name, graph, 0, rank, text + (f"\n\n{doc}" if doc else ""))
    for rank, entry in enumerate(entries().values()):
        text = f"Standard library {entry.kind}.\n\n`{entry.definition}`"
        add(entry.ref, std_graph(entry.name), 1, rank, text)
    return out


KEY_DOCS: dict[str, str] = {
    "id": "The node's name, unique within its graph (`^[A-Za-z_][A-Za-z0-9_.-]*$`).",
    "op": "One of the 93 opcodes, lower case.",
    "inputs": "Ids of nodes of the same graph, positional: `inputs[0]` is the first argument.",
    "value": "Op-specific: the literal of `const`, a template, a port number, a subgraph reference…",
    "doc": "Free text shown on hover.",
    "spec": f'Required: the string `"{SPEC_VERSION}"`.',
    "name": "Free text metadata: the program's name.",
    "description": "Free text metadata: what the program does.",
    "capabilities": "Required: the capabilities the program's nodes may use (closed by default).",
    "allowed_domains": "Host names network ops may reach; missing or empty blocks every request.",
    "nodes": "The graph: a non-empty array of nodes.",
    "subgraphs": 'Functions: name -> `{"nodes": [...], "doc": "optional text"}`.',
}
_KEY_SNIPPETS = {
    "spec": f'"${{1:{SPEC_VERSION}}}"',
    "inputs": "[$1]",
    "capabilities": "[$1]",
    "allowed_domains": "[$1]",
    "nodes": "[$1]",
    "subgraphs": "{$1}",
    "value": "$1",
}
_KEY_PLAIN = {"spec": _quote(SPEC_VERSION)}


def _keys(ctx: Context, make: _Maker, snippets: bool) -> list[Candidate]:
    keys = {"node_key": NODE_KEYS, "program_key": PROGRAM_KEYS, "subgraph_key": SUBGRAPH_KEYS}[
        ctx.kind
    ]
    where = {"node_key": "node", "program_key": "program", "subgraph_key": "subgraph"}[ctx.kind]
    out: list[Candidate] = []
    for rank, key in enumerate(keys):
        if key in ctx.present:
            continue
        complete = True
        if ctx.colon_follows:
            body, snippet = _quote(key), False
        elif snippets:
            body, snippet = f'"{key}": ' + _KEY_SNIPPETS.get(key, '"$1"'), True
        else:
            body, snippet = f'"{key}": ' + _KEY_PLAIN.get(key, ""), False
            complete = key in _KEY_PLAIN
        out.append(
            make(
                key,
                "key",
                f"{where} key",
                KEY_DOCS.get(key, ""),
                body,
                (_group(key, ctx.prefix), rank),
                snippet=snippet,
                complete=complete,
            )
        )
    return out


NODE_SNIPPET = '{"id": "${1:id}", "op": "${2:op}", "inputs": [$3]}'
NODE_PLAIN = '{"id": "", "op": "", "inputs": []}'


def _node_item(make: _Maker, snippets: bool) -> list[Candidate]:
    doc = "A new node: its id, its op and its inputs."
    if snippets:
        return [make("node", "node", "new node", doc, NODE_SNIPPET, (0,), snippet=True)]
    return [make("node", "node", "new node", doc, NODE_PLAIN, (0,))]


# --- signature help -------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    label: str
    parameters: tuple[tuple[int, int], ...]  # code-point offsets of each parameter in label
    parameter_docs: tuple[str, ...]
    active: int | None  # None: the op takes no inputs
    documentation: str  # markdown


def _signature_label(name: str, params: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    label = name + "("
    spans: list[tuple[int, int]] = []
    for k, p in enumerate(params):
        if k:
            label += ", "
        spans.append((len(label), len(label) + len(p)))
        label += p
    return label + ")", tuple(spans)


def _active(op: Opcode, index: int) -> int:
    params = op.params
    if op.name == "match" and index > 0:
        return 1 if index % 2 == 1 else 2  # guard, handler, guard, handler...
    if params and params[-1].endswith("...") and index >= len(params):
        return len(params) - 1
    return index


def signature_help(analysis: Analysis, offset: int) -> Signature | None:
    """The signature of the node whose ``inputs`` array holds ``offset``, with the input under
    the cursor active (commas inside strings and nested values do not count)."""
    text = analysis.text
    offset = max(0, min(offset, len(text)))
    scan = _scan(analysis, offset)
    roles = _roles(scan.path)
    for k in range(len(scan.path) - 1, 0, -1):
        if roles[k] == "inputs" and roles[k - 1] == "node":
            index = scan.path[k].index
            members = scan.path[k - 1].frame.members
            break
    else:
        return None
    op = OPCODES.get(members.get("op") or "")
    if op is None:
        return None
    if op.name == "subgraph_call":
        ref = members.get("value")
        graph = analysis.hasher.resolve(ref) if ref else None
        if graph is not None and ref is not None:
            n = graph.arity()
            shown = ref[:12] + "…" if len(ref) == 64 and ref.isalnum() else ref
            label, spans = _signature_label(shown, input_port_names(graph))
            doc = _semantics(op)
            if graph.syntax is not None:
                m = graph.syntax.get("doc")
                if m is not None and m.value is not None and isinstance(m.value.value, str):
                    doc += "\n\n" + m.value.value
            elif ref.startswith(STD_PREFIX):
                entry = entries().get(ref[len(STD_PREFIX) :])
                if entry is not None:
                    doc += f"\n\n`{ref}`: `{entry.definition}`"
            return Signature(
                label,
                spans,
                tuple(f"input port {i}" for i in range(n)),
                index if n else None,
                doc,
            )
    label, spans = _signature_label(op.name, list(op.params))
    return Signature(
        label,
        spans,
        tuple("" for _ in op.params),
        _active(op, index) if op.params else None,
        _semantics(op),
    )


def _semantics(op: Opcode) -> str:
    text = op.semantics.strip()
    text = text[0].upper() + text[1:] if text else text
    return f"{text}\n\n{TIER_NAMES[op.tier]} · {op.arity.phrase()} · `{op.capability}`"
