"""``xl-collections allowance``: the allowance for doubtful accounts and write-off proposals
(CONTRACT §4, rules in §6 "Allowance").

Reads ``--open-items`` and ``--history`` (the ``aging_history`` of earlier month-ends; this
month's rows come from the open items), optionally ``--write-offs``, ``--customers``,
``--activity``, ``--fx`` and ``--settings``, and writes ``DIR/loss_rates.csv``,
``specific_reserves.csv``, ``movement.csv``, ``journal.csv``, ``writeoff_proposals.csv`` and
``aging_history.csv`` (the history with this month added: next month's ``--history``).  With
``--proposals FILE`` (a ``writeoff_proposals.csv`` whose ``approve`` column the user filled)
the approved rows go to ``DIR/writeoff_postings.csv``.  ``--opening`` is the allowance at the
start of the period (default ``AllowanceOpening``, else 0).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..allowance import compute_allowance
from ..core.errors import InputError, InputErrors
from ..io.sources import read_csv_frame
from ..core.money import money_text
from ._common import command_settings, as_of_date, option_amount, out_dir, read_inputs, reporting_currency

HELP = "allowance for doubtful accounts (roll rates, reserves, journal) and write-off proposals"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--history", required=True, metavar="FILE", help="aging history of earlier month-ends")
    p.add_argument("--write-offs", metavar="FILE", help="write-offs (positive) and recoveries (negative) by period")
    p.add_argument("--customers", metavar="FILE")
    p.add_argument("--activity", metavar="FILE", help="collections log: pending promises hold back proposals")
    p.add_argument("--fx", metavar="FILE")
    p.add_argument("--proposals", metavar="FILE", help="writeoff_proposals.csv with your 'approve' column filled")
    p.add_argument("--settings", metavar="FILE", help="name,value CSV of Settings cells (AllowanceLookbackMonths …)")
    p.add_argument("--opening", metavar="AMOUNT", help="allowance at the start of the period")
    p.add_argument("--as-of", required=True, dest="as_of", metavar="DATE")
    p.add_argument("--out", required=True, metavar="DIR")


def _approvals(path: str | None) -> tuple[pd.DataFrame | None, list[InputError]]:
    """The user's proposals file (CSV or Excel) as text; it needs ``document_no`` and ``approve``."""
    if not path:
        return None, []
    p = Path(path)
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm", ".xlsb"):
            df = pd.read_excel(p, dtype=object, engine="calamine")
        else:
            df = read_csv_frame(p)           # the program's own apostrophe (CONTRACT §6) dropped
    except InputErrors as e:
        return None, e.errors
    except (OSError, ValueError, UnicodeDecodeError) as e:
        return None, [InputError("the proposals file cannot be read", "writeoff_proposals", p.name, "", None, "", "",
                                 f"a writeoff_proposals.csv with an approve column ({e.__class__.__name__})")]
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ("document_no", "approve") if c not in df.columns]
    if missing:
        return None, [InputError(f"column {missing[0]!r} is missing", "writeoff_proposals", p.name, "", 1, missing[0],
                                 "", "the columns of writeoff_proposals.csv and an 'approve' column")]
    df["document_no"] = df["document_no"].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return df, []


def run(args) -> int:
    from ..io.outdir import staged_folder
    from ..io.write import write_table, write_tables

    currency = reporting_currency(args)
    as_of = as_of_date(args)
    opening = option_amount("--opening", args.opening, currency)
    out = out_dir(args)
    settings, errors = command_settings(args, currency)
    approvals, errs = _approvals(getattr(args, "proposals", None))
    errors += errs
    tables = read_inputs(args, currency, {"open_items": args.open_items, "aging_history": args.history,
                                          "write_offs": args.write_offs, "customers": args.customers,
                                          "activity": args.activity, "fx_rates": args.fx}, extra_errors=errors, settings=settings)
    settings = settings.with_(as_of=as_of)
    result, errors = compute_allowance({k: v for k, v in tables.items() if v is not None}, settings, as_of,
                                       opening=opening, approvals=approvals)
    if errors:
        raise InputErrors(errors)
    with staged_folder(out) as stage:      # the tables and the history swapped in together
        write_tables(result.tables(), out)
        write_table(result.history, stage / "aging_history.csv")
    t = result.totals
    m = lambda v: money_text(v, currency, code="before")  # noqa: E731
    print(f"allowance {result.period}: closing {m(t['closing'])} (collective {m(t['collective'])}, specific "
          f"{m(t['specific'])}); charge {m(t['charge'])}; {t['proposals']:,} write-off proposal"
          f"{'s' if t['proposals'] != 1 else ''}" + (f", {t['approved']:,} approved" if t["approved"] else "")
          + f" -> {out}")
    for note in result.notes:
        print(f"note: {note}")
    return 0
