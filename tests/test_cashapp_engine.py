"""apply_cash: each rule of the cascade on small books that look like real AR extracts."""
from decimal import Decimal

import pandas as pd
import pytest

from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.engine import APPLICATION_COLUMNS
from xl_collections.core.errors import InputErrors
from xl_collections.core.settings import Settings

CUSTOMERS = pd.DataFrame({
    "Customer No": ["C100", "C200", "C300", "C400", "C410", "C500"],
    "Customer Name": ["Acme Tools, Inc.", "Beta Foods GmbH", "Gamma Logistics LLC", "Delta Retail Group",
                      "Delta Retail West", "Omega Supply Co."],
    "Payment Terms": ["NET30", "NET30", "2/10 NET30", "NET45", "NET45", "NET30"],
    "Bank Accounts": ["DE89 3704 0044 0532 0130 00", "", "", "GB29NWBK60161331926819", "", ""],
    "Parent": ["", "", "", "", "C400", ""],
})

OPEN_ITEMS = pd.DataFrame({
    "Customer": ["C100", "C100", "C100", "C100", "C200", "C200", "C200", "C300", "C300", "C400", "C410",
                 "C500", "C500", "C500"],
    "Invoice Number": ["INV0012345", "INV0012346", "INV0012347", "CM0000901", "INV0020001", "INV0020002",
                       "INV0020003", "INV0030001", "INV0030002", "INV0040001", "INV0041001",
                       "INV0050001", "INV0050002", "INV0050003"],
    "Type": ["INV", "INV", "INV", "CM", "INV", "INV", "INV", "INV", "INV", "INV", "INV", "INV", "INV", "INV"],
    "Invoice Date": ["2026-08-01", "2026-08-15", "2026-09-01", "2026-09-10", "2026-08-01", "2026-08-20",
                     "2026-09-05", "2026-10-20", "2026-10-01", "2026-09-01", "2026-09-02",
                     "2026-09-01", "2026-09-02", "2026-09-03"],
    "Open Amount": ["1,250.00", "300.00", "450.00", "-50.00", "1000.00", "2000.00", "333.33", "500.00",
                    "700.00", "900.00", "4000.00", "100.00", "200.00", "300.00"],
    "PO": ["", "", "PO-7788", "", "", "", "", "", "", "", "", "", "", ""],
    "Currency": ["USD"] * 11 + ["EUR"] * 3,
})


def pay(*rows, columns=("payment_id", "value_date", "amount", "payer_name", "reference")):
    return pd.DataFrame(list(rows), columns=list(columns))


def run(payments, **kw):
    kw.setdefault("customers", CUSTOMERS)
    return apply_cash(OPEN_ITEMS, payments, **kw)


def apps_of(res, pid):
    a = res.applications
    return a[a["payment_id"] == pid].reset_index(drop=True)


def test_contract_columns_first():
    res = run(pay(("P1", "2026-10-25", 1250.00, "ACME TOOLS", "INV0012345")))
    assert list(res.applications.columns[:7]) == ["payment_id", "document_no", "customer_id", "applied_amount",
                                                  "rule", "confidence", "status"]
    assert list(res.applications.columns) == APPLICATION_COLUMNS
    assert list(res.unapplied.columns[:3]) == ["payment_id", "amount_unapplied", "reason"]
    assert list(res.exceptions.columns[:3]) == ["payment_id", "reason", "detail"]
    assert set(res.applications.attrs["money"]) == {"applied_amount", "write_off_amount", "discount_amount",
                                                    "deduction_amount", "open_before", "payment_amount"}
    assert list(res.applications.columns[7:17]) == ["open_before", "write_off_amount", "discount_amount",
                                                    "deduction_amount", "value_date", "payment_amount", "payer_account",
                                                    "bank_reference", "end_to_end_id", "return_id"]
    a = res.applications.iloc[0]
    assert (a["open_before"], a["payment_amount"]) == (125000, 125000)
    assert res.applications["applied_amount"].dtype == "int64"


