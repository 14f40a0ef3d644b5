"""``xl-collections credit``: exposure, credit score and order decisions (CONTRACT §4, §6).

Reads ``--customers`` and ``--open-items`` and, when given, ``--orders``, ``--financials``,
``--credit-reports``, ``--cleared`` (payment history), ``--fx`` and ``--returns`` (a
``returns.csv`` of the cash application: ``CreditHoldReturnedItems`` returns within twelve
months hold the customer's orders), with the settings of ``--settings FILE`` (``CreditFlexPct``,
``CreditGraceDays``, ``CreditHoldDaysPastDue``, ``CreditHoldMinPastDue``,
``CreditHoldReturnedItems``).  Writes ``DIR/credit_review.csv`` and ``DIR/order_decisions.csv``
(amounts in the reporting currency).  Every problem of every input is reported at once and
nothing is written (exit 1).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..credit import assess_credit
from ..core.errors import InputError, InputErrors
from ..io.sources import read_csv_frame
from ..io.write import write_tables
from ._common import command_settings, as_of_date, out_dir, read_inputs, reporting_currency

HELP = "credit review: exposure, score and class, RELEASE / FLEX / HOLD per open order"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--customers", required=True, metavar="FILE")
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--orders", metavar="FILE")
    p.add_argument("--financials", metavar="FILE")
    p.add_argument("--credit-reports", metavar="FILE")
    p.add_argument("--cleared", metavar="FILE", help="payment history (cleared items)")
    p.add_argument("--returns", metavar="FILE", help="returns.csv of the cash application")
    p.add_argument("--fx", metavar="FILE")
    p.add_argument("--settings", metavar="FILE", help="CSV of name,value (CreditFlexPct, CreditGraceDays, ...)")
    p.add_argument("--as-of", required=True, dest="as_of", metavar="DATE")
    p.add_argument("--out", required=True, metavar="DIR")


def read_returns(path: str | None) -> tuple[pd.DataFrame | None, list[InputError]]:
    """A ``returns.csv`` as text columns (None when not given)."""
    if not path:
        return None, []
    if not Path(path).is_file():
        return None, [InputError("the returns file cannot be read", "returns", Path(path).name, "", None, "", "",
                                 "a returns.csv of the cash application (file not found)")]
    try:
        df = read_csv_frame(path)        # the program's own apostrophe (CONTRACT §6) dropped
    except InputErrors as e:
        return None, e.errors
    df.columns = [str(c).strip().lower() for c in df.columns]
    df.attrs["source"] = {"file": Path(path).name, "sheet": ""}
    return df, []


def run(args) -> int:
    currency = reporting_currency(args)
    day_first = bool(getattr(args, "day_first", False))
    as_of = as_of_date(args, day_first=day_first)
    out = out_dir(args)
    settings, problems = command_settings(args, currency, as_of=as_of)
    settings = settings.with_(as_of=as_of, reporting_currency=currency)
    returns, more = read_returns(args.returns)
    tables = read_inputs(args, currency, {
        "customers": args.customers, "open_items": args.open_items, "orders": args.orders,
        "financials": args.financials, "credit_reports": args.credit_reports, "cleared_items": args.cleared,
        "fx_rates": args.fx}, extra_errors=problems + more, settings=settings)
    result, errors = assess_credit(tables, settings, as_of, returns=returns)
    if errors:
        raise InputErrors(errors)
    write_tables(result.tables(), out)
    rv, d = result.review, result.decisions
    counts = d["decision"].value_counts()
    print(f"credit review of {len(rv):,} customers at {as_of.isoformat()}: "
          + ", ".join(f"class {k} {int((rv['risk_class'] == k).sum()):,}" for k in "ABCDE")
          + f"; {len(d):,} open orders: "
          + ", ".join(f"{k} {int(counts.get(k, 0)):,}" for k in ("RELEASE", "FLEX", "HOLD"))
          + f" -> {out}")
    for note in result.notes:
        print(f"note: {note}")
    return 0
