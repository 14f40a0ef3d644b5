"""Read the canonical tables (CONTRACT §2) from .csv, .xlsx, .xlsm, .xlsb and bank files.

Three layers, pure where possible:

* :func:`table_from_grid` (pure): a grid of raw cells (integer columns, index = Excel row)
  -> the header row found (even below a title block), merged header cells resolved, blank
  columns dropped, column types settled -> :func:`~xl_collections.io.validate.validate`.
* :func:`load_table`: a file -> ``(canonical_df, errors)``; every problem is an
  :class:`~xl_collections.core.errors.InputError` (file, sheet, row, column, value, expected).
* :func:`read_table`: the same, raising :class:`~xl_collections.core.errors.InputErrors`.

Money in the result is int64 minor units of each row's currency (see
:mod:`xl_collections.core.schema`).  Nothing here writes files.
"""
from __future__ import annotations

import datetime as dt
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.dates import MAX_DATE, MIN_DATE
from ..core.errors import InputError, InputErrors
from ..core.a1 import col_letter
from ..core.schema import CODE, TABLES, Table
from . import arrow_sources, fastsheet, sources
from .guard import limits_of
from .validate import STRAY_GAP, ColumnMap, empty, is_blank, match_columns, normalise_header, validate

HEADER_SCAN_ROWS = 30
MAP_TABLE = ("table", "table name", "canonical table", "input", "sheet")
MAP_SOURCE = ("source_column", "source column", "source", "source header", "header", "from", "column in file")
MAP_CANONICAL = ("canonical_column", "canonical column", "canonical", "canonical name", "to", "column")
MAP_SOURCE_VALUE = ("source_value", "source value", "value in file", "from value", "value")
MAP_CANONICAL_VALUE = ("canonical_value", "canonical value", "to value", "means")


# ------------------------------------------------------------------ pure: grid -> table

def _is_blank_value(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "") or (isinstance(v, float) and v != v)


