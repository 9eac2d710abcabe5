"""Managing runs in the browser, at 800 px (a split screen) and 1400 px wide: the trades
table keeps what a trade came to in view, previous/next follow the filtered list, a run
is named and deleted from the app. Screenshots land in test-results/e2e/<test>/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from strategy_analysis.db.engine import make_engine
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.trades.rebuild import after_import_hook

from .screenshots import screenshot

# One server for the module: the runs the first two tests read are imported once; the test
# that deletes a run imports its own two.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("module_database_url", ["sqlite"], indirect=True, scope="module"),
    pytest.mark.xdist_group("e2e-run-management"),
    pytest.mark.parametrize("width", [800, 1400]),
]

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def sqlite_server(module_server):  # type: ignore[no-untyped-def]
    return module_server


def _import_runs(
    database_url: str, folder: Path, seeds: tuple[int, int], executions: int
) -> list[str]:
    """Two runs of one strategy, imported (and their trades built) before the pages load."""
    engine = make_engine(database_url)
    try:
        run_ids = []
        for seed in seeds:
            path = folder / f"demo-{seed}.sqlite"
            write_demo_export(path, executions=executions, seed=seed)
            report = import_export_file(engine, path, after_import=after_import_hook(engine))
            assert report.status == "succeeded", report.error
            run_ids.extend(report.run_ids)
        return run_ids
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def runs(module_database_url: str, sqlite_server, tmp_path_factory) -> list[str]:  # type: ignore[no-untyped-def]
    return _import_runs(module_database_url, tmp_path_factory.mktemp("runs"), (21, 22), 400)


@pytest.fixture
def own_runs(module_database_url: str, sqlite_server, tmp_path: Path, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Two more runs of the strategy, for a test that changes them."""
    return _import_runs(module_database_url, tmp_path, (23 + width, 24 + width), 60)


@pytest.fixture
def page(browser, sqlite_server, width: int) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": width, "height": 900}, base_url=sqlite_server.base_url
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


def _in_view(page, locator) -> bool:  # type: ignore[no-untyped-def]
    """Whether the element is entirely within the window, without scrolling sideways."""
    box = locator.bounding_box()
    return (
        box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    )


def test_trades_and_runs_keep_their_results_in_view(page, runs, results_dir, width) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/runs/{runs[0]}/trades")
    page.get_by_test_id("trade-row").first.wait_for(timeout=TIMEOUT_MS)
    table = page.get_by_test_id("trades-table")
    for header in ("Net PnL", "MAE", "MFE"):
        cell = table.get_by_role("columnheader", name=header)
        assert _in_view(page, cell), f"{header} is off-screen at {width} px"
    first_row = page.get_by_test_id("trade-row").first
    assert _in_view(page, first_row.locator("td").nth(4)), "a row's net PnL is off-screen"
    screenshot(page, results_dir / f"1-trades-{width}.png")

    page.goto("/runs")
    page.get_by_test_id("run-row").first.wait_for(timeout=TIMEOUT_MS)
    runs_table = page.get_by_test_id("runs-table")
    for header in ("Profit factor", "Max drawdown"):
        cell = runs_table.get_by_role("columnheader", name=header)
        assert _in_view(page, cell), f"{header} is off-screen at {width} px"
    screenshot(page, results_dir / f"2-runs-{width}.jpg", full_page=True)
    assert page.js_errors == [], page.js_errors


