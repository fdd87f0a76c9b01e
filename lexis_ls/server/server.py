"""The Lexis language server (pygls 2).

This module holds the server object, the document lifecycle and diagnostics (push, pull and
workspace, with file watching). Every other feature family is a module in
``lexis_ls/server/features/`` with a ``register(server)`` function; they are all registered
at start-up, in name order.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import itertools
import logging
import math
import os
import pkgutil
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from ..lang.analysis import Analysis, Options, analyze
from ..lang.complete import completions
from ..lang.diagnostics import Diagnostic, Severity
from ..lang.project import ProjectConfig, Selection
from ..lang.text import Encoding, LineIndex
from ..run.files import read_text_file
from . import features
from .config import Settings
from .convert import DiagnosticWire, diagnostic, dumps, encoding_of
from .documents import LEXIS_SUFFIX, Change, Document, DocumentStore
from .early import MISMATCH, DropAnswer, frame
from .memory import HeapKeeper
from .project import WATCH_GLOBS, Projects, is_config_file, selection, trust_ceiling
from .wire import Encoded, FrameReader, Gate, LexisProtocol, quiet_pygls, serve

__version__ = "0.1.0"
log = logging.getLogger("lexis_ls.server")

WATCH_GLOB = f"**/*{LEXIS_SUFFIX}"

# what `warm_up` prepares: the messages of typing, completing and hovering (pygls structures
# and unstructures whole messages, whose result types are unions of the results)
WARM_METHODS = (
    lsp.TEXT_DOCUMENT_DID_CHANGE,
    lsp.TEXT_DOCUMENT_COMPLETION,
    lsp.TEXT_DOCUMENT_HOVER,
    lsp.TEXT_DOCUMENT_DIAGNOSTIC,
    lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
    lsp.TEXT_DOCUMENT_SIGNATURE_HELP,
    lsp.TEXT_DOCUMENT_INLAY_HINT,
    lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA,
    lsp.TEXT_DOCUMENT_CODE_ACTION,
    lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT,
)
# the classes inside the result unions, dispatched on at run time
WARM_RESULTS = (
    lsp.RelatedFullDocumentDiagnosticReport,
    lsp.RelatedUnchangedDocumentDiagnosticReport,
    lsp.MarkupContent,
    lsp.SemanticTokensDelta,
    lsp.CodeAction,
)
WARM_PROGRAM = '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "op": "const", "value": 1}]}'
WARM_PAUSE = 0.05  # seconds the warm-up waits while messages are waiting to be handled
# After a version's diagnostics are out, its hashes (a hover and the code lens show them; a
# 50k-node program takes about 90 ms to hash) are computed while the client is quiet: once no
# message has come for PRIME_DELAY seconds, PRIME_SLICE seconds at a time.
# Between two slices the loop waits PRIME_GAP seconds, without the GIL: the thread that reads
# the client's messages needs it for each of its steps, and would otherwise get it only once
# per switch interval (5 ms), a message taking 50 ms to be read while the slices run.
PRIME_DELAY = 0.03
PRIME_SLICE = 0.002
PRIME_GAP = 0.001


class LexisServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "lexis-ls",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=LexisProtocol,
        )
        self.store = DocumentStore()
        self.settings = Settings()
        self.projects = Projects()  # lexis.toml / [tool.lexis] of the documents' folders
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._observer: Any = None
        self._closed_results: dict[str, str] = {}  # workspace diagnostics: uri -> result id
        self.heap = HeapKeeper(quiet_for=self.quiet_for)
        self._init_options: Any = None
        self.early_answer: DropAnswer | None = None  # set when `initialize` was answered early
        self.exit_code: int | None = None  # set by `exit`: 0 after `shutdown`, 1 otherwise
        self.gate: Gate | None = None  # set while serving (`start_io`)
        self._warm_steps: list[Callable[[], object]] = []
        self._priming: dict[str, asyncio.Handle] = {}
        # What a feature builds once per version (an index), run by `prime` while idle.
        self.idle_work: list[Callable[[Document, Analysis], object]] = []

    # --- negotiated facts ---

    @property
    def encoding(self) -> Encoding:
        return encoding_of(self.server_capabilities.position_encoding)

    @property
    def pull_client(self) -> bool:
        """The client pulls diagnostics (then they are never pushed to it)."""
        td = self.client_capabilities.text_document
        return td is not None and td.diagnostic is not None

    def capability(self, *path: str) -> Any:
        node: Any = self.client_capabilities
        for name in path:
            node = getattr(node, name, None)
            if node is None:
                return None
        return node

    def client_option(self, name: str) -> str | None:
        """A string the client passed in `initializationOptions` (None when absent)."""
        options = getattr(self, "_init_options", None)
        value = options.get(name) if isinstance(options, dict) else None
        return value if isinstance(value, str) and value else None

    @property
    def document_changes(self) -> bool:
        """The client takes versioned `documentChanges` in workspace edits."""
        return bool(self.capability("workspace", "workspace_edit", "document_changes"))

    def options(self, uri: str | None = None) -> Options:
        """The analysis options of the document at ``uri``: the editor's trust ceiling, else
        its project configuration's."""
        if uri is None or self.settings.trust_ceiling is not None:
            return Options(trust_ceiling=self.settings.trust_ceiling)
        return Options(trust_ceiling=trust_ceiling(self.settings, self.project(uri)))

    def project(self, uri: str) -> ProjectConfig:
        """The project configuration of the document at ``uri`` (its problems are published on
        the configuration file when it is first loaded)."""
        known = len(self.projects.loaded())
        config = self.projects.for_uri(uri)
        if len(self.projects.loaded()) != known:
            asyncio.get_event_loop().call_soon(self.publish_config_problems)
        return config

    def shown(self, uri: str, found: Sequence[Diagnostic]) -> list[Diagnostic]:
        """The findings the project configuration selects (select/ignore, per-file ignores)."""
        chosen = selection(self.project(uri), uri)
        return [d for d in found if chosen.shows(d.code, d.severity)]

    def publish_config_problems(self) -> None:
        for params in self.projects.problem_reports(self.encoding):
            self.text_document_publish_diagnostics(params)

    # --- documents ---

    def document(self, uri: str) -> Document | None:
        return self.store.get(uri)

    def analysis(self, doc: Document) -> Analysis:
        before = doc.result_id
        analysis = doc.analysis(self.options(doc.uri))
        if doc.result_id != before:
            self.heap.settle()
        return analysis

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:  # no client yet (tests of the server object alone)
            log.info(message)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve on a byte stream pair through the wire's reader and gate (``wire.py``) in
        place of pygls's loop; returns when the input ends or `exit` arrives (then
        :attr:`exit_code` is set)."""
        quiet_pygls()
        stopped = threading.Event()
        self._stop_event = stopped
        writer = StdoutWriter(stdout or sys.stdout.buffer)
        self.protocol.set_writer(writer)

        def stop(code: int) -> None:
            self.exit_code = code
            stopped.set()

        gate = Gate(
            self.protocol,
            send=lambda message: writer.write(frame(message)),
            warn=lambda message: self.log(message, lsp.MessageType.Warning),
            stop=stop,
        )
        self.gate = gate
        try:
            asyncio.run(serve(FrameReader(stdin or sys.stdin.buffer), gate, stopped))
        except BrokenPipeError:
            log.info("the client closed the connection")
        finally:
            self.stop_watching()
            self.shutdown()  # type: ignore[no-untyped-call]

    def start_tcp(self, host: str, port: int) -> None:
        """Serve one client on a TCP socket, through the same reader and gate as stdio."""
        with socket.create_server((host, port)) as listener:
            log.info("listening on %s:%s", host, port)
            conn, _ = listener.accept()
        self.start_io(conn.makefile("rb"), conn.makefile("wb"))  # see `finish` on closing

    def finish(self) -> int:
        """The process's exit status once serving has ended: 0 when the client closed the
        connection. After `exit` (0 when `shutdown` came first, 1 otherwise) the process ends
        here and now, even if the client keeps its end open: the reader thread is blocked in a
        read that would hold the interpreter's shutdown."""
        if self.exit_code is None:
            return 0
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(self.exit_code)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Every failure is logged to the client; requests are also answered with an LSP error
        # by pygls. Nothing reaches a notification popup, nothing kills the server.
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            # a deliberate answer (a refused rename, an invalid command argument, content
            # modified): the answer says why; it is not a fault of the server
            self.log(f"lexis-ls: {error.message}", lsp.MessageType.Log)
            return
        detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.log(
            f"lexis-ls internal error ({getattr(source, '__name__', source)}): {detail}",
            lsp.MessageType.Error,
        )

    # --- diagnostics ---

    def lsp_diagnostics(self, doc: Document) -> list[lsp.Diagnostic]:
        analysis = self.analysis(doc)
        enc = self.encoding
        found = list(analysis.diagnostics)
        if doc.run is not None and doc.run.version == doc.version:
            found += doc.run.diagnostics
        return lsp_diagnostic_list(doc.uri, analysis.lines, self.shown(doc.uri, found), enc)

    def encoded_diagnostics(self, doc: Document, analysis: Analysis | None = None) -> bytes:
        """The JSON array of the document's diagnostics as sent to the client: the current
        analysis's (and the run's, for the version it ran), encoded once per version, finding
        by finding through the document's :class:`DiagnosticWire`. ``analysis``: the current
        one, when the caller has it at hand."""
        if analysis is None:
            analysis = self.analysis(doc)
        enc = self.encoding
        run = doc.run if doc.run is not None and doc.run.version == doc.version else None
        chosen = selection(self.project(doc.uri), doc.uri)
        key = (id(analysis), id(run), enc, chosen)
        cached = doc.extra.get(_WIRE_ARRAY)
        if cached is not None and cached[0] == key and cached[1] is analysis:
            encoded: bytes = cached[2]
            return encoded
        found: Sequence[Diagnostic] = analysis.diagnostics
        if run is not None and run.diagnostics:
            found = sorted([*found, *run.diagnostics], key=lambda d: (d.start, d.end))
        if chosen != _EVERY_CODE:
            found = [d for d in found if chosen.shows(d.code, d.severity)]
        wire = doc.extra.get(_WIRE)
        if not isinstance(wire, DiagnosticWire):
            wire = doc.extra[_WIRE] = DiagnosticWire(doc.uri)
        encoded = wire.encode(analysis.lines, shown_diagnostics(found), enc, len(found))
        doc.extra[_WIRE_ARRAY] = (key, analysis, encoded)
        return encoded

    def input_waiting(self) -> bool:
        """Messages wait to be handled, read or arriving (a newer version may be among them)."""
        return self.gate is not None and self.gate.backlog() > 0

    def input_pause(self) -> float:
        """Seconds to let the waiting input be handled before looking again: none when
        messages are read and queued (they are handled in the meantime), a moment when the
        next one is still arriving."""
        return 0 if self.gate is not None and self.gate.queued() > 0 else ARRIVAL_PAUSE

    def schedule_publish(self, doc: Document, delay_ms: int | None = None) -> None:
        """Push diagnostics after the debounce delay, for the version current now only."""
        if self.pull_client:
            return
        old = self._timers.pop(doc.uri, None)
        if old is not None:
            old.cancel()
        delay = (self.settings.debounce_ms if delay_ms is None else delay_ms) / 1000
        version = doc.version
        loop = asyncio.get_event_loop()
        self._timers[doc.uri] = loop.call_later(delay, self._publish_if_current, doc.uri, version)

    def _publish_if_current(self, uri: str, version: int | None, deferred: int = 0) -> None:
        self._timers.pop(uri, None)
        doc = self.store.get(uri)
        if doc is None or doc.version != version:
            return  # a newer version is on its way: never publish for an old one
        if deferred < MAX_DEFERRALS and self.input_waiting():
            # Messages wait to be handled: a newer version may be among them, and analysing
            # this one would be wasted. Handle them first (a change cancels this timer).
            loop = asyncio.get_event_loop()
            self._timers[uri] = loop.call_later(
                self.input_pause(), self._publish_if_current, uri, version, deferred + 1
            )
            return
        self.publish(doc)

    def publish(self, doc: Document) -> None:
        if self.pull_client:
            return
        items = self.encoded_diagnostics(doc)
        head = {"uri": doc.uri} if doc.version is None else {"uri": doc.uri, "version": doc.version}
        params = dumps(head)[:-1] + b',"diagnostics":' + items + b"}"
        self.protocol.notify(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, Encoded(params))
        self.prime(doc)

    def quiet_for(self) -> float:
        """Seconds since the client's last message (infinite when not serving a client)."""
        return math.inf if self.gate is None else time.monotonic() - self.gate.last_input

    def prime(self, doc: Document) -> None:
        """Hash the current analysis of ``doc`` while idle (see PRIME_DELAY), then build the
        per-version indexes the features registered in :attr:`idle_work`, so that a hover or
        a code lens after an edit finds them done. A newer version, or the document's
        closing, ends it."""
        analysis = doc.current_analysis()
        if analysis is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # the server object alone (tests): hashed when asked
            return
        old = self._priming.pop(doc.uri, None)
        if old is not None:
            old.cancel()
        steps = itertools.chain(
            analysis.hasher.priming(), (build(doc, analysis) for build in self.idle_work)
        )
        self._priming[doc.uri] = loop.call_later(
            PRIME_DELAY, self._prime_next, doc, analysis, steps
        )

    def _prime_next(self, doc: Document, analysis: Analysis, steps: Iterator[object]) -> None:
        self._priming.pop(doc.uri, None)
        if self.store.get(doc.uri) is not doc or doc.current_analysis() is not analysis:
            return  # closed, or a newer version: its own diagnostics start its priming
        loop = asyncio.get_running_loop()
        quiet = self.quiet_for()
        if quiet < PRIME_DELAY or self.input_waiting():  # requests come: they go first
            wait = max(PRIME_DELAY - quiet, PRIME_GAP)
        else:
            deadline = time.perf_counter() + PRIME_SLICE
            for _ in steps:
                if time.perf_counter() >= deadline:
                    break
            else:
                return  # all hashed
            wait = PRIME_GAP
        self._priming[doc.uri] = loop.call_later(wait, self._prime_next, doc, analysis, steps)

    def refresh_diagnostics(self) -> None:
        """After a change that affects every document (configuration, a run)."""
        if self.pull_client:
            if self.capability("workspace", "diagnostics", "refresh_support"):
                self.workspace_diagnostic_refresh(None)
            return
        for doc in list(self.store.docs.values()):
            self.publish(doc)

    # --- the workspace ---

    def workspace_roots(self) -> list[Path]:
        roots: list[Path] = []
        for folder in self.workspace.folders.values():
            path = to_fs_path(folder.uri)
            if path:
                roots.append(Path(path))
        if not roots and self.workspace.root_path:
            roots.append(Path(self.workspace.root_path))
        return roots

    def workspace_files(self) -> Iterator[Path]:
        seen: set[Path] = set()
        for root in self.workspace_roots():
            for path in sorted(root.rglob(f"*{LEXIS_SUFFIX}")):
                if (
                    any(part in ("node_modules", ".git", ".venv") for part in path.parts)
                    or path in seen
                ):
                    continue
                seen.add(path)
                yield path

    def file_changed(self, path: Path, deleted: bool = False) -> None:
        """A Lexis file that may not be open changed on disk."""
        uri = from_fs_path(str(path)) or path.as_uri()
        if uri in self.store.docs:
            return  # the editor's text wins while the document is open
        if self.pull_client:
            if self.capability("workspace", "diagnostics", "refresh_support"):
                self.workspace_diagnostic_refresh(None)
            return
        if deleted:
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
            return
        try:
            text = read_text_file(path).text
        except (OSError, UnicodeDecodeError) as exc:
            self.log(f"cannot read {path}: {exc}")
            return
        analysis = analyze(text, self.options(uri))
        enc = self.encoding
        shown = self.shown(uri, analysis.diagnostics)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=uri, diagnostics=lsp_diagnostic_list(uri, analysis.lines, shown, enc)
            )
        )

    def config_changed(self, path: Path) -> None:
        """A configuration file was created, changed or deleted: every document is checked
        again with the settings now in force, and the file's problems are published."""
        self.projects.changed(path)
        self.publish_config_problems()
        self.refresh_diagnostics()

    def warm_up(self) -> None:
        """Prepare, while idle after start, what the first requests would otherwise prepare on
        the user's time: the converter functions cattrs generates on first use for each message
        type (milliseconds each, on first use) and the completion texts of every op.

        One step at a time, each while no message is waiting: a document opened right after
        start-up is analysed first (the warm-up would otherwise hold its diagnostics back)."""
        converter = self.protocol._converter
        steps: list[Callable[[], object]] = []
        for method in WARM_METHODS:
            message, response, _, _ = lsp.METHOD_TO_TYPES[method]
            steps.append(partial(converter.get_structure_hook, message))
            if response is not None:
                steps.append(partial(converter.get_unstructure_hook, response))
        for result in WARM_RESULTS:
            steps.append(partial(converter.get_unstructure_hook, result))

        def program() -> None:
            analysis = analyze(WARM_PROGRAM, self.options())
            completions(analysis, WARM_PROGRAM.index('"const"') + 1)

        steps.append(program)
        self._warm_steps = steps
        self._warm_next()

    def _warm_next(self) -> None:
        if not self._warm_steps:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # the server object alone (tests): all at once
            while self._warm_steps:
                self._warm_steps.pop(0)()
            return
        if self.input_waiting():
            loop.call_later(WARM_PAUSE, self._warm_next)
            return
        self._warm_steps.pop(0)()
        loop.call_soon(self._warm_next)

    def start_watching(self) -> None:
        """Watch Lexis files through the client when it can register watchers dynamically,
        otherwise with a watchdog observer on the workspace folders."""
        if self.capability("workspace", "did_change_watched_files", "dynamic_registration"):
            self.client_register_capability(
                lsp.RegistrationParams(
                    registrations=[
                        lsp.Registration(
                            id="lexis-watch",
                            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[
                                    lsp.FileSystemWatcher(glob_pattern=glob)
                                    for glob in (WATCH_GLOB, *WATCH_GLOBS)
                                ]
                            ),
                        )
                    ]
                )
            )
            return
        roots = self.workspace_roots()
        if not roots:
            return
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        loop = asyncio.get_event_loop()
        server = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                # Only changes: watchdog also reports opened/closed files, and reading a file
                # here must not trigger another event (an endless loop otherwise).
                if event.event_type not in ("created", "modified", "deleted", "moved"):
                    return
                for raw in (event.src_path, getattr(event, "dest_path", "")):
                    name = raw.decode() if isinstance(raw, bytes) else raw
                    if name and is_config_file(name) and not event.is_directory:
                        loop.call_soon_threadsafe(server.config_changed, Path(name))
                    elif name and name.endswith(LEXIS_SUFFIX) and not event.is_directory:
                        deleted = event.event_type == "deleted" or (
                            event.event_type == "moved" and name == event.src_path
                        )
                        loop.call_soon_threadsafe(server.file_changed, Path(name), deleted)

        observer = Observer()
        for root in roots:
            observer.schedule(Handler(), str(root), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def stop_watching(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer = None

    async def load_settings(self) -> None:
        if not self.capability("workspace", "configuration"):
            return
        try:
            result = await self.workspace_configuration_async(
                lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section="lexis")])
            )
        except Exception as exc:  # a client may refuse: keep the defaults
            self.log(f"workspace/configuration failed: {exc}")
            return
        self.settings = Settings.from_json(result[0] if result else None)


