"""One function per workbook button (CONTRACT §4), each taking an ``xlwings.Book`` (or one of
our own :mod:`xl_collections.book` workbooks); the work is in :mod:`xl_collections.close.pipeline`.

The functions come from the step registry (:mod:`xl_collections.close.steps`): every step's
:class:`~xl_collections.close.steps.Button` gives one here, named by ``Button.macro`` — today
``check_inputs``, ``apply_payments``, ``refresh_aging``, ``reconcile``, ``write_commentary`` —
plus ``month_end_close`` (the whole close) and ``customer_statements`` (statements of account:
an action of the registry outside the close, :data:`xl_collections.close.steps.ACTIONS`).
``main()`` is what the buttons run (``import <workbook>; <workbook>.main()``, the shim beside
the workbook re-exports it) and what the xlwings add-in's ribbon button *Run main* runs: it
looks at the active sheet of
``xw.Book.caller()`` — the sheet whose button was clicked — and runs that sheet's step
(``Close``: the whole month-end close; an input sheet: check inputs).  ``RIBBON_ACTIONS``
maps the ``Collections`` ribbon's button ids (``xlc_<step>``) to the same functions.

Macros return the :class:`~xl_collections.close.pipeline.CloseReport` and never save a live book
(Excel does); a headless book is saved by the caller (``xl-collections close``).
"""
from __future__ import annotations

from pathlib import Path

from .book import as_workbook
from .book.live import LiveBook
from .claims.action import research_claims  # noqa: F401  (the Claims sheet's button, steps.SHEET_BUTTONS)
from .close import pipeline as _close
from .close import steps as _steps
from .close.checklist import close_sheet
from .close.steps import INPUT_ACTION, RIBBON_ACTIONS, SHEET_ACTIONS  # noqa: F401  (public: what each button runs)
from .dunning.book_statements import book_statements, known_customers, selected_customer_ids
from .dunning.pdf import PdfError
from .dunning.render import STATEMENT_FORMATS
from .dunning.templates import TemplateError
from .io.progress import status_bar_text
from .report.pack import PACK_SHEETS, PackError, export_pdf


def _is_live(wb) -> bool:
    """Excel (or xlwings Lite) is showing the book: problems go on the Close sheet, not raised."""
    return isinstance(wb, LiveBook)


def _show_refusal(wb):
    """``on_refused`` for a live book: list the problems on the Close sheet (Excel shows them)."""
    def show(problems, settings):
        if _is_live(wb):
            state = {"validate": _close.StepResult("validate", _close.FAILED, rows=len(problems),
                                                   message=f"{len(problems)} problems in the inputs: see the list below")}
            wb.write_sheet(close_sheet(state, settings, problems))
            wb.status(f"Close: {len(problems)} problems in the inputs (listed on the Close sheet)")
    return show


def _run(book, steps, *, as_of=None, progress=None):
    """Run ``steps`` on ``book``.  On a live workbook refused inputs are listed on the Close
    sheet (Excel shows them) and the progress goes to Excel's status bar; headless, the caller
    gets the InputErrors and nothing is written, and ``progress`` (e.g. a terminal bar) hears
    of every step."""
    wb = as_workbook(book)
    if progress is None and _is_live(wb):
        def progress(done, total, what):
            wb.status(status_bar_text("Close", done, total, what))
    return _close.run_close(wb, steps=steps, as_of=as_of, on_refused=_show_refusal(wb), progress=progress)


def month_end_close(book, *, as_of=None, steps=None, progress=None):
    """The whole close: every registered step in order (validate -> cash application ->
    pro-forma aging -> KPIs -> reconciliation -> commentary); ``progress(done, total, what)``
    hears of every step."""
    return _run(book, steps or _close.STEPS, as_of=as_of, progress=progress)


def _button_macro(step: _steps.Step):
    """The function a step's button runs: its steps (``validate`` first) on ``book``."""
    runs = _steps.button_steps(step.name)

    def macro(book, *, as_of=None, progress=None):
        return _run(book, runs, as_of=as_of, progress=progress)

    macro.__name__ = macro.__qualname__ = step.button.macro
    macro.__doc__ = f"{step.button.help or step.title} Runs: {', '.join(runs)}."
    macro.__module__ = __name__
    return macro


# one module-level function per step button (apply_payments, refresh_aging, ...), from the registry
BUTTON_MACROS = {s.button.macro: _button_macro(s) for s in _steps.CLOSE_STEPS if s.button}
globals().update(BUTTON_MACROS)


