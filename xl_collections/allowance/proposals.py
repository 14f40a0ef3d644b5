"""Write-off proposals and the approvals a user gives them (CONTRACT §6 "Allowance").

A receivable item (``INV``, ``DM``, ``DED``, open > 0) is proposed for write-off by the first
rule that fires, in this order:

* ``AGE`` — ``days_past_due ≥ WriteOffMinDays``;
* ``SMALL_BALANCE`` — ``0 < open ≤ WriteOffSmallBalance`` and ``days_past_due ≥ 90``;
* ``BANKRUPT`` — reason code ``BANKRUPT``;

never while a promise to pay covers it: an item with status ``PROMISED``, or an ``activity``
``PROMISE`` made by the as-of date whose ``promise_date + PromiseGraceDays`` has not passed
(naming the document, or, naming none, covering all the customer's items).  ``days_past_due
= as_of − due_date``; ``open`` is in the reporting currency.

The user approves a row by writing ``TRUE`` (or yes, x, approve, approved, 1) in the
``approve`` column of ``Write-off Proposals``; the next run records it as written off in the
as-of period (``approver`` and ``approved_on`` as the user wrote them) and lists it in
``writeoff_postings.csv``.  A recorded document is neither reserved nor proposed again.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

SMALL_BALANCE_MIN_DAYS = 90
RULES = ("AGE", "SMALL_BALANCE", "BANKRUPT")
APPROVED_WORDS = {"TRUE", "YES", "Y", "X", "APPROVE", "APPROVED", "1", "OK", "WAHR", "JA"}
WRITTEN_OFF_COLUMNS = ("period", "customer_id", "document_no", "amount", "reason_code", "currency",
                       "item_amount", "approver", "approved_on")


def is_approved(value) -> bool:
    """A user's ``approve`` cell: TRUE, 1, yes, x, approve(d), ok — any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not pd.isna(value):
        return value == 1
    return str(value or "").strip().upper() in APPROVED_WORDS


def promised(items: pd.DataFrame, activity: pd.DataFrame | None, as_of: dt.date, grace_days: int) -> pd.Series:
    """Mask of ``items`` covered by a pending promise (see the module docstring)."""
    covered = items["status"] == "PROMISED"
    if activity is None or not len(activity):
        return covered
    day = pd.Timestamp(as_of)
    p = activity[(activity["type"] == "PROMISE") & (activity["date"] <= day) & activity["promise_date"].notna()]
    p = p[p["promise_date"] + pd.Timedelta(days=int(grace_days)) >= day]
    docs = set(p.loc[p["document_no"] != "", "document_no"])
    whole = set(p.loc[p["document_no"] == "", "customer_id"])
    return covered | items["document_no"].isin(docs) | items["customer_id"].isin(whole)


def proposals(items: pd.DataFrame, as_of: dt.date, *, min_days: int, small_balance: int, shielded: pd.Series,
              currency: str) -> pd.DataFrame:
    """``items``: receivable rows of an aging detail not yet written off.  The CONTRACT columns
    ``customer_id, document_no, open_amount, days_past_due, rule`` (``open_amount`` in the
    reporting currency), then ``customer_name, doc_type, document_date, due_date, currency,
    item_open_amount, reason_code, status``; oldest first."""
    days = (pd.Timestamp(as_of) - items["due_date"]).dt.days.astype("int64")
    amt = items["reporting_amount"]
    rule = pd.Series("", index=items.index, dtype=object)
    for name, fired in reversed((("AGE", days >= min_days),
                                 ("SMALL_BALANCE", (amt > 0) & (amt <= small_balance) & (days >= SMALL_BALANCE_MIN_DAYS)),
                                 ("BANKRUPT", items["reason_code"] == "BANKRUPT"))):
        rule[fired] = name
    take = (rule != "") & ~shielded
    return _rows(items[take], days[take], rule[take], currency)


