"""``xl-collections claim``: a customer says "we paid" — the payments that may be it, ranked, and
where each went (CONTRACT §4, rules in §6 "Payment claims", :mod:`xl_collections.claims`).

The claim: ``--customer ID`` and what the customer says — ``--amount X`` (reporting currency),
``--date DATE`` (the day it paid), ``--reference TEXT`` (invoice numbers, a cheque number,
remittance text).  Looked up in ``--payments`` (CSV/Excel or bank files; repeatable),
``--applications`` (``applications.csv`` of cashapp runs, today's and earlier ones; repeatable:
where the cash went, and ``REVERSED`` rows for returns) and ``--open-items`` (whose a document
is; is the claimed invoice still open).  ``--settings FILE``: ``ClaimDays`` (the window either
side of the claimed date) and ``MatchTolerance``.  Writes ``DIR/claim.csv``: ``rank,
payment_id, value_date, amount, payer_name, reference, where, documents, customer_id,
evidence``, or one ``NOT_FOUND`` row saying what was looked for.
"""
from __future__ import annotations

import pandas as pd

from ..claims import CSV_COLUMNS, Claim, index_payments, research
from ..core.dates import DateError, parse_date
from ..core.errors import UsageError
from ..core.money import format_amount, money_text
from ._common import command_settings, option_amount, out_dir, read_inputs, reporting_currency
from .cashapp import read_payments, read_prior

HELP = "research a customer's 'we paid' claim: candidate payments and where each went"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--customer", required=True, metavar="ID", help="the customer who says it paid")
    p.add_argument("--amount", metavar="X", help="the amount it says it paid (reporting currency)")
    p.add_argument("--date", metavar="DATE", help="the day it says it paid")
    p.add_argument("--reference", metavar="TEXT", default="",
                   help="what it quotes: invoice numbers, a cheque number, remittance text")
    p.add_argument("--payments", required=True, action="append", metavar="FILE",
                   help="payments: CSV/Excel or a bank file (BAI2, camt.053/054, MT940); may be given more than once")
    p.add_argument("--applications", action="append", metavar="FILE",
                   help="applications.csv of cashapp runs, this one's and earlier ones (repeatable)")
    p.add_argument("--open-items", metavar="FILE", help="open items: whose a document is, what is still open")
    p.add_argument("--settings", metavar="FILE", help="name,value CSV of settings (ClaimDays, MatchTolerance)")
    p.add_argument("--out", required=True, metavar="DIR")


def claim_from_args(args, currency: str) -> Claim:
    """The claim the options describe; a usage error (exit 2) for a blank customer, an amount or
    a date that does not read."""
    customer = str(args.customer or "").strip()
    if not customer:
        raise UsageError("--customer is blank: expected the customer_id of the customer who says it paid")
    amount = option_amount("--amount", args.amount, currency)
    if amount is not None and amount <= 0:
        raise UsageError(f"--amount {args.amount!r}: expected the positive amount the customer says it paid")
    date = None
    if args.date not in (None, ""):
        try:
            date = parse_date(args.date, day_first=bool(getattr(args, "day_first", False)))
        except DateError as e:
            raise UsageError(f"--date {args.date!r}: expected {e.expected}") from None
    return Claim(customer, amount, date, str(args.reference or "").strip(), currency)


def claim_table(rows: pd.DataFrame) -> pd.DataFrame:
    """``claim.csv``: the contract's columns exactly, each amount in its payment's currency."""
    out = rows[CSV_COLUMNS].copy()
    out["amount"] = [format_amount(None if pd.isna(a) else int(a), c) for a, c in zip(rows["amount"], rows["currency"])]
    out["rank"] = out["rank"].astype("Int64")
    out.attrs = {}
    return out


def run(args) -> int:
    from ..io.write import write_tables

    currency = reporting_currency(args)
    claim = claim_from_args(args, currency)
    out = out_dir(args)
    settings, errors = command_settings(args, currency)
    payments, _, pay_errors = read_payments(args, args.payments, currency)
    prior, prior_errors = read_prior(getattr(args, "applications", None), currency)
    tables = read_inputs(args, currency, {"open_items": getattr(args, "open_items", None)},
                         extra_errors=errors + pay_errors + prior_errors, settings=settings)
    index = index_payments(payments, prior, currency=currency)
    res = research(claim, index, open_items=tables["open_items"], claim_days=settings.claim_days,
                   tolerance=settings.match_tolerance)
    write_tables({"claim": claim_table(res.rows)}, out)
    said = ", ".join(x for x in (money_text(claim.amount, currency) if claim.amount is not None else "",
                                 f"on {claim.date.isoformat()}" if claim.date else "",
                                 f"ref {claim.reference!r}" if claim.reference else "") if x)
    head = f"claim of customer {claim.customer_id}"
    if res.found:
        top = res.rows.iloc[0]
        best = f"{top['payment_id']} {top['where']}" + (f" ({top['documents']} of {top['customer_id']})"
                                                        if top["documents"] else "")
        print(f"{head} ({said or 'nothing said'}): {len(res.rows):,} candidate payment"
              f"{'s' if len(res.rows) != 1 else ''}; best {best} -> {out}")
    else:
        print(f"{head} ({said or 'nothing said'}): NOT_FOUND — looked for {res.looked_for} -> {out}")
    return 0
