"""Rows of a ``text()`` query, typed for the checker."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast


def tuples(result: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """``result``'s rows as tuples of untyped values. A ``text()`` query's columns are
    unknown to the checker; ``Result.tuples()``, which said so, is deprecated since
    SQLAlchemy 2.1, whose rows unpack like tuples at run time (no copy is made here)."""
    return cast(Iterator[tuple[Any, ...]], iter(result))
