"""`lexis viz` and `lexis run --viz`: one self-contained page, offline by its content security
policy, with the program's graph, its diagnostics, and a run's trace; clear errors, exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES, unwritable
from viz_support import lexis, page_csp, page_data

from lexis_ls import viz

BROKEN = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE"],
  "nodes": [
    {"id": "a", "op": "const", "value": 1},
    {"id": "s", "op": "add", "inputs": ["a", "ghost"]}
  ]
}
"""

PRINTS = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "a", "op": "const", "value": 6},
    {"id": "b", "op": "const", "value": 0},
    {"id": "q", "op": "div", "inputs": ["a", "b"]},
    {"id": "m", "op": "mul", "inputs": ["a", "a"]},
    {"id": "p", "op": "print", "inputs": ["m"]}
  ]
}
"""


def test_viz_writes_one_self_contained_offline_page(tmp_path: Path) -> None:
    out = tmp_path / "g.html"
    proc = lexis("viz", str(EXAMPLES / "subgraphs.lexis.json"), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    page = out.read_text(encoding="utf-8")
    csp = page_csp(page)
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp)
    assert nonce is not None
    # every script and style is inline, carrying the nonce; nothing refers to another file
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts == [' type="application/json" id="lexis-graph-data"', f' nonce="{nonce[1]}"']
    assert re.findall(r"<style([^>]*)>", page) == [f' nonce="{nonce[1]}"']
    assert viz.static_asset("graph.js") in page.replace("<\\/script", "</script")
    data = page_data(page)
    ids = [n["id"] for n in data["nodes"] if n["parent"] is None]
    program = json.loads((EXAMPLES / "subgraphs.lexis.json").read_text())
    assert ids == [n["id"] for n in program["nodes"]]
    assert {s["name"] for s in data["subgraphs"]} == set(program["subgraphs"])
    assert data["trace"] is None and data["programHash"]


def test_a_program_with_errors_still_gets_its_page(tmp_path: Path) -> None:
    src = tmp_path / "broken.lexis.json"
    src.write_text(BROKEN)
    out = tmp_path / "broken.html"
    proc = lexis("viz", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = page_data(out.read_text())
    s = next(n for n in data["nodes"] if n["id"] == "s")
    assert "LX1003" in [d["code"] for d in s["diagnostics"]]
    assert data["programHash"] is None


def test_node_ids_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    evil = "</script><script>alert(1)</script><!--"
    src = tmp_path / "evil.lexis.json"
    src.write_text(
        json.dumps(
            {
                "spec": "lexis-0.1.0",
                "capabilities": ["PURE_COMPUTE"],
                "nodes": [{"id": evil, "op": "const", "value": "&\u2028</style>"}],
            }
        )
    )
    out = tmp_path / "evil.html"
    assert lexis("viz", str(src), "-o", str(out)).returncode == 0
    page = out.read_text()
    assert evil not in page and "<!--" not in page
    assert page.count("</script>") == 2  # the data element's and the bundle's own
    data = page_data(page)
    assert data["nodes"][0]["id"] == evil
    assert page_csp(page).count("nonce-") == 2


def test_lone_surrogates_and_other_scripts_survive_the_page(tmp_path: Path) -> None:
    src = tmp_path / "odd.lexis.json"
    src.write_text(
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": ['
        '{"id": "\\ud800x", "op": "const", "value": 1}, {"id": "größe_φ", "op": "const", "value": 2}]}'
    )
    out = tmp_path / "odd.html"
    proc = lexis("viz", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = page_data(out.read_text(encoding="utf-8"))
    assert [n["id"] for n in data["nodes"]] == ["\ud800x", "größe_φ"]
    assert "LX0008" in [d["code"] for n in data["nodes"] for d in n["diagnostics"]]


def test_viz_without_output_opens_a_temporary_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(viz.webbrowser, "open", lambda url: opened.append(url) or True)
    monkeypatch.setattr(viz.tempfile, "tempdir", str(tmp_path))
    from lexis_ls.cli import main

    assert main(["viz", str(EXAMPLES / "hello.lexis.json")]) == 0
    printed = capsys.readouterr().out.strip()
    page = Path(printed)
    assert page.parent == tmp_path and page.name.startswith("hello-") and page.suffix == ".html"
    assert opened == [page.resolve().as_uri()]
    assert page_data(page.read_text())["nodes"]


def test_unreadable_or_unwritable_paths_exit_2(tmp_path: Path) -> None:
    proc = lexis("viz", str(tmp_path / "nope.lexis.json"), "-o", str(tmp_path / "x.html"))
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == f"lexis: {tmp_path / 'nope.lexis.json'}: cannot read: No such file or directory"
    )
    binary = tmp_path / "bin.lexis.json"
    binary.write_bytes(b"\xff\xfe{}")
    proc = lexis("viz", str(binary), "-o", str(tmp_path / "x.html"))
    assert proc.returncode == 2 and "not UTF-8 text" in proc.stderr
    proc = lexis("viz", str(EXAMPLES / "hello.lexis.json"), "-o", str(tmp_path / "no" / "x.html"))
    assert proc.returncode == 2
    assert "cannot write: no such directory" in proc.stderr
    proc = lexis("viz", str(EXAMPLES / "hello.lexis.json"), "-o", str(tmp_path))
    assert proc.returncode == 2 and "cannot write: is a directory" in proc.stderr
    assert not (tmp_path / "x.html").exists()


def run_page(tmp_path: Path, text: str, *extra: str) -> tuple[Any, dict[str, Any]]:
    src = tmp_path / "prog.lexis.json"
    src.write_text(text)
    out = tmp_path / "run.html"
    proc = lexis("run", str(src), "--viz", str(out), *extra)
    return proc, page_data(out.read_text())


def test_run_viz_writes_the_trace_page(tmp_path: Path) -> None:
    trace_json = tmp_path / "trace.json"
    proc, data = run_page(tmp_path, PRINTS, "--trace-json", str(trace_json))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "36\n"
    trace = data["trace"]
    assert trace["order"] == ["a", "b", "q", "m", "p"]
    assert trace["values"]["m"]["value"] == "36"
    assert trace["values"]["m"]["error"] is None
    assert trace["values"]["m"]["durationMs"] >= 0
    assert len(trace["values"]["m"]["hash"]) == 64
    q = trace["values"]["q"]
    assert q["error"]["message"].startswith("division by zero") and q["error"]["node"] == "q"
    assert q["value"].startswith("error: division by zero")
    assert trace["status"] == "error"
    assert trace["output"] == "36\n"
    # --trace-json is written as before, with the same values
    written = json.loads(trace_json.read_text())
    assert [n["id"] for n in written["nodes"]] == trace["order"]
    assert written["nodes"][2]["value"]["error"] == q["error"]["message"]


MAPS = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE"],
  "nodes": [
    {"id": "xs", "op": "const", "value": [1, 0, 2]},
    {"id": "inv", "op": "map", "inputs": ["xs"], "value": "inverse"}
  ],
  "subgraphs": {"inverse": {"nodes": [
    {"id": "x", "op": "input_port", "value": 0},
    {"id": "one", "op": "const", "value": 1},
    {"id": "r", "op": "div", "inputs": ["one", "x"]},
    {"id": "out", "op": "output_port", "inputs": ["r"], "value": 0}
  ]}}
}
"""


