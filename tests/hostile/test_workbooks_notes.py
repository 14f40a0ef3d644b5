"""Notes a user typed beside or below a program table (CONTRACT §6 "Notes beside program
tables"): kept on every rewrite, moved down or right by the table's growth, and a run refused
before writing when a note sits where the program's table now goes."""
from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlwings
from lxml import etree

from workbooks_kit import parts, rezip
from xl_collections.book import SheetOutput, TableBlock, open_book
from xl_collections.book.usercells import UserCellsInTheWay
from xl_collections.cli.dispatch import main
from xl_collections.cli.demo import build_demo_book
from xl_collections.io.sources import sheet_part

QUICKSTART = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def aging(n: int, extra_cols: int = 0) -> SheetOutput:
    data = {"customer_id": [f"C{i}" for i in range(n)], "total_open": [100 * i for i in range(n)]}
    for k in range(extra_cols):
        data[f"extra{k}"] = ["x"] * n
    df = pd.DataFrame(data)
    df.attrs["money"] = ["total_open"]
    return SheetOutput("Aging", [TableBlock(df, table_name="tblAging")], notes=("Aging as of 2026-10-31",))


def add_cells(path: Path, sheet: str, cells: dict[str, object]) -> None:
    """Type values into a sheet as Excel would store them (text inline, numbers, formulas as '=...')."""
    with zipfile.ZipFile(path) as z:
        part = sheet_part(z, sheet, binary=False)
    root = etree.fromstring(parts(path)[part])
    data = root.find(f"{{{NS}}}sheetData")
    for ref, value in cells.items():
        letters = "".join(ch for ch in ref if ch.isalpha())
        rnum = int(ref[len(letters):])
        row = next((r for r in data if int(r.get("r")) == rnum), None)
        if row is None:
            row = etree.Element(f"{{{NS}}}row", r=str(rnum))
            later = [r for r in data if int(r.get("r")) > rnum]
            (later[0].addprevious(row) if later else data.append(row))
        c = etree.Element(f"{{{NS}}}c", r=ref)
        if isinstance(value, str) and value.startswith("="):
            etree.SubElement(c, f"{{{NS}}}f").text = value[1:]
        elif isinstance(value, str):
            c.set("t", "inlineStr")
            etree.SubElement(etree.SubElement(c, f"{{{NS}}}is"), f"{{{NS}}}t").text = value
        else:
            etree.SubElement(c, f"{{{NS}}}v").text = str(value)
        key = lambda e: (len("".join(ch for ch in e.get("r") if ch.isalpha())), e.get("r"))   # noqa: E731
        cols = sorted([*row, c], key=key)
        for e in list(row):
            row.remove(e)
        row.extend(cols)
    tmp = path.with_name("edited.xlsm")
    rezip(path, tmp, {part: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)})
    shutil.move(tmp, path)


def cell(path: Path, sheet: str, ref: str):
    grid = open_book(path).read_sheet(sheet)
    letters = "".join(ch for ch in ref if ch.isalpha())
    r, c = int(ref[len(letters):]), 0
    for ch in letters:
        c = c * 26 + ord(ch) - 64
    return grid.iat[r - 1, c - 1] if r <= len(grid) and c <= grid.shape[1] else None


def rewrite(path: Path, out: SheetOutput) -> None:
    book = open_book(path)
    book.write_sheet(out)
    book.save()
    book.close()


@pytest.fixture
def book(tmp_path) -> Path:
    p = tmp_path / "Collections.xlsm"
    shutil.copy(QUICKSTART, p)
    p.chmod(0o644)
    rewrite(p, aging(5))          # the table: header on row 3, A3:B8; the note line in A1
    return p


# the table is A3:B8 (header row 3, five rows); (note cell, table after, where the note must be)
PLACEMENTS = {
    "right of the table, same size": ("D5", aging(5), "D5"),
    "right of the table, two more rows": ("D5", aging(7), "D5"),
    "right of the table, a column more": ("D5", aging(5, 1), "E5"),
    "right of the table, three columns more": ("C4", aging(5, 3), "F4"),
    "a blank row below the table, two more rows": ("A10", aging(7), "A12"),
    "right below the table in its second column": ("B9", aging(7), "B11"),
    "below the table, ten more rows": ("B12", aging(15), "B22"),
    "below the table, table shrinks": ("A10", aging(2), "A10"),
    "below and right, table grows both ways": ("C9", aging(8, 1), "C12"),
    "far away": ("Z100", aging(50), "Z100"),
    "above the table beside the note line": ("D1", aging(9), "D1"),
    "row 2 between note and table": ("C2", aging(5, 2), "C2"),
}


@pytest.mark.parametrize("case", sorted(PLACEMENTS))
def test_a_note_is_kept_where_it_belongs(case, book):
    ref, after, expected = PLACEMENTS[case]
    add_cells(book, "Aging", {ref: "call Bob before paying"})
    rewrite(book, after)
    assert cell(book, "Aging", expected) == "call Bob before paying"
    if expected != ref:
        assert cell(book, "Aging", ref) != "call Bob before paying"


