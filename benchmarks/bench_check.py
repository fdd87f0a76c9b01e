"""Analysis speed: `lexis check`'s whole analysis, in-process, on generated programs.

Generates realistic programs of 1k, 10k and 50k nodes (one node per line, a mix of constants,
arithmetic, strings, sequences, subgraph calls and prints; every capability declared, no
finding above a hint) and prints the median time of the full analysis (parse, model, every
check) next to the time `json.loads` needs just to decode the same text.

Run: `make bench` or `.venv/bin/python benchmarks/bench_check.py [--sizes 1000,10000] [--repeat 7]`.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
from collections.abc import Callable

from lexis_ls.lang.analysis import analyze


def generate(n: int, seed: int = 7) -> str:
    """A valid program of about ``n`` nodes."""
    rng = random.Random(seed)
    nodes: list[dict[str, object]] = []
    numbers: list[str] = []
    strings: list[str] = []
    for i in range(n - 1):
        nid = f"n{i}"
        kind = rng.random()
        if len(numbers) < 2 or kind < 0.2:
            nodes.append({"id": nid, "op": "const", "value": rng.randint(1, 1000)})
            numbers.append(nid)
        elif kind < 0.5:
            op = rng.choice(["add", "sub", "mul", "div"])
            a, b = rng.sample(numbers[-50:], 2)
            nodes.append({"id": nid, "op": op, "inputs": [a, b]})
            numbers.append(nid)
        elif kind < 0.65:
            a = rng.choice(numbers[-50:])
            nodes.append({"id": nid, "op": "format", "inputs": [a], "value": "value: {}"})
            strings.append(nid)
        elif kind < 0.75 and strings:
            a = rng.choice(strings[-50:])
            nodes.append({"id": nid, "op": "upper", "inputs": [a], "doc": "shout it"})
            strings.append(nid)
        elif kind < 0.85:
            a = rng.choice(numbers[-50:])
            nodes.append({"id": nid, "op": "subgraph_call", "inputs": [a], "value": "std:double"})
            numbers.append(nid)
        else:
            a = rng.choice((strings or numbers)[-50:])
            nodes.append({"id": nid, "op": "print", "inputs": [a]})
    nodes.append({"id": "total", "op": "print", "inputs": [numbers[-1]]})
    body = ",\n".join("    " + json.dumps(node) for node in nodes)
    return (
        '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
        f'  "nodes": [\n{body}\n  ]\n}}\n'
    )


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{'nodes':>7} {'KB':>7} {'analysis ms':>12} {'json.loads ms':>14} {'ratio':>6} findings")
    for n in (int(s) for s in args.sizes.split(",")):
        text = generate(n)
        analysis = analyze(text)
        serious = [d for d in analysis.diagnostics if d.severity.value in ("error", "warning")]
        assert not serious, serious[:3]
        full = median_ms(lambda text=text: analyze(text), args.repeat)
        decode = median_ms(lambda text=text: json.loads(text), args.repeat)
        print(
            f"{n:>7} {len(text) // 1024:>7} {full:>12.1f} {decode:>14.1f} {full / decode:>6.1f} "
            f"{len(analysis.diagnostics)}"
        )


if __name__ == "__main__":
    main()
