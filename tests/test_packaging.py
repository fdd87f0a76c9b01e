"""Packaging: `python -m build` makes a wheel and an sdist of this working tree; each installs
into a fresh virtual environment (dependencies from the package registry) and the installed
commands answer exactly as the checkout's do; `pipx install` works from the wheel, and the
install block of editors/nvim/README.md (`pipx install ~/src/lexis-ls`) runs as printed.

One slow test (about two minutes: four installs). The commands run from a folder outside the
checkout, so only the installed package can answer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DEV_BIN = Path(sys.executable).parent
TIMEOUT = 900
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            args,
            cwd=cwd,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(args)} did not finish in {TIMEOUT} s: {exc}")


def ok(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = run(args, cwd, env)
    assert proc.returncode == 0, (
        f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without this venv: no VIRTUAL_ENV, no PYTHONPATH, PATH without .venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    path = [p for p in env.get("PATH", "/usr/bin:/bin").split(":") if Path(p) != DEV_BIN]
    env["PATH"] = ":".join(path)
    env.update(extra)
    return env


def copy_of_this_repository(dest: Path) -> None:
    """This working tree's tracked and not-ignored files (what a clone of it would hold)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def ensure_tools() -> None:
    """build and pipx (in the dev extras), installed into this venv when missing."""
    missing = [
        spec
        for module, spec in (("build", "build>=1.0"), ("pipx", "pipx>=1.4"))
        if run([sys.executable, "-c", f"import {module}"], ROOT).returncode != 0
    ]
    if missing:
        ok([sys.executable, "-m", "pip", "install", "--quiet", *missing], ROOT)


