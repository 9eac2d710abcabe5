"""Runs the real server (``python cli.py serve``) in a subprocess for HTTP tests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, database_url: str, workdir: Path, **env: str) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(workdir / "uploads"),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._terminated = False
        self.log_path = workdir / f"server-{self.port}.log"

    def start(self, timeout: float = 30.0) -> LiveServer:
        return self.launch().wait_ready(timeout)

    def launch(self) -> LiveServer:
        """Start the process without waiting for it (servers started together start in
        parallel); ``wait_ready`` waits for its answer."""
        log = self.log_path.open("ab")
        self._terminated = False
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(self.port)],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self, timeout: float = 30.0) -> LiveServer:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            if self._healthy():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s:\n{self.log()}")

    def _healthy(self) -> bool:
        # The standard library's client: an httpx.get builds an SSL context first, about
        # 25 ms of CPU per poll while the server starts.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
        try:
            conn.request("GET", "/api/health")
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def children(self) -> set[int]:
        """The processes the server started (Linux: read from /proc)."""
        assert self.process is not None
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == self.process.pid:
                found.add(int(entry.name))
        return found

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def terminate(self) -> None:
        """Ask the server to stop (SIGTERM) without waiting; ``stop`` waits for it."""
        if self.process and self.process.poll() is None and not self._terminated:
            self.process.terminate()
            self._terminated = True

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            # Once only: a second SIGTERM makes uvicorn skip its graceful shutdown.
            self.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def live_servers(*servers: LiveServer, timeout: float = 30.0) -> Iterator[tuple[LiveServer, ...]]:
    """Several servers started in parallel, all answering on entry, stopped on exit."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready(timeout)
        yield servers
    finally:
        # Stopped together: each one's graceful shutdown overlaps the others'.
        for server in servers:
            server.terminate()
        for server in servers:
            server.stop()
