"""Altman Z'' and the credit score.

Z'' (Altman 1995, for private and non-manufacturing firms): ``6.56·X1 + 3.26·X2 + 6.72·X3 +
1.05·X4`` with zones SAFE > 2.60, GREY 1.10–2.60, DISTRESS < 1.10 — the coefficients and
cut-offs as published in E. I. Altman, "Predicting Financial Distress of Companies: Revisiting
the Z-Score and ZETA Models" (NYU Stern working paper, 2000, section on the Z''-score), in
Altman & Hotchkiss, *Corporate Financial Distress and Bankruptcy* (3rd ed., Wiley 2006, ch. 11)
and in E. I. Altman, "Applications of Distress Prediction Models: What Have We Learned After
50 Years from the Z-Score Models?", Int. J. Financial Stud. 2018, 6(3), 70.  The worked
examples below are computed by hand from those coefficients with exact fractions.
"""
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from xl_collections.credit import assess_credit
from xl_collections.credit.ratios import Statement, altman_z, ratios, shown, zone
from xl_collections.credit.scoring import (CLASSES, DEFAULT_POLICY, add_months, class_of, policy,
                                           recommended_limit, review_date, score)
from xl_collections.io.validate import canonical
from xl_collections.core.settings import BY_CELL, CREDIT_FACTORS, Settings, from_named_values, from_settings_file

D = Decimal


def by_hand(ca, cl, ta, tl, re, ebit, eq) -> Fraction:
    f = Fraction
    return (f("6.56") * f(ca - cl, ta) + f("3.26") * f(re, ta) + f("6.72") * f(ebit, ta) + f("1.05") * f(eq, tl))


@pytest.mark.parametrize("figures, z2, zone_", [
    # a healthy distributor: X1 0.25, X2 0.30, X3 0.12, X4 1.5 -> 1.64 + 0.978 + 0.8064 + 1.575 = 4.9994
    ((450_000, 200_000, 1_000_000, 400_000, 300_000, 120_000, 600_000), D("5.00"), "SAFE"),
    # a mid-sized wholesaler: X1 0.1, X2 0.2, X3 0.05, X4 2/3 -> 0.656 + 0.652 + 0.336 + 0.7 = 2.344
    ((400, 300, 1000, 600, 200, 50, 400), D("2.34"), "GREY"),
    # a retailer in trouble: X1 -0.1, X2 -0.15, X3 -0.04, X4 0.125 -> -0.656 - 0.489 - 0.2688 + 0.13125
    ((250, 350, 1000, 800, -150, -40, 100), D("-1.28"), "DISTRESS"),
])
def test_altman_z_worked_examples(figures, z2, zone_):
    z = altman_z(*figures)
    assert Fraction(z) == by_hand(*figures)
    assert shown(z) == z2 and zone(z) == zone_


def test_zones_at_their_boundaries_use_the_unrounded_value():
    # X2 0.25, X4 1.7: 0.815 + 1.785 = 2.600 exactly -> GREY (SAFE is above 2.60)
    at_safe = altman_z(100, 100, 1000, 100, 250, 0, 170)
    assert at_safe == D("2.60") and zone(at_safe) == "GREY"
    # X2 -0.5, X4 2.6: -1.63 + 2.73 = 1.10 exactly -> GREY (DISTRESS is below 1.10)
    at_distress = altman_z(0, 0, 1000, 100, -500, 0, 260)
    assert at_distress == D("1.10") and zone(at_distress) == "GREY"
    # a hair above 2.60 is SAFE though it shows 2.60; a hair below 1.10 is DISTRESS though it shows 1.10
    above = altman_z(100, 100, 1000, 100, 250, 0, D("170.001"))
    below = altman_z(0, 0, 1000, 100, -500, 0, D("259.999"))
    assert (shown(above), zone(above)) == (D("2.60"), "SAFE")
    assert (shown(below), zone(below)) == (D("1.10"), "DISTRESS")


