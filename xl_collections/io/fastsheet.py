"""The fast path of a worksheet: fastexcel (calamine underneath, Arrow out) gives the sheet's
columns typed per column instead of one Python object per cell, and
:func:`xl_collections.io.readers.load_table` hands them to the validation every reader ends in
(``readers.table_from_columns``), so every message is the careful reader's.

Taken only where the result is certain to be what the careful reader
(:class:`~xl_collections.io.sources.SheetRows` -> ``readers.table_from_rows``) gives; otherwise
:class:`FastSheet` says no (None) and the careful reader runs:

* the header row is found in the sheet's first :data:`HEAD_ROWS` rows as the careful reader finds
  it, from those rows read by python-calamine itself out of a copy of the package cut after them
  (:func:`head_package`): every cell there is the very value the careful reader sees;
* the sheet has no Excel error cell and no merged range over the header row (both seen on the
  guard's pass over the package, :func:`~xl_collections.io.guard.check_workbook`);
* each column below the header holds one kind of cell, blanks anywhere (fastexcel's strict
  typing: text, number, date, TRUE/FALSE); a number column with a text cell, a time of day, a
  date outside 1900-2199 fall back;
* the used range has the columns of the first rows (no stray cell beside the table), and no run
  of more than ``STRAY_GAP`` + 1 blank rows is to be compacted (a sheet whose XML is too small
  for the rows it reaches is left to the careful reader before fastexcel parses it).

The typed columns are those ``readers.type_column`` + ``readers.combine_chunks`` give for the
same cells, chunk by chunk as the careful reader takes them (:func:`careful_column`).
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import posixpath
import re
import zipfile
from itertools import islice
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineWorkbook

from ..core.dates import MAX_DATE, MIN_DATE
from . import sources
from .guard import check_workbook

try:                  # optional where it cannot be installed (xlwings Lite reads no workbook files)
    import fastexcel
except ImportError:   # pragma: no cover - then every sheet is read by the careful reader
    fastexcel = None
from .validate import STRAY_GAP

HEAD_ROWS = 120                 # default of the rows the header is looked for in (the reader passes its own)
SUFFIXES = (".xlsx", ".xlsm")
MIN_ROW_BYTES = 16              # fewer bytes than any row with a value takes (<row><c><v>1</v></c></row>)
_READ = 1 << 20

_ROW_END = re.compile(rb"</row>|<row\b[^>]*/>")
_CELL_TAG = re.compile(rb"<c\b[^>]*>")
_SI_END = re.compile(rb"</si>|<si\s*/>")
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_EPOCH = dt.date(1970, 1, 1)
_LO_DAY, _HI_DAY = (MIN_DATE - _EPOCH).days, (MAX_DATE - _EPOCH).days
_MS_PER_DAY = 86_400_000
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class _QuietBlankColumns(logging.Filter):
    """fastexcel logs a warning for every column without a cell ("falling back to string"),
    which is what a blank column is here too: not for the user's terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Could not determine dtype" not in record.getMessage()


logging.getLogger("fastexcel.types.dtype").addFilter(_QuietBlankColumns())


# ------------------------------------------------------------------ the first rows

def head_package(zf: zipfile.ZipFile, part: str, rows: int = HEAD_ROWS) -> bytes | None:
    """A workbook package (bytes, stored) holding the workbook, its styles, the worksheet
    ``part`` cut after its ``rows``-th row element and the shared strings those rows use, for
    python-calamine to read the sheet's first rows exactly as in the whole file; None when the
    sheet's XML is not in the plain form this cuts (a namespace prefix on its elements)."""
    return heads_package(zf, [part], rows, every=True)


def heads_package(zf: zipfile.ZipFile, parts: list[str], rows: int = HEAD_ROWS, *, every: bool = False) -> bytes | None:
    """:func:`head_package` of several worksheet ``parts`` at once (one package, the shared
    strings cut once): those whose XML is not in the plain form are left out (a sheet there is
    not found); None when there is none (or with ``every``, when one of them is not plain)."""
    sheets = {}
    for part in parts:
        sheet = _sheet_head(zf, part, rows)
        if sheet is None and every:
            return None
        if sheet is not None:
            sheets[part] = sheet
    if not sheets:
        return None
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.iter(f"{_REL_NS}Relationship"):
        target = rel.attrib.get("Target", "")
        targets[rel.attrib.get("Type", "").rsplit("/", 1)[-1]] = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target))
    shared = targets.get("sharedStrings")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                     targets.get("styles", "xl/styles.xml")):
            if name in zf.NameToInfo:
                z.writestr(name, zf.read(name))
        if shared and shared in zf.NameToInfo:
            z.writestr(shared, _shared_head(zf, shared, max(map(_max_shared_index, sheets.values())) + 1))
        for part, sheet in sheets.items():
            z.writestr(part, sheet)
    return out.getvalue()


