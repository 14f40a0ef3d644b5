"""Inputs read through Apache Arrow: Parquet files, tables of a DuckDB database, and the fast
path of a plain CSV.  No validation here: each source gives header texts and typed columns
(the kinds :func:`xl_collections.io.readers.type_column` gives), which the readers hand to the
same validator as a sheet's cells, so every message is the one a sheet or CSV would get.

* ``FILE.parquet`` and ``FILE.duckdb:table`` (CONTRACT §4): tables beyond a sheet.  Row
  numbers in messages are as a spreadsheet would show the table: the header is row 1, the
  first record row 2.  :func:`iter_batches` streams them in record batches (the out-of-core
  aging, :mod:`xl_collections.ar.aging_outofcore`); ``readers.read_columns`` reads them whole.
* :func:`read_csv_arrow`: a CSV read by pyarrow's multi-threaded parser instead of Python's
  ``csv`` module, only when the result is certain to be the same cells on the same lines
  (UTF-8, the header on line 1, every record on one line with as many fields as the header,
  no NUL, no lone CR); otherwise None and the careful reader runs.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import csv_arrow
from ..core.dates import MAX_DATE, MIN_DATE
from . import sources

PARQUET_SUFFIXES = (".parquet", ".pq")
DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")
_DUCKDB_SPEC = re.compile(r"^(?P<file>.+\.(?:duckdb|ddb|db)):(?P<table>[A-Za-z_][\w.]*)$", re.IGNORECASE)
SHEET_ROWS = 1_048_576            # rows of an Excel sheet, the header included
BATCH_ROWS = 1 << 20              # rows per record batch when a table is streamed
HEAD_LINES = 120                  # the lines the header is looked for in (readers.HEADER_SCAN_ROWS * 4)


@dataclass(frozen=True)
class TableSource:
    """Where a table beyond a sheet lives: ``kind`` ``parquet`` or ``duckdb``; ``path`` the file;
    ``table`` the DuckDB table (or view); ``label`` how messages name it."""
    kind: str
    path: Path
    table: str = ""

    @property
    def label(self) -> str:
        return f"{self.path.name}:{self.table}" if self.table else self.path.name


def table_source(path) -> TableSource | None:
    """``FILE.parquet`` or ``FILE.duckdb:table`` as a :class:`TableSource`; None for any other
    file (a CSV, a workbook, a bank file)."""
    text = str(path)
    m = _DUCKDB_SPEC.match(text)
    if m:
        return TableSource("duckdb", Path(m.group("file")), m.group("table"))
    p = Path(text)
    if p.suffix.lower() in PARQUET_SUFFIXES:
        return TableSource("parquet", p)
    return None


def _duckdb():
    try:
        import duckdb
    except ImportError:                  # declared in pyproject; a broken install still gets words
        raise sources._fail("reading a DuckDB database needs the duckdb package", "", "",
                            expected="pip install duckdb, or the table exported to Parquet or CSV") from None
    return duckdb


def _check(src: TableSource, table_name: str) -> None:
    if not src.path.exists():
        raise sources._fail("file not found", src.label, table_name, expected=f"an existing file ({src.path})")
    if src.path.is_dir():
        raise sources._fail("is a folder, not a file", src.label, table_name,
                            expected="a .parquet file or a DuckDB database FILE.duckdb:table")


def _open_duckdb(src: TableSource, table_name: str):
    duckdb = _duckdb()
    try:
        con = duckdb.connect(str(src.path), read_only=True)
    except Exception as e:  # duckdb's own errors: not a database, a newer storage version, locked
        raise sources._fail(f"cannot open the DuckDB database: {' '.join(str(e).split())[:200]}", src.label,
                            table_name, expected="a DuckDB database file (FILE.duckdb:table)") from None
    names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    found = {n.lower(): n for n in names}.get(src.table.lower())
    if found is None:
        con.close()
        raise sources._fail(f"no table named {src.table!r} in the database", src.label, table_name,
                            expected=("one of the tables " + ", ".join(repr(n) for n in names)) if names
                            else "a table (the database has none)")
    return con, found


def count_rows(src: TableSource, table_name: str = "") -> int:
    """Records in the table (the header not counted), read from the file's metadata where it
    has them."""
    _check(src, table_name)
    if src.kind == "parquet":
        import pyarrow.parquet as pq
        try:
            return pq.ParquetFile(src.path).metadata.num_rows
        except Exception as e:  # noqa: BLE001 - pyarrow's errors for a file that is not Parquet
            raise _not_parquet(src, table_name, e) from None
    con, name = _open_duckdb(src, table_name)
    try:
        return int(con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
    finally:
        con.close()


def _not_parquet(src: TableSource, table_name: str, e: Exception):
    return sources._fail(f"cannot read the Parquet file: {' '.join(str(e).split())[:200]}", src.label, table_name,
                         expected="a Parquet file (FILE.parquet)")


def iter_batches(src: TableSource, table_name: str = "", batch_rows: int = BATCH_ROWS):
    """The table as ``(headers, columns, first_row)`` per record batch of at most ``batch_rows``
    records: header texts, typed columns (:func:`arrow_column`), and the spreadsheet row of the
    batch's first record (the first batch starts at row 2).  Memory holds one batch at a time."""
    _check(src, table_name)
    row = 2
    if src.kind == "parquet":
        import pyarrow.parquet as pq
        try:
            pf = pq.ParquetFile(src.path)
            batches = pf.iter_batches(batch_size=batch_rows)
            schema = pf.schema_arrow
        except Exception as e:  # noqa: BLE001
            raise _not_parquet(src, table_name, e) from None
        headers = [str(n) for n in schema.names]
        empty = True
        for b in batches:
            empty = False
            yield headers, [arrow_column(c) for c in b.columns], row
            row += b.num_rows
        if empty:
            yield headers, [arrow_column(schema.empty_table().column(i)) for i in range(len(headers))], row
        return
    con, name = _open_duckdb(src, table_name)
    try:
        reader = _batch_reader(con, f'SELECT * FROM "{name}"', batch_rows)
        headers = [str(n) for n in reader.schema.names]
        empty = True
        for b in reader:
            if not b.num_rows and not empty:
                continue
            empty = False
            yield headers, [arrow_column(c) for c in b.columns], row
            row += b.num_rows
        if empty:
            yield headers, [arrow_column(reader.schema.empty_table().column(i)) for i in range(len(headers))], row
    finally:
        con.close()