def _header_text(v) -> str:
    if _is_blank_value(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def find_header_row(grid: pd.DataFrame, table_name: str, column_map: dict | None = None,
                    max_rows: int = HEADER_SCAN_ROWS):
    """Label (Excel row) of the header row of ``table_name`` in ``grid``: among the first
    ``max_rows`` non-blank rows, the one naming the most required columns, then the most
    columns (canonical names, aliases, the column map); the earliest on a tie.  When no row
    names any column, the first non-blank row.  None for an empty grid."""
    table = TABLES[table_name]
    best, best_score, first = None, (0, 0), None
    seen = 0
    for label, row in zip(grid.index[:max_rows * 4], grid.to_numpy(dtype=object)[:max_rows * 4]):
        headers = [_header_text(v) for v in row]
        if not any(headers):
            continue
        first = label if first is None else first
        seen += 1
        mapping, _ = match_columns(headers, table, column_map)
        score = (sum(1 for c in table.required if c in mapping), len(mapping))
        if score > best_score:
            best, best_score = label, score
        if seen >= max_rows:
            break
    return best if best is not None else first


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_FIRST_ORDINAL, _LAST_ORDINAL = MIN_DATE.toordinal(), MAX_DATE.toordinal()
_NUMBER_TYPES = {float, int, np.float64, np.int64}
_DATE_TYPES = {dt.date, dt.datetime, pd.Timestamp}
_TEXT_DTYPE = pd.StringDtype("pyarrow")


def type_column(values: np.ndarray) -> pd.Series:
    """Raw cells of one column -> the most specific pandas column that loses nothing the
    validator needs: numbers-or-blank -> float64 (NaN blank), dates-or-blank ->
    datetime64[ns] at midnight (NaT blank), text-or-blank -> pyarrow-backed str ("" blank),
    anything else -> object as is (None -> "").  The validator's fast paths take these."""
    vals = values if values.dtype == object else values.astype(object)
    kinds = set(map(type, vals))
    blank_kinds = {type(None)}
    if str in kinds and not any(type(v) is str and v.strip() != "" for v in vals):
        blank_kinds.add(str)
    rest = kinds - blank_kinds
    blank = None
    if kinds & blank_kinds and rest:
        blank = np.zeros(len(vals), dtype=bool)
        if str in blank_kinds:
            blank |= np.fromiter(map(_blank_str, vals), dtype=bool, count=len(vals))
        if type(None) in kinds:
            blank |= vals == None  # noqa: E711 - elementwise on an object array
    if rest and rest <= _NUMBER_TYPES:
        if blank is None:
            return pd.Series(vals.astype("float64"))
        out = vals.copy()
        out[blank] = np.nan
        return pd.Series(out.astype("float64"))
    if rest and rest <= _DATE_TYPES:
        src = vals
        if blank is not None:
            src = vals.copy()
            src[blank] = dt.date(1970, 1, 1)
        ords = np.fromiter(map(dt.date.toordinal, src), dtype="int64", count=len(src))
        if len(ords) and (ords.min() < _FIRST_ORDINAL or ords.max() > _LAST_ORDINAL):
            # the zero date or a date out of range: left as it is, for the validator to judge
            # (datetime64[ns] cannot even hold 9999-12-31)
            return pd.Series(np.array(["" if b else v for b, v in zip(
                blank if blank is not None else np.zeros(len(vals), dtype=bool), vals)], dtype=object))
        days = (ords - _EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[ns]")
        if blank is not None:
            days[blank] = np.datetime64("NaT")
        return pd.Series(days)
    if rest <= {str}:
        if type(None) in kinds:
            vals = vals.copy()
            vals[blank] = ""
        return pd.Series(_text_array(vals))
    if type(None) in kinds:
        vals = np.array(["" if v is None else v for v in vals], dtype=object)
    return pd.Series(vals, dtype=object)


def _text_array(vals: np.ndarray):
    """An object array of str -> the pyarrow-backed string array ``pd.array(vals, dtype=_TEXT_DTYPE)``
    gives, built by pyarrow directly (every value is already a str: nothing to convert)."""
    import pyarrow as pa
    try:
        return pd.arrays.ArrowStringArray(pa.array(vals, type=pa.large_string()))
    except (pa.ArrowException, TypeError, ValueError):
        return pd.array(vals, dtype=_TEXT_DTYPE)


def _blank_str(v) -> bool:
    return type(v) is str and (v == "" or v.isspace())


def _column_kind(s: pd.Series) -> str:
    if pd.api.types.is_float_dtype(s.dtype):
        return "num"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    if isinstance(s.dtype, pd.StringDtype):
        return "text"
    return "obj"


def _as_objects(s: pd.Series) -> np.ndarray:
    """A typed chunk back to raw cell objects (blank -> "")."""
    kind = _column_kind(s)
    if kind == "num":
        arr = s.to_numpy(dtype=object)
        arr[s.isna().to_numpy()] = ""
        return arr
    if kind == "date":
        arr = np.array([d.date() if d is not pd.NaT else "" for d in s], dtype=object)
        return arr
    if kind == "text":
        return s.to_numpy(dtype=object, na_value="")
    return s.to_numpy(dtype=object)


def combine_chunks(parts: list[pd.Series]) -> pd.Series:
    """Typed chunks of one column -> one column; chunks of different kinds fall back to raw
    objects (so a text cell in row 900,000 of a number column is still seen as it is)."""
    if not parts:
        return pd.Series([], dtype=object)
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    kinds = {_column_kind(p) for p in parts}
    if len(kinds) == 1 and kinds != {"obj"}:
        return pd.concat(parts, ignore_index=True)
    return pd.Series(np.concatenate([_as_objects(p) for p in parts]), dtype=object)


def _blank_column(s: pd.Series) -> bool:
    kind = _column_kind(s)
    if kind in ("num", "date"):
        return bool(s.isna().all())
    if kind == "text":
        import pyarrow.compute as pc
        arr = pc.utf8_trim_whitespace(pa_array(s))
        return bool(pc.all(pc.fill_null(pc.equal(arr, ""), True)).as_py() is not False)
    return all(_is_blank_value(v) for v in s)


def pa_array(s: pd.Series):
    import pyarrow as pa
    return pa.chunked_array(s.array.__arrow_array__()).combine_chunks()


def _resolve_merged(top_cells: dict, header_row, headers: list[str], columns: list[pd.Series], table: Table,
                    column_map, merged, err, col_offset: int = 0) -> None:
    """A header cell merged across columns: the header goes to the one column below it that
    holds data; merged over several columns that hold data, it is ambiguous -> an error when
    the header names a canonical column.  ``top_cells``: {(row label, col): value} above the data."""
    for r0, c0, r1, c1 in merged:
        if not (r0 <= header_row <= r1) or c1 <= c0 or c0 < 0 or c0 >= len(headers):
            continue
        c1 = min(c1, len(headers) - 1)
        text = headers[c0] or _header_text(top_cells.get((r0, c0)))
        if not text:
            continue
        cols = list(range(c0, c1 + 1))
        if any(headers[c] for c in cols[1:]):
            continue
        with_data = [c for c in cols if c < len(columns) and not _blank_column(columns[c])]
        if len(with_data) <= 1:
            target = with_data[0] if with_data else c0
            for c in cols:
                headers[c] = ""
            headers[target] = text
            continue
        mapping, _ = match_columns([text], table, column_map)
        if mapping:
            err(f"header {text!r} is merged across columns {col_letter(c0 + col_offset)}:{col_letter(c1 + col_offset)} and "
                f"{len(with_data)} of them hold data", header_row, text, text,
                "one header cell per column: unmerge the header and name each column")


def table_from_grid(grid: pd.DataFrame, table_name: str, *, file: str = "", sheet: str = "",
                    column_map: dict | None = None, reporting_currency: str = "USD", day_first: bool = False,
                    decimal_comma: bool | None = False, header_row=None,
                    amount_sign: str = "signed") -> tuple[pd.DataFrame, list[InputError]]:
    """Grid of raw cells (columns 0..n-1, index = Excel row numbers) -> ``(canonical_df, errors)``.

    The header row is found by :func:`find_header_row` unless ``header_row`` (a grid label)
    is given; rows above it are ignored.  Columns without a header are ignored (blank ones
    dropped); a header merged across several columns goes to the one holding data
    (``grid.attrs["merged"]``: ``(first_row, first_col, last_row, last_col)`` in grid labels);
    two columns with the same header that names a canonical column are an error.
    ``column_map`` maps source header -> canonical column (:func:`read_column_map`).  Money
    comes back as int64 minor units of each row's currency; errors name Excel rows."""
    return table_from_rows(grid.to_numpy(dtype=object), table_name, labels=grid.index.to_numpy(), file=file,
                           sheet=sheet, merged=grid.attrs.get("merged"), column_map=column_map,
                           reporting_currency=reporting_currency, day_first=day_first,
                           decimal_comma=decimal_comma, header_row=header_row, amount_sign=amount_sign)


CHUNK_ROWS = 1 << 16


def table_from_rows(rows, table_name: str, *, labels=None, first_label: int = 1, width: int | None = None,
                    col_offset: int = 0, file: str = "", sheet: str = "", merged=None, error_cells: dict | None = None,
                    column_map: dict | None = None, reporting_currency: str = "USD", day_first: bool = False,
                    decimal_comma: bool | None = False, header_row=None, release=None,
                    field_counts=None, amount_sign: str = "signed") -> tuple[pd.DataFrame, list[InputError]]:
    """:func:`table_from_grid` on a stream of rows (lists, tuples or a 2-D array), consumed in
    chunks so that a million-row sheet never exists as one grid of Python objects.

    ``labels``: the row labels (Excel rows / CSV lines), else consecutive from ``first_label``.
    ``error_cells``: {(label, col): "#N/A"} put into the cells as they stream by.
    ``col_offset``: the Excel column of each row's first cell (for messages naming columns).
    ``release``: called once the rows are consumed (to free the source before validation).
    ``field_counts``: for a CSV, how many fields each record really had (rows are padded), so
    a record with more fields than its header, or fewer where a missing column is filled on
    other lines, is refused naming its line (CONTRACT §1)."""
    table = TABLES[table_name]
    errors: list[InputError] = []

    def err(message, row, column, value="", expected=""):
        errors.append(InputError(message, table.name, file, sheet, None if row is None else int(row),
                                 str(column), "" if value is None else str(value), expected))

    # a 2-D array (a grid) is sliced in blocks instead of being walked row by row
    grid = rows if isinstance(rows, np.ndarray) and rows.ndim == 2 and not error_cells else None
    it = iter(rows)
    head = [list(r) for r in islice(it, HEADER_SCAN_ROWS * 4)]
    labels = None if labels is None else np.asarray(labels)
    head_labels = labels[:len(head)] if labels is not None else np.arange(first_label, first_label + len(head))
    if error_cells:
        _patch_rows(head, head_labels, error_cells)
    if width is None:
        width = max((len(r) for r in head), default=0)
    if header_row is None:
        header_row = find_header_row(_frame(head, head_labels, width), table_name, column_map)
    if header_row is None:
        err("the sheet is empty", None, "", "", f"a header row naming the columns of {table.name}: "
            + ", ".join(table.required))
        return _empty_result(table_name, reporting_currency, file, sheet), errors
    hits = np.flatnonzero(head_labels == header_row)
    if not len(hits):
        raise ValueError(f"header row {header_row} is not among the first {len(head)} rows")
    pos = int(hits[0])
    headers = [_header_text(v) for v in head[pos]] + [""] * max(0, width - len(head[pos]))
    top_cells = {(head_labels[i], c): v for i in range(pos + 1) for c, v in enumerate(head[i])}

    parts: list[list[pd.Series]] = [[] for _ in range(width)]
    label_parts: list[np.ndarray] = []
    n_body = 0          # rows consumed below the header
    compact = field_counts is None       # a CSV's field counts are per line: its rows all stay

    def take(chunk: list, chunk_labels: np.ndarray):
        nonlocal n_body
        if not len(chunk):
            return
        if error_cells:
            _patch_rows(chunk, chunk_labels, error_cells)
        cells = _cells(chunk, width)
        n_body += len(cells)
        chunk_labels = np.asarray(chunk_labels)
        keep = _without_long_empty_runs(cells) if compact else None
        if keep is not None:
            cells, chunk_labels = cells[keep], chunk_labels[keep]
        for c in range(width):
            parts[c].append(type_column(cells[:, c]))
        label_parts.append(chunk_labels.astype("int64", copy=False))

    body_start = pos + 1
    take(head[body_start:], head_labels[body_start:])
    next_label = (int(head_labels[-1]) + 1) if len(head) else first_label
    consumed = len(head)
    with sources.no_gc():      # a million rows of cells: the collector would rescan them again and again
        while True:
            if grid is not None:
                chunk = grid[consumed:consumed + CHUNK_ROWS]
                consumed += len(chunk)
            else:
                chunk = list(islice(it, CHUNK_ROWS))
            if not len(chunk):
                break
            if labels is not None:
                start = len(head) + (n_body - (len(head) - body_start))
                chunk_labels = labels[start:start + len(chunk)]
            else:
                chunk_labels = np.arange(next_label, next_label + len(chunk))
            next_label += len(chunk)
            take(chunk, chunk_labels)
    del head, it, rows, grid
    if release is not None:
        release()
    columns = [combine_chunks(p) for p in parts]
    parts.clear()
    row_labels = np.concatenate(label_parts) if label_parts else np.zeros(0, dtype="int64")
    n_body = len(row_labels)          # the rows kept (a long run of empty rows keeps its ends)
    _resolve_merged(top_cells, header_row, headers, columns, table, column_map, merged or [], err, col_offset)
    if field_counts is not None and n_body:
        _ragged_records(np.asarray(field_counts)[body_start:body_start + n_body], int(field_counts[pos]), headers,
                        columns, row_labels, err)
    out, verrs = table_from_columns(headers, columns, row_labels, table_name, header_row=int(header_row),
                                    col_offset=col_offset, file=file, sheet=sheet, column_map=column_map,
                                    reporting_currency=reporting_currency, day_first=day_first,
                                    decimal_comma=decimal_comma, amount_sign=amount_sign)
    return out, errors + verrs


def table_from_columns(headers: list[str], columns: list[pd.Series], row_labels, table_name: str, *,
                       header_row: int, col_offset: int = 0, file: str = "", sheet: str = "",
                       column_map: dict | None = None, reporting_currency: str = "USD", day_first: bool = False,
                       decimal_comma: bool | None = False, amount_sign: str = "signed",
                       arrow_text: bool = False) -> tuple[pd.DataFrame, list[InputError]]:
    """Typed columns under their header texts (:func:`type_column`'s kinds; ``""`` for a column
    without a header) -> :func:`~xl_collections.io.validate.validate`.  Two columns with one
    header that names a canonical column are an error; other repeats keep the first.  The
    last step of every reader (sheets, CSV, Parquet, DuckDB)."""
    table = TABLES[table_name]
    errors: list[InputError] = []

    def err(message, row, column, value="", expected=""):
        errors.append(InputError(message, table.name, file, sheet, None if row is None else int(row),
                                 str(column), "" if value is None else str(value), expected))

    n_body = len(row_labels)
    keep: dict[str, int] = {}
    seen_norm: dict[str, int] = {}
    mapping, _ = match_columns([h for h in headers if h], table, column_map)
    mapped_sources = {normalise_header(h) for h in mapping.values()}
    for c, h in enumerate(headers):
        if not h:
            continue
        n = normalise_header(h)
        if n in seen_norm:
            if n in mapped_sources:
                err(f"two columns are headed {h!r} ({col_letter(seen_norm[n] + col_offset)} and "
                    f"{col_letter(c + col_offset)})",
                    header_row, h, h, "one column per header: rename one of them, or map it in the Column Map")
            continue
        seen_norm[n] = c
        keep[h] = c
    index = pd.Index(np.asarray(row_labels, dtype="int64"))
    cols = {}
    for h, c in keep.items():
        col = columns[c] if c < len(columns) else pd.Series([""] * n_body, dtype=object)
        col.index = index
        cols[h] = col
    del columns
    frame = pd.DataFrame(cols, index=index, copy=False) if cols else pd.DataFrame(index=index)
    del cols
    out, verrs = validate(frame, table_name, file=file, sheet=sheet, header_row=int(header_row),
                          column_map=column_map, reporting_currency=reporting_currency, day_first=day_first,
                          decimal_comma=decimal_comma, amount_sign=amount_sign, arrow_text=arrow_text)
    return out, errors + verrs


def _ragged_records(counts: np.ndarray, header_count: int, headers: list[str], columns: list[pd.Series],
                    labels: np.ndarray, err) -> None:
    """CSV records whose number of fields differs from the header's: more fields holding
    something, or fewer where a missing field's column is filled on other lines (its value
    would silently become the default: a EUR item aged as USD) -> an error naming the line.
    Blank lines and extra fields blank on every line (a trailing delimiter) pass."""
    width = len(columns)
    filled = [None] * width

    def filled_at(c):                      # per record: the cell holds something
        if filled[c] is None:
            filled[c] = ~is_blank(columns[c].reset_index(drop=True))
        return filled[c]

    def name(c):
        return repr(headers[c]) if c < len(headers) and headers[c] else f"column {col_letter(c)}"

    for i in np.flatnonzero(counts > header_count):
        extra = [c for c in range(header_count, min(int(counts[i]), width)) if filled_at(c)[i]]
        if extra:
            err(f"line {labels[i]} has {counts[i]} fields, the header {header_count}", labels[i], name(extra[0]),
                columns[extra[0]].iloc[i], "as many fields as the header (a delimiter inside a value must be quoted)")
    short = np.flatnonzero((counts < header_count) & (counts > 0))
    if not len(short):
        return
    used = {c: bool(filled_at(c).any()) for c in range(min(header_count, width))}
    for i in short:
        row_blank = not any(filled_at(c)[i] for c in range(min(int(counts[i]), width)))
        lost = [c for c in range(int(counts[i]), min(header_count, width)) if used.get(c)]
        if lost and not row_blank:
            err(f"line {labels[i]} has {counts[i]} fields, the header {header_count}: "
                f"{', '.join(name(c) for c in lost[:4])} missing", labels[i], headers[lost[0]] or name(lost[0]), "",
                "every field of the header on every line (the missing value is filled on other lines; "
                "a default would be wrong)")


def _frame(rows: list, labels, width: int) -> pd.DataFrame:
    return pd.DataFrame(_cells(rows, width), index=pd.Index(labels), dtype=object)


def _without_long_empty_runs(cells: np.ndarray) -> np.ndarray | None:
    """Which rows of a chunk to keep: each run of more than ``STRAY_GAP`` wholly empty rows keeps
    its first ``STRAY_GAP`` and its last, so the run is still seen (with its first and last row
    labels) while a stray cell a million rows below a table is not typed row by row; None: all."""
    empty = ((cells == None) | (cells == "")).all(axis=1)    # noqa: E711 - elementwise on objects
    if empty.sum() <= STRAY_GAP + 1:
        return None
    idx = np.flatnonzero(empty)
    keep = np.ones(len(cells), dtype=bool)
    for run in np.split(idx, np.flatnonzero(np.diff(idx) != 1) + 1):
        if len(run) > STRAY_GAP + 1:
            keep[run[STRAY_GAP:-1]] = False
    return None if keep.all() else keep


def _cells(rows, width: int) -> np.ndarray:
    if isinstance(rows, np.ndarray) and rows.ndim == 2 and rows.shape[1] == width and rows.dtype == object:
        return rows
    if set(map(len, rows)) - {width}:
        rows = [list(r[:width]) + [""] * (width - len(r)) for r in rows]
    return sources.stack_rows(rows, width)


def _patch_rows(rows: list, labels, error_cells: dict) -> None:
    if not len(rows):
        return
    lo, hi = int(labels[0]), int(labels[-1])
    pos = {int(lab): i for i, lab in enumerate(labels)} if (hi - lo + 1) != len(rows) else None
    for (r, c), text in error_cells.items():
        if lo <= r <= hi:
            i = pos.get(r) if pos is not None else r - lo
            if i is None:
                continue
            row = rows[i]
            if not isinstance(row, list):
                row = rows[i] = list(row)
            if len(row) <= c:
                row.extend([""] * (c + 1 - len(row)))
            row[c] = text


def _empty_result(table_name: str, reporting_currency: str, file: str, sheet: str) -> pd.DataFrame:
    out = empty(table_name, reporting_currency)
    out.attrs["source"] = {"file": file, "sheet": sheet}
    return out


# ------------------------------------------------------------------ column map

def _map_from_frame(grid: pd.DataFrame, label: str, sheet: str) -> tuple[dict, list[InputError]]:
    raw = grid.to_numpy(dtype=object)
    errors: list[InputError] = []
    for pos in range(min(len(raw), HEADER_SCAN_ROWS)):
        heads = [normalise_header(_header_text(v)) for v in raw[pos]]
        src = next((heads.index(a) for a in MAP_SOURCE if a in heads), None)
        dst = next((heads.index(a) for a in MAP_CANONICAL if a in heads and heads.index(a) != src), None)
        if src is not None and dst is not None:
            tab = next((heads.index(a) for a in MAP_TABLE if a in heads), None)
            sval = next((heads.index(a) for a in MAP_SOURCE_VALUE if a in heads), None)
            cval = next((heads.index(a) for a in MAP_CANONICAL_VALUE if a in heads), None)
            break
    else:
        return {}, [InputError("no column map header found", "", label, sheet, None, "", "",
                               "a header row with columns table, source_column, canonical_column")]
    out: dict[str, ColumnMap] = {}
    by_sheet = {normalise_header(tb.sheet).replace(" ", "_"): tb.name for tb in TABLES.values()}
    for i in range(pos + 1, len(raw)):
        r = raw[i]
        s, d = _header_text(r[src]), _header_text(r[dst])
        t = _header_text(r[tab]) if tab is not None else ""
        sv = _header_text(r[sval]) if sval is not None and sval < len(r) else ""
        cv = _header_text(r[cval]) if cval is not None and cval < len(r) else ""
        if not s and not d:
            continue
        row = int(grid.index[i])
        tname = normalise_header(t).replace(" ", "_") if t else ""
        tname = by_sheet.get(tname, tname)
        if tname and tname not in TABLES:
            errors.append(InputError("unknown table in the column map", "", label, sheet, row, "table", t,
                                     "one of " + ", ".join(TABLES)))
            continue
        if not s or not d:
            errors.append(InputError("incomplete column map entry", "", label, sheet, row,
                                     "source_column" if not s else "canonical_column", s or d,
                                     "both a source header and a canonical column"))
            continue
        if bool(sv) != bool(cv):
            errors.append(InputError("incomplete value entry in the column map", "", label, sheet, row,
                                     "source_value" if not sv else "canonical_value", sv or cv,
                                     "both the value as the file has it and what it means (e.g. DR -> INV)"))
            continue
        canon = normalise_header(d).replace(" ", "_")
        targets = [tname] if tname else [tb for tb in TABLES if canon in TABLES[tb].names]
        if not targets:
            errors.append(InputError("unknown canonical column in the column map", "", label, sheet, row,
                                     "canonical_column", d, "a column of " + (tname or "a canonical table")))
            continue
        for tb in targets:
            if canon not in TABLES[tb].names:
                errors.append(InputError(f"{d!r} is not a column of {tb}", tb, label, sheet, row,
                                         "canonical_column", d, "one of " + ", ".join(TABLES[tb].names)))
                continue
            entry = out.setdefault(tb, ColumnMap())
            entry[s] = canon
            if sv:
                col = TABLES[tb].column(canon)
                value = cv.strip().upper() if col.kind == CODE else cv.strip()
                if col.choices and value not in col.choices:
                    errors.append(InputError(f"{cv!r} is not a {canon} value", tb, label, sheet, row, "canonical_value",
                                             cv, "one of " + ", ".join(col.choices)))
                    continue
                entry.value_map.setdefault(canon, {})[sv.strip().upper()] = value
    return out, errors


def load_column_map(path_or_grid, *, sheet: str | None = None) -> tuple[dict, list[InputError]]:
    """Like :func:`read_column_map`, returning ``(mapping, errors)`` instead of raising."""
    if isinstance(path_or_grid, pd.DataFrame):
        grid = path_or_grid
        if not all(isinstance(c, (int, np.integer)) for c in grid.columns):   # a frame with headers
            grid = pd.concat([pd.DataFrame([list(grid.columns)], index=[0]),
                              pd.DataFrame(grid.to_numpy(dtype=object), index=range(1, len(grid) + 1))])
            grid.columns = range(grid.shape[1])
        return _map_from_frame(grid, "<Column Map>", sheet or "Column Map")
    p = Path(path_or_grid)
    label = p.name
    try:
        if p.suffix.lower() in sources.EXCEL_SUFFIXES:
            grid, sheet_name = sources.read_sheet_grid(p, sheet, default_sheet="Column Map", label=label)
        else:
            if not p.exists():
                raise sources._fail("file not found", label, expected=f"an existing file ({p})")
            grid, sheet_name = sources.read_csv_grid(p, label=label), ""
    except InputErrors as e:
        return {}, e.errors
    return _map_from_frame(grid, label, sheet_name)


def read_column_map(path_or_grid, *, sheet: str | None = None) -> dict[str, dict[str, str]]:
    """The column map: ``{table_name: ColumnMap({source_header: canonical_column})}`` from a
    CSV/Excel file (``--map FILE``; an Excel file's ``Column Map`` sheet, else its first) or a
    grid / DataFrame.  Columns ``table``, ``source_column``, ``canonical_column`` (also
    ``source`` / ``canonical``); ``table`` may be a table name (``open_items``) or its sheet
    name (``Open Items``), and may be left blank to apply the entry to every table that has
    that column.  Optional columns ``source_value``, ``canonical_value`` map VALUES too: the
    row ``open_items, Belegart, doc_type, DR, INV`` says the column ``Belegart`` feeds
    ``doc_type`` and its value ``DR`` means ``INV`` (:attr:`ColumnMap.value_map`; compared
    stripped and upper-cased).  Raises :class:`InputErrors` listing every bad entry."""
    mapping, errors = load_column_map(path_or_grid, sheet=sheet)
    if errors:
        raise InputErrors(errors)
    return mapping


def table_column_map(column_map, table_name: str) -> dict | None:
    """One table's column map from either form :func:`load_table` takes (see :func:`_map_for`)."""
    return _map_for(column_map, table_name)


def _map_for(column_map, table_name: str) -> dict | None:
    """Accept either one table's map ``{source: canonical}`` or the whole ``read_column_map``
    result ``{table: {source: canonical}}``."""
    if not column_map:
        return None
    if all(isinstance(v, dict) for v in column_map.values()):
        return column_map.get(table_name) or None
    return column_map


# ------------------------------------------------------------------ files

def load_table(path, table_name: str, *, sheet: str | None = None, table: str | None = None,
               column_map: dict | None = None, reporting_currency: str | None = None, day_first: bool | None = None,
               decimal_comma: bool | None = None, settings=None, encoding: str | None = None,
               amount_sign: str | None = None, file_label: str | None = None,
               arrow_text: bool = False) -> tuple[pd.DataFrame, list[InputError]]:
    """Read one canonical table from a file: ``(canonical_df, errors)``.

    ``path``: .csv/.txt/.tsv (encoding and delimiter detected, every cell read as text),
    .xlsx/.xlsm/.xlsb (python-calamine; pyxlsb as the .xlsb fallback; a worksheet of an
    .xlsx/.xlsm through fastexcel's typed columns where :mod:`~xl_collections.io.fastsheet` can
    promise the same result), or for ``payments``
    a BAI2 / MT940 / camt.053 / camt.054 bank file.  ``sheet`` names the worksheet (default:
    the table's own sheet, e.g. ``Open Items``, when the workbook has it, else the first);
    ``table`` names an Excel table (ListObject) instead.  ``column_map``: source header ->
    canonical column, for this table or keyed by table name.  ``settings`` (a
    :class:`~xl_collections.core.settings.Settings`) supplies ``reporting_currency``, ``day_first``,
    ``decimal_comma`` (None: detected per file), ``encoding`` (a CSV's; blank: detected) and
    ``amount_sign`` (``signed`` or ``by_type``) where they are not given, and a workbook's
    guard limits (``MaxPartMB``, ``MaxZipRatio``).  When ``errors`` is
    not empty the frame must not be used.  The frame's ``attrs["warnings"]`` lists what was
    accepted with a remark (control characters removed, an encoding detected);
    ``attrs["source"]["encoding"]`` names a CSV's encoding.  ``arrow_text``: a CSV's text columns
    read by pyarrow stay Arrow-backed (:func:`~xl_collections.io.validate.validate`)."""
    if table_name not in TABLES:
        raise ValueError(f"unknown table {table_name!r}; expected one of {', '.join(TABLES)}")
    if reporting_currency is None:
        reporting_currency = getattr(settings, "reporting_currency", None) or "USD"
    if day_first is None:
        day_first = bool(getattr(settings, "day_first", False))
    if decimal_comma is None:
        decimal_comma = getattr(settings, "decimal_comma", None)
    encoding = encoding or getattr(settings, "encoding", None) or None
    amount_sign = amount_sign or getattr(settings, "amount_sign", None) or "signed"
    p = Path(path)
    big = arrow_sources.table_source(path)
    label = file_label or (big.label if big else p.name)
    cmap = _map_for(column_map, table_name)
    kw = dict(column_map=cmap, reporting_currency=reporting_currency, day_first=day_first,
              decimal_comma=decimal_comma, amount_sign=amount_sign)
    schema = TABLES[table_name]
    try:
        if big is not None:
            headers, columns = read_columns(big, table_name)
            n = len(columns[0]) if columns else 0
            return table_from_columns(headers, columns, np.arange(2, 2 + n), table_name, header_row=1, file=label,
                                      **kw)
        if not p.exists():
            raise sources._fail("file not found", label, table_name, expected=f"an existing file ({p})")
        if p.is_dir():
            raise sources._fail("is a folder, not a file", label, table_name, expected="a .csv, .xlsx, .xlsm or .xlsb file")
        suffix = p.suffix.lower()
        if table_name == "payments" and suffix not in sources.EXCEL_SUFFIXES:
            bank = _bank_payments(p, label, reporting_currency)
            if bank is not None:
                return bank, []
        if suffix in sources.EXCEL_SUFFIXES:
            limits = limits_of(settings)      # MaxPartMB, MaxZipRatio (--settings FILE) for the guard
            if table:
                grid, sheet_name, hrow = sources.read_table_grid(p, table, label=label, table=table_name,
                                                                 limits=limits)
                return table_from_grid(grid, table_name, file=label, sheet=sheet_name, header_row=hrow, **kw)
            fast, marks = _read_sheet_fast(p, sheet, schema.sheet, label, table_name, limits, kw)
            if fast is not None:       # the same cells, typed per column by fastexcel
                return fast
            with sources.sheet_rows(p, sheet, default_sheet=schema.sheet, label=label, table=table_name,
                                    limits=limits, guard_marks=marks) as src:
                rows, src.rows = src.rows, iter(())
                return table_from_rows(rows, table_name, width=src.width, col_offset=src.col_offset, file=label,
                                       sheet=src.name, merged=src.merged, error_cells=src.error_cells,
                                       release=src.close, **kw)
        if suffix == ".xls":
            raise sources._fail("the old .xls format is not read", label, table_name,
                                expected="the workbook saved as .xlsx, .xlsm or .xlsb, or a CSV export")
        _check_not_zip(p, label, table_name)
        fast = arrow_sources.read_csv_arrow(p, header_is_first=lambda cells: _header_first(cells, table_name, cmap),
                                            encoding=encoding)
        if fast is not None:           # the same cells on the same lines, parsed by pyarrow
            n = len(fast.columns[0])
            out, errors = table_from_columns([_header_text(h) for h in fast.header], fast.columns,
                                             np.arange(2, 2 + n), table_name, header_row=1, file=label,
                                             arrow_text=arrow_text, **kw)
            out.attrs["source"] = {**out.attrs.get("source", {}), "encoding": fast.encoding}
            return out, errors
        csv_file = sources.read_csv_file(p, label=label, encoding=encoding)
        out, errors = table_from_rows(csv_file.cells, table_name, labels=np.asarray(csv_file.lines, dtype="int64"),
                                      file=label, sheet="", field_counts=csv_file.fields, **kw)
        out.attrs["source"] = {**out.attrs.get("source", {}), "encoding": csv_file.encoding}
        if csv_file.detected:
            out.attrs["warnings"] = [InputError(f"read as {csv_file.encoding} (detected; --encoding NAME or the "
                                                f"Encoding setting says otherwise)", table_name, label),
                                     *out.attrs.get("warnings", [])]
        return out, errors
    except InputErrors as e:
        return _empty_result(table_name, reporting_currency, label, sheet or ""), e.errors


def _read_sheet_fast(p: Path, sheet, default_sheet: str, label: str, table_name: str, limits: dict, kw: dict):
    """A worksheet through :mod:`~xl_collections.io.fastsheet` -> ``((canonical_df, errors), marks)``,
    its header row found in its first rows as :func:`table_from_rows` finds it; ``(None, marks)``
    when only the careful reader can be sure of the cells (title rows are fine, error cells and
    merged headers are not: see the module); ``marks``: what the guard saw of the file's sheets
    once it has passed it, else None."""
    with fastsheet.FastSheet(p, sheet, default_sheet=default_sheet, label=label, table=table_name,
                             limits=limits, head_rows=HEADER_SCAN_ROWS * 4) as fs:
        return table_from_fast_sheet(fs, table_name, file=label, **kw), fs.guard_marks


def table_from_fast_sheet(fs: fastsheet.FastSheet, table_name: str, *, file: str = "", accept=None,
                          **kw) -> tuple[pd.DataFrame, list[InputError]] | None:
    """An open :class:`~xl_collections.io.fastsheet.FastSheet` (its first ``HEADER_SCAN_ROWS * 4``
    rows read) -> ``(canonical_df, errors)`` as :func:`table_from_rows` gives them for the same
    cells, its header row found in its first rows as :func:`table_from_rows` finds it; None when
    only the careful reader can be sure (see :mod:`~xl_collections.io.fastsheet`), or when
    ``accept(header_row)`` says no.  ``kw``: :func:`table_from_columns`'s (``column_map`` …)."""
    head = fs.head
    if not head:
        return None
    labels = np.arange(1, len(head) + 1)
    header_row = find_header_row(_frame(head, labels, fs.width), table_name, kw.get("column_map"))
    if header_row is None or (accept is not None and not accept(int(header_row))):
        return None
    header_row = int(header_row)
    row = head[header_row - 1]
    headers = [_header_text(v) for v in row] + [""] * max(0, fs.width - len(row))
    got = fs.columns(header_row, CHUNK_ROWS)
    if got is None:
        return None
    columns, row_labels = got
    return table_from_columns(headers, columns, row_labels, table_name, header_row=header_row,
                              col_offset=fs.col_offset, file=file, sheet=fs.name, **kw)


def read_warnings(tables: dict) -> list[InputError]:
    """What the readers accepted with a remark (each table's ``attrs["warnings"]``: control
    characters removed, an encoding detected, an open amount above its amount), in order."""
    return [w for df in tables.values() if df is not None for w in df.attrs.get("warnings", ())]


def _header_first(cells: np.ndarray, table_name: str, column_map) -> bool:
    """Whether :func:`find_header_row` takes the first of these CSV records (line 1) as the header."""
    frame = pd.DataFrame(cells, index=pd.Index(np.arange(1, len(cells) + 1)), dtype=object)
    return find_header_row(frame, table_name, column_map) == 1


def read_columns(src, table_name: str = "") -> tuple[list[str], list[pd.Series]]:
    """A Parquet file or DuckDB table (:class:`~xl_collections.io.arrow_sources.TableSource`)
    whole: ``(header texts, typed columns)``; its first record is row 2."""
    headers, parts = [], []
    for h, cols, _ in arrow_sources.iter_batches(src, table_name):
        headers = [_header_text(x) for x in h]
        parts.append([c if isinstance(c, pd.Series) else type_column(c) for c in cols])
    return headers, [combine_chunks([p[c] for p in parts]) for c in range(len(headers))]


def iter_tables(src, table_name: str, *, batch_rows: int = arrow_sources.BATCH_ROWS, column_map: dict | None = None,
                reporting_currency: str = "USD", day_first: bool = False, decimal_comma: bool | None = None,
                amount_sign: str = "signed"):
    """A Parquet file or DuckDB table read in batches of ``batch_rows`` records, each validated
    on its own: ``(canonical_df, errors)`` per batch, rows named as in the whole table.  What
    needs every row at once (a document number repeated in another batch) is the caller's
    (:mod:`xl_collections.ar.aging_outofcore`)."""
    label = src.label
    cmap = _map_for(column_map, table_name)
    for h, cols, first in arrow_sources.iter_batches(src, table_name, batch_rows):
        headers = [_header_text(x) for x in h]
        columns = [c if isinstance(c, pd.Series) else type_column(c) for c in cols]
        n = len(columns[0]) if columns else 0
        yield table_from_columns(headers, columns, np.arange(first, first + n), table_name, header_row=1, file=label,
                                 column_map=cmap, reporting_currency=reporting_currency, day_first=day_first,
                                 decimal_comma=decimal_comma, amount_sign=amount_sign)


def _check_not_zip(p: Path, label: str, table_name: str) -> None:
    with open(p, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK\x03\x04"):
        raise sources._fail(f"looks like an Excel workbook but is named {p.suffix or 'without extension'}", label,
                            table_name, expected="the file renamed to .xlsx/.xlsm/.xlsb")


def _bank_payments(p: Path, label: str, reporting_currency: str):
    # imported here for a command's start-up: the bank-file parsers (and the mt940 package) are
    # only needed when a payments file is read
    from . import bank

    if bank.detect_format(p) is None:
        return None
    result = bank.read_bank_file(p, reporting_currency=reporting_currency, file_label=label)
    pay = getattr(result, "payments", result)
    if hasattr(result, "summary"):     # every entry accounted for: payments, returns, other debits (issue 23)
        pay.attrs["bank_summary"] = dict(result.summary)
    return pay


def read_table(path, table_name: str, **kwargs) -> pd.DataFrame:
    """:func:`load_table`, raising :class:`InputErrors` (every problem at once) instead of
    returning errors."""
    df, errors = load_table(path, table_name, **kwargs)
    if errors:
        raise InputErrors(errors)
    return df
