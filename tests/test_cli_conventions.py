"""The ``lexis`` command's conventions (issue 17 items 2 and 3), end to end.

Every test runs ``python -m lexis_ls.cli`` as a subprocess in ``tmp_path`` and checks what a
user (or a CI system reading the output) sees: exact lines, exit codes, documents that parse
and validate (SARIF against the SARIF 2.1.0 JSON Schema, JUnit as XML), bytes on disk.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from helpers import EXAMPLES

FIXTURES = Path(__file__).parent / "fixtures"
CLI = FIXTURES / "cli"
SARIF_SCHEMA = FIXTURES / "sarif" / "sarif-schema-2.1.0.json"

ARITY_LINE = "arity.lexis.json:7:42: LX1002 [*] error: `add` takes 2 inputs, got 3"
UNUSED_CAP_LINE = (
    'unused.lexis.json:3:49: LX2002 [*] warning: capability "FS_READ" is declared but no '
    "node needs it"
)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING"):
        env.pop(var, None)
    return env


def lexis(*args: str | Path, cwd: Path, stdin: bytes | None = None) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", *map(str, args)],
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=_env(),
        timeout=300,
        check=False,
    )
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in err, err
    assert "Traceback" not in out, out
    return Result(proc.returncode, out, err)


def put(folder: Path, rel: str, fixture: str = "arity.lexis.json") -> Path:
    dest = folder / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CLI / fixture, dest)
    return dest


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def project(tmp_path: Path) -> Path:
    """arity (an error with a safe fix), unused (a warning with a safe fix), clean."""
    put(tmp_path, "arity.lexis.json")
    put(tmp_path, "unused.lexis.json", "unused_capability.lexis.json")
    put(tmp_path, "clean.lexis.json", "section1.lexis.json")
    return tmp_path


# --- version and help ------------------------------------------------------------------------


def test_version_is_the_package_version(tmp_path: Path) -> None:
    r = lexis("--version", cwd=tmp_path)
    server = subprocess.run(
        [sys.executable, "-m", "lexis_ls", "--version"], capture_output=True, text=True, check=False
    )
    assert r.code == 0 and r.err == ""
    assert r.out == server.stdout.replace("lexis-ls ", "lexis ", 1)
    assert r.out.startswith("lexis ") and r.out.strip().split(" ")[1][0].isdigit()


def test_plain_lexis_prints_the_help_on_stderr_and_exits_2(tmp_path: Path) -> None:
    r = lexis(cwd=tmp_path)
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("usage: lexis")
    for command in ("check", "fix", "fmt", "hash", "explain", "stdlib", "run", "viz", "schema"):
        assert f"    {command} " in r.err
    assert "exit status:" in r.err


@pytest.mark.parametrize(
    "command", ["check", "fix", "fmt", "hash", "explain", "stdlib", "run", "viz", "schema"]
)
def test_every_command_help_documents_each_option_and_the_exit_status(
    tmp_path: Path, command: str
) -> None:
    r = lexis(command, "--help", cwd=tmp_path)
    assert r.code == 0
    assert "exit status:" in r.out
    assert "\n  0  " in r.out
    # every option line of the help carries a description (on its line or the next)
    lines = r.out.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if line.startswith("  -") and stripped != "-h, --help  show this help message and exit":
            described = len(stripped.split("  ", 1)) == 2 or (
                i + 1 < len(lines) and lines[i + 1].startswith(" " * 10)
            )
            assert described, f"{command}: {line!r} has no help text"


def test_help_documents_the_output_limit(tmp_path: Path) -> None:
    r = lexis("run", "--help", cwd=tmp_path)
    assert "--output-limit" in r.out and "1000000 characters" in r.out


# --- output formats ------------------------------------------------------------------------


def test_concise_is_one_line_per_finding_and_a_summary(tmp_path: Path) -> None:
    project(tmp_path)
    r = lexis("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert r.code == 1
    assert r.lines == [ARITY_LINE, UNUSED_CAP_LINE, "Found 1 error, 1 warning in 3 files."]


def test_format_is_an_alias_of_output_format(tmp_path: Path) -> None:
    project(tmp_path)
    a = lexis("check", "--format", "concise", ".", cwd=tmp_path)
    b = lexis("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert a == b


def test_github_annotations(tmp_path: Path) -> None:
    project(tmp_path)
    r = lexis("check", "--output-format", "github", ".", cwd=tmp_path)
    assert r.code == 1
    assert r.lines[0] == (
        "::error file=arity.lexis.json,line=7,col=42,endLine=7,endColumn=57,title=LX1002::"
        "`add` takes 2 inputs, got 3%0Ahint: `add` (add(a, b)) — inputs: 2"
    )
    assert r.lines[1].startswith(
        "::warning file=unused.lexis.json,line=3,col=49,endLine=3,endColumn=58,title=LX2002::"
    )
    assert len(r.lines) == 2  # no summary: every line is a workflow command


def test_github_escapes_properties_and_data(tmp_path: Path) -> None:
    put(tmp_path, "a,b:c%d.lexis.json")
    r = lexis("check", "--output-format", "github", "a,b:c%d.lexis.json", cwd=tmp_path)
    assert r.lines[0].startswith("::error file=a%2Cb%3Ac%25d.lexis.json,line=7,")
    from lexis_ls.cli_output import github_data, github_property

    assert github_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert github_property("50% done\nnext: a,b") == "50%25 done%0Anext%3A a%2Cb"


def _sarif(tmp_path: Path, *args: str) -> dict[str, object]:
    r = lexis("check", "--output-format", "sarif", *args, cwd=tmp_path)
    log = json.loads(r.out)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    return {"code": r.code, "log": log, "err": r.err}


def test_sarif_is_valid_sarif_2_1_0_with_rules_results_and_fixes(tmp_path: Path) -> None:
    from lexis_ls.lang.diagnostics import CODES

    project(tmp_path)
    got = _sarif(tmp_path, ".")
    assert got["code"] == 1
    log = got["log"]
    assert isinstance(log, dict) and log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "lexis"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == list(CODES)
    lx1002 = rules[[r["id"] for r in rules].index("LX1002")]
    assert lx1002["shortDescription"]["text"] == "wrong number of inputs"
    assert lx1002["helpUri"].startswith("file://") and lx1002["helpUri"].endswith("LX1002.md")
    assert Path(lx1002["helpUri"].removeprefix("file://")).is_file()
    assert lx1002["defaultConfiguration"]["level"] == "error"
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("LX1002", "error"),
        ("LX2002", "warning"),
    ]
    first = results[0]
    assert rules[first["ruleIndex"]]["id"] == "LX1002"
    assert first["message"]["text"].startswith("`add` takes 2 inputs, got 3")
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "arity.lexis.json"
    assert location["region"] == {"startLine": 7, "startColumn": 42, "endLine": 7, "endColumn": 57}
    fix = first["fixes"][0]
    assert fix["description"]["text"] == "Chain `add` over the 3 inputs"
    assert fix["artifactChanges"][0]["replacements"]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_of_a_clean_project_and_of_an_unreadable_file_is_still_valid(tmp_path: Path) -> None:
    put(tmp_path, "clean.lexis.json", "section1.lexis.json")
    got = _sarif(tmp_path, "clean.lexis.json")
    assert got["code"] == 0
    assert got["log"]["runs"][0]["results"] == []  # type: ignore[index]
    got = _sarif(tmp_path, "clean.lexis.json", "missing.lexis.json")
    assert got["code"] == 2
    invocation = got["log"]["runs"][0]["invocations"][0]  # type: ignore[index]
    assert invocation["executionSuccessful"] is False
    assert "missing.lexis.json" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_uri_of_a_name_with_spaces_is_percent_encoded(tmp_path: Path) -> None:
    put(tmp_path, "my programs/a b.lexis.json")
    got = _sarif(tmp_path, "my programs")
    result = got["log"]["runs"][0]["results"][0]  # type: ignore[index]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20programs/a%20b.lexis.json"


def test_junit_has_one_testcase_per_file_and_escapes_names(tmp_path: Path) -> None:
    project(tmp_path)
    put(tmp_path, 'odd & <"name">.lexis.json')
    r = lexis("check", "--output-format", "junit", ".", cwd=tmp_path)
    assert r.code == 1
    root = ET.fromstring(r.out)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    names = [c.get("name") for c in cases]
    assert names == [
        "arity.lexis.json",
        "clean.lexis.json",
        'odd & <"name">.lexis.json',
        "unused.lexis.json",
    ]
    by_name = {c.get("name"): c for c in cases}
    failure = by_name["arity.lexis.json"].find("failure")
    assert failure is not None and failure.get("message") == "1 error: LX1002"
    assert failure.text == ARITY_LINE + "\n"
    assert by_name["clean.lexis.json"].find("failure") is None
    unused = by_name["unused.lexis.json"]
    assert unused.find("failure") is None  # a warning does not fail the file
    assert (unused.findtext("system-out") or "") == UNUSED_CAP_LINE + "\n"
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "2"


def test_junit_reports_an_unreadable_file_as_an_error(tmp_path: Path) -> None:
    put(tmp_path, "clean.lexis.json", "section1.lexis.json")
    r = lexis(
        "check", "--output-format", "junit", "clean.lexis.json", "gone.lexis.json", cwd=tmp_path
    )
    assert r.code == 2
    root = ET.fromstring(r.out)
    errors = root.findall("./testsuite/testcase/error")
    assert len(errors) == 1 and "gone.lexis.json" in (errors[0].get("message") or "")


# --- selection, statistics, exit-zero --------------------------------------------------------


def _codes(r: Result) -> list[str]:
    return [line.split(": ")[1].split(" ")[0] for line in r.lines if ".lexis.json:" in line]


def test_select_ignore_extend_select(tmp_path: Path) -> None:
    put(tmp_path, "messy.lexis.json", "messy.lexis.json")
    base = ("check", "--output-format", "concise", "messy.lexis.json")
    everything = lexis(*base, cwd=tmp_path)
    assert sorted(set(_codes(everything))) == ["LX0005", "LX1003", "LX3001"]
    only3 = lexis(*base, "--select", "LX3", cwd=tmp_path)
    assert sorted(set(_codes(only3))) == ["LX1003", "LX3001"]  # errors are always reported
    more = lexis(*base, "--select", "LX3", "--extend-select", "LX0005", cwd=tmp_path)
    assert sorted(set(_codes(more))) == ["LX0005", "LX1003", "LX3001"]
    ignored = lexis(*base, "--ignore", "LX3001,LX0", cwd=tmp_path)
    assert sorted(set(_codes(ignored))) == ["LX1003"]
    # the most specific rule wins: everything of LX3 but LX3001
    specific = lexis(
        *base, "--select", "LX", "--ignore", "LX3", "--extend-select", "LX3001", cwd=tmp_path
    )
    assert "LX3001" in _codes(specific)
    errors_stay = lexis(*base, "--ignore", "LX1003", cwd=tmp_path)
    assert "LX1003" in _codes(errors_stay) and errors_stay.code == 1


def test_a_code_reported_as_a_warning_can_be_ignored(tmp_path: Path) -> None:
    # LX1015 is an error when the error value reaches an effect, a warning otherwise
    write(
        tmp_path / "demo.lexis.json",
        json.dumps(
            {
                "spec": "lexis-0.1.0",
                "capabilities": ["PURE_COMPUTE"],
                "nodes": [
                    {"id": "price", "op": "const", "value": 40},
                    {"id": "tax", "op": "const", "value": 0},
                    {"id": "rate", "op": "div", "inputs": ["price", "tax"]},
                ],
            },
            indent=1,
        ),
    )
    r = lexis("check", "--output-format", "concise", "-q", "demo.lexis.json", cwd=tmp_path)
    assert [line.split(" ")[1:3] for line in r.lines] == [
        ["LX3001", "hint:"],
        ["LX1015", "warning:"],
    ]
    r = lexis(
        "check", "--output-format", "concise", "-q", "--ignore", "LX1015", "demo.lexis.json",
        cwd=tmp_path,
    )  # fmt: skip
    assert [line.split(" ")[1] for line in r.lines] == ["LX3001"] and r.code == 0


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_codes_are_a_usage_error(tmp_path: Path, option: str) -> None:
    project(tmp_path)
    r = lexis("check", option, "LX1O02", ".", cwd=tmp_path)
    assert r.code == 2 and r.out == ""
    assert r.err_lines[-1].startswith(
        f"lexis: {option}: 'LX1O02' is not a Lexis diagnostic code or code prefix"
    )
    assert "did you mean" in r.err


def test_statistics(tmp_path: Path) -> None:
    put(tmp_path, "a.lexis.json")
    put(tmp_path, "b.lexis.json")
    put(tmp_path, "unused.lexis.json", "unused_capability.lexis.json")
    r = lexis("check", "--statistics", ".", cwd=tmp_path)
    assert r.code == 1
    assert r.lines == [
        "2\tLX1002\t[*] wrong number of inputs",
        "1\tLX2002\t[*] declared capability is never used",
        "Found 2 errors, 1 warning in 3 files.",
    ]
    r = lexis("check", "--statistics", "--output-format", "json", ".", cwd=tmp_path)
    assert json.loads(r.out) == [
        {"code": "LX1002", "name": "wrong number of inputs", "count": 2, "fixable": True},
        {
            "code": "LX2002",
            "name": "declared capability is never used",
            "count": 1,
            "fixable": True,
        },
    ]


def test_exit_zero(tmp_path: Path) -> None:
    project(tmp_path)
    r = lexis("check", "--exit-zero", ".", cwd=tmp_path)
    assert r.code == 0 and "LX1002" in r.out
    r = lexis("check", "--exit-zero", ".", "missing.lexis.json", cwd=tmp_path)
    assert r.code == 2  # a file that cannot be read is still a failure


# --- standard input --------------------------------------------------------------------------


def test_check_stdin_uses_the_stdin_filename(tmp_path: Path) -> None:
    data = (CLI / "arity.lexis.json").read_bytes()
    r = lexis("check", "--output-format", "concise", "-", cwd=tmp_path, stdin=data)
    assert r.code == 1 and r.lines[0] == ARITY_LINE.replace("arity.lexis.json", "-")
    r = lexis(
        "check", "--output-format", "concise", "--stdin-filename", "src/p.lexis.json",
        cwd=tmp_path, stdin=data,
    )  # fmt: skip
    assert r.lines[0] == ARITY_LINE.replace("arity.lexis.json", "src/p.lexis.json")


def test_stdin_configuration_is_found_from_the_stdin_filename(tmp_path: Path) -> None:
    write(tmp_path / "quiet" / "lexis.toml", 'ignore = ["LX2002"]\n')
    data = (CLI / "unused_capability.lexis.json").read_bytes()
    loud = lexis(
        "check", "-q", "--stdin-filename", "loud/p.lexis.json", "-", cwd=tmp_path, stdin=data
    )
    assert "LX2002" in loud.out
    quiet = lexis(
        "check", "-q", "--stdin-filename", "quiet/p.lexis.json", "-", cwd=tmp_path, stdin=data
    )
    assert quiet.out == "" and quiet.code == 0


def test_fmt_stdin_writes_the_formatted_program_to_stdout(tmp_path: Path) -> None:
    messy = (CLI / "messy.lexis.json").read_bytes()
    expected = (CLI / "messy.formatted.json").read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", "fmt", "-"],
        input=messy, capture_output=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout == expected and proc.stderr == b""
    # CRLF and a BOM survive the round trip, whatever the locale's encoding
    crlf = b"\xef\xbb\xbf" + messy.replace(b"\n", b"\r\n")
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", "fmt", "-"],
        input=crlf, capture_output=True, cwd=tmp_path, check=False,
        env={**_env(), "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii"},
    )  # fmt: skip
    assert proc.stdout == b"\xef\xbb\xbf" + expected.replace(b"\n", b"\r\n")
    r = lexis("fmt", "--check", "-", cwd=tmp_path, stdin=messy)
    assert r.code == 1 and r.lines == ["Would reformat: -"]


def test_fmt_stdin_that_is_not_json_gives_the_input_back_and_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", "fmt", "-"],
        input=b"{nope", capture_output=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == b"{nope"
    assert b"cannot format -:" in proc.stderr


def test_fix_stdin_writes_the_fixed_program_to_stdout(tmp_path: Path) -> None:
    data = (CLI / "arity.lexis.json").read_bytes()
    r = lexis("fix", "-", cwd=tmp_path, stdin=data)
    assert r.code == 0
    assert '{"id": "sum_1", "op": "add", "inputs": ["a", "b"]}' in r.out
    assert json.loads(r.out)["nodes"][-1] == {"id": "out", "op": "print", "inputs": ["sum"]}
    assert r.err_lines[-1] == "Fixed 1 finding (none remaining)."
    clean = (CLI / "section1.lexis.json").read_bytes()
    r = lexis("fix", "-", cwd=tmp_path, stdin=clean)
    assert r.out.encode() == clean  # nothing to fix: the input, unchanged


def test_hash_run_and_viz_read_stdin(tmp_path: Path) -> None:
    program = (CLI / "section1.lexis.json").read_bytes()
    put(tmp_path, "s.lexis.json", "section1.lexis.json")
    assert (
        lexis("hash", "-", cwd=tmp_path, stdin=program).out
        == lexis("hash", "s.lexis.json", cwd=tmp_path).out
    )
    run = lexis("run", "-", cwd=tmp_path, stdin=(EXAMPLES / "hello.lexis.json").read_bytes())
    assert run.code == 0 and run.out == (EXAMPLES / "expected" / "hello.stdout").read_text()
    viz = lexis(
        "viz",
        "-",
        "-o",
        "page.html",
        "--stdin-filename",
        "s.lexis.json",
        cwd=tmp_path,
        stdin=program,
    )
    assert viz.code == 0 and "<html" in (tmp_path / "page.html").read_text(encoding="utf-8")


# --- fix says what is left -----------------------------------------------------------------


def test_fix_lists_what_remains(tmp_path: Path) -> None:
    put(tmp_path, "messy.lexis.json", "messy.lexis.json")
    put(tmp_path, "unused.lexis.json", "unused_capability.lexis.json")
    r = lexis("fix", ".", cwd=tmp_path)
    assert r.code == 1  # LX1003 has no safe fix
    assert "unused.lexis.json: fixed LX2002: Remove `FS_READ`" in r.err_lines
    assert [line for line in r.err_lines if line.startswith("messy.lexis.json:")] == [
        "messy.lexis.json:2:151: LX3001 hint: the value of `msg` (`const`) is never used",
        "messy.lexis.json:3:63: LX3001 hint: the value of `twice` (`map`) is never used",
        'messy.lexis.json:3:112: LX1003 error: input "r" of `twice` refers to no node in the main graph',
        'messy.lexis.json:5:17: LX0005 warning: unknown key "x-extra" in the program',
    ]
    assert r.err_lines[-1] == "Fixed 1 finding (4 remaining: LX3001 ×2, LX0005, LX1003)."
    again = lexis("fix", "--ignore", "LX3001", ".", cwd=tmp_path)
    assert again.err_lines[-1] == "Fixed 0 findings (2 remaining: LX0005, LX1003)."


def test_fix_does_not_apply_the_fixes_of_ignored_codes(tmp_path: Path) -> None:
    path = put(tmp_path, "unused.lexis.json", "unused_capability.lexis.json")
    before = path.read_bytes()
    r = lexis("fix", "--ignore", "LX2002", "unused.lexis.json", cwd=tmp_path)
    assert r.code == 0 and path.read_bytes() == before
    assert r.err_lines == ["Fixed 0 findings (none remaining)."]


# --- project configuration ------------------------------------------------------------------


def test_configuration_select_ignore_and_per_file_ignores(tmp_path: Path) -> None:
    write(
        tmp_path / "lexis.toml",
        'ignore = ["LX3001"]\n[per-file-ignores]\n"legacy/**" = ["LX2002"]\n',
    )
    put(tmp_path, "messy.lexis.json", "messy.lexis.json")
    put(tmp_path, "legacy/old.lexis.json", "unused_capability.lexis.json")
    put(tmp_path, "new.lexis.json", "unused_capability.lexis.json")
    r = lexis("check", "--output-format", "concise", "-q", ".", cwd=tmp_path)
    assert _codes(r) == ["LX1003", "LX0005", "LX2002"]
    assert all("legacy" not in line for line in r.lines)
    # the command line wins over the file
    r = lexis("check", "--output-format", "concise", "-q", "--select", "LX3", ".", cwd=tmp_path)
    assert _codes(r) == ["LX1003"]  # LX3001 selected, still ignored by the file; errors stay


def test_configuration_trust_ceiling_and_command_line_wins(tmp_path: Path) -> None:
    files = EXAMPLES / "files.lexis.json"
    shutil.copyfile(files, tmp_path / "files.lexis.json")
    write(tmp_path / "pyproject.toml", "[tool.lexis]\ntrust-ceiling = 0\n")
    r = lexis("check", "--output-format", "concise", "files.lexis.json", cwd=tmp_path)
    assert "LX2008" in r.out
    r = lexis(
        "check",
        "--output-format",
        "concise",
        "--trust-ceiling",
        "3",
        "files.lexis.json",
        cwd=tmp_path,
    )
    assert "LX2008" not in r.out


def test_configuration_problems_are_printed_once_and_the_rest_applies(tmp_path: Path) -> None:
    write(tmp_path / "lexis.toml", 'trust-ceiling = 9\nignor = ["LX3001"]\nignore = ["LX2002"]\n')
    put(tmp_path, "a.lexis.json", "unused_capability.lexis.json")
    put(tmp_path, "b.lexis.json", "unused_capability.lexis.json")
    r = lexis("check", "-q", ".", cwd=tmp_path)
    assert r.code == 0 and r.out == ""  # LX2002 ignored: the valid settings apply
    assert r.err_lines == [
        "lexis.toml:1:17: error: `trust-ceiling` must be an integer 0-3, not 9",
        "lexis.toml:2:1: warning: unknown key `ignor`; did you mean `ignore`?",
    ]
    write(tmp_path / "lexis.toml", "select = [\n")
    r = lexis("check", "-q", "a.lexis.json", cwd=tmp_path)
    assert r.code == 0 and "LX2002" in r.out
    assert len(r.err_lines) == 1 and r.err_lines[0].startswith("lexis.toml:")
    assert ": error: invalid TOML: " in r.err_lines[0]


def test_configuration_include_and_exclude_in_folder_walks(tmp_path: Path) -> None:
    write(tmp_path / "lexis.toml", 'include = ["*.lexis.json", "*.lx"]\nexclude = ["generated/"]\n')
    put(tmp_path, "a.lexis.json")
    put(tmp_path, "b.lx")
    put(tmp_path, "generated/c.lexis.json")
    r = lexis("check", "--output-format", "concise", "-q", ".", cwd=tmp_path)
    assert [line.split(":")[0] for line in r.lines] == ["a.lexis.json", "b.lx"]
    # named on the command line: always checked
    r = lexis("check", "--output-format", "concise", "-q", "generated/c.lexis.json", cwd=tmp_path)
    assert r.lines == [ARITY_LINE.replace("arity", "generated/c")]


# --- file discovery --------------------------------------------------------------------------


def _files(r: Result) -> list[str]:
    return sorted({line.split(":")[0] for line in r.lines if ":" in line})


def test_discovery_skips_hidden_folders_venvs_and_node_modules(tmp_path: Path) -> None:
    put(tmp_path, "src/a.lexis.json")
    put(tmp_path, ".hidden/b.lexis.json")
    put(tmp_path, "src/.c.lexis.json")
    put(tmp_path, "node_modules/pkg/d.lexis.json")
    put(tmp_path, "env/lib/e.lexis.json")
    write(tmp_path / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    r = lexis("check", "--output-format", "concise", "-q", ".", cwd=tmp_path)
    assert _files(r) == ["src/a.lexis.json"]
    r = lexis("check", "--output-format", "concise", "-q", ".hidden/b.lexis.json", cwd=tmp_path)
    assert _files(r) == [".hidden/b.lexis.json"]


def test_discovery_deduplicates(tmp_path: Path) -> None:
    put(tmp_path, "src/a.lexis.json")
    r = lexis(
        "check", "--output-format", "concise", "src/a.lexis.json", "src", "./src/a.lexis.json",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.lines == [ARITY_LINE.replace("arity", "src/a"), "Found 1 error in 1 file."]


def test_discovery_respects_gitignore_in_a_git_work_tree(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path / ".gitignore", "build/\nscratch-*.lexis.json\n!scratch-keep.lexis.json\n")
    put(tmp_path, "a.lexis.json")
    put(tmp_path, "build/b.lexis.json")
    put(tmp_path, "scratch-1.lexis.json")
    put(tmp_path, "scratch-keep.lexis.json")
    write(tmp_path / "sub" / ".gitignore", "local.lexis.json\n")
    put(tmp_path, "sub/local.lexis.json")
    put(tmp_path, "sub/other.lexis.json")
    expected = ["a.lexis.json", "scratch-keep.lexis.json", "sub/other.lexis.json"]
    r = lexis("check", "--output-format", "concise", "-q", ".", cwd=tmp_path)
    assert _files(r) == expected
    r = lexis("check", "--output-format", "concise", "-q", "build/b.lexis.json", cwd=tmp_path)
    assert _files(r) == ["build/b.lexis.json"]  # named: checked


def test_discovery_reads_gitignore_outside_git(tmp_path: Path) -> None:
    write(tmp_path / ".gitignore", "build/\nscratch-*.lexis.json\n!scratch-keep.lexis.json\n")
    put(tmp_path, "a.lexis.json")
    put(tmp_path, "build/b.lexis.json")
    put(tmp_path, "scratch-1.lexis.json")
    put(tmp_path, "scratch-keep.lexis.json")
    r = lexis("check", "--output-format", "concise", "-q", ".", cwd=tmp_path)
    assert _files(r) == ["a.lexis.json", "scratch-keep.lexis.json"]


def test_a_folder_without_lexis_files_warns_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "notes.json", "{}")
    r = lexis("check", "empty", cwd=tmp_path)
    assert r.code == 0 and r.out == ""
    assert r.err_lines == ["lexis: warning: no Lexis files found in empty"]


# --- run ------------------------------------------------------------------------------------


def test_unknown_param_is_rejected_with_a_suggestion(tmp_path: Path) -> None:
    params = EXAMPLES / "params.lexis.json"
    r = lexis("run", params, "--param", "nmae=Ada", cwd=tmp_path)
    assert r.code == 2 and r.out == ""
    assert r.err_lines == [
        f"lexis: {params}: --param nmae: the program has no parameter `nmae`; did you mean "
        "`name`? (its parameters: count, name, price)"
    ]
    hello = EXAMPLES / "hello.lexis.json"
    r = lexis("run", hello, "--param", "x=1", cwd=tmp_path)
    assert r.code == 2 and r.out == ""
    assert "the program declares no parameters" in r.err


def test_fs_root_and_output_paths_are_checked_before_the_run(tmp_path: Path) -> None:
    hello = EXAMPLES / "hello.lexis.json"
    r = lexis("run", hello, "--fs-root", "nowhere", cwd=tmp_path)
    assert r.code == 2 and r.out == ""  # nothing ran
    assert r.err_lines == ["lexis: --fs-root: no such folder: nowhere"]
    r = lexis("run", hello, "--trace-json", "missing/t.json", cwd=tmp_path)
    assert r.code == 2 and r.out == ""
    assert r.err_lines == [
        "lexis: missing/t.json: cannot write: no such directory: missing (--trace-json)"
    ]


def test_output_limit_from_the_command_line_and_the_configuration(tmp_path: Path) -> None:
    shutil.copyfile(EXAMPLES / "hello.lexis.json", tmp_path / "hello.lexis.json")
    r = lexis("run", "hello.lexis.json", "--output-limit", "5", cwd=tmp_path)
    assert r.code == 3 and "output limit of 5 characters reached" in r.err
    write(tmp_path / "lexis.toml", "[run]\noutput-limit = 4\n")
    r = lexis("run", "hello.lexis.json", cwd=tmp_path)
    assert r.code == 3 and "output limit of 4 characters reached" in r.err
    r = lexis("run", "hello.lexis.json", "--output-limit", "1000", cwd=tmp_path)
    assert r.code == 0 and r.out == (EXAMPLES / "expected" / "hello.stdout").read_text()


def test_run_timeout_from_the_configuration_and_the_command_line_wins(tmp_path: Path) -> None:
    slow = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
        "nodes": [
            {"id": "a", "op": "const", "value": "before"},
            {"id": "p", "op": "print", "inputs": ["a"]},
            {"id": "w", "op": "delay", "inputs": ["p"], "value": 30},
            {"id": "q", "op": "print", "inputs": ["w"]},
        ],
    }
    write(tmp_path / "slow.lexis.json", json.dumps(slow))
    write(tmp_path / "lexis.toml", "[run]\ntimeout = 0.3\n")
    r = lexis("run", "slow.lexis.json", cwd=tmp_path)
    assert r.code == 3 and r.out == "before\n"
    assert "run stopped at node `w`: time limit of 0.3 s reached" in r.err
    r = lexis("run", "slow.lexis.json", "--timeout", "0.4", cwd=tmp_path)
    assert "time limit of 0.4 s reached" in r.err


def test_run_fs_root_from_the_configuration(tmp_path: Path) -> None:
    program = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_READ"],
        "nodes": [
            {"id": "p", "op": "const", "value": "../data/note.txt"},
            {"id": "r", "op": "read_file", "inputs": ["p"]},
            {"id": "o", "op": "print", "inputs": ["r"]},
        ],
    }
    write(tmp_path / "prog" / "p.lexis.json", json.dumps(program))
    write(tmp_path / "data" / "note.txt", "from data")
    r = lexis("run", "prog/p.lexis.json", cwd=tmp_path)
    assert "is outside the allowed folder" in r.out  # confined to the program's folder
    write(tmp_path / "lexis.toml", '[run]\nfs-root = "."\n')
    r = lexis("run", "prog/p.lexis.json", cwd=tmp_path)
    assert r.code == 0 and r.out == "from data\n"


# --- imports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("explain", "LX1002"), ("schema",)])
def test_commands_that_need_no_analysis_do_not_import_jsonschema(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lexis_ls.cli", *args],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "lexis_ls.lang.analysis" not in imported
    assert "jsonschema" not in imported


# --- watch ------------------------------------------------------------------------------------


class _Lines:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None
        stream = proc.stdout

        def pump() -> None:
            for line in stream:
                self.queue.put(line.rstrip("\n"))
            self.queue.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def quiet(self) -> bool:
        """Nothing printed for 2 s."""
        try:
            self.queue.get(timeout=2)
        except queue.Empty:
            return True
        return False

    def until(self, marker: str) -> list[str]:
        got: list[str] = []
        while True:
            line = self.queue.get(timeout=120)  # a hang guard, not a latency assertion
            assert line is not None, f"the watcher ended early: {got}"
            got.append(line)
            if line.startswith(marker):
                return got


def save(source: Path, target: Path, scratch: Path) -> None:
    temporary = scratch / f".{target.name}.tmp"
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def test_watch_rechecks_a_changed_file_and_ctrl_c_exits_0(tmp_path: Path) -> None:
    put(tmp_path, "w/a.lexis.json")
    put(tmp_path, "w/b.lexis.json", "section1.lexis.json")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lexis_ls.cli", "check", "--watch", "--output-format", "concise", "w"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        lines = _Lines(proc)
        first = lines.until("Watching for changes")
        assert first == [
            ARITY_LINE.replace("arity", "w/a"),
            "Found 1 error in 2 files.",
            "Watching for changes (Ctrl+C to stop).",
        ]
        # saved as editors do: a new file renamed over the old one (one event, never a
        # half-written file)
        save(CLI / "section1.lexis.json", tmp_path / "w" / "a.lexis.json", tmp_path)
        second = lines.until("Watching for changes")
        assert second[0].startswith("--- ") and second[0].endswith(
            " re-checked: w/a.lexis.json ---"
        )
        assert second[1:] == [
            "All checks passed (2 files).",
            "Watching for changes (Ctrl+C to stop).",
        ]
        (tmp_path / "w" / "new").mkdir()
        assert lines.quiet()  # a new folder holds no new finding: no new report
        save(
            CLI / "unused_capability.lexis.json", tmp_path / "w" / "new" / "c.lexis.json", tmp_path
        )
        third = lines.until("Watching for changes")
        assert third[0].endswith(" re-checked: w/new/c.lexis.json ---")  # only the new file
        assert third[1].startswith("w/new/c.lexis.json:3:49: LX2002")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert proc.stderr is not None and "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
