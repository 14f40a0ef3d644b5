"""Card settlements (CONTRACT §2, §4 card_batches.csv): each sale applied at its gross amount,
fees and net per batch, the batch net matched to its bank deposit and never applied; Stripe,
Adyen and Worldpay-style exports."""
from __future__ import annotations

import pandas as pd
import pytest

from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.cards import normalise_layout
from xl_collections.cli.dispatch import main
from xl_collections.core.errors import InputErrors

OPEN_ITEMS = pd.DataFrame({
    "Customer": ["C100", "C100", "C200", "C300"],
    "Invoice Number": ["INV0031001", "INV0031002", "INV0032001", "INV0033001"],
    "Invoice Date": ["2026-09-20", "2026-09-25", "2026-09-28", "2026-10-01"],
    "Open Amount": ["249.00", "1,180.50", "89.99", "420.00"],
    "Currency": ["USD"] * 4,
})
CUSTOMERS = pd.DataFrame({"Customer No": ["C100", "C200", "C300"],
                          "Customer Name": ["Northwind Traders", "Harbor Cafe LLC", "Maple Dental Group"]})

# a Worldpay-style batch report: one row per transaction, headers a person would recognise
WORLDPAY = """Batch Number,Settlement Date,Transaction ID,Card Type,Cardholder Name,Order ID,Amount,Fee,Net Amount,Currency
B-20261005-01,2026-10-05,TX90001,VISA,J SMITH,INV0031001,249.00,7.52,241.48,USD
B-20261005-01,2026-10-05,TX90002,MASTERCARD,HARBOR CAFE,INV0032001,89.99,2.91,87.08,USD
B-20261005-01,2026-10-05,TX90003,AMEX,MAPLE DENTAL,Invoice INV0033001,420.00,14.70,405.30,USD
B-20261006-01,2026-10-06,TX90004,VISA,NORTHWIND TRADERS,INV0031002,1180.50,34.53,1145.97,USD
"""
BANK = """payment_id,value_date,amount,currency,payer_name,reference
BK-7001,2026-10-07,733.86,USD,WORLDPAY MERCHANT SVCS,DEPOSIT B-20261005-01
BK-7002,2026-10-08,1145.97,USD,WORLDPAY MERCHANT SVCS,SETTLEMENT
BK-7003,2026-10-08,500.00,USD,Someone Else,no idea
"""


def test_worldpay_style_report_applies_gross_reports_fees_and_matches_the_deposit(tmp_path, capsys):
    (tmp_path / "cards.csv").write_text(WORLDPAY, "utf-8")
    (tmp_path / "bank.csv").write_text(BANK, "utf-8")
    OPEN_ITEMS.to_csv(tmp_path / "oi.csv", index=False)
    CUSTOMERS.to_csv(tmp_path / "cus.csv", index=False)
    out = tmp_path / "out"
    assert main(["cashapp", "--open-items", str(tmp_path / "oi.csv"), "--customers", str(tmp_path / "cus.csv"),
                 "--payments", str(tmp_path / "bank.csv"), "--card-settlement", str(tmp_path / "cards.csv"),
                 "--out", str(out)]) == 0
    apps = pd.read_csv(out / "applications.csv", dtype=str)
    auto = apps[apps["status"] == "AUTO"]
    assert dict(zip(auto["payment_id"], auto["applied_amount"])) == {
        "TX90001": "249.00", "TX90002": "89.99", "TX90003": "420.00", "TX90004": "1180.50"}
    assert not apps["payment_id"].isin(["BK-7001", "BK-7002"]).any()          # deposits are never applied
    un = pd.read_csv(out / "unapplied.csv", dtype=str)
    assert un["payment_id"].tolist() == ["BK-7003"]
    b = pd.read_csv(out / "card_batches.csv", dtype=str)
    assert b.columns.tolist()[:9] == ["batch_id", "settlement_date", "transactions", "gross", "fees", "net", "applied",
                                     "unapplied", "bank_payment_id"]
    assert b.iloc[0][["batch_id", "transactions", "gross", "fees", "net", "applied", "unapplied",
                      "bank_payment_id"]].tolist() == ["B-20261005-01", "3", "758.99", "25.13", "733.86", "758.99",
                                                       "0.00", "BK-7001"]
    assert b.iloc[1][["net", "bank_payment_id"]].tolist() == ["1145.97", "BK-7002"]
    assert "2 matched to their bank deposit" in capsys.readouterr().out


