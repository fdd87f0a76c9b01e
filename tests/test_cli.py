"""End-to-end tests of the ``lexis`` command line.

Every test runs the CLI as a real subprocess (``python -m lexis_ls.cli``) on copies of the
fixtures in ``tests/fixtures/cli`` (or on texts written here) inside ``tmp_path``, and checks what
a user sees: the lines printed, the exit code, the bytes left on disk.  The contract is the
issue's (``check``/``fix``/``fmt``/``hash``/``explain``/``stdlib``/``schema``), with the language
facts of LEXIS.md (hash vectors of section 5, canonical layout of section 7, the 32 standard
library hashes of section 8, the 93 opcodes of section 6) and the codes of DIAGNOSTICS.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "cli"

# --------------------------------------------------------------------------------------------
# Language facts (copied from LEXIS.md / DIAGNOSTICS.md so that the tests stand on their own)

SECTION1_HASHES = {
    "a": "039c9761abd90242152ec03fef2dd94506a977e3fb937670f600c22fb595d62f",
    "b": "f2bbecbbae3c4dfe08ada800fff7da6632e354972a000e31c1f4b7535057861a",
    "sum": "c77c9b135c81f25ce360b1f322e542b2fa84efbadf0afbf456b1f7838f17f1a5",
    "out": "078801c649fd8c79775bab4aa6b89e18c8d2efd3a8c44de8e77a435ba9962273",
}
SECTION1_PROGRAM_HASH = "3ccd3d1fe8b17b530eceaa3441dc09065e1dbc83d2abd7e5aee143cea0fefca6"

STD_HASHES = {
    "always_true": "abf93239b6c976cce5cfe78d446f1fd6112eae213f1c3fd61f73e48d197843db",
    "always_false": "d952a5bbd05e00aaf83a4d9101fb9e0d365dd7b3c3eae133a7f4ddf8584b87b7",
    "is_num": "ee92d36d5e08ffd1d59ce45e8516437c0c06ee29e215bb59a00979e0db77b9bf",
    "is_str": "2817f056117e859e06fecd8d1b0b886c219ad15e08343632ccbcdbe6d8df56f3",
    "is_bool": "68ef585320e988e1b71b3716442ec2a89fef00d9dcc6ec8b5ffcff55f7c596b1",
    "is_dict": "108ad3df7b58dfcaf454a57c7c1a9148b4a3b6c98d9f4f26e1d60c51e996e001",
    "is_seq": "f4af768d427aa52b5d4f8a54c6f7fd004e0ad8ec9acdf21f114bdf96d9ac2719",
    "is_error": "636d38362daf7c75239384b7ad73ba1b84cd27915865d32d8e85d39578ce9604",
    "double": "3d8c23929a98e626a7736b5a654e508c7d10638e7c899cf14bde93a190a42e7e",
    "negate": "3de69face01b879d591f9b69a315f2bd19c5b54f60e7bb19525b8659682c3923",
    "identity": "74c985d2bc458e86d4ef682ce551bf9050374bde2c744e4276f6d979966a11af",
    "to_str": "cd724ca95d0aca9f097f1a35be87ed35caa0d3c56829e6804cc7d2dabd87f888",
    "to_num": "384789126edcb055f1aa038cb17cbe1dcf696fbf6a0d1928a48dcc9a3cdee080",
    "get_length": "d7226ba63dc9a7e89b544db2752d9005ee70891a32c983ac911fe2cd3de15060",
    "get_first": "f9b37ed455bc731db516b56162f432d210a009a6ab01b61be675ace215f3c56c",
    "get_last": "c19ce2f0214fdb0a68fa33f95b5b9a4ee2595d3f9b19e322d5d2cbfe614478b5",
    "is_positive": "223c9277402767e5ff44051d93e240baaaaffb69bab941172d09dd1fd6cef9bf",
    "is_negative": "2ae2504e12cf1d9af0acbd03dfed354fc1a32c638d80b8633398ed54a6c4f3b0",
    "is_zero": "c5046642198ecc8c8e11ca58c08c6b56d778de2836f0499c928d053101bbbadd",
    "is_empty": "000f566dcf87cdf647cc5e6cc2f68739d1c22f5c9fdef16e98f416d1a399d2f5",
    "abs": "5c47fc559f904f3d3a50aff5d02881b19dbac26ef1df7a7221fcc63f66da465f",
    "square": "0844d8a1fea844e4ba7f2c1cc29b3f34399944d1f653fab037e87a3c3dadef0b",
    "increment": "a75d426258c76fd65495d7f0f5b8c958144c6c6c0bd7dcb6354621745a0398ec",
    "decrement": "3f387a60fe26e243891be34c77eedb0c1952b7c223c8153f76f134458cdfb3bb",
    "not_op": "ebfe563e7aa4fe7a4961aa7f08b09100145c7cadb3df572d1931e4086f076a5d",
    "add": "6ad1ef03743e1b2579c2ea94b7f4c34c45c93ffdad20bf058ea22ded6589e291",
    "mul": "98109333c78f480977b877567dd6d7f4f18beb6597a63c45dc0ed95e7a932e53",
    "sub": "29fff09c5266154dd37d64dd277d7fbaebf47dbb94b78905d5f900dfdea06b94",
    "min": "14f302813aa7de980e1ba8ef13c0dc65bdad198714db841efdda5525fe7f0b64",
    "max": "58f627c716bef86d348332b1539c436f02d4b50e079065922bdd1552ec58d024",
    "concat": "22d160fb5a506314c2f928467e5cb4f5c7d1678bb57824dbb94a418b4cfe0992",
    "and_op": "ff539e4eec0c5285eb04a7cee20e5cef5f46b88ec608a9ec8c2a74ef274d8e53",
}

OPCODES = [
    "const",
    "print",
    "param",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "floor",
    "ceil",
    "round",
    "power",
    "sqrt",
    "random",
    "gt",
    "lt",
    "eq",
    "gte",
    "lte",
    "not",
    "and",
    "or",
    "concat",
    "length",
    "to_str",
    "to_num",
    "format",
    "upper",
    "lower",
    "trim",
    "replace",
    "starts_with",
    "ends_with",
    "contains",
    "sequence",
    "index",
    "range",
    "select",
    "try_or",
    "is_error",
    "try_catch",
    "comment",
    "assert",
    "split",
    "slice",
    "dict",
    "get",
    "keys",
    "values",
    "set",
    "delete_key",
    "items",
    "has_key",
    "sort",
    "reverse",
    "merge",
    "zip",
    "flatten",
    "unique",
    "take",
    "drop",
    "enumerate",
    "type_of",
    "delay",
    "subgraph_def",
    "subgraph_call",
    "input_port",
    "output_port",
    "map",
    "filter",
    "reduce",
    "iterate",
    "retry",
    "compose",
    "apply",
    "match",
    "read_file",
    "write_file",
    "read_stdin",
    "http_get",
    "http_post",
    "http_request",
    "gui_window",
    "gui_widget",
    "gui_canvas",
    "gui_draw",
    "gui_state",
    "gui_render",
    "emit_node",
    "build_subgraph",
    "quote",
    "reflect",
    "eval",
]

DIAGNOSTIC_CODES = [
    "LX0001",
    "LX0002",
    "LX0003",
    "LX0004",
    "LX0005",
    "LX0006",
    "LX0007",
    "LX1001",
    "LX1002",
    "LX1003",
    "LX1004",
    "LX1005",
    "LX1006",
    "LX1007",
    "LX1008",
    "LX1009",
    "LX1010",
    "LX1011",
    "LX1012",
    "LX1013",
    "LX1014",
    "LX1015",
    "LX2001",
    "LX2002",
    "LX2003",
    "LX2004",
    "LX2005",
    "LX2006",
    "LX2007",
    "LX2008",
    "LX2009",
    "LX3001",
    "LX3002",
    "LX3003",
    "LX4001",
    "LX4002",
]

DIAGNOSTIC_KEYS = {"file", "code", "severity", "message", "range", "related", "fixes"}
SEVERITIES = {"error", "warning", "information", "hint"}

HEADER = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>LX\d{4}) (?P<message>.*)$"
)
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")

# --------------------------------------------------------------------------------------------
# Running the CLI


@dataclass
class Result:
    code: int
    out: str
    err: str
    raw_out: bytes

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "PYTHONIOENCODING"):
        env.pop(var, None)
    env.update(extra or {})
    return env


def lexis(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run ``lexis ARGS`` in ``cwd``; never a traceback, whatever the outcome."""
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=_env(env),
        timeout=600,
        check=False,
    )
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in err, err
    assert "Traceback" not in out, out[:2000]
    return Result(proc.returncode, out, err, proc.stdout)


