"""A headless write changes the owned sheets and nothing else: part-by-part comparison of
the package before and after, on a rich fixture and on real Excel-made workbooks."""
from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from lxml import etree

from conftest import external, external_path
from xl_collections.book import ChartSpec, ColorScale, DataBar, SheetOutput, TableBlock, open_book
from xl_collections.core.headers import human_header

sys.path.insert(0, str(Path(__file__).parent))
from fixtures_book.rich import build  # noqa: E402

EXTERNAL = external_path("excel")
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NSR = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


# ---- outputs as the engine will hand them over ---------------------------------------------
def aging_df() -> pd.DataFrame:
    df = pd.DataFrame({
        "customer_id": ["00123", "=HYPERLINK(\"http://x\")", "+44 20 7946", "-minus", "@handle", "TOTAL"],
        "customer_name": ["Acme GmbH", "Formula Looking Ltd", "Plus Co", "Minus & Sons <x>", "At Corp", ""],
        "currency": ["USD", "USD", "JPY", "KWD", "EUR", "USD"],
        "total_open": [1234567, -2500, 500000, 1234, 99, 0],
        "1-30": [1000000, 0, 250000, 1000, 0, 0],
        "31-60": [234567, -2500, 250000, 234, 99, 0],
        "as_of": pd.to_datetime(["2026-10-31"] * 6),
        "share": [0.5, 0.1, 0.2, 0.1, 0.1, 1.0],
    })
    df.attrs["money"] = ["total_open", "1-30", "31-60"]
    return df


def outputs() -> list[SheetOutput]:
    df = aging_df()
    aging = SheetOutput("Aging", [TableBlock(df, table_name="tblAging", percent_columns=("share",),
                                             conditional=(ColorScale(("31-60",)), DataBar(("total_open",))))],
                        charts=[ChartSpec("customer_id", ("1-30", "31-60"), kind="bar", title="Aging by bucket")],
                        notes=["Aging as of 2026-10-31", "Amounts in document currency"])
    close = SheetOutput("Close", [TableBlock(pd.DataFrame({"step": ["aging", "cashapp"], "status": ["DONE", "SKIPPED"],
                                                           "rows": [6, 0]}), table_name="tblClose")])
    kpis = SheetOutput("KPIs", [TableBlock(pd.DataFrame({"kpi": ["DSO", "CEI"], "value": [41.5, 0.87]}),
                                           number_formats={"value": "0.00"})])
    recon = SheetOutput("Recon", [TableBlock(pd.DataFrame({"line": ["opening", "invoices"], "amount": [100, 250]},
                                                          ).assign(), money_columns=("amount",)),
                                  TableBlock(pd.DataFrame({"break_type": ["AMOUNT_MISMATCH"], "detail": ["=1+1"]}),
                                             table_name="tblBreaks")])
    return [aging, close, kpis, recon]


# ---- the comparison ----------------------------------------------------------------------------
def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    wb = etree.fromstring(z.read("xl/workbook.xml"))
    rels = {m.group(1): m.group(2) for m in re.finditer(r'Id="([^"]+)"[^>]*Target="([^"]+)"|', z.read("xl/_rels/workbook.xml.rels").decode()) if m.group(1)}
    rels.update({m.group(2): m.group(1) for m in re.finditer(r'Target="([^"]+)"[^>]*Id="([^"]+)"', z.read("xl/_rels/workbook.xml.rels").decode())})
    out = {}
    for s in wb.iter(f"{{{NS}}}sheet"):
        t = rels[s.get(f"{{{NSR}}}id")]
        out[s.get("name")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def rel_targets(z: zipfile.ZipFile, part: str) -> list[str]:
    d, f = part.rsplit("/", 1)
    rp = f"{d}/_rels/{f}.rels"
    if rp not in z.namelist():
        return []
    out = []
    for el in re.findall(r"<Relationship\b[^>]*>", z.read(rp).decode()):
        t = re.search(r'Target="([^"]+)"', el).group(1)
        if 'TargetMode="External"' not in el:
            out.append(t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(d, t)))
    return out


def children(xml: bytes, tag: str) -> list[bytes]:
    root = etree.fromstring(xml)
    el = root.find(f"{{{NS}}}{tag}")
    return [etree.tostring(c) for c in el] if el is not None else []


