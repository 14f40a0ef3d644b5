"""``xl-collections report BOOK.xlsm --pdf OUT.pdf``: the management pack (Dashboard, Aging,
Commentary, Recon, Allowance) as one PDF, printed by LibreOffice (:mod:`xl_collections.report.pack`)."""
from __future__ import annotations

from pathlib import Path

from ..book import BookError, open_book
from ..core.errors import Refused, UsageError
from ..report.pack import PACK_SHEETS, PackError, export_pdf

HELP = "print the management pack (Dashboard, Aging, Commentary, Recon, Allowance) to one PDF"
FILE_OPTIONS = False


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("book", metavar="BOOK.xlsm", help="the collections workbook (after a close)")
    p.add_argument("--pdf", required=True, metavar="OUT.pdf", help="the PDF to write")


def run(args) -> int:
    book, pdf = Path(args.book), Path(args.pdf)
    if not book.exists():
        raise UsageError(f"{book}: no such workbook")
    if book.is_dir():
        raise UsageError(f"{book} is a folder: expected a workbook file (BOOK.xlsm)")
    if pdf.suffix.lower() != ".pdf" or pdf.is_dir():
        raise UsageError(f"--pdf {pdf}: expected a .pdf file")
    if pdf.resolve() == book.resolve():
        raise UsageError("--pdf names the workbook itself")
    try:
        open_book(book).close()          # a workbook (not encrypted, truncated, hostile): else refused
    except BookError as e:
        raise Refused(str(e)) from None
    try:
        pack = export_pdf(book, pdf)
    except PackError as e:
        print(f"xl-collections report: {e}")
        return 3
    print(f"wrote {pack.path}: {pack.pages} pages ({', '.join(pack.sheets)})")
    if pack.missing:
        print(f"not in the book yet: {', '.join(pack.missing)} (of the pack: {', '.join(PACK_SHEETS)})")
    return 0
