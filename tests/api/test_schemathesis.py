"""Property-based requests generated from /openapi.json: the server never answers 5xx.

Runs against the real server on both databases, with a small, bounded number of examples
per operation. The event stream is left out (it never ends by design).
"""

from __future__ import annotations

from contextlib import ExitStack

import httpx
from app_server import AppServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategy_analysis.db.engine import make_engine

from .factories import seed_run

EXAMPLES_PER_OPERATION = 25
SKIPPED = {"events-stream"}


def test_no_5xx_for_generated_requests(database_urls, tmp_path):
    # Imported here, not by every worker's collection (0.3 s of CPU each); its pytest plugin
    # is off (pyproject.toml): the test drives schemathesis itself.
    import schemathesis

    with ExitStack() as stack:
        # One server per database, each sent every generated request: generating them is
        # two thirds of the work, done once for both.
        servers = {}
        for dialect, url in database_urls.items():
            engine = make_engine(url)
            try:
                seed_run(engine)
            finally:
                engine.dispose()
            server = AppServer(url, tmp_path / dialect, API_KEY="k")
            servers[dialect] = stack.enter_context(server)
        first = next(iter(servers.values()))
        schema = schemathesis.openapi.from_url(f"{first.base_url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        operations = [
            op for op in operations if op.definition.raw.get("operationId") not in SKIPPED
        ]
        assert len(operations) >= 15
        failures: list[str] = []
        for operation in operations:
            _fuzz(operation, servers, failures)
        for dialect, server in servers.items():
            assert httpx.get(f"{server.base_url}/api/health").status_code == 200, dialect
        logs = "\n".join(f"--- {d} ---\n{s.log()[-3000:]}" for d, s in servers.items())
        assert failures == [], "\n".join(failures[:20]) + "\n" + logs


def _fuzz(operation, servers, failures):
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), with_key=st.booleans())
    def check(case, with_key):
        headers = {"X-API-Key": "k"} if with_key else {}
        for dialect, server in servers.items():
            response = case.call(base_url=server.base_url, headers=headers, timeout=60)
            if response.status_code >= 500:
                failures.append(
                    f"{dialect}: {operation.method.upper()} {operation.path}: "
                    f"{response.status_code} for {case.path_parameters} {case.query} -> "
                    f"{response.text[:300]}"
                )

    check()
