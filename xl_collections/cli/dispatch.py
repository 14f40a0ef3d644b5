"""``xl-collections``: the headless front end (CONTRACT §4).

Each subcommand's work lives in ``xl_collections.cli.<name>.run(args) -> int``.
Exit status (CONTRACT §4): 0 done, 1 the inputs were refused (the report names file, sheet,
row and column, and nothing was written; also a locked, read-only or hostile workbook),
2 usage error, 3 a step or the environment failed after the inputs were accepted (a full
disk; any unexpected error: one sentence, the traceback in a log file it names), 130 Ctrl-C.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import importlib
import os
import sys
import tempfile
import traceback
from pathlib import Path

from .. import __version__
from ..core import csv_arrow
from ..core.errors import InputErrors, Refused, UsageError

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


# the subcommands in the order ``--help`` lists them; each is ``xl_collections.cli.<name>``
# with HELP, FILE_OPTIONS, add_arguments(parser) and run(args) -> int (OWN_PROGRESS: it draws its own bar)
COMMANDS = ("demo", "close", "aging", "cashapp", "recon", "statement-recon", "new-book", "worklist", "credit",
            "allowance", "dunning", "statement", "claim", "report")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of ``only`` (one command's run imports just its own
    module: the start-up of ``xl-collections aging`` is not spent on the close's)."""
    p = argparse.ArgumentParser(prog="xl-collections", description="Credit & collections workbench: aging, cash application, reconciliation, month-end close.")
    p.add_argument("--version", action="version", version=f"xl-collections {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    # options every file command takes the same way
    files = argparse.ArgumentParser(add_help=False)
    files.add_argument("--currency", default="USD", help="reporting currency (default USD)")
    files.add_argument("--map", metavar="FILE", help="column map (table, source_column, canonical_column)")
    files.add_argument("--day-first", action="store_true", help="read slashed text dates as day-first")
    files.add_argument("--encoding", metavar="NAME", help="encoding of the CSV inputs (default: detected)")
    files.add_argument("--decimal-comma", action="store_true", help="CSV amounts use a decimal comma (default: detected)")
    for name in COMMANDS if only is None else (only,):
        module = command_module(name)
        module.add_arguments(sub.add_parser(name, help=module.HELP, parents=[files] if module.FILE_OPTIONS else []))
    return p


def command_module(name: str):
    """The module behind a subcommand."""
    return importlib.import_module(f"xl_collections.cli.{name.replace('-', '_')}")


def _prefetch(argv: list[str]) -> None:
    """``xl-collections aging --open-items FILE.csv``: start pyarrow's parse of the file before
    pandas is imported (:mod:`~xl_collections.core.csv_arrow`; the reader uses it only when it
    would have parsed the same way)."""
    if argv[:1] != ["aging"] or any(a.startswith("--encoding") for a in argv):
        return
    for i, a in enumerate(argv):
        path = argv[i + 1] if a == "--open-items" and i + 1 < len(argv) else \
            a.partition("=")[2] if a.startswith("--open-items=") else None
        if path and path.lower().endswith(".csv"):
            csv_arrow.prefetch(path)
            return


def main(argv: list[str] | None = None) -> int:
    args_given = sys.argv[1:] if argv is None else list(argv)
    _prefetch(args_given)
    # imported after the prefetch has started: the io package imports pandas
    from ..io.progress import TerminalProgress

    first = args_given[:1]
    parser = build_parser(first[0] if first and first[0] in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    module = command_module(args.command)
    name = f"xl-collections {args.command}"
    # a 'working…' line on a terminal once a command runs past 2 s (close and demo draw their own bar)
    shown = contextlib.nullcontext() if getattr(module, "OWN_PROGRESS", False) else TerminalProgress(name)
    try:
        with shown:
            return int(module.run(args) or 0)
    except InputErrors as e:
        print(e.render(), file=sys.stderr)
        return EXIT_INPUT
    except Refused as e:
        print(f"{name}: {e}", file=sys.stderr)
        return EXIT_INPUT
    except UsageError as e:
        print(f"{name}: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{name}: interrupted (Ctrl-C); the workbook and result files are as they were", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as e:
        if e.errno in DISK_FULL:
            where = f" writing {e.filename}" if e.filename else ""
            print(f"{name}: the disk is full{where} ({e.strerror}); the workbook and result files are as they "
                  f"were — free some space and run again", file=sys.stderr)
            return EXIT_FAILED
        return _crashed(name, e)
    except Exception as e:  # noqa: BLE001 - the last line of defence: one sentence, the traceback in a log
        return _crashed(name, e)


def crash_log_dir() -> Path:
    """Where tracebacks of unexpected errors go (``XL_COLLECTIONS_LOG_DIR``, else the temp folder)."""
    return Path(os.environ.get("XL_COLLECTIONS_LOG_DIR") or tempfile.gettempdir())


def _crashed(name: str, e: BaseException) -> int:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    log = crash_log_dir() / f"xl-collections-{stamp}-{os.getpid()}.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(traceback.format_exception(e)), encoding="utf-8")
        where = f"the details are in {log}"
    except OSError:
        where = "the details could not be written to a log file"
    what = " ".join(str(e).split())[:200]
    print(f"{name}: failed unexpectedly ({type(e).__name__}: {what}); {where} — please report it", file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
