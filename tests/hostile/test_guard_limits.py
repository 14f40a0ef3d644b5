"""The guard's limits are settable (CONTRACT §6 "Files on disk": ``MaxPartMB``, ``MaxZipRatio``):
they were read nowhere, the defaults always applied.  A workbook's own Settings sheet is read
before the guard looks at the rest of the package (its workbook part, relationships and the
Settings sheet are checked first under the defaults), and ``--settings FILE`` sets them for a
command's workbook inputs."""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
import xlsxwriter

from workbooks_kit import rezip
from xl_collections.book import open_book
from xl_collections.cli.dispatch import main
from xl_collections.io.guard import HostileWorkbook, book_limits, check_workbook
from xl_collections.io.sources import sheet_part
from xl_collections.core.settings import Settings
from xl_collections.workbook.template import build_template

BIG = b"<n>" + b"x" * (2 * 2**20) + b"</n>"       # a 2 MB part (compresses well: ratio is no issue under 100 MB)


@pytest.fixture(scope="module")
def tight(tmp_path_factory):
    """A template book whose Settings say MaxPartMB 1 and MaxZipRatio 50."""
    d = tmp_path_factory.mktemp("limits")
    return build_template(d / "tight.xlsm", settings=Settings(max_part_mb=1, max_zip_ratio=50))


def test_the_books_own_limits_are_read_from_its_settings_sheet(tight, tmp_path):
    assert book_limits(tight) == {"max_part_mb": 1, "max_zip_ratio": 50}
    plain = build_template(tmp_path / "plain.xlsm")
    assert book_limits(plain) == {"max_part_mb": 1024, "max_zip_ratio": 200}


def test_a_part_over_the_books_own_max_part_mb_is_refused(tight, tmp_path):
    path = rezip(tight, tmp_path / "big.xlsm", {"xl/extra/big.xml": BIG})
    with pytest.raises(HostileWorkbook, match=r"over the limit of 1 MB \(setting MaxPartMB\)"):
        open_book(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert main(["close", str(path), "--as-of", "2026-10-31"]) == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_the_same_part_passes_under_the_default_limit(tmp_path):
    plain = build_template(tmp_path / "plain.xlsm")
    path = rezip(plain, tmp_path / "big.xlsm", {"xl/extra/big.xml": BIG})
    open_book(path).close()


def test_a_settings_sheet_that_is_itself_hostile_is_refused_before_it_is_read(tight, tmp_path):
    with zipfile.ZipFile(tight) as z:
        settings = sheet_part(z, "Settings", binary=False)
    path = rezip(tight, tmp_path / "dtd.xlsm", {settings:
                                                 b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>'})
    with pytest.raises(HostileWorkbook, match="DTD"):
        book_limits(path)


def test_unreadable_or_odd_settings_fall_back_to_the_defaults(tmp_path):
    """A book without the named cells, or with text in them: the guard keeps its defaults (the
    settings reader names a bad value later)."""
    p = tmp_path / "bare.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Settings")
    ws.write_string(0, 1, "lots")
    wb.define_name("MaxPartMB", "=Settings!$B$1")
    wb.close()
    assert book_limits(p) == {"max_part_mb": 1024, "max_zip_ratio": 200}


def _input_book(path):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Customers")
    ws.write_row(0, 0, ["customer_id", "customer_name"])
    ws.write_row(1, 0, ["C1", "Acme"])
    wb.close()
    buf = io.BytesIO(path.read_bytes())
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("xl/extra/big.xml", BIG)
    path.write_bytes(buf.getvalue())
    return path


def test_settings_file_sets_the_limit_for_a_commands_workbook_input(tmp_path, capsys):
    customers = _input_book(tmp_path / "customers.xlsx")
    check_workbook(customers)                              # fine under the default
    items = tmp_path / "open_items.csv"
    items.write_text("customer_id,document_no,document_date,due_date,open_amount,currency\n"
                     "C1,INV-1,2026-09-01,2026-10-01,100.00,USD\n", encoding="utf-8")
    settings = tmp_path / "settings.csv"
    settings.write_text("name,value\nMaxPartMB,1\n", encoding="utf-8")
    args = ["worklist", "--customers", str(customers), "--open-items", str(items), "--as-of", "2026-10-31"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    assert main([*args, "--settings", str(settings), "--out", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "customers.xlsx" in err and "xl/extra/big.xml" in err and "MaxPartMB" in err
    assert not (tmp_path / "b").exists()
