"""Whose sheet is it (CONTRACT §6 "Notes beside program tables", last rule): a user's own sheet
that carries a name the program owns is never overwritten — the run refuses and names it —
unless it is the program's (the hidden sheet-scoped name ``xlc_owned``), ``Aging History``
(adopted), or written by an earlier close the ``Audit Log`` records.  The template marks every
sheet the program writes; a book written before the marker (no ``xlc_owned``) keeps its
user cells and refuses those in the way of the new table instead of overwriting them."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from test_workbooks_notes import NS, add_cells, aging, cell, rewrite
from workbooks_kit import parts, rezip
from xl_collections.book import SheetOutput, TableBlock, open_book
from xl_collections.book.usercells import UserCellsInTheWay
from xl_collections.cli.dispatch import main
from xl_collections.cli.demo import build_demo_book
from xl_collections.close.steps import AUDIT_SHEET, CLOSE_SHEET, RESULT_SHEETS
from xl_collections.workbook.template import build_template


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def owned_names(path: Path) -> dict[str, str]:
    """Sheet -> its xlc_owned value."""
    wb = etree.fromstring(parts(path)["xl/workbook.xml"])
    sheets = [s.get("name") for s in wb.iter(f"{{{NS}}}sheet")]
    return {sheets[int(d.get("localSheetId"))]: d.text for d in wb.iter(f"{{{NS}}}definedName")
            if d.get("name") == "xlc_owned"}


def unmarked(path: Path, sheets=None) -> Path:
    """``path`` as a version before the marker wrote it: no xlc_owned (on ``sheets``, default all)."""
    root = etree.fromstring(parts(path)["xl/workbook.xml"])
    names = [s.get("name") for s in root.iter(f"{{{NS}}}sheet")]
    for d in list(root.iter(f"{{{NS}}}definedName")):
        if d.get("name") == "xlc_owned" and (sheets is None or names[int(d.get("localSheetId"))] in sheets):
            d.getparent().remove(d)
    tmp = path.with_name("unmarked.xlsm")
    rezip(path, tmp, {"xl/workbook.xml": etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                        standalone=True)})
    shutil.move(tmp, path)
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    _, path = build_demo_book(tmp_path_factory.mktemp("owner"), items=120, customers=10, seed=3)
    return path


@pytest.fixture(scope="module")
def closed(demo, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("owner_closed") / "book.xlsm"
    shutil.copy(demo, path)
    assert main(["close", str(path)]) == 0
    return path


@pytest.fixture
def copy(tmp_path):
    def make(src: Path) -> Path:
        p = tmp_path / "book.xlsm"
        shutil.copy(src, p)
        return p
    return make


# ---- the template marks what it made --------------------------------------------------------------

def test_the_template_marks_every_sheet_the_program_writes(tmp_path):
    book = build_template(tmp_path / "my_close.xlsm")
    owned = owned_names(book)
    assert set(owned) == {CLOSE_SHEET, *RESULT_SHEETS, AUDIT_SHEET}
    assert owned[AUDIT_SHEET].startswith("'Audit Log'!$A$1:$")          # its header row
    assert owned[CLOSE_SHEET].startswith("'Close'!$A$")                  # notes and checklist
    assert "xlc_owned" not in open_book(book).named_values()


def test_a_demo_book_closes_twice_and_stays_marked(closed, copy):
    path = copy(closed)
    assert set(owned_names(path)) >= {CLOSE_SHEET, "Aging", AUDIT_SHEET}
    assert main(["close", str(path)]) == 0


# ---- a user's sheet under a program sheet's name --------------------------------------------------

@pytest.mark.parametrize("sheet", ["Worklist", "Aging", "Dunning"])
def test_a_users_own_sheet_named_like_a_program_sheet_is_refused_and_named(sheet, demo, copy, capsys):
    """An old book with a hand-made sheet of that name (no marker, no earlier close, no table of ours)."""
    path = unmarked(copy(demo), {sheet})
    add_cells(path, sheet, {"A1": "my own call list", "B3": "ring Bob", "C7": 1234})
    before = sha(path)
    capsys.readouterr()
    assert main(["close", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"'{sheet}'" in err and "is your own" in err and "Traceback" not in err
    assert "Nothing was written" in err
    assert sha(path) == before


def test_a_users_sheet_is_refused_also_when_only_its_step_runs(demo, copy, capsys):
    path = unmarked(copy(demo), {"Aging"})
    add_cells(path, "Aging", {"B2": "my aging"})
    before = sha(path)
    assert main(["close", str(path), "--steps", "aging"]) == 1
    assert "'Aging'" in capsys.readouterr().err
    assert sha(path) == before


def test_a_users_sheet_the_run_does_not_write_is_no_reason_to_refuse(demo, copy):
    path = unmarked(copy(demo), {"Dunning"})
    add_cells(path, "Dunning", {"B2": "my letters"})
    assert main(["close", str(path), "--steps", "aging"]) == 0
    assert cell(path, "Dunning", "B2") == "my letters"


# ---- books written before the marker --------------------------------------------------------------

def test_a_template_book_from_before_the_marker_closes(demo, copy):
    """Made by a template that did not mark its sheets, never closed: Close and Audit Log carry the
    program's layout, the result sheets are empty, Aging History holds the user's months."""
    path = unmarked(copy(demo))
    assert owned_names(path) == {}
    assert main(["close", str(path)]) == 0
    assert set(owned_names(path)) >= {CLOSE_SHEET, "Aging", "Aging History", AUDIT_SHEET}


def test_a_closed_book_from_before_the_marker_is_the_programs_and_gets_marked(closed, copy):
    path = unmarked(copy(closed))
    assert main(["close", str(path)]) == 0
    assert set(owned_names(path)) >= {CLOSE_SHEET, "Aging", "Commentary", "Worklist", AUDIT_SHEET}


def test_an_earlier_close_in_the_audit_log_makes_a_sheet_the_programs(closed, copy):
    """No marker and no table of ours on Worklist (say Excel converted it to a range), but the
    Audit Log records the worklist step of an earlier close: the sheet is the program's."""
    path = unmarked(copy(closed), {"Worklist"})
    xml = parts(path)
    renamed = {n: d.replace(b'"tblWorklist"', b'"tblMyCalls"') for n, d in xml.items()
               if n.startswith("xl/tables/") and b'"tblWorklist"' in d}
    assert renamed
    tmp = path.with_name("renamed.xlsm")
    rezip(path, tmp, renamed)
    shutil.move(tmp, path)
    assert main(["close", str(path)]) == 0
    assert "Worklist" in owned_names(path)


