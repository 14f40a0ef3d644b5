"""Exposure per customer and per parent group (CONTRACT §6 "Exposure and order decisions").

Every amount is integer minor units of the reporting currency (each item and order converted
at the as-of rate and rounded once, as the aging does), signs as in the open items:

- ``open_ar`` = Σ open amounts of all the customer's items, credits included;
- ``shipped_not_billed`` = Σ orders with status ``SHIPPED_NOT_BILLED``; ``open_orders`` = Σ
  orders with status ``OPEN`` or ``SHIPPED_NOT_BILLED`` (without an orders table: the
  master's ``open_orders``, all counted as open);
- ``exposure = open_ar + open_orders``; ``utilisation = exposure / credit_limit`` (Decimal;
  blank without a limit or with a zero limit);
- ``past_due`` and ``max_days_past_due`` count receivable items (``INV``, ``DM``, ``DED``)
  with open amount > 0 and ``as_of − due_date`` > 0 that are **not** ``DISPUTED``;
  ``oldest_document`` is the one with the most days (the lowest number on a tie);
- the group of a customer is its ``parent_id`` (itself when blank): ``group_exposure`` sums
  the group's members, ``group_limit`` is the parent's own ``credit_limit``;
- ``items``: how many open items the customer has (0: no receivables with us).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from ..ar.aging import age
from ..core.fx import convert_minor, pick_rates
from ..core.money import minor_unit

RECEIVABLE_TYPES = ("INV", "DM", "DED")
COLUMNS = ("customer_id", "customer_name", "parent_id", "credit_limit", "items", "open_ar", "shipped_not_billed",
           "open_orders", "exposure", "utilisation", "past_due", "max_days_past_due", "oldest_document",
           "group_id", "group_exposure", "group_limit", "group_utilisation")
MONEY = ["credit_limit", "open_ar", "shipped_not_billed", "open_orders", "exposure", "past_due",
         "group_exposure", "group_limit"]


def to_reporting(df: pd.DataFrame, column: str, *, fx_rates, as_of: dt.date, reporting_currency: str,
                 table: str) -> np.ndarray:
    """``df[column]`` (minor units of each row's ``currency``) in minor units of the reporting
    currency, each row converted and rounded once; a missing rate is an input error naming
    the rows of ``table`` that need it."""
    values = df[column].to_numpy(dtype="int64")
    if not len(df):
        return values.copy()
    cur = df["currency"].astype(str).to_numpy() if "currency" in df.columns else np.full(len(df), reporting_currency)
    currencies = sorted(set(cur))
    rows = df["source_row"].to_numpy() if "source_row" in df.columns else np.arange(len(df)) + 2
    need = {c: [int(r) for r in rows[cur == c]] for c in currencies}
    rates = pick_rates(fx_rates, currencies, as_of, reporting_currency, need_rows=need,
                       need_source=df.attrs.get("source"), need_table=table)
    out = values.copy()
    to = minor_unit(reporting_currency)
    for c in currencies:
        if c != reporting_currency:
            m = cur == c
            out[m] = convert_minor(values[m], rates[c], minor_unit(c), to)
    return out


def ratio(num: int, den) -> Decimal | None:
    """``num / den`` as an exact Decimal; None when the denominator is missing or zero."""
    if den is None or pd.isna(den) or int(den) == 0:
        return None
    return Decimal(int(num)) / Decimal(int(den))


def customer_ids(*tables: pd.DataFrame | None) -> list[str]:
    """Every customer id of the tables given, sorted."""
    ids: set[str] = set()
    for t in tables:
        if t is not None and len(t) and "customer_id" in t.columns:
            ids.update(pd.unique(t["customer_id"].to_numpy(dtype=object)).tolist())
    return sorted(ids)


def item_days(detail: pd.DataFrame, as_of: dt.date) -> np.ndarray:
    """Days past due of each aged item: as-of − due date (the aging's due date, terms applied)."""
    due = detail["due_date"].to_numpy(dtype="datetime64[D]")
    return (np.datetime64(as_of, "D") - due).astype("int64")


def exposure(open_items: pd.DataFrame, as_of: dt.date, *, customers: pd.DataFrame | None = None,
             orders: pd.DataFrame | None = None, fx_rates: pd.DataFrame | None = None,
             reporting_currency: str = "USD", aging_detail: pd.DataFrame | None = None,
             extra_ids: list[str] = ()) -> pd.DataFrame:
    """One row per customer (master, open items, orders and ``extra_ids``), sorted by id, with
    the :data:`COLUMNS` above.  ``aging_detail``: the aging's item detail when the caller has it
    (saves aging the items again)."""
    if aging_detail is None:
        aging_detail = age(open_items, as_of, customers=customers, fx_rates=fx_rates,
                           reporting_currency=reporting_currency).detail
    det = aging_detail
    ids = customer_ids(customers, det, orders, pd.DataFrame({"customer_id": list(extra_ids)}))
    index = pd.Index(ids, dtype=object)
    out = pd.DataFrame({"customer_id": pd.Series(ids, dtype=object)})

    master = customers.drop_duplicates("customer_id").set_index("customer_id") if customers is not None else None
    def from_master(col, default):
        if master is None or col not in master.columns:
            return pd.Series([default] * len(ids), dtype=object)
        return master[col].reindex(index).where(lambda s: s.notna(), default).reset_index(drop=True)
    out["customer_name"] = from_master("customer_name", "").astype(object)
    out["parent_id"] = from_master("parent_id", "").astype(object)
    limit = (master["credit_limit"].reindex(index) if master is not None and "credit_limit" in master.columns
             else pd.Series([pd.NA] * len(ids), index=index))
    out["credit_limit"] = pd.array(limit.to_numpy(dtype=object), dtype="Int64")

    amt = det["reporting_amount"].to_numpy(dtype="int64")
    cid = det["customer_id"].astype(str).to_numpy()
    by_customer = pd.Series(amt).groupby(cid)
    out["items"] = by_customer.size().reindex(index, fill_value=0).to_numpy(dtype="int64")
    out["open_ar"] = by_customer.sum().reindex(index, fill_value=0).to_numpy(dtype="int64")

    days = item_days(det, as_of)
    hold = (det["doc_type"].isin(RECEIVABLE_TYPES).to_numpy() & (det["open_amount"].to_numpy(dtype="int64") > 0)
            & (days > 0) & (det["status"] != "DISPUTED").to_numpy())
    pd_items = pd.DataFrame({"customer_id": cid[hold], "amount": amt[hold], "days": days[hold],
                             "document_no": det["document_no"].astype(str).to_numpy()[hold]})
    out["past_due"] = pd_items.groupby("customer_id")["amount"].sum().reindex(index, fill_value=0).to_numpy("int64")
    oldest = pd_items.sort_values(["customer_id", "days", "document_no"], ascending=[True, False, True],
                                  kind="stable").drop_duplicates("customer_id").set_index("customer_id")
    out["max_days_past_due"] = oldest["days"].reindex(index, fill_value=0).to_numpy(dtype="int64")
    out["oldest_document"] = oldest["document_no"].reindex(index).fillna("").to_numpy(dtype=object)

    snb, opn = _orders(orders, customers, index, as_of=as_of, fx_rates=fx_rates,
                       reporting_currency=reporting_currency)
    out["shipped_not_billed"] = snb
    out["open_orders"] = snb + opn
    out["exposure"] = out["open_ar"] + out["open_orders"]
    out["utilisation"] = [ratio(e, lim) for e, lim in zip(out["exposure"], out["credit_limit"])]

    group = out["parent_id"].where(out["parent_id"] != "", out["customer_id"]).astype(object)
    out["group_id"] = group
    out["group_exposure"] = out.groupby("group_id")["exposure"].transform("sum").to_numpy(dtype="int64")
    limits = pd.Series(out["credit_limit"].to_numpy(), index=index)
    out["group_limit"] = pd.array(limits.reindex(pd.Index(group)).to_numpy(dtype=object), dtype="Int64")
    out["group_utilisation"] = [ratio(e, lim) for e, lim in zip(out["group_exposure"], out["group_limit"])]
    out.attrs = {"money": list(MONEY), "currency": reporting_currency}
    return out


def order_amounts(orders: pd.DataFrame, *, as_of: dt.date, fx_rates, reporting_currency: str) -> np.ndarray:
    """Each order's amount in minor units of the reporting currency."""
    return to_reporting(orders, "amount", fx_rates=fx_rates, as_of=as_of, reporting_currency=reporting_currency,
                        table="orders")


def _orders(orders, customers, index: pd.Index, *, as_of, fx_rates, reporting_currency):
    """(shipped-not-billed, open) per customer of ``index``, reporting minor units."""
    zero = np.zeros(len(index), dtype="int64")
    if orders is None:
        if customers is None or "open_orders" not in customers.columns:
            return zero, zero.copy()
        master = customers.drop_duplicates("customer_id").set_index("customer_id")["open_orders"]
        return zero, master.reindex(index).fillna(0).to_numpy(dtype="int64")
    amt = order_amounts(orders, as_of=as_of, fx_rates=fx_rates, reporting_currency=reporting_currency)
    frame = pd.DataFrame({"customer_id": orders["customer_id"].astype(str).to_numpy(), "amount": amt,
                          "status": orders["status"].to_numpy()})
    sums = frame.groupby(["customer_id", "status"])["amount"].sum()

    def part(status):
        if not len(sums) or status not in sums.index.get_level_values("status"):
            return zero.copy()
        s = sums.xs(status, level="status")
        return s.reindex(index, fill_value=0).to_numpy(dtype="int64")
    return part("SHIPPED_NOT_BILLED"), part("OPEN")
