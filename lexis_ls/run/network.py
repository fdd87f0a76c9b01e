"""Run-time network layer for ``http_get``, ``http_post`` and ``http_request`` (LEXIS.md §4, §6).

Every request goes through the same steps, and every redirect hop goes through all of them
again:

1. the URL must be a string, parse, use https (http only when the node's value config has
   ``"allow_http": true``), carry no user info, and name a host in ``allowed_domains`` (the
   host itself or a sub-domain of a listed domain; a missing or empty list blocks everything);
2. the host is resolved **first** (a literal IP in any spelling — ``2130706433``,
   ``0177.0.0.1``, ``0x7f.1``, ``[::ffff:127.0.0.1]`` — is its own single address), and if
   *any* address is not globally routable (loopback, private, link-local, shared, reserved,
   multicast, documentation, ...; or an IPv6 address embedding such an IPv4 address) the
   request is refused before any connection is attempted (SSRF), whatever ``allowed_domains``
   lists (:mod:`lexis_ls.lang.netpolicy` has the rule);
3. the transport connects to the address that was checked — it never resolves the name again,
   so DNS rebinding cannot switch the target — sends ``Host``/SNI for the URL's host, verifies
   TLS against that name, never follows redirects itself, and reads at most ``max_bytes + 1``
   body bytes;
4. a body larger than ``max_bytes`` (10 MB) is an error; redirects (301, 302, 303, 307, 308
   with a ``Location``) are followed only with ``"follow_redirects": true``, at most
   :data:`MAX_REDIRECTS` hops.

Nothing here raises for bad input or network failures: problems become error values through
``call.error(message)``.

Decisions (beyond LEXIS.md):

* config ``timeout`` must be a positive finite number of seconds (not a boolean); values above
  :data:`MAX_TIMEOUT` (30 s) are clamped to it. The timeout is one total deadline for the
  whole request — DNS, connect, TLS, headers and body of every redirect hop — enforced by a
  watchdog that shuts the socket down when it passes (a server dripping one header line at a
  time cannot stretch it), and it never reaches past the run's own deadline (the evaluator's
  ``Call.deadline``).
* ``http_request`` returns a 3xx response as data when redirects are not followed (it returns
  every status as data); ``http_get``/``http_post`` turn it into an error that names the
  ``follow_redirects`` option.
* a ``null`` body: ``http_post`` sends it as JSON ``null``; ``http_request`` sends no body.
* a response whose content type is JSON (``application/json`` or ``…+json``) but whose body is
  not valid JSON is an error value (an empty body gives ``null``); text bodies are decoded
  with the declared ``charset`` when Python knows it, else UTF-8, with replacement.
* URLs with user info (``https://user:pass@host/``) are refused: credentials are never sent,
  and refusing them removes any doubt about which host is meant.
* the request actually sent uses a canonical URL rebuilt from the checked parts (normalised
  host, explicit port, percent-encoded path and query, no fragment), so the transport cannot
  read the URL differently from the checks.
"""

from __future__ import annotations

import codecs
import http.client
import ipaddress
import json
import math
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, NoReturn, Protocol
from urllib.parse import quote, urljoin, urlsplit

from ..lang.netpolicy import (
    IPAddress,
    check_url,
    parse_ip_host,
    resolved_address_problem,
    url_host,
)
from ..lang.values import ErrorValue, type_name
from .core import Call

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "MAX_REDIRECTS",
    "MAX_TIMEOUT",
    "METHODS",
    "HttpResponse",
    "HttpTransport",
    "NetworkClient",
    "Resolver",
    "SystemResolver",
    "Transport",
    "http_get",
    "http_post",
    "http_request",
    "is_json_content_type",
    "parse_response_body",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
#: Largest ``timeout`` a program may ask for; larger values are clamped to it.
MAX_TIMEOUT = 30.0
MAX_REDIRECTS = 5
METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

