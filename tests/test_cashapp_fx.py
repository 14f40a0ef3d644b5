"""Payments in another currency than the invoices they name: converted with fx_rates and
proposed for review (never applied), with the converted figures as evidence."""
import csv
from decimal import Decimal

import pandas as pd

from xl_collections.cashapp import apply_cash
from xl_collections.cli.dispatch import main
from xl_collections.core.settings import Settings

OPEN_ITEMS = pd.DataFrame({"customer_id": ["C100", "C100"], "document_no": ["INV0012345", "INV0012399"],
                           "document_date": ["2026-10-01", "2026-10-03"], "open_amount": [1000.00, 400.00],
                           "currency": ["EUR", "EUR"]})
CUSTOMERS = pd.DataFrame({"customer_id": ["C100"], "customer_name": ["Acme Tools GmbH"], "payment_terms": ["NET30"]})
FX = pd.DataFrame({"currency": ["EUR", "EUR", "USD"], "rate": ["1.0700", "1.0855", "1"],
                   "date": ["2026-09-30", "2026-10-31", ""]})
EVIDENCE = "payment USD 1,085.50 = EUR 1,000.00 at 1.0855 (FX Rates 2026-10-31); open amount EUR 1,000.00"


def _pay(amount, reference="INV 12345", payer="ACME TOOLS", value_date="2026-11-02"):
    return pd.DataFrame({"payment_id": ["P1"], "value_date": [value_date], "amount": [amount], "currency": ["USD"],
                         "payer_name": [payer], "reference": [reference]})


def test_eur_invoice_paid_in_usd_by_reference_is_proposed_with_the_converted_figures():
    res = apply_cash(OPEN_ITEMS, _pay(1085.50), customers=CUSTOMERS, fx_rates=FX)
    (app,) = res.applications.itertuples()
    assert (app.document_no, app.status, app.rule, app.currency, app.applied_amount) == (
        "INV0012345", "REVIEW", "DOC_REF", "USD", 108550)
    assert EVIDENCE in app.evidence
    assert res.unapplied[["amount_unapplied", "reason"]].values.tolist() == [[108550, "REVIEW"]]
    reasons = dict(zip(res.exceptions["reason"], res.exceptions["detail"]))
    assert EVIDENCE in reasons["CURRENCY_DIFFERS"] and "INV0012345" in reasons["REVIEW"]
    assert res.posting["posting_type"].tolist() == ["ON_ACCOUNT"]          # nothing applied, nothing cleared
    after = res.open_items_after.set_index("document_no")
    assert after.loc["INV0012345", "open_amount"] == 100000


def test_within_tolerance_the_fx_difference_is_named_and_it_is_never_auto():
    # 1,090.00 USD = EUR 1,004.15 at 1.0855: 0.4 % over, within MatchTolerancePct 0.5 %
    res = apply_cash(OPEN_ITEMS, _pay(1090.00), customers=CUSTOMERS, fx_rates=FX,
                     settings=Settings(auto_apply_min_confidence=Decimal("0.1")))
    assert res.applications["status"].tolist() == ["REVIEW"]
    assert "= EUR 1,004.15 at 1.0855" in res.applications["evidence"].iloc[0]
    assert "FX difference EUR 4.15 to book" in res.applications["evidence"].iloc[0]


def test_outside_the_tolerance_it_stays_unapplied_currency_differs():
    res = apply_cash(OPEN_ITEMS, _pay(1100.00), customers=CUSTOMERS, fx_rates=FX)    # EUR 1,013.36: 1.3 % over
    assert res.applications.empty
    assert res.unapplied["reason"].tolist() == ["CURRENCY_DIFFERS"]
    (detail,) = res.exceptions.loc[res.exceptions["reason"] == "CURRENCY_DIFFERS", "detail"]
    assert "payment USD 1,100.00 = EUR 1,013.36 at 1.0855" in detail


def test_the_rate_of_the_value_date_is_used():
    res = apply_cash(OPEN_ITEMS, _pay(1070.00, value_date="2026-10-15"), customers=CUSTOMERS, fx_rates=FX)
    assert "at 1.0700 (FX Rates 2026-09-30)" in res.applications["evidence"].iloc[0]
    assert res.applications["status"].tolist() == ["REVIEW"]


def test_payer_and_amount_in_another_currency_is_proposed():
    res = apply_cash(OPEN_ITEMS, _pay(434.20, reference="thank you", payer="Acme Tools GmbH"), customers=CUSTOMERS,
                     fx_rates=FX)
    assert res.applications[["document_no", "status", "rule"]].values.tolist() == [["INV0012399", "REVIEW", "AMOUNT_EXACT"]]
    assert "payment USD 434.20 = EUR 400.00 at 1.0855" in res.applications["evidence"].iloc[0]


def test_without_fx_rates_nothing_changes():
    for kw in ({}, {"fx_rates": None}):
        res = apply_cash(OPEN_ITEMS, _pay(1085.50), customers=CUSTOMERS, **kw)
        assert res.applications.empty
        assert res.unapplied["reason"].tolist() == ["CURRENCY_DIFFERS"]
        assert res.exceptions[["reason", "detail"]].values.tolist() == [
            ["CURRENCY_DIFFERS", "reference names INV0012345 (EUR), payment in USD"]]
    # no rate for the currency: as without fx_rates
    res = apply_cash(OPEN_ITEMS, _pay(1085.50), customers=CUSTOMERS, fx_rates=FX[FX["currency"] != "EUR"])
    assert res.applications.empty and res.unapplied["reason"].tolist() == ["CURRENCY_DIFFERS"]


def test_command_with_fx(tmp_path, capsys):
    (tmp_path / "oi.csv").write_text("Customer No,Invoice Number,Invoice Date,Open Amount,Currency\n"
                                     "C100,INV0012345,10/01/2026,\"1,000.00\",EUR\n", encoding="utf-8")
    (tmp_path / "pay.csv").write_text("Payment No,Value Date,Amount,Currency,Payer,Remittance Text\n"
                                      "P-1,11/02/2026,1085.50,USD,ACME TOOLS,INV 12345\n", encoding="utf-8")
    (tmp_path / "fx.csv").write_text("Currency,Rate,Date\nEUR,1.0855,10/31/2026\n", encoding="utf-8")
    args = ["cashapp", "--open-items", str(tmp_path / "oi.csv"), "--payments", str(tmp_path / "pay.csv")]
    assert main(args + ["--fx", str(tmp_path / "fx.csv"), "--out", str(tmp_path / "out")]) == 0
    with open(tmp_path / "out" / "applications.csv", newline="", encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["status"], row["document_no"], row["applied_amount"], row["currency"]) == (
        "REVIEW", "INV0012345", "1085.50", "USD")
    assert EVIDENCE in row["evidence"]
    assert main(args + ["--out", str(tmp_path / "plain")]) == 0
    assert (tmp_path / "plain" / "applications.csv").read_text().count("\n") == 1       # header only
    assert "CURRENCY_DIFFERS" in (tmp_path / "plain" / "unapplied.csv").read_text()
