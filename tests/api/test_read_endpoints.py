"""Read endpoints over HTTP against the app (served in this process), on both databases."""

from __future__ import annotations

import httpx
import pytest
from app_server import AppServer

from strategy_analysis.db.engine import make_engine

from .factories import RUN_ID, seed_run

# One worker (pytest-xdist) runs this module: its tests share one seeded run.
pytestmark = pytest.mark.xdist_group("read-endpoints")

API_TRADE_FIELDS = {
    "trade_id",
    "run_id",
    "strategy_id",
    "account_id",
    "symbol",
    "side",
    "status",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "quantity",
    "pnl_gross",
    "commission",
    "pnl_net",
    "mae",
    "mfe",
    "mae_points",
    "mfe_points",
    "etd",
    "duration_seconds",
    "notes",
    "tags",
    "entry_efficiency",
    "exit_efficiency",
    "total_efficiency",
    "entry_signal",
    "exit_signal",
    "price_decimals",
    "point_value_missing",
}


@pytest.fixture(scope="module")
def seeded(module_database_url, tmp_path_factory):
    """One seeded run and a server for the module's tests, which only read."""
    engine = make_engine(module_database_url)
    try:
        data = seed_run(engine)
    finally:
        engine.dispose()
    folder = tmp_path_factory.mktemp("read-endpoints")
    with (
        AppServer(module_database_url, folder) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as client,
    ):
        yield client, data


def test_trades_page_fields_times_and_total(seeded):
    client, data = seeded
    page = client.get("/api/trades", params={"run_id": RUN_ID}).json()
    assert page["total"] == 3 and page["limit"] == 100 and page["offset"] == 0
    assert [t["trade_id"] for t in page["items"]] == ["t000", "t001", "t002"]
    first = page["items"][0]
    assert set(first) == API_TRADE_FIELDS
    assert first["entry_time"] == "2025-01-06T14:30:00Z"
    assert first["exit_time"] == "2025-01-06T14:35:00Z"
    open_trade = page["items"][2]
    assert open_trade["status"] == "OPEN" and open_trade["exit_time"] is None
    assert open_trade["pnl_net"] is None


def test_trades_filters_sort_and_pagination(seeded):
    client, _ = seeded

    def ids(**params):
        items = client.get("/api/trades", params=params).json()["items"]
        return [t["trade_id"] for t in items]

    assert ids(symbol="NQ") == ["t002"]
    assert ids(side="SHORT") == ["t001"]
    assert ids(status="OPEN") == ["t002"]
    assert ids(outcome="winners") == ["t000"]
    assert ids(outcome="losers") == ["t001"]
    assert ids(account_id="nobody") == []
    assert ids(**{"from": "2025-01-06T14:40:00Z"}) == ["t001", "t002"]
    assert ids(**{"to": "2025-01-06T14:40:00Z"}) == ["t000"]
    assert ids(sort="-pnl_net") == ["t000", "t001", "t002"]  # nulls last
    assert ids(sort="pnl_net") == ["t001", "t000", "t002"]
    page = client.get("/api/trades", params={"limit": 1, "offset": 1, "sort": "-entry_time"}).json()
    assert page["total"] == 3 and [t["trade_id"] for t in page["items"]] == ["t001"]


def test_trades_bad_parameters_are_4xx_with_text_detail(seeded):
    client, _ = seeded
    bad_sort = client.get("/api/trades", params={"sort": "-point_value; drop table"})
    assert bad_sort.status_code == 422
    assert "cannot sort by" in bad_sort.json()["detail"]
    too_many = client.get("/api/trades", params={"limit": 1001})
    assert too_many.status_code == 422 and isinstance(too_many.json()["detail"], str)
    assert "limit" in too_many.json()["detail"]
    assert client.get("/api/trades", params={"side": "UP"}).status_code == 422


