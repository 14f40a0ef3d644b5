"""Benchmark: the close's save alone, sequential against two cores (issue 20).

    python benchmarks/save.py BOOK [--repeat 3]

Opens a copy of BOOK (e.g. the ``--keep`` book of ``benchmarks/close.py`` or its
``.closed.xlsm``: the second close), runs the whole close (not timed), then writes the package
alternately the sequential way and on two cores (``book/parallel.py``), ``--repeat`` times
each, printing wall and CPU seconds (this process and the forked worker) side by side, the
save's longest path in CPU seconds (what a quiet 2-core machine waits: the CPU less the shorter
of the two halves after the fork), the worker's peak RSS, and whether both files are byte for
byte the same.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import resource
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu() -> float:
    ru, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime + ch.ru_utime + ch.ru_stime


def own() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def children() -> float:
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ch.ru_utime + ch.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("book")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    from xl_collections.book import headless, open_book, parallel
    from xl_collections.close.pipeline import run_close
    from xl_collections.io.sources import no_gc

    now = dt.datetime(2026, 11, 30, 18, 30)

    class Frozen(dt.datetime):       # the same timestamps in both files
        @classmethod
        def now(cls, tz=None):
            return now.replace(tzinfo=tz) if tz else now
    headless.dt = types.SimpleNamespace(datetime=Frozen, timezone=dt.timezone, timedelta=dt.timedelta)

    # the two halves' CPU: this process's own parts (after the fork) and the worker's; the
    # longest path of the save is its CPU less the shorter half (what a quiet 2-core machine waits)
    halves: list[tuple[float, float]] = []
    collect = parallel.Deflater._collect

    def timed_collect(self, names):
        mine = own() - self._t
        ch0 = children()
        try:
            return collect(self, names)
        finally:
            halves.append((mine, children() - ch0))
    run = parallel.Deflater._run

    def timed_run(self):
        self._t = own()
        return run(self)
    parallel.Deflater._collect, parallel.Deflater._run = timed_collect, timed_run

    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        path = Path(d) / Path(a.book).name
        shutil.copy(a.book, path)
        book = open_book(path)
        t = time.perf_counter()
        run_close(book, now=now, user="bench")
        print(f"closed {path.name} in {time.perf_counter() - t:.1f} s (not timed)", flush=True)
        res: dict[str, list[tuple[float, float]]] = {"sequential": [], "two cores": []}
        digest = {}
        path_cpu: list[float] = []
        for _ in range(a.repeat):
            for mode in res:
                out = Path(d) / f"out-{mode[0]}.xlsm"
                t, c = time.perf_counter(), cpu()
                with open(out, "wb") as f, no_gc():
                    book._write_package(f, out if mode == "two cores" else None)
                res[mode].append((time.perf_counter() - t, cpu() - c))
                if mode == "two cores":
                    path_cpu.append(res[mode][-1][1] - min(halves[-1]))
                digest[mode] = hashlib.sha256(out.read_bytes()).hexdigest()
                out.unlink()
        book.close()
    print(f"{'save':<12}{'wall s (min)':>14}{'CPU s (min)':>13}   all runs (wall/CPU)")
    for mode, runs in res.items():
        print(f"{mode:<12}{min(w for w, _ in runs):>14.2f}{min(c for _, c in runs):>13.2f}   "
              + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in runs))
    print(f"longest path (CPU s): sequential {min(c for _, c in res['sequential']):.2f}, two cores "
          f"{min(path_cpu):.2f}  (halves after the fork, this process / worker: "
          + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in halves) + ")")
    print(f"worker peak RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MB "
          f"(shared pages with this process included); this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print("files identical:", "yes" if len(set(digest.values())) == 1 else "NO")
    print(f"(two cores from {parallel.PARALLEL_FROM:,} cells in the big sheets)")
    return 0 if len(set(digest.values())) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