def initialize_exchange(lexis_ls: Path, cwd: Path) -> dict[str, object]:
    """initialize, shutdown, exit with the installed server; the initialize result."""
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    stdin = b""
    for m in messages:
        body = json.dumps(m).encode()
        stdin += b"Content-Length: %d\r\n\r\n" % len(body) + body
    proc = subprocess.run(
        [str(lexis_ls)], cwd=cwd, env=clean_env(), input=stdin, capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    answers = []
    rest = proc.stdout
    while rest:
        header, _, rest = rest.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", header)[1])  # type: ignore[index]
        answers.append(json.loads(rest[:length]))
        rest = rest[length:]
    first = next(a for a in answers if a.get("id") == 1)
    result: dict[str, object] = first["result"]
    return result


def smoke(bin_dir: Path, work: Path, what: str) -> None:
    """The installed `lexis` and `lexis-ls` answer as the checkout's do."""
    env = clean_env()
    lexis = str(bin_dir / "lexis")
    dev = str(DEV_BIN / "lexis")
    hello = work / "hello.lexis.json"
    broken = work / "broken.lexis.json"

    assert ok([str(bin_dir / "lexis-ls"), "--version"], work, env) == f"lexis-ls {VERSION}\n", what
    assert "dap" in ok([str(bin_dir / "lexis-ls"), "--help"], work, env), what
    helped = ok([lexis, "--help"], work, env)
    for command in ("check", "fix", "fmt", "run", "explain", "stdlib", "schema", "viz"):
        assert command in helped, (what, command)
    assert ok([lexis, "check", str(hello)], work, env) == ok([dev, "check", str(hello)], work)
    failed = run([lexis, "check", "--format", "json", str(broken)], work, env)
    assert failed.returncode == 1, (what, failed.stderr)
    assert failed.stdout == run([dev, "check", "--format", "json", str(broken)], work).stdout
    assert [d["code"] for d in json.loads(failed.stdout)["diagnostics"]] == ["LX1003"]
    # package data: the explain pages, the schema, the standard library, the page's script
    explained = ok([lexis, "explain", "LX0001"], work, env)
    assert explained == ok([dev, "explain", "LX0001"], work), what
    assert explained.startswith("# LX0001: "), what
    schema = json.loads(ok([lexis, "schema"], work, env))
    assert schema == json.loads((ROOT / "schema" / "lexis.schema.json").read_text()), what
    assert ok([lexis, "stdlib"], work, env) == ok([dev, "stdlib"], work), what
    ran = run([lexis, "run", str(hello)], work, env)
    assert ran.returncode == 0, (what, ran.stderr)
    assert ran.stdout == (EXAMPLES / "expected" / "hello.stdout").read_text(), what
    page = work / f"{what}.html"
    ok([lexis, "viz", str(hello), "--output", str(page)], work, env)
    html = page.read_text(encoding="utf-8")
    script = (ROOT / "lexis_ls" / "viz" / "static" / "graph.js").read_text(encoding="utf-8")
    assert 'id="lexis-graph-data"' in html and len(html) > len(script), what
    # the language server answers initialize with its stored capabilities (package data)
    result = initialize_exchange(bin_dir / "lexis-ls", work)
    assert result["serverInfo"] == {"name": "lexis-ls", "version": VERSION}, what
    assert "textDocumentSync" in result["capabilities"], what  # type: ignore[operator]


def fresh_venv(path: Path, package: Path, work: Path) -> Path:
    ok([sys.executable, "-m", "venv", str(path)], work, clean_env())
    python = path / "bin" / "python"
    ok([str(python), "-m", "pip", "install", "--quiet", str(package)], work, clean_env())
    where = ok([str(python), "-c", "import lexis_ls; print(lexis_ls.__file__)"], work, clean_env())
    assert where.startswith(str(path)), where  # the installed copy, not the checkout
    return path / "bin"


def nvim_readme_install_block() -> str:
    text = (ROOT / "editors" / "nvim" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    found = [b for b in blocks if "pipx install ~/src/lexis-ls" in b]
    assert len(found) == 1, blocks
    return found[0]


def test_wheel_and_sdist_install_and_run(tmp_path: Path) -> None:
    ensure_tools()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copyfile(EXAMPLES / "hello.lexis.json", work / "hello.lexis.json")
    shutil.copyfile(
        ROOT / "tests" / "editors" / "emacs" / "quickfix.lexis.json", work / "broken.lexis.json"
    )

    # python -m build, from a copy of the working tree (as a clone would be)
    source = tmp_path / "home" / "src" / "lexis-ls"
    source.mkdir(parents=True)
    copy_of_this_repository(source)
    dist = tmp_path / "dist"
    ok([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], work, clean_env())
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"lexis_ls-{VERSION}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"lexis_ls-{VERSION}.tar.gz"]

    smoke(fresh_venv(tmp_path / "venv-wheel", wheels[0], work), work, "wheel")
    smoke(fresh_venv(tmp_path / "venv-sdist", sdists[0], work), work, "sdist")

    # pipx install from the wheel, into folders of its own
    pipx_env = clean_env(
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_BIN_DIR=str(tmp_path / "pipx-bin"),
        PIPX_MAN_DIR=str(tmp_path / "pipx-man"),
    )
    ok([sys.executable, "-m", "pipx", "install", str(wheels[0])], work, pipx_env)
    smoke(tmp_path / "pipx-bin", work, "pipx")

    # editors/nvim/README.md's install block, as printed: pipx from the checkout in ~/src
    readme_env = clean_env(
        HOME=str(tmp_path / "home"),
        PIPX_HOME=str(tmp_path / "pipx-readme"),
        PIPX_BIN_DIR=str(tmp_path / "home" / ".local" / "bin"),
        PIPX_MAN_DIR=str(tmp_path / "pipx-readme-man"),
    )
    tools = tmp_path / "tools"  # `pipx` on PATH, as the README assumes
    tools.mkdir()
    (tools / "pipx").write_text(f'#!/bin/sh\nexec {sys.executable} -m pipx "$@"\n')
    (tools / "pipx").chmod(0o755)
    readme_env["PATH"] = f"{tools}:{tmp_path / 'home' / '.local' / 'bin'}:{readme_env['PATH']}"
    block = nvim_readme_install_block()
    shell = run(["bash", "-e", "-c", block], work, readme_env)
    assert shell.returncode == 0, f"{block}\n{shell.stdout}\n{shell.stderr[-3000:]}"
    assert shell.stdout.splitlines()[-1] == f"lexis-ls {VERSION}"
    smoke(tmp_path / "home" / ".local" / "bin", work, "readme")
