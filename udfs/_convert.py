"""Excel ranges <-> DataFrames for the xlwings UDFs, and errors Excel can show.

What Excel hands a UDF (xlwings on Windows/macOS): a single cell as a scalar, a range as a
list of rows (``@xw.arg(..., ndim=2)`` makes even one cell or one row a list of rows);
dates as ``datetime``, numbers as ``float``, blanks as ``None``, error cells (``#N/A`` …)
as their text when the argument has ``err_to_str=True``.

A table range has its headers in its first row.  :func:`range_to_frame` turns it into the
raw DataFrame that :func:`xl_collections.io.validate.validate` checks (row numbers in
errors count from the range's first row = 1, the header); :func:`frame_to_range` turns a
result table back into a header row plus rows, money as float major units.

A UDF never shows a Python traceback in a cell: :func:`guard` turns any failure into a
``#XLC! …`` text that says what is wrong.
"""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import numpy as np
import pandas as pd

from xl_collections.core.dates import DateError, parse_date
from xl_collections.core.errors import InputErrors
from xl_collections.io.validate import EXCEL_ERRORS
from xl_collections.core.money import MINOR_UNITS, to_float

PREFIX = "#XLC!"


class UdfError(ValueError):
    """A problem with a UDF argument; shown in the cell as ``#XLC! <message>``."""


def xlc_error(message: str) -> str:
    return f"{PREFIX} {message}"


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and np.isnan(value))


def is_error(value) -> bool:
    return isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS


def check_cell(value, name: str):
    """Raise UdfError for a blank or Excel-error argument; else return it."""
    if is_error(value):
        raise UdfError(f"{name} is an Excel error ({value.strip()})")
    if is_blank(value):
        raise UdfError(f"{name} is blank")
    return value


def as_date(value, name: str, *, day_first: bool = False) -> dt.date:
    """A date argument (datetime, Excel serial, or text) -> date; UdfError otherwise."""
    check_cell(value, name)
    try:
        d = parse_date(value, day_first=day_first)
    except DateError as e:
        raise UdfError(f"{name} {value!r} is not a date: expected {e.expected}") from None
    if d is None:  # pragma: no cover - check_cell caught blanks
        raise UdfError(f"{name} is blank")
    return d


def as_decimal(value, name: str) -> Decimal:
    """A number argument (float/int/numeric text) -> Decimal; UdfError otherwise."""
    check_cell(value, name)
    if isinstance(value, bool):
        raise UdfError(f"{name} is TRUE/FALSE: expected a number")
    try:
        if isinstance(value, float):
            if not np.isfinite(value):
                raise ValueError
            return Decimal(repr(value))
        if isinstance(value, int | np.integer):
            return Decimal(int(value))
        d = Decimal(str(value).strip().replace(",", ""))
        if not d.is_finite():
            raise ValueError
        return d
    except (ValueError, ArithmeticError):
        raise UdfError(f"{name} {value!r} is not a number") from None


def rows_of(values) -> list[list]:
    """Whatever xlwings passed for a range -> a list of rows."""
    if values is None or (isinstance(values, (list, tuple)) and not values):
        return []
    if isinstance(values, (list, tuple)):
        if values and all(isinstance(r, (list, tuple)) for r in values):
            return [list(r) for r in values]
        return [list(values)]  # one row
    return [[values]]


def range_to_frame(values) -> pd.DataFrame:
    """A range with headers in its first row -> raw DataFrame (cells as Excel gave them).

    Trailing all-blank rows (a range drawn larger than the data) are dropped; blank headers
    become ``column<N>``; repeated headers get ``.2``, ``.3``.  The index stays a RangeIndex,
    so the validator numbers data rows from 2 (the header is row 1 of the range)."""
    rows = rows_of(values)
    if not rows:
        raise UdfError("the range is empty: expected a header row and data rows")
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    header, data = rows[0], rows[1:]
    while data and all(is_blank(v) for v in data[-1]):
        data.pop()
    names, seen = [], {}
    for j, h in enumerate(header):
        name = f"column{j + 1}" if is_blank(h) else (str(int(h)) if isinstance(h, float) and h.is_integer() else str(h).strip())
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
    cols = {n: pd.Series([r[j] for r in data], dtype=object) for j, n in enumerate(names)}
    return pd.DataFrame(cols, index=pd.RangeIndex(len(data)))


def to_table(values, table_name: str, *, reporting_currency: str = "USD", day_first: bool = False,
             name: str = "range") -> pd.DataFrame:
    """A range with headers -> canonical table; raises InputErrors naming range rows/columns."""
    from xl_collections.io.validate import validate

    raw = range_to_frame(values)
    out, errors = validate(raw, table_name, file=name, header_row=1, reporting_currency=reporting_currency,
                           day_first=day_first)
    if errors:
        raise InputErrors(errors)
    return out


def _cell(v):
    if v is None or v is pd.NaT or v is pd.NA:
        return ""
    if isinstance(v, float) and np.isnan(v):
        return ""
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def frame_to_range(df: pd.DataFrame) -> list[list]:
    """A result table -> ``[header, *rows]`` for a spilled dynamic array.  Money columns
    (``df.attrs["money"]``) become float major units of the row's ``currency`` (else
    ``attrs["currency"]``); Decimals floats; dates datetimes; blanks ``""``."""
    money = [c for c in df.attrs.get("money", ()) if c in df.columns]
    default = df.attrs.get("currency", "USD")
    if "currency" in df.columns:
        curs = [c if c in MINOR_UNITS else default for c in df["currency"]]
    else:
        curs = [default] * len(df)
    out = [[str(c) for c in df.columns]]
    cols = [df[c].tolist() for c in df.columns]
    for i in range(len(df)):
        row = []
        for c, vals in zip(df.columns, cols):
            v = vals[i]
            if c in money and not (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))):
                row.append(to_float(int(v), curs[i]))
            else:
                row.append(_cell(v))
        out.append(row)
    return out


def render_input_errors(e: InputErrors, limit: int = 3) -> str:
    parts = []
    for err in e.errors[:limit]:
        where = ", ".join(p for p in (f"row {err.row}" if err.row is not None else "",
                                      f"column {err.column!r}" if err.column else "") if p)
        what = err.message + (f" ({err.value!r})" if err.value != "" else "")
        parts.append(f"{where}: {what}" if where else what)
    more = f" … and {len(e.errors) - limit} more" if len(e.errors) > limit else ""
    return xlc_error("; ".join(parts) + more)


def guard(fn):
    """Wrap a UDF so every failure becomes a ``#XLC! …`` string (never a traceback)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UdfError as e:
            return xlc_error(str(e))
        except InputErrors as e:
            return render_input_errors(e)
        except (ValueError, ArithmeticError) as e:
            return xlc_error(str(e))
        except Exception as e:  # noqa: BLE001 - a cell must show text, not a traceback
            return xlc_error(f"{type(e).__name__}: {e}")
    return wrapper
