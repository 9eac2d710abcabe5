"""Small factories for trade tests: executions and bars written as readable rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from strategy_analysis.trades.columns import (
    NO_TIME,
    BarColumns,
    ExecutionColumns,
    datetime_to_micros,
)

T0 = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)


def at(seconds: float) -> int:
    """Microseconds of T0 + ``seconds``."""
    return datetime_to_micros(T0 + timedelta(seconds=seconds))


def fills(*rows: tuple, symbol: str = "ES", account: str | None = "A") -> ExecutionColumns:
    """Rows of (execution_id, 'B'|'S', quantity, price, seconds[, fee[, account[, symbol]]]).

    ``sequence`` is the row position unless a row gives it as a 9th element.
    """
    ids, accounts, symbols, sides, prices, qtys, fees, times, seqs = ([] for _ in range(9))
    for position, row in enumerate(rows):
        execution_id, side, qty, price, seconds, *rest = row
        fee = rest[0] if len(rest) > 0 else 0.0
        acct = rest[1] if len(rest) > 1 else account
        sym = rest[2] if len(rest) > 2 else symbol
        seq = rest[3] if len(rest) > 3 else position
        ids.append(execution_id)
        accounts.append(acct)
        symbols.append(sym)
        sides.append(1 if side == "B" else -1)
        prices.append(price)
        qtys.append(qty)
        fees.append(fee)
        times.append(at(seconds))
        seqs.append(seq)
    return ExecutionColumns(
        execution_id=np.array(ids, dtype=object),
        account_id=np.array(accounts, dtype=object),
        symbol=np.array(symbols, dtype=object),
        side=np.array(sides, dtype=np.int8),
        price=np.array(prices, dtype=np.float64),
        quantity=np.array(qtys, dtype=np.float64),
        fee=np.array(fees, dtype=np.float64),
        exec_time=np.array(times, dtype=np.int64),
        sequence=np.array(seqs, dtype=np.int64),
    )


def bars(*rows: tuple) -> BarColumns:
    """Rows of (timeframe, start seconds, high, low[, end seconds])."""
    return BarColumns(
        timeframe=np.array([r[0] for r in rows], dtype=object),
        start_time=np.array([at(r[1]) for r in rows], dtype=np.int64),
        end_time=np.array(
            [at(r[4]) if len(r) > 4 and r[4] is not None else NO_TIME for r in rows],
            dtype=np.int64,
        ),
        high=np.array([r[2] for r in rows], dtype=np.float64),
        low=np.array([r[3] for r in rows], dtype=np.float64),
    )
