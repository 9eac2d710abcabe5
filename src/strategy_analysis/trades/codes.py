"""Integer codes for object columns (accounts, symbols) without hashing every value."""

from __future__ import annotations

import numpy as np

# Up to this many distinct values, vectorised equality beats hashing every value.
_FEW_DISTINCT = 32


def factorize(values: np.ndarray) -> tuple[np.ndarray, list[object]]:
    """Integer codes (in order of first appearance) and the distinct values.

    Only the heads of runs of equal values are looked up, so sorted data costs one
    vectorised comparison; a few distinct values are coded by vectorised equality.
    """
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=np.int64), []
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    heads = np.flatnonzero(change)
    head_values = values[heads]
    head_list = head_values.tolist()
    distinct = list(dict.fromkeys(head_list))
    if len(distinct) <= _FEW_DISTINCT:
        head_codes = np.zeros(len(heads), dtype=np.int64)
        for code, value in enumerate(distinct[1:], start=1):
            head_codes[np.equal(head_values, value)] = code
    else:
        lookup = {value: code for code, value in enumerate(distinct)}
        head_codes = np.fromiter(
            map(lookup.__getitem__, head_list), dtype=np.int64, count=len(heads)
        )
    return np.repeat(head_codes, np.diff(np.append(heads, n))), distinct
