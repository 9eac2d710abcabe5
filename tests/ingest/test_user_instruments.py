"""Instrument settings a user saved are theirs: imports and stream batches keep them, and
list a differing value as a conflict (both databases)."""

from __future__ import annotations

from pathlib import Path

from ingest.export_factory import execution, instrument, write_export
from sqlalchemy import Engine, select

from strategy_analysis.db.models import Instrument
from strategy_analysis.ingest.importer import import_export_file
from strategy_analysis.ingest.stream import ingest_batch
from strategy_analysis.services.instruments import upsert_instrument

ES = "ES 12-25"


def stored(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                Instrument.point_value,
                Instrument.tick_size,
                Instrument.currency,
                Instrument.set_by_user,
            ).where(Instrument.symbol == ES)
        ).one()
    return dict(row._mapping)


def user_saves(engine: Engine, **settings: object) -> None:
    with engine.begin() as conn:
        upsert_instrument(conn, ES, settings)


def export(tmp_path: Path, run_id: str, **values: object) -> Path:
    return write_export(
        tmp_path / f"{run_id}.sqlite",
        metadata={"schema_version": "1.1", "run_id": run_id},
        instruments=[instrument(ES, **values)],
        executions=[execution(f"{run_id}-E1")],
    )


def test_an_import_after_the_users_edit_keeps_it_and_lists_the_conflict(
    engine: Engine, tmp_path: Path
) -> None:
    first = import_export_file(engine, export(tmp_path, "a"))
    assert first.counts["instruments"].inserted == 1
    # The user changes the point value and tick size; the currency is left as it was.
    user_saves(engine, point_value=20.0, tick_size=0.5)
    assert stored(engine) == {
        "point_value": 20.0,
        "tick_size": 0.5,
        "currency": "USD",
        "set_by_user": True,
    }

    report = import_export_file(engine, export(tmp_path, "b"))
    assert report.status == "succeeded", report.error
    assert stored(engine)["point_value"] == 20.0 and stored(engine)["tick_size"] == 0.5
    counts = report.counts["instruments"]
    assert (counts.inserted, counts.updated, counts.unchanged, counts.conflicts) == (0, 0, 1, 1)
    (conflict,) = report.conflicts
    assert (conflict.table, conflict.key) == ("instruments", ES)
    assert conflict.old_values == {"point_value": 20.0, "tick_size": 0.5, "currency": "USD"}
    assert conflict.new_values == {"point_value": 50.0, "tick_size": 0.25, "currency": "USD"}
    # The kept value changed nothing: no run is rebuilt for a point value.
    assert report.affected == [("b", ES)]


def test_a_stream_batch_after_the_users_edit_keeps_it(engine: Engine) -> None:
    def batch(point_value: float) -> dict[str, object]:
        return {
            "schema_version": "1.1",
            "run": {"run_id": "live", "strategy_id": "S", "account_id": "A"},
            "instruments": [{"symbol": ES, "point_value": point_value, "tick_size": 0.25}],
        }

    assert ingest_batch(engine, batch(50.0)).counts["instruments"].inserted == 1
    user_saves(engine, point_value=12.5, currency="EUR")
    report = ingest_batch(engine, batch(50.0))
    assert report.status == "succeeded", report.error
    assert report.counts["instruments"].conflicts == 1
    assert stored(engine) == {
        "point_value": 12.5,
        "tick_size": 0.25,
        "currency": "EUR",
        "set_by_user": True,
    }
    # The same values as the user's are no conflict.
    same = ingest_batch(
        engine,
        {
            **batch(12.5),
            "instruments": [
                {"symbol": ES, "point_value": 12.5, "tick_size": 0.25, "currency": "EUR"}
            ],
        },
    )
    assert same.counts["instruments"].conflicts == 0
    assert same.counts["instruments"].unchanged == 1


def test_an_imported_instrument_is_still_updated_by_a_later_import(
    engine: Engine, tmp_path: Path
) -> None:
    import_export_file(engine, export(tmp_path, "a"))
    report = import_export_file(engine, export(tmp_path, "b", point_value=60.0))
    assert report.counts["instruments"].updated == 1
    assert report.counts["instruments"].conflicts == 0
    assert stored(engine)["point_value"] == 60.0 and stored(engine)["set_by_user"] is False
