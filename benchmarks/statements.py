"""Benchmark: statements of account for every customer of the demo book (3,000 open items,
100 customers) in PDF, Word and Excel, and the dunning letters of the same book, timed the
way a user waits for them (wall clock) and in CPU (this process plus LibreOffice).

    python benchmarks/statements.py             # the 3,000-item demo
    python benchmarks/statements.py --items 30000
"""
from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from xl_collections.demo import generate
from xl_collections.dunning import history_table, propose, render_statements, statements
from xl_collections.dunning.letters import issue_letters
from xl_collections.dunning.pdf import soffice
from xl_collections.dunning.templates import Templates


def cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=3000)
    args = ap.parse_args()
    book = generate(items=args.items)
    s = book.settings
    print(f"{len(book.open_items):,} open items, {len(book.customers):,} customers; "
          f"PDF by {'LibreOffice' if soffice() else 'fpdf2'}")
    out = Path(tempfile.mkdtemp(prefix="xlc-bench-"))
    try:
        t0, c0 = time.perf_counter(), cpu()
        stmts, errors = statements(book.open_items, book.customers, s, fx_rates=book.fx_rates)
        assert not errors, errors
        files = render_statements(stmts, s, Templates(), out / "statements", ("pdf", "docx", "xlsx"))
        wall, used = time.perf_counter() - t0, cpu() - c0
        n = sum(len(f) for f in files.values())
        print(f"statements: {len(stmts):,} customers, {sum(len(x.items) for x in stmts):,} items, {n:,} files "
              f"in {wall:.1f} s wall, {used:.1f} s CPU")
        t0, c0 = time.perf_counter(), cpu()
        proposal, errors = propose(book.open_items, book.customers, s, activity=book.activity,
                                   history=history_table(book.dunning_history)[0], fx_rates=book.fx_rates)
        assert not errors, errors
        _, history = issue_letters(proposal, s, out / "letters", ("pdf", "docx", "eml"))
        wall, used = time.perf_counter() - t0, cpu() - c0
        print(f"letters: {len(history):,} letters, 3 formats, in {wall:.1f} s wall, {used:.1f} s CPU")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
