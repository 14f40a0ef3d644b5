"""Statements of account (pure): per customer every open item with its days past due,
credits and unapplied cash, the aging buckets and the total — each currency on its own.

Money is integer minor units of each item's currency; credits are negative.  Buckets are the
aging's (``AgingBuckets``), ``days_past_due`` from the due date (terms fill a missing one).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..ar.aging import age, to_date
from ..core.errors import InputError, InputErrors
from ..io.validate import canonical
from ..core.settings import Settings

ITEM_COLUMNS = ["document_no", "doc_type", "document_date", "due_date", "days_past_due", "bucket", "currency",
                "amount", "open_amount", "reference", "po_number", "status"]


@dataclass(frozen=True, eq=False)
class Statement:
    """One customer's statement.  ``items``: its open items (:data:`ITEM_COLUMNS`), receivables
    first by due date, then credits; ``aging``: one row per currency with one column per
    bucket label (``not_due``, ``1-30`` …) and ``total``; ``labels``: the bucket labels."""
    customer_id: str
    customer: dict
    items: pd.DataFrame
    aging: pd.DataFrame
    labels: tuple[str, ...]
    as_of: dt.date


def statements(open_items: pd.DataFrame, customers: pd.DataFrame | None, settings: Settings, as_of=None, *,
               customer_ids=None, fx_rates: pd.DataFrame | None = None) -> tuple[list[Statement], list[InputError]]:
    """Statements at ``as_of`` (default ``settings.as_of``) for ``customer_ids`` (None: every
    customer with an open item).  A requested customer with neither open items nor a master
    row is an error naming it; one in the master without open items gets an empty statement."""
    rep = settings.reporting_currency
    try:
        as_of = to_date(as_of if as_of is not None else settings.as_of)
        oi = canonical(open_items, "open_items", reporting_currency=rep)
        cust = canonical(customers, "customers", reporting_currency=rep) if customers is not None else None
        res = age(oi, as_of, customers=cust, fx_rates=fx_rates, buckets=settings.aging_buckets, basis="due",
                  reporting_currency=rep)
    except InputErrors as e:
        return [], list(e.errors)
    except ValueError as e:
        return [], [InputError(str(e), "open_items")]
    detail = res.detail
    labels = res.labels
    master = {} if cust is None else cust.set_index("customer_id").to_dict("index")
    groups = dict(tuple(detail.groupby("customer_id", sort=True)))
    if customer_ids is None:
        wanted = list(groups)
    else:
        wanted = list(dict.fromkeys(str(c).strip() for c in customer_ids))
        unknown = [c for c in wanted if c not in groups and c not in master]
        if unknown:
            return [], [InputError("no such customer", "customers", "", "", None, "customer_id", c,
                                   "a customer_id of the customers or open items") for c in unknown]
    labels_l = list(labels)
    sums = detail.groupby(["customer_id", "currency", "bucket"], observed=True)["open_amount"].sum()
    agings = sums.unstack("bucket", fill_value=0).reindex(columns=labels_l, fill_value=0).astype("int64")
    agings_by = {cid: part.droplevel("customer_id") for cid, part in agings.groupby(level="customer_id")}
    out = []
    empty = detail.iloc[0:0]
    for cid in wanted:
        d = groups.get(cid, empty)
        credit = d["open_amount"] < 0
        d = pd.concat([d[~credit].sort_values(["due_date", "document_no"], kind="stable"),
                       d[credit].sort_values(["document_date", "document_no"], kind="stable")])
        items = d[[c for c in ITEM_COLUMNS if c in d.columns]].reset_index(drop=True)
        items["bucket"] = items["bucket"].astype(str)
        aging = agings_by.get(cid, pd.DataFrame(columns=labels_l, dtype="int64")).copy()
        aging["total"] = aging.sum(axis=1).astype("int64")
        aging = aging.rename_axis("currency").reset_index()
        aging.columns.name = None
        info = dict(master.get(cid, {}))
        info.setdefault("customer_name", "")
        out.append(Statement(cid, info, items, aging, labels, as_of))
    return out, []
