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


def segmented_cumsum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` restarted at each index of ``starts`` (ascending, first 0).

    Each segment is summed from its own first value in order, as ``np.cumsum`` of that
    segment alone would: segments of similar length are laid out as the rows of one 2-D
    array (lengths up to each power of two together, at most twice the values' memory)
    and summed along the rows.
    """
    n = len(values)
    out = np.empty(n, dtype=np.float64)
    if n == 0:
        return out
    lengths = np.diff(np.append(starts, n))
    width_class = np.ceil(np.log2(np.maximum(lengths, 1))).astype(np.int64)
    segment_of = np.repeat(np.arange(len(starts)), lengths)
    column = np.arange(n) - starts[segment_of]
    element_class = width_class[segment_of]
    for klass in np.unique(width_class):
        segments = np.flatnonzero(width_class == klass)
        row_of_segment = np.empty(len(starts), dtype=np.int64)
        row_of_segment[segments] = np.arange(len(segments))
        members = np.flatnonzero(element_class == klass)
        rows = row_of_segment[segment_of[members]]
        cols = column[members]
        grid = np.zeros((len(segments), 1 << int(klass)))
        grid[rows, cols] = values[members]
        np.cumsum(grid, axis=1, out=grid)
        out[members] = grid[rows, cols]
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
    trade_index = np.concatenate((trade_of_piece[at], one_instant))
    start = np.concatenate((piece_time[at], piece_time[trade_start[one_instant]]))
    end = np.concatenate((piece_time[at + 1], start[len(at) :] + 1))
    open_quantity = np.concatenate((piece_open[at], quantity[one_instant]))
    net_cost = np.concatenate((cost[at], entry_notional[one_instant]))
    order = np.argsort(trade_index, kind="stable")
    return PositionPath(
        trade_index=trade_index[order],
        start=start[order],
        end=end[order],
        quantity=open_quantity[order],
        cost=net_cost[order],
    )
