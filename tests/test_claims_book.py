"""The ``Claims`` sheet's *Research claims* button (CONTRACT §3 ``Claims`` → ``Claim Research``):
after a close applied Acme's payment to Beta's invoice, Acme's claim finds it on ``Cash App`` and
names Beta's document; a claim nothing matches is NOT_FOUND; bad claims change nothing."""
from __future__ import annotations

import pandas as pd
import pytest

from xl_collections import macros
from xl_collections.book import open_book
from xl_collections.cli.dispatch import main as cli
from xl_collections.core.errors import InputErrors
from xl_collections.core.settings import Settings
from xl_collections.workbook.template import build_template

CUSTOMERS = pd.DataFrame({"customer_id": ["C100", "C200"], "customer_name": ["Acme Tools, Inc.", "Beta Foods GmbH"],
                          "payment_terms": ["NET30", "NET30"], "credit_limit": [5_000_000, 5_000_000]})
OPEN_ITEMS = pd.DataFrame([
    {"customer_id": c, "document_no": d, "doc_type": "INV", "document_date": "2026-09-15", "due_date": "2026-10-15",
     "amount": a, "open_amount": a, "currency": "USD"}
    for d, c, a in (("INV-1042", "C100", 104_250), ("INV-1043", "C100", 61_258), ("INV-2001", "C200", 104_250),
                    ("INV-2002", "C200", 40_211))])
# Acme's clerk typed Beta's invoice number, and the bank gives its own name as the payer: the
# cash application follows the reference to Beta's invoice
PAYMENTS = pd.DataFrame({"payment_id": ["BNK-9001", "BNK-9002"], "value_date": ["2026-10-06", "2026-10-07"],
                         "amount": [104_250, 40_211], "currency": "USD", "payer_name": ["FIRST NATL BANK ACH", "Beta Foods"],
                         "reference": ["INV-2001", "INV-2002"]})
CLAIMS = pd.DataFrame({"customer_id": ["C100", "C100"], "amount": [104_250, 55_555],
                       "date": pd.to_datetime(["2026-10-05", "2026-10-05"]), "reference": ["INV-1042", ""],
                       "note": ["AP says paid by ACH on the 5th", "remittance not sent"]})


@pytest.fixture
def closed(tmp_path):
    s = Settings(as_of=pd.Timestamp("2026-10-31").date(), reporting_currency="USD")
    path = build_template(tmp_path / "claims_book.xlsm", settings=s,
                          inputs={"open_items": OPEN_ITEMS, "customers": CUSTOMERS, "payments": PAYMENTS,
                                  "claims": CLAIMS})
    assert cli(["close", str(path), "--steps", "cashapp"]) == 0
    return path


def test_the_button_answers_every_claim_from_cash_app(closed):
    assert macros.action_for_sheet("Claims") == "research_claims" == macros.action_for_sheet("Claim Research")
    with open_book(closed) as book:
        macros.run_action("research_claims", book)
        book.save()
    res = open_book(closed).read_table("tblClaimResearch")
    assert list(res.columns[:4]) == ["claim", "claimed_customer", "rank", "payment_id"]
    first = res[res["claim"] == 2]
    top = first.iloc[0]
    assert top["payment_id"] == "BNK-9001" and top["where"] == "APPLIED_ELSEWHERE"
    assert top["documents"] == "INV-2001" and top["customer_id"] == "C200"
    assert "applied to INV-2001 of customer C200" in top["evidence"]
    assert "INV-1042 of C100 is still open 1,042.50 USD" in top["evidence"]
    assert top["amount"] == pytest.approx(1042.50)
    second = res[res["claim"] == 3]
    assert second["where"].tolist() == ["NOT_FOUND"] and second["claimed_customer"].tolist() == ["C100"]
    notes = open_book(closed).read_sheet("Claim Research").iloc[:4, 0].tolist()
    assert notes[0].startswith("Claim research") and "1 with candidate payments" in notes[1]
    assert "within 30 days (ClaimDays)" in notes[2]


def test_a_second_press_writes_the_same(closed, tmp_path):
    for _ in range(2):
        with open_book(closed) as book:
            macros.research_claims(book)
            book.save()
        if _ == 0:
            first = open_book(closed).read_table("tblClaimResearch")
    pd.testing.assert_frame_equal(first, open_book(closed).read_table("tblClaimResearch"))


def test_a_bad_claim_is_refused_and_nothing_is_written(tmp_path):
    s = Settings(as_of=pd.Timestamp("2026-10-31").date(), reporting_currency="USD")
    bad = pd.DataFrame({"customer_id": ["C100"], "amount": ["twelve"], "date": ["2026-10-05"], "reference": [""],
                        "note": [""]})
    bad.attrs["raw"] = True
    path = build_template(tmp_path / "bad_claims.xlsm", settings=s,
                          inputs={"open_items": OPEN_ITEMS, "payments": PAYMENTS, "claims": bad})
    before = open_book(path).read_sheet("Claim Research")
    with open_book(path) as book, pytest.raises(InputErrors) as e:
        macros.research_claims(book)
    assert any(x.sheet == "Claims" and x.column == "amount" for x in e.value.errors)
    assert open_book(path).read_sheet("Claim Research").equals(before)


def test_no_claims_is_said_plainly(tmp_path):
    path = build_template(tmp_path / "no_claims.xlsm", inputs={"open_items": OPEN_ITEMS, "payments": PAYMENTS})
    with open_book(path) as book, pytest.raises(InputErrors, match="holds no claims"):
        macros.research_claims(book)


def test_the_button_on_claims_runs_the_research_through_main(closed, monkeypatch):
    """What a click on the Claims sheet's button does: ``main()`` on the caller whose active
    sheet is Claims researches the claims (and runs no close)."""
    import xlwings as xw

    from xl_collections.close import pipeline as close_mod
    from xl_collections.book.headless import HeadlessBook
    from xl_collections.book.xwbridge import HeadlessBookImpl

    class Sheet:
        name = "Claims"

    class Sheets:
        active = Sheet()

    monkeypatch.setattr(close_mod, "run_close", lambda *a, **k: pytest.fail("the close ran"))
    headless = HeadlessBook(closed)
    impl = HeadlessBookImpl(headless)
    impl.sheets = Sheets()
    xw.Book(impl=impl).set_mock_caller()
    try:
        table = macros.main()
    finally:
        monkeypatch.setattr(xw.Book, "_mock_caller", None, raising=False)
    assert table.loc[table["where"] != "NOT_FOUND", "payment_id"].tolist() == ["BNK-9001"]
    headless.save()
    assert len(open_book(closed).read_table("tblClaimResearch")) == 2
