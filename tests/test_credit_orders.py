"""Order decisions and exposure (CONTRACT §6 "Exposure and order decisions"): each rule at its
threshold, on small books that look like a credit desk's data."""
import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from xl_collections.credit import assess_credit
from xl_collections.io.validate import canonical
from xl_collections.core.settings import Settings

AS_OF = dt.date(2026, 10, 31)


def tables(items, customers, orders=None, **more):
    """Canonical tables from rows as a user pastes them (amounts in major units)."""
    t = {"open_items": canonical(pd.DataFrame(items, columns=["customer_id", "document_no", "doc_type", "document_date",
                                                              "due_date", "open_amount", "status"]), "open_items"),
         "customers": canonical(pd.DataFrame(customers), "customers")}
    if orders is not None:
        t["orders"] = canonical(pd.DataFrame(orders, columns=["order_no", "customer_id", "order_date", "amount",
                                                              "status"]), "orders")
    t.update(more)
    return t


def run(t, settings=None, **kw):
    res, errors = assess_credit(t, settings or Settings(as_of=AS_OF), **kw)
    assert errors == []
    return res


def inv(no, days_past_due, amount, customer="C1", status="OPEN", doc_type="INV"):
    due = AS_OF - dt.timedelta(days=days_past_due)
    return (customer, no, doc_type, (due - dt.timedelta(days=30)).isoformat(), due.isoformat(), amount, status)


def order(no, amount, customer="C1", day=1, status="OPEN"):
    return (no, customer, f"2026-10-{day:02d}", amount, status)


def decision(res, order_no):
    d = res.decisions.set_index("order_no")
    return d.at[order_no, "decision"], d.at[order_no, "reasons"]


C1 = [{"customer_id": "C1", "customer_name": "Acme Foods Inc", "credit_limit": "10,000.00", "risk_class": "B"}]


@pytest.mark.parametrize("amount, expected", [("6000.00", "RELEASE"), ("6000.01", "FLEX"),
                                              ("7000.00", "FLEX"), ("7000.01", "HOLD")])
def test_limit_and_flex_thresholds(amount, expected):
    # open AR 4,000.00; limit 10,000.00; flex 10 %: exactly at the limit releases, a cent over flexes,
    # exactly at limit x 1.1 flexes, a cent over holds
    res = run(tables([inv("INV-1", 0, 4000)], C1, [order("SO-1", amount)]))
    got, reasons = decision(res, "SO-1")
    assert got == expected
    if expected == "FLEX":
        assert "OVER_LIMIT: over limit by" in reasons and "within the 10% flex" in reasons
    if expected == "HOLD":
        assert "OVER_FLEX: over limit by 1,000.01 USD (limit 10,000.00 USD, flex allows 10%)" in reasons


def test_exposure_counts_credits_and_shipped_not_billed():
    items = [inv("INV-1", 0, 4000), ("C1", "CM-1", "CM", "2026-10-01", "2026-10-01", -500, "OPEN")]
    res = run(tables(items, C1, [order("SO-1", "1000", status="SHIPPED_NOT_BILLED"), order("SO-2", "200", day=2)]))
    r = res.review.set_index("customer_id").loc["C1"]
    assert (r["open_ar"], r["open_orders"], r["exposure"]) == (350000, 120000, 470000)
    assert r["utilisation"] == Decimal("0.47")
    d = res.decisions.set_index("order_no")
    assert list(d.index) == ["SO-2"]                     # shipped orders count, they are not decided
    assert (d.at["SO-2", "exposure_before"], d.at["SO-2", "exposure_after"]) == (450000, 470000)


@pytest.mark.parametrize("days, expected, code", [(15, "RELEASE", ""), (16, "FLEX", "PAST_DUE_GRACE"),
                                                  (60, "FLEX", "PAST_DUE_GRACE"), (61, "HOLD", "PAST_DUE_HOLD")])
def test_grace_and_hold_day_counts(days, expected, code):
    res = run(tables([inv("INV-104233", days, 100)], C1, [order("SO-1", "100")]))
    got, reasons = decision(res, "SO-1")
    assert got == expected
    assert code in reasons
    if code:
        assert f"{days} days past due on INV-104233" in reasons


@pytest.mark.parametrize("past_due, expected", [("500.00", "FLEX"), ("500.01", "HOLD")])
def test_hold_needs_past_due_above_the_minimum(past_due, expected):
    s = Settings(as_of=AS_OF, credit_hold_min_past_due=50000)
    res = run(tables([inv("INV-1", 61, past_due)], C1, [order("SO-1", "10")]), s)
    assert decision(res, "SO-1")[0] == expected


