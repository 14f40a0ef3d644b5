"""Payer identity from account history (issue 14): an account whose cash was applied to one
customer's documents before names that customer when a later payment from it carries neither a
usable name nor a reference; an account that paid for two customers names nobody, and the
customer master's bank_accounts always decide first."""
from __future__ import annotations

import pandas as pd

from xl_collections.cashapp import apply_cash

from test_cash_across_runs import CUSTOMERS, MONTH1, cash


def pay(*rows):
    """(payment_id, value_date, amount, reference, payer_name, payer_account)."""
    return pd.DataFrame(rows, columns=["payment_id", "value_date", "amount", "reference", "payer_name",
                                       "payer_account"]).assign(currency="GBP")


def auto(res) -> dict[str, list]:
    a = res.applications[res.applications["status"] == "AUTO"]
    return {p: sorted(g["document_no"]) for p, g in a.groupby("payment_id")}


def test_an_account_seen_on_applied_cash_last_run_names_the_customer():
    first = cash(MONTH1, pay(("P1", "2026-10-05", "612.58", "INV-1002", "ACME TOOLS", "GB11 ACME 0001")), run_id="R1")
    assert auto(first) == {"P1": ["INV-1002"]}
    later = pay(("P1", "2026-10-05", "612.58", "INV-1002", "ACME TOOLS", "GB11 ACME 0001"),
                ("P9", "2026-11-03", "863.14", "", "", "GB11ACME0001"))
    res = cash(MONTH1, later, prior=first.applications, run_id="R2")
    assert auto(res)["P9"] == ["INV-1001"]
    ev = res.applications.set_index("payment_id").loc["P9", "evidence"]
    assert "GB11ACME0001 paid C100's documents before (payment P1)" in ev


def test_within_one_run_an_earlier_payment_teaches_the_account():
    res = cash(MONTH1, pay(("P1", "2026-10-05", "612.58", "INV-1002", "ACME TOOLS", "GB11ACME0001"),
                           ("P2", "2026-10-09", "863.14", "", "", "GB11ACME0001")))
    assert auto(res) == {"P1": ["INV-1002"], "P2": ["INV-1001"]}


def test_an_account_that_paid_for_two_customers_names_nobody():
    res = cash(MONTH1, pay(("P1", "2026-10-05", "612.58", "INV-1002", "ACME TOOLS", "GB99SHARED01"),
                           ("P2", "2026-10-06", "1,500.00", "INV-2001", "Beta Foods", "GB99SHARED01"),
                           ("P3", "2026-10-09", "863.14", "", "", "GB99SHARED01")))
    assert "P3" not in auto(res)
    detail = res.unapplied.set_index("payment_id").loc["P3", "detail"]
    assert "payer not identified" in detail                              # a proposal at most


def test_the_customer_master_decides_before_the_history():
    master = CUSTOMERS.assign(bank_accounts=["", "GB11ACME0001"])           # the master says: Beta's account
    res = apply_cash(MONTH1, pay(("P1", "2026-10-05", "612.58", "INV-1002", "ACME TOOLS", "GB11ACME0001"),
                                 ("P2", "2026-10-09", "402.11", "", "", "GB11ACME0001")), customers=master)
    # (P1 is a third-party payment to Acme from Beta's account: a person looks at it)
    assert auto(res)["P2"] == ["INV-2002"]


def test_a_third_party_payment_does_not_teach_its_account():
    # Beta Foods pays Acme's invoice (a third party): the account is not learnt as Acme's
    res = cash(MONTH1, pay(("P1", "2026-10-05", "612.58", "INV-1002", "Beta Foods", "GB22BETA0001"),
                           ("P2", "2026-10-09", "863.14", "", "", "GB22BETA0001")))
    assert "P2" not in auto(res)
