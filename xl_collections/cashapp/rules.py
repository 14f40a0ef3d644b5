"""The reference rules of cash application, tried in this order by :mod:`.cascade`:

1. :func:`remittance_rule`  remittance-advice lines: applied as advised, amounts checked.
2. :func:`doc_ref_rule`     document numbers read from the reference (exact keys, then
                            OCR-style and one-character variants the amount or customer confirms).
3. :func:`po_ref_rule`      purchase-order numbers / other references of open items.

The amount rules come after them (:mod:`.amount_rules`).  A rule is a function ``(run,
payment, payer, notes) -> Outcome | None``: ``run`` is the run's :class:`.allocation.Allocator`,
``payment`` a row of the canonical payments table, ``payer`` who was identified (or None),
``notes`` collects why nothing matched.  Money is int minor units of the payment's currency.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..core.schema import REASON_CODES
from . import amounts as am
from .allocation import Allocator
from .confidence import C_CONFLICT, C_EXACT, C_OCR, C_PO, C_PO_COMBO, C_REMIT, C_REMIT_FUZZY, C_SHORT_KEY, C_TAIL, C_TYPO
from .outcome import Allocation, Outcome
from .payer import Payer
from .refs import explain, fuzzy_worthy, normalise_document_no, ocr_key, po_key, reason_code


def _resolve(run: Allocator, token: str, payer: Payer | None, cur: str, amount: int | None) -> tuple[int | None, str, float]:
    """One document number (from a remittance line) -> item, how, confidence."""
    b = run.book
    key = normalise_document_no(token)
    hits = b.hits(key)
    if hits:
        i = _choose(run, hits, payer, cur)
        if i is not None:
            return i, explain(token, b.doc[i], b.key[i]), C_EXACT
        return None, f'document "{token}" matches {len(hits)} open items', 0.0
    found = _fuzzy(run, token, key, _confirm_set(run, {payer.customer_id} if payer else set(), cur, amount))
    if len(found) == 1:
        i, how = found[0]
        return i, how, C_REMIT_FUZZY
    return None, f'document "{token}" not found among the open items', 0.0


def remittance_rule(run: Allocator, lines: list, p, payer: Payer | None, notes: list[str]) -> Outcome | None:
    """Rule 1: the payment's remittance-advice ``lines`` applied as advised; a line's discount
    checked against what its document earns, its deduction raised, a short within tolerance
    written off; lines that name no open item or advise more than the payment are reported."""
    b, cur, amt = run.book, p.currency, int(p.amount)
    allocs: list[Allocation] = []
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
        i, how, c = _resolve(run, ln.document_no, payer, cur, paid + disc_t + ded_t) if ln.document_no else (None, "no document number on the line", 0.0)
        if i is None:
            unresolved += paid
            exc.append(("REMITTANCE_DIFFERS", f"remittance line {ln.document_no or '(blank)'} {run.fmt(paid, cur)}: {how}"))
            continue
        if b.cur[i] != cur:
            unresolved += paid
            exc.append(("CURRENCY_DIFFERS", f"remittance line {b.doc[i]} is in {b.cur[i]}, the payment in {cur}"))
            continue
        conf = min(conf, c)
        cust = cust or b.cust[i]
        open_now = b.remaining[i] - taken[i]
        ev = f'remittance line "{ln.document_no}" ~ document_no {b.doc[i]} ({how}); paid {run.fmt(paid, cur)}'
        if paid + disc_t + ded_t > open_now or open_now <= 0:
            review = True
            exc.append(("REMITTANCE_DIFFERS", f"remittance line {b.doc[i]} clears {run.fmt(paid + disc_t + ded_t, cur)}"
                                              f" but {run.fmt(open_now, cur)} is open"))
            allocs.append(Allocation(i, min(paid, max(open_now, 0)), evidence=ev))
            continue
        a = Allocation(i, paid, evidence=ev)
        if disc_t:
            earned, note = run.discount(i, p.value_date)
            if disc_t <= earned + run.tol(earned, cur):
                a.discount = disc_t
                a.evidence += f"; discount {run.fmt(disc_t, cur)} earned ({note})"
            else:
                a.deduction += disc_t
                a.reason_code = "OTHER"
                a.evidence += f"; discount {run.fmt(disc_t, cur)} not earned: raised as deduction"
                exc.append(("DISCOUNT_NOT_EARNED", f"{b.doc[i]}: discount {run.fmt(disc_t, cur)} taken, "
                                                   f"{run.fmt(earned, cur)} earned by {p.value_date.date()}"))
        if ded_t:
            a.deduction += ded_t
            code = ln.deduction_reason if ln.deduction_reason in REASON_CODES else reason_code(ln.deduction_reason or p.reference)
            a.reason_code = code
            a.evidence += f"; deduction {run.fmt(ded_t, cur)} ({code}) as advised"
        left = open_now - a.applied - a.discount - a.deduction
        if 0 < left <= run.tol(open_now, cur):
            a.write_off = left
            a.evidence += f"; short {run.fmt(left, cur)} written off (within tolerance)"
        elif left > 0:
            a.evidence += f"; {run.fmt(left, cur)} stays open (partial payment as advised)"
            exc.append(("REMITTANCE_DIFFERS", f"{b.doc[i]}: advised {run.fmt(paid, cur)} of {run.fmt(open_now, cur)} open;"
                                              f" {run.fmt(left, cur)} stays open"))
        taken[i] += a.applied + a.discount + a.deduction + a.write_off
        allocs.append(a)
    if not allocs:
        notes.append("remittance lines name no open item")
        return Outcome("REMITTANCE", [], 0.0, customer=cust, excess_reason="NO_CANDIDATE" if cust else "UNKNOWN_PAYER",
                       exceptions=exc) if exc else None
    evidence = [payer.evidence] if payer else []
    out = Outcome("REMITTANCE", allocs, conf, evidence, customer=cust, exceptions=exc)
    cash = sum(a.applied for a in allocs)
    if total_paid > amt or cash > amt:
        out.confidence = C_CONFLICT
        out.review_only = cash > amt        # never more cash applied than was received, whatever the bar
        out.exceptions.append(("REMITTANCE_DIFFERS", f"remittance advises {run.fmt(total_paid, cur)}, payment is {run.fmt(amt, cur)}"))
    elif total_paid < amt:
        out.exceptions.append(("REMITTANCE_DIFFERS", f"remittance advises {run.fmt(total_paid, cur)}, payment is {run.fmt(amt, cur)}:"
                                                     f" {run.fmt(amt - cash, cur)} left unapplied"))
        out.excess_detail = f"remittance advises {run.fmt(total_paid, cur)} of {run.fmt(amt, cur)} received"
    if unresolved:
        out.excess_reason = "NO_CANDIDATE"
    if review:
        out.confidence = min(out.confidence, C_CONFLICT)
    if not cust:
        out.excess_reason = "NO_CANDIDATE"
    return out


def _choose(run: Allocator, hits: list[int], payer: Payer | None, cur: str) -> int | None:
    """The one of ``hits`` (items sharing a document key) the payment means: narrowed by
    currency, then the payer's related customers, then still open; None when still several."""
    if len(hits) == 1:
        return hits[0]
    b = run.book
    pool = hits
    for keep in (lambda i: b.cur[i] == cur,
                 lambda i: payer is not None and run.payers.related(payer.customer_id, b.cust[i]),
                 lambda i: b.remaining[i] != 0):
        narrowed = [i for i in pool if keep(i)]
        if narrowed:
            pool = narrowed
        if len(pool) == 1:
            return pool[0]
    return None


