"""Entry point: ``python cli.py --help``."""

import sys
from pathlib import Path

# Runs from a checkout without installation too.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from strategy_analysis.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
