"""Files -> raw cell grids.  The I/O edge of the readers; no validation here.

A *grid* is a DataFrame of raw cell values with integer columns ``0..n-1`` and
index = the row number as the user sees it (Excel row, or CSV line), exactly what
``xl_collections.book`` backends return from ``read_sheet``.  Blank cells are ``""`` or
None.  Excel error cells (``#N/A``, ``#DIV/0!`` …) are their error text, so the validator
reports them: python-calamine returns them as ``""``, so :func:`xlsx_error_cells` /
:func:`xlsb_error_cells` find them in the file itself and :func:`read_sheet_grid` puts
their text back.  ``grid.attrs["merged"]`` lists merged ranges as
``(first_row, first_col, last_row, last_col)`` in grid labels, where the format has them.

Problems opening a file raise :class:`~xl_collections.core.errors.InputErrors` naming the
file (and the sheets found), never a bare traceback.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import io
import posixpath
import re
import threading
import zipfile
from itertools import chain
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd

from ..core.errors import InputError, InputErrors
from . import _errscan
from .guard import HostileWorkbook, check_workbook

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb")
XLSB_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def _fail(message: str, file: str, table: str = "", sheet: str = "", expected: str = "") -> InputErrors:
    return InputErrors([InputError(message, table, file, sheet, None, "", "", expected)])


# ------------------------------------------------------------------ grids

def cells_from_rows(rows: list[list]) -> np.ndarray:
    """List of row lists (ragged allowed) -> 2-D object array (short rows padded with "")."""
    lengths = set(map(len, rows))
    width = max(lengths, default=0)
    if len(lengths) > 1:
        rows = [r if len(r) == width else list(r) + [""] * (width - len(r)) for r in rows]
    return stack_rows(rows, width)


def stack_rows(rows: list, width: int) -> np.ndarray:
    """Rows that all have ``width`` cells -> a ``(len(rows), width)`` object array, each cell
    the very object of its row (one C-level pass; ``arr[:] = rows`` first has to discover the
    nesting)."""
    if not len(rows) or not width:
        return np.empty((len(rows), width), dtype=object)
    return np.fromiter(chain.from_iterable(rows), dtype=object, count=len(rows) * width).reshape(len(rows), width)


def grid_from_cells(cells: np.ndarray, index) -> pd.DataFrame:
    """2-D object array -> grid DataFrame (object columns 0..n-1, the given index)."""
    return pd.DataFrame(cells, index=pd.Index(index, dtype="int64"), columns=range(cells.shape[1]), dtype=object)


def grid_from_rows(rows: list[list], first_row: int = 1) -> pd.DataFrame:
    """List of row lists (ragged allowed) -> grid with index ``first_row, first_row+1, …``."""
    cells = cells_from_rows(rows)
    return grid_from_cells(cells, range(first_row, first_row + len(cells)))


# ------------------------------------------------------------------ CSV

FIELD_LIMIT = csv.field_size_limit()      # 131,072 characters: longer is refused, never a crash

# the encodings a CSV export is guessed among when it is neither UTF-8 nor UTF-16 with a BOM:
# Windows and ISO code pages and the East Asian ones (DOS and Mac code pages only by name,
# ``--encoding cp850``: they tie with cp1252 on ordinary text)
DETECT_AMONG = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
                "latin_1", "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_9", "iso8859_15",
                "cp932", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr", "cp949", "koi8_r", "koi8_u")


class EncodingProblem(ValueError):
    """The bytes cannot be decoded as asked, or the detector is unsure: ``candidates`` are the
    encodings that give different text."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()):
        super().__init__(message)
        self.candidates = candidates


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str, bool]:
    """Bytes -> ``(text, encoding, detected)`` (CONTRACT §1 "Text"): ``encoding`` when given
    (the ``Encoding`` setting, ``--encoding``); else UTF-16 with a BOM, UTF-8 with or without
    BOM; else what charset-normalizer finds among :data:`DETECT_AMONG` (``detected`` True).  When
    candidates about as likely as the best give different text, :class:`EncodingProblem` names
    them; so does a forced encoding the bytes do not fit."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise EncodingProblem(f"unknown encoding {encoding!r}") from None
        try:
            return data.decode(encoding), encoding, False
        except UnicodeDecodeError as e:
            raise EncodingProblem(f"the file is not {encoding}: byte {data[e.start]:#04x} at offset {e.start} "
                                  f"is not a character of it") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", False
        except UnicodeDecodeError:
            raise EncodingProblem("the file starts with a UTF-16 byte order mark but is not UTF-16") from None
    try:
        return data.decode("utf-8-sig"), "utf-8", False
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=list(DETECT_AMONG)))
    if not matches:
        raise EncodingProblem("the encoding cannot be recognised")
    best = matches[0]
    text = str(best)
    rivals = [m for m in matches[1:]
              if m.chaos <= best.chaos + 0.02 and m.coherence >= best.coherence - 0.1 and str(m) != text]
    if rivals:
        names = tuple(dict.fromkeys(_common_name(m) for m in [best, *rivals]))
        raise EncodingProblem("the encoding is not clear: " + ", ".join(names) + " give different text", names)
    return text, _common_name(best), True


def _common_name(match) -> str:
    """The same text under several names: the most common one (cp1252 rather than cp1250)."""
    same = set(match.could_be_from_charset) | {match.encoding}
    return next((e for e in DETECT_AMONG if e in same), match.encoding)


def sniff_delimiter(text: str, candidates: str = ",;\t|") -> str:
    """The delimiter that splits the first lines into the most consistent number (> 1) of fields;
    title lines above the header (one field) do not disturb it.  Default ``,``."""
    lines = [ln[:FIELD_LIMIT] for ln in text[:1 << 20].splitlines()[:60] if ln.strip()]
    best, best_score = ",", (0, 0)
    for d in candidates:
        counts: dict[int, int] = {}
        try:
            records = list(csv.reader(lines, delimiter=d))
        except csv.Error:          # a line the reader cannot take: judged when the file is read
            continue
        for fields in records:
            if len(fields) > 1:
                counts[len(fields)] = counts.get(len(fields), 0) + 1
        if not counts:
            continue
        width, lines_with = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if (lines_with, width) > best_score:
            best, best_score = d, (lines_with, width)
    return best


def read_csv_grid(path: str | Path, *, label: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """A CSV/TXT file as a grid of text (``00123`` stays ``"00123"``); index = line number
    where each record starts.  Encoding and delimiter are detected."""
    f = read_csv_file(path, label=label, encoding=encoding)
    grid = grid_from_cells(f.cells, f.lines)
    grid.attrs["delimiter"] = f.delimiter
    grid.attrs["encoding"] = f.encoding
    return grid


def read_csv_frame(path: str | Path, *, label: str | None = None) -> pd.DataFrame:
    """A CSV whose first row is its header as a DataFrame of text cells ("" blank), read like
    every program CSV (encoding and delimiter detected, the program's own apostrophe dropped).
    For files the program wrote itself (``--prior``, ``--applications``); canonical tables go
    through :func:`xl_collections.io.readers.load_table`."""
    cells, _, _ = read_csv_cells(path, label=label)
    if not len(cells):
        return pd.DataFrame()
    head = [str(h).strip() for h in cells[0]]
    return pd.DataFrame(cells[1:], columns=head, dtype=object)


def read_csv_cells(path: str | Path, *, label: str | None = None,
                   encoding: str | None = None) -> tuple[np.ndarray, list[int], str]:
    """:func:`read_csv_grid` as ``(cells, line_numbers, delimiter)``."""
    f = read_csv_file(path, label=label, encoding=encoding)
    return f.cells, f.lines, f.delimiter


class CsvFile:
    """A CSV file read into cells: ``cells`` (2-D object array of text, short records padded
    with ""), ``lines`` (the line each record starts on), ``fields`` (how many fields each
    record really had), ``delimiter``, ``encoding`` and ``detected`` (the encoding was guessed)."""

    def __init__(self, cells, lines, fields, delimiter, encoding, detected):
        self.cells, self.lines, self.fields = cells, lines, fields
        self.delimiter, self.encoding, self.detected = delimiter, encoding, detected


def read_csv_file(path: str | Path, *, label: str | None = None, encoding: str | None = None) -> CsvFile:
    """Read a CSV: the encoding (:func:`decode_text`; ``encoding`` forces one) and the delimiter
    (:func:`sniff_delimiter`) found, every cell text, the program's own apostrophe dropped
    (:func:`unescape_cells`).  Problems raise :class:`InputErrors` naming the file (and line)."""
    p = Path(path)
    label = label or p.name
    try:
        data = p.read_bytes()
    except OSError as e:
        raise _fail(f"cannot read the file: {e.strerror or e}", label) from None
    head = data[:4096]
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and \
            head.count(b"\x00") > 8:       # one NUL is a bad cell (refused naming it), many a binary file
        raise _fail("not a text file (binary content)", label, expected="a CSV file with a header row")
    try:
        text, enc, detected = decode_text(data, encoding)
    except EncodingProblem as e:
        expected = ("the file saved as UTF-8, or the encoding named: --encoding NAME or the Encoding setting"
                    + (f" (one of {', '.join(e.candidates)})" if e.candidates else ""))
        raise _fail(str(e), label, expected=expected) from None
    delim = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows, starts, prev = [], [], 0
    try:
        for rec in reader:
            rows.append(rec)
            starts.append(prev + 1)
            prev = reader.line_num
    except csv.Error as e:
        line = prev + 1
        if "field larger than field limit" in str(e):
            raise InputErrors([InputError(f"line {line} holds a field longer than {FIELD_LIMIT:,} characters",
                                          "", label, "", line, "", "",
                                          "a CSV export (a quote left open swallows the lines after it)")]) from None
        raise InputErrors([InputError(f"cannot read the file as CSV near line {line}: {e}", "", label, "", line)]) from None
    fields = np.fromiter(map(len, rows), dtype="int64", count=len(rows))
    cells = cells_from_rows(rows)
    if "'" in text:
        unescape_cells(cells)
    return CsvFile(cells, starts, fields, delim, enc, detected)


_ESCAPED = frozenset("=+-@\t\r")


def unescape_cells(cells: np.ndarray) -> None:
    """Drop, in place, the one apostrophe the program's CSV writer puts before a text cell that
    starts with ``=``, ``+``, ``-``, ``@``, tab or CR, or with apostrophes and then one of them
    (:func:`xl_collections.io.write.csv_safe`), so a CSV the program wrote reads back as it was.
    Any other apostrophe stays."""
    hit = np.fromiter((type(v) is str and v[:1] == "'" and v.lstrip("'")[:1] in _ESCAPED for v in cells.flat),
                      dtype=bool, count=cells.size).reshape(cells.shape)
    for r, c in zip(*np.nonzero(hit)):
        cells[r, c] = cells[r, c][1:]


# ------------------------------------------------------------------ Excel (calamine, pyxlsb)

def open_workbook(path: str | Path, *, label: str | None = None, load_tables: bool = False,
                  limits: dict | None = None, sheets: dict | None = None, checked: bool = False):
    """python-calamine workbook; unreadable files raise InputErrors naming the file.  ``limits``:
    the guard's (``max_part_mb``, ``max_zip_ratio``; the ``MaxPartMB``/``MaxZipRatio`` settings);
    ``sheets``: receives what the guard saw of each worksheet part (:class:`~.guard.SheetMarks`);
    ``checked``: the caller has just run the guard on this file (not run again)."""
    from python_calamine import CalamineWorkbook

    p = Path(path)
    label = label or p.name
    if not p.exists():
        raise _fail("file not found", label, expected=f"an existing file ({p})")
    try:
        if not checked:
            check_workbook(p, **(limits or {}), sheets=sheets)  # hostile packages: refused before calamine parses them
    except HostileWorkbook as e:
        raise _fail(f"cannot open the workbook: {e}", label) from None
    try:
        return CalamineWorkbook.from_path(str(p), load_tables=load_tables)
    except Exception as e:  # calamine's own errors (zip, xml, password) and OSError
        raise _fail(f"cannot open the workbook: {type(e).__name__}: {e}", label,
                    expected="an .xlsx, .xlsm or .xlsb file saved by Excel") from None


def resolve_sheet(names: list[str], wanted: str | None, default: str | None, label: str, table: str = "") -> str:
    """Pick a sheet: ``wanted`` (must exist, case-insensitive), else ``default`` when present,
    else the first sheet."""
    by_lower = {n.lower(): n for n in names}
    if wanted is not None:
        found = by_lower.get(str(wanted).strip().lower())
        if found is None:
            raise InputErrors([InputError(f"no sheet named {wanted!r}", table, label, str(wanted), None, "", "",
                                          "one of the sheets " + ", ".join(repr(n) for n in names))])
        return found
    if default and default.lower() in by_lower:
        return by_lower[default.lower()]
    if not names:
        raise _fail("the workbook has no sheets", label, table)
    return names[0]


def read_sheet_grid(path: str | Path, sheet: str | None = None, *, default_sheet: str | None = None,
                    label: str | None = None, table: str = "") -> tuple[pd.DataFrame, str]:
    """One worksheet of an .xlsx/.xlsm/.xlsb as a grid (index = Excel row), with Excel error
    cells as their text.  Returns ``(grid, sheet_name)``.  For .xlsb, pyxlsb is the fallback
    when calamine cannot read the file."""
    cells, name, merged = read_sheet_cells(path, sheet, default_sheet=default_sheet, label=label, table=table)
    grid = grid_from_cells(cells, range(1, len(cells) + 1))
    grid.attrs["merged"] = merged
    return grid, name


def read_sheet_cells(path: str | Path, sheet: str | None = None, *, default_sheet: str | None = None,
                     label: str | None = None, table: str = "") -> tuple[np.ndarray, str, list]:
    """:func:`read_sheet_grid` as ``(cells, sheet_name, merged)``: cells a 2-D object array whose
    row *i* is Excel row *i + 1*."""
    p = Path(path)
    label = label or p.name
    binary = p.suffix.lower() == ".xlsb"
    try:
        wb = open_workbook(p, label=label)
    except InputErrors:
        if not binary or not p.exists():
            raise
        return _read_xlsb_pyxlsb(p, sheet, default_sheet, label, table)
    name = resolve_sheet(list(wb.sheet_names), sheet, default_sheet, label, table)
    with ErrorScan(p, name, binary) as scan:     # runs beside calamine's parse
        try:
            sh = wb.get_sheet_by_name(name)
            rows = sh.to_python(skip_empty_area=False)
            merged = getattr(sh, "merged_cell_ranges", None)
            del sh
            wb.close()
        except Exception as e:
            if binary:
                return _read_xlsb_pyxlsb(p, name, default_sheet, label, table)
            raise _fail(f"cannot read sheet {name!r}: {type(e).__name__}: {e}", label, table, name) from None
        errors = scan.result()
    _patch(rows, errors)
    cells = cells_from_rows(rows)
    del rows
    return cells, name, [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in (merged or [])]


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector while millions of cells are allocated (it would
    rescan them again and again; nothing built here forms reference cycles)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class SheetRows:
    """One worksheet as a stream of rows, for readers that must not hold a million-row sheet as
    Python objects twice.  Use as a context manager::

        with SheetRows(path, "Open Items") as src:
            for row in src.rows: ...      # lists; row i is Excel row i + 1

    ``col_offset``: Excel column index of each row's first cell (calamine starts rows at the
    first used column); ``error_cells``: {(excel_row, col - col_offset): "#N/A"} to put into the
    rows (calamine reads error cells as ""; the sheet is scanned for them only when the guard's
    pass saw one); ``merged``: merged ranges, columns relative to ``col_offset``.  ``guard_marks``:
    the caller has just run the guard on the file, which saw this of its sheets (``sheets`` of
    :func:`~xl_collections.io.guard.check_workbook`): it is not run again."""

    def __init__(self, path, sheet: str | None = None, *, default_sheet: str | None = None,
                 label: str | None = None, table: str = "", limits: dict | None = None,
                 guard_marks: dict | None = None):
        self.path, self.sheet, self.default_sheet, self.limits = Path(path), sheet, default_sheet, limits
        self.guard_marks = guard_marks
        self.label, self.table = label or Path(path).name, table
        self.rows, self.width, self.name, self.col_offset = iter(()), 0, "", 0
        self.merged: list = []
        self.error_cells: dict = {}
        self._wb = None

    def __enter__(self) -> "SheetRows":
        p, label, table = self.path, self.label, self.table
        binary = p.suffix.lower() == ".xlsb"
        checked = self.guard_marks is not None
        marks: dict = self.guard_marks if checked else {}
        try:
            wb = open_workbook(p, label=label, limits=self.limits, sheets=marks, checked=checked)
        except InputErrors:
            if not binary or not p.exists():
                raise
            return self._fallback(None)
        self._wb = wb
        name = resolve_sheet(list(wb.sheet_names), self.sheet, self.default_sheet, label, table)
        with _error_scan(p, name, binary, marks) as scan:
            try:
                sh = wb.get_sheet_by_name(name)
                start = sh.start or (0, 0)
                self.col_offset = start[1]
                self.width = sh.width if sh.start else 0
                merged = getattr(sh, "merged_cell_ranges", None)   # newer python-calamine only
                self.rows = sh.iter_rows() if sh.start else iter(())
            except Exception as e:
                if binary:
                    return self._fallback(name)
                raise _fail(f"cannot read sheet {name!r}: {type(e).__name__}: {e}", label, table, name) from None
            errors = scan.result()
        off = self.col_offset
        self.name = name
        self.merged = [(r0 + 1, c0 - off, r1 + 1, c1 - off) for (r0, c0), (r1, c1) in (merged or [])]
        self.error_cells = {(r, c - off): t for (r, c), t in errors.items() if c >= off}
        return self

    def _fallback(self, name):
        cells, self.name, _ = _read_xlsb_pyxlsb(self.path, name or self.sheet, self.default_sheet, self.label, self.table)
        self.rows, self.width = iter(cells), cells.shape[1]
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Free the workbook (the parsed sheet goes once its row iterator is dropped too)."""
        self.rows = iter(())
        if self._wb is not None:
            try:
                self._wb.close()
            except Exception:
                pass
            self._wb = None


