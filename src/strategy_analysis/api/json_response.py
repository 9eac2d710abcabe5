"""The app's JSON answers: any stored text can be sent, a lone surrogate included.

A lone surrogate cannot be encoded as UTF-8, so the ordinary encoder fails the whole
answer (a 500 on every read of a run that holds one, stored before the import refused
such values). Such an answer is sent with every non-ASCII character escaped instead:
``\\ud800`` is valid JSON, which a client decodes to the replacement character or keeps.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(
                content, ensure_ascii=True, allow_nan=False, indent=None, separators=(",", ":")
            ).encode("ascii")
