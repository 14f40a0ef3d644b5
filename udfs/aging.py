"""Excel functions for aging and receivables KPIs (xlwings UDFs).

Thin shells over :mod:`xl_collections.ar.aging` and :mod:`xl_collections.ar.kpi`: the same rules
as the ``Aging`` sheet and the ``aging`` command.  Days past due = as-of date − due date;
``not_due`` when days <= 0, then ``1-30``, ``31-60``, ``61-90``, ``91-120``, ``121+`` for the
default edges ``0,30,60,90,120`` (upper bounds inclusive).  A blank or error cell gives a
``#XLC! …`` text saying what is wrong.
"""
from __future__ import annotations

import datetime as dt

import xlwings as xw

from xl_collections.ar import kpi
from xl_collections.ar.aging import age, bucket_index, bucket_labels
from xl_collections.core.settings import DEFAULT_BUCKETS, parse_buckets
from xl_collections.core.terms import TermsError, parse_terms

from ._convert import UdfError, as_date, as_decimal, check_cell, frame_to_range, guard, is_blank, is_error, rows_of, to_table

DEFAULT_EDGES = ",".join(str(e) for e in DEFAULT_BUCKETS)


def _edges(edges) -> tuple[int, ...]:
    if is_error(edges):
        raise UdfError(f"edges is an Excel error ({edges})")
    if is_blank(edges):
        return DEFAULT_BUCKETS
    if isinstance(edges, (list, tuple)):
        flat = [v for r in rows_of(edges) for v in r if not is_blank(v)]
        edges = flat
    try:
        return parse_buckets(edges)
    except ValueError as e:
        raise UdfError(f"edges {e}") from None


def _days(due_date, as_of) -> int:
    return (as_date(as_of, "as_of") - as_date(due_date, "due_date")).days


@xw.func
@xw.arg("due_date", err_to_str=True, doc="The item's due date (or the date to age from).")
@xw.arg("as_of", err_to_str=True, doc="The as-of date of the aging.")
@guard
def XLC_DAYS_PAST_DUE(due_date, as_of):
    """Days past due: as_of − due_date in days (0 or negative: not yet past due)."""
    return _days(due_date, as_of)


@xw.func
@xw.arg("due_date", err_to_str=True, doc="The item's due date (or the date to age from).")
@xw.arg("as_of", err_to_str=True, doc="The as-of date of the aging.")
@xw.arg("edges", err_to_str=True, doc="Bucket edges in days, e.g. \"0,30,60,90,120\" (the default) or a range of numbers.")
@guard
def XLC_BUCKET(due_date, as_of, edges=DEFAULT_EDGES):
    """Aging bucket of an item: not_due (days past due <= 0), 1-30, 31-60, 61-90, 91-120, 121+ (for the default edges)."""
    e = _edges(edges)
    labels = ("not_due",) + bucket_labels(e)
    return labels[int(bucket_index([_days(due_date, as_of)], e)[0])]


@xw.func
@xw.arg("document_date", err_to_str=True, doc="The invoice (document) date.")
@xw.arg("terms", err_to_str=True, doc="Payment terms, e.g. NET30, 2/10 NET30, EOM45, 15 MFI, COD. Blank: due on the document date.")
@guard
def XLC_DUE_DATE(document_date, terms=None):
    """Due date from a document date and payment terms (NET30, 2/10 NET30, EOM, EOM45, 15 MFI, DUE ON RECEIPT)."""
    d = as_date(document_date, "document_date")
    if is_error(terms):
        raise UdfError(f"terms is an Excel error ({terms})")
    if is_blank(terms):
        return dt.datetime.combine(d, dt.time())
    try:
        due = parse_terms(str(terms)).due_date(d)
    except TermsError as e:
        raise UdfError(f"terms {terms!r} not understood: expected {e.expected}") from None
    return dt.datetime.combine(due, dt.time())


@xw.func
@xw.arg("open_items", ndim=2, err_to_str=True, doc="The open items with their headers (customer_id, document_no, document_date, due_date, open_amount, currency, status …).")
@xw.arg("as_of", err_to_str=True, doc="The as-of date of the aging.")
@xw.arg("edges", err_to_str=True, doc="Bucket edges in days, e.g. \"0,30,60,90,120\" (the default).")
@xw.arg("basis", err_to_str=True, doc="\"due\" (default) to age from the due date, \"document\" from the document date.")
@xw.arg("fx_rates", ndim=2, err_to_str=True, doc="Optional FX rates with headers currency, rate[, date].")
@xw.arg("customers", ndim=2, err_to_str=True, doc="Optional customer master with headers (customer_id, customer_name, payment_terms …).")
@xw.arg("currency", err_to_str=True, doc="Reporting currency (default USD).")
@guard
def XLC_AGING(open_items, as_of, edges=DEFAULT_EDGES, basis="due", fx_rates=None, customers=None, currency="USD"):
    """Aging summary by customer, spilled: customer_id, customer_name, currency, total_open, not_due, buckets, past_due, disputed, credits, collectable_past_due; a final TOTAL row. Amounts in the reporting currency."""
    a = as_date(as_of, "as_of")
    e = _edges(edges)
    b = "due" if is_blank(basis) else str(check_cell(basis, "basis")).strip().lower()
    if b not in ("due", "document"):
        raise UdfError(f"basis {basis!r}: expected due or document")
    cur = "USD" if is_blank(currency) else str(check_cell(currency, "currency")).strip().upper()
    oi = to_table(open_items, "open_items", reporting_currency=cur, name="open_items")
    fx = None if is_blank(fx_rates) else to_table(fx_rates, "fx_rates", reporting_currency=cur, name="fx_rates")
    cust = None if is_blank(customers) else to_table(customers, "customers", reporting_currency=cur, name="customers")
    res = age(oi, a, customers=cust, fx_rates=fx, buckets=e, basis=b, reporting_currency=cur)
    return frame_to_range(res.summary)


@xw.func
@xw.arg("ar", err_to_str=True, doc="Receivables at the end of the period.")
@xw.arg("credit_sales", err_to_str=True, doc="Credit sales billed in the period.")
@xw.arg("days", err_to_str=True, doc="Days in the period (default 90).")
@guard
def XLC_DSO(ar, credit_sales, days=90):
    """Days sales outstanding (period method): AR / credit sales × days."""
    v = kpi.dso(as_decimal(ar, "ar"), as_decimal(credit_sales, "credit_sales"),
                90 if is_blank(days) else as_decimal(days, "days"))
    if v is None:
        raise UdfError("credit_sales is zero: DSO is undefined")
    return float(v)


@xw.func
@xw.arg("begin_ar", err_to_str=True, doc="Receivables at the start of the period.")
@xw.arg("credit_sales", err_to_str=True, doc="Credit sales billed in the period.")
@xw.arg("end_ar", err_to_str=True, doc="Receivables at the end of the period.")
@xw.arg("end_current_ar", err_to_str=True, doc="Current (not yet due) receivables at the end of the period.")
@guard
def XLC_CEI(begin_ar, credit_sales, end_ar, end_current_ar):
    """Collection effectiveness index in %: (begin AR + credit sales − end AR) / (begin AR + credit sales − end current AR) × 100."""
    v = kpi.cei(as_decimal(begin_ar, "begin_ar"), as_decimal(credit_sales, "credit_sales"),
                as_decimal(end_ar, "end_ar"), as_decimal(end_current_ar, "end_current_ar"))
    if v is None:
        raise UdfError("begin AR + credit sales − end current AR is zero: CEI is undefined")
    return float(v)
