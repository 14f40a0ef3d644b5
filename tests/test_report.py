"""Issue 19: the workbook a manager reads — human headers, drill-down links, print set-up — and
the management pack (``xl-collections report BOOK --pdf OUT``, the ribbon's ``xlc_report``),
checked in the saved file (openpyxl reads what Excel would) and in the PDF LibreOffice prints."""
from __future__ import annotations

import csv
import shutil

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import QUICKSTART
from xl_collections import macros
from xl_collections.book import SheetOutput, TableBlock, open_book
from xl_collections.book.xwbridge import mock_caller
from xl_collections.cli.dispatch import main as cli
from xl_collections.close.pipeline import run_close
from xl_collections.cli.demo import build_demo_book
from xl_collections.core.headers import HEADERS, contract_name, human_header
from xl_collections.report.navigation import dress
from xl_collections.report.pack import PACK_SHEETS, find_soffice, pdf_pages

needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    gen, path = build_demo_book(d, items=400, customers=30, seed=11)
    with open_book(path) as book:
        run_close(book)
        book.save()
    return gen, path


def _header_row(ws, first: str) -> int:
    return next(c.row for c in ws["A"] if c.value == first)


# ---- human headers -----------------------------------------------------------------------

def test_listed_names_show_their_words_and_read_back():
    assert [human_header(n) for n in ("customer_id", "total_open", "days_past_due", "1-30", "121+")] == [
        "Customer", "Total Open", "Days Past Due", "1-30", "121+"]
    shown = [v for k, v in HEADERS.items() if k != "customer"]       # the chart data's "customer" shows alike
    assert len(shown) == len(set(shown)), "two contract names show the same words"
    for name in HEADERS:
        if name != "customer":
            assert contract_name(human_header(name)) == name
    assert contract_name("customer_id") == "customer_id"        # an older book's headers still read


def test_unknown_names_fall_back_to_title_case_and_user_text_stays():
    assert human_header("claim_rank") == "Claim Rank"           # a sheet added later: no change needed
    assert human_header("sha256_open_items") == "SHA-256 Open Items"
    assert human_header("run") == "run" and contract_name(human_header("run")) == "run"   # "Run" is run_id's
    assert contract_name("SHA-256 Open Items") == "sha256_open_items"
    # the user's own headers (Commentary's suggested columns too) are never renamed
    for text in ("Analyst comment", "Next action", "Owner", "my notes", "Scratch"):
        assert human_header(text) == text and contract_name(text) == text


@given(st.sampled_from(sorted(HEADERS)))
def test_a_shown_header_names_one_contract_column(name):
    back = contract_name(human_header(name))
    assert back == name or (name == "customer" and back == "customer_id")


def test_the_saved_sheets_show_human_headers_and_read_back_as_the_contract(closed):
    _, path = closed
    wb = openpyxl.load_workbook(path)
    aging = wb["Aging"]
    h = _header_row(aging, "Customer")
    assert [aging.cell(h, j).value for j in range(1, 7)] == ["Customer", "Customer Name", "Currency", "Total Open",
                                                              "Not Due", "1-30"]
    detail = wb["Aging Detail"]
    assert "Days Past Due" in [c.value for c in detail[1]]
    assert "customer_id" not in {c.value for ws in wb.worksheets if ws.title in ("Aging", "Worklist") for c in ws["A"]}
    with open_book(path) as book:
        assert list(book.read_table("tblAging").columns[:4]) == ["customer_id", "customer_name", "currency",
                                                                  "total_open"]
        grid = book.read_sheet("Aging Detail")
        assert grid.iloc[0, :2].tolist() == ["customer_id", "document_no"]


