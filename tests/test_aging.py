"""Aging engine: buckets, bases, credits, terms, FX exactness, grouping, edge cases."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xl_collections.ar.aging import (AgingResult, age, bucket_index, bucket_labels, contract_columns,
                                  convert_minor)
from xl_collections.core.errors import InputErrors
from xl_collections.io.validate import canonical
from xl_collections.core.money import MINOR_UNITS, convert

AS_OF = dt.date(2026, 10, 31)


def items(*rows, **common):
    """Open items as a user's DataFrame: (customer_id, due_date, open_amount[, extra dict])."""
    out = []
    for i, r in enumerate(rows):
        cust, due, amt = r[:3]
        rec = {"customer_id": cust, "document_no": f"D{i + 1}", "document_date": "2026-01-01",
               "due_date": due, "open_amount": amt, **common}
        if len(r) > 3:
            rec.update(r[3])
        out.append(rec)
    if not out:
        return pd.DataFrame({c: [] for c in ("customer_id", "document_no", "document_date", "due_date", "open_amount")})
    return pd.DataFrame(out)


def days_ago(n: int) -> str:
    return (AS_OF - dt.timedelta(days=n)).isoformat()


def row(summary: pd.DataFrame, key: str) -> pd.Series:
    return summary[summary.iloc[:, 0] == key].iloc[0]


# --- buckets -------------------------------------------------------------------------------

@pytest.mark.parametrize("days,label", [(-5, "not_due"), (0, "not_due"), (1, "1-30"), (30, "1-30"), (31, "31-60"),
                                        (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "91-120"),
                                        (120, "91-120"), (121, "121+"), (4000, "121+")])
def test_bucket_edges_upper_bounds_inclusive(days, label):
    res = age(items(("C1", days_ago(days), 100.0)), AS_OF)
    d = res.detail.iloc[0]
    assert d["days_past_due"] == days
    assert d["bucket"] == label
    s = row(res.summary, "C1")
    assert s[label] == 10000 and s["total_open"] == 10000
    assert s["past_due"] == (0 if label == "not_due" else 10000)


def test_bucket_labels_for_other_edges():
    assert bucket_labels((0, 30, 60, 90, 120)) == ("1-30", "31-60", "61-90", "91-120", "121+")
    assert bucket_labels((0, 15)) == ("1-15", "16+")
    assert bucket_labels((10, 40)) == ("1-10", "11-40", "41+")
    assert bucket_labels("0,7,14") == ("1-7", "8-14", "15+")
    labels = ("not_due",) + bucket_labels((10, 40))
    got = [labels[i] for i in bucket_index([0, 1, 10, 11, 40, 41], (10, 40))]
    assert got == ["not_due", "1-10", "1-10", "11-40", "11-40", "41+"]


def test_summary_columns_follow_the_edges():
    res = age(items(("C1", days_ago(16), 1.0)), AS_OF, buckets=(0, 15))
    assert list(res.summary.columns) == ["customer_id", "customer_name", "currency", "total_open", "not_due",
                                         "1-15", "16+", "past_due", "disputed", "credits", "collectable_past_due"]
    assert contract_columns(res.summary) == ["customer_id", "customer_name", "currency", "total_open", "not_due",
                                             "1-15", "16+", "past_due"]
    assert res.buckets == ("1-15", "16+") and res.labels == ("not_due", "1-15", "16+")
    assert row(res.summary, "C1")["16+"] == 100


def test_bad_options_are_refused():
    oi = items(("C1", days_ago(1), 1.0))
    with pytest.raises(ValueError):
        age(oi, AS_OF, basis="posting")
    with pytest.raises(ValueError):
        age(oi, AS_OF, by="country")
    with pytest.raises(ValueError):
        age(oi, AS_OF, buckets=(30, 10))


# --- basis, terms, credits -----------------------------------------------------------------

def test_basis_document_ages_from_the_document_date():
    oi = items(("C1", "2026-10-30", 50.0, {"document_date": "2026-09-30"}))
    due = age(oi, AS_OF, basis="due").detail.iloc[0]
    doc = age(oi, AS_OF, basis="document").detail.iloc[0]
    assert (due["days_past_due"], due["bucket"]) == (1, "1-30")
    assert (doc["days_past_due"], doc["bucket"]) == (31, "31-60")
    assert doc["basis_date"] == pd.Timestamp("2026-09-30")