def book_heads(path, names: list[str], rows: int = HEAD_ROWS):
    """The first ``rows`` rows of every worksheet ``names`` of the workbook file ``path``, read
    by python-calamine from one :func:`heads_package` (a ``CalamineWorkbook``, for
    :class:`FastSheet`'s ``heads``; the caller closes it); None when none can be cut."""
    with zipfile.ZipFile(path) as zf:
        parts = []
        for name in names:
            try:
                parts.append(sources.sheet_part(zf, name, binary=False))
            except (KeyError, ET.ParseError):
                continue
        pkg = heads_package(zf, [p for p in dict.fromkeys(parts) if "worksheets/" in p], rows)
    return None if pkg is None else CalamineWorkbook.from_filelike(io.BytesIO(pkg))


def _sheet_head(zf: zipfile.ZipFile, part: str, rows: int) -> bytes | None:
    """The worksheet XML up to the end of its ``rows``-th row element, closed; the whole part
    when it has fewer rows; None when its first megabytes hold no plain row element (a
    namespace prefix, or rows too wide to be worth cutting)."""
    buf, pos, count = b"", 0, 0
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(_READ)
            if not count and len(buf) > 8 * _READ:
                return None
            buf += chunk
            for m in _ROW_END.finditer(buf, pos):
                count += 1
                pos = m.end()
                if count >= rows:
                    if b"<sheetData" not in buf[:pos]:
                        return None
                    return buf[:pos] + b"</sheetData></worksheet>"
            if not chunk:
                break
    if count and b"<sheetData" not in buf:
        return None
    return buf


def _max_shared_index(sheet: bytes) -> int:
    """The highest shared-string index a cell of ``sheet`` refers to (-1: none)."""
    top = -1
    for m in _CELL_TAG.finditer(sheet):
        tag = m.group(0)
        if b't="s"' not in tag or tag.endswith(b"/>"):
            continue
        end = sheet.find(b"</c>", m.end())
        v = sheet.find(b"<v>", m.end(), end)
        if v < 0:
            continue
        close = sheet.find(b"</v>", v, end)
        text = sheet[v + 3:close].strip()
        if text.isdigit():
            top = max(top, int(text))
    return top


def _shared_head(zf: zipfile.ZipFile, name: str, count: int) -> bytes:
    """The shared-strings part cut after its ``count``-th string (whole when it has fewer, or
    when its elements carry a namespace prefix)."""
    buf, pos, seen = b"", 0, 0
    if count <= 0:
        count = 1
    with zf.open(name) as fh:
        while True:
            chunk = fh.read(_READ)
            buf += chunk
            for m in _SI_END.finditer(buf, pos):
                seen += 1
                pos = m.end()
                if seen >= count:
                    if b"<sst" not in buf[:pos]:
                        return buf + fh.read()
                    return buf[:pos] + b"</sst>"
            if not chunk:
                return buf


# ------------------------------------------------------------------ the sheet

