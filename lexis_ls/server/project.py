"""The project configuration (``lexis.toml`` / ``[tool.lexis]``, lexis_ls/lang/project.py) as the
server uses it: one loaded configuration per file, found upward from each document, reloaded
when a configuration file changes (watched files), and its problems published as diagnostics
on the configuration file itself.

Editor settings win where the user set them: ``lexis.trustCeiling``, ``lexis.run.timeout`` and
``lexis.run.memory`` are ``null`` by default in the editors, and only a value the user set
replaces the configuration file's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types as lsp
from pygls.uris import from_fs_path, to_fs_path

from ..lang import project
from ..lang.project import ProjectConfig, Selection
from ..lang.sizes import DEFAULT_MEMORY
from ..lang.text import Encoding, LineIndex
from .config import Settings
from .convert import SEVERITY, to_range

CONFIG_FILES = (*project.CONFIG_NAMES, project.PYPROJECT)
WATCH_GLOBS = tuple(f"**/{name}" for name in CONFIG_FILES)
DEFAULT_TIMEOUT = 10.0


def is_config_file(path: str | Path) -> bool:
    return Path(path).name in CONFIG_FILES


@dataclass(frozen=True)
class RunSettings:
    timeout: float
    memory: int
    fs_root: Path | None
    output_limit: int | None


class Projects:
    """Loaded configurations by file; configuration files found by folder."""

    def __init__(self) -> None:
        self._configs: dict[Path, ProjectConfig] = {}
        self._published: set[Path] = set()  # configuration files that have problems shown
        # the configuration of each document asked for (every diagnostics request asks: the
        # search resolves the path and looks at the file system), until a configuration changes
        self._by_uri: dict[str, ProjectConfig] = {}

    def for_uri(self, uri: str) -> ProjectConfig:
        config = self._by_uri.get(uri)
        if config is None:
            config = self._by_uri[uri] = self._find(uri)
        return config

    def _find(self, uri: str) -> ProjectConfig:
        path = to_fs_path(uri)
        if not path:
            return ProjectConfig()
        found = project.find_config(Path(path))
        if found is None:
            return ProjectConfig()
        config = self._configs.get(found)
        if config is None:
            config = project.load_config(found)
            self._configs[found] = config
        return config

    def loaded(self) -> list[ProjectConfig]:
        return list(self._configs.values())

    def changed(self, path: Path) -> None:
        """A configuration file was created, changed or deleted: forget what was loaded."""
        project.clear_cache()
        self._configs.clear()
        self._by_uri.clear()

    def problem_reports(self, enc: Encoding) -> list[lsp.PublishDiagnosticsParams]:
        """The diagnostics of every loaded configuration file, and empty lists for files whose
        problems were shown before and are gone (fixed or no longer used)."""
        out = []
        now = {c.path for c in self._configs.values() if c.path is not None}
        for config in self._configs.values():
            if config.path is not None and (config.problems or config.path in self._published):
                out.append(_report(config.path, config_diagnostics(config, enc)))
        out.extend(_report(gone, []) for gone in self._published - now)
        self._published = {p for p in now if self._configs[p].problems}
        return out


def _report(path: Path, diagnostics: list[lsp.Diagnostic]) -> lsp.PublishDiagnosticsParams:
    uri = from_fs_path(str(path)) or path.as_uri()
    return lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)


def config_diagnostics(config: ProjectConfig, enc: Encoding) -> list[lsp.Diagnostic]:
    lines = LineIndex(config.text)
    return [
        lsp.Diagnostic(
            range=to_range(lines, p.start, p.end, enc),
            message=p.message,
            severity=SEVERITY[p.severity],
            source="lexis",
        )
        for p in config.problems
    ]


def trust_ceiling(settings: Settings, config: ProjectConfig) -> int | None:
    return settings.trust_ceiling if settings.trust_ceiling is not None else config.trust_ceiling


def selection(config: ProjectConfig, uri: str) -> Selection:
    path = to_fs_path(uri)
    return config.selection(Path(path) if path else None)


def run_settings(settings: Settings, config: ProjectConfig) -> RunSettings:
    timeout = settings.run_timeout
    if timeout is None:
        timeout = config.run_timeout if config.run_timeout is not None else DEFAULT_TIMEOUT
    memory = settings.run_memory
    if memory is None:
        memory = config.run_memory if config.run_memory is not None else DEFAULT_MEMORY
    return RunSettings(timeout, memory, config.fs_root, config.output_limit)
