"""Prices in each symbol's decimals, position excursions and a missing point value, in a
real browser against the real server (Debian's chromium).

Screenshots of the trade detail of an FX trade and of a scaled futures trade land in
test-results/e2e/<test>/.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from .precision_batch import RUN_ID, precision_batch
from .screenshots import screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

TIMEOUT_MS = 60_000


def _stream_and_wait(base_url: str) -> list[dict]:
    answer = httpx.post(f"{base_url}/api/ingest/stream", json=precision_batch(), timeout=30)
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        trades = httpx.get(
            f"{base_url}/api/trades", params={"run_id": RUN_ID, "sort": "entry_time"}, timeout=10
        ).json()["items"]
        if len(trades) == 5 and all(t["status"] == "CLOSED" for t in trades):
            return trades
        time.sleep(0.2)
    raise AssertionError(f"trades not rebuilt: {trades}")


def _open_trade(page, trade_id: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/trades/{trade_id}")
    page.wait_for_selector("[data-testid=trade-chart][data-ready=true]", timeout=TIMEOUT_MS)


def test_prices_in_the_symbols_decimals_and_scaled_excursions(
    page, sqlite_server, results_dir
) -> None:  # type: ignore[no-untyped-def]
    trades = _stream_and_wait(sqlite_server.base_url)
    fx, fx_long, _fx_short, es, six_e = trades

    # The trades table: EURUSD with 5 decimals, ES with 2, none trimmed.
    page.goto(f"/runs/{RUN_ID}/trades")
    page.get_by_test_id("trade-row").first.wait_for()
    rows = page.get_by_test_id("trade-row")
    assert "1.09100" in rows.nth(0).inner_text() and "1.08918" in rows.nth(0).inner_text()
    assert "4,999.30" in rows.nth(3).inner_text() and "5,003.59" in rows.nth(3).inner_text()
    assert "1.07150" in rows.nth(4).inner_text()
    page.get_by_test_id("point-value-warning").wait_for()
    screenshot(page, results_dir / "1-trades-table.jpg", full_page=True)

    # An FX trade: the detail and the chart's price axis write 5 decimals.
    _open_trade(page, fx_long["trade_id"])
    assert page.get_by_test_id("entry-price").inner_text() == "1.07156"
    assert page.get_by_test_id("exit-price").inner_text() == "1.07200"
    chart = page.get_by_test_id("trade-chart")
    assert chart.get_attribute("data-entry-label") == "1.07156"
    fills = page.get_by_test_id("executions-table").locator("tbody tr")
    split = fills.filter(has_text="E3")
    assert "10,000 of 20,000" in split.inner_text() and "2.18" in split.inner_text()
    screenshot(page, results_dir / "2-fx-trade-detail.jpg", full_page=True)

    # The scaled ES trade: 2 decimals; MAE on the 38 contracts held, not on 128.
    _open_trade(page, es["trade_id"])
    assert es["mae"] == 19_000.0 and es["mfe"] == 29_400.0 and es["quantity"] == 128.0
    assert (es["entry_signal"], es["exit_signal"]) == ("Scale in", "Scale out")
    assert page.get_by_test_id("entry-price").inner_text() == "4,999.30"
    assert re.fullmatch(r"4,?999\.30", chart.get_attribute("data-entry-label") or "")
    mae = page.get_by_test_id("mae").inner_text()
    assert mae.startswith("19,000.00") and "9.30 pts" in mae and "37 ticks" not in mae
    screenshot(page, results_dir / "3-es-scaled-trade-detail.jpg", full_page=True)

    # 6E has no instrument: the dashboard says so and its link opens the editor there.
    assert six_e["point_value_missing"] and not fx["point_value_missing"]
    page.goto(f"/runs/{RUN_ID}")
    warning = page.get_by_test_id("point-value-warning")
    warning.wait_for(timeout=TIMEOUT_MS)
    assert "6E" in warning.inner_text()
    screenshot(page, results_dir / "4-dashboard-point-value-warning.jpg", full_page=True)
    warning.get_by_role("link", name="6E").click()
    page.wait_for_url("**/data?instrument=6E*")
    page.get_by_label("Point value of 6E").fill("125000")
    page.get_by_label("Tick size of 6E").fill("0.00005")
    page.get_by_role("button", name="Save").click()
    page.locator(
        "[data-testid=instruments-table] tr[data-symbol='6E']:not([data-editing])"
    ).wait_for(timeout=TIMEOUT_MS)
    screenshot(page, results_dir / "5-instrument-set.jpg", full_page=True)
    page.goto(f"/runs/{RUN_ID}")
    page.get_by_test_id("kpi-trades").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("point-value-warning").count() == 0
    rebuilt = httpx.get(f"{sqlite_server.base_url}/api/trades/{six_e['trade_id']}").json()
    assert rebuilt["trade"]["pnl_gross"] == 37.5

    # The dashboard's trade count opens exactly the trades it counts.
    kpi = page.get_by_test_id("kpi-trades")
    assert "5" in kpi.inner_text()
    kpi.click()
    page.wait_for_url("**status=CLOSED**")
    assert page.get_by_test_id("trades-count").inner_text() == "5 closed trades"
    assert page.js_errors == [], page.js_errors
