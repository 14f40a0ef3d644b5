"""The close's inputs read faster, with the same results: the Audit Log's input fingerprints
(``close/state.table_fingerprint``) hash the very bytes pandas' CSV writer gives, and the input
sheets read through fastexcel give the tables and messages of the careful grid reader."""
from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import xlsxwriter
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from xl_collections.book import open_book
from xl_collections.close import inputs
from xl_collections.close.state import csv_text_bytes, table_fingerprint
from xl_collections.core import schema


def pandas_bytes(frame: pd.DataFrame) -> bytes:
    return frame.astype(str).to_csv(index=False, header=False, lineterminator="\n").encode()


def pandas_fingerprint(df: pd.DataFrame, table_name: str) -> str:
    """The fingerprint as the close computed it before (every table through pandas)."""
    cols = [c for c in schema.TABLES[table_name].names if c in df.columns]
    h = hashlib.sha256(("|".join(cols) + "\n").encode())
    if len(df):
        h.update(pandas_bytes(df[cols]))
    return h.hexdigest()


TRICKY_TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t\'=é€\u2028') + ["\ud800", "0", "-"]), max_size=6)
CELL = st.one_of(TRICKY_TEXT, st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                 st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_csv_bytes_are_pandas_bytes(data):
    n = data.draw(st.integers(0, 8))
    kinds = data.draw(st.lists(st.sampled_from(["int", "text", "mixed", "date", "datetime", "Int64", "float"]),
                               min_size=1, max_size=5))
    cols = {}
    for i, kind in enumerate(kinds):
        if kind == "int":
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n)),
                                      dtype="int64")
        elif kind == "text":
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(TRICKY_TEXT, min_size=n, max_size=n)), dtype=object)
        elif kind == "mixed":
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(CELL, min_size=n, max_size=n)), dtype=object)
        elif kind in ("date", "datetime"):
            days = data.draw(st.lists(st.one_of(st.none(), st.integers(-25567, 84000)), min_size=n, max_size=n))
            secs = data.draw(st.lists(st.integers(0, 86399), min_size=n, max_size=n)) if kind == "datetime" else [0] * n
            epoch = pd.Timestamp("1970-01-01")
            cols[f"c{i}"] = pd.Series([pd.NaT if d is None else epoch + pd.Timedelta(days=d, seconds=s)
                                       for d, s in zip(days, secs)], dtype="datetime64[ns]")
        elif kind == "Int64":
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(st.one_of(st.none(), st.integers(-10**9, 10**9)),
                                                          min_size=n, max_size=n)), dtype="Int64")
        else:
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n)),
                                      dtype="float64")
    frame = pd.DataFrame(cols)
    try:
        want = pandas_bytes(frame)
    except UnicodeEncodeError:          # a lone surrogate: pandas cannot write it either
        return
    assert csv_text_bytes(frame) == want


def test_two_date_columns_one_with_a_time_are_formatted_as_pandas_formats_them_together():
    # pandas formats the date columns of one block alike: a time in one gives the other its time too
    frame = pd.DataFrame({"a": pd.to_datetime(["2026-10-31", "2026-11-01"]),
                          "b": pd.to_datetime(["2026-10-31 10:00", "2026-11-01 00:00"]), "c": [1, 2]})
    assert csv_text_bytes(frame) == pandas_bytes(frame)
    assert csv_text_bytes(frame[["a", "c"]]) == pandas_bytes(frame[["a", "c"]])


def test_fingerprint_of_a_canonical_table_is_unchanged():
    oi = pd.DataFrame({
        "customer_id": ["C1", "C,2", 'C"3', "C\n4"],
        "document_no": ["INV-1", "INV-2", "", "INV 4"],
        "doc_type": ["INV", "INV", "CRN", "INV"],
        "document_date": pd.to_datetime(["2026-10-01", "2026-09-15", None, "2026-08-01"]),
        "due_date": pd.to_datetime(["2026-10-31", "2026-10-15", "2026-09-01", None]),
        "amount": np.array([10000, 2550, -500, 0], dtype="int64"),
        "open_amount": np.array([10000, 2550, -500, 0], dtype="int64"),
        "currency": ["USD", "EUR", "USD", "JPY"],
        "source_row": np.arange(2, 6),
    })
    assert table_fingerprint(oi, "open_items") == pandas_fingerprint(oi, "open_items")
    assert table_fingerprint(oi.iloc[:0], "open_items") == pandas_fingerprint(oi.iloc[:0], "open_items")
    cr = oi.assign(customer_id=["C1", "C\r2", "C3", "C4"])       # a carriage return: pandas writes it
    assert table_fingerprint(cr, "open_items") == pandas_fingerprint(cr, "open_items")


# ------------------------------------------------------------------ the input sheets

