"""Listens to a live server's /api/events in a thread and keeps what arrives."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable

import httpx


class EventListener:
    """``with EventListener(base_url) as events``: connected on entry; ``wait_for(name,
    where)`` the first event of that name whose data ``where`` accepts."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.headers = headers or {}
        self.events: list[tuple[str, dict]] = []
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._socket: socket.socket | None = None
        self._thread = threading.Thread(target=self._listen, daemon=True)

    def _listen(self) -> None:
        try:
            self._read()
        except (httpx.TransportError, httpx.StreamError):
            # The server stopped after the test left the listener, or the listener hung up
            # on leaving: not the test's failure.
            if not self._stop.is_set():
                raise

    def _read(self) -> None:
        with httpx.stream(
            "GET", f"{self.base_url}/api/events", headers=self.headers, timeout=None
        ) as stream:
            self._socket = stream.extensions["network_stream"].get_extra_info("socket")
            name = None
            for line in stream.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith(": connected"):
                    self._connected.set()
                elif line.startswith("event: "):
                    name = line[len("event: ") :]
                elif line.startswith("data: ") and name:
                    self.events.append((name, json.loads(line[len("data: ") :])))

    def __enter__(self) -> EventListener:
        self._thread.start()
        assert self._connected.wait(10), "no connection to /api/events"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        # Hang up (closing alone leaves the reader in recv): a server stopped next need not
        # wait out its graceful-shutdown timeout for this stream.
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)

    def named(self, name: str) -> list[dict]:
        return [data for event, data in list(self.events) if event == name]

    def wait_for(
        self, name: str, where: Callable[[dict], bool] = lambda _data: True, timeout: float = 60
    ) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [data for data in self.named(name) if where(data)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no {name} event within {timeout} s; got {self.events}")