def assert_preserved(src: Path, dst: Path, owned: list[str]) -> dict[str, str]:
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(dst)
    before, after = sheet_parts(a), sheet_parts(b)
    # sheet order and defined names survive; new sheets come after the old ones
    assert list(after)[:len(before)] == list(before)
    assert set(after) - set(before) == {n for n in owned if n not in before}
    wa, wb_ = etree.fromstring(a.read("xl/workbook.xml")), etree.fromstring(b.read("xl/workbook.xml"))
    names = lambda w: [(d.get("name"), d.get("localSheetId"), d.text) for d in w.iter(f"{{{NS}}}definedName")]  # noqa: E731
    # the user's names are kept as they were; each sheet the program wrote gets its hidden xlc_owned
    # and the program's print area and titles of the sheets it owns (footer, fit to width: issue 19)
    sheets_before = [s.get("name") for s in wa.iter(f"{{{NS}}}sheet")]
    sheets_after = [s.get("name") for s in wb_.iter(f"{{{NS}}}sheet")]
    printing = ("_xlnm.Print_Area", "_xlnm.Print_Titles")

    def users(w, sheets):
        return [n for n in names(w) if n[0] != "xlc_owned"
                and not (n[0] in printing and n[1] is not None and sheets[int(n[1])] in owned)]
    assert users(wa, sheets_before) == users(wb_, sheets_after)
    printed = {sheets_after[int(n[1])] for n in names(wb_) if n[0] == "_xlnm.Print_Area"}
    assert printed <= set(owned)
    marked = {sheets_after[int(n[1])] for n in names(wb_) if n[0] == "xlc_owned"}
    assert marked == set(owned)
    # parts we may change: the owned sheets with what hangs off them, and the registries
    allowed = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml",
               "docProps/core.xml", "xl/calcChain.xml"}
    for name in owned:
        for z, parts in ((a, before), (b, after)):
            if name in parts:
                p = parts[name]
                d, f = p.rsplit("/", 1)
                allowed |= {p, f"{d}/_rels/{f}.rels"}
                for t in rel_targets(z, p):
                    if "/tables/" in t or "/charts/" in t:
                        allowed.add(t)
                    if "/drawings/drawing" in t:
                        allowed.add(t)
                        dd, df_ = t.rsplit("/", 1)
                        allowed.add(f"{dd}/_rels/{df_}.rels")
                        allowed |= {c for c in rel_targets(z, t) if "/charts/" in c}
    for info in a.infolist():
        n = info.filename
        if n in allowed:
            continue
        assert n in b.namelist(), f"{n} was dropped"
        new = b.getinfo(n)
        assert a.read(n) == b.read(n), f"{n} changed"
        assert (new.CRC, new.compress_size, new.compress_type) == (info.CRC, info.compress_size, info.compress_type)
    # the registries only grew
    ct_a, ct_b = a.read("[Content_Types].xml").decode(), b.read("[Content_Types].xml").decode()
    for el in re.findall(r"<(?:Default|Override)\b[^>]*/>", ct_a):
        part = re.search(r'PartName="/([^"]+)"', el)
        if part is None or part.group(1) in b.namelist():
            assert el in ct_b, el
    rels_a, rels_b = a.read("xl/_rels/workbook.xml.rels").decode(), b.read("xl/_rels/workbook.xml.rels").decode()
    for el in re.findall(r"<Relationship\b[^>]*/>", rels_a):
        if "calcChain" not in el:
            assert el in rels_b, el
    for tag in ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs"):
        old, new = children(a.read("xl/styles.xml"), tag), children(b.read("xl/styles.xml"), tag)
        assert new[:len(old)] == old, tag
    core = lambda z: re.sub(rb"<dcterms:modified\b.*?</dcterms:modified>", b"", z.read("docProps/core.xml"))  # noqa: E731
    assert core(a) == core(b)
    # every part we wrote is well-formed XML, and every relationship target exists
    for n in b.namelist():
        if n.endswith((".xml", ".rels")):
            etree.fromstring(b.read(n))
        if n.endswith(".rels") and n != "_rels/.rels":
            for t in rel_targets(b, n.replace("_rels/", "").removesuffix(".rels")):
                assert t in b.namelist() or not t.startswith("xl/") or "printerSettings" in t, (n, t)
    return after


# ---- the rich fixture ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def written(tmp_path_factory):
    d = tmp_path_factory.mktemp("rich")
    src = build(d / "Collections.xlsm")
    dst = d / "Run.xlsm"
    shutil.copy(src, dst)
    book = open_book(dst)
    book.adopt("Close")        # the fixture's own Close (a title, buttons): taken over, as a caller decides
    for out in outputs():
        book.write_sheet(out)
    book.save()
    return src, dst


def test_rich_fixture_has_what_users_have(written):
    src, _ = written
    names = zipfile.ZipFile(src).namelist()
    for part in ("xl/vbaProject.bin", "customUI/customUI14.xml", "xl/media/image1.png", "xl/charts/chart1.xml",
                 "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml", "xl/tables/table1.xml"):
        assert part in names
    assert b"ui/extensibility" in zipfile.ZipFile(src).read("_rels/.rels")


