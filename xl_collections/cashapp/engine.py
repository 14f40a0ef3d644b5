"""Cash application: apply payments to open items by an ordered cascade of rules.

``apply_cash(open_items, payments, ...)`` is pure: canonical DataFrames in, a
:class:`CashAppResult` of DataFrames out.  Money is integer minor units of the payment's
currency everywhere (``attrs["money"]`` names the money columns of each result).

Per payment, the first rule that finds something decides:

1. ``REMITTANCE``  remittance-advice lines: applied as advised, amounts checked.
2. ``DOC_REF``     document numbers read from the reference (exact keys, then OCR-style and
                   one-character variants where the amount or the customer confirms).
3. ``PO_REF``      purchase-order numbers / other references of open items.
4. ``AMOUNT_*``    amounts within the identified payer's open items: one item of exactly
                   that amount, one with the earned early-payment discount, all open items,
                   one combination of items, one item short within tolerance.
   ``AMOUNT_ONLY`` payer unknown: the one open item in the book with the amount, a proposal only.
5. otherwise unapplied with a reason.

Cash identity, exact per payment: sum of ``applied_amount`` of its AUTO applications +
sum of its ``amount_unapplied`` = the amount received.  ``write_off_amount``,
``discount_amount`` and ``deduction_amount`` are not cash: with ``applied_amount`` they make
up what the application clears from the document (never more than its open amount).

Where each idea lives: :mod:`.cascade` (the order the rules are tried, what decides),
:mod:`.rules` (remittance, document reference, PO), :mod:`.amount_rules` (amounts),
:mod:`.allocation` (applying an amount to documents: discount, write-off, deduction, excess,
FX), :mod:`.outcome` (what a rule proposes), :mod:`.journal` (the rows recorded and the
open items after), :mod:`.result` (the result tables' columns), :mod:`.confidence` (the
confidence table, shared with ``XLC_MATCH``), :mod:`.open_index` (the open-item index),
:mod:`.fx_convert` (conversion through the reporting currency), :mod:`.amounts` (tolerance,
discount, combinations), :mod:`.payer`, :mod:`.refs`, :mod:`.prior` (earlier runs'
applications), :mod:`.record`, :mod:`.dupes`, :mod:`.returns` and :mod:`.cards` (card
settlement reports).  This module is the entry: it reads the inputs and runs the cascade.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..core.errors import InputErrors
from ..core.settings import Settings
from ..io.sources import no_gc
from ..io.validate import canonical
from . import cards
from . import returns as returned
from .cascade import Cascade
from .dupes import one_per_bank_entry, one_row_per_payment
from .prior import judge, read_prior
from .record import restore_deleted
from .result import APPLICATION_COLUMNS, CashAppResult

__all__ = ["APPLICATION_COLUMNS", "CashAppResult", "apply_cash"]


def apply_cash(open_items: pd.DataFrame, payments: pd.DataFrame, *, customers: pd.DataFrame | None = None,
               remittance: pd.DataFrame | None = None, prior_applications: pd.DataFrame | None = None,
               settings: Settings = Settings(), fx_rates: pd.DataFrame | None = None,
               payment_spans: list | None = None, run_id: str = "",
               card_settlements: pd.DataFrame | None = None, record: pd.DataFrame | None = None) -> CashAppResult:
    """Apply ``payments`` to ``open_items`` (CONTRACT §2 tables, raw or canonical).

    ``prior_applications``: earlier runs' applications (an ``applications.csv`` or the ``Cash
    App`` table, as given or read by :func:`.prior.read_prior`), judged as CONTRACT §6 "Cash
    across runs" pins (:func:`.prior.judge`): their payments are never applied again, what the
    ledger has not posted yet is deducted again, and their rows are carried into this run's
    applications unchanged.  ``payment_spans``: the value-date ranges ``(first, last)`` the
    payment inputs cover (default: the payments' own), for telling a removed payment from one
    outside what was loaded.  ``run_id`` stamps this run's new rows.  ``fx_rates`` (units of the
    reporting currency per one unit of currency, the rate for a payment's value date picked as
    :func:`xl_collections.core.fx.pick_rates` does): a payment whose documents are all in another
    currency is converted and, when it matches within ``MatchTolerancePct``, proposed (REVIEW,
    never AUTO); without it such a payment stays unapplied (CURRENCY_DIFFERS).
    ``card_settlements`` (a processor's settlement report, :mod:`.cards`): each sale is a payment
    of its gross amount; the bank entry that is a batch's net is its deposit, never applied;
    ``card_batches`` reports fees and net per batch.  A payment listed
    twice with the same content (one statement loaded twice) counts once (``DUPLICATE_PAYMENT``).
    Returned items (payments rows with ``record_type`` ``RETURN``, card ``CHARGEBACK`` rows) are
    matched and reversed after the payments are applied (:mod:`.returns`; ``result.returns``);
    ``DEBIT`` rows are never applied.
    ``record``: the program's own record of applied cash (:mod:`.record`, read like
    ``prior_applications``): its rows missing from ``prior_applications`` were deleted by a
    person; they are judged as earlier applications again and reported ``PRIOR_ROW_DELETED``.
    Returns a :class:`CashAppResult`; nothing is changed in place."""
    with no_gc():       # hundreds of thousands of small objects live through the run: no rescans of them
        return _apply_cash(open_items, payments, customers=customers, remittance=remittance,
                           prior_applications=prior_applications, settings=settings, fx_rates=fx_rates,
                           payment_spans=payment_spans, run_id=run_id, card_settlements=card_settlements,
                           record=record)


def _apply_cash(open_items: pd.DataFrame, payments: pd.DataFrame, *, customers: pd.DataFrame | None = None,
                remittance: pd.DataFrame | None = None, prior_applications: pd.DataFrame | None = None,
                settings: Settings = Settings(), fx_rates: pd.DataFrame | None = None,
                payment_spans: list | None = None, run_id: str = "",
                card_settlements: pd.DataFrame | None = None, record: pd.DataFrame | None = None) -> CashAppResult:
    """:func:`apply_cash` (the cyclic garbage collector paused around it)."""
    kw = dict(reporting_currency=settings.reporting_currency, day_first=settings.day_first,
              decimal_comma=settings.decimal_comma)
    oi = canonical(open_items, "open_items", **kw)
    pay = canonical(payments, "payments", **kw)
    cus = canonical(customers, "customers", **kw) if customers is not None else None
    remittance = canonical(remittance, "remittance", **kw) if remittance is not None else None
    fx = canonical(fx_rates, "fx_rates", **kw) if fx_rates is not None else None
    pay, dup_exceptions = one_row_per_payment(pay)
    pay, items, _debits = returned.split(pay)
    cs = deposits = None
    if card_settlements is not None:
        cs = canonical(cards.normalise_layout(card_settlements)[0], "card_settlements", **kw) \
            if not card_settlements.attrs.get("table") == "card_settlements" else card_settlements
        errors = cards.check_net(cs)
        if errors:
            raise InputErrors(errors)
        items = pd.concat([items, returned.card_chargebacks(cs)], ignore_index=True)
        bat = cards.batches(cs)
        deposits = cards.match_deposits(bat, pay, int(settings.match_tolerance), settings.reporting_currency)
        card_pay = cards.card_payments(cs)
        bank = pay[~pay["payment_id"].isin(set(deposits.values()))]
        pay = pd.concat([bank, card_pay[[c for c in pay.columns if c in card_pay.columns]]], ignore_index=True) \
            if len(card_pay) else bank.reset_index(drop=True)
    prior = prior_applications
    if prior is not None and not prior.attrs.get("prior_read"):
        prior, errors = read_prior(prior, reporting_currency=settings.reporting_currency)
        if errors:
            raise InputErrors(errors)
    if record is not None and not record.attrs.get("prior_read"):
        record, errors = read_prior(record, reporting_currency=settings.reporting_currency, sheet="Cash Record")
        if errors:
            raise InputErrors(errors)
    prior, deleted = restore_deleted(prior, record)
    pay, copies = one_per_bank_entry(pay, prior)
    judged = judge(prior, oi, pay, payment_spans)
    run = Cascade(_net_of(oi, judged.deduct), cus, remittance, judged, settings, fx, run_id=run_id)
    run.journal.exceptions += dup_exceptions + copies + deleted
    order = pay.sort_values(["value_date", "payment_id"], kind="stable")
    run.read_references(order["reference"])      # every reference's tokens and keys at once; the plain ones
    run.apply_all(order.itertuples(index=False))
    if cs is not None:
        for r in cs[~cs["record_type"].isin(("SALE", "CHARGEBACK"))].itertuples(index=False):
            run.journal.exceptions.append((r.transaction_id, f"CARD_{r.record_type}",
                                   f"{r.record_type.lower().replace('_', ' ')} in batch {r.batch_id} "
                                   f"({run.alloc.fmt(int(r.gross_amount), r.currency)} {r.currency}"
                                   + (f", of {r.original_transaction_id}" if r.original_transaction_id else "")
                                   + "): counted in the batch's net, not applied - book it by hand", r.customer_id, ""))
    result = run.journal.result(oi)
    if cs is not None:
        result = replace(result, card_batches=cards.batch_report(cards.batches(cs), cs, result.applications,
                                                                 result.unapplied, deposits))
    if len(items):
        carried = set(judged.carried["payment_id"]) if len(judged.carried) else set()
        result = returned.reverse(result, items, pay, oi, settings=settings, run_id=run_id,
                                  unposted=judged.unposted, carried=carried)
    return result


def _net_of(oi: pd.DataFrame, deduct: dict[str, int]) -> pd.DataFrame:
    """Open items less what earlier runs applied and the ledger has not posted yet."""
    if not deduct:
        return oi
    out = oi.copy()
    out["open_amount"] = (out["open_amount"] - out["document_no"].map(deduct).fillna(0).astype("int64")).astype("int64")
    out.attrs = dict(oi.attrs)
    return out
