"""Network policy for Lexis network ops (LEXIS.md §4; diagnostics LX2004-LX2007).

Pure functions with no I/O and no DNS. They serve two callers:

* static checks on constant URLs (:func:`check_url`), and
* the interpreter, which after DNS resolution re-checks every resolved address
  (:func:`is_blocked_address`, :func:`blocked_reason`, :func:`resolved_address_problem`).

The rule is routability: only globally routable addresses may be contacted, in IPv4, IPv6 and
every IPv6 form that embeds an IPv4 address; ``allowed_domains`` never lifts it.

Host parsing follows what URL parsers (WHATWG) and ``inet_aton`` accept, so that an
address cannot slip past the checks by being spelt differently: ``2130706433``,
``0177.0.0.1``, ``0x7f.1``, ``127.1``, ``%31%32%37.0.0.1``, full-width digits,
``[::ffff:127.0.0.1]``, ``[fe80::1%25eth0]`` and so on all name the addresses they name.
Constructs on which common parsers disagree (a backslash in the authority) are
rejected as invalid rather than guessed at.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias
from urllib.parse import unquote, urlsplit

__all__ = [
    "BLOCKED_NETWORKS",
    "IPAddress",
    "ProblemKind",
    "UrlProblem",
    "blocked_reason",
    "check_resolved_addresses",
    "check_url",
    "host_allowed",
    "is_blocked_address",
    "is_localhost_name",
    "normalize_host",
    "parse_ip_host",
    "resolved_address_problem",
    "url_host",
]

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
ProblemKind: TypeAlias = Literal["invalid_url", "scheme", "host_not_allowed", "ssrf"]

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# SSRF by routability: a destination is allowed only when it is globally routable. The tables
# below name the special-purpose ranges (IANA special-purpose address registries), most specific
# first, so a refusal can say what the address is; anything Python's ``ipaddress`` does not call
# global (``is_global``) is refused too, with a generic reason. A listed ``allowed_domains``
# entry never lifts this: it allows names, never non-global addresses.
_BLOCKED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/32"), "the unspecified address"),
    (_V4("255.255.255.255/32"), "the limited broadcast address"),
    (_V4("0.0.0.0/8"), "a 'this network' address (0.0.0.0/8)"),
    (_V4("127.0.0.0/8"), "a loopback address (127.0.0.0/8)"),
    (_V4("10.0.0.0/8"), "a private address (10.0.0.0/8)"),
    (_V4("172.16.0.0/12"), "a private address (172.16.0.0/12)"),
    (_V4("192.168.0.0/16"), "a private address (192.168.0.0/16)"),
    (_V4("169.254.0.0/16"), "a link-local address (169.254.0.0/16)"),
    (_V4("100.64.0.0/10"), "a shared (carrier-grade NAT) address (100.64.0.0/10)"),
    (_V4("192.0.0.0/24"), "an IETF protocol assignment (192.0.0.0/24)"),
    (_V4("192.0.2.0/24"), "a documentation address (192.0.2.0/24)"),
    (_V4("198.51.100.0/24"), "a documentation address (198.51.100.0/24)"),
    (_V4("203.0.113.0/24"), "a documentation address (203.0.113.0/24)"),
    (_V4("198.18.0.0/15"), "a benchmarking address (198.18.0.0/15)"),
    (_V4("192.88.99.0/24"), "a deprecated 6to4 relay anycast address (192.88.99.0/24)"),
    (_V4("224.0.0.0/4"), "a multicast address (224.0.0.0/4)"),
    (_V4("240.0.0.0/4"), "a reserved address (240.0.0.0/4)"),
)
_BLOCKED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "the unspecified address"),
    (_V6("::1/128"), "the loopback address"),
    (_V6("64:ff9b:1::/48"), "a local-use NAT64 address (64:ff9b:1::/48)"),
    (_V6("100::/64"), "a discard-only address (100::/64)"),
    (_V6("2001:db8::/32"), "a documentation address (2001:db8::/32)"),
    (_V6("3fff::/20"), "a documentation address (3fff::/20)"),
    (_V6("fc00::/7"), "a unique local (private) address (fc00::/7)"),
    (_V6("fe80::/10"), "a link-local address (fe80::/10)"),
    (_V6("fec0::/10"), "a deprecated site-local address (fec0::/10)"),
    (_V6("ff00::/8"), "a multicast address (ff00::/8)"),
)
_GLOBAL_UNICAST = _V6("2000::/3")  # the only IPv6 space allocated for global unicast

#: Every network refused outright (the named special-purpose ranges). Anything else that is not
#: globally routable (``ipaddress`` ``is_global`` false; for IPv6, outside 2000::/3) is refused
#: too, and an IPv6 address embedding an IPv4 address (IPv4-mapped, IPv4-compatible,
#: IPv4-translated, NAT64, 6to4, Teredo) gets the verdict of the IPv4 address it embeds.
BLOCKED_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    net for net, _ in _BLOCKED_V4 if net.prefixlen < 32 or net == _V4("255.255.255.255/32")
) + tuple(net for net, _ in _BLOCKED_V6)

_MAPPED = _V6("::ffff:0:0/96")  # ::ffff:a.b.c.d
_TRANSLATED = _V6("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (SIIT)
_COMPATIBLE = _V6("::/96")  # ::a.b.c.d (deprecated)
_NAT64 = _V6("64:ff9b::/96")  # 64:ff9b::a.b.c.d
_SIXTOFOUR = _V6("2002::/16")  # 2002:aabb:ccdd::/48
_TEREDO = _V6("2001::/32")  # client address stored inverted in the low 32 bits

_ALLOW_HTTP_HINT = 'only https is allowed unless the node\'s value has "allow_http": true'
_HOST_RE = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_IDNA_DOTS = re.compile("[\u3002\uff0e\uff61]")
_DEC = frozenset("0123456789")
_OCT = frozenset("01234567")
_HEX = frozenset("0123456789abcdefABCDEF")
_MAX_SHOWN = 160
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))  # stripped from URL ends (WHATWG)


@dataclass(frozen=True)
class UrlProblem:
    """One reason a URL is refused.

    ``kind`` maps to a diagnostic: ``scheme`` -> LX2006, ``host_not_allowed`` -> LX2005,
    ``ssrf`` -> LX2007; ``invalid_url`` means the string is not a usable URL at all.
    """

    kind: ProblemKind
    message: str


class _InvalidUrl(ValueError):
    """Internal: the URL cannot be parsed; the text explains why."""


# --------------------------------------------------------------------------- addresses


def _parse_ipv4_number(part: str) -> int | None:
    """One dotted component as WHATWG/inet_aton read it: decimal, 0-octal or 0x-hex."""
    if part == "":
        return None
    digits, radix, allowed = part, 10, _DEC
    if part[:2] in ("0x", "0X"):
        digits, radix, allowed = part[2:], 16, _HEX
        if digits == "":
            return 0
    elif len(part) > 1 and part[0] == "0":
        digits, radix, allowed = part[1:], 8, _OCT
    if not all(ch in allowed for ch in digits):
        return None
    return int(digits, radix)


def _ends_in_number(host: str) -> bool:
    """WHATWG "ends in a number": such a host must be an IPv4 address or is invalid."""
    parts = host.split(".")
    if parts[-1] == "":
        if len(parts) == 1:
            return False
        parts.pop()
    last = parts[-1]
    if last != "" and all(ch in _DEC for ch in last):
        return True
    return _parse_ipv4_number(last) is not None


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Parse every IPv4 spelling a URL parser accepts; None if ``host`` is not one."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _parse_ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv6(text: str, *, url_encoded_zone: bool) -> ipaddress.IPv6Address | None:
    """Parse an IPv6 literal, keeping a zone id (``%eth0``, or ``%25eth0`` in a URL)."""
    address, sep, zone = text.partition("%")
    try:
        bare = ipaddress.IPv6Address(address)
    except ValueError:
        return None
    if not sep:
        return bare
    if url_encoded_zone:  # RFC 6874: the separator is written `%25` inside a URL
        zone = unquote(zone.removeprefix("25"))
    try:
        return ipaddress.IPv6Address(f"{address}%{zone}")
    except ValueError:
        return bare  # odd zone id: still the same address for policy purposes


def normalize_host(host: str) -> str:
    """Canonical form of a (non-bracketed) host name for comparison and checks.

    Percent-decodes, maps non-ASCII names through IDNA (so full-width digits and
    ideographic full stops become ASCII), lower-cases and drops one trailing dot.
    Raises ValueError if the name cannot be encoded.
    """
    name = unquote(host, errors="replace") if "%" in host else host
    if not name.isascii():
        name = _IDNA_DOTS.sub(".", name)
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"`{host}` is not a valid internationalised domain name") from exc
    name = name.lower()
    if len(name) > 1 and name.endswith("."):
        name = name[:-1]
    return name


def parse_ip_host(host: str) -> IPAddress | None:
    """The address a URL host (or a resolver's answer) denotes, or None for a name.

    Accepts dotted decimal, a single integer (``2130706433``), octal (``0177.0.0.1``),
    hex (``0x7f.0.0.1``, ``0x7f000001``), short forms (``127.1``), percent-encoded and
    full-width digits, a trailing dot, and IPv6 with or without brackets and with a
    zone id (``[fe80::1%25eth0]``, ``fe80::1%eth0``).
    """
    if host.startswith("[") and host.endswith("]"):
        return _parse_ipv6(host[1:-1], url_encoded_zone=True)
    if ":" in host:
        return _parse_ipv6(host, url_encoded_zone=False)
    try:
        name = normalize_host(host)
    except ValueError:
        return None
    return _parse_ipv4(name)


def _coerce_ip(ip: IPAddress | str) -> IPAddress:
    if isinstance(ip, str):
        parsed = parse_ip_host(ip)
        if parsed is None:
            raise ValueError(f"`{ip}` is not an IP address")
        return parsed
    return ip


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 address carries, with the name of the mechanism."""
    value = int(ip)
    low32 = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in _MAPPED:
        return low32, "IPv4-mapped"
    if ip in _TRANSLATED:
        return low32, "IPv4-translated"
    if ip in _COMPATIBLE:
        return low32, "IPv4-compatible"
    if ip in _NAT64:
        return low32, "NAT64"
    if ip in _SIXTOFOUR:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF), "6to4"
    if ip in _TEREDO:
        return ipaddress.IPv4Address(~value & 0xFFFFFFFF), "Teredo"
    return None


