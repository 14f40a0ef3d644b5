"""The monthly past-due commentary: drafted from the data, kept across refreshes.

Pure functions; the ``Commentary`` sheet layout and the workbook round-trip live in
``xl_collections.commentary.sheet``.

* :func:`customer_facts` gathers, per customer, only facts the data shows: past due by
  bucket (from the aging summary, so every figure ties to the ``Aging`` sheet), the oldest
  past-due item, disputed items by reason code, open deductions, unapplied cash and unused
  credit memos, promises to pay from ``activity`` (kept, broken, due), the last contact,
  credit limit and hold status.
* :func:`draft_comment` turns one customer's facts into plain business English —
  deterministic: the same facts always give the same words.
* :func:`build_commentary` makes the summary block, the ten largest past-due customers and
  one row per customer whose past due reaches the threshold.
* :func:`merge_with_previous` carries the specialist's own columns and edited comments over
  from the previous sheet, by customer, whatever the row order; customers that dropped
  below the threshold go to ``resolved`` with the date they left, notes intact.

Money is integer minor units of the reporting currency throughout (aging's
``reporting_amount``); text renders it as ``USD 12,345.67``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from ..core.money import money_text

# columns the program writes on the customer rows of the Commentary sheet; every other
# column there belongs to the specialist and is carried over by customer_id
PROGRAM_COLUMNS = (
    "customer_id", "customer_name", "collector", "past_due", "oldest_days", "change_vs_prior",
    "disputed", "deductions", "offsets", "comment", "comment_status", "latest_draft",
)
USER_COLUMNS_DEFAULT = ("Analyst comment", "Next action", "Owner")
RESOLVED_COLUMNS = ("customer_id", "customer_name", "resolved_on", "last_past_due", "comment")
PROMISE_GRACE_DAYS = 3   # a payment up to 3 days after the promised date still keeps the promise
CONTACT_TYPES = ("CALL", "EMAIL", "LETTER", "PROMISE", "DISPUTE")   # a promise or dispute is taken in a contact
LIST_AT_MOST = 2   # promises of one state listed one by one up to this many, else summed up


def fmt_money(minor: int, currency: str) -> str:
    """``-123456`` -> ``'USD -1,234.56'`` (the text form used in comments: :func:`~xl_collections.core.money.money_text`)."""
    return money_text(minor, currency, code="before")


def _day(value) -> str:
    return pd.Timestamp(value).date().isoformat()


def summary_buckets(summary: pd.DataFrame) -> list[str]:
    """Past-due bucket labels of an aging summary (the columns between not_due and past_due)."""
    cols = list(summary.columns)
    return cols[cols.index("not_due") + 1: cols.index("past_due")]


@dataclass(frozen=True)
class CommentaryResult:
    """``summary``: label/value rows of the block at the top; ``top10``: the largest past-due
    customers; ``rows``: one per customer at or above the threshold (program columns + the
    bucket columns); ``facts``: everything known per customer (for tests and other reports)."""
    summary: pd.DataFrame
    top10: pd.DataFrame
    rows: pd.DataFrame
    facts: pd.DataFrame
    currency: str
    buckets: tuple[str, ...] = field(default_factory=tuple)


def customer_facts(detail: pd.DataFrame, summary: pd.DataFrame, *, as_of: dt.date,
                   customers: pd.DataFrame | None = None, activity: pd.DataFrame | None = None,
                   payments: pd.DataFrame | None = None, previous: pd.DataFrame | None = None,
                   current: pd.DataFrame | None = None, promises: pd.DataFrame | None = None,
                   returns: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per customer of the aging summary (TOTAL excluded) with the facts a comment may use.

    ``returns``: returned payments to mention (rows of a ``returns.csv``: ``customer_id``,
    ``value_date``, ``amount`` in minor units of ``currency``, ``reason``, ``documents``).

    ``promises``: the promises judged by :func:`xl_collections.collect.evaluate_promises`
    (CONTRACT §6, against applied cash — the close passes them); without them a promise is
    judged here from the open items and ``payments``.

    ``detail``/``summary`` are an aging result by customer; ``previous`` an earlier summary
    (``customer_id``, ``past_due``, and ``as_of``) for the change since then, and ``current`` the
    same for this month (both from the aging history: the change compares receivables past due
    month to month; without ``current`` it is taken from ``summary``); ``payments``
    (canonical, with ``customer_id`` filled) lets a promise be judged kept or broken when it
    names no document."""
    labels = summary_buckets(summary)
    s = summary[summary["customer_id"] != "TOTAL"].copy()
    facts = s[["customer_id", "customer_name", "past_due", "total_open"] + labels].copy()
    facts = facts.set_index("customer_id", drop=False)
    ids = facts.index

    d = detail
    past = d[d["days_past_due"] > 0]
    pos_past = past[past["reporting_amount"] > 0]
    oldest = pos_past.sort_values(["days_past_due", "document_no"], ascending=[False, True]).drop_duplicates("customer_id")
    facts["oldest_days"] = oldest.set_index("customer_id")["days_past_due"].reindex(ids).fillna(0).astype("int64")
    facts["oldest_document"] = oldest.set_index("customer_id")["document_no"].reindex(ids).fillna("")

    def by_reason(frame: pd.DataFrame) -> pd.Series:
        if frame.empty:
            return pd.Series([()] * len(ids), index=ids, dtype=object)
        g = frame.assign(reason=frame["reason_code"].where(frame["reason_code"] != "", "no reason code")) \
            .groupby(["customer_id", "reason"], sort=True)["reporting_amount"].agg(["sum", "count"]).reset_index()
        out: dict[str, list] = {}
        for cid, r, a, n in zip(g["customer_id"], g["reason"], g["sum"], g["count"]):
            out.setdefault(cid, []).append((r, int(a), int(n)))
        return pd.Series([tuple(out.get(c, ())) for c in ids], index=ids, dtype=object)

    disputed = d[(d["status"] == "DISPUTED") & (d["reporting_amount"] > 0)]
    facts["disputed"] = disputed.groupby("customer_id")["reporting_amount"].sum().reindex(ids).fillna(0).astype("int64")
    facts["disputed_by_reason"] = by_reason(disputed)
    deductions = d[d["doc_type"] == "DED"]
    facts["deductions"] = deductions.groupby("customer_id")["reporting_amount"].sum().reindex(ids).fillna(0).astype("int64")
    facts["deductions_by_reason"] = by_reason(deductions)
    unapplied = d[(d["doc_type"] == "PMT") & (d["reporting_amount"] < 0)]
    credits = d[(d["doc_type"] == "CM") & (d["reporting_amount"] < 0)]
    facts["unapplied_cash"] = (-unapplied.groupby("customer_id")["reporting_amount"].sum()).reindex(ids).fillna(0).astype("int64")
    facts["unused_credits"] = (-credits.groupby("customer_id")["reporting_amount"].sum()).reindex(ids).fillna(0).astype("int64")
    facts["offsets"] = facts["unapplied_cash"] + facts["unused_credits"]
    hold = d[d["status"] == "HOLD"]
    facts["items_on_hold"] = hold.groupby("customer_id").size().reindex(ids).fillna(0).astype("int64")

    facts["customer_name"] = facts["customer_name"].fillna("")
    facts["collector"] = ""
    facts["credit_limit"] = pd.array([None] * len(ids), dtype="Int64")
    facts["open_orders"] = pd.array([None] * len(ids), dtype="Int64")
    if customers is not None and len(customers):
        c = customers.drop_duplicates("customer_id").set_index("customer_id")
        facts["collector"] = c["collector"].reindex(ids).fillna("").to_numpy(dtype=object)
        if "credit_limit" in c:
            facts["credit_limit"] = c["credit_limit"].reindex(ids).astype("Int64").to_numpy()
        if "open_orders" in c:
            facts["open_orders"] = c["open_orders"].reindex(ids).astype("Int64").to_numpy()

    facts["last_contact"] = ""
    facts["promises"] = pd.Series([()] * len(ids), index=ids, dtype=object)
    if activity is not None and len(activity):
        act = activity[activity["customer_id"].isin(ids) & (activity["date"] <= pd.Timestamp(as_of))]
        contacts = act[act["type"].isin(CONTACT_TYPES)].sort_values(["date", "source_row"] if "source_row" in act else ["date"])
        last = contacts.drop_duplicates("customer_id", keep="last").set_index("customer_id")
        text = {cid: f"{_day(date)} ({kind.lower()}" + (f", {who})" if who else ")")
                for cid, date, kind, who in zip(last.index, last["date"], last["type"], last["collector"])}
        facts["last_contact"] = [text.get(c, "") for c in ids]
        facts["promises"] = (_promises(act[act["type"] == "PROMISE"], detail, payments, as_of, ids)
                             if promises is None else _judged(promises, ids))

    facts["returned"] = _returned(returns, ids)
    facts["prior_past_due"] = pd.array([None] * len(ids), dtype="Int64")
    facts["prior_as_of"] = ""
    if previous is not None and len(previous):
        p = previous[previous["customer_id"] != "TOTAL"].drop_duplicates("customer_id").set_index("customer_id")
        facts["prior_past_due"] = p["past_due"].reindex(ids).astype("Int64").fillna(0).to_numpy()
        if "as_of" in previous.columns and len(previous["as_of"].dropna()):
            facts["prior_as_of"] = _day(previous["as_of"].dropna().iloc[0])
    facts["history_past_due"] = pd.array([None] * len(ids), dtype="Int64")
    if current is not None and len(current):
        c = current[current["customer_id"] != "TOTAL"].drop_duplicates("customer_id").set_index("customer_id")
        facts["history_past_due"] = c["past_due"].reindex(ids).astype("Int64").fillna(0).to_numpy()
    return facts.reset_index(drop=True)


