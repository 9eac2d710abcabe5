"""A digest of each trade's lot matches, stored with the trade.

A rebuild on PostgreSQL merges what it built into what is stored (writing.py). Trades are
few and compared row by row; their lots are three times as many, and comparing them took
a scan and a sort of every stored lot for each symbol. With the digest in the trade's row,
a trade that compares equal has equal lots, so only the lots of trades that changed are
deleted and written again.

Each lot's stored values (both execution ids, times, prices, quantity, points, gross PnL
and its place in the trade) are hashed to 64 bits, and a trade's digest is the wrapping
sum of its lots' hashes: two different lot lists share a digest with odds of 2^-64.
"""

from __future__ import annotations

import numpy as np

from .columns import LotMatches
from .trade_ids import text_hashes

_U64 = np.uint64
_MULTIPLIER = _U64(0x9E3779B97F4A7C15)
_MIX_1 = _U64(0xFF51AFD7ED558CCD)
_MIX_2 = _U64(0xC4CEB9FE1A85EC53)


def lot_positions(trade_index: np.ndarray) -> np.ndarray:
    """Each lot's place within its trade (0, 1, ...), lots of a trade in their given order."""
    trade_index = np.asarray(trade_index)
    order = np.argsort(trade_index, kind="stable")
    grouped = trade_index[order]
    first = np.ones(len(grouped), dtype=bool)
    first[1:] = grouped[1:] != grouped[:-1]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(grouped)), 0))
    positions = np.empty(len(grouped), dtype=np.int64)
    positions[order] = np.arange(len(grouped)) - group_start
    return positions


def _mix(h: np.ndarray, value: np.ndarray) -> np.ndarray:
    h = (h ^ value) * _MULTIPLIER
    h ^= h >> _U64(32)
    h *= _MIX_1
    return h ^ (h >> _U64(29))


def _bits(values: np.ndarray) -> np.ndarray:
    """The 64 bits of each value (float64 or int64), as uint64."""
    return np.ascontiguousarray(values).view(_U64)


def lot_digests(lots: LotMatches, n_trades: int) -> np.ndarray:
    """The digest (int64) of each trade's lots; a trade without lots has digest 0."""
    digests = np.zeros(n_trades, dtype=_U64)
    if len(lots) == 0:
        return digests.view(np.int64)
    with np.errstate(over="ignore"):
        h = text_hashes(lots.entry_execution_id.tolist())
        h = _mix(h, text_hashes(lots.exit_execution_id.tolist()))
        for values in (
            lots.entry_time.astype(np.int64),
            lots.exit_time.astype(np.int64),
            lots.entry_price.astype(np.float64),
            lots.exit_price.astype(np.float64),
            lots.quantity.astype(np.float64),
            lots.points.astype(np.float64),
            lots.pnl_gross.astype(np.float64),
            lot_positions(lots.trade_index),
        ):
            h = _mix(h, _bits(values))
        h *= _MIX_2
        h ^= h >> _U64(31)
        np.add.at(digests, np.asarray(lots.trade_index, dtype=np.int64), h)
    return digests.view(np.int64)