def test_only_owned_sheets_change(written):
    src, dst = written
    assert_preserved(src, dst, [o.name for o in outputs()])


def test_owned_sheets_hold_the_new_content(written):
    _, dst = written
    book = open_book(dst)
    assert book.sheet_names() == ["Settings", "Open Items", "Close", "Dashboard", "Locked", "Aging", "KPIs", "Recon"]
    t = book.read_table("tblAging")
    # listed names read back as the contract's; others (share) as the title case they show
    assert list(t.columns) == [human_header(c) if c == "share" else c for c in aging_df().columns]
    assert t["customer_id"].tolist()[:5] == ["00123", '=HYPERLINK("http://x")', "+44 20 7946", "-minus", "@handle"]
    # money in major units of each row's currency (USD 2, JPY 0, KWD 3 decimals)
    assert t["total_open"].tolist()[:5] == [12345.67, -25.0, 500000.0, 1.234, 0.99]
    assert t.index[0] == 5       # two note lines, a blank row, the header in row 4
    raw = book.read_sheet("Aging")
    assert raw.loc[1, 0] == "Aging as of 2026-10-31"
    assert open_book(dst).read_table("tblBreaks")["detail"].tolist() == ["=1+1"]
    close = book.read_sheet("Close")
    assert close.loc[1, 0] == "step" and "Month-end close" not in close.to_numpy().tolist()
    # settings still resolve, from workbook- and sheet-scoped names
    nv = book.named_values()
    assert nv["ReportingCurrency"] == "USD" and nv["Settings!DayFirst"] is False and nv["DayFirst"] is False
    assert str(nv["AsOfDate"])[:10] == "2026-10-31"


def test_no_formula_written_and_text_cells_inline(written):
    _, dst = written
    z = zipfile.ZipFile(dst)
    parts = sheet_parts(z)
    for name in ("Aging", "Recon", "Close", "KPIs"):
        xml = z.read(parts[name])
        assert b"<f>" not in xml and b"<f " not in xml
        assert b't="s"' not in xml          # shared strings untouched: inline strings only
    wb = openpyxl.load_workbook(dst)        # another reader agrees: text, not formulas
    cells = [c.value for row in wb["Aging"].iter_rows() for c in row if isinstance(c.value, str)]
    assert '=HYPERLINK("http://x")' in cells
    assert wb["Aging"]["B5"].data_type == "s" if wb["Aging"]["B5"].value else True
    assert all(c.data_type != "f" for row in wb["Aging"].iter_rows() for c in row)


def test_close_keeps_its_buttons_and_shape(written):
    src, dst = written
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(dst)
    pa, pb = sheet_parts(a)["Close"], sheet_parts(b)["Close"]
    old, new = a.read(pa), b.read(pb)
    for tag in (rb"<legacyDrawing [^>]*/>", rb"<drawing [^>]*/>"):
        assert re.search(tag, old) and re.search(tag, new)
    assert rel_targets(a, pa) == [t for t in rel_targets(b, pb) if "/tables/" not in t]
    drawing = next(t for t in rel_targets(b, pb) if "/drawings/drawing" in t)
    assert b'macro="[0]!SampleCall"' in b.read(drawing)
    assert b"SampleRemoveTrace" in b.read(next(t for t in rel_targets(b, pb) if t.endswith(".vml")))


def test_old_table_of_owned_sheet_is_replaced(written):
    src, dst = written
    b = zipfile.ZipFile(dst)
    tables = [n for n in b.namelist() if "/tables/" in n]
    names = [re.search(rb'name="([^"]+)"', b.read(t)).group(1) for t in tables]
    ids = [re.search(rb'\bid="(\d+)"', b.read(t)).group(1) for t in tables]
    assert sorted(names) == [b"tblAging", b"tblBreaks", b"tblClose"]
    assert len(set(ids)) == len(ids)


def test_rewrite_is_stable(written, tmp_path):
    """A second run over the result changes only the owned sheets again, and styles stop growing."""
    _, dst = written
    again = tmp_path / "again.xlsm"
    shutil.copy(dst, again)
    book = open_book(again)
    for out in outputs():
        book.write_sheet(out)
    book.save()
    assert_preserved(dst, again, [o.name for o in outputs()])
    za, zb = zipfile.ZipFile(dst), zipfile.ZipFile(again)
    assert za.read("xl/styles.xml") == zb.read("xl/styles.xml")
    assert len([n for n in zb.namelist() if "/charts/" in n]) == len([n for n in za.namelist() if "/charts/" in n])


