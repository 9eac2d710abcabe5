"""A small in-process event bus: import progress, job finished, analysis updated.

Publishers run in any thread (workers, the importer, the trade rebuild); subscribers are
callables, e.g. the server-sent-events endpoint that forwards into its asyncio queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    # job_progress | job_retrying | job_finished | analysis_updated | analysis_failed
    type: str
    data: dict[str, Any]
    time: datetime = field(default_factory=lambda: datetime.now(UTC))


Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Register ``subscriber``; returns the function that unregisters it."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event_type: str, **data: Any) -> Event:
        event = Event(event_type, data)
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            # One broken subscriber (a closed SSE client) must not stop the others.
            try:
                subscriber(event)
            except Exception:  # noqa: BLE001
                log.exception("event subscriber failed for %s", event_type)
        return event
