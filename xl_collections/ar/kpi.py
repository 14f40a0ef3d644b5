"""Receivables KPIs: DSO, countback DSO, best-possible DSO, ADD, CEI, % past due, % over 90.

Every function takes amounts in one currency and one unit (integer minor units or Decimal
major units — the same for all arguments of a call) and returns an exact ``Decimal``
(unrounded), or ``None`` when the denominator is zero (the KPI is undefined, e.g. no credit
sales in the period).  :func:`receivables_kpis` rounds for display: days to 0.1, percentages
to 0.01.

========================  ===========================================================  =====
KPI                       formula                                                      unit
========================  ===========================================================  =====
DSO (period method)       AR / credit sales of the period × days in the period          days
Countback DSO             walk back month by month: whole months while AR exceeds       days
                          the month's credit sales, then the fraction AR left / sales
                          of that month × its days
Best-possible DSO         current (not yet due) AR / credit sales × days                 days
ADD                       DSO − best-possible DSO (average days delinquent)              days
CEI                       (begin AR + credit sales − end AR) /                           %
                          (begin AR + credit sales − end current AR) × 100
% past due                past-due AR / total AR × 100                                   %
% over 90 days            AR more than 90 days past due / total AR × 100                 %
========================  ===========================================================  =====

Credit sales per month (:func:`credit_sales_by_month`): the invoice register (CONTRACT: the
billing system's register for the period, usually one month) for the months it covers, the
GL ``debits`` of each period (billings posted to the AR control account) for earlier months.
DSO's window is the last ``period_days`` days as far as those sources reach (a GL month partly
inside counts pro rata); countback walks back through every month they give.  The ``inputs``
column of the KPI table names the source of every month, and says when the window was
shortened or the countback is a lower bound.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from numbers import Number

import numpy as np
import pandas as pd

from ..core.dates import month_end, month_start, previous_month, to_date
from ..core.fx import convert_minor, pick_rates
from ..io.validate import canonical
from ..core.money import format_amount, minor_unit, round_half_away

HUNDRED = Decimal(100)
DAYS_Q, PCT_Q = Decimal("0.1"), Decimal("0.01")


def _d(x) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        return Decimal(repr(x))
    if isinstance(x, (int, np.integer)):
        return Decimal(int(x))
    if isinstance(x, Number):
        return Decimal(str(x))
    return Decimal(str(x))


def _ratio(num, den) -> Decimal | None:
    den = _d(den)
    if den == 0:
        return None
    return _d(num) / den


def dso(ar, credit_sales, days) -> Decimal | None:
    """Period DSO in days: ``ar / credit_sales × days``.  ``ar``: receivables at the end of
    the period; ``credit_sales``: credit sales (invoices and debit memos) billed in the
    ``days``-long period ending on the same date; both in the same currency unit."""
    r = _ratio(ar, credit_sales)
    return None if r is None else r * _d(days)


def best_possible_dso(current_ar, credit_sales, days) -> Decimal | None:
    """Best-possible DSO in days: ``current_ar / credit_sales × days`` — the DSO if every
    past-due item were paid; ``current_ar`` is the not-yet-due part of AR."""
    return dso(current_ar, credit_sales, days)


def average_days_delinquent(dso_days, bpdso_days) -> Decimal | None:
    """Average days delinquent: ``DSO − best-possible DSO`` (days)."""
    if dso_days is None or bpdso_days is None:
        return None
    return _d(dso_days) - _d(bpdso_days)


def countback_dso(ar_total, monthly_sales, month_days) -> Decimal | None:
    """Countback DSO in days.  ``monthly_sales``: credit sales per month, newest first (the
    current month first, month-to-date); ``month_days``: the days of each of those months
    (a list aligned with ``monthly_sales``, or one number for all).  Walks back: while the AR
    left exceeds a month's sales, that month's sales are subtracted and its days counted;
    the month that exhausts AR counts ``AR left / its sales × its days``.  When the months
    given run out first, the days of all of them are returned (a lower bound).  AR <= 0 -> 0."""
    sales = [_d(s) for s in monthly_sales]
    if isinstance(month_days, (int, float, Decimal, np.integer)):
        days = [_d(month_days)] * len(sales)
    else:
        days = [_d(x) for x in month_days]
        if len(days) != len(sales):
            raise ValueError("month_days must have one entry per month of monthly_sales")
    left = _d(ar_total)
    total = Decimal(0)
    if left <= 0:
        return Decimal(0)
    for s, n in zip(sales, days):
        if s <= 0:
            total += n
            continue
        if left > s:
            left -= s
            total += n
        else:
            return total + left / s * n
    return total


def cei(begin_ar, credit_sales, end_ar, end_current_ar) -> Decimal | None:
    """Collection effectiveness index in %:
    ``(begin_ar + credit_sales − end_ar) / (begin_ar + credit_sales − end_current_ar) × 100``.
    What was collected over what could have been collected in the period; 100 % is perfect."""
    r = _ratio(_d(begin_ar) + _d(credit_sales) - _d(end_ar), _d(begin_ar) + _d(credit_sales) - _d(end_current_ar))
    return None if r is None else r * HUNDRED


def pct_past_due(past_due, total_open) -> Decimal | None:
    """% past due: ``past_due / total_open × 100``."""
    r = _ratio(past_due, total_open)
    return None if r is None else r * HUNDRED


def pct_over_90(over_90, total_open) -> Decimal | None:
    """% over 90 days: ``AR more than 90 days past due / total_open × 100``."""
    r = _ratio(over_90, total_open)
    return None if r is None else r * HUNDRED


# --- the KPI table ---------------------------------------------------------------------------

def credit_sales_in_reporting(register: pd.DataFrame, rates: dict, reporting_currency: str,
                              as_of: dt.date, fx_rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Credit sales lines of the register in the reporting currency: ``document_date`` and
    ``reporting_amount`` (int minor units, each document converted and rounded once).
    Credit sales are the invoice/debit-memo lines: ``doc_type`` INV/DM when the register
    has that column, else the positive amounts."""

    reg = canonical(register, "register", reporting_currency=reporting_currency)
    if "doc_type" in register.columns:
        sel = register["doc_type"].astype(str).str.upper().isin(["INV", "DM"]).to_numpy()
        reg = reg[sel[: len(reg)]] if len(sel) == len(reg) else reg[reg["amount"] > 0]
    else:
        reg = reg[reg["amount"] > 0]
    currencies = [str(c) for c in pd.unique(reg["currency"])]
    missing = [c for c in currencies if c not in rates]
    if missing:
        rates = {**rates, **pick_rates(fx_rates, missing, as_of, reporting_currency,
                                       {c: reg.loc[reg["currency"] == c, "source_row"].tolist() for c in missing},
                                       reg.attrs.get("source"), "register")}
    amt = reg["amount"].to_numpy(dtype="int64")
    out = amt.copy()
    cur = reg["currency"].to_numpy(dtype=object)
    for c in currencies:
        if c != reporting_currency:
            sel = cur == c
            out[sel] = convert_minor(amt[sel], rates[c], minor_unit(c), minor_unit(reporting_currency))
    return pd.DataFrame({"document_date": reg["document_date"].to_numpy(), "reporting_amount": out})


