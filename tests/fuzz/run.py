"""The fuzzer's driver: `python -m tests.fuzz [--budget SECONDS] [--seed N] [--parts ...]`
(defaults: FUZZ_BUDGET or 600 seconds, FUZZ_SEED or a random seed, printed). The budget is
shared among the parts in proportion to their weights; each part is a module with
`run(budget: float, seed: int) -> dict[str, int]` that writes its own findings to
tests/fuzz/findings/. Exit status 1 when anything was found."""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence

from .findings import CLASSES, FINDINGS_DIR

# part -> share of the budget (parts whose module is missing are skipped, their share spread)
PARTS = {
    "lsp_fuzz": 0.45,
    "storms": 0.25,
    "protocol": 0.15,
    "dap_fuzz": 0.10,
    "interp_fuzz": 0.05,
}
FINDING_KEYS = set(CLASSES) | {
    "tracebacks",
    "hangs",
    "crashes",
    "internal_errors",
    "mismatches",
    "out_of_range_edits",
    "invalid_ranges",
    "wrong_error_codes",
}


def load(name: str) -> object | None:
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.endswith(name):
            return None
        raise


def is_finding(key: str) -> bool:
    """Counts that are findings: the classes (and whatever other part reports under a name
    like them); `distinct_*` counts and activity counts are not."""
    if key.startswith("distinct_"):
        return False
    return key in FINDING_KEYS or key.endswith(("errors", "hangs", "crashes", "mismatches"))


def run_all(budget: float, seed: int, parts: Sequence[str] | None = None) -> Counter[str]:
    chosen = {p: w for p, w in PARTS.items() if parts is None or p in parts}
    modules = {p: load(p) for p in chosen}
    present = {p: w for p, w in chosen.items() if modules[p] is not None}
    missing = sorted(set(chosen) - set(present))
    if missing:
        print(f"fuzz: no module for {', '.join(missing)}: skipped", flush=True)
    total_weight = sum(present.values()) or 1.0
    start = time.monotonic()
    totals: Counter[str] = Counter()
    left_parts = list(present)
    for i, part in enumerate(left_parts):
        # what the earlier parts left over goes to the later ones
        remaining = budget - (time.monotonic() - start)
        weight_left = sum(present[p] for p in left_parts[i:])
        share = max(1.0, remaining * present[part] / weight_left)
        part_seed = seed * 1000 + i
        print(f"fuzz: {part}: {share:.0f} s, seed {part_seed}", flush=True)
        t0 = time.monotonic()
        counts = modules[part].run(share, part_seed)  # type: ignore[attr-defined]
        print(f"fuzz: {part} done in {time.monotonic() - t0:.0f} s: {counts}", flush=True)
        for key, value in counts.items():
            totals[key] += int(value)
    _ = total_weight
    return totals


def report(totals: Counter[str]) -> int:
    activity = {
        k: v for k, v in totals.items() if not is_finding(k) and not k.startswith("distinct_")
    }
    found = {k: v for k, v in totals.items() if is_finding(k)}
    distinct = {k: v for k, v in totals.items() if k.startswith("distinct_")}
    print("\nfuzz: activity: " + ", ".join(f"{k} {v}" for k, v in sorted(activity.items())))
    print("fuzz: findings: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items())))
    if distinct:
        print("fuzz: distinct: " + ", ".join(f"{k[9:]} {v}" for k, v in sorted(distinct.items())))
    n = sum(found.values())
    if n:
        print(f"fuzz: {n} findings; reproductions in {FINDINGS_DIR}/")
    else:
        print("fuzz: no findings")
    return 1 if n else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--budget", type=float, default=float(os.environ.get("FUZZ_BUDGET") or 600))
    env_seed = os.environ.get("FUZZ_SEED")
    parser.add_argument("--seed", type=int, default=int(env_seed) if env_seed else None)
    parser.add_argument("--parts", nargs="*", choices=sorted(PARTS), default=None)
    parser.add_argument(
        "--keep", action="store_true", help="keep the findings of earlier runs in the folder"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    print(f"fuzz: budget {args.budget:.0f} s, seed {seed} (FUZZ_SEED={seed} to repeat)", flush=True)
    if not args.keep and FINDINGS_DIR.is_dir():
        for path in FINDINGS_DIR.glob("*.json"):
            path.unlink()
    return report(run_all(args.budget, seed, args.parts))


if __name__ == "__main__":
    sys.exit(main())