def test_numbers_and_formulas_beside_the_table_are_kept(book):
    add_cells(book, "Aging", {"D4": 42, "D5": "=1+2", "E4": "text"})
    rewrite(book, aging(6))
    with zipfile.ZipFile(book) as z:
        xml = z.read(sheet_part(z, "Aging", binary=False))
    assert b"<f>1+2</f>" in xml
    assert cell(book, "Aging", "D4") == 42 and cell(book, "Aging", "E4") == "text"


def test_notes_survive_several_rewrites(book):
    add_cells(book, "Aging", {"D4": "keep me", "A10": "below"})
    for n in (6, 8, 4, 8):
        rewrite(book, aging(n))
    assert cell(book, "Aging", "D4") == "keep me"
    assert cell(book, "Aging", "A17") == "below"          # moved by each growth: 5 -> 6 -> 8 (+3), 8 -> 4 (stays), 4 -> 8 (+4)


def test_a_note_where_a_new_block_goes_refuses_before_writing(book):
    add_cells(book, "Aging", {"E20": "mine"})
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    df = pd.DataFrame({"k": ["a", "b"]})
    out = SheetOutput("Aging", [aging(5).blocks[0], TableBlock(df, table_name="tblMore", start_row=19, start_col=5)],
                      notes=aging(5).notes)
    b = open_book(book)
    b.write_sheet(out)
    with pytest.raises(UserCellsInTheWay, match=r"'Aging': your cells E20 sit where the program now writes"):
        b.save()
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before


# ---- through a real close: Commentary, Aging and Cash App ----------------------------------------------

@pytest.fixture(scope="module")
def closed_demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("notes")
    _, path = build_demo_book(d, items=120, customers=10, seed=3)
    assert main(["close", str(path)]) == 0
    return path


@pytest.mark.parametrize("sheet", ["Commentary", "Aging", "Cash App", "KPIs", "Recon"])
def test_notes_beside_program_sheets_survive_a_close(sheet, closed_demo, tmp_path):
    path = tmp_path / "book.xlsm"
    shutil.copy(closed_demo, path)
    grid = open_book(path).read_sheet(sheet)
    far_col = grid.shape[1] + 3
    letters = ""
    n = far_col
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    add_cells(path, sheet, {f"{letters}2": f"my note on {sheet}"})
    assert main(["close", str(path)]) == 0
    after = open_book(path).read_sheet(sheet)
    found = [(r, c) for r in after.index for c in after.columns if after.at[r, c] == f"my note on {sheet}"]
    assert len(found) == 1


def test_what_the_program_wrote_is_recorded_in_a_hidden_sheet_scoped_name(book):
    wb = etree.fromstring(parts(book)["xl/workbook.xml"])
    names = [d for d in wb.iter(f"{{{NS}}}definedName") if d.get("name") == "xlc_owned"]
    sheets = [s.get("name") for s in wb.iter(f"{{{NS}}}sheet")]
    assert len(names) == 1 and names[0].get("hidden") == "1"
    assert sheets[int(names[0].get("localSheetId"))] == "Aging"
    assert names[0].text == "'Aging'!$A$3:$B$8,'Aging'!$A$1"
    rewrite(book, aging(9))                                 # replaced, not added twice
    wb = etree.fromstring(parts(book)["xl/workbook.xml"])
    names = [d.text for d in wb.iter(f"{{{NS}}}definedName") if d.get("name") == "xlc_owned"]
    assert names == ["'Aging'!$A$3:$B$12,'Aging'!$A$1"]
    assert "xlc_owned" not in open_book(book).named_values()


def test_a_renamed_commentary_sheet_is_refused_before_the_close_runs(closed_demo, tmp_path, capsys):
    path = tmp_path / "book.xlsm"
    shutil.copy(closed_demo, path)
    wb = parts(path)["xl/workbook.xml"].replace(b'name="Commentary"', b'name="Comments October"')
    renamed = tmp_path / "renamed.xlsm"
    rezip(path, renamed, {"xl/workbook.xml": wb})
    before = hashlib.sha256(renamed.read_bytes()).hexdigest()
    capsys.readouterr()
    assert main(["close", str(renamed)]) == 1
    err = capsys.readouterr().err
    assert "'Commentary' seems to have been renamed to 'Comments October'" in err and "Close step" not in err
    assert hashlib.sha256(renamed.read_bytes()).hexdigest() == before


def test_a_row_typed_right_below_the_table_is_a_table_row(book):
    """Excel grows a table over a row typed just below it (a value in its first column): that
    row is the table's, so the next write replaces it like the rest of the table."""
    add_cells(book, "Aging", {"A9": "C99", "B9": 5})
    rewrite(book, aging(5))
    assert cell(book, "Aging", "A9") is None and cell(book, "Aging", "B9") is None
