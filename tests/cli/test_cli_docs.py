from __future__ import annotations

import re

from live_server import ROOT

from strategy_analysis.api.app import create_app
from strategy_analysis.cli.main import build_parser
from strategy_analysis.config import Settings


def _commands() -> list[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    return sorted(subparsers.choices)


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`python cli\.py ([a-z-]+)", readme))
    missing = set(_commands()) - documented
    assert not missing, f"commands missing from README.md: {sorted(missing)}"


def test_every_command_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        assert sub.format_help().strip(), name
        helps = {a.dest: a.help for a in sub._actions if a.dest != "help"}
        undocumented = [dest for dest, text in helps.items() if not text and dest != "func"]
        assert not undocumented, f"{name}: options without help: {undocumented}"


def test_every_endpoint_is_in_the_readme() -> None:
    """README.md's "API" table names every path the app serves, with each of its methods."""
    readme = (ROOT / "README.md").read_text()
    cells = [line.split("|")[1] for line in readme.splitlines() if line.startswith("| `")]
    paths = create_app(Settings(_env_file=None)).openapi()["paths"]  # type: ignore[call-arg]
    missing = []
    for path, operations in paths.items():
        cell = next((c for c in cells if re.search(re.escape(path) + r"[`?]", c)), None)
        for method in operations:
            if cell is None or method.upper() not in cell:
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"endpoints missing from README.md's API table: {missing}"
