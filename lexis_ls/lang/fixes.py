"""Applying fixes: single quick fixes, and fix-all (the safe set) to a fixed point.

Edits are plain :class:`~lexis_ls.lang.diagnostics.TextEdit` values over code-point offsets.
``fix_all`` applies, in rounds, every safe fix whose edits do not overlap an edit already taken in
that round (two insertions at one offset also wait), re-analysing between rounds, until no safe
fix is left. So applying it twice gives the same text as applying it once, and text that no fix
touches is kept byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .analysis import Analysis, Options, analyze
from .diagnostics import Diagnostic, Fix, Scope, TextEdit, apply_edits

__all__ = ["FixAllResult", "apply_edits", "fix_all", "safe_fixes", "select_compatible"]
from .repair.policy import self_consistent

MAX_ROUNDS = 50


def _conflicts(edit: TextEdit, taken: list[TextEdit]) -> bool:
    for t in taken:
        if edit.start < t.end and t.start < edit.end:
            return True
        if (
            edit.start == t.start
            or edit.end == t.end
            or (edit.start == t.end and edit.end == t.start)
        ):
            return True  # same insertion point or touching replacements: take it next round
        if edit.start == edit.end and t.start < edit.start < t.end:
            return True
    return False


def select_compatible(fixes: Iterable[Fix]) -> list[Fix]:
    chosen: list[Fix] = []
    taken: list[TextEdit] = []
    seen: set[tuple[TextEdit, ...]] = set()
    for fix in fixes:
        if fix.edits in seen:
            continue  # one fix offered on several diagnostics ("Repair JSON syntax"): once
        if not self_consistent(fix):
            continue  # a defect in a check must not crash fix-all
        if any(_conflicts(e, taken) for e in fix.edits):
            continue
        seen.add(fix.edits)
        chosen.append(fix)
        taken.extend(fix.edits)
    return chosen


def safe_fixes(diagnostics: Iterable[Diagnostic]) -> list[Fix]:
    return [f for d in diagnostics for f in d.fixes if f.safe]


@dataclass
class FixAllResult:
    text: str
    applied: list[tuple[str, str]]  # (code, fix title), in the order applied
    analysis: Analysis  # of the final text
    rounds: int


def fix_all(
    text: str,
    options: Options | None = None,
    analysis: Analysis | None = None,
    keep: Callable[[Diagnostic], bool] | None = None,
) -> FixAllResult:
    """The safe fixes applied in rounds to a fixed point; with ``keep``, only the fixes of the
    findings it keeps (``lexis fix --select``, a project configuration's ignores)."""
    current = analysis if analysis is not None and analysis.text == text else analyze(text, options)
    applied: list[tuple[str, str]] = []
    rounds = 0
    while rounds < MAX_ROUNDS:
        candidates = [
            (d.code, f)
            for d in current.diagnostics
            if keep is None or keep(d)
            for f in d.fixes
            if f.safe
        ]
        # Whole-program fixes (an unused capability, ...) judge the program as it will be:
        # they wait until every local fix is done.
        local = [(c, f) for c, f in candidates if f.scope is not Scope.PROGRAM]
        candidates = local or candidates
        if not candidates:
            break
        chosen = select_compatible(f for _, f in candidates)
        if not chosen:
            break
        chosen_ids = {id(f) for f in chosen}
        edits = [e for f in chosen for e in f.edits]
        new_text = apply_edits(current.text, edits)
        if new_text == current.text:
            break
        for code, f in candidates:
            if id(f) in chosen_ids:
                chosen_ids.discard(id(f))  # a fix shared by several diagnostics counts once
                applied.append((code, f.title))
        current = analyze(new_text, options)
        rounds += 1
    return FixAllResult(current.text, applied, current, rounds)
