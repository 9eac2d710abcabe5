"""Error texts for users carry no statement and no bound values, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from strategy_analysis.db.error_text import clean_error_text, describe_error

SECRET = "secret-value-4711"


def _failing_statement(engine) -> DBAPIError:  # type: ignore[no-untyped-def]
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO no_such_table (name) VALUES (:name)"), {"name": SECRET})
    return caught.value


def test_a_database_error_is_described_by_class_and_first_line(engine) -> None:
    exc = _failing_statement(engine)
    # What SQLAlchemy says carries the statement and the value (the server log keeps it).
    assert "[SQL:" in str(exc) and SECRET in str(exc)
    described = describe_error(exc)
    assert described.startswith(f"{type(exc).__name__}: ")
    assert "no_such_table" in described
    assert "\n" not in described
    assert SECRET not in described and "INSERT" not in described and "[SQL" not in described
    # A text stored the old way is cleaned to the same form.
    assert clean_error_text(f"{type(exc).__name__}: {exc}") == described


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (
            "OperationalError: (sqlite3.OperationalError) database is locked\n"
            "[SQL: INSERT INTO runs (run_id) VALUES (?)]\n[parameters: ('r-1',)]\n"
            "(Background on this error at: https://sqlalche.me/e/20/e3q8)",
            "OperationalError: database is locked",
        ),
        (
            "DataError: (psycopg.errors.StringDataRightTruncation) value too long for type "
            "character varying(200)\n[SQL: INSERT INTO orders ...]\n[parameters: {'o': 'x'}]",
            "DataError: value too long for type character varying(200)",
        ),
        (
            "IntegrityError: (psycopg.errors.UniqueViolation) duplicate key value\n"
            "DETAIL:  Key (run_id)=(private) already exists.",
            "IntegrityError: duplicate key value",
        ),
        ("export.sqlite is corrupt: reading Orders failed", None),
        (None, None),
    ],
)
def test_stored_texts_are_cleaned(stored: str | None, shown: str | None) -> None:
    assert clean_error_text(stored) == (stored if shown is None else shown)


def test_a_plain_exception_keeps_its_message() -> None:
    assert describe_error(ValueError("bad value\nsecond line")) == "ValueError: bad value"
    assert describe_error(RuntimeError()) == "RuntimeError"
