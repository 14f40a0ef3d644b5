"""Every speed and scale figure of issue 20, each beside its reference, in one run; a markdown table.

    python benchmarks/run_all.py                    # the issue's sizes (long: the close builds a
                                                    # 100k-item book, out of core writes 10M + 50M rows)
    python benchmarks/run_all.py --quick            # tiny sizes: a smoke run (seconds, not timed by tests)
    python benchmarks/run_all.py --only aging,aging_command --out results.md
    python benchmarks/run_all.py --ooc-scale 0.2    # out of core at 2M + 10M rows, extrapolated x5

Each figure runs in a fresh process (its peak memory is its own) and prints one JSON line; the
parent writes the table (stdout, and ``--out FILE``).  Wall-clock seconds are what a user
waits; the CPU seconds beside them are what the work costs whatever else runs on the machine
(this one has 2 cores shared with other jobs: read the CPU column when the two differ).

| figure | ours | reference | goal (issue 20) |
|---|---|---|---|
| aging | ``aging.age`` on 1M items x 100k customers, in memory | the same aging as one DuckDB SQL query | <= 1x DuckDB |
| aging_command | ``xl-collections aging`` CSV -> CSV, 1M rows, a process end to end | DuckDB reading the CSV, aging, writing CSV, a process | <= 2x DuckDB |
| read_sheet | ``load_table`` of a 1M-row ``.xlsx`` sheet (read + validate) | python-calamine reading the sheet's cells alone | <= 8 s |
| close | headless close of 100k items + 30k payments, every step, save | - | < 8 s, < 500 MB |
| cashapp | ``apply_cash`` 30k payments x 300k items | a VLOOKUP on the reference (what a spreadsheet does) | <= 3 s |
| outofcore_aging | ``age_source`` on 10M open items in Parquet, batch by batch | DuckDB SQL aging on the same Parquet file | peak memory bounded |
| outofcore_cleared | 50M cleared items in Parquet read and validated batch by batch | DuckDB scanning the same file | peak memory bounded |
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

AS_OF = dt.date(2026, 10, 31)
FIGURES = ("aging", "aging_command", "read_sheet", "close", "cashapp", "outofcore_aging", "outofcore_cleared")
SIZES = {                               # full (the issue's) and quick (smoke) sizes
    "aging": ({"items": 1_000_000, "customers": 100_000}, {"items": 3_000, "customers": 300}),
    "aging_command": ({"items": 1_000_000}, {"items": 2_000}),
    "read_sheet": ({"rows": 1_000_000}, {"rows": 500}),
    "close": ({"items": 100_000, "payments": 30_000}, {"items": 300, "payments": 100}),
    "cashapp": ({"items": 300_000, "payments": 30_000}, {"items": 3_000, "payments": 300}),
    "outofcore_aging": ({"items": 10_000_000}, {"items": 5_000}),
    "outofcore_cleared": ({"items": 50_000_000}, {"items": 10_000}),
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_self() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(fn, repeat: int = 1):
    """(result, best wall seconds, CPU seconds of that run)."""
    best = None
    for _ in range(repeat):
        t, c = time.perf_counter(), cpu_self()
        res = fn()
        w, cp = time.perf_counter() - t, cpu_self() - c
        if best is None or w < best[1]:
            best = (res, w, cp)
    return best


def run_process(cmd: list[str]) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak MB, stdout) of one child process, start-up included."""
    before = cpu_children()
    t = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    if out.returncode:
        raise RuntimeError(f"{cmd[:4]} failed: {out.stderr[-2000:]}")
    peak = float(out.stderr.strip().splitlines()[-1]) / 1024
    return wall, cpu_children() - before, peak, out.stdout


# ------------------------------------------------------------------ figures (each in its own process)

