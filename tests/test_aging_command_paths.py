"""The aging command's fast paths give what the careful ones give (issue 20): Arrow's strict
date cast, the trim that looks before it copies, text made once per distinct value, the
sorted factorize of customer ids, and the CSV built by Arrow instead of pandas' writer."""
from __future__ import annotations

import datetime as dt
import importlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.ar.aging import factorize_sorted
from xl_collections.core import dates, money
from xl_collections.core.dates import parse_date_series
from xl_collections.io import write
from xl_collections.io.validate import SAMPLE, _all_distinct, _object_text, _trimmed

SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2007\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
text = st.text(alphabet=st.sampled_from(list("aZ09-.'=,\"é€😀") + list(SPACES)), max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(text, st.none()), max_size=12), st.integers(0, 3), st.booleans())
def test_trim_equals_arrows_trim(cells, start, large):
    arr = pa.array(cells, type=pa.large_string() if large else pa.string()).slice(min(start, len(cells)))
    assert _trimmed(arr).equals(pc.utf8_trim_whitespace(arr))


def test_a_column_without_spaces_at_its_ends_is_not_copied():
    arr = pa.array(["C001", "INV 9", "", None, "x"])
    assert _trimmed(arr) is arr
    assert _trimmed(pa.array(["C001", "x "])).to_pylist() == ["C001", "x"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(text, st.none()), min_size=1, max_size=6), st.integers(SAMPLE - 2, SAMPLE + 300))
def test_text_made_per_distinct_value_equals_arrows_own(values, n):
    arr = pa.array([values[i % len(values)] for i in range(n)], type=pa.large_string())
    got = _object_text(arr)
    assert got.dtype == object and list(got) == [v if v is not None else "" for v in arr.to_pylist()]


def test_a_column_of_distinct_values_and_one_of_codes_both_read_right():
    ids = pa.array([f"D{i:07d}" for i in range(SAMPLE * 2)])
    codes = pa.array(["INV", "CM", "DED"] * SAMPLE)
    assert list(_object_text(ids)) == ids.to_pylist()
    got = _object_text(codes)
    assert list(got) == codes.to_pylist() and got[0] is got[3]          # one string per code


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=4), max_size=30))
def test_sorted_factorize_equals_pandas(values):
    s = pd.Series(values, dtype=object)
    codes, uniques = factorize_sorted(s)
    want_codes, want_uniques = pd.factorize(s, sort=True)
    assert list(codes) == list(want_codes) and list(uniques) == list(want_uniques)
    assert uniques.dtype == object


def test_sorted_factorize_of_other_values_is_pandas_own():
    s = pd.Series(["b", 3, "a", None], dtype=object)
    codes, uniques = factorize_sorted(s)
    want_codes, want_uniques = pd.factorize(s, sort=True)
    assert list(codes) == list(want_codes) and list(uniques) == list(want_uniques)


iso = st.dates(dt.date(1850, 1, 1), dt.date(2300, 12, 31)).map(dt.date.isoformat)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(iso, iso, iso, st.sampled_from(["", "2026-02-29", "2024-02-29", "0000-01-01",
                                                          "2026-10-31 ", "2026-1-05", "2026-13-01", "  "]),
                          st.none()), max_size=10))
def test_the_strict_date_cast_equals_the_careful_parse(texts):
    arrow = pd.Series(pd.array(texts, dtype=pd.StringDtype("pyarrow")))
    a, bad_a = parse_date_series(arrow)
    b, bad_b = parse_date_series(pd.Series(["" if t is None else t for t in texts], dtype=object))
    pd.testing.assert_series_equal(a, b, check_names=False)
    assert {k: (str(e.value), e.expected) for k, e in bad_a.items()} == \
        {k: (str(e.value), e.expected) for k, e in bad_b.items()}


def test_the_strict_cast_takes_plain_iso_dates_and_blanks_only():
    got = dates._strict_iso_days(pa.array(["2026-10-31", "", None, "1970-01-02"]))
    assert got[0] == (dt.date(2026, 10, 31) - dt.date(1970, 1, 1)).days and np.isnan(got[1]) and np.isnan(got[2])
    assert got[3] == 1
    for other in ("2026-02-30", "2026-1-05", " 2026-10-31", "31.10.2026", "２０２６-10-31", "  "):
        assert dates._strict_iso_days(pa.array(["2026-10-31", other])) is None


cell = st.one_of(text, st.sampled_from(["", "'=1+2", "-500.00", "C001", "x,y", 'a"b', "a\nb", "a\rb", "\ud800"]))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.lists(st.tuples(cell, cell, st.integers(-2**63, 2**63 - 1)), max_size=8),
       st.sampled_from(["customer_id", "a,b", "'=x", "name"]))
def test_the_arrow_csv_is_the_bytes_pandas_writes(tmp_path_factory, width, rows, head):
    df = pd.DataFrame({head: pd.Series([r[0] for r in rows], dtype=object),
                       "customer_name": pd.Series([r[1] for r in rows], dtype=object),
                       "past_due": pd.Series([r[2] for r in rows], dtype="int64"),
                       "1-30": pd.array([r[0].replace("\ud800", "") for r in rows],
                                        dtype=pd.StringDtype("pyarrow"))}).iloc[:, :width]
    fast = write._plain_csv_bytes(df)
    if fast is None:
        return
    p = tmp_path_factory.mktemp("w") / "x.csv"
    df.to_csv(p, index=False, lineterminator="\n")
    assert fast == p.read_bytes()