def test_disputed_items_do_not_hold_orders():
    items = [inv("INV-1", 90, 800, status="DISPUTED"), inv("INV-2", 5, 100)]
    res = run(tables(items, C1, [order("SO-1", "10")]))
    r = res.review.set_index("customer_id").loc["C1"]
    assert (r["max_days_past_due"], r["past_due"], r["open_ar"]) == (5, 10000, 90000)
    assert decision(res, "SO-1")[0] == "RELEASE"


def test_credits_and_not_yet_due_items_are_not_past_due():
    items = [inv("INV-1", 0, 100), inv("CM-1", 80, -50, doc_type="CM"), inv("DED-1", 70, 30, doc_type="DED")]
    r = run(tables(items, C1, [order("SO-1", "1")])).review.set_index("customer_id").loc["C1"]
    assert (r["max_days_past_due"], r["past_due"]) == (70, 3000)        # the deduction counts, the credit not


def test_no_limit_holds():
    cust = [{"customer_id": "C1", "customer_name": "Acme Foods Inc", "credit_limit": "", "risk_class": "A"}]
    res = run(tables([inv("INV-1", 0, 1)], cust, [order("SO-1", "1")]))
    got, reasons = decision(res, "SO-1")
    assert got == "HOLD" and reasons.startswith("NO_LIMIT")
    assert "no credit limit set" in res.review.set_index("customer_id").at["C1", "reasons"]


def test_an_order_of_a_customer_not_in_the_master_holds():
    res = run(tables([], C1, [order("SO-9", "100", customer="NEW1")]))
    assert decision(res, "SO-9")[0] == "HOLD"
    r = res.review.set_index("customer_id").loc["NEW1"]
    assert "new customer without a limit" in r["reasons"]


def test_class_e_of_the_master_holds_whatever_the_score():
    cust = [dict(C1[0], risk_class="E")]
    res = run(tables([inv("INV-1", 0, 1)], cust, [order("SO-1", "1")]))
    got, reasons = decision(res, "SO-1")
    assert got == "HOLD" and "CLASS_E: risk class E" in reasons
    assert res.review.set_index("customer_id").at["C1", "risk_class"] == "E"


def test_computed_class_e_holds_when_the_master_has_none():
    cust = [dict(C1[0], risk_class="")]
    fin = canonical(pd.DataFrame([{"customer_id": "C1", "period_end": "2025-12-31", "current_assets": 100,
                                   "current_liabilities": 400, "total_assets": 1000, "total_liabilities": 1100,
                                   "retained_earnings": -300, "ebit": -80, "equity": -100, "interest_expense": 40}]),
                    "financials")
    rep = canonical(pd.DataFrame([{"customer_id": "C1", "report_date": "2026-09-30", "paydex": 20, "failure_score": 2}]),
                    "credit_reports")
    res = run(tables([inv("INV-1", 0, 1)], cust, [order("SO-1", "1")], financials=fin, credit_reports=rep))
    r = res.review.set_index("customer_id").loc["C1"]
    assert (r["computed_class"], r["risk_class"], r["altman_zone"]) == ("E", "E", "DISTRESS")
    assert decision(res, "SO-1")[0] == "HOLD"


def test_released_and_flexed_orders_accumulate_held_ones_do_not():
    # open AR 9,000.00, limit 10,000.00 (flex to 11,000.00)
    orders = [order("SO-1", "500", day=1),    # 9,500 RELEASE
              order("SO-2", "1000", day=2),   # 10,500 FLEX
              order("SO-3", "600", day=3),    # 11,100 HOLD: not added
              order("SO-4", "400", day=3)]    # 10,900 FLEX (after SO-3 by order_no)
    res = run(tables([inv("INV-1", 0, 9000)], C1, orders))
    d = res.decisions.set_index("order_no")
    assert list(d["decision"]) == ["RELEASE", "FLEX", "HOLD", "FLEX"]
    assert list(d["exposure_before"]) == [900000, 950000, 1050000, 1050000]
    assert list(d["exposure_after"]) == [950000, 1050000, 1110000, 1090000]


