"""The save finds the user's cells on a big sheet without parsing the rows inside the program's
table: the rows it cuts out first (``rows_that_may_hold_user_cells``) change nothing of what
the row-by-row parse finds, whatever the sheet holds beside, above, below or inside the table."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.book import usercells as uc
from xl_collections.book.usercells import Box, _user_cells_parsed, rows_that_may_hold_user_cells, user_cells
from xl_collections.core.a1 import col_letter

HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" XMAIN>'
        b'<dimension ref="A1:H40"/><sheetData>')
X_MAIN = b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'    # x:c is a cell
X_OTHER = b'xmlns:x="http://example.com/not-a-sheet"'                              # x:c is not
TAIL = b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'


def found(cells):
    return [(c.row, c.col, c.xml, c.ref) for c in cells]


def cell_xml(ref: str, kind: str) -> str:
    return {"number": f'<c r="{ref}" s="2"><v>125.5</v></c>',
            "text": f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">Call &amp; chase</t></is></c>',
            "formula": f'<c r="{ref}"><f>SUM(A1:A3)</f><v>3</v></c>',
            "empty": f'<c r="{ref}" s="1"/>',
            "late_r": f'<c s="3" r="{ref}"><v>7</v></c>',          # r not the first attribute
            "lower": f'<c r="{ref.lower()}"><v>1</v></c>',          # a reference written in lower case
            "prefixed": f'<x:c r="{ref}"><x:v>2</x:v></x:c>',         # a cell when x is the main namespace
            "quiz": f'<c r="{ref}" t="inlineStr"><is><t>Paid? Yes!</t></is></c>',   # ! and ? in text
            }[kind]


kinds = st.sampled_from(["number", "text", "formula", "empty", "late_r", "lower", "prefixed", "quiz"])
row_cells = st.lists(st.tuples(st.integers(0, 9), kinds), max_size=5)


@st.composite
def sheets(draw):
    numbers = sorted(draw(st.sets(st.integers(1, 40), max_size=25)))
    if draw(st.integers(0, 9)) == 0:
        numbers = draw(st.permutations(numbers))                # rows out of order
    parts = []
    for n in numbers:
        cells = draw(row_cells)
        if draw(st.booleans()):
            cells = sorted(cells)
        other_row = draw(st.integers(0, 19)) == 0                # a cell whose reference names another row
        xml = "".join(cell_xml(f"{col_letter(c)}{n + 1 if other_row else n}", k) for c, k in cells)
        attrs = ' spans="1:8"' if draw(st.booleans()) else ""
        parts.append(f'<row r="{n}"{attrs}>{xml}</row>' if cells or draw(st.booleans()) else f'<row r="{n}"{attrs}/>')
    if draw(st.integers(0, 14)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), "<!-- a comment -->")
    head = HEAD.replace(b"XMAIN", X_MAIN if draw(st.booleans()) else X_OTHER)
    return head + "".join(parts).encode() + TAIL


boxes = st.lists(st.builds(lambda r0, h, c0, w: Box(r0, c0, r0 + h, c0 + w), st.integers(0, 20), st.integers(0, 30),
                           st.integers(0, 4), st.integers(0, 5)), min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(sheets(), boxes)
def test_cutting_the_table_rows_finds_the_same_cells(xml, program):
    tall = uc._TALL_ROWS
    uc._TALL_ROWS = 1                   # cut even the small boxes of these sheets
    try:
        assert found(user_cells(xml, program)) == found(_user_cells_parsed(xml, program))
    finally:
        uc._TALL_ROWS = tall


def test_the_rows_inside_the_table_are_cut_and_the_users_cells_kept():
    rows = [f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}" t="inlineStr"><is><t>x</t></is></c></row>'
            for n in range(1, 3001)]
    rows[1499] = rows[1499].replace("</row>", '<c r="D1500"><v>42</v></c></row>')       # a note beside the table
    rows.append('<row r="3003"><c r="A3003" t="inlineStr"><is><t>checked by JS</t></is></c></row>')
    xml = HEAD.replace(b"XMAIN", X_OTHER) + "".join(rows).encode() + TAIL
    program = [Box(0, 0, 2999, 1)]
    cut = rows_that_may_hold_user_cells(xml, program)
    assert len(cut) < len(xml) // 100
    assert [c.ref for c in user_cells(xml, program)] == ["D1500", "A3003"]
    assert found(user_cells(xml, program)) == found(_user_cells_parsed(xml, program))


def test_a_sheet_laid_out_otherwise_is_parsed_whole():
    rows = "".join(f'<x:row r="{n}"><x:c r="A{n}"><x:v>{n}</x:v></x:c><x:c r="C{n}"><x:v>1</x:v></x:c></x:row>'
                   for n in range(1, 1502))
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
           + rows.encode() + b"</x:sheetData></x:worksheet>")
    program = [Box(0, 0, 1500, 1)]
    assert rows_that_may_hold_user_cells(xml, program) is xml
    assert len(user_cells(xml, program)) == 1501


def _without_cells_by_scanning(data: bytes) -> bytes:
    """The cut as it was written first: every closing tag scanned from the opening one on."""
    from xl_collections.book.headless import _SHEET_DATA_CLOSE, _SHEET_DATA_OPEN
    start = _SHEET_DATA_OPEN.search(data)
    if start is None:
        return data
    open_end = data.find(b">", start.end())
    if open_end < 0 or data[open_end - 1:open_end] == b"/":
        return data
    close = None
    for close in _SHEET_DATA_CLOSE.finditer(data, open_end):
        pass
    return data if close is None else data[:open_end + 1] + data[close.start():]


tokens = st.sampled_from([b"<sheetData>", b"<x:sheetData >", b"<sheetData/>", b"</sheetData>", b"</x:sheetData >",
                          b"</sheetData", b"sheetData", b"</", b"<", b">", b"x:", b"<row r=\"1\"/>", b"<t>sheetData</t>",
                          b"</sheetData:sheetData>", b" ", b"a"])


@settings(max_examples=400, deadline=None)
@given(st.lists(tokens, max_size=14).map(b"".join))
def test_the_last_closing_sheetdata_found_from_the_end_is_the_last_one(data):
    from xl_collections.book.headless import _without_cells
    assert _without_cells(data) == _without_cells_by_scanning(data)


def test_big_parts_deflated_by_either_library_read_back_the_same(monkeypatch):
    import io
    import zipfile

    from xl_collections.book import package as pk
    data = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7) for i in range(1, 50_000))
    files = []
    for lib in (pk._fast_zlib, None):
        monkeypatch.setattr(pk, "_fast_zlib", lib)
        buf = io.BytesIO()
        w = pk.ZipWriter(buf)
        w.write("xl/worksheets/sheet1.xml", iter([data[:1000], data[1000:]]), level=1)
        w.write("xl/small.xml", b"<a/>", level=6)
        w.close()
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            assert z.testzip() is None
            files.append((z.read("xl/worksheets/sheet1.xml"), z.read("xl/small.xml")))
    assert files[0] == files[1] == (data, b"<a/>")
