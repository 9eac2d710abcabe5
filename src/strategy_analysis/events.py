"""The event bus: import progress, job finished, analysis updated.

Publishers run in any thread (workers, the importer, the trade rebuild) and call
``publish(kind, **fields)``; subscribers are callables, e.g. the server-sent-events
endpoint that forwards into its asyncio queue. This bus delivers in the process only;
``jobs/shared_events.py`` has the one that goes through the database, so every process's
events reach every server's subscribers.
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
    # job_progress | job_retrying | job_finished | import_finished | analysis_updated |
    # analysis_failed | instrument_updated
    type: str
    data: dict[str, Any]
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The id in the shared event log; None for an event delivered without it (progress).
    id: int | None = None


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
        self.deliver(event)
        return event

    def deliver(self, event: Event) -> None:
        """Hand ``event`` to every subscriber of this process."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            # One broken subscriber (a closed SSE client) must not stop the others.
            try:
                subscriber(event)
            except Exception:  # noqa: BLE001
                log.exception("event subscriber failed for %s", event.type)