def _returned(returns: pd.DataFrame | None, ids) -> pd.Series:
    """Per customer: its returned payments as (date, amount, currency, reason, documents), oldest first."""
    out: dict[str, list] = {}
    if returns is not None and len(returns) and "customer_id" in returns.columns:
        r = returns.sort_values(["value_date", "return_id"] if "return_id" in returns else ["value_date"], kind="stable")
        for row in r.itertuples(index=False):
            out.setdefault(row.customer_id, []).append((_day(row.value_date), int(row.amount), row.currency,
                                                        getattr(row, "reason", "") or "", getattr(row, "documents", "") or ""))
    return pd.Series([tuple(out.get(c, ())) for c in ids], index=ids, dtype=object)


def _promises(promises: pd.DataFrame, detail: pd.DataFrame, payments: pd.DataFrame | None,
              as_of: dt.date, ids) -> pd.Series:
    """Per customer, a tuple of (state, amount|None, promise_date, made_on, document_no) with
    state ``due`` (promised date not passed), ``kept`` or ``broken`` (judged from the open
    items, or from payments when the promise names no document), or ``unconfirmed``."""
    open_docs = set(detail.loc[detail["reporting_amount"] > 0, "document_no"])
    out: dict[str, list] = {}
    asof = pd.Timestamp(as_of)
    for r in promises.sort_values(["customer_id", "date"]).itertuples(index=False):
        pdate = r.promise_date if not pd.isna(r.promise_date) else None
        amount = None if pd.isna(r.amount) else int(r.amount)
        if pdate is None or pdate >= asof:
            state = "due"
        elif r.document_no:
            state = "broken" if r.document_no in open_docs else "kept"
        elif payments is not None and amount is not None:
            mine = payments[(payments["customer_id"] == r.customer_id) & (payments["value_date"] >= r.date)
                            & (payments["value_date"] <= pdate + pd.Timedelta(days=PROMISE_GRACE_DAYS))]
            state = "kept" if int(mine["amount"].sum()) >= amount else "broken"
        else:
            state = "unconfirmed"
        out.setdefault(r.customer_id, []).append((state, amount, pdate, r.date, r.document_no))
    return pd.Series([tuple(out.get(c, ())) for c in ids], index=ids, dtype=object)


