"""What the credit step adds to the 100k-item close (issue 15: "< 2 s").

    python benchmarks/credit.py                  # 100k items + 30k payments (builds the book: ~1 min, not timed)
    python benchmarks/credit.py --small          # 5k items, a smoke run
    python benchmarks/credit.py --keep /tmp/b.xlsm   # build once, reuse

Two closes of the same book, each in a fresh process on its own copy, every step a user may run
and the save: once with the ``credit`` step, once without it.  The difference of the two
closes' CPU seconds is what the credit step costs the close, whatever else runs on the machine
(its own step time, writing the ``Credit Review`` and ``Order Decisions`` sheets, and what it
makes the later steps read).  The credit step's own CPU seconds are printed beside it.  Each
close runs ``--repeat`` times (best of); read the CPU figures on a busy machine.
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
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from close import build  # noqa: E402  (benchmarks/close.py: the same 100k book)


def cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def close(path: Path, with_credit: bool) -> dict:
    from xl_collections.book import open_book
    from xl_collections.close import steps as registry
    from xl_collections.close.pipeline import run_close

    step_cpu: dict[str, float] = {}

    def timed(name, run):
        def run_timed(state):
            c = cpu()
            try:
                return run(state)
            finally:
                step_cpu[name] = round(cpu() - c, 2)
        return run_timed

    for name, step in list(registry.BY_NAME.items()):
        registry.BY_NAME[name] = replace(step, run=timed(name, step.run))
    wanted = [s.name for s in registry.CLOSE_STEPS if s.user_run and (with_credit or s.name != "credit")]
    t0, c0 = time.perf_counter(), cpu()
    book = open_book(path)
    report = run_close(book, steps=wanted)
    book.save()
    failed = [s.step for s in report.steps if s.status == "FAILED"]
    return {"wall": round(time.perf_counter() - t0, 2), "cpu": round(cpu() - c0, 2), "steps": step_cpu,
            "failed": failed, "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def run_child(book: Path, with_credit: bool) -> dict:
    with tempfile.TemporaryDirectory() as d:
        copy = Path(d) / book.name
        shutil.copy(book, copy)
        out = subprocess.run([sys.executable, __file__, "--child", str(copy), "--with-credit", str(int(with_credit))],
                             capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--keep", metavar="FILE", help="build into / reuse FILE")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--with-credit", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(close(Path(a.child), bool(a.with_credit))))
        return 0
    items, payments = (5_000, 1_500) if a.small else (100_000, 30_000)
    with tempfile.TemporaryDirectory() as d:
        book = Path(a.keep) if a.keep else Path(d) / "bench_credit.xlsm"
        if not book.exists():
            build(book, items, payments, a.seed)
        runs = {flag: [run_child(book, flag) for _ in range(a.repeat)] for flag in (True, False)}
    best = {flag: min(rs, key=lambda r: r["cpu"]) for flag, rs in runs.items()}
    for flag, r in best.items():
        if r["failed"]:
            raise SystemExit(f"steps failed ({'with' if flag else 'without'} credit): {r['failed']}")
    w, wo = best[True], best[False]
    print(f"close of {items:,} items + {payments:,} payments, best of {a.repeat}")
    print(f"{'':<26}{'wall s':>9}{'CPU s':>9}{'peak MB':>9}")
    print(f"{'with the credit step':<26}{w['wall']:>9.2f}{w['cpu']:>9.2f}{w['peak_mb']:>9,}")
    print(f"{'without it':<26}{wo['wall']:>9.2f}{wo['cpu']:>9.2f}{wo['peak_mb']:>9,}")
    print(f"{'the credit step adds':<26}{w['wall'] - wo['wall']:>9.2f}{w['cpu'] - wo['cpu']:>9.2f}"
          f"   (goal < 2 s; its own step: {w['steps'].get('credit', 0):.2f} s CPU)")
    print("CPU s per step (with credit):", ", ".join(f"{k} {v:.2f}" for k, v in w["steps"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
