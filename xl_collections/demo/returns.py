"""Returned items planted in the demo book (issue 23): a few of the month's payments come back
— a bounced cheque, an ACH return, a SEPA direct-debit refund — so the demo close shows the
``returns`` step, the ``Returned Items`` sheet, the customer first on the worklist
(``CALL_RETURNED_PAYMENT``) and, for the customer with two returns, its orders on ``HOLD``
(``RETURNED_PAYMENTS``).

Each return is a ``payments`` row with ``record_type`` ``RETURN`` (CONTRACT §2): the same
amount and currency as the payment it undoes, a few days later (never after the as-of date);
most name the payment in ``original_ref``, one is found by its payer account and amount.
Deterministic: its own random stream from the seed, so the rest of the book is unchanged.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ._common import canonical_table

REASONS = (("R01", "Insufficient funds"), ("AM04", "Insufficient funds (SEPA)"), ("MD06", "Refund request by debtor"),
           ("R02", "Account closed"))


def plant_returns(seed: int, payments: pd.DataFrame, truth: pd.DataFrame, *, as_of: dt.date,
                  reporting_currency: str, n: int | None = None, orders: pd.DataFrame | None = None) -> pd.DataFrame:
    """Canonical ``payments`` rows (``record_type`` ``RETURN``) for ``n`` of ``payments``
    (default: one per 100 payments, 2 to 5): single-invoice payments by a known customer, two
    of them by the same customer when one has two (one with open ``orders`` when there is one,
    so its orders show the hold).  Money: minor units of each row's currency."""
    rng = np.random.default_rng([seed, 23])
    one_doc = truth[truth["document_no"] != ""].groupby("payment_id").filter(lambda g: len(g) == 1)
    one_doc = one_doc[one_doc["kind"].isin(("EXACT_REF", "PREFIX")) & (one_doc["customer_id"] != "")]
    pay = payments.set_index("payment_id")
    cand = one_doc[one_doc["payment_id"].isin(pay.index)].drop_duplicates("payment_id")
    cand = cand[(cand["payment_id"].map(pay["value_date"]) <= pd.Timestamp(as_of) - pd.Timedelta(days=3))]
    want = n if n is not None else min(5, max(2, len(payments) // 100))
    if cand.empty or want <= 0:
        return canonical_table("payments", _raw([]), reporting_currency)
    cand = cand.sort_values("payment_id").reset_index(drop=True)
    chosen: list[str] = []
    per = cand.groupby("customer_id")["payment_id"].apply(list)
    twice = [c for c, ps in per.items() if len(ps) >= 2]
    with_orders = set() if orders is None or not len(orders) else set(
        orders.loc[orders["status"].isin(("OPEN", "")), "customer_id"] if "status" in orders else orders["customer_id"])
    twice = [c for c in twice if c in with_orders] or twice
    if twice:
        c = twice[int(rng.integers(len(twice)))]
        chosen += per[c][:2]
    rest = [p for p in cand["payment_id"] if p not in chosen]
    rng.shuffle(rest)
    chosen += rest[: max(0, want - len(chosen))]
    rows = []
    for k, pid in enumerate(sorted(chosen)):
        p = pay.loc[pid]
        day = min(pd.Timestamp(p["value_date"]) + pd.Timedelta(days=int(rng.integers(2, 9))), pd.Timestamp(as_of))
        code, reason = REASONS[k % len(REASONS)]
        by_account = k == len(chosen) - 1 and bool(p["payer_account"]) and len(chosen) > 2
        rows.append({"payment_id": f"RTN-{k + 1:03d}", "value_date": day.date(), "amount": int(p["amount"]),
                     "currency": p["currency"], "payer_name": p["payer_name"],
                     "payer_account": p["payer_account"], "reference": f"RETURNED ITEM {code} {reason.upper()}",
                     "customer_id": "", "record_type": "RETURN", "original_ref": "" if by_account else pid,
                     "reason_code": code, "reason": reason})
    return canonical_table("payments", _raw(rows), reporting_currency)


def _raw(rows: list[dict]) -> dict:
    cols = ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_account", "reference",
            "customer_id", "record_type", "original_ref", "reason_code", "reason"]
    out = {c: np.array([r[c] for r in rows], dtype=object) for c in cols}
    out["amount"] = np.array([r["amount"] for r in rows], dtype=np.int64)
    out["value_date"] = np.array([r["value_date"] for r in rows], dtype="datetime64[D]")
    return out
