"""Round-trip trades and FIFO lot matches from a run's executions (analytics.md), vectorised.

Per (account, symbol) the position is a running sum of signed fills. A trade starts where
the position leaves zero and ends where it returns to zero; a fill that crosses zero is cut
into a closing piece and an opening piece (fee pro rata). FIFO matching lays the entry
pieces and exit pieces of every trade on one number line of cumulative quantity: each
segment between consecutive boundaries belongs to exactly one entry piece and at most one
exit piece, which is one lot match. No Python loop runs per execution.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np

from .codes import factorize
from .columns import NO_TIME, BuiltTrades, ExecutionColumns, LotMatches
from .lot_digest import lot_digests
from .position_path import position_path
from .quantities import to_units
from .trade_ids import trade_ids

log = logging.getLogger(__name__)

DEFAULT_POINT_VALUE = 1.0


class ExecutionDataError(ValueError):
    """An execution that cannot be part of a trade (names the execution and the reason)."""


def _validate(ex: ExecutionColumns) -> None:
    def fail(mask: np.ndarray, reason: str) -> None:
        bad = np.flatnonzero(mask)
        if len(bad):
            first = bad[0]
            raise ExecutionDataError(
                f"execution {ex.execution_id[first]!r} ({ex.symbol[first]}): {reason}"
                + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
            )

    fail(~np.isin(ex.side, (1, -1)), "side must be +1 (buy) or -1 (sell)")
    fail(~(np.isfinite(ex.quantity) & (ex.quantity > 0)), "quantity must be finite and > 0")
    fail(~(np.isfinite(ex.price) & (ex.price > 0)), "price must be finite and > 0")
    fail(~(np.isfinite(ex.fee) & (ex.fee >= 0)), "fee must be finite and >= 0")
    fail(ex.exec_time == NO_TIME, "exec_time is missing")


def _time_order(group: np.ndarray, ex: ExecutionColumns) -> np.ndarray | None:
    """The permutation that sorts by (group, time, sequence); None when already sorted."""
    d_group = np.diff(group)
    d_time = np.diff(ex.exec_time)
    d_seq = np.diff(ex.sequence)
    in_order = (d_group > 0) | ((d_group == 0) & ((d_time > 0) | ((d_time == 0) & (d_seq >= 0))))
    # Groups numbered by first appearance are increasing exactly when they are contiguous.
    if bool(in_order.all()):
        return None
    return np.lexsort((ex.sequence, ex.exec_time, group))


def _segment_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts) if len(starts) else values[:0]


def build_trades(
    executions: ExecutionColumns,
    point_values: Mapping[str, float],
    run_id: str,
    strategy_id: str | None = None,
) -> BuiltTrades:
    """Build the round-trip trades and FIFO lot matches of one run.

    ``executions`` may hold any accounts and symbols in any order; each (account, symbol)
    is tracked apart, in time order with ties broken by ``sequence``. ``point_values`` maps
    symbol to currency per point per unit (missing: 1.0). ``strategy_id`` fills trades
    whose first execution names none. Excursions are left NaN (see excursions.py); the
    signals are the executions' ``signal`` (None without that column).
    """
    _validate(executions)
    n = len(executions)
    if n == 0:
        return _empty_trades(run_id)

    account_code, accounts = factorize(executions.account_id)
    symbol_code, symbols = factorize(executions.symbol)
    group = account_code * max(len(symbols), 1) + symbol_code
    order = _time_order(group, executions)
    if order is not None:
        executions = executions.take(order)
        group = group[order]
        symbol_code = symbol_code[order]

    units, scale = to_units(executions.quantity)
    if units.min() < 1:
        bad = int(np.argmin(units))
        raise ExecutionDataError(
            f"execution {executions.execution_id[bad]!r}: quantity "
            f"{executions.quantity[bad]!r} is below the 1e-9 resolution"
        )
    signed = units * executions.side.astype(np.int64)

    # Position after each fill: running sum restarted at each (account, symbol) group.
    group_start = np.empty(n, dtype=bool)
    group_start[0] = True
    np.not_equal(group[1:], group[:-1], out=group_start[1:])
    running = np.cumsum(signed)
    start_idx = np.flatnonzero(group_start)
    offset = (running[start_idx] - signed[start_idx])[np.cumsum(group_start) - 1]
    position = running - offset
    before = position - signed

    crossing = (before != 0) & (position != 0) & (np.sign(before) != np.sign(position))

    # Pieces: every fill once, a crossing fill twice (closing piece, then opening piece).
    repeat = 1 + crossing.astype(np.int64)
    piece_exec = np.repeat(np.arange(n), repeat)
    first_piece = np.cumsum(repeat) - repeat
    piece_signed = signed[piece_exec]
    piece_before = before[piece_exec]
    piece_fee = executions.fee[piece_exec]
    opening_half = np.zeros(len(piece_exec), dtype=bool)
    if crossing.any():
        cross_idx = np.flatnonzero(crossing)
        close_piece = first_piece[cross_idx]
        open_piece = close_piece + 1
        piece_signed[close_piece] = -before[cross_idx]
        piece_signed[open_piece] = position[cross_idx]
        piece_before[open_piece] = 0
        closing_fee = (
            executions.fee[cross_idx] * np.abs(before[cross_idx]) / np.abs(signed[cross_idx])
        )
        piece_fee[close_piece] = closing_fee
        # The remainder, not a second product, so the two halves add up to the fee exactly.
        piece_fee[open_piece] = executions.fee[cross_idx] - closing_fee
        opening_half[open_piece] = True
    piece_after = piece_before + piece_signed
    piece_units = np.abs(piece_signed)

    # Trades: a piece that starts from a flat position opens one.
    opens = piece_before == 0
    trade_start = np.flatnonzero(opens)
    trade_of_piece = np.cumsum(opens) - 1
    n_trades = len(trade_start)
    trade_end = np.append(trade_start[1:], len(piece_exec)) - 1

    is_entry = np.abs(piece_after) > np.abs(piece_before)
    entry_units = np.where(is_entry, piece_units, 0)
    exit_units = piece_units - entry_units
    piece_qty = piece_units / scale
    piece_price = executions.price[piece_exec]

    first_exec = piece_exec[trade_start]
    last_exec = piece_exec[trade_end]
    direction = np.sign(piece_signed[trade_start]).astype(np.int8)
    closed = piece_after[trade_end] == 0

    trade_entry_units = _segment_sum(entry_units, trade_start)
    trade_exit_units = _segment_sum(exit_units, trade_start)
    entry_qty = trade_entry_units / scale
    exit_qty = trade_exit_units / scale
    piece_notional = piece_qty * piece_price
    entry_notional = _segment_sum(np.where(is_entry, piece_notional, 0.0), trade_start)
    exit_notional = _segment_sum(np.where(is_entry, 0.0, piece_notional), trade_start)
    entry_price = entry_notional / entry_qty
    with np.errstate(invalid="ignore", divide="ignore"):
        exit_price = np.where(closed, exit_notional / exit_qty, np.nan)
    commission = _segment_sum(piece_fee, trade_start)
    entry_count = _segment_sum(is_entry.astype(np.int64), trade_start)
    exit_count = _segment_sum((~is_entry).astype(np.int64), trade_start)

    trade_symbol = executions.symbol[first_exec]
    trade_account = executions.account_id[first_exec]
    pv_by_symbol = np.array(
        [float(point_values.get(str(s), DEFAULT_POINT_VALUE)) for s in symbols], dtype=np.float64
    )
    point_value = pv_by_symbol[symbol_code[first_exec]]

    entry_time = executions.exec_time[first_exec]
    exit_time = np.where(closed, executions.exec_time[last_exec], NO_TIME)
    exit_sequence = np.where(closed, executions.sequence[last_exec], NO_TIME)

    if executions.strategy_id is not None:
        trade_strategy = executions.strategy_id[first_exec].copy()
        trade_strategy[np.equal(trade_strategy, None)] = strategy_id  # type: ignore[call-overload]  # numpy's stubs refuse None
    else:
        trade_strategy = np.full(n_trades, strategy_id, dtype=object)

    entry_signal: np.ndarray | None
    exit_signal: np.ndarray | None
    if executions.signal is not None:
        entry_signal = executions.signal[first_exec]
        # numpy's stubs read where(c, x, None) as the one-argument form
        exit_signal = np.where(closed, executions.signal[last_exec], None)  # type: ignore[assignment]
    else:
        entry_signal = exit_signal = None

    path = position_path(
        trade_start=trade_start,
        closed=closed,
        piece_time=executions.exec_time[piece_exec],
        piece_flow=np.where(is_entry, piece_notional, -piece_notional),
        piece_open=np.abs(piece_after) / scale,
        quantity=entry_qty,
        entry_notional=entry_notional,
    )

    first_execution_id = executions.execution_id[first_exec]
    ids = trade_ids(
        run_id, trade_account, trade_symbol, first_execution_id, opening_half[trade_start]
    )

    lots = _match_lots(
        executions,
        piece_exec=piece_exec,
        piece_units=piece_units,
        is_entry=is_entry,
        trade_of_piece=trade_of_piece,
        trade_entry_units=trade_entry_units,
        trade_exit_units=trade_exit_units,
        scale=scale,
        direction=direction,
        point_value=point_value,
        trade_id=ids,
        run_id=run_id,
    )
    realized = np.bincount(lots.trade_index, weights=lots.pnl_gross, minlength=n_trades)
    pnl_gross = np.where(closed, realized, np.nan)

    log.debug("built %d trades and %d lot matches from %d executions", n_trades, len(lots), n)
    return BuiltTrades(
        trade_id=ids,
        strategy_id=trade_strategy,
        account_id=trade_account,
        symbol=trade_symbol,
        direction=direction,
        closed=closed,
        entry_time=entry_time,
        exit_time=exit_time,
        entry_price=entry_price,
        exit_price=exit_price,
        quantity=entry_qty,
        pnl_gross=pnl_gross,
        commission=commission,
        pnl_net=pnl_gross - commission,
        point_value=point_value,
        first_execution_id=first_execution_id,
        exit_sequence=exit_sequence,
        entry_count=entry_count,
        exit_count=exit_count,
        realized_pnl=realized,
        lots=lots,
        lots_digest=lot_digests(lots, n_trades),
        run_id=run_id,
        entry_signal=entry_signal,
        exit_signal=exit_signal,
        path=path,
    )


def _match_lots(
    executions: ExecutionColumns,
    *,
    piece_exec: np.ndarray,
    piece_units: np.ndarray,
    is_entry: np.ndarray,
    trade_of_piece: np.ndarray,
    trade_entry_units: np.ndarray,
    trade_exit_units: np.ndarray,
    scale: float,
    direction: np.ndarray,
    point_value: np.ndarray,
    trade_id: np.ndarray,
    run_id: str,
) -> LotMatches:
    """FIFO lot matches of all trades at once.

    Entry pieces, in order, tile [0, total entered) of a global number line; trade t owns
    [base_t, base_t + entered_t). Its exit pieces tile [base_t, base_t + exited_t) in
    order, which FIFO matches against the earliest entries. Boundaries of both tilings cut
    the line into segments, each one lot.
    """
    entry_pieces = np.flatnonzero(is_entry)
    exit_pieces = np.flatnonzero(~is_entry)
    entry_end = np.cumsum(piece_units[entry_pieces])
    base = np.cumsum(trade_entry_units) - trade_entry_units
    exit_before = np.cumsum(trade_exit_units) - trade_exit_units
    exit_trade = trade_of_piece[exit_pieces]
    exit_end = base[exit_trade] + (np.cumsum(piece_units[exit_pieces]) - exit_before[exit_trade])
    exit_start = exit_end - piece_units[exit_pieces]

    bounds = np.concatenate(([0], entry_end, exit_end))
    bounds.sort(kind="stable")
    bounds = bounds[np.concatenate((np.diff(bounds) != 0, [True]))]
    seg_start = bounds[:-1]
    seg_units = np.diff(bounds)
    exit_slot = np.searchsorted(exit_end, seg_start, side="right")
    covered = exit_slot < len(exit_end)
    covered[covered] &= exit_start[exit_slot[covered]] <= seg_start[covered]
    seg_start = seg_start[covered]
    seg_units = seg_units[covered]
    exit_slot = exit_slot[covered]
    entry_slot = np.searchsorted(entry_end, seg_start, side="right")

    entry_exec = piece_exec[entry_pieces[entry_slot]]
    exit_exec = piece_exec[exit_pieces[exit_slot]]
    lot_trade = exit_trade[exit_slot]
    entry_price = executions.price[entry_exec]
    exit_price = executions.price[exit_exec]
    quantity = seg_units / scale
    points = (exit_price - entry_price) * direction[lot_trade]
    return LotMatches(
        trade_index=lot_trade,
        trade_id=trade_id[lot_trade],
        symbol=executions.symbol[entry_exec],
        entry_execution_id=executions.execution_id[entry_exec],
        exit_execution_id=executions.execution_id[exit_exec],
        entry_time=executions.exec_time[entry_exec],
        exit_time=executions.exec_time[exit_exec],
        entry_price=entry_price,
        exit_price=exit_price,
        quantity=quantity,
        points=points,
        pnl_gross=points * quantity * point_value[lot_trade],
        run_id=run_id,
    )


def _empty_trades(run_id: str) -> BuiltTrades:
    obj = np.empty(0, dtype=object)
    f64 = np.empty(0)
    i64 = np.empty(0, dtype=np.int64)
    lots = LotMatches(
        trade_index=i64,
        trade_id=obj,
        symbol=obj,
        entry_execution_id=obj,
        exit_execution_id=obj,
        entry_time=i64,
        exit_time=i64,
        entry_price=f64,
        exit_price=f64,
        quantity=f64,
        points=f64,
        pnl_gross=f64,
        run_id=run_id,
    )
    return BuiltTrades(
        trade_id=obj,
        strategy_id=obj,
        account_id=obj,
        symbol=obj,
        direction=np.empty(0, dtype=np.int8),
        closed=np.empty(0, dtype=bool),
        entry_time=i64,
        exit_time=i64,
        entry_price=f64,
        exit_price=f64,
        quantity=f64,
        pnl_gross=f64,
        commission=f64,
        pnl_net=f64,
        point_value=f64,
        first_execution_id=obj,
        exit_sequence=i64,
        entry_count=i64,
        exit_count=i64,
        realized_pnl=f64,
        lots=lots,
        lots_digest=i64,
        run_id=run_id,
    )
