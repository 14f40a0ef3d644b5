"""User columns beside a keyed program table travel with their row's key across runs
(CONTRACT §6 "Notes beside program tables"), in the headless and the live writer."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.book import SheetOutput, TableBlock, open_book
from xl_collections.book.base import contract_headers
from xl_collections.book.live import LiveBook
from xl_collections.book.usercols import GONE_TITLE, keep_user_columns
from xl_collections.core.headers import contract_name

NOTES = ("Dunning proposals", "approve = YES sends the letter")


def proposals(ids, amounts=None, **extra):
    df = pd.DataFrame({"customer_id": ids, "level": [1] * len(ids),
                       "amount_overdue": amounts or [1000 * (i + 1) for i in range(len(ids))], **extra})
    df.attrs = {"money": ["amount_overdue"], "currency": "USD"}
    return df


def output(df, key="customer_id", **kw):
    return SheetOutput("Dunning", [TableBlock(df, table_name="tblDunning", key=key, **kw)], notes=NOTES)


@pytest.fixture
def book_path(tmp_path) -> Path:
    p = tmp_path / "b.xlsm"
    shutil.copy(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm", p)
    return p


def write(path, out):
    b = open_book(path)
    b.write_sheet(out)
    b.save()


def table(path, name="Dunning"):
    """The sheet's keyed table back: header row is the one starting with "Customer" (shown for
    customer_id); columns by their contract names."""
    ws = openpyxl.load_workbook(path)[name]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    h = next(i for i, r in enumerate(rows) if r[0] == "Customer")
    head = [c for c in rows[h] if c is not None]
    body = []
    for r in rows[h + 1:]:
        if all(v is None for v in r[:len(head)]):
            break
        body.append(r[:len(head)])
    return pd.DataFrame(body, columns=[contract_name(c) for c in head]), rows, h


def type_beside(path, values: dict, header="approve", sheet="Dunning", gap=0):
    """The user types a header right of the table and values on some customers' rows."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[sheet]
    h = next(c.row for c in ws["A"] if c.value == "Customer")      # the human header
    col = max(c.column for c in ws[h] if c.value is not None) + 1 + gap
    ws.cell(h, col).value = header
    for r in range(h + 1, ws.max_row + 1):
        cid = ws.cell(r, 1).value
        if cid in values:
            ws.cell(r, col).value = values[cid]
            if str(values[cid]).startswith("="):
                ws.cell(r, col).data_type = "s"       # text the user typed with a leading apostrophe
    wb.save(path)


def test_a_user_column_travels_with_its_key_when_rows_reorder(book_path):
    write(book_path, output(proposals(["C1", "C2", "C3"])))
    type_beside(book_path, {"C1": "YES", "C3": "no - call first"})
    type_beside(book_path, {"C2": "=SUM(A1:A9)"}, header="Comment")
    write(book_path, output(proposals(["C3", "C4", "C1", "C2"])))          # re-ordered, one new
    df, _, _ = table(book_path)
    # the user's "Comment" shows as it was typed; it is also the words shown for ``comment``
    assert list(df.columns) == ["customer_id", "level", "amount_overdue", "approve", "comment"]
    got = df.set_index("customer_id")
    assert got.at["C1", "approve"] == "YES" and got.at["C3", "approve"] == "no - call first"
    assert pd.isna(got.at["C4", "approve"])
    assert got.at["C2", "comment"] == "=SUM(A1:A9)"                      # text, never a formula
    with open_book(book_path) as b:
        assert "approve" in b.read_table("tblDunning").columns            # inside the Excel table now
    write(book_path, output(proposals(["C1", "C3"])))                     # third run: still there
    assert table(book_path)[0].set_index("customer_id").at["C3", "approve"] == "no - call first"


def test_rows_whose_key_left_keep_their_notes_below_and_get_them_back(book_path):
    write(book_path, output(proposals(["C1", "C2"])))
    type_beside(book_path, {"C2": "promised Friday"}, header="note")
    write(book_path, output(proposals(["C1"])))
    df, rows, h = table(book_path)
    assert df["customer_id"].tolist() == ["C1"] and df["note"].isna().all()
    t = next(i for i, r in enumerate(rows) if r[0] == GONE_TITLE)
    assert rows[t + 1][:2] == ["Customer", "Note"] and rows[t + 2][:2] == ["C2", "promised Friday"]
    write(book_path, output(proposals(["C1"])))                           # still gone: still kept, once
    _, rows, _ = table(book_path)
    assert sum(r[0] == "C2" for r in rows) == 1
    write(book_path, output(proposals(["C2", "C1"])))                     # back: the note returns
    df, rows, _ = table(book_path)
    assert df.set_index("customer_id").at["C2", "note"] == "promised Friday"
    assert not any(r[0] == GONE_TITLE for r in rows)


def test_composite_key_and_ids_that_look_like_numbers(book_path):
    apps = pd.DataFrame({"payment_id": ["00123", "00123", "77"], "document_no": ["INV1", "INV2", "INV1"],
                         "applied_amount": [100, 200, 300]})
    apps.attrs = {"money": ["applied_amount"], "currency": "USD"}
    out = SheetOutput("Cash App", [TableBlock(apps, table_name="tblCashApp", key=("payment_id", "document_no"))])
    write(book_path, out)
    wb = openpyxl.load_workbook(book_path, keep_vba=True)
    ws = wb["Cash App"]
    ws["D1"] = "decision"
    ws["D3"] = "REJECT"         # 00123 / INV2
    ws["D4"] = "ACCEPT"         # 77 / INV1
    ws["A4"] = 77               # the user retyped the id: a number now
    wb.save(book_path)
    write(book_path, SheetOutput("Cash App", [TableBlock(apps.iloc[::-1].reset_index(drop=True), table_name="tblCashApp",
                                                         key=("payment_id", "document_no"))]))
    with open_book(book_path) as b:
        got = b.read_table("tblCashApp")
    assert list(zip(got["payment_id"].astype(str), got["document_no"], got["decision"])) == [
        ("77", "INV1", "ACCEPT"), ("00123", "INV2", "REJECT"), ("00123", "INV1", None)]


