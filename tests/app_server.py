"""The app served over real HTTP from this process: uvicorn in a thread, lifespan included.

A test gets the same HTTP surface as ``live_server`` (a port, streaming responses, server-sent
events, concurrent requests) without starting an interpreter and importing the app again
(1.2-1.5 s per server). An ASGI transport would not do here: it buffers each response, so an
event stream never returns. The real server (``cli.py serve`` in a subprocess) stays for what
only a process shows: restarts, kills, two servers, the serve command, the C# client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from strategy_analysis.api.app import create_app
from strategy_analysis.config import Settings


def settings_from_env(database_url: str, workdir: Path, **env: Any) -> Settings:
    """Settings as ``cli.py serve`` would read them from these environment variables."""
    values = {name.lower(): value for name, value in env.items()}
    values.setdefault("upload_dir", workdir / "uploads")
    # A rebuild child would cost a new interpreter per server; tests/api/test_rebuild_process.py
    # and the real-server tests cover it.
    values.setdefault("rebuild_process", False)
    return Settings(_env_file=None, database_url=database_url, **values)  # type: ignore[call-arg]


class _LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class _Server(uvicorn.Server):
    """uvicorn's server whose main loop also wakes when told to stop, instead of finding
    ``should_exit`` on its next tick (up to 0.1 s later, on every stop of every test), and
    whose shutdown goes on as soon as its connections are closed."""

    def request_exit(self) -> None:
        self.should_exit = True
        loop, wake = getattr(self, "_loop", None), getattr(self, "_wake", None)
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's graceful shutdown (no new connections, the open ones finish their
        response, then the lifespan's shutdown), which sleeps a fixed 0.1 s after asking
        the connections to close and then looks every 0.1 s: 0.1 s on every stop of every
        test though the test's clients are gone. This one looks every 5 ms."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        state = self.server_state
        deadline = time.monotonic() + float(self.config.timeout_graceful_shutdown or 0)
        while (state.connections or state.tasks) and not self.force_exit:
            if time.monotonic() > deadline:
                logging.getLogger("uvicorn.error").error(
                    "Cancel %s running task(s), timeout graceful shutdown exceeded",
                    len(state.tasks),
                )
                for task in state.tasks:
                    task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
                break
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()


class AppServer:
    """Like ``LiveServer`` (``base_url``, ``start``/``stop``, ``log()``, a context manager),
    with the app of this process. ``env`` names settings as environment variables do."""

    def __init__(self, database_url: str, workdir: Path, **env: Any) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        settings = settings_from_env(database_url, workdir, **env)
        # The app's defaults (reads protected, trusted hosts) follow where it really listens.
        self.settings = settings.model_copy(update={"host": "127.0.0.1", "port": self.port})
        self.app = create_app(self.settings)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._log = _LogLines()

    def start(self, timeout: float = 30.0) -> AppServer:
        config = uvicorn.Config(
            self.app,
            log_config=None,  # leave the test run's logging alone
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        package_log = logging.getLogger("strategy_analysis")
        self._level = package_log.level
        package_log.addHandler(self._log)
        package_log.setLevel(logging.INFO)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.ready.wait(0.01):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start:\n{self.log()}")
        return self

    def log(self) -> str:
        return "\n".join(self._log.lines)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.request_exit()
            self._thread.join(30)
            self._server = self._thread = None
            package_log = logging.getLogger("strategy_analysis")
            package_log.removeHandler(self._log)
            package_log.setLevel(self._level)
        self._socket.close()

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
