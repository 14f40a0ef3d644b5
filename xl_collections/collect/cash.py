"""The cash that can meet a promise to pay: applied cash and cleared documents, as one table.

:func:`applied_cash` turns the cash application's ``AUTO`` rows (this run's and earlier
runs') and the payment history (``cleared_items``) into rows of

    ``cash_id`` (the payment, or ``cleared:<document_no>``), ``customer_id``,
    ``document_no``, ``amount`` (positive, integer minor units of the reporting currency),
    ``value_date`` (datetime64)

— the only money facts the promises need.  ``REVIEW`` rows are proposals, not cash;
``REVERSED`` rows (a returned payment) take their payment's cash back.  A cleared document
that an application already paid is not counted twice.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..core.fx import convert_minor, pick_rates
from ..core.money import MINOR_UNITS

CASH_COLUMNS = ("cash_id", "customer_id", "document_no", "amount", "value_date")


def empty_cash() -> pd.DataFrame:
    return pd.DataFrame({"cash_id": pd.Series([], dtype=object), "customer_id": pd.Series([], dtype=object),
                         "document_no": pd.Series([], dtype=object), "amount": pd.Series([], dtype="int64"),
                         "value_date": pd.Series([], dtype="datetime64[ns]")})


def to_reporting(amounts, currencies, *, fx_rates, as_of: dt.date, reporting_currency: str) -> pd.Series:
    """Minor units of each row's currency -> minor units of the reporting currency (the
    aging's exact per-row conversion at the as-of rates)."""
    amounts = pd.Series(amounts).reset_index(drop=True).astype("int64")
    cur = pd.Series(currencies).reset_index(drop=True).fillna("").astype(str).replace("", reporting_currency)
    rates = pick_rates(fx_rates, sorted(set(cur)), as_of, reporting_currency, need_table="applications")
    out = amounts.copy()
    to = MINOR_UNITS.get(reporting_currency, 2)
    for c, idx in cur.groupby(cur).groups.items():
        out.loc[idx] = convert_minor(amounts.loc[idx].to_numpy(dtype="int64"), rates[c], MINOR_UNITS.get(c, 2), to)
    return out


def _text(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.strip()


def applied_cash(applications: pd.DataFrame | None, *, payments: pd.DataFrame | None = None,
                 cleared: pd.DataFrame | None = None, fx_rates: pd.DataFrame | None = None,
                 as_of: dt.date, reporting_currency: str = "USD") -> pd.DataFrame:
    """One row per (payment, document) of applied cash, plus one per cleared document.

    ``applications``: ``payment_id``, ``document_no``, ``customer_id``, ``applied_amount``
    (minor units of ``currency``, else the reporting currency), ``status``, ``value_date``;
    a row without ``value_date`` or ``customer_id`` takes them from ``payments``.
    ``cleared``: the ``cleared_items`` table (``amount`` is the cash, ``cleared_date`` its date).
    Only cash dated on or before ``as_of`` counts: a later payment is not known yet."""
    parts = []
    if applications is not None and len(applications) and "payment_id" in applications.columns:
        a = applications.reset_index(drop=True)
        status = _text(a["status"]).str.upper() if "status" in a.columns else pd.Series("AUTO", index=a.index)
        a = a[status.isin(["AUTO", "REVERSED"])].copy()
        a["status"] = status[a.index]
        a["payment_id"] = _text(a["payment_id"])
        a["document_no"] = _text(a["document_no"]) if "document_no" in a.columns else ""
        a["customer_id"] = _text(a["customer_id"]) if "customer_id" in a.columns else ""
        if "value_date" not in a.columns:
            a["value_date"] = pd.NaT
        a["value_date"] = pd.to_datetime(a["value_date"], errors="coerce")
        if payments is not None and len(payments):
            p = payments.drop_duplicates("payment_id").set_index(_text(payments.drop_duplicates("payment_id")["payment_id"]))
            if "value_date" in p.columns:
                a["value_date"] = a["value_date"].fillna(a["payment_id"].map(p["value_date"]))
            if "customer_id" in p.columns:
                known = a["payment_id"].map(_text(p["customer_id"])).fillna("")
                a["customer_id"] = a["customer_id"].where(a["customer_id"] != "", known)
        cur = a["currency"] if "currency" in a.columns else pd.Series(reporting_currency, index=a.index)
        amount = to_reporting(a["applied_amount"].fillna(0), cur, fx_rates=fx_rates, as_of=as_of,
                              reporting_currency=reporting_currency)
        a = a.assign(amount=amount.to_numpy())
        # a reversal takes back its payment's cash on that document
        a = a.groupby(["payment_id", "document_no", "customer_id"], as_index=False, sort=False) \
             .agg(amount=("amount", "sum"), value_date=("value_date", "min"))
        a = a[(a["amount"] > 0) & (a["customer_id"] != "") & a["value_date"].notna()]
        parts.append(pd.DataFrame({"cash_id": a["payment_id"].to_numpy(dtype=object),
                                   "customer_id": a["customer_id"].to_numpy(dtype=object),
                                   "document_no": a["document_no"].to_numpy(dtype=object),
                                   "amount": a["amount"].to_numpy(dtype="int64"),
                                   "value_date": a["value_date"].to_numpy(dtype="datetime64[ns]")}))
    if cleared is not None and len(cleared):
        c = cleared.reset_index(drop=True)
        c = c[c["amount"] > 0]
        paid_docs = parts[0]["document_no"].to_numpy(dtype=object) if parts else np.array([], dtype=object)
        c = c[~_text(c["document_no"]).astype(object).isin(paid_docs).to_numpy()]   # a hash lookup, not a pyarrow scalar per value
        cur = c["currency"] if "currency" in c.columns else pd.Series(reporting_currency, index=c.index)
        amount = to_reporting(c["amount"], cur, fx_rates=fx_rates, as_of=as_of, reporting_currency=reporting_currency)
        parts.append(pd.DataFrame({"cash_id": ("cleared:" + _text(c["document_no"])).to_numpy(dtype=object),
                                   "customer_id": _text(c["customer_id"]).to_numpy(dtype=object),
                                   "document_no": _text(c["document_no"]).to_numpy(dtype=object),
                                   "amount": amount.to_numpy(dtype="int64"),
                                   "value_date": pd.to_datetime(c["cleared_date"]).to_numpy(dtype="datetime64[ns]")}))
    if not parts:
        return empty_cash()
    out = pd.concat(parts, ignore_index=True)
    out = out[out["value_date"] <= pd.Timestamp(as_of)]
    return out.sort_values(["customer_id", "value_date", "cash_id", "document_no"], kind="stable").reset_index(drop=True)
