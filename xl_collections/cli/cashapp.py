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

from ..cashapp import cards
from ..cashapp.prior import read_prior as prior_table
from ..core.errors import InputError, InputErrors
from ..io.sources import read_csv_frame
from ..core.money import format_amount
from ._common import command_settings, out_dir, read_inputs, reporting_currency

HELP = "apply payments to open items"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--payments", required=True, metavar="FILE", action="append",
                   help="CSV/Excel or a bank file (BAI2, camt.053/054, MT940); may be given more than once")
    p.add_argument("--customers", metavar="FILE")
    p.add_argument("--remittance", metavar="FILE")
    p.add_argument("--prior", metavar="FILE", action="append",
                   help="applications.csv of earlier runs (judged, never applied again); may be given more than once")
    p.add_argument("--card-settlement", metavar="FILE",
                   help="a card processor's settlement report (Stripe, Adyen, Worldpay-style CSV/Excel): each sale "
                        "applied at its gross amount, fees and net per batch in card_batches.csv")
    p.add_argument("--fx", metavar="FILE", help="FX rates: payments in another currency than their invoices are proposed, converted")
    p.add_argument("--settings", metavar="FILE",
                   help="CSV of name,value (MatchTolerance, MatchTolerancePct, AutoApplyMinConfidence, ...)")
    p.add_argument("--out", required=True, metavar="DIR")


def read_prior(paths, currency: str) -> tuple[pd.DataFrame | None, list[InputError]]:
    """Earlier runs' applications (CSV or Excel ``applications`` files), read together
    (:func:`xl_collections.cashapp.prior.read_prior`: money in minor units, a row in two
    files once); refused without ``open_before``."""
    frames, errors = [], []
    for path in paths or ():
        p = Path(path)
        if not p.is_file():
            errors.append(InputError("file not found", "prior_applications", p.name, expected=f"an existing file ({p})"))
            continue
        try:
            raw = _text_table(p)
        except InputErrors as e:
            errors += e.errors
            continue
        except Exception as e:  # noqa: BLE001 - any unreadable file is an input problem
            errors.append(InputError(f"cannot be read: {e}", "prior_applications", p.name,
                                     expected="the applications.csv of an earlier cashapp run"))
            continue
        df, errs = prior_table(raw, reporting_currency=currency, file=p.name)
        errors += errs
        if df is not None:
            frames.append(df)
    if errors or not frames:
        return None, errors
    out = pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs = dict(frames[0].attrs)
    return out, []


def _text_table(p: Path) -> pd.DataFrame:
    """A CSV or Excel file's first table as text (blanks as ""), for layouts read before mapping."""
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xlsb"):
        return pd.read_excel(p, dtype=str, engine="calamine").fillna("")
    return read_csv_frame(p, label=p.name)


def read_card_settlement(args, path, currency: str) -> tuple[pd.DataFrame | None, list[InputError]]:
    """A processor's settlement report, its layout recognised (:func:`cards.normalise_layout`)
    and read into the canonical ``card_settlements`` table (``--map`` applies)."""
    from ..io.readers import read_column_map
    from ..io.validate import validate

    p = Path(path)
    if not p.is_file():
        return None, [InputError("file not found", "card_settlements", p.name, expected=f"an existing file ({p})")]
    try:
        raw = _text_table(p)
    except InputErrors as e:
        return None, e.errors
    except Exception as e:  # noqa: BLE001 - any unreadable file is an input problem
        return None, [InputError(f"cannot be read: {e}", "card_settlements", p.name,
                                 expected="a card processor's settlement report (CSV or Excel)")]
    raw, _ = cards.normalise_layout(raw)
    cmap = read_column_map(args.map) if getattr(args, "map", None) else None
    df, errors = validate(raw, "card_settlements", file=p.name, header_row=1, column_map=cmap,
                          reporting_currency=currency, day_first=bool(getattr(args, "day_first", False)))
    return (None if errors else df), errors + ([] if errors else cards.check_net(df))


def read_payments(args, paths, currency: str) -> tuple[pd.DataFrame | None, list, list[InputError]]:
    """Every ``--payments`` file read together: ``(payments, spans, errors)``; ``spans`` is each
    file's first to last value date (what the files cover, CONTRACT §6).  A payment in two
    files with the same content is one payment; with other content it is refused naming both."""
    from ..io.readers import load_table, read_column_map

    column_map = read_column_map(args.map) if getattr(args, "map", None) else None
    frames, spans, errors, summaries = [], [], [], []
    for path in paths:
        df, errs = load_table(path, "payments", column_map=column_map, reporting_currency=currency,
                              day_first=bool(getattr(args, "day_first", False)))
        errors += errs
        if errs or df is None:
            continue
        if df.attrs.get("bank_summary"):
            summaries.append((Path(path).name, df.attrs["bank_summary"]))
        df = df.assign(src_file=Path(path).name)
        vd = df["value_date"].dropna()
        if len(vd):
            spans.append((vd.min().date(), vd.max().date()))
        frames.append(df)
    if errors or not frames:
        return None, spans, errors
    pay = pd.concat(frames, ignore_index=True)
    content = [c for c in pay.columns if c not in ("source_row", "src_file")]
    seen: dict = {}
    for r in pay.itertuples(index=False):
        key = tuple(getattr(r, c) for c in content)
        first = seen.setdefault(r.payment_id, (key, r.src_file, r.source_row))
        if first[0] != key:
            errors.append(InputError("duplicate payment_id with other content", "payments", r.src_file, row=r.source_row,
                                     column="payment_id", value=r.payment_id,
                                     expected=f"each payment_id once (also in {first[1]} row {first[2]})"))
    pay = pay.drop(columns=["src_file"])
    pay.attrs = dict(frames[0].attrs)
    pay.attrs.pop("bank_summary", None)
    pay.attrs["bank_summaries"] = summaries
    return pay, spans, errors


