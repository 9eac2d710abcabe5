"""Property-based requests generated from /openapi.json: the server never answers 5xx.

Runs against the real server on both databases, with a small, bounded number of examples
per operation. The event stream is left out (it never ends by design).
"""

from __future__ import annotations

import httpx
from app_server import AppServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .factories import seed_run

EXAMPLES_PER_OPERATION = 25
SKIPPED = {"events-stream"}


def test_no_5xx_for_generated_requests(database_url, tmp_path, engine):
    # Imported here, not by every worker's collection (0.3 s of CPU each); its pytest plugin
    # is off (pyproject.toml): the test drives schemathesis itself.
    import schemathesis

    seed_run(engine)
    with AppServer(database_url, tmp_path, API_KEY="k") as server:
        schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        operations = [
            op for op in operations if op.definition.raw.get("operationId") not in SKIPPED
        ]
        assert len(operations) >= 15
        failures: list[str] = []
        for operation in operations:
            _fuzz(operation, server, failures)
        assert httpx.get(f"{server.base_url}/api/health").status_code == 200
        assert failures == [], "\n".join(failures[:20]) + "\n" + server.log()[-3000:]


def _fuzz(operation, server, failures):
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), with_key=st.booleans())
    def check(case, with_key):
        headers = {"X-API-Key": "k"} if with_key else {}
        response = case.call(base_url=server.base_url, headers=headers, timeout=60)
        if response.status_code >= 500:
            failures.append(
                f"{operation.method.upper()} {operation.path}: {response.status_code} "
                f"for {case.path_parameters} {case.query} -> {response.text[:300]}"
            )

    check()