class _NoErrorCells:
    """:class:`ErrorScan`'s answer for a sheet the guard's pass found no error cell in."""

    def __enter__(self) -> "_NoErrorCells":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def result(self) -> dict:
        return {}


def _error_scan(path: Path, name: str, binary: bool, marks: dict):
    """An :class:`ErrorScan` of the sheet, or none when the guard's pass (``marks``, by part)
    saw no ``t="e"`` in its part: the scan would find nothing."""
    if not binary and marks:
        try:
            with zipfile.ZipFile(path) as zf:
                seen = marks.get(sheet_part(zf, name, binary=False))
        except (KeyError, OSError, zipfile.BadZipFile, ET.ParseError):
            seen = None
        if seen is not None and not seen.error_cells:
            return _NoErrorCells()
    return ErrorScan(path, name, binary)


def sheet_rows(path, sheet: str | None = None, **kw) -> SheetRows:
    """:class:`SheetRows` for ``path``/``sheet`` (use with ``with``)."""
    return SheetRows(path, sheet, **kw)


def read_table_grid(path: str | Path, table_name: str, *, label: str | None = None,
                    table: str = "", limits: dict | None = None) -> tuple[pd.DataFrame, str, int]:
    """An Excel table (ListObject) of an .xlsx/.xlsm as a grid whose first row is the table's
    header.  Returns ``(grid, sheet_name, header_row)``."""
    p = Path(path)
    label = label or p.name
    if p.suffix.lower() == ".xlsb":
        raise _fail(f"Excel tables cannot be read by name from .xlsb files (table {table_name!r})", label, table,
                    expected="the sheet name instead (--sheet), or the workbook saved as .xlsx/.xlsm")
    wb = open_workbook(p, label=label, load_tables=True, limits=limits)
    names = list(wb.table_names or [])
    by_lower = {n.lower(): n for n in names}
    found = by_lower.get(str(table_name).strip().lower())
    if found is None:
        raise _fail(f"no Excel table named {table_name!r}", label, table,
                    expected=("one of the tables " + ", ".join(repr(n) for n in names)) if names
                    else "an Excel table (the workbook has none); give the sheet instead")
    t = wb.get_table_by_name(found)
    header_row = t.start[0]            # data starts on the row after the header (0-based start)
    col0 = t.start[1]
    rows = [list(t.columns)] + [list(r) for r in t.to_python()]
    n_data = _table_data_rows(p, found)
    if n_data is not None:             # a Total Row is not a record (calamine keeps it in some files)
        rows = rows[:1 + n_data]
    try:
        errors = xlsx_error_cells(p, t.sheet)
    except Exception:
        errors = {}
    for (r, c), text in errors.items():
        i, j = r - header_row, c - col0
        if 1 <= i < len(rows) and 0 <= j < len(rows[i]):
            rows[i][j] = text
    return grid_from_rows(rows, first_row=header_row), t.sheet, header_row


