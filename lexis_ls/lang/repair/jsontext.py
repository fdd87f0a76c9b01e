"""JSON text recovery: the minimal edits that repair what language models get wrong in JSON.

Lexis programs are mostly written by models, and their non-JSON mistakes are few and regular:
a Markdown fence around the program (sometimes never closed), prose before it or an explanation
after it, a second value after the first, ``//`` and ``/* */`` comments, trailing commas,
single-quoted strings and keys, Python and JavaScript literals (``None``, ``True``, ``False``,
``undefined``), a stray closing bracket, unquoted keys, a missing comma between values on
separate lines, and output cut off after complete tokens.

The tolerant parser (:mod:`lexis_ls.lang.syntax`) recognises each of them where it occurs, reads
past it as what was meant, and records it as a :class:`~lexis_ls.lang.syntax.SyntaxIssue` with a
``kind``. This module turns one issue into the smallest text edits that repair it, keeping every
other character: a deleted comment takes the spaces (or the whole line) it leaves behind, a
requoted string changes only its quotes and the escapes that differ, cut-off output is closed on
lines of its own at the indentation of the lines that opened the brackets.

Nothing is invented: a mistake whose repair would need content (a missing value, a missing
closing quote, ``NaN``) has no repair. Whether the repairs are applied without asking is the
policy's business (:mod:`lexis_ls.lang.repair.policy`): only when all of them together give
strict JSON (:func:`repair_all`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Evidence, Fix, TextEdit, apply_edits
from ..syntax import ROOT_LINE, SyntaxIssue, parse

REPAIR_ALL_TITLE = "Repair JSON syntax"


@dataclass(frozen=True, slots=True)
class Repair:
    """The edits that repair one syntax issue, and the title of the fix that applies them."""

    title: str
    edits: tuple[TextEdit, ...]


def repair_for(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue] = ()) -> Repair | None:
    """The repair of ``issue`` (found in ``text`` with the other ``issues``), or ``None`` when
    it has none that needs no guessing."""
    handler = _HANDLERS.get(issue.kind)
    if handler is None:
        return None
    return handler(text, issue, issues)


def repairs(text: str, issues: Sequence[SyntaxIssue]) -> list[Repair | None]:
    """The repair of every issue, in the order of ``issues``."""
    return [repair_for(text, issue, issues) for issue in issues]


def combine(found: Iterable[Repair | None]) -> tuple[TextEdit, ...]:
    """All the edits of ``found`` as one non-overlapping, sorted set (overlapping deletions,
    such as two comments on one line each taking the spaces between them, are merged)."""
    edits = sorted(
        {e for r in found if r is not None for e in r.edits}, key=lambda e: (e.start, e.end)
    )
    out: list[TextEdit] = []
    for e in edits:
        if out and e.start < out[-1].end:
            last = out[-1]
            if last.new_text == "" and e.new_text == "":
                out[-1] = TextEdit(last.start, max(last.end, e.end), "")
            continue  # an overlap that cannot be merged: the result will not be strict JSON
        out.append(e)
    return tuple(out)


def apply(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with non-overlapping ``edits`` applied (insertions at one offset keep order)."""
    return apply_edits(text, edits)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_object(text: str) -> bool:
    """Whether ``text`` is strict JSON (no NaN or Infinity, no control characters in
    strings) whose value is an object."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict)


@dataclass(frozen=True, slots=True)
class RepairAll:
    """Every repair of a text: per issue (aligned with the parser's issues), all of them
    together, the repaired text, and whether that text is strict JSON."""

    repairs: tuple[Repair | None, ...]
    edits: tuple[TextEdit, ...]
    text: str
    strict: bool


def repair_all(text: str, issues: Sequence[SyntaxIssue]) -> RepairAll:
    found = repairs(text, issues)
    edits = combine(found)
    repaired = apply(text, edits) if edits else text
    return RepairAll(tuple(found), edits, repaired, bool(edits) and strict_object(repaired))


def repair_text(text: str) -> str | None:
    """``text`` with all its JSON mistakes repaired, when that gives strict JSON (else None)."""
    parsed = parse(text)
    if not parsed.errors:
        return text if strict_object(text) else None
    result = repair_all(text, parsed.errors)
    return result.text if result.strict else None


# --- layout helpers ---------------------------------------------------------------------------

_SPACES_TO_EOL = re.compile(r"[ \t]*(\r?\n|\Z)")
_SPACES = re.compile(r"[ \t]*")
_INDENT = re.compile(r"[ \t]*")
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
_SQUOTE_ESCAPE = re.compile(r"\\'|\\.|\"")
_KEY_AHEAD = re.compile(r'"[^"\n]*"[ \t]*:')
_JSON_WS = " \t\r\n"


def _line_start(text: str, i: int) -> int:
    return text.rfind("\n", 0, i) + 1


def _spaces_before(text: str, i: int) -> int:
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    return i


def _delete_item(text: str, start: int, end: int) -> TextEdit:
    """Deletes ``text[start:end]`` (a comment, a comma, a stray bracket) without leaving a
    blank line or a run of spaces: alone on its line(s), the whole line goes; after other text
    on its line, the spaces before it go with it; before other text, the spaces after it."""
    ls = _line_start(text, start)
    alone_before = not text[ls:start].strip(" \t")
    m = _SPACES_TO_EOL.match(text, end)
    if alone_before and m is not None:
        return TextEdit(ls, m.end(), "")
    if not alone_before:
        return TextEdit(_spaces_before(text, start), end, "")
    after = _SPACES.match(text, end)
    assert after is not None
    return TextEdit(start, after.end(), "")


# --- one handler per kind of mistake ----------------------------------------------------------

Handler = Callable[[str, SyntaxIssue, Sequence[SyntaxIssue]], "Repair | None"]


def _comment(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair | None:
    return Repair("Delete the comment", (_delete_item(text, issue.start, issue.end),))


_SPACES_TO_CLOSER = re.compile(r"[ \t]*(?=[}\]])")


def _trailing_comma(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair:
    """The comma, and the spaces between it and the closer when that is on the same line
    (``[1, 2, ]`` becomes ``[1, 2]``)."""
    m = _SPACES_TO_CLOSER.match(text, issue.end)
    if m is not None:
        edit = TextEdit(issue.start, m.end(), "")
    else:
        edit = _delete_item(text, issue.start, issue.end)
    return Repair("Delete the trailing comma", (edit,))


def _stray_closer(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair:
    closer = text[issue.start : issue.end]
    return Repair(f"Delete the stray '{closer}'", (_delete_item(text, issue.start, issue.end),))


def _single_quote(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair | None:
    s, e = issue.start, issue.end
    if e - s < 2 or text[s] != "'" or text[e - 1] != "'":
        return None
    edits = [TextEdit(s, s + 1, '"')]
    for m in _SQUOTE_ESCAPE.finditer(text, s + 1, e - 1):
        if m.group() == "\\'":
            edits.append(TextEdit(m.start(), m.end(), "'"))
        elif m.group() == '"':
            edits.append(TextEdit(m.start(), m.end(), '\\"'))
    edits.append(TextEdit(e - 1, e, '"'))
    return Repair("Requote with double quotes", tuple(edits))


_LITERALS = {"None": "null", "True": "true", "False": "false", "undefined": "null"}


def _literal(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair | None:
    word = text[issue.start : issue.end]
    literal = _LITERALS.get(word)
    if literal is None:
        return None
    return Repair(
        f"Replace `{word}` with `{literal}`", (TextEdit(issue.start, issue.end, literal),)
    )


def _unquoted_key(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair | None:
    if _IDENTIFIER.match(text, issue.start, issue.end) is None:
        return None
    return Repair(
        "Quote the property name",
        (TextEdit(issue.start, issue.start, '"'), TextEdit(issue.end, issue.end, '"')),
    )


def _missing_comma(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair | None:
    if issue.anchor < 0:
        return None
    return Repair("Insert the missing comma", (TextEdit(issue.anchor, issue.anchor, ","),))


def _prose(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair | None:
    """Text before the root object: from the start of its line to the line of the root."""
    m = ROOT_LINE.search(text, _line_start(text, issue.end))
    if m is None:
        return None
    root = m.end() - 1
    if root > issue.end and text[m.start() : root].strip():
        # `const program = {`: the assignment on the root's own line goes too.
        return Repair(
            "Delete the text before the program",
            (TextEdit(_line_start(text, issue.start), root, ""),),
        )
    lead = text[issue.start : issue.end]
    fence_only = lead.startswith("```") and "\n" not in lead
    if fence_only:
        title = "Delete the Markdown fence"
    elif "```" in lead:
        title = "Delete the Markdown fence and the text before the program"
    else:
        title = "Delete the text before the program"
    return Repair(title, (TextEdit(_line_start(text, issue.start), m.start(), ""),))


_SECOND_PROGRAM = re.compile(r"""\{[^{}]*["']nodes["']\s*:""")


def _trailing(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair | None:
    """Text after the complete root: a closing fence, an explanation, a second JSON value or
    stray closing brackets. Deleted up to the end of the text; the line break that ended the
    root's line stays."""
    junk = text[issue.start : issue.end]
    if not junk or junk[0] in ",:" or _KEY_AHEAD.match(junk):
        return None  # members after a closed root: a bracket closed too early, not junk
    if _SECOND_PROGRAM.search(junk):
        return None  # a second program (a "corrected" version?): which one was meant is a guess
    if junk.startswith("```"):
        first_line = junk.split("\n", 1)
        rest = first_line[1].strip(_JSON_WS) if len(first_line) > 1 else ""
        title = "Delete the Markdown fence" + (" and the text after it" if rest else "")
    elif not junk.strip("}]" + _JSON_WS):
        closers = "".join(c for c in junk if c in "}]")
        title = f"Delete the stray '{closers}'"
    elif junk[0] in "{[":
        title = "Delete the second JSON value"
    elif junk[0] == '"' or junk[0].isdigit() or junk[0] == "-":
        return None
    else:
        title = "Delete the text after the program"
    q = issue.start
    while q > 0 and text[q - 1] in _JSON_WS:
        q -= 1
    newline = text.find("\n", q, issue.start)
    start = newline + 1 if newline >= 0 else q
    # Junk on the root's own last line: the text's final line break is not junk.
    ending = "\r\n" if text.endswith("\r\n") else "\n" if text.endswith("\n") else ""
    keep = ending if newline < 0 else ""
    return Repair(title, (TextEdit(start, len(text), keep),))


def _truncated(text: str, issue: SyntaxIssue, issues: Sequence[SyntaxIssue]) -> Repair | None:
    """Output cut off after a complete token: close every open bracket. Closers go on lines
    of their own at the indentation of the line that opened them, unless they were opened on
    the line where the text stops (then they close on it)."""
    if not issue.opened:
        return None
    comments = {i.end: i.start for i in issues if i.kind == "comment"}
    p = issue.start
    while True:
        while p > 0 and text[p - 1] in _JSON_WS:
            p -= 1
        if p in comments:
            p = comments[p]
            continue
        break
    if p == 0:
        return None
    last = text[p - 1]
    at, end = p, p
    if last == ",":
        at = p - 1
    elif last == ":":
        return None
    elif (last.isdigit() or last == ".") and p == len(text):
        return None  # a number at the very end may be cut in the middle
    newline = "\r\n" if "\r\n" in text else "\n"
    line = _line_start(text, at)
    closers: list[str] = []
    for opener in reversed(issue.opened):
        closer = "}" if text[opener] == "{" else "]"
        opener_line = _line_start(text, opener)
        if opener_line == line:
            closers.append(closer)
        else:
            indent = _INDENT.match(text, opener_line)
            assert indent is not None
            closers.append(newline + indent.group() + closer)
            line = opener_line
    return Repair("Close the cut-off output", (TextEdit(at, end, "".join(closers)),))


_HANDLERS: dict[str, Handler] = {
    "comment": _comment,
    "trailing_comma": _trailing_comma,
    "stray_closer": _stray_closer,
    "single_quote": _single_quote,
    "literal": _literal,
    "unquoted_key": _unquoted_key,
    "missing_comma": _missing_comma,
    "prose": _prose,
    "trailing": _trailing,
    "truncated": _truncated,
}


# --- fixes of the LX0001 diagnostics ----------------------------------------------------------


def syntax_fixes(text: str, issues: Sequence[SyntaxIssue]) -> list[tuple[Fix, ...]]:
    """The fixes of the LX0001 diagnostic of each issue (aligned with ``issues``): the issue's
    own repair, and "Repair JSON syntax", which applies every repair of the text at once.

    The fix-safety policy: JSON repairs are safe (applied by fix-all, ``lexis fix`` and
    format-on-save) only when all of them together give strict JSON whose value is an object;
    then "Repair JSON syntax" comes first. Otherwise every one is offered, but not applied
    unasked, the issue's own repair first."""
    if not issues:
        return []
    result = repair_all(text, issues)
    if not result.edits:
        return [() for _ in issues]
    safe = result.strict
    whole = Fix(
        REPAIR_ALL_TITLE,
        result.edits,
        safe=safe,
        evidence=Evidence.CERTAIN if safe else Evidence.LIKELY,
    )
    out: list[tuple[Fix, ...]] = []
    for found in result.repairs:
        if found is None:
            out.append((whole,) if safe else ())  # it repairs nothing the issue is about
            continue
        own = Fix(
            found.title,
            found.edits,
            safe=safe,
            evidence=Evidence.CERTAIN if safe else Evidence.LIKELY,
        )
        out.append((whole, own) if safe else (own, whole))
    return out
