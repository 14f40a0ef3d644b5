"""Calendar dates from what workbooks and exports hold.

Accepted: Excel serial numbers (1900 date system, as Excel counts them), ``datetime`` /
``date`` / pandas timestamps (time of day dropped), ISO text (``2026-10-31``,
``2026-10-31T00:00:00``, ``2026/10/31``), dotted day-first text (``31.10.2026``), month
names (``31-Oct-2026``, ``Oct 31, 2026``), and slashed text read month-first
(``10/31/2026``) unless the ``DayFirst`` setting says day-first (``31/10/2026``).
"""
from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 once Excel's 1900 leap-year bug is skipped
_MIN_SERIAL, _MAX_SERIAL = 1, 2958465  # 1900-01-01 .. 9999-12-31

_ISO_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d.%m.%Y", "%d.%m.%y",
                "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d, %Y", "%b %d %Y", "%d %B %Y", "%B %d, %Y")
_MONTH_FIRST = ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y")
_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y")


class DateError(ValueError):
    def __init__(self, value: object, expected: str):
        super().__init__(f"{value!r} is not a date: expected {expected}")
        self.value = value
        self.expected = expected


def expected_text(day_first: bool) -> str:
    sample = "31/10/2026" if day_first else "10/31/2026"
    return f"a date such as 2026-10-31, {sample} or an Excel date"


def from_serial(serial: float) -> dt.date:
    """Excel serial (1900 system) -> date.  Serials 1..59 are before Excel's phantom 1900-02-29."""
    n = int(serial)
    if not _MIN_SERIAL <= n <= _MAX_SERIAL:
        raise DateError(serial, "an Excel date serial between 1 and 2958465")
    if n < 60:
        return EXCEL_EPOCH + dt.timedelta(days=n + 1)
    if n == 60:
        raise DateError(serial, "a real date (Excel serial 60 is the non-existent 1900-02-29)")
    return EXCEL_EPOCH + dt.timedelta(days=n)


def to_serial(day: dt.date) -> int:
    """date -> Excel serial (1900 system)."""
    n = (day - EXCEL_EPOCH).days
    return n - 1 if n < 61 else n


def parse_date(value: object, *, day_first: bool = False) -> dt.date | None:
    """One cell -> ``datetime.date``; None for a blank; :class:`DateError` otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        raise DateError(value, expected_text(day_first))
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, int | float | np.integer | np.floating):
        if isinstance(value, float | np.floating) and np.isnan(value):
            return None
        if float(value) != int(value):
            # a serial with a time of day: keep the day
            value = int(value)
        return from_serial(value)
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        for fmt in _ISO_FORMATS + (_DAY_FIRST if day_first else _MONTH_FIRST):
            try:
                return dt.datetime.strptime(s, fmt).date()
            except ValueError:
                pass
        try:  # ISO with a time part
            return dt.datetime.fromisoformat(s).date()
        except ValueError:
            pass
        raise DateError(value, expected_text(day_first))
    raise DateError(value, expected_text(day_first))


def parse_date_series(values: pd.Series, *, day_first: bool = False):
    """Vectorised :func:`parse_date`: returns ``(dates, bad)``, ``dates`` a ``datetime64[ns]``
    Series (NaT for blanks and bad cells), ``bad`` a dict index -> DateError."""
    bad: dict = {}
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]") if getattr(values.dt, "tz", None) else values.dt.normalize().astype("datetime64[ns]"), bad
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        days = np.floor(arr)
        ok = ~np.isnan(days) & (days >= _MIN_SERIAL) & (days <= _MAX_SERIAL) & (days != 60)
        for idx in values.index[~np.isnan(days) & ~ok]:
            bad[idx] = DateError(values[idx], "an Excel date serial between 1 and 2958465")
        offs = np.where(days < 60, days + 1, days)
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        base = np.datetime64(EXCEL_EPOCH, "D")
        out[ok] = (base + offs[ok].astype("int64").astype("timedelta64[D]")).astype("datetime64[ns]")
        return out, bad
    # mixed / text: group by the kind of value
    obj = values.astype(object)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_str = obj.map(lambda v: isinstance(v, str))
    strs = obj[is_str].str.strip()
    blank = strs == ""
    strs = strs[~blank]
    remaining = strs
    for fmt in _ISO_FORMATS + (_DAY_FIRST if day_first else _MONTH_FIRST):
        if remaining.empty:
            break
        parsed = pd.to_datetime(remaining, format=fmt, errors="coerce")
        hit = parsed.notna()
        out[parsed.index[hit]] = parsed[hit].astype("datetime64[ns]")
        remaining = remaining[~hit]
    others = obj[~is_str]
    rest = list(remaining.items()) + [(i, v) for i, v in others.items()]
    found_idx, found = [], []
    for idx, v in rest:
        try:
            d = parse_date(v, day_first=day_first)
        except DateError as e:
            bad[idx] = e
            continue
        if d is not None:
            found_idx.append(idx)
            found.append(pd.Timestamp(d))
    if found and values.index.is_unique:    # one assignment instead of one per cell
        out[found_idx] = pd.to_datetime(pd.Series(found, dtype=object)).astype("datetime64[ns]").to_numpy()
    else:
        for idx, d in zip(found_idx, found):
            out[idx] = d
    return out.dt.normalize(), bad


def to_date(value) -> dt.date:
    """As-of date from a date, datetime, Timestamp, numpy datetime64, Excel serial or text."""
    d = parse_date(value)
    if d is None:
        raise ValueError("as_of is blank: expected a date such as 2026-10-31")
    return d


# ---- months and periods (``YYYY-MM``) ------------------------------------------------------

def month_start(d: dt.date) -> dt.date:
    """The first day of ``d``'s month."""
    return d.replace(day=1)


def month_end(d: dt.date) -> dt.date:
    """The last day of ``d``'s month."""
    return dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def previous_month(d: dt.date) -> dt.date:
    """The first day of the month before ``d``'s."""
    return (d.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def period_of(d) -> str:
    """The period (``YYYY-MM``) a date falls in (a date, datetime, Timestamp or ISO text)."""
    return pd.Timestamp(d).strftime("%Y-%m")


def period_number(period: str) -> int:
    """``'2026-10'`` -> 202610."""
    y, m = str(period).split("-")
    return int(y) * 100 + int(m)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """``'2026-10'`` -> (first day, last day) of the month."""
    p = period_number(period)
    first = dt.date(p // 100, p % 100, 1)
    return first, month_end(first)
