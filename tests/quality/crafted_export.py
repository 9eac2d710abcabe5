"""An export on which every data-quality check of analytics.md fires exactly once."""

from __future__ import annotations

from pathlib import Path

from ingest.export_factory import bar, execution, instrument, order, write_export

RUN_ID = "crafted-run"
DAY = "2025-01-06"  # a Monday

# What each check finds in it: (count, examples).
EXPECTED = {
    "point_value_missing": ("error", ["NQ"]),  # NQ has no instrument row
    "reconciliation_mismatch": ("error", [RUN_ID]),  # reported net PnL 12345
    "fill_outside_bar": ("warning", ["E2"]),  # sold at 5005 in a bar of 4999..5001
    "execution_without_order": ("warning", ["E6"]),  # names order GHOST
    "overfilled_order": ("warning", ["O4"]),  # two fills of 1 on an order of 1
    "order_left_working": ("warning", ["O3"]),  # still working in a completed run
    "open_at_end": ("info", None),  # the long 2 from O4's fills (its trade id)
    "bar_gap": ("info", [f"{DAY}T10:10:00Z"]),  # 1m bars 10:00-10:09, then 13:00
    "no_bars": ("info", ["NQ"]),
}


def _bars() -> list[dict]:
    minutes = [f"10:{m:02d}" for m in range(10)] + [f"13:{m:02d}" for m in range(6)]
    return [bar(f"{DAY} {hhmm}:00") for hhmm in minutes]


def write_crafted_export(path: Path) -> Path:
    return write_export(
        path,
        metadata={
            "schema_version": "1.1",
            "run_id": RUN_ID,
            "strategy_id": "S1",
            "account_id": "A1",
            "reported_net_pnl": "12345",
            "reported_trade_count": "2",
        },
        instruments=[instrument("ES 12-25", 50.0)],
        bars=_bars(),
        orders=[
            order("O1", submit_time_utc=f"{DAY} 10:00:00"),
            order("O2", side="SELL", submit_time_utc=f"{DAY} 13:01:00"),
            order("O3", order_type="LIMIT", price=4990.0, status="Working",
                  submit_time_utc=f"{DAY} 13:01:00"),
            order("O4", submit_time_utc=f"{DAY} 13:03:00"),
            order("O5", symbol="NQ", side="SELL", submit_time_utc=f"{DAY} 10:05:00"),
        ],
        executions=[
            execution("E1", order_id="O1", exec_time_utc=f"{DAY} 10:00:30", price=5000.0),
            execution("E2", order_id="O2", side="SELL", exec_time_utc=f"{DAY} 13:02:00",
                      price=5005.0),
            execution("E4", order_id="O4", exec_time_utc=f"{DAY} 13:03:10", price=5000.0),
            execution("E5", order_id="O4", exec_time_utc=f"{DAY} 13:03:30", price=5000.0),
            execution("E6", order_id="GHOST", symbol="NQ", exec_time_utc=f"{DAY} 10:01:00",
                      price=21000.0),
            execution("E7", order_id="O5", symbol="NQ", side="SELL",
                      exec_time_utc=f"{DAY} 10:05:10", price=21010.0),
        ],
    )  # fmt: skip
