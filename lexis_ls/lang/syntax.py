"""A tolerant, position-aware JSON parser.

``parse(text)`` returns a syntax tree whose every key and value carries its code-point span, the
syntax errors found (analysis goes on with what could be recovered), and the duplicate keys that
``json.loads`` would silently collapse.

Speed: the structural levels are parsed here, in Python, but every object that is an element of
an array (in a Lexis program: every node) is first handed to the C scanner of the standard
``json`` module, which decodes it in one call. Such an object is *lazy*: its value is known at
once, and its members (with their spans) are parsed only when something asks for them, such as a
diagnostic that needs the range of one input. Only objects the C scanner rejects (syntax errors,
duplicate keys) are parsed here eagerly, with error recovery. On a valid 10k-node program this is
about twice the cost of a bare ``json.loads``; a broken node costs only its own re-parse.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from .text import starts_at

MAX_DEPTH: Final = 200
MAX_ERRORS: Final = 200
# Mistakes read past exactly (comments, single quotes, Python literals, trailing commas...) are
# each reported, with the repair lexis_ls/lang/repair/jsontext.py computes for it, up to this.
MAX_REPAIRABLE: Final = 5000


class _Invalid:
    """The value of something that did not parse; checks ignore it (no cascades). One object,
    :data:`INVALID`: copies and pickles of it are that object again."""

    def __repr__(self) -> str:
        return "INVALID"

    def __reduce__(self) -> str:
        return "INVALID"  # the module-level name


INVALID: Final[Any] = _Invalid()


def contains_invalid(value: Any) -> bool:
    """True when ``value`` is or holds something that did not parse."""
    if value is INVALID:
        return True
    if isinstance(value, list):
        return any(contains_invalid(v) for v in value)
    if isinstance(value, dict):
        return any(contains_invalid(v) for v in value.values())
    return False


@dataclass(slots=True)
class SyntaxIssue:
    """A syntax error. ``kind`` names the mistake when the parser recognised one that
    ``lexis_ls.lang.repair.jsontext`` knows how to repair (``""`` otherwise):

    ``prose``           text (prose, a Markdown fence) before the root object
    ``trailing``        text after the root (a closing fence, prose, a second value, closers)
    ``comment``         a terminated ``//`` or ``/* */`` comment
    ``trailing_comma``  a comma before ``}`` or ``]``
    ``single_quote``    a single-quoted string or key (read as the string it means)
    ``literal``         ``None``, ``True``, ``False`` or ``undefined`` (read as the JSON literal)
    ``stray_closer``    a ``}`` in an array or a ``]`` in an object, before ``,`` or a closer
    ``unquoted_key``    a property name without quotes
    ``missing_comma``   two values on separate lines without a comma (``anchor``: where it goes)
    ``truncated``       the end of the text with containers open (``opened``: their offsets,
                        outermost first)
    """

    start: int
    end: int
    message: str
    kind: str = ""
    opened: tuple[int, ...] = ()
    anchor: int = -1


@dataclass(slots=True)
class DuplicateKey:
    first: JString
    second: JString


class JValue:
    __slots__ = ("end", "start")
    start: int
    end: int

    @property
    def value(self) -> Any:
        raise NotImplementedError


class JString(JValue):
    __slots__ = ("_value",)

    def __init__(self, start: int, end: int, value: str) -> None:
        self.start, self.end, self._value = start, end, value

    @property
    def value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"JString({self._value!r}@{self.start})"


class JScalar(JValue):
    """A number, ``true``, ``false``, ``null``, or an invalid token (value ``INVALID``)."""

    __slots__ = ("_value",)

    def __init__(self, start: int, end: int, value: Any) -> None:
        self.start, self.end, self._value = start, end, value

    @property
    def value(self) -> Any:
        return self._value

    def __repr__(self) -> str:
        return f"JScalar({self._value!r}@{self.start})"


class JMember:
    __slots__ = ("key", "value")

    def __init__(self, key: JString, value: JNode | None) -> None:
        self.key = key
        self.value = value  # None when the value is missing

    def __repr__(self) -> str:
        return f"JMember({self.key!r}: {self.value!r})"


class JObject(JValue):
    __slots__ = ("_members", "_source", "_value")

    def __init__(
        self,
        start: int,
        end: int,
        members: list[JMember] | None,
        value: dict[str, Any] | None,
        source: _Parser | None = None,
    ) -> None:
        self.start, self.end = start, end
        self._members = members
        self._value = value
        self._source = source

    @property
    def lazy(self) -> bool:
        return self._members is None

    @property
    def members(self) -> list[JMember]:
        if self._members is None:
            assert self._source is not None
            node = self._source.reparse_object(self.start)
            self._members = node._members if isinstance(node, JObject) else []
        assert self._members is not None
        return self._members

    @property
    def value(self) -> dict[str, Any]:
        if self._value is None:
            out: dict[str, Any] = {}
            for m in self.members:
                out[m.key.value] = m.value.value if m.value is not None else INVALID
            self._value = out
        return self._value

    def get(self, key: str) -> JMember | None:
        """The member for ``key`` (the last one when duplicated, as ``json.loads`` keeps)."""
        found = None
        for m in self.members:
            if m.key.value == key:
                found = m
        return found

    def __repr__(self) -> str:
        return f"JObject@{self.start}-{self.end}"


class JArray(JValue):
    __slots__ = ("_value", "items")

    def __init__(self, start: int, end: int, items: list[JNode]) -> None:
        self.start, self.end, self.items = start, end, items
        self._value: list[Any] | None = None

    @property
    def value(self) -> list[Any]:
        if self._value is None:
            self._value = [item.value for item in self.items]
        return self._value

    def __repr__(self) -> str:
        return f"JArray@{self.start}-{self.end}[{len(self.items)}]"


JNode = JString | JScalar | JObject | JArray


@dataclass(slots=True)
class ParseResult:
    text: str
    root: JNode | None
    errors: list[SyntaxIssue]
    duplicates: list[DuplicateKey]
    # The parser lazy objects re-parse their members with (incremental.py re-targets it).
    parser: _Parser | None = None


def parse(text: str) -> ParseResult:
    parser = _Parser(text)
    root = parser.parse_document()
    return ParseResult(text, root, parser.errors, parser.duplicates, parser)


# --- edits (lexis_ls/lang/incremental.py) ---------------------------------------------------


class Resynced(Exception):
    """:func:`parse_window` stopped: at an element at ``offset`` (or the ``]`` there when
    ``closing``) from which the rest of the text parses as it did before the edit."""

    def __init__(self, offset: int, closing: bool) -> None:
        super().__init__(offset, closing)
        self.offset = offset
        self.closing = closing


@dataclass
class Window:
    """What :func:`parse_window` read: the elements, syntax errors and duplicate keys up to
    the place it stopped (``offset``: an element, or the array's ``]`` when ``closing``)."""

    items: list[JNode]
    errors: list[SyntaxIssue]
    duplicates: list[DuplicateKey]
    offset: int
    closing: bool


def parse_window(
    text: str,
    pos: int,
    expect_value: bool,
    containers: list[int],
    depth: int,
    resync: Callable[[int, bool], bool],
) -> Window | None:
    """The elements of an array of ``text`` from ``pos`` on, parsed exactly as :func:`parse`
    parses them when it reaches ``pos`` inside that array with no error before (``containers``:
    the offsets of the containers open there, the array last; ``depth``: the array's depth;
    ``expect_value``: whether a value must come next), until ``resync(offset, closing)`` says
    the rest is known: it is asked at every element of this array the C scanner decodes and
    at its ``]``. None when the array ends without it saying so."""
    parser = _Parser(text)
    parser.pos = pos
    parser._open = list(containers)
    parser.resync = resync
    parser.resync_level = len(containers)
    # After an element, the array holds one already (the parser reads a missing comma as one
    # only then): a stand-in for it, left out of the result.
    before = 0 if expect_value else 1
    items: list[JNode] = [JScalar(pos, pos, None)] * before
    try:
        parser._array_items(depth, items, pos, expect_value)
    except Resynced as stop:
        return Window(items[before:], parser.errors, parser.duplicates, stop.offset, stop.closing)
    except RecursionError:
        return None
    finally:
        parser.resync = None  # the elements keep the parser: not the caller's callback
    return None


def scan_element(parser: _Parser, start: int, text: str) -> JObject | None:
    """The object at ``start`` of ``text`` as the fast path of ``parse_array`` decodes an array
    element: a lazy object re-parsed by ``parser`` (which must hold ``text`` by the time its
    members are asked for), or None when the C scanner refuses it or a key repeats (the full
    parse would then parse it with error recovery)."""
    # the deepest nodes array (a subgraph's) is 4 levels down: deeper nodes take the full parse
    scanned = parser.scan_object(text, start, MAX_DEPTH - 4)
    if scanned is None:
        return None
    value, end = scanned
    return JObject(start, end, None, value, parser)


def nests_within(value: Any, text: str, start: int, end: int, room: int) -> bool:
    """The container the C scanner decoded from ``text[start:end]`` nests at most ``room``
    levels (itself one). The C scanner's own limit is the interpreter's recursion limit, far
    deeper than :data:`MAX_DEPTH`, which the tolerant parser keeps and every recursive walk of
    a value relies on: a deeper object is left to the tolerant parser, which reports it. Its
    brackets are counted first (in an object longer than ``room``): a walk only when there are
    more than ``room``."""
    if end - start <= room or text.count("{", start, end) + text.count("[", start, end) <= room:
        return True
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, level = stack.pop()
        if level > room:
            return False
        items = v.values() if type(v) is dict else v
        for x in items:
            if type(x) is dict or type(x) is list:
                stack.append((x, level + 1))
    return True


def keys_unique(value: dict[str, Any], text: str, start: int, end: int) -> bool:
    """True when the object the C scanner decoded as ``value`` from ``text[start:end]``
    certainly has no key written twice in it (or in an object nested in it); False when it may
    have (then the scanner that sees every pair decides).

    Every key in the text is followed by a colon outside any string, and a repeated key makes
    the decoded objects hold fewer keys than the text: so when the colons in the text are no
    more than the decoded keys plus the colons of the decoded strings, no key repeats. The
    colons of a string are its decoded ones only when it holds no escape (``\\u003a`` is
    one), hence the search for a backslash when a string holds a colon."""
    colons = text.count(":", start, end)
    if colons == len(value):  # the usual node: no colon in a string, no object in a value
        return True
    counted = 0
    in_strings = 0
    stack: list[Any] = [value]
    while stack:
        v = stack.pop()
        if type(v) is dict:
            counted += len(v)
            for k, x in v.items():
                if ":" in k:
                    in_strings += k.count(":")
                stack.append(x)
        elif type(v) is list:
            stack.extend(v)
        elif type(v) is str and ":" in v:
            in_strings += v.count(":")
    if in_strings and text.find("\\", start, end) != -1:
        return False
    return colons <= counted + in_strings


def replace_item(array: JArray, index: int, item: JObject) -> None:
    """Puts ``item`` in place of element ``index`` (and of its value in the decoded list,
    which the decoded values of the enclosing objects share)."""
    array.items[index] = item
    if array._value is not None:
        array._value[index] = item.value


def shift_after(node: JNode, pos: int, delta: int, parser: _Parser) -> None:
    """Moves the offsets of the tree under ``node`` for an edit of the text that ended at
    ``pos`` and changed its length by ``delta``: starts at or after ``pos`` and ends after it
    move (an end at ``pos`` is the end of something before an insertion there). Lazy objects
    are re-pointed at ``parser``, which must hold the new text."""
    if node.start >= pos:
        _shift_all(node, delta, parser)
        return
    if node.end <= pos:
        return
    node.end += delta
    if type(node) is JObject:
        for m in node._members or ():
            if m.key.start >= pos:
                m.key.start += delta
                m.key.end += delta
            if m.value is not None:
                shift_after(m.value, pos, delta, parser)
    elif type(node) is JArray:
        items = node.items
        k = bisect_right(items, pos, key=_end_of)
        if k < len(items):
            shift_after(items[k], pos, delta, parser)
            for item in items[k + 1 :]:
                if type(item) is JObject and item._members is None:
                    item.start += delta  # the common case: a lazy node
                    item.end += delta
                    item._source = parser
                else:
                    _shift_all(item, delta, parser)


def _end_of(node: JNode) -> int:
    return node.end


def _shift_all(node: JNode, delta: int, parser: _Parser) -> None:
    stack: list[JNode] = [node]
    while stack:
        n = stack.pop()
        n.start += delta
        n.end += delta
        t = type(n)
        if t is JObject:
            if n._source is not None:  # type: ignore[union-attr]
                n._source = parser  # type: ignore[union-attr]
            for m in n._members or ():  # type: ignore[union-attr]
                m.key.start += delta
                m.key.end += delta
                if m.value is not None:
                    stack.append(m.value)
        elif t is JArray:
            stack.extend(n.items)  # type: ignore[union-attr]


# --- implementation -------------------------------------------------------------------------

_WS: Final = re.compile(r"[ \t\r\n]*")
_TOKEN: Final = re.compile(
    r"""[ \t\r\n]*(?:
      (?P<punct>[{}\[\]:,])
    | (?P<string>")
    | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)(?![0-9A-Za-z_.+-])
    | (?P<literal>true|false|null)(?![0-9A-Za-z_])
    | (?P<comment>//[^\r\n]*|\#[^\r\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/)?)
    | (?P<squote>'(?:[^'\\\r\n]|\\[^\r\n])*')
    | (?P<word>[^ \t\r\n{}\[\]:,"]+)
    | (?P<eof>$)
    )""",
    re.VERBOSE,
)
_COLON: Final = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")
_SEPARATOR: Final = re.compile(r"[ \t\r\n]*([,}])[ \t\r\n]*")
_ARRAY_SEPARATOR: Final = re.compile(r"[ \t\r\n]*([,\]])[ \t\r\n]*")
_NEXT_OBJECT: Final = re.compile(r"[ \t\r\n]*,[ \t\r\n]*\{")
_LITERALS: Final = {"true": True, "false": False, "null": None}
_SQUOTE_ESCAPE: Final = re.compile(r"\\'|\\.|\"")
# A line holding the root object after prose or a Markdown fence (section "LX0001").
# The line may begin with a JavaScript or Python assignment of it (`const program = {`).
ROOT_LINE: Final = re.compile(
    r"^[ \t]*(?:(?:export[ \t]+default|module\.exports[ \t]*=|(?:const|let|var)[ \t]+[\w$]+[ \t]*="
    r"|[A-Za-z_][\w]*[ \t]*=|return)[ \t]*)?\{",
    re.M,
)
_ROOT_LINE: Final = ROOT_LINE
# Leading text that is JSON content, not prose: a key and its colon.
_LOOKS_LIKE_MEMBERS: Final = re.compile(
    r'"[ \t]*:|^[ \t]*[A-Za-z_][\w-]*[ \t]*:[ \t]*["\[{0-9]', re.M
)
_BLANK_OR_COMMENTS: Final = re.compile(
    r"(?:[ \t\r\n]|//[^\r\n]*|#[^\r\n]*|/\*(?:[^*]|\*(?!/))*\*/)*"
)
_STRING_END: Final = re.compile(r'(?:[^"\\\r\n]|\\[^\r\n]|\\(?=[\r\n]|\Z))*("|(?=[\r\n])|\Z)')
_scanstring: Final = json.decoder.scanstring  # type: ignore[attr-defined]
_FOREIGN_LITERALS: Final = {"True": "true", "False": "false", "None": "null", "undefined": "null"}


def _requote_escape(m: re.Match[str]) -> str:
    """An escape of a single-quoted string as it reads between double quotes."""
    s = m.group()
    if s == "\\'":
        return "'"
    if s == '"':
        return '\\"'
    return s


class _Token:
    __slots__ = ("end", "kind", "start", "text")

    def __init__(self, kind: str, start: int, end: int, text: str) -> None:
        self.kind, self.start, self.end, self.text = kind, start, end, text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _DuplicateFlag:
    """Set when the C scanner decodes an object with a repeated key."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = False

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        d = dict(pairs)
        if len(d) != len(pairs):
            self.seen = True
        return d


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.errors: list[SyntaxIssue] = []
        self.duplicates: list[DuplicateKey] = []
        self._dups = _DuplicateFlag()
        self._taken = 0  # tokens consumed so far
        self._taken_at_error = -10
        self._hard_errors = 0
        self._open: list[int] = []  # offsets of the containers being parsed (outermost first)
        self._peeked: _Token | None = None
        # parse_window(): called with (offset, is_closing_bracket) at each element the C
        # scanner decodes and at each `]` of an array; True stops the parse there.
        self.resync: Callable[[int, bool], bool] | None = None
        self.resync_level = -1  # in the array this many containers deep (the window's own)
        # The hook is not a method of the parser: a parser -> scanner -> parser cycle would keep
        # every parsed document alive until the cyclic garbage collector runs.
        decoder = json.JSONDecoder(
            object_pairs_hook=self._dups.pairs, parse_constant=_reject_constant
        )
        self._scan_once = decoder.scan_once  # type: ignore[attr-defined]
        # The same scanner building its dicts itself (no hook, so no list of pairs and no call
        # per object): it cannot tell a repeated key, which :func:`keys_unique` then rules out.
        plain = json.JSONDecoder(parse_constant=_reject_constant)
        self._scan_plain = plain.scan_once  # type: ignore[attr-defined]

    # --- errors ---

    def error(self, start: int, end: int, message: str, kind: str = "", anchor: int = -1) -> None:
        if self._hard_errors >= MAX_ERRORS:
            return
        if self.errors and self.errors[-1].start == start:
            return  # one report per place: recovery must not stack messages on one token
        if self._taken - self._taken_at_error <= 1 and self.errors:
            # Panic mode: an error right after another (at most the offending token consumed
            # in between) is a consequence of the first, not news.
            self._taken_at_error = self._taken
            return
        self._taken_at_error = self._taken
        self._hard_errors += 1
        opened = tuple(self._open) if kind == "truncated" else ()
        self.errors.append(SyntaxIssue(start, max(end, start), message, kind, opened, anchor))

    def mistake(self, start: int, end: int, message: str, kind: str, anchor: int = -1) -> None:
        """A mistake read past exactly (the parser knows what was meant): always reported, and
        no cause for panic mode (what follows is parsed as if it had been written right)."""
        if len(self.errors) >= MAX_REPAIRABLE:
            return
        if self.errors and self.errors[-1].start == start:
            return
        self.errors.append(SyntaxIssue(start, max(end, start), message, kind, (), anchor))

    # --- tokens ---

    def peek(self) -> _Token:
        if self._peeked is None:
            self._peeked = self._lex()
        return self._peeked

    def take(self) -> _Token:
        tok = self.peek()
        self._peeked = None
        self.pos = tok.end
        self._taken += 1
        return tok

    def _lex(self) -> _Token:
        text = self.text
        while True:
            m = _TOKEN.match(text, self.pos)
            assert m is not None  # the pattern always matches (eof or word at worst)
            kind = m.lastgroup or "eof"
            start = m.start(kind)
            if kind == "comment":
                end = m.end()
                if text.startswith("/*", start) and not text.endswith("*/", start + 2, end):
                    self.error(
                        start, end, "comments are not allowed in JSON (this one is not closed)"
                    )
                else:
                    self.mistake(start, end, "comments are not allowed in JSON", "comment")
                self.pos = end
                continue
            if kind == "string":
                return self._lex_string(start)
            if kind == "squote":
                return self._lex_single_quoted(start, m.end())
            return _Token(kind, start, m.end(), m.group(kind))

    def _lex_single_quoted(self, start: int, end: int) -> _Token:
        """A single-quoted string, read as the string it means (``\\'`` is a quote)."""
        self.mistake(
            start, end, "strings must use double quotes, not single quotes", "single_quote"
        )
        raw = self.text[start + 1 : end - 1]
        body = _SQUOTE_ESCAPE.sub(_requote_escape, raw)
        try:
            value = json.loads('"' + body + '"', strict=False)
        except ValueError:
            value = raw
        return _Token("string", start, end, value)

    def _lex_string(self, start: int) -> _Token:
        text = self.text
        try:
            value, end = _scanstring(text, start + 1, True)
            return _Token("string", start, end, value)
        except json.JSONDecodeError as exc:
            m = _STRING_END.match(text, start + 1)
            assert m is not None
            end = m.end()
            if not m.group(1):
                self.error(start, end, "unterminated string: a closing '\"' is missing")
            elif exc.msg.startswith("Invalid control character"):
                cp = ord(text[exc.pos])
                self.error(
                    exc.pos,
                    exc.pos + 1,
                    f"invalid string: a raw control character U+{cp:04X}: "
                    f"write it as the escape \\u{cp:04x}",
                )
            else:
                why = exc.msg.lower().removesuffix(" at")
                self.error(exc.pos, exc.pos + 1, f"invalid string: {why}")
            raw = text[start + 1 : end - 1 if m.group(1) else end]
            try:
                value = json.loads('"' + raw + '"', strict=False)
            except ValueError:
                value = raw
            return _Token("string", start, end, value)

    # --- grammar ---

    def parse_document(self) -> JNode | None:
        tok = self.peek()
        if tok.kind == "eof":
            self.error(tok.start, tok.end, "empty document: expected a Lexis program object")
            return None
        if tok.kind == "word":
            self._skip_leading_text(tok)
        root = self.parse_value(0)
        tok = self.peek()
        if tok.kind != "eof":
            text = self.text
            if root is not None and type(root) in (JObject, JArray) and text[root.end - 1] in "}]":
                # The root is complete: all that follows is one mistake (a closing fence, an
                # explanation, a second value, stray closers).
                end = len(text.rstrip(" \t\r\n"))
                self.mistake(
                    tok.start,
                    end,
                    f"unexpected {_describe(tok)} after the end of the document",
                    "trailing",
                )
            else:
                self.error(
                    tok.start, tok.end, f"unexpected {_describe(tok)} after the end of the document"
                )
        return root

    def _skip_leading_text(self, tok: _Token) -> None:
        """Prose or a Markdown fence before the program: the root object is the first line that
        starts with ``{``. The text before it is one mistake, and parsing starts at the root."""
        text = self.text
        m = _ROOT_LINE.search(text, tok.start)
        if m is None:
            return
        root = m.end() - 1
        lead = text[tok.start : root]
        if _LOOKS_LIKE_MEMBERS.search(lead):
            return  # members without their opening brace, not prose: no guessing
        end = tok.start + len(lead.rstrip(" \t\r\n"))
        if lead.startswith("```"):
            what = "a Markdown code fence"
        else:
            what = "text and a Markdown code fence" if "```" in lead else "text"
        self.mistake(tok.start, end, f"{what} before the program: JSON text only", "prose")
        self._peeked = None
        self.pos = root

    def parse_value(self, depth: int) -> JNode | None:
        tok = self.peek()
        kind = tok.kind
        if kind == "string":
            self.take()
            return JString(tok.start, tok.end, tok.text)
        if kind == "number":
            self.take()
            t = tok.text
            if "." in t or "e" in t or "E" in t:
                return JScalar(tok.start, tok.end, float(t))
            try:
                return JScalar(tok.start, tok.end, int(t))
            except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
                self.error(
                    tok.start,
                    tok.end,
                    f"an integer of {len(t.lstrip('-'))} digits: no JSON reader converts it "
                    "(at most 4300 digits)",
                )
                return JScalar(tok.start, tok.end, 0)
        if kind == "literal":
            self.take()
            return JScalar(tok.start, tok.end, _LITERALS[tok.text])
        if kind == "punct" and tok.text in "{[":
            if depth >= MAX_DEPTH:
                return self._skip_deep(tok)
            if tok.text == "{":
                return self.parse_object(depth + 1)
            return self.parse_array(depth + 1)
        if kind == "word":
            self.take()
            if tok.text in ("NaN", "Infinity", "-Infinity"):
                self.error(tok.start, tok.end, f"{tok.text} is not valid JSON")
            elif tok.text in _FOREIGN_LITERALS:
                literal = _FOREIGN_LITERALS[tok.text]
                self.mistake(
                    tok.start,
                    tok.end,
                    f"`{tok.text}` is not valid JSON: use `{literal}`",
                    "literal",
                )
                return JScalar(tok.start, tok.end, _LITERALS[literal])
            elif tok.text.startswith("'"):
                self.error(tok.start, tok.end, "strings must use double quotes")
            else:
                self.error(tok.start, tok.end, f"unexpected {_describe(tok)}: expected a value")
            return JScalar(tok.start, tok.end, INVALID)
        self.error(tok.start, tok.end, f"expected a value, found {_describe(tok)}")
        return None

    def _skip_deep(self, tok: _Token) -> JScalar:
        """Skips a value nested deeper than MAX_DEPTH without recursion."""
        self.error(tok.start, tok.end, f"nesting deeper than {MAX_DEPTH} levels is not supported")
        level = 0
        while True:
            t = self.take()
            if t.kind == "eof":
                return JScalar(tok.start, t.start, INVALID)
            if t.kind == "punct":
                if t.text in "{[":
                    level += 1
                elif t.text in "}]":
                    level -= 1
                    if level == 0:
                        return JScalar(tok.start, t.end, INVALID)

    def parse_object(self, depth: int) -> JObject:
        self._open.append(self.peek().start)
        try:
            return self._parse_object(depth)
        finally:
            self._open.pop()

    def _parse_object(self, depth: int) -> JObject:
        open_tok = self.take()
        members: list[JMember] = []
        seen: dict[str, JString] = {}
        end = open_tok.end
        while True:
            tok = self.peek()
            if tok.kind == "punct" and tok.text == "}":
                self.take()
                end = tok.end
                break
            key: JString | None = None
            if tok.kind == "string":
                self.take()
                key = JString(tok.start, tok.end, tok.text)
            elif tok.kind in ("word", "literal", "number"):
                after = self._peek_after(tok)
                if after == ":":
                    self.take()
                    self.mistake(
                        tok.start,
                        tok.end,
                        f'property names must be in double quotes: "{tok.text}"',
                        "unquoted_key",
                    )
                    key = JString(tok.start, tok.end, tok.text)
                else:
                    self.take()
                    self.error(
                        tok.start, tok.end, f"expected a property name, found {_describe(tok)}"
                    )
                    continue
            elif tok.kind == "punct" and tok.text == ",":
                self.take()
                self.error(tok.start, tok.end, "unexpected ',': expected a property name")
                continue
            else:
                # '{', '[', ']', ':' or end of file where a key belongs: the object was not closed.
                self.error(
                    tok.start,
                    tok.end,
                    f"expected a property name or '}}', found {_describe(tok)}"
                    + (
                        f" (the object opened at offset {open_tok.start} is not closed)"
                        if tok.kind == "eof"
                        else ""
                    ),
                    "truncated" if tok.kind == "eof" else "",
                )
                if tok.kind == "punct" and tok.text == ":":
                    self.take()
                    continue
                end = tok.start
                break
            value: JNode | None = None
            colon = self.peek()
            if colon.kind == "punct" and colon.text == ":":
                self.take()
                value = self.parse_value(depth)
            elif colon.kind in ("string", "number", "literal") or (
                colon.kind == "punct" and colon.text in "{["
            ):
                self.error(
                    colon.start, colon.end, f"expected ':' after the property name \"{key.value}\""
                )
                value = self.parse_value(depth)
            else:
                self.error(
                    colon.start, colon.end, f"expected ':' after the property name \"{key.value}\""
                )
            previous = seen.get(key.value)
            if previous is not None:
                self.duplicates.append(DuplicateKey(previous, key))
            seen[key.value] = key
            members.append(JMember(key, value))
            end = value.end if value is not None else key.end
            sep = self.peek()
            if sep.kind == "punct" and sep.text == "]" and self._peek_after(sep) in (",", "}"):
                self.take()
                self.mistake(sep.start, sep.end, "stray ']' in an object", "stray_closer")
                sep = self.peek()
            if sep.kind == "punct" and sep.text == ",":
                self.take()
                end = sep.end
                nxt = self.peek()
                if nxt.kind == "punct" and nxt.text == "}":
                    self.mistake(sep.start, sep.end, "trailing comma before '}'", "trailing_comma")
                continue
            if sep.kind == "punct" and sep.text == "}":
                continue
            if sep.kind == "string":
                message = f"expected ',' or '}}' after the value of \"{key.value}\""
                if value is not None and self._comma_missing(value.end, sep.start):
                    self.mistake(sep.start, sep.end, message, "missing_comma", value.end)
                else:
                    self.error(sep.start, sep.end, message)
                continue
            self.error(
                sep.start,
                sep.end,
                f"expected ',' or '}}', found {_describe(sep)}",
                "truncated" if sep.kind == "eof" else "",
            )
            if sep.kind in ("word", "number", "literal"):
                self.take()
                continue
            if sep.kind == "punct" and sep.text == ":":
                self.take()
                continue
            break  # '{', '[', ']' or eof: the object ends here, unclosed
        return JObject(open_tok.start, end, members, None)

    def _comma_missing(self, prev_end: int, start: int) -> bool:
        """Whether a ',' is all that lacks between a complete value ending at ``prev_end`` and
        the value at ``start``: they are on separate lines, with only whitespace between, and no
        error ran into the first one (an unterminated string ends at its line end too)."""
        between = self.text[prev_end:start]
        if "\n" not in between or not _BLANK_OR_COMMENTS.fullmatch(between):
            return False
        last = self.errors[-1] if self.errors else None
        return last is None or last.end < prev_end or last.kind != ""

    def _peek_after(self, tok: _Token) -> str:
        m = _WS.match(self.text, tok.end)
        assert m is not None
        return self.text[m.end() : m.end() + 1]

    def parse_array(self, depth: int) -> JArray:
        self._open.append(self.peek().start)
        try:
            return self._parse_array(depth)
        finally:
            self._open.pop()

    def _parse_array(self, depth: int) -> JArray:
        open_tok = self.take()
        items: list[JNode] = []
        end = self._array_items(depth, items, open_tok.end, True)
        return JArray(open_tok.start, end, items)

    def _array_items(self, depth: int, items: list[JNode], end: int, expect_value: bool) -> int:
        """The elements of an array from ``self.pos`` into ``items``, up to and with its ``]``
        (or where it ends unclosed): the end of the array. ``end`` is where the last element (or
        the ``[``) ends, ``expect_value`` whether a value must come next (after ``[`` or ``,``).
        With ``self.resync`` set (:func:`parse_window`) it raises :class:`Resynced` at the first
        element the C scanner decodes, or ``]``, at which the callback says to stop."""
        text = self.text
        resync = self.resync if len(self._open) == self.resync_level else None
        while True:
            tok = self.peek()
            if tok.kind == "punct" and tok.text == "]":
                if resync is not None and resync(tok.start, True):
                    raise Resynced(tok.start, True)
                self.take()
                end = tok.end
                break
            if tok.kind == "punct" and tok.text == ",":
                self.take()
                end = tok.end
                if expect_value:
                    self.error(tok.start, tok.end, "unexpected ',': expected a value")
                expect_value = True
                nxt = self.peek()
                if nxt.kind == "punct" and nxt.text == "]":
                    self.mistake(tok.start, tok.end, "trailing comma before ']'", "trailing_comma")
                continue
            if (
                tok.kind == "punct"
                and tok.text == "}"
                and not expect_value
                and self._peek_after(tok) in (",", "]")
            ):
                self.take()
                self.mistake(tok.start, tok.end, "stray '}' in an array", "stray_closer")
                continue
            if tok.kind == "eof" or (tok.kind == "punct" and tok.text in "}:"):
                self.error(
                    tok.start,
                    tok.end,
                    f"expected ',' or ']', found {_describe(tok)}",
                    "truncated" if tok.kind == "eof" else "",
                )
                if tok.kind == "punct" and tok.text == ":":
                    self.take()
                    continue
                break  # unclosed array: let the enclosing object take the '}'
            if not expect_value:
                message = f"expected ',' or ']' before {_describe(tok)}"
                if items and tok.kind != "word" and self._comma_missing(end, tok.start):
                    self.mistake(tok.start, tok.end, message, "missing_comma", end)
                else:
                    self.error(tok.start, tok.end, message)
            item: JNode | None = None
            if tok.kind == "punct" and tok.text == "{" and depth < MAX_DEPTH - 1:
                # Fast path: the C scanner decodes whole elements, one call per object, and a
                # single regex step moves over each ", {" between them (or a comparison with
                # the one before, when they are written alike).
                start = tok.start
                sep = ""  # the text between the last two objects: most arrays repeat it
                while True:
                    # (refused: the tolerant parser reads it, and reports what is wrong)
                    scanned = self.scan_object(text, start, MAX_DEPTH - depth)
                    if scanned is None:
                        break
                    value, obj_end = scanned
                    if resync is not None and resync(start, False):
                        raise Resynced(start, False)
                    item = JObject(start, obj_end, None, value, self)
                    items.append(item)
                    self._peeked = None
                    self._taken += 2
                    self.pos = end = obj_end
                    if sep and starts_at(text, sep, obj_end):
                        start = obj_end + len(sep) - 1  # what the pattern would match
                        continue
                    m = _NEXT_OBJECT.match(text, obj_end)
                    if m is None:
                        break
                    start = m.end() - 1
                    sep = m.group()
                if item is not None:
                    # Stopped after the last decoded object: the general loop takes whatever
                    # follows (a ']', or a ',' and an object the C scanner refused).
                    expect_value = False
                    continue
            if item is None:
                item = self.parse_value(depth)
            if item is not None:
                items.append(item)
                end = item.end
            expect_value = False
        return end

    def scan_object(self, text: str, start: int, room: int) -> tuple[dict[str, Any], int] | None:
        """The object at ``start`` of ``text`` decoded by the C scanner, and its end; None when
        the scanner refuses it, a key repeats, or it nests deeper than ``room`` levels (as
        deep as ``parse_value`` would go from where it is)."""
        try:
            # (typed: a pair the scanner returns is then read by index, not iterated)
            found: tuple[Any, int] = self._scan_plain(text, start)
            value, end = found
            if type(value) is not dict:
                return None
            if not keys_unique(value, text, start, end):
                self._dups.seen = False
                found = self._scan_once(text, start)
                value, end = found
                if self._dups.seen:
                    return None
        except (ValueError, StopIteration, RecursionError):
            return None
        if not nests_within(value, text, start, end, room):
            return None
        return value, end

    def reparse_object(self, start: int) -> JNode | None:
        """The members of the lazy object at ``start``.

        The C scanner has already accepted this text as valid JSON without duplicate keys, so
        it is walked with the C primitives (``scanstring``, ``scan_once``) and one regex step
        between tokens: no error handling is needed, and no Python tokenizer runs.
        """
        try:
            members, end = self._fast_members(start)
        except (ValueError, StopIteration, IndexError, RecursionError):
            sub = _Parser(self.text)  # not expected: fall back to the tolerant parser
            sub.pos = start
            return sub.parse_value(1)
        return JObject(start, end, members, None)

    def _fast_members(self, start: int) -> tuple[list[JMember], int]:
        text = self.text
        members: list[JMember] = []
        i = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
        if text[i] == "}":
            return members, i + 1
        while True:
            key_start = i
            key, key_end = _scanstring(text, i + 1, True)
            i = _COLON.match(text, key_end).end()  # type: ignore[union-attr]
            value, i = self._fast_value(i)
            members.append(JMember(JString(key_start, key_end, key), value))
            m = _SEPARATOR.match(text, i)
            assert m is not None
            if m.group(1) == "}":
                return members, m.end(1)
            i = m.end()

    def _fast_value(self, i: int) -> tuple[JNode, int]:
        text = self.text
        c = text[i]
        if c == '"':
            s, end = _scanstring(text, i + 1, True)
            return JString(i, end, s), end
        if c == "[":
            items: list[JNode] = []
            j = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            if text[j] == "]":
                return JArray(i, j + 1, items), j + 1
            while True:
                item, j = self._fast_value(j)
                items.append(item)
                m = _ARRAY_SEPARATOR.match(text, j)
                assert m is not None
                if m.group(1) == "]":
                    return JArray(i, m.end(1), items), m.end(1)
                j = m.end()
        value, end = self._scan_once(text, i)
        if c == "{":
            return JObject(i, end, None, value, self), end
        return JScalar(i, end, value), end


def _describe(tok: _Token) -> str:
    if tok.kind == "eof":
        return "the end of the file"
    if tok.kind == "string":
        return f"string {json.dumps(tok.text, ensure_ascii=False)[:40]}"
    text = tok.text if len(tok.text) <= 30 else tok.text[:27] + "..."
    return f"'{text}'"
