"""The close's ``allowance`` step: the ``Allowance`` and ``Write-off Proposals`` sheets, from the
aging history (``Aging History`` with this month's rows, as the aging step writes it).

It reads back what earlier runs left in the book: the allowance by period (the opening is the
closing of the latest earlier period unless ``AllowanceOpening`` is set), the write-offs recorded
so far and the user's approvals on ``Write-off Proposals``.  Approved write-offs of the as-of
month also go to ``<book name> postings/<as-of date>/writeoff_postings.csv`` beside the book.
``StepResult.amount`` is the closing allowance in minor units of the reporting currency.
"""
from __future__ import annotations

from pathlib import Path

from ..ar.aging_step import aging_history, aging_result
from ..close.state import DONE, CloseState, StepResult
from ..core.errors import InputErrors
from ..io.write import write_table
from ..core.money import money_text
from ..ar import aging_history as hist
from .engine import compute_allowance
from .sheets import (ALLOWANCE_SHEET, PROPOSALS_SHEET, allowance_output, by_period, proposals_output,
                     read_approvals, read_by_period, read_written_off)

READS = ("open_items", "customers", "activity", "fx_rates", "write_offs", "aging_history")


def _grid(book, name: str):
    return book.read_sheet(name) if name in set(book.sheet_names()) else None


def opening_from(periods, period: str, setting: int | None, currency: str) -> tuple[int | None, list[str]]:
    """The opening allowance: ``AllowanceOpening`` when set, else the closing of the latest
    period before ``period`` on the allowance by period; a note when the two disagree."""
    earlier = periods[periods["period"] < period] if periods is not None else None
    last = earlier.sort_values("period").iloc[-1] if earlier is not None and len(earlier) else None
    if setting is not None:
        notes = []
        if last is not None and int(last["closing"]) != setting:
            notes.append(f"AllowanceOpening {money_text(setting, currency)} used; the closing of {last['period']} "
                         f"in this book is {money_text(int(last['closing']), currency)}")
        return setting, notes
    if last is None:
        return None, []
    return int(last["closing"]), []


def postings_path(book, as_of) -> Path | None:
    path = getattr(book, "path", None)
    if not path:
        return None
    path = Path(path)
    return path.parent / f"{path.stem} postings" / as_of.isoformat() / "writeoff_postings.csv"


def step_allowance(state: CloseState) -> StepResult:
    s = state.settings
    cur = s.reporting_currency
    book = state.book
    periods = read_by_period(_grid(book, ALLOWANCE_SHEET), cur)
    prop_grid = _grid(book, PROPOSALS_SHEET)
    tables = {k: state.tables[k] for k in READS if state.tables.get(k) is not None}
    tables["aging_history"] = aging_history(state)      # with this month's rows (the aging step writes them)
    period = hist.period_of(s.as_of)
    opening, notes = opening_from(periods, period, s.allowance_opening, cur)
    approvals = read_approvals(prop_grid)
    res, errors = compute_allowance(tables, s.with_(allowance_opening=None), s.as_of, aging=aging_result(state),
                                    opening=opening, approvals=approvals, written_off=read_written_off(prop_grid, cur),
                                    history_with_period=True)
    if errors:
        raise InputErrors(errors)
    state.results["allowance"] = res
    outputs = [allowance_output(res, by_period(periods, res)), proposals_output(res, offer_user_columns=approvals is None)]
    where = ""
    if len(res.postings):
        target = postings_path(book, s.as_of)
        if target is not None:
            write_table(res.postings, target)
            where = f" -> {target.parent.name}/{target.name}"
    t = res.totals
    m = lambda v: money_text(v, cur, code=None)  # noqa: E731
    msg = (f"closing {cur} {m(t['closing'])} (collective {m(t['collective'])}, specific {m(t['specific'])}); "
           f"charge {m(t['charge'])}; {t['proposals']:,} write-off proposals"
           + (f"; {len(res.postings):,} write-offs approved{where}" if len(res.postings) else "")
           + "".join(f"; {n}" for n in (*notes, *res.notes)))
    return StepResult("allowance", DONE, rows=len(res.proposals), amount=t["closing"], message=msg, outputs=outputs)
