"""The close's ``dashboard`` step (the last): the ``Dashboard`` sheet, right after ``Close``.

It shows this close's figures — the aging's total open, the KPIs sheet's past due %, DSO,
countback DSO, CEI and promises kept, the cash application's applied cash and auto-apply
rate, the open dispute cases and the allowance — each with the change since last month
(:mod:`.dashboard`), and charts them.  A figure whose step did not run in this close (say
``--steps aging,dashboard``) is left blank and named in the notes.  ``StepResult.amount``
is the total open in minor units of the reporting currency.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..ar import aging_history as hist
from ..core.dates import month_number, period_name
from ..ar.aging_step import aging_history, aging_result
from ..book import BookError
from ..cashapp.step import cash_result
from ..collect.step import close_promises
from ..close.state import DONE, CloseState, StepResult, reporting_sum
from ..ar.kpi import credit_sales_by_month, credit_sales_in_reporting
from ..ar.kpi_step import kpi_table
from ..core.money import money_text, parse_amount
from . import dashboard as d
from .dashboard_sheet import DASHBOARD_SHEET, dashboard_output, read_months

PCT = Decimal("0.01")


def _kpi(k: pd.DataFrame, name: str):
    row = k[k["kpi"] == name]
    return row["value"].iat[0] if len(row) else None


def _auto_applied(state: CloseState) -> pd.DataFrame | None:
    """This close's applied cash (the cash step's ``AUTO`` rows of payments not applied in an
    earlier run) per value date: ``value_date, amount`` (minor units of the reporting currency,
    each application converted, then summed), ``applications``; None when the cash step did
    not run."""
    if "cash_summary" not in state.results or cash_result(state) is None:
        return None
    apps = cash_result(state).applications
    prior = state.results.get("cash_prior")
    prior_ids = set(prior["payment_id"]) if prior is not None and not prior.empty else set()
    new = apps[~apps["payment_id"].isin(prior_ids)]
    auto = new[new["status"].astype(str).str.upper() == "AUTO"]
    rows = [(day, reporting_sum(part, "applied_amount", state), len(part))
            for day, part in auto.groupby(pd.to_datetime(auto["value_date"]).dt.normalize(), sort=True)]
    return pd.DataFrame(rows, columns=["value_date", "amount", "applications"])


def _this_close(state: CloseState, k: pd.DataFrame) -> tuple[dict, list[str]]:
    """The headline figures of this close by name, and the names of those not computed
    because their step did not run."""
    r = state.results
    total = int(aging_result(state).total["total_open"])
    cash = r.get("cash_summary")
    if cash is None and "cashapp" in state.steps:       # the cash step ran and found no payments
        cash = {"applied": 0, "payments": 0, "auto_payments": 0}
    coll = r.get("collections")
    allowance = r.get("allowance")
    rate = None
    if cash and cash.get("payments"):
        rate = (Decimal(cash["auto_payments"]) * 100 / Decimal(cash["payments"])).quantize(PCT)
    out = {"Total open": total, "Past due %": _kpi(k, "% past due"), "DSO": _kpi(k, "DSO"),
           "Countback DSO": _kpi(k, "Countback DSO"), "CEI": _kpi(k, "CEI"),
           "Cash applied": cash["applied"] if cash else None, "Auto-apply rate": rate,
           "Promises kept": _kpi(k, "Promises kept"),
           "Disputes open": int((coll.disputes["status"] == "OPEN").sum()) if coll is not None else None,
           "Allowance": int(allowance.totals["closing"]) if allowance is not None else None}
    missing = [n for n, step in (("Cash applied", cash), ("Auto-apply rate", cash), ("Disputes open", coll),
                                 ("Allowance", allowance)) if step is None]
    return out, missing


def _kept(book, currency: str) -> pd.DataFrame | None:
    """The earlier Dashboard's ``Month by month`` rows: ``period`` and the figures of
    :data:`~.dashboard.KEPT` (money in minor units, percentages as Decimal %), or None."""
    if book is None or DASHBOARD_SHEET.lower() not in {s.lower() for s in book.sheet_names()}:
        return None
    try:
        t = read_months(book)
    except (BookError, KeyError):
        return None
    if "Period" not in t.columns:
        return None
    rows = []
    units = dict(d.HEADLINE)
    for rec in t.to_dict("records"):
        p = rec.get("Period")
        if not isinstance(p, str) or len(p) != 7:
            continue
        row = {"period": p}
        for name in d.KEPT:
            v = rec.get(name)
            if v is None or v == "" or (isinstance(v, float) and v != v):
                row[name] = None
            elif units[name] == "money":
                row[name] = parse_amount(v, currency)
            elif units[name] == "%":
                row[name] = (Decimal(repr(float(v))) * 100).quantize(PCT)
            else:
                row[name] = int(round(float(v)))
        rows.append(row)
    return pd.DataFrame(rows, columns=["period", *d.KEPT]) if rows else None


def step_dashboard(state: CloseState) -> StepResult:
    s = state.settings
    cur = s.reporting_currency
    res = aging_result(state)
    history = aging_history(state)
    k = kpi_table(state)
    register, gl, fx = state.tables.get("register"), state.tables.get("gl"), state.tables.get("fx_rates")
    monthly = credit_sales_by_month(res, register, gl, as_of=s.as_of, fx_rates=fx)
    sales = credit_sales_in_reporting(register, res.rates, cur, s.as_of, fx) if register is not None else None
    months = d.month_figures(history, res.labels, monthly, sales, as_of=s.as_of)
    period = hist.period_of(s.as_of)
    prev = hist.previous_period(history, period)
    current, missing = _this_close(state, k)
    kept = _kept(state.book, cur)
    recorded = []          # figures whose step did not run: as the last close of this month recorded them
    if kept is not None and missing:
        mine = kept[kept["period"] == period]
        for name in missing:
            v = mine[name].iat[0] if len(mine) else None
            if v is not None and not pd.isna(v):
                current[name] = v
                recorded.append(name)
    before = None          # the close's own figures recorded for the month the change compares with
    last = prev or period_name(month_number(period) - 1)
    if kept is not None and (kept["period"] == last).any():
        before = kept[kept["period"] == last].iloc[-1].to_dict()
    allowance = state.results.get("allowance")
    opening = allowance.totals.get("opening") if allowance is not None else None
    figures = d.headline(current, months, period, before, opening)
    table = d.month_table(months, kept, period, {n: current[n] for n in d.KEPT})
    cash = _auto_applied(state)
    notes = [f"Dashboard — receivables as of {s.as_of.isoformat()} ({cur})",
             "This close: the figures of the Aging, KPIs, Cash App, Disputes and Allowance sheets. Charts: the tables "
             "under them.",
             "Change since last month: total open, past due %, DSO, countback DSO and CEI compare the Aging History "
             f"month-ends {prev or '(none earlier)'} and {period} (receivable items); cash, promises and disputes "
             "the figures recorded for the month before; the allowance its opening balance."]
    if recorded:
        notes[2] += f" As the last close of {period} recorded them (their step did not run now): {', '.join(recorded)}."
    if set(missing) - set(recorded):
        notes[2] += (f" Not computed (their step did not run): {', '.join(n for n in missing if n not in recorded)}; "
                     "run the whole close.")
    out = dashboard_output(figures, as_of=s.as_of, prev_period=prev, currency=cur, months=table,
                           aging_months=d.aging_by_month(history, res.labels),
                           top=d.top_past_due(res.summary, res.labels),
                           collectors=d.past_due_by_collector(res.summary, state.tables.get("customers")),
                           cash_days=d.cash_per_day(cash),
                           promises=d.promises_by_collector(close_promises(state), state.tables.get("customers")),
                           labels=res.labels, notes=notes)
    state.results["dashboard"] = figures
    msg = f"{len(figures)} figures, {len(out.charts)} charts; total open {money_text(current['Total open'], cur)}"
    return StepResult("dashboard", DONE, rows=len(figures), amount=current["Total open"], message=msg, outputs=[out])


run = step_dashboard
