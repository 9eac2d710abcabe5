"""Fixtures of the ingest tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def model_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[itertools.count]:
    """Counts the records the export reader hands to the pydantic models (``next()`` of
    it is the number of calls so far)."""
    import strategy_analysis.ingest.export_file as export_file

    calls = itertools.count()
    original = export_file.validate_raw

    def counting(*args: Any, **kwargs: Any) -> Any:
        next(calls)
        return original(*args, **kwargs)

    monkeypatch.setattr(export_file, "validate_raw", counting)
    yield calls
