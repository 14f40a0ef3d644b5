"""Benchmark: one "we paid" claim against a year of payments (issue 23: under 1 s for ≈ 400,000),
beside a DuckDB query doing the same candidate filter.

    python benchmarks/claims.py            # 400,000 payments, 440,000 application rows
    python benchmarks/claims.py --small    # 40,000 payments (a quick check)

Both run in this process over the same in-memory tables (reading the files is the readers'
benchmark, not this one).  Ours: :func:`xl_collections.claims.index_payments` (once per set of
inputs: many claims share it) then :func:`~xl_collections.claims.research` (candidates within
``ClaimDays``, reference keys, amount within ``MatchTolerance``, ranking, where each went with its
evidence).  DuckDB: the candidate filter (date window, amount within tolerance or a document
number in the reference as a word with optional prefix and zeros) joined to the applications,
ranked the same way — no evidence text.  The candidate payment ids are compared before the
figures are printed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

import numpy as np
import pandas as pd

from xl_collections.claims import Claim, index_payments, research

START = dt.date(2025, 11, 1)


def generate(payments: int, seed: int = 7):
    """A year of receipts (references like ``INV 0012345``, ``Rechnung 12345``, blank), the
    applications of 90 % of them (some split over two invoices), 0.3 % returned."""
    rng = np.random.default_rng(seed)
    customers = np.array([f"C{i:05d}" for i in range(20_000)], dtype=object)
    names = np.array([f"CUSTOMER {i:05d} {w}" for i, w in zip(range(20_000), rng.choice(
        ["INC", "LLC", "GMBH", "LTD", "CORP"], 20_000))], dtype=object)
    cust = rng.integers(0, len(customers), payments)
    day = rng.integers(0, 365, payments)
    inv = rng.integers(100_000, 999_999, payments)
    style = rng.integers(0, 4, payments)
    ref = np.where(style == 0, np.char.add("INV ", np.char.zfill(inv.astype(str), 7)),
                   np.where(style == 1, np.char.add("Rechnung ", inv.astype(str)),
                            np.where(style == 2, np.char.add("PMT FOR INVOICES ", inv.astype(str)), "")))
    amount = rng.integers(5_000, 5_000_000, payments) // 100 * 100
    pay = pd.DataFrame({
        "payment_id": np.array([f"BNK{i:08d}" for i in range(payments)], dtype=object),
        "value_date": (np.datetime64(START) + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "amount": amount.astype("int64"), "currency": "USD",
        "payer_name": names[cust], "payer_account": np.char.add("US00", cust.astype(str)).astype(object),
        "reference": ref.astype(object), "customer_id": "", "record_type": "PAYMENT", "original_ref": ""})
    applied = rng.random(payments) < 0.9
    wrong = rng.random(payments) < 0.01                       # applied to another customer's invoice
    doc_cust = np.where(wrong, rng.integers(0, len(customers), payments), cust)
    doc_no = np.where(wrong, rng.integers(100_000, 999_999, payments), inv)       # that customer's own invoice
    idx = np.flatnonzero(applied)
    apps = pd.DataFrame({
        "payment_id": pay["payment_id"].to_numpy()[idx],
        "document_no": np.char.add("INV-", doc_no[idx].astype(str)).astype(object),
        "customer_id": customers[doc_cust[idx]], "applied_amount": amount[idx].astype("int64"),
        "rule": "REFERENCE", "status": "AUTO", "open_before": amount[idx].astype("int64"),
        "value_date": pay["value_date"].to_numpy()[idx], "payment_amount": pd.array(amount[idx], dtype="Int64"),
        "bank_reference": pay["payment_id"].to_numpy()[idx], "end_to_end_id": "", "return_id": "", "currency": "USD",
        "payer_account": "", "run_id": "20251201T000000"})
    split = idx[: len(idx) // 10]
    extra = apps.iloc[: len(split)].copy()
    extra["document_no"] = np.char.add("INV-", (doc_no[split] + 1).astype(str)).astype(object)
    returned = idx[rng.random(len(idx)) < 0.003]
    rev = apps[apps["payment_id"].isin(set(pay["payment_id"].to_numpy()[returned]))].copy()
    rev["status"], rev["applied_amount"] = "REVERSED", -rev["applied_amount"]
    rev["return_id"] = np.array([f"RTN{i:07d}" for i in range(len(rev))], dtype=object)
    apps = pd.concat([apps, extra, rev], ignore_index=True)
    # the claim: a payment applied to the wrong customer, asked with the number the customer quotes
    k = int(np.flatnonzero(wrong & applied)[len(np.flatnonzero(wrong & applied)) // 2])
    claim = Claim(str(customers[cust[k]]), int(amount[k]), pd.Timestamp(pay["value_date"].iat[k]).date() +
                  dt.timedelta(days=3), f"{inv[k]}")
    return pay, apps, claim, str(pay["payment_id"].iat[k])


def ours(pay, apps, claim, days, tol):
    t0 = time.perf_counter()
    index = index_payments(pay, apps)
    t1 = time.perf_counter()
    res = research(claim, index, claim_days=days, tolerance=tol)
    t2 = time.perf_counter()
    return res, t1 - t0, t2 - t1


def duck(pay, apps, claim, days, tol):
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    con.register("payments", pay)
    con.register("applications", apps)
    key = claim.reference.lstrip("0")
    sql = f"""
        WITH c AS (
          SELECT p.*,
                 regexp_matches(upper(p.reference || ' ' || p.payment_id),
                                '(^|[^0-9A-Z])(INV|INVOICE|RE|REF|NO|NR)?[ #-]*0*{key}([^0-9A-Z]|$)') AS ref_hit,
                 abs(datediff('day', DATE '{claim.date}', p.value_date)) AS dist
          FROM payments p
          WHERE p.value_date BETWEEN DATE '{claim.date}' - INTERVAL {days} DAY
                                 AND DATE '{claim.date}' + INTERVAL {days} DAY
        )
        SELECT c.payment_id, c.ref_hit, c.amount = {claim.amount} AS exact, c.dist,
               string_agg(a.document_no, '; ') AS documents, string_agg(a.customer_id, '; ') AS customers,
               bool_or(a.status = 'REVERSED') AS returned
        FROM c LEFT JOIN applications a ON a.payment_id = c.payment_id
        WHERE c.ref_hit OR abs(c.amount - {claim.amount}) <= {tol}
        GROUP BY ALL
        ORDER BY c.ref_hit DESC, exact DESC, c.dist, c.payment_id
    """
    out = con.execute(sql).df()
    return out, time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true")
    args = ap.parse_args(argv)
    n = 40_000 if args.small else 400_000
    pay, apps, claim, expected = generate(n)
    days, tol = 30, 500
    res, t_index, t_claim = ours(pay, apps, claim, days, tol)
    ref, t_duck = duck(pay, apps, claim, days, tol)
    got = res.rows
    assert got["payment_id"].iat[0] == expected, (got.head(), expected)
    assert set(got["payment_id"]) == set(ref["payment_id"]), (set(got["payment_id"]) ^ set(ref["payment_id"]))
    print(f"one claim against {len(pay):,} payments and {len(apps):,} application rows "
          f"({len(got):,} candidates, best {expected} {got['where'].iat[0]} -> {got['documents'].iat[0]} of "
          f"{got['customer_id'].iat[0]}; the same candidates as DuckDB)")
    print(f"{'':34}{'xl_collections':>16}{'DuckDB':>10}")
    print(f"{'prepare the payments (once)':34}{t_index:>14.3f} s{'':>10}")
    print(f"{'answer the claim':34}{t_claim:>14.3f} s{t_duck:>8.3f} s")
    print(f"{'total':34}{t_index + t_claim:>14.3f} s{t_duck:>8.3f} s   goal < 1 s")
    undated = Claim(claim.customer_id, claim.amount, None, claim.reference)
    t0 = time.perf_counter()
    res = research(undated, index_payments(pay, apps), claim_days=days, tolerance=tol)
    print(f"{'the same claim without a date':34}{time.perf_counter() - t0:>14.3f} s   (the whole year searched, "
          f"{len(res.rows):,} candidates)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