def _sales_between(sales: pd.DataFrame, start: dt.date, end: dt.date) -> int:
    d = sales["document_date"]
    sel = (d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))
    return int(sales.loc[sel, "reporting_amount"].sum())


def _gl_debits(gl, rates: dict, cur: str, as_of: dt.date, fx_rates) -> dict[str, int]:
    """GL ``debits`` per period (``YYYY-MM`` -> minor units of ``cur``), summed over accounts;
    periods whose debits are blank (or in a currency without a rate) are left out."""
    if gl is None or not len(gl):
        return {}

    g = canonical(gl, "gl", reporting_currency=cur)
    if "debits" not in g:
        return {}
    g = g[g["debits"].notna()]
    need = sorted({str(c) for c in pd.unique(g["currency"])} - set(rates) - {cur})
    if need:
        try:
            rates = {**rates, **pick_rates(fx_rates, need, as_of, cur, need_table="fx_rates")}
        except Exception:  # a currency without a rate: those periods are not known
            pass
    out: dict[str, int] = {}
    bad: set[str] = set()
    for period, v, c in zip(g["period"], g["debits"], g["currency"]):
        if c != cur and c not in rates:
            bad.add(period)
            continue
        v = int(v) if c == cur else int(convert_minor(np.array([int(v)]), rates[c], minor_unit(c), minor_unit(cur))[0])
        out[period] = out.get(period, 0) + v
    return {k: v for k, v in out.items() if k not in bad}


