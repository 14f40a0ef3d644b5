"""Calendar dates from what workbooks and exports hold.

Accepted: Excel serial numbers (1900 date system, as Excel counts them), ``datetime`` /
``date`` / pandas timestamps (time of day dropped), ISO text (``2026-10-31``,
``2026-10-31T00:00:00``, ``2026/10/31``), dotted day-first text (``31.10.2026``), month
names (``31-Oct-2026``, ``Oct 31, 2026``), and slashed text read month-first
(``10/31/2026``) unless the ``DayFirst`` setting says day-first (``31/10/2026``), and
eight digits (text or a number) as ``yyyymmdd`` (``20261031``).

CONTRACT §1: Excel's zero date (serial 0, shown ``1899-12-30`` or ``1900-01-00``) is a blank,
and a date outside :data:`MIN_DATE` … :data:`MAX_DATE` is refused (a :class:`DateError`
naming the range) — never a crash, whatever pandas' own timestamp range.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re

import numpy as np
import pandas as pd

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 once Excel's 1900 leap-year bug is skipped
_MIN_SERIAL, _MAX_SERIAL = 1, 2958465  # 1900-01-01 .. 9999-12-31
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)   # the dates a workbook may hold (CONTRACT §1)
ZERO_DATE = EXCEL_EPOCH                 # Excel's serial 0: a blank cell with a date format
_RANGE = f"a date between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}"
_ZERO_TEXTS = frozenset({"1899-12-30", "1900-01-00", "00.01.1900", "1/0/1900", "01/00/1900", "0/1/1900"})
_YMD_LOW, _YMD_HIGH = 19000101, 21991231
_SERIAL_TEXT = re.compile(r"^-?\d{1,12}(\.\d+)?$")

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


def _in_range(day: dt.date, value: object) -> dt.date | None:
    """``day`` when it lies in MIN_DATE .. MAX_DATE; None for Excel's zero date; else DateError."""
    if day == ZERO_DATE:
        return None
    if not MIN_DATE <= day <= MAX_DATE:
        raise DateError(value, _RANGE)
    return day


