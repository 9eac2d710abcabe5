"""The production files: docker-compose.yml follows the Compose specification, and the
proxy's nginx configuration is valid and passes the event stream unbuffered."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_compose_file_follows_the_compose_specification() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_replicas_share_the_uploads_behind_the_proxy() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    app = services["app"]
    assert app["deploy"]["replicas"] == "${APP_REPLICAS:-2}"
    assert "ports" not in app  # reached through the proxy only
    assert "uploads:/data/uploads" in app["volumes"]
    assert app["environment"]["UPLOAD_DIR"] == "/data/uploads"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["python", "cli.py", "db", "upgrade"]
    proxy = services["proxy"]
    assert proxy["ports"] == ["8000:80"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]


def test_the_nginx_configuration_is_valid(tmp_path: Path) -> None:
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    if nginx is None:
        pytest.skip("nginx is not installed (scripts/install-test-deps.sh installs it)")
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    events = config[config.index("location = /api/events") :]
    assert "proxy_buffering off;" in events and "proxy_read_timeout 1h;" in events
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{config}\n}}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-q", "-c", str(main), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
