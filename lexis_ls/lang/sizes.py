"""Sizes of memory limits as people write them (``512M``, ``2G``, ``1.5GiB``): pure text, shared
by the run limits (lexis_ls/run/limits.py), the editors' settings and the project
configuration."""

from __future__ import annotations

import math
import re
from typing import Any

DEFAULT_MEMORY = 1 << 30  # bytes of address space of the run's process
MIN_MEMORY = 64 << 20  # below this the interpreter itself cannot work
MAX_MEMORY = 1 << 40

_UNITS = {"": 1 << 20, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes of a size such as ``512M``, ``2G``, ``1.5GiB``, ``300mb`` (binary units: K, M, G,
    T; a bare number is MiB). Raises ValueError with a message for anything else, or for a size
    outside MIN_MEMORY..MAX_MEMORY."""
    m = _SIZE.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a size such as 512M or 2G")
    size = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if not MIN_MEMORY <= size <= MAX_MEMORY:
        raise ValueError(
            f"{text.strip()} is outside {format_size(MIN_MEMORY)}..{format_size(MAX_MEMORY)}"
        )
    return size


def size_setting(value: Any) -> int | None:
    """A memory setting (a size string, or a number of MiB) in bytes; None when invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        value = f"{value}M"
    if not isinstance(value, str):
        return None
    try:
        return parse_size(value)
    except ValueError:
        return None


def format_size(size: int) -> str:
    """``1 GiB``, ``300 MiB``, ``1.5 GiB``."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.4g} {unit}"
    return f"{size} B"
