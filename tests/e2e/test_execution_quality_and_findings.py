"""Execution quality and data-quality findings in the browser against the real server
(Debian's chromium): the dashboard's panel with figures computed by hand from
orders_batch.py, per symbol; a run with findings, its verdict on the runs list and the
dashboard, and the findings page whose examples open their records.

Screenshots land in test-results/e2e/<test>/.
"""

from __future__ import annotations

import time

import httpx
import pytest

from .orders_batch import FINDINGS_RUN_ID, RUN_ID, findings_batch
from .screenshots import screenshot
from .test_orders_page import stream_orders_run

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

TIMEOUT_MS = 60_000


def _cells(page, table: str, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    row = page.locator(f"[data-testid={table}] tr[data-key='{key}']")
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_execution_quality_panel(page, sqlite_server, results_dir) -> None:  # type: ignore[no-untyped-def]
    stream_orders_run(sqlite_server.base_url)
    page.goto(f"/runs/{RUN_ID}")
    panel = page.get_by_test_id("execution-quality")
    page.get_by_test_id("execq-liquidity").wait_for(timeout=TIMEOUT_MS)

    # Six orders: four filled in full, the cancelled target and the rejected limit none.
    assert _cells(page, "execq-by-status", "FILLED") == ["FILLED", "4", "6", "6", "100.0%"]
    assert _cells(page, "execq-by-status", "CANCELED") == ["CANCELED", "1", "2", "0", "0.0%"]
    assert _cells(page, "execq-by-type", "LIMIT") == ["LIMIT", "3", "5", "2", "40.0%"]
    # LIMIT: bought 2 at 6,009.75 asking 6,010 (0.25 better, x 2 x 50); STOP: sold 2 at
    # 6,005.50 against a 6,006 stop (0.50 worse); MIT: NQ sold 1 at 21,010.25 against
    # 21,010 (0.25 better, x 20).
    assert _cells(page, "execq-slippage", "LIMIT") == [
        "LIMIT",
        "1",
        "-0.25",
        "-0.25",
        "-25.00",
        "-25.00",
    ]
    assert _cells(page, "execq-slippage", "STOP") == ["STOP", "1", "0.50", "0.50", "50.00", "50.00"]
    assert _cells(page, "execq-slippage", "MIT") == ["MIT", "1", "-0.25", "-0.25", "-5.00", "-5.00"]
    # Time to fill: 12 s, 30 s, 60 s, 300 s; median 45 s, p95 60 + 0.85 x 240 = 264 s.
    ttf = page.get_by_test_id("execq-time-to-fill").inner_text()
    assert "45s" in ttf and "4m 24s" in ttf
    assert _cells(page, "execq-liquidity", "TAKER") == ["TAKER", "2", "50.0%", "3", "50.0%", "3.75"]
    assert _cells(page, "execq-liquidity", "MAKER") == ["MAKER", "1", "25.0%", "2", "33.3%", "1.00"]
    assert _cells(page, "execq-liquidity", "UNKNOWN") == [
        "UNKNOWN",
        "1",
        "25.0%",
        "1",
        "16.7%",
        "0.50",
    ]
    screenshot(panel, results_dir / "1-execution-quality.png")

    # One symbol: NQ's two market-ish orders only.
    page.get_by_test_id("execq-symbol").select_option("NQ")
    page.wait_for_function(
        "!document.querySelector(\"[data-testid=execq-slippage] tr[data-key='LIMIT']\")"
    )
    assert _cells(page, "execq-by-status", "FILLED") == ["FILLED", "2", "2", "2", "100.0%"]
    assert page.locator("[data-testid=execq-by-status] tr[data-key='CANCELED']").count() == 0
    screenshot(panel, results_dir / "2-execution-quality-NQ.png")

    # A row opens the orders it counts.
    page.get_by_test_id("execq-symbol").select_option("")
    page.locator("[data-testid=execq-by-status] tr[data-key='CANCELED'] a").click()
    page.get_by_test_id("orders-table").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("orders-count").inner_text() == "1 order"
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]


def _stream_findings_run(base_url: str) -> str:
    answer = httpx.post(f"{base_url}/api/ingest/stream", json=findings_batch(), timeout=30)
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        quality = httpx.get(f"{base_url}/api/runs/{FINDINGS_RUN_ID}/quality", timeout=10).json()
        trades = httpx.get(
            f"{base_url}/api/trades", params={"run_id": FINDINGS_RUN_ID}, timeout=10
        ).json()["items"]
        if quality.get("findings") and trades:
            return trades[0]["trade_id"]
        time.sleep(0.2)
    raise AssertionError(f"the run was not assessed: {quality}")


def test_a_run_with_findings(page, sqlite_server, results_dir) -> None:  # type: ignore[no-untyped-def]
    trade_id = _stream_findings_run(sqlite_server.base_url)

    page.goto("/runs?strategy=Bracket")
    badge = page.locator(f"[data-run-id='{FINDINGS_RUN_ID}'] [data-testid=quality-badge]")
    badge.wait_for(timeout=TIMEOUT_MS)
    assert badge.get_attribute("data-verdict") == "errors"
    screenshot(page, results_dir / "1-runs-list.jpg", full_page=True)

    page.goto(f"/runs/{FINDINGS_RUN_ID}")
    badge = page.get_by_test_id("dashboard").get_by_test_id("quality-badge")
    badge.wait_for(timeout=TIMEOUT_MS)
    assert badge.get_attribute("data-verdict") == "errors"
    screenshot(page, results_dir / "2-dashboard.png")
    badge.click()

    findings = page.get_by_test_id("findings")
    findings.wait_for(timeout=TIMEOUT_MS)
    rows = findings.locator("tbody tr")
    checks = [rows.nth(i).get_attribute("data-check") for i in range(rows.count())]
    # Errors first; each check of the crafted batch once.
    assert checks[0] == "point_value_missing"
    assert set(checks) == {
        "point_value_missing",
        "execution_without_order",
        "order_left_working",
        "open_at_end",
        "no_bars",
    }
    row = findings.locator("tr[data-check=execution_without_order]")
    assert "CX1" in row.inner_text() and row.locator("a").count() == 0
    screenshot(page, results_dir / "3-findings.jpg", full_page=True)

    findings.locator("tr[data-check=order_left_working]").get_by_role("link", name="C2").click()
    page.get_by_test_id("orders-table").wait_for(timeout=TIMEOUT_MS)
    assert page.locator("tr[data-order-id=C2]").get_attribute("aria-current") == "true"
    page.go_back()
    findings.locator("tr[data-check=open_at_end]").get_by_role("link").first.click()
    page.get_by_test_id("trade-detail").wait_for(timeout=TIMEOUT_MS)
    assert trade_id in page.url
    page.go_back()
    findings.locator("tr[data-check=point_value_missing]").get_by_role("link", name="CL").click()
    page.wait_for_url("**/data?instrument=CL*")
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