# How many times a push or a diagnostics request is put off while messages wait to be handled
# (each time, the waiting messages are handled first): a stream of requests must not hold
# diagnostics back for long.
MAX_DEFERRALS = 20
ARRIVAL_PAUSE = 0.002  # seconds a deferral waits for a message that is still arriving
_WIRE = "server.diagnostics.wire"
_WIRE_ARRAY = "server.diagnostics.encoded"

_EVERY_CODE = Selection()

# A document can hold thousands of problems (a broken array of 20,000 empty objects); sending
# them all costs seconds and helps nobody: the first ones, errors first, and a note.
MAX_DIAGNOSTICS = 1000


def shown_diagnostics(found: Sequence[Diagnostic]) -> Sequence[Diagnostic]:
    """The diagnostics sent to the client: all of them, or the first `MAX_DIAGNOSTICS` by
    severity then position (in document order)."""
    if len(found) <= MAX_DIAGNOSTICS:
        return found
    # As sorting by (severity, start, end) and keeping the first MAX_DIAGNOSTICS would: one
    # list per severity (by the severity's identity: its members are singletons, and an Enum's
    # hash is a Python call), each sorted by position (already so, from an analysis), stable.
    buckets: dict[int, list[Diagnostic]] = {id(s): [] for s in Severity}
    for d in found:
        buckets[id(d.severity)].append(d)
    first: list[Diagnostic] = []
    for bucket in buckets.values():
        bucket.sort(key=_POSITION)
        first.extend(bucket[: MAX_DIAGNOSTICS - len(first)])
    first.sort(key=_POSITION)
    return first


