"""``xl-collections``: the headless front end (CONTRACT §4).

Each subcommand's work lives in ``xl_collections.commands.<name>.run(args) -> int``.
Exit status: 0 done, 1 the inputs were refused (the report names file, sheet, row and
column, and nothing was written), 2 usage error.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import InputErrors, UsageError

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


# the subcommands in the order ``--help`` lists them; each is ``xl_collections.commands.<name>``
# with HELP, FILE_OPTIONS, add_arguments(parser) and run(args) -> int
COMMANDS = ("demo", "close", "aging", "cashapp", "recon", "statement-recon", "new-book", "worklist", "credit",
            "allowance", "dunning", "statement")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xl-collections", description="Credit & collections workbench: aging, cash application, reconciliation, month-end close.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    # options every file command takes the same way
    files = argparse.ArgumentParser(add_help=False)
    files.add_argument("--currency", default="USD", help="reporting currency (default USD)")
    files.add_argument("--map", metavar="FILE", help="column map (table, source_column, canonical_column)")
    files.add_argument("--day-first", action="store_true", help="read slashed text dates as day-first")
    for name in COMMANDS:
        module = command_module(name)
        module.add_arguments(sub.add_parser(name, help=module.HELP, parents=[files] if module.FILE_OPTIONS else []))
    return p


def command_module(name: str):
    """The module behind a subcommand."""
    return importlib.import_module(f"xl_collections.commands.{name.replace('-', '_')}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    module = command_module(args.command)
    try:
        return int(module.run(args) or 0)
    except InputErrors as e:
        print(e.render(), file=sys.stderr)
        return EXIT_INPUT
    except UsageError as e:
        print(f"xl-collections {args.command}: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
