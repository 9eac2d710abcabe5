"""Maximum or minimum of many index ranges of one array, vectorised.

Short ranges (within one block) are reduced directly with ``ufunc.reduceat``; long ranges
combine the block suffix at the start, a sparse table over whole blocks, and the block
prefix at the end. The cost stays O(n + queries x block) however long or overlapping the
ranges are (a trade held for a week covers thousands of bars).
"""

from __future__ import annotations

import numpy as np

BLOCK = 128


class RangeReducer:
    """``reduce(values[lo:hi])`` for arrays of (lo, hi); NaN for an empty range."""

    def __init__(self, values: np.ndarray, ufunc: np.ufunc) -> None:
        if ufunc not in (np.maximum, np.minimum):
            raise ValueError("RangeReducer supports np.maximum and np.minimum")
        self.ufunc = ufunc
        self.identity = -np.inf if ufunc is np.maximum else np.inf
        self.values = np.asarray(values, dtype=np.float64)
        n = len(self.values)
        n_blocks = max(1, -(-n // BLOCK))
        padded = np.full(n_blocks * BLOCK, self.identity)
        padded[:n] = self.values
        blocks = padded.reshape(n_blocks, BLOCK)
        self.prefix = ufunc.accumulate(blocks, axis=1).ravel()
        self.suffix = ufunc.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
        # Sparse table: level k holds reduce over 2^k consecutive blocks.
        levels = [ufunc.reduce(blocks, axis=1)]
        width = 1
        while 2 * width <= n_blocks:
            prev = levels[-1]
            levels.append(ufunc(prev[:-width], prev[width:]))
            width *= 2
        self.levels = levels
        # Sentinel so that hi == n is a valid reduceat index.
        self._extended = np.append(self.values, self.identity)

    def __call__(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        out = np.full(len(lo), np.nan)
        nonempty = hi > lo
        if not nonempty.any():
            return out
        last = hi - 1
        lo_block = lo // BLOCK
        hi_block = last // BLOCK
        short = nonempty & (lo_block == hi_block)
        long = nonempty & (lo_block != hi_block)
        if short.any():
            out[short] = self._short(lo[short], hi[short])
        if long.any():
            idx = np.flatnonzero(long)
            result = self.ufunc(self.suffix[lo[idx]], self.prefix[last[idx]])
            first_full = lo_block[idx] + 1
            n_full = hi_block[idx] - first_full
            middle = n_full > 0
            if middle.any():
                count = n_full[middle]
                level = np.floor(np.log2(count)).astype(np.int64)
                start = first_full[middle]
                end = start + count - (1 << level)
                across = np.empty(len(count))
                for k in np.unique(level):
                    sel = level == k
                    table = self.levels[k]
                    across[sel] = self.ufunc(table[start[sel]], table[end[sel]])
                result[middle] = self.ufunc(result[middle], across)
            out[idx] = result
        return out

    def _short(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        # Sorted by start, the gaps reduceat also walks between ranges total at most n.
        order = np.argsort(lo, kind="stable")
        bounds = np.column_stack((lo[order], hi[order])).ravel()
        reduced = self.ufunc.reduceat(self._extended, bounds)[::2]
        result = np.empty(len(lo))
        result[order] = reduced
        return result
