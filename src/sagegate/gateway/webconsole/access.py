"""Who may open the console: loopback clients, unless `--console-host` widens it.

The console is for the person at the keyboard. A client it does not admit gets the API's
own answer for the path (403 Missing Authentication Token, as for any unknown route), so
the console is invisible to it. With the default (loopback only), the Host header must
name the loopback too: a web page whose DNS name was rebound to 127.0.0.1 cannot read the
console. Requests that change something (the Test call) and the live socket must also come
from the console's own origin, so another site open in the same browser cannot make them.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from typing import Any

Scope = MutableMapping[str, Any]
_LOOPBACK = (ip_network("127.0.0.0/8"), ip_network("::1/128"))
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
ANY = "*"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class ConsoleAccess:
    """`hosts` are the client addresses or networks (CIDR) admitted beside the loopback;
    `*` admits every client."""

    def __init__(self, hosts: Sequence[str] = ()) -> None:
        self.anyone = ANY in hosts
        try:
            self.networks = (
                *_LOOPBACK,
                *(ip_network(h, strict=False) for h in hosts if h != ANY),
            )
        except ValueError as exc:
            raise ValueError(f"--console-host: {exc} (give an address, a network or *)") from None
        self.widened = len(self.networks) > len(_LOOPBACK) or self.anyone

    def _client_ok(self, scope: Scope) -> bool:
        client = scope.get("client")
        if client is None or self.anyone:
            return True  # a Unix socket: only this machine's users reach it
        try:
            address: IPv4Address | IPv6Address = ip_address(client[0])
        except ValueError:
            return False
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def admits(self, scope: Scope) -> bool:
        """True when the client may use the console."""
        if not self._client_ok(scope):
            return False
        if self.widened:
            return True
        host = (_header(scope, b"host") or "").lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in _LOOPBACK_NAMES or name.startswith("127.")

    @staticmethod
    def same_origin(scope: Scope) -> bool:
        """True when the request comes from the console's own page (or from no page)."""
        origin = _header(scope, b"origin")
        if origin is None:
            return True
        return origin in (f"http://{_header(scope, b'host')}", f"https://{_header(scope, b'host')}")
