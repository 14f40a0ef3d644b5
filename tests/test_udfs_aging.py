"""Aging/KPI UDFs called as plain functions (on Linux @xw.func is pass-through), with the
values Excel hands them: datetimes, floats, None for blanks, error text for error cells."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from udfs import _convert as cv
from udfs.aging import XLC_AGING, XLC_BUCKET, XLC_CEI, XLC_DAYS_PAST_DUE, XLC_DSO, XLC_DUE_DATE
from xl_collections.ar.aging import age
from xl_collections.core.errors import InputErrors

AS_OF = dt.datetime(2026, 10, 31)


def is_xlc(v) -> bool:
    return isinstance(v, str) and v.startswith("#XLC! ")


# --- conversion -----------------------------------------------------------------------------

def test_rows_of_shapes():
    assert cv.rows_of(5.0) == [[5.0]]
    assert cv.rows_of([1.0, 2.0]) == [[1.0, 2.0]]
    assert cv.rows_of([[1.0], [2.0]]) == [[1.0], [2.0]]
    assert cv.rows_of(None) == []


def test_range_to_frame_headers_blanks_and_row_numbers():
    rng = [["Customer", None, "Customer", 2026.0], ["C1", 1.0, "x", None], [None, None, None, None], [None, None, None, None]]
    df = cv.range_to_frame(rng)
    assert list(df.columns) == ["Customer", "column2", "Customer.2", "2026"]
    assert len(df) == 1 and df.index.tolist() == [0]   # trailing blank rows dropped
    with pytest.raises(cv.UdfError):
        cv.range_to_frame([])


def test_to_table_validates_and_names_range_rows():
    rng = [["Customer", "Invoice No", "Invoice Date", "Open Amount"],
           ["00123", "A1", dt.datetime(2026, 9, 1), 1234.565],
           ["C2", "A2", 46296.0, -5.0],
           ["C3", "A3", "not a date", 1.0]]
    with pytest.raises(InputErrors) as e:
        cv.to_table(rng, "open_items")
    err = e.value.errors[0]
    assert err.row == 4 and err.column == "Invoice Date" and err.file == "range"
    t = cv.to_table(rng[:3], "open_items")
    assert t["customer_id"].tolist() == ["00123", "C2"]
    assert t["open_amount"].tolist() == [123457, -500]          # 1234.565 -> 1234.57 half away from zero
    assert t["document_date"].tolist() == [pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01")]  # serial 46296


def test_frame_to_range_money_as_major_units():
    df = pd.DataFrame({"k": ["a", "b"], "currency": ["USD", "JPY"], "amt": [12345, 500], "rate": [Decimal("1.5"), None],
                       "d": pd.to_datetime(["2026-10-31", None])})
    df.attrs = {"money": ["amt"], "currency": "USD"}
    out = cv.frame_to_range(df)
    assert out[0] == ["k", "currency", "amt", "rate", "d"]
    assert out[1] == ["a", "USD", 123.45, 1.5, dt.datetime(2026, 10, 31)]
    assert out[2] == ["b", "JPY", 500.0, "", ""]


def test_scalar_checks():
    assert cv.as_date(dt.datetime(2026, 1, 2, 13, 0), "d") == dt.date(2026, 1, 2)
    assert cv.as_date(46326.0, "d") == dt.date(2026, 10, 31)
    assert cv.as_date("2026-10-31", "d") == dt.date(2026, 10, 31)
    for bad, msg in ((None, "is blank"), ("", "is blank"), ("#N/A", "Excel error"), ("soon", "not a date")):
        with pytest.raises(cv.UdfError, match=msg):
            cv.as_date(bad, "d")
    assert cv.as_decimal(0.1, "x") == Decimal("0.1")
    assert cv.as_decimal("1,234.5", "x") == Decimal("1234.5")
    for bad in (None, "#DIV/0!", "abc", True, float("inf")):
        with pytest.raises(cv.UdfError):
            cv.as_decimal(bad, "x")


def test_guard_turns_everything_into_text():
    @cv.guard
    def boom():
        raise KeyError("x")
    assert boom() == "#XLC! KeyError: 'x'"


# --- scalar UDFs ----------------------------------------------------------------------------

@pytest.mark.parametrize("days,label", [(0, "not_due"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (120, "91-120"), (121, "121+")])
def test_days_and_bucket(days, label):
    due = AS_OF - dt.timedelta(days=days)
    assert XLC_DAYS_PAST_DUE(due, AS_OF) == days
    assert XLC_BUCKET(due, AS_OF) == label


def test_bucket_with_other_edges():
    due = AS_OF - dt.timedelta(days=16)
    assert XLC_BUCKET(due, AS_OF, "0,15") == "16+"
    assert XLC_BUCKET(due, AS_OF, [[0.0, 15.0, 30.0]]) == "16-30"
    assert XLC_BUCKET(due, AS_OF, 10.0) == "11+"
    assert XLC_BUCKET(due, AS_OF, None) == "1-30"
    assert is_xlc(XLC_BUCKET(due, AS_OF, "30,10"))


def test_blank_and_error_cells_give_xlc_text():
    assert XLC_DAYS_PAST_DUE(None, AS_OF) == "#XLC! due_date is blank"
    assert XLC_DAYS_PAST_DUE(AS_OF, "#N/A") == "#XLC! as_of is an Excel error (#N/A)"
    assert XLC_BUCKET("tomorrow", AS_OF).startswith("#XLC! due_date 'tomorrow' is not a date")
    assert XLC_DUE_DATE(None, "NET30") == "#XLC! document_date is blank"
    assert is_xlc(XLC_DUE_DATE(AS_OF, "NET3O"))
    assert is_xlc(XLC_DSO(None, 1.0))
    assert is_xlc(XLC_CEI(1.0, 2.0, "#VALUE!", 1.0))


def test_due_date():
    assert XLC_DUE_DATE(dt.datetime(2026, 10, 15), "NET30") == dt.datetime(2026, 11, 14)
    assert XLC_DUE_DATE(dt.datetime(2026, 10, 15), "EOM45") == dt.datetime(2026, 12, 15)
    assert XLC_DUE_DATE(dt.datetime(2026, 10, 15), "15 MFI") == dt.datetime(2026, 11, 15)
    assert XLC_DUE_DATE(dt.datetime(2026, 10, 15), None) == dt.datetime(2026, 10, 15)


def test_dso_and_cei():
    assert XLC_DSO(450000.0, 900000.0, 90.0) == 45.0          # 0.5 × 90
    assert XLC_DSO(450000.0, 900000.0) == 45.0
    assert XLC_DSO(1.0, 0.0).startswith("#XLC! credit_sales is zero")
    assert XLC_CEI(500.0, 1000.0, 600.0, 300.0) == 75.0       # 900 / 1,200 × 100
    assert is_xlc(XLC_CEI(0.0, 0.0, 0.0, 0.0))


# --- XLC_AGING --------------------------------------------------------------------------------

OPEN_ITEMS = [
    ["Customer", "Invoice No", "Invoice Date", "Due Date", "Open Amount", "Currency", "Status"],
    ["C1", "1001", dt.datetime(2026, 9, 1), dt.datetime(2026, 10, 1), 1000.0, "USD", None],
    ["C1", "1002", dt.datetime(2026, 10, 1), None, -250.5, "USD", "DISPUTED"],
    ["C2", "1003", dt.datetime(2026, 6, 1), dt.datetime(2026, 7, 1), 300.0, "EUR", None],
    [None, None, None, None, None, None, None],
]
FX = [["currency", "rate"], ["EUR", 1.0855]]


def test_aging_spills_the_summary():
    out = XLC_AGING(OPEN_ITEMS, AS_OF, None, None, FX)
    assert out[0][:11] == ["customer_id", "customer_name", "currency", "total_open", "not_due", "1-30", "31-60",
                           "61-90", "91-120", "121+", "past_due"]
    body = {r[0]: dict(zip(out[0], r)) for r in out[1:]}
    assert [r[0] for r in out[1:]] == ["C1", "C2", "TOTAL"]
    assert body["C2"]["121+"] == 325.65                     # 300 × 1.0855 = 325.65
    # 1002 has no due date and no customer master: due on its document date 2026-10-01, 30 days
    assert body["C1"]["not_due"] == 0.0 and body["C1"]["1-30"] == 749.5
    assert body["TOTAL"]["total_open"] == 1075.15
    assert body["TOTAL"]["disputed"] == -250.5


def test_aging_agrees_with_the_api():
    oi = cv.to_table(OPEN_ITEMS, "open_items")
    fx = cv.to_table(FX, "fx_rates")
    for basis, edges in (("due", "0,30,60,90,120"), ("document", "0,15")):
        res = age(oi, AS_OF, fx_rates=fx, basis=basis, buckets=edges)
        assert XLC_AGING(OPEN_ITEMS, AS_OF, edges, basis, FX) == cv.frame_to_range(res.summary)


def test_aging_errors_are_readable():
    assert XLC_AGING(OPEN_ITEMS, AS_OF).startswith("#XLC! row 4, column 'currency': no FX rate for EUR")
    assert XLC_AGING(OPEN_ITEMS, None) == "#XLC! as_of is blank"
    assert XLC_AGING(OPEN_ITEMS, AS_OF, "0,30", "posting").startswith("#XLC! basis 'posting'")
    bad = [row[:] for row in OPEN_ITEMS]
    bad[2][4] = "#N/A"
    assert "Excel error" in XLC_AGING(bad, AS_OF, None, None, FX)
    assert XLC_AGING([["x"]], AS_OF).startswith("#XLC! ")
