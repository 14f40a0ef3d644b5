"""Dashboard figures: pure functions, no workbook, no clock.

Money is integer minor units of the reporting currency; days and percentages are exact
``Decimal`` (days to 0.1, percentages to 0.01), ``None`` where a figure cannot be computed.

Month-over-month (CONTRACT §6): the change of total open, past due %, DSO, countback DSO and
CEI compares two month-ends of ``Aging History`` (receivable items: ``INV``, ``DM``, ``DED``
with open amount > 0), each month computed the same way (:func:`month_figures`): DSO and
countback DSO with the KPI sheet's formulas on that month-end's receivables and the credit
sales of the months before it (:func:`xl_collections.ar.kpi.credit_sales_by_month`), CEI with
the previous month-end as begin AR.  The other headline figures (cash applied, auto-apply
rate, promises kept, disputes open) are the close's own and are compared with the figures
the Dashboard recorded for the previous month (its ``Month by month`` table); the allowance
with its opening balance (the closing of the latest earlier run).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from ..ar import aging_history as hist
from ..core.dates import month_number, period_bounds, period_name
from ..ar.kpi import DAYS_Q, PCT_Q, cei, countback_dso, dso, pct_past_due, window_sales

DSO_WINDOW_DAYS = 90          # as the KPIs sheet's DSO (kpi.receivables_kpis period_days)
TREND_MONTHS = 13             # the charts show this month and the twelve before it
TOP_CUSTOMERS = 10

# the headline figures, in the order the Dashboard shows them: (name, unit)
HEADLINE = (("Total open", "money"), ("Past due %", "%"), ("DSO", "days"), ("Countback DSO", "days"),
            ("CEI", "%"), ("Cash applied", "money"), ("Auto-apply rate", "%"), ("Promises kept", "%"),
            ("Disputes open", "count"), ("Allowance", "money"))
FROM_HISTORY = ("Total open", "Past due %", "DSO", "Countback DSO", "CEI")
KEPT = ("Cash applied", "Auto-apply rate", "Promises kept", "Disputes open", "Allowance")


def _q(value: Decimal | None, unit: str) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(DAYS_Q if unit == "days" else PCT_Q)


def month_figures(history: pd.DataFrame, labels, monthly_sales: pd.DataFrame | None = None,
                  register_sales: pd.DataFrame | None = None, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per ``Aging History`` period, oldest first: ``period``, ``total_open`` and
    ``past_due`` (minor units: Σ of every bucket; Σ of the buckets after ``not_due``),
    ``past_due_pct``, ``dso``, ``countback_dso``, ``cei`` (Decimal or None).

    ``monthly_sales``: :func:`~xl_collections.ar.kpi.credit_sales_by_month` (newest first; its
    first month may be month-to-date, ending ``as_of``); ``register_sales`` the register lines
    it read (:func:`~xl_collections.ar.kpi.credit_sales_in_reporting`), for the days of a
    register month.  A period's DSO uses the credit sales of the 90 days ending its last day
    (the as-of date for the as-of month), shortened to what the sources give; countback walks
    back from the period's month (None when the receivables exceed every month the sources
    give: only a lower bound); CEI needs the previous month in the history."""
    bal = hist.balances(history, labels)
    cols = ["period", "total_open", "past_due", "past_due_pct", "dso", "countback_dso", "cei"]
    if bal.empty:
        return pd.DataFrame(columns=cols)
    sales = monthly_sales if monthly_sales is not None else pd.DataFrame(
        columns=["month", "first_day", "last_day", "days", "credit_sales", "source"])
    by_month = {r.month: r for r in sales.itertuples()}
    totals = bal.sum(axis=1).astype("int64")
    rows = []
    for p in bal.index:
        total = int(totals[p])
        current = int(bal.loc[p, labels[0]]) if labels[0] in bal.columns else 0
        past = total - current
        end = period_bounds(p)[1]
        if as_of is not None and p == as_of.strftime("%Y-%m"):
            end = as_of
        upto = sales[sales["month"] <= p]
        v_dso = v_cb = v_cei = None
        if len(upto) and upto["month"].iat[0] == p:
            start = end - dt.timedelta(days=DSO_WINDOW_DAYS - 1)
            amount, covered, _ = window_sales(upto, register_sales, start, end)
            v_dso = dso(total, amount, (end - covered).days + 1)
            months = [int(x) for x in upto["credit_sales"]]
            if total <= sum(months):          # else only a lower bound: left out of the trend
                v_cb = countback_dso(total, months, [int(x) for x in upto["days"]])
            prev = period_name(month_number(p) - 1)
            if prev in totals.index:
                v_cei = cei(int(totals[prev]), int(by_month[p].credit_sales), total, current)
        rows.append({"period": p, "total_open": total, "past_due": past,
                     "past_due_pct": _q(pct_past_due(past, total), "%"), "dso": _q(v_dso, "days"),
                     "countback_dso": _q(v_cb, "days"), "cei": _q(v_cei, "%")})
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class Figure:
    """One headline figure: its value this close, the change since last month (None: no
    earlier month to compare) and where both come from."""
    name: str
    unit: str                      # money (minor units), %, days, count
    value: int | Decimal | None
    change: int | Decimal | None
    source: str


