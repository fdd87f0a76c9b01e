"""The VS Code extension in real VS Code: code-server (VS Code 1.100.3 served to a browser, with a
real extension host) driven in headless Chromium by playwright-core.

What it needs (Chromium, code-server, playwright-core) is installed when missing by
tests/editors/vscode/install.sh into ``$LEXIS_EDITOR_TOOLS`` (default
``~/.cache/lexis-ls/editor-tools``); the test fails, never skips, when that cannot be done.
The VSIX is built from vscode-extension/ (``npm ci`` when needed, ``npm run package`` when a
source is newer than the package) and installed into a fresh ``--extensions-dir``.

One browser session (tests/editors/vscode/driver.js) plays the whole scenario and reports
each step as JSON; each test below checks one step. Screenshots of every step go to
test-artifacts/vscode/ at the repository root.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.complete import completions
from lexis_ls.lang.opcodes import OPCODES

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "vscode"
FIXTURES = HERE / "fixtures"
# Programs with errors, copied into the workspace only when the driver reaches them (their
# problems would otherwise show in the Problems panel of the earlier steps).
LATER = HERE / "later"
EXTENSION = ROOT / "vscode-extension"
ARTIFACTS = ROOT / "test-artifacts" / "vscode"
CODE_SERVER_VERSION = "4.100.3"
# A program as a 7B model writes it (prose, a Markdown fence, comments, single quotes, `True`, a
# trailing comma): copied into the workspace as FILES["repair"]; it prints REPAIR_OUTPUT.
REPAIR_FIXTURE = ROOT / "tests" / "fixtures" / "repair" / "model.lexis.json"
REPAIR_OUTPUT = "42"
# The graph view opens on this example (copied into the workspace as FILES["graph"]); a click on
# GRAPH_NODE in the page puts the editor's cursor on that node's id.
GRAPH_EXAMPLE = ROOT / "examples" / "subgraphs.lexis.json"
GRAPH_NODE = "quad"
GRAPH_NEXT_NODE = "msg2"  # the node on the line after GRAPH_NODE's
GRAPH_VALUE = "20"  # quadruple(5)

# The fixtures and what the driver does with them.
FILES = {
    "diag": "needs_stdout.lexis.json",
    "squashed": "squashed.lexis.json",
    "fixOnSave": "fix_on_save.lexis.json",
    "run": "run_me.lexis.json",
    "debug": "debug_me.lexis.json",
    "repair": "model.lexis.json",
    "params": "params.lexis.json",
    "broken": "broken.lexis.json",
    "complete": "complete_me.lexis.json",
    "graph": "subgraphs.lexis.json",
    "writes": "writes_file.lexis.json",
}
PARAM_VALUES = ["for", "ty-two"]
PARAMS_OUTPUT = "forty-two"

HOVER_NODE = "answer"
RUN_OUTPUT = "the answer is 42"
# The debugging session: a breakpoint on the line of DEBUG_NODE (total = add(a, b), a=40, b=2)
# stops before it runs; the inputs and the values so far show; Continue prints DEBUG_OUTPUT.
DEBUG_NODE = "total"
DEBUG_INPUTS = {"a": "40", "b": "2"}
DEBUG_OUTPUT = "42"


def _fail(message: str, output: str = "") -> NoReturn:
    tail = output[-6000:] if output else ""
    pytest.fail(f"{message}\n{tail}", pytrace=False)


def _run(
    cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _lexis(*args: str) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "lexis_ls.cli", *args], cwd=ROOT)


# --- installation --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tools() -> Path:
    """Chromium, code-server and playwright-core, installed when missing."""
    try:
        proc = _run(["bash", str(HERE / "install.sh")], timeout=1200)
    except subprocess.TimeoutExpired as e:
        _fail(f"tests/editors/vscode/install.sh timed out: {e}")
    if proc.returncode != 0:
        _fail(
            "cannot install the VS Code test's tools (tests/editors/vscode/install.sh exited "
            f"{proc.returncode}):",
            proc.stdout + proc.stderr,
        )
    return Path(proc.stdout.strip().splitlines()[-1])


def _newest_source_mtime() -> float:
    skip = {"node_modules", "dist", "images", "out", ".vscode-test", "bundled"}
    newest = 0.0
    for dirpath, dirnames, filenames in os.walk(EXTENSION):
        dirnames[:] = [d for d in dirnames if d not in skip and not d.startswith(".")]
        for name in filenames:
            if name.endswith(".vsix"):
                continue
            newest = max(newest, (Path(dirpath) / name).stat().st_mtime)
    return newest


@pytest.fixture(scope="module")
def vsix(tools: Path) -> Path:
    """The extension package, rebuilt when any of its sources is newer."""
    manifest_path = EXTENSION / "package.json"
    if not manifest_path.is_file():
        _fail(f"{manifest_path} is missing: no VS Code extension to test")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if "package" not in manifest.get("scripts", {}):
        _fail("vscode-extension/package.json has no `package` script")
    package = EXTENSION / f"{manifest['name']}-{manifest['version']}.vsix"
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false"}
    installed = EXTENSION / "node_modules" / ".package-lock.json"
    lock = EXTENSION / "package-lock.json"
    if not installed.is_file() or (
        lock.is_file() and lock.stat().st_mtime > installed.stat().st_mtime
    ):
        proc = _run(["npm", "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, env=env)
        if proc.returncode != 0:
            _fail("`npm ci` failed in vscode-extension/:", proc.stdout + proc.stderr)
    if not package.is_file() or package.stat().st_mtime < _newest_source_mtime():
        proc = _run(["npm", "run", "package"], cwd=EXTENSION, env=env)
        if proc.returncode != 0 or not package.is_file():
            _fail(
                f"`npm run package` failed in vscode-extension/ (no {package.name}):",
                proc.stdout + proc.stderr,
            )
    return package


# --- code-server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _code_server_bin(tools: Path) -> Path:
    return tools / f"code-server-{CODE_SERVER_VERSION}" / "node_modules" / ".bin" / "code-server"


BASE_SETTINGS = {
    "security.workspace.trust.enabled": False,
    "files.autoSave": "off",
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "editor.hover.delay": 100,
}


@contextlib.contextmanager
def _code_server(
    tools: Path,
    vsix: Path,
    base: Path,
    settings: dict[str, Any],
    machine: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    workspace_files: dict[str, str] | None = None,
    trust: bool = False,
    in_workspace: bool = False,
) -> Iterator[dict[str, Any]]:
    """code-server with ``vsix`` installed into a fresh extensions dir and ``settings`` seeded
    in a fresh user-data dir, serving a copy of the fixtures (plus ``workspace_files``: relative
    path -> text), in its own process group. Workspace trust is off unless ``trust``.
    ``in_workspace``: started from the workspace folder (as `code .` in a cloned repository),
    which is then the current directory of VS Code's extension host; else from ``HOME``."""
    home, data, exts, workspace = (base / n for n in ("home", "data", "extensions", "workspace"))
    for d in (home, data / "User", data / "Machine", exts):
        d.mkdir(parents=True)
    shutil.copytree(FIXTURES, workspace)
    shutil.copy(REPAIR_FIXTURE, workspace / FILES["repair"])
    shutil.copy(GRAPH_EXAMPLE, workspace / FILES["graph"])
    for relative, text in (workspace_files or {}).items():
        (workspace / relative).parent.mkdir(parents=True, exist_ok=True)
        (workspace / relative).write_text(text, encoding="utf-8")
    (data / "User" / "settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
    if machine is not None:
        (data / "Machine" / "settings.json").write_text(
            json.dumps(machine, indent=2), encoding="utf-8"
        )
    env = {**(os.environ if env is None else env), "HOME": str(home)}
    env.pop("VSCODE_IPC_HOOK_CLI", None)
    binary = str(_code_server_bin(tools))
    proc = _run(
        [
            binary,
            "--user-data-dir",
            str(data),
            "--extensions-dir",
            str(exts),
            "--install-extension",
            str(vsix),
        ],
        cwd=home,
        env=env,
        timeout=120,
    )
    if proc.returncode != 0:
        _fail(f"code-server --install-extension {vsix.name} failed:", proc.stdout + proc.stderr)
    port = _free_port()
    log = (base / "code-server.log").open("w")
    server = subprocess.Popen(
        [
            binary,
            "--auth",
            "none",
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--user-data-dir",
            str(data),
            "--extensions-dir",
            str(exts),
            "--disable-telemetry",
            "--disable-update-check",
            *([] if trust else ["--disable-workspace-trust"]),
            "--disable-getting-started-override",
            "--ignore-last-opened",
            str(workspace),
        ],
        cwd=workspace if in_workspace else home,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                _fail("code-server did not start:", (base / "code-server.log").read_text())
            time.sleep(0.1)
        yield {
            "url": url,
            "workspace": workspace,
            "log": base / "code-server.log",
            "data": data,
            "extensions": exts,
            "pgid": server.pid,
        }
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        # The extension host and language server live in the same group: make sure they are gone.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def code_server(
    tools: Path, vsix: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """code-server with the VSIX installed, pointed at this checkout's Python."""
    settings = {
        **BASE_SETTINGS,
        "lexis.server.python": sys.executable,
        "[lexis]": {"editor.codeActionsOnSave": {"source.fixAll.lexis": "explicit"}},
    }
    # `lexis.server.python` is machine-overridable: in code-server (a remote window) VS Code
    # applies it from the user settings only until the configuration is reloaded (starting a
    # debug session does that), then only from the remote machine's settings. Seed both, as a
    # user of VS Code Remote / code-server would set it in "Remote" settings.
    machine = {"lexis.server.python": sys.executable}
    with _code_server(tools, vsix, tmp_path_factory.mktemp("vscode"), settings, machine) as server:
        yield server


# --- the scenario --------------------------------------------------------------------------


def _expectations(scratch: Path) -> dict[str, Any]:
    """What the editor must produce, computed with the `lexis` CLI on copies of the fixtures."""
    scratch.mkdir(parents=True, exist_ok=True)
    formatted = scratch / FILES["squashed"]
    shutil.copy(FIXTURES / FILES["squashed"], formatted)
    proc = _lexis("fmt", str(formatted))
    assert proc.returncode == 0, proc.stderr
    fixed = scratch / FILES["fixOnSave"]
    shutil.copy(FIXTURES / FILES["fixOnSave"], fixed)
    proc = _lexis("fix", str(fixed))
    assert proc.returncode == 0, proc.stderr
    repaired = scratch / FILES["repair"]
    shutil.copy(REPAIR_FIXTURE, repaired)
    proc = _lexis("fix", str(repaired))
    assert proc.returncode == 0, proc.stderr
    repair_check = json.loads(_lexis("check", "--format", "json", str(REPAIR_FIXTURE)).stdout)
    hashes = json.loads(_lexis("hash", "--format", "json", str(FIXTURES / FILES["run"])).stdout)
    node_hash = hashes["nodes"][HOVER_NODE]
    run_lines = (FIXTURES / FILES["run"]).read_text(encoding="utf-8").splitlines()
    hover_line = next(i for i, line in enumerate(run_lines) if f'"id": "{HOVER_NODE}"' in line)
    diag_lines = (FIXTURES / FILES["diag"]).read_text(encoding="utf-8").splitlines()
    fix_line = next(i for i, line in enumerate(diag_lines) if '"print"' in line)
    debug_lines = (FIXTURES / FILES["debug"]).read_text(encoding="utf-8").splitlines()
    debug_line = next(i for i, line in enumerate(debug_lines) if f'"id": "{DEBUG_NODE}"' in line)
    # The fixture itself must print DEBUG_OUTPUT when run.
    run = _lexis("run", str(FIXTURES / FILES["debug"]))
    assert run.stdout.strip() == DEBUG_OUTPUT, run.stdout + run.stderr
    params = [f"--param={n}={v}" for n, v in zip(("first", "second"), PARAM_VALUES, strict=True)]
    run = _lexis("run", *params, str(FIXTURES / FILES["params"]))
    assert run.stdout.strip() == PARAMS_OUTPUT, run.stdout + run.stderr
    broken = json.loads(_lexis("check", "--format", "json", str(LATER / FILES["broken"])).stdout)
    assert [d["code"] for d in broken["diagnostics"]] == ["LX1003"], broken
    # Completion: inside the empty op of `product` (two inputs), and before the closing quote
    # of the reference "std:mu".
    complete_text = (LATER / FILES["complete"]).read_text(encoding="utf-8")
    complete_lines = complete_text.splitlines()
    op_line = next(i for i, line in enumerate(complete_lines) if '"id": "product"' in line)
    op_col = complete_lines[op_line].index('"op": ""') + len('"op": "')
    first_ops = [
        c.label
        for c in completions(analyze(complete_text), _offset(complete_lines, op_line, op_col)).items
    ]
    ref_line = next(i for i, line in enumerate(complete_lines) if '"std:mu"' in line)
    ref_col = complete_lines[ref_line].index('"std:mu"') + len('"std:mu')
    graph_lines = GRAPH_EXAMPLE.read_text(encoding="utf-8").splitlines()
    graph_line = next(i for i, line in enumerate(graph_lines) if f'"id": "{GRAPH_NODE}"' in line)
    assert f'"id": "{GRAPH_NEXT_NODE}"' in graph_lines[graph_line + 1]
    run = _lexis("run", str(GRAPH_EXAMPLE))
    assert f"quadruple(5) = {GRAPH_VALUE}" in run.stdout, run.stdout + run.stderr
    return {
        "language": "Lexis",
        "diagCode": "LX2001",
        # The cursor goes on the `"print"` op that LX2001 points at (1-based line and column).
        "fixLine": fix_line + 1,
        "fixCol": diag_lines[fix_line].index('"print"') + 3,
        "fixTitle": "IO_STDOUT",
        "fixExpectText": '"IO_STDOUT"',
        "formatted": formatted.read_text(encoding="utf-8"),
        "fixed": fixed.read_text(encoding="utf-8"),
        "repaired": repaired.read_text(encoding="utf-8"),
        "repairCount": len(repair_check["diagnostics"]),
        "repairCodes": [d["code"] for d in repair_check["diagnostics"]],
        "hoverLine": hover_line + 1,
        "hoverCol": run_lines[hover_line].index(f'"{HOVER_NODE}"') + 3,
        "hoverHash": node_hash,
        "runCommand": "Lexis: Run Program",
        "runOutput": RUN_OUTPUT,
        "debugLine": debug_line + 1,
        "debugInputsScope": f"Inputs of {DEBUG_NODE}",
        "debugInputs": DEBUG_INPUTS,
        "debugValuesScope": "Node values",
        "debugVar": "a",
        "debugVarValue": DEBUG_INPUTS["a"],
        "debugOutput": DEBUG_OUTPUT,
        "paramValues": PARAM_VALUES,
        "paramsOutput": PARAMS_OUTPUT,
        "paramsNodeIdText": '"id": "joined"',
        "brokenCode": "LX1003",
        "brokenMessage": broken["diagnostics"][0]["message"],
        "opLine": op_line + 1,
        "opCol": op_col + 1,
        "firstOps": first_ops[:12],
        "refLine": ref_line + 1,
        "refCol": ref_col + 1,
        "refName": "std:mul",
        "graphNode": GRAPH_NODE,
        "graphLine": graph_line + 1,
        # the selection ends after the id, inside its quotes (1-based column)
        "graphCol": graph_lines[graph_line].index(f'"{GRAPH_NODE}"') + 1 + len(GRAPH_NODE) + 1,
        "graphNextNode": GRAPH_NEXT_NODE,
        "graphValue": GRAPH_VALUE,
        "writesFile": WRITES_FILE,
    }


def _offset(lines: list[str], line: int, col: int) -> int:
    """The code-point offset of 0-based (line, col) in text made of ``lines`` (LF endings)."""
    return sum(len(text) + 1 for text in lines[:line]) + col


def _drive(
    tools: Path,
    server: dict[str, Any],
    base: Path,
    artifacts: Path,
    mode: str,
    steps: list[str] | None = None,
) -> dict[str, Any]:
    """Runs the driver once against ``server``; returns its per-step results by name."""
    if artifacts.exists():
        shutil.rmtree(artifacts)
    artifacts.mkdir(parents=True)
    config = {
        "url": server["url"],
        "workspace": str(server["workspace"]),
        "artifacts": str(artifacts),
        "later": str(LATER),
        "chromium": shutil.which("chromium") or "/usr/bin/chromium",
        "mode": mode,
        "files": FILES,
        "expect": _expectations(base / "expected"),
    }
    if steps is not None:
        config["steps"] = steps
    config_path = base / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = {**os.environ, "NODE_PATH": str(tools / "driver" / "node_modules")}
    started = time.monotonic()
    try:
        proc = _run(["node", str(HERE / "driver.js"), str(config_path)], env=env, timeout=480)
    except subprocess.TimeoutExpired as e:
        _fail(f"the VS Code driver timed out: {e}")
    elapsed = time.monotonic() - started
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        _fail(
            f"the VS Code driver printed no JSON (exit {proc.returncode}):",
            proc.stdout + proc.stderr,
        )
    (artifacts / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    by_name = {s["name"]: s for s in report.get("steps", [])}
    by_name["_report"] = report
    by_name["_elapsed"] = elapsed
    by_name["_log"] = server["log"]
    by_name["_stderr"] = proc.stderr
    by_name["_expect"] = config["expect"]
    return by_name


@pytest.fixture(scope="module")
def scenario(
    tools: Path, code_server: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The full scenario, run once."""
    return _drive(tools, code_server, tmp_path_factory.mktemp("driver"), ARTIFACTS, "full")


def _check(scenario: dict[str, Any], name: str) -> dict[str, Any]:
    report = scenario["_report"]
    if "fatal" in report:
        _fail(f"the driver crashed: {report['fatal']}", scenario["_stderr"])
    step = scenario.get("workbench", {})
    if not step.get("ok"):
        _fail(
            f"VS Code did not load: {step.get('error')}\npage:\n{step.get('page', '')}\n"
            f"code-server log:\n{Path(scenario['_log']).read_text()[-3000:]}"
        )
    step = scenario.get(name)
    if step is None:
        _fail(f"step {name!r} did not run (an earlier step stopped the scenario)")
    if not step["ok"]:
        _fail(
            f"step {name!r} failed: {step.get('error')}\n"
            f"screenshot: {step.get('screenshot')}\n"
            f"page text:\n{step.get('page', '')}"
        )
    return dict(step["detail"] or {})


def test_language_mode_is_lexis(scenario: dict[str, Any]) -> None:
    assert _check(scenario, "language-mode")["language"] == "Lexis"


def test_squiggles_and_problems_panel(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "diagnostics")
    assert detail["squiggles"] >= 1
    assert "LX2001" in detail["problems"]


def test_quick_fix_declares_capability(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "quick-fix")
    program = json.loads(detail["disk"])
    assert "IO_STDOUT" in program["capabilities"]


def test_format_document_matches_lexis_fmt(scenario: dict[str, Any]) -> None:
    _check(scenario, "format-document")


def test_fix_all_on_save(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "fix-all-on-save")
    assert '"ADD"' not in detail["disk"]


def test_repair_on_save_matches_lexis_fix(scenario: dict[str, Any], tmp_path: Path) -> None:
    """A model-written program (prose and a Markdown fence around it, comments, single quotes,
    `True`, a trailing comma): VS Code shows its LX0001 problems, one per mistake, as many as
    `lexis check` reports; a save with fix-all on save writes exactly what `lexis fix` writes,
    strict JSON that runs."""
    detail = _check(scenario, "repair-on-save")
    expect = scenario["_expect"]
    original = REPAIR_FIXTURE.read_text(encoding="utf-8")
    # One problem per mistake: the fence with the prose before it, the `//` comment, `True`,
    # the two single-quoted strings, the trailing comma, the `/* */` comment, the closing fence.
    assert expect["repairCodes"] == ["LX0001"] * 8, expect["repairCodes"]
    problems = detail["problemsBefore"]
    assert problems["badge"] == expect["repairCount"], problems
    assert all("LX0001" in m for m in problems["markers"]), problems
    assert detail["squigglesBefore"] >= 1, detail
    assert detail["editorBefore"].splitlines()[0] == original.splitlines()[0], detail

    disk = detail["disk"]
    assert disk == expect["repaired"]
    assert disk != original
    program = json.loads(disk)  # strict JSON
    assert [n["id"] for n in program["nodes"]][-1] == "out"
    # What the editor shows after the save: the program alone (inlay hints may add text).
    assert detail["editorAfter"].splitlines()[0] == "{", detail
    assert "```" not in detail["editorAfter"] and "//" not in detail["editorAfter"], detail
    saved = tmp_path / FILES["repair"]
    saved.write_text(disk, encoding="utf-8")
    assert _lexis("check", str(saved)).returncode == 0
    # The code lens over the repaired program shows its hash, as `lexis hash` computes it.
    program_hash = json.loads(_lexis("hash", "--format", "json", str(saved)).stdout)["program"]
    assert f"Program hash: {program_hash[:8]}" in detail["lens"], detail["lens"]
    ran = _lexis("run", str(saved))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == REPAIR_OUTPUT


def test_hover_shows_node_hash(scenario: dict[str, Any]) -> None:
    _check(scenario, "hover-hash")


def test_run_program_shows_output(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "run-program")
    assert RUN_OUTPUT in detail["shown"]
    # The extension writes the run to its "Lexis Run" output channel and shows it.
    assert detail["channel"] == "Lexis Run", detail
    assert detail["inOutputChannel"], detail


def test_debug_stops_at_breakpoint(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "debug-stopped")
    line = scenario["_expect"]["debugLine"]
    assert detail["stoppedLine"] == line, detail
    assert detail["toolbar"], detail
    assert "paused on breakpoint" in detail["callStack"].lower(), detail
    assert "Debug" in detail["lenses"], detail


def test_debug_variables_show_values(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "debug-variables")
    assert detail["inputs"] == DEBUG_INPUTS, detail
    assert f"a = {DEBUG_INPUTS['a']}" in detail["rows"], detail


def test_debug_continue_runs_to_end(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "debug-finished")
    assert DEBUG_OUTPUT in detail["console"], detail
    assert not detail["ended"]["toolbar"], detail
    assert not detail["ended"]["callStackShown"], detail


# --- issue 15 item 8: what a new user met in real VS Code ----------------------------------


def test_run_without_debugging_passes_breakpoints(scenario: dict[str, Any]) -> None:
    """Ctrl+F5 with no launch.json: the provider keeps VS Code's `noDebug`, the adapter honours
    it, the program runs to its end past the breakpoint set on `total`."""
    detail = _check(scenario, "run-without-debugging")
    assert detail["stopped"] is None, detail
    assert DEBUG_OUTPUT in detail["console"], detail


def test_status_bar_label_is_plain_text(scenario: dict[str, Any]) -> None:
    entries = _check(scenario, "status-bar-label")["entries"]
    labels = [label for e in entries for label in e["labels"]]
    assert labels, entries
    assert any("Lexis" in label and "hash" in label for label in labels), labels
    for label in labels:
        assert "**" not in label and "`" not in label and "\n" not in label, labels


def test_parameter_prompts_count_their_steps(scenario: dict[str, Any]) -> None:
    titles = _check(scenario, "run-params-in-steps")["titles"]
    assert len(titles) == 2, titles
    assert "1/2" in titles[0] and '"first"' in titles[0], titles
    assert "2/2" in titles[1] and '"second"' in titles[1], titles


def test_run_value_shows_beside_the_id_of_a_multi_line_node(scenario: dict[str, Any]) -> None:
    lines = _check(scenario, "run-params-in-steps")["lines"]
    at = next(i for i, line in enumerate(lines) if '"id": "joined"' in line)
    assert f"= {PARAMS_OUTPUT}" in lines[at], lines
    # not after the node's closing brace
    brace = next(i for i in range(at, len(lines)) if lines[i].strip().startswith("}"))
    assert "=" not in lines[brace], lines


def test_refused_run_names_the_findings(scenario: dict[str, Any]) -> None:
    toast = _check(scenario, "refused-run-names-findings")["toast"]
    expect = scenario["_expect"]
    assert "LX1003" in toast and "line 8" in toast, toast
    assert expect["brokenMessage"].split(" refers")[0] in toast, toast
    assert "Show Problems" in toast, toast


def test_problems_code_opens_the_rendered_explain_page(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "problems-code-link")
    assert detail["href"].startswith("command:lexis.explainDiagnostic"), detail
    assert detail["tab"].startswith("Preview") and "LX1003" in detail["tab"], detail
    # no editor of the raw (editable) explain/LX1003.md file
    assert not [t for t in detail["tabs"] if t["label"].startswith("LX1003.md")], detail["tabs"]
    assert detail["rendered"], detail


def test_debugging_a_program_with_errors_names_them_without_a_dialog(
    scenario: dict[str, Any],
) -> None:
    detail = _check(scenario, "debug-refused-without-dialog")
    assert detail["dialog"] is None, detail
    assert "LX1003" in detail["toast"] and "launch.json" not in detail["toast"], detail
    assert "Show Problems" in detail["toast"], detail
    assert not detail["session"], detail


def test_op_completion_ranks_the_ops_that_fit_the_inputs_first(scenario: dict[str, Any]) -> None:
    rows = _check(scenario, "completion-ranks-ops-by-inputs")["rows"]
    expect = scenario["_expect"]["firstOps"]
    shown = [r["label"] for r in rows]
    assert shown[: len(expect)] == expect[: len(shown)], (shown, expect)
    # `product` has two inputs: the first ops take exactly two
    assert all(OPCODES[name].arity.fixed and OPCODES[name].arity.min == 2 for name in shown[:5])


def test_completion_names_the_ports_as_hover_does(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "completion-names-like-hover")
    assert detail["focused"]["label"] == "std:mul", detail
    assert "std:mul(a, b)" in detail["widget"] and "x0" not in detail["widget"], detail
    assert "std:mul(a, b)" in detail["hover"], detail


# --- issue 15 items 3 and 6: the graph view ------------------------------------------------


def test_graph_view_shows_the_nodes_and_reveals_a_clicked_one(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "graph-view")
    program = json.loads(GRAPH_EXAMPLE.read_text(encoding="utf-8"))
    ids = {n["id"] for n in program["nodes"]}
    assert ids <= set(detail["keys"]), sorted(ids - set(detail["keys"]))
    cursor = detail["cursor"]
    assert cursor["line"] == scenario["_expect"]["graphLine"], detail
    assert cursor["selected"] == len(GRAPH_NODE), detail  # the id, inside its quotes
    assert cursor["col"] == scenario["_expect"]["graphCol"], detail
    # revealed in the editor's own column, the graph still shown beside it
    assert FILES["graph"] in detail["activeTab"], detail
    assert detail["graphStillShown"], detail
    # the page marks the node under the editor's cursor, and follows it
    assert detail["marked"], detail
    assert detail["followed"] == GRAPH_NEXT_NODE, detail


def test_graph_view_shows_the_values_of_a_run(scenario: dict[str, Any]) -> None:
    detail = _check(scenario, "graph-run-values")
    assert detail["value"] == GRAPH_VALUE, detail


def test_graph_view_marks_the_debugger_node(scenario: dict[str, Any]) -> None:
    """Stopped at a breakpoint on GRAPH_NODE, the page marks that node; the mark goes when the
    session ends."""
    detail = _check(scenario, "graph-debug-node")
    assert detail["debug"] == GRAPH_NODE, detail
    assert detail["cleared"], detail


def test_graph_view_is_restored_after_a_reload(scenario: dict[str, Any]) -> None:
    """The panel's serializer brings the graph back after the window reloads, and the page its
    view state (the node selected by the click)."""
    detail = _check(scenario, "graph-restored-after-reload")
    assert detail["keys"] > 0, detail
    assert detail["selected"] == GRAPH_NODE, detail


def test_graph_view_has_a_content_security_policy(scenario: dict[str, Any]) -> None:
    """A policy with a per-load nonce, nothing allowed by default, the page's script carrying
    the nonce; and no style of the page was blocked by it."""
    policy = _check(scenario, "graph-view")["policy"]
    csp = policy["csp"]
    assert csp is not None and "default-src 'none'" in csp, policy
    assert "script-src 'nonce-" in csp and "unsafe" not in csp, policy
    # the page's script (VS Code adds an inline script of its own to every webview)
    ours = [s for s in policy["scripts"] if s["src"] and s["src"].endswith("/dist/graph.js")]
    assert len(ours) == 1 and ours[0]["nonce"], policy
    assert policy["blocked"] == [], policy


# --- issue 15 item 3: Restricted Mode ----------------------------------------------------------
#
# A third code-server with workspace trust on and a folder that is not trusted (no startup
# prompt, the banner shown): `lexis.server.python` is in the user settings only, and the
# workspace's own .vscode/settings.json names a bogus interpreter and a bogus server, which
# Restricted Mode must ignore (the extension's `restrictedConfigurations`). The server starts,
# diagnostics show, the graph view works; running and debugging are refused. Then the folder is
# trusted: the workspace settings count, and the server tries (and fails) to start with them.

RESTRICTED = HERE / "restricted"
RESTRICTED_ARTIFACTS = ROOT / "test-artifacts" / "vscode-restricted"
# Written beside FILES["writes"] by any run of it.
WRITES_FILE = "ran.txt"
BOGUS_PYTHON = "/nonexistent/workspace-python3"
BOGUS_SERVER = "/nonexistent/workspace-lexis-ls"
REFUSED = "disabled in Restricted Mode"
# A package named like the server's, in the untrusted folder that code-server is started from
# (as `code .` in a cloned repository). Python puts the current directory first on sys.path for
# `python -c` and `python -m`: an interpreter started there to run or probe the server would
# import this instead and run its code.
IMPORTED_MARKER = "imported-from-workspace.txt"
SHADOW_PACKAGE = f"""\
import pathlib

pathlib.Path(__file__).resolve().parent.parent.joinpath({IMPORTED_MARKER!r}).write_text(
    "the untrusted folder's lexis_ls package was imported\\n", encoding="utf-8"
)
"""


@pytest.fixture(scope="module")
def restricted_code_server(
    tools: Path, vsix: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    settings = {
        **BASE_SETTINGS,
        "security.workspace.trust.enabled": True,
        "security.workspace.trust.startupPrompt": "never",
        "security.workspace.trust.banner": "always",
        "lexis.server.python": sys.executable,
    }
    workspace_settings = {"lexis.server.python": BOGUS_PYTHON, "lexis.server.path": BOGUS_SERVER}
    files = {
        FILES["writes"]: (RESTRICTED / FILES["writes"]).read_text(encoding="utf-8"),
        ".vscode/settings.json": json.dumps(workspace_settings, indent=2),
        "lexis_ls/__init__.py": SHADOW_PACKAGE,
        "lexis_ls/__main__.py": "",
    }
    base = tmp_path_factory.mktemp("vscode-restricted")
    with _code_server(
        tools, vsix, base, settings, workspace_files=files, trust=True, in_workspace=True
    ) as server:
        yield server


@pytest.fixture(scope="module")
def restricted_scenario(
    tools: Path, restricted_code_server: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    by_name = _drive(
        tools,
        restricted_code_server,
        tmp_path_factory.mktemp("driver-restricted"),
        RESTRICTED_ARTIFACTS,
        "restricted",
    )
    by_name["_workspace"] = restricted_code_server["workspace"]
    return by_name


def test_restricted_mode_is_shown(restricted_scenario: dict[str, Any]) -> None:
    detail = _check(restricted_scenario, "restricted-mode")
    assert "Restricted Mode" in detail["banner"], detail
    assert "Restricted Mode" in detail["status"], detail


def test_restricted_mode_server_starts_with_the_user_interpreter(
    restricted_scenario: dict[str, Any],
) -> None:
    """Diagnostics show: the server started with the user-level `lexis.server.python`, the
    workspace's bogus `lexis.server.path` / `lexis.server.python` ignored."""
    _check(restricted_scenario, "language-mode")
    detail = _check(restricted_scenario, "restricted-diagnostics")
    assert detail["squiggles"] >= 1, detail
    assert "LX2001" in detail["problems"], detail
    assert "could not start" not in detail["toasts"], detail
    # ... and with the real server: not a package of the untrusted folder.
    marker = restricted_scenario["_workspace"] / IMPORTED_MARKER
    assert not marker.exists(), marker.read_text(encoding="utf-8")
    # The workspace settings were there all along: trusting the folder makes them count.
    trusted = _check(restricted_scenario, "restricted-trust-granted")
    assert BOGUS_SERVER in trusted["toast"], trusted


def test_restricted_mode_graph_view_shows_the_nodes_and_reveals_a_clicked_one(
    restricted_scenario: dict[str, Any],
) -> None:
    detail = _check(restricted_scenario, "restricted-graph")
    program = json.loads(GRAPH_EXAMPLE.read_text(encoding="utf-8"))
    ids = {n["id"] for n in program["nodes"]}
    assert ids <= set(detail["keys"]), sorted(ids - set(detail["keys"]))
    cursor = detail["cursor"]
    expect = restricted_scenario["_expect"]
    assert (cursor["line"], cursor["col"]) == (expect["graphLine"], expect["graphCol"]), detail
    assert cursor["selected"] == len(GRAPH_NODE), detail
    assert FILES["graph"] in detail["activeTab"] and detail["graphStillShown"], detail
    assert detail["marked"], detail


def test_restricted_mode_refuses_to_run_and_runs_nothing(
    restricted_scenario: dict[str, Any], tmp_path: Path
) -> None:
    detail = _check(restricted_scenario, "restricted-run-refused")
    for toast in (detail["refusal"], detail["lensRefusal"]):
        assert f"running programs is {REFUSED}" in toast, detail
        assert "Manage Workspace Trust" in toast, detail
    assert f"debugging programs is {REFUSED}" in detail["debugRefusal"], detail
    assert not detail["debugToolbar"], detail
    # Nothing ran: no value in the graph page, an empty "Lexis Run" channel, no file written.
    assert detail["nodePanel"]["value"] is None, detail
    assert detail["output"]["selected"] == "Lexis Run" and detail["output"]["text"] == "", detail
    assert not detail["wroteFile"], detail
    assert not (restricted_scenario["_workspace"] / WRITES_FILE).exists()
    # ... where a run of that program writes it.
    program = tmp_path / FILES["writes"]
    shutil.copy(RESTRICTED / FILES["writes"], program)
    ran = _lexis("run", str(program))
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / WRITES_FILE).is_file()


def test_restricted_mode_ends_when_the_folder_is_trusted(
    restricted_scenario: dict[str, Any],
) -> None:
    detail = _check(restricted_scenario, "restricted-trust-granted")
    assert not detail["gone"]["banner"] and not detail["gone"]["status"], detail


# --- issue 17 item 1: the VSIX with the server inside --------------------------------------
#
# A second code-server: the linux-x64 VSIX (bundled/libs built by scripts/bundle-libs.py from
# this checkout), no lexis.server.* settings, and a PATH whose python3 is Debian's Python, which
# has no lexis-ls. The extension must run its bundled server with that Python.

TARGET = "linux-x64"
SYSTEM_PYTHON = Path("/usr/bin/python3")
BUNDLED_ARTIFACTS = ROOT / "test-artifacts" / "vscode-bundled"
BUNDLED_STEPS = [
    "workbench",
    "language-mode",
    "diagnostics",
    "quick-fix",
    "run-program",
    "debug-stopped",
    "debug-finished",
]


def _newest_mtime(*paths: Path) -> float:
    newest = 0.0
    for top in paths:
        if top.is_file():
            newest = max(newest, top.stat().st_mtime)
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            for name in filenames:
                newest = max(newest, (Path(dirpath) / name).stat().st_mtime)
    return newest


@pytest.fixture(scope="module")
def bundled_vsix(vsix: Path) -> Path:
    """The linux-x64 VSIX with bundled/libs, rebuilt when the server's or the extension's
    sources are newer (``make vsix`` does the same steps)."""
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    package = EXTENSION / f"{manifest['name']}-{TARGET}-{manifest['version']}.vsix"
    libs = EXTENSION / "bundled" / "libs" / "manifest.json"
    server_sources = _newest_mtime(ROOT / "lexis_ls", ROOT / "pyproject.toml")
    built = json.loads(libs.read_text(encoding="utf-8")) if libs.is_file() else {}
    if built.get("target") != TARGET or libs.stat().st_mtime < server_sources:
        script = EXTENSION / "scripts" / "bundle-libs.py"
        proc = _run([sys.executable, str(script), "--target", TARGET], cwd=EXTENSION, timeout=900)
        if proc.returncode != 0 or not libs.is_file():
            _fail(f"scripts/bundle-libs.py --target {TARGET} failed:", proc.stdout + proc.stderr)
    newest = max(_newest_source_mtime(), libs.stat().st_mtime)
    if not package.is_file() or package.stat().st_mtime < newest:
        env = {**os.environ, "npm_config_update_notifier": "false"}
        cmd = ["npx", "vsce", "package", "--target", TARGET, "--no-dependencies"]
        cmd += ["--allow-missing-repository", "--no-rewrite-relative-links", "-o", package.name]
        proc = _run(cmd, cwd=EXTENSION, env=env)
        if proc.returncode != 0 or not package.is_file():
            _fail(f"vsce package --target {TARGET} failed:", proc.stdout + proc.stderr)
    return package


def _system_python_env(base: Path) -> dict[str, str]:
    """An environment whose only python3 is Debian's /usr/bin/python3 (no lexis-ls in it)."""
    bindir = base / "bin"
    bindir.mkdir(parents=True)
    (bindir / "python3").symlink_to(SYSTEM_PYTHON)
    node = shutil.which("node")
    if node is None:
        _fail("node is not on PATH")
    (bindir / "node").symlink_to(node)
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYENV_VERSION", "CONDA_PREFIX")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PATH"] = f"{bindir}:/usr/bin:/bin"
    return env


@pytest.fixture(scope="module")
def bundled_code_server(
    tools: Path, bundled_vsix: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("vscode-bundled")
    env = _system_python_env(base)
    # The premise: python3 on that PATH is 3.11+ and cannot import lexis_ls.
    probe = "import sys; print('%d.%d' % sys.version_info[:2]); import lexis_ls"
    proc = _run(["python3", "-c", probe], cwd=base, env=env)
    if not SYSTEM_PYTHON.is_file() or "No module named 'lexis_ls'" not in proc.stderr:
        _fail(f"{SYSTEM_PYTHON} must exist and have no lexis_ls:", proc.stdout + proc.stderr)
    major, minor = (int(n) for n in proc.stdout.split()[0].split("."))
    assert (major, minor) >= (3, 11), proc.stdout
    with _code_server(tools, bundled_vsix, base / "cs", dict(BASE_SETTINGS), env=env) as server:
        yield server


def _server_processes(pgid: int) -> list[dict[str, Any]]:
    """The `python -m lexis_ls` processes of code-server's process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
            exe = os.readlink(entry / "exe")
        except (OSError, ProcessLookupError):
            continue
        args = [a.decode(errors="replace") for a in cmdline if a]
        if args[1:3] != ["-m", "lexis_ls"]:
            continue
        variables = dict(v.decode(errors="replace").split("=", 1) for v in environ if b"=" in v)
        found.append(
            {
                "pid": entry.name,
                "args": args,
                "exe": exe,
                "PYTHONPATH": variables.get("PYTHONPATH", ""),
            }
        )
    return found


@pytest.fixture(scope="module")
def bundled_scenario(
    tools: Path, bundled_code_server: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Diagnostics, a quick fix, Lexis: Run Program and a debug session, with the bundled
    server."""
    # The servers are looked for while the driver runs: when it closes the page, the
    # extension host terminates and stops the server, which may be gone before a look after.
    with _ServerWatch(bundled_code_server["pgid"]) as watch:
        by_name = _drive(
            tools,
            bundled_code_server,
            tmp_path_factory.mktemp("driver-bundled"),
            BUNDLED_ARTIFACTS,
            "bundled",
            BUNDLED_STEPS,
        )
    by_name["_servers"] = watch.seen()
    by_name["_extensions"] = bundled_code_server["extensions"]
    return by_name


class _ServerWatch:
    """Every `python -m lexis_ls` process of a process group seen while the block runs
    (looked for every 0.2 s, and once more at its end), by pid."""

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid
        self._found: dict[str, dict[str, Any]] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _look(self) -> None:
        for process in _server_processes(self.pgid):
            self._found.setdefault(process["pid"], process)

    def _watch(self) -> None:
        while not self._done.wait(0.2):
            self._look()

    def __enter__(self) -> _ServerWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self._look()

    def seen(self) -> list[dict[str, Any]]:
        return list(self._found.values())


@pytest.fixture(scope="module")
def bundle_unusable(
    tools: Path,
    bundled_code_server: dict[str, Any],
    bundled_scenario: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """After the bundled scenario: the installed VSIX's manifest is made to carry only Python
    3.12 and 3.13 (as for a user whose only Python is 3.11), and a new window is opened."""
    manifests = list(Path(bundled_code_server["extensions"]).glob("*/bundled/libs/manifest.json"))
    assert len(manifests) == 1, manifests
    manifest = json.loads(manifests[0].read_text(encoding="utf-8"))
    del manifest["python"]["3.11"]
    manifests[0].write_text(json.dumps(manifest), encoding="utf-8")
    return _drive(
        tools,
        bundled_code_server,
        tmp_path_factory.mktemp("driver-unusable"),
        BUNDLED_ARTIFACTS.with_name("vscode-bundle-unusable"),
        "bundle-unusable",
        ["workbench", "server-start-refused"],
    )


def test_bundled_vsix_carries_the_server(bundled_vsix: Path) -> None:
    with zipfile.ZipFile(bundled_vsix) as z:
        names = z.namelist()
        manifest = json.loads(z.read("extension/bundled/libs/manifest.json"))
    assert manifest["target"] == TARGET and manifest["python"]["3.11"] == "cp311", manifest
    for tag in manifest["python"].values():
        assert f"extension/bundled/libs/{tag}/lexis_ls/__main__.py" in names, tag
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_bundled_server_runs_with_the_python_on_path(bundled_scenario: dict[str, Any]) -> None:
    _check(bundled_scenario, "language-mode")
    servers = bundled_scenario["_servers"]
    assert servers, "no `python -m lexis_ls` process in code-server's process group"
    libs = Path(bundled_scenario["_extensions"]).resolve()
    for server in servers:
        assert Path(server["exe"]).resolve() == SYSTEM_PYTHON.resolve(), server
        first = Path(server["PYTHONPATH"].split(os.pathsep)[0])
        assert first.parts[-3:] == ("bundled", "libs", "cp311"), server
        assert first.resolve().is_relative_to(libs), server


def test_bundled_server_shows_diagnostics(bundled_scenario: dict[str, Any]) -> None:
    detail = _check(bundled_scenario, "diagnostics")
    assert detail["squiggles"] >= 1
    assert "LX2001" in detail["problems"]


def test_bundled_server_quick_fix(bundled_scenario: dict[str, Any]) -> None:
    detail = _check(bundled_scenario, "quick-fix")
    assert "IO_STDOUT" in json.loads(detail["disk"])["capabilities"]


def test_bundled_server_runs_the_program(bundled_scenario: dict[str, Any]) -> None:
    detail = _check(bundled_scenario, "run-program")
    assert RUN_OUTPUT in detail["shown"], detail


def test_bundled_debug_adapter_stops_and_finishes(bundled_scenario: dict[str, Any]) -> None:
    detail = _check(bundled_scenario, "debug-stopped")
    assert detail["stoppedLine"] == bundled_scenario["_expect"]["debugLine"], detail
    assert DEBUG_OUTPUT in _check(bundled_scenario, "debug-finished")["console"]


def test_bundle_for_other_pythons_names_the_versions_and_the_setting(
    bundle_unusable: dict[str, Any],
) -> None:
    toast = _check(bundle_unusable, "server-start-refused")["toast"]
    assert "could not start" in toast, toast
    assert "for Python 3.12 or 3.13 only" in toast and "is Python 3.11" in toast, toast
    assert "lexis.server.python" in toast, toast
