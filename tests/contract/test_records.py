import pytest
from pydantic import ValidationError

from strategy_analysis.contract.enums import canonical_order_type, canonical_side, canonical_status
from strategy_analysis.contract.records import BarRecord, ExecutionRecord, OrderRecord
from strategy_analysis.contract.run import parse_run_info


@pytest.mark.parametrize(
    ("raw", "side"),
    [
        ("Buy", "BUY"),
        ("BuyToCover", "BUY"),
        ("buy", "BUY"),
        ("Sell", "SELL"),
        ("SellShort", "SELL"),
    ],
)
def test_side_aliases(raw: str, side: str) -> None:
    assert canonical_side(raw) == side


@pytest.mark.parametrize(
    ("raw", "order_type"),
    [
        ("Market", "MARKET"),
        ("limit", "LIMIT"),
        ("StopMarket", "STOP"),
        ("StopLimit", "STOP_LIMIT"),
        ("stop_limit", "STOP_LIMIT"),
        ("MarketIfTouched", "MIT"),
    ],
)
def test_order_type_aliases(raw: str, order_type: str) -> None:
    assert canonical_order_type(raw) == order_type


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Initialized", "NEW"),
        ("Submitted", "NEW"),
        ("Accepted", "NEW"),
        ("Working", "NEW"),
        ("TriggerPending", "NEW"),
        ("ChangePending", "NEW"),
        ("ChangeSubmitted", "NEW"),
        ("CancelPending", "NEW"),
        ("CancelSubmitted", "NEW"),
        ("PartFilled", "PARTIALLY_FILLED"),
        ("partially_filled", "PARTIALLY_FILLED"),
        ("Filled", "FILLED"),
        ("Cancelled", "CANCELED"),
        ("canceled", "CANCELED"),
        ("Rejected", "REJECTED"),
        ("Expired", "EXPIRED"),
    ],
)
def test_status_aliases(raw: str, status: str) -> None:
    assert canonical_status(raw) == status


@pytest.mark.parametrize("fn", [canonical_side, canonical_order_type, canonical_status])
def test_unknown_enum_value_is_rejected(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown"):
        fn("Sideways")


def _execution(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "execution_id": "E1",
        "order_id": "O1",
        "symbol": "ES",
        "side": "Buy",
        "exec_time_utc": "2025-01-06T10:00:00.1234567Z",
        "price": 10,
        "quantity": "2",
    }
    row.update(values)
    return row


def test_execution_converts_loose_types() -> None:
    record = ExecutionRecord.model_validate(
        _execution(execution_id=123, fee=None, fee_currency="  ")
    )
    assert record.row() == (
        "123",
        "O1",
        None,
        None,
        "ES",
        "BUY",
        "2025-01-06 10:00:00.123456",
        10.0,
        2.0,
        0.0,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"price": 0}, "price"),
        ({"price": -1.5}, "price"),
        ({"price": float("inf")}, "price"),
        ({"price": "abc"}, "price"),
        ({"quantity": None}, "quantity"),
        ({"fee": -1}, "fee"),
        ({"execution_id": " "}, "execution_id"),
        ({"side": "Long"}, "side"),
        ({"exec_time_utc": "2025-13-01 00:00:00"}, "exec_time_utc"),
    ],
)
def test_invalid_execution_names_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ExecutionRecord.model_validate(_execution(**values))
    assert info.value.errors()[0]["loc"] == (field,)


def test_bar_range_rules() -> None:
    base = {"symbol": "ES", "timeframe": "1m", "start_time_utc": "2025-01-06 10:00:00", "volume": 1}
    ok = BarRecord.model_validate({**base, "open": 2, "high": 3, "low": 1, "close": 2})
    assert ok.high == 3.0
    with pytest.raises(ValidationError, match="low"):
        BarRecord.model_validate({**base, "open": 2, "high": 3, "low": 2.5, "close": 2})
    with pytest.raises(ValidationError, match="high"):
        BarRecord.model_validate({**base, "open": 2, "high": 2.5, "low": 1, "close": 3})
    with pytest.raises(ValidationError, match="end_time_utc"):
        BarRecord.model_validate(
            {
                **base,
                "open": 2,
                "high": 3,
                "low": 1,
                "close": 2,
                "end_time_utc": "2025-01-06 09:00:00",
            }
        )


def test_order_meta_json_must_be_an_object() -> None:
    base = {
        "order_id": "O1",
        "strategy_id": "S",
        "account_id": "A",
        "symbol": "ES",
        "side": "SellShort",
        "order_type": "StopMarket",
        "submit_time_utc": "2025-01-06 10:00:00",
        "quantity": 1,
        "status": "Working",
        "time_in_force": "",
    }
    record = OrderRecord.model_validate({**base, "meta_json": '{"a": 1}'})
    assert (record.side, record.order_type, record.status, record.time_in_force) == (
        "SELL",
        "STOP",
        "NEW",
        "GTC",
    )
    with pytest.raises(ValidationError, match="invalid JSON"):
        OrderRecord.model_validate({**base, "meta_json": "{not json"})
    with pytest.raises(ValidationError, match="JSON object"):
        OrderRecord.model_validate({**base, "meta_json": "[1, 2]"})


def test_run_info_drops_bad_values_and_keeps_the_rest() -> None:
    info, problems = parse_run_info(
        {
            "run_id": "R1",
            "mode": "paper",
            "parameters": '{"ratio": 3}',
            "reported_trade_count": "12",
        }
    )
    assert info.run_id == "R1"
    assert info.mode is None
    assert info.parameters == {"ratio": 3}
    assert info.reported_trade_count == 12
    assert [key for key, _ in problems] == ["mode"]
