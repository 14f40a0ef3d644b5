"""The save's fast encoders write exactly what the per-cell formatting writes."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.book import sheetxml
from xl_collections.book.sheetxml import _attr, _date_encoder, _generic_encoder, _num, _serial, text_xml


def _reference_dates(L, style, values, rows):
    sa = _attr(style)
    out = []
    for v, r in zip(values, rows):
        t = _serial(v)
        out.append("" if t is None else f'<c r="{L}{r}"{sa}><v>{_num(float(t))}</v></c>')
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 1, 1)),
                          st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2200, 1, 1)).map(
                              lambda d: dt.datetime(d.year, d.month, d.day))), max_size=20))
def test_date_encoder_matches_per_cell(values):
    s = pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    rows = [str(i + 2) for i in range(len(s))]
    got = _date_encoder("D", 7)(s, rows, 0)
    want = _reference_dates("D", 7, [None if pd.isna(v) else pd.Timestamp(v) for v in s], rows)
    assert got == want


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=6), st.integers(-3, 3), st.none(), st.floats(allow_nan=False)), max_size=12))
def test_generic_encoder_text_columns(values):
    s = pd.Series(values, dtype=object)
    rows = [str(i + 2) for i in range(len(s))]
    got = _generic_encoder("B", 0, 0)(s, rows, 0)
    if all(type(v) is str for v in values):
        assert got == [f'<c r="B{r}" t="inlineStr"><is><t xml:space="preserve">{text_xml(v)}</t></is></c>' if v else ""
                       for v, r in zip(values, rows)]
    else:
        assert len(got) == len(values)


def test_block_rows_with_and_without_frame_attrs_are_the_same():
    from xl_collections.book.outputs import TableBlock
    from xl_collections.book.sheetxml import _Block
    from xl_collections.book.styles import StyleBook

    xml = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font>'
           b'<sz val="11"/></font></fonts><cellXfs count="1"><xf numFmtId="0" fontId="0"/></cellXfs></styleSheet>')
    df = pd.DataFrame({"document_no": ["A1", "B<2", ""], "amount": np.array([125, -5, 0], dtype="int64"),
                       "currency": ["USD", "JPY", "EUR"],
                       "due_date": pd.to_datetime(["2026-01-31T00:00", None, "2026-02-01T12:00"], format="ISO8601")})
    df.attrs["money"] = ["amount"]
    plain = df.copy()
    plain.attrs = {"money": ["amount"]}
    a = _Block(TableBlock(df, table_name="tblA"), 1, StyleBook(xml))
    b = _Block(TableBlock(plain, table_name="tblA"), 1, StyleBook(xml))
    assert a.rows(0, 3) == b.rows(0, 3) == a.rows(0, 1) + a.rows(1, 3)
    assert df.attrs["money"] == ["amount"]           # the frame keeps its attrs
    assert "<v>1.25</v>" in a.rows(0, 1)[0] and "<v>-5.0</v>" in a.rows(1, 2)[0]
    assert '<v>46054.5</v>' in a.rows(2, 3)[0] and '<v>46053</v>' in a.rows(0, 1)[0]


@pytest.mark.parametrize("isal", [False, True])
def test_streamed_parts_deflate_to_the_same_bytes(isal, monkeypatch):
    import io
    import zipfile

    from xl_collections.book import package
    from xl_collections.book.package import ZipWriter

    if isal and package._fast_zlib is None:
        pytest.skip("isal is not installed")
    if not isal:
        monkeypatch.setattr(package, "_fast_zlib", None)
    chunks = [(b"<row>%d</row>" % i) * (1000 + i) for i in range(40)]
    outs = []
    for stream in (False, True):
        buf = io.BytesIO()
        w = ZipWriter(buf)
        # zlib's stream does not depend on how the bytes are cut; ISA-L's does, so it gets the
        # same chunks written in this thread (a list) and through the deflate thread (a generator)
        whole = list(chunks) if isal else b"".join(chunks)
        w.write("xl/worksheets/sheet1.xml", (c for c in chunks) if stream else whole, level=1)
        w.write("small.xml", b"<a/>")
        w.close()
        outs.append(buf.getvalue())
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
            assert zf.read("xl/worksheets/sheet1.xml") == b"".join(chunks) and zf.testzip() is None
    # one compressor, fed the same bytes: the same stream whether chunked or not
    assert outs[0] == outs[1]


def test_streamed_part_errors_are_raised():
    import io

    import pytest

    from xl_collections.book.package import ZipWriter

    def bad():
        yield b"x" * 100
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError, match="render failed"):
        ZipWriter(io.BytesIO()).write("a.xml", bad())

    class Full(io.BytesIO):
        def write(self, b):
            if self.tell() > 200:
                raise OSError("disk full")
            return super().write(b)

    with pytest.raises(OSError, match="disk full"):
        ZipWriter(Full()).write("a.xml", (bytes(range(256)) * 64 for _ in range(1000)), level=0)


@pytest.mark.parametrize("corrupt", [False, True])
def test_big_parts_read_through_isal_are_zipfiles_bytes(tmp_path, monkeypatch, corrupt):
    import zipfile

    from xl_collections.book import package

    if package._fast_zlib is None:
        pytest.skip("isal is not installed")
    monkeypatch.setattr(package, "_FAST_INFLATE_FROM", 1000)
    body = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7) for i in range(1, 5000))
    p = tmp_path / "b.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", body)
        zf.writestr("small.xml", b"<a/>")
        zf.writestr("stored.xml", body, compress_type=zipfile.ZIP_STORED)
    if corrupt:     # the CRC in both headers says other bytes: the same error zipfile raises
        raw = bytearray(p.read_bytes())
        crc = zipfile.ZipFile(p).getinfo("xl/worksheets/sheet1.xml").CRC.to_bytes(4, "little")
        raw = raw.replace(crc, bytes(b ^ 1 for b in crc))
        p.write_bytes(bytes(raw))
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32 for file 'xl/worksheets/sheet1.xml'"):
            package.Package(p).read("xl/worksheets/sheet1.xml")
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32 for file 'xl/worksheets/sheet1.xml'"):
            zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml")
        return
    pkg = package.Package(p)
    assert pkg.read("XL/worksheets/sheet1.xml") == body
    assert pkg.read("stored.xml") == body and pkg.read("small.xml") == b"<a/>" and pkg.read("nope.xml") is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["USD", "JPY", "KWD", "EUR", "usd", "", "XXX"]), st.none(),
                          st.just(float("nan")), st.integers(0, 3)), max_size=15))
def test_row_currencies_and_exponents_match_the_per_row_lookup(codes):
    from xl_collections.book.sheetxml import _currencies, _exponents
    from xl_collections.core.money import MINOR_UNITS

    df = pd.DataFrame({"currency": pd.Series(codes, dtype=object)})
    df.attrs["currency"] = "EUR"
    want = [c if c in MINOR_UNITS else "EUR" for c in df["currency"].astype(object).tolist()]
    got = _currencies(df)
    assert got.tolist() == want and got.dtype == object
    assert _exponents(got).tolist() == [MINOR_UNITS[c] for c in want]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["short", "a reason that is long enough to wrap twice over here",
                                                      "two\nlines", "x" * 90]), st.text(max_size=70)), max_size=30))
def test_row_heights_of_repeated_texts_are_each_rows_own(texts):
    from xl_collections.book.outputs import TableBlock
    from xl_collections.book.sheetxml import _Block, wrapped_lines
    from xl_collections.book.styles import StyleBook

    xml = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font>'
           b'<sz val="11"/></font></fonts><cellXfs count="1"><xf numFmtId="0" fontId="0"/></cellXfs></styleSheet>')
    df = pd.DataFrame({"id": range(len(texts)), "reason": pd.Series(texts, dtype=object)})
    blk = _Block(TableBlock(df, table_name="tblR", wrap_columns=("reason",)), 1, StyleBook(xml))
    widths = {1: 20.0}
    per_line = max(1.0, 20.0 * 1.05 - 1)
    want = []
    for v in texts:
        n = wrapped_lines(v, per_line) if isinstance(v, str) and (len(v) > per_line or "\n" in v) else 1
        want.append(f' ht="{15 * min(n, 20)}" customHeight="1"' if n > 1 else "")
    assert blk.row_attrs(0, len(texts), widths) == want


def _lines_word_by_word(text: str, per_line: float) -> int:
    """wrapped_lines as it was written first: every paragraph word by word (the counter the
    fast fill falls back to)."""
    return sum(sheetxml._paragraph_lines(para, per_line) for para in text.split("\n"))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab c\n\t-é")) , max_size=120),
       st.one_of(st.integers(1, 40).map(float), st.floats(1.0, 40.0, allow_nan=False)))
def test_wrapped_lines_matches_the_word_by_word_fill(text, per_line):
    from xl_collections.book.sheetxml import wrapped_lines

    assert wrapped_lines(text, per_line) == _lines_word_by_word(text, per_line)


@pytest.mark.parametrize("text, per_line", [("ab cd", 3.0), ("ab cd", 5.0), ("ab cd ef", 5.9), ("abcdef gh", 3.0),
                                            ("", 4.0), ("a\n\nb", 1.0), (" lead", 3.0), ("trail ", 3.0),
                                            ("two  spaces here", 6.0), ("x" * 45, 20.0), ("word " * 30 + "end", 24.2)])
def test_wrapped_lines_edges(text, per_line):
    from xl_collections.book.sheetxml import wrapped_lines

    assert wrapped_lines(text, per_line) == _lines_word_by_word(text, per_line)
