"""A run's orders over HTTP (api.md "Analysis"), on both databases: every order with its
filled quantity, signal name, fills and trades; the trade detail's unfilled orders and
its fills' signal names."""

from __future__ import annotations

import pytest

from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.trades.rebuild import rebuild_trades

from .in_process import app_client, settings_for

RUN = {"run_id": "orders-run", "strategy_id": "S", "account_id": "A1"}


def _order(order_id, side, order_type, submit, quantity, status, **values):
    return {
        "order_id": order_id,
        "symbol": "ES",
        "side": side,
        "order_type": order_type,
        "submit_time_utc": f"2025-01-06 10:{submit}",
        "quantity": quantity,
        "status": status,
        **values,
    }


def _fill(execution_id, order_id, side, at, quantity, price):
    return {
        "execution_id": execution_id,
        "order_id": order_id,
        "symbol": "ES",
        "side": side,
        "exec_time_utc": f"2025-01-06 10:{at}",
        "price": price,
        "quantity": quantity,
    }


BATCH = {
    "schema_version": "1.1",
    "run": RUN,
    "instruments": [{"symbol": "ES", "point_value": 50, "tick_size": 0.25}],
    "orders": [
        _order("O1", "BUY", "MARKET", "00:00", 2, "FILLED", client_tag="Long entry"),
        _order("O2", "SELL", "LIMIT", "01:00", 2, "Cancelled", price=102.0,
               cancel_reason="Stop hit first", client_tag="Target"),
        _order("O3", "SELL", "StopMarket", "01:00", 2, "FILLED", stop_price=99.0),
        _order("O4", "BUY", "LIMIT", "09:00", 1, "REJECTED", price=95.0,
               reject_reason="Margin"),
    ],
    "executions": [
        _fill("E1", "O1", "BUY", "00:01", 1, 100.0),
        _fill("E2", "O1", "BUY", "00:02", 1, 100.5),
        _fill("E3", "O3", "SELL", "05:00", 2, 98.75),
    ],
}  # fmt: skip


@pytest.fixture
def client(engine, database_url, tmp_path):
    report = ingest_batch(engine, BATCH)
    assert report.status == "succeeded", report.error
    rebuild_trades(engine, run_id=RUN["run_id"])
    with app_client(settings_for(database_url, tmp_path)) as client:
        yield client


def _orders(client, **params):
    answer = client.get(f"/api/runs/{RUN['run_id']}/orders", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_order_with_its_fills_signal_and_trades(client):
    (trade,) = client.get("/api/trades", params={"run_id": RUN["run_id"]}).json()["items"]
    page = _orders(client)
    assert page["total"] == 4
    by_id = {o["order_id"]: o for o in page["items"]}
    assert [o["order_id"] for o in page["items"]] == ["O1", "O2", "O3", "O4"]
    o1, o2, o3, o4 = (by_id[k] for k in ("O1", "O2", "O3", "O4"))
    assert (o1["filled_quantity"], o1["fill_count"], o1["average_fill_price"]) == (2.0, 2, 100.25)
    assert o1["execution_ids"] == ["E1", "E2"] and o1["trade_ids"] == [trade["trade_id"]]
    assert o1["signal"] == "Long entry" and o1["first_fill_time"] == "2025-01-06T10:00:01Z"
    assert (o2["status"], o2["filled_quantity"], o2["trade_ids"]) == ("CANCELED", 0.0, [])
    assert o2["cancel_reason"] == "Stop hit first" and o2["signal"] == "Target"
    assert (o3["order_type"], o3["signal"], o3["execution_ids"]) == ("STOP", "O3", ["E3"])
    assert o3["trade_ids"] == [trade["trade_id"]]
    assert (o4["reject_reason"], o4["average_fill_price"], o4["first_fill_time"]) == (
        "Margin",
        None,
        None,
    )
    assert (trade["entry_signal"], trade["exit_signal"]) == ("Long entry", "O3")


def test_filters_and_pages(client):
    assert [o["order_id"] for o in _orders(client, status="canceled")["items"]] == ["O2"]
    assert [o["order_id"] for o in _orders(client, order_type="StopMarket")["items"]] == ["O3"]
    limits = _orders(client, order_type="LIMIT", limit=1, offset=1)
    assert (limits["total"], [o["order_id"] for o in limits["items"]]) == (2, ["O4"])
    assert _orders(client, status="FILLED", order_type="LIMIT") == {
        "run_id": RUN["run_id"],
        "items": [],
        "total": 0,
        "limit": 100,
        "offset": 0,
    }
    bad = client.get(f"/api/runs/{RUN['run_id']}/orders", params={"status": "HALF"})
    assert bad.status_code == 422 and "HALF" in bad.json()["detail"]
    assert client.get("/api/runs/nope/orders").status_code == 404


def test_trade_detail_lists_unfilled_orders_and_fill_signals(client):
    (trade,) = client.get("/api/trades", params={"run_id": RUN["run_id"]}).json()["items"]
    detail = client.get(f"/api/trades/{trade['trade_id']}").json()
    # O4 was rejected after the exit: not this trade's.
    assert [
        (o["order_id"], o["order_type"], o["price"], o["status"], o["signal"])
        for o in detail["orders"]
    ] == [("O2", "LIMIT", 102.0, "CANCELED", "Target")]
    assert [(e["execution_id"], e["signal"], e["order_type"]) for e in detail["executions"]] == [
        ("E1", "Long entry", "MARKET"),
        ("E2", "Long entry", "MARKET"),
        ("E3", "O3", "STOP"),
    ]
    assert (detail["trade"]["entry_signal"], detail["trade"]["exit_signal"]) == ("Long entry", "O3")
