"""The guard against server-side request forgery: a webhook may only point at a
public address (docs/api.md, "Webhooks").

A URL is resolved and every address it resolves to is checked: one private
answer is enough to refuse, since which one a connection uses is not ours to
choose. The check runs when a webhook is made and again before each delivery,
since DNS can change; a delivery then connects to the address that was checked
(`Target.ip`) rather than resolving again, so the name cannot be re-pointed in
between. WEBHOOKS_ALLOW_PRIVATE lifts the guard, for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(Exception):
    """The URL cannot be used: its message says why, for the person who gave it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL, for the Host header and TLS
    port: int
    ip: str  # the checked address to connect to
    path: str  # path and query


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the name's own answer if it is an address)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(f"The host {host!r} does not resolve.") from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path and query) of an http(s) URL, or UnsafeUrl."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl("The URL is not valid.") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("The URL must be http:// or https:// with a host.")
    if parts.username or parts.password:
        raise UnsafeUrl("The URL must not carry credentials; the signature proves the sender.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port or default, path


def check(url: str) -> Target:
    """Where to deliver `url`, or UnsafeUrl if it is malformed, does not resolve,
    or resolves to an address that is not public (unless WEBHOOKS_ALLOW_PRIVATE)."""
    scheme, host, port, path = split(url)
    addresses = resolve(host, port)
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        for ip in addresses:
            # A zone ("fe80::1%eth0") names a local interface: never public.
            if "%" in ip or not is_public(ipaddress.ip_address(ip)):
                raise UnsafeUrl(
                    f"The host {host!r} resolves to {ip}, which is not a public address."
                )
    return Target(scheme=scheme, host=host, port=port, ip=addresses[0], path=path)
