"""Workbook I/O: headless read + write of owned sheets vs openpyxl load-modify-save.

A workbook with an N-row input sheet (``Open Items``) and a chart sheet; each contender
reads the inputs and writes three owned output sheets of N rows (``Aging Detail``,
``Cash App``, ``Exceptions``), then saves.  Each runs in its own process so peak memory
(max RSS) is its own.

    python benchmarks/workbook_io.py            # 100,000 rows, both contenders
    python benchmarks/workbook_io.py --small    # 1,000 rows, quick check
    python benchmarks/workbook_io.py --rows 1000000 --skip-openpyxl [--input /tmp/in1m.xlsx]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

INPUT_COLS = ["customer_id", "document_no", "doc_type", "document_date", "due_date", "amount",
              "open_amount", "currency", "reference", "status"]


def make_input(path: Path, rows: int) -> None:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_vba_name("ThisWorkbook") if path.suffix == ".xlsm" else None
    ws = wb.add_worksheet("Open Items")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, INPUT_COLS)
    rng = np.random.default_rng(1)
    base = dt.datetime(2026, 1, 1)
    days = rng.integers(0, 300, rows)
    amounts = rng.integers(100, 10_000_000, rows) / 100
    for i in range(rows):
        d = base + dt.timedelta(days=int(days[i]))
        ws.write_string(i + 1, 0, f"C{i % 5000:05d}")
        ws.write_string(i + 1, 1, f"INV-{i:08d}")
        ws.write_string(i + 1, 2, "INV")
        ws.write_datetime(i + 1, 3, d, date)
        ws.write_datetime(i + 1, 4, d + dt.timedelta(days=30), date)
        ws.write_number(i + 1, 5, amounts[i])
        ws.write_number(i + 1, 6, amounts[i])
        ws.write_string(i + 1, 7, "USD")
        ws.write_string(i + 1, 8, f"PO {i}")
        ws.write_string(i + 1, 9, "OPEN")
    cs = wb.add_chartsheet("Chart")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "='Open Items'!$A$2:$A$21", "values": "='Open Items'!$G$2:$G$21"})
    cs.set_chart(chart)
    wb.close()


def outputs_from(items: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Three N-row result tables as the engine would hand them over (money in minor units)."""
    open_minor = (pd.to_numeric(items["open_amount"]) * 100).round().astype("int64")
    due = pd.to_datetime(items["due_date"])
    dpd = (pd.Timestamp("2026-10-31") - due).dt.days
    detail = pd.DataFrame({"customer_id": items["customer_id"].astype(str), "document_no": items["document_no"].astype(str),
                           "due_date": due, "days_past_due": dpd, "open_amount": open_minor,
                           "bucket": np.where(dpd <= 0, "not_due", np.where(dpd <= 30, "1-30", "31+")),
                           "currency": "USD"})
    detail.attrs["money"] = ["open_amount"]
    cash = pd.DataFrame({"payment_id": "P" + items.index.astype(str), "document_no": detail["document_no"],
                         "customer_id": detail["customer_id"], "applied_amount": open_minor, "rule": "EXACT",
                         "confidence": 0.95, "status": "AUTO"})
    cash.attrs["money"] = ["applied_amount"]
    exc = pd.DataFrame({"payment_id": cash["payment_id"], "reason": "NO_MATCH", "detail": "=looks like a formula",
                        "amount": open_minor, "value_date": due})
    exc.attrs["money"] = ["amount"]
    return {"Aging Detail": detail, "Cash App": cash, "Exceptions": exc}


def run_headless(path: Path) -> dict:
    from xl_collections.book import SheetOutput, TableBlock, open_book
    t0 = time.perf_counter()
    book = open_book(path)
    raw = book.read_sheet("Open Items")
    items = raw.iloc[1:].set_axis([str(c) for c in raw.iloc[0]], axis=1)
    t_read = time.perf_counter() - t0
    outs = outputs_from(items)
    t1 = time.perf_counter()
    for name, df in outs.items():
        book.write_sheet(SheetOutput(name, [TableBlock(df, table_name="tbl" + name.replace(" ", ""))]))
    book.save()
    return {"read": t_read, "write": time.perf_counter() - t1}


