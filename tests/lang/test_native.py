"""The compiled analysis core (lexis_ls/lang/native.py): used only when its build matches the
sources at hand, and finding exactly what the plain Python sources find."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lexis_ls.lang import native

ROOT = Path(__file__).resolve().parents[2]
BUILT = native.compiled_files()[0] is not None


def fake_build(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the compiled modules' sources and a build of them (empty files) stamped as
    ``build`` stamps it."""
    root = tmp_path / "src"
    for module in native.MODULES:
        target = native.source_path(module, root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(native.source_path(module), target)
    build = tmp_path / "build"
    files = {}
    for module in native.MODULES:
        relative = Path(*module.split(".")).with_suffix(".so")
        (build / relative).parent.mkdir(parents=True, exist_ok=True)
        (build / relative).write_bytes(b"")
        files[module] = str(relative)
    native.write_stamp(build, files, native.sources_digest(root))
    return root, build


def test_a_build_stamped_for_these_sources_is_used(tmp_path: Path) -> None:
    root, build = fake_build(tmp_path)
    files, why = native.compiled_files(build, root)
    assert files is not None and set(files) == set(native.MODULES)
    assert why.startswith("compiled")


def test_an_edited_source_is_never_shadowed_by_the_build(tmp_path: Path) -> None:
    root, build = fake_build(tmp_path)
    lint = native.source_path("lexis_ls.lang.checks.lint", root)
    lint.write_text(lint.read_text("utf-8") + "\n# edited\n", "utf-8")
    files, why = native.compiled_files(build, root)
    assert files is None
    assert "sources changed since the core was compiled" in why


def test_a_build_for_another_interpreter_or_incomplete_is_not_used(tmp_path: Path) -> None:
    root, build = fake_build(tmp_path)
    stamp_path = build / native.STAMP
    stamp = json.loads(stamp_path.read_text("utf-8"))
    other = {**stamp, "interpreter": ".cpython-39-x86_64-linux-gnu.so"}
    stamp_path.write_text(json.dumps(other), "utf-8")
    assert "another Python" in native.compiled_files(build, root)[1]
    stamp_path.write_text(json.dumps(stamp), "utf-8")
    (build / stamp["files"]["lexis_ls.lang.syntax"]).unlink()
    files, why = native.compiled_files(build, root)
    assert files is None and "compiled file missing" in why
    stamp_path.unlink()
    assert "not built" in native.compiled_files(build, root)[1]


@pytest.mark.skipif(not BUILT, reason="the compiled core is not built (make native)")
def test_the_compiled_modules_are_the_ones_loaded() -> None:
    if os.environ.get(native.DISABLE_ENV) == "0":
        pytest.skip("plain Python run (LEXIS_NATIVE=0)")
    # every compiled module of the core, and the server's wire encoding
    import lexis_ls.lang.analysis
    import lexis_ls.server.convert  # noqa: F401

    built = native.BUILD_DIR.resolve()
    for module in native.MODULES:
        file = Path(str(sys.modules[module].__file__)).resolve()
        assert file.is_relative_to(built), file
        assert file.name.endswith(native.interpreter_tag())
    assert native.status().startswith("compiled")


# Every finding of every program in the corpora, with its fixes' edits, and the program hash.
DUMP = """
import json, sys
from pathlib import Path
from lexis_ls.lang import native
from lexis_ls.lang.analysis import analyze
out = {"status": native.status()}
for path in sorted(Path(sys.argv[1]).rglob("*.lexis.json")):
    text = path.read_text("utf-8", errors="surrogateescape")
    a = analyze(text)
    out[str(path)] = [a.program_hash(), a.internal_errors, [
        [d.code, d.start, d.end, d.message, list(d.hints), d.severity.value,
         [[r.start, r.end, r.message] for r in d.related],
         [[f.title, f.safe, int(f.evidence), f.scope.value,
           [[e.start, e.end, e.new_text] for e in f.edits]] for f in d.fixes]]
        for d in a.diagnostics]]
print(json.dumps(out))
"""


def run_dump(script: str, corpus: str, disable: bool) -> dict[str, Any]:
    """What ``script`` prints (JSON) over ``corpus``, in a fresh interpreter with the compiled
    core, or with it turned off (``disable``)."""
    env = {**os.environ}
    env.pop(native.DISABLE_ENV, None)
    if disable:
        env[native.DISABLE_ENV] = "0"
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / corpus)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(not BUILT, reason="the compiled core is not built (make native)")
@pytest.mark.parametrize(("corpus", "least"), [("examples", 15), ("tests", 900)])
def test_compiled_and_plain_python_find_the_same(corpus: str, least: int) -> None:
    compiled, plain = run_dump(DUMP, corpus, False), run_dump(DUMP, corpus, True)
    assert str(compiled.pop("status")).startswith("compiled")
    assert str(plain.pop("status")).startswith("pure Python")
    assert len(compiled) >= least
    assert compiled == plain


# The server's wire encoding is compiled too: importing it first (before anything imports the
# language core) must still load the compiled modules, all of them, and what it encodes must
# be what the plain module encodes.
WIRE = """
import json, sys
from pathlib import Path
from lexis_ls.server.convert import DiagnosticWire
from lexis_ls.lang import native
from lexis_ls.lang.analysis import analyze
out = {"status": native.status()}
for path in sorted(Path(sys.argv[1]).rglob("*.lexis.json")):
    text = path.read_text("utf-8", errors="surrogateescape")
    a = analyze(text)
    for enc in ("utf-16", "utf-8", "utf-32"):
        wire = DiagnosticWire(path.as_uri())
        out[f"{path} {enc}"] = wire.encode(a.lines, a.diagnostics, enc, len(a.diagnostics)).decode()
print(json.dumps(out))
"""


@pytest.mark.skipif(not BUILT, reason="the compiled core is not built (make native)")
def test_the_wire_encoding_imported_first_is_compiled_and_encodes_as_the_plain_one() -> None:
    compiled, plain = run_dump(WIRE, "tests", False), run_dump(WIRE, "tests", True)
    assert compiled.pop("status").startswith("compiled")
    assert plain.pop("status").startswith("pure Python")
    assert len(compiled) >= 2700
    assert sum('"relatedInformation"' in v for v in compiled.values()) >= 100
    assert compiled == plain
