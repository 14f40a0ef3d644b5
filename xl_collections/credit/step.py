"""The ``credit`` step of the month-end close: the credit review and the order decisions on the
open items after this close's cash application, written to ``Credit Review`` and ``Order
Decisions``.  Reads ``customers``, ``orders``, ``financials``, ``credit_reports``,
``cleared_items`` and ``fx_rates`` from the book, and the returned payments: those of this
close's cash application (its ``returns``, when it reports them) and those earlier closes left
on ``Returned Items``."""
from __future__ import annotations

import pandas as pd

from ..ar.aging_step import aging_result
from ..cashapp.step import cash_result, open_items_after
from ..close.state import DONE, CloseState, StepResult
from ..core.errors import InputErrors
from ..core.money import money_text as fmt
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
    returns = returned_items(state)
    res, errors = assess_credit(tables, s, s.as_of, aging_detail=aging_result(state).detail, returns=returns)
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


RETURN_COLUMNS = ("return_id", "value_date", "customer_id", "status")


def _return_rows(df) -> pd.DataFrame | None:
    if df is None or not len(df) or not set(RETURN_COLUMNS) <= set(df.columns):
        return None
    return df[list(RETURN_COLUMNS)].astype(object)


def sheet_table(grid: pd.DataFrame | None, needs: tuple[str, ...]) -> pd.DataFrame | None:
    """The first table of a sheet's grid whose header row holds every name of ``needs``: its
    rows down to the first blank one (None: no such table)."""
    if grid is None or grid.empty:
        return None
    text = grid.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    for pos, (_, row) in enumerate(text.iterrows()):
        if not set(needs) <= set(row):
            continue
        cols = [j for j, h in enumerate(row) if h]
        body = []
        for r in range(pos + 1, len(grid)):
            if not any(text.iat[r, j] for j in cols):
                break
            body.append([grid.iat[r, j] for j in cols])
        return pd.DataFrame(body, columns=[row.iloc[j] for j in cols])
    return None


def returned_items(state: CloseState) -> pd.DataFrame | None:
    """Returned payments known to this close (``return_id``, ``value_date``, ``customer_id``,
    ``status``): this run's, then the earlier ones on ``Returned Items`` (a return once)."""
    cash = cash_result(state)
    parts = [_return_rows(getattr(cash, "returns", None))]
    parts.append(_return_rows(sheet_table(previous_sheet(state.book, "Returned Items"), RETURN_COLUMNS)))
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    out = pd.concat(parts, ignore_index=True)
    out["return_id"] = out["return_id"].astype(str)
    return out.drop_duplicates("return_id", keep="first").reset_index(drop=True)