def run_openpyxl(path: Path) -> dict:
    import openpyxl
    from openpyxl.worksheet.table import Table, TableStyleInfo
    t0 = time.perf_counter()
    wb = openpyxl.load_workbook(path)
    ws = wb["Open Items"]
    rows = list(ws.values)
    items = pd.DataFrame(rows[1:], columns=rows[0])
    t_read = time.perf_counter() - t0
    outs = outputs_from(items)
    t1 = time.perf_counter()
    for name, df in outs.items():
        out = wb.create_sheet(name)
        money = set(df.attrs["money"])
        cols = list(df.columns)
        out.append(cols)
        for rec in df.itertuples(index=False):
            out.append([v / 100 if c in money else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                        for c, v in zip(cols, rec)])
        for j, c in enumerate(cols, 1):
            fmt = '_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)' if c in money else (
                "yyyy-mm-dd" if pd.api.types.is_datetime64_any_dtype(df[c].dtype) else None)
            if fmt:
                for (cell,) in out.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
            if df[c].dtype == object:   # text from data must stay text
                for (cell,) in out.iter_rows(min_row=2, min_col=j, max_col=j):
                    if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                        cell.data_type = "s"
        ref = f"A1:{openpyxl.utils.get_column_letter(len(cols))}{len(df) + 1}"
        out.add_table(Table(displayName="tbl" + name.replace(" ", ""), ref=ref,
                            tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)))
    wb.save(path)
    return {"read": t_read, "write": time.perf_counter() - t1}


def child(which: str, path: Path) -> None:
    t = time.perf_counter()
    res = (run_headless if which == "headless" else run_openpyxl)(path)
    res["total"] = time.perf_counter() - t
    ru = resource.getrusage(resource.RUSAGE_SELF)
    res["peak_mb"] = ru.ru_maxrss / 1024
    res["cpu"] = ru.ru_utime + ru.ru_stime       # robust against other load on the machine
    print(json.dumps(res))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--small", action="store_true", help="1,000 rows")
    ap.add_argument("--skip-openpyxl", action="store_true")
    ap.add_argument("--child", choices=["headless", "openpyxl"])
    ap.add_argument("--file")
    ap.add_argument("--input", help="reuse (or build once) the input workbook at this path")
    a = ap.parse_args()
    if a.child:
        child(a.child, Path(a.file))
        return
    rows = 1000 if a.small else a.rows
    with tempfile.TemporaryDirectory() as d:
        src = Path(a.input) if a.input else Path(d) / "bench.xlsx"
        t = time.perf_counter()
        if not src.exists():
            make_input(src, rows)
        print(f"input: {rows:,} rows + chart sheet, {src.stat().st_size / 1e6:.1f} MB (built in {time.perf_counter() - t:.1f} s)")
        results = {}
        for which in ["headless"] + ([] if a.skip_openpyxl else ["openpyxl"]):
            f = Path(d) / f"{which}.xlsx"
            shutil.copy(src, f)
            out = subprocess.run([sys.executable, __file__, "--child", which, "--file", str(f)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[which] = r
            print(f"{which:9s} read {r['read']:6.2f} s  write 3x{rows:,} rows {r['write']:6.2f} s  "
                  f"total {r['total']:6.2f} s (CPU {r['cpu']:6.2f} s)  "
                  f"peak {r['peak_mb']:6.0f} MB  "
                  f"({f.stat().st_size / 1e6:.1f} MB file)")
        if "openpyxl" in results:
            h, o = results["headless"], results["openpyxl"]
            print(f"headless is {o['total'] / h['total']:.1f}x faster than openpyxl "
                  f"(CPU time {o['cpu'] / h['cpu']:.1f}x)")


if __name__ == "__main__":
    main()
