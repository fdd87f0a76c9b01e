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
    """Distinct constants every tenth node; between them add, mul and sub of the two previous
    values, each followed by a mod by the latest constant so that values stay small (no
    big-number arithmetic, no overflow); one print at the end. The program is clean."""
    nodes: list[dict[str, object]] = [
        {"id": "n0", "op": "const", "value": 3},
        {"id": "n1", "op": "const", "value": 7},
    ]
    ops = ["add", "mul", "sub"]
    last_const = "n1"
    for i in range(2, n - 1):
        nid = f"n{i}"
        if i % 10 == 0:
            nodes.append({"id": nid, "op": "const", "value": i})
            last_const = nid
        elif i % 2:
            nodes.append({"id": nid, "op": ops[i % 3], "inputs": [f"n{i - 1}", f"n{i - 2}"]})
        else:
            nodes.append({"id": nid, "op": "mod", "inputs": [f"n{i - 1}", last_const]})
    nodes.append({"id": "out", "op": "print", "inputs": [f"n{n - 2}"]})
    body = ",\n".join("    " + json.dumps(node) for node in nodes)
    return (
        '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
        f'  "nodes": [\n{body}\n  ]\n}}\n'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="interpreter benchmark")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(
        f"{'nodes':>7} {'run ms':>8} {'analyse+run ms':>15}   (run: schedule, execute, hash every node)"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        text = generate(n)
        run_times, total_times = [], []
        for k in range(args.repeat + 1):
            gc.collect()
            start = time.perf_counter()
            analysis = analyze(text)  # fresh each time: hashes are computed by the run, not cached
            middle = time.perf_counter()
            result = Evaluator(analysis, RunOptions(host=HostOptions(timeout=60))).run()
            end = time.perf_counter()
            assert result.status == "ok" and not result.errors, result.reason
            if k:  # the first round warms up imports and caches
                run_times.append((end - middle) * 1000)
                total_times.append((end - start) * 1000)
        print(
            f"{n:>7} {statistics.median(run_times):>8.1f} {statistics.median(total_times):>15.1f}"
        )


if __name__ == "__main__":
    main()
