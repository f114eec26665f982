"""The client's address: the one answer the audit trail, the log-in lock-out and the API throttle
all use.

A request's peer (`REMOTE_ADDR`) is the client itself, unless the peer is one of our own reverse
proxies (`settings.TRUSTED_PROXIES`). A proxy appends the address it received the request from to
`X-Forwarded-For`, so the list reads left to right from the client towards us, and only its
right-hand end was written by machines we trust: everything left of it is whatever the client
chose to send. So the client is the right-most entry that is not itself a trusted proxy. A peer
that is not a trusted proxy is the client, whatever header it sends; a forged header changes
nothing.

gunicorn's `forwarded_allow_ips` does not enter into this: it decides whom gunicorn believes about
the scheme (`X-Forwarded-Proto`), and leaves `REMOTE_ADDR` as the peer.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# In TRUSTED_PROXIES: a proxy that reaches us over a unix socket (gunicorn's `unix:/path` bind),
# where the peer has no IP address and REMOTE_ADDR is empty.
UNIX_SOCKET = "unix"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(entries) -> tuple[Network, ...]:
    """Addresses or networks (`10.0.0.0/8`, `::1`), and `unix`; anything else stops start-up."""
    networks = []
    for entry in entries:
        if entry == UNIX_SOCKET:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES must list IP addresses or networks (or {UNIX_SOCKET!r}), "
                f"not {entry!r}"
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[tuple[Network, ...], bool]:
    return parse_trusted_proxies(entries), UNIX_SOCKET in entries


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The address of the client that sent `request` (an HttpRequest or a DRF Request)."""
    networks, unix_trusted = _trusted(tuple(settings.TRUSTED_PROXIES))
    peer_text = request.META.get("REMOTE_ADDR", "")
    peer = _address(peer_text)

    def is_proxy(address) -> bool:
        return any(address in network for network in networks)

    if peer is None:
        if not (unix_trusted and peer_text == ""):
            return peer_text or None
    elif not is_proxy(peer):
        return str(peer)
    # The peer is our proxy: walk the header from its right-hand end, past our own proxies.
    client = peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        address = _address(entry)
        if address is None:
            break  # not written by a proxy of ours: stop at the last hop we can vouch for
        client = address
        if not is_proxy(address):
            break
    return str(client) if client is not None else None
