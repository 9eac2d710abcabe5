from datetime import UTC, datetime

import pytest

from strategy_analysis.contract.timestamps import normalise_timestamp, parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-06 10:00:00", "2025-01-06 10:00:00.000000"),
        ("2025-01-06T10:00:00", "2025-01-06 10:00:00.000000"),
        ("2025-01-06T10:00:00Z", "2025-01-06 10:00:00.000000"),
        ("2025-01-06 10:00:00.5", "2025-01-06 10:00:00.500000"),
        ("2025-01-06T10:00:00.123456", "2025-01-06 10:00:00.123456"),
        # .NET "o" format: seven digits are truncated, not rounded
        ("2025-01-06T10:00:00.1234569Z", "2025-01-06 10:00:00.123456"),
        ("2025-01-06T10:00:00+02:00", "2025-01-06 08:00:00.000000"),
        ("2025-01-06T23:30:00.25-01:30", "2025-01-07 01:00:00.250000"),
        ("  2025-01-06 10:00:00  ", "2025-01-06 10:00:00.000000"),
    ],
)
def test_accepted_forms_normalise_to_utc(text: str, expected: str) -> None:
    assert normalise_timestamp(text) == expected


def test_naive_time_is_utc() -> None:
    assert parse_timestamp("2025-01-06 10:00:00") == datetime(2025, 1, 6, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-06",
        "2025-01-06 10:00",
        "2025-02-30 10:00:00",
        "2025-01-06 24:00:00",
        "2025-01-06 10:00:00.12345678",
        "2025-01-06 10:00:00.",
        "2025-01-06 10:00:00ZZ",
        "2025-01-06 10:00:00 +02:00",
        "06/01/2025 10:00:00",
        "yesterday",
        "",
        "2025-01-06x10:00:00",
    ],
)
def test_other_text_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        parse_timestamp(text)


def test_non_text_is_rejected() -> None:
    with pytest.raises(ValueError, match="must be text"):
        parse_timestamp(1736157600)
