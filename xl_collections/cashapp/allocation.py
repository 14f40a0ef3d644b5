"""Applying a payment amount to documents: the early-payment discount an item earns, a short
pay written off within tolerance or raised as a deduction, an over pay left on account, a
partial payment oldest first, and a payment converted into its documents' currency.

:class:`Allocator` is what every rule (:mod:`.rules`, :mod:`.amount_rules`) works on: the
run's open-item index (``book``, remaining open amounts as cash is applied), the payers,
the settings and the FX rates.  Money is int minor units of the payment's currency; an
:class:`.outcome.Allocation`'s ``applied_amount`` is cash, its discount, write-off and
deduction are not.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from ..core.money import money_text, round_half_away
from ..core.settings import Settings
from ..core.terms import TermsError, parse_terms
from . import amounts as am
from .confidence import C_CONFLICT, C_FX, F_LARGE_SHORT, F_OFF_CONFIRMED, F_OFF_UNCONFIRMED, F_STATED, F_TOLERANCE
from .fx_convert import FxConverter
from .open_index import OpenItemIndex
from .outcome import Allocation, Outcome
from .payer import PayerIndex
from .refs import amounts_in_text, candidates, candidates_of, reason_code, says_partial

_EPOCH = dt.date(1970, 1, 1)


@lru_cache(maxsize=4096)
def _day(value) -> int:
    """A date / Timestamp / datetime64 as days since 1970-01-01."""
    return int(np.datetime64(value, "D").astype("int64"))


class Allocator:
    """The run's open items, payers, settings and FX rates, and how an amount is applied to them."""

    def __init__(self, book: OpenItemIndex, payers: PayerIndex, settings: Settings, fx: pd.DataFrame | None):
        self.book = book
        self.payers = payers
        self.settings = settings
        self.fx = fx
        self.fxc = FxConverter(fx, settings.reporting_currency)
        self._disc_terms: dict = {}
        self._refs: dict[str, list[tuple[str, str]]] = {}

    def read_references(self, texts) -> None:
        """Read the payments' references (``texts``) at once: :meth:`candidates` then looks them up."""
        self._refs.update(candidates_of(texts))

    def candidates(self, text) -> list[tuple[str, str]]:
        """:func:`.refs.candidates` of a payment's reference, read once per distinct text (do not
        change the list returned)."""
        got = self._refs.get(text) if isinstance(text, str) else None
        if got is None:
            got = candidates(text)
            if isinstance(text, str):
                self._refs[text] = got
        return got

    def fmt(self, minor: int, cur: str) -> str:
        """``1,250.00``: an amount (int minor units of ``cur``) for the evidence text."""
        return money_text(minor, cur, code=None)

    def tol(self, amount: int, cur: str) -> int:
        """The match tolerance for ``amount`` (both int minor units of ``cur``)."""
        return am.tolerance(amount, cur, self.settings)

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

    def less_discount(self, i: int, amt: int, value_date) -> tuple[int, str] | None:
        """``(discount, note)`` when item ``i``'s open amount less the discount it earns on
        ``value_date`` is exactly ``amt``, else None."""
        if not (amt < self.book.remaining[i] <= amt + amt // 4):      # a discount is a few percent
            return None
        d, note = self.discount(i, value_date)
        return (d, note) if d and self.book.remaining[i] - d == amt else None

    def other_exact(self, amt: int, cur: str, customer: str, exclude: set[int], value_date) -> int | None:
        """Another open item of ``customer`` whose open amount (or less its earned discount)
        is exactly the payment: evidence that the reference may name the wrong document."""
        b = self.book
        has_disc = self.disc_terms(customer) is not None
        remaining, currency = b.remaining, b.cur
        for i in b.of_customer(customer):
            r = remaining[i]
            if r <= 0 or i in exclude or currency[i] != cur:
                continue
            if r == amt or has_disc and amt < r <= amt + amt // 4 and self.less_discount(i, amt, value_date):
                return i        # (the range is less_discount's own first test, without the call)
        return None

    def allocate(self, items: list[int], p, base: float, ev_docs: dict[int, str], *, confirmed: bool,
                 customer: str, rule: str, evidence: list[str]) -> Outcome:
        """Named documents and the payment amount: full, discount, write-off, deduction, excess."""
        b, cur, amt = self.book, p.currency, int(p.amount)
        order = list(items) if len(items) == 1 else sorted(items, key=lambda i: (b.ddate[i], b.doc[i]))
        pos = [i for i in order if b.remaining[i] > 0]
        neg = [i for i in order if b.remaining[i] < 0]
        total = sum(b.remaining[i] for i in order)
        allocs = [Allocation(i, b.remaining[i], evidence=ev_docs.get(i, "")) for i in order]
        last = {a.item: a for a in allocs}
        n = len(order)
        what = "open amount" if n == 1 else f"sum of {n} open items"
        out = Outcome(rule, allocs, base, list(evidence), customer=customer)
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
        alt = self.other_exact(amt, cur, customer, set(order), p.value_date)
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

    def convert(self, p, items: list[int], rule: str, base: float, ev_docs: dict[int, str], evidence: list[str],
            customer: str) -> tuple[Outcome | None, str]:
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
        tol = int(round_half_away(Decimal(total) * self.settings.match_tolerance_pct / 100))
        what = "open amount" if len(items) == 1 else f"sum of {len(items)} open items"
        figures = (f"payment {cur} {self.fmt(amt, cur)} = {icur} {self.fmt(converted, icur)} {how}; "
                   f"{what} {icur} {self.fmt(total, icur)}")
        if abs(converted - total) > tol:
            return None, figures + f" (differs by more than {self.settings.match_tolerance_pct.normalize()}%)"
        allocs, left = [], amt
        for n, i in enumerate(sorted(items, key=lambda i: (b.ddate[i], b.doc[i]))):
            last = n == len(items) - 1
            part = left if last else min(left, max(0, self.fxc.cross(b.remaining[i], icur, cur, p.value_date)[0]))
            allocs.append(Allocation(i, part, evidence=ev_docs.get(i, "")))
            left -= part
        diff = converted - total
        note = figures + ("" if not diff else f"; FX difference {icur} {self.fmt(diff, icur)} to book")
        return Outcome(rule, allocs, min(base, C_FX), list(evidence) + [note], customer=customer, review_only=True,
                       exceptions=[("CURRENCY_DIFFERS", note)]), figures
