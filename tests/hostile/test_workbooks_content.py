"""What the program writes into a workbook stays valid and keeps what the user set: text from
the data with control characters in every XML part (cells, tables, charts), the sheet
protection a user put on a program sheet."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlwings
from lxml import etree

from workbooks_kit import parts, rezip
from xl_collections.book import BookError, ChartSpec, SheetOutput, TableBlock, open_book
from xl_collections.io.sources import sheet_part

QUICKSTART = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"

NASTY = {
    "SOH (\\x01)": "Acme\x01 Corp",
    "vertical tab": "Acme\x0bCorp",
    "form feed": "Acme\x0cCorp",
    "unit separator": "Acme\x1f",
    "escape": "\x1b[31mRed Ltd",
    "U+FFFE": "Acme\ufffe",
    "U+FFFF": "Acme\uffff",
    "markup": "<b>Acme & Sons</b>",
    "Excel's own escape as text": "Acme_x0001_Corp",
    "line break": "Acme\nCorp",
    "carriage return": "Acme\r\nCorp",
    "tab": "Acme\tCorp",
    "NUL": "Acme\x00Corp",
    "emoji and RTL": "Acme \U0001F600 \u202eproC",
}


def book_copy(tmp_path: Path) -> Path:
    p = tmp_path / "Collections.xlsm"
    shutil.copy(QUICKSTART, p)
    p.chmod(0o644)
    return p


def all_xml_parts_parse(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.lower().endswith((".xml", ".rels", ".vml")):
                try:
                    etree.fromstring(z.read(name), etree.XMLParser(huge_tree=True))
                except etree.XMLSyntaxError as e:
                    raise AssertionError(f"{name}: {e}") from None


@pytest.mark.parametrize("case", sorted(NASTY))
def test_customer_name_with_control_characters_in_cells_and_charts(case, tmp_path):
    name = NASTY[case]
    path = book_copy(tmp_path)
    df = pd.DataFrame({"customer_name": [name, "Plain Inc"], "past_due": [12_345, 500]})
    df.attrs["money"] = ["past_due"]
    book = open_book(path)
    book.write_sheet(SheetOutput("Aging", [TableBlock(df, table_name="tblAging", title=name)],
                                 charts=[ChartSpec("customer_name", ("past_due",), title=name)]))
    book.save()
    all_xml_parts_parse(path)
    back = open_book(path).read_table("tblAging")
    assert back["customer_name"].tolist()[1] == "Plain Inc"
    with zipfile.ZipFile(path) as z:
        chart = [n for n in z.namelist() if n.startswith("xl/charts/")]
        assert chart and all(etree.fromstring(z.read(c)) is not None for c in chart)


@pytest.mark.parametrize("header", ["note\x01", "a\nb", "x\x1fy"])
def test_user_column_header_with_control_characters_makes_a_valid_table(header, tmp_path):
    path = book_copy(tmp_path)
    df = pd.DataFrame({"customer_id": ["C1"], header: ["kept"]})
    book = open_book(path)
    book.write_sheet(SheetOutput("Aging", [TableBlock(df, table_name="tblAging")]))
    book.save()
    all_xml_parts_parse(path)


PROTECTIONS = [
    b'<sheetProtection sheet="1" objects="1" scenarios="1"/>',
    b'<sheetProtection algorithmName="SHA-512" hashValue="x8Zq" saltValue="c2FsdA==" spinCount="100000" '
    b'sheet="1" objects="1" scenarios="1" formatColumns="0" autoFilter="0"/>',
    b'<sheetProtection password="CC3D" sheet="1" selectLockedCells="1"/>',
]


@pytest.mark.parametrize("protection", PROTECTIONS, ids=["plain", "sha512", "legacy password"])
def test_sheet_protection_a_user_set_on_a_program_sheet_is_kept(protection, tmp_path):
    path = book_copy(tmp_path)
    book = open_book(path)
    book.write_sheet(SheetOutput("Aging", [TableBlock(pd.DataFrame({"customer_id": ["C1"]}), table_name="tblAging")]))
    book.save()
    book.close()
    with zipfile.ZipFile(path) as z:
        aging_part = sheet_part(z, "Aging", binary=False)
    xml = parts(path)[aging_part]
    protected = tmp_path / "protected.xlsm"
    rezip(path, protected, {aging_part: xml.replace(b"</sheetData>", b"</sheetData>" + protection, 1)})
    book = open_book(protected)
    book.write_sheet(SheetOutput("Aging", [TableBlock(pd.DataFrame({"customer_id": ["C1", "C2"]}),
                                                      table_name="tblAging")]))
    book.save()
    after = parts(protected)[aging_part]
    root = etree.fromstring(after)
    tags = [etree.QName(e).localname for e in root]
    assert "sheetProtection" in tags and tags.index("sheetProtection") == tags.index("sheetData") + 1
    got = next(e for e in root if etree.QName(e).localname == "sheetProtection")
    assert dict(got.attrib) == dict(etree.fromstring(protection).attrib)
    assert open_book(protected).read_table("tblAging")["customer_id"].tolist() == ["C1", "C2"]


def test_a_table_shrunk_to_its_header_row_reads_as_no_rows(tmp_path):
    """A person deletes every row of a program table (Excel keeps its header): calamine 0.x
    panics on such a table (a Rust panic, not an exception); the book reads it as no rows."""
    import openpyxl
    from openpyxl.worksheet.table import Table
    path = tmp_path / "shrunk.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cash App"
    ws.append(["Payment", "Document", "decision"])
    ws.add_table(Table(displayName="tblCashApp", ref="A1:C1"))
    wb.save(path)
    df = open_book(path).read_table("tblCashApp")
    assert list(df.columns) == ["payment_id", "document_no", "decision"] and df.empty
    with pytest.raises(BookError):
        open_book(path).read_table("tblNoSuchTable")
