"""The doors every request passes before it reaches a route, in this order:

1. Host: one of the server's own names (DNS rebinding), else 400.
2. X-API-Key, when API_KEY is set: for every write under /api, and for every read under
   /api but /api/health when reads are protected (PROTECT_READS), else 401. The web app
   itself (/, its assets) and the API's documentation stay open, so a browser can load
   the app that asks for the key.
3. A write from a page of another origin (its ``Origin`` header is not this server's and
   not in ALLOWED_ORIGINS) is refused with 403.
4. A write's body must be JSON or multipart/form-data, else 415. A browser sends
   text/plain, form-urlencoded or no type at all cross-origin without asking the server
   first (a "simple request"); the JSON and gzip endpoints never take those.

Checked as a middleware, not per route, so that a new route cannot be left open.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings
from .trusted_hosts import TrustedHosts

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_API_PATHS = frozenset({"/api/health"})
WRITE_MEDIA_TYPES = frozenset({"application/json", "multipart/form-data"})
KEY_HEADER = "X-API-Key"


def key_matches(expected: str | None, presented: str | None) -> bool:
    """True when no key is set, or ``presented`` is it (compared in constant time)."""
    if expected is None:
        return True
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


class AccessGuard:
    """Pure ASGI middleware (streamed answers such as /api/events pass untouched)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.api_key = settings.api_key
        self.reads_need_key = settings.reads_need_key
        self.trusted = TrustedHosts(settings.host, settings.allowed_hosts, settings.allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope, Headers(scope=scope))
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, detail = refusal
        await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host")
        if not self.trusted.allows_host(host):
            return 400, (
                f"Host {host!r} is not a name of this server; add it to ALLOWED_HOSTS if it is"
            )
        path: str = scope["path"]
        write = scope["method"] not in SAFE_METHODS
        needs_key = is_api_path(path) and path not in OPEN_API_PATHS
        if needs_key and (write or self.reads_need_key):
            if not key_matches(self.api_key, headers.get(KEY_HEADER)):
                return 401, f"missing or wrong {KEY_HEADER} header"
        if not write:
            return None
        origin = headers.get("origin")
        if origin is not None and not self.trusted.allows_origin(origin, host):
            return 403, (
                f"a write from the page of another origin ({origin}) is refused; add it to "
                "ALLOWED_ORIGINS if it is yours"
            )
        media_type = _media_type(headers.get("content-type"))
        if _has_body(headers) and media_type not in WRITE_MEDIA_TYPES:
            given = f"not {media_type}" if media_type else "and this one has no Content-Type"
            return 415, f"a write's body must be application/json or multipart/form-data, {given}"
        return None
