"""Queries and commands behind the HTTP API, one module per domain. Callers commit."""
