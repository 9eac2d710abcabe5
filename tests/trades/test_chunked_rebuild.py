"""A rebuild one symbol at a time, a window of executions at a time, stores what the
whole run built at once in memory gives: the same trades (every stored column the builder
and excursions compute), lot matches and statistics, on a run of several symbols and
accounts; also when windows are far shorter than a position (carried from window to
window) and when the rebuild merges into trades stored before."""

from __future__ import annotations

import collections
import json
import math

import pytest
from sqlalchemy import select

from strategy_analysis.db.models import RunQuality, RunStatistics, Trade, TradeLot
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.trades.builder import build_trades
from strategy_analysis.trades.excursions import compute_excursions
from strategy_analysis.trades.quality.assessment import assess_run
from strategy_analysis.trades.reading import (
    BarReads,
    concat_metrics,
    existing_pairs,
    load_executions,
    point_values,
    run_contexts,
)
from strategy_analysis.trades.rebuild import EQUITY_POINTS_STORED, WINDOW_ROWS, rebuild_trades
from strategy_analysis.trades.statistics import compute_equity_curve, compute_statistics

COLUMNS = (
    "quantity",
    "entry_price",
    "exit_price",
    "pnl_gross",
    "commission",
    "pnl_net",
    "mae",
    "mfe",
    "etd",
    "entry_count",
    "exit_count",
)
LOT_COLUMNS = ("entry_execution_id", "exit_execution_id", "quantity", "pnl_gross")
# 3 symbols of 100 executions, 2 accounts, positions of up to 15 fills: a window of 9
# carries positions across about 34 windows, one of 61 splits every symbol in two.
EXECUTIONS = 300


def _whole_run_in_memory(engine, run_id):
    with engine.connect() as conn:
        run = run_contexts(conn, [run_id])[run_id]
        symbols = {symbol for _, symbol in existing_pairs(conn, run_id)}
        values = point_values(conn, symbols)
    bar_reads = BarReads(engine, run_id, symbols)
    built = build_trades(load_executions(engine, run, symbols), values, run_id, run.strategy_id)
    compute_excursions(built, bar_reads.for_trades(built)).assign_to(built)
    metrics = concat_metrics([built])
    document = {
        "statistics": compute_statistics(metrics, run.reported_net_pnl, run.reported_trade_count),
        "equity": compute_equity_curve(metrics, max_points=EQUITY_POINTS_STORED),
    }
    return symbols, built, document


def _number(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


@pytest.mark.parametrize("window_rows", [WINDOW_ROWS, 61, 9])
def test_a_rebuild_by_symbol_and_window_equals_the_whole_run_built_at_once(
    engine, tmp_path, window_rows
):
    path = tmp_path / "demo.sqlite"
    write_demo_export(path, executions=EXECUTIONS, seed=8)
    (run_id,) = import_export_file(engine, path).run_ids
    symbols, built, expected = _whole_run_in_memory(engine, run_id)
    assert len(symbols) >= 3 and len(set(built.account_id.tolist())) >= 2
    # Positions longer than the shortest window, and fills that cross zero.
    assert int((built.entry_count + built.exit_count).max()) > 9
    assert len(set(built.first_execution_id.tolist())) == len(built)
    for attempt in range(2):  # into an empty run, then merged into the stored trades
        result = rebuild_trades(engine, run_id=run_id, window_rows=window_rows, merge_min_trades=1)
        assert result.trades == len(built) and result.lots == len(built.lots), attempt
        _assert_stored(engine, run_id, built, expected)


def test_a_symbol_whose_executions_fill_whole_windows_is_rebuilt(engine, tmp_path):
    # Its last window is empty: the assessment still gets every fill with its order.
    path = tmp_path / "demo.sqlite"
    write_demo_export(path, executions=EXECUTIONS, seed=8)
    (run_id,) = import_export_file(engine, path).run_ids
    symbols, built, expected = _whole_run_in_memory(engine, run_id)
    counts = collections.Counter(
        load_executions(engine, run_contexts_of(engine, run_id), symbols).symbol.tolist()
    )
    window_rows = min(counts.values())
    result = rebuild_trades(engine, run_id=run_id, window_rows=window_rows, merge_min_trades=1)
    assert result.trades == len(built)
    _assert_stored(engine, run_id, built, expected)


def run_contexts_of(engine, run_id):
    with engine.connect() as conn:
        return run_contexts(conn, [run_id])[run_id]


def _assert_stored(engine, run_id, built, expected):
    with engine.connect() as conn:
        stored = {
            row.trade_id: row
            for row in conn.execute(
                select(Trade.trade_id, *(Trade.__table__.c[n] for n in COLUMNS)).where(
                    Trade.run_id == run_id
                )
            )
        }
        lots = {
            (row.trade_id, row.lot_index): row
            for row in conn.execute(
                select(
                    TradeLot.trade_id,
                    TradeLot.lot_index,
                    *(TradeLot.__table__.c[n] for n in LOT_COLUMNS),
                ).where(TradeLot.run_id == run_id)
            )
        }
        document = conn.execute(
            select(RunStatistics.statistics).where(RunStatistics.run_id == run_id)
        ).scalar_one()
    assert sorted(stored) == sorted(built.trade_id.tolist())
    assert len(lots) == len(built.lots)
    for i, trade_id in enumerate(built.trade_id.tolist()):
        for name in COLUMNS:
            assert _number(getattr(stored[trade_id], name)) == _number(
                float(getattr(built, name)[i])
            ), (trade_id, name)
    seen: dict[str, int] = {}
    for j, trade_id in enumerate(built.lots.trade_id.tolist()):
        index = seen[trade_id] = seen.get(trade_id, -1) + 1
        row = lots[(trade_id, index)]
        for name in LOT_COLUMNS:
            assert getattr(row, name) == built.lots.column(name)[j], (trade_id, index, name)
    # Through JSON as the document is stored: the same statistics and equity curve.
    for key in ("statistics", "equity"):
        assert document[key] == json.loads(json.dumps(expected[key], default=float)), key
    # The assessment fed window by window equals the one read from the stored run.
    with engine.connect() as conn:
        quality = conn.execute(
            select(RunQuality.verdict, RunQuality.findings, RunQuality.execution_quality).where(
                RunQuality.run_id == run_id
            )
        ).one()
        read = assess_run(conn, run_id, document["statistics"]["reconciliation"])
    assert quality.findings and quality.execution_quality["symbols"]
    stored = quality._asdict()
    assert stored == json.loads(json.dumps({k: read[k] for k in stored}, default=float))
