"""The ``Statements`` button of the Collections tab (``xlc_statement``): statements of account
from the workbook for the selected customers, else all with open items, net of the cash the
book applied, written beside the book and never into it."""
from __future__ import annotations

import pytest

from xl_collections.close import pipeline as close_mod
from xl_collections import macros
from xl_collections.book import open_book
from xl_collections.cashapp.step import open_items_after
from xl_collections.cli.demo import build_demo_book
from xl_collections.dunning.book_statements import selected_customer_ids
from xl_collections.core.errors import InputErrors


@pytest.fixture(scope="module")
def book_path(tmp_path_factory):
    _, path = build_demo_book(tmp_path_factory.mktemp("statements"), items=200, customers=14, seed=21)
    return path


def _folder(path, as_of):
    return path.parent / f"{path.stem} letters" / as_of.isoformat() / "statements"


def test_selected_ids_are_the_known_ones_in_order_once():
    grid = [["C001", "Acme Ltd", 1250.5], ["C007", "Bolt", None], ["C001", "Acme Ltd", 3.0], [1001.0, "TOTAL", 9]]
    assert selected_customer_ids(grid, {"C001", "C007", "1001"}) == ["C001", "C007", "1001"]
    assert selected_customer_ids("C007", {"C007"}) == ["C007"]
    assert selected_customer_ids([[None, 12.0, "Bolt"]], {"C007"}) == []
    assert selected_customer_ids(None, {"C007"}) == []


def test_the_selected_customers_get_statements_and_the_book_is_not_written(book_path):
    with open_book(book_path) as book:
        state = close_mod.read_state(book)
        ids = sorted(set(state.tables["open_items"]["customer_id"]))[:2]
        book.selected_values = lambda: [[ids[1], "a name", 120.0], [ids[0], "another", 5.0]]
        run = macros.customer_statements(book, formats=("xlsx",))
        assert book.pending == {}                     # no sheet of the book changes
    assert [s.customer_id for s in run.statements] == [ids[1], ids[0]]
    assert sorted(p.name for p in run.folder.iterdir()) == sorted(f"{c}.xlsx" for c in ids)
    assert run.folder == _folder(book_path, run.statements[0].as_of)


def test_statements_show_the_open_items_after_the_cash_the_book_applied(book_path):
    with open_book(book_path) as book:
        state = close_mod.read_state(book)
        before = state.tables["open_items"].groupby("customer_id")["open_amount"].sum()
        after = open_items_after(state).groupby("customer_id")["open_amount"].sum()
        paid = [c for c in before.index if before[c] != after.get(c, 0)]
        assert paid, "the demo book applies some cash"
        run = macros.customer_statements(book, customer_ids=paid[:3], formats=("xlsx",))
    for st in run.statements:
        assert int(st.items["open_amount"].sum()) == int(after[st.customer_id]) != int(before[st.customer_id])


def test_an_unknown_customer_is_refused_and_nothing_is_written(tmp_path):
    _, path = build_demo_book(tmp_path, items=60, customers=5, seed=4)
    with open_book(path) as book, pytest.raises(InputErrors) as e:
        macros.customer_statements(book, customer_ids=["NOPE-1"], formats=("xlsx",))
    assert "NOPE-1" in str(e.value)
    assert not (path.parent / f"{path.stem} letters").exists()


def test_nothing_selected_means_every_customer_with_open_items(book_path):
    with open_book(book_path) as book:
        run = macros.customer_statements(book, formats=("docx",))
        state = close_mod.read_state(book)
    with_items = set(open_items_after(state)["customer_id"])
    assert {s.customer_id for s in run.statements} == with_items
    assert {p.stem for p in run.folder.glob("*.docx")} >= with_items


def test_excels_selection_is_read_as_values_and_a_failure_as_nothing():
    from xl_collections.book.live import LiveBook

    class Sel:
        def options(self, ndim=None):
            assert ndim == 2
            return type("V", (), {"value": [["C2", "Bolt", 5.0]]})()

    class Book:
        fullname, app, sheets, names = "/tmp/x.xlsm", None, [], []
        selection = Sel()

    assert LiveBook(Book()).selected_values() == [["C2", "Bolt", 5.0]]

    class Charted(Book):
        @property
        def selection(self):
            raise RuntimeError("a chart is selected")

    assert LiveBook(Charted()).selected_values() == []
    Book.selection = None
    assert LiveBook(Book()).selected_values() == []