_USER_AGENT = "lexis-ls/0.1.0"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
_PATH_SAFE = "/%!$&'()*+,;=:@"
_QUERY_SAFE = _PATH_SAFE + "?"
_MAX_SHOWN = 160
_SNIPPET = 200
_READ_CHUNK = 64 * 1024
_ALLOW_HTTP = '"allow_http": true'
_FOLLOW = '"follow_redirects": true'


# --------------------------------------------------------------------------- protocols


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP response as a transport returns it (no redirects followed)."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str


class Resolver(Protocol):
    """Turns a host name into IP address strings."""

    def resolve(self, host: str, port: int) -> list[str]: ...


class Transport(Protocol):
    """Sends one request to an already-checked address.

    Connects to ``connect_ip`` (never re-resolves the URL's host), sends ``Host`` (and SNI for
    https) for the URL's host, verifies TLS against that host name, never follows redirects,
    and reads at most ``max_bytes + 1`` body bytes. May raise (timeouts, refused connections,
    TLS failures); :class:`NetworkClient` turns exceptions into error values.
    """

    def send(
        self,
        method: str,
        url: str,
        *,
        connect_ip: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
        max_bytes: int,
    ) -> HttpResponse: ...


# --------------------------------------------------------------------------- system implementations


class SystemResolver:
    """:func:`socket.getaddrinfo`, bounded by ``timeout`` seconds (run in a daemon thread,
    since getaddrinfo itself cannot be interrupted). Addresses keep the system's order,
    duplicates removed."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout

    def resolve(self, host: str, port: int, *, timeout: float | None = None) -> list[str]:
        """The addresses of ``host``; ``timeout`` (default: the resolver's) bounds the wait."""
        limit = self.timeout if timeout is None else max(0.0, min(timeout, self.timeout))
        outcome: list[list[str] | BaseException] = []
        done = threading.Event()

        def work() -> None:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                found: list[str] = []
                for _family, _type, _proto, _name, sockaddr in infos:
                    address = str(sockaddr[0])
                    if address not in found:
                        found.append(address)
                outcome.append(found)
            except BaseException as exc:  # handed to the caller's thread
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=work, name=f"resolve {host}", daemon=True).start()
        if not done.wait(limit):
            raise TimeoutError(f"DNS lookup timed out after {_seconds(limit)}")
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result


class HttpTransport:
    """HTTP/1.1 over a socket connected to ``connect_ip`` (``http.client`` on top).

    For https the socket is wrapped with ``ssl_context`` (default: the system trust store,
    certificate and host name verification on) using the URL's host as ``server_hostname``,
    so SNI and certificate checks use the name the program asked for, not the address.
    ``timeout`` bounds the whole exchange, not just each socket operation.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def send(
        self,
        method: str,
        url: str,
        *,
        connect_ip: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
        max_bytes: int,
    ) -> HttpResponse:
        if parse_ip_host(connect_ip) is None:  # an address, never a name to resolve again
            raise ValueError(f"connect_ip `{connect_ip}` is not an IP address")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(f"unsupported scheme `{scheme}`")
        host = parts.hostname or ""
        port = parts.port or _DEFAULT_PORTS[scheme]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = f"[{host}]" if ":" in host else host
        if port != _DEFAULT_PORTS[scheme]:
            host_header += f":{port}"
        deadline = time.monotonic() + timeout
        watchdog = _Watchdog(timeout)  # the whole exchange, however slowly the peer drips
        sock: socket.socket | None = None
        try:
            sock = socket.create_connection((connect_ip, port), timeout=max(timeout, 0.001))
            watchdog.watch(sock.fileno())
            if scheme == "https":
                _limit(sock, deadline)
                sock = self._context().wrap_socket(sock, server_hostname=host.partition("%")[0])
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
            conn.sock = sock  # already connected (and checked): connect() is never called
            sent = {
                "Host": host_header,
                "Accept-Encoding": "identity",
                "Connection": "close",
                **headers,
            }
            _limit(sock, deadline)
            conn.request(method, target, body=body, headers=sent)
            _limit(sock, deadline)
            response = conn.getresponse()
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes:
                if response.isclosed():
                    break
                _limit(sock, deadline)
                chunk = response.read(min(_READ_CHUNK, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if watchdog.expired:  # the read ended because the watchdog shut the socket
                raise TimeoutError("the request took longer than its timeout")
            merged: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                merged[key] = f"{merged[key]}, {value}" if key in merged else value
            return HttpResponse(response.status, merged, b"".join(chunks), url)
        except Exception as exc:
            if watchdog.expired and not isinstance(exc, TimeoutError):
                raise TimeoutError("the request took longer than its timeout") from exc
            raise
        finally:
            watchdog.stop()  # before the close: the watchdog never touches a reused fd
            if sock is not None:
                sock.close()


class _Watchdog:
    """Shuts a socket down (both ways) when a request's time is up, so a read blocked on a
    peer that sends one byte at a time returns at once: per-operation socket timeouts alone
    let a slow-drip server hold a request for as long as it keeps dripping."""

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._fd = -1
        self._stopped = False
        self.expired = False
        self._timer = threading.Timer(max(0.0, timeout), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, fd: int) -> None:
        with self._lock:
            self._fd = fd
            if self.expired:
                _shutdown(fd)

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self.expired = True
            if self._fd >= 0:
                _shutdown(self._fd)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self._timer.cancel()


def _shutdown(fd: int) -> None:
    """``shutdown(SHUT_RDWR)`` on a socket by its descriptor (TLS wrapping keeps the number,
    not the Python object), without closing it: its owner does that."""
    try:
        probe = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        probe.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        probe.detach()


def _limit(sock: socket.socket, deadline: float) -> None:
    """Give the next socket operation only the time left before ``deadline``."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the request took longer than its timeout")
    if sock.fileno() != -1:  # http.client may already have closed it after a full read
        sock.settimeout(left)


