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

Beside this cascade: :mod:`.result` (the result tables' columns), :mod:`.confidence` (the
confidence table, shared with ``XLC_MATCH``), :mod:`.open_index` (the open-item index), :mod:`.fx_convert`
(conversion through the reporting currency), :mod:`.amounts` (tolerance, discount,
combinations), :mod:`.payer`, :mod:`.refs`, :mod:`.prior` (earlier runs' applications) and
:mod:`.cards` (card settlement reports).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

from ..core.errors import InputErrors
from ..io.validate import canonical
from ..core.money import round_half_away, to_decimal
from ..core.schema import REASON_CODES, TABLES
from ..core.settings import Settings
from ..core.terms import TermsError, parse_terms
from . import amounts as am
from . import cards
from . import returns as returned
from .confidence import (C_AMOUNT_ONLY, C_AMT_ALL, C_AMT_COMBO, C_AMT_DISCOUNT, C_AMT_EXACT, C_AMT_TOL, C_AMT_TOL_ONE,
                         C_CONFLICT, C_EXACT, C_FX, C_OCR, C_PO, C_PO_COMBO, C_REMIT, C_REMIT_FUZZY, C_SHORT_KEY,
                         C_TAIL, C_TYPO,
                         F_LARGE_SHORT, F_OFF_CONFIRMED, F_OFF_UNCONFIRMED, F_STATED, F_TOLERANCE, reported)
from .dupes import one_per_bank_entry
from .fx_convert import FxConverter
from .open_index import OpenItemIndex
from .payer import Payer, PayerIndex
from .prior import APPLIED, Judgement, judge, read_prior
from .record import restore_deleted
from .refs import (amounts_in_text, candidates, explain, fuzzy_worthy, normalise_document_no, ocr_key, po_key,
                   reason_code, says_partial)
from .result import (APPLICATION_COLUMNS, APPLICATION_MONEY, DEDUCTION_COLUMNS, EXCEPTION_COLUMNS, POSTING_COLUMNS,
                     UNAPPLIED_COLUMNS, CashAppResult)

_EPOCH = dt.date(1970, 1, 1)
# rules whose match does not rest on who the payer is: an account they applied cash from is
# remembered as that customer's (PayerIndex.learn)
_LEARN_FROM = frozenset({"REMITTANCE", "DOC_REF", "PO_REF", "MANUAL"})


@lru_cache(maxsize=4096)
def _day(value) -> int:
    """A date / Timestamp / datetime64 as days since 1970-01-01."""
    return int(np.datetime64(value, "D").astype("int64"))


@dataclass
class _Alloc:
    item: int
    applied: int
    discount: int = 0
    write_off: int = 0
    deduction: int = 0
    reason_code: str = ""
    evidence: str = ""


@dataclass
class _Outcome:
    rule: str
    allocs: list[_Alloc]
    confidence: float
    evidence: list[str] = field(default_factory=list)
    customer: str = ""
    ambiguous: bool = False
    review_reason: str = "REVIEW"
    excess_reason: str = "ON_ACCOUNT"
    excess_detail: str = ""
    exceptions: list[tuple[str, str]] = field(default_factory=list)
    amount_confirmed: bool = False      # the amount equals the documents' open amount (less earned discount)
    overridable: bool = False           # a later rule that can be applied may replace this proposal
    review_only: bool = False           # never AUTO (an FX difference a person must book)
    manual: bool = False                # a person accepted it (decision ACCEPT): applied as given


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
    kw = dict(reporting_currency=settings.reporting_currency, day_first=settings.day_first,
              decimal_comma=settings.decimal_comma)
    oi = canonical(open_items, "open_items", **kw)
    pay = canonical(payments, "payments", **kw)
    cus = canonical(customers, "customers", **kw) if customers is not None else None
    remittance = canonical(remittance, "remittance", **kw) if remittance is not None else None
    fx = canonical(fx_rates, "fx_rates", **kw) if fx_rates is not None else None
    pay, dup_exceptions = _one_row_per_payment(pay)
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
    run = _Run(_net_of(oi, judged.deduct), cus, remittance, judged, settings, fx, run_id=run_id)
    run.exceptions += dup_exceptions + copies + deleted
    order = pay.sort_values(["value_date", "payment_id"], kind="stable")
    for p in order.itertuples(index=False):
        run.apply(p)
    if cs is not None:
        for r in cs[~cs["record_type"].isin(("SALE", "CHARGEBACK"))].itertuples(index=False):
            run.exceptions.append((r.transaction_id, f"CARD_{r.record_type}",
                                   f"{r.record_type.lower().replace('_', ' ')} in batch {r.batch_id} "
                                   f"({run.fmt(int(r.gross_amount), r.currency)} {r.currency}"
                                   + (f", of {r.original_transaction_id}" if r.original_transaction_id else "")
                                   + "): counted in the batch's net, not applied - book it by hand", r.customer_id, ""))
    result = run.result(oi)
    if cs is not None:
        result = replace(result, card_batches=cards.batch_report(cards.batches(cs), cs, result.applications,
                                                                 result.unapplied, deposits))
    if len(items):
        carried = set(judged.carried["payment_id"]) if len(judged.carried) else set()
        result = returned.reverse(result, items, pay, oi, settings=settings, run_id=run_id,
                                  unposted=judged.unposted, carried=carried)
    return result


def _one_row_per_payment(pay: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple]]:
    """``pay`` with a payment listed again with the same content (a statement loaded twice)
    once; an exception ``DUPLICATE_PAYMENT`` per copy.  (The same ``payment_id`` with other
    content is refused when the table is read.)"""
    dup = pay["payment_id"].duplicated(keep="first")
    if not dup.any():
        return pay, []
    first = dict(zip(pay.loc[~dup, "payment_id"], pay.loc[~dup, "source_row"] if "source_row" in pay else [""] * int((~dup).sum())))
    exc = []
    for r in pay[dup].itertuples(index=False):
        row = getattr(r, "source_row", "")
        exc.append((r.payment_id, "DUPLICATE_PAYMENT",
                    f"row {row} repeats the payment of row {first.get(r.payment_id, '')} (same bank entry, loaded "
                    f"twice): counted once", r.customer_id, ""))
    out = pay[~dup].reset_index(drop=True)
    out.attrs = dict(pay.attrs)
    return out, exc


def _net_of(oi: pd.DataFrame, deduct: dict[str, int]) -> pd.DataFrame:
    """Open items less what earlier runs applied and the ledger has not posted yet."""
    if not deduct:
        return oi
    out = oi.copy()
    out["open_amount"] = (out["open_amount"] - out["document_no"].map(deduct).fillna(0).astype("int64")).astype("int64")
    out.attrs = dict(oi.attrs)
    return out


