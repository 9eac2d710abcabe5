"""Stream batches on both databases: same models, same upsert, batch order kept."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import bar, execution, instrument, order
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from strategy_analysis.db.models import Execution, ImportRecord, Order, Run
from strategy_analysis.ingest.demo_export import demo_batches
from strategy_analysis.ingest.errors import BatchFormatError
from strategy_analysis.ingest.report import ImportReport
from strategy_analysis.ingest.stream import ingest_batch, ingest_batch_file
from strategy_analysis.ingest.tuning import ImportTuning


def batch(**lists: Any) -> dict[str, Any]:
    run = lists.pop("run", {"run_id": "live-1", "strategy_id": "S1", "mode": "live"})
    return {"schema_version": "1.1", "run": run, **lists}


def sequences(engine: Engine) -> list[tuple[str, int]]:
    with Session(engine) as s:
        rows = s.execute(
            select(Execution.execution_id, Execution.sequence).order_by(Execution.sequence)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "JSON object"),
        ("text", "JSON object"),
        ({"schema_version": "2.0"}, "unsupported schema_version"),
        ({"run": "r"}, "'run' must be an object"),
        ({"run": {"run_id": "r"}, "orders": {"order_id": "O1"}}, "'orders' must be a list"),
        ({"executions": [{"execution_id": "E1"}]}, "run.run_id"),
    ],
)
def test_malformed_bodies_are_refused_whole(engine: Engine, payload: Any, message: str) -> None:
    with pytest.raises(BatchFormatError, match=message):
        ingest_batch(engine, payload)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Execution)) == 0
        assert [r.status for r in s.scalars(select(ImportRecord))] == ["refused"]


def test_batch_is_stored_with_counts_and_rejections(engine: Engine) -> None:
    report = ingest_batch(
        engine,
        batch(
            instruments=[instrument()],
            bars=[bar()],
            orders=[order("O1", side="SellShort"), order("O2", quantity=-1)],
            executions=[execution("E1"), "not an object", execution("E3", price=None)],
        ),
    )
    assert report.status == "succeeded" and report.source == "stream"
    assert report.counts["orders"].inserted == 1 and report.counts["orders"].rejected == 1
    assert report.counts["executions"].inserted == 1 and report.counts["executions"].rejected == 2
    rejected = {(r.table, r.position): r for r in report.rejected}
    assert rejected[("orders", 1)].key == "O2" and "quantity" in rejected[("orders", 1)].reason
    assert "JSON object" in rejected[("executions", 1)].reason
    assert rejected[("executions", 2)].key == "E3"
    with Session(engine) as s:
        run = s.get(Run, "live-1")
        record = s.get(ImportRecord, report.import_id)
        assert record is not None and record.session_id is not None
        stream_session = s.get(ImportRecord, record.session_id)
    assert run is not None and (run.status, run.mode, run.strategy_id) == ("RUNNING", "live", "S1")
    assert (record.source, record.status, record.rejected_count) == ("stream", "succeeded", 3)
    # The batch is the first of its run's stream session, which adds up its counts.
    assert stream_session is not None
    assert (stream_session.status, stream_session.batch_count, stream_session.rejected_count) == (
        "live",
        1,
        3,
    )


def test_sequence_grows_across_batches_and_resent_keeps_its_own(engine: Engine) -> None:
    first = batch(executions=[execution("E1"), execution("E2")])
    second = batch(executions=[execution("E3"), execution("E2"), execution("E4")])
    ingest_batch(engine, first)
    report = ingest_batch(engine, second)
    assert report.counts["executions"].inserted == 2
    assert report.counts["executions"].unchanged == 1
    found = sequences(engine)
    assert [e for e, _ in found] == ["E1", "E2", "E3", "E4"]
    assert found[1][1] == 2  # E2 kept the sequence of its first arrival
    assert [s for _, s in found] == sorted(s for _, s in found)


def test_same_batch_twice_changes_nothing(engine: Engine) -> None:
    payload = batch(orders=[order("O1")], executions=[execution("E1")], bars=[bar()])
    ingest_batch(engine, payload)
    before = sequences(engine)
    again = ingest_batch(engine, payload)
    assert all(c.inserted == 0 and c.updated == 0 for c in again.counts.values())
    assert again.counts["executions"].unchanged == 1
    assert again.affected == []
    assert sequences(engine) == before


def test_executions_before_their_orders(engine: Engine) -> None:
    ingest_batch(
        engine,
        batch(executions=[execution("E1", order_id="O7", strategy_id=None, account_id=None)]),
    )
    report = ingest_batch(engine, batch(orders=[order("O7")]))
    assert report.counts["orders"].inserted == 1
    with Session(engine) as s:
        stored = s.scalars(select(Execution)).one()
        linked = s.execute(
            select(Order.order_id).join(
                Execution,
                (Execution.run_id == Order.run_id) & (Execution.order_id == Order.order_id),
            )
        ).scalar_one()
    assert stored.order_id == "O7" and linked == "O7"
    # no order yet: the run's strategy fills the gap; no account default: left empty
    assert (stored.strategy_id, stored.account_id) == ("S1", None)


def test_completed_closes_the_run_and_late_running_does_not_reopen(engine: Engine) -> None:
    ingest_batch(engine, batch(executions=[execution("E1")]))
    ingest_batch(
        engine, batch(run={"run_id": "live-1", "status": "COMPLETED", "reported_net_pnl": 12.5})
    )
    ingest_batch(
        engine, batch(run={"run_id": "live-1", "status": "RUNNING"}, executions=[execution("E1")])
    )
    with Session(engine) as s:
        run = s.get(Run, "live-1")
    assert run is not None and run.status == "COMPLETED" and run.reported_net_pnl == 12.5


def test_demo_batches_match_the_file_import(engine: Engine) -> None:
    reports: list[ImportReport] = []
    batches = list(demo_batches(executions=300, seed=5, batch_size=100))
    for payload in batches:
        reports.append(ingest_batch(engine, payload, after_import=lambda r: None))
    assert all(r.status == "succeeded" and not r.rejected for r in reports)
    assert sum(r.counts["executions"].inserted for r in reports) == 300
    found = sequences(engine)
    expected = [e["execution_id"] for b in batches for e in b["executions"]]
    assert [e for e, _ in found] == expected


def test_after_import_gets_affected_pairs(engine: Engine) -> None:
    seen: list[ImportReport] = []
    ingest_batch(
        engine,
        batch(executions=[execution("E1"), execution("E2", symbol="NQ 12-25")]),
        after_import=seen.append,
    )
    assert sorted(seen[0].affected) == [("live-1", "ES 12-25"), ("live-1", "NQ 12-25")]


def test_gzip_batch_file(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "batch.json.gz"
    path.write_bytes(gzip.compress(json.dumps(batch(executions=[execution("E1")])).encode()))
    report = ingest_batch_file(engine, path)
    assert report.status == "succeeded" and report.source == "upload"
    assert report.file_name == "batch.json.gz" and report.sha256 and report.size_bytes
    assert report.counts["executions"].inserted == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not gzip at all", "not a gzip file"),
        (gzip.compress(b"{not json", mtime=0), "does not hold JSON"),
        (gzip.compress(b"[1]", mtime=0), "JSON object"),
    ],
)
def test_bad_gzip_batch_files_are_refused(
    engine: Engine, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(content)
    with pytest.raises(BatchFormatError, match=message):
        ingest_batch_file(engine, path)


def test_gzip_bomb_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(gzip.compress(b" " * 2_000_000 + b"{}"))
    with pytest.raises(BatchFormatError, match="decompresses to more than"):
        ingest_batch_file(engine, path, max_decompressed_bytes=1_000_000)


def test_bars_after_their_trades_make_the_covered_runs_affected(engine: Engine) -> None:
    tuning = ImportTuning(traded_probes_per_query=1)  # a statement per probe
    ingest_batch(
        engine,
        batch(executions=[execution("E1"), execution("E2", symbol="NQ 12-25")]),
        tuning=tuning,
    )
    other = {"run_id": "other", "strategy_id": "S1", "mode": "live"}
    late = [execution("E9", exec_time_utc="2025-02-01 10:00:00")]
    ingest_batch(engine, batch(run=other, executions=late), tuning=tuning)
    # in the bars' time, but trading another symbol
    nq_only = {"run_id": "nq-only", "strategy_id": "S1", "mode": "live"}
    nq = [execution("E5", symbol="NQ 12-25")]
    ingest_batch(engine, batch(run=nq_only, executions=nq), tuning=tuning)
    seen: list[ImportReport] = []
    # Bars only, in a batch of their own (no run), covering live-1's ES fill only.
    ingest_batch(
        engine,
        {"schema_version": "1.1", "bars": [bar("2025-01-06 10:00:00")]},
        after_import=seen.append,
        tuning=tuning,
    )
    assert seen[0].affected == [("live-1", "ES 12-25")]
    # The same bars again change nothing, so nothing needs a rebuild.
    seen.clear()
    ingest_batch(
        engine,
        {"schema_version": "1.1", "bars": [bar("2025-01-06 10:00:00")]},
        after_import=seen.append,
        tuning=tuning,
    )
    assert seen == [] or seen[0].affected == []


def test_text_with_a_nul_character(engine: Engine) -> None:
    report = ingest_batch(
        engine,
        batch(executions=[execution("E1", fee_currency="US\x00D"), execution("E2")]),
    )
    assert report.status == "succeeded", report.error
    counts = report.counts["executions"]
    # refused on both databases (PostgreSQL text cannot hold NUL)
    assert (counts.inserted, counts.rejected) == (1, 1)
    [rejected] = report.rejected
    assert (rejected.position, rejected.key) == (0, "E1")
    assert "NUL" in rejected.reason and rejected.record["fee_currency"] == "US\\0D"