def test_every_column_the_close_writes_is_listed_so_it_reads_back(closed):
    """A column shown by the title-case fallback reads back under that title, not its contract
    name: a step that reads its sheet again needs its names in headers.HEADERS."""
    _, path = closed
    suggested = {"Analyst comment", "Next action", "Owner"}          # Commentary's user columns
    tables = [t for ws in openpyxl.load_workbook(path).worksheets for t in ws.tables]
    assert len(tables) > 20
    with open_book(path) as book:
        unlisted = {}
        for table in tables:
            cols = [c for c in book.read_table(table).columns       # a contract name is snake_case; words
                    if c not in HEADERS and c not in suggested and not c.startswith("sha256_") and not c[:1].isdigit()
                    and c == c.lower() and " " not in c]                # (the Dashboard's months) need no entry
            if cols:
                unlisted[table] = cols
    assert not unlisted, f"list these names in xl_collections/core/headers.py HEADERS: {unlisted}"


def test_csv_outputs_keep_the_contracts_names(closed, tmp_path):
    _, path = closed
    data = path.parent / "data"
    out = tmp_path / "aging.csv"
    assert cli(["aging", "--open-items", str(data / "open_items.csv"), "--fx", str(data / "fx_rates.csv"),
                "--as-of", "2026-10-31", "--out", str(out)]) == 0
    with open(out, newline="", encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[:4] == ["customer_id", "customer_name", "currency", "total_open"]


# ---- drill-down and the back link ---------------------------------------------------------

@pytest.mark.parametrize("sheet", ["Aging", "Worklist", "Credit Review", "Commentary"])
def test_customer_ids_link_to_their_first_row_on_aging_detail(closed, sheet):
    _, path = closed
    wb = openpyxl.load_workbook(path)
    detail = wb["Aging Detail"]
    first_row = {}
    for r in range(2, detail.max_row + 1):
        first_row.setdefault(detail.cell(r, 1).value, r)
    ws = wb[sheet]
    links = [c for row in ws.iter_rows() for c in row if c.hyperlink is not None and "Aging Detail" in
             (c.hyperlink.location or "")]
    assert links, f"no drill-down on {sheet}"
    for c in links:
        assert c.hyperlink.location == f"'Aging Detail'!A{first_row[c.value]}"
        assert c.font.u == "single" and c.font.color.rgb == "FF0563C1", c.coordinate      # looks like a link
    plain = [c for row in ws.iter_rows() for c in row if c.hyperlink is None and c.value in first_row]
    assert all(c.font.u is None for c in plain)


def test_a_link_cell_keeps_its_column_format_and_the_total_row_stays_bold(tmp_path):
    df = pd.DataFrame({"customer_id": ["C1", "C2", "TOTAL"], "comment": ["x", "y", ""]})
    out = SheetOutput("Aging", [TableBlock(df, table_name="tblAging", total_row=True, wrap_columns=("comment",),
                                           links={"customer_id": {"C1": "'Aging Detail'!A2", "TOTAL": "'X'!A1"}})],
                      notes=("Aging",), back_link=("« Back to Close", "'Close'!A1"))
    p = tmp_path / "b.xlsm"
    shutil.copy(QUICKSTART, p)
    book = open_book(p)
    book.write_sheet(out)
    book.save()
    ws = openpyxl.load_workbook(p)["Aging"]
    c1, c2, total, back = ws["A4"], ws["A5"], ws["A6"], ws["A2"]
    assert (c1.value, c1.font.u, c1.alignment.vertical) == ("C1", "single", "top")     # the block aligns top
    assert (c2.font.u, c2.alignment.vertical) == (None, "top")
    assert (total.font.b, total.font.u) == (True, None)
    assert (back.value, back.font.u) == ("« Back to Close", "single")


def test_every_result_sheet_with_notes_links_back(closed):
    _, path = closed
    wb = openpyxl.load_workbook(path)
    for name in ("Aging", "Worklist", "Recon", "Commentary", "Allowance", "Cash App", "KPIs"):
        ws = wb[name]
        back = [c for c in ws["A"] if c.hyperlink is not None and c.hyperlink.location == "'Dashboard'!A1"]
        assert [c.value for c in back] == ["« Back to Dashboard"], name    # the close wrote the Dashboard


def test_the_back_link_goes_to_the_dashboard_once_there_is_one():
    df = pd.DataFrame({"customer_id": ["C1", "C2", "C1"], "document_no": ["A", "B", "C"]})
    detail = SheetOutput("Aging Detail", [TableBlock(df)])
    aging = SheetOutput("Aging", [TableBlock(pd.DataFrame({"customer_id": ["C1", "C9"]}))], notes=("Aging",))
    out = {o.name: o for o in dress([aging, detail], None, ["Close", "Dashboard"])}
    assert out["Aging"].back_link == ("« Back to Dashboard", "'Dashboard'!A1")
    assert out["Aging"].blocks[0].links["customer_id"] == {"C1": "'Aging Detail'!A2", "C2": "'Aging Detail'!A3"}
    assert out["Aging Detail"].back_link is None                    # its table starts in row 1


# ---- print set-up ---------------------------------------------------------------------------

@pytest.mark.parametrize("sheet", ["Close", "Aging", "Aging Detail", "Recon", "Commentary", "Allowance", "Worklist"])
def test_every_program_sheet_prints_landscape_one_page_wide_with_a_dated_footer(closed, sheet):
    _, path = closed
    ws = openpyxl.load_workbook(path)[sheet]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area.split(",")[0].startswith(f"'{sheet}'!$A$1:")
    assert ws.oddFooter.left.text == "As of 2026-10-31"
    assert ws.oddFooter.right.text == "Page &P of &N" and ws.oddFooter.center.text == "&A"


def test_the_main_tables_header_repeats_and_side_blocks_print_apart(closed):
    _, path = closed
    wb = openpyxl.load_workbook(path)
    detail = wb["Aging Detail"]
    assert detail.print_title_rows == "$1:$1"
    aging = wb["Aging"]
    h = _header_row(aging, "Customer")
    assert aging.print_title_rows == f"${h}:${h}"
    assert len(aging.print_area.split(",")) == 2         # the table, then the chart and its data on their own page


# ---- the management pack ----------------------------------------------------------------------

@needs_soffice
def test_report_prints_the_pack_to_one_pdf(closed, tmp_path, capsys):
    _, path = closed
    out = tmp_path / "pack.pdf"
    assert cli(["report", str(path), "--pdf", str(out)]) == 0
    pages = pdf_pages(out)
    said = capsys.readouterr().out
    assert "Aging, Commentary, Recon, Allowance" in said and f"{pages} pages" in said
    assert 4 <= pages < 40          # each sheet at least a page; tens of pages, not hundreds


def test_report_without_libreoffice_says_so_and_writes_nothing(closed, tmp_path, monkeypatch, capsys):
    _, path = closed
    monkeypatch.setenv("XLC_SOFFICE", str(tmp_path / "no-such-soffice"))
    out = tmp_path / "pack.pdf"
    assert cli(["report", str(path), "--pdf", str(out)]) == 3
    assert "LibreOffice" in capsys.readouterr().out and not out.exists()


def test_report_usage_errors(closed, tmp_path):
    _, path = closed
    assert cli(["report", str(tmp_path / "missing.xlsm"), "--pdf", str(tmp_path / "p.pdf")]) == 2
    assert cli(["report", str(path), "--pdf", str(tmp_path / "p.txt")]) == 2
    fake = tmp_path / "fake.xlsm"
    fake.write_bytes(b"not a workbook")
    assert cli(["report", str(fake), "--pdf", str(tmp_path / "p.pdf")]) == 1


@needs_soffice
def test_the_ribbons_report_button_writes_the_pack_beside_the_book(closed, tmp_path):
    _, path = closed
    book = tmp_path / "ar_close.xlsm"
    shutil.copy(path, book)
    mock_caller(book)
    got = macros.ribbon("xlc_report")
    assert got == tmp_path / "ar_close pack.pdf" and pdf_pages(got) >= 4
    assert set(PACK_SHEETS) - {"Dashboard"} <= set(open_book(book).sheet_names())
