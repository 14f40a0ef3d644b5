"""Credit UDFs called as plain functions (on Linux @xw.func is pass-through) with the values
Excel hands them; each agrees with the engine behind the Credit Review / Order Decisions sheets."""
import datetime as dt

import pandas as pd
import pytest

from udfs import XLC_ALTMAN_Z, XLC_CREDIT_CLASS, XLC_EXPOSURE, XLC_ORDER_DECISION
from xl_collections.credit import assess_credit
from xl_collections.demo import generate
from xl_collections.core.money import to_float

AS_OF = dt.datetime(2026, 10, 31)


def is_xlc(v) -> bool:
    return isinstance(v, str) and v.startswith("#XLC! ")


@pytest.fixture(scope="module")
def demo():
    book = generate(items=1500, seed=3)
    res, errors = assess_credit(book.tables, book.settings)
    assert errors == []
    return book, res


def test_altman_z_cell():
    assert XLC_ALTMAN_Z(400.0, 300.0, 1000.0, 600.0, 200.0, 50.0, 400.0) == 2.34
    assert XLC_ALTMAN_Z(400.0, 300.0, 1000.0, 600.0, 200.0, 50.0, 400.0, "zone") == "GREY"
    assert is_xlc(XLC_ALTMAN_Z(400.0, 300.0, 0.0, 600.0, 200.0, 50.0, 400.0))
    assert is_xlc(XLC_ALTMAN_Z(None, 300.0, 1000.0, 600.0, 200.0, 50.0, 400.0))
    assert is_xlc(XLC_ALTMAN_Z("#DIV/0!", 300.0, 1000.0, 600.0, 200.0, 50.0, 400.0))


def test_credit_class_agrees_with_the_credit_review(demo):
    _, res = demo
    rv = res.review
    checked = 0
    for r in rv.itertuples():
        if not r.computed_class:
            continue
        def cell(v):
            return None if v is None or pd.isna(v) else float(v)
        got = XLC_CREDIT_CLASS(cell(r.altman_z), cell(r.current_ratio), cell(r.equity_ratio), cell(r.interest_cover),
                               cell(r.add_days), cell(r.pct_paid_late),
                               float(r.max_days_past_due) if r.open_ar or r.past_due else None,
                               cell(r.paydex), cell(r.failure_score))
        assert got == r.computed_class, r.customer_id
        checked += 1
    assert checked > 15
    assert XLC_CREDIT_CLASS(paydex=80.0, failure_score=95.0) == "A"
    assert XLC_CREDIT_CLASS(paydex=80.0, failure_score=95.0, result="score") == 98.4    # (15 x 100 + 10 x 96) / 25
    assert is_xlc(XLC_CREDIT_CLASS(max_days_past_due=0.0))       # too little to go on
    assert is_xlc(XLC_CREDIT_CLASS(paydex="abc"))


def test_exposure_agrees_with_the_credit_review(demo):
    book, res = demo
    oi = [list(book.open_items.columns[:-1])] + [
        [v.to_pydatetime() if isinstance(v, pd.Timestamp) else (None if v is pd.NaT else v) for v in row]
        for row in book.open_items.drop(columns="source_row").itertuples(index=False)]
    # the range holds amounts as Excel shows them: major units
    j = oi[0].index("open_amount")
    k = oi[0].index("amount")
    cur = oi[0].index("currency")
    for row in oi[1:]:
        row[j] = to_float(row[j], row[cur])
        row[k] = to_float(row[k], row[cur])
    fx = [["currency", "rate", "date"]] + [[r.currency, float(r.rate), None if pd.isna(r.date) else r.date.to_pydatetime()]
                                          for r in book.fx_rates.itertuples()]
    od = book.tables["orders"]
    orders = [["order_no", "customer_id", "order_date", "amount", "currency", "status"]] + [
        [r.order_no, r.customer_id, r.order_date.to_pydatetime(), to_float(r.amount, r.currency), r.currency, r.status]
        for r in od.itertuples()]
    cu = book.customers
    customers = [["customer_id", "customer_name", "credit_limit"]] + [
        [r.customer_id, r.customer_name, to_float(r.credit_limit, "USD")] for r in cu.itertuples()]
    rv = res.review.set_index("customer_id")
    for cid in list(rv.index[:3]) + ["NEW0001"]:
        got = XLC_EXPOSURE(oi, cid, AS_OF, orders, customers, "exposure", fx)
        assert got == to_float(int(rv.at[cid, "exposure"]), "USD"), cid
        assert XLC_EXPOSURE(oi, cid, AS_OF, orders, customers, "max_days_past_due", fx) == rv.at[cid, "max_days_past_due"]
    assert is_xlc(XLC_EXPOSURE(oi, "C010001", AS_OF, orders, customers, "nonsense", fx))


