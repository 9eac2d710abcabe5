"""The real server the HTTP tests start (``live_server.py``)."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import httpx
from live_server import LiveServer


class _Imposter(http.server.BaseHTTPRequestHandler):
    """Answers 200 to every GET, as another test's server on the same port would."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_a_port_taken_before_the_bind_is_left_for_another(tmp_path: Path) -> None:
    server = LiveServer(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)
    taken = server.port
    imposter = http.server.HTTPServer(("127.0.0.1", taken), _Imposter)
    thread = threading.Thread(target=imposter.serve_forever, daemon=True)
    thread.start()
    try:
        with server:
            assert server.port != taken
            assert server.base_url == f"http://127.0.0.1:{server.port}"
            health = httpx.get(f"{server.base_url}/api/health").json()
            assert health["status"] == "ok" and health["database"] == "sqlite"
        assert "address already in use" in server.log()
    finally:
        imposter.shutdown()
        imposter.server_close()
