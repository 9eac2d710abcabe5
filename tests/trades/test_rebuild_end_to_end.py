"""Acceptance: ``cli.py import --file`` of an export, then the trades and statistics in the
database equal what this test computes on its own from the file (a plain FIFO loop)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from strategy_analysis.cli.main import main
from strategy_analysis.db.engine import session_scope
from strategy_analysis.db.models import RunStatistics, Trade, TradeLot
from strategy_analysis.ingest.demo_export import write_demo_export

ROOT = Path(__file__).resolve().parents[2]
EPS = 1e-9


def parse_time(value: str) -> datetime:
    # The demo writes .NET round-trip times: 7 fractional digits and a Z; keep microseconds.
    assert len(value) == 28 and value.endswith("Z"), value
    return datetime.strptime(value[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


def read_export(path: Path):
    con = sqlite3.connect(path)
    meta = dict(con.execute("SELECT key, value FROM Metadata"))
    point_values = dict(con.execute("SELECT symbol, point_value FROM Instruments"))
    order_accounts = dict(con.execute("SELECT order_id, account_id FROM Orders"))
    fills = [
        {
            "rowid": rowid,
            "id": eid,
            "account": account or order_accounts.get(order_id) or meta.get("account_id"),
            "symbol": symbol,
            "sign": 1 if side.upper() in ("BUY", "BUYTOCOVER") else -1,
            "time": parse_time(t),
            "price": price,
            "qty": qty,
            "fee": fee or 0.0,
        }
        for rowid, eid, order_id, account, symbol, side, t, price, qty, fee in con.execute(
            "SELECT rowid, execution_id, order_id, account_id, symbol, side, exec_time_utc,"
            " price, quantity, fee FROM Executions"
        )
    ]
    bars = defaultdict(list)
    for symbol, start, end, high, low in con.execute(
        "SELECT symbol, start_time_utc, end_time_utc, high, low FROM Bars WHERE timeframe = '1m'"
    ):
        begin = parse_time(start) if len(start) == 28 else datetime.fromisoformat(start)
        if begin.tzinfo is None:
            begin = begin.replace(tzinfo=UTC)
        stop = begin + timedelta(minutes=1)
        if end:
            stop = parse_time(end) if len(end) == 28 else datetime.fromisoformat(end)
            stop = stop if stop.tzinfo else stop.replace(tzinfo=UTC)
        bars[symbol].append((begin, stop, high, low))
    con.close()
    return meta, point_values, fills, bars


def expected_trades(fills, point_values, bars):
    """A plain loop over each (account, symbol)'s fills in time order, ties by rowid."""
    streams = defaultdict(list)
    for f in fills:
        streams[(f["account"], f["symbol"])].append(f)
    trades = []
    for (account, symbol), stream in streams.items():
        stream.sort(key=lambda f: (f["time"], f["rowid"]))
        pv = point_values.get(symbol, 1.0)
        lots: deque = deque()
        trade = None
        for f in stream:
            remaining = f["qty"]
            if trade is not None and f["sign"] != trade["dir"]:
                while remaining > EPS and lots:
                    lot_qty, lot_price = lots[0]
                    take = min(lot_qty, remaining)
                    trade["pnl_gross"] += (f["price"] - lot_price) * take * pv * trade["dir"]
                    trade["exit_qty"] += take
                    trade["exit_value"] += take * f["price"]
                    trade["commission"] += f["fee"] * take / f["qty"]
                    trade["n_lots"] += 1
                    remaining -= take
                    if lot_qty - take > EPS:
                        lots[0] = (lot_qty - take, lot_price)
                    else:
                        lots.popleft()
                    if not lots:
                        trade.update(status="CLOSED", exit_time=f["time"], exit_rowid=f["rowid"])
                        trades.append(trade)
                        trade = None
                        break
                if trade is not None:
                    trade["states"].append((f["time"], trade["pnl_gross"], list(lots)))
            if remaining > EPS:
                if trade is None:
                    trade = {
                        "account": account,
                        "symbol": symbol,
                        "dir": f["sign"],
                        "first": f["id"],
                        "entry_time": f["time"],
                        "qty": 0.0,
                        "entry_value": 0.0,
                        "exit_qty": 0.0,
                        "exit_value": 0.0,
                        "pnl_gross": 0.0,
                        "commission": 0.0,
                        "n_lots": 0,
                        "status": "OPEN",
                        "pv": pv,
                        "states": [],
                    }
                lots.append((remaining, f["price"]))
                trade["qty"] += remaining
                trade["entry_value"] += remaining * f["price"]
                trade["commission"] += f["fee"] * remaining / f["qty"]
                trade["states"].append((f["time"], trade["pnl_gross"], list(lots)))
        if trade is not None:
            trades.append(trade)
    for t in trades:
        t["entry_price"] = t["entry_value"] / t["qty"]
        if t["status"] != "CLOSED":
            continue
        t["pnl_net"] = t["pnl_gross"] - t["commission"]
        exit_ = max(t["exit_time"], t["entry_time"] + timedelta(microseconds=1))
        inside = [(h, lo) for s, e, h, lo in bars[t["symbol"]] if s < exit_ and e > t["entry_time"]]
        if inside:
            high = max(h for h, _ in inside)
            low = min(lo for _, lo in inside)
            up, down = high - t["entry_price"], t["entry_price"] - low
            favour, against = (up, down) if t["dir"] > 0 else (down, up)
            if t["exit_time"] == t["entry_time"]:
                t["mfe"] = max(favour, 0.0) * t["qty"] * t["pv"]
                t["mae"] = max(against, 0.0) * t["qty"] * t["pv"]
            else:
                t["mfe"], t["mae"] = position_excursions(t, bars[t["symbol"]])
        else:
            t["mfe"] = t["mae"] = None
    return trades