def test_order_decision_agrees_with_the_order_decisions(demo):
    _, res = demo
    rv = res.review.set_index("customer_id")
    for d in res.decisions.itertuples():
        r = rv.loc[d.customer_id]
        limit = None if pd.isna(r["credit_limit"]) else to_float(int(r["credit_limit"]), "USD")
        got = XLC_ORDER_DECISION(to_float(d.amount, "USD"), to_float(d.exposure_before, "USD"), limit,
                                 float(r["max_days_past_due"]), to_float(int(r["past_due"]), "USD"), r["risk_class"])
        assert got == d.decision, d.order_no
    assert {d for d in res.decisions["decision"]} == {"RELEASE", "FLEX", "HOLD"}


@pytest.mark.parametrize("args, expected", [
    ((6000.0, 4000.0, 10000.0), "RELEASE"), ((6000.01, 4000.0, 10000.0), "FLEX"),
    ((7000.0, 4000.0, 10000.0), "FLEX"), ((7000.01, 4000.0, 10000.0), "HOLD"),
    ((1.0, 0.0, None), "HOLD"), ((1.0, 0.0, 100.0, 16.0), "FLEX"), ((1.0, 0.0, 100.0, 61.0, 5.0), "HOLD"),
    ((1.0, 0.0, 100.0, 0.0, 0.0, "E"), "HOLD"),
])
def test_order_decision_thresholds(args, expected):
    assert XLC_ORDER_DECISION(*args) == expected


def test_order_decision_settings_arguments():
    # flex 20 %: 11,500 on a 10,000 limit flexes; grace 30: 20 days past due releases
    assert XLC_ORDER_DECISION(1500.0, 10000.0, 10000.0, flex_pct=0.2) == "FLEX"
    assert XLC_ORDER_DECISION(1500.0, 10000.0, 10000.0, flex_pct=20.0) == "FLEX"
    assert XLC_ORDER_DECISION(1.0, 0.0, 100.0, 20.0, grace_days=30.0) == "RELEASE"
    assert XLC_ORDER_DECISION(1.0, 0.0, 100.0, returned_payments=2.0) == "HOLD"
    assert is_xlc(XLC_ORDER_DECISION(1.0, 0.0, 100.0, 1.5))


def test_credit_class_takes_the_weights_of_a_settings_range():
    # the Settings sheet's name and value columns as Excel hands them over (titles, blanks, other settings)
    rng = [["Settings of the close (named cells; change the yellow cells)", None], ["setting", "value"],
           ["AsOfDate", None], ["CreditWeightFailureScore", 0.0], ["CreditClassScores", "99,90,80,70"],
           ["CreditMinWeight", 10.0], [None, None]]
    # PAYDEX alone: 100 points -> 100.0, class A under floors 99/90/80/70; failure score left out
    assert XLC_CREDIT_CLASS(paydex=80.0, failure_score=5.0, result="score", settings=rng) == 100.0
    assert XLC_CREDIT_CLASS(paydex=75.0, failure_score=5.0, settings=rng) == "C"     # 85 points
    assert XLC_CREDIT_CLASS(paydex=75.0, failure_score=5.0) == "C"                    # defaults: (15 x 85 + 10 x 4.9) / 25 = 53.0
    assert is_xlc(XLC_CREDIT_CLASS(paydex=80.0, settings=[["CreditClassScores", "50,60,70,80"]]))
    assert is_xlc(XLC_CREDIT_CLASS(paydex=80.0, settings=[["something", 1.0]]))
