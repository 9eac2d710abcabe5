"""A server-sent-events client for the tests: reads ``/api/events`` in a thread."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class SseEvent:
    id: int | None
    type: str
    data: dict[str, Any]


class SseClient:
    """Collects the events of one connection; ``last_event_id`` resumes after it."""

    def __init__(self, base_url: str, *, last_event_id: int | None = None) -> None:
        self.events: list[SseEvent] = []
        self.error: BaseException | None = None
        self._cond = threading.Condition()
        self._closing = False
        url = urlsplit(base_url)
        self._conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self._conn.request("GET", "/api/events", headers=headers)
        response = self._conn.getresponse()
        assert response.status == 200, response.read()
        self._conn.sock.settimeout(None)
        self._thread = threading.Thread(target=self._read, args=(response,), daemon=True)
        self._thread.start()

    def _read(self, response: http.client.HTTPResponse) -> None:
        try:
            fields: dict[str, str] = {}
            while line := response.readline():
                text = line.decode().rstrip("\r\n")
                if text == "":
                    if "event" in fields:
                        self._add(fields)
                    fields = {}
                elif not text.startswith(":"):
                    name, _, value = text.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value
        except (OSError, ValueError, http.client.HTTPException) as exc:
            if not self._closing:
                self.error = exc
        finally:
            with self._cond:
                self._cond.notify_all()

    def _add(self, fields: dict[str, str]) -> None:
        event = SseEvent(
            int(fields["id"]) if fields.get("id") else None,
            fields["event"],
            json.loads(fields.get("data") or "{}"),
        )
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(
        self, found: Callable[[list[SseEvent]], bool], timeout: float = 30.0
    ) -> list[SseEvent]:
        """The events so far once ``found(events)``; AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not found(self.events):
                left = deadline - time.monotonic()
                if left <= 0 or (self.error is not None) or not self._thread.is_alive():
                    raise AssertionError(
                        f"events not seen within {timeout} s (error {self.error!r}): "
                        f"{[(e.id, e.type) for e in self.events]}"
                    )
                self._cond.wait(min(left, 0.5))
            return list(self.events)

    def wait_connected(self, timeout: float = 30.0) -> SseEvent:
        events = self.wait_for(lambda seen: any(e.type == "connected" for e in seen), timeout)
        return next(e for e in events if e.type == "connected")

    def of_type(self, kind: str) -> list[SseEvent]:
        with self._cond:
            return [e for e in self.events if e.type == kind]

    def close(self) -> None:
        self._closing = True
        if self._conn.sock is not None:
            # Wakes the reading thread at once (closing alone leaves it in recv).
            self._conn.sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)
        self._conn.close()

    def __enter__(self) -> SseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
