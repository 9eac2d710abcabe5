"""The analysis views in the browser: the summary's All / Long / Short columns and its
display units. Screenshots land in test-results/e2e/<test>/."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from strategy_analysis.db.engine import make_engine
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.trades.rebuild import after_import_hook

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

TIMEOUT_MS = 60_000


@pytest.fixture
def runs(database_url: str, sqlite_server, tmp_path: Path) -> list[str]:
    """Two runs of one strategy, imported (and their trades built) before the pages load."""
    engine = make_engine(database_url)
    try:
        run_ids = []
        for seed in (31, 32):
            path = tmp_path / f"demo-{seed}.sqlite"
            write_demo_export(path, executions=400, seed=seed)
            report = import_export_file(engine, path, after_import=after_import_hook(engine))
            assert report.status == "succeeded", report.error
            run_ids.extend(report.run_ids)
        return run_ids
    finally:
        engine.dispose()


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
    page.screenshot(path=results_dir / "summary.png", full_page=True)

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
    page.screenshot(path=results_dir / "summary-points.png", full_page=True)
    assert page.js_errors == [], page.js_errors