class _Run:
    def __init__(self, oi, cus, remittance, judged: Judgement, settings: Settings, fx: pd.DataFrame | None = None,
                 run_id: str = ""):
        self.s = settings
        self.fx = fx
        self.fxc = FxConverter(fx, settings.reporting_currency)
        self.run_id = run_id
        self.min_conf = float(settings.auto_apply_min_confidence)
        self.book = OpenItemIndex(oi)
        self.payers = PayerIndex(cus, known_ids=set(self.book.customers()))
        carried = judged.carried
        if carried is not None and len(carried) and "payer_account" in carried.columns:
            mine = carried[carried["status"].isin(APPLIED) & (carried["payer_account"] != "")]
            for acct, cust, pid in zip(mine["payer_account"], mine["customer_id"], mine["payment_id"]):
                self.payers.learn(acct, cust, pid)       # who paid from which account, in earlier runs
        self.remittance_lines: dict[str, list] = {}
        if remittance is not None and len(remittance):
            r = remittance.sort_values(["payment_id", "document_no", "amount_paid", "discount_taken", "deduction_amount",
                                 "deduction_reason"], kind="stable")
            for line in r.itertuples(index=False):
                self.remittance_lines.setdefault(line.payment_id, []).append(line)
        self.judged = judged
        index = {d: i for i, d in enumerate(self.book.doc)}
        self.held = {index[d]: why for d, why in judged.held.items() if d in index}
        self.apps: list[tuple] = []
        self.unapplied: list[tuple] = list(judged.unapplied)
        self.exceptions: list[tuple] = list(judged.exceptions)
        self.deductions: list[tuple] = []
        self.posting: list[tuple] = []
        self.pmt_credits: list[tuple] = []
        self._disc_terms: dict = {}

    # -- helpers ---------------------------------------------------------------------------
    def fmt(self, minor: int, cur: str) -> str:
        """``1,250.00``: an amount for the evidence text."""
        return f"{to_decimal(minor, cur):,}"

    def tol(self, amount: int, cur: str) -> int:
        return am.tolerance(amount, cur, self.s)

    def disc_terms(self, customer: str):
        """The customer's parsed terms when they give an early-payment discount, else None."""
        t = self._disc_terms.get(customer, False)
        if t is False:
            t = None
            text = self.payers.terms.get(customer, "")
            if text:
                try:
                    t = parse_terms(text)
                except TermsError:
                    t = None
                if t is not None and not t.discount_pct:
                    t = None
            self._disc_terms[customer] = t
        return t

    def discount(self, i: int, value_date) -> tuple[int, str]:
        """Early-payment discount item ``i`` earns if paid on ``value_date``: ``(minor units,
        note)``, ``(0, '')`` when the customer's terms give none or the date has passed."""
        b = self.book
        t = self.disc_terms(b.cust[i])
        if t is None or b.remaining[i] <= 0:
            return 0, ""
        last = b.day[i] + t.discount_days
        if _day(value_date) > last:
            return 0, ""
        return (am.discount_amount(b.remaining[i], t.discount_pct),
                f"{t.discount_pct.normalize()}% to {(_EPOCH + dt.timedelta(days=last)).isoformat()}")

    # -- payments in another currency than their documents ------------------------------------
    def _fx(self, p, items: list[int], rule: str, base: float, ev_docs: dict[int, str], evidence: list[str],
            customer: str) -> tuple[_Outcome | None, str]:
        """The payment converted into the currency of ``items`` (all one currency, open amounts
        > 0): a REVIEW-only proposal when it equals their open amount within MatchTolerancePct,
        else ``(None, figures)``; ``(None, '')`` without a rate."""
        b, cur, amt = self.book, p.currency, int(p.amount)
        icur = b.cur[items[0]]
        if self.fx is None or amt <= 0 or any(b.cur[i] != icur for i in items) or any(b.remaining[i] <= 0 for i in items):
            return None, ""
        conv = self.fxc.cross(amt, cur, icur, p.value_date)
        if conv is None:
            return None, f"no FX rate for {cur} or {icur} on {pd.Timestamp(p.value_date).date().isoformat()}"
        converted, how = conv
        total = sum(b.remaining[i] for i in items)
        tol = int(round_half_away(Decimal(total) * self.s.match_tolerance_pct / 100))
        what = "open amount" if len(items) == 1 else f"sum of {len(items)} open items"
        figures = (f"payment {cur} {self.fmt(amt, cur)} = {icur} {self.fmt(converted, icur)} {how}; "
                   f"{what} {icur} {self.fmt(total, icur)}")
        if abs(converted - total) > tol:
            return None, figures + f" (differs by more than {self.s.match_tolerance_pct.normalize()}%)"
        allocs, left = [], amt
        for n, i in enumerate(sorted(items, key=lambda i: (b.ddate[i], b.doc[i]))):
            last = n == len(items) - 1
            part = left if last else min(left, max(0, self.fxc.cross(b.remaining[i], icur, cur, p.value_date)[0]))
            allocs.append(_Alloc(i, part, evidence=ev_docs.get(i, "")))
            left -= part
        diff = converted - total
        note = figures + ("" if not diff else f"; FX difference {icur} {self.fmt(diff, icur)} to book")
        return _Outcome(rule, allocs, min(base, C_FX), list(evidence) + [note], customer=customer, review_only=True,
                        exceptions=[("CURRENCY_DIFFERS", note)]), figures

    # -- one payment -------------------------------------------------------------------------
    def apply(self, p) -> None:
        pid, amt = p.payment_id, int(p.amount)
        if pid in self.judged.done:       # applied in an earlier run: judged in .prior, never applied again
            return
        if pid in self.judged.accepted:
            out = self._accepted(p, self.judged.accepted[pid])
            if out is not None:
                self._commit(p, out)
                return
        payer, payer_note = self.payers.identify(p.customer_id, p.payer_account, p.payer_name)
        notes = [payer_note] if payer_note else []
        pending: list[tuple[str, str]] = []      # exceptions of rules that found nothing usable
        chosen = proposal = empty = None
        # the first rule whose outcome may be applied wins; a mere proposal waits for a later rule
        # that can be applied (an ambiguous or remittance-based proposal ends the search); a rule
        # that finds only problems (no allocation) ends it too, except the remittance rule
        rules = [("remittance", self._remittance)] if pid in self.remittance_lines else []
        rules += [("doc", self._doc_refs), ("po", self._po_refs),
                  ("amounts", self._amounts) if payer is not None else ("amount_only", self._amount_only)]
        for name, rule in rules:
            out = rule(p, payer, notes)
            if out is None:
                continue
            if not out.allocs:
                pending += out.exceptions
                if name != "remittance":
                    empty = out
                    break
                continue
            if self._auto_ok(out):
                chosen = out
                break
            if proposal is None:
                proposal = out
            if out.ambiguous or name == "remittance" or not out.overridable:
                break
        if chosen is not None and proposal is not None:
            docs = ", ".join(self.book.doc[a.item] for a in proposal.allocs)
            chosen.evidence.append(f"not used: {proposal.rule} to {docs} (confidence {proposal.confidence:.2f})")
        out = chosen or proposal or empty
        if out is None or not out.allocs:
            cust = (out.customer if out else "") or (payer.customer_id if payer else "")
            reason = (out.excess_reason if out else "") or ("NO_CANDIDATE" if cust else "UNKNOWN_PAYER")
            detail = "; ".join(n for n in notes if n) or ("no open item matches" if cust else "payer not identified")
            if payer:
                detail = payer.evidence + "; " + detail
            self._unapplied(p, amt, reason, detail, cust)
            for r, d in pending:
                self.exceptions.append((pid, r, d, cust, ""))
            return
        out.exceptions = pending + out.exceptions
        if self._commit(p, out) and out.rule in _LEARN_FROM and (payer is None or payer.customer_id == out.customer):
            self.payers.learn(p.payer_account, out.customer, pid)      # the account's history, for later payments

    def _accepted(self, p, rows: pd.DataFrame) -> _Outcome | None:
        """The proposal a person accepted (decision ACCEPT on its REVIEW rows), as a MANUAL
        application when it still fits today's open items; else an exception and None (the
        rules run again)."""
        b, pid, cur, amt = self.book, p.payment_id, p.currency, int(p.amount)
        index = {d: i for i, d in enumerate(b.doc)}
        allocs, problems, taken = [], [], defaultdict(int)
        for r in rows.itertuples(index=False):
            i = index.get(r.document_no)
            clears = int(r.applied_amount) + int(r.write_off_amount) + int(r.discount_amount) + int(r.deduction_amount)
            if i is None or b.cur[i] != cur:
                problems.append(f"{r.document_no} is not open in {cur}")
                continue
            if clears <= 0 or clears > b.remaining[i] - taken[i]:
                problems.append(f"{r.document_no} is open {self.fmt(b.remaining[i] - taken[i], cur)}, the proposal clears "
                                f"{self.fmt(clears, cur)}")
                continue
            taken[i] += clears
            allocs.append(_Alloc(i, int(r.applied_amount), discount=int(r.discount_amount), write_off=int(r.write_off_amount),
                                 deduction=int(r.deduction_amount), reason_code=r.reason_code or "",
                                 evidence=f"proposed {r.rule} (confidence {float(r.confidence):.2f})"))
        if sum(a.applied for a in allocs) > amt:
            problems.append(f"the proposal applies more than the payment's {self.fmt(amt, cur)}")
        if problems or not allocs:
            self.exceptions.append((pid, "ACCEPT_NOT_APPLIED", "decision ACCEPT not applied: " + "; ".join(problems),
                                    rows["customer_id"].iat[0], ", ".join(rows["document_no"])))
            return None
        return _Outcome("MANUAL", allocs, 1.0, ["decision ACCEPT: applied as a person accepted the proposal"],
                        customer=b.cust[allocs[0].item], manual=True)

    def _auto_ok(self, out: _Outcome) -> bool:
        if out.manual:
            return True
        return not out.ambiguous and not out.review_only and reported(out.confidence) >= self.min_conf

    def _commit(self, p, out: _Outcome) -> bool:
        """Record ``out`` for payment ``p``: AUTO (applied, True) or REVIEW (proposed, False)."""
        b, pid, cur, amt = self.book, p.payment_id, p.currency, int(p.amount)
        conf = reported(out.confidence)
        auto = self._auto_ok(out)
        held = [] if out.manual else [self.held[a.item] for a in out.allocs if a.item in self.held]
        if held:        # an earlier application to the document is in question: a person decides
            auto = False
            out.evidence.append("not applied automatically: " + "; ".join(held))
        status = "AUTO" if auto else "REVIEW"
        cust = out.customer or (b.cust[out.allocs[0].item] if out.allocs else "")
        head = "; ".join(e for e in out.evidence if e)
        cash = 0
        n_ded = 0
        for a in out.allocs:
            i = a.item
            ev = "; ".join(x for x in (a.evidence, head) if x)
            self.apps.append((pid, b.doc[i], b.cust[i], a.applied, out.rule, conf, status, b.remaining[i], a.write_off,
                              a.discount, a.deduction, p.value_date, amt, p.payer_account,
                              getattr(p, "bank_reference", ""), getattr(p, "end_to_end_id", ""), "", ev, cur,
                              (a.reason_code or "OTHER") if a.deduction else "", self.run_id))
            cash += a.applied
            if not auto:
                continue
            cleared = a.applied + a.discount + a.write_off + a.deduction
            b.remaining[i] -= cleared
            if b.remaining[i] == 0:
                b.consumed_by[i] = pid
            text = f"payment {pid} to {b.doc[i]}"
            if a.applied:
                self.posting.append((pid, "APPLICATION", b.cust[i], b.doc[i], a.applied, cur, p.value_date, text))
            if a.discount:
                self.posting.append((pid, "DISCOUNT", b.cust[i], b.doc[i], a.discount, cur, p.value_date,
                                     f"early-payment discount on {b.doc[i]}"))
            if a.write_off:
                self.posting.append((pid, "WRITE_OFF", b.cust[i], b.doc[i], a.write_off, cur, p.value_date,
                                     f"short payment within tolerance written off on {b.doc[i]}"))
            if a.deduction:
                n_ded += 1
                ded_no = f"DED-{pid}-{n_ded}"
                code = a.reason_code or "OTHER"
                self.deductions.append((b.cust[i], ded_no, b.doc[i], a.deduction, code, pid, cur, p.value_date))
                self.posting.append((pid, "DEDUCTION", b.cust[i], ded_no, a.deduction, cur, p.value_date,
                                     f"deduction {code} raised from short payment of {b.doc[i]}"))
        if auto:
            rest = amt - cash
            if rest:
                self._unapplied(p, rest, out.excess_reason or "ON_ACCOUNT",
                                out.excess_detail or f"{self.fmt(rest, cur)} left after applying", cust)
        else:
            reason = "AMBIGUOUS" if out.ambiguous else "REVIEW"
            docs = ", ".join(b.doc[a.item] for a in out.allocs)
            detail = f"proposed {out.rule} to {docs} (confidence {conf:.2f}): {head}"
            self._unapplied(p, amt, reason, detail, cust)
            self.exceptions.append((pid, reason, detail, cust, docs))
        for r, d in out.exceptions:
            self.exceptions.append((pid, r, d, cust, ""))
        return auto

    def _unapplied(self, p, amount: int, reason: str, detail: str, customer: str) -> None:
        if amount == 0:
            return
        pid, cur = p.payment_id, p.currency
        self.unapplied.append((pid, amount, reason, cur, p.payer_name, p.reference, detail, customer))
        kind = "ON_ACCOUNT" if customer else "UNAPPLIED"
        self.posting.append((pid, kind, customer, "", amount, cur, p.value_date,
                             f"{reason.lower().replace('_', ' ')}: {detail}"[:250]))
        if customer:
            self.pmt_credits.append((pid, customer, amount, cur, p.value_date, reason))

    # -- rule 1: remittance advice -----------------------------------------------------------
    def _resolve(self, token: str, payer: Payer | None, cur: str, amount: int | None) -> tuple[int | None, str, float]:
        """One document number (from a remittance line) -> item, how, confidence."""
        b = self.book
        key = normalise_document_no(token)
        hits = b.hits(key)
        if hits:
            i = self._choose(hits, payer, cur)
            if i is not None:
                return i, explain(token, b.doc[i]), C_EXACT
            return None, f'document "{token}" matches {len(hits)} open items', 0.0
        found = self._fuzzy(token, key, self._confirm_set({payer.customer_id} if payer else set(), cur, amount))
        if len(found) == 1:
            i, how = found[0]
            return i, how, C_REMIT_FUZZY
        return None, f'document "{token}" not found among the open items', 0.0

    def _remittance(self, p, payer, notes) -> _Outcome | None:
        b, cur, amt = self.book, p.currency, int(p.amount)
        lines = self.remittance_lines[p.payment_id]
        allocs: list[_Alloc] = []
        exc: list[tuple[str, str]] = []
        conf = C_REMIT
        unresolved = 0
        taken: dict[int, int] = defaultdict(int)
        total_paid = sum(int(x.amount_paid) for x in lines)
        review = False
        cust = payer.customer_id if payer else ""
        for ln in lines:
            paid, disc_t = int(ln.amount_paid), int(ln.discount_taken)
            ded_t = int(ln.deduction_amount)
            i, how, c = self._resolve(ln.document_no, payer, cur, paid + disc_t + ded_t) if ln.document_no else (None, "no document number on the line", 0.0)
            if i is None:
                unresolved += paid
                exc.append(("REMITTANCE_DIFFERS", f"remittance line {ln.document_no or '(blank)'} {self.fmt(paid, cur)}: {how}"))
                continue
            if b.cur[i] != cur:
                unresolved += paid
                exc.append(("CURRENCY_DIFFERS", f"remittance line {b.doc[i]} is in {b.cur[i]}, the payment in {cur}"))
                continue
            conf = min(conf, c)
            cust = cust or b.cust[i]
            open_now = b.remaining[i] - taken[i]
            ev = f'remittance line "{ln.document_no}" ~ document_no {b.doc[i]} ({how}); paid {self.fmt(paid, cur)}'
            if paid + disc_t + ded_t > open_now or open_now <= 0:
                review = True
                exc.append(("REMITTANCE_DIFFERS", f"remittance line {b.doc[i]} clears {self.fmt(paid + disc_t + ded_t, cur)}"
                                                  f" but {self.fmt(open_now, cur)} is open"))
                allocs.append(_Alloc(i, min(paid, max(open_now, 0)), evidence=ev))
                continue
            a = _Alloc(i, paid, evidence=ev)
            if disc_t:
                earned, note = self.discount(i, p.value_date)
                if disc_t <= earned + self.tol(earned, cur):
                    a.discount = disc_t
                    a.evidence += f"; discount {self.fmt(disc_t, cur)} earned ({note})"
                else:
                    a.deduction += disc_t
                    a.reason_code = "OTHER"
                    a.evidence += f"; discount {self.fmt(disc_t, cur)} not earned: raised as deduction"
                    exc.append(("DISCOUNT_NOT_EARNED", f"{b.doc[i]}: discount {self.fmt(disc_t, cur)} taken, "
                                                       f"{self.fmt(earned, cur)} earned by {p.value_date.date()}"))
            if ded_t:
                a.deduction += ded_t
                code = ln.deduction_reason if ln.deduction_reason in REASON_CODES else reason_code(ln.deduction_reason or p.reference)
                a.reason_code = code
                a.evidence += f"; deduction {self.fmt(ded_t, cur)} ({code}) as advised"
            left = open_now - a.applied - a.discount - a.deduction
            if 0 < left <= self.tol(open_now, cur):
                a.write_off = left
                a.evidence += f"; short {self.fmt(left, cur)} written off (within tolerance)"
            elif left > 0:
                a.evidence += f"; {self.fmt(left, cur)} stays open (partial payment as advised)"
                exc.append(("REMITTANCE_DIFFERS", f"{b.doc[i]}: advised {self.fmt(paid, cur)} of {self.fmt(open_now, cur)} open;"
                                                  f" {self.fmt(left, cur)} stays open"))
            taken[i] += a.applied + a.discount + a.deduction + a.write_off
            allocs.append(a)
        if not allocs:
            notes.append("remittance lines name no open item")
            return _Outcome("REMITTANCE", [], 0.0, customer=cust, excess_reason="NO_CANDIDATE" if cust else "UNKNOWN_PAYER",
                            exceptions=exc) if exc else None
        evidence = [payer.evidence] if payer else []
        out = _Outcome("REMITTANCE", allocs, conf, evidence, customer=cust, exceptions=exc)
        cash = sum(a.applied for a in allocs)
        if total_paid > amt or cash > amt:
            out.confidence = C_CONFLICT
            out.review_only = cash > amt        # never more cash applied than was received, whatever the bar
            out.exceptions.append(("REMITTANCE_DIFFERS", f"remittance advises {self.fmt(total_paid, cur)}, payment is {self.fmt(amt, cur)}"))
        elif total_paid < amt:
            out.exceptions.append(("REMITTANCE_DIFFERS", f"remittance advises {self.fmt(total_paid, cur)}, payment is {self.fmt(amt, cur)}:"
                                                         f" {self.fmt(amt - cash, cur)} left unapplied"))
            out.excess_detail = f"remittance advises {self.fmt(total_paid, cur)} of {self.fmt(amt, cur)} received"
        if unresolved:
            out.excess_reason = "NO_CANDIDATE"
        if review:
            out.confidence = min(out.confidence, C_CONFLICT)
        if not cust:
            out.excess_reason = "NO_CANDIDATE"
        return out

    # -- rule 2: document numbers in the reference ------------------------------------------
    def _choose(self, hits: list[int], payer: Payer | None, cur: str) -> int | None:
        if len(hits) == 1:
            return hits[0]
        b = self.book
        pool = hits
        for keep in (lambda i: b.cur[i] == cur,
                     lambda i: payer is not None and self.payers.related(payer.customer_id, b.cust[i]),
                     lambda i: b.remaining[i] != 0):
            narrowed = [i for i in pool if keep(i)]
            if narrowed:
                pool = narrowed
            if len(pool) == 1:
                return pool[0]
        return None

    def _confirm_set(self, custs: set[str], cur: str, amount: int | None) -> list[int]:
        """Items that may confirm an OCR/typo variant: the open items of ``custs`` in ``cur``
        and the items whose open amount is ``amount``."""
        b = self.book
        items: list[int] = []
        for c in sorted(x for x in custs if x):
            items += [i for i in b.of_customer(c) if b.cur[i] == cur and b.remaining[i] > 0]
        if amount:
            items += b.by_amount(cur, amount)
        return sorted(set(items))

    def _fuzzy(self, raw: str, key: str, pool: list[int]) -> list[tuple[int, str]]:
        """Items of ``pool`` whose number is an OCR-style or one-character variant of ``raw``."""
        if not pool or not fuzzy_worthy(raw, key):
            return []
        b = self.book
        ok = ocr_key(raw)
        found: list[tuple[int, str]] = []
        for i in pool:
            k = b.key[i]
            if k == key:
                continue
            if abs(len(k) - len(ok)) <= 1 and (k if k.isdigit() else b.ocr(i)) == ok:
                found.append((i, explain(raw, b.doc[i])))
            elif abs(len(k) - len(key)) <= 1 and len(k) >= 5 and OSA.distance(k, key, score_cutoff=1) <= 1:
                found.append((i, "one-character typo"))
        found.sort(key=lambda x: b.doc[x[0]])
        return found

    def _doc_refs(self, p, payer: Payer | None, notes: list[str]) -> _Outcome | None:
        b, cur, amt = self.book, p.currency, int(p.amount)
        toks = candidates(p.reference)
        if not toks:
            return None
        hits: list[tuple[int, str, float, str]] = []     # item, raw token, confidence, how
        seen: set[int] = set()
        hit_keys: set[str] = set()
        ambiguous_tokens: list[str] = []
        for raw, key in toks:
            lst = b.hits(key)
            tail = False
            if not lst and key.isdigit():
                lst, tail = b.tail_hits(key), True      # 0025352 for DM0025352
            if not lst:
                continue
            i = self._choose(lst, payer, cur)
            if i is None:
                ambiguous_tokens.append(f'reference "{raw}" matches {len(lst)} documents '
                                        f'({", ".join(b.doc[j] for j in lst[:3])})')
                continue
            hit_keys.add(key)
            if i in seen:
                continue
            seen.add(i)
            c = C_TAIL if tail else C_EXACT if len(key) >= 5 else C_SHORT_KEY
            hits.append((i, raw, c, explain(raw, b.doc[i])))
        # every exact hit is in another currency, or of another customer than a surely known payer:
        # a typo may have made another document's number - look for a variant the payer/amount confirms
        def disconfirmed(i: int) -> bool:
            return b.cur[i] != cur or (payer is not None and payer.confidence >= 0.97
                                       and not self.payers.related(payer.customer_id, b.cust[i]))
        if len(hits) == 1 and disconfirmed(hits[0][0]):
            pool = self._confirm_set({payer.customer_id} if payer else set(), cur, amt)
            i0, raw0 = hits[0][0], hits[0][1]
            found = self._fuzzy(raw0, normalise_document_no(raw0), pool) if pool else []
            if len(found) == 1:
                i, how = found[0]
                other = f"{b.doc[i0]} of {b.cust[i0]} in {b.cur[i0]}"
                hits = [(i, raw0, C_TYPO, f"{how}; the number as written is {other}")]
                seen = {i}
        # OCR-style and one-character variants, only within the confirming customers / amount
        explained = hits and sum(b.remaining[i] for i, *_ in hits if b.cur[i] == cur) == amt
        fuzzy_toks = [] if explained else [
            (raw, key) for raw, key in toks
            if " " not in raw and key not in hit_keys and not b.has_key(key) and key not in b.by_po
            and fuzzy_worthy(raw, key)]
        fuzzy_hit: set[str] = set()
        pool = []
        if fuzzy_toks:
            custs = {b.cust[i] for i, *_ in hits}
            if payer:
                custs.add(payer.customer_id)
            pool = self._confirm_set(custs, cur, amt)
        if pool:
            for raw, key in fuzzy_toks:
                found = [(i, how) for i, how in self._fuzzy(raw, key, pool) if i not in seen]
                if len(found) == 1:
                    i, how = found[0]
                    seen.add(i)
                    fuzzy_hit.add(key)
                    hits.append((i, raw, C_OCR if how.startswith("OCR") else C_TYPO, how))
                elif len(found) > 1:
                    ambiguous_tokens.append(f'reference "{raw}" is close to {len(found)} documents '
                                            f'({", ".join(b.doc[j] for j, _ in found[:3])})')
        if not hits:
            if ambiguous_tokens:
                notes.extend(ambiguous_tokens)
            return None
        evidence = [payer.evidence] if payer else []
        # currency
        other_cur = [h for h in hits if b.cur[h[0]] != cur]
        hits = [h for h in hits if b.cur[h[0]] == cur]
        if other_cur and not hits:
            i = other_cur[0][0]
            fx_items = [h[0] for h in other_cur]
            cust_of = {b.cust[j] for j in fx_items}
            related = payer is None or all(self.payers.related(payer.customer_id, c) for c in cust_of)
            figures = ""
            if related and (len(cust_of) == 1 or payer is not None):
                ev = {h[0]: f'reference "{h[1]}" ~ document_no {b.doc[h[0]]} ({h[3]})' for h in other_cur}
                fx, figures = self._fx(p, fx_items, "DOC_REF", min(h[2] for h in other_cur), ev, evidence,
                                       payer.customer_id if payer else b.cust[i])
                if fx is not None:
                    return fx
            notes.append(f"reference names {b.doc[i]} in {b.cur[i]}; the payment is in {cur}"
                         + (f" ({figures})" if figures else ""))
            return _Outcome("DOC_REF", [], 0.0, customer=b.cust[i], excess_reason="CURRENCY_DIFFERS",
                            exceptions=[("CURRENCY_DIFFERS", f"reference names {b.doc[i]} ({b.cur[i]}), payment in {cur}"
                                         + (f"; {figures}" if figures else ""))])
        # documents already cleared earlier in this run
        cleared = [h for h in hits if b.remaining[h[0]] == 0]
        hits = [h for h in hits if b.remaining[h[0]] != 0]
        if cleared and not hits:
            i = cleared[0][0]
            by = b.consumed_by.get(i, "")
            d = f"reference names {b.doc[i]}, already cleared" + (f" by payment {by} in this run" if by else "")
            notes.append(d)
            return _Outcome("DOC_REF", [], 0.0, customer=b.cust[i], excess_reason="NO_CANDIDATE",
                            exceptions=[("POSSIBLE_DUPLICATE_PAYMENT", d)])
        cust_of = {b.cust[h[0]] for h in hits}
        ev_docs = {h[0]: f'reference "{h[1]}" ~ document_no {b.doc[h[0]]} ({h[3]})' for h in hits}
        base = min(h[2] for h in hits)
        exc: list[tuple[str, str]] = []
        if ambiguous_tokens:
            exc.append(("AMBIGUOUS", "; ".join(ambiguous_tokens)))
        related = payer is not None and all(self.payers.related(payer.customer_id, c) for c in cust_of)
        conflict = (payer is not None and not related) or len(cust_of) > 1 and not all(
            self.payers.related(a, c) for a in cust_of for c in cust_of)
        customer = payer.customer_id if (payer and related) else sorted(cust_of)[0]
        out = self._allocate([h[0] for h in hits], p, base, ev_docs, confirmed=related, customer=customer,
                             rule="DOC_REF", evidence=evidence)
        out.exceptions = exc + out.exceptions
        if cleared:
            out.exceptions.append(("POSSIBLE_DUPLICATE_PAYMENT", "; ".join(
                f"{b.doc[h[0]]} already cleared" for h in cleared)))
        if conflict:
            out.confidence = min(out.confidence, C_CONFLICT)
            who = payer.customer_id if payer else "?"
            out.exceptions.append(("CUSTOMER_MISMATCH", f"payer identified as {who}; referenced documents belong to "
                                                        f"{', '.join(sorted(cust_of))}"))
        if ambiguous_tokens:
            out.confidence = min(out.confidence, 0.85)
        # document-like numbers of the reference that match nothing: a named document may be missing
        in_pairs = {w for h in hits for w in h[1].split(" ")[1:]}      # "0008 4710": 4710 is used
        unresolved = [raw for raw, key in toks if " " not in raw and key not in hit_keys and key not in fuzzy_hit
                      and raw not in in_pairs and key not in b.by_po and fuzzy_worthy(raw, key)]
        if unresolved and not out.amount_confirmed:
            out.confidence = min(out.confidence, 0.85)
            out.evidence.append(f'reference also has {", ".join(unresolved[:3])}, which matches no open item')
        # the reference names only documents of other customers than a surely known payer: a later
        # rule (the payer's own open items) may still apply the payment
        out.overridable = conflict and payer is not None and payer.confidence >= 0.97 and not any(
            self.payers.related(payer.customer_id, c) for c in cust_of)
        return out

    def _allocate(self, items: list[int], p, base: float, ev_docs: dict[int, str], *, confirmed: bool,
                  customer: str, rule: str, evidence: list[str]) -> _Outcome:
        """Named documents and the payment amount: full, discount, write-off, deduction, excess."""
        b, cur, amt = self.book, p.currency, int(p.amount)
        order = sorted(items, key=lambda i: (b.ddate[i], b.doc[i]))
        pos = [i for i in order if b.remaining[i] > 0]
        neg = [i for i in order if b.remaining[i] < 0]
        total = sum(b.remaining[i] for i in order)
        allocs = [_Alloc(i, b.remaining[i], evidence=ev_docs.get(i, "")) for i in order]
        last = {a.item: a for a in allocs}
        n = len(order)
        what = "open amount" if n == 1 else f"sum of {n} open items"
        out = _Outcome(rule, allocs, base, list(evidence), customer=customer)
        if total <= 0 or not pos:
            out.confidence = C_CONFLICT
            out.evidence.append(f"named documents net to {self.fmt(total, cur)}")
            return out
        if amt == total:
            out.evidence.append(f"amount {self.fmt(amt, cur)} = {what}")
            out.amount_confirmed = True
            return out
        # earned early-payment discounts
        discs = [(i, *self.discount(i, p.value_date)) for i in pos]
        disc_total = sum(d for _, d, _ in discs)
        last_d = [d for _, d, _ in discs if d][-1] if disc_total else 0
        if disc_total and abs(total - disc_total - amt) <= len(pos) and last_d + (total - disc_total - amt) >= 0:
            diff = total - disc_total - amt
            for i, d, note in discs:
                a = last[i]
                a.discount = d
                a.applied = b.remaining[i] - d
            a = last[[i for i, d, _ in discs if d][-1]]
            a.discount += diff
            a.applied -= diff
            out.amount_confirmed = True
            notes = sorted({note for _, d, note in discs if d})
            out.evidence.append(f"amount {self.fmt(amt, cur)} = {what} {self.fmt(total, cur)} less earned discount "
                                f"{self.fmt(disc_total + diff, cur)} ({', '.join(notes)})")
            return out
        alt = self._other_exact(amt, cur, customer, set(order), p.value_date)
        if alt is not None:
            out.ambiguous = True
            out.evidence.append(f"amount {self.fmt(amt, cur)} differs from {what} {self.fmt(total, cur)} "
                                f"but equals the open amount of {b.doc[alt]}")
            return out
        if amt < total:
            short = total - amt
            tail = last[pos[-1]]
            tol = self.tol(total, cur)
            if short <= tol and short <= b.remaining[pos[-1]]:
                tail.write_off = short
                tail.applied -= short
                out.confidence = base * (F_TOLERANCE if confirmed else F_OFF_UNCONFIRMED)
                out.evidence.append(f"amount {self.fmt(amt, cur)} = {what} {self.fmt(total, cur)} less "
                                    f"{self.fmt(short, cur)} written off (tolerance {self.fmt(tol, cur)})")
                return out
            if says_partial(p.reference):
                # partial payment: oldest first, the rest stays open
                left = amt - sum(b.remaining[i] for i in neg)
                for a in allocs:
                    if b.remaining[a.item] > 0:
                        a.applied = max(0, min(b.remaining[a.item], left))
                        left -= a.applied
                out.allocs = [a for a in allocs if a.applied != 0]
                out.confidence = base * (F_OFF_CONFIRMED if confirmed else F_OFF_UNCONFIRMED)
                out.evidence.append(f"partial payment {self.fmt(amt, cur)} of {what} {self.fmt(total, cur)} "
                                    f"(reference says partial): oldest first, the rest stays open")
                return out
            if len(pos) > 1 and short >= min(b.remaining[i] for i in pos) or short > b.remaining[pos[-1]]:
                out.confidence = min(base, C_CONFLICT)
                out.evidence.append(f"amount {self.fmt(amt, cur)} is {self.fmt(short, cur)} short of {what} "
                                    f"{self.fmt(total, cur)}: not all named documents seem paid")
                return out
            code = reason_code(p.reference)
            tail.deduction = short
            tail.applied -= short
            tail.reason_code = code
            f = F_OFF_CONFIRMED if confirmed else F_OFF_UNCONFIRMED
            if short * 2 > total:
                f = min(f, F_LARGE_SHORT)
            stated = short in amounts_in_text(p.reference, cur)
            if stated:          # the payer wrote down exactly this difference
                f = max(f, F_STATED)
            out.confidence = base * f
            out.evidence.append(f"amount {self.fmt(amt, cur)} is {self.fmt(short, cur)} short of {what} "
                                f"{self.fmt(total, cur)}" + (" (the reference states the difference)" if stated else "")
                                + f": deduction {code} raised on {b.doc[pos[-1]]} (over tolerance {self.fmt(tol, cur)})")
            return out
        excess = amt - total
        out.confidence = base * (F_OFF_CONFIRMED if confirmed else F_OFF_UNCONFIRMED)
        out.excess_reason = "ON_ACCOUNT"
        out.excess_detail = f"overpayment: {self.fmt(excess, cur)} over {what} {self.fmt(total, cur)} left on account"
        out.evidence.append(f"amount {self.fmt(amt, cur)} exceeds {what} {self.fmt(total, cur)}: "
                            f"{self.fmt(excess, cur)} on account")
        return out

    def _other_exact(self, amt: int, cur: str, customer: str, exclude: set[int], value_date) -> int | None:
        """Another open item of ``customer`` whose open amount (or less its earned discount)
        is exactly the payment: evidence that the reference may name the wrong document."""
        b = self.book
        has_disc = self.disc_terms(customer) is not None
        for i in b.of_customer(customer):
            if b.remaining[i] <= 0 or i in exclude or b.cur[i] != cur:
                continue
            if b.remaining[i] == amt or has_disc and self._less_discount(i, amt, value_date):
                return i
        return None

    def _less_discount(self, i: int, amt: int, value_date) -> tuple[int, str] | None:
        """``(discount, note)`` when item ``i``'s open amount less the discount it earns on
        ``value_date`` is exactly ``amt``, else None."""
        if not (amt < self.book.remaining[i] <= amt + amt // 4):      # a discount is a few percent
            return None
        d, note = self.discount(i, value_date)
        return (d, note) if d and self.book.remaining[i] - d == amt else None

    # -- rule 3: PO numbers and other references --------------------------------------------
    def _po_refs(self, p, payer: Payer | None, notes: list[str]) -> _Outcome | None:
        b, cur, amt = self.book, p.currency, int(p.amount)
        if not b.by_po:
            return None
        group: list[int] = []
        raws: list[str] = []
        for raw, _ in candidates(p.reference):
            k = po_key(raw)
            lst = b.by_po.get(k)
            if not lst:
                continue
            items = [i for i in lst if b.cur[i] == cur and b.remaining[i] > 0 and i not in group]
            if payer is not None:
                rel = [i for i in items if self.payers.related(payer.customer_id, b.cust[i])]
                items = rel
            if items:
                group += items
                raws.append(raw)
        if not group:
            return None
        custs = {b.cust[i] for i in group}
        if len(custs) > 1 and not all(self.payers.related(a, c) for a in custs for c in custs):
            notes.append(f'reference "{raws[0]}" matches PO/reference of {len(custs)} customers')
            return None
        customer = payer.customer_id if payer else sorted(custs)[0]
        group = sorted(group, key=lambda i: (b.ddate[i], b.doc[i]))
        bonus = 0.02 if payer else 0.0
        evidence = ([payer.evidence] if payer else []) + [f'reference "{", ".join(raws)}" = PO/reference of '
                                                          f'{len(group)} open item{"s" if len(group) > 1 else ""}']
        ev = {i: f"po/reference of {b.doc[i]}" for i in group}
        total = sum(b.remaining[i] for i in group)
        if total == amt:
            evidence.append(f"amount {self.fmt(amt, cur)} = open amount" + (f" of all {len(group)}" if len(group) > 1 else ""))
            return _Outcome("PO_REF", [_Alloc(i, b.remaining[i], evidence=ev[i]) for i in group], C_PO + bonus, evidence, customer=customer)
        single = [i for i in group if b.remaining[i] == amt]
        if len(single) == 1:
            evidence.append(f"amount {self.fmt(amt, cur)} = open amount of {b.doc[single[0]]}")
            return _Outcome("PO_REF", [_Alloc(single[0], amt, evidence=ev[single[0]])], C_PO + bonus, evidence, customer=customer)
        if len(single) > 1:
            evidence.append(f"{len(single)} items of this PO have the open amount {self.fmt(amt, cur)}")
            return _Outcome("PO_REF", [_Alloc(single[0], amt, evidence=ev[single[0]])], C_PO, evidence,
                            customer=customer, ambiguous=True)
        disc = [(i, *self.discount(i, p.value_date)) for i in group]
        dhit = [(i, d, note) for i, d, note in disc if d and b.remaining[i] - d == amt]
        if len(dhit) == 1:
            i, d, note = dhit[0]
            evidence.append(f"amount {self.fmt(amt, cur)} = open amount of {b.doc[i]} less earned discount {self.fmt(d, cur)} ({note})")
            return _Outcome("PO_REF", [_Alloc(i, amt, discount=d, evidence=ev[i])], C_PO + bonus, evidence, customer=customer)
        combos, complete = am.combinations([b.remaining[i] for i in group], amt)
        if combos:
            chosen = [group[j] for j in combos[0]]
            unique = len(combos) == 1 and complete
            evidence.append(f"amount {self.fmt(amt, cur)} = sum of {len(chosen)} of its open items"
                            + ("" if unique else " (more than one combination)"))
            return _Outcome("PO_REF", [_Alloc(i, b.remaining[i], evidence=ev[i]) for i in chosen], C_PO_COMBO + bonus,
                            evidence, customer=customer, ambiguous=not unique)
        notes.append(f'reference "{raws[0]}" = PO/reference of {len(group)} open items but the amounts do not match')
        return None

    # -- rule 4: amounts within the identified customer -------------------------------------
    def _amounts(self, p, payer: Payer, notes: list[str]) -> _Outcome | None:
        b, cur, amt = self.book, p.currency, int(p.amount)
        c = payer.customer_id
        items = [i for i in b.of_customer(c) if b.cur[i] == cur and b.remaining[i] != 0]
        pos = [i for i in items if b.remaining[i] > 0]
        if not pos:
            others = sorted({b.cur[i] for i in b.of_customer(c) if b.remaining[i] > 0 and b.cur[i] != cur})
            notes.append(f"customer {c} has no open item in {cur}" + (f" (only in {', '.join(others)})" if others else ""))
            if others and self.fx is not None:
                fits = []
                for i in b.of_customer(c):
                    if b.remaining[i] > 0 and b.cur[i] != cur:
                        fx, _ = self._fx(p, [i], "AMOUNT_EXACT", C_AMT_EXACT * payer.confidence, {}, [payer.evidence], c)
                        if fx is not None:
                            fits.append(fx)
                if fits:
                    fits[0].ambiguous = len(fits) > 1
                    return fits[0]
            if others:
                return _Outcome("AMOUNT_EXACT", [], 0.0, customer=c, excess_reason="CURRENCY_DIFFERS",
                                exceptions=[("CURRENCY_DIFFERS", f"payment in {cur}; {c}'s open items are in "
                                                                 f"{', '.join(others)}")])
            return None
        idc = payer.confidence
        ev0 = [payer.evidence]
        exact = [i for i in pos if b.remaining[i] == amt]
        if exact:
            ev = ev0 + [f"amount {self.fmt(amt, cur)} = open amount of {b.doc[exact[0]]}"
                        + (f" (and of {len(exact) - 1} other item{'s' if len(exact) > 2 else ''})" if len(exact) > 1 else
                           " (the only open item of that amount)")]
            return _Outcome("AMOUNT_EXACT", [_Alloc(exact[0], amt)], C_AMT_EXACT * idc, ev, customer=c,
                            ambiguous=len(exact) > 1)
        dhit = [(i, *hit) for i in (pos if self.disc_terms(c) is not None else ())
                if (hit := self._less_discount(i, amt, p.value_date))]
        if dhit:
            i, d, note = dhit[0]
            ev = ev0 + [f"amount {self.fmt(amt, cur)} = open amount {self.fmt(b.remaining[i], cur)} of {b.doc[i]} less earned "
                        f"discount {self.fmt(d, cur)} ({note})"]
            return _Outcome("AMOUNT_DISCOUNT", [_Alloc(i, amt, discount=d)], C_AMT_DISCOUNT * idc, ev, customer=c,
                            ambiguous=len(dhit) > 1)
        if len(items) >= 2 and sum(b.remaining[i] for i in items) == amt:
            ev = ev0 + [f"amount {self.fmt(amt, cur)} = all {len(items)} open items of {c}"]
            return _Outcome("AMOUNT_ALL_OPEN", [_Alloc(i, b.remaining[i]) for i in items], C_AMT_ALL * idc, ev, customer=c)
        combos, complete = am.combinations([b.remaining[i] for i in pos], amt)
        if combos:
            chosen = [pos[j] for j in combos[0]]
            unique = len(combos) == 1 and complete
            ev = ev0 + [f"amount {self.fmt(amt, cur)} = sum of {len(chosen)} open items "
                        f"({', '.join(b.doc[i] for i in chosen)})" + ("" if unique else "; more than one combination fits")]
            return _Outcome("AMOUNT_COMBINATION", [_Alloc(i, b.remaining[i]) for i in chosen], C_AMT_COMBO * idc, ev,
                            customer=c, ambiguous=not unique)
        near = self._near(p, c, pos, idc, ev0)
        if near is not None:
            return near
        notes.append(f"no open item or combination of {c} matches {self.fmt(amt, cur)}")
        return None

    def _near(self, p, c: str, pos: list[int], idc: float, ev0: list[str]) -> _Outcome | None:
        """Customer ``c``'s open items (``pos``) a little more than the payment (a short pay: the
        difference written off) or a little less (an over pay: the excess on account), within
        tolerance: one item, or 2-4 by :func:`.amounts.combinations`; applied when exactly one
        fits, else a proposal.  Beyond tolerance only proposals (never AUTO): the customer's one
        open item short-paid (the difference a deduction, reason from the reference) or all its
        open items over-paid (the excess on account).  Money in minor units of the payment."""
        b, cur, amt = self.book, p.currency, int(p.amount)
        tol = self.tol(amt, cur)
        fits: list[tuple[list[int], int]] = []        # items, their open amount less the payment
        complete = True
        if tol > 0:
            for i in pos:
                d = b.remaining[i] - amt
                if d and abs(d) <= self.tol(b.remaining[i], cur):
                    fits.append(([i], d))
            amounts = [b.remaining[i] for i in pos]
            for lo in (amt + 1, amt - tol):               # short: sums amt+1 .. amt+tol; over: amt-tol .. amt-1
                if lo > 0:
                    combos, done = am.combinations(amounts, lo, slack=tol - 1)
                    complete &= done
                    fits += [([pos[j] for j in cmb], sum(amounts[j] for j in cmb) - amt) for cmb in combos]
        if fits:
            items, d = fits[0]
            items = sorted(items, key=lambda i: (b.ddate[i], b.doc[i]))
            unique = len(fits) == 1 and complete
            allocs = [_Alloc(i, b.remaining[i]) for i in items]
            docs = ", ".join(b.doc[i] for i in items)
            what = f"open amount {self.fmt(b.remaining[items[0]], cur)} of {docs}" if len(items) == 1 else \
                f"sum {self.fmt(amt + d, cur)} of {len(items)} open items ({docs})"
            out = _Outcome("AMOUNT_TOLERANCE", allocs, (C_AMT_TOL_ONE if unique else C_AMT_TOL) * idc, list(ev0),
                           customer=c, ambiguous=not unique)
            if d > 0:
                a = next((a for a in reversed(allocs) if b.remaining[a.item] >= d), None)
                if a is None:
                    return None
                a.applied -= d
                a.write_off = d
                out.evidence.append(f"amount {self.fmt(amt, cur)} = {what} less {self.fmt(d, cur)} written off on "
                                    f"{b.doc[a.item]} (within tolerance {self.fmt(tol, cur)})")
            else:
                out.excess_detail = f"overpaid {self.fmt(-d, cur)} (within tolerance) over the {what}: left on account"
                out.evidence.append(f"amount {self.fmt(amt, cur)} = {what} plus {self.fmt(-d, cur)} on account "
                                    f"(within tolerance {self.fmt(tol, cur)})")
            if not unique:
                out.evidence.append("more than one item or combination fits within tolerance")
            return out
        total = sum(b.remaining[i] for i in pos)
        if len(pos) == 1 and amt < total:
            i = pos[0]
            code = reason_code(p.reference)
            ev = ev0 + [f"amount {self.fmt(amt, cur)} is {self.fmt(total - amt, cur)} short of {b.doc[i]}, {c}'s "
                        f"only open item: deduction {code} proposed"]
            return _Outcome("AMOUNT_SHORT", [_Alloc(i, amt, deduction=total - amt, reason_code=code)], C_AMT_TOL * idc,
                            ev, customer=c, review_only=True)
        if amt > total:
            out = _Outcome("AMOUNT_OVER", [_Alloc(i, b.remaining[i]) for i in pos], C_AMT_TOL * idc,
                           ev0 + [f"amount {self.fmt(amt, cur)} is {self.fmt(amt - total, cur)} more than all "
                                  f"{len(pos)} open item{'s' if len(pos) > 1 else ''} of {c}: the excess on account"],
                           customer=c, review_only=True)
            out.excess_detail = f"overpaid {self.fmt(amt - total, cur)} over all open items of {c}: left on account"
            return out
        return None

    def _amount_only(self, p, payer, notes: list[str]) -> _Outcome | None:
        """Unknown payer: a proposal (never AUTO) when exactly one open item in the book has the amount."""
        b, cur, amt = self.book, p.currency, int(p.amount)
        hits = b.by_amount(cur, amt)
        if len(hits) != 1:
            return None
        i = hits[0]
        return _Outcome("AMOUNT_ONLY", [_Alloc(i, amt)], C_AMOUNT_ONLY,
                        [f"payer not identified; amount {self.fmt(amt, cur)} = open amount of {b.doc[i]} "
                         f"(the only open item of that amount)"], customer=b.cust[i])

    # -- results -----------------------------------------------------------------------------
    def result(self, oi: pd.DataFrame) -> CashAppResult:
        rc = self.s.reporting_currency

        def frame(rows, cols, money, dates=()):
            df = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
            for c in money:
                df[c] = df[c].astype("int64")
            for c in dates:
                df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
            df.attrs["money"] = list(money)
            df.attrs["currency"] = rc
            return df

        apps = frame(self.apps, APPLICATION_COLUMNS, APPLICATION_MONEY, ["value_date"])
        apps["confidence"] = apps["confidence"].astype("float64")
        apps = self._with_carried(apps)
        apps = apps.sort_values(["payment_id"], kind="stable").reset_index(drop=True)
        unap = frame(self.unapplied, UNAPPLIED_COLUMNS, ["amount_unapplied"])
        unap = unap.sort_values(["payment_id"], kind="stable").reset_index(drop=True)
        exc = frame(self.exceptions, EXCEPTION_COLUMNS, [])
        exc = exc.sort_values(["payment_id"], kind="stable").reset_index(drop=True)
        ded = frame(self.deductions, DEDUCTION_COLUMNS, ["amount"], ["value_date"])
        ded = ded.sort_values(["payment_id", "document_no"], kind="stable").reset_index(drop=True)
        post = frame(self.posting, POSTING_COLUMNS, ["amount"], ["value_date"])
        post = post.sort_values(["payment_id"], kind="stable").reset_index(drop=True)
        return CashAppResult(apps, unap, exc, ded, self._open_after(oi), post)

    def _with_carried(self, apps: pd.DataFrame) -> pd.DataFrame:
        """This run's applications with the earlier runs' rows carried as they were."""
        carried = self.judged.carried
        if carried is None or not len(carried):
            return apps
        old = carried.reindex(columns=APPLICATION_COLUMNS)
        for c in APPLICATION_COLUMNS:
            if c in APPLICATION_MONEY:
                continue
            if c == "value_date":
                old[c] = pd.to_datetime(old[c]).astype("datetime64[ns]")
            elif c == "confidence":
                old[c] = old[c].fillna(0.0).astype("float64")
            else:
                old[c] = old[c].fillna("").astype(apps[c].dtype if len(apps) else object)
        total = old.groupby("payment_id")["applied_amount"].transform("sum")
        old["payment_amount"] = old["payment_amount"].astype("Int64").fillna(total).astype("int64")
        for c in APPLICATION_MONEY:
            old[c] = old[c].fillna(0).astype("int64")
        out = pd.concat([old, apps], ignore_index=True) if len(apps) else old
        out.attrs = dict(apps.attrs)
        return out

    def _open_after(self, oi: pd.DataFrame) -> pd.DataFrame:
        b = self.book
        after = b.df.copy()
        after["open_amount"] = np.asarray(b.remaining, dtype="int64")
        after = after[after["open_amount"] != 0]
        cols = list(after.columns)
        new = []
        used = set(b.doc)
        for cust, ded_no, rel, amount, code, pid, cur, vd in self.deductions:
            new.append({"customer_id": cust, "document_no": ded_no, "doc_type": "DED", "document_date": vd,
                        "due_date": vd, "amount": amount, "open_amount": amount, "currency": cur,
                        "reference": rel, "reason_code": code, "status": "OPEN"})
            used.add(ded_no)
        for it in self.judged.open_items:      # earlier runs' deductions and on-account cash, not yet posted
            vd = it.get("document_date")
            new.append({**it, "due_date": vd, "status": "OPEN"})
            used.add(it["document_no"])
        for pid, cust, amount, cur, vd, reason in self.pmt_credits:
            doc = pid                           # CONTRACT §6: the PMT item's document_no is the payment_id
            k = 2
            while doc in used:
                doc, k = f"{pid}-{k}", k + 1
            used.add(doc)
            new.append({"customer_id": cust, "document_no": doc, "doc_type": "PMT", "document_date": vd,
                        "due_date": vd, "amount": -amount, "open_amount": -amount, "currency": cur,
                        "reference": pid, "reason_code": "", "status": "OPEN"})
        if new:
            add = pd.DataFrame(new)
            for c in cols:
                if c not in add:
                    col = TABLES["open_items"].column(c) if c in TABLES["open_items"].names else None
                    add[c] = 0 if c == "source_row" else ("" if col is None or col.kind in ("text", "code") else pd.NaT)
            add = add[cols]
            for c in ("document_date", "due_date"):
                if c in add:
                    add[c] = pd.to_datetime(add[c]).astype(after[c].dtype)
            after = pd.concat([after, add], ignore_index=True)
        after = after.reset_index(drop=True)
        for c in ("amount", "open_amount", "source_row"):
            if c in after:
                after[c] = after[c].astype("int64")
        after.attrs = dict(oi.attrs)
        after.attrs["table"] = "open_items"
        after.attrs["money"] = ["amount", "open_amount"]
        return after
