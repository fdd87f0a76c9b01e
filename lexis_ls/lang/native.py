"""The compiled analysis core: the modules that a full analysis spends its time in, compiled by
mypyc (as mypy and black ship themselves), used when they were built from the sources at hand.

``python -m lexis_ls.build_native`` (run by ``make setup``; ``make native`` again after
editing one of :data:`MODULES`) compiles them into ``lexis_ls/lang/_native/`` with a stamp of
their sources. When the package is imported, :func:`install` puts a finder before the normal
ones that loads the compiled modules, all of them or none: only when the stamp matches the
sources now (an edited source is never shadowed by a stale build) and the interpreter is the
one they were built for. Otherwise, or with ``LEXIS_NATIVE=0`` in the environment, every module
is the plain Python source. Both behave alike (the test suite runs on the compiled core, and
the language tests again on the sources; ``tests/lang/test_native.py`` compares them).

This module itself is never compiled.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import blake3

# The modules of a full analysis that most of its time is spent in (parse, model, checks,
# policy), and the language server's encoding of findings for the wire (``server/convert.py``:
# a large document's thousand diagnostics, on opening it; ``lexis_ls/server/__init__.py``
# imports the language core first, so that its finder is in place before it is imported).
# The rest of the package imports them as usual.
MODULES = (
    "lexis_ls.lang.syntax",
    "lexis_ls.lang.model",
    "lexis_ls.lang.diagnostics",
    "lexis_ls.lang.checks.base",
    "lexis_ls.lang.checks.structure",
    "lexis_ls.lang.checks.graph",
    "lexis_ls.lang.checks.flow",
    "lexis_ls.lang.checks.security",
    "lexis_ls.lang.checks.lint",
    "lexis_ls.lang.repair.policy",
    "lexis_ls.lang.hashing",
    "lexis_ls.lang.text",
    "lexis_ls.server.convert",
)
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `lexis_ls`
BUILD_DIR = Path(__file__).resolve().parent / "_native"
STAMP = "STAMP.json"
DISABLE_ENV = "LEXIS_NATIVE"

_status = "not installed"


def source_path(module: str, root: Path = PACKAGE_ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def sources_digest(root: Path = PACKAGE_ROOT, modules: Sequence[str] = MODULES) -> str:
    """One hash of the compiled modules' sources (names and bytes)."""
    h = blake3.blake3()
    for module in modules:
        h.update(module.encode() + b"\0")
        h.update(source_path(module, root).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def interpreter_tag() -> str:
    """The extension suffix, which names the interpreter and its ABI
    (``.cpython-311-x86_64-linux-gnu.so``)."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def write_stamp(build_dir: Path, files: dict[str, str], digest: str) -> None:
    """The build's stamp: what :func:`compiled_files` checks before using ``files`` (module
    name -> extension file, relative to ``build_dir``)."""
    stamp = {
        "modules": list(MODULES),
        "interpreter": interpreter_tag(),
        "sources": digest,
        "files": files,
    }
    (build_dir / STAMP).write_text(json.dumps(stamp, indent=1), "utf-8")


def compiled_files(
    build_dir: Path = BUILD_DIR, root: Path = PACKAGE_ROOT
) -> tuple[dict[str, Path] | None, str]:
    """The extension file of every compiled module by name (None: do not use them), and why."""
    try:
        stamp = json.loads((build_dir / STAMP).read_text("utf-8"))
    except FileNotFoundError:
        return None, "pure Python (the compiled core is not built: `make native`)"
    except (OSError, ValueError) as exc:
        return None, f"pure Python (unreadable build stamp: {exc})"
    if not isinstance(stamp, dict) or stamp.get("modules") != list(MODULES):
        return None, "pure Python (the compiled core was built for other modules: `make native`)"
    if stamp.get("interpreter") != interpreter_tag():
        return None, "pure Python (the compiled core was built for another Python: `make native`)"
    try:
        digest = sources_digest(root)
    except OSError as exc:
        return None, f"pure Python (sources unreadable: {exc})"
    if stamp.get("sources") != digest:
        return None, "pure Python (sources changed since the core was compiled: `make native`)"
    files: dict[str, Path] = {}
    for name, relative in dict(stamp.get("files", {})).items():
        path = build_dir / str(relative)
        if not path.is_file():
            return None, f"pure Python (compiled file missing: {relative})"
        files[str(name)] = path
    if not set(MODULES) <= set(files):
        return None, "pure Python (the build stamp lists no file for some module)"
    return files, f"compiled ({len(MODULES)} modules, mypyc)"


class _Finder:
    """A meta path finder (the protocol: ``find_spec``; not an ``importlib.abc`` subclass,
    whose import costs the language server's start-up a dozen milliseconds)."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)


def install() -> None:
    """Load the compiled modules from now on, when they may be (see the module's docstring)."""
    global _status
    if any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    if os.environ.get(DISABLE_ENV, "") == "0":
        _status = f"pure Python ({DISABLE_ENV}=0)"
        return
    if any(m in sys.modules for m in MODULES):  # too late: never mix the two
        _status = "pure Python (imported before the compiled core could be installed)"
        return
    files, _status = compiled_files()
    if files is not None:
        sys.meta_path.insert(0, _Finder(files))


def status() -> str:
    """Whether the analysis runs compiled, and if not, why."""
    plain = [m for m in MODULES if getattr(sys.modules.get(m), "__file__", "").endswith(".py")]
    if _status.startswith("compiled") and plain:
        return f"pure Python (not loaded compiled: {', '.join(plain)})"
    return _status


def build(build_dir: Path = BUILD_DIR) -> int:
    """Compile :data:`MODULES` into ``build_dir`` with mypyc; writes the stamp last."""
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution  # type: ignore[import-untyped]
    except ImportError as exc:
        print(f"lexis native: not built, {exc.name} is not installed", file=sys.stderr)
        return 1
    import shutil
    import tempfile

    shutil.rmtree(build_dir, ignore_errors=True)
    digest = sources_digest()
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="lexis-native-") as temp:
        os.chdir(PACKAGE_ROOT)  # mypyc names modules by their paths from here
        try:
            extensions = mypycify(
                [str(source_path(m).relative_to(PACKAGE_ROOT)) for m in MODULES],
                opt_level="3",
                target_dir=temp,
            )
            dist = Distribution({"name": "lexis-native", "ext_modules": extensions})
            cmd = dist.get_command_obj("build_ext")
            cmd.build_lib = str(build_dir)
            cmd.build_temp = temp
            cmd.inplace = False
            dist.run_command("build_ext")
        finally:
            os.chdir(cwd)
    suffix = interpreter_tag()
    files: dict[str, str] = {}
    for path in build_dir.rglob(f"*{suffix}"):
        relative = path.relative_to(build_dir)
        name = ".".join(relative.with_name(path.name[: -len(suffix)]).parts)
        files[name] = str(relative)
    missing = [m for m in MODULES if m not in files]
    if missing:
        print(f"lexis native: the build made no module for {missing}", file=sys.stderr)
        return 1
    write_stamp(build_dir, files, digest)
    print(f"lexis native: compiled {len(MODULES)} modules into {build_dir}")
    return 0