def test_run_viz_shows_cause_chains(tmp_path: Path) -> None:
    proc, data = run_page(tmp_path, MAPS)
    assert proc.returncode == 0, proc.stderr
    inv = data["trace"]["values"]["inv"]
    assert inv["error"]["message"].startswith("map: element 1: division by zero")
    assert inv["error"]["node"] == "inv"
    assert len(inv["error"]["causes"]) == 1
    assert inv["error"]["causes"][0].startswith("`r`: division by zero")


def test_refused_run_writes_the_page_with_its_findings(tmp_path: Path) -> None:
    proc, data = run_page(tmp_path, BROKEN)
    assert proc.returncode == 1
    assert "not run" in proc.stderr
    assert data["trace"] is None
    s = next(n for n in data["nodes"] if n["id"] == "s")
    assert "LX1003" in [d["code"] for d in s["diagnostics"]]


def test_run_viz_path_is_checked_before_the_run(tmp_path: Path) -> None:
    src = tmp_path / "prog.lexis.json"
    src.write_text(PRINTS)
    proc = lexis("run", str(src), "--viz", str(tmp_path / "missing" / "run.html"))
    assert proc.returncode == 2
    assert proc.stdout == ""  # nothing ran: the print's output would be here
    assert "cannot write: no such directory" in proc.stderr
    folder = tmp_path / "locked"
    folder.mkdir()
    with unwritable(folder):
        proc = lexis("run", str(src), "--viz", str(folder / "run.html"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"lexis: {folder / 'run.html'}: cannot write:" in proc.stderr
    assert not (folder / "run.html").exists()
