"""Disputes and deductions (CONTRACT §6 "Disputes"), and the deduction-validity checks.

One case per open item that is ``DISPUTED``, is a deduction (``DED``), or is named by a
``DISPUTE`` activity.  ``case_id`` is ``DSP-<document_no>``: the same case keeps its id
(and the resolution the user recorded beside it) from one run to the next.

* ``opened`` = the earliest ``DISPUTE`` activity date for the document, else its
  ``document_date``; ``age_days = as_of − opened``; ``response_due = opened +
  DisputeResponseDays``.
* ``sla_breached`` is TRUE when ``response_due < as_of``, no other activity on that document
  is dated from ``opened`` to ``response_due`` (the opening ``DISPUTE`` row itself does not
  count), and the case is still open (no resolution recorded).
* ``owner``: the collector of the latest ``DISPUTE`` activity on it, else the customer's
  collector.  ``category``: the root cause the reason code belongs to (:data:`CATEGORIES`).
* ``status``: ``RESOLVED`` when the user recorded a resolution (credit issued, rebilled,
  collected, written off), else ``OPEN``.

Deduction checks (:func:`deduction_checks`), each a code in ``check`` and words in
``check_detail``: ``NO_REASON`` (no reason code), ``NO_INVOICE`` (the reference quotes no
invoice number), ``OVER_INVOICE`` (more than the invoice it names),
``PROMO_NO_REFERENCE`` (a ``PROMO`` deduction that quotes no promotion or deal number),
``TAX_MISMATCH`` (a ``TAX`` deduction that is not the tax the invoice carries — only when
the documents given carry a ``tax_amount``, which the canonical open items do not yet),
``DUPLICATE`` (the same customer, reason, amount
and invoice as an earlier deduction).

Money: ``amount`` is the open amount in integer minor units of the reporting currency.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ..cashapp.refs import normalise_document_no
from ..core.docno import document_keys
from ..core.money import format_amount

CSV_COLUMNS = ["case_id", "customer_id", "document_no", "amount", "reason_code", "opened", "age_days", "owner",
               "response_due", "sla_breached", "status"]
CATEGORIES = {
    "PRICING": "Pricing / billing", "DUPLICATE": "Pricing / billing", "TAX": "Pricing / billing",
    "NO_PO": "Order administration", "SHORTAGE": "Delivery", "DAMAGED": "Delivery", "FREIGHT": "Delivery",
    "RETURN": "Returns", "PROMO": "Trade promotion", "PAID_NOT_APPLIED": "Cash application",
    "BANKRUPT": "Credit", "OTHER": "Other",
}
OPEN, RESOLVED = "OPEN", "RESOLVED"
# a promotion, deal or agreement number: a keyword followed by an identifier with a digit
PROMOTION_REF = re.compile(r"(?i)\b(?:promo(?:tion)?|deal|campaign|agreement|contract|co-?op|mdf|rebate)\b"
                           r"\s*(?:no\.?|nr\.?|id|#)?\s*[:#-]?\s*[A-Z0-9/-]*\d")


def case_id(document_no: str) -> str:
    return f"DSP-{document_no}"


def dispute_cases(detail: pd.DataFrame, activity: pd.DataFrame | None, *, as_of: dt.date,
                  response_days: int = 1, collectors: dict | None = None,
                  resolutions: dict | None = None) -> pd.DataFrame:
    """The cases at ``as_of``.  ``detail``: the aging detail of the open items (has
    ``reporting_amount``); ``collectors``: customer_id -> collector; ``resolutions``: case_id ->
    the user's recorded resolution.  Columns :data:`CSV_COLUMNS` then ``kind`` (DISPUTE or
    DEDUCTION), ``category``, ``responded``, ``last_activity``, ``currency``, ``open_amount``."""
    asof = pd.Timestamp(as_of)
    resolutions = resolutions or {}
    act = activity[activity["date"] <= asof].reset_index(drop=True) if activity is not None and len(activity) else None
    disputes = act[(act["type"] == "DISPUTE") & (act["document_no"] != "")] if act is not None else None
    named = set(disputes["document_no"]) if disputes is not None else set()
    d = detail[(detail["open_amount"] != 0)
               & ((detail["status"] == "DISPUTED") | (detail["doc_type"] == "DED") | detail["document_no"].isin(named))]
    d = d.sort_values(["customer_id", "document_no"], kind="stable").reset_index(drop=True)
    docs = d["document_no"]
    opened = pd.Series(pd.to_datetime(d["document_date"]).to_numpy(dtype="datetime64[ns]"), index=d.index)
    known = collectors or {}
    owner = pd.Series([known.get(c, "") or "" for c in d["customer_id"]], index=d.index, dtype=object)
    responded = pd.Series(False, index=d.index)
    last = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]")
    if disputes is not None and len(disputes):
        first = disputes.sort_values("date", kind="stable").drop_duplicates("document_no")
        opened = docs.map(first.set_index("document_no")["date"]).fillna(opened).astype("datetime64[ns]")
        who = disputes[disputes["collector"] != ""].sort_values("date", kind="stable") \
            .drop_duplicates("document_no", keep="last").set_index("document_no")["collector"]
        owner = docs.map(who).fillna(owner).astype(object)
        # every other activity on a case's document: a reply when dated from opened to response_due
        others = act[act["document_no"].isin(set(docs)) & ~act.index.isin(first.index)]
        if len(others):
            case = pd.DataFrame({"document_no": docs, "opened": opened,
                                 "due": opened + pd.Timedelta(days=int(response_days))})
            m = others[["document_no", "date"]].merge(case, on="document_no")
            ok = m[(m["date"] >= m["opened"]) & (m["date"] <= m["due"])]
            responded = docs.isin(set(ok["document_no"]))
            last = docs.map(others.groupby("document_no")["date"].max()).astype("datetime64[ns]")
    due = opened + pd.Timedelta(days=int(response_days))
    ids = ("DSP-" + docs.astype(str)).astype(object)
    resolved = ids.map(lambda c: resolutions.get(c) not in (None, ""))
    reasons = d["reason_code"].fillna("").astype(object)
    out = pd.DataFrame({
        "case_id": ids, "customer_id": d["customer_id"].astype(object), "document_no": docs.astype(object),
        "amount": d["reporting_amount"].astype("int64"), "reason_code": reasons, "opened": opened,
        "age_days": (asof - opened).dt.days.astype("int64"), "owner": owner, "response_due": due,
        "sla_breached": ((due < asof) & ~responded & ~resolved).astype(bool),
        "status": resolved.map({True: RESOLVED, False: OPEN}).astype(object),
        "kind": (d["doc_type"] == "DED").map({True: "DEDUCTION", False: "DISPUTE"}).astype(object),
        "category": reasons.map(lambda r: CATEGORIES.get(r, "Other" if r else "Not coded")).astype(object),
        "responded": responded.astype(bool), "last_activity": last, "currency": d["currency"].astype(object),
        "open_amount": d["open_amount"].astype("int64"),
    })
    out.attrs = {"money": ["amount"], "money_currency": {"amount": detail.attrs.get("reporting_currency", "USD")}}
    return out


def deduction_checks(cases: pd.DataFrame, detail: pd.DataFrame, *, cleared: pd.DataFrame | None = None,
                     currency: str = "USD") -> pd.DataFrame:
    """``check`` and ``check_detail`` for every deduction case (blank for disputes and for
    deductions that pass); aligned with ``cases``' rows."""
    docs = detail[detail["doc_type"].isin(["INV", "DM"])][["customer_id", "document_no", "amount", "currency"]
                                                           + (["tax_amount"] if "tax_amount" in detail else [])]
    if cleared is not None and len(cleared):
        cl = cleared[["customer_id", "document_no", "amount"] + (["currency"] if "currency" in cleared else [])]
        known = cl["document_no"].astype(object).isin(docs["document_no"].to_numpy(dtype=object))   # a hash lookup,
        docs = pd.concat([docs, cl[~known.to_numpy()]], ignore_index=True)          # not a scalar per Arrow value
    ded = {r["document_no"]: r for r in detail[detail["doc_type"] == "DED"].to_dict("records")}
    by_key = _documents_by_key(docs, _quoted_keys(cases, ded))
    checks, details = [], []
    seen: dict[tuple, str] = {}
    for c in cases.itertuples(index=False):
        if c.kind != "DEDUCTION":
            checks.append("")
            details.append("")
            continue
        item = ded[c.document_no]
        ref_text = _ref_text(item)
        invoice, quoted = _invoice(c.customer_id, ref_text, by_key)
        found, words = [], []
        if not c.reason_code:
            found.append("NO_REASON")
            words.append("no reason code")
        if not quoted:
            found.append("NO_INVOICE")
            words.append("quotes no invoice number")
        elif invoice is not None:
            if int(item["open_amount"]) > int(invoice["amount"]) and item["currency"] == invoice.get("currency", item["currency"]):
                found.append("OVER_INVOICE")
                words.append(f"more than invoice {invoice['document_no']} "
                             f"({format_amount(int(invoice['amount']), item['currency'])})")
            tax = invoice.get("tax_amount")
            if c.reason_code == "TAX" and tax is not None and not pd.isna(tax) and int(tax) != int(item["open_amount"]):
                found.append("TAX_MISMATCH")
                words.append(f"invoice {invoice['document_no']} carries tax {format_amount(int(tax), item['currency'])}")
        if c.reason_code == "PROMO" and not PROMOTION_REF.search(ref_text):
            found.append("PROMO_NO_REFERENCE")
            words.append("no promotion or deal number quoted")
        key = (c.customer_id, c.reason_code, int(item["open_amount"]), invoice["document_no"] if invoice else ref_text)
        if key in seen:
            found.append("DUPLICATE")
            words.append(f"same reason, amount and invoice as {seen[key]}")
        else:
            seen[key] = c.document_no
        checks.append(",".join(found))
        details.append("; ".join(words))
    return pd.DataFrame({"check": checks, "check_detail": details}, index=cases.index)


