"""The graph page in headless Chromium (playwright-core driving /usr/bin/chromium, installed by
tests/editors/vscode/install.sh as for the real-VS-Code test): every example's nodes, list items
and edges; the side panel; search; trace playback; diagnostics on their nodes; the big-graph
view; and no request leaving the page. Fails (never skips) when the browser cannot be run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest
from helpers import EXAMPLES
from viz_support import lexis, page_data

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.graph import graph_data
from lexis_ls.viz import page_html

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
INSTALL = ROOT / "tests" / "editors" / "vscode" / "install.sh"
DATA_ELEMENT = re.compile(
    r'<script type="application/json" id="lexis-graph-data">.*?</script>\n', re.S
)

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_check import generate  # noqa: E402


def _fail(message: str, output: str = "") -> NoReturn:
    pytest.fail(f"{message}\n{output[-4000:]}", pytrace=False)


@pytest.fixture(scope="module")
def tools() -> Path:
    """The editor-tools folder holding playwright-core (installed when missing)."""
    try:
        proc = subprocess.run(
            ["bash", str(INSTALL)], capture_output=True, text=True, timeout=1200, check=False
        )
    except subprocess.TimeoutExpired as e:
        _fail(f"{INSTALL} timed out: {e}")
    if proc.returncode != 0:
        _fail(f"cannot install the browser test's tools ({INSTALL} failed):", proc.stderr)
    return Path(proc.stdout.strip().splitlines()[-1])


def drive(tools: Path, tmp: Path, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs tests/viz/page_driver.js on ``pages``; each page's record (see the driver)."""
    cfg = tmp / "driver.json"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    cfg.write_text(json.dumps({"chromium": chromium, "pages": pages}))
    env = {**os.environ, "NODE_PATH": str(tools / "driver" / "node_modules")}
    try:
        proc = subprocess.run(
            ["node", str(HERE / "page_driver.js"), str(cfg)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        _fail(f"the page driver timed out: {e}")
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        _fail("the page driver printed no report:", proc.stdout + proc.stderr)
    if "fatal" in out:
        _fail(f"the page driver failed: {out['fatal']}", proc.stderr)
    records: list[dict[str, Any]] = out["pages"]
    for rec, page in zip(records, pages):
        # offline: the page loaded itself and nothing else, and nothing failed in it
        assert rec["requests"] == [Path(page["file"]).as_uri()], rec["requests"]
        assert rec["blocked"] == []
        assert rec["errors"] == [], rec["errors"]
    return records


def write_page(tmp: Path, name: str, text: str) -> Path:
    out = tmp / f"{name}.html"
    out.write_text(page_html(graph_data(analyze(text), f"{name}.lexis.json")), encoding="utf-8")
    return out


def program_edges(program: dict[str, Any]) -> set[tuple[str, str]]:
    """(source key, target key) of every input, read from the program itself."""
    found: set[tuple[str, str]] = set()
    graphs = [("", program["nodes"])]
    graphs += [(f"{name}/", sg["nodes"]) for name, sg in program.get("subgraphs", {}).items()]
    for prefix, nodes in graphs:
        for node in nodes:
            for i in node.get("inputs", []):
                found.add((prefix + i, prefix + node["id"]))
    return found


def test_every_example_shows_its_nodes_list_items_and_edges(tools: Path, tmp_path: Path) -> None:
    examples = sorted(EXAMPLES.glob("*.lexis.json"))
    assert len(examples) >= 15
    pages = []
    for src in examples:
        out = tmp_path / f"{src.name}.html"
        proc = lexis("viz", str(src), "--output", str(out))
        assert proc.returncode == 0, proc.stderr
        pages.append({"name": src.name, "file": str(out), "steps": [{"do": "report"}]})
    records = drive(tools, tmp_path, pages)
    for src, rec in zip(examples, records):
        program = json.loads(src.read_text())
        keys = [n["id"] for n in program["nodes"]]
        for name, sg in program.get("subgraphs", {}).items():
            keys += [f"{name}/{n['id']}" for n in sg["nodes"]]
        report = rec["results"][0]
        assert report["mode"] == "full", src.name
        assert report["nodeKeys"] == keys, src.name
        assert report["listKeys"] == keys, src.name
        rendered = {n["key"] for n in report["rendered"]}
        assert set(keys) <= rendered, f"{src.name}: missing {set(keys) - rendered}"
        for key in keys:  # every id is text in the page (Ctrl+F, screen readers)
            assert key.split("/")[-1] in report["listText"]
        drawn = {(e["source"], e["target"]) for e in report["edges"] if e["kind"] == "input"}
        assert drawn == program_edges(program), src.name
        calls = [e for e in report["edges"] if e["kind"] == "call"]
        for e in calls:
            assert e["target"].startswith("sg:")
        parents = {n["key"]: n["parent"] for n in report["rendered"]}
        for name in program.get("subgraphs", {}):
            assert all(parents[k] == f"sg:{name}" for k in keys if k.startswith(f"{name}/"))


def test_side_panel_list_and_search(tools: Path, tmp_path: Path) -> None:
    out = tmp_path / "sg.html"
    assert lexis("viz", str(EXAMPLES / "subgraphs.lexis.json"), "-o", str(out)).returncode == 0
    data = page_data(out.read_text())
    twice = next(n for n in data["nodes"] if n["key"] == "twice")
    # the same graph after an edit that added a finding on `five`: nothing may move
    edited = json.loads(json.dumps(data))
    five = next(n for n in edited["nodes"] if n["key"] == "five")
    five["diagnostics"] = [{"code": "LX3001", "severity": "warning", "message": "unused"}]
    steps = [
        {"do": "panel"},
        {"do": "select", "key": "twice"},
        {"do": "click", "selector": '#lexis-node-list li[data-key="five"] button'},
        {"do": "panel"},
        {"do": "type", "selector": "#lexis-search", "text": "show"},
        {
            "do": "eval",
            "js": "[...document.querySelectorAll('#lexis-node-list li[data-key]')].filter(li => !li.hidden).map(li => li.dataset.key)",
        },
        {"do": "press", "selector": "#lexis-search", "key": "Enter"},
        {"do": "panel"},
        {"do": "select", "key": "sg:double"},
        {"do": "click", "selector": "#lexis-collapse"},
        {"do": "report"},
    ]
    rec = drive(tools, tmp_path, [{"name": "sg", "file": str(out), "steps": steps}])[0]
    empty, sel, _, clicked, _, filtered, _, searched, sub, _, collapsed = rec["results"]
    assert empty["key"] is None and "No node selected" in empty["text"]
    f = sel["fields"]
    assert sel["key"] == "twice" and f["id"] == "twice"
    assert f["op"] == "subgraph_call (Subgraph)"
    assert f["inputs"] == "once"
    assert f["consumers"] == "msg1"
    assert f["calls"] == "subgraph double"
    assert f["hash"] == twice["hash"]
    assert f["line"] == f"line {twice['range']['start']['line'] + 1}"
    assert clicked["selected"] == "five"
    assert clicked["fields"]["consumers"].split() == ["once", "quad", "qr"]
    assert filtered == ["show1", "show2", "show3", "show4", "show5", "show6"]
    assert searched["selected"] == "show1" and searched["fields"]["capability"] == "IO_STDOUT"
    assert sub["key"] == "sg:double"
    assert sub["fields"]["callers"].split() == ["once", "twice", "quadruple/d1", "quadruple/d2"]
    # collapsed: the subgraph is one node, its children are off the canvas, still listed
    rendered = {n["key"]: n for n in collapsed["rendered"]}
    assert "collapsed" in rendered["sg:double"]["classes"]
    assert "double/x" not in rendered and "double/x" in collapsed["listKeys"]
    assert "quadruple/x" in rendered


def test_playback_steps_through_the_trace(tools: Path, tmp_path: Path) -> None:
    out = tmp_path / "run.html"
    proc = lexis("run", str(EXAMPLES / "arithmetic.lexis.json"), "--viz", str(out))
    assert proc.returncode == 0, proc.stderr
    trace = page_data(out.read_text())["trace"]
    order = trace["order"]
    assert len(order) >= 3
    steps = [
        {"do": "playback"},
        {"do": "click", "selector": "#lexis-step"},
        {"do": "playback"},
        {"do": "click", "selector": "#lexis-step"},
        {"do": "playback"},
        {"do": "click", "selector": "#lexis-reset"},
        {"do": "playback"},
        {"do": "selectOption", "selector": "#lexis-speed", "value": "60"},
        {"do": "click", "selector": "#lexis-play"},
        {"do": "waitFor", "js": "document.getElementById('lexis-step').disabled"},
        {"do": "playback"},
        {"do": "eval", "js": "document.getElementById('lexis-play').textContent"},
    ]
    rec = drive(tools, tmp_path, [{"name": "run", "file": str(out), "steps": steps}])[0]
    r = rec["results"]
    start, one, two, reset, end, play_label = r[0], r[2], r[4], r[6], r[10], r[11]
    assert start["current"] == [] and start["pending"] == 0
    assert f"{len(order)} nodes evaluated" in start["status"]
    assert one["current"] == [order[0]] and one["selected"] == order[0]
    assert one["value"] == trace["values"][order[0]]["value"]
    assert one["status"].startswith(f"Step 1/{len(order)}: {order[0]} = ")
    assert one["pending"] == len(order) - 1
    assert two["current"] == [order[1]] and two["value"] == trace["values"][order[1]]["value"]
    assert two["status"].startswith(f"Step 2/{len(order)}: {order[1]}")
    assert reset["current"] == [] and reset["pending"] == 0
    assert f"{len(order)} nodes evaluated" in reset["status"]
    assert end["current"] == [order[-1]] and end["pending"] == 0
    assert end["status"].startswith(f"Step {len(order)}/{len(order)}")
    assert play_label == "Play"  # paused at the end


def test_diagnostics_are_shown_on_their_nodes(tools: Path, tmp_path: Path) -> None:
    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE"],
            "nodes": [
                {"id": "a", "op": "const", "value": 1},
                {"id": "s", "op": "add", "inputs": ["a", "ghost"]},
                {"id": "p", "op": "print", "inputs": ["s"]},
            ],
        },
        indent=2,
    )
    out = write_page(tmp_path, "broken", text)
    steps = [
        {"do": "nodeStyle", "key": "s"},
        {"do": "nodeStyle", "key": "a"},
        {"do": "hover", "key": "s"},
        {"do": "select", "key": "s"},
        {
            "do": "eval",
            "js": "document.querySelector('#lexis-node-list li[data-key=\"s\"]').dataset.severity",
        },
        {
            "do": "eval",
            "js": "getComputedStyle(document.body).getPropertyValue('--lx-error').trim()",
        },
        {"do": "report"},
    ]
    rec = drive(tools, tmp_path, [{"name": "broken", "file": str(out), "steps": steps}])[0]
    s_style, a_style, tip, panel, severity, error_colour, report = rec["results"]
    assert "diag-error" in s_style["classes"] and "diag-error" not in a_style["classes"]
    assert error_colour == "#d32f2f"
    assert s_style["borderColor"] == "rgb(211,47,47)"
    assert s_style["borderColor"] != a_style["borderColor"]
    assert not tip["hidden"]
    assert "LX1003" in tip["text"] and '"ghost"' in tip["text"]
    assert "LX1003" in panel["fields"]["diagnostics"] and "error" in panel["fields"]["diagnostics"]
    assert severity == "error"
    assert "0 nodes" not in report["summary"] and "errors" in report["summary"]


