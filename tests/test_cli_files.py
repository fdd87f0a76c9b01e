"""The files `lexis fix`, `lexis fmt` and `lexis run --trace-json` write, and stdout going away.

Failures are forced for real: a file-size limit (RLIMIT_FSIZE in the child), an immutable file
or folder (``chattr +i``: these tests may run as root, which permission bits do not stop). A
failed write is one line on stderr, leaves the file byte for byte, the other files are still
processed and the exit status is 2. Bytes nobody asked to change (a BOM, CRLF) stay; symlinks are
written through, permission bits kept. A broken pipe on stdout keeps the exit status the
findings call for, without a traceback.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import EXAMPLES, leftovers, unwritable

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
BOM = b"\xef\xbb\xbf"

FIXABLE = (
    "{\n"
    '  "spec": "lexis-0.1.0",\n'
    '  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
    '  "nodes": [\n'
    '    {"id": "a", "op": "const", "value": 1},\n'
    '    {"id": "o", "op": "PRINT", "inputs": ["a"]}\n'
    "  ]\n"
    "}\n"
)
FIXED = FIXABLE.replace('"PRINT"', '"print"')


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "PYTHONIOENCODING"):
        env.pop(var, None)
    return env


def _file_size_limit(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def lexis(*args: str | Path, cwd: Path, fsize: int | None = None) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=_env(),
        timeout=300,
        check=False,
        preexec_fn=None if fsize is None else (lambda: _file_size_limit(fsize)),
    )
    out = proc.stdout.decode("utf-8", errors="replace")
    err = proc.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in err, err
    return Result(proc.returncode, out, err)


def big_program(op: str = "print") -> str:
    """A one-line program of about 20 kB (a long constant) whose output is as long."""
    return json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
            "nodes": [
                {"id": "a", "op": "const", "value": "x" * 20_000},
                {"id": "o", "op": op, "inputs": ["a"]},
            ],
        }
    )


def failed_lines(r: Result, name: str) -> list[str]:
    return [line for line in r.err_lines if name in line and "cannot write" in line]


# --- a write that fails part way ---------------------------------------------------------


def test_fmt_under_a_file_size_limit_keeps_the_file_and_goes_on(tmp_path: Path) -> None:
    messy = (FIXTURES / "messy.lexis.json").read_bytes()
    a = tmp_path / "a.lexis.json"
    a.write_bytes(messy)
    b = tmp_path / "b.lexis.json"
    b.write_text(big_program(), encoding="utf-8")  # already > the limit: reading is fine
    c = tmp_path / "c.lexis.json"
    c.write_bytes(messy)
    original = b.read_bytes()
    r = lexis("fmt", a, b, c, cwd=tmp_path, fsize=8192)
    assert r.code == 2
    assert b.read_bytes() == original
    formatted = (FIXTURES / "messy.formatted.json").read_bytes()
    assert a.read_bytes() == formatted and c.read_bytes() == formatted
    assert failed_lines(r, "b.lexis.json") == [f"lexis: {b}: cannot write: File too large"]
    assert [line for line in r.err_lines if "b.lexis.json" in line] == failed_lines(
        r, "b.lexis.json"
    )
    assert leftovers(tmp_path) == []


def test_fix_under_a_file_size_limit_keeps_the_file_and_goes_on(tmp_path: Path) -> None:
    a = tmp_path / "a.lexis.json"
    a.write_text(FIXABLE, encoding="utf-8")
    b = tmp_path / "b.lexis.json"
    b.write_text(big_program("PRINT"), encoding="utf-8")
    c = tmp_path / "c.lexis.json"
    c.write_text(FIXABLE, encoding="utf-8")
    original = b.read_bytes()
    r = lexis("fix", a, b, c, cwd=tmp_path, fsize=8192)
    assert r.code == 2
    assert b.read_bytes() == original
    assert a.read_text(encoding="utf-8") == FIXED and c.read_text(encoding="utf-8") == FIXED
    assert failed_lines(r, "b.lexis.json") == [f"lexis: {b}: cannot write: File too large"]
    assert [line for line in r.err_lines if "b.lexis.json" in line] == failed_lines(
        r, "b.lexis.json"
    )
    assert "Fixed 2 findings (none remaining)." in r.err_lines  # the one not written: not counted
    assert leftovers(tmp_path) == []


# --- a file or folder that cannot be written --------------------------------------------


@pytest.mark.parametrize("command", ["fix", "fmt"])
def test_an_unwritable_file_is_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    text = FIXABLE if command == "fix" else (FIXTURES / "messy.lexis.json").read_text("utf-8")
    want = FIXED if command == "fix" else (FIXTURES / "messy.formatted.json").read_text("utf-8")
    paths = [tmp_path / f"{n}.lexis.json" for n in "abc"]
    for p in paths:
        p.write_text(text, encoding="utf-8")
    b = paths[1]
    with unwritable(b):
        r = lexis(command, *paths, cwd=tmp_path)
        assert b.read_text(encoding="utf-8") == text
    assert r.code == 2
    lines = [line for line in r.err_lines if "b.lexis.json" in line]
    assert len(lines) == 1 and lines[0].startswith(f"lexis: {b}: cannot write: "), r.err
    assert paths[0].read_text(encoding="utf-8") == want
    assert paths[2].read_text(encoding="utf-8") == want
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", ["fix", "fmt"])
def test_an_unwritable_folder_is_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    text = FIXABLE if command == "fix" else (FIXTURES / "messy.lexis.json").read_text("utf-8")
    folder = tmp_path / "ro"
    folder.mkdir()
    inside = folder / "b.lexis.json"
    after = tmp_path / "c.lexis.json"
    for p in (inside, after):
        p.write_text(text, encoding="utf-8")
    with unwritable(folder):
        r = lexis(command, inside, after, cwd=tmp_path)
        assert inside.read_text(encoding="utf-8") == text
        assert leftovers(folder) == []
    assert r.code == 2
    lines = [line for line in r.err_lines if "b.lexis.json" in line]
    assert len(lines) == 1 and lines[0].startswith(f"lexis: {inside}: cannot write: "), r.err
    assert after.read_text(encoding="utf-8") != text  # the file after it was still done


def test_trace_json_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    trace = folder / "trace.json"
    trace.write_bytes(b"old\n")
    with unwritable(folder):
        r = lexis("run", EXAMPLES / "hello.lexis.json", "--trace-json", trace, cwd=tmp_path)
        assert trace.read_bytes() == b"old\n"
        assert leftovers(folder) == []
    assert r.code == 2
    assert r.err_lines == [f"lexis: {trace}: cannot write: " + r.err_lines[0].split(": ", 3)[3]]


def test_trace_json_under_a_file_size_limit_keeps_the_old_trace(tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    trace.write_bytes(b"old\n")
    prog = tmp_path / "big.lexis.json"
    prog.write_text(big_program(), encoding="utf-8")
    r = lexis("run", prog, "--trace-json", trace, cwd=tmp_path, fsize=8192)
    assert r.code == 2
    assert trace.read_bytes() == b"old\n"
    assert r.err_lines == [f"lexis: {trace}: cannot write: File too large"]
    assert leftovers(tmp_path) == []


def test_trace_json_through_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "traces").mkdir()
    real = tmp_path / "traces" / "t.json"
    real.write_text("{}\n")
    real.chmod(0o600)
    link = tmp_path / "trace.json"
    link.symlink_to(real)
    r = lexis("run", EXAMPLES / "hello.lexis.json", "--trace-json", link, cwd=tmp_path)
    assert r.code == 0
    assert link.is_symlink()
    assert json.loads(real.read_text(encoding="utf-8"))["status"] == "ok"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


# --- bytes nobody asked to change -------------------------------------------------------


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


@pytest.mark.parametrize("bom", [b"", BOM], ids=["no-bom", "bom"])
@pytest.mark.parametrize("ending", ["lf", "crlf"])
def test_fix_keeps_bom_and_line_endings(tmp_path: Path, bom: bytes, ending: str) -> None:
    encode = crlf if ending == "crlf" else (lambda t: t.encode("utf-8"))
    path = tmp_path / "prog.lexis.json"
    path.write_bytes(bom + encode(FIXABLE))
    r = lexis("fix", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0, r.err
    assert path.read_bytes() == bom + encode(FIXED)


@pytest.mark.parametrize("bom", [b"", BOM], ids=["no-bom", "bom"])
@pytest.mark.parametrize("ending", ["lf", "crlf"])
def test_fmt_keeps_bom_and_line_endings(tmp_path: Path, bom: bytes, ending: str) -> None:
    messy = (FIXTURES / "messy.lexis.json").read_text(encoding="utf-8")
    formatted = (FIXTURES / "messy.formatted.json").read_text(encoding="utf-8")
    encode = crlf if ending == "crlf" else (lambda t: t.encode("utf-8"))
    path = tmp_path / "prog.lexis.json"
    path.write_bytes(bom + encode(messy))
    r = lexis("fmt", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0, r.err
    assert path.read_bytes() == bom + encode(formatted)
    # formatted already: neither rewritten nor reported, with or without --check
    mtime = path.stat().st_mtime_ns
    r = lexis("fmt", "--check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0 and r.out == ""
    r = lexis("fmt", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0 and "Reformatted" not in r.err
    assert path.stat().st_mtime_ns == mtime


def test_fmt_of_a_one_line_file_gets_lf(tmp_path: Path) -> None:
    """No line break to follow: the canonical layout's own."""
    path = tmp_path / "prog.lexis.json"
    one_line = json.dumps(json.loads((FIXTURES / "messy.lexis.json").read_text("utf-8")))
    path.write_bytes(BOM + one_line.encode("utf-8"))
    assert lexis("fmt", "prog.lexis.json", cwd=tmp_path).code == 0
    assert path.read_bytes() == BOM + (FIXTURES / "messy.formatted.json").read_bytes()


