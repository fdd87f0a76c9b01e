"""Issue 14 item 3: only regular files are read or written, read sizes are capped, every
OSError is an error value, and symlinks are resolved by the sandbox itself (inside the root:
followed; leading out: refused).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lexis_ls.lang.values import ErrorValue
from lexis_ls.run.core import SimpleCall
from lexis_ls.run.host import MAX_FILE_SIZE, Host, HostOptions

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and devices are POSIX")


def host_for(root: Path, program_dir: Path | None = None) -> Host:
    return Host(HostOptions(program_dir=program_dir or root, fs_root=root, timeout=5))


def read(root: Path, path: str) -> object:
    return host_for(root).read_file(SimpleCall("r"), path)


def write(root: Path, path: str, content: object = "new") -> object:
    return host_for(root).write_file(SimpleCall("w"), path, content)


def message(value: object) -> str:
    assert isinstance(value, ErrorValue), value
    return value.message


# --------------------------------------------------------------------------- FIFOs


def test_a_fifo_is_refused_quickly_for_reading_and_writing(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    started = time.monotonic()
    assert "a FIFO (named pipe); only regular files" in message(read(tmp_path, "pipe"))
    assert "a FIFO" in message(write(tmp_path, "pipe"))
    assert time.monotonic() - started < 1
    assert stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode)  # not replaced


def test_a_symlink_to_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to("pipe")
    started = time.monotonic()
    assert "a FIFO" in message(read(tmp_path, "link"))
    assert "a FIFO" in message(write(tmp_path, "link"))
    assert time.monotonic() - started < 1


def test_lexis_run_on_a_fifo_ends_long_before_its_timeout(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    program = tmp_path / "p.lexis.json"
    program.write_text(
        json.dumps(
            {
                "spec": "lexis-0.1.0",
                "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_READ"],
                "nodes": [
                    {"id": "f", "op": "const", "value": "pipe"},
                    {"id": "r", "op": "read_file", "inputs": ["f"]},
                    {"id": "p", "op": "print", "inputs": ["r"]},
                ],
            }
        )
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", "run", str(program), "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert time.monotonic() - started < 10  # interpreter start-up included; the FIFO never blocks
    assert "Traceback" not in proc.stderr
    assert "FIFO" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------- devices, sockets


@pytest.mark.parametrize("name", ["zero", "null", "urandom", "full"])
def test_devices_are_refused(name: str) -> None:
    if not Path("/dev", name).exists():
        pytest.skip(f"no /dev/{name}")
    root = Path("/dev")
    started = time.monotonic()
    assert "a character device" in message(read(root, name))
    assert "a character device" in message(write(root, name))
    assert time.monotonic() - started < 1


def test_a_device_node_inside_the_root_is_refused(tmp_path: Path) -> None:
    try:
        os.mknod(tmp_path / "zero", 0o666 | stat.S_IFCHR, os.makedev(1, 5))
    except (OSError, AttributeError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    assert "a character device" in message(read(tmp_path, "zero"))
    assert "a character device" in message(write(tmp_path, "zero"))
    assert stat.S_ISCHR((tmp_path / "zero").lstat().st_mode)


def test_a_symlink_to_a_device_leads_outside(tmp_path: Path) -> None:
    (tmp_path / "zero").symlink_to("/dev/zero")
    assert "outside the allowed folder" in message(read(tmp_path, "zero"))
    assert "outside the allowed folder" in message(write(tmp_path, "zero"))


def test_a_unix_socket_is_refused(tmp_path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
    except OSError as exc:
        pytest.skip(f"cannot bind a unix socket here: {exc}")
    try:
        assert "a socket" in message(read(tmp_path, "sock"))
        assert "a socket" in message(write(tmp_path, "sock"))
    finally:
        server.close()


# --------------------------------------------------------------------------- sizes


def test_reads_are_capped(tmp_path: Path) -> None:
    with open(tmp_path / "big", "wb") as fh:  # sparse: costs nothing on disk
        fh.truncate(MAX_FILE_SIZE + 1)
    started = time.monotonic()
    assert f"larger than {MAX_FILE_SIZE:,} bytes" in message(read(tmp_path, "big"))
    assert time.monotonic() - started < 1
    with open(tmp_path / "fits", "wb") as fh:
        fh.truncate(1000)
    assert read(tmp_path, "fits") == "\0" * 1000


def test_writes_are_capped(tmp_path: Path) -> None:
    assert "more than the limit" in message(write(tmp_path, "big", "x" * (MAX_FILE_SIZE + 1)))
    assert not (tmp_path / "big").exists()


# --------------------------------------------------------------------------- OSErrors


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("data.txt/x", "not a folder"),
        ("missing/x.txt", "does not exist"),
        ("a" * 300, "cannot read"),  # name too long
        ("loop1", "cannot read"),  # a symlink loop
        ("sub", "is a directory"),
        (".", "is a directory"),
        ("dangling", "does not exist"),
    ],
)
def test_os_errors_are_error_values_when_reading(tmp_path: Path, path: str, expected: str) -> None:
    (tmp_path / "data.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    (tmp_path / "dangling").symlink_to("nowhere/file")
    assert expected in message(read(tmp_path, path))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("data.txt/x", "not a folder"),
        ("missing/x.txt", "folder does not exist"),
        ("a" * 300, "cannot write"),
        ("loop1", "cannot write"),
        ("sub", "is a directory"),
        (".", "is a directory"),
    ],
)
def test_os_errors_are_error_values_when_writing(tmp_path: Path, path: str, expected: str) -> None:
    (tmp_path / "data.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    assert expected in message(write(tmp_path, path))


def test_a_vanished_root_is_an_error_value(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    host = host_for(root)
    root.rmdir()
    for value in (
        host.read_file(SimpleCall("r"), "x.txt"),
        host.write_file(SimpleCall("w"), "x.txt", "y"),
    ):
        assert "the allowed folder" in message(value) and "cannot be opened" in message(value)


# --------------------------------------------------------------------------- symlinks


def test_symlinks_that_stay_inside_are_followed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "data.txt").write_text("deep")
    (root / "rel").symlink_to("a/b")
    (root / "a" / "up").symlink_to("../a/b/data.txt")
    (root / "abs").symlink_to(root / "a" / "b")
    (root / "chain").symlink_to("rel")
    for path in ("rel/data.txt", "a/up", "abs/data.txt", "chain/data.txt", "chain/../a/up"):
        assert read(root, path) == "deep", path
    assert write(root, "a/up", "new") == "a/up"
    assert (root / "a" / "up").is_symlink()
    assert (root / "a" / "b" / "data.txt").read_text() == "new"
    assert write(root, "abs/fresh.txt", "fresh") == "abs/fresh.txt"
    assert (root / "a" / "b" / "fresh.txt").read_text() == "fresh"


@pytest.mark.parametrize(
    "link",
    [
        "../outside.txt",
        "../../outside.txt",
        "a/../../outside.txt",
        "/etc/passwd",
        "/proc/self/root/etc/passwd",
        "..",
    ],
)
def test_symlinks_that_lead_out_are_refused(tmp_path: Path, link: str) -> None:
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("outside")
    (root / "escape").symlink_to(link)
    assert "outside the allowed folder" in message(read(root, "escape"))
    assert "outside the allowed folder" in message(write(root, "escape"))
    assert (tmp_path / "outside.txt").read_text() == "outside"


def test_a_symlink_in_a_sub_folder_cannot_climb_above_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("outside")
    (root / "a" / "esc").symlink_to("../../outside.txt")
    (root / "a" / "ok").symlink_to("../a/../a/../inside.txt")
    (root / "inside.txt").write_text("inside")
    assert "outside the allowed folder" in message(read(root, "a/esc"))
    assert read(root, "a/ok") == "inside"


def test_relative_paths_from_a_program_folder_below_the_root(tmp_path: Path) -> None:
    (tmp_path / "prog").mkdir()
    (tmp_path / "shared.txt").write_text("shared")
    host = host_for(tmp_path, tmp_path / "prog")
    assert host.read_file(SimpleCall("r"), "../shared.txt") == "shared"
    assert "outside the allowed folder" in message(
        host.read_file(SimpleCall("r"), "../../shared.txt")
    )
