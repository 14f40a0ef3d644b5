"""Customers' "we paid" claims (CONTRACT §6 "Payment claims", ``claim.csv`` in §4): the payment
applied to another customer is found and named, so are unapplied, partly applied and returned
cash; a claim nothing matches is one NOT_FOUND row saying what was looked for; the ClaimDays
window moves with the claimed date."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from xl_collections.cli import dispatch as cli
from xl_collections.claims import (APPLIED_ELSEWHERE, APPLIED_TO_CLAIMED, CSV_COLUMNS, NOT_FOUND, RETURNED, UNAPPLIED,
                                   WHERE, Claim, index_payments, research)
from xl_collections.cli.cashapp import read_prior
from xl_collections.io.readers import load_table

OPEN_ITEMS = [
    ["customer_id", "document_no", "doc_type", "document_date", "due_date", "amount", "open_amount"],
    ["C100", "INV-1042", "INV", "2026-10-01", "2026-10-31", "1000.00", "1000.00"],
    ["C100", "INV-1043", "INV", "2026-10-02", "2026-11-01", "1000.00", "400.00"],
    ["C100", "INV-1050", "INV", "2026-10-05", "2026-11-04", "750.00", "750.00"],
    ["C200", "INV-2001", "INV", "2026-10-03", "2026-11-02", "1000.00", "0.00"],
    ["C300", "INV-3007", "INV", "2026-10-09", "2026-11-08", "2480.15", "2480.15"],
    ["C300", "PMT-88", "PMT", "2026-11-06", "2026-11-06", "-310.00", "-310.00"],
]
PAYMENTS = [
    ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_account", "reference", "customer_id",
     "record_type", "original_ref", "reason_code", "reason"],
    # Acme paid 1042 but the cash went to Beta's invoice of the same amount
    ["BNK-5001", "2026-11-03", "1000.00", "USD", "ACME TOOLS INC", "US12ACME", "INV 1042", "", "", "", "", ""],
    # someone's 1,000.00 with no reference: never applied
    ["BNK-5002", "2026-11-05", "1000.00", "USD", "A. Smith", "US99SMTH", "", "", "", "", "", ""],
    # Acme's 600.00 against 1043 (of 1,000.00): applied, partly
    ["BNK-5003", "2026-11-04", "600.00", "USD", "Acme Tools", "US12ACME", "1043 part payment", "", "", "", "", ""],
    # Acme's cheque for 1050 came back
    ["CHK-7710", "2026-10-28", "750.00", "USD", "ACME TOOLS INC", "US12ACME", "INV-1050", "", "", "", "", ""],
    ["RTN-0931", "2026-11-09", "750.00", "USD", "", "US12ACME", "RETURNED ITEM", "", "RETURN", "CHK-7710", "NSF",
     "insufficient funds"],
    # a payment of Cobalt's, to keep the candidates honest
    ["BNK-5004", "2026-11-04", "2480.15", "USD", "Cobalt Supply", "US33COBA", "INV-3007", "C300", "", "", "", ""],
    # an unrelated receipt of the same amount far from the claimed date
    ["BNK-4100", "2026-08-20", "1000.00", "USD", "ACME TOOLS INC", "US12ACME", "INV 0998", "", "", "", "", ""],
]
APPLICATIONS = [
    ["payment_id", "document_no", "customer_id", "applied_amount", "rule", "confidence", "status", "open_before",
     "write_off_amount", "discount_amount", "deduction_amount", "value_date", "payment_amount", "payer_account",
     "bank_reference", "end_to_end_id", "return_id", "currency", "run_id"],
    ["BNK-5001", "INV-2001", "C200", "1000.00", "AMOUNT_UNIQUE", "0.9", "AUTO", "1000.00", "0", "0", "0",
     "2026-11-03", "1000.00", "US12ACME", "BNK-5001", "", "", "USD", "20261106T090000"],
    ["BNK-5003", "INV-1043", "C100", "600.00", "REFERENCE", "1", "AUTO", "1000.00", "0", "0", "0",
     "2026-11-04", "600.00", "US12ACME", "BNK-5003", "", "", "USD", "20261106T090000"],
    ["CHK-7710", "INV-1050", "C100", "750.00", "REFERENCE", "1", "AUTO", "750.00", "0", "0", "0",
     "2026-10-28", "750.00", "US12ACME", "CHK-7710", "", "", "USD", "20261030T090000"],
    ["CHK-7710", "INV-1050", "C100", "-750.00", "RETURN", "1", "REVERSED", "0.00", "0", "0", "0",
     "2026-11-09", "750.00", "US12ACME", "CHK-7710", "", "RTN-0931", "USD", "20261110T090000"],
    ["BNK-5004", "INV-3007", "C300", "2480.15", "REFERENCE", "1", "REVIEW", "2480.15", "0", "0", "0",
     "2026-11-04", "2480.15", "US33COBA", "BNK-5004", "", "", "USD", "20261106T090000"],
    # an earlier run's payment whose statement is not loaded today: known from its application
    ["BNK-3990", "INV-0990", "C400", "1000.00", "REFERENCE", "1", "AUTO", "1000.00", "0", "0", "0",
     "2026-11-12", "1000.00", "US44DELT", "BNK-3990", "E2E-3990", "", "USD", "20261113T090000"],
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def files(tmp_path):
    return {"open_items": write(tmp_path / "open_items.csv", OPEN_ITEMS),
            "payments": write(tmp_path / "payments.csv", PAYMENTS),
            "applications": write(tmp_path / "applications.csv", APPLICATIONS)}


@pytest.fixture
def book(files):
    """The inputs as the command reads them: (payment index, open items)."""
    pay, errs = load_table(files["payments"], "payments", reporting_currency="USD")
    assert not errs
    apps, errs = read_prior([str(files["applications"])], "USD")
    assert not errs
    oi, errs = load_table(files["open_items"], "open_items", reporting_currency="USD")
    assert not errs
    return index_payments(pay, apps), oi


def ask(book, customer="C100", amount=None, date=None, reference="", claim_days=30, tolerance=500):
    index, oi = book
    claim = Claim(customer, amount, dt.date.fromisoformat(date) if date else None, reference)
    return research(claim, index, open_items=oi, claim_days=claim_days, tolerance=tolerance).rows


def test_paid_but_applied_to_another_customer_names_the_document_and_the_customer(book):
    rows = ask(book, amount=100000, date="2026-11-03", reference="INV-1042")
    top = rows.iloc[0]
    assert top["payment_id"] == "BNK-5001" and top["rank"] == 1
    assert top["where"] == APPLIED_ELSEWHERE
    assert top["documents"] == "INV-2001" and top["customer_id"] == "C200"
    assert "1,000.00 USD applied to INV-2001 of customer C200" in top["evidence"]
    assert "INV-1042 of C100 is still open 1,000.00 USD" in top["evidence"]
    assert "names 'INV-1042'" in top["evidence"]


def test_ranking_reference_then_exact_amount_then_date_distance(book):
    rows = ask(book, amount=100000, date="2026-11-03", reference="INV-1042")
    # BNK-4100 (Aug 20) lies outside the 30 days; BNK-3990 (Nov 12, 9 days) after BNK-5002 (Nov 5, 2 days)
    assert rows["payment_id"].tolist() == ["BNK-5001", "BNK-5002", "BNK-3990"]
    assert rows["rank"].tolist() == [1, 2, 3]
    assert rows.loc[1, "where"] == UNAPPLIED
    assert "no application of it among the inputs" in rows.loc[1, "evidence"]
    # known only from an earlier run's application: still a candidate, and it says where it went
    assert rows.loc[2, "where"] == APPLIED_ELSEWHERE and rows.loc[2, "customer_id"] == "C400"


def test_unapplied_cash_of_the_claimed_amount(book):
    rows = ask(book, customer="C500", amount=100000, date="2026-11-06")
    smith = rows.set_index("payment_id").loc["BNK-5002"]
    assert smith["where"] == UNAPPLIED and smith["documents"] == ""
    assert "paid 1 day before the claimed date" in smith["evidence"]


def test_partly_applied_to_the_claimed_invoice(book):
    rows = ask(book, amount=100000, date="2026-11-04", reference="1043")
    top = rows.iloc[0]
    assert top["payment_id"] == "BNK-5003" and top["where"] == APPLIED_TO_CLAIMED
    assert top["documents"] == "INV-1043" and top["customer_id"] == "C100"
    assert "partly: 600.00 USD of the claimed 1,000.00 USD reached the claimed documents" in top["evidence"]


def test_returned_payment(book):
    rows = ask(book, amount=75000, date="2026-10-28", reference="inv 1050")
    top = rows.iloc[0]
    assert top["payment_id"] == "CHK-7710" and top["where"] == RETURNED
    assert top["documents"] == "INV-1050" and top["customer_id"] == "C100"
    assert "returned (return RTN-0931 on 2026-11-09)" in top["evidence"]
    assert "750.00 USD put back on INV-1050" in top["evidence"]


def test_a_return_known_only_from_the_payments_file(files, book):
    """No cash application has reversed it yet: the RETURN row naming the cheque is enough."""
    _, oi = book
    pay, _ = load_table(files["payments"], "payments", reporting_currency="USD")
    rows = research(Claim("C100", 75000, dt.date(2026, 10, 28), "1050"), index_payments(pay), open_items=oi).rows
    top = rows.iloc[0]
    assert top["where"] == RETURNED
    assert "returned (return RTN-0931 on 2026-11-09: NSF insufficient funds)" in top["evidence"]


def test_a_claimed_cheque_number_finds_the_payment_by_its_id(book):
    rows = ask(book, reference="CHK 7710")
    assert rows.iloc[0]["payment_id"] == "CHK-7710"


def test_a_payment_proposed_for_review_is_unapplied_and_says_so(book):
    rows = ask(book, customer="C300", amount=248015, date="2026-11-04")
    top = rows.iloc[0]
    assert top["where"] == UNAPPLIED and "proposed for review to INV-3007 of customer C300" in top["evidence"]


def test_not_found_is_one_row_saying_what_was_looked_for(book):
    rows = ask(book, amount=123456, date="2026-11-03", reference="INV-1099")
    assert len(rows) == 1
    r = rows.iloc[0]
    assert r["where"] == NOT_FOUND and r["customer_id"] == "C100" and r["payment_id"] == ""
    assert pd.isna(r["rank"])
    assert "a reference naming 'INV-1099' or an amount of 1,234.56 USD (± 5.00 USD)" in r["evidence"]
    assert "dated 2026-10-04 to 2026-12-03" in r["evidence"]


@pytest.mark.parametrize("claimed, days, found", [
    ("2026-11-03", 30, True),     # the day it was paid
    ("2026-12-03", 30, True),     # exactly ClaimDays after: still inside
    ("2026-12-04", 30, False),    # one day beyond
    ("2026-10-04", 30, True),     # exactly ClaimDays before
    ("2026-10-03", 30, False),
    ("2026-12-04", 31, True),     # a wider window reaches it again
    ("2026-11-06", 2, False),     # a narrow one does not
    ("2026-11-05", 2, True),
])
def test_time_travel_the_same_claim_at_other_dates(book, claimed, days, found):
    rows = ask(book, customer="C100", amount=100000, date=claimed, reference="INV-1042", claim_days=days)
    assert ("BNK-5001" in set(rows["payment_id"])) is found


def test_without_a_date_there_is_no_window(book):
    rows = ask(book, amount=100000)
    assert {"BNK-5001", "BNK-5002", "BNK-4100", "BNK-3990"} <= set(rows["payment_id"])


def test_with_neither_amount_nor_reference_only_the_customers_own_payments(book):
    rows = ask(book, customer="C300", date="2026-11-04")
    assert rows["payment_id"].tolist() == ["BNK-5004"]


def test_the_command_writes_the_contract_columns(files, tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["claim", "--customer", "C100", "--amount", "1,000.00", "--date", "2026-11-03",
                     "--reference", "INV-1042", "--payments", str(files["payments"]),
                     "--applications", str(files["applications"]), "--open-items", str(files["open_items"]),
                     "--out", str(out)])
    assert code == 0
    assert "best BNK-5001 APPLIED_ELSEWHERE (INV-2001 of C200)" in capsys.readouterr().out
    df = pd.read_csv(out / "claim.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == CSV_COLUMNS
    assert df.iloc[0].to_dict() | {"evidence": ""} == {
        "rank": "1", "payment_id": "BNK-5001", "value_date": "2026-11-03", "amount": "1000.00",
        "payer_name": "ACME TOOLS INC", "reference": "INV 1042", "where": APPLIED_ELSEWHERE, "documents": "INV-2001",
        "customer_id": "C200", "evidence": ""}


def test_the_command_not_found_row_and_claim_days_setting(files, tmp_path):
    settings = write(tmp_path / "settings.csv", [["name", "value"], ["ClaimDays", "5"]])
    out = tmp_path / "out"
    code = cli.main(["claim", "--customer", "C100", "--amount", "1000", "--date", "2026-11-20",
                     "--payments", str(files["payments"]), "--settings", str(settings), "--out", str(out)])
    assert code == 0
    df = pd.read_csv(out / "claim.csv", dtype=str, keep_default_na=False)
    assert df["where"].tolist() == [NOT_FOUND] and df["rank"].tolist() == [""]
    assert "5 days either side of 2026-11-20" in df["evidence"].iat[0]


@pytest.mark.parametrize("extra, says", [
    (["--amount", "abc"], "--amount 'abc'"),
    (["--date", "31/31/2026"], "--date '31/31/2026'"),
    (["--amount", "-5"], "positive"),
])
def test_a_bad_claim_is_a_usage_error(files, tmp_path, capsys, extra, says):
    code = cli.main(["claim", "--customer", "C100", *extra, "--payments", str(files["payments"]),
                     "--out", str(tmp_path / "out")])
    assert code == 2 and says in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bad_applications_are_refused_naming_the_file(files, tmp_path, capsys):
    bad = write(tmp_path / "apps.csv", [["payment_id", "document_no"], ["BNK-5001", "INV-2001"]])
    code = cli.main(["claim", "--customer", "C100", "--amount", "1000", "--payments", str(files["payments"]),
                     "--applications", str(bad), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "apps.csv" in err and "open_before" in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- invariants

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

DAY0 = dt.date(2026, 10, 1)


@st.composite
def histories(draw):
    n = draw(st.integers(1, 40))
    rows = []
    for i in range(n):
        day = DAY0 + dt.timedelta(days=draw(st.integers(0, 120)))
        rows.append({"payment_id": f"P{i:04d}", "value_date": pd.Timestamp(day),
                     "amount": draw(st.sampled_from([100000, 100000, 99800, 100400, 50000, 123456])),
                     "currency": draw(st.sampled_from(["USD", "USD", "USD", "EUR"])),
                     "payer_name": draw(st.sampled_from(["ACME TOOLS INC", "Beta Foods", ""])),
                     "reference": draw(st.sampled_from(["INV 1042", "Rechnung 0001042", "INV-1043", "", "misc"])),
                     "customer_id": draw(st.sampled_from(["", "C100", "C200"]))})
    pay = pd.DataFrame(rows)
    pay["amount"] = pay["amount"].astype("int64")
    claim = Claim("C100", draw(st.sampled_from([100000, 50000, None])),
                  DAY0 + dt.timedelta(days=draw(st.integers(0, 120))), draw(st.sampled_from(["INV-1042", "", "1043"])))
    return pay, claim, draw(st.integers(0, 40)), draw(st.sampled_from([0, 500]))


@hsettings(max_examples=60, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_candidates_are_all_and_only_the_qualifying_payments_ranked_in_order(case, rnd):
    pay, claim, days, tol = case
    res = research(claim, index_payments(pay), claim_days=days, tolerance=tol).rows
    window = pay[(pay["value_date"] - pd.Timestamp(claim.date)).dt.days.abs() <= days]
    amount_ok = window[(window["currency"] == "USD") & ((window["amount"] - (claim.amount or 0)).abs() <= tol)] \
        if claim.amount is not None else window.iloc[:0]
    found = res[res["where"] != NOT_FOUND]
    # every payment of the claimed amount inside the window is a candidate; nothing outside it is
    assert set(amount_ok["payment_id"]) <= set(found["payment_id"]) <= set(window["payment_id"])
    if claim.reference or claim.amount is not None:
        assert (len(found) == 0) == (len(res) == 1 and res["where"].iat[0] == NOT_FOUND)
    assert found["rank"].tolist() == list(range(1, len(found) + 1))
    assert set(res["where"]) <= set(WHERE)
    # ranked: an exact amount never below an inexact one among equal reference matches (dates then)
    if claim.amount is not None and len(found) > 1:
        exact = (found["amount"] == claim.amount) & (found["currency"] == "USD")
        ref = found["evidence"].str.contains("names", regex=False)
        key = list(zip(~ref, ~exact, (found["value_date"] - pd.Timestamp(claim.date)).dt.days.abs()))
        assert key == sorted(key)
    # the order the payments come in changes nothing
    shuffled = pay.sample(frac=1, random_state=rnd.randint(0, 10_000)).reset_index(drop=True)
    again = research(claim, index_payments(shuffled), claim_days=days, tolerance=tol).rows
    pd.testing.assert_frame_equal(res.reset_index(drop=True), again.reset_index(drop=True))


def test_split_between_the_claimed_invoice_and_another_customers(tmp_path, book):
    _, oi = book
    pay = write(tmp_path / "p.csv", [PAYMENTS[0], ["BNK-6001", "2026-11-20", "1500.00", "USD", "ACME TOOLS INC",
                                                   "US12ACME", "INV 1042 / 2001", "", "", "", "", ""]])
    apps = write(tmp_path / "a.csv", [APPLICATIONS[0],
                                      ["BNK-6001", "INV-1042", "C100", "1000.00", "REFERENCE", "1", "AUTO", "1000.00",
                                       "0", "0", "0", "2026-11-20", "1500.00", "", "", "", "", "USD", "R1"],
                                      ["BNK-6001", "INV-2001", "C200", "400.00", "REFERENCE", "1", "AUTO", "1000.00",
                                       "0", "0", "0", "2026-11-20", "1500.00", "", "", "", "", "USD", "R1"]])
    p, _ = load_table(pay, "payments", reporting_currency="USD")
    a, _ = read_prior([str(apps)], "USD")
    top = research(Claim("C100", None, dt.date(2026, 11, 20), "1042"), index_payments(p, a), open_items=oi).rows.iloc[0]
    assert top["where"] == APPLIED_TO_CLAIMED
    assert top["documents"] == "INV-1042; INV-2001" and top["customer_id"] == "C100; C200"
    assert "400.00 USD applied to INV-2001 of customer C200" in top["evidence"]
    assert "100.00 USD of it left unapplied" in top["evidence"]
    # the same payment, found by its amount when the customer names an invoice it did not reach
    other = research(Claim("C100", 150000, dt.date(2026, 11, 20), "INV-1043"), index_payments(p, a),
                     open_items=oi).rows.iloc[0]
    assert other["payment_id"] == "BNK-6001" and other["where"] == APPLIED_ELSEWHERE
    assert "INV-1043 of C100 is still open 400.00 USD" in other["evidence"]


def test_applied_to_the_same_customer_but_another_invoice_is_elsewhere(book):
    rows = ask(book, amount=60000, date="2026-11-04", reference="INV-1050")
    part = rows.set_index("payment_id").loc["BNK-5003"]
    assert part["where"] == APPLIED_ELSEWHERE and part["customer_id"] == "C100" and part["documents"] == "INV-1043"


@pytest.mark.parametrize("status, decision, where, says", [
    ("AUTO", "REJECT", UNAPPLIED, "its application to INV-3007 was rejected on Cash App (withdrawn)"),
    ("REVIEW", "ACCEPT", APPLIED_TO_CLAIMED, "accepted for INV-3007 of customer C300"),
    ("REVIEW", "", UNAPPLIED, "proposed for review to INV-3007 of customer C300"),
])
def test_a_persons_decision_on_cash_app_counts(tmp_path, book, status, decision, where, says):
    _, oi = book
    apps = write(tmp_path / "a.csv", [APPLICATIONS[0] + ["decision"],
                                      ["BNK-5004", "INV-3007", "C300", "2480.15", "REFERENCE", "1", status, "2480.15",
                                       "0", "0", "0", "2026-11-04", "2480.15", "", "", "", "", "USD", "R1", decision]])
    pay, _ = load_table(write(tmp_path / "p.csv", PAYMENTS), "payments", reporting_currency="USD")
    a, _ = read_prior([str(apps)], "USD")
    top = research(Claim("C300", 248015, dt.date(2026, 11, 4), "INV-3007"), index_payments(pay, a), open_items=oi).rows
    assert top["where"].iat[0] == where and says in top["evidence"].iat[0]
