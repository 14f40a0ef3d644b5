"""``xl-collections aging``: age an open-item file and write the summary (CONTRACT §4).

Reads ``--open-items`` (and ``--customers``, ``--fx``) with the readers, ages at ``--as-of``
and writes ``--out`` (``.csv`` or ``.xlsx``) with exactly the contract's columns:
``<by>, customer_name, currency, total_open, not_due, <buckets>, past_due`` and a final
``TOTAL`` row, amounts in the reporting currency with its minor unit (two decimals for USD).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..ar.aging import age, contract_columns
from ..ar.aging_outofcore import SHEET_ROWS, age_source, beyond_a_sheet
from ..core.errors import InputErrors, UsageError
from ..core.money import format_amount
from ..core.settings import parse_buckets
from ..io.outdir import check_out
from ._common import as_of_date, read_inputs, read_options, reporting_currency

HELP = "age open items into buckets"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--customers", metavar="FILE")
    p.add_argument("--fx", metavar="FILE")
    p.add_argument("--as-of", required=True, dest="as_of", metavar="DATE")
    p.add_argument("--buckets", default="0,30,60,90,120")
    p.add_argument("--basis", choices=("due", "document"), default="due")
    p.add_argument("--by", choices=("customer_id", "region", "collector", "currency", "parent_id"), default="customer_id")
    p.add_argument("--out", required=True, metavar="FILE")

def _options(args):
    as_of = as_of_date(args)
    try:
        edges = parse_buckets(args.buckets)
    except ValueError as e:
        raise UsageError(f"--buckets {e}") from None
    currency = reporting_currency(args)
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(f"--out {args.out}: expected a .csv or .xlsx file")
    check_out(args, out, folder=False)
    return as_of, edges, currency, out


def _streamed(args) -> bool:
    """Whether ``--open-items`` is a Parquet file or DuckDB table longer than a sheet (aged out of
    core); a file that cannot be opened is left to the reader, which names the problem."""
    try:
        return beyond_a_sheet(args.open_items)
    except InputErrors:
        return False


def run(args) -> int:
    from ..io.write import write_table

    as_of, edges, currency, out = _options(args)
    streamed = _streamed(args)
    t = read_inputs(args, currency, {"open_items": None if streamed else args.open_items,
                                     "customers": args.customers, "fx_rates": args.fx},
                    arrow_text=("open_items",))      # only aged: no Python string per cell
    open_items, customers, fx = t["open_items"], t["customers"], t["fx_rates"]
    if streamed:         # beyond a sheet: aged batch by batch, the same table to the cent
        res = age_source(args.open_items, as_of, customers=customers, fx_rates=fx, buckets=edges, basis=args.basis,
                         by=args.by, reporting_currency=currency, **read_options(args))
        summary, aged = res.summary, res.items
    else:
        result = age(open_items, as_of, customers=customers, fx_rates=fx, buckets=edges,
                     basis=args.basis, by=args.by, reporting_currency=currency, detail=False)
        # the items aged: those with a non-zero open amount (the detail's rows, not built here)
        summary, aged = result.summary, int(np.count_nonzero(open_items["open_amount"].to_numpy(dtype="int64")))
    cols = contract_columns(summary)
    table = summary[cols].copy()
    table.attrs = {**summary.attrs, "money": [c for c in summary.attrs["money"] if c in cols]}
    if out.suffix.lower() == ".xlsx" and len(table) + 1 > SHEET_ROWS:
        raise UsageError(f"--out {args.out}: the aging has {len(table):,} rows, more than a sheet holds "
                         f"({SHEET_ROWS:,} rows with the header): write it to a .csv file instead")
    write_table(table, out, sheet="Aging")
    n = len(table) - 1
    print(f"aged {aged:,} open items of {n:,} {args.by} group{'s' if n != 1 else ''} "
          f"at {as_of.isoformat()}: past due {currency} {format_amount(int(table['past_due'].iloc[-1]), currency)} -> {out}")
    return 0
