"""What was accepted with a remark (control characters removed, an encoding detected) is said
by every command: ``close`` and ``worklist`` printed nothing (issue 13/24 gap).  The close
prints each as a ``warning:`` line like the other commands and records it where its other
remarks go: the validate row of the Close checklist and the Audit Log."""
from __future__ import annotations

import shutil

import pytest

from test_workbooks_notes import add_cells
from xl_collections.book import open_book
from xl_collections.cli.dispatch import main
from xl_collections.cli.demo import build_demo_book


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    _, path = build_demo_book(tmp_path_factory.mktemp("warn"), items=60, customers=6, seed=5)
    return path


def _column(grid, header: str) -> str:
    c = grid.iloc[0].tolist().index(header)
    return chr(65 + c)


def test_close_prints_and_records_the_read_warnings(demo, tmp_path, capsys):
    path = tmp_path / "book.xlsm"
    shutil.copy(demo, path)
    col = _column(open_book(path).read_sheet("Customers"), "customer_name")
    add_cells(path, "Customers", {f"{col}2": "Acme_x0001_ Corp"})
    capsys.readouterr()
    assert main(["close", str(path)]) == 0
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("warning: ")]
    assert len(lines) == 1 and "control characters removed" in lines[0] and "'Customers'" in lines[0]
    book = open_book(path)
    close = book.read_table("tblClose")
    msg = close.loc[close["step"] == "validate", "message"].iloc[0]
    assert "1 warning" in msg and "control characters removed" in msg
    log = book.read_table("tblAuditLog")
    assert log.loc[log["step"] == "validate", "message"].str.contains("control characters removed").any()


def test_close_without_warnings_says_none(demo, tmp_path, capsys):
    path = tmp_path / "book.xlsm"
    shutil.copy(demo, path)
    capsys.readouterr()
    assert main(["close", str(path), "--steps", "aging"]) == 0
    assert "warning:" not in capsys.readouterr().err


def test_worklist_prints_the_read_warnings(tmp_path, capsys):
    customers = tmp_path / "customers.csv"
    customers.write_bytes("customer_id,customer_name,currency\nC1,Bäckerei Weiß & Söhne an der Zürich-Straße,USD\n"
                          .encode("cp1252"))
    items = tmp_path / "open_items.csv"
    items.write_text("customer_id,document_no,document_date,due_date,open_amount,currency\n"
                     "C1,INV-1,2026-09-01,2026-10-01,100.00,USD\n", encoding="utf-8")
    capsys.readouterr()
    rc = main(["worklist", "--customers", str(customers), "--open-items", str(items), "--as-of", "2026-10-31",
               "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 0
    assert "warning: " in err and "read as cp1252" in err and "customers.csv" in err