def credit_sales_by_month(aging, register: pd.DataFrame | None = None, gl: pd.DataFrame | None = None, *,
                          as_of=None, fx_rates: pd.DataFrame | None = None, months: int = 13) -> pd.DataFrame:
    """Credit sales per calendar month, newest first, as far back as the sources reach.

    Columns: ``month`` (``YYYY-MM``), ``first_day``, ``last_day`` (the as-of date for the
    as-of month: month-to-date), ``days``, ``credit_sales`` (int minor units of the aging's
    reporting currency), ``source``.  The register (its INV/DM lines, else its positive
    lines, each converted and rounded once) gives every month from the month of its first
    line up to the as-of month — except that a month before the as-of month which the register
    only partly covers (its first line is after the 1st) is taken from the GL when the GL has
    it.  Earlier months come from the GL ``debits`` of each period (what was billed to the AR
    control account, summed over accounts and converted).  The walk back stops at the first
    month no source gives, or after ``months`` months."""

    as_of = to_date(as_of) if as_of is not None else aging.as_of
    cur = aging.reporting_currency
    sales = credit_sales_in_reporting(register, aging.rates, cur, as_of, fx_rates) if register is not None else None
    debits = _gl_debits(gl, aging.rates, cur, as_of, fx_rates)
    reg_from = None
    if sales is not None and len(sales):
        dates = sales.loc[sales["document_date"] <= pd.Timestamp(as_of), "document_date"]
        first = dates.min().date() if len(dates) else as_of
        reg_from = month_start(first)
        if reg_from < month_start(as_of) and first.day > 1 and reg_from.strftime("%Y-%m") in debits:
            reg_from = month_end(first) + dt.timedelta(days=1)
    elif sales is not None:
        reg_from = month_start(as_of)
    rows = []
    mstart, mend = month_start(as_of), as_of
    while len(rows) < months:
        label = mstart.strftime("%Y-%m")
        if reg_from is not None and mstart >= reg_from:
            value, source = _sales_between(sales, mstart, mend), "register"
        elif label in debits:
            value = debits[label]
            source = f"GL debits {label}" + (" (month to date)" if mend < month_end(mstart) else "")
        else:
            break
        rows.append({"month": label, "first_day": mstart, "last_day": mend, "days": (mend - mstart).days + 1,
                     "credit_sales": value, "source": source})
        mend = mstart - dt.timedelta(days=1)
        mstart = month_start(mend)
    out = pd.DataFrame(rows, columns=["month", "first_day", "last_day", "days", "credit_sales", "source"])
    out["month"] = out["month"].astype(object)
    out["source"] = out["source"].astype(object)
    out["credit_sales"] = out["credit_sales"].astype("int64")
    out.attrs = {"money": ["credit_sales"], "currency": cur}
    return out


def window_sales(monthly: pd.DataFrame, sales: pd.DataFrame | None, start: dt.date, as_of: dt.date):
    """Credit sales of ``start..as_of`` from ``monthly`` (:func:`credit_sales_by_month`):
    ``(amount, first_day_covered, parts)``.  Register months count the days of the window
    exactly; a GL month only partly inside the window counts its debits × days inside / its
    days, rounded half away from zero.  ``parts``: one text per month used."""

    total, covered, parts = 0, None, []
    for r in monthly.itertuples():
        if r.last_day < start:
            break
        lo = max(r.first_day, start)
        if r.source == "register":
            v = _sales_between(sales, lo, r.last_day)
            note = "register" + ("" if lo == r.first_day else f" from {lo.isoformat()}")
        else:
            inside = (r.last_day - lo).days + 1
            if inside == r.days:
                v, note = int(r.credit_sales), r.source
            else:
                v = int(round_half_away(Decimal(int(r.credit_sales)) * inside / r.days, 0))
                note = f"{r.source} × {inside}/{r.days} d"
        total += v
        covered = lo
        parts.append((r.month, v, note))
    return total, covered, parts


