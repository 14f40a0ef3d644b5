"""Promises to pay (CONTRACT §6 "Promises to pay").

A ``PROMISE`` row of the ``activity`` log (``date`` it was made, ``promise_date``,
``amount``, optional ``document_no``) is met by the customer's cash (see
:mod:`xl_collections.collect.cash`: applied ``AUTO`` cash of this and earlier runs, and
cleared documents) — to that document when the promise names one — whose value date lies
between the activity ``date`` and ``promise_date + PromiseGraceDays``.

* A customer's promises take the cash in ``promise_date`` order (then the day it was made,
  then the log's order); within a promise, the earliest cash first, until the promise is met.
  The cash of one payment on one document counts toward one promise only.
* ``KEPT`` when paid >= promised − 0.01; otherwise ``PENDING`` while ``as_of <=
  promise_date + PromiseGraceDays``; after that ``PARTIAL`` when something was paid, else
  ``BROKEN``.
* A promise without an amount is kept by any payment; one without a ``promise_date`` is
  due the day it was made.  Promises logged after the as-of date, and cash dated after it,
  are not known yet (so the same book at a later as-of date can change a status).

Money: ``promised_amount`` and ``paid_amount`` are integer minor units of the reporting
currency (the activity log's amounts are read in it).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from ..core.money import MINOR_UNITS

KEPT, PARTIAL, BROKEN, PENDING = "KEPT", "PARTIAL", "BROKEN", "PENDING"
STATUSES = (PENDING, KEPT, PARTIAL, BROKEN)
# the CSV columns (CONTRACT §4 promises.csv), in order; the sheet shows more
CSV_COLUMNS = ["customer_id", "document_no", "promise_date", "promised_amount", "paid_amount", "status", "paid_date"]
COLUMNS = CSV_COLUMNS + ["made_on", "due_by", "collector", "note"]


def tolerance(currency: str) -> int:
    """0.01 in minor units of ``currency`` (0 for a currency without cents)."""
    return 10 ** MINOR_UNITS.get(currency, 2) // 100


def _empty() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})
    for c in ("promised_amount", "paid_amount"):
        out[c] = pd.Series([], dtype="Int64")
    for c in ("promise_date", "paid_date", "made_on", "due_by"):
        out[c] = pd.Series([], dtype="datetime64[ns]")
    return out


def evaluate_promises(activity: pd.DataFrame | None, cash: pd.DataFrame, *, as_of: dt.date,
                      grace_days: int = 3, currency: str = "USD") -> pd.DataFrame:
    """Every promise to pay logged on or before ``as_of``, with what was paid against it and
    its status; columns :data:`COLUMNS`, sorted by customer and promise date."""
    if activity is None or not len(activity):
        return _empty()
    asof = pd.Timestamp(as_of)
    act = activity.reset_index(drop=True)
    p = act[(act["type"] == "PROMISE") & (act["date"] <= asof)].copy()
    if p.empty:
        return _empty()
    p["_order"] = p.index
    p["promise_date"] = p["promise_date"].fillna(p["date"])
    p = p.sort_values(["customer_id", "promise_date", "date", "_order"], kind="stable")
    grace = pd.Timedelta(days=int(grace_days))
    tol = tolerance(currency)
    # per customer, its cash in value-date order as plain tuples (value date as int64 ns)
    by_customer: dict[str, list] = {}
    if len(cash):
        cash = cash[cash["customer_id"].isin(pd.unique(p["customer_id"]))]     # only customers who promised
        text = {c: cash[c].to_numpy(dtype=object) for c in ("customer_id", "cash_id", "document_no")}   # in bulk, not per cell
        for c, vd, k, d, a in zip(text["customer_id"], cash["value_date"].to_numpy(dtype="datetime64[ns]").astype("int64"),
                                  text["cash_id"], text["document_no"], cash["amount"].to_numpy(dtype="int64")):
            by_customer.setdefault(c, []).append((vd, k, d, int(a)))
    used: set[tuple[str, str]] = set()
    rows = []
    for r in p.itertuples(index=False):
        doc = str(r.document_no or "")
        amount = None if pd.isna(r.amount) else int(r.amount)
        due_by = r.promise_date + grace
        lo, hi = pd.Timestamp(r.date).value, pd.Timestamp(due_by).value
        paid, paid_ns = 0, None
        groups: dict[str, list] = {}          # cash id -> its (document, amount, date), earliest cash first
        for vd, k, d, a in by_customer.get(r.customer_id, ()):
            if lo <= vd <= hi and (not doc or d == doc):
                groups.setdefault(k, []).append((d, a, vd))
        for k, parts in groups.items():
            if amount is None and paid > 0 or amount is not None and paid >= amount - tol:
                break
            fresh = [(d, a, vd) for d, a, vd in parts if (k, d) not in used]
            if not fresh:
                continue
            used.update((k, d) for d, _, _ in fresh)
            paid += sum(a for _, a, _ in fresh)
            paid_ns = max(vd for _, _, vd in fresh)
        kept = paid > 0 if amount is None else paid >= amount - tol
        if kept:
            status = KEPT
        elif asof <= due_by:
            status = PENDING
        else:
            status = PARTIAL if paid > 0 else BROKEN
        rows.append({"customer_id": r.customer_id, "document_no": doc, "promise_date": r.promise_date,
                     "promised_amount": amount, "paid_amount": paid, "status": status,
                     "paid_date": pd.NaT if paid_ns is None else pd.Timestamp(paid_ns), "made_on": r.date,
                     "due_by": due_by, "collector": getattr(r, "collector", "") or "",
                     "note": getattr(r, "note", "") or ""})
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("promised_amount", "paid_amount"):
        out[c] = out[c].astype("Int64")
    for c in ("promise_date", "paid_date", "made_on", "due_by"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    out.attrs = {"money": ["promised_amount", "paid_amount"], "currency": currency}
    return out.reset_index(drop=True)


def kept_rates(promises: pd.DataFrame, by: str) -> pd.DataFrame:
    """Promises kept % per ``by`` (``customer_id`` or ``collector``): ``kept`` / ``judged``
    where judged = KEPT + PARTIAL + BROKEN (pending ones are not judged yet); ``kept_pct`` a
    fraction, None when nothing was judged."""
    if promises is None or promises.empty:
        return pd.DataFrame({by: [], "promises": [], "kept": [], "judged": [], "broken": [], "kept_pct": []})
    g = promises.groupby(by, sort=True)["status"]
    out = pd.DataFrame({"promises": g.size(), "kept": g.apply(lambda s: int((s == KEPT).sum())),
                        "judged": g.apply(lambda s: int(s.isin([KEPT, PARTIAL, BROKEN]).sum())),
                        "broken": g.apply(lambda s: int((s == BROKEN).sum()))}).reset_index()
    out["kept_pct"] = [k / j if j else None for k, j in zip(out["kept"], out["judged"])]
    return out


def kept_pct(promises: pd.DataFrame) -> float | None:
    """Share of judged promises that were kept (None when none was judged)."""
    if promises is None or promises.empty:
        return None
    judged = promises["status"].isin([KEPT, PARTIAL, BROKEN])
    return float((promises["status"] == KEPT).sum() / judged.sum()) if judged.any() else None


def kept_kpi(promises: pd.DataFrame | None) -> dict:
    """The ``Promises kept`` row of the KPI table (``kpi, value, unit, formula, inputs``;
    value a Decimal percentage to 0.01, None when no promise was judged yet)."""
    p = promises if promises is not None else pd.DataFrame({"status": []})
    kept = int((p["status"] == KEPT).sum())
    judged = int(p["status"].isin([KEPT, PARTIAL, BROKEN]).sum())
    pending = int((p["status"] == PENDING).sum())
    value = (Decimal(kept) * 100 / Decimal(judged)).quantize(Decimal("0.01")) if judged else None
    inputs = (f"{kept} kept of {judged} judged ({int((p['status'] == PARTIAL).sum())} partial, "
              f"{int((p['status'] == BROKEN).sum())} broken); {pending} pending, not judged yet")
    return {"kpi": "Promises kept", "value": value, "unit": "%",
            "formula": "promises kept / promises judged (kept + partial + broken) × 100",
            "inputs": inputs if judged or pending else "not computed: no promise to pay in the activity log"}
