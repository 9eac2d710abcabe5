"""Managing runs over HTTP (api.md "Managing runs"), on both databases: a run's name,
notes and tags and a trade's notes and tags survive rebuilds and re-imports; deleting a
run removes its rows and nothing else."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from strategy_analysis.db import partitions_postgres
from strategy_analysis.db.models import Base
from strategy_analysis.ingest.demo_export import write_demo_export
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.tuning import DEFAULT_TUNING, ImportTuning
from strategy_analysis.trades.rebuild import after_import_hook


def _import(engine: Engine, path: Path, tuning: ImportTuning = DEFAULT_TUNING) -> str:
    report = import_export_file(engine, path, after_import=after_import_hook(engine), tuning=tuning)
    assert report.status == "succeeded", report.error
    (run_id,) = report.run_ids
    return run_id


def _demo(tmp_path: Path, seed: int, executions: int = 300) -> Path:
    path = tmp_path / f"demo-{seed}.sqlite"
    write_demo_export(path, executions=executions, seed=seed)
    return path


def _set_metadata(path: Path, key: str, value: str) -> None:
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE Metadata SET value = ? WHERE key = ?", (value, key))
    con.close()


@pytest.fixture
def client(app_server):
    with httpx.Client(base_url=app_server.base_url, timeout=60) as client:
        yield client


def _first_closed_trade(client: httpx.Client, run_id: str) -> dict[str, Any]:
    page = client.get("/api/trades", params={"run_id": run_id, "status": "CLOSED", "limit": 1})
    return page.json()["items"][0]


def test_run_name_notes_and_tags_are_the_users(engine, client, tmp_path):
    run_id = _import(engine, _demo(tmp_path, seed=7))
    other = _import(engine, _demo(tmp_path, seed=8))

    answer = client.patch(
        f"/api/runs/{run_id}",
        json={
            "name": "  ES   ratio 3 ",
            "notes": "new stop",
            "tags": ["baseline", " Jan ", "jan", ""],
        },
    )
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert (run["name"], run["notes"], run["tags"]) == (
        "ES ratio 3",
        "new stop",
        ["Jan", "baseline"],
    )

    # A field left out stays; blank text and null clear.
    assert client.patch(f"/api/runs/{run_id}", json={"notes": "  "}).json()["name"] == "ES ratio 3"
    stored = client.get(f"/api/runs/{run_id}").json()
    assert stored["notes"] is None and stored["tags"] == ["Jan", "baseline"]

    tagged = client.get("/api/runs", params={"tag": "baseline"}).json()
    assert [r["run_id"] for r in tagged["items"]] == [run_id] and tagged["total"] == 1
    assert client.get("/api/runs", params={"tag": "nope"}).json()["total"] == 0
    untagged = client.get(f"/api/runs/{other}").json()
    assert untagged["name"] is None and untagged["tags"] == []

    # A re-import that changes the run's metadata leaves the user's fields alone.
    again = _demo(tmp_path, seed=7)
    _set_metadata(again, "strategy_version", "9.9")
    assert _import(engine, again) == run_id
    reimported = client.get(f"/api/runs/{run_id}").json()
    assert reimported["strategy_version"] == "9.9"
    assert (reimported["name"], reimported["tags"]) == ("ES ratio 3", ["Jan", "baseline"])

    # A stream batch of the run does too.
    batch = {
        "schema_version": "1.1",
        "run": {
            "run_id": run_id,
            "strategy_id": run["strategy_id"],
            "status": "COMPLETED",
            "exporter": "HttpExporter/2",
        },
    }
    assert client.post("/api/ingest/stream", json=batch).status_code == 200
    streamed = client.get(f"/api/runs/{run_id}").json()
    assert streamed["exporter"] == "HttpExporter/2" and streamed["name"] == "ES ratio 3"

    assert (
        client.patch(f"/api/runs/{run_id}", json={"name": None, "tags": None}).json()["tags"] == []
    )


def test_trade_notes_and_tags_survive_rebuild_and_reimport(engine, client, tmp_path):
    path = _demo(tmp_path, seed=7)
    run_id = _import(engine, path)
    trade = _first_closed_trade(client, run_id)
    assert trade["notes"] is None and trade["tags"] == []
    trade_id = trade["trade_id"]

    answer = client.patch(
        f"/api/trades/{trade_id}", json={"notes": "chased it", "tags": ["late entry", "fomo"]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "trade_id": trade_id,
        "run_id": run_id,
        "notes": "chased it",
        "tags": ["fomo", "late entry"],
    }

    def annotated() -> list[tuple[str, str | None, list[str]]]:
        page = client.get("/api/trades", params={"run_id": run_id, "tag": "fomo"}).json()
        return [(t["trade_id"], t["notes"], t["tags"]) for t in page["items"]]

    assert annotated() == [(trade_id, "chased it", ["fomo", "late entry"])]
    assert client.get(f"/api/runs/{run_id}").json()["trade_tags"] == ["fomo", "late entry"]

    # A rebuild (the point value changes) writes the trades again: the notes stay.
    rebuilt = client.put(f"/api/instruments/{trade['symbol']}", json={"point_value": 7})
    assert rebuilt.status_code == 200, rebuilt.text
    detail = client.get(f"/api/trades/{trade_id}").json()["trade"]
    assert (detail["notes"], detail["tags"]) == ("chased it", ["fomo", "late entry"])
    assert annotated() == [(trade_id, "chased it", ["fomo", "late entry"])]

    # So does a re-import of the run with changed metadata (its trades rebuilt again).
    _set_metadata(path, "strategy_version", "9.9")
    assert _import(engine, path) == run_id
    assert annotated() == [(trade_id, "chased it", ["fomo", "late entry"])]

    # Fields left out stay; null clears.
    kept = client.patch(f"/api/trades/{trade_id}", json={"tags": []}).json()
    assert (kept["notes"], kept["tags"]) == ("chased it", [])
    assert client.patch(f"/api/trades/{trade_id}", json={"notes": None}).json()["notes"] is None
    assert annotated() == []


BAD_PATCHES = [
    {"name": "x" * 201},
    {"tags": ["x" * 51]},
    {"tags": [f"t{n}" for n in range(31)]},
    {"tags": "baseline"},
    {"notes": "a\x00b"},
    {"colour": "red"},
]


def test_bad_patches_are_422(engine, client, tmp_path):
    run_id = _import(engine, _demo(tmp_path, seed=7, executions=60))
    trade_id = _first_closed_trade(client, run_id)["trade_id"]
    for body in BAD_PATCHES:
        for path in (f"/api/runs/{run_id}", f"/api/trades/{trade_id}"):
            if "name" in body and "trades" in path:
                continue
            answer = client.patch(path, json=body)
            assert answer.status_code == 422, (path, body, answer.text)
            assert isinstance(answer.json()["detail"], str)


def test_unknown_run_or_trade_is_404(client):
    assert client.patch("/api/runs/nope", json={"name": "x"}).status_code == 404
    assert client.delete("/api/runs/nope").status_code == 404
    assert client.patch("/api/trades/nope", json={"notes": "x"}).status_code == 404
    assert client.get("/api/trades/nope/neighbours").status_code == 404


def _table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, but for the event log (the deletion's announcement is itself an
    event, kept for clients that resume)."""
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in sorted(Base.metadata.tables)
            if table != "events"
        }


