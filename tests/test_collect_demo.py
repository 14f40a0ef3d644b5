"""The demo's collections data through the engine: the promises it plants are judged as
planted, and the same book at later as-of dates moves pending promises to BROKEN."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from xl_collections.cashapp import apply_cash
from xl_collections.collect import collections
from xl_collections.demo import generate


@pytest.fixture(scope="module")
def demo():
    b = generate(items=3000, seed=7)
    s = b.settings
    cash = apply_cash(b.open_items, b.payments, customers=b.customers, remittance=b.remittance, settings=s,
                      fx_rates=b.fx_rates)
    return b, cash


def run(b, cash, as_of):
    s = b.settings.with_(as_of=as_of)
    res, errors = collections(cash.open_items_after, s, as_of, customers=b.customers, activity=b.activity,
                              applications=cash.applications, payments=b.payments, fx_rates=b.fx_rates)
    assert errors == []
    return res


def test_planted_customer_promises_are_judged_as_planted(demo):
    b, cash = demo
    res = run(b, cash, b.settings.as_of)
    mine = b.promises[b.promises["document_no"] == ""]
    assert set(mine["outcome"]) == {"KEPT", "PARTIAL"}
    got = mine.merge(res.promises, on=["customer_id", "document_no", "promise_date"], how="left")
    assert (got["outcome"] == got["status"]).all()
    assert (got.loc[got["status"] == "KEPT", "paid_amount"] == got.loc[got["status"] == "KEPT", "amount"]).all()


def test_demo_has_every_kind_of_case_and_action(demo):
    b, cash = demo
    res = run(b, cash, b.settings.as_of)
    assert {"KEPT", "PARTIAL", "BROKEN", "PENDING"} <= set(res.promises["status"])
    d = res.disputes
    assert {"DISPUTE", "DEDUCTION"} <= set(d["kind"])
    assert d["sla_breached"].any() and (~d["sla_breached"]).any()          # some answered in time, some not
    assert d["check"].str.contains("PROMO_NO_REFERENCE").any()
    assert {"CHECK_PROMISE", "ESCALATE", "RESOLVE_DISPUTE"} <= set(res.worklist["next_action"])
    assert len(res.large_balances) > 0


def test_time_travel_pending_promises_become_broken_kept_ones_stay_kept(demo):
    b, cash = demo
    as_of = b.settings.as_of
    by_date = {d: run(b, cash, d).promises.set_index(["customer_id", "document_no", "promise_date", "made_on"])["status"]
               for d in (as_of, as_of + dt.timedelta(days=10), as_of + dt.timedelta(days=40))}
    now, later, much_later = by_date.values()
    pending = now[now == "PENDING"].index
    assert len(pending) > 10
    assert set(much_later[pending]) == {"BROKEN"}                           # no cash after the as-of date came
    due_soon = [k for k in pending if k[2] + pd.Timedelta(days=3) < pd.Timestamp(as_of + dt.timedelta(days=10))]
    assert due_soon and set(later[due_soon]) == {"BROKEN"}
    assert set(later[[k for k in pending if k not in due_soon]]) == {"PENDING"}
    kept = now[now == "KEPT"].index
    assert set(much_later[kept]) == {"KEPT"}