JUDGED_STATES = {"KEPT": "kept", "BROKEN": "broken", "PARTIAL": "partly kept", "PENDING": "due"}


def _judged(promises: pd.DataFrame, ids) -> pd.Series:
    """The same tuples as :func:`_promises` from promises already judged (status KEPT /
    BROKEN / PARTIAL / PENDING)."""
    out: dict[str, list] = {}
    for r in promises.sort_values(["customer_id", "made_on"], kind="stable").itertuples(index=False):
        amount = None if pd.isna(r.promised_amount) else int(r.promised_amount)
        out.setdefault(r.customer_id, []).append((JUDGED_STATES[r.status], amount, r.promise_date, r.made_on,
                                                  r.document_no))
    return pd.Series([tuple(out.get(c, ())) for c in ids], index=ids, dtype=object)


def draft_comment(f: dict | pd.Series, currency: str, labels: list[str]) -> str:
    """Plain-English comment for one customer's facts.  Only facts present in ``f`` are
    stated; the sentence order is fixed, so the same facts always give the same text."""
    m = lambda v: fmt_money(v, currency)  # noqa: E731
    parts: list[str] = []
    # the bucket columns beside the comment show the split; the text names the oldest bucket
    oldest = [(lab, int(f[lab])) for lab in labels if int(f[lab]) > 0][-1:]
    line = f"Past due {m(f['past_due'])}"
    if oldest and oldest[0][1] == int(f["past_due"]):
        line += f", all of it {oldest[0][0]} days"
    elif oldest:
        line += f", of which {m(oldest[0][1])} is {oldest[0][0]} days"
    parts.append(line + ".")
    if int(f["oldest_days"]) > 0:
        parts.append(f"Oldest item {f['oldest_document']} is {int(f['oldest_days'])} days past due.")
    prior = f.get("prior_past_due")
    if prior is not None and not pd.isna(prior):
        now = f.get("history_past_due")
        receivables = now is not None and not pd.isna(now)     # both months from the aging history
        now = int(now) if receivables else int(f["past_due"])
        delta = now - int(prior)
        since = f" since {f['prior_as_of']}" if f.get("prior_as_of") else " since the prior close"
        what = "Receivables past due" if receivables else "Past due"
        fromto = f" ({m(int(prior))} to {m(now)})" if receivables else ""
        if int(prior) == 0:
            parts.append(f"Newly past due{since}.")
        elif delta > 0:
            parts.append(f"{what} up {m(delta)}{since}{fromto}.")
        elif delta < 0:
            parts.append(f"{what} down {m(-delta)}{since}{fromto}.")
        else:
            parts.append(f"{what} unchanged{since}.")
    for day, amount, cur, reason, docs in f.get("returned", ()) or ():
        parts.append(f"Payment of {fmt_money(amount, cur)} returned on {day}" + (f" ({reason})" if reason else "")
                     + (f": {docs} open again." if docs else "."))
    if int(f["disputed"]) > 0:
        parts.append(f"Disputed {m(f['disputed'])}: " + _reasons(f["disputed_by_reason"], m) + ".")
    if int(f["deductions"]) != 0:
        parts.append(f"Open deductions {m(f['deductions'])}: " + _reasons(f["deductions_by_reason"], m) + ".")
    offsets = []
    if int(f["unapplied_cash"]) > 0:
        offsets.append(f"unapplied cash {m(f['unapplied_cash'])}")
    if int(f["unused_credits"]) > 0:
        offsets.append(f"unused credit memos {m(f['unused_credits'])}")
    if offsets:
        text = " and ".join(offsets)
        parts.append(text[0].upper() + text[1:] + " could offset past-due invoices.")
    parts += _promise_sentences(f["promises"], m)
    parts.append(f"Last contact: {f['last_contact']}." if f["last_contact"] else "No contact logged.")
    limit = f.get("credit_limit")
    if limit is not None and not pd.isna(limit):
        exposure = int(f["total_open"]) + (0 if pd.isna(f.get("open_orders")) or f.get("open_orders") is None else int(f["open_orders"]))
        if exposure > int(limit):
            parts.append(f"Over credit limit by {m(exposure - int(limit))} (exposure {m(exposure)}, limit {m(limit)}).")
    if int(f["items_on_hold"]) > 0:
        n = int(f["items_on_hold"])
        parts.append(f"{n} item{'s' if n != 1 else ''} on hold.")
    return " ".join(parts)


