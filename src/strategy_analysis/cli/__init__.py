"""Command line: ``python cli.py <command>``."""

from .main import main

__all__ = ["main"]