def test_exact_reference_with_lost_zeros_and_prefix_is_auto_with_evidence():
    res = run(pay(("P1", "2026-10-25", 1250.00, "ACME TOOLS", "Payment INV 12345 thank you")))
    a = apps_of(res, "P1")
    assert a.loc[0, ["document_no", "applied_amount", "status", "rule"]].tolist() == ["INV0012345", 125000, "AUTO", "DOC_REF"]
    ev = a.loc[0, "evidence"]
    assert 'reference "INV 12345" ~ document_no INV0012345' in ev and "lost leading zeros" in ev
    assert "amount 1,250.00 = open amount" in ev
    assert res.unapplied.empty


def test_several_invoices_in_one_reference_and_a_credit_memo():
    res = run(pay(("P1", "2026-10-25", 1950.00, "Acme", "INV12345/12346, INV-0012347 less CM901")))
    a = apps_of(res, "P1")
    assert dict(zip(a["document_no"], a["applied_amount"])) == {
        "INV0012345": 125000, "INV0012346": 30000, "INV0012347": 45000, "CM0000901": -5000}
    assert set(a["status"]) == {"AUTO"}
    assert a["applied_amount"].sum() == 195000


def test_ocr_confusion_needs_confirmation_by_amount_or_customer():
    # amount confirms: INVOO12346 is INV0012346 (300.00)
    res = run(pay(("P1", "2026-10-25", 300.00, "", "INVOO12346")))
    a = apps_of(res, "P1")
    assert a.loc[0, "document_no"] == "INV0012346" and a.loc[0, "status"] == "AUTO"
    assert "OCR confusion O->0" in a.loc[0, "evidence"]
    # neither amount nor customer confirms: not matched
    res = run(pay(("P2", "2026-10-25", 123.00, "Unknown Payer Ltd", "INVOO12346")))
    assert apps_of(res, "P2").empty
    assert res.unapplied.loc[0, "reason"] == "UNKNOWN_PAYER"


def test_one_character_typo_confirmed_by_amount():
    res = run(pay(("P1", "2026-10-25", 2000.00, "", "Rechnung 20020")))   # 20002 with a typo... 20020
    a = apps_of(res, "P1")
    assert a.loc[0, "document_no"] == "INV0020002"
    assert "one-character typo" in a.loc[0, "evidence"]


def test_payer_by_bank_account_then_exact_amount():
    p = pd.DataFrame({"payment_id": ["P1"], "value_date": ["2026-10-25"], "amount": [450.00],
                      "payer_account": ["DE89370400440532013000"], "reference": ["ACH CREDIT"]})
    res = run(p)
    a = apps_of(res, "P1")
    assert a.loc[0, ["document_no", "rule", "status"]].tolist() == ["INV0012347", "AMOUNT_EXACT", "AUTO"]
    assert "bank_accounts of C100" in a.loc[0, "evidence"]


def test_unique_combination_of_open_items_is_auto():
    res = run(pay(("P1", "2026-10-25", 2333.33, "Beta Foods", "")))          # 2,000.00 + 333.33
    a = apps_of(res, "P1")
    assert set(a["document_no"]) == {"INV0020002", "INV0020003"}
    assert set(a["status"]) == {"AUTO"} and set(a["rule"]) == {"AMOUNT_COMBINATION"}


def test_one_item_of_exactly_the_amount_wins_over_combinations():
    # 300 = INV0050003, also 100 + 200: the single item of exactly that amount is taken
    res = run(pay(("P2", "2026-10-25", 300.00, "Omega Supply", "")).assign(currency="EUR"))
    assert apps_of(res, "P2").loc[0, ["document_no", "rule"]].tolist() == ["INV0050003", "AMOUNT_EXACT"]


def test_ambiguous_combination_goes_to_review():
    items = pd.DataFrame({"customer_id": ["K"] * 4, "document_no": ["A1", "A2", "A3", "A4"],
                          "document_date": ["2026-09-01"] * 4, "open_amount": [100, 200, 150, 150]})
    cus = pd.DataFrame({"customer_id": ["K"], "customer_name": ["Kappa"]})
    res = apply_cash(items, pay(("P1", "2026-10-01", 300, "Kappa", "")), customers=cus)
    a = apps_of(res, "P1")
    assert (a["status"] == "REVIEW").all()
    assert res.unapplied.loc[0, "reason"] == "AMBIGUOUS"
    assert res.unapplied.loc[0, "amount_unapplied"] == 30000
    assert (res.exceptions["reason"] == "AMBIGUOUS").any()
    assert res.posting["posting_type"].tolist() == ["ON_ACCOUNT"]


