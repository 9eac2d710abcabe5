"""An execution given its order's names in memory (order_names.py) gets what the join on
its order gives: hand-computed cases, then windows read both ways from PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import text
from trades.trade_factories import T0

from strategy_analysis.db.engine import session_scope
from strategy_analysis.db.models import Execution, Order, Run, Strategy
from strategy_analysis.trades.columns import ExecutionColumns
from strategy_analysis.trades.order_names import NO_ORDER, OrderNames
from strategy_analysis.trades.quality.held_orders import keyed_or_by_id, read_held_orders
from strategy_analysis.trades.quality.reading import named, order_kinds
from strategy_analysis.trades.reading import execution_windows, run_contexts


def _executions(accounts, strategies, order_ids, keys):
    n = len(order_ids)
    return ExecutionColumns(
        execution_id=[f"x{i}" for i in range(n)],
        account_id=accounts,
        symbol=["ES"] * n,
        side=[1] * n,
        price=[1.0] * n,
        quantity=[1.0] * n,
        fee=[0.0] * n,
        exec_time=list(range(n)),
        sequence=[0] * n,
        strategy_id=strategies,
        order_id=order_ids,
        order_key=keys,
    )


# Three orders (keys 30, -5, 12 at rows 0, 1, 2) with names 1, 1, 0.
NAMES = OrderNames(
    keys=np.array([-5, 12, 30], dtype=np.int64),
    rows=np.array([1, 2, 0], dtype=np.int32),
    codes=np.array([1, 1, 0], dtype=np.uint8),
    names=(("acct-b", None, None), (None, "strat-a", "Long entry")),
)


def test_each_execution_takes_its_own_else_its_orders_else_the_runs_names():
    executions = _executions(
        accounts=[None, "own", None, None, ""],
        strategies=[None, None, "own-s", None, None],
        order_ids=["o30", "o-5", "o12", "gone", "o12"],
        keys=[30, -5, 12, 99, 12],
    )
    given = NAMES.attach(executions, "run-acct", "run-strat")
    # Orders 30 and -5 have no account, order 12 no strategy: the run's.
    assert given.account_id.tolist() == ["run-acct", "own", "acct-b", "run-acct", ""]
    assert given.strategy_id.tolist() == ["strat-a", "strat-a", "own-s", "run-strat", "run-strat"]
    # The client tag, else the order id; no signal for an order the run does not have.
    assert given.signal.tolist() == ["Long entry", "Long entry", "o12", None, "o12"]
    assert given.order_key.tolist() == [30, -5, 12, int(NO_ORDER), 12]
    # The run without an account or strategy: a NULL stays NULL.
    bare = NAMES.attach(executions, None, None)
    assert bare.account_id.tolist() == [None, "own", "acct-b", None, ""]
    assert bare.strategy_id.tolist() == ["strat-a", "strat-a", "own-s", None, None]


def test_a_run_without_orders_names_no_execution():
    none = OrderNames(np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.uint8), ())
    given = none.attach(_executions([None], [None], ["o1"], [7]), "A", "S")
    assert given.signal.tolist() == [None] and given.order_key.tolist() == [int(NO_ORDER)]
    assert given.account_id.tolist() == ["A"]


def _order(run_id, order_id, *, account, strategy, tag, seconds):
    return Order(
        run_id=run_id,
        order_id=order_id,
        strategy_id=strategy,
        account_id=account,
        client_tag=tag,
        symbol="ES",
        side="BUY",
        order_type="LIMIT",
        submit_time=T0 + timedelta(seconds=seconds),
        price=100.0,
        quantity=1.0,
        status="FILLED",
    )


def _seed(session_factory, run_account):
    """Run R (and another, Q, with an order of the same id as R's missing one): orders
    with and without each name, executions with and without their own, naming orders R
    has and does not have."""
    tags = ["Long entry", None, "", "Stop\x1floss", None]
    accounts = ["A1", "A2", "", "A1", "A2"]
    orders = [
        _order("R", f"o{i}", account=accounts[i % 5], strategy=("S", "S2")[i % 2],
               tag=tags[i % 5], seconds=i)
        for i in range(40)
    ]  # fmt: skip
    executions = [
        Execution(
            run_id="R",
            execution_id=f"x{i:03d}",
            order_id=f"o{i % 45}",  # o40-o44: no such order in R
            account_id=None if i % 4 else f"own{i % 3}",
            strategy_id=None if i % 6 else "own-s",
            symbol="ES",
            side="BUY" if i % 2 else "SELL",
            exec_time=T0 + timedelta(seconds=i // 3),
            price=100.0 + i,
            quantity=1.0,
            sequence=i % 3,
        )
        for i in range(130)
    ]
    with session_scope(session_factory) as s:
        s.add_all([Strategy(strategy_id=name) for name in ("S", "S2", "own-s")])
        s.flush()
        s.add_all([Run(run_id="R", strategy_id="S", account_id=run_account), Run(run_id="Q",
                   strategy_id="S", account_id=None)])  # fmt: skip
        s.flush()
        s.add_all(orders)
        s.add(_order("Q", "o41", account="QA", strategy="S", tag="other run", seconds=0))
        s.flush()
        s.add_all(executions)


COLUMNS = ("execution_id", "account_id", "strategy_id", "signal", "order_id", "order_key",
           "exec_time", "sequence", "side", "price")  # fmt: skip


@pytest.mark.parametrize("run_account", [None, "RUN-A"])
@pytest.mark.parametrize("chunk_rows", [7, 1_000], ids=["streamed", "whole"])
def test_windows_given_their_orders_names_equal_windows_joined(
    engine, session_factory, run_account, chunk_rows
):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's windows always join the orders")
    _seed(session_factory, run_account)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        held = keyed_or_by_id(read_held_orders(conn, "R", chunk_rows), conn, "R")
        run = run_contexts(conn, ["R"])["R"]
    names = held.order_names
    assert names is not None and len(names.keys) == 40
    for rows in (11, 130, 500):
        joined = list(execution_windows(engine, run, "ES", rows))
        given = list(execution_windows(engine, run, "ES", rows, lambda: names))
        assert [last for _, last in given] == [last for _, last in joined]
        for (a, _), (b, _) in zip(joined, given, strict=True):
            assert len(a) == len(b)
            for column in COLUMNS if len(a) else ():
                assert getattr(b, column).tolist() == getattr(a, column).tolist(), column
    whole = [w for w, _ in joined]
    signals = np.concatenate([w.signal for w in whole]).tolist()
    # Every case was there to compare: a tag, an empty tag, an id for a missing tag, none.
    assert {"Long entry", "", "Stop\x1floss", "o1", None} <= set(signals)


def test_orders_with_many_names_are_read_without_them(engine, session_factory):
    if engine.dialect.name != "postgresql":
        pytest.skip("the orders' kinds are PostgreSQL's")
    _seed(session_factory, None)
    with engine.connect() as conn:
        kinds = order_kinds(conn, "R", names=True)
        assert named(kinds) and sum(kind.orders for kind in kinds) == 40
        few = order_kinds(conn, "R", names=True, most_named=len(kinds) - 1)
        assert not named(few)
        assert {(k.symbol, k.order_type, k.status, k.orders) for k in few} == {
            ("ES", "LIMIT", "FILLED", 40)
        }
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar_one() == 41
