"""Serves the built web app at / with client-side routes falling back to index.html."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

log = logging.getLogger(__name__)

_NOT_BUILT = """<!doctype html><title>Strategy Analysis Platform</title>
<body style="font-family:sans-serif;background:#111;color:#ddd;padding:2em">
<h1>Strategy Analysis Platform</h1><p>The web app is not built. Run <code>make run</code>
(or <code>npm --prefix frontend ci && npm --prefix frontend run build</code>).
The API is at <a href="/docs" style="color:#8cf">/docs</a>.</p></body>"""


def mount_frontend(app: FastAPI, dist: Path) -> None:
    dist = dist.resolve()
    index = dist / "index.html"

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    def spa(path: str) -> FileResponse | HTMLResponse:
        if path.startswith("api/") or path == "api":
            raise HTTPException(status_code=404, detail=f"no such endpoint: /{path}")
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT)
        if path:
            candidate = (dist / path).resolve()
            # Only files inside dist/ are served; anything else is a client-side route.
            if candidate.is_file() and candidate.is_relative_to(dist):
                return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