def _confirm_set(run: Allocator, custs: set[str], cur: str, amount: int | None) -> list[int]:
    """Items that may confirm an OCR/typo variant: the open items of ``custs`` in ``cur``
    and the items whose open amount is ``amount``."""
    b = run.book
    items: list[int] = []
    currency, remaining = b.cur, b.remaining
    for c in sorted(x for x in custs if x):
        items += [i for i in b.of_customer(c) if currency[i] == cur and remaining[i] > 0]
    if amount:
        items += b.by_amount(cur, amount)
    return sorted(set(items))


def _fuzzy(run: Allocator, raw: str, key: str, pool: list[int]) -> list[tuple[int, str]]:
    """Items of ``pool`` whose number is an OCR-style or one-character variant of ``raw``."""
    b = run.book
    return variants(raw, key, pool, b.doc, b.key, b.ocr)


def variants(raw: str, key: str, pool: list[int], docs: list[str], keys: list[str],
             ocr: Callable[[int], str]) -> list[tuple[int, str]]:
    """Items of ``pool`` (positions in ``docs`` and their keys ``keys``) whose number is an
    OCR-style or one-character variant of the reference token ``raw`` (key ``key``): ``(item,
    how)`` in document_no order; ``ocr(i)`` is item i's :func:`.refs.ocr_key`.  Only number-like
    tokens (:func:`.refs.fuzzy_worthy`).  Shared with ``XLC_MATCH`` (:mod:`.match`)."""
    if not pool or not fuzzy_worthy(raw, key):
        return []
    ok = ocr_key(raw)
    found: list[tuple[int, str]] = []
    pool_keys = [keys[i] for i in pool]
    dist = process.cdist([key, ok], pool_keys, scorer=OSA.distance, score_cutoff=1, dtype=np.int32)
    digits = np.fromiter(map(str.isdigit, pool_keys), dtype=bool, count=len(pool_keys))
    # a number key neither one edit from the key nor equal to its OCR fold cannot match: not looked at
    look = np.flatnonzero((dist[0] <= 1) | (dist[1] == 0) | ~digits).tolist()
    typo = dist[0].tolist()
    n_ok, n_key = len(ok), len(key)
    for j in look:
        i, k, d = pool[j], pool_keys[j], typo[j]
        if k == key:
            continue
        if (k == ok if k.isdigit() else abs(len(k) - n_ok) <= 1 and ocr(i) == ok):
            found.append((i, explain(raw, docs[i], k)))
        elif d <= 1 and abs(len(k) - n_key) <= 1 and len(k) >= 5:
            found.append((i, "one-character typo"))
    found.sort(key=lambda x: docs[x[0]])
    return found


