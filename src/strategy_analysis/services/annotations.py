"""The user's own words on runs and trades: a run's name, notes and tags, a trade's notes
and tags.

Imports and stream batches never write these: the run upsert names the columns it sets
(ingest/run_rows.py), and trade notes and tags live in tables of their own, keyed by run and
trade_id, which a rebuild does not touch. A rebuild gives every trade the id it had
(trades/trade_ids.py), so the notes and tags find their trade again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, exists, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..db.models import Run, RunTag, Trade, TradeNote, TradeTag, utc_now

# Announced on the event bus when a run's name, notes or tags change.
RUN_UPDATED = "run_updated"
_SPACES = re.compile(r"\s+")


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Tags as stored: inner whitespace collapsed, ends trimmed, empty ones dropped, each
    once (the first spelling wins over later ones that differ only in case)."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in tags:
        tag = _SPACES.sub(" ", raw).strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return out


def _text_or_none(value: str | None) -> str | None:
    """Blank text clears the field."""
    return value if value is not None and value.strip() else None


def update_run(conn: Connection, run_id: str, changes: Mapping[str, Any]) -> bool:
    """Set the fields given in ``changes`` (``name``, ``notes``, ``tags``); False when
    the run does not exist."""
    if conn.execute(select(Run.run_id).where(Run.run_id == run_id)).first() is None:
        return False
    values = {}
    if "name" in changes:
        name = _text_or_none(changes["name"])
        values["name"] = None if name is None else _SPACES.sub(" ", name).strip()
    if "notes" in changes:
        values["notes"] = _text_or_none(changes["notes"])
    if values:
        # updated_at keeps its value: it tells when the run's data last changed.
        conn.execute(
            update(Run).where(Run.run_id == run_id).values(**values, updated_at=Run.updated_at)
        )
    if "tags" in changes:
        conn.execute(delete(RunTag).where(RunTag.run_id == run_id))
        tags = normalize_tags(changes["tags"] or [])
        if tags:
            conn.execute(insert(RunTag), [{"run_id": run_id, "tag": t} for t in tags])
    return True


def run_tags(conn: Connection, run_ids: list[str]) -> dict[str, list[str]]:
    """The tags of each run, in alphabetical order."""
    found: dict[str, list[str]] = defaultdict(list)
    if run_ids:
        rows = conn.execute(
            select(RunTag.run_id, RunTag.tag)
            .where(RunTag.run_id.in_(run_ids))
            .order_by(RunTag.run_id, RunTag.tag)
        )
        for run_id, tag in rows:
            found[run_id].append(tag)
    return found


def runs_with_tag(tag: str) -> Any:
    """The run ids carrying ``tag`` (a subquery for a filter)."""
    return select(RunTag.run_id).where(RunTag.tag == tag)


def trades_with_tag(tag: str, run_id: str | None) -> Any:
    """The trade ids carrying ``tag``, within one run when given (a subquery)."""
    query = select(TradeTag.trade_id).where(TradeTag.tag == tag)
    return query if run_id is None else query.where(TradeTag.run_id == run_id)


def run_trade_facets(conn: Connection, run_ids: list[str]) -> dict[str, dict[str, list[str]]]:
    """Per run: the accounts and symbols of its trades and the tags in use on them."""
    facets: dict[str, dict[str, set[str]]] = {
        r: {"accounts": set(), "symbols": set(), "trade_tags": set()} for r in run_ids
    }
    if not run_ids:
        return {}
    rows = conn.execute(
        select(Trade.run_id, Trade.account_id, Trade.symbol)
        .where(Trade.run_id.in_(run_ids))
        .group_by(Trade.run_id, Trade.account_id, Trade.symbol)
    )
    for run_id, account_id, symbol in rows:
        if account_id is not None:
            facets[run_id]["accounts"].add(account_id)
        facets[run_id]["symbols"].add(symbol)
    tag_rows = conn.execute(
        select(TradeTag.run_id, TradeTag.tag)
        .where(TradeTag.run_id.in_(run_ids))
        .group_by(TradeTag.run_id, TradeTag.tag)
    )
    for run_id, tag in tag_rows:
        facets[run_id]["trade_tags"].add(tag)
    return {
        run_id: {name: sorted(values) for name, values in sets.items()}
        for run_id, sets in facets.items()
    }


def trade_annotations(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """Notes and tags by trade_id for (run_id, trade_id) keys; trades without either are
    left out. A page of trades of runs nobody annotated costs one tiny query."""
    pairs = set(keys)
    found: dict[str, dict[str, Any]] = {}
    if not pairs:
        return found
    run_ids = sorted({run_id for run_id, _ in pairs})
    annotated = select(
        or_(
            exists().where(TradeNote.run_id.in_(run_ids)),
            exists().where(TradeTag.run_id.in_(run_ids)),
        )
    )
    if not conn.execute(annotated).scalar():
        return found
    # Two plain IN lists: a row-value IN of a page's keys takes PostgreSQL several times
    # longer to plan. Trade ids are unique, the pairs then keep each trade to its run.
    trade_ids = sorted({trade_id for _, trade_id in pairs})
    for run_id, trade_id, notes in conn.execute(
        select(TradeNote.run_id, TradeNote.trade_id, TradeNote.notes).where(
            TradeNote.run_id.in_(run_ids), TradeNote.trade_id.in_(trade_ids)
        )
    ):
        if (run_id, trade_id) in pairs:
            found.setdefault(trade_id, {"notes": None, "tags": []})["notes"] = notes
    for run_id, trade_id, tag in conn.execute(
        select(TradeTag.run_id, TradeTag.trade_id, TradeTag.tag)
        .where(TradeTag.run_id.in_(run_ids), TradeTag.trade_id.in_(trade_ids))
        .order_by(TradeTag.tag)
    ):
        if (run_id, trade_id) in pairs:
            found.setdefault(trade_id, {"notes": None, "tags": []})["tags"].append(tag)
    return found


def with_trade_annotations(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Trade rows with their ``notes`` and ``tags`` added."""
    found = trade_annotations(conn, ((row["run_id"], row["trade_id"]) for row in rows))
    for row in rows:
        own = found.get(row["trade_id"], {})
        row["notes"] = own.get("notes")
        row["tags"] = own.get("tags", [])
    return rows


def update_trade(
    conn: Connection, trade_id: str, changes: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Set the trade's ``notes`` and/or ``tags``; its run, id, notes and tags as stored,
    or None when no stored trade has this id."""
    run_id = conn.execute(select(Trade.run_id).where(Trade.trade_id == trade_id)).scalar()
    if run_id is None:
        return None
    key = {"run_id": run_id, "trade_id": trade_id}
    if "notes" in changes:
        conn.execute(
            delete(TradeNote).where(TradeNote.run_id == run_id, TradeNote.trade_id == trade_id)
        )
        notes = _text_or_none(changes["notes"])
        if notes is not None:
            conn.execute(insert(TradeNote).values(**key, notes=notes, updated_at=utc_now()))
    if "tags" in changes:
        conn.execute(
            delete(TradeTag).where(TradeTag.run_id == run_id, TradeTag.trade_id == trade_id)
        )
        tags = normalize_tags(changes["tags"] or [])
        if tags:
            conn.execute(insert(TradeTag), [{**key, "tag": t} for t in tags])
    own = trade_annotations(conn, [(run_id, trade_id)]).get(trade_id, {})
    return {**key, "notes": own.get("notes"), "tags": own.get("tags", [])}