def _diff(a, b):
    return None if a is None or b is None or pd.isna(a) or pd.isna(b) else a - b


def headline(current: dict, months: pd.DataFrame, period: str, previous_kept: dict | None,
             allowance_opening: int | None) -> list[Figure]:
    """The ten headline figures.  ``current``: this close's value of every name in
    :data:`HEADLINE` (the KPIs and Aging sheets' figures; None when not computed);
    ``months``: :func:`month_figures`; ``previous_kept``: the figures of :data:`KEPT` the
    Dashboard recorded for the month before (None: none recorded); ``allowance_opening``:
    the allowance's opening balance (minor units)."""
    mf = months.set_index("period") if len(months) else months
    prev = hist.previous_period(months, period)
    col = {"Total open": "total_open", "Past due %": "past_due_pct", "DSO": "dso", "Countback DSO": "countback_dso",
           "CEI": "cei"}
    out = []
    for name, unit in HEADLINE:
        value = current.get(name)
        if name in FROM_HISTORY:
            has = period in getattr(mf, "index", ()) and prev is not None
            change = _diff(mf.at[period, col[name]], mf.at[prev, col[name]]) if has else None
            source = (f"change: Aging History {prev} → {period}" if has else
                      "change: needs this month and an earlier one in Aging History")
        elif name == "Allowance":
            change = _diff(value, allowance_opening)
            source = "change: closing − opening of the allowance"
        else:
            before = (previous_kept or {}).get(name)
            change = _diff(value, before)
            source = ("change: the Dashboard's figure for the month before" if before is not None
                      else "change: no figure recorded for the month before")
        out.append(Figure(name, unit, value, change, source))
    return out


def aging_by_month(history: pd.DataFrame, labels, months: int = TREND_MONTHS) -> pd.DataFrame:
    """The last ``months`` periods of ``Aging History`` (oldest first), one column per bucket
    (minor units)."""
    bal = hist.balances(history, labels).tail(months)
    out = bal.reset_index().rename(columns={"index": "period"})
    out.columns.name = None
    return out


def top_past_due(summary: pd.DataFrame, labels, n: int = TOP_CUSTOMERS) -> pd.DataFrame:
    """The ``n`` customers with the most past due on the aging (``summary``: by customer, with
    a ``TOTAL`` row), their past-due buckets and total; largest first."""
    body = summary[summary["customer_id"] != "TOTAL"]
    body = body[body["past_due"] > 0]
    cols = ["customer_id", "customer_name", *list(labels)[1:], "past_due"]
    top = body.sort_values(["past_due", "customer_id"], ascending=[False, True], kind="stable").head(n)
    return top[cols].reset_index(drop=True)


def _collector_of(ids: pd.Series, customers: pd.DataFrame | None) -> pd.Series:
    """The customer master's ``collector`` of each customer id; blank: ``(no collector)``."""
    who = pd.Series(dtype=object)
    if customers is not None and "collector" in customers.columns:
        who = customers.drop_duplicates("customer_id").set_index("customer_id")["collector"]
    coll = ids.map(who).fillna("").astype(str).str.strip()
    return coll.where(coll != "", "(no collector)")


