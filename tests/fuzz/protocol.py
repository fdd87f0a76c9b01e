"""Part c: protocol abuse. Malformed frames, bodies that are not JSON-RPC requests, params of
the wrong type, the lifecycle out of order, cancellations and notifications for nothing. After
each abuse the server must still answer a hover within a bound; lifecycle and protocol errors
must carry the codes JSON-RPC and LSP specify."""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Callable
from typing import Any, ClassVar

from . import documents as D
from .findings import Findings, traceback_signature
from .judge import Judge, short
from .lsp_client import Hang, ServerDied, Session
from .lsp_fuzz import make_workspace

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
NOT_INITIALIZED = -32002
BOUND = 10.0  # seconds for an answer after an abuse

DOC_TEXT = '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "op": "const", "value": 1}]}\n'

# requests whose params get the wrong types: method -> good params builder (uri)
TYPED = {
    "textDocument/hover": lambda u: {"textDocument": {"uri": u}, "position": _p(0, 5)},
    "textDocument/completion": lambda u: {"textDocument": {"uri": u}, "position": _p(0, 5)},
    "textDocument/definition": lambda u: {"textDocument": {"uri": u}, "position": _p(0, 5)},
    "textDocument/references": lambda u: {
        "textDocument": {"uri": u},
        "position": _p(0, 5),
        "context": {"includeDeclaration": True},
    },
    "textDocument/rename": lambda u: {
        "textDocument": {"uri": u},
        "position": _p(0, 40),
        "newName": "b",
    },
    "textDocument/prepareRename": lambda u: {"textDocument": {"uri": u}, "position": _p(0, 40)},
    "textDocument/formatting": lambda u: {
        "textDocument": {"uri": u},
        "options": {"tabSize": 2, "insertSpaces": True},
    },
    "textDocument/rangeFormatting": lambda u: {
        "textDocument": {"uri": u},
        "range": {"start": _p(0, 0), "end": _p(0, 10)},
        "options": {"tabSize": 2, "insertSpaces": True},
    },
    "textDocument/documentSymbol": lambda u: {"textDocument": {"uri": u}},
    "textDocument/foldingRange": lambda u: {"textDocument": {"uri": u}},
    "textDocument/selectionRange": lambda u: {
        "textDocument": {"uri": u},
        "positions": [_p(0, 5)],
    },
    "textDocument/semanticTokens/full": lambda u: {"textDocument": {"uri": u}},
    "textDocument/semanticTokens/range": lambda u: {
        "textDocument": {"uri": u},
        "range": {"start": _p(0, 0), "end": _p(0, 10)},
    },
    "textDocument/inlayHint": lambda u: {
        "textDocument": {"uri": u},
        "range": {"start": _p(0, 0), "end": _p(0, 10)},
    },
    "textDocument/codeLens": lambda u: {"textDocument": {"uri": u}},
    "textDocument/codeAction": lambda u: {
        "textDocument": {"uri": u},
        "range": {"start": _p(0, 0), "end": _p(0, 10)},
        "context": {"diagnostics": []},
    },
    "textDocument/documentHighlight": lambda u: {"textDocument": {"uri": u}, "position": _p(0, 5)},
    "textDocument/signatureHelp": lambda u: {"textDocument": {"uri": u}, "position": _p(0, 5)},
    "textDocument/diagnostic": lambda u: {"textDocument": {"uri": u}},
    "workspace/symbol": lambda u: {"query": "a"},
    "workspace/diagnostic": lambda u: {"previousResultIds": []},
    "workspace/executeCommand": lambda u: {"command": "lexis.hash", "arguments": [u]},
    "codeAction/resolve": lambda u: {"title": "x", "data": {"uri": u}},
}


def _p(line: int, char: int) -> dict[str, int]:
    return {"line": line, "character": char}


