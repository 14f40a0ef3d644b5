"""The credit review: exposure, ratios, payment behaviour and agency data per customer, the
score and class, the recommended limit and review date, and the order decisions.

:func:`assess_credit` is the engine: canonical tables in, a :class:`CreditResult` and a list
of :class:`~xl_collections.core.errors.InputError` out; no files, no clock.  Money is integer minor
units of the reporting currency.  The class the order rules use (``risk_class``) is the
master's ``risk_class`` when it is ``A``–``E``, else the computed one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from ..ar.aging import age
from ..core.errors import InputError, InputErrors
from ..core.money import decimal_to_minor, minor_unit, money_text as fmt, round_half_away
from ..core.settings import Settings
from .behaviour import payment_behaviour
from .exposure import exposure, order_amounts, to_reporting
from .inputs import reports, returned_payments, statements
from .orders import COLUMNS as ORDER_COLUMNS, CustomerCredit, decide_orders
from .ratios import Ratios, ratios, shown
from .scoring import CLASSES, Policy, policy as credit_policy, recommended_limit, review_date, score, top_factors

REVIEW_COLUMNS = ("customer_id", "customer_name", "credit_limit", "open_ar", "open_orders", "exposure", "utilisation",
                  "past_due", "max_days_past_due", "altman_z", "altman_zone", "paydex", "add_days", "pct_paid_late",
                  "score", "computed_class", "risk_class", "recommended_limit", "review_date", "reasons")
EXTRA_COLUMNS = ("parent_id", "group_exposure", "group_limit", "group_utilisation", "shipped_not_billed",
                 "oldest_document", "current_ratio", "quick_ratio", "debt_to_equity", "equity_ratio", "interest_cover",
                 "dso", "dpo",
                 "tangible_net_worth", "failure_score", "delinquency_score", "agency_limit", "payment_trend",
                 "returned_payments", "statement_date", "report_date", "credit_review_date", "flags")
REVIEW_MONEY = ["credit_limit", "open_ar", "open_orders", "exposure", "past_due", "recommended_limit",
                "group_exposure", "group_limit", "shipped_not_billed", "tangible_net_worth", "agency_limit"]


@dataclass(frozen=True, eq=False)
class CreditResult:
    """``review``: one row per customer (:data:`REVIEW_COLUMNS` then :data:`EXTRA_COLUMNS`);
    ``decisions``: one row per open order (:data:`~xl_collections.credit.orders.COLUMNS`, then
    ``order_date``)."""
    review: pd.DataFrame
    decisions: pd.DataFrame
    as_of: dt.date
    currency: str = "USD"
    notes: list = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The contract's result tables (``credit_review``, ``order_decisions``), contract columns only."""
        review = self.review[list(REVIEW_COLUMNS)].copy()
        review.attrs = {"money": [c for c in REVIEW_MONEY if c in REVIEW_COLUMNS], "currency": self.currency}
        decisions = self.decisions[list(ORDER_COLUMNS)].copy()
        decisions.attrs = dict(self.decisions.attrs)
        return {"credit_review": review, "order_decisions": decisions}


def _factor_words(name: str, x, r: Ratios | None, cur: str) -> str:
    if name == "altman_z":
        return f"Altman Z'' {shown(x)} ({r.altman_zone.lower()} zone)"
    if name == "current_ratio":
        return f"current ratio {x:.2f}"
    if name == "equity_ratio":
        return "negative equity" if x < 0 else f"equity {x * 100:.0f}% of assets"
    if name == "interest_cover":
        return f"interest cover {x:.1f}×"
    if name == "add_days":
        days = int(round_half_away(x, 0))
        return (f"pays {days} days late on average" if days > 0 else
                f"pays {-days} days early on average" if days < 0 else "pays on time on average")
    if name == "pct_paid_late":
        return f"{x * 100:.0f}% of billing paid late"
    if name == "max_days_past_due":
        return f"{int(x)} days past due now" if x > 0 else "nothing past due"
    if name == "paydex":
        return f"PAYDEX {x:.0f}"
    if name == "failure_score":
        return f"failure score {x:.0f}"
    return name


