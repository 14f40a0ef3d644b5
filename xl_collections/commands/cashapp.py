"""``xl-collections cashapp``: apply payments to open items and write the results (CONTRACT §4).

Reads ``--open-items`` and ``--payments`` (CSV/Excel, or for payments a BAI2 / MT940 /
camt.053 / camt.054 bank file), optionally ``--customers``, ``--remittance`` and ``--prior``
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

from ..errors import InputError, InputErrors, UsageError
from ..money import format_amount, is_currency
from ..settings import Settings


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
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
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
    from ..io.readers import load_table, read_column_map
    from ..io.write import write_tables

    currency = str(getattr(args, "currency", None) or "USD").strip().upper()
    if not is_currency(currency):
        raise UsageError(f"--currency {args.currency!r}: expected an ISO 4217 code such as USD")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out}: expected a folder (one CSV per result table)")
    column_map = read_column_map(args.map) if getattr(args, "map", None) else None
    day_first = bool(getattr(args, "day_first", False))
    settings = Settings(reporting_currency=currency, day_first=day_first)
    errors: list[InputError] = []

    def read(path, table):
        if not path:
            return None
        df, errs = load_table(path, table, column_map=column_map, reporting_currency=currency, day_first=day_first)
        errors.extend(errs)
        return df

    open_items = read(args.open_items, "open_items")
    payments = read(args.payments, "payments")
    customers = read(getattr(args, "customers", None), "customers")
    remittance = read(getattr(args, "remittance", None), "remittance")
    prior = None
    if getattr(args, "prior", None):
        prior, errs = read_prior(args.prior)
        errors.extend(errs)
    if errors:          # every problem in every file, at once; nothing written
        raise InputErrors(errors)
    result = apply_cash(open_items, payments, customers=customers, remittance=remittance,
                        prior_applications=prior, settings=settings)
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
