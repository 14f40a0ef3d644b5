"""Month-end aging history (CONTRACT §2 ``aging_history``): one row per period, customer and bucket.

A close records its own month's aging — receivable items only (``INV``, ``DM``, ``DED`` with an
open amount above zero), in minor units of the reporting currency — and keeps every other
period's rows, including months a user pasted from before the workbook existed.  The
allowance's roll rates and the month-over-month figures read it back.

Periods are ``YYYY-MM`` text; :func:`~xl_collections.core.dates.month_number` turns one into a count of months so that
"the month before" is arithmetic.  The ``Aging History`` sheet (:func:`history_output`) is the
aging step's; a book still holding the commentary's earlier layout is read by :func:`from_wide`.
"""
from __future__ import annotations

import pandas as pd

from ..book.outputs import SheetOutput, TableBlock
from ..core.dates import month_number, period_of
from ..core.money import parse_amount

RECEIVABLE_TYPES = ("INV", "DM", "DED")
COLUMNS = ("period", "customer_id", "bucket", "amount")
HISTORY_SHEET, HISTORY_TABLE = "Aging History", "tblAgingHistory"


def receivable(detail: pd.DataFrame) -> pd.Series:
    """Mask of the receivable items of an aging detail: ``INV``, ``DM``, ``DED`` with open > 0."""
    return detail["doc_type"].isin(RECEIVABLE_TYPES) & (detail["open_amount"] > 0)


def snapshot(detail: pd.DataFrame, period: str, labels, currency: str) -> pd.DataFrame:
    """This month's history rows from an aging detail (``reporting_amount``, ``bucket``): the
    receivable items summed per customer and bucket, zero sums left out."""
    rec = detail[receivable(detail)]
    order = {b: i for i, b in enumerate(labels)}
    g = rec.groupby(["customer_id", rec["bucket"].astype(str)], sort=False)["reporting_amount"].sum().reset_index()
    g = g[g["reporting_amount"] != 0]
    out = pd.DataFrame({"period": period, "customer_id": g["customer_id"].astype(object).to_numpy(),
                        "bucket": g["bucket"].to_numpy(dtype=object),
                        "amount": g["reporting_amount"].to_numpy(dtype="int64")})
    return _sorted(out, order, currency)


def _sorted(df: pd.DataFrame, order: dict, currency: str) -> pd.DataFrame:
    """Newest period first, then customer, then bucket in aging order (other labels last)."""
    key = df["bucket"].map(order).fillna(len(order)).astype(int)
    periods = df["period"]                # a few distinct months over many rows: each turned into a number once
    months = periods.map({p: month_number(p) for p in pd.unique(periods)}).astype("int64")  # int when no rows
    out = df.assign(_k=key, _m=-months).sort_values(
        ["_m", "customer_id", "_k"], kind="stable").drop(columns=["_k", "_m"]).reset_index(drop=True)
    out = out[list(COLUMNS)]
    out["amount"] = out["amount"].astype("int64")
    out.attrs = {"table": "aging_history", "money": ["amount"], "currency": currency}
    return out


def merge(history: pd.DataFrame | None, rows: pd.DataFrame, period: str, labels, currency: str) -> pd.DataFrame:
    """``history`` with ``period``'s rows replaced by ``rows``; every other period's rows kept
    as they are (a user's pasted months included)."""
    order = {b: i for i, b in enumerate(labels)}
    parts = [rows[list(COLUMNS)]]
    if history is not None and len(history):
        h = history[list(COLUMNS)]
        parts.append(h[h["period"] != period])
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].copy()
    return _sorted(out, order, currency)


def clean(history: pd.DataFrame | None, labels) -> tuple[pd.DataFrame, list[str]]:
    """Rows usable for balances (a canonical ``aging_history``, periods already ``YYYY-MM``)
    and notes: rows whose bucket is not one of ``labels`` are left out, and said so."""
    if history is None or not len(history):
        return pd.DataFrame({c: pd.Series([], dtype=object if c != "amount" else "int64") for c in COLUMNS}), []
    h = history[list(COLUMNS)].copy()
    ok_period = h["period"].map(lambda p: isinstance(p, str) and len(p) == 7 and p[4] == "-")
    known = h["bucket"].isin(list(labels))
    notes = []
    bad = h[~known & ok_period]
    if len(bad):
        names = ", ".join(sorted(set(map(str, bad["bucket"])))[:5])
        notes.append(f"{len(bad):,} Aging History rows have buckets other than this aging's ({names}) "
                     f"in {', '.join(sorted(set(bad['period'])))}: left out of the roll rates")
    return h[known & ok_period].reset_index(drop=True), notes


