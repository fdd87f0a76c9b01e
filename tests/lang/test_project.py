"""Project configuration (lexis_ls/lang/project.py): discovery, values, and the problems a
person sees on the configuration file itself (message and the range it points at)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lexis_ls.lang import project
from lexis_ls.lang.diagnostics import Severity
from lexis_ls.lang.project import Selection, config_for, find_config, glob_match, parse_config


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    project.clear_cache()


def _pointed(cfg: project.ProjectConfig) -> list[tuple[str, str, str]]:
    return [(p.severity.value, p.message, cfg.text[p.start : p.end]) for p in cfg.problems]


def test_found_upward_and_lexis_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.lexis]\ntrust-ceiling = 2\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    program = sub / "p.lexis.json"
    program.write_text("{}")
    assert find_config(program) == tmp_path / "pyproject.toml"
    assert config_for(program).trust_ceiling == 2
    (tmp_path / "lexis.toml").write_text("trust-ceiling = 1\n")
    project.clear_cache()
    assert find_config(program) == tmp_path / "lexis.toml"
    assert config_for(program).trust_ceiling == 1


def test_pyproject_without_tool_lexis_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "lexis.toml").write_text("trust-ceiling = 0\n")
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert find_config(inner / "x.lexis.json") == tmp_path / "lexis.toml"


def test_no_configuration_gives_the_defaults(tmp_path: Path) -> None:
    cfg = config_for(tmp_path / "x.lexis.json")
    # (a lexis.toml above tmp_path on this machine would be found; there is none)
    assert cfg.path is None and cfg.trust_ceiling is None
    assert cfg.selection().enabled("LX3001")


def test_every_setting_is_read(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    text = (
        "trust-ceiling = 1\n"
        'select = ["LX2", "LX3"]\n'
        'extend-select = ["LX0005"]\n'
        'ignore = ["LX3002"]\n'
        'include = ["*.lexis.json", "*.lx.json"]\n'
        'exclude = ["generated/"]\n'
        "[per-file-ignores]\n"
        '"tests/**/*.lexis.json" = ["LX3001"]\n'
        "[run]\n"
        "timeout = 2.5\n"
        'memory = "512M"\n'
        'fs-root = "data"\n'
        "output-limit = 5000\n"
    )
    cfg = parse_config(text, tmp_path / "lexis.toml")
    assert cfg.problems == []
    assert cfg.trust_ceiling == 1
    assert cfg.run_timeout == 2.5 and cfg.run_memory == 512 << 20
    assert cfg.fs_root == tmp_path / "data" and cfg.output_limit == 5000
    assert cfg.include == ("*.lexis.json", "*.lx.json")
    assert cfg.excluded(tmp_path / "generated" / "x.lexis.json")
    assert not cfg.excluded(tmp_path / "src" / "x.lexis.json")
    sel = cfg.selection(tmp_path / "main.lexis.json")
    assert sel.enabled("LX2002") and sel.enabled("LX0005") and sel.enabled("LX3001")
    assert not sel.enabled("LX3002") and not sel.enabled("LX4001")  # not selected
    assert sel.enabled("LX0001")  # errors are always reported
    in_tests = cfg.selection(tmp_path / "tests" / "unit" / "t.lexis.json")
    assert not in_tests.enabled("LX3001")


def test_the_most_specific_rule_wins() -> None:
    assert not Selection(select=("LX3",), ignore=("LX3001",)).enabled("LX3001")
    assert Selection(select=("LX3",), ignore=("LX3001",)).enabled("LX3002")
    assert Selection(select=("LX3001",), ignore=("LX3",)).enabled("LX3001")
    assert not Selection(select=("LX3001",), ignore=("LX3",)).enabled("LX3002")
    # command-line rules on top: --select replaces, --ignore adds
    base = Selection(select=("",), ignore=("LX3002",))
    assert not base.with_rules(select=["LX2"]).enabled("LX3001")
    assert not base.with_rules(ignore=["lx3001"]).enabled("LX3001")
    assert base.with_rules(extend_select=["LX3002"]).enabled("LX3002") is False  # tie: ignore


def test_unknown_keys_are_warnings_on_the_key_with_a_suggestion(tmp_path: Path) -> None:
    text = 'trust_ceiling = 1\nselct = ["LX3"]\n[run]\ntimout = 3\n'
    cfg = parse_config(text, tmp_path / "lexis.toml")
    assert _pointed(cfg) == [
        ("warning", "unknown key `trust_ceiling`; did you mean `trust-ceiling`?", "trust_ceiling"),
        ("warning", "unknown key `selct`; did you mean `select`?", "selct"),
        ("warning", "unknown key `timout` in `[run]`; did you mean `timeout`?", "timout"),
    ]


def test_bad_values_are_errors_on_the_value_and_keep_the_default(tmp_path: Path) -> None:
    text = (
        "trust-ceiling = 7\n"
        'ignore = ["LX9999", "LX1003"]\n'
        "[run]\n"
        "timeout = -1\n"
        'memory = "lots"\n'
        'fs-root = "nowhere"\n'
    )
    cfg = parse_config(text, tmp_path / "lexis.toml")
    got = _pointed(cfg)
    assert got[0] == ("error", "`trust-ceiling` must be an integer 0-3, not 7", "7")
    assert got[1][0] == "error" and "`LX9999` is not a Lexis diagnostic code" in got[1][1]
    assert got[2] == (
        "warning",
        "LX1003 is an error and cannot be ignored: a program with an error does not run",
        '["LX9999", "LX1003"]',
    )
    assert got[3] == ("error", "`timeout` must be a number of seconds in (0, 600], not -1", "-1")
    assert got[4][0] == "error" and got[4][1].startswith("`memory` must be a size")
    assert got[5][0] == "error" and got[5][1].startswith("`fs-root`: no such folder")
    assert got[5][2] == '"nowhere"'
    assert cfg.trust_ceiling is None and cfg.run_timeout is None and cfg.fs_root is None
    assert cfg.selection().enabled("LX1003")


def test_invalid_toml_is_one_error_where_the_parser_stopped(tmp_path: Path) -> None:
    text = 'trust-ceiling = 1\nselect = ["LX3"\n'
    cfg = parse_config(text, tmp_path / "lexis.toml")
    assert len(cfg.problems) == 1
    p = cfg.problems[0]
    assert p.severity is Severity.ERROR and p.message.startswith("invalid TOML: ")
    assert text.count("\n", 0, p.start) >= 1  # on the broken line, not at the top


def test_pyproject_tables_are_located(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\n\n[tool.lexis.run]\ntimeout = "soon"\n'
    cfg = parse_config(text, tmp_path / "pyproject.toml")
    assert _pointed(cfg) == [
        ("error", '`timeout` must be a number of seconds in (0, 600], not "soon"', '"soon"')
    ]


def test_an_unreadable_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    missing = tmp_path / "lexis.toml"
    cfg = project.load_config(missing)
    assert cfg.problems and cfg.problems[0].message.startswith("cannot read lexis.toml")


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("*.lexis.json", "a/b/c.lexis.json", True),
        ("tests/**/*.lexis.json", "tests/x/y/z.lexis.json", True),
        ("tests/**/*.lexis.json", "tests/z.lexis.json", True),
        ("tests/**/*.lexis.json", "src/tests/z.lexis.json", False),
        ("generated/", "generated/a.lexis.json", True),
        ("generated/", "generated", False),
        ("gen", "src/gen/a.lexis.json", True),
        ("a?.lexis.json", "ab.lexis.json", True),
        ("[ab].lexis.json", "c.lexis.json", False),
    ],
)
def test_globs(pattern: str, path: str, hit: bool) -> None:
    assert glob_match(pattern, path) is hit
