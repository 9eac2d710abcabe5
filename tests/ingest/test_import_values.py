"""Issue 20's bad values in export files, on both databases: a record value that cannot
be stored rejects that record with its reason and the rest of the file imports; a run
value (Metadata) that cannot be stored refuses the file, naming it; valid non-ASCII text
keeps the fast path."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from ingest.export_factory import TextBytes, bar, execution, order, write_export
from sqlalchemy import Engine, func, select

from strategy_analysis.db.models import Execution, ImportRecord, Order, Run, Strategy
from strategy_analysis.ingest.importer import import_export_file

META = {"schema_version": "1.1", "run_id": "R1", "strategy_id": "S1", "account_id": "A1"}


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_cell_that_is_not_utf8_or_out_of_range_rejects_its_record(
    engine: Engine, tmp_path: Path
) -> None:
    # 2,000 clean rows around the bad ones: the bad rows share a chunk with good ones
    clean = [execution(f"E{i}", order_id=f"O{i}") for i in range(2_000)]
    bad = [
        execution("X1", symbol=TextBytes(b"ES \xff")),
        execution("X2", liquidity_flag=TextBytes(b"\xed\xa0\x80")),
        execution("X3", exec_time_utc="9999-12-31T23:59:59-01:00"),
        execution("X4", exec_time_utc="0001-01-01T00:30:00+01:00"),
        execution("X5", symbol="x" * 201),
        execution("X6", fee_currency="x" * 21),
        execution("X7", quantity=1e-10),
        execution("X8", quantity=1e308),
        execution("X9", price=1e16),
        execution("X10", account_id="A\x00"),
    ]
    path = write_export(
        tmp_path / "bad-cells.sqlite",
        metadata=META,
        orders=[order("O1", client_tag=TextBytes(b"tag \xc0\xaf")), order("O2")],
        executions=clean[:1000] + bad + clean[1000:],
    )
    report = import_export_file(engine, path)
    assert report.status == "succeeded", report.error
    assert report.counts["executions"].inserted == 2_000
    assert report.counts["orders"].inserted == 1
    reasons = {r.key: r.reason for r in report.rejected}
    assert "symbol: is not valid Unicode" in reasons["X1"]
    assert "liquidity_flag: is not valid Unicode" in reasons["X2"]
    assert "outside years 1-9999" in reasons["X3"] and "outside years 1-9999" in reasons["X4"]
    assert "symbol: is longer than 200 characters (201)" in reasons["X5"]
    assert "fee_currency: is longer than 20 characters (21)" in reasons["X6"]
    assert "quantity: must be from 1e-9 to 1e9" in reasons["X7"]
    assert "quantity: must be from 1e-9 to 1e9" in reasons["X8"]
    assert "price: must be at most 1e15 in magnitude" in reasons["X9"]
    assert "account_id: contains a NUL character" in reasons["X10"]
    assert "client_tag: is not valid Unicode" in reasons["O1"]
    # the file's own name is never in a reason, nor the path it was read from
    assert all(path.name not in r.reason and str(tmp_path) not in r.reason for r in report.rejected)
    assert _count(engine, Execution) == 2_000


@pytest.mark.parametrize(
    ("metadata", "words"),
    [
        ({"strategy_name": "a\x00b"}, ["strategy_name", "NUL"]),
        ({"parameters": '{"k": "v\\u0000"}'}, ["parameters", "NUL"]),
        ({"parameters": '{"k": "\\ud800"}'}, ["parameters", "Unicode"]),
        ({"exporter": TextBytes(b"Exporter \xff")}, ["exporter", "Unicode"]),
        ({"run_id": "r" * 10_000}, ["run_id", "longer than 200"]),
        ({"run_id": "r\x00"}, ["run_id", "NUL"]),
        ({"run_id": "a/b"}, ["run_id", "'/'"]),
        ({"parameters": '{"d": ' * 100 + "1" + "}" * 100}, ["parameters", "nested deeper"]),
    ],
    ids=itertools.count(),
)
def test_a_metadata_value_that_cannot_be_stored_refuses_the_file(
    engine: Engine, tmp_path: Path, metadata: dict[str, Any], words: list[str]
) -> None:
    path = write_export(
        tmp_path / "meta.sqlite", metadata={**META, **metadata}, executions=[execution()]
    )
    report = import_export_file(engine, path)
    assert report.status == "refused", report
    assert all(word in (report.error or "") for word in words), report.error
    assert (_count(engine, Run), _count(engine, Execution)) == (0, 0)
    with engine.connect() as conn:
        status = conn.execute(select(ImportRecord.status)).scalars().all()
    assert status == ["refused"]


def test_a_first_record_that_cannot_be_stored_does_not_name_a_10_run(
    engine: Engine, tmp_path: Path
) -> None:
    """A 1.0 file's run takes strategy and account from its first order only when they
    can be stored; that order itself is rejected with the reason."""
    path = write_export(
        tmp_path / "v10.sqlite",
        orders=[order("O1", strategy_id="s" * 201, account_id="A\x00"), order("O2")],
    )
    report = import_export_file(engine, path)
    assert report.status == "succeeded", report.error
    assert report.counts["orders"].inserted == 1
    with engine.connect() as conn:
        run = conn.execute(select(Run.strategy_id, Run.account_id)).one()
        strategies = conn.execute(select(Strategy.strategy_id)).scalars().all()
    assert run == ("unknown", None)
    assert strategies == ["unknown"]
    assert _count(engine, Order) == 1


def test_valid_non_ascii_text_takes_the_fast_path(
    engine: Engine, tmp_path: Path, model_calls: itertools.count
) -> None:
    """Every check in C takes valid UTF-8 of any script at its full length in characters:
    such a file needs no model."""
    symbol = "Ünïcödé €" + "€" * 191  # 200 characters, 589 bytes
    path = write_export(
        tmp_path / "unicode.sqlite",
        metadata={**META, "strategy_id": "Stratégie", "account_id": "Compte démo"},
        bars=[bar(symbol=symbol, timeframe="分" * 50)],
        orders=[order("Ö1", symbol=symbol, strategy_id="", account_id="", client_tag="é" * 200)],
        executions=[execution("É1", order_id="Ö1", symbol=symbol, fee_currency="€" * 20)],
    )
    report = import_export_file(engine, path)
    assert report.status == "succeeded", report.error
    assert report.rejected == []
    assert next(model_calls) == 0
    with engine.connect() as conn:
        stored = conn.execute(select(Order.symbol, Order.strategy_id, Order.client_tag)).one()
    assert stored == (symbol, "Stratégie", "é" * 200)
