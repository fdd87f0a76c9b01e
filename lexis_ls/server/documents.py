"""Open documents and their analyses: one analysis per (document, version), shared by every
feature; run results (LX4xxx, inlay values) live until the next edit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..lang.analysis import Analysis, Options, analyze
from ..lang.diagnostics import Diagnostic
from ..lang.incremental import reanalyze
from ..lang.text import Encoding, LineIndex

LEXIS_SUFFIX = ".lexis.json"
_FIRST_KEY = re.compile(r'\A\s*\{\s*"spec"\s*:\s*"lexis-')


def may_become_lexis(language_id: str | None) -> bool:
    """A document of this language may turn into Lexis as it is typed (JSON, or unknown)."""
    return language_id in (None, "", "json", "jsonc", "lexis")


def is_lexis(uri: str, language_id: str | None, text: str) -> bool:
    """Lexis documents: languageId `lexis`, or JSON that is Lexis by name or by its first key.
    An empty languageId (a client with no filetype detection) says nothing: the name and the
    content decide, as for JSON."""
    if language_id == "lexis":
        return True
    if not may_become_lexis(language_id):
        return False
    return uri.endswith(LEXIS_SUFFIX) or bool(_FIRST_KEY.match(text[:4096]))


@dataclass
class RunState:
    """What the last `lexis.run` of this version left: findings and computed values."""

    version: int | None
    diagnostics: list[Diagnostic]
    values: dict[str, str]  # node id -> short text


Edit = tuple[int, int, str]  # replace [start, end) (code points of the old text) with a text
# A change as the client sends it: a range (start line, start character, end line, end
# character, in the negotiated encoding) and its new text, or no range: a whole new text.
Change = tuple[tuple[int, int, int, int] | None, str]


def apply_changes(
    text: str, lines: LineIndex | None, changes: Sequence[Change], enc: Encoding
) -> tuple[str, LineIndex | None]:
    """The text after the client's changes, one after the other, and its line index (None
    after a whole new text: the next analysis indexes it from the previous analysis's index
    and the part that changed, and anything else asks :meth:`Document.line_index`; ``lines``
    None: not indexed yet).

    Lines are LSP's (broken by \\n, \\r\\n and \\r only); a position past the end of its
    line means the line's end and one past the last line the end of the text; a range whose
    end comes before its start is taken from the earlier position to the later one, as
    VS Code's own text documents do."""
    for rng, new in changes:
        if rng is None:
            text, lines = new, None
            continue
        if lines is None:
            lines = LineIndex(text)
        a = lines.offset(rng[0], rng[1], enc)
        b = lines.offset(rng[2], rng[3], enc)
        start, end = min(a, b), max(a, b)
        text = text[:start] + new + text[end:]
        lines = lines.edited(start, end, text)
    return text, lines


_CHUNK = 1 << 16


def covering_edit(old: str, new: str) -> Edit:
    """The smallest single replacement that turns ``old`` into ``new``: whatever the client
    sent (several ranged changes, a whole new text), the part that changed. Compares 64K
    chunks (string comparison in C), then bisects inside the first differing one."""

    def common(a: str, b: str, reverse: bool) -> int:
        limit = min(len(a), len(b))
        if reverse:
            a, b = a[len(a) - limit :][::-1], b[len(b) - limit :][::-1]
        done = 0
        while done < limit and a[done : done + _CHUNK] == b[done : done + _CHUNK]:
            done += _CHUNK
        if done >= limit:
            return limit
        lo, hi = done, min(done + _CHUNK, limit)  # a[:lo] == b[:lo]; they differ before hi
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if a[lo:mid] == b[lo:mid]:
                lo = mid
            else:
                hi = mid - 1
        return lo

    prefix = common(old, new, reverse=False)
    suffix = common(old[prefix:], new[prefix:], reverse=True)
    return prefix, len(old) - suffix, new[prefix : len(new) - suffix]