def _promise_sentences(promises, m) -> list[str]:
    """Broken promises first, then open, kept and unconfirmed ones: each listed when there are
    at most :data:`LIST_AT_MOST` of that state, else counted and summed in one sentence."""
    by_state: dict[str, list] = {}
    for p in promises:
        by_state.setdefault(p[0], []).append(p)
    out = []
    for state in ("broken", "partly kept", "due", "kept", "unconfirmed"):
        items = by_state.get(state, [])
        if not items:
            continue
        if len(items) > LIST_AT_MOST:
            total = sum(a for _, a, *_ in items if a is not None)
            amount = f" for {m(total)}" if any(a is not None for _, a, *_ in items) else ""
            if state == "due":
                nxt = min((p for p in items if p[2] is not None), key=lambda p: p[2], default=None)
                when = f", the next by {_day(nxt[2])}" if nxt is not None else ""
                out.append(f"{len(items)} promises to pay open{amount}{when}.")
            elif state == "unconfirmed":
                out.append(f"{len(items)} promises past their date{amount}: payment not confirmed.")
            else:
                out.append(f"{len(items)} promises {state}{amount}.")
            continue
        for _, amount, pdate, made, doc in items:
            what = m(amount) if amount is not None else "payment"
            target = f" for {doc}" if doc else ""
            when = _day(pdate) if pdate is not None else "an open date"
            if state == "due":
                out.append(f"Promise to pay {what}{target} by {when} (made {_day(made)}).")
            elif state == "unconfirmed":
                out.append(f"Promise of {_day(made)} to pay {what}{target} by {when}: payment not confirmed.")
            else:
                out.append(f"Promise of {_day(made)} to pay {what}{target} by {when} was {state}.")
    return out