def balances(history: pd.DataFrame, labels) -> pd.DataFrame:
    """Balance per period (rows, ``YYYY-MM`` ascending) and bucket (columns in aging order),
    int64 minor units of the reporting currency."""
    if not len(history):
        return pd.DataFrame(columns=list(labels), dtype="int64")
    p = history.pivot_table(index="period", columns="bucket", values="amount", aggfunc="sum", fill_value=0)
    p = p.reindex(columns=list(labels), fill_value=0).sort_index()
    return p.astype("int64")


def from_wide(grid: pd.DataFrame, currency: str) -> pd.DataFrame | None:
    """An ``Aging History`` sheet in the earlier layout (``as_of, customer_id, total_open,
    not_due, <buckets>, past_due`` per customer, kept by the commentary) as long rows; None
    when the grid is not that layout.  The ``TOTAL`` rows are left out."""
    if grid is None or grid.empty:
        return None
    header = [str(v).strip() if v is not None else "" for v in grid.iloc[0]]
    if not header or header[0] != "as_of" or "not_due" not in header or "past_due" not in header:
        return None
    body = pd.DataFrame(grid.iloc[1:].to_numpy(), columns=header).dropna(how="all")
    buckets = header[header.index("not_due"):header.index("past_due")]
    rows = []
    for r in body.to_dict("records"):
        cid = r.get("customer_id")
        cid = str(int(cid)) if isinstance(cid, float) and cid.is_integer() else ("" if cid is None else str(cid))
        day = pd.to_datetime(r.get("as_of"), errors="coerce")
        if cid in ("", "TOTAL") or pd.isna(day):
            continue
        for b in buckets:
            try:
                amt = parse_amount(r.get(b), currency)
            except ValueError:
                amt = None
            if amt:
                rows.append((period_of(day), cid, b, amt))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["amount"] = out["amount"].astype("int64")
    return out


def other_periods(history: pd.DataFrame, as_of) -> pd.DataFrame:
    """The rows of every period but the as-of date's (what a close reads; it writes its own), in
    one order whatever the sheet's (for the input fingerprint)."""
    rows = history[history["period"] != period_of(as_of)]
    return rows.sort_values(list(COLUMNS), kind="stable").reset_index(drop=True)


def history_output(history: pd.DataFrame, currency: str) -> SheetOutput:
    """The ``Aging History`` sheet: every period's rows (newest first)."""
    h = history[list(COLUMNS)].copy()
    h.attrs = {"money": ["amount"], "currency": currency}
    return SheetOutput(HISTORY_SHEET, blocks=(TableBlock(h, table_name=HISTORY_TABLE),))


def previous_period(history: pd.DataFrame | None, period: str) -> str | None:
    """The latest period of ``history`` before ``period`` (None: none)."""
    if history is None or not len(history):
        return None
    earlier = [p for p in set(history["period"]) if isinstance(p, str) and p < period]
    return max(earlier) if earlier else None


def month_summary(history: pd.DataFrame | None, period: str | None, labels) -> pd.DataFrame | None:
    """One period of ``history`` as an aging summary: ``customer_id, total_open, <labels>,
    past_due`` per customer, a ``TOTAL`` row, and ``as_of`` (the period's last day); None when
    the period has no rows.  ``past_due`` = the buckets after ``not_due``."""
    if history is None or period is None:
        return None
    h = history[(history["period"] == period) & history["bucket"].isin(list(labels))]
    if h.empty:
        return None
    w = h.pivot_table(index="customer_id", columns="bucket", values="amount", aggfunc="sum", fill_value=0)
    w = w.reindex(columns=list(labels), fill_value=0).astype("int64")
    w.loc["TOTAL"] = w.sum(axis=0)
    out = w.reset_index().rename(columns={"index": "customer_id"})
    out.columns.name = None
    out.insert(1, "total_open", out[list(labels)].sum(axis=1).astype("int64"))
    out["past_due"] = out[list(labels)[1:]].sum(axis=1).astype("int64")
    out["as_of"] = pd.Timestamp(period + "-01") + pd.offsets.MonthEnd(0)
    return out


__all__ = ["RECEIVABLE_TYPES", "COLUMNS", "period_of", "receivable", "snapshot",
           "merge", "clean", "balances", "from_wide", "history_output", "other_periods", "previous_period", "month_summary",
           "HISTORY_SHEET", "HISTORY_TABLE"]
