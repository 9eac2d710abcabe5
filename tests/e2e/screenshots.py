"""Screenshots of a browser test's steps, in ``test-results/e2e/<test name>/``.

Taken when ``E2E_SCREENSHOTS=1``: a whole page costs 0.2-0.3 s of CPU to capture and
encode, some 60 of them a run. A failed test's page is captured whatever the setting
(``conftest.py``), so the picture that explains a failure is always there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENABLED = os.environ.get("E2E_SCREENSHOTS") == "1"


def screenshot(target: Any, path: Path, **options: Any) -> None:
    """``target.screenshot(path=path, **options)`` (a page or a locator) when enabled."""
    if ENABLED:
        target.screenshot(path=path, **options)