@dataclass
class Document:
    uri: str
    language_id: str | None
    version: int | None
    text: str
    _analysis: Analysis | None = None
    _analysis_options: Options | None = None
    run: RunState | None = None
    result_id: int = 0  # pull diagnostics: bumps with every new analysis
    extra: dict[str, Any] = field(default_factory=dict)
    # The last analysis, of an older text: the next one is computed from it and the edit that
    # covers every change since (incremental when that edit allows it).
    _base: Analysis | None = None
    _index: LineIndex | None = None  # the line index of `text` while it is not analysed yet
    # The analysis before the last one, when the last one did not consume it (a full
    # analysis ran): an undo that brings its text back (an id renamed and back, a deleted
    # brace restored, a pasted block deleted) takes it again instead of analysing anew.
    _recent: Analysis | None = None

    @property
    def lines(self) -> LineIndex:
        return self.analysis().lines

    def line_index(self) -> LineIndex:
        """The line index of the current text, without analysing it."""
        if self._analysis is not None:
            return self._analysis.lines
        if self._index is None or self._index.text is not self.text:
            self._index = LineIndex(self.text)
        return self._index

    def _index_if_known(self) -> LineIndex | None:
        """The line index of the current text when one is at hand (None: not computed)."""
        if self._analysis is not None:
            return self._analysis.lines
        if self._index is not None and self._index.text is self.text:
            return self._index
        return None

    def change(self, changes: Sequence[Change], enc: Encoding, version: int | None) -> None:
        """Apply the client's changes (see :func:`apply_changes`)."""
        text, index = apply_changes(self.text, self._index_if_known(), changes, enc)
        self.update(text, version)
        self._index = index

    def current_analysis(self) -> Analysis | None:
        """The analysis of the current text when it is computed (None: not yet)."""
        return self._analysis

    def analysis(self, options: Options | None = None) -> Analysis:
        """The analysis of the current text, computed once per version (and options).

        After edits, it is computed from the previous analysis and the one edit covering
        every change since (``lang/incremental.py``, which falls back to a full analysis when
        it cannot prove the result equal to one).
        """
        if self._analysis is None or (options is not None and options != self._analysis_options):
            opts = options or self._analysis_options
            base, self._base = self._base, None
            recent, self._recent = self._recent, None
            if self._analysis is None and base is not None:
                if (
                    recent is not None
                    and not recent.consumed
                    and recent.options == (opts or Options())
                    and recent.text == self.text
                ):
                    self._analysis = recent  # the text before the last edit, back again
                    self._recent = base  # not consumed: it was not analysed from
                else:
                    start, end, fragment = covering_edit(base.text, self.text)
                    self._analysis = reanalyze(base, start, end, fragment, opts)
                    if not base.consumed and not base.pinned:
                        self._recent = base
            else:
                self._analysis = analyze(self.text, opts)
            self._analysis_options = opts
            self._index = None
            self.result_id += 1
        return self._analysis

    def update(self, text: str, version: int | None) -> None:
        """The document's new text (however the client described the change)."""
        if self._analysis is not None:
            self._base = self._analysis
        self.text = text
        self.version = version
        self._analysis = None
        self.run = None  # run findings belong to the text they ran


class DocumentStore:
    """The open documents' text: the Lexis ones in `docs`, with their analyses; JSON ones that
    are not Lexis yet (but may become Lexis as they are typed) aside, text only."""

    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}
        self._plain: dict[str, Document] = {}

    def open(
        self, uri: str, language_id: str | None, version: int | None, text: str
    ) -> Document | None:
        doc = Document(uri, language_id, version, text)
        self.docs.pop(uri, None)
        self._plain.pop(uri, None)
        if is_lexis(uri, language_id, text):
            self.docs[uri] = doc
            return doc
        if may_become_lexis(language_id):
            self._plain[uri] = doc
        return None

    def change(
        self, uri: str, changes: Sequence[Change], enc: Encoding, version: int | None
    ) -> Document | None:
        """Apply a client's changes to an open document: the Lexis document after them (None
        for another document, or one never opened)."""
        doc = self.docs.get(uri)
        if doc is not None:
            doc.change(changes, enc, version)
            return doc
        plain = self._plain.get(uri)
        if plain is None:
            return None
        text, _ = apply_changes(plain.text, plain._index_if_known(), changes, enc)
        # A JSON document may become Lexis while its first key is typed.
        return self.open(uri, plain.language_id, version, text)

    def get(self, uri: str) -> Document | None:
        return self.docs.get(uri)

    def close(self, uri: str) -> Document | None:
        self._plain.pop(uri, None)
        return self.docs.pop(uri, None)
