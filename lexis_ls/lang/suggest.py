""" "Did you mean" suggestions: case-insensitive matches first, then edit distance."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition costs 1), or ``limit + 1`` if larger
    (rapidfuzz's OSA, which stops early past the limit)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    return int(OSA.distance(a, b, score_cutoff=limit))


def suggestions(name: str, candidates: Iterable[str], *, most: int = 3) -> list[str]:
    """Close candidates for ``name``, best first.

    A candidate equal to ``name`` but for letter case wins alone. Otherwise candidates within an
    edit distance of about a third of the name's length (1 to 3), then those that contain the
    name or are contained in it (``double`` -> ``std:double``).

    The distances are computed by rapidfuzz in one call over all candidates (a broken reference
    in a program of 50,000 nodes is compared with every id), not one Python call each.
    """
    lowered = name.lower()
    pool = [c for c in candidates if c != name]
    lows = [c.lower() for c in pool]
    if lowered in lows:
        return [pool[lows.index(lowered)]]
    limit = max(1, min(3, len(name) // 3))
    scored: list[tuple[int, str]] = []
    for _, d, k in process.extract(
        lowered, lows, scorer=OSA.distance, score_cutoff=limit, limit=None
    ):
        c = pool[k]
        if len(name) < 3 and (not c or not lowered or c[0].lower() != lowered[0]):
            continue  # any one-letter change of a short name is no evidence: keep the first letter
        scored.append((int(d), c))
    scored.sort()
    out = [c for _, c in scored]
    if len(lowered) >= 3:
        suffix = ":" + lowered
        width = len(lowered) + 4
        for c, cl in zip(pool, lows, strict=True):
            if (lowered in cl and (len(cl) <= width or cl.endswith(suffix))) and c not in out:
                out.append(c)
    return out[:most]


def did_you_mean(options: list[str], quote: str = "`") -> str:
    if not options:
        return ""
    quoted = [f"{quote}{o}{quote}" for o in options]
    if len(quoted) == 1:
        return f"did you mean {quoted[0]}?"
    return f"did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