def _inputs(r: Ratios | None, beh, rep, max_dpd: int | None) -> dict:
    x = {"max_days_past_due": None if max_dpd is None else Decimal(max_dpd)}
    if r is not None:
        x["altman_z"] = r.altman_z
        x["current_ratio"] = r.current_ratio
        x["equity_ratio"] = r.equity_ratio
        x["interest_cover"] = r.interest_cover
    if beh is not None:
        x["add_days"] = beh["add_days"]
        x["pct_paid_late"] = beh["pct_paid_late"]
    if rep is not None:
        for k in ("paydex", "failure_score"):
            v = rep.get(k)
            x[k] = None if v is None or pd.isna(v) else _plain(Decimal(v))
    return x


def assess_credit(tables: dict, settings: Settings, as_of: dt.date | None = None, *, policy: Policy | None = None,
                  aging_detail: pd.DataFrame | None = None,
                  returns: pd.DataFrame | None = None) -> tuple[CreditResult | None, list[InputError]]:
    """The credit review of ``tables`` (canonical: ``open_items``, optional ``customers``,
    ``orders``, ``financials``, ``credit_reports``, ``cleared_items``, ``fx_rates``) at
    ``as_of`` (default ``settings.as_of``).  ``returns``: a ``returns.csv`` table for the
    ``RETURNED_PAYMENTS`` hold.  Returns (result, problems); result is None when the inputs
    have problems.  ``policy``: the credit score's weights and thresholds (default: those of
    ``settings``)."""
    as_of = as_of or settings.as_of
    policy = policy or credit_policy(settings)
    cur = settings.reporting_currency
    fx = tables.get("fx_rates")
    customers, orders = tables.get("customers"), tables.get("orders")
    errors: list[InputError] = []
    stmts, e1 = statements(tables.get("financials"), as_of)
    agency, e2 = reports(tables.get("credit_reports"), as_of)
    returned, e3 = returned_payments(returns, as_of)
    errors += e1 + e2 + e3
    errors += _bad_classes(customers)
    try:
        if aging_detail is None:
            aging_detail = age(tables["open_items"], as_of, customers=customers, fx_rates=fx,
                               reporting_currency=cur).detail
        exp = exposure(tables["open_items"], as_of, customers=customers, orders=orders, fx_rates=fx,
                       reporting_currency=cur, aging_detail=aging_detail,
                       extra_ids=sorted(set(stmts) | set(agency.index.astype(str))))
        beh = payment_behaviour(tables.get("cleared_items"), as_of, fx_rates=fx, reporting_currency=cur,
                                policy=policy).set_index("customer_id")
        tnw = _tnw_reporting(stmts, fx, as_of, cur)
        amounts = (order_amounts(orders, as_of=as_of, fx_rates=fx, reporting_currency=cur)
                   if orders is not None else None)
    except InputErrors as e:
        return None, errors + e.errors
    if errors:
        return None, errors

    master = _records(customers.drop_duplicates("customer_id").set_index("customer_id")
                      if customers is not None else None, ("risk_class", "credit_review_date"))
    beh = _records(beh)
    agency = _records(agency, ("paydex", "failure_score", "delinquency_score", "recommended_limit", "report_date"))
    open_billing = _open_billing(aging_detail, as_of, policy)
    rows, credit = [], {}
    for e in exp.itertuples(index=False):
        cid = e.customer_id
        st, period_end, _ = stmts.get(cid, (None, None, ""))
        r = ratios(st) if st is not None else None
        b, rep = beh.get(cid), agency.get(cid)
        x = _inputs(r, b, rep, int(e.max_days_past_due) if e.items else None)
        sc = score(x, policy)
        m = master.get(cid)
        master_class = str(m.get("risk_class") or "").strip().upper() if m is not None else ""
        used = master_class if master_class in CLASSES else sc.credit_class
        agency_limit = _money(rep, "recommended_limit")
        billing = int(b["billing_12m"]) if b is not None else 0
        billing += open_billing.get(cid, 0)
        rec = recommended_limit(sc.credit_class,
                                tangible_net_worth=_major(tnw.get(cid), cur),
                                agency_limit=_major(agency_limit, cur),
                                monthly_billing=_monthly(_major(billing, cur), policy) if billing else None,
                                policy=policy)
        rec_minor = decimal_to_minor(rec, cur) if rec is not None else None
        scheduled = _date(m.get("credit_review_date")) if m is not None else None
        limit = None if pd.isna(e.credit_limit) else int(e.credit_limit)
        flags = _flags(limit, rec_minor, scheduled, as_of, cid, m, e, cur)
        why = _why(sc, x, r, policy, cur)
        credit[cid] = CustomerCredit(limit, used, int(e.max_days_past_due), int(e.past_due), e.oldest_document,
                                     returned.get(cid, 0))
        rows.append({
            "customer_id": cid, "customer_name": e.customer_name, "credit_limit": limit, "open_ar": e.open_ar,
            "open_orders": e.open_orders, "exposure": e.exposure, "utilisation": _round(e.utilisation, 4),
            "past_due": e.past_due, "max_days_past_due": int(e.max_days_past_due),
            "altman_z": shown(r.altman_z) if r else None, "altman_zone": r.altman_zone if r else "",
            "paydex": x.get("paydex"), "add_days": _round(x.get("add_days"), 1),
            "pct_paid_late": _round(x.get("pct_paid_late"), 4), "score": sc.score, "computed_class": sc.credit_class,
            "risk_class": used, "recommended_limit": rec_minor,
            "review_date": review_date(used, as_of, scheduled, policy),
            "reasons": "; ".join(p for p in (why, *flags) if p),
            "parent_id": e.parent_id, "group_exposure": e.group_exposure,
            "group_limit": None if pd.isna(e.group_limit) else int(e.group_limit),
            "group_utilisation": _round(e.group_utilisation, 4), "shipped_not_billed": e.shipped_not_billed,
            "oldest_document": e.oldest_document,
            "current_ratio": _round(r.current_ratio, 2) if r else None,
            "quick_ratio": _round(r.quick_ratio, 2) if r else None,
            "debt_to_equity": _round(r.debt_to_equity, 2) if r else None,
            "equity_ratio": _round(r.equity_ratio, 4) if r else None,
            "interest_cover": _round(r.interest_cover, 1) if r else None,
            "dso": _round(r.dso, 0) if r else None, "dpo": _round(r.dpo, 0) if r else None,
            "tangible_net_worth": tnw.get(cid), "failure_score": x.get("failure_score"),
            "delinquency_score": _dec(rep, "delinquency_score"), "agency_limit": agency_limit,
            "payment_trend": b["trend"] if b is not None else "", "returned_payments": returned.get(cid, 0),
            "statement_date": period_end, "report_date": _date(rep.get("report_date")) if rep is not None else None,
            "credit_review_date": scheduled, "flags": "; ".join(flags),
        })
    review = pd.DataFrame(rows, columns=list(REVIEW_COLUMNS + EXTRA_COLUMNS))
    for c in REVIEW_MONEY:
        review[c] = pd.array(review[c].to_numpy(dtype=object), dtype="Int64")
    for c in ("review_date", "statement_date", "report_date", "credit_review_date"):
        review[c] = pd.to_datetime(review[c]).astype("datetime64[ns]")
    review.attrs = {"money": list(REVIEW_MONEY), "currency": cur}
    if orders is not None:
        start = dict(zip(exp["customer_id"], exp["open_ar"] + exp["shipped_not_billed"]))
        decisions = decide_orders(orders, amounts, start, credit, settings)
    else:
        decisions = pd.DataFrame({c: pd.Series([], dtype=object) for c in (*ORDER_COLUMNS, "order_date")})
        decisions.attrs = {"money": ["amount", "exposure_before", "exposure_after"], "currency": cur}
    notes = [] if orders is not None else ["no orders given: exposure counts the customer master's open_orders; "
                                           "no order decisions"]
    return CreditResult(review, decisions, as_of, cur, notes), []


