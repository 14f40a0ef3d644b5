"""A customer says "we paid": find the payments that may be it and say where each went
(CONTRACT §6 "Payment claims", result columns of ``claim.csv`` in §4).

The known payments are the ``payments`` table's receipts (``record_type`` ``PAYMENT``) and
every payment earlier runs' applications name that the table no longer holds (its value
date, amount and bank reference come from those rows).  A known payment is a **candidate**
when

* its reference names a claimed document (a document-number key, :mod:`xl_collections.core.docno`,
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
* ``APPLIED_TO_CLAIMED`` — applied (status ``AUTO``, or a ``REVIEW`` row a person marked
  ``ACCEPT``) to a claimed document, or, when the claim names none, to a document of the
  claimed customer;
* ``APPLIED_ELSEWHERE`` — applied, but to other documents: which, and whose;
* ``UNAPPLIED`` — no application among the inputs (an ``AUTO`` row marked ``REJECT`` is
  withdrawn; proposals for review are named);
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
from ..core.docno import document_keys, normalise_document_no
from ..core.money import money_text

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


_NO_DAY = np.iinfo(np.int64).min
_PAY_COLS = ("payment_id", "value_date", "amount", "currency", "payer_name", "payer_account", "reference",
             "customer_id")
_APP_COLS = ("payment_id", "document_no", "customer_id", "applied_amount", "status", "value_date", "payment_amount",
             "bank_reference", "end_to_end_id", "return_id", "currency", "run_id")


def _arrow(s: pd.Series) -> pa.Array:
    """A text column as a pyarrow string array (blanks ``""``); no copy for Arrow-backed text."""
    try:
        arr = pa.Array.from_pandas(s)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if arr.type != pa.string():
            arr = arr.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        arr = pa.array([_text(v) for v in s], type=pa.string())
    return pc.fill_null(arr, "")


def _values(values) -> pa.Array:
    if isinstance(values, pa.Array):
        return values
    if isinstance(values, pd.Series):
        return _arrow(values)
    return pa.array([str(v) for v in values], type=pa.string())


def _in(arr: pa.Array, values) -> np.ndarray:
    """Which items of ``arr`` are among ``values`` (a bool array)."""
    return pc.is_in(arr, value_set=_values(values)).to_numpy(zero_copy_only=False)


@dataclass
class _Part:
    """Payments of one source, their text columns as Arrow arrays (compared without copying)."""
    pay: pd.DataFrame
    ids: pa.Array
    reference: pa.Array
    currency: pa.Array
    customer: pa.Array
    payer: pa.Array
    days: np.ndarray              # value date as days since 1970 (no date: _NO_DAY)
    amount: np.ndarray            # minor units of the row's currency


def _part(df: pd.DataFrame, currency: str) -> _Part:
    for c in _PAY_COLS:
        if c not in df.columns:
            df = df.assign(**{c: pd.NaT if c == "value_date" else 0 if c == "amount" else ""})
    vd = df["value_date"]
    if not pd.api.types.is_datetime64_any_dtype(vd.dtype):
        vd = pd.to_datetime(vd)
    ns = vd.to_numpy(dtype="datetime64[ns]")
    days = np.where(np.isnat(ns), _NO_DAY, ns.astype("int64") // _DAY)
    cur = _arrow(df["currency"])
    cur = pc.if_else(pc.equal(cur, ""), currency, cur)
    return _Part(df, _arrow(df["payment_id"]), _arrow(df["reference"]), cur, _arrow(df["customer_id"]),
                 _arrow(df["payer_name"]), days,
                 df["amount"].to_numpy(dtype="int64"))


@dataclass
class PaymentIndex:
    """The known payments, prepared once for many claims: ``payments`` (the ``payments`` table's
    receipts), ``apps`` (the earlier applications, ``read_prior`` columns: the payments only
    they know — an earlier statement not loaded now — are taken from them per claim, inside its
    window), ``returns`` (``RETURN`` rows of the payments: ``payment_id`` is the return's id,
    ``original_ref`` the returned payment)."""
    payments: _Part
    apps: pd.DataFrame
    returns: pd.DataFrame
    app_ids: pa.Array = field(repr=False)
    app_refs: pa.Array = field(repr=False)       # bank reference + end-to-end id
    app_customer: pa.Array = field(repr=False)
    app_document: pa.Array = field(repr=False)
    app_days: np.ndarray = field(repr=False)     # value date of the application's payment (days since 1970)
    currency: str = "USD"                        # the reporting currency: a blank currency's

    @property
    def parts(self) -> list[_Part]:
        return [self.payments]


def index_payments(payments: pd.DataFrame | None, applications: pd.DataFrame | None = None, *,
                   currency: str = "USD") -> PaymentIndex:
    """:class:`PaymentIndex` of the canonical ``payments`` table and earlier runs'
    ``applications`` (as :func:`xl_collections.cashapp.prior.read_prior` gives them); either
    may be None."""
    pay = payments if payments is not None else pd.DataFrame(columns=list(_PAY_COLS))
    returns = pay.iloc[:0]
    if "record_type" in pay.columns and len(pay):
        rt = pc.utf8_upper(_arrow(pay["record_type"]))
        ret = pc.equal(rt, "RETURN").to_numpy(zero_copy_only=False)
        other = ret | pc.equal(rt, "DEBIT").to_numpy(zero_copy_only=False)
        if other.any():
            returns, pay = pay[ret], pay[~other]
    parts = [_part(pay, currency)]      # the payments only applications know are found per claim (its window)
    apps = applications if applications is not None else pd.DataFrame(columns=list(_APP_COLS))
    for c in _APP_COLS:
        if c not in apps.columns:
            apps = apps.assign(**{c: ""})
    apps = apps.reset_index(drop=True)
    app_ids = _arrow(apps["payment_id"])
    refs = pc.binary_join_element_wise(_arrow(apps["bank_reference"]), _arrow(apps["end_to_end_id"]), " ")
    vd = pd.to_datetime(apps["value_date"]).to_numpy(dtype="datetime64[ns]")
    app_days = np.where(np.isnat(vd), _NO_DAY, vd.astype("int64") // _DAY)
    return PaymentIndex(parts[0], apps, returns.reset_index(drop=True), app_ids, refs, _arrow(apps["customer_id"]),
                        _arrow(apps["document_no"]), app_days, currency)


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
    amount = pd.array([int(p) if not (p == "" or pd.isna(p)) else int(t) for p, t in zip(pamt, total)], dtype="int64")
    refs = (first["bank_reference"].astype(str) + " " + first["end_to_end_id"].astype(str)).str.strip()
    cur = first["currency"].astype(str).where(first["currency"].astype(str) != "", currency)
    return pd.DataFrame({"payment_id": first.index.astype(str), "value_date": pd.to_datetime(first["value_date"]).to_numpy(),
                         "amount": amount, "currency": cur.to_numpy(), "payer_name": "",
                         "payer_account": first["payer_account"].astype(str).to_numpy() if "payer_account" in first else "",
                         "reference": refs.to_numpy(), "customer_id": ""})


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


def research(claim: Claim, index: PaymentIndex, *, open_items: "pd.DataFrame | Documents | None" = None,
             claim_days: int = 30, tolerance: int = 0) -> ClaimResult:
    """Answer one claim against ``index`` (:func:`index_payments`).  ``claim_days``: the
    ``ClaimDays`` window either side of the claimed date; ``tolerance``: ``MatchTolerance`` in
    minor units of the claim's currency.  ``open_items`` (optional; or their :class:`Documents`,
    built once for many claims) tells whose a document is and whether the claimed documents
    are still open."""
    keys = claim.document_keys
    text = claim.text_key if len(claim.text_key) >= 3 else ""
    docs = open_items if isinstance(open_items, Documents) else Documents(open_items)
    day = (np.datetime64(claim.date, "D") - np.datetime64(0, "D")).astype("int64") if claim.date else None
    own = _own_payments(index, claim.customer_id, docs)
    frames = []

    def window(days: np.ndarray) -> np.ndarray:       # the date window first: a year becomes a few weeks
        if day is None:
            return np.arange(len(days))
        dated = days != _NO_DAY
        return np.flatnonzero(dated & (np.abs(np.where(dated, days, day) - day) <= int(claim_days)))

    scan = [(index.payments, window(index.payments.days))]
    app_rows = window(index.app_days)
    by_bank_ref = _bank_ref_hits(index, app_rows, keys, text) if keys or text else None
    if len(app_rows):       # payments only earlier applications know, paid inside the window
        only = ~_in(index.app_ids.take(pa.array(app_rows)), index.payments.ids.take(pa.array(scan[0][1])))
        if only.any():
            extra = _part(_from_applications(index.apps.iloc[app_rows[only]], index.currency), index.currency)
            scan.append((extra, window(extra.days)))
    for part, rows in scan:
        if not len(rows):
            continue
        take = pa.array(rows)
        amount_ok = np.zeros(len(rows), dtype=bool)
        if claim.amount is not None:
            same = pc.equal(part.currency.take(take), claim.currency).to_numpy(zero_copy_only=False)
            amount_ok = (np.abs(part.amount[rows] - int(claim.amount)) <= int(tolerance)) & same
        ref_ok = np.zeros(len(rows), dtype=bool)
        if keys or text:
            ids = part.ids.take(take)
            ref_ok = _reference_hits(part.reference.take(take), keys, text) | _reference_hits(ids, keys, text)
            if by_bank_ref:
                ref_ok |= _in(ids, by_bank_ref)
        if claim.amount is None and not keys and not text:
            ok = _in(part.ids.take(take), own) if own else np.zeros(len(rows), dtype=bool)
        else:
            ok = amount_ok | ref_ok
        if ok.any():
            cand = part.pay.iloc[rows[ok]][list(_PAY_COLS)].reset_index(drop=True)
            cand["currency"] = part.currency.take(pa.array(rows[ok])).to_pylist()
            cand["m_ref"] = ref_ok[ok]
            cand["m_days"] = (part.days[rows[ok]] - day) if day is not None else 0
            frames.append(cand)
    looked = _looked_for(claim, keys, text, claim_days, tolerance, len(index.payments.pay), len(index.apps))
    if not frames:
        return ClaimResult(claim, _not_found(claim, looked, docs, keys), looked)
    cand = pd.concat(frames, ignore_index=True).drop_duplicates("payment_id") if len(frames) > 1 else frames[0]
    cand["amount"] = cand["amount"].astype("int64")
    cand["m_exact"] = ((cand["amount"].to_numpy() == claim.amount) & (cand["currency"].to_numpy() == claim.currency)
                       if claim.amount is not None else False)
    cand["m_payer"] = _payer_likeness(cand, _known_names(index, own))
    cand["m_dist"] = np.abs(cand["m_days"])
    cand = cand.sort_values(["m_ref", "m_exact", "m_dist", "m_payer", "value_date", "payment_id"],
                            ascending=[False, False, True, False, True, True], kind="mergesort").reset_index(drop=True)
    by_payment: dict[str, list[dict]] = {}
    if len(index.apps):
        for a in index.apps[_in(index.app_ids, cand["payment_id"])].to_dict("records"):
            by_payment.setdefault(_text(a["payment_id"]), []).append(a)
    returns = index.returns.to_dict("records") if len(index.returns) else []
    out = [_where(r, claim, keys, by_payment.get(r.payment_id, []), returns, docs, tolerance)
           for r in cand.itertuples(index=False)]
    res = pd.DataFrame({"rank": np.arange(1, len(cand) + 1), "payment_id": cand["payment_id"].astype(str),
                        "value_date": pd.to_datetime(cand["value_date"]).astype("datetime64[ns]"),
                        "amount": cand["amount"], "payer_name": cand["payer_name"].astype(str),
                        "reference": cand["reference"].astype(str),
                        "where": [o[0] for o in out], "documents": [o[1] for o in out],
                        "customer_id": [o[2] for o in out], "evidence": [o[3] for o in out],
                        "currency": cand["currency"].astype(str)})
    res.attrs = {"money": ["amount"], "currency": claim.currency}
    return ClaimResult(claim, res, looked)


def _bank_ref_hits(index: PaymentIndex, rows: np.ndarray, keys, text) -> set[str]:
    """Payment ids whose bank reference or end-to-end id (on their applications ``rows``, those
    paid within the window) names the claim."""
    if not len(rows):
        return set()
    take = pa.array(rows)
    hit = _reference_hits(index.app_refs.take(take), keys, text)
    return set(index.app_ids.take(take).filter(pa.array(hit)).to_pylist()) if hit.any() else set()


def _reference_hits(refs: pa.Array, keys: tuple[str, ...], text: str) -> np.ndarray:
    """Which of ``refs`` name one of ``keys`` or hold ``text`` (:attr:`Claim.text_key`).  A
    cheap substring test picks the rows (the longest digit run of a key, the longest word of the
    text, case ignored); their tokens' keys and normalised text then decide exactly."""
    hits = np.zeros(len(refs), dtype=bool)
    if not len(refs):
        return hits
    want = set(keys)
    probes = [(max(re.findall(r"\d+", k), key=len), "key") for k in keys]
    if text:
        probes.append((max(text.split(), key=len), "text"))
    for probe, kind in probes:
        found = pc.match_substring(refs, probe, ignore_case=kind == "text")      # digits have no case
        maybe = np.flatnonzero(found.to_numpy(zero_copy_only=False) & ~hits)
        for i in maybe:
            ref = refs[int(i)].as_py()
            if kind == "text":
                hits[i] = f" {text} " in f" {_text_key(ref)} "
            else:
                hits[i] = any(t in want for _, t in reference_tokens(ref, 80))
    return hits


