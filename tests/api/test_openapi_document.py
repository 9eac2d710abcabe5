"""The web app's typed client is generated from the OpenAPI document: they must agree."""

from __future__ import annotations

import json

from live_server import ROOT

from strategy_analysis.api.app import create_app
from strategy_analysis.config import Settings


def test_committed_openapi_document_matches_the_server() -> None:
    committed = json.loads((ROOT / "frontend" / "openapi.json").read_text())
    assert committed == create_app(Settings()).openapi(), (
        "frontend/openapi.json is stale: run `npm run --prefix frontend generate-client`"
    )


def test_every_operation_is_documented_with_a_readable_id() -> None:
    document = create_app(Settings()).openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), f"{where} has no summary"
            tag = operation["tags"][0]
            assert operation["operationId"].startswith(f"{tag}-"), where
