"""GET /api/trades pages through next_cursor as through offsets, and refuses a cursor it
did not give."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import delete, insert

from strategy_analysis.db.models import RunStatistics, Trade

from .factories import RUN_ID, _trade, seed_run


@pytest.fixture
def client(engine, app_server):
    seed_run(engine)
    # Ties in net PnL and open trades (no exit) that sort last both ways.
    extra = [
        _trade(n, pnl_net=float(n % 4), side="SHORT" if n % 3 else "LONG") for n in range(3, 23)
    ]
    extra += [_trade(n, status="OPEN", exit_time=None, pnl_net=None) for n in range(23, 26)]
    with engine.begin() as conn:
        conn.execute(insert(Trade), extra)
        # The seeded statistics count three trades: without them the pages count.
        conn.execute(delete(RunStatistics).where(RunStatistics.run_id == RUN_ID))
    with httpx.Client(base_url=app_server.base_url, timeout=10) as client:
        yield client


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "-pnl_net"}, {"sort": "exit_time"}, {"sort": "side", "outcome": "winners"}],
)
def test_cursor_pages_are_the_offset_pages(client, params):
    query = {"run_id": RUN_ID, **params}
    whole = client.get("/api/trades", params={**query, "limit": 1000}).json()
    assert whole["next_cursor"] is None
    expected = [t["trade_id"] for t in whole["items"]]
    seen: list[str] = []
    page = client.get("/api/trades", params={**query, "limit": 4}).json()
    while True:
        assert page["offset"] == len(seen) and page["total"] == whole["total"]
        seen += [t["trade_id"] for t in page["items"]]
        if page["next_cursor"] is None:
            break
        answer = client.get(
            "/api/trades", params={**query, "limit": 4, "cursor": page["next_cursor"]}
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
    assert seen == expected


def test_a_cursor_the_server_did_not_give_is_refused(client):
    answer = client.get("/api/trades", params={"run_id": RUN_ID, "cursor": "bm90IGEgY3Vyc29y"})
    assert answer.status_code == 422
    assert "cursor" in answer.json()["detail"]
