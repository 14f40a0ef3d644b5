"""The allowance in the month-end close: the sheets tie to the engine's hand-worked figures,
the user's approvals on Write-off Proposals stay on their rows across runs and are booked once
(postings file, movement, Written off), and the next month opens at this month's closing with
this month in Aging History."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from xl_collections.ar.aging_history import from_wide
from xl_collections.allowance.sheets import find_block
from xl_collections.allowance.step import opening_from
from xl_collections.book import open_book
from xl_collections.close.pipeline import run_close
from xl_collections.core.headers import contract_name, human_header
from xl_collections.io.validate import canonical
from xl_collections.workbook.template import build_template

from allowance_book import HEAD, HISTORY_HEAD, ITEMS, PASTED, SETTINGS, WRITE_OFFS, WRITE_OFFS_HEAD

OLD = ["C5", "OLD1", "INV", "2025-09-01", "2025-10-01", "700.00", "OPEN", ""]      # 395 days past due: AGE


def make_book(path: Path, items, settings=SETTINGS) -> Path:
    inputs = {"open_items": canonical(pd.DataFrame(items, columns=HEAD), "open_items"),
              "aging_history": canonical(pd.DataFrame(PASTED, columns=HISTORY_HEAD), "aging_history"),
              "write_offs": canonical(pd.DataFrame(WRITE_OFFS, columns=WRITE_OFFS_HEAD), "write_offs")}
    return build_template(path, settings=settings, inputs=inputs)


def close(path: Path, **kw):
    book = open_book(path)
    report = run_close(book, steps="aging,allowance", **kw)
    book.save()
    return report


def table(path: Path, name: str) -> pd.DataFrame:
    return open_book(path).read_table(name)


def proposals(path: Path) -> pd.DataFrame:
    return find_block(open_book(path).read_sheet("Write-off Proposals"), {"document_no", "rule", "days_past_due"})


def test_the_close_writes_the_hand_worked_allowance(tmp_path):
    path = make_book(tmp_path / "book.xlsm", ITEMS, SETTINGS.with_(allowance_opening=10000))
    report = close(path)
    assert report.state.steps["allowance"].amount == 15606
    mov = table(path, "tblAllowanceMovement").set_index("line")["amount"].to_dict()
    assert mov == {"opening": 100.0, "write_offs": 30.0, "recoveries": 5.0, "charge": 81.06, "closing": 156.06}
    matrix = table(path, "tblProvisionMatrix").set_index("bucket")
    assert matrix["provision"].to_dict() == {"not_due": 13.53, "1-30": 13.02, "31-60": 13.15, "61+": 16.36, "Total": 56.06}
    journal = table(path, "tblAllowanceJournal")
    assert journal["debit"].sum() == journal["credit"].sum() == 81.06
    assert set(table(path, "tblSpecificReserves")["document_no"]) == {"INV3", "INV6"}
    assert list(table(path, "tblRollRates")["period"]) == ["2026-09", "2026-10"]
    history = table(path, "tblAgingHistory")
    assert sorted(set(history["period"])) == ["2026-08", "2026-09", "2026-10"]
    assert table(path, "tblAllowanceByPeriod")["period"].tolist() == ["2026-10"]
    with zipfile.ZipFile(path) as z:       # the roll-rate chart is a native line chart
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert any("Roll rates per month" in c and "<c:lineChart>" in c for c in charts)
    log = table(path, "tblAuditLog")
    row = log[log["step"] == "allowance"].iloc[-1]
    assert row["status"] == "done" and row["amount"] == 156.06 and "closing USD 156.06" in row["message"]


def approve(path: Path, doc: str, who: str) -> None:
    """The user types TRUE, their name and a date on the document's proposal row."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Write-off Proposals"]
    head = next(c.row for c in ws["A"] if c.value == human_header("customer_id"))
    cols = {contract_name(c.value): c.column for c in ws[head] if c.value}
    row = next(r for r in range(head + 1, ws.max_row + 1) if ws.cell(r, cols["document_no"]).value == doc)
    ws.cell(row, cols["approve"]).value = True
    ws.cell(row, cols["approver"]).value = who
    ws.cell(row, cols["approved_on"]).value = "2026-10-30"
    wb.save(path)


