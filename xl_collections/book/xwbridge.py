"""Run the macros headless through ``xlwings.Book``: ``xw.Book.set_mock_caller`` +
``xw.Book.caller()`` work on Linux with a book backed by ``HeadlessBook``.

This is the smallest possible xlwings *book implementation* (``xw.Book(impl=...)``): it
carries a HeadlessBook and answers ``name``, ``fullname``, ``save`` and ``close``.
``as_workbook(xw.Book.caller())`` recognises it and hands the HeadlessBook to the macro,
so a macro written as ``def aging(book: xw.Book) -> None`` runs unchanged in CI.  Sheet and
range access through the xlwings API itself is not provided (the macros go through the
``Workbook`` interface).  ``Book(impl=...)`` is xlwings internals: pinned to the range below.
"""
from __future__ import annotations

import os

import xlwings as xw

from .headless import HeadlessBook

XLWINGS_RANGE = ((0, 33), (0, 38))     # tested with 0.37.8; 0.33 had the same Book(impl=) path


def _check_version() -> None:
    v = tuple(int(p) for p in xw.__version__.split(".")[:2] if p.isdigit())
    lo, hi = XLWINGS_RANGE
    if not lo <= v < hi:
        raise RuntimeError(f"xlwings {xw.__version__} is outside the tested range "
                           f"{'.'.join(map(str, lo))} to <{'.'.join(map(str, hi))}; pin xlwings")


class HeadlessBookImpl:
    """What ``xw.Book`` delegates to; ``book`` is the HeadlessBook."""

    def __init__(self, book: HeadlessBook):
        self.book = book
        self.api = None

    @property
    def name(self) -> str:
        return self.book.path.name

    @property
    def fullname(self) -> str:
        return str(self.book.path)

    def save(self, path=None, password=None) -> None:
        self.book.save(path)

    def close(self) -> None:
        self.book.close()


def headless_xw_book(path: str | os.PathLike) -> xw.Book:
    _check_version()
    return xw.Book(impl=HeadlessBookImpl(HeadlessBook(path)))


def mock_caller(path: str | os.PathLike) -> xw.Book:
    """Make ``xw.Book.caller()`` return a headless book of ``path`` (as Excel's RunPython would)."""
    book = headless_xw_book(path)
    book.set_mock_caller()
    return book


def headless_of(obj) -> HeadlessBook | None:
    impl = getattr(obj, "impl", None)
    return impl.book if isinstance(impl, HeadlessBookImpl) else None