def test_a_deposit_before_the_settlement_date_or_of_another_amount_is_not_the_batch():
    cards = pd.read_csv(pd.io.common.StringIO(WORLDPAY), dtype=str)
    bank = pd.DataFrame({"payment_id": ["BK-1", "BK-2"], "value_date": ["2026-10-04", "2026-10-07"],
                         "amount": ["733.86", "727.85"], "reference": ["", ""]})
    res = apply_cash(OPEN_ITEMS, bank, customers=CUSTOMERS, card_settlements=cards)
    assert res.card_batches["bank_payment_id"].tolist() == ["", ""]
    assert set(res.unapplied["payment_id"]) == {"BK-1", "BK-2"}
    # within MatchTolerance (default 5.00) of the net, on or after the settlement date: the deposit
    bank = bank.assign(amount=["733.86", "728.86"], value_date="2026-10-07")
    res = apply_cash(OPEN_ITEMS, bank, customers=CUSTOMERS, card_settlements=cards)
    assert res.card_batches["bank_payment_id"].tolist() == ["BK-1", ""]
    assert set(res.unapplied["payment_id"]) == {"BK-2"}


def test_net_that_is_not_gross_less_fee_is_refused_naming_the_row():
    bad = WORLDPAY.replace("89.99,2.91,87.08", "89.99,2.91,87.18")
    cards = pd.read_csv(pd.io.common.StringIO(bad), dtype=str)
    with pytest.raises(InputErrors) as e:
        apply_cash(OPEN_ITEMS, pd.DataFrame(columns=["payment_id", "value_date", "amount"]), card_settlements=cards)
    assert "row 3" in e.value.render() and "net_amount" in e.value.render()


STRIPE = """automatic_payout_id,automatic_payout_effective_at,balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description,customer_email,customer_name,charge_id,payment_intent_id,card_brand
po_1Q2w3E4r5T6y7U8i,2026-10-08 00:00:00,txn_3Q1aAA2eZvKYlo2C0x1,2026-10-05 14:02:11,2026-10-08 00:00:00,usd,249.00,7.52,241.48,charge,ch_3Q1aAA2eZvKYlo2C1aa,Invoice INV0031001,ap@northwind.example,Northwind Traders,ch_3Q1aAA2eZvKYlo2C1aa,pi_3Q1aAA2eZvKYlo2C1,visa
po_1Q2w3E4r5T6y7U8i,2026-10-08 00:00:00,txn_3Q1bBB2eZvKYlo2C0x2,2026-10-05 16:40:52,2026-10-08 00:00:00,usd,89.99,2.91,87.08,charge,ch_3Q1bBB2eZvKYlo2C1bb,Invoice INV0032001,owner@harborcafe.example,Harbor Cafe LLC,ch_3Q1bBB2eZvKYlo2C1bb,pi_3Q1bBB2eZvKYlo2C1,mastercard
po_1Q2w3E4r5T6y7U8i,2026-10-08 00:00:00,txn_3Q1cCC2eZvKYlo2C0x3,2026-10-06 09:12:03,2026-10-08 00:00:00,usd,-20.00,0.00,-20.00,refund,re_3Q1cCC2eZvKYlo2C1cc,REFUND FOR CHARGE (Invoice INV0031001),ap@northwind.example,Northwind Traders,ch_3Q1aAA2eZvKYlo2C1aa,pi_3Q1aAA2eZvKYlo2C1,visa
po_1Q2w3E4r5T6y7U8i,2026-10-08 00:00:00,txn_3Q1dDD2eZvKYlo2C0x4,2026-10-06 10:00:00,2026-10-08 00:00:00,usd,-0.50,0.00,-0.50,fee,,Radar for Fraud Teams,,,,,
"""


