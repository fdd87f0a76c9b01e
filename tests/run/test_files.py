"""lexis_ls.run.files: atomic writes (failures forced for real: a file-size limit, an immutable
file or folder), symlinks written through, permissions kept; BOM and line endings kept; and the
`write_file` builtin and the call cache using it."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import leftovers, unwritable

from lexis_ls.lang.analysis import analyze
from lexis_ls.run.cache import CallCache
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.files import (
    TextFile,
    WriteError,
    decode_text,
    newline_style,
    read_text_file,
    write_atomic,
    write_text_like,
)
from lexis_ls.run.host import HostOptions

ORIGINAL = b'{"spec": "lexis-0.1.0"}\n'


# --- write_atomic ------------------------------------------------------------------------


def test_writes_a_new_file_with_the_umask_mode(tmp_path: Path) -> None:
    target = tmp_path / "new.json"
    write_atomic(target, "caf\u00e9\n")
    assert target.read_bytes() == "caf\u00e9\n".encode()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o664])
def test_replacing_keeps_the_permission_bits(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "prog.json"
    target.write_bytes(ORIGINAL)
    target.chmod(mode)
    write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_replacing_keeps_the_owner_when_allowed(tmp_path: Path) -> None:
    target = tmp_path / "prog.json"
    target.write_bytes(ORIGINAL)
    os.chown(target, 65534, 65534)
    write_atomic(target, b"new\n")
    st = target.stat()
    assert (st.st_uid, st.st_gid) == (65534, 65534)


def test_a_symlink_is_written_through(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "prog.json"
    real.write_bytes(ORIGINAL)
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(Path("real") / "prog.json")  # relative, resolved against the link's folder
    chain = tmp_path / "chain.json"
    chain.symlink_to(link)
    write_atomic(chain, b"through\n")
    assert chain.is_symlink() and link.is_symlink()
    assert os.readlink(link) == str(Path("real") / "prog.json")
    assert real.read_bytes() == b"through\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == [] and leftovers(real_dir) == []


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("target.json")
    write_atomic(link, b"x")
    assert link.is_symlink()
    assert (tmp_path / "target.json").read_bytes() == b"x"


def test_a_device_is_written_in_place() -> None:
    write_atomic(os.devnull, b"nothing")  # no temporary beside /dev/null, no replacing it
    assert Path(os.devnull).is_char_device()


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WriteError) as info:
        write_atomic(tmp_path, b"x")
    assert str(info.value) == f"{tmp_path}: cannot write: Is a directory"


def test_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WriteError) as info:
        write_atomic(tmp_path / "no" / "such.json", b"x")
    assert "No such file or directory" in info.value.reason
    assert isinstance(info.value, OSError)


def test_an_unwritable_file_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "prog.json"
    target.write_bytes(ORIGINAL)
    with unwritable(target):
        with pytest.raises(WriteError) as info:
            write_atomic(target, b"new\n")
        assert target.read_bytes() == ORIGINAL
    assert str(info.value).startswith(f"{target}: cannot write: ")
    assert "\n" not in str(info.value)
    assert leftovers(tmp_path) == []


def test_an_unwritable_folder_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "prog.json"
    target.write_bytes(ORIGINAL)
    with unwritable(folder):
        with pytest.raises(WriteError) as info:
            write_atomic(target, b"new\n")
        assert target.read_bytes() == ORIGINAL
        assert leftovers(folder) == []
    assert "cannot create a temporary file" in info.value.reason


_LIMITED = textwrap.dedent(
    """
    import resource, signal, sys
    from lexis_ls.run.files import WriteError, write_atomic
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        write_atomic(sys.argv[1], b"x" * 100_000)
    except WriteError as exc:
        print(exc)
        sys.exit(2)
    """
)


def test_a_file_size_limit_leaves_the_original_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / "prog.json"
    target.write_bytes(ORIGINAL)
    proc = subprocess.run(
        [sys.executable, "-c", _LIMITED, str(target)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == f"{target}: cannot write: File too large\n"
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == ORIGINAL
    assert leftovers(tmp_path) == []


def test_a_failed_replace_removes_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "prog.json"
    target.write_bytes(ORIGINAL)

    def refuse(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WriteError, match="No space left on device"):
        write_atomic(target, b"new")
    assert target.read_bytes() == ORIGINAL
    assert leftovers(tmp_path) == []


def test_an_interrupt_removes_the_temporary_and_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "prog.json"
    target.write_bytes(ORIGINAL)

    def interrupted(fd: int, data: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == ORIGINAL
    assert leftovers(tmp_path) == []


# --- text files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("a\nb\n", "\n"),
        ("a\r\nb\r\n", "\r\n"),
        ("a\rb\r", "\r"),
        ("a\r\nb\n", None),
        ("one line", None),
    ],
)
def test_newline_style(text: str, style: str | None) -> None:
    assert newline_style(text) == style


def test_decode_sets_the_bom_aside_and_keeps_decoding_strict() -> None:
    source = decode_text(b"\xef\xbb\xbf{}\r\n")
    assert source == TextFile("{}\r\n", bom=True, newline="\r\n")
    with pytest.raises(UnicodeDecodeError) as info:
        decode_text(b"\xef\xbb\xbf{\xe9}")
    assert info.value.start == 1  # offsets count from after the BOM, as the CLI reports them


def test_encode_puts_the_bom_and_crlf_back() -> None:
    source = TextFile("{\r\n}\r\n", bom=True, newline="\r\n")
    assert source.encode('{\n  "a": 1\n}\n') == b'\xef\xbb\xbf{\r\n  "a": 1\r\n}\r\n'
    assert source.encode("{\r\n}\n") == b"\xef\xbb\xbf{\r\n}\r\n"  # no \r\r\n
    assert TextFile("{\r}\r", newline="\r").encode("{\n}\n") == b"{\r}\r"
    assert TextFile("x\r\ny\n").encode("x\ny\n") == b"x\ny\n"  # mixed: left as it is


def test_write_text_like_keeps_bom_and_crlf_and_skips_no_change(tmp_path: Path) -> None:
    target = tmp_path / "prog.json"
    target.write_bytes(b"\xef\xbb\xbf{ }\r\n")
    source = read_text_file(target)
    assert source.text == "{ }\r\n"
    assert write_text_like(target, "{}\n", source) is True
    assert target.read_bytes() == b"\xef\xbb\xbf{}\r\n"
    again = read_text_file(target)
    mtime = target.stat().st_mtime_ns
    assert write_text_like(target, "{}\n", again) is False
    assert target.stat().st_mtime_ns == mtime


# --- the write_file builtin and the call cache ------------------------------------------


def _write_file_program(name: str, content: str) -> str:
    return json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_WRITE"],
            "nodes": [
                {"id": "f", "op": "const", "value": name},
                {"id": "t", "op": "const", "value": content},
                {"id": "w", "op": "write_file", "inputs": ["f", "t"]},
                {"id": "out", "op": "print", "inputs": ["w"]},
            ],
        }
    )


def _run_write(folder: Path, name: str, content: str) -> Any:
    options = RunOptions(host=HostOptions(stdin=io.StringIO(""), program_dir=folder))
    return Evaluator(analyze(_write_file_program(name, content)), options).run()


def test_write_file_keeps_mode_and_writes_through_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("old")
    (tmp_path / "data.txt").chmod(0o640)
    (tmp_path / "link.txt").symlink_to("data.txt")
    r = _run_write(tmp_path, "link.txt", "new")
    assert r.status == "ok" and r.output == "link.txt\n"
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "data.txt").read_text() == "new"
    assert stat.S_IMODE((tmp_path / "data.txt").stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_write_file_on_an_unwritable_file_is_an_error_value(tmp_path: Path) -> None:
    target = tmp_path / "data.txt"
    target.write_bytes(ORIGINAL)
    with unwritable(target):
        r = _run_write(tmp_path, "data.txt", "new")
        assert target.read_bytes() == ORIGINAL
    assert r.status == "ok"
    assert r.values["w"].message.startswith("cannot write `data.txt`: ")
    assert leftovers(tmp_path) == []


def test_write_file_is_still_confined(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("outside")
    (root / "escape.txt").symlink_to(tmp_path / "outside.txt")
    r = _run_write(root, "escape.txt", "new")
    assert "outside the allowed folder" in r.values["w"].message
    assert (tmp_path / "outside.txt").read_text() == "outside"


def test_the_call_cache_writes_whole_entries_and_no_temporaries(tmp_path: Path) -> None:
    cache = CallCache(tmp_path / "cache")
    cache.put("ab" + "0" * 62, {"k": [1, 2, "\u00e9"]})
    entry = tmp_path / "cache" / "ab" / ("ab" + "0" * 62 + ".json")
    assert json.loads(entry.read_text(encoding="utf-8")) == {"k": [1, 2, "\u00e9"]}
    assert leftovers(entry.parent) == []
    assert CallCache(tmp_path / "cache").get("ab" + "0" * 62) == {"k": [1, 2, "\u00e9"]}


def test_an_unwritable_cache_is_only_a_miss(tmp_path: Path) -> None:
    (tmp_path / "cache" / "cd").mkdir(parents=True)
    cache = CallCache(tmp_path / "cache")
    with unwritable(tmp_path / "cache" / "cd"):
        cache.put("cd" + "1" * 62, 42)  # no exception
        assert list((tmp_path / "cache" / "cd").iterdir()) == []
    assert cache.get("cd" + "1" * 62) == 42  # the memo still has it