# --------------------------------------------------------------------------- helpers


class _Refused(Exception):
    """Internal: the request cannot go ahead; the text is the error value's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refuse(message: str) -> NoReturn:
    raise _Refused(message)


def _shown(text: str) -> str:
    """``text`` made safe to quote in a one-line message."""
    cleaned = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if len(cleaned) > _MAX_SHOWN:
        cleaned = cleaned[: _MAX_SHOWN - 1] + "…"
    return cleaned


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _describe(value: Any) -> str:
    kind = type_name(value)
    if kind == "NULL":
        return "null"
    if kind in ("NUM", "BOOL"):
        return f"{kind} {json.dumps(value)}"
    return kind


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit} bytes"


def _status_text(status: int) -> str:
    try:
        return f"HTTP {status} ({HTTPStatus(status).phrase})"
    except ValueError:
        return f"HTTP {status}"


def _lower_headers(headers: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = str(name).lower()
        out[key] = f"{out[key]}, {value}" if key in out else str(value)
    return out


def _content_type(headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """(lower-case media type, parameters) of a lower-cased header dict."""
    raw = headers.get("content-type", "")
    media, *params = raw.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        key, sep, value = param.partition("=")
        if sep:
            parsed[key.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), parsed


def is_json_content_type(content_type: str) -> bool:
    """``application/json`` or any ``…+json`` media type (parameters ignored)."""
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (media.endswith("+json") and "/" in media)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_response_body(response: HttpResponse) -> Any:
    """The Lexis value of a response body: parsed JSON for a JSON content type (``null``
    when empty), else text. Raises ValueError when a JSON-typed body is not valid JSON."""
    headers = _lower_headers(response.headers)
    media, params = _content_type(headers)
    if is_json_content_type(media):
        if response.body.strip() == b"":
            return None
        try:
            return json.loads(response.body, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            detail = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise ValueError(
                f"the response from `{_shown(response.url)}` has content type `{media}` "
                f"but its body is not valid JSON: {detail}"
            ) from exc
    charset = params.get("charset", "utf-8")
    try:
        codecs.lookup(charset)
        return response.body.decode(charset, errors="replace")
    except (LookupError, ValueError):
        return response.body.decode("utf-8", errors="replace")


def _encode_body(body: Any, *, null_as_json: bool) -> tuple[bytes | None, str | None]:
    """(bytes, content type) for a Lexis value: strings as UTF-8 text, everything else as
    JSON; ``None`` with ``null_as_json`` False means no body at all."""
    if body is None and not null_as_json:
        return None, None
    if isinstance(body, str):
        try:
            return body.encode("utf-8"), "text/plain; charset=utf-8"
        except UnicodeEncodeError:
            _refuse("the request body is not valid Unicode text (it has a lone surrogate)")
    if body is None or isinstance(body, (bool, int, float, list, dict)):
        try:
            text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            return text.encode("utf-8"), "application/json"
        except (TypeError, ValueError) as exc:
            _refuse(f"the request body cannot be sent as JSON: {exc}")
    _refuse(f"a {type_name(body)} value cannot be sent as a request body")


@dataclass(frozen=True)
class _Config:
    allow_http: bool
    follow_redirects: bool
    timeout: float
    by_run: bool = False  # the timeout is what was left of the run's time limit


def _budget(settings: _Config) -> str:
    text = _seconds(round(settings.timeout, 3))
    return f"{text} (what was left of the run's time limit)" if settings.by_run else text


@dataclass(frozen=True)
class _Target:
    url: str  # canonical URL actually requested
    scheme: str
    host: str  # normalised host as in the URL (IPv6 in brackets)
    port: int
    literal: IPAddress | None  # the host is this address


def _is_loopback(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            return mapped.is_loopback
        return int(address) == 1
    return address.is_loopback


# --------------------------------------------------------------------------- client


class NetworkClient:
    """Applies the network rules of LEXIS.md §4 around a :class:`Transport`.

    ``allowed_domains`` is the program's list (None when the program has none: every request
    is refused). ``_test_allow_loopback`` lets tests talk to a server on 127.0.0.1/::1: it
    exempts loopback addresses (only those) from the SSRF rule. It is a constructor keyword
    only; nothing a program can write reaches it, and the CLI and language server never set it.
    """

    def __init__(
        self,
        allowed_domains: Sequence[str] | None,
        *,
        resolver: Resolver | None = None,
        transport: Transport | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        default_timeout: float = DEFAULT_TIMEOUT,
        _test_allow_loopback: bool = False,
    ) -> None:
        if isinstance(allowed_domains, str):
            allowed_domains = [allowed_domains]
        self.allowed_domains: list[str] | None = (
            None
            if allowed_domains is None
            else [d for d in allowed_domains if isinstance(d, str) and d.strip()]
        )
        self._declared = allowed_domains is not None
        self.resolver: Resolver = resolver if resolver is not None else SystemResolver()
        self.transport: Transport = transport if transport is not None else HttpTransport()
        self.max_bytes = max_bytes
        self.default_timeout = default_timeout
        self._allow_loopback = _test_allow_loopback

    # -- public API

    def request(self, call: Call, method: Any, url: Any, body: Any, config: Any) -> Any:
        """``http_request`` semantics: ``{"status", "headers", "body"}`` with lower-case
        header names and the parsed body, any status returned as data; ``body`` None sends no
        body. Returns an error value (never raises) when the request is refused or fails."""
        response = self.fetch(call, method, url, body, config)
        if isinstance(response, ErrorValue):
            return response
        try:
            parsed = parse_response_body(response)
        except ValueError as exc:
            return call.error(str(exc))
        return {
            "status": response.status,
            "headers": _lower_headers(response.headers),
            "body": parsed,
        }

    def fetch(
        self,
        call: Call,
        method: Any,
        url: Any,
        body: Any,
        config: Any,
        *,
        null_as_json: bool = False,
    ) -> HttpResponse | ErrorValue:
        """Check, send and (when allowed) follow redirects; the final raw response, or an
        error value. ``null_as_json`` sends a None body as JSON ``null`` (``http_post``)."""
        run_deadline = getattr(call, "deadline", None)  # the run's, on the evaluator's calls
        try:
            return self._fetch(
                method,
                url,
                body,
                config,
                null_as_json=null_as_json,
                run_deadline=run_deadline if isinstance(run_deadline, float) else None,
            )
        except _Refused as refused:
            return call.error(refused.message)
        except Exception as exc:  # never let a builtin raise
            return call.error(f"network request failed: {type(exc).__name__}: {exc}")

    # -- steps

    def _fetch(
        self,
        method: Any,
        url: Any,
        body: Any,
        config: Any,
        *,
        null_as_json: bool,
        run_deadline: float | None = None,
    ) -> HttpResponse:
        if not isinstance(url, str):
            _refuse(f"the url must be a string, not {_describe(url)}")
        settings = self._config(config)
        verb = self._method(method)
        data, content_type = _encode_body(body, null_as_json=null_as_json)
        self._require_allowlist()

        # One total deadline: DNS, connect, headers and body of every hop, never past the run's.
        deadline = time.monotonic() + settings.timeout
        budget = settings.timeout
        if run_deadline is not None and run_deadline < deadline:
            deadline = run_deadline
            budget = max(0.0, run_deadline - time.monotonic())
            settings = _Config(settings.allow_http, settings.follow_redirects, budget, True)
        target = self._target(url, settings)
        previous: str | None = None  # the URL that redirected to `target`
        hops = 0
        while True:
            try:
                addresses = self._resolve(target, deadline)
            except _Refused as refused:
                if previous is None:
                    raise
                _refuse(self._hop_refused(hops, previous, target.url, refused))
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                _refuse(f"the request to `{_shown(url)}` timed out after {_budget(settings)}")
            headers = {"User-Agent": _USER_AGENT, "Accept": "*/*"}
            if data is not None and content_type is not None:
                headers["Content-Type"] = content_type
            response = self._send(verb, target, addresses[0], headers, data, timeout, settings)
            if len(response.body) > self.max_bytes:
                _refuse(
                    f"the response from `{_shown(target.url)}` is larger than the "
                    f"{_size(self.max_bytes)} limit"
                )
            location = _lower_headers(response.headers).get("location")
            if (
                response.status not in REDIRECT_STATUSES
                or location is None
                or not settings.follow_redirects
            ):
                return response
            hops += 1
            previous = target.url
            next_url = urljoin(previous, location.strip())
            if hops > MAX_REDIRECTS:
                _refuse(
                    f"too many redirects: `{_shown(url)}` redirected more than {MAX_REDIRECTS} "
                    f"times (the last one to `{_shown(next_url)}`)"
                )
            try:
                target = self._target(next_url, settings)
            except _Refused as refused:
                _refuse(self._hop_refused(hops, previous, next_url, refused))
            if response.status == 303 or (response.status in (301, 302) and verb == "POST"):
                if verb != "HEAD":
                    verb = "GET"
                data, content_type = None, None

    @staticmethod
    def _hop_refused(hop: int, source: str, destination: str, refused: _Refused) -> str:
        return (
            f"redirect {hop} from `{_shown(source)}` to `{_shown(destination)}` refused: "
            f"{refused.message}"
        )

    def _config(self, config: Any) -> _Config:
        if config is None:
            return _Config(False, False, self.default_timeout)
        if not isinstance(config, dict):
            _refuse(
                "the node's value must be a config object such as "
                f'{{"allow_http": true, "timeout": 10}}, not {_describe(config)}'
            )
        flags: dict[str, bool] = {}
        for key in ("allow_http", "follow_redirects"):
            value = config.get(key, False)
            if type(value) is not bool:
                _refuse(
                    f"`{key}` in the node's config must be true or false, not {_describe(value)}"
                )
            flags[key] = value
        timeout = config.get("timeout")
        if timeout is None:
            seconds = self.default_timeout
        elif type(timeout) not in (int, float) or not math.isfinite(timeout) or timeout <= 0:
            _refuse(
                f"`timeout` in the node's config must be a positive number of seconds "
                f"(at most {MAX_TIMEOUT:g}), not {_describe(timeout)}"
            )
        else:
            seconds = min(float(timeout), MAX_TIMEOUT)
        return _Config(flags["allow_http"], flags["follow_redirects"], seconds)

    @staticmethod
    def _method(method: Any) -> str:
        if not isinstance(method, str):
            _refuse(f'the method must be a string such as "GET", not {_describe(method)}')
        verb = method.strip().upper()
        if verb not in METHODS:
            _refuse(f"unsupported HTTP method `{_shown(method)}`; use one of {', '.join(METHODS)}")
        return verb

    def _require_allowlist(self) -> None:
        if self.allowed_domains:
            return
        if not self._declared:
            _refuse(
                "network access is blocked: the program has no `allowed_domains`; list the "
                'hosts it may contact, e.g. "allowed_domains": ["api.example.com"]'
            )
        _refuse(
            "network access is blocked: the program's `allowed_domains` is empty; list the "
            'hosts it may contact, e.g. "allowed_domains": ["api.example.com"]'
        )

    def _target(self, url: str, settings: _Config) -> _Target:
        """Static checks (scheme, user info, allowlist, literal-IP SSRF) and the canonical
        URL; no I/O."""
        problems = check_url(url, self.allowed_domains, allow_http=settings.allow_http)
        for kind in ("invalid_url", "scheme", "ssrf", "host_not_allowed"):
            for problem in problems:
                if problem.kind != kind:
                    continue
                if kind == "ssrf" and self._allow_loopback:
                    continue  # the address check below exempts loopback (and only loopback)
                _refuse(problem.message)
        parts = urlsplit(url.strip(_C0_OR_SPACE))
        scheme = parts.scheme.lower()
        if "@" in parts.netloc:
            _refuse(
                f"`{_shown(url)}` contains user info (`user:password@`); credentials in URLs "
                "are not supported"
            )
        host = url_host(url)
        if host is None or scheme not in _DEFAULT_PORTS:  # check_url accepted it, so unreachable
            _refuse(f"`{_shown(url)}` is not a valid URL")
        hostport = parts.netloc
        if hostport.startswith("["):
            port_text = hostport[hostport.find("]") + 1 :].removeprefix(":")
        else:
            port_text = hostport.partition(":")[2]
        port = int(port_text) if port_text else _DEFAULT_PORTS[scheme]
        if port == 0:
            _refuse(f"`{_shown(url)}` uses port 0, which cannot be connected to")
        literal = parse_ip_host(host)
        url_host_text = host.replace("%", "%25") if host.startswith("[") else host
        netloc = url_host_text if port == _DEFAULT_PORTS[scheme] else f"{url_host_text}:{port}"
        path = quote(parts.path or "/", safe=_PATH_SAFE)
        query = quote(parts.query, safe=_QUERY_SAFE)
        canonical = f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")
        return _Target(canonical, scheme, host, port, literal)

    def _resolve(self, target: _Target, deadline: float | None = None) -> list[IPAddress]:
        """Every address the host has, each checked; refuses if any is blocked."""
        name = target.host.strip("[]")
        if target.literal is not None:
            addresses: list[IPAddress] = [target.literal]
        else:
            try:
                if isinstance(self.resolver, SystemResolver) and deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("no time was left for the DNS lookup")
                    raw = self.resolver.resolve(name, target.port, timeout=left)
                else:
                    raw = self.resolver.resolve(name, target.port)
            except Exception as exc:
                _refuse(f"DNS lookup for `{_shown(name)}` failed: {exc or type(exc).__name__}")
            addresses = []
            for text in raw:
                address = parse_ip_host(str(text))
                if address is None:
                    _refuse(
                        f"DNS lookup for `{_shown(name)}` returned `{_shown(str(text))}`, which is not an IP address"
                    )
                addresses.append(address)
            if not addresses:
                _refuse(f"DNS lookup for `{_shown(name)}` returned no addresses")
        for address in addresses:
            if self._allow_loopback and _is_loopback(address):
                continue
            problem = resolved_address_problem(target.url, target.host, address)
            if problem is not None:
                _refuse(problem.message)
        return addresses

    def _send(
        self,
        method: str,
        target: _Target,
        address: IPAddress,
        headers: dict[str, str],
        data: bytes | None,
        timeout: float,
        settings: _Config,
    ) -> HttpResponse:
        shown = f"`{_shown(target.url)}`"
        try:
            return self.transport.send(
                method,
                target.url,
                connect_ip=str(address),
                headers=headers,
                body=data,
                timeout=timeout,
                max_bytes=self.max_bytes,
            )
        except TimeoutError:
            _refuse(f"the request to {shown} timed out after {_budget(settings)}")
        except ssl.SSLCertVerificationError as exc:
            detail = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
            _refuse(f"TLS certificate verification failed for {shown}: {detail}")
        except ssl.SSLError as exc:
            _refuse(f"TLS failure talking to {shown}: {getattr(exc, 'reason', None) or exc}")
        except ConnectionRefusedError:
            _refuse(f"the connection to {shown} ({address}) was refused")
        except http.client.RemoteDisconnected:
            _refuse(f"{shown} closed the connection without sending a response")
        except http.client.HTTPException as exc:
            _refuse(f"{shown} sent an invalid HTTP response: {type(exc).__name__} {exc}".rstrip())
        except ConnectionError as exc:
            _refuse(f"the connection to {shown} failed: {exc.strerror or exc}")
        except OSError as exc:
            _refuse(f"network error talking to {shown}: {exc.strerror or exc}")


# --------------------------------------------------------------------------- builtins


def _arity(call: Call, op: str, args: list[Any], names: str, count: int) -> ErrorValue | None:
    if len(args) != count:
        return call.error(
            f"{op} takes {count} input{'s' if count != 1 else ''} ({names}), got {len(args)}"
        )
    return None


def _body_of(call: Call, method: str, response: HttpResponse | ErrorValue) -> Any:
    """http_get/http_post: the parsed body of a 2xx response, else an error value."""
    if isinstance(response, ErrorValue):
        return response
    status = response.status
    if not 200 <= status <= 299:
        headers = _lower_headers(response.headers)
        location = headers.get("location")
        if status in REDIRECT_STATUSES and location is not None:
            return call.error(
                f"{method} `{_shown(response.url)}` answered {_status_text(status)}, a redirect "
                f"to `{_shown(location)}`; redirects are not followed unless the node's value "
                f"has {_FOLLOW}"
            )
        message = f"{method} `{_shown(response.url)}` answered {_status_text(status)}"
        snippet = " ".join(response.body[:_SNIPPET].decode("utf-8", errors="replace").split())
        if snippet:
            message += f": {_shown(snippet)}"
        return call.error(message)
    try:
        return parse_response_body(response)
    except ValueError as exc:
        return call.error(str(exc))


def _first_error(args: list[Any]) -> ErrorValue | None:
    for arg in args:
        if isinstance(arg, ErrorValue):
            return arg
    return None


def http_get(client: NetworkClient, call: Call, args: list[Any]) -> Any:
    """``http_get(url)``: the response body (parsed JSON or text); non-2xx -> error value."""
    problem = _arity(call, "http_get", args, "url", 1) or _first_error(args)
    if problem is not None:
        return problem
    return _body_of(call, "GET", client.fetch(call, "GET", args[0], None, call.value))


def http_post(client: NetworkClient, call: Call, args: list[Any]) -> Any:
    """``http_post(url, body)``: dicts, lists and other non-strings sent as JSON, strings as
    UTF-8 text; the response body; non-2xx -> error value."""
    problem = _arity(call, "http_post", args, "url, body", 2) or _first_error(args)
    if problem is not None:
        return problem
    response = client.fetch(call, "POST", args[0], args[1], call.value, null_as_json=True)
    return _body_of(call, "POST", response)


def http_request(client: NetworkClient, call: Call, args: list[Any]) -> Any:
    """``http_request(url, method, body)`` -> ``{"status", "headers", "body"}``."""
    problem = _arity(call, "http_request", args, "url, method, body", 3) or _first_error(args)
    if problem is not None:
        return problem
    url, method, body = args
    return client.request(call, method, url, body, call.value)
