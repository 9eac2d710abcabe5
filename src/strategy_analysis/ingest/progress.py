"""Progress of an import: rows done out of the rows the file holds."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


class ImportProgress:
    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.callback is not None:
            self.callback(self.done, self.total)
