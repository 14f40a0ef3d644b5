"""Payment behaviour from the payment history (``cleared_items``): how late a customer pays.

Over the documents with a positive amount cleared in the look-back window (``lookback_days``
up to and including the as-of date):

- ``days_late`` of a document = ``cleared_date − due_date`` (negative: paid early);
- ``add_days`` (average days late) = Σ amount × days_late / Σ amount, the amounts in the
  reporting currency — big invoices count more than small ones; early payment counts as
  negative days, so a customer who pays some early and some late nets out;
- ``pct_paid_late`` = Σ amount of documents cleared after their due date / Σ amount (a
  Decimal share, 0.25 = 25 %);
- ``trend``: ``add_days`` of the last ``trend_days`` against the rest of the window:
  ``WORSENING`` when it grew by more than ``trend_change_days``, ``IMPROVING`` when it fell
  by more, ``STEADY`` otherwise, '' without documents in both parts;
- ``billing_12m``: Σ amount of the cleared documents *dated* in the window (the customer's
  billing, with its open invoices the base of the recommended limit).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from .exposure import to_reporting
from .scoring import DEFAULT_POLICY, Policy

WORSENING, IMPROVING, STEADY = "WORSENING", "IMPROVING", "STEADY"
COLUMNS = ("customer_id", "documents", "add_days", "pct_paid_late", "trend", "billing_12m")


def _ratio(num, den) -> Decimal | None:
    return Decimal(int(num)) / Decimal(int(den)) if den else None


def payment_behaviour(cleared_items: pd.DataFrame | None, as_of: dt.date, *, fx_rates=None,
                      reporting_currency: str = "USD", policy: Policy = DEFAULT_POLICY) -> pd.DataFrame:
    """One row per customer with history: :data:`COLUMNS` (``add_days`` a Decimal,
    ``billing_12m`` minor units of the reporting currency)."""
    return behaviour_from_sums(behaviour_sums(cleared_items, as_of, fx_rates=fx_rates,
                                              reporting_currency=reporting_currency, policy=policy), policy)


SUMS = ("documents", "amount", "weighted", "late_amount", "recent_amount", "recent_weighted", "older_amount",
        "older_weighted", "billing_12m")


def behaviour_sums(cleared_items: pd.DataFrame | None, as_of: dt.date, *, fx_rates=None,
                   reporting_currency: str = "USD", policy: Policy = DEFAULT_POLICY) -> pd.DataFrame:
    """The integer sums per customer (index ``customer_id``, columns :data:`SUMS`; amounts in
    minor units of the reporting currency, weighted = amount x days late) that
    :func:`behaviour_from_sums` turns into the table.  Sums of disjoint sets of cleared items
    add up (batches of a file beyond memory: :mod:`xl_collections.credit.behaviour_outofcore`)."""
    if cleared_items is None or not len(cleared_items):
        return pd.DataFrame({c: pd.Series([], dtype="int64") for c in SUMS})
    ci = cleared_items[cleared_items["amount"].to_numpy(dtype="int64") > 0]
    end = np.datetime64(as_of, "D")
    start = end - np.timedelta64(policy.lookback_days, "D")
    cleared = ci["cleared_date"].to_numpy(dtype="datetime64[D]")
    dated = ci["document_date"].to_numpy(dtype="datetime64[D]")
    ci = ci[((cleared > start) & (cleared <= end)) | ((dated > start) & (dated <= end))]
    if not len(ci):
        return pd.DataFrame({c: pd.Series([], dtype="int64") for c in SUMS})
    amount = to_reporting(ci, "amount", fx_rates=fx_rates, as_of=as_of, reporting_currency=reporting_currency,
                          table="cleared_items")
    cleared = ci["cleared_date"].to_numpy(dtype="datetime64[D]")
    dated = ci["document_date"].to_numpy(dtype="datetime64[D]")
    late = (cleared - ci["due_date"].to_numpy(dtype="datetime64[D]")).astype("int64")
    in_window = (cleared > start) & (cleared <= end)
    recent = cleared > end - np.timedelta64(policy.trend_days, "D")
    billed = (dated > start) & (dated <= end)
    # integer sums per customer (exact), then one Decimal division each
    w = in_window
    recent_w, older_w = w & recent, w & ~recent
    return pd.DataFrame({
        "documents": w.astype("int64"),
        "amount": np.where(w, amount, 0), "weighted": np.where(w, amount * late, 0),
        "late_amount": np.where(w & (late > 0), amount, 0),
        "recent_amount": np.where(recent_w, amount, 0), "recent_weighted": np.where(recent_w, amount * late, 0),
        "older_amount": np.where(older_w, amount, 0), "older_weighted": np.where(older_w, amount * late, 0),
        "billing_12m": np.where(billed, amount, 0),
    }).groupby(ci["customer_id"].astype(str).to_numpy(), sort=True).sum()


def behaviour_from_sums(parts: pd.DataFrame, policy: Policy = DEFAULT_POLICY) -> pd.DataFrame:
    """:func:`behaviour_sums` (index sorted by customer) -> the table of :data:`COLUMNS`."""
    if not len(parts):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})
    rows = []
    for cid, g in zip(parts.index, parts.itertuples(index=False)):
        add = _ratio(g.weighted, g.amount)
        pct = _ratio(g.late_amount, g.amount)
        now, before = _ratio(g.recent_weighted, g.recent_amount), _ratio(g.older_weighted, g.older_amount)
        trend = ""
        if now is not None and before is not None:
            change = now - before
            trend = (WORSENING if change > policy.trend_change_days
                     else IMPROVING if change < -policy.trend_change_days else STEADY)
        rows.append((cid, int(g.documents), add, pct, trend, int(g.billing_12m)))
    return pd.DataFrame(rows, columns=list(COLUMNS))