def test_short_payment_within_tolerance_is_written_off():
    res = run(pay(("P1", "2026-10-25", 1248.00, "Acme Tools", "INV0012345")),
              settings=Settings(match_tolerance=500, match_tolerance_pct=Decimal("0.5")))
    a = apps_of(res, "P1").iloc[0]
    assert (a["applied_amount"], a["write_off_amount"], a["status"]) == (124800, 200, "AUTO")
    assert res.unapplied.empty and res.deductions.empty
    assert "written off" in a["evidence"]


def test_larger_short_payment_raises_a_deduction_with_reason_from_text():
    res = run(pay(("P1", "2026-10-25", 1000.00, "Acme Tools", "INV0012345 less 250.00 damaged goods")))
    a = apps_of(res, "P1").iloc[0]
    assert (a["applied_amount"], a["deduction_amount"], a["status"]) == (100000, 25000, "AUTO")
    d = res.deductions.iloc[0]
    assert d[["customer_id", "document_no", "related_document_no", "amount", "reason_code", "payment_id"]].tolist() == [
        "C100", "DED-P1-1", "INV0012345", 25000, "DAMAGED", "P1"]
    after = res.open_items_after.set_index("document_no")
    assert "INV0012345" not in after.index
    assert after.loc["DED-P1-1", ["doc_type", "open_amount", "reason_code"]].tolist() == ["DED", 25000, "DAMAGED"]
    assert set(res.posting["posting_type"]) == {"APPLICATION", "DEDUCTION"}


def test_short_payment_with_unknown_payer_is_only_proposed():
    res = run(pay(("P1", "2026-10-25", 1000.00, "ZZ Factoring", "INV0012345 damaged")))
    a = apps_of(res, "P1").iloc[0]
    assert a["status"] == "REVIEW" and a["confidence"] < 0.9
    assert res.unapplied.iloc[0][["reason", "amount_unapplied"]].tolist() == ["REVIEW", 100000]
    assert res.deductions.empty


def test_early_payment_discount_per_terms():
    # C300 has 2/10 NET30; INV0030001 dated 2026-10-20, paid 2026-10-25 less 2 %
    res = run(pay(("P1", "2026-10-25", 490.00, "Gamma Logistics", "")))
    a = apps_of(res, "P1").iloc[0]
    assert (a["document_no"], a["applied_amount"], a["discount_amount"], a["rule"]) == ("INV0030001", 49000, 1000, "AMOUNT_DISCOUNT")
    assert "2% to 2026-10-30" in a["evidence"]
    # too late for the discount: 490 against 500 is a short payment on the named invoice
    res = run(pay(("P2", "2026-11-15", 490.00, "Gamma Logistics", "INV0030001")))
    a = apps_of(res, "P2").iloc[0]
    assert a["discount_amount"] == 0 and a["deduction_amount"] == 1000


def test_overpayment_leaves_the_excess_on_account():
    res = run(pay(("P1", "2026-10-25", 1300.00, "Acme Tools", "INV0012345")))
    a = apps_of(res, "P1").iloc[0]
    assert (a["applied_amount"], a["status"]) == (125000, "AUTO")
    u = res.unapplied.iloc[0]
    assert u[["reason", "amount_unapplied", "customer_id"]].tolist() == ["ON_ACCOUNT", 5000, "C100"]
    after = res.open_items_after.set_index("document_no")
    assert after.loc["P1", ["doc_type", "open_amount", "customer_id"]].tolist() == ["PMT", -5000, "C100"]


def test_po_number_in_reference():
    res = run(pay(("P1", "2026-10-25", 450.00, "", "PO 7788")))
    a = apps_of(res, "P1").iloc[0]
    assert (a["document_no"], a["rule"], a["status"]) == ("INV0012347", "PO_REF", "AUTO")


