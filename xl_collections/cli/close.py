"""``xl-collections close BOOK.xlsm [--as-of DATE] [--steps a,b] [--out OUT.xlsm]``: the
month-end close headless, through the same macros as the workbook's buttons.

Inputs refused -> exit 1 with every problem (sheet, row, column), nothing written.  A book
held by Excel, LibreOffice or another close, a read-only book and a hostile file are refused
before anything is read (exit 1); the program's own lock is held for the whole run, and
temporary files of killed runs are removed.  A step that fails -> exit 3: no result sheet
changes; the workbook is saved with only the Close checklist (the step FAILED and why) and the
Audit Log (the failed run) written (CONTRACT §6).
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import UsageError
from ._common import print_warnings

HELP = "run the month-end close headless on a collections workbook"
EXIT_STEP_FAILED = 3    # a step failed after the inputs were accepted (CONTRACT §4)
OWN_PROGRESS = True    # draws its own progress bar (xl_collections.io.progress)
FILE_OPTIONS = False    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("book", metavar="BOOK.xlsm")
    p.add_argument("--as-of", dest="as_of")
    p.add_argument("--steps", help="comma-separated steps to run (default: all)")
    p.add_argument("--out", help="write the result to OUT.xlsm instead of updating BOOK in place")

def run(args) -> int:
    from ..book import BookError, open_book
    from ..book.ondisk import (BookRefused, RunLock, check_not_held, check_not_renamed, check_replaceable,
                               remove_stale_temps)
    from ..close.steps import OWNED_SHEETS
    from ..close.pipeline import StepFailed, parse_steps, summary_lines
    from ..io.progress import TerminalProgress
    from ..macros import month_end_close

    path = Path(args.book)
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError as e:                       # a path too long, a loop of links
        raise UsageError(f"{args.book}: {e.strerror}") from None
    if is_dir:
        raise UsageError(f"{path} is a folder: expected a workbook file (BOOK.xlsm)")
    if not exists:
        raise UsageError(f"{path}: no such workbook")
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() != path.suffix.lower():
        raise UsageError(f"--out {out}: expected a {path.suffix} file like the workbook")
    try:
        steps = parse_steps(args.steps)
    except ValueError as e:
        raise UsageError(str(e)) from None
    check_not_held(path)
    if out is None:
        check_replaceable(path)
    target = out if out is not None else path        # the file this run writes: locked for the whole run
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    with RunLock(target):
        for p in dict.fromkeys([path, target]):
            remove_stale_temps(p)        # of runs that died (their process is gone)
        try:
            book = open_book(path)
        except BookRefused:
            raise
        except BookError as e:
            raise BookRefused(str(e)) from None
        with book:
            check_not_renamed(book, OWNED_SHEETS)
            try:
                with TerminalProgress(f"Close {path.name}") as progress:     # a bar on a terminal only
                    report = month_end_close(book, as_of=args.as_of, steps=steps, progress=progress)
            except StepFailed as e:
                book.backup_generations = _generations(e.report)
                saved = _save(book, out)
                if e.report is not None:
                    print_warnings(e.report.state.tables)
                print(f"xl-collections close: {e}; no result sheet changed: the Close sheet and the Audit Log of "
                      f"{saved} say so", file=sys.stderr)
                return EXIT_STEP_FAILED
            book.backup_generations = _generations(report)
            saved = _save(book, out)
    print_warnings(report.state.tables)
    print(f"close of {saved.name} as of {report.state.settings.as_of}:")
    for line in summary_lines(report):
        print("  " + line)
    return 0


def _generations(report) -> int:
    """The book's ``BackupGenerations`` setting (3 when it cannot be read)."""
    n = getattr(getattr(getattr(report, "state", None), "settings", None), "backup_generations", 3)
    return n if isinstance(n, int) and n >= 0 else 3


def _save(book, out):
    from ..book import BookError
    from ..book.ondisk import BookRefused
    try:
        return book.save(out)
    except BookRefused:
        raise
    except BookError as e:
        raise UsageError(str(e)) from None