class Documents:
    """Whose a document is and what is still open, from the open items (built once for many
    claims; empty without open items).  Looked up by document-number key."""

    def __init__(self, open_items: pd.DataFrame | None):
        self.oi = None
        if open_items is None or not len(open_items):
            return
        oi = open_items
        self.oi = pd.DataFrame({
            "document_no": oi["document_no"].astype(str).to_numpy(), "customer_id": oi["customer_id"].astype(str).to_numpy(),
            "open_amount": oi["open_amount"].astype("int64").to_numpy(),
            "currency": (oi["currency"].astype(str) if "currency" in oi.columns
                         else pd.Series("", index=oi.index)).to_numpy(),
            "key": document_keys(oi["document_no"]).to_numpy(zero_copy_only=False)})
        self._key = pa.array(self.oi["key"].to_numpy(dtype=object), type=pa.string())
        self._cust = pa.array(self.oi["customer_id"].to_numpy(dtype=object), type=pa.string())

    def rows(self, keys) -> list[tuple[str, str, int, str]]:
        """``(document_no, customer_id, open_amount, currency)`` of the documents with these keys."""
        if self.oi is None or not keys:
            return []
        hit = pc.is_in(self._key, value_set=pa.array(list(keys), type=pa.string())).to_numpy(zero_copy_only=False)
        sub = self.oi[hit]
        return list(zip(sub["document_no"], sub["customer_id"], sub["open_amount"].astype(int), sub["currency"]))

    def customer_of(self, document_no: str) -> str:
        found = {c for _, c, _, _ in self.rows([normalise_document_no(document_no)])}
        return found.pop() if len(found) == 1 else ""

    def of_customer(self, customer_id: str) -> set[str]:
        if self.oi is None:
            return set()
        return set(self.oi["document_no"].to_numpy()[pc.equal(self._cust, customer_id).to_numpy(zero_copy_only=False)])

    def still_open(self, keys, currency: str) -> list[str]:
        return [f"{d} of {c} is still open {money_text(o, cur or currency)}" if o else f"{d} of {c} shows nothing open"
                for d, c, o, cur in self.rows(keys)]


