import threading
from collections.abc import Iterator

import pytest

from strategy_analysis.ingest.prefetch import prefetched


def test_items_arrive_in_order() -> None:
    assert list(prefetched(iter(range(100)), depth=3)) == list(range(100))


def test_reader_error_is_raised_in_the_consumer() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise ValueError("bad page")

    got = []
    with pytest.raises(ValueError, match="bad page"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1]


def test_consumer_stopping_early_ends_the_reader() -> None:
    produced = []

    def items() -> Iterator[int]:
        for i in range(10_000):
            produced.append(i)
            yield i

    before = threading.active_count()
    for item in prefetched(items(), depth=2):
        if item == 3:
            break
    assert threading.active_count() == before
    assert len(produced) < 10
