"""Where a symbol's executions can be cut so that the trades before the cut are final.

A trade ends where its (account, symbol) position returns to exactly zero, so the fills
up to an account's last flat point build the same trades whatever follows them. A rebuild
that reads a symbol window by window builds each window up to every account's last flat
point and carries the rest (an open position's fills) into the next window.
"""

from __future__ import annotations

import numpy as np

from .codes import factorize
from .columns import ExecutionColumns
from .quantities import to_units


def concat_executions(first: ExecutionColumns, second: ExecutionColumns) -> ExecutionColumns:
    """``first``'s rows, then ``second``'s."""
    if not len(first):
        return second
    if not len(second):
        return first

    def joined(name: str) -> np.ndarray | None:
        a, b = getattr(first, name), getattr(second, name)
        if a is None and b is None:
            return None
        return np.concatenate([_or_none(a, len(first)), _or_none(b, len(second))])

    return ExecutionColumns(
        **{name: joined(name) for name in ExecutionColumns.__dataclass_fields__}  # type: ignore[arg-type]
    )


def _or_none(column: np.ndarray | None, n: int) -> np.ndarray:
    return np.full(n, None, dtype=object) if column is None else column


def up_to_flat(executions: ExecutionColumns) -> np.ndarray:
    """Rows at or before their account's last flat point (a bool mask), for executions of
    one symbol in time order. An account that is never flat keeps all of its rows out.
    Rows that cannot be part of a trade (the builder rejects them) end up on either side:
    the last window builds whatever was carried, and rejects them there."""
    n = len(executions)
    if n == 0:
        return np.zeros(0, dtype=bool)
    account, _ = factorize(executions.account_id)
    with np.errstate(invalid="ignore"):
        quantity = np.nan_to_num(np.abs(executions.quantity), nan=1.0, posinf=1.0)
        units, _ = to_units(np.where(quantity > 0, quantity, 1.0))
    signed = units * np.sign(executions.side).astype(np.int64)
    # Each account's running position, in time order within the account.
    order = np.argsort(account, kind="stable")
    grouped = account[order]
    running = np.cumsum(signed[order])
    start = np.flatnonzero(np.diff(grouped, prepend=-1) != 0)
    base = np.repeat(running[start] - signed[order][start], np.diff(np.append(start, n)))
    flat = np.zeros(n, dtype=bool)
    flat[order] = (running - base) == 0
    last_flat = np.full(int(account.max()) + 1, -1, dtype=np.int64)
    rows = np.flatnonzero(flat)
    np.maximum.at(last_flat, account[rows], rows)
    return np.arange(n) <= last_flat[account]