def _v4_reason(ip: ipaddress.IPv4Address) -> str | None:
    for network, what in _BLOCKED_V4:
        if ip in network:
            return what
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_private:
        return "not a globally routable address"
    return None


def _v6_reason(ip: ipaddress.IPv6Address) -> str | None:
    """Why an unscoped IPv6 address that embeds no IPv4 address is refused, or None."""
    for network, what in _BLOCKED_V6:
        if ip in network:
            return what
    if ip not in _GLOBAL_UNICAST:
        return "not a global unicast address (outside 2000::/3)"
    if not ip.is_global or ip.is_multicast or ip.is_private or ip.is_site_local:
        return "not a globally routable address"
    return None


def blocked_reason(ip: IPAddress | str) -> str | None:
    """Why ``ip`` is refused as a destination (e.g. "127.0.0.1 is a loopback address
    (127.0.0.0/8)"), or None if it may be contacted: only globally routable addresses may.
    An IPv6 address embedding an IPv4 address is judged by the IPv4 address (and refused when
    that one is). Strings are parsed with :func:`parse_ip_host`; a string that is not an
    address raises ValueError.
    """
    address = _coerce_ip(ip)
    if isinstance(address, ipaddress.IPv4Address):
        what = _v4_reason(address)
        return None if what is None else f"{address} is {what}"
    unscoped = ipaddress.IPv6Address(int(address))
    if unscoped in _V6("::/127"):  # :: and ::1, not IPv4-compatible forms
        what6 = _v6_reason(unscoped)
        return None if what6 is None else f"{address} is {what6}"
    embedded = _embedded_ipv4(unscoped)
    if embedded is not None:
        inner, mechanism = embedded
        what = _v4_reason(inner)
        if what is not None:
            return f"{address} embeds {inner} ({mechanism}), which is {what}"
        return None
    what6 = _v6_reason(unscoped)
    return None if what6 is None else f"{address} is {what6}"


