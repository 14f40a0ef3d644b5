"""The latest financial statement and agency report per customer, and returned payments,
checked on the way in (problems are :class:`~xl_collections.core.errors.InputError` records naming
the row).

- ``financials``: the latest ``period_end`` on or before the as-of date; figures are minor
  units of the row's ``currency`` times ``scale`` (1, 1000 or 1000000); ``total_assets`` must
  be positive.
- ``credit_reports``: the latest ``report_date`` on or before the as-of date; ``paydex`` 0–100,
  ``failure_score`` and ``delinquency_score`` 1–100.
- returned payments (a ``returns.csv`` of the cash application): rows with status
  ``REVERSED`` whose ``value_date`` lies within twelve months before the as-of date, counted
  per ``customer_id``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from ..core.dates import DateError, parse_date
from ..core.errors import InputError
from ..core.money import minor_unit
from .ratios import Statement
from .scoring import add_months

SCALES = {"1": 1, "1000": 1000, "1000000": 1_000_000}
FIGURES = ("current_assets", "current_liabilities", "total_assets", "total_liabilities", "retained_earnings",
           "equity", "ebit", "revenue", "cost_of_sales", "interest_expense", "net_income", "cash",
           "accounts_receivable", "inventory", "intangible_assets", "accounts_payable")
RANGES = {"paydex": (0, 100), "failure_score": (1, 100), "delinquency_score": (1, 100)}


def _error(df: pd.DataFrame, table: str, row, column: str, message: str, value, expected: str) -> InputError:
    src = df.attrs.get("source") or {}
    return InputError(message, table, src.get("file", ""), src.get("sheet", ""),
                      int(row) if row is not None else None, column, str(value), expected)


def latest(df: pd.DataFrame | None, date_column: str, as_of: dt.date) -> pd.DataFrame:
    """The latest row per customer dated on or before ``as_of`` (the later row on a tie)."""
    if df is None or not len(df):
        return pd.DataFrame(columns=["customer_id"])
    keep = df[df[date_column] <= pd.Timestamp(as_of)]
    order = keep.assign(_pos=range(len(keep))).sort_values(["customer_id", date_column, "_pos"], kind="stable")
    return order.drop_duplicates("customer_id", keep="last").drop(columns="_pos").set_index("customer_id")


def _scale(value) -> int | None:
    text = str(value).strip().replace(",", "").replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    return SCALES.get(text or "1")


def statements(financials: pd.DataFrame | None, as_of: dt.date) -> tuple[dict, list[InputError]]:
    """customer -> (Statement, period_end date, currency); and the problems of those rows."""
    errors: list[InputError] = []
    out = {}
    rows = latest(financials, "period_end", as_of)
    for cid, r in rows.to_dict("index").items():
        scale = _scale(r.get("scale", "1"))
        src_row = r.get("source_row")
        if scale is None:
            errors.append(_error(financials, "financials", src_row, "scale", "unknown scale", r.get("scale"),
                                 "1, 1000 or 1000000 (the unit of the figures)"))
            continue
        if int(r["total_assets"]) <= 0:
            errors.append(_error(financials, "financials", src_row, "total_assets", "total assets must be positive",
                                 r["total_assets"], "the balance sheet total, above zero"))
            continue
        cur = str(r.get("currency") or "")
        places = minor_unit(cur) if cur else 2

        def major(name):
            v = r.get(name)
            if v is None or pd.isna(v):
                return None
            return Decimal(int(v)).scaleb(-places) * scale
        st = Statement(**{f: major(f) for f in FIGURES})
        out[str(cid)] = (st, pd.Timestamp(r["period_end"]).date(), cur)
    return out, errors


def reports(credit_reports: pd.DataFrame | None, as_of: dt.date) -> tuple[pd.DataFrame, list[InputError]]:
    """The latest report per customer (index customer_id); scores checked against their ranges."""
    rows = latest(credit_reports, "report_date", as_of)
    errors: list[InputError] = []
    for col, (lo, hi) in RANGES.items():
        if col not in rows.columns:
            continue
        for cid, v in rows[col].items():
            if v is None or pd.isna(v):
                continue
            if not lo <= Decimal(v) <= hi:
                errors.append(_error(credit_reports, "credit_reports", rows.at[cid, "source_row"], col,
                                     f"{col} out of range", v, f"a score from {lo} to {hi}"))
    return rows, errors


def returned_payments(returns: pd.DataFrame | None, as_of: dt.date) -> tuple[dict[str, int], list[InputError]]:
    """customer -> number of ``REVERSED`` returns (``ALREADY_REVERSED``: reversed by an earlier
    run, the same return) dated within twelve months before ``as_of``.
    ``returns``: a ``returns.csv`` as read (text columns; at least ``customer_id``,
    ``value_date``, ``status``)."""
    if returns is None or not len(returns):
        return {}, []
    src = returns.attrs.get("source") or {}
    missing = [c for c in ("customer_id", "value_date", "status") if c not in returns.columns]
    if missing:
        return {}, [InputError(f"the returns file has no column {', '.join(missing)}", "returns", src.get("file", ""),
                               "", 1, missing[0], "", "a returns.csv of the cash application")]
    start = add_months(as_of, -12)
    counts: dict[str, int] = {}
    errors = []
    for i, (cid, day, status) in enumerate(zip(returns["customer_id"], returns["value_date"], returns["status"]), 2):
        if str(status).strip().upper() not in ("REVERSED", "ALREADY_REVERSED"):    # reversed, in this run or before
            continue
        try:
            d = parse_date(day)
        except DateError as e:
            errors.append(InputError("value_date is not a date", "returns", src.get("file", ""), "", i, "value_date",
                                     str(day), e.expected))
            continue
        if d is not None and start < d <= as_of and str(cid).strip():
            counts[str(cid).strip()] = counts.get(str(cid).strip(), 0) + 1
    return counts, errors
