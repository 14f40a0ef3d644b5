"""Payments of a known payer without a usable reference that are a little short or over
(issue 14 item 4): within tolerance, the one item or combination that fits is applied — the
short written off, the excess on account; two that fit are a proposal; beyond tolerance only
proposals (the customer's one open item short-paid as a deduction, all its items over-paid
with the excess on account).  And the bounded combination search, checked against brute force."""
from __future__ import annotations

from itertools import combinations as subsets

import pandas as pd
from hypothesis import given, settings as hsettings, strategies as st

from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.amounts import combinations

CUSTOMERS = pd.DataFrame({"customer_id": ["C1", "C2"], "customer_name": ["Harbor Retail Ltd", "Quarry Foods Inc"]})


def items(*rows):
    return pd.DataFrame([{"customer_id": c, "document_no": d, "document_date": dd, "amount": a, "open_amount": a,
                          "currency": "USD"} for d, c, a, dd in rows])


def pay(amount, name="HARBOR RETAIL"):
    return pd.DataFrame([{"payment_id": "P1", "value_date": "2026-10-20", "amount": amount, "currency": "USD",
                          "payer_name": name, "reference": "thank you"}])


def run(oi, p):
    res = apply_cash(oi, p, customers=CUSTOMERS)
    return res, res.applications.set_index("document_no")


OI = items(("INV-1", "C1", "1,200.00", "2026-08-01"), ("INV-2", "C1", "730.45", "2026-08-15"),
           ("INV-3", "C1", "311.99", "2026-09-01"), ("INV-9", "C2", "1,199.98", "2026-08-01"))


def test_two_cents_short_of_the_payers_one_item_is_applied_and_written_off():
    res, a = run(OI, pay("1,199.98"))
    assert a.loc["INV-1", ["status", "rule", "applied_amount", "write_off_amount"]].tolist() == [
        "AUTO", "AMOUNT_TOLERANCE", 119998, 2]
    assert res.unapplied.empty
    assert "written off" in a.loc["INV-1", "evidence"]


def test_a_little_over_a_combination_is_applied_with_the_excess_on_account():
    res, a = run(OI, pay("1,045.44"))                       # INV-2 + INV-3 = 1,042.44, 3.00 over
    auto = a[a["status"] == "AUTO"]
    assert sorted(auto.index) == ["INV-2", "INV-3"] and auto["applied_amount"].sum() == 104244
    u = res.unapplied.set_index("payment_id").loc["P1"]
    assert (u["amount_unapplied"], u["reason"]) == (300, "ON_ACCOUNT")


def test_two_items_within_tolerance_are_only_a_proposal():
    oi = pd.concat([OI, items(("INV-4", "C1", "1,200.01", "2026-09-10"))], ignore_index=True)
    res, a = run(oi, pay("1,199.99"))
    assert set(a["status"]) == {"REVIEW"}
    assert res.unapplied.set_index("payment_id").loc["P1", "amount_unapplied"] == 119999


def test_beyond_tolerance_the_only_item_short_paid_is_a_deduction_proposal():
    oi = items(("INV-7", "C2", "2,000.00", "2026-08-01"))
    res, a = run(oi, pay("1,800.00", "QUARRY FOODS"))
    assert a.loc["INV-7", ["status", "rule", "applied_amount", "deduction_amount"]].tolist() == [
        "REVIEW", "AMOUNT_SHORT", 180000, 20000]
    assert res.open_items_after.set_index("document_no").loc["INV-7", "open_amount"] == 200000   # nothing deducted


def test_beyond_tolerance_more_than_everything_open_is_an_on_account_proposal():
    res, a = run(OI, pay("2,500.00"))
    assert set(a["status"]) == {"REVIEW"} and set(a["rule"]) == {"AMOUNT_OVER"}
    assert sorted(a.index) == ["INV-1", "INV-2", "INV-3"]


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=2, max_size=9), st.integers(2, 1200), st.integers(0, 6))
def test_combinations_within_a_slack_are_the_brute_force_ones(amounts, target, slack):
    found, complete = combinations(amounts, target, slack=slack, want=1000)
    brute = sorted(c for k in (2, 3, 4) for c in subsets(range(len(amounts)), k)
                   if target <= sum(amounts[i] for i in c) <= target + slack)
    assert complete
    assert sorted(found) == brute
