"""Raw cells -> canonical table, collecting every problem at once.

:func:`validate` is pure: it takes a DataFrame of raw cell values whose columns are the
headers as found in the source (any case, aliases, a user's column map) and returns the
canonical table of :mod:`xl_collections.core.schema` plus a list of
:class:`~xl_collections.core.errors.InputError` records, each naming file, sheet, row, column,
the value found and what was expected.  Nothing is raised for bad data; the caller decides.

Row numbers: when ``raw`` has a default RangeIndex, data row *i* (0-based) is source row
``header_row + 1 + i``; any other index is taken as the source row numbers themselves.
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from ..core.dates import parse_date_series
from ..core.errors import InputError, InputErrors
from ..core.money import MINOR_UNITS, _exponents, detect_decimal_comma, format_amount, parse_amount_series
from ..core.schema import CODE, DATE, MONEY, RATE, TABLES, TEXT, Column, Table
from ..core.terms import TermsError, parse_terms
from ..core.threads import beside

STRAY_GAP = 1_000      # this many blank rows in a row inside a table: what follows is a stray cell

EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!",
                          "#CONNECT!", "#BUSY!", "#N/A!"})


class ColumnMap(dict):
    """One table's column map: ``{source header: canonical column}``, and in ``value_map``
    ``{canonical column: {SOURCE VALUE: canonical value}}`` (values such as SAP's ``DR`` ->
    ``INV``; see :func:`xl_collections.io.readers.read_column_map`)."""

    def __init__(self, *args, value_map: dict | None = None, **kw):
        super().__init__(*args, **kw)
        self.value_map: dict[str, dict[str, str]] = dict(value_map or {})


# identifiers: a control character in one is refused (CONTRACT §1), in other text removed
IDENTIFIERS = frozenset({"customer_id", "document_no", "payment_id", "parent_id", "order_no", "batch_id",
                         "transaction_id", "original_transaction_id", "return_id"})
MAX_CELL_TEXT = 32767                                   # Excel's limit of characters in a cell
_CONTROL_ANY = r"[\x00-\x1f\x7f]"                       # in an identifier: none at all
_CONTROL_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]"   # in other text: what XML cannot hold
_RE2 = {_CONTROL_ANY: _CONTROL_ANY, _CONTROL_XML: r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{fffe}\x{ffff}]"}  # Arrow's syntax
# words exports use for the codes, whatever the Column Map says
VALUE_WORDS = {
    "doc_type": {"INVOICE": "INV", "CREDIT MEMO": "CM", "CREDIT NOTE": "CM", "DEBIT MEMO": "DM", "DEBIT NOTE": "DM",
                 "PAYMENT": "PMT", "DEDUCTION": "DED", "ADJUSTMENT": "ADJ"},
    "debit_credit": {"S": "D", "SOLL": "D", "DEBIT": "D", "DR": "D", "DB": "D", "+": "D",
                     "H": "C", "HABEN": "C", "CREDIT": "C", "CR": "C", "-": "C"},
}
CREDIT_TYPES = ("CM", "PMT")                # doc types whose amounts are negative (CONTRACT §1)
AMOUNT_SIGNS = ("signed", "by_type")


def normalise_header(header: object) -> str:
    """``' Invoice No. '`` -> ``'invoice no'``; ``'Document_No'`` -> ``'document no'``."""
    if type(header) is str:       # the usual case; the header scan asks for the same texts again and again
        return _normalise_text(header)
    return _normalise(header)


def _normalise(header: object) -> str:
    s = str(header).strip().lower().replace("_", " ").replace("\n", " ")
    s = _HEADER_PUNCT.sub("", s)
    return _SPACES.sub(" ", s).strip()


_HEADER_PUNCT = re.compile(r"[.:()\[\]]")
_SPACES = re.compile(r"\s+")
_normalise_text = functools.lru_cache(maxsize=4096)(_normalise)


def match_columns(headers: list, table: Table, column_map: dict | None = None,
                  *, file: str = "", sheet: str = "", header_row: int | None = None):
    """Decide which source column feeds which canonical column.

    Order of precedence: the user's column map (source header -> canonical name), then the
    canonical name itself, then the schema's aliases.  Returns ``(mapping, errors)`` with
    ``mapping`` canonical name -> source header."""
    errors: list[InputError] = []
    by_norm: dict[str, list] = {}
    for h in headers:
        if h is None or (isinstance(h, float) and np.isnan(h)) or str(h).strip() == "":
            continue
        by_norm.setdefault(normalise_header(h), []).append(h)
    mapping: dict[str, object] = {}
    if column_map:
        for src, dst in column_map.items():
            dst_n = normalise_header(dst).replace(" ", "_")
            if dst_n not in table.names:
                errors.append(InputError(f"the column map names {dst!r}, which is not a column of {table.name}",
                                         table.name, file, "Column Map", None, str(src), str(dst),
                                         "one of " + ", ".join(table.names)))
                continue
            found = by_norm.get(normalise_header(src))
            if found:
                mapping[dst_n] = found[0]
    for col in table.columns:
        if col.name in mapping:
            continue
        for cand in (normalise_header(col.name),) + tuple(normalise_header(a) for a in col.aliases):
            found = [h for h in by_norm.get(cand, []) if h not in mapping.values()]
            if found:
                mapping[col.name] = found[0]
                break
    for col in table.columns:
        if col.required and col.name not in mapping:
            alias = ", ".join(repr(a) for a in col.aliases[:4])
            errors.append(InputError(f"required column {col.name!r} is missing", table.name, file, sheet,
                                     header_row, col.name, "",
                                     f"a header {col.name!r}" + (f" (or {alias}, or a Column Map entry)" if alias else "")))
    return mapping, errors


def _row_numbers(raw: pd.DataFrame, header_row: int) -> np.ndarray:
    if isinstance(raw.index, pd.RangeIndex) and raw.index.start == 0 and raw.index.step == 1:
        return np.arange(len(raw), dtype="int64") + header_row + 1
    return raw.index.to_numpy(dtype="int64")


def _arrow_text(s: pd.Series):
    """The column as a trimmed pyarrow string array when every cell is text or blank, else None."""
    import pyarrow as pa

    if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
        return None
    if getattr(s.dtype, "storage", None) == "pyarrow" or isinstance(s.dtype, pd.ArrowDtype):
        # already Arrow-backed (the readers' text columns): no round trip through Python objects
        chunks = pa.chunked_array(s.array.__arrow_array__())
        arr = chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()    # one chunk: no copy
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            return _trimmed(arr)
    try:
        arr = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
        return None
    return _trimmed(arr)


def _trimmed(arr):
    """``pc.utf8_trim_whitespace(arr)``, but ``arr`` itself (no copy of its characters) when no
    cell starts or ends with a byte that could be white space (a control, a space, or any
    non-ASCII byte: those cells are left to Arrow's trim)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    bufs = arr.buffers()
    if len(bufs) != 3 or bufs[1] is None:
        return pc.utf8_trim_whitespace(arr)
    if bufs[2] is None or not len(arr):            # no characters at all
        return arr
    width = "int64" if pa.types.is_large_string(arr.type) else "int32"
    offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    ends_bytes = np.concatenate((data[starts[filled]], data[ends[filled] - 1]))
    if ((ends_bytes <= 0x20) | (ends_bytes >= 0x7F)).any():
        return pc.utf8_trim_whitespace(arr)
    return arr


_UNSET = object()     # "not computed yet" for the ``arr`` arguments below


def is_blank(s: pd.Series, arr=_UNSET) -> np.ndarray:
    """``arr``: ``_arrow_text(s)`` when the caller has it already."""
    import pyarrow.compute as pc

    if arr is _UNSET:
        arr = _arrow_text(s)
    if arr is not None:
        return pc.fill_null(pc.equal(arr, ""), True).to_numpy(zero_copy_only=False)
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        return (s.isna() | s.map(lambda v: isinstance(v, str) and v.strip() == "")).to_numpy(dtype=bool)
    return s.isna().to_numpy(dtype=bool)


def _excel_errors(s: pd.Series, arr=_UNSET) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if arr is _UNSET:
        arr = _arrow_text(s)
    if arr is not None:
        if not pc.any(pc.starts_with(arr, "#")).as_py():     # every error text starts with "#"
            return np.zeros(len(s), dtype=bool)
        hit = pc.is_in(pc.utf8_upper(arr), value_set=pa.array(sorted(EXCEL_ERRORS)))
        return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)
    if s.dtype == object:
        return s.map(lambda v: isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS).to_numpy(dtype=bool)
    return np.zeros(len(s), dtype=bool)


