"""The journal of a cash-application run: what each payment did, as rows of the result tables
(:mod:`.result`) - applications (AUTO and REVIEW), unapplied cash, exceptions, deductions
raised and the posting lines (APPLICATION, DISCOUNT, WRITE_OFF, DEDUCTION, ON_ACCOUNT,
UNAPPLIED) - and the open items after the run.  Money is int minor units of the payment's
currency; posting amounts are positive.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.money import money_text
from ..core.schema import TABLES
from .confidence import reported
from .open_index import OpenItemIndex
from .outcome import Outcome
from .prior import Judgement
from .result import (APPLICATION_COLUMNS, APPLICATION_MONEY, DEDUCTION_COLUMNS, EXCEPTION_COLUMNS, POSTING_COLUMNS,
                     UNAPPLIED_COLUMNS, CashAppResult)


class Journal:
    """The rows a run records, in the order payments are applied."""

    def __init__(self, book: OpenItemIndex, judged: Judgement, reporting_currency: str, run_id: str = ""):
        self.book = book
        self.judged = judged
        self.reporting_currency = reporting_currency
        self.run_id = run_id
        # items whose earlier application is in question: never applied automatically
        self.held: dict[int, str] = {}
        if judged.held:
            index = {d: i for i, d in enumerate(book.doc)}
            self.held = {index[d]: why for d, why in judged.held.items() if d in index}
        self.apps: list[tuple] = []
        self.unapplied: list[tuple] = list(judged.unapplied)
        self.exceptions: list[tuple] = list(judged.exceptions)
        self.deductions: list[tuple] = []
        self.posting: list[tuple] = []
        self.pmt_credits: list[tuple] = []
        self.applied: set[str] = set()        # payments applied (AUTO) in this run

    def _rows(self) -> tuple[list, ...]:
        return self.apps, self.unapplied, self.exceptions, self.deductions, self.posting, self.pmt_credits

    def mark(self) -> tuple[int, ...]:
        """Where each list of rows ends now (for :meth:`forget`; :meth:`_rows` order, spelt out:
        it is taken twice per payment)."""
        return (len(self.apps), len(self.unapplied), len(self.exceptions), len(self.deductions), len(self.posting),
                len(self.pmt_credits))

    def forget(self, spans: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> None:
        """Drop the rows recorded between each ``(start, end)`` pair of :meth:`mark` s: the
        judgement of payments that will be judged again.  Only rows of payments not applied
        (nothing applied changed the open amounts)."""
        for k, rows in enumerate(self._rows()):
            dead = {j for start, end in spans for j in range(start[k], end[k])}
            if dead:
                rows[:] = [r for j, r in enumerate(rows) if j not in dead]

    def commit(self, p, out: Outcome, auto: bool) -> bool:
        """Record ``out`` for payment ``p``: AUTO (applied, True; ``auto`` unless an earlier
        application to one of its documents is held) or REVIEW (proposed, False).  Applied
        allocations lower the documents' remaining open amounts in the index."""
        b, pid, cur, amt = self.book, p.payment_id, p.currency, int(p.amount)
        conf = reported(out.confidence)
        held = [] if out.manual else [self.held[a.item] for a in out.allocs if a.item in self.held]
        if held:        # an earlier application to the document is in question: a person decides
            auto = False
            out.evidence.append("not applied automatically: " + "; ".join(held))
        status = "AUTO" if auto else "REVIEW"
        if auto:
            self.applied.add(pid)
        cust = out.customer or (b.cust[out.allocs[0].item] if out.allocs else "")
        head = "; ".join(filter(None, out.evidence))
        cash = 0
        n_ded = 0
        for a in out.allocs:
            i = a.item
            ev = f"{a.evidence}; {head}" if a.evidence and head else a.evidence or head
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
                self.leave_unapplied(p, rest, out.excess_reason or "ON_ACCOUNT",
                                     out.excess_detail or f"{money_text(rest, cur, code=None)} left after applying", cust)
        else:
            reason = "AMBIGUOUS" if out.ambiguous else "REVIEW"
            docs = ", ".join(b.doc[a.item] for a in out.allocs)
            detail = f"proposed {out.rule} to {docs} (confidence {conf:.2f}): {head}"
            self.leave_unapplied(p, amt, reason, detail, cust)
            self.exceptions.append((pid, reason, detail, cust, docs))
        for r, d in out.exceptions:
            self.exceptions.append((pid, r, d, cust, ""))
        return auto

    def leave_unapplied(self, p, amount: int, reason: str, detail: str, customer: str) -> None:
        """``amount`` (int minor units) of payment ``p`` not applied: on the customer's account
        (a PMT credit item) when the customer is known, else unapplied cash."""
        if amount == 0:
            return
        pid, cur = p.payment_id, p.currency
        self.unapplied.append((pid, amount, reason, cur, p.payer_name, p.reference, detail, customer))
        kind = "ON_ACCOUNT" if customer else "UNAPPLIED"
        self.posting.append((pid, kind, customer, "", amount, cur, p.value_date,
                             f"{reason.lower().replace('_', ' ')}: {detail}"[:250]))
        if customer:
            self.pmt_credits.append((pid, customer, amount, cur, p.value_date, reason))

    def result(self, oi: pd.DataFrame) -> CashAppResult:
        """The recorded rows as the result tables; ``oi`` gives the open items' attrs."""
        rc = self.reporting_currency

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
        """The open items after the run: remaining open amounts, new deduction (DED) items, earlier
        runs' unposted items and payments left on account (PMT, negative)."""
        b = self.book
        remaining = np.asarray(b.remaining, dtype="int64")
        still = remaining != 0
        after = b.df[still]
        after["open_amount"] = remaining[still]
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
