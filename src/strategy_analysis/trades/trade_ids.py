"""Deterministic trade ids: a rebuild gives every trade the id it had before.

The id hashes run, account, symbol and the trade's first execution. A fill that crosses zero
closes one trade and opens the next, so the trade it opens is marked ``split`` in the hash.
An execution id is unique within its run, and each execution opens at most one trade, so
the ids are unique.
"""

from __future__ import annotations

import hashlib

import numpy as np

TRADE_ID_LENGTH = 32
_SEPARATOR = "\x1f"
_NULL = "\x00"


def trade_id(
    run_id: str, account_id: str | None, symbol: str, first_execution_id: str, split: bool
) -> str:
    key = _SEPARATOR.join(
        (
            run_id,
            _NULL if account_id is None else account_id,
            symbol,
            first_execution_id,
            "split" if split else "",
        )
    )
    return hashlib.sha256(key.encode()).hexdigest()[:TRADE_ID_LENGTH]


def trade_ids(
    run_id: str,
    account_id: np.ndarray,
    symbol: np.ndarray,
    first_execution_id: np.ndarray,
    split: np.ndarray,
) -> np.ndarray:
    """Ids for many trades (one hash per trade, not per execution)."""
    sha256 = hashlib.sha256
    prefix = run_id + _SEPARATOR
    ids = [
        sha256(
            (
                prefix
                + (_NULL if account is None else account)
                + _SEPARATOR
                + sym
                + _SEPARATOR
                + first
                + (_SEPARATOR + "split" if is_split else _SEPARATOR)
            ).encode()
        ).hexdigest()[:TRADE_ID_LENGTH]
        for account, sym, first, is_split in zip(
            account_id.tolist(),
            symbol.tolist(),
            first_execution_id.tolist(),
            split.tolist(),
            strict=True,
        )
    ]
    return np.array(ids, dtype=object)
