"""Hostile values in a workbook (.xlsx cells rather than CSV text), thrown at ``xl-collections
aging``: dates out of range and Excel's zero date as real date cells, amounts beyond int64 as
numbers, control characters Excel stores as ``_x0001_``, cells over 32,767 characters.  Each
case asserts the exit code, the message, and that nothing was written when refused."""
from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter

from xl_collections.cli.dispatch import main

HEADER = ["customer_id", "document_no", "document_date", "due_date", "open_amount", "reference"]


def book(path, second: dict) -> None:
    """An Open Items sheet: a good row 2 and row 3 with the cells of ``second`` (kind, value)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("Open Items")
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, HEADER)
    good = {"customer_id": ("s", "C1"), "document_no": ("s", "INV-1"), "document_date": ("d", dt.datetime(2026, 10, 1)),
            "due_date": ("d", dt.datetime(2026, 10, 15)), "open_amount": ("n", 100.0), "reference": ("s", "ok")}
    for r, cells in ((1, good), (2, {**good, "document_no": ("s", "INV-2"), **second})):
        for c, h in enumerate(HEADER):
            kind, v = cells[h]
            if kind == "s":
                ws.write_string(r, c, v)
            elif kind == "d":
                ws.write_datetime(r, c, v, datefmt)
            elif kind == "serial":
                ws.write_number(r, c, v, datefmt)
            else:
                ws.write_number(r, c, v)
    wb.close()


CASES = []      # (id, second row cells, exit, says)
for col in ("document_date", "due_date"):
    for kind, v in (("d", dt.datetime(9999, 12, 31)), ("d", dt.datetime(2200, 1, 1)), ("serial", 2958465),
                    ("serial", 109575), ("n", 99991231), ("n", -1)):
        CASES.append((f"cell-date-out-of-range-{col}-{v}", {col: (kind, v)}, 1,
                      ("row 3", f"{col} is not a date", "1900-01-01 and 2199-12-31")))
CASES.append(("cell-zero-date-due", {"due_date": ("serial", 0)}, 0, ()))
CASES.append(("cell-zero-date-due-with-time", {"due_date": ("serial", 0.5)}, 0, ()))
CASES.append(("cell-zero-date-document", {"document_date": ("serial", 0)}, 1, ("row 3", "document_date is blank")))
CASES.append(("cell-date-yyyymmdd-number", {"due_date": ("n", 20261001)}, 0, ()))
for v in (1e40, -1e19, 9.3e16, float("1e300")):
    CASES.append((f"cell-amount-too-large-{v}", {"open_amount": ("n", v)}, 1,
                  ("row 3", "open_amount is not an amount", "64-bit integer of minor units")))
for ch in ("\x00", "\x01", "\x1b", "\x0b"):
    CASES.append((f"cell-id-control-{ord(ch):02x}", {"customer_id": ("s", f"C{ch}1")}, 1,
                  ("row 3", "column 'customer_id'", "control character in the identifier customer_id")))
    CASES.append((f"cell-text-control-{ord(ch):02x}", {"reference": ("s", f"a{ch}b")}, 0,
                  ("warning:", "control characters removed", "column 'reference'")))
CASES.append(("cell-text-32768", {"reference": ("s", "x" * 32767 + "")}, 0, ()))


@pytest.mark.parametrize("cid, second, code, says", CASES, ids=[c[0] for c in CASES])
def test_workbook_value_case(cid, second, code, says, tmp_path, capsys):
    path = tmp_path / "items.xlsx"
    book(path, second)
    out = tmp_path / "aging.csv"
    got = main(["aging", "--open-items", str(path), "--as-of", "2026-10-31", "--out", str(out)])
    err = capsys.readouterr().err
    assert got == code, err
    for s in says:
        assert s in err, (s, err)
    assert "Traceback" not in err
    if code:
        assert not out.exists() and "nothing was written" in err
    else:
        total = out.read_text(encoding="utf-8").splitlines()[-1].split(",")
        assert total[0] == "TOTAL" and total[3] == "200.00"


def test_zero_date_is_not_aged_46000_days(tmp_path):
    """Issue 24: Excel's zero date was aged 46,000 days past due; it is a blank due date, so the
    item ages from its document date (30 days: the 1-30 bucket)."""
    path = tmp_path / "items.xlsx"
    book(path, {"due_date": ("serial", 0)})
    out = tmp_path / "aging.csv"
    assert main(["aging", "--open-items", str(path), "--as-of", "2026-10-31", "--out", str(out)]) == 0
    head, c1 = out.read_text(encoding="utf-8").splitlines()[:2]
    cells = dict(zip(head.split(","), c1.split(",")))
    assert cells["121+"] == "0.00" and cells["1-30"] == "200.00"


def test_a_stray_cell_in_the_last_row_is_one_problem(tmp_path, capsys):
    """Issue 24: a stray ``x`` in ``A1048576`` reported 1,048,277 "blank row" problems."""
    path = tmp_path / "items.xlsx"
    book(path, {})
    from openpyxl import load_workbook
    wb = load_workbook(path)
    wb["Open Items"]["A1048576"] = "x"
    wb.save(path)
    out = tmp_path / "aging.csv"
    assert main(["aging", "--open-items", str(path), "--as-of", "2026-10-31", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "blank rows below the records above it" in err and "1 problem " in err and not out.exists()
    assert "row 1048576, column 'customer_id'" in err
