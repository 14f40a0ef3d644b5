"""Presentation features of sheet outputs: block titles, wrapped columns, total rows,
colour scales pinned at a value, series colours, horizontal bars top-down."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import xlwings

from xl_collections.book import ChartSpec, ColorScale, SheetOutput, TableBlock, open_book
from xl_collections.book.styles import StyleBook

QUICKSTART = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"


def _book(tmp: Path, out: SheetOutput) -> Path:
    p = tmp / "b.xlsm"
    shutil.copy(QUICKSTART, p)
    book = open_book(p)
    book.write_sheet(out)
    book.save()
    return p


def _frame():
    df = pd.DataFrame({"customer_id": ["C1", "C2", "TOTAL"], "past_due": [150, -20, 130],
                       "comment": ["a long comment " * 5, "short", ""]})
    df.attrs = {"money": ["past_due"], "currency": "USD"}
    return df


def test_titles_wrap_and_total_row(tmp_path):
    side = pd.DataFrame({"measure": ["DSO"], "value": [41.5]})
    out = SheetOutput("Aging", [
        TableBlock(_frame(), table_name="tblMain", title="Customers", wrap_columns=("comment",), total_row=True,
                   conditional=(ColorScale(("past_due",), ("FFFFFF", "F8696B"), low=0),)),
        TableBlock(side, table_name="tblSide", title="Ratios", start_row=5, start_col=6),
    ], notes=("Title", "a note"))
    assert out.layout() == [5, 5]     # notes, a blank row, the title, the header
    p = _book(tmp_path, out)
    wb = openpyxl.load_workbook(p)
    ws = wb["Aging"]
    assert ws["A4"].value == "Customers" and ws["A4"].font.b
    assert ws["F4"].value == "Ratios" and ws["F4"].font.b
    assert [ws.cell(5, j).value for j in (1, 2, 3)] == ["Customer", "Past Due", "Comment"]   # human headers
    assert ws["C6"].alignment.wrap_text and ws["C6"].alignment.vertical == "top"
    assert ws["A6"].alignment.vertical == "top" and not ws["A6"].alignment.wrap_text
    assert not ws["B6"].font.b and ws["A8"].font.b and ws["B8"].font.b     # TOTAL row bold
    assert ws["B8"].number_format.startswith("_(* #,##0.00")                # and still accounting
    assert ws.tables["tblMain"].ref == "A5:C8" and ws.tables["tblSide"].ref == "F5:G6"
    cf = {str(k.sqref): v for k, v in ws.conditional_formatting._cf_rules.items()}
    assert list(cf) == ["B6:B7"]                                              # the total row is left out
    rule = cf["B6:B7"][0].colorScale
    assert (rule.cfvo[0].type, float(rule.cfvo[0].val)) == ("num", 0.0)
    assert ws.column_dimensions["C"].width <= 50
    # the table still reads back whole, total row included
    got = open_book(p).read_table("tblMain")
    assert got["customer_id"].tolist() == ["C1", "C2", "TOTAL"]
    assert got["past_due"].tolist() == [1.5, -0.2, 1.3]


def test_chart_series_colours_and_bars_top_down(tmp_path):
    df = pd.DataFrame({"customer": ["Big", "Small"], "not_due": [500, 100], "1-30": [300, 50]})
    df.attrs = {"money": ["not_due", "1-30"], "currency": "USD"}
    out = SheetOutput("Aging", [TableBlock(df, table_name="tblTop")],
                      charts=[ChartSpec("customer", ("not_due", "1-30"), kind="bar", colors=("A6A6A6", "FFC000"))])
    p = _book(tmp_path, out)
    with zipfile.ZipFile(p) as z:
        chart = next(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert [m for m in re.findall(r'srgbClr val="(\w+)"', chart)] == ["A6A6A6", "FFC000"]
    assert '<c:orientation val="maxMin"/>' in chart and '<c:crosses val="max"/>' in chart


def test_alignment_styles_are_appended_and_reused():
    xml = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font>'
           b'<sz val="11"/></font></fonts><cellXfs count="1"><xf numFmtId="0" fontId="0"/></cellXfs></styleSheet>')
    s = StyleBook(xml)
    wrap, top, plain = s.xf(None, align="wrap"), s.xf("0.00", align="top"), s.xf("0.00")
    assert (wrap, top, plain) == (1, 2, 3) and s.xf(None) == 0
    out = s.to_bytes().decode()
    assert '<alignment vertical="top" wrapText="1"/></xf>' in out and out.count("<xf ") == 4
    again = StyleBook(s.to_bytes())
    assert (again.xf(None, align="wrap"), again.xf("0.00", align="top"), again.xf("0.00")) == (1, 2, 3)
    assert not again.changed


def test_wrapped_rows_get_a_height(tmp_path):
    df = pd.DataFrame({"id": ["A", "B", "C"], "comment": ["word " * 40, "short", None]})
    for side_by_side in (False, True):
        blocks = [TableBlock(df, table_name="tblW", wrap_columns=("comment",), column_widths={"comment": 30})]
        if side_by_side:
            blocks.append(TableBlock(pd.DataFrame({"x": [1]}), table_name="tblX", start_row=1, start_col=5))
        p = _book(tmp_path, SheetOutput("Aging", blocks))
        ws = openpyxl.load_workbook(p)["Aging"]
        assert ws.row_dimensions[2].height >= 75      # 200 characters in a 30-wide column: 6+ lines
        assert ws.row_dimensions[3].height is None    # one line: Excel's default height


def test_print_one_page_wide_keeps_the_code_name(tmp_path):
    df = pd.DataFrame({"a": [1, 2]})
    p = _book(tmp_path, SheetOutput("Sheet1", [TableBlock(df, table_name="tblA")], print_fit_width=True))
    with zipfile.ZipFile(p) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<sheetPr[^>]*codeName="Sheet1"[^>]*><pageSetUpPr fitToPage="1"/></sheetPr>', xml)
    assert '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>' in xml
    ws = openpyxl.load_workbook(p)["Sheet1"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1


def test_highlight_cells_equal_to_a_value(tmp_path):
    from xl_collections.book.outputs import Highlight

    df = pd.DataFrame({"step": ["a", "b"], "status": ["done", "FAILED"]})
    out = SheetOutput("Aging", [TableBlock(df, table_name="tblS", conditional=(
        Highlight(("status",), "FAILED"), Highlight(("status",), "done", "C6EFCE", "006100")))])
    p = _book(tmp_path, out)
    wb = openpyxl.load_workbook(p)
    rules = [r for v in wb["Aging"].conditional_formatting._cf_rules.values() for r in v]
    assert [(r.type, r.operator, r.formula) for r in rules] == [("cellIs", "equal", ['"FAILED"']),
                                                               ("cellIs", "equal", ['"done"'])]
    fills = [wb._differential_styles[r.dxfId].fill.bgColor.rgb for r in rules]
    assert fills == ["FFFFC7CE", "FFC6EFCE"]
    with zipfile.ZipFile(p) as z:
        styles = z.read("xl/styles.xml").decode()
    assert styles.count("<dxf>") == 2 and re.search(r'<dxfs count="2">', styles)
    assert styles.index("<dxfs") < styles.index("<tableStyles")
    book = open_book(p)                      # the next run reuses them: styles.xml does not grow
    book.write_sheet(out)
    book.save()
    with zipfile.ZipFile(p) as z:
        assert z.read("xl/styles.xml").decode() == styles


def test_wrapped_lines_fill_words_greedily():
    from xl_collections.book.sheetxml import wrapped_lines
    assert wrapped_lines("a b c", 10) == 1
    assert wrapped_lines("aaaa bbbb cccc", 9) == 2          # a word never splits across lines when it fits
    assert wrapped_lines("x" * 25, 10) == 3                 # a longer word takes the lines it needs
    assert wrapped_lines("one\ntwo", 10) == 2


def test_frozen_columns_with_or_without_frozen_rows(tmp_path):
    df = pd.DataFrame({"customer_id": ["C1"], "customer_name": ["A"], "x": [1]})
    for freeze, expected in ((True, "C2"), (False, "C1")):
        p = _book(tmp_path, SheetOutput("Aging", [TableBlock(df, table_name="tblF")], freeze=freeze,
                                        freeze_columns=2))
        ws = openpyxl.load_workbook(p)["Aging"]
        assert ws.freeze_panes == expected
    p = _book(tmp_path, SheetOutput("Aging", [TableBlock(df, table_name="tblF")]))
    assert openpyxl.load_workbook(p)["Aging"].freeze_panes == "A2"


def test_print_area_leaves_out_a_blocks_screen_only_columns(tmp_path):
    df = pd.DataFrame({"customer_id": ["C1"], "comment": ["x"], "1-30": [5], "latest_draft": ["y"]})
    wide = TableBlock(df, table_name="tblWide", screen_only_from="1-30")
    side = TableBlock(pd.DataFrame({"m": [1]}), table_name="tblSide", start_row=1, start_col=8)
    p = _book(tmp_path, SheetOutput("Sheet1", [wide, side], notes=("n",)))
    wb = openpyxl.load_workbook(p)
    area = wb["Sheet1"].print_area
    # columns A:B print (customer and comment); C:D stay on screen; the side table prints apart
    assert area == "'Sheet1'!$A$1:$B$4,'Sheet1'!$H$1:$H$2"
    # a block without that column prints whole
    assert TableBlock(df, screen_only_from="121+").printed_columns(4) == 4
