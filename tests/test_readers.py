"""Readers: files as users have them -> canonical tables, every problem reported at once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from conftest import external, external_path
from xl_collections.core.errors import InputError, InputErrors
from xl_collections.io import (find_header_row, load_table, read_column_map, read_table, table_from_grid)
from xl_collections.io.readers import load_column_map, type_column
from xl_collections.io.sources import grid_from_rows, read_csv_grid, sniff_delimiter

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures" / "readers"
AR = "ar/WA_Fn-UseC_-Accounts-Receivable.csv"   # not in the tree: no licence declared
AR_MAP = {"customerID": "customer_id", "invoiceNumber": "document_no", "InvoiceDate": "document_date",
          "DueDate": "due_date", "InvoiceAmount": "open_amount"}


def key(e: InputError):
    return (e.message, e.row, e.column, e.value)


# ------------------------------------------------------------------ messy CSV

def test_messy_csv_reports_every_problem_with_its_line():
    df, errors = load_table(FIX / "open_items_messy.csv", "open_items")
    assert {key(e) for e in errors} == {
        ("blank row inside the table", 8, "", ""),
        ("Excel error value in the cell", 9, "Amount", "#N/A"),
        ("document_date is not a date", 10, "Invoice Date", "31.13.2026"),
        ("unknown currency", 11, "Currency", "XYZ"),
        ("duplicate document_no", 11, "Document No.", "00123"),
        ("amount is not an amount", 12, "Amount", "abc"),
    }
    assert len(errors) == 6
    assert all(e.file == "open_items_messy.csv" and e.sheet == "" and e.table == "open_items" for e in errors)
    dup = next(e for e in errors if e.message.startswith("duplicate"))
    assert dup.expected == "each document_no once (also on row 5)"
    bad_date = next(e for e in errors if e.column == "Invoice Date")
    assert bad_date.expected == "a date such as 2026-10-31, 10/31/2026 or an Excel date"
    # the good rows are converted: accounting negatives, text dates, codes upper-cased
    good = df.set_index("source_row")
    assert good.loc[5, "open_amount"] == 123456 and good.loc[5, "document_no"] == "00123"
    assert good.loc[6, "amount"] == -20000 and good.loc[6, "doc_type"] == "CM" and good.loc[6, "currency"] == "USD"
    assert good.loc[7, "open_amount"] == -250000
    assert good.loc[6, "document_date"] == pd.Timestamp("2026-09-20")
    assert pd.isna(good.loc[6, "due_date"])
    # trailing blank rows are not errors and not records
    assert list(df["source_row"]) == [5, 6, 7, 9, 10, 11, 12]


def test_read_table_raises_all_errors_at_once():
    with pytest.raises(InputErrors) as exc:
        read_table(FIX / "open_items_messy.csv", "open_items")
    assert len(exc.value.errors) == 6
    text = exc.value.render()
    assert "open_items_messy.csv, row 10, column 'Invoice Date': document_date is not a date (found '31.13.2026')" in text
    assert exc.value.table().shape == (6, 8)


def test_german_cp1252_semicolon_decimal_comma_day_first():
    df = read_table(FIX / "open_items_de_cp1252.csv", "open_items", decimal_comma=True, day_first=True)
    assert list(df["document_no"]) == ["0004711", "0004712", "0004713"]
    assert list(df["open_amount"]) == [123456, -9950, 250000]
    assert list(df["amount"]) == [123456, -9950, 1000000]
    assert list(df["currency"]) == ["EUR"] * 3
    assert df["document_date"].iloc[0] == pd.Timestamp("2026-10-31")
    assert df["due_date"].iloc[1] == pd.Timestamp("2026-12-01")


def test_settings_supply_reporting_currency_and_day_first():
    from xl_collections.core.settings import Settings

    df = read_table(FIX / "open_items_de_cp1252.csv", "open_items",
                    settings=Settings(reporting_currency="EUR", day_first=True, decimal_comma=True))
    assert list(df["open_amount"]) == [123456, -9950, 250000]


def test_utf16_tab_separated_as_excel_saves_unicode_text(tmp_path):
    p = tmp_path / "items.txt"
    p.write_text("customer_id\tdocument_no\tdocument_date\topen_amount\nC1\t007\t2026-01-31\t5\n", encoding="utf-16")
    df = read_table(p, "open_items")
    assert df["document_no"].tolist() == ["007"] and df["open_amount"].tolist() == [500]


def test_utf8_bom_and_quoted_newlines_keep_line_numbers(tmp_path):
    p = tmp_path / "items.csv"
    p.write_text('\ufeffcustomer_id,document_no,document_date,open_amount,reference\n'
                 'C1,1,2026-01-31,5,"two\nlines"\nC2,2,not a date,5,x\n', encoding="utf-8")
    df, errors = load_table(p, "open_items")
    assert [(e.row, e.column, e.value) for e in errors] == [(4, "document_date", "not a date")]
    assert df["reference"].iloc[0] == "two\nlines"


def test_sniff_delimiter_ignores_title_lines():
    text = "Open items report\n\na;b;c\n1;2,5;3\n4;5;6\n"
    assert sniff_delimiter(text) == ";"
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert sniff_delimiter("just one column\nvalue\n") == ","


def test_csv_grid_index_is_line_number():
    grid = read_csv_grid(FIX / "open_items_messy.csv")
    assert grid.index[0] == 1 and grid.at[4, 1] == "Document No."
    assert grid.at[5, 1] == "00123"


# ------------------------------------------------------------------ the public AR dataset

def test_public_ar_dataset_with_column_map():
    AR_CSV = external(AR)
    cmap = read_column_map(FIX / "ar_column_map.csv")
    assert cmap == {"open_items": AR_MAP}
    df = read_table(AR_CSV, "open_items", column_map=cmap)
    assert len(df) == 2466
    assert int(df["open_amount"].sum()) == 14770318            # 147,703.18 in cents, exactly
    assert Decimal(int(df["open_amount"].sum())) / 100 == Decimal("147703.18")
    assert df["document_no"].iloc[0] == "0000611365"           # leading zeros kept
    assert df["document_no"].str.len().eq(10).all() and df["document_no"].is_unique
    assert df["document_date"].iloc[0] == pd.Timestamp("2013-01-02")   # M/D/YYYY
    assert (df["due_date"] - df["document_date"]).dt.days.eq(30).all()
    assert df["document_date"].min() == pd.Timestamp("2012-01-03")
    assert df["customer_id"].nunique() == 100
    assert df["source_row"].iloc[-1] == 2467
    # the same map given as a plain dict for one table; amount defaults to the open amount
    df2 = read_table(AR_CSV, "open_items", column_map={**AR_MAP, "DaysLate": "reference"})
    assert int(df2["amount"].sum()) == 14770318
    assert df2["reference"].iloc[1] == "6"


def test_public_ar_dataset_without_map_names_missing_columns():
    _, errors = load_table(external(AR), "open_items")
    missing = {e.column for e in errors if e.message.endswith("is missing")}
    # customerID/invoiceNumber/InvoiceDate are recognised aliases; only open_amount has none
    assert missing == {"open_amount"}
    assert all(e.row == 1 for e in errors)


# ------------------------------------------------------------------ messy xlsx as users have them

def _messy_xlsx(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    notes = wb.add_worksheet("Notes")
    notes.write(0, 0, "read me first")
    ws = wb.add_worksheet("Open Items")
    bold = wb.add_format({"bold": True})
    datef = wb.add_format({"num_format": "dd/mm/yyyy"})
    grey = wb.add_format({"bg_color": "#DDDDDD"})
    ws.write(0, 0, "ACME Corp — open items", bold)
    ws.write(1, 0, "as of 31 Oct 2026")
    # row 4: header; "Invoice Number" merged over B:C, data sits in C; B is a spacer
    ws.write(3, 0, "Customer", bold)
    ws.merge_range(3, 1, 3, 2, "Invoice Number", bold)
    for c, h in enumerate(["Belegdatum", "Net Due Date", "Original Amount", "Balance", "Curr", "PO Number"], start=3):
        ws.write(3, c, h, bold)
    rows = [
        ("C001", "000451", dt.datetime(2026, 9, 1), dt.datetime(2026, 10, 1), 1234.56, 1234.56, "USD", "PO-1"),
        ("C001", "000452", "10/05/2026", "11/04/2026", "(1,234.56)", "1,234.56-", "USD", "PO-2"),
        ("C002", "000453", dt.datetime(2026, 10, 7), None, 99.99, "=NA()", "EUR", ""),
        None,                                                         # blank row in the middle
        ("C003", "000454", dt.datetime(2026, 10, 9), dt.datetime(2026, 11, 8), "=1/0", 10, "GBP", ""),
        ("C004", "000451", "2026-13-45", None, 5, 5, "USD", ""),       # duplicate + bad date
        ("C005", "000455", dt.datetime(2026, 10, 11), None, 7.5, 7.5, "ZZZ", ""),
    ]
    r = 4
    for row in rows:
        if row is not None:
            cust, doc, d, due, amt, open_, cur, po = row
            ws.write_string(r, 0, cust)
            ws.write_string(r, 2, doc)
            for c, v in ((3, d), (4, due)):
                if isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, datef)
                elif v is not None:
                    ws.write_string(r, c, v)
            for c, v in ((5, amt), (6, open_)):
                if isinstance(v, str) and v.startswith("="):
                    ws.write_formula(r, c, v, None, "#N/A" if "NA" in v else "#DIV/0!")
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write_number(r, c, v)
            ws.write_string(r, 7, cur)
            if po:
                ws.write_string(r, 8, po)
        r += 1
    for extra in range(r, r + 5):                                     # formatted but empty trailing rows
        ws.write_blank(extra, 0, None, grey)
        ws.write_blank(extra, 5, None, grey)
    wb.close()


@pytest.fixture(scope="module")
def messy_xlsx(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("xl") / "ar_export.xlsx"
    _messy_xlsx(p)
    return p


def test_messy_xlsx_every_error_named_by_excel_row_and_header(messy_xlsx):
    df, errors = load_table(messy_xlsx, "open_items")         # sheet "Open Items" chosen by name
    assert all(e.file == "ar_export.xlsx" and e.sheet == "Open Items" for e in errors)
    assert {key(e) for e in errors} == {
        ("Excel error value in the cell", 7, "Balance", "#N/A"),
        ("blank row inside the table", 8, "", ""),
        ("Excel error value in the cell", 9, "Original Amount", "#DIV/0!"),
        ("document_date is not a date", 10, "Belegdatum", "2026-13-45"),
        ("duplicate document_no", 10, "Invoice Number", "000451"),
        ("unknown currency", 11, "Curr", "ZZZ"),
    }
    assert len(errors) == 6
    na = next(e for e in errors if e.value == "#N/A")
    assert na.expected == "a value for open_amount (fix the formula or the source)"
    good = df.set_index("source_row")
    assert good.loc[5, "document_no"] == "000451"               # text kept, merged header resolved
    assert good.loc[5, "document_date"] == pd.Timestamp("2026-09-01")
    assert good.loc[6, "amount"] == -123456 and good.loc[6, "open_amount"] == -123456
    assert good.loc[6, "due_date"] == pd.Timestamp("2026-11-04")
    assert good.loc[5, "po_number"] == "PO-1"
    assert list(df["source_row"]) == [5, 6, 7, 9, 10, 11]     # trailing formatted rows dropped


def test_header_merged_over_two_columns_with_data_is_an_error(tmp_path):
    p = tmp_path / "m.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Open Items")
    ws.write_row(0, 0, ["customer_id", "document_no", "document_date"])
    ws.merge_range(0, 3, 0, 4, "Amount")
    ws.write(0, 5, "open_amount")
    ws.write_row(1, 0, ["C1", "1", "2026-01-01", 10, 12, 10])
    wb.close()
    _, errors = load_table(p, "open_items")
    assert [(e.row, e.column, e.message) for e in errors] == [
        (1, "Amount", "header 'Amount' is merged across columns D:E and 2 of them hold data")]
    assert errors[0].expected.startswith("one header cell per column")


def test_sheet_argument_missing_sheet_and_missing_file(messy_xlsx, tmp_path):
    _, errors = load_table(messy_xlsx, "open_items", sheet="Nope")
    assert len(errors) == 1 and errors[0].sheet == "Nope" and errors[0].message == "no sheet named 'Nope'"
    assert "'Notes', 'Open Items'" in errors[0].expected
    _, errors = load_table(messy_xlsx, "open_items", sheet="notes")
    assert {e.column for e in errors if e.message.endswith("missing")} == {"customer_id", "document_no",
                                                                          "document_date", "open_amount"}
    _, errors = load_table(tmp_path / "nothing.xlsx", "open_items")
    assert [(e.file, e.message) for e in errors] == [("nothing.xlsx", "file not found")]
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    _, errors = load_table(bad, "open_items")
    assert len(errors) == 1 and errors[0].file == "broken.xlsx" and errors[0].message.startswith("cannot open")
    with pytest.raises(InputErrors):
        read_table(bad, "open_items")


def test_first_sheet_when_the_table_sheet_is_absent(tmp_path):
    p = tmp_path / "export.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    wb.add_worksheet("Export").write_row(0, 0, ["customer_id", "customer_name", "payment_terms", "credit_limit"])
    ws = wb.get_worksheet_by_name("Export")
    ws.write_row(1, 0, ["00042", "Zeta Ltd", "2/10 NET30", 50000])
    ws.write_row(2, 0, ["00043", "Eta plc", "NET 45 DAYS", "1,000.50"])
    wb.close()
    df = read_table(p, "customers")
    assert df["customer_id"].tolist() == ["00042", "00043"]
    assert df["credit_limit"].tolist() == [5000000, 100050]


def test_excel_table_by_name(tmp_path):
    p = tmp_path / "tables.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Data")
    ws.write(0, 0, "a title above the table")
    ws.add_table(2, 1, 4, 4, {"name": "tblPayments", "columns": [
        {"header": "Payment No"}, {"header": "Value Date"}, {"header": "Amount"}, {"header": "Remittance"}],
        "data": [["P-001", "2026-10-30", 100.5, "INV 00123"], ["P-002", "2026-10-31", 20, "=NA()"]]})
    wb.close()
    df, errors = load_table(p, "payments", table="tblpayments")
    assert df["payment_id"].tolist() == ["P-001", "P-002"]
    assert df["amount"].tolist() == [10050, 2000]
    assert df["source_row"].tolist() == [4, 5]
    assert all(e.sheet == "Data" for e in errors)
    _, errors = load_table(p, "payments", table="nope")
    assert errors[0].message == "no Excel table named 'nope'" and "'tblPayments'" in errors[0].expected


# ------------------------------------------------------------------ Excel-made files (xlwings)

EXCEL = external_path("excel")


def test_xlwings_cell_errors_every_error_value_reported():
    # the real file: error values in A1:A7 — read the sheet and see each one as its error text
    from xl_collections.io.sources import read_sheet_grid

    grid, sheet = read_sheet_grid(EXCEL / "xlwings_cell_errors.xlsx")
    assert sheet == "Sheet1"
    assert grid[0].tolist() == ["#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"]
    assert grid.at[1, 3] == 1.0 and grid.at[1, 4] == "text"
    # as a table whose amount column holds them: every one reported as an Excel error
    g = grid.copy()
    g.loc[0] = ["amount", "", "", "payment_id", "value_date"]
    g = g.sort_index()
    g[3] = ["payment_id"] + [f"P{i}" for i in range(1, 8)]
    g[4] = ["value_date"] + ["2026-10-31"] * 7
    _, errors = table_from_grid(g, "payments", file="xlwings_cell_errors.xlsx", sheet="Sheet1", header_row=0)
    assert [(e.message, e.row, e.column, e.value) for e in errors] == [
        ("Excel error value in the cell", r, "amount", v)
        for r, v in zip(range(1, 8), ["#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"])]


def test_xlwings_tables_read_by_name():
    from xl_collections.io.sources import read_table_grid

    grid, sheet, header_row = read_table_grid(EXCEL / "xlwings_tables.xlsx", "Table1314")
    assert sheet == "expected" and header_row == 13
    assert grid.loc[13].tolist() == [" ", "a", "b", "c", "d"]
    assert grid.loc[14].tolist() == [0.0, 1.0, 11.0, 111.0, 1111.0]
    assert grid.index[-1] == 18
    # a canonical table from an Excel table: fx rates laid out by the user as a ListObject
    g = grid.copy()
    g.loc[13] = ["x", "currency", "rate", "c", "d"]
    g[1] = ["currency", "EUR", "GBP", "CAD", "JPY", "CHF"]
    df, errors = table_from_grid(g, "fx_rates", file="xlwings_tables.xlsx", sheet=sheet, header_row=13)
    assert errors == []
    assert df["rate"].tolist() == [Decimal(x) for x in ("11", "22", "33", "44", "55")]
    assert df["source_row"].tolist() == [14, 15, 16, 17, 18]


@pytest.mark.parametrize("name, sheet, shape", [
    ("xlwings_single_sheet_many_rows.xlsb", "Sheet1", (7353, 7)),
    ("xlwings_engines.xlsb", "Sheet 1", (17, 4)),
    ("xlwings_engines.xlsb", "Sheet3", (4, 2)),
])
def test_real_xlsb_files_match_pyxlsb(name, sheet, shape):
    from pyxlsb import convert_date, open_workbook

    from xl_collections.io.sources import _read_xlsb_pyxlsb, read_sheet_grid

    grid, got = read_sheet_grid(EXCEL / name, sheet)
    assert got == sheet and grid.shape == shape
    with open_workbook(str(EXCEL / name)) as wb, wb.get_sheet(sheet) as sh:
        ref = [[c.v for c in row] for row in sh.rows()]
    cells_ours = grid.to_numpy(dtype=object)
    assert len(ref) == shape[0]
    for r, row in enumerate(ref):
        for c, v in enumerate(row):
            cell = cells_ours[r, c]
            if v is None:
                assert cell in ("", None)
            elif isinstance(cell, (dt.date, dt.datetime)):
                assert convert_date(v) == (cell if isinstance(cell, dt.datetime) else dt.datetime.combine(cell, dt.time()))
            else:
                assert cell == v
    cells, _, _ = _read_xlsb_pyxlsb(EXCEL / name, sheet, None, name, "")   # the fallback reader agrees
    assert cells.shape == shape


def test_real_xlsb_many_rows_as_payments_with_map():
    cmap = {"transaction_id": "payment_id", "transaction_date": "value_date", "amount": "amount", "store": "payer_name"}
    df = read_table(EXCEL / "xlwings_single_sheet_many_rows.xlsb", "payments", column_map=cmap)
    assert len(df) == 7352 and df["payment_id"].is_unique
    assert df["value_date"].iloc[0] == pd.Timestamp("2019-09-02")
    assert df["amount"].iloc[0] == 1425 and df["payer_name"].iloc[0] == "New York"
    assert df["amount"].dtype == "int64" and (df["amount"] > 0).all()


def test_xlsb_error_records_found_without_walking_every_record():
    from xl_collections.io.sources import xlsb_errors_in, xlsb_walk_errors

    def rec(rid: int, body: bytes) -> bytes:
        return bytes([rid, len(body)]) + body

    def row_hdr(r: int) -> bytes:
        return rec(0x00, r.to_bytes(4, "little") + bytes(9) + (1).to_bytes(4, "little") + bytes(8))

    def real(c: int, v: float) -> bytes:
        import struct
        return rec(0x05, c.to_bytes(4, "little") + bytes(4) + struct.pack("<d", v))

    def error(c: int, code: int) -> bytes:
        return rec(0x03, c.to_bytes(4, "little") + bytes(4) + bytes([code]))

    def fmla_error(c: int, code: int) -> bytes:
        return rec(0x0B, c.to_bytes(4, "little") + bytes(4) + bytes([code]) + bytes(2) + bytes(8))

    stream = (row_hdr(0) + real(0, 1.5) + real(1, 3.0 + 2 ** -40) + error(2, 0x2A)
              + row_hdr(5) + error(0, 0x07) + real(1, 0.0) + fmla_error(2, 0x0F)
              + row_hdr(9) + real(0, 2.0))
    expected = {(1, 2): "#N/A", (6, 0): "#DIV/0!", (6, 2): "#VALUE!"}
    assert xlsb_walk_errors(stream) == expected
    assert xlsb_errors_in(stream) == expected
    assert xlsb_errors_in(row_hdr(0) + real(0, 1.0)) == {}


# ------------------------------------------------------------------ bank files as payments

BANK = ["camt/oca_test-camt054.xml", "mt940/mbank_mt940.sta"]


@pytest.mark.parametrize("rel", BANK)
def test_payments_from_bank_files(rel):
    df = read_table(external(rel), "payments")
    assert len(df) >= 1 and (df["amount"] > 0).all() and df["payment_id"].is_unique


def test_bank_file_for_another_table_is_read_as_text_and_refused():
    p = external("mt940/mbank_mt940.sta")
    _, errors = load_table(p, "open_items")
    assert errors and all(e.file == "mbank_mt940.sta" for e in errors)


# ------------------------------------------------------------------ grids, header search, column map

def test_find_header_row_below_title_block_and_with_map():
    grid = grid_from_rows([["Report"], [""], ["Kunde", "Beleg", "Datum", "Offen"], ["C1", "1", "2026-01-01", "5"]])
    assert find_header_row(grid, "open_items") == 3
    cmap = {"Kunde": "customer_id", "Beleg": "document_no", "Datum": "document_date", "Offen": "open_amount"}
    assert find_header_row(grid, "open_items", cmap) == 3
    df, errors = table_from_grid(grid, "open_items", column_map=cmap)
    assert errors == [] and df["source_row"].tolist() == [4]
    assert find_header_row(grid_from_rows([[""], ["nothing", "here"]]), "open_items") == 2
    assert find_header_row(grid_from_rows([]), "open_items") is None


def test_table_from_grid_accepts_the_book_backend_contract():
    # what xl_collections.book's read_sheet returns: object cells, None for empty, index = Excel row
    grid = pd.DataFrame([["customer_id", "customer_name", None], [None, None, None],
                         ["00123", "ACME", None], [None, None, None]], dtype=object)
    grid.index = pd.RangeIndex(1, 5)
    grid.loc[2, 0] = None
    df, errors = table_from_grid(grid, "customers", file="book.xlsm", sheet="Customers")
    assert [(e.row, e.message) for e in errors] == [(2, "blank row inside the table")]
    assert df["customer_id"].tolist() == ["00123"] and df["source_row"].tolist() == [3]


def test_duplicate_header_naming_a_canonical_column_is_an_error():
    grid = grid_from_rows([["customer_id", "document_no", "document_date", "Amount", "open_amount", "Amount"],
                           ["C1", "1", "2026-01-01", "1", "1", "2"]])
    _, errors = table_from_grid(grid, "open_items")
    assert [(e.row, e.column, e.message) for e in errors] == [(1, "Amount", "two columns are headed 'Amount' (D and F)")]


def test_empty_sheet_is_one_clear_error():
    df, errors = table_from_grid(grid_from_rows([]), "payments", file="p.xlsx", sheet="Payments")
    assert [(e.file, e.sheet, e.message) for e in errors] == [("p.xlsx", "Payments", "the sheet is empty")]
    assert list(df.columns)[:3] == ["payment_id", "value_date", "amount"] and len(df) == 0


def test_column_map_variants_and_errors(tmp_path):
    grid = grid_from_rows([["Column Map"], ["Table", "Source", "Canonical"],
                           ["Open Items", "Beleg", "document_no"], ["", "Kto", "customer_id"],
                           ["payments", "Ref", "reference"], ["open_items", "X", "not_a_column"],
                           ["bogus", "Y", "amount"], ["open_items", "", "amount"]])
    mapping, errors = load_column_map(grid)
    assert mapping["open_items"] == {"Beleg": "document_no", "Kto": "customer_id"}
    assert mapping["payments"] == {"Ref": "reference", "Kto": "customer_id"}
    assert "Kto" in mapping["customers"]
    assert [(e.row, e.message) for e in errors] == [
        (6, "'not_a_column' is not a column of open_items"), (7, "unknown table in the column map"),
        (8, "incomplete column map entry")]
    with pytest.raises(InputErrors):
        read_column_map(grid)
    # an xlsx with a Column Map sheet
    p = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    wb.add_worksheet("Open Items")
    ws = wb.add_worksheet("Column Map")
    ws.write_row(0, 0, ["table", "source_column", "canonical_column"])
    ws.write_row(1, 0, ["open_items", "Belegnr", "document_no"])
    wb.close()
    assert read_column_map(p) == {"open_items": {"Belegnr": "document_no"}}
    # a DataFrame with headers works too
    frame = pd.DataFrame({"table": ["gl"], "source_column": ["Saldo"], "canonical_column": ["closing_balance"]})
    assert read_column_map(frame) == {"gl": {"Saldo": "closing_balance"}}
    _, errors = load_column_map(tmp_path / "missing.csv")
    assert errors[0].message == "file not found"


def test_type_column_keeps_what_validate_needs():
    s = type_column(np.array([1.0, "", None, 2], dtype=object))
    assert s.dtype == "float64" and np.isnan(s[1]) and s[3] == 2.0
    s = type_column(np.array([dt.date(2026, 1, 2), "", dt.datetime(2026, 3, 4, 5, 6)], dtype=object))
    assert str(s.dtype) == "datetime64[ns]" and s[2] == pd.Timestamp("2026-03-04") and pd.isna(s[1])
    s = type_column(np.array(["00123", None, " "], dtype=object))
    assert s.tolist() == ["00123", "", " "]
    s = type_column(np.array(["#N/A", 1.5, ""], dtype=object))
    assert s.dtype == object and s.tolist() == ["#N/A", 1.5, ""]


def test_unknown_table_name_is_a_programming_error():
    with pytest.raises(ValueError):
        load_table(FIX / "open_items_messy.csv", "invoices")


def test_old_xls_and_renamed_workbooks_are_refused_clearly(tmp_path, messy_xlsx):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0")
    assert load_table(p, "open_items")[1][0].message == "the old .xls format is not read"
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(messy_xlsx.read_bytes())
    err = load_table(renamed, "open_items")[1][0]
    assert err.message.startswith("looks like an Excel workbook") and err.file == "export.csv"


def test_excel_table_total_row_is_not_a_record():
    from xl_collections.io.sources import read_table_grid

    grid, sheet, header_row = read_table_grid(EXCEL / "xlwings_engines.xlsm", "Table2")
    assert (sheet, header_row) == ("Sheet 1", 14)
    assert grid.index.tolist() == [14, 15, 16]          # row 17 is the table's Total Row
    assert grid.loc[16].tolist() == [4.4, 5.5, 6.6]


def test_excel_table_with_total_row_written_by_xlsxwriter(tmp_path):
    p = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Open Items")
    ws.add_table(0, 0, 3, 3, {"name": "tblItems", "total_row": True, "columns": [
        {"header": "customer_id", "total_string": "Total"}, {"header": "document_no"},
        {"header": "document_date"}, {"header": "open_amount", "total_function": "sum"}],
        "data": [["C1", "001", "2026-10-01", 10.5], ["C2", "002", "2026-10-02", 4.5]]})
    wb.close()
    df = read_table(p, "open_items", table="tblItems")
    assert df["document_no"].tolist() == ["001", "002"] and df["open_amount"].tolist() == [1050, 450]
