"""The close's ``aging`` step: the pro-forma aging of the open items after this close's cash
application, laid out on ``Aging`` and ``Aging Detail``.  ``StepResult.amount`` is the total
open in minor units of the reporting currency."""
from __future__ import annotations

from .aging import age
from .cashapp.step import open_items_after
from .close_sheets import _fmt_amount, aging_outputs
from .close_state import DONE, CloseState, StepResult


def aging_result(state: CloseState):
    """The pro-forma aging (memoised: the KPIs and the commentary use it too)."""
    if "aging" not in state.results:
        s = state.settings
        state.results["aging"] = age(open_items_after(state), s.as_of, customers=state.tables.get("customers"),
                                     fx_rates=state.tables.get("fx_rates"), buckets=s.aging_buckets,
                                     basis=s.aging_basis, reporting_currency=s.reporting_currency)
    return state.results["aging"]


def step_aging(state: CloseState) -> StepResult:
    res = aging_result(state)
    tot = res.total
    cur = state.settings.reporting_currency
    msg = (f"total open {_fmt_amount(int(tot['total_open']), cur)}, past due {_fmt_amount(int(tot['past_due']), cur)}"
           f" ({len(res.summary) - 1:,} customers)")
    return StepResult("aging", DONE, rows=len(res.detail), amount=int(tot["total_open"]), message=msg,
                      outputs=aging_outputs(res, state.settings))