def _table_data_rows(path: Path, table_name: str) -> int | None:
    """Number of data rows of an Excel table from its part: the rows of ``ref`` less the header
    row (``headerRowCount``, default 1) and the Total Row (``totalsRowCount``); None if unknown."""
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if not (name.startswith("xl/tables/") and name.endswith(".xml")):
                    continue
                root = ET.fromstring(zf.read(name))
                if table_name.lower() not in (root.attrib.get("name", "").lower(),
                                              root.attrib.get("displayName", "").lower()):
                    continue
                m = re.match(r"^[A-Z]+(\d+):[A-Z]+(\d+)$", root.attrib.get("ref", ""))
                if not m:
                    return None
                rows = int(m.group(2)) - int(m.group(1)) + 1
                return max(0, rows - int(root.attrib.get("headerRowCount", "1") or 1)
                           - int(root.attrib.get("totalsRowCount", "0") or 0))
    except (zipfile.BadZipFile, ET.ParseError, ValueError, OSError):
        return None
    return None


def _patch(rows: list[list], errors: dict) -> None:
    """Put error texts into a 0-based list-of-rows grid; keys are (Excel row, 0-based col)."""
    for (r, c), text in errors.items():
        while len(rows) < r:
            rows.append([""] * (len(rows[0]) if rows else 0))
        row = rows[r - 1]
        if len(row) <= c:
            row.extend([""] * (c + 1 - len(row)))
        row[c] = text