def _text(s: pd.Series, upper: bool = False, arr=_UNSET) -> pd.Series:
    """Cells -> str ('' for blank); integral floats lose their '.0' (Excel stores 123 as 123.0);
    ``upper``: upper-cased (codes).  ``arr``: ``_arrow_text(s)`` when the caller has it already."""
    import pyarrow.compute as pc

    if upper:
        if arr is _UNSET:
            arr = _arrow_text(s)
        if arr is not None:
            return pd.Series(_object_text(pc.utf8_upper(arr)), index=s.index, dtype=object, copy=False)
        return _text(s, arr=arr).str.upper().astype(object)

    if pd.api.types.is_float_dtype(s.dtype):
        vals = s.to_numpy(dtype="float64", na_value=np.nan)
        integral = np.isfinite(vals) & (np.floor(vals) == vals)
        out = np.where(np.isnan(vals), "", s.astype(str).to_numpy(dtype=object))
        out = np.where(integral, np.nan_to_num(vals).astype("int64").astype(str), out)
        return pd.Series(out, index=s.index, dtype=object, copy=False)
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype(str).astype(object)
    if arr is _UNSET:
        arr = _arrow_text(s)
    if arr is not None:
        return pd.Series(_object_text(arr), index=s.index, dtype=object, copy=False)

    def conv(v):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, pd.Timestamp):
            return v.date().isoformat()
        return str(v).strip()
    return s.map(conv).astype(object)


