"""What the trade and run answers say about their numbers: the decimals of each symbol's
prices, a missing point value, the part of a split fill, no binary float noise (real
server, both databases)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.trades.rebuild import rebuild_trades

RUN = {"run_id": "fx-run", "strategy_id": "S", "account_id": "A1"}
T0 = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)


def _fill(n: int, symbol: str, side: str, quantity: float, price: float, fee: float = 0.0):
    return {
        "execution_id": f"E{n}",
        "order_id": f"O{n}",
        "symbol": symbol,
        "side": side,
        "exec_time_utc": (T0 + timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S"),
        "price": price,
        "quantity": quantity,
        "fee": fee,
    }


@pytest.fixture
def client(engine, app_server):
    batch = {
        "schema_version": "1.1",
        "run": RUN,
        "instruments": [
            {"symbol": "EURUSD", "point_value": 1, "tick_size": 0.00001},
            {"symbol": "ES", "point_value": 50, "tick_size": 0.25},
        ],
        "executions": [
            # -182 in binary: -181.9999999999933
            _fill(0, "EURUSD", "BUY", 100_000, 1.09100),
            _fill(1, "EURUSD", "SELL", 100_000, 1.08918),
            # A reversal: the 20,000 sell closes 10,000 and opens a 10,000 short.
            _fill(2, "EURUSD", "BUY", 10_000, 1.07156, 2.18),
            _fill(3, "EURUSD", "SELL", 20_000, 1.07200, 4.36),
            _fill(4, "EURUSD", "BUY", 10_000, 1.07100, 2.18),
            _fill(5, "ES", "BUY", 2, 5012.0),
            _fill(6, "ES", "SELL", 2, 5013.25),
            # No instrument: PnL at point value 1, prices of 5 decimals.
            _fill(7, "6E", "BUY", 2, 1.07150),
            _fill(8, "6E", "SELL", 2, 1.07165),
        ],
    }
    report = ingest_batch(engine, batch)
    assert report.status == "succeeded", report.error
    rebuild_trades(engine, run_id=RUN["run_id"])
    with httpx.Client(base_url=app_server.base_url, timeout=30) as http:
        yield http


def test_trades_say_their_decimals_and_a_missing_point_value(client):
    answer = client.get("/api/trades", params={"run_id": RUN["run_id"], "sort": "entry_time"})
    items = answer.json()["items"]
    by_symbol = {t["symbol"]: t for t in items}
    assert {s: t["price_decimals"] for s, t in by_symbol.items()} == {
        "EURUSD": 5,
        "ES": 2,
        "6E": 5,
    }
    assert [t["symbol"] for t in items if t["point_value_missing"]] == ["6E"]
    run = client.get(f"/api/runs/{RUN['run_id']}").json()
    assert run["point_value_missing"] == ["6E"]
    listed = {i["symbol"]: i for i in client.get("/api/instruments").json()}
    assert (listed["EURUSD"]["price_decimals"], listed["6E"]["price_decimals"]) == (5, 5)
    assert listed["6E"]["configured"] is False and listed["ES"]["set_by_user"] is False

    # Setting the point value ends the missing state (and rebuilds, as before).
    saved = client.put("/api/instruments/6E", json={"point_value": 125_000, "tick_size": 0.00005})
    assert saved.status_code == 200, saved.text
    assert saved.json()["instrument"]["set_by_user"] is True
    assert client.get(f"/api/runs/{RUN['run_id']}").json()["point_value_missing"] == []
    six_e = client.get("/api/trades", params={"symbol": "6E"}).json()["items"][0]
    assert six_e["point_value_missing"] is False
    assert six_e["pnl_gross"] == 37.5  # 0.00015 x 2 x 125,000


def test_answers_carry_no_binary_noise(client):
    answer = client.get("/api/trades", params={"run_id": RUN["run_id"], "sort": "entry_time"})
    first = answer.json()["items"][0]
    assert first["pnl_gross"] == -182.0 and first["pnl_net"] == -182.0
    # No number in the answers with more than 12 significant digits.
    for text in (answer.text, client.get(f"/api/runs/{RUN['run_id']}/stats").text):
        digits = [re.sub(r"[^0-9]", "", n).strip("0") for n in re.findall(r"-?\d+\.\d+", text)]
        assert max(len(d) for d in digits) <= 12, text


def test_a_split_fill_shows_the_part_that_belongs_to_the_trade(client):
    trades = client.get("/api/trades", params={"run_id": RUN["run_id"], "sort": "entry_time"})
    long_, short = trades.json()["items"][1:3]
    assert (long_["side"], long_["quantity"], long_["commission"]) == ("LONG", 10_000, 4.36)
    detail = client.get(f"/api/trades/{long_['trade_id']}").json()
    split = [e for e in detail["executions"] if e["execution_id"] == "E3"][0]
    assert (split["quantity"], split["trade_quantity"]) == (20_000, 10_000)
    assert (split["fee"], split["trade_fee"]) == (4.36, 2.18)
    assert detail["tick_size"] == 0.00001 and detail["trade"]["price_decimals"] == 5
    opened = client.get(f"/api/trades/{short['trade_id']}").json()
    first = opened["executions"][0]
    assert (first["execution_id"], first["trade_quantity"], first["trade_fee"]) == (
        "E3",
        10_000,
        2.18,
    )
    assert sum(e["trade_fee"] for e in opened["executions"]) == pytest.approx(short["commission"])
