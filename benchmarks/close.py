"""Benchmark: the full headless month-end close on a demo workbook.

    python benchmarks/close.py            # 100,000 open items, 30,000 payments
    python benchmarks/close.py --small    # 5,000 items, 1,500 payments (quick check)
    python benchmarks/close.py --keep /tmp/close.xlsm   # build once, then reuse (a copy is closed)
    python benchmarks/close.py --keep /tmp/close.xlsm --again   # the second close: a copy of the
                                                  # book closed once (kept beside it as FILE.closed.xlsm)

Builds the workbook first (not timed: ``xl-collections demo``'s generator + the template),
then, in a fresh process, opens it, runs every step of the close and saves, printing the
seconds of each step, the total, the CPU time (user + system: robust against other load on
the machine) and the peak memory (RSS) of that process.
Goal (issue 20): under 8 s and under 500 MB.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(path: Path, items: int, payments: int, seed: int) -> None:
    from xl_collections import demo
    from xl_collections.cli.demo import demo_tables
    from xl_collections.workbook.template import build_template

    t = time.perf_counter()
    book = demo.generate(items=items, payments=payments, seed=seed)
    build_template(path, settings=book.settings, inputs=demo_tables(book))
    print(f"built {path.name}: {items:,} open items, {payments:,} payments "
          f"({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s (not timed)", flush=True)


def close(path: Path) -> dict:
    from xl_collections.book import open_book
    from xl_collections.close import pipeline, steps as registry
    from xl_collections.close.pipeline import run_close

    def cpu():      # this process and its finished children (the save's forked worker)
        ru, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime + ch.ru_utime + ch.ru_stime

    # CPU seconds per step (robust against other load, unlike the steps' own wall-clock seconds);
    # reading the inputs counts to validate, as the step's wall-clock time does
    step_cpu: dict[str, float] = {}

    def timed(name, fn):
        def run(*a, **k):
            c = cpu()
            try:
                return fn(*a, **k)
            finally:
                step_cpu[name] = step_cpu.get(name, 0.0) + cpu() - c
        return run
    registry.BY_NAME.update({k: replace(v, run=timed(k, v.run)) for k, v in registry.BY_NAME.items()})
    pipeline.read_state = timed("validate", pipeline.read_state)

    t0, c0 = time.perf_counter(), cpu()
    book = open_book(path)
    report = run_close(book)
    t_steps, c_steps = time.perf_counter(), cpu()
    book.save()
    t_end, c_end = time.perf_counter(), cpu()
    steps = {s.step: round(s.seconds or 0.0, 2) for s in report.steps}
    return {"steps": steps, "save": round(t_end - t_steps, 2), "total": round(t_end - t0, 2),
            "cpu_steps": round(c_steps - c0, 2), "cpu_save": round(c_end - c_steps, 2), "cpu_total": round(c_end - c0, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "peak_rss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "cpu_each": {k: round(v, 2) for k, v in step_cpu.items()},
            "status": {s.step: s.status for s in report.steps},
            "rows": {s.step: s.rows for s in report.steps}}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--items", type=int)
    ap.add_argument("--payments", type=int)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", metavar="FILE", help="build into / reuse FILE (the close runs on a copy)")
    ap.add_argument("--again", action="store_true",
                    help="time the second close: close a copy of the book once (kept as FILE.closed.xlsm, "
                         "not timed), then close a copy of that")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(close(Path(a.child))))
        return 0
    items = a.items or (5_000 if a.small else 100_000)
    payments = a.payments or (1_500 if a.small else 30_000)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench_close.xlsm"
        if a.keep:
            if not Path(a.keep).exists():
                build(Path(a.keep), items, payments, a.seed)
            shutil.copy(a.keep, path)
            print(f"reusing {a.keep}", flush=True)
        else:
            build(path, items, payments, a.seed)
        if a.again:
            once = Path(a.keep).with_suffix(".closed.xlsm") if a.keep else None
            if once is not None and once.exists():
                shutil.copy(once, path)
                print(f"reusing {once} (closed once)", flush=True)
            else:
                out = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True)
                if out.returncode:
                    print(out.stderr[-3000:])
                    return 1
                print("closed once (not timed)", flush=True)
                if once is not None:
                    shutil.copy(path, once)
        out = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-3000:])
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{'step':<12}{'seconds':>9}{'CPU s':>9}  {'rows':>9}  status")
    for s, secs in r["steps"].items():
        rows = r["rows"][s]
        print(f"{s:<12}{secs:>9.2f}{r['cpu_each'].get(s, 0.0):>9.2f}  {rows if rows is not None else '':>9}  "
              f"{r['status'][s]}")
    print(f"{'save':<12}{r['save']:>9.2f}{r['cpu_save']:>9.2f}")
    print(f"{'TOTAL':<12}{r['total']:>9.2f}   (goal < 8 s)")
    print(f"CPU time    {r['cpu_total']:>9.2f}   (steps {r['cpu_steps']:.2f}, save {r['cpu_save']:.2f})")
    print(f"peak memory {r['peak_rss_mb']:,.0f} MB (goal < 500 MB)"
          + (f"; the save's forked worker {r['peak_rss_children_mb']:,.0f} MB" if r.get("peak_rss_children_mb") else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