def _own_payments(index: PaymentIndex, customer_id: str, docs: Documents) -> set[str]:
    """The claimed customer's payments: its ``customer_id`` on the payment, or applied to its documents."""
    own: set[str] = set()
    for part in index.parts:
        mine = pc.equal(part.customer, customer_id)
        own |= set(part.ids.filter(mine).to_pylist())
    if len(index.apps):
        mine = pc.equal(index.app_customer, customer_id).to_numpy(zero_copy_only=False)
        theirs = docs.of_customer(customer_id)
        if theirs:
            mine |= _in(index.app_document, theirs)
        own |= set(index.app_ids.filter(pa.array(mine)).to_pylist())
    return own


def _known_names(index: PaymentIndex, own: set[str]) -> dict[str, set[str]]:
    """The normalised payer names the claimed customer has paid under, each with the ids of
    the payments that show it (its own payments)."""
    names: dict[str, set[str]] = {}
    if not own:
        return names
    for part in index.parts:
        hit = pc.is_in(part.ids, value_set=_values(own))
        for pid, n in zip(part.ids.filter(hit).to_pylist(), part.payer.filter(hit).to_pylist()):
            if _text(n):
                names.setdefault(normalise_name(n), set()).add(pid)
    return names


def _payer_likeness(cand: pd.DataFrame, names: dict[str, set[str]]) -> list[float]:
    """How much each candidate's payer name looks like a name the customer pays under (0-100),
    judged on the customer's other payments (a payment is no evidence for itself)."""
    out = []
    for pid, p in zip(cand["payment_id"], cand["payer_name"]):
        p = normalise_name(p) if _text(p) else ""
        out.append(max((fuzz.token_sort_ratio(p, n) for n, ids in names.items() if ids - {pid}), default=0.0)
                   if p else 0.0)
    return out