def test_missing_due_date_from_customer_terms_else_document_date():
    oi = items(("C1", None, 10.0, {"document_date": "2026-09-15"}),     # NET30 -> 2026-10-15: 16 days
               ("C2", None, 10.0, {"document_date": "2026-08-20"}),     # EOM45 -> 2026-08-31 + 45 = 2026-10-15
               ("C3", None, 10.0, {"document_date": "2026-09-01"}),     # no terms -> document date: 60 days
               ("C9", None, 10.0, {"document_date": "2026-10-01"}),     # not in the master -> document date
               ("C1", "2026-10-30", 10.0, {"document_date": "2026-01-01"}))  # a given due date wins
    cust = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "customer_name": ["A", "B", "C"],
                         "payment_terms": ["NET30", "EOM45", ""]})
    d = age(oi, AS_OF, customers=cust).detail.set_index("document_no")
    assert d.loc["D1", "due_date"] == pd.Timestamp("2026-10-15") and d.loc["D1", "days_past_due"] == 16
    assert d.loc["D2", "due_date"] == pd.Timestamp("2026-10-15")
    assert d.loc["D3", "days_past_due"] == 60
    assert d.loc["D4", "days_past_due"] == 30 and d.loc["D4", "customer_name"] == ""
    assert d.loc["D5", "days_past_due"] == 1


def test_credits_age_by_their_own_dates_and_show_as_credits():
    oi = items(("C1", days_ago(45), 500.0), ("C1", days_ago(10), -120.0, {"doc_type": "CM"}),
               ("C1", days_ago(-5), -30.0, {"doc_type": "PMT"}))
    s = row(age(oi, AS_OF).summary, "C1")
    assert s["31-60"] == 50000 and s["1-30"] == -12000 and s["not_due"] == -3000
    assert s["credits"] == -15000
    assert s["past_due"] == 38000 and s["total_open"] == 35000
    assert s["collectable_past_due"] == 50000


def test_customer_with_only_credits():
    oi = items(("C1", days_ago(100), -75.25, {"doc_type": "CM"}), ("C2", days_ago(3), 10.0))
    s = age(oi, AS_OF).summary
    c1 = row(s, "C1")
    assert c1["total_open"] == -7525 and c1["91-120"] == -7525 and c1["past_due"] == -7525
    assert c1["credits"] == -7525 and c1["collectable_past_due"] == 0
    assert list(s["customer_id"]) == ["C2", "C1", "TOTAL"]  # past_due descending


def test_disputed_and_collectable():
    oi = items(("C1", days_ago(40), 100.0, {"status": "DISPUTED"}), ("C1", days_ago(40), 60.0),
               ("C1", days_ago(-3), 20.0, {"status": "disputed"}))
    s = row(age(oi, AS_OF).summary, "C1")
    assert s["disputed"] == 12000
    assert s["collectable_past_due"] == 6000
    assert s["past_due"] == 16000


def test_zero_open_amounts_are_left_out():
    oi = items(("C1", days_ago(5), 0.0), ("C1", days_ago(5), 1.0), ("C2", days_ago(5), 0))
    res = age(oi, AS_OF)
    assert list(res.detail["document_no"]) == ["D2"]
    assert list(res.summary["customer_id"]) == ["C1", "TOTAL"]


def test_empty_input_gives_only_a_total_row_of_zeros():
    res = age(items(), AS_OF)
    assert len(res.detail) == 0
    s = res.summary
    assert list(s["customer_id"]) == ["TOTAL"]
    money = s.attrs["money"]
    assert (s[money].to_numpy() == 0).all()
    assert s["currency"].iloc[0] == "USD"


def test_one_customer_and_the_total_row():
    oi = items(("C1", days_ago(0), 1.0), ("C1", days_ago(200), 2.0))
    s = age(oi, AS_OF).summary
    assert list(s["customer_id"]) == ["C1", "TOTAL"]
    assert s.iloc[0, 3:].tolist() == s.iloc[1, 3:].tolist()
    assert s["total_open"].tolist() == [300, 300] and s["121+"].tolist() == [200, 200]


def test_sorted_by_past_due_then_key():
    oi = items(("B", days_ago(5), 10.0), ("A", days_ago(5), 10.0), ("C", days_ago(5), 50.0), ("D", days_ago(-1), 99.0))
    assert list(age(oi, AS_OF).summary["customer_id"]) == ["C", "A", "B", "D", "TOTAL"]


