"""Which network addresses a server-side fetch may connect to (the SSRF guard).

A URL given by a client makes this server open a connection: without a guard, anyone
with the write token could read the operator's intranet, the cloud metadata service
(169.254.169.254) or the registry's own admin ports. The guard is applied to the
*resolved* address, on every redirect hop, and the fetcher then connects to exactly the
address checked here (no second DNS lookup that a rebinding name could answer
differently).

Refused by default: loopback, private (RFC 1918, unique local fc00::/7), link-local,
multicast, unspecified, reserved and otherwise non-global addresses, IPv4 and IPv6 alike;
an IPv4-mapped (``::ffff:a.b.c.d``), IPv4-compatible or 6to4/Teredo-wrapped IPv6 address
is judged by the IPv4 address it carries. Networks listed in the
``capture_allowed_networks`` setting are allowed anyway (tests, intranets).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Final

from registry.errors import UrlRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_RESOLVED: Final = 16
"""Most addresses of one name considered (a name may return many)."""


class NameNotResolved(Exception):
    """DNS gave no address for a host (the fetcher reports it as an upstream failure)."""


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDRs (``127.0.0.0/8``, ``fd00::/8``, or a single address) as networks; ValueError
    for anything else."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    packed = address.packed
    if packed[:12] == bytes(12) and packed[12:] not in (bytes(4), b"\x00\x00\x00\x01"):
        return ipaddress.IPv4Address(packed[12:])  # IPv4-compatible (deprecated) ::a.b.c.d
    return None


def refusal(address: IPAddress, allowed: Sequence[IPNetwork]) -> str | None:
    """Why ``address`` may not be connected to, or None if it may."""
    if any(address in network for network in allowed if network.version == address.version):
        return None
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = refusal(inner, allowed)
        return None if reason is None else f"{reason} (inside the IPv6 address {address})"
    for test, kind in (
        (address.is_loopback, "a loopback"),
        (address.is_link_local, "a link-local"),
        (address.is_multicast, "a multicast"),
        (address.is_unspecified, "an unspecified"),
        (address.is_private, "a private"),
        (address.is_reserved, "a reserved"),
    ):
        if test:
            return f"{address} is {kind} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to (a literal address is itself), in DNS order."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise NameNotResolved(f"the name {host} does not resolve") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"): the zone is not part of it.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
        if len(addresses) >= MAX_RESOLVED:
            break
    if not addresses:
        raise NameNotResolved(f"the name {host} does not resolve")
    return addresses


def checked_address(host: str, port: int, allowed: Sequence[IPNetwork]) -> IPAddress:
    """The first address of ``host`` this server may connect to; UrlRefused if none."""
    addresses = resolve(host, port)
    for address in addresses:
        if refusal(address, allowed) is None:
            return address
    reason = refusal(addresses[0], allowed)
    raise UrlRefused(f"refused to fetch from {host}: {reason}")
