"""The analysis views in the browser: the summary's All / Long / Short columns and its
display units, the calendar of daily net PnL and its link to a day's trades, the periods'
time zone remembered, the Monte Carlo panel, two runs compared with both curves drawn, the
display unit on a trade and the trades list, CSV downloads whose rows are the API's.
Screenshots land in test-results/e2e/<test>/."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest

from strategy_analysis.db.engine import make_engine
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.trades.rebuild import after_import_hook

from .screenshots import screenshot

# The tests only read the two runs: one server and one import for the module.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("module_database_url", ["sqlite"], indirect=True, scope="module"),
    pytest.mark.xdist_group("e2e-analysis"),
]

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def sqlite_server(module_server):  # type: ignore[no-untyped-def]
    return module_server


@pytest.fixture(scope="module")
def runs(module_database_url: str, sqlite_server, tmp_path_factory) -> list[str]:  # type: ignore[no-untyped-def]
    """Two runs of one strategy, imported (and their trades built) before the pages load."""
    engine = make_engine(module_database_url)
    folder = tmp_path_factory.mktemp("analysis-runs")
    try:
        run_ids = []
        for seed in (31, 32):
            path = folder / f"demo-{seed}.sqlite"
            write_demo_export(path, executions=400, seed=seed)
            report = import_export_file(engine, path, after_import=after_import_hook(engine))
            assert report.status == "succeeded", report.error
            run_ids.extend(report.run_ids)
        return run_ids
    finally:
        engine.dispose()


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _get(server, path: str, **params):  # type: ignore[no-untyped-def]
    answer = httpx.get(f"{server.base_url}{path}", params=params, timeout=30)
    answer.raise_for_status()
    return answer


def test_summary_shows_all_long_and_short(page, runs, sqlite_server, results_dir) -> None:  # type: ignore[no-untyped-def]
    run_id = runs[0]
    page.goto(f"/runs/{run_id}")
    summary = page.get_by_test_id("stats-summary")
    summary.wait_for(timeout=TIMEOUT_MS)
    headers = [t.strip() for t in summary.locator("thead th").all_text_contents()]
    assert headers == ["Statistic", "All", "Long", "Short"]

    figures = {
        side: _get(
            sqlite_server, f"/api/runs/{run_id}/stats", **({"side": side} if side else {})
        ).json()
        for side in (None, "long", "short")
    }
    stats = {side: body.get("statistics", body) for side, body in figures.items()}
    assert (
        stats["long"]["total_trades"] + stats["short"]["total_trades"]
        == stats[None]["total_trades"]
    )
    assert 0 < stats["long"]["total_trades"] < stats[None]["total_trades"]

    cells = summary.locator("tr[data-stat=total_trades] td").all_inner_texts()
    assert cells[1:] == [f"{stats[s]['total_trades']:,}" for s in (None, "long", "short")]
    net = summary.locator("tr[data-stat=net_profit] td").all_inner_texts()
    assert net[1:] == [f"{stats[s]['net_profit']:,.2f}" for s in (None, "long", "short")]
    screenshot(page, results_dir / "summary.jpg", full_page=True)

    # Points: a mix of symbols of different point values has no single figure in points;
    # one symbol has (ES: point value 50).
    page.get_by_test_id("unit-switch").get_by_role("button", name="Points").click()
    assert "missing" in summary.locator("tr[data-stat=net_profit] td").nth(1).inner_text()
    page.get_by_test_id("subset-symbol").select_option("ES 12-25")
    es = _get(sqlite_server, f"/api/runs/{run_id}/stats", symbol="ES 12-25").json()
    es = es.get("statistics", es)
    expected = f"{es['net_profit'] / 50:,.2f} pts"
    page.locator("[data-testid=stats-summary] tr[data-stat=net_profit] td").nth(1).filter(
        has_text=expected
    ).wait_for(timeout=TIMEOUT_MS)
    screenshot(page, results_dir / "summary-points.jpg", full_page=True)
    assert page.js_errors == [], page.js_errors


def test_calendar_opens_a_days_trades(page, runs, sqlite_server, results_dir) -> None:  # type: ignore[no-untyped-def]
    run_id = runs[0]
    days = _get(sqlite_server, f"/api/runs/{run_id}/breakdown", by="day", tz="UTC").json()["rows"]
    assert days
    page.goto(f"/runs/{run_id}/periods")
    calendar = page.get_by_test_id("calendar")
    calendar.wait_for(timeout=TIMEOUT_MS)
    assert calendar.locator("td[data-day]").count() == len(days)
    page.get_by_test_id("breakdown-table").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("breakdown-table").locator("tbody tr").count() == len(days)
    screenshot(page, results_dir / "periods.jpg", full_page=True)

    # The time zone is remembered across visits.
    page.get_by_test_id("tz-input").fill("America/New_York")
    page.reload()
    page.get_by_test_id("calendar").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("tz-input").input_value() == "America/New_York"
    page.get_by_test_id("tz-input").fill("UTC")
    page.locator(f"td[data-day='{days[0]['key']}']").wait_for(timeout=TIMEOUT_MS)

    first = days[0]["key"]
    page.locator(f"td[data-day='{first}'] button").click()
    page.wait_for_url(re.compile(rf"/runs/{re.escape(run_id)}/trades\?.*from={first}"))
    page.get_by_test_id("trade-row").first.wait_for(timeout=TIMEOUT_MS)
    for time_cell in page.get_by_test_id("trade-row").locator("td:first-child").all_inner_texts():
        assert time_cell.startswith(first)
    screenshot(page, results_dir / "day-trades.png")
    assert page.js_errors == [], page.js_errors


def test_monte_carlo_panel_shows_the_apis_percentiles(
    page, runs, sqlite_server, results_dir
) -> None:  # type: ignore[no-untyped-def]
    run_id = runs[0]
    page.goto(f"/runs/{run_id}")
    panel = page.get_by_test_id("monte-carlo")
    panel.wait_for(timeout=TIMEOUT_MS)
    page.get_by_test_id("mc-simulations").fill("500")
    page.get_by_test_id("mc-seed").fill("7")
    page.get_by_test_id("mc-run").click()
    page.get_by_test_id("mc-net").wait_for(timeout=TIMEOUT_MS)
    mc = _get(sqlite_server, f"/api/runs/{run_id}/monte-carlo", simulations=500, seed=7).json()
    for row, name in (("mc-net", "net_profit"), ("mc-dd", "max_drawdown")):
        cells = page.get_by_test_id(row).locator("td").all_inner_texts()
        shown = cells[1:6]
        assert shown == [f"{mc[name][p]:,.2f}" for p in ("p5", "p25", "p50", "p75", "p95")]
    assert (
        page.get_by_test_id("mc-probability").inner_text()
        == f"{mc['probability_of_profit'] * 100:.1f}%"
    )
    screenshot(panel, results_dir / "monte-carlo.png")
    assert page.js_errors == [], page.js_errors


def test_compare_two_runs_draws_both_curves(page, runs, results_dir) -> None:  # type: ignore[no-untyped-def]
    page.goto("/runs")
    page.get_by_test_id("run-row").first.wait_for(timeout=TIMEOUT_MS)
    picks = page.get_by_test_id("compare-pick")
    assert picks.count() == 2
    picks.nth(0).check()
    picks.nth(1).check()
    page.get_by_test_id("compare-link").click()
    page.wait_for_url(re.compile(r"/compare\?run_id=[^&]+&run_id="))
    chart = page.get_by_test_id("compare-chart")
    chart.wait_for(timeout=TIMEOUT_MS)
    assert chart.get_attribute("data-series") == "2"
    assert chart.locator("canvas").count() > 0
    assert page.get_by_test_id("compare-run").count() == 2
    assert page.get_by_test_id("compare-table").locator("td[data-differs]").count() > 0
    screenshot(page, results_dir / "compare.jpg", full_page=True)
    assert page.js_errors == [], page.js_errors


def test_trade_detail_and_list_follow_the_display_unit(
    page, runs, sqlite_server, results_dir
) -> None:  # type: ignore[no-untyped-def]
    run_id = runs[0]
    listed = _get(
        sqlite_server, "/api/trades", run_id=run_id, symbol="ES 12-25", status="CLOSED", limit=1
    ).json()["items"][0]
    ticks = listed["pnl_net"] / 50 / 0.25  # ES: point value 50, tick size 0.25
    text = (
        f"{round(ticks):,} ticks"
        if abs(ticks - round(ticks)) < 1e-9
        else f"{ticks:,.2f}".rstrip("0")
    )
    page.goto(f"/trades/{listed['trade_id']}")
    page.get_by_test_id("trade-detail").wait_for(timeout=TIMEOUT_MS)
    page.get_by_test_id("unit-switch").get_by_role("button", name="Ticks").click()
    assert page.get_by_test_id("net-pnl").inner_text().startswith(text)
    screenshot(page, results_dir / "trade-in-ticks.png")

    # Remembered: the trades list opens in ticks.
    page.goto(f"/runs/{run_id}/trades?symbol=ES+12-25&status=CLOSED")
    page.get_by_test_id("trade-row").first.wait_for(timeout=TIMEOUT_MS)
    assert (
        page.get_by_test_id("unit-switch")
        .get_by_role("button", name="Ticks")
        .get_attribute("aria-pressed")
        == "true"
    )
    assert "ticks" in page.get_by_test_id("trade-row").first.inner_text()
    assert page.js_errors == [], page.js_errors


def test_csv_downloads_equal_the_api(page, runs, sqlite_server, results_dir) -> None:  # type: ignore[no-untyped-def]
    run_id = runs[0]
    page.goto(f"/runs/{run_id}/trades?side=SHORT&status=CLOSED")
    page.get_by_test_id("trade-row").first.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download() as info:
        page.get_by_test_id("trades-csv").click()
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")
    expected = _get(
        sqlite_server,
        "/api/trades",
        run_id=run_id,
        side="SHORT",
        status="CLOSED",
        sort="entry_time",
        format="csv",
    ).text
    rows = _csv_rows(downloaded)
    assert rows[0][:2] == ["trade_id", "run_id"] and "pnl_net" in rows[0]
    assert rows == _csv_rows(expected)
    assert len(rows) - 1 == int(
        page.get_by_test_id("trades-count").inner_text().split()[0].replace(",", "")
    )
    screenshot(page, results_dir / "trades-csv.png")

    page.goto(f"/runs/{run_id}/periods")
    page.get_by_role("button", name="Month").click()
    page.get_by_test_id("breakdown-table").wait_for(timeout=TIMEOUT_MS)
    with page.expect_download() as info:
        page.get_by_test_id("breakdown-csv").click()
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")
    expected = _get(
        sqlite_server, f"/api/runs/{run_id}/breakdown", by="month", tz="UTC", format="csv"
    ).text
    rows = _csv_rows(downloaded)
    assert rows[0][:2] == ["key", "trades"] and len(rows) > 1
    assert rows == _csv_rows(expected)
    assert page.js_errors == [], page.js_errors
