"""The workbook: one interface over two backends, and a guard that writes only owned sheets.

``open_book(path)`` opens the file headless (no Excel); ``as_workbook(obj)`` turns an
``xlwings.Book`` into a ``LiveBook`` and passes our own books through.  ``OwnedSheetsOnly``
wraps a workbook so that only the sheets the program owns are ever written (the close passes
:data:`xl_collections.close.steps.OWNED_SHEETS`, CONTRACT §3).  This layer knows no sheet by name.
"""
from __future__ import annotations

import os

from .base import BookError, Workbook, table_from_sheet
from .headless import HeadlessBook
from .live import LiveBook
from .outputs import ChartSpec, ColorScale, DataBar, SheetOutput, TableBlock


def open_book(path: str | os.PathLike) -> HeadlessBook:
    return HeadlessBook(path)


def as_workbook(obj) -> Workbook:
    """An ``xlwings.Book`` -> ``LiveBook``; a HeadlessBook/LiveBook or a path -> as is / opened."""
    if isinstance(obj, HeadlessBook):
        return obj
    from .xwbridge import headless_of     # imports xlwings: only when a live book is at hand
    if headless_of(obj) is not None:     # xw.Book backed by a HeadlessBook (mock caller in CI)
        return headless_of(obj)
    if isinstance(obj, LiveBook):
        return obj
    if isinstance(obj, str | os.PathLike):
        return open_book(obj)
    return LiveBook(obj)


class OwnedSheetsOnly:
    """A workbook that refuses to write any sheet not in ``owned`` (the sheets the program
    owns, CONTRACT §3): the close runs on one of these, so no step can ever overwrite a
    user's sheet."""

    def __init__(self, book: Workbook, owned: tuple[str, ...]):
        self._book, self.owned = book, tuple(owned)

    def __getattr__(self, name):
        return getattr(self._book, name)

    def is_owned(self, sheet: str) -> bool:
        return sheet.lower() in {s.lower() for s in self.owned}

    def check_owned(self, sheet: str) -> None:
        """Raise :class:`BookError` unless the program owns ``sheet``."""
        if not self.is_owned(sheet):
            raise BookError(f"{sheet!r} is not one of the program's sheets ({', '.join(self.owned)}); "
                            "it was left as it is")

    def write_sheet(self, output: SheetOutput) -> None:
        self.check_owned(output.name)
        self._book.write_sheet(output)

    def append_rows(self, sheet: str, df, *, table_name: str | None = None) -> None:
        self.check_owned(sheet)
        self._book.append_rows(sheet, df, table_name=table_name)


__all__ = ["BookError", "ChartSpec", "ColorScale", "DataBar", "HeadlessBook", "OwnedSheetsOnly", "SheetOutput",
           "TableBlock", "Workbook", "as_workbook", "open_book", "table_from_sheet"]