def is_blocked_address(ip: IPAddress | str) -> bool:
    """True if connecting to ``ip`` is refused: it is not globally routable (loopback,
    private, link-local, shared, reserved, multicast, documentation, ...) or is an IPv6
    address embedding such an IPv4 address."""
    return blocked_reason(ip) is not None


def is_localhost_name(host: str) -> bool:
    """``localhost`` and ``*.localhost`` always resolve to loopback (RFC 6761)."""
    try:
        name = normalize_host(host)
    except ValueError:
        return False
    return name == "localhost" or name.endswith(".localhost")


# --------------------------------------------------------------------------- host lists


def _same_address(a: IPAddress, b: IPAddress) -> bool:
    return a.version == b.version and int(a) == int(b)


def host_allowed(host: str, allowed_domains: Sequence[str]) -> bool:
    """True if ``host`` is a listed domain or a sub-domain of one.

    Case-insensitive, a trailing dot ignored; ``api.example.com`` is allowed by
    ``example.com`` but ``evilexample.com`` is not. IP-literal hosts match only a listed
    address equal to them (in any spelling), never by suffix.
    """
    if isinstance(allowed_domains, str):  # a lone domain passed by mistake
        allowed_domains = [allowed_domains]
    address = parse_ip_host(host)
    if address is not None:
        for entry in allowed_domains:
            listed = parse_ip_host(entry.strip())
            if listed is not None and _same_address(listed, address):
                return True
        return False
    try:
        name = normalize_host(host)
    except ValueError:
        return False
    if name in ("", "."):
        return False
    for entry in allowed_domains:
        try:
            domain = normalize_host(entry.strip())
        except ValueError:
            continue
        if domain in ("", "."):
            continue
        if name == domain or name.endswith("." + domain):
            return True
    return False


