"""The export-file reader: sniff, open read-only, find tables, read rows in file order.

Table and column names match case-insensitively; extra tables and columns are ignored; a
missing optional column reads as NULL. Rows are read in rowid order, and the rowid is the
record's position (for executions: their sequence). Valid rows come out of SQLite already
normalised (see ``column_sql``); the rest go through the pydantic models one by one.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..contract.run import SUPPORTED_SCHEMA_VERSIONS
from ..db import sqlite_functions
from . import c_copy_lines
from .c_copy_lines import CReader
from .column_sql import REQUIRED
from .errors import ExportFileError
from .report import RejectedRecord
from .source_table import SourceTable, quote
from .sqlite_header import read_header, sidecar
from .tables import DEFAULT_ACCOUNT, DEFAULT_STRATEGY, TABLE_SPECS, TableSpec, bar_range_check

log = logging.getLogger(__name__)

DATA_TABLES = ("bars", "orders", "executions")


def _decoded_text(data: bytes) -> str:
    """A text cell as Python reads it: bytes that are not UTF-8 become lone surrogates
    (``surrogateescape``), which the models reject with the reason, where the strict
    decoder would fail the whole read."""
    return data.decode("utf-8", "surrogateescape")


@dataclass
class Chunk:
    rows: list[tuple[Any, ...]]  # (position, stored values in record.COLUMNS order)
    rejected: list[RejectedRecord] = field(default_factory=list)
    positions_done: int = 0


def check_header(path: Path, name: str | None = None) -> int:
    """Refuse a file that is not SQLite or is shorter than its header says; returns its size.
    ``name`` is the file's name in messages (the user's, for a copy of their file)."""
    name = name or path.name
    try:
        size = path.stat().st_size
        header = read_header(path)
    except OSError as exc:
        raise ExportFileError(f"cannot read {name}: {exc.strerror or exc}") from None
    if header is None:
        raise ExportFileError(f"{name} is not a SQLite database (no SQLite header)")
    declared = header.declared_size
    if declared is not None and declared > size:
        raise ExportFileError(
            f"{name} is truncated: its header says {declared} bytes, the file has {size}"
        )
    return size


@dataclass(frozen=True)
class ExportLocation:
    """Where an export is read and how: every connection to it (the reader's, the C
    reader's, the platform database's ATTACH, reader processes) opens ``uri``."""

    path: Path
    # The file's name in messages: the user's, also when ``path`` is a copy of their file.
    name: str
    # Read without locks and without SQLite's -wal/-shm files: a file nothing writes (a
    # private copy, or a WAL-mode file without its -wal, which a read-only connection
    # would create beside it and leave behind).
    immutable: bool = False

    @classmethod
    def of(cls, path: str | Path, name: str | None = None) -> ExportLocation:
        """How to read the file at ``path`` where it lies: a WAL-mode file with no -wal
        beside it is the whole database, read immutable."""
        path = Path(path)
        try:
            header = read_header(path)
        except OSError:
            header = None  # ExportFile.open says why it cannot be read
        wal_alone = header is not None and header.wal_mode and not sidecar(path, "-wal").exists()
        return cls(path, name or path.name, immutable=wal_alone)

    @property
    def uri(self) -> str:
        mode = "immutable=1" if self.immutable else "mode=ro"
        return f"{self.path.resolve().as_uri()}?{mode}"


def rowid_bounds_sql(table: str) -> str:
    """The lowest and the highest rowid of ``table`` (quoted), each by one index descent:
    ``min(rowid), max(rowid)`` in one SELECT scans the table."""
    return f"SELECT (SELECT min(rowid) FROM {table}), (SELECT max(rowid) FROM {table})"


def jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def rejection_reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def validate_raw(
    spec: TableSpec, position: int | None, raw: dict[str, Any], defaults: dict[str, str | None]
) -> tuple[tuple[Any, ...] | None, RejectedRecord | None]:
    """Validate one raw record with its pydantic model: a stored row, or the rejection."""
    values = dict(raw)
    for column, default in spec.run_defaults:
        current = values.get(column)
        if current is None or (isinstance(current, str) and not current.strip(" \t\n\r\f\v")):
            values[column] = defaults.get(default)
    try:
        record = spec.record.model_validate(values)
    except ValidationError as exc:
        return None, RejectedRecord(
            table=spec.name,
            position=position,
            key=spec.key_text(raw),
            reason=rejection_reason(exc),
            record={k: jsonable(v) for k, v in raw.items()},
        )
    return (position, *record.row()), None


@dataclass(frozen=True)
class CheckedRows:
    """A table's rows with their checked values, as SQL over a rowid range (:lo, :hi)."""

    rows: str  # subquery: pos, v0..vn (stored values) and the raw columns some checks need
    condition: str  # true when every column passes: the row needs no model
    values: tuple[str, ...]  # v0..vn, in spec.columns order
    required: tuple[bool, ...]  # per value: never NULL in a row that passes


