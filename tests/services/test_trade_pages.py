"""Trade pages from numbered lists and cursors give the rows OFFSET pages give, in the same
order, with the same totals; a rebuild makes a list stale and the next read renumbers it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import RunStatistics, Trade, TradeList, TradeListPosition
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.services import trade_pages
from strategy_analysis.services.run_deletion import delete_run_rows
from strategy_analysis.services.trades_query import TradeFilters, list_trades
from strategy_analysis.trades.rebuild import after_import_hook

# Nullable fields both ways (open trades have no exit), ties (side, symbol), times.
SORTS = [None, "-entry_time", "exit_time", "-exit_time", "pnl_net", "-pnl_net", "side", "-symbol"]
PAGE = 7
# One worker imports the run the read-only tests share (module_database_url).
pytestmark = pytest.mark.xdist_group("trade-pages")


def _import_run(engine, folder) -> str:
    path = folder / "demo.sqlite"
    write_demo_export(path, executions=400, seed=11)
    report = import_export_file(engine, path, after_import=after_import_hook(engine))
    (run,) = report.run_ids
    return run


@pytest.fixture
def run_id(engine, tmp_path) -> str:
    return _import_run(engine, tmp_path)


@pytest.fixture(scope="module")
def read_only_run(module_database_url, tmp_path_factory):
    """(engine, run id) of a run that the tests using it only read."""
    engine = make_engine(module_database_url)
    try:
        yield engine, _import_run(engine, tmp_path_factory.mktemp("trade-pages"))
    finally:
        engine.dispose()


def _reference(conn, filters, sort) -> list[str]:
    rows, total = list_trades(conn, filters, sort=sort, limit=1000, offset=0)
    assert total == len(rows)
    return [row["trade_id"] for row in rows]


def _walk(conn, filters, sort) -> tuple[list[str], set[int]]:
    """Every page by following next_cursor: the ids in order and the totals answered."""
    seen: list[str] = []
    totals: set[int] = set()
    cursor = None
    while True:
        page = trade_pages.trade_page(conn, filters, sort=sort, limit=PAGE, cursor=cursor)
        assert page.offset == len(seen)
        seen += [row["trade_id"] for row in page.rows]
        totals.add(page.total)
        if page.next_cursor is None:
            return seen, totals
        cursor = page.next_cursor


def _lists(filters_list):
    for sort in SORTS:
        for filters in filters_list:
            yield sort, filters


def test_numbered_list_pages_equal_offset_pages(engine, run_id):
    filters_list = [
        TradeFilters(run_id=run_id),
        TradeFilters(run_id=run_id, status="CLOSED"),
        TradeFilters(run_id=run_id, side="SHORT"),
    ]
    for sort, filters in _lists(filters_list):
        with engine.begin() as conn:
            list_id = trade_pages.ensure_list(conn, filters, sort, min_trades=0)
        assert list_id is not None
        with engine.connect() as conn:
            expected = _reference(conn, filters, sort)
            assert len(expected) > 2 * PAGE, (sort, filters)
            # A jump to any page, the last one included, and one past the end.
            for offset in (0, PAGE, len(expected) // 2, len(expected) - 1, len(expected) + 3):
                page = trade_pages.trade_page(conn, filters, sort=sort, limit=PAGE, offset=offset)
                assert [row["trade_id"] for row in page.rows] == expected[offset : offset + PAGE]
                assert page.total == len(expected)
            seen, totals = _walk(conn, filters, sort)
            assert seen == expected, (sort, filters)
            assert totals == {len(expected)}
        with engine.connect() as conn:  # numbered once per rebuild: the same list again
            assert trade_pages.current_list(conn, run_id, trade_pages.list_key(filters, sort))
        with engine.begin() as conn:
            assert trade_pages.ensure_list(conn, filters, sort, min_trades=0) == list_id


def test_cursor_pages_equal_offset_pages_without_a_list(engine, run_id):
    # Filters no list holds (ranges, outcome), and a run below the list's size.
    filters_list = [
        TradeFilters(run_id=run_id),
        TradeFilters(run_id=run_id, outcome="losers"),
        TradeFilters(run_id=run_id, time_from=None, status="CLOSED", outcome="winners"),
    ]
    for sort, filters in _lists(filters_list):
        with engine.begin() as conn:
            assert trade_pages.ensure_list(conn, filters, sort, min_trades=10**9) is None
        with engine.connect() as conn:
            expected = _reference(conn, filters, sort)
            seen, totals = _walk(conn, filters, sort)
            assert seen == expected, (sort, filters)
            assert totals == {len(expected)}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TradeList)).scalar_one() == 0


def _set_token(engine, run_id: str, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(RunStatistics).where(RunStatistics.run_id == run_id).values(rebuild_token=token)
        )


def test_a_rebuild_makes_the_list_stale(engine, run_id):
    filters = TradeFilters(run_id=run_id)
    key = trade_pages.list_key(filters, "-pnl_net")
    with engine.begin() as conn:
        assert trade_pages.ensure_list(conn, filters, "-pnl_net", min_trades=0) is not None
    # A rebuild changes trades and stores a new token in the same transaction.
    with engine.begin() as conn:
        conn.execute(
            update(Trade).where(Trade.run_id == run_id, Trade.side == "LONG").values(pnl_net=0)
        )
    _set_token(engine, run_id, "b" * 32)
    with engine.connect() as conn:
        assert trade_pages.current_list(conn, run_id, key) is None
    with engine.begin() as conn:
        second = trade_pages.ensure_list(conn, filters, "-pnl_net", min_trades=0)
    assert second is not None
    with engine.connect() as conn:
        expected = _reference(conn, filters, "-pnl_net")
        page = trade_pages.trade_page(conn, filters, sort="-pnl_net", limit=PAGE, offset=PAGE)
        assert [row["trade_id"] for row in page.rows] == expected[PAGE : 2 * PAGE]
        # The stale list and its positions are gone.
        assert conn.execute(select(func.count()).select_from(TradeList)).scalar_one() == 1
        positions = conn.execute(select(func.count()).select_from(TradeListPosition))
        assert positions.scalar_one() == len(expected)


def test_a_cursor_keeps_its_count_until_the_run_is_rebuilt(engine, run_id):
    filters = TradeFilters(run_id=run_id, outcome="winners")
    with engine.connect() as conn:
        first = trade_pages.trade_page(conn, filters, sort="-pnl_net", limit=PAGE)
    assert first.next_cursor is not None
    # Winners become losers without a rebuild token: the cursor's count stands.
    with engine.begin() as conn:
        conn.execute(update(Trade).where(Trade.run_id == run_id).values(pnl_net=-1.0))
    with engine.connect() as conn:
        kept = trade_pages.trade_page(
            conn, filters, sort="-pnl_net", limit=PAGE, cursor=first.next_cursor
        )
    assert kept.total == first.total
    _set_token(engine, run_id, "c" * 32)
    with engine.connect() as conn:
        counted = trade_pages.trade_page(
            conn, filters, sort="-pnl_net", limit=PAGE, cursor=first.next_cursor
        )
    assert counted.total == 0 and counted.rows == [] and counted.next_cursor is None


# Not base64, not JSON, too few parts, a text or true as an entry time, a negative offset.
@pytest.mark.parametrize(
    "text",
    [
        "",
        "not-a-cursor",
        "WzEsMl0",
        "bnVsbA",
        "WzUsICJ4IiwgInQxIiwgMTAsIG51bGxd",
        "WzUsIHRydWUsICJ0MSIsIDEwLCBudWxsXQ",
        "Wy0xLCBudWxsLCAidDEiLCAxMCwgbnVsbF0",
        "WzUsIHsiYSI6IDF9LCAidDEiLCAxMCwgbnVsbF0",
    ],
)
def test_a_cursor_not_given_by_the_server_is_refused(read_only_run, text):
    engine, run_id = read_only_run
    with engine.connect() as conn, pytest.raises(trade_pages.CursorError):
        trade_pages.trade_page(conn, TradeFilters(run_id=run_id), sort=None, limit=5, cursor=text)


def test_deleting_the_run_deletes_its_lists(engine, run_id):
    with engine.begin() as conn:
        trade_pages.ensure_list(conn, TradeFilters(run_id=run_id), None, min_trades=0)
    with engine.begin() as conn:
        deleted = delete_run_rows(conn, run_id)
    assert deleted.deleted["trade_lists"] == 1
    assert deleted.deleted["trade_list_positions"] > 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TradeListPosition)).scalar_one() == 0
