"""The pre-commit hooks of .pre-commit-hooks.yaml, run by pre-commit itself on a temporary
repository, as a project that uses them would run them.

pre-commit needs the hooks' repository as a git repository with a commit: a copy of this
working tree (its tracked and not-ignored files, as they are now) is committed in a temporary
folder, and the project's .pre-commit-config.yaml names it by path with that commit as `rev`.
pre-commit then builds the hooks' environment with pip from that copy (lexis-ls and its
dependencies, from the package registry), so the test checks the packaging too. One run of all
three hooks, then a second run to show what is left.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "editors" / "emacs"
TIMEOUT = 900

# lexis-fix must add IO_STDOUT (LX2001, a safe fix); otherwise canonical and clean.
FIXABLE = """{
  "spec": "lexis-0.1.0",
  "name": "fixable",
  "capabilities": ["PURE_COMPUTE"],
  "nodes": [
    {"id": "a", "op": "const", "value": 2},
    {"id": "b", "op": "const", "value": 3},
    {"id": "sum", "op": "add", "inputs": ["a", "b"]},
    {"id": "show", "op": "print", "inputs": ["sum"]}
  ]
}
"""
# lexis-fmt must reformat it; otherwise clean.
MESSY = """{"spec": "lexis-0.1.0", "name": "messy", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [{"id": "greeting", "op": "const", "value": "hi"},
      {"id": "show", "op": "print", "inputs": ["greeting"]}]}
"""


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    proc = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def pre_commit() -> list[str]:
    """pre-commit, installed into this venv when it is missing (it is in the dev extras)."""
    if importlib.util.find_spec("pre_commit") is None:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "pre-commit>=3.5"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert proc.returncode == 0, f"pip install pre-commit failed:\n{proc.stderr}"
    return [sys.executable, "-m", "pre_commit"]


def copy_of_this_repository(dest: Path) -> str:
    """This working tree's tracked and untracked-but-not-ignored files, committed in ``dest``;
    returns the commit's sha."""
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if not src.is_file():  # deleted in the working tree
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "lexis-ls at test time")
    return git(dest, "rev-parse", "HEAD").strip()


def lexis(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lexis")), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_hooks_file_declares_the_three_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["lexis-check", "lexis-fix", "lexis-fmt"]
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["files"] == r"\.lexis\.json$"
        assert hook["entry"] == "lexis " + hook["id"].removeprefix("lexis-")
        assert hook["pass_filenames"] is True


def test_pre_commit_runs_the_hooks(tmp_path: Path) -> None:
    hooks_repo = tmp_path / "lexis-ls"
    hooks_repo.mkdir()
    sha = copy_of_this_repository(hooks_repo)

    project = tmp_path / "project"
    project.mkdir()
    (project / "programs").mkdir()
    shutil.copyfile(
        ROOT / "examples" / "hello.lexis.json", project / "programs" / "clean.lexis.json"
    )
    # LX1003 (`totl`), whose fixes are not safe: lexis-fix leaves it, lexis-check reports it.
    broken = project / "programs" / "broken.lexis.json"
    shutil.copyfile(FIXTURES / "quickfix.lexis.json", broken)
    assert lexis("fmt", str(broken), cwd=project).returncode == 0  # only the error is left
    (project / "programs" / "fixable.lexis.json").write_text(FIXABLE)
    (project / "programs" / "messy.lexis.json").write_text(MESSY)
    (project / "notes.json").write_text('{"not": "a Lexis program"}\n')
    originals = {p.name: p.read_text() for p in (project / "programs").iterdir()}
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hooks_repo}\n"
        f"    rev: {sha}\n"
        "    hooks:\n"
        "      - id: lexis-check\n"
        "      - id: lexis-fix\n"
        "      - id: lexis-fmt\n"
    )
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "programs")

    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "NO_COLOR": "1",
        "PRE_COMMIT_COLOR": "never",
    }
    env.pop("VIRTUAL_ENV", None)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*pre_commit(), "run", "--all-files", "--color", "never"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    first = run()
    out = first.stdout
    assert first.returncode == 1, out + first.stderr
    sections = hook_sections(out)
    assert list(sections) == ["lexis check", "lexis fix", "lexis fmt"], out
    # lexis-check ran on the files as committed: both errors reported, with their codes
    check = sections["lexis check"]
    assert check.startswith("Failed"), out
    assert "programs/broken.lexis.json:9:46: LX1003 " in check, out
    assert "programs/fixable.lexis.json:" in check and " LX2001 " in check, out
    assert "clean.lexis.json" not in check and "notes.json" not in check, out
    assert "Found 2 errors" in check, out
    # lexis-fix declared the capability, and failed for what it could not fix
    fix = sections["lexis fix"]
    assert fix.startswith("Failed"), out
    assert "files were modified by this hook" in fix, out
    assert "programs/fixable.lexis.json: fixed LX2001" in fix, out
    assert "programs/broken.lexis.json:9:46: LX1003" in fix, out
    fixed = (project / "programs" / "fixable.lexis.json").read_text()
    assert fixed == FIXABLE.replace('["PURE_COMPUTE"]', '["PURE_COMPUTE", "IO_STDOUT"]')
    assert (project / "programs" / "broken.lexis.json").read_text() == originals[
        "broken.lexis.json"
    ]
    # lexis-fmt rewrote the messy file exactly as `lexis fmt` does, and nothing else
    fmt = sections["lexis fmt"]
    assert fmt.startswith("Failed") and "files were modified by this hook" in fmt, out
    assert "Reformatted: programs/messy.lexis.json" in fmt, out
    expected = tmp_path / "messy.lexis.json"
    expected.write_text(MESSY)
    assert lexis("fmt", str(expected), cwd=tmp_path).returncode == 0
    assert (project / "programs" / "messy.lexis.json").read_text() == expected.read_text()
    assert expected.read_text() != MESSY
    assert (project / "programs" / "clean.lexis.json").read_text() == originals["clean.lexis.json"]
    assert (project / "notes.json").read_text() == '{"not": "a Lexis program"}\n'

    # Again: only the error nobody can fix safely is left; the formatter has nothing to do.
    second = run()
    sections = hook_sections(second.stdout)
    assert second.returncode == 1, second.stdout
    assert sections["lexis check"].startswith("Failed"), second.stdout
    assert "Found 1 error " in sections["lexis check"], second.stdout
    assert "fixable.lexis.json" not in sections["lexis check"], second.stdout
    assert sections["lexis fix"].startswith("Failed"), second.stdout
    assert "files were modified" not in sections["lexis fix"], second.stdout
    assert sections["lexis fmt"].startswith("Passed"), second.stdout


def hook_sections(output: str) -> dict[str, str]:
    """pre-commit's report, by hook name: "Passed"/"Failed" and the lines under it."""
    sections: dict[str, str] = {}
    current = None
    for line in output.splitlines():
        for name in ("lexis check", "lexis fix", "lexis fmt"):
            if line.startswith(name + "..."):
                current = name
                sections[name] = line[len(name) :].lstrip(".") + "\n"
                break
        else:
            if current is not None:
                sections[current] += line + "\n"
    return sections