def test_altman_z_is_undefined_without_assets_liabilities_or_ebit():
    assert altman_z(1, 1, 0, 1, 1, 1, 1) is None
    assert altman_z(1, 1, 1, 0, 1, 1, 1) is None
    assert altman_z(1, 1, 1, 1, 1, None, 1) is None
    assert zone(None) == ""


def test_ratios_of_a_statement():
    s = Statement(current_assets=D(400), current_liabilities=D(200), total_assets=D(1000), total_liabilities=D(600),
                  retained_earnings=D(150), equity=D(400), ebit=D(90), revenue=D(1460), cost_of_sales=D(1095),
                  interest_expense=D(30), inventory=D(100), intangible_assets=D(50), accounts_receivable=D(200),
                  accounts_payable=D(150))
    r = ratios(s)
    assert (r.current_ratio, r.quick_ratio, r.debt_to_equity, r.interest_cover) == (2, D("1.5"), D("1.5"), 3)
    assert r.equity_ratio == D("0.4")
    assert (r.dso, r.dpo, r.tangible_net_worth) == (50, 50, 350)
    neg = ratios(Statement(D(1), D(1), D(10), D(12), D(-5), D(-2)))
    assert neg.negative_equity and neg.debt_to_equity == -6 and neg.interest_cover is None
    assert neg.equity_ratio == D("-0.2") and DEFAULT_POLICY.factor("equity_ratio").score(neg.equity_ratio) == 0


# ---------------------------------------------------------------- the score

def direction(f) -> int:
    """+1 when a higher input scores higher, -1 when lower is better."""
    return 1 if f.points[-1][1] > f.points[0][1] else -1


def value_in(f, u: float) -> Decimal:
    lo, hi = f.points[0][0], f.points[-1][0]
    span = hi - lo
    return lo - span / 4 + D(str(round(u, 6))) * span * D("1.5")


@st.composite
def two_customers(draw):
    """A customer and a second one at least as strong on every input both have."""
    present = draw(st.lists(st.booleans(), min_size=len(DEFAULT_POLICY.factors), max_size=len(DEFAULT_POLICY.factors)))
    a, b = {}, {}
    for f, has in zip(DEFAULT_POLICY.factors, present):
        if not has:
            continue
        x = value_in(f, draw(st.floats(0, 1)))
        step = D(str(round(draw(st.floats(0, 1)), 6))) * (f.points[-1][0] - f.points[0][0])
        a[f.name], b[f.name] = x, x + direction(f) * step
    return a, b


@settings(max_examples=300, deadline=None)
@given(two_customers())
def test_stronger_on_every_input_never_gets_a_worse_class(pair):
    weak, strong = pair
    s_weak, s_strong = score(weak), score(strong)
    if s_weak.score is None:
        return
    assert s_strong.score >= s_weak.score
    if s_weak.credit_class and s_strong.credit_class:
        assert CLASSES.index(s_strong.credit_class) <= CLASSES.index(s_weak.credit_class)


@settings(max_examples=200, deadline=None)
@given(st.sets(st.sampled_from([f.name for f in DEFAULT_POLICY.factors]), min_size=1))
def test_strong_on_all_and_weak_on_all_are_at_least_a_class_apart(names):
    best = {f.name: f.points[0][0] if direction(f) < 0 else f.points[-1][0] for f in DEFAULT_POLICY.factors
            if f.name in names}
    worst = {f.name: f.points[-1][0] if direction(f) < 0 else f.points[0][0] for f in DEFAULT_POLICY.factors
             if f.name in names}
    a, e = score(best), score(worst)
    if not a.credit_class:                # too little weight to class: both unclassed
        assert not e.credit_class
        return
    assert (a.credit_class, e.credit_class) == ("A", "E")


def test_each_factor_table_runs_one_way_and_weights_sum_to_100():
    assert sum(f.weight for f in DEFAULT_POLICY.factors) == 100
    for f in DEFAULT_POLICY.factors:
        xs = [p[0] for p in f.points]
        ys = [p[1] for p in f.points]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)
        assert ys == sorted(ys) or ys == sorted(ys, reverse=True)


