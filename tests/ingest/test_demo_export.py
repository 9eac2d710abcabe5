"""The demo export generator writes files that satisfy the export contract."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from strategy_analysis.ingest.demo_export import (
    DEFAULT_SYMBOLS,
    demo_batches,
    generate_demo,
    write_demo_export,
)

SIDES = {"BUY", "SELL"}
ORDER_TYPES = {"MARKET", "LIMIT", "STOP", "STOP_LIMIT", "MIT"}
STATUSES = {"NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED"}


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def export_11(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo-1.1.sqlite"
    write_demo_export(path, executions=3000, seed=7)
    return path


@pytest.fixture(scope="module")
def export_10(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo-1.0.sqlite"
    write_demo_export(path, executions=800, seed=3, schema_version="1.0")
    return path


def _rows(path: Path, sql: str) -> list[sqlite3.Row]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _tables(path: Path) -> set[str]:
    return {r[0] for r in _rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}


def _columns(path: Path, table: str) -> list[str]:
    return [r[1] for r in _rows(path, f"PRAGMA table_info({table})")]


def test_schema_11_has_metadata_instruments_and_liquidity(export_11: Path) -> None:
    assert _tables(export_11) == {"Metadata", "Instruments", "Bars", "Orders", "Executions"}
    meta = {r["key"]: r["value"] for r in _rows(export_11, "SELECT key, value FROM Metadata")}
    assert meta["schema_version"] == "1.1"
    for key in ("run_id", "strategy_id", "mode", "account_id", "exporter", "created_utc"):
        assert meta[key]
    assert isinstance(json.loads(meta["parameters"]), dict)
    float(meta["reported_net_pnl"])
    assert int(meta["reported_trade_count"]) > 0
    assert "liquidity_flag" in _columns(export_11, "Executions")
    instruments = {
        r["symbol"]: r["point_value"] for r in _rows(export_11, "SELECT * FROM Instruments")
    }
    assert instruments == {s.symbol: s.point_value for s in DEFAULT_SYMBOLS}


def test_schema_10_has_neither_metadata_nor_liquidity_flag(export_10: Path) -> None:
    assert _tables(export_10) == {"Bars", "Orders", "Executions"}
    assert "liquidity_flag" not in _columns(export_10, "Executions")
    blank = _rows(
        export_10,
        "SELECT count(*) FROM Executions WHERE coalesce(strategy_id, '') = '' "
        "OR coalesce(account_id, '') = ''",
    )
    assert blank[0][0] == 0  # 1.0 has no Metadata to fall back on


@pytest.mark.parametrize("fixture", ["export_11", "export_10"])
def test_records_follow_the_contract(fixture: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(fixture)
    executions = _rows(path, "SELECT rowid AS seq, * FROM Executions ORDER BY rowid")
    orders = _rows(path, "SELECT * FROM Orders")
    bars = _rows(path, "SELECT * FROM Bars")
    assert len(executions) == (3000 if fixture == "export_11" else 800)
    assert len({e["execution_id"] for e in executions}) == len(executions)
    assert len({o["order_id"] for o in orders}) == len(orders)
    order_ids = {o["order_id"] for o in orders}
    assert all(e["order_id"] in order_ids for e in executions)
    for e in executions:
        assert e["side"] in SIDES and e["price"] > 0 and e["quantity"] > 0 and e["fee"] >= 0
        assert e["symbol"] and e["execution_id"]
    for o in orders:
        assert o["side"] in SIDES and o["order_type"] in ORDER_TYPES and o["status"] in STATUSES
        assert o["quantity"] > 0
        assert o["price"] is None or o["price"] > 0
        assert o["stop_price"] is None or o["stop_price"] > 0
        if o["meta_json"] is not None:
            assert isinstance(json.loads(o["meta_json"]), dict)
    for b in bars:
        assert b["low"] <= min(b["open"], b["close"]) and b["high"] >= max(b["open"], b["close"])
        assert b["volume"] >= 0 and _parse(b["end_time_utc"]) > _parse(b["start_time_utc"])
    times = [_parse(e["exec_time_utc"]) for e in executions]
    assert times == sorted(times), "file order must be time order"


def test_every_execution_price_is_inside_its_bar(export_11: Path) -> None:
    outside = _rows(
        export_11,
        "SELECT e.execution_id, e.price, b.low, b.high FROM Executions e "
        "LEFT JOIN Bars b ON b.symbol = e.symbol AND b.start_time_utc <= e.exec_time_utc "
        "AND e.exec_time_utc < b.end_time_utc "
        "WHERE b.symbol IS NULL OR e.price < b.low OR e.price > b.high",
    )
    assert [tuple(r) for r in outside] == []
    bars_per_symbol = _rows(export_11, "SELECT symbol, count(*) FROM Bars GROUP BY symbol")
    assert len(bars_per_symbol) == len(DEFAULT_SYMBOLS)


def _walk(executions: list[sqlite3.Row], orders: dict[str, sqlite3.Row]) -> dict[str, int]:
    """Count position events per (account, symbol) with a plain loop (independent check)."""
    counts: dict[str, int] = defaultdict(int)
    position: dict[tuple[str, str], float] = defaultdict(float)
    last_flat_time: dict[tuple[str, str], str] = {}
    for e in executions:
        key = (e["account_id"], e["symbol"])
        before = position[key]
        signed = e["quantity"] if e["side"] == "BUY" else -e["quantity"]
        after = before + signed
        if before == 0:
            counts["entries"] += 1
            if last_flat_time.get(key) == e["exec_time_utc"]:
                counts["exit_entry_same_time"] += 1
        elif after == 0:
            counts["flat_exits"] += 1
        elif before * after < 0:
            counts["reversals"] += 1
        elif abs(after) > abs(before):
            counts["scale_ins"] += 1
        else:
            counts["scale_outs"] += 1
        if after == 0 or before * after < 0:
            last_flat_time[key] = e["exec_time_utc"]
        position[key] = after
    per_order: dict[str, list[float]] = defaultdict(list)
    for e in executions:
        per_order[e["order_id"]].append(e["quantity"])
    counts["partially_filled_orders"] = sum(1 for q in per_order.values() if len(q) > 1)
    for order_id, quantities in per_order.items():
        order = orders[order_id]
        if order["status"] == "FILLED":
            assert sum(quantities) == order["quantity"], order_id
        else:
            assert order["status"] == "PARTIALLY_FILLED", order_id
            assert sum(quantities) < order["quantity"], order_id
    counts["accounts"] = len({k[0] for k in position})
    counts["symbols"] = len({k[1] for k in position})
    return counts


def test_realistic_position_dynamics(export_11: Path) -> None:
    executions = _rows(export_11, "SELECT * FROM Executions ORDER BY rowid")
    orders = {o["order_id"]: o for o in _rows(export_11, "SELECT * FROM Orders")}
    counts = _walk(executions, orders)
    for kind in (
        "entries",
        "flat_exits",
        "reversals",
        "scale_ins",
        "scale_outs",
        "exit_entry_same_time",
        "partially_filled_orders",
    ):
        assert counts[kind] > 5, (kind, counts)
    assert counts["accounts"] >= 2 and counts["symbols"] >= 3
    statuses = defaultdict(int)
    for o in orders.values():
        statuses[o["status"]] += 1
    assert statuses["CANCELED"] > 0 and statuses["REJECTED"] > 0
    filled_ids = {e["order_id"] for e in executions}
    for o in orders.values():
        if o["status"] in ("CANCELED", "REJECTED"):
            assert o["order_id"] not in filled_ids


def test_sequence_ties_are_present(export_11: Path) -> None:
    ties = _rows(
        export_11,
        "SELECT account_id, symbol, exec_time_utc, count(*) AS n FROM Executions "
        "GROUP BY account_id, symbol, exec_time_utc HAVING n > 1",
    )
    assert len(ties) > 5


def test_reported_figures_match_an_independent_fifo(export_11: Path) -> None:
    meta = {r["key"]: r["value"] for r in _rows(export_11, "SELECT key, value FROM Metadata")}
    point_values = {
        r["symbol"]: r["point_value"] for r in _rows(export_11, "SELECT * FROM Instruments")
    }
    lots: dict[tuple[str, str], list[list[float]]] = defaultdict(list)  # [signed qty, price]
    fees: dict[tuple[str, str], float] = defaultdict(float)
    gross: dict[tuple[str, str], float] = defaultdict(float)
    net, trades = 0.0, 0
    for e in _rows(export_11, "SELECT * FROM Executions ORDER BY rowid"):
        key = (e["account_id"], e["symbol"])
        remaining = e["quantity"] if e["side"] == "BUY" else -e["quantity"]
        fee_per_unit = e["fee"] / e["quantity"]
        while remaining and lots[key] and lots[key][0][0] * remaining < 0:
            lot = lots[key][0]
            matched = min(abs(remaining), abs(lot[0]))
            direction = 1 if lot[0] > 0 else -1
            # Open trades count for nothing: only closed trades are realized.
            gross[key] += (e["price"] - lot[1]) * matched * direction * point_values[e["symbol"]]
            fees[key] += fee_per_unit * matched
            lot[0] -= matched * direction
            remaining += matched * direction
            if lot[0] == 0:
                lots[key].pop(0)
            if not lots[key]:
                trades += 1
                net += gross[key] - fees[key]
                gross[key] = fees[key] = 0.0
        if remaining:
            lots[key].append([remaining, e["price"]])
            fees[key] += fee_per_unit * abs(remaining)
    assert int(meta["reported_trade_count"]) == trades
    assert float(meta["reported_net_pnl"]) == pytest.approx(net, abs=0.01)


def test_same_seed_same_file_other_seed_other_ids(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "c.sqlite"
    write_demo_export(a, executions=200, seed=1)
    write_demo_export(b, executions=200, seed=1)
    write_demo_export(c, executions=200, seed=2)
    dump = "SELECT * FROM Executions ORDER BY rowid"
    assert [tuple(r) for r in _rows(a, dump)] == [tuple(r) for r in _rows(b, dump)]
    ids_a = {r[0] for r in _rows(a, "SELECT execution_id FROM Executions")}
    ids_c = {r[0] for r in _rows(c, "SELECT execution_id FROM Executions")}
    assert not ids_a & ids_c


def test_without_bars_and_tiny_sizes(tmp_path: Path) -> None:
    path = tmp_path / "nobars.sqlite"
    write_demo_export(path, executions=1, bars=False)
    assert "Bars" not in _tables(path)
    assert len(_rows(path, "SELECT * FROM Executions")) == 1
    write_demo_export(path, executions=0)
    assert _rows(path, "SELECT count(*) FROM Executions")[0][0] == 0


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="schema_version"):
        generate_demo(executions=10, schema_version="2.0")
    with pytest.raises(ValueError, match="executions"):
        generate_demo(executions=-1)


def test_batches_carry_the_same_run_as_the_file(export_11: Path) -> None:
    batches = list(demo_batches(executions=3000, seed=7, batch_size=500))
    assert len(batches) == 6
    meta = {r["key"]: r["value"] for r in _rows(export_11, "SELECT key, value FROM Metadata")}
    assert {b["run"]["run_id"] for b in batches} == {meta["run_id"]}
    assert [b["run"]["status"] for b in batches] == ["RUNNING"] * 5 + ["COMPLETED"]
    assert batches[-1]["run"]["reported_trade_count"] == int(meta["reported_trade_count"])
    assert "instruments" in batches[0] and "instruments" not in batches[1]
    for table, key in (("Executions", "execution_id"), ("Orders", "order_id")):
        in_file = [r[0] for r in _rows(export_11, f"SELECT {key} FROM {table} ORDER BY rowid")]
        streamed = [r[key] for b in batches for r in b[table.lower()]]
        assert streamed == in_file
    assert sum(len(b["bars"]) for b in batches) == len(_rows(export_11, "SELECT 1 FROM Bars"))
    first = batches[0]["executions"][0]
    file_first = dict(_rows(export_11, "SELECT * FROM Executions ORDER BY rowid LIMIT 1")[0])
    assert first == file_first
    json.dumps(batches[0])  # JSON-serialisable as the stream sends it


def test_batches_can_name_their_run() -> None:
    batches = list(demo_batches(executions=10, batch_size=4, run_id="run-x"))
    assert {b["run"]["run_id"] for b in batches} == {"run-x"}
    assert sum(len(b["executions"]) for b in batches) == 10


def test_timestamp_text_forms(export_11: Path, export_10: Path) -> None:
    # 1.1 like the C# exporter (.NET "o": 7 digits, Z); 1.0 plain text with a space.
    text_11 = _rows(export_11, "SELECT exec_time_utc FROM Executions LIMIT 1")[0][0]
    text_10 = _rows(export_10, "SELECT exec_time_utc FROM Executions LIMIT 1")[0][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", text_11), text_11
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", text_10), text_10