def sheet_part(zf: zipfile.ZipFile, sheet: str, binary: bool) -> str:
    """Zip member of a sheet, from xl/workbook.xml (.xlsx) or pyxlsb's workbook.bin parse."""
    rels_name = "xl/_rels/workbook.bin.rels" if binary else "xl/_rels/workbook.xml.rels"
    rels = {el.attrib["Id"]: el.attrib["Target"] for el in ET.fromstring(zf.read(rels_name))}
    if binary:
        from pyxlsb import Workbook

        wb = Workbook(zf)
        target = dict((n.lower(), t) for n, t in wb._sheets)[sheet.lower()]
    else:
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
              "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
        root = ET.fromstring(zf.read("xl/workbook.xml"))
        rid_by_name = {s.attrib["name"].lower(): s.attrib["{%s}id" % ns["r"]] for s in root.iterfind("m:sheets/m:sheet", ns)}
        target = rels[rid_by_name[sheet.lower()]]
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def xlsx_error_cells(path: str | Path, sheet: str) -> dict[tuple[int, int], str]:
    """``{(excel_row, col0): "#N/A", …}`` for the error cells (``t="e"``) of one sheet of an
    .xlsx/.xlsm.  Streams the sheet XML; only the neighbourhood of each hit is parsed."""
    with zipfile.ZipFile(path) as zf:
        part = sheet_part(zf, sheet, binary=False)
    return _errscan.scan_part(path, part)


