"""Write result tables to CSV or XLSX (chosen by the file's extension).

**Every CSV the program writes goes through** :func:`write_csv` (or :func:`write_table` /
:func:`write_tables`, which call it): it is the one place that makes a CSV safe to open in
a spreadsheet (CONTRACT §6 "Files on disk", the OWASP CSV-injection rule).  A text cell
whose value, as written, starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets
one leading apostrophe (``'=2+5``, ``'-12345``); a number (a money column, an int, a float,
a Decimal) is written bare, sign and all.  Every CSV reader drops that one apostrophe again
(:func:`xl_collections.io.sources.read_csv_cells`), so a program CSV reads back as written.
New commands: build a DataFrame and call :func:`write_table` / :func:`write_csv`; never
``DataFrame.to_csv`` or ``csv.writer`` on a file a user may open.

Result DataFrames carry money as integer minor units (like every table inside the engine)
and name their money columns in ``df.attrs["money"]``; the currency of each row is its
``currency`` column, else ``df.attrs["currency"]`` — except for columns named in
``df.attrs["money_currency"]`` (column -> currency), which are in that one currency
whatever the row's (e.g. an aging detail's ``reporting_amount``).  Here, at the edge, money becomes
decimal text (CSV) or a number with an accounting format (XLSX).  Text is always written
as text: a value such as ``=SUM(A1)`` from the data never becomes a formula.
"""
from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.money import MINOR_UNITS, format_amounts, minor_unit, to_decimal
from .outdir import staged_folder

# the first characters that make a spreadsheet read a CSV cell as a formula (OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_TEXT = 32767     # Excel's limit of characters in one cell


def needs_escape(value: str) -> bool:
    """True when ``value`` starts with a formula trigger (``=``, ``+``, ``-``, ``@``, tab, CR),
    or with apostrophes and then one (so that a text that really begins ``'=`` survives the
    reader dropping one apostrophe)."""
    return value.lstrip("'")[:1] in FORMULA_TRIGGERS


def csv_safe(value: str) -> str:
    """``value`` as a CSV text cell: one apostrophe in front when :func:`needs_escape`, else
    unchanged.  ``'-12345'`` (a text id) -> ``"'-12345"``; numbers are never passed here."""
    return "'" + value if needs_escape(value) else value


_NUMBER_TEXT = re.compile(r"^-?\d+(\.\d+)?$")


def escape_text_cells(col: pd.Series, *, numbers: bool = False) -> pd.Series:
    """A column as the CSV will hold it: every ``str`` cell through :func:`csv_safe`; numbers,
    dates, booleans and blanks unchanged (vectorised: only the cells that need it are touched).
    ``numbers``: the column holds numbers already rendered as text (``-500.00``): those cells
    are written bare, any other text in it is escaped."""
    if not (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)):
        return col
    arr = _arrow_of(col)
    if arr is not None:              # Arrow text (money rendered by format_amounts): Arrow's kernels
        import pyarrow as pa
        import pyarrow.compute as pc
        first = pc.utf8_slice_codeunits(pc.utf8_ltrim(arr, characters="'"), 0, 1)
        hit = pc.fill_null(pc.is_in(first, value_set=pa.array(FORMULA_TRIGGERS, type=arr.type)), False)
        hit = hit.to_numpy(zero_copy_only=False)
    elif col.dtype != object:
        first = col.str.lstrip("'").str[:1]
        hit = first.isin(FORMULA_TRIGGERS).to_numpy(dtype=bool, na_value=False)
    else:
        first = col.map(lambda v: v.lstrip("'")[:1] if type(v) is str else "")
        hit = first.isin(FORMULA_TRIGGERS).to_numpy(dtype=bool, na_value=False)
    if numbers and hit.any():        # only the cells that start like a formula: is it a number (-500.00)?
        idx = np.flatnonzero(hit)
        sub = col.iloc[idx]
        if col.dtype != object:
            plain = sub.str.match(_NUMBER_TEXT.pattern).to_numpy(dtype=bool, na_value=False)
        else:
            plain = sub.map(lambda v: type(v) is str and bool(_NUMBER_TEXT.match(v))).to_numpy(dtype=bool)
        hit = hit.copy()
        hit[idx[plain]] = False
    if not hit.any():
        return col
    out = col.astype(object).copy()
    idx = np.flatnonzero(hit)
    out.iloc[idx] = ["'" + v for v in out.iloc[idx]]
    return out


