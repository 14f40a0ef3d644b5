"""``xl-collections recon``: register <-> sub-ledger <-> GL for one period (CONTRACT §4).

Reads ``--open-items``, ``--register`` and, when given, ``--ledger``, ``--gl`` and ``--fx``
(all through the column map), reconciles ``--period`` and writes ``DIR/breaks.csv``,
``DIR/gl_tieout.csv`` and ``DIR/rollforward.csv``.  Every problem in every input file is
reported at once and nothing is written (exit 1).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputErrors, UsageError
from ..money import format_amount, is_currency


def options(args) -> tuple[str, str, Path]:
    from ..recon import check_period

    currency = str(getattr(args, "currency", None) or "USD").strip().upper()
    if not is_currency(currency):
        raise UsageError(f"--currency {args.currency!r}: expected an ISO 4217 code such as USD")
    period = check_period(args.period)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out}: expected a folder (one CSV per result table)")
    return currency, period, out


def run(args) -> int:
    from ..io.readers import load_table, read_column_map
    from ..io.write import write_tables
    from ..recon import reconcile

    currency, period, out = options(args)
    column_map = read_column_map(args.map) if getattr(args, "map", None) else None
    day_first = bool(getattr(args, "day_first", False))
    errors = []

    def read(path, table):
        if not path:
            return None
        df, errs = load_table(path, table, column_map=column_map, reporting_currency=currency, day_first=day_first)
        errors.extend(errs)
        return df

    tables = {name: read(getattr(args, attr, None), name) for name, attr in (
        ("open_items", "open_items"), ("register", "register"), ("ledger", "ledger"), ("gl", "gl"), ("fx_rates", "fx"))}
    if errors:  # every problem in every file, at once
        raise InputErrors(errors)
    result = reconcile(tables["open_items"], tables["register"], ledger=tables["ledger"], gl=tables["gl"],
                       fx_rates=tables["fx_rates"], period=period, reporting_currency=currency)
    write_tables(result.tables(), out)
    b = result.breaks
    counts = b["break_type"].value_counts()
    print(f"recon {period}: {len(b):,} break{'s' if len(b) != 1 else ''}"
          + (" (" + ", ".join(f"{t} {n}" for t, n in counts.items()) + ")" if len(b) else "") + f" -> {out}")
    tie = result.gl_tieout.iloc[0]
    if tie["unexplained"] is not None and str(tie["unexplained"]) != "<NA>":
        print(f"GL tie-out: difference {currency} {format_amount(int(tie['difference']), currency)}, "
              f"unexplained {format_amount(int(tie['unexplained']), currency)}")
    for note in result.notes:
        print(f"note: {note}")
    return 0