def wrong_types(rng: random.Random, params: Any) -> tuple[str, Any]:
    """A description and a copy of the params with one field of the wrong type (or missing)."""
    if not isinstance(params, dict) or not params:
        return "params not an object", rng.choice([[], "x", 5, None, True])
    paths: list[tuple[list[str], Any]] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append(([*path, k], v))
                walk(v, [*path, k])

    walk(params, [])
    path, value = rng.choice(paths)
    r = rng.random()
    copy = json.loads(json.dumps(params))
    node = copy
    for k in path[:-1]:
        node = node[k]
    if r < 0.25:
        del node[path[-1]]
        return f"{'.'.join(path)} missing", copy
    if isinstance(value, int) and not isinstance(value, bool):
        bad = rng.choice([str(value), -1, 2**40, 1.5, None, [value]])
    elif isinstance(value, str):
        bad = rng.choice([5, None, {"uri": value}, [value], ""])
    elif isinstance(value, dict):
        bad = rng.choice(["0:5", [1, 2], 5, None, "x"])
    elif isinstance(value, list):
        bad = rng.choice(["x", {"a": 1}, 5, [None], [[]]])
    else:
        bad = rng.choice(["true", 1, None, "x"])
    node[path[-1]] = bad
    # an empty string is still a string: refusing it (-32803, "cannot rename to ''") is right too
    valid = " (type-valid)" if bad == "" else ""
    return f"{'.'.join(path)} = {short(json.dumps(bad), 40)}{valid}", copy