_POSITION = attrgetter("start", "end")


def lsp_diagnostic_list(
    uri: str, lines: LineIndex, found: Sequence[Diagnostic], enc: Encoding
) -> list[lsp.Diagnostic]:
    """The LSP diagnostics of a document (at most `MAX_DIAGNOSTICS`, then a note)."""
    shown = [diagnostic(uri, lines, d, enc) for d in shown_diagnostics(found)]
    if len(found) > MAX_DIAGNOSTICS:
        shown.append(
            lsp.Diagnostic(
                range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 0)),
                message=f"lexis-ls shows {MAX_DIAGNOSTICS} of the {len(found)} problems of this "
                "document (errors first); `lexis check` lists them all",
                severity=lsp.DiagnosticSeverity.Information,
                source="lexis",
            )
        )
    return shown


def _result_id(doc: Document) -> str:
    return f"{doc.version}:{doc.result_id}"


def register_core(server: LexisServer) -> None:
    @server.feature(lsp.INITIALIZE)
    def initialize(ls: LexisServer, params: lsp.InitializeParams) -> None:
        ls._init_options = params.initialization_options

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: LexisServer, params: lsp.InitializedParams) -> None:
        if ls.early_answer is not None and ls.early_answer.mismatch is not None:
            ls.log(f"{MISMATCH}: {ls.early_answer.mismatch}", lsp.MessageType.Error)
        await ls.load_settings()
        ls.start_watching()
        asyncio.get_running_loop().call_soon(ls.warm_up)

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: LexisServer, params: None) -> None:
        ls.stop_watching()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LexisServer, params: lsp.DidOpenTextDocumentParams) -> None:
        td = params.text_document
        doc = ls.store.open(td.uri, td.language_id, td.version, td.text)
        if doc is not None:
            ls.schedule_publish(doc, delay_ms=0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LexisServer, params: lsp.DidChangeTextDocumentParams) -> None:
        changes: list[Change] = []
        for change in params.content_changes:
            if isinstance(change, lsp.TextDocumentContentChangePartial):
                r = change.range
                span = (r.start.line, r.start.character, r.end.line, r.end.character)
                changes.append((span, change.text))
            else:
                changes.append((None, change.text))
        td = params.text_document
        doc = ls.store.change(td.uri, changes, ls.encoding, td.version)
        if doc is not None:
            ls.schedule_publish(doc)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LexisServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        for pending in (ls._timers.pop(uri, None), ls._priming.pop(uri, None)):
            if pending is not None:
                pending.cancel()
        if ls.store.close(uri) is not None and not ls.pull_client:
            ls.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: LexisServer, params: lsp.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("lexis"), dict):
            ls.settings = Settings.from_json(settings["lexis"])
        else:
            await ls.load_settings()
        ls.refresh_diagnostics()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: LexisServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = to_fs_path(change.uri)
            if path and is_config_file(path):
                ls.config_changed(Path(path))
            elif path and path.endswith(LEXIS_SUFFIX):
                ls.file_changed(Path(path), deleted=change.type == lsp.FileChangeType.Deleted)

    @server.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(
            identifier="lexis", inter_file_dependencies=False, workspace_diagnostics=True
        ),
    )
    async def pull_diagnostics(
        ls: LexisServer, params: lsp.DocumentDiagnosticParams
    ) -> lsp.DocumentDiagnosticReport | Encoded:
        # Messages sent after this request may wait already: a change (then the answer is
        # for the newer version, and the version the request was made for is never analysed)
        # or this request's cancellation (VS Code cancels the requests a change made stale:
        # then pygls answers RequestCancelled, -32800, without the analysis).
        for _ in range(MAX_DEFERRALS):
            if not ls.input_waiting():
                break
            await asyncio.sleep(ls.input_pause())
        doc = ls.store.get(params.text_document.uri)
        if doc is None:
            return lsp.RelatedFullDocumentDiagnosticReport(items=[])
        analysis = ls.analysis(doc)
        result_id = _result_id(doc)
        if params.previous_result_id == result_id:
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        items = ls.encoded_diagnostics(doc, analysis)
        head = dumps({"kind": "full", "resultId": result_id})[:-1]
        ls.prime(doc)
        return Encoded(head + b',"items":' + items + b"}")

    @server.feature(lsp.WORKSPACE_DIAGNOSTIC)
    def workspace_diagnostics(
        ls: LexisServer, params: lsp.WorkspaceDiagnosticParams
    ) -> lsp.WorkspaceDiagnosticReport:
        previous = {p.uri: p.value for p in params.previous_result_ids}
        files = list(ls.workspace_files())
        token = params.work_done_token
        if token is not None:
            ls.work_done_progress.begin(
                token, lsp.WorkDoneProgressBegin(title="Checking Lexis files", percentage=0)
            )
        items: list[lsp.WorkspaceDocumentDiagnosticReport] = []
        enc = ls.encoding
        for k, path in enumerate(files):
            uri = from_fs_path(str(path)) or path.as_uri()
            doc = ls.store.get(uri)
            if doc is not None:
                ls.analysis(doc)
                rid = _result_id(doc)
                if previous.get(uri) == rid:
                    items.append(
                        lsp.WorkspaceUnchangedDocumentDiagnosticReport(
                            uri=uri, version=doc.version, result_id=rid
                        )
                    )
                else:
                    items.append(
                        lsp.WorkspaceFullDocumentDiagnosticReport(
                            uri=uri,
                            version=doc.version,
                            items=ls.lsp_diagnostics(doc),
                            result_id=rid,
                        )
                    )
            else:
                try:
                    text = read_text_file(path).text
                except (OSError, UnicodeDecodeError) as exc:
                    ls.log(f"cannot read {path}: {exc}")
                    continue
                rid = "file:" + hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
                if previous.get(uri) == rid:
                    items.append(
                        lsp.WorkspaceUnchangedDocumentDiagnosticReport(
                            uri=uri, version=None, result_id=rid
                        )
                    )
                else:
                    analysis = analyze(text, ls.options(uri))
                    lines = analysis.lines
                    items.append(
                        lsp.WorkspaceFullDocumentDiagnosticReport(
                            uri=uri,
                            version=None,
                            items=lsp_diagnostic_list(
                                uri, lines, ls.shown(uri, analysis.diagnostics), enc
                            ),
                            result_id=rid,
                        )
                    )
            if token is not None:
                ls.work_done_progress.report(
                    token,
                    lsp.WorkDoneProgressReport(
                        message=path.name, percentage=int(100 * (k + 1) / max(1, len(files)))
                    ),
                )
        if token is not None:
            ls.work_done_progress.end(
                token, lsp.WorkDoneProgressEnd(message=f"{len(files)} files checked")
            )
        return lsp.WorkspaceDiagnosticReport(items=items)


def create_server() -> LexisServer:
    server = LexisServer()
    register_core(server)
    for info in sorted(pkgutil.iter_modules(features.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{features.__name__}.{info.name}")
        module.register(server)
    return server
