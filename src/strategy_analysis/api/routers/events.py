"""GET /api/events: server-sent events from the in-process event bus.

Events: ``job_progress`` {job_id, done, total}, ``job_finished`` {job_id, status,
import_id}, ``analysis_updated`` {strategy_id, run_id, trades}, ``run_updated`` and
``run_deleted`` {run_id, strategy_id}. Data is JSON. A comment
line goes out every ``HEARTBEAT_SECONDS`` so proxies keep the connection open.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import StreamingResponse

from ...events import Event

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["events"])

HEARTBEAT_SECONDS = 15.0
# A client that stops reading loses events beyond this many instead of growing memory.
QUEUE_SIZE = 1000


def format_event(event: Event) -> str:
    data = json.dumps(event.data, default=str, separators=(",", ":"))
    return f"event: {event.type}\ndata: {data}\n\n"


@router.get(
    "/events",
    operation_id="events-stream",
    summary="Live events (server-sent events)",
    description="`text/event-stream` of `job_progress` {job_id, done, total}, `job_finished` "
    "{job_id, status, import_id}, `analysis_updated` {strategy_id, run_id, trades}, "
    "`run_updated` and `run_deleted` {run_id, strategy_id} (a run's name, notes or tags "
    "changed; a run was deleted), each with JSON data; a comment heartbeat every 15 s.",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless event stream",
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    "example": 'event: analysis_updated\ndata: {"strategy_id":"StackedImbalance",'
                    '"run_id":"6f1c...","trades":42}\n\n',
                }
            },
        }
    },
)
async def events(request: Request) -> StreamingResponse:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_SIZE)

    def put(event: Event) -> None:
        if inbox.full():
            log.warning("SSE client too slow: dropped %s event", event.type)
            return
        inbox.put_nowait(event)

    def forward(event: Event) -> None:
        # Publishers run in worker threads; the queue belongs to the event loop.
        loop.call_soon_threadsafe(put, event)

    unsubscribe = request.app.state.event_bus.subscribe(forward)

    async def stream() -> AsyncIterator[str]:
        try:
            yield ": connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(inbox.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                yield format_event(event)
        finally:
            unsubscribe()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def setup(app: FastAPI) -> None:
    app.include_router(router)
