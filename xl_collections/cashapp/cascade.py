"""The cascade: the order the rules are tried for each payment, and what decides.

Per payment, after an accepted proposal (decision ACCEPT, applied as given, MANUAL), the
first rule that finds something decides:

1. ``REMITTANCE``  remittance-advice lines (:func:`.rules.remittance_rule`).
2. ``DOC_REF``     document numbers in the reference (:func:`.rules.doc_ref_rule`).
3. ``PO_REF``      PO numbers / other references of open items (:func:`.rules.po_ref_rule`).
4. ``AMOUNT_*``    amounts within the identified payer's open items (:func:`.amount_rules.amount_rule`);
   ``AMOUNT_ONLY`` payer unknown: the one open item with the amount, a proposal only.
5. otherwise unapplied with a reason.

An outcome that may be applied (:meth:`Cascade._auto_ok`) wins at once; a proposal waits for
a later rule that can be applied unless it is ambiguous, from the remittance or not
overridable.  What happened is recorded in the run's :class:`.journal.Journal`.
"""
from __future__ import annotations

from collections import defaultdict
from functools import partial

import pandas as pd

from ..core.settings import Settings
from .allocation import Allocator
from .amount_rules import amount_only_rule, amount_rule
from .confidence import reported
from .journal import Journal
from .open_index import OpenItemIndex
from .outcome import Allocation, Outcome
from .payer import PayerIndex
from .prior import APPLIED, Judgement
from .refs import explain
from .rules import doc_ref_rule, key_confidence, po_ref_rule, remittance_rule

# rules whose match does not rest on who the payer is: an account they applied cash from is
# remembered as that customer's (PayerIndex.learn)
_LEARN_FROM = frozenset({"REMITTANCE", "DOC_REF", "PO_REF", "MANUAL"})


