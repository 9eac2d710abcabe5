"""Strategy Analysis Platform: ingest strategy exports, rebuild trades, compute statistics."""

__version__ = "0.1.0"
