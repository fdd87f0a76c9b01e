"""One analysis of one document text: the plain data every front end shares.

``analyze(text)`` parses, builds the program model and runs every check. The result is computed
once per document version; hashes are computed on demand from it and memoised.
"""

from __future__ import annotations

import gc
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from .checks import CHECKS, Context, Options
from .diagnostics import Diagnostic
from .hashing import Hasher
from .model import Graph, Program, build_program
from .repair.policy import apply_policy
from .syntax import ParseResult, parse
from .text import Encoding, LineIndex, Position

__all__ = ["Analysis", "Options", "analyze"]


@dataclass
class Analysis:
    text: str
    parsed: ParseResult
    program: Program
    hasher: Hasher
    diagnostics: list[Diagnostic]
    options: Options
    internal_errors: list[str] = field(default_factory=list)
    _lines: LineIndex | None = None
    # How ``incremental.reanalyze`` produced this analysis ("value", "cosmetic", "whitespace",
    # "no-op"); None for a full analysis, and then ``fallback`` may say why the fast path was
    # not taken.
    incremental: str | None = None
    fallback: str | None = None
    # Set by a holder that keeps using this analysis after the document changes (a run in
    # progress): reanalyze() must then not consume it and analyses the new text in full.
    pinned: bool = False
    # Set by ``incremental.reanalyze`` once a fast path has started to update this analysis's
    # syntax tree and model in place (or shares them with its result): from then on it no
    # longer describes its own text. An analysis that was not consumed may be used again
    # (the editor's undo brings its text back).
    consumed: bool = False
    # Per-graph results of the flow and duplicate checks, which an edit updates in place.
    _flow: dict[Graph, Any] = field(default_factory=dict, repr=False)
    _duplicates: dict[Graph, Any] = field(default_factory=dict, repr=False)
    # The nodes (by ``id()``) a dangling reference evidently meant (not reported as unused).
    _meant: set[int] = field(default_factory=set, repr=False)
    # How many main-graph nodes need each capability (``incremental.py`` keeps it).
    _capability_users: Counter[str] | None = field(default=None, repr=False)
    # Set by ``incremental.py`` while a syntax error it analysed is not mended: the text before
    # the first such edit and its findings (mending back to that text finds them again).
    _unbroken: tuple[str, list[Diagnostic]] | None = field(default=None, repr=False)

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def position(self, offset: int, encoding: Encoding = "utf-16") -> Position:
        return self.lines.position(offset, encoding)

    @property
    def has_errors(self) -> bool:
        return any(d.severity.value == "error" for d in self.diagnostics)

    def program_hash(self) -> str | None:
        """The program's hash, computed once per hasher (hover, code lens and the graph view
        ask for it again and again; it reads every node)."""
        return self.hasher.program_hash()


def analyze(text: str, options: Options | None = None) -> Analysis:
    # Analysis allocates many small objects that all live until it returns; the cyclic garbage
    # collector would walk them again and again (on 10k nodes it costs more than the analysis
    # itself). It runs again, as usual, once the analysis is done.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze(text, options or Options())
    finally:
        if enabled:
            gc.enable()


def _analyze(text: str, options: Options) -> Analysis:
    parsed = parse(text)
    program = build_program(parsed)
    hasher = Hasher(program)
    ctx = Context(program, text, hasher, options)
    internal: list[str] = []
    for name, check in CHECKS:
        try:
            check(ctx)
        except Exception:  # a bug in one check must not hide the others' findings
            internal.append(f"internal error in the {name} checks:\n{traceback.format_exc()}")
    diagnostics = sorted(apply_policy(ctx.out, parsed, program), key=diagnostic_order)
    return Analysis(
        text,
        parsed,
        program,
        hasher,
        diagnostics,
        options,
        internal,
        _flow=ctx.flow,
        _duplicates=ctx.duplicates,
        _meant=ctx.meant,
    )


# The order of ``Analysis.diagnostics``, (start, end, code) of a finding (a stable sort: ties
# keep the order found); a C key function, as a full analysis sorts thousands of findings.
diagnostic_order: Callable[[Diagnostic], tuple[int, int, str]] = attrgetter("start", "end", "code")