def test_approvals_stay_on_their_rows_and_are_booked_once(tmp_path):
    path = make_book(tmp_path / "book.xlsm", [*ITEMS, OLD])
    close(path)
    first = proposals(path)
    assert list(first["document_no"]) == ["OLD1", "INV6"] and {"approve", "approver", "approved_on"} <= set(first)
    approve(path, "OLD1", "Kim")

    close(path)
    second = proposals(path).set_index("document_no")
    assert second.at["OLD1", "approve"] is True and second.at["OLD1", "approver"] == "Kim"
    assert second.at["OLD1", "written_off"] == "2026-10" and second.at["INV6", "written_off"] in (None, "")
    written = table(path, "tblWrittenOff")
    assert written["document_no"].tolist() == ["OLD1"] and written["amount"].tolist() == [700.0]
    postings = tmp_path / "book postings" / "2026-10-31" / "writeoff_postings.csv"
    post = pd.read_csv(postings, dtype=str)
    assert post[["document_no", "amount", "debit_account", "credit_account", "approver"]].values.tolist() == \
        [["OLD1", "700.00", "1290", "1200", "Kim"]]
    mov = table(path, "tblAllowanceMovement").set_index("line")["amount"]
    assert mov["write_offs"] == 730.0                              # 30.00 on the Write-offs sheet + 700.00 approved
    assert "OLD1" not in set(table(path, "tblSpecificReserves")["document_no"])

    before = {n: open_book(path).read_sheet(n) for n in ("Allowance", "Write-off Proposals", "Aging History")}
    close(path)                                                      # the same month again: nothing booked twice
    assert table(path, "tblWrittenOff")["document_no"].tolist() == ["OLD1"]
    assert len(pd.read_csv(postings, dtype=str)) == 1
    for name, grid in before.items():
        pd.testing.assert_frame_equal(open_book(path).read_sheet(name), grid, obj=name)

    # November: the ledger has posted the write-off (OLD1 is gone from the open items)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Open Items"]
    ws.delete_rows(next(c.row for c in ws["B"] if c.value == "OLD1"))
    wb.save(path)
    oct_closing = table(path, "tblAllowanceMovement").set_index("line").at["closing", "amount"]
    report = close(path, as_of="2026-11-30")
    nov = table(path, "tblAllowanceMovement").set_index("line")["amount"]
    assert nov["opening"] == oct_closing and nov["write_offs"] == 0
    assert report.state.results["allowance"].totals["opening"] == round(oct_closing * 100)
    assert table(path, "tblAllowanceByPeriod")["period"].tolist() == ["2026-11", "2026-10"]
    assert table(path, "tblWrittenOff")["document_no"].tolist() == ["OLD1"]
    assert sorted(set(table(path, "tblAgingHistory")["period"])) == ["2026-08", "2026-09", "2026-10", "2026-11"]
    # October's write-off of OLD1 is in the Sep -> Oct roll of the oldest bucket: (25.00 + 700.00) ...
    rolls = table(path, "tblRollRates").set_index("period")
    assert rolls.at["2026-10", "net_write_offs"] == 725.0
    # the approval of a row no longer proposed is kept below the table, not lost
    grid = open_book(path).read_sheet("Write-off Proposals")
    assert any("Kim" == v for v in grid.to_numpy().ravel())


def test_a_book_with_the_commentarys_earlier_history_layout_is_read(tmp_path):
    grid = pd.DataFrame([["as_of", "customer_id", "total_open", "not_due", "1-30", "31-60", "61+", "past_due"],
                         [pd.Timestamp("2026-09-30"), "C3", 270.0, 0.0, 0.0, 150.0, 120.0, 270.0],
                         [pd.Timestamp("2026-09-30"), "TOTAL", 270.0, 0.0, 0.0, 150.0, 120.0, 270.0]])
    rows = from_wide(grid, "USD")
    assert rows.values.tolist() == [["2026-09", "C3", "31-60", 15000], ["2026-09", "C3", "61+", 12000]]


def test_opening_is_the_latest_earlier_closing_unless_the_setting_says_otherwise():
    periods = pd.DataFrame({"period": ["2026-10", "2026-09", "2026-08"], "closing": [300, 200, 100]})
    assert opening_from(periods, "2026-10", None, "USD") == (200, [])          # a re-run of October: September's
    assert opening_from(periods, "2026-11", None, "USD") == (300, [])
    assert opening_from(periods, "2026-08", None, "USD") == (None, [])         # nothing earlier: the engine says 0
    value, notes = opening_from(periods, "2026-11", 250, "USD")
    assert value == 250 and notes == ["AllowanceOpening 2.50 USD used; the closing of 2026-10 in this book is 3.00 USD"]
    assert opening_from(None, "2026-11", 250, "USD") == (250, [])