def _where(r, claim: Claim, keys, mine: list[dict], returns: list[dict], docs: Documents, tolerance: int):
    """``(where, documents, customer_id, evidence)`` of one candidate payment; ``mine``: its
    application rows, ``returns``: the ``RETURN`` rows of the payments (as dicts)."""
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
    claimed_docs = set(keys)

    def owner(app) -> str:
        return _text(app["customer_id"]) or docs.customer_of(app["document_no"])

    returned = _returned(r, mine, returns)
    if returned:
        reversed_ = [a for a in mine if a["status"] == "REVERSED"]
        return (RETURNED, "; ".join(dict.fromkeys(_text(a["document_no"]) for a in reversed_)),
                "; ".join(dict.fromkeys(c for c in map(owner, reversed_ or mine) if c)) or _text(r.customer_id),
                "; ".join(why + [returned]))
    # a person's decision on Cash App (CONTRACT §6): REJECT withdraws an application, ACCEPT applies a proposal
    decision = {id(a): _text(a.get("decision")).upper() for a in mine}
    applied = [a for a in mine if (a["status"] in APPLIED and decision[id(a)] != "REJECT")
               or (a["status"] == "REVIEW" and decision[id(a)] == "ACCEPT")]
    rejected = [a for a in mine if a["status"] in APPLIED and decision[id(a)] == "REJECT"]
    if applied:
        parts, doc_list, customers = [], [], []
        for a in applied:
            c = owner(a)
            doc_list.append(_text(a["document_no"]))
            if c:
                customers.append(c)
            run = f", run {a['run_id']}" if _text(a.get("run_id")) else ""
            how = "accepted for" if a["status"] == "REVIEW" else "applied to"
            parts.append(f"{money_text(int(a['applied_amount']), _text(a.get('currency')) or cur)} {how} "
                         f"{a['document_no']}" + (f" of customer {c}" if c else "") + run
                         + (" (applied by the next cash application)" if a["status"] == "REVIEW" else ""))
        left = int(r.amount) - sum(int(a["applied_amount"]) for a in applied)
        if claimed_docs:
            to_claimed = any(normalise_document_no(d) in claimed_docs for d in doc_list)
        else:
            own_docs = docs.of_customer(claim.customer_id)
            to_claimed = claim.customer_id in customers or any(d in own_docs for d in doc_list)
        where = APPLIED_TO_CLAIMED if to_claimed else APPLIED_ELSEWHERE
        if left > 0:
            parts.append(f"{money_text(left, cur)} of it left unapplied")
        if where == APPLIED_ELSEWHERE and claimed_docs:
            parts += docs.still_open(keys, claim.currency)
        elif where == APPLIED_TO_CLAIMED and claim.amount is not None and claimed_docs:
            to_them = sum(int(a["applied_amount"]) for a in applied
                          if normalise_document_no(a["document_no"]) in claimed_docs)
            if to_them < claim.amount:
                parts.append(f"partly: {money_text(to_them, cur)} of the claimed "
                             f"{money_text(claim.amount, claim.currency)} reached the claimed documents")
        return where, "; ".join(dict.fromkeys(doc_list)), "; ".join(dict.fromkeys(customers)), "; ".join(why + parts)
    note = ["no application of it among the inputs: the cash is unapplied"]
    review = [a for a in mine if a["status"] == "REVIEW" and decision[id(a)] != "REJECT"]
    if review:
        note = ["not applied: proposed for review to " + ", ".join(
            f"{a['document_no']}" + (f" of customer {owner(a)}" if owner(a) else "") for a in review)]
    if rejected:
        note.append("its application to " + ", ".join(_text(a["document_no"]) for a in rejected)
                    + " was rejected on Cash App (withdrawn)")
    for d, c, o, k in docs.rows([normalise_document_no(r.payment_id)]):
        if d == r.payment_id:
            note.append(f"held on account of customer {c} ({money_text(o, k or cur)} open as {d})")
    if claimed_docs:
        note += docs.still_open(keys, claim.currency)
    return UNAPPLIED, "", _text(r.customer_id), "; ".join(why + note)