class ErrorScan:
    """The error-cell scan of one sheet, started at once in a thread so that it runs beside
    calamine's parse of the same sheet (calamine releases the GIL while it parses);
    :meth:`result` collects it.  ``swallow``: a sheet that cannot be scanned has no error cells
    (the readers); else the scan's exception is raised by :meth:`result` (the book).  Usable
    as a context manager (leaving the block without the result just lets the thread finish)."""

    def __init__(self, path, sheet: str, binary: bool, *, swallow: bool = True):
        self.path, self.sheet, self.binary, self.swallow = Path(path), sheet, binary, swallow
        self._out: dict = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def __enter__(self) -> "ErrorScan":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def _run(self) -> None:
        try:
            self._out["errors"] = (xlsb_error_cells if self.binary else xlsx_error_cells)(self.path, self.sheet)
        except Exception as e:  # noqa: BLE001 - see ``swallow``
            if self.swallow:
                self._out["errors"] = {}
            else:
                self._out["raised"] = e

    def result(self) -> dict[tuple[int, int], str]:
        self._thread.join()
        if "raised" in self._out:
            raise self._out["raised"]
        return self._out.get("errors", {})


def xlsb_error_cells(path: str | Path, sheet: str) -> dict[tuple[int, int], str]:
    """Error cells of one .xlsb sheet (BrtCellError / BrtFmlaError records), keyed like
    :func:`xlsx_error_cells`."""
    with zipfile.ZipFile(path) as zf:
        data = zf.read(sheet_part(zf, sheet, binary=True))
    return xlsb_errors_in(data)


