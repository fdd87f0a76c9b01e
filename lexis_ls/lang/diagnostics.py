"""Findings as plain data, and the registry of diagnostic codes (DIAGNOSTICS.md).

Ranges are code-point offsets into the document (:class:`~lexis_ls.lang.text.Span`); front ends
convert them to line/character positions in whatever encoding they speak. Fixes are plain text
edits over the same offsets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from importlib import resources
from typing import Final

from .text import COMPILED


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


@dataclass(frozen=True)
class CodeInfo:
    code: str
    severity: Severity
    title: str
    unnecessary: bool = False


_E, _W, _I, _H = Severity.ERROR, Severity.WARNING, Severity.INFORMATION, Severity.HINT

CODES: Final[dict[str, CodeInfo]] = {
    c.code: c
    for c in (
        CodeInfo("LX0001", _E, "JSON syntax error"),
        CodeInfo("LX0002", _E, "wrong JSON type for the program, `nodes` or a node"),
        CodeInfo("LX0003", _E, "required key missing"),
        CodeInfo("LX0004", _E, "key has the wrong type"),
        CodeInfo("LX0005", _W, "unknown key"),
        CodeInfo("LX0006", _E, "unsupported `spec` version"),
        CodeInfo("LX0007", _E, "duplicate key in one JSON object"),
        CodeInfo("LX0008", _E, "a string holds a lone surrogate"),
        CodeInfo("LX1001", _E, "unknown opcode"),
        CodeInfo("LX1002", _E, "wrong number of inputs"),
        CodeInfo("LX1003", _E, "input refers to an unknown node id"),
        CodeInfo("LX1004", _E, "duplicate node id"),
        CodeInfo("LX1005", _E, "cycle"),
        CodeInfo("LX1006", _E, "invalid node id"),
        CodeInfo("LX1007", _E, "missing or invalid `value` for the op"),
        CodeInfo("LX1008", _E, "unknown subgraph reference"),
        CodeInfo("LX1009", _E, "malformed subgraph ports"),
        CodeInfo("LX1010", _E, "subgraph signature mismatch"),
        CodeInfo("LX1011", _E, "recursive subgraph"),
        CodeInfo("LX1012", _E, "inline node object inside `inputs`"),
        CodeInfo("LX1013", _E, "`format` placeholder count differs from input count"),
        CodeInfo("LX1014", _E, "a FUNC is required but the input can never be one"),
        CodeInfo("LX1015", _E, "the node will certainly produce an error value"),
        CodeInfo("LX2001", _E, "capability not declared"),
        CodeInfo("LX2002", _W, "declared capability is never used", unnecessary=True),
        CodeInfo("LX2003", _E, "unknown capability"),
        CodeInfo("LX2004", _W, "network op without `allowed_domains`"),
        CodeInfo("LX2005", _E, "URL host not in `allowed_domains`"),
        CodeInfo("LX2006", _E, "URL is not HTTPS"),
        CodeInfo("LX2007", _E, "URL targets a private or loopback address (SSRF)"),
        CodeInfo("LX2008", _W, "trust level above the configured ceiling"),
        CodeInfo("LX2009", _W, "capability listed twice", unnecessary=True),
        CodeInfo("LX3001", _H, "unused node", unnecessary=True),
        CodeInfo("LX3002", _I, "duplicate computation"),
        CodeInfo("LX3003", _W, "unused subgraph", unnecessary=True),
        CodeInfo("LX4001", _W, "node produced an error value at run time"),
        CodeInfo("LX4002", _E, "the run was stopped"),
    )
}


# (initialisers of their own, set up as lexis_ls/lang/text.py explains at COMPILED)
_set: Final = object.__setattr__


@dataclass(frozen=True, slots=True, init=False)
class TextEdit:
    """Replace ``text[start:end]`` with ``new_text`` (code-point offsets)."""

    start: int
    end: int
    new_text: str

    def __init__(self, start: int, end: int, new_text: str) -> None:
        if COMPILED:
            self.start = start  # type: ignore[misc]
            self.end = end  # type: ignore[misc]
            self.new_text = new_text  # type: ignore[misc]
        else:
            _set(self, "start", start)
            _set(self, "end", end)
            _set(self, "new_text", new_text)


class Evidence(IntEnum):
    """How sure a fix is of what the author meant; quick fixes are offered best first.

    The policy that gives each kind of fix its level is ``lexis_ls/lang/repair/policy.py``.
    """

    DROPS = 0  # removes a reference to a value or other content: never offered first
    PLACEHOLDER = 1  # inserts something the user must complete; never makes a program clean
    LIKELY = 2  # the one candidate clearly ahead of the others, but not certain
    CERTAIN = 3  # unambiguous: a safe fix, applied by fix-all, `lexis fix` and fix-on-save


class Scope(Enum):
    LOCAL = "local"  # changes the place the diagnostic is about
    PROGRAM = "program"  # judged on the whole program (unused capability/node, merges)


@dataclass(frozen=True, init=False)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    safe: bool = False  # part of fix-all (`lexis fix`, source.fixAll.lexis)
    evidence: Evidence = Evidence.LIKELY  # for an unsafe fix; a safe one is CERTAIN
    scope: Scope = Scope.LOCAL

    def __init__(
        self,
        title: str,
        edits: tuple[TextEdit, ...],
        safe: bool = False,
        evidence: Evidence = Evidence.LIKELY,
        scope: Scope = Scope.LOCAL,
    ) -> None:
        if COMPILED:
            self.title = title  # type: ignore[misc]
            self.edits = edits  # type: ignore[misc]
            self.safe = safe  # type: ignore[misc]
            self.evidence = evidence  # type: ignore[misc]
            self.scope = scope  # type: ignore[misc]
        else:
            _set(self, "title", title)
            _set(self, "edits", edits)
            _set(self, "safe", safe)
            _set(self, "evidence", evidence)
            _set(self, "scope", scope)

    @property
    def rank(self) -> Evidence:
        return Evidence.CERTAIN if self.safe else min(self.evidence, Evidence.LIKELY)


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits (insertions at one offset keep their given order)."""
    ordered = sorted(enumerate(edits), key=lambda p: (p[1].start, p[1].end, p[0]))
    out: list[str] = []
    pos = 0
    for _, e in ordered:
        if e.start < pos:
            raise ValueError(f"overlapping edits at offset {e.start}")
        out.append(text[pos : e.start])
        out.append(e.new_text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True, init=False)
