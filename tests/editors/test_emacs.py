"""Emacs 28 with eglot 1.9 (Debian's emacs-nox and elpa-eglot) driving lexis-ls through the
shipped `editors/emacs/lexis-mode.el`, in batch.

One `emacs --batch -Q` session runs tests/editors/emacs/test.el, which opens copies of the
fixtures in lexis-mode, starts eglot with the contact lexis-mode registers, and records what the
editor shows (flymake diagnostics, the quick-fix menu, buffer texts) in a JSON file; the tests
below compare it with what the `lexis` command line produces.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import apt_install

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "emacs"
MODE_DIR = ROOT / "editors" / "emacs"
EXAMPLES = ROOT / "examples"
LEXIS = Path(sys.executable).with_name("lexis")
EMACS_TIMEOUT = 120
ELPA = Path("/usr/share/emacs/site-lisp/elpa")


def _has_eglot() -> bool:
    return any(ELPA.glob("eglot-*/eglot.el*"))


def emacs_binary() -> str:
    found = shutil.which("emacs")
    if found and _has_eglot():
        return found
    if shutil.which("apt-get") is None:
        pytest.fail("Emacs with eglot is missing and there is no apt-get to install it")
    log = apt_install("emacs-nox", "elpa-eglot")
    found = shutil.which("emacs")
    if not found or not _has_eglot():
        pytest.fail(
            "Emacs with eglot is missing and `apt-get install emacs-nox elpa-eglot` failed:\n" + log
        )
    return found


def lexis(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LEXIS), *args], capture_output=True, text=True, timeout=60, check=False
    )


def canonical(source: Path, tmp_path: Path) -> str:
    """`lexis fix` then `lexis fmt` of a copy of ``source``."""
    copy = tmp_path / source.name
    shutil.copyfile(source, copy)
    for command in ("fix", "fmt"):
        proc = lexis(command, str(copy))
        assert proc.returncode == 0, proc.stderr
    return copy.read_text()


@pytest.fixture(scope="module")
def session() -> Any:
    """Runs the Emacs Lisp script once; yields (results, the folder with the originals)."""
    emacs = emacs_binary()
    with tempfile.TemporaryDirectory(prefix="lexis-emacs-") as tmp:
        base = Path(tmp)
        work, home, originals = base / "work", base / "home", base / "originals"
        for d in (work, home, originals):
            d.mkdir()
        sources = {
            "quickfix.lexis.json": HERE / "quickfix.lexis.json",
            "fixall.lexis.json": HERE / "fixall.lexis.json",
            "params.lexis.json": EXAMPLES / "params.lexis.json",
            "graph.lexis.json": ROOT / "tests" / "editors" / "neovim" / "problems.lexis.json",
        }
        for name, src in sources.items():
            shutil.copyfile(src, work / name)
            shutil.copyfile(src, originals / name)
        result_file = base / "result.json"
        env = {
            **os.environ,
            "HOME": str(home),
            "LEXIS_EMACS_DIR": str(MODE_DIR),
            "LEXIS_TEST_WORK": str(work),
            "LEXIS_TEST_RESULT": str(result_file),
            "LEXIS_SERVER_PYTHON": sys.executable,
        }
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [emacs, "--batch", "-Q", "-l", str(HERE / "test.el")],
                env=env,
                cwd=work,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=EMACS_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            partial = result_file.read_text() if result_file.exists() else "(no result file)"
            pytest.fail(f"emacs did not finish within {EMACS_TIMEOUT} s: {exc}\n{partial}")
        elapsed = time.monotonic() - started
        results = json.loads(result_file.read_text()) if result_file.exists() else {}
        if proc.returncode != 0 or results.get("ok") is not True:
            pytest.fail(
                f"emacs exited with {proc.returncode} after {elapsed:.1f} s\n"
                f"error: {results.get('error')}\nrecorded: {sorted(results)}\n"
                f"stderr: {proc.stderr[-3000:]}"
            )
        results["elapsed"] = elapsed
        yield results, originals


def _cli_diagnostics(path: Path) -> list[dict[str, Any]]:
    out = lexis("check", "--format", "json", str(path)).stdout
    diagnostics: list[dict[str, Any]] = json.loads(out)["diagnostics"]
    return sorted(
        diagnostics, key=lambda d: (d["range"]["start"]["line"], d["range"]["start"]["character"])
    )


def _flymake_type(severity: str) -> str:
    return {"error": "eglot-error", "warning": "eglot-warning"}.get(severity, "eglot-note")


def test_lexis_mode_and_eglot_registration(session: Any) -> None:
    results, _ = session
    assert results["emacs_version"].startswith("28.")
    assert "eglot-1.9" in results["eglot_file"]
    assert results["major_mode"] == "lexis-mode"  # from auto-mode-alist
    assert results["parent_mode"] == "js-mode"  # Emacs 28 has no js-json-mode
    assert results["guessed_contact"] == [sys.executable, "-m", "lexis_ls"]
    assert results["language_id"] == "lexis"
    assert results["server_name"] == "lexis-ls"
    assert results["elapsed"] < 60


def test_flymake_shows_the_lexis_diagnostics(session: Any) -> None:
    results, originals = session
    for key, name, codes in (
        # `total` is not "never used": the dangling `totl` evidently meant it (one problem).
        ("diagnostics", "quickfix.lexis.json", ["LX1003"]),
        ("fixall_diagnostics", "fixall.lexis.json", ["LX1001", "LX2001"]),
    ):
        cli = _cli_diagnostics(originals / name)
        assert [d["code"] for d in cli] == codes
        expected = [
            {
                "text": f"lexis [{d['code']}]: {d['message']}",
                "type": _flymake_type(d["severity"]),
                "start": [d["range"]["start"]["line"], d["range"]["start"]["character"]],
                "end": [d["range"]["end"]["line"], d["range"]["end"]["character"]],
            }
            for d in cli
        ]
        shown = [
            {**d, "text": d["text"].split("\n")[0]}  # the message, without the hint lines
            for d in results[key]
        ]
        assert shown == expected
    first = results["diagnostics"][0]["text"]
    assert first.startswith('lexis [LX1003]: input "totl" of `show` refers to no node')
    assert "did you mean `total`?" in first


def test_quick_fix_through_the_code_action_menu(session: Any) -> None:
    results, originals = session
    assert results["quickfix_titles"] == [
        "Replace with `total`",
        "Insert a `const` node `totl` (then give it a value)",
    ]
    assert results["quickfix_menu"] == results["quickfix_titles"]
    assert results["quickfix_prompt"].startswith("[eglot] Pick an action")
    original = (originals / "quickfix.lexis.json").read_text()
    assert original.count('["totl"]') == 1
    assert results["after_quickfix"] == original.replace('["totl"]', '["total"]')
    assert results["diagnostics_after_quickfix"] == []


def test_format_buffer_gives_the_canonical_layout(session: Any, tmp_path: Path) -> None:
    results, _ = session
    fixed = tmp_path / "fixed.lexis.json"
    fixed.write_text(results["after_quickfix"])
    proc = lexis("fmt", str(fixed))
    assert proc.returncode == 0, proc.stderr
    expected = fixed.read_text()
    assert expected != results["after_quickfix"]
    assert results["after_format"] == expected
    assert expected.startswith('{\n  "spec": "lexis-0.1.0",\n  "name": "problems",\n')


def test_save_hook_fixes_all_then_formats(session: Any, tmp_path: Path) -> None:
    results, originals = session
    expected = canonical(originals / "fixall.lexis.json", tmp_path)
    assert results["fixall_titles"] == ["Fix all safe problems (3 fixes)"]
    assert results["saved_text"] == expected
    assert results["buffer_after_save"] == expected
    assert results["fixall_diagnostics_after_save"] == []


def test_lexis_run_shows_the_program_output(session: Any) -> None:
    results, _ = session
    setup = json.loads((EXAMPLES / "expected" / "params.json").read_text())
    assert setup["params"] == {"name": "Ada", "count": "3"}  # what test.el passes
    expected = (EXAMPLES / "expected" / "params.stdout").read_text()
    output = results["run_output"]
    assert output.startswith(expected)
    rest = output[len(expected) :].split("\n")
    # The example leaves the optional `price` parameter out: its error values are listed.
    assert rest[:2] == ["", "-- 2 error values --"]
    assert rest[2].startswith("price_raw: missing parameter `price`")
    assert rest[3].startswith("price_num: missing parameter `price`")
    assert rest[4] == ""
    # the time the user waited (request to answer), then the interpreter's own
    timing = re.fullmatch(
        r"-- finished in (\d+) ms \(the program itself: (\d+\.\d) ms\) --", rest[5]
    )
    assert timing, rest[5]
    assert float(timing[1]) + 0.5 >= float(timing[2]) > 0
    assert rest[6:] == [""]
    assert results["run_buffer_mode"] == "special-mode"


def page_node_ids(html: str) -> list[str]:
    """The node ids of the graph a `lexis viz` page shows (its embedded graph data)."""
    found = re.search(
        r'<script type="application/json" id="lexis-graph-data">(.*?)</script>', html, re.DOTALL
    )
    assert found, "no graph data in the page"
    return [node["id"] for node in json.loads(found[1])["nodes"]]


def test_lexis_graph_opens_the_viz_page(session: Any, tmp_path: Path) -> None:
    """M-x lexis-graph writes the page with `lexis viz FILE --output X.html` and opens it with
    browse-url-of-file; with unsaved changes the page shows the buffer's text, and the buffer
    stays modified (nothing is saved behind the user's back)."""
    results, originals = session
    first, second = results["graph_urls"]
    assert first == second  # the same file, refreshed
    assert first.startswith("file:///") and first.endswith("-graph.html")
    saved, edited = results["graph_pages"]
    assert saved.startswith("<!DOCTYPE html>")
    assert page_node_ids(saved) == ["a", "b", "sum", "show"]
    assert page_node_ids(edited) == ["a", "b", "sum", "shown"]
    cli = tmp_path / "cli.html"
    proc = lexis("viz", str(originals / "graph.lexis.json"), "-o", str(cli))
    assert proc.returncode == 0, proc.stderr
    assert page_node_ids(cli.read_text(encoding="utf-8")) == page_node_ids(saved)
    assert results["graph_modified_before"] is True
    assert results["graph_modified_after"] is True
