"""Deterministic trade ids: a rebuild gives every trade the id it had before.

The id is a 128-bit hash of run, account, symbol and the trade's first execution, as 32
hex characters (safe in URLs). A fill that crosses zero closes one trade and opens the
next, so the trade it opens is marked ``split``. An execution id is unique within its run
and each execution opens at most one trade, so the keys are unique.

Hashing half a million ids one by one with hashlib costs about a second, so the bulk path
is vectorised: SHA-256 of each distinct (run, account, symbol) seeds two 64-bit lanes that
consume the execution id bytes column by column (numpy), then a murmur3 finaliser mixes
them. ``trade_id`` computes the same id for one trade.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .codes import factorize

TRADE_ID_LENGTH = 32
_SEPARATOR = "\x1f"
_NULL = "\x00"
_U64 = np.uint64
_PRIME_1 = _U64(0x100000001B3)  # FNV-1a 64
_PRIME_2 = _U64(0x9E3779B97F4A7C15)  # golden-ratio multiplier
_MIX_1 = _U64(0xFF51AFD7ED558CCD)
_MIX_2 = _U64(0xC4CEB9FE1A85EC53)
_LENGTH_KEY = _U64(0x27D4EB2F165667C5)
_SPLIT_KEY = _U64(0x165667B19E3779F9)


class TradeIdCollisionError(RuntimeError):
    pass


def _seeds(run_id: str, account_id: str | None, symbol: str) -> tuple[int, int]:
    key = _SEPARATOR.join((run_id, _NULL if account_id is None else account_id, symbol))
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:16], "little")


def _fmix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _MIX_1
    h = h ^ (h >> _U64(33))
    h = h * _MIX_2
    return h ^ (h >> _U64(33))


def _byte_columns(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of each value as a (max length, n) zero-padded matrix, and the lengths."""
    n = len(values)
    joined = "".join(values)
    data = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    if len(data) == len(joined):
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    else:
        lengths = np.fromiter((len(v.encode("utf-8")) for v in values), dtype=np.int64, count=n)
    width = int(lengths.max()) if n else 0
    matrix = np.zeros((width, n), dtype=np.uint8)
    if len(data):
        row = np.repeat(np.arange(n), lengths)
        column = np.arange(len(data)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        matrix[column, row] = data
    return matrix, lengths


def _hash(
    seed_1: np.ndarray, seed_2: np.ndarray, execution_ids: list[str], split: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    matrix, lengths = _byte_columns(execution_ids)
    h1 = seed_1.copy()
    h2 = seed_2.copy()
    with np.errstate(over="ignore"):
        for position, column in enumerate(matrix):
            byte = column.astype(_U64)
            # Only real bytes count: the id must not depend on the longest id beside it.
            active = lengths > position
            step_1 = (h1 ^ byte) * _PRIME_1
            step_2 = (h2 ^ byte) * _PRIME_2
            h1 = np.where(active, step_1, h1)
            h2 = np.where(active, step_2 ^ (step_2 >> _U64(29)), h2)
        tail = lengths.astype(_U64) * _LENGTH_KEY ^ split.astype(_U64) * _SPLIT_KEY
        h1 = _fmix(h1 ^ tail)
        h2 = _fmix(h2 ^ _fmix(tail ^ h1))
    return h1, h2


def _hex(h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
    raw = np.empty((len(h1), 2), dtype=">u8")
    raw[:, 0] = h1
    raw[:, 1] = h2
    text = raw.tobytes().hex().encode("ascii")
    return np.frombuffer(text, dtype=f"S{TRADE_ID_LENGTH}").astype(f"U{TRADE_ID_LENGTH}")


def _has_duplicates(h1: np.ndarray, h2: np.ndarray) -> bool:
    # Distinct first lanes prove distinct ids; only a clash there needs the pair checked.
    first = np.sort(h1)
    clash = np.flatnonzero(first[1:] == first[:-1])
    if len(clash) == 0:
        return False
    both = np.lexsort((h2, h1))
    return bool(np.any((h1[both][1:] == h1[both][:-1]) & (h2[both][1:] == h2[both][:-1])))


def trade_ids(
    run_id: str,
    account_id: np.ndarray,
    symbol: np.ndarray,
    first_execution_id: np.ndarray,
    split: np.ndarray,
) -> np.ndarray:
    """Ids of many trades (object array of str)."""
    n = len(first_execution_id)
    if n == 0:
        return np.empty(0, dtype=object)
    account_code, accounts = factorize(account_id)
    symbol_code, symbols = factorize(symbol)
    _, first, group = np.unique(
        account_code * len(symbols) + symbol_code, return_index=True, return_inverse=True
    )
    seeds = np.array(
        [_seeds(run_id, account_id[i], symbol[i]) for i in first.tolist()], dtype=_U64
    ).reshape(-1, 2)
    h1, h2 = _hash(seeds[group, 0], seeds[group, 1], first_execution_id.tolist(), np.asarray(split))
    if _has_duplicates(h1, h2):
        raise TradeIdCollisionError(f"two trades of run {run_id!r} hash to the same id")
    return _hex(h1, h2).astype(object)


def trade_id(
    run_id: str, account_id: str | None, symbol: str, first_execution_id: str, split: bool
) -> str:
    """The id of one trade (equal to what ``trade_ids`` gives it)."""
    seed_1, seed_2 = _seeds(run_id, account_id, symbol)
    h1, h2 = _hash(
        np.array([seed_1], dtype=_U64),
        np.array([seed_2], dtype=_U64),
        [first_execution_id],
        np.array([split]),
    )
    return str(_hex(h1, h2)[0])


def mix(h: np.ndarray, value: np.ndarray) -> np.ndarray:
    """``value`` (uint64) mixed into the hashes ``h`` (uint64), element by element."""
    with np.errstate(over="ignore"):
        return _fmix((h ^ value) * _PRIME_2)


def text_hashes(values: list[str]) -> np.ndarray:
    """A 64-bit hash (uint64) of each string, vectorised like the trade ids; not an id."""
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=_U64)
    matrix, lengths = _byte_columns(values)
    h = np.full(n, _PRIME_2, dtype=_U64)
    with np.errstate(over="ignore"):
        for position, column in enumerate(matrix):
            step = (h ^ column.astype(_U64)) * _PRIME_1
            h = np.where(lengths > position, step, h)
        return _fmix(h ^ lengths.astype(_U64) * _LENGTH_KEY)
