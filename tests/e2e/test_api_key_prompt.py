"""The web app against a server that guards reads: it asks for the key once, then works.

Every request, the event stream included, carries the key from then on; a reload asks
nothing (the key is kept in the browser).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from app_server import AppServer

from strategy_analysis.ingest.demo_export import write_demo_export

from .conftest import VIEWPORT
from .screenshots import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

KEY = "reads-are-guarded"
TIMEOUT_MS = 60_000
# Counts the key dialog's appearances in this page, from its very start.
COUNT_PROMPTS = """
window.__keyPrompts = 0;
new MutationObserver((changes) => {
  for (const change of changes)
    for (const node of change.addedNodes)
      if (node.nodeType === 1 && (node.matches('[role=dialog]') || node.querySelector('[role=dialog]')))
        window.__keyPrompts += 1;
}).observe(document, { childList: true, subtree: true });
"""


def _import_run(server: AppServer, tmp_path: Path) -> str:
    export = tmp_path / "guarded.sqlite"
    write_demo_export(export, executions=60, seed=5)
    headers = {"X-API-Key": KEY}
    with httpx.Client(base_url=server.base_url, timeout=60, headers=headers) as client:
        with export.open("rb") as handle:
            answer = client.post("/api/ingest/upload", files={"file": (export.name, handle)})
        assert answer.status_code == 202, answer.text
        deadline = time.monotonic() + 120
        while (job := client.get(f"/api/ingest/jobs/{answer.json()['job_id']}").json())[
            "status"
        ] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["status"] == "succeeded", job
        return job["report"]["run_ids"][0]


@pytest.fixture
def guarded_server(database_url, tmp_path, built_frontend) -> Iterator[AppServer]:  # type: ignore[no-untyped-def]
    """The app with an API_KEY that guards reads too, serving the built app."""
    with AppServer(
        database_url, tmp_path, FRONTEND_DIR=str(built_frontend), API_KEY=KEY, PROTECT_READS="true"
    ) as server:
        yield server


def test_the_app_asks_for_the_key_once(browser, guarded_server, tmp_path, results_dir) -> None:  # type: ignore[no-untyped-def]
    run_id = _import_run(guarded_server, tmp_path)
    context = browser.new_context(viewport=VIEWPORT, base_url=guarded_server.base_url)
    context.add_init_script(COUNT_PROMPTS)
    answers: list[tuple[int, str]] = []
    try:
        page = context.new_page()
        page.on("response", lambda r: answers.append((r.status, r.url)))
        page.goto("/runs")
        dialog = page.get_by_role("dialog", name="API key required")
        dialog.wait_for(timeout=TIMEOUT_MS)
        assert page.locator(".conn").inner_text() == "offline"
        screenshot(page, results_dir / "1-key-asked.jpg", full_page=True)
        dialog.get_by_label("API key").fill(KEY)
        dialog.get_by_role("button", name="Continue").click()
        dialog.wait_for(state="detached")
        given_at = len(answers)
        page.get_by_test_id("run-row").first.wait_for(timeout=TIMEOUT_MS)
        assert page.evaluate("window.__keyPrompts") == 1

        # The event stream connects; after a reload the dashboard opens without asking.
        page.locator(".conn.live").wait_for(timeout=TIMEOUT_MS)
        screenshot(page, results_dir / "2-runs.jpg", full_page=True)
        page.goto(f"/runs/{run_id}")
        page.get_by_test_id("kpi-trades").wait_for(timeout=TIMEOUT_MS)
        page.locator(".conn.live").wait_for(timeout=TIMEOUT_MS)
        screenshot(page, results_dir / "3-dashboard.jpg", full_page=True)
        assert page.evaluate("window.__keyPrompts") == 0, "asked again after a reload"
        refused = [url for status, url in answers[given_at:] if status == 401]
        assert refused == [], refused
        assert page.evaluate("localStorage.getItem('strategy-analysis.api-key')") == KEY
    finally:
        context.close()


def test_the_event_stream_is_refused_without_the_key(browser, guarded_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT, base_url=guarded_server.base_url)
    try:
        page = context.new_page()
        # The app itself loads without the key; the browser cannot open the stream.
        page.goto("/data")
        page.get_by_role("dialog", name="API key required").wait_for(timeout=TIMEOUT_MS)
        assert page.evaluate("fetch('/api/events').then((r) => r.status)") == 401
    finally:
        context.close()