REASONS_AT_MOST = 3   # reason codes named one by one, largest amount first; the rest summed up


def _reasons(items, m) -> str:
    def one(reason, amount, n):
        return f"{reason} {m(amount)} ({n} item{'s' if n != 1 else ''})"
    ranked = sorted(items, key=lambda t: (-abs(t[1]), t[0]))
    text = [one(*t) for t in ranked[:REASONS_AT_MOST]]
    rest = ranked[REASONS_AT_MOST:]
    if rest:
        text.append(one(f"{len(rest)} other reason{'s' if len(rest) != 1 else ''}", sum(a for _, a, _ in rest),
                        sum(n for *_, n in rest)))
    return "; ".join(text)


def build_commentary(aging, *, as_of: dt.date, threshold: int, customers: pd.DataFrame | None = None,
                     activity: pd.DataFrame | None = None, payments: pd.DataFrame | None = None,
                     previous: pd.DataFrame | None = None, current: pd.DataFrame | None = None,
                     kpis: pd.DataFrame | None = None, currency: str | None = None,
                     promises: pd.DataFrame | None = None, returns: pd.DataFrame | None = None) -> CommentaryResult:
    """Draft the month's commentary from an aging result by customer.

    ``threshold`` (minor units): a customer gets a row when its past due reaches it.
    ``kpis``: a KPI table (``kpi``, ``value``) from :mod:`xl_collections.ar.kpi`; DSO and CEI
    are shown in the summary block when present.  ``previous``/``current``: last month's and this
    month's aging history as summaries (:func:`xl_collections.ar.aging_history.month_summary`): with
    both, every month-over-month figure (the change per customer, the totals block) takes both
    months from the history (CONTRACT §6)."""
    summary, detail = aging.summary, aging.detail
    currency = currency or (summary["currency"].iloc[0] if len(summary) else "USD")
    labels = summary_buckets(summary)
    facts = customer_facts(detail, summary, as_of=as_of, customers=customers, activity=activity,
                           payments=payments, previous=previous, current=current, promises=promises,
                           returns=returns)
    chosen = facts[facts["past_due"] >= threshold].sort_values(["past_due", "customer_id"], ascending=[False, True]).copy()
    chosen["draft"] = [draft_comment(r, currency, labels) for r in chosen.to_dict("records")]
    rows = pd.DataFrame({
        "customer_id": chosen["customer_id"].to_numpy(dtype=object),
        "customer_name": chosen["customer_name"].to_numpy(dtype=object),
        "collector": chosen["collector"].to_numpy(dtype=object),
        "past_due": chosen["past_due"].to_numpy(dtype="int64"),
        **{lab: chosen[lab].to_numpy(dtype="int64") for lab in labels},
        "oldest_days": chosen["oldest_days"].to_numpy(dtype="int64"),
        "change_vs_prior": (chosen["history_past_due"].fillna(chosen["past_due"]) - chosen["prior_past_due"])
        .astype("Int64").to_numpy(),
        "disputed": chosen["disputed"].to_numpy(dtype="int64"),
        "deductions": chosen["deductions"].to_numpy(dtype="int64"),
        "offsets": chosen["offsets"].to_numpy(dtype="int64"),
        "comment": chosen["draft"].to_numpy(dtype=object),
        "comment_status": "drafted",
        "latest_draft": chosen["draft"].to_numpy(dtype=object),
    })
    rows.attrs = {"money": ["past_due", *labels, "change_vs_prior", "disputed", "deductions", "offsets"], "currency": currency}

    both = previous is not None and current is not None and len(current)
    total = (current if both else summary)
    total = total[total["customer_id"] == "TOTAL"]
    tot = total.iloc[0] if len(total) else None
    prev_tot = None
    if previous is not None and len(previous):
        pt = previous[previous["customer_id"] == "TOTAL"]
        prev_tot = pt.iloc[0] if len(pt) else None
    lines: list[tuple[str, object, object, str]] = []  # label, value, prior, kind

    def add(label, col, kind="money"):
        v = int(tot[col]) if tot is not None else 0
        p = int(prev_tot[col]) if prev_tot is not None and col in prev_tot.index and not pd.isna(prev_tot[col]) else None
        lines.append((label, v, p, kind))
    add("Total open", "total_open")
    add("Not due", "not_due")
    for lab in labels:
        add(f"{lab} days", lab)
    add("Past due", "past_due")
    total_open = int(tot["total_open"]) if tot is not None else 0
    past_due = int(tot["past_due"]) if tot is not None else 0
    over90 = int(detail.loc[detail["days_past_due"] > 90, "reporting_amount"].sum())
    aging_open = int(summary.loc[summary["customer_id"] == "TOTAL", "total_open"].sum())
    lines.append(("% past due", _pct(past_due, total_open), _prior_pct(prev_tot, "past_due"), "percent"))
    lines.append(("% over 90 days", _pct(over90, aging_open), None, "percent"))
    if kpis is not None and len(kpis):
        k = kpis.set_index(kpis["kpi"].astype(str).str.upper())
        for name in ("DSO", "CEI"):
            if name in k.index:
                lines.append((name, k.loc[name, "value"], None, "days" if name == "DSO" else "percent"))
    sumdf = pd.DataFrame(lines, columns=["measure", "value", "prior", "kind"])
    sumdf["change"] = [None if (p is None or pd.isna(p) or v is None) else v - p for v, p in zip(sumdf["value"], sumdf["prior"])]
    sumdf.attrs = {"currency": currency, "from_history": bool(both)}

    top = facts[facts["past_due"] > 0].sort_values(["past_due", "customer_id"], ascending=[False, True]).head(10)
    top10 = top[["customer_id", "customer_name", "collector", "past_due", *labels, "disputed"]].reset_index(drop=True)
    top10.attrs = {"money": ["past_due", *labels, "disputed"], "currency": currency}
    return CommentaryResult(sumdf, top10, rows.reset_index(drop=True), facts, currency, tuple(labels))


