"""The close's ``aging`` step: the pro-forma aging of the open items after this close's cash
application, laid out on ``Aging`` and ``Aging Detail``, and this month's rows of ``Aging
History`` (every other period's kept).  ``StepResult.amount`` is the total open in minor units
of the reporting currency."""
from __future__ import annotations

from . import aging_history as hist
from .aging import age
from ..cashapp.step import open_items_after
from ..close.sheets import aging_outputs
from ..close.state import DONE, CloseState, StepResult
from ..core.money import money_text


def aging_result(state: CloseState):
    """The pro-forma aging (memoised: the KPIs and the commentary use it too)."""
    if "aging" not in state.results:
        s = state.settings
        state.results["aging"] = age(open_items_after(state), s.as_of, customers=state.tables.get("customers"),
                                     fx_rates=state.tables.get("fx_rates"), buckets=s.aging_buckets,
                                     basis=s.aging_basis, reporting_currency=s.reporting_currency)
    return state.results["aging"]


def aging_history(state: CloseState):
    """The aging history with this close's month (memoised: the commentary and the allowance read
    it): the ``Aging History`` sheet's rows (a user's pasted months too; the commentary's earlier
    layout converted), this month's replaced by the pro-forma aging's receivables."""
    if "aging_history" not in state.results:
        s = state.settings
        res = aging_result(state)
        base = state.tables.get("aging_history")
        book = state.book
        if base is None and book is not None and hist.HISTORY_SHEET in set(book.sheet_names()):
            base = hist.from_wide(book.read_sheet(hist.HISTORY_SHEET), s.reporting_currency)
        period = hist.period_of(s.as_of)
        rows = hist.snapshot(res.detail, period, res.labels, s.reporting_currency)
        state.results["aging_history"] = hist.merge(base, rows, period, res.labels, s.reporting_currency)
    return state.results["aging_history"]


def step_aging(state: CloseState) -> StepResult:
    res = aging_result(state)
    tot = res.total
    cur = state.settings.reporting_currency
    msg = (f"total open {money_text(int(tot['total_open']), cur)}, past due {money_text(int(tot['past_due']), cur)}"
           f" ({len(res.summary) - 1:,} customers)")
    history = hist.history_output(aging_history(state), cur)
    return StepResult("aging", DONE, rows=len(res.detail), amount=int(tot["total_open"]), message=msg,
                      outputs=[*aging_outputs(res, state.settings), history])
