"""``xl-collections worklist``: today's collections worklist, promises to pay, dispute cases
and the large-balance report (CONTRACT §4, rules in §6 and :mod:`xl_collections.collect`).

Reads ``--customers`` and ``--open-items`` (give cashapp's ``open_items_after.csv`` to count
today's cash), ``--activity`` (the collections log: promises, disputes, contacts),
``--applications`` (``applications.csv`` of cashapp runs — today's and earlier ones; may be
given more than once) with ``--payments`` (fills an application's value date and customer),
``--cleared`` (the ``cleared_items`` payment history), ``--returns`` (cashapp's
``returns.csv``: a customer whose payment came back goes first) and ``--settings``
(``PromiseGraceDays``, ``EscalationDays``, ``EscalationAmount``, ``LargeBalanceThreshold``,
``DisputeResponseDays``, ``ReturnMatchDays``).  Writes into ``--out DIR``: ``worklist.csv``,
``promises.csv``, ``disputes.csv``, ``large_balances.csv`` with exactly the contract's
columns, and ``deduction_checks.csv`` (the deduction-validity findings).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.dates import DateError, parse_date
from ..core.errors import InputError, InputErrors
from ..io.sources import read_csv_frame
from ..core.money import AmountError, MINOR_UNITS, parse_amount
from ._common import command_settings, as_of_date, out_dir, reporting_currency, read_inputs

HELP = "rank today's collections calls; promises to pay, disputes, large balances"
FILE_OPTIONS = True    # takes --currency, --map and --day-first

CHECK_COLUMNS = ["case_id", "customer_id", "document_no", "reason_code", "amount", "check", "check_detail"]


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--customers", required=True, metavar="FILE")
    p.add_argument("--open-items", required=True, metavar="FILE", help="open items (cashapp's open_items_after.csv)")
    p.add_argument("--activity", metavar="FILE", help="collections log: calls, promises, disputes, notes")
    p.add_argument("--payments", action="append", metavar="FILE", help="payments (value dates of applied cash)")
    p.add_argument("--applications", action="append", metavar="FILE",
                   help="applications.csv of cashapp runs, this one's and earlier ones (repeatable)")
    p.add_argument("--cleared", metavar="FILE", help="cleared items (payment history)")
    p.add_argument("--returns", metavar="FILE", help="returns.csv of cashapp: returned payments")
    p.add_argument("--fx", metavar="FILE", help="FX rates")
    p.add_argument("--settings", metavar="FILE", help="name,value CSV of settings (defaults otherwise)")
    p.add_argument("--as-of", required=True, dest="as_of", metavar="DATE")
    p.add_argument("--out", required=True, metavar="DIR")


def _result_file(path: str, table: str, required: tuple[str, ...]) -> tuple[pd.DataFrame | None, list[InputError]]:
    """A result CSV of an earlier run (applications.csv, returns.csv) as text columns."""
    p = Path(path)
    if not p.is_file():
        return None, [InputError("file not found", table, p.name, expected=f"an existing file ({p})")]
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm", ".xlsb"):
            df = pd.read_excel(p, dtype=str, engine="calamine").fillna("")
        else:
            df = read_csv_frame(p)          # the program's own apostrophe (CONTRACT §6) dropped
    except InputErrors as e:
        return None, e.errors
    except Exception as e:  # noqa: BLE001 - any unreadable file is an input problem
        return None, [InputError(f"cannot be read: {e}", table, p.name, expected=f"the {table}.csv of a cashapp run")]
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        return None, [InputError(f"required column {c!r} is missing", table, p.name, row=1, column=c,
                                 expected=f"the {table}.csv of a cashapp run") for c in missing]
    return df.apply(lambda s: s.str.strip()).assign(_file=p.name), []


def _parse(df: pd.DataFrame, table: str, money: str, date: str, currency: str, day_first: bool,
           errors: list[InputError]) -> pd.DataFrame:
    """Money to minor units of each row's currency and dates to timestamps, naming bad cells."""
    amounts, dates = [], []
    curs = df["currency"] if "currency" in df.columns else pd.Series(currency, index=df.index)
    for i, (f, v, d, c) in enumerate(zip(df["_file"], df[money], df[date] if date in df else [""] * len(df), curs)):
        c = c if c in MINOR_UNITS else currency
        try:
            amounts.append(parse_amount(v, c) if v != "" else 0)
        except AmountError as e:
            errors.append(InputError("not an amount", table, f, "", i + 2, money, v, e.expected))
            amounts.append(0)
        try:
            dates.append(parse_date(d, day_first=day_first) if d != "" else None)
        except (DateError, ValueError):
            errors.append(InputError("not a date", table, f, "", i + 2, date, d, "a date such as 2026-10-31"))
            dates.append(None)
    return df.assign(**{money: pd.array(amounts, dtype="int64"),
                        date: pd.to_datetime(pd.Series(dates, index=df.index, dtype=object))})


