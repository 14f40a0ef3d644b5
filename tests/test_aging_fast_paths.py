"""The aging's fast paths give what the careful ones give (issue 20): customer ids encoded and
sorted by Arrow, the customer master matched by Arrow, the customer side in a thread of its
own, the summary's text columns made by Arrow, and the open items' text kept Arrow-backed
through validation (``validate(arrow_text=True)``)."""
from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.ar import aging
from xl_collections.ar.aging import _customer_lookup, _text_column, age, factorize_sorted
from xl_collections.core.errors import InputErrors
from xl_collections.io.validate import STR_IS_ARROW, validate

AS_OF = dt.date(2026, 10, 31)
ids = st.text(alphabet=st.sampled_from(list("aAzZ09-_ .éÉß€😀") + ["\u00a0", "\u0301"]), max_size=5)


def arrow_str(values) -> pd.Series:
    return pd.Series(pd.array(list(values), dtype=pd.StringDtype("pyarrow")))


@settings(max_examples=150, deadline=None)
@given(st.lists(ids, max_size=30))
def test_arrow_factorize_equals_pandas_sorted_factorize(values):
    codes, uniques = factorize_sorted(arrow_str(values))
    want_codes, want_uniques = pd.factorize(pd.Series(values, dtype=object), sort=True)
    assert list(codes) == list(want_codes) and list(uniques) == list(want_uniques)
    assert uniques.dtype == object


def test_arrow_ids_with_a_missing_value_take_pandas_own_factorize():
    s = arrow_str(["b", None, "a"])
    codes, uniques = factorize_sorted(s)
    want_codes, want_uniques = pd.factorize(s, sort=True)
    assert list(codes) == list(want_codes) and list(uniques) == list(want_uniques)


@settings(max_examples=100, deadline=None)
@given(st.lists(ids, min_size=1, max_size=12), st.lists(st.tuples(ids, ids), max_size=12))
def test_arrow_master_lookup_equals_the_object_lookup(wanted, master_rows):
    uniques = np.array(sorted(set(wanted)), dtype=object)
    master = pd.DataFrame({"customer_id": [r[0] for r in master_rows], "customer_name": [r[1] for r in master_rows],
                           "region": ["EU" if i % 2 else "US" for i in range(len(master_rows))]})
    as_object = master.astype(object)
    got = _customer_lookup(master.astype({c: pd.StringDtype("pyarrow") for c in master.columns}), uniques,
                           pa.array(list(uniques), type=pa.large_string()))
    want = _customer_lookup(as_object, uniques)          # a repeated id: its first row, as before
    assert got.keys() == want.keys()
    for f in got:
        assert list(got[f]) == list(want[f]) and got[f].dtype == object


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(ids, st.none(), st.just(1), st.just("\ud800")), max_size=8))
def test_the_summary_text_column_is_the_one_pandas_makes(values):
    arr = np.array(values, dtype=object)
    try:
        want = pd.Series(arr)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            pd.Series(_text_column(arr))
        return
    pd.testing.assert_series_equal(pd.Series(_text_column(arr)), want)


