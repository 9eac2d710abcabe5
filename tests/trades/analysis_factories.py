"""Small trade lists as AnalysisTrades, for the analysis modules' hand-computed tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from strategy_analysis.trades.statistics_sets import SIDE_CODES, AnalysisTrades, codes_of

DAY = 86_400
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def micros(when: datetime) -> int:
    return int((when - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def analysis_trades(rows: list[dict]) -> AnalysisTrades:
    """Rows of ``entry``/``exit`` (datetimes, exit None for an open trade), ``pnl``, and
    optionally ``side``, ``symbol``, ``account``, ``commission``, ``mae``, ``mfe``, ``etd``,
    the three efficiencies and ``sequence`` (exit fill order)."""
    nan = float("nan")

    def column(name, default, dtype=np.float64):
        return np.array([row.get(name, default) for row in rows], dtype=dtype)

    closed = np.array([row.get("exit") is not None for row in rows], dtype=bool)
    symbol_code, symbol_names = codes_of([row.get("symbol", "ES") for row in rows])
    account_code, account_names = codes_of([row.get("account", "A1") for row in rows])
    return AnalysisTrades(
        closed=closed,
        side=np.array([SIDE_CODES[row.get("side", "LONG")] for row in rows], dtype=np.int8),
        symbol_code=symbol_code,
        account_code=account_code,
        symbol_names=symbol_names,
        account_names=account_names,
        entry_time=np.array([micros(row["entry"]) for row in rows], dtype=np.int64),
        exit_time=np.array(
            [micros(row["exit"]) if row.get("exit") else 0 for row in rows], dtype=np.int64
        ),
        exit_sequence=np.array(
            [row.get("sequence", i) for i, row in enumerate(rows)], dtype=np.int64
        ),
        pnl_net=np.array(
            [row["pnl"] if row.get("exit") else nan for row in rows], dtype=np.float64
        ),
        commission=column("commission", 1.0),
        mae=column("mae", nan),
        mfe=column("mfe", nan),
        etd=column("etd", nan),
        entry_efficiency=column("entry_efficiency", nan),
        exit_efficiency=column("exit_efficiency", nan),
        total_efficiency=column("total_efficiency", nan),
    )


def day(n: float) -> datetime:
    return BASE + timedelta(days=n)