def _from_number(value, day_first: bool, shown=None) -> dt.date | None:
    """A number (or digits as text: ``shown``, the value as given) -> a date; see parse_date."""
    shown = value if shown is None else shown
    n = int(value)
    if n == 0:
        return None                       # Excel's zero date
    if _YMD_LOW <= n <= _YMD_HIGH and float(value) == n:
        try:
            day = dt.date(n // 10000, n // 100 % 100, n % 100)
        except ValueError:
            raise DateError(shown, expected_text(day_first)) from None
        return _in_range(day, shown)
    if n > to_serial(MAX_DATE) or n < 0:
        raise DateError(shown, _RANGE + " (an Excel date serial from 1 to 109574, or yyyymmdd)")
    if n == 60:
        raise DateError(shown, "a real date (Excel serial 60 is the non-existent 1900-02-29)")
    return _in_range(from_serial(n), shown)


def parse_date(value: object, *, day_first: bool = False) -> dt.date | None:
    """One cell -> ``datetime.date``; None for a blank (and Excel's zero date); :class:`DateError`
    otherwise, also for a date outside :data:`MIN_DATE` … :data:`MAX_DATE`."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        raise DateError(value, expected_text(day_first))
    if isinstance(value, dt.datetime | pd.Timestamp):
        return _in_range(value.date(), value)
    if isinstance(value, dt.date):
        return _in_range(value, value)
    if isinstance(value, dt.time):
        return None          # a date cell holding serial 0 (and a time of day): Excel's zero date
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return _in_range(dt.date.fromisoformat(str(value.astype("datetime64[D]"))), value)
    if isinstance(value, int | float | np.integer | np.floating):
        if isinstance(value, float | np.floating) and not np.isfinite(value):
            if np.isnan(value):
                return None
            raise DateError(value, _RANGE)
        if abs(value) > 10**9:
            raise DateError(value, _RANGE)
        return _from_number(value, day_first)
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        if s in _ZERO_TEXTS or s.startswith(("1899-12-30 ", "1899-12-30T")):
            return None
        if _SERIAL_TEXT.match(s):        # an Excel serial written as text in a CSV
            return _from_number(float(s), day_first, value)
        for fmt in _ISO_FORMATS + (_DAY_FIRST if day_first else _MONTH_FIRST):
            try:
                day = dt.datetime.strptime(s, fmt).date()
            except ValueError:
                continue
            return _in_range(day, value)
        try:  # ISO with a time part
            day = dt.datetime.fromisoformat(s).date()
        except ValueError:
            raise DateError(value, expected_text(day_first)) from None
        return _in_range(day, value)
    raise DateError(value, expected_text(day_first))


def parse_date_series(values: pd.Series, *, day_first: bool = False):
    """Vectorised :func:`parse_date`: returns ``(dates, bad)``, ``dates`` a ``datetime64[ns]``
    Series (NaT for blanks, the zero date and bad cells), ``bad`` a dict index -> DateError."""
    bad: dict = {}
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if getattr(values.dt, "tz", None):
            values = values.dt.tz_localize(None)
        days = values.dt.normalize()
        zero = (days == pd.Timestamp(ZERO_DATE)).to_numpy(dtype=bool)
        out_of_range = ((days < pd.Timestamp(MIN_DATE)) | (days > pd.Timestamp(MAX_DATE))).to_numpy(dtype=bool) & ~zero
        for idx in values.index[out_of_range]:
            bad[idx] = DateError(values[idx], _RANGE)
        if zero.any() or out_of_range.any():
            days = days.mask(pd.Series(zero | out_of_range, index=days.index))
        return days.astype("datetime64[ns]"), bad
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        days = np.floor(arr)
        top = to_serial(MAX_DATE)
        ok = ~np.isnan(days) & (days >= _MIN_SERIAL) & (days <= top) & (days != 60)
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        base = np.datetime64(EXCEL_EPOCH, "D")
        offs = np.where(days < 60, days + 1, days)
        out[ok] = (base + offs[ok].astype("int64").astype("timedelta64[D]")).astype("datetime64[ns]")
        # the rest one by one: blanks, the zero date, yyyymmdd numbers, and what is refused
        for idx, v in zip(values.index[~ok & ~np.isnan(days)], arr[~ok & ~np.isnan(days)]):
            try:
                d = parse_date(float(v), day_first=day_first)
            except DateError as e:
                bad[idx] = DateError(values[idx], e.expected)
                continue
            if d is not None:
                out[idx] = pd.Timestamp(d)
        return out, bad
    fast = _iso_text_dates(values)
    if fast is not None:             # Arrow text (a CSV's, a Parquet file's): ISO dates at once
        days, settled = fast
        out = pd.Series(days, index=values.index)
        if settled.all():
            return out, bad
        rest, bad = parse_date_series(values[~settled].astype(object), day_first=day_first)
        out[~settled] = rest
        return out, bad
    # mixed / text: group by the kind of value
    obj = values.astype(object)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_str = obj.map(lambda v: isinstance(v, str))
    strs = obj[is_str].str.strip()
    blank = strs == ""
    strs = strs[~blank]
    remaining = strs
    lo, hi = pd.Timestamp(MIN_DATE), pd.Timestamp(MAX_DATE)
    for fmt in _ISO_FORMATS + (_DAY_FIRST if day_first else _MONTH_FIRST):
        if remaining.empty:
            break
        parsed = pd.to_datetime(remaining, format=fmt, errors="coerce")
        # outside the range (and the zero date) go one by one below: refused or blank
        hit = parsed.notna() & (parsed >= lo) & (parsed <= hi)
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


def _iso_text_dates(values: pd.Series):
    """For a column of Arrow-backed text: ``(datetime64[ns] array, settled)`` where ``settled``
    marks the blanks (NaT) and the ``yyyy-mm-dd`` dates within the range, parsed by Arrow; the
    other cells are left to :func:`parse_date_series`'s careful path.  None for other columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (getattr(values.dtype, "storage", None) == "pyarrow" or isinstance(values.dtype, pd.ArrowDtype)):
        return None
    chunks = pa.chunked_array(values.array.__arrow_array__())
    arr = chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()    # one chunk: no copy
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    lo = (MIN_DATE - dt.date(1970, 1, 1)).days
    hi = (MAX_DATE - dt.date(1970, 1, 1)).days
    strict = _strict_iso_days(arr)
    if strict is not None:           # the usual column: one Arrow cast, no regex, no slicing
        days = strict
        ok = ~np.isnan(days) & (days >= lo) & (days <= hi)
        out = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[ns]")
        out[ok] = days[ok].astype("int64").astype("datetime64[D]").astype("datetime64[ns]")
        return out, ok | np.isnan(days)
    arr = pc.utf8_trim_whitespace(arr)
    blank = pc.fill_null(pc.equal(arr, ""), True).to_numpy(zero_copy_only=False)
    iso = pc.fill_null(pc.match_substring_regex(arr, r"^\d{4}-\d{2}-\d{2}$"), False).to_numpy(zero_copy_only=False)
    safe = pc.if_else(pa.array(iso), arr, pa.scalar("1970-01-01", arr.type))
    y, m, d = (pc.cast(pc.utf8_slice_codeunits(safe, i, j), pa.int64()).to_numpy(zero_copy_only=False)
               for i, j in ((0, 4), (5, 7), (8, 10)))
    # the calendar checks it: a day past its month's end (2026-02-30) rolls over and is not taken
    month = ((y - 1970) * 12 + np.clip(m, 1, 12) - 1).astype("datetime64[M]")
    day = month.astype("datetime64[D]") + (np.clip(d, 1, 31) - 1)
    iso &= (m >= 1) & (m <= 12) & (d >= 1) & (day.astype("datetime64[M]") == month)
    days = np.where(iso, day.astype("int64"), np.nan)
    ok = ~np.isnan(days) & (days >= lo) & (days <= hi)
    out = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[ok] = days[ok].astype("int64").astype("datetime64[D]").astype("datetime64[ns]")
    return out, ok | blank


def _strict_iso_days(arr):
    """Days since 1970-01-01 (float64, NaN for a blank ``""`` or a null) when every other cell
    of the Arrow text ``arr`` is exactly ``yyyy-mm-dd`` and a real calendar date (Arrow's cast
    to date32 takes nothing else: ten characters, ASCII digits, no space); else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    empty = pc.equal(arr, "")
    if pc.any(empty).as_py():
        arr = pc.if_else(empty, pa.scalar(None, arr.type), arr)
    try:
        d = pc.cast(arr, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return d.cast(pa.int32()).to_numpy(zero_copy_only=False).astype("float64")


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


def month_number(period: str) -> int:
    """``2026-10`` -> 2026 * 12 + 9: a count of months, so consecutive months are consecutive
    numbers (unlike :func:`period_number`'s 202610, which jumps from 202612 to 202701)."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def period_name(number: int) -> str:
    """Inverse of :func:`month_number`."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """``'2026-10'`` -> (first day, last day) of the month."""
    p = period_number(period)
    first = dt.date(p // 100, p % 100, 1)
    return first, month_end(first)
