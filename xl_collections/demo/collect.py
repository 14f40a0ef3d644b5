"""The collections part of the demo's activity log, beyond :mod:`.activity`: promises to pay
made for a customer as a whole (no document) and kept by a payment of the as-of month,
promises paid only in part, replies to disputes (some within the response time, some late,
some never) and deductions taken into research (a ``DISPUTE`` row naming the ``DED`` item).

Its own random stream (``[seed, SALT]``), so every other table of the demo is generated
exactly as before; its rows come after the log's own.  Amounts are in the reporting
currency (only payments in it are promised, so a promise and its cash compare exactly).
``promises`` (the ground truth, like :mod:`.activity`'s) gives each promise's outcome:
``KEPT`` (paid in full by ``payment_id`` within the promise's window) or ``PARTIAL``.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ._common import DAY, d64

SALT = 16                       # issue 16: the collections worklist
SHARE_CUSTOMER_PROMISES = 0.06  # of the payments in the reporting currency: a promise for the customer first
SHARE_PARTIAL = 0.03            # ... a promise of twice the payment: partly kept
SHARE_DISPUTES_ANSWERED = 0.6   # disputes with a reply logged on the document
REPLY_DELAYS = (0, 1, 1, 2, 3, 6)   # days from the dispute to the reply (response due after 1 day)
SHARE_DEDUCTIONS_RESEARCHED = 0.3
REPLIES = ("Sent proof of delivery", "Sent price agreement", "Asked customer for debit note",
           "Forwarded to sales for approval", "Requested photos of damage")
COLUMNS = ("customer_id", "date", "type", "document_no", "amount", "promise_date", "note", "collector")


def make_collect(seed: int, oi: pd.DataFrame, cust: pd.DataFrame, payments: dict, truth: pd.DataFrame,
                 activity: dict, *, as_of: dt.date, reporting: str) -> tuple[dict, pd.DataFrame]:
    """``(activity rows to append, promises truth)``; ``oi`` the open items as generated,
    ``payments``/``activity`` the raw columns of those tables, ``truth`` which payment pays
    whose documents (:mod:`.cash`)."""
    rng = np.random.default_rng([seed, SALT])
    asof = d64(as_of)
    floor = asof - 89 * DAY
    collector = dict(zip(cust["customer_id"], cust["collector"]))
    rows: list[tuple] = []
    outcomes: list[tuple] = []

    # promises for the customer, kept in full or in part by one payment of the month
    pay = pd.DataFrame({k: payments[k] for k in ("payment_id", "amount", "currency")})
    pay["value_date"] = np.asarray(payments["value_date"]).astype("datetime64[D]")
    # whose payment it is: one customer's documents, every one of them resolvable
    paid = truth[truth["document_no"] != ""].groupby("payment_id").agg(
        customers=("customer_id", "nunique"), customer_id=("customer_id", "first"), ok=("resolvable", "all"))
    paid = paid[(paid["customers"] == 1) & paid["ok"]]["customer_id"]
    pay["customer_id"] = pay["payment_id"].map(paid).fillna("")
    promised_before = {c for c, t in zip(activity["customer_id"], activity["type"]) if t == "PROMISE"}
    pool = pay[(pay["currency"] == reporting) & (pay["customer_id"] != "") & ~pay["customer_id"].isin(promised_before)
               & (pay["value_date"] <= asof - 5 * DAY)].drop_duplicates("customer_id")
    n_full = min(len(pool), max(1, int(round(len(pay) * SHARE_CUSTOMER_PROMISES))))
    n_part = min(len(pool) - n_full, max(1, int(round(len(pay) * SHARE_PARTIAL))))
    pick = pool.iloc[np.sort(rng.choice(len(pool), size=n_full + n_part, replace=False))] if len(pool) else pool
    partial = np.zeros(len(pick), dtype=bool)
    if n_part > 0:
        partial[rng.choice(len(pick), size=n_part, replace=False)] = True
    for pid, vd, amt, cid, part in zip(pick["payment_id"], np.asarray(pick["value_date"]).astype("datetime64[D]"),
                                       pick["amount"], pick["customer_id"], partial):
        made = max(vd - int(rng.integers(2, 12)) * DAY, floor)
        pdate = vd + int(rng.integers(0, 2)) * DAY
        promised = int(amt) * 2 if part else int(amt)
        rows.append((cid, made, "PROMISE", "", promised, pdate,
                     f"Promised {'part of the balance' if part else 'a payment'} by {pdate}", collector.get(cid, "")))
        outcomes.append((cid, "", pdate, promised, "PARTIAL" if part else "KEPT", pid))

    # replies to disputes
    act = pd.DataFrame({k: activity[k] for k in ("customer_id", "date", "type", "document_no")})
    disputes = act[(act["type"] == "DISPUTE") & (act["document_no"] != "")].drop_duplicates("document_no")
    answer = disputes[rng.random(len(disputes)) < SHARE_DISPUTES_ANSWERED]
    for cid, day, _, doc in answer.itertuples(index=False, name=None):
        reply = min(np.datetime64(day, "D") + int(rng.choice(REPLY_DELAYS)) * DAY, asof)
        rows.append((cid, reply, "EMAIL" if rng.random() < 0.7 else "CALL", doc, None, None,
                     str(rng.choice(REPLIES)), collector.get(cid, "")))

    # deductions taken into research
    ded = oi[(oi["doc_type"] == "DED").to_numpy()]
    ded = ded[rng.random(len(ded)) < SHARE_DEDUCTIONS_RESEARCHED]
    for cid, doc, ddate, reason in zip(ded["customer_id"], ded["document_no"],
                                       ded["document_date"].to_numpy().astype("datetime64[D]"), ded["reason_code"]):
        day = min(max(ddate, floor) + int(rng.integers(0, 10)) * DAY, asof)
        rows.append((cid, day, "DISPUTE", doc, None, None, f"Deduction in research: {str(reason).lower()}",
                     collector.get(cid, "")))

    out = {c: np.array([r[i] for r in rows], dtype=object) for i, c in enumerate(COLUMNS)}
    for c in ("date", "promise_date"):
        out[c] = np.array([np.datetime64("NaT") if v is None else v for v in out[c]], dtype="datetime64[D]")
    out["amount"] = pd.array([None if v is None else int(v) for v in out["amount"]], dtype="Int64")
    prom = pd.DataFrame(outcomes, columns=["customer_id", "document_no", "promise_date", "amount", "outcome", "payment_id"])
    prom["promise_date"] = pd.to_datetime(prom["promise_date"]).astype("datetime64[ns]")
    prom["amount"] = prom["amount"].astype("int64")
    return out, prom


def append_activity(raw: dict, extra: dict) -> dict:
    """The activity log's raw columns with ``extra``'s rows after its own."""
    out = {}
    for k, v in raw.items():
        add = extra[k]
        out[k] = (pd.array(list(v) + list(add), dtype="Int64") if k == "amount"
                  else np.concatenate([np.asarray(v), np.asarray(add, dtype=np.asarray(v).dtype)]))
    return out
