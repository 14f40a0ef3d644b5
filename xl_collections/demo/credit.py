"""Credit data of the demo book: financial statements, agency reports, sales orders and the
payment history, so the demo close shows real credit decisions.

Each customer gets a profile — ``strong`` (half of them), ``average``, ``weak`` or
``distress`` — that shapes its balance sheet (Altman Z'' safe, grey or distressed), its
agency report (PAYDEX 80 pays on terms, 40 pays about two months late) and how late it paid
the invoices cleared over the last twelve months.  A few ``NEW`` prospects, not yet in the
customer master, bring statements, a report and an order but no credit limit.  Orders
(``OPEN`` to decide, some ``SHIPPED_NOT_BILLED``) are sized against each customer's headroom
so that some fit, some flex and some go over.

Its own random stream (the demo seed plus :data:`SALT`) keeps every other demo table as it
was.  Money is minor units of the customer's currency (statements of some customers "in
thousands": ``scale`` 1000).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ._common import DAY, canonical_table, d64

SALT = 15_015
PROFILES = {"strong": 0.50, "average": 0.30, "weak": 0.15, "distress": 0.05}
# per profile: (working capital / TA, retained earnings / TA, EBIT / TA, equity / TA) means;
# PAYDEX mean, failure score mean; days late (mean, spread) of the payment history
SHAPE = {
    "strong":   ((0.30, 0.35, 0.14, 0.60), 80, 85, (-2, 4)),
    "average":  ((0.15, 0.18, 0.07, 0.40), 72, 60, (6, 6)),
    "weak":     ((0.04, 0.05, 0.02, 0.25), 55, 35, (20, 10)),
    "distress": ((-0.10, -0.15, -0.06, 0.08), 35, 12, (50, 20)),
}
SHARE_WITH_FINANCIALS = 0.75
SHARE_WITH_REPORT = 0.85
SHARE_SCALED = 0.30          # statements given in thousands
ORDERS_PER_CUSTOMER = (2.5, 0.6)   # Poisson means: customers paying within 60 days of terms, the others
SHARE_SHIPPED = 0.2          # orders shipped, not billed yet
HISTORY_PER_CUSTOMER = 24    # Poisson mean of cleared invoices in the last twelve months
SHARE_NEW = 0.03             # prospects without a master record (at least 2)
TERMS = 30


def _money(x: np.ndarray) -> np.ndarray:
    return np.round(x).astype(np.int64)


def make_credit(seed: int, customers: pd.DataFrame, open_items: pd.DataFrame, *, as_of: dt.date,
                reporting_currency: str, rates: dict[str, int]) -> dict[str, pd.DataFrame]:
    """``financials``, ``credit_reports``, ``orders`` and ``cleared_items`` (canonical) for the
    demo's canonical ``customers`` and ``open_items``; ``rates``: currency -> rate × 10**6."""
    rng = np.random.default_rng(seed + SALT)
    asof = d64(as_of)
    n_new = max(2, int(round(len(customers) * SHARE_NEW)))
    ids = np.concatenate([customers["customer_id"].to_numpy(dtype=object),
                          np.array([f"NEW{i + 1:04d}" for i in range(n_new)], dtype=object)])
    cur = np.concatenate([customers["currency"].to_numpy(dtype=object) if "currency" in customers
                          else _currencies(customers, open_items, reporting_currency),
                          np.full(n_new, reporting_currency, dtype=object)])
    n = len(ids)
    profile = np.array(list(PROFILES), dtype=object)[rng.choice(len(PROFILES), n, p=list(PROFILES.values()))]
    is_new = np.zeros(n, bool)
    is_new[-n_new:] = True
    limit_rep = np.concatenate([customers["credit_limit"].fillna(0).to_numpy(dtype=np.int64),
                                np.zeros(n_new, np.int64)])
    # the customer's size (reporting minor units): its limit, else a made-up one
    size = np.where(limit_rep > 0, limit_rep, _money(rng.lognormal(np.log(5_000_000), 0.8, n)))
    to_local = np.array([10**6 / rates.get(c, 10**6) for c in cur])

    tables = {
        "financials": _financials(rng, ids, cur, profile, size * to_local, is_new, asof),
        "credit_reports": _reports(rng, ids, profile, size, is_new, asof),
        "orders": _orders(rng, ids, cur, size * to_local, is_new, asof, _slow_payers(open_items, ids, asof)),
        "cleared_items": _history(rng, ids[~is_new], cur[~is_new], profile[~is_new], (size * to_local)[~is_new], asof),
    }
    return {k: canonical_table(k, v, reporting_currency) for k, v in tables.items()}


def _currencies(customers, open_items, rep):
    first = open_items.drop_duplicates("customer_id").set_index("customer_id")["currency"]
    return customers["customer_id"].map(first).fillna(rep).to_numpy(dtype=object)