class Protocol:
    def __init__(self, findings: Findings, rng: random.Random, workspace: Any) -> None:
        self.f = findings
        self.rng = rng
        self.workspace = workspace
        self.session: Session | None = None
        self.judge: Judge | None = None
        self.uri = (workspace / "proto.lexis.json").as_uri()

    # --- sessions ---

    def fresh(self, initialize: bool = True) -> tuple[Session, Judge]:
        self.drop()
        session = Session(cwd=self.workspace)
        self.f.count("sessions")
        judge = Judge(self.f, session)
        self.session, self.judge = session, judge
        if initialize:
            session.initialize(
                encoding=self.rng.choice(["utf-16", "utf-8"]), pull=True, root=self.workspace
            )
            opened = {
                "textDocument": {
                    "uri": self.uri,
                    "languageId": "lexis",
                    "version": 1,
                    "text": DOC_TEXT,
                }
            }
            session.notify("textDocument/didOpen", opened)
            judge.docs[self.uri] = DOC_TEXT
        return session, judge

    def drop(self) -> None:
        if self.session is not None:
            self.session.proc.kill()
            self.session.kill()
        self.session = self.judge = None

    def current(self) -> tuple[Session, Judge]:
        if self.session is None or not self.session.alive():
            return self.fresh()
        assert self.judge is not None
        return self.session, self.judge

    # --- checks ---

    def wrong(self, case: str, detail: str, repro: dict[str, Any]) -> None:
        self.f.add("wrong_error_codes", case, {"case": case, "detail": detail, **repro})

    def expect_error(
        self, case: str, rid: Any, codes: tuple[int, ...], repro: dict[str, Any]
    ) -> dict[str, Any] | None:
        session, judge = self.current()
        try:
            answer = session.wait(rid, BOUND)
        except Hang:
            self.wrong(case, f"no answer within {BOUND} s (expected error {codes})", repro)
            return None
        error = answer.get("error")
        code = error.get("code") if isinstance(error, dict) else None
        if code not in codes:
            self.wrong(
                case, f"answer {short(answer, 300)}; expected an error with code {codes}", repro
            )
        judge.response(str(repro.get("method", case)), repro.get("params"), answer)
        return answer

    def healthy(self, case: str, repro: dict[str, Any], tries: int = 1) -> bool:
        """The server still answers a hover within the bound (`tries` hovers for abuses that
        may swallow the next message)."""
        session, judge = self.current()
        params = {"textDocument": {"uri": self.uri}, "position": _p(0, 5)}
        rids = []
        try:
            for _ in range(tries):
                rids.append(session.send_request("textDocument/hover", params))
                deadline = time.monotonic() + BOUND / tries
                while time.monotonic() < deadline:
                    if any(r in session.answered for r in rids):
                        judge.logs(case, repro.get("params"), self.uri)
                        return True
                    if not session.alive():
                        raise ServerDied("exited")
                    time.sleep(0.01)
        except ServerDied:
            stderr = "".join(session.stderr_lines)[-4000:]
            self.f.add(
                "crashes",
                f"protocol {case}: {traceback_signature(stderr) or 'exited'}",
                {"case": case, **repro, "exit": session.proc.poll(), "stderr": stderr},
            )
            self.drop()
            return False
        self.f.add(
            "hangs",
            f"protocol {case}: no answer to a hover afterwards",
            {"case": case, **repro, "stderr": "".join(session.stderr_lines)[-2000:]},
        )
        self.drop()
        return False

    # --- the abuses ---

    def body(self, method: str = "textDocument/hover", rid: Any = None) -> tuple[Any, bytes]:
        session, _ = self.current()
        if rid is None:
            rid = session.new_id()
        session.expect_id(rid)
        msg = {
            "jsonrpc": "2.0",
            "id": rid,
            "method": method,
            "params": {"textDocument": {"uri": self.uri}, "position": _p(0, 5)},
        }
        return rid, json.dumps(msg).encode()

    def case_bad_length(self) -> None:
        session, _ = self.current()
        _, body = self.body()
        header = self.rng.choice(
            [b"abc", b"-5", b"", b"1e3", b"0x20", b" 12 34", b"99999999999999999999999"]
        )
        raw = b"Content-Length: " + header + b"\r\n\r\n" + body
        session.send_raw(raw)
        self.f.count("abuses")
        self.healthy("non-numeric Content-Length", {"raw": raw.decode()}, tries=3)

    def case_short_length(self) -> None:
        session, _ = self.current()
        _, body = self.body()
        cut = self.rng.randrange(1, len(body))
        raw = b"Content-Length: %d\r\n\r\n" % cut + body
        session.send_raw(raw)
        self.f.count("abuses")
        self.healthy("Content-Length shorter than the body", {"raw": raw.decode()}, tries=2)

    def case_long_length(self) -> None:
        session, _ = self.current()
        rid, body = self.body()
        extra = self.rng.randrange(1, 40)
        raw = b"Content-Length: %d\r\n\r\n" % (len(body) + extra) + body
        if self.rng.random() < 0.5:  # padded with whitespace: a valid message after all
            session.send_raw(raw + b" " * extra)
            self.f.count("abuses")
            try:
                session.wait(rid, BOUND)
            except Hang:
                self.f.add(
                    "hangs",
                    "protocol: body with trailing whitespace inside Content-Length not answered",
                    {"raw": raw.decode() + " " * extra},
                )
            self.healthy("Content-Length with trailing whitespace", {"raw": raw.decode()})
        else:
            session.send_raw(raw)
            self.f.count("abuses")
            self.healthy("Content-Length longer than the body", {"raw": raw.decode()}, tries=3)

    def case_missing_header(self) -> None:
        session, _ = self.current()
        _, body = self.body()
        raw = self.rng.choice(
            [body + b"\r\n", b"\r\n" + body, b"Content-Type: application/json\r\n\r\n" + body]
        )
        session.send_raw(raw)
        self.f.count("abuses")
        self.healthy("frame without Content-Length", {"raw": raw.decode()}, tries=2)

    def case_odd_headers(self) -> None:
        """Legal variants: lower-case name, extra headers, no space after the colon."""
        session, _ = self.current()
        rid, body = self.body()
        variants = {
            "lower-case name": b"content-length: %d\r\n\r\n" % len(body),
            "no space after the colon": b"Content-Length:%d\r\n\r\n" % len(body),
            "Content-Type first": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body),
        }
        kind = self.rng.choice(sorted(variants))
        raw = variants[kind] + body
        session.send_raw(raw)
        self.f.count("abuses")
        try:
            session.wait(rid, BOUND / 2)
        except Hang:
            self.wrong(f"legal header ({kind})", "no answer", {"raw": raw.decode()})
        self.healthy(f"legal header ({kind})", {"raw": raw.decode()})

    def send_body(self, body: bytes) -> None:
        session, _ = self.current()
        session.unexpected.clear()  # errors for earlier abuses (all answered before the hover)
        session.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def expect_null_id_error(self, case: str, code: int, repro: dict[str, Any]) -> None:
        """JSON-RPC: an error answer with id null."""
        session, _judge = self.current()
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            for msg in session.unexpected:
                if msg.get("id") is None and "error" in msg:
                    session.unexpected.remove(msg)
                    got = msg["error"].get("code") if isinstance(msg["error"], dict) else None
                    if got != code:
                        self.wrong(case, f"error code {got}, expected {code}", repro)
                    return
            time.sleep(0.01)
        self.wrong(case, f"no error answer (id null, code {code})", repro)

    def case_invalid_json(self) -> None:
        body = self.rng.choice(
            [b"{", b'{"jsonrpc": "2.0", "id": 1, "method": ', b"nul", b"{'a': 1}", b"\x00\x01"]
        )
        self.send_body(body)
        self.f.count("abuses")
        repro = {"body": body.decode("latin-1")}
        self.expect_null_id_error("invalid JSON body", PARSE_ERROR, repro)
        self.healthy("invalid JSON body", repro)

    def case_not_object(self) -> None:
        body = self.rng.choice([b"5", b'"x"', b"null", b"true", b"[]"])
        self.send_body(body)
        self.f.count("abuses")
        repro = {"body": body.decode()}
        self.expect_null_id_error("JSON body not an object", INVALID_REQUEST, repro)
        self.healthy("JSON body not an object", repro)

    def case_batch(self) -> None:
        session, _ = self.current()
        items = []
        for _ in range(self.rng.randrange(1, 4)):
            _rid, body = self.body()
            items.append(json.loads(body))
        body = json.dumps(items).encode()
        self.send_body(body)
        self.f.count("abuses")
        repro = {"body": body.decode()}
        # LSP has no batches: an error (-32600, id null) or answers to the requests are fine
        deadline = time.monotonic() + BOUND
        ids = [i["id"] for i in items]
        while time.monotonic() < deadline:
            if all(r in session.answered for r in ids) or any(
                m.get("id") is None and "error" in m for m in session.unexpected
            ):
                break
            time.sleep(0.01)
        else:
            self.wrong("batch", "neither answers nor an error for a JSON array body", repro)
        session.unexpected.clear()
        self.healthy("batch", repro)

    def case_bad_envelope(self) -> None:
        """Objects that are not valid requests: no method, method not a string, bad jsonrpc."""
        session, _ = self.current()
        rid = session.new_id()
        session.expect_id(rid)
        msg = self.rng.choice(
            [
                {"jsonrpc": "2.0", "id": rid},
                {"jsonrpc": "2.0", "id": rid, "method": 5},
                {"jsonrpc": "2.0", "id": rid, "method": None},
                {"jsonrpc": "2.0", "id": rid, "method": "textDocument/hover", "params": 5},
                {"jsonrpc": "2.0", "id": {"x": 1}, "method": "textDocument/hover"},
            ]
        )
        body = json.dumps(msg).encode()
        self.send_body(body)
        self.f.count("abuses")
        repro = {"body": body.decode()}
        if isinstance(msg.get("id"), int) and msg.get("method") == "textDocument/hover":
            self.expect_error("params not an object", rid, (INVALID_PARAMS,), repro)
        elif isinstance(msg.get("id"), int):
            self.expect_error("request without a method name", rid, (INVALID_REQUEST,), repro)
        self.healthy("invalid request envelope", repro)

    def case_wrong_types(self) -> None:
        session, judge = self.current()
        method = self.rng.choice(list(TYPED))
        what, params = wrong_types(self.rng, TYPED[method](self.uri))
        rid = session.send_request(method, params)
        self.f.count("abuses")
        self.f.count("requests")
        repro = {"method": method, "params": params, "what": what}
        try:
            answer = session.wait(rid, BOUND)
        except Hang:
            self.f.add("hangs", f"wrong params: {method}", repro)
            self.healthy("wrong param types", repro)
            return
        judge.response(method, params, answer, self.uri)
        judge.logs(method, params, self.uri)
        error = answer.get("error")
        if "(type-valid)" in what:
            error = None  # any answer will do; internal errors are the judge's already
        if isinstance(error, dict) and error.get("code") not in (INVALID_PARAMS,):
            code = error.get("code")
            if code != INTERNAL_ERROR:  # those are internal errors already
                self.wrong(
                    f"wrong param types -> {code}", f"{short(error, 300)}; expected -32602", repro
                )
            else:
                self.wrong("wrong param types -> -32603", "expected -32602", repro)
        self.healthy("wrong param types", repro)

    def case_unknown_method(self) -> None:
        session, _ = self.current()
        method = self.rng.choice(["lexis/nope", "textDocument/nope", "$/nope", "x", ""])
        rid = session.send_request(method, {})
        self.f.count("abuses")
        repro = {"method": method, "params": {}}
        self.expect_error("unknown method", rid, (METHOD_NOT_FOUND,), repro)
        session.notify(method + "Notification", {})  # unknown notifications: ignored
        self.healthy("unknown method", repro)

    def case_unknown_documents(self) -> None:
        session, judge = self.current()
        uri = (self.workspace / f"never{self.rng.randrange(10**6)}.lexis.json").as_uri()
        notes = [
            (
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [
                        {"range": {"start": _p(0, 0), "end": _p(0, 1)}, "text": "x"}
                    ],
                },
            ),
            (
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "{}"}]},
            ),
            ("textDocument/didClose", {"textDocument": {"uri": uri}}),
            ("textDocument/didSave", {"textDocument": {"uri": uri}, "text": "{}"}),
            ("textDocument/willSave", {"textDocument": {"uri": uri}, "reason": 1}),
        ]
        method, params = self.rng.choice(notes)
        judge.sent({"method": method, "params": params})
        session.notify(method, params)
        self.f.count("abuses")
        repro = {"method": method, "params": params}
        if self.healthy(f"{method} of a document never opened", repro):
            # requests on the never-opened document
            req = self.rng.choice(list(TYPED))
            p = TYPED[req](uri)
            self.f.count("requests")
            answer = session.request(req, p)
            judge.response(req, p, answer, uri)
            time.sleep(0.05)
            judge.logs(method, params, uri)

    def case_cancel(self) -> None:
        session, judge = self.current()
        rid = session.send_request(
            "textDocument/hover", {"textDocument": {"uri": self.uri}, "position": _p(0, 5)}
        )
        session.wait(rid, BOUND)
        target = self.rng.choice([rid, 10**9, "nope", None])
        params = {"id": target}
        session.notify("$/cancelRequest", params)
        self.f.count("abuses")
        repro = {"method": "$/cancelRequest", "params": params}
        judge.sent(repro)
        time.sleep(0.05)
        judge.logs("$/cancelRequest", params)
        self.healthy("$/cancelRequest of an unknown or answered id", repro)

    def case_bad_utf8(self) -> None:
        session, _ = self.current()
        rid, body = self.body()
        where = body.index(b"proto")
        bad = self.rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\xf8\x88"])
        body = body[:where] + bad + body[where:]
        session.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.f.count("abuses")
        repro = {"body_latin1": body.decode("latin-1")}
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:  # an answer or a parse error, either way something
            if rid in session.answered or any(
                m.get("id") is None and "error" in m for m in session.unexpected
            ):
                break
            time.sleep(0.01)
        else:
            self.wrong("invalid UTF-8 in a body", "neither an answer nor a parse error", repro)
        session.unexpected.clear()
        self.healthy("invalid UTF-8 in a body", repro)

    def case_did_open_bad_utf8(self) -> None:
        session, _judge = self.current()
        uri = (self.workspace / "badutf8.lexis.json").as_uri()
        body = (
            b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":'
            b'{"uri":"' + uri.encode() + b'","languageId":"lexis","version":1,"text":"{\\"spec\\"'
            b': \\"lexis-\xff\xfe\\"}"}}}'
        )
        session.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.f.count("abuses")
        session.unexpected.clear()
        self.healthy("didOpen with invalid UTF-8", {"body_latin1": body.decode("latin-1")})

    # --- the lifecycle (fresh sessions) ---

    def case_before_initialize(self) -> None:
        session, _judge = self.fresh(initialize=False)
        method = self.rng.choice(["textDocument/hover", "workspace/symbol", "shutdown"])
        params = (
            {"textDocument": {"uri": self.uri}, "position": _p(0, 0)}
            if method == "textDocument/hover"
            else ({"query": ""} if method == "workspace/symbol" else None)
        )
        rid = session.send_request(method, params)
        self.f.count("abuses")
        self.expect_error(
            "request before initialize",
            rid,
            (NOT_INITIALIZED,),
            {"method": method, "params": params},
        )
        # notifications before initialize are dropped; then the session must still start
        session.notify("textDocument/didOpen", {"textDocument": {"uri": self.uri}})
        try:
            session.initialize(root=self.workspace)
        except (Hang, ServerDied) as exc:
            self.f.add(
                "hangs" if isinstance(exc, Hang) else "crashes",
                "initialize after a request before initialize",
                {"method": method, "params": params, "why": str(exc)},
            )
            self.drop()
            return
        session.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": self.uri,
                    "languageId": "lexis",
                    "version": 1,
                    "text": DOC_TEXT,
                }
            },
        )
        self.healthy("request before initialize", {"method": method})

    def case_second_initialize(self) -> None:
        session, _ = self.current()
        rid = session.send_request(
            "initialize", {"processId": None, "rootUri": None, "capabilities": {}}
        )
        self.f.count("abuses")
        answer = self.expect_error(
            "second initialize", rid, (INVALID_REQUEST, -32002, -32600), {"method": "initialize"}
        )
        if answer is not None and "result" in answer:
            pass  # already counted as a wrong code
        self.healthy("second initialize", {"method": "initialize"})

    def case_after_shutdown(self) -> None:
        session, _judge = self.fresh()
        rid = session.send_request("shutdown")
        try:
            session.wait(rid, BOUND)
        except Hang:
            self.f.add("hangs", "shutdown", {"method": "shutdown"})
            self.drop()
            return
        method = self.rng.choice(["textDocument/hover", "shutdown", "workspace/symbol"])
        params = (
            {"textDocument": {"uri": self.uri}, "position": _p(0, 0)}
            if method == "textDocument/hover"
            else ({"query": ""} if method == "workspace/symbol" else None)
        )
        rid = session.send_request(method, params)
        self.f.count("abuses")
        self.expect_error(
            f"request after shutdown ({method})",
            rid,
            (INVALID_REQUEST,),
            {"method": method, "params": params},
        )
        session.notify("exit")
        code = self.exit_code(session)
        if code != 0:
            self.wrong("exit after shutdown", f"exit code {code}, expected 0", {"method": "exit"})
        self.drop()

    def case_exit_without_shutdown(self) -> None:
        session, _ = self.fresh(initialize=self.rng.random() < 0.8)
        session.notify("exit")
        self.f.count("abuses")
        code = self.exit_code(session)
        if code != 1:
            self.wrong("exit without shutdown", f"exit code {code}, expected 1", {"method": "exit"})
        self.drop()

    def case_stdin_closed(self) -> None:
        session, _ = self.fresh()
        assert session.proc.stdin is not None
        session.proc.stdin.close()
        self.f.count("abuses")
        code = self.exit_code(session)
        if code is None:
            self.f.add("hangs", "the server does not exit when its stdin closes", {"case": "eof"})
        self.drop()

    def exit_code(self, session: Session) -> int | None:
        try:
            return session.proc.wait(BOUND)
        except Exception:
            return None

    CASES: ClassVar[list[tuple[Callable[[Protocol], None], int]]] = []


