"""Print the API's OpenAPI document as JSON, without starting a server.

The web app's typed client is generated from it: ``npm run --prefix frontend generate-client``.
"""

from __future__ import annotations

import json
import sys

from strategy_analysis.api.app import create_app
from strategy_analysis.config import Settings


def main() -> int:
    # The lifespan (engine, workers) never runs: only the route table is read.
    document = create_app(Settings()).openapi()
    json.dump(document, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
