"""Tests for lexis_ls.lang.netpolicy (LEXIS.md §4, LX2005-LX2007)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexis_ls.lang.netpolicy import (
    BLOCKED_NETWORKS,
    UrlProblem,
    blocked_reason,
    check_resolved_addresses,
    check_url,
    host_allowed,
    is_blocked_address,
    is_localhost_name,
    normalize_host,
    parse_ip_host,
    resolved_address_problem,
    url_host,
)

KIND_ORDER = ["invalid_url", "scheme", "ssrf", "host_not_allowed"]
ALLOWED = ["example.com"]


def kinds(problems: list[UrlProblem]) -> list[str]:
    return [p.kind for p in problems]


# --------------------------------------------------------------------------- SSRF


SSRF_URLS = [
    # IPv4 dotted decimal, every range and its edges
    ("https://127.0.0.1/", "127.0.0.1"),
    ("https://127.255.255.254/x", "127.255.255.254"),
    ("https://10.0.0.1/", "10.0.0.1"),
    ("https://10.255.255.255/", "10.255.255.255"),
    ("https://172.16.0.1/", "172.16.0.1"),
    ("https://172.31.255.255/", "172.31.255.255"),
    ("https://192.168.0.1/", "192.168.0.1"),
    ("https://192.168.255.255/", "192.168.255.255"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("https://169.254.0.0/", "169.254.0.0"),
    ("https://0.0.0.0/", "0.0.0.0"),
    ("https://0.1.2.3/", "0.1.2.3"),
    # other IPv4 spellings
    ("https://0/", "0.0.0.0"),
    ("https://2130706433/", "127.0.0.1"),
    ("https://0x7f000001/", "127.0.0.1"),
    ("https://0X7F000001/", "127.0.0.1"),
    ("https://0x7f.1/", "127.0.0.1"),
    ("https://0x7f.0.0.1/", "127.0.0.1"),
    ("https://0177.0.0.1/", "127.0.0.1"),
    ("https://0177.0.0.01/", "127.0.0.1"),
    ("https://017700000001/", "127.0.0.1"),
    ("https://127.1/", "127.0.0.1"),
    ("https://127.0.1/", "127.0.0.1"),
    ("https://10.1/", "10.0.0.1"),
    ("https://0xa.0.0.1/", "10.0.0.1"),
    ("https://0xA9FEA9FE/", "169.254.169.254"),
    ("https://3232235777/", "192.168.1.1"),
    ("https://192.168.257/", "192.168.1.1"),
    ("https://127.0.0.1./", "127.0.0.1"),
    ("https://%31%32%37.0.0.1/", "127.0.0.1"),
    ("https://\uff11\uff12\uff17\u3002\uff10.\uff10.\uff11/", "127.0.0.1"),
    ("https://127.0.0.1:8443/", "127.0.0.1"),
    ("https://127.0.0.1:/", "127.0.0.1"),
    ("https://user:pw@127.0.0.1/", "127.0.0.1"),
    ("HTTPS://127.0.0.1/", "127.0.0.1"),
    ("  https://127.0.0.1/  ", "127.0.0.1"),
    # IPv6
    ("https://[::1]/", "::1"),
    ("https://[0:0:0:0:0:0:0:1]/", "::1"),
    ("https://[::1]:8080/", "::1"),
    ("https://[::]/", "::"),
    ("https://[fc00::1]/", "fc00::1"),
    ("https://[fd12:3456:789a::1]/", "fd12:3456:789a::1"),
    ("https://[FDFF::1]/", "fdff::1"),
    ("https://[fe80::1]/", "fe80::1"),
    ("https://[febf:ffff::1]/", "febf:ffff::1"),
    ("https://[fe80::1%25eth0]/", "fe80::1"),
    ("https://[fe80::1%eth0]/", "fe80::1"),
    # IPv6 embedding a refused IPv4 address
    ("https://[::ffff:127.0.0.1]/", "127.0.0.1"),
    ("https://[::ffff:7f00:1]/", "127.0.0.1"),
    ("https://[::FFFF:10.0.0.1]/", "10.0.0.1"),
    ("https://[::ffff:169.254.169.254]/", "169.254.169.254"),
    ("https://[::ffff:192.168.0.1]/", "192.168.0.1"),
    ("https://[::ffff:0.0.0.0]/", "0.0.0.0"),
    ("https://[::127.0.0.1]/", "127.0.0.1"),
    ("https://[::10.0.0.1]/", "10.0.0.1"),
    ("https://[::ffff:0:192.168.0.1]/", "192.168.0.1"),
    ("https://[64:ff9b::127.0.0.1]/", "127.0.0.1"),
    ("https://[64:ff9b::a9fe:a9fe]/", "169.254.169.254"),
    ("https://[2002:7f00:1::]/", "127.0.0.1"),
    ("https://[2002:c0a8:101::1]/", "192.168.1.1"),
    ("https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "127.0.0.1"),  # Teredo client
]


@pytest.mark.parametrize(("url", "address"), SSRF_URLS)
def test_blocked_addresses_are_ssrf(url: str, address: str) -> None:
    problems = check_url(url, None)
    assert kinds(problems) == ["ssrf"]
    message = problems[0].message
    assert url.strip() in message
    assert address in message or str(ipaddress.ip_address(address)) in message


@pytest.mark.parametrize(("url", "address"), SSRF_URLS)
def test_blocked_addresses_also_fail_the_domain_list(url: str, address: str) -> None:
    problems = check_url(url, ALLOWED)
    assert kinds(problems) == ["ssrf", "host_not_allowed"]


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/",
        "https://LOCALHOST/",
        "https://LocalHost./x",
        "https://localhost:8080/x",
        "https://api.localhost/",
        "https://a.b.localhost./",
        "https://user@localhost/",
        "https://%6cocalhost/",
    ],
)
def test_localhost_names_are_ssrf(url: str) -> None:
    problems = check_url(url, None)
    assert kinds(problems) == ["ssrf"]
    assert url in problems[0].message
    assert "localhost" in problems[0].message


def test_localhost_is_refused_even_when_listed() -> None:
    assert kinds(check_url("https://localhost/", ["localhost"])) == ["ssrf"]
    assert kinds(check_url("https://127.0.0.1/", ["127.0.0.1"])) == ["ssrf"]


@pytest.mark.parametrize(
    "host",
    ["localhost.example.com", "mylocalhost", "localhostx", "notlocalhost.com"],
)
def test_names_merely_containing_localhost_are_not_ssrf(host: str) -> None:
    assert not is_localhost_name(host)
    assert check_url(f"https://{host}/", None) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://8.8.8.8/",
        "https://1.1.1.1/dns-query",
        "https://134744072/",  # 8.8.8.8
        "https://0x08080808/",
        "https://1.0.0.0/",
        "https://9.255.255.255/",
        "https://11.0.0.0/",
        "https://126.255.255.255/",
        "https://128.0.0.0/",
        "https://172.15.255.255/",
        "https://172.32.0.0/",
        "https://192.167.255.255/",
        "https://192.169.0.0/",
        "https://169.253.255.255/",
        "https://169.255.0.0/",
        "https://93.184.216.34:443/",
        "https://[2606:4700:4700::1111]/",
        "https://[2a00:1450:4001:82a::200e]/",
        "https://[3ffe:ffff::1]/",  # the end of 2000::/3 below 3fff::/20
        "https://[::ffff:8.8.8.8]/",
        "https://[::8.8.8.8]/",
        "https://[64:ff9b::808:808]/",
        "https://[2002:808:808::]/",
        "https://example.com/",
    ],
)
def test_public_addresses_are_allowed(url: str) -> None:
    assert check_url(url, None) == []
    assert check_url(url, []) == []


# --------------------------------------------------------------------------- domains


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "https://example.com",
        "https://api.example.com/v1",
        "https://a.b.c.example.com/x?y=1#z",
        "https://EXAMPLE.COM/",
        "https://Api.Example.Com/",
        "https://example.com./",
        "https://api.example.com.:8443/",
        "https://example.com:8443/",
        "https://user@example.com/",
        "https://user:secret@api.example.com/",
        "https://127.0.0.1@example.com/",
        "https://example.com/@127.0.0.1",
        "https://example.com?@127.0.0.1",
    ],
)
def test_listed_domains_and_subdomains_are_allowed(url: str) -> None:
    assert check_url(url, ALLOWED) == []


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://evilexample.com/", "evilexample.com"),
        ("https://xexample.com/", "xexample.com"),
        ("https://example.com.evil.com/", "example.com.evil.com"),
        ("https://example.org/", "example.org"),
        ("https://example.co/", "example.co"),
        ("https://com/", "com"),
        ("https://EVIL.COM/", "evil.com"),
        ("https://user:example.com@evil.com/", "evil.com"),
        ("https://example.com@evil.com/", "evil.com"),
        ("https://evil.com:443/", "evil.com"),
        ("https://evil.com#@example.com/", "evil.com"),
    ],
)
def test_unlisted_hosts_are_reported(url: str, host: str) -> None:
    problems = check_url(url, ALLOWED)
    assert kinds(problems) == ["host_not_allowed"]
    assert host in problems[0].message
    assert url in problems[0].message
    assert "example.com" in problems[0].message


@pytest.mark.parametrize("allowed", [None, [], ()])
def test_no_domain_list_means_no_host_not_allowed(allowed: list[str] | None) -> None:
    assert check_url("https://anything.example.org/", allowed) == []


@pytest.mark.parametrize(
    ("host", "allowed", "expected"),
    [
        ("example.com", ["example.com"], True),
        ("api.example.com", ["example.com"], True),
        ("API.EXAMPLE.COM", ["example.com"], True),
        ("api.example.com", ["Example.COM"], True),
        ("api.example.com.", ["example.com"], True),
        ("api.example.com", ["example.com."], True),
        ("api.example.com", ["other.org", "example.com"], True),
        ("api.example.com", [" example.com "], True),
        ("example.com", "example.com", True),  # a lone string is one domain
        ("evilexample.com", ["example.com"], False),
        ("example.com", ["api.example.com"], False),
        ("example.com.evil.com", ["example.com"], False),
        ("example.com", [], False),
        ("example.com", [""], False),
        ("example.com", ["."], False),
        ("", ["example.com"], False),
        # IP literals match only an equal address, in any spelling, never by suffix
        ("8.8.8.8", ["8.8.8.8"], True),
        ("134744072", ["8.8.8.8"], True),
        ("8.8.8.8", ["0x08080808"], True),
        ("8.8.8.8", ["8.8.8"], False),
        ("8.8.8.8", ["8.8"], False),
        ("1.8.8.8", ["8.8.8"], False),
        ("[2001:db8::1]", ["2001:db8::1"], True),
        ("[2001:db8::1]", ["[2001:DB8:0::1]"], True),
        ("[2001:db8::1]", ["2001:db8::2"], False),
        ("[2001:db8::1]", ["db8::1"], False),
    ],
)
def test_host_allowed(host: str, allowed: list[str], expected: bool) -> None:
    assert host_allowed(host, allowed) is expected


# --------------------------------------------------------------------------- schemes


@pytest.mark.parametrize(
    "url", ["http://example.com/", "HTTP://example.com/", "http://api.example.com:80/x"]
)
def test_http_needs_allow_http(url: str) -> None:
    problems = check_url(url, ALLOWED)
    assert kinds(problems) == ["scheme"]
    assert url in problems[0].message
    assert "http" in problems[0].message
    assert '"allow_http": true' in problems[0].message
    assert check_url(url, ALLOWED, allow_http=True) == []


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("ftp://example.com/file", "ftp"),
        ("file:///etc/passwd", "file"),
        ("javascript:alert(1)", "javascript"),
        ("data:text/plain,hello", "data"),
        ("ws://example.com/socket", "ws"),
        ("wss://example.com/socket", "wss"),
        ("gopher://example.com/", "gopher"),
        ("mailto:someone@example.com", "mailto"),
        ("FTP://example.com/", "ftp"),
    ],
)
@pytest.mark.parametrize("allow_http", [False, True])
def test_other_schemes_are_always_rejected(url: str, scheme: str, allow_http: bool) -> None:
    problems = check_url(url, ALLOWED, allow_http=allow_http)
    assert kinds(problems) == ["scheme"]
    assert url in problems[0].message
    assert f"`{scheme}`" in problems[0].message


def test_https_is_fine() -> None:
    assert check_url("https://example.com/", ALLOWED) == []
    assert check_url("https://example.com/", ALLOWED, allow_http=True) == []


@pytest.mark.parametrize(
    ("url", "allowed", "allow_http", "expected"),
    [
        ("http://localhost/", ALLOWED, False, ["scheme", "ssrf", "host_not_allowed"]),
        ("http://localhost/", ALLOWED, True, ["ssrf", "host_not_allowed"]),
        ("http://2130706433/", None, False, ["scheme", "ssrf"]),
        ("http://2130706433/", None, True, ["ssrf"]),
        ("http://evil.com/", ALLOWED, False, ["scheme", "host_not_allowed"]),
        ("ftp://127.0.0.1/", None, False, ["scheme", "ssrf"]),
        ("file://localhost/etc/passwd", None, False, ["scheme", "ssrf"]),
        ("ftp://evil.com/", ALLOWED, False, ["scheme", "host_not_allowed"]),
    ],
)
def test_problems_come_in_order(
    url: str, allowed: list[str] | None, allow_http: bool, expected: list[str]
) -> None:
    problems = check_url(url, allowed, allow_http=allow_http)
    assert kinds(problems) == expected
    assert all(url in p.message for p in problems)


# --------------------------------------------------------------------------- userinfo


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com@127.0.0.1/", ["ssrf", "host_not_allowed"]),
        ("https://example.com:443@127.0.0.1/", ["ssrf", "host_not_allowed"]),
        ("https://api.example.com@10.0.0.1:8080/", ["ssrf", "host_not_allowed"]),
        ("https://a@b@192.168.0.1/", ["ssrf", "host_not_allowed"]),
        ("https://example.com@localhost/", ["ssrf", "host_not_allowed"]),
        ("https://example.com@[::1]/", ["ssrf", "host_not_allowed"]),
        ("https://127.0.0.1#@example.com/", ["ssrf", "host_not_allowed"]),
        ("https://127.0.0.1@example.com/", []),
    ],
)
def test_userinfo_does_not_hide_the_real_host(url: str, expected: list[str]) -> None:
    problems = check_url(url, ALLOWED)
    assert kinds(problems) == expected
    for problem in problems:
        assert url in problem.message
    if "host_not_allowed" in expected:
        message = problems[-1].message
        assert "example.com@" not in message.split(" of ")[0]


def test_userinfo_trick_message_names_the_real_host() -> None:
    problems = check_url("https://example.com@127.0.0.1/", ALLOWED)
    assert "host `127.0.0.1`" in problems[1].message
    assert "127.0.0.1 is a loopback address" in problems[0].message


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com\\@127.0.0.1/",
        "https://127.0.0.1\\@example.com/",
        "https://127.0.0.1\\.example.com/",
    ],
)
def test_backslash_in_authority_is_invalid(url: str) -> None:
    problems = check_url(url, ALLOWED)
    assert kinds(problems) == ["invalid_url"]
    assert "backslash" in problems[0].message


# --------------------------------------------------------------------------- invalid


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "garbage",
        "example.com",
        "example.com/path",
        "//example.com/",
        "/relative/path",
        "https://",
        "https:///path",
        "https:example.com",
        "http://",
        "https://:443/",
        "https://user@/",
        "https://[::1/",
        "https://::1]/",
        "https://[127.0.0.1]/",
        "https://[not-an-address]/",
        "https://[::1]x/",
        "https://exa mple.com/",
        "https://exa<mple.com/",
        "https://example..com/",
        "https://.example.com/",
        "https://example.com../",
        "https://example.com:99999/",
        "https://example.com:port/",
        "https://example.com:-1/",
        "https://example.com:80:80/",
        "https://256.0.0.1/",
        "https://1.2.3.4.5/",
        "https://4294967296/",
        "https://127.0.0.256/",
        "https://0x1g.0.0.1/",
        "https://08.0.0.1/",
        "https://example.123/",
        "https://1..1/",
        "https://%zz.example.com/",
        "https://%00.example.com/",
        "https://\ufffd.example.com/",
        "https://\x00/",
    ],
)
@pytest.mark.parametrize("allow_http", [False, True])
def test_invalid_urls_are_reported_alone(url: str, allow_http: bool) -> None:
    for allowed in (None, ALLOWED):
        problems = check_url(url, allowed, allow_http=allow_http)
        assert kinds(problems) == ["invalid_url"], url
        assert "is not a valid URL" in problems[0].message


@pytest.mark.parametrize("url", ["garbage", "https://", "https://1.2.3.4.5/"])
def test_invalid_url_message_names_the_url(url: str) -> None:
    assert f"`{url}`" in check_url(url, None)[0].message


def test_very_long_url_message_is_truncated() -> None:
    url = "https://evil.com/" + "a" * 1000
    message = check_url(url, ALLOWED)[0].message
    assert "evil.com" in message
    assert len(message) < 600


def test_control_characters_are_escaped_in_messages() -> None:
    problems = check_url("https://exa\x07mple.com/", None)
    assert kinds(problems) == ["invalid_url"]
    assert "\x07" not in problems[0].message
    assert "exa\\x07mple.com" in problems[0].message
    problems = check_url("https://evil.com/\u2028", ALLOWED)
    assert kinds(problems) == ["host_not_allowed"]
    assert "\u2028" not in problems[0].message


def test_ignorable_characters_in_host_are_normalised_away() -> None:
    # IDNA nameprep drops a zero-width space, so this is just example.com
    assert check_url("https://exa\u200bmple.com/", ALLOWED) == []
    assert url_host("https://exa\u200bmple.com/") == "example.com"


# --------------------------------------------------------------------------- parse_ip_host


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0X7F.0X0.0X0.0X1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.0000.0.001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("%31%32%37.0.0.1", "127.0.0.1"),
        ("\uff11\uff12\uff17.\uff10.\uff10.\uff11", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("4294967295", "255.255.255.255"),
        ("0xffffffff", "255.255.255.255"),
        ("1.16777215", "1.255.255.255"),
        ("1.2.65535", "1.2.255.255"),
        ("8.8.8.8", "8.8.8.8"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("[0:0:0:0:0:0:0:1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("[FE80::1]", "fe80::1"),
        ("[fe80::1%25eth0]", "fe80::1%eth0"),
        ("[fe80::1%eth0]", "fe80::1%eth0"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("fe80::1%25", "fe80::1%25"),  # resolver output: zone "25"
    ],
)
def test_parse_ip_host(host: str, expected: str) -> None:
    address = parse_ip_host(host)
    assert address is not None
    assert str(address) == expected


def test_parse_ip_host_keeps_zone_id() -> None:
    address = parse_ip_host("[fe80::1%25eth0]")
    assert isinstance(address, ipaddress.IPv6Address)
    assert address.scope_id == "eth0"


@pytest.mark.parametrize(
    "host",
    [
        "",
        "example.com",
        "localhost",
        "4294967296",
        "0x100000000",
        "256.0.0.1",
        "1.256.0.1",
        "1.2.3.4.5",
        "1..1",
        ".1.1.1",
        "08",
        "0x1g",
        "1e3",
        "+1.2.3.4",
        "1_000",
        "\u0661.1.1.1",  # Arabic-Indic digit one
        "[127.0.0.1]",
        "[example.com]",
        "[]",
        ":::",
        "1.2.3.4%eth0",
    ],
)
def test_parse_ip_host_rejects_non_addresses(host: str) -> None:
    assert parse_ip_host(host) is None


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("127.255.255.255", "127.255.255.255 is a loopback address"),
        ("10.1.2.3", "10.1.2.3 is a private address (10.0.0.0/8)"),
        ("172.16.0.0", "172.16.0.0 is a private address (172.16.0.0/12)"),
        ("172.31.255.255", "172.31.255.255 is a private address (172.16.0.0/12)"),
        ("192.168.0.1", "192.168.0.1 is a private address (192.168.0.0/16)"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),
        ("0.0.0.0", "0.0.0.0 is the unspecified address"),
        ("0.255.255.255", "0.0.0.0/8"),
        ("::1", "::1 is the loopback address"),
        ("::", ":: is the unspecified address"),
        ("fc00::1", "unique local"),
        ("fdff:ffff::1", "unique local"),
        ("fe80::1", "fe80::1 is a link-local address"),
        ("fe80::1%eth0", "fe80::1%eth0 is a link-local address"),
        ("::ffff:127.0.0.1", "embeds 127.0.0.1 (IPv4-mapped), which is a loopback address"),
        ("::ffff:0:10.0.0.1", "embeds 10.0.0.1 (IPv4-translated), which is a private address"),
        ("::169.254.0.1", "embeds 169.254.0.1 (IPv4-compatible), which is a link-local"),
        ("64:ff9b::192.168.0.1", "embeds 192.168.0.1 (NAT64)"),
        ("2002:a00:1::", "embeds 10.0.0.1 (6to4)"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "embeds 127.0.0.1 (Teredo)"),
        # not globally routable (issue 14): the whole special-purpose registry
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("100.100.100.200", "shared (carrier-grade NAT)"),
        ("198.18.0.1", "benchmarking"),
        ("198.19.255.255", "benchmarking"),
        ("240.0.0.1", "reserved"),
        ("192.0.0.1", "IETF protocol assignment"),
        ("192.0.2.45", "documentation"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("255.255.255.255", "the limited broadcast address"),
        ("::ffff:100.100.100.200", "embeds 100.100.100.200 (IPv4-mapped), which is a shared"),
        ("64:ff9b::c612:1", "embeds 198.18.0.1 (NAT64)"),
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("2002:f000:1::", "embeds 240.0.0.1 (6to4)"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "embeds 192.0.2.45 (Teredo)"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("100::1", "discard-only"),
        ("ff02::1", "multicast"),
        ("fec0::1", "site-local"),
        ("fbff:ffff::1", "outside 2000::/3"),
        ("fe00::1", "outside 2000::/3"),
        ("4000::1", "outside 2000::/3"),
        ("2001:2::1", "not a globally routable address"),
    ],
)
def test_blocked_reason(ip: str, reason: str) -> None:
    assert is_blocked_address(ip)
    assert is_blocked_address(ipaddress.ip_address(ip))
    text = blocked_reason(ip)
    assert text is not None
    assert reason in text


@pytest.mark.parametrize(
    "ip",
    [
        "8.8.8.8",
        "1.0.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "9.255.255.255",
        "11.0.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.255.255",
        "192.169.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "2606:4700:4700::1111",
        "2a00:1450:4001:82a::200e",
        "::ffff:8.8.8.8",
        "::8.8.8.8",
        "64:ff9b::8.8.8.8",
        "2002:808:808::",
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo client 8.8.8.8
    ],
)
def test_public_addresses_are_not_blocked(ip: str) -> None:
    assert not is_blocked_address(ip)
    assert not is_blocked_address(ipaddress.ip_address(ip))
    assert blocked_reason(ip) is None


def test_blocked_reason_rejects_non_addresses() -> None:
    with pytest.raises(ValueError):
        blocked_reason("example.com")


def test_blocked_networks_constant() -> None:
    expected = {
        "0.0.0.0/8",
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "198.18.0.0/15",
        "192.88.99.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",
        "100::/64",
        "2001:db8::/32",
        "3fff::/20",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    }
    assert {str(n) for n in BLOCKED_NETWORKS} == expected


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://API.Example.com.:8443/x", "api.example.com"),
        ("https://user@example.com/", "example.com"),
        ("https://example.com@127.0.0.1/", "127.0.0.1"),
        ("https://[FE80::1%25eth0]:80/", "[fe80::1%eth0]"),
        ("https://0x7f.1/", "127.0.0.1"),
        ("https://2130706433:80/", "127.0.0.1"),
        ("javascript:alert(1)", None),
        ("garbage", None),
        ("https://", None),
    ],
)
def test_url_host(url: str, host: str | None) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("Example.COM.", "example.com"),
        ("%65xample.com", "example.com"),
        ("b\u00fccher.example", "xn--bcher-kva.example"),
        ("B\u00dcCHER.example", "xn--bcher-kva.example"),
        ("example\u3002com", "example.com"),
        (".", "."),
    ],
)
def test_normalize_host(host: str, expected: str) -> None:
    assert normalize_host(host) == expected


def test_idn_hosts_match_their_punycode() -> None:
    assert check_url("https://b\u00fccher.example/", ["xn--bcher-kva.example"]) == []
    assert check_url("https://xn--bcher-kva.example/", ["b\u00fccher.example"]) == []


def test_resolved_address_problem() -> None:
    problem = resolved_address_problem("https://evil.example/", "evil.example", "10.0.0.7")
    assert problem is not None
    assert problem.kind == "ssrf"
    assert "evil.example" in problem.message
    assert "10.0.0.7 is a private address" in problem.message
    assert resolved_address_problem("https://a.example/", "a.example", "93.184.216.34") is None
    resolved = ipaddress.ip_address("::ffff:169.254.169.254")
    assert resolved_address_problem("https://a.example/", "a.example", resolved) is not None


def test_check_resolved_addresses() -> None:
    problems = check_resolved_addresses(
        "https://a.example/", "a.example", ["93.184.216.34", "127.0.0.1", "fe80::1%eth0"]
    )
    assert kinds(problems) == ["ssrf", "ssrf"]
    assert "127.0.0.1" in problems[0].message
    assert "fe80::1%eth0" in problems[1].message


# --------------------------------------------------------------------------- properties

_BLOCKED_V4_NETS = [n for n in BLOCKED_NETWORKS if isinstance(n, ipaddress.IPv4Network)]


def _reference_blocked_v4(value: int) -> bool:
    address = ipaddress.IPv4Address(value)
    return any(address in net for net in _BLOCKED_V4_NETS) or not address.is_global


def _spellings(value: int) -> list[str]:
    a, b, c, d = ipaddress.IPv4Address(value).packed
    return [
        f"{a}.{b}.{c}.{d}",
        str(value),
        hex(value),
        "0" + oct(value)[2:],
        f"{a:#o}.{b:#o}.{c:#o}.{d:#o}".replace("0o", "0"),
        f"{a:#x}.{b:#x}.{c:#x}.{d:#x}",
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"{a}.{b}.{(c << 8) | d}",
        f"{a:#x}.{b}.{(c << 8) | d:#o}".replace("0o", "0"),
        f"{a}.{b}.{c}.{d}.",
    ]


ipv4_values = st.one_of(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.sampled_from(_BLOCKED_V4_NETS).flatmap(
        lambda net: st.integers(int(net.network_address), int(net.broadcast_address))
    ),
)


@given(ipv4_values)
def test_every_ipv4_spelling_parses_to_the_same_address(value: int) -> None:
    for spelling in _spellings(value):
        assert parse_ip_host(spelling) == ipaddress.IPv4Address(value), spelling


@given(ipv4_values)
def test_ssrf_verdict_is_independent_of_spelling(value: int) -> None:
    blocked = _reference_blocked_v4(value)
    assert is_blocked_address(ipaddress.IPv4Address(value)) is blocked
    for spelling in _spellings(value):
        url = f"https://{spelling}/"
        assert kinds(check_url(url, None)) == (["ssrf"] if blocked else []), url


@given(ipv4_values)
def test_ipv6_embeddings_share_the_ipv4_verdict(value: int) -> None:
    blocked = _reference_blocked_v4(value)
    embeddings = [
        (0xFFFF << 32) | value,  # ::ffff:a.b.c.d
        (0xFFFF << 48) | value,  # ::ffff:0:a.b.c.d
        (0x64FF9B << 96) | value,  # 64:ff9b::a.b.c.d
        (0x2002 << 112) | (value << 80),  # 2002:aabb:ccdd::
        (0x20010000 << 96) | (~value & 0xFFFFFFFF),  # Teredo client
    ]
    if value > 1:  # ::0.0.0.0 and ::0.0.0.1 are :: and ::1
        embeddings.append(value)  # ::a.b.c.d
    for number in embeddings:
        address = ipaddress.IPv6Address(number)
        assert is_blocked_address(address) is blocked, str(address)
        url = f"https://[{address}]/"
        assert kinds(check_url(url, None)) == (["ssrf"] if blocked else []), url


@given(st.ip_addresses())
def test_canonical_addresses_round_trip(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    assert parse_ip_host(str(address)) == address
    if address.version == 6:
        assert parse_ip_host(f"[{address}]") == address


def _check_well_formed(problems: list[UrlProblem]) -> None:
    assert all(isinstance(p, UrlProblem) for p in problems)
    found = kinds(problems)
    assert all(kind in KIND_ORDER for kind in found)
    assert found == sorted(found, key=KIND_ORDER.index)
    assert len(found) == len(set(found))
    if "invalid_url" in found:
        assert found == ["invalid_url"]
    assert all(p.message for p in problems)


@given(st.text(), st.none() | st.lists(st.text(max_size=20), max_size=4), st.booleans())
def test_check_url_never_raises_on_arbitrary_text(
    text: str, allowed: list[str] | None, allow_http: bool
) -> None:
    _check_well_formed(check_url(text, allowed, allow_http=allow_http))


url_alphabet = st.sampled_from(
    [*list("abcxyz0189.:@[]%/\\?#-_ "), "0x", "::", "%25", "ffff", "．", "。", "ü"]
)


@given(
    st.sampled_from(["https://", "http://", "ftp://", "https:", "//", "HTTPS://"]),
    st.lists(url_alphabet, max_size=30).map("".join),
    st.none() | st.lists(st.text(max_size=20), max_size=4),
    st.booleans(),
)
def test_check_url_never_raises_on_url_like_text(
    prefix: str, rest: str, allowed: list[str] | None, allow_http: bool
) -> None:
    url = prefix + rest
    _check_well_formed(check_url(url, allowed, allow_http=allow_http))
    url_host(url)


@given(st.text())
def test_host_helpers_never_raise(text: str) -> None:
    parse_ip_host(text)
    host_allowed(text, ["example.com", text])
    is_localhost_name(text)