# --------------------------------------------------------------------------- URLs


@dataclass(frozen=True)
class _ParsedUrl:
    scheme: str
    host: str | None  # as written (brackets kept), None when the URL has no authority
    name: str | None  # normalised host name; None for IPv6 literals and no authority
    address: IPAddress | None


def _shown(text: str) -> str:
    """``text`` made safe to quote in a one-line message."""
    cleaned = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if len(cleaned) > _MAX_SHOWN:
        cleaned = cleaned[: _MAX_SHOWN - 1] + "…"
    return cleaned


def _split_authority(netloc: str) -> tuple[str, str]:
    """(host, port) of an authority, dropping any user info (the real host follows the
    last ``@``)."""
    if "\\" in netloc:
        raise _InvalidUrl("its authority contains a backslash, which URL parsers disagree on")
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise _InvalidUrl("its IPv6 host has no closing `]`")
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            raise _InvalidUrl(f"unexpected `{_shown(rest)}` after the host")
        return host, rest[1:]
    host, _, port = hostport.partition(":")
    return host, port


def _parse_url(url: str) -> _ParsedUrl:
    try:
        parts = urlsplit(url.strip(_C0_OR_SPACE))
    except ValueError as exc:
        text = str(exc)
        raise _InvalidUrl(text[:1].lower() + text[1:]) from exc
    scheme = parts.scheme.lower()
    if not scheme:
        raise _InvalidUrl("it has no scheme (expected `https://host/...`)")
    if scheme not in ("http", "https") and not parts.netloc:
        return _ParsedUrl(scheme, None, None, None)  # e.g. javascript:, mailto:, file:///
    host, port = _split_authority(parts.netloc)
    if port and (not all(ch in _DEC for ch in port) or int(port) > 65535):
        raise _InvalidUrl(f"`{_shown(port)}` is not a valid port")
    if host == "":
        raise _InvalidUrl("it has no host")
    if host.startswith("["):
        address = parse_ip_host(host)
        if not isinstance(address, ipaddress.IPv6Address):
            raise _InvalidUrl(f"`{_shown(host)}` is not a valid IPv6 address")
        return _ParsedUrl(scheme, host, None, address)
    try:
        name = normalize_host(host)
    except ValueError as exc:
        raise _InvalidUrl(str(exc)) from exc
    if _ends_in_number(name):
        ipv4 = _parse_ipv4(name)
        if ipv4 is None:
            raise _InvalidUrl(f"host `{_shown(host)}` looks numeric but is not an IPv4 address")
        return _ParsedUrl(scheme, host, name, ipv4)
    if not _HOST_RE.fullmatch(name):
        raise _InvalidUrl(f"`{_shown(host)}` is not a valid host name")
    return _ParsedUrl(scheme, host, name, None)


