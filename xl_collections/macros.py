"""One function per workbook button (CONTRACT §4), each taking an ``xlwings.Book`` (or one of
our own :mod:`xl_collections.book` workbooks); the work is in :mod:`xl_collections.close`.

``main()`` is what the buttons run (``import <workbook>; <workbook>.main()``, the shim beside
the workbook re-exports it) and what the xlwings add-in's ribbon button *Run main* runs: it
looks at the active sheet of ``xw.Book.caller()`` — the sheet whose button was clicked — and
runs that sheet's step (``Close``: the whole month-end close; an input sheet: check inputs).

Macros return the :class:`~xl_collections.close.CloseReport` and never save a live book
(Excel does); a headless book is saved by the caller (``xl-collections close``).
"""
from __future__ import annotations

from . import close as _close

SHEET_ACTIONS = {
    "close": "month_end_close",
    "aging": "refresh_aging", "aging detail": "refresh_aging", "kpis": "refresh_aging",
    "cash app": "apply_cash", "unapplied": "apply_cash", "exceptions": "apply_cash",
    "recon": "reconcile",
    "commentary": "write_commentary",
}
INPUT_ACTION = "check_inputs"


def _book(book):
    from .book import as_workbook
    return as_workbook(book)


def _is_live(wb) -> bool:
    return type(wb).__name__ == "LiveBook"


def _run(book, steps, *, as_of=None):
    """Run ``steps`` on ``book``.  On a live workbook refused inputs are listed on the Close
    sheet (Excel shows them); headless, the caller gets the InputErrors and nothing is written."""
    wb = _book(book)

    def show(problems, settings):
        if _is_live(wb):
            state = {"validate": _close.StepResult("validate", _close.FAILED, rows=len(problems),
                                                   message=f"{len(problems)} problems in the inputs: see the list below")}
            wb.write_sheet(_close.close_sheet(state, settings, problems))
            wb.status(f"Close: {len(problems)} problems in the inputs (listed on the Close sheet)")

    return _close.run_close(wb, steps=steps, as_of=as_of, on_refused=show)


def check_inputs(book, *, as_of=None):
    """Read the settings and every input table; list all problems on Close."""
    return _run(book, ("validate",), as_of=as_of)


def apply_cash(book, *, as_of=None):
    """Apply the payments (never those applied in an earlier run) and refresh the aging."""
    return _run(book, ("validate", "cashapp", "aging"), as_of=as_of)


def refresh_aging(book, *, as_of=None):
    """Pro-forma aging (net of applied cash on the Cash App sheet) and the KPIs."""
    return _run(book, ("validate", "aging", "kpis"), as_of=as_of)


def reconcile(book, *, as_of=None):
    return _run(book, ("validate", "recon"), as_of=as_of)


def write_commentary(book, *, as_of=None):
    """Past-due commentary (the Commentary sheet; edited comments are kept)."""
    return _run(book, ("validate", "commentary"), as_of=as_of)


def month_end_close(book, *, as_of=None, steps=None):
    """validate -> cash application -> pro-forma aging -> KPIs -> reconciliation -> commentary."""
    return _run(book, steps or _close.STEPS, as_of=as_of)


def action_for_sheet(sheet_name: str) -> str:
    """Name of the macro a button (or the ribbon's Run main) on ``sheet_name`` runs."""
    return SHEET_ACTIONS.get(str(sheet_name).strip().lower(), INPUT_ACTION)


def active_sheet_name(book) -> str:
    """The active sheet of an ``xlwings.Book`` (or of a book object with ``active_sheet``)."""
    try:
        return book.sheets.active.name
    except Exception:  # noqa: BLE001 - a headless stand-in without sheets: the Close sheet's button
        return getattr(book, "active_sheet", "Close")


def main(book=None):
    """Entry point of every button and of the ribbon's *Run main*: run the active sheet's step.
    ``book`` defaults to ``xw.Book.caller()`` (tests pass a book or use ``set_mock_caller``)."""
    if book is None:
        import xlwings as xw
        book = xw.Book.caller()
    name = active_sheet_name(book)
    action = action_for_sheet(name)
    wb = _book(book)
    wb.status(f"{action.replace('_', ' ')} (from sheet {name!r})…")
    try:
        return globals()[action](wb)
    except _close.InputErrors as e:
        if not _is_live(wb):
            raise
        return e           # already listed on the Close sheet
    except _close.StepFailed as e:
        if not _is_live(wb):
            raise
        wb.status(str(e))
        return e.report


__all__ = ["main", "month_end_close", "refresh_aging", "apply_cash", "reconcile", "write_commentary",
           "check_inputs", "action_for_sheet", "SHEET_ACTIONS"]