# what pandas makes of a column of Python strings: its Arrow-backed ``str`` (pandas 3), else object
STR_DTYPE = pd.Series(np.array(["a"], dtype=object)).dtype
STR_IS_ARROW = isinstance(STR_DTYPE, pd.StringDtype) and STR_DTYPE.storage == "pyarrow"
THREAD_ROWS = 50_000   # rows from which the amounts are parsed in a thread beside the other columns
SAMPLE = 4096          # cells looked at to tell a column of repeating values (codes, customer ids)


def _object_text(arr) -> np.ndarray:
    """Arrow text -> an object array of ``str`` (null -> ``""``).  When a spread sample of the
    cells repeats a value, the column goes through an Arrow dictionary: one Python string per
    distinct value, shared by its cells (a million cells of five codes make five strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.fill_null(arr, "")
    n = len(arr)
    if n > SAMPLE:
        sample = arr.take(pa.array(np.linspace(0, n - 1, SAMPLE).astype("int64")))
        if len(pc.unique(sample)) < SAMPLE:
            enc = pc.dictionary_encode(arr)
            return enc.dictionary.to_numpy(zero_copy_only=False)[enc.indices.to_numpy(zero_copy_only=False)]
    return arr.to_numpy(zero_copy_only=False)


_TOTAL_LABEL = re.compile(r"^\s*(grand\s+|sub-?)?totals?\s*:?\s*$", re.IGNORECASE)


def _total_row(raw: pd.DataFrame, i: int, table: Table, mapping: dict, blank_by_header: dict):
    """``(position, header, column position)`` when row ``i`` is a total line — a cell reading
    ``Total``/``Grand total``/``Totals:`` and the table's first required text column blank — else None."""
    key = next((c.name for c in table.columns if c.required and c.kind in (TEXT, CODE) and c.name in mapping), None)
    if key is None or not blank_by_header[mapping[key]][i]:
        return None
    for j, h in enumerate(raw.columns):
        v = raw.iat[i, j]
        if isinstance(v, str) and _TOTAL_LABEL.match(v):
            return i, h, j
    return None