def test_previous_and_next_follow_the_filtered_list(
    page, runs, sqlite_server, results_dir, width
) -> None:  # type: ignore[no-untyped-def]
    run_id = runs[0]
    page.goto(f"/runs/{run_id}/trades")
    page.get_by_test_id("trade-row").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("group", name="outcome").get_by_role("button", name="Losers").click()
    page.wait_for_url("**outcome=losers**")
    page.get_by_role("button", name="Net PnL").click()  # ascending: the worst loser first
    page.wait_for_url("**sort=pnl_net**")
    listed = httpx.get(
        f"{sqlite_server.base_url}/api/trades",
        params={"run_id": run_id, "outcome": "losers", "sort": "pnl_net", "limit": 4},
    ).json()["items"]
    expected = [t["trade_id"] for t in listed]
    assert len(expected) == 4
    page.wait_for_function(
        "(id) => document.querySelector('[data-testid=trade-row] a')?.getAttribute('href')?.includes(id)",
        arg=expected[0],
    )
    screenshot(page, results_dir / f"1-losers-by-pnl-{width}.png")

    page.get_by_test_id("trade-row").first.get_by_role("link").click()
    page.wait_for_url(f"**/trades/{expected[0]}?**")
    page.wait_for_selector("[data-testid=trade-chart][data-ready=true]", timeout=TIMEOUT_MS)
    screenshot(page, results_dir / f"2-first-loser-{width}.jpg", full_page=True)
    for trade_id in expected[1:]:
        page.get_by_role("button", name="Next ›").click()
        page.wait_for_url(f"**/trades/{trade_id}?**")
        page.wait_for_selector("[data-testid=trade-chart][data-ready=true]", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="‹ Previous").click()
    page.wait_for_url(f"**/trades/{expected[2]}?**")
    assert "outcome=losers" in page.url and "sort=pnl_net" in page.url

    # The way back to the list keeps its filters and sort.
    page.get_by_test_id("back-to-trades").click()
    page.wait_for_url(f"**/runs/{run_id}/trades?**")
    assert "outcome=losers" in page.url and "sort=pnl_net" in page.url
    page.get_by_role("group", name="outcome").get_by_role(
        "button", name="Losers", pressed=True
    ).wait_for()
    assert page.js_errors == [], page.js_errors


def test_name_and_delete_a_run_from_the_app(
    page, own_runs, sqlite_server, results_dir, width
) -> None:  # type: ignore[no-untyped-def]
    doomed, kept = own_runs
    api = sqlite_server.base_url
    page.goto(f"/runs/{doomed}")
    page.get_by_test_id("run-details").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Edit name, notes, tags").click()
    editor = page.get_by_role("form", name="Edit run")
    editor.get_by_label("Name (shown instead of the run id)").fill("Throwaway test")
    editor.get_by_label("Tags").fill("scratch")
    editor.get_by_label("Name (shown instead of the run id)").press("Enter")
    page.locator(".breadcrumbs", has_text="Throwaway test").wait_for()
    assert httpx.get(f"{api}/api/runs/{doomed}").json()["name"] == "Throwaway test"
    screenshot(page, results_dir / f"1-named-{width}.jpg", full_page=True)

    page.get_by_role("button", name="Delete run…").click()
    dialog = page.get_by_role("alertdialog")
    assert "Throwaway test" in dialog.inner_text()
    screenshot(page, results_dir / f"2-confirm-delete-{width}.png")
    dialog.get_by_role("button", name="Cancel").click()
    assert dialog.count() == 0
    assert httpx.get(f"{api}/api/runs/{doomed}").status_code == 200

    page.get_by_role("button", name="Delete run…").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete run").click()
    page.wait_for_url("**/runs?strategy=*")
    page.locator(f"[data-testid=run-row][data-run-id='{kept}']").wait_for(timeout=TIMEOUT_MS)
    assert page.locator(f"[data-testid=run-row][data-run-id='{doomed}']").count() == 0
    assert httpx.get(f"{api}/api/runs/{doomed}").status_code == 404
    assert httpx.get(f"{api}/api/trades", params={"run_id": doomed}).json()["total"] == 0
    assert httpx.get(f"{api}/api/runs/{kept}").status_code == 200
    screenshot(page, results_dir / f"3-after-delete-{width}.jpg", full_page=True)

    # The deleted run's page says so and offers the way back.
    page.goto(f"/runs/{doomed}")
    page.locator("[data-state=not-found]").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("link", name="Back to runs").click()
    page.wait_for_url("**/runs*")
    assert [e for e in page.js_errors if "404" not in e] == [], page.js_errors
