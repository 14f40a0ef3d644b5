"""``xl-collections demo [--out DIR] [--items N] [--customers N] [--seed S] [--csv-only]``:
generate a demo AR book, write its tables as CSV to ``DIR/data/``, build the collections
workbook ``DIR/collections_demo.xlsm`` (with its ``collections_demo.py`` shim) filled with
them, run the month-end close headless and print what it found."""
from __future__ import annotations

import time
from pathlib import Path

from ..core.errors import UsageError

BOOK_NAME = "collections_demo.xlsm"
DEFAULT_ITEMS = 3000

HELP = "generate a demo AR book, build the workbook and run the month-end close"
OWN_PROGRESS = True    # draws its own progress bar (xl_collections.io.progress)
FILE_OPTIONS = False    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--out", default="demo_out", help="output folder (default: demo_out)")
    p.add_argument("--customers", type=int, default=None, help="number of customers")
    p.add_argument("--items", type=int, default=None, help="number of open items")
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same book)")
    p.add_argument("--csv-only", action="store_true", help="write the generated tables as CSV only")

def demo_tables(book) -> dict:
    """Canonical tables of a generated DemoBook that have an input sheet, by table name."""
    from ..core.schema import BOOK_TABLES, WORKFLOW_TABLES
    return {k: v for k, v in book.tables.items() if (k in BOOK_TABLES or k in WORKFLOW_TABLES) and v is not None}


def build_demo_book(out_dir: Path, *, items: int | None = None, customers: int | None = None, seed: int = 7,
                    csv_only: bool = False):
    """Generate, write CSVs and (unless ``csv_only``) the filled workbook; returns (demo, book path)."""
    from .. import demo as demo_mod
    from ..book import open_book
    from ..dunning.sheets import history_output
    from ..workbook.template import build_template, shim_text

    kw = {"seed": seed, "items": items or DEFAULT_ITEMS}
    if customers:
        kw["customers"] = customers
    demo = demo_mod.generate(**kw)
    data = out_dir / "data"
    demo_mod.write_csv(demo, data)
    if csv_only:
        return demo, None
    path = out_dir / BOOK_NAME
    for p in (path, path.with_suffix(".py")):
        if p.exists():
            p.unlink()
    build_template(path, settings=demo.settings, inputs=demo_tables(demo))
    path.with_suffix(".py").write_text(shim_text(path.stem), encoding="utf-8")
    if demo.dunning_history is not None:          # letters sent before the demo's month-end (a program sheet)
        with open_book(path) as book:
            book.write_sheet(history_output(demo.dunning_history, demo.settings.reporting_currency))
            book.backup_generations = 0
            book.save()
    return demo, path


def summary(report) -> list[str]:
    """The demo's closing lines: aging totals, cash applied and auto-match rate, breaks, commentary."""
    from ..core.money import money_text
    st = report.state
    cur = st.settings.reporting_currency
    lines = []
    aging = st.results.get("aging")
    if aging is not None:
        tot = aging.total
        buckets = "  ".join(f"{b} {money_text(int(tot[b]), cur)}" for b in aging.labels)
        lines.append(f"Aging as of {aging.as_of}: total open {money_text(int(tot['total_open']), cur)}, "
                     f"past due {money_text(int(tot['past_due']), cur)}")
        lines.append(f"  {buckets}")
    cash = st.results.get("cash_summary")
    if cash:
        lines.append(f"Cash applied: {money_text(cash['applied'], cur)} from {cash['auto_payments']:,} of "
                     f"{cash['payments']:,} payments (auto-match rate {cash['auto_rate']:.1%}); "
                     f"{cash['review']:,} proposals to review, {cash['unapplied']:,} unapplied, {cash['exceptions']:,} exceptions")
    recon = st.results.get("recon")
    if recon is not None:
        lines.append(f"Reconciliation: {len(recon.breaks):,} breaks found")
    allowance = st.results.get("allowance")
    if allowance is not None:
        t = allowance.totals
        lines.append(f"Allowance: closing {money_text(t['closing'], cur)} (collective {money_text(t['collective'], cur)}, "
                     f"specific {money_text(t['specific'], cur)}), charge {money_text(t['charge'], cur)}; "
                     f"{t['proposals']:,} write-off proposals")
    com = st.steps.get("commentary")
    if com is not None:
        lines.append(f"Commentary: {com.rows or 0:,} rows" if com.status == "done" else f"Commentary: {com.status}")
    return lines


def run(args) -> int:
    from ..book import open_book
    from ..close.pipeline import summary_lines
    from ..io.progress import TerminalProgress
    from ..macros import month_end_close

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: expected a folder")
    for opt in ("items", "customers"):
        v = getattr(args, opt, None)
        if v is not None and v < 1:
            raise UsageError(f"--{opt} {v}: expected a positive number")
    t0 = time.perf_counter()
    demo, path = build_demo_book(out, items=args.items, customers=args.customers, seed=args.seed,
                                 csv_only=args.csv_only)
    print(f"demo data: {out / 'data'} (CSV, one file per table)")
    if path is None:
        return 0
    print(f"workbook:  {path} (and {path.with_suffix('.py').name} beside it for the buttons)")
    with open_book(path) as book:
        with TerminalProgress("Close of the demo") as progress:     # a bar on a terminal only
            report = month_end_close(book, progress=progress)
        book.backup_generations = 0              # the unclosed copy we just built: not worth keeping
        book.open_at = "Dashboard"               # the demo opens on what a manager reads first
        book.save()
    for line in summary_lines(report):
        print("  " + line)
    for line in summary(report):
        print(line)
    print(f"done in {time.perf_counter() - t0:.1f} s — open {path} in Excel: it opens on the Dashboard; the Close sheet "
          f"holds the finished close")
    return 0