def bank_summary_lines(payments: pd.DataFrame | None) -> list[str]:
    """One line per bank file read: every entry accounted for (payments, returned items, other
    debits and the entries skipped, with why)."""
    out = []
    for name, s in (payments.attrs.get("bank_summaries") or []) if payments is not None else []:
        parts = [f"{s.get('credits', 0):,} payments", f"{s.get('returns', 0):,} returned items",
                 f"{s.get('debits_skipped', 0):,} other debits (not payments)"]
        if s.get("reversals_skipped"):
            parts.append(f"{s['reversals_skipped']:,} reversals of debits skipped")
        if s.get("credits_skipped"):
            parts.append(f"{s['credits_skipped']:,} entries in no ISO currency skipped")
        out.append(f"{name} ({s.get('format', '')}, {s.get('statements', 0):,} statements): " + ", ".join(parts))
    return out


def run(args) -> int:
    from ..cashapp import apply_cash
    from ..io.write import write_tables

    currency = reporting_currency(args)
    out = out_dir(args)
    settings, problems = command_settings(args, currency)
    settings = settings.with_(reporting_currency=currency)
    prior, errors = read_prior(getattr(args, "prior", None), currency)
    errors = problems + errors
    payments, spans, pay_errors = read_payments(args, args.payments, currency)
    card, card_errors = (read_card_settlement(args, args.card_settlement, currency)
                         if getattr(args, "card_settlement", None) else (None, []))
    pay_errors += card_errors
    t = read_inputs(args, currency, {"open_items": args.open_items,
                                     "customers": getattr(args, "customers", None),
                                     "remittance": getattr(args, "remittance", None),
                                     "fx_rates": getattr(args, "fx", None)}, errors + pay_errors, settings=settings)
    open_items, customers, remittance = t["open_items"], t["customers"], t["remittance"]
    result = apply_cash(open_items, payments, customers=customers, remittance=remittance,
                        prior_applications=prior, settings=settings, fx_rates=t["fx_rates"], payment_spans=spans,
                        card_settlements=card)
    tables = result.tables()
    tables["open_items_after"] = result.open_items_after.drop(columns=["source_row"], errors="ignore")
    tables["open_items_after"].attrs = dict(result.open_items_after.attrs)
    write_tables(tables, out)
    apps = result.applications
    new = apps[apps["run_id"].eq("") & ~apps["payment_id"].isin(set(prior["payment_id"]) if prior is not None else set())]
    auto = new[new["status"] == "AUTO"]
    kind = payments["record_type"] if "record_type" in payments.columns else pd.Series("PAYMENT", index=payments.index)
    n = payments.loc[~kind.isin(("RETURN", "DEBIT")), "payment_id"].nunique()
    n_debit = int((kind == "DEBIT").sum())
    for line in bank_summary_lines(payments):
        print(line)
    n_auto = auto["payment_id"].nunique()
    n_review = new.loc[new["status"] == "REVIEW", "payment_id"].nunique()
    by_cur = auto.groupby("currency")["applied_amount"].sum()
    applied = ", ".join(f"{c} {format_amount(int(v), c)}" for c, v in by_cur.items()) or "nothing"
    n_prior = len(set(payments["payment_id"]) & (set(prior["payment_id"]) if prior is not None else set()))
    print(f"{n:,} payment{'s' if n != 1 else ''}: {n_auto:,} applied automatically ({applied}), "
          f"{n_review:,} proposed for review, {result.unapplied['payment_id'].nunique():,} with cash unapplied, "
          f"{len(result.exceptions):,} exception{'s' if len(result.exceptions) != 1 else ''}"
          + (f"; {n_prior:,} applied in earlier runs, not again" if n_prior else "")
          + (f"; {len(result.card_batches):,} card batches, {int((result.card_batches['bank_payment_id'] != '').sum()):,}"
             f" matched to their bank deposit" if result.card_batches is not None else "")
          + (f"; {n_debit:,} debits (fees, transfers) not applied" if n_debit else "")
          + (f"; {len(result.returns):,} returned items: "
             + ", ".join(f"{v:,} {k}" for k, v in result.returns["status"].value_counts().sort_index().items())
             if result.returns is not None else "") + f" -> {out}")
    return 0
