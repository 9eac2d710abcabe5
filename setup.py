"""The C part of the package: the export reader's fast path (optional: without a compiler
the importer uses its SQL path)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "strategy_analysis.ingest._copy_lines",
            sources=["src/strategy_analysis/ingest/_copy_lines.c"],
            libraries=["sqlite3"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