Protocol.CASES = [
    (Protocol.case_bad_length, 3),
    (Protocol.case_short_length, 3),
    (Protocol.case_long_length, 3),
    (Protocol.case_missing_header, 3),
    (Protocol.case_odd_headers, 2),
    (Protocol.case_invalid_json, 3),
    (Protocol.case_not_object, 3),
    (Protocol.case_batch, 2),
    (Protocol.case_bad_envelope, 3),
    (Protocol.case_wrong_types, 12),
    (Protocol.case_unknown_method, 2),
    (Protocol.case_unknown_documents, 4),
    (Protocol.case_cancel, 2),
    (Protocol.case_bad_utf8, 2),
    (Protocol.case_did_open_bad_utf8, 1),
    (Protocol.case_second_initialize, 1),
    (Protocol.case_before_initialize, 1),
    (Protocol.case_after_shutdown, 1),
    (Protocol.case_exit_without_shutdown, 1),
    (Protocol.case_stdin_closed, 1),
]


def run(budget: float, seed: int) -> dict[str, int]:
    findings = Findings("protocol")
    rng = random.Random(seed)
    deadline = time.monotonic() + budget
    workspace = make_workspace()
    proto = Protocol(findings, rng, workspace)
    cases, weights = zip(*Protocol.CASES)
    try:
        # every case once, then random ones
        order = list(cases)
        while time.monotonic() < deadline:
            case = order.pop(0) if order else rng.choices(cases, weights)[0]
            try:
                case(proto)
            except (Hang, ServerDied) as exc:
                session = proto.session
                stderr = "".join(session.stderr_lines)[-4000:] if session else ""
                cls = "hangs" if isinstance(exc, Hang) else "crashes"
                findings.add(
                    cls,
                    f"protocol {case.__name__}: {traceback_signature(stderr) or exc}",
                    {"case": case.__name__, "why": str(exc), "stderr": stderr},
                )
                proto.drop()
    finally:
        proto.drop()
        shutil.rmtree(workspace, ignore_errors=True)
    _ = D  # the documents module is shared with the other parts
    return findings.result()
