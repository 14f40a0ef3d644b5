"""The collections workbook template: sheets, named settings, validation, VBA, buttons, shim,
and the kept ``workbooks/ar_close.xlsm`` never drifting from the code."""
from __future__ import annotations

import datetime as dt
import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xl_collections.core import schema
from xl_collections.book import open_book
from xl_collections.io.sources import sheet_part as sheet_member
from xl_collections.close.steps import SHEET_BUTTONS
from xl_collections.core.settings import NAMED_CELLS, Settings, from_named_values
from xl_collections.workbook.template import (NOISE_PARTS, SHEET_ORDER, STEP_BUTTONS, TemplateError, build_template,
                                     built_with_xlwings,
                                     check_book_name, compare_books, vba_project, xlwings_dir)
from xl_collections.workbook.vba import module_sources, with_kept_vba

ROOT = Path(__file__).resolve().parents[1]
KEPT = ROOT / "workbooks" / "ar_close.xlsm"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "my_close.xlsm", created=dt.datetime(2026, 1, 1))


def test_kept_template_is_what_the_code_builds(tmp_path):
    sys.path.insert(0, str(ROOT / "workbooks"))
    try:
        import build_template as bt
    finally:
        sys.path.pop(0)
    fresh = bt.build(tmp_path / KEPT.name)
    ignore = set(NOISE_PARTS)
    if built_with_xlwings(KEPT) != built_with_xlwings(fresh):      # another xlwings here: its VBA differs
        ignore.add("xl/vbaProject.bin")
    assert compare_books(KEPT, fresh, ignore) == [], "run: python workbooks/build_template.py"
    assert (tmp_path / "ar_close.py").read_text() == (ROOT / "workbooks" / "ar_close.py").read_text()


def test_sheets_in_contract_order(book):
    names = open_book(book).sheet_names()
    assert names == SHEET_ORDER
    for t in schema.BOOK_TABLES.values():
        assert t.sheet in names
    for s in ("Close", "Settings", "Column Map", "Aging", "Aging Detail", "KPIs", "Cash App", "Unapplied",
              "Exceptions", "Recon", "Commentary", "Audit Log", "xlwings.conf"):
        assert s in names


def test_named_settings_read_back_as_the_defaults(book):
    named = open_book(book).named_values()
    assert set(NAMED_CELLS) <= set(named)
    settings, errors = from_named_values(named)
    assert errors == []
    assert settings == Settings()          # as_of blank, everything else the defaults


def test_settings_have_data_validation(book):
    with zipfile.ZipFile(book) as z:
        xml = z.read(sheet_part(z, "Settings")).decode()
    dvs = re.findall(r"<dataValidation\b([^>]*?)(?:/>|>(.*?)</dataValidation>)", xml, re.S)
    by_cell = {re.search(r'sqref="([^"]+)"', a).group(1): (a, body) for a, body in dvs}
    assert len(by_cell) == len(NAMED_CELLS)
    basis = by_cell["B5"]
    assert 'type="list"' in basis[0] and '"due,document"' in basis[1]
    assert '"TRUE,FALSE"' in by_cell["B11"][1]
    conf = by_cell["B9"]
    assert 'type="decimal"' in conf[0] and "<formula1>0</formula1>" in conf[1] and "<formula2>1</formula2>" in conf[1]
    assert 'promptTitle="AgingBuckets"' in by_cell["B6"][0]        # buckets: text with an input message
    assert 'operator="greaterThanOrEqual"' in by_cell["B7"][0]      # MatchTolerance >= 0


def test_input_sheets_have_schema_headers_and_column_map(book):
    b = open_book(book)
    for t in schema.BOOK_TABLES.values():
        head = [v for v in b.read_sheet(t.sheet).iloc[0].tolist() if v is not None]
        assert head == t.always      # fiscal_year, item, debit_credit: real exports only
    assert b.read_sheet("Column Map").iloc[0].tolist()[:3] == ["table", "source_column", "canonical_column"]


