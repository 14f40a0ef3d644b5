"""The ``worklist`` close step: promises, disputes, the worklist and large balances on the
``Worklist``, ``Promises`` and ``Disputes`` sheets.

It reads the open items after cash (``open_items_after``: this run's and earlier runs'
applications taken off) and the cash application's ``AUTO`` rows — this run's and the earlier
ones on ``Cash App`` — so promises are met by cash applied in any run; the ``Cleared Items``
sheet meets them too.  A payment returned within ``ReturnMatchDays`` — in this close or an
earlier one (the ``Returned Items`` sheet) — puts its customer at the top.  The resolutions the user recorded on
``Disputes`` are read first: a resolved case is no longer open.
"""
from __future__ import annotations

import pandas as pd

from ..cashapp.returns_step import close_returns
from ..cashapp.step import _merge_prior, cash_result, open_items_after
from ..close.state import DONE, CloseState, StepResult
from . import applied_cash, collections, evaluate_promises
from .sheets import (DISPUTES_SHEET, disputes_output, merge_disputes, promises_output, read_disputes,
                     resolutions, worklist_output)


def applications(state: CloseState) -> pd.DataFrame | None:
    """Every application of this close and the earlier ones still on ``Cash App``."""
    cash = cash_result(state)
    prior = state.results.get("cash_prior", state.prior_applications) if cash is not None else state.prior_applications
    if cash is None:
        return prior
    return _merge_prior(prior, cash.applications)


def close_cash(state: CloseState) -> pd.DataFrame:
    """The cash that meets promises (:func:`applied_cash`): every AUTO application of this and
    earlier runs and the cleared items (memoised: the promises and the worklist use it)."""
    if "applied_cash" not in state.results:
        s, t = state.settings, state.tables
        state.results["applied_cash"] = applied_cash(applications(state), payments=t.get("payments"),
                                                     cleared=t.get("cleared_items"), fx_rates=t.get("fx_rates"),
                                                     as_of=s.as_of, reporting_currency=s.reporting_currency)
    return state.results["applied_cash"]


def close_promises(state: CloseState) -> pd.DataFrame:
    """The promises to pay of this close (memoised: the commentary states them too), judged
    against every AUTO application of this and earlier runs and the cleared items."""
    if "promises" not in state.results:
        s, t = state.settings, state.tables
        state.results["promises"] = evaluate_promises(t.get("activity"), close_cash(state), as_of=s.as_of,
                                                      grace_days=s.promise_grace_days, currency=s.reporting_currency)
    return state.results["promises"]


def previous_disputes(state: CloseState) -> pd.DataFrame | None:
    book = state.book
    if book is None or DISPUTES_SHEET.lower() not in {s.lower() for s in book.sheet_names()}:
        return None
    name = next(s for s in book.sheet_names() if s.lower() == DISPUTES_SHEET.lower())
    return read_disputes(book.read_sheet(name))


def step_worklist(state: CloseState) -> StepResult:
    """The step (``steps.CLOSE_STEPS``): the three sheets as outputs, the result in
    ``state.results["collections"]``."""
    s = state.settings
    t = state.tables
    previous = previous_disputes(state)
    returns = close_returns(state)      # this close's and the earlier closes' (Returned Items)
    res, errors = collections(open_items_after(state), s, s.as_of, customers=t.get("customers"),
                              activity=t.get("activity"), applications=applications(state), payments=t.get("payments"),
                              cleared=t.get("cleared_items"), returns=returns, fx_rates=t.get("fx_rates"),
                              aging=state.results.get("aging"), resolutions=resolutions(previous),
                              cash=close_cash(state), promises=close_promises(state))
    state.results["collections"] = res
    rows = merge_disputes(res.disputes, previous, s.reporting_currency)
    outputs = [worklist_output(res, s.as_of, s), promises_output(res, s.as_of),
               disputes_output(rows, s.as_of, s.reporting_currency, s.dispute_response_days)]
    w = res.worklist
    kept = "n/a" if res.promises_kept_pct is None else f"{res.promises_kept_pct:.0%}"
    msg = (f"{len(w):,} customers to work ({int(w['escalate'].sum()) if len(w) else 0:,} escalated); "
           f"{len(res.promises):,} promises, kept {kept}; {int((res.disputes['status'] == 'OPEN').sum()):,} open "
           f"dispute cases ({int(res.disputes['sla_breached'].sum()):,} past the response date)")
    return StepResult("worklist", DONE, rows=len(w), amount=int(w["past_due"].sum()) if len(w) else 0,
                      message=msg, outputs=outputs)


run = step_worklist