@pytest.mark.parametrize("value, cls", [(D("80.0"), "A"), (D("79.9"), "B"), (D("65.0"), "B"), (D("64.9"), "C"),
                                        (D("50.0"), "C"), (D("49.9"), "D"), (D("35.0"), "D"), (D("34.9"), "E")])
def test_class_thresholds(value, cls):
    assert class_of(value) == cls


def test_factor_points_interpolate_between_the_table_points():
    paydex = DEFAULT_POLICY.factor("paydex")
    assert [paydex.score(D(x)) for x in (10, 20, 35, 50, 75, 80, 95)] == [0, 0, 20, 40, 85, 100, 100]


def test_a_score_needs_enough_to_go_on():
    only_days = score({"max_days_past_due": D(0)})
    assert only_days.score == 100 and only_days.credit_class == ""
    assert score({"max_days_past_due": D(0), "paydex": D(80)}).credit_class == "A"
    assert score({}).score is None


@pytest.mark.parametrize("cls, expected", [("A", D(100000)), ("B", D(75000)), ("C", D(50000)), ("D", D(25000)),
                                           ("E", D(0))])
def test_recommended_limit_is_the_smallest_source_rounded_down(cls, expected):
    # tangible net worth 1,000,000 (10 % for A); the agency's 900,000; billing 40,000 a month
    got = recommended_limit(cls, tangible_net_worth=D(1_000_000), agency_limit=D(900_000), monthly_billing=D(40_000))
    billing = {"A": 120000, "B": 80000, "C": 60000, "D": 40000, "E": 0}[cls]
    agency = {"A": 900000, "B": 900000, "C": 675000, "D": 450000, "E": 0}[cls]
    assert got == min(expected, D(billing), D(agency))
    assert recommended_limit(cls) is None
    assert recommended_limit("A", agency_limit=D("12345.67")) == D(12000)


def test_review_dates():
    as_of = dt.date(2026, 10, 31)
    assert review_date("A", as_of) == dt.date(2027, 10, 31)
    assert review_date("C", as_of) == dt.date(2027, 4, 30)
    assert review_date("E", as_of) == dt.date(2026, 11, 30)
    assert review_date("A", as_of, dt.date(2026, 12, 15)) == dt.date(2026, 12, 15)
    assert review_date("", as_of, dt.date(2026, 12, 15)) == dt.date(2026, 12, 15)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


# ---------------------------------------------------------------- the engine end to end: strong vs weak

AS_OF = dt.date(2026, 10, 31)


def customer_book(profile: str):
    strong = profile == "strong"
    items = pd.DataFrame([("X", "INV-1", "2026-09-01", "2026-10-01" if strong else "2026-07-01", 1000)],
                         columns=["customer_id", "document_no", "document_date", "due_date", "open_amount"])
    fin = pd.DataFrame([{"customer_id": "X", "period_end": "2025-12-31", "scale": "1000",
                         "current_assets": 500 if strong else 100, "current_liabilities": 200 if strong else 300,
                         "total_assets": 1000, "total_liabilities": 300 if strong else 950,
                         "retained_earnings": 400 if strong else -200, "ebit": 150 if strong else -50,
                         "equity": 700 if strong else 50, "interest_expense": 10 if strong else 30}])
    rep = pd.DataFrame([{"customer_id": "X", "report_date": "2026-09-30", "paydex": 80 if strong else 30,
                         "failure_score": 90 if strong else 5, "recommended_limit": 50000}])
    hist = pd.DataFrame([("X", f"H{i}", "2026-05-01", "2026-06-01", 15000, "2026-05-30" if strong else "2026-08-15")
                         for i in range(4)],
                        columns=["customer_id", "document_no", "document_date", "due_date", "amount", "cleared_date"])
    cust = pd.DataFrame([{"customer_id": "X", "customer_name": "X Co", "credit_limit": 20000,
                          "credit_review_date": "2026-06-30"}])
    return {"open_items": canonical(items, "open_items"), "financials": canonical(fin, "financials"),
            "credit_reports": canonical(rep, "credit_reports"), "cleared_items": canonical(hist, "cleared_items"),
            "customers": canonical(cust, "customers")}