def test_orders_are_decided_in_date_then_number_order_and_currency_is_converted():
    fx = canonical(pd.DataFrame([{"currency": "EUR", "rate": "1.10"}]), "fx_rates")
    orders = canonical(pd.DataFrame([("SO-2", "C1", "2026-10-01", "1000", "EUR"), ("SO-1", "C1", "2026-10-02", "10", "USD"),
                                     ("SO-0", "C1", "2026-10-02", "10", "USD")],
                                    columns=["order_no", "customer_id", "order_date", "amount", "currency"]), "orders")
    t = tables([inv("INV-1", 0, 8000)], C1, fx_rates=fx)
    t["orders"] = orders
    d = run(t).decisions
    assert list(d["order_no"]) == ["SO-2", "SO-0", "SO-1"]
    assert list(d["amount"]) == [110000, 1000, 1000]
    assert list(d["decision"]) == ["RELEASE", "RELEASE", "RELEASE"]


def returns_table(*rows):
    return pd.DataFrame(rows, columns=["return_id", "value_date", "customer_id", "status"])


@pytest.mark.parametrize("rows, expected", [
    ([("R1", "2026-10-01", "C1", "REVERSED"), ("R2", "2025-11-01", "C1", "REVERSED")], "HOLD"),
    ([("R1", "2026-10-01", "C1", "REVERSED"), ("R2", "2025-10-31", "C1", "REVERSED")], "RELEASE"),  # 12 months ago: out
    ([("R1", "2026-10-01", "C1", "REVERSED"), ("R2", "2026-10-02", "C1", "RETURN_UNMATCHED")], "RELEASE"),
    ([("R1", "2026-10-01", "C1", "REVERSED"), ("R2", "2026-10-02", "C2", "REVERSED")], "RELEASE"),
])
def test_returned_payments_hold_at_two_within_twelve_months(rows, expected):
    res = run(tables([inv("INV-1", 0, 1)], C1, [order("SO-1", "1")]), returns=returns_table(*rows))
    got, reasons = decision(res, "SO-1")
    assert got == expected
    if expected == "HOLD":
        assert "RETURNED_PAYMENTS: 2 payments returned in the last twelve months" in reasons


def test_every_rule_that_fired_is_named():
    cust = [dict(C1[0], risk_class="E")]
    res = run(tables([inv("INV-7", 61, 9000)], cust, [order("SO-1", "5000")]))
    got, reasons = decision(res, "SO-1")
    assert got == "HOLD"
    assert [r.split(":")[0] for r in reasons.split("; ")] == ["CLASS_E", "PAST_DUE_HOLD", "OVER_FLEX"]


def test_group_exposure_is_reported_against_the_parents_limit():
    cust = [{"customer_id": "P1", "customer_name": "Parent Holdings", "credit_limit": "1000"},
            {"customer_id": "C1", "customer_name": "Child One", "credit_limit": "800", "parent_id": "P1"},
            {"customer_id": "C2", "customer_name": "Child Two", "credit_limit": "800", "parent_id": "P1"}]
    items = [inv("I1", 0, 300, "P1"), inv("I2", 0, 500, "C1"), inv("I3", 0, 400, "C2")]
    r = run(tables(items, cust)).review.set_index("customer_id")
    assert list(r.loc[["P1", "C1", "C2"], "group_exposure"]) == [120000, 120000, 120000]
    assert list(r.loc[["C1", "C2"], "group_limit"]) == [100000, 100000]
    assert "group P1 over its limit by 200.00 USD" in r.at["C1", "reasons"]


def test_without_orders_the_masters_open_orders_count_in_exposure():
    cust = [dict(C1[0], open_orders="2500")]
    res = run(tables([inv("INV-1", 0, 1000)], cust))
    assert res.review.set_index("customer_id").at["C1", "exposure"] == 350000
    assert res.decisions.empty and res.notes


def test_bad_inputs_are_refused_naming_the_row():
    cust = [dict(C1[0], risk_class="HIGH")]
    rep = canonical(pd.DataFrame([{"customer_id": "C1", "report_date": "2026-09-30", "paydex": 120}]), "credit_reports")
    fin = canonical(pd.DataFrame([{"customer_id": "C1", "period_end": "2025-12-31", "scale": "12", "current_assets": 1,
                                   "current_liabilities": 1, "total_assets": 1, "total_liabilities": 1,
                                   "retained_earnings": 1, "equity": 0}]), "financials")
    res, errors = assess_credit(tables([], cust, credit_reports=rep, financials=fin), Settings(as_of=AS_OF))
    assert res is None
    got = {(e.table, e.row, e.column) for e in errors}
    assert got == {("customers", 2, "risk_class"), ("credit_reports", 2, "paydex"), ("financials", 2, "scale")}