def test_detail_columns_types_and_attrs():
    oi = items(("C1", days_ago(5), 12.34, {"currency": "EUR"}))
    fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.1"]})
    cust = pd.DataFrame({"customer_id": ["C1"], "customer_name": ["Acme"], "region": ["EU"], "collector": ["Ann"]})
    res = age(oi, AS_OF, customers=cust, fx_rates=fx)
    assert isinstance(res, AgingResult)
    d = res.detail
    for c in ("customer_id", "document_no", "document_date", "due_date", "open_amount", "currency", "status",
              "source_row", "basis_date", "days_past_due", "bucket", "fx_rate", "reporting_amount",
              "customer_name", "region", "collector", "parent_id"):
        assert c in d.columns, c
    assert d["days_past_due"].dtype == "int64" and d["reporting_amount"].dtype == "int64"
    assert str(d["basis_date"].dtype) == "datetime64[ns]"
    assert d["fx_rate"].iloc[0] == Decimal("1.1") and d["reporting_amount"].iloc[0] == 1357  # 12.34 × 1.1 = 13.574
    assert d.attrs["currency"] == "USD" and "reporting_amount" in d.attrs["money"]
    assert res.rates == {"EUR": Decimal("1.1")}
    assert res.summary.attrs["money"][:2] == ["total_open", "not_due"]


def test_user_dataframes_are_validated():
    bad = items(("C1", "not a date", 1.0))
    with pytest.raises(InputErrors) as e:
        age(bad, AS_OF)
    assert "due_date" in e.value.render()


# --- FX -------------------------------------------------------------------------------------

def test_fx_rounding_half_away_from_zero():
    # 0.01 EUR × 1.5 = 0.015 USD -> 0.02; -0.01 EUR -> -0.02; 0.03 × 1.5 = 0.045 -> 0.05
    # JPY 1 × 0.005 = 0.005 USD -> 0.01; JPY -1 -> -0.01; JPY 3 × 0.005 = 0.015 -> 0.02
    oi = items(("C1", days_ago(1), 0.01, {"currency": "EUR"}), ("C2", days_ago(1), -0.01, {"currency": "EUR"}),
               ("C3", days_ago(1), 0.03, {"currency": "EUR"}), ("C4", days_ago(1), 1, {"currency": "JPY"}),
               ("C5", days_ago(1), -1, {"currency": "JPY"}), ("C6", days_ago(1), 3, {"currency": "JPY"}))
    fx = pd.DataFrame({"currency": ["EUR", "JPY"], "rate": ["1.5", "0.005"]})
    d = age(oi, AS_OF, fx_rates=fx).detail.set_index("customer_id")
    assert d["reporting_amount"].to_dict() == {"C1": 2, "C2": -2, "C3": 5, "C4": 1, "C5": -1, "C6": 2}


def test_fx_rounds_per_item_then_sums():
    # three items of 0.01 EUR at 1.5: each 0.015 -> 0.02, sum 0.06 (not 0.045 -> 0.05)
    oi = items(*[("C1", days_ago(1), 0.01, {"currency": "EUR"})] * 3)
    fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.5"]})
    assert row(age(oi, AS_OF, fx_rates=fx).summary, "C1")["total_open"] == 6


def test_fx_to_a_reporting_currency_with_other_minor_units():
    oi = items(("C1", days_ago(1), 10.005, {"currency": "KWD"}), ("C2", days_ago(1), 0.5, {"currency": "USD"}))
    fx = pd.DataFrame({"currency": ["KWD", "USD"], "rate": ["493.1", "149.5"]})
    d = age(oi, AS_OF, fx_rates=fx, reporting_currency="JPY").detail.set_index("customer_id")
    # 10.005 × 493.1 = 4933.4655 -> 4933 JPY; 0.50 × 149.5 = 74.75 -> 75 JPY
    assert d["reporting_amount"].to_dict() == {"C1": 4933, "C2": 75}


def test_fx_picks_latest_rate_on_or_before_as_of_else_undated():
    oi = items(("C1", days_ago(1), 100.0, {"currency": "EUR"}), ("C2", days_ago(1), 100.0, {"currency": "GBP"}))
    fx = pd.DataFrame({"currency": ["EUR", "EUR", "EUR", "EUR", "GBP", "GBP"],
                       "rate": ["1.05", "1.07", "1.20", "9", "1.25", "1.30"],
                       "date": ["2026-09-30", "2026-10-31", "2026-11-01", None, None, "2026-11-30"]})
    res = age(oi, AS_OF, fx_rates=fx)
    assert res.rates == {"EUR": Decimal("1.07"), "GBP": Decimal("1.25")}
    assert res.detail.set_index("customer_id")["reporting_amount"].to_dict() == {"C1": 10700, "C2": 12500}


