"""Promises to pay (CONTRACT §6): the same book at several as-of dates, statuses at the
grace-day thresholds, payments counted toward one promise only."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xl_collections.collect import applied_cash, evaluate_promises, kept_pct, kept_rates
from xl_collections.io.validate import canonical

ACT_HEAD = ["customer_id", "date", "type", "document_no", "amount", "promise_date", "note", "collector"]


def activity(rows):
    return canonical(pd.DataFrame(rows, columns=ACT_HEAD), "activity")


def apps(rows):
    """(payment_id, document_no, customer_id, applied, status, value_date) -> applications."""
    return pd.DataFrame([{"payment_id": p, "document_no": d, "customer_id": c, "applied_amount": a, "status": s,
                          "value_date": pd.Timestamp(v), "currency": "USD"} for p, d, c, a, s, v in rows])


def judge(act, applications=None, as_of=dt.date(2026, 10, 31), cleared=None, grace=3):
    cash = applied_cash(applications, cleared=cleared, as_of=as_of)
    return evaluate_promises(act, cash, as_of=as_of, grace_days=grace)


ACT = activity([
    ["C1", "2026-10-10", "PROMISE", "INV1", "12,000.00", "2026-10-20", "will pay INV1", "Ana"],
])


@pytest.mark.parametrize("as_of, status", [
    (dt.date(2026, 10, 15), "PENDING"),     # before the promised date
    (dt.date(2026, 10, 20), "PENDING"),     # on it
    (dt.date(2026, 10, 23), "PENDING"),     # last day of grace (promise date + 3)
    (dt.date(2026, 10, 24), "BROKEN"),      # the day after: broken
    (dt.date(2026, 12, 31), "BROKEN"),
])
def test_unpaid_promise_moves_from_pending_to_broken_after_the_grace_days(as_of, status):
    got = judge(ACT, as_of=as_of)
    assert got["status"].tolist() == [status]
    assert got["paid_amount"].tolist() == [0]


@pytest.mark.parametrize("as_of, status, paid", [
    (dt.date(2026, 10, 21), "PENDING", 0),        # the payment of 10-22 is not known yet
    (dt.date(2026, 10, 22), "KEPT", 1200000),
    (dt.date(2026, 11, 30), "KEPT", 1200000),
])
def test_time_travel_a_payment_within_grace_keeps_the_promise(as_of, status, paid):
    a = apps([["P1", "INV1", "C1", 1200000, "AUTO", "2026-10-22"]])
    got = judge(ACT, a, as_of=as_of)
    assert got["status"].tolist() == [status] and got["paid_amount"].tolist() == [paid]
    if status == "KEPT":
        assert got["paid_date"].tolist() == [pd.Timestamp("2026-10-22")]


def test_payment_on_the_last_grace_day_keeps_it_the_day_after_is_too_late():
    on = judge(ACT, apps([["P1", "INV1", "C1", 1200000, "AUTO", "2026-10-23"]]))
    late = judge(ACT, apps([["P1", "INV1", "C1", 1200000, "AUTO", "2026-10-24"]]))
    early = judge(ACT, apps([["P1", "INV1", "C1", 1200000, "AUTO", "2026-10-09"]]))   # before the promise was made
    assert on["status"].tolist() == ["KEPT"]
    assert late["status"].tolist() == ["BROKEN"] and early["status"].tolist() == ["BROKEN"]


@pytest.mark.parametrize("applied, status", [
    (1199999, "KEPT"),      # promised − 0.01 is kept
    (1199998, "PARTIAL"),   # one cent more short is not
    (1, "PARTIAL"),
])
def test_kept_at_one_cent_short_partial_below(applied, status):
    got = judge(ACT, apps([["P1", "INV1", "C1", applied, "AUTO", "2026-10-20"]]))
    assert got["status"].tolist() == [status]


def test_partial_is_pending_while_the_grace_runs():
    got = judge(ACT, apps([["P1", "INV1", "C1", 500000, "AUTO", "2026-10-20"]]), as_of=dt.date(2026, 10, 23))
    assert got["status"].tolist() == ["PENDING"] and got["paid_amount"].tolist() == [500000]


def test_review_rows_are_not_cash_and_other_documents_do_not_count():
    a = apps([["P1", "INV1", "C1", 1200000, "REVIEW", "2026-10-20"],
              ["P2", "INV9", "C1", 1200000, "AUTO", "2026-10-20"]])
    assert judge(ACT, a)["status"].tolist() == ["BROKEN"]


def test_a_returned_payment_takes_its_cash_back():
    a = apps([["P1", "INV1", "C1", 1200000, "AUTO", "2026-10-20"],
              ["P1", "INV1", "C1", -1200000, "REVERSED", "2026-10-20"]])
    assert judge(ACT, a)["status"].tolist() == ["BROKEN"]


def test_each_payment_counts_toward_one_promise_only_in_promise_date_order():
    act = activity([
        ["C1", "2026-10-01", "PROMISE", "", "1,000.00", "2026-10-15", "", "Ana"],
        ["C1", "2026-10-02", "PROMISE", "", "1,000.00", "2026-10-12", "", "Ana"],   # earlier promise date: first
    ])
    a = apps([["P1", "INV1", "C1", 100000, "AUTO", "2026-10-10"]])
    got = judge(act, a).set_index("promise_date")
    assert got.loc[pd.Timestamp("2026-10-12"), "status"] == "KEPT"
    assert got.loc[pd.Timestamp("2026-10-15"), "status"] == "BROKEN"
    # a second payment keeps the second promise
    a2 = apps([["P1", "INV1", "C1", 100000, "AUTO", "2026-10-10"], ["P2", "INV2", "C1", 100000, "AUTO", "2026-10-14"]])
    assert judge(act, a2)["status"].tolist() == ["KEPT", "KEPT"]


def test_a_customer_promise_takes_cash_on_any_document_and_several_payments():
    act = activity([["C1", "2026-10-01", "PROMISE", "", "3,000.00", "2026-10-15", "", "Ana"]])
    a = apps([["P1", "INV1", "C1", 100000, "AUTO", "2026-10-05"], ["P2", "INV2", "C1", 200000, "AUTO", "2026-10-16"],
              ["P3", "INV3", "C2", 500000, "AUTO", "2026-10-16"]])     # another customer's cash: not ours
    got = judge(act, a)
    assert got["status"].tolist() == ["KEPT"] and got["paid_amount"].tolist() == [300000]
    assert got["paid_date"].tolist() == [pd.Timestamp("2026-10-16")]


def test_cleared_items_meet_promises_too_and_are_not_double_counted():
    cleared = canonical(pd.DataFrame([["C1", "INV1", "2026-09-01", "2026-10-01", "12,000.00", "2026-10-19"]],
                                     columns=["customer_id", "document_no", "document_date", "due_date", "amount",
                                              "cleared_date"]), "cleared_items")
    assert judge(ACT, cleared=cleared)["status"].tolist() == ["KEPT"]
    both = judge(ACT, apps([["P1", "INV1", "C1", 600000, "AUTO", "2026-10-19"]]), cleared=cleared)
    assert both["paid_amount"].tolist() == [600000]       # the application, not the cleared copy as well


def test_promise_without_amount_or_date_and_promises_after_as_of():
    act = activity([
        ["C1", "2026-10-10", "PROMISE", "", "", "2026-10-20", "will pay", "Ana"],
        ["C2", "2026-10-10", "PROMISE", "", "500.00", "", "paying today", "Ana"],
        ["C3", "2026-11-05", "PROMISE", "", "500.00", "2026-11-10", "logged later", "Ana"],
    ])
    got = judge(act, apps([["P1", "INV1", "C1", 1, "AUTO", "2026-10-12"]])).set_index("customer_id")
    assert got.loc["C1", "status"] == "KEPT"
    assert got.loc["C2", "status"] == "BROKEN" and got.loc["C2", "due_by"] == pd.Timestamp("2026-10-13")
    assert "C3" not in got.index


def test_kept_rates_per_collector_and_overall():
    act = activity([
        ["C1", "2026-10-01", "PROMISE", "", "100.00", "2026-10-05", "", "Ana"],
        ["C1", "2026-10-01", "PROMISE", "", "100.00", "2026-10-06", "", "Ana"],
        ["C2", "2026-10-01", "PROMISE", "", "100.00", "2026-10-05", "", "Bo"],
        ["C2", "2026-10-30", "PROMISE", "", "100.00", "2026-11-05", "", "Bo"],    # pending: not judged
    ])
    got = judge(act, apps([["P1", "INV1", "C1", 10000, "AUTO", "2026-10-02"]]))
    rates = kept_rates(got, "collector").set_index("collector")
    assert rates.loc["Ana", "kept_pct"] == 0.5 and rates.loc["Bo", "kept_pct"] == 0.0
    assert rates.loc["Bo", "judged"] == 1
    assert kept_pct(got) == pytest.approx(1 / 3)


@hsettings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 50_000), st.sampled_from(["C1", "C2"])), max_size=8),
       st.lists(st.tuples(st.integers(0, 40), st.integers(0, 30), st.integers(1, 50_000), st.sampled_from(["C1", "C2"])),
                max_size=6))
def test_cash_is_never_counted_twice_and_statuses_follow_the_rule(payments, promises):
    base = pd.Timestamp("2026-10-01")
    a = apps([[f"P{i}", f"INV{i}", c, amt, "AUTO", base + pd.Timedelta(days=d)] for i, (d, amt, c) in enumerate(payments)])
    act = activity([[c, (base + pd.Timedelta(days=d)).date().isoformat(), "PROMISE", "", f"{amt / 100:.2f}",
                     (base + pd.Timedelta(days=d + w)).date().isoformat(), "", "Ana"]
                    for d, w, amt, c in promises])
    as_of = dt.date(2026, 11, 15)
    got = judge(act, a if len(a) else None, as_of=as_of)
    assert len(got) == len(promises)
    for c in ("C1", "C2"):
        cash = sum(amt for _, amt, cc in payments if cc == c)
        assert got.loc[got["customer_id"] == c, "paid_amount"].sum() <= cash
    for r in got.itertuples():
        if r.paid_amount >= r.promised_amount - 1:
            assert r.status == "KEPT"
        elif pd.Timestamp(as_of) <= r.due_by:
            assert r.status == "PENDING"
        else:
            assert r.status == ("PARTIAL" if r.paid_amount > 0 else "BROKEN")


def test_the_commentary_states_the_judged_promises():
    from xl_collections.ar.aging import age
    from xl_collections.commentary.drafts import build_commentary

    items = canonical(pd.DataFrame([["C1", "INV1", "INV", "2026-08-01", "2026-08-31", "20,000.00"]],
                                   columns=["customer_id", "document_no", "doc_type", "document_date", "due_date",
                                            "open_amount"]), "open_items")
    act = activity([["C1", "2026-10-10", "PROMISE", "INV1", "12,000.00", "2026-10-20", "", "Ana"],
                    ["C1", "2026-10-11", "PROMISE", "", "5,000.00", "2026-10-22", "", "Ana"]])
    judged = judge(act, apps([["P1", "INV7", "C1", 100000, "AUTO", "2026-10-21"]]))
    res = build_commentary(age(items, dt.date(2026, 10, 31)), as_of=dt.date(2026, 10, 31), threshold=0,
                           activity=act, promises=judged)
    text = res.rows.iloc[0]["comment"]
    assert "Promise of 2026-10-10 to pay USD 12,000.00 for INV1 by 2026-10-20 was broken." in text
    assert "Promise of 2026-10-11 to pay USD 5,000.00 by 2026-10-22 was partly kept." in text


def test_promises_kept_kpi():
    from decimal import Decimal

    from xl_collections.collect.promises import kept_kpi

    act = activity([
        ["C1", "2026-10-01", "PROMISE", "", "100.00", "2026-10-05", "", "Ana"],      # kept
        ["C1", "2026-10-01", "PROMISE", "", "100.00", "2026-10-06", "", "Ana"],      # partial
        ["C2", "2026-10-01", "PROMISE", "", "100.00", "2026-10-05", "", "Bo"],       # broken
        ["C2", "2026-10-30", "PROMISE", "", "100.00", "2026-11-05", "", "Bo"],       # pending
    ])
    got = judge(act, apps([["P1", "INV1", "C1", 10000, "AUTO", "2026-10-02"], ["P2", "INV2", "C1", 50, "AUTO", "2026-10-06"]]))
    row = kept_kpi(got)
    assert row["kpi"] == "Promises kept" and row["value"] == Decimal("33.33") and row["unit"] == "%"
    assert row["inputs"].startswith("1 kept of 3 judged (1 partial, 1 broken); 1 pending")
    assert kept_kpi(got.iloc[0:0])["value"] is None


def test_cash_of_customers_without_promises_and_arrow_text_change_nothing():
    act = activity([["C1", "2026-10-10", "PROMISE", "INV1", "120.00", "2026-10-20", "", "Ana"],
                    ["C2", "2026-10-11", "PROMISE", "", "50.00", "2026-10-21", "", "Bo"]])
    base = [("P1", "INV1", "C1", 6000, "AUTO", "2026-10-12"), ("P2", "INV9", "C2", 5000, "AUTO", "2026-10-13"),
            ("P3", "INV1", "C1", 6000, "AUTO", "2026-10-19")]
    others = [(f"Q{i}", f"INV{i}", f"C{i + 3}", 100 + i, "AUTO", "2026-10-14") for i in range(50)]
    cash = applied_cash(apps(base), as_of=dt.date(2026, 10, 31))
    want = evaluate_promises(act, cash, as_of=dt.date(2026, 10, 31))
    more = applied_cash(apps(base + others), as_of=dt.date(2026, 10, 31))
    pd.testing.assert_frame_equal(evaluate_promises(act, more, as_of=dt.date(2026, 10, 31)), want)
    arrow = cash.astype({c: "string[pyarrow]" for c in ("customer_id", "cash_id", "document_no")})
    pd.testing.assert_frame_equal(evaluate_promises(act, arrow, as_of=dt.date(2026, 10, 31)), want)
    assert want["status"].tolist() == ["KEPT", "KEPT"]


@pytest.mark.parametrize("text", [object, "string[pyarrow]", "str"])
def test_cleared_documents_already_applied_are_not_cash_twice(text):
    applications = apps([("P1", "INV1", "C1", 5000, "AUTO", "2026-10-05"), ("P2", "INV2", "C1", 7000, "AUTO", "2026-10-06")])
    cleared = pd.DataFrame({"customer_id": pd.Series(["C1", "C1", "C1", "C2"], dtype=text),
                            "document_no": pd.Series(["INV2", " INV1 ", "INV3", "INV9"], dtype=text),
                            "amount": [7000, 5000, 3000, 0], "currency": "USD",
                            "cleared_date": pd.to_datetime(["2026-10-06", "2026-10-05", "2026-10-07", "2026-10-08"])})
    cash = applied_cash(applications, cleared=cleared, as_of=dt.date(2026, 10, 31))
    assert cash["cash_id"].tolist() == ["P1", "P2", "cleared:INV3"]
    assert cash["amount"].tolist() == [5000, 7000, 3000]