_EPOCH = dt.date(1970, 1, 1)
_LO_DAYS, _HI_DAYS = (MIN_DATE - _EPOCH).days, (MAX_DATE - _EPOCH).days


def arrow_column(arr) -> pd.Series | np.ndarray:
    """One Arrow column -> the pandas column a sheet's cells of the same values would give
    (:func:`xl_collections.io.readers.type_column`): text -> Arrow-backed str ("" blank),
    numbers -> float64 (NaN blank; integers beyond 2**53 stay text so no digit is lost),
    dates and timestamps -> datetime64[ns] at midnight (NaT blank).  Anything else (and dates
    outside 1900-2199, for the validator to refuse) comes back as an object array of raw cell
    values ("" blank) for ``type_column`` to type."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.Series(pd.arrays.ArrowStringArray(pc.fill_null(arr.cast(pa.large_string()), "")))
    if pa.types.is_integer(t):
        lo, hi = pc.min_max(arr).values() if len(arr) else (None, None)
        big = max(abs(lo.as_py() or 0), abs(hi.as_py() or 0)) >= 2 ** 53 if lo is not None and lo.is_valid else False
        if big:
            return pd.Series(pd.arrays.ArrowStringArray(pc.fill_null(arr.cast(pa.large_string()), "")))
        return pd.Series(arr.cast(pa.float64()).to_numpy(zero_copy_only=False))
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return pd.Series(pc.cast(arr, pa.float64(), safe=False).to_numpy(zero_copy_only=False))
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        if pa.types.is_timestamp(t) and t.tz:
            arr = pc.local_timestamp(arr)
        # the day of a timestamp (its time dropped, floored: 1969-12-31 12:00 is 1969-12-31)
        days = arr if pa.types.is_date32(t) else pc.cast(arr, pa.date32(), safe=False)
        d = days.cast(pa.int32()).to_numpy(zero_copy_only=False).astype("float64")
        valid = ~np.isnan(d)
        if valid.any() and (d[valid].min() < _LO_DAYS or d[valid].max() > _HI_DAYS):
            return np.array(["" if v is None else v for v in days.to_pylist()], dtype=object)
        out = np.full(len(d), np.datetime64("NaT"), dtype="datetime64[ns]")
        out[valid] = (d[valid].astype("int64").astype("datetime64[D]")).astype("datetime64[ns]")
        return pd.Series(out)
    if pa.types.is_null(t):
        return np.full(len(arr), "", dtype=object)
    return np.array(["" if v is None else v for v in arr.to_pylist()], dtype=object)


# ------------------------------------------------------------------ CSV through pyarrow

_APOSTROPHE_ESCAPED = r"^'+[=+\-@\t\r]"       # what sources.unescape_cells undoes


@dataclass
class ArrowCsv:
    """A CSV read by pyarrow: ``header`` (the first record's cells as text), ``columns`` (typed
    like the careful reader's, one per header cell), ``delimiter``, ``encoding``."""
    header: list[str]
    columns: list[pd.Series]
    delimiter: str
    encoding: str


def read_csv_arrow(path, *, header_is_first, encoding: str | None = None,
                   data: bytes | None = None) -> ArrowCsv | None:
    """The fast path of a CSV (module doc), or None when only the careful reader
    (:func:`xl_collections.io.sources.read_csv_file`) can be sure of the cells: another
    encoding, title lines above the header, a record spread over lines or with another number
    of fields, a blank line, a NUL, a lone CR, or a field longer than the reader's limit.
    ``header_is_first(cells)``: whether the careful reader would take the first of these
    records (a 2-D object array of the first lines' cells, line 1 first) as the header."""
    import pyarrow as pa

    try:
        if encoding and codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
            return None
    except LookupError:                 # an unknown encoding: the careful reader names it
        return None
    early = csv_arrow.take(path) if data is None else None    # read and parsed while pandas loaded
    if early is not None:
        data = early.data
    elif data is None:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if not data or b"\x00" in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    head_bytes = data[:1 << 20]
    try:
        head_text = head_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
        if len(data) <= len(head_bytes) or e.start < len(head_bytes) - 4:
            return None
        head_text = head_bytes[:e.start].decode("utf-8")
    whole = len(head_bytes) == len(data)
    if not whole:                                 # the last line may be cut: up to the last newline
        head_text = head_text[:head_text.rfind("\n") + 1]
    delim = sources.sniff_delimiter(head_text)    # the first 60 lines, as the careful reader's
    try:
        head = list(islice(csv.reader(io.StringIO(head_text, newline=""), delimiter=delim), HEAD_LINES + 1))
    except csv.Error:
        return None
    if not whole and len(head) <= HEAD_LINES:     # lines so long that the head holds too few records
        return None
    head = head[:HEAD_LINES]
    if not head or not head[0] or len(head[0]) < 2:
        return None
    width = len(head[0])
    cells = sources.cells_from_rows(head)
    if "'" in head_text:
        sources.unescape_cells(cells)
    if not header_is_first(cells):
        return None
    header = [str(v) for v in cells[0]]
    newline_at_end = data.endswith(b"\n")
    physical_lines = data.count(b"\n") + (0 if newline_at_end else 1)
    # without a quote character no field is quoted, so every line break ends a record: pyarrow
    # then splits blocks at line breaks without tracking quotes (the same rows, less work)
    quoted = b'"' in data
    t = early.table(delim, width, quoted) if early is not None else None
    del early
    if t is None:
        try:
            t = csv_arrow.parse(data, delim, width, quoted)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, pa.ArrowKeyError, OSError):
            return None
    if t.num_rows + 1 != physical_lines:        # a record over several lines: line numbers differ
        return None
    import pyarrow.compute as pc
    columns = []
    apostrophe = "'" in head_text or b"'" in data
    # each column is made one piece and its parsed chunks let go before the next (peak memory:
    # the file's bytes are dropped first, then one column at a time is held twice, not the table)
    del data
    parsed = [t.column(i) for i in range(width)]
    del t
    for i in range(len(parsed)):
        arr, parsed[i] = parsed[i].combine_chunks(), None
        if len(arr) and pc.max(pc.binary_length(arr)).as_py() > sources.FIELD_LIMIT:
            return None
        if apostrophe:
            hit = pc.match_substring_regex(arr, _APOSTROPHE_ESCAPED)
            if pc.any(hit).as_py():
                arr = pc.if_else(hit, pc.utf8_slice_codeunits(arr, 1), arr)
        columns.append(pd.Series(pd.arrays.ArrowStringArray(arr.cast(pa.large_string()))))
    return ArrowCsv(header, columns, delim, "utf-8")


def _batch_reader(con, query: str, batch_rows: int):
    """A DuckDB query's rows as a pyarrow RecordBatchReader, streamed (``to_arrow_reader`` in
    DuckDB 1.4+, ``fetch_arrow_reader`` before)."""
    rel = con.sql(query)
    if hasattr(rel, "to_arrow_reader"):
        return rel.to_arrow_reader(batch_rows)
    return rel.fetch_arrow_reader(batch_rows)