def test_remittance_lines_applied_as_advised_and_differences_flagged():
    rem = pd.DataFrame({"payment_id": ["P1", "P1", "P2"], "document_no": ["INV-12345", "12346", "INV0020001"],
                        "amount_paid": [1250.00, 250.00, 900.00], "deduction_amount": [0, 50.00, 0],
                        "deduction_reason": ["", "PRICING", ""]})
    res = run(pay(("P1", "2026-10-25", 1500.00, "Acme", "see advice"), ("P2", "2026-10-25", 900.00, "Beta", "")),
              remittance=rem)
    a = apps_of(res, "P1")
    assert dict(zip(a["document_no"], a["applied_amount"])) == {"INV0012345": 125000, "INV0012346": 25000}
    assert a.set_index("document_no").loc["INV0012346", "deduction_amount"] == 5000
    assert set(a["rule"]) == {"REMITTANCE"} and set(a["status"]) == {"AUTO"}
    assert res.deductions.set_index("related_document_no").loc["INV0012346", "reason_code"] == "PRICING"
    b = apps_of(res, "P2").iloc[0]
    assert (b["applied_amount"], b["status"]) == (90000, "AUTO")          # partial, as advised
    assert ((res.exceptions["payment_id"] == "P2") & (res.exceptions["reason"] == "REMITTANCE_DIFFERS")).any()
    assert res.open_items_after.set_index("document_no").loc["INV0020001", "open_amount"] == 10000


def test_remittance_total_above_payment_is_review():
    rem = pd.DataFrame({"payment_id": ["P1"], "document_no": ["INV0012345"], "amount_paid": [1250.00]})
    res = run(pay(("P1", "2026-10-25", 1000.00, "Acme", "")), remittance=rem)
    assert (apps_of(res, "P1")["status"] == "REVIEW").all()
    assert res.unapplied.iloc[0]["reason"] == "REVIEW"


def test_currency_differs():
    res = run(pay(("P1", "2026-10-25", 100.00, "Omega Supply", "INV0050001")))   # payment USD, invoice EUR
    assert res.applications.empty
    assert res.unapplied.iloc[0][["reason", "customer_id"]].tolist() == ["CURRENCY_DIFFERS", "C500"]


def test_unknown_payer_and_no_candidate():
    res = run(pay(("P1", "2026-10-25", 77.00, "Nobody In Particular", "TRANSFER 991"),
                  ("P2", "2026-10-25", 77.00, "Acme Tools", "TRANSFER 991")))
    u = res.unapplied.set_index("payment_id")
    assert u.loc["P1", "reason"] == "UNKNOWN_PAYER" and u.loc["P2", "reason"] == "NO_CANDIDATE"
    assert u.loc["P2", "customer_id"] == "C100"
    assert res.posting.set_index("payment_id").loc["P1", "posting_type"] == "UNAPPLIED"
    pmt = res.open_items_after[res.open_items_after["doc_type"] == "PMT"]
    assert pmt["customer_id"].tolist() == ["C100"]


def test_fuzzy_payer_name():
    res = run(pay(("P1", "2026-10-25", 900.00, "DELTA RETAIL GRUOP", "")))
    a = apps_of(res, "P1").iloc[0]
    assert a["document_no"] == "INV0040001"
    assert 'payer "DELTA RETAIL GRUOP" ~ customer_name "Delta Retail Group"' in a["evidence"]


def test_fuzzy_payer_tie_is_no_match():
    cus = pd.DataFrame({"customer_id": ["N1", "N2"], "customer_name": ["Nordic Paper AB", "Nordic Papers AB"]})
    items = pd.DataFrame({"customer_id": ["N1", "N2"], "document_no": ["X1", "X2"],
                          "document_date": ["2026-09-01"] * 2, "open_amount": [100, 100]})
    res = apply_cash(items, pay(("P1", "2026-10-01", 100, "NORDIC PAPERZ", "")), customers=cus)
    u = res.unapplied.iloc[0]
    assert u["reason"] == "UNKNOWN_PAYER" and "tie" in u["detail"]