def _rows(sel: pd.DataFrame, days: pd.Series, rule: pd.Series, currency: str) -> pd.DataFrame:
    out = pd.DataFrame({
        "customer_id": sel["customer_id"].to_numpy(dtype=object),
        "document_no": sel["document_no"].to_numpy(dtype=object),
        "open_amount": sel["reporting_amount"].to_numpy(dtype="int64"),
        "days_past_due": days.to_numpy(dtype="int64"),
        "rule": rule.to_numpy(dtype=object),
        "customer_name": (sel["customer_name"] if "customer_name" in sel else pd.Series("", index=sel.index)).to_numpy(dtype=object),
        "doc_type": sel["doc_type"].to_numpy(dtype=object),
        "document_date": sel["document_date"].to_numpy(),
        "due_date": sel["due_date"].to_numpy(),
        "currency": sel["currency"].to_numpy(dtype=object),
        "item_open_amount": sel["open_amount"].to_numpy(dtype="int64"),
        "reason_code": sel["reason_code"].to_numpy(dtype=object),
        "status": sel["status"].to_numpy(dtype=object),
    })
    out = out.sort_values(["days_past_due", "customer_id", "document_no"], ascending=[False, True, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs = {"money": ["open_amount", "item_open_amount"], "currency": currency,
                 "money_currency": {"open_amount": currency}}
    return out


def booked(items: pd.DataFrame, written_off: pd.DataFrame, as_of: dt.date, currency: str) -> pd.DataFrame:
    """The items written off here (``written_off``) that the open items still show (the ledger
    has not posted them yet): the proposal columns, ``rule`` the recorded reason, and
    ``written_off`` the period they were booked in."""
    rec = written_off.drop_duplicates("document_no", keep="last").set_index("document_no")
    sel = items[items["document_no"].isin(rec.index)]
    days = (pd.Timestamp(as_of) - sel["due_date"]).dt.days.astype("int64")
    out = _rows(sel, days, sel["document_no"].map(rec["reason_code"]), currency)
    out.insert(5, "written_off", out["document_no"].map(rec["period"]).astype(object))
    out.attrs = {"money": ["open_amount", "item_open_amount"], "currency": currency,
                 "money_currency": {"open_amount": currency}}
    return out


def empty_written_off() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype="int64" if c in ("amount", "item_amount") else object)
                        for c in WRITTEN_OFF_COLUMNS})
    return out


def record_approvals(approvals: pd.DataFrame | None, items: pd.DataFrame, written_off: pd.DataFrame,
                     period: str, rules: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """New ``written_off`` rows for the approved ``approvals`` rows (``document_no``, ``approve``,
    ``approver``, ``approved_on``) whose document is still an open receivable item and not yet
    recorded; ``rules``: document -> the rule that proposed it.  And notes on approvals that
    could not be recorded."""
    if approvals is None or not len(approvals) or "approve" not in approvals.columns:
        return empty_written_off(), []
    ok = approvals[approvals["approve"].map(is_approved)]
    done = set(written_off["document_no"])
    by_doc = items.drop_duplicates("document_no").set_index("document_no")
    rows, gone = [], []
    for r in ok.to_dict("records"):
        doc = str(r.get("document_no") or "")
        if not doc or doc in done:
            continue
        if doc not in by_doc.index:
            gone.append(doc)
            continue
        it = by_doc.loc[doc]
        rows.append({"period": period, "customer_id": it["customer_id"], "document_no": doc,
                     "amount": int(it["reporting_amount"]), "reason_code": rules.get(doc) or it["reason_code"] or "APPROVED",
                     "currency": it["currency"], "item_amount": int(it["open_amount"]),
                     "approver": _text(r.get("approver")), "approved_on": _text(r.get("approved_on"))})
        done.add(doc)
    notes = []
    if gone:
        notes.append(f"{len(gone):,} approved write-off{'s' if len(gone) > 1 else ''} no longer open, not posted: "
                     + ", ".join(gone[:10]) + (" …" if len(gone) > 10 else ""))
    out = pd.DataFrame(rows, columns=list(WRITTEN_OFF_COLUMNS)) if rows else empty_written_off()
    out["amount"] = out["amount"].astype("int64")
    out["item_amount"] = out["item_amount"].astype("int64")
    return out, notes


def _text(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