def promises_by_collector(promises: pd.DataFrame | None, customers: pd.DataFrame | None) -> pd.DataFrame:
    """Promises to pay per collector (the customer master's): ``collector, kept, partial,
    broken, pending`` (counts, CONTRACT §6 statuses), most promises first."""
    cols = ["collector", "kept", "partial", "broken", "pending"]
    if promises is None or not len(promises):
        return pd.DataFrame({c: pd.Series([], dtype=object if c == "collector" else "int64") for c in cols})
    p = promises.assign(collector=_collector_of(promises["customer_id"], customers).to_numpy())
    g = pd.crosstab(p["collector"], p["status"].astype(str))
    out = pd.DataFrame({"collector": g.index.astype(object)})
    for c in cols[1:]:
        out[c] = g[c.upper()].to_numpy(dtype="int64") if c.upper() in g.columns else 0
    out["_n"] = out[cols[1:]].sum(axis=1)
    out = out.sort_values(["_n", "collector"], ascending=[False, True], kind="stable").drop(columns="_n")
    return out.reset_index(drop=True)


def past_due_by_collector(summary: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    """Past due of the aging per collector (the customer master's ``collector``; blank:
    ``(no collector)``), largest first: ``collector, customers, past_due``.  The column sums to
    the aging's total past due."""
    body = summary[summary["customer_id"] != "TOTAL"][["customer_id", "past_due"]]
    body = body.assign(collector=_collector_of(body["customer_id"], customers).to_numpy())
    g = body.groupby("collector", sort=False).agg(customers=("customer_id", "size"), past_due=("past_due", "sum"))
    g = g[g["past_due"] != 0].reset_index().sort_values(["past_due", "collector"], ascending=[False, True])
    g["past_due"] = g["past_due"].astype("int64")
    return g.reset_index(drop=True)


def cash_per_day(applied: pd.DataFrame | None) -> pd.DataFrame:
    """``applied``: ``value_date, amount`` (minor units of the reporting currency) and
    optionally ``applications`` (how many a row stands for; default 1) -> ``value_date,
    applied, applications`` per day, oldest first."""
    if applied is None or not len(applied):
        return pd.DataFrame({"value_date": pd.Series([], dtype="datetime64[ns]"),
                             "applied": pd.Series([], dtype="int64"), "applications": pd.Series([], dtype="int64")})
    if "applications" not in applied.columns:
        applied = applied.assign(applications=1)
    g = applied.groupby(pd.to_datetime(applied["value_date"]).dt.normalize()).agg(
        applied=("amount", "sum"), applications=("applications", "sum"))
    g = g.reset_index().sort_values("value_date")
    g["applied"] = g["applied"].astype("int64")
    return g.reset_index(drop=True)


def month_table(months: pd.DataFrame, kept: pd.DataFrame | None, period: str, this_close: dict) -> pd.DataFrame:
    """The ``Month by month`` table, oldest first: every period of the history (its figures
    recomputed) and of the earlier Dashboards, with the close's own figures (:data:`KEPT`)
    as recorded for other periods and ``this_close``'s for ``period`` (a figure this close
    did not compute keeps what was recorded for the period)."""
    kept_by = {}
    if kept is not None and len(kept):
        kept_by = {str(r["period"]): r for r in kept.to_dict("records")}
    periods = sorted(set(months["period"]) | set(kept_by) | {period}, key=month_number)
    mf = months.set_index("period") if len(months) else None
    rows = []
    for p in periods:
        row = {"period": p}
        for c in ("total_open", "past_due", "past_due_pct", "dso", "countback_dso", "cei"):
            row[c] = mf.at[p, c] if mf is not None and p in mf.index else None
        old = kept_by.get(p, {})
        for name in KEPT:
            v = this_close.get(name) if p == period else None
            row[name] = v if v is not None else old.get(name)
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["HEADLINE", "FROM_HISTORY", "KEPT", "Figure", "month_figures", "headline", "aging_by_month", "top_past_due",
           "past_due_by_collector", "promises_by_collector", "cash_per_day", "month_table"]
