"""Open items of the demo book (and the period's cleared billing documents the ledger needs).

Every document gets a number from one global sequence ordered by document date, so no two
documents share their digits whatever prefix they carry: ``INV0012345`` (North America,
UK), ``00012346`` (EMEA and Canada number their invoices without a prefix), ``CM0012347``,
``DM…``, ``PMT…``, ``DED…``, ``ADJ…``.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..core.terms import parse_terms
from ._common import DAY, d64, frame, month_end, month_start

DOC_TYPE_MIX = {"INV": 0.86, "CM": 0.04, "DM": 0.02, "PMT": 0.03, "DED": 0.04, "ADJ": 0.01}
STATUS_MIX = {"DISPUTED": 0.04, "PROMISED": 0.03, "HOLD": 0.01}   # of invoices and debit memos
# invoices and debit memos by days past their terms: (share, min, max days past due); None = not
# yet due (dated within the customer's terms).  About two thirds within terms, a thin tail.
AGE_MIX = ((0.66, None, None), (0.19, 1, 30), (0.06, 31, 60), (0.03, 61, 90), (0.02, 91, 120), (0.04, 121, 330))
# days from document date to due date, roughly, per terms (EOM45 and 15 MFI vary with the day)
TERMS_DAYS = {"NET30": 30, "NET45": 45, "NET60": 60, "2/10 NET30": 30, "EOM45": 60, "15 MFI": 30, "DUE ON RECEIPT": 0}
SHARE_PARTIAL = 0.12                 # invoices already partly paid (open < amount)
SHARE_PO = 0.75                      # invoices carrying the customer's PO number
CLEARED_PER_OPEN_PERIOD = 0.08       # cleared period billing documents per open one (paid early)
FIRST_DOC_NUMBER = 12345
DEDUCTION_REASONS = ("SHORTAGE", "PRICING", "PROMO", "DAMAGED", "FREIGHT", "TAX", "RETURN")
DISPUTE_REASONS = ("PRICING", "DAMAGED", "RETURN", "SHORTAGE", "NO_PO", "DUPLICATE", "PAID_NOT_APPLIED", "OTHER")
HOLD_REASONS = ("BANKRUPT", "OTHER")
MEDIAN = {"INV": 2500.0, "DM": 350.0, "CM": 600.0, "PMT": 1500.0, "DED": 400.0, "ADJ": 40.0}


def due_dates(doc: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Vectorised :meth:`xl_collections.core.terms.Terms.due_date` (datetime64[D] arrays)."""
    out = doc.copy()
    for t in pd.unique(terms):
        if t == "":
            continue
        m = terms == t
        T = parse_terms(t)
        d = doc[m]
        if T.day_of_next_month is not None:
            nxt = (d.astype("datetime64[M]") + 1).astype("datetime64[D]")
            out[m] = np.minimum(nxt + (T.day_of_next_month - 1), month_end(nxt))
        else:
            out[m] = (month_end(d) if T.eom else d) + T.net_days
    return out