def _options(args):
    as_of = as_of_date(args)
    return as_of, reporting_currency(args), out_dir(args)


def run(args) -> int:
    from ..collect import collections
    from ..io.write import write_tables

    as_of, currency, out = _options(args)
    day_first = bool(getattr(args, "day_first", False))
    settings, errors = command_settings(args, currency)
    settings = settings.with_(as_of=as_of, reporting_currency=currency)
    apps = []
    for path in args.applications or []:
        df, errs = _result_file(path, "applications", ("payment_id", "applied_amount"))
        errors += errs
        if df is not None:
            apps.append(_parse(df, "applications", "applied_amount", "value_date", currency, day_first, errors))
    returns = None
    if getattr(args, "returns", None):
        df, errs = _result_file(args.returns, "returns", ("return_id", "value_date", "customer_id"))
        errors += errs
        if df is not None:
            returns = df
    files = {"customers": args.customers, "open_items": args.open_items, "activity": args.activity,
             "cleared_items": args.cleared, "fx_rates": args.fx}
    pay_files = list(args.payments or [])
    for i, path in enumerate(pay_files):
        files[f"payments#{i}"] = path
    t = read_inputs(args, currency, files, extra_errors=errors, settings=settings)   # warnings printed
    payments = [t.pop(k) for k in list(t) if k.startswith("payments#")]
    payments = pd.concat(payments, ignore_index=True).drop_duplicates("payment_id") if payments else None
    applications = pd.concat(apps, ignore_index=True) if apps else None
    if applications is not None:
        applications = applications.drop_duplicates([c for c in applications.columns if c != "_file"])
    res, errs = collections(t["open_items"], settings, as_of, customers=t["customers"], activity=t["activity"],
                            applications=applications, payments=payments, cleared=t["cleared_items"],
                            returns=returns, fx_rates=t["fx_rates"])
    if errs:
        raise InputErrors(errs)
    write_tables(result_tables(res), out)
    w = res.worklist
    esc = int(w["escalate"].sum()) if len(w) else 0
    kept = "n/a" if res.promises_kept_pct is None else f"{res.promises_kept_pct:.0%}"
    print(f"worklist at {as_of.isoformat()}: {len(w):,} customers to work ({esc:,} escalated); "
          f"{len(res.promises):,} promises (kept {kept}); {int((res.disputes['status'] == 'OPEN').sum()):,} open "
          f"dispute cases ({int(res.disputes['sla_breached'].sum()):,} past the response date); "
          f"{len(res.large_balances):,} large balances -> {out}")
    return 0


def _flags(s: pd.Series) -> pd.Series:
    return s.map(lambda v: "TRUE" if bool(v) else "FALSE")


def result_tables(res) -> dict[str, pd.DataFrame]:
    """The CSV tables of a :class:`~xl_collections.collect.CollectionsResult`: the contract's
    columns exactly, TRUE/FALSE flags, money in minor units (``attrs['money']``)."""
    from ..collect import promises as P
    from ..collect import disputes as D
    from ..collect import worklist as W

    cur = res.currency

    def table(df, cols, money, flags=()):
        out = df[cols].copy()
        for c in flags:
            out[c] = _flags(out[c])
        out.attrs = {"money": list(money), "currency": cur}
        return out

    ded = res.disputes[res.disputes["kind"] == "DEDUCTION"] if len(res.disputes) else res.disputes
    return {
        "worklist": table(res.worklist, W.CSV_COLUMNS, ["past_due"], ["escalate"]),
        "promises": table(res.promises, P.CSV_COLUMNS, ["promised_amount", "paid_amount"]),
        "disputes": table(res.disputes, D.CSV_COLUMNS, ["amount"], ["sla_breached"]),
        "large_balances": table(res.large_balances, list(res.large_balances.columns),
                                ["total_open", "change_7d", "past_due"]),
        "deduction_checks": table(ded, CHECK_COLUMNS, ["amount"]),
    }

