"""Whether a request reached us over HTTPS, and from which address, directly or through a
reverse proxy we trust.

Behind nginx (or any TLS-terminating proxy) the server sees plain HTTP from the proxy;
the proxy says what the browser used in ``X-Forwarded-Proto``. Only a proxy named in
``--trusted-proxies`` is believed, and only its own word: the last value, which it
added or set, not those a client may have sent before it.

aiohttp-remotes was considered: its strict mode refuses (400) every request that does
not come through the exact proxy chain, which would cut off gateways and Prometheus
reaching the server directly; its filtered mode never checks who connected, so it
would take the header from anyone. Deciding one cookie flag needs neither.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Union

from aiohttp import hdrs, web

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]  # noqa: UP007 (a type alias)


@functools.cache
def parse_trusted_proxies(text: str | None) -> tuple[Network, ...]:
    """``"127.0.0.1, ::1, 10.0.0.0/8"`` → networks; ``ValueError`` names a bad entry."""
    networks = []
    for item in (text or "").split(","):
        entry = item.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"--trusted-proxies: {entry!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def _peer_is_trusted(request: web.Request, trusted: tuple[Network, ...]) -> bool:
    if not trusted or request.remote is None:
        return False
    try:
        peer = ipaddress.ip_address(request.remote.split("%")[0])  # no IPv6 zone
    except ValueError:  # a Unix socket
        return False
    return any(peer in network for network in trusted)


def reached_over_https(request: web.Request, trusted: tuple[Network, ...]) -> bool:
    """HTTPS to this server itself, or to a trusted proxy that forwarded the request."""
    if request.secure:  # TLS on our own socket (aiohttp reads the transport, no header)
        return True
    if not _peer_is_trusted(request, trusted):
        return False
    values = ",".join(request.headers.getall(hdrs.X_FORWARDED_PROTO, []))
    last = values.rsplit(",", 1)[-1].strip().lower()
    return last == "https"


def client_address(request: web.Request, trusted: tuple[Network, ...]) -> str:
    """Where the request came from: the address a trusted proxy says it forwarded for (the
    last ``X-Forwarded-For`` value, the one it added), else the peer; "" when unknown (a
    Unix socket). Login throttling and the audit log record it."""
    if _peer_is_trusted(request, trusted):
        values = ",".join(request.headers.getall(hdrs.X_FORWARDED_FOR, []))
        last = values.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.remote or ""