def test_a_plain_table_takes_the_arrow_writer_and_reads_back(tmp_path):
    df = pd.DataFrame({"customer_id": ["C1", "'-5", "TOTAL"], "customer_name": ["Ann", "", ""],
                       "past_due": np.array([1, -2, -1], dtype="int64")})
    assert write._plain_csv_bytes(df) == b"customer_id,customer_name,past_due\nC1,Ann,1\n'-5,,-2\nTOTAL,,-1\n"
    assert write._plain_csv_bytes(df.iloc[:0]) == b"customer_id,customer_name,past_due\n"
    assert write._plain_csv_bytes(df.assign(customer_name=["a,b", "", ""])) is None      # quoted: pandas writes it
    assert write._plain_csv_bytes(df.assign(customer_name=[None, "", ""])) is None
    assert write._plain_csv_bytes(df[["customer_id"]]) is None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(cell.filter(lambda v: "\ud800" not in v), st.sampled_from(["-5.00", "'-5", "''=x", "-", "+1"])),
                max_size=10), st.booleans())
def test_escaping_arrow_text_equals_escaping_python_text(values, numbers):
    arrow = write.escape_text_cells(pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow"))), numbers=numbers)
    plain = write.escape_text_cells(pd.Series(values, dtype=object), numbers=numbers)
    assert list(arrow.astype(object)) == list(plain)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.integers(-10**15, 10**15), st.none()), max_size=10), st.sampled_from([0, 2, 3]))
def test_amounts_of_one_currency_render_as_per_row_places_do(minor, places):
    s = pd.Series(pd.array(minor, dtype="Int64"))
    one = money.format_amounts(s, places)
    mixed = money.format_amounts(pd.Series(pd.array(minor + [7], dtype="Int64")), [places] * len(s) + [1])
    per_row = mixed.iloc[:-1]                   # two kinds of places: the per-row path
    assert mixed.iloc[-1] == "0.7"
    assert list(one) == list(per_row) == ["" if m is None else money.format_amount(m, {0: "JPY", 2: "USD", 3: "KWD"}[places])
                                          for m in minor]
    assert one.dtype == per_row.dtype


amount = st.one_of(st.sampled_from(["", " ", "12.50", "-3", "1.234,56", "(5.00)", "1.5", "100", "-0.001", "7.",
                                    "1e5", "12.345", " 8.10 ", "99999999999999", "-12.5"]),
                   st.text(alphabet="0123456789.-", max_size=7))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(amount, st.sampled_from(["USD", "JPY", "KWD", "EUR", "", "XXX"])), max_size=12))
def test_amounts_of_several_currencies_parse_as_the_careful_way(cells):
    texts, curs = [c[0] for c in cells], pd.Series([c[1] for c in cells], dtype=object)
    a, bad_a = money.parse_amount_series(pd.Series(pd.array(texts, dtype=pd.StringDtype("pyarrow"))), curs)
    b, bad_b = money.parse_amount_series(pd.Series(texts, dtype=object), curs)
    pd.testing.assert_series_equal(a, b)
    assert {k: (str(e.value), e.expected) for k, e in bad_a.items()} == \
        {k: (str(e.value), e.expected) for k, e in bad_b.items()}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="ab0é😀 ", max_size=3), st.none()), max_size=8),
       st.sampled_from(["as is", "sorted", "reversed"]))
def test_distinct_document_numbers_are_found_whatever_their_order(values, order):
    if order != "as is":
        values = sorted(values, key=lambda v: (v or "").encode(), reverse=order == "reversed")
    cells = ["" if v is None else v for v in values]
    got = _all_distinct(pd.Series(cells, dtype=object), pa.array(values, type=pa.large_string()))
    assert got == (len(set(cells)) == len(cells))


code_cell = st.sampled_from(["", " ", "INV", "invoice", " Credit Memo ", "cm", "DR", "cr", "S", "H", "+", "-", "OPEN",
                             "disputed", "Hold", "x", "ZZ", "EUR", "usd", "JPY", "XXX", "D", "c", "#N/A", "a\x01b"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(code_cell, code_cell, code_cell, code_cell), min_size=1, max_size=8), st.booleans())
def test_code_columns_check_the_same_through_arrow_and_python(rows, value_map):
    v = importlib.import_module("xl_collections.io.validate")      # the module (io re-exports the function)

    raw = pd.DataFrame({"customer_id": [f"C{i}" for i in range(len(rows))],
                        "document_no": [f"D{i}" for i in range(len(rows))],
                        "doc_type": [r[0] for r in rows], "status": [r[1] for r in rows],
                        "currency": [r[2] for r in rows], "debit_credit": [r[3] for r in rows],
                        "document_date": "2026-10-01", "open_amount": "10.00"})
    raw = raw.astype(pd.StringDtype("pyarrow"))
    cmap = v.ColumnMap(value_map={"doc_type": {"ZZ": "DED"}, "status": {"X": "HOLD"}}) if value_map else None
    fast = v.validate(raw, "open_items", column_map=cmap, decimal_comma=None)
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(v, "_arrow_text", lambda s: None)       # every column the careful way
        careful = v.validate(raw.astype(object), "open_items", column_map=cmap, decimal_comma=None)
    finally:
        mp.undo()
    assert [e.render() for e in fast[1]] == [e.render() for e in careful[1]]
    pd.testing.assert_frame_equal(fast[0], careful[0])
    assert [w.render() for w in fast[0].attrs["warnings"]] == [w.render() for w in careful[0].attrs["warnings"]]
