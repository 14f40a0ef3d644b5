"""Benchmark: ``xl_collections.ar.aging.age`` against the same aging as one DuckDB SQL query.

    python benchmarks/aging.py            # 1,000,000 items, 100,000 customers, 4 currencies
    python benchmarks/aging.py --small    # 50,000 items, 5,000 customers (a quick check)

Both run in this process over the same in-memory data: FX per item with exact rounding half
away from zero, days past due, buckets 0,30,60,90,120, one row per customer, sorted by
past due.  The two results are compared to the cent before the figures are printed.
Target (issue 3): ``age()`` under 2 s, within 2x of DuckDB, peak memory under 1.5 GB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd

from xl_collections.ar.aging import age

AS_OF = dt.date(2026, 10, 31)
RATES = {"EUR": Decimal("1.085512"), "GBP": Decimal("1.27031"), "JPY": Decimal("0.0066913")}
PLACES = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(items: int, customers: int, seed: int = 1, missing_due: float = 0.0):
    rng = np.random.default_rng(seed)
    cust_ids = np.array([f"C{i:06d}" for i in range(customers)], dtype=object)
    cust_of = rng.integers(0, customers, items)
    currencies = np.array(["USD", "EUR", "GBP", "JPY"], dtype=object)
    cur = currencies[rng.choice(4, items, p=[0.55, 0.25, 0.12, 0.08])]
    doc = np.datetime64(AS_OF) - rng.integers(0, 240, items).astype("timedelta64[D]")
    due = doc + rng.choice([0, 15, 30, 45, 60], items).astype("timedelta64[D]")
    amount = rng.integers(100, 5_000_000, items)          # minor units
    amount = np.where(cur == "JPY", amount // 10, amount)
    credit = rng.random(items) < 0.06
    amount = np.where(credit, -amount // 3, amount)
    open_amount = np.where(rng.random(items) < 0.2, amount // 2, amount)
    due = due.astype("datetime64[ns]")
    if missing_due:
        due[rng.random(items) < missing_due] = np.datetime64("NaT")
    status = np.where(rng.random(items) < 0.03, "DISPUTED", "OPEN").astype(object)
    oi = pd.DataFrame({
        "customer_id": cust_ids[cust_of],
        "document_no": np.array([f"D{i:08d}" for i in range(items)], dtype=object),
        "doc_type": np.where(credit, "CM", "INV").astype(object),
        "document_date": doc.astype("datetime64[ns]"),
        "due_date": due,
        "amount": amount.astype("int64"),
        "open_amount": open_amount.astype("int64"),
        "currency": cur,
        "po_number": "", "reference": "", "reason_code": "",
        "status": status,
        "source_row": np.arange(2, items + 2, dtype="int64"),
    })
    oi.attrs["table"] = "open_items"
    cust = pd.DataFrame({
        "customer_id": cust_ids,
        "customer_name": np.array([f"Customer {i}" for i in range(customers)], dtype=object),
        "credit_limit": pd.array([None] * customers, dtype="Int64"),
        "payment_terms": np.array(["NET30", "2/10 NET30", "EOM45", "NET60"], dtype=object)[np.arange(customers) % 4],
        "collector": "", "region": np.array(["EU", "US", "APAC"], dtype=object)[np.arange(customers) % 3],
        "risk_class": "", "parent_id": "", "email": "", "phone": "", "bank_accounts": "",
        "open_orders": pd.array([None] * customers, dtype="Int64"),
        "source_row": np.arange(2, customers + 2, dtype="int64"),
    })
    cust.attrs["table"] = "customers"
    fx = pd.DataFrame({"currency": list(RATES), "rate": list(RATES.values()),
                       "date": pd.to_datetime([AS_OF] * len(RATES)), "source_row": range(2, 2 + len(RATES))})
    fx.attrs["table"] = "fx_rates"
    return oi, cust, fx


SQL = """
WITH rates AS (
    SELECT * FROM (VALUES {rates}) AS t(currency, factor)
), items AS (
    SELECT o.customer_id,
           date_diff('day', o.due_date::DATE, DATE '{as_of}') AS days,
           CASE WHEN o.currency = 'USD' THEN o.open_amount
                ELSE ROUND(o.open_amount::DECIMAL(38, 0) * r.factor)::BIGINT END AS amt
    FROM oi o LEFT JOIN rates r ON r.currency = o.currency
    WHERE o.open_amount <> 0
)
SELECT i.customer_id, c.customer_name, 'USD' AS currency,
       SUM(amt) AS total_open,
       SUM(CASE WHEN days <= 0 THEN amt ELSE 0 END) AS not_due,
       SUM(CASE WHEN days BETWEEN 1 AND 30 THEN amt ELSE 0 END) AS "1-30",
       SUM(CASE WHEN days BETWEEN 31 AND 60 THEN amt ELSE 0 END) AS "31-60",
       SUM(CASE WHEN days BETWEEN 61 AND 90 THEN amt ELSE 0 END) AS "61-90",
       SUM(CASE WHEN days BETWEEN 91 AND 120 THEN amt ELSE 0 END) AS "91-120",
       SUM(CASE WHEN days > 120 THEN amt ELSE 0 END) AS "121+",
       SUM(CASE WHEN days > 0 THEN amt ELSE 0 END) AS past_due