class Cascade:
    """One run of cash application over the open items: :meth:`apply` each payment in turn.

    ``first_pass`` (True): references that name exactly one open document by its exact key
    are found once for all payments (:meth:`read_references`); a payment with such a
    reference, of exactly the document's remaining open amount in its currency, from a payer
    the document's customer is related to (or an unknown one), is decided without trying the
    rules - the same outcome :func:`.rules.doc_ref_rule` gives it, in the same turn (False:
    every payment goes through the rules; the tests compare both)."""

    first_pass = True

    def __init__(self, oi: pd.DataFrame, customers: pd.DataFrame | None, remittance: pd.DataFrame | None,
                 judged: Judgement, settings: Settings, fx: pd.DataFrame | None = None, run_id: str = ""):
        self.min_conf = float(settings.auto_apply_min_confidence)
        self.book = OpenItemIndex(oi)
        self.payers = PayerIndex(customers, known_ids=set(self.book.customers()))
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
        self.alloc = Allocator(self.book, self.payers, settings, fx)
        self.journal = Journal(self.book, judged, settings.reporting_currency, run_id)
        self.plain: dict[str, tuple[int, str, str]] = {}

    def read_references(self, texts) -> None:
        """Read the payments' references (``texts``) at once, and note those that name exactly
        one open document by its exact key - one token whose key is that one item's, no other
        token naming any item by its key or its digits - : reference -> ``(item, raw token,
        key)`` (:meth:`_plain`)."""
        self.alloc.read_references(texts)
        if not self.first_pass:
            return
        b = self.book
        for text in dict.fromkeys(texts):
            if not isinstance(text, str):
                continue
            found = None
            for raw, key in self.alloc.candidates(text):
                hits = b.hits(key)
                if not hits and key.isdigit():
                    hits = b.tail_hits(key)
                    if hits:
                        break
                if not hits:
                    continue
                if found is not None or len(hits) > 1:
                    break
                found = (hits[0], raw, key)
            else:
                if found is not None:
                    self.plain[text] = found

    def apply_all(self, payments, max_passes: int = 10) -> None:
        """Apply ``payments`` in their order, then judge again those not applied — with all
        that was applied since, a later payment may have taken what made one ambiguous — until
        a pass applies none of them (at most ``max_passes``).  A re-run that carries this run's
        applications (CONTRACT §6 "Cash across runs") then judges every payment as this run
        did: the same inputs give the same cells."""
        pending = list(payments)
        for n in range(1, max_passes + 1):
            spans, again = [], []
            for p in pending:
                start = self.journal.mark()
                self.apply(p)
                if p.payment_id not in self.journal.applied:
                    spans.append((start, self.journal.mark()))
                    again.append(p)
            if len(again) == len(pending) or not again or n == max_passes:
                return          # the last pass's judgements stand
            self.journal.forget(spans)
            pending = again

    def apply(self, p) -> None:
        """Apply payment ``p`` (a row of the canonical payments table) by the first rule that decides."""
        pid, amt = p.payment_id, int(p.amount)
        if pid in self.judged.done:       # applied in an earlier run: judged in .prior, never applied again
            return
        if pid in self.judged.accepted:
            out = self._accepted(p, self.judged.accepted[pid])
            if out is not None:
                self.journal.commit(p, out, self._auto_ok(out))
                return
        payer, payer_note = self.payers.identify(p.customer_id, p.payer_account, p.payer_name)
        if self.plain and pid not in self.remittance_lines:
            hit = self.plain.get(p.reference)
            out = self._plain(p, amt, payer, hit) if hit is not None else None
            if out is not None:
                if self.journal.commit(p, out, True):
                    self.payers.learn(p.payer_account, out.customer, pid)
                return
        notes = [payer_note] if payer_note else []
        pending: list[tuple[str, str]] = []      # exceptions of rules that found nothing usable
        chosen = proposal = empty = None
        # the first rule whose outcome may be applied wins; a mere proposal waits for a later rule
        # that can be applied (an ambiguous or remittance-based proposal ends the search); a rule
        # that finds only problems (no allocation) ends it too, except the remittance rule
        rules = [("remittance", partial(remittance_rule, lines=self.remittance_lines[pid]))] \
            if pid in self.remittance_lines else []
        rules += [("doc", doc_ref_rule), ("po", po_ref_rule),
                  ("amounts", amount_rule) if payer is not None else ("amount_only", amount_only_rule)]
        for name, rule in rules:
            out = rule(self.alloc, p=p, payer=payer, notes=notes)
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
            self.journal.leave_unapplied(p, amt, reason, detail, cust)
            for r, d in pending:
                self.journal.exceptions.append((pid, r, d, cust, ""))
            return
        out.exceptions = pending + out.exceptions
        if self.journal.commit(p, out, self._auto_ok(out)) and out.rule in _LEARN_FROM and (payer is None or payer.customer_id == out.customer):
            self.payers.learn(p.payer_account, out.customer, pid)      # the account's history, for later payments

    def _plain(self, p, amt: int, payer, hit: tuple[int, str, str]) -> Outcome | None:
        """The DOC_REF outcome :func:`.rules.doc_ref_rule` gives a payment whose reference names
        one document by its key, only in the token ``hit`` = ``(item, raw, key)``, when it applies
        at once: the document in the payment's currency, its remaining open amount (> 0) the
        payment's ``amt`` (int minor units), the payer unknown or related to its customer, the
        key's confidence at least AutoApplyMinConfidence; else None (the rules decide)."""
        b = self.book
        i, raw, key = hit
        if b.remaining[i] != amt or amt <= 0 or b.cur[i] != p.currency:
            return None
        if payer is not None and not self.payers.related(payer.customer_id, b.cust[i]):
            return None
        base = key_confidence(key, False)
        if reported(base) < self.min_conf:
            return None
        evidence = [payer.evidence] if payer else []
        evidence.append(f"amount {self.alloc.fmt(amt, p.currency)} = open amount")
        ev = f'reference "{raw}" ~ document_no {b.doc[i]} ({explain(raw, b.doc[i], b.key[i])})'
        return Outcome("DOC_REF", [Allocation(i, amt, evidence=ev)], base, evidence,
                       customer=payer.customer_id if payer else b.cust[i], amount_confirmed=True)

    def _accepted(self, p, rows: pd.DataFrame) -> Outcome | None:
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
                problems.append(f"{r.document_no} is open {self.alloc.fmt(b.remaining[i] - taken[i], cur)}, the proposal clears "
                                f"{self.alloc.fmt(clears, cur)}")
                continue
            taken[i] += clears
            allocs.append(Allocation(i, int(r.applied_amount), discount=int(r.discount_amount), write_off=int(r.write_off_amount),
                                     deduction=int(r.deduction_amount), reason_code=r.reason_code or "",
                                     evidence=f"proposed {r.rule} (confidence {float(r.confidence):.2f})"))
        if sum(a.applied for a in allocs) > amt:
            problems.append(f"the proposal applies more than the payment's {self.alloc.fmt(amt, cur)}")
        if problems or not allocs:
            self.journal.exceptions.append((pid, "ACCEPT_NOT_APPLIED", "decision ACCEPT not applied: " + "; ".join(problems),
                                    rows["customer_id"].iat[0], ", ".join(rows["document_no"])))
            return None
        return Outcome("MANUAL", allocs, 1.0, ["decision ACCEPT: applied as a person accepted the proposal"],
                       customer=b.cust[allocs[0].item], manual=True)

    def _auto_ok(self, out: Outcome) -> bool:
        """Whether ``out`` may be applied without a person: accepted by one, or unambiguous, not
        review-only and its reported confidence at least AutoApplyMinConfidence."""
        if out.manual:
            return True
        return not out.ambiguous and not out.review_only and reported(out.confidence) >= self.min_conf
