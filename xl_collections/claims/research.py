"""A customer says "we paid": find the payments that may be it and say where each went
(CONTRACT §6 "Payment claims", result columns of ``claim.csv`` in §4).

The known payments are the ``payments`` table's receipts (``record_type`` ``PAYMENT``) and
every payment earlier runs' applications name that the table no longer holds (its value
date, amount and bank reference come from those rows).  A known payment is a **candidate**
when

* its reference names a claimed document (a document-number key, :mod:`xl_collections.docno`,
  read from the claim's reference) or holds the claimed text — its ``payment_id``, bank
  reference and end-to-end id count as reference too (a claimed cheque number), or
* its amount equals the claimed amount within ``MatchTolerance`` (same currency),

from any payer, and its value date lies within ``ClaimDays`` of the claimed date (no window
when the claim gives no date).  A claim with neither amount nor reference looks only at the
claimed customer's own payments (its ``customer_id``, or applied to its documents).

Ranked: reference match first, then exact amount, then date distance, then how much the
payer's name looks like the names the claimed customer pays under (rapidfuzz), then value
date and ``payment_id``.  ``where`` says where each went:

* ``RETURNED`` — a ``REVERSED`` application (its ``return_id``) or a ``RETURN`` row of the
  payments whose ``original_ref`` names it;
* ``APPLIED_TO_CLAIMED`` — applied (status ``AUTO``) to a claimed document, or, when the
  claim names none, to a document of the claimed customer;
* ``APPLIED_ELSEWHERE`` — applied, but to other documents: which, and whose;
* ``UNAPPLIED`` — no application among the inputs (proposals for review named);
* one ``NOT_FOUND`` row when nothing qualifies, saying what was looked for.

Money: ``amount`` is integer minor units of the row's ``currency`` (positive, as received);
the claimed amount is minor units of the claim's currency.  Pure: no files, no clock.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz

from ..cashapp.payer import normalise_name
from ..cashapp.prior import APPLIED
from ..cashapp.refs import candidates as reference_tokens
from ..docno import normalise_document_no
from ..money import money_text

APPLIED_TO_CLAIMED, APPLIED_ELSEWHERE, UNAPPLIED, RETURNED, NOT_FOUND = (
    "APPLIED_TO_CLAIMED", "APPLIED_ELSEWHERE", "UNAPPLIED", "RETURNED", "NOT_FOUND")
WHERE = (APPLIED_TO_CLAIMED, APPLIED_ELSEWHERE, UNAPPLIED, RETURNED, NOT_FOUND)
CSV_COLUMNS = ["rank", "payment_id", "value_date", "amount", "payer_name", "reference", "where", "documents",
               "customer_id", "evidence"]
_DAY = np.int64(86_400_000_000_000)
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


@dataclass(frozen=True)
class Claim:
    """One "we paid" claim: ``amount`` in minor units of ``currency`` (None: not said),
    ``date`` the day the customer says it paid (None: not said), ``reference`` what it quotes
    (invoice numbers, a cheque number, remittance text)."""
    customer_id: str
    amount: int | None = None
    date: dt.date | None = None
    reference: str = ""
    currency: str = "USD"
    note: str = ""

    @property
    def document_keys(self) -> tuple[str, ...]:
        """Keys of the documents the reference names (tokens with a digit, 3+ characters)."""
        return tuple(k for _, k in reference_tokens(self.reference) if any(ch.isdigit() for ch in k))

    @property
    def text_key(self) -> str:
        """The claimed reference as compared inside a payment's reference: upper case, every run
        of punctuation and spaces one space."""
        return _text_key(self.reference)


def _text_key(text: object) -> str:
    return _NON_ALNUM.sub(" ", str(text or "").upper()).strip()


def _text(v) -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return ""
    return str(v).strip()


@dataclass
class PaymentIndex:
    """The known payments, prepared once for many claims.  ``pay``: one row per payment
    (``payment_id, value_date, amount, currency, payer_name, payer_account, reference,
    customer_id, bank_refs``); ``apps``: the earlier applications (``read_prior`` columns);
    ``returns``: ``RETURN`` rows of the payments (``payment_id`` is the return's id)."""
    pay: pd.DataFrame
    apps: pd.DataFrame
    returns: pd.DataFrame
    days: np.ndarray = field(repr=False)          # value date as days since 1970 (NaT: min int)
    ref_upper: pa.Array = field(repr=False)       # reference + payment_id + bank refs, upper case

    @property
    def size(self) -> int:
        return len(self.pay)


_PAY_COLS = ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_account", "reference",
             "customer_id"]


