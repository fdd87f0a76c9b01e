""" "Did you mean" suggestions: case-insensitive matches first, then edit distance."""

from __future__ import annotations

from collections.abc import Iterable


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition costs 1), or ``limit + 1`` if larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


def suggestions(name: str, candidates: Iterable[str], *, most: int = 3) -> list[str]:
    """Close candidates for ``name``, best first.

    A candidate equal to ``name`` but for letter case wins alone. Otherwise candidates within an
    edit distance of about a third of the name's length (1 to 3), then those that contain the
    name or are contained in it (``double`` -> ``std:double``).
    """
    lowered = name.lower()
    pool = [c for c in candidates if c != name]
    for c in pool:
        if c.lower() == lowered:
            return [c]
    limit = max(1, min(3, len(name) // 3))
    scored: list[tuple[int, str]] = []
    for c in pool:
        if len(name) < 3 and (not c or not lowered or c[0].lower() != lowered[0]):
            continue  # any one-letter change of a short name is no evidence: keep the first letter
        d = distance(lowered, c.lower(), limit)
        if d <= limit:
            scored.append((d, c))
    scored.sort()
    out = [c for _, c in scored]
    if len(lowered) >= 3:
        for c in pool:
            cl = c.lower()
            if c not in out and (
                cl.endswith(":" + lowered) or (lowered in cl and len(cl) - len(lowered) <= 4)
            ):
                out.append(c)
    return out[:most]


def did_you_mean(options: list[str], quote: str = "`") -> str:
    if not options:
        return ""
    quoted = [f"{quote}{o}{quote}" for o in options]
    if len(quoted) == 1:
        return f"did you mean {quoted[0]}?"
    return f"did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