def _soffice(src: Path, out_dir: Path, fmt: str = "pdf") -> Path:
    profile = out_dir / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(out_dir), str(src)], check=True, capture_output=True, timeout=180)
    out = out_dir / (src.stem + "." + fmt)
    assert out.exists() and out.stat().st_size > 0
    return out


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; CI installs it")
def test_opens_in_libreoffice(written, tmp_path):
    _, dst = written
    pdf = _soffice(dst, tmp_path)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for v in ("Aging as of 2026-10-31", "Acme GmbH", '=HYPERLINK("http://x")', "@handle", "12,345.67",
                  "AMOUNT_MISMATCH", "=1+1", "DSO", "protected", "North"):
            assert v in text, v


# ---- real Excel-made workbooks -------------------------------------------------------------------
EXCEL_FILES = sorted(p for p in EXTERNAL.glob("*") if p.suffix.lower() in (".xlsx", ".xlsm")) if EXTERNAL.exists() else []


@pytest.mark.parametrize("src", EXCEL_FILES, ids=lambda p: p.name)
def test_external_workbook_gets_a_new_owned_sheet(src, tmp_path):
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    os.chmod(dst, 0o644)
    book = open_book(dst)
    before = {n: book.read_sheet(n) for n in book.sheet_names()}
    book.write_sheet(outputs()[0])
    book.save()
    assert_preserved(src, dst, ["Aging"])
    after = open_book(dst)
    for n, grid in before.items():
        pd.testing.assert_frame_equal(after.read_sheet(n), grid)
    assert after.read_table("tblAging")["customer_name"].tolist()[0] == "Acme GmbH"
    openpyxl.load_workbook(dst)


def test_excel_made_buttons_survive_on_an_owned_sheet(tmp_path):
    """Form buttons made by Excel (controls + ctrlProps + VML) on a sheet we rewrite."""
    src = EXTERNAL / "xlwings_fibonacci.xlsm"
    dst = tmp_path / "fib.xlsm"
    shutil.copy(src, dst)
    os.chmod(dst, 0o644)
    book = open_book(dst)
    book.adopt("Fibonacci")    # a user's sheet the caller takes over: its cells are not kept as notes
    book.write_sheet(SheetOutput("Fibonacci", [TableBlock(aging_df(), table_name="tblAging")],
                                 charts=[ChartSpec("customer_id", ("1-30",))]))
    book.save()
    assert_preserved(src, dst, ["Fibonacci"])
    z = zipfile.ZipFile(dst)
    xml = z.read("xl/worksheets/sheet1.xml")
    assert xml.count(b"<control ") == 2 and b'macro="[0]!FibonacciLite"' in xml
    assert b"<legacyDrawing " in xml and b'codeName="Sheet1"' in xml
    etree.fromstring(xml)
    for part in ("xl/ctrlProps/ctrlProp1.xml", "xl/ctrlProps/ctrlProp2.xml", "xl/drawings/vmlDrawing1.vml"):
        assert z.read(part) == zipfile.ZipFile(src).read(part)


@pytest.mark.parametrize("name", ["xlwings_engines.xlsb", "xlwings_single_sheet_many_rows.xlsb"])
def test_xlsb_is_read_only(name, tmp_path):
    book = open_book(EXTERNAL / name)
    sheets = book.sheet_names()
    assert sheets and not book.read_sheet(sheets[0]).empty
    with pytest.raises(Exception, match="read-only"):
        book.write_sheet(outputs()[0])


def test_calc_chain_loses_the_rewritten_sheets_formulas(tmp_path):
    src = EXTERNAL / "xlwings_simulation.xlsm"
    for owned, chain_kept in (("LICENSE", True), ("Simulation", False)):
        dst = tmp_path / f"{owned}.xlsm"
        shutil.copy(src, dst)
        os.chmod(dst, 0o644)
        book = open_book(dst)
        book.adopt(owned)
        book.write_sheet(SheetOutput(owned, [TableBlock(pd.DataFrame({"x": ["=A1"]}))]))
        book.save()
        assert_preserved(src, dst, [owned])
        z = zipfile.ZipFile(dst)
        assert ("xl/calcChain.xml" in z.namelist()) is chain_kept
        if chain_kept:
            assert z.read("xl/calcChain.xml") == zipfile.ZipFile(src).read("xl/calcChain.xml")
        else:
            assert b"calcChain" not in z.read("xl/_rels/workbook.xml.rels")
            assert b"calcChain" not in z.read("[Content_Types].xml")
        openpyxl.load_workbook(dst)
