"""A trade's neighbours in a filtered, sorted list, and the excursion scatter's points."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import insert

from strategy_analysis.db.models import Trade

from .factories import RUN_ID, _trade, seed_run


@pytest.fixture
def client(engine, app_server):
    seed_run(engine)
    # t003: a loser whose net PnL ties t001's; t004: another run's trade.
    with engine.begin() as conn:
        conn.execute(
            insert(Trade),
            [
                _trade(3, side="SHORT", pnl_gross=-100.0, pnl_net=-102.0, mae=30.0, mfe=5.0),
                _trade(4, run_id="run-b", pnl_net=500.0),
            ],
        )
    with httpx.Client(base_url=app_server.base_url, timeout=10) as client:
        yield client


def _walk(client: httpx.Client, start: str, **params: str) -> list[str]:
    """The list's trade ids from ``start`` by following next, then checked backwards."""
    seen = [start]
    while True:
        answer = client.get(f"/api/trades/{seen[-1]}/neighbours", params=params)
        assert answer.status_code == 200, answer.text
        following = answer.json()["next_trade_id"]
        if following is None:
            break
        seen.append(following)
    back = [seen[-1]]
    while True:
        previous = client.get(f"/api/trades/{back[-1]}/neighbours", params=params).json()
        if previous["prev_trade_id"] is None:
            break
        back.append(previous["prev_trade_id"])
    assert back[::-1] == seen
    return seen


LISTS = [
    {},
    {"sort": "-pnl_net"},
    {"sort": "pnl_net"},
    {"sort": "-mae"},
    {"sort": "side"},
    {"sort": "-entry_time", "outcome": "losers"},
    {"sort": "pnl_net", "status": "CLOSED"},
    {"sort": "exit_time", "symbol": "ES"},
]


def test_neighbours_follow_the_lists_filters_and_sort(client):
    for params in LISTS:
        listed = client.get("/api/trades", params={"run_id": RUN_ID, **params}).json()["items"]
        ids = [t["trade_id"] for t in listed]
        assert len(ids) > 1
        assert _walk(client, ids[0], **params) == ids, params


def test_neighbours_stay_in_the_trades_run(client):
    answer = client.get("/api/trades/t000/neighbours", params={"sort": "-pnl_net"}).json()
    # Ties in net PnL (t001, t003) go by trade_id, descending with the sort.
    assert answer == {"trade_id": "t000", "prev_trade_id": None, "next_trade_id": "t003"}
    assert client.get("/api/trades/t004/neighbours").json()["next_trade_id"] is None


def test_neighbours_of_a_trade_outside_the_filter_are_where_it_would_be(client):
    # t000 is a winner: among the losers by net PnL descending it would come first.
    answer = client.get(
        "/api/trades/t000/neighbours", params={"outcome": "losers", "sort": "-pnl_net"}
    ).json()
    assert (answer["prev_trade_id"], answer["next_trade_id"]) == (None, "t003")


def test_neighbours_refuse_an_unknown_sort(client):
    answer = client.get("/api/trades/t000/neighbours", params={"sort": "-point_value"})
    assert answer.status_code == 422 and "cannot sort by" in answer.json()["detail"]


def test_excursion_points_of_every_closed_trade(client):
    answer = client.get(f"/api/runs/{RUN_ID}/excursions").json()
    assert answer["trades"] == 3
    assert answer["mae"]["total"] == 3
    assert sorted((p["trade_id"], p["value"], p["pnl_net"]) for p in answer["mae"]["points"]) == [
        ("t000", 25.0, 48.0),
        ("t001", 25.0, -102.0),
        ("t003", 30.0, -102.0),
    ]
    assert {p["value"] for p in answer["mfe"]["points"]} == {75.0, 5.0}
    assert client.get("/api/runs/missing/excursions").status_code == 404
    assert client.get(f"/api/runs/{RUN_ID}/excursions", params={"points": 5}).status_code == 422