FROM items i LEFT JOIN cust c USING (customer_id)
GROUP BY i.customer_id, c.customer_name
ORDER BY past_due DESC, i.customer_id
"""


def duckdb_aging(con, oi, cust):
    rates = ", ".join(f"('{c}', {r.scaleb(2 - PLACES[c])}::DECIMAL(38, 12))" for c, r in RATES.items())
    con.register("oi", oi[["customer_id", "due_date", "open_amount", "currency"]])
    con.register("cust", cust[["customer_id", "customer_name"]])
    return con.execute(SQL.format(rates=rates, as_of=AS_OF.isoformat())).df()


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--small", action="store_true")
    p.add_argument("--items", type=int)
    p.add_argument("--customers", type=int)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    items = a.items or (50_000 if a.small else 1_000_000)
    customers = a.customers or (5_000 if a.small else 100_000)
    t = time.perf_counter()
    oi, cust, fx = generate(items, customers)
    print(f"generated {items:,} items / {customers:,} customers / 4 currencies in {time.perf_counter() - t:.1f} s")
    gc.collect()
    before = peak_mb()

    times, cpu = [], []
    for _ in range(a.repeat):
        t, c = time.perf_counter(), time.process_time()
        res = age(oi, AS_OF, customers=cust, fx_rates=fx)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    after = peak_mb()
    ours = min(times)

    # the same items with their text as Python strings (object columns, as pandas 2 or a caller's
    # own frame gives them) instead of pandas 3's Arrow-backed str: the careful path of the ids
    text = [c for c in oi.columns if pd.api.types.is_string_dtype(oi[c].dtype)]
    oi_obj = oi.astype({c: object for c in text})
    oi_obj.attrs = dict(oi.attrs)
    obj_times = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        age(oi_obj, AS_OF, customers=cust, fx_rates=fx)
        obj_times.append(time.perf_counter() - t)
    del oi_obj

    oi_missing, _, _ = generate(items, customers, missing_due=0.05)
    t = time.perf_counter()
    age(oi_missing, AS_OF, customers=cust, fx_rates=fx)
    with_terms = time.perf_counter() - t
    del oi_missing

    import duckdb
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    dtimes, dcpu = [], []
    for _ in range(a.repeat):
        t, c = time.perf_counter(), time.process_time()
        ref = duckdb_aging(con, oi, cust)
        dtimes.append(time.perf_counter() - t)
        dcpu.append(time.process_time() - c)
    theirs = min(dtimes)

    summ = res.summary.iloc[:-1]
    cols = ["customer_id", "total_open", "not_due", "1-30", "31-60", "61-90", "91-120", "121+", "past_due"]
    ok = len(summ) == len(ref) and all(
        (summ[c].to_numpy() == ref[c].to_numpy(dtype=summ[c].dtype if c != "customer_id" else object)).all() for c in cols)
    print(f"age():   {ours:.3f} s (best of {a.repeat}: {', '.join(f'{x:.3f}' for x in times)})")
    print(f"age() with 5% due dates from payment terms: {with_terms:.3f} s")
    print(f"age() of text as Python strings (object columns): {min(obj_times):.3f} s")
    print(f"DuckDB:  {theirs:.3f} s (best of {a.repeat}: {', '.join(f'{x:.3f}' for x in dtimes)})")
    print(f"ratio age()/DuckDB: {ours / theirs:.2f}x")
    # the machine may be shared: CPU time is what the work costs whatever else runs
    print(f"CPU time, best: age() {min(cpu):.3f} s (the customer side in a second thread); DuckDB {min(dcpu):.3f} s (2 threads)")
    print(f"peak RSS: {after:.0f} MB (data generated: {before:.0f} MB; age() added {after - before:.0f} MB)")
    print(f"results identical to the cent: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