class CarefulOnly:
    """The book as a reader without the fast sheet reader (a live workbook, or the close before it)."""

    def __init__(self, book):
        self._book = book

    def __getattr__(self, name):
        if name == "fast_sheet":
            raise AttributeError(name)
        return getattr(self._book, name)


def both_ways(monkeypatch, path) -> dict:
    """Read the close's inputs of ``path`` with and without the fast path, check the settings, every
    table (values, types, attrs) and every message are the same; {table: fast path taken}."""
    took: dict[str, bool] = {}
    real = inputs._fast_table

    def spy(book, table_name, kw):
        got = real(book, table_name, kw)
        took[table_name] = got is not None
        return got

    with monkeypatch.context() as m:
        m.setattr(inputs, "_fast_table", spy)
        settings_, tables, errors = inputs.read_workbook_inputs(open_book(path))
    ref_settings, ref_tables, ref_errors = inputs.read_workbook_inputs(CarefulOnly(open_book(path)))
    assert settings_ == ref_settings
    assert list(tables) == list(ref_tables)
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], ref_tables[name], check_exact=True)
        assert repr(tables[name].attrs) == repr(ref_tables[name].attrs)
    assert [tuple(vars(e).items()) for e in errors] == [tuple(vars(e).items()) for e in ref_errors]
    return took


def _sheet(wb, name, head, rows, *, title=(), first_col=0, setup=None):
    ws = wb.add_worksheet(name)
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    for t in title:
        ws.write_string(r, first_col, t)
        r += 1
    if title:
        r += 1
    for c, h in enumerate(head):
        if h:
            ws.write_string(r, first_col + c, h)
    for i, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            at = (r + 1 + i, first_col + c)
            if isinstance(v, dt.date):
                ws.write_datetime(*at, v, date)
            elif isinstance(v, str):
                ws.write_string(*at, v)
            else:
                ws.write(*at, v)
    if setup:
        setup(ws, r)
    return ws


def _inputs_book(path, *, open_items_rows, customers_limit="5000", payment_error=True):
    wb = xlsxwriter.Workbook(str(path))
    st_ = wb.add_worksheet("Settings")
    st_.write_string(0, 0, "As of")
    st_.write_datetime(0, 1, dt.datetime(2026, 10, 31), wb.add_format({"num_format": "yyyy-mm-dd"}))
    wb.define_name("AsOfDate", "=Settings!$B$1")
    _sheet(wb, "Open Items", ["Customer", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Open Amount",
                              "Currency", "My note, kept"], open_items_rows,
           title=("ACME Corp - open items as of 2026-10-31", "Exported from the ledger"), first_col=1)
    _sheet(wb, "Customers", ["Customer ID", "Customer Name", "Credit Limit"],
           [["C001", "Acme, Inc.", 5000], ["C002", 'The "Best" Co', customers_limit], ["C003", "Zeta", None]])

    def error_cell(ws, r):
        if payment_error:
            ws.write_formula(r + 2, 2, "=NA()", None, "#N/A")
    _sheet(wb, "Payments", ["Payment ID", "Value Date", "Amount", "Currency", "Customer ID"],
           [["P1", dt.date(2026, 10, 5), 100.5, "USD", "C001"], ["P2", dt.date(2026, 10, 6), 20, "USD", "C002"]],
           setup=error_cell)
    _sheet(wb, "Remittance", ["Payment ID", "Document No", "Amount Paid"], [])
    _sheet(wb, "Ledger", ["Document No", "Customer ID", "Doc Type", "Document Date", "Posting Date", "Amount",
                          "Currency"],
           [["0000001", "C001", "INV", "2026-09-01", "01/09/2026", 100, "USD"],
            [None] * 7,
            ["0000002", "C002", "PMT", "2026-09-02", "2026-09-02", -20.25, "EUR"]])

    def merged(ws, r):
        ws.merge_range(r, 3, r, 4, "Amount")
    _sheet(wb, "Register", ["Document No", "Customer ID", "Document Date", "", "", "Currency"],
           [["0000001", "C001", dt.date(2026, 9, 1), None, 100, "USD"]], setup=merged)
    _sheet(wb, "Aging History", ["as_of", "customer_id", "total_open"], [[dt.date(2026, 9, 30), "C001", 100]])
    wb.close()
    return path


def _items(n):
    out = []
    for i in range(n):
        out.append(["C%03d" % (i % 7), "%07d" % (i + 1), dt.date(2026, 9, 1) + dt.timedelta(days=i % 40),
                    dt.date(2026, 10, 1) + dt.timedelta(days=i % 40), 100 + i / 4, 50 + i / 8, "USD",
                    "call back, Monday" if i % 3 == 0 else None])
    out[3] = [None] * 8                                    # a blank row inside the table
    return out


