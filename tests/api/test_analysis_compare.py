"""GET /api/compare over two demo runs imported and rebuilt (both databases): each run's
statistics and equity curve as the run's own endpoints give them, bad run lists are 4xx."""

from __future__ import annotations

import pytest

from strategy_analysis.db.engine import make_engine

from .factories import import_demo_runs
from .in_process import app_client, settings_for

# One worker (pytest-xdist) runs this module: its tests share the two imported runs.
pytestmark = pytest.mark.xdist_group("analysis-compare")


@pytest.fixture(scope="module")
def two_runs(module_database_url, tmp_path_factory):
    """Two demo runs imported and rebuilt for the module's tests, which only read them."""
    folder = tmp_path_factory.mktemp("two-runs")
    engine = make_engine(module_database_url)
    try:
        run_ids = import_demo_runs(engine, folder)
    finally:
        engine.dispose()
    assert len(run_ids) == 2
    with app_client(settings_for(module_database_url, folder)) as client:
        yield client, run_ids


def test_compare_gives_each_runs_stats_and_curves(two_runs):
    client, run_ids = two_runs
    asked = [run_ids[1], run_ids[0]]
    response = client.get("/api/compare", params={"run_id": asked})
    assert response.status_code == 200, response.text
    runs = response.json()["runs"]
    assert [r["run_id"] for r in runs] == asked
    for run in runs:
        stats = client.get(f"/api/runs/{run['run_id']}/stats").json()["statistics"]
        assert run["statistics"] == stats
        equity = client.get(f"/api/runs/{run['run_id']}/equity").json()["points"]
        assert run["equity"] == equity and len(equity) == stats["total_trades"] + 1
    few = client.get("/api/compare", params={"run_id": run_ids, "points": 10}).json()
    assert all(len(r["equity"]) <= 10 for r in few["runs"])


@pytest.mark.parametrize(
    ("ids", "status"),
    [(1, 422), (7, 422), ("twice", 422), ("unknown", 404)],
)
def test_compare_refuses_bad_run_lists(two_runs, ids, status):
    client, run_ids = two_runs
    if ids == "twice":
        asked = [run_ids[0], run_ids[0]]
    elif ids == "unknown":
        asked = [run_ids[0], "nope"]
    else:
        asked = (run_ids * 4)[:ids]
    response = client.get("/api/compare", params={"run_id": asked})
    assert response.status_code == status and "run" in response.json()["detail"]
