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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xl-collections", description="Credit & collections workbench: aging, cash application, reconciliation, month-end close.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    # options every file command takes the same way
    files = argparse.ArgumentParser(add_help=False)
    files.add_argument("--currency", default="USD", help="reporting currency (default USD)")
    files.add_argument("--map", metavar="FILE", help="column map (table, source_column, canonical_column)")
    files.add_argument("--day-first", action="store_true", help="read slashed text dates as day-first")

    d = sub.add_parser("demo", help="generate a demo AR book, build the workbook and run the month-end close")
    d.add_argument("--out", default="demo_out", help="output folder (default: demo_out)")
    d.add_argument("--customers", type=int, default=None, help="number of customers")
    d.add_argument("--items", type=int, default=None, help="number of open items")
    d.add_argument("--seed", type=int, default=7, help="random seed (same seed, same book)")
    d.add_argument("--csv-only", action="store_true", help="write the generated tables as CSV only")

    c = sub.add_parser("close", help="run the month-end close headless on a collections workbook")
    c.add_argument("book", metavar="BOOK.xlsm")
    c.add_argument("--as-of", dest="as_of")
    c.add_argument("--steps", help="comma-separated steps to run (default: all)")
    c.add_argument("--out", help="write the result to OUT.xlsm instead of updating BOOK in place")

    a = sub.add_parser("aging", help="age open items into buckets", parents=[files])
    a.add_argument("--open-items", required=True, metavar="FILE")
    a.add_argument("--customers", metavar="FILE")
    a.add_argument("--fx", metavar="FILE")
    a.add_argument("--as-of", required=True, dest="as_of", metavar="DATE")
    a.add_argument("--buckets", default="0,30,60,90,120")
    a.add_argument("--basis", choices=("due", "document"), default="due")
    a.add_argument("--by", choices=("customer_id", "region", "collector", "currency", "parent_id"), default="customer_id")
    a.add_argument("--out", required=True, metavar="FILE")

    k = sub.add_parser("cashapp", help="apply payments to open items", parents=[files])
    k.add_argument("--open-items", required=True, metavar="FILE")
    k.add_argument("--payments", required=True, metavar="FILE", help="CSV/Excel or a bank file (BAI2, camt.053/054, MT940)")
    k.add_argument("--customers", metavar="FILE")
    k.add_argument("--remittance", metavar="FILE")
    k.add_argument("--prior", metavar="FILE", help="applications of earlier runs (never applied again)")
    k.add_argument("--fx", metavar="FILE", help="FX rates: payments in another currency than their invoices are proposed, converted")
    k.add_argument("--out", required=True, metavar="DIR")

    r = sub.add_parser("recon", help="reconcile the invoice register, the AR sub-ledger and the GL", parents=[files])
    r.add_argument("--open-items", required=True, metavar="FILE")
    r.add_argument("--register", required=True, metavar="FILE")
    r.add_argument("--ledger", metavar="FILE")
    r.add_argument("--gl", metavar="FILE")
    r.add_argument("--fx", metavar="FILE")
    r.add_argument("--period", required=True, metavar="YYYY-MM")
    r.add_argument("--out", required=True, metavar="DIR")

    s = sub.add_parser("statement-recon", help="reconcile a customer's statement of account against our open items", parents=[files])
    s.add_argument("--open-items", required=True, metavar="FILE")
    s.add_argument("--statement", required=True, metavar="FILE")
    s.add_argument("--customer", required=True, metavar="ID")
    s.add_argument("--out", required=True, metavar="DIR")

    n = sub.add_parser("new-book", help="write an empty collections workbook from the template")
    n.add_argument("--out", required=True, metavar="BOOK.xlsm")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    module_name = args.command.replace("-", "_")
    try:
        module = importlib.import_module(f"xl_collections.commands.{module_name}")
    except ModuleNotFoundError as e:
        if e.name == f"xl_collections.commands.{module_name}":
            print(f"xl-collections {args.command}: not available yet", file=sys.stderr)
            return EXIT_USAGE
        raise
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