def _financials(rng, ids, cur, profile, size_local, is_new, asof) -> dict:
    take = (rng.random(len(ids)) < SHARE_WITH_FINANCIALS) | is_new
    idx = np.flatnonzero(take)
    k = len(idx)
    shape = np.array([SHAPE[p][0] for p in profile[idx]])
    x = shape + rng.normal(0, 0.04, (k, 4))
    wc, re, ebit, eq = x.T
    ta = size_local[idx] * rng.uniform(15, 40, k)                  # a limit is a few % of total assets
    scaled = rng.random(k) < SHARE_SCALED
    unit = np.where(scaled, 1000, 1)
    cl = ta * rng.uniform(0.15, 0.35, k)
    ca = cl + wc * ta
    equity = eq * ta
    tl = ta - equity
    revenue = ta * rng.uniform(0.8, 2.0, k)
    cogs = revenue * rng.uniform(0.55, 0.8, k)
    interest = np.maximum(tl * rng.uniform(0.01, 0.05, k), 0)
    year = int(str(asof)[:4])
    year_end = np.datetime64(f"{year - 1}-12-31")

    def m(v):
        return _money(v / unit)                                     # minor units in the statement's unit
    rows = {
        "customer_id": ids[idx], "period_end": np.full(k, year_end), "currency": cur[idx],
        "scale": np.where(scaled, "1000", "1").astype(object),
        "revenue": m(revenue), "cost_of_sales": m(cogs), "ebit": m(ebit * ta), "interest_expense": m(interest),
        "net_income": m((ebit * ta - interest) * 0.75), "cash": m(ca * 0.2),
        "accounts_receivable": m(revenue * 45 / 365),
        "inventory": m(ca * 0.3), "current_assets": m(ca), "intangible_assets": m(ta * rng.uniform(0, 0.1, k)),
        "total_assets": m(ta), "accounts_payable": m(cogs * 40 / 365), "current_liabilities": m(cl),
        "total_liabilities": m(tl), "retained_earnings": m(re * ta), "equity": m(equity),
    }
    # last year's statement too for a third of them: the engine scores the latest
    prior = idx[rng.random(k) < 0.33]
    if len(prior):
        sel = np.isin(idx, prior)
        older = {c: (v[sel].copy()) for c, v in rows.items()}
        older["period_end"] = np.full(sel.sum(), np.datetime64(f"{year - 2}-12-31"))
        rows = {c: np.concatenate([older[c], rows[c]]) for c in rows}
    return rows


def _reports(rng, ids, profile, size, is_new, asof) -> dict:
    take = (rng.random(len(ids)) < SHARE_WITH_REPORT) | is_new
    idx = np.flatnonzero(take)
    k = len(idx)
    paydex = np.clip(np.round([SHAPE[p][1] for p in profile[idx]] + rng.normal(0, 4, k)), 1, 100)
    failure = np.clip(np.round([SHAPE[p][2] for p in profile[idx]] + rng.normal(0, 8, k)), 1, 100)
    delinquency = np.clip(np.round(failure + rng.normal(0, 6, k)), 1, 100)
    rating = np.select([failure >= 75, failure >= 50, failure >= 25], ["1A1", "2A2", "3A3"], "4A4").astype(object)
    rec = np.round(size[idx] * rng.uniform(1.0, 2.0, k) / 100_000) * 100_000
    return {
        "customer_id": ids[idx], "report_date": asof - rng.integers(5, 200, k) * DAY,
        "source": np.full(k, "DNB", dtype=object), "paydex": paydex.astype(int).astype(str).astype(object),
        "failure_score": failure.astype(int).astype(str).astype(object),
        "delinquency_score": delinquency.astype(int).astype(str).astype(object),
        "rating": rating, "recommended_limit": rec.astype(np.int64),
    }


def _slow_payers(open_items: pd.DataFrame, ids: np.ndarray, asof) -> np.ndarray:
    """Customers with an undisputed invoice more than 60 days past due (they order less)."""
    oi = open_items
    days = (asof - oi["due_date"].to_numpy(dtype="datetime64[D]")).astype(np.int64)
    late = (days > 60) & (oi["status"] != "DISPUTED").to_numpy() & (oi["open_amount"].to_numpy() > 0) \
        & oi["doc_type"].isin(("INV", "DM", "DED")).to_numpy()
    return np.isin(ids, oi["customer_id"].to_numpy()[late])


def _orders(rng, ids, cur, size_local, is_new, asof, slow) -> dict:
    per = rng.poisson(np.where(slow, ORDERS_PER_CUSTOMER[1], ORDERS_PER_CUSTOMER[0]))
    per[is_new] = np.maximum(per[is_new], 1)
    ci = np.repeat(np.arange(len(ids)), per)
    k = len(ci)
    amount = _money(size_local[ci] * rng.lognormal(np.log(0.12), 0.9, k))
    amount = np.maximum(amount, 10_000)
    status = np.where(rng.random(k) < SHARE_SHIPPED, "SHIPPED_NOT_BILLED", "OPEN").astype(object)
    return {
        "order_no": np.array([f"SO{700001 + i}" for i in range(k)], dtype=object), "customer_id": ids[ci],
        "order_date": asof - rng.integers(0, 20, k) * DAY, "amount": amount, "currency": cur[ci],
        "requested_date": asof + rng.integers(3, 30, k) * DAY, "status": status,
    }


def _history(rng, ids, cur, profile, size_local, asof) -> dict:
    per = rng.poisson(HISTORY_PER_CUSTOMER, len(ids))
    ci = np.repeat(np.arange(len(ids)), per)
    k = len(ci)
    mean = np.array([SHAPE[p][3][0] for p in profile[ci]], dtype=float)
    spread = np.array([SHAPE[p][3][1] for p in profile[ci]], dtype=float)
    late = np.round(mean + rng.normal(0, 1, k) * spread).astype(np.int64)
    cleared = asof - rng.integers(1, 365, k) * DAY
    due = cleared - late * DAY
    doc = due - TERMS * DAY
    amount = np.maximum(_money(size_local[ci] * rng.lognormal(np.log(0.15), 0.6, k)), 1_000)
    return {
        "customer_id": ids[ci], "document_no": np.array([f"H{9000001 + i}" for i in range(k)], dtype=object),
        "document_date": doc, "due_date": due, "amount": amount, "cleared_date": cleared, "currency": cur[ci],
    }
