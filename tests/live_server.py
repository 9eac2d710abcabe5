"""Runs the real server (``python cli.py serve``) in a process of its own for HTTP tests."""

from __future__ import annotations

import atexit
import contextlib
import http.client
import multiprocessing
import multiprocessing.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from preloaded_server import PRELOAD, serve

ROOT = Path(__file__).resolve().parents[1]
# uvicorn's words when the port is taken, and the state of a listening socket in /proc/net/tcp.
BIND_REFUSED = "address already in use"
TCP_LISTEN = "0A"
# The fork server behind ``LiveServer``: started by the first server a test process needs.
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(PRELOAD)


class ServerProcess(Protocol):
    """What the tests use of a server's process: ``subprocess.Popen``'s terms."""

    @property
    def pid(self) -> int: ...
    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def kill(self) -> None: ...
    def terminate(self) -> None: ...


class ForkedProcess:
    """A server forked from the preloaded one (``preloaded_server``), in Popen's terms."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self._process = _FORKS.Process(
            target=serve, args=(argv, env, str(cwd), str(log_path)), name=f"serve {argv}"
        )
        self._process.start()
        _running_forks.add(self)

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    def poll(self) -> int | None:
        code = self._process.exitcode
        if code is not None:
            _running_forks.discard(self)
        return code

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self.poll()
        if code is None:
            raise subprocess.TimeoutExpired(f"server {self.pid}", timeout or 0)
        return code

    def kill(self) -> None:
        self._process.kill()

    def terminate(self) -> None:
        self._process.terminate()


_running_forks: set[ForkedProcess] = set()


# Registered after multiprocessing's own exit handler (imported above), so it runs first:
# multiprocessing waits for its children at exit, and a server a failed test left running
# must not hold the test process up (a Popen child would not).
@atexit.register
def _kill_forked_servers() -> None:
    for process in list(_running_forks):
        if process.poll() is None:
            process.kill()
            process.wait(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``python cli.py serve`` on a free port. ``fresh_interpreter``: a new interpreter runs
    ``cli.py`` (the entry script itself); by default a fork of the preloaded server runs the
    same command, ready about a second sooner."""

    def __init__(
        self, database_url: str, workdir: Path, *, fresh_interpreter: bool = False, **env: str
    ) -> None:
        self.database_url = database_url
        self.fresh_interpreter = fresh_interpreter
        self.workdir = workdir
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(workdir / "uploads"),
            **env,
        }
        self.process: ServerProcess | None = None
        self._terminated = False
        self.log_path = workdir / f"server-{self.port}.log"
        self._log_start = 0  # where the log of the last launch begins

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> LiveServer:
        return self.launch().wait_ready(timeout)

    def launch(self) -> LiveServer:
        """Start the process without waiting for it (servers started together start in
        parallel); ``wait_ready`` waits for its answer."""
        self._terminated = False
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        argv = ["serve", "--port", str(self.port)]
        if not self.fresh_interpreter:
            self.process = ForkedProcess(argv, self.env, self.workdir, self.log_path)
            return self
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "cli.py"), *argv],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, timeout: float = 30.0) -> LiveServer:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        moves = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                # Another test's server took the port between free_port() and this bind.
                if BIND_REFUSED in self.log()[self._log_start :] and moves < 3:
                    moves += 1
                    self.port = free_port()
                    self.launch()
                    continue
                raise RuntimeError(f"server exited early:\n{self.log()}")
            if self._healthy() and self._listens():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s:\n{self.log()}")

    def _listens(self) -> bool:
        """Whether the socket listening on the port is this server's, not another test's
        server that answers there (one that bound the port this server was refused)."""
        assert self.process is not None
        fds = Path(f"/proc/{self.process.pid}/fd")
        sockets = set()
        for fd in fds.iterdir() if fds.exists() else ():
            with contextlib.suppress(OSError):  # closed meanwhile
                sockets.add(os.readlink(fd))
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if (
                    state == TCP_LISTEN
                    and int(local.rsplit(":", 1)[1], 16) == self.port
                    and f"socket:[{inode}]" in sockets
                ):
                    return True
        return False

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
