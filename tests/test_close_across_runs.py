"""Cash across runs through the workbook close (CONTRACT §6): next month's extract with the
earlier payments still on Payments, the Cash App sheet deleted, an applied payment edited."""
from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from xl_collections.book import open_book
from xl_collections.cli.dispatch import main as cli
from xl_collections.core.settings import Settings
from xl_collections.workbook.template import build_template
from xl_collections.core.headers import human_header

CUSTOMERS = pd.DataFrame({"customer_id": ["C100", "C200"], "customer_name": ["Acme Tools, Inc.", "Beta Foods GmbH"],
                          "payment_terms": ["NET30", "NET30"], "credit_limit": [50000, 50000]})


def items(*rows):
    return pd.DataFrame([{"customer_id": c, "document_no": d, "doc_type": "INV", "document_date": "2026-09-15",
                          "due_date": "2026-10-15", "amount": a, "open_amount": a, "currency": "GBP"}
                         for d, c, a in rows])


OCTOBER = items(("INV0001001", "C100", 863.14), ("INV0001002", "C100", 612.58), ("INV0002001", "C200", 1500.00),
                ("INV0002002", "C200", 402.11))
PAYMENTS = pd.DataFrame({"payment_id": ["P1", "P2", "P3"], "value_date": ["2026-10-05", "2026-10-07", "2026-10-09"],
                         "amount": [612.58, 1500.00, 402.11], "currency": "GBP",
                         "payer_name": ["ACME TOOLS", "Beta Foods", "Beta Foods"],
                         "reference": ["INV0001002", "INV0002001", "INV0002002"]})


def minor(df: pd.DataFrame, *cols) -> pd.DataFrame:
    """The canonical form the template takes: money in integer minor units."""
    return df.assign(**{c: (df[c] * 100).round().astype("int64") for c in cols})


def book(tmp_path, name, as_of, open_items, payments=PAYMENTS) -> str:
    s = Settings(as_of=pd.Timestamp(as_of).date(), reporting_currency="GBP")
    inputs = {"open_items": minor(open_items, "amount", "open_amount"), "customers": minor(CUSTOMERS, "credit_limit"),
              "payments": minor(payments, "amount")}
    return str(build_template(tmp_path / name, settings=s, inputs=inputs))