def fig_aging(items: int, customers: int, work: Path) -> dict:
    import aging as bench
    import duckdb

    from xl_collections.ar.aging import age
    oi, cust, fx = bench.generate(items, customers)
    res, ours, ours_cpu = timed(lambda: age(oi, AS_OF, customers=cust, fx_rates=fx), repeat=3)
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    ref, theirs, theirs_cpu = timed(lambda: bench.duckdb_aging(con, oi, cust), repeat=3)
    summ = res.summary.iloc[:-1]
    cols = ["customer_id", "total_open", "not_due", "1-30", "31-60", "61-90", "91-120", "121+", "past_due"]
    same = len(summ) == len(ref) and all(
        (summ[c].to_numpy() == ref[c].to_numpy(dtype=summ[c].dtype if c != "customer_id" else object)).all()
        for c in cols)
    return {"ours": ours, "ours_cpu": ours_cpu, "ref": theirs, "ref_cpu": theirs_cpu, "same": bool(same),
            "peak_mb": peak_mb(), "size": f"{items:,} items x {customers:,} customers"}


def write_open_items_csv(path: Path, items: int, customers: int) -> Path:
    """An open-items export as a ledger writes it: amounts with the currency's decimals, ISO dates."""
    import aging as bench
    import numpy as np
    import pandas as pd

    oi, _, fx = bench.generate(items, customers)
    jpy = (oi["currency"] == "JPY").to_numpy()

    def money(v):
        v = v.to_numpy()
        text = pd.Series(np.abs(v) // 100).astype(str) + "." + pd.Series(np.abs(v) % 100).astype(str).str.zfill(2)
        text = np.where(v < 0, "-" + text, text)
        return np.where(jpy, v.astype(str), text)
    pd.DataFrame({"customer_id": oi["customer_id"], "document_no": oi["document_no"], "doc_type": oi["doc_type"],
                  "document_date": oi["document_date"].dt.strftime("%Y-%m-%d"),
                  "due_date": oi["due_date"].dt.strftime("%Y-%m-%d"), "amount": money(oi["amount"]),
                  "open_amount": money(oi["open_amount"]), "currency": oi["currency"], "status": oi["status"],
                  }).to_csv(path, index=False)
    pd.DataFrame({"currency": fx["currency"], "rate": [str(r) for r in fx["rate"]],
                  "date": fx["date"].dt.strftime("%Y-%m-%d")}).to_csv(path.with_name("fx.csv"), index=False)
    return path


DUCKDB_CSV = r"""
import sys, duckdb
src, fx, out = sys.argv[1:4]
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute(f'''
COPY (
WITH oi AS (SELECT * FROM read_csv('{src}', all_varchar=true)),
rates AS (SELECT currency, CAST(rate AS DECIMAL(38, 12)) AS rate FROM read_csv('{fx}', all_varchar=true)),
items AS (
  SELECT o.customer_id,
         date_diff('day', CAST(o.due_date AS DATE), DATE '2026-10-31') AS days,
         CASE WHEN o.currency = 'USD' THEN CAST(round(CAST(o.open_amount AS DECIMAL(18, 2)) * 100) AS BIGINT)
              WHEN o.currency = 'JPY' THEN CAST(round(CAST(o.open_amount AS DECIMAL(18, 0)) * r.rate * 100) AS BIGINT)
              ELSE CAST(round(CAST(o.open_amount AS DECIMAL(18, 2)) * r.rate * 100) AS BIGINT) END AS amt
  FROM oi o LEFT JOIN rates r USING (currency)
  WHERE CAST(o.open_amount AS DECIMAL(18, 2)) <> 0)
SELECT customer_id, '' AS customer_name, 'USD' AS currency,
       SUM(amt) / 100 AS total_open,
       SUM(CASE WHEN days <= 0 THEN amt ELSE 0 END) / 100 AS not_due,
       SUM(CASE WHEN days BETWEEN 1 AND 30 THEN amt ELSE 0 END) / 100 AS "1-30",
       SUM(CASE WHEN days BETWEEN 31 AND 60 THEN amt ELSE 0 END) / 100 AS "31-60",
       SUM(CASE WHEN days BETWEEN 61 AND 90 THEN amt ELSE 0 END) / 100 AS "61-90",
       SUM(CASE WHEN days BETWEEN 91 AND 120 THEN amt ELSE 0 END) / 100 AS "91-120",
       SUM(CASE WHEN days > 120 THEN amt ELSE 0 END) / 100 AS "121+",
       SUM(CASE WHEN days > 0 THEN amt ELSE 0 END) / 100 AS past_due
FROM items GROUP BY customer_id ORDER BY past_due DESC, customer_id
) TO '{out}' (HEADER)''')
print(con.execute(f"SELECT CAST(round(SUM(past_due) * 100) AS BIGINT) FROM read_csv('{out}')").fetchone()[0])
"""


def fig_aging_command(items: int, work: Path) -> dict:
    import csv
    src = write_open_items_csv(work / "open_items.csv", items, max(items // 10, 10))
    fx = src.with_name("fx.csv")
    ours = run_process([sys.executable, "-m", "xl_collections.cli", "aging", "--open-items", str(src), "--fx", str(fx),
                        "--as-of", AS_OF.isoformat(), "--out", str(work / "ours.csv")])
    script = work / "duckdb_aging.py"
    script.write_text(DUCKDB_CSV)
    ref = run_process([sys.executable, str(script), str(src), str(fx), str(work / "duckdb.csv")])
    with open(work / "ours.csv", newline="") as fh:
        total = [r for r in csv.DictReader(fh) if r["customer_id"] == "TOTAL"][0]
    ours_past_due = round(float(total["past_due"]) * 100)
    return {"ours": ours[0], "ours_cpu": ours[1], "ref": ref[0], "ref_cpu": ref[1], "peak_mb": ours[2],
            "same": ours_past_due == int(ref[3].strip().splitlines()[-1]), "size": f"{items:,} rows CSV -> CSV"}


def fig_read_sheet(rows: int, work: Path) -> dict:
    import read_open_items as bench
    from python_calamine import CalamineWorkbook

    from xl_collections.io.readers import load_table
    path = work / "open_items.xlsx"
    bench.generate(path, rows)
    (df, errors), ours, ours_cpu = timed(lambda: load_table(path, "open_items"))
    peak = peak_mb()

    def raw():
        wb = CalamineWorkbook.from_path(str(path))
        return len(wb.get_sheet_by_name("Open Items").to_python())
    n, ref, ref_cpu = timed(raw)
    return {"ours": ours, "ours_cpu": ours_cpu, "ref": ref, "ref_cpu": ref_cpu, "peak_mb": peak,
            "same": not errors and len(df) == rows and n == rows + 4, "size": f"{rows:,} rows .xlsx",
            "goal_s": 8.0}


def fig_close(items: int, payments: int, work: Path) -> dict:
    import close as bench
    path = work / "close.xlsm"
    bench.build(path, items, payments, 7)
    out = subprocess.run([sys.executable, str(HERE / "close.py"), "--child", str(path)], capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    r = json.loads(out.stdout.strip().splitlines()[-1])
    slowest = sorted(r["steps"].items(), key=lambda kv: -kv[1])[:3]
    return {"ours": r["total"], "ours_cpu": r["cpu_total"], "ref": None, "peak_mb": r["peak_rss_mb"],
            "same": all(s in ("DONE", "SKIPPED", "WARN") or str(s).upper().startswith(("DONE", "SKIP", "WARN", "OK"))
                        for s in r["status"].values()),
            "size": f"{items:,} items + {payments:,} payments", "goal_s": 8.0, "goal_mb": 500,
            "note": "slowest: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest) + f"; save {r['save']:.1f} s"}


def fig_cashapp(items: int, payments: int, work: Path) -> dict:
    import cashapp as bench

    from xl_collections.cashapp import apply_cash
    from xl_collections.io.validate import canonical
    from xl_collections.core.settings import Settings
    data = bench._demo(items, payments, 7) or (*bench.generate(items, payments, 7), None)
    oi, cus, pay, rem, truth, fx = data
    s = Settings()
    kw = dict(reporting_currency=s.reporting_currency)
    oi, pay = canonical(oi, "open_items", **kw), canonical(pay, "payments", **kw)
    cus = canonical(cus, "customers", **kw) if cus is not None else None
    rem = canonical(rem, "remittance", **kw) if rem is not None and len(rem) else None
    v, ref, ref_cpu = timed(lambda: bench.vlookup(oi, pay))
    res, ours, ours_cpu = timed(lambda: apply_cash(oi, pay, customers=cus, remittance=rem, settings=s, fx_rates=fx))
    truth = truth.copy()
    if truth["applied_amount"].dtype.kind == "f":
        truth["applied_amount"] = (truth["applied_amount"] * 100).round().astype("int64")
    se, sv = bench.score(res.applications, pay, truth), bench.score(v, pay, truth)
    return {"ours": ours, "ours_cpu": ours_cpu, "ref": ref, "ref_cpu": ref_cpu, "peak_mb": peak_mb(),
            "same": se["AUTO precision"] >= 0.995, "size": f"{len(pay):,} payments x {len(oi):,} items",
            "goal_s": 3.0, "note": f"fully correct {se['fully correct']:.1%} (VLOOKUP {sv['fully correct']:.1%})"}


def _parquet_open_items(path: Path, items: int) -> None:
    """``items`` open items written by DuckDB straight to Parquet (never in this process's memory)."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    customers = max(items // 10, 10)
    con.execute(f"""COPY (
        SELECT 'C' || lpad(CAST(hash(i) % {customers} AS VARCHAR), 7, '0') AS customer_id,
               'D' || lpad(CAST(i AS VARCHAR), 9, '0') AS document_no,
               CASE WHEN i % 17 = 0 THEN 'CM' ELSE 'INV' END AS doc_type,
               DATE '2026-10-31' - CAST(hash(i * 7) % 240 AS INTEGER) AS document_date,
               DATE '2026-10-31' - CAST(hash(i * 7) % 240 AS INTEGER) + CAST(15 * (hash(i * 3) % 5) AS INTEGER) AS due_date,
               CAST((CASE WHEN i % 17 = 0 THEN -1 ELSE 1 END) * (100 + hash(i * 11) % 5000000) / 100.0 AS DECIMAL(14, 2))
                   AS open_amount,
               CASE hash(i * 13) % 4 WHEN 0 THEN 'EUR' WHEN 1 THEN 'GBP' ELSE 'USD' END AS currency,
               CASE WHEN i % 33 = 0 THEN 'DISPUTED' ELSE 'OPEN' END AS status
        FROM range({items}) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1048576)""")


def fig_outofcore_aging(items: int, work: Path) -> dict:
    import duckdb
    import pandas as pd

    from xl_collections.ar.aging_outofcore import age_source
    path = work / "open_items.parquet"
    sub = subprocess.run([sys.executable, "-c", f"import run_all; run_all._parquet_open_items("
                          f"__import__('pathlib').Path({str(path)!r}), {items})"], cwd=HERE,
                         env={**os.environ, "PYTHONPATH": f"{ROOT}:{HERE}"}, capture_output=True, text=True)
    if sub.returncode:
        raise RuntimeError(sub.stderr[-2000:])
    fx = pd.DataFrame({"currency": ["EUR", "GBP"], "rate": ["1.085512", "1.27031"], "date": ["2026-10-31"] * 2})
    res, ours, ours_cpu = timed(lambda: age_source(path, AS_OF, fx_rates=fx))
    peak = peak_mb()
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    sql = f"""
        WITH r AS (SELECT * FROM (VALUES ('EUR', 108.5512::DECIMAL(38, 12)), ('GBP', 127.031::DECIMAL(38, 12))) t(currency, f)),
        i AS (SELECT customer_id, date_diff('day', due_date, DATE '2026-10-31') AS days,
                     CASE WHEN currency = 'USD' THEN CAST(open_amount * 100 AS BIGINT)
                          ELSE CAST(round(open_amount * f) AS BIGINT) END AS amt
              FROM '{path}' LEFT JOIN r USING (currency) WHERE open_amount <> 0)
        SELECT customer_id, SUM(CASE WHEN days > 0 THEN amt ELSE 0 END) AS past_due FROM i GROUP BY customer_id"""
    ref, theirs, theirs_cpu = timed(lambda: con.execute(f"SELECT SUM(past_due) FROM ({sql})").fetchone()[0])
    return {"ours": ours, "ours_cpu": ours_cpu, "ref": theirs, "ref_cpu": theirs_cpu, "peak_mb": peak,
            "same": int(res.summary["past_due"].iloc[-1]) == int(ref), "size": f"{items:,} open items, Parquet",
            "note": f"{len(res.summary) - 1:,} customers; summary only"}


def fig_outofcore_cleared(items: int, work: Path) -> dict:
    import duckdb

    path = work / "cleared_items.parquet"
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute(f"""COPY (
        SELECT 'C' || lpad(CAST(hash(i) % {max(items // 50, 10)} AS VARCHAR), 7, '0') AS customer_id,
               'H' || lpad(CAST(i AS VARCHAR), 10, '0') AS document_no,
               DATE '2026-10-31' - CAST(hash(i * 7) % 1800 AS INTEGER) AS document_date,
               DATE '2026-10-31' - CAST(hash(i * 7) % 1800 AS INTEGER) + 30 AS due_date,
               CAST((100 + hash(i * 11) % 5000000) / 100.0 AS DECIMAL(14, 2)) AS amount,
               DATE '2026-10-31' - CAST(hash(i * 7) % 1800 AS INTEGER) + CAST(hash(i * 5) % 75 AS INTEGER) AS cleared_date,
               'USD' AS currency
        FROM range({items}) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1048576)""")
    con.close()

    from xl_collections.credit.behaviour_outofcore import behaviour_source

    (beh, rows), ours, ours_cpu = timed(lambda: behaviour_source(path, AS_OF))
    peak = peak_mb()
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    window = "DATE '2026-10-31' - INTERVAL 365 DAY"
    ref, theirs, theirs_cpu = timed(lambda: con.execute(f"""
        SELECT count(*) FILTER (WHERE cleared_date > {window} AND cleared_date <= DATE '2026-10-31'),
               CAST(SUM(amount * 100) FILTER (WHERE document_date > {window} AND document_date <= DATE '2026-10-31')
                    AS BIGINT)
        FROM '{path}' WHERE amount > 0""").fetchone())
    got = (int(beh["documents"].sum()), int(beh["billing_12m"].sum()))
    return {"ours": ours, "ours_cpu": ours_cpu, "ref": theirs, "ref_cpu": theirs_cpu, "peak_mb": peak,
            "same": got == tuple(int(x) for x in ref), "size": f"{items:,} cleared items, Parquet",
            "note": f"payment behaviour of {len(beh):,} customers from {rows:,} cleared items, every cell validated, "
                    "batch by batch (credit/behaviour_outofcore.py) vs DuckDB summing the same window"}


# ------------------------------------------------------------------ the table

GOALS = {"aging": "<= 1x DuckDB", "aging_command": "<= 2x DuckDB", "read_sheet": "<= 8 s",
         "close": "< 8 s, < 500 MB", "cashapp": "<= 3 s", "outofcore_aging": "memory bounded",
         "outofcore_cleared": "memory bounded"}
REFERENCE = {"aging": "DuckDB SQL", "aging_command": "DuckDB CSV->CSV", "read_sheet": "python-calamine cells only",
             "close": "-", "cashapp": "VLOOKUP", "outofcore_aging": "DuckDB SQL on the Parquet",
             "outofcore_cleared": "DuckDB SQL on the Parquet"}


def met(name: str, r: dict) -> str:
    if "error" in r:
        return "error"
    ratio = r["ours"] / r["ref"] if r.get("ref") else None
    if name == "aging":
        ok = ratio <= 1.0
    elif name == "aging_command":
        ok = ratio <= 2.0
    elif name in ("read_sheet", "cashapp"):
        ok = r["ours"] <= r["goal_s"]
    elif name == "close":
        ok = r["ours"] < r["goal_s"] and r["peak_mb"] < r["goal_mb"]
    else:
        ok = r["peak_mb"] < 4096
    return "met" if ok else "not met"


def table(results: dict, quick: bool, scale: float) -> str:
    lines = [f"Issue 20 figures — {'QUICK smoke sizes (not the issue’s)' if quick else 'the issue’s sizes'}; "
             f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
             "",
             "| figure | size | ours s (CPU s) | reference | ref s (CPU s) | ours / ref | peak MB | goal | goal met | same result |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"| {name} | | | {REFERENCE[name]} | | | | {GOALS[name]} | error | {r['error'][:80]} |")
            continue
        ref = f"{r['ref']:.2f} ({r['ref_cpu']:.2f})" if r.get("ref") is not None else "-"
        ratio = f"{r['ours'] / r['ref']:.2f}x" if r.get("ref") else "-"
        size = r["size"] + (f" (x{1 / scale:g} extrapolated: {r['ours'] / scale:.0f} s)" if r.get("scaled") else "")
        lines.append(f"| {name} | {size} | {r['ours']:.2f} ({r['ours_cpu']:.2f}) | {REFERENCE[name]} | {ref} | {ratio} | "
                     f"{r['peak_mb']:,.0f} | {GOALS[name]} | {met(name, r)} | {'yes' if r['same'] else 'NO'} |")
    notes = [f"- {name}: {r['note']}" for name, r in results.items() if r.get("note")]
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def child(name: str, quick: bool, scale: float, work: Path) -> dict:
    size = dict(SIZES[name][1 if quick else 0])
    scaled = False
    if name.startswith("outofcore") and scale != 1 and not quick:
        size["items"] = int(size["items"] * scale)
        scaled = True
    r = globals()[f"fig_{name}"](**size, work=work)
    r["scaled"] = scaled
    return r


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    ap.add_argument("--only", help="comma-separated figures: " + ", ".join(FIGURES))
    ap.add_argument("--out", metavar="FILE.md", help="also write the table here")
    ap.add_argument("--ooc-scale", type=float, default=1.0, help="scale the out-of-core sizes (then extrapolated)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child, a.quick, a.ooc_scale, Path(a.work))))
        return 0
    names = [n.strip() for n in a.only.split(",")] if a.only else list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        ap.error(f"unknown figure(s) {', '.join(unknown)}; expected {', '.join(FIGURES)}")
    results = {}
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"xlc-bench-{name}-") as work:
            cmd = [sys.executable, __file__, "--child", name, "--work", work, "--ooc-scale", str(a.ooc_scale)]
            out = subprocess.run(cmd + (["--quick"] if a.quick else []), capture_output=True, text=True,
                                 env={**os.environ, "PYTHONPATH": f"{ROOT}:{HERE}"})
            if out.returncode:
                results[name] = {"error": " ".join(out.stderr.strip().splitlines()[-1:]) or f"exit {out.returncode}"}
            else:
                results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name}: done", file=sys.stderr, flush=True)
    text = table(results, a.quick, a.ooc_scale)
    print(text)
    if a.out:
        Path(a.out).write_text(text, encoding="utf-8")
    return 0 if all("error" not in r and r["same"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