def _day_text(v) -> str:
    return "" if v is None or pd.isna(v) else f" on {pd.Timestamp(v).date().isoformat()}"


def _returned(r, mine: list[dict], returns: list[dict]) -> str:
    """Why the payment counts as returned ('' when it does not): a reversal among its
    applications, else a ``RETURN`` row whose ``original_ref`` names it."""
    rev = [a for a in mine if a["status"] == "REVERSED" or _text(a.get("return_id"))]
    if rev:
        a = rev[0]
        reopened = -sum(int(x["applied_amount"]) for x in rev if x["status"] == "REVERSED")
        docs = ", ".join(dict.fromkeys(_text(x["document_no"]) for x in rev if x["status"] == "REVERSED"))
        head = f"returned (return {a['return_id']}{_day_text(a.get('value_date'))})"
        return f"{head}; {money_text(reopened, _text(a.get('currency')) or r.currency)} put back on {docs}" if docs else head
    if returns:
        refs = [r.payment_id] + [_text(a.get(c)) for a in mine for c in ("bank_reference", "end_to_end_id")]
        names = {normalise_document_no(x) for x in refs if x} - {""}
        for x in returns:
            if normalise_document_no(_text(x.get("original_ref"))) in names:
                reason = " ".join(v for v in (_text(x.get("reason_code")), _text(x.get("reason"))) if v)
                return (f"returned (return {x['payment_id']}{_day_text(x.get('value_date'))}"
                        + (f": {reason}" if reason else "") + "); not yet reversed by a cash application run")
    return ""


