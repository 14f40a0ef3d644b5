"""The worklist: who is on it, the priority score, escalation and next action at their
thresholds; dispute cases and their SLA; deduction checks; large balances."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xl_collections.collect import collections
from xl_collections.collect.worklist import priority_score
from xl_collections.io.validate import canonical
from xl_collections.core.settings import Settings

OCT31 = dt.date(2026, 10, 31)
OI_HEAD = ["customer_id", "document_no", "doc_type", "document_date", "due_date", "open_amount", "status",
           "reason_code", "reference"]
ACT_HEAD = ["customer_id", "date", "type", "document_no", "amount", "promise_date", "note", "collector"]
CUSTOMERS = canonical(pd.DataFrame([
    ["C1", "Acme Corp", "Ana", "A"], ["C2", "Beta LLC", "Bo", "E"], ["C3", "Cobalt Retail", "Ana", ""],
    ["C4", "Delta Foods", "Bo", "C"],
], columns=["customer_id", "customer_name", "collector", "risk_class"]), "customers")


def oi(rows):
    return canonical(pd.DataFrame(rows, columns=OI_HEAD), "open_items")


def activity(rows):
    return canonical(pd.DataFrame(rows, columns=ACT_HEAD), "activity")


def run(open_items, act=None, *, as_of=OCT31, settings=None, applications=None, returns=None, resolutions=None):
    s = settings or Settings(as_of=as_of)
    res, errors = collections(open_items, s, as_of, customers=CUSTOMERS, activity=act, applications=applications,
                              returns=returns, resolutions=resolutions)
    assert errors == []
    return res


def due(days_past_due: int, as_of=OCT31) -> str:
    return (as_of - dt.timedelta(days=days_past_due)).isoformat()


def row(res, cid):
    w = res.worklist.set_index("customer_id")
    return w.loc[cid]


# ------------------------------------------------------------------ who is on the list


def test_on_the_list_past_due_and_not_wholly_disputed():
    items = oi([
        ["C1", "I1", "INV", "2026-09-01", due(1), "100.00", "OPEN", "", ""],          # 1 day past due: on
        ["C2", "I2", "INV", "2026-09-01", due(0), "100.00", "OPEN", "", ""],          # due today: not past due
        ["C3", "I3", "INV", "2026-09-01", due(40), "100.00", "DISPUTED", "PRICING", ""],   # wholly disputed: off
        ["C4", "I4", "INV", "2026-09-01", due(40), "100.00", "DISPUTED", "PRICING", ""],
        ["C4", "I5", "INV", "2026-09-01", due(10), "0.01", "OPEN", "", ""],           # a cent undisputed: on
        ["C4", "CM1", "CM", "2026-09-01", due(50), "-500.00", "OPEN", "", ""],
    ])
    res = run(items)
    assert sorted(res.worklist["customer_id"]) == ["C1", "C4"]
    c4 = row(res, "C4")
    assert c4["past_due"] == 10001 and c4["max_days_past_due"] == 10     # disputed item: past due yes, age no
    assert c4["open_disputes"] == 1
    assert res.worklist["rank"].tolist() == [1, 2]


def test_returned_payment_puts_a_customer_first_whatever_its_past_due():
    items = oi([["C1", "I1", "INV", "2026-01-01", due(200), "90,000.00", "OPEN", "", ""],
                ["C2", "I2", "INV", "2026-10-01", due(-10), "100.00", "OPEN", "", ""]])      # nothing past due
    returns = pd.DataFrame([{"return_id": "R1", "value_date": "2026-10-20", "amount": "100.00", "currency": "USD",
                             "reason_code": "R01", "reason": "insufficient funds", "payment_id": "P9",
                             "customer_id": "C2", "status": "REVERSED"}])
    res = run(items, returns=returns)
    first = res.worklist.iloc[0]
    assert first["customer_id"] == "C2" and first["next_action"] == "CALL_RETURNED_PAYMENT"
    assert first["next_action_date"] == pd.Timestamp(OCT31) and "insufficient funds" in first["reasons"]
    # outside ReturnMatchDays (60) the return no longer counts
    old = returns.assign(value_date=due(61))
    assert "C2" not in set(run(items, returns=old).worklist["customer_id"])
    edge = returns.assign(value_date=due(60))
    assert run(items, returns=edge).worklist.iloc[0]["customer_id"] == "C2"


# ------------------------------------------------------------------ score


def test_priority_score_documented_values():
    assert priority_score(100000, 0, 0, 0, "A", 0) == pytest.approx(30.0, abs=0.05)     # USD 1,000
    assert priority_score(10000000, 180, 0, 0, "A", 0) == pytest.approx(80.0, abs=0.05)  # 100,000 and 180 days
    assert priority_score(0, 0, 3, 0, "A", 0) == 30.0 and priority_score(0, 0, 5, 0, "A", 0) == 30.0   # capped
    assert priority_score(0, 0, 0, 1, "A", 0) == 5.0
    assert priority_score(0, 0, 0, 0, "E", 0) == 16.0 and priority_score(0, 0, 0, 0, "", 0) == 8.0
    assert priority_score(0, 0, 0, 0, "A", 9) == 10.0


@hsettings(max_examples=60, deadline=None)
@given(st.integers(1, 10**12), st.integers(0, 400), st.integers(0, 5), st.integers(0, 5),
       st.sampled_from("ABCDE"), st.integers(0, 8))
def test_score_never_falls_when_one_input_gets_worse(amount, days, broken, partial, cls, cases):
    base = priority_score(amount, days, broken, partial, cls, cases)
    worse_class = "ABCDE"[min("ABCDE".index(cls) + 1, 4)]
    assert priority_score(amount * 2, days, broken, partial, cls, cases) >= base
    assert priority_score(amount, days + 1, broken, partial, cls, cases) >= base
    assert priority_score(amount, days, broken + 1, partial, cls, cases) >= base
    assert priority_score(amount, days, broken, partial, worse_class, cases) >= base
    assert priority_score(amount, days, broken, partial, cls, cases + 1) >= base


def test_rank_follows_the_score():
    items = oi([["C1", "I1", "INV", "2026-01-01", due(20), "1,000.00", "OPEN", "", ""],
                ["C3", "I3", "INV", "2026-01-01", due(20), "50,000.00", "OPEN", "", ""],
                ["C4", "I4", "INV", "2026-01-01", due(100), "1,000.00", "OPEN", "", ""]])
    w = run(items).worklist
    assert list(w["priority_score"]) == sorted(w["priority_score"], reverse=True)
    assert w.iloc[0]["customer_id"] == "C3"


# ------------------------------------------------------------------ escalation


@pytest.mark.parametrize("days, amount, escalate", [
    (91, "10,000.00", True),     # over 90 days and at the amount
    (90, "10,000.00", False),    # at 90 days: not over
    (91, "9,999.99", False),     # a cent below the amount
])
def test_escalation_at_days_and_amount_thresholds(days, amount, escalate):
    s = Settings(as_of=OCT31, escalation_amount=1_000_000)
    items = oi([["C1", "I1", "INV", "2026-01-01", due(days), amount, "OPEN", "", ""]])
    r = row(run(items, settings=s), "C1")
    assert bool(r["escalate"]) is escalate
    assert (r["next_action"] == "ESCALATE") is escalate


@pytest.mark.parametrize("broken, escalate", [(1, False), (2, True)])
def test_two_broken_promises_escalate(broken, escalate):
    items = oi([["C1", "I1", "INV", "2026-01-01", due(10), "100.00", "OPEN", "", ""]])
    act = activity([["C1", "2026-09-01", "PROMISE", "", "50.00", f"2026-09-{10 + i:02d}", "", "Ana"] for i in range(broken)])
    r = row(run(items, act), "C1")
    assert r["broken_promises"] == broken and bool(r["escalate"]) is escalate
    assert r["next_action"] == "CALL_BROKEN_PROMISE" and "broken" in r["reasons"]


# ------------------------------------------------------------------ next action and its date


def test_pending_promise_check_the_day_after_the_promised_date():
    items = oi([["C1", "I1", "INV", "2026-01-01", due(10), "100.00", "OPEN", "", ""]])
    act = activity([["C1", "2026-10-30", "PROMISE", "I1", "100.00", "2026-11-01", "", "Ana"]])
    r = row(run(items, act), "C1")
    assert r["next_action"] == "CHECK_PROMISE" and r["next_action_date"] == pd.Timestamp("2026-11-02")
    # promise date passed but still in grace: check today
    act2 = activity([["C1", "2026-10-20", "PROMISE", "I1", "100.00", "2026-10-29", "", "Ana"]])
    r2 = row(run(items, act2), "C1")
    assert r2["next_action"] == "CHECK_PROMISE" and r2["next_action_date"] == pd.Timestamp(OCT31)


def test_broken_promise_followed_up_is_no_longer_the_next_action():
    items = oi([["C1", "I1", "INV", "2026-01-01", due(40), "100.00", "OPEN", "", ""]])
    act = activity([["C1", "2026-09-01", "PROMISE", "", "50.00", "2026-09-10", "", "Ana"],
                    ["C1", "2026-10-25", "CALL", "", "", "", "spoke to AP", "Ana"]])
    r = row(run(items, act), "C1")
    assert r["broken_promises"] == 1 and r["next_action"] == "CALL"
    assert r["next_action_date"] == pd.Timestamp("2026-11-08")        # last contact + 14 days


@pytest.mark.parametrize("last_contact, action, date", [
    ("2026-10-18", "CALL", "2026-11-01"),     # 13 days ago: follow up 14 days after it
    ("2026-10-17", "CALL", "2026-10-31"),     # 14 days ago: call today
])
def test_no_contact_in_14_days_means_call_today(last_contact, action, date):
    items = oi([["C1", "I1", "INV", "2026-01-01", due(45), "100.00", "OPEN", "", ""]])
    act = activity([["C1", last_contact, "EMAIL", "", "", "", "sent copy", "Ana"]])
    r = row(run(items, act), "C1")
    assert (r["next_action"], r["next_action_date"]) == (action, pd.Timestamp(date))


@pytest.mark.parametrize("days, action", [(30, "SEND_STATEMENT"), (31, "CALL")])
def test_statement_for_early_past_due_call_after_30_days(days, action):
    items = oi([["C1", "I1", "INV", "2026-01-01", due(days), "100.00", "OPEN", "", ""]])
    r = row(run(items), "C1")
    assert r["next_action"] == action and r["next_action_date"] == pd.Timestamp(OCT31)
    assert "no contact logged" in r["reasons"]


def test_resolve_dispute_when_half_the_past_due_is_disputed_or_a_case_breached():
    items = oi([["C1", "I1", "INV", "2026-01-01", due(45), "100.00", "OPEN", "", ""],
                ["C1", "I2", "INV", "2026-01-01", due(45), "100.00", "DISPUTED", "PRICING", ""]])
    act = activity([["C1", "2026-10-31", "DISPUTE", "I2", "", "", "price wrong", "Ana"]])
    r = row(run(items, act), "C1")
    assert r["next_action"] == "RESOLVE_DISPUTE" and r["next_action_date"] == pd.Timestamp("2026-11-01")


# ------------------------------------------------------------------ disputes and SLA


def disputes(items, act, **kw):
    return run(items, act, **kw).disputes.set_index("document_no")


def test_one_case_per_disputed_item_deduction_and_dispute_activity():
    items = oi([["C1", "I1", "INV", "2026-09-01", due(10), "100.00", "DISPUTED", "PRICING", ""],
                ["C1", "D1", "DED", "2026-10-01", "2026-10-01", "40.00", "OPEN", "SHORTAGE", "I9"],
                ["C1", "I2", "INV", "2026-09-01", due(10), "70.00", "OPEN", "", ""],
                ["C1", "I3", "INV", "2026-09-01", due(10), "80.00", "OPEN", "", ""]])
    act = activity([["C1", "2026-10-20", "DISPUTE", "I2", "", "", "short shipped", "Bo"],
                    ["C1", "2026-10-25", "DISPUTE", "I2", "", "", "again", "Ana"]])
    d = disputes(items, act)
    assert sorted(d.index) == ["D1", "I1", "I2"]
    assert d.loc["I2", "case_id"] == "DSP-I2" and d.loc["I2", "opened"] == pd.Timestamp("2026-10-20")
    assert d.loc["I2", "owner"] == "Ana"                                   # who logged the latest dispute
    assert d.loc["I1", "opened"] == pd.Timestamp("2026-09-01") and d.loc["I1", "owner"] == "Ana"
    assert d.loc["I1", "age_days"] == 60 and d.loc["D1", "kind"] == "DEDUCTION"
    assert d.loc["D1", "category"] == "Delivery"


@pytest.mark.parametrize("as_of, reply, breached", [
    (dt.date(2026, 10, 21), None, False),          # response due 10-21: not yet past
    (dt.date(2026, 10, 22), None, True),           # past, no reply
    (dt.date(2026, 10, 22), "2026-10-21", False),  # replied on the due date
    (dt.date(2026, 10, 22), "2026-10-20", False),  # replied the same day
    (dt.date(2026, 10, 25), "2026-10-22", True),   # replied too late
])
def test_sla_breach_at_the_response_date(as_of, reply, breached):
    items = oi([["C1", "I1", "INV", "2026-09-01", "2026-10-01", "100.00", "OPEN", "", ""]])
    rows = [["C1", "2026-10-20", "DISPUTE", "I1", "", "", "wrong price", "Ana"]]
    if reply:
        rows.append(["C1", reply, "EMAIL", "I1", "", "", "sent price list", "Ana"])
    d = disputes(items, activity(rows), as_of=as_of)
    assert d.loc["I1", "response_due"] == pd.Timestamp("2026-10-21")
    assert bool(d.loc["I1", "sla_breached"]) is breached


def test_a_recorded_resolution_closes_the_case_and_its_sla():
    items = oi([["C1", "I1", "INV", "2026-09-01", "2026-10-01", "100.00", "DISPUTED", "PRICING", ""]])
    d = disputes(items, None, resolutions={"DSP-I1": "credit issued"})
    assert d.loc["I1", "status"] == "RESOLVED" and not d.loc["I1", "sla_breached"]


def test_deduction_checks():
    items = oi([
        ["C1", "INV7", "INV", "2026-09-01", "2026-10-01", "500.00", "OPEN", "", ""],
        ["C1", "D1", "DED", "2026-10-01", "2026-10-01", "40.00", "OPEN", "PROMO", "INV-0007"],        # no promotion no.
        ["C1", "D2", "DED", "2026-10-01", "2026-10-01", "45.00", "OPEN", "PROMO", "INV7 promo 2026-118"],  # fine
        ["C1", "D3", "DED", "2026-10-01", "2026-10-01", "600.00", "OPEN", "PRICING", "INV7"],       # over the invoice
        ["C1", "D4", "DED", "2026-10-01", "2026-10-01", "10.00", "OPEN", "", "no invoice"],        # no reason, no invoice
        ["C1", "D5", "DED", "2026-10-01", "2026-10-01", "600.00", "OPEN", "PRICING", "inv 7"],      # duplicate of D3
    ])
    d = disputes(items, None)
    assert d.loc["D1", "check"] == "PROMO_NO_REFERENCE"
    assert d.loc["D2", "check"] == ""
    assert d.loc["D3", "check"] == "OVER_INVOICE" and "INV7" in d.loc["D3", "check_detail"]
    assert d.loc["D4", "check"] == "NO_REASON,NO_INVOICE"
    assert d.loc["D5", "check"] == "OVER_INVOICE,DUPLICATE"
    assert "INV7" not in d.index                                           # an undisputed invoice is no case


# ------------------------------------------------------------------ large balances


def test_large_balances_at_the_threshold_with_this_weeks_change():
    s = Settings(as_of=OCT31, large_balance_threshold=5_000_000)
    items = oi([["C1", "I1", "INV", "2026-09-01", "2026-10-01", "30,000.00", "OPEN", "", ""],
                ["C1", "I2", "INV", "2026-10-25", "2026-11-24", "20,000.00", "OPEN", "", ""],     # this week
                ["C3", "I3", "INV", "2026-09-01", "2026-10-01", "49,999.99", "OPEN", "", ""]])
    applications = pd.DataFrame([{"payment_id": "P1", "document_no": "I0", "customer_id": "C1",
                                  "applied_amount": 500000, "status": "AUTO", "value_date": "2026-10-28"}])
    act = activity([["C1", "2026-10-20", "CALL", "", "", "", "cheque in the mail", "Ana"],
                    ["C1", "2026-10-22", "PROMISE", "", "30,000.00", "2026-11-05", "", "Ana"]])
    big = run(items, act, settings=s, applications=applications).large_balances
    assert big["customer_id"].tolist() == ["C1"]
    r = big.iloc[0]
    assert r["total_open"] == 5_000_000 and r["past_due"] == 3_000_000
    assert r["change_7d"] == 2_000_000 - 500_000
    assert r["promises"] == "1 pending 30,000.00"
    assert r["last_note"] == "2026-10-20 call: cheque in the mail"          # the latest activity with a note
