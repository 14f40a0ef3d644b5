"""``xl-collections recon``: register <-> sub-ledger <-> GL for one period (CONTRACT §4).

Reads ``--open-items``, ``--register`` and, when given, ``--ledger``, ``--gl`` and ``--fx``
(all through the column map), reconciles ``--period`` and writes ``DIR/breaks.csv``,
``DIR/gl_tieout.csv`` and ``DIR/rollforward.csv``.  Every problem in every input file is
reported at once and nothing is written (exit 1).
"""
from __future__ import annotations

import pandas as pd

from ..core.money import format_amount
from ._common import out_dir, read_inputs, reporting_currency

HELP = "reconcile the invoice register, the AR sub-ledger and the GL"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--register", required=True, metavar="FILE")
    p.add_argument("--ledger", metavar="FILE")
    p.add_argument("--gl", metavar="FILE")
    p.add_argument("--fx", metavar="FILE")
    p.add_argument("--period", required=True, metavar="YYYY-MM")
    p.add_argument("--out", required=True, metavar="DIR")

def run(args) -> int:
    from ..io.write import write_tables
    from ..recon import check_period, reconcile

    currency = reporting_currency(args)
    period = check_period(args.period)
    out = out_dir(args)
    tables = read_inputs(args, currency, {"open_items": args.open_items, "register": args.register,
                                          "ledger": args.ledger, "gl": args.gl, "fx_rates": args.fx})
    result = reconcile(tables["open_items"], tables["register"], ledger=tables["ledger"], gl=tables["gl"],
                       fx_rates=tables["fx_rates"], period=period, reporting_currency=currency)
    write_tables(result.tables(), out)
    b = result.breaks
    counts = b["break_type"].value_counts()
    print(f"recon {period}: {len(b):,} break{'s' if len(b) != 1 else ''}"
          + (" (" + ", ".join(f"{t} {n}" for t, n in counts.items()) + ")" if len(b) else "") + f" -> {out}")
    tie = result.gl_tieout.iloc[0]
    if pd.notna(tie["unexplained"]):
        print(f"GL tie-out: difference {currency} {format_amount(int(tie['difference']), currency)}, "
              f"unexplained {format_amount(int(tie['unexplained']), currency)}")
    for note in result.notes:
        print(f"note: {note}")
    return 0