def test_an_unmarked_sheet_keeps_a_note_and_refuses_a_cell_in_the_new_tables_way(tmp_path):
    """Gap: a sheet written before the marker took every cell where the new table goes as the
    program's old output and overwrote it.  Only the old tables, their titles and the note lines
    are the program's; a user's cell in the new table's way refuses the save, naming it."""
    from test_workbooks_notes import QUICKSTART
    p = tmp_path / "Collections.xlsm"
    shutil.copy(QUICKSTART, p)
    p.chmod(0o644)
    rewrite(p, aging(5))
    unmarked(p)
    add_cells(p, "Aging", {"E20": "my note where the new block goes", "H2": "a note", "A14": "between"})
    before = sha(p)
    df = pd.DataFrame({"k": ["a", "b"]})
    two = SheetOutput("Aging", [aging(5).blocks[0], TableBlock(df, table_name="tblMore", start_row=19, start_col=5)],
                      notes=aging(5).notes)
    book = open_book(p)
    book.write_sheet(two)
    with pytest.raises(UserCellsInTheWay, match="E20"):
        book.save()
    book.close()
    assert sha(p) == before


def test_an_unmarked_sheet_keeps_the_users_notes_as_the_table_grows(tmp_path):
    from test_workbooks_notes import QUICKSTART
    p = tmp_path / "Collections.xlsm"
    shutil.copy(QUICKSTART, p)
    p.chmod(0o644)
    rewrite(p, aging(5))
    unmarked(p)
    add_cells(p, "Aging", {"H2": "a note", "A14": "below", "D5": "beside"})
    rewrite(p, aging(7))
    assert cell(p, "Aging", "H2") == "a note" and cell(p, "Aging", "A16") == "below"
    assert cell(p, "Aging", "D5") == "beside"
    assert "Aging" in owned_names(p)
