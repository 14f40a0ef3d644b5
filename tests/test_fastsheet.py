"""The fast path of a worksheet (io/fastsheet.py, fastexcel) against the careful reader
(python-calamine cell by cell): the same frame and the same messages on tricky sheets, and the
fast path taken only where it can promise that."""
from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_collections.io import fastsheet, readers

HEAD = ["Customer", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Open Amount", "Currency", "Status"]


def _typed_columns(m, seen: list):
    """Record what each reader hands to the validation: headers, typed columns, row labels."""
    real = readers.table_from_columns

    def spy(headers, columns, row_labels, *a, **k):
        seen.append((list(headers), [c.reset_index(drop=True) for c in columns], list(row_labels),
                     k.get("header_row"), k.get("col_offset"), k.get("sheet")))
        return real(headers, columns, row_labels, *a, **k)

    m.setattr(readers, "table_from_columns", spy)


def _careful(monkeypatch, path, table="open_items", seen=None, **kw):
    with monkeypatch.context() as m:
        m.setattr(readers, "_read_sheet_fast", lambda *a, **k: (None, None))
        if seen is not None:
            _typed_columns(m, seen)
        return readers.load_table(path, table, **kw)


def both_ways(monkeypatch, path, table="open_items", **kw):
    """(fast path taken?, frame, errors) after checking both readers agree on the typed columns
    they hand to the validation, on the frame and on the messages."""
    took, fast_cols, careful_cols = [], [], []
    real = fastsheet.FastSheet.columns

    def spy(self, *a, **k):
        got = real(self, *a, **k)
        took.append(got is not None)
        return got

    with monkeypatch.context() as m:
        m.setattr(fastsheet.FastSheet, "columns", spy)
        _typed_columns(m, fast_cols)
        df, errors = readers.load_table(path, table, **kw)
    ref, ref_errors = _careful(monkeypatch, path, table, seen=careful_cols, **kw)
    assert len(fast_cols) == len(careful_cols)
    for (h, cols, labels, *where), (rh, rcols, rlabels, *rwhere) in zip(fast_cols, careful_cols):
        assert (h, labels, where) == (rh, rlabels, rwhere)
        assert len(cols) == len(rcols)
        for c, rc in zip(cols, rcols):
            pd.testing.assert_series_equal(c, rc, check_names=False)
            if c.dtype == object:                  # the same raw cells: same Python types too
                assert list(map(type, c)) == list(map(type, rc))
    pd.testing.assert_frame_equal(df, ref)
    assert df.attrs == ref.attrs
    assert [tuple(vars(e).items()) for e in errors] == [tuple(vars(e).items()) for e in ref_errors]
    return bool(took and took[-1]), df, errors


def _book(path, rows, *, title=("ACME Corp - open items as of 2026-10-31", "Exported from the ledger"),
          head=HEAD, first_col=0, sheet="Open Items", setup=None):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    for t in title:
        ws.write_string(r, first_col, t)
        r += 1
    if title:
        r += 1
    for c, h in enumerate(head):
        ws.write_string(r, first_col + c, h)
    for i, row in enumerate(rows):
        for c, v in enumerate(row):
            col = first_col + c
            if v is None:
                continue
            if isinstance(v, (dt.date, dt.datetime, dt.time)):
                ws.write_datetime(r + 1 + i, col, v, date)
            elif isinstance(v, tuple) and v[0] == "=":            # a formula with its cached value
                ws.write_formula(r + 1 + i, col, v[1], None, v[2])
            elif isinstance(v, str):
                ws.write_string(r + 1 + i, col, v)
            else:
                ws.write(r + 1 + i, col, v)
    if setup:
        setup(wb, ws)
    wb.close()
    return path


def _items(n, start=0):
    return [[f"C{(i % 7):03d}", f"{i + start + 1:07d}", dt.datetime(2026, 9, 1) + dt.timedelta(days=i % 40),
             dt.datetime(2026, 10, 1) + dt.timedelta(days=i % 40), 100 + i / 4, 50 + i / 8, "USD", "OPEN"]
            for i in range(n)]


def test_title_rows_leading_zeros_dates_and_amounts_take_the_fast_path(tmp_path, monkeypatch):
    fast, df, errors = both_ways(monkeypatch, _book(tmp_path / "a.xlsx", _items(300)))
    assert fast and errors == []
    assert df["document_no"].iloc[0] == "0000001" and df["source_row"].iloc[0] == 5
    assert df["open_amount"].iloc[3] == 5038            # 50.375 -> 50.38 in cents
    assert df["document_date"].iloc[0] == pd.Timestamp("2026-09-01")


def test_header_on_row_one_at_column_c_with_a_duplicate_header(tmp_path, monkeypatch):
    rows = [r + ["x"] for r in _items(20)]
    path = _book(tmp_path / "c.xlsx", rows, title=(), head=HEAD + ["Amount"], first_col=2)
    fast, _, errors = both_ways(monkeypatch, path)
    assert fast
    assert [e.message for e in errors] == ["two columns are headed 'Amount' (G and K)"]


def test_error_cells_fall_back_and_are_named(tmp_path, monkeypatch):
    rows = _items(10)
    path = _book(tmp_path / "e.xlsx", rows)
    _put_error(path, "E7", "#N/A")
    fast, _, errors = both_ways(monkeypatch, path)
    assert not fast
    assert [(e.message, e.row, e.value) for e in errors] == [("Excel error value in the cell", 7, "#N/A")]


def _put_error(path, ref, text):
    """Make cell ``ref`` of the first sheet an Excel error cell (xlsxwriter writes none)."""
    src = zipfile.ZipFile(path)
    parts = {i.filename: src.read(i) for i in src.infolist()}
    src.close()
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    start = xml.index(f'<c r="{ref}"')
    end = xml.index("</c>", start) + 4
    parts["xl/worksheets/sheet1.xml"] = (xml[:start] + f'<c r="{ref}" t="e"><v>{text}</v></c>' + xml[end:]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_a_text_cell_in_a_number_column_falls_back(tmp_path, monkeypatch):
    rows = _items(30)
    rows[20][4] = "1.234,50"
    rows[21][5] = " "
    fast, df, errors = both_ways(monkeypatch, _book(tmp_path / "m.xlsx", rows))
    assert not fast


def test_dates_as_serials_and_as_text_blank_cells_and_rows(tmp_path, monkeypatch):
    rows = _items(12)
    for i, r in enumerate(rows):
        r[2] = 46000 + i                          # a serial number without a date format
        r[3] = f"2026-11-{i + 1:02d}" if i % 3 else f"{i + 1:02d}/11/2026"
    rows[4] = [None] * 8                          # a blank row inside the table
    rows[6][6] = None                             # currency blank: the reporting currency
    rows[7][7] = ""                               # status an empty text
    fast, df, errors = both_ways(monkeypatch, _book(tmp_path / "d.xlsx", rows))
    assert fast
    fast2, _, _ = both_ways(monkeypatch, tmp_path / "d.xlsx", day_first=True)
    assert fast2


def test_times_of_day_and_dates_out_of_range_fall_back(tmp_path, monkeypatch):
    rows = _items(5)
    rows[1][3] = dt.time(13, 30)
    fast, _, errors = both_ways(monkeypatch, _book(tmp_path / "t.xlsx", rows))
    assert not fast
    rows = _items(5)
    rows[2][2] = dt.datetime(2250, 1, 1)
    fast, _, errors = both_ways(monkeypatch, _book(tmp_path / "o.xlsx", rows))
    assert not fast and [e.row for e in errors] == [7]


def test_date_with_a_time_numeric_ids_booleans_long_text_and_formulas(tmp_path, monkeypatch):
    rows = [r + [i % 2 == 0, "x" * 30_000 if i == 3 else "note"] for i, r in enumerate(_items(15))]
    rows[0][2] = dt.datetime(2026, 9, 1, 23, 59, 59)
    for i, r in enumerate(rows):
        r[0] = 1000 + i % 3                        # customer ids as numbers
        r[5] = ("=", f"=E{6 + i}/2", r[4] / 2)     # open amount a formula with its cached value
    path = _book(tmp_path / "f.xlsx", rows, head=HEAD + ["Paid", "Reference"])
    fast, df, errors = both_ways(monkeypatch, path)
    assert fast and errors == []
    assert df["customer_id"].iloc[0] == "1000" and len(df["reference"].iloc[3]) == 30_000


def test_control_characters_line_breaks_and_escapes_in_text(tmp_path, monkeypatch):
    rows = _items(6)
    rows[0][7] = "OPEN\x01"                        # a control character: removed with a warning
    rows[1][0] = "C\x00001"                        # in an identifier: refused
    rows[2] = rows[2] + ["line one\r\nline two\tend _x000D_ literal"]
    rows[3] = rows[3] + ["=SUM(A1)"]
    fast, df, errors = both_ways(monkeypatch, _book(tmp_path / "ctl.xlsx", rows, head=HEAD + ["Reference"]))
    assert fast and [(e.row, e.column) for e in errors] == [(6, "Customer")]
    assert [(w.row, w.column) for w in df.attrs["warnings"]] == [(5, "Status")]


def test_a_cell_over_32767_characters_reads_the_same(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Open Items"
    ws.append(HEAD + ["Reference"])
    for r in _items(3):
        ws.append(r + ["y" * 40_000])
    wb.save(tmp_path / "long.xlsx")
    fast, df, _ = both_ways(monkeypatch, tmp_path / "long.xlsx")
    assert fast and len(df) == 3


def test_a_merged_header_falls_back_a_merged_title_does_not(tmp_path, monkeypatch):
    def merge_title(wb, ws):
        ws.merge_range("A1:H1", "ACME Corp - open items")

    path = _book(tmp_path / "mt.xlsx", _items(10), title=("", "Exported"), setup=merge_title)
    fast, _, errors = both_ways(monkeypatch, path)
    assert fast and errors == []

    def merge_header(wb, ws):
        ws.merge_range("E4:F4", "Amount")

    head = HEAD[:4] + ["", ""] + HEAD[6:]
    rows = [r[:5] + [None] + r[6:] for r in _items(10)]
    fast, _, errors = both_ways(monkeypatch, _book(tmp_path / "mh.xlsx", rows, head=head, setup=merge_header))
    assert not fast


def test_a_column_blank_in_the_first_rows_and_filled_later(tmp_path, monkeypatch):
    rows = _items(400)
    for i, r in enumerate(rows):
        if i < 150:
            r[5] = None                          # open amount blank in the first chunk
            r[3] = None                          # due date too
    fast, df, errors = both_ways(monkeypatch, _book(tmp_path / "late.xlsx", rows))
    assert fast


def test_chunk_boundaries_follow_the_careful_reader(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_ROWS", 7)
    rows = _items(60)
    for i in range(20, 27):
        rows[i][3] = None                        # a whole chunk without a due date
    for i in range(40, 47):
        rows[i][7] = None
    fast, _, _ = both_ways(monkeypatch, _book(tmp_path / "ch.xlsx", rows))
    assert fast


def test_a_stray_cell_beside_the_table_and_a_long_blank_run_fall_back(tmp_path, monkeypatch):
    rows = _items(200) + [[None] * 8 for _ in range(50)] + [[None] * 9 + ["stray"]]
    fast, _, _ = both_ways(monkeypatch, _book(tmp_path / "s1.xlsx", rows))
    assert not fast
    rows = _items(5) + [[None] * 8 for _ in range(1_100)] + [_items(1)[0]]
    fast, df, _ = both_ways(monkeypatch, _book(tmp_path / "s2.xlsx", rows))
    assert not fast


def test_a_shrunk_table_formatted_rows_below_the_data(tmp_path, monkeypatch):
    def formatted_below(wb, ws):
        fmt = wb.add_format({"bg_color": "#FFFF00"})
        for r in range(20, 60):
            ws.set_row(r, None, fmt)
            ws.write_blank(r, 4, None, fmt)

    fast, df, errors = both_ways(monkeypatch, _book(tmp_path / "sh.xlsx", _items(12), setup=formatted_below))
    assert fast and len(df) == 12


def test_empty_header_only_and_missing_sheet(tmp_path, monkeypatch):
    both_ways(monkeypatch, _book(tmp_path / "h.xlsx", []))
    wb = xlsxwriter.Workbook(str(tmp_path / "empty.xlsx"))
    wb.add_worksheet("Open Items")
    wb.close()
    fast, _, errors = both_ways(monkeypatch, tmp_path / "empty.xlsx")
    assert not fast and errors
    fast, _, errors = both_ways(monkeypatch, _book(tmp_path / "n.xlsx", _items(3)), sheet="Nope")
    assert errors and "no sheet named" in errors[0].message


def test_shared_strings_and_a_header_far_down(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()                       # openpyxl writes shared strings
    ws = wb.active
    ws.title = "Data"
    for i in range(20):
        ws.append([f"report line {i}"])
    ws.append(HEAD)
    for r in _items(40):
        ws.append(r)
    wb.create_sheet("Notes").append(["nothing here"])
    wb.save(tmp_path / "ss.xlsx")
    fast, df, errors = both_ways(monkeypatch, tmp_path / "ss.xlsx")
    assert fast and errors == [] and df["source_row"].iloc[0] == 22


def test_a_hostile_workbook_is_refused_once_with_the_guards_words(tmp_path, monkeypatch):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"customer_id,document_no\n1,2\n")
    fast, _, errors = both_ways(monkeypatch, path)
    assert not fast and "not an Excel workbook" in errors[0].message


def test_the_customers_table_with_a_column_map(tmp_path, monkeypatch):
    head = ["Kunde", "Name", "Limit", "Sperre"]
    rows = [[f"K{i:05d}", f"Firma {i}", 1000.0 * i, i % 2 == 0] for i in range(25)]
    path = _book(tmp_path / "cu.xlsx", rows, title=(), head=head, sheet="Customers")
    cmap = {"customers": {"Kunde": "customer_id", "Name": "customer_name", "Limit": "credit_limit",
                          "Sperre": "dunning_block"}}
    fast, df, errors = both_ways(monkeypatch, path, "customers", column_map=cmap)
    assert fast and errors == [] and df["customer_id"].iloc[1] == "K00001"


# ------------------------------------------------------------------ generated cells

texts = st.sampled_from(["00123", "ABC", " ", "", "2026-10-31", "31/10/2026", "12.50", "(7.25)", "=1+1", "INV"])
numbers = st.sampled_from([0.0, 1.0, 12.5, -3.25, 45000.0, 46000.5, 1e15, 123456789.0])
dates = st.sampled_from([dt.datetime(2026, 10, 31), dt.datetime(1900, 3, 1), dt.datetime(2199, 12, 31),
                         dt.datetime(2026, 1, 1, 12, 0)])
cells = st.one_of(st.none(), texts, numbers, dates, st.booleans())
column_of = st.sampled_from(["text", "number", "date", "bool", "mixed"])


def _column(kind, draw_cells, n):
    pick = {"text": texts, "number": numbers, "date": dates, "bool": st.booleans(), "mixed": cells}[kind]
    return draw_cells(st.lists(st.one_of(st.none(), pick), min_size=n, max_size=n))


@st.composite
def sheets(draw):
    n = draw(st.integers(min_value=0, max_value=12))
    kinds = draw(st.lists(column_of, min_size=len(HEAD), max_size=len(HEAD)))
    cols = [_column(k, draw, n) for k in kinds]
    title = draw(st.sampled_from([(), ("Open items",), ("Open items", "as of 2026-10-31")]))
    return [list(r) for r in zip(*cols)] if n else [], title


@given(sheets())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generated_sheets_read_the_same_both_ways(tmp_path_factory, monkeypatch, sheet):
    rows, title = sheet
    path = _book(tmp_path_factory.mktemp("gen") / "g.xlsx", rows, title=title)
    both_ways(monkeypatch, path)


FORMATS = ["General", "0.00", "0%", "#,##0.00_);(#,##0.00)", "[Red]0.00", "0000", "@", "yyyy-mm-dd", "dd.mm.yyyy",
           "mmm yyyy", "m/d/yyyy h:mm AM/PM", "[$-409]d-mmm-yy;@", 'yyyy"年"m"月"d"日"', '"Date: "0', "[h]:mm",
           "hh:mm:ss", "[$€-407] #,##0.00", "d", "0.00E+00", "# ?/?"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_number_formats_give_the_same_cells_both_ways(tmp_path, monkeypatch, fmt):
    def formatted(wb, ws):
        f = wb.add_format({"num_format": fmt})
        for i in range(8):
            ws.write_number(4 + i, 8, [46000, 46000.25, 61.5, 12, 45292.999999, 100000, 73050, 1.75][i], f)

    rows = _items(8)
    path = _book(tmp_path / "fmt.xlsx", rows, head=HEAD + ["Value"], setup=formatted)
    fast, _, _ = both_ways(monkeypatch, path)
    assert fast or fmt in ("[h]:mm", "hh:mm:ss")     # durations and times of day: the careful reader


def test_the_1904_date_system(tmp_path, monkeypatch):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Open Items"
    ws.append(HEAD)
    for r in _items(10):
        ws.append(r)
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=4):
        for c in row:
            c.number_format = "yyyy-mm-dd"
    wb.save(tmp_path / "mac.xlsx")
    fast, df, errors = both_ways(monkeypatch, tmp_path / "mac.xlsx")
    assert fast and df["document_date"].iloc[0] == pd.Timestamp("2026-09-01")


def test_the_guards_pass_marks_error_cells_and_merged_ranges(tmp_path):
    from xl_collections.io.guard import check_workbook

    def merge(wb, ws):
        ws.merge_range("A1:H1", "ACME Corp")

    path = _book(tmp_path / "g.xlsx", _items(5), title=("", "x"), setup=merge)
    marks = {}
    check_workbook(path, sheets=marks)
    assert marks["xl/worksheets/sheet1.xml"].merges == [b"A1:H1"]
    assert not marks["xl/worksheets/sheet1.xml"].error_cells
    _put_error(path, "E6", "#DIV/0!")
    marks = {}
    check_workbook(path, sheets=marks)
    assert marks["xl/worksheets/sheet1.xml"].error_cells


def test_the_careful_reader_scans_for_error_cells_only_when_the_guard_saw_one(tmp_path, monkeypatch):
    from xl_collections.io import sources

    scans = []
    real = sources.ErrorScan

    def counting(*a, **k):
        scans.append(a[1])
        return real(*a, **k)

    monkeypatch.setattr(sources, "ErrorScan", counting)
    path = _book(tmp_path / "n.xlsx", _items(5))
    _, errors = _careful(monkeypatch, path)
    assert errors == [] and scans == []
    _put_error(path, "E6", "#N/A")
    _, errors = _careful(monkeypatch, path)
    assert scans == ["Open Items"] and [(e.row, e.value) for e in errors] == [(6, "#N/A")]


def _excel_files():
    from conftest import external_files
    return external_files("excel", (".xlsx", ".xlsm"))


@pytest.mark.parametrize("path", _excel_files(), ids=lambda p: p.name)
def test_workbooks_saved_by_excel_read_the_same_on_every_sheet(path, monkeypatch):
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(str(path))
    names = list(wb.sheet_names)
    wb.close()
    for name in names:
        for table in ("open_items", "customers"):
            both_ways(monkeypatch, path, table, sheet=name)


def test_every_input_sheet_of_the_demo_workbook(tmp_path, monkeypatch):
    from xl_collections import demo
    from xl_collections.cli.demo import demo_tables
    from xl_collections.core.schema import TABLES
    from xl_collections.workbook.template import build_template

    book = demo.generate(items=300, payments=90, seed=3)
    path = tmp_path / "demo.xlsm"
    build_template(path, settings=book.settings, inputs=demo_tables(book))
    took = {}
    for name, table in TABLES.items():
        fast, df, errors = both_ways(monkeypatch, path, name)
        took[name] = fast
    assert took["open_items"] and took["customers"] and took["payments"] and took["aging_history"]


def test_a_table_starting_at_c5_with_nothing_above(tmp_path, monkeypatch):
    wb = xlsxwriter.Workbook(str(tmp_path / "c5.xlsx"))
    ws = wb.add_worksheet("Open Items")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(4, 2, HEAD)
    for i, r in enumerate(_items(30)):
        for c, v in enumerate(r):
            if isinstance(v, dt.datetime):
                ws.write_datetime(5 + i, 2 + c, v, date)
            else:
                ws.write(5 + i, 2 + c, v)
    wb.close()
    fast, df, errors = both_ways(monkeypatch, tmp_path / "c5.xlsx")
    assert fast and errors == [] and df["source_row"].iloc[0] == 6 and len(df) == 30


def test_a_stray_cell_far_below_is_left_to_the_careful_reader_before_fastexcel_parses(tmp_path, monkeypatch):
    def stray(wb, ws):
        ws.write_string(200_000, 0, "stray")

    path = _book(tmp_path / "far.xlsx", _items(5), setup=stray)
    with fastsheet.FastSheet(path, "Open Items", head_rows=120) as fs:
        assert fs.head is None and fs.guard_marks is not None      # guard passed, not fast
    fast, _, errors = both_ways(monkeypatch, path)
    assert not fast and errors


@pytest.mark.parametrize("text", ["n/a", "#N/A", "NULL", "None", "nan", "NA"])
def test_a_null_like_text_in_a_number_or_date_column_is_named_not_read_as_blank(tmp_path, monkeypatch, text):
    # fastexcel reads these texts in a number, date or TRUE/FALSE column as no value (nan as NaN)
    # even with strict typing; the careful reader keeps the text and the validator names it
    rows = _items(12)
    rows[4][4] = text
    rows[6][2] = text
    fast, _, errors = both_ways(monkeypatch, _book(tmp_path / "na.xlsx", rows))
    assert not fast
    assert {(e.row, e.value) for e in errors} >= {(9, text), (11, text)}
    rows = _items(12)
    rows[4][4] = None                 # a blank cell: still the fast path
    fast, _, errors = both_ways(monkeypatch, _book(tmp_path / "blank.xlsx", rows))
    assert fast