def open_items(rng, n, customers, missing_due=0.0, text=object):
    cust = np.array([f"C{i:03d}" for i in range(customers)] + ["é", "Z", "a b"], dtype=object)
    cur = np.array(["USD", "EUR", "JPY"], dtype=object)[rng.integers(0, 3, n)]
    doc = np.datetime64(AS_OF) - rng.integers(0, 200, n).astype("timedelta64[D]")
    due = (doc + rng.choice([0, 30, 60], n).astype("timedelta64[D]")).astype("datetime64[ns]")
    due[rng.random(n) < missing_due] = np.datetime64("NaT")
    amount = rng.integers(-50_000, 500_000, n)
    amount[rng.random(n) < 0.05] = 0
    df = pd.DataFrame({
        "customer_id": pd.Series(cust[rng.integers(0, len(cust), n)], dtype=text),
        "document_no": pd.Series([f"D{i}" for i in range(n)], dtype=text),
        "doc_type": pd.Series(np.where(amount < 0, "CM", "INV"), dtype=text),
        "document_date": doc.astype("datetime64[ns]"), "due_date": due,
        "amount": amount.astype("int64"), "open_amount": amount.astype("int64"),
        "currency": pd.Series(cur, dtype=text),
        "status": pd.Series(np.where(rng.random(n) < 0.2, "DISPUTED", "OPEN"), dtype=text),
        "source_row": np.arange(2, n + 2, dtype="int64")})
    df.attrs["table"] = "open_items"
    master = pd.DataFrame({"customer_id": pd.Series(cust[::2], dtype=text),
                           "customer_name": pd.Series([f"Name {c}" for c in cust[::2]], dtype=text),
                           "payment_terms": pd.Series(["NET30", "EOM45"] * (len(cust[::2]) // 2) + ["NET30"] * (len(cust[::2]) % 2), dtype=text),
                           "region": pd.Series(["EU", "US"] * (len(cust[::2]) // 2) + ["EU"] * (len(cust[::2]) % 2), dtype=text),
                           "collector": pd.Series([""] * len(cust[::2]), dtype=text),
                           "parent_id": pd.Series([cust[1]] * len(cust[::2]), dtype=text),
                           "source_row": np.arange(2, len(cust[::2]) + 2, dtype="int64")})
    master.attrs["table"] = "customers"
    fx = pd.DataFrame({"currency": ["EUR", "JPY"], "rate": [Decimal("1.085512"), Decimal("0.0066913")],
                       "date": pd.to_datetime([AS_OF, AS_OF]), "source_row": [2, 3]})
    fx.attrs["table"] = "fx_rates"
    return df, master, fx


@pytest.mark.parametrize("by", ["customer_id", "region", "parent_id", "currency"])
@pytest.mark.parametrize("seed", [1, 2])
def test_age_of_arrow_text_in_a_thread_equals_age_of_python_strings_inline(monkeypatch, by, seed):
    rng = np.random.default_rng(seed)
    oi, master, fx = open_items(rng, 3_000, 40, missing_due=0.1, text=pd.StringDtype("pyarrow"))
    oi_obj, master_obj = oi.astype({c: object for c in oi.columns if c not in ("document_date", "due_date", "amount", "open_amount", "source_row")}), master.astype({c: object for c in master.columns if c != "source_row"})
    oi_obj.attrs, master_obj.attrs = dict(oi.attrs), dict(master.attrs)
    monkeypatch.setattr(aging, "THREAD_ROWS", 0)            # the customer side in a thread
    fast = age(oi, AS_OF, customers=master, fx_rates=fx, by=by)
    monkeypatch.setattr(aging, "THREAD_ROWS", 10 ** 9)      # inline, Python strings: the careful path
    slow = age(oi_obj, AS_OF, customers=master_obj, fx_rates=fx, by=by)
    pd.testing.assert_frame_equal(fast.summary, slow.summary)
    assert fast.summary.attrs == slow.summary.attrs and fast.rates == slow.rates
    pd.testing.assert_frame_equal(fast.detail, slow.detail, check_dtype=False)   # the input's own text dtype
    derived = ["due_date", "basis_date", "days_past_due", "bucket", "fx_rate", "reporting_amount",
               "customer_name", "region", "collector", "parent_id"]
    pd.testing.assert_frame_equal(fast.detail[derived], slow.detail[derived])


@pytest.mark.parametrize("thread_rows", [0, 10 ** 9])
def test_unknown_terms_are_still_reported_before_a_missing_rate(monkeypatch, thread_rows):
    monkeypatch.setattr(aging, "THREAD_ROWS", thread_rows)
    oi, master, fx = open_items(np.random.default_rng(3), 200, 10, missing_due=0.5)
    master.loc[:, "payment_terms"] = "NET 30 DAYS OR SO"
    with pytest.raises(InputErrors) as e:
        age(oi, AS_OF, customers=master, fx_rates=fx.iloc[:1])          # JPY has no rate either
    assert [x.message for x in e.value.errors] == ["unknown payment terms"]
    with pytest.raises(InputErrors) as e:
        age(oi, AS_OF, fx_rates=fx.iloc[:1])
    assert all("JPY" in x.render() for x in e.value.errors)


def test_an_error_in_the_customer_thread_is_raised_by_age(monkeypatch):
    monkeypatch.setattr(aging, "THREAD_ROWS", 0)

    def boom(*a, **k):
        raise RuntimeError("lookup failed")
    monkeypatch.setattr(aging, "_customer_lookup", boom)
    oi, master, fx = open_items(np.random.default_rng(4), 50, 5)
    with pytest.raises(RuntimeError, match="lookup failed"):
        age(oi, AS_OF, customers=master, fx_rates=fx)


cell = st.one_of(st.sampled_from(["", " ", "C001", " c001 ", "invoice", "CM", "credit memo", "disputed", "Open",
                                  "x\x01y", "\t", "é", "00123", "=1+2", "INV"]), ids)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(cell, cell, cell, cell, st.sampled_from(["100.00", "-5.5", "", "1,5", "x"])),
                min_size=1, max_size=10))
def test_arrow_text_validation_equals_the_careful_one(rows):
    raw = pd.DataFrame({
        "customer_id": arrow_str(r[0] for r in rows), "document_no": arrow_str(r[1] for r in rows),
        "doc_type": arrow_str(r[2] for r in rows), "status": arrow_str(r[3] for r in rows),
        "document_date": arrow_str("2026-10-01" for _ in rows), "open_amount": arrow_str(r[4] for r in rows),
        "reference": arrow_str(r[1] for r in rows)})
    fast, fast_errors = validate(raw, "open_items", file="oi.csv", arrow_text=True)
    slow, slow_errors = validate(raw, "open_items", file="oi.csv")
    assert fast_errors == slow_errors
    assert fast.attrs == slow.attrs
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False)
    for c in slow.columns:
        if slow[c].dtype == object and fast[c].dtype != object:
            assert STR_IS_ARROW and str(fast[c].dtype) == "str"
            assert list(fast[c]) == list(slow[c]) and all(type(v) is str for v in fast[c])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["100.00", "-5.5", "", "1,5", "x", "1.234", " 7 ", "(3.00)", "12-"]),
                          st.sampled_from(["100.00", "", "abc", "-0.01", "99999999999999999999"]),
                          st.sampled_from(["USD", "JPY", "", "XXX", "kwd"])), min_size=1, max_size=10))