# What was imported when, run ids included, stays after the run is deleted.
_IMPORT_HISTORY = {"import_conflicts", "import_records"}


def _run_counts(engine: Engine, run_id: str) -> dict[str, int]:
    """Rows of the run in every table with a run_id column."""
    with engine.connect() as conn:
        return {
            table.name: conn.execute(
                text(f"SELECT count(*) FROM {table.name} WHERE run_id = :r"), {"r": run_id}
            ).scalar_one()
            for table in Base.metadata.sorted_tables
            if "run_id" in table.c and table.name not in _IMPORT_HISTORY
        }


def _partitions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return partitions_postgres.stored_partitions(conn)


def _watch_events(base_url: str, seen: list[dict[str, Any]], ready: threading.Event) -> None:
    with httpx.stream("GET", f"{base_url}/api/events", timeout=30) as answer:
        event = None
        for line in answer.iter_lines():
            if line.startswith(": connected"):
                ready.set()
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "run_deleted":
                seen.append(json.loads(line.removeprefix("data: ")))
                return


def test_delete_run_removes_its_rows_and_nothing_else(engine, client, app_server, tmp_path):
    postgresql = engine.dialect.name == "postgresql"
    # The deleted run in partitions of its own (PostgreSQL), the kept one in DEFAULT ones.
    own_partitions = ImportTuning(own_partition_min_rows=1)
    doomed = _import(engine, _demo(tmp_path, seed=7), own_partitions)
    kept = _import(engine, _demo(tmp_path, seed=8), ImportTuning(own_partition_min_rows=10**9))
    own = {
        partitions_postgres.own_partition_name(table, [doomed])
        for table in ("orders", "executions")
    }
    if postgresql:
        assert own <= _partitions(engine)

    for run_id in (doomed, kept):
        trade_id = _first_closed_trade(client, run_id)["trade_id"]
        renamed = client.patch(f"/api/runs/{run_id}", json={"name": run_id[:8], "tags": ["t"]})
        noted = client.patch(f"/api/trades/{trade_id}", json={"notes": "n", "tags": ["t"]})
        assert renamed.status_code == noted.status_code == 200, (renamed.text, noted.text)
    with engine.begin() as conn:  # a failed rebuild of the doomed run goes with it
        conn.execute(
            text(
                "INSERT INTO analysis_failures (run_id, symbol, error, failed_at)"
                " VALUES (:r, 'ES', 'failed', CURRENT_TIMESTAMP)"
            ),
            {"r": doomed},
        )
    before = _table_counts(engine)
    doomed_rows = _run_counts(engine, doomed)
    kept_rows = _run_counts(engine, kept)
    kept_trades = client.get("/api/trades", params={"run_id": kept, "limit": 1000}).json()
    kept_stats = client.get(f"/api/runs/{kept}/stats").json()
    assert all(
        doomed_rows[t] > 0
        for t in ("orders", "executions", "trades", "trade_lots", "analysis_failures")
    )

    seen: list[dict[str, Any]] = []
    ready = threading.Event()
    watcher = threading.Thread(target=_watch_events, args=(app_server.base_url, seen, ready))
    watcher.start()
    assert ready.wait(10)
    answer = client.delete(f"/api/runs/{doomed}")
    assert answer.status_code == 200, answer.text
    watcher.join(10)
    body = answer.json()
    assert body["run_id"] == doomed
    # List positions have no run_id: they are found through the run's lists.
    assert {t: n for t, n in body["deleted"].items() if t in doomed_rows} == doomed_rows
    assert set(body["deleted"]) - set(doomed_rows) == {"trade_list_positions"}
    assert seen == [{"run_id": doomed, "strategy_id": body["strategy_id"]}]

    after = _table_counts(engine)
    assert after == {t: n - doomed_rows.get(t, 0) for t, n in before.items()}
    assert _run_counts(engine, doomed) == dict.fromkeys(doomed_rows, 0)
    assert _run_counts(engine, kept) == kept_rows
    assert client.get("/api/trades", params={"run_id": kept, "limit": 1000}).json() == kept_trades
    assert client.get(f"/api/runs/{kept}/stats").json() == kept_stats
    if postgresql:
        assert not own & _partitions(engine)
    assert client.get(f"/api/runs/{doomed}").status_code == 404
    assert client.delete(f"/api/runs/{doomed}").status_code == 404
    # The tables stay in use: the deleted run imports again, into its own partitions.
    assert _import(engine, _demo(tmp_path, seed=7), own_partitions) == doomed
    assert _run_counts(engine, doomed)["executions"] == doomed_rows["executions"]