def checked_rows(source: SourceTable, schema: str = "main", functions: bool = False) -> CheckedRows:
    """``functions``: the connection has the SQL functions in C (db.sqlite_functions)."""
    spec = source.spec
    inner, ok, required = [], [], []
    for i, column in enumerate(spec.record.COLUMNS):
        raw = quote(source.columns[column]) if column in source.columns else "NULL"
        check = spec.column_check(i, raw)
        required.append(check.ok == REQUIRED)
        inner.append(f"{check.value_on(functions)} AS v{i}")
        if "{r}" in check.ok:
            inner.append(f"{raw} AS r{i}")
        ok.append("(" + check.ok.format(v=f"v{i}", r=f"r{i}") + ")")
    if spec.bar_rule:
        ok.append(bar_range_check({c: f"v{i}" for i, c in enumerate(spec.columns)}))
    # LIMIT keeps SQLite from flattening the subquery, so each value is computed once.
    rows = (
        f"(SELECT rowid AS pos, {', '.join(inner)} FROM {schema}.{quote(source.name)}"
        " WHERE rowid BETWEEN :lo AND :hi LIMIT -1)"
    )
    values = tuple(f"v{i}" for i in range(len(spec.columns)))
    return CheckedRows(rows, " AND ".join(ok), values, tuple(required))


def checked_select(
    source: SourceTable, schema: str = "main", functions: bool = False
) -> tuple[str, str, str]:
    """SQL of (valid rows as stored values, positions of the rows that need the model, the
    number of rows) of a table whose rowid is the record's position.

    Both take :lo and :hi (rowid range) and the Metadata defaults as parameters.
    """
    checked = checked_rows(source, schema, functions)
    condition = f"coalesce(({checked.condition}), 0)"
    valid = f"SELECT pos, {', '.join(checked.values)} FROM {checked.rows} WHERE {condition}"
    invalid = f"SELECT pos FROM {checked.rows} WHERE NOT {condition}"
    count = f"SELECT count(*) FROM {schema}.{quote(source.name)} WHERE rowid BETWEEN :lo AND :hi"
    return valid, invalid, count


@dataclass(frozen=True)
class AttachedSelect:
    """SQL over one table of an attached export; ``rows`` and the rest over a rowid range
    (:lo, :hi)."""

    # pos and the stored values, named as the platform's columns, of every row
    every_row: str
    # ``every_row`` failing the statement at a value that fails its check, where the
    # connection has the C functions: rows inserted by it need not be checked again
    strict_row: str | None
    # whether a row of ``rows``, or of the stage or the table, as ``s`` passes: each
    # column's test, and the rule across columns (or '1')
    ok_terms: dict[str, str]
    ok_rule: str
    null_tests: frozenset[str]  # columns whose test is only that the value is not NULL
    failing: str  # positions of the rows staged in the stage table whose checks fail
    count: str  # how many rows the range holds
    bounds: str  # the lowest and the highest rowid, each found in one index descent
    # pos and the raw values, named as the platform's columns
    raw_rows: str
    # column -> whether the raw value of a row of ``raw_rows`` as ``r`` passes its check
    # and is stored as exactly the stored row ``t``'s value
    same: dict[str, str]
    raw_values: dict[str, str]  # column -> the stored value (or NULL, BAD), over ``r``
    probe: dict[str, str]  # key column -> the raw key (``r``) in its stored form

    @property
    def ok(self) -> str:
        return self.ok_where(frozenset())

    def ok_where(self, not_null: frozenset[str]) -> str:
        """``ok`` of stored rows whose ``not_null`` columns a NOT NULL constraint tested."""
        terms = [t for c, t in self.ok_terms.items() if c not in (not_null & self.null_tests)]
        return f"coalesce(({' AND '.join([*terms, self.ok_rule])}), 0)"

    @property
    def rows(self) -> str:
        """A subquery SQLite may flatten: for a statement that uses each value once."""
        return f"{self.every_row} WHERE rowid BETWEEN :lo AND :hi"

    @property
    def strict_rows(self) -> str | None:
        """``rows`` by ``strict_row``."""
        return f"{self.strict_row} WHERE rowid BETWEEN :lo AND :hi" if self.strict_row else None

    @property
    def rows_once(self) -> str:
        """``rows`` computed once per row however often a statement uses the values:
        LIMIT keeps SQLite from flattening the subquery."""
        return f"{self.rows} LIMIT -1"

    def rows_once_at(self, positions: str) -> str:
        """``rows_once`` of only the positions a table (``pos``) lists."""
        return f"{self.every_row} WHERE rowid IN (SELECT pos FROM {positions}) LIMIT -1"

    @property
    def failing_rows(self) -> str:
        """Positions of the rows of ``rows`` whose checks fail."""
        return f"SELECT pos FROM ({self.rows_once}) s WHERE NOT {self.ok}"


