"""Receivables KPIs on hand-worked examples (the arithmetic is written next to each assert)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from xl_collections.ar import kpi
from xl_collections.ar.aging import age

AS_OF = dt.date(2026, 10, 31)
D = Decimal


def test_dso():
    # AR 450,000 / credit sales 900,000 over 90 days -> 0.5 × 90 = 45 days
    assert kpi.dso(450_000, 900_000, 90) == D(45)
    # in cents: 1,234.56 / 3,000.00 × 30 = 12.3456 days
    assert kpi.dso(123456, 300000, 30) == D("12.3456")
    assert kpi.dso(100, 0, 90) is None


def test_best_possible_dso_and_add():
    # current AR 300,000 / 900,000 × 90 = 30 days; ADD = 45 − 30 = 15 days
    bp = kpi.best_possible_dso(300_000, 900_000, 90)
    assert bp == D(30)
    assert kpi.average_days_delinquent(kpi.dso(450_000, 900_000, 90), bp) == D(15)
    assert kpi.average_days_delinquent(None, bp) is None


def test_countback_dso():
    # AR 250; Oct sales 100 (31 d) -> left 150, 31 d; Sep 120 (30 d) -> left 30, 61 d;
    # Aug 60 (31 d): 30 / 60 × 31 = 15.5 -> 76.5 days
    assert kpi.countback_dso(250, [100, 120, 60], [31, 30, 31]) == D("76.5")
    # AR exactly the first month's sales: 100 / 100 × 31 = 31 days
    assert kpi.countback_dso(100, [100, 50], [31, 30]) == D(31)
    # AR beyond every month given: all their days, a lower bound: 31 + 30 = 61
    assert kpi.countback_dso(1000, [100, 50], [31, 30]) == D(61)
    # a month without sales is walked over: 0 (30 d) then 40 / 80 × 31 = 15.5 -> 45.5
    assert kpi.countback_dso(40, [0, 80], [30, 31]) == D("45.5")
    assert kpi.countback_dso(-5, [10], 30) == 0
    assert kpi.countback_dso(15, [10, 10], 30) == D(45)  # 30 + 5/10 × 30
    with pytest.raises(ValueError):
        kpi.countback_dso(1, [1, 2], [30])


def test_cei():
    # begin 500 + sales 1,000 − end 600 = 900 collected; 500 + 1,000 − current 300 = 1,200 collectable
    # 900 / 1,200 × 100 = 75 %
    assert kpi.cei(500, 1000, 600, 300) == D(75)
    assert kpi.cei(0, 0, 0, 0) is None


def test_percentages():
    # 250 past due of 1,000 -> 25 %; 40 over 90 of 1,000 -> 4 %
    assert kpi.pct_past_due(250, 1000) == D(25)
    assert kpi.pct_over_90(40, 1000) == D(4)
    assert kpi.pct_past_due(1, 0) is None
    # 1.5 / 4.5 = 33.333… %: unrounded Decimal (28 significant digits); the table rounds to 0.01
    assert kpi.pct_past_due(D("1.5"), D("4.5")).quantize(D("0.01")) == D("33.33")


def _aging():
    oi = pd.DataFrame({
        "customer_id": ["C1", "C1", "C2", "C3"],
        "document_no": ["1", "2", "3", "4"],
        "document_date": ["2026-09-01", "2026-10-01", "2026-06-01", "2026-10-05"],
        "due_date": ["2026-10-01", "2026-10-31", "2026-07-01", "2026-11-04"],
        "open_amount": [1000, 500, 300, 200],
        "currency": ["USD", "USD", "USD", "EUR"],
    })
    fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.5"]})
    return age(oi, AS_OF, fx_rates=fx)


def _register():
    return pd.DataFrame({
        "document_no": ["1", "2", "3", "4", "5", "6"],
        "customer_id": ["C1", "C1", "C2", "C3", "C2", "C2"],
        "document_date": ["2026-09-01", "2026-10-01", "2026-06-01", "2026-10-05", "2026-08-15", "2026-10-10"],
        "amount": [1000, 1500, 300, 200, -50, 100],
        "currency": ["USD", "USD", "USD", "EUR", "USD", "USD"],
    })


def test_receivables_kpis_table():
    res = _aging()
    # AR: 1,000 (30 d, 1-30) + 500 (0 d, not due) + 300 (122 d, 121+) + 200 EUR × 1.5 = 300 (not due) = 2,100
    # current 800, past due 1,300, over 90 = 300
    gl = pd.DataFrame({"period": ["2026-10"], "opening_balance": [1200], "closing_balance": [2100]})
    t = kpi.receivables_kpis(res, _register(), gl).set_index("kpi")
    assert list(t.columns) == ["value", "unit", "formula", "inputs"]
    # credit sales 2026-08-03..2026-10-31 (positive only): 1,000 + 1,500 + 300 (EUR 200 × 1.5) + 100 = 2,900
    # DSO = 2,100 / 2,900 × 90 = 65.17… -> 65.2
    assert t.loc["DSO", "value"] == D("65.2") and t.loc["DSO", "unit"] == "days"
    # BPDSO = 800 / 2,900 × 90 = 24.83 -> 24.8 ; ADD = 65.172… − 24.827… = 40.34… -> 40.3
    assert t.loc["Best-possible DSO", "value"] == D("24.8")
    assert t.loc["ADD", "value"] == D("40.3")
    # countback: Oct sales 1,500 + 300 + 100 = 1,900 >= AR 2,100? no: 2,100 > 1,900 -> 31 d, left 200;
    # Sep 1,000: 200 / 1,000 × 30 = 6 -> 37 days
    assert t.loc["Countback DSO", "value"] == D("37.0")
    # CEI: (1,200 + 1,900 − 2,100) / (1,200 + 1,900 − 800) × 100 = 1,000 / 2,300 × 100 = 43.478… -> 43.48
    assert t.loc["CEI", "value"] == D("43.48") and t.loc["CEI", "unit"] == "%"
    assert "GL opening balance 2026-10" in t.loc["CEI", "inputs"]
    # % past due 1,300 / 2,100 = 61.904… -> 61.90 ; % over 90: 300 / 2,100 = 14.285… -> 14.29
    assert t.loc["% past due", "value"] == D("61.90")
    assert t.loc["% over 90 days", "value"] == D("14.29")
    assert "USD 2100.00" in t.loc["DSO", "inputs"]


def test_begin_ar_from_previous_close_or_prior_aging():
    res = _aging()
    gl = pd.DataFrame({"period": ["2026-09"], "closing_balance": [1100]})
    t = kpi.receivables_kpis(res, _register(), gl).set_index("kpi")
    # (1,100 + 1,900 − 2,100) / (1,100 + 1,900 − 800) × 100 = 900 / 2,200 = 40.909… -> 40.91
    assert t.loc["CEI", "value"] == D("40.91") and "closing balance 2026-09" in t.loc["CEI", "inputs"]
    prior = res.summary.copy()
    prior.loc[prior.index[-1], "total_open"] = 150000  # prior TOTAL 1,500.00
    t = kpi.receivables_kpis(res, _register(), prior_summary=prior).set_index("kpi")
    # (1,500 + 1,900 − 2,100) / (1,500 + 1,900 − 800) = 1,300 / 2,600 = 50 %
    assert t.loc["CEI", "value"] == D("50.00")
    t = kpi.receivables_kpis(res, _register()).set_index("kpi")
    assert t.loc["CEI", "value"] is None and "not computed" in t.loc["CEI", "inputs"]


def test_without_register_only_the_aging_kpis():
    t = kpi.receivables_kpis(_aging()).set_index("kpi")
    assert t.loc["DSO", "value"] is None and "no invoice register" in t.loc["DSO", "inputs"]
    assert t.loc["% past due", "value"] == D("61.90")


def test_period_days():
    t = kpi.receivables_kpis(_aging(), _register(), period_days=30).set_index("kpi")
    # 2026-10-02..2026-10-31: 300 (EUR) + 100 = 400 ; 2,100 / 400 × 30 = 157.5
    assert t.loc["DSO", "value"] == D("157.5")


# ------------------------------------------------------------------ credit sales by month: register, then GL debits

def _october_register():
    # October only, as the billing system's register for the period: 1,500 + EUR 200 × 1.5 + 100 = 1,900
    return pd.DataFrame({"document_no": ["2", "4", "6", "7"], "customer_id": ["C1", "C3", "C2", "C2"],
                         "document_date": ["2026-10-01", "2026-10-05", "2026-10-10", "2026-10-12"],
                         "amount": [1500, 200, 100, -40], "currency": ["USD", "EUR", "USD", "USD"]})


def _gl(debits: dict, currency="USD"):
    periods = sorted(debits)
    gl = pd.DataFrame({"period": periods, "account": ["1200"] * len(periods),
                       "debits": [debits[p] for p in periods], "currency": [currency] * len(periods),
                       "closing_balance": [0] * len(periods)})
    gl["opening_balance"] = [None] * len(periods)
    gl.loc[gl["period"] == "2026-10", "opening_balance"] = 1200
    return gl


def test_earlier_months_from_gl_debits_and_a_prorated_month():
    gl = _gl({"2026-07": 2000, "2026-08": 3100, "2026-09": 3000, "2026-10": 9999})   # October: the register's
    res = _aging()
    monthly = kpi.credit_sales_by_month(res, _october_register(), gl)
    assert list(monthly["month"]) == ["2026-10", "2026-09", "2026-08", "2026-07"]
    assert list(monthly["source"]) == ["register", "GL debits 2026-09", "GL debits 2026-08", "GL debits 2026-07"]
    assert list(monthly["credit_sales"]) == [1900_00, 3000_00, 3100_00, 2000_00]
    assert list(monthly["days"]) == [31, 30, 31, 31]
    t = kpi.receivables_kpis(res, _october_register(), gl).set_index("kpi")
    # window 2026-08-03..2026-10-31 (90 d): 1,900 (register) + 3,000 (GL Sep) + 3,100 × 29/31 = 2,900 (GL Aug) = 7,800
    # DSO = 2,100 / 7,800 × 90 = 24.23… -> 24.2 ; BPDSO = 800 / 7,800 × 90 = 9.23… -> 9.2 ; ADD = 15.0
    assert t.loc["DSO", "value"] == D("24.2")
    assert t.loc["Best-possible DSO", "value"] == D("9.2")
    assert t.loc["ADD", "value"] == D("15.0")
    inputs = t.loc["DSO", "inputs"]
    assert "2026-08-03..2026-10-31 USD 7800.00" in inputs and "days 90" in inputs and "shortened" not in inputs
    assert "2026-10 USD 1900.00 (register)" in inputs and "2026-09 USD 3000.00 (GL debits 2026-09)" in inputs
    assert "2026-08 USD 2900.00 (GL debits 2026-08 × 29/31 d)" in inputs
    # countback: AR 2,100 > Oct 1,900 -> 31 d, 200 left; Sep 3,000: 200 / 3,000 × 30 = 2 -> 33.0 days
    assert t.loc["Countback DSO", "value"] == D("33.0")
    assert "GL debits 2026-09" in t.loc["Countback DSO", "inputs"]
    assert "2 earlier month(s) given, not needed" in t.loc["Countback DSO", "inputs"]
    # CEI on the as-of month from the register: (1,200 + 1,900 − 2,100) / (1,200 + 1,900 − 800) = 43.48 %
    assert t.loc["CEI", "value"] == D("43.48") and "(register)" in t.loc["CEI", "inputs"]


def test_countback_beyond_every_month_given_is_a_lower_bound_and_the_window_shortens():
    gl = _gl({"2026-09": 125})
    t = kpi.receivables_kpis(_aging(), _october_register(), gl).set_index("kpi")
    # AR 2,100 > 1,900 + 125: both months' days, 31 + 30 = 61, a lower bound
    assert t.loc["Countback DSO", "value"] == D("61.0")
    assert "a lower bound" in t.loc["Countback DSO", "inputs"]
    # the sources reach back to 2026-09-01 only: 61 days; 2,100 / 2,025 × 61 = 63.259… -> 63.3
    assert t.loc["DSO", "value"] == D("63.3")
    assert "window shortened from 90 days: credit sales known from 2026-09-01" in t.loc["DSO", "inputs"]
    assert "days 61" in t.loc["DSO", "inputs"]


def test_register_of_one_month_without_gl():
    t = kpi.receivables_kpis(_aging(), _october_register()).set_index("kpi")
    # 2,100 / 1,900 × 31 = 34.26… -> 34.3 over the 31 days the register covers
    assert t.loc["DSO", "value"] == D("34.3") and "shortened" in t.loc["DSO", "inputs"]
    assert t.loc["Countback DSO", "value"] == D("31.0") and "lower bound" in t.loc["Countback DSO", "inputs"]


def test_gl_debits_alone_give_every_month():
    gl = _gl({"2026-09": 3000, "2026-10": 1900})
    t = kpi.receivables_kpis(_aging(), None, gl).set_index("kpi")
    # 2,100 / (1,900 + 3,000) × 61 = 26.14… -> 26.1 ; countback 31 + 200 / 3,000 × 30 = 33.0
    assert t.loc["DSO", "value"] == D("26.1")
    assert "2026-10 USD 1900.00 (GL debits 2026-10)" in t.loc["DSO", "inputs"]
    assert t.loc["Countback DSO", "value"] == D("33.0")


def test_gl_debits_in_another_currency_are_converted():
    gl = _gl({"2026-09": 2000}, currency="EUR")            # EUR 2,000 × 1.5 = USD 3,000
    t = kpi.receivables_kpis(_aging(), _october_register(), gl).set_index("kpi")
    assert t.loc["Countback DSO", "value"] == D("33.0")


def test_a_stray_register_line_of_the_month_before_does_not_replace_that_months_gl_debits():
    reg = pd.concat([_october_register(), pd.DataFrame({"document_no": ["9"], "customer_id": ["C1"],
                     "document_date": ["2026-09-30"], "amount": [500], "currency": ["USD"]})], ignore_index=True)
    gl = _gl({"2026-09": 3000})
    monthly = kpi.credit_sales_by_month(_aging(), reg, gl)
    assert list(monthly["source"]) == ["register", "GL debits 2026-09"]
    assert list(monthly["credit_sales"]) == [1900_00, 3000_00]
    # without a GL the register is all there is: September from its one line
    monthly = kpi.credit_sales_by_month(_aging(), reg)
    assert list(monthly["source"]) == ["register", "register"] and list(monthly["credit_sales"]) == [1900_00, 500_00]


def test_demo_book_kpis_are_realistic_and_name_their_sources():
    from xl_collections.demo import generate

    b = generate(items=1500, seed=7)
    res = age(b.open_items, b.settings.as_of, customers=b.customers, fx_rates=b.fx_rates)
    t = kpi.receivables_kpis(res, b.register, b.gl, fx_rates=b.fx_rates).set_index("kpi")
    assert 40 <= t.loc["DSO", "value"] <= 70
    assert 40 <= t.loc["Countback DSO", "value"] <= 70
    assert 20 <= t.loc["% past due", "value"] <= 40
    assert "(register)" in t.loc["DSO", "inputs"] and "(GL debits 2026-09)" in t.loc["DSO", "inputs"]
    assert "days 90" in t.loc["DSO", "inputs"] and "lower bound" not in t.loc["Countback DSO", "inputs"]
