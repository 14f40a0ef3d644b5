"""The ``credit`` step of the month-end close: the credit review and the order decisions on the
open items after this close's cash application, written to ``Credit Review`` and ``Order
Decisions``.  Reads ``customers``, ``orders``, ``financials``, ``credit_reports``,
``cleared_items`` and ``fx_rates`` from the book, and the returned payments the cash step found
(``state.results["returns"]``, when it found any)."""
from __future__ import annotations

from ..aging_step import aging_result
from ..cashapp.step import open_items_after
from ..close_state import DONE, CloseState, StepResult
from ..close_sheets import _fmt_amount as fmt
from ..errors import InputErrors
from .orders import FLEX, HOLD, RELEASE
from .review import assess_credit
from .sheets import CREDIT_REVIEW_SHEET, ORDER_DECISIONS_SHEET, credit_outputs

NAME = "credit"
TITLE = "Credit review and order decisions"
READS = ("open_items", "customers", "orders", "financials", "credit_reports", "cleared_items", "fx_rates")
SHEETS = (CREDIT_REVIEW_SHEET, ORDER_DECISIONS_SHEET)


def step_credit(state: CloseState) -> StepResult:
    """Assess every customer and decide every open order; the sheets go back as outputs."""
    s = state.settings
    tables = {k: state.tables.get(k) for k in READS}
    tables["open_items"] = open_items_after(state)
    returns = state.results.get("returns")
    res, errors = assess_credit(tables, s, s.as_of, aging_detail=aging_result(state).detail,
                                returns=returns if returns is not None and len(returns) else None)
    if errors:
        raise InputErrors(errors)
    state.results["credit"] = res
    d, rv = res.decisions, res.review
    n = d["decision"].value_counts()
    held = int(d.loc[d["decision"] == HOLD, "amount"].sum()) if len(d) else 0
    flags = rv["flags"].astype(str)
    msg = (f"{len(rv):,} customers reviewed; {len(d):,} open orders: {int(n.get(RELEASE, 0)):,} release, "
           f"{int(n.get(FLEX, 0)):,} flex, {int(n.get(HOLD, 0)):,} hold ({fmt(held, s.reporting_currency)}); "
           f"{int(flags.str.contains('above the recommended').sum()):,} limits above the recommendation, "
           f"{int(flags.str.contains('review overdue').sum()):,} reviews overdue")
    return StepResult(NAME, DONE, rows=len(d), amount=held, message=msg,
                      outputs=credit_outputs(res, previous_sheet(state.book, ORDER_DECISIONS_SHEET)))


def previous_sheet(book, name: str):
    """The grid of the book's sheet ``name`` as it stands (None: no book or no such sheet)."""
    if book is None:
        return None
    sheet = next((s for s in book.sheet_names() if s.lower() == name.lower()), None)
    return None if sheet is None else book.read_sheet(sheet)
