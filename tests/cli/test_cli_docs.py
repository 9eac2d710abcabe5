from __future__ import annotations

import re

from live_server import ROOT

from strategy_analysis.cli.main import build_parser


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