def test_reporting_currency_rate_is_one_even_if_listed():
    oi = items(("C1", days_ago(1), 100.0))
    fx = pd.DataFrame({"currency": ["USD"], "rate": ["0.9"]})
    assert age(oi, AS_OF, fx_rates=fx).detail["reporting_amount"].iloc[0] == 10000


def test_currency_without_a_rate_names_the_rows():
    oi = items(("C1", days_ago(1), 1.0, {"currency": "EUR"}), ("C2", days_ago(1), 1.0),
               ("C3", days_ago(1), 1.0, {"currency": "EUR"}), ("C4", days_ago(1), 1.0, {"currency": "CHF"}))
    fx = pd.DataFrame({"currency": ["GBP"], "rate": ["1.3"]})
    with pytest.raises(InputErrors) as e:
        age(oi, AS_OF, fx_rates=fx)
    errs = {x.value: x for x in e.value.errors}
    assert set(errs) == {"EUR", "CHF"}
    assert errs["EUR"].row == 2 and "rows 2, 4" in errs["EUR"].message
    assert errs["CHF"].row == 5
    with pytest.raises(InputErrors):
        age(oi, AS_OF)  # no fx table at all


def test_conflicting_rates_on_one_date_are_refused():
    oi = items(("C1", days_ago(1), 1.0, {"currency": "EUR"}))
    fx = pd.DataFrame({"currency": ["EUR", "EUR"], "rate": ["1.1", "1.2"], "date": ["2026-10-31", "2026-10-31"]})
    with pytest.raises(InputErrors, match="conflicting"):
        age(oi, AS_OF, fx_rates=fx)


def test_convert_minor_large_values_take_the_exact_slow_path():
    m = np.array([9_000_000_000_000_000, -9_000_000_000_000_000 // 7, 5], dtype="int64")
    rate = Decimal("0.123456789012345")
    got = convert_minor(m, rate, 2, 2)
    assert got.tolist() == [convert(int(v), "EUR", rate, "USD") for v in m]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-10**13, 10**13), min_size=1, max_size=40),
       st.one_of(st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("20000"), places=6),   # int64 path
                 st.decimals(min_value=Decimal("1E-12"), max_value=Decimal("20000"), places=12)),    # Python-int path
       st.sampled_from(["USD", "JPY", "KWD", "EUR"]), st.sampled_from(["USD", "JPY", "KWD"]))
def test_convert_minor_is_exact_against_decimal(amounts, rate, cur, to):
    expected = [_ref(a, cur, rate, to) for a in amounts]
    assume(all(abs(e) < 2**63 for e in expected))  # results beyond int64 are not amounts
    got = convert_minor(np.array(amounts, dtype="int64"), rate, MINOR_UNITS[cur], MINOR_UNITS[to])
    assert got.tolist() == expected


def _ref(minor: int, cur: str, rate: Decimal, to: str) -> int:
    """The Decimal reference: major units × rate, rounded half away from zero to ``to``."""
    from xl_collections.core.money import decimal_to_minor, to_decimal

    return decimal_to_minor(to_decimal(minor, cur) * rate, to)


# --- grouping -------------------------------------------------------------------------------

def _book():
    oi = items(("C1", days_ago(10), 100.0), ("C2", days_ago(70), 50.0, {"currency": "EUR"}),
               ("C3", days_ago(-4), 25.0), ("C4", days_ago(200), -5.0), ("C5", days_ago(35), 7.0))
    cust = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4", "P1"], "customer_name": ["One", "Two", "Three", "Four", "Parent"],
                         "region": ["EU", "EU", "US", "", "US"], "collector": ["Ann", "Bob", "Ann", "Bob", ""],
                         "parent_id": ["P1", "P1", "", "C3", ""]})
    fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.1"]})
    return oi, cust, fx


def test_by_region_collector_currency_parent():
    oi, cust, fx = _book()
    r = age(oi, AS_OF, customers=cust, fx_rates=fx, by="region").summary
    assert r.columns[0] == "region"
    assert r["region"].tolist() == ["EU", "", "US", "TOTAL"]
    assert row(r, "EU")["total_open"] == 10000 + 5500
    assert row(r, "EU")["customer_name"] == ""
    c = age(oi, AS_OF, customers=cust, fx_rates=fx, by="collector").summary
    assert row(c, "Ann")["total_open"] == 12500
    k = age(oi, AS_OF, customers=cust, fx_rates=fx, by="currency").summary
    assert k.columns[0] == "item_currency" and set(k["currency"]) == {"USD"}
    assert row(k, "EUR")["total_open"] == 5500
    p = age(oi, AS_OF, customers=cust, fx_rates=fx, by="parent_id").summary
    assert row(p, "P1")["total_open"] == 15500 and row(p, "P1")["customer_name"] == "Parent"
    assert row(p, "C3")["total_open"] == 2500 - 500      # C3 (no parent: itself) + C4 (parent C3)
    assert row(p, "C3")["customer_name"] == "Three"
    assert row(p, "C5")["total_open"] == 700             # not in the master: its own parent


