"""``xl-collections statement-recon``: a customer's statement of account against our open items.

Reads ``--open-items`` and ``--statement`` (CSV/Excel, through the column map; the
statement's columns: ``document_no, document_date, amount`` signed from our point of view,
or ``debit``/``credit``, ``reference, type, currency``) and writes ``DIR/matched.csv``,
``DIR/amount_differences.csv``, ``DIR/only_ours.csv``, ``DIR/only_theirs.csv`` and
``DIR/balance.csv``.
"""
from __future__ import annotations

from ..core.errors import InputErrors, UsageError
from ..core.money import format_amount
from ._common import out_dir, reporting_currency

HELP = "reconcile a customer's statement of account against our open items"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--statement", required=True, metavar="FILE")
    p.add_argument("--customer", required=True, metavar="ID")
    p.add_argument("--out", required=True, metavar="DIR")

def run(args) -> int:
    from ..io.readers import load_table, read_column_map
    from ..io.write import write_tables
    from ..recon import reconcile_statement
    from ..recon.statement import read_statement

    currency = reporting_currency(args)
    if not str(args.customer or "").strip():
        raise UsageError("--customer is blank: expected a customer_id")
    out = out_dir(args)
    column_map = read_column_map(args.map) if getattr(args, "map", None) else None
    day_first = bool(getattr(args, "day_first", False))
    errors = []
    open_items, errs = load_table(args.open_items, "open_items", column_map=column_map, reporting_currency=currency,
                                  day_first=day_first)
    errors += errs
    statement = None
    try:
        statement = read_statement(args.statement, column_map=column_map, reporting_currency=currency, day_first=day_first)
    except InputErrors as e:
        errors += e.errors
    if errors:
        raise InputErrors(errors)
    result = reconcile_statement(open_items, statement, args.customer, reporting_currency=currency)
    write_tables(result.tables(), out)
    print(f"statement of {args.customer}: {len(result.matched)} matched, {len(result.differences)} amount differences, "
          f"{len(result.only_ours)} only on ours, {len(result.only_theirs)} only on theirs -> {out}")
    bal = result.balance
    for cur in bal["currency"].unique():
        d = int(bal.loc[(bal["currency"] == cur) & (bal["line"] == "difference (theirs - ours)"), "amount"].iloc[0])
        print(f"  {cur}: balance difference {format_amount(d, cur)}, fully explained by the lines above")
    for note in result.notes:
        print(f"note: {note}")
    return 0
