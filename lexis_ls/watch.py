"""``lexis check --watch``: check, then check again whenever a file changes.

watchdog reports changes below the named paths; after a short quiet spell the files are found
again (a new file is picked up, a deleted one dropped) and only those whose content changed are
analysed again, the others keep their last result. Each round clears the screen on a terminal
(a separator line on a pipe) and prints the whole report with its summary. A change to a
configuration file or a ``.gitignore`` re-reads the configuration and checks everything again.
Ctrl+C (SIGINT) or SIGTERM stops watching with exit status 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli import Checked, Rules

QUIET = 0.15  # seconds without events before a round starts (an editor's save is several)
CONFIG_FILES = frozenset({"lexis.toml", ".lexis.toml", "pyproject.toml", ".gitignore"})
CLEAR = "\x1b[2J\x1b[H"


class _Changes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paths: set[str] = set()
        self.event = threading.Event()

    def add(self, *paths: Any) -> None:
        with self.lock:
            for p in paths:
                if p:
                    self.paths.add(p.decode() if isinstance(p, bytes) else str(p))
        self.event.set()

    def take(self) -> set[str]:
        with self.lock:
            out, self.paths = self.paths, set()
            self.event.clear()
        return out


def _observer(paths: list[str], changes: _Changes) -> Any:
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            changes.add(event.src_path, getattr(event, "dest_path", ""))

    observer = Observer()
    handler = Handler()
    watched: set[Path] = set()
    for raw in paths:
        p = Path(raw).resolve()
        folder, recursive = (p, True) if p.is_dir() else (p.parent, False)
        if folder in watched:
            continue
        watched.add(folder)
        observer.schedule(handler, str(folder), recursive=recursive)
    observer.start()
    return observer


def _signature(path: Path) -> tuple[int, int, int, int] | None:
    """What tells that a file changed: its inode (a save by rename), time and size."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_dev, st.st_mtime_ns, st.st_size)


def watch(args: argparse.Namespace, rules: Rules) -> int:
    from . import cli
    from .lang import project

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    changes = _Changes()
    cache: dict[Path, tuple[tuple[int, int, int, int] | None, Checked]] = {}
    observer = None
    tty = sys.stdout.isatty()
    try:
        observer = _observer(args.paths, changes)
        first = True
        changed: set[str] = set()
        while True:
            if not first:
                changes.event.wait()
                while True:  # a quiet spell: one round for one save
                    time.sleep(QUIET)
                    more = changes.take()
                    if not more:
                        break
                    changed |= more
            if any(Path(c).name in CONFIG_FILES for c in changed):
                project.clear_cache()
                cache.clear()
            files = cli._Files(args.paths, None)
            results: list[Checked] = []
            rechecked: list[str] = []
            for path in files.files:
                key = path.resolve()
                sig = _signature(path)
                hit = cache.get(key)
                if hit is not None and hit[0] == sig and sig is not None:
                    results.append(hit[1])
                    continue
                source = _source(files, path)
                if source is None:
                    cache.pop(key, None)
                    continue
                checked = cli._check_source(args, files, source, rules)
                cache[key] = (sig, checked)
                results.append(checked)
                rechecked.append(str(path))
            gone = set(cache) - {p.resolve() for p in files.files}
            for key in gone:
                del cache[key]
            if not first and not rechecked and not gone and not files.problems:
                changed = set()
                continue  # nothing Lexis changed (a folder made, a file touched): no new report
            if not first:
                if tty:
                    sys.stdout.write(CLEAR)
                else:
                    what = ", ".join(rechecked) if rechecked else "no file changed"
                    stamp = time.strftime("%H:%M:%S")
                    print(f"--- {stamp} re-checked: {what} ---")
            cli._print_check(args, results, files)
            if args.format in ("text", "concise") and not args.quiet:
                print("Watching for changes (Ctrl+C to stop).")
            sys.stdout.flush()
            first = False
            changed = set()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if observer is not None:
            observer.stop()
            observer.join(timeout=2)
    return 0


def _source(files: Any, path: Path) -> Any:
    from . import cli

    file, problem = cli._read(path)
    if file is None:
        files.fail(problem or f"{path}: cannot read", str(path))
        return None
    return cli.Source(str(path), path, path, file)