def test_trade_detail(seeded):
    client, data = seeded
    detail = client.get("/api/trades/t001").json()
    assert detail["trade"]["trade_id"] == "t001"
    assert set(detail["trade"]) == API_TRADE_FIELDS
    assert [e["execution_id"] for e in detail["executions"]] == ["e001a", "e001b"]
    assert [(lot["entry_execution_id"], lot["exit_execution_id"]) for lot in detail["lots"]] == [
        ("e001a", "e001b")
    ]
    # The finest timeframe (1m, not 5m), from a margin before entry to after exit.
    assert detail["timeframe"] == "1m"
    starts = [bar["start_time"] for bar in detail["bars"]]
    assert starts == sorted(starts)
    assert starts[0] < "2025-01-06T14:40:00Z" < "2025-01-06T14:45:00Z" < starts[-1]
    assert all(s.endswith("Z") for s in starts)
    assert detail["bars_truncated"] is False
    assert detail["point_value"] == 50.0
    assert detail["prev_trade_id"] == "t000" and detail["next_trade_id"] == "t002"
    first = client.get("/api/trades/t000").json()
    assert first["prev_trade_id"] is None
    open_trade = client.get("/api/trades/t002").json()
    assert open_trade["timeframe"] is None and open_trade["bars"] == []
    assert [e["execution_id"] for e in open_trade["executions"]] == ["e002a"]


def test_unknown_trade_is_404(seeded):
    client, _ = seeded
    answer = client.get("/api/trades/nope")
    assert answer.status_code == 404 and "nope" in answer.json()["detail"]


def test_runs_strategies_stats_equity(seeded):
    client, data = seeded
    strategies = client.get("/api/strategies").json()
    assert strategies == [
        {
            "strategy_id": "S1",
            "name": "Strategy one",
            "version": None,
            "run_count": 1,
            "created_at": strategies[0]["created_at"],
            "updated_at": strategies[0]["updated_at"],
        }
    ]
    runs = client.get("/api/runs", params={"strategy_id": "S1"}).json()
    assert runs["total"] == 1
    run = runs["items"][0]
    assert run["run_id"] == RUN_ID and run["parameters"] == {"ratio": 3}
    assert run["counts"] == {"orders": 0, "executions": 5, "trades": 3}
    assert run["summary"]["net_profit"] == -54.0
    assert run["first_data_time"] == "2025-01-06T14:30:00Z"
    assert client.get("/api/runs", params={"strategy_id": "other"}).json()["total"] == 0
    assert client.get(f"/api/runs/{RUN_ID}").json()["counts"]["trades"] == 3
    stats = client.get(f"/api/runs/{RUN_ID}/stats").json()
    assert stats["statistics"]["total_trades"] == 2
    assert stats["statistics"]["max_drawdown"] == -102.0
    equity = client.get(f"/api/runs/{RUN_ID}/equity").json()
    assert [p["equity"] for p in equity["points"]] == [0.0, 48.0, -54.0]
    assert equity["points"][2]["time"] == "2025-01-06T14:45:00Z"
    histogram = client.get(f"/api/runs/{RUN_ID}/pnl-distribution", params={"bins": 2}).json()
    assert histogram["trades"] == 2 and sum(b["count"] for b in histogram["buckets"]) == 2
    for path in ("", "/stats", "/equity", "/pnl-distribution"):
        assert client.get(f"/api/runs/missing{path}").status_code == 404


def test_instruments_list_includes_traded_symbols(seeded):
    client, _ = seeded
    listed = {i["symbol"]: i for i in client.get("/api/instruments").json()}
    assert set(listed) == {"ES", "NQ"}
    assert listed["ES"]["configured"] is False and listed["ES"]["point_value"] == 1.0


def test_imports_empty_history_and_missing_import(seeded):
    client, _ = seeded
    assert client.get("/api/imports").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
        "rejected_total": 0,
    }
    assert client.get("/api/imports/12345").status_code == 404
    assert client.get("/api/ingest/jobs/not-a-job").status_code == 404