_ERR_SET = rb"[\x00\x07\x0f\x17\x1d\x24\x2a\x2b]"
# record header of BrtCellError (id 3, length 9) or BrtFmlaError (id 11, length >= 15), then
# col (< 16384, little-endian), iStyleRef + flags (4 bytes), the error byte
_ERR_CANDIDATE = re.compile(rb"(?:\x03\x09|\x0b(?:[\x0f-\x7f]|[\x80-\xff][\x00-\x7f]))"
                            rb"(?=[\x00-\xff][\x00-\x3f]\x00\x00[\x00-\xff]{4}" + _ERR_SET + rb")", re.DOTALL)


def _record_at(data: bytes, i: int) -> tuple[int, int, int]:
    """(record id, body start, body length) of the record whose header starts at ``i``."""
    rid = data[i]
    i += 1
    if rid & 0x80:
        rid |= data[i] << 8
        i += 1
    b = data[i]
    ln, shift = b & 0x7F, 7
    i += 1
    while b & 0x80:
        b = data[i]
        ln |= (b & 0x7F) << shift
        shift += 7
        i += 1
    return rid, i, ln


_FIXED_LEN = {0x01: 8, 0x02: 12, 0x03: 9, 0x04: 9, 0x05: 16, 0x07: 12}   # cell records of fixed size
_CELL_IDS = frozenset(range(0x01, 0x0E))


