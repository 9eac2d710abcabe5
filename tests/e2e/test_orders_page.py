"""A run's orders in the browser against the real server (Debian's chromium): every order
with its lifecycle, prices in the symbol's decimals, reasons and signal; filters by status
and type; from an order to its trade, and from the trade's fills and unfilled orders back;
the cancelled target drawn on the trade chart apart from the fills.

Screenshots land in test-results/e2e/<test>/.
"""

from __future__ import annotations

import time

import httpx
import pytest

from .orders_batch import RUN_ID, orders_batch
from .screenshots import screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

TIMEOUT_MS = 60_000


def stream_orders_run(base_url: str) -> list[dict]:
    """Stream the batch and wait for its two trades to be built."""
    answer = httpx.post(f"{base_url}/api/ingest/stream", json=orders_batch(), timeout=30)
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 60
    trades: list[dict] = []
    while time.monotonic() < deadline:
        trades = httpx.get(
            f"{base_url}/api/trades", params={"run_id": RUN_ID, "sort": "entry_time"}, timeout=10
        ).json()["items"]
        if len(trades) == 2 and all(t["status"] == "CLOSED" for t in trades):
            return trades
        time.sleep(0.2)
    raise AssertionError(f"trades not rebuilt: {trades}")


def _row(page, order_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-testid=orders-table] tr[data-order-id='{order_id}']")


def test_orders_page_filters_and_links(page, sqlite_server, results_dir) -> None:  # type: ignore[no-untyped-def]
    es_trade, _nq_trade = stream_orders_run(sqlite_server.base_url)

    page.goto(f"/runs/{RUN_ID}")
    page.get_by_test_id("to-orders").click()
    page.get_by_test_id("orders-table").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("orders-count").inner_text() == "6 orders"
    target = _row(page, "O2")
    assert target.get_attribute("data-status") == "CANCELED"
    text = target.inner_text()
    assert "6,016.00" in text and "Stop hit first" in text and "Target" in text
    assert "O1" in text  # its parent
    assert "Margin" in _row(page, "O4").inner_text()
    # The MIT exit of NQ waited at its stop price; filled at 21,010.25 on a 0.25 tick.
    assert "21,010.00" in _row(page, "N2").inner_text()
    assert "21,010.25" in _row(page, "N2").inner_text()
    screenshot(page, results_dir / "1-orders.jpg", full_page=True)

    page.get_by_role("group", name="status").get_by_role("button", name="canceled").click()
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=orders-table] tbody tr').length === 1"
    )
    assert _row(page, "O2").count() == 1
    assert "status=CANCELED" in page.url
    page.get_by_role("group", name="status").get_by_role("button", name="all", exact=True).click()
    page.get_by_role("group", name="order_type").get_by_role(
        "button", name="stop", exact=True
    ).click()
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=orders-table] tbody tr').length === 1"
    )
    assert _row(page, "O3").count() == 1
    screenshot(page, results_dir / "2-stop-orders.jpg", full_page=True)

    # From the filled stop to its trade ...
    _row(page, "O3").get_by_test_id("order-trade").click()
    page.wait_for_selector("[data-testid=trade-chart][data-ready=true]", timeout=TIMEOUT_MS)
    assert es_trade["trade_id"] in page.url
    chart = page.get_by_test_id("trade-chart")
    # ... whose cancelled target is drawn as a level, apart from the two fills.
    assert chart.get_attribute("data-order-levels") == "1"
    assert chart.get_attribute("data-fill-count") == "2"
    assert chart.get_attribute("data-marker-count") == "3"
    unfilled = page.get_by_test_id("unfilled-orders-table")
    assert "O2" in unfilled.inner_text() and "6,016.00" in unfilled.inner_text()
    fills = page.get_by_test_id("executions-table").inner_text()
    assert "Long entry" in fills and "Stop" in fills
    screenshot(page, results_dir / "3-trade-with-unfilled-target.jpg", full_page=True)

    # ... and from a fill back to its order, marked on the orders page.
    page.get_by_test_id("executions-table").get_by_role("link", name="O1").click()
    page.get_by_test_id("orders-table").wait_for(timeout=TIMEOUT_MS)
    assert _row(page, "O1").get_attribute("aria-current") == "true"
    screenshot(page, results_dir / "4-order-of-a-fill.jpg", full_page=True)
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
