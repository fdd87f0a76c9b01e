"""Tests for lexis_ls.run.network (LEXIS.md §4 network rules; §6 http_get/http_post/http_request).

No test touches the internet: the client gets a fake resolver and a recording fake transport,
and every refused request is checked to have made no transport call. The end-to-end tests use
the real HttpTransport against an http.server on 127.0.0.1 started here.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexis_ls.lang.netpolicy import is_blocked_address
from lexis_ls.lang.values import ErrorValue
from lexis_ls.run.core import SimpleCall
from lexis_ls.run.network import (
    DEFAULT_MAX_BYTES,
    MAX_REDIRECTS,
    HttpResponse,
    HttpTransport,
    NetworkClient,
    SystemResolver,
    http_get,
    http_post,
    http_request,
    is_json_content_type,
)

PUBLIC = "93.184.216.34"
PUBLIC_2 = "93.184.216.35"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"

DNS: dict[str, list[str]] = {
    "example.com": [PUBLIC],
    "api.example.com": [PUBLIC_2],
    "other.org": [PUBLIC_V6],
    "evilexample.com": [PUBLIC],
}


# --------------------------------------------------------------------------- fakes


class FakeResolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[tuple[str, int]] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.table[host])


@dataclass
class Sent:
    method: str
    url: str
    connect_ip: str
    headers: dict[str, str]
    body: bytes | None
    timeout: float
    max_bytes: int


Reply = HttpResponse | BaseException
Handler = Callable[[Sent], Reply]


@dataclass
class FakeTransport:
    """Answers from ``handler`` (or 200 with an empty text body) and records every send."""

    handler: Handler | None = None
    calls: list[Sent] = field(default_factory=list)

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
        sent = Sent(method, url, connect_ip, dict(headers), body, timeout, max_bytes)
        self.calls.append(sent)
        reply = (
            self.handler(sent)
            if self.handler
            else HttpResponse(200, {"Content-Type": "text/plain"}, b"ok", url)
        )
        if isinstance(reply, BaseException):
            raise reply
        return reply


def reply(
    body: bytes | str | Any = b"",
    status: int = 200,
    content_type: str | None = "text/plain",
    headers: dict[str, str] | None = None,
) -> Handler:
    """A handler giving one fixed response (dict/list bodies are sent as JSON)."""
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        content_type = content_type if content_type != "text/plain" else "application/json"
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body
    all_headers = dict(headers or {})
    if content_type is not None:
        all_headers["Content-Type"] = content_type

    def handle(sent: Sent) -> Reply:
        return HttpResponse(status, all_headers, data, sent.url)

    return handle


def make(
    allowed: list[str] | None = None,
    handler: Handler | None = None,
    *,
    table: dict[str, list[str]] | None = None,
    **kwargs: Any,
) -> tuple[NetworkClient, FakeResolver, FakeTransport]:
    resolver = FakeResolver(DNS if table is None else table)
    transport = FakeTransport(handler)
    client = NetworkClient(
        ["example.com"] if allowed is None else allowed,
        resolver=resolver,
        transport=transport,
        **kwargs,
    )
    return client, resolver, transport


def get(client: NetworkClient, url: Any, config: Any = None) -> Any:
    return http_get(client, SimpleCall("n1", config), [url])


def message(value: Any) -> str:
    assert isinstance(value, ErrorValue), f"expected an error value, got {value!r}"
    assert value.node == "n1"
    return value.message


# --------------------------------------------------------------------------- allowlist


@pytest.mark.parametrize(
    ("url", "host", "ip"),
    [
        ("https://example.com/", "example.com", PUBLIC),
        ("https://api.example.com/v1", "api.example.com", PUBLIC_2),
        ("https://API.Example.COM./v1", "api.example.com", PUBLIC_2),
    ],
)
def test_allowed_hosts_exact_and_subdomain(url: str, host: str, ip: str) -> None:
    client, resolver, transport = make(["example.com"])
    assert get(client, url) == "ok"
    assert resolver.calls == [(host, 443)]
    assert [c.connect_ip for c in transport.calls] == [ip]


def test_lookalike_domain_is_not_a_subdomain() -> None:
    client, resolver, transport = make(["example.com"])
    text = message(get(client, "https://evilexample.com/"))
    assert "`evilexample.com`" in text and "not in allowed_domains" in text
    assert resolver.calls == [] and transport.calls == []


def test_parent_domain_is_not_allowed_by_a_subdomain_entry() -> None:
    client, _, transport = make(["api.example.com"])
    assert "not in allowed_domains" in message(get(client, "https://example.com/"))
    assert transport.calls == []


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [(None, "has no `allowed_domains`"), ([], "`allowed_domains` is empty"), (["  "], "empty")],
)
def test_missing_or_empty_allowlist_blocks_everything(
    allowed: list[str] | None, expected: str
) -> None:
    resolver = FakeResolver(DNS)
    transport = FakeTransport()
    client = NetworkClient(allowed, resolver=resolver, transport=transport)
    text = message(get(client, "https://example.com/"))
    assert "network access is blocked" in text and expected in text
    assert resolver.calls == [] and transport.calls == []


def test_userinfo_is_refused() -> None:
    client, _, transport = make(["example.com"])
    assert "user info" in message(get(client, "https://user:secret@example.com/"))
    # the real host of this URL is evilexample.com, which is not allowed
    assert "not in allowed_domains" in message(get(client, "https://example.com@evilexample.com/"))
    assert transport.calls == []


# --------------------------------------------------------------------------- schemes


def test_http_refused_unless_allow_http() -> None:
    client, resolver, transport = make()
    text = message(get(client, "http://example.com/"))
    assert "uses http" in text and '"allow_http": true' in text
    assert resolver.calls == [] and transport.calls == []

    assert get(client, "http://example.com/x", {"allow_http": True}) == "ok"
    assert transport.calls[0].url == "http://example.com/x"
    assert resolver.calls == [("example.com", 80)]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "ws://example.com/socket",
    ],
)
def test_other_schemes_refused_even_with_allow_http(url: str) -> None:
    client, _, transport = make()
    text = message(get(client, url, {"allow_http": True}))
    assert "scheme" in text and "only https" in text
    assert transport.calls == []


@pytest.mark.parametrize("url", ["", "not a url", "https://", "https://exa mple.com/"])
def test_invalid_urls(url: str) -> None:
    client, _, transport = make()
    assert "not a valid URL" in message(get(client, url))
    assert transport.calls == []


@pytest.mark.parametrize("url", [42, None, ["https://example.com/"], {"url": "x"}, True])
def test_url_must_be_a_string(url: Any) -> None:
    client, _, transport = make()
    text = message(get(client, url))
    assert text.startswith("the url must be a string, not ")
    assert text.endswith(("NUM 42", "null", "SEQ", "DICT", "BOOL true"))
    assert transport.calls == []


# --------------------------------------------------------------------------- SSRF


BLOCKED_RESOLUTIONS = [
    "127.0.0.1",
    "127.3.4.5",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
]


@pytest.mark.parametrize("address", BLOCKED_RESOLUTIONS)
def test_host_resolving_to_blocked_address_is_refused_without_connecting(address: str) -> None:
    client, resolver, transport = make(table={"internal.example.com": [address]})
    text = message(get(client, "https://internal.example.com/admin"))
    assert "(SSRF)" in text and "resolved to a blocked address" in text
    assert resolver.calls == [("internal.example.com", 443)]  # DNS first ...
    assert transport.calls == []  # ... and no connection at all


@pytest.mark.parametrize("order", [["93.184.216.34", "10.0.0.5"], ["10.0.0.5", "93.184.216.34"]])
def test_one_private_address_among_public_ones_is_refused(order: list[str]) -> None:
    client, _, transport = make(table={"mixed.example.com": order})
    assert "10.0.0.5 is a private address" in message(get(client, "https://mixed.example.com/"))
    assert transport.calls == []


def test_localhost_name_refused_before_dns() -> None:
    client, resolver, transport = make(["localhost", "example.com"])
    assert "(SSRF)" in message(get(client, "https://localhost/"))
    assert "(SSRF)" in message(get(client, "https://app.localhost/"))
    assert resolver.calls == [] and transport.calls == []


@pytest.mark.parametrize(
    ("url", "config"),
    [
        ("http://2130706433/", {"allow_http": True}),
        ("https://2130706433/", None),
        ("https://0x7f.1/", None),
        ("https://0x7f000001/", None),
        ("https://0177.0.0.1/", None),
        ("https://127.1/", None),
        ("https://%31%32%37.0.0.1/", None),
        ("https://[::ffff:127.0.0.1]/", None),
        ("https://[::ffff:7f00:1]/", None),
        ("https://[::1]:8443/", None),
        ("https://[fe80::1%25eth0]/", None),
        ("https://169.254.169.254/latest/meta-data/", None),
        ("https://0.0.0.0/", None),
        ("https://0/", None),
        ("https://10.0.0.1./", None),
        ("https://0xc0.0xa8.0.1/", None),
    ],
)
def test_literal_ip_spellings_refused(url: str, config: Any) -> None:
    # the addresses are even listed in allowed_domains: SSRF refusal does not depend on it
    client, resolver, transport = make(
        ["example.com", "127.0.0.1", "::1", "10.0.0.1", "169.254.169.254", "0.0.0.0"]
    )
    assert "(SSRF)" in message(get(client, url, config))
    assert resolver.calls == [] and transport.calls == []


def test_literal_public_ip_allowed_when_listed_and_not_resolved() -> None:
    client, resolver, transport = make([PUBLIC])
    assert get(client, "https://1572395042/path") == "ok"  # 93.184.216.34 as one number
    assert resolver.calls == []
    assert transport.calls[0].connect_ip == PUBLIC
    assert transport.calls[0].url == f"https://{PUBLIC}/path"


def test_literal_ipv6_public_address() -> None:
    client, resolver, transport = make([PUBLIC_V6])
    assert get(client, f"https://[{PUBLIC_V6}]:8443/") == "ok"
    assert resolver.calls == []
    assert transport.calls[0].connect_ip == PUBLIC_V6
    assert transport.calls[0].url == f"https://[{PUBLIC_V6}]:8443/"


def test_connects_to_the_checked_address_only() -> None:
    """DNS rebinding: the resolver is asked once and the transport gets that address."""
    answers = iter([[PUBLIC], ["127.0.0.1"]])

    class Rebinding:
        calls = 0

        def resolve(self, host: str, port: int) -> list[str]:
            Rebinding.calls += 1
            return next(answers)

    transport = FakeTransport()
    client = NetworkClient(["example.com"], resolver=Rebinding(), transport=transport)
    assert get(client, "https://example.com/") == "ok"
    assert Rebinding.calls == 1
    assert transport.calls[0].connect_ip == PUBLIC
    assert transport.calls[0].url == "https://example.com/"


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_any_ipv4_resolution_refused_iff_blocked(value: int) -> None:
    address = str(ipaddress.IPv4Address(value))
    client, _, transport = make(table={"h.example.com": [address]})
    result = get(client, "https://h.example.com/")
    if is_blocked_address(address):
        assert "(SSRF)" in message(result)
        assert transport.calls == []
    else:
        assert result == "ok"
        assert transport.calls[0].connect_ip == address


def test_dns_failures_are_error_values() -> None:
    client, _, transport = make(["example.com"], table={"bad.example.com": ["not-an-ip"]})
    assert "DNS lookup for `nowhere.example.com` failed" in message(
        get(client, "https://nowhere.example.com/")
    )
    assert "not an IP address" in message(get(client, "https://bad.example.com/"))
    client, _, transport2 = make(["example.com"], table={"empty.example.com": []})
    assert "no addresses" in message(get(client, "https://empty.example.com/"))
    assert transport.calls == [] and transport2.calls == []


def test_test_switch_cannot_be_set_from_a_program() -> None:
    client, _, transport = make(["127.0.0.1"])
    config = {"allow_http": True, "_test_allow_loopback": True, "test_allow_loopback": True}
    assert "(SSRF)" in message(get(client, "http://127.0.0.1/", config))
    assert transport.calls == []


def test_test_switch_exempts_loopback_only() -> None:
    table = {"lo.example.com": ["127.0.0.1"], "private.example.com": ["10.0.0.1"]}
    client, _, transport = make(
        ["example.com", "127.0.0.1", "10.0.0.1"], table=table, _test_allow_loopback=True
    )
    assert get(client, "https://lo.example.com/") == "ok"
    assert get(client, "https://127.0.0.1/") == "ok"
    assert "(SSRF)" in message(get(client, "https://private.example.com/"))
    assert "(SSRF)" in message(get(client, "https://10.0.0.1/"))
    assert [c.connect_ip for c in transport.calls] == ["127.0.0.1", "127.0.0.1"]


# --------------------------------------------------------------------------- redirects


def redirecting(chain: dict[str, tuple[int, str]], final: Handler | None = None) -> Handler:
    """Redirect from each URL in ``chain`` with (status, location); others get ``final``."""
    last = final or reply({"done": True})

    def handle(sent: Sent) -> Reply:
        if sent.url in chain:
            status, location = chain[sent.url]
            return HttpResponse(status, {"Location": location}, b"moved", sent.url)
        return last(sent)

    return handle


def test_redirect_not_followed_by_default() -> None:
    handler = redirecting({"https://example.com/a": (302, "/b")})
    client, _, transport = make(handler=handler)
    text = message(get(client, "https://example.com/a"))
    assert "HTTP 302 (Found)" in text and '"follow_redirects": true' in text and "`/b`" in text
    assert len(transport.calls) == 1


def test_http_request_returns_unfollowed_redirect_as_data() -> None:
    client, _, transport = make(handler=redirecting({"https://example.com/a": (301, "/b")}))
    result = http_request(client, SimpleCall("n1"), ["https://example.com/a", "GET", None])
    assert result["status"] == 301 and result["headers"]["location"] == "/b"
    assert len(transport.calls) == 1


def test_redirects_followed_when_enabled() -> None:
    chain = {
        "https://example.com/a": (302, "/b"),
        "https://example.com/b": (301, "https://api.example.com/c?x=1"),
    }
    client, resolver, transport = make(handler=redirecting(chain))
    assert get(client, "https://example.com/a", {"follow_redirects": True}) == {"done": True}
    assert [c.url for c in transport.calls] == [
        "https://example.com/a",
        "https://example.com/b",
        "https://api.example.com/c?x=1",
    ]
    assert [c.connect_ip for c in transport.calls] == [PUBLIC, PUBLIC, PUBLIC_2]
    assert resolver.calls == [("example.com", 443)] * 2 + [("api.example.com", 443)]


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("https://10.0.0.1/", "(SSRF)"),
        ("https://[::ffff:169.254.169.254]/", "(SSRF)"),
        ("https://2130706433/", "(SSRF)"),
        ("https://sneaky.example.com/", "resolved to a blocked address"),
        ("https://evilexample.com/", "not in allowed_domains"),
        ("https://localhost:8080/", "(SSRF)"),
        ("http://example.com/", "uses http"),
        ("file:///etc/passwd", "scheme"),
        ("https://u:p@example.com/", "user info"),
    ],
)
def test_each_redirect_hop_is_rechecked(location: str, expected: str) -> None:
    table = {**DNS, "sneaky.example.com": ["192.168.0.10"]}
    client, _, transport = make(
        ["example.com", "10.0.0.1", "127.0.0.1"],
        redirecting({"https://example.com/": (307, location)}),
        table=table,
    )
    text = message(get(client, "https://example.com/", {"follow_redirects": True}))
    assert text.startswith("redirect 1 from `https://example.com/`")
    assert expected in text
    assert len(transport.calls) == 1  # the refused hop was never contacted


def test_redirect_to_http_allowed_with_allow_http() -> None:
    handler = redirecting({"https://example.com/": (302, "http://api.example.com/x")})
    client, _, transport = make(handler=handler)
    config = {"follow_redirects": True, "allow_http": True}
    assert get(client, "https://example.com/", config) == {"done": True}
    assert transport.calls[1].url == "http://api.example.com/x"


def test_redirect_loop_is_capped() -> None:
    client, _, transport = make(handler=redirecting({"https://example.com/loop": (302, "/loop")}))
    text = message(get(client, "https://example.com/loop", {"follow_redirects": True}))
    assert f"more than {MAX_REDIRECTS} times" in text
    assert len(transport.calls) == MAX_REDIRECTS + 1


def test_exactly_max_redirects_is_fine() -> None:
    chain = {f"https://example.com/{i}": (302, f"/{i + 1}") for i in range(MAX_REDIRECTS)}
    client, _, transport = make(handler=redirecting(chain))
    assert get(client, "https://example.com/0", {"follow_redirects": True}) == {"done": True}
    assert len(transport.calls) == MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    ("status", "method", "body"),
    [(303, "GET", None), (302, "GET", None), (301, "GET", None), (307, "POST", b'{"a":1}')],
)
def test_redirect_method_rewriting(status: int, method: str, body: bytes | None) -> None:
    client, _, transport = make(handler=redirecting({"https://example.com/p": (status, "/q")}))
    call = SimpleCall("n1", {"follow_redirects": True})
    assert http_post(client, call, ["https://example.com/p", {"a": 1}]) == {"done": True}
    second = transport.calls[1]
    assert (second.method, second.body) == (method, body)
    assert ("Content-Type" in second.headers) == (body is not None)


def test_redirect_without_location_is_a_plain_status() -> None:
    client, _, transport = make(handler=reply("", status=302))
    text = message(get(client, "https://example.com/", {"follow_redirects": True}))
    assert "HTTP 302" in text and "follow_redirects" not in text
    assert len(transport.calls) == 1


# --------------------------------------------------------------------------- size and bodies


def test_response_over_the_limit_is_an_error() -> None:
    client, _, transport = make(handler=reply(b"x" * (DEFAULT_MAX_BYTES + 1)))
    assert "larger than the 10 MB limit" in message(get(client, "https://example.com/"))
    assert transport.calls[0].max_bytes == DEFAULT_MAX_BYTES


def test_response_at_the_limit_is_fine() -> None:
    client, _, transport = make(handler=reply(b"y" * 10), max_bytes=10)
    assert get(client, "https://example.com/") == "y" * 10
    client, _, transport = make(handler=reply(b"y" * 11), max_bytes=10)
    assert "larger than the 10 bytes limit" in message(get(client, "https://example.com/"))
    assert transport.calls[0].max_bytes == 10


@pytest.mark.parametrize(
    ("content_type", "data", "expected"),
    [
        ("application/json", b'{"a": [1, 2.5, null, true]}', {"a": [1, 2.5, None, True]}),
        ("Application/JSON; charset=utf-8", b"[1]", [1]),
        ("application/problem+json", b'{"title": "x"}', {"title": "x"}),
        ("application/vnd.api+json", b"42", 42),
        ("application/json", b"\xef\xbb\xbf{}", {}),
        ("application/json", b"", None),
        ("text/plain", b'{"a": 1}', '{"a": 1}'),
        ("text/html; charset=utf-8", "<p>é</p>".encode(), "<p>é</p>"),
        (None, b"plain", "plain"),
        ("text/plain", b"bad \xff byte", "bad \ufffd byte"),
        ("text/plain; charset=latin-1", b"caf\xe9", "café"),
        ("text/plain; charset=no-such-codec", b"caf\xc3\xa9", "café"),
    ],
)
def test_json_auto_parse_and_text(content_type: str | None, data: bytes, expected: Any) -> None:
    client, _, _ = make(handler=reply(data, content_type=content_type))
    assert get(client, "https://example.com/") == expected


@pytest.mark.parametrize("data", [b"{not json", b"NaN", b'{"a": Infinity}', b"\xff\xfe\x00"])
def test_invalid_json_body_is_an_error(data: bytes) -> None:
    client, _, _ = make(handler=reply(data, content_type="application/json"))
    assert "not valid JSON" in message(get(client, "https://example.com/"))


def test_is_json_content_type() -> None:
    assert is_json_content_type("application/json")
    assert is_json_content_type("application/ld+json; profile=x")
    assert not is_json_content_type("text/plain")
    assert not is_json_content_type("application/jsonp")
    assert not is_json_content_type("+json")


def test_non_2xx_is_an_error_for_get_and_post() -> None:
    client, _, _ = make(handler=reply("no such\n  thing", status=404))
    text = message(get(client, "https://example.com/missing"))
    assert "GET `https://example.com/missing` answered HTTP 404 (Not Found)" in text
    assert "no such thing" in text
    client, _, _ = make(handler=reply({"error": "boom"}, status=500))
    text = message(http_post(client, SimpleCall("n1"), ["https://example.com/", {}]))
    assert "POST" in text and "HTTP 500 (Internal Server Error)" in text and "boom" in text
    client, _, _ = make(handler=reply("", status=599))
    assert message(get(client, "https://example.com/")).endswith("answered HTTP 599")


def test_2xx_statuses_are_success() -> None:
    client, _, _ = make(handler=reply("", status=204, content_type=None))
    assert get(client, "https://example.com/") == ""
    client, _, _ = make(handler=reply({"id": 7}, status=201))
    assert http_post(client, SimpleCall("n1"), ["https://example.com/", {}]) == {"id": 7}


# --------------------------------------------------------------------------- http_post


@pytest.mark.parametrize(
    ("body", "data", "content_type"),
    [
        ({"a": 1, "b": [True, None]}, b'{"a":1,"b":[true,null]}', "application/json"),
        ([1, "two", 3.5], b'[1,"two",3.5]', "application/json"),
        ({"name": "café"}, '{"name":"café"}'.encode(), "application/json"),
        ("hello wörld", "hello wörld".encode(), "text/plain; charset=utf-8"),
        ("", b"", "text/plain; charset=utf-8"),
        (42, b"42", "application/json"),
        (2.5, b"2.5", "application/json"),
        (True, b"true", "application/json"),
        (None, b"null", "application/json"),
    ],
)
def test_http_post_body_encodings(body: Any, data: bytes, content_type: str) -> None:
    client, _, transport = make(handler=reply({"ok": True}))
    result = http_post(client, SimpleCall("n1"), ["https://example.com/in", body])
    assert result == {"ok": True}
    sent = transport.calls[0]
    assert (sent.method, sent.body, sent.headers["Content-Type"]) == ("POST", data, content_type)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (float("nan"), "cannot be sent as JSON"),
        ({"x": [float("inf")]}, "cannot be sent as JSON"),
        ({"f": object()}, "cannot be sent as JSON"),
        ("\ud800", "lone surrogate"),
        (object(), "cannot be sent as a request body"),
    ],
)
def test_unsendable_bodies(body: Any, expected: str) -> None:
    client, _, transport = make()
    assert expected in message(http_post(client, SimpleCall("n1"), ["https://example.com/", body]))
    assert transport.calls == []


# --------------------------------------------------------------------------- http_request


def test_http_request_shape() -> None:
    headers = {"X-Request-Id": "abc", "Set-Cookie": "a=1"}
    client, _, transport = make(
        handler=reply({"made": 1}, status=201, content_type="application/json", headers=headers)
    )
    result = http_request(client, SimpleCall("n1"), ["https://example.com/r", "put", {"v": 1}])
    assert result == {
        "status": 201,
        "headers": {"x-request-id": "abc", "set-cookie": "a=1", "content-type": "application/json"},
        "body": {"made": 1},
    }
    sent = transport.calls[0]
    assert (sent.method, sent.body) == ("PUT", b'{"v":1}')


def test_http_request_returns_error_statuses_as_data() -> None:
    client, _, _ = make(handler=reply("gone", status=410))
    result = http_request(client, SimpleCall("n1"), ["https://example.com/", "GET", None])
    assert result == {"status": 410, "headers": {"content-type": "text/plain"}, "body": "gone"}


@pytest.mark.parametrize("method", ["GET", "post", "Put", "PATCH", "delete", "HEAD", "options"])
def test_http_request_methods(method: str) -> None:
    client, _, transport = make()
    result = http_request(client, SimpleCall("n1"), ["https://example.com/", method, None])
    assert result["status"] == 200
    assert transport.calls[0].method == method.upper()
    assert transport.calls[0].body is None  # null body: nothing sent
    assert "Content-Type" not in transport.calls[0].headers


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "FETCH", "", "G ET", 5, None, ["GET"]])
def test_http_request_rejects_other_methods(method: Any) -> None:
    client, _, transport = make()
    text = message(http_request(client, SimpleCall("n1"), ["https://example.com/", method, None]))
    assert "method" in text
    if isinstance(method, str):
        assert "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS" in text
    assert transport.calls == []


def test_duplicate_header_names_are_merged_lower_case() -> None:
    def handle(sent: Sent) -> Reply:
        return HttpResponse(200, {"X-A": "1", "x-a": "2"}, b"", sent.url)

    client, _, _ = make(handler=handle)
    result = http_request(client, SimpleCall("n1"), ["https://example.com/", "GET", None])
    assert result["headers"] == {"x-a": "1, 2"}


# --------------------------------------------------------------------------- builtin plumbing


def test_arity_and_error_propagation() -> None:
    client, _, transport = make()
    call = SimpleCall("n1")
    assert "http_get takes 1 input" in message(http_get(client, call, []))
    assert "http_post takes 2 inputs" in message(http_post(client, call, ["https://example.com/"]))
    assert "http_request takes 3 inputs" in message(http_request(client, call, ["u", "GET"]))
    upstream = ErrorValue("earlier failure", "n0")
    assert http_get(client, call, [upstream]) is upstream
    assert http_request(client, call, ["https://example.com/", "GET", upstream]) is upstream
    assert transport.calls == []


def test_request_sent_is_canonical() -> None:
    client, _, transport = make()
    assert get(client, "  https://Example.COM:443/a b/ü?q=ü&r=1#frag  ") == "ok"
    sent = transport.calls[0]
    assert sent.url == "https://example.com/a%20b/%C3%BC?q=%C3%BC&r=1"
    assert sent.headers["User-Agent"].startswith("lexis-ls/")
    get(client, "https://example.com:8443")
    assert transport.calls[1].url == "https://example.com:8443/"


# --------------------------------------------------------------------------- transport failures


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (TimeoutError("timed out"), "timed out after 30 s"),
        (ConnectionRefusedError(111, "Connection refused"), "was refused"),
        (ConnectionResetError(104, "Connection reset by peer"), "Connection reset by peer"),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), "TLS certificate"),
        (ssl.SSLError(1, "wrong version number"), "TLS failure"),
        (http.client.RemoteDisconnected("Remote end closed"), "without sending a response"),
        (http.client.BadStatusLine("garbage"), "invalid HTTP response: BadStatusLine"),
        (OSError(101, "Network is unreachable"), "Network is unreachable"),
        (RuntimeError("surprise"), "network request failed: RuntimeError: surprise"),
    ],
)
def test_transport_exceptions_become_error_values(exc: BaseException, expected: str) -> None:
    def handle(sent: Sent) -> Reply:
        return exc

    client, _, transport = make(handler=handle)
    assert expected in message(get(client, "https://example.com/"))
    assert len(transport.calls) == 1


def test_resolver_exceptions_become_error_values() -> None:
    class Broken:
        def resolve(self, host: str, port: int) -> list[str]:
            raise TimeoutError("DNS lookup timed out after 30 s")

    transport = FakeTransport()
    client = NetworkClient(["example.com"], resolver=Broken(), transport=transport)
    assert "DNS lookup for `example.com` failed" in message(get(client, "https://example.com/"))
    assert transport.calls == []


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("config", "seconds"),
    [
        (None, 30.0),
        ({}, 30.0),
        ({"timeout": 5}, 5.0),
        ({"timeout": 0.25}, 0.25),
        ({"timeout": 30}, 30.0),
        ({"timeout": 120}, 30.0),  # clamped to MAX_TIMEOUT
        ({"timeout": None}, 30.0),
    ],
)
def test_timeout_config(config: Any, seconds: float) -> None:
    client, _, transport = make()
    assert get(client, "https://example.com/", config) == "ok"
    # one total deadline: what the checks and the DNS lookup took is already spent
    assert seconds - 0.1 < transport.calls[0].timeout <= seconds


def test_default_timeout_from_constructor() -> None:
    client, _, transport = make(default_timeout=7.0)
    get(client, "https://example.com/")
    assert 6.9 < transport.calls[0].timeout <= 7.0


def test_redirect_hops_share_one_deadline() -> None:
    def handle(sent: Sent) -> Reply:
        if sent.url.endswith("/a"):
            time.sleep(0.05)
            return HttpResponse(302, {"Location": "/b"}, b"", sent.url)
        return HttpResponse(200, {}, b"ok", sent.url)

    client, _, transport = make(handler=handle)
    get(client, "https://example.com/a", {"follow_redirects": True, "timeout": 2})
    assert 1.9 < transport.calls[0].timeout <= 2.0
    assert 0 < transport.calls[1].timeout <= 1.96


@pytest.mark.parametrize(
    "timeout", [0, -1, -0.5, "5", True, False, float("nan"), float("inf"), [5], {"s": 5}]
)
def test_invalid_timeout_config(timeout: Any) -> None:
    client, _, transport = make()
    text = message(get(client, "https://example.com/", {"timeout": timeout}))
    assert "`timeout` in the node's config must be a positive number of seconds" in text
    assert transport.calls == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("fast", "must be a config object"),
        ([1], "must be a config object"),
        (5, "must be a config object"),
        ({"allow_http": "yes"}, "`allow_http` in the node's config must be true or false"),
        ({"follow_redirects": 1}, "`follow_redirects` in the node's config must be true"),
    ],
)
def test_invalid_config(config: Any, expected: str) -> None:
    client, _, transport = make()
    assert expected in message(get(client, "https://example.com/", config))
    assert transport.calls == []


# --------------------------------------------------------------------------- end to end


class _Handler(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, str]]] = []  # (method, path) seen by the server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, data: bytes, content_type: str, **extra: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        _Handler.requests.append(("GET", self.path))
        if self.path == "/data":
            payload = {"hello": "world", "n": [1, 2.5], "host": self.headers["Host"]}
            self._send(200, json.dumps(payload).encode(), "application/json")
        elif self.path == "/big":
            self._send(200, b"z" * 5000, "text/plain")
        elif self.path == "/slow":
            time.sleep(1.0)
            self._send(200, b"late", "text/plain")
        elif self.path == "/redirect":
            self._send(302, b"", "text/plain", Location="/data")
        else:
            self._send(404, b"not here", "text/plain")

    def do_POST(self) -> None:
        _Handler.requests.append(("POST", self.path))
        length = int(self.headers.get("Content-Length", "0"))
        received = self.rfile.read(length).decode()
        payload = {"got": received, "type": self.headers["Content-Type"]}
        self._send(200, json.dumps(payload).encode(), "application/vnd.echo+json")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_end_to_end_with_real_transport(server: str) -> None:
    client = NetworkClient(["127.0.0.1"], _test_allow_loopback=True)
    call = SimpleCall("n1", {"allow_http": True, "timeout": 5})

    assert http_get(client, call, [f"http://{server}/data"]) == {
        "hello": "world",
        "n": [1, 2.5],
        "host": server,
    }
    echoed = http_post(client, call, [f"http://{server}/echo", {"a": [1, "ü"]}])
    assert echoed == {"got": '{"a":[1,"ü"]}', "type": "application/json"}
    echoed = http_post(client, call, [f"http://{server}/echo", "just text"])
    assert echoed == {"got": "just text", "type": "text/plain; charset=utf-8"}
    result = http_request(client, call, [f"http://{server}/nope", "get", None])
    assert result["status"] == 404 and result["body"] == "not here"
    assert result["headers"]["content-type"] == "text/plain"

    seen = len(_Handler.requests)
    strict = NetworkClient(["127.0.0.1"])  # what the CLI builds: no test switch
    assert "(SSRF)" in message(http_get(strict, call, [f"http://{server}/data"]))
    assert len(_Handler.requests) == seen  # refused before any connection


def test_real_transport_limits_redirects_and_timeouts(server: str) -> None:
    call = SimpleCall("n1", {"allow_http": True, "timeout": 5})
    small = NetworkClient(["127.0.0.1"], max_bytes=1000, _test_allow_loopback=True)
    assert "larger than the 1000 bytes limit" in message(
        http_get(small, call, [f"http://{server}/big"])
    )

    client = NetworkClient(["127.0.0.1"], _test_allow_loopback=True)
    assert "follow_redirects" in message(http_get(client, call, [f"http://{server}/redirect"]))
    follow = SimpleCall("n1", {"allow_http": True, "follow_redirects": True})
    assert http_get(client, follow, [f"http://{server}/redirect"])["hello"] == "world"

    hurry = SimpleCall("n1", {"allow_http": True, "timeout": 0.2})
    started = time.monotonic()
    assert "timed out after 0.2 s" in message(http_get(client, hurry, [f"http://{server}/slow"]))
    assert time.monotonic() - started < 0.9


def test_real_transport_connection_and_tls_failures(server: str) -> None:
    client = NetworkClient(["127.0.0.1"], _test_allow_loopback=True)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    text = message(
        http_get(
            client, SimpleCall("n1", {"allow_http": True}), [f"http://127.0.0.1:{closed_port}/"]
        )
    )
    assert "refused" in text
    # https to a plain-http server: the TLS handshake fails, as an error value
    text = message(http_get(client, SimpleCall("n1", {"timeout": 5}), [f"https://{server}/data"]))
    assert f"`https://{server}/data`" in text


def test_http_transport_never_resolves_connect_ip() -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        HttpTransport().send(
            "GET",
            "https://example.com/",
            connect_ip="example.com",
            headers={},
            body=None,
            timeout=1,
            max_bytes=10,
        )


def test_system_resolver_without_internet() -> None:
    assert SystemResolver(timeout=5).resolve("127.0.0.1", 80) == ["127.0.0.1"]
    assert set(SystemResolver(timeout=5).resolve("localhost", 80)) & {"127.0.0.1", "::1"}