def test_dark_theme_follows_the_os(tools: Path, tmp_path: Path) -> None:
    out = write_page(tmp_path, "hello", (EXAMPLES / "hello.lexis.json").read_text())
    look = {"do": "eval", "js": "getComputedStyle(document.body).backgroundColor"}
    pages = [
        {"name": "light", "file": str(out), "colorScheme": "light", "steps": [look]},
        {"name": "dark", "file": str(out), "colorScheme": "dark", "steps": [look]},
    ]
    light, dark = drive(tools, tmp_path, pages)
    assert light["results"] == ["rgb(255, 255, 255)"]
    assert dark["results"] == ["rgb(30, 30, 30)"]


def test_a_big_program_opens_a_neighbourhood_view(tools: Path, tmp_path: Path) -> None:
    out = write_page(tmp_path, "big", generate(3000))
    keys = [n["key"] for n in page_data(out.read_text())["nodes"]]
    far = keys[-1]
    steps = [
        {"do": "report"},
        {"do": "select", "key": far},
        {"do": "eval", "js": "window.lexisGraph.renderedKeys()"},
    ]
    rec = drive(
        tools, tmp_path, [{"name": "big", "file": str(out), "steps": steps, "timeout": 120000}]
    )[0]
    report, panel, rendered = rec["results"]
    assert report["mode"] == "neighbourhood"
    assert report["listKeys"] == keys  # the accessible list still names every node
    assert 0 < len(report["rendered"]) <= 300
    assert "3,000 nodes" in report["notice"]
    assert panel["selected"] == far
    assert far in rendered and len(rendered) <= 300


