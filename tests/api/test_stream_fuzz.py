"""Generated stream batches against the real server (both databases, ``API_KEY`` set): every
answer keeps the rule of acknowledgement (stream_invariant.py) and every stored run stays
readable. The batches follow the batch schema, with values drawn from the valid ones and
from the faults the server must turn into a rejection or a 4xx: texts too long, with a NUL
or a lone surrogate, numbers out of range or not numbers, times out of range, blank or
unusable run ids, run values that cannot be stored, JSON nested too deep.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from app_server import AppServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from strategy_analysis.db.engine import make_engine

from .stream_invariant import (
    API_KEY,
    body_of,
    check_answer,
    check_runs_readable,
    client_for,
    stream_execution,
    tagged,
)

# STREAM_FUZZ_EXAMPLES runs more of them (make test keeps to a bounded time).
EXAMPLES = int(os.environ.get("STREAM_FUZZ_EXAMPLES", "40"))

_BAD_TEXT = [
    "",
    "   ",
    "a\x00b",
    "\x00",
    "\ud800",
    "x\udcff",
    "x" * 201,
    "é" * 201,
    "x" * 21,
    "x" * 51,
    "x" * 101,
]
_VALID_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00/"), min_size=1, max_size=12
)
TEXT = st.one_of(_VALID_TEXT, _VALID_TEXT, st.sampled_from(_BAD_TEXT))
# a key: a text (tagged by the test), or a value that is never a key
KEY = st.one_of(
    st.from_regex(r"[A-Za-z0-9 _.-]{1,12}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9 _.-]{1,12}", fullmatch=True),
    st.sampled_from(_BAD_TEXT[2:] + ["x" * 195]),
    st.sampled_from([None, True, [], {}]),
)
ANY_TEXT = st.one_of(TEXT, st.integers(-5, 5), st.none(), st.just({"a": 1}))
_EDGE_NUMBERS = [0, -1, 1e-9, 1e-10, 1e9, 1e9 + 1, 1e15, 1e16, -1e15, 5e-324, 1e308, 2**70]
NUMBER = st.one_of(
    st.floats(min_value=0.25, max_value=5000, allow_nan=False),
    st.integers(1, 100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(_EDGE_NUMBERS),
    st.sampled_from(["3.5", "abc", "", None, True]),
)
TIME = st.one_of(
    st.builds(
        lambda moment, zone: moment.isoformat() + zone,
        st.datetimes(),
        st.sampled_from(["", "Z", "+01:00", "-01:00", "+14:00", "-12:00"]),
    ),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:30:00+01:00",
            "2025-02-30 10:00:00",
            "not a time",
            "",
            None,
            20250106,
        ]
    ),
)
SIDE = st.sampled_from(["BUY", "SELL", "Buy", "SellShort", "short", "", None, 1, "BUY\x00"])
JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-9, 9), TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)

EXECUTION = st.fixed_dictionaries(
    {
        "execution_id": KEY,
        "order_id": TEXT,
        "symbol": TEXT,
        "side": SIDE,
        "exec_time_utc": TIME,
        "price": NUMBER,
        "quantity": NUMBER,
    },
    optional={
        "fee": NUMBER,
        "fee_currency": ANY_TEXT,
        "liquidity_flag": ANY_TEXT,
        "strategy_id": ANY_TEXT,
        "account_id": ANY_TEXT,
    },
)
ORDER = st.fixed_dictionaries(
    {
        "order_id": KEY,
        "symbol": TEXT,
        "side": SIDE,
        "order_type": st.sampled_from(["MARKET", "StopLimit", "limit", "Iceberg", None]),
        "submit_time_utc": TIME,
        "quantity": NUMBER,
        "status": st.sampled_from(["FILLED", "Working", "Cancelled", "done", None]),
    },
    optional={
        "price": NUMBER,
        "stop_price": NUMBER,
        "client_tag": ANY_TEXT,
        "time_in_force": ANY_TEXT,
        "strategy_version": ANY_TEXT,
        "meta_json": st.one_of(JSON_VALUE, st.just('{"a": "\\ud800"}'), st.just("{bad")),
    },
)
BAR = st.fixed_dictionaries(
    {
        "symbol": KEY,
        "timeframe": TEXT,
        "start_time_utc": TIME,
        "open": NUMBER,
        "high": NUMBER,
        "low": NUMBER,
        "close": NUMBER,
        "volume": NUMBER,
    },
    optional={"end_time_utc": TIME, "open_interest": NUMBER},
)
INSTRUMENT = st.fixed_dictionaries(
    {"symbol": KEY, "point_value": NUMBER},
    optional={"tick_size": NUMBER, "currency": ANY_TEXT},
)
RUN_ID = st.one_of(
    st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True),
    st.sampled_from(["   ", "", "a\x00b", "\ud800", "x" * 200, "a/b", None]),
)
RUN = st.fixed_dictionaries(
    {"run_id": RUN_ID},
    optional={
        "strategy_id": ANY_TEXT,
        "strategy_name": ANY_TEXT,
        "strategy_version": ANY_TEXT,
        "account_id": ANY_TEXT,
        "parameters": JSON_VALUE,
        "mode": st.sampled_from(["live", "sim", "paper", "live\x00"]),
        "status": st.sampled_from(["RUNNING", "COMPLETED", "nope"]),
        "reported_net_pnl": NUMBER,
        "reported_trade_count": st.one_of(st.integers(-5, 2**40), NUMBER),
        "custom": JSON_VALUE,
    },
)
BATCH = st.fixed_dictionaries(
    {"schema_version": st.just("1.1"), "run": RUN},
    optional={
        "instruments": st.lists(INSTRUMENT, max_size=3),
        "bars": st.lists(BAR, max_size=4),
        "orders": st.lists(ORDER, max_size=4),
        "executions": st.lists(st.one_of(EXECUTION, st.just("not a record")), max_size=6),
        # lists nested this deep (body_of): the batch's own level makes one more
        "padding": st.sampled_from([None, 10, 63, 64, 200, 1100]),
    },
)


# The values of issue 20's findings, each in a batch with a valid record beside it.
SEEN = [
    {"run": {"run_id": "   "}, "executions": [stream_execution(1)]},
    {
        "run": {"run_id": "r"},
        "executions": [stream_execution(1, order_id="x" * 201), stream_execution(2)],
    },
    {
        "run": {"run_id": "r"},
        "executions": [stream_execution(1, symbol="x" * 201), stream_execution(2)],
    },
    {"run": {"run_id": "r"}, "orders": [{"order_id": "o", "client_tag": "x" * 201}]},
    {"run": {"run_id": "r", "strategy_name": "a\x00b"}, "executions": [stream_execution(1)]},
    {"run": {"run_id": "r", "parameters": {"a": "b\x00"}}, "executions": [stream_execution(1)]},
    {"run": {"run_id": "r", "parameters": {"a": "\ud800"}}, "executions": [stream_execution(1)]},
    {"run": {"run_id": "r" + "x" * 10_000}, "executions": [stream_execution(1)]},
    {"run": {"run_id": "r\x00"}, "executions": [stream_execution(1)]},
    {"run": {"run_id": "r"}, "bars": [{"symbol": "E\x00S", "timeframe": "1m"}]},
    {
        "run": {"run_id": "r"},
        "executions": [stream_execution(1, side="\ud800"), stream_execution(2)],
    },
    {
        "run": {"run_id": "r"},
        "executions": [
            stream_execution(1, exec_time_utc="9999-12-31T23:59:59-01:00"),
            stream_execution(2),
        ],
    },
    {
        "run": {"run_id": "r"},
        "executions": [stream_execution(1, quantity=1e-10), stream_execution(2)],
    },
    {
        "run": {"run_id": "r"},
        "executions": [stream_execution(1, quantity=1e308), stream_execution(2)],
    },
    {"run": {"run_id": "r"}, "executions": [stream_execution(1)], "padding": 1000},
]


def test_every_answer_keeps_the_rule_of_acknowledgement(database_url, tmp_path):
    tags = (f"t{n:04d}x" for n in itertools.count())
    kinds: list[str] = []
    engine = make_engine(database_url)
    with (
        AppServer(database_url, tmp_path, API_KEY=API_KEY) as server,
        client_for(server.base_url) as client,
    ):

        def check(batch: dict[str, Any]) -> None:
            tag = next(tags)
            sent = tagged(batch, tag)
            answer = client.post("/api/ingest/stream", content=body_of(sent))
            kinds.append(check_answer(engine, tag, sent, answer))
            check_runs_readable(client, tag, imports=1)

        for batch in SEEN:
            check(batch)
        assert kinds == ["4xx", *["2xx"] * 3, *["4xx"] * 5, *["2xx"] * 5, "4xx"], kinds

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(BATCH)
        @example({"schema_version": "1.1", "run": {"run_id": "r"}, "executions": []})
        def generated(batch: dict[str, Any]) -> None:
            check(batch)

        generated()
        check_runs_readable(client)
    engine.dispose()
    # No database fails here: no answer may be a 5xx. The batches reach both other kinds.
    assert "5xx" not in kinds, server.log()[-3000:]
    assert {"2xx", "4xx"} <= set(kinds)