# --- invariants -----------------------------------------------------------------------------

_cur = st.sampled_from(["USD", "EUR", "JPY"])
_item = st.tuples(st.sampled_from(["C1", "C2", "C3", "C4"]), st.integers(-60, 400),
                  st.integers(-10**9, 10**9), _cur, st.booleans())


_CUST = canonical(pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"], "customer_name": list("abcd"),
                                "region": ["EU", "EU", "US", ""], "collector": ["x", "y", "x", "y"],
                                "parent_id": ["C2", "", "C2", "C9"]}), "customers")
_FX = canonical(pd.DataFrame({"currency": ["EUR", "JPY"], "rate": ["1.0855", "0.00671"]}), "fx_rates")


@settings(max_examples=50, deadline=None)
@given(st.lists(_item, max_size=40), st.sampled_from([(0, 30, 60, 90, 120), (0, 15), (10, 40), (0,)]),
       st.sampled_from(["due", "document"]))
def test_buckets_add_up_and_totals_agree_across_groupings(rows, edges, basis):
    oi = pd.DataFrame({
        "customer_id": [r[0] for r in rows], "document_no": [f"D{i}" for i in range(len(rows))],
        "document_date": [pd.Timestamp(AS_OF) - pd.Timedelta(days=r[1] + 10) for r in rows],
        "due_date": [pd.Timestamp(AS_OF) - pd.Timedelta(days=r[1]) for r in rows],
        "open_amount": [Decimal(r[2]).scaleb(-2 if r[3] != "JPY" else 0) for r in rows],
        "currency": [r[3] for r in rows], "status": ["DISPUTED" if r[4] else "OPEN" for r in rows]})
    # validated once (age() returns canonical tables untouched), so each example stays fast
    oi, cust, fx = canonical(oi, "open_items"), _CUST, _FX
    res = age(oi, AS_OF, customers=cust, fx_rates=fx, buckets=edges, basis=basis)
    s = res.summary
    labels = list(res.labels)
    body, total = s.iloc[:-1], s.iloc[-1]
    assert (s[labels].sum(axis=1) == s["total_open"]).all()
    assert (s[labels[1:]].sum(axis=1) == s["past_due"]).all()
    assert int(total[labels].sum()) == int(res.detail["reporting_amount"].sum())
    usd = res.detail["currency"] == "USD"
    assert (res.detail.loc[usd, "reporting_amount"] == res.detail.loc[usd, "open_amount"]).all()
    for col in s.attrs["money"]:
        assert int(body[col].sum()) == int(total[col])
    assert len(res.detail) == sum(1 for r in rows if r[2] != 0)
    for by in ("region", "collector", "currency", "parent_id"):
        other = age(oi, AS_OF, customers=cust, fx_rates=fx, buckets=edges, basis=basis, by=by).summary
        assert other.iloc[-1, 3:].tolist() == s.iloc[-1, 3:].tolist()


def test_a_rate_dated_after_the_as_of_date_is_not_used():
    oi = items(("C1", days_ago(1), 1.0, {"currency": "EUR"}), ("C2", days_ago(1), 2.0, {"currency": "EUR"}))
    fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.1"], "date": ["2026-11-05"]})
    with pytest.raises(InputErrors) as e:
        age(oi, AS_OF, fx_rates=fx)
    (err,) = e.value.errors
    assert err.value == "EUR" and "rows 2, 3" in err.message and "on or before 2026-10-31" in err.message


def test_commentary_style_consumers_see_the_pinned_shapes():
    """Other steps rely on these: TOTAL last, bucket labels between not_due and past_due,
    detail days_past_due/reporting_amount/doc_type/status."""
    res = age(items(("C1", days_ago(95), 10.0, {"doc_type": "INV", "status": "OPEN"})), AS_OF)
    s = res.summary
    assert s["customer_id"].iloc[-1] == "TOTAL"
    cols = list(s.columns)
    assert cols[cols.index("not_due") + 1: cols.index("past_due")] == list(res.buckets)
    assert int(res.detail.loc[res.detail["days_past_due"] > 90, "reporting_amount"].sum()) == 1000