def _arrow_of(col: pd.Series):
    """The pyarrow string array behind an Arrow-backed text column, else None."""
    import pyarrow as pa

    if not isinstance(getattr(col, "array", None), pd.arrays.ArrowStringArray):
        return None
    chunks = pa.chunked_array(col.array.__arrow_array__())
    arr = chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else None


def _has_cr(col: pd.Series) -> bool:
    arr = _arrow_of(col)
    if arr is not None:                # Arrow text: no byte 13 in its character buffer, no CR
        data = arr.buffers()[2]
        if data is None or not (np.frombuffer(data, dtype=np.uint8) == 13).any():
            return False
    if col.dtype == object:
        return "\r" in "".join([v for v in col if type(v) is str])     # one character: the joined text has it
    if pd.api.types.is_string_dtype(col.dtype):
        return bool(col.str.contains("\r", regex=False).fillna(False).any())
    return False


def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, numbers=()) -> Path:
    """The one CSV writer: ``df`` as it stands (money already rendered, e.g. by
    :func:`to_display`) to ``path``, UTF-8, ``\\n`` line ends, no index, every text cell through
    :func:`csv_safe`.  ``numbers``: columns holding numbers rendered as text (``-500.00``),
    written bare.  Written to a temporary file first and renamed, so a failure never leaves
    half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = pd.DataFrame({c: escape_text_cells(df[c], numbers=c in numbers) for c in df.columns}, index=df.index)
    safe.columns = [csv_safe(str(c)) for c in df.columns]
    # Python's csv writer quotes a field holding "\n" but not one holding a bare "\r", which
    # every reader takes for a line end: then every field is quoted (still plain CSV)
    quoting = csv.QUOTE_ALL if any(_has_cr(safe[c]) for c in safe.columns) else csv.QUOTE_MINIMAL
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        plain = _plain_csv_bytes(safe) if quoting == csv.QUOTE_MINIMAL else None
        if plain is None:
            safe.to_csv(tmp, index=False, lineterminator="\n", quoting=quoting)
        else:
            tmp.write_bytes(plain)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


_NEEDS_QUOTES = np.zeros(256, dtype=bool)      # what makes the csv module quote a field (QUOTE_MINIMAL)
_NEEDS_QUOTES[list(b',"\n\r')] = True


def byte_values_in(arr) -> np.ndarray:
    """Which byte values occur in the UTF-8 text of the Arrow text ``arr`` (string or
    large_string): 256 booleans, found in its bytes at once (no byte of a multi-byte character
    is below 0x80)."""
    import pyarrow as pa

    bufs = arr.buffers()
    if not len(arr) or bufs[2] is None:
        return np.zeros(256, dtype=bool)
    width = "int64" if pa.types.is_large_string(arr.type) else "int32"
    offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return np.bincount(data, minlength=256) > 0


def _needs_quotes(arr) -> bool:
    """Whether a cell of the Arrow text ``arr`` holds a comma, a quote or a line break."""
    return bool((byte_values_in(arr) & _NEEDS_QUOTES).any())


def csv_lines(fields: list) -> bytes:
    """The UTF-8 bytes of CSV lines made of ``fields`` (one large_string array per column, each
    field already as the csv module writes it): the fields joined by ``,``, each line ending
    in ``\n``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    lines = pc.binary_join_element_wise(*fields, pa.scalar(",", text))
    lines = pc.binary_join_element_wise(lines, pa.scalar("", text), pa.scalar("\n", text))   # each line, its "\n"
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]


