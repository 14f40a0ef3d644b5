"""The amount rules of cash application, tried after the reference rules (:mod:`.rules`)
when the reference named nothing usable:

4. :func:`amount_rule`       the identified payer's open items: one of exactly the amount, one
                             with the earned early-payment discount, all open items, one
                             combination, or one short / over within tolerance (:func:`near_amount`).
   :func:`amount_only_rule`  payer unknown: the one open item in the book with the amount, a
                             proposal only.

Same shape as the reference rules: ``(run, payment, payer, notes) -> Outcome | None``, money
in int minor units of the payment's currency.
"""
from __future__ import annotations

from . import amounts as am
from .allocation import Allocator
from .confidence import C_AMOUNT_ONLY, C_AMT_ALL, C_AMT_COMBO, C_AMT_DISCOUNT, C_AMT_EXACT, C_AMT_TOL, C_AMT_TOL_ONE
from .outcome import Allocation, Outcome
from .payer import Payer
from .refs import reason_code


def amount_rule(run: Allocator, p, payer: Payer, notes: list[str]) -> Outcome | None:
    """Rule 4, the payer known: one of its open items of exactly the amount, one less its
    earned discount, all its open items, one combination, or near the amount
    (:func:`near_amount`).  A payer with open items only in other currencies: converted when
    FX rates are given, else ``CURRENCY_DIFFERS``."""
    b, cur, amt = run.book, p.currency, int(p.amount)
    c = payer.customer_id
    currency, remaining = b.cur, b.remaining
    items = [i for i in b.of_customer(c) if currency[i] == cur and remaining[i] != 0]
    pos = [i for i in items if remaining[i] > 0]
    if not pos:
        others = sorted({b.cur[i] for i in b.of_customer(c) if b.remaining[i] > 0 and b.cur[i] != cur})
        notes.append(f"customer {c} has no open item in {cur}" + (f" (only in {', '.join(others)})" if others else ""))
        if others and run.fx is not None:
            fits = []
            for i in b.of_customer(c):
                if b.remaining[i] > 0 and b.cur[i] != cur:
                    fx, _ = run.convert(p, [i], "AMOUNT_EXACT", C_AMT_EXACT * payer.confidence, {}, [payer.evidence], c)
                    if fx is not None:
                        fits.append(fx)
            if fits:
                fits[0].ambiguous = len(fits) > 1
                return fits[0]
        if others:
            return Outcome("AMOUNT_EXACT", [], 0.0, customer=c, excess_reason="CURRENCY_DIFFERS",
                           exceptions=[("CURRENCY_DIFFERS", f"payment in {cur}; {c}'s open items are in "
                                                             f"{', '.join(others)}")])
        return None
    idc = payer.confidence
    ev0 = [payer.evidence]
    exact = [i for i in pos if b.remaining[i] == amt]
    if exact:
        ev = ev0 + [f"amount {run.fmt(amt, cur)} = open amount of {b.doc[exact[0]]}"
                    + (f" (and of {len(exact) - 1} other item{'s' if len(exact) > 2 else ''})" if len(exact) > 1 else
                       " (the only open item of that amount)")]
        return Outcome("AMOUNT_EXACT", [Allocation(exact[0], amt)], C_AMT_EXACT * idc, ev, customer=c,
                       ambiguous=len(exact) > 1)
    dhit = [(i, *hit) for i in (pos if run.disc_terms(c) is not None else ())
            if (hit := run.less_discount(i, amt, p.value_date))]
    if dhit:
        i, d, note = dhit[0]
        ev = ev0 + [f"amount {run.fmt(amt, cur)} = open amount {run.fmt(b.remaining[i], cur)} of {b.doc[i]} less earned "
                    f"discount {run.fmt(d, cur)} ({note})"]
        return Outcome("AMOUNT_DISCOUNT", [Allocation(i, amt, discount=d)], C_AMT_DISCOUNT * idc, ev, customer=c,
                       ambiguous=len(dhit) > 1)
    if len(items) >= 2 and sum(b.remaining[i] for i in items) == amt:
        ev = ev0 + [f"amount {run.fmt(amt, cur)} = all {len(items)} open items of {c}"]
        return Outcome("AMOUNT_ALL_OPEN", [Allocation(i, b.remaining[i]) for i in items], C_AMT_ALL * idc, ev, customer=c)
    combos, complete = am.combinations([b.remaining[i] for i in pos], amt)
    if combos:
        chosen = [pos[j] for j in combos[0]]
        unique = len(combos) == 1 and complete
        ev = ev0 + [f"amount {run.fmt(amt, cur)} = sum of {len(chosen)} open items "
                    f"({', '.join(b.doc[i] for i in chosen)})" + ("" if unique else "; more than one combination fits")]
        return Outcome("AMOUNT_COMBINATION", [Allocation(i, b.remaining[i]) for i in chosen], C_AMT_COMBO * idc, ev,
                       customer=c, ambiguous=not unique)
    near = near_amount(run, p, c, pos, idc, ev0)
    if near is not None:
        return near
    notes.append(f"no open item or combination of {c} matches {run.fmt(amt, cur)}")
    return None