class FastSheet:
    """One worksheet read through fastexcel.  Use as a context manager::

        with FastSheet(path, "Open Items", default_sheet=..., label=..., limits=...) as fs:
            if fs.head is None: ...            # not for the fast path: read it carefully
            header_row = ...                   # found in fs.head (row i is Excel row i + 1)
            got = fs.columns(header_row)       # (typed columns, Excel rows) or None

    ``reader`` (a ``fastexcel.ExcelReader`` of the file), ``guard_marks`` (what the guard's
    pass over the file saw of its sheets) and ``heads`` (:func:`book_heads` of the file), when
    given, are used instead of reading the workbook, running the guard and cutting the sheet's
    first rows again: an open book (:meth:`~xl_collections.book.HeadlessBook.fast_sheet`) reads
    many sheets of one package.

    ``head``: the first :data:`HEAD_ROWS` rows as python-calamine gives them (lists of cells
    from the first used column, ``col_offset``); ``width``: the cells of each; ``name``: the
    sheet; ``guard_marks``: set once the guard has passed the file (for the careful reader,
    :class:`~xl_collections.io.sources.SheetRows`, not to run it again).  Nothing here raises for the file's sake: whatever is wrong with it, the careful reader
    says so in its own words."""

    def __init__(self, path, sheet: str | None = None, *, default_sheet: str | None = None,
                 label: str | None = None, table: str = "", limits: dict | None = None, head_rows: int = HEAD_ROWS,
                 reader=None, guard_marks: dict | None = None, heads=None):
        self.path, self.sheet, self.default_sheet, self.head_rows = Path(path), sheet, default_sheet, head_rows
        self.label, self.table, self.limits = label or Path(path).name, table, limits
        self.head: list[list] | None = None
        self.width, self.col_offset, self.name = 0, 0, ""
        self.guard_marks: dict | None = guard_marks   # the guard passed the file and saw this of its sheets
        self.merges: list[bytes] = []
        self._reader = None
        self._given_reader, self._heads = reader, heads

    def __enter__(self) -> "FastSheet":
        try:
            self._open()
        except Exception:     # noqa: BLE001 - a file in doubt: the careful reader names the problem
            self.head = None
        return self

    def __exit__(self, *exc) -> None:
        self._reader = self._given_reader = self._heads = None

    def _open(self) -> None:
        p = self.path
        if fastexcel is None or p.suffix.lower() not in SUFFIXES or not p.is_file():
            return
        marks = self.guard_marks
        if marks is None:
            marks = {}
            check_workbook(p, **(self.limits or {}), sheets=marks)
            self.guard_marks = marks
        reader = self._given_reader or fastexcel.read_excel(str(p))
        names = list(reader.sheet_names)
        name = sources.resolve_sheet(names, self.sheet, self.default_sheet, self.label, self.table)
        with zipfile.ZipFile(p) as zf:
            part = sources.sheet_part(zf, name, binary=False)
            seen = marks.get(part)
            if seen is None or seen.error_cells:
                return                      # Excel error cells: the careful reader puts their text in
            if seen.rows - self.head_rows - seen.size // MIN_ROW_BYTES > STRAY_GAP + 1:
                return                      # too few bytes for the rows it reaches: a long blank run
            pkg = head_package(zf, part, self.head_rows) if self._heads is None else None
        if pkg is None and self._heads is None:
            return
        self.merges = seen.merges
        wb = self._heads if self._heads is not None else CalamineWorkbook.from_filelike(io.BytesIO(pkg))
        try:
            if list(wb.sheet_names) != names:
                return                      # the two calamines list the sheets apart: the default may differ
            sh = wb.get_sheet_by_name(name)
            start = sh.start
            head = [list(r) for r in islice(sh.iter_rows(), self.head_rows)] if start else []
            width = sh.width if start else 0
        finally:
            if self._heads is None:
                wb.close()
        if not head:
            return
        self._reader, self.name = reader, name
        self.head, self.width, self.col_offset = head, width, start[1]

    def columns(self, header_row: int, chunk_rows: int) -> tuple[list[pd.Series], np.ndarray] | None:
        """The columns below ``header_row`` (an Excel row among :attr:`head`), typed as the
        careful reader types them in chunks of ``chunk_rows``, and their Excel rows; None when
        that cannot be guaranteed."""
        try:
            sheet = self._reader.load_sheet(self.name, header_row=header_row - 1, schema_sample_rows=None,
                                            dtype_coercion="strict")
            info = sheet.selected_columns
            batch = sheet.to_arrow()
            sheet = None
            if _text_read_as_blank(self._reader, self.name, header_row, info, batch):
                return None
        except (fastexcel.FastExcelError, pa.ArrowException, ValueError, OverflowError):
            return None
        finally:
            sheet = self._reader = None      # calamine's cells and strings: freed before the typing
        if len(info) != self.width or (info and info[0].absolute_index != self.col_offset):
            return None                      # cells right or left of the first rows' columns
        n = batch.num_rows
        if any(r0 <= header_row <= r1 for r0, r1 in _merged_rows(self.merges)):
            return None
        if _blank_rows(batch) > STRAY_GAP + 1:
            return None                      # the careful reader compacts long blank runs
        bounds = chunk_bounds(header_row, n, self.head_rows, chunk_rows)
        columns = []
        for arr in batch.columns:
            col = careful_column(arr, bounds)
            if col is None:
                return None
            columns.append(col)
        return columns, np.arange(header_row + 1, header_row + 1 + n, dtype="int64")


