"""dates.py: Excel serials, datetimes and text dates; every accepted form, every rejection."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.core.dates import (DateError, expected_text, from_serial, month_end, month_start, parse_date, parse_date_series,
                                  period_bounds, period_number, period_of, previous_month, to_serial)

D = dt.date


@pytest.mark.parametrize("serial, day", [
    (1, D(1900, 1, 1)), (59, D(1900, 2, 28)), (61, D(1900, 3, 1)), (45000, D(2023, 3, 15)),
    (46326, D(2026, 10, 31)), (2958465, D(9999, 12, 31)), (46326.75, D(2026, 10, 31)),
])
def test_from_serial(serial, day):
    assert from_serial(serial) == day


@pytest.mark.parametrize("serial", [0, -1, 60, 2958466])
def test_from_serial_rejects(serial):
    with pytest.raises(DateError):
        from_serial(serial)


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(9999, 12, 31)))
def test_serial_round_trip(day):
    assert from_serial(to_serial(day)) == day


def test_to_serial_known_values():
    assert to_serial(D(1900, 1, 1)) == 1 and to_serial(D(1900, 3, 1)) == 61 and to_serial(D(2026, 10, 31)) == 46326


@pytest.mark.parametrize("value, day_first, day", [
    ("2026-10-31", False, D(2026, 10, 31)),
    (" 2026-10-31 ", False, D(2026, 10, 31)),
    ("2026/10/31", False, D(2026, 10, 31)),
    ("20261031", False, D(2026, 10, 31)),
    ("31.10.2026", False, D(2026, 10, 31)),
    ("31.10.26", False, D(2026, 10, 31)),
    ("31-Oct-2026", False, D(2026, 10, 31)),
    ("31-Oct-26", False, D(2026, 10, 31)),
    ("31 Oct 2026", False, D(2026, 10, 31)),
    ("Oct 31, 2026", False, D(2026, 10, 31)),
    ("Oct 31 2026", False, D(2026, 10, 31)),
    ("31 October 2026", False, D(2026, 10, 31)),
    ("October 31, 2026", False, D(2026, 10, 31)),
    ("10/31/2026", False, D(2026, 10, 31)),
    ("1/2/2013", False, D(2013, 1, 2)),
    ("10/31/26", False, D(2026, 10, 31)),
    ("10-31-2026", False, D(2026, 10, 31)),
    ("31/10/2026", True, D(2026, 10, 31)),
    ("1/2/2013", True, D(2013, 2, 1)),
    ("31/10/26", True, D(2026, 10, 31)),
    ("31-10-2026", True, D(2026, 10, 31)),
    ("2026-10-31", True, D(2026, 10, 31)),          # ISO is ISO whatever the setting
    ("2026-10-31T13:45:00", False, D(2026, 10, 31)),
    ("2026-10-31 13:45", False, D(2026, 10, 31)),
    (dt.datetime(2026, 10, 31, 23, 59), False, D(2026, 10, 31)),
    (D(2026, 10, 31), False, D(2026, 10, 31)),
    (pd.Timestamp("2026-10-31 08:00"), False, D(2026, 10, 31)),
    (np.datetime64("2026-10-31"), False, D(2026, 10, 31)),
    (46326, False, D(2026, 10, 31)),
    (46326.5, False, D(2026, 10, 31)),
    (np.int64(46326), False, D(2026, 10, 31)),
    (np.float64(46326.0), False, D(2026, 10, 31)),
])
def test_parse_date_accepts(value, day_first, day):
    assert parse_date(value, day_first=day_first) == day


@pytest.mark.parametrize("value", [None, "", "   ", float("nan"), pd.NaT, pd.NA, np.datetime64("NaT"),
                                   0, 0.0, "1899-12-30", "1900-01-00", D(1899, 12, 30), dt.datetime(1899, 12, 30)])
def test_parse_date_blanks(value):
    """Blanks, and Excel's zero date (serial 0, shown 1899-12-30 or 1900-01-00): CONTRACT §1."""
    assert parse_date(value) is None


@pytest.mark.parametrize("value, day_first", [
    ("31/10/2026", False), ("10/31/2026", True), ("2026-02-30", False), ("2026-13-01", False),
    ("hello", False), ("#N/A", False), (True, False), (-1, False), (60, False), (2958466, False),
    ("9999-12-31", False), ("1899-12-31", False), ("2200-01-01", False), (D(1850, 1, 1), False), (109575, False),
    (dt.datetime(9999, 12, 31), False), ("31.12.9999", False), (20261399, False), ("99991231", False),
    ("13/13/2026", False), ("2026.10.31.5", False), (object(), False), ("31.02.2026", False),
])
def test_parse_date_rejects(value, day_first):
    with pytest.raises(DateError) as exc:
        parse_date(value, day_first=day_first)
    assert "date" in exc.value.expected


def test_expected_text_names_the_setting():
    assert "10/31/2026" in expected_text(False) and "31/10/2026" in expected_text(True)


