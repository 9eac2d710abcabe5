"""How deep a JSON text nests, read from its bytes before it is decoded: a decoder walks a
deep document by recursion, so depth is bounded first (``contract.values.MAX_JSON_DEPTH``).

In C (``_record_checks.json_depth_over``) where the module is built; in Python otherwise.
"""

from __future__ import annotations

import re

# A string (skipped whole, escapes included; an unclosed one runs to the end), or a
# bracket.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)|[\[\]{}]', re.DOTALL)
_OPENING = frozenset(b"[{")


def python_json_depth_over(data: bytes, limit: int) -> bool:
    depth = 0
    for token in _TOKENS.finditer(data):
        first = token.group()[0]
        if first in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif first != 0x22 and depth > 0:  # a closing bracket, one open
            depth -= 1
    return False


try:
    from ._record_checks import json_depth_over
except ImportError:  # pragma: no cover - a build without a C compiler
    json_depth_over = python_json_depth_over
