"""A rebuild that fails, as the web app shows it: the upload's job says the import
succeeded but the trades could not be rebuilt, the runs list and the dashboard carry the
reason until a rebuild succeeds. Screenshots land in test-results/e2e/<test>/."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import delete, insert

from strategy_analysis.cli.main import main as cli_main
from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Execution
from strategy_analysis.ingest.demo_export import write_demo_export

from .screenshots import screenshot
from .test_web_app import TIMEOUT_MS, _drop_file

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def test_a_failed_rebuild_is_shown_until_a_rebuild_succeeds(  # type: ignore[no-untyped-def]
    page, sqlite_server, tmp_path, results_dir, monkeypatch
) -> None:
    export = tmp_path / "poisoned.sqlite"
    write_demo_export(export, executions=300, seed=8)
    with sqlite3.connect(export) as conn:
        run_id = conn.execute("SELECT value FROM Metadata WHERE key = 'run_id'").fetchone()[0]
        symbol = conn.execute("SELECT symbol FROM Executions LIMIT 1").fetchone()[0]
    # A broken row in the database (a quantity of 0 no import accepts) for the run's symbol.
    engine = make_engine(sqlite_server.database_url)
    row = {
        "run_id": run_id, "execution_id": "broken", "order_id": "broken", "symbol": symbol,
        "side": "BUY", "exec_time": datetime(2025, 1, 6, tzinfo=UTC), "price": 1.0,
        "quantity": 0.0, "fee": 0.0, "sequence": 10**9,
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Execution).values(row))

    page.goto("/data")
    page.get_by_role("heading", name="Import history").wait_for()
    _drop_file(page, "[data-testid=dropzone]", export)
    card = page.locator("[data-testid=upload-card]", has_text=export.name)
    card.get_by_role("button", name="Import").click(timeout=TIMEOUT_MS)
    card.locator("[data-job-status=failed]").wait_for(timeout=TIMEOUT_MS)
    job = card.get_by_test_id("job")
    assert "The import succeeded, but the trades could not be rebuilt" in job.inner_text()
    assert "quantity must be finite and > 0" in job.inner_text()
    job.get_by_test_id("import-report").wait_for()
    screenshot(page, results_dir / "1-upload-rebuild-failed.jpg", full_page=True)

    run = httpx.get(f"{sqlite_server.base_url}/api/runs/{run_id}").json()
    page.goto(f"/runs?strategy={run['strategy_id']}")
    page.get_by_test_id("analysis-failed-summary").wait_for(timeout=TIMEOUT_MS)
    note = page.get_by_test_id("analysis-failed-note")
    assert "quantity must be finite and > 0" in note.inner_text()
    screenshot(page, results_dir / "2-runs-analysis-failed.jpg", full_page=True)

    page.goto(f"/runs/{run_id}")
    banner = page.get_by_test_id("analysis-failed")
    banner.wait_for(timeout=TIMEOUT_MS)
    text = banner.inner_text()
    assert "Analysis failed" in text and symbol in text and "'broken'" in text
    screenshot(page, results_dir / "3-dashboard-analysis-failed.jpg", full_page=True)

    # The row mended and the run rebuilt: the banner goes.
    with engine.begin() as conn:
        conn.execute(delete(Execution).where(Execution.execution_id == "broken"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", sqlite_server.database_url)
    monkeypatch.chdir(tmp_path)
    assert cli_main(["rebuild", "--run", run_id]) == 0
    page.reload()
    page.get_by_test_id("kpi-trades").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("analysis-failed").count() == 0
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