def index_payments(payments: pd.DataFrame | None, applications: pd.DataFrame | None = None, *,
                   currency: str = "USD") -> PaymentIndex:
    """:class:`PaymentIndex` of the canonical ``payments`` table and earlier runs'
    ``applications`` (as :func:`xl_collections.cashapp.prior.read_prior` gives them); either
    may be None."""
    pay = payments if payments is not None else pd.DataFrame(columns=_PAY_COLS)
    rt = pay["record_type"].astype(str).str.upper() if "record_type" in pay.columns else pd.Series("", index=pay.index)
    returns = pay[rt == "RETURN"]
    pay = pay[~rt.isin(["RETURN", "DEBIT"])]
    cols = {c: (pay[c] if c in pay.columns else pd.Series("", index=pay.index, dtype=object)) for c in _PAY_COLS}
    if "currency" not in pay.columns:
        cols["currency"] = pd.Series(currency, index=pay.index, dtype=object)
    pay = pd.DataFrame(cols).reset_index(drop=True)
    pay["currency"] = pay["currency"].where(pay["currency"].astype(str) != "", currency)
    pay["amount"] = pay["amount"].astype("int64")
    pay["value_date"] = pd.to_datetime(pay["value_date"]).astype("datetime64[ns]")
    apps = applications if applications is not None else pd.DataFrame(
        columns=["payment_id", "document_no", "customer_id", "applied_amount", "status", "value_date",
                 "payment_amount", "bank_reference", "end_to_end_id", "return_id", "currency", "run_id"])
    apps = apps.reset_index(drop=True)
    bank_refs = pd.Series("", index=pay.index, dtype=object)
    if len(apps):
        refs = apps[["payment_id", "bank_reference", "end_to_end_id"]].astype(str)
        refs = refs[(refs["bank_reference"] != "") | (refs["end_to_end_id"] != "")].drop_duplicates("payment_id")
        by_id = dict(zip(refs["payment_id"], (refs["bank_reference"] + " " + refs["end_to_end_id"]).str.strip()))
        if by_id:
            bank_refs = pay["payment_id"].map(by_id).fillna("").astype(object)
        # payments only the applications still know (an earlier run's statement not loaded now)
        only = apps[~apps["payment_id"].isin(set(pay["payment_id"]))]
        if len(only):
            pay = pd.concat([pay.assign(bank_refs=bank_refs), _from_applications(only, currency)], ignore_index=True)
        else:
            pay = pay.assign(bank_refs=bank_refs)
    else:
        pay = pay.assign(bank_refs=bank_refs)
    vd = pay["value_date"].to_numpy(dtype="datetime64[ns]").astype("int64")
    days = np.where(pay["value_date"].isna().to_numpy(), np.iinfo(np.int64).min, vd // _DAY)
    text = (pay["reference"].astype(str) + " | " + pay["payment_id"].astype(str) + " | " + pay["bank_refs"].astype(str))
    ref_upper = pc.utf8_upper(pa.array(text.to_numpy(dtype=object), type=pa.string()))
    return PaymentIndex(pay, apps, returns.reset_index(drop=True), days, ref_upper)


def _from_applications(apps: pd.DataFrame, currency: str) -> pd.DataFrame:
    """One payment per ``payment_id`` of application rows: its value date, amount
    (``payment_amount``, else what its applications applied) and bank reference."""
    a = apps.copy()
    applied = a["status"].isin(APPLIED)
    a["_applied"] = a["applied_amount"].where(applied, 0).astype("int64")
    g = a.groupby("payment_id", sort=False)
    first = g.first()
    total = g["_applied"].sum()
    pamt = first["payment_amount"] if "payment_amount" in first.columns else pd.Series(pd.NA, index=first.index)
    amount = pd.array([int(p) if not pd.isna(p) else int(t) for p, t in zip(pamt, total)], dtype="int64")
    refs = (first["bank_reference"].astype(str) + " " + first["end_to_end_id"].astype(str)).str.strip()
    cur = first["currency"].astype(str).where(first["currency"].astype(str) != "", currency)
    return pd.DataFrame({"payment_id": first.index.astype(str), "value_date": pd.to_datetime(first["value_date"]).to_numpy(),
                         "amount": amount, "currency": cur.to_numpy(), "payer_name": "",
                         "payer_account": first["payer_account"].astype(str).to_numpy() if "payer_account" in first else "",
                         "reference": refs.to_numpy(), "customer_id": "", "bank_refs": refs.to_numpy()})


@dataclass
class ClaimResult:
    """``rows``: the candidates ranked (``CSV_COLUMNS`` plus ``currency``; ``amount`` minor
    units of ``currency``), or one ``NOT_FOUND`` row; ``looked_for``: what was searched, in words."""
    claim: Claim
    rows: pd.DataFrame
    looked_for: str

    @property
    def found(self) -> bool:
        return not (len(self.rows) == 1 and self.rows["where"].iat[0] == NOT_FOUND)


def research(claim: Claim, index: PaymentIndex, *, open_items: pd.DataFrame | None = None,
             claim_days: int = 30, tolerance: int = 0) -> ClaimResult:
    """Answer one claim against ``index`` (:func:`index_payments`).  ``claim_days``: the
    ``ClaimDays`` window either side of the claimed date; ``tolerance``: ``MatchTolerance`` in
    minor units of the claim's currency.  ``open_items`` (optional) tells whose a document is
    and whether the claimed documents are still open."""
    pay = index.pay
    n = len(pay)
    keys = claim.document_keys
    text = claim.text_key if len(claim.text_key) >= 3 else ""
    # the date window first: it cuts a year of payments to a few weeks
    if claim.date is not None:
        day = (np.datetime64(claim.date, "D") - np.datetime64(0, "D")).astype("int64")
        inside = np.abs(index.days - day) <= int(claim_days)
        rows = np.flatnonzero(inside & (index.days != np.iinfo(np.int64).min))
    else:
        rows = np.arange(n)
    amount_ok = np.zeros(len(rows), dtype=bool)
    if claim.amount is not None and len(rows):
        amt = pay["amount"].to_numpy()[rows]
        cur = pay["currency"].to_numpy()[rows]
        amount_ok = (np.abs(amt - int(claim.amount)) <= int(tolerance)) & (cur == claim.currency)
    ref_ok = np.zeros(len(rows), dtype=bool)
    if (keys or text) and len(rows):
        ref_ok = _reference_hits(index.ref_upper.take(pa.array(rows)), keys, text)
    docs = _Documents(open_items)
    if claim.amount is None and not keys and not text:
        own = _own_payments(index, claim.customer_id, docs)
        ok = np.isin(pay["payment_id"].to_numpy()[rows], list(own)) if own else np.zeros(len(rows), dtype=bool)
    else:
        ok = amount_ok | ref_ok
    looked = _looked_for(claim, keys, text, claim_days, tolerance, n)
    if not ok.any():
        return ClaimResult(claim, _not_found(claim, looked, docs, keys), looked)
    hit = rows[ok]
    cand = pay.iloc[hit].reset_index(drop=True)
    cand["m_ref"] = ref_ok[ok]
    cand["m_exact"] = (cand["amount"].to_numpy() == claim.amount) & (cand["currency"].to_numpy() == claim.currency) \
        if claim.amount is not None else False
    cand["m_days"] = (index.days[hit] - day) if claim.date is not None else 0
    cand["m_payer"] = _payer_likeness(cand, _known_names(index, claim.customer_id, docs))
    cand["m_dist"] = np.abs(cand["m_days"])
    cand = cand.sort_values(["m_ref", "m_exact", "m_dist", "m_payer", "value_date", "payment_id"],
                            ascending=[False, False, True, False, True, True], kind="mergesort").reset_index(drop=True)
    out = [_where(r, claim, keys, text, index, docs, tolerance) for r in cand.itertuples(index=False)]
    res = pd.DataFrame({"rank": np.arange(1, len(cand) + 1), "payment_id": cand["payment_id"].astype(str),
                        "value_date": cand["value_date"], "amount": cand["amount"].astype("int64"),
                        "payer_name": cand["payer_name"].astype(str), "reference": cand["reference"].astype(str),
                        "where": [o[0] for o in out], "documents": [o[1] for o in out],
                        "customer_id": [o[2] for o in out], "evidence": [o[3] for o in out],
                        "currency": cand["currency"].astype(str)})
    res.attrs = {"money": ["amount"], "currency": claim.currency}
    return ClaimResult(claim, res, looked)


def _reference_hits(ref_upper: pa.Array, keys: tuple[str, ...], text: str) -> np.ndarray:
    """Rows whose reference text names one of ``keys`` or holds ``text``.  A cheap substring
    test on the digits of each key picks the rows; their tokens' keys then decide exactly."""
    hits = np.zeros(len(ref_upper), dtype=bool)
    if text:
        norm = pc.utf8_trim_whitespace(pc.replace_substring_regex(ref_upper, pattern=r"[^0-9A-Z]+", replacement=" "))
        padded = pc.binary_join_element_wise(" ", norm, " ", "")
        hits |= pc.match_substring(padded, f" {text} ").to_numpy(zero_copy_only=False)
    want = set(keys)
    for k in keys:
        digits = max(re.findall(r"\d+", k), key=len)
        maybe = np.flatnonzero(pc.match_substring(ref_upper, digits).to_numpy(zero_copy_only=False) & ~hits)
        for i in maybe:
            if any(t in want for _, t in reference_tokens(ref_upper[int(i)].as_py().replace(" | ", " "), 80)):
                hits[i] = True
    return hits


class _Documents:
    """Who a document belongs to and what is still open (from the open items, when given)."""

    def __init__(self, open_items: pd.DataFrame | None):
        self.by_key: dict[str, list[tuple[str, str, int, str]]] = {}
        if open_items is None or not len(open_items):
            return
        oi = open_items
        cur = oi["currency"] if "currency" in oi.columns else pd.Series("", index=oi.index)
        for d, c, o, k in zip(oi["document_no"].astype(str), oi["customer_id"].astype(str),
                              oi["open_amount"], cur.astype(str)):
            self.by_key.setdefault(normalise_document_no(d), []).append((d, c, int(o), k))

    def customer_of(self, document_no: str) -> str:
        found = self.by_key.get(normalise_document_no(document_no), [])
        return found[0][1] if len(found) == 1 else ""

    def of_customer(self, customer_id: str) -> set[str]:
        return {d for rows in self.by_key.values() for d, c, _, _ in rows if c == customer_id}

    def still_open(self, keys, currency: str) -> list[str]:
        out = []
        for k in keys:
            for d, c, o, cur in self.by_key.get(k, []):
                out.append(f"{d} of {c} is still open {money_text(o, cur or currency)}" if o
                           else f"{d} of {c} shows nothing open")
        return out


def _own_payments(index: PaymentIndex, customer_id: str, docs: _Documents) -> set[str]:
    """The claimed customer's payments: its ``customer_id`` on the payment, or applied to its documents."""
    pay, apps = index.pay, index.apps
    own = set(pay.loc[pay["customer_id"].astype(str) == customer_id, "payment_id"])
    if len(apps):
        mine = apps["customer_id"].astype(str) == customer_id
        mine |= apps["document_no"].isin(docs.of_customer(customer_id))
        own |= set(apps.loc[mine, "payment_id"])
    return own


def _known_names(index: PaymentIndex, customer_id: str, docs: _Documents) -> list[str]:
    """The normalised payer names the claimed customer has paid under."""
    pay = index.pay
    own = _own_payments(index, customer_id, docs)
    names = pay.loc[pay["payment_id"].isin(own), "payer_name"].astype(str)
    return sorted({normalise_name(n) for n in names if n.strip()})


def _payer_likeness(cand: pd.DataFrame, names: list[str]) -> list[float]:
    if not names:
        return [0.0] * len(cand)
    return [max((fuzz.token_sort_ratio(normalise_name(p), n) for n in names), default=0.0) if str(p).strip() else 0.0
            for p in cand["payer_name"]]


def _where(r, claim: Claim, keys, text, index: PaymentIndex, docs: _Documents, tolerance: int):
    """``(where, documents, customer_id, evidence)`` of one candidate payment."""
    cur = r.currency
    why = []
    if r.m_ref:
        why.append(f"its reference {r.reference!r} names {claim.reference!r}" if r.reference
                   else f"its id or bank reference names {claim.reference!r}")
    if claim.amount is not None:
        diff = int(r.amount) - int(claim.amount)
        if r.currency == claim.currency and diff == 0:
            why.append(f"amount {money_text(r.amount, cur)} as claimed")
        elif r.currency == claim.currency and abs(diff) <= tolerance:
            why.append(f"amount {money_text(r.amount, cur)} within {money_text(tolerance, cur)} of the claimed "
                       f"{money_text(claim.amount, claim.currency)}")
        else:
            why.append(f"amount {money_text(r.amount, cur)}, not the claimed {money_text(claim.amount, claim.currency)}")
    if claim.date is not None and not pd.isna(r.value_date):
        d = int(r.m_days)
        why.append("paid on the claimed date" if d == 0 else
                   f"paid {abs(d)} day{'s' if abs(d) != 1 else ''} {'after' if d > 0 else 'before'} the claimed date")
    if r.payer_name:
        who = f"payer {r.payer_name!r}"
        if r.customer_id and r.customer_id != claim.customer_id:
            who += f" (customer {r.customer_id})"
        elif r.m_payer >= 90:
            who += " (a name the customer pays under)"
        why.append(who)
    apps = index.apps
    mine = apps[apps["payment_id"] == r.payment_id] if len(apps) else apps
    returned = _returned(r, mine, index.returns)
    applied = mine[mine["status"].isin(APPLIED)] if len(mine) else mine
    review = mine[mine["status"] == "REVIEW"] if len(mine) else mine
    claimed_docs = set(keys)
    own_docs = None

    def owner(app) -> str:
        return _text(app.customer_id) or docs.customer_of(app.document_no)

    parts, doc_list, customers = [], [], []
    for a in applied.itertuples(index=False):
        c = owner(a)
        doc_list.append(a.document_no)
        if c:
            customers.append(c)
        run = f", run {a.run_id}" if _text(getattr(a, "run_id", "")) else ""
        parts.append(f"{money_text(int(a.applied_amount), a.currency or cur)} applied to {a.document_no}"
                     + (f" of customer {c}" if c else "") + run)
    left = int(r.amount) - int(applied["applied_amount"].sum()) if len(applied) else int(r.amount)
    if returned:
        where = RETURNED
        docs_out = "; ".join(dict.fromkeys(mine.loc[mine["status"] == "REVERSED", "document_no"].astype(str))) \
            if len(mine) else ""
        customers_out = "; ".join(dict.fromkeys(c for c in (owner(a) for a in mine.itertuples(index=False)) if c)) \
            or _text(r.customer_id)
        return where, docs_out, customers_out, "; ".join(why + [returned])
    if len(applied):
        if claimed_docs:
            to_claimed = any(normalise_document_no(d) in claimed_docs for d in doc_list)
        else:
            own_docs = docs.of_customer(claim.customer_id)
            to_claimed = any(c == claim.customer_id for c in customers) or any(d in own_docs for d in doc_list)
        where = APPLIED_TO_CLAIMED if to_claimed else APPLIED_ELSEWHERE
        if left > 0:
            parts.append(f"{money_text(left, cur)} of it left unapplied")
        if where == APPLIED_ELSEWHERE and claimed_docs:
            parts += docs.still_open(keys, claim.currency)
        elif where == APPLIED_TO_CLAIMED and claim.amount is not None and claimed_docs:
            to_them = int(applied.loc[applied["document_no"].map(normalise_document_no).isin(claimed_docs),
                                      "applied_amount"].sum())
            if to_them < claim.amount:
                parts.append(f"partly: {money_text(to_them, cur)} of the claimed "
                             f"{money_text(claim.amount, claim.currency)} reached the claimed documents")
        return where, "; ".join(dict.fromkeys(doc_list)), "; ".join(dict.fromkeys(customers)), "; ".join(why + parts)
    note = ["no application of it among the inputs: the cash is unapplied"]
    if len(review):
        note = ["not applied: proposed for review to " + ", ".join(
            f"{a.document_no}" + (f" of customer {owner(a)}" if owner(a) else "") for a in review.itertuples(index=False))]
    on_account = docs.by_key.get(normalise_document_no(r.payment_id), [])
    for d, c, o, k in on_account:
        if d == r.payment_id:
            note.append(f"held on account of customer {c} ({money_text(o, k or cur)} open as {d})")
    if claimed_docs:
        note += docs.still_open(keys, claim.currency)
    return UNAPPLIED, "", _text(r.customer_id), "; ".join(why + note)


def _returned(r, mine: pd.DataFrame, returns: pd.DataFrame) -> str:
    """Why the payment counts as returned ('' when it does not)."""
    if len(mine):
        rev = mine[(mine["status"] == "REVERSED") | (mine["return_id"].astype(str) != "")]
        if len(rev):
            a = rev.iloc[0]
            reopened = -int(rev["applied_amount"].sum())
            when = "" if pd.isna(a["value_date"]) else f" on {pd.Timestamp(a['value_date']).date().isoformat()}"
            docs = ", ".join(dict.fromkeys(rev["document_no"].astype(str)))
            return (f"returned (return {a['return_id']}{when}); {money_text(reopened, a['currency'] or r.currency)} "
                    f"put back on {docs}" if docs else f"returned (return {a['return_id']}{when})")
    if len(returns):
        names = {normalise_document_no(x) for x in (r.payment_id, *str(r.bank_refs).split()) if x}
        orig = returns["original_ref"].astype(str).map(normalise_document_no) if "original_ref" in returns else None
        if orig is not None:
            hit = returns[orig.isin(names - {""})]
            if len(hit):
                x = hit.iloc[0]
                reason = " ".join(v for v in (_text(x.get("reason_code")), _text(x.get("reason"))) if v)
                when = "" if pd.isna(x["value_date"]) else f" on {pd.Timestamp(x['value_date']).date().isoformat()}"
                return f"returned (return {x['payment_id']}{when}" + (f": {reason}" if reason else "") + \
                    "); not yet reversed by a cash application run"
    return ""


def _looked_for(claim: Claim, keys, text, claim_days: int, tolerance: int, n: int) -> str:
    what = []
    if keys or text:
        what.append("a reference naming " + repr(claim.reference))
    if claim.amount is not None:
        what.append(f"an amount of {money_text(claim.amount, claim.currency)}"
                    + (f" (± {money_text(tolerance, claim.currency)})" if tolerance else ""))
    if not what:
        what.append(f"payments of customer {claim.customer_id}")
    when = ""
    if claim.date is not None:
        lo, hi = claim.date - dt.timedelta(days=claim_days), claim.date + dt.timedelta(days=claim_days)
        when = f" dated {lo.isoformat()} to {hi.isoformat()} ({claim_days} days either side of {claim.date.isoformat()})"
    return f"{' or '.join(what)}{when}, from any payer, among {n:,} known payments"


def _not_found(claim: Claim, looked: str, docs: _Documents, keys) -> pd.DataFrame:
    ev = ["no payment found: looked for " + looked] + docs.still_open(keys, claim.currency)
    df = pd.DataFrame({"rank": pd.array([pd.NA], dtype="Int64"), "payment_id": [""],
                       "value_date": pd.Series([pd.NaT], dtype="datetime64[ns]"),
                       "amount": pd.array([pd.NA], dtype="Int64"), "payer_name": [""], "reference": [""],
                       "where": [NOT_FOUND], "documents": [""], "customer_id": [claim.customer_id],
                       "evidence": ["; ".join(ev)], "currency": [claim.currency]})
    df.attrs = {"money": ["amount"], "currency": claim.currency}
    return df


def research_claims(claims: pd.DataFrame, index: PaymentIndex, *, open_items: pd.DataFrame | None = None,
                    claim_days: int = 30, tolerance: int = 0, currency: str = "USD") -> pd.DataFrame:
    """Every claim of the canonical ``claims`` table (the ``Claims`` sheet: ``customer_id,
    amount`` in minor units of ``currency``, ``date, reference, note``) answered, one block of
    rows per claim in sheet order: ``claim`` (the claim's row on its sheet) and
    ``claimed_customer`` first, then :data:`CSV_COLUMNS` and ``currency``."""
    frames = []
    for r in claims.itertuples(index=False):
        amount = getattr(r, "amount", None)
        date = getattr(r, "date", None)
        claim = Claim(_text(r.customer_id), None if amount is None or pd.isna(amount) else int(amount),
                      None if date is None or pd.isna(date) else pd.Timestamp(date).date(),
                      _text(getattr(r, "reference", "")), currency, _text(getattr(r, "note", "")))
        rows = research(claim, index, open_items=open_items, claim_days=claim_days, tolerance=tolerance).rows
        rows.insert(0, "claimed_customer", claim.customer_id)
        rows.insert(0, "claim", int(getattr(r, "source_row", len(frames) + 2)))
        frames.append(rows)
    cols = ["claim", "claimed_customer", *CSV_COLUMNS, "currency"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out.attrs = {"money": ["amount"], "currency": currency}
    return out