def test_amounts_parsed_in_a_thread_give_the_same_table_and_problems(rows):
    v = importlib.import_module("xl_collections.io.validate")
    raw = pd.DataFrame({"customer_id": arrow_str("C1" for _ in rows), "document_no": arrow_str(f"D{i}" for i in range(len(rows))),
                        "document_date": arrow_str("2026-10-01" for _ in rows), "amount": arrow_str(r[0] for r in rows),
                        "open_amount": arrow_str(r[1] for r in rows), "currency": arrow_str(r[2] for r in rows)})
    old = v.THREAD_ROWS
    try:
        v.THREAD_ROWS = 0
        fast, fast_errors = validate(raw, "open_items", file="oi.csv", decimal_comma=None)
        v.THREAD_ROWS = 10 ** 9
        slow, slow_errors = validate(raw, "open_items", file="oi.csv", decimal_comma=None)
    finally:
        v.THREAD_ROWS = old
    assert fast_errors == slow_errors
    pd.testing.assert_frame_equal(fast, slow)


def test_beside_gives_the_result_or_the_exception_once_and_runs_inline_without_threads(monkeypatch):
    import threading

    from xl_collections.core.threads import beside
    calls = []

    def work():
        calls.append(1)
        return [1, 2]
    got = beside(work)
    assert got() is got() and got() == [1, 2] and len(calls) == 1

    def fail():
        raise ValueError("bad cell")
    with pytest.raises(ValueError, match="bad cell"):
        beside(fail)()

    def no_threads(self):
        raise RuntimeError("can't start new thread")
    monkeypatch.setattr(threading.Thread, "start", no_threads)       # Pyodide
    calls.clear()
    later = beside(work)
    assert calls == [] and later() is later() and len(calls) == 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=st.sampled_from(list("ab\r\n,é")), max_size=4), st.none()), max_size=8),
       st.integers(0, 3))
def test_the_cr_looked_for_in_arrow_bytes_is_the_one_pandas_finds(cells, start):
    from xl_collections.io import write
    col = pd.Series(pd.array(cells, dtype=pd.StringDtype("pyarrow"))).iloc[min(start, len(cells)):]
    assert write._has_cr(col) == bool(col.str.contains("\r", regex=False).fillna(False).any())


def test_a_dead_runs_staging_folder_is_removed_and_a_live_ones_kept(tmp_path):
    import os

    from xl_collections.io.outdir import staged_folder
    out = tmp_path / "results"
    dead = tmp_path / ".~xlc-results.999999999.tmp"          # no such process
    live = tmp_path / f".~xlc-results.{os.getppid()}.old"          # the parent process: alive
    dead.mkdir()
    live.mkdir()
    with staged_folder(out) as stage:
        (stage / "aging.csv").write_text("x\n")
    assert not dead.exists() and live.exists() and (out / "aging.csv").exists()
