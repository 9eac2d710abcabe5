"""GET /api/runs/{run_id}/stats with subsets, over a demo run imported and rebuilt (both
databases): the whole run's equal the stored statistics, sides add up, bad input is 4xx
(GET /api/compare: test_analysis_compare.py)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from strategy_analysis.db.engine import make_engine
from strategy_analysis.db.models import Run, RunStatistics
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.trades.rebuild import after_import_hook
from strategy_analysis.trades.statistics import STATISTIC_NAMES
from strategy_analysis.trades.statistics_sets import RISK_STATISTIC_NAMES

from .in_process import app_client, settings_for

# One worker (pytest-xdist) runs this module: its tests share one imported run.
pytestmark = pytest.mark.xdist_group("analysis-stats")


@pytest.fixture(scope="module")
def demo_run(module_database_url, tmp_path_factory):
    """One demo run imported and rebuilt for the module's tests, which only read it (one
    sets a trade's notes and tags, which no statistic reads)."""
    folder = tmp_path_factory.mktemp("demo-run")
    export = folder / "demo.sqlite"
    write_demo_export(export, executions=1500, seed=3)
    engine = make_engine(module_database_url)
    try:
        report = import_export_file(engine, export, after_import=after_import_hook(engine))
        assert report.status == "succeeded", report.status
        with engine.connect() as conn:
            run_id = conn.execute(select(Run.run_id)).scalar_one()
            stored = conn.execute(
                select(RunStatistics.statistics).where(RunStatistics.run_id == run_id)
            ).scalar_one()
    finally:
        engine.dispose()
    with app_client(settings_for(module_database_url, folder)) as client:
        yield client, run_id, stored["statistics"]


def test_whole_run_is_todays_statistics_with_the_risk_set(demo_run):
    client, run_id, stored = demo_run
    body = client.get(f"/api/runs/{run_id}/stats").json()
    assert body["subset"] == {"side": None, "symbol": None, "account": None}
    stats = body["statistics"]
    assert set(STATISTIC_NAMES) | set(RISK_STATISTIC_NAMES) <= set(stats)
    for name in STATISTIC_NAMES:
        assert stats[name] == pytest.approx(stored[name]), name
    assert stats["total_trades"] > 20 and stats["profit_per_month"] is not None


def test_sides_symbols_and_accounts_add_up(demo_run):
    client, run_id, stored = demo_run

    def stats(**params):
        response = client.get(f"/api/runs/{run_id}/stats", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    long_, short = stats(side="long")["statistics"], stats(side="SHORT")["statistics"]
    assert stats(side="long")["subset"]["side"] == "LONG"
    assert long_["total_trades"] + short["total_trades"] == stored["total_trades"]
    assert long_["net_profit"] + short["net_profit"] == pytest.approx(stored["net_profit"])
    assert long_["reconciliation"] is None
    run = client.get(f"/api/runs/{run_id}").json()
    for key, values in (("symbol", run["symbols"]), ("account", run["accounts"])):
        parts = [stats(**{key: value})["statistics"] for value in values]
        assert len(parts) >= 2
        assert sum(p["total_trades"] for p in parts) == stored["total_trades"], key
        assert sum(p["net_profit"] for p in parts) == pytest.approx(stored["net_profit"])
    both = stats(side="short", symbol=run["symbols"][0], account=run["accounts"][0])
    assert both["subset"] == {
        "side": "SHORT",
        "symbol": run["symbols"][0],
        "account": run["accounts"][0],
    }
    assert 0 < both["statistics"]["total_trades"] < short["total_trades"]
    assert stats(symbol="NOPE")["statistics"]["total_trades"] == 0


def test_bad_subsets_are_4xx(demo_run):
    client, run_id, _ = demo_run
    bad = client.get(f"/api/runs/{run_id}/stats", params={"side": "sideways"})
    assert bad.status_code == 422 and "side" in bad.json()["detail"]
    assert client.get("/api/runs/missing/stats", params={"side": "long"}).status_code == 404


def test_breakdowns_add_up_to_the_run_in_any_zone(demo_run):
    client, run_id, stored = demo_run
    for by in ("day", "week", "month", "year", "hour", "weekday", "symbol", "account",
               "side", "duration"):  # fmt: skip
        for tz in ("UTC", "America/New_York"):
            response = client.get(f"/api/runs/{run_id}/breakdown", params={"by": by, "tz": tz})
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["by"], body["tz"]) == (by, tz)
            assert all(isinstance(row["key"], str) for row in body["rows"])
            assert sum(row["trades"] for row in body["rows"]) == stored["total_trades"]
            net = sum(row["net_profit"] for row in body["rows"])
            assert net == pytest.approx(stored["net_profit"]), (by, tz)
    hours = client.get(f"/api/runs/{run_id}/breakdown", params={"by": "hour"}).json()["rows"]
    assert [int(r["key"]) for r in hours] == sorted(int(r["key"]) for r in hours)
    long_ = client.get(
        f"/api/runs/{run_id}/breakdown", params={"by": "side", "side": "long"}
    ).json()
    assert [row["key"] for row in long_["rows"]] == ["LONG"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"by": "minute"}, "by"),
        ({}, "by"),
        ({"by": "day", "tz": "Mars/Olympus"}, "time zone"),
        ({"by": "day", "tz": "../../etc/passwd"}, "time zone"),
    ],
)
def test_bad_breakdowns_are_422(demo_run, params, needle):
    client, run_id, _ = demo_run
    response = client.get(f"/api/runs/{run_id}/breakdown", params=params)
    assert response.status_code == 422 and needle in response.json()["detail"]