def test_program_columns_and_cells_past_a_blank_header_are_not_user_columns(book_path):
    write(book_path, output(proposals(["C1"], interest=[5]), program_columns=("interest",)))
    type_beside(book_path, {"C1": "far away"}, header="Scratch", gap=1)      # one blank column between
    write(book_path, output(proposals(["C1"]), program_columns=("interest",)))  # interest not computed now
    ws = openpyxl.load_workbook(book_path)["Dunning"]
    t = ws.tables["tblDunning"]
    assert [c.name for c in t.tableColumns] == ["Customer", "Level", "Amount Overdue"]
    # the cells past the blank column are the user's notes: kept where they are, outside the table
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert any("Scratch" in r for r in rows) and any("far away" in r for r in rows)


def test_no_previous_sheet_or_no_key_changes_nothing():
    out = output(proposals(["C1"]))
    assert keep_user_columns(out, None) == (out, set())
    plain = SheetOutput("KPIs", [TableBlock(pd.DataFrame({"kpi": ["DSO"]}))])
    grid = pd.DataFrame([["kpi", "mine"], ["DSO", "x"]], index=[1, 2])
    assert keep_user_columns(plain, grid) == (plain, set())


def test_the_carried_cells_are_reported_for_the_notes_keeper():
    grid = pd.DataFrame([["customer_id", "level", "amount_overdue", "approve"], ["C1", 1, 10.0, "YES"]], index=[1, 2])
    out, cells = keep_user_columns(SheetOutput("Dunning", [TableBlock(proposals(["C1"]), key="customer_id")]), grid)
    assert cells == {(1, 3), (2, 3)}
    assert out.blocks[0].df["approve"].tolist() == ["YES"]


def test_the_live_writer_carries_user_columns_too(monkeypatch):
    from test_book_live import FakeBook

    from xl_collections.book import as_workbook

    xb = FakeBook()
    book = as_workbook(xb)
    assert isinstance(book, LiveBook)

    def read_sheet(self, name):
        cells = xb.sheets[name].cells_
        rows, cols = max(r for r, _ in cells), max(c for _, c in cells)
        data = [[cells.get((r, c)) for c in range(1, cols + 1)] for r in range(1, rows + 1)]
        grid = pd.DataFrame(data, index=range(1, rows + 1))   # its table's header row read as contract names:
        return contract_headers(grid, [(r, 0, cols - 1) for r in grid.index if grid.at[r, 0] == "Customer"])
    monkeypatch.setattr(LiveBook, "read_sheet", read_sheet)
    book.write_sheet(output(proposals(["C1", "C2"])))
    sheet = xb.sheets["Dunning"]
    h = next(r for (r, c), v in sheet.cells_.items() if v == "Customer")
    sheet.cells_[(h, 4)] = "approve"
    sheet.cells_[(h + 2, 4)] = "YES"                   # on C2's row
    book.write_sheet(output(proposals(["C2", "C1"])))
    assert sheet.cells_[(h, 4)] == "Approve" and sheet.cells_[(h + 1, 1)] == "C2" and sheet.cells_[(h + 1, 4)] == "YES"


def _grid(rows: list[list]) -> pd.DataFrame:
    width = max(len(r) for r in rows)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], index=range(1, len(rows) + 1), dtype=object)


@settings(max_examples=150, deadline=None)
@given(before=st.lists(st.sampled_from([f"C{i:03d}" for i in range(30)]), min_size=1, max_size=12, unique=True),
       after=st.lists(st.sampled_from([f"C{i:03d}" for i in range(30)]), max_size=12, unique=True),
       notes=st.dictionaries(st.sampled_from([f"C{i:03d}" for i in range(30)]),
                             st.one_of(st.text(min_size=1, max_size=8).filter(str.strip), st.integers(1, 10**6)),
                             max_size=12))
def test_every_note_lands_on_its_key_or_in_the_kept_list(before, after, notes):
    """Whatever the program lists now, each user value of the last sheet is written exactly
    once: on the row of its key, or in the list of rows no longer in the results."""
    notes = {k: v for k, v in notes.items() if k in before}
    rows = [["Dunning proposals"], [], ["customer_id", "level", "approve"]]
    rows += [[k, 1, notes.get(k)] for k in before]
    out, cells = keep_user_columns(output(proposals(after)), _grid(rows))
    placed = {}
    for b in out.blocks:
        if "approve" in b.df.columns:
            for k, v in zip(b.df["customer_id"], b.df["approve"]):
                if v is not None:
                    assert k not in placed
                    placed[k] = v
    assert placed == notes
    main = out.blocks[0].df
    assert main["customer_id"].tolist() == after                   # the program's rows, in its order
    if notes:
        assert set(main.columns) == {"customer_id", "level", "amount_overdue", "approve"}
        assert (3, 2) in cells and all(r > 3 for r, c in cells - {(3, 2)})
    gone = [b for b in out.blocks if b.title == GONE_TITLE]
    assert bool(gone) == bool(set(notes) - set(after))
