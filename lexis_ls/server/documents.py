"""Open documents and their analyses: one analysis per (document, version), shared by every
feature; run results (LX4xxx, inlay values) live until the next edit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..lang.analysis import Analysis, Options, analyze
from ..lang.diagnostics import Diagnostic
from ..lang.incremental import reanalyze
from ..lang.text import LineIndex

LEXIS_SUFFIX = ".lexis.json"
_FIRST_KEY = re.compile(r'\A\s*\{\s*"spec"\s*:\s*"lexis-')


def is_lexis(uri: str, language_id: str | None, text: str) -> bool:
    """Lexis documents: languageId `lexis`, or JSON that is Lexis by name or by its first key."""
    if language_id == "lexis":
        return True
    if language_id not in (None, "json", "jsonc"):
        return False
    return uri.endswith(LEXIS_SUFFIX) or bool(_FIRST_KEY.match(text[:4096]))


@dataclass
class RunState:
    """What the last `lexis.run` of this version left: findings and computed values."""

    version: int | None
    diagnostics: list[Diagnostic]
    values: dict[str, str]  # node id -> short text


Edit = tuple[int, int, str]  # replace [start, end) (code points of the old text) with a text


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
    # The last analysis, of an older text, and the edits made since (None: unknown ones, such
    # as a full-text change): one edit lets the next analysis be incremental.
    _base: Analysis | None = None
    _edits: list[Edit] | None = None

    @property
    def lines(self) -> LineIndex:
        return self.analysis().lines

    @property
    def current_analysis(self) -> Analysis | None:
        """The analysis of the current text if it was computed already (never computes one)."""
        return self._analysis

    def analysis(self, options: Options | None = None) -> Analysis:
        """The analysis of the current text, computed once per version (and options).

        After exactly one ranged edit since the last analysis, it is computed incrementally
        from that analysis (``lang/incremental.py``, which falls back to a full analysis when
        it cannot prove the result equal).
        """
        if self._analysis is None or (options is not None and options != self._analysis_options):
            opts = options or self._analysis_options
            base, edits = self._base, self._edits
            self._base = self._edits = None
            result: Analysis | None = None
            if self._analysis is None and base is not None and edits and len(edits) == 1:
                start, end, fragment = edits[0]
                result = reanalyze(base, start, end, fragment, opts)
                if result.text != self.text:  # the edit did not describe the change
                    result = None
            self._analysis = result if result is not None else analyze(self.text, opts)
            self._analysis_options = opts
            self.result_id += 1
        return self._analysis

    def update(self, text: str, version: int | None, edit: Edit | None = None) -> None:
        """The new text of the document; ``edit`` the change that made it from the previous
        one, when known (in code points of the previous text)."""
        if self._analysis is not None:
            self._base, self._edits = self._analysis, []
        if self._edits is not None:
            if edit is None:
                self._base = self._edits = None
            else:
                self._edits.append(edit)
        self.text = text
        self.version = version
        self._analysis = None
        self.run = None  # run findings belong to the text they ran


class DocumentStore:
    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}

    def open(
        self, uri: str, language_id: str | None, version: int | None, text: str
    ) -> Document | None:
        if not is_lexis(uri, language_id, text):
            self.docs.pop(uri, None)
            return None
        doc = Document(uri, language_id, version, text)
        self.docs[uri] = doc
        return doc

    def get(self, uri: str) -> Document | None:
        return self.docs.get(uri)

    def close(self, uri: str) -> Document | None:
        return self.docs.pop(uri, None)