def test_vba_is_xlwings_own_and_checked(book):
    src = xlwings_dir() / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(src) as z:
        original = z.read("xl/vbaProject.bin")
    with zipfile.ZipFile(book) as z:
        # xlwings' project with our kept modules (workbooks/vba/*.bas) in place of its Module1
        assert z.read("xl/vbaProject.bin") == with_kept_vba(original)
        wb = z.read("xl/workbook.xml").decode()
        ct = z.read("[Content_Types].xml").decode()
        vml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
        sheets = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    assert 'codeName="ThisWorkbook"' in wb
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in ct
    codes = sorted(re.search(r'codeName="([^"]+)"', x).group(1) for x in sheets)
    assert {"Sheet1", "Sheet2"} <= set(codes) and len(set(codes)) == len(sheets)
    # form buttons call the project's SampleCall, which runs "import <name>; <name>.main()"
    # Close, each step sheet and each sheet button outside the close (Research claims)
    assert vml.count("<x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>") == 1 + len(STEP_BUTTONS) + len(SHEET_BUTTONS)
    code = module_sources(original)["Module1"]
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in code


def test_vba_without_the_macro_is_refused(tmp_path):
    bad = tmp_path / "bad.xlsm"
    with zipfile.ZipFile(xlwings_dir() / "quickstart_standalone.xlsm") as src, zipfile.ZipFile(bad, "w") as dst:
        for n in src.namelist():
            data = src.read(n)
            if n == "xl/workbook.xml":
                data = data.replace(b'codeName="ThisWorkbook"', b'codeName="NoSuchModule"')
            dst.writestr(n, data)
    with pytest.raises(TemplateError, match="NoSuchModule"):
        vba_project(bad)
    assert vba_project(xlwings_dir() / "quickstart.xlsm")[1]["workbook"] == "ThisWorkbook"


def test_xlwings_conf_sheet(book):
    g = open_book(book).read_sheet("xlwings.conf")
    conf = {g.iat[i, 0]: g.iat[i, 1] for i in range(9)}
    assert conf["UDF Modules"] == "udfs"
    assert conf["Interpreter_Win"] == "python"
    assert "PYTHONPATH" in conf and "Interpreter_Mac" in conf
    assert g.iat[9, 0] is None                      # xlwings reads A1 down to the first gap


@pytest.mark.parametrize("name,ok", [("my_close.xlsm", True), ("AR2026.xlsm", True), ("1st.xlsm", False),
                                     ("my-close.xlsm", False), ("class.xlsm", False), ("collections.xlsm", False),
                                     ("xl_collections.xlsm", False), ("pandas.xlsm", False), ("book.xlsx", False)])
def test_book_names_like_xlwings_quickstart(name, ok, tmp_path):
    if ok:
        assert check_book_name(tmp_path / name) == Path(name).stem
    else:
        with pytest.raises(TemplateError):
            check_book_name(tmp_path / name)


def test_new_book_command_writes_book_and_shim(tmp_path):
    from xl_collections.cli.dispatch import main
    out = tmp_path / "ar_books" / "east_close.xlsm"
    assert main(["new-book", "--out", str(out)]) == 0
    shim = out.with_suffix(".py")
    assert out.exists() and shim.exists()
    spec = importlib.util.spec_from_file_location("east_close", shim)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from xl_collections import macros
    assert mod.main is macros.main
    assert main(["new-book", "--out", str(out)]) == 2          # never overwrites
    assert main(["new-book", "--out", str(tmp_path / "bad-name.xlsm")]) == 2


def test_libreoffice_opens_the_template(book, tmp_path):
    if not shutil_which("soffice"):
        pytest.skip("LibreOffice not installed")
    r = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                       capture_output=True, timeout=180)
    assert r.returncode == 0 and (tmp_path / "my_close.pdf").stat().st_size > 1000


def shutil_which(name):
    import shutil
    return shutil.which(name)


def sheet_part(z: zipfile.ZipFile, name: str) -> str:
    """Part name of a sheet in a workbook package (the readers' own lookup)."""
    return sheet_member(z, name, binary=False)


def test_column_map_sheet_has_the_value_columns_the_readers_accept(book):
    """The readers map VALUES too (``source_value`` → ``canonical_value``, SAP ``DR`` → ``INV``):
    the template's Column Map must offer those two headers, and a row typed under them is read."""
    from xl_collections.io.readers import MAP_CANONICAL_VALUE, MAP_SOURCE_VALUE, load_column_map
    grid = open_book(book).read_sheet("Column Map")
    head = grid.iloc[0].tolist()[:5]
    assert head == ["table", "source_column", "canonical_column", MAP_SOURCE_VALUE[0], MAP_CANONICAL_VALUE[0]]
    grid.iloc[1, :5] = ["open_items", "Belegart", "doc_type", "DR", "INV"]
    mapping, errors = load_column_map(grid.iloc[:2, :5].reset_index(drop=True))
    assert errors == [] and mapping["open_items"].value_map == {"doc_type": {"DR": "INV"}}