def test_reference_names_another_customers_invoice_is_review():
    p = pd.DataFrame({"payment_id": ["P1"], "value_date": ["2026-10-25"], "amount": [1000.00],
                      "customer_id": ["C100"], "reference": ["INV0020001"]})
    res = run(p)
    assert (apps_of(res, "P1")["status"] == "REVIEW").all()
    assert (res.exceptions["reason"] == "CUSTOMER_MISMATCH").any()


def test_parent_may_pay_for_its_subsidiary():
    p = pd.DataFrame({"payment_id": ["P1"], "value_date": ["2026-10-25"], "amount": [4000.00],
                      "payer_account": ["GB29 NWBK 6016 1331 9268 19"], "reference": ["INV41001"]})
    a = apps_of(run(p), "P1").iloc[0]
    assert (a["document_no"], a["customer_id"], a["status"]) == ("INV0041001", "C410", "AUTO")


def test_two_payments_for_the_same_invoice_do_not_both_apply():
    res = run(pay(("P1", "2026-10-25", 1250.00, "Acme", "INV0012345"), ("P2", "2026-10-26", 1250.00, "Acme", "INV0012345")))
    auto = res.applications[res.applications["status"] == "AUTO"]
    assert auto["payment_id"].tolist() == ["P1"]
    u = res.unapplied.set_index("payment_id").loc["P2"]
    assert u["amount_unapplied"] == 125000
    assert (res.exceptions["reason"] == "POSSIBLE_DUPLICATE_PAYMENT").any()


def test_prior_applications_are_never_applied_again():
    payments = pay(("P1", "2026-10-25", 1250.00, "Acme", "INV0012345"))
    first = run(payments)
    again = run(payments, prior_applications=first.applications)
    pd.testing.assert_frame_equal(again.applications, first.applications, check_dtype=False)  # carried as they were, once
    assert again.unapplied.empty and again.exceptions.empty and again.posting.empty
    assert "INV0012345" not in set(again.open_items_after["document_no"])    # not posted yet: deducted again


def test_auto_threshold_is_a_setting():
    res = run(pay(("P1", "2026-10-25", 1250.00, "ACME TOOLS", "INV0012345")),
              settings=Settings(auto_apply_min_confidence=Decimal("0.999")))
    assert (res.applications["status"] == "REVIEW").all()


def test_refused_inputs_raise_input_errors():
    with pytest.raises(InputErrors) as e:
        run(pay(("P1", "not a date", 10, "", ""), ("P1", "2026-10-25", -5, "", "")))
    msgs = " ".join(x.message for x in e.value.errors)
    assert "value_date is not a date" in msgs and "duplicate payment_id" in msgs


def test_posting_cash_equals_cash_received():
    res = run(pay(("P1", "2026-10-25", 1300.00, "Acme Tools", "INV0012345"),
                  ("P2", "2026-10-25", 1000.00, "Acme Tools", "INV0012346 INV12347 short shipped"),
                  ("P3", "2026-10-25", 55.00, "Nobody", "")))
    cash = res.posting[res.posting["posting_type"].isin(["APPLICATION", "ON_ACCOUNT", "UNAPPLIED"])]
    assert cash["amount"].sum() == 130000 + 100000 + 5500


def test_open_items_after_is_a_canonical_open_items_table():
    from xl_collections.io.validate import canonical
    res = run(pay(("P1", "2026-10-25", 1000.00, "Acme Tools", "INV0012345 freight")))
    after = res.open_items_after
    assert after.attrs["table"] == "open_items"
    assert canonical(after, "open_items") is after
    assert after["document_no"].is_unique
    assert after["open_amount"].dtype == "int64"


def test_short_payment_with_the_difference_stated_needs_no_known_payer():
    res = run(pay(("P1", "2026-10-25", 1172.00, "", "RE INV0012345 LESS 78.00 FREIGHT")))
    a = apps_of(res, "P1").iloc[0]
    assert (a["status"], a["deduction_amount"]) == ("AUTO", 7800)
    assert "the reference states the difference" in a["evidence"]
    assert res.deductions.iloc[0]["reason_code"] == "FREIGHT"