def test_a_strong_and_a_weak_customer_end_to_end():
    strong, _ = assess_credit(customer_book("strong"), Settings(as_of=AS_OF))
    weak, _ = assess_credit(customer_book("weak"), Settings(as_of=AS_OF))
    s, w = strong.review.iloc[0], weak.review.iloc[0]
    assert (s["computed_class"], w["computed_class"]) == ("A", "E")
    assert (s["altman_zone"], w["altman_zone"]) == ("SAFE", "DISTRESS")
    assert (s["add_days"], s["pct_paid_late"]) == (D("-2.0"), D(0))
    assert (w["add_days"], w["pct_paid_late"]) == (D("75.0"), D(1))
    # strong: the least of 10 % of tangible net worth 700,000, the agency's 50,000 and 3 months of
    # billing (4 x 15,000 cleared + 1,000 open in the last twelve months: 5,083.33 a month): 15,000
    assert s["recommended_limit"] == 1_500_000 and w["recommended_limit"] == 0
    assert "limit 20,000.00 USD above the recommended 0.00 USD" in w["reasons"]
    assert "review overdue since 2026-06-30" in s["reasons"]
    assert s["review_date"] == pd.Timestamp("2026-06-30")
    assert s["reasons"].startswith("class A (score ")


def acme() -> dict:
    """The README's worked example: Acme Foods' tables."""
    return {
        "customers": canonical(pd.DataFrame([{"customer_id": "ACME", "customer_name": "Acme Foods",
                                              "credit_limit": "50,000.00"}]), "customers"),
        "open_items": canonical(pd.DataFrame([("ACME", "INV-104233", "2026-09-11", "2026-10-11", "38000")],
                                             columns=["customer_id", "document_no", "document_date", "due_date",
                                                      "open_amount"]), "open_items"),
        "financials": canonical(pd.DataFrame([{"customer_id": "ACME", "period_end": "2025-12-31",
                                               "current_assets": 400000, "current_liabilities": 300000,
                                               "total_assets": 1000000, "total_liabilities": 600000,
                                               "retained_earnings": 200000, "ebit": 50000, "equity": 400000,
                                               "intangible_assets": 40000, "interest_expense": 10000}]), "financials"),
        "credit_reports": canonical(pd.DataFrame([{"customer_id": "ACME", "report_date": "2026-09-30", "paydex": 72,
                                                   "failure_score": 55, "recommended_limit": 60000}]), "credit_reports"),
        # 30% of the billing paid 20 days late, the rest on the day: 6 days late on average
        "cleared_items": canonical(pd.DataFrame([("ACME", "H1", "2026-03-01", "2026-03-31", 78600, "2026-04-20"),
                                                 ("ACME", "H2", "2026-05-01", "2026-05-31", 183400, "2026-05-31")],
                                                columns=["customer_id", "document_no", "document_date", "due_date",
                                                         "amount", "cleared_date"]), "cleared_items"),
        "orders": canonical(pd.DataFrame([("SO-1", "ACME", "2026-10-26", 9000), ("SO-2", "ACME", "2026-10-27", 6000),
                                          ("SO-3", "ACME", "2026-10-28", 4000), ("SO-4", "ACME", "2026-10-29", 1500)],
                                         columns=["order_no", "customer_id", "order_date", "amount"]), "orders"),
    }