def _text_read_as_blank(reader, name: str, header_row: int, info, batch: pa.RecordBatch) -> bool:
    """Whether a text cell of a number, date or TRUE/FALSE column became a blank (fastexcel reads
    ``n/a``, ``#N/A``, ``NULL``, ``None`` … there as no value, ``nan`` as NaN; the careful reader
    keeps the text, for the validator to name): the columns with a blank or NaN are read again as
    text, and a cell blank in the first reading must be blank in the second."""
    suspects = []
    for i, arr in enumerate(batch.columns):
        t = arr.type
        if pa.types.is_null(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
            continue
        nan = pa.types.is_floating(t) and pc.any(pc.is_nan(arr)).as_py()
        if arr.null_count or nan:
            suspects.append(i)
    if not suspects:
        return False
    again = reader.load_sheet(name, header_row=header_row - 1, schema_sample_rows=None, dtype_coercion="strict",
                              use_columns=[info[i].index for i in suspects],
                              dtypes={info[i].index: "string" for i in suspects}).to_arrow()
    if again.num_columns != len(suspects) or again.num_rows != batch.num_rows:
        return True
    for i, text in zip(suspects, again.columns):
        arr = batch.column(i)
        blank = pc.is_null(arr, nan_is_null=True)
        said = pc.and_(pc.is_valid(text), pc.not_equal(pc.fill_null(text, ""), ""))
        if pc.any(pc.and_(blank, said)).as_py():
            return True
    return False


def _merged_rows(refs: list[bytes]):
    """(first row, last row) of each merged range ``ref`` (``b"A1:J1"``)."""
    for ref in refs:
        m = _REF.match(ref.decode("ascii", "replace"))
        if not m:
            yield 0, 1 << 30                 # not understood: as if over every row
            continue
        r0 = int(m.group(2))
        yield r0, int(m.group(4) or r0)


def _blank_rows(batch: pa.RecordBatch) -> int:
    """Rows whose every cell is blank (no value, or the empty text), as the careful reader counts."""
    if not batch.num_columns or not batch.num_rows:
        return batch.num_rows
    filled = np.zeros(batch.num_rows, dtype=bool)
    for arr in batch.columns:
        has = pc.is_valid(arr)
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            has = pc.and_(has, pc.not_equal(arr, ""))
        filled |= pc.fill_null(has, False).to_numpy(zero_copy_only=False)
    return int(batch.num_rows - filled.sum())


def chunk_bounds(header_row: int, n: int, head_rows: int, chunk_rows: int) -> list[int]:
    """Where the careful reader's chunks of the ``n`` rows below ``header_row`` start and end
    (positions among those rows): the rest of the first ``head_rows`` rows, then chunks of
    ``chunk_rows``."""
    first = max(0, min(head_rows, header_row + n) - header_row)
    bounds = [0]
    if first:
        bounds.append(first)
    while bounds[-1] < n:
        bounds.append(min(n, bounds[-1] + chunk_rows))
    return bounds


def careful_column(arr: pa.Array, bounds: list[int]) -> pd.Series | None:
    """One fastexcel column -> the column ``readers.type_column`` gives each chunk of the same
    cells and ``readers.combine_chunks`` joins: text -> Arrow-backed str ("" blank); numbers ->
    float64 (NaN blank); dates -> datetime64[ns] at midnight (NaT blank); TRUE/FALSE -> object.
    A chunk without a value is text there, so a number or date column with such a chunk among
    others comes back as raw cells (floats / ``datetime.date``, "" blank), as the careful reader
    gives it.  None for a kind it does not give the same way (times, durations, dates outside
    1900-2199)."""
    t = arr.type
    n = len(arr)
    if len(bounds) < 2:                  # no row below the header: no chunk was typed
        return pd.Series([], dtype=object)
    if pa.types.is_null(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
        text = arr.cast(pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(pc.fill_null(text, "") if text.null_count else text))
    valid = pc.is_valid(arr).to_numpy(zero_copy_only=False)
    if pa.types.is_floating(t) or pa.types.is_integer(t):
        values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        if _mixed(valid, bounds):
            out = values.astype(object)
            out[~valid] = ""
            return pd.Series(out, dtype=object)
        return pd.Series(values)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        if pa.types.is_timestamp(t):
            if t.tz:
                return None
            ms = pc.cast(arr, pa.timestamp("ms")).cast(pa.int64()).to_numpy(zero_copy_only=False)
            days = np.floor_divide(np.where(valid, ms, 0), _MS_PER_DAY)
        else:
            days = np.where(valid, pc.cast(arr, pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False), 0)
        days = days.astype("int64")
        if valid.any() and (days[valid].min() < _LO_DAY or days[valid].max() > _HI_DAY):
            return None
        if _mixed(valid, bounds):
            out = np.full(n, "", dtype=object)
            out[valid] = [_EPOCH + dt.timedelta(days=int(d)) for d in days[valid]]
            return pd.Series(out, dtype=object)
        stamps = days.astype("datetime64[D]").astype("datetime64[ns]")
        stamps[~valid] = np.datetime64("NaT")
        return pd.Series(stamps)
    if pa.types.is_boolean(t):
        out = np.full(n, "", dtype=object)
        out[valid] = arr.filter(pc.is_valid(arr)).to_pylist()
        return pd.Series(out, dtype=object)
    return None


def _mixed(valid: np.ndarray, bounds: list[int]) -> bool:
    """Whether some of the careful reader's chunks hold a value and others none."""
    if len(bounds) <= 2:
        return False
    counts = np.add.reduceat(valid.astype("int64"), bounds[:-1]) if len(valid) else np.zeros(0)
    return bool((counts == 0).any() and (counts > 0).any())
