"""The fast paths of the input readers give exactly what the plain paths give."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.book.base import frame_from_rows
from xl_collections.book.headless import grid_from_calamine
from xl_collections.core.dates import parse_date_series
from xl_collections.io.readers import table_from_rows
from xl_collections.io.validate import _normalise, normalise_header

cell = st.one_of(st.just(""), st.just(" "), st.text(max_size=5), st.floats(allow_nan=False, allow_infinity=False),
                 st.integers(-5, 5), st.booleans(), st.dates().map(lambda d: dt.datetime(d.year, d.month, d.day)))
rows_st = st.lists(st.lists(cell, max_size=5), max_size=8)


def _reference_grid(rows, errors):
    grid = frame_from_rows(rows)
    for (row, col), text in errors.items():
        if row in grid.index and col in grid.columns:
            grid.at[row, col] = text
    return grid


@settings(max_examples=150, deadline=None)
@given(rows_st, st.dictionaries(st.tuples(st.integers(0, 9), st.integers(-1, 6)), st.sampled_from(["#N/A", "#REF!"]),
                                max_size=3))
def test_grid_from_calamine_is_frame_from_rows_with_error_patches(rows, errors):
    got = grid_from_calamine([list(r) for r in rows], errors)
    want = _reference_grid([list(r) for r in rows], errors)
    pd.testing.assert_frame_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "", "#N/A"]), st.sampled_from(["INV1", "INV2", "", "X 9"]),
                          st.one_of(st.floats(-1e6, 1e6), st.just(""), st.just("12.50"), st.just("abc")),
                          st.one_of(st.just(dt.datetime(2026, 1, 5)), st.just(""), st.just("2026-02-30"), st.just(45000.0))),
                min_size=0, max_size=12))
def test_grid_array_path_equals_row_lists(body):
    head = [["Customer", "Document No", "Amount", "Due Date"]]
    cells = np.empty((1 + len(body), 4), dtype=object)
    cells[:] = head + [list(r) for r in body]
    a, ea = table_from_rows(cells, "open_items", file="f", sheet="s")
    b, eb = table_from_rows([list(r) for r in cells], "open_items", file="f", sheet="s")
    pd.testing.assert_frame_equal(a, b)
    assert ea == eb


def test_grid_array_path_chunks_like_the_row_path(monkeypatch):
    from xl_collections.io import readers
    monkeypatch.setattr(readers, "CHUNK_ROWS", 3)
    body = [[f"C{i % 4}", f"INV{i}", float(i) + 0.5, dt.datetime(2026, 1, 1 + i % 28)] for i in range(200)]
    body[150][2] = "not money"
    cells = np.empty((201, 4), dtype=object)
    cells[:] = [["Customer", "Document No", "Amount", "Due Date"]] + body
    a, ea = table_from_rows(cells, "open_items", labels=np.arange(5, 206))
    b, eb = table_from_rows([list(r) for r in cells], "open_items", labels=np.arange(5, 206))
    pd.testing.assert_frame_equal(a, b)
    assert ea == eb and any(e.row == 156 and e.value == "not money" for e in ea)


@given(st.one_of(st.text(max_size=12), st.floats(allow_nan=False), st.integers()))
def test_normalise_header_cache_changes_nothing(h):
    assert normalise_header(h) == _normalise(h)


def test_parse_date_series_mixed_objects():
    s = pd.Series([dt.date(2026, 1, 2), "2026-03-04", "", None, 45000, "bad", dt.datetime(2026, 5, 6, 7, 8)],
                  index=[10, 11, 12, 13, 14, 15, 16], dtype=object)
    out, bad = parse_date_series(s)
    assert list(out) == [pd.Timestamp("2026-01-02"), pd.Timestamp("2026-03-04"), pd.NaT, pd.NaT,
                         pd.Timestamp("2023-03-15"), pd.NaT, pd.Timestamp("2026-05-06")]
    assert list(bad) == [15]


def test_exponents_are_the_minor_units_map():
    from xl_collections.core.money import MINOR_UNITS, _exponents
    cur = pd.Series(["USD", "JPY", None, "XXX", np.nan, "KWD", "", 3, "usd"], dtype=object)
    assert _exponents(cur).tolist() == cur.map(MINOR_UNITS).fillna(2).to_numpy(dtype="int64").tolist()
    assert _exponents(pd.Series([], dtype=object)).tolist() == []


def test_validate_blank_cells_with_dropped_rows_and_error_values():
    from xl_collections.io.validate import validate
    raw = pd.DataFrame({"customer_id": ["C1", "", "C2", "#N/A", "", ""],
                        "document_no": ["D1", "", "D2", "D3", "", " "],
                        "document_date": ["2026-01-01"] * 4 + ["", ""], "due_date": ["2026-02-01"] * 4 + ["", ""],
                        "amount": ["10.00", "", "  ", "5", "", ""]})
    out, errors = validate(raw, "open_items", file="f.csv")
    assert len(out) == 4
    assert [(e.row, e.column, e.message) for e in errors] == [
        (1, "open_amount", "required column 'open_amount' is missing"),
        (5, "customer_id", "Excel error value in the cell"),
        (3, "customer_id", "customer_id is blank"),
        (3, "document_no", "document_no is blank")]


@given(st.lists(st.lists(cell, min_size=3, max_size=3), max_size=6))
def test_stack_rows_is_elementwise_assignment(rows):
    from xl_collections.io.sources import stack_rows
    want = np.empty((len(rows), 3), dtype=object)
    if rows:
        want[:] = rows
    got = stack_rows(rows, 3)
    assert got.shape == want.shape and all(a is b for a, b in zip(got.ravel(), want.ravel()))


@given(st.lists(st.text(max_size=5), max_size=8))
def test_text_array_is_pd_array(texts):
    from xl_collections.io.readers import _TEXT_DTYPE, _text_array
    vals = np.array(texts, dtype=object) if texts else np.empty(0, dtype=object)
    got, want = _text_array(vals), pd.array(vals, dtype=_TEXT_DTYPE)
    assert got.dtype == want.dtype and type(got) is type(want)
    pd.testing.assert_series_equal(pd.Series(got), pd.Series(want))


def test_error_scan_in_a_second_process_finds_what_the_thread_finds(tmp_path, monkeypatch):
    """Big sheets are scanned for #N/A etc. by a second Python process (beside calamine's parse,
    which holds the GIL): same cells, same texts, and the readers and the book both use it."""
    import xlsxwriter

    from xl_collections.book import open_book
    from xl_collections.io import sources
    from xl_collections.io.readers import load_table

    path = tmp_path / "e.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Open Items")
    ws.write_row(0, 0, ["customer_id", "document_no", "document_date", "due_date", "open_amount"])
    for r in range(1, 40):
        ws.write_row(r, 0, [f"C{r}", f"D{r}", "2026-01-01", "2026-02-01", r])
    ws.write_formula(5, 4, "=NA()", None, "#N/A")
    ws.write_formula(9, 0, "=1/0", None, "#DIV/0!")
    wb.close()
    assert sources.ErrorScan(path, "Open Items", False).result() == {(6, 4): "#N/A", (10, 0): "#DIV/0!"}
    _, errors = load_table(path, "open_items")
    assert sorted((e.row, e.value) for e in errors if e.message.startswith("Excel error")) == [(6, "#N/A"), (10, "#DIV/0!")]
    grid = open_book(path).read_sheet("Open Items")
    assert grid.at[6, 4] == "#N/A" and grid.at[10, 0] == "#DIV/0!"
    missing = sources.ErrorScan(path, "No Such Sheet", False, swallow=False)
    with pytest.raises(KeyError):
        missing.result()


def test_excel_error_texts_all_start_with_a_hash():
    """_excel_errors skips columns without any "#": it relies on this."""
    from xl_collections.io.validate import EXCEL_ERRORS, _excel_errors
    assert all(e.startswith("#") for e in EXCEL_ERRORS)
    s = pd.Series(["a", " #n/a ", None, "#REF!", "#x"], dtype=object)
    assert _excel_errors(s).tolist() == [False, True, False, True, False]
    assert _excel_errors(pd.Series(["a", None], dtype=object)).tolist() == [False, False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.sampled_from(["", " ", "#N/A", "#ref!", "usd", "EUR", "zzz", "C1", "D1", "D2",
                                            "2026-01-31", "12.50", "x#y"]) for _ in range(5)]), max_size=8))
def test_validate_same_for_object_and_arrow_text_columns(rows):
    """The Arrow text of each column is computed once and reused; object and Arrow-backed text
    columns (the readers') go through the same checks and give the same table and errors."""
    from xl_collections.io.validate import validate
    names = ["customer_id", "document_no", "due_date", "open_amount", "currency"]
    obj = pd.DataFrame([list(r) for r in rows] or None, columns=names, dtype=object)
    arrow = obj.astype("string[pyarrow]")
    a, ea = validate(obj, "open_items", file="f", sheet="s")
    b, eb = validate(arrow, "open_items", file="f", sheet="s")
    pd.testing.assert_frame_equal(a, b)
    assert ea == eb