def _row_header(data: bytes, q: int) -> int | None:
    """Row index (0-based) when a plausible BrtRowHdr starts at ``q``, else None."""
    ln = data[q + 1]
    if data[q] != 0 or ln < 17 or ln >= 0x80 or (ln - 17) % 8:
        return None
    body = q + 2
    if int.from_bytes(data[body + 13:body + 17], "little") != (ln - 17) // 8:
        return None
    row = int.from_bytes(data[body:body + 4], "little")
    return row if row < 1048576 else None


def xlsb_errors_in(data: bytes, *, window: int = 1 << 13) -> dict[tuple[int, int], str]:
    """Error cells in a BIFF12 sheet stream, without walking every record: candidates are found
    by their byte pattern, and each is confirmed by walking from a row header before it
    (BrtRowHdr, nearest first, within ``window`` bytes) through well-formed cell records that
    land exactly on it; that header gives the row.  Cost grows with the number of candidates,
    not with the sheet size (:func:`xlsb_walk_errors` is the exhaustive reference)."""
    out: dict[tuple[int, int], str] = {}
    for m in _ERR_CANDIDATE.finditer(data):
        p = m.start()
        lo = max(0, p - window)
        q = p
        while True:
            q = data.rfind(b"\x00", lo, q)
            if q < 0:
                break
            row = _row_header(data, q)
            if row is None:
                continue
            i = q + 2 + data[q + 1]
            ok = True
            try:
                while i < p:
                    rid, body, n = _record_at(data, i)
                    if rid not in _CELL_IDS or _FIXED_LEN.get(rid, n) != n:
                        ok = False
                        break
                    i = body + n
            except IndexError:
                ok = False
            if ok and i == p:
                _, body, _ = _record_at(data, p)
                col = int.from_bytes(data[body:body + 4], "little")
                out[(row + 1, col)] = XLSB_ERRORS[data[body + 8]]
                break
    return out


