"""The stream's rule of acknowledgement, checked against the database itself.

Every answer to a batch is one of: 2xx with every record of the batch either stored or
listed as rejected with its reason; 4xx naming the fault, with nothing of the batch
stored; 5xx with nothing of the batch stored. And every stored run stays readable.

A batch's record keys (and its run id) start with a tag of its own, so what the database
holds of it can be counted: a key that is not a text cannot be stored under the tag, and
such a record is always rejected.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import Engine, func, select

from strategy_analysis.db.models import Bar, Execution, Instrument, Order, Run

API_KEY = "invariant-key"
TABLES = ("instruments", "bars", "orders", "executions")
# The column holding each table's tagged key.
_TAGGED = {
    "instruments": Instrument.symbol,
    "bars": Bar.symbol,
    "orders": Order.order_id,
    "executions": Execution.execution_id,
}
_KEY_FIELD = {
    "instruments": "symbol",
    "bars": "symbol",
    "orders": "order_id",
    "executions": "execution_id",
}


def stream_execution(n: int, **values: Any) -> dict[str, Any]:
    """A valid execution of a batch, ``values`` changed."""
    return {
        "execution_id": f"e{n}",
        "order_id": f"o{n}",
        "symbol": "ES",
        "side": "BUY",
        "exec_time_utc": "2025-01-06T10:00:00Z",
        "price": 100.0,
        "quantity": 1,
        **values,
    }


def client_for(base_url: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        headers={"X-API-Key": API_KEY, "Content-Type": "application/json"},
        timeout=120,
    )


def _taggable(value: Any) -> bool:
    """A text that is not blank (a blank one stays blank, so stays what it tests)."""
    return isinstance(value, str) and bool(value.strip())


def tagged(batch: dict[str, Any], tag: str) -> dict[str, Any]:
    """The batch with ``tag`` before every text key and before a text run id."""
    out = dict(batch)
    run = out.get("run")
    if isinstance(run, dict) and _taggable(run.get("run_id")):
        out["run"] = {**run, "run_id": tag + run["run_id"]}
    for table in TABLES:
        items = out.get(table)
        if not isinstance(items, list):
            continue
        field = _KEY_FIELD[table]
        out[table] = [
            {**item, field: tag + item[field]}
            if isinstance(item, dict) and _taggable(item.get(field))
            else item
            for item in items
        ]
    return out


def body_of(batch: dict[str, Any]) -> bytes:
    """The batch as JSON text; its ``padding``, a depth, as lists nested that deep (the
    encoder would recurse)."""
    batch = dict(batch)
    depth = batch.pop("padding", None) or 0
    # ensure_ascii: a lone surrogate travels as its \ud800 escape, as JSON allows
    text = json.dumps(batch, allow_nan=True)
    if depth:
        text = text[:-1] + ', "padding": ' + "[" * depth + "0" + "]" * depth + "}"
    return text.encode()


def stored_counts(engine: Engine, tag: str) -> dict[str, int]:
    counts = {}
    with engine.connect() as conn:
        for table, column in _TAGGED.items():
            where = func.substr(column, 1, len(tag)) == tag
            counts[table] = conn.execute(select(func.count()).where(where)).scalar_one()
        counts["runs"] = conn.execute(
            select(func.count()).where(func.substr(Run.run_id, 1, len(tag)) == tag)
        ).scalar_one()
    return counts


def check_answer(engine: Engine, tag: str, batch: Any, answer: httpx.Response) -> str:
    """Assert the rule for one answer; returns its kind ('2xx', '4xx' or '5xx')."""
    status = answer.status_code
    stored = stored_counts(engine, tag)
    where = f"{status} {answer.text[:500]}"
    if 200 <= status < 300:
        report = answer.json()
        assert report["status"] == "succeeded", where
        rejected: dict[str, set[int]] = {table: set() for table in TABLES}
        for record in report["rejected"]:
            assert record["reason"], where
            if record["table"] in rejected:
                rejected[record["table"]].add(record["position"])
        for table in TABLES:
            items = batch.get(table) or []
            kept = [i for i in range(len(items)) if i not in rejected[table]]
            assert stored[table] == len(kept), (table, stored, kept, where)
            assert report["counts"][table]["rejected"] == len(rejected[table]), where
        if batch.get("orders") or batch.get("executions"):
            assert stored["runs"] == 1, (stored, where)
        return "2xx"
    assert stored == dict.fromkeys(stored, 0), (stored, where)
    if 400 <= status < 500:
        assert answer.json()["detail"], where
        return "4xx"
    assert status in (500, 503), where
    if status == 503:
        assert answer.headers.get("Retry-After"), where
    return "5xx"


def check_runs_readable(client: httpx.Client, tag: str | None = None, imports: int = 20) -> None:
    """Every stored run (or those whose id starts with ``tag``) reads by list, by id and
    through its trades; the import history reads too, the last ``imports`` in detail."""
    answer = client.get("/api/runs", params={"limit": 1000})
    assert answer.status_code == 200, answer.text[:500]
    for run in answer.json()["items"]:
        run_id = run["run_id"]
        if tag is not None and not run_id.startswith(tag):
            continue
        path = f"/api/runs/{quote(run_id, safe='')}"
        for url, params in ((path, {}), (f"{path}/stats", {}), ("/api/trades", {"run_id": run_id})):
            got = client.get(url, params=params)
            assert got.status_code == 200, (url, run_id, got.status_code, got.text[:300])
    history = client.get("/api/imports", params={"limit": imports})
    assert history.status_code == 200, history.text[:500]
    for record in history.json()["items"]:
        got = client.get(f"/api/imports/{record['import_id']}")
        assert got.status_code == 200, got.text[:300]