def test_a_1000_node_program_is_laid_out_whole_with_its_subgraphs_collapsed(
    tools: Path, tmp_path: Path
) -> None:
    from bench_viz import generate_chain

    program = json.loads(generate_chain(1000))
    out = write_page(tmp_path, "chain", json.dumps(program))
    keys = [n["key"] for n in page_data(out.read_text())["nodes"]]
    inner = [k for k in keys if k.startswith("inc/")]
    positions = (
        "window.lexisGraph.cy.nodes().filter(n => !n.isParent())"
        ".map(n => [n.id(), n.position().x, n.position().y])"
    )
    # fitted to the window the labels are too small to draw; zoomed in, each node in the view
    # has its own, and so has a node anywhere else once the view moves to it
    zoom_in = (
        "(() => { const cy = window.lexisGraph.cy; const n = cy.getElementById('n10');"
        " const fitted = cy.zoom(); const before = n.style('label');"
        " cy.zoom({ level: 1, renderedPosition: n.renderedPosition() });"
        " const e = cy.extent(); const inView = cy.nodes().filter(m => { const p = m.position();"
        " return p.x > e.x1 && p.x < e.x2 && p.y > e.y1 && p.y < e.y2; });"
        " const far = cy.getElementById('n990'); const farBefore = far.style('label');"
        " cy.center(far);"
        " return [fitted < 0.5, before, inView.length > 0 && inView.every(m => m.style('label') === m.data('label')),"
        " farBefore, far.style('label') === far.data('label'), far.data('label').startsWith('n990')]; })()"
    )
    steps = [
        {"do": "report"},
        {"do": "eval", "js": positions},
        {"do": "eval", "js": zoom_in},
        {"do": "click", "selector": "#lexis-expand-all"},
        {"do": "report"},
    ]
    rec = drive(
        tools, tmp_path, [{"name": "chain", "file": str(out), "steps": steps, "timeout": 120000}]
    )[0]
    first, placed, zoomed, _, expanded = rec["results"]
    assert zoomed == [True, "", True, "", True, True]
    assert first["mode"] == "full"
    assert first["listKeys"] == keys  # the list names every node, the subgraph's too
    rendered = {n["key"]: n for n in first["rendered"]}
    # the subgraph starts as one node (its children off the canvas) and the notice says so
    assert "collapsed" in rendered["sg:inc"]["classes"]
    assert inner and not any(k in rendered for k in inner)
    assert set(keys) - set(inner) <= set(rendered)
    assert "subgraphs start collapsed" in first["notice"]
    assert "Expand subgraphs" in first["notice"]
    # every node is laid out (a finite position, no two at the same place), inputs above
    at = {k: (x, y) for k, x, y in placed}
    assert len(at) == len(rendered)
    assert all(abs(x) < 1e6 and abs(y) < 1e6 for x, y in at.values())
    assert len(set(at.values())) == len(at)
    drawn = [(e["source"], e["target"]) for e in first["edges"] if e["kind"] == "input"]
    assert set(drawn) == {(s, t) for s, t in program_edges(program) if not s.startswith("inc/")}
    assert all(at[s][1] < at[t][1] for s, t in drawn)
    # expanded on request: the subgraph's nodes are on the canvas inside it, no notice
    parents = {n["key"]: n["parent"] for n in expanded["rendered"]}
    assert all(parents.get(k) == "sg:inc" for k in inner)
    assert expanded["notice"] is None