def test_imports_of_a_run_with_their_rejected_records(engine, client, tmp_path):
    path = _demo(tmp_path, seed=7, executions=60)
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE Executions SET price = -1 WHERE rowid IN (1, 2)")
    con.close()
    run_id = _import(engine, path)
    other = _import(engine, _demo(tmp_path, seed=8, executions=60))
    page = client.get("/api/imports", params={"run_id": run_id}).json()
    assert page["total"] == 1 and page["rejected_total"] == 2
    assert page["items"][0]["run_ids"] == [run_id]
    assert client.get("/api/imports", params={"run_id": other}).json()["rejected_total"] == 0
    assert client.get("/api/imports").json()["total"] == 2
    assert client.get("/api/imports", params={"run_id": "nope"}).json()["total"] == 0


def test_run_lists_the_accounts_and_symbols_of_its_trades(engine, client, tmp_path):
    run_id = _import(engine, _demo(tmp_path, seed=7))
    run = client.get(f"/api/runs/{run_id}").json()
    trades = client.get("/api/trades", params={"run_id": run_id, "limit": 1000}).json()["items"]
    assert run["accounts"] == sorted({t["account_id"] for t in trades}) and len(run["accounts"]) > 1
    assert run["symbols"] == sorted({t["symbol"] for t in trades})
    listed = client.get("/api/runs").json()["items"][0]
    assert (listed["accounts"], listed["symbols"]) == (run["accounts"], run["symbols"])


def test_every_table_with_a_run_id_is_deleted_with_the_run():
    """A new table holding a run's rows joins the deletion (services/run_deletion.py)."""
    from strategy_analysis.services import run_deletion

    deleted = {m.__tablename__ for m in (*run_deletion._RUN_ROWS, *run_deletion._PARTITIONED)}
    deleted |= {"trade_lots", "runs"}
    with_run_id = {t.name for t in Base.metadata.sorted_tables if "run_id" in t.c}
    assert with_run_id - _IMPORT_HISTORY == deleted
