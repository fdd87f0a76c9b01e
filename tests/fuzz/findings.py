"""Counting and recording findings: one JSON file per distinct finding (the smallest
reproduction seen for its signature) in tests/fuzz/findings/ (git-ignored)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

FINDINGS_DIR = Path(__file__).resolve().parent / "findings"
CLASSES = (
    "hangs",
    "crashes",
    "internal_errors",
    "mismatches",
    "out_of_range_edits",
    "invalid_ranges",
    "wrong_error_codes",
)
_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


def traceback_signature(text: str) -> str:
    """`file:function ExceptionType` of the innermost project frame of a traceback and the
    exception it raised ('' when the text holds no project frame)."""
    frames = [m for m in _FRAME.finditer(text) if "lexis_ls" in m.group(1)]
    if not frames:
        exc = _EXC.search(text)
        return exc.group(1).rsplit(".", 1)[-1] if exc else ""
    frame = frames[-1]
    where = f"{Path(frame.group(1)).name}:{frame.group(3)}"
    exc = _EXC.search(text, frame.end())
    name = exc.group(1).rsplit(".", 1)[-1] if exc else "?"
    return f"{where} {name}"


_EXC = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Refused|Interrupt|Warning|Found|Params))\b", re.M
)


class Findings:
    """Counts of everything the fuzzer did and found; the distinct findings, on disk."""

    def __init__(self, part: str, out_dir: Path | None = FINDINGS_DIR) -> None:
        self.part = part
        self.out_dir = out_dir
        self.counts: Counter[str] = Counter({c: 0 for c in CLASSES})
        self.seen: dict[tuple[str, str], Path] = {}
        self.sizes: dict[tuple[str, str], int] = {}

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    def add(self, cls: str, signature: str, repro: dict[str, Any]) -> bool:
        """Count a finding; record its reproduction when new or smaller. True when new."""
        assert cls in CLASSES, cls
        self.counts[cls] += 1
        key = (cls, signature)
        size = len(json.dumps(repro, default=str))
        new = key not in self.seen
        if not new and size >= self.sizes[key]:
            return False
        if self.out_dir is None:  # counting only
            self.seen[key] = Path(signature)
            self.sizes[key] = size
            return new
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if new:
            n = 1 + sum(1 for k in self.seen if k[0] == cls)
            path = self.out_dir / f"{cls}-{self.part}-{n}.json"
            while path.exists() and not self._ours(path):
                n += 1
                path = self.out_dir / f"{cls}-{self.part}-{n}.json"
            self.seen[key] = path
        self.sizes[key] = size
        record = {"class": cls, "part": self.part, "signature": signature, **repro}
        self.seen[key].write_text(
            json.dumps(record, indent=1, ensure_ascii=True, default=str) + "\n", encoding="utf-8"
        )
        if new:
            print(f"  [{self.part}] new {cls}: {signature}", flush=True)
        return new

    def _ours(self, path: Path) -> bool:
        return path in self.seen.values()

    def distinct(self) -> Counter[str]:
        return Counter(k[0] for k in self.seen)

    def result(self) -> dict[str, int]:
        out = dict(self.counts)
        for cls, n in self.distinct().items():
            out[f"distinct_{cls}"] = n
        return out


def clear(out_dir: Path = FINDINGS_DIR) -> None:
    if out_dir.is_dir():
        for path in out_dir.glob("*.json"):
            path.unlink()
