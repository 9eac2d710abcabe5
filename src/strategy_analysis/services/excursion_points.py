"""The MAE/MFE scatter of a run: every closed trade, thinned on the server to what a chart
shows, its extremes kept (trades/chart_data.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..db.models import Trade
from ..trades.chart_data import thin_scatter


def excursion_points(conn: Connection, run_id: str, max_points: int) -> dict[str, Any]:
    """Per excursion (``mae``, ``mfe``): how many closed trades have one, and at most
    ``max_points`` of them as {trade_id, value, pnl_net}; ``trades``: the closed trades
    with a net PnL."""
    rows = conn.execute(
        select(Trade.trade_id, Trade.mae, Trade.mfe, Trade.pnl_net).where(
            Trade.run_id == run_id, Trade.status == "CLOSED", Trade.pnl_net.is_not(None)
        )
    ).all()
    trade_ids = np.array([row[0] for row in rows], dtype=object)
    pnl = np.array([row[3] for row in rows], dtype=np.float64)
    out: dict[str, Any] = {"trades": len(rows)}
    for position, name in ((1, "mae"), (2, "mfe")):
        values = np.array(
            [np.nan if row[position] is None else row[position] for row in rows], dtype=np.float64
        )
        present = np.flatnonzero(~np.isnan(values))
        kept = present[thin_scatter(values[present], pnl[present], max_points)]
        out[name] = {
            "total": len(present),
            "points": [
                {"trade_id": trade_id, "value": value, "pnl_net": net}
                for trade_id, value, net in zip(
                    trade_ids[kept].tolist(), values[kept].tolist(), pnl[kept].tolist(), strict=True
                )
            ],
        }
    return out