@pytest.mark.parametrize("command", ["fix", "fmt"])
def test_a_symlink_is_written_through_and_modes_kept(tmp_path: Path, command: str) -> None:
    text = FIXABLE if command == "fix" else (FIXTURES / "messy.lexis.json").read_text("utf-8")
    want = FIXED if command == "fix" else (FIXTURES / "messy.formatted.json").read_text("utf-8")
    (tmp_path / "src").mkdir()
    real = tmp_path / "src" / "prog.lexis.json"
    real.write_text(text, encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.lexis.json"
    link.symlink_to(Path("src") / "prog.lexis.json")
    plain = tmp_path / "plain.lexis.json"
    plain.write_text(text, encoding="utf-8")
    plain.chmod(0o755)
    r = lexis(command, "link.lexis.json", "plain.lexis.json", cwd=tmp_path)
    assert r.code == 0, r.err
    assert link.is_symlink() and os.readlink(link) == str(Path("src") / "prog.lexis.json")
    assert real.read_text(encoding="utf-8") == want
    assert plain.read_text(encoding="utf-8") == want
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert stat.S_IMODE(plain.stat().st_mode) == 0o755
    assert leftovers(tmp_path) == []


# --- stdout going away -------------------------------------------------------------------


def broken_files(folder: Path, count: int = 300) -> Path:
    """``count`` programs with an error each: far more than a pipe buffer of report."""
    folder.mkdir(parents=True, exist_ok=True)
    text = FIXABLE.replace('"IO_STDOUT"', '"PURE_COMPUTE"')  # LX2009 and LX1001
    for i in range(count):
        (folder / f"p{i:03}.lexis.json").write_text(text, encoding="utf-8")
    return folder


def test_check_piped_into_head_exits_1_without_a_traceback(tmp_path: Path) -> None:
    broken_files(tmp_path / "proj")
    shell = f"{sys.executable} -m lexis_ls.cli check proj | head -c 10 >/dev/null"
    proc = subprocess.Popen(
        ["bash", "-o", "pipefail", "-c", shell],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    _, err = proc.communicate(timeout=300)
    assert "Traceback" not in err.decode("utf-8", errors="replace")
    assert "BrokenPipe" not in err.decode("utf-8", errors="replace")
    assert proc.returncode == 1


def _with_closed_stdout(
    args: list[str], cwd: Path, *, close_stderr: bool = False
) -> tuple[int, str]:
    """Run ``lexis ARGS`` with stdout a pipe whose reader is already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write the child makes gets EPIPE
    err_read, err_write = os.pipe()
    if close_stderr:
        os.close(err_read)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lexis_ls.cli", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=err_write,
            env=_env(),
        )
    finally:
        os.close(write_end)
        os.close(err_write)
    err = b""
    if not close_stderr:
        with os.fdopen(err_read, "rb") as fh:
            err = fh.read()
    return proc.wait(timeout=300), err.decode("utf-8", errors="replace")


def _setup(tmp_path: Path) -> None:
    broken_files(tmp_path / "proj", count=20)
    (tmp_path / "messy.lexis.json").write_bytes((FIXTURES / "messy.lexis.json").read_bytes())
    (tmp_path / "fixable.lexis.json").write_text(FIXABLE, encoding="utf-8")
    (tmp_path / "good.lexis.json").write_bytes((FIXTURES / "section1.lexis.json").read_bytes())
    arity = (FIXTURES / "arity.lexis.json").read_text(encoding="utf-8")
    # `sub` with three inputs: only an unsafe fix, so `lexis fix` leaves an error (exit 1)
    (tmp_path / "unfixable.lexis.json").write_text(arity.replace('"add"', '"sub"'), "utf-8")


@pytest.mark.parametrize(
    ("args", "status"),
    [
        pytest.param(["check", "proj"], 1, id="check-errors"),
        pytest.param(["check", "--format", "json", "proj"], 1, id="check-json-errors"),
        pytest.param(["check", "good.lexis.json"], 0, id="check-clean"),
        pytest.param(["check", "proj", "missing.lexis.json"], 2, id="check-missing"),
        pytest.param(["fix", "--diff", "fixable.lexis.json"], 0, id="fix-diff"),
        pytest.param(
            ["fix", "--diff", "proj", "unfixable.lexis.json"], 1, id="fix-diff-errors-left"
        ),
        pytest.param(["fmt", "--check", "messy.lexis.json"], 1, id="fmt-check"),
        pytest.param(["hash", "good.lexis.json"], 0, id="hash"),
        pytest.param(["explain", "LX1001"], 0, id="explain"),
        pytest.param(["stdlib"], 0, id="stdlib"),
        pytest.param(["schema"], 0, id="schema"),
        pytest.param(["run", str(EXAMPLES / "hello.lexis.json")], 0, id="run"),
        pytest.param(["--help"], 0, id="help"),
    ],
)
def test_a_broken_pipe_keeps_the_exit_status(tmp_path: Path, args: list[str], status: int) -> None:
    _setup(tmp_path)
    expected = lexis(*args, cwd=tmp_path).code  # the same command, stdout read
    assert expected == status
    code, err = _with_closed_stdout(args, tmp_path)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert code == status


def test_a_broken_stderr_too_still_writes_and_exits_0(tmp_path: Path) -> None:
    _setup(tmp_path)
    code, _ = _with_closed_stdout(["fix", "fixable.lexis.json"], tmp_path, close_stderr=True)
    assert code == 0
    assert (tmp_path / "fixable.lexis.json").read_text(encoding="utf-8") == FIXED
