"""Hostile workbook files (CONTRACT §6 "Files on disk"): not a workbook, entity tricks,
zip bombs, used ranges past Excel's grid.  Every case goes through the pre-flight guard, the
``aging`` command (the file as ``--open-items``) and the ``close`` command (the file as the
book): refused with exit 1 and one line naming the file (and the part), nothing written,
never a traceback or an abort."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from workbooks_kit import (LAUGHS, PLAIN_DTD, XXE, flip_in_part, parts, rezip, stored_sheet_bomb, valid_xlsx,
                           with_dtd)
from xl_collections.cli.dispatch import main
from xl_collections.io import guard
from xl_collections.io.guard import HostileWorkbook, check_workbook

SHEET = "xl/worksheets/sheet1.xml"


def _bytes(data: bytes):
    def build(tmp: Path) -> Path:
        p = tmp / "book.xlsx"
        p.write_bytes(data)
        return p
    return build


def _from_valid(spoil):
    def build(tmp: Path) -> Path:
        good = valid_xlsx(tmp / "good.xlsx")
        return spoil(good, tmp / "book.xlsx")
    return build


def _truncate(keep):
    return _from_valid(lambda good, dst: (dst.write_bytes(good.read_bytes()[:keep(good.stat().st_size)]), dst)[1])


def _replace(part: str, edit):
    return _from_valid(lambda good, dst: rezip(good, dst, {part: edit(parts(good)[part])}))


def _stray(extra: dict):
    return lambda tmp: valid_xlsx(tmp / "book.xlsx", extra)


NOT_A_WORKBOOK = {
    "empty file": (_bytes(b""), "empty (0 bytes)"),
    "encrypted (OLE container)": (_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000), "password-protected"),
    "CSV renamed": (_bytes(b"customer_id,document_no,open_amount\nC1,INV-1,100.00\n"), "its content is text"),
    "CSV renamed, UTF-8 BOM": (_bytes(b"\xef\xbb\xbfcustomer_id;document_no\nC1;1\n"), "its content is text"),
    "PNG renamed": (_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "not a zip package"),
    "PDF renamed": (_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), "its content is text"),
    "HTML saved as .xlsx": (_bytes(b"<html><body><table><tr><td>1</td></tr></table></body></html>"), "its content is text"),
    "zip signature then garbage": (_bytes(b"PK\x03\x04" + b"\x17" * 300), "damaged or truncated"),
    "truncated to 10 bytes": (_truncate(lambda n: 10), "damaged or truncated"),
    "truncated to half": (_truncate(lambda n: n // 2), "damaged or truncated"),
    "truncated: end record cut": (_truncate(lambda n: n - 10), "damaged or truncated"),
    "bad CRC in the sheet": (_from_valid(lambda g, d: flip_in_part(g, d, SHEET)), "part xl/worksheets/sheet1.xml: damaged"),
    "bad CRC in styles": (_from_valid(lambda g, d: flip_in_part(g, d, "xl/styles.xml")), "part xl/styles.xml: damaged"),
    "bad CRC in workbook.xml": (_from_valid(lambda g, d: flip_in_part(g, d, "xl/workbook.xml")), "part xl/workbook.xml: damaged"),
    "a part shorter than declared": (_from_valid(lambda g, d: rezip(g, d, declared={SHEET: 10})), "damaged"),
}

DTD_PARTS = ["xl/workbook.xml", SHEET, "xl/styles.xml", "[Content_Types].xml", "_rels/.rels",
             "xl/_rels/workbook.xml.rels", "docProps/core.xml", "docProps/app.xml"]
ENTITY_TRICKS = {"XXE": XXE, "billion laughs": LAUGHS, "external DTD": PLAIN_DTD}
DTD_CASES = {f"{trick} in {part}": (_replace(part, lambda x, d=decl: with_dtd(x, d)), f"part {part}: has a DTD")
             for part in DTD_PARTS for trick, decl in ENTITY_TRICKS.items()}
DTD_CASES["XXE in a sheet saved as UTF-16"] = (
    _replace(SHEET, lambda x: with_dtd(x.replace(b'encoding="UTF-8"', b'encoding="UTF-16"'), XXE).decode().encode("utf-16")),
    f"part {SHEET}: has a DTD")
DTD_CASES["entity declared in a new part"] = (
    _from_valid(lambda g, d: rezip(g, d, {"xl/extra/notes.xml": b'<?xml version="1.0"?>' + LAUGHS + b"<n>&lol3;</n>"})),
    "part xl/extra/notes.xml: has a DTD")

GRID_CASES = {
    "stray value at XFD1048576": (_stray({"XFD1048576": "x"}), "a stray value at XFD1048576"),
    "stray value at XFC1048576": (_stray({"XFC1048576": "x"}), "a stray value at XFC1048576"),
    "stray value at XFD1048575": (_stray({"XFD1048575": "x"}), "a stray value at XFD1048575"),
    "stray values at XFD1 and A1048576": (_stray({"XFD1": "x", "A1048576": "y"}), "XFD1 and A1048576"),
    "stray values at ZZ900000 (area)": (_stray({"ZZ900000": 1}), "a stray value at ZZ900000"),
    "dimension claims the whole grid": (_replace(SHEET, lambda x: x.replace(b'<dimension ref="A1:F3"/>',
                                                                          b'<dimension ref="A1:XFD1048576"/>')),
                                        "reaches row 1,048,576 and column XFD"),
    "cell past the last column (XFE1)": (_replace(SHEET, lambda x: x.replace(b'r="A1"', b'r="XFE1"', 1)),
                                         "passes Excel's grid"),
    "cell past the last row (A1048577)": (_replace(SHEET, lambda x: x.replace(b'r="A3"', b'r="A1048577"', 1)
                                                   .replace(b'<row r="3"', b'<row r="1048577"', 1)),
                                          "passes Excel's grid"),
}

REFUSED = {**NOT_A_WORKBOOK, **DTD_CASES, **GRID_CASES}


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_guard_refuses(case, tmp_path):
    build, expected = REFUSED[case]
    path = build(tmp_path)
    with pytest.raises(HostileWorkbook) as e:
        check_workbook(path)
    msg = str(e.value)
    assert expected in msg and path.name in msg and "\n" not in msg


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_aging_refuses_the_file_as_input(case, tmp_path, capsys):
    build, expected = REFUSED[case]
    path = build(tmp_path)
    out = tmp_path / "aging.csv"
    rc = main(["aging", "--open-items", str(path), "--as-of", "2026-10-31", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 1, err
    assert expected in err and "book.xlsx" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_close_refuses_the_file_as_book(case, tmp_path, capsys):
    build, expected = REFUSED[case]
    path = build(tmp_path)
    before = digest(path)
    rc = main(["close", str(path), "--as-of", "2026-10-31"])
    err = capsys.readouterr().err.strip()
    assert rc == 1, err
    assert expected in err and "book.xlsx" in err and "\n" not in err and "Traceback" not in err
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "good.xlsx") == ["book.xlsx"]   # no backup, lock, temp


# ---- resource bombs: limits as the settings MaxPartMB / MaxZipRatio give them --------------------

def test_part_over_max_part_mb(tmp_path):
    path = stored_sheet_bomb(valid_xlsx(tmp_path / "good.xlsx"), tmp_path / "bomb.xlsx", 3)
    check_workbook(path)                                   # 3 MB is under the default 1,024 MB
    with pytest.raises(HostileWorkbook, match=r"bomb.xlsx, part xl/worksheets/sheet1.xml: 3 MB uncompressed, over "
                                              r"the limit of 2 MB \(setting MaxPartMB\)"):
        check_workbook(path, max_part_mb=2)


def test_part_at_max_part_mb_is_read(tmp_path):
    path = stored_sheet_bomb(valid_xlsx(tmp_path / "good.xlsx"), tmp_path / "bomb.xlsx", 1)
    check_workbook(path, max_part_mb=2)


def test_declared_size_over_the_limit_is_refused_before_inflating(tmp_path):
    good = valid_xlsx(tmp_path / "good.xlsx")
    path = rezip(good, tmp_path / "liar.xlsx", declared={SHEET: 4_000_000_000})
    with pytest.raises(HostileWorkbook, match="MaxPartMB"):
        check_workbook(path)


def test_zip_ratio_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "BIG_PART", 2**20)          # the 100 MB threshold, scaled down for speed
    path = stored_sheet_bomb(valid_xlsx(tmp_path / "good.xlsx"), tmp_path / "bomb.xlsx", 3)
    with pytest.raises(HostileWorkbook, match=r"compressed \d[\d,]* to 1, over the limit of 200 \(setting MaxZipRatio\)"):
        check_workbook(path)
    check_workbook(path, max_zip_ratio=100_000)            # a looser setting lets it through


def test_big_part_with_an_honest_ratio_is_read(tmp_path, monkeypatch):
    import random
    monkeypatch.setattr(guard, "BIG_PART", 2**20)
    rnd = random.Random(5)
    noise = "".join(rnd.choice("0123456789ABCDEF") for _ in range(3 * 2**20)).encode()
    good = valid_xlsx(tmp_path / "good.xlsx")
    sheet = parts(good)[SHEET].replace(b"<sheetData>", b"<sheetData><!--" + noise + b"-->", 1)
    check_workbook(rezip(good, tmp_path / "big.xlsx", {SHEET: sheet}))


def test_a_real_gigabyte_class_bomb_is_refused_fast(tmp_path):
    """150 MB of one byte deflates to about 150 KB: ratio ≈ 1,000 over 100 MB."""
    path = stored_sheet_bomb(valid_xlsx(tmp_path / "good.xlsx"), tmp_path / "bomb.xlsx", 150)
    assert path.stat().st_size < 2 * 2**20
    rc = main(["aging", "--open-items", str(path), "--as-of", "2026-10-31", "--out", str(tmp_path / "a.csv")])
    assert rc == 1 and not (tmp_path / "a.csv").exists()


# ---- what is NOT refused: legitimate extremes ------------------------------------------------------

@pytest.mark.parametrize("extra", [{"XFD1": "far right"}, {"A1000000": "far down"}, {"ZZ1000": 1},
                                   {"AAA100": 1}, {}])
def test_legitimate_extremes_pass_the_guard(extra, tmp_path):
    check_workbook(valid_xlsx(tmp_path / "ok.xlsx", extra))


def test_text_that_looks_like_a_dtd_inside_a_cell_is_not_refused(tmp_path):
    """A cell holding '<!DOCTYPE x>' is escaped in the XML (&lt;!DOCTYPE): data, not a declaration."""
    path = valid_xlsx(tmp_path / "ok.xlsx", {"G2": '<!DOCTYPE x [<!ENTITY y "z">]>'})
    check_workbook(path)
    assert b"&lt;!DOCTYPE" in zipfile.ZipFile(path).read(SHEET) or b"&lt;!DOCTYPE" in zipfile.ZipFile(path).read(
        "xl/sharedStrings.xml")


# ---- a stray value far below the table: one problem naming the cell --------------------------------------

@pytest.mark.parametrize("ref,row", [("A1048576", 1048576), ("C5000", 5000)])
def test_a_stray_value_far_below_the_table_is_one_problem(ref, row, tmp_path, capsys):
    path = valid_xlsx(tmp_path / "book.xlsx", {ref: "x"})
    rc = main(["aging", "--open-items", str(path), "--as-of", "2026-10-31", "--out", str(tmp_path / "a.csv")])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("1 problem in the inputs")
    assert f"row {row}, column '{'customer_id' if ref[0] == 'A' else 'document_date'}'" in err and "(found 'x')" in err


def test_a_few_blank_rows_inside_the_table_are_still_named_one_by_one(tmp_path, capsys):
    path = valid_xlsx(tmp_path / "book.xlsx", {"A10": "C9", "B10": "INV-9", "C10": "2026-09-01", "E10": 5.0,
                                              "F10": "USD"})
    assert main(["aging", "--open-items", str(path), "--as-of", "2026-10-31", "--out", str(tmp_path / "a.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("6 problems") and err.count("blank row inside the table") == 6
