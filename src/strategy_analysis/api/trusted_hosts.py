"""Which Host headers and which Origins are this server's own.

The Host check stops DNS rebinding: a page of an attacker's domain whose name is made to
resolve to 127.0.0.1 is same-origin with itself, so the browser lets it read and write the
local server; only the Host header it sends (the attacker's name) gives it away. Names are
what an attacker controls, so a name must be listed; an IP address in Host cannot be an
attacker's name, so any address of the machine is accepted when the server listens on all
of them (0.0.0.0 or ::), and otherwise the address it listens on and loopback.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from ..config import is_loopback

ANY = "*"
_ALL_INTERFACES = frozenset({"0.0.0.0", "::", ""})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _split_host(value: str) -> tuple[str, int | None]:
    """``"[::1]:8000"`` -> ``("::1", 8000)``; ``"Example.com."`` -> ``("example.com", None)``."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port_text = value.partition(":")
    port = int(port_text) if port_text.isdigit() else None
    return name.rstrip("."), port


class TrustedHosts:
    """The Host names and Origins of the server listening on ``bound_host``."""

    def __init__(
        self, bound_host: str, allowed_hosts: Iterable[str], allowed_origins: Iterable[str]
    ) -> None:
        extra = [host.strip().lower() for host in allowed_hosts]
        self.any_host = ANY in extra
        self.all_interfaces = bound_host.strip("[]") in _ALL_INTERFACES
        self.names = {"localhost", *(_split_host(host)[0] for host in extra if host != ANY)}
        if self.all_interfaces:
            self.names.add(socket.gethostname().lower())
        else:
            self.names.add(_split_host(bound_host)[0])
        self.origins = {origin.strip().lower().rstrip("/") for origin in allowed_origins}
        # Every request asks; the few Host and Origin values a server sees repeat.
        self._host_verdicts = functools.lru_cache(maxsize=256)(self._judge_host)
        self._origin_verdicts = functools.lru_cache(maxsize=256)(self._judge_origin)

    def allows_host(self, host_header: str | None) -> bool:
        return self._host_verdicts(host_header)

    def allows_origin(self, origin: str, host_header: str | None) -> bool:
        """True when ``origin`` is the page of this server (same name and port as the Host
        the request was sent to) or one of ALLOWED_ORIGINS; ``null`` never is."""
        return self._origin_verdicts(origin, host_header)

    def _judge_host(self, host_header: str | None) -> bool:
        if self.any_host:
            return True
        if not host_header:
            return False
        name, _port = _split_host(host_header)
        if name in self.names or is_loopback(name):
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return self.all_interfaces

    def _judge_origin(self, origin: str, host_header: str | None) -> bool:
        if origin.strip().lower().rstrip("/") in self.origins:
            return True
        if not host_header:
            return False
        try:
            parts = urlsplit(origin.strip())
            origin_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            return False
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            return False
        name, port = _split_host(host_header)
        return parts.hostname.rstrip(".") == name and origin_port == (
            port or _DEFAULT_PORTS[parts.scheme]
        )