class Related:
    start: int
    end: int
    message: str

    def __init__(self, start: int, end: int, message: str) -> None:
        if COMPILED:
            self.start = start  # type: ignore[misc]
            self.end = end  # type: ignore[misc]
            self.message = message  # type: ignore[misc]
        else:
            _set(self, "start", start)
            _set(self, "end", end)
            _set(self, "message", message)


@dataclass(frozen=True, init=False)
class Diagnostic:
    code: str
    start: int
    end: int
    message: str
    hints: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = ()
    severity: Severity = field(default=Severity.ERROR)

    def __init__(
        self,
        code: str,
        start: int,
        end: int,
        message: str,
        hints: tuple[str, ...] = (),
        related: tuple[Related, ...] = (),
        fixes: tuple[Fix, ...] = (),
        severity: Severity = Severity.ERROR,
    ) -> None:
        if COMPILED:
            self.code = code  # type: ignore[misc]
            self.start = start  # type: ignore[misc]
            self.end = end  # type: ignore[misc]
            self.message = message  # type: ignore[misc]
            self.hints = hints  # type: ignore[misc]
            self.related = related  # type: ignore[misc]
            self.fixes = fixes  # type: ignore[misc]
            self.severity = severity  # type: ignore[misc]
        else:
            _set(self, "code", code)
            _set(self, "start", start)
            _set(self, "end", end)
            _set(self, "message", message)
            _set(self, "hints", hints)
            _set(self, "related", related)
            _set(self, "fixes", fixes)
            _set(self, "severity", severity)

    @property
    def info(self) -> CodeInfo:
        return CODES[self.code]

    @property
    def unnecessary(self) -> bool:
        return CODES[self.code].unnecessary


def make(
    code: str,
    start: int,
    end: int,
    message: str,
    *hints: str,
    related: tuple[Related, ...] | list[Related] = (),
    fixes: tuple[Fix, ...] | list[Fix] = (),
    severity: Severity | None = None,
) -> Diagnostic:
    """A diagnostic with the severity the registry gives its code (or ``severity``, for the
    codes whose severity depends on the case, such as LX1015)."""
    return Diagnostic(
        code,
        start,
        end,
        message,
        tuple(hints),
        tuple(related),
        tuple(fixes),
        severity or CODES[code].severity,
    )


def explain_page(code: str) -> str | None:
    """The markdown explain page of ``code`` (``None`` for an unknown code)."""
    code = code.upper()
    if code not in CODES:
        return None
    return resources.files("lexis_ls.lang").joinpath("explain", f"{code}.md").read_text("utf-8")


def explain_path(code: str) -> str:
    """The file path of the explain page (the language server links it as ``file:``)."""
    return str(resources.files("lexis_ls.lang").joinpath("explain", f"{code.upper()}.md"))


def explain_summary(code: str) -> str:
    """The first paragraph of the explain page, for hovers."""
    page = explain_page(code) or ""
    paragraphs = [p.strip() for p in page.split("\n\n") if p.strip()]
    for p in paragraphs:
        if not p.startswith("#"):
            return " ".join(p.split())
    return CODES[code].title if code in CODES else ""
