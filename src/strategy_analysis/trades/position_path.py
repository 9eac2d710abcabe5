"""The position of each closed trade between its fill instants, for position excursions.

analytics.md measures ``mae``/``mfe`` in currency on the position as it really was:
between consecutive fill instants the open quantity is fixed, and the running PnL at a
price P (realised PnL included) is the mark-to-market of the fills so far,
direction x point value x (P x open quantity - (entry notional - exit notional)), whatever
the lot matching. So each segment needs only its open quantity and that net notional, a
running sum over the trade's fills.

The running sums are taken trade by trade (``segmented_cumsum``): a trade's figures then
depend on its own fills alone, bit for bit, so an incremental rebuild that starts at a
later flat point stores the same values as a full one.
"""

from __future__ import annotations

import numpy as np

from .columns import PositionPath

# Segments longer than this are summed one by one (np.cumsum each); shorter ones together.
_SUMMED_TOGETHER = 32


def segmented_cumsum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` restarted at each index of ``starts`` (ascending, first 0).

    Each segment is summed from its own first value in order, as ``np.cumsum`` of that
    segment alone does, bit for bit: step k adds the k-th value of every segment at
    least k + 1 long to the sum before it, so the steps number the longest segment's
    length (up to _SUMMED_TOGETHER; a longer segment is then summed on its own).
    """
    n = len(values)
    out = np.empty(n, dtype=np.float64)
    if n == 0:
        return out
    lengths = np.diff(np.append(starts, n))
    out[starts] = values[starts]
    step = 1
    active = np.flatnonzero(lengths > step)
    while len(active) and step < _SUMMED_TOGETHER:
        at = starts[active] + step
        out[at] = out[at - 1] + values[at]
        step += 1
        active = active[lengths[active] > step]
    for segment in active.tolist():
        whole = slice(int(starts[segment]), int(starts[segment] + lengths[segment]))
        out[whole] = np.cumsum(values[whole])
    return out


def position_path(
    *,
    trade_start: np.ndarray,
    closed: np.ndarray,
    piece_time: np.ndarray,
    piece_flow: np.ndarray,
    piece_open: np.ndarray,
    quantity: np.ndarray,
    entry_notional: np.ndarray,
) -> PositionPath:
    """Segments of the closed trades (see PositionPath).

    Pieces (fills, a crossing fill cut in two) are grouped by trade, each trade's in time
    order starting at ``trade_start``. ``piece_flow``: +quantity x price of an entry
    piece, -quantity x price of an exit piece; ``piece_open``: the open quantity after the
    piece. ``quantity`` and ``entry_notional`` per trade: the whole entered quantity and
    its notional, the position of a trade whose fills share one instant.
    """
    n_pieces = len(piece_time)
    n_trades = len(trade_start)
    if n_trades == 0:
        return PositionPath.empty()
    lengths = np.diff(np.append(trade_start, n_pieces))
    trade_of_piece = np.repeat(np.arange(n_trades), lengths)
    trade_end = trade_start + lengths - 1
    last_of_trade = np.zeros(n_pieces, dtype=bool)
    last_of_trade[trade_end] = True
    # The state after an instant is the one after its last piece; the trade's last
    # instant (flat again) starts no segment.
    ends_instant = np.ones(n_pieces, dtype=bool)
    np.not_equal(piece_time[1:], piece_time[:-1], out=ends_instant[:-1])
    opens_segment = ends_instant & ~last_of_trade & closed[trade_of_piece]
    cost = segmented_cumsum(piece_flow, trade_start)

    at = np.flatnonzero(opens_segment)
    one_instant = np.flatnonzero(closed & (piece_time[trade_start] == piece_time[trade_end]))
    # Merged in trade order: a trade has either segments between instants or its one.
    several = trade_of_piece[at]
    slot_of_several = np.arange(len(at)) + np.searchsorted(one_instant, several)
    slot_of_one = np.arange(len(one_instant)) + np.searchsorted(several, one_instant)
    first_time = piece_time[trade_start[one_instant]]
    parts = {
        "trade_index": (several, one_instant),
        "start": (piece_time[at], first_time),
        "end": (piece_time[at + 1], first_time + 1),
        "quantity": (piece_open[at], quantity[one_instant]),
        "cost": (cost[at], entry_notional[one_instant]),
    }
    columns = {}
    for name, (of_several, of_one) in parts.items():
        column = np.empty(len(at) + len(one_instant), dtype=of_several.dtype)
        column[slot_of_several] = of_several
        column[slot_of_one] = of_one
        columns[name] = column
    return PositionPath(**columns)
