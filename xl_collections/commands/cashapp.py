"""``xl-collections cashapp``: apply payments to open items and write the results (CONTRACT §4).

Reads ``--open-items`` and ``--payments`` (CSV/Excel, or for payments a BAI2 / MT940 /
camt.053 / camt.054 bank file), optionally ``--customers``, ``--remittance``, ``--fx`` (the
``fx_rates`` table: payments in another currency than their invoices are proposed) and ``--prior``
(a previous run's ``applications.csv``: those payments are never applied again), runs
:func:`xl_collections.cashapp.apply_cash` and writes into ``--out DIR``:
``applications.csv``, ``unapplied.csv``, ``exceptions.csv`` (the contract's columns first),
``deductions.csv``, ``posting.csv`` and ``open_items_after.csv`` (the pro-forma open items the
aging of the close runs on).  Every input problem of every file is reported at once and
nothing is written (exit 1).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError, InputErrors
from ..io.sources import read_csv_frame
from ..money import format_amount
from ..settings import Settings
from ._common import out_dir, read_inputs, reporting_currency

HELP = "apply payments to open items"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--payments", required=True, metavar="FILE", help="CSV/Excel or a bank file (BAI2, camt.053/054, MT940)")
    p.add_argument("--customers", metavar="FILE")
    p.add_argument("--remittance", metavar="FILE")
    p.add_argument("--prior", metavar="FILE", help="applications of earlier runs (never applied again)")
    p.add_argument("--fx", metavar="FILE", help="FX rates: payments in another currency than their invoices are proposed, converted")
    p.add_argument("--out", required=True, metavar="DIR")

def read_prior(path: str | Path) -> tuple[pd.DataFrame | None, list[InputError]]:
    """A previous run's applications (CSV or Excel) as text columns; it needs ``payment_id``
    (``status`` is used when present: only AUTO rows count as applied)."""
    p = Path(path)
    label = p.name
    if not p.is_file():
        return None, [InputError("file not found", "prior_applications", label, expected=f"an existing file ({p})")]
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm", ".xlsb"):
            df = pd.read_excel(p, dtype=str, engine="calamine").fillna("")
        else:
            df = read_csv_frame(p, label=label)
    except InputErrors as e:
        return None, e.errors
    except Exception as e:  # noqa: BLE001 - any unreadable file is an input problem
        return None, [InputError(f"cannot be read: {e}", "prior_applications", label,
                                 expected="the applications.csv of an earlier cashapp run")]
    cols = {str(c).strip().lower(): c for c in df.columns}
    if "payment_id" not in cols:
        return None, [InputError("required column 'payment_id' is missing", "prior_applications", label, row=1,
                                 column="payment_id", expected="the applications.csv of an earlier cashapp run")]
    out = pd.DataFrame({"payment_id": df[cols["payment_id"]].astype(str).str.strip()})
    if "status" in cols:
        out["status"] = df[cols["status"]].astype(str).str.strip().str.upper()
    return out, []


def run(args) -> int:
    from ..cashapp import apply_cash
    from ..io.write import write_tables

    currency = reporting_currency(args)
    out = out_dir(args)
    settings = Settings(reporting_currency=currency, day_first=bool(getattr(args, "day_first", False)))
    prior, prior_errors = read_prior(args.prior) if getattr(args, "prior", None) else (None, [])
    t = read_inputs(args, currency, {"open_items": args.open_items, "payments": args.payments,
                                     "customers": getattr(args, "customers", None),
                                     "remittance": getattr(args, "remittance", None),
                                     "fx_rates": getattr(args, "fx", None)}, prior_errors)
    open_items, payments, customers, remittance = t["open_items"], t["payments"], t["customers"], t["remittance"]
    result = apply_cash(open_items, payments, customers=customers, remittance=remittance,
                        prior_applications=prior, settings=settings, fx_rates=t["fx_rates"])
    tables = result.tables()
    tables["open_items_after"] = result.open_items_after.drop(columns=["source_row"], errors="ignore")
    tables["open_items_after"].attrs = dict(result.open_items_after.attrs)
    write_tables(tables, out)
    apps = result.applications
    auto = apps[apps["status"] == "AUTO"]
    n = len(payments)
    n_auto = auto["payment_id"].nunique()
    n_review = apps.loc[apps["status"] == "REVIEW", "payment_id"].nunique()
    by_cur = auto.groupby("currency")["applied_amount"].sum()
    applied = ", ".join(f"{c} {format_amount(int(v), c)}" for c, v in by_cur.items()) or "nothing"
    print(f"{n:,} payment{'s' if n != 1 else ''}: {n_auto:,} applied automatically ({applied}), "
          f"{n_review:,} proposed for review, {result.unapplied['payment_id'].nunique():,} with cash unapplied, "
          f"{len(result.exceptions):,} exception{'s' if len(result.exceptions) != 1 else ''} -> {out}")
    return 0
