"""Writing a user's file without ever leaving it half written, and keeping the bytes of a text
file the user did not ask to change (a UTF-8 byte-order mark, the line-ending style).

:func:`write_atomic` writes a temporary file beside the target, flushes and fsyncs it and
``os.replace()``s it over the target, so a reader (or a crash, a full disk, a file-size limit)
sees the old bytes or the new ones, never a truncated mix. A failure raises :class:`WriteError`
(an ``OSError``) after removing the temporary; the original is left byte for byte.

:func:`write_atomic_at` does the same for a name inside a folder held open as a file
descriptor (the sandbox's race-free writes): the temporary is created and renamed relative to
that descriptor, so swapping a folder on the path for a symlink cannot redirect the write.

:func:`read_text_file` reads text as the CLI always has (strict UTF-8, a leading BOM not part of
the text) and remembers the BOM and the line-ending style; :meth:`TextFile.encode` puts them
back on a new text. Standard library only.
"""

from __future__ import annotations

import contextlib
import errno as _errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "TextFile",
    "WriteError",
    "read_text_file",
    "write_atomic",
    "write_atomic_at",
    "write_text_like",
]

BOM = b"\xef\xbb\xbf"

StrPath = str | os.PathLike[str]


class WriteError(OSError):
    """A file could not be written. Its original content (if it existed) is unchanged.

    ``str(error)`` is ``"<path>: cannot write: <reason>"``; ``reason`` (also ``strerror``) is the
    bare reason, for callers that word their own line."""

    def __init__(self, path: StrPath, reason: str, code: int | None = None) -> None:
        super().__init__(code, reason, os.fspath(path))
        self.path = os.fspath(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: cannot write: {self.reason}"


def _reason(exc: OSError) -> str:
    if isinstance(exc, WriteError):
        return exc.reason
    return exc.strerror or str(exc) or type(exc).__name__


def write_atomic(path: StrPath, data: bytes | str, *, fsync: bool = True) -> None:
    """Replace the content of ``path`` with ``data`` (``str`` is encoded as UTF-8) atomically.

    A symlink is written through: its (final) target gets the new content and the link stays a
    link. An existing file keeps its permission bits (and, when the process may, its owner);
    a new file gets the usual ``0o666`` less the umask. A file the process may not write (a
    read-only or immutable file) is refused, as writing it in place would be, although the
    folder would allow replacing it. ``fsync=False`` skips the fsync (for caches, whose damaged
    entries are only misses); the replacement is atomic either way.

    Raises :class:`WriteError` on any failure, after removing the temporary file.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    shown = os.fspath(path)
    target = os.path.realpath(path)
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:  # a symlink loop, a folder that cannot be searched, ...
        raise WriteError(shown, _reason(exc), exc.errno) from exc
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise WriteError(shown, "Is a directory", _errno.EISDIR)
    if st is not None and not stat.S_ISREG(st.st_mode):
        # a device, a FIFO, /dev/stdout: nothing to replace, nothing to truncate half way
        _write_in_place(shown, target, payload)
        return
    if st is not None and not _writable(target):
        raise WriteError(shown, "Permission denied (the file is not writable)", _errno.EACCES)
    folder, name = os.path.split(target)
    fd, tmp = _create_temporary(shown, folder or ".", name)
    try:
        try:
            _fill(fd, payload, st, fsync)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise WriteError(shown, _reason(exc), exc.errno) from exc
        raise
    if fsync:
        _sync_folder(folder or ".")


def write_atomic_at(
    dir_fd: int,
    name: str,
    data: bytes | str,
    *,
    shown: StrPath | None = None,
    existing: os.stat_result | None = None,
    fsync: bool = True,
) -> None:
    """Replace the content of the file ``name`` in the folder open as ``dir_fd`` atomically.

    ``name`` is one path component (no ``/``). Nothing is resolved by path: the temporary file
    is created with ``O_EXCL | O_NOFOLLOW`` relative to ``dir_fd`` and renamed over ``name``
    with ``os.replace(src_dir_fd=dir_fd, dst_dir_fd=dir_fd)``; a symlink at ``name`` is
    replaced, not written through (the caller resolves links itself, safely). ``existing`` is
    the caller's ``lstat`` of ``name`` (its mode and owner are kept; it must be a regular file
    or None for a new one). ``shown`` names the file in errors (default ``name``).

    Raises :class:`WriteError` on any failure, after removing the temporary file.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    label = os.fspath(shown) if shown is not None else name
    if not name or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
        raise WriteError(label, f"`{name}` is not a file name", _errno.EINVAL)
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise WriteError(label, "Is a directory", _errno.EISDIR)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise WriteError(label, "not a regular file", _errno.EINVAL)
    if existing is not None and not _writable(name, dir_fd):
        raise WriteError(label, "Permission denied (the file is not writable)", _errno.EACCES)
    fd, tmp = _create_temporary(label, ".", name, dir_fd)
    try:
        try:
            _fill(fd, payload, existing, fsync)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        if isinstance(exc, OSError):
            raise WriteError(label, _reason(exc), exc.errno) from exc
        raise
    if fsync:
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)


