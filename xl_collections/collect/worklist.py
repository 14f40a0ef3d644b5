"""The collections worklist: who to call today, in which order, and what to do.

Who is on it (CONTRACT §6 "Worklist"): every customer with past due > 0 that is not wholly
disputed, and every customer with a payment returned within ``ReturnMatchDays`` (whatever its
past due).  Past due counts receivable items (``INV``, ``DM``, ``DED``) with open amount > 0
and ``days_past_due = as_of − due_date > 0``, in the reporting currency; ``max_days_past_due``
leaves out items in dispute (as the credit review does).

**Priority score** (higher = call first; each part grows with what it measures):

=====================  =======================================================  ==========
part                   points                                                   range
=====================  =======================================================  ==========
past-due amount        10 × log10(1 + past due in major units)                  USD 1,000 → 30; 100,000 → 50
age                    min(max_days_past_due, 180) / 6                          0 – 30
broken promises        10 per BROKEN, 5 per PARTIAL promise, at most 30          0 – 30
risk class             A 0, B 4, C 8, D 12, E 16 (blank: 8, as C)               0 – 16
dispute load           2 per open dispute or deduction case, at most 10         0 – 10
=====================  =======================================================  ==========

The score is rounded to one decimal.  Rank: customers with a returned payment first, then
by score, past due and customer id.

``escalate`` is TRUE when ``max_days_past_due > EscalationDays`` and past due >=
``EscalationAmount``, or the customer has two or more broken promises.

**Next action and its date** — the first rule that applies:

1. ``CALL_RETURNED_PAYMENT`` today: a payment of the customer came back (returns).
2. ``CALL_BROKEN_PROMISE`` today: a promise is BROKEN or PARTIAL and no contact was logged
   after its grace period ended.
3. ``CHECK_PROMISE``: a promise is PENDING — check the payment the day after the promised
   date (today when that day has passed).
4. ``ESCALATE`` today: the customer is escalated.
5. ``RESOLVE_DISPUTE``: an open case is past its response date (today), or half or more of
   the past due is in dispute (the earliest response date not yet passed, else today).
6. ``CALL`` on ``last contact + 14 days`` when the customer was contacted in the last 14 days.
7. ``SEND_STATEMENT`` today when nothing is more than 30 days past due.
8. ``CALL`` today.

The words for people (what fired and why) go in ``reasons``.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from ..commentary.drafts import CONTACT_TYPES
from ..core.money import to_decimal
from .promises import BROKEN, PARTIAL, PENDING

CSV_COLUMNS = ["rank", "customer_id", "customer_name", "collector", "past_due", "max_days_past_due",
               "priority_score", "broken_promises", "open_disputes", "next_action", "next_action_date",
               "escalate", "reasons"]
CLASS_POINTS = {"A": 0, "B": 4, "C": 8, "D": 12, "E": 16}
BLANK_CLASS_POINTS = 8
AGE_CAP_DAYS, AGE_DIVISOR = 180, 6
BROKEN_POINTS, PARTIAL_POINTS, PROMISE_POINTS_CAP = 10, 5, 30
DISPUTE_POINTS, DISPUTE_POINTS_CAP = 2, 10
FOLLOW_UP_DAYS = 14        # a contact in the last 14 days: the next call is 14 days after it
STATEMENT_MAX_DAYS = 30    # nothing older than this past due: a statement before a call
RECEIVABLE = ("INV", "DM", "DED")
ACTIONS = ("CALL_RETURNED_PAYMENT", "CHECK_PROMISE", "CALL_BROKEN_PROMISE", "RESOLVE_DISPUTE", "CALL",
           "SEND_STATEMENT", "ESCALATE")


def priority_score(past_due: int, max_days: int, broken: int, partial: int, risk_class: str, open_cases: int,
                   currency: str = "USD") -> float:
    """The documented score (module docstring); ``past_due`` in minor units of ``currency``."""
    major = max(float(to_decimal(max(int(past_due), 0), currency)), 0.0)
    points = 10 * math.log10(1 + major)
    points += min(max(int(max_days), 0), AGE_CAP_DAYS) / AGE_DIVISOR
    points += min(BROKEN_POINTS * int(broken) + PARTIAL_POINTS * int(partial), PROMISE_POINTS_CAP)
    points += CLASS_POINTS.get(str(risk_class or "").strip().upper(), BLANK_CLASS_POINTS)
    points += min(DISPUTE_POINTS * int(open_cases), DISPUTE_POINTS_CAP)
    return round(points, 1)


def _money(minor: int, currency: str) -> str:
    return f"{to_decimal(int(minor), currency):,}"


def _day(ts) -> str:
    return pd.Timestamp(ts).date().isoformat()


def recent_returns(returns: pd.DataFrame | None, *, as_of: dt.date, days: int) -> pd.DataFrame:
    """Returned payments of known customers dated within ``days`` before ``as_of`` (one row per
    ``return_id``)."""
    if returns is None or not len(returns) or "customer_id" not in returns.columns:
        return pd.DataFrame(columns=["customer_id", "value_date", "amount", "currency", "reason", "return_id"])
    r = returns.copy()
    r["customer_id"] = r["customer_id"].fillna("").astype(str).str.strip()
    r["value_date"] = pd.to_datetime(r["value_date"], errors="coerce")
    status = r["status"].fillna("").astype(str).str.upper() if "status" in r else pd.Series("REVERSED", index=r.index)
    asof = pd.Timestamp(as_of)
    keep = ((r["customer_id"] != "") & status.isin(["REVERSED", "UNAPPLIED_REDUCED", "ALREADY_REVERSED"])
            & (r["value_date"] <= asof) & (r["value_date"] >= asof - pd.Timedelta(days=int(days))))
    r = r[keep]
    if "return_id" in r.columns:
        r = r.drop_duplicates("return_id")
    return r.sort_values(["customer_id", "value_date"], kind="stable")


_PROMISE_FIELDS = ("status", "due_by", "promised_amount", "promise_date", "paid_amount")
_CASE_FIELDS = ("sla_breached", "responded", "response_due")
_RETURN_FIELDS = ("reason", "reason_code", "amount", "currency", "value_date")


def _records_by(df: pd.DataFrame | None, key: str = "customer_id", fields=None) -> dict[str, list[dict]]:
    """key -> the rows (as dicts, in order) of ``df``; ``fields``: only these columns (those
    the caller reads; the others are not boxed into dicts)."""
    out: dict[str, list[dict]] = {}
    if df is not None and len(df):
        if fields is not None:
            df = df[[key] + [c for c in fields if c in df.columns and c != key]]
        for r in df.to_dict("records"):
            out.setdefault(r[key], []).append(r)
    return out


def build_worklist(detail: pd.DataFrame, *, as_of: dt.date, settings, customers: pd.DataFrame | None = None,
                   activity: pd.DataFrame | None = None, promises: pd.DataFrame | None = None,
                   cases: pd.DataFrame | None = None, returns: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ranked worklist (columns :data:`CSV_COLUMNS`, then ``risk_class``, ``last_contact``,
    ``promises_kept_pct``).  ``detail``: aging detail by due date (``reporting_amount``,
    ``days_past_due``); ``promises``/``cases``: from :mod:`.promises` / :mod:`.disputes`;
    ``returns``: rows of a ``returns.csv``.  Money in minor units of the reporting currency."""
    cur = settings.reporting_currency
    asof = pd.Timestamp(as_of)
    d = detail
    receivable = d[d["doc_type"].isin(RECEIVABLE) & (d["reporting_amount"] > 0) & (d["days_past_due"] > 0)]
    case_docs = set(cases.loc[cases["kind"] == "DISPUTE", "document_no"]) if cases is not None and len(cases) else set()
    in_dispute = (receivable["status"] == "DISPUTED") | receivable["document_no"].isin(case_docs)
    past_due = receivable.groupby("customer_id")["reporting_amount"].sum()
    collectable = receivable[~in_dispute].groupby("customer_id")["reporting_amount"].sum()
    max_days = receivable[~in_dispute].groupby("customer_id")["days_past_due"].max()
    rets = recent_returns(returns, as_of=as_of, days=settings.return_match_days)
    ids = sorted(set(collectable[collectable > 0].index) | set(rets["customer_id"]))

    shown = ["customer_id"] + [c for c in ("customer_name", "collector", "risk_class")
                               if customers is not None and c in customers.columns]     # what cust() reads
    master = ({r["customer_id"]: r for r in customers.drop_duplicates("customer_id")[shown].to_dict("records")}
              if customers is not None and len(customers) else {})

    def cust(cid, col):
        v = master.get(cid, {}).get(col)
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    prom_by = _records_by(promises, fields=_PROMISE_FIELDS)
    case_by = _records_by(cases[cases["status"] == "OPEN"] if cases is not None and len(cases) else None,
                          fields=_CASE_FIELDS)
    ret_by = _records_by(rets, fields=_RETURN_FIELDS)
    past_due, collectable, max_days = past_due.to_dict(), collectable.to_dict(), max_days.to_dict()
    contacts = {}
    if activity is not None and len(activity):
        a = activity[activity["type"].isin(CONTACT_TYPES) & (activity["date"] <= asof)]
        contacts = a.groupby("customer_id")["date"].max().to_dict()
    rows = []
    for cid in ids:
        pdue = int(past_due.get(cid, 0))
        mdays = int(max_days.get(cid, 0))
        pr = prom_by.get(cid, [])
        broken = sum(1 for p in pr if p["status"] == BROKEN)
        partial = sum(1 for p in pr if p["status"] == PARTIAL)
        cs = case_by.get(cid, [])
        n_cases = len(cs)
        rclass = cust(cid, "risk_class")
        score = priority_score(pdue, mdays, broken, partial, rclass, n_cases, cur)
        last = contacts.get(cid)
        reasons = []
        escalate = False
        if mdays > settings.escalation_days and pdue >= settings.escalation_amount:
            escalate = True
            reasons.append(f"escalate: {mdays} days past due (over {settings.escalation_days}) "
                           f"with {_money(pdue, cur)} past due")
        if broken >= 2:
            escalate = True
            reasons.append(f"escalate: {broken} broken promises")
        action = date = None
        rt = ret_by.get(cid)
        if rt:
            r0 = rt[-1]
            why = str(r0.get("reason") or r0.get("reason_code") or "").strip()
            amt, rcur = r0.get("amount"), r0.get("currency") or cur
            if isinstance(amt, (int, np.integer)):      # the close's returns: minor units of the return's currency
                amt = f"{_money(int(amt), rcur)} {rcur}"
            elif amt not in (None, "") and not pd.isna(amt):      # a returns.csv: the amount as written there
                amt = f"{amt} {rcur}"
            reasons.insert(0, f"payment returned {_day(r0['value_date'])}"
                           + (f" ({amt})" if amt not in (None, "") and not pd.isna(amt) else "")
                           + (f": {why}" if why else ""))
            action, date = "CALL_RETURNED_PAYMENT", asof
        if pr:
            bad = sorted((p for p in pr if p["status"] in (BROKEN, PARTIAL)), key=lambda p: p["due_by"])
            for p in bad:
                amount = "" if pd.isna(p["promised_amount"]) else f"{_money(p['promised_amount'], cur)} "
                reasons.append(f"promised {amount}on {_day(p['promise_date'])}, {p['status'].lower()}"
                               + (f" (paid {_money(p['paid_amount'], cur)})" if p["status"] == PARTIAL else ""))
            unfollowed = [p for p in bad if last is None or pd.isna(last) or last <= p["due_by"]]
            if action is None and unfollowed:
                action, date = "CALL_BROKEN_PROMISE", asof
            pending = sorted((p for p in pr if p["status"] == PENDING), key=lambda p: p["promise_date"])
            if pending:
                p = pending[0]
                amount = "" if pd.isna(p["promised_amount"]) else f"{_money(p['promised_amount'], cur)} "
                check = max(p["promise_date"] + pd.Timedelta(days=1), asof)
                reasons.append(f"promise to pay {amount}by {_day(p['promise_date'])}: check payment {_day(check)}")
                if action is None:
                    action, date = "CHECK_PROMISE", check
        if action is None and escalate:
            action, date = "ESCALATE", asof
        if cs:
            breached = sum(1 for c in cs if c["sla_breached"])
            disputed = int(past_due.get(cid, 0)) - int(collectable.get(cid, 0))
            reasons.append(f"{n_cases} open dispute{'s' if n_cases != 1 else ''}/deduction{'s' if n_cases != 1 else ''}"
                           + (f", {breached} past the response date" if breached else ""))
            if action is None and (breached or (pdue and 2 * disputed >= pdue)):
                waiting = [c["response_due"] for c in cs if not c["responded"] and c["response_due"] >= asof]
                action = "RESOLVE_DISPUTE"
                date = asof if breached or not waiting else min(waiting)
        if last is not None and not pd.isna(last):
            since = (asof - last).days
            if action is None and since < FOLLOW_UP_DAYS:
                action, date = "CALL", last + pd.Timedelta(days=FOLLOW_UP_DAYS)
                reasons.append(f"last contact {_day(last)}: follow up {_day(date)}")
            elif since >= FOLLOW_UP_DAYS:
                reasons.append(f"no contact since {_day(last)}")
        else:
            reasons.append("no contact logged")
        if action is None and mdays <= STATEMENT_MAX_DAYS:
            action, date = "SEND_STATEMENT", asof
            reasons.append(f"nothing more than {STATEMENT_MAX_DAYS} days past due")
        if action is None:
            action, date = "CALL", asof
        rows.append({"customer_id": cid, "customer_name": cust(cid, "customer_name"), "collector": cust(cid, "collector"),
                     "past_due": pdue, "max_days_past_due": mdays, "priority_score": score,
                     "broken_promises": broken, "open_disputes": n_cases, "next_action": action,
                     "next_action_date": date, "escalate": escalate, "reasons": "; ".join(reasons),
                     "risk_class": rclass, "last_contact": last if last is not None else pd.NaT,
                     "_returned": bool(rt)})
    cols = CSV_COLUMNS + ["risk_class", "last_contact"]
    if not rows:
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        out.attrs = {"money": ["past_due"], "currency": cur}
        return out
    out = pd.DataFrame(rows)
    out = out.sort_values(["_returned", "priority_score", "past_due", "customer_id"],
                          ascending=[False, False, False, True], kind="stable").reset_index(drop=True)
    out["rank"] = range(1, len(out) + 1)
    for c in ("next_action_date", "last_contact"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    out = out[cols]
    out.attrs = {"money": ["past_due"], "currency": cur}
    return out


def large_balances(detail: pd.DataFrame, *, as_of: dt.date, threshold: int, currency: str,
                   customers: pd.DataFrame | None = None, cash: pd.DataFrame | None = None,
                   promises: pd.DataFrame | None = None, cases: pd.DataFrame | None = None,
                   activity: pd.DataFrame | None = None) -> pd.DataFrame:
    """Customers whose total open (all items, credits included, reporting currency) is at
    least ``threshold``, largest first.  ``change_7d`` = documents dated in the 7 days up to
    ``as_of`` less the cash (applied or cleared) dated in them: what this week added to the
    balance.  ``promises``: open and judged promises in words; ``last_note``: the latest
    activity note."""
    asof = pd.Timestamp(as_of)
    week = asof - pd.Timedelta(days=7)
    total = detail.groupby("customer_id")["reporting_amount"].sum()
    big = total[total >= threshold]
    d = detail[detail["customer_id"].isin(big.index)]
    past = d[d["doc_type"].isin(RECEIVABLE) & (d["reporting_amount"] > 0) & (d["days_past_due"] > 0)]
    past_due = past.groupby("customer_id")["reporting_amount"].sum()
    new = d[(d["document_date"] > week) & (d["document_date"] <= asof) & (d["reporting_amount"] > 0)]
    added = new.groupby("customer_id")["reporting_amount"].sum()
    paid = pd.Series(dtype="int64")
    if cash is not None and len(cash):
        c = cash[(cash["value_date"] > week) & (cash["value_date"] <= asof)]
        paid = c.groupby("customer_id")["amount"].sum()
    # per customer as dicts (one lookup each, not a frame lookup per customer and column)
    names: dict = {}
    collectors: dict | None = None
    if customers is not None and len(customers):
        m = customers.drop_duplicates("customer_id")
        names = dict(zip(m["customer_id"], m["customer_name"]))
        collectors = dict(zip(m["customer_id"], m["collector"])) if "collector" in m.columns else None
    notes: dict = {}
    if activity is not None and len(activity):
        a = activity[(activity["date"] <= asof) & (activity["note"].fillna("").astype(str).str.strip() != "")]
        a = a.sort_values("date", kind="stable").drop_duplicates("customer_id", keep="last")
        notes = {cid: (day, kind, text) for cid, day, kind, text in zip(a["customer_id"], a["date"], a["type"], a["note"])}
    added, paid, past_due = added.to_dict(), paid.to_dict(), past_due.to_dict()
    prom_by = _records_by(promises[promises["customer_id"].isin(big.index)] if promises is not None and len(promises) else None,
                          fields=_PROMISE_FIELDS)
    open_cases = (cases.loc[cases["status"] == "OPEN", "customer_id"].value_counts().to_dict()
                  if cases is not None and len(cases) else {})
    rows = []
    for cid, tot in big.sort_values(ascending=False, kind="stable").items():
        parts = []
        for st in (PENDING, BROKEN, PARTIAL, "KEPT"):
            mine = [p for p in prom_by.get(cid, ()) if p["status"] == st]
            if mine:
                amt = sum(0 if pd.isna(p["promised_amount"]) else int(p["promised_amount"]) for p in mine)
                parts.append(f"{len(mine)} {st.lower()} {_money(amt, currency)}")
        words = ", ".join(parts)
        n_cases = int(open_cases.get(cid, 0))
        note = ""
        if cid in notes:
            day, kind, text = notes[cid]
            note = f"{_day(day)} {str(kind).lower()}: {text}"
        rows.append({"customer_id": cid,
                     "customer_name": "" if cid not in names else str(names[cid]),
                     "collector": "" if collectors is None or cid not in collectors else str(collectors[cid] or ""),
                     "total_open": int(tot), "change_7d": int(added.get(cid, 0)) - int(paid.get(cid, 0)),
                     "past_due": int(past_due.get(cid, 0)), "promises": words, "open_disputes": n_cases,
                     "last_note": note})
    cols = ["customer_id", "customer_name", "collector", "total_open", "change_7d", "past_due", "promises",
            "open_disputes", "last_note"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("total_open", "change_7d", "past_due", "open_disputes"):
        out[c] = out[c].astype("int64")
    out.attrs = {"money": ["total_open", "change_7d", "past_due"], "currency": currency}
    return out


__all__ = ["build_worklist", "large_balances", "priority_score", "recent_returns", "ACTIONS", "CSV_COLUMNS"]