def validate(raw: pd.DataFrame, table_name: str, *, file: str = "", sheet: str = "", header_row: int = 1,
             column_map: dict | None = None, reporting_currency: str = "USD", day_first: bool = False,
             decimal_comma: bool | None = False, amount_sign: str = "signed",
             arrow_text: bool = False) -> tuple[pd.DataFrame, list[InputError]]:
    """Convert and check one table.  Returns ``(canonical_df, errors)``; when ``errors`` is not
    empty the frame is partial and must not be used for results.  Warnings (control characters
    removed, an open amount above its amount) are in ``canonical_df.attrs["warnings"]``.

    ``decimal_comma`` None: detected from the table's amounts written as text
    (:func:`~xl_collections.core.money.detect_decimal_comma`).  ``amount_sign`` (the ``AmountSign``
    setting): ``signed`` refuses a credit type (``CM``, ``PMT``) with a positive amount;
    ``by_type`` makes it negative.  ``column_map`` may be a :class:`ColumnMap` whose
    ``value_map`` maps values of code columns (``DR`` -> ``INV``).  ``arrow_text``: a text or code
    column read as Arrow text and left as the cells gave it (trimmed, upper-cased for a code) stays
    Arrow-backed (pandas' ``str``, no Python string per cell); the same values, the same
    messages (for a caller that reads the column's values, such as the ``aging`` command)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = TABLES[table_name]
    errors: list[InputError] = []
    warnings: list[InputError] = []
    value_map = getattr(column_map, "value_map", None) or {}
    rows_all = _row_numbers(raw, header_row)
    absent: dict[str, np.ndarray] = {}
    mapping, map_errors = match_columns(list(raw.columns), table, column_map,
                                        file=file, sheet=sheet, header_row=header_row)
    errors += map_errors

    def err(message, row, column, value="", expected=""):
        errors.append(InputError(message, table.name, file, sheet, None if row is None else int(row),
                                 str(column), "" if value is None else str(value), expected))

    def warn(message, row, column, value="", expected=""):
        warnings.append(InputError(message, table.name, file, sheet, None if row is None else int(row),
                                   str(column), "" if value is None else str(value), expected))

    # blank rows: trailing ones are dropped, ones in the middle are errors
    data = raw[[h for h in mapping.values()]] if mapping else raw.iloc[:, :0]
    blank_row = np.ones(len(raw), dtype=bool)
    # per header, computed once from raw's cells and reused below for the mapped columns while
    # they still hold exactly those cells (no row dropped, no error value blanked)
    blank_by_header: dict = {}
    arrow_by_header: dict = {}          # the trimmed Arrow text of the column (or None: not text)
    for h in raw.columns:
        col = raw[h]
        arrow_by_header[h] = _arrow_text(col)
        b = is_blank(col, arrow_by_header[h])
        blank_by_header[h] = b
        blank_row &= b
    nonblank = np.flatnonzero(~blank_row)
    last = nonblank[-1] + 1 if len(nonblank) else 0
    total = _total_row(raw, last - 1, table, mapping, blank_by_header) if last else None
    if total is not None:   # reported once; the rows above it end the table
        err("a total row at the end of the table", rows_all[total[0]], total[1], raw.iat[total[0], total[2]],
            "only records (the program computes every total): delete the row")
        blank_row[last - 1] = True
        nonblank = np.flatnonzero(~blank_row)
        last = nonblank[-1] + 1 if len(nonblank) else 0
    inside = np.flatnonzero(blank_row[:last])
    strays: list[int] = []
    for run in np.split(inside, np.flatnonzero(np.diff(inside) != 1) + 1) if len(inside) else ():
        if len(run) >= STRAY_GAP:      # a value far below the table (A1048576): one problem, not a million
            after = run[-1] + 1
            h = next(h for h in raw.columns if not blank_by_header[h][after])
            # counted from the row labels: a reader keeps only the ends of a long run of empty rows
            err(f"a value {int(rows_all[run[-1]]) - int(rows_all[run[0]]) + 1:,} blank rows below the records above it "
                f"(rows {rows_all[run[0]]}-{rows_all[run[-1]]} "
                f"are blank)", rows_all[after], h, raw[h].iat[after], "no stray cells below the table: delete it")
            if not blank_row[after:last].any():
                strays.extend(range(after, last))   # the stray rows are not records: no more problems for them
            continue
        for i in run:
            err("blank row inside the table", rows_all[i], "", "", "no blank rows between records (delete the row)")
    keep = ~blank_row
    keep[strays] = False
    keep[last:] = False
    unfiltered = bool(keep.all())
    if not unfiltered:                 # the usual case (no blank rows) copies nothing
        data = data[keep]
        arrow_by_header.clear()

    def arrow(h):
        return arrow_by_header[h] if h in arrow_by_header else _UNSET
    rows = rows_all[keep]
    src = {c: h for c, h in mapping.items()}

    # Excel error values in any mapped column: reported once, then treated as blank
    error_cells: dict[str, np.ndarray] = {}
    for canon, h in src.items():
        hit = _excel_errors(data[h], arrow(h))
        if hit.any():
            for i in np.flatnonzero(hit):
                err("Excel error value in the cell", rows[i], h, data[h].iloc[i],
                    f"a value for {canon} (fix the formula or the source)")
            data = data.copy()
            data.loc[data.index[hit], h] = None
            error_cells[canon] = hit
            blank_by_header.pop(h, None)
            arrow_by_header.pop(h, None)

    out = pd.DataFrame(index=pd.RangeIndex(len(data)))
    exps = None         # the currencies' minor-unit exponents, when the Arrow text gives them at once
    # currency first: money columns need it
    if "currency" in table.names:
        if "currency" in src:
            a = arrow(src["currency"])
            if a is _UNSET or a is None:
                cur = _text(data[src["currency"]], upper=True, arr=a).to_numpy(dtype=object)
                cur = np.where(cur == "", reporting_currency, cur)
                known = pd.Series(cur).isin(list(MINOR_UNITS)).to_numpy()
            else:                          # the same checks on the Arrow text (upper-cased, blanks "")
                ta = pc.fill_null(pc.utf8_upper(a), "")
                cur = _object_text(ta)
                empty = pc.equal(ta, "").to_numpy(zero_copy_only=False)
                known = _isin(pd.Series(cur, dtype=object, copy=False), MINOR_UNITS, ta)
                # _exponents(cur) looked up per distinct code of the Arrow text (a blank: the reporting currency's)
                kinds = pc.unique(ta)
                exps = np.array([MINOR_UNITS.get(k or reporting_currency, 2) for k in kinds.to_pylist()],
                                dtype="int64")[pc.index_in(ta, kinds).to_numpy(zero_copy_only=False)]
                if empty.any():
                    cur = np.where(empty, reporting_currency, cur)
                    known = np.where(empty, reporting_currency in MINOR_UNITS, known)
            for i in np.flatnonzero(~known):
                err("unknown currency", rows[i], src["currency"], cur[i], "an ISO 4217 code such as USD, EUR, GBP")
            out["currency"] = pd.Series(cur, dtype=object, copy=False)    # arrays made here: no copy
        else:
            out["currency"] = pd.Series([reporting_currency] * len(data), dtype=object)
    currencies = out["currency"] if "currency" in out else pd.Series([reporting_currency] * len(data))
    if decimal_comma is None:
        decimal_comma = detect_decimal_comma([data[src[c.name]] for c in table.columns
                                              if c.kind == MONEY and c.name in src])
    raw_money: dict[str, pd.Series] = {}
    arrow_cells: dict = {}
    # the amounts (Arrow's pattern match and cast: no GIL) are parsed in a thread while the text
    # and date columns are checked here; their problems are reported in the column order as before
    money_cols = {c.name: data[src[c.name]].reset_index(drop=True) for c in table.columns
                  if c.kind == MONEY and c.name in src}
    money_currencies = currencies.reset_index(drop=True)

    def parse_money():
        kinds = exps if exps is not None else _exponents(money_currencies) if len(money_cols) > 1 else None
        return {name: parse_amount_series(v, money_currencies, decimal_comma=decimal_comma, exponents=kinds)
                for name, v in money_cols.items()}     # the exponents looked up once for all
    parsed_money = beside(parse_money, len(data) >= THREAD_ROWS and bool(money_cols))

    for col in table.columns:
        if col.name == "currency":
            continue
        h = src.get(col.name)
        if h is None:
            if not col.when_given:
                out[col.name] = _missing_column(col, len(data))
            continue
        values = data[h].reset_index(drop=True)
        # the cells are the raw column's when no row was dropped and no error value blanked
        blank = blank_by_header[h] if unfiltered and h in blank_by_header else is_blank(values, arrow(h))
        if col.required:
            for i in np.flatnonzero(blank & ~error_cells.get(col.name, np.zeros(len(blank), dtype=bool))):
                err(f"{col.name} is blank", rows[i], h, "", f"a value for the required column {col.name}")
        if col.kind in (TEXT, CODE):
            a = arrow(h)
            if a is _UNSET:
                a = _arrow_text(values)
            # ta: the same cells as txt in Arrow (trimmed, upper-cased for a code) while nothing has
            # changed them, for the checks below at Arrow's speed; None once txt differs
            ta = None if a is None else pc.fill_null(pc.utf8_upper(a) if col.kind == CODE else a, "")
            txt = first_txt = (_text(values, upper=col.kind == CODE, arr=a) if ta is None
                               else _arrow_series(ta, values.index) if arrow_text and STR_IS_ARROW
                               else pd.Series(_object_text(ta), index=values.index, dtype=object, copy=False))
            txt = _check_text(txt, a, col.name, h, rows, err, warn)
            if txt is not first_txt:
                ta = None
            words = {**VALUE_WORDS.get(col.name, {}), **value_map.get(col.name, {})}
            if words:
                # Arrow text came trimmed, and upper-cased for a code: nothing to redo per cell
                fast = ta is not None and col.kind == CODE
                key = txt if fast else txt.str.strip().str.upper()
                hit = _isin(key, list(words), ta if fast else None)
                if hit.any():
                    txt = txt.where(~hit, key.map(words))
                    ta = None
            if col.default not in (None, ""):
                empty = pc.equal(ta, "").to_numpy(zero_copy_only=False) if ta is not None else \
                    (txt == "").to_numpy(dtype=bool)
                if empty.any():              # else txt stays as it is
                    txt = txt.where(~empty, col.default)
                    ta = None if ta is None else pc.if_else(pa.array(empty), pa.scalar(col.default, ta.type), ta)
            if col.choices:
                bad = ~_isin(txt, col.choices + ("",), ta)
                for i in np.flatnonzero(bad):
                    err(f"unknown {col.name}", rows[i], h, txt.iloc[i], "one of " + ", ".join(col.choices)
                        + " (or a Column Map row giving what this value means: source_value, canonical_value)")
            if arrow_text and txt is not first_txt and txt.dtype != object:
                txt = txt.astype(object)       # changed cells: Python strings, as without the option
            out[col.name] = txt
            if a is not None and col.kind == TEXT and txt is first_txt:
                arrow_cells[col.name] = a         # the column's cells as Arrow text, for the uniqueness check
        elif col.kind == DATE:
            parsed, bad = parse_date_series(values, day_first=day_first)
            for i, e in bad.items():
                err(f"{col.name} is not a date", rows[i], h, e.value, e.expected)
            if col.required:          # Excel's zero date (1899-12-30, serial 0) is a blank
                zero = parsed.isna().to_numpy(dtype=bool) & ~blank
                for i in np.flatnonzero(zero):
                    if i not in bad:
                        err(f"{col.name} is blank", rows[i], h, values.iloc[i],
                            f"a value for the required column {col.name} (Excel's zero date is a blank)")
            out[col.name] = parsed.reset_index(drop=True)
        elif col.kind == MONEY:
            raw_money[col.name] = values
            minor, bad = parsed_money()[col.name]
            for i, e in bad.items():
                err(f"{col.name} is not an amount", rows[i], h, e.value, e.expected)
            if col.nullable_money:
                out[col.name] = minor
            elif col.default is not None:
                out[col.name] = minor.fillna(col.default).astype("int64")
            elif col.required:
                absent[col.name] = minor.isna().to_numpy(dtype=bool)   # already reported (blank/bad/error)
                out[col.name] = minor.fillna(0).astype("int64")
            else:
                out[col.name] = minor
        elif col.kind == RATE:
            rates = []
            for i, v in enumerate(values.to_numpy(dtype=object)):
                if blank[i]:
                    rates.append(None)
                    continue
                try:
                    d = Decimal(repr(float(v))) if isinstance(v, float | int | np.floating | np.integer) else Decimal(str(v).strip().replace(",", "."))
                    if not d.is_finite() or d <= 0:
                        raise InvalidOperation
                    rates.append(d)
                except (InvalidOperation, ValueError):
                    err(f"{col.name} is not a rate", rows[i], h, v, "a positive number such as 1.0855")
                    rates.append(None)
            out[col.name] = pd.Series(rates, dtype=object)

    _sign_rules(table, out, src, rows, err, warn, raw_money, amount_sign)    # before amount defaults to open_amount
    _table_rules(table, out, src, rows, err, absent, raw_money)
    for name in table.unique:
        if name not in out:
            continue
        # document_no is unique per fiscal_year and item when the export has them (CONTRACT §1)
        parts = [c for c in ("fiscal_year", "item") if name == "document_no" and c in out]
        if not parts and _all_distinct(out[name], arrow_cells.get(name)):      # the usual case, found by one Arrow hash pass
            continue
        key = out[name] if not parts else out[[name, *parts]].astype(str).agg("\x1f".join, axis=1)
        dup = key.duplicated(keep=False).to_numpy() & (out[name] != "").to_numpy()
        if table.name == "payments" and dup.any():
            # the same payment with the same content (a statement loaded twice) is one payment,
            # counted once by the cash application (DUPLICATE_PAYMENT); other content is refused
            dup &= ~out.duplicated(keep="first").to_numpy()
            dup[np.flatnonzero(dup)] = key[dup].duplicated(keep=False).to_numpy()
        first_row = {}
        per = f" per {' and '.join(parts)}" if parts else ""
        for i in np.flatnonzero(dup):
            k = key.iloc[i]
            shown = out[name].iloc[i] if not parts else " / ".join(str(out[c].iloc[i]) for c in (name, *parts))
            if k in first_row:
                what = " with other content" if table.name == "payments" else ""
                err(f"duplicate {name}{what}{per}", rows[i], src.get(name, name), shown,
                    f"each {name} once{per} (also on row {first_row[k]})")
            else:
                first_row[k] = rows[i]
    out = out[[c for c in table.names if c in out.columns]]    # a new frame (copy-on-write): no deep copy
    out["source_row"] = rows.astype("int64")
    out.attrs["table"] = table.name
    out.attrs["source"] = {"file": file, "sheet": sheet}
    out.attrs["reporting_currency"] = reporting_currency
    out.attrs["warnings"] = warnings
    return out, errors


def _arrow_series(ta, index) -> pd.Series:
    """Arrow text without nulls as pandas' Arrow-backed ``str`` column (what pandas 3 makes of a
    column of Python strings), sharing Arrow's buffers."""
    import pyarrow as pa

    chunks = pa.chunked_array([ta]) if isinstance(ta, pa.Array) else ta
    chunks = chunks.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(chunks, dtype=STR_DTYPE), index=index, copy=False)


