"""Browser contexts shared by the tests of one server, each test on its own page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Contexts:
    """One browser context per server and window size, shared by the tests of a worker.

    A fresh context starts with a cold cache: its first page fetches and compiles the app's
    JavaScript again. The tests of a module that share a server share its context; each
    test gets its own page and leaves no stored state behind (see ``release``)."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.open: dict[tuple[str, int, int], Any] = {}

    def page(self, base_url: str, viewport: dict[str, int]) -> Any:
        key = (base_url, viewport["width"], viewport["height"])
        if key not in self.open:
            # Tests of a module run together on a worker: the contexts of earlier servers
            # are done with.
            for done in [k for k in self.open if k[0] != base_url]:
                self.open.pop(done).close()
            self.open[key] = self.browser.new_context(viewport=viewport, base_url=base_url)
        return self.open[key].new_page()

    def release(self, page: Any, base_url: str, viewport: dict[str, int]) -> None:
        """Close the test's page and clear what it stored (local and session storage,
        cookies), as a fresh context holds none; a context that still holds something
        afterwards is closed instead of reused."""
        key = (base_url, viewport["width"], viewport["height"])
        context = self.open[key]
        try:
            if not page.is_closed() and page.url.startswith(base_url):
                page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            page.close()
            context.clear_cookies()
            state = context.storage_state()
            clean = not state["cookies"] and not any(o["localStorage"] for o in state["origins"])
        except Exception:
            clean = False
        if not clean or context.pages:
            del self.open[key]
            context.close()

    def close(self) -> None:
        for context in self.open.values():
            context.close()
        self.open.clear()


def open_page(contexts: Contexts, base_url: str, viewport: dict[str, int]) -> Iterator[Any]:
    """A new page on the server, in the context shared with the server's other tests;
    the page's JavaScript errors collect in ``page.js_errors``."""
    page = contexts.page(base_url, viewport)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    try:
        yield page
    finally:
        contexts.release(page, base_url, viewport)
