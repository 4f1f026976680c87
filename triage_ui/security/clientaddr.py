"""The client's address, believing ``X-Forwarded-For`` only from configured reverse proxies.

Throttling and the audit log key on this address, so a forged header must not move an
attacker to another address: the peer of the TCP connection is the client unless it is a
trusted proxy; then the right-most forwarded address that is not itself a trusted proxy
is (RFC 7239's advice for chains of proxies one controls).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from triage_ui.config import IPNetwork


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Sequence[IPNetwork]) -> str:
    """The address to throttle and audit: ``peer`` unless it is a trusted proxy."""
    peer_address = _address(peer or "")
    if peer_address is None:
        return peer or "-"
    if not forwarded_for or not _trusted(peer_address, proxies):
        return str(peer_address)
    hops = [_address(part) for part in forwarded_for.split(",")]
    for hop in reversed(hops):
        if hop is None:  # garbage in the chain: stop believing it at that point
            break
        if not _trusted(hop, proxies):
            return str(hop)
    return str(peer_address)
