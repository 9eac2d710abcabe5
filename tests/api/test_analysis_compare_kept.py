"""The compare answer's per-run parts are kept with the run's trades (AnalysisCache.derived):
the same answer from the kept parts as computed afresh, and a new rebuild token (or a run
dropped from the cache) computes them again."""

from __future__ import annotations

import pytest

from strategy_analysis.api.schemas.analysis import Comparison
from strategy_analysis.db.models import RunStatistics
from strategy_analysis.services.analysis import AnalysisCache, compare_runs

from .factories import import_demo_runs
from .in_process import app_client, settings_for


@pytest.fixture
def two_runs(engine, tmp_path):
    return import_demo_runs(engine, tmp_path)


def test_compare_answers_what_the_model_answers(two_runs, engine, database_url, tmp_path):
    with engine.connect() as conn:
        fresh = compare_runs(conn, AnalysisCache(), two_runs, 50)
    want = Comparison.model_validate({"runs": fresh}).model_dump(mode="json")
    with app_client(settings_for(database_url, tmp_path)) as client:
        first = client.get("/api/compare", params={"run_id": two_runs, "points": 50})
        again = client.get("/api/compare", params={"run_id": two_runs, "points": 50})
    assert first.status_code == 200, first.text
    assert first.json() == want and again.json() == want
    assert all(len(run["equity"]) <= 50 for run in want["runs"])
    assert all(run["statistics"]["total_trades"] > 0 for run in want["runs"])


def test_kept_parts_follow_the_rebuild_token(two_runs, engine):
    cache = AnalysisCache(max_runs=1)
    calls: list[str] = []

    def present(part):
        calls.append("computed")
        return part

    run_a, run_b = two_runs
    with engine.connect() as conn:
        compare_runs(conn, cache, [run_a], 20, present)
        compare_runs(conn, cache, [run_a], 20, present)
        assert calls == ["computed"]
        compare_runs(conn, cache, [run_a], 30, present)  # another size: another part
        assert len(calls) == 2
    with engine.begin() as conn:
        conn.execute(
            RunStatistics.__table__.update()
            .where(RunStatistics.run_id == run_a)
            .values(rebuild_token="another rebuild")
        )
    with engine.connect() as conn:
        compare_runs(conn, cache, [run_a], 20, present)
        assert len(calls) == 3
        compare_runs(conn, cache, [run_b], 20, present)  # one run kept: run_a dropped
        assert len(calls) == 4
        assert not any(key[0] == run_a for key in cache._derived)
        compare_runs(conn, cache, [run_a], 20, present)
        assert len(calls) == 5
