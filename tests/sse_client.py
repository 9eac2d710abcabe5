"""A server-sent-events client for the tests: reads ``/api/events`` in a thread."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


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
        self._client = httpx.Client(timeout=httpx.Timeout(30.0, read=None))
        headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
        self._thread = threading.Thread(
            target=self._read, args=(f"{base_url}/api/events", headers), daemon=True
        )
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                response.raise_for_status()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if line == "":
                        if "event" in fields:
                            self._add(fields)
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value[1:] if value.startswith(" ") else value
        except (httpx.HTTPError, RuntimeError) as exc:
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
        self._client.close()
        self._thread.join(10)

    def __enter__(self) -> SseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
