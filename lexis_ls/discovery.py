"""Which files the ``lexis`` command works on, found as ruff finds Python files.

* A file named on the command line is always used (even when excluded or ignored).
* A folder is walked: files matching the configuration's ``include`` globs (default
  ``*.lexis.json``) are used, except those matching its ``exclude`` globs, those that git
  ignores (``.gitignore``, ``.git/info/exclude``, the global excludes file: asked of
  ``git check-ignore`` when the folder is inside a git work tree; otherwise the ``.gitignore``
  files met in the walk are read), hidden files and folders (a name starting with a dot),
  virtual environments (a folder holding ``pyvenv.cfg``), ``node_modules`` and
  ``__pycache__``.
* The same file reached twice (named twice, or named and found in a folder, or through a
  symbolic link) is used once, where it was first reached.

Each file's configuration is the one found upward from it (lexis_ls/lang/project.py); a
:class:`Configs` loads each configuration file once and reports its problems once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .lang.project import ProjectConfig, find_config, glob_match, load_config, problem_lines

__all__ = ["Configs", "Discovered", "discover", "problem_lines"]

SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__"})


class Configs:
    """The project configuration of each file, each configuration file read once.

    ``report`` is called once for each configuration file that has problems (with the
    loaded configuration), when it is first needed."""

    def __init__(self, report: Callable[[ProjectConfig], None] | None = None) -> None:
        self.report = report
        self._loaded: dict[Path, ProjectConfig] = {}
        self._default = ProjectConfig()

    def for_path(self, path: Path) -> ProjectConfig:
        """The configuration that applies to ``path`` (a file or a folder; it need not
        exist: the search starts from its folder)."""
        found = find_config(path)
        if found is None:
            return self._default
        return self.load(found)

    def load(self, found: Path) -> ProjectConfig:
        config = self._loaded.get(found)
        if config is None:
            config = load_config(found)
            self._loaded[found] = config
            if config.problems and self.report is not None:
                self.report(config)
        return config


@dataclass
class Discovered:
    files: list[Path] = field(default_factory=list)  # as reached (relative stays relative)
    problems: list[str] = field(default_factory=list)  # "PATH: no such file or directory"
    empty: list[str] = field(default_factory=list)  # folders named that held no Lexis file


def discover(paths: Sequence[str], configs: Configs) -> Discovered:
    out = Discovered()
    seen: set[Path] = set()

    def add(path: Path) -> None:
        try:
            key = path.resolve()
        except OSError:
            key = path.absolute()
        if key not in seen:
            seen.add(key)
            out.files.append(path)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = _walk(p, configs)
            if not found:
                out.empty.append(raw)
            for f in found:
                add(f)
        elif p.exists():
            add(p)
        else:
            out.problems.append(f"{raw}: no such file or directory")
    return out


def _is_venv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


def _included(config: ProjectConfig, path: Path) -> bool:
    rel = _relative(config, path)
    return any(glob_match(p, rel) for p in config.include)


def _relative(config: ProjectConfig, path: Path) -> str:
    root = config.root
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return path.name


def _walk(top: Path, configs: Configs) -> list[Path]:
    """The Lexis files below ``top``, sorted, with what the rules above leave out left out."""
    git_root = _git_work_tree(top)
    found: list[Path] = []
    own_ignores = _OwnIgnores() if git_root is None else None
    for folder, dirs, files in os.walk(top):
        here = Path(folder)
        if own_ignores is not None:
            own_ignores.enter(here)
        kept = []
        for name in sorted(dirs):
            sub = here / name
            if name.startswith(".") or name in SKIPPED_FOLDERS or _is_venv(sub):
                continue
            if configs.for_path(sub).excluded(sub):
                continue
            if own_ignores is not None and own_ignores.ignored(sub, folder=True):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = here / name
            config = configs.for_path(path)
            if not _included(config, path) or config.excluded(path):
                continue
            if own_ignores is not None and own_ignores.ignored(path, folder=False):
                continue
            if path.is_file():
                found.append(path)
    if git_root is not None and found:
        ignored = _git_ignored(git_root, found)
        found = [f for f in found if f not in ignored]
    return sorted(found)


# --- git -----------------------------------------------------------------------------------


def _git_work_tree(folder: Path) -> Path | None:
    """The top of the git work tree ``folder`` is in, or None (not in one, or no git)."""
    git = shutil.which("git")
    if git is None:
        return None
    import subprocess

    try:
        proc = subprocess.run(
            [git, "rev-parse", "--show-toplevel"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    top = proc.stdout.strip()
    return Path(top) if proc.returncode == 0 and top else None


def _git_ignored(root: Path, files: Iterable[Path]) -> set[Path]:
    """Which of ``files`` git ignores (one ``git check-ignore --stdin`` for all of them)."""
    files = list(files)
    git = shutil.which("git")
    if git is None:
        return set()
    import subprocess

    by_abs = {str(f.absolute()): f for f in files}
    data = "\0".join(by_abs) + "\0"
    try:
        proc = subprocess.run(
            [git, "check-ignore", "--stdin", "-z"],
            cwd=root,
            input=data.encode("utf-8", "surrogateescape"),
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if proc.returncode not in (0, 1):  # 1: nothing ignored; 128: a fatal error
        return set()
    out = proc.stdout.decode("utf-8", "surrogateescape")
    ignored = set()
    for raw in out.split("\0"):
        if raw:
            f = by_abs.get(raw) or by_abs.get(str(Path(raw).absolute()))
            if f is None:
                f = by_abs.get(str((root / raw).absolute()))
            if f is not None:
                ignored.add(f)
    return ignored


class _OwnIgnores:
    """``.gitignore`` files read by hand (outside a git work tree, or without git): each
    folder's file applies below it; the last matching pattern wins, ``!`` re-includes."""

    def __init__(self) -> None:
        self.rules: list[tuple[Path, str, bool, bool]] = []  # (base, pattern, negated, dir only)

    def enter(self, folder: Path) -> None:
        try:
            text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        for line in text.splitlines():
            line = line.rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = line[1:] if negated else line
            pattern = pattern.removeprefix("\\")
            dir_only = pattern.endswith("/")
            self.rules.append((folder, pattern.rstrip("/"), negated, dir_only))

    def ignored(self, path: Path, folder: bool) -> bool:
        result = False
        for base, pattern, negated, dir_only in self.rules:
            if dir_only and not folder:
                # "build/" ignores the folder (pruned in the walk), never a file of that name
                continue
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if _gitignore_match(pattern, rel):
                result = not negated
        return result


def _gitignore_match(pattern: str, rel: str) -> bool:
    if "/" in pattern.strip("/"):
        return glob_match("/" + pattern.lstrip("/"), rel)  # anchored at the .gitignore folder
    name = rel.rsplit("/", 1)[-1]
    return glob_match(pattern, name)
