"""Dunning policy (CONTRACT §6 "Dunning"): each rule at its thresholds."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from xl_collections.dunning import history_table, propose
from xl_collections.dunning.policy import (BELOW_FIRST_LEVEL, BELOW_MIN_AMOUNT, DUNNING_BLOCK, INTERVAL,
                                           NOTHING_DUNNABLE, item_interest, level_for)
from xl_collections.core.settings import Settings

AS_OF = dt.date(2026, 10, 31)


def items(*rows) -> pd.DataFrame:
    """rows: (customer, document, days past due, open amount text[, doc_type, status, currency])."""
    out = []
    for r in rows:
        cid, doc, days, amount, *rest = r
        doc_type, status, currency = (list(rest) + ["INV", "OPEN", "USD"][len(rest):])[:3]
        due = AS_OF - dt.timedelta(days=days)
        out.append({"customer_id": cid, "document_no": doc, "doc_type": doc_type,
                    "document_date": (due - dt.timedelta(days=30)).isoformat(), "due_date": due.isoformat(),
                    "open_amount": amount, "currency": currency, "status": status})
    return pd.DataFrame(out)


def customers(*ids, block=None) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list(ids), "customer_name": [f"{c} Foods Inc" for c in ids],
                         "dunning_block": [(block or {}).get(c, "") for c in ids]})


def history(*rows) -> pd.DataFrame:
    """rows: (customer, level, days ago)."""
    h, errors = history_table(pd.DataFrame({"customer_id": [r[0] for r in rows], "level": [str(r[1]) for r in rows],
                                            "letter_date": [(AS_OF - dt.timedelta(days=r[2])).isoformat()
                                                            for r in rows]}))
    assert errors == []
    return h


def run(oi, cust=None, *, settings=None, **kw):
    ids = sorted(set(oi["customer_id"]))
    proposal, errors = propose(oi, cust if cust is not None else customers(*ids), settings or Settings(), AS_OF, **kw)
    assert errors == []
    return proposal


def row(proposal, cid) -> dict:
    c = proposal.customers
    found = c[c["customer_id"] == cid]
    assert len(found) == 1, f"{cid} not proposed: {list(c['customer_id'])}"
    return found.iloc[0].to_dict()


# ------------------------------------------------------------------ which items are overdue


def test_due_today_is_not_overdue_and_due_yesterday_is():
    s = Settings(dunning_levels=(1, 30), dunning_min_amount=0)
    p = run(items(("C1", "I1", 0, "500.00"), ("C2", "I2", 1, "500.00")), settings=s)
    assert list(p.customers["customer_id"]) == ["C2"]
    assert row(p, "C2")["level"] == 1
    assert list(p.items["document_no"]) == ["I2"]


def test_credits_are_listed_nowhere_and_not_netted():
    p = run(items(("C1", "I1", 40, "500.00"), ("C1", "CM1", 40, "-400.00", "CM")))
    r = row(p, "C1")
    assert r["reporting_overdue"] == 50000
    assert list(p.items["document_no"]) == ["I1"]


# ------------------------------------------------------------------ levels


@pytest.mark.parametrize("days, level, reason", [(14, 0, BELOW_FIRST_LEVEL), (15, 1, ""), (16, 1, "")])
def test_first_level_opens_exactly_at_its_day(days, level, reason):
    p = run(items(("C1", "I1", days, "500.00")))
    r = row(p, "C1")
    assert (r["level"], r["blocked_reason"]) == (level, reason)


@pytest.mark.parametrize("days, level", [(29, 1), (30, 2), (44, 2), (45, 2)])
def test_next_level_opens_exactly_at_its_day_and_none_is_skipped(days, level):
    # last letter level 1: at 45 days level 3 is reached, but level 2 comes first
    p = run(items(("C1", "I1", days, "500.00")), history=history(("C1", 1, 20)))
    assert row(p, "C1")["level"] == level


def test_a_first_letter_is_level_1_however_old_the_item():
    p = run(items(("C1", "I1", 200, "500.00")))
    assert row(p, "C1")["level"] == 1


def test_last_level_reached_repeats_the_last_level():
    p = run(items(("C1", "I1", 200, "500.00")), history=history(("C1", 3, 20), ("C1", 4, 14)))
    r = row(p, "C1")
    assert (r["level"], r["last_level"]) == (4, 4)
    assert row(p, "C1")["fee"] == 5000      # level 4's fee, 50.00 by default


def test_the_oldest_dunnable_item_sets_the_level():
    p = run(items(("C1", "I1", 20, "500.00"), ("C1", "I2", 70, "10.00", "INV", "DISPUTED")),
            history=history(("C1", 2, 30)))
    assert row(p, "C1")["level"] == 1         # the 70-day item is disputed: 20 days -> level 1


# ------------------------------------------------------------------ interval


@pytest.mark.parametrize("days_ago, level, reason", [(13, 0, INTERVAL), (14, 2, "")])
def test_interval_one_day_short_holds_the_letter(days_ago, level, reason):
    p = run(items(("C1", "I1", 40, "500.00")), history=history(("C1", 1, days_ago)))
    r = row(p, "C1")
    assert (r["level"], r["blocked_reason"]) == (level, reason)


def test_history_level_text_and_order():
    h, errors = history_table(pd.DataFrame({"customer_id": ["C1", "C1"], "level": ["L2", "1"],
                                            "letter_date": ["2026-10-20", "2026-09-01"]}))
    assert errors == [] and list(h["level"]) == [2, 1]
    p = run(items(("C1", "I1", 60, "500.00")), history=h)
    r = row(p, "C1")
    assert (r["last_level"], r["blocked_reason"]) == (2, INTERVAL)     # the latest letter counts


def test_history_with_a_bad_level_is_refused_naming_the_row():
    h, errors = history_table(pd.DataFrame({"customer_id": ["C1", "C2"], "level": ["2", "two"],
                                            "letter_date": ["2026-10-20", "2026-10-20"]}))
    assert h is None and len(errors) == 1
    assert (errors[0].row, errors[0].column, errors[0].value) == (3, "level", "two")


# ------------------------------------------------------------------ blocks, min amount


@pytest.mark.parametrize("flag, reason", [("TRUE", DUNNING_BLOCK), ("X", DUNNING_BLOCK), ("FALSE", ""), ("", "")])
def test_blocked_customer_gets_no_letter(flag, reason):
    p = run(items(("C1", "I1", 40, "500.00")), customers("C1", block={"C1": flag}))
    r = row(p, "C1")
    assert r["blocked_reason"] == reason and (r["level"] == 0) == bool(reason)
    letters = p.letters[p.letters["customer_id"] == "C1"]
    assert letters["level"].isna().all() == bool(reason)


@pytest.mark.parametrize("amount, reason", [("49.99", BELOW_MIN_AMOUNT), ("50.00", "")])
def test_min_amount_at_its_threshold(amount, reason):
    p = run(items(("C1", "I1", 40, amount)))
    assert row(p, "C1")["blocked_reason"] == reason


def test_min_amount_counts_other_currencies_in_the_reporting_currency():
    fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.10"]})
    p = run(items(("C1", "I1", 40, "30.00", "INV", "OPEN", "USD"), ("C1", "I2", 40, "20.00", "INV", "OPEN", "EUR")),
            fx_rates=fx)
    r = row(p, "C1")
    assert r["reporting_overdue"] == 3000 + 2200 and r["blocked_reason"] == ""
    letters = p.letters[p.letters["customer_id"] == "C1"]
    assert list(letters["currency"]) == ["EUR", "USD"]
    assert list(letters["amount_overdue"]) == [2000, 3000]


# ------------------------------------------------------------------ disputes and promises


def test_disputes_hold_items_back():
    act = pd.DataFrame({"customer_id": ["C1"], "date": ["2026-10-01"], "type": ["DISPUTE"], "document_no": ["I3"]})
    p = run(items(("C1", "I1", 40, "500.00", "INV", "DISPUTED"), ("C1", "I2", 40, "80.00", "DED"),
                  ("C1", "I3", 40, "90.00"), ("C1", "I4", 40, "100.00")), activity=act)
    assert list(p.items["document_no"]) == ["I4"]
    assert row(p, "C1")["reporting_overdue"] == 10000


def test_everything_disputed_is_reported_not_dunned():
    p = run(items(("C1", "I1", 40, "500.00", "INV", "DISPUTED")))
    assert row(p, "C1")["blocked_reason"] == NOTHING_DUNNABLE


def promise(doc="", amount="", promise_date="2026-10-28", date="2026-10-20"):
    return pd.DataFrame({"customer_id": ["C1"], "date": [date], "type": ["PROMISE"], "document_no": [doc],
                         "amount": [amount], "promise_date": [promise_date]})


@pytest.mark.parametrize("promise_date, held", [("2026-10-28", True), ("2026-10-27", False)])
def test_pending_promise_holds_its_item_back_until_the_grace_days_end(promise_date, held):
    # PromiseGraceDays 3: a promise for 10-28 is pending through 10-31 (the as-of date)
    p = run(items(("C1", "I1", 40, "500.00"), ("C1", "I2", 40, "100.00")),
            activity=promise("I1", "500.00", promise_date))
    assert ("I1" not in set(p.items["document_no"])) == held


def test_promise_made_after_the_as_of_date_does_not_count():
    p = run(items(("C1", "I1", 40, "500.00")), activity=promise("I1", "500.00", "2026-11-05", date="2026-11-01"))
    assert list(p.items["document_no"]) == ["I1"]


def test_promised_status_counts_as_a_pending_promise():
    p = run(items(("C1", "I1", 40, "500.00", "INV", "PROMISED"), ("C1", "I2", 20, "100.00")))
    assert list(p.items["document_no"]) == ["I2"]


def test_promise_without_document_covers_oldest_items_first_up_to_its_amount():
    oi = items(("C1", "I1", 60, "300.00"), ("C1", "I2", 50, "200.00"), ("C1", "I3", 40, "100.00"))
    p = run(oi, activity=promise("", "500.00"))
    assert list(p.items["document_no"]) == ["I3"]
    p = run(oi, activity=promise("", "499.99"))
    assert list(p.items["document_no"]) == ["I2", "I3"]


def test_promise_without_amount_or_document_covers_everything():
    p = run(items(("C1", "I1", 60, "300.00"), ("C1", "I2", 50, "200.00")), activity=promise("", ""))
    assert row(p, "C1")["blocked_reason"] == NOTHING_DUNNABLE


def test_judged_promises_and_resolved_disputes_from_the_collections_engine():
    from xl_collections.collect.promises import evaluate_promises
    oi = items(("C1", "I1", 60, "300.00", "INV", "DISPUTED"), ("C1", "I2", 50, "200.00"), ("C1", "I3", 40, "100.00"))
    cash = pd.DataFrame({"cash_id": ["P1"], "customer_id": ["C1"], "document_no": ["I2"], "amount": [5000],
                         "value_date": [pd.Timestamp("2026-10-25")]})
    act = promise("I2", "200.00")
    act["date"] = pd.to_datetime(act["date"])
    act["promise_date"] = pd.to_datetime(act["promise_date"])
    act["amount"] = [20000]
    judged = evaluate_promises(act, cash, as_of=AS_OF, grace_days=3)
    assert list(judged["status"]) == ["PENDING"]
    disputes = pd.DataFrame({"document_no": ["I1"], "status": ["RESOLVED"]})
    p = run(oi, promises=judged, disputes=disputes)
    assert list(p.items["document_no"]) == ["I1", "I3"]      # resolved dispute dunned again; I2 still promised
    judged.loc[0, "status"] = "BROKEN"
    p = run(oi, promises=judged, disputes=disputes)
    assert list(p.items["document_no"]) == ["I1", "I2", "I3"]


# ------------------------------------------------------------------ interest, fee, totals


def test_interest_is_per_item_rounded_to_the_cent():
    s = Settings(dunning_interest_rate=Decimal("0.0365"))
    # each item: 1.00 x 3.65% x 50 / 365 = 0.005 -> 0.01; rounding the total instead would give 0.01
    p = run(items(("C1", "I1", 50, "1.00"), ("C1", "I2", 50, "1.00"), ("C1", "I3", 50, "48.00")), settings=s)
    by_doc = dict(zip(p.items["document_no"], p.items["interest"]))
    assert by_doc["I1"] == by_doc["I2"] == 1 and by_doc["I3"] == 24
    letter = p.letters.iloc[0]
    assert letter["interest"] == 26
    assert letter["total_due"] == letter["amount_overdue"] + letter["interest"] + letter["fee"] == 5026


def test_item_interest_formula():
    assert item_interest(100000, 73, Decimal("0.10")) == 2000        # 1,000.00 x 10% x 73/365 = 20.00
    assert item_interest(100000, 73, Decimal(0)) == 0
    assert item_interest(-500, 10, Decimal("1")) == -14             # half away from zero (-13.7)


def test_fee_of_the_level_on_the_reporting_currency_row():
    fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.10"]})
    p = run(items(("C1", "I1", 50, "500.00", "INV", "OPEN", "EUR")), history=history(("C1", 2, 20)), fx_rates=fx)
    r = row(p, "C1")
    assert (r["level"], r["fee"]) == (3, 2500)
    letters = p.letters.set_index("currency")
    assert letters.loc["EUR", "fee"] == 0 and letters.loc["USD", "fee"] == 2500
    assert letters.loc["USD", "amount_overdue"] == 0 and letters.loc["USD", "total_due"] == 2500
    assert r["reporting_total"] == 55000 + 2500


# ------------------------------------------------------------------ invariants


@given(days=st.integers(-30, 400), last=st.integers(0, 6))
def test_level_never_skips_and_never_passes_the_last(days, last):
    levels = (15, 30, 45, 60)
    lv = level_for(days, levels, last)
    assert 0 <= lv <= min(last + 1, len(levels))
    assert lv == 0 or days >= levels[lv - 1]
    if days >= levels[0]:
        assert lv >= 1


@hyp_settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 400), st.integers(1, 10**9)), min_size=1, max_size=8),
       st.decimals(min_value=0, max_value=Decimal("0.25"), places=4))
def test_totals_tie_to_the_items(rows, rate):
    oi = items(*[("C1", f"I{i}", d, f"{a / 100:.2f}") for i, (d, a) in enumerate(rows)])
    p = run(oi, settings=Settings(dunning_interest_rate=rate, dunning_min_amount=0))
    letters = p.letters
    assert int(letters["amount_overdue"].sum()) == sum(a for _, a in rows)
    assert int(letters["interest"].sum()) == int(p.items["interest"].sum())
    assert (letters["total_due"] == letters["amount_overdue"] + letters["interest"] + letters["fee"]).all()