def test_stripe_payout_reconciliation_export():
    raw = pd.read_csv(pd.io.common.StringIO(STRIPE), dtype=str, keep_default_na=False)
    cs, layout = normalise_layout(raw)
    assert layout == "stripe" and len(cs) == 3                                # the fee line is in the payout only
    assert cs["record_type"].tolist() == ["SALE", "SALE", "REFUND"]
    bank = pd.DataFrame({"payment_id": ["BK-9"], "value_date": ["2026-10-08"], "amount": ["308.56"],
                         "currency": ["USD"], "reference": ["STRIPE PAYOUT"]})
    res = apply_cash(OPEN_ITEMS, bank, customers=CUSTOMERS, card_settlements=raw)
    auto = res.applications[res.applications["status"] == "AUTO"]
    assert dict(zip(auto["payment_id"], auto["document_no"])) == {"ch_3Q1aAA2eZvKYlo2C1aa": "INV0031001",
                                                                  "ch_3Q1bBB2eZvKYlo2C1bb": "INV0032001"}
    b = res.card_batches.iloc[0]
    assert (b["gross"], b["fees"], b["net"], b["bank_payment_id"]) == (31899, 1043, 30856, "BK-9")
    assert res.exceptions.set_index("payment_id").loc["re_3Q1cCC2eZvKYlo2C1cc", "reason"] == "CARD_REFUND"


ADYEN = """Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number
AcmeCorp,AcmeCorpUS,8816281505278071,INV0031002,visa,2026-10-05 10:15:03,CET,Settled,8516281505401023,USD,,1180.50,1,USD,,1145.97,2.10,0.60,3.43,28.40,visacredit,,142
AcmeCorp,AcmeCorpUS,8816281505278072,INV0033001,mc,2026-10-05 11:20:41,CET,Settled,8516281505401024,USD,,420.00,1,USD,,405.30,0.75,0.20,1.25,12.50,mccredit,,142
AcmeCorp,AcmeCorpUS,8816281505278073,ORDER-7781,visa,2026-10-05 12:01:00,CET,Chargeback,8516281505401025,USD,60.00,,1,USD,75.00,,15.00,,,,visacredit,,142
AcmeCorp,AcmeCorpUS,,,,2026-10-05 23:59:59,CET,Fee,,USD,,,,USD,1.20,,,,,,,Transaction fees October,142
AcmeCorp,AcmeCorpUS,,,,2026-10-06 02:00:00,CET,MerchantPayout,,USD,,,,USD,1474.07,,,,,,,Payout batch 142,142
"""


def test_adyen_settlement_details_export():
    raw = pd.read_csv(pd.io.common.StringIO(ADYEN), dtype=str, keep_default_na=False)
    cs, layout = normalise_layout(raw)
    assert layout == "adyen" and cs["record_type"].tolist() == ["SALE", "SALE", "CHARGEBACK"]
    assert cs[["gross_amount", "fee_amount", "net_amount"]].values.tolist()[:2] == [
        ["1180.50", "34.53", "1145.97"], ["420.00", "14.70", "405.30"]]
    res = apply_cash(OPEN_ITEMS, pd.DataFrame(columns=["payment_id", "value_date", "amount"]), customers=CUSTOMERS,
                     card_settlements=raw)
    auto = res.applications[res.applications["status"] == "AUTO"]
    assert dict(zip(auto["payment_id"], auto["applied_amount"])) == {"8816281505278071": 118050,
                                                                     "8816281505278072": 42000}
    b = res.card_batches.iloc[0]
    assert (b["transactions"], b["gross"], b["fees"], b["net"]) == (3, 154050, 6423, 147627)
    # the chargeback is a returned item (issue 23): its payment is not among these sales, so it is reported
    assert res.returns.set_index("return_id").loc["8816281505278073", "status"] == "RETURN_UNMATCHED"
    assert "RETURN_UNMATCHED" in set(res.exceptions["reason"])
