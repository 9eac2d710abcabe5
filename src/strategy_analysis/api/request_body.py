"""Reading a request body within limits: raw size, and decompressed size for gzip."""

from __future__ import annotations

import zlib

from fastapi import Request

from .errors import ApiError, PayloadTooLargeError, UnsupportedMediaError

_INFLATE_STEP = 1024 * 1024


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(f"Content-Length is not a number: {value!r}") from None


async def read_body(request: Request, *, max_bytes: int, max_decompressed: int) -> bytes:
    """The body, decompressed when ``Content-Encoding: gzip``; 413 past either limit, so a
    huge body or a gzip bomb is cut off without being held in memory."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", ""):
        raise UnsupportedMediaError(f"Content-Encoding {encoding!r} is not supported; use gzip")
    declared = _declared_length(request)
    if declared is not None and declared > max_bytes:
        raise PayloadTooLargeError(
            f"body of {declared} bytes is over the limit of {max_bytes} bytes"
        )
    gzip = encoding in ("gzip", "x-gzip")
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
    parts: list[bytes] = []
    received = 0
    produced = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise PayloadTooLargeError(f"body is over the limit of {max_bytes} bytes")
        if decompressor is None:
            parts.append(chunk)
            continue
        pending = chunk
        while pending:
            try:
                # Bounded output per call: a bomb never inflates more than one step at once.
                data = decompressor.decompress(pending, _INFLATE_STEP)
            except zlib.error as exc:
                raise ApiError(f"gzip body is corrupt: {exc}") from None
            produced += len(data)
            if produced > max_decompressed:
                raise PayloadTooLargeError(
                    f"gzip body decompresses to more than the limit of {max_decompressed} bytes"
                )
            parts.append(data)
            pending = decompressor.unconsumed_tail
    if decompressor is not None:
        if not decompressor.eof:
            raise ApiError("gzip body is truncated (Content-Encoding: gzip)")
    return b"".join(parts)