def _begin_ar(gl, prior_summary, period: str, rates: dict, cur: str):
    """Begin AR of ``period`` (YYYY-MM) in minor units of ``cur`` and where it came from."""
    if gl is not None and len(gl):

        g = canonical(gl, "gl", reporting_currency=cur)
        rows = g[g["period"] == period]
        vals = rows["opening_balance"] if len(rows) else None
        source = f"GL opening balance {period}"
        if vals is None or vals.isna().all():
            prev = previous_month(dt.date(int(period[:4]), int(period[5:]), 1)).strftime("%Y-%m")
            rows = g[g["period"] == prev]
            vals = rows["closing_balance"] if len(rows) else None
            source = f"GL closing balance {prev}"
        if vals is not None and not vals.isna().all():
            total = 0
            for v, c in zip(vals, rows["currency"]):
                if pd.isna(v):
                    continue
                v = int(v)
                total += v if c == cur else int(convert_minor(np.array([v]), rates[c], minor_unit(c), minor_unit(cur))[0])
            return total, source
    if prior_summary is not None and len(prior_summary):
        key = prior_summary.columns[0]
        tot = prior_summary[prior_summary[key] == "TOTAL"]
        row = tot.iloc[0] if len(tot) else None
        value = int(row["total_open"]) if row is not None else int(prior_summary["total_open"].sum())
        return value, "prior aging total_open"
    return None, "no GL opening balance or prior aging"