def _looked_for(claim: Claim, keys, text, claim_days: int, tolerance: int, n: int, n_apps: int) -> str:
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
        when = (f" dated {lo.isoformat()} to {hi.isoformat()} "
                f"({claim_days} days either side of {claim.date.isoformat()})")
    among = f"{n:,} payments" + (f" and {n_apps:,} application rows of cash application runs" if n_apps else "")
    return f"{' or '.join(what)}{when}, from any payer, among {among}"


def _not_found(claim: Claim, looked: str, docs: Documents, keys) -> pd.DataFrame:
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
    docs = Documents(open_items)
    for r in claims.itertuples(index=False):
        amount = getattr(r, "amount", None)
        date = getattr(r, "date", None)
        claim = Claim(_text(r.customer_id), None if amount is None or pd.isna(amount) else int(amount),
                      None if date is None or pd.isna(date) else pd.Timestamp(date).date(),
                      _text(getattr(r, "reference", "")), currency, _text(getattr(r, "note", "")))
        rows = research(claim, index, open_items=docs, claim_days=claim_days, tolerance=tolerance).rows
        rows.insert(0, "claimed_customer", claim.customer_id)
        rows.insert(0, "claim", int(getattr(r, "source_row", len(frames) + 2)))
        frames.append(rows)
    cols = ["claim", "claimed_customer", *CSV_COLUMNS, "currency"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out.attrs = {"money": ["amount"], "currency": currency}
    return out
