"""The optional SSRF guard: refuse outbound HTTP to hosts that resolve to this machine's or the
private network's addresses (``HUBBUB_OUTBOUND_DENY_PRIVATE_NETWORKS``, off by default:
self-hosted deployments often post to internal hosts on purpose).

Used for URLs tenants choose (webhook subscriptions, webhook channels): checked when they are
created and again before each request, since what a name resolves to can change. Every address
the name resolves to must be public, so a name with one private address is refused.

The check and the request resolve the name separately, so a DNS server answering differently
within that instant (DNS rebinding) is not stopped here; a deployment that needs that must also
filter egress at the network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from hubbub.config import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_configured: bool | None = None


class BlockedDestination(Exception):
    """The URL's host is (or resolves to) an address outbound requests may not reach."""


def configure(settings: Settings) -> None:
    """Take the switch from ``settings`` (the app's); until then the environment's is used."""
    global _configured
    _configured = settings.outbound_deny_private_networks


def deny_private_networks() -> bool:
    global _configured
    if _configured is None:  # a process without an app (CLI): the environment decides
        _configured = Settings().outbound_deny_private_networks
    return _configured


def is_forbidden(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


async def check_url(url: str) -> None:
    """``BlockedDestination`` unless every address of the URL's host is public (or the host
    cannot be resolved at all: then nothing can be reached either way)."""
    host = urlsplit(url).hostname
    if not host:
        raise BlockedDestination("the URL has no host")
    for address in await _addresses(host):
        if is_forbidden(address):
            raise BlockedDestination(
                f"{host} resolves to {address}, a loopback, private, link-local, multicast or "
                "unspecified address, which outbound requests may not reach"
            )


async def check_url_if_enabled(url: str, *, enabled: bool | None = None) -> None:
    """``check_url`` when the guard is on (``enabled``, default: the configured switch)."""
    if deny_private_networks() if enabled is None else enabled:
        await check_url(url)


async def _addresses(host: str) -> list[Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]").split("%", 1)[0])]
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