def _plain_csv_bytes(safe: pd.DataFrame) -> bytes | None:
    """The bytes ``safe.to_csv(index=False, lineterminator="\\n")`` writes, built by Arrow, when
    every column is int64 or text without a blank (``None``) and no cell nor header holds a
    comma, a quote or a line break (nothing to quote); else None and pandas writes it.  Two
    columns at least: the csv module quotes the empty field of a one-column row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(safe.columns) < 2:
        return None
    header = [str(c) for c in safe.columns]
    if any(ch in h for h in header for ch in ',"\n\r'):
        return None
    arrays = []
    for c in range(len(safe.columns)):
        col = safe.iloc[:, c]
        if col.dtype == np.int64:
            arr = pc.cast(pa.array(col.to_numpy()), pa.string())
        elif _arrow_of(col) is not None:
            arr = _arrow_of(col)
            if arr.null_count or _needs_quotes(arr):
                return None
        elif col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            values = col.to_numpy(dtype=object)
            if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
                return None
            try:
                arr = pa.array(values, type=pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):   # a lone surrogate
                return None
            if _needs_quotes(arr):
                return None
        else:
            return None
        arrays.append(arr.cast(pa.large_string()))
    head = (",".join(header) + "\n").encode("utf-8")
    if not len(safe):
        return head
    return head + csv_lines(arrays)


def money_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.attrs.get("money", ()) if c in df.columns]


def _currencies(df: pd.DataFrame) -> pd.Series:
    if "currency" in df.columns:
        return df["currency"].where(df["currency"].isin(list(MINOR_UNITS)), df.attrs.get("currency", "USD"))
    return pd.Series(df.attrs.get("currency", "USD"), index=df.index)


def to_display(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with money columns as Decimal major units (None for blanks) and dates as
    ``datetime.date``; for writing and for people, not for arithmetic in the engine."""
    out = df.copy()
    curs = _currencies(df)
    fixed = df.attrs.get("money_currency", {}) or {}
    for col in money_columns(df):
        if col in fixed:
            out[col] = [None if pd.isna(v) else to_decimal(int(v), fixed[col]) for v in df[col]]
        else:
            out[col] = [None if pd.isna(v) else to_decimal(int(v), c) for v, c in zip(df[col], curs)]
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            out[col] = [None if pd.isna(v) else v.date() for v in out[col]]
    out.attrs = {}
    return out


def csv_display(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`to_display` for a CSV: money columns as their text (``-1234.50``, the currency's
    decimals; :func:`~xl_collections.core.money.format_amounts`), built per column instead of one
    Decimal per cell."""
    out = df.copy()
    fixed = df.attrs.get("money_currency", {}) or {}
    money = money_columns(df)
    if money:
        codes, uniques = pd.factorize(_currencies(df), use_na_sentinel=False)   # a few codes: looked up once each
        places = np.array([minor_unit(c) for c in uniques], dtype="int64")[codes]
        for col in money:
            out[col] = format_amounts(df[col], minor_unit(fixed[col]) if col in fixed else places)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            out[col] = [None if pd.isna(v) else v.date() for v in out[col]]
    out.attrs = {}
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, sheet: str = "Sheet1") -> Path:
    """Write one result table; ``.csv`` or ``.xlsx`` by extension.  Written to a temporary
    file first and renamed, so a failure never leaves half a file."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: expected a .csv or .xlsx output file")
    if ext == ".csv":                  # money as text at once, written bare: the same bytes as Decimals
        return write_csv(csv_display(df), path, numbers=money_columns(df))
    disp = to_display(df)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        _write_xlsx(disp, money_columns(df), tmp, sheet)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | os.PathLike) -> list[Path]:
    """One CSV per result table: ``DIR/<name>.csv``, the whole folder written beside ``DIR`` and
    swapped in at the end (:func:`~xl_collections.io.outdir.staged_folder`): one call per run."""
    with staged_folder(Path(out_dir)) as stage:
        for name, df in tables.items():
            write_table(df, stage / f"{name}.csv")
    return [Path(out_dir) / f"{name}.csv" for name in tables]


def _write_xlsx(disp: pd.DataFrame, money: list[str], path: Path, sheet: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    ws = wb.add_worksheet(sheet[:31])
    head = wb.add_format({"bold": True, "bottom": 1})
    money_fmt = wb.add_format({"num_format": "#,##0.00;[Red](#,##0.00);-"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, col in enumerate(disp.columns):
        ws.write_string(0, j, str(col), head)
        ws.set_column(j, j, max(10, min(40, len(str(col)) + 2)))
    for i, row in enumerate(disp.itertuples(index=False), start=1):
        for j, (col, v) in enumerate(zip(disp.columns, row)):
            if v is None or (isinstance(v, float) and pd.isna(v)):
                continue
            if col in money:
                ws.write_number(i, j, float(v), money_fmt)
            elif hasattr(v, "year") and hasattr(v, "month"):
                ws.write_datetime(i, j, pd.Timestamp(v).to_pydatetime(), date_fmt)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, int | float):
                ws.write_number(i, j, float(v))
            else:
                text = str(v)
                if len(text) > XLSX_MAX_TEXT:     # xlsxwriter would cut it silently
                    raise ValueError(f"{path.name}: row {i + 1}, column {col!r} holds {len(text):,} characters, "
                                     f"more than an Excel cell holds ({XLSX_MAX_TEXT:,}); write a .csv instead")
                ws.write_string(i, j, text)
    ws.freeze_panes(1, 0)
    if len(disp.columns):
        ws.autofilter(0, 0, max(len(disp), 1), len(disp.columns) - 1)
    wb.close()