def variant_confidence(how: str) -> float:
    """Confidence of a variant :func:`variants` found: ``C_OCR`` for an OCR-style one, else ``C_TYPO``."""
    return C_OCR if how.startswith("OCR") else C_TYPO


def key_confidence(key: str, tail: bool) -> float:
    """Confidence of a document the reference names by its key: ``C_TAIL`` when found by its
    digits without the letter prefix (``0025352`` for ``DM0025352``), else ``C_EXACT``, or
    ``C_SHORT_KEY`` for a key under 5 characters.  Shared with ``XLC_MATCH``."""
    return C_TAIL if tail else C_EXACT if len(key) >= 5 else C_SHORT_KEY


def doc_ref_rule(run: Allocator, p, payer: Payer | None, notes: list[str]) -> Outcome | None:
    """Rule 2: document numbers read from the reference (exact keys, a number without its
    letter prefix, OCR-style and one-character variants the payer or amount confirms), the
    amount applied to them by :meth:`.allocation.Allocator.allocate`."""
    b, cur, amt = run.book, p.currency, int(p.amount)
    toks = run.candidates(p.reference)
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
        i = _choose(run, lst, payer, cur)
        if i is None:
            ambiguous_tokens.append(f'reference "{raw}" matches {len(lst)} documents '
                                    f'({", ".join(b.doc[j] for j in lst[:3])})')
            continue
        hit_keys.add(key)
        if i in seen:
            continue
        seen.add(i)
        c = key_confidence(key, tail)
        hits.append((i, raw, c, explain(raw, b.doc[i], b.key[i])))
    # every exact hit is in another currency, or of another customer than a surely known payer:
    # a typo may have made another document's number - look for a variant the payer/amount confirms
    def disconfirmed(i: int) -> bool:
        return b.cur[i] != cur or (payer is not None and payer.confidence >= 0.97
                                   and not run.payers.related(payer.customer_id, b.cust[i]))
    if len(hits) == 1 and disconfirmed(hits[0][0]):
        pool = _confirm_set(run, {payer.customer_id} if payer else set(), cur, amt)
        i0, raw0 = hits[0][0], hits[0][1]
        found = _fuzzy(run, raw0, normalise_document_no(raw0), pool) if pool else []
        if len(found) == 1:
            i, how = found[0]
            other = f"{b.doc[i0]} of {b.cust[i0]} in {b.cur[i0]}"
            hits = [(i, raw0, C_TYPO, f"{how}; the number as written is {other}")]
            seen = {i}
    # OCR-style and one-character variants, only within the confirming customers / amount
    explained = hits and sum(b.remaining[h[0]] for h in hits if b.cur[h[0]] == cur) == amt
    fuzzy_toks = [] if explained else [
        (raw, key) for raw, key in toks
        if " " not in raw and key not in hit_keys and not b.has_key(key) and not b.has_po(key)
        and fuzzy_worthy(raw, key)]
    fuzzy_hit: set[str] = set()
    pool = []
    if fuzzy_toks:
        custs = {b.cust[i] for i, *_ in hits}
        if payer:
            custs.add(payer.customer_id)
        pool = _confirm_set(run, custs, cur, amt)
    if pool:
        for raw, key in fuzzy_toks:
            found = [(i, how) for i, how in _fuzzy(run, raw, key, pool) if i not in seen]
            if len(found) == 1:
                i, how = found[0]
                seen.add(i)
                fuzzy_hit.add(key)
                hits.append((i, raw, variant_confidence(how), how))
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
        related = payer is None or all(run.payers.related(payer.customer_id, c) for c in cust_of)
        figures = ""
        if related and (len(cust_of) == 1 or payer is not None):
            ev = {h[0]: f'reference "{h[1]}" ~ document_no {b.doc[h[0]]} ({h[3]})' for h in other_cur}
            fx, figures = run.convert(p, fx_items, "DOC_REF", min(h[2] for h in other_cur), ev, evidence,
                                   payer.customer_id if payer else b.cust[i])
            if fx is not None:
                return fx
        notes.append(f"reference names {b.doc[i]} in {b.cur[i]}; the payment is in {cur}"
                     + (f" ({figures})" if figures else ""))
        return Outcome("DOC_REF", [], 0.0, customer=b.cust[i], excess_reason="CURRENCY_DIFFERS",
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
        return Outcome("DOC_REF", [], 0.0, customer=b.cust[i], excess_reason="NO_CANDIDATE",
                       exceptions=[("POSSIBLE_DUPLICATE_PAYMENT", d)])
    cust_of = {b.cust[h[0]] for h in hits}
    ev_docs = {h[0]: f'reference "{h[1]}" ~ document_no {b.doc[h[0]]} ({h[3]})' for h in hits}
    base = min(h[2] for h in hits)
    exc: list[tuple[str, str]] = []
    if ambiguous_tokens:
        exc.append(("AMBIGUOUS", "; ".join(ambiguous_tokens)))
    related = payer is not None and all(run.payers.related(payer.customer_id, c) for c in cust_of)
    conflict = (payer is not None and not related) or len(cust_of) > 1 and not all(
        run.payers.related(a, c) for a in cust_of for c in cust_of)
    customer = payer.customer_id if (payer and related) else sorted(cust_of)[0]
    out = run.allocate([h[0] for h in hits], p, base, ev_docs, confirmed=related, customer=customer,
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
                  and raw not in in_pairs and not b.has_po(key) and fuzzy_worthy(raw, key)]
    if unresolved and not out.amount_confirmed:
        out.confidence = min(out.confidence, 0.85)
        out.evidence.append(f'reference also has {", ".join(unresolved[:3])}, which matches no open item')
    # the reference names only documents of other customers than a surely known payer: a later
    # rule (the payer's own open items) may still apply the payment
    out.overridable = conflict and payer is not None and payer.confidence >= 0.97 and not any(
        run.payers.related(payer.customer_id, c) for c in cust_of)
    return out


def po_ref_rule(run: Allocator, p, payer: Payer | None, notes: list[str]) -> Outcome | None:
    """Rule 3: PO numbers / other references of open items in the reference; the amount must
    be their total, one of them, one less its earned discount, or one combination."""
    b, cur, amt = run.book, p.currency, int(p.amount)
    if not b.any_po():
        return None
    group: list[int] = []
    raws: list[str] = []
    for raw, _ in run.candidates(p.reference):
        k = po_key(raw)
        lst = b.po_hits(k)
        if not lst:
            continue
        items = [i for i in lst if b.cur[i] == cur and b.remaining[i] > 0 and i not in group]
        if payer is not None:
            rel = [i for i in items if run.payers.related(payer.customer_id, b.cust[i])]
            items = rel
        if items:
            group += items
            raws.append(raw)
    if not group:
        return None
    custs = {b.cust[i] for i in group}
    if len(custs) > 1 and not all(run.payers.related(a, c) for a in custs for c in custs):
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
        evidence.append(f"amount {run.fmt(amt, cur)} = open amount" + (f" of all {len(group)}" if len(group) > 1 else ""))
        return Outcome("PO_REF", [Allocation(i, b.remaining[i], evidence=ev[i]) for i in group], C_PO + bonus, evidence, customer=customer)
    single = [i for i in group if b.remaining[i] == amt]
    if len(single) == 1:
        evidence.append(f"amount {run.fmt(amt, cur)} = open amount of {b.doc[single[0]]}")
        return Outcome("PO_REF", [Allocation(single[0], amt, evidence=ev[single[0]])], C_PO + bonus, evidence, customer=customer)
    if len(single) > 1:
        evidence.append(f"{len(single)} items of this PO have the open amount {run.fmt(amt, cur)}")
        return Outcome("PO_REF", [Allocation(single[0], amt, evidence=ev[single[0]])], C_PO, evidence,
                       customer=customer, ambiguous=True)
    disc = [(i, *run.discount(i, p.value_date)) for i in group]
    dhit = [(i, d, note) for i, d, note in disc if d and b.remaining[i] - d == amt]
    if len(dhit) == 1:
        i, d, note = dhit[0]
        evidence.append(f"amount {run.fmt(amt, cur)} = open amount of {b.doc[i]} less earned discount {run.fmt(d, cur)} ({note})")
        return Outcome("PO_REF", [Allocation(i, amt, discount=d, evidence=ev[i])], C_PO + bonus, evidence, customer=customer)
    combos, complete = am.combinations([b.remaining[i] for i in group], amt)
    if combos:
        chosen = [group[j] for j in combos[0]]
        unique = len(combos) == 1 and complete
        evidence.append(f"amount {run.fmt(amt, cur)} = sum of {len(chosen)} of its open items"
                        + ("" if unique else " (more than one combination)"))
        return Outcome("PO_REF", [Allocation(i, b.remaining[i], evidence=ev[i]) for i in chosen], C_PO_COMBO + bonus,
                       evidence, customer=customer, ambiguous=not unique)
    notes.append(f'reference "{raws[0]}" = PO/reference of {len(group)} open items but the amounts do not match')
    return None
