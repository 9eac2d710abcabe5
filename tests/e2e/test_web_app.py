"""The web app in a real browser against the real server on a fresh SQLite database.

Screenshots of every page land in test-results/e2e/<test>/ (look at them when the UI
changes). The trade-detail chart budget (10,000 bars in under 1 s) is printed and asserted.
"""

from __future__ import annotations

import base64
import gzip
import time
from pathlib import Path

import httpx
import pytest

from .long_trade_export import write_long_trade_export
from .screenshots import screenshot

pytestmark = [
    pytest.mark.e2e,
    # The browser flow needs one database; the API tests cover PostgreSQL.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHART_BUDGET_SECONDS = 1.0
FIRST_PAGE_BUDGET_BYTES = 500 * 1024
TIMEOUT_MS = 60_000


def _demo_export(path: Path, *, executions: int, seed: int, bars: bool = True) -> Path:
    from strategy_analysis.ingest.demo_export import write_demo_export

    write_demo_export(path, executions=executions, seed=seed, bars=bars)
    return path


def _drop_file(page, selector: str, *paths: Path) -> None:  # type: ignore[no-untyped-def]
    """Drop files on an element the way a user's drag and drop does (a DataTransfer)."""
    files = [[p.name, base64.b64encode(p.read_bytes()).decode()] for p in paths]
    transfer = page.evaluate_handle(
        """(files) => {
            const dt = new DataTransfer();
            for (const [name, b64] of files) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                dt.items.add(new File([bytes], name, { type: "application/octet-stream" }));
            }
            return dt;
        }""",
        files,
    )
    page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def _import_through_ui(page, path: Path, shots: Path, prefix: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/data")
    page.get_by_role("heading", name="Import history").wait_for()
    _drop_file(page, "[data-testid=dropzone]", path)
    card = page.locator("[data-testid=upload-card]", has_text=path.name)
    settled = (
        "[data-testid=upload-card][data-phase=checked], [data-testid=upload-card][data-phase=error]"
    )
    page.locator(settled).first.wait_for(timeout=TIMEOUT_MS)
    assert card.get_attribute("data-phase") == "checked", card.inner_text()
    summary = card.get_by_test_id("report-summary")
    assert summary.inner_text().startswith("Found "), summary.inner_text()
    screenshot(page, shots / f"{prefix}-pre-import-report.jpg", full_page=True)
    card.get_by_role("button", name="Import").click()
    card.locator("[data-job-status=succeeded], [data-job-status=failed]").wait_for(
        timeout=TIMEOUT_MS
    )
    job = card.get_by_test_id("job")
    assert job.get_attribute("data-job-status") == "succeeded", job.inner_text()


def test_drop_import_dashboard_trade_chart(page, sqlite_server, tmp_path, results_dir) -> None:  # type: ignore[no-untyped-def]
    export = _demo_export(tmp_path / "demo-export.sqlite", executions=600, seed=11)

    page.goto("/")
    page.wait_for_url("**/data")
    screenshot(page, results_dir / "0-data-empty.jpg", full_page=True)

    _import_through_ui(page, export, results_dir, "1")
    toast = page.get_by_test_id("toast").first
    toast.wait_for(timeout=TIMEOUT_MS)
    assert "Analysis updated for strategy" in toast.inner_text()
    screenshot(page, results_dir / "2-imported-with-toast.jpg", full_page=True)

    # The history lists the import; its detail page shows the report.
    history_row = page.get_by_test_id("import-row").first
    assert export.name in history_row.inner_text()
    history_row.get_by_role("link").click()
    page.get_by_test_id("import-report").wait_for()
    screenshot(page, results_dir / "3-import-detail.jpg", full_page=True)

    # The toast stays across client-side navigation; its link opens the run's dashboard.
    page.get_by_test_id("toast").first.get_by_role("link", name="Open dashboard").click()
    page.wait_for_url("**/runs/*")
    page.get_by_test_id("kpi-trades").wait_for(timeout=TIMEOUT_MS)
    page.get_by_test_id("equity-chart").locator("canvas").first.wait_for()
    run_id = page.url.rsplit("/runs/", 1)[1]
    stats = httpx.get(f"{sqlite_server.base_url}/api/runs/{run_id}/stats").json()["statistics"]
    kpi = page.get_by_test_id("kpi-trades").inner_text()
    assert f"{stats['total_trades']:,}" in kpi
    screenshot(page, results_dir / "4-dashboard.jpg", full_page=True)

    page.goto("/runs")
    page.get_by_test_id("run-row").first.wait_for()
    screenshot(page, results_dir / "5-runs.jpg", full_page=True)

    page.goto(f"/runs/{run_id}/trades")
    page.get_by_test_id("trade-row").first.wait_for()
    screenshot(page, results_dir / "6-trades.jpg", full_page=True)
    # Sorting by net PnL, losers only: every shown PnL is negative.
    page.get_by_role("group", name="outcome").get_by_role("button", name="Losers").click()
    page.wait_for_url("**outcome=losers**")
    page.get_by_role("button", name="Net PnL").click()
    page.wait_for_url("**sort=pnl_net**")
    # The URL changes before the sorted list arrives: wait for its first trade, not for any
    # row (the rows of the list before could be clicked, a winner among them).
    biggest_loser = httpx.get(
        f"{sqlite_server.base_url}/api/trades",
        params={"run_id": run_id, "outcome": "losers", "sort": "pnl_net", "limit": 1},
    ).json()["items"][0]["trade_id"]
    page.wait_for_function(
        """(id) => document.querySelector('[data-testid=trade-row] a')
            ?.getAttribute('href')?.startsWith('/trades/' + encodeURIComponent(id))""",
        arg=biggest_loser,
    )

    page.get_by_test_id("trade-row").first.get_by_role("link").click()
    page.wait_for_url("**/trades/*")
    chart = page.get_by_test_id("trade-chart")
    page.wait_for_selector("[data-testid=trade-chart][data-ready=true]", timeout=TIMEOUT_MS)
    trade_id = page.url.rsplit("/trades/", 1)[1].split("?", 1)[0]
    detail = httpx.get(f"{sqlite_server.base_url}/api/trades/{trade_id}").json()
    assert detail["trade"]["pnl_net"] < 0
    assert int(chart.get_attribute("data-bar-count")) == len(detail["bars"]) > 0
    assert int(chart.get_attribute("data-fill-count")) == len(detail["executions"]) > 0
    rows = page.get_by_test_id("executions-table").locator("tbody tr")
    assert rows.count() == len(detail["executions"])
    assert chart.locator("canvas").count() > 0
    screenshot(page, results_dir / "7-trade-detail.jpg", full_page=True)

    # Previous/next move along the list the trade was opened from (losers by net PnL).
    neighbours = httpx.get(
        f"{sqlite_server.base_url}/api/trades/{trade_id}/neighbours",
        params={"outcome": "losers", "sort": "pnl_net"},
    ).json()
    if neighbours["next_trade_id"]:
        page.get_by_role("button", name="Next ›").click()
        page.wait_for_url(f"**/trades/{neighbours['next_trade_id']}?**")
        page.wait_for_selector("[data-testid=trade-chart][data-ready=true]")

    assert page.js_errors == [], page.js_errors


# A time budget is the real server's: in this process the server would share the test's
# interpreter; it runs alone (make test), not beside another test worker.
@pytest.mark.real_server
@pytest.mark.alone
def test_trade_chart_renders_10k_bars_within_budget(
    page, sqlite_server, tmp_path, results_dir, capsys
) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "long-trade.sqlite"
    expected = write_long_trade_export(export, window_bars=10_000)
    _import_through_ui(page, export, results_dir, "1")

    run_id = expected["run_id"]
    trades = httpx.get(f"{sqlite_server.base_url}/api/trades", params={"run_id": run_id}).json()
    assert trades["total"] == 1, trades
    trade_id = trades["items"][0]["trade_id"]
    detail = httpx.get(f"{sqlite_server.base_url}/api/trades/{trade_id}").json()
    assert len(detail["bars"]) >= 9_999, len(detail["bars"])

    # Warm the browser cache with the chart code, then time full navigations to the trade
    # (best of three: the machine is shared, and the budget is about this page's own cost).
    page.goto(f"/trades/{trade_id}")
    page.wait_for_selector("[data-testid=trade-chart][data-ready=true]", timeout=TIMEOUT_MS)
    chart = page.get_by_test_id("trade-chart")
    runs = []
    for _ in range(3):
        page.goto("/data")
        started = time.perf_counter()
        page.goto(f"/trades/{trade_id}")
        page.wait_for_selector("[data-testid=trade-chart][data-ready=true]", timeout=TIMEOUT_MS)
        seen_ms = (time.perf_counter() - started) * 1000
        api_ms = page.evaluate(
            """() => performance.getEntriesByType("resource")
                .filter((e) => e.name.includes("/api/trades/"))
                .map((e) => e.duration)[0] ?? -1"""
        )
        runs.append(
            {
                "painted": float(chart.get_attribute("data-painted-at")),
                "render": float(chart.get_attribute("data-render-ms")),
                "api": api_ms,
                "seen": seen_ms,
            }
        )
    bars = int(chart.get_attribute("data-bar-count"))
    with capsys.disabled():  # the figures belong in every test run's output
        print(
            f"\ntrade detail with {bars:,} bars (navigation start -> chart painted, in the browser):"
        )
        for r in runs:
            print(
                f"  {r['painted']:.0f} ms total: GET /api/trades/{{id}} {r['api']:.0f} ms, "
                f"chart render {r['render']:.0f} ms; {r['seen']:.0f} ms as seen by the test"
            )
    best = min(runs, key=lambda r: r["painted"])
    screenshot(page, results_dir / "2-trade-detail-10k-bars.jpg", full_page=True)
    assert bars == len(detail["bars"])
    assert int(chart.get_attribute("data-fill-count")) == expected["executions"]
    assert best["render"] / 1000 < CHART_BUDGET_SECONDS
    assert best["painted"] / 1000 < CHART_BUDGET_SECONDS
    assert page.js_errors == [], page.js_errors


def test_run_without_bars_still_shows_the_trade(page, sqlite_server, tmp_path, results_dir) -> None:  # type: ignore[no-untyped-def]
    export = _demo_export(tmp_path / "no-bars.sqlite", executions=80, seed=5, bars=False)
    _import_through_ui(page, export, results_dir, "1")
    trades = httpx.get(f"{sqlite_server.base_url}/api/trades", params={"limit": 1}).json()
    assert trades["total"] > 0
    trade_id = trades["items"][0]["trade_id"]
    detail = httpx.get(f"{sqlite_server.base_url}/api/trades/{trade_id}").json()
    assert detail["bars"] == []

    page.goto(f"/trades/{trade_id}")
    page.wait_for_selector("[data-testid=trade-chart][data-ready=true]", timeout=TIMEOUT_MS)
    chart = page.get_by_test_id("trade-chart")
    assert chart.get_attribute("data-bar-count") == "0"
    assert int(chart.get_attribute("data-fill-count")) == len(detail["executions"])
    page.get_by_text("No bars for this symbol").wait_for()
    screenshot(page, results_dir / "2-trade-without-bars.jpg", full_page=True)

    page.goto(f"/runs/{detail['trade']['run_id']}")
    page.get_by_test_id("kpi-trades").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("No MAE values").wait_for()
    screenshot(page, results_dir / "3-dashboard-without-bars.jpg", full_page=True)
    assert page.js_errors == [], page.js_errors


def test_first_page_javascript_within_budget(page, built_frontend, capsys) -> None:  # type: ignore[no-untyped-def]
    """The JavaScript the browser loads for the first page is under 500 kB gzip."""
    scripts: list[str] = []
    page.on(
        "response",
        lambda r: scripts.append(r.url) if r.request.resource_type == "script" else None,
    )
    # The live event stream stays open, so the network would never be idle: left out here.
    page.route("**/api/events", lambda route: route.abort())
    page.goto("/data")
    page.get_by_role("heading", name="Import history").wait_for()
    page.wait_for_load_state("networkidle")
    assert scripts, "the first page loaded no script"
    sizes = {}
    for url in scripts:
        path = built_frontend / url.split("/", 3)[3]
        sizes[path.name] = len(gzip.compress(path.read_bytes(), compresslevel=9))
    total = sum(sizes.values())
    with capsys.disabled():
        print(
            f"\nfirst page JavaScript: {total / 1024:.1f} kB gzip in {len(sizes)} file(s) {sizes}"
        )
    assert total < FIRST_PAGE_BUDGET_BYTES
    # The chart library (its attribution logo has id tv-attr-logo) loads only with the chart pages.
    chart_code = [
        n for n in sizes if b"tv-attr-logo" in (built_frontend / "assets" / n).read_bytes()
    ]
    assert chart_code == [], chart_code


def test_upload_asks_for_the_api_key_when_the_server_needs_one(
    browser, database_url, tmp_path, built_frontend, results_dir
) -> None:  # type: ignore[no-untyped-def]
    from app_server import AppServer

    export = _demo_export(tmp_path / "keyed.sqlite", executions=40, seed=3)
    with AppServer(
        database_url, tmp_path, FRONTEND_DIR=str(built_frontend), API_KEY="s3cret-key"
    ) as server:
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, base_url=server.base_url
        )
        try:
            page = context.new_page()
            page.goto("/data")
            page.get_by_role("heading", name="Import history").wait_for()
            _drop_file(page, "[data-testid=dropzone]", export)
            card = page.get_by_test_id("upload-card")
            card.get_by_label("API key (X-API-Key)").wait_for(timeout=TIMEOUT_MS)
            assert "needs an API key" in card.inner_text()
            screenshot(page, results_dir / "1-api-key-needed.jpg", full_page=True)
            card.get_by_label("API key (X-API-Key)").fill("s3cret-key")
            card.get_by_role("button", name="Save and retry").click()
            page.locator("[data-testid=upload-card][data-phase=checked]").wait_for(
                timeout=TIMEOUT_MS
            )
            card.get_by_role("button", name="Import").click()
            card.locator("[data-job-status=succeeded]").wait_for(timeout=TIMEOUT_MS)
        finally:
            context.close()


def test_several_files_dropped_at_once(page, tmp_path, results_dir) -> None:  # type: ignore[no-untyped-def]
    """Each file gets its own report and import; a non-export is refused with a reason."""
    first = _demo_export(tmp_path / "first.sqlite", executions=60, seed=31)
    prototype = tmp_path / "prototype-export-1.0.sqlite"
    prototype.write_bytes((FIXTURES / "prototype-export-1.0.sqlite").read_bytes())
    notes = tmp_path / "notes.txt"
    notes.write_text("not an export")

    page.goto("/data")
    page.get_by_role("heading", name="Import history").wait_for()
    _drop_file(page, "[data-testid=dropzone]", first, prototype, notes)
    cards = page.get_by_test_id("upload-card")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=upload-card]')]
            .every((c) => ['checked', 'error'].includes(c.dataset.phase))""",
        timeout=TIMEOUT_MS,
    )
    assert cards.count() == 3
    refused = page.locator("[data-testid=upload-card]", has_text=notes.name)
    assert refused.get_attribute("data-phase") == "error"
    assert "not an export file" in refused.inner_text()
    screenshot(page, results_dir / "1-three-files.jpg", full_page=True)

    for path in (first, prototype):
        card = page.locator("[data-testid=upload-card]", has_text=path.name)
        assert card.get_attribute("data-phase") == "checked", card.inner_text()
        card.get_by_role("button", name="Import").click()
        # The card grows as its import starts and moves the cards below it: the next click
        # waits for that, or it may land where the next button was a moment before.
        card.locator(":scope:not([data-phase=checked])").wait_for(timeout=TIMEOUT_MS)
    for path in (first, prototype):
        card = page.locator("[data-testid=upload-card]", has_text=path.name)
        card.locator("[data-job-status=succeeded], [data-job-status=failed]").wait_for(
            timeout=TIMEOUT_MS
        )
        assert card.get_by_test_id("job").get_attribute("data-job-status") == "succeeded"
    page.get_by_test_id("import-row").nth(1).wait_for()
    history = page.get_by_test_id("import-row").all_inner_texts()
    assert len(history) == 2
    assert {first.name, prototype.name} <= {
        name for row in history for name in (first.name, prototype.name) if name in row
    }
    screenshot(page, results_dir / "2-both-imported.jpg", full_page=True)
    assert page.js_errors == [], page.js_errors