def customer_statements(book, *, customer_ids=None, as_of=None, formats=STATEMENT_FORMATS):
    """Statements of account (PDF, Word, Excel) for ``customer_ids``, else for the customers
    whose ids are selected on a sheet (in Excel), else for every customer with open items;
    written to ``<book name> letters/<as-of date>/statements/`` beside the book (no sheet
    changes).  Returns the :class:`~xl_collections.dunning.book_statements.StatementRun`."""
    wb = as_workbook(book)
    wb.status("Statements: reading inputs…")
    state = _close.read_state(wb, as_of=as_of, on_refused=_show_refusal(wb))
    if customer_ids is None:
        selected = getattr(wb, "selected_values", None)
        customer_ids = selected_customer_ids(selected() if selected else None, known_customers(state)) or None
    try:
        run = book_statements(state, customer_ids=customer_ids, formats=formats)
    except (TemplateError, PdfError) as e:
        if not _is_live(wb):
            raise
        wb.status(f"Statements: {e}")
        return None
    wb.status(run.message)
    return run


def pack_path(book_path: Path) -> Path:
    """Where the ribbon's *Management pack* writes the PDF: beside the book, ``<book> pack.pdf``."""
    return book_path.with_name(f"{book_path.stem} pack.pdf")


def management_pack(book):
    """The Report group's button: the management pack as one PDF beside the workbook
    (:func:`pack_path`).  In Excel, Excel prints it (``Book.to_pdf``, the pack's sheets the book
    has) after refreshing the ``Dashboard`` (the ``dashboard`` step); headless, LibreOffice prints
    the saved book as it is (:mod:`xl_collections.report.pack`).  Returns the PDF's path."""
    wb = as_workbook(book)
    out = pack_path(Path(wb.path))
    if _is_live(wb):
        _run(wb, ["dashboard"])              # the pack opens on this close's figures
        names = {n.lower(): n for n in wb.sheet_names()}
        include = [names[s.lower()] for s in PACK_SHEETS if s.lower() in names]
        if not include:
            wb.status("Management pack: run the close first (none of its sheets is in this workbook)")
            return None
        wb.book.to_pdf(str(out), include=include)
        wb.status(f"Management pack: {out} ({', '.join(include)})")
        return out
    try:
        pack = export_pdf(wb.path, out)
    except PackError as e:
        wb.status(f"Management pack: {e}")
        raise
    wb.status(f"Management pack: {pack.path} ({pack.pages} pages: {', '.join(pack.sheets)})")
    return pack.path


def action_for_sheet(sheet_name: str) -> str:
    """Name of the macro a button (or the ribbon's Run main) on ``sheet_name`` runs."""
    return SHEET_ACTIONS.get(str(sheet_name).strip().lower(), INPUT_ACTION)


def active_sheet_name(book) -> str:
    """The active sheet of an ``xlwings.Book`` (or of a book object with ``active_sheet``)."""
    try:
        return book.sheets.active.name
    except Exception:  # noqa: BLE001 - a headless stand-in without sheets: the Close sheet's button
        return getattr(book, "active_sheet", "Close")


def _caller(book):
    if book is None:
        import xlwings as xw   # only inside Excel: the headless close never needs xlwings' COM side
        book = xw.Book.caller()
    return book


def run_action(action: str, book, *, origin: str = ""):
    """Run the macro named ``action`` on ``book``; in live Excel refused inputs and a failed
    step are shown (Close sheet, status bar) instead of raised."""
    wb = as_workbook(book)
    wb.status(f"{action.replace('_', ' ')}{origin}…")
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


def ribbon(control_id: str, book=None):
    """Entry point of the ``Collections`` ribbon tab: its VBA callback passes the button's id
    (``xlc_close``, ``xlc_aging``, …) and this runs that button's step on ``book`` (default
    ``xw.Book.caller()``) — the same function the step's sheet button runs."""
    action = RIBBON_ACTIONS.get(str(control_id).strip())
    book = _caller(book)
    if action is None:
        as_workbook(book).status(f"The Collections tab has no action for {control_id!r}: update xl-collections")
        return None
    return run_action(action, book, origin=" (from the Collections tab)")


def main(book=None):
    """Entry point of every button and of the ribbon's *Run main*: run the active sheet's step.
    ``book`` defaults to ``xw.Book.caller()`` (tests pass a book or use ``set_mock_caller``)."""
    book = _caller(book)
    name = active_sheet_name(book)
    return run_action(action_for_sheet(name), book, origin=f" (from sheet {name!r})")


__all__ = ["main", "ribbon", "month_end_close", "customer_statements", "management_pack", *BUTTON_MACROS,
           "research_claims", "action_for_sheet", "run_action", "SHEET_ACTIONS", "RIBBON_ACTIONS"]
