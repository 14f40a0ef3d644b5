"""``xl-collections close BOOK.xlsm [--as-of DATE] [--steps a,b] [--out OUT.xlsm]``: the
month-end close headless, through the same macros as the workbook's buttons.

Inputs refused -> exit 1 with every problem (sheet, row, column), nothing written.  A step
that fails -> exit 3: no result sheet changes; the workbook is saved with only the Close
checklist (the step FAILED and why) and the Audit Log (the failed run) written (CONTRACT §6).
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError

HELP = "run the month-end close headless on a collections workbook"
EXIT_STEP_FAILED = 3    # a step failed after the inputs were accepted (CONTRACT §4)
FILE_OPTIONS = False    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("book", metavar="BOOK.xlsm")
    p.add_argument("--as-of", dest="as_of")
    p.add_argument("--steps", help="comma-separated steps to run (default: all)")
    p.add_argument("--out", help="write the result to OUT.xlsm instead of updating BOOK in place")

def run(args) -> int:
    from ..book import BookError, open_book
    from ..close import StepFailed, parse_steps, summary_lines
    from ..macros import month_end_close

    path = Path(args.book)
    if not path.exists():
        raise UsageError(f"{path}: no such workbook")
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() != path.suffix.lower():
        raise UsageError(f"--out {out}: expected a {path.suffix} file like the workbook")
    try:
        steps = parse_steps(args.steps)
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:
        book = open_book(path)
    except BookError as e:
        raise UsageError(str(e)) from None
    with book:
        try:
            report = month_end_close(book, as_of=args.as_of, steps=steps)
        except StepFailed as e:
            saved = _save(book, out)
            print(f"xl-collections close: {e}; no result sheet changed: the Close sheet and the Audit Log of "
                  f"{saved} say so", file=sys.stderr)
            return EXIT_STEP_FAILED
        saved = _save(book, out)
    print(f"close of {saved.name} as of {report.state.settings.as_of}:")
    for line in summary_lines(report):
        print("  " + line)
    return 0


def _save(book, out):
    from ..book import BookError
    try:
        return book.save(out)
    except BookError as e:
        raise UsageError(str(e)) from None
