"""Caching of pure subgraph calls, keyed by content: (subgraph hash, hashes of the arguments).

The in-memory memo lives for one run. The disk cache (``lexis run --cache``) keeps results
between runs under the user cache directory, sharded by the first two hex digits of the key and
bounded in size: when it grows past its limit the least recently used entries go. Only results
that are plain JSON are stored (not error values or FUNCs), and only calls of subgraphs with no
effect and no randomness are cached at all (the evaluator decides).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import blake3

from ..lang.values import ErrorValue
from .files import write_atomic

MISS: Any = object()
DEFAULT_DISK_LIMIT = 64 * 1024 * 1024
MAX_DISK_VALUE_SIZE = 1_000_000  # elements and characters of a result written to disk


def value_key(value: Any) -> str | None:
    """A canonical text for a value (``None`` for values that are not plain JSON)."""
    try:
        return json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_refuse,
        )
    except (TypeError, ValueError, RecursionError):  # not JSON, or nested too deeply to hash
        return None


def _refuse(value: Any) -> Any:
    hash_ = getattr(value, "hash", None)
    if isinstance(hash_, str):  # a FUNC: its content hash identifies it
        return {"$func": hash_}
    raise TypeError("not a plain value")


def call_key(subgraph_hash: str, args: list[Any]) -> str | None:
    parts = [value_key(a) for a in args]
    if any(p is None for p in parts):
        return None
    text = json.dumps([subgraph_hash, parts], separators=(",", ":"))
    return blake3.blake3(text.encode("utf-8")).hexdigest()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lexis" / "calls"


class CallCache:
    def __init__(self, disk_dir: Path | None = None, disk_limit: int = DEFAULT_DISK_LIMIT) -> None:
        self.memo: dict[str, Any] = {}
        self.disk_dir = disk_dir
        self.disk_limit = disk_limit
        self.hits = 0
        self.misses = 0
        self._puts = 0

    def get(self, key: str) -> Any:
        if key in self.memo:
            self.hits += 1
            return self.memo[key]
        if self.disk_dir is not None:
            path = self._path(key)
            try:
                with open(path, encoding="utf-8") as fh:
                    value = json.load(fh)
                os.utime(path)  # recently used
            except (OSError, ValueError):
                pass
            else:
                self.memo[key] = value
                self.hits += 1
                return value
        self.misses += 1
        return MISS

    def put(self, key: str, value: Any, size: int = 0) -> None:
        """Keeps ``value`` for this run, and on disk when it is plain JSON and its expanded
        ``size`` (when the caller knows it) is at most :data:`MAX_DISK_VALUE_SIZE`."""
        self.memo[key] = value
        if self.disk_dir is None or isinstance(value, ErrorValue) or size > MAX_DISK_VALUE_SIZE:
            return
        text = value_key(value)
        if text is None or '"$func"' in text:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # atomic (a reader sees a whole entry or none); no fsync: a lost entry is a miss
            write_atomic(path, json.dumps(value, ensure_ascii=False), fsync=False)
        except OSError:  # WriteError included: the cache is best effort
            return
        self._puts += 1
        if self._puts % 64 == 1:  # walking the whole cache on every write would cost too much
            self._trim()

    def _path(self, key: str) -> Path:
        assert self.disk_dir is not None
        return self.disk_dir / key[:2] / f"{key}.json"

    def _trim(self) -> None:
        assert self.disk_dir is not None
        entries = []
        total = 0
        for shard in self.disk_dir.iterdir() if self.disk_dir.is_dir() else ():
            if not shard.is_dir():
                continue
            for f in shard.iterdir():
                try:
                    st = f.stat()
                except OSError:
                    continue
                entries.append((st.st_mtime, st.st_size, f))
                total += st.st_size
        if total <= self.disk_limit:
            return
        entries.sort()
        for _, size, f in entries:
            if total <= self.disk_limit * 0.8:
                break
            try:
                f.unlink()
                total -= size
            except OSError:
                pass