def _fmt(numbers: np.ndarray, prefix: str, width: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers, vectorised (pyarrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    s = pc.utf8_lpad(pa.array(numbers, type=pa.int64()).cast(pa.string()), width, "0")
    if prefix:
        s = pc.binary_join_element_wise(pa.scalar(prefix), s, "")
    return np.asarray(s.to_numpy(zero_copy_only=False), dtype=object)


def doc_numbers(seq: np.ndarray, dtype: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """``INV0012345`` / ``00012345`` (invoices of prefix-less regions) / ``CM0012345`` …"""
    out = np.empty(len(seq), dtype=object)
    plain = (dtype == "INV") & numeric
    out[plain] = _fmt(seq[plain], "", 8)
    for t in pd.unique(dtype[~plain]):
        m = (dtype == t) & ~plain
        out[m] = _fmt(seq[m], t, 7)
    return out


def _choice(rng, shares: dict, n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array(list(shares.values()), dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def make_items(rng: np.random.Generator, cust: pd.DataFrame, n_open: int, as_of: dt.date) -> pd.DataFrame:
    """Working frame of every document: ``n_open`` open items plus cleared billing documents
    of the as-of month (``cleared`` True).  Money in minor units of ``currency``."""
    asof = d64(as_of)
    p_start = month_start(np.array([asof]))[0]
    n_c = len(cust)
    ci = rng.choice(n_c, size=n_open, p=cust["weight"].to_numpy())
    if n_c <= n_open:                          # every customer has at least one item
        ci[rng.permutation(n_open)[:n_c]] = np.arange(n_c)
    dtype = _choice(rng, DOC_TYPE_MIX, n_open)
    billing = (dtype == "INV") | (dtype == "DM")
    age = np.empty(n_open, dtype=np.int64)
    band = rng.choice(len(AGE_MIX), size=n_open, p=[a[0] for a in AGE_MIX])
    net = pd.Series(cust["payment_terms"].to_numpy()[ci], dtype=object).map(TERMS_DAYS).fillna(30).to_numpy(dtype=np.int64)
    for b, (_, lo, hi) in enumerate(AGE_MIX):
        m = band == b
        if lo is None:                         # within terms: dated 0 … net days ago
            age[m] = np.floor(rng.random(m.sum()) * (net[m] + 1)).astype(np.int64)
        else:
            age[m] = net[m] + rng.integers(lo, hi + 1, m.sum())
    other = ~billing
    age[other] = rng.integers(0, 200, other.sum())
    # open billing documents of the period decide how many cleared ones the ledger gets
    in_period = billing & (asof - age * DAY >= p_start)
    n_cleared = int(round(in_period.sum() * CLEARED_PER_OPEN_PERIOD))
    span = int((asof - p_start) / DAY) + 1
    c_ci = rng.choice(n_c, size=n_cleared, p=cust["weight"].to_numpy())
    c_type = np.where(rng.random(n_cleared) < 0.95, "INV", "CM").astype(object)
    c_age = rng.integers(0, span, n_cleared)

    ci = np.concatenate([ci, c_ci])
    dtype = np.concatenate([dtype, c_type])
    age = np.concatenate([age, c_age])
    cleared = np.concatenate([np.zeros(n_open, bool), np.ones(n_cleared, bool)])
    n = len(ci)
    doc = asof - age * DAY
    order = np.lexsort((rng.random(n), doc))
    ci, dtype, doc, cleared = ci[order], dtype[order], doc[order], cleared[order]
    seq = FIRST_DOC_NUMBER + np.arange(n, dtype=np.int64)

    currency = cust["currency"].to_numpy()[ci]
    numeric = cust["numeric_docs"].to_numpy()[ci]
    terms = cust["payment_terms"].to_numpy()[ci]
    cust_ids = cust["customer_id"].to_numpy()[ci]
    docno = doc_numbers(seq, dtype, numeric)

    median = pd.Series(dtype, dtype=object).map(MEDIAN).to_numpy(dtype=float)
    major = rng.lognormal(np.log(median), 1.0)
    major = np.clip(major, 5.0, 5_000_000.0)
    amount = np.round(major * 100).astype(np.int64)
    sign = np.where((dtype == "CM") | (dtype == "PMT"), -1, 1)
    adj = dtype == "ADJ"
    sign[adj] = np.where(rng.random(adj.sum()) < 0.5, -1, 1)
    amount = amount * sign
    open_amount = amount.copy()
    billing = (dtype == "INV") | (dtype == "DM")
    partial = billing & ~cleared & (rng.random(n) < SHARE_PARTIAL) & (amount >= 2000)
    open_amount[partial] = np.maximum(1, np.round(amount[partial] * rng.uniform(0.1, 0.9, partial.sum())).astype(np.int64))

    due = doc.copy()
    due[billing] = due_dates(doc[billing], terms[billing])
    cm = dtype == "CM"
    due[cm] = doc[cm]

    po = np.array([""] * n, dtype=object)
    has_po = (dtype == "INV") & (rng.random(n) < SHARE_PO)
    po[has_po] = _fmt((seq[has_po] * 7919 + 1234567) % 10**8, "45", 8)

    status = np.array(["OPEN"] * n, dtype=object)
    reason = np.array([""] * n, dtype=object)
    reference = np.array([""] * n, dtype=object)
    u = rng.random(n)
    live = billing & ~cleared
    edges = np.cumsum(list(STATUS_MIX.values()))
    for (st, _), lo, hi in zip(STATUS_MIX.items(), np.r_[0, edges[:-1]], edges):
        m = live & (u >= lo) & (u < hi)
        status[m] = st
        if st == "DISPUTED":
            reason[m] = np.array(DISPUTE_REASONS, dtype=object)[rng.integers(0, len(DISPUTE_REASONS), m.sum())]
        elif st == "HOLD":
            reason[m] = np.array(HOLD_REASONS, dtype=object)[rng.integers(0, len(HOLD_REASONS), m.sum())]
    ded = dtype == "DED"
    reason[ded] = np.array(DEDUCTION_REASONS, dtype=object)[rng.integers(0, len(DEDUCTION_REASONS), ded.sum())]
    reference[ded] = ["Deduction " + r.lower() for r in reason[ded]]
    reason[cm & (rng.random(n) < 0.5)] = "RETURN"
    reference[cm] = np.where(reason[cm] == "RETURN", "Credit for returned goods", "Price adjustment")
    pmt = dtype == "PMT"
    reference[pmt] = "Unapplied cash"
    reference[adj] = "Small balance adjustment"
    return frame({
        "ci": ci, "customer_id": cust_ids, "document_no": docno, "doc_type": dtype,
        "document_date": doc, "due_date": due, "amount": amount, "open_amount": open_amount,
        "currency": currency, "po_number": po, "reference": reference, "reason_code": reason,
        "status": status, "cleared": cleared, "seq": seq, "terms": terms, "numeric": numeric,
    })
