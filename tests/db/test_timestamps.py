from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select, text

from strategy_analysis.db.models import Bar


def test_utc_instant_round_trips(session_factory) -> None:  # type: ignore[no-untyped-def]
    instant = datetime(2025, 3, 9, 6, 59, 59, 123456, tzinfo=UTC)
    # The same instant written with a +02:00 offset must come back as UTC.
    as_offset = instant.astimezone(timezone(timedelta(hours=2)))
    with session_factory() as session:
        session.add(
            Bar(
                symbol="ES",
                timeframe="1m",
                start_time=as_offset,
                open=1,
                high=2,
                low=0.5,
                close=1.5,
                volume=10,
            )
        )
        session.commit()
    with session_factory() as session:
        stored = session.scalars(select(Bar.start_time)).one()
    assert stored == instant
    assert stored.utcoffset() == timedelta(0)


def test_naive_timestamp_is_utc(session_factory) -> None:  # type: ignore[no-untyped-def]
    naive = datetime(2025, 1, 2, 3, 4, 5)
    with session_factory() as session:
        session.add(
            Bar(
                symbol="NQ",
                timeframe="1m",
                start_time=naive,
                open=1,
                high=1,
                low=1,
                close=1,
                volume=0,
            )
        )
        session.commit()
    with session_factory() as session:
        stored = session.scalars(select(Bar.start_time)).one()
    assert stored == naive.replace(tzinfo=UTC)


def test_postgres_session_timezone_does_not_matter(engine) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name != "postgresql":
        return
    instant = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("SET TIME ZONE 'America/New_York'"))
        conn.execute(
            Bar.__table__.insert().values(
                symbol="CL",
                timeframe="1m",
                start_time=instant,
                open=1,
                high=1,
                low=1,
                close=1,
                volume=0,
            )
        )
        stored = conn.execute(select(Bar.start_time)).scalar_one()
    assert stored == instant and stored.utcoffset() == timedelta(0)
