"""Issue 14 item 4: SSRF by routability.

Only globally routable addresses may be contacted. Every special-purpose range, in every
spelling a URL parser accepts and in every IPv6 form that embeds an IPv4 address, is refused
statically (LX2007 on a constant URL) and at run time (literal hosts, DNS answers, redirect
hops) — also when the host is listed in ``allowed_domains``, which allows names, never
non-global addresses. No connection is ever attempted to a refused address.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.netpolicy import check_url, is_blocked_address
from lexis_ls.lang.values import ErrorValue
from lexis_ls.run.core import SimpleCall
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.network import HttpResponse, NetworkClient, http_get

# One address in (or at the edge of) every refused range.
REFUSED_V4 = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "100.64.0.1",
    "100.100.100.200",  # a cloud metadata service lives here
    "100.127.255.254",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.254",
    "192.0.0.1",
    "192.0.0.170",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.19.255.254",
    "198.51.100.7",
    "203.0.113.7",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "250.1.2.3",
    "255.255.255.255",
]
REFUSED_V6 = [
    "::",
    "::1",
    "fe80::1",
    "febf::1",
    "fec0::1",
    "fc00::1",
    "fd00:ec2::254",  # another cloud metadata address
    "ff02::1",
    "ff0e::1",
    "100::1",
    "2001:db8::1",
    "3fff::1",
    "64:ff9b:1::a00:1",
    "2001:2::1",
    "4000::1",
    "fe00::1",
]
PUBLIC_V4 = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.0", "198.20.0.1"]
PUBLIC_V6 = ["2606:4700:4700::1111", "2a00:1450:4001:82a::200e"]


def v4_spellings(text: str) -> list[str]:
    value = int(ipaddress.IPv4Address(text))
    a, b, c, d = ipaddress.IPv4Address(value).packed
    return [
        f"{a}.{b}.{c}.{d}",
        f"{a}.{b}.{c}.{d}.",  # trailing dot
        str(value),  # one decimal number
        f"{value}.",
        hex(value),  # one hex number
        "0" + oct(value)[2:],  # one octal number
        f"{a:#o}.{b:#o}.{c:#o}.{d:#o}".replace("0o", "0"),  # dotted octal
        f"{a:#x}.{b:#x}.{c:#x}.{d:#x}",  # dotted hex
        f"{a:#X}.{b}.{c}.{d}".replace("0X", "0x"),
        f"{a}.{(b << 16) | (c << 8) | d}",  # short forms
        f"{a}.{b}.{(c << 8) | d}",
        f"0{a:o}.0x{b:x}.{(c << 8) | d}",  # mixed
        "".join(f"%{ord(ch):02x}" for ch in f"{a}.{b}.{c}.{d}"),  # percent-encoded
        "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in f"{a}.{b}.{c}.{d}"),
    ]


def v6_forms(text: str) -> list[str]:
    """Every IPv6 form that embeds the IPv4 address ``text``."""
    value = int(ipaddress.IPv4Address(text))
    a, b, c, d = ipaddress.IPv4Address(value).packed
    return [
        f"[::ffff:{text}]",  # IPv4-mapped
        f"[::ffff:{value >> 16:x}:{value & 0xFFFF:x}]",
        f"[::FFFF:{text}]",
        f"[0:0:0:0:0:ffff:{text}]",
        f"[::ffff:0:{text}]",  # IPv4-translated
        f"[::{text}]" if value > 1 else "[::ffff:0.0.0.0]",  # IPv4-compatible
        f"[64:ff9b::{text}]",  # NAT64
        f"[64:ff9b::{value >> 16:x}:{value & 0xFFFF:x}]",
        f"[2002:{a:02x}{b:02x}:{c:02x}{d:02x}::1]",  # 6to4
        f"[2001:0:4136:e378:8000:63bf:{(~value >> 16) & 0xFFFF:x}:{~value & 0xFFFF:x}]",  # Teredo
    ]


REFUSED_HOSTS = [
    *(s for ip in REFUSED_V4 for s in v4_spellings(ip)),
    *(f for ip in REFUSED_V4 for f in v6_forms(ip)),
    *(f"[{ip}]" for ip in REFUSED_V6),
    "[fe80::1%25eth0]",
    "localhost",
    "LOCALHOST.",
    "metadata.localhost",
]
PUBLIC_HOSTS = [
    *(s for ip in PUBLIC_V4 for s in v4_spellings(ip)[:6]),
    *(f for ip in PUBLIC_V4 for f in v6_forms(ip)),
    *(f"[{ip}]" for ip in PUBLIC_V6),
]


def literal(host: str) -> str:
    """The host as an allowed_domains entry: the very spelling of the URL."""
    return host


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("ip", REFUSED_V4 + REFUSED_V6)
def test_every_special_purpose_range_is_blocked(ip: str) -> None:
    assert is_blocked_address(ip)


@pytest.mark.parametrize("ip", PUBLIC_V4 + PUBLIC_V6)
def test_global_addresses_are_not_blocked(ip: str) -> None:
    assert not is_blocked_address(ip)


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_every_spelling_is_refused_statically_even_when_listed(host: str) -> None:
    url = f"https://{host}/latest/meta-data/"
    kinds = [p.kind for p in check_url(url, [literal(host)])]
    assert "ssrf" in kinds, url


@pytest.mark.parametrize("host", PUBLIC_HOSTS)
def test_global_hosts_pass_the_static_check(host: str) -> None:
    assert check_url(f"https://{host}/", [host]) == []


# --------------------------------------------------------------------------- LX2007


def program(url: str, domains: list[str]) -> str:
    return json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "NETWORK_OUT"],
            "allowed_domains": domains,
            "nodes": [
                {"id": "url", "op": "const", "value": url},
                {"id": "body", "op": "http_get", "inputs": ["url"]},
                {"id": "out", "op": "print", "inputs": ["body"]},
            ],
        }
    )


@pytest.mark.parametrize(
    "host",
    [
        *(v4_spellings(ip)[k] for ip in REFUSED_V4 for k in (0, 1, 2, 4, 5, 6)),
        *(
            v6_forms(ip)[k]
            for ip in ("100.100.100.200", "198.18.0.1", "240.0.0.1")
            for k in range(10)
        ),
        *(f"[{ip}]" for ip in REFUSED_V6),
    ],
)
def test_lx2007_reports_a_constant_url_whatever_allowed_domains_says(host: str) -> None:
    found = analyze(program(f"https://{host}/x", [host])).diagnostics
    lx2007 = [d for d in found if d.code == "LX2007"]
    assert lx2007, (host, [d.code for d in found])
    assert "SSRF" in lx2007[0].message


def test_lx2007_is_quiet_for_a_global_literal() -> None:
    found = analyze(program("https://8.8.8.8/x", ["8.8.8.8"])).diagnostics
    assert "LX2007" not in {d.code for d in found}


# --------------------------------------------------------------------------- run time


class Resolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    def resolve(self, host: str, port: int) -> list[str]:
        return self.table.get(host, ["93.184.216.34"])


class Transport:
    """Records every connection; ``redirects`` maps a URL to the Location it answers with."""

    def __init__(self, redirects: dict[str, str] | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.redirects = redirects or {}

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
        self.sent.append((url, connect_ip))
        if url in self.redirects:
            return HttpResponse(302, {"Location": self.redirects[url]}, b"", url)
        return HttpResponse(200, {"Content-Type": "text/plain"}, b"ok", url)


def message(value: Any) -> str:
    assert isinstance(value, ErrorValue), value
    return value.message


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_a_literal_host_is_refused_at_run_time_before_connecting(host: str) -> None:
    transport = Transport()
    client = NetworkClient([literal(host)], resolver=Resolver({}), transport=transport)
    text = message(http_get(client, SimpleCall("n"), [f"https://{host}/"]))
    assert "SSRF" in text
    assert transport.sent == []


@pytest.mark.parametrize("ip", REFUSED_V4 + REFUSED_V6 + [f[1:-1] for f in v6_forms("100.64.1.1")])
def test_a_dns_answer_is_refused(ip: str) -> None:
    transport = Transport()
    resolver = Resolver({"api.example.com": ["93.184.216.34", ip]})  # any bad answer refuses
    client = NetworkClient(["example.com"], resolver=resolver, transport=transport)
    text = message(http_get(client, SimpleCall("n"), ["https://api.example.com/"]))
    assert "SSRF" in text and "resolved to a blocked address" in text
    assert transport.sent == []


@pytest.mark.parametrize(
    "location",
    [
        "https://100.100.100.200/latest/meta-data/",
        "https://0x64646464/",
        "https://[::ffff:100.100.100.200]/",
        "https://[64:ff9b::c612:1]/",
        "https://240.0.0.1./",
        "https://inside.example.com/",  # a name resolving to a shared address
    ],
)
def test_every_redirect_hop_is_checked(location: str) -> None:
    transport = Transport({"https://example.com/start": location})
    resolver = Resolver({"inside.example.com": ["100.64.0.9"]})
    domains = ["example.com", "100.100.100.200", "0x64646464", "240.0.0.1"]
    client = NetworkClient(domains, resolver=resolver, transport=transport)
    call = SimpleCall("n", {"follow_redirects": True})
    text = message(http_get(client, call, ["https://example.com/start"]))
    assert "redirect 1" in text and "SSRF" in text
    assert [url for url, _ in transport.sent] == ["https://example.com/start"]


def test_a_global_answer_goes_through() -> None:
    transport = Transport()
    client = NetworkClient(["example.com"], resolver=Resolver({}), transport=transport)
    assert http_get(client, SimpleCall("n"), ["https://example.com/"]) == "ok"
    assert transport.sent == [("https://example.com/", "93.184.216.34")]


def test_a_whole_run_refuses_a_listed_shared_address() -> None:
    transport = Transport()
    text = program("https://100.100.100.200/latest/meta-data/", ["100.100.100.200"])
    options = RunOptions(
        verify=False,  # the static check would refuse the program first
        network=lambda domains: NetworkClient(domains, resolver=Resolver({}), transport=transport),
    )
    result = Evaluator(analyze(text), options).run()
    assert isinstance(result.values["body"], ErrorValue)
    assert "SSRF" in result.values["body"].message
    assert transport.sent == []