def replace_input(path, sheet: str, df: pd.DataFrame) -> None:
    """What a user does: paste another table over an input sheet (openpyxl, VBA kept)."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[sheet]
    ws.delete_rows(1, ws.max_row)
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    wb.save(path)


def close(path, as_of) -> int:
    return cli(["close", str(path), "--as-of", as_of, "--steps", "cashapp,aging"])


def aging_open(path) -> dict[str, float]:
    d = open_book(path).read_table("tblAgingDetail")
    return dict(zip(d["document_no"], d["open_amount"]))


@pytest.fixture
def october(tmp_path):
    path = book(tmp_path, "ar.xlsm", "2026-10-31", OCTOBER)
    assert close(path, "2026-10-31") == 0
    assert set(open_book(path).read_table("tblCashApp")["status"]) == {"AUTO"}
    return path


def test_next_months_extract_with_octobers_payments_still_loaded(october):
    november = items(("INV0001001", "C100", 863.14), ("INV0001003", "C100", 250.56))    # the ledger posted October
    replace_input(october, "Open Items", november)
    assert close(october, "2026-11-30") == 0
    assert aging_open(october) == {"INV0001001": 863.14, "INV0001003": 250.56}
    apps = open_book(october).read_table("tblCashApp")
    assert sorted(apps["payment_id"]) == ["P1", "P2", "P3"]          # once, as they were


def test_a_second_close_on_the_same_book_changes_nothing(october, tmp_path):
    before = open_book(october).read_sheet("Cash App")
    assert close(october, "2026-10-31") == 0
    pd.testing.assert_frame_equal(open_book(october).read_sheet("Cash App"), before)
    assert aging_open(october) == {"INV0001001": 863.14}


def test_deleting_the_cash_app_sheet_refuses_the_next_close(october, capsys):
    wb = openpyxl.load_workbook(october, keep_vba=True)
    del wb["Cash App"]
    wb.save(october)
    saved = open(october, "rb").read()
    assert close(october, "2026-10-31") == 1
    assert "Cash App" in capsys.readouterr().err
    assert open(october, "rb").read() == saved


def test_an_applied_payments_amount_edited_is_an_exception(october):
    edited = PAYMENTS.copy()
    edited.loc[2, "amount"] = 400.00
    replace_input(october, "Payments", edited)
    assert close(october, "2026-10-31") == 0
    exc = open_book(october).read_table("tblExceptions")
    assert exc.loc[exc["payment_id"] == "P3", "reason"].tolist() == ["PAYMENT_CHANGED"]
    un = open_book(october).read_table("tblUnapplied").set_index("payment_id")
    assert round(un.loc["P3", "amount_unapplied"], 2) == -2.11          # 400.00 received, 402.11 applied earlier
    assert aging_open(october)["INV0002002"] == 402.11                  # nothing deducted for it


def test_accept_typed_beside_the_cash_app_is_applied_by_the_next_close(tmp_path):
    stranger = pd.concat([PAYMENTS, pd.DataFrame({"payment_id": ["P4"], "value_date": ["2026-10-12"], "amount": [863.14],
                                                  "currency": ["GBP"], "payer_name": ["J BLOGGS"],
                                                  "reference": ["thank you"]})], ignore_index=True)
    still_open = pd.concat([OCTOBER, items(("INV0001005", "C100", 100.00))], ignore_index=True)
    path = book(tmp_path, "ar.xlsm", "2026-10-31", still_open, stranger)
    assert close(path, "2026-10-31") == 0
    apps = open_book(path).read_table("tblCashApp")
    assert apps.set_index("payment_id").loc["P4", "status"] == "REVIEW"
    # the user types a decision column right of the table, ACCEPT on the proposal
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Cash App"]
    head = next(r for r in range(1, 40) if ws.cell(r, 1).value == human_header("payment_id"))
    width = max(c for c in range(1, 60) if ws.cell(head, c).value not in (None, ""))
    ws.cell(head, width + 1, "decision")
    row = next(r for r in range(head + 1, head + 20) if ws.cell(r, 1).value == "P4")
    ws.cell(row, width + 1, "ACCEPT")
    wb.save(path)
    assert close(path, "2026-10-31") == 0
    apps = open_book(path).read_table("tblCashApp").set_index("payment_id")
    assert (apps.loc["P4", "status"], apps.loc["P4", "rule"], apps.loc["P4", "decision"]) == ("AUTO", "MANUAL", "ACCEPT")
    assert aging_open(path) == {"INV0001005": 100.00}


def test_card_settlements_sheet_is_applied_and_its_batch_reported_on_cash_app(tmp_path):
    s = Settings(as_of=pd.Timestamp("2026-10-31").date(), reporting_currency="GBP")
    cards = pd.DataFrame({"batch_id": ["B1", "B1"], "settlement_date": ["2026-10-05", "2026-10-05"],
                          "transaction_id": ["TX1", "TX2"], "gross_amount": [612.58, 402.11],
                          "fee_amount": [9.19, 6.03], "net_amount": [603.39, 396.08], "currency": ["GBP", "GBP"],
                          "reference": ["INV0001002", "INV0002002"], "cardholder_name": ["ACME TOOLS", "BETA FOODS"]})
    bank = pd.DataFrame({"payment_id": ["BK1"], "value_date": ["2026-10-06"], "amount": [999.47], "currency": ["GBP"],
                         "payer_name": ["CARD PROCESSOR"], "reference": ["BATCH B1"]})
    inputs = {"open_items": minor(OCTOBER, "amount", "open_amount"), "customers": minor(CUSTOMERS, "credit_limit"),
              "payments": minor(bank, "amount"),
              "card_settlements": minor(cards, "gross_amount", "fee_amount", "net_amount")}
    path = str(build_template(tmp_path / "cards.xlsm", settings=s, inputs=inputs))
    assert close(path, "2026-10-31") == 0
    b = open_book(path)
    apps = b.read_table("tblCashApp")
    assert sorted(apps.loc[apps["status"] == "AUTO", "payment_id"]) == ["TX1", "TX2"]
    batches = b.read_table("tblCardBatches")
    assert batches[["batch_id", "net", "bank_payment_id"]].values.tolist() == [["B1", 999.47, "BK1"]]
    assert "BK1" not in set(b.read_table("tblUnapplied")["payment_id"])
