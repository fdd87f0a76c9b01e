"""Analysis speed: `lexis check`'s whole analysis, in-process, on generated programs.

Generates realistic programs of 1k, 10k and 50k nodes (one node per line, a mix of constants,
arithmetic, strings, sequences, subgraph calls and prints; every capability declared, no
finding above a hint) and prints the median time of the full analysis (parse, model, every
check) next to the time `json.loads` needs just to decode the same text.

Then, at 10k and 50k nodes (`--edit-sizes`), a one-node value edit (a constant in the middle of
the program changes) analysed in full and with `lexis_ls.lang.incremental.reanalyze`, median of
`--repeat` runs each (every reanalyze starts from a fresh copy of the analysis before the edit,
which it consumes; that copy is made outside the timing).

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

from lexis_ls.lang.analysis import Analysis, analyze
from lexis_ls.lang.incremental import reanalyze


def generate(n: int, seed: int = 7) -> str:
    """A valid program of ``n`` nodes in which every node is used.

    Constants, arithmetic, strings (format/upper), standard-library subgraph calls and prints,
    each computing node taking the oldest values nobody has used yet, so the program has no
    finding above a hint and few hints at all.
    """
    rng = random.Random(seed)
    nodes: list[dict[str, object]] = []
    unused_numbers: list[str] = []
    unused_strings: list[str] = []

    def take(pool: list[str], other: list[str]) -> str:
        return pool.pop(0) if pool else other.pop(0)

    i = 0
    while len(nodes) < n - 2:
        nid = f"n{i}"
        i += 1
        kind = rng.random()
        if len(unused_numbers) < 2 or kind < 0.3:
            nodes.append({"id": nid, "op": "const", "value": i})
            unused_numbers.append(nid)
        elif kind < 0.55:
            op = rng.choice(["add", "sub", "mul", "div"])
            a, b = unused_numbers.pop(0), unused_numbers.pop(0)
            nodes.append({"id": nid, "op": op, "inputs": [a, b]})
            unused_numbers.append(nid)
        elif kind < 0.7:
            nodes.append(
                {"id": nid, "op": "format", "inputs": [unused_numbers.pop(0)], "value": "n = {}"}
            )
            unused_strings.append(nid)
        elif kind < 0.8 and unused_strings:
            nodes.append(
                {"id": nid, "op": "upper", "inputs": [unused_strings.pop(0)], "doc": "shout"}
            )
            unused_strings.append(nid)
        elif kind < 0.9:
            nodes.append(
                {
                    "id": nid,
                    "op": "subgraph_call",
                    "inputs": [unused_numbers.pop(0)],
                    "value": "std:double",
                }
            )
            unused_numbers.append(nid)
        else:
            nodes.append(
                {"id": nid, "op": "print", "inputs": [take(unused_strings, unused_numbers)]}
            )
    rest = unused_numbers + unused_strings
    nodes.append({"id": "rest", "op": "sequence", "inputs": rest})
    nodes.append({"id": "total", "op": "print", "inputs": ["rest"]})
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


def middle_const_edit(analysis: Analysis) -> tuple[int, int, str]:
    """Replace the value of the `const` node nearest the middle of the main graph."""
    nodes = analysis.program.main.nodes
    for node in nodes[len(nodes) // 2 :]:
        span = node.value_span("value")
        if node.op == "const" and span is not None:
            return span.start, span.end, str(int(analysis.text[span.start : span.end]) + 1000)
    raise ValueError("no const node")


def bench_edit(n: int, repeat: int) -> None:
    text = generate(n)
    start, end, fragment = middle_const_edit(analyze(text))
    new_text = text[:start] + fragment + text[end:]
    full = median_ms(lambda: analyze(new_text), repeat)
    times = []
    for _ in range(repeat + 1):
        old = analyze(text)
        old.lines  # noqa: B018 - the server has it: reanalyze splices it
        gc.collect()
        t0 = time.perf_counter()
        result = reanalyze(old, start, end, fragment)
        times.append((time.perf_counter() - t0) * 1000)
        assert result.incremental == "value", result.fallback
        del old, result  # freeing a 50k-node analysis is not part of the edit
    incremental = statistics.median(times[1:])
    print(f"{n:>7} {full:>12.1f} {incremental:>15.1f} {full / incremental:>8.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--edit-sizes", default="10000,50000")
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
    if args.edit_sizes:
        print()
        print("one-node value edit:")
        print(f"{'nodes':>7} {'analyze ms':>12} {'reanalyze ms':>15} {'speed-up':>9}")
        for n in (int(s) for s in args.edit_sizes.split(",")):
            bench_edit(n, args.repeat)


if __name__ == "__main__":
    main()