def _ref_text(item: dict) -> str:
    """What a deduction quotes: its reference and PO number."""
    return " ".join(str(item.get(k) or "") for k in ("reference", "po_number"))


def _tokens(text: str) -> list[str]:
    """The document numbers a text may quote (:func:`_invoice` tries them in this order)."""
    return re.findall(r"[A-Za-z]*[-/ ]?\d[\w/-]*", text)


def _quoted_keys(cases: pd.DataFrame, ded: dict) -> set[tuple[str, str]]:
    """(customer, document key) of every number a deduction case's reference quotes: the only
    keys :func:`_invoice` looks up."""
    out = set()
    for c in cases.itertuples(index=False):
        if c.kind == "DEDUCTION":
            out.update((c.customer_id, normalise_document_no(t)) for t in _tokens(_ref_text(ded[c.document_no])))
    return out


def _documents_by_key(docs: pd.DataFrame, wanted: set) -> dict[tuple[str, str], dict]:
    """(customer, document key) -> the first document of ``docs`` with it (a record), for the
    keys in ``wanted``; every document's key computed at once (:func:`document_keys`)."""
    if not wanted or not len(docs):
        return {}
    keys = document_keys([str(v) for v in docs["document_no"].tolist()]).to_pylist()
    first: dict[tuple, int] = {}
    for i, key in enumerate(zip(docs["customer_id"].tolist(), keys)):
        if key in wanted and key not in first:
            first[key] = i
    return dict(zip(first, docs.iloc[list(first.values())].to_dict("records")))


def _invoice(customer_id: str, text: str, by_key: dict) -> tuple[dict | None, bool]:
    """``(invoice, quoted)``: the customer's invoice a deduction's reference names
    (document-number keys, so ``INV-000123`` and ``inv 123`` agree) or None, and whether the
    reference quotes a document number at all (one not among the documents given — paid
    and gone — cannot be checked, but is no finding)."""
    tokens = _tokens(text)
    for token in tokens:
        hit = by_key.get((customer_id, normalise_document_no(token)))
        if hit is not None:
            return hit, True
    return None, bool(tokens)
