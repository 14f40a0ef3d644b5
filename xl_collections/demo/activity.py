"""Collections activity log of the demo book: calls, e-mails, letters and notes on past-due
customers, one DISPUTE per disputed item, and promises to pay — kept (a payment of the
as-of month pays the item, or the item was cleared), broken (promise date passed, item
still open and unpaid) and pending (promise date after the as-of date).  Dates fall in the
90 days up to the as-of date.  ``amount`` is in the document's currency (the demo's
currencies all have two decimals)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ._common import DAY, d64, frame

CONTACT_MIX = {"CALL": 0.35, "EMAIL": 0.40, "LETTER": 0.10, "NOTE": 0.15}
CONTACTS_PER_PAST_DUE_CUSTOMER = 1.5   # Poisson mean
SHARE_PAID_WITH_PROMISE = 0.05         # single-invoice payments preceded by a promise (kept)
SHARE_CLEARED_WITH_PROMISE = 0.03      # cleared period invoices that had a promise (kept)
SHARE_BROKEN = 0.01                    # past-due open invoices with a broken promise (>= 2)
NOTES = {
    "CALL": ("Left voicemail for AP", "Spoke to AP clerk, invoice in approval", "Called, payment run on Friday",
             "No answer", "AP asked for copy of invoice"),
    "EMAIL": ("Sent statement of account", "Sent copy invoices", "Reminder sent", "Asked for remittance advice",
              "Escalated to AP manager"),
    "LETTER": ("First dunning letter", "Second dunning letter", "Final notice before credit hold"),
    "NOTE": ("Account reviewed", "Customer restructuring AP team", "Check with sales on pricing",
             "Credit hold considered"),
}


def _pick(rng, options, n):
    arr = np.array(options, dtype=object)
    return arr[rng.integers(0, len(arr), n)]


def make_activity(rng: np.random.Generator, oi: pd.DataFrame, cust: pd.DataFrame, cleared: pd.DataFrame,
                  truth: pd.DataFrame, payments: dict, paid: list, *, as_of: dt.date):
    """Returns ``(activity raw columns, promises frame, kept_positions)``; ``kept_positions``
    are open-item positions whose status becomes PROMISED (a promise made, then paid)."""
    asof = d64(as_of)
    doc_date = oi["document_date"].to_numpy().astype("datetime64[D]")
    due = oi["due_date"].to_numpy().astype("datetime64[D]")
    status = oi["status"].to_numpy()
    docno = oi["document_no"].to_numpy()
    cid = oi["customer_id"].to_numpy()
    open_amt = oi["open_amount"].to_numpy()
    collector = cust.set_index("customer_id")["collector"]
    paid_by = truth[truth["document_no"] != ""].drop_duplicates("document_no").set_index("document_no")["payment_id"]
    parts = []
    promises = []

    def add(c, date, typ, doc, amount, pdate, note):
        parts.append(frame({"customer_id": np.asarray(c, dtype=object), "date": date.astype("datetime64[D]"),
                            "type": np.full(len(c), typ, dtype=object) if isinstance(typ, str) else np.asarray(typ, dtype=object), "document_no": np.asarray(doc, dtype=object),
                            "amount": pd.array(amount, dtype="Int64"), "promise_date": pdate.astype("datetime64[D]"),
                            "note": np.asarray(note, dtype=object)}))

    def lo_clip(d, floor):
        return np.maximum(np.maximum(d, floor), asof - 89 * DAY)

    # disputes
    m = np.flatnonzero(status == "DISPUTED")
    if len(m):
        date = lo_clip(asof - rng.integers(0, 90, len(m)) * DAY, doc_date[m])
        reason = oi["reason_code"].to_numpy()[m]
        add(cid[m], date, "DISPUTE", docno[m], open_amt[m], np.full(len(m), np.datetime64("NaT"), dtype="datetime64[D]"),
            np.array([f"Customer disputes {r.lower().replace('_', ' ')}" for r in reason], dtype=object))
    # pending promises (and ones paid before the promise date: kept)
    m = np.flatnonzero(status == "PROMISED")
    if len(m):
        date = lo_clip(asof - rng.integers(0, 15, len(m)) * DAY, doc_date[m])
        pdate = asof + rng.integers(1, 22, len(m)) * DAY
        add(cid[m], date, "PROMISE", docno[m], open_amt[m], pdate,
            np.array([f"Promised payment by {str(p)}" for p in pdate], dtype=object))
        for i, p in zip(m.tolist(), pdate.tolist()):
            pay = paid_by.get(docno[i], "")
            promises.append((cid[i], docno[i], p, int(open_amt[i]), "KEPT" if pay else "PENDING", pay))
    # kept: a promise, then the payment (status PROMISED in the snapshot)
    kept_pos = []
    if paid:
        k = max(1, int(round(len(paid) * SHARE_PAID_WITH_PROMISE)))
        pick = [paid[i] for i in sorted(rng.choice(len(paid), size=min(k, len(paid)), replace=False).tolist())]
        pick = [p for p in pick if status[p[0]] == "OPEN"]
        if pick:
            pos = np.array([p[0] for p in pick])
            val = np.array([p[2] for p in pick], dtype="datetime64[D]")
            date = lo_clip(val - rng.integers(3, 16, len(pos)) * DAY, doc_date[pos])
            date = np.minimum(date, val)
            pdate = val + rng.integers(0, 6, len(pos)) * DAY
            add(cid[pos], date, "PROMISE", docno[pos], open_amt[pos], pdate,
                np.array([f"Promised payment by {str(p)}" for p in pdate], dtype=object))
            kept_pos = pos.tolist()
            for i, (_, pay, _v), p in zip(pos.tolist(), pick, pdate.tolist()):
                promises.append((cid[i], docno[i], p, int(open_amt[i]), "KEPT", pay))
    # kept: the item was cleared
    cl = cleared[(cleared["doc_type"] == "INV") & (cleared["amount"] > 0)]
    if len(cl):
        k = min(len(cl), max(1, int(round(len(cl) * SHARE_CLEARED_WITH_PROMISE))))
        sel = cl.iloc[np.sort(rng.choice(len(cl), size=k, replace=False))]
        dd = sel["document_date"].to_numpy().astype("datetime64[D]")
        date = np.minimum(dd + rng.integers(1, 10, k) * DAY, asof)
        pdate = np.minimum(date + rng.integers(1, 8, k) * DAY, asof)
        add(sel["customer_id"].to_numpy(), date, "PROMISE", sel["document_no"].to_numpy(), sel["amount"].to_numpy(),
            pdate, np.array([f"Promised payment by {str(p)}" for p in pdate], dtype=object))
        for c, d, p, a in zip(sel["customer_id"].tolist(), sel["document_no"].tolist(), pdate.tolist(), sel["amount"].tolist()):
            promises.append((c, d, p, int(a), "KEPT", ""))
    # broken: promise date passed, still open, no payment
    cand = np.flatnonzero((status == "OPEN") & (due < asof - 30 * DAY) & (open_amt > 0)
                          & ~pd.Series(docno, dtype=object).isin(set(paid_by.index)).to_numpy() & (doc_date < asof - 90 * DAY))
    cand = np.setdiff1d(cand, np.array(kept_pos, dtype=np.int64))
    if len(cand):
        k = min(len(cand), max(2, int(round(len(cand) * SHARE_BROKEN))))
        pos = np.sort(rng.choice(cand, size=k, replace=False))
        date = asof - rng.integers(20, 80, k) * DAY
        pdate = date + rng.integers(3, 15, k) * DAY
        add(cid[pos], date, "PROMISE", docno[pos], open_amt[pos], pdate,
            np.array([f"Promised payment by {str(p)}" for p in pdate], dtype=object))
        for i, p in zip(pos.tolist(), pdate.tolist()):
            promises.append((cid[i], docno[i], p, int(open_amt[i]), "BROKEN", ""))
    # contacts with past-due customers
    pd_mask = (due < asof) & (open_amt > 0) & oi["doc_type"].isin(["INV", "DM"]).to_numpy()
    past = pd.DataFrame({"cid": cid[pd_mask], "doc": docno[pd_mask]})
    if len(past):
        first_doc = past.drop_duplicates("cid")
        n_contacts = rng.poisson(CONTACTS_PER_PAST_DUE_CUSTOMER, len(first_doc))
        c = np.repeat(first_doc["cid"].to_numpy(), n_contacts)
        d = np.repeat(first_doc["doc"].to_numpy(), n_contacts)
        n = len(c)
        typ = np.array(list(CONTACT_MIX), dtype=object)[rng.choice(len(CONTACT_MIX), size=n, p=list(CONTACT_MIX.values()))]
        note = np.array([NOTES[t][x % len(NOTES[t])] for t, x in zip(typ.tolist(), rng.integers(0, 100, n).tolist())], dtype=object)
        d = np.where(rng.random(n) < 0.5, d, "").astype(object)
        add(c, asof - rng.integers(0, 90, n) * DAY, typ, d, [None] * n,
            np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"), note)
    act = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"customer_id": [], "date": [], "type": [], "document_no": [], "amount": [], "promise_date": [], "note": []})
    act = act.sort_values(["date", "customer_id", "type", "document_no"], kind="stable").reset_index(drop=True)
    raw = {k: act[k].to_numpy() for k in ("customer_id", "type", "document_no", "note")}
    raw["date"] = act["date"].to_numpy().astype("datetime64[D]")
    raw["promise_date"] = act["promise_date"].to_numpy().astype("datetime64[D]")
    raw["amount"] = act["amount"].array
    raw["collector"] = pd.Series(act["customer_id"].to_numpy(dtype=object)).map(collector.to_dict()).fillna("").to_numpy(dtype=object)
    prom = pd.DataFrame(promises, columns=["customer_id", "document_no", "promise_date", "amount", "outcome", "payment_id"])
    prom["promise_date"] = pd.to_datetime(prom["promise_date"]).astype("datetime64[ns]")
    prom["amount"] = prom["amount"].astype("int64")
    return raw, prom.sort_values(["promise_date", "document_no"], kind="stable").reset_index(drop=True), kept_pos
