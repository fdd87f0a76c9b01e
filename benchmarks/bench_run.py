"""Interpreter speed: running a generated 10k-node arithmetic program.

Prints the median time of the run alone (schedule, sandbox checks, every node executed) and of
analysis plus run, as `lexis run` does. Run: `.venv/bin/python benchmarks/bench_run.py`.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time

from lexis_ls.lang.analysis import analyze
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.host import HostOptions


def generate(n: int) -> str:
    """Distinct constants, and add/sub/mul over the two previous values (values stay small:
    the sub steps cancel the growth); one print at the end. The program is clean: no finding
    above a hint."""
    nodes: list[dict[str, object]] = [
        {"id": "n0", "op": "const", "value": 3},
        {"id": "n1", "op": "const", "value": 7},
    ]
    ops = ["add", "sub", "mul", "sub"]
    for i in range(2, n - 1):
        if i % 10 == 0:
            nodes.append({"id": f"n{i}", "op": "const", "value": i})
        else:
            nodes.append({"id": f"n{i}", "op": ops[i % 4], "inputs": [f"n{i - 1}", f"n{i - 2}"]})
    nodes.append({"id": "out", "op": "print", "inputs": [f"n{n - 2}"]})
    body = ",\n".join("    " + json.dumps(node) for node in nodes)
    return (
        '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
        f'  "nodes": [\n{body}\n  ]\n}}\n'
    )


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description="interpreter benchmark")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{'nodes':>7} {'run ms':>8} {'analyse+run ms':>15}")
    for n in (int(s) for s in args.sizes.split(",")):
        text = generate(n)
        analysis = analyze(text)
        options = RunOptions(host=HostOptions(timeout=60))

        def run_only(analysis=analysis, options=options):  # type: ignore[no-untyped-def]
            result = Evaluator(analysis, options).run()
            assert result.status == "ok", result.reason

        def both(text=text, options=options):  # type: ignore[no-untyped-def]
            Evaluator(analyze(text), options).run()

        print(
            f"{n:>7} {median_ms(run_only, args.repeat):>8.1f} {median_ms(both, args.repeat):>15.1f}"
        )


if __name__ == "__main__":
    main()