def _isin(txt: pd.Series, values, ta=None) -> np.ndarray:
    """``txt.isin(values)`` as a bool array; through ``ta``, the same cells as Arrow text, when
    given (and every value is text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if ta is not None:
        try:
            value_set = pa.array(list(values), type=ta.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            value_set = None
        if value_set is not None:
            return pc.fill_null(pc.is_in(ta, value_set=value_set), False).to_numpy(zero_copy_only=False)
    return txt.isin(list(values)).to_numpy(dtype=bool)


def _all_distinct(values: pd.Series, arr=None) -> bool:
    """True when no value repeats (a quick certain answer; False also when it cannot tell).
    ``arr``: the same values as Arrow text when the caller has them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if arr is None:
        try:
            arr = pa.array(values.to_numpy(dtype=object), type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            return False
    arr = pc.fill_null(arr, "")
    if len(arr) > 1:             # sorted exports (document numbers in order): strictly increasing is distinct
        later, earlier = arr.slice(1), arr.slice(0, len(arr) - 1)
        if pc.all(pc.greater(later, earlier)).as_py() or pc.all(pc.less(later, earlier)).as_py():
            return True
    return len(pc.unique(arr)) == len(values)   # unique: 3x faster than count_distinct


def _missing_column(col: Column, n: int) -> pd.Series:
    if col.kind in (TEXT, CODE):
        return pd.Series(np.full(n, col.default if col.default is not None else "", dtype=object), dtype=object,
                         copy=False)
    if col.kind == DATE:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if col.kind == MONEY:
        if col.default is not None and not col.nullable_money:
            return pd.Series(np.full(n, col.default, dtype="int64"), copy=False)
        return pd.Series(pd.array([None] * n, dtype="Int64"))
    return pd.Series([None] * n, dtype=object)


def _table_rules(table: Table, out: pd.DataFrame, src: dict, rows: np.ndarray, err, absent: dict | None = None,
                 raw_money: dict | None = None) -> None:
    """Rules that belong to one table rather than one column.  ``absent``: per required money
    column, the cells that had no usable value (already reported; not checked again)."""
    absent = absent or {}
    if table.name in ("open_items", "register", "ledger") and "amount" in out:
        if table.name == "open_items":
            amt = out["amount"]
            if amt.dtype != "int64":
                out["amount"] = amt.fillna(out["open_amount"]).fillna(0).astype("int64")
    if table.name == "payments" and "amount" in out:
        not_positive = (out["amount"] <= 0).fillna(False).to_numpy(dtype=bool) & ~absent.get("amount", np.zeros(len(out), dtype=bool))
        for i in np.flatnonzero(not_positive):
            err("payment amount is not positive", rows[i], src.get("amount", "amount"),
                _as_given(out, "amount", i, (raw_money or {}).get("amount")),
                "a positive amount received (refunds and returned payments do not belong in payments)")
    if table.name == "customers" and "payment_terms" in out:
        seen: dict[str, bool] = {}
        for i, t in enumerate(out["payment_terms"].to_numpy(dtype=object)):
            if t == "":
                continue
            if t not in seen:
                try:
                    parse_terms(t)
                    seen[t] = True
                except TermsError:
                    seen[t] = False
            if not seen[t]:
                err("unknown payment terms", rows[i], src.get("payment_terms", "payment_terms"), t,
                    "terms such as NET30, 2/10 NET30, EOM45, 15 MFI, DUE ON RECEIPT, COD")
    if table.name in ("gl", "write_offs", "aging_history") and "period" in out:
        values = out["period"].to_numpy(dtype=object)
        norm = {p: normalise_period(p) for p in pd.unique(values)}     # a history repeats a few months
        periods = []
        for i, p in enumerate(values):
            n = norm[p]
            if n is None and p != "":
                err("period is not a month", rows[i], src.get("period", "period"), p, "a period such as 2026-10")
            periods.append(n or p)
        out["period"] = pd.Series(periods, dtype=object)


def _as_given(out: pd.DataFrame, col: str, i: int, raw: pd.Series | None = None) -> str:
    """The value of a money cell as the user wrote it (``-500.00``), never minor units: the raw
    cell when there is one, else the minor units rendered in the row's currency."""
    if raw is not None:
        v = raw.iloc[i]
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    cur = out["currency"].iloc[i] if "currency" in out else "USD"
    return format_amount(int(out[col].iloc[i]), cur if cur in MINOR_UNITS else "USD")


def _check_text(txt: pd.Series, arr, name: str, header, rows: np.ndarray, err, warn) -> pd.Series:
    """CONTRACT §1 "Text": a cell over 32,767 characters is refused; a control character in an
    identifier is refused naming row and column; in other text, control characters other than
    tab and newline are removed, with one warning per column.  ``arr``: the column as trimmed
    Arrow text (None when it is not text) for the fast check."""
    import pyarrow.compute as pc

    ident = name in IDENTIFIERS
    pattern = _CONTROL_ANY if ident else _CONTROL_XML
    if arr is not None:
        too_long = (pc.max(pc.binary_length(arr)).as_py() or 0) > MAX_CELL_TEXT and \
            pc.any(pc.greater(pc.utf8_length(arr), MAX_CELL_TEXT)).as_py()
        control = _maybe_control(arr, ident) and pc.any(pc.match_substring_regex(arr, _RE2[pattern])).as_py()
    else:
        too_long = control = True          # mixed cells: looked at below
    if not (too_long or control):
        return txt
    strs = txt.astype(object)
    if too_long:
        lengths = strs.map(lambda v: len(v) if isinstance(v, str) else 0).to_numpy()
        for i in np.flatnonzero(lengths > MAX_CELL_TEXT):
            err(f"text of {lengths[i]:,} characters in one cell", rows[i], header, strs.iloc[i][:40] + "…",
                f"at most {MAX_CELL_TEXT:,} characters (what an Excel cell holds)")
    if control:
        hit = strs.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            idx = np.flatnonzero(hit)
            if ident:
                for i in idx:
                    err(f"control character in the identifier {name}", rows[i], header, strs.iloc[i],
                        "an identifier of letters, digits and punctuation (no NUL, tab, line break or other "
                        "control character)")
            else:
                shown = ", ".join(str(rows[i]) for i in idx[:5]) + (" …" if len(idx) > 5 else "")
                warn(f"control characters removed from {len(idx):,} cell{'s' if len(idx) != 1 else ''} "
                     f"(rows {shown})", rows[idx[0]], header, strs.iloc[idx[0]],
                     "text without control characters (XML cannot hold them)")
                strs = strs.copy()
                strs.iloc[idx] = strs.iloc[idx].str.replace(pattern, "", regex=True)
                return strs
    return txt


def _maybe_control(arr, ident: bool) -> bool:
    """A quick look at the bytes of an Arrow text array: False when no cell can hold a control
    character (the usual case: the regex is not run), True when one might."""
    bufs = arr.buffers() if hasattr(arr, "buffers") else None
    if bufs is None or len(bufs) < 3:
        return True
    if bufs[2] is None:                   # no characters at all
        return False
    b = np.frombuffer(bufs[2], dtype=np.uint8)
    low = b < 0x20
    if not ident:
        low &= (b != 9) & (b != 10) & (b != 13)
    return bool(low.any() or (b == 0x7F).any() or (not ident and (b == 0xEF).any()))


def _sign_rules(table: Table, out: pd.DataFrame, src: dict, rows: np.ndarray, err, warn, raw_money: dict,
                amount_sign: str) -> None:
    """Signs of amounts (CONTRACT §1): a ``debit_credit`` indicator (D/C) signs amounts exported
    positive; then a credit type (``CM``, ``PMT``) with a positive amount is made negative
    under ``amount_sign="by_type"``, else refused naming the rows in the open items (in a
    ledger it is what the recon reports as posted with the wrong sign); an open amount larger
    than the amount in absolute value is a warning."""
    money = [c for c in ("amount", "open_amount") if c in out and c in src]
    if "debit_credit" in out and "debit_credit" in src:
        dc = out["debit_credit"]
        debit, credit = (dc == "D").to_numpy(dtype=bool), (dc == "C").to_numpy(dtype=bool)
        if debit.any() or credit.any():           # a blank indicator leaves the amount as it is
            for c in money:
                vals = out[c]
                absolute = vals.abs()
                out[c] = vals.where(~debit, absolute).where(~credit, -absolute).astype(vals.dtype)
    if "doc_type" in out and money:
        credit_type = out["doc_type"].isin(CREDIT_TYPES).to_numpy(dtype=bool)
        if credit_type.any():
            if amount_sign == "by_type":
                for c in money:
                    vals = out[c]
                    out[c] = vals.where(~credit_type, -vals.abs()).astype(vals.dtype)
            elif table.name == "open_items":      # a ledger's wrong sign is a finding of the recon, not refused
                for c in money:
                    positive = credit_type & (out[c] > 0).fillna(False).to_numpy(dtype=bool)
                    for i in np.flatnonzero(positive):
                        err(f"a {out['doc_type'].iloc[i]} (a credit) with a positive {c}", rows[i], src[c],
                            _as_given(out, c, i, raw_money.get(c)),
                            "a negative amount (credit memos and unapplied cash are credits); or the setting "
                            "AmountSign = by_type when the export gives every amount positive and the type carries "
                            "the sign")
    if table.name == "open_items" and "amount" in src and "open_amount" in out:
        amt, opn = out["amount"], out["open_amount"]
        over = (opn.abs() > amt.abs()).fillna(False).to_numpy(dtype=bool) & amt.notna().to_numpy(dtype=bool)
        for i in np.flatnonzero(over):
            warn("open amount larger than the document amount", rows[i], src["open_amount"],
                 _as_given(out, "open_amount", i, raw_money.get("open_amount")),
                 f"at most the amount {_as_given(out, 'amount', i, raw_money.get('amount'))} in absolute value")


_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}