def _monthly(billing: Decimal, policy: Policy) -> Decimal:
    """Average monthly billing of the history's days (365 days: a twelfth)."""
    return billing * 365 / (12 * policy.lookback_days)


def _open_billing(detail: pd.DataFrame, as_of: dt.date, policy: Policy) -> dict[str, int]:
    """Per customer: open invoices and debit memos dated in the look-back window (reporting
    minor units) — billing not yet in the payment history."""
    doc = detail["document_date"].to_numpy(dtype="datetime64[D]")
    start = np.datetime64(as_of, "D") - np.timedelta64(policy.lookback_days, "D")
    amt = detail["reporting_amount"].to_numpy(dtype="int64")
    m = detail["doc_type"].isin(("INV", "DM")).to_numpy() & (amt > 0) & (doc > start)
    return pd.Series(amt[m]).groupby(detail["customer_id"].astype(str).to_numpy()[m]).sum().to_dict()


def _bad_classes(customers) -> list[InputError]:
    if customers is None or "risk_class" not in customers.columns:
        return []
    cls = customers["risk_class"].astype(str).str.strip().str.upper()
    bad = customers[(cls != "") & ~cls.isin(CLASSES)]
    src = customers.attrs.get("source") or {}
    return [InputError("unknown risk class", "customers", src.get("file", ""), src.get("sheet", ""),
                       int(r) if pd.notna(r) else None, "risk_class", str(v), "A, B, C, D, E or blank (computed)")
            for r, v in zip(bad.get("source_row", pd.Series([None] * len(bad))), bad["risk_class"])]


