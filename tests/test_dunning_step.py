"""The dunning close step on the demo workbook: letters proposed at every level, the user's
``approve`` column, approved letters written beside the book and added to Dunning History."""
from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from xl_collections.book import open_book
from xl_collections.close.pipeline import DONE, run_close
from xl_collections.cli.demo import build_demo_book
from xl_collections.dunning.sheets import DUNNING_SHEET, read_approvals
from xl_collections.core.headers import contract_name, human_header


def close(path, steps=None):
    book = open_book(path)
    report = run_close(book, steps=steps)
    book.save()
    return report


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("dunning")
    demo, path = build_demo_book(d, items=600, seed=11)      # with its Dunning History sheet
    report = close(path)
    return d, path, demo, report


def proposed(path) -> pd.DataFrame:
    return open_book(path).read_table("tblDunning")


def test_the_demo_close_proposes_every_level(demo):
    _, path, _, report = demo
    assert report.state.steps["dunning"].status == DONE
    letters = proposed(path)
    assert set(letters["level"].astype(int)) == {1, 2, 3, 4}
    assert letters["letter_id"].str.endswith("_2026-10-31").all()
    prop = report.state.results["dunning"]
    assert len(letters) == len(prop.to_send)
    held = open_book(path).read_table("tblDunningHeld")
    assert len(held) == len(prop.customers) - len(prop.to_send) and held["why"].str.len().gt(0).all()
    # the customers' languages pick the words: Spanish and Portuguese customers are in the demo
    assert {"ES", "PT"} <= set(letters["language"])


def test_approved_letters_are_written_beside_the_book_and_recorded(demo, tmp_path):
    d, src, _, _ = demo
    path = tmp_path / "collections_demo.xlsm"
    shutil.copy(src, path)
    before = open_book(path).read_table("tblDunningHistory")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[DUNNING_SHEET]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == human_header("letter_id"))
    header = {contract_name(c.value): c.column for c in ws[head] if c.value}
    rows = list(range(head + 1, head + 4))
    picked = {ws.cell(r, 1).value: ws.cell(r, header["customer_id"]).value for r in rows}
    marks = ["TRUE", "x", "yes"]
    for r, mark in zip(rows, marks):
        ws.cell(r, header["approve"]).value = mark
    ws.cell(head + 4, header["approve"]).value = "no"
    wb.save(path)
    assert read_approvals(open_book(path).read_sheet(DUNNING_SHEET))[ws.cell(rows[0], 1).value] == "TRUE"

    report = close(path, steps="dunning")
    folder = tmp_path / "collections_demo letters" / "2026-10-31"
    made = sorted(p.name for p in folder.iterdir())
    expected = sorted(f"{lid.rsplit('_', 1)[0]}.{ext}" for lid in picked for ext in ("pdf", "docx", "eml"))
    assert made == expected
    history = open_book(path).read_table("tblDunningHistory")
    assert len(history) == len(before) + 3
    new = history.iloc[len(before):]
    assert sorted(new["customer_id"]) == sorted(picked.values())
    assert new["file"].str.startswith("collections_demo letters/2026-10-31/").all()
    letters = proposed(path).set_index("letter_id")
    for lid in picked:
        assert letters.at[lid, "approve"] in ("TRUE", "x", "yes")
        assert letters.at[lid, "letter_file"].endswith(".pdf")
    assert report.state.steps["dunning"].message.endswith("approved letters written to collections_demo letters/2026-10-31/")

    # a second run the same day: the history holds them back, nothing is written again
    for p in folder.iterdir():
        p.unlink()
    close(path, steps="dunning")
    assert not any(folder.iterdir())
    assert len(open_book(path).read_table("tblDunningHistory")) == len(before) + 3
    held = open_book(path).read_table("tblDunningHeld").set_index("customer_id")
    assert set(held.loc[list(picked.values()), "blocked_reason"]) == {"INTERVAL"}