def lexis_on_tty(*args: str | Path, cwd: Path) -> Result:
    """Run ``lexis ARGS`` with stdout connected to a pseudo-terminal."""
    import pty  # POSIX only

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lexis_ls.cli", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=_env({"TERM": "xterm-256color"}),
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", errors="replace")
    proc.stderr.close()
    code = proc.wait(timeout=600)
    raw = b"".join(chunks)
    out = raw.decode("utf-8").replace("\r\n", "\n")
    assert "Traceback" not in err, err
    return Result(code, out, err, raw)


def copy_fixture(name: str, tmp_path: Path, as_name: str | None = None) -> Path:
    dest = tmp_path / (as_name or name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / name, dest)
    return dest


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def blocks(out: str) -> list[tuple[re.Match[str], list[str]]]:
    """The text output split into diagnostics: (header match, the lines after the header)."""
    result: list[tuple[re.Match[str], list[str]]] = []
    for line in out.splitlines():
        m = HEADER.match(line)
        if m:
            result.append((m, []))
        elif result:
            result[-1][1].append(line)
    return result


def block(out: str, code: str) -> tuple[re.Match[str], list[str]]:
    found = [b for b in blocks(out) if b[0]["code"] == code]
    assert len(found) == 1, f"expected one {code} in:\n{out}"
    return found[0]


