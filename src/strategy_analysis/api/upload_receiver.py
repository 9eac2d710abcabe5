"""Streams a multipart upload straight to UPLOAD_DIR: a server-made name, sha256 while
writing, the size limit enforced as bytes arrive, the file type sniffed from its head.

Starlette's own form parsing spools the whole file to a temporary file before the route
runs, which would neither enforce the limit while streaming nor write where we want.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import ParseError
from python_multipart.multipart import parse_options_header

from ..ingest.file_kinds import (
    GZIP_MAGIC,
    SQLITE_HEADER,
    FileKind,
    UnsupportedFileError,
    sniff,
)
from .errors import ApiError, PayloadTooLargeError, UnprocessableError, UnsupportedMediaError

log = logging.getLogger(__name__)

FIELD = "file"
_HEAD_BYTES = 64 * 1024
# Multipart framing around the file; a declared length beyond limit + this is refused
# before reading anything.
_FRAMING_SLACK = 1024 * 1024
# After refusing, read (and drop) at most this much more so the client gets the answer
# instead of a reset connection.
_DRAIN_LIMIT = 8 * 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def display_name(raw: str | None) -> str | None:
    """The client's file name for display only: last path component, no control chars."""
    if not raw:
        return None
    name = PurePosixPath(raw.replace("\\", "/")).name
    name = _UNSAFE.sub("", name).strip()
    if name in ("", ".", ".."):
        return None
    return name[:200]


@dataclass
class ReceivedFile:
    path: Path
    file_name: str | None
    sha256: str
    size_bytes: int
    kind: FileKind


@dataclass
class _State:
    target: Path
    max_bytes: int
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_field: bytes = b""
    header_value: bytes = b""
    in_file: bool = False
    seen_file: bool = False
    file_name: str | None = None
    handle: IO[bytes] | None = None
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    size: int = 0
    head: bytearray = field(default_factory=bytearray)
    error: ApiError | None = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.strip().lower()] = self.header_value.strip()
        self.header_field = b""
        self.header_value = b""

    def on_part_begin(self) -> None:
        self.headers = {}

    def on_headers_finished(self) -> None:
        _kind, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", errors="replace")
        if name != FIELD or self.seen_file or self.error is not None:
            return
        filename = options.get(b"filename")
        self.file_name = display_name(
            filename.decode("utf-8", errors="replace") if filename is not None else None
        )
        self.in_file = True
        self.seen_file = True
        self.handle = self.target.open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file or self.error is not None or self.handle is None:
            return
        chunk = data[start:end]
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.error = PayloadTooLargeError(
                f"upload is over the limit of {self.max_bytes} bytes (MAX_UPLOAD_BYTES)"
            )
            return
        if len(self.head) < _HEAD_BYTES:
            before = len(self.head)
            self.head += chunk[: _HEAD_BYTES - before]
            if before < len(SQLITE_HEADER) <= len(self.head):
                self._check_magic()
        self.digest.update(chunk)
        self.handle.write(chunk)

    def _check_magic(self) -> None:
        head = bytes(self.head)
        if not (head.startswith(SQLITE_HEADER) or head.startswith(GZIP_MAGIC)):
            try:
                sniff(head)
            except UnsupportedFileError as exc:
                # raised once the parser is done with the body (``state.error``)
                self.error = exc

    def on_part_end(self) -> None:
        if self.in_file and self.handle is not None:
            self.handle.close()
            self.handle = None
        self.in_file = False

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


async def _consume(request: Request, parser: MultipartParser, state: _State) -> None:
    drained = 0
    try:
        async for chunk in request.stream():
            if state.error is None:
                parser.write(chunk)
                continue
            drained += len(chunk)
            if drained > _DRAIN_LIMIT:
                break
        if state.error is None:
            parser.finalize()
    except ParseError as exc:
        state.error = ApiError(f"malformed multipart body: {exc}")
    finally:
        state.close()


async def receive_upload(request: Request, upload_dir: Path, max_bytes: int) -> ReceivedFile:
    media, params = parse_options_header(request.headers.get("content-type", ""))
    if media != b"multipart/form-data":
        raise UnsupportedMediaError(
            "expected multipart/form-data with the export in the field 'file'"
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiError("multipart/form-data without a boundary")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + _FRAMING_SLACK:
        raise PayloadTooLargeError(
            f"upload of {declared} bytes is over the limit of {max_bytes} bytes (MAX_UPLOAD_BYTES)"
        )
    upload_dir.mkdir(parents=True, exist_ok=True)
    target = upload_dir / f"{uuid.uuid4().hex}.upload"
    state = _State(target=target, max_bytes=max_bytes)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": state.on_part_begin,
            "on_header_field": state.on_header_field,
            "on_header_value": state.on_header_value,
            "on_header_end": state.on_header_end,
            "on_headers_finished": state.on_headers_finished,
            "on_part_data": state.on_part_data,
            "on_part_end": state.on_part_end,
        },
    )
    try:
        await _consume(request, parser, state)
        if state.error is not None:
            raise state.error
        if not state.seen_file:
            raise UnprocessableError("multipart field 'file' is missing")
        if state.size == 0:
            raise UnsupportedMediaError("the uploaded file is empty")
        kind = sniff(bytes(state.head))  # UnsupportedFileError: 415
    except BaseException:
        # Refused, malformed or the client went away: no partial file stays behind.
        target.unlink(missing_ok=True)
        raise
    log.info(
        "received upload %s (%d bytes, %s) as %s",
        state.file_name,
        state.size,
        kind.value,
        target.name,
    )
    return ReceivedFile(
        path=target,
        file_name=state.file_name,
        sha256=state.digest.hexdigest(),
        size_bytes=state.size,
        kind=kind,
    )
