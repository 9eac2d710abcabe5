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
from .trade_ids import mix, text_hashes


def _bits(values: np.ndarray) -> np.ndarray:
    """The 64 bits of each value (float64 or int64), as uint64."""
    return np.ascontiguousarray(values).view(np.uint64)


def lot_digests(lots: LotMatches, n_trades: int) -> np.ndarray:
    """The digest (int64) of each trade's lots; a trade without lots has digest 0."""
    digests = np.zeros(n_trades, dtype=np.uint64)
    if len(lots) == 0:
        return digests.view(np.int64)
    h = mix(
        text_hashes(lots.entry_execution_id.tolist()),
        text_hashes(lots.exit_execution_id.tolist()),
    )
    for values in (
        lots.entry_time.astype(np.int64),
        lots.exit_time.astype(np.int64),
        lots.entry_price.astype(np.float64),
        lots.exit_price.astype(np.float64),
        lots.quantity.astype(np.float64),
        lots.points.astype(np.float64),
        lots.pnl_gross.astype(np.float64),
        lots.lot_index,
    ):
        h = mix(h, _bits(values))
    # The sum wraps modulo 2^64, as meant.
    np.add.at(digests, np.asarray(lots.trade_index, dtype=np.int64), h)
    return digests.view(np.int64)