class ExportFile:
    """An export opened read-only. Use as a context manager, or call ``close()``."""

    def __init__(self, location: ExportLocation, size_bytes: int, conn: sqlite3.Connection) -> None:
        self.location = location
        self.path = location.path
        self.name = location.name
        self.size_bytes = size_bytes
        self.conn = conn
        self.tables: dict[str, SourceTable] = {}
        self.metadata: dict[str, Any] = {}
        self.schema_version = "1.0"
        # Row counts, each read once: an import asks for them for progress, for its
        # readers and per table (the file is opened read-only).
        self._counts: dict[str, int] = {}
        self._c_reader: CReader | None = None
        # whether this connection has the SQL functions in C (db.sqlite_functions)
        self.functions = False

    @classmethod
    def open(cls, where: str | Path | ExportLocation) -> ExportFile:
        """Open the export at a path (read where it lies, ExportLocation.of) or at a
        location."""
        location = where if isinstance(where, ExportLocation) else ExportLocation.of(where)
        size = check_header(location.path, location.name)
        sqlite_functions.install()
        try:
            # check_same_thread off: a reader thread may read ahead (one thread at a time).
            conn = sqlite3.connect(location.uri, uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ExportFileError(f"{location.name} cannot be opened as SQLite: {exc}") from None
        conn.text_factory = _decoded_text
        export = cls(location, size, conn)
        try:
            export._discover()
            export.functions = sqlite_functions.available(conn)
        except sqlite3.OperationalError as exc:
            conn.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise ExportFileError(
                    f"{location.name} is locked by another process writing it: import it "
                    "once its exporter has closed it"
                ) from None
            raise ExportFileError(f"{location.name} is corrupt or not a database: {exc}") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ExportFileError(f"{location.name} is corrupt or not a database: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return export

    def __enter__(self) -> ExportFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._c_reader is not None:
            self._c_reader.close()
            self._c_reader = None
        self.conn.close()

    def c_reader(self) -> CReader | None:
        """The C reader's connection to this file (opened on first use); None without the
        compiled module."""
        if self._c_reader is None and c_copy_lines.available():
            self._c_reader = CReader(self.location.uri)
        return self._c_reader

    def _discover(self) -> None:
        names = {
            name.lower(): name
            for (name,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "metadata" in names:
            self._read_metadata(names["metadata"])
        version = self.metadata.get("schema_version")
        if version is not None:
            version = str(version).strip()
            if version not in SUPPORTED_SCHEMA_VERSIONS:
                raise ExportFileError(
                    f"unsupported schema_version {version!r} in {self.name}"
                    f" (supported: {', '.join(SUPPORTED_SCHEMA_VERSIONS)})"
                )
            self.schema_version = version
        for spec in TABLE_SPECS:
            actual = names.get(spec.export_name)
            if actual is None:
                continue
            columns = {
                row[1].lower(): row[1]
                for row in self.conn.execute(f"PRAGMA table_info({quote(actual)})")
            }
            present = {c: columns[c] for c in spec.record.COLUMNS if c in columns}
            try:
                self.conn.execute(f"SELECT rowid FROM {quote(actual)} LIMIT 0")
            except sqlite3.OperationalError:
                raise ExportFileError(
                    f"table {actual} in {self.name} has no rowid: its row order is unknown"
                ) from None
            self.tables[spec.name] = SourceTable(spec, actual, present)
        if not any(t in self.tables for t in DATA_TABLES):
            found = ", ".join(sorted(names.values())) or "none"
            raise ExportFileError(
                f"{self.name} is not an export: it has none of the tables Bars, Orders,"
                f" Executions (tables found: {found})"
            )

    def _read_metadata(self, table: str) -> None:
        columns = {
            row[1].lower(): row[1]
            for row in self.conn.execute(f"PRAGMA table_info({quote(table)})")
        }
        if "key" not in columns or "value" not in columns:
            log.warning("%s: Metadata table has no key/value columns; ignored", self.name)
            return
        sql = f"SELECT {quote(columns['key'])}, {quote(columns['value'])} FROM {quote(table)} ORDER BY rowid"
        for key, value in self.conn.execute(sql):
            if key is not None and str(key).strip():
                self.metadata[str(key).strip().lower()] = value

    # -- row access ---------------------------------------------------------------------

    @contextmanager
    def reading(self, table: str) -> Iterator[None]:
        """Turn SQLite's complaints about a damaged file into a refusal of the file."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise ExportFileError(
                f"{self.name} is corrupt: reading {table} failed: {exc}"
            ) from None

    def count(self, table: str) -> int:
        source = self.tables.get(table)
        if source is None:
            return 0
        if table not in self._counts:
            with self.reading(table):
                sql = f"SELECT count(*) FROM {quote(source.name)}"
                self._counts[table] = int(self.conn.execute(sql).fetchone()[0])
        return self._counts[table]

    def rowid_range(self, table: str) -> tuple[int, int] | None:
        source = self.tables[table]
        with self.reading(table):
            low, high = self.conn.execute(rowid_bounds_sql(quote(source.name))).fetchone()
        return None if low is None else (int(low), int(high))

    def first_raw(self, table: str) -> dict[str, Any] | None:
        """The first record of a table (lowest rowid), raw."""
        source = self.tables.get(table)
        if source is None:
            return None
        with self.reading(table):
            rows = self._raw_rows(source, "ORDER BY rowid LIMIT 1", {})
        return rows[0][1] if rows else None

    def _raw_select(self, source: SourceTable, schema: str) -> str:
        cols = ", ".join(
            quote(source.columns[c]) if c in source.columns else "NULL"
            for c in source.spec.record.COLUMNS
        )
        return f"SELECT rowid, {cols} FROM {schema}.{quote(source.name)}"

    def _raw_rows(
        self, source: SourceTable, tail: str, params: dict[str, Any]
    ) -> list[tuple[int, dict[str, Any]]]:
        names = source.spec.record.COLUMNS
        rows = self.conn.execute(f"{self._raw_select(source, 'main')} {tail}", params).fetchall()
        return [(row[0], dict(zip(names, row[1:], strict=True))) for row in rows]

    def checked_select(self, table: str, schema: str = "main") -> tuple[str, str, str]:
        """SQL of (valid rows as stored values, positions of the rows that need the model,
        the number of rows).

        Both take :lo and :hi (rowid range) and the Metadata defaults as parameters.
        """
        return checked_select(self.tables[table], schema, self.functions)

    def attached_select(
        self, table: str, stage: str, schema: str, functions: bool = False
    ) -> AttachedSelect:
        """SQL over the attached export (as ``schema``) that yields every row with its stored
        values, invalid ones NULL or a blob, and how to tell the rows whose checks fail.
        ``ok`` applies to the stored values as they are, in a stage or in the table.

        The caller compares, stages or inserts the rows in SQL; only checks whose ``ok``
        needs nothing but the value. Every statement takes :lo and :hi; ``rows`` also the
        defaults.
        """
        source = self.tables[table]
        spec = source.spec
        values, raws, ok, same, raw_values, probe = [], [], {}, {}, {}, {}
        strict: list[str] | None = []
        null_tests: set[str] = set()
        for i, (column, stored) in enumerate(zip(spec.record.COLUMNS, spec.columns, strict=True)):
            raw = quote(source.columns[column]) if column in source.columns else "NULL"
            check = spec.column_check(i, raw)
            if "{r}" in check.ok:
                raise ValueError(f"check of {table}.{column} needs the raw value")
            values.append(f"{check.value_on(functions)} AS {quote(stored)}")
            strict_value = check.strict_on(functions)
            if strict is not None and strict_value is not None:
                strict.append(f"{strict_value} AS {quote(stored)}")
            else:
                strict = None
            ok[stored] = "(" + check.ok.format(v=f"s.{quote(stored)}") + ")"
            if check.ok == REQUIRED:
                null_tests.add(stored)
            raws.append(f"{raw} AS {quote(stored)}")
            same[stored] = check.same_on(functions).format(
                r=f"r.{quote(stored)}", t=f"t.{quote(stored)}"
            )
            raw_values[stored] = spec.column_check(i, f"r.{quote(stored)}").value_on(functions)
            if stored in spec.key:
                probe[stored] = check.probe.format(r=f"r.{quote(stored)}")
        rule = "1"
        if spec.bar_rule:
            rule = bar_range_check({c: f"s.{quote(c)}" for c in spec.columns})
        name = f"{schema}.{quote(source.name)}"
        passes = f"coalesce(({' AND '.join([*ok.values(), rule])}), 0)"
        return AttachedSelect(
            every_row=f"SELECT rowid AS pos, {', '.join(values)} FROM {name}",
            strict_row=f"SELECT rowid AS pos, {', '.join(strict)} FROM {name}" if strict else None,
            ok_terms=ok,
            ok_rule=rule,
            null_tests=frozenset(null_tests),
            failing=f"SELECT pos FROM {stage} s WHERE pos BETWEEN :lo AND :hi AND NOT {passes}",
            count=f"SELECT count(*) FROM {name} WHERE rowid BETWEEN :lo AND :hi",
            bounds=rowid_bounds_sql(name),
            raw_rows=(
                f"SELECT rowid AS pos, {', '.join(raws)} FROM {name}"
                " WHERE rowid BETWEEN :lo AND :hi"
            ),
            same=same,
            raw_values=raw_values,
            probe=probe,
        )

    def defaults(self) -> dict[str, str | None]:
        """Metadata values that fill empty strategy_id / account_id (1.1)."""
        result: dict[str, str | None] = {}
        for key in ("strategy_id", "account_id"):
            value = self.metadata.get(key) if self.schema_version != "1.0" else None
            result[key] = str(value) if value is not None and str(value).strip() else None
        return result

    def sql_params(self, lo: int, hi: int) -> dict[str, Any]:
        defaults = self.defaults()
        return {
            "lo": lo,
            "hi": hi,
            DEFAULT_STRATEGY[1:]: defaults["strategy_id"],
            DEFAULT_ACCOUNT[1:]: defaults["account_id"],
        }

    def validate_positions(self, table: str, positions: list[int]) -> Chunk:
        """Run the pydantic model over the rows at ``positions`` (those the SQL check refused)."""
        source = self.tables[table]
        chunk = Chunk(rows=[])
        defaults = self.defaults()
        with self.reading(table):
            self._validate_positions(source, positions, chunk, defaults)
        return chunk

    def _validate_positions(
        self,
        source: SourceTable,
        positions: list[int],
        chunk: Chunk,
        defaults: dict[str, str | None],
    ) -> None:
        for start in range(0, len(positions), 500):
            part = positions[start : start + 500]
            marks = ", ".join("?" for _ in part)
            sql = f"{self._raw_select(source, 'main')} WHERE rowid IN ({marks}) ORDER BY rowid"
            names = source.spec.record.COLUMNS
            for row in self.conn.execute(sql, part):
                raw = dict(zip(names, row[1:], strict=True))
                stored, rejected = validate_raw(source.spec, row[0], raw, defaults)
                if stored is not None:
                    chunk.rows.append(stored)
                else:
                    chunk.rejected.append(rejected)  # type: ignore[arg-type]  # no row -> a rejection

    def chunks(self, table: str, chunk_rows: int = 50_000) -> Iterator[Chunk]:
        """Rows of ``table`` in rowid order, in chunks: stored values plus rejections."""
        if table not in self.tables:
            return
        bounds = self.rowid_range(table)
        if bounds is None:
            return
        valid_sql, invalid_sql, count_sql = self.checked_select(table)
        low, high = bounds
        with self.reading(table):
            for lo in range(low, high + 1, chunk_rows):
                params = self.sql_params(lo, lo + chunk_rows - 1)
                rows = self.conn.execute(valid_sql, params).fetchall()
                total = self.conn.execute(count_sql, params).fetchone()[0]
                invalid = []
                if total != len(rows):
                    invalid = [r[0] for r in self.conn.execute(invalid_sql, params)]
                chunk = Chunk(rows=rows, positions_done=len(rows) + len(invalid))
                if invalid:
                    slow = self.validate_positions(table, invalid)
                    chunk.rows.extend(slow.rows)
                    chunk.rejected = slow.rejected
                yield chunk