def test_in_a_vscode_webview_the_page_talks_to_its_host(tools: Path, tmp_path: Path) -> None:
    """With acquireVsCodeApi (a stub here; the real panel is tested in real VS Code): no embedded
    graph, "ready" posted, then the host's graph/cursor/trace/debugNode messages, "reveal" on a
    click, and the view state kept with setState and restored from getState."""
    text = (EXAMPLES / "subgraphs.lexis.json").read_text()
    data = graph_data(analyze(text), "file:///w/subgraphs.lexis.json")
    bare = DATA_ELEMENT.sub("", page_html(data))
    assert 'id="lexis-graph-data"' not in bare
    out = tmp_path / "panel.html"
    out.write_text(bare)
    trace = {
        "order": ["five", "once"],
        "values": {
            "five": {"value": "5", "error": None, "durationMs": None, "hash": None},
            "once": {"value": "10", "error": None, "durationMs": None, "hash": None},
        },
        "status": "ok",
        "output": "",
    }
    twice = next(n for n in data["nodes"] if n["key"] == "twice")
    # the same graph after an edit that added a finding on `five`: nothing may move
    edited = json.loads(json.dumps(data))
    five = next(n for n in edited["nodes"] if n["key"] == "five")
    five["diagnostics"] = [{"code": "LX3001", "severity": "warning", "message": "unused"}]
    classes = "(k) => window.lexisGraph.cy.getElementById(k).classes()"
    steps = [
        {"do": "posted"},
        {"do": "eval", "js": "document.body.dataset.ready || null"},
        {"do": "post", "message": {"type": "graph", "data": data}},
        {"do": "waitFor", "js": "document.body.dataset.ready === '1'"},
        {"do": "tap", "key": "twice"},
        {"do": "post", "message": {"type": "cursor", "key": "five"}},
        {"do": "eval", "js": f"({classes})('five')"},
        {"do": "post", "message": {"type": "trace", "trace": trace}},
        {"do": "eval", "js": "document.getElementById('lexis-playback').hidden"},
        {"do": "post", "message": {"type": "debugNode", "key": "once"}},
        {"do": "eval", "js": f"[window.lexisGraph.selectedKey(), ({classes})('once')]"},
        {"do": "eval", "js": "window.lexisGraph.cy.getElementById('five').position()"},
        {"do": "post", "message": {"type": "graph", "data": edited}},
        {
            "do": "eval",
            "js": "[document.body.dataset.renders, window.lexisGraph.selectedKey(), window.lexisGraph.cy.getElementById('five').position(), window.lexisGraph.cy.getElementById('five').classes()]",
        },
        {"do": "waitFor", "js": "window.__lexisState && window.__lexisState.selected === 'once'"},
        {"do": "posted"},
    ]
    restored_state = {
        "selected": "msg1",
        "zoom": 0.5,
        "pan": {"x": 10, "y": 20},
        "collapsed": ["sg:double"],
    }
    restore = [
        {"do": "post", "message": {"type": "graph", "data": data}},
        {"do": "waitFor", "js": "document.body.dataset.ready === '1'"},
        {"do": "eval", "js": "[window.lexisGraph.selectedKey(), window.lexisGraph.cy.zoom()]"},
        {"do": "eval", "js": f"({classes})('sg:double')"},
    ]
    pages = [
        {"name": "panel", "file": str(out), "vscode": True, "steps": steps},
        {
            "name": "restored",
            "file": str(out),
            "vscode": True,
            "state": restored_state,
            "steps": restore,
        },
    ]
    panel, restored = drive(tools, tmp_path, pages)
    r = panel["results"]
    assert r[0]["posted"] == [{"type": "ready"}]
    assert r[1] is None  # nothing drawn before the host sends the graph
    posted = r[15]["posted"]
    assert posted[1] == {"type": "reveal", "key": "twice", "range": twice["idRange"]}
    assert "cursor" in r[6]
    assert r[8] is False  # the trace's playback controls are shown
    assert r[10][0] == "once" and "debug" in r[10][1]
    renders, kept, moved_to, five_classes = r[13]
    assert renders == "2" and kept == "once"  # a new graph keeps the selection
    assert moved_to == r[11]  # and, with the same shape, every position
    assert "diag-warning" in five_classes
    state = r[15]["state"]
    assert state["selected"] == "once" and state["collapsed"] == []
    assert state["zoom"] > 0 and set(state["pan"]) == {"x", "y"}
    q = restored["results"]
    assert q[2] == ["msg1", 0.5]
    assert "collapsed" in q[3]
