"""Browser fixtures: Debian's chromium driven by Playwright, the real server, the built app.

The browser is the system's (never a downloaded one): Debian's ``chromium-headless-shell``,
the headless build Playwright itself runs by default (the same engine, a fifth less CPU per
test than the full browser in headless mode), else ``/usr/bin/chromium``; ``CHROMIUM_PATH``
names another. Under CI a missing browser or a missing ``frontend/dist`` fails the run;
elsewhere those tests skip.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from app_server import AppServer
from live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend" / "dist"
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get(
    "CHROMIUM_PATH", HEADLESS_SHELL if Path(HEADLESS_SHELL).is_file() else "/usr/bin/chromium"
)
RESULTS = ROOT / "test-results" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--mute-audio",
]
VIEWPORT = {"width": 1280, "height": 800}


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: end-to-end tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def built_frontend() -> Path:
    if not (DIST / "index.html").is_file():
        _missing(
            f"the web app is not built: {DIST / 'index.html'} is missing; "
            "run `npm ci --prefix frontend && npm run --prefix frontend build`"
        )
    return DIST


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is None:
        _missing(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def results_dir(request: pytest.FixtureRequest) -> Path:
    """Screenshots of this test (``screenshots.py``): test-results/e2e/<test name>/. A whole
    page (full_page) is saved as JPEG: a dashboard is about 4,000 px tall and its PNG took
    0.6 s to encode, the JPEG half that; a window or an element stays PNG (0.1 s)."""
    path = _results_of(request.node)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _results_of(item: pytest.Item) -> Path:
    return RESULTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test leaves its page as it was when the test failed: failed.jpg."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        from playwright.sync_api import Error as PlaywrightError

        path = _results_of(item)
        path.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=path / "failed.jpg", full_page=True)
        except PlaywrightError as exc:  # the page crashed or closed: the report says why
            report.sections.append(("failed.jpg", f"no screenshot: {exc}"))
    return report


@pytest.fixture
def sqlite_server(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path, built_frontend: Path
) -> Iterator[AppServer | LiveServer]:
    """The app over HTTP from this process on a fresh SQLite database, serving the built
    app; the real server (``cli.py serve``) for a test marked ``real_server``."""
    kind = LiveServer if request.node.get_closest_marker("real_server") else AppServer
    with kind(
        database_url, tmp_path, FRONTEND_DIR=str(built_frontend), REBUILD_DEBOUNCE_SECONDS="0.2"
    ) as server:
        yield server


@pytest.fixture(scope="module")
def module_server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory, built_frontend: Path
) -> Iterator[AppServer]:
    """The app over HTTP from this process on one database for the tests of a module,
    serving the built app: for tests that read what a module fixture stored. A module
    overrides ``sqlite_server`` with it, parametrizes ``module_database_url`` with "sqlite"
    (module scope) and is marked ``xdist_group`` so that one worker sets it up."""
    with AppServer(
        module_database_url,
        tmp_path_factory.mktemp("module-server"),
        FRONTEND_DIR=str(built_frontend),
        REBUILD_DEBOUNCE_SECONDS="0.2",
    ) as server:
        yield server


@pytest.fixture
def page(browser, sqlite_server: AppServer | LiveServer) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT, base_url=sqlite_server.base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    page.js_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