def position_excursions(trade, bars):
    """Best and worst running PnL of the position between its fill instants (analytics.md)."""
    after = {}
    for time, realised, lots in trade["states"]:
        after[time] = (realised, lots)  # the state after the instant's last fill
    instants = sorted({*after, trade["exit_time"]})
    running = []
    for start, end in zip(instants, instants[1:], strict=False):
        realised, lots = after[start]
        for s, e, high, low in bars:
            if s < end and e > start:
                for price in (high, low):
                    unrealised = sum((price - lp) * q for q, lp in lots) * trade["dir"]
                    running.append(realised + unrealised * trade["pv"])
    return max(max(running), 0.0), max(-min(running), 0.0)


@pytest.fixture
def run_cli(cli_env: str, capsys):
    """``cli.py COMMAND ...`` on this test's database, run in this process: its whole
    parser and dispatch, without the 1-2 s of imports a new interpreter pays (the script
    itself runs as a process in the live-server tests). Returns the exit code, stdout and
    stderr."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.slow
def test_cli_import_rebuilds_trades_and_statistics(run_cli, session_factory, tmp_path):
    export = tmp_path / "demo.sqlite"
    write_demo_export(export, executions=600, seed=11)
    meta, point_values, fills, bars = read_export(export)
    expected = expected_trades(fills, point_values, bars)
    closed = [t for t in expected if t["status"] == "CLOSED"]
    assert len(closed) > 20 and any(t["dir"] < 0 for t in closed)

    code, out, err = run_cli("import", "--file", str(export))
    assert code == 0, out + err

    with session_scope(session_factory) as s:
        stored = s.scalars(select(Trade)).all()
        lot_count = len(s.scalars(select(TradeLot.trade_id)).all())
        doc = s.get(RunStatistics, meta["run_id"]).statistics

    def key(account, symbol, first):
        return (account, symbol, first)

    by_key = {key(t.account_id, t.symbol, t.first_execution_id): t for t in stored}
    assert len(stored) == len(expected)
    assert set(by_key) == {key(t["account"], t["symbol"], t["first"]) for t in expected}
    assert lot_count == sum(t["n_lots"] for t in expected)
    for t in expected:
        got = by_key[key(t["account"], t["symbol"], t["first"])]
        assert got.run_id == meta["run_id"]
        assert got.side == ("LONG" if t["dir"] > 0 else "SHORT")
        assert got.status == t["status"]
        assert got.entry_time == t["entry_time"]
        assert got.quantity == pytest.approx(t["qty"])
        assert got.entry_price == pytest.approx(t["entry_price"])
        assert got.commission == pytest.approx(t["commission"])
        assert got.point_value == t["pv"]
        if t["status"] == "CLOSED":
            assert got.exit_time == t["exit_time"]
            assert got.exit_price == pytest.approx(t["exit_value"] / t["exit_qty"])
            assert got.pnl_gross == pytest.approx(t["pnl_gross"], abs=1e-6)
            assert got.pnl_net == pytest.approx(t["pnl_net"], abs=1e-6)
            assert got.duration_seconds == (t["exit_time"] - t["entry_time"]).total_seconds()
            if t["mfe"] is None:
                assert got.mfe is None and got.mae is None
            else:
                assert got.mfe == pytest.approx(t["mfe"], abs=1e-6)
                assert got.mae == pytest.approx(t["mae"], abs=1e-6)
                assert got.etd == pytest.approx(t["mfe"] - t["pnl_gross"], abs=1e-6)
        else:
            assert got.exit_time is None and got.pnl_net is None and got.mfe is None

    # Statistics, computed here from the expected closed trades in exit order.
    closed.sort(key=lambda t: (t["exit_time"], t["exit_rowid"]))
    pnl = [t["pnl_net"] for t in closed]
    equity, peak, drawdown = 0.0, 0.0, 0.0
    for p in pnl:
        equity += p
        peak = max(peak, equity)
        drawdown = min(drawdown, equity - peak)
    stats = doc["statistics"]
    assert stats["total_trades"] == len(closed)
    assert stats["open_trades"] == len(expected) - len(closed)
    assert stats["winning_trades"] == sum(p > 0 for p in pnl)
    assert stats["losing_trades"] == sum(p < 0 for p in pnl)
    assert stats["net_profit"] == pytest.approx(sum(pnl), abs=1e-6)
    assert stats["gross_profit"] == pytest.approx(sum(p for p in pnl if p > 0), abs=1e-6)
    assert stats["commission"] == pytest.approx(sum(t["commission"] for t in closed), abs=1e-6)
    assert stats["max_drawdown"] == pytest.approx(drawdown, abs=1e-6)
    assert [round(point["equity"], 6) for point in doc["equity"][1:]] == [
        round(sum(pnl[: i + 1]), 6) for i in range(len(pnl))
    ]
    rec = stats["reconciliation"]
    assert rec["reported_net_pnl"] == float(meta["reported_net_pnl"])
    assert rec["reported_trade_count"] == int(meta["reported_trade_count"])
    assert rec["platform_trade_count"] == len(closed)
    assert rec["matches"] is True

    # Rebuilding on demand changes nothing.
    code, out, err = run_cli("rebuild")
    assert code == 0, err
    with session_scope(session_factory) as s:
        assert {t.trade_id: t.pnl_net for t in s.scalars(select(Trade))} == {
            t.trade_id: t.pnl_net for t in stored
        }


def test_cli_import_of_an_export_without_executions_leaves_no_trades(run_cli, session_factory):
    fixture = ROOT / "tests" / "fixtures" / "prototype-export-1.0.sqlite"
    code, out, err = run_cli("import", "--file", str(fixture))
    assert code == 0, out + err
    with session_scope(session_factory) as s:
        assert s.scalars(select(Trade)).all() == []
    code, out, err = run_cli("rebuild")
    assert code == 0, err
    with session_scope(session_factory) as s:
        assert s.scalars(select(Trade)).all() == []
        stored = s.scalars(select(RunStatistics)).all()
    # The run has orders but no fills: its statistics are those of an empty run.
    assert len(stored) == 1
    assert stored[0].statistics["statistics"]["total_trades"] == 0
    assert stored[0].statistics["equity"] == []