def _fill(fd: int, payload: bytes, st: os.stat_result | None, fsync: bool) -> None:
    """Write ``payload`` to the new file ``fd``, give it ``st``'s mode and owner, fsync it."""
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    if st is not None:
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
        if (st.st_uid, st.st_gid) != _owner(fd):
            # not allowed to give it away: the writer keeps it, as an editor's would
            with contextlib.suppress(OSError):
                os.fchown(fd, st.st_uid, st.st_gid)
    if fsync:
        os.fsync(fd)


def _writable(target: str, dir_fd: int | None = None) -> bool:
    kwargs: dict[str, object] = {}
    if dir_fd is not None:
        kwargs = {"dir_fd": dir_fd, "follow_symlinks": False}
    if os.access in os.supports_effective_ids:
        return os.access(target, os.W_OK, effective_ids=True, **kwargs)  # type: ignore[arg-type]
    return os.access(target, os.W_OK, **kwargs)  # type: ignore[arg-type]


def _owner(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_uid, st.st_gid


def _create_temporary(
    shown: str, folder: str, name: str, dir_fd: int | None = None
) -> tuple[int, str]:
    """A new temporary file beside ``name`` (in ``folder``, or relative to ``dir_fd``)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    where = folder if dir_fd is None else "its folder"
    for _ in range(100):
        base = f".{name}.{os.urandom(4).hex()}.tmp"
        tmp = os.path.join(folder, base) if dir_fd is None else base
        try:
            # 0o666 less the umask, as open() gives
            return os.open(tmp, flags, 0o666, dir_fd=dir_fd), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(
                shown, f"cannot create a temporary file in {where}: {_reason(exc)}", exc.errno
            ) from exc
    raise WriteError(shown, f"cannot create a temporary file in {where}", _errno.EEXIST)


def _write_in_place(shown: str, target: str, payload: bytes) -> None:
    try:
        with open(target, "wb") as fh:
            fh.write(payload)
    except OSError as exc:
        raise WriteError(shown, _reason(exc), exc.errno) from exc


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


# --- text files --------------------------------------------------------------------------

_LONE_LF = re.compile(r"(?<!\r)\n")
_ANY_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class TextFile:
    """A text file's content and the bytes around it worth keeping on a rewrite."""

    text: str  # decoded, without the BOM
    bom: bool = False  # the file started with a UTF-8 byte-order mark
    newline: str | None = None  # "\n", "\r\n" or "\r" when every line break is that one

    def restyle(self, new_text: str) -> str:
        """``new_text`` with the file's line-ending style: a tool that writes ``\\n`` (the
        formatter, an inserted line) gets ``\\r\\n`` in a CRLF file. Text of a file with mixed
        or no line breaks is left as it is."""
        if self.newline == "\r\n":
            return _LONE_LF.sub("\r\n", new_text)
        if self.newline == "\r":
            return _ANY_BREAK.sub("\r", new_text)
        return new_text

    def encode(self, new_text: str) -> bytes:
        """The bytes to write for ``new_text``: restyled, UTF-8, the BOM put back if it was
        there."""
        data = self.restyle(new_text).encode("utf-8")
        return BOM + data if self.bom and not data.startswith(BOM) else data


def newline_style(text: str) -> str | None:
    """``"\\r\\n"``, ``"\\n"`` or ``"\\r"`` when all line breaks of ``text`` are that one; None
    when they are mixed or there are none."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    kinds = [s for s, n in (("\r\n", crlf), ("\n", lf), ("\r", cr)) if n]
    return kinds[0] if len(kinds) == 1 else None


def decode_text(data: bytes) -> TextFile:
    """UTF-8 (strict) with a leading BOM set aside; raises UnicodeDecodeError."""
    bom = data.startswith(BOM)
    text = (data[len(BOM) :] if bom else data).decode("utf-8")
    return TextFile(text, bom, newline_style(text))


def read_text_file(path: StrPath) -> TextFile:
    """Read ``path`` as :func:`decode_text` does; raises OSError or UnicodeDecodeError."""
    return decode_text(Path(path).read_bytes())


def write_text_like(path: StrPath, new_text: str, original: TextFile) -> bool:
    """Write ``new_text`` to ``path`` atomically with ``original``'s BOM and line endings.
    Returns False (and writes nothing) when the bytes would be the ones already there."""
    if original.restyle(new_text) == original.text:
        return False
    write_atomic(path, original.encode(new_text))
    return True
