"""Cell encoding: any text comes back as the same text, money as exact major units."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import xlwings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_collections.book import SheetOutput, TableBlock, open_book
from xl_collections.book.headless import _single_cell
from xl_collections.book.sheetxml import col_letter, parse_cell, text_xml
from xl_collections.book.styles import StyleBook, accounting
from xl_collections.core.money import to_decimal
from xl_collections.core.headers import human_header

QUICKSTART = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"


def roundtrip(tmp: Path, df: pd.DataFrame, **kw) -> pd.DataFrame:
    p = tmp / "b.xlsm"
    shutil.copy(QUICKSTART, p)
    book = open_book(p)
    book.write_sheet(SheetOutput("Aging", [TableBlock(df, table_name="tblT", **kw)]))
    book.save()
    got = open_book(p).read_table("tblT")
    # a name the headers module does not list shows (and reads back) as its title case
    return got.rename(columns={human_header(str(c)): c for c in df.columns})


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts, min_size=1, max_size=8))
def test_text_comes_back_as_written(tmp_path, values):
    got = roundtrip(tmp_path, pd.DataFrame({"text": values}))["text"].tolist()
    assert [v or None for v in values] == [None if g is None else str(g) for g in got]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(-10**14, 10**14), st.sampled_from(["USD", "JPY", "KWD", "EUR"])),
                min_size=1, max_size=8))
def test_money_is_exact_in_major_units(tmp_path, rows):
    df = pd.DataFrame({"amount": [a for a, _ in rows], "currency": [c for _, c in rows]})
    df.attrs["money"] = ["amount"]
    got = roundtrip(tmp_path, df)["amount"].tolist()
    for (a, c), g in zip(rows, got):
        assert Decimal(repr(float(g))) == to_decimal(a, c)


def test_formula_looking_text_stays_text(tmp_path):
    vals = ["=SUM(A1:A2)", "+1", "-1", "@SUM(1)", "=", "=cmd|' /C calc'!A0"]
    assert roundtrip(tmp_path, pd.DataFrame({"x": vals}))["x"].tolist() == vals


def test_identifiers_and_mixed_columns(tmp_path):
    df = pd.DataFrame({"id": ["00123", "007"], "mixed": [pd.Timestamp("2026-01-31"), 3.5],
                       "flag": [True, False], "when": pd.to_datetime(["2026-10-31", None])})
    got = roundtrip(tmp_path, df)
    assert got["id"].tolist() == ["00123", "007"]
    assert str(got["mixed"].iloc[0])[:10] == "2026-01-31" and got["mixed"].iloc[1] == 3.5
    assert got["flag"].tolist() == [True, False]
    assert str(got["when"].iloc[0])[:10] == "2026-10-31" and got["when"].iloc[1] is None


def test_empty_table_still_valid(tmp_path):
    got = roundtrip(tmp_path, pd.DataFrame({"a": pd.Series([], dtype=object)}))
    assert list(got.columns) == ["a"]


def test_helpers():
    assert [col_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert parse_cell("$K$2") == (1, 10)
    assert _single_cell("Settings!$B$2") == ("Settings", (1, 1))
    assert _single_cell("'It''s'!B2:B2") == ("It's", (1, 1))
    assert _single_cell("Settings!$B$2:$C$3") is None and _single_cell("#REF!") is None
    assert text_xml("a<b & _x0041_\x01") == "a&lt;b &amp; _x005F_x0041__x0001_"


def test_styles_are_appended_and_reused():
    xml = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font>'
           b'<sz val="11"/></font></fonts><cellXfs count="1"><xf numFmtId="0" fontId="0"/></cellXfs></styleSheet>')
    s = StyleBook(xml)
    a = s.xf(accounting(2))
    assert (a, s.xf(bold=True), s.xf(accounting(2))) == (1, 2, 1)
    out = s.to_bytes().decode()
    assert '<numFmts count="1"><numFmt numFmtId="164"' in out
    assert '<fonts count="2"><font><sz val="11"/></font><font><b/><sz val="11"/></font></fonts>' in out
    assert out.count("<xf ") == 3 and 'cellXfs count="3"' in out
    again = StyleBook(s.to_bytes())
    assert again.xf(accounting(2)) == 1 and again.xf(bold=True) == 2 and not again.changed


@pytest.mark.parametrize("bad", ["", "A" * 32, "a/b", "x[1]"])
def test_bad_sheet_names_refused(bad):
    with pytest.raises(ValueError):
        SheetOutput(bad)


def test_nullable_integer_blanks_are_empty_cells(tmp_path):
    """A bug found in the close: <NA> of an Int64 column was written into the sheet XML."""
    import zipfile

    import xlsxwriter

    path = tmp_path / "n.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Input")
    wb.close()
    df = pd.DataFrame({"days": pd.array([3, None], dtype="Int64"), "amt": pd.array([100, None], dtype="Int64"),
                       "rate": pd.array([1.5, None], dtype="Float64")})
    df.attrs = {"money": ["amt"], "currency": "USD"}
    book = open_book(path)
    book.write_sheet(SheetOutput("Aging", blocks=[TableBlock(df)]))
    book.save()
    with zipfile.ZipFile(path) as z:
        xml = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("NA" in x for x in xml)
    grid = open_book(path).read_sheet("Aging")
    assert grid.loc[2].tolist() == [3, 1.0, 1.5] and list(grid.index) == [1, 2]   # row 3 is all blank


def test_excel_error_cells_read_as_their_text(tmp_path):
    """An input sheet with #N/A must be reported by the close, so read_sheet may not turn it into a blank."""
    import xlsxwriter

    path = tmp_path / "e.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Open Items")
    ws.write_row(0, 0, ["customer_id", "open_amount"])
    ws.write_row(1, 0, ["C1", 10])
    ws.write_formula(2, 1, "=NA()", None, "#N/A")
    ws.write_string(2, 0, "C2")
    wb.close()
    grid = open_book(path).read_sheet("Open Items")
    assert grid.at[3, 1] == "#N/A" and grid.at[2, 1] == 10