def url_host(url: str) -> str | None:
    """The normalised host a URL would connect to, or None if the URL is invalid or has
    no host: a lower-case name without trailing dot, a canonical IPv4 address (``0x7f.1``
    gives ``127.0.0.1``) or a bracketed IPv6 address. Never touches the network."""
    try:
        parsed = _parse_url(url)
    except _InvalidUrl:
        return None
    if parsed.host is None:
        return None
    if isinstance(parsed.address, ipaddress.IPv6Address):
        return f"[{parsed.address}]"
    if parsed.address is not None:
        return str(parsed.address)
    return parsed.name


def _scheme_problem(url: str, scheme: str, allow_http: bool) -> UrlProblem | None:
    if scheme == "https" or (scheme == "http" and allow_http):
        return None
    shown = _shown(url)
    if scheme == "http":
        return UrlProblem("scheme", f"`{shown}` uses http; {_ALLOW_HTTP_HINT}")
    return UrlProblem(
        "scheme",
        f"`{shown}` uses the `{_shown(scheme)}` scheme; only https (or http when the node's "
        f'value has "allow_http": true) is allowed',
    )


def _ssrf_message(url: str, host: str, reason: str, address: IPAddress | None) -> str:
    detail = reason
    if address is not None and host.lower() not in (str(address), f"[{address}]"):
        detail = f"host `{_shown(host)}` denotes {address}, and {reason}"
    return f"`{_shown(url)}` is refused (SSRF): {detail}"


def check_url(
    url: str, allowed_domains: Sequence[str] | None, *, allow_http: bool = False
) -> list[UrlProblem]:
    """Static policy checks on a URL string; never performs DNS or any I/O.

    Returns, in this order: a ``scheme`` problem (https only; http only with
    ``allow_http``), an ``ssrf`` problem (literal IP in a refused range, or
    ``localhost``/``*.localhost``), and a ``host_not_allowed`` problem (host neither a
    listed domain nor a sub-domain of one; not reported when ``allowed_domains`` is
    None or empty). An unparsable URL yields a single ``invalid_url`` problem.
    """
    try:
        parsed = _parse_url(url)
    except _InvalidUrl as exc:
        return [UrlProblem("invalid_url", f"`{_shown(url)}` is not a valid URL: {exc}")]

    if isinstance(allowed_domains, str):  # a lone domain passed by mistake
        allowed_domains = [allowed_domains]
    problems: list[UrlProblem] = []
    scheme_problem = _scheme_problem(url, parsed.scheme, allow_http)
    if scheme_problem is not None:
        problems.append(scheme_problem)
    if parsed.host is None:
        return problems

    if parsed.address is not None:
        reason = blocked_reason(parsed.address)
        if reason is not None:
            problems.append(
                UrlProblem("ssrf", _ssrf_message(url, parsed.host, reason, parsed.address))
            )
    elif parsed.name is not None and is_localhost_name(parsed.name):
        reason = f"host `{_shown(parsed.name)}` always names a loopback address"
        problems.append(UrlProblem("ssrf", _ssrf_message(url, parsed.host, reason, None)))

    if allowed_domains and not host_allowed(parsed.host, allowed_domains):
        listed = ", ".join(f"`{_shown(d)}`" for d in allowed_domains[:5])
        if len(allowed_domains) > 5:
            listed += f" and {len(allowed_domains) - 5} more"
        shown_host = parsed.name if parsed.name is not None else parsed.host
        problems.append(
            UrlProblem(
                "host_not_allowed",
                f"host `{_shown(shown_host)}` of `{_shown(url)}` is not in allowed_domains "
                f"({listed}); a listed domain also allows its sub-domains",
            )
        )
    return problems


def resolved_address_problem(url: str, host: str, address: IPAddress | str) -> UrlProblem | None:
    """Run-time SSRF check: ``host`` (from ``url``) resolved to ``address``. Returns an
    ``ssrf`` problem if that address is refused. Call it for every resolved address and
    for every redirect hop. A string ``address`` that is not an IP raises ValueError."""
    reason = blocked_reason(address)
    if reason is None:
        return None
    return UrlProblem(
        "ssrf",
        f"`{_shown(url)}` is refused (SSRF): host `{_shown(host)}` resolved to a blocked "
        f"address: {reason}",
    )


def check_resolved_addresses(
    url: str, host: str, addresses: Iterable[IPAddress | str]
) -> list[UrlProblem]:
    """:func:`resolved_address_problem` for each address, keeping the problems found."""
    found = (resolved_address_problem(url, host, a) for a in addresses)
    return [p for p in found if p is not None]
