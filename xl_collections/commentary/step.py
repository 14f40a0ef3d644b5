"""The close's ``commentary`` step: the past-due commentary per customer on ``Commentary``
(the specialist's columns and edited comments kept; the change since last month from the aging
history).  ``StepResult.amount`` is the commented customers' past due in minor units of the
reporting currency."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..ar.aging_step import aging_history, aging_result
from ..cashapp.step import cash_result
from ..close.state import DONE, CloseState, StepResult
from ..collect.step import close_promises
from .sheet import COMMENTARY_SHEET, commentary_outputs


def _grid(book, name: str):
    """The sheet's cells as they stand (None: no such sheet yet)."""
    return book.read_sheet(name) if name in set(book.sheet_names()) else None


def recent_returns(state: CloseState) -> pd.DataFrame | None:
    """This close's returned payments that were reversed, dated within ``ReturnMatchDays``
    before the as-of date: a reason a customer is past due (CONTRACT §6 "Returned items")."""
    cash = cash_result(state)
    r = getattr(cash, "returns", None)
    if r is None or not len(r):
        return None
    s = state.settings
    day = pd.to_datetime(r["value_date"])
    lo = pd.Timestamp(s.as_of - dt.timedelta(days=int(s.return_match_days)))
    keep = r["status"].isin(("REVERSED", "ALREADY_REVERSED")) & (day >= lo) & (day <= pd.Timestamp(s.as_of))
    return r[keep]


def step_commentary(state: CloseState) -> StepResult:
    s = state.settings
    outputs, counts = commentary_outputs(
        _grid(state.book, COMMENTARY_SHEET), aging_history(state), aging_result(state),
        as_of=s.as_of, threshold=s.commentary_threshold, customers=state.tables.get("customers"),
        activity=state.tables.get("activity"), payments=state.tables.get("payments"), kpis=state.results.get("kpis"),
        currency=s.reporting_currency, promises=close_promises(state), returns=recent_returns(state))
    msg = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items() if k != "past_due")
    return StepResult("commentary", DONE, rows=int(counts.get("rows", 0)), amount=counts.get("past_due"),
                      message=msg, outputs=outputs)
