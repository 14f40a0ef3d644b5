"""The collections workbook: which sheets are ours, and one interface over two backends.

``open_book(path)`` opens the file headless (no Excel); ``as_workbook(obj)`` turns an
``xlwings.Book`` into a ``LiveBook`` and passes our own books through.  Only the sheets in
``OWNED_SHEETS`` (CONTRACT §3) are ever written; ``Audit Log`` only grows (``append_rows``).
"""
from __future__ import annotations

import os

from .base import BookError, Workbook, table_from_sheet
from .headless import HeadlessBook
from .outputs import ChartSpec, ColorScale, DataBar, SheetOutput, TableBlock

OWNED_SHEETS = ("Close", "Aging", "Aging Detail", "KPIs", "Cash App", "Unapplied", "Exceptions",
                "Recon", "Commentary", "Audit Log", "Aging History")
APPEND_ONLY = ("Audit Log",)
INPUT_SHEETS = ("Settings", "Column Map", "Open Items", "Customers", "Payments", "Remittance",
                "Register", "Ledger", "GL", "Activity", "FX Rates")


def open_book(path: str | os.PathLike) -> HeadlessBook:
    return HeadlessBook(path)


def as_workbook(obj) -> Workbook:
    """An ``xlwings.Book`` -> ``LiveBook``; a HeadlessBook/LiveBook or a path -> as is / opened."""
    if isinstance(obj, HeadlessBook):
        return obj
    from .live import LiveBook
    from .xwbridge import headless_of
    if headless_of(obj) is not None:     # xw.Book backed by a HeadlessBook (mock caller in CI)
        return headless_of(obj)
    if isinstance(obj, LiveBook):
        return obj
    if isinstance(obj, str | os.PathLike):
        return open_book(obj)
    return LiveBook(obj)


def is_owned(sheet: str) -> bool:
    return sheet.lower() in {s.lower() for s in OWNED_SHEETS}


class OwnedSheetsOnly:
    """A workbook that refuses to write any sheet the program does not own (CONTRACT §3):
    the close runs on one of these, so no step can ever overwrite a user's sheet."""

    def __init__(self, book: Workbook):
        self._book = book

    def __getattr__(self, name):
        return getattr(self._book, name)

    def _check(self, sheet: str) -> None:
        if not is_owned(sheet):
            raise BookError(f"{sheet!r} is not one of the program's sheets ({', '.join(OWNED_SHEETS)}); "
                            "it was left as it is")

    def write_sheet(self, output: SheetOutput) -> None:
        self._check(output.name)
        self._book.write_sheet(output)

    def append_rows(self, sheet: str, df, *, table_name: str | None = None) -> None:
        self._check(sheet)
        self._book.append_rows(sheet, df, table_name=table_name)


__all__ = ["OWNED_SHEETS", "APPEND_ONLY", "INPUT_SHEETS", "BookError", "ChartSpec", "ColorScale", "DataBar",
           "HeadlessBook", "OwnedSheetsOnly", "SheetOutput", "TableBlock", "Workbook", "as_workbook", "is_owned", "open_book",
           "table_from_sheet"]
