"""The C part of the package, optional: without a compiler the package still installs and
the importer and the stream take their Python and SQL paths."""

from setuptools import Extension, setup

HEADERS = [
    "src/strategy_analysis/contract/_timestamp_text.h",
    "src/strategy_analysis/contract/_value_bounds.h",
]

setup(
    ext_modules=[
        # the export reader's fast path
        Extension(
            "strategy_analysis.ingest._copy_lines",
            sources=["src/strategy_analysis/ingest/_copy_lines.c"],
            depends=HEADERS,
            libraries=["sqlite3"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        # SQL functions of the platform's SQLite connections (the timestamp check)
        Extension(
            "strategy_analysis.db._sqlite_functions",
            sources=["src/strategy_analysis/db/_sqlite_functions.c"],
            depends=HEADERS,
            libraries=["sqlite3"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        # the stream batch's column checks
        Extension(
            "strategy_analysis.ingest._record_checks",
            sources=["src/strategy_analysis/ingest/_record_checks.c"],
            depends=HEADERS,
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