def xlsb_walk_errors(data: bytes) -> dict[tuple[int, int], str]:
    """Reference implementation of :func:`xlsb_errors_in`: walks every record (slow; tests)."""
    out: dict[tuple[int, int], str] = {}
    i, n, row = 0, len(data), -1
    while i < n:
        rid, body, ln = _record_at(data, i)
        if rid == 0x00:
            row = int.from_bytes(data[body:body + 4], "little")
        elif rid in (0x03, 0x0B):
            out[(row + 1, int.from_bytes(data[body:body + 4], "little"))] = XLSB_ERRORS.get(data[body + 8], "#N/A")
        i = body + ln
    return out


def _read_xlsb_pyxlsb(p: Path, sheet: str | None, default_sheet: str | None, label: str, table: str):
    """Fallback .xlsb reader.  pyxlsb gives dates as serial numbers (the validator reads them)
    and errors as hex codes, mapped here to their text."""
    try:
        from pyxlsb import open_workbook as open_xlsb
        with open_xlsb(str(p)) as wb:
            name = resolve_sheet(list(wb.sheets), sheet, default_sheet, label, table)
            with wb.get_sheet(name) as sh:
                rows = []
                for r in sh.rows():
                    rows.append([_xlsb_value(c.v) for c in r])
    except InputErrors:
        raise
    except Exception as e:
        raise _fail(f"cannot open the workbook: {type(e).__name__}: {e}", label, table,
                    expected="an .xlsb file saved by Excel") from None
    return cells_from_rows(rows), name, []


_PYXLSB_ERRORS = {hex(code): text for code, text in XLSB_ERRORS.items()}  # pyxlsb: hex(error byte)


def _xlsb_value(v):
    if v is None:
        return ""
    if isinstance(v, str) and v in _PYXLSB_ERRORS:
        return _PYXLSB_ERRORS[v]
    return v