def cells(text: str) -> int:
    """Terminal columns that ``text`` occupies from column 0 (tabs every 8 columns)."""
    n = 0
    for ch in text:
        if ch == "\t":
            n = (n // 8 + 1) * 8
        elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            n += 2
        else:
            n += 1
    return n


def frame(body: list[str], source: str) -> tuple[str, str]:
    """The code-frame line showing ``source`` and the caret line under it."""
    for i, line in enumerate(body):
        if line.endswith(source):
            carets = next(x for x in body[i + 1 :] if "^" in x)
            return line, carets
    raise AssertionError(f"no code frame showing {source!r} in:\n" + "\n".join(body))


def assert_carets_under(body: list[str], source: str, start: int, end: int) -> None:
    """The carets sit, in terminal columns, exactly under ``source[start:end]``."""
    shown, carets = frame(body, source)
    gutter = len(shown) - len(source)
    first = carets.index("^")
    count = len(carets[first:]) - len(carets[first:].lstrip("^"))
    assert cells(carets[:first]) == cells(shown[: gutter + start]), (shown, carets)
    assert count == cells(source[start:end]), (shown, carets)


def apply_unified_diff(old: str, diff: str) -> str:
    """Apply a unified diff (as printed by ``lexis fix --diff``) to ``old``."""
    old_lines = old.splitlines(keepends=True)
    lines = diff.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(lines) and not lines[i].startswith("@@"):
        i += 1
    assert i < len(lines), f"no hunk in diff:\n{diff}"
    while i < len(lines):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", lines[i])
        assert m, lines[i]
        start = int(m[1]) - (0 if m[2] == "0" else 1)
        out.extend(old_lines[pos:start])
        pos = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            tag, rest = lines[i][0], lines[i][1:]
            if tag == " ":
                assert old_lines[pos] == rest
                out.append(rest)
                pos += 1
            elif tag == "-":
                assert old_lines[pos] == rest
                pos += 1
            elif tag == "+":
                out.append(rest)
            i += 1
    out.extend(old_lines[pos:])
    return "".join(out)


def program(nodes: list[str], capabilities: str = '"PURE_COMPUTE", "IO_STDOUT"') -> str:
    body = ",\n".join(f"    {n}" for n in nodes)
    return (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        f'  "capabilities": [{capabilities}],\n'
        '  "nodes": [\n'
        f"{body}\n"
        "  ]\n"
        "}\n"
    )


# --------------------------------------------------------------------------------------------
# check: text output


def test_check_reports_arity_with_exact_first_line_code_frame_and_exit_1(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert r.lines[0] == "prog.lexis.json:7:42: LX1002 `add` takes 2 inputs, got 3"
    _, body = block(r.out, "LX1002")
    source = '    {"id": "sum", "op": "add", "inputs": ["a", "b", "a"]},'
    shown, carets = frame(body, source)
    assert shown.startswith("7")  # the gutter shows the line number
    # the carets cover the `inputs` array, `["a", "b", "a"]`, columns 42..56
    assert_carets_under(body, source, 41, 56)
    assert carets.rstrip().endswith("error")
    assert any("hint" in line for line in body), body
    assert "\x1b" not in r.out + r.err


def test_check_code_frame_shows_the_source_line_verbatim(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    _, body = block(r.out, "LX1002")
    gutter_lines = [x for x in body if x.endswith('["a", "b", "a"]},')]
    assert len(gutter_lines) == 1
    assert re.fullmatch(r"7 +\| " + re.escape('    {"id": "sum"') + r".*", gutter_lines[0])


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param("café 🎉", id="accent-precomposed-and-emoji"),
        pytest.param("漢字テキスト", id="cjk-wide"),
        pytest.param("🎉🎉 x 🎉", id="several-emoji"),
        pytest.param("cafe\u0301 nai\u0308ve", id="accent-combining"),
    ],
)
def test_check_carets_line_up_after_non_ascii_text(tmp_path: Path, doc: str) -> None:
    source = f'    {{"id": "s", "doc": "{doc}", "op": "add", "inputs": ["a", "b", "a"]}},'
    text = program(
        [
            '{"id": "a", "op": "const", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            source.strip().rstrip(","),
            '{"id": "out", "op": "print", "inputs": ["s"]}',
        ]
    )
    assert text.splitlines()[6] == source
    write(tmp_path / "prog.lexis.json", text)
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    start = source.index('["a", "b", "a"]')
    end = start + len('["a", "b", "a"]')
    assert r.lines[0] == f"prog.lexis.json:7:{start + 1}: LX1002 `add` takes 2 inputs, got 3"
    _, body = block(r.out, "LX1002")
    assert_carets_under(body, source, start, end)


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_check_counts_lsp_lines_and_shows_separators_as_pictures(tmp_path: Path, sep: str) -> None:
    """U+2028, U+2029 and U+0085 break lines for Python's splitlines, not for LSP or JSON:
    the position is LSP's, and the frame shows the one line with a visible mark."""
    source = f'    {{"id": "s", "doc": "x{sep}y", "op": "add", "inputs": ["a", "b", "a"]}},'
    text = program(
        [
            '{"id": "a", "op": "const", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            source.strip().rstrip(","),
            '{"id": "out", "op": "print", "inputs": ["s"]}',
        ]
    )
    assert text.split("\n")[6] == source
    write(tmp_path / "prog.lexis.json", text)
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    start = source.index('["a", "b", "a"]')
    end = start + len('["a", "b", "a"]')
    assert r.lines[0] == f"prog.lexis.json:7:{start + 1}: LX1002 `add` takes 2 inputs, got 3"
    assert sep not in r.out
    _, body = block(r.out, "LX1002")
    assert_carets_under(body, source.replace(sep, "\u2424"), start, end)


def test_check_carets_line_up_after_tab_indentation(tmp_path: Path) -> None:
    text = program(
        [
            '{"id": "a", "op": "const", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            '{"id": "sum", "op": "add", "inputs": ["a", "b", "a"]}',
            '{"id": "out", "op": "print", "inputs": ["sum"]}',
        ]
    ).replace('    {"id": "sum"', '\t\t{"id": "sum"')
    source = text.splitlines()[6]
    assert source.startswith("\t\t")
    write(tmp_path / "prog.lexis.json", text)
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    start = source.index('["a", "b", "a"]')
    _, body = block(r.out, "LX1002")
    assert_carets_under(body, source, start, start + len('["a", "b", "a"]'))


def test_check_related_note_points_at_first_definition(tmp_path: Path) -> None:
    copy_fixture("duplicate_id.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    m, body = block(r.out, "LX1004")
    # the second `"a"` (line 6, column 12) is reported; the note names the first one (line 5)
    assert (m["line"], m["col"]) == ("6", "12")
    assert any("prog.lexis.json:5:" in line for line in body), body
    assert_carets_under(body, '    {"id": "a", "op": "const", "value": 3},', 11, 14)


def test_check_clean_file_exits_0_without_diagnostics(tmp_path: Path) -> None:
    copy_fixture("section1.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0, r.out
    assert blocks(r.out) == []


def test_check_warnings_only_exit_0(tmp_path: Path) -> None:
    copy_fixture("unused_capability.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0, r.out
    m, _ = block(r.out, "LX2002")
    assert m.group(0).startswith("prog.lexis.json:3:49: LX2002 ")
    assert "FS_READ" in m["message"]


def test_check_several_files_reports_each_and_exits_1(tmp_path: Path) -> None:
    copy_fixture("section1.lexis.json", tmp_path, "good.lexis.json")
    copy_fixture("arity.lexis.json", tmp_path, "bad.lexis.json")
    r = lexis("check", "good.lexis.json", "bad.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert [m["file"] for m, _ in blocks(r.out)] == ["bad.lexis.json"]


# --------------------------------------------------------------------------------------------
# check: colour


def test_check_no_ansi_escapes_when_not_a_tty(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert "\x1b" not in r.out
    assert "\x1b" not in r.err


def test_check_color_always_gives_ansi_escapes_on_a_pipe(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "--color", "always", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert "\x1b[" in r.out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", r.out)
    assert plain.splitlines()[0] == "prog.lexis.json:7:42: LX1002 `add` takes 2 inputs, got 3"


def test_check_color_never_gives_no_escapes(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "--color", "never", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert "\x1b" not in r.out


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_check_colours_on_a_tty_by_default(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis_on_tty("check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert "\x1b[" in r.out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", r.out)
    assert plain.splitlines()[0] == "prog.lexis.json:7:42: LX1002 `add` takes 2 inputs, got 3"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_check_color_never_on_a_tty(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis_on_tty("check", "--color", "never", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert "\x1b" not in r.out
    assert r.out.splitlines()[0] == "prog.lexis.json:7:42: LX1002 `add` takes 2 inputs, got 3"


# --------------------------------------------------------------------------------------------
# check: JSON output


def _json(r: Result) -> list[dict[str, object]]:
    data = json.loads(r.out)
    assert isinstance(data, dict)
    assert set(data) == {"diagnostics"}
    diags = data["diagnostics"]
    assert isinstance(diags, list)
    return diags


def _assert_range(rng: object) -> None:
    assert isinstance(rng, dict)
    assert set(rng) == {"start", "end"}
    for end in ("start", "end"):
        pos = rng[end]
        assert set(pos) == {"line", "character"}
        assert isinstance(pos["line"], int) and pos["line"] >= 0
        assert isinstance(pos["character"], int) and pos["character"] >= 0
    assert (rng["start"]["line"], rng["start"]["character"]) <= (
        rng["end"]["line"],
        rng["end"]["character"],
    )


def test_check_json_has_exactly_the_contract_keys(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    copy_fixture("duplicate_id.lexis.json", tmp_path, "dup.lexis.json")
    copy_fixture("unused_capability.lexis.json", tmp_path, "warn.lexis.json")
    r = lexis(
        "check",
        "--format",
        "json",
        "prog.lexis.json",
        "dup.lexis.json",
        "warn.lexis.json",
        cwd=tmp_path,
    )
    assert r.code == 1
    diags = _json(r)
    assert diags
    for d in diags:
        assert set(d) == DIAGNOSTIC_KEYS, d
        assert d["severity"] in SEVERITIES
        assert re.fullmatch(r"LX\d{4}", d["code"])
        assert isinstance(d["message"], str) and d["message"]
        _assert_range(d["range"])
        assert isinstance(d["related"], list)
        assert isinstance(d["fixes"], list)
        for rel in d["related"]:
            assert isinstance(rel, dict)
            assert isinstance(rel["message"], str)
            _assert_range(rel["range"])
    assert {d["file"] for d in diags} == {"prog.lexis.json", "dup.lexis.json", "warn.lexis.json"}
    severities = {d["code"]: d["severity"] for d in diags}
    assert severities["LX1002"] == "error"
    assert severities["LX1004"] == "error"
    assert severities["LX2002"] == "warning"


def test_check_json_positions_are_zero_based(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "--format", "json", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    diags = _json(r)
    assert diags == [
        {
            "file": "prog.lexis.json",
            "code": "LX1002",
            "severity": "error",
            "message": "`add` takes 2 inputs, got 3",
            "range": {"start": {"line": 6, "character": 41}, "end": {"line": 6, "character": 56}},
            "related": [],
            "fixes": diags[0]["fixes"],
        }
    ]


def test_check_json_related_points_at_first_definition(tmp_path: Path) -> None:
    copy_fixture("duplicate_id.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "--format", "json", "prog.lexis.json", cwd=tmp_path)
    (dup,) = [d for d in _json(r) if d["code"] == "LX1004"]
    assert dup["range"] == {
        "start": {"line": 5, "character": 11},
        "end": {"line": 5, "character": 14},
    }
    assert dup["related"], dup
    assert dup["related"][0]["range"]["start"]["line"] == 4


def test_check_json_lists_machine_applicable_fixes(tmp_path: Path) -> None:
    text = program(
        [
            '{"id": "a", "op": "const", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            '{"id": "sum", "op": "ADD", "inputs": ["a", "b"]}',
            '{"id": "out", "op": "print", "inputs": ["sum"]}',
        ]
    )
    write(tmp_path / "prog.lexis.json", text)
    r = lexis("check", "--format", "json", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 1
    (unknown,) = [d for d in _json(r) if d["code"] == "LX1001"]
    assert unknown["range"] == {
        "start": {"line": 6, "character": 24},
        "end": {"line": 6, "character": 29},
    }
    assert unknown["fixes"], unknown


def test_check_json_clean_file(tmp_path: Path) -> None:
    copy_fixture("section1.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "--format", "json", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    assert json.loads(r.out) == {"diagnostics": []}


def test_check_json_warnings_only_exit_0(tmp_path: Path) -> None:
    copy_fixture("unused_capability.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "--format", "json", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    assert [d["code"] for d in _json(r)] == ["LX2002"]


EMOJI_LINE = '    {"id": "s", "doc": "café 🎉", "op": "add", "inputs": ["a", "b", "a"]},'


def _emoji_program(tmp_path: Path) -> Path:
    text = program(
        [
            '{"id": "a", "op": "const", "value": 5}',
            '{"id": "b", "op": "const", "value": 3}',
            EMOJI_LINE.strip().rstrip(","),
            '{"id": "out", "op": "print", "inputs": ["s"]}',
        ]
    )
    assert text.splitlines()[6] == EMOJI_LINE
    return write(tmp_path / "prog.lexis.json", text)


def _arity_range(r: Result) -> dict[str, dict[str, int]]:
    assert r.code == 1
    (d,) = [d for d in _json(r) if d["code"] == "LX1002"]
    return d["range"]


@pytest.mark.parametrize(
    ("flags", "extra"),
    [
        pytest.param((), 1, id="default-is-utf-16"),
        pytest.param(("--position-encoding", "utf-16"), 1, id="utf-16"),
        pytest.param(("--position-encoding", "utf-32"), 0, id="utf-32"),
        pytest.param(("--position-encoding", "utf-8"), 1 + 3, id="utf-8"),
    ],
)
def test_check_json_position_encoding(tmp_path: Path, flags: tuple[str, ...], extra: int) -> None:
    """`é` is 1 UTF-16 unit / 2 bytes; 🎉 is 2 UTF-16 units / 4 bytes; both precede the range."""
    _emoji_program(tmp_path)
    code_points = EMOJI_LINE.index('["a", "b", "a"]')
    r = lexis("check", "--format", "json", *flags, "prog.lexis.json", cwd=tmp_path)
    rng = _arity_range(r)
    width = len('["a", "b", "a"]')
    assert rng == {
        "start": {"line": 6, "character": code_points + extra},
        "end": {"line": 6, "character": code_points + extra + width},
    }


def test_check_json_utf16_and_utf32_differ_by_the_emoji(tmp_path: Path) -> None:
    _emoji_program(tmp_path)
    u16 = _arity_range(lexis("check", "--format", "json", "prog.lexis.json", cwd=tmp_path))
    u32 = _arity_range(
        lexis(
            "check",
            "--format",
            "json",
            "--position-encoding",
            "utf-32",
            "prog.lexis.json",
            cwd=tmp_path,
        )
    )
    assert u16["start"]["character"] - u32["start"]["character"] == 1
    assert u16["end"]["character"] - u32["end"]["character"] == 1
    assert u16["start"]["line"] == u32["start"]["line"] == 6


def test_check_json_with_missing_file_still_prints_valid_json(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "--format", "json", "prog.lexis.json", "missing.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert [d["code"] for d in _json(r)] == ["LX1002"]
    assert "missing.lexis.json" in r.err


# --------------------------------------------------------------------------------------------
# check: directories


def test_check_directory_recurses_into_lexis_json_files_sorted(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    for rel in (
        "b.lexis.json",
        "a.lexis.json",
        "sub/c.lexis.json",
        "sub/deeper/d.lexis.json",
        "z.lexis.json",
    ):
        copy_fixture("arity.lexis.json", proj, rel)
    copy_fixture("section1.lexis.json", proj, "sub/clean.lexis.json")
    # not *.lexis.json: never picked up from a directory, even when they look like Lexis
    copy_fixture("arity.lexis.json", proj, "plain.json")
    copy_fixture("arity.lexis.json", proj, "sub/other.json")
    copy_fixture("arity.lexis.json", proj, "backup.lexis.json.bak")
    copy_fixture("arity.lexis.json", proj, "notes.txt")

    expected = [
        str(Path("proj", *rel.split("/")))
        for rel in (
            "a.lexis.json",
            "b.lexis.json",
            "sub/c.lexis.json",
            "sub/deeper/d.lexis.json",
            "z.lexis.json",
        )
    ]
    r = lexis("check", "--format", "json", "proj", cwd=tmp_path)
    assert r.code == 1
    assert [d["file"] for d in _json(r)] == expected

    r = lexis("check", "proj", cwd=tmp_path)
    assert r.code == 1
    assert [m["file"] for m, _ in blocks(r.out)] == expected
    assert all(m["code"] == "LX1002" for m, _ in blocks(r.out))


def test_check_directory_of_clean_files_exits_0(tmp_path: Path) -> None:
    copy_fixture("section1.lexis.json", tmp_path, "proj/one.lexis.json")
    copy_fixture("arity.lexis.json", tmp_path, "proj/ignored.json")
    r = lexis("check", "proj", cwd=tmp_path)
    assert r.code == 0, r.out
    assert blocks(r.out) == []


def test_check_names_a_plain_json_file_directly(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.json")
    r = lexis("check", "prog.json", cwd=tmp_path)
    assert r.code == 1
    assert r.lines[0] == "prog.json:7:42: LX1002 `add` takes 2 inputs, got 3"


# --------------------------------------------------------------------------------------------
# Exit code 2: usage errors and unreadable files, one clear message, never a traceback


def test_check_missing_file_exit_2(tmp_path: Path) -> None:
    r = lexis("check", "nope.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert "nope.lexis.json" in r.err
    assert r.err.strip()


def test_check_missing_file_next_to_a_good_one_still_checks_the_good_one(tmp_path: Path) -> None:
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("check", "prog.lexis.json", "nope.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert r.lines[0] == "prog.lexis.json:7:42: LX1002 `add` takes 2 inputs, got 3"
    assert "nope.lexis.json" in r.err


def test_check_non_utf8_file_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "latin1.lexis.json"
    path.write_bytes(program(['{"id": "a", "op": "const", "value": "café"}']).encode("latin-1"))
    r = lexis("check", "latin1.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert "latin1.lexis.json" in r.err
    assert "utf-8" in r.err.lower()


def test_check_unreadable_file_is_not_reported_as_passing(tmp_path: Path) -> None:
    path = tmp_path / "latin1.lexis.json"
    path.write_bytes(b'{"spec": "lexis-0.1.0", "name": "caf\xe9"}')
    r = lexis("check", "latin1.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert "passed" not in r.out.lower(), r.out


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("frobnicate",), id="unknown-subcommand"),
        pytest.param((), id="no-subcommand"),
        pytest.param(("check", "--bogus", "prog.lexis.json"), id="bad-flag"),
        pytest.param(("check",), id="check-without-path"),
        pytest.param(("check", "--format", "xml", "prog.lexis.json"), id="bad-format"),
        pytest.param(
            ("check", "--position-encoding", "utf-7", "prog.lexis.json"), id="bad-encoding"
        ),
        pytest.param(("check", "--color", "sometimes", "prog.lexis.json"), id="bad-color"),
        pytest.param(("fmt", "--diff", "prog.lexis.json"), id="fmt-bad-flag"),
        pytest.param(("hash",), id="hash-without-file"),
        pytest.param(("explain",), id="explain-without-code"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    copy_fixture("section1.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis(*args, cwd=tmp_path)
    assert r.code == 2
    assert r.err.strip()
    assert r.out == ""


@pytest.mark.parametrize("command", ["fix", "fmt", "hash"])
def test_other_commands_missing_file_exit_2(tmp_path: Path, command: str) -> None:
    r = lexis(command, "nope.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert "nope.lexis.json" in r.err


@pytest.mark.parametrize("command", ["fix", "fmt", "hash"])
def test_other_commands_non_utf8_file_exit_2(tmp_path: Path, command: str) -> None:
    path = tmp_path / "bad.lexis.json"
    original = b'{"spec": "lexis-0.1.0", "name": "caf\xe9", "capabilities": [], "nodes": []}\n'
    path.write_bytes(original)
    r = lexis(command, "bad.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert "bad.lexis.json" in r.err
    assert path.read_bytes() == original


def test_check_output_to_a_non_utf8_stream_has_no_traceback(tmp_path: Path) -> None:
    """A terminal or pipe that cannot encode `é`/🎉 must not crash the report."""
    _emoji_program(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", "check", "prog.lexis.json"],
        cwd=tmp_path,
        capture_output=True,
        env=_env({"PYTHONIOENCODING": "ascii"}),
        timeout=600,
        check=False,
    )
    err = proc.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in err, err
    assert proc.returncode == 1
    assert proc.stdout.decode("ascii", errors="replace").startswith("prog.lexis.json:7:")


# --------------------------------------------------------------------------------------------
# check: large and hostile input


def test_check_50_mb_file(tmp_path: Path) -> None:
    big = "x" * (50 * 1024 * 1024)
    text = (
        "{\n"
        '  "spec": "lexis-0.1.0",\n'
        '  "capabilities": ["PURE_COMPUTE"],\n'
        '  "nodes": [\n'
        f'    {{"id": "s", "op": "const", "value": "{big}"}},\n'
        '    {"id": "p", "op": "print", "inputs": ["s"]}\n'
        "  ]\n"
        "}\n"
    )
    write(tmp_path / "big.lexis.json", text)
    assert (tmp_path / "big.lexis.json").stat().st_size > 50 * 1024 * 1024
    r = lexis("check", "big.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert r.lines[0].startswith("big.lexis.json:6:23: LX2001 "), r.lines[0][:200]


def test_check_code_frame_of_a_very_long_line_is_bounded(tmp_path: Path) -> None:
    """A minified program: the frame must not echo a megabyte of line (and as many spaces)."""
    big = "x" * (1024 * 1024)
    text = (
        '{"spec":"lexis-0.1.0","capabilities":["PURE_COMPUTE"],"nodes":['
        f'{{"id":"s","op":"const","value":"{big}"}},{{"id":"p","op":"print","inputs":["s"]}}]}}\n'
    )
    write(tmp_path / "min.lexis.json", text)
    r = lexis("check", "min.lexis.json", cwd=tmp_path)
    assert r.code == 1
    col = text.index('"print"') + 1
    assert r.lines[0].startswith(f"min.lexis.json:1:{col}: LX2001 "), r.lines[0][:200]
    longest = max(len(line) for line in r.lines)
    assert longest < 1000, f"longest output line has {longest} characters"
    _, body = block(r.out, "LX2001")
    shown = next(x for x in body if '"print"' in x)
    carets = next(x for x in body if "^" in x)
    first = carets.index("^")
    assert shown[first : first + len('"print"')] == '"print"'
    assert carets[first:].startswith("^^^^^^^ ")


@pytest.mark.parametrize(
    "shape",
    ["top-level-arrays", "array-in-value", "object-in-value", "unclosed-arrays"],
)
def test_check_100000_deep_nesting(tmp_path: Path, shape: str) -> None:
    n = 100_000
    head = '{"spec":"lexis-0.1.0","capabilities":["PURE_COMPUTE"],"nodes":[{"id":"a","op":"const","value":'
    tail = '},{"id":"p","op":"print","inputs":["a"]}]}\n'
    text = {
        "top-level-arrays": "[" * n + "]" * n + "\n",
        "array-in-value": head + "[" * n + "]" * n + tail,
        "object-in-value": head + '{"k":' * n + "1" + "}" * n + tail,
        "unclosed-arrays": "[" * n + "\n",
    }[shape]
    write(tmp_path / "deep.lexis.json", text)
    r = lexis("check", "deep.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert HEADER.match(r.lines[0]), r.lines[0][:200]
    r = lexis("check", "--format", "json", "deep.lexis.json", cwd=tmp_path)
    assert r.code == 1
    assert any(d["severity"] == "error" for d in _json(r))


# --------------------------------------------------------------------------------------------
# fix

FIXABLE = (
    "{{{nl}"
    '  "spec":"lexis-0.1.0",  "name": "d\u00e9mo \U0001f389",{nl}'
    '\t"capabilities": ["PURE_COMPUTE", "PURE_COMPUTE"],{nl}'
    '  "nodes": [{nl}'
    '    {{"id": "a", "op": "const", "value": 5.0e0, "doc": "caf\\u00e9"}},{nl}'
    '    {{"id": "b", "op": "const", "value": 3}},{nl}'
    '    {{"op": "ADD", "id": "sum", "inputs": ["a", "b"]}},{nl}'
    '    {{"id": "out", "op": "print", "inputs": ["sum"]}}{nl}'
    "  ]{nl}"
    "}}{nl}"
)
FIXED = (
    "{{{nl}"
    '  "spec":"lexis-0.1.0",  "name": "d\u00e9mo \U0001f389",{nl}'
    '\t"capabilities": ["PURE_COMPUTE", "IO_STDOUT"],{nl}'
    '  "nodes": [{nl}'
    '    {{"id": "a", "op": "const", "value": 5.0e0, "doc": "caf\\u00e9"}},{nl}'
    '    {{"id": "b", "op": "const", "value": 3}},{nl}'
    '    {{"op": "add", "id": "sum", "inputs": ["a", "b"]}},{nl}'
    '    {{"id": "out", "op": "print", "inputs": ["sum"]}}{nl}'
    "  ]{nl}"
    "}}{nl}"
)


@pytest.mark.parametrize("nl", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_fix_applies_safe_fixes_in_place_exactly(tmp_path: Path, nl: str) -> None:
    path = write(tmp_path / "prog.lexis.json", FIXABLE.format(nl=nl))
    before = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert before.code == 1
    assert {m["code"] for m, _ in blocks(before.out)} == {"LX1001", "LX2001", "LX2009"}

    lexis("fix", "prog.lexis.json", cwd=tmp_path)
    assert path.read_bytes() == FIXED.format(nl=nl).encode("utf-8")

    after = lexis("check", "prog.lexis.json", cwd=tmp_path)
    assert after.code == 0, after.out
    assert blocks(after.out) == []


def test_fix_leaves_every_untouched_line_byte_identical(tmp_path: Path) -> None:
    path = write(tmp_path / "prog.lexis.json", FIXABLE.format(nl="\r\n"))
    old = path.read_bytes().split(b"\r\n")
    lexis("fix", "prog.lexis.json", cwd=tmp_path)
    new = path.read_bytes().split(b"\r\n")
    assert len(old) == len(new)
    changed = [i + 1 for i, (a, b) in enumerate(zip(old, new)) if a != b]
    assert changed == [3, 7]


def test_fix_twice_is_a_no_op_the_second_time(tmp_path: Path) -> None:
    path = write(tmp_path / "prog.lexis.json", FIXABLE.format(nl="\n"))
    lexis("fix", "prog.lexis.json", cwd=tmp_path)
    once = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    r = lexis("fix", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    assert path.read_bytes() == once
    assert path.stat().st_mtime_ns == mtime  # not even rewritten
    r = lexis("fix", "--diff", "prog.lexis.json", cwd=tmp_path)
    assert r.out == ""


def test_fix_diff_prints_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    original = FIXABLE.format(nl="\n")
    path = write(tmp_path / "prog.lexis.json", original)
    r = lexis("fix", "--diff", "prog.lexis.json", cwd=tmp_path)
    assert path.read_bytes() == original.encode("utf-8")
    lines = r.out.splitlines()
    assert lines[0].startswith("--- ") and "prog.lexis.json" in lines[0]
    assert lines[1].startswith("+++ ") and "prog.lexis.json" in lines[1]
    assert lines[2].startswith("@@ ")
    removed = [x[1:] for x in lines[2:] if x.startswith("-")]
    added = [x[1:] for x in lines[2:] if x.startswith("+")]
    assert removed == [
        '\t"capabilities": ["PURE_COMPUTE", "PURE_COMPUTE"],',
        '    {"op": "ADD", "id": "sum", "inputs": ["a", "b"]},',
    ]
    assert added == [
        '\t"capabilities": ["PURE_COMPUTE", "IO_STDOUT"],',
        '    {"op": "add", "id": "sum", "inputs": ["a", "b"]},',
    ]
    assert apply_unified_diff(original, r.out) == FIXED.format(nl="\n")


def test_fix_on_a_directory_fixes_every_lexis_file(tmp_path: Path) -> None:
    a = write(tmp_path / "proj" / "a.lexis.json", FIXABLE.format(nl="\n"))
    b = write(tmp_path / "proj" / "sub" / "b.lexis.json", FIXABLE.format(nl="\n"))
    other = write(tmp_path / "proj" / "other.json", FIXABLE.format(nl="\n"))
    lexis("fix", "proj", cwd=tmp_path)
    assert a.read_text(encoding="utf-8") == FIXED.format(nl="\n")
    assert b.read_text(encoding="utf-8") == FIXED.format(nl="\n")
    assert other.read_text(encoding="utf-8") == FIXABLE.format(nl="\n")


def test_fix_does_not_touch_unsafe_problems(tmp_path: Path) -> None:
    """`sub` with three inputs has only an unsafe fix (which input is surplus is a guess):
    `lexis fix` must leave it, and say so by exit 1. (`add` with three is chained: associative.)"""
    path = copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    path.write_text(path.read_text(encoding="utf-8").replace('"add"', '"sub"'), encoding="utf-8")
    original = path.read_bytes()
    r = lexis("fix", "prog.lexis.json", cwd=tmp_path)
    assert path.read_bytes() == original
    assert r.code == 1


# --------------------------------------------------------------------------------------------
# fmt


def test_fmt_rewrites_to_canonical_layout(tmp_path: Path) -> None:
    path = copy_fixture("messy.lexis.json", tmp_path, "prog.lexis.json")
    before = json.loads(path.read_text(encoding="utf-8"))
    r = lexis("fmt", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    expected = (FIXTURES / "messy.formatted.json").read_text(encoding="utf-8")
    assert path.read_text(encoding="utf-8") == expected
    assert json.loads(path.read_text(encoding="utf-8")) == before
    assert all(len(line) <= 100 for line in expected.splitlines())


def test_fmt_is_idempotent(tmp_path: Path) -> None:
    path = copy_fixture("messy.lexis.json", tmp_path, "prog.lexis.json")
    lexis("fmt", "prog.lexis.json", cwd=tmp_path)
    once = path.read_bytes()
    r = lexis("fmt", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    assert path.read_bytes() == once
    r = lexis("fmt", "--check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0


def test_fmt_check_exits_1_and_lists_files_without_writing(tmp_path: Path) -> None:
    messy = copy_fixture("messy.lexis.json", tmp_path, "proj/messy.lexis.json")
    clean = copy_fixture("messy.formatted.json", tmp_path, "proj/clean.lexis.json")
    original = messy.read_bytes()
    r = lexis("fmt", "--check", "proj", cwd=tmp_path)
    assert r.code == 1
    listed = r.out + r.err
    assert str(Path("proj", "messy.lexis.json")) in listed
    assert "clean.lexis.json" not in listed
    assert messy.read_bytes() == original
    assert clean.read_bytes() == (FIXTURES / "messy.formatted.json").read_bytes()


def test_fmt_check_exits_0_on_canonical_files(tmp_path: Path) -> None:
    copy_fixture("messy.formatted.json", tmp_path, "prog.lexis.json")
    copy_fixture("section1.lexis.json", tmp_path, "s1.lexis.json")
    r = lexis("fmt", "--check", "prog.lexis.json", "s1.lexis.json", cwd=tmp_path)
    assert r.code == 0
    assert "prog.lexis.json" not in r.out
    assert "s1.lexis.json" not in r.out


@pytest.mark.parametrize(
    ("text", "word"),
    [
        pytest.param(
            '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [\n', "json", id="truncated"
        ),
        pytest.param('{"spec": "lexis-0.1.0",, "nodes": []}\n', "json", id="double-comma"),
        pytest.param(
            '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [], "nodes": []}\n',
            "duplicate",
            id="duplicate-key",
        ),
    ],
)
def test_fmt_refuses_invalid_json(tmp_path: Path, text: str, word: str) -> None:
    path = write(tmp_path / "prog.lexis.json", text)
    r = lexis("fmt", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert "prog.lexis.json" in r.err
    assert word in r.err.lower()
    assert path.read_bytes() == text.encode("utf-8")
    r = lexis("fmt", "--check", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 2
    assert path.read_bytes() == text.encode("utf-8")


def test_fmt_refusal_does_not_stop_other_files(tmp_path: Path) -> None:
    bad = write(tmp_path / "proj" / "a.lexis.json", "{not json\n")
    good = copy_fixture("messy.lexis.json", tmp_path, "proj/b.lexis.json")
    r = lexis("fmt", "proj", cwd=tmp_path)
    assert r.code == 2
    assert bad.read_text(encoding="utf-8") == "{not json\n"
    assert good.read_bytes() == (FIXTURES / "messy.formatted.json").read_bytes()


# --------------------------------------------------------------------------------------------
# hash


def _hash_lines(out: str) -> tuple[str, dict[str, str]]:
    lines = [line.split() for line in out.splitlines() if line.strip()]
    assert lines[0] == ["program", lines[0][1]]
    nodes = {}
    for tokens in lines[1:]:
        assert len(tokens) == 2, tokens
        nodes[tokens[0]] = tokens[1]
    return lines[0][1], nodes


def test_hash_text_matches_section5_vectors(tmp_path: Path) -> None:
    copy_fixture("section1.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("hash", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    program_hash, nodes = _hash_lines(r.out)
    assert program_hash == SECTION1_PROGRAM_HASH
    assert nodes == SECTION1_HASHES
    assert list(nodes) == ["a", "b", "sum", "out"]


def test_hash_json_matches_section5_vectors(tmp_path: Path) -> None:
    copy_fixture("section1.lexis.json", tmp_path, "prog.lexis.json")
    r = lexis("hash", "--format", "json", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    data = json.loads(r.out)
    assert data["program"] == SECTION1_PROGRAM_HASH
    assert data["nodes"] == SECTION1_HASHES
    assert data["nodes"]["a"].startswith("039c9761")
    assert data["program"].startswith("3ccd3d1f")


def test_hash_ignores_ids_and_capability_order(tmp_path: Path) -> None:
    text = program(
        [
            '{"id": "five", "op": "const", "value": 5}',
            '{"id": "three", "op": "const", "value": 3}',
            '{"id": "total", "op": "add", "inputs": ["five", "three"]}',
            '{"id": "show", "op": "print", "inputs": ["total"]}',
        ],
        capabilities='"IO_STDOUT", "PURE_COMPUTE"',
    )
    write(tmp_path / "prog.lexis.json", text)
    r = lexis("hash", "--format", "json", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    data = json.loads(r.out)
    assert data["program"] == SECTION1_PROGRAM_HASH
    assert data["nodes"] == dict(zip(["five", "three", "total", "show"], SECTION1_HASHES.values()))


def test_hash_more_section5_vectors(tmp_path: Path) -> None:
    text = program(
        [
            '{"id": "t", "op": "const", "value": true}',
            '{"id": "i", "op": "const", "value": 1}',
            '{"id": "f", "op": "const", "value": 1.0}',
            '{"id": "four", "op": "const", "value": 4}',
            '{"id": "r", "op": "range", "inputs": ["i", "four"]}',
            '{"id": "m", "op": "map", "inputs": ["r"], "value": "std:double"}',
        ],
        capabilities='"PURE_COMPUTE"',
    )
    write(tmp_path / "prog.lexis.json", text)
    r = lexis("hash", "--format", "json", "prog.lexis.json", cwd=tmp_path)
    assert r.code == 0
    nodes = json.loads(r.out)["nodes"]
    assert nodes["t"] == "e4cd70d99f0524cfd544bc1edccb2b4ecd005122e8341af7820301cb8b747fb1"
    assert nodes["i"] == "dd625f0b29cdd887341b1e126569d49deea81b8290bfed6fc2d7f3581fb8fe41"
    assert nodes["f"] == "7cec2650289d4f4208afaac416842ce3c4c4977af34c1e5b9e10950ebdddf9d4"
    assert nodes["m"] == "94cb2e27a6300e49c7b395b1b062e28ab4a6049f187053aaa55a6f1ee918c5bf"


def test_hash_of_something_that_is_not_a_program(tmp_path: Path) -> None:
    write(tmp_path / "prog.lexis.json", "[1, 2, 3]\n")
    r = lexis("hash", "prog.lexis.json", cwd=tmp_path)
    assert r.code in (1, 2)
    assert "prog.lexis.json" in r.err


# --------------------------------------------------------------------------------------------
# explain


def test_explain_prints_the_page(tmp_path: Path) -> None:
    r = lexis("explain", "LX1002", cwd=tmp_path)
    assert r.code == 0
    assert "LX1002" in r.lines[0]
    assert "wrong number of inputs" in r.out.lower()
    assert "why" in r.out.lower()
    assert "```json" in r.out  # a minimal failing example
    assert "machine-applicable" in r.out.lower()
    assert "`add` takes 2 inputs, got 3" in r.out
    assert "\x1b" not in r.out


def test_explain_every_documented_code(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda code: lexis("explain", code, cwd=tmp_path), DIAGNOSTIC_CODES)
        )
    missing = [c for c, r in zip(DIAGNOSTIC_CODES, results) if r.code != 0 or c not in r.out]
    assert missing == []


def test_explain_unknown_code_exit_2(tmp_path: Path) -> None:
    r = lexis("explain", "LX9999", cwd=tmp_path)
    assert r.code == 2
    assert r.out == ""
    assert "LX9999" in r.err


# --------------------------------------------------------------------------------------------
# stdlib


def test_stdlib_lists_32_entries_with_section8_hashes(tmp_path: Path) -> None:
    r = lexis("stdlib", cwd=tmp_path)
    assert r.code == 0
    lines = [line for line in r.lines if line.strip()]
    assert len(lines) == 32
    listed = {}
    for line in lines:
        name = re.search(r"std:(\w+)", line)
        digest = HEX64.findall(line)
        assert name and len(digest) == 1, line
        listed[name[1]] = digest[0]
    assert listed == STD_HASHES
    assert listed["double"].startswith("3d8c2392")
    assert [re.search(r"std:(\w+)", line)[1] for line in lines] == list(STD_HASHES)


@pytest.mark.parametrize("name", ["double", "std:double"])
def test_stdlib_shows_one_subgraph(tmp_path: Path, name: str) -> None:
    r = lexis("stdlib", name, cwd=tmp_path)
    assert r.code == 0
    assert "std:double" in r.out
    assert STD_HASHES["double"] in r.out
    assert '"mul"' in r.out
    assert '"input_port"' in r.out and '"output_port"' in r.out


def test_stdlib_unknown_name_exit_2(tmp_path: Path) -> None:
    r = lexis("stdlib", "doubel", cwd=tmp_path)
    assert r.code == 2
    assert "doubel" in r.err
    assert "std:double" in r.err  # did you mean


# --------------------------------------------------------------------------------------------
# schema


def test_schema_is_json_with_93_opcodes(tmp_path: Path) -> None:
    r = lexis("schema", cwd=tmp_path)
    assert r.code == 0
    schema = json.loads(r.out)
    ops = schema["$defs"]["node"]["properties"]["op"]["enum"]
    assert len(ops) == 93
    assert sorted(ops) == sorted(OPCODES)


def test_schema_accepts_section1_and_rejects_unknown_op(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(lexis("schema", cwd=tmp_path).out)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)
    good = json.loads((FIXTURES / "section1.lexis.json").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(good)) == []
    bad = json.loads((FIXTURES / "section1.lexis.json").read_text(encoding="utf-8"))
    bad["nodes"][2]["op"] = "ADD"
    assert list(validator.iter_errors(bad))


# --------------------------------------------------------------------------------------------
# the installed script


def test_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("lexis.exe" if sys.platform == "win32" else "lexis")
    if not script.exists():
        pytest.skip("the `lexis` script is not installed next to this interpreter")
    copy_fixture("arity.lexis.json", tmp_path, "prog.lexis.json")
    proc = subprocess.run(
        [str(script), "check", "prog.lexis.json"],
        cwd=tmp_path,
        capture_output=True,
        env=_env(),
        timeout=600,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines()[0] == (
        "prog.lexis.json:7:42: LX1002 `add` takes 2 inputs, got 3"
    )
