"""The program's own record of applied cash (CONTRACT §6 ``PRIOR_ROW_DELETED``): rows a person
deletes from ``Cash App`` never let the next run apply that cash again."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd

from xl_collections.book import open_book
from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.prior import read_prior
from xl_collections.cashapp.record import RECORD_SHEET, applied_rows
from xl_collections.close.pipeline import run_close

from test_close_cash_property import delete_row
from test_close_across_runs import OCTOBER, aging_open, book, close, items, replace_input
from test_cash_across_runs import CUSTOMERS, MONTH1, PAY1, reasons


def _cash(oi, pay, prior=None, record=None, run_id=""):
    return apply_cash(oi, pay, customers=CUSTOMERS, prior_applications=prior, record=record, run_id=run_id)


def test_a_deleted_row_is_put_back_from_the_record_and_never_applied_again():
    first = _cash(MONTH1, PAY1, run_id="R1")
    kept = first.applications[first.applications["payment_id"] != "P2"]     # the user deleted P2's row
    again = _cash(MONTH1, PAY1, prior=kept, record=applied_rows(first.applications), run_id="R2")
    apps = again.applications
    assert apps.loc[apps["payment_id"] == "P2", ["document_no", "status", "run_id"]].values.tolist() == [
        ["INV-2001", "AUTO", "R1"]]                                         # back, once, as run R1 made it
    assert reasons(again)["P2"] == {"PRIOR_ROW_DELETED"}
    assert "P2" not in set(again.unapplied["payment_id"])                   # 1,500.00 applied + 0 unapplied
    after = dict(zip(again.open_items_after["document_no"], again.open_items_after["open_amount"]))
    assert after.get("INV-2001", 0) == 0                                    # the ledger has not posted: deducted again


def test_a_deleted_row_of_cash_the_ledger_posted_deducts_nothing():
    first = _cash(MONTH1, PAY1, run_id="R1")
    november = MONTH1[MONTH1["document_no"] != "INV-2001"]                  # posted: gone from the extract
    kept = first.applications[first.applications["payment_id"] != "P2"]
    again = _cash(november, PAY1, prior=kept, record=applied_rows(first.applications), run_id="R2")
    assert reasons(again)["P2"] == {"PRIOR_ROW_DELETED"}
    after = dict(zip(again.open_items_after["document_no"], again.open_items_after["open_amount"]))
    assert after == {"INV-1001": 86314}


def test_without_deleted_rows_the_record_changes_nothing():
    first = _cash(MONTH1, PAY1, run_id="R1")
    plain = _cash(MONTH1, PAY1, prior=first.applications, run_id="R2")
    recorded = _cash(MONTH1, PAY1, prior=first.applications, record=applied_rows(first.applications), run_id="R2")
    pd.testing.assert_frame_equal(plain.applications, recorded.applications)
    pd.testing.assert_frame_equal(plain.exceptions, recorded.exceptions)


def _delete_cash_app_rows(path, payment_id: str) -> None:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Cash App"]
    rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == payment_id]
    for r in reversed(rows):
        delete_row(ws, r)
    wb.save(path)


def test_rows_deleted_from_the_cash_app_sheet_are_reported_and_the_cash_is_not_applied_twice(tmp_path):
    path = book(tmp_path, "ar.xlsm", "2026-10-31", OCTOBER)
    assert close(path, "2026-10-31") == 0
    wb = openpyxl.load_workbook(path)
    assert wb[RECORD_SHEET].sheet_state == "hidden"
    _delete_cash_app_rows(path, "P2")
    assert "P2" not in set(open_book(path).read_table("tblCashApp")["payment_id"])
    november = items(("INV0001001", "C100", 863.14), ("INV0002001", "C200", 1500.00))   # P2 not posted yet
    replace_input(path, "Open Items", november)
    assert close(path, "2026-11-30") == 0
    b = open_book(path)
    apps = b.read_table("tblCashApp")
    assert apps.loc[apps["payment_id"] == "P2", "status"].tolist() == ["AUTO"]
    exc = b.read_table("tblExceptions")
    assert exc.loc[exc["payment_id"] == "P2", "reason"].tolist() == ["PRIOR_ROW_DELETED"]
    assert aging_open(path) == {"INV0001001": 863.14}                    # P2's cash still deducted, once
    # the rows are back: the close after it has nothing more to say about P2
    assert close(path, "2026-11-30") == 0
    exc = open_book(path).read_table("tblExceptions")
    assert "P2" not in set(exc["payment_id"])


def test_an_emptied_row_on_cash_app_is_no_application_and_is_not_refused():
    first = _cash(MONTH1, PAY1, run_id="R1")
    apps = first.applications.copy()
    apps.loc[1, :] = None                    # the user cleared a row's cells; the table keeps the row
    back, errors = read_prior(apps)
    assert errors == [] and len(back) == 2


def test_two_closes_in_the_same_second_recompute_the_rows_and_put_nothing_back(tmp_path):
    path = book(tmp_path, "ar.xlsm", "2026-10-31", OCTOBER)
    now = dt.datetime(2026, 11, 2, 9, 30, 0)          # one run id for both: the second recomputes the first
    sheets = []
    for _ in range(2):
        b = open_book(path)
        run_close(b, steps="cashapp", as_of=dt.date(2026, 10, 31), now=now)
        b.save()
        sheets.append(open_book(path).read_sheet("Cash App"))
    pd.testing.assert_frame_equal(sheets[0], sheets[1])
    assert "PRIOR_ROW_DELETED" not in set(open_book(path).read_table("tblExceptions")["reason"])