def test_amounts_and_dates_in_the_text_are_not_document_numbers():
    items = pd.DataFrame({"customer_id": ["K1", "K2"], "document_no": ["INV0016733", "INV0014538"],
                          "document_date": ["2026-10-01"] * 2, "open_amount": [1722.52, 500.00]})
    p = pd.DataFrame({"payment_id": ["P1"], "value_date": ["2026-10-20"], "amount": [1577.14],
                      "customer_id": ["K1"], "reference": ["INV0016733 - price variance ded 145.38 of 2026-10-01"]})
    a = apply_cash(items, p)
    assert a.applications["document_no"].tolist() == ["INV0016733"]
    assert a.applications["status"].tolist() == ["AUTO"]


def test_number_without_its_letter_prefix():
    items = pd.DataFrame({"customer_id": ["K1", "K1"], "document_no": ["INV0019677", "DM0025352"],
                          "document_date": ["2026-10-01"] * 2, "open_amount": [100.00, 57.07]})
    p = pd.DataFrame({"payment_id": ["P1"], "value_date": ["2026-10-20"], "amount": [157.07],
                      "reference": ["INV0019677,0025352"]})
    a = apply_cash(items, p).applications
    assert sorted(a["document_no"]) == ["DM0025352", "INV0019677"] and set(a["status"]) == {"AUTO"}
    assert "document prefix DM missing" in a.set_index("document_no").loc["DM0025352", "evidence"]


def test_typo_that_hits_another_customers_document():
    """INV0029767 was meant (C100's 300.00); the customer typed INV0029768, which is another customer's invoice."""
    items = pd.DataFrame({"customer_id": ["C100", "C200"], "document_no": ["INV0029767", "INV0029768"],
                          "document_date": ["2026-10-01"] * 2, "open_amount": [300.00, 999.00]})
    cus = pd.DataFrame({"customer_id": ["C100", "C200"], "customer_name": ["Acme Tools Inc", "Beta Foods"],
                        "bank_accounts": ["DE89370400440532013000", ""]})
    p = pd.DataFrame({"payment_id": ["P1"], "value_date": ["2026-10-20"], "amount": [300.00],
                      "payer_account": ["DE89370400440532013000"], "reference": ["INV0029768"]})
    a = apply_cash(items, p, customers=cus).applications.iloc[0]
    assert (a["document_no"], a["status"]) == ("INV0029767", "AUTO")
    assert "one-character typo" in a["evidence"] and "INV0029768 of C200" in a["evidence"]


def test_payer_names_cut_or_abbreviated_by_the_bank():
    cus = pd.DataFrame({"customer_id": ["K1", "K2"],
                        "customer_name": ["Oakridge International Supply LLC", "Apex National Motors Ltd"]})
    items = pd.DataFrame({"customer_id": ["K1", "K2"], "document_no": ["A1", "B1"],
                          "document_date": ["2026-10-01"] * 2, "open_amount": [10.00, 20.00]})
    p = pd.DataFrame({"payment_id": ["P1", "P2"], "value_date": ["2026-10-20"] * 2, "amount": [10.00, 20.00],
                      "payer_name": ["OAKRIDGE INTERNATI", "APEX NATL MOTORS"], "reference": ["", ""]})
    a = apply_cash(items, p, customers=cus).applications.set_index("payment_id")
    assert a.loc["P1", "document_no"] == "A1" and "beginning of customer_name" in a.loc["P1", "evidence"]
    assert a.loc["P2", "document_no"] == "B1" and a.loc["P2", "status"] == "AUTO"


def test_write_off_needs_a_known_payer():
    res = run(pay(("P1", "2026-10-25", 1248.00, "Nobody Known", "ACH CREDIT 12345")))
    assert (res.applications["status"] == "REVIEW").all()


def test_payer_whose_open_items_are_in_another_currency():
    res = run(pay(("P1", "2026-10-25", 100.00, "Omega Supply", "")))       # C500 bills in EUR, pays USD
    u = res.unapplied.iloc[0]
    assert (u["reason"], u["customer_id"]) == ("CURRENCY_DIFFERS", "C500")
    assert (res.exceptions["reason"] == "CURRENCY_DIFFERS").any()
