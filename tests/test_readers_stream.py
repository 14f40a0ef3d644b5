"""Readers on streamed rows: chunk boundaries, sheets that start right of column A, CSV line labels."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import external, external_path
from xl_collections.io import load_table
from xl_collections.io import read_table as read_table_fn
from xl_collections.io import readers
from xl_collections.io.readers import combine_chunks, table_from_rows, type_column


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_ROWS", 4)


def _rows(n: int) -> list[list]:
    out = [["Payments received"], [], ["Payment No", "Value Date", "Amount", "Remittance"]]
    for i in range(n):
        out.append([f"P{i:04d}", dt.date(2026, 10, 1) + dt.timedelta(days=i % 20), 10.0 + i, f"INV {i:05d}"])
    return out


def test_chunked_rows_equal_one_piece(small_chunks):
    rows = _rows(37)
    df, errors = table_from_rows(iter(rows), "payments", file="x.xlsx", sheet="Payments")
    assert errors == []
    assert df["payment_id"].tolist() == [f"P{i:04d}" for i in range(37)]
    assert df["source_row"].tolist() == list(range(4, 41))
    assert df["amount"].tolist() == [1000 + 100 * i for i in range(37)]
    assert df["value_date"].iloc[21] == pd.Timestamp("2026-10-02")


def test_text_in_a_late_chunk_of_a_number_column_is_still_seen(small_chunks):
    rows = _rows(30)
    rows[3 + 25][2] = "#N/A"          # Excel row 29
    rows[3 + 26][2] = "(12.50)"       # accounting negative as text: parsed, then refused as not positive
    rows[3 + 27][1] = "31/31/2026"    # a text date in a date column
    df, errors = table_from_rows(iter(rows), "payments", file="x.xlsx", sheet="Payments")
    assert [(e.message, e.row, e.column, e.value) for e in errors] == [
        ("Excel error value in the cell", 29, "Amount", "#N/A"),
        ("value_date is not a date", 31, "Value Date", "31/31/2026"),
        ("payment amount is not positive", 30, "Amount", "(12.50)"),    # as given, never minor units
    ]
    assert df["amount"].iloc[0] == 1000 and df["value_date"].iloc[0] == pd.Timestamp("2026-10-01")


def test_labels_follow_csv_lines_across_chunks(small_chunks, tmp_path):
    lines = ["customer_id,customer_name,email"]
    for i in range(15):
        note = '"two\nlines"' if i == 3 else f"c{i}@example.com"
        lines.append(f"{i:05d},Customer {i},{note}")
    lines.append("00014,Duplicate,x")
    p = tmp_path / "customers.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    df, errors = load_table(p, "customers")
    assert [(e.message, e.row, e.value) for e in errors] == [("duplicate customer_id", 18, "00014")]
    assert df["source_row"].tolist()[:6] == [2, 3, 4, 5, 7, 8]     # record 4 spans lines 5-6
    assert df["customer_id"].iloc[0] == "00000"


def test_combine_chunks_of_different_kinds():
    parts = [type_column(np.array([1.5, ""], dtype=object)), type_column(np.array(["abc", "x"], dtype=object)),
             type_column(np.array([dt.date(2026, 1, 2), ""], dtype=object))]
    out = combine_chunks(parts)
    assert out.dtype == object and out.tolist() == [1.5, "", "abc", "x", dt.date(2026, 1, 2), ""]
    same = combine_chunks([type_column(np.array([1.0], dtype=object)), type_column(np.array(["", 2], dtype=object))])
    assert same.dtype == "float64" and same.isna().tolist() == [False, True, False]
    assert combine_chunks([]).tolist() == []


def test_sheet_starting_at_column_c_with_errors_and_a_merged_header(tmp_path, small_chunks):
    p = tmp_path / "offset.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Register")
    ws.write(0, 2, "Invoice register October")
    ws.write_row(2, 2, ["Invoice Number", "Customer", "Invoice Date"])
    ws.merge_range(2, 5, 2, 6, "Amount")          # F:G merged; data only in G
    ws.write(2, 7, "Amount ")                      # a second 'Amount' header in H
    for i in range(10):
        r = 3 + i
        ws.write_string(r, 2, f"{i:06d}")
        ws.write_string(r, 3, "C1")
        ws.write_datetime(r, 4, dt.datetime(2026, 10, 1 + i), wb.add_format({"num_format": "yyyy-mm-dd"}))
        if i == 7:
            ws.write_formula(r, 6, "=1/0", None, "#DIV/0!")
        else:
            ws.write_number(r, 6, 100 + i)
    wb.close()
    df, errors = load_table(p, "register")
    assert [(e.message, e.row, e.column, e.value) for e in errors] == [
        ("two columns are headed 'Amount' (G and H)", 3, "Amount", "Amount"),
        ("Excel error value in the cell", 11, "Amount", "#DIV/0!"),
    ]
    assert df["document_no"].tolist()[:2] == ["000000", "000001"]
    assert df["amount"].iloc[0] == 10000 and df["source_row"].iloc[0] == 4


def test_xlsx_with_only_a_title_is_missing_its_columns(tmp_path):
    p = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    wb.add_worksheet("GL").write(0, 0, "nothing here yet")
    wb.close()
    _, errors = load_table(p, "gl")
    assert {e.column for e in errors} == {"period", "closing_balance"} and all(e.sheet == "GL" for e in errors)
    p2 = tmp_path / "empty.xlsx"
    wb = xlsxwriter.Workbook(str(p2))
    wb.add_worksheet("GL")
    wb.close()
    _, errors = load_table(p2, "gl")
    assert [(e.sheet, e.message) for e in errors] == [("GL", "the sheet is empty")]


def test_read_table_from_grid_stream_is_deterministic(small_chunks):
    rows = _rows(9)
    one, _ = table_from_rows(iter(rows), "payments")
    two, _ = table_from_rows(np.array([r + [""] * (4 - len(r)) for r in rows], dtype=object), "payments")
    pd.testing.assert_frame_equal(one, two)


def test_xlsb_falls_back_to_pyxlsb_when_calamine_cannot_open_it(monkeypatch):
    from xl_collections.io import sources

    path = external("excel/xlwings_engines.xlsb")

    def refuse(*a, **k):
        raise sources._fail("cannot open the workbook: simulated", path.name)

    monkeypatch.setattr(sources, "open_workbook", refuse)
    df, errors = load_table(path, "fx_rates", sheet="Sheet2", column_map={"aa": "currency", "bb": "rate"})
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "aa", "11.1")]   # 11.1 is no currency code
    assert df["rate"].tolist() == [Decimal("22.2")]


ids = st.text(alphabet="0123456789ABC-", min_size=1, max_size=12)
cents = st.integers(min_value=-10**12, max_value=10**12)


@given(st.lists(st.tuples(ids, cents), min_size=1, max_size=30, unique_by=lambda t: t[0]),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_csv_round_trip_keeps_ids_and_exact_amounts(tmp_path, records, sep, encoding):
    from xl_collections.core.money import format_amount

    p = tmp_path / "pays.csv"
    lines = [sep.join(["Payment No", "Value Date", "Amount"])]
    for pid, c in records:
        amount = format_amount(abs(c) + 1, "USD")
        lines.append(sep.join([pid, "2026-10-31", f'"{amount}"' if sep == "," else amount]))
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    df = read_table_fn(p, "payments")
    assert df["payment_id"].tolist() == [pid for pid, _ in records]
    assert df["amount"].tolist() == [abs(c) + 1 for _, c in records]
    assert df["source_row"].tolist() == list(range(2, 2 + len(records)))


def test_ragged_csv_title_line_and_trailing_commas(tmp_path):
    p = tmp_path / "register.csv"
    p.write_text("Invoice register, October 2026\n"
                 "Invoice No;Customer;Invoice Date;Total\n"
                 "000123;C1;2026-10-01;1.234,50;;\n"
                 "000124;C2;2026-10-02;99\n", encoding="utf-8")
    df = read_table_fn(p, "register", decimal_comma=True)
    assert df["document_no"].tolist() == ["000123", "000124"]
    assert df["amount"].tolist() == [123450, 9900] and df["source_row"].tolist() == [3, 4]


def _stray_rows(records: int, blank: int) -> list[list]:
    rows = [["Payment No", "Value Date", "Amount"]]
    rows += [[f"P{i}", dt.date(2026, 10, 1), 10.0] for i in range(records)]
    rows += [["", "", ""] for _ in range(blank)]
    rows.append(["x", "", ""])
    return rows


@pytest.mark.parametrize("blank,chunk", [(200_000, readers.CHUNK_ROWS), (5_000, 700), (2_500, 4)])
def test_a_stray_cell_far_below_types_only_a_few_of_the_blank_rows(blank, chunk, monkeypatch):
    """A value in A1048576 below a small table: one problem naming the cell and the right count of
    blank rows, and the million blank rows between are never typed cell by cell (they were:
    ~35 s for one stray cell)."""
    monkeypatch.setattr(readers, "CHUNK_ROWS", chunk)
    typed = []
    real = readers.type_column
    monkeypatch.setattr(readers, "type_column", lambda v: typed.append(len(v)) or real(v))
    df, errors = table_from_rows(iter(_stray_rows(3, blank)), "payments", file="x.xlsx", sheet="Payments")
    assert len(errors) == 1
    e = errors[0]
    assert e.row == 3 + blank + 2 and e.column == "Payment No" and e.value == "x"
    assert f"a value {blank:,} blank rows below the records above it (rows 5-{blank + 4} are blank)" in e.message
    assert sum(typed) <= 3 * 20_000


def test_blank_rows_just_under_the_gap_are_each_named(small_chunks):
    from xl_collections.io.validate import STRAY_GAP
    df, errors = table_from_rows(iter(_stray_rows(2, STRAY_GAP - 1)), "payments", file="x.xlsx", sheet="Payments")
    blank = [e for e in errors if e.message == "blank row inside the table"]
    assert len(blank) == STRAY_GAP - 1 and not any("blank rows below" in e.message for e in errors)
