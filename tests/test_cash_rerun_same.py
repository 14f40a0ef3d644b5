"""A re-run with the first run's applications as prior judges every payment as the first run
did (CONTRACT §6: a close re-run with the same inputs writes the same cells).  Found by the
hypothesis invariants: a payment judged ambiguous early in the run became AUTO in the re-run,
because a later payment of the first run had taken one of its candidates."""
import pandas as pd

from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.cascade import Cascade

ITEMS = pd.DataFrame([
    ("C0", "CM00001", "CM", "2026-10-01", "-10.00"), ("C0", "INV00002", "INV", "2026-10-01", "123.45"),
    ("C0", "CM00003", "CM", "2026-10-01", "-10.00"), ("C0", "INV00004", "INV", "2026-10-01", "10.00"),
    ("C0", "INV00005", "INV", "2026-10-04", "123.45"), ("C0", "INV00006", "INV", "2026-10-01", "123.45"),
    ("C0", "INV00007", "INV", "2026-10-01", "123.45")],
    columns=["customer_id", "document_no", "doc_type", "document_date", "open_amount"])
# P001 (paid first) names INV00002 twice for 246.90: two invoices of 123.45 among four; P000
# (the day after) pays INV00002 and INV00005 by remittance advice and keeps 10.00 on account
PAYMENTS = pd.DataFrame([
    ("P000", "2026-10-02", "256.90", "Acme Tools Inc", "INV00002 INV00005 CM00001"),
    ("P001", "2026-10-01", "246.90", "Acme Tools Inc", "INV00002 INV00002")],
    columns=["payment_id", "value_date", "amount", "payer_name", "reference"])
CUSTOMERS = pd.DataFrame([("C0", "Acme Tools Inc", "NET30")], columns=["customer_id", "customer_name", "payment_terms"])
REMITTANCE = pd.DataFrame([("P000", "INV00002", "123.45"), ("P000", "INV00005", "123.45")],
                          columns=["payment_id", "document_no", "amount_paid"])


def run(prior=None):
    return apply_cash(ITEMS, PAYMENTS, customers=CUSTOMERS, remittance=REMITTANCE, prior_applications=prior)


def test_a_rerun_judges_every_payment_as_the_first_run_did():
    first = run()
    second = run(first.applications)
    cols = ["payment_id", "document_no", "applied_amount", "rule", "status"]
    assert second.applications[cols].to_dict("records") == first.applications[cols].to_dict("records")
    assert second.unapplied["payment_id"].tolist() == first.unapplied["payment_id"].tolist()


def test_the_first_run_judges_an_early_payment_again_once_later_ones_are_applied():
    apps = run().applications
    # P000's remittance takes INV00002 and INV00005; of the rest, only INV00006 + INV00007 make 246.90
    p001 = apps[apps["payment_id"] == "P001"]
    assert sorted(p001["document_no"]) == ["INV00006", "INV00007"] and set(p001["status"]) == {"AUTO"}


def test_a_capped_number_of_passes_keeps_every_judgement(monkeypatch):
    # one pass only: P001 keeps its first judgement (a proposal), nothing is lost
    orig = Cascade.apply_all
    monkeypatch.setattr(Cascade, "apply_all", lambda self, payments: orig(self, payments, max_passes=1))
    res = run()
    assert set(res.applications.loc[res.applications["payment_id"] == "P001", "status"]) == {"REVIEW"}
    assert res.unapplied.set_index("payment_id").at["P001", "reason"] == "AMBIGUOUS"