def test_tricky_input_sheets_read_the_same_fast_and_careful(tmp_path, monkeypatch):
    took = both_ways(monkeypatch, _inputs_book(tmp_path / "in.xlsx", open_items_rows=_items(40)))
    # titles above the header, a table from column B, a user's column, blank rows, text dates: fast
    assert took["open_items"] and took["ledger"]
    # an Excel error cell, a merged header: the careful reader; a header alone: not given
    assert not took["payments"] and not took["register"] and not took["remittance"]
    assert took["customers"] is False        # text in a number column


def test_messages_for_bad_cells_are_the_same_both_ways(tmp_path, monkeypatch):
    rows = _items(30)
    rows[5][4] = "12,50 EUR"          # text in the amount column: the careful reader
    rows[7][2] = "31/02/2026"         # not a date
    rows[9][0] = None                 # no customer
    both_ways(monkeypatch, _inputs_book(tmp_path / "bad.xlsx", open_items_rows=rows, customers_limit="lots"))
    rows = _items(30)
    rows[7][3] = "not a date"         # a text cell in a date column
    both_ways(monkeypatch, _inputs_book(tmp_path / "bad2.xlsx", open_items_rows=rows, payment_error=False))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["C001", "C002", "", " ", "C,3"]),
                          st.one_of(st.none(), st.sampled_from(["0000001", "0000002", "INV 9", "7"])),
                          st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
                                    st.sampled_from(["2026-09-01", "01/09/2026", "x"])),
                          st.one_of(st.none(), st.floats(-1e9, 1e9), st.sampled_from(["12.50", "n/a", ""]))),
                min_size=1, max_size=12))
def test_random_open_items_read_the_same_both_ways(tmp_path, monkeypatch, cells):
    rows = [[c, d, when, when, amount, amount, "USD", None] for c, d, when, amount in cells]
    both_ways(monkeypatch, _inputs_book(tmp_path / "h.xlsx", open_items_rows=rows))


def test_the_demo_book_closed_once_reads_the_same_both_ways(tmp_path, monkeypatch):
    from xl_collections import demo
    from xl_collections.cli.demo import demo_tables
    from xl_collections.close.pipeline import run_close
    from xl_collections.workbook.template import build_template

    book = demo.generate(items=300, payments=90, seed=3)
    path = tmp_path / "demo.xlsm"
    build_template(path, settings=book.settings, inputs=demo_tables(book))
    took = both_ways(monkeypatch, path)
    assert took["open_items"] and took["payments"] and took["customers"]
    b = open_book(path)
    run_close(b, now=dt.datetime(2026, 11, 1, 9, 0))
    b.save()
    took = both_ways(monkeypatch, path)        # Aging History written by the program: its header rows
    assert took["open_items"] and took["aging_history"]
    # every Excel table of the closed book: from the cells read_sheet keeps = calamine's table reader
    warm, cold = open_book(path), open_book(path)
    tables = warm.table_sheets()
    assert {"tblcashapp", "tblauditlog"} <= set(tables)
    for name, sheet in tables.items():
        warm.read_sheet(sheet)
        if name == "tblcashapp":
            assert warm._grid_holds(*warm._table_part(name))        # the path under test is taken
        got, want = warm.read_table(name), cold.read_table(name)
        pd.testing.assert_frame_equal(got, want)
        assert got.attrs == want.attrs
        for c in got.columns:
            assert list(map(type, got[c])) == list(map(type, want[c])), (name, c)


@pytest.mark.parametrize("case", ["plain", "header_not_the_column_name", "error_cell", "totals_row"])
def test_a_table_from_the_cells_at_hand_is_calamines_table_or_calamine_reads_it(tmp_path, case):
    path = tmp_path / f"{case}.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Cash App")
    ws.write_string(0, 0, "Cash application")
    rows = [["P1", 10.5, None], ["P2", 3, "x"], ["P3", None, "y"]]
    options = {"name": "tblCashApp", "data": rows,
               "columns": [{"header": "Payment"}, {"header": "Applied Amount"}, {"header": "Note"}]}
    if case == "totals_row":
        options["total_row"] = True
    ws.add_table(2, 0, 2 + len(rows) + (case == "totals_row"), 2, options)
    if case == "header_not_the_column_name":
        ws.write_string(2, 2, "Remark")
    if case == "error_cell":
        ws.write_formula(4, 1, "=NA()", None, "#N/A")
    wb.close()
    warm, cold = open_book(path), open_book(path)
    warm.read_sheet("Cash App")
    assert warm._grid_holds(*warm._table_part("tblCashApp")) == (case == "plain")
    got, want = warm.read_table("tblCashApp"), cold.read_table("tblCashApp")
    pd.testing.assert_frame_equal(got, want)
    for c in got.columns:
        assert list(map(type, got[c])) == list(map(type, want[c]))