def receivables_kpis(aging, register: pd.DataFrame | None = None, gl: pd.DataFrame | None = None,
                     prior_summary: pd.DataFrame | None = None, *, as_of=None, period_days: int = 90,
                     fx_rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The KPI table of the ``KPIs`` sheet: columns ``kpi, value, unit, formula, inputs``.

    ``aging``: an :class:`~xl_collections.ar.aging.AgingResult` (any ``by``).  Credit sales come
    per month from :func:`credit_sales_by_month`: the invoice ``register`` for the months it
    covers, the GL ``debits`` of each period for earlier months (converted to the reporting
    currency at the aging's rates, or ``fx_rates`` for currencies the aging did not need);
    ``inputs`` names the source of every month used.  DSO and best-possible DSO use the
    credit sales of the ``period_days`` days ending on ``as_of`` (default the aging's as-of
    date) — a GL month partly inside the window counts pro rata of its days — or of the
    shorter window the sources cover (``inputs`` says so).  Countback DSO walks back month by
    month from the as-of month (month-to-date) through every month the sources give, and says
    when AR exceeds them all (a lower bound).  CEI covers the as-of month: begin AR is the GL
    ``opening_balance`` of that period (else the previous period's ``closing_balance``, else
    ``prior_summary``'s TOTAL ``total_open``), end AR the aging's total, end current AR its
    ``not_due``.  ``value`` is a Decimal (days to 0.1, % to 0.01) or None when a KPI cannot be
    computed from what was given (``inputs`` says why).
    """

    as_of = to_date(as_of) if as_of is not None else aging.as_of
    cur = aging.reporting_currency
    key = aging.summary.columns[0]
    tot = aging.summary[aging.summary[key] == "TOTAL"].iloc[0]
    ar, current, past = int(tot["total_open"]), int(tot["not_due"]), int(tot["past_due"])
    d = aging.detail
    over90 = int(d.loc[d["days_past_due"] > 90, "reporting_amount"].sum()) if len(d) else 0

    def m(x):
        return f"{cur} {format_amount(x, cur)}"

    rows = []

    def put(kpi, value, unit, formula, inputs):
        q = DAYS_Q if unit == "days" else PCT_Q
        rows.append({"kpi": kpi, "value": None if value is None else value.quantize(q),
                     "unit": unit, "formula": formula, "inputs": inputs})

    sales = credit_sales_in_reporting(register, aging.rates, cur, as_of, fx_rates) if register is not None else None
    monthly = credit_sales_by_month(aging, register, gl, as_of=as_of, fx_rates=fx_rates)
    if len(monthly) and monthly["first_day"].iat[0] == month_start(as_of):
        start = as_of - dt.timedelta(days=period_days - 1)
        period_sales, covered, parts = window_sales(monthly, sales, start, as_of)
        days = (as_of - covered).days + 1
        short = (f" (window shortened from {period_days} days: credit sales known from {covered.isoformat()})"
                 if covered > start else "")
        per = (f"credit sales {covered.isoformat()}..{as_of.isoformat()} {m(period_sales)} = "
               + " + ".join(f"{mo} {m(v)} ({note})" for mo, v, note in parts) + f"; days {days}{short}")
        v_dso = dso(ar, period_sales, days)
        v_bp = best_possible_dso(current, period_sales, days)
        put("DSO", v_dso, "days", "AR / credit sales × days", f"AR {m(ar)}; {per}")
        months = [int(x) for x in monthly["credit_sales"]]
        mdays = [int(x) for x in monthly["days"]]
        v_cb = countback_dso(ar, months, mdays)
        need = int(np.searchsorted(np.cumsum(months), ar, side="left")) + 1 if ar > 0 else 1
        need = min(need, len(months))
        used = "; ".join(f"{r.month} {m(int(r.credit_sales))} ({r.days} d, {r.source})"
                         for r in monthly.iloc[:need].itertuples())
        if ar > sum(months):
            note = f" (AR exceeds the credit sales of all {len(months)} months the sources give: a lower bound)"
        else:
            note = f" ({len(months) - need} earlier month(s) given, not needed)" if need < len(months) else ""
        put("Countback DSO", v_cb, "days", "months back while AR exceeds their credit sales, plus the fraction of the last",
            f"AR {m(ar)}; credit sales newest first: {used}{note}")
        put("Best-possible DSO", v_bp, "days", "current AR / credit sales × days", f"current AR {m(current)}; {per}")
        put("ADD", average_days_delinquent(v_dso, v_bp), "days", "DSO − best-possible DSO", "from DSO and best-possible DSO above")
        period = as_of.strftime("%Y-%m")
        begin, source = _begin_ar(gl, prior_summary, period, aging.rates, cur)
        month_sales = months[0]
        if begin is None:
            put("CEI", None, "%", "(begin AR + credit sales − end AR) / (begin AR + credit sales − end current AR) × 100",
                f"not computed: {source}")
        else:
            put("CEI", cei(begin, month_sales, ar, current), "%",
                "(begin AR + credit sales − end AR) / (begin AR + credit sales − end current AR) × 100",
                f"begin AR {m(begin)} ({source}); credit sales {period} {m(month_sales)} ({monthly['source'].iat[0]}); "
                f"end AR {m(ar)}; end current AR {m(current)}")
    else:
        why = ("not computed: no invoice register nor GL debits (credit sales) given" if register is None
               else "not computed: no credit sales for the as-of month")
        if register is None and gl is None:
            why = "not computed: no invoice register (credit sales) given"
        for kpi, unit, formula in (("DSO", "days", "AR / credit sales × days"),
                                   ("Countback DSO", "days", "months back while AR exceeds their credit sales, plus the fraction of the last"),
                                   ("Best-possible DSO", "days", "current AR / credit sales × days"),
                                   ("ADD", "days", "DSO − best-possible DSO"),
                                   ("CEI", "%", "(begin AR + credit sales − end AR) / (begin AR + credit sales − end current AR) × 100")):
            put(kpi, None, unit, formula, why)
    put("% past due", pct_past_due(past, ar), "%", "past-due AR / total AR × 100", f"past due {m(past)}; total AR {m(ar)}")
    put("% over 90 days", pct_over_90(over90, ar), "%", "AR more than 90 days past due / total AR × 100",
        f"over 90 days {m(over90)}; total AR {m(ar)}")
    out = pd.DataFrame(rows, columns=["kpi", "value", "unit", "formula", "inputs"])
    out.attrs = {"table": "kpis", "currency": cur, "as_of": as_of.isoformat()}
    return out


__all__ = ["dso", "countback_dso", "best_possible_dso", "average_days_delinquent", "cei", "pct_past_due", "pct_over_90",
           "receivables_kpis", "credit_sales_in_reporting", "credit_sales_by_month", "window_sales"]