def test_parse_date_series_text_mixed_and_errors_by_index():
    values = pd.Series(["2026-10-31", "10/31/2026", "", None, "nope", 46326, dt.datetime(2026, 10, 31, 5),
                        D(2026, 10, 31), "31-Oct-2026"], index=range(100, 109), dtype=object)
    out, bad = parse_date_series(values)
    assert str(out.dtype) == "datetime64[ns]"
    assert list(bad) == [104] and bad[104].value == "nope"
    ok = [i for i in values.index if i not in (102, 103, 104)]
    assert (out[ok] == pd.Timestamp("2026-10-31")).all()
    assert out[[102, 103, 104]].isna().all()


def test_parse_date_series_numeric_serials():
    out, bad = parse_date_series(pd.Series([46326.0, np.nan, 1.0, 60.0, 61.0, 0.0, 46326.99]))
    assert out[0] == pd.Timestamp("2026-10-31") and pd.isna(out[1])
    assert out[2] == pd.Timestamp("1900-01-01") and out[4] == pd.Timestamp("1900-03-01")
    assert out[6] == pd.Timestamp("2026-10-31")
    assert sorted(bad) == [3] and pd.isna(out[3]) and pd.isna(out[5])    # 0.0: the zero date, a blank


@pytest.mark.parametrize("day, ok", [(D(1900, 1, 1), True), (D(2199, 12, 31), True), (D(1899, 12, 31), False),
                                     (D(2200, 1, 1), False), (D(9999, 12, 31), False)])
def test_the_range_at_its_edges_in_every_form(day, ok):
    """1900-01-01 … 2199-12-31 (CONTRACT §1), as text, date, yyyymmdd and serial; never a crash."""
    forms = [day.isoformat(), day, day.strftime("%Y%m%d"), int(day.strftime("%Y%m%d")),
             dt.datetime.combine(day, dt.time())]
    if day.year < 2200 and day >= D(1900, 1, 1):
        forms.append(to_serial(day))
    for v in forms:
        if ok:
            assert parse_date(v) == day, v
        else:
            with pytest.raises(DateError, match="date"):
                parse_date(v)
        out, bad = parse_date_series(pd.Series([v], dtype=object))
        assert (not bad and out[0].date() == day) if ok else (list(bad) == [0] and pd.isna(out[0])), v
    text, bad = parse_date_series(pd.Series([day.isoformat()] * 2))
    assert (bad == {}) == ok


def test_series_of_out_of_range_datetimes_and_serials():
    dts = pd.Series(pd.to_datetime(["2026-10-31", "1899-12-30", "2300-01-01"]))
    out, bad = parse_date_series(dts)
    assert list(bad) == [2] and out[0] == pd.Timestamp("2026-10-31") and out[1:].isna().all()
    out, bad = parse_date_series(pd.Series([0.0, 20261031.0, 109575.0, -3.0, 1e300]))
    assert out[1] == pd.Timestamp("2026-10-31") and pd.isna(out[0]) and sorted(bad) == [2, 3, 4]


def test_parse_date_series_datetimes_are_normalised():
    s = pd.Series(pd.to_datetime(["2026-10-31 13:00", None]))
    out, bad = parse_date_series(s)
    assert bad == {} and out[0] == pd.Timestamp("2026-10-31") and pd.isna(out[1])
    tz = pd.Series(pd.to_datetime(["2026-10-31 23:00"]).tz_localize("Europe/Berlin"))
    out, _ = parse_date_series(tz)
    assert out[0] == pd.Timestamp("2026-10-31") and out.dt.tz is None


def test_parse_date_series_day_first():
    out, bad = parse_date_series(pd.Series(["31/10/2026", "01/02/2026"], dtype=object), day_first=True)
    assert bad == {} and list(out) == [pd.Timestamp("2026-10-31"), pd.Timestamp("2026-02-01")]
    out, bad = parse_date_series(pd.Series(["31/10/2026"], dtype=object))
    assert list(bad) == [0]


FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%d-%b-%Y", "%b %d, %Y", "%Y/%m/%d"]


@given(st.dates(min_value=D(1901, 1, 1), max_value=D(2099, 12, 31)), st.sampled_from(FORMATS))
@settings(deadline=None)          # a busy CI machine: no timing asserts
def test_series_agrees_with_scalar(day, fmt):
    text = day.strftime(fmt)
    out, bad = parse_date_series(pd.Series([text, to_serial(day)], dtype=object))
    assert bad == {}
    assert parse_date(text) == day == out[0].date() == out[1].date()


@pytest.mark.parametrize("day,first,last,before,period", [
    (dt.date(2026, 10, 31), dt.date(2026, 10, 1), dt.date(2026, 10, 31), dt.date(2026, 9, 1), "2026-10"),
    (dt.date(2026, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 1, 31), dt.date(2025, 12, 1), "2026-01"),
    (dt.date(2028, 2, 10), dt.date(2028, 2, 1), dt.date(2028, 2, 29), dt.date(2028, 1, 1), "2028-02"),   # leap year
    (dt.date(2026, 12, 15), dt.date(2026, 12, 1), dt.date(2026, 12, 31), dt.date(2026, 11, 1), "2026-12"),
])
def test_months_and_periods(day, first, last, before, period):
    assert (month_start(day), month_end(day), previous_month(day), period_of(day)) == (first, last, before, period)
    assert period_bounds(period) == (first, last)
    assert period_number(period) == int(period.replace("-", ""))
