"""Small things a trader hits on every page, in a real browser: the instrument editor's
keys and inline errors, a date range that cannot match, a page past the end of the list,
an upload error worded for a person."""

from __future__ import annotations

import re

import httpx
import pytest

from strategy_analysis.db.engine import make_engine
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.trades.rebuild import after_import_hook

from .screenshots import screenshot
from .test_web_app import _drop_file

# One server and one run for the module: a changed point value or a refused upload leaves
# what the other tests look at as it was.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("module_database_url", ["sqlite"], indirect=True, scope="module"),
    pytest.mark.xdist_group("e2e-rough-edges"),
]

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def sqlite_server(module_server):  # type: ignore[no-untyped-def]
    return module_server


@pytest.fixture(scope="module")
def run_id(module_database_url: str, sqlite_server, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    engine = make_engine(module_database_url)
    try:
        path = tmp_path_factory.mktemp("rough-edges") / "demo.sqlite"
        write_demo_export(path, executions=300, seed=31)
        report = import_export_file(engine, path, after_import=after_import_hook(engine))
        assert report.status == "succeeded", report.error
        return report.run_ids[0]
    finally:
        engine.dispose()


def test_instrument_editor_enter_saves_escape_cancels(
    page, run_id, sqlite_server, results_dir
) -> None:  # type: ignore[no-untyped-def]
    page.goto("/data")
    row = page.locator("tr", has_text="ES 12-25").first
    row.get_by_role("button", name="Edit").click()
    editor = page.get_by_test_id("instrument-editor")
    point_value = editor.get_by_label("Point value of ES 12-25")
    point_value.fill("0")
    editor.get_by_role("alert").get_by_text("Point value: a number above 0").wait_for()
    point_value.press("Enter")  # refused: nothing is sent
    screenshot(page, results_dir / "1-inline-error.png")
    point_value.press("Escape")
    assert editor.count() == 0
    before = {i["symbol"]: i for i in httpx.get(f"{sqlite_server.base_url}/api/instruments").json()}

    row.get_by_role("button", name="Edit").click()
    point_value = page.get_by_test_id("instrument-editor").get_by_label("Point value of ES 12-25")
    point_value.fill("12.5")
    point_value.press("Enter")
    page.get_by_test_id("instrument-editor").wait_for(state="detached", timeout=TIMEOUT_MS)
    after = {i["symbol"]: i for i in httpx.get(f"{sqlite_server.base_url}/api/instruments").json()}
    assert before["ES 12-25"]["point_value"] != 12.5 and after["ES 12-25"]["point_value"] == 12.5
    assert page.js_errors == [], page.js_errors


def test_dates_that_cannot_match_and_a_page_past_the_end(page, run_id, results_dir) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/runs/{run_id}/trades?from=2025-01-09&to=2025-01-06")
    page.get_by_test_id("date-range-error").wait_for(timeout=TIMEOUT_MS)
    assert "after To" in page.get_by_test_id("date-range-error").inner_text()
    assert page.get_by_label("From (UTC)").input_value() == "2025-01-09"
    screenshot(page, results_dir / "1-from-after-to.png")
    page.get_by_label("From (UTC)").fill("01/06/2025")
    page.get_by_text("Use YYYY-MM-DD").wait_for()

    page.goto(f"/runs/{run_id}/trades?offset=5000")
    page.get_by_text("This page is past the end of the list").wait_for(timeout=TIMEOUT_MS)
    screenshot(page, results_dir / "2-past-the-end.png")
    page.get_by_role("button", name="Previous page").click()
    page.get_by_test_id("trade-row").first.wait_for(timeout=TIMEOUT_MS)
    assert page.js_errors == [], page.js_errors


def test_upload_errors_are_worded_for_a_person(page, tmp_path, results_dir) -> None:  # type: ignore[no-untyped-def]
    bogus = tmp_path / "week-12.sqlite"
    bogus.write_bytes(b"this is not a database, just text " * 50)
    page.goto("/data")
    page.get_by_role("heading", name="Import history").wait_for()
    _drop_file(page, "[data-testid=dropzone]", bogus)
    card = page.locator("[data-testid=upload-card][data-phase=error]")
    card.wait_for(timeout=TIMEOUT_MS)
    text = card.inner_text()
    screenshot(page, results_dir / "1-refused-upload.png")
    assert "The server cannot read this file" in text, text
    assert not re.search(r"\b4\d\d\b|\.upload\b", text), text