def normalise_period(value: str) -> str | None:
    """``2026-10``, ``2026/10``, ``10/2026``, ``Oct 2026``, ``2026-10-31`` -> ``'2026-10'``; None if not a month."""
    s = str(value).strip().upper()
    m = re.match(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?$", s) or re.match(r"^(\d{4})(\d{2})$", s)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
    else:
        m = re.match(r"^(\d{1,2})[-/.](\d{4})$", s)
        if m:
            y, mo = int(m.group(2)), int(m.group(1))
        else:
            m = re.match(r"^([A-Z]{3})[A-Z]*[- ]?(\d{4})$", s)
            if not m or m.group(1) not in _MONTHS:
                return None
            y, mo = int(m.group(2)), _MONTHS[m.group(1)]
    return f"{y:04d}-{mo:02d}" if 1 <= mo <= 12 else None


def canonical(df: pd.DataFrame, table_name: str, *, reporting_currency: str = "USD", day_first: bool = False,
              decimal_comma: bool = False, column_map: dict | None = None, file: str = "<DataFrame>") -> pd.DataFrame:
    """The canonical form of ``df``: returned as is when it already is one (``attrs["table"]``),
    else validated; raises :class:`InputErrors` listing every problem.  For the Python API,
    where callers hand in their own DataFrames (floats, Decimals and text amounts are fine)."""
    if df is None:
        return None
    if df.attrs.get("table") == table_name:
        return df
    out, errors = validate(df, table_name, file=file, header_row=1, column_map=column_map,
                           reporting_currency=reporting_currency, day_first=day_first, decimal_comma=decimal_comma)
    if errors:
        raise InputErrors(errors)
    return out


def empty(table_name: str, reporting_currency: str = "USD") -> pd.DataFrame:
    """An empty canonical table (all columns, right types)."""
    table = TABLES[table_name]
    raw = pd.DataFrame({c.name: pd.Series([], dtype=object) for c in table.columns if not c.when_given})
    out, _ = validate(raw, table_name, reporting_currency=reporting_currency)
    return out
