"""The worklist close step on the demo workbook: its three sheets, and the user's columns on
``Disputes`` surviving re-runs, re-sorting, inserted rows and cases that closed."""
from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from xl_collections.book import open_book
from xl_collections.close.pipeline import DONE, run_close
from xl_collections.collect.sheets import DISPUTES_SHEET, read_disputes
from xl_collections.collect.step import run as run_step
from xl_collections.cli.demo import build_demo_book
from xl_collections.core.headers import contract_name, human_header


def close_and_step(path):
    """The whole close (the worklist step is its last): the state and the step's result."""
    book = open_book(path)
    report = run_close(book)
    book.save()
    return report.state, report.state.steps["worklist"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("collect")
    _, path = build_demo_book(d, items=400, seed=5)
    state, res = close_and_step(path)
    return d, path, state, res


def disputes(path):
    return read_disputes(open_book(path).read_sheet(DISPUTES_SHEET))


def test_three_sheets_with_their_tables(demo):
    _, path, state, res = demo
    book = open_book(path)
    assert {"Worklist", "Promises", "Disputes"} <= set(book.sheet_names())
    work = book.read_table("tblWorklist")
    coll = state.results["collections"]
    assert work["customer_id"].tolist() == coll.worklist["customer_id"].tolist()
    assert work["rank"].tolist() == list(range(1, len(work) + 1))
    assert len(book.read_table("tblPromises")) == len(coll.promises)
    by = book.read_table("tblWorklistByCollector")
    assert int(by["customers"].sum()) == len(work)
    d = disputes(path)
    assert d["case_id"].tolist() == coll.disputes["case_id"].tolist()
    assert {"resolution", "resolved_on", "resolution_note"} <= set(d.columns)
    assert res.rows == len(work) and res.status == DONE


def test_a_rerun_writes_the_same_cells(demo, tmp_path):
    _, path, _, _ = demo
    again = tmp_path / "again.xlsm"
    shutil.copy(path, again)
    close_and_step(again)
    for sheet in ("Worklist", "Promises", "Disputes"):
        a = open_book(path).read_sheet(sheet)
        b = open_book(again).read_sheet(sheet)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_user_columns_survive_rerun_resort_inserted_rows_and_closed_cases(demo, tmp_path):
    _, src, state, _ = demo
    path = tmp_path / "book.xlsm"
    shutil.copy(src, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[DISPUTES_SHEET]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == human_header("case_id"))
    header = {contract_name(c.value): c.column for c in ws[head] if c.value}
    last = head + 1
    while ws.cell(last + 1, 1).value:
        last += 1
    cases = {ws.cell(r, 1).value: r for r in range(head + 1, last + 1)}
    ids = list(cases)
    a, b, c = ids[0], ids[1], ids[-1]
    ws.cell(cases[a], header["resolution"]).value = "credit issued"
    ws.cell(cases[a], header["resolution_note"]).value = "CM 4711 approved by sales"
    new_col = max(header.values()) + 1               # the user's own column, right of the table
    ws.cell(head, new_col).value = "Ticket"
    ws.cell(cases[c], new_col).value = "TCK-9"
    # re-sort: reverse the rows (whole rows, the user's column too)
    width = new_col
    values = [[ws.cell(r, k).value for k in range(1, width + 1)] for r in range(head + 1, last + 1)]
    for i, row in enumerate(reversed(values)):
        for k, v in enumerate(row, start=1):
            ws.cell(head + 1 + i, k).value = v
    row_b = next(r for r in range(head + 1, last + 1) if ws.cell(r, 1).value == b)
    ws.cell(row_b, new_col).value = "=HYPERLINK(\"x\")"
    ws.cell(row_b, new_col).data_type = "s"          # text the user typed (with a leading apostrophe)
    ws.insert_rows(head + 3)                          # a blank row inserted inside the table
    wb.save(path)

    close_and_step(path)
    d = disputes(path).set_index("case_id")
    assert d.at[a, "resolution"] == "credit issued" and d.at[a, "resolution_note"] == "CM 4711 approved by sales"
    assert d.at[a, "status"] == "RESOLVED" and d.at[a, "sla_breached"] == "FALSE"
    assert d.at[b, "Ticket"] == "=HYPERLINK(\"x\")" and d.at[c, "Ticket"] == "TCK-9"
    assert list(d.index) == state.results["collections"].disputes["case_id"].tolist()   # program order again
    # formulas from data stay text
    wb = openpyxl.load_workbook(path)
    ws = wb[DISPUTES_SHEET]
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)
               and cell.value.startswith("=HYPERLINK"))

    # the item of case c is paid and gone: the case stays, CLOSED, with the user's ticket
    book = open_book(path)
    doc = c.removeprefix("DSP-")
    report = run_close(book)
    st = report.state
    st.tables["open_items"] = st.tables["open_items"][st.tables["open_items"]["document_no"] != doc]
    st.results.clear()
    res = run_step(st)
    for out in res.outputs:
        book.write_sheet(out)
    book.save()
    d = disputes(path).set_index("case_id")
    assert d.at[c, "status"] == "CLOSED" and d.at[c, "Ticket"] == "TCK-9"
    assert d.at[a, "resolution"] == "credit issued"


from hypothesis import given as _given, settings as _settings, strategies as _st  # noqa: E402

_user_cell = _st.one_of(_st.none(), _st.just(""), _st.just("  "), _st.just("note"), _st.just(float("nan")),
                        _st.integers(0, 3), _st.just(pd.NaT))


@_settings(max_examples=120, deadline=None)
@_given(_st.lists(_st.lists(_user_cell, min_size=4, max_size=4), max_size=8),
        _st.sampled_from([["case_id", "resolution", "owner", "x"], ["case_id", "x", "x", "resolution"],
                          ["case_id", "status", "amount", "kind"]]))
def test_rows_with_user_cells_are_those_of_the_row_wise_check(rows, names):
    from xl_collections.collect.sheets import _any_user_cell, _blank, user_columns

    prev = pd.DataFrame(rows, columns=range(4), dtype=object)
    prev.columns = names
    ucols = user_columns(prev)
    got = _any_user_cell(prev, ucols)
    if any(c in prev.columns for c in ucols):
        want = prev[[c for c in ucols if c in prev.columns]].apply(lambda r: any(not _blank(v) for v in r), axis=1)
    else:
        want = pd.Series(False, index=prev.index)
    if len(prev):
        assert got.tolist() == want.tolist() and got.index.equals(want.index)
    else:
        assert type(got) is type(want) and len(got) == len(want) == 0