def _pct(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _prior_pct(prev_tot, col) -> Decimal | None:
    if prev_tot is None or col not in prev_tot.index:
        return None
    return _pct(int(prev_tot[col]), int(prev_tot["total_open"]))


def merge_with_previous(rows: pd.DataFrame, previous_rows: pd.DataFrame | None,
                        previous_resolved: pd.DataFrame | None, as_of: dt.date,
                        user_columns: tuple[str, ...] = USER_COLUMNS_DEFAULT) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Carry the specialist's work over from the previous ``Commentary`` sheet.

    * Every column of the previous rows that the program does not own is the user's: its
      values go back on the same customer's row (matched by ``customer_id``, whatever the
      order) and the column keeps its place after the program's columns.
    * A drafted comment the user changed (it no longer equals that row's ``latest_draft``)
      is kept as their text, ``comment_status`` = ``edited (kept)``; ``latest_draft`` shows
      what the program drafts now.  A blanked comment gets the new draft.
    * A customer on the previous rows but not on the new ones moves to ``resolved`` with
      ``resolved_on`` = ``as_of`` and every note it had; resolved entries are never dropped
      (a customer that comes back takes its notes back from there).
    Returns ``(rows, resolved)``."""
    rows = rows.copy()
    prev = previous_rows if previous_rows is not None else pd.DataFrame(columns=["customer_id"])
    prev = prev[prev["customer_id"].astype(str).str.strip() != ""].copy()
    prev["customer_id"] = prev["customer_id"].astype(str)
    old_resolved = previous_resolved if previous_resolved is not None else pd.DataFrame(columns=list(RESOLVED_COLUMNS))
    old_resolved = old_resolved.copy()
    if len(old_resolved):
        old_resolved["customer_id"] = old_resolved["customer_id"].astype(str)

    program = set(PROGRAM_COLUMNS) | set(rows.columns)
    extra_user = [c for c in prev.columns if c not in program and c not in RESOLVED_COLUMNS and str(c).strip()]
    extra_user += [c for c in old_resolved.columns if c not in program and c not in RESOLVED_COLUMNS
                   and c not in extra_user and str(c).strip()]
    ucols = list(dict.fromkeys(list(user_columns) + extra_user))

    prev_by_id = prev.drop_duplicates("customer_id", keep="first").set_index("customer_id")
    res_by_id = old_resolved.drop_duplicates("customer_id", keep="last").set_index("customer_id") if len(old_resolved) else None

    def cells(col) -> list[dict]:
        """customer_id -> the value in ``col``, for the previous rows, then the resolved ones."""
        return [dict(zip(src.index, src[col])) for src in (prev_by_id, res_by_id)
                if src is not None and col in src.columns]

    def carried(cid, col_cells):
        for found in col_cells:
            if cid in found and not _blank(found[cid]):
                return found[cid]
        return None

    for col in ucols:
        col_cells = cells(col)
        rows[col] = [carried(cid, col_cells) for cid in rows["customer_id"]]

    # per source with a comment column: customer_id -> (comment, latest draft), made once
    earlier = [dict(zip(src.index, zip(src["comment"], src["latest_draft"] if "latest_draft" in src.columns
                                       else [None] * len(src))))
               for src in (prev_by_id, res_by_id) if src is not None and "comment" in src.columns]
    statuses, comments = [], []
    for cid, draft in zip(rows["customer_id"], rows["latest_draft"]):
        old_comment = old_draft = None
        for found in earlier:
            if cid in found:
                old_comment, old_draft = found[cid]
                break
        if not _blank(old_comment) and str(old_comment).strip() != str(old_draft or "").strip():
            comments.append(str(old_comment))
            statuses.append("edited (kept)")
        else:
            comments.append(draft)
            statuses.append("drafted")
    rows["comment"] = comments
    rows["comment_status"] = statuses

    gone = prev[~prev["customer_id"].isin(set(rows["customer_id"]))]
    new_resolved = pd.DataFrame({
        "customer_id": gone["customer_id"].to_numpy(dtype=object),
        "customer_name": gone["customer_name"].to_numpy(dtype=object) if "customer_name" in gone else "",
        "resolved_on": pd.Timestamp(as_of),
        "last_past_due": gone["past_due"].to_numpy() if "past_due" in gone else None,
        "comment": gone["comment"].to_numpy(dtype=object) if "comment" in gone else "",
        **{c: (gone[c].to_numpy(dtype=object) if c in gone else None) for c in ucols},
        "latest_draft": gone["latest_draft"].to_numpy(dtype=object) if "latest_draft" in gone else "",
    })
    keep_old = old_resolved[~old_resolved["customer_id"].isin(set(rows["customer_id"]))] if len(old_resolved) else old_resolved
    resolved = pd.concat([keep_old, new_resolved], ignore_index=True) if len(keep_old) else new_resolved
    for c in list(RESOLVED_COLUMNS) + ucols:
        if c not in resolved.columns:
            resolved[c] = None
    resolved = resolved[list(RESOLVED_COLUMNS) + ucols + ["latest_draft"]]
    rows.attrs = dict(rows.attrs)
    return rows, resolved.reset_index(drop=True)


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or (isinstance(v, str) and not v.strip())