def test_the_readme_worked_example():
    """README "Credit review and order decisions", worked example: every figure quoted there."""
    res, errors = assess_credit(acme(), Settings(as_of=AS_OF))
    assert errors == []
    r = res.review.iloc[0]
    assert (r["altman_z"], r["altman_zone"], r["add_days"], r["pct_paid_late"]) == (D("2.34"), "GREY", D("6.0"), D("0.3"))
    assert (r["score"], r["computed_class"], r["recommended_limit"]) == (D("71.2"), "B", 2_700_000)
    assert r["reasons"] == ("class B (score 71.2): strong: pays 6 days late on average, strong: PAYDEX 72, "
                            "strong: Altman Z'' 2.34 (grey zone); limit 50,000.00 USD above the recommended "
                            "27,000.00 USD")
    assert r["review_date"] == pd.Timestamp("2027-10-31")
    d = res.decisions.set_index("order_no")
    assert list(d["decision"]) == ["FLEX", "FLEX", "HOLD", "FLEX"]
    assert list(d["exposure_after"]) == [4_700_000, 5_300_000, 5_700_000, 5_450_000]
    assert d.at["SO-1", "reasons"] == "PAST_DUE_GRACE: 20 days past due on INV-104233 (grace 15 days)"
    assert "OVER_LIMIT: over limit by 3,000.00 USD" in d.at["SO-2", "reasons"]
    assert "OVER_FLEX: over limit by 7,000.00 USD (limit 50,000.00 USD, flex allows 10%)" in d.at["SO-3", "reasons"]


def history(*rows):
    return canonical(pd.DataFrame(rows, columns=["customer_id", "document_no", "document_date", "due_date", "amount",
                                                 "cleared_date", "currency"]), "cleared_items")


def test_payment_behaviour_window_weights_and_trend():
    from xl_collections.credit.behaviour import payment_behaviour

    fx = canonical(pd.DataFrame([{"currency": "EUR", "rate": "2"}]), "fx_rates")
    h = history(
        # W: on time before, 30 days late in the last 90 days -> WORSENING
        ("W", "1", "2026-01-01", "2026-02-01", 100, "2026-02-01", "USD"),
        ("W", "2", "2026-08-01", "2026-09-01", 100, "2026-10-01", "USD"),
        # I: 40 days late before, on time lately -> IMPROVING; the EUR invoice weighs double
        ("I", "3", "2026-01-01", "2026-02-01", 100, "2026-03-13", "EUR"),
        ("I", "4", "2026-08-01", "2026-09-01", 100, "2026-09-01", "USD"),
        # S: 3 days late throughout -> STEADY; a credit memo and a payment a year and a day ago do not count
        ("S", "5", "2026-01-01", "2026-02-01", 100, "2026-02-04", "USD"),
        ("S", "6", "2026-08-01", "2026-09-01", 100, "2026-09-04", "USD"),
        ("S", "7", "2026-08-01", "2026-08-01", -50, "2026-09-30", "USD"),
        ("S", "8", "2025-09-01", "2025-10-01", 999, "2025-10-30", "USD"),
    )
    b = payment_behaviour(h, AS_OF, fx_rates=fx).set_index("customer_id")
    assert list(b["trend"]) == ["IMPROVING", "STEADY", "WORSENING"]
    assert (b.at["W", "add_days"], b.at["W", "pct_paid_late"]) == (15, D("0.5"))
    assert b.at["I", "add_days"] == D(80) / 3 and b.at["I", "pct_paid_late"] == D(2) / 3
    assert (b.at["S", "documents"], b.at["S", "add_days"], b.at["S", "billing_12m"]) == (2, 3, 20000)


# ------------------------------------------------------------ the policy lives on Settings


def test_every_weight_and_threshold_is_a_settings_cell_with_the_readme_default():
    groups = {d.cell for d in BY_CELL.values() if d.group == "Credit scoring"}
    stems = {"AltmanZ", "CurrentRatio", "EquityRatio", "InterestCover", "DaysLate", "ShareLate", "DaysPastDue",
             "Paydex", "FailureScore"}
    assert {f.cell for f in CREDIT_FACTORS} == stems
    assert [f.name for f in DEFAULT_POLICY.factors] == [f.key for f in CREDIT_FACTORS]
    assert {f"CreditWeight{s}" for s in stems} | {f"CreditPoints{s}" for s in stems} <= groups
    assert {"CreditClassScores", "CreditMinWeight", "CreditLimitNetWorthPct", "CreditLimitAgencyPct",
            "CreditLimitBillingMonths", "CreditLimitRounding", "CreditReviewMonths", "CreditHistoryDays",
            "CreditTrendDays", "CreditTrendChangeDays"} <= groups
    # the README's table: weights 20, 7, 7, 6, 15, 10, 10, 15, 10 (100 in all); A >= 80 ... D >= 35
    assert [f.weight for f in DEFAULT_POLICY.factors] == [20, 7, 7, 6, 15, 10, 10, 15, 10]
    assert DEFAULT_POLICY.factor("altman_z").points == ((0, 0), (D("1.10"), 30), (D("2.60"), 70), (4, 100))
    assert [floor for _, floor in DEFAULT_POLICY.class_floors] == [80, 65, 50, 35]
    assert DEFAULT_POLICY.review_months == {"A": 12, "B": 12, "C": 6, "D": 3, "E": 1}
    assert DEFAULT_POLICY.limit_rounding == 1000 and DEFAULT_POLICY == policy(Settings())