def test_monte_carlo_is_reproducible_and_checks_its_parameters(demo_run):
    client, run_id, stored = demo_run
    url = f"/api/runs/{run_id}/monte-carlo"
    first = client.get(url, params={"simulations": 300, "seed": 7}).json()
    assert client.get(url, params={"simulations": 300, "seed": 7}).json() == first
    assert (first["simulations"], first["seed"], first["trades"]) == (
        300,
        7,
        stored["total_trades"],
    )
    assert first["net_profit"]["p5"] <= first["net_profit"]["p50"] <= first["net_profit"]["p95"]
    assert 0.0 <= first["probability_of_profit"] <= 1.0
    default = client.get(url).json()
    assert (default["simulations"], default["seed"]) == (1000, 1)
    short = client.get(url, params={"side": "short", "simulations": 50}).json()
    assert short["trades"] < stored["total_trades"]
    for params in ({"simulations": 0}, {"simulations": 10_001}, {"seed": -1}):
        bad = client.get(url, params=params)
        assert bad.status_code == 422 and next(iter(params)) in bad.json()["detail"]


def _json_value(cell: str, value):
    """A CSV cell read back as the JSON value it stands for."""
    if value is None:
        return None if cell == "" else cell
    if isinstance(value, bool):
        return {"true": True, "false": False}[cell]
    if isinstance(value, list):
        return cell.split(";") if cell else []
    if isinstance(value, float):
        return float(cell)
    if isinstance(value, int):
        return int(cell)
    return cell


def _csv_rows(response) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.text))
    return list(reader.fieldnames or []), list(reader)


def _assert_csv_equals_json(fields, csv_rows, json_rows):
    assert len(csv_rows) == len(json_rows) > 0
    assert fields == list(json_rows[0])
    for got, want in zip(csv_rows, json_rows, strict=True):
        assert {k: _json_value(got[k], want[k]) for k in fields} == want


def test_trades_csv_rows_equal_the_api_rows(demo_run):
    client, run_id, stored = demo_run
    # a trade with tags and notes, so lists and text travel too
    first = client.get("/api/trades", params={"run_id": run_id, "limit": 1}).json()["items"][0]
    patched = client.patch(
        f"/api/trades/{first['trade_id']}", json={"notes": 'say "hi", then go', "tags": ["a", "b"]}
    )
    assert patched.status_code == 200, patched.text
    for params in ({"run_id": run_id}, {"run_id": run_id, "side": "SHORT", "sort": "-pnl_net"}):
        items = client.get("/api/trades", params={**params, "limit": 1000}).json()["items"]
        by_accept = client.get("/api/trades", params=params, headers={"Accept": "text/csv"})
        by_format = client.get("/api/trades", params={**params, "format": "csv"})
        assert by_accept.text == by_format.text
        fields, rows = _csv_rows(by_format)
        _assert_csv_equals_json(fields, rows, items)
    assert (
        _csv_rows(client.get("/api/trades", params={"run_id": run_id, "format": "csv"}))[1][0][
            "tags"
        ]
        == "a;b"
    )
    # every row, not a page; JSON stays the default
    everything = client.get("/api/trades", params={"run_id": run_id, "format": "csv", "limit": 5})
    assert len(_csv_rows(everything)[1]) == stored["total_trades"] + stored["open_trades"]
    assert (
        client.get("/api/trades", params={"run_id": run_id})
        .headers["content-type"]
        .startswith("application/json")
    )
    bad = client.get("/api/trades", params={"format": "xml"})
    assert bad.status_code == 422
    bad_sort = client.get("/api/trades", params={"format": "csv", "sort": "nope"})
    assert bad_sort.status_code == 422 and "sort" in bad_sort.json()["detail"]


def test_breakdown_csv_rows_equal_the_api_rows(demo_run):
    client, run_id, _ = demo_run
    for by in ("day", "hour", "duration"):
        params = {"by": by, "tz": "America/New_York"}
        body = client.get(f"/api/runs/{run_id}/breakdown", params=params).json()
        fields, rows = _csv_rows(
            client.get(
                f"/api/runs/{run_id}/breakdown", params=params, headers={"Accept": "text/csv"}
            )
        )
        _assert_csv_equals_json(fields, rows, body["rows"])
