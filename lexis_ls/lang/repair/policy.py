"""The fix-safety policy (DIAGNOSTICS.md, "Fix safety"), enforced in one place.

A wrong fix that makes a program check clean is worse than no fix: the editor then says all is
well. Checks build their fixes with the evidence they have (``Fix.safe``, ``Fix.evidence``,
``Fix.scope``); :func:`apply_policy` then, for every analysis:

- orders each diagnostic's fixes by evidence, best first (a fix that drops a reference to a
  value is never first; quick fixes and ``isPreferred`` follow this order);
- withholds every whole-program fix (unused capability or node, merging duplicates) while the
  text has syntax errors: what the unparsed text uses is unknown;
- withholds every fix inside a node object whose text has a syntax error, but the JSON repairs
  themselves (LX0001); and keeps fixes inside a node with shape errors out of fix-all until the
  shape is repaired (fix-all applies them in a later round).

The helpers below are the rules the checks share for choosing among candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import pairwise
from typing import TYPE_CHECKING, Final, TypeVar

from ..diagnostics import Diagnostic, Evidence, Fix, Scope

if TYPE_CHECKING:
    from ..model import Program
    from ..syntax import ParseResult

T = TypeVar("T")

# The policy as DIAGNOSTICS.md states it, quoted by the explain pages (`lexis explain`).
POLICY_TEXT: Final = """\
A fix is *safe* (applied by `lexis fix`, fix-all and fix-on-save) only on unambiguous evidence.
Among several candidates a fix is offered only when the best is clearly ahead of the next; for
names of four letters or fewer a one-letter substitution is no evidence. A placeholder never
makes a program clean. A fix that drops a reference to a value is never offered first. No
whole-program fix is applied while the text has syntax errors, nor any fix inside an object that
has syntax or shape errors."""

# Codes whose fixes repair the text or the shape of the object they are in.
SHAPE_CODES: Final = frozenset(
    {"LX0001", "LX0002", "LX0003", "LX0004", "LX0005", "LX0006", "LX0007", "LX1012"}
)

# How far ahead (in score units of the caller) the best candidate must be of the next.
MARGIN: Final = 1.0


def clear_winner(scored: Sequence[tuple[float, T]], margin: float = MARGIN) -> T | None:
    """The best candidate of ``(score, candidate)`` pairs (higher is better) when it is at
    least ``margin`` ahead of the second; ``None`` when there is none or it is a close call."""
    if not scored:
        return None
    ordered = sorted(scored, key=lambda p: -p[0])
    if len(ordered) > 1 and ordered[0][0] - ordered[1][0] < margin:
        return None
    return ordered[0][1]


def substitution_is_evidence(name: str, candidate: str) -> bool:
    """Whether ``candidate`` may stand for ``name`` on edit distance alone: for names of four
    letters or fewer a one-letter substitution is no evidence (`sum` is one letter from `sub`)."""
    if len(name) > 4 and len(candidate) > 4:
        return True
    if len(name) != len(candidate):
        return True  # an insertion or deletion, judged by the caller's distance
    diffs = [
        i for i, (a, b) in enumerate(zip(name.lower(), candidate.lower(), strict=True)) if a != b
    ]
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
        a, b = name.lower(), candidate.lower()
        return a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]  # a transposition
    return len(diffs) == 0


def ordered(fixes: Iterable[Fix]) -> tuple[Fix, ...]:
    """Best evidence first (stable: equal evidence keeps the order the check gave). A fix that
    drops a reference is never first: with nothing better before it, it is not offered (an
    editor that applies the first fix would throw a value away on no evidence)."""
    out = sorted(fixes, key=lambda f: -f.rank)
    if out and out[0].rank == Evidence.DROPS:
        return ()
    return tuple(out)


def preferred(fix: Fix) -> bool:
    """Whether the first fix of a diagnostic is marked ``isPreferred``."""
    return fix.rank >= Evidence.LIKELY


def self_consistent(fix: Fix) -> bool:
    """The fix's own edits do not overlap (insertions at one offset are fine)."""
    spans = sorted((e.start, e.end) for e in fix.edits)
    return all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))


def _inside(fix: Fix, spans: list[tuple[int, int]]) -> bool:
    # module-level: a nested function would be cyclic garbage when compiled (lang/native.py)
    return any(a <= e.start and e.end <= b for e in fix.edits for a, b in spans)


def apply_policy(
    diagnostics: list[Diagnostic], parsed: ParseResult, program: Program
) -> list[Diagnostic]:
    """``diagnostics`` with their fixes filtered and ordered by the policy."""
    syntax_errors = bool(parsed.errors)
    broken: list[tuple[int, int]] = []
    unshaped: list[tuple[int, int]] = []
    if syntax_errors or any(d.code in SHAPE_CODES for d in diagnostics):
        for node in program.all_nodes():
            span = (node.syntax.start, node.syntax.end)
            if node.broken:
                broken.append(span)
            elif not node.shape_ok:
                unshaped.append(span)

    out: list[Diagnostic] = []
    for d in diagnostics:
        if not d.fixes:
            out.append(d)
            continue
        kept: list[Fix] = []
        for f in d.fixes:
            if not self_consistent(f):
                continue  # overlapping edits cannot be applied: a defect, never offered
            if d.code == "LX0001":
                kept.append(f)
                continue
            if syntax_errors and f.scope is Scope.PROGRAM:
                continue
            if broken and _inside(f, broken):
                continue
            if f.safe and d.code not in SHAPE_CODES and unshaped and _inside(f, unshaped):
                f = replace(f, safe=False)
            kept.append(f)
        fixes = ordered(kept)
        out.append(d if fixes == d.fixes else replace(d, fixes=fixes))
    return out