def near_amount(run: Allocator, p, c: str, pos: list[int], idc: float, ev0: list[str]) -> Outcome | None:
    """Customer ``c``'s open items (``pos``) a little more than the payment (a short pay: the
    difference written off) or a little less (an over pay: the excess on account), within
    tolerance: one item, or 2-4 by :func:`.amounts.combinations`; applied when exactly one
    fits, else a proposal.  Beyond tolerance only proposals (never AUTO): the customer's one
    open item short-paid (the difference a deduction, reason from the reference) or all its
    open items over-paid (the excess on account).  Money in minor units of the payment."""
    b, cur, amt = run.book, p.currency, int(p.amount)
    tol = run.tol(amt, cur)
    fits: list[tuple[list[int], int]] = []        # items, their open amount less the payment
    complete = True
    if tol > 0:
        for i in pos:
            d = b.remaining[i] - amt
            if d and abs(d) <= run.tol(b.remaining[i], cur):
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
        allocs = [Allocation(i, b.remaining[i]) for i in items]
        docs = ", ".join(b.doc[i] for i in items)
        what = f"open amount {run.fmt(b.remaining[items[0]], cur)} of {docs}" if len(items) == 1 else \
            f"sum {run.fmt(amt + d, cur)} of {len(items)} open items ({docs})"
        out = Outcome("AMOUNT_TOLERANCE", allocs, (C_AMT_TOL_ONE if unique else C_AMT_TOL) * idc, list(ev0),
                      customer=c, ambiguous=not unique)
        if d > 0:
            a = next((a for a in reversed(allocs) if b.remaining[a.item] >= d), None)
            if a is None:
                return None
            a.applied -= d
            a.write_off = d
            out.evidence.append(f"amount {run.fmt(amt, cur)} = {what} less {run.fmt(d, cur)} written off on "
                                f"{b.doc[a.item]} (within tolerance {run.fmt(tol, cur)})")
        else:
            out.excess_detail = f"overpaid {run.fmt(-d, cur)} (within tolerance) over the {what}: left on account"
            out.evidence.append(f"amount {run.fmt(amt, cur)} = {what} plus {run.fmt(-d, cur)} on account "
                                f"(within tolerance {run.fmt(tol, cur)})")
        if not unique:
            out.evidence.append("more than one item or combination fits within tolerance")
        return out
    total = sum(b.remaining[i] for i in pos)
    if len(pos) == 1 and amt < total:
        i = pos[0]
        code = reason_code(p.reference)
        ev = ev0 + [f"amount {run.fmt(amt, cur)} is {run.fmt(total - amt, cur)} short of {b.doc[i]}, {c}'s "
                    f"only open item: deduction {code} proposed"]
        return Outcome("AMOUNT_SHORT", [Allocation(i, amt, deduction=total - amt, reason_code=code)], C_AMT_TOL * idc,
                       ev, customer=c, review_only=True)
    if amt > total:
        out = Outcome("AMOUNT_OVER", [Allocation(i, b.remaining[i]) for i in pos], C_AMT_TOL * idc,
                      ev0 + [f"amount {run.fmt(amt, cur)} is {run.fmt(amt - total, cur)} more than all "
                              f"{len(pos)} open item{'s' if len(pos) > 1 else ''} of {c}: the excess on account"],
                      customer=c, review_only=True)
        out.excess_detail = f"overpaid {run.fmt(amt - total, cur)} over all open items of {c}: left on account"
        return out
    return None


def amount_only_rule(run: Allocator, p, payer, notes: list[str]) -> Outcome | None:
    """Unknown payer: a proposal (never AUTO) when exactly one open item in the book has the amount."""
    b, cur, amt = run.book, p.currency, int(p.amount)
    hits = b.by_amount(cur, amt)
    if len(hits) != 1:
        return None
    i = hits[0]
    return Outcome("AMOUNT_ONLY", [Allocation(i, amt)], C_AMOUNT_ONLY,
                   [f"payer not identified; amount {run.fmt(amt, cur)} = open amount of {b.doc[i]} "
                     f"(the only open item of that amount)"], customer=b.cust[i])