def test_settings_change_the_class_limit_and_review_of_the_worked_example(tmp_path):
    f = tmp_path / "settings.csv"
    # stricter classes (71.2 is now C), C gets 4.6 % of net worth and a review every 4 months,
    # limits in whole 500s
    f.write_text("name,value\nCreditClassScores,\"90,80,70,60\"\nCreditLimitNetWorthPct,\"10%,7.5%,4.6%,2.5%,0%\"\n"
                 "CreditReviewMonths,12;12;4;3;1\nCreditLimitRounding,500\n")
    settings, errors = from_settings_file(f, Settings(as_of=AS_OF))
    assert errors == []
    r = assess_credit(acme(), settings)[0].review.iloc[0]
    # C: the least of 4.6 % x 360,000 = 16,560, 75 % of 60,000 and 1.5 x 25,000 billing, down to a 500
    assert (r["score"], r["computed_class"], r["recommended_limit"]) == (D("71.2"), "C", 1_650_000)
    assert r["review_date"] == pd.Timestamp("2027-02-28")


def test_a_weight_of_zero_leaves_the_factor_out_of_score_and_reasons():
    settings, errors = from_named_values({"CreditWeightDaysLate": 0, "CreditPointsPaydex": "20:0, 80:50"},
                                         Settings(as_of=AS_OF))
    assert errors == []
    r = assess_credit(acme(), settings)[0].review.iloc[0]
    # without days late (82.5 points x 15) and PAYDEX 72 at 43.3 points on the line 20:0 - 80:50:
    # (7,119.3 - 1,237.5 - 1,140 + 650) / 85 = 63.4
    assert r["score"] == D("63.4") and r["computed_class"] == "C"
    assert "days late" not in r["reasons"]


@pytest.mark.parametrize("cell, value", [
    ("CreditPointsPaydex", "20:0, 50:40, 70:30"),      # rises then falls
    ("CreditPointsPaydex", "50:0, 20:100"),            # inputs not increasing
    ("CreditPointsPaydex", "20:0, 80:120"),            # points above 100
    ("CreditPointsPaydex", "80"),                      # one point is no line
    ("CreditClassScores", "80,65,65,35"),              # classes must fall
    ("CreditClassScores", "80,65,50"),                 # one floor per class A-D
    ("CreditLimitAgencyPct", "50%,100%,75%,50%,0%"),   # B would get more than A
    ("CreditReviewMonths", "12,12,6,3"),               # one interval per class A-E
    ("CreditWeightPaydex", "-5"),
])
def test_a_bad_scoring_setting_is_refused_naming_its_cell(cell, value):
    settings, errors = from_named_values({cell: value})
    assert [(e.column, e.value) for e in errors] == [(cell, value)]
    assert settings == Settings()


def test_monthly_billing_is_averaged_over_the_history_days():
    # Acme bills 300,000 in the window (262,000 cleared + 38,000 open): 25,000 a month over 365
    # days, 12,500 over 730 days, so B's two months of billing (25,000) become the least source
    settings, errors = from_named_values({"CreditHistoryDays": 730}, Settings(as_of=AS_OF))
    assert errors == []
    r = assess_credit(acme(), settings)[0].review.iloc[0]
    assert (r["computed_class"], r["recommended_limit"]) == ("B", 2_500_000)