def _tnw_reporting(stmts: dict, fx, as_of, cur) -> dict[str, int]:
    """Tangible net worth per customer in reporting minor units (the statement's currency
    converted at the as-of rate; a statement without currency is in the reporting currency)."""
    if not stmts:
        return {}
    ids = list(stmts)
    currency = [stmts[c][2] or cur for c in ids]
    minor = [decimal_to_minor(ratios(stmts[c][0]).tangible_net_worth, k) for c, k in zip(ids, currency)]
    df = pd.DataFrame({"amount": np.array(minor, dtype="int64"), "currency": currency})
    conv = to_reporting(df, "amount", fx_rates=fx, as_of=as_of, reporting_currency=cur, table="financials")
    return dict(zip(ids, (int(v) for v in conv)))


def _flags(limit, rec, scheduled, as_of, cid, m, e, cur) -> list[str]:
    out = []
    if limit is None:
        out.append("new customer without a limit" if m is None else "no credit limit set")
    elif rec is not None and limit > rec:
        out.append(f"limit {fmt(limit, cur)} above the recommended {fmt(rec, cur)}")
    if scheduled is not None and scheduled < as_of:
        out.append(f"review overdue since {scheduled.isoformat()}")
    if e.group_id != cid and e.group_limit is not None and not pd.isna(e.group_limit) \
            and e.group_exposure > int(e.group_limit):
        out.append(f"group {e.group_id} over its limit by {fmt(int(e.group_exposure - e.group_limit), cur)}")
    return out


def _why(sc, x, r, policy, cur) -> str:
    if sc.score is None:
        return "not scored: no financial statements, agency report or payment history"
    parts = []
    for name, pts in top_factors(sc, policy):
        parts.append(("strong: " if pts >= 50 else "weak: ") + _factor_words(name, x[name], r, cur))
    n, of = len(sc.points), len(policy.factors)
    cover = f", scored on {n} of {of} factors" if n < of else ""
    if not sc.credit_class:
        return (f"no class: too little to go on (score {sc.score}{cover}; get financial statements or an "
                f"agency report): " + ", ".join(parts))
    return f"class {sc.credit_class} (score {sc.score}{cover}): " + ", ".join(parts)


def _round(v, places):
    return None if v is None else round_half_away(Decimal(v), places)


def _plain(d: Decimal) -> Decimal:
    """``72.0`` -> ``72``, ``40.50`` -> ``40.5`` (no exponent)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def _records(df: pd.DataFrame | None, columns=None) -> dict[str, dict]:
    """index -> {column: value} (plain dicts: the per-customer loop reads them fast)."""
    if df is None or not len(df):
        return {}
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    return {str(k): v for k, v in df.to_dict("index").items()}


def _dec(rep, col):
    if rep is None or col not in rep:
        return None
    v = rep[col]
    return None if v is None or pd.isna(v) else _plain(Decimal(v))


def _money(rep, col) -> int | None:
    if rep is None or col not in rep or pd.isna(rep[col]):
        return None
    return int(rep[col])


def _major(minor, cur) -> Decimal | None:
    return None if minor is None else Decimal(int(minor)).scaleb(-minor_unit(cur))


def _date(v) -> dt.date | None:
    if v is None or pd.isna(v):
        return None
    return pd.Timestamp(v).date()
