"""Graph page speed: time to ready of the `lexis viz` page in headless Chromium.

Generates programs of 100, 1,000 and 10,000 nodes in two shapes: "long" (``bench_check.generate``:
constants, arithmetic, strings, stdlib subgraph calls and prints, each node taking the oldest
values nobody has used yet, so many edges span the whole program) and "chain" (each node takes
its inputs from the few nodes just before it, with a user subgraph called every 50 nodes: about
70 layers and 1,500 input edges at 1,000 nodes, many of them spanning several layers, which
dagre fills with dummy nodes: the harder shape for the layered layout), builds each page with
``lexis_ls.viz`` (the same page `lexis viz` writes), opens it in /usr/bin/chromium through
playwright-core (installed by tests/editors/vscode/install.sh) and prints, per size, the median
over ``--repeat`` page loads of:

- laid out: navigation start to the graph laid out (the page's ``lexis:ready`` mark);
- ready: navigation start to the next frame painted after that (the time to ready);
- select: selecting the last node until the next frame is painted (above 1,500 nodes this builds
  and lays out a new neighbourhood view);
- gap: the longest pause of the page's main thread during 500 ms of zooming and panning;

with the number of nodes on the canvas and in the accessible list. Also the Python side: the
GraphData and HTML page built in-process.

Run: `.venv/bin/python benchmarks/bench_viz.py [--sizes 100,1000,10000] [--shapes long,chain]
[--repeat 3]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_check import generate  # noqa: E402

from lexis_ls.lang.analysis import analyze  # noqa: E402
from lexis_ls.lang.graph import graph_data  # noqa: E402
from lexis_ls.viz import page_html  # noqa: E402


def generate_chain(n: int, seed: int = 11) -> str:
    """A valid program of ``n`` nodes whose inputs are the few nodes just before them."""
    rng = random.Random(seed)
    body = [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "one", "op": "const", "value": 1},
        {"id": "y", "op": "add", "inputs": ["x", "one"]},
        {"id": "out", "op": "output_port", "inputs": ["y"], "value": 0},
    ]
    nodes: list[dict[str, object]] = []
    numbers: list[str] = []
    while len(nodes) < n:
        i = len(nodes)
        nid = f"n{i}"
        if len(numbers) < 2 or rng.random() < 0.25:
            nodes.append({"id": nid, "op": "const", "value": rng.randint(1, 99)})
        elif i % 50 == 49:
            nodes.append(
                {"id": nid, "op": "subgraph_call", "inputs": [numbers[-1]], "value": "inc"}
            )
        elif i % 25 == 24:
            nodes.append({"id": nid, "op": "print", "inputs": [numbers[-1]]})
            continue
        else:
            a, b = rng.sample(numbers[-6:], 2) if len(numbers) >= 6 else numbers[-2:]
            nodes.append({"id": nid, "op": rng.choice(["add", "sub", "mul"]), "inputs": [a, b]})
        numbers.append(nid)
    program = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
        "nodes": nodes,
        "subgraphs": {"inc": {"nodes": body}},
    }
    return json.dumps(program, indent=1)


def tools_dir() -> Path:
    proc = subprocess.run(
        ["bash", str(ROOT / "tests/editors/vscode/install.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"install.sh failed:\n{proc.stderr[-2000:]}")
    return Path(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--shapes", default="long,chain")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    tools = tools_dir()
    with tempfile.TemporaryDirectory(prefix="bench-viz-") as tmp:
        pages = []
        for shape, n in [(shape, n) for shape in shapes for n in sizes]:
            text = generate(n) if shape == "long" else generate_chain(n)
            t0 = time.perf_counter()
            data = graph_data(analyze(text), f"generated-{n}.lexis.json")
            t1 = time.perf_counter()
            page = page_html(data)
            t2 = time.perf_counter()
            file = Path(tmp) / f"{shape}-{n}.html"
            file.write_text(page, encoding="utf-8")
            print(
                f"{shape:>5} {n:>6} nodes: analysis + GraphData {1000 * (t1 - t0):7.1f} ms, "
                f"page {1000 * (t2 - t1):6.1f} ms, {len(page) / 1e6:.2f} MB"
            )
            pages.append({"name": shape, "nodes": n, "file": str(file)})
        cfg = Path(tmp) / "cfg.json"
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        cfg.write_text(json.dumps({"chromium": chromium, "pages": pages, "repeat": args.repeat}))
        env = {**os.environ, "NODE_PATH": str(tools / "driver" / "node_modules")}
        proc = subprocess.run(
            ["node", str(HERE / "bench_viz_driver.js"), str(cfg)],
            capture_output=True,
            text=True,
            env=env,
            timeout=1800,
            check=False,
        )
        try:
            out = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise SystemExit(
                f"driver failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            ) from None
        if "fatal" in out:
            raise SystemExit(f"driver failed: {out['fatal']}")
        print()
        print(
            f"{'shape':>5} {'nodes':>6}  {'laid out':>9}  {'ready':>9}  {'select':>9}  {'gap':>8}  mode (canvas / list)"
        )
        for r in out["results"]:
            runs = r["runs"]
            keys = ("laidOut", "ready", "select", "gap")
            med = {k: statistics.median(x[k] for x in runs) for k in keys}
            last = runs[-1]
            print(
                f"{r['name']:>5} {r['nodes']:>6}  {med['laidOut']:>6.0f} ms  {med['ready']:>6.0f} ms  {med['select']:>6.0f} ms  "
                f"{med['gap']:>5.0f} ms  {last['mode']} ({last['rendered']} / {last['listed']})"
            )
        print()
        print(
            "phases (medians, ms): the page's marks lexis:start, listed, elements, positioned "
            "(dagre), added (the Cytoscape.js elements at their positions), laid-out (view "
            "fitted); paint: "
            "to the next frame painted (Cytoscape.js styles, measures and draws every element)"
        )
        print(
            f"{'shape':>5} {'nodes':>6}  {'load':>6}  {'model+list':>10}  {'elements':>8}  "
            f"{'dagre':>6}  {'add':>6}  {'fit':>6}  {'paint':>6}"
        )
        for r in out["results"]:
            runs = r["runs"]
            spans = {
                "load": ("", "start"),
                "model": ("start", "listed"),
                "elements": ("listed", "elements"),
                "dagre": ("elements", "positioned"),
                "add": ("positioned", "added"),
                "fit": ("added", "laid-out"),
            }

            def span(run: dict[str, Any], a: str, b: str) -> float:
                # A mark the page did not set is null in the driver's JSON: no time.
                marks = run["marks"]
                start = marks[a] if a else 0.0
                if marks[b] is None or start is None:
                    return float("nan")
                return float(marks[b] - start)

            ph = {k: statistics.median(span(x, a, b) for x in runs) for k, (a, b) in spans.items()}
            paint = statistics.median(x["ready"] - x["laidOut"] for x in runs)
            print(
                f"{r['name']:>5} {r['nodes']:>6}  {ph['load']:>6.0f}  {ph['model']:>10.0f}  "
                f"{ph['elements']:>8.0f}  {ph['dagre']:>6.0f}  {ph['add']:>6.0f}  {ph['fit']:>6.0f}  "
                f"{paint:>6.0f}"
            )


if __name__ == "__main__":
    main()
