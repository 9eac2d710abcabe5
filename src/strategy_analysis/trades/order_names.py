"""What an execution takes from its order (analytics.md, "Signal names"; the account and
strategy fall back to the order's), matched in memory by the order's key.

A window of a large run's executions read with a join on its orders probes the orders'
primary key once per execution: at 10M executions those probes miss the buffer cache
and cost a window 0.5 s of server CPU, against 0.1 s without the join. The rebuild holds
the run's orders by key for the assessment already; with their account, strategy and
client tag as codes (a run has few distinct ones) the windows are read without the join
and each execution is given its order's names here, as the join would have.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .columns import ExecutionColumns

# The order key of an execution whose order is not stored (no order's key is this: see
# HeldOrders.sort_keys, which checks).
NO_ORDER = np.iinfo(np.int64).min

# (account_id, strategy_id, client_tag) of an order; None where NULL.
OrderName = tuple[str | None, str | None, str | None]


def _objects(values: list[Any]) -> np.ndarray:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


@dataclass(frozen=True)
class OrderNames:
    """A run's orders by key: ``keys`` sorted (unique, none NO_ORDER), ``rows[i]`` the row
    of the order with ``keys[i]``, ``codes[row]`` its name in ``names``."""

    keys: np.ndarray  # int64
    rows: np.ndarray  # int32 or int64
    codes: np.ndarray  # unsigned, per row
    names: tuple[OrderName, ...]

    def name_codes(self, order_key: np.ndarray) -> np.ndarray:
        """Per key, the code of its order's name; len(names) when no order has the key."""
        row = rows_of_keys(self.keys, self.rows, order_key)
        found = row >= 0
        codes = np.full(len(order_key), len(self.names), dtype=np.int64)
        codes[found] = self.codes[row[found]]
        return codes

    def attach(
        self, executions: ExecutionColumns, run_account: str | None, run_strategy: str | None
    ) -> ExecutionColumns:
        """``executions`` read without their orders (their own account and strategy, None
        where NULL; ``order_key`` the key of the order id they name) with what the join on
        their order gives: the account and the strategy, the execution's else its order's
        else the run's; the signal, the order's client tag else its id (None when the run
        has no such order); the key, NO_ORDER when the run has no such order."""
        assert executions.order_key is not None and executions.order_id is not None
        code = self.name_codes(executions.order_key)
        found = code < len(self.names)
        # Each name column indexed by code, with None at len(names) (no such order).
        account, strategy, tag = (
            _objects([*(name[j] for name in self.names), None]) for j in range(3)
        )
        strategy_id = executions.strategy_id
        if strategy_id is None:
            strategy_id = np.full(len(executions), None, dtype=object)
        order_tag = tag[code]
        return replace(
            executions,
            account_id=_first_present(executions.account_id, account[code], run_account),
            strategy_id=_first_present(strategy_id, strategy[code], run_strategy),
            signal=np.where(
                found, np.where(_missing(order_tag), executions.order_id, order_tag), _NONE
            ),
            order_key=np.where(found, executions.order_key, NO_ORDER),
        )


def rows_of_keys(keys: np.ndarray, rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per ``wanted`` key, the row of the order with it (``keys`` sorted and unique,
    ``rows[i]`` the row of ``keys[i]``); -1 when no order has it. One binary search per
    key."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    # The keys searched in sorted order: each search starts where the one before ended,
    # in memory just read (five times faster than in their own order).
    by_key = np.argsort(wanted)
    at = np.empty(len(wanted), dtype=np.intp)
    at[by_key] = np.searchsorted(keys, wanted[by_key])
    np.minimum(at, len(keys) - 1, out=at)
    return np.where(keys[at] == wanted, rows[at], -1)


def _first_present(own: np.ndarray, order: np.ndarray, run: str | None) -> np.ndarray:
    """COALESCE(own, order, run), value by value."""
    value = np.where(_missing(own), order, own)
    if run is not None:
        value[_missing(value)] = run
    return value


def _missing(values: np.ndarray) -> np.ndarray:
    """Per value, whether it is None (NULL)."""
    return np.equal(values, _NONE)


_NONE = np.array(None, dtype=object)
