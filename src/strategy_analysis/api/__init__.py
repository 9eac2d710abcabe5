"""HTTP API (FastAPI): one router per resource; services hold the logic."""
