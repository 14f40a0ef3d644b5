"""Benchmark: the close's ``validate`` step alone (``pipeline.read_state``: reading and
validating every input sheet of the open book, the Audit Log's input fingerprints, the earlier
runs' cash), through the fast sheet reader and through the careful grid reader, side by side.

    python benchmarks/close_inputs.py BOOK.xlsm        # e.g. the book benchmarks/close.py --keep builds

Each way runs in a fresh process on a copy of the book; it prints wall seconds, CPU seconds
(user + system: robust against other load on the machine) and the peak memory (RSS) of that
process, whose opening of the book is counted apart.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def child(path: Path, careful: bool) -> dict:
    from xl_collections.book import OwnedSheetsOnly, open_book
    from xl_collections.close import pipeline
    from xl_collections.close.steps import OWNED_SHEETS

    class CarefulOnly:         # the book without the fast sheet reader: every input sheet as a grid
        def __init__(self, book):
            self._book = book

        def __getattr__(self, name):
            if name == "fast_sheet":
                raise AttributeError(name)
            return getattr(self._book, name)

    book = open_book(path)
    book = OwnedSheetsOnly(CarefulOnly(book) if careful else book, OWNED_SHEETS)
    rss_open = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t, c = time.perf_counter(), _cpu()
    state = pipeline.read_state(book)
    wall, cpu = time.perf_counter() - t, _cpu() - c
    return {"wall": wall, "cpu": cpu, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_open": rss_open, "rows": sum(len(v) for v in state.tables.values())}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("book")
    ap.add_argument("--child", choices=["fast", "careful"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(Path(a.book), a.child == "careful")))
        return 0
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for way in ("careful", "fast"):
            copy = Path(d) / Path(a.book).name
            shutil.copy(a.book, copy)
            run = subprocess.run([sys.executable, __file__, str(copy), "--child", way], capture_output=True, text=True)
            if run.returncode:
                print(run.stderr[-3000:])
                return 1
            out[way] = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"validate on {Path(a.book).name}: {out['fast']['rows']:,} input rows")
    print(f"{'':<10}{'wall s':>9}{'CPU s':>9}{'peak MB':>10}  (of which the opened book)")
    for way in ("careful", "fast"):
        r = out[way]
        print(f"{way:<10}{r['wall']:>9.2f}{r['cpu']:>9.2f}{r['rss']:>10,.0f}  ({r['rss_open']:,.0f} MB)")
    print(f"fast / careful CPU: {out['fast']['cpu'] / out['careful']['cpu']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
